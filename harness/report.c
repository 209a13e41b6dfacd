/* Report tables.  Every cell is either a measurement or says why there is
 * none ("unsupported", "failed: ...", "not run"): a missing number is
 * never silently blank. */
#include "harness/report.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness/atomic.h"
#include "harness/metrics.h"
#include "harness/table.h"
#include "harness/trap_profile.h"

/* Adams & Agesen's rows and the guest benchmark names that measure the
 * same operation, first match wins (microbench/ names them). */
const char *const report_aa_rows[] = {
	"syscall", "in", "cr8wr", "call/ret", "pgfault", "divzero", "ptemod", NULL,
};
static const char *const aa_candidates[][6] = {
	{ "syscall", "int80", NULL },
	{ "pio_in", "in_null", NULL },
	{ "mov_cr8", "cr8_write", NULL },
	{ "callret", NULL },
	{ "pagefault", NULL },
	{ "exc_de", "divzero", NULL },
	{ "ptemod", NULL },
};

static int run_has_bench(const struct run *r, const char *name)
{
	for (size_t i = 0; i < r->ne; i++)
		if (engine_bench((struct engine_result *)&r->e[i], name, 0))
			return 1;
	return 0;
}

const char *report_aa_bench(const struct run *r, const char *aa_row)
{
	for (size_t i = 0; report_aa_rows[i]; i++) {
		if (strcmp(report_aa_rows[i], aa_row))
			continue;
		for (size_t k = 0; aa_candidates[i][k]; k++)
			if (run_has_bench(r, aa_candidates[i][k]))
				return aa_candidates[i][k];
	}
	return NULL;
}

/* Why an engine has no number for a benchmark. */
static void no_value(const struct engine_result *e, const struct bench_result *b,
		     char *out, size_t len)
{
	if (!e->available)
		snprintf(out, len, "unavailable");
	else if (!b && !strcmp(e->name, "native") && !strcmp(e->status, "ok"))
		snprintf(out, len, "no native twin");
	else if (!b)
		snprintf(out, len, strcmp(e->status, "ok") && strcmp(e->status, "running") ?
			 "not run (%s)" : "not run", e->status);
	else if (!strcmp(b->status, "unsupported"))
		snprintf(out, len, "unsupported");
	else if (!strcmp(b->status, "running"))
		snprintf(out, len, "running");
	else
		snprintf(out, len, "%s: %s", !strcmp(b->status, "fail") ? "failed" : b->status,
			 b->reason[0] ? b->reason : "no reason given");
}

static struct bench_result *find(const struct engine_result *e, const char *name)
{
	return engine_bench((struct engine_result *)e, name, 0);
}

enum cell_kind { CELL_NS, CELL_CYCLES, CELL_VS_NATIVE, CELL_VS_KVM, CELL_EXITS, CELL_GIPS };

static void cell(const struct run *r, const struct engine_result *e, const char *bench,
		 enum cell_kind k, char *out, size_t len)
{
	const struct bench_result *b = find(e, bench);
	const struct engine_result *ref;
	double v;

	if (!bench_has_value(b)) {
		no_value(e, b, out, len);
		return;
	}
	struct cost c;
	switch (k) {
	case CELL_NS:
	case CELL_CYCLES:
		bench_cost(r, b, k == CELL_CYCLES, &c);
		cost_format(&c, k == CELL_NS, out, len);
		if (k == CELL_NS && c.resolved && b->st.cv > STATS_CV_WARN)
			snprintf(out + strlen(out), len - strlen(out), " ~");
		return;
	case CELL_VS_NATIVE:
	case CELL_VS_KVM:
		ref = run_engine((struct run *)r, k == CELL_VS_NATIVE ? "native" : "kvm", 0);
		const struct bench_result *rb = ref ? find(ref, bench) : NULL;
		v = ref ? metric_ratio(b, rb) : -1;
		if (v >= 0 && (!b->resolved || !rb->resolved))
			snprintf(out, len, "below resolution");
		else
			snprintf(out, len, v < 0 ? "-" : "%.3gx", v);
		return;
	case CELL_EXITS:
		v = metric_exits_per_op(b);
		snprintf(out, len, v < 0 ? "-" : "%.2f", v);
		return;
	case CELL_GIPS:
		v = metric_guest_ips(b);
		snprintf(out, len, v < 0 ? "-" : "%.0f M/s", v / 1e6);
		return;
	}
}

/* The engines a table of kind k shows: every one for exit counts, only
 * those whose times mean something for times and ratios. */
static size_t table_engines(const struct run *r, enum cell_kind k, const struct engine_result **out)
{
	size_t n = 0;
	for (size_t i = 0; i < r->ne; i++)
		if (k == CELL_EXITS || engine_times_valid(&r->e[i]))
			out[n++] = &r->e[i];
	return n;
}

static void fill_table(const struct run *r, struct table *t, enum cell_kind k,
		       const char **names, size_t n, int with_group)
{
	char buf[320];
	size_t off = with_group ? 2 : 1;
	const struct engine_result *es[RUN_MAX_ENGINES];
	size_t ne = table_engines(r, k, es);

	table_init(t, ne + off);
	table_set(t, 0, 0, "benchmark");
	if (with_group)
		table_set(t, 0, 1, "group/class");
	for (size_t i = 0; i < ne; i++)
		table_set(t, 0, i + off, "%s", es[i]->name);
	for (size_t j = 0; j < n; j++) {
		size_t row = table_add_row(t);
		table_set(t, row, 0, "%s", names[j]);
		for (size_t i = 0; i < ne; i++) {
			const struct bench_result *b = find(es[i], names[j]);
			if (with_group && b && b->group[0])
				table_set(t, row, 1, "%s/%s", b->group, b->klass);
			cell(r, es[i], names[j], k, buf, sizeof(buf));
			table_set(t, row, i + off, "%s", buf);
		}
	}
}

/* Per instruction class (Popek-Goldberg view, docs/DESIGN): geometric
 * mean of ns/op over the class's benchmarks that engine measured. */
static void class_table(const struct run *r, struct table *t)
{
	const struct engine_result *es[RUN_MAX_ENGINES];
	size_t ne = table_engines(r, CELL_NS, es);
	const char *classes[32];
	size_t nc = 0;

	for (size_t i = 0; i < ne; i++)
		for (size_t j = 0; j < es[i]->nb; j++) {
			const char *c = es[i]->b[j].klass;
			size_t k;
			for (k = 0; k < nc && strcmp(classes[k], c); k++)
				;
			if (k == nc && nc < 32 && c[0])
				classes[nc++] = c;
		}
	table_init(t, ne + 1);
	table_set(t, 0, 0, "class");
	for (size_t i = 0; i < ne; i++)
		table_set(t, 0, i + 1, "%s", es[i]->name);
	for (size_t k = 0; k < nc; k++) {
		size_t row = table_add_row(t);
		table_set(t, row, 0, "%s", classes[k]);
		for (size_t i = 0; i < ne; i++) {
			double logsum = 0;
			size_t n = 0;
			for (size_t j = 0; j < es[i]->nb; j++) {
				const struct bench_result *b = &es[i]->b[j];
				if (strcmp(b->klass, classes[k]) || !bench_has_value(b) || b->st.median <= 0 ||
				    bench_is_loop(b->name))
					continue;
				logsum += log(b->st.median);
				n++;
			}
			if (n) {
				double g = exp(logsum / n), ns = run_cycles_to_ns(r, g);
				table_set(t, row, i + 1, "%.1f (%zu)", ns >= 0 ? ns : g, n);
			} else {
				table_set(t, row, i + 1, "-");
			}
		}
	}
}

/* Paravirtual benchmarks against their trapping twins: pv/twin < 1 is
 * what paravirtualisation buys on that engine.  Returns rows. */
static size_t twin_table(const struct run *r, struct table *t)
{
	const struct engine_result *es[RUN_MAX_ENGINES];
	size_t ne = table_engines(r, CELL_NS, es);
	const char **names;
	size_t n = run_bench_names(r, &names);

	table_init(t, ne + 2);
	table_set(t, 0, 0, "paravirtual");
	table_set(t, 0, 1, "twin");
	for (size_t i = 0; i < ne; i++)
		table_set(t, 0, i + 2, "%s", es[i]->name);
	for (size_t j = 0; j < n; j++) {
		const char *twin = NULL;
		for (size_t i = 0; i < ne && !twin; i++) {
			const struct bench_result *b = find(es[i], names[j]);
			if (b && b->twin[0])
				twin = b->twin;
		}
		if (!twin)
			continue;
		size_t row = table_add_row(t);
		table_set(t, row, 0, "%s", names[j]);
		table_set(t, row, 1, "%s", twin);
		for (size_t i = 0; i < ne; i++) {
			const struct bench_result *b = find(es[i], names[j]);
			double v = metric_ratio(b, find(es[i], twin));
			if (v >= 0)
				table_set(t, row, i + 2, "%.2fx", v);
			else if (b && !strcmp(b->status, "unsupported"))
				table_set(t, row, i + 2, "unsupported");
			else
				table_set(t, row, i + 2, "-");
		}
	}
	free(names);
	return t->nrows;
}

static void engines_table(const struct run *r, struct table *t)
{
	table_init(t, 5);
	table_set(t, 0, 0, "engine");
	table_set(t, 0, 1, "status");
	table_set(t, 0, 2, "note");
	table_set(t, 0, 3, "counters (real)");
	table_set(t, 0, 4, "time");
	for (size_t i = 0; i < r->ne; i++) {
		const struct engine_result *e = &r->e[i];
		size_t row = table_add_row(t);
		table_set(t, row, 0, "%s", e->name);
		table_set(t, row, 1, "%s", e->available ? e->status : "unavailable");
		table_set(t, row, 2, "%s%s%s", e->note, e->reason[0] && strcmp(e->status, "ok") ? "; " : "",
			  strcmp(e->status, "ok") ? e->reason : "");
		table_set(t, row, 3, "%s", e->counters_real[0] ? e->counters_real : "-");
		table_set(t, row, 4, e->elapsed_s > 0 ? "%.1f s" : "-", e->elapsed_s);
	}
}

static void aa_table(const struct run *r, struct table *t)
{
	const struct engine_result *es[RUN_MAX_ENGINES];
	size_t ne = table_engines(r, CELL_NS, es);
	char buf[320];

	table_init(t, ne + 2);
	table_set(t, 0, 0, "A&A row");
	table_set(t, 0, 1, "our benchmark");
	for (size_t i = 0; i < ne; i++)
		table_set(t, 0, i + 2, "%s", es[i]->name);
	for (size_t k = 0; report_aa_rows[k]; k++) {
		const char *b = report_aa_bench(r, report_aa_rows[k]);
		size_t row = table_add_row(t);
		table_set(t, row, 0, "%s", report_aa_rows[k]);
		table_set(t, row, 1, "%s", b ? b : "(none in this run)");
		for (size_t i = 0; i < ne; i++) {
			if (b)
				cell(r, es[i], b, CELL_CYCLES, buf, sizeof(buf));
			else
				snprintf(buf, sizeof(buf), "-");
			table_set(t, row, i + 2, "%s", buf);
		}
	}
}

/* Did the reference engine measure anything (else its column is noise)? */
static int engine_measured(const struct run *r, const char *name)
{
	const struct engine_result *e = run_engine((struct run *)r, name, 0);
	for (size_t j = 0; e && j < e->nb; j++)
		if (bench_has_value(&e->b[j]))
			return 1;
	return 0;
}

/* ref / bt for one benchmark; the medians must be clear of zero (the
 * empty loop is subtracted, so a sub-cycle cost is below resolution). */
static void speedup_cell(const struct bench_result *bt, const struct bench_result *ref,
			 char *out, size_t len)
{
	if (!bench_has_value(ref)) {
		snprintf(out, len, ref && !strcmp(ref->status, "unsupported") ? "unsupported" : "-");
		return;
	}
	if (!bt->resolved || !ref->resolved) {
		snprintf(out, len, "below resolution");
		return;
	}
	snprintf(out, len, "%.3gx", ref->st.median / bt->st.median);
}

/* The translator against the engines it is measured against: QEMU's TCG
 * (the other translator), the interpreter, and hardware assistance.
 * Returns rows (0 when bt did not run). */
static size_t bt_table(const struct run *r, struct table *t, const char **names, size_t n)
{
	static const char *const refs[] = { "qemu-tcg", "interp", "kvm" };
	const struct engine_result *bt = run_engine((struct run *)r, "bt", 0);
	const struct engine_result *ref[3];
	double logsum[3] = { 0 };
	size_t nlog[3] = { 0 };
	char buf[64];

	table_init(t, 6);
	if (!bt || !engine_measured(r, "bt"))
		return 0;
	table_set(t, 0, 0, "benchmark");
	table_set(t, 0, 1, "bt cycles");
	for (int k = 0; k < 3; k++) {
		ref[k] = run_engine((struct run *)r, refs[k], 0);
		table_set(t, 0, 2 + k, "%s / bt", refs[k]);
	}
	table_set(t, 0, 5, "class");
	for (size_t j = 0; j < n; j++) {
		const struct bench_result *b = find(bt, names[j]);
		if (!bench_has_value(b))
			continue;
		size_t row = table_add_row(t);
		table_set(t, row, 0, "%s", names[j]);
		char bc[48];
		struct cost c;
		bench_cost(r, b, 1, &c);
		cost_format(&c, 0, bc, sizeof(bc));
		table_set(t, row, 1, "%s", bc);
		table_set(t, row, 5, "%s", b->klass);
		for (int k = 0; k < 3; k++) {
			const struct bench_result *rb = ref[k] ? find(ref[k], names[j]) : NULL;
			speedup_cell(b, rb, buf, sizeof(buf));
			table_set(t, row, 2 + k, "%s", buf);
			if (!strcmp(b->klass, "unprivileged") && buf[strlen(buf) - 1] == 'x' && !bench_is_loop(names[j])) {
				logsum[k] += log(rb->st.median / b->st.median);
				nlog[k]++;
			}
		}
	}
	size_t row = table_add_row(t);
	table_set(t, row, 0, "geometric mean, unprivileged");
	table_set(t, row, 1, "-");
	table_set(t, row, 5, "unprivileged");
	for (int k = 0; k < 3; k++)
		table_set(t, row, 2 + k, nlog[k] ? "%.2fx (%zu)" : "-", exp(logsum[k] / (nlog[k] ? nlog[k] : 1)), nlog[k]);
	return t->nrows;
}

/* Does any benchmark on any engine have this metric? */
static int any_metric(const struct run *r, double (*metric)(const struct bench_result *))
{
	for (size_t i = 0; i < r->ne; i++)
		for (size_t j = 0; j < r->e[i].nb; j++)
			if (metric(&r->e[i].b[j]) >= 0)
				return 1;
	return 0;
}

static int engine_nested_in(const struct run *r)
{
	for (size_t i = 0; i < r->ne; i++)
		if (!engine_times_valid(&r->e[i]))
			return 1;
	return 0;
}

static void header(const struct run *r, FILE *f, int md)
{
	const struct host_info *h = &r->host;
	const char *li = md ? "- " : "  ", *b = md ? "**" : "";

	fprintf(f, "%sringbench run %s (%s)%s\n", md ? "# " : "", r->id, r->state, md ? "\n" : "");
	fprintf(f, "%s%sHost%s: %s, %s, %d CPUs, virtualization flags: %s\n", li, b, b, h->hostname,
		h->cpu_model, h->ncpus, h->cpu_virt);
	fprintf(f, "%s%sKVM flavour%s: %s\n", li, b, b, h->kvm_flavour);
	fprintf(f, "%s%sKernel%s: %s (%s)\n", li, b, b, h->kernel, h->os);
	fprintf(f, "%s%sTSC%s: %.3f MHz (%s)\n", li, b, b, h->tsc_khz / 1e3, h->tsc_source);
	fprintf(f, "%s%sHost counters real%s: %s; unavailable: %s\n", li, b, b,
		h->counters_real[0] ? h->counters_real : "none",
		h->counters_missing[0] ? h->counters_missing : "none");
	fprintf(f, "%s%sCommit%s: %s; started %s, finished %s\n", li, b, b, h->git_commit,
		r->started, r->finished[0] ? r->finished : "-");
	fprintf(f, "%s%sConfig%s: budget %llu ms per repetition, %llu repetitions, %llu warm-up%s%s%s\n",
		li, b, b, (unsigned long long)r->budget_ms, (unsigned long long)r->reps,
		(unsigned long long)r->warmup, r->quick ? " (quick)" : "",
		r->only[0] ? ", only=" : "", r->only);
	if (h->ncpus > 0 && (h->loadavg_start > 0.5 * h->ncpus || h->loadavg_end > 0.5 * h->ncpus + 1))
		fprintf(f, "%s%sWarning%s: the machine was busy (load average %.2f at start, %.2f at end on %d CPUs); expect noise\n",
			li, b, b, h->loadavg_start, h->loadavg_end, h->ncpus);
	fputc('\n', f);
}

/* Precision: how many results reached the target (95% CI of the median
 * within 2% of it), which did not and what to do, and empty loops too
 * noisy to subtract from.  One paragraph, not a line per result. */
static void noise_warnings(const struct run *r, FILE *f, int md)
{
	const struct engine_result *es[RUN_MAX_ENGINES];
	size_t ne = table_engines(r, CELL_NS, es), met = 0, total = 0, listed = 0;
	char worst[1024] = "";

	for (size_t i = 0; i < ne; i++)
		for (size_t j = 0; j < es[i]->nb; j++) {
			const struct bench_result *b = &es[i]->b[j];
			if (!bench_has_value(b))
				continue;
			total++;
			double hw = b->st.median != 0 ? (b->st.ci_hi - b->st.ci_lo) / 2 / fabs(b->st.median + b->loop_cycles) : 0;
			if (!strcmp(b->precision, "met") || (!b->precision[0] && hw <= 0.02)) {
				met++;
				continue;
			}
			size_t l = strlen(worst);
			if (listed++ < 12)
				snprintf(worst + l, sizeof(worst) - l, "%s%s/%s (CV %.0f%%)", l ? ", " : "",
					 es[i]->name, b->name, b->st.cv * 100);
		}
	if (!total)
		return;
	fprintf(f, md ? "## Precision\n\n" : "Precision: ");
	fprintf(f, "%zu of %zu results reached the target (95%% CI of the median within 2%% of it; the guest adds "
		"repetitions until it does, up to 4x --reps).", met, total);
	if (listed)
		fprintf(f, " Capped before it: %s%s. More repetitions (--reps) or a longer budget "
			"(--budget-ms) on a quiet machine narrow them; the CI in each cell is what was reached.",
			worst, listed > 12 ? ", ..." : "");
	fputc('\n', f);
	for (size_t i = 0; i < ne; i++)
		for (size_t j = 0; j < es[i]->nb; j++) {
			const struct bench_result *b = &es[i]->b[j];
			if (!bench_is_loop(b->name) || !bench_has_value(b) || b->st.cv <= STATS_CV_WARN)
				continue;
			fprintf(f, "%sWarning: %s's empty loop %s is noisy (CV %.0f%%): every cost measured against it "
				"on that engine is less certain, and more fall below resolution.\n",
				md ? "\n" : "  ", es[i]->name, b->name, b->st.cv * 100);
		}
	fputc('\n', f);
}

static void section(FILE *f, int md, const char *title, const char *note,
		    struct table *t)
{
	if (md) {
		fprintf(f, "## %s\n\n%s%s", title, note ? note : "", note ? "\n\n" : "");
		table_print_md(t, f);
	} else {
		fprintf(f, "%s%s%s\n", title, note ? " — " : "", note ? note : "");
		table_print_text(t, f);
	}
	fputc('\n', f);
	table_free(t);
}

static void body(const struct run *r, FILE *f, int md)
{
	struct table t;
	const char **names;
	size_t n = run_bench_names(r, &names);

	header(r, f, md);
	engines_table(r, &t);
	section(f, md, "Engines", r->ne && engine_nested_in(r) ?
		"kvm-amdv-nested runs on AMD-V emulated by QEMU's TCG: its exit counts are real AMD-V "
		"behaviour, its times are not representative of hardware and are left out of every cost, "
		"slowdown and speed table and figure" : NULL, &t);
	fill_table(r, &t, CELL_NS, names, n, md);
	section(f, md, "Cost per operation", "ns per operation, median [95% CI], empty loop subtracted, 3 significant digits; "
		"`< x`: not significantly above the empty loop (below resolution), the cost is under x; `~` marks CV above 5%", &t);
	if (engine_measured(r, "native")) {
		fill_table(r, &t, CELL_VS_NATIVE, names, n, 0);
		section(f, md, "Slowdown relative to native", "median ratio", &t);
	}
	if (engine_measured(r, "kvm")) {
		fill_table(r, &t, CELL_VS_KVM, names, n, 0);
		section(f, md, "Slowdown relative to kvm", "median ratio", &t);
	}
	if (any_metric(r, metric_exits_per_op)) {
		fill_table(r, &t, CELL_EXITS, names, n, 0);
		section(f, md, "VM exits per operation", "engine counters between the benchmark markers", &t);
	}
	if (trap_profile_table(r, &t))
		section(f, md, "Trap profile",
			"how each technique handles each operation, from its counters per operation: "
			"native (no exit, no emulation), trap (a VM exit to the hypervisor), emulated "
			"(a software emulator ran it: KVM's instruction emulator, bt's call into the "
			"interpreter's semantics, or the interpreter), translated (bt's translated code, no call-out), "
			"paravirtual (a paravirtual service by design). Numbers per operation: `x` VM exits "
			"(for kvm: KVM's own count, in-kernel and user space), `e` instructions through KVM's emulator, "
			"`h` bt helper calls. kvm-amdv-nested is ringbench's kvm engine on AMD-V emulated by QEMU: "
			"its exit counts are real AMD-V behaviour, its times are not shown anywhere", &t);
	else
		table_free(&t);
	for (size_t i = 0; i < r->ne; i++) {
		char title[160];
		if (!trap_profile_kvm_table(r, &r->e[i], &t)) {
			table_free(&t);
			continue;
		}
		engine_label(&r->e[i], title, sizeof(title));
		size_t l = strlen(title);
		snprintf(title + l, sizeof(title) - l, ": KVM exit statistics per operation");
		section(f, md, title, "KVM's per-vCPU binary statistics between the benchmark markers, per operation "
			"(exits: all VM exits; user: those that reached the VM process; emul: instructions through "
			"KVM's emulator; statistics KVM never moved in this run are left out)", &t);
	}
	if (any_metric(r, metric_guest_ips)) {
		fill_table(r, &t, CELL_GIPS, names, n, 0);
		section(f, md, "Software engine speed",
			"guest instructions retired (engine counter `insns`) per second of the VM process's CPU time (`task-clock`), both between the benchmark markers", &t);
	}
	if (bt_table(r, &t, names, n))
		section(f, md, "Binary translation, side by side",
			"median cost of the other engine over bt's in this run (above 1: bt is faster); "
			"\"below resolution\" where a cost is not significantly above the empty loop's", &t);
	else
		table_free(&t);
	if (twin_table(r, &t))
		section(f, md, "Paravirtual services against their trapping twins",
			"median cost ratio paravirtual / twin; below 1 is the gain", &t);
	else
		table_free(&t);
	class_table(r, &t);
	section(f, md, "Cost by instruction class",
		"geometric mean of ns per operation over the class's measured benchmarks (how many)", &t);
	aa_table(r, &t);
	section(f, md, "Nanobenchmarks after Adams & Agesen (ASPLOS 2006)",
		"TSC cycles per operation, median; their rows, our engines as columns", &t);
	noise_warnings(r, f, md);
	free(names);
}

/* The figures drawn beside report.md (plots/<name>.png), shown in it. */
static void embed_figures(const struct run *r, const char *md_path, FILE *f)
{
	static const struct { const char *base, *caption; } figs[] = {
		{ "cost", "Cost per operation by instruction class (ns, log scale, 95% CI of the median)" },
		{ "trap-profile", "Trap profile: how each technique handles each operation" },
		{ "overhead", "Slowdown against the native twins" },
	};
	char dir[4096], png[4300];
	const char *slash = strrchr(md_path, '/');

	snprintf(dir, sizeof(dir), "%.*s", slash ? (int)(slash - md_path) : 1, slash ? md_path : ".");
	for (size_t k = 0; k < sizeof(figs) / sizeof(figs[0]); k++) {
		snprintf(png, sizeof(png), "%s/plots/%s.png", dir, figs[k].base);
		if (access(png, R_OK) == 0)
			fprintf(f, "\n![%s](plots/%s.png)\n", figs[k].caption, figs[k].base);
	}
	for (size_t i = 0; i < r->ne; i++) {
		snprintf(png, sizeof(png), "%s/plots/exits-%s.png", dir, r->e[i].name);
		if (access(png, R_OK) == 0)
			fprintf(f, "\n![VM exits per operation by reason, %s](plots/exits-%s.png)\n",
				r->e[i].name, r->e[i].name);
	}
}

int report_write_md(const struct run *r, const char *path, const char *plots_note)
{
	struct atomic_file a;

	if (atomic_open(&a, path) < 0)
		return -1;
	body(r, a.f, 1);
	fprintf(a.f, "## Plots\n\n%s\n", plots_note ? plots_note : "not drawn");
	embed_figures(r, path, a.f);
	return atomic_commit(&a);
}

void report_print_terminal(const struct run *r, FILE *f)
{
	body(r, f, 0);
}
