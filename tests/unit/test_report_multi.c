/* The side-by-side report of several runs (issue 12 item 6): columns
 * labelled by host and flavour, the hosts described, every cell a cost,
 * a bound or a status, nothing negative or nan. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness/report_multi.h"
#include "harness/results_json.h"
#include "tests/check.h"

static void make_run(struct run *r, const char *host, const char *cpu, const char *flavour,
		     double scale, int with_bt)
{
	static const char *const names[] = { "loop", "alu", "cpuid", "tiny" };
	const double cost[] = { 3, 10, 2000, 3 };

	run_init(r);
	snprintf(r->id, sizeof(r->id), "run-%s", host);
	snprintf(r->state, sizeof(r->state), "complete");
	snprintf(r->host.hostname, sizeof(r->host.hostname), "%s", host);
	snprintf(r->host.cpu_model, sizeof(r->host.cpu_model), "%s", cpu);
	snprintf(r->host.kvm_flavour, sizeof(r->host.kvm_flavour), "%s", flavour);
	snprintf(r->host.kernel, sizeof(r->host.kernel), "Linux 6.1.0");
	r->host.tsc_khz = 2.5e6;
	r->quick = 1;
	for (int en = 0; en < 1 + with_bt; en++) {
		struct engine_result *e = run_engine(r, en ? "bt" : "kvm", 1);
		e->available = 1;
		snprintf(e->status, sizeof(e->status), "ok");
		if (!en)
			snprintf(e->note, sizeof(e->note), "%s", flavour);
		for (int i = 0; i < 4; i++) {
			struct bench_result *b = engine_bench(e, names[i], 1);
			snprintf(b->status, sizeof(b->status), "ok");
			b->seq = i;
			for (int k = 0; k < 15; k++)
				bench_add_sample(b, 1000, (uint64_t)(cost[i] * (i ? scale : 1) * 1000 *
								   (1 + ((k * 7) % 5 - 2) / 200.0)));
			b->span_iters = 20000;
			if (i == 2)
				bench_set_counter(b, "engine.exits.cpuid", scale * 20000);
		}
	}
	if (!with_bt) {
		struct engine_result *e = run_engine(r, "bt", 1);
		snprintf(e->status, sizeof(e->status), "unavailable");
		snprintf(e->note, sizeof(e->note), "not built here");
	}
	run_compute(r);
}

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	char *buf = calloc(1, 1 << 16);
	if (f && buf)
		buf[fread(buf, 1, (1 << 16) - 1, f)] = '\0';
	if (f)
		fclose(f);
	return buf;
}

int main(void)
{
	static struct run a, b, c;
	char dir[] = "/tmp/ringbench-multi-XXXXXX", md[128], *text;

	make_run(&a, "vmx-host", "Intel Xeon Gold 6148", "VT-x (kvm_intel): hardware", 1, 1);
	make_run(&b, "svm-host", "AMD EPYC 7763", "AMD-V (kvm_amd): hardware", 1.2, 1);
	make_run(&c, "pvm-host", "AMD EPYC", "PVM (kvm_pvm): no VT-x/AMD-V", 3, 0);
	struct run *runs[] = { &a, &b, &c };

	char l[256];
	report_multi_label(&c, &c.e[0], 0, l, sizeof(l));
	CHECK(!strcmp(l, "pvm-host: kvm (PVM)"), "column label is host and flavour (%s)", l);
	report_multi_label(&c, &c.e[0], 1, l, sizeof(l));
	CHECK(!strcmp(l, "pvm-host run-pvm-host: kvm (PVM)"), "two runs of one host: the run id too (%s)", l);

	CHECK(mkdtemp(dir) != NULL, "temporary directory");
	snprintf(md, sizeof(md), "%s/multi.md", dir);
	CHECK(report_multi_write_md(runs, 3, md, "multi-cost.svg", "Figure: test.") == 0, "side-by-side report written");
	text = slurp(md);
	CHECK(text && strstr(text, "| vmx-host: kvm (VT-x) | svm-host: kvm (AMD-V) | pvm-host: kvm (PVM) |"),
	      "the kvm table has a column per host, labelled by host and flavour");
	CHECK(text && strstr(text, "| vmx-host: bt | svm-host: bt |"), "bt only where it ran");
	CHECK(text && strstr(text, "Unavailable on pvm-host: not built here"), "and says where it was unavailable");
	CHECK(text && strstr(text, "Intel Xeon Gold 6148") && strstr(text, "| AMD-V |") && strstr(text, "| PVM |"),
	      "the hosts table names CPU and KVM flavour");
	CHECK(text && strstr(text, "| cpuid | 799 | 959 | 2400 |"), "cpuid in ns per host (3 significant digits)");
	CHECK(text && strstr(text, "| tiny | < "), "a cost at the empty loop's is a bound, '< x'");
	CHECK(text && strstr(text, "VM exits per operation") && strstr(text, "| cpuid | 1.00 | 1.20 | 3.00 |"),
	      "exact exits per operation side by side");
	CHECK(text && strstr(text, "![") && strstr(text, "multi-cost.svg"), "the figure is embedded");
	CHECK(text && !strstr(text, "nan") && !strstr(text, "| -"), "no nan, no negative cost");
	free(text);

	/* The figure, when gnuplot is here. */
	char note[600];
	if (access("/usr/bin/gnuplot", X_OK) == 0 && !getenv("RINGBENCH_GNUPLOT")) {
		int drawn = report_multi_plot(runs, 3, dir, "multi-cost", note, sizeof(note));
		char svg[160];
		snprintf(svg, sizeof(svg), "%s/multi-cost.svg", dir);
		text = slurp(svg);
		CHECK(drawn == 3 && text && strlen(text) > 1000, "figure drawn in 3 formats (%s)", note);
		CHECK(text && strstr(text, "pvm-host: kvm (PVM)") && strstr(text, "vmx-host: kvm (VT-x)"),
		      "the figure's legend names host and flavour");
		free(text);
	} else {
		SKIP("figure: no gnuplot");
	}

	/* Bad input: one line, non-zero, no crash. */
	char *bad[] = { dir, "/nonexistent/run" };
	snprintf(md, sizeof(md), "%s/bad.md", dir);
	CHECK(cmd_report_multi(2, bad, md, 1, 1) != 0 && access(md, F_OK) != 0,
	      "a run directory without results.json: refused, nothing written");

	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	if (system(cmd) != 0)
		printf("# could not remove %s\n", dir);
	run_free(&a); run_free(&b); run_free(&c);
	CHECK_EXIT();
}
