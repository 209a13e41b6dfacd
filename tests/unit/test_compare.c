/* Regression verdicts on synthetic runs, through a results.json round
 * trip: a slowed-down run is caught, an unchanged one is not flagged. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness/compare.h"
#include "harness/results_json.h"
#include "tests/check.h"

/* kvm: loop, alu, in_null; cycles scaled by slow[bench], exits per op
 * for in_null; jitter is deterministic (+-1%). */
static void make_run(struct run *r, const char *id, double slow_alu, double slow_in,
		     double exits_in, const char *in_status)
{
	static const char *const names[] = { "loop", "alu", "in_null" };
	const double cost[] = { 3, 10, 2000 };

	run_init(r);
	snprintf(r->id, sizeof(r->id), "%s", id);
	snprintf(r->state, sizeof(r->state), "complete");
	r->host.tsc_khz = 2.5e6;
	struct engine_result *e = run_engine(r, "kvm", 1);
	e->available = 1;
	snprintf(e->status, sizeof(e->status), "ok");
	for (int i = 0; i < 3; i++) {
		struct bench_result *b = engine_bench(e, names[i], 1);
		double c = cost[i] * (i == 1 ? slow_alu : i == 2 ? slow_in : 1);
		snprintf(b->status, sizeof(b->status), "%s", i == 2 ? in_status : "ok");
		b->seq = i;
		for (int k = 0; k < 15; k++)
			bench_add_sample(b, 1000, (uint64_t)(c * 1000 * (1 + ((k * 7) % 5 - 2) / 200.0)));
		b->span_iters = 20000;
		if (i == 2)
			bench_set_counter(b, "engine.exits.io", exits_in * 20000);
	}
	run_compute(r);
}

static struct compare_summary cmp(struct run *a, struct run *b)
{
	struct compare_opts o = { .threshold = 0.10 };
	struct compare_summary s;
	compare_runs(a, b, &o, NULL, &s);
	return s;
}

int main(void)
{
	static struct run base, same, slow, slightly, exits, failing, loaded;
	char path[] = "/tmp/ringbench-test-XXXXXX", file[64], err[256] = "";

	make_run(&base, "base", 1, 1, 1, "ok");
	make_run(&same, "same", 1.003, 0.998, 1, "ok");
	make_run(&slow, "slow", 1.5, 1, 1, "ok");
	make_run(&slightly, "slightly", 1.04, 1, 1, "ok");
	make_run(&exits, "exits", 1, 1, 2, "ok");
	make_run(&failing, "failing", 1, 1, 1, "fail");

	CHECK(mkdtemp(path) != NULL, "temporary directory");
	snprintf(file, sizeof(file), "%s/base.json", path);
	CHECK(results_json_write(&base, file) == 0, "results.json written");
	CHECK(results_json_load(&loaded, file, err, sizeof(err)) == 0, "results.json read back (%s)", err);
	struct engine_result *le = run_engine(&loaded, "kvm", 0);
	CHECK(le && le->nb == 3 && le->b[1].n == 15 && fabs(le->b[1].st.median - base.e[0].b[1].st.median) < 1e-9,
	      "round trip keeps samples and statistics");
	CHECK(le && le->b[2].span_iters == 20000 && bench_counter(&le->b[2], "engine.exits.io") == 20000,
	      "round trip keeps counters");

	FILE *f;
	struct compare_summary s = cmp(&loaded, &same);
	CHECK(s.regressions == 0 && s.improvements == 0, "unchanged run: nothing flagged");
	s = cmp(&loaded, &slow);
	CHECK(s.regressions == 1, "alu 50%% slower: one regression (%u)", s.regressions);
	s = cmp(&slow, &loaded);
	CHECK(s.regressions == 0 && s.improvements == 1, "the other way round: an improvement");
	s = cmp(&loaded, &slightly);
	CHECK(s.regressions == 0, "4%% slower, below the 10%% threshold: not flagged");
	s = cmp(&loaded, &exits);
	CHECK(s.regressions == 1, "exits per op 1 -> 2 with the same timing: caught exactly");
	s = cmp(&loaded, &failing);
	CHECK(s.regressions == 1, "ok -> fail is a regression");

	/* Incomplete runs: each kind of lost result is a regression (issue 11). */
	static struct run partial;
	make_run(&partial, "partial", 1, 1, 1, "ok");
	snprintf(partial.state, sizeof(partial.state), "running");
	s = cmp(&loaded, &partial);
	CHECK(s.regressions == 1, "a run still in state running is a regression (%u)", s.regressions);
	snprintf(partial.state, sizeof(partial.state), "interrupted");
	s = cmp(&loaded, &partial);
	CHECK(s.regressions == 1, "an interrupted run is a regression (%u)", s.regressions);
	snprintf(partial.state, sizeof(partial.state), "complete");
	partial.e[0].nb = 1;       /* only loop measured, then the engine died */
	snprintf(partial.e[0].status, sizeof(partial.e[0].status), "crash");
	s = cmp(&loaded, &partial);
	CHECK(s.regressions == 3, "engine crash + 2 benchmarks missing: 3 regressions (%u)", s.regressions);
	snprintf(partial.e[0].status, sizeof(partial.e[0].status), "ok");
	s = cmp(&loaded, &partial);
	CHECK(s.regressions == 2, "benchmarks missing from an ok engine are regressions (%u)", s.regressions);
	snprintf(partial.only, sizeof(partial.only), "loop");
	s = cmp(&loaded, &partial);
	CHECK(s.regressions == 0, "benchmarks not selected by --only are not (%u)", s.regressions);
	partial.only[0] = '\0';
	partial.e[0].nb = 3;
	snprintf(partial.e[0].b[2].status, sizeof(partial.e[0].b[2].status), "interrupted");
	s = cmp(&loaded, &partial);
	CHECK(s.regressions == 1, "ok -> interrupted is a regression (%u)", s.regressions);
	snprintf(partial.e[0].name, sizeof(partial.e[0].name), "other");
	s = cmp(&loaded, &partial);
	CHECK(s.regressions == 3, "an engine missing from the run: its 3 benchmarks (%u)", s.regressions);
	partial.e[0].available = 0;
	snprintf(partial.e[0].name, sizeof(partial.e[0].name), "kvm");
	s = cmp(&loaded, &partial);
	CHECK(s.regressions == 0 && s.skipped == 3, "an engine unavailable here is not comparable");
	run_free(&partial);

	/* The nested AMD-V platform: times are QEMU's, never a verdict; its
	 * counts are compared within the threshold (issue 10). */
	static struct run nb, nslow, nexits;
	make_run(&nb, "nested-base", 1, 1, 1.03, "ok");
	make_run(&nslow, "nested-slow", 3, 3, 1.05, "ok");
	make_run(&nexits, "nested-exits", 1, 1, 2, "ok");
	struct run *nr[] = { &nb, &nslow, &nexits };
	for (int k = 0; k < 3; k++) {
		snprintf(nr[k]->e[0].name, sizeof(nr[k]->e[0].name), "kvm-amdv-nested");
		snprintf(nr[k]->e[0].kind, sizeof(nr[k]->e[0].kind), "nested");
	}
	s = cmp(&nb, &nslow);
	CHECK(s.regressions == 0, "nested: 3x slower times and 1.03 -> 1.05 exits/op are no regression (%u)", s.regressions);
	s = cmp(&nb, &nexits);
	CHECK(s.regressions == 1, "nested: exits per op 1.03 -> 2 is (%u)", s.regressions);
	snprintf(file, sizeof(file), "%s/dash-nested.json", path);
	CHECK(compare_write_dashboard_json(&nb, file) == 0, "dashboard JSON written for a nested run");
	f = fopen(file, "r");
	char nbuf[256] = "";
	size_t nn = f ? fread(nbuf, 1, sizeof(nbuf) - 1, f) : 0;
	nbuf[nn] = '\0';
	if (f)
		fclose(f);
	CHECK(!strstr(nbuf, "kvm-amdv-nested"), "the dashboard (times) leaves the nested platform out");
	run_free(&nb); run_free(&nslow); run_free(&nexits);

	snprintf(file, sizeof(file), "%s/bad.json", path);
	f = fopen(file, "w");
	fputs("{\"schema\": \"ringbench-results\", \"schema_version\": 1, \"run\": 3}", f);
	fclose(f);
	static struct run bad;
	CHECK(results_json_load(&bad, file, err, sizeof(err)) == -1 && strstr(err, "run"),
	      "wrong type rejected with a clear error (%s)", err);
	f = fopen(file, "w");
	fputs("{ not json", f);
	fclose(f);
	CHECK(results_json_load(&bad, file, err, sizeof(err)) == -1, "not JSON rejected (%s)", err);

	snprintf(file, sizeof(file), "%s/dash.json", path);
	CHECK(compare_write_dashboard_json(&base, file) == 0, "dashboard JSON written");
	f = fopen(file, "r");
	char buf[4096] = "";
	size_t n = f ? fread(buf, 1, sizeof(buf) - 1, f) : 0;
	buf[n] = '\0';
	if (f)
		fclose(f);
	CHECK(strstr(buf, "\"name\":\"kvm/alu\"") || strstr(buf, "\"name\": \"kvm/alu\""),
	      "dashboard has name kvm/alu");
	CHECK(strstr(buf, "\"unit\"") && strstr(buf, "\"value\"") && strstr(buf, "\"range\""),
	      "dashboard has unit, value, range");

	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf %s", path);
	if (system(cmd) != 0)
		printf("# could not remove %s\n", path);
	run_free(&base); run_free(&same); run_free(&slow); run_free(&slightly);
	run_free(&exits); run_free(&failing); run_free(&loaded);
	CHECK_EXIT();
}
