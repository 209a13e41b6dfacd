/* The in-memory result set of one bench run: host, engines, and per engine
 * per benchmark the samples, counters, status and statistics.  Written by
 * results_json.c / results_csv.c, read back by results_json_load(). */
#ifndef RINGBENCH_RESULTS_H
#define RINGBENCH_RESULTS_H

#include <stddef.h>
#include <stdint.h>

#include "harness/stats.h"

#define RESULTS_SCHEMA_VERSION 1
#define RUN_MAX_ENGINES 12

struct counter {
	char name[64];
	double value;
};

/* One benchmark on one engine. */
struct bench_result {
	char name[48], group[24], klass[32];
	char twin[48];          /* the trapping twin of a paravirtual benchmark */
	int seq;
	int ring;               /* 0 kernel, 3 user, -1 unknown */
	char status[16];        /* ok fail unsupported crash timeout not-run running */
	char reason[256];
	uint64_t *iters, *cycles;       /* samples, one per repetition */
	/* The empty loop run beside each repetition (same iters, same ring;
	 * the sample line's empty=): npaired of the n samples have one.  When
	 * all do, costs are the per-repetition differences. */
	uint64_t *empty;
	size_t n, cap, npaired;
	struct counter *ctr;            /* deltas over MARK_BEGIN..MARK_END */
	size_t nctr, capctr;
	/* Derived by run_compute(): */
	uint64_t total_iters;           /* sum of sample iters */
	/* Every iteration between the markers (calibration, warm-up and
	 * repetitions), from the end line's optional ops= key; 0: unknown. */
	uint64_t span_iters;
	/* From the end line's precision=: "met" (the median's 95% CI within
	 * 2% of it), "capped" (repetitions ran out first), "" unknown. */
	char precision[8];
	/* From the end line's p50=, p99=, p999= (the smp benchmarks): the
	 * per-operation latency distribution, TSC cycles; 0: not given. */
	uint64_t lat[3];
	/* From fairness's jain_milli=, min_share_milli=: Jain's index over the
	 * vCPUs' shares and the smallest share (of the mean), thousandths;
	 * 0: not given. */
	uint64_t jain_milli, min_share_milli;
	/* From steal_time's steal_milli=, gap_milli=: the vCPUs' mean steal
	 * share of the window and the share they saw as gaps, thousandths;
	 * 0: not given. */
	uint64_t steal_milli, gap_milli;
	int paired;                     /* costs from the interleaved pairs */
	double loop_cycles;             /* empty-loop cost per op: the median
					   of the paired empties, else the
					   loop_k (ring 0) or loop median */
	double empty_cv;                /* CV of the paired empties; 0 unpaired */
	size_t empty_outliers;          /* paired empties that were outliers
					   among them: loop_cycles stood in */
	struct stats st;                /* net TSC cycles per operation */
	double resolution;              /* cycles/op: half-width of the 95% CI
					   of the empty loop's own median */
	int resolved;                   /* the median's CI clears it */
	unsigned char *outlier;         /* per sample */
};

struct engine_result {
	char name[24];          /* kvm interp bt native qemu-tcg qemu-kvm */
	char kind[16];          /* builtin native qemu nested test */
	int available;
	char note[256];         /* probe note, or why it is unavailable */
	char status[16];        /* not-run running ok fail crash timeout interrupted unavailable */
	char reason[256];
	char version[128];
	char command[1024];
	char log[256];          /* console/stderr log, relative to the run dir */
	int exit_status;
	double elapsed_s;
	char counters_real[256], counters_missing[256];   /* from RBH1 info */
	uint64_t budget_ms, reps, warmup;                 /* from RB1 hello */
	struct bench_result *b;
	size_t nb, capb;
};

struct host_info {
	char hostname[64], cpu_model[128], cpu_virt[64], kvm_flavour[256];
	char kernel[160], git_commit[48], os[96];
	double tsc_khz;
	char tsc_source[48];
	int ncpus;
	double loadavg_start, loadavg_end;
	char counters_real[256], counters_missing[256];
};

struct run {
	int schema_version;
	char id[64], started[32], finished[32];
	char state[16];         /* running complete interrupted */
	char only[256];
	uint64_t budget_ms, reps, warmup;
	int quick;
	unsigned cpus;          /* the guest's vCPUs (bench --cpus); 1 in older runs */
	unsigned rounds;        /* engine processes per engine, interleaved (bench --rounds); 1 in older runs */
	unsigned host_cpus;     /* host CPUs the VM was pinned to (--host-cpus); 0: not pinned */
	double overcommit;      /* cpus / host_cpus (the sweep's ratio); 0: not pinned */
	struct host_info host;
	struct engine_result e[RUN_MAX_ENGINES];
	size_t ne;
};

void run_init(struct run *r);
void run_free(struct run *r);
struct engine_result *run_engine(struct run *r, const char *name, int create);
struct bench_result *engine_bench(struct engine_result *e, const char *name, int create);
/* Free an engine's benchmarks (an engine_result not in a run). */
void engine_free(struct engine_result *e);
/* A later round's results of one engine (src, another process of it)
 * into dst: each benchmark's samples appended, its counters and operations
 * summed (they are deltas between its markers), a failure kept; the
 * elapsed time summed.  0, or -1 out of memory. */
int engine_merge_round(struct engine_result *dst, const struct engine_result *src);
int bench_add_sample(struct bench_result *b, uint64_t iters, uint64_t cycles);
/* A repetition with the empty loop measured beside it (empty cycles). */
int bench_add_paired_sample(struct bench_result *b, uint64_t iters, uint64_t cycles, uint64_t empty);
/* Every sample has its empty loop: costs can be paired differences. */
int bench_is_paired(const struct bench_result *b);
int bench_set_counter(struct bench_result *b, const char *name, double value);
/* Counter value, or -1 when absent. */
double bench_counter(const struct bench_result *b, const char *name);
/* Counter per operation: value / span_iters when the guest reported it,
 * else value / total_iters (an upper bound: the counters also saw
 * calibration and warm-up), or -1. */
double bench_counter_per_op(const struct bench_result *b, const char *name);

/* Recompute every benchmark's statistics (empty loop subtracted: the
 * paired one per repetition when every sample has it, else the median of
 * the engine's loop or loop_k benchmark, as files before pairing have). */
void run_compute(struct run *r);
void engine_compute(struct engine_result *e);
/* Just b's statistics (b in e): what one benchmark's end changes. */
void bench_compute(struct engine_result *e, struct bench_result *b);

/* The net cycles per operation of each repetition (out: b->n values), as
 * the statistics were computed on: less its paired empty loop (less
 * loop_cycles, their median, where that empty was an outlier among them),
 * or less loop_cycles unpaired.  After bench_compute. */
size_t bench_net_costs(const struct bench_result *b, double *out);

/* The cost shown to a reader, computed once for the report, CSV, JSON,
 * dashboard and plots: the median and its 95% CI in ns (cycles without a
 * TSC frequency) when it is significantly above the empty loop, else only
 * an upper bound ("below resolution").  Never negative. */
struct cost {
	const char *unit;       /* "ns" or "cycles" */
	int resolved;
	double median, lo, hi;  /* resolved only */
	double bound;           /* < bound when not resolved */
};
/* Fills c (in TSC cycles if cycles); -1 when the benchmark has no measurement. */
int bench_cost(const struct run *r, const struct bench_result *b, int cycles, struct cost *c);
/* "12.3 [12.1, 12.6]" (with_ci) or "12.3", "< 2.10" below resolution. */
void cost_format(const struct cost *c, int with_ci, char *out, size_t len);
/* v with 3 significant digits, no exponent ("1420000", "12.3", "0.456"). */
void sig3(double v, char *out, size_t len);

/* ns for TSC cycles at the host frequency; -1 when it is unknown. */
double run_cycles_to_ns(const struct run *r, double cycles);

/* Benchmark names over all engines, in first-seen seq order; returns count,
 * *names malloc'd (pointers into r).  Free the array only. */
size_t run_bench_names(const struct run *r, const char ***names);

/* loop or loop_k: the empty loops subtracted from the others. */
int bench_is_loop(const char *name);

/* Whether an engine's times describe its technique.  Not so for the nested
 * AMD-V platform (kind "nested"): QEMU emulates SVM, so its times are kept
 * in results.json but never put in cost, slowdown or speed tables. */
int engine_times_valid(const struct engine_result *e);

/* The engine's name as tables and figures show it: with the flavour of
 * hardware assistance for kvm ("kvm (PVM)", "kvm (VT-x)") and the nested
 * platform ("kvm-amdv-nested (AMD-V, nested)"); the bare name otherwise. */
void engine_label(const struct engine_result *e, char *out, size_t len);

/* A benchmark on an engine that has a measurement (status ok, samples). */
int bench_has_value(const struct bench_result *b);

#endif
