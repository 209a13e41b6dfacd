/* Regression verdicts.  Timing on a shared CI machine is noisy, so it
 * needs both separation (non-overlapping CIs) and size (threshold); the
 * counts of exits and instructions are not noisy, so they catch changes a
 * noisy timing hides. */
#include "harness/compare.h"

#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <json-c/json.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "harness/atomic.h"
#include "harness/hostkey.h"
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

/* On the costs shown (ns when both runs know their TSC frequency, so a
 * forced comparison across hosts compares times, not cycles); min is
 * MIN_CYCLES_CHANGE in that unit. */
static const char *verdict_timing(const struct cost *a, const struct cost *b, double min,
				  double threshold, double *change)
{
	double delta = b->median - a->median;

	*change = a->median != 0 ? delta / fabs(a->median) : 0;
	if (fabs(delta) < min)
		return "same";
	if (b->lo > a->hi && *change > threshold)
		return "regression";
	if (b->hi < a->lo && *change < -threshold)
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

/* The tables being built: what moved (or everything, --all) and what
 * could not be compared, with why. */
struct ctx {
	struct table t, nc;
	const struct compare_opts *o;
	struct compare_summary *s;
	char delta[32];         /* the change column when a ratio means nothing */
};

static void row(struct ctx *c, const char *engine, const char *bench, const char *metric,
		const char *was, const char *now, const char *ratio, double change, const char *verdict)
{
	struct table *t = &c->t;
	size_t r = table_add_row(t);
	/* engine/benchmark in one column: a row stays within 100 columns. */
	table_set(t, r, 0, strcmp(bench, "-") ? "%s/%s" : "%s", engine, bench);
	table_set(t, r, 1, "%s", metric);
	table_set(t, r, 2, "%s", was);
	table_set(t, r, 3, "%s", now);
	/* A time's change is its ratio with the CI; a count's, in % or /op. */
	if (ratio && ratio[0])
		table_set(t, r, 4, "%s", ratio);
	else if (isfinite(change))
		table_set(t, r, 4, "%+.1f%%", change * 100);
	else if (c->delta[0])
		table_set(t, r, 4, "%s", c->delta);
	/* --force: every verdict says the runs were not comparable. */
	table_set(t, r, 5, "%s%s", verdict, c->o->forced ? " (forced)" : "");
}

/* A row that could not be compared: why (short, grouped on) and the
 * detail (the engine's reason), shown by --show-all. */
static void not_comparable(struct ctx *c, const char *engine, const char *bench, const char *why,
			   const char *detail)
{
	size_t r = table_add_row(&c->nc);
	table_set(&c->nc, r, 0, "%s", engine);
	table_set(&c->nc, r, 1, "%s", bench);
	table_set(&c->nc, r, 2, "%s", why);
	table_set(&c->nc, r, 3, "%s", detail ? detail : "");
	c->s->skipped++;
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

static void tally(struct compare_summary *s, const char *v, int exact)
{
	if (!strcmp(v, "regression")) {
		s->regressions++;
		if (exact)
			s->exact_regressions++;
	} else if (!strcmp(v, "improvement")) {
		s->improvements++;
	} else {
		s->unchanged++;
	}
}

/* RUN/BASE with a conservative 95% interval: the ratio of the ends of
 * the two medians' CIs that are furthest apart.  Costs in ns when both
 * runs know their TSC frequency (hosts may differ under --force), else
 * in cycles.  0 with *ratio, lo, hi; -1 when not both resolved. */
int compare_ratio(const struct run *base, const struct bench_result *a,
		  const struct run *cur, const struct bench_result *b, double *ratio, double *lo, double *hi)
{
	struct cost ca, cb;
	int cycles = !(base->host.tsc_khz > 0 && cur->host.tsc_khz > 0);

	if (bench_cost(base, a, cycles, &ca) < 0 || bench_cost(cur, b, cycles, &cb) < 0 ||
	    !ca.resolved || !cb.resolved || !(ca.lo > 0) || !(ca.median > 0))
		return -1;
	*ratio = cb.median / ca.median;
	*lo = cb.lo / ca.hi;
	*hi = cb.hi / ca.lo;
	return 0;
}

static void compare_bench(const struct run *base, const struct run *cur,
			  const struct engine_result *ce, const struct bench_result *a,
			  const struct bench_result *b, struct ctx *c)
{
	char was[96], now[96], rat[96];
	double ch;
	const char *v;
	struct compare_summary *s = c->s;
	const struct compare_opts *o = c->o;

	if (!bench_has_value(a)) {
		char why[48];
		snprintf(why, sizeof(why), "%s in base", a->status[0] && strcmp(a->status, "ok") ?
			 a->status : "no samples");
		not_comparable(c, ce->name, a->name, why, a->reason);
		return;
	}
	if (!b && !selected(cur, a)) {
		not_comparable(c, ce->name, a->name, "not selected (--only)", cur->only);
		return;
	}
	if (!b) {
		/* Never reached: the engine ended (crash, timeout, kill) before
		 * it, and a run that measured little must not pass. */
		row(c, ce->name, a->name, "status", "ok", "missing", NULL, NAN, "regression");
		s->regressions++;
		return;
	}
	if (broken(b->status)) {
		row(c, ce->name, a->name, "status", "ok", b->status, NULL, NAN, "regression");
		s->regressions++;
		return;
	}
	if (!bench_has_value(b)) {
		not_comparable(c, ce->name, a->name, "no samples in run", b->reason);
		return;
	}
	/* The nested AMD-V platform's times are QEMU's emulation of SVM:
	 * not compared.  Its counts depend on how many operations the short
	 * emulated run calibrated to (marker exits amortise differently), so
	 * they are compared within the threshold, not exactly. */
	int times = engine_times_valid(ce);
	if (!times) {
		not_comparable(c, ce->name, a->name, "times not compared (nested platform)",
			       "QEMU emulates SVM; exits and instructions per op are compared");
	} else if (!a->resolved || !b->resolved) {
		/* A cost within the empty loop's resolution has no percentage. */
		not_comparable(c, ce->name, a->name, !a->resolved && !b->resolved ? "below resolution in both"
			       : !a->resolved ? "below resolution in base" : "below resolution in run",
			       "the cost is within the empty loop's CI, so no change is given");
		times = 0;
	}
	if (times) {
		struct cost ca, cb;
		double r, lo, hi;
		int cycles = !(base->host.tsc_khz > 0 && cur->host.tsc_khz > 0);
		bench_cost(base, a, cycles, &ca);
		bench_cost(cur, b, cycles, &cb);
		v = verdict_timing(&ca, &cb, cycles ? MIN_CYCLES_CHANGE :
				   MIN_CYCLES_CHANGE * 1e6 / cur->host.tsc_khz, o->threshold, &ch);
		cost_format(&ca, 1, was, sizeof(was));
		cost_format(&cb, 1, now, sizeof(now));
		rat[0] = '\0';
		if (compare_ratio(base, a, cur, b, &r, &lo, &hi) == 0) {
			char x[3][24];
			sig3(r, x[0], sizeof(x[0]));
			sig3(lo, x[1], sizeof(x[1]));
			sig3(hi, x[2], sizeof(x[2]));
			snprintf(rat, sizeof(rat), "%sx [%s, %s]", x[0], x[1], x[2]);
		}
		char metric[16];
		snprintf(metric, sizeof(metric), "%s/op", cycles ? "cycles" : "ns");
		if (o->show_all || strcmp(v, "same"))
			row(c, ce->name, a->name, metric, was, now, rat, ch, v);
		tally(s, v, 0);
	}

	int exact = a->span_iters && b->span_iters && engine_times_valid(ce);
	const struct { const char *name; double (*fn)(const struct bench_result *); } det[] = {
		{ "exits/op", metric_exits_per_op }, { "insns/op", metric_insns_per_op },
		{ "helpers/op", metric_helper_calls_per_op },
	};
	for (size_t k = 0; k < sizeof(det) / sizeof(det[0]); k++) {
		double x = det[k].fn(a), y = det[k].fn(b);
		if (x < 0 || y < 0)
			continue;
		v = verdict_count(x, y, exact, o->threshold, &ch);
		snprintf(was, sizeof(was), "%.2f", x);
		snprintf(now, sizeof(now), "%.2f", y);
		rat[0] = '\0';
		/* A count below what an exact count resolves (asynchronous
		 * events) gets its difference, not a ratio or percentage. */
		int tiny = fabs(x) < MIN_EXACT_COUNT_CHANGE;
		if (!tiny) {
			char q[24];
			sig3(y / x, q, sizeof(q));
			snprintf(rat, sizeof(rat), "%sx", q);
		} else {
			snprintf(c->delta, sizeof(c->delta), "%+.2f/op", y - x);
		}
		char metric[32];
		snprintf(metric, sizeof(metric), "%s%s", det[k].name, exact ? "" : " (approx)");
		if (o->show_all || strcmp(v, "same"))
			row(c, ce->name, a->name, metric, was, now, rat, tiny ? NAN : ch, v);
		c->delta[0] = '\0';
		tally(s, v, 1);
	}
}

/* The not-comparable rows: each one with its detail (--show-all), else
 * one line per engine and reason with a count and the first few names. */
static void print_not_comparable(const struct table *nc, int each, FILE *out)
{
	if (!nc->nrows)
		return;
	fprintf(out, "\nNot compared (%zu):\n", nc->nrows);
	const char *const *cell = (const char *const *)nc->cell;
	unsigned char *done = each ? NULL : calloc(nc->nrows + 1, 1);
	for (size_t i = 1; i <= nc->nrows; i++) {
		const char *eng = cell[i * 4], *why = cell[i * 4 + 2], *detail = cell[i * 4 + 3];
		if (each || !done) {
			fprintf(out, "  %-16s %-14s %s%s%s\n", eng, cell[i * 4 + 1], why,
				detail && detail[0] ? ": " : "", detail ? detail : "");
			continue;
		}
		if (done[i])
			continue;
		char names[160] = "";
		size_t cnt = 0;
		for (size_t j = i; j <= nc->nrows; j++) {
			if (done[j] || strcmp(cell[j * 4], eng) || strcmp(cell[j * 4 + 2], why))
				continue;
			done[j] = 1;
			if (cnt < 4)
				snprintf(names + strlen(names), sizeof(names) - strlen(names), "%s%s",
					 cnt ? ", " : "", cell[j * 4 + 1]);
			cnt++;
		}
		fprintf(out, "  %-16s %-24s %zu: %s%s\n", eng, why, cnt, names, cnt > 4 ? ", ..." : "");
	}
	if (done)
		fprintf(out, "  (--show-all lists each with its reason)\n");
	free(done);
}

void compare_runs(const struct run *base, const struct run *cur,
		  const struct compare_opts *o, FILE *out, struct compare_summary *sum)
{
	struct ctx c = { .o = o, .s = sum };

	memset(sum, 0, sizeof(*sum));
	table_init(&c.t, 6);
	table_init(&c.nc, 4);
	const char *hdr[] = { "engine/benchmark", "metric", "base", "run", "change", "verdict" };
	for (size_t i = 0; i < 6; i++)
		table_set(&c.t, 0, i, "%s", hdr[i]);
	table_set(&c.nc, 0, 0, "engine");
	table_set(&c.nc, 0, 1, "benchmark");
	table_set(&c.nc, 0, 2, "why");
	table_set(&c.nc, 0, 3, "detail");
	/* A run that did not end (killed, disk full) or was interrupted
	 * measured less than it meant to, whatever its numbers say. */
	if (strcmp(cur->state, "complete")) {
		row(&c, "-", "-", "run state", "complete", cur->state, NULL, NAN, "regression");
		sum->regressions++;
	}
	for (size_t i = 0; i < base->ne; i++) {
		const struct engine_result *be = &base->e[i];
		const struct engine_result *ce = run_engine((struct run *)cur, be->name, 0);
		if (ce && !ce->available) {
			/* not measurable here: not a regression */
			for (size_t j = 0; j < be->nb; j++)
				not_comparable(&c, be->name, be->b[j].name, "engine unavailable here", ce->note);
			continue;
		}
		if (!ce) {
			size_t lost = 0;
			for (size_t j = 0; j < be->nb; j++)
				lost += bench_has_value(&be->b[j]) && selected(cur, &be->b[j]);
			if (lost) {
				char what[48];
				snprintf(what, sizeof(what), "%zu benchmark(s)", lost);
				row(&c, be->name, "-", "engine", what, "missing", NULL, NAN, "regression");
				sum->regressions += (unsigned)lost;
			}
			continue;
		}
		if (strcmp(ce->status, "ok") && strcmp(be->status, "ok") == 0) {
			row(&c, ce->name, "-", "engine status", "ok", ce->status, NULL, NAN, "regression");
			sum->regressions++;
		}
		for (size_t j = 0; j < be->nb; j++)
			compare_bench(base, cur, ce, &be->b[j],
				      engine_bench((struct engine_result *)ce, be->b[j].name, 0), &c);
	}
	if (out) {
		if (c.t.nrows)
			table_print_text(&c.t, out);
		else
			fprintf(out, "nothing moved beyond the noise\n");
		print_not_comparable(&c.nc, o->show_all > 1, out);
		fprintf(out, "\n%u regression(s) (%u in exact counts), %u improvement(s), %u unchanged, "
			"%u not comparable (threshold %.0f%%, 95%% CIs)\n", sum->regressions,
			sum->exact_regressions, sum->improvements, sum->unchanged, sum->skipped,
			o->threshold * 100);
		if (o->forced)
			fprintf(out, "warning: --force: hosts or configurations differ; "
				"these verdicts are not a regression test\n");
	}
	table_free(&c.t);
	table_free(&c.nc);
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

static json_object *bmf_measure(double value, double lo, double hi)
{
	json_object *m = json_object_new_object();
	json_object_object_add(m, "value", json_object_new_double(value));
	json_object_object_add(m, "lower_value", json_object_new_double(lo));
	json_object_object_add(m, "upper_value", json_object_new_double(hi));
	return m;
}

int compare_write_bencher_json(const struct run *r, const char *path)
{
	json_object *root = json_object_new_object();
	struct atomic_file f;
	int rc = -1;

	for (size_t i = 0; i < r->ne; i++)
		for (size_t j = 0; j < r->e[i].nb; j++) {
			const struct engine_result *e = &r->e[i];
			const struct bench_result *b = &e->b[j];
			if (!bench_has_value(b))
				continue;
			json_object *ms = json_object_new_object();
			struct cost c;
			/* Times in ns, resolved ones only (a value below resolution
			 * is a bound, not a value); never the nested platform's. */
			if (engine_times_valid(e) && r->host.tsc_khz > 0 &&
			    bench_cost(r, b, 0, &c) == 0 && c.resolved)
				json_object_object_add(ms, "latency", bmf_measure(c.median, c.lo, c.hi));
			/* The exact counts: the primary CI signal. */
			double x = metric_exits_per_op(b), y = metric_insns_per_op(b);
			double h = metric_helper_calls_per_op(b);
			if (x >= 0)
				json_object_object_add(ms, "exits-per-op", bmf_measure(x, x, x));
			if (y >= 0)
				json_object_object_add(ms, "insns-per-op", bmf_measure(y, y, y));
			if (h >= 0)
				json_object_object_add(ms, "helper-calls-per-op", bmf_measure(h, h, h));
			if (json_object_object_length(ms) == 0) {
				json_object_put(ms);
				continue;
			}
			char name[96];
			snprintf(name, sizeof(name), "%s/%s", e->name, b->name);
			json_object_object_add(root, name, ms);
		}
	if (atomic_open(&f, path) == 0) {
		fputs(json_object_to_json_string_ext(root, JSON_C_TO_STRING_PRETTY |
						     JSON_C_TO_STRING_NOSLASHESCAPE), f.f);
		fputc('\n', f.f);
		rc = atomic_commit(&f);
	}
	json_object_put(root);
	return rc;
}


static void usage(FILE *f)
{
	fprintf(f, "usage: ringbench compare [OPTIONS] BASE RUN\n"
		"       ringbench compare [OPTIONS] --baselines DIR RUN\n"
		"       ringbench compare --fingerprint RUN\n"
		"  BASE, RUN: results.json files or run directories (results/latest)\n"
		"  --threshold PCT  smallest change that counts (default 10)\n"
		"  --all            show unchanged rows too\n"
		"  --show-all       --all, and list every row that could not be compared\n"
		"  --force          compare runs of different hosts or configurations (warns)\n"
		"  --baselines DIR  BASE is DIR/<RUN's host fingerprint>.json; when there is\n"
		"                   none, record RUN as this host's baseline and exit 0\n"
		"  --fingerprint    print RUN's host fingerprint and exit\n"
		"  --json FILE      also write RUN for CI dashboards (name, unit, value, range)\n"
		"  --bencher FILE   also write RUN in Bencher Metric Format (testbed: the fingerprint)\n"
		"exit status: 0 no regression, 1 regression, 2 error or not comparable\n");
}

/* A baseline whose name is fp's but for a TSC frequency within the
 * tolerance (a calibrated TSC may round to the next 10 MHz). */
static int neighbour_baseline(const char *dir, const char *fp, double tsc_khz, char *out, size_t len)
{
	const char *cut = strrchr(fp, '_');
	size_t plen = cut ? (size_t)(cut - fp) + 1 : 0;
	DIR *d = opendir(dir);
	struct dirent *de;
	int found = -1;

	if (!d || !plen || !(tsc_khz > 0)) {
		if (d)
			closedir(d);
		return -1;
	}
	while (found < 0 && (de = readdir(d))) {
		char *end;
		if (strncmp(de->d_name, fp, plen))
			continue;
		double mhz = strtod(de->d_name + plen, &end);
		if (end == de->d_name + plen || strcmp(end, "mhz.json"))
			continue;
		if (fabs(mhz * 1000 - tsc_khz) <= HOSTKEY_TSC_TOLERANCE * tsc_khz) {
			snprintf(out, len, "%s/%s", dir, de->d_name);
			found = 0;
		}
	}
	closedir(d);
	return found;
}

/* Copy src to dst atomically (a results.json is at most RESULTS_JSON_MAX). */
static int copy_file(const char *src, const char *dst)
{
	FILE *in = fopen(src, "rb");
	struct atomic_file f;
	char buf[65536];
	size_t n;
	int rc = -1;

	if (!in)
		return -1;
	if (atomic_open(&f, dst) == 0) {
		while ((n = fread(buf, 1, sizeof(buf), in)) > 0)
			if (fwrite(buf, 1, n, f.f) != n)
				break;
		if (ferror(in) || ferror(f.f))
			atomic_abort(&f);
		else
			rc = atomic_commit(&f);
	}
	fclose(in);
	return rc;
}

int cmd_compare(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "threshold", required_argument, NULL, 't' },
		{ "all", no_argument, NULL, 'a' },
		{ "show-all", no_argument, NULL, 'A' },
		{ "force", no_argument, NULL, 'f' },
		{ "baselines", required_argument, NULL, 'B' },
		{ "fingerprint", no_argument, NULL, 'F' },
		{ "json", required_argument, NULL, 'j' },
		{ "bencher", required_argument, NULL, 'b' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct compare_opts o = { .threshold = 0.10 };
	const char *json = NULL, *bencher = NULL, *baselines = NULL;
	int c, force = 0, fingerprint = 0;

	optind = 1;
	while ((c = getopt_long(argc, argv, ":t:aj:h", lo, NULL)) != -1) {
		switch (c) {
		case 't':
			if (opt_real("compare", "--threshold", optarg, 0, 1000, &o.threshold) < 0)
				return 2;
			o.threshold /= 100;
			break;
		case 'a': o.show_all = o.show_all ? o.show_all : 1; break;
		case 'A': o.show_all = 2; break;
		case 'f': force = 1; break;
		case 'B': baselines = optarg; break;
		case 'F': fingerprint = 1; break;
		case 'j': json = optarg; break;
		case 'b': bencher = optarg; break;
		case 'h': usage(stdout); return 0;
		default: opt_complain("compare", c, argv); return 2;
		}
	}
	int want = baselines || fingerprint ? 1 : 2;
	if (argc - optind != want) {
		usage(stderr);
		return 2;
	}
	char pa[4096], pb[4096], err[512], fp[256];
	struct run *a = calloc(1, sizeof(*a)), *b = calloc(1, sizeof(*b));
	int rc = 2;
	if (!a || !b)
		goto out;
	results_json_path(argv[argc - 1], pb, sizeof(pb));
	if (results_json_load(b, pb, err, sizeof(err)) < 0) {
		fprintf(stderr, "ringbench compare: %s\n", err);   /* err names the file */
		goto out;
	}
	hostkey_fingerprint(&b->host, fp, sizeof(fp));
	if (fingerprint) {
		printf("%s\n", fp);
		rc = 0;
		goto out_b;
	}
	if (baselines) {
		snprintf(pa, sizeof(pa), "%s/%s.json", baselines, fp);
		if (access(pa, F_OK) != 0 &&
		    neighbour_baseline(baselines, fp, b->host.tsc_khz, pa, sizeof(pa)) < 0) {
			snprintf(pa, sizeof(pa), "%s/%s.json", baselines, fp);
			/* A host with no baseline records one rather than failing
			 * against another machine's. */
			if (strcmp(b->state, "complete")) {
				fprintf(stderr, "ringbench compare: no baseline for host %s, and %s is %s, "
					"not complete: not recorded\n", fp, pb, b->state);
				goto out_b;
			}
			if ((mkdir(baselines, 0777) < 0 && errno != EEXIST) || copy_file(pb, pa) < 0) {
				fprintf(stderr, "ringbench compare: cannot record baseline %s: %s\n", pa,
					strerror(errno));
				goto out_b;
			}
			printf("no baseline for this host (fingerprint %s): recorded this run as %s;\n"
			       "later runs on this host are held against it (commit it to keep it)\n", fp, pa);
			rc = 0;
			goto out_b;
		}
	} else {
		results_json_path(argv[optind], pa, sizeof(pa));
	}
	if (results_json_load(a, pa, err, sizeof(err)) < 0) {
		fprintf(stderr, "ringbench compare: %s\n", err);
		goto out_b;
	}
	printf("base %s (%s, %s)\nrun  %s (%s, %s)\n", a->id, a->host.git_commit, a->host.hostname,
	       b->id, b->host.git_commit, b->host.hostname);
	/* Runs of different hosts or configurations are no regression test:
	 * refused, one line per difference, unless --force (then warned). */
	if (hostkey_differences(a, b, force ? "warning: " : "ringbench compare: not comparable "
				"(--force to compare anyway): ", force ? stdout : stderr)) {
		if (!force)
			goto out_ab;
		o.forced = 1;
	}
	printf("\n");
	struct compare_summary s;
	compare_runs(a, b, &o, stdout, &s);
	rc = s.regressions ? 1 : 0;
	if (json && compare_write_dashboard_json(b, json) < 0) {
		fprintf(stderr, "ringbench compare: cannot write %s\n", json);
		rc = 2;
	}
	if (bencher && compare_write_bencher_json(b, bencher) < 0) {
		fprintf(stderr, "ringbench compare: cannot write %s\n", bencher);
		rc = 2;
	}
out_ab:
	run_free(a);
out_b:
	run_free(b);
out:
	free(a);
	free(b);
	return rc;
}
