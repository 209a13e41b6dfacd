/* RB1/RBH1 → struct engine_result.  A malformed line is logged and
 * counted, never fatal: one bad line must not cost a whole engine run. */
#include "harness/ingest.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engines/core/status.h"

void ingest_init(struct ingest *in, struct engine_result *e, FILE *log)
{
	memset(in, 0, sizeof(*in));
	in->e = e;
	in->log = log;
}

static struct bench_result *bench_by_seq(struct engine_result *e, uint64_t seq)
{
	for (size_t i = e->nb; i-- > 0;)
		if (e->b[i].seq == (int)seq)
			return &e->b[i];
	return NULL;
}

/* Bounded copy that truncates silently: reasons may be long. */
static void copy(char *dst, size_t len, const char *src)
{
	size_t n = src ? strnlen(src, len - 1) : 0;

	if (n)
		memcpy(dst, src, n);
	dst[n] = '\0';
}

/* One line to the console log, until INGEST_LOG_MAX; then one note. */
static void log_line(struct ingest *in, const char *prefix, const char *line)
{
	if (!in->log || in->logged > INGEST_LOG_MAX)
		return;
	size_t n = strlen(prefix) + strlen(line) + 1;
	if (in->logged + n > INGEST_LOG_MAX) {
		fprintf(in->log, "ringbench: log capped at %u bytes; later console lines dropped\n",
			INGEST_LOG_MAX);
		in->logged = INGEST_LOG_MAX + 1;
		return;
	}
	fprintf(in->log, "%s%s\n", prefix, line);
	in->logged += n;
}

static enum ingest_event bad(struct ingest *in, const char *line, const char *why)
{
	in->bad_lines++;
	copy(in->last_error, sizeof(in->last_error), why);
	char prefix[300];
	snprintf(prefix, sizeof(prefix), "ringbench: malformed line (%.250s): ", why);
	log_line(in, prefix, line);
	return INGEST_BAD;
}

static void apply_counters(struct ingest *in, const struct rbline *l, const char *line)
{
	uint64_t seq;
	rbline_u64(l, "seq", &seq);
	struct bench_result *b = bench_by_seq(in->e, seq);

	if (!b) {
		bad(in, line, "counters for a benchmark that never began");
		return;
	}
	for (size_t i = 0; i < l->n; i++)
		if (strcmp(l->key[i], "seq"))
			bench_set_counter(b, l->key[i], strtod(l->val[i], NULL));
}

enum ingest_event ingest_line(struct ingest *in, const char *line)
{
	struct rbline l;
	char err[160];
	uint64_t v, seq, iters, cycles;
	struct engine_result *e = in->e;
	struct bench_result *b;

	int r = rbline_parse(line, &l, err, sizeof(err));
	if (r == 0) {
		log_line(in, "", line);
		if (line[0])
			copy(in->last_console, sizeof(in->last_console), line);
		return INGEST_NONE;
	}
	if (r < 0)
		return bad(in, line, err);
	log_line(in, "", line);

	switch (l.kind) {
	case RBL_HELLO:
		in->saw_hello = 1;
		if (!rbline_u64(&l, "budget_ms", &v)) e->budget_ms = v;
		if (!rbline_u64(&l, "reps", &v)) e->reps = v;
		if (!rbline_u64(&l, "warmup", &v)) e->warmup = v;
		return INGEST_NONE;
	case RBL_BEGIN:
		rbline_u64(&l, "seq", &seq);
		b = engine_bench(e, rbline_get(&l, "bench"), 1);
		if (!b)
			return bad(in, line, "out of memory");
		/* A benchmark run twice (guest restarted): keep the last. */
		b->n = 0;
		b->npaired = 0;
		b->nctr = 0;
		b->seq = (int)seq;
		copy(b->group, sizeof(b->group), rbline_get(&l, "group"));
		copy(b->klass, sizeof(b->klass), rbline_get(&l, "class"));
		copy(b->twin, sizeof(b->twin), rbline_get(&l, "twin"));
		b->ring = rbline_u64(&l, "ring", &v) ? -1 : (int)v;
		copy(b->status, sizeof(b->status), "running");
		b->reason[0] = '\0';
		in->cur = b;
		return INGEST_BEGIN;
	case RBL_SAMPLE:
		rbline_u64(&l, "seq", &seq);
		rbline_u64(&l, "iters", &iters);
		rbline_u64(&l, "cycles", &cycles);
		/* The running benchmark, without a search: constant cost per
		 * line however many benchmarks came before. */
		b = in->cur && !strcmp(in->cur->name, rbline_get(&l, "bench")) ? in->cur : NULL;
		if (!b || b->seq != (int)seq)
			return bad(in, line, "sample outside its benchmark");
		if (!iters)
			return bad(in, line, "sample with zero iterations");
		/* empty=: the empty loop run beside this repetition. */
		if (!rbline_u64(&l, "empty", &v))
			bench_add_paired_sample(b, iters, cycles, v);
		else
			bench_add_sample(b, iters, cycles);
		return INGEST_NONE;
	case RBL_END:
		rbline_u64(&l, "seq", &seq);
		b = in->cur && !strcmp(in->cur->name, rbline_get(&l, "bench")) ? in->cur
		    : engine_bench(e, rbline_get(&l, "bench"), 0);
		if (!b || b->seq != (int)seq)
			return bad(in, line, "end of a benchmark that never began");
		copy(b->status, sizeof(b->status), rbline_get(&l, "status"));
		copy(b->reason, sizeof(b->reason), l.reason);
		b->span_iters = rbline_u64(&l, "ops", &v) ? 0 : v;
		const char *pr = rbline_get(&l, "precision");
		copy(b->precision, sizeof(b->precision), pr ? pr : "");
		static const char *const lat_keys[3] = { "p50", "p99", "p999" };
		for (int k = 0; k < 3; k++)
			b->lat[k] = rbline_u64(&l, lat_keys[k], &v) ? 0 : v;
		b->jain_milli = rbline_u64(&l, "jain_milli", &v) ? 0 : v;
		b->min_share_milli = rbline_u64(&l, "min_share_milli", &v) ? 0 : v;
		b->steal_milli = rbline_u64(&l, "steal_milli", &v) ? 0 : v;
		b->gap_milli = rbline_u64(&l, "gap_milli", &v) ? 0 : v;
		if (!strcmp(b->status, "ok") && !b->n) {
			copy(b->status, sizeof(b->status), "fail");
			copy(b->reason, sizeof(b->reason), "ended ok without samples");
		}
		in->cur = NULL;
		/* Only this benchmark's statistics changed, unless it is an
		 * empty loop that every other one subtracts. */
		if (bench_is_loop(b->name))
			engine_compute(e);
		else
			bench_compute(e, b);
		return INGEST_END;
	case RBL_DONE:
		in->saw_done = 1;
		return INGEST_DONE;
	case RBL_COUNTERS:
		apply_counters(in, &l, line);
		return INGEST_NONE;
	case RBL_INFO:
		copy(e->counters_real, sizeof(e->counters_real), rbline_get(&l, "counters"));
		copy(e->counters_missing, sizeof(e->counters_missing), rbline_get(&l, "missing"));
		if (l.reason[0] && !e->note[0])
			copy(e->note, sizeof(e->note), l.reason);
		return INGEST_NONE;
	}
	return INGEST_NONE;
}

void ingest_finish(struct ingest *in, const struct child_result *res, const char *last_stderr)
{
	struct engine_result *e = in->e;
	char how[512], desc[96], said[160];

	/* The guest's last words (a FATAL line) and the process's own (a
	 * triple fault, a KVM error) say more than the exit status. */
	child_describe(res, desc, sizeof(desc));
	snprintf(said, sizeof(said), "%.150s", last_stderr ? last_stderr : "");
	snprintf(how, sizeof(how), "%s%s%.150s%s%s", desc,
		 in->last_console[0] && !in->saw_done ? "; console: " : "",
		 !in->saw_done ? in->last_console : "", said[0] ? "; stderr: " : "", said);
	e->exit_status = res->exited ? res->status : -1;
	e->elapsed_s = res->elapsed_s;

	const char *bstatus = res->timed_out ? "timeout" : res->interrupted ? "interrupted" : "crash";
	if (in->cur) {
		/* The benchmark that was running when the process ended. */
		copy(in->cur->status, sizeof(in->cur->status), bstatus);
		copy(in->cur->reason, sizeof(in->cur->reason), how);
		in->cur = NULL;
	}
	if (res->interrupted) {
		copy(e->status, sizeof(e->status), "interrupted");
		copy(e->reason, sizeof(e->reason), how);
	} else if (res->timed_out) {
		copy(e->status, sizeof(e->status), "timeout");
		copy(e->reason, sizeof(e->reason), how);
	} else if (!in->saw_done && res->exited && res->status == RB_STATUS_NO_ENGINE && !e->nb) {
		/* The engine found out itself that it cannot run here (e.g. no
		 * SVM in QEMU for the nested platform): its stderr says why. */
		copy(e->status, sizeof(e->status), "unavailable");
		copy(e->reason, sizeof(e->reason), said[0] ? said : how);
		e->available = 0;
	} else if (!in->saw_done) {
		copy(e->status, sizeof(e->status), "crash");
		snprintf(e->reason, sizeof(e->reason), "ended before the guest's done line: %.200s", how);
	} else {
		copy(e->status, sizeof(e->status), "ok");
		copy(e->reason, sizeof(e->reason), how);
	}
	if (in->bad_lines) {
		size_t l = strlen(e->reason);
		snprintf(e->reason + l, sizeof(e->reason) - l, "%s%u malformed line(s), last: %s",
			 l ? "; " : "", in->bad_lines, in->last_error);
	}
	engine_compute(e);
}
