/* The trap profile's verdicts from per-operation counters, on counter sets
 * seen on real hosts (the nested AMD-V platform, a PVM host, bt), and the
 * rule that the nested platform's times never reach a cost table. */
#include <string.h>

#include "harness/results.h"
#include "harness/trap_profile.h"
#include "tests/check.h"

static struct run run;

static struct engine_result *engine(const char *name, const char *kind)
{
	struct engine_result *e = run_engine(&run, name, 1);
	strcpy(e->kind, kind);
	e->available = 1;
	strcpy(e->status, "ok");
	return e;
}

/* A measured benchmark of `ops` operations with counters name=value,... */
static void bench(struct engine_result *e, const char *name, const char *klass, uint64_t ops,
		  const char *const *ctr, const double *v)
{
	struct bench_result *b = engine_bench(e, name, 1);
	strcpy(b->klass, klass);
	strcpy(b->status, "ok");
	bench_add_sample(b, 1000, 50000);
	b->span_iters = ops;
	for (size_t i = 0; ctr[i]; i++)
		bench_set_counter(b, ctr[i], v[i] * (double)ops);
}

static enum trap_verdict verdict(const char *engine_name, const char *bench_name, struct trap_cell *c)
{
	struct engine_result *e = run_engine(&run, engine_name, 0);
	trap_profile_cell(e, engine_bench(e, bench_name, 0), c);
	return c->verdict;
}

int main(void)
{
	static const char *const kvm3[] = { "engine.kvm.exits", "engine.emulated_insns", "vm.exits.io", NULL };
	static const char *const bt2[] = { "engine.helper_calls", "vm.exits.io", NULL };
	static const char *const none[] = { "host.task-clock", NULL };
	struct trap_cell c;

	run_init(&run);
	struct engine_result *nested = engine("kvm-amdv-nested", "nested");
	struct engine_result *kvm = engine("kvm", "builtin");
	struct engine_result *bt = engine("bt", "builtin");
	struct engine_result *interp = engine("interp", "builtin");
	strcpy(kvm->note, "PVM (kvm_pvm): no VT-x/AMD-V on this CPU");

	/* Nested AMD-V: CPUID exits once per op and KVM's emulator skips it
	 * (no NRIP save under TCG): a trap, not emulation. */
	bench(nested, "cpuid", "behaviour-sensitive", 59, kvm3, (double[]){ 1.09, 1.07, 0.01 });
	bench(nested, "pio_in", "io", 91, kvm3, (double[]){ 1.05, 0, 1.05 });
	bench(nested, "alu", "unprivileged", 900000, kvm3, (double[]){ 0, 0, 0 });
	bench(nested, "hc_vmcall", "paravirt", 13, kvm3, (double[]){ 1.08, 1.0, 0.08 });
	/* PVM: ring-0 code runs in KVM's emulator, ~12 instructions per op. */
	bench(kvm, "cpuid", "behaviour-sensitive", 3000, kvm3, (double[]){ 0.04, 11.8, 0.003 });
	bench(kvm, "sgdt_user", "sensitive-unprivileged", 3000, kvm3, (double[]){ 0, 0, 0 });
	bench(bt, "cpuid", "behaviour-sensitive", 3000, bt2, (double[]){ 1.0, 0 });
	bench(bt, "alu", "unprivileged", 3000, bt2, (double[]){ 0, 0 });
	bench(bt, "pio_in", "io", 3000, bt2, (double[]){ 0, 1.0 });
	bench(interp, "alu", "unprivileged", 3000, none, (double[]){ 1 });
	run_compute(&run);

	CHECK(verdict("kvm-amdv-nested", "cpuid", &c) == TRAP_TRAP && c.exits > 1.0 && c.emulated > 1.0,
	      "nested AMD-V cpuid: trap (%.2f exits, %.2f emulated per op)", c.exits, c.emulated);
	CHECK(verdict("kvm-amdv-nested", "pio_in", &c) == TRAP_TRAP && c.user_exits > 1.0,
	      "nested AMD-V pio_in: trap reaching user space (%.2f per op)", c.user_exits);
	CHECK(verdict("kvm-amdv-nested", "alu", &c) == TRAP_NATIVE, "nested AMD-V alu: native");
	CHECK(verdict("kvm-amdv-nested", "hc_vmcall", &c) == TRAP_PARAVIRTUAL, "a hypercall is paravirtual");
	CHECK(verdict("kvm", "cpuid", &c) == TRAP_EMULATED, "PVM cpuid: emulated (%.1f instructions per op)", c.emulated);
	CHECK(verdict("kvm", "sgdt_user", &c) == TRAP_NATIVE, "PVM ring-3 sgdt with no exit: native");
	CHECK(verdict("bt", "cpuid", &c) == TRAP_EMULATED && c.helpers == 1.0, "bt cpuid through a helper: emulated");
	CHECK(verdict("bt", "alu", &c) == TRAP_TRANSLATED, "bt alu: translated");
	CHECK(verdict("bt", "pio_in", &c) == TRAP_EMULATED, "bt port input with an exit: emulated");
	CHECK(verdict("interp", "alu", &c) == TRAP_EMULATED, "interp: always emulated");
	CHECK(verdict("interp", "nosuch", &c) == TRAP_NONE, "no benchmark: no verdict");

	const struct engine_result *es[RUN_MAX_ENGINES];
	size_t n = trap_profile_engines(&run, es, RUN_MAX_ENGINES);
	CHECK(n == 4 && es[0] == nested && es[1] == kvm && es[2] == bt && es[3] == interp,
	      "columns: hardware-assisted first (nested, host kvm), then bt, interp (%zu)", n);
	char label[96];
	engine_label(kvm, label, sizeof(label));
	CHECK(!strcmp(label, "kvm (PVM)"), "the host kvm column names its flavour: '%s'", label);
	engine_label(nested, label, sizeof(label));
	CHECK(strstr(label, "AMD-V, nested") != NULL, "the nested column says AMD-V, nested: '%s'", label);

	CHECK(!engine_times_valid(nested) && engine_times_valid(kvm),
	      "the nested platform's times are marked not representative, the host kvm's are not");

	struct table t;
	CHECK(trap_profile_table(&run, &t) >= 5 && t.ncols == 6, "the table has a row per benchmark, a column per technique");
	table_free(&t);
	CHECK(trap_profile_kvm_table(&run, nested, &t) == 4, "KVM statistics table for the nested engine: 4 rows");
	table_free(&t);
	/* Where the exits go: nested pio_in, 1.05 io exits per op, timed. */
	struct bench_result *pio = engine_bench(nested, "pio_in", 0);
	bench_set_counter(pio, "vm.exit_timed.io", 10);
	bench_set_counter(pio, "vm.exit_ticks.io", 10 * 2000);     /* 2000 ticks each */
	run.host.tsc_khz = 2e6;                                  /* 1000 ns */
	size_t rows = trap_profile_exit_table(&run, nested, &t);
	int found = 0;
	for (size_t i = 1; i <= t.nrows; i++)
		found |= !strcmp(t.cell[i * t.ncols], "pio_in") && !strcmp(t.cell[i * t.ncols + 1], "io") &&
			 !strcmp(t.cell[i * t.ncols + 4], "1000");
	CHECK(rows >= 1 && found, "exit breakdown: pio_in io with a mean host time of 1000 ns per exit");
	table_free(&t);
	run_free(&run);
	CHECK_EXIT();
}
