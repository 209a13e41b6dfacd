/* `ringbench compare BASE RUN`: noise-aware regression verdicts. */
#ifndef RINGBENCH_COMPARE_H
#define RINGBENCH_COMPARE_H

#include <stdio.h>

#include "harness/results.h"

struct compare_opts {
	double threshold;       /* relative change that counts (0.10 = 10%) */
	int show_all;           /* print unchanged rows too, each not-comparable one */
	int forced;             /* --force: hosts or configurations differ */
};

struct compare_summary {
	unsigned regressions, improvements, unchanged, skipped;
	unsigned exact_regressions;     /* of regressions: in exits/op, insns/op */
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
 * benchmarks cur did not select (--only), are not comparable, as are
 * timings below resolution on either side (never given a percentage):
 * each is listed with why.  Timing rows show both costs in ns with their
 * CIs and RUN/BASE with a conservative CI (compare_ratio). */
void compare_runs(const struct run *base, const struct run *cur,
		  const struct compare_opts *o, FILE *out, struct compare_summary *sum);

/* The run in the JSON form CI benchmark dashboards read
 * (github-action-benchmark "customSmallerIsBetter": name, unit, value,
 * range, extra); atomically.  0 or -1. */
int compare_write_dashboard_json(const struct run *r, const char *path);

/* RUN/BASE of b over a, in ns when both runs know their TSC frequency,
 * with a conservative 95% interval: [b.lo / a.hi, b.hi / a.lo] of the
 * medians' CIs.  0, or -1 unless both are resolved. */
int compare_ratio(const struct run *base, const struct bench_result *a,
		  const struct run *cur, const struct bench_result *b, double *ratio, double *lo, double *hi);

/* The run in Bencher Metric Format (BMF): { "<engine>/<bench>": {
 * "latency": { "value", "lower_value", "upper_value" } (ns, resolved
 * times only), "exits-per-op": {...}, "insns-per-op": {...} } },
 * atomically; the testbed is the host fingerprint (hostkey.h).  0 or -1. */
int compare_write_bencher_json(const struct run *r, const char *path);

int cmd_compare(int argc, char **argv);

#endif
