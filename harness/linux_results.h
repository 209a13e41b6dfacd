/* What `bench --linux` collects from one engine's boot (harness/bench_linux.c)
 * and how it is reported (harness/linux_report.c): per macrobenchmark its
 * runs (the init's rbrep repetitions), each with its arrival time and, for
 * ringbench's own engines, the counters of its span. */
#ifndef RINGBENCH_LINUX_RESULTS_H
#define RINGBENCH_LINUX_RESULTS_H

#include <stdio.h>

#include "engines/core/linux_guest.h"

#define LB_MAX_BENCH 8
#define LB_MAX_REPS  8

/* Counters of one span, from `run --records`' RBH1 counters line. */
struct lb_counts {
	double exits, insns, emulated, helpers, blocks;
};

struct lb_rep {
	unsigned long ops, asked;       /* done (each checked by the init) and asked for */
	double bytes;                   /* the data one operation handles, 0 for none */
	double guest_ms, host_ms;       /* guest clock; arrival, begin line to result line */
	double cpu_ms;                  /* the engine process's CPU time in that span, -1 unknown */
	int has_counts;
	struct lb_counts c;
};

struct lb_bench {
	char name[32], out[32];
	struct lb_rep rep[LB_MAX_REPS];
	unsigned n_rep;
	char failed[160];               /* why its numbers are not reported, or "" */
};

struct lb_run {
	const char *engine;
	double timeout_s;               /* the share of the budget it got */
	double t0, t_first, t_init, t_begin;   /* host seconds since t0 */
	double cpu_init, cpu_begin;     /* the engine process's CPU seconds then, -1 unknown */
	double elapsed_s;
	struct lb_bench bench[LB_MAX_BENCH];
	unsigned n_bench, n_lines;
	struct lb_bench *last;          /* the one whose result came last */
	int done, rbn;
	unsigned warnings;
	char first_warning[LINUX_LINE_MAX], last_line[LINUX_LINE_MAX];
	FILE *console;
	struct lb_counts whole;         /* the whole run's, from `run --stats` */
	int has_whole;
	char status[700];
};

/* One line of the engine's stdout (ctx: its struct lb_run, with console
 * open and rbn set): the console file, the init's markers and results,
 * the span counters (RBH1 counters), the kernel's warnings. */
void lb_on_line(const char *line, void *ctx);

/* A macrobenchmark's unit and its count per rbn (docs/linux.md). */
struct lb_kind {
	const char *name, *unit;
	unsigned per_rbn;
};
const struct lb_kind *lb_kind(const char *name);
/* Units one operation of b stands for (MB hashed, pages touched, or 1). */
double lb_units_per_op(const struct lb_bench *b, const struct lb_rep *r);

/* linux.md's tables (time per unit with its CI, counters per unit, each
 * engine's status, the digests) on f; rbrep the repetitions asked for. */
void lb_write_tables(FILE *f, const struct lb_run *runs, unsigned n);
/* linux.csv: every run of every benchmark. */
int lb_write_csv(const char *path, const struct lb_run *runs, unsigned n);
/* linux.dat and the figure (plots/linux.gp) in out_dir; a one-line note
 * of what was drawn or why not. */
void lb_draw_figure(const char *out_dir, const struct lb_run *runs, unsigned n, char *note, size_t len);

#endif
