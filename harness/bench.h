/* `ringbench bench`: every benchmark on every engine, one process each. */
#ifndef RINGBENCH_BENCH_H
#define RINGBENCH_BENCH_H

#include <stddef.h>

struct bench_opts {
	const char *engines;     /* comma list; NULL: all */
	const char *only;        /* guest only= (benchmarks or groups); NULL: all */
	unsigned budget_ms, reps, warmup;
	/* Processes per engine, the engines taken in turn each round, the
	 * repetitions shared among them (bench --rounds; 0 taken as 1). */
	unsigned rounds;
	int quick;
	unsigned cpus;           /* vCPUs of the guest (--cpus; QEMU -smp) */
	unsigned host_cpus;      /* run --host-cpus for the built-in engines; 0: none */
	const char *overcommit;  /* --overcommit LIST: the sweep (harness/bench_sweep.c) */
	int in_sweep;            /* one ratio of a sweep: no results/latest, no summary */
	double timeout_s;        /* per engine process; 0: by budget */
	const char *out_dir;     /* results root (results/) */
	const char *run_id;      /* NULL: UTC time stamp */
	const char *kernel;      /* guest for built-in engines */
	const char *kernel32;    /* guest for QEMU (ELF32) */
	const char *native;      /* native twin binary */
	const char *qemu;        /* qemu-system-x86_64 */
	int no_plots, quiet;
	int list_only;           /* plan for `ringbench engines`: fetch nothing */
	/* Test only (tests/e2e): extra engines "NAME=SHELL COMMAND"; the guest
	 * words are passed as the command's arguments. */
	const char *engine_cmd[4];
	size_t n_engine_cmd;
};

/* One engine as planned: how to start it, or why it cannot run here. */
struct bench_plan {
	char name[24], kind[16];
	int available;
	char note[256], version[128];
	char *argv[48];          /* malloc'd strings, NULL-terminated */
	double timeout_s;
};

#define BENCH_MAX_PLANS 12

/* The defaults of every option (paths relative to the repository root). */
void bench_opts_default(struct bench_opts *o);
/* Which engines to run and how (harness/bench_plan.c). */
size_t bench_plan_make(const struct bench_opts *o, struct bench_plan *p, size_t max);
void bench_plan_free(struct bench_plan *p, size_t n);
/* How long the planned run should take, at least and at most (seconds). */
void bench_plan_estimate(const struct bench_opts *o, const struct bench_plan *p, size_t n,
			 double *lo_s, double *hi_s);
/* "a b c" of p->argv, shell-quoted where needed, for the record. */
void bench_plan_cmdline(const struct bench_plan *p, char *out, size_t len);

int cmd_bench(int argc, char **argv);
/* One bench run with parsed options (cmd_bench, or each ratio of a sweep):
 * 0, 1 (results could not be written), 2 (--only matched nothing), 130
 * (interrupted). */
int bench_run(const struct bench_opts *o);
/* --overcommit: the smp group at each ratio, then the sweep's report. */
int bench_sweep(const struct bench_opts *o);
/* `ringbench report RUN_DIR`: redraw report.md and plots from results.json. */
int cmd_report(int argc, char **argv);

#endif
