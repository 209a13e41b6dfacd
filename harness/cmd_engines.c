/* `ringbench engines`: every engine, usable here or not, and why. */
#include <stdio.h>
#include <string.h>

#include "engines/core/status.h"
#include "engines/engine.h"
#include "harness/commands.h"

int cmd_engines(int argc, char **argv)
{
	const struct engine_ops *const *list = engine_list();

	if (argc > 1) {
		if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
			printf("usage: ringbench engines\n"
			       "Lists each engine with 'available' or 'unavailable' and the reason;\n"
			       "for kvm, what the host's KVM really is (VT-x, AMD-V or PVM).\n");
			return 0;
		}
		fprintf(stderr, "ringbench engines: unknown option '%s'\n", argv[1]);
		return RB_STATUS_USAGE;
	}
	for (unsigned i = 0; list[i]; i++) {
		char why[300] = "";
		bool ok = list[i]->probe(why, sizeof(why));
		printf("%-7s %-11s %s\n", list[i]->name, ok ? "available" : "unavailable", list[i]->summary);
		if (why[0])
			printf("%-7s %-11s %s\n", "", "", why);
	}
	return 0;
}
