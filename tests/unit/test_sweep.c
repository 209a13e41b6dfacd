/* The overcommit sweep (bench --overcommit): ratios to vCPUs (rounded,
 * bounded by the MP table's 8, duplicates refused), and its report read
 * back from two runs written here: the slowdown is the ratio of medians
 * with the interval from both CIs, fairness and PAUSE-loop yields as given,
 * a missing measurement says why, and config.host_cpus/overcommit survive
 * results.json and appear in results.csv. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "harness/report_sweep.h"
#include "harness/results.h"
#include "harness/results_csv.h"
#include "harness/results_json.h"
#include "tests/check.h"

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	static char buf[65536];
	size_t n;

	if (!f)
		return NULL;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

/* A run at cpus vCPUs on 2 host CPUs: interp's token_ring at per-op
 * cycles (1000 around it, paired with a 100-cycle empty loop), its yields,
 * and a fairness result; kvm's token_ring unsupported. */
static void make_run(struct run *r, unsigned cpus, double cycles, uint64_t yields, uint64_t jain)
{
	run_init(r);
	r->host.tsc_khz = 1e6;          /* 1 cycle = 1 ns */
	r->cpus = cpus;
	r->host_cpus = 2;
	r->overcommit = cpus / 2.0;
	snprintf(r->id, sizeof(r->id), "x%g", cpus / 2.0);
	struct engine_result *e = run_engine(r, "interp", 1);
	snprintf(e->status, sizeof(e->status), "ok");
	snprintf(e->kind, sizeof(e->kind), "builtin");
	e->available = 1;
	struct bench_result *b = engine_bench(e, "token_ring", 1);
	snprintf(b->group, sizeof(b->group), "smp");
	snprintf(b->status, sizeof(b->status), "ok");
	for (int k = 0; k < 20; k++)
		bench_add_paired_sample(b, 1000, (uint64_t)((cycles + (k % 5) - 2 + 100) * 1000), 100 * 1000);
	b->span_iters = 20000;
	bench_set_counter(b, "engine.vcpu.switch.pause", (double)yields);
	struct bench_result *f = engine_bench(e, "fairness", 1);
	snprintf(f->group, sizeof(f->group), "smp");
	snprintf(f->status, sizeof(f->status), "ok");
	for (int k = 0; k < 5; k++)
		bench_add_paired_sample(f, 1, 1000000, 100);
	f->jain_milli = jain;
	f->min_share_milli = 800;
	struct engine_result *kvm = run_engine(r, "kvm", 1);
	snprintf(kvm->status, sizeof(kvm->status), "ok");
	snprintf(kvm->kind, sizeof(kvm->kind), "builtin");
	kvm->available = 1;
	struct bench_result *u = engine_bench(kvm, "token_ring", 1);
	snprintf(u->group, sizeof(u->group), "smp");
	snprintf(u->status, sizeof(u->status), "unsupported");
	snprintf(u->reason, sizeof(u->reason), "a reason from the guest");
	struct bench_result *ok = engine_bench(kvm, "ipi_wake", 1);
	snprintf(ok->group, sizeof(ok->group), "smp");
	snprintf(ok->status, sizeof(ok->status), "ok");
	for (int k = 0; k < 20; k++)
		bench_add_paired_sample(ok, 100, 100 * (5000 + k % 3), 100 * 100);
	ok->lat[0] = 5000;
	ok->lat[1] = 9000;
	ok->lat[2] = 20000;
	run_compute(r);
}

int main(void)
{
	double ratio[8];
	unsigned cpus[8];
	int n;

	n = sweep_parse_ratios("1,1.5,2,3,4", 2, ratio, cpus, 8);
	CHECK(n == 5 && cpus[0] == 2 && cpus[1] == 3 && cpus[2] == 4 && cpus[3] == 6 && cpus[4] == 8 &&
	      ratio[1] == 1.5 && ratio[4] == 4, "1,1.5,2,3,4 on 2 host CPUs: 2 3 4 6 8 vCPUs");
	n = sweep_parse_ratios("1.5", 3, ratio, cpus, 8);
	CHECK(n == 1 && cpus[0] == 5 && fabs(ratio[0] - 5 / 3.0) < 1e-9,
	      "1.5 on 3 host CPUs: 4.5 rounds to 5 vCPUs, the ratio kept is 5/3 (%u, %g)", cpus[0], ratio[0]);
	static const char *const bad[] = { "", "x", "1,x", "0.5", "5", "1,1", "-1", "nan", "1e9", ",", NULL };
	for (int i = 0; bad[i]; i++)
		CHECK(sweep_parse_ratios(bad[i], 2, ratio, cpus, 8) < 0, "--overcommit '%s' on 2 host CPUs: refused", bad[i]);
	CHECK(sweep_parse_ratios("1", 1, ratio, cpus, 8) < 0, "1x on 1 host CPU (1 vCPU, no smp group): refused");

	char dir[] = "/tmp/ringbench-sweep-XXXXXX", path[256];
	CHECK(mkdtemp(dir) != NULL, "temporary directory");
	static struct run a, b;
	make_run(&a, 2, 1000, 2000, 990);
	make_run(&b, 4, 2000, 6000, 700);
	struct run *runs[] = { &b, &a };        /* the order read does not matter */
	for (int i = 0; i < 2; i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, runs[i]->id);
		mkdir(path, 0755);
		snprintf(path, sizeof(path), "%s/%s/results.json", dir, runs[i]->id);
		CHECK(results_json_write(runs[i], path) == 0, "%s/results.json written", runs[i]->id);
	}
	static struct run back;
	char err[256];
	snprintf(path, sizeof(path), "%s/x2/results.json", dir);
	CHECK(results_json_load(&back, path, err, sizeof(err)) == 0 && back.cpus == 4 && back.host_cpus == 2 &&
	      back.overcommit == 2, "results.json keeps cpus 4, host_cpus 2, overcommit 2");
	run_free(&back);
	char *csv = NULL;
	size_t clen = 0;
	FILE *f = open_memstream(&csv, &clen);
	results_csv_print(&b, f);
	fclose(f);
	CHECK(strstr(csv, ",cpus,host_cpus,overcommit\n") && strstr(csv, ",4,2,2\n"),
	      "results.csv: cpus, host_cpus and overcommit columns (4,2,2)");
	free(csv);

	CHECK(report_sweep_is(dir), "the directory is a sweep (x1, x2 with results.json, none of its own)");
	setenv("RINGBENCH_GNUPLOT", "/nonexistent", 1);
	CHECK(report_sweep_write(dir, 0, 0) == 0, "sweep report written");
	snprintf(path, sizeof(path), "%s/report.md", dir);
	char *md = slurp(path);
	CHECK(md && strstr(md, "| 1x | 2 | 2 | [x1](x1/report.md)") && strstr(md, "| 2x | 4 | 2 |"),
	      "report.md: the runs by ratio, lowest first");
	CHECK(md && strstr(md, "| token_ring, interp | 1.00 | 2.00 ["), "report.md: token_ring slows down 2.00x at 2x");
	CHECK(md && strstr(md, "unsupported [") && strstr(md, "a reason from the guest"),
	      "report.md: kvm's token_ring says unsupported with the guest's reason");
	CHECK(md && strstr(md, "| fairness, interp | 0.990 (min 0.80) | 0.700 (min 0.80) |"),
	      "report.md: Jain's index per ratio");
	CHECK(md && strstr(md, "| token_ring, interp | 0.1 | 0.3 |"), "report.md: PAUSE-loop yields per operation");
	CHECK(md && strstr(md, "Not counted by kvm"), "report.md: kvm named as counting no PAUSE-loop exits");
	CHECK(md && strstr(md, "| ipi_wake, kvm | 5.00 / 9.00 / 20.0 |"), "report.md: IPI latency p50/p99/p99.9 in µs");
	CHECK(md && strstr(md, "gnuplot not found"), "report.md: says why there are no figures");
	snprintf(path, sizeof(path), "%s/sweep.csv", dir);
	char *sc = slurp(path);
	CHECK(sc && strstr(sc, "interp,token_ring,2,4,2,ok,2000,"), "sweep.csv: interp token_ring at 2x: 2000 ns");

	/* The interval: both medians' CIs (lo/hi, hi/lo) around the ratio. */
	struct sweep s;
	memset(&s, 0, sizeof(s));
	s.n = 2;
	s.r[0] = &a;
	s.r[1] = &b;
	double x, lo, hi;
	CHECK(sweep_slowdown(&s, 1, "interp", "token_ring", &x, &lo, &hi) == 0 && fabs(x - 2) < 0.01 &&
	      lo < x && hi > x && lo > 1.9 && hi < 2.1,
	      "slowdown 2x with an interval around it (%.4g [%.4g, %.4g])", x, lo, hi);
	CHECK(sweep_slowdown(&s, 1, "kvm", "token_ring", &x, &lo, &hi) < 0, "no slowdown where a run has no value");
	run_free(&a);
	run_free(&b);
	static const char *const files[] = { "x1/results.json", "x2/results.json", "x1", "x2", "report.md",
					     "sweep.csv", "plots", "" };
	for (int i = 0; files[i][0]; i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, files[i]);
		remove(path);
	}
	CHECK(rmdir(dir) == 0, "temporary directory removed (nothing else written)");
	CHECK_EXIT();
}
