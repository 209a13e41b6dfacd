/* The overcommit sweep's report: its runs read back, then per engine and
 * smp benchmark the cost and slowdown at each ratio against the lowest,
 * Jain's fairness index, the IPI latency percentiles and the PAUSE-loop
 * yields, in report.md and sweep.csv beside the figures. */
#include "harness/report_sweep.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness/atomic.h"
#include "harness/results_json.h"
#include "harness/table.h"

/* The counters that count a spin-wait handed over: the software engines'
 * multiplexer yields after 64 PAUSEs in one turn (docs/platform.md). */
static const char *const pause_counters[] = { "engine.vcpu.switch.pause", NULL };

const struct bench_result *sweep_bench(const struct sweep *s, size_t k, const char *engine,
				       const char *bench)
{
	struct engine_result *e = run_engine(s->r[k], engine, 0);
	struct bench_result *b = e ? engine_bench(e, bench, 0) : NULL;

	return b && engine_times_valid(e) && bench_has_value(b) ? b : NULL;
}

/* The cost in ns (cycles without a TSC rate) of a resolved median. */
static int sweep_cost(const struct sweep *s, size_t k, const char *engine, const char *bench, struct cost *c)
{
	const struct bench_result *b = sweep_bench(s, k, engine, bench);

	return b && bench_cost(s->r[k], b, 0, c) == 0 && c->resolved ? 0 : -1;
}

int sweep_slowdown(const struct sweep *s, size_t k, const char *engine, const char *bench,
		   double *x, double *lo, double *hi)
{
	struct cost base, c;

	if (sweep_cost(s, 0, engine, bench, &base) < 0 || sweep_cost(s, k, engine, bench, &c) < 0 ||
	    strcmp(base.unit, c.unit) || base.median <= 0 || base.lo <= 0)
		return -1;
	*x = c.median / base.median;
	*lo = c.lo / base.hi;
	*hi = c.hi / base.lo;
	return 0;
}

double sweep_pause_per_op(const struct bench_result *b)
{
	for (size_t i = 0; pause_counters[i]; i++) {
		double v = bench_counter_per_op(b, pause_counters[i]);
		if (v >= 0)
			return v;
	}
	/* Absent counters are zero in the records (only non-zero ones are
	 * sent): an engine that has the multiplexer sends its other switches. */
	if (bench_counter(b, "engine.vcpu.switch.ipi") >= 0 || bench_counter(b, "engine.vcpu.switch.halt") >= 0 ||
	    bench_counter(b, "engine.vcpu.switch.slice") >= 0)
		return 0;
	return -1;
}

int sweep_is_fairness(const struct sweep *s, const char *bench)
{
	for (size_t k = 0; k < s->n; k++)
		for (size_t i = 0; i < s->r[k]->ne; i++) {
			struct bench_result *b = engine_bench(&s->r[k]->e[i], bench, 0);
			if (b && b->jain_milli)
				return 1;
		}
	return 0;
}

static int by_ratio(const void *a, const void *b)
{
	const struct run *x = *(struct run *const *)a, *y = *(struct run *const *)b;
	return (x->overcommit > y->overcommit) - (x->overcommit < y->overcommit);
}

static void add_name(const char **list, size_t *n, size_t max, const char *name)
{
	for (size_t i = 0; i < *n; i++)
		if (!strcmp(list[i], name))
			return;
	if (*n < max)
		list[(*n)++] = name;
}

static void sweep_free(struct sweep *s)
{
	for (size_t k = 0; k < s->n; k++) {
		run_free(s->r[k]);
		free(s->r[k]);
	}
	s->n = 0;
}

/* The runs in dir (sub-directories whose results.json has a ratio). */
static int sweep_load(struct sweep *s, const char *dir, char *err, size_t len)
{
	DIR *d = opendir(dir);
	struct dirent *de;

	memset(s, 0, sizeof(*s));
	if (!d) {
		snprintf(err, len, "cannot read %s: %s", dir, strerror(errno));
		return -1;
	}
	while ((de = readdir(d)) && s->n < SWEEP_MAX_RUNS) {
		char path[4400], why[512];
		struct run *r;
		if (de->d_name[0] != 'x' || strlen(de->d_name) >= sizeof(s->sub[0]))
			continue;
		snprintf(path, sizeof(path), "%s/%s/results.json", dir, de->d_name);
		if (access(path, R_OK) != 0 || !(r = calloc(1, sizeof(*r))))
			continue;
		if (results_json_load(r, path, why, sizeof(why)) < 0 || !r->host_cpus) {
			free(r);
			continue;
		}
		run_compute(r);
		r->overcommit = (double)(r->cpus ? r->cpus : 1) / r->host_cpus;
		s->r[s->n++] = r;
	}
	closedir(d);
	if (!s->n) {
		snprintf(err, len, "%s holds no sweep runs (x<ratio>/results.json with config.host_cpus)", dir);
		return -1;
	}
	qsort(s->r, s->n, sizeof(s->r[0]), by_ratio);
	for (size_t k = 0; k < s->n; k++) {
		struct run *r = s->r[k];
		snprintf(s->sub[k], sizeof(s->sub[k]), "%s", r->id);
		for (size_t i = 0; i < r->ne; i++)
			for (size_t j = 0; j < r->e[i].nb; j++) {
				const struct bench_result *b = &r->e[i].b[j];
				if (strcmp(b->group, "smp"))
					continue;
				add_name(s->benches, &s->nb, sizeof(s->benches) / sizeof(s->benches[0]), b->name);
				if (engine_times_valid(&r->e[i]) && bench_has_value(b))
					add_name(s->engines, &s->ne, RUN_MAX_ENGINES, r->e[i].name);
			}
	}
	return 0;
}

int report_sweep_is(const char *dir)
{
	char path[4200];
	struct sweep s;
	char err[256];

	snprintf(path, sizeof(path), "%s/results.json", dir);
	if (access(path, R_OK) == 0 || sweep_load(&s, dir, err, sizeof(err)) < 0)
		return 0;
	sweep_free(&s);
	return 1;
}

/* Footnotes: a cell without a number says why, once per reason. */
struct notes {
	char text[24][300];
	size_t n;
};

static size_t note_add(struct notes *nt, const char *text)
{
	for (size_t i = 0; i < nt->n; i++)
		if (!strcmp(nt->text[i], text))
			return i + 1;
	if (nt->n == sizeof(nt->text) / sizeof(nt->text[0]))
		return nt->n;
	snprintf(nt->text[nt->n++], sizeof(nt->text[0]), "%s", text);
	return nt->n;
}

/* Why engine has no number for bench at run k: not run, unsupported or
 * failed with the reason, or below resolution. */
static void cell_why(struct table *t, size_t row, size_t col, const struct sweep *s, size_t k,
		     const char *engine, const char *bench, struct notes *nt)
{
	struct engine_result *e = run_engine(s->r[k], engine, 0);
	struct bench_result *b = e ? engine_bench(e, bench, 0) : NULL;
	char text[300];

	if (!e || (!b && !strcmp(e->status, "ok"))) {
		table_set(t, row, col, "-");
		return;
	}
	if (!b)
		snprintf(text, sizeof(text), "%s at %gx: engine %s%s%.200s", engine, s->r[k]->overcommit,
			 e->status, e->reason[0] ? ": " : "", e->reason);
	else if (!strcmp(b->status, "ok"))
		snprintf(text, sizeof(text), "below resolution (not significantly above the empty loop)");
	else
		snprintf(text, sizeof(text), "%s on %s at %gx: %s%s%.200s", bench, engine, s->r[k]->overcommit,
			 b->status, b->reason[0] ? ": " : "", b->reason);
	size_t n = note_add(nt, text);
	table_set(t, row, col, "%s [%zu]", b && !strcmp(b->status, "ok") ? "< res" : b ? b->status : e->status, n);
}

static void notes_print(const struct notes *nt, FILE *f)
{
	for (size_t i = 0; i < nt->n; i++)
		fprintf(f, "[%zu] %s\n%s", i + 1, nt->text[i], i + 1 == nt->n ? "\n" : "\n");
}

static void ratio_header(struct table *t, const struct sweep *s, size_t first, const char *fmt)
{
	for (size_t k = 0; k < s->n; k++)
		table_set(t, 0, first + k, fmt, s->r[k]->overcommit, s->r[k]->cpus);
}

static void label_of(const struct sweep *s, const char *engine, char *out, size_t len)
{
	for (size_t k = 0; k < s->n; k++) {
		struct engine_result *e = run_engine(s->r[k], engine, 0);
		if (e) {
			engine_label(e, out, len);
			return;
		}
	}
	snprintf(out, len, "%s", engine);
}

/* A table with a column per ratio after "benchmark, engine" (one column:
 * a table too wide for a line is split, repeating the first column). */
static void table_by_ratio(struct table *t, const struct sweep *s)
{
	table_init(t, 1 + s->n);
	table_set(t, 0, 0, "benchmark, engine");
	ratio_header(t, s, 1, "%gx (%u vCPUs)");
}

/* A new row for bench on engine; its index. */
static size_t row_for(struct table *t, const struct sweep *s, const char *bench, const char *engine)
{
	char label[160];
	size_t row = table_add_row(t);

	label_of(s, engine, label, sizeof(label));
	table_set(t, row, 0, "%s, %s", bench, label);
	return row;
}

int sweep_has_latency(const struct sweep *s, const char *bench)
{
	for (size_t k = 0; k < s->n; k++)
		for (size_t i = 0; i < s->ne; i++) {
			const struct bench_result *b = sweep_bench(s, k, s->engines[i], bench);
			if (b && b->lat[0])
				return 1;
		}
	return 0;
}

static void section(FILE *f, const char *title, const char *note, struct table *t, const struct notes *nt)
{
	fprintf(f, "## %s\n\n%s\n\n", title, note);
	table_print_md(t, f);
	fputc('\n', f);
	if (nt)
		notes_print(nt, f);
	table_free(t);
}

static void cost_and_slowdown(const struct sweep *s, FILE *f)
{
	struct table t, u;
	struct notes nt = { .n = 0 }, nu = { .n = 0 };

	table_by_ratio(&t, s);
	table_by_ratio(&u, s);
	for (size_t j = 0; j < s->nb; j++) {
		if (sweep_is_fairness(s, s->benches[j]))
			continue;
		for (size_t i = 0; i < s->ne; i++) {
			size_t row = row_for(&t, s, s->benches[j], s->engines[i]);
			size_t urow = row_for(&u, s, s->benches[j], s->engines[i]);
			for (size_t k = 0; k < s->n; k++) {
				struct cost c;
				double x, lo, hi;
				char text[96];
				if (sweep_cost(s, k, s->engines[i], s->benches[j], &c) == 0) {
					cost_format(&c, 1, text, sizeof(text));
					table_set(&t, row, 1 + k, "%s", text);
				} else {
					cell_why(&t, row, 1 + k, s, k, s->engines[i], s->benches[j], &nt);
				}
				if (sweep_slowdown(s, k, s->engines[i], s->benches[j], &x, &lo, &hi) == 0) {
					char a[24], b[24], m[24];
					sig3(x, m, sizeof(m));
					sig3(lo, a, sizeof(a));
					sig3(hi, b, sizeof(b));
					table_set(&u, urow, 1 + k, k ? "%s [%s, %s]" : "%s", m, a, b);
				} else {
					cell_why(&u, urow, 1 + k, s, k, s->engines[i], s->benches[j], &nu);
				}
			}
		}
	}
	char note[600];
	snprintf(note, sizeof(note),
		 "per operation, %s: the median over the repetitions with the empty loop run beside each "
		 "subtracted [its 95%% CI], 3 significant digits, as in each run's report.md",
		 s->r[0]->host.tsc_khz > 0 ? "ns" : "TSC cycles");
	section(f, "Cost per operation at each overcommit ratio", note, &t, &nt);
	snprintf(note, sizeof(note),
		 "cost at each ratio / cost at %gx (the lowest in the sweep) for the same engine and benchmark "
		 "[95%% interval from the two medians' CIs: lo/hi at %gx, hi/lo at %gx]; above 1: slower per "
		 "operation as vCPUs share fewer host CPUs", s->r[0]->overcommit, s->r[0]->overcommit,
		 s->r[0]->overcommit);
	section(f, "Slowdown versus the lowest ratio", note, &u, &nu);
}

/* A cell of bench at run k: 0 when out holds a value, else -1. */
typedef int (*cell_fn)(const struct sweep *s, size_t k, const struct bench_result *b, char *out, size_t len);

/* A row per engine for each benchmark wanted, a cell per ratio (or why
 * not); one section, when any row. */
static void section_by_ratio(const struct sweep *s, FILE *f, int (*wanted)(const struct sweep *, const char *),
			     cell_fn cell, const char *title, const char *note)
{
	struct table t;
	struct notes nt = { .n = 0 };
	size_t rows = 0;

	table_by_ratio(&t, s);
	for (size_t j = 0; j < s->nb; j++) {
		if (!wanted(s, s->benches[j]))
			continue;
		for (size_t i = 0; i < s->ne; i++) {
			size_t row = row_for(&t, s, s->benches[j], s->engines[i]);
			rows++;
			for (size_t k = 0; k < s->n; k++) {
				const struct bench_result *b = sweep_bench(s, k, s->engines[i], s->benches[j]);
				char text[96];
				if (b && cell(s, k, b, text, sizeof(text)) == 0)
					table_set(&t, row, 1 + k, "%s", text);
				else
					cell_why(&t, row, 1 + k, s, k, s->engines[i], s->benches[j], &nt);
			}
		}
	}
	if (rows)
		section(f, title, note, &t, &nt);
	else
		table_free(&t);
}

static int jain_cell(const struct sweep *s, size_t k, const struct bench_result *b, char *out, size_t len)
{
	(void)s;
	(void)k;
	if (!b->jain_milli)
		return -1;
	snprintf(out, len, "%.3f (min %.2f)", b->jain_milli / 1000.0, b->min_share_milli / 1000.0);
	return 0;
}

static int latency_cell(const struct sweep *s, size_t k, const struct bench_result *b, char *out, size_t len)
{
	double khz = s->r[k]->host.tsc_khz;
	char p[3][24];

	if (!b->lat[0] || khz <= 0)
		return -1;
	for (int q = 0; q < 3; q++)
		sig3((double)b->lat[q] * 1e3 / khz, p[q], sizeof(p[q]));
	snprintf(out, len, "%s / %s / %s", p[0], p[1], p[2]);
	return 0;
}

static void fairness(const struct sweep *s, FILE *f)
{
	section_by_ratio(s, f, sweep_is_fairness, jain_cell, "Fairness at each overcommit ratio",
			 "Jain's index over each vCPU's count summed over every window of the benchmark (1: "
			 "equal shares; 1/N: one vCPU had it all; one value per run, so no CI); in brackets the "
			 "smallest vCPU's share of the mean");
}

static void latency(const struct sweep *s, FILE *f)
{
	section_by_ratio(s, f, sweep_has_latency, latency_cell, "IPI latency at each overcommit ratio",
			 "p50 / p99 / p99.9 of single operations in µs (the guest times each; a 1/8-octave "
			 "histogram, so within 9%; empty loop not subtracted)");
}

static void pauses(const struct sweep *s, FILE *f)
{
	struct table t;
	char none[256] = "";
	size_t rows = 0;

	table_by_ratio(&t, s);
	for (size_t i = 0; i < s->ne; i++) {
		int counted = 0;
		for (size_t k = 0; k < s->n && !counted; k++)
			for (size_t j = 0; j < s->nb && !counted; j++) {
				const struct bench_result *b = sweep_bench(s, k, s->engines[i], s->benches[j]);
				counted = b && sweep_pause_per_op(b) >= 0;
			}
		if (!counted) {
			size_t l = strlen(none);
			snprintf(none + l, sizeof(none) - l, "%s%s", l ? ", " : "", s->engines[i]);
			continue;
		}
		for (size_t j = 0; j < s->nb; j++) {
			size_t row = row_for(&t, s, s->benches[j], s->engines[i]);
			rows++;
			for (size_t k = 0; k < s->n; k++) {
				const struct bench_result *b = sweep_bench(s, k, s->engines[i], s->benches[j]);
				double v = b ? sweep_pause_per_op(b) : -1;
				char text[24];
				sig3(v, text, sizeof(text));
				table_set(&t, row, 1 + k, "%s", v >= 0 ? text : "-");
			}
		}
	}
	char note[700];
	snprintf(note, sizeof(note),
		 "spin-waits handed to another vCPU per operation: the multiplexer of interp and bt yields after "
		 "64 PAUSEs in one turn (vcpu.switch.pause, counted between the benchmark's markers)%s%s%s",
		 none[0] ? ". Not counted by " : "", none,
		 none[0] ? ": no such counter (KVM's statistics have no PAUSE-exit count; QEMU reports none)" : "");
	if (rows) {
		section(f, "PAUSE-loop yields per operation", note, &t, NULL);
	} else {
		table_free(&t);
		fprintf(f, "## PAUSE-loop yields per operation\n\nunsupported: %s\n\n", note);
	}
}

static int write_md(const struct sweep *s, const char *dir, const char *plots_note)
{
	struct atomic_file a;
	char path[4200];
	static const struct { const char *base, *caption; } figs[] = {
		{ "sweep-slowdown", "Slowdown versus the lowest overcommit ratio per engine (95% intervals)" },
		{ "sweep-fairness", "Jain's fairness index per engine and overcommit ratio" },
		{ "sweep-latency", "IPI latency per engine and overcommit ratio (p50, p99, p99.9)" },
	};

	snprintf(path, sizeof(path), "%s/report.md", dir);
	if (atomic_open(&a, path) < 0)
		return -1;
	FILE *f = a.f;
	const struct host_info *h = &s->r[0]->host;
	fprintf(f, "# ringbench overcommit sweep\n\n"
		"Host %s (%s, %d CPUs; %s), commit %s. The smp benchmarks at each ratio of vCPUs to host "
		"CPUs: each ratio is one bench run (its own report.md and results.json in the directory "
		"named), the built-in engines pinned with run --host-cpus, QEMU with taskset to the same CPUs.\n\n",
		h->hostname, h->cpu_model, h->ncpus, h->kvm_flavour, h->git_commit);
	fprintf(f, "| ratio | vCPUs | host CPUs | run | engines ok |\n|---:|---:|---:|---|---|\n");
	for (size_t k = 0; k < s->n; k++) {
		const struct run *r = s->r[k];
		char ok[256] = "";
		for (size_t i = 0; i < r->ne; i++)
			if (!strcmp(r->e[i].status, "ok")) {
				size_t l = strlen(ok);
				snprintf(ok + l, sizeof(ok) - l, "%s%s", l ? ", " : "", r->e[i].name);
			}
		fprintf(f, "| %gx | %u | %u | [%s](%s/report.md) | %s |\n", r->overcommit, r->cpus, r->host_cpus,
			s->sub[k], s->sub[k], ok[0] ? ok : "none");
	}
	fputc('\n', f);
	cost_and_slowdown(s, f);
	fairness(s, f);
	latency(s, f);
	pauses(s, f);
	fprintf(f, "## Plots\n\n%s\n", plots_note);
	for (size_t i = 0; i < sizeof(figs) / sizeof(figs[0]); i++) {
		snprintf(path, sizeof(path), "%s/plots/%s.png", dir, figs[i].base);
		if (access(path, R_OK) == 0)
			fprintf(f, "\n![%s](plots/%s.png)\n", figs[i].caption, figs[i].base);
	}
	return atomic_commit(&a);
}

static void csv_num(FILE *f, double v, int have)
{
	if (have)
		fprintf(f, ",%.6g", v);
	else
		fputc(',', f);
}

static int write_csv(const struct sweep *s, const char *dir)
{
	struct atomic_file a;
	char path[4200];

	snprintf(path, sizeof(path), "%s/sweep.csv", dir);
	if (atomic_open(&a, path) < 0)
		return -1;
	fputs("engine,benchmark,overcommit,cpus,host_cpus,status,median_ns,ci95_lo_ns,ci95_hi_ns,"
	      "slowdown,slowdown_lo,slowdown_hi,p50_ns,p99_ns,p999_ns,jain,min_share,pause_yields_per_op\n", a.f);
	for (size_t i = 0; i < s->ne; i++)
		for (size_t j = 0; j < s->nb; j++)
			for (size_t k = 0; k < s->n; k++) {
				const struct run *r = s->r[k];
				struct engine_result *e = run_engine(s->r[k], s->engines[i], 0);
				struct bench_result *raw = e ? engine_bench(e, s->benches[j], 0) : NULL;
				const struct bench_result *b = sweep_bench(s, k, s->engines[i], s->benches[j]);
				struct cost c;
				double x = 0, lo = 0, hi = 0, khz = r->host.tsc_khz;
				int cost = sweep_cost(s, k, s->engines[i], s->benches[j], &c) == 0 && !strcmp(c.unit, "ns");
				int slow = sweep_slowdown(s, k, s->engines[i], s->benches[j], &x, &lo, &hi) == 0;
				double pause = b ? sweep_pause_per_op(b) : -1;
				fprintf(a.f, "%s,%s,%.6g,%u,%u,%s", s->engines[i], s->benches[j], r->overcommit, r->cpus,
					r->host_cpus, raw ? raw->status : e ? e->status : "not-run");
				csv_num(a.f, c.median, cost);
				csv_num(a.f, c.lo, cost);
				csv_num(a.f, c.hi, cost);
				csv_num(a.f, x, slow);
				csv_num(a.f, lo, slow);
				csv_num(a.f, hi, slow);
				for (int q = 0; q < 3; q++)
					csv_num(a.f, b ? b->lat[q] * 1e6 / khz : 0, b && b->lat[q] && khz > 0);
				csv_num(a.f, b ? b->jain_milli / 1000.0 : 0, b && b->jain_milli);
				csv_num(a.f, b ? b->min_share_milli / 1000.0 : 0, b && b->jain_milli);
				csv_num(a.f, pause, pause >= 0);
				fputc('\n', a.f);
			}
	if (ferror(a.f)) {
		atomic_abort(&a);
		return -1;
	}
	return atomic_commit(&a);
}

int report_sweep_write(const char *dir, int no_plots, int terminal)
{
	struct sweep s;
	char err[600], note[600];

	if (sweep_load(&s, dir, err, sizeof(err)) < 0) {
		fprintf(stderr, "ringbench: %s\n", err);
		return -1;
	}
	if (no_plots)
		snprintf(note, sizeof(note), "Plots not drawn (--no-plots); draw them with `./ringbench report %s`.", dir);
	else
		plots_sweep_draw(&s, dir, note, sizeof(note));
	int rc = 0;
	if (write_md(&s, dir, note) < 0 || write_csv(&s, dir) < 0) {
		fprintf(stderr, "ringbench: cannot write %s/report.md or sweep.csv: %s\n", dir, strerror(errno));
		rc = -1;
	}
	if (terminal && !rc)
		printf("Overcommit sweep: %zu ratio(s), %zu engine(s), %zu smp benchmark(s)\n"
		       "Report: %s/report.md; %s/sweep.csv; %s\n", s.n, s.ne, s.nb, dir, dir, note);
	sweep_free(&s);
	return rc;
}
