/* `ringbench bench`: plan the engines, run each in its own process, turn
 * its lines into results as they arrive (written atomically after every
 * benchmark), then the report, the plots and results/latest. */
#include "harness/bench.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "engines/core/status.h"
#include "harness/atomic.h"
#include "harness/bench_linux.h"
#include "harness/compare.h"
#include "harness/counters.h"
#include "harness/hostinfo.h"
#include "harness/ingest.h"
#include "harness/options.h"
#include "harness/plots.h"
#include "harness/report.h"
#include "harness/report_multi.h"
#include "harness/report_sweep.h"
#include "harness/results.h"
#include "harness/results_csv.h"
#include "harness/results_json.h"
#include "harness/spawn.h"

static volatile sig_atomic_t interrupted;
/* Stops the running engine: a signal, or results that cannot be written. */
static volatile sig_atomic_t stop_now;

static void on_signal(int sig)
{
	(void)sig;
	interrupted = 1;
	stop_now = 1;
}

/* results.json and results.csv are rewritten whole, so rewriting them at
 * every benchmark's end made a run quadratic in its results.  They are
 * rewritten at most this often (and at each engine's end and the run's);
 * in between, every protocol line is already in the engine's .log, the
 * run's append-only journal. */
#define SAVE_INTERVAL_S 1.0

struct bench_state {
	struct run *run;
	char dir[4096];
	struct ingest in;
	const char *engine;
	size_t engine_k, engine_n, expected;
	unsigned round, rounds;
	int progress;
	time_t t0;
	char last_stderr[256];
	double last_save;          /* CLOCK_MONOTONIC s of the last rewrite */
	size_t saved_results;      /* benchmark results in the last good save */
	char saved_state[16];      /* run.state in it */
	int write_failed;          /* a result file could not be written */
	char write_error[4400];    /* the first such failure */
	int logs_lost;             /* an engine log could not be written whole */
	int dirty;                 /* results ended since the last rewrite */
	double run_t0;             /* CLOCK_MONOTONIC s when the engines started */
	double est[BENCH_MAX_PLANS];   /* each engine's estimated seconds */
};

static double mono_s(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec + t.tv_nsec / 1e9;
}

static size_t count_results(const struct run *r)
{
	size_t n = 0;
	for (size_t i = 0; i < r->ne; i++)
		n += r->e[i].nb;
	return n;
}

static void utc_now(char *out, size_t len, const char *fmt)
{
	time_t t = time(NULL);
	struct tm tm;
	gmtime_r(&t, &tm);
	strftime(out, len, fmt, &tm);
}

/* A result file written and made ready to rename (atomic_prepare); 0, or
 * -1 with errno saying why and nothing left behind. */
static int make_ready(struct atomic_file *a, const char *path, const struct run *r,
		      int (*print)(const struct run *, FILE *))
{
	if (atomic_open(a, path) < 0)
		return -1;
	if (print(r, a->f) < 0 || atomic_prepare(a) < 0) {
		int err = errno;
		atomic_abort(a);
		errno = err;
		return -1;
	}
	return 0;
}

/* Rewrite results.json and results.csv (together, atomically).  Unless
 * force, at most every SAVE_INTERVAL_S.  The first failure (a full disk)
 * stops the run: going on would measure results nobody can keep. */
static void save(struct bench_state *s, int force)
{
	char path[4200];
	double now = mono_s();

	if (s->write_failed || (!force && now - s->last_save < SAVE_INTERVAL_S))
		return;
	s->last_save = now;
	s->dirty = 0;
	run_compute(s->run);
	/* Both made ready before either is renamed into place, so the pair
	 * always agrees: after a failure both are the previous save. */
	struct atomic_file json, csv;
	int bad = 0;
	snprintf(path, sizeof(path), "%s/results.json", s->dir);
	if (make_ready(&json, path, s->run, results_json_print) < 0) {
		bad = 1;
	} else {
		snprintf(path, sizeof(path), "%s/results.csv", s->dir);
		if (make_ready(&csv, path, s->run, results_csv_print) < 0) {
			int err = errno;
			atomic_abort(&json);
			errno = err;
			bad = 1;
		}
	}
	if (!bad && (atomic_publish(&json) < 0 || atomic_publish(&csv) < 0)) {
		snprintf(path, sizeof(path), "%s/results.json and results.csv", s->dir);
		bad = 1;
	}
	if (!bad) {
		s->saved_results = count_results(s->run);
		snprintf(s->saved_state, sizeof(s->saved_state), "%s", s->run->state);
	}
	if (bad) {
		snprintf(s->write_error, sizeof(s->write_error), "cannot write %s: %s", path, strerror(errno));
		s->write_failed = 1;
		stop_now = 1;
	}
}

static void progress(struct bench_state *s, const char *bench)
{
	if (!s->progress)
		return;
	char total[24] = "?";
	if (s->expected)
		snprintf(total, sizeof(total), "%zu", s->expected);
	/* ETA: what is left of this engine's estimate by its share of
	 * benchmarks done, plus the estimates of the engines after it. */
	double eta = 0, done = s->expected ? (double)s->in.e->nb / s->expected : s->in.e->nb / 43.0;
	for (size_t k = s->engine_k; k < s->engine_n; k++)
		eta += s->est[k];
	for (size_t k = 0; k < s->engine_n; k++)
		eta += s->est[k] * (s->rounds - s->round);
	eta += s->est[s->engine_k - 1] * (done < 1 ? 1 - done : 0);
	char round[32] = "";
	if (s->rounds > 1)
		snprintf(round, sizeof(round), "round %u/%u, ", s->round, s->rounds);
	fprintf(stderr, "\r\033[K[%s%zu/%zu %s] %zu of %s %s  %lds, ETA ~%.0fs", round, s->engine_k,
		s->engine_n, s->engine, s->in.e->nb, total, bench ? bench : "", (long)(time(NULL) - s->t0), eta);
	fflush(stderr);
}

static void on_tick(void *ctx)
{
	struct bench_state *s = ctx;
	progress(s, s->in.cur ? s->in.cur->name : NULL);
	/* A result that ended just before a long benchmark (or a hang) is
	 * on disk within about SAVE_INTERVAL_S all the same. */
	if (s->dirty)
		save(s, 0);
}

static void on_line(const char *line, void *ctx)
{
	struct bench_state *s = ctx;
	enum ingest_event ev = ingest_line(&s->in, line);

	if (ev == INGEST_BEGIN)
		progress(s, s->in.cur ? s->in.cur->name : NULL);
	else if (ev == INGEST_END) {
		s->dirty = 1;
		save(s, 0);
	}
}

/* Last non-empty line of an engine's stderr: its own account of a crash
 * (a triple fault, a KVM error, a QEMU complaint). */
static void last_line(const char *path, char *out, size_t len)
{
	char line[512];
	FILE *f = fopen(path, "r");

	out[0] = '\0';
	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\n")] = '\0';
		if (line[0])
			snprintf(out, len, "%.*s", (int)len - 1, line);
	}
	fclose(f);
}

/* One process of engine p.  Round 1 fills the run's result for it; a
 * later round (rounds interleave the engines) fills a result of its own,
 * merged into the run's when the process has ended, its log and stderr
 * appended to the first round's.  An engine that did not end round 1 ok
 * (unavailable, crashed, timed out) and the nested platform (its boot
 * alone takes minutes) run one round. */
static void run_engine_process(struct bench_state *s, struct bench_plan *p)
{
	struct engine_result *run_e = run_engine(s->run, p->name, 1), later, *e = run_e;
	char path[4200], errpath[4200], err[256];
	struct child_result res;
	int first = s->round == 1;
	size_t nb;

	if (!first) {
		if (strcmp(run_e->status, "ok") || !strcmp(p->kind, "nested") || stop_now)
			return;
		memset(&later, 0, sizeof(later));
		snprintf(later.name, sizeof(later.name), "%s", p->name);
		e = &later;
	}
	snprintf(e->kind, sizeof(e->kind), "%s", p->kind);
	snprintf(e->note, sizeof(e->note), "%s", p->note);
	snprintf(e->version, sizeof(e->version), "%s", p->version[0] ? p->version : s->run->host.git_commit);
	e->available = p->available;
	if (!p->available) {
		snprintf(e->status, sizeof(e->status), "unavailable");
		snprintf(e->reason, sizeof(e->reason), "%s", p->note);
		return;
	}
	if (stop_now) {
		snprintf(e->status, sizeof(e->status), "not-run");
		snprintf(e->reason, sizeof(e->reason), "%s", interrupted ? "run interrupted before this engine"
			 : "run stopped before this engine: results could not be written");
		return;
	}
	bench_plan_cmdline(p, e->command, sizeof(e->command));
	snprintf(e->log, sizeof(e->log), "%s.log", p->name);
	snprintf(e->status, sizeof(e->status), "running");
	snprintf(path, sizeof(path), "%s/%s.log", s->dir, p->name);
	snprintf(errpath, sizeof(errpath), "%s/%s.stderr", s->dir, p->name);
	FILE *log = fopen(path, first ? "we" : "ae");   /* not inherited by the engine */
	int errfd = open(errpath, O_WRONLY | O_CREAT | O_CLOEXEC | (first ? O_TRUNC : O_APPEND), 0644);
	if (log) {
		setvbuf(log, NULL, _IOLBF, 0);
		if (s->rounds > 1)
			fprintf(log, "# ringbench bench: round %u of %u\n", s->round, s->rounds);
	}
	ingest_init(&s->in, e, log);
	s->engine = p->name;
	s->t0 = time(NULL);
	save(s, 1);
	progress(s, NULL);
	if (child_run(p->argv, errfd, p->timeout_s, &stop_now, on_line, on_tick, s, &res, err, sizeof(err)) < 0) {
		snprintf(e->status, sizeof(e->status), "crash");
		snprintf(e->reason, sizeof(e->reason), "could not start: %.200s", err);
	} else {
		/* `ringbench run` ends a guest still running at its --timeout
		 * with status 124 before the harness's own bound fires: a hang,
		 * not a crash (the nested platform passes its inner run's on). */
		if ((!strcmp(p->kind, "builtin") || !strcmp(p->kind, "nested")) && res.exited &&
		    res.status == RB_STATUS_TIMEOUT) {
			res.exited = 0;
			res.timed_out = 1;
		}
		last_line(errpath, s->last_stderr, sizeof(s->last_stderr));
		ingest_finish(&s->in, &res, s->last_stderr);
	}
	nb = e->nb;
	if (!first) {
		/* What this round measured joins the run's result; a failure
		 * becomes the engine's, with the round named. */
		if (engine_merge_round(run_e, e) < 0) {
			snprintf(e->status, sizeof(e->status), "crash");
			snprintf(e->reason, sizeof(e->reason), "out of memory merging its results");
		}
		run_e->exit_status = e->exit_status;
		if (strcmp(e->status, "ok")) {
			snprintf(run_e->status, sizeof(run_e->status), "%s", e->status);
			snprintf(run_e->reason, sizeof(run_e->reason), "round %u of %u: %.220s", s->round, s->rounds,
				 e->reason);
		}
		s->in.e = run_e;
		s->in.cur = NULL;
		engine_free(e);
	}
	if (run_e->nb > s->expected)
		s->expected = run_e->nb;
	if (log) {
		int bad = ferror(log);
		if (fclose(log) != 0 || bad)
			s->logs_lost = 1;       /* said once, at the end */
	}
	if (errfd >= 0)
		close(errfd);
	if (s->progress)
		fprintf(stderr, "\r\033[K");
	if (!s->progress && !stop_now) {
		char round[32] = "";
		if (s->rounds > 1)
			snprintf(round, sizeof(round), " round %u/%u", s->round, s->rounds);
		fprintf(stderr, "ringbench: %s%s: %s (%zu benchmarks, %.1f s)%s%s\n", p->name, round, e->status,
			nb, e->elapsed_s, strcmp(e->status, "ok") ? ": " : "",
			strcmp(e->status, "ok") ? e->reason : "");
	}
	save(s, 1);
}

/* results/<id>, unique; results/latest → <id> (symlink swapped atomically). */
static int make_run_dir(const struct bench_opts *o, struct run *r, char *dir, size_t len)
{
	char id[64];

	mkdir(o->out_dir, 0755);
	if (o->run_id)
		snprintf(id, sizeof(id), "%s", o->run_id);
	else
		utc_now(id, sizeof(id), "%Y%m%d-%H%M%S");
	for (int k = 1; k < 100; k++) {
		if (k > 1)
			snprintf(r->id, sizeof(r->id), "%.50s-%d", id, k);
		else
			snprintf(r->id, sizeof(r->id), "%s", id);
		snprintf(dir, len, "%s/%s", o->out_dir, r->id);
		if (mkdir(dir, 0755) == 0)
			return 0;
		if (errno != EEXIST)
			break;
	}
	fprintf(stderr, "ringbench: cannot create %s: %s\n", dir, strerror(errno));
	return -1;
}

static void point_latest(const struct bench_opts *o, const struct run *r)
{
	char tmp[4200], link[4200];

	snprintf(tmp, sizeof(tmp), "%s/.latest.%ld", o->out_dir, (long)getpid());
	snprintf(link, sizeof(link), "%s/latest", o->out_dir);
	unlink(tmp);
	if (symlink(r->id, tmp) == 0 && rename(tmp, link) != 0)
		unlink(tmp);
}

/* Did any engine run its guest to the end (so an empty result set is
 * the selection's doing, not a crash's)? */
static int any_engine_ran(const struct run *r)
{
	for (size_t i = 0; i < r->ne; i++)
		if (!strcmp(r->e[i].status, "ok"))
			return 1;
	return 0;
}

/* Report, plots and the dashboard JSON from a complete (or interrupted)
 * result set; shared by `bench` and `report`.  0, or -1 when a file could
 * not be written (said on stderr). */
static int finish_outputs(const struct run *r, const char *dir, int no_plots, int terminal)
{
	char note[600], path[4200];
	int rc = 0;

	if (no_plots)
		snprintf(note, sizeof(note), "Plots not drawn (--no-plots); draw them with `./ringbench report %s`.", dir);
	else
		plots_draw(r, dir, note, sizeof(note));
	snprintf(path, sizeof(path), "%s/report.md", dir);
	if (report_write_md(r, path, note) < 0) {
		fprintf(stderr, "ringbench: cannot write %s: %s\n", path, strerror(errno));
		rc = -1;
	}
	snprintf(path, sizeof(path), "%s/benchmark-action.json", dir);
	if (compare_write_dashboard_json(r, path) < 0) {
		fprintf(stderr, "ringbench: cannot write %s: %s\n", path, strerror(errno));
		rc = -1;
	}
	snprintf(path, sizeof(path), "%s/bencher.json", dir);
	if (compare_write_bencher_json(r, path) < 0) {
		fprintf(stderr, "ringbench: cannot write %s: %s\n", path, strerror(errno));
		rc = -1;
	}
	if (terminal == 2)
		report_print_full(r, stdout);
	if (terminal) {
		report_print_summary(r, dir, note, stdout);
		printf("Results: %s/ (results.json, results.csv, report.md)\n", dir);
	}
	if (fflush(stdout) != 0)
		rc = -1;
	return rc;
}

/* A misspelt --engines name would otherwise just measure nothing. */
static int unknown_engines(const struct bench_opts *o, const struct bench_plan *p, size_t n)
{
	char buf[512];
	int bad = 0;

	if (!o->engines || !strcmp(o->engines, "all"))
		return 0;
	snprintf(buf, sizeof(buf), "%s", o->engines);
	for (char *save, *t = strtok_r(buf, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
		size_t i;
		for (i = 0; i < n && strcmp(p[i].name, t); i++)
			;
		if (i == n) {
			fprintf(stderr, "ringbench bench: unknown engine %s (known: kvm interp bt native "
				"qemu-tcg qemu-kvm kvm-amdv-nested and --engine-cmd names)\n", t);
			bad = 1;
		}
	}
	return bad;
}

static void usage(FILE *f)
{
	fprintf(f,
		"usage: ringbench bench [options]\n"
		"  --engines LIST    engines to run (default all): kvm,interp,bt,native,qemu-tcg,qemu-kvm,\n"
		"                    kvm-amdv-nested (`ringbench engines` says which are usable here)\n"
		"  --only LIST       benchmarks or groups (guest only=)\n"
		"  --quick           short budget and few repetitions (smoke test)\n"
		"  --cpus N          guest vCPUs, 1 to 8 (default 1): run --cpus N, QEMU -smp N\n"
		"  --host-cpus M     built-in engines: run --host-cpus M, QEMU under taskset (N > M overcommits)\n"
		"  --overcommit LIST the smp group at each ratio (vCPUs per host CPU), e.g. 1,1.5,2,3,4:\n"
		"                    one run per ratio, vCPUs = ratio x M (--host-cpus, default every\n"
		"                    usable host CPU), then slowdown, fairness and IPI figures (docs/results.md)\n"
		"  --budget-ms N     time budget per repetition (default 10; quick 1)\n"
		"  --reps N          least repetitions (default 30; quick 5); the guest adds up to 4x more\n"
		"                    until the median's 95%% CI is within 2%% of it\n"
		"  --warmup N        warm-up runs (default 2; quick 1)\n"
		"  --rounds N        run each engine N times, the engines in turn each round, the\n"
		"                    repetitions shared among them: side-by-side ratios then span\n"
		"                    the whole run, not one phase of a noisy host (default 3;\n"
		"                    quick, --cpus above 1 and --overcommit: 1)\n"
		"  --timeout S       per engine process, in seconds, fractions allowed (default 900; quick 120)\n"
		"  --out DIR         results root (default results)\n"
		"  --run-id ID       run directory name (default UTC time)\n"
		"  --kernel F        guest for built-in engines (default build/guests/kernel.elf)\n"
		"  --kernel32 F      guest for QEMU (default build/guests/kernel32.elf)\n"
		"  --native F        native twins (default build/microbench/native)\n"
		"                    (default paths are beside the ringbench binary)\n"
		"  --no-plots        skip gnuplot\n"
		"  --quiet           no progress display\n"
		"  --engine-cmd NAME=CMD  test only: add an engine run as `sh -c 'exec CMD \"$@\"' guest-words`\n");
}

static int parse(int argc, char **argv, struct bench_opts *o)
{
	static const struct option lo[] = {
		{ "engines", required_argument, NULL, 'e' }, { "only", required_argument, NULL, 'o' },
		{ "quick", no_argument, NULL, 'q' }, { "budget-ms", required_argument, NULL, 'b' },
		{ "reps", required_argument, NULL, 'r' }, { "warmup", required_argument, NULL, 'w' },
		{ "timeout", required_argument, NULL, 't' }, { "out", required_argument, NULL, 'O' },
		{ "run-id", required_argument, NULL, 'i' }, { "kernel", required_argument, NULL, 'k' },
		{ "kernel32", required_argument, NULL, 'K' }, { "native", required_argument, NULL, 'n' },
		{ "qemu", required_argument, NULL, 'Q' }, { "no-plots", no_argument, NULL, 'P' },
		{ "quiet", no_argument, NULL, 's' }, { "engine-cmd", required_argument, NULL, 'x' },
		{ "cpus", required_argument, NULL, 'c' }, { "host-cpus", required_argument, NULL, 'H' },
		{ "overcommit", required_argument, NULL, 'v' }, { "rounds", required_argument, NULL, 'R' },
		{ "help", no_argument, NULL, 'h' }, { NULL, 0, NULL, 0 },
	};
	int c;
	unsigned long long cpus;
	unsigned long long budget = 0, reps = 0, warmup = 0, rounds = 0;
	int have_budget = 0, have_reps = 0, have_warmup = 0, have_rounds = 0;

	bench_opts_default(o);
	optind = 1;
	while ((c = getopt_long(argc, argv, ":e:o:qh", lo, NULL)) != -1) {
		switch (c) {
		case 'e': o->engines = optarg; break;
		case 'o': o->only = optarg; break;
		case 'q': o->quick = 1; break;
		case 'c':
			if (opt_uint("bench", "--cpus", optarg, 1, 8, &cpus) < 0)
				return -1;
			o->cpus = (unsigned)cpus;
			break;
		case 'H':
			if (opt_uint("bench", "--host-cpus", optarg, 1, 1024, &cpus) < 0)
				return -1;
			o->host_cpus = (unsigned)cpus;
			break;
		case 'b':
			if (opt_uint("bench", "--budget-ms", optarg, 1, 60000, &budget) < 0)
				return -1;
			have_budget = 1;
			break;
		case 'r':
			if (opt_uint("bench", "--reps", optarg, 1, 100000, &reps) < 0)
				return -1;
			have_reps = 1;
			break;
		case 'w':
			if (opt_uint("bench", "--warmup", optarg, 0, 100000, &warmup) < 0)
				return -1;
			have_warmup = 1;
			break;
		case 'R':
			if (opt_uint("bench", "--rounds", optarg, 1, 20, &rounds) < 0)
				return -1;
			have_rounds = 1;
			break;
		case 't':
			if (opt_seconds("bench", "--timeout", optarg, &o->timeout_s) < 0)
				return -1;
			break;
		case 'O': o->out_dir = optarg; break;
		case 'i': o->run_id = optarg; break;
		case 'k': o->kernel = optarg; break;
		case 'K': o->kernel32 = optarg; break;
		case 'n': o->native = optarg; break;
		case 'Q': o->qemu = optarg; break;
		case 'P': o->no_plots = 1; break;
		case 'v': o->overcommit = optarg; break;
		case 's': o->quiet = 1; break;
		case 'x':
			if (o->n_engine_cmd == sizeof(o->engine_cmd) / sizeof(o->engine_cmd[0]) ||
			    !strchr(optarg, '=') || optarg[0] == '=') {
				fprintf(stderr, "ringbench bench: --engine-cmd '%s' is not NAME=COMMAND (at most %zu)\n",
					optarg, sizeof(o->engine_cmd) / sizeof(o->engine_cmd[0]));
				return -1;
			}
			o->engine_cmd[o->n_engine_cmd++] = optarg;
			break;
		case 'h': usage(stdout); exit(0);
		default: opt_complain("bench", c, argv); return -1;
		}
	}
	if (optind != argc) {
		fprintf(stderr, "ringbench bench: unexpected argument '%s' (try ringbench bench --help)\n",
			argv[optind]);
		return -1;
	}
	if (o->engines && !o->engines[strspn(o->engines, ", ")]) {
		fprintf(stderr, "ringbench bench: --engines '%s' names no engine\n", o->engines);
		return -1;
	}
	if (o->only && !o->only[strspn(o->only, ", ")]) {
		fprintf(stderr, "ringbench bench: --only '%s' names no benchmark\n", o->only);
		return -1;
	}
	o->budget_ms = have_budget ? (unsigned)budget : o->quick ? 1 : 10;
	o->reps = have_reps ? (unsigned)reps : o->quick ? 5 : 30;
	o->warmup = have_warmup ? (unsigned)warmup : o->quick ? 1 : 2;
	/* Several vCPUs: the smp benchmarks' distributions and shares are
	 * one process's, so one round. */
	if (have_rounds && rounds > 1 && (o->cpus > 1 || o->overcommit)) {
		fprintf(stderr, "ringbench bench: --rounds %llu needs --cpus 1 and no --overcommit\n", rounds);
		return -1;
	}
	o->rounds = have_rounds ? (unsigned)rounds : o->quick || o->cpus > 1 || o->overcommit ? 1 : 3;
	return 0;
}

int cmd_bench(int argc, char **argv)
{
	struct bench_opts o;

	for (int i = 1; i < argc; i++)
		if (!strcmp(argv[i], "--linux"))
			return bench_linux(argc, argv);
	if (parse(argc, argv, &o) < 0)
		return 2;
	return o.overcommit ? bench_sweep(&o) : bench_run(&o);
}

int bench_run(const struct bench_opts *opts)
{
	struct bench_opts o = *opts;
	struct bench_plan plans[BENCH_MAX_PLANS];
	struct bench_state s;
	struct counters hc;
	struct sigaction sa;
	unsigned rounds = o.rounds ? o.rounds : 1, reps = o.reps;

	/* Each round's processes run their share of the repetitions. */
	o.reps = (reps + rounds - 1) / rounds;
	size_t n = bench_plan_make(&o, plans, BENCH_MAX_PLANS);
	if (unknown_engines(&o, plans, n)) {
		bench_plan_free(plans, n);
		return 2;
	}
	memset(&s, 0, sizeof(s));
	s.run = calloc(1, sizeof(*s.run));
	if (!s.run) {
		bench_plan_free(plans, n);
		return 1;
	}
	run_init(s.run);
	struct run *r = s.run;
	hostinfo_collect(&r->host);
	counters_open(&hc);
	counters_describe(&hc, r->host.counters_real, sizeof(r->host.counters_real),
			  r->host.counters_missing, sizeof(r->host.counters_missing));
	counters_close(&hc);
	utc_now(r->started, sizeof(r->started), "%Y-%m-%dT%H:%M:%SZ");
	snprintf(r->only, sizeof(r->only), "%s", o.only ? o.only : "");
	r->budget_ms = o.budget_ms;
	r->reps = reps;
	r->rounds = rounds;
	r->warmup = o.warmup;
	r->quick = o.quick;
	r->cpus = o.cpus;
	r->host_cpus = o.host_cpus;
	r->overcommit = o.host_cpus ? (double)o.cpus / o.host_cpus : 0;
	if (make_run_dir(&o, r, s.dir, sizeof(s.dir)) < 0) {
		bench_plan_free(plans, n);
		free(r);
		return 1;
	}

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	s.progress = !o.quiet && isatty(2);


	s.engine_n = n;
	s.rounds = rounds;
	double est_lo, est_hi;
	bench_plan_estimate(&o, plans, n, &est_lo, &est_hi);
	est_lo *= rounds;
	est_hi *= rounds;
	for (size_t i = 0; i < n; i++) {
		double lo, hi;
		bench_plan_estimate(&o, &plans[i], 1, &lo, &hi);
		s.est[i] = (lo + hi) / 2;
	}
	fprintf(stderr, "ringbench: run %s in %s: %zu engine(s), budget %u ms x %u reps%s; "
		"expect %.0f s to %.0f s\n", r->id, s.dir, n, o.budget_ms, reps,
		rounds > 1 ? " in rounds (each engine once per round, in turn)" : "", est_lo, est_hi);
	s.run_t0 = mono_s();
	for (size_t i = 0; i < n; i++)
		if (!plans[i].available)
			fprintf(stderr, "ringbench: %s unavailable: %s\n", plans[i].name, plans[i].note);
	for (s.round = 1; s.round <= rounds; s.round++)
		for (size_t i = 0; i < n; i++) {
			s.engine_k = i + 1;
			run_engine_process(&s, &plans[i]);
		}
	bench_plan_free(plans, n);

	snprintf(r->state, sizeof(r->state), "%s", interrupted ? "interrupted" : "complete");
	utc_now(r->finished, sizeof(r->finished), "%Y-%m-%dT%H:%M:%SZ");
	r->host.loadavg_end = hostinfo_loadavg();
	save(&s, 1);
	int rc = interrupted ? 130 : 0;
	if (s.write_failed) {
		/* One message for the whole failure: what is kept, what is not. */
		fprintf(stderr, "ringbench: %s; run stopped.\n"
			"ringbench: kept: %s/results.json as last written (state %s, %zu benchmark result(s)%s);\n"
			"ringbench: lost: %zu later result(s), the final state, report.md and plots%s\n",
			s.write_error, s.dir, s.saved_state[0] ? s.saved_state : "none",
			s.saved_results, s.saved_results ? "" : ": none written",
			count_results(r) - (count_results(r) < s.saved_results ? count_results(r) : s.saved_results),
			s.logs_lost ? ", parts of the engine logs" : "");
		rc = 1;
	} else {
		if (finish_outputs(r, s.dir, o.no_plots || interrupted, !o.in_sweep) < 0)
			rc = interrupted ? 130 : 1;
		/* Only a run that ended (complete or interrupted) becomes
		 * latest: a killed run must not replace the last good one. */
		if (!o.in_sweep)
			point_latest(&o, r);
		if (s.logs_lost)
			fprintf(stderr, "ringbench: some engine logs in %s could not be written whole\n", s.dir);
		if (!interrupted && o.only && !count_results(r) && any_engine_ran(r)) {
			fprintf(stderr, "ringbench bench: --only '%s' matched no benchmark\n", o.only);
			rc = 2;
		}
	}
	fprintf(stderr, "ringbench: %s after %.0f s\n", interrupted ? "interrupted" : "finished",
		mono_s() - s.run_t0);
	if (interrupted)
		fprintf(stderr, "ringbench: interrupted; partial results kept in %s\n", s.dir);
	run_free(r);
	free(r);
	return rc;
}

static void report_usage(FILE *f)
{
	fprintf(f, "usage: ringbench report [--no-plots] [--quiet | --full] [RUN_DIR]\n"
		   "       ringbench report [--no-plots] [--quiet] [--out FILE] RUN_DIR RUN_DIR...\n"
		   "Redraws report.md and the plots of a results directory (default results/latest)\n"
		   "and prints a one-screen summary (--full: the whole report as text).\n"
		   "With several (e.g. from different hosts): one side-by-side report and figure,\n"
		   "columns labelled by host and flavour, to FILE (default results/multi/report.md).\n");
}

int cmd_report(int argc, char **argv)
{
	char path[4200], err[512];
	int no_plots = 0, quiet = 0, full = 0;
	const char *dir = NULL, *out = NULL;
	char **dirs = calloc((size_t)argc + 1, sizeof(*dirs));
	size_t nd = 0;

	if (!dirs)
		return 1;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--no-plots"))
			no_plots = 1;
		else if (!strcmp(argv[i], "--quiet"))
			quiet = 1;
		else if (!strcmp(argv[i], "--full"))
			full = 1;
		else if (!strcmp(argv[i], "--out") && i + 1 < argc)
			out = argv[++i];
		else if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			report_usage(stdout);
			free(dirs);
			return 0;
		} else if (argv[i][0] != '-')
			dirs[nd++] = argv[i];
		else {
			report_usage(stderr);
			free(dirs);
			return 2;
		}
	}
	if (nd > 1 || out) {
		int rc = nd ? cmd_report_multi(nd, dirs, out, no_plots, quiet) : 2;
		if (!nd)
			report_usage(stderr);
		free(dirs);
		return rc;
	}
	dir = nd ? dirs[0] : "results/latest";
	free(dirs);
	if (report_sweep_is(dir))
		return report_sweep_write(dir, no_plots, !quiet) < 0 ? 1 : 0;
	struct run *r = calloc(1, sizeof(*r));
	if (!r)
		return 1;
	snprintf(path, sizeof(path), "%s/results.json", dir);
	if (results_json_load(r, path, err, sizeof(err)) < 0) {
		fprintf(stderr, "ringbench report: %s\n", err);
		free(r);
		return 1;
	}
	run_compute(r);
	int rc = finish_outputs(r, dir, no_plots, quiet ? 0 : full ? 2 : 1) < 0 ? 1 : 0;
	run_free(r);
	free(r);
	return rc;
}
