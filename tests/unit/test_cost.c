/* The cost every output shows (bench_cost): a median significantly above
 * the empty loop is printed with its CI in 3 significant digits; one that
 * is not is printed only as an upper bound, never as a negative number, in
 * the report cell, the CSV and results.json alike. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness/results.h"
#include "harness/results_csv.h"
#include "harness/results_json.h"
#include "tests/check.h"

/* n samples of iters iterations at per-op cycles c[k % nc]. */
static void samples(struct bench_result *b, const double *c, size_t nc, size_t n)
{
	for (size_t k = 0; k < n; k++)
		bench_add_sample(b, 100000, (uint64_t)(c[k % nc] * 100000));
	strcpy(b->status, "ok");
	b->span_iters = 100000 * n;
}

int main(void)
{
	static struct run r;
	char buf[128];
	struct cost c;

	run_init(&r);
	r.host.tsc_khz = 2e6;       /* 1 cycle = 0.5 ns */
	strcpy(r.state, "complete");
	struct engine_result *e = run_engine(&r, "kvm", 1);
	e->available = 1;
	strcpy(e->status, "ok");
	struct bench_result *loop = engine_bench(e, "loop", 1);
	struct bench_result *tiny = engine_bench(e, "tiny", 1);
	struct bench_result *big = engine_bench(e, "big", 1);
	loop->ring = tiny->ring = big->ring = 3;
	/* The empty loop: 10 cycles/op +- 1. */
	samples(loop, (double[]){ 9, 10, 11, 10, 9.5, 10.5 }, 6, 12);
	/* 0.3 cycles above it, inside the loop's noise; and a negative median. */
	samples(tiny, (double[]){ 9.2, 10.3, 11.1, 10.0, 9.9, 10.6 }, 6, 12);
	/* 2000 cycles above it, tight. */
	samples(big, (double[]){ 2010, 2011, 2009, 2010.5 }, 4, 12);
	run_compute(&r);

	CHECK(loop->resolved, "the empty loop itself is reported raw (resolved)");
	CHECK(tiny->resolution > 0.4, "resolution = half-width of the loop's median CI (%.2f cycles)", tiny->resolution);
	CHECK(!tiny->resolved, "a cost inside the loop's noise is below resolution (median %.2f, CI [%.2f, %.2f])",
	      tiny->st.median, tiny->st.ci_lo, tiny->st.ci_hi);
	CHECK(big->resolved, "a cost far above the loop is resolved");

	bench_cost(&r, tiny, 0, &c);
	cost_format(&c, 1, buf, sizeof(buf));
	CHECK(!c.resolved && c.bound > 0 && buf[0] == '<' && !strchr(buf, '-'),
	      "below resolution prints an upper bound, never a negative: '%s'", buf);
	bench_cost(&r, big, 0, &c);
	cost_format(&c, 1, buf, sizeof(buf));
	CHECK(!strcmp(buf, "1000 [1000, 1000]"), "3 significant digits in ns: '%s'", buf);
	bench_cost(&r, big, 1, &c);
	cost_format(&c, 0, buf, sizeof(buf));
	CHECK(!strcmp(buf, "2000"), "in TSC cycles on request: '%s'", buf);

	static const struct { double v; const char *want; } s3[] = {
		{ 1416776.8, "1420000" }, { 12.345, "12.3" }, { 123.4, "123" },
		{ 0.4567, "0.457" }, { 5.678, "5.68" }, { 0, "0.00" },
	};
	for (size_t i = 0; i < sizeof(s3) / sizeof(s3[0]); i++) {
		sig3(s3[i].v, buf, sizeof(buf));
		CHECK(!strcmp(buf, s3[i].want), "sig3(%g) = '%s' (want %s)", s3[i].v, buf, s3[i].want);
	}

	/* The CSV: median_ns empty and below_ns set for the unresolved row. */
	char *csv = NULL;
	size_t clen = 0;
	FILE *f = open_memstream(&csv, &clen);
	results_csv_print(&r, f);
	fclose(f);
	const char *row = strstr(csv, "\nkvm,tiny,");
	int negative = 0;
	for (const char *p = csv; (p = strstr(p, ",-")); p++)
		negative++;
	CHECK(row && strstr(row, ",no,") && !negative, "CSV: the unresolved row says resolved=no, no negative field");
	free(csv);

	/* results.json: ns_median null, ns_below set; read back alike. */
	char dir[] = "/tmp/ringbench-cost-XXXXXX", path[64];
	CHECK(mkdtemp(dir) != NULL, "temporary directory");
	snprintf(path, sizeof(path), "%s/results.json", dir);
	CHECK(results_json_write(&r, path) == 0, "results.json written");
	static struct run back;
	char err[256] = "";
	CHECK(results_json_load(&back, path, err, sizeof(err)) == 0, "read back (%s)", err);
	struct bench_result *bt = engine_bench(run_engine(&back, "kvm", 0), "tiny", 0);
	CHECK(bt && !bt->resolved && bt->resolution > 0.4, "resolved and resolution survive the round trip");
	f = fopen(path, "r");
	char json[65536];
	size_t n = fread(json, 1, sizeof(json) - 1, f);
	fclose(f);
	json[n] = '\0';
	CHECK(strstr(json, "\"ns_below\"") && strstr(json, "\"resolved\""), "results.json has resolved and ns_below");
	unlink(path);
	rmdir(dir);
	run_free(&r);
	run_free(&back);
	CHECK_EXIT();
}
