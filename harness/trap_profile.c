/* The trap profile (harness/trap_profile.h): which sensitive operations trap
 * to the VMM under hardware assistance, which KVM emulates, and which the
 * translator rewrites — the classification the suite exists to show. */
#include "harness/trap_profile.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness/metrics.h"
#include "harness/plots.h"

/* A counter per op at or above this is "happens every operation"; the
 * marker writes and timer ticks in a span stay far below it. */
#define PER_OP 0.5

const char *trap_verdict_name(enum trap_verdict v)
{
	static const char *const names[] = { "-", "native", "trap", "emulated", "translated", "paravirtual" };
	return names[v];
}

static int is_hardware(const struct engine_result *e)
{
	return !strcmp(e->kind, "nested") || !strcmp(e->name, "kvm");
}

size_t trap_profile_engines(const struct run *r, const struct engine_result **out, size_t max)
{
	static const char *const order[] = { "nested", "kvm", "bt", "interp" };
	size_t n = 0;

	for (size_t k = 0; k < sizeof(order) / sizeof(order[0]); k++)
		for (size_t i = 0; i < r->ne && n < max; i++) {
			const struct engine_result *e = &r->e[i];
			int match = k == 0 ? !strcmp(e->kind, "nested") : !strcmp(e->name, order[k]);
			if (match && e->available && e->nb)
				out[n++] = e;
		}
	return n;
}

void trap_profile_cell(const struct engine_result *e, const struct bench_result *b, struct trap_cell *c)
{
	memset(c, 0, sizeof(*c));
	c->exits = c->user_exits = c->emulated = c->helpers = -1;
	if (!bench_has_value(b) || !b->nctr)
		return;
	int pv = !strcmp(b->klass, "paravirt");

	if (is_hardware(e)) {
		/* KVM's statistics count every exit; the engine's own counters
		 * only those that returned from KVM_RUN. */
		c->exits = bench_counter_per_op(b, "engine.kvm.exits");
		c->user_exits = metric_exits_per_op(b);
		c->emulated = bench_counter_per_op(b, "engine.emulated_insns");
		if (c->exits < 0)
			c->exits = c->user_exits;
		double x = c->exits > 0 ? c->exits : 0, em = c->emulated > 0 ? c->emulated : 0;
		if (pv)
			c->verdict = TRAP_PARAVIRTUAL;
		/* More instructions through KVM's emulator than exits: the code
		 * itself is emulated (PVM runs guest ring 0 so).  An exit that
		 * emulates its one instruction (MMIO, or skipping a CPUID
		 * without NRIP save) is still a trap. */
		else if (em >= PER_OP && em > x + PER_OP)
			c->verdict = TRAP_EMULATED;
		else if (x >= PER_OP)
			c->verdict = TRAP_TRAP;
		else
			c->verdict = TRAP_NATIVE;
		return;
	}
	c->exits = metric_exits_per_op(b);
	c->user_exits = c->exits;
	if (!strcmp(e->name, "bt")) {
		c->helpers = bench_counter_per_op(b, "engine.helper_calls");
		double h = c->helpers > 0 ? c->helpers : 0, x = c->exits > 0 ? c->exits : 0;
		c->verdict = pv ? TRAP_PARAVIRTUAL : h >= PER_OP || x >= PER_OP ? TRAP_EMULATED : TRAP_TRANSLATED;
		return;
	}
	c->verdict = pv ? TRAP_PARAVIRTUAL : TRAP_EMULATED;     /* interp */
}

/* "trap 1.09x", "emulated 11.8e 1.05x", "emulated 2h 1x", "native". */
static void cell_text(const struct trap_cell *c, char *out, size_t len)
{
	size_t l = (size_t)snprintf(out, len, "%s", trap_verdict_name(c->verdict));
	if (c->emulated >= 0.05 && l < len)
		l += (size_t)snprintf(out + l, len - l, " %.3ge", c->emulated);
	if (c->helpers >= 0.05 && l < len)
		l += (size_t)snprintf(out + l, len - l, " %.3gh", c->helpers);
	if (c->exits >= 0.05 && l < len)
		snprintf(out + l, len - l, " %.3gx", c->exits);
}

size_t trap_profile_table(const struct run *r, struct table *t)
{
	const struct engine_result *es[RUN_MAX_ENGINES];
	size_t ne = trap_profile_engines(r, es, RUN_MAX_ENGINES);
	const char **names;
	size_t n = run_bench_names(r, &names);
	char buf[96];

	table_init(t, ne + 2);
	if (!ne) {
		free(names);
		return 0;
	}
	table_set(t, 0, 0, "benchmark");
	table_set(t, 0, 1, "class");
	for (size_t i = 0; i < ne; i++) {
		engine_label(es[i], buf, sizeof(buf));
		table_set(t, 0, i + 2, "%s", buf);
	}
	for (size_t j = 0; j < n; j++) {
		if (bench_is_loop(names[j]))
			continue;
		size_t row = table_add_row(t);
		table_set(t, row, 0, "%s", names[j]);
		for (size_t i = 0; i < ne; i++) {
			const struct bench_result *b = engine_bench((struct engine_result *)es[i], names[j], 0);
			struct trap_cell c;
			if (b && b->klass[0])
				table_set(t, row, 1, "%s", b->klass);
			trap_profile_cell(es[i], b, &c);
			if (c.verdict == TRAP_NONE)
				snprintf(buf, sizeof(buf), "%s", !b ? "not run" : !strcmp(b->status, "unsupported") ?
					 "unsupported" : !strcmp(b->status, "ok") ? "no counters" : b->status);
			else
				cell_text(&c, buf, sizeof(buf));
			table_set(t, row, i + 2, "%s", buf);
		}
	}
	free(names);
	return t->nrows;
}

/* KVM's per-vCPU statistics worth a column, with short titles. */
static const struct { const char *ctr, *title; } kvm_cols[] = {
	{ "engine.kvm.exits", "exits" },
	{ NULL, "user" },                       /* metric_exits_per_op */
	{ "engine.kvm.io_exits", "io" },
	{ "engine.kvm.mmio_exits", "mmio" },
	{ "engine.kvm.halt_exits", "halt" },
	{ "engine.kvm.irq_exits", "irq" },
	{ "engine.kvm.irq_window_exits", "irqwin" },
	{ "engine.kvm.hypercalls", "hcall" },
	{ "engine.kvm.pf_taken", "pf" },
	{ "engine.emulated_insns", "emul" },
};
#define KVM_COLS (sizeof(kvm_cols) / sizeof(kvm_cols[0]))

/* Did KVM count this statistic at all?  RBH1 lines leave out counters that
 * did not move, so a missing one in a row is a zero if any row has it. */
static int kvm_counted(const struct engine_result *e, const char *ctr)
{
	for (size_t j = 0; j < e->nb; j++)
		if (bench_counter(&e->b[j], ctr) >= 0)
			return 1;
	return 0;
}

size_t trap_profile_kvm_table(const struct run *r, const struct engine_result *e, struct table *t)
{
	size_t cols[KVM_COLS], nc = 0;

	(void)r;
	for (size_t k = 0; k < KVM_COLS; k++)
		if (!kvm_cols[k].ctr || kvm_counted(e, kvm_cols[k].ctr))
			cols[nc++] = k;
	table_init(t, nc + 1);
	if (!kvm_counted(e, "engine.kvm.exits"))
		return 0;
	table_set(t, 0, 0, "benchmark");
	for (size_t c = 0; c < nc; c++)
		table_set(t, 0, c + 1, "%s", kvm_cols[cols[c]].title);
	for (size_t j = 0; j < e->nb; j++) {
		const struct bench_result *b = &e->b[j];
		uint64_t ops = b->span_iters ? b->span_iters : b->total_iters;
		if (!bench_has_value(b) || !b->nctr || !ops)
			continue;
		size_t row = table_add_row(t);
		table_set(t, row, 0, "%s", b->name);
		for (size_t c = 0; c < nc; c++) {
			const char *ctr = kvm_cols[cols[c]].ctr;
			double v = ctr ? bench_counter_per_op(b, ctr) : metric_exits_per_op(b);
			table_set(t, row, c + 1, v < 0.005 ? "0" : "%.2f", v);
		}
	}
	return t->nrows;
}

int trap_profile_write_dat(const struct run *r, const char *path, char *techniques, size_t len)
{
	const struct engine_result *es[RUN_MAX_ENGINES];
	size_t ne = trap_profile_engines(r, es, RUN_MAX_ENGINES);
	const char **names;
	size_t n = run_bench_names(r, &names);
	int rows = 0;
	FILE *f;

	plots_engine_words(es, ne, techniques, len);
	if (!ne || !(f = fopen(path, "w"))) {
		free(names);
		return ne ? -1 : 0;
	}
	/* benchmark, then per technique: verdict (1..5, NaN) and the cell's
	 * text, quoted (gnuplot reads a quoted string as one column). */
	for (size_t j = 0; j < n; j++) {
		if (bench_is_loop(names[j]))
			continue;
		fprintf(f, "%s", names[j]);
		for (size_t i = 0; i < ne; i++) {
			struct trap_cell c;
			char text[96];
			const struct bench_result *b = engine_bench((struct engine_result *)es[i], names[j], 0);
			trap_profile_cell(es[i], b, &c);
			if (c.verdict == TRAP_NONE) {
				fprintf(f, " NaN \"n/a (%s)\"", !b ? "not run" : b->status);
				continue;
			}
			cell_text(&c, text, sizeof(text));
			fprintf(f, " %d \"%s\"", (int)c.verdict, text);
		}
		fputc('\n', f);
		rows++;
	}
	fclose(f);
	free(names);
	return rows;
}

size_t trap_profile_exit_table(const struct run *r, const struct engine_result *e, struct table *t)
{
	double ns_per_tick = r->host.tsc_khz > 0 ? 1e6 / r->host.tsc_khz : 0;

	table_init(t, 5);
	table_set(t, 0, 0, "benchmark");
	table_set(t, 0, 1, "exit reason");
	table_set(t, 0, 2, "per op");
	table_set(t, 0, 3, "share");
	table_set(t, 0, 4, "host ns/exit");
	for (size_t j = 0; j < e->nb; j++) {
		const struct bench_result *b = &e->b[j];
		const char *nm[32];
		double v[32], total = 0;
		if (!bench_has_value(b))
			continue;
		size_t k = metric_exit_reasons(b, nm, v, 32);
		for (size_t a = 0; a < k; a++)
			total += v[a];
		if (total < 0.05)
			continue;       /* no exit of its own: the markers' and ticks' */
		for (size_t a = 0; a < k; a++) {
			char name[64], val[24];
			if (v[a] < 0.05)
				continue;       /* a stray one in the span */
			size_t row = table_add_row(t);
			table_set(t, row, 0, "%s", b->name);
			table_set(t, row, 1, "%s", nm[a]);
			sig3(v[a], val, sizeof(val));
			table_set(t, row, 2, "%s", val);
			table_set(t, row, 3, "%.0f%%", 100 * v[a] / total);
			snprintf(name, sizeof(name), "vm.exit_ticks.%s", nm[a]);
			double ticks = bench_counter(b, name);
			snprintf(name, sizeof(name), "vm.exit_timed.%s", nm[a]);
			double timed = bench_counter(b, name);
			if (ticks > 0 && timed > 0 && ns_per_tick > 0) {
				sig3(ticks / timed * ns_per_tick, val, sizeof(val));
				table_set(t, row, 4, "%s", val);
			} else {
				table_set(t, row, 4, "%s", !strcmp(nm[a], "in-kernel") ? "in KVM" : "n/c");
			}
		}
	}
	return t->nrows;
}
