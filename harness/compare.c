/* Regression verdicts.  Timing on a shared CI machine is noisy, so it
 * needs both separation (non-overlapping CIs) and size (threshold); the
 * counts of exits and instructions are not noisy, so they catch changes a
 * noisy timing hides. */
#include "harness/compare.h"

#include <getopt.h>
#include <json-c/json.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "harness/atomic.h"
#include "harness/metrics.h"
#include "harness/options.h"
#include "harness/results_json.h"
#include "harness/table.h"

/* Below this many cycles per op a change is TSC granularity and the
 * empty-loop subtraction, not the code. */
#define MIN_CYCLES_CHANGE 2.0
/* An approximate count (span includes calibration) must move this much. */
#define MIN_APPROX_COUNT_CHANGE 0.1
/* Exact counts still carry a few asynchronous events (timer interrupts)
 * per span: a real change moves a count by at least this much per op. */
#define MIN_EXACT_COUNT_CHANGE 0.05
#define MIN_EXACT_COUNT_RATIO  0.01

static const char *verdict_timing(const struct bench_result *a, const struct bench_result *b,
				  double threshold, double *change)
{
	double delta = b->st.median - a->st.median;

	*change = a->st.median != 0 ? delta / fabs(a->st.median) : 0;
	if (fabs(delta) < MIN_CYCLES_CHANGE)
		return "same";
	if (b->st.ci_lo > a->st.ci_hi && *change > threshold)
		return "regression";
	if (b->st.ci_hi < a->st.ci_lo && *change < -threshold)
		return "improvement";
	return "same";
}

static const char *verdict_count(double a, double b, int exact, double threshold, double *change)
{
	*change = a != 0 ? (b - a) / fabs(a) : (b != 0 ? 1 : 0);
	if (exact ? fabs(b - a) < MIN_EXACT_COUNT_CHANGE || fabs(*change) <= MIN_EXACT_COUNT_RATIO
		  : fabs(*change) <= threshold || fabs(b - a) < MIN_APPROX_COUNT_CHANGE)
		return "same";
	return b > a ? "regression" : "improvement";
}

static void row(struct table *t, const char *engine, const char *bench, const char *metric,
		const char *was, const char *now, double change, const char *verdict)
{
	size_t r = table_add_row(t);
	table_set(t, r, 0, "%s", engine);
	table_set(t, r, 1, "%s", bench);
	table_set(t, r, 2, "%s", metric);
	table_set(t, r, 3, "%s", was);
	table_set(t, r, 4, "%s", now);
	if (isfinite(change))
		table_set(t, r, 5, "%+.1f%%", change * 100);
	table_set(t, r, 6, "%s", verdict);
}

/* Whatever is not a measurement now (fail, crash, timeout, interrupted,
 * not-run, still running, unsupported) lost one that the base had. */
static int broken(const char *status)
{
	return strcmp(status, "ok") != 0;
}

/* A benchmark the run did not select (--only) is not missing. */
static int selected(const struct run *cur, const struct bench_result *a)
{
	char only[sizeof(cur->only)];

	if (!cur->only[0])
		return 1;
	snprintf(only, sizeof(only), "%s", cur->only);
	for (char *save, *t = strtok_r(only, ",", &save); t; t = strtok_r(NULL, ",", &save))
		if (!strcmp(t, a->name) || !strcmp(t, a->group))
			return 1;
	return 0;
}

static void tally(struct compare_summary *s, const char *v)
{
	if (!strcmp(v, "regression"))
		s->regressions++;
	else if (!strcmp(v, "improvement"))
		s->improvements++;
	else
		s->unchanged++;
}

static void compare_bench(const struct run *cur, const struct engine_result *ce,
			  const struct bench_result *a, const struct bench_result *b,
			  const struct compare_opts *o, struct table *t, struct compare_summary *s)
{
	char was[96], now[96];
	double ch;
	const char *v;

	if (!bench_has_value(a)) {
		s->skipped++;
		return;
	}
	if (!b && !selected(cur, a)) {
		s->skipped++;
		return;
	}
	if (!b) {
		/* Never reached: the engine ended (crash, timeout, kill) before
		 * it, and a run that measured little must not pass. */
		row(t, ce->name, a->name, "status", "ok", "missing", NAN, "regression");
		s->regressions++;
		return;
	}
	if (broken(b->status)) {
		row(t, ce->name, a->name, "status", "ok", b->status, NAN, "regression");
		s->regressions++;
		return;
	}
	if (!bench_has_value(b)) {
		s->skipped++;
		return;
	}
	/* The nested AMD-V platform's times are QEMU's emulation of SVM:
	 * not compared.  Its counts depend on how many operations the short
	 * emulated run calibrated to (marker exits amortise differently), so
	 * they are compared within the threshold, not exactly. */
	int times = engine_times_valid(ce);
	/* A cost within the empty loop's resolution has no percentage. */
	if (times && (!a->resolved || !b->resolved)) {
		times = 0;
		s->skipped++;
	}
	if (times) {
		v = verdict_timing(a, b, o->threshold, &ch);
		snprintf(was, sizeof(was), "%.1f [%.1f, %.1f]", a->st.median, a->st.ci_lo, a->st.ci_hi);
		snprintf(now, sizeof(now), "%.1f [%.1f, %.1f]", b->st.median, b->st.ci_lo, b->st.ci_hi);
		if (o->show_all || strcmp(v, "same"))
			row(t, ce->name, a->name, "cycles/op", was, now, ch, v);
		tally(s, v);
	}

	int exact = a->span_iters && b->span_iters && engine_times_valid(ce);
	const struct { const char *name; double (*fn)(const struct bench_result *); } det[] = {
		{ "exits/op", metric_exits_per_op }, { "insns/op", metric_insns_per_op },
	};
	for (size_t k = 0; k < 2; k++) {
		double x = det[k].fn(a), y = det[k].fn(b);
		if (x < 0 || y < 0)
			continue;
		v = verdict_count(x, y, exact, o->threshold, &ch);
		snprintf(was, sizeof(was), "%.2f", x);
		snprintf(now, sizeof(now), "%.2f", y);
		char metric[32];
		snprintf(metric, sizeof(metric), "%s%s", det[k].name, exact ? "" : " (approx)");
		if (o->show_all || strcmp(v, "same"))
			row(t, ce->name, a->name, metric, was, now, ch, v);
		tally(s, v);
	}
}

void compare_runs(const struct run *base, const struct run *cur,
		  const struct compare_opts *o, FILE *out, struct compare_summary *sum)
{
	struct table t;

	memset(sum, 0, sizeof(*sum));
	table_init(&t, 7);
	const char *hdr[] = { "engine", "benchmark", "metric", "base", "run", "change", "verdict" };
	for (size_t i = 0; i < 7; i++)
		table_set(&t, 0, i, "%s", hdr[i]);
	/* A run that did not end (killed, disk full) or was interrupted
	 * measured less than it meant to, whatever its numbers say. */
	if (strcmp(cur->state, "complete")) {
		row(&t, "-", "-", "run state", "complete", cur->state, NAN, "regression");
		sum->regressions++;
	}
	for (size_t i = 0; i < base->ne; i++) {
		const struct engine_result *be = &base->e[i];
		const struct engine_result *ce = run_engine((struct run *)cur, be->name, 0);
		if (ce && !ce->available) {
			sum->skipped += be->nb;   /* not measurable here: not a regression */
			continue;
		}
		if (!ce) {
			size_t lost = 0;
			for (size_t j = 0; j < be->nb; j++)
				lost += bench_has_value(&be->b[j]) && selected(cur, &be->b[j]);
			if (lost) {
				char what[48];
				snprintf(what, sizeof(what), "%zu benchmark(s)", lost);
				row(&t, be->name, "-", "engine", what, "missing", NAN, "regression");
				sum->regressions += (unsigned)lost;
			}
			continue;
		}
		if (strcmp(ce->status, "ok") && strcmp(be->status, "ok") == 0) {
			row(&t, ce->name, "-", "engine status", "ok", ce->status, NAN, "regression");
			sum->regressions++;
		}
		for (size_t j = 0; j < be->nb; j++)
			compare_bench(cur, ce, &be->b[j],
				      engine_bench((struct engine_result *)ce, be->b[j].name, 0), o, &t, sum);
	}
	if (out) {
		if (t.nrows)
			table_print_text(&t, out);
		else
			fprintf(out, "nothing moved beyond the noise\n");
		fprintf(out, "\n%u regression(s), %u improvement(s), %u unchanged, %u not comparable "
			"(threshold %.0f%%, 95%% CIs)\n", sum->regressions, sum->improvements,
			sum->unchanged, sum->skipped, o->threshold * 100);
	}
	table_free(&t);
}

int compare_write_dashboard_json(const struct run *r, const char *path)
{
	json_object *a = json_object_new_array();
	struct atomic_file f;
	int rc = -1;

	for (size_t i = 0; i < r->ne; i++)
		for (size_t j = 0; j < r->e[i].nb; j++) {
			const struct bench_result *b = &r->e[i].b[j];
			if (!bench_has_value(b) || !engine_times_valid(&r->e[i]) || !b->resolved)
				continue;
			double k = r->host.tsc_khz > 0 ? 1e6 / r->host.tsc_khz : 1;
			const char *unit = r->host.tsc_khz > 0 ? "ns/op" : "cycles/op";
			char name[96], range[64], extra[160];
			snprintf(name, sizeof(name), "%s/%s", r->e[i].name, b->name);
			snprintf(range, sizeof(range), "± %.3g", (b->st.ci_hi - b->st.ci_lo) * k / 2);
			snprintf(extra, sizeof(extra), "median of %zu, 95%% CI [%.4g, %.4g], CV %.1f%%",
				 b->st.n, b->st.ci_lo * k, b->st.ci_hi * k, b->st.cv * 100);
			json_object *o = json_object_new_object();
			json_object_object_add(o, "name", json_object_new_string(name));
			json_object_object_add(o, "unit", json_object_new_string(unit));
			json_object_object_add(o, "value", json_object_new_double(b->st.median * k));
			json_object_object_add(o, "range", json_object_new_string(range));
			json_object_object_add(o, "extra", json_object_new_string(extra));
			json_object_array_add(a, o);
		}
	if (atomic_open(&f, path) == 0) {
		fputs(json_object_to_json_string_ext(a, JSON_C_TO_STRING_PRETTY |
						     JSON_C_TO_STRING_NOSLASHESCAPE), f.f);
		fputc('\n', f.f);
		rc = atomic_commit(&f);
	}
	json_object_put(a);
	return rc;
}

/* A run directory or a results.json file. */
static void results_path(const char *arg, char *out, size_t len)
{
	struct stat st;
	if (stat(arg, &st) == 0 && S_ISDIR(st.st_mode))
		snprintf(out, len, "%s/results.json", arg);
	else
		snprintf(out, len, "%s", arg);
}

static void usage(FILE *f)
{
	fprintf(f, "usage: ringbench compare [--threshold PCT] [--all] [--json FILE] BASE RUN\n"
		"  BASE, RUN: results.json files or run directories (results/latest)\n"
		"  --threshold PCT  smallest change that counts (default 10)\n"
		"  --all            show unchanged rows too\n"
		"  --json FILE      also write RUN for CI dashboards (name, unit, value, range)\n"
		"exit status: 0 no regression, 1 regression, 2 error\n");
}

int cmd_compare(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "threshold", required_argument, NULL, 't' },
		{ "all", no_argument, NULL, 'a' },
		{ "json", required_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct compare_opts o = { .threshold = 0.10 };
	const char *json = NULL;
	int c;

	optind = 1;
	while ((c = getopt_long(argc, argv, ":t:aj:h", lo, NULL)) != -1) {
		switch (c) {
		case 't':
			if (opt_real("compare", "--threshold", optarg, 0, 1000, &o.threshold) < 0)
				return 2;
			o.threshold /= 100;
			break;
		case 'a': o.show_all = 1; break;
		case 'j': json = optarg; break;
		case 'h': usage(stdout); return 0;
		default: opt_complain("compare", c, argv); return 2;
		}
	}
	if (argc - optind != 2) {
		usage(stderr);
		return 2;
	}
	char pa[4096], pb[4096], err[512];
	struct run *a = calloc(1, sizeof(*a)), *b = calloc(1, sizeof(*b));
	int rc = 2;
	if (!a || !b)
		goto out;
	results_path(argv[optind], pa, sizeof(pa));
	results_path(argv[optind + 1], pb, sizeof(pb));
	if (results_json_load(a, pa, err, sizeof(err)) < 0) {
		fprintf(stderr, "ringbench compare: %s\n", err);   /* err names the file */
		goto out;
	}
	if (results_json_load(b, pb, err, sizeof(err)) < 0) {
		fprintf(stderr, "ringbench compare: %s\n", err);
		run_free(a);
		goto out;
	}
	printf("base %s (%s, %s)\nrun  %s (%s, %s)\n\n", a->id, a->host.git_commit, a->host.hostname,
	       b->id, b->host.git_commit, b->host.hostname);
	struct compare_summary s;
	compare_runs(a, b, &o, stdout, &s);
	rc = s.regressions ? 1 : 0;
	if (json && compare_write_dashboard_json(b, json) < 0) {
		fprintf(stderr, "ringbench compare: cannot write %s\n", json);
		rc = 2;
	}
	run_free(a);
	run_free(b);
out:
	free(a);
	free(b);
	return rc;
}
