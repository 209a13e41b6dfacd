/* `ringbench bench --linux`: one process per engine boots the Linux image,
 * whose init prints RINGBENCH-INIT-READY and two RBL1 lines around each
 * run of a macrobenchmark (harness/images/init-linux).  Each line is timed
 * as it arrives, and ringbench's own engines print the counters of each
 * run's span (`run --records`).  The kernel's warnings fail the engine; an
 * engine that does not reach the end is reported with why (its last
 * console line and the VM's own reason) and how far it got: only the runs
 * it finished have numbers. */
#include "harness/bench_linux.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <fcntl.h>
#include <time.h>
#include <unistd.h>

#include "engines/core/linux_guest.h"
#include "harness/linux_results.h"
#include "harness/options.h"
#include "harness/self.h"
#include "harness/spawn.h"

/* The order runs the engines likely to finish first, so the budget left
 * over by one goes to the next (bench_linux). */
#define LB_ENGINES_ALL "qemu-tcg,bt,qemu-kvm,interp,kvm"
/* All engines' boots in under five minutes, as `make bench` promises
 * (docs/linux.md, "Budget"); the image check and the figure come on top. */
#define LB_DEFAULT_BUDGET_S 280
#define LB_DEFAULT_REPS 3

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* The engine process's CPU time so far (user + system, all its threads;
 * clock ticks, 10 ms), a time the other processes on the host change
 * less than the wall clock's; -1 when /proc cannot say. */
static double child_cpu_s(void)
{
	char path[64], buf[1024], *p;
	unsigned long long ut, st;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)child_running_pid);
	if (!(f = fopen(path, "r")))
		return -1;
	size_t n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	/* After the command name's ')': state is field 3, utime 14, stime 15. */
	if (!(p = strrchr(buf, ')')) ||
	    sscanf(p + 1, " %*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu", &ut, &st) != 2)
		return -1;
	return (double)(ut + st) / (double)sysconf(_SC_CLK_TCK);
}

static struct lb_bench *bench_named(struct lb_run *r, const char *name)
{
	for (unsigned i = 0; i < r->n_bench; i++)
		if (!strcmp(r->bench[i].name, name))
			return &r->bench[i];
	if (r->n_bench == LB_MAX_BENCH)
		return NULL;
	struct lb_bench *b = &r->bench[r->n_bench++];
	snprintf(b->name, sizeof(b->name), "%s", name);
	return b;
}

/* "RBL1 NAME ops=.. guest_ms=.. out=.. asked=.. bytes=..": one run, checked
 * against what the command line asked for (rbn) and what the init did. */
static void on_result(struct lb_run *r, const char *p, double t)
{
	char name[32], out[32];
	struct lb_rep x = { 0 };

	if (sscanf(p, "RBL1 %31s ops=%lu guest_ms=%lf out=%31s asked=%lu bytes=%lf", name, &x.ops, &x.guest_ms,
		   out, &x.asked, &x.bytes) != 6)
		return;
	struct lb_bench *b = bench_named(r, name);
	const struct lb_kind *k = lb_kind(name);
	if (!b || b->n_rep == LB_MAX_REPS)
		return;
	x.host_ms = (t - r->t_begin) * 1e3;
	double cpu = child_cpu_s();
	x.cpu_ms = cpu >= 0 && r->cpu_begin >= 0 ? (cpu - r->cpu_begin) * 1e3 : -1;
	snprintf(b->out, sizeof(b->out), "%s", out);
	if (!b->failed[0] && (!k || x.asked != k->per_rbn * (unsigned long)r->rbn))
		snprintf(b->failed, sizeof(b->failed), "failed: asked for %lu operations, not %lu", x.asked,
			 k ? k->per_rbn * (unsigned long)r->rbn : 0);
	else if (!b->failed[0] && x.ops != x.asked)
		snprintf(b->failed, sizeof(b->failed), "failed: %lu of %lu operations done in run %u", x.ops,
			 x.asked, b->n_rep + 1);
	b->rep[b->n_rep++] = x;
	r->last = b;
}

/* "RBH1 counters seq=N engine.X=V vm.exits.Y=V ...": the span that just
 * ended, i.e. the last result's (its line comes right after). */
static void on_counters(struct lb_run *r, const char *line)
{
	char buf[4096], *save = NULL;
	struct lb_counts c = { 0 };
	struct lb_bench *b = r->last;

	if (!b || !b->n_rep || b->rep[b->n_rep - 1].has_counts)
		return;
	snprintf(buf, sizeof(buf), "%s", line);
	for (char *tok = strtok_r(buf, " ", &save); tok; tok = strtok_r(NULL, " ", &save)) {
		char *eq = strchr(tok, '=');
		if (!eq)
			continue;
		*eq = '\0';
		double v = strtod(eq + 1, NULL);
		/* Exits: those reaching the VM core by reason, and under kvm those
		 * KVM handled in the kernel. */
		if (!strncmp(tok, "vm.exits.", 9) || !strcmp(tok, "engine.exits_in_kernel"))
			c.exits += v;
		else if (!strcmp(tok, "engine.insns"))
			c.insns = v;
		else if (!strcmp(tok, "engine.emulated_insns"))
			c.emulated = v;
		else if (!strcmp(tok, "engine.helper_calls"))
			c.helpers = v;
		else if (!strcmp(tok, "engine.bt.blocks"))
			c.blocks = v;
	}
	b->rep[b->n_rep - 1].c = c;
	b->rep[b->n_rep - 1].has_counts = 1;
}

void lb_on_line(const char *line, void *ctx)
{
	struct lb_run *r = ctx;
	double t = now_s() - r->t0;
	const char *p;

	fprintf(r->console, "%.3f %s\n", t, line);
	if (!strncmp(line, "RBH1 counters ", 14)) {
		on_counters(r, line);
		return;
	}
	if (!strncmp(line, "RBH1 ", 5))
		return;
	if (*line) {
		snprintf(r->last_line, sizeof(r->last_line), "%s", line);
		if (!r->n_lines++)
			r->t_first = t;
	}
	if (linux_line_is_warning(line) && r->warnings++ == 0)
		snprintf(r->first_warning, sizeof(r->first_warning), "%s", line);
	if (strstr(line, "RINGBENCH-INIT-READY") && !r->t_init) {
		r->t_init = t;
		r->cpu_init = child_cpu_s();
	}
	if (!(p = strstr(line, "RBL1 ")))
		return;
	if (!strncmp(p, "RBL1 done", 9))
		r->done = 1;
	else if (!strncmp(p, "RBL1 begin ", 11)) {
		r->t_begin = t;
		r->cpu_begin = child_cpu_s();
	}
	else
		on_result(r, p, t);
}

/* The whole run's counters from `run --stats` (boot and benchmarks). */
static void read_stats(struct lb_run *r, const char *log)
{
	FILE *f = fopen(log, "r");
	char line[512], name[128];
	unsigned long long v;

	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "total %llu", &v) == 1) {
			r->whole.exits += v;
			r->has_whole = 1;
		} else if (sscanf(line, "%127s %llu", name, &v) == 2) {
			if (!strcmp(name, "insns")) r->whole.insns = v;
			else if (!strcmp(name, "emulated_insns")) r->whole.emulated = v;
			else if (!strcmp(name, "helper_calls")) r->whole.helpers = v;
			else if (!strcmp(name, "bt.blocks")) r->whole.blocks = v;
			else if (!strcmp(name, "exits_in_kernel")) r->whole.exits += v;
		}
	}
	fclose(f);
}

/* How far an engine that did not finish got. */
static void progress(const struct lb_run *r, char *out, size_t len)
{
	unsigned runs = 0;

	for (unsigned i = 0; i < r->n_bench; i++)
		runs += r->bench[i].n_rep;
	if (r->t_init)
		snprintf(out, len, "got to the init at %.1f s and %u benchmark run%s after it", r->t_init, runs,
			 runs == 1 ? "" : "s");
	else if (r->n_lines)
		snprintf(out, len, "got to the kernel's console (first line at %.1f s), not to the init", r->t_first);
	else
		snprintf(out, len, "no console line at all");
}

/* The VM's own last word ("ringbench run: ..." on stderr), if any. */
static void last_run_reason(const char *log, char *out, size_t len)
{
	FILE *f = fopen(log, "r");
	char line[512];

	*out = '\0';
	if (!f)
		return;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, "ringbench run: ", 15) && !strstr(line, "console's last") &&
		    !strstr(line, "guest powered off")) {
			line[strcspn(line, "\n")] = '\0';
			snprintf(out, len, "%s", line + 15);
		}
	fclose(f);
}

static int boot_engine(struct lb_run *r, const char *self, const char *img, const char *qemu,
		      const char *cmdline, const char *out_dir)
{
	char kernel[600], initrd[600], log[700], con[700], err[300], timeout[32];
	char *argv[40];
	struct child_result res;

	snprintf(kernel, sizeof(kernel), "%s/vmlinuz", img);
	snprintf(initrd, sizeof(initrd), "%s/initramfs.cpio.gz", img);
	snprintf(log, sizeof(log), "%s/%s.log", out_dir, r->engine);
	snprintf(con, sizeof(con), "%s/%s.console", out_dir, r->engine);
	/* run's own bound a little inside ours, so it still prints its counters. */
	snprintf(timeout, sizeof(timeout), "%g", r->timeout_s > 4 ? r->timeout_s - 2 : r->timeout_s);
	if (!strncmp(r->engine, "qemu-", 5)) {
		char *q[] = { (char *)qemu, "-accel", !strcmp(r->engine, "qemu-kvm") ? "kvm" : "tcg", "-m", "256",
			      "-smp", "1", "-display", "none", "-monitor", "none", "-no-reboot", "-nodefaults",
			      "-serial", "stdio", "-kernel", kernel, "-initrd", initrd, "-append", (char *)cmdline, NULL };
		memcpy(argv, q, sizeof(q));
	} else {
		char *q[] = { (char *)self, "run", "--engine", (char *)r->engine, "--stats", "--records",
			      "--timeout", timeout, "--initrd", initrd, kernel, "--", (char *)cmdline, NULL };
		memcpy(argv, q, sizeof(q));
	}
	int fd = open(log, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	r->console = fopen(con, "w");
	if (fd < 0 || !r->console) {
		snprintf(r->status, sizeof(r->status), "failed: cannot write %.400s", out_dir);
		if (fd >= 0)
			close(fd);
		if (r->console)
			fclose(r->console);
		return -1;
	}
	r->t0 = now_s();
	/* QEMU's bound is ours alone: it has no --timeout. */
	int rc = child_run(argv, fd, r->timeout_s, NULL, lb_on_line, NULL, r, &res, err, sizeof(err));
	r->elapsed_s = now_s() - r->t0;
	close(fd);
	fclose(r->console);
	if (rc < 0) {
		snprintf(r->status, sizeof(r->status), "unsupported: %s", err);
		return -1;
	}
	read_stats(r, log);
	char why[512], desc[100], far[160], st[sizeof(r->status)];
	last_run_reason(log, why, sizeof(why));
	child_describe(&res, desc, sizeof(desc));
	progress(r, far, sizeof(far));
	if (r->warnings)
		snprintf(st, sizeof(st), "failed: kernel warning: %.300s", r->first_warning);
	else if (r->done)
		snprintf(st, sizeof(st), "ok");
	else
		snprintf(st, sizeof(st), "unsupported: %.200s%s; %s in %.0f s; last console line: %.200s",
			 why[0] ? why : desc, res.timed_out ? " (out of its budget)" : "", far, r->elapsed_s,
			 r->last_line[0] ? r->last_line : "(none)");
	memcpy(r->status, st, sizeof(st));
	return 0;
}

static void usage(FILE *f)
{
	fprintf(f,
		"usage: ringbench bench --linux [--engines LIST] [--budget S] [--timeout S] [--reps R]\n"
		"                               [--quick] [--out DIR]\n"
		"Boots Debian's kernel with the busybox initramfs (build/linux, made by\n"
		"harness/images/linux.sh) under each engine and times boot-to-init and the\n"
		"macrobenchmarks (docs/linux.md).\n"
		"  --engines LIST  of %s (default all, in that order)\n"
		"  --budget S      for all engines together (default %d): each gets an equal\n"
		"                  share of what the ones before it left\n"
		"  --timeout S     at most this per engine\n"
		"  --reps R        runs of each benchmark in one boot (default %d, at most %d)\n"
		"  --quick         one run of each (--reps 1)\n"
		"  --out DIR       where the consoles, logs, linux.md, linux.csv and the figure go\n"
		"                  (default results/linux-<time>)\n",
		LB_ENGINES_ALL, LB_DEFAULT_BUDGET_S, LB_DEFAULT_REPS, LB_MAX_REPS);
}

static void write_report(FILE *f, const char *cmdline, const struct lb_run *runs, unsigned n, double budget_s,
			 double took_s, const char *figure)
{
	fprintf(f, "# Linux guest: boot to init and macrobenchmarks\n\nKernel command line: `%s`, the same "
		   "for every engine. All engines took %.0f s of a %.0f s budget.\n\n", cmdline, took_s, budget_s);
	lb_write_tables(f, runs, n);
	fprintf(f, "\n%s\n", figure);
}

int bench_linux(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "linux", no_argument, NULL, 'l' }, { "engines", required_argument, NULL, 'e' },
		{ "timeout", required_argument, NULL, 't' }, { "budget", required_argument, NULL, 'b' },
		{ "reps", required_argument, NULL, 'r' }, { "quick", no_argument, NULL, 'q' },
		{ "out", required_argument, NULL, 'o' }, { "help", no_argument, NULL, 'h' }, { 0, 0, 0, 0 },
	};
	const char *engines = LB_ENGINES_ALL, *out = NULL;
	double cap_s = 0, budget_s = LB_DEFAULT_BUDGET_S;
	unsigned long long reps = LB_DEFAULT_REPS;
	int c;
	char dir[512], self[600], img[560], cmd[2048], out_buf[600], list[256], cmdline[200];
	static struct lb_run runs[8];
	unsigned n = 0, n_eng = 0;

	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, ":h", lo, NULL)) != -1) {
		switch (c) {
		case 'l': break;
		case 'e': engines = optarg; break;
		case 't':
			if (opt_seconds("bench --linux", "--timeout", optarg, &cap_s) < 0)
				return 2;
			break;
		case 'b':
			if (opt_seconds("bench --linux", "--budget", optarg, &budget_s) < 0)
				return 2;
			break;
		case 'r':
			if (opt_uint("bench --linux", "--reps", optarg, 1, LB_MAX_REPS, &reps) < 0)
				return 2;
			break;
		case 'q': reps = 1; break;
		case 'o': out = optarg; break;
		case 'h': usage(stdout); return 0;
		default: opt_complain("bench --linux", c, argv); return 2;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "ringbench bench --linux: unexpected argument '%s'\n", argv[optind]);
		return 2;
	}
	snprintf(list, sizeof(list), "%s", engines);
	for (char *save = NULL, *e = strtok_r(list, ",", &save); e; e = strtok_r(NULL, ",", &save)) {
		char key[64];
		snprintf(key, sizeof(key), ",%.60s,", e);
		if (!strstr("," LB_ENGINES_ALL ",", key) || n_eng == 8) {
			fprintf(stderr, "ringbench bench --linux: %s '%s' (of %s)\n",
				n_eng == 8 ? "too many engines at" : "unknown engine", e, LB_ENGINES_ALL);
			return 2;
		}
		n_eng++;
	}
	self_dir(dir, sizeof(dir));
	snprintf(self, sizeof(self), "%s/ringbench", dir);
	snprintf(img, sizeof(img), "%s/build/linux", dir);
	snprintf(cmd, sizeof(cmd), "sh '%s/harness/images/linux.sh' '%s' '%s/build/nested/cache'", dir, img, dir);
	if (system(cmd) != 0) {
		fprintf(stderr, "ringbench bench --linux: the Linux image could not be made (above)\n");
		return 4;
	}
	if (!out) {
		time_t t = time(NULL);
		char stamp[32];
		strftime(stamp, sizeof(stamp), "%Y%m%d-%H%M%S", gmtime(&t));
		snprintf(out_buf, sizeof(out_buf), "%s/results/linux-%s", dir, stamp);
		out = out_buf;
	}
	if (mkdir(out, 0755) < 0 && access(out, W_OK) < 0) {
		fprintf(stderr, "ringbench bench --linux: cannot create %s\n", out);
		return 2;
	}
	snprintf(cmdline, sizeof(cmdline), "console=ttyS0 panic=-1 rbbench=all rbn=1 rbrep=%llu", reps);
	double start = now_s();
	snprintf(list, sizeof(list), "%s", engines);
	for (char *save = NULL, *e = strtok_r(list, ",", &save); e; e = strtok_r(NULL, ",", &save)) {
		struct lb_run *r = &runs[n];
		double left = budget_s - (now_s() - start);

		memset(r, 0, sizeof(*r));
		r->engine = e;
		r->rbn = 1;
		r->timeout_s = left / (n_eng - n);
		if (cap_s > 0 && r->timeout_s > cap_s)
			r->timeout_s = cap_s;
		n++;
		if (r->timeout_s < 1) {
			snprintf(r->status, sizeof(r->status), "unsupported: not run, the budget (%g s) was spent",
				 budget_s);
			continue;
		}
		fprintf(stderr, "linux: %s (at most %.0f s) ...\n", e, r->timeout_s);
		boot_engine(r, self, img, "qemu-system-x86_64", cmdline, out);
		fprintf(stderr, "linux: %s: %s\n", e, r->status);
	}
	double took = now_s() - start;
	char path[700], figure[400];
	snprintf(path, sizeof(path), "%s/linux.csv", out);
	if (lb_write_csv(path, runs, n) < 0)
		fprintf(stderr, "ringbench bench --linux: cannot write %s\n", path);
	lb_draw_figure(out, runs, n, figure, sizeof(figure));
	snprintf(path, sizeof(path), "%s/linux.md", out);
	FILE *f = fopen(path, "w");
	if (f) {
		write_report(f, cmdline, runs, n, budget_s, took, figure);
		fclose(f);
	} else
		fprintf(stderr, "ringbench bench --linux: cannot write %s\n", path);
	write_report(stdout, cmdline, runs, n, budget_s, took, figure);
	printf("\n(%s)\n", path);
	return 0;
}
