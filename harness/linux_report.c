/* `bench --linux`'s report: time per unit of work with its CI over the
 * init's repetitions, the counters of each run's span per unit, each
 * engine's status and how far it got, the digests, linux.csv and the
 * figure normalised to the fastest engine per benchmark. */
#include "harness/linux_results.h"

#include <stdio.h>
#include <string.h>

#include "harness/plots.h"
#include "harness/stats.h"

/* What one unit is and how many operations rbn=1 asks for: the init's
 * counts (harness/images/init-linux); unit_bytes turns an operation's
 * bytes into units (MB hashed, 4 KiB pages touched). */
static const struct lb_kind_def {
	struct lb_kind k;
	double unit_bytes;
} kinds[] = {
	{ { "forkwait", "fork+wait", 200 }, 0 },
	{ { "spawn", "spawn", 100 }, 0 },
	{ { "pipe", "round trip", 200 }, 0 },
	{ { "sha256", "MB hashed", 1 }, 1e6 },
	{ { "gzip", "MB compressed", 1 }, 1e6 },
	{ { "pagefault", "page touched", 10 }, 4096 },
};
#define N_KINDS (sizeof(kinds) / sizeof(kinds[0]))

static const struct lb_kind_def *kind_def(const char *name)
{
	for (size_t i = 0; i < N_KINDS; i++)
		if (!strcmp(kinds[i].k.name, name))
			return &kinds[i];
	return NULL;
}

const struct lb_kind *lb_kind(const char *name)
{
	const struct lb_kind_def *d = kind_def(name);
	return d ? &d->k : NULL;
}

double lb_units_per_op(const struct lb_bench *b, const struct lb_rep *r)
{
	const struct lb_kind_def *d = kind_def(b->name);
	return d && d->unit_bytes > 0 ? r->bytes / d->unit_bytes : 1;
}

static int is_qemu(const struct lb_run *r)
{
	return !strncmp(r->engine, "qemu-", 5);
}

static const struct lb_bench *find_bench(const struct lb_run *r, const char *name)
{
	for (unsigned i = 0; i < r->n_bench; i++)
		if (!strcmp(r->bench[i].name, name))
			return &r->bench[i];
	return NULL;
}

/* Microseconds per unit over b's runs, wall clock or (cpu) the engine
 * process's CPU time; 0 when it has none to give. */
static int time_per_unit(const struct lb_bench *b, int cpu, struct stats *st)
{
	double x[LB_MAX_REPS];
	size_t n = 0;

	if (!b || b->failed[0])
		return 0;
	for (unsigned i = 0; i < b->n_rep; i++) {
		double units = b->rep[i].ops * lb_units_per_op(b, &b->rep[i]);
		double ms = cpu ? b->rep[i].cpu_ms : b->rep[i].host_ms;
		if (units > 0 && ms >= 0)
			x[n++] = ms * 1e3 / units;
	}
	if (!n)
		return 0;
	stats_compute(x, n, st, NULL);
	return 1;
}

/* Each counter summed over b's runs, per unit; 0 without counts. */
static int counts_per_unit(const struct lb_bench *b, struct lb_counts *c)
{
	double units = 0;

	memset(c, 0, sizeof(*c));
	if (!b || b->failed[0] || !b->n_rep)
		return 0;
	for (unsigned i = 0; i < b->n_rep; i++) {
		const struct lb_rep *r = &b->rep[i];
		if (!r->has_counts)
			return 0;
		units += r->ops * lb_units_per_op(b, r);
		c->exits += r->c.exits;
		c->insns += r->c.insns;
		c->emulated += r->c.emulated;
		c->helpers += r->c.helpers;
		c->blocks += r->c.blocks;
	}
	if (units <= 0)
		return 0;
	c->exits /= units;
	c->insns /= units;
	c->emulated /= units;
	c->helpers /= units;
	c->blocks /= units;
	return 1;
}

/* The benchmarks any engine ran, in the init's order. */
static size_t bench_names(const struct lb_run *runs, unsigned n, const char **out)
{
	size_t k = 0;

	for (size_t d = 0; d < N_KINDS; d++)
		for (unsigned i = 0; i < n; i++)
			if (find_bench(&runs[i], kinds[d].k.name)) {
				out[k++] = kinds[d].k.name;
				break;
			}
	return k;
}

/* Boot to init in seconds, wall clock or CPU time; 0 when none. */
static double boot_s(const struct lb_run *r, int cpu)
{
	if (!r->t_init)
		return 0;
	return cpu ? (r->cpu_init >= 0 ? r->cpu_init : 0) : r->t_init;
}

static void write_time_table(FILE *f, const struct lb_run *runs, unsigned n, const char **names, size_t nn,
			     int cpu)
{
	if (cpu)
		fprintf(f, "## CPU time (the engine process's user + system time, all its threads)\n\n"
			   "From /proc at the arrival of the same lines (10 ms ticks): less changed than the wall "
			   "clock by the other processes on the host.\n\n");
	else
		fprintf(f, "## Time (host wall clock)\n\nBoot to init: seconds from the process start to the "
			   "init's first line. Benchmarks: microseconds per unit of work, from the arrival of a run's "
			   "begin line to its result line; the median of the init's runs in one boot, [95%% CI of "
			   "the median].\n\n");
	fprintf(f, "| benchmark | unit |");
	for (unsigned i = 0; i < n; i++)
		fprintf(f, " %s |", runs[i].engine);
	fprintf(f, "\n|---|---|");
	for (unsigned i = 0; i < n; i++)
		fprintf(f, "---|");
	fprintf(f, "\n| boot to init | s |");
	for (unsigned i = 0; i < n; i++)
		boot_s(&runs[i], cpu) > 0 ? fprintf(f, " %.2f |", boot_s(&runs[i], cpu)) : fprintf(f, " - |");
	for (size_t k = 0; k < nn; k++) {
		fprintf(f, "\n| %s | µs per %s |", names[k], lb_kind(names[k])->unit);
		for (unsigned i = 0; i < n; i++) {
			const struct lb_bench *b = find_bench(&runs[i], names[k]);
			struct stats st;
			if (time_per_unit(b, cpu, &st))
				fprintf(f, " %.4g [%.4g, %.4g] (n=%zu) |", st.median, st.ci_lo, st.ci_hi, st.n);
			else
				fprintf(f, " %s |", b && b->failed[0] ? "failed" : "-");
		}
	}
	fprintf(f, "\n\n");
}

static void write_counts_table(FILE *f, const struct lb_run *runs, unsigned n, const char **names, size_t nn)
{
	fprintf(f, "## Counters per unit of work\n\nFrom each run's span (`run --records` at the init's begin "
		   "and result lines; the span holds the init's two clock reads too), summed over the runs and "
		   "divided by their units. Exits: those reaching the VM core, and under kvm those KVM handled "
		   "in the kernel. QEMU has no such counters: n/a.\n\n"
		   "| benchmark | engine | exits | instructions | emulated instructions | helper calls | "
		   "blocks translated |\n|---|---|---|---|---|---|---|\n");
	for (size_t k = 0; k < nn; k++)
		for (unsigned i = 0; i < n; i++) {
			const struct lb_bench *b = find_bench(&runs[i], names[k]);
			struct lb_counts c;
			if (!b)
				continue;
			fprintf(f, "| %s | %s |", names[k], runs[i].engine);
			if (is_qemu(&runs[i]))
				fprintf(f, " n/a | n/a | n/a | n/a | n/a |\n");
			else if (counts_per_unit(b, &c))
				fprintf(f, " %.4g | %.4g | %.4g | %.4g | %.4g |\n", c.exits, c.insns, c.emulated,
					c.helpers, c.blocks);
			else
				fprintf(f, " - | - | - | - | - |\n");
		}
	for (unsigned i = 0; i < n; i++)
		if (runs[i].has_whole)
			fprintf(f, "| whole run (boot and all) | %s | %.0f | %.0f | %.0f | %.0f | %.0f |\n",
				runs[i].engine, runs[i].whole.exits, runs[i].whole.insns, runs[i].whole.emulated,
				runs[i].whole.helpers, runs[i].whole.blocks);
	fprintf(f, "\n");
}

/* Each digest, and whether the engines agree on it. */
static void write_outputs(FILE *f, const struct lb_run *runs, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		for (unsigned k = 0; k < runs[i].n_bench; k++) {
			const struct lb_bench *b = &runs[i].bench[k];
			const char *differs = NULL;
			if (!strcmp(b->out, "-") || !b->out[0])
				continue;
			for (unsigned j = 0; j < i && !differs; j++) {
				const struct lb_bench *o = find_bench(&runs[j], b->name);
				if (o && o->out[0] && strcmp(o->out, "-") && strcmp(o->out, b->out))
					differs = runs[j].engine;
			}
			fprintf(f, "- %s %s output: %s%s%s\n", runs[i].engine, b->name, b->out,
				differs ? ", differs from " : "", differs ? differs : "");
		}
}

void lb_write_tables(FILE *f, const struct lb_run *runs, unsigned n)
{
	const char *names[N_KINDS];
	size_t nn = bench_names(runs, n, names);

	write_time_table(f, runs, n, names, nn, 0);
	write_time_table(f, runs, n, names, nn, 1);
	write_counts_table(f, runs, n, names, nn);
	fprintf(f, "## Engines\n\n");
	for (unsigned i = 0; i < n; i++) {
		fprintf(f, "- %s (at most %.0f s, took %.0f s): %s\n", runs[i].engine, runs[i].timeout_s,
			runs[i].elapsed_s, runs[i].status);
		for (unsigned k = 0; k < runs[i].n_bench; k++)
			if (runs[i].bench[k].failed[0])
				fprintf(f, "  - %s: %s\n", runs[i].bench[k].name, runs[i].bench[k].failed);
	}
	write_outputs(f, runs, n);
}

int lb_write_csv(const char *path, const struct lb_run *runs, unsigned n)
{
	FILE *f = fopen(path, "w");

	if (!f)
		return -1;
	fprintf(f, "engine,benchmark,run,ops,asked,units,host_ms,guest_ms,cpu_ms,exits,insns,emulated_insns,"
		   "helper_calls,blocks\n");
	for (unsigned i = 0; i < n; i++) {
		if (runs[i].t_init)
			fprintf(f, "%s,boot_to_init,1,1,1,1,%.1f,,%.0f,,,,,\n", runs[i].engine, runs[i].t_init * 1e3,
				runs[i].cpu_init * 1e3);
		for (unsigned k = 0; k < runs[i].n_bench; k++) {
			const struct lb_bench *b = &runs[i].bench[k];
			for (unsigned j = 0; j < b->n_rep; j++) {
				const struct lb_rep *r = &b->rep[j];
				fprintf(f, "%s,%s,%u,%lu,%lu,%.6g,%.1f,%.0f,%.0f", runs[i].engine, b->name, j + 1, r->ops,
					r->asked, r->ops * lb_units_per_op(b, r), r->host_ms, r->guest_ms, r->cpu_ms);
				if (r->has_counts)
					fprintf(f, ",%.0f,%.0f,%.0f,%.0f,%.0f\n", r->c.exits, r->c.insns, r->c.emulated,
						r->c.helpers, r->c.blocks);
				else
					fprintf(f, ",,,,,\n");
			}
		}
	}
	return fclose(f);
}

static const char *script_path(const char *sdir)
{
	static char path[700];

	snprintf(path, sizeof(path), "%s/linux.gp", sdir);
	return path;
}

/* linux.dat: per benchmark (boot to init first), per engine the median
 * time over the fastest engine's and its CI likewise; NaN where none.
 * Only engines with at least one number are columns.  Returns how many. */
static unsigned write_dat(const char *path, const struct lb_run *runs, unsigned n, int cpu, char *labels,
			  size_t len, double *top)
{
	const char *names[N_KINDS];
	size_t nn = bench_names(runs, n, names);
	unsigned cols[8], nc = 0;
	FILE *f;

	labels[0] = '\0';
	*top = 1;
	for (unsigned i = 0; i < n && nc < 8; i++) {
		int any = boot_s(&runs[i], cpu) > 0;
		for (size_t k = 0; k < nn && !any; k++) {
			struct stats st;
			any = time_per_unit(find_bench(&runs[i], names[k]), cpu, &st);
		}
		if (any) {
			cols[nc++] = i;
			snprintf(labels + strlen(labels), len - strlen(labels), "%s%s", nc > 1 ? " " : "",
				 runs[i].engine);
		}
	}
	if (!nc || !(f = fopen(path, "w")))
		return 0;
	fprintf(f, "# benchmark, then per engine (%s): time/fastest, CI low, CI high\n", labels);
	for (size_t k = 0; k <= nn; k++) {
		double med[8], lo[8], hi[8], best = 0;
		for (unsigned c = 0; c < nc; c++) {
			const struct lb_run *r = &runs[cols[c]];
			struct stats st;
			med[c] = lo[c] = hi[c] = 0;
			if (k == 0)
				med[c] = lo[c] = hi[c] = boot_s(r, cpu);
			else if (time_per_unit(find_bench(r, names[k - 1]), cpu, &st)) {
				med[c] = st.median;
				lo[c] = st.ci_lo;
				hi[c] = st.ci_hi;
			}
			if (med[c] > 0 && (best == 0 || med[c] < best))
				best = med[c];
		}
		if (k == 0)
			fprintf(f, "\"boot to init\"");
		else
			fprintf(f, "\"%s\\n(per %s)\"", names[k - 1], lb_kind(names[k - 1])->unit);
		for (unsigned c = 0; c < nc; c++)
			if (med[c] > 0 && hi[c] / best > *top)
				*top = hi[c] / best;
		for (unsigned c = 0; c < nc; c++)
			if (med[c] > 0)
				fprintf(f, " %.5g %.5g %.5g", med[c] / best, lo[c] / best, hi[c] / best);
			else
				fprintf(f, " NaN NaN NaN");
		fprintf(f, "\n");
	}
	fclose(f);
	return nc;
}

/* linux[-cpu].dat and the figure drawn from it; 1 when both formats were. */
static int draw(const char *gp, const char *sdir, const char *out_dir, const struct lb_run *runs, unsigned n,
		int cpu, const char *log)
{
	char dat[700], vars[1800], labels[200];
	static const char *const fmts[] = { "png", "pdf" };
	const char *name = cpu ? "linux-cpu" : "linux";
	int drawn = 0;
	double top;

	snprintf(dat, sizeof(dat), "%s/%s.dat", out_dir, name);
	if (!write_dat(dat, runs, n, cpu, labels, sizeof(labels), &top))
		return 0;
	/* Room above the tallest whisker for its label (log scale). */
	double ymax = top * 1.25 > 1.5 ? top * 1.25 : 1.5;
	for (size_t i = 0; i < 2; i++) {
		snprintf(vars, sizeof(vars), "dir='%s'; data='%s'; out='%s/%s'; fmt='%s'; engines='%s'; what='%s'; "
			 "ymax=%.4g", sdir, dat, out_dir, name, fmts[i], labels, cpu ? "CPU time" : "time", ymax);
		drawn += plots_run_gnuplot(gp, script_path(sdir), vars, log) == 0;
	}
	return drawn == 2;
}

void lb_draw_figure(const char *out_dir, const struct lb_run *runs, unsigned n, char *note, size_t len)
{
	char gp[600], log[700], sdir[600], labels[200], probe[700];
	double top;

	snprintf(probe, sizeof(probe), "%s/linux.dat", out_dir);
	if (!write_dat(probe, runs, n, 0, labels, sizeof(labels), &top)) {
		snprintf(note, len, "Figure: none (no engine has a number).");
		return;
	}
	if (plots_find_gnuplot(gp, sizeof(gp)) < 0) {
		snprintf(note, len, "Figure: skipped, gnuplot not found (`apt-get install gnuplot-nox`); its data "
			 "is in linux.dat.");
		return;
	}
	plots_script_dir(sdir, sizeof(sdir));
	snprintf(log, sizeof(log), "%s/gnuplot.log", out_dir);
	int wall = draw(gp, sdir, out_dir, runs, n, 0, log), cpu = draw(gp, sdir, out_dir, runs, n, 1, log);
	snprintf(note, len, "Figures: %s%s (per benchmark each engine's median time per unit over the fastest "
		 "engine's, whiskers the CI)%s.", wall ? "linux.png, linux.pdf (wall clock)" : "none",
		 cpu ? "; linux-cpu.png, linux-cpu.pdf (CPU time)" : "",
		 wall && cpu ? "" : "; gnuplot failed for some, see gnuplot.log");
}
