/* Several runs side by side: one table per engine, a column per run
 * labelled by host and flavour, and one figure with a panel per engine
 * (docs/results.md, "Several hosts side by side"). */
#include "harness/report_multi.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harness/atomic.h"
#include "harness/hostkey.h"
#include "harness/metrics.h"
#include "harness/plots.h"
#include "harness/results_json.h"
#include "harness/table.h"

#define MAX_ENGINES (RUN_MAX_ENGINES * 2)

/* Does another run have r's host name? */
static int dup_host(struct run *const *runs, size_t n, size_t k)
{
	for (size_t i = 0; i < n; i++)
		if (i != k && !strcmp(runs[i]->host.hostname, runs[k]->host.hostname))
			return 1;
	return 0;
}

void report_multi_label(const struct run *r, const struct engine_result *e, int dup,
			char *out, size_t len)
{
	char el[160];

	engine_label(e, el, sizeof(el));
	if (dup)
		snprintf(out, len, "%s %s: %s", r->host.hostname[0] ? r->host.hostname : "?", r->id, el);
	else
		snprintf(out, len, "%s: %s", r->host.hostname[0] ? r->host.hostname : "?", el);
}

/* Engine names over all runs, first seen first. */
static size_t engine_names(struct run *const *runs, size_t n, const char **out)
{
	size_t m = 0;

	for (size_t k = 0; k < n; k++)
		for (size_t i = 0; i < runs[k]->ne; i++) {
			size_t j;
			for (j = 0; j < m && strcmp(out[j], runs[k]->e[i].name); j++)
				;
			if (j == m && m < MAX_ENGINES)
				out[m++] = runs[k]->e[i].name;
		}
	return m;
}

/* Benchmark names over all runs, first seen first; *names malloc'd. */
static size_t bench_names(struct run *const *runs, size_t n, const char ***names)
{
	const char **v = NULL;
	size_t m = 0;

	for (size_t k = 0; k < n; k++) {
		const char **one;
		size_t c = run_bench_names(runs[k], &one);
		for (size_t i = 0; i < c; i++) {
			size_t j;
			for (j = 0; j < m && strcmp(v[j], one[i]); j++)
				;
			if (j < m)
				continue;
			const char **p = realloc(v, (m + 1) * sizeof(*p));
			if (!p)
				break;
			v = p;
			v[m++] = one[i];
		}
		free(one);
	}
	*names = v;
	return m;
}

/* The runs (columns) that have engine name available; count. */
static size_t columns(struct run *const *runs, size_t n, const char *name,
		      const struct engine_result **ce, size_t *ck)
{
	size_t m = 0;

	for (size_t k = 0; k < n; k++) {
		const struct engine_result *e = run_engine((struct run *)runs[k], name, 0);
		if (e && e->available) {
			ce[m] = e;
			ck[m++] = k;
		}
	}
	return m;
}

static void host_table(struct run *const *runs, size_t n, struct table *t)
{
	const char *hdr[] = { "host", "CPU", "KVM", "kernel", "TSC MHz", "commit", "config" };
	char fl[64];

	table_init(t, 7);
	for (size_t c = 0; c < 7; c++)
		table_set(t, 0, c, "%s", hdr[c]);
	for (size_t k = 0; k < n; k++) {
		const struct run *r = runs[k];
		const char *rel = strchr(r->host.kernel, ' ');
		size_t row = table_add_row(t);
		hostkey_flavour(&r->host, fl, sizeof(fl));
		if (dup_host(runs, n, k))
			table_set(t, row, 0, "%s %s", r->host.hostname, r->id);
		else
			table_set(t, row, 0, "%s", r->host.hostname);
		table_set(t, row, 1, "%s", r->host.cpu_model[0] ? r->host.cpu_model : "unknown");
		table_set(t, row, 2, "%s", fl);
		table_set(t, row, 3, "%s", rel ? rel + 1 : r->host.kernel);
		if (r->host.tsc_khz > 0)
			table_set(t, row, 4, "%.0f", r->host.tsc_khz / 1000);
		else
			table_set(t, row, 4, "unknown");
		table_set(t, row, 5, "%s", r->host.git_commit);
		table_set(t, row, 6, "%s%s%s", r->quick ? "quick" : "full", strcmp(r->state, "complete") ? ", " : "",
			  strcmp(r->state, "complete") ? r->state : "");
	}
}

/* The cost table of one engine (exits: exits/op instead); 0 when no run
 * has the engine available. */
static int engine_table(struct run *const *runs, size_t n, const char *name, int exits,
			const char **bn, size_t nb, struct table *t)
{
	const struct engine_result *ce[REPORT_MULTI_MAX_RUNS];
	size_t ck[REPORT_MULTI_MAX_RUNS];
	size_t m = columns(runs, n, name, ce, ck);
	int any = 0;

	if (!m)
		return 0;
	table_init(t, m + 1);
	table_set(t, 0, 0, "benchmark");
	for (size_t c = 0; c < m; c++) {
		char l[256];
		report_multi_label(runs[ck[c]], ce[c], dup_host(runs, n, ck[c]), l, sizeof(l));
		table_set(t, 0, c + 1, "%s%s", l, !exits && !(runs[ck[c]]->host.tsc_khz > 0) ? " (cycles)" : "");
	}
	for (size_t i = 0; i < nb; i++) {
		int have = 0;
		for (size_t c = 0; c < m; c++)
			have |= engine_bench((struct engine_result *)ce[c], bn[i], 0) != NULL;
		if (!have)
			continue;
		size_t row = table_add_row(t);
		int vals = 0;
		table_set(t, row, 0, "%s", bn[i]);
		for (size_t c = 0; c < m; c++) {
			const struct bench_result *b = engine_bench((struct engine_result *)ce[c], bn[i], 0);
			if (!b) {
				table_set(t, row, c + 1, "not run");
			} else if (!bench_has_value(b)) {
				table_set(t, row, c + 1, "%s", b->status[0] ? b->status : "no value");
			} else if (exits) {
				double x = metric_exits_per_op(b);
				if (x >= 0) {
					table_set(t, row, c + 1, "%.2f", x);
					vals++;
				} else {
					table_set(t, row, c + 1, "n/a");
				}
			} else {
				struct cost cost;
				char s[64];
				bench_cost(runs[ck[c]], b, 0, &cost);
				cost_format(&cost, 0, s, sizeof(s));
				table_set(t, row, c + 1, "%s", s);
				vals++;
			}
		}
		any |= vals > 0;
	}
	if (!any || !t->nrows) {
		table_free(t);
		return 0;
	}
	return 1;
}

/* Engines not available on a host, said under the table. */
static void unavailable_note(struct run *const *runs, size_t n, const char *name, FILE *f)
{
	for (size_t k = 0; k < n; k++) {
		const struct engine_result *e = run_engine((struct run *)runs[k], name, 0);
		if (!e)
			fprintf(f, "Not in run %s (%s).  ", runs[k]->id, runs[k]->host.hostname);
		else if (!e->available)
			fprintf(f, "Unavailable on %s: %.200s.  ", runs[k]->host.hostname,
				e->note[0] ? e->note : "no reason given");
	}
}

static int times_valid_anywhere(struct run *const *runs, size_t n, const char *name)
{
	for (size_t k = 0; k < n; k++) {
		const struct engine_result *e = run_engine((struct run *)runs[k], name, 0);
		if (e && !engine_times_valid(e))
			return 0;
	}
	return 1;
}

static void emit(struct run *const *runs, size_t n, FILE *f, int md, const char *figure,
		 const char *figure_note)
{
	const char *en[MAX_ENGINES], **bn;
	size_t ne = engine_names(runs, n, en), nb = bench_names(runs, n, &bn);
	struct table t;

	if (md) {
		fprintf(f, "# ringbench: %zu runs side by side\n\n", n);
		fprintf(f, "Each column is one run's engine, labelled `host: engine (flavour)`. "
			"The hosts:\n\n");
	} else {
		fprintf(f, "%zu runs side by side\n\n", n);
	}
	host_table(runs, n, &t);
	md ? table_print_md(&t, f) : table_print_text(&t, f);
	table_free(&t);
	if (md) {
		fprintf(f, "\n**Legend.** Costs are medians in ns per operation (TSC cycles at each\n"
			"host's own TSC frequency; a column marked `(cycles)` had none), the empty\n"
			"loop subtracted. `< x`: not significantly above the empty loop, x is an\n"
			"upper bound. `unsupported`, `fail`, `crash`, `timeout`: the benchmark's\n"
			"status on that engine (its run's report.md says why). `not run`: the run\n"
			"did not include it. `n/a`: the engine reports no such count. Times on\n"
			"different hosts are not a regression test (`ringbench compare` refuses\n"
			"them); the exact counts (exits per operation) are comparable.\n\n");
		if (figure)
			fprintf(f, "![Cost per operation, one panel per engine, one series per host](%s)\n\n"
				"%s\n\n", figure, figure_note ? figure_note : "");
		else if (figure_note && figure_note[0])
			fprintf(f, "%s\n\n", figure_note);
	}
	for (size_t i = 0; i < ne; i++) {
		if (!times_valid_anywhere(runs, n, en[i]))
			continue;
		if (!engine_table(runs, n, en[i], 0, bn, nb, &t))
			continue;
		if (md)
			fprintf(f, "\n## %s: ns per operation\n\n", en[i]);
		else
			fprintf(f, "\n%s: ns per operation\n", en[i]);
		md ? table_print_md(&t, f) : table_print_text(&t, f);
		table_free(&t);
		if (md) {
			fputc('\n', f);
			unavailable_note(runs, n, en[i], f);
			fputc('\n', f);
		}
	}
	for (size_t i = 0; i < ne; i++) {
		if (strcmp(en[i], "kvm") || !engine_table(runs, n, en[i], 1, bn, nb, &t))
			continue;
		if (md)
			fprintf(f, "\n## %s: VM exits per operation (exact counts)\n\n", en[i]);
		else
			fprintf(f, "\n%s: VM exits per operation\n", en[i]);
		md ? table_print_md(&t, f) : table_print_text(&t, f);
		table_free(&t);
	}
	free(bn);
}

int report_multi_write_md(struct run *const *runs, size_t n, const char *md_path,
			  const char *figure, const char *figure_note)
{
	struct atomic_file a;

	if (atomic_open(&a, md_path) < 0)
		return -1;
	emit(runs, n, a.f, 1, figure, figure_note);
	if (ferror(a.f)) {
		atomic_abort(&a);
		errno = EIO;
		return -1;
	}
	return atomic_commit(&a);
}

void report_multi_print(struct run *const *runs, size_t n, FILE *f)
{
	emit(runs, n, f, 0, NULL, NULL);
}


/* A gnuplot string: no quotes, no backslashes, no enhanced-text specials. */
static void gp_word(const char *s, char *out, size_t len)
{
	size_t n = 0;
	for (; *s && n + 1 < len; s++)
		out[n++] = strchr("\"'\\_^@&{}", *s) ? ' ' : *s;
	out[n] = '\0';
}

int report_multi_plot(struct run *const *runs, size_t n, const char *dir, const char *stem,
		      char *note, size_t len)
{
	static const char *const fmt[] = { "pdf", "png", "svg" };
	static const char *const term[] = {
		"pdfcairo enhanced font 'Helvetica,9' size 7in,%gin",
		"pngcairo enhanced font 'Helvetica,9' size 1400,%g",
		"svg enhanced font 'Helvetica,9' size 700,%g",
	};
	/* Okabe-Ito: colour-blind safe. */
	static const char *const colour[] = { "#0072B2", "#E69F00", "#009E73", "#CC79A7",
					      "#56B4E9", "#D55E00", "#F0E442", "#000000" };
	const char *en[MAX_ENGINES], **bn;
	size_t ne = engine_names(runs, n, en), nb = bench_names(runs, n, &bn);
	char path[4400], gp[4200], log[4400];
	size_t panels = 0;
	int drawn = 0;

	snprintf(log, sizeof(log), "%s/%s.log", dir, stem);
	snprintf(path, sizeof(path), "%s/%s.dat", dir, stem);
	FILE *d = fopen(path, "w");
	if (!d) {
		snprintf(note, len, "Figure not drawn: cannot write %s: %s.", path, strerror(errno));
		free(bn);
		return 0;
	}
	/* One data block per engine (gnuplot index): x, name, then per
	 * column median lo hi in ns ("?" when not resolved or absent). */
	const char *panel_engine[MAX_ENGINES];
	size_t panel_cols[MAX_ENGINES];
	char labels[MAX_ENGINES][REPORT_MULTI_MAX_RUNS][256];
	for (size_t i = 0; i < ne; i++) {
		const struct engine_result *ce[REPORT_MULTI_MAX_RUNS];
		size_t ck[REPORT_MULTI_MAX_RUNS], m;
		if (!times_valid_anywhere(runs, n, en[i]) || !(m = columns(runs, n, en[i], ce, ck)))
			continue;
		int any = 0;
		for (size_t j = 0; j < nb && !any; j++)
			for (size_t c = 0; c < m; c++) {
				const struct bench_result *b = engine_bench((struct engine_result *)ce[c], bn[j], 0);
				any |= bench_has_value(b) && b->resolved && !bench_is_loop(b->name) &&
				       runs[ck[c]]->host.tsc_khz > 0;
			}
		if (!any)
			continue;
		if (panels)
			fprintf(d, "\n\n");
		fprintf(d, "# %s\n", en[i]);
		size_t x = 0;
		for (size_t j = 0; j < nb; j++) {
			if (bench_is_loop(bn[j]))
				continue;
			fprintf(d, "%zu %s", x++, bn[j]);
			for (size_t c = 0; c < m; c++) {
				const struct bench_result *b = engine_bench((struct engine_result *)ce[c], bn[j], 0);
				struct cost cost;
				if (b && runs[ck[c]]->host.tsc_khz > 0 && bench_cost(runs[ck[c]], b, 0, &cost) == 0 &&
				    cost.resolved)
					fprintf(d, " %.6g %.6g %.6g", cost.median, cost.lo, cost.hi);
				else
					fprintf(d, " ? ? ?");
			}
			fputc('\n', d);
		}
		for (size_t c = 0; c < m; c++) {
			char l[256];
			report_multi_label(runs[ck[c]], ce[c], dup_host(runs, n, ck[c]), l, sizeof(l));
			gp_word(l, labels[panels][c], sizeof(labels[panels][c]));
		}
		panel_engine[panels] = en[i];
		panel_cols[panels++] = m;
	}
	if (fclose(d) != 0 || !panels) {
		snprintf(note, len, panels ? "Figure not drawn: cannot write its data." :
			 "No figure: no run has a resolved cost.");
		free(bn);
		return 0;
	}
	if (plots_find_gnuplot(gp, sizeof(gp)) < 0) {
		snprintf(note, len, "Figure not drawn: gnuplot not found (apt-get install gnuplot-nox); "
			 "its data is %s.dat.", stem);
		free(bn);
		return 0;
	}
	unlink(log);
	for (size_t fi = 0; fi < 3; fi++) {
		char script[4400];
		snprintf(script, sizeof(script), "%s/%s-%s.gp", dir, stem, fmt[fi]);
		FILE *g = fopen(script, "w");
		if (!g)
			continue;
		double h = fi == 1 ? 100 + 260.0 * panels : fi == 2 ? 50 + 130.0 * panels : 0.5 + 1.8 * panels;
		fprintf(g, "set terminal ");
		fprintf(g, term[fi], h);
		fprintf(g, "\nset output '%s/%s.%s'\n", dir, stem, fmt[fi]);
		fprintf(g, "set datafile missing '?'\nset logscale y\nset ylabel 'ns per operation'\n"
			"set format y '10^{%%L}'\nset grid ytics\nset key outside right top vertical "
			"font ',8'\nset xtics noenhanced rotate by 60 right font ',7' nomirror\nset ytics nomirror\n"
			"set bars small\nset offsets 0.5, 0.5, 0, 0\n"
			"set multiplot layout %zu,1 title 'Cost per operation (median, 95%% CI), "
			"one series per host; below-resolution and missing values omitted'\n", panels);
		for (size_t p = 0; p < panels; p++) {
			fprintf(g, "set title '%s'\nplot ", panel_engine[p]);
			for (size_t c = 0; c < panel_cols[p]; c++) {
				double off = panel_cols[p] > 1 ? (c - (panel_cols[p] - 1) / 2.0) * 0.6 / panel_cols[p] : 0;
				fprintf(g, "%s'%s/%s.dat' index %zu using ($1+%g):%zu:%zu:%zu%s with yerrorbars "
					"pt %zu ps 0.6 lc rgb '%s' title '%s'", c ? ", \\\n  " : "", dir, stem, p,
					off, 3 + 3 * c, 4 + 3 * c, 5 + 3 * c, c ? "" : ":xtic(2)", 4 + 2 * (c % 6),
					colour[c % 8], labels[p][c]);
			}
			fputc('\n', g);
		}
		fprintf(g, "unset multiplot\n");
		fclose(g);
		if (plots_run_gnuplot(gp, script, NULL, log) == 0)
			drawn++;
	}
	snprintf(note, len, "Figure: %s.{pdf,png,svg} (%d of 3 formats drawn%s; data %s.dat).", stem, drawn,
		 drawn < 3 ? ", see the .log" : "", stem);
	free(bn);
	return drawn;
}


int cmd_report_multi(size_t ndirs, char **dirs, const char *out, int no_plots, int quiet)
{
	struct run *runs[REPORT_MULTI_MAX_RUNS] = { 0 };
	char path[4200], err[512], dir[4200], note[600] = "";
	int rc = 1;

	if (ndirs > REPORT_MULTI_MAX_RUNS) {
		fprintf(stderr, "ringbench report: at most %d runs side by side (%zu given)\n",
			REPORT_MULTI_MAX_RUNS, ndirs);
		return 2;
	}
	for (size_t k = 0; k < ndirs; k++) {
		runs[k] = calloc(1, sizeof(*runs[k]));
		results_json_path(dirs[k], path, sizeof(path));
		if (!runs[k] || results_json_load(runs[k], path, err, sizeof(err)) < 0) {
			fprintf(stderr, "ringbench report: %s\n", runs[k] ? err : "out of memory");
			free(runs[k]);
			runs[k] = NULL;
			goto out;
		}
		run_compute(runs[k]);
	}
	if (!out) {
		out = "results/multi/report.md";
		mkdir("results", 0777);
		mkdir("results/multi", 0777);
	}
	/* The figure goes beside the report: <dir>/<report stem>-cost.*. */
	const char *slash = strrchr(out, '/');
	snprintf(dir, sizeof(dir), "%.*s", slash ? (int)(slash - out) : 1, slash ? out : ".");
	if (slash)
		mkdir(dir, 0777);       /* one level, as the default's */
	const char *base = slash ? slash + 1 : out;
	char stem[256];
	size_t bl = strlen(base);
	snprintf(stem, sizeof(stem), "%.*s-cost", (int)(bl > 3 && !strcmp(base + bl - 3, ".md") ? bl - 3 : bl),
		 base);
	int drawn = 0;
	if (no_plots)
		snprintf(note, sizeof(note), "Figure not drawn (--no-plots).");
	else
		drawn = report_multi_plot(runs, ndirs, dir, stem, note, sizeof(note));
	char fig[300];
	snprintf(fig, sizeof(fig), "%s.svg", stem);
	char fpath[4600];
	snprintf(fpath, sizeof(fpath), "%s/%s", dir, fig);
	if (report_multi_write_md(runs, ndirs, out, drawn && access(fpath, R_OK) == 0 ? fig : NULL, note) < 0) {
		fprintf(stderr, "ringbench report: cannot write %s: %s\n", out, strerror(errno));
		goto out;
	}
	if (!quiet) {
		report_multi_print(runs, ndirs, stdout);
		printf("\nReport: %s\n%s\n", out, note);
	}
	rc = fflush(stdout) == 0 ? 0 : 1;
out:
	for (size_t k = 0; k < ndirs; k++)
		if (runs[k]) {
			run_free(runs[k]);
			free(runs[k]);
		}
	return rc;
}
