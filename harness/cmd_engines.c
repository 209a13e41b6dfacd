/* `ringbench engines`: every engine, usable here or not, and why. */
#include <stdio.h>
#include <string.h>

#include "engines/core/status.h"
#include "engines/engine.h"
#include "engines/x86/insn_info.h"
#include "harness/bench.h"
#include "harness/commands.h"

int cmd_engines(int argc, char **argv)
{
	const struct engine_ops *const *list = engine_list();

	if (argc > 1) {
		if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
			printf("usage: ringbench engines [--instructions]\n"
			       "Lists each engine `ringbench bench` can run, built-in and reference,\n"
			       "with 'available' or 'unavailable' and the reason; for kvm, what the\n"
			       "host's KVM really is (VT-x, AMD-V or PVM).\n"
			       "--instructions prints the software engines' instruction table as\n"
			       "Markdown (docs/instructions.md).\n");
			return 0;
		}
		if (!strcmp(argv[1], "--instructions") && argc == 2) {
			x86_insn_table_markdown(stdout);
			return 0;
		}
		fprintf(stderr, "ringbench engines: unknown option '%s'\n", argv[1]);
		return RB_STATUS_USAGE;
	}
	for (unsigned i = 0; list[i]; i++) {
		char why[300] = "";
		bool ok = list[i]->probe(why, sizeof(why));
		printf("%-16s %-11s %s\n", list[i]->name, ok ? "available" : "unavailable", list[i]->summary);
		if (why[0])
			printf("%-16s %-11s %s\n", "", "", why);
	}
	/* The reference engines, as bench would plan them (nothing fetched). */
	struct bench_opts o;
	struct bench_plan plans[BENCH_MAX_PLANS];
	bench_opts_default(&o);
	o.engines = "native,qemu-tcg,qemu-kvm,kvm-amdv-nested";
	o.list_only = 1;
	size_t n = bench_plan_make(&o, plans, BENCH_MAX_PLANS);
	for (size_t i = 0; i < n; i++)
		printf("%-16s %-11s reference: %s\n", plans[i].name,
		       plans[i].available ? "available" : "unavailable", plans[i].note);
	bench_plan_free(plans, n);
	return 0;
}
