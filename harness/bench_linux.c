/* `ringbench bench --linux`: one process per engine boots the Linux image,
 * whose init prints RINGBENCH-INIT-READY and one RBL1 line per
 * macrobenchmark (harness/images/init-linux).  Each line is timed as it
 * arrives; the kernel's warnings fail the engine; an engine that does not
 * reach the end is reported with why (its last console line and the
 * VM's own reason), never with a number. */
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
#include "harness/hostinfo.h"
#include "harness/options.h"
#include "harness/self.h"
#include "harness/spawn.h"

#define LB_MAX_BENCH   8
#define LB_ENGINES_ALL "qemu-tcg,qemu-kvm,interp,bt,kvm"
/* Five engines in under five minutes, as `make bench` promises. */
#define LB_DEFAULT_TIMEOUT_S 55

struct lb_bench {
	char name[32], out[32];
	unsigned long ops;
	double guest_ms, host_ms;
};

struct lb_run {
	const char *engine;
	double t0, t_init, t_last;          /* host seconds */
	struct lb_bench bench[LB_MAX_BENCH];
	unsigned n_bench;
	int done;
	unsigned warnings;
	char first_warning[LINUX_LINE_MAX], last_line[LINUX_LINE_MAX];
	FILE *console;
	struct { unsigned long long exits, insns, emulated, helpers, blocks; } stats;
	char status[600];
};

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void on_line(const char *line, void *ctx)
{
	struct lb_run *r = ctx;
	double t = now_s() - r->t0;
	const char *p;

	fprintf(r->console, "%.3f %s\n", t, line);
	if (*line)
		snprintf(r->last_line, sizeof(r->last_line), "%s", line);
	if (linux_line_is_warning(line) && r->warnings++ == 0)
		snprintf(r->first_warning, sizeof(r->first_warning), "%s", line);
	if (strstr(line, "RINGBENCH-INIT-READY") && !r->t_init)
		r->t_init = r->t_last = t;
	if (!(p = strstr(line, "RBL1 ")))
		return;
	if (!strncmp(p, "RBL1 done", 9)) {
		r->done = 1;
		return;
	}
	struct lb_bench *b = &r->bench[r->n_bench];
	if (r->n_bench < LB_MAX_BENCH &&
	    sscanf(p, "RBL1 %31s ops=%lu guest_ms=%lf out=%31s", b->name, &b->ops, &b->guest_ms, b->out) == 4) {
		b->host_ms = (t - r->t_last) * 1e3;
		r->n_bench++;
	}
	r->t_last = t;
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
		if (sscanf(line, "total %llu", &v) == 1)
			r->stats.exits = v;
		else if (sscanf(line, "%127s %llu", name, &v) == 2) {
			if (!strcmp(name, "insns")) r->stats.insns = v;
			else if (!strcmp(name, "emulated_insns")) r->stats.emulated = v;
			else if (!strcmp(name, "helper_calls")) r->stats.helpers = v;
			else if (!strcmp(name, "bt.blocks")) r->stats.blocks = v;
		}
	}
	fclose(f);
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
		      double timeout_s, const char *cmdline, const char *out_dir)
{
	char kernel[600], initrd[600], log[700], con[700], err[300], timeout[32];
	char *argv[40];
	struct child_result res;

	snprintf(kernel, sizeof(kernel), "%s/vmlinuz", img);
	snprintf(initrd, sizeof(initrd), "%s/initramfs.cpio.gz", img);
	snprintf(log, sizeof(log), "%s/%s.log", out_dir, r->engine);
	snprintf(con, sizeof(con), "%s/%s.console", out_dir, r->engine);
	snprintf(timeout, sizeof(timeout), "%g", timeout_s);
	if (!strncmp(r->engine, "qemu-", 5)) {
		char *q[] = { (char *)qemu, "-accel", !strcmp(r->engine, "qemu-kvm") ? "kvm" : "tcg", "-m", "256",
			      "-smp", "1", "-display", "none", "-monitor", "none", "-no-reboot", "-nodefaults",
			      "-serial", "stdio", "-kernel", kernel, "-initrd", initrd, "-append", (char *)cmdline, NULL };
		memcpy(argv, q, sizeof(q));
	} else {
		char *q[] = { (char *)self, "run", "--engine", (char *)r->engine, "--stats", "--timeout", timeout,
			      "--initrd", initrd, kernel, "--", (char *)cmdline, NULL };
		memcpy(argv, q, sizeof(q));
	}
	int fd = open(log, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	r->console = fopen(con, "w");
	if (fd < 0 || !r->console) {
		snprintf(r->status, sizeof(r->status), "failed: cannot write %.400s", out_dir);
		return -1;
	}
	r->t0 = now_s();
	/* QEMU's own bound is ours: it has no --timeout. */
	if (child_run(argv, fd, timeout_s + 5, NULL, on_line, NULL, r, &res, err, sizeof(err)) < 0) {
		snprintf(r->status, sizeof(r->status), "unsupported: %s", err);
		close(fd);
		fclose(r->console);
		return -1;
	}
	close(fd);
	fclose(r->console);
	read_stats(r, log);
	char why[512], desc[100];
	last_run_reason(log, why, sizeof(why));
	child_describe(&res, desc, sizeof(desc));
	if (r->warnings)
		snprintf(r->status, sizeof(r->status), "failed: kernel warning: %.300s", r->first_warning);
	else if (r->done)
		snprintf(r->status, sizeof(r->status), "ok");
	else
		snprintf(r->status, sizeof(r->status), "unsupported: %s%s; did not reach %s; last console line: %.200s",
			 why[0] ? why : desc, res.timed_out ? " (timeout)" : "",
			 r->t_init ? "the end" : "the init", r->last_line[0] ? r->last_line : "(none)");
	return 0;
}

static void usage(FILE *f)
{
	fprintf(f,
		"usage: ringbench bench --linux [--engines LIST] [--timeout S] [--quick] [--out DIR]\n"
		"Boots Debian's kernel with the busybox initramfs (build/linux, made by\n"
		"harness/images/linux.sh) under each engine and times boot-to-init and the\n"
		"macrobenchmarks (docs/linux.md).\n"
		"  --engines LIST  of %s (default all)\n"
		"  --timeout S     per engine (default %d)\n"
		"  --quick         the smallest counts (rbn=1; default rbn=2)\n"
		"  --out DIR       where the consoles, logs and linux.md go (default results/linux-<time>)\n",
		LB_ENGINES_ALL, LB_DEFAULT_TIMEOUT_S);
}

static void write_table(FILE *f, struct lb_run *runs, unsigned n)
{
	const char *names[LB_MAX_BENCH];
	unsigned n_names = 0;

	for (unsigned i = 0; i < n; i++)
		for (unsigned b = 0; b < runs[i].n_bench; b++) {
			unsigned k;
			for (k = 0; k < n_names && strcmp(names[k], runs[i].bench[b].name); k++)
				;
			if (k == n_names && n_names < LB_MAX_BENCH)
				names[n_names++] = runs[i].bench[b].name;
		}
	fprintf(f, "| engine | boot to init (s) |");
	for (unsigned k = 0; k < n_names; k++)
		fprintf(f, " %s ms/op (guest; host) |", names[k]);
	fprintf(f, " exits | emulated insns | helper calls | blocks |\n|---|---|");
	for (unsigned k = 0; k < n_names + 4; k++)
		fprintf(f, "---|");
	fprintf(f, "\n");
	for (unsigned i = 0; i < n; i++) {
		struct lb_run *r = &runs[i];
		if (r->t_init)
			fprintf(f, "| %s | %.2f |", r->engine, r->t_init);
		else
			fprintf(f, "| %s | - |", r->engine);
		for (unsigned k = 0; k < n_names; k++) {
			unsigned b;
			for (b = 0; b < r->n_bench && strcmp(r->bench[b].name, names[k]); b++)
				;
			if (b < r->n_bench && r->bench[b].ops)
				fprintf(f, " %.3g; %.3g |", r->bench[b].guest_ms / r->bench[b].ops,
					r->bench[b].host_ms / r->bench[b].ops);
			else
				fprintf(f, " - |");
		}
		if (!strncmp(r->engine, "qemu-", 5))
			fprintf(f, " - | - | - | - |\n");
		else
			fprintf(f, " %llu | %llu | %llu | %llu |\n", r->stats.exits, r->stats.emulated,
				r->stats.helpers, r->stats.blocks);
	}
	fprintf(f, "\nCounters are the whole run's (boot and benchmarks), from `run --stats`.\n\n");
	for (unsigned i = 0; i < n; i++)
		fprintf(f, "- %s: %s\n", runs[i].engine, runs[i].status);
	for (unsigned i = 0; i < n; i++)
		for (unsigned b = 0; b < runs[i].n_bench; b++)
			if (strcmp(runs[i].bench[b].out, "-"))
				fprintf(f, "- %s %s output: %s\n", runs[i].engine, runs[i].bench[b].name, runs[i].bench[b].out);
}

int bench_linux(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "linux", no_argument, NULL, 'l' }, { "engines", required_argument, NULL, 'e' },
		{ "timeout", required_argument, NULL, 't' }, { "quick", no_argument, NULL, 'q' },
		{ "out", required_argument, NULL, 'o' }, { "help", no_argument, NULL, 'h' }, { 0, 0, 0, 0 },
	};
	const char *engines = LB_ENGINES_ALL, *out = NULL;
	double timeout_s = LB_DEFAULT_TIMEOUT_S;
	int quick = 0, c;
	char dir[512], self[600], img[560], cmd[2048], out_buf[600], list[256], cmdline[200];
	struct lb_run runs[8];
	unsigned n = 0;

	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, ":h", lo, NULL)) != -1) {
		switch (c) {
		case 'l': break;
		case 'e': engines = optarg; break;
		case 't':
			if (opt_seconds("bench --linux", "--timeout", optarg, &timeout_s) < 0)
				return 2;
			break;
		case 'q': quick = 1; break;
		case 'o': out = optarg; break;
		case 'h': usage(stdout); return 0;
		default: opt_complain("bench --linux", c, argv); return 2;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "ringbench bench --linux: unexpected argument '%s'\n", argv[optind]);
		return 2;
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
	snprintf(cmdline, sizeof(cmdline), "console=ttyS0 panic=-1 rbbench=all rbn=%d", quick ? 1 : 2);
	snprintf(list, sizeof(list), "%s", engines);
	for (char *save = NULL, *e = strtok_r(list, ",", &save); e && n < 8; e = strtok_r(NULL, ",", &save)) {
		char key[64];
		snprintf(key, sizeof(key), ",%.60s,", e);
		if (!strstr("," LB_ENGINES_ALL ",", key)) {
			fprintf(stderr, "ringbench bench --linux: unknown engine '%s' (of %s)\n", e, LB_ENGINES_ALL);
			return 2;
		}
		memset(&runs[n], 0, sizeof(runs[n]));
		runs[n].engine = e;
		fprintf(stderr, "linux: %s (at most %g s) ...\n", e, timeout_s);
		/* interp and bt: the guest's TSC is the host's, its rate given so
		 * the kernel skips its PIT calibration (docs/linux.md: a pass of
		 * its loop ten times slower than another makes it give up). */
		char cmdline_e[sizeof(cmdline) + 40];
		const char *src;
		double khz = hostinfo_tsc_khz(&src);
		if ((!strcmp(e, "interp") || !strcmp(e, "bt")) && khz > 0)
			snprintf(cmdline_e, sizeof(cmdline_e), "%s tsc_early_khz=%.0f", cmdline, khz);
		else
			snprintf(cmdline_e, sizeof(cmdline_e), "%s", cmdline);
		boot_engine(&runs[n], self, img, "qemu-system-x86_64", timeout_s, cmdline_e, out);
		fprintf(stderr, "linux: %s: %s\n", e, runs[n].status);
		n++;
	}
	char md[700];
	snprintf(md, sizeof(md), "%s/linux.md", out);
	FILE *f = fopen(md, "w");
	if (f) {
		fprintf(f, "# Linux guest: boot to init and macrobenchmarks\n\nKernel command line: `%s` "
			   "(interp, bt: with `tsc_early_khz=` the host's TSC rate)\n\n", cmdline);
		write_table(f, runs, n);
		fclose(f);
	}
	write_table(stdout, runs, n);
	printf("\n(%s)\n", md);
	return 0;
}
