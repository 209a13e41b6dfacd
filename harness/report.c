/* Report tables.  Every cell is either a measurement or says why there is
 * none ("unsupported", "failed: ...", "not run"): a missing number is
 * never silently blank. */
#include "harness/report.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness/atomic.h"
#include "harness/compare.h"
#include "harness/metrics.h"
#include "harness/report_cv.h"
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

/* Footnotes of one table: each distinct reason once, numbered, with the
 * engine/benchmark cells it explains. */
#define MAX_NOTES 24
struct notes {
	size_t n;
	char reason[MAX_NOTES][200];
	char where[MAX_NOTES][240];
};

static size_t note_ref(struct notes *nt, const char *engine, const char *bench, const char *reason)
{
	size_t i;
	for (i = 0; i < nt->n && strcmp(nt->reason[i], reason); i++)
		;
	if (i == nt->n) {
		if (nt->n == MAX_NOTES)
			return 0;
		snprintf(nt->reason[i], sizeof(nt->reason[i]), "%.199s", reason);
		nt->where[i][0] = '\0';
		nt->n++;
	}
	size_t l = strlen(nt->where[i]);
	if (l < sizeof(nt->where[i]) - 40)
		snprintf(nt->where[i] + l, sizeof(nt->where[i]) - l, "%s%s/%s", l ? ", " : "", engine, bench);
	else if (!strstr(nt->where[i], "..."))
		snprintf(nt->where[i] + l, sizeof(nt->where[i]) - l, ", ...");
	return i + 1;
}

static void notes_print(const struct notes *nt, FILE *f, int md)
{
	for (size_t i = 0; i < nt->n; i++)
		fprintf(f, "%s(%zu) %s: %s\n", md ? "- " : "  ", i + 1, nt->where[i], nt->reason[i]);
	if (nt->n)
		fputc('\n', f);
}

/* Why an engine has no number for a benchmark; the reason goes to a
 * footnote when there is one to give. */
static void no_value(const struct engine_result *e, const struct bench_result *b,
		     struct notes *nt, char *out, size_t len)
{
	const char *what, *why;
	char buf[200];

	if (!e->available) {
		what = "unavailable";
		why = e->note;
	} else if (!b && !strcmp(e->name, "native") && !strcmp(e->status, "ok")) {
		snprintf(out, len, "no native twin");
		return;
	} else if (!b) {
		what = "not run";
		snprintf(buf, sizeof(buf), "the engine ended %s before it%s%.150s", e->status,
			 e->reason[0] ? ": " : "", e->reason);
		why = strcmp(e->status, "ok") && strcmp(e->status, "running") ? buf : "";
	} else if (!strcmp(b->status, "unsupported")) {
		what = "unsupported";
		why = b->reason;
	} else if (!strcmp(b->status, "running")) {
		what = "running";
		why = "";
	} else {
		what = !strcmp(b->status, "fail") ? "failed" : b->status;
		why = b->reason[0] ? b->reason : "no reason given";
	}
	size_t k = nt && why[0] ? note_ref(nt, e->name, b ? b->name : "-", why) : 0;
	if (k)
		snprintf(out, len, "%s (%zu)", what, k);
	else
		snprintf(out, len, "%s", what);
}

static struct bench_result *find(const struct engine_result *e, const char *name)
{
	return engine_bench((struct engine_result *)e, name, 0);
}

enum cell_kind { CELL_NS, CELL_CYCLES, CELL_VS_NATIVE, CELL_VS_KVM, CELL_EXITS, CELL_GIPS };

/* a / ref as "1.42x [1.35, 1.50]": the CI from the medians' CIs, the
 * widest the two allow (conservative).  Both must be resolved. */
static void ratio_text(const struct bench_result *a, const struct bench_result *ref, char *out, size_t len)
{
	char m[24], l[24], h[24];

	if (!a->resolved || !ref->resolved || ref->st.median <= 0) {
		snprintf(out, len, "below resolution");
		return;
	}
	sig3(a->st.median / ref->st.median, m, sizeof(m));
	sig3(a->st.ci_lo / ref->st.ci_hi, l, sizeof(l));
	sig3(a->st.ci_hi / ref->st.ci_lo, h, sizeof(h));
	snprintf(out, len, "%sx [%s, %s]", m, l, h);
}

/* Returns 1 when the cell holds a value, 0 when it says why not. */
static int cell(const struct run *r, const struct engine_result *e, const char *bench,
		enum cell_kind k, struct notes *nt, char *out, size_t len)
{
	const struct bench_result *b = find(e, bench);
	const struct engine_result *ref;
	double v;

	if (!bench_has_value(b)) {
		no_value(e, b, nt, out, len);
		return 0;
	}
	struct cost c;
	switch (k) {
	case CELL_NS:
	case CELL_CYCLES:
		bench_cost(r, b, k == CELL_CYCLES, &c);
		cost_format(&c, k == CELL_NS, out, len);
		if (k == CELL_NS && c.resolved && b->st.cv > STATS_CV_WARN)
			snprintf(out + strlen(out), len - strlen(out), " ~");
		return 1;
	case CELL_VS_NATIVE:
	case CELL_VS_KVM:
		ref = run_engine((struct run *)r, k == CELL_VS_NATIVE ? "native" : "kvm", 0);
		const struct bench_result *rb = ref ? find(ref, bench) : NULL;
		if (!bench_has_value(rb)) {
			snprintf(out, len, "n/a");
			return 0;
		}
		ratio_text(b, rb, out, len);
		return 1;
	case CELL_EXITS:
		v = metric_exits_per_op(b);
		snprintf(out, len, v < 0 ? "n/c" : "%.2f", v);
		return v >= 0;
	case CELL_GIPS:
		v = metric_guest_ips(b);
		snprintf(out, len, v < 0 ? "n/c" : "%.0f M/s", v / 1e6);
		return v >= 0;
	}
	return 0;
}

/* The engines a table of kind k shows: every one for exit counts, only
 * those whose times mean something for times and ratios. */
static size_t table_engines(const struct run *r, enum cell_kind k, const struct engine_result **out)
{
	size_t n = 0;
	for (size_t i = 0; i < r->ne; i++) {
		const char *self = k == CELL_VS_NATIVE ? "native" : k == CELL_VS_KVM ? "kvm" : "";
		if (!strcmp(r->e[i].name, self))
			continue;      /* its ratio to itself says nothing */
		if (k == CELL_EXITS || engine_times_valid(&r->e[i]))
			out[n++] = &r->e[i];
	}
	return n;
}

/* Rows where no engine has a value are left out (they would say nothing
 * but "n/a"); footnotes, when nt is given, collect the reasons. */
static void fill_table(const struct run *r, struct table *t, enum cell_kind k,
		       const char **names, size_t n, int with_group, struct notes *nt)
{
	char buf[320];
	size_t off = with_group ? 2 : 1;
	const struct engine_result *es[RUN_MAX_ENGINES];
	size_t ne = table_engines(r, k, es);

	table_init(t, ne + off);
	table_set(t, 0, 0, "benchmark");
	if (with_group)
		table_set(t, 0, 1, "group/class");
	for (size_t i = 0; i < ne; i++) {
		engine_label(es[i], buf, sizeof(buf));
		table_set(t, 0, i + off, "%s", buf);
	}
	for (size_t j = 0; j < n; j++) {
		int any = 0;
		for (size_t i = 0; i < ne; i++)
			any |= cell(r, es[i], names[j], k, NULL, buf, sizeof(buf));
		if (!any && k != CELL_NS)
			continue;
		size_t row = table_add_row(t);
		table_set(t, row, 0, "%s", names[j]);
		for (size_t i = 0; i < ne; i++) {
			const struct bench_result *b = find(es[i], names[j]);
			if (with_group && b && b->group[0])
				table_set(t, row, 1, "%s/%s", b->group, b->klass);
			cell(r, es[i], names[j], k, nt, buf, sizeof(buf));
			table_set(t, row, i + off, "%s", buf);
		}
	}
}

/* Per instruction class (Popek-Goldberg view, docs/DESIGN): geometric
 * mean of ns/op over the same benchmarks for every engine — those of the
 * class that every engine measuring anything of the class resolved — so
 * the columns compare like with like.  An engine that measured none of
 * the class says so. */
void report_class_table(const struct run *r, struct table *t)
{
	const struct engine_result *es[RUN_MAX_ENGINES];
	size_t ne = table_engines(r, CELL_NS, es);
	const char *classes[32];
	size_t nc = 0;
	char buf[96];

	for (size_t i = 0; i < ne; i++)
		for (size_t j = 0; j < es[i]->nb; j++) {
			const char *c = es[i]->b[j].klass;
			size_t k;
			for (k = 0; k < nc && strcmp(classes[k], c); k++)
				;
			if (k == nc && nc < 32 && c[0])
				classes[nc++] = c;
		}
	table_init(t, ne + 2);
	table_set(t, 0, 0, "class");
	table_set(t, 0, 1, "benchmarks");
	for (size_t i = 0; i < ne; i++) {
		engine_label(es[i], buf, sizeof(buf));
		table_set(t, 0, i + 2, "%s", buf);
	}
	for (size_t k = 0; k < nc; k++) {
		int in[RUN_MAX_ENGINES];
		/* Engines that measured anything of the class. */
		for (size_t i = 0; i < ne; i++) {
			in[i] = 0;
			for (size_t j = 0; j < es[i]->nb; j++)
				in[i] |= !strcmp(es[i]->b[j].klass, classes[k]) && bench_has_value(&es[i]->b[j]) &&
					 !bench_is_loop(es[i]->b[j].name);
		}
		/* The benchmarks all of them resolved. */
		const char *set[64];
		size_t ns = 0;
		for (size_t i = 0; i < ne && !ns; i++)
			for (size_t j = 0; in[i] && j < es[i]->nb && ns < 64; j++) {
				const struct bench_result *b = &es[i]->b[j];
				if (strcmp(b->klass, classes[k]) || bench_is_loop(b->name))
					continue;
				int all = 1;
				for (size_t m = 0; m < ne; m++) {
					const struct bench_result *o = find(es[m], b->name);
					all &= !in[m] || (bench_has_value(o) && o->resolved);
				}
				if (all)
					set[ns++] = b->name;
			}
		size_t row = table_add_row(t);
		table_set(t, row, 0, "%s", classes[k]);
		table_set(t, row, 1, "%zu", ns);
		for (size_t i = 0; i < ne; i++) {
			if (!in[i]) {
				table_set(t, row, i + 2, "none measured");
			} else if (!ns) {
				table_set(t, row, i + 2, "no common set");
			} else {
				double logsum = 0;
				for (size_t m = 0; m < ns; m++)
					logsum += log(find(es[i], set[m])->st.median);
				double g = exp(logsum / ns), v = run_cycles_to_ns(r, g);
				sig3(v >= 0 ? v : g, buf, sizeof(buf));
				table_set(t, row, i + 2, "%s", buf);
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

	char buf[96];
	table_init(t, ne + 2);
	table_set(t, 0, 0, "paravirtual");
	table_set(t, 0, 1, "twin");
	for (size_t i = 0; i < ne; i++) {
		engine_label(es[i], buf, sizeof(buf));
		table_set(t, 0, i + 2, "%s", buf);
	}
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
			const struct bench_result *b = find(es[i], names[j]), *tw = find(es[i], twin);
			if (bench_has_value(b) && bench_has_value(tw))
				ratio_text(b, tw, buf, sizeof(buf));
			else if (!bench_has_value(b))
				no_value(es[i], b, NULL, buf, sizeof(buf));
			else
				snprintf(buf, sizeof(buf), "twin %s", tw ? tw->status : "not run");
			table_set(t, row, i + 2, "%s", buf);
		}
	}
	free(names);
	return t->nrows;
}

static int engine_nested_in(const struct run *r)
{
	for (size_t i = 0; i < r->ne; i++)
		if (!engine_times_valid(&r->e[i]))
			return 1;
	return 0;
}

static void engines_section(const struct run *r, FILE *f, int md)
{
	struct table t;
	char label[96];

	table_init(&t, 4);
	table_set(&t, 0, 0, "engine");
	table_set(&t, 0, 1, "status");
	table_set(&t, 0, 2, "time");
	table_set(&t, 0, 3, "benchmarks ok");
	for (size_t i = 0; i < r->ne; i++) {
		const struct engine_result *e = &r->e[i];
		size_t row = table_add_row(&t), ok = 0;
		for (size_t j = 0; j < e->nb; j++)
			ok += !strcmp(e->b[j].status, "ok");
		engine_label(e, label, sizeof(label));
		table_set(&t, row, 0, "%s", label);
		table_set(&t, row, 1, "%s", e->available ? e->status : "unavailable");
		if (e->elapsed_s > 0)
			table_set(&t, row, 2, "%.1f s", e->elapsed_s);
		else
			table_set(&t, row, 2, "not run");
		table_set(&t, row, 3, "%zu of %zu", ok, e->nb);
	}
	fprintf(f, md ? "## Engines\n\n" : "Engines\n");
	if (md)
		table_print_md(&t, f);
	else
		table_print_text(&t, f);
	table_free(&t);
	fputc('\n', f);
	for (size_t i = 0; i < r->ne; i++) {
		const struct engine_result *e = &r->e[i];
		int bad = strcmp(e->status, "ok") && e->reason[0];
		fprintf(f, "%s%s: %s%s%s%s%s\n", md ? "- " : "  ", e->name, e->note,
			bad ? "; " : "", bad ? e->reason : "",
			e->counters_real[0] ? "; host counters: " : "", e->counters_real);
	}
	if (engine_nested_in(r))
		fprintf(f, "%s\nkvm-amdv-nested runs on AMD-V emulated by QEMU's TCG: its exit counts are real AMD-V "
			"behaviour, its times are not representative of hardware and are left out of every cost, "
			"slowdown and speed table and figure.\n", md ? "" : "  ");
	fputc('\n', f);
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
				cell(r, es[i], b, CELL_CYCLES, NULL, buf, sizeof(buf));
			else
				snprintf(buf, sizeof(buf), "none in this run");
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

/* ref / bt for one benchmark, and in brackets the ratio's 95% CI
 * (compare_ratio: the ratio of the medians' far CI ends; one that holds 1
 * does not tell the engines apart).  Both must be resolved (the empty
 * loop is subtracted, so a sub-cycle cost is below resolution).  1 when a
 * ratio was written. */
static int speedup_cell(const struct run *r, const struct bench_result *bt, const struct bench_result *ref,
			char *out, size_t len)
{
	if (!bench_has_value(ref)) {
		snprintf(out, len, ref && !strcmp(ref->status, "unsupported") ? "unsupported" : "-");
		return 0;
	}
	if (!bt->resolved || !ref->resolved) {
		snprintf(out, len, "below resolution");
		return 0;
	}
	char q[24], lo[24], hi[24];
	double ratio, rlo, rhi;
	if (compare_ratio(r, bt, r, ref, &ratio, &rlo, &rhi) == 0) {
		sig3(ratio, q, sizeof(q));
		sig3(rlo, lo, sizeof(lo));
		sig3(rhi, hi, sizeof(hi));
		snprintf(out, len, "%sx [%s, %s]", q, lo, hi);
	} else {
		sig3(ref->st.median / bt->st.median, q, sizeof(q));
		snprintf(out, len, "%sx", q);
	}
	return 1;
}

/* An engine cannot run an operation faster than the host CPU does: a cost
 * clearly below native's (its CI entirely under native's) means the
 * operation overlapped that engine's slower empty loop, which the
 * subtraction then removed with it (QEMU's alu chain under its TB
 * overhead).  Such a ratio says nothing about the operation. */
static int below_native(const struct bench_result *b, const struct bench_result *native)
{
	return bench_has_value(b) && bench_has_value(native) && b->resolved && native->resolved &&
	       b->st.ci_hi < native->st.ci_lo;
}

/* An operation bt translated inline: whether it also reached a device or
 * the TLB code directly, from bt's counters. */
static const char *inline_kind(const struct bench_result *b)
{
	if (bench_counter_per_op(b, "engine.bt.mmio_in_place") >= 0.5)
		return "inline, MMIO in place";
	if (bench_counter_per_op(b, "engine.bt.pio_in_place") >= 0.5)
		return "inline, port I/O in place";
	if (bench_counter_per_op(b, "engine.bt.hc_in_place") >= 0.5)
		return "inline, hypercall in place";
	if (bench_counter_per_op(b, "engine.bt.tlb_ops") >= 0.5)
		return "inline, TLB code called";
	return "inline";
}

/* The translator against the engines it is measured against: QEMU's TCG
 * (the other translator), the interpreter, and hardware assistance.
 * Returns rows (0 when bt did not run). */
static size_t bt_table(const struct run *r, struct table *t, const char **names, size_t n)
{
	static const char *const refs[] = { "qemu-tcg", "interp", "kvm" };
	const struct engine_result *bt = run_engine((struct run *)r, "bt", 0);
	const struct engine_result *ref[3];
	const struct engine_result *native = run_engine((struct run *)r, "native", 0);
	double logsum[3] = { 0 }, clean_logsum[3] = { 0 };
	size_t nlog[3] = { 0 }, clean_nlog[3] = { 0 }, marked = 0;
	char buf[96];

	table_init(t, 7);
	if (!bt || !engine_measured(r, "bt"))
		return 0;
	table_set(t, 0, 6, "bt");
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
		const struct bench_result *nb = native ? find(native, names[j]) : NULL;
		table_set(t, row, 1, "%s%s", bc, below_native(b, nb) ? " (below native)" : "");
		table_set(t, row, 5, "%s", b->klass);
		/* Translated inline or called out, from bt's counters: helper
		 * calls, and what else runs the shared handler: TLB slow paths
		 * (MMIO), instructions the dispatcher steps with the
		 * interpreter, indirect branches the jump cache missed. */
		static const char *const out[] = { "engine.bt.tlb_slow", "engine.bt.interp_steps",
						   "engine.bt.jc_misses" };
		double h = bench_counter_per_op(b, "engine.helper_calls");
		for (size_t k = 0; k < sizeof(out) / sizeof(out[0]); k++) {
			double v = bench_counter_per_op(b, out[k]);
			if (v > 0)
				h = (h > 0 ? h : 0) + v;
		}
		if (h >= 0.5)
			table_set(t, row, 6, "call %.3g/op", h);
		else
			table_set(t, row, 6, "%s", h < 0 ? "-" : inline_kind(b));
		for (int k = 0; k < 3; k++) {
			const struct bench_result *rb = ref[k] ? find(ref[k], names[j]) : NULL;
			int ratio = speedup_cell(r, b, rb, buf, sizeof(buf));
			int mark = ratio && below_native(rb, nb);
			table_set(t, row, 2 + k, "%s%s", buf, mark ? " (below native)" : "");
			marked += mark;
			if (!strcmp(b->klass, "unprivileged") && ratio && !bench_is_loop(names[j])) {
				logsum[k] += log(rb->st.median / b->st.median);
				nlog[k]++;
				if (!mark && !below_native(b, nb)) {
					clean_logsum[k] += log(rb->st.median / b->st.median);
					clean_nlog[k]++;
				}
			}
		}
	}
	size_t row = table_add_row(t);
	table_set(t, row, 0, "geometric mean, unprivileged");
	table_set(t, row, 1, "-");
	table_set(t, row, 5, "unprivileged");
	table_set(t, row, 6, "-");
	for (int k = 0; k < 3; k++)
		table_set(t, row, 2 + k, nlog[k] ? "%.2fx (%zu)" : "-", exp(logsum[k] / (nlog[k] ? nlog[k] : 1)), nlog[k]);
	if (marked) {
		row = table_add_row(t);
		table_set(t, row, 0, "... without rows below native");
		table_set(t, row, 1, "-");
		table_set(t, row, 5, "unprivileged");
		table_set(t, row, 6, "-");
		for (int k = 0; k < 3; k++)
			table_set(t, row, 2 + k, clean_nlog[k] ? "%.2fx (%zu)" : "-",
				  exp(clean_logsum[k] / (clean_nlog[k] ? clean_nlog[k] : 1)), clean_nlog[k]);
	}
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
	char rounds[160] = "";
	if (r->rounds > 1)
		snprintf(rounds, sizeof(rounds), " in %u rounds (each engine run %u times, the engines in "
			 "turn each round; its samples pooled)", r->rounds, r->rounds);
	fprintf(f, "%s%sConfig%s: budget %llu ms per repetition, %llu repetitions%s, %llu warm-up%s%s%s\n",
		li, b, b, (unsigned long long)r->budget_ms, (unsigned long long)r->reps, rounds,
		(unsigned long long)r->warmup, r->quick ? " (quick)" : "",
		r->only[0] ? ", only=" : "", r->only);
	if (h->ncpus > 0 && (h->loadavg_start > 0.5 * h->ncpus || h->loadavg_end > 0.5 * h->ncpus + 1))
		fprintf(f, "%s%sWarning%s: the machine was busy (load average %.2f at start, %.2f at end on %d CPUs); expect noise\n",
			li, b, b, h->loadavg_start, h->loadavg_end, h->ncpus);
	fputc('\n', f);
}

/* The empty loops run beside the repetitions: name the benchmarks whose
 * own baseline was noisy (CV above 5%). */
static void paired_baseline_warning(const struct engine_result *e, FILE *f, int md)
{
	size_t n = 0;

	for (size_t j = 0; j < e->nb; j++)
		n += bench_has_value(&e->b[j]) && e->b[j].paired && e->b[j].empty_cv > STATS_CV_WARN;
	if (!n)
		return;
	fprintf(f, "%sWarning: %s: the empty loop paired with %zu benchmark(s) was noisy (CV above %.0f%%), "
		"so their costs are less certain:", md ? "\n" : "  ", e->name, n, STATS_CV_WARN * 100);
	for (size_t j = 0, k = 0; j < e->nb; j++) {
		const struct bench_result *b = &e->b[j];
		if (!bench_has_value(b) || !b->paired || b->empty_cv <= STATS_CV_WARN)
			continue;
		if (k++ == 12) {
			fputs(", ...", f);
			break;
		}
		fprintf(f, "%s %s (%.0f%%)", k > 1 ? "," : "", b->name, b->empty_cv * 100);
	}
	fputs(".\n", f);
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
	for (size_t i = 0; i < ne; i++)
		paired_baseline_warning(es[i], f, md);
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

/* A section whose cells may point to footnotes (the reasons). */
static void section_notes(FILE *f, int md, const char *title, const char *note,
			  struct table *t, const struct notes *nt)
{
	section(f, md, title, note, t);
	notes_print(nt, f, md);
}

/* One section per engine that build() has rows for (times_only: engines
 * whose times mean something), titled by its label and the suffix. */
static void per_engine_sections(const struct run *r, FILE *f, int md,
				size_t (*build)(const struct run *, const struct engine_result *, struct table *),
				int times_only, const char *suffix, const char *note)
{
	struct table t;

	for (size_t i = 0; i < r->ne; i++) {
		char title[160];
		if (times_only && !engine_times_valid(&r->e[i]))
			continue;
		if (!build(r, &r->e[i], &t)) {
			table_free(&t);
			continue;
		}
		engine_label(&r->e[i], title, sizeof(title));
		size_t l = strlen(title);
		snprintf(title + l, sizeof(title) - l, "%s", suffix);
		section(f, md, title, note, &t);
	}
}

/* Every symbol and term the report uses, once, before the tables. */
static void legend(FILE *f, int md)
{
	static const char *const items[] = {
		"**Units**: each table says its unit in its caption: ns per operation (TSC cycles at the "
		"host's TSC frequency), TSC cycles per operation, counts per operation, or ratios.",
		"**median [lo, hi]**: the median over repetitions and its 95% confidence interval "
		"(order statistics: distribution-free).",
		"**`< x`**: below resolution: the cost is not significantly above the empty loop's "
		"(its CI does not clear the loop's own CI half-width), so only this upper bound is known.",
		"**`~`**: noisy, coefficient of variation (CV = standard deviation / mean over the "
		"repetitions) above 5%.",
		"**`1.42x [1.35, 1.50]`**: a ratio of medians with the widest interval the two CIs allow.",
		"**`(n)`**: footnote n below the table gives the reason (unsupported, failed, not run).",
		"**unsupported**: the guest found the operation impossible on that engine or host (the reason says why); "
		"**unavailable**: the engine cannot run here; **n/a**: no value to compare with; "
		"**n/c**: the engine does not count this.",
		"**empty loop** (`loop`, ring 3; `loop_k`, ring 0): the timing loop with nothing in it; its "
		"median is subtracted from every benchmark of the same ring.",
		"**twin**: the trapping operation a paravirtual benchmark replaces (`hc_vmcall` vs `cpuid`, "
		"`vif` vs `cli_sti`, `pte_batch` vs `ptemod`); **vif**: a virtual interrupt flag in memory "
		"shared with the VMM instead of CLI/STI.",
		"**class**: privileged (traps outside ring 0), control-sensitive, behaviour-sensitive, "
		"sensitive-unprivileged (the x86 cases that break classic trap-and-emulate), io, interrupt, "
		"paravirt, unprivileged.",
		"**kvm (PVM)**, **kvm (VT-x)**, **kvm (AMD-V)**: the host's KVM and what it really is; "
		"**kvm-amdv-nested**: ringbench's kvm engine on AMD-V emulated by QEMU (exit counts only).",
	};
	fprintf(f, md ? "## How to read this report\n\n" : "How to read this report:\n");
	for (size_t i = 0; i < sizeof(items) / sizeof(items[0]); i++)
		fprintf(f, "- %s\n", items[i]);
	fputc('\n', f);
}

static void body(const struct run *r, FILE *f, int md)
{
	struct table t;
	struct notes nt;
	const char **names;
	size_t n = run_bench_names(r, &names);

	header(r, f, md);
	legend(f, md);
	engines_section(r, f, md);
	memset(&nt, 0, sizeof(nt));
	fill_table(r, &t, CELL_NS, names, n, 0, &nt);
	section_notes(f, md, "Cost per operation", "ns per operation, median [95% CI], empty loop subtracted, "
		      "3 significant digits", &t, &nt);
	if (engine_measured(r, "native")) {
		fill_table(r, &t, CELL_VS_NATIVE, names, n, 0, NULL);
		section(f, md, "Slowdown relative to native", "ratio of medians, engine / native, [95% CI]; "
			"benchmarks with a native twin", &t);
	}
	if (engine_measured(r, "kvm")) {
		fill_table(r, &t, CELL_VS_KVM, names, n, 0, NULL);
		section(f, md, "Slowdown relative to kvm", "ratio of medians, engine / kvm, [95% CI]", &t);
	}
	report_class_table(r, &t);
	section(f, md, "Cost by instruction class",
		"ns per operation: geometric mean of the medians over the same benchmarks for every engine "
		"(those of the class every engine that measured the class resolved; how many in `benchmarks`)", &t);
	if (any_metric(r, metric_exits_per_op)) {
		memset(&nt, 0, sizeof(nt));
		fill_table(r, &t, CELL_EXITS, names, n, 0, &nt);
		section_notes(f, md, "VM exits per operation", "count per operation: the exits that reached the VM "
			      "process between the benchmark markers, counted by its dispatcher (for kvm the trap "
			      "profile below adds those KVM handled in the kernel)", &t, &nt);
	}
	if (trap_profile_table(r, &t))
		section(f, md, "Trap profile",
			"how each technique handles each operation, from its counters per operation: "
			"native (no exit, no emulation), trap (a VM exit to the hypervisor), emulated "
			"(a software emulator ran it: KVM's instruction emulator, bt's call into the "
			"interpreter's semantics, or the interpreter), translated (bt's translated code, no call-out), "
			"paravirtual (a paravirtual service by design). Numbers per operation: `x` VM exits "
			"(for kvm: KVM's own count, in-kernel and user space), `e` instructions through KVM's emulator, "
			"`h` bt helper calls", &t);
	else
		table_free(&t);
	per_engine_sections(r, f, md, trap_profile_kvm_table, 0, ": KVM exit statistics per operation",
			    "count per operation: KVM's per-vCPU binary statistics between the benchmark "
			    "markers (exits: all VM exits; user: those that reached the VM process; emul: instructions "
			    "through KVM's emulator; statistics KVM never moved in this run are left out)");
	per_engine_sections(r, f, md, trap_profile_exit_table, 1, ": where the exits go",
			    "per benchmark with exits (at least 0.05 per operation), each exit reason: "
			    "count per operation, its share of the benchmark's exits, and the mean host ns the VM core "
			    "spent on one (its dispatcher times one exit in 16; in-kernel: KVM handled them, "
			    "their time is inside the operation's)");
	if (any_metric(r, metric_guest_ips)) {
		fill_table(r, &t, CELL_GIPS, names, n, 0, NULL);
		section(f, md, "Software engine speed",
			"million guest instructions per second: instructions retired (engine counter `insns`) per "
			"second of the VM process's CPU time (`task-clock`), both between the benchmark markers", &t);
	}
	if (bt_table(r, &t, names, n))
		section(f, md, "Binary translation, side by side",
			"TSC cycles per operation for bt, then the ratio of the other engine's median over bt's "
			"in this run (above 1: bt is faster) and its 95% CI [the ratio of the medians' far CI ends: "
			"one that holds 1 does not tell the two apart]; last, whether bt translated the operation inline "
			"or called out to the shared handler (helper_calls + bt.tlb_slow + bt.interp_steps + "
			"bt.jc_misses per operation; \"in place\": the quiet device's access made from the translated "
			"instruction, bt.mmio_in_place, bt.pio_in_place or bt.hc_in_place; \"TLB code called\": INVLPG or MOV CR3 "
			"calls the shared TLB code with no helper around it, bt.tlb_ops); \"below native\": that engine's cost is under the host CPU's "
			"own (95% CIs apart), so the operation hid in its slower empty loop and the ratio says "
			"nothing about it (the second geometric mean leaves such rows out, either side)", &t);
	else
		table_free(&t);
	if (report_smp_latency(r, &t))
		section(f, md, "CPU sharing: latency distributions",
			"the smp benchmarks (guest vCPUs: bench --cpus; QEMU -smp): ns per operation, the median of "
			"the repetitions' means with the empty loop subtracted, then percentiles of single "
			"operations (the guest times each one; a 1/8-octave histogram, so within 9%, loop not "
			"subtracted); for fairness, Jain's index over the vCPUs' counts in equal windows (1: "
			"equal shares, 1/N: one vCPU had it all) and the smallest share of the mean; for steal_time, "
			"the vCPUs' mean share of the window they were runnable but not running (KVM steal time)", &t);
	else
		table_free(&t);
	if (twin_table(r, &t))
		section(f, md, "Paravirtual services against their trapping twins",
			"ratio of medians paravirtual / twin [95% CI]; below 1 is the gain", &t);
	else
		table_free(&t);
	aa_table(r, &t);
	section(f, md, "Nanobenchmarks after Adams & Agesen (ASPLOS 2006)",
		"TSC cycles per operation, median; their rows, our engines as columns", &t);
	noise_warnings(r, f, md);
	report_cv_goal(r, f, md);
	free(names);
}

/* The figures drawn beside report.md (plots/<name>.png), shown in it. */
static void embed_figures(const struct run *r, const char *md_path, FILE *f)
{
	static const struct { const char *base, *caption; } figs[] = {
		{ "cost", "Cost per operation by instruction class (ns, log scale, 95% CI of the median)" },
		{ "trap-profile", "Trap profile: how each technique handles each operation" },
		{ "aa", "Adams & Agesen's nanobenchmarks: binary translation against hardware assistance (TSC cycles)" },
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

void report_print_full(const struct run *r, FILE *f)
{
	body(r, f, 0);
}
