/* Plot data and gnuplot invocation.  gnuplot is optional: without it the
 * run still succeeds and the report says how to get the figures. */
#include "harness/plots.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harness/metrics.h"
#include "harness/report.h"
#include "harness/self.h"
#include "harness/trap_profile.h"

static const char *const formats[] = { "pdf", "png", "svg" };

int plots_find_gnuplot(char *out, size_t len)
{
	const char *env = getenv("RINGBENCH_GNUPLOT");
	if (env) {
		snprintf(out, len, "%s", env);
		return access(out, X_OK) == 0 ? 0 : -1;
	}
	const char *path = getenv("PATH");
	char buf[4096];
	snprintf(buf, sizeof(buf), "%s", path ? path : "/usr/bin:/bin");
	for (char *save, *d = strtok_r(buf, ":", &save); d; d = strtok_r(NULL, ":", &save)) {
		snprintf(out, len, "%s/gnuplot", d);
		if (access(out, X_OK) == 0)
			return 0;
	}
	return -1;
}

/* plots/ next to the ringbench binary (the repository root), else ./plots. */
void plots_script_dir(char *out, size_t len)
{
	char dir[PATH_MAX - 64], probe[PATH_MAX + 16];

	self_dir(dir, sizeof(dir));
	snprintf(out, len, "%s/plots", dir);
	snprintf(probe, sizeof(probe), "%s/cost.gp", out);
	if (access(probe, R_OK) != 0)
		snprintf(out, len, "plots");
}

int plots_prepare(const char *dir, char *gp, char *sdir, char *pdir, size_t size, char *note, size_t len)
{
	char log[PATH_MAX + 16];

	if (plots_find_gnuplot(gp, size) < 0) {
		snprintf(note, len, "Plots skipped: gnuplot not found. Install it (`apt-get install "
			 "gnuplot-nox`) and redraw with `./ringbench report %s`.", dir);
		return -1;
	}
	plots_script_dir(sdir, size);
	snprintf(pdir, size, "%s/plots", dir);
	mkdir(pdir, 0755);
	snprintf(log, sizeof(log), "%s/gnuplot.log", pdir);
	unlink(log);            /* a log of this drawing only */
	return 0;
}

int plots_run_gnuplot(const char *gp, const char *script, const char *vars, const char *logpath)
{
	pid_t pid = fork();
	int st;

	if (pid < 0)
		return -1;
	if (pid == 0) {
		int fd = open(logpath, O_WRONLY | O_CREAT | O_APPEND, 0644);
		if (fd >= 0) {
			dup2(fd, 1);
			dup2(fd, 2);
		}
		if (vars)
			execl(gp, "gnuplot", "-e", vars, script, (char *)NULL);
		else
			execl(gp, "gnuplot", script, (char *)NULL);
		_exit(127);
	}
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			return -1;
	return WIFEXITED(st) && WEXITSTATUS(st) == 0 ? 0 : -1;
}

/* Engines with at least one measurement: the others would be empty bar
 * slots (the report says why they have none).  Engines whose times are not
 * representative (the nested AMD-V platform) are left out. */
static size_t measured_engines(const struct run *r, const struct engine_result **out)
{
	size_t n = 0;
	for (size_t i = 0; i < r->ne; i++)
		for (size_t j = 0; j < r->e[i].nb && engine_times_valid(&r->e[i]); j++)
			if (bench_has_value(&r->e[i].b[j])) {
				out[n++] = &r->e[i];
				break;
			}
	return n;
}

static void nan_or(FILE *f, double v)
{
	if (v > 0)
		fprintf(f, " %.6g", v);
	else
		fputs(" NaN", f);
}

/* cost-<class>.dat, one per instruction class: index, benchmark, then per
 * engine median lo hi (ns; cycles without a TSC frequency) and a mark ("ok",
 * "<res" below resolution, "n/a" not measured).  Fills the space-separated
 * class names and, per class, the benchmark count and the y range.
 * Returns the classes written. */
static int write_cost(const struct run *r, const struct engine_result **es, size_t ne,
		      const char *pdir, const char **names, size_t n,
		      char *classes, char *counts, char *ylo, char *yhi, size_t len)
{
	const char *cls[32];
	size_t nc = 0;
	double k = r->host.tsc_khz > 0 ? 1e6 / r->host.tsc_khz : 1;

	classes[0] = counts[0] = ylo[0] = yhi[0] = '\0';
	for (size_t j = 0; j < n; j++)
		for (size_t i = 0; i < ne; i++) {
			const struct bench_result *b = engine_bench((struct engine_result *)es[i], names[j], 0);
			size_t c;
			if (!b || !b->klass[0] || bench_is_loop(names[j]))
				continue;
			for (c = 0; c < nc && strcmp(cls[c], b->klass); c++)
				;
			if (c == nc && nc < 32)
				cls[nc++] = b->klass;
		}
	for (size_t c = 0; c < nc; c++) {
		char path[PATH_MAX + 64];
		double lo = 0, hi = 0;
		int rows = 0;
		snprintf(path, sizeof(path), "%s/cost-%s.dat", pdir, cls[c]);
		FILE *f = fopen(path, "w");
		if (!f)
			return -1;
		for (size_t j = 0; j < n; j++) {
			const struct bench_result *bs[RUN_MAX_ENGINES];
			int in_class = 0;
			for (size_t i = 0; i < ne; i++) {
				bs[i] = engine_bench((struct engine_result *)es[i], names[j], 0);
				in_class |= bs[i] && !strcmp(bs[i]->klass, cls[c]);
			}
			if (!in_class || bench_is_loop(names[j]))
				continue;
			fprintf(f, "%d %s", ++rows, names[j]);
			for (size_t i = 0; i < ne; i++) {
				const struct bench_result *b = bs[i];
				if (!bench_has_value(b)) {
					fputs(" NaN NaN NaN n/a", f);
				} else if (!b->resolved) {
					fputs(" NaN NaN NaN <res", f);
				} else {
					double m = b->st.median * k, l = b->st.ci_lo * k, h = b->st.ci_hi * k;
					fprintf(f, " %.6g %.6g %.6g ok", m, l, h);
					lo = lo > 0 && lo < l ? lo : l;
					hi = hi > h ? hi : h;
				}
			}
			fputc('\n', f);
		}
		fclose(f);
		if (lo <= 0)
			lo = hi = 1;        /* nothing measured: an empty panel */
		size_t l1 = strlen(classes), l2 = strlen(counts), l3 = strlen(ylo), l4 = strlen(yhi);
		snprintf(classes + l1, len - l1, "%s%s", c ? " " : "", cls[c]);
		snprintf(counts + l2, len - l2, "%s%d", c ? " " : "", rows);
		snprintf(ylo + l3, len - l3, "%s%.6g", c ? " " : "", lo);
		snprintf(yhi + l4, len - l4, "%s%.6g", c ? " " : "", hi);
	}
	return (int)nc;
}

/* aa.dat: per Adams & Agesen row, our benchmark, then per engine the TSC
 * cycles per operation and a mark ("ok", "n/a", "<res").  *ylo gets the
 * smallest value (the axis floor).  Returns rows. */
static int write_aa(const struct run *r, const struct engine_result **es, size_t ne,
		    const char *path, double *ylo)
{
	FILE *f = fopen(path, "w");
	int rows = 0;

	*ylo = 0;
	if (!f)
		return -1;
	for (size_t k = 0; report_aa_rows[k]; k++) {
		const char *bench = report_aa_bench(r, report_aa_rows[k]);
		if (!bench)
			continue;
		fprintf(f, "\"%s\" %s", report_aa_rows[k], bench);
		for (size_t i = 0; i < ne; i++) {
			const struct bench_result *b = engine_bench((struct engine_result *)es[i], bench, 0);
			if (!bench_has_value(b))
				fputs(" NaN n/a", f);
			else if (!b->resolved)
				fputs(" NaN <res", f);
			else {
				fprintf(f, " %.6g ok", b->st.median);
				*ylo = *ylo > 0 && *ylo < b->st.median ? *ylo : b->st.median;
			}
		}
		fputc('\n', f);
		rows++;
	}
	fclose(f);
	if (*ylo <= 0)
		*ylo = 1;
	return rows;
}

static int write_overhead(const struct run *r, const struct engine_result **es, size_t ne,
			  const char *path, const char **names, size_t n)
{
	const struct engine_result *nat = run_engine((struct run *)r, "native", 0);
	FILE *f;
	int rows = 0;

	if (!nat || !(f = fopen(path, "w")))
		return 0;
	for (size_t j = 0; j < n; j++) {
		const struct bench_result *ref = engine_bench((struct engine_result *)nat, names[j], 0);
		if (!bench_has_value(ref) || ref->st.median <= 0)
			continue;
		fprintf(f, "%s", names[j]);
		for (size_t i = 0; i < ne; i++)
			nan_or(f, metric_ratio(engine_bench((struct engine_result *)es[i], names[j], 0), ref));
		fputc('\n', f);
		rows++;
	}
	fclose(f);
	return rows;
}

#define MAX_REASONS 24

/* exits-<engine>.dat: benchmark, exits per op per reason (the union). */
static int write_exits(const struct engine_result *e, const char *path, char *reasons, size_t rlen)
{
	const char *rn[MAX_REASONS];
	size_t nr = 0;
	int rows = 0;

	for (size_t j = 0; j < e->nb; j++) {
		const char *nm[MAX_REASONS];
		double v[MAX_REASONS];
		size_t k = metric_exit_reasons(&e->b[j], nm, v, MAX_REASONS);
		for (size_t a = 0; a < k; a++) {
			size_t b;
			for (b = 0; b < nr && strcmp(rn[b], nm[a]); b++)
				;
			if (b == nr && nr < MAX_REASONS)
				rn[nr++] = nm[a];
		}
	}
	if (!nr)
		return 0;
	FILE *f = fopen(path, "w");
	if (!f)
		return 0;
	reasons[0] = '\0';
	for (size_t b = 0; b < nr; b++) {
		size_t l = strlen(reasons);
		snprintf(reasons + l, rlen - l, "%s%s", b ? " " : "", rn[b]);
	}
	for (size_t j = 0; j < e->nb; j++) {
		const struct bench_result *b = &e->b[j];
		const char *nm[MAX_REASONS];
		double v[MAX_REASONS];
		if (!bench_has_value(b))
			continue;
		size_t k = metric_exit_reasons(b, nm, v, MAX_REASONS);
		fprintf(f, "%s", b->name);
		for (size_t a = 0; a < nr; a++) {
			double x = 0;
			for (size_t c = 0; c < k; c++)
				if (!strcmp(nm[c], rn[a]))
					x = v[c];
			fprintf(f, " %.6g", x);
		}
		fputc('\n', f);
		rows++;
	}
	fclose(f);
	return rows;
}

/* The size every figure is drawn at ("single" or "double" column), or NULL
 * for the defaults (double; the cost figure in both). */
static const char *plot_size;

static int draw(const char *gp, const char *sdir, const char *script, const char *pdir,
		const char *base, const char *extra)
{
	char vars[PATH_MAX * 2 + 8192], spath[PATH_MAX + 32], log[PATH_MAX + 32];
	int ok = 0;

	snprintf(spath, sizeof(spath), "%s/%s.gp", sdir, script);
	snprintf(log, sizeof(log), "%s/gnuplot.log", pdir);
	for (size_t k = 0; k < sizeof(formats) / sizeof(formats[0]); k++) {
		snprintf(vars, sizeof(vars), "dir='%s'; data='%s/%s.dat'; out='%s/%s'; fmt='%s'; %s%s%s%s",
			 sdir, pdir, base, pdir, base, formats[k], extra,
			 plot_size ? "; size='" : "", plot_size ? plot_size : "", plot_size ? "'" : "");
		ok += plots_run_gnuplot(gp, spath, vars, log) == 0;
	}
	return ok == 3 ? 1 : 0;
}

int plots_draw_script(const char *gp, const char *sdir, const char *script, const char *pdir,
		      const char *base, const char *extra)
{
	plot_size = NULL;
	return draw(gp, sdir, script, pdir, base, extra);
}

void plots_engine_words(const struct engine_result *const *es, size_t ne, char *out, size_t len)
{
	out[0] = '\0';
	for (size_t i = 0; i < ne; i++) {
		char label[96];
		size_t l = strlen(out);
		engine_label(es[i], label, sizeof(label));
		for (char *p = label; *p; p++)
			if (*p == ' ')
				*p = '_';
		snprintf(out + l, len - l, "%s%s", i ? " " : "", label);
	}
}

int plots_draw(const struct run *r, const char *run_dir, char *note, size_t len)
{
	return plots_draw_sized(r, run_dir, NULL, note, len);
}

int plots_draw_sized(const struct run *r, const char *run_dir, const char *size, char *note, size_t len)
{
	plot_size = size;
	char gp[PATH_MAX], sdir[PATH_MAX], pdir[PATH_MAX], path[PATH_MAX + 128];
	char extra[2048];
	const char **names;
	int drawn = 0, failed = 0;

	if (plots_prepare(run_dir, gp, sdir, pdir, PATH_MAX, note, len) < 0)
		return -1;
	const struct engine_result *es[RUN_MAX_ENGINES];
	size_t ne = measured_engines(r, es);
	char labels[1024];
	plots_engine_words(es, ne, labels, sizeof(labels));
	size_t n = run_bench_names(r, &names);

	char classes[1024], counts[256], ylo[512], yhi[512];
	if (write_cost(r, es, ne, pdir, names, n, classes, counts, ylo, yhi, sizeof(ylo)) > 0) {
		for (size_t single = 0; single < 2; single++) {
			char base[32], vars[PATH_MAX + 4096];
			if (plot_size && single)
				break;          /* one size asked for: one cost figure */
			snprintf(base, sizeof(base), single ? "cost-single" : "cost");
			snprintf(vars, sizeof(vars), "engines='%s'; classes='%s'; counts='%s'; ylos='%s'; yhis='%s'; "
				 "prefix='%s/cost'; size='%s'", labels, classes, counts, ylo, yhi, pdir,
				 single ? "single" : "double");
			draw(gp, sdir, "cost", pdir, base, vars) ? drawn++ : failed++;
		}
	}
	snprintf(extra, sizeof(extra), "engines='%s'", labels);
	double aa_lo;
	snprintf(path, sizeof(path), "%s/aa.dat", pdir);
	if (write_aa(r, es, ne, path, &aa_lo) > 0) {
		char vars[2048];
		snprintf(vars, sizeof(vars), "engines='%s'; ylo=%.6g", labels, aa_lo);
		draw(gp, sdir, "aa", pdir, "aa", vars) ? drawn++ : failed++;
	}
	snprintf(path, sizeof(path), "%s/overhead.dat", pdir);
	if (write_overhead(r, es, ne, path, names, n) > 0)
		draw(gp, sdir, "overhead", pdir, "overhead", extra) ? drawn++ : failed++;
	snprintf(path, sizeof(path), "%s/trap-profile.dat", pdir);
	char techniques[512];
	if (trap_profile_write_dat(r, path, techniques, sizeof(techniques)) > 0) {
		snprintf(extra, sizeof(extra), "techniques='%s'", techniques);
		draw(gp, sdir, "trap", pdir, "trap-profile", extra) ? drawn++ : failed++;
	}
	for (size_t i = 0; i < r->ne; i++) {
		char reasons[512], base[64];
		snprintf(base, sizeof(base), "exits-%s", r->e[i].name);
		snprintf(path, sizeof(path), "%s/%s.dat", pdir, base);
		if (write_exits(&r->e[i], path, reasons, sizeof(reasons)) <= 0)
			continue;
		snprintf(extra, sizeof(extra), "reasons='%s'; engine='%s'", reasons, r->e[i].name);
		draw(gp, sdir, "exits", pdir, base, extra) ? drawn++ : failed++;
	}
	free(names);
	snprintf(note, len, "%d figure(s) in plots/ as PDF, PNG and SVG: cost%s, "
		 "aa (Adams & Agesen), overhead, trap-profile, exits-<engine>%s", drawn,
		 plot_size ? "" : " (and cost-single)",
		 failed ? "; some failed, see plots/gnuplot.log" : "");
	return drawn;
}
