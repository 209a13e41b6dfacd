/* The report's "Binary translation, side by side" table: ratios of the
 * other engines' costs over bt's with their 95% CIs, and a cost below the host CPU's own
 * (the native twin's, 95% CIs apart) marked "below native" and left out
 * of the second geometric mean, on either side of the ratio. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness/report.h"
#include "harness/results.h"
#include "tests/check.h"
#include "tests/unit/slurp.h"

#define ITERS 1000
#define REPS 21

static struct engine_result *engine(struct run *r, const char *name)
{
	struct engine_result *e = run_engine(r, name, 1);

	e->available = 1;
	strcpy(e->kind, "builtin");
	strcpy(e->status, "ok");
	return e;
}

/* A benchmark of the unprivileged class costing from `cycles` to
 * `cycles` + spread per iteration, loop included. */
static void bench_spread(struct engine_result *e, const char *name, double cycles, double spread)
{
	struct bench_result *b = engine_bench(e, name, 1);

	b->ring = 3;
	strcpy(b->status, "ok");
	strcpy(b->group, "baseline");
	strcpy(b->klass, "unprivileged");
	for (int k = 0; k < REPS; k++)
		bench_add_sample(b, ITERS, (uint64_t)((cycles + spread * (k % 5) / 4) * ITERS) + (uint64_t)(k % 3));
}

/* The same with a little spread, so its CI has a width. */
static void bench(struct engine_result *e, const char *name, double cycles)
{
	bench_spread(e, name, cycles, 0);
}

/* The table row of benchmark `name` in the section after `title`. */
static const char *row(const char *md, const char *title, const char *name, char *out, size_t len)
{
	const char *p = strstr(md, title);
	char key[64];

	snprintf(key, sizeof(key), "\n| %s |", name);
	p = p ? strstr(p, key) : NULL;
	if (!p)
		return "";
	size_t n = strcspn(p + 1, "\n");
	snprintf(out, len, "%.*s", (int)n, p + 1);
	return out;
}

int main(void)
{
	static struct run r;
	char buf[512];
	const char *title = "## Binary translation, side by side";

	run_init(&r);
	r.host.tsc_khz = 2e6;
	strcpy(r.state, "complete");
	/* Per iteration, loop included: native's loop 1 cycle and alu 5 (4
	 * above it); bt's loop 1, alu 5, callret 11 (10); QEMU's loop 5 and
	 * alu 6: 1 above its loop, below native's 4: the chain hid in the
	 * loop.  callret 25: 2.5 times bt's. */
	struct engine_result *native = engine(&r, "native"), *bt = engine(&r, "bt"),
			     *tcg = engine(&r, "qemu-tcg");
	bench(native, "loop", 1);
	bench(native, "alu", 5);
	bench(native, "callret", 3);
	bench(bt, "loop", 1);
	bench(bt, "alu", 5);
	bench(bt, "callret", 11);
	bench(tcg, "loop", 5);
	bench(tcg, "alu", 6);
	bench(tcg, "callret", 30);
	/* mem_seq 10 to 14 cycles above the loop under both: a ratio near 1
	 * whose CI holds 1. */
	bench_spread(bt, "mem_seq", 11, 4);
	bench_spread(tcg, "mem_seq", 15, 4);
	run_compute(&r);

	char dir[] = "/tmp/ringbench-report-bt-XXXXXX", path[128];
	CHECK(mkdtemp(dir) != NULL, "temporary directory");
	snprintf(path, sizeof(path), "%s/report.md", dir);
	CHECK(report_write_md(&r, path, "not drawn") == 0, "report.md written");
	const char *md = slurp(path);
	CHECK(strstr(md, title) != NULL, "the side-by-side section is there");
	const char *alu = row(md, title, "alu", buf, sizeof(buf));
	CHECK(strstr(alu, "0.25x [0.25, 0.25] (below native)") != NULL,
	      "QEMU's alu, 1 cycle against native's 4, is 0.25x and marked below native: %s", alu);
	CHECK(strstr(alu, "4.00 (below native)") == NULL && strstr(alu, "| 4.00 |") != NULL,
	      "bt's own alu, native's cost, is not marked: %s", alu);
	const char *cr = row(md, title, "callret", buf, sizeof(buf));
	CHECK(strstr(cr, "2.50x") != NULL && strstr(cr, "below native") == NULL,
	      "callret: 2.50x, not marked: %s", cr);
	/* Its 95% CI: QEMU's CI ends over bt's far ones, around 2.50. */
	double lo = 0, hi = 0;
	const char *ci = strstr(cr, "2.50x [");
	CHECK(ci && sscanf(ci, "2.50x [%lf, %lf]", &lo, &hi) == 2 && lo <= 2.5 && hi >= 2.5 && lo > 2.3 &&
	      hi < 2.7, "callret: the ratio's 95%% CI holds it, within 10%% (%.3f, %.3f): %s", lo, hi, cr);
	const char *ms = row(md, title, "mem_seq", buf, sizeof(buf));
	ci = strchr(ms, '[');
	CHECK(ci && sscanf(ci, "[%lf, %lf]", &lo, &hi) == 2 && lo < 1 && hi > 1,
	      "mem_seq: bt and QEMU 10 to 14 cycles: the ratio's CI holds 1 (%.3f, %.3f): %s", lo, hi, ms);
	const char *all = row(md, title, "geometric mean, unprivileged", buf, sizeof(buf));
	CHECK(strstr(all, "x (3)") != NULL, "the plain geometric mean keeps all three rows: %s", all);
	const char *clean = row(md, title, "... without rows below native", buf, sizeof(buf));
	CHECK(strstr(clean, "x (2)") != NULL, "the second leaves alu out: %s", clean);

	/* Without native nothing can be marked, and there is no second mean. */
	static struct run r2;
	run_init(&r2);
	r2.host.tsc_khz = 2e6;
	strcpy(r2.state, "complete");
	bt = engine(&r2, "bt");
	tcg = engine(&r2, "qemu-tcg");
	bench(bt, "loop", 1);
	bench(bt, "alu", 5);
	bench(tcg, "loop", 5);
	bench(tcg, "alu", 6);
	run_compute(&r2);
	CHECK(report_write_md(&r2, path, "not drawn") == 0, "report.md written, no native");
	md = slurp(path);
	CHECK(!strstr(md, "(below native)") && !strstr(md, "... without rows below native"),
	      "no native run: nothing marked, one geometric mean");
	unlink(path);
	rmdir(dir);
	run_free(&r);
	run_free(&r2);
	CHECK_EXIT();
}
