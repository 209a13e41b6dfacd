/* bench --rounds (harness/results.c, engine_merge_round): a later round of
 * an engine joins the first: samples appended (paired only while every
 * round's are), counters and operations summed, a benchmark first seen in
 * the later round taken whole, a failure kept, precision "met" only when
 * met in every round, the elapsed time summed. */
#include <string.h>

#include "harness/results.h"
#include "tests/check.h"

#define ITERS 1000

/* n repetitions of cost cycles per op above an empty loop of 3. */
static struct bench_result *bench(struct engine_result *e, const char *name, int seq, unsigned n,
				  double cost, int paired, const char *precision)
{
	struct bench_result *b = engine_bench(e, name, 1);

	b->seq = seq;
	b->ring = 3;
	strcpy(b->status, "ok");
	strcpy(b->group, "baseline");
	strcpy(b->klass, "unprivileged");
	strcpy(b->precision, precision);
	for (unsigned k = 0; k < n; k++) {
		uint64_t empty = 3 * ITERS + k % 3, cycles = empty + (uint64_t)(cost * ITERS) + k % 5;
		if (paired)
			bench_add_paired_sample(b, ITERS, cycles, empty);
		else
			bench_add_sample(b, ITERS, cycles + 3 * ITERS);
	}
	b->span_iters = (uint64_t)n * ITERS;
	return b;
}

int main(void)
{
	static struct run r;
	struct engine_result later;

	run_init(&r);
	r.host.tsc_khz = 2e6;
	struct engine_result *e = run_engine(&r, "bt", 1);
	strcpy(e->status, "ok");
	e->elapsed_s = 2;
	bench(e, "loop", 0, 10, 0, 1, "met");
	struct bench_result *alu = bench(e, "alu", 1, 10, 10, 1, "met");
	bench_set_counter(alu, "engine.insns", 100);
	bench(e, "in_null", 2, 10, 400, 1, "met");
	bench(e, "mixed", 3, 10, 20, 1, "met");
	engine_compute(e);

	memset(&later, 0, sizeof(later));
	strcpy(later.name, "bt");
	strcpy(later.status, "ok");
	later.elapsed_s = 3;
	bench(&later, "loop", 0, 10, 0, 1, "met");
	struct bench_result *alu2 = bench(&later, "alu", 1, 6, 10, 1, "capped");
	bench_set_counter(alu2, "engine.insns", 50);
	bench_set_counter(alu2, "engine.exits.io", 7);
	struct bench_result *io2 = bench(&later, "in_null", 2, 4, 400, 1, "met");
	strcpy(io2->status, "crash");
	strcpy(io2->reason, "killed by signal 11");
	io2->span_iters = 0;            /* its end line never came */
	bench(&later, "mixed", 3, 10, 20, 0, "met");
	struct bench_result *fresh = bench(&later, "cpuid", 4, 8, 30, 1, "met");
	strcpy(fresh->group, "priv");
	strcpy(fresh->klass, "behaviour-sensitive");
	fresh->ring = 0;

	CHECK(engine_merge_round(e, &later) == 0, "merge: returns 0");
	engine_free(&later);
	CHECK(later.nb == 0 && later.b == NULL, "engine_free: the round's benchmarks freed");

	alu = engine_bench(e, "alu", 0);
	CHECK(alu && alu->n == 16 && bench_is_paired(alu), "alu: 10 + 6 samples, still paired (%zu)",
	      alu ? alu->n : 0);
	CHECK(alu && bench_counter(alu, "engine.insns") == 150 && alu->span_iters == 16 * ITERS,
	      "alu: counter and operations summed (%.0f, %llu)", alu ? bench_counter(alu, "engine.insns") : -1,
	      alu ? (unsigned long long)alu->span_iters : 0);
	CHECK(alu && bench_counter(alu, "engine.exits.io") == 7,
	      "alu: a counter only the later round has: its value (%.0f)",
	      alu ? bench_counter(alu, "engine.exits.io") : -1);
	CHECK(alu && !strcmp(alu->precision, "capped"), "alu: met, then capped: capped (%s)",
	      alu ? alu->precision : "?");
	CHECK(alu && alu->st.median > 9.9 && alu->st.median < 10.1, "alu: the pooled median is 10 cycles (%.2f)",
	      alu ? alu->st.median : -1);
	struct bench_result *io = engine_bench(e, "in_null", 0);
	CHECK(io && io->n == 14 && !strcmp(io->status, "crash") && !strcmp(io->reason, "killed by signal 11") &&
	      io->span_iters == 0, "in_null: crashed in the later round: its samples kept, status crash, "
	      "operations unknown (%s, %zu)", io ? io->status : "?", io ? io->n : 0);
	struct bench_result *mixed = engine_bench(e, "mixed", 0);
	CHECK(mixed && mixed->n == 20 && !bench_is_paired(mixed),
	      "mixed: paired, then unpaired samples: no longer paired (%zu of %zu)",
	      mixed ? mixed->npaired : 0, mixed ? mixed->n : 0);
	struct bench_result *cpuid = engine_bench(e, "cpuid", 0);
	CHECK(cpuid && cpuid->n == 8 && cpuid->seq == 4 && cpuid->ring == 0 && !strcmp(cpuid->group, "priv") &&
	      !strcmp(cpuid->klass, "behaviour-sensitive") && !strcmp(cpuid->status, "ok") &&
	      cpuid->span_iters == 8 * ITERS,
	      "cpuid: first run in the later round: taken whole");
	CHECK(e->elapsed_s == 5 && e->nb == 5, "engine: elapsed summed (%.1f s), 5 benchmarks (%zu)",
	      e->elapsed_s, e->nb);
	run_free(&r);
	CHECK_EXIT();
}
