/* The overcommit sweep (bench --overcommit): its runs, one per ratio, read
 * back from <dir>/x<ratio>/results.json; the report (slowdown versus the
 * lowest ratio, fairness, IPI latency, PAUSE-loop yields), sweep.csv, and
 * the figures (harness/plots_sweep.c). */
#ifndef RINGBENCH_REPORT_SWEEP_H
#define RINGBENCH_REPORT_SWEEP_H

#include <stddef.h>

#include "harness/results.h"

#define SWEEP_MAX_RUNS 8

struct sweep {
	size_t n;                       /* runs, by ascending ratio */
	struct run *r[SWEEP_MAX_RUNS];
	char sub[SWEEP_MAX_RUNS][64];   /* their directories' names */
	const char *engines[RUN_MAX_ENGINES];   /* names with a value somewhere */
	size_t ne;
	const char *benches[32];        /* group smp names, first-seen order */
	size_t nb;
};

/* One benchmark of one engine at run k, with a value and valid times;
 * else NULL. */
const struct bench_result *sweep_bench(const struct sweep *s, size_t k, const char *engine,
				       const char *bench);
/* Slowdown at run k versus run 0 (the lowest ratio): the ratio of the
 * medians and a 95% interval from the two medians' CIs (lo_k/hi_0,
 * hi_k/lo_0); -1 when either cost is unresolved or missing. */
int sweep_slowdown(const struct sweep *s, size_t k, const char *engine, const char *bench,
		   double *x, double *lo, double *hi);
/* The PAUSE-loop yields (or exits) per operation, and the counter they
 * come from; -1 when the engine counts none. */
double sweep_pause_per_op(const struct bench_result *b);
/* Some engine at some ratio sent bench's latency percentiles. */
int sweep_has_latency(const struct sweep *s, const char *bench);
/* A benchmark that measures fairness (Jain's index) rather than a cost. */
int sweep_is_fairness(const struct sweep *s, const char *bench);

/* Parse --overcommit LIST for host_cpus host CPUs: the ratios that will
 * run (vCPUs / host CPUs) and vCPUs (the nearest whole number, 2 to 8);
 * their count, or -1 with a one-line error on stderr. */
int sweep_parse_ratios(const char *list, unsigned host_cpus, double *ratio, unsigned *cpus, size_t max);

/* Whether dir holds a sweep (no results.json of its own, x*\/results.json). */
int report_sweep_is(const char *dir);
/* Read dir's runs, write dir/report.md, dir/sweep.csv and (unless
 * no_plots) dir/plots/sweep-*; print where they are when terminal.  0, or
 * -1 with the reason on stderr. */
int report_sweep_write(const char *dir, int no_plots, int terminal);

/* The figures (harness/plots_sweep.c); note says what was drawn. */
int plots_sweep_draw(const struct sweep *s, const char *dir, char *note, size_t len);

#endif
