/* Regression verdicts on synthetic runs, through a results.json round
 * trip: a slowed-down run is caught, an unchanged one is not flagged. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <json-c/json.h>

#include "harness/compare.h"
#include "harness/hostkey.h"
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

/* Bencher Metric Format, as https://bencher.dev/docs/reference/bencher-metric-format/
 * defines it: a JSON object of benchmark name -> object of measure name
 * -> { "value": number, "lower_value"?: number, "upper_value"?: number }
 * and nothing else; names non-empty.  We also require lower <= value <=
 * upper and finite numbers.  Returns the number of problems (why to *why). */
static int bmf_validate(const char *path, char *why, size_t len)
{
	json_object *root = json_object_from_file(path);
	int bad = 0;

	why[0] = '\0';
	if (!root || !json_object_is_type(root, json_type_object)) {
		snprintf(why, len, "not a JSON object");
		json_object_put(root);
		return 1;
	}
	json_object_object_foreach(root, bench, measures) {
		if (!bench[0] || !json_object_is_type(measures, json_type_object) ||
		    json_object_object_length(measures) == 0) {
			snprintf(why, len, "benchmark '%s': not a non-empty object", bench);
			bad++;
			continue;
		}
		json_object_object_foreach(measures, measure, m) {
			double v[3] = { NAN, NAN, NAN };
			const char *key[3] = { "value", "lower_value", "upper_value" };
			if (!measure[0] || !json_object_is_type(m, json_type_object)) {
				snprintf(why, len, "%s: measure '%s' not an object", bench, measure);
				bad++;
				continue;
			}
			json_object_object_foreach(m, k, x) {
				int known = 0;
				for (int i = 0; i < 3; i++)
					if (!strcmp(k, key[i])) {
						known = 1;
						if (json_object_is_type(x, json_type_double) ||
						    json_object_is_type(x, json_type_int))
							v[i] = json_object_get_double(x);
					}
				if (!known) {
					snprintf(why, len, "%s/%s: unknown key '%s'", bench, measure, k);
					bad++;
				}
			}
			if (!isfinite(v[0]) || (json_object_object_get_ex(m, "lower_value", NULL) && !isfinite(v[1])) ||
			    (json_object_object_get_ex(m, "upper_value", NULL) && !isfinite(v[2]))) {
				snprintf(why, len, "%s/%s: value missing or not a finite number", bench, measure);
				bad++;
			} else if ((isfinite(v[1]) && v[1] > v[0]) || (isfinite(v[2]) && v[2] < v[0])) {
				snprintf(why, len, "%s/%s: value outside [lower_value, upper_value]", bench, measure);
				bad++;
			}
		}
	}
	json_object_put(root);
	return bad;
}

static int validate_text(const char *dir, const char *text, char *why, size_t len)
{
	char file[128];
	snprintf(file, sizeof(file), "%s/bmf-case.json", dir);
	FILE *f = fopen(file, "w");
	if (!f)
		return -1;
	fputs(text, f);
	fclose(f);
	return bmf_validate(file, why, len);
}

/* compare_runs' printed output. */
static char *compare_text(struct run *a, struct run *b, int show_all, struct compare_summary *s)
{
	struct compare_opts o = { .threshold = 0.10, .show_all = show_all };
	char *buf = NULL;
	size_t n = 0;
	FILE *f = open_memstream(&buf, &n);
	compare_runs(a, b, &o, f, s);
	fclose(f);
	return buf;
}

static void set_host(struct run *r, const char *cpu, const char *flavour, const char *kernel, double tsc_khz)
{
	snprintf(r->host.cpu_model, sizeof(r->host.cpu_model), "%s", cpu);
	snprintf(r->host.kvm_flavour, sizeof(r->host.kvm_flavour), "%s", flavour);
	snprintf(r->host.kernel, sizeof(r->host.kernel), "%s", kernel);
	r->host.tsc_khz = tsc_khz;
}

static void host_and_config_tests(struct run *base, struct run *slow, const char *dir)
{
	static struct run other;
	char fp[256], why[256], file[128];

	/* Fingerprints: documented form, stable under TSC calibration noise. */
	set_host(base, "AMD EPYC", "PVM (kvm_pvm): no VT-x/AMD-V on this CPU", "Linux 6.18.44-fc-v669", 2596132.7);
	hostkey_fingerprint(&base->host, fp, sizeof(fp));
	CHECK(!strcmp(fp, "amd-epyc_pvm_6.18.44-fc-v669_2600mhz"), "fingerprint of the PVM baseline host (%s)", fp);
	set_host(&other, "Intel(R) Xeon(R) Gold 6148 CPU @ 2.40GHz", "VT-x (kvm_intel): ...", "Linux 6.1.0-18-amd64", 2394454);
	hostkey_fingerprint(&other.host, fp, sizeof(fp));
	CHECK(!strcmp(fp, "intel-r-xeon-r-gold-6148-cpu-2.40ghz_vt-x_6.1.0-18-amd64_2390mhz"),
	      "fingerprint of a VT-x host (%s)", fp);
	set_host(&other, "", "kvm unavailable: no /dev/kvm", "", 0);
	hostkey_fingerprint(&other.host, fp, sizeof(fp));
	CHECK(!strcmp(fp, "unknown-cpu_none_unknown-kernel_0mhz"), "fingerprint with nothing known (%s)", fp);

	/* Comparability: every difference is one line, and counted. */
	make_run(&other, "other", 1, 1, 1, "ok");
	base->quick = other.quick = 1;
	base->budget_ms = other.budget_ms = 1;
	base->reps = other.reps = 5;
	set_host(&other, "AMD EPYC", "PVM (kvm_pvm): other words", "Linux 6.18.44-fc-v669", 2596132.7 * 1.003);
	CHECK(hostkey_differences(base, &other, "", NULL) == 0,
	      "same host (TSC 0.3%% off, flavour note worded differently), same configuration: comparable");
	other.host.tsc_khz = 2445000;
	CHECK(hostkey_differences(base, &other, "", NULL) == 1, "TSC 2596 vs 2445 MHz: not comparable");
	set_host(&other, "Intel Xeon", "VT-x (kvm_intel)", "Linux 6.1.0", 2445000);
	other.quick = 0;
	other.reps = 15;
	other.budget_ms = 200;
	other.warmup = 3;
	snprintf(other.only, sizeof(other.only), "cpuid");
	snprintf(other.state, sizeof(other.state), "interrupted");
	char *buf = NULL;
	size_t n = 0;
	FILE *f = open_memstream(&buf, &n);
	unsigned d = hostkey_differences(base, &other, "X: ", f);
	fclose(f);
	size_t lines = 0;
	for (char *p = buf; p && *p; p++)
		lines += *p == '\n';
	CHECK(d == 10 && lines == 10, "CPU, flavour, TSC, kernel, quick, budget, reps, warmup, only, state: "
	      "10 differences, one line each (%u, %zu lines)", d, lines);
	CHECK(buf && strstr(buf, "X: TSC frequency") && strstr(buf, "quick run, run a full run") &&
	      strstr(buf, "run state"), "the lines say what differs");
	free(buf);
	run_free(&other);

	/* Ratio RUN/BASE with a conservative CI. */
	const struct bench_result *a = &base->e[0].b[1], *b = &slow->e[0].b[1];
	double r, lo, hi;
	slow->host.tsc_khz = base->host.tsc_khz;
	CHECK(compare_ratio(base, a, slow, b, &r, &lo, &hi) == 0 && fabs(r - b->st.median / a->st.median) < 1e-9 && lo <= r && r <= hi &&
	      fabs(lo - b->st.ci_lo / a->st.ci_hi) < 1e-9 && fabs(hi - b->st.ci_hi / a->st.ci_lo) < 1e-9,
	      "alu 1.5x slower (12 vs 7 cycles net): ratio %.3f [%.3f, %.3f] from the ends of both CIs", r, lo, hi);
	struct compare_summary s;
	buf = compare_text(base, slow, 0, &s);
	CHECK(buf && strstr(buf, "alu") && strstr(buf, "ns/op") && strstr(buf, "1.71x ["),
	      "the table shows ns/op and the ratio with its CI");
	free(buf);

	/* No percentage on a value within resolution, and it is listed. */
	static struct run tiny;
	make_run(&tiny, "tiny", 0.3, 1, 1, "ok");     /* alu 3 cycles: the loop's cost */
	tiny.host.tsc_khz = base->host.tsc_khz;
	CHECK(!tiny.e[0].b[1].resolved, "alu at the empty loop's cost is below resolution");
	buf = compare_text(base, &tiny, 2, &s);
	int pct = 0;
	for (char *line = buf; line && *line; line = strchr(line, '\n') ? strchr(line, '\n') + 1 : NULL) {
		size_t l = strcspn(line, "\n");
		if (l > 4 && memmem(line, l, " alu ", 5) && memchr(line, '%', l))
			pct = 1;
	}
	if (pct)
		printf("%s", buf);
	CHECK(buf && !pct, "no percentage on a row whose cost is below resolution");
	CHECK(buf && strstr(buf, "Not compared") && strstr(buf, "below resolution in run"),
	      "listed as not compared: below resolution in run");
	free(buf);
	run_free(&tiny);

	/* A count from (near) zero: its difference, no percentage. */
	static struct run z0, z1;
	make_run(&z0, "z0", 1, 1, 0, "ok");
	make_run(&z1, "z1", 1, 1, 0.5, "ok");
	buf = compare_text(&z0, &z1, 0, &s);
	CHECK(buf && strstr(buf, "+0.50/op") && !strstr(buf, "%   regression") && s.exact_regressions == 1,
	      "exits/op 0 -> 0.5: a regression shown as +0.50/op, not a percentage");
	free(buf);
	run_free(&z0); run_free(&z1);

	/* Engine unavailable and unsupported: listed with why. */
	static struct run gone;
	make_run(&gone, "gone", 1, 1, 1, "ok");
	gone.e[0].available = 0;
	snprintf(gone.e[0].note, sizeof(gone.e[0].note), "no /dev/kvm");
	buf = compare_text(base, &gone, 2, &s);
	CHECK(buf && strstr(buf, "engine unavailable here: no /dev/kvm") && s.regressions == 0,
	      "an engine unavailable here is listed with its reason");
	free(buf);
	run_free(&gone);

	/* Bencher Metric Format export, against the schema. */
	snprintf(file, sizeof(file), "%s/bencher.json", dir);
	CHECK(compare_write_bencher_json(base, file) == 0, "bencher.json written");
	CHECK(bmf_validate(file, why, sizeof(why)) == 0, "bencher.json is valid BMF (%s)", why);
	json_object *root = json_object_from_file(file), *m, *x;
	CHECK(root && json_object_object_get_ex(root, "kvm/alu", &m) && json_object_object_get_ex(m, "latency", &x) &&
	      fabs(json_object_get_double(json_object_object_get(x, "value")) - 10 * 1e6 / base->host.tsc_khz * 0 -
		   a->st.median * 1e6 / base->host.tsc_khz) < 1e-6,
	      "kvm/alu latency in ns");
	CHECK(root && json_object_object_get_ex(root, "kvm/in_null", &m) && json_object_object_get_ex(m, "exits-per-op", &x) &&
	      fabs(json_object_get_double(json_object_object_get(x, "value")) - 1) < 1e-9,
	      "kvm/in_null exits-per-op 1 (exact)");
	json_object_put(root);
	make_run(&tiny, "tiny", 0.3, 1, 1, "ok");
	tiny.host.tsc_khz = base->host.tsc_khz;
	CHECK(compare_write_bencher_json(&tiny, file) == 0 && bmf_validate(file, why, sizeof(why)) == 0,
	      "bencher.json of a run with a cost below resolution is valid (%s)", why);
	root = json_object_from_file(file);
	CHECK(root && !(json_object_object_get_ex(root, "kvm/alu", &m) && json_object_object_get_ex(m, "latency", NULL)),
	      "a cost below resolution has no latency value in bencher.json");
	json_object_put(root);
	run_free(&tiny);
	/* The validator itself rejects what is not BMF. */
	CHECK(validate_text(dir, "[1, 2]", why, sizeof(why)) > 0, "validator: an array is not BMF");
	CHECK(validate_text(dir, "{\"a\": {\"latency\": {\"lower_value\": 1}}}", why, sizeof(why)) > 0,
	      "validator: a measure without value is not BMF");
	CHECK(validate_text(dir, "{\"a\": {\"latency\": {\"value\": 1, \"lower_value\": 2}}}", why, sizeof(why)) > 0,
	      "validator: lower_value above value is not BMF");
	CHECK(validate_text(dir, "{\"a\": {\"latency\": {\"value\": \"1\"}}}", why, sizeof(why)) > 0,
	      "validator: a string value is not BMF");
	CHECK(validate_text(dir, "{\"a\": {\"latency\": {\"value\": 1, \"range\": 2}}}", why, sizeof(why)) > 0,
	      "validator: an unknown key is not BMF");
	CHECK(validate_text(dir, "{\"a\": {\"latency\": {\"value\": 1.5, \"lower_value\": 1, \"upper_value\": 2}}}",
			    why, sizeof(why)) == 0, "validator: the BMF example passes");
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

	host_and_config_tests(&base, &slow, path);

	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf %s", path);
	if (system(cmd) != 0)
		printf("# could not remove %s\n", path);
	run_free(&base); run_free(&same); run_free(&slow); run_free(&slightly);
	run_free(&exits); run_free(&failing); run_free(&loaded);
	CHECK_EXIT();
}
