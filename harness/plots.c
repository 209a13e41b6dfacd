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
#include "harness/trap_profile.h"

static const char *const formats[] = { "pdf", "png", "svg" };

/* gnuplot on PATH, or $RINGBENCH_GNUPLOT (tests point it at nothing). */
static int find_gnuplot(char *out, size_t len)
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
static void script_dir(char *out, size_t len)
{
	char exe[PATH_MAX - 64];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);

	if (n > 0) {
		exe[n] = '\0';
		char *slash = strrchr(exe, '/');
		if (slash) {
			*slash = '\0';
			snprintf(out, len, "%s/plots", exe);
			char probe[PATH_MAX + 16];
			snprintf(probe, sizeof(probe), "%s/cost.gp", out);
			if (access(probe, R_OK) == 0)
				return;
		}
	}
	snprintf(out, len, "plots");
}

static int run_gnuplot(const char *gp, const char *script, const char *vars, const char *logpath)
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
		execl(gp, "gnuplot", "-e", vars, script, (char *)NULL);
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

/* cost.dat: benchmark, per engine median lo hi in ns (cycles without a
 * TSC frequency).  Returns benchmarks written. */
static int write_cost(const struct run *r, const struct engine_result **es, size_t ne,
		      const char *path, const char **names, size_t n)
{
	FILE *f = fopen(path, "w");
	int rows = 0;

	if (!f)
		return -1;
	for (size_t j = 0; j < n; j++) {
		int any = 0;
		if (bench_is_loop(names[j]))
			continue;            /* subtracted from the rest */
		for (size_t i = 0; i < ne; i++)
			any |= bench_has_value(engine_bench((struct engine_result *)es[i], names[j], 0));
		if (!any)
			continue;
		fprintf(f, "%s", names[j]);
		for (size_t i = 0; i < ne; i++) {
			const struct bench_result *b = engine_bench((struct engine_result *)es[i], names[j], 0);
			double k = r->host.tsc_khz > 0 ? 1e6 / r->host.tsc_khz : 1;
			if (bench_has_value(b) && b->st.median > 0) {
				fprintf(f, " %.6g", b->st.median * k);
				nan_or(f, b->st.ci_lo * k > 0 ? b->st.ci_lo * k : b->st.median * k);
				nan_or(f, b->st.ci_hi * k);
			} else {
				fputs(" NaN NaN NaN", f);
			}
		}
		fputc('\n', f);
		rows++;
	}
	fclose(f);
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

static int draw(const char *gp, const char *sdir, const char *script, const char *pdir,
		const char *base, const char *extra)
{
	char vars[2048], spath[PATH_MAX + 32], log[PATH_MAX + 32];
	int ok = 0;

	snprintf(spath, sizeof(spath), "%s/%s.gp", sdir, script);
	snprintf(log, sizeof(log), "%s/gnuplot.log", pdir);
	for (size_t k = 0; k < sizeof(formats) / sizeof(formats[0]); k++) {
		snprintf(vars, sizeof(vars), "dir='%s'; data='%s/%s.dat'; out='%s/%s'; fmt='%s'; %s",
			 sdir, pdir, base, pdir, base, formats[k], extra);
		ok += run_gnuplot(gp, spath, vars, log) == 0;
	}
	return ok == 3 ? 1 : 0;
}

int plots_draw(const struct run *r, const char *run_dir, char *note, size_t len)
{
	char gp[PATH_MAX], sdir[PATH_MAX], pdir[PATH_MAX], path[PATH_MAX + 128];
	char engines[512] = "", extra[1024];
	const char **names;
	int drawn = 0, failed = 0;

	if (find_gnuplot(gp, sizeof(gp)) < 0) {
		snprintf(note, len, "Plots skipped: gnuplot not found. Install it (`apt-get install "
			 "gnuplot-nox`) and redraw with `./ringbench report %s`.", run_dir);
		return -1;
	}
	script_dir(sdir, sizeof(sdir));
	snprintf(pdir, sizeof(pdir), "%s/plots", run_dir);
	mkdir(pdir, 0755);
	snprintf(path, sizeof(path), "%s/gnuplot.log", pdir);
	unlink(path);           /* a log of this drawing only */
	const struct engine_result *es[RUN_MAX_ENGINES];
	size_t ne = measured_engines(r, es);
	for (size_t i = 0; i < ne; i++) {
		size_t l = strlen(engines);
		snprintf(engines + l, sizeof(engines) - l, "%s%s", i ? " " : "", es[i]->name);
	}
	size_t n = run_bench_names(r, &names);

	snprintf(path, sizeof(path), "%s/cost.dat", pdir);
	snprintf(extra, sizeof(extra), "engines='%s'", engines);
	if (write_cost(r, es, ne, path, names, n) > 0)
		draw(gp, sdir, "cost", pdir, "cost", extra) ? drawn++ : failed++;
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
	snprintf(note, len, "%d figure(s) in `plots/` as PDF, PNG and SVG "
		 "(cost.*: ns per op by engine, log scale, 95%% CI; overhead.*: slowdown vs native; "
		 "exits-<engine>.*: exits per op by reason; trap-profile.*: how each technique handles each operation)%s", drawn,
		 failed ? "; some failed, see plots/gnuplot.log" : "");
	return drawn;
}
