/* The overcommit sweep's figures: data files in <sweep>/plots/, then
 * plots/sweep-*.gp for PDF, PNG and SVG (slowdown with 95% intervals,
 * Jain's index, IPI latency percentiles). */
#include "harness/report_sweep.h"

#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "harness/plots.h"

static void nan_or(FILE *f, double v, int have)
{
	if (have)
		fprintf(f, " %.6g", v);
	else
		fputs(" NaN", f);
}

/* Engine labels as gnuplot words ('_' for spaces). */
static void engine_words(const struct sweep *s, char *out, size_t len)
{
	const struct engine_result *es[RUN_MAX_ENGINES];

	for (size_t i = 0; i < s->ne; i++) {
		es[i] = NULL;
		for (size_t k = 0; k < s->n && !es[i]; k++)
			es[i] = run_engine(s->r[k], s->engines[i], 0);
	}
	plots_engine_words(es, s->ne, out, len);
}

static void add_word(char *list, size_t len, const char *w)
{
	size_t l = strlen(list);
	snprintf(list + l, len - l, "%s%s", l ? " " : "", w);
}

/* A gnuplot data block for benchmark name: blank lines before all but the
 * first, its name added to the list the script labels the blocks with. */
static void start_block(FILE *f, int *blocks, char *benches, size_t len, const char *name)
{
	if ((*blocks)++)
		fputs("\n\n", f);
	add_word(benches, len, name);
}

/* One block per slowdown benchmark: ratio, then per engine x lo hi. */
static int write_slowdown(const struct sweep *s, const char *path, char *benches, size_t len)
{
	FILE *f = fopen(path, "w");
	int blocks = 0;

	if (!f)
		return -1;
	benches[0] = '\0';
	for (size_t j = 0; j < s->nb; j++) {
		int any = 0;
		if (sweep_is_fairness(s, s->benches[j]))
			continue;
		for (size_t k = 1; k < s->n && !any; k++)
			for (size_t i = 0; i < s->ne && !any; i++) {
				double x, lo, hi;
				any = sweep_slowdown(s, k, s->engines[i], s->benches[j], &x, &lo, &hi) == 0;
			}
		if (!any)
			continue;
		start_block(f, &blocks, benches, len, s->benches[j]);
		for (size_t k = 0; k < s->n; k++) {
			fprintf(f, "%.6g", s->r[k]->overcommit);
			for (size_t i = 0; i < s->ne; i++) {
				double x = 0, lo = 0, hi = 0;
				int have = sweep_slowdown(s, k, s->engines[i], s->benches[j], &x, &lo, &hi) == 0;
				nan_or(f, x, have);
				nan_or(f, lo, have);
				nan_or(f, hi, have);
			}
			fputc('\n', f);
		}
	}
	return fclose(f) == 0 ? blocks : -1;
}

/* ratio, 1/vCPUs (the index when one vCPU has it all), then per engine
 * Jain's index of the (first) fairness benchmark. */
static int write_fairness(const struct sweep *s, const char *path)
{
	const char *bench = NULL;
	int rows = 0;

	for (size_t j = 0; j < s->nb && !bench; j++)
		if (sweep_is_fairness(s, s->benches[j]))
			bench = s->benches[j];
	if (!bench)
		return 0;
	FILE *f = fopen(path, "w");
	if (!f)
		return -1;
	for (size_t k = 0; k < s->n; k++) {
		fprintf(f, "%.6g %.6g", s->r[k]->overcommit, 1.0 / (s->r[k]->cpus ? s->r[k]->cpus : 1));
		for (size_t i = 0; i < s->ne; i++) {
			const struct bench_result *b = sweep_bench(s, k, s->engines[i], bench);
			nan_or(f, b ? b->jain_milli / 1000.0 : 0, b && b->jain_milli);
			rows += b && b->jain_milli;
		}
		fputc('\n', f);
	}
	return fclose(f) == 0 ? rows : -1;
}

/* One block per benchmark with percentiles: ratio index, ratio, then per
 * engine p50 p99 p99.9 in µs. */
static int write_latency(const struct sweep *s, const char *path, char *benches, size_t len)
{
	FILE *f = fopen(path, "w");
	int blocks = 0;

	if (!f)
		return -1;
	benches[0] = '\0';
	for (size_t j = 0; j < s->nb; j++) {
		if (!sweep_has_latency(s, s->benches[j]))
			continue;
		start_block(f, &blocks, benches, len, s->benches[j]);
		for (size_t k = 0; k < s->n; k++) {
			double khz = s->r[k]->host.tsc_khz;
			fprintf(f, "%zu %.6g", k, s->r[k]->overcommit);
			for (size_t i = 0; i < s->ne; i++) {
				const struct bench_result *b = sweep_bench(s, k, s->engines[i], s->benches[j]);
				for (int q = 0; q < 3; q++)
					nan_or(f, b ? b->lat[q] * 1e3 / khz : 0, b && b->lat[0] && khz > 0);
			}
			fputc('\n', f);
		}
	}
	return fclose(f) == 0 ? blocks : -1;
}

int plots_sweep_draw(const struct sweep *s, const char *dir, char *note, size_t len)
{
	char gp[PATH_MAX], sdir[PATH_MAX], pdir[PATH_MAX], path[PATH_MAX + 64];
	char engines[1024], benches[1024], extra[3072];
	int drawn = 0, failed = 0;

	if (plots_prepare(dir, gp, sdir, pdir, PATH_MAX, note, len) < 0)
		return -1;
	engine_words(s, engines, sizeof(engines));

	snprintf(path, sizeof(path), "%s/sweep-slowdown.dat", pdir);
	if (write_slowdown(s, path, benches, sizeof(benches)) > 0) {
		snprintf(extra, sizeof(extra), "engines='%s'; benches='%s'; base=%g", engines, benches,
			 s->r[0]->overcommit);
		plots_draw_script(gp, sdir, "sweep-slowdown", pdir, "sweep-slowdown", extra) ? drawn++ : failed++;
	}
	snprintf(path, sizeof(path), "%s/sweep-fairness.dat", pdir);
	if (write_fairness(s, path) > 0) {
		snprintf(extra, sizeof(extra), "engines='%s'", engines);
		plots_draw_script(gp, sdir, "sweep-fairness", pdir, "sweep-fairness", extra) ? drawn++ : failed++;
	}
	snprintf(path, sizeof(path), "%s/sweep-latency.dat", pdir);
	if (write_latency(s, path, benches, sizeof(benches)) > 0) {
		char ratios[256] = "";
		for (size_t k = 0; k < s->n; k++) {
			char r[32];
			snprintf(r, sizeof(r), "%gx", s->r[k]->overcommit);
			add_word(ratios, sizeof(ratios), r);
		}
		snprintf(extra, sizeof(extra), "engines='%s'; benches='%s'; ratios='%s'", engines, benches, ratios);
		plots_draw_script(gp, sdir, "sweep-latency", pdir, "sweep-latency", extra) ? drawn++ : failed++;
	}
	snprintf(note, len, "%d figure(s) in plots/ as PDF, PNG and SVG: sweep-slowdown, sweep-fairness, "
		 "sweep-latency%s", drawn, failed ? "; some failed, see plots/gnuplot.log" : "");
	return drawn;
}
