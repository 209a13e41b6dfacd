/* RBH1 records: snapshot at MARK_BEGIN, print deltas at MARK_END, less
 * the spans between a pause and a resume marker.  The
 * guest writes MARK_END before printing its `end` line, so the console has
 * no partial guest line when ours goes out. */
#include "harness/records.h"

#include <string.h>

#include "engines/core/vcpu.h"
#include "engines/core/vm.h"

void records_start(struct records *rec, FILE *out, const char *engine, const char *note)
{
	char real[256], missing[256];

	memset(rec, 0, sizeof(*rec));
	rec->out = out;
	counters_open(&rec->host);
	counters_describe(&rec->host, real, sizeof(real), missing, sizeof(missing));
	fprintf(out, "RBH1 info engine=%s counters=%s missing=%s reason=%s\n",
		engine, real[0] ? real : "none", missing[0] ? missing : "none",
		note ? note : "");
	fflush(out);
}

void records_stop(struct records *rec)
{
	counters_close(&rec->host);
}

/* The engine's counters, then the vCPU multiplexer's (switches by cause,
 * e.g. vcpu.switch.pause: PAUSE-loop yields; steal time). */
static size_t engine_counters(struct vm *vm, struct engine_counter *out, size_t max)
{
	size_t n;

	if (!vm->ops || !vm->engine)
		return 0;
	n = engine_counters_all(vm->ops, vm->engine, out, max);
	/* The multiplexer's switches by cause (several vCPUs under interp
	 * and bt): PAUSE-loop yields per operation in the overcommit sweep. */
	return n + vcpu_sched_counters(vm, out + n, max - n);
}

/* The counter called name in list[0..n), or NULL. */
static struct engine_counter *find_counter(struct engine_counter *list, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(list[i].name, name))
			return &list[i];
	return NULL;
}

static uint64_t engine_begin_value(struct records *rec, const char *name)
{
	const struct engine_counter *c = find_counter(rec->eng_begin, rec->neng_begin, name);
	return c ? c->value : 0;
}

static void print_end(struct records *rec, struct vm *vm, uint32_t seq)
{
	uint64_t now[COUNTERS_MAX];
	struct engine_counter eng[RECORDS_MAX_ENGINE_COUNTERS];
	size_t neng;
	FILE *o = rec->out;

	counters_read(&rec->host, now);
	neng = engine_counters(vm, eng, RECORDS_MAX_ENGINE_COUNTERS);

	fprintf(o, "RBH1 counters seq=%u", seq);
	for (size_t i = 0; i < rec->host.n; i++)
		if (rec->host.fd[i] >= 0)
			fprintf(o, " host.%s=%llu", rec->host.name[i],
				(unsigned long long)(now[i] - rec->host_begin[i]));
	/* Engine and VM-core counts: zero deltas are left out to keep the
	 * line short; readers treat an absent counter as 0. */
	for (size_t i = 0; i < neng; i++) {
		uint64_t d = eng[i].value - engine_begin_value(rec, eng[i].name);
		if (d)
			fprintf(o, " engine.%s=%llu", eng[i].name, (unsigned long long)d);
	}
	for (int r = 0; r < VM_EXIT_REASON_COUNT; r++) {
		const struct vm_exit_stat *x = &vm->exits[r];
		uint64_t d = x->count - rec->exits_begin[r].count;
		uint64_t timed = x->timed - rec->exits_begin[r].timed;
		if (d)
			fprintf(o, " vm.exits.%s=%llu", vm_exit_reason_name(r), (unsigned long long)d);
		/* The dispatcher's timed sample of them: host TSC ticks. */
		if (timed)
			fprintf(o, " vm.exit_timed.%s=%llu vm.exit_ticks.%s=%llu", vm_exit_reason_name(r),
				(unsigned long long)timed, vm_exit_reason_name(r),
				(unsigned long long)(x->timed_ticks - rec->exits_begin[r].timed_ticks));
	}
	static const char *const rbname[] = { "null-port", "doorbell", "null-page", "vmcall" };
	for (int k = 0; k < 4; k++) {
		uint64_t d = vm->rb_counters[k] - rec->rb_begin[k];
		if (d)
			fprintf(o, " dev.%s=%llu", rbname[k], (unsigned long long)d);
	}
	fputc('\n', o);
	fflush(o);
}

/* KVM's own statistics count an exit before the VM process handles it, so
 * when the pause marker's handler runs they already hold the pause's own
 * port-I/O exit: it is moved into the paused part here (its resume's is
 * there already), so engine.kvm.* stay the benchmark's alone. */
static void pause_own_exit(struct records *rec)
{
	static const char *const counted[] = { "kvm.exits", "kvm.io_exits" };

	for (size_t i = 0; i < sizeof(counted) / sizeof(counted[0]); i++) {
		struct engine_counter *c = find_counter(rec->eng_pause, rec->neng_pause, counted[i]);
		if (c && c->value)
			c->value--;
	}
}

static void pause_span(struct records *rec, struct vm *vm)
{
	rec->paused = 1;
	rec->neng_pause = engine_counters(vm, rec->eng_pause, RECORDS_MAX_ENGINE_COUNTERS);
	pause_own_exit(rec);
	memcpy(rec->exits_pause, vm->exits, sizeof(rec->exits_pause));
	memcpy(rec->rb_pause, vm->rb_counters, sizeof(rec->rb_pause));
	counters_read(&rec->host, rec->host_pause);
}

/* Move the begin snapshot forward by what the pause added.  The VM core
 * counts an exit after its handler, so this resume's own port write would
 * land in the span: it is moved out too (the pause's write fell in the
 * paused part already).  own_exit: 0 when the END marker ends the pause
 * (its write is counted after the span's deltas are printed). */
static void resume_span(struct records *rec, struct vm *vm, int own_exit)
{
	uint64_t now[COUNTERS_MAX];
	struct engine_counter eng[RECORDS_MAX_ENGINE_COUNTERS];
	size_t neng;

	counters_read(&rec->host, now);
	neng = engine_counters(vm, eng, RECORDS_MAX_ENGINE_COUNTERS);
	rec->paused = 0;
	for (size_t i = 0; i < rec->host.n; i++)
		rec->host_begin[i] += now[i] - rec->host_pause[i];
	for (size_t i = 0; i < neng; i++) {
		const struct engine_counter *p = find_counter(rec->eng_pause, rec->neng_pause, eng[i].name);
		struct engine_counter *b = find_counter(rec->eng_begin, rec->neng_begin, eng[i].name);
		if (!b) {                       /* first seen while paused: from 0 */
			if (rec->neng_begin == RECORDS_MAX_ENGINE_COUNTERS)
				continue;
			b = &rec->eng_begin[rec->neng_begin++];
			*b = eng[i];
			b->value = 0;
		}
		b->value += eng[i].value - (p ? p->value : 0);
	}
	for (int r = 0; r < VM_EXIT_REASON_COUNT; r++) {
		rec->exits_begin[r].count += vm->exits[r].count - rec->exits_pause[r].count;
		rec->exits_begin[r].timed += vm->exits[r].timed - rec->exits_pause[r].timed;
		rec->exits_begin[r].timed_ticks += vm->exits[r].timed_ticks - rec->exits_pause[r].timed_ticks;
	}
	if (own_exit)
		rec->exits_begin[VM_EXIT_IO].count++;
	for (int k = 0; k < 8; k++)
		rec->rb_begin[k] += vm->rb_counters[k] - rec->rb_pause[k];
}

void records_on_marker(struct vm *vm, uint32_t seq, int is_end, void *ctx)
{
	struct records *rec = ctx;

	if (seq & RB_MARK_PAUSED) {
		/* Only inside the span it belongs to, each once in turn. */
		if (rec->open && (seq & ~RB_MARK_PAUSED) == rec->seq && is_end != rec->paused) {
			if (is_end)
				pause_span(rec, vm);
			else
				resume_span(rec, vm, 1);
		}
		return;
	}
	if (!is_end) {
		rec->seq = seq;
		rec->open = 1;
		rec->paused = 0;
		rec->neng_begin = engine_counters(vm, rec->eng_begin, RECORDS_MAX_ENGINE_COUNTERS);
		memcpy(rec->exits_begin, vm->exits, sizeof(rec->exits_begin));
		memcpy(rec->rb_begin, vm->rb_counters, sizeof(rec->rb_begin));
		/* Host counters last, so our own bookkeeping is outside the span. */
		counters_read(&rec->host, rec->host_begin);
		return;
	}
	if (!rec->open || seq != rec->seq)
		return;          /* END without its BEGIN: nothing to pair it with */
	rec->open = 0;
	if (rec->paused)         /* END while paused: the pause runs to here */
		resume_span(rec, vm, 0);
	print_end(rec, vm, seq);
}
