/* `ringbench run --records`: host counters open without a PMU, and the
 * marker callback prints RBH1 lines the harness's parser accepts. */
#include <stdlib.h>
#include <string.h>

#include "engines/core/vm.h"
#include "harness/counters.h"
#include "harness/protocol.h"
#include "harness/records.h"
#include "tests/check.h"

/* A KVM-like engine: its own statistics count every exit before the VM
 * process handles it (kvm.exits), as KVM's do. */
static uint64_t fake_kvm_exits;

static size_t fake_counters(struct engine *e, struct engine_counter *out, size_t max)
{
	(void)e;
	if (!max)
		return 0;
	snprintf(out[0].name, sizeof(out[0].name), "kvm.exits");
	out[0].value = fake_kvm_exits;
	return 1;
}

static const struct engine_ops fake_ops = { .name = "fake", .counters = fake_counters };

/* A marker write as it reaches the VM process: KVM has counted it, then
 * the handler runs, then the VM core counts it (engines/core/exit.c). */
static void marker(struct vm *vm, uint32_t value, int is_end)
{
	fake_kvm_exits++;
	vm->on_marker(vm, value, is_end, vm->marker_ctx);
	vm->exits[VM_EXIT_IO].count++;
}

/* The guest's paired empty loops run between a pause (END | bit 31) and a
 * resume (BEGIN | bit 31): what happens there, the two marker writes
 * included, is left out of the span's deltas. */
static void paused_span(void)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&buf, &len);
	struct vm *vm = calloc(1, sizeof(*vm));
	struct records rec;

	records_start(&rec, out, "interp", "");
	vm->ops = &fake_ops;
	vm->engine = (struct engine *)vm;       /* any non-NULL handle */
	vm->on_marker = records_on_marker;
	vm->marker_ctx = &rec;
	marker(vm, 9, 0);                                    /* BEGIN: its own write is in, as before */
	vm->exits[VM_EXIT_IO].count += 5;                    /* the benchmark's exits */
	fake_kvm_exits += 5 + 2;
	vm->exits[VM_EXIT_MMIO].count += 2;
	for (int pair = 0; pair < 3; pair++) {
		marker(vm, 9 | RB_MARK_PAUSED, 1);      /* pause */
		vm->exits[VM_EXIT_IO].count += 100;          /* the empty loop's (timer, ...) */
		fake_kvm_exits += 100 + 4;
		vm->exits[VM_EXIT_HLT].count += 4;
		vm->rb_counters[0] += 50;
		marker(vm, 9 | RB_MARK_PAUSED, 0);      /* resume */
		vm->exits[VM_EXIT_IO].count += 1;            /* the benchmark again */
		fake_kvm_exits += 1;
	}
	marker(vm, 8 | RB_MARK_PAUSED, 1);              /* another seq's pause: ignored */
	marker(vm, 9 | RB_MARK_PAUSED, 0);              /* resume without pause: ignored */
	vm->rb_counters[0] += 1;
	marker(vm, 9, 1);
	records_stop(&rec);
	fclose(out);

	struct rbline l;
	char err[160];
	uint64_t v = 0;
	char *save, *line = strtok_r(buf, "\n", &save);
	line = strtok_r(NULL, "\n", &save);
	CHECK(line && rbline_parse(line, &l, err, sizeof(err)) == 1 && l.kind == RBL_COUNTERS,
	      "paused span: one counters line: %s", line ? line : "(none)");
	/* 1 (BEGIN) + 5 + 3 + 2 (the two ignored markers' writes) */
	CHECK(line && !rbline_u64(&l, "vm.exits.io", &v) && v == 11,
	      "paused span: port exits of the pauses, resumes and empty loops left out (%llu, want 11)",
	      (unsigned long long)v);
	CHECK(line && !rbline_u64(&l, "vm.exits.mmio", &v) && v == 2, "paused span: other exits kept");
	/* KVM counts a write before its handler: 5 + 2 + 3 after the resumes, the
	 * two ignored markers' and END's own writes */
	CHECK(line && !rbline_u64(&l, "engine.kvm.exits", &v) && v == 13,
	      "paused span: KVM's own exit count leaves out the pauses, resumes and empty loops too (%llu, want 13)",
	      (unsigned long long)v);
	CHECK(line && rbline_u64(&l, "vm.exits.hlt", &v), "paused span: exits only the empty loop had are absent");
	CHECK(line && !rbline_u64(&l, "dev.null-port", &v) && v == 1, "paused span: device counters too (%llu)",
	      (unsigned long long)v);
	free(buf);
	free(vm);
}

int main(void)
{
	struct counters c;
	char real[256], missing[256];

	counters_open(&c);
	counters_describe(&c, real, sizeof(real), missing, sizeof(missing));
	CHECK(c.n >= 8, "every wanted event tried (%zu)", c.n);
	if (strstr(real, "task-clock"))
		CHECK(1, "software counters real here: %s (missing: %s)", real, missing[0] ? missing : "none");
	else
		SKIP("perf_event_open refused even software events here: %s", missing);
	counters_close(&c);

	char *buf = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&buf, &len);
	struct vm *vm = calloc(1, sizeof(*vm));
	struct records rec;

	records_start(&rec, out, "kvm", "PVM (kvm_pvm) test note");
	vm->on_marker = records_on_marker;
	vm->marker_ctx = &rec;
	vm->on_marker(vm, 4, 1, vm->marker_ctx);      /* END without BEGIN: ignored */
	vm->on_marker(vm, 5, 0, vm->marker_ctx);
	vm->exits[VM_EXIT_IO].count += 7;
	vm->rb_counters[0] += 3;
	volatile double x = 0;
	for (int i = 0; i < 1000000; i++)
		x += i;
	vm->on_marker(vm, 5, 1, vm->marker_ctx);
	records_stop(&rec);
	fclose(out);

	struct rbline l;
	char err[160];
	char *save, *line1 = strtok_r(buf, "\n", &save), *line2 = strtok_r(NULL, "\n", &save);
	CHECK(line1 && rbline_parse(line1, &l, err, sizeof(err)) == 1 && l.kind == RBL_INFO &&
	      !strcmp(l.reason, "PVM (kvm_pvm) test note"), "RBH1 info line parses, carries the note");
	CHECK(line2 && rbline_parse(line2, &l, err, sizeof(err)) == 1 && l.kind == RBL_COUNTERS,
	      "RBH1 counters line parses: %s", line2 ? line2 : "(none)");
	uint64_t v = 0;
	CHECK(line2 && !rbline_u64(&l, "seq", &v) && v == 5, "only the paired END printed (seq 5)");
	CHECK(line2 && !rbline_u64(&l, "vm.exits.io", &v) && v == 7, "VM-core exits are deltas over the span");
	CHECK(line2 && !rbline_u64(&l, "dev.null-port", &v) && v == 3, "device counters are deltas");
	if (strstr(real, "task-clock"))
		CHECK(line2 && !rbline_u64(&l, "host.task-clock", &v) && v > 0, "host task-clock counted the span (%llu ns)",
		      (unsigned long long)v);
	CHECK(strtok_r(NULL, "\n", &save) == NULL, "nothing else printed");
	free(buf);
	free(vm);
	paused_span();
	CHECK_EXIT();
}
