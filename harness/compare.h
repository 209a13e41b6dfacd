/* `ringbench compare BASE RUN`: noise-aware regression verdicts. */
#ifndef RINGBENCH_COMPARE_H
#define RINGBENCH_COMPARE_H

#include <stdio.h>

#include "harness/results.h"

struct compare_opts {
	double threshold;       /* relative change that counts (0.10 = 10%) */
	int show_all;           /* print unchanged rows too */
};

struct compare_summary {
	unsigned regressions, improvements, unchanged, skipped;
};

/* Compare cur against base, print the table of what moved to out (may be
 * NULL), fill *sum.  A timing change counts only when the 95% CIs of the
 * medians do not overlap AND the change exceeds the threshold; exits and
 * guest instructions per operation are compared exactly (to 0.01) when
 * both runs know every iteration between the markers, else within the
 * threshold.  An ok benchmark that now is anything but ok (fail, crash,
 * timeout, interrupted, running) or is missing is a regression, as are a
 * run that is not complete, an engine that is not ok and an engine missing
 * from cur; each is listed.  An engine cur marks unavailable, and
 * benchmarks cur did not select (--only), are not comparable. */
void compare_runs(const struct run *base, const struct run *cur,
		  const struct compare_opts *o, FILE *out, struct compare_summary *sum);

/* The run in the JSON form CI benchmark dashboards read
 * (github-action-benchmark "customSmallerIsBetter": name, unit, value,
 * range, extra); atomically.  0 or -1. */
int compare_write_dashboard_json(const struct run *r, const char *path);

int cmd_compare(int argc, char **argv);

#endif
