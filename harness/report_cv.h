/* The CV goal (issue 12): every kvm, interp and bt benchmark with a CV of
 * at most 2%, or, for each that misses it, why, computed from the run's
 * own data (status, resolution, counters, precision). */
#ifndef RINGBENCH_REPORT_CV_H
#define RINGBENCH_REPORT_CV_H

#include <stdio.h>

#include "harness/results.h"

#define CV_GOAL 0.02

/* Why a benchmark misses the goal, most telling first. */
enum cv_verdict {
	CV_MET,                 /* CV <= CV_GOAL */
	CV_BELOW_RESOLUTION,    /* not significantly above the empty loop */
	CV_OUTLIERS,            /* met without the outlying repetitions */
	CV_WAITS_TIMER,         /* each operation halts or waits for an interrupt */
	CV_EMULATED_RING0,      /* kvm: the code runs in KVM's instruction emulator */
	CV_EXITS,               /* each operation exits to the host */
	CV_BUSY_HOST,           /* the CI stayed wider than 2% on a busy machine */
	CV_CAPPED,              /* repetitions ran out before the CI reached 2% */
	CV_HOST_NOISE,          /* none of those: the machine's own noise */
	CV_VERDICTS
};

/* Engines the goal is about: built-in (and test) engines whose times count. */
int cv_goal_engine(const struct engine_result *e);
/* b on e of run r, which has a value (bench_has_value). */
enum cv_verdict cv_verdict(const struct run *r, const struct engine_result *e, const struct bench_result *b);
/* Short phrase for a verdict ("below resolution: ..."). */
const char *cv_verdict_text(enum cv_verdict v);
/* Benchmarks of e with a value, and how many miss the goal. */
void cv_goal_count(const struct run *r, const struct engine_result *e, size_t *total, size_t *missed);
/* The report's "CV goal" section (md) or paragraph (text). */
void report_cv_goal(const struct run *r, FILE *f, int md);

#endif
