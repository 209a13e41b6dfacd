/* The interleaved empty loop (harness/results.c): each repetition less the
 * empty loop run beside it removes a drift that hits both, which
 * subtracting one engine-wide loop median cannot; the resolution is the
 * paired empties' own CI; files without pairs keep the old method; and no
 * output (report.md, results.csv, results.json, the dashboard and Bencher
 * files) ever holds a negative cost or a NaN. */
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness/compare.h"
#include "harness/report.h"
#include "harness/report_cv.h"
#include "harness/results.h"
#include "harness/results_csv.h"
#include "harness/results_json.h"
#include "tests/check.h"
#include "tests/unit/slurp.h"

#define ITERS 1000
#define REPS 21

/* Per-op cycles of repetition k: the empty loop drifts upward by 0.5
 * cycles per repetition (a clock ramping, a neighbour's load), the
 * benchmark costs 10 cycles above whatever the loop costs then. */
static double drift(int k) { return 0.5 * k; }

static struct bench_result *bench(struct engine_result *e, const char *name, int ring)
{
	struct bench_result *b = engine_bench(e, name, 1);

	b->ring = ring;
	strcpy(b->status, "ok");
	strcpy(b->group, "baseline");
	strcpy(b->klass, "unprivileged");
	return b;
}

static int has_nan(const char *s)
{
	for (const char *p = s; *p; p++)
		if (tolower((unsigned char)p[0]) == 'n' && tolower((unsigned char)p[1]) == 'a' &&
		    tolower((unsigned char)p[2]) == 'n' && !isalpha((unsigned char)p[3]) &&
		    (p == s || !isalpha((unsigned char)p[-1])))
			return 1;
	return 0;
}

/* A '-' starting a number after a separator: a negative value. */
static int negative_number(const char *s, const char *seps)
{
	for (const char *p = s + 1; *p; p++)
		if (p[0] == '-' && isdigit((unsigned char)p[1]) && strchr(seps, p[-1]))
			return 1;
	return 0;
}

/* report.md's table rows (lines starting with '|'): the cells. */
static int report_negative(const char *md)
{
	char line[4096];

	for (const char *p = md; *p;) {
		size_t n = strcspn(p, "\n");
		if (*p == '|' && n < sizeof(line)) {
			memcpy(line, p, n);
			line[n] = '\0';
			if (negative_number(line, " [(|"))
				return 1;
		}
		p += n + (p[n] == '\n');
	}
	return 0;
}

int main(void)
{
	static struct run r;
	struct cost c;
	char buf[128];

	run_init(&r);
	r.host.tsc_khz = 2e6;
	strcpy(r.state, "complete");
	struct engine_result *e = run_engine(&r, "interp", 1);
	e->available = 1;
	strcpy(e->kind, "builtin");
	strcpy(e->status, "ok");

	/* The engine's own loop benchmark ran before the drift: 3 cycles. */
	struct bench_result *loop = bench(e, "loop", 3);
	for (int k = 0; k < REPS; k++)
		bench_add_sample(loop, ITERS, (uint64_t)(3.0 * ITERS) + k % 3);
	/* The same drifting repetitions, with and without their pairs. */
	struct bench_result *paired = bench(e, "alu", 3), *old = bench(e, "alu_unpaired", 3);
	for (int k = 0; k < REPS; k++) {
		uint64_t empty = (uint64_t)((3.0 + drift(k)) * ITERS);
		uint64_t cycles = (uint64_t)((13.0 + drift(k)) * ITERS) + (uint64_t)(k % 5);
		bench_add_paired_sample(paired, ITERS, cycles, empty);
		bench_add_sample(old, ITERS, cycles);
	}
	/* A cost of nothing: the benchmark a little faster than its empty
	 * loop in most repetitions, so its median difference is below 0. */
	struct bench_result *zero = bench(e, "nothing", 3);
	for (int k = 0; k < REPS; k++) {
		uint64_t empty = (uint64_t)(3.0 * ITERS) + 40 * (uint64_t)(k % 7);
		bench_add_paired_sample(zero, ITERS, empty - 100 + 30 * (uint64_t)(k % 4), empty);
	}
	/* A ring-0 benchmark paired with the kernel's empty loop. */
	struct bench_result *k0 = bench(e, "cpuid", 0);
	strcpy(k0->group, "priv");
	strcpy(k0->klass, "behaviour-sensitive");
	for (int k = 0; k < REPS; k++)
		bench_add_paired_sample(k0, ITERS, (uint64_t)(250.0 * ITERS) + 7 * (uint64_t)k,
					(uint64_t)(50.0 * ITERS) + 3 * (uint64_t)(k % 4));
	/* One empty loop preempted (40x its cost): the difference would be
	 * far below zero and drag the mean negative. */
	struct bench_result *pre = bench(e, "preempted", 3);
	for (int k = 0; k < REPS; k++) {
		uint64_t empty = (uint64_t)(3.0 * ITERS) + 2 * (uint64_t)(k % 5);
		bench_add_paired_sample(pre, ITERS, empty + 500 + 3 * (uint64_t)(k % 3), k == 7 ? 40 * empty : empty);
	}
	for (size_t i = 0; i < e->nb; i++)
		e->b[i].span_iters = (uint64_t)ITERS * REPS;
	run_compute(&r);

	/* Drift: the paired method sees 10 cycles; the old one 10 + the
	 * median drift (5 cycles), a 50% error, and a CI as wide as the drift. */
	CHECK(paired->paired && !old->paired, "samples with empty= are paired, those without are not");
	CHECK(fabs(paired->st.median - 10.0) < 0.05,
	      "paired: the drift cancels, median %.3f cycles (true 10)", paired->st.median);
	CHECK(fabs(old->st.median - 10.0) > 4.0,
	      "old method (loop median subtracted): the drift stays, median %.3f cycles", old->st.median);
	double hw_p = (paired->st.ci_hi - paired->st.ci_lo) / 2, hw_o = (old->st.ci_hi - old->st.ci_lo) / 2;
	CHECK(hw_p / paired->st.median < 0.02 && hw_o / old->st.median > 0.1,
	      "paired CI within 2%% of the median (%.4f), the old one not (%.2f)", hw_p / paired->st.median,
	      hw_o / old->st.median);
	CHECK(paired->st.cv < 0.02 && old->st.cv > 0.2, "CV: paired %.4f, old %.2f", paired->st.cv, old->st.cv);
	CHECK(fabs(old->loop_cycles - 3.0) < 0.01, "old method subtracts the loop benchmark's median (%.3f)",
	      old->loop_cycles);
	CHECK(fabs(paired->loop_cycles - (3.0 + drift(REPS / 2))) < 0.01,
	      "paired: loop_cycles is the median of its own empties (%.3f)", paired->loop_cycles);

	/* Resolution: the half-width of the CI of the paired empties' median. */
	double ev[REPS];
	struct stats es;
	for (int k = 0; k < REPS; k++)
		ev[k] = (double)k0->empty[k] / ITERS;
	stats_compute(ev, REPS, &es, NULL);
	CHECK(fabs(k0->resolution - (es.ci_hi - es.ci_lo) / 2) < 1e-12 && k0->resolution > 0,
	      "resolution = CI half-width of the paired empty loop (%.4f cycles)", k0->resolution);
	CHECK(k0->resolved && fabs(k0->st.median - 200.0) < 0.1, "ring 0: 250 - 50 = %.2f cycles, resolved",
	      k0->st.median);

	/* A cost of nothing: never negative, only a bound. */
	CHECK(zero->st.median < 0, "the raw median difference may be below zero (%.3f)", zero->st.median);
	CHECK(!zero->resolved, "a difference whose CI includes 0 is below resolution");
	bench_cost(&r, zero, 0, &c);
	cost_format(&c, 1, buf, sizeof(buf));
	CHECK(!c.resolved && c.bound > 0 && buf[0] == '<' && !strchr(buf, '-') && !has_nan(buf),
	      "it prints as an upper bound: '%s'", buf);

	/* A disturbed empty loop: the median empty stands in for it. */
	CHECK(pre->empty_outliers == 1, "the preempted empty loop is an outlier among the empties (%zu)",
	      pre->empty_outliers);
	CHECK(pre->resolved && pre->st.min > 0.49 && pre->st.mean > 0.49 && fabs(pre->st.median - 0.5) < 0.01,
	      "its repetition is measured against the median empty: min %.3f, mean %.3f, median %.3f (true 0.5)",
	      pre->st.min, pre->st.mean, pre->st.median);

	/* The CV goal: computed per benchmark. */
	CHECK(cv_verdict(&r, e, paired) == CV_MET, "CV goal met by the paired drifting benchmark");
	CHECK(cv_verdict(&r, e, old) == CV_CAPPED, "not by the unpaired one (%s)", cv_verdict_text(cv_verdict(&r, e, old)));
	CHECK(cv_verdict(&r, e, zero) == CV_BELOW_RESOLUTION, "a cost below resolution says so");

	/* Every output: written, read back, scanned. */
	char dir[] = "/tmp/ringbench-paired-XXXXXX", path[128];
	CHECK(mkdtemp(dir) != NULL, "temporary directory");
	snprintf(path, sizeof(path), "%s/results.json", dir);
	CHECK(results_json_write(&r, path) == 0, "results.json written");
	static struct run back;
	char err[256] = "";
	CHECK(results_json_load(&back, path, err, sizeof(err)) == 0, "read back (%s)", err);
	run_compute(&back);
	struct bench_result *pb = engine_bench(run_engine(&back, "interp", 0), "alu", 0);
	CHECK(pb && pb->paired && pb->npaired == REPS && fabs(pb->st.median - paired->st.median) < 1e-9,
	      "results.json keeps the pairs: recomputed from it, the same median");
	const char *json = slurp(path);
	CHECK(strstr(json, "\"empty\"") && strstr(json, "\"baseline\":\"paired\"") &&
	      strstr(json, "\"baseline\":\"loop\""), "results.json: empty per sample, baseline paired or loop");
	CHECK(!has_nan(json) && !strstr(json, "inf"), "results.json: no nan");
	CHECK(!strstr(json, "\"ns_median\":-") && !strstr(json, "\"ns_below\":-") &&
	      !strstr(json, "\"ns_ci95\":[-"), "results.json: no negative ns cost");

	snprintf(path, sizeof(path), "%s/results.csv", dir);
	CHECK(results_csv_write(&r, path) == 0, "results.csv written");
	const char *csv = slurp(path);
	CHECK(!has_nan(csv) && !strstr(csv, ",-"), "results.csv: no negative field, no nan");

	snprintf(path, sizeof(path), "%s/report.md", dir);
	CHECK(report_write_md(&r, path, "not drawn") == 0, "report.md written");
	const char *md = slurp(path);
	CHECK(!has_nan(md) && !report_negative(md), "report.md: no negative cost, no nan in any table");
	CHECK(strstr(md, "## CV goal") && strstr(md, "**interp**: not met") && strstr(md, "alu_unpaired"),
	      "report.md: the CV goal per engine names the benchmark that missed it");

	snprintf(path, sizeof(path), "%s/benchmark-action.json", dir);
	CHECK(compare_write_dashboard_json(&r, path) == 0, "dashboard JSON written");
	const char *dash = slurp(path);
	CHECK(!has_nan(dash) && !negative_number(dash, " :["), "dashboard JSON: no negative value, no nan");
	snprintf(path, sizeof(path), "%s/bencher.json", dir);
	CHECK(compare_write_bencher_json(&r, path) == 0, "Bencher JSON written");
	const char *bencher = slurp(path);
	CHECK(!has_nan(bencher) && !negative_number(bencher, " :["), "Bencher JSON: no negative value, no nan");

	for (const char *f = "results.json\0results.csv\0report.md\0benchmark-action.json\0bencher.json\0";
	     *f; f += strlen(f) + 1) {
		snprintf(path, sizeof(path), "%s/%s", dir, f);
		unlink(path);
	}
	rmdir(dir);
	run_free(&r);
	run_free(&back);
	CHECK_EXIT();
}
