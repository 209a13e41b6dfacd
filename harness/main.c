/* ringbench: measure how CPU virtualization works and what it costs. */
#include <stdio.h>
#include <string.h>

#include <capstone/capstone.h>
#include <json-c/json.h>

#include "engines/core/status.h"
#include "harness/bench.h"
#include "harness/commands.h"
#include "harness/compare.h"
#include "harness/results.h"

#ifndef RB_VERSION
#define RB_VERSION "unknown"
#endif

static const struct {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *summary;
} commands[] = {
	{ "engines", cmd_engines, "list the engines, whether they are usable here, and why" },
	{ "run", cmd_run, "boot one guest on one engine" },
	{ "bench", cmd_bench, "run the microbenchmarks on every engine; write results, report, plots" },
	{ "report", cmd_report, "redraw the report and plots of a results directory" },
	{ "plot", cmd_plot, "figures for chosen engines and benchmarks at one column width" },
	{ "compare", cmd_compare, "hold a run against a baseline; exit 1 on a regression" },
};

static void usage(FILE *f)
{
	fprintf(f, "usage: ringbench COMMAND [OPTIONS]   (ringbench COMMAND --help for its options)\n"
		   "       ringbench --version\n\ncommands:\n");
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(f, "  %-9s %s\n", commands[i].name, commands[i].summary);
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return RB_STATUS_USAGE;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
		usage(stdout);
		return 0;
	}
	if (!strcmp(argv[1], "--version")) {
		int major, minor;
		cs_version(&major, &minor);
		printf("ringbench %s (results schema %d, result lines RB1), Capstone %d.%d, json-c %s\n",
		       RB_VERSION, RESULTS_SCHEMA_VERSION, major, minor, json_c_version());
		return 0;
	}
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (!strcmp(argv[1], commands[i].name))
			return commands[i].fn(argc - 1, argv + 1);
	fprintf(stderr, "ringbench: unknown command '%s' (try ringbench --help)\n", argv[1]);
	return RB_STATUS_USAGE;
}
