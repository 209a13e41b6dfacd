/* `ringbench plot`: the figures of a run for a paper — chosen engines and
 * benchmarks, at one column width — without touching the run's own report
 * and plots. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "harness/commands.h"
#include "harness/plots.h"
#include "harness/results.h"
#include "harness/results_json.h"

static void usage(FILE *f)
{
	fprintf(f, "usage: ringbench plot [--engines LIST] [--only LIST] [--size single|double]\n"
		   "                      [--out DIR] [RUN_DIR]\n"
		   "Draws the figures of a results directory (default results/latest) for the engines\n"
		   "and the benchmarks or groups named (comma lists; default all), every figure at\n"
		   "single-column (3.3 in) or double-column (7 in) width, as PDF, PNG and SVG into\n"
		   "DIR/plots (default RUN_DIR/custom/plots).\n");
}

/* Is name (or its group) in the comma list?  NULL list: everything. */
static int listed(const char *list, const char *name, const char *group)
{
	if (!list)
		return 1;
	char buf[1024];
	snprintf(buf, sizeof(buf), "%s", list);
	for (char *save, *t = strtok_r(buf, ",", &save); t; t = strtok_r(NULL, ",", &save))
		if (!strcmp(t, name) || (group && !strcmp(t, group)))
			return 1;
	return 0;
}

/* Keep the engines and benchmarks asked for; the empty loops stay, every
 * cost is measured against them.  Returns how many benchmarks are left. */
static size_t select_results(struct run *r, const char *engines, const char *only)
{
	size_t ne = 0, kept = 0;

	for (size_t i = 0; i < r->ne; i++) {
		struct engine_result *e = &r->e[i];
		if (!listed(engines, e->name, NULL)) {
			for (size_t j = 0; j < e->nb; j++) {
				free(e->b[j].iters); free(e->b[j].cycles); free(e->b[j].ctr); free(e->b[j].outlier);
			}
			free(e->b);
			continue;
		}
		size_t nb = 0;
		for (size_t j = 0; j < e->nb; j++) {
			struct bench_result *b = &e->b[j];
			if (bench_is_loop(b->name) || listed(only, b->name, b->group)) {
				e->b[nb++] = *b;
				kept += !bench_is_loop(b->name);
			} else {
				free(b->iters); free(b->cycles); free(b->ctr); free(b->outlier);
			}
		}
		e->nb = nb;
		r->e[ne++] = *e;
	}
	r->ne = ne;
	return kept;
}

int cmd_plot(int argc, char **argv)
{
	const char *engines = NULL, *only = NULL, *size = NULL, *out = NULL, *dir = NULL;
	char path[4200], err[512], note[600];

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		int has = i + 1 < argc;
		if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
			usage(stdout);
			return 0;
		} else if (!strcmp(a, "--engines") && has) {
			engines = argv[++i];
		} else if (!strcmp(a, "--only") && has) {
			only = argv[++i];
		} else if (!strcmp(a, "--size") && has) {
			size = argv[++i];
		} else if (!strcmp(a, "--out") && has) {
			out = argv[++i];
		} else if (a[0] != '-' && !dir) {
			dir = a;
		} else {
			fprintf(stderr, "ringbench plot: %s '%s'\n", a[0] == '-' && !has ?
				"option needs a value:" : "unknown argument", a);
			usage(stderr);
			return 2;
		}
	}
	if (size && strcmp(size, "single") && strcmp(size, "double")) {
		fprintf(stderr, "ringbench plot: --size is 'single' or 'double', not '%s'\n", size);
		return 2;
	}
	if (!dir)
		dir = "results/latest";
	struct run *r = calloc(1, sizeof(*r));
	if (!r)
		return 1;
	snprintf(path, sizeof(path), "%s/results.json", dir);
	if (results_json_load(r, path, err, sizeof(err)) < 0) {
		fprintf(stderr, "ringbench plot: %s\n", err);
		free(r);
		return 1;
	}
	size_t kept = select_results(r, engines, only);
	if (!r->ne || !kept) {
		fprintf(stderr, "ringbench plot: %s\n", !r->ne ? "no engine of the run matches --engines"
			: "no benchmark of the run matches --only");
		run_free(r);
		free(r);
		return 2;
	}
	run_compute(r);
	char outdir[4200];
	if (out)
		snprintf(outdir, sizeof(outdir), "%s", out);
	else
		snprintf(outdir, sizeof(outdir), "%s/custom", dir);
	if (mkdir(outdir, 0755) < 0 && access(outdir, W_OK) != 0) {
		fprintf(stderr, "ringbench plot: cannot create %s\n", outdir);
		run_free(r);
		free(r);
		return 1;
	}
	int drawn = plots_draw_sized(r, outdir, size, note, sizeof(note));
	printf("%s\nin %s/plots\n", note, outdir);
	run_free(r);
	free(r);
	return drawn > 0 ? 0 : 1;
}
