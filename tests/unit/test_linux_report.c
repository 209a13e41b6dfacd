/* bench --linux's reading of an engine's output (harness/bench_linux.c,
 * lb_on_line) and its report (harness/linux_report.c), on made-up lines:
 * runs between the init's begin and result lines, each run's span
 * counters attached to it, a run that did fewer operations than asked and
 * a count other than the command line's both failing their benchmark,
 * units (pages, MB), counters per unit, the kernel's warnings, and the
 * digests compared between engines. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness/linux_results.h"
#include "tests/check.h"

static void feed(struct lb_run *r, const char *const *lines)
{
	for (; *lines; lines++)
		lb_on_line(*lines, r);
}

static char *tables(const struct lb_run *runs, unsigned n)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	lb_write_tables(f, runs, n);
	fclose(f);
	return buf;
}

int main(void)
{
	static struct lb_run runs[2];
	static const char *const bt[] = {
		"[    0.000000] Linux version 6.1.0",
		"[    2.5] RINGBENCH-INIT-READY 6.1.0 uptime=2.5",
		"[    2.6] RBL1 begin forkwait",
		"[    3.0] RBL1 forkwait ops=200 guest_ms=400 out=- asked=200 bytes=0",
		"RBH1 counters seq=1 host.task-clock=5 engine.insns=2000000 engine.emulated_insns=4000 "
		"engine.helper_calls=2000 engine.bt.blocks=100 vm.exits.io=30 vm.exits.hlt=10",
		"[    3.1] RBL1 begin pagefault",
		"[    3.2] RBL1 pagefault ops=10 guest_ms=100 out=- asked=10 bytes=4194304",
		"RBH1 counters seq=2 engine.insns=1024000 vm.exits.io=2048",
		"[    3.3] RBL1 begin pagefault",
		"[    3.4] RBL1 pagefault ops=9 guest_ms=100 out=- asked=10 bytes=4194304",
		"RBH1 counters seq=3 engine.insns=1024000",
		"[    3.5] RBL1 begin sha256",
		"[    3.6] RBL1 sha256 ops=1 guest_ms=300 out=1f52491e4686f019 asked=1 bytes=8000000",
		"RBH1 counters seq=4 engine.insns=64000000 engine.exits_in_kernel=4 vm.exits.io=4",
		"[    3.7] RBL1 begin spawn",
		"[    3.8] RBL1 spawn ops=50 guest_ms=300 out=- asked=50 bytes=0",
		"[    3.9] RBL1 done uptime=3.9",
		NULL,
	};
	static const char *const qemu[] = {
		"[    1.0] RINGBENCH-INIT-READY 6.1.0 uptime=1.0",
		"[    1.1] RBL1 begin sha256",
		"[    1.2] RBL1 sha256 ops=1 guest_ms=100 out=0000000000000000 asked=1 bytes=8000000",
		"[    1.3] WARNING: CPU: 0 PID: 1 at kernel/foo.c:1 bar+0x1/0x2",
		NULL,
	};

	for (int i = 0; i < 2; i++) {
		runs[i].console = fopen("/dev/null", "w");
		runs[i].rbn = 1;
		runs[i].cpu_init = runs[i].cpu_begin = -1;
	}
	runs[0].engine = "bt";
	runs[1].engine = "qemu-tcg";
	feed(&runs[0], bt);
	feed(&runs[1], qemu);

	const struct lb_run *r = &runs[0];
	CHECK(r->t_init > 0 && r->done && r->n_bench == 4 && r->n_lines == 13,
	      "bt's lines: the init's time, the end, 4 benchmarks, 13 console lines (RBH1 not among them) "
	      "(init %g, done %d, %u benchmarks, %u lines)", r->t_init, r->done, r->n_bench, r->n_lines);
	const struct lb_bench *fw = &r->bench[0], *pf = &r->bench[1], *sha = &r->bench[2], *sp = &r->bench[3];
	CHECK(!strcmp(fw->name, "forkwait") && fw->n_rep == 1 && fw->rep[0].has_counts && fw->rep[0].c.exits == 40 &&
	      fw->rep[0].c.insns == 2000000 && fw->rep[0].c.emulated == 4000 && fw->rep[0].c.helpers == 2000 &&
	      fw->rep[0].c.blocks == 100 && !fw->failed[0],
	      "forkwait: one run with its span's counters (exits %g = io + hlt, insns %g, blocks %g)",
	      fw->rep[0].c.exits, fw->rep[0].c.insns, fw->rep[0].c.blocks);
	CHECK(!strcmp(pf->name, "pagefault") && pf->n_rep == 2 && strstr(pf->failed, "9 of 10 operations done in run 2"),
	      "pagefault: a run with 9 of 10 operations fails the benchmark (%s)", pf->failed);
	CHECK(lb_units_per_op(pf, &pf->rep[0]) == 1024 && lb_units_per_op(sha, &sha->rep[0]) == 8 &&
	      lb_units_per_op(fw, &fw->rep[0]) == 1,
	      "units per operation: 1024 pages for dd's 4 MiB, 8 MB for 8000000 bytes, 1 for a fork+wait");
	CHECK(sha->rep[0].c.exits == 8, "exits in kernel count as exits (%g, want 8)", sha->rep[0].c.exits);
	CHECK(strstr(sp->failed, "asked for 50 operations, not 100") != NULL,
	      "spawn: a count other than rbn=1's (100) fails it (%s)", sp->failed);
	CHECK(runs[1].warnings == 1 && strstr(runs[1].first_warning, "WARNING: CPU: 0") && !runs[1].done,
	      "qemu-tcg: the kernel's warning is caught, no end");

	char *md = tables(runs, 2);
	CHECK(md && strstr(md, "| forkwait | bt | 0.2 | 1e+04 | 20 | 10 | 0.5 |"),
	      "counters per fork+wait: 40 exits, 2000000 instructions... over 200");
	CHECK(md && strstr(md, "| sha256 | bt | 1 | 8e+06 | 0 | 0 | 0 |"), "counters per MB hashed: over 8 MB");
	CHECK(md && strstr(md, "| sha256 | qemu-tcg | n/a | n/a | n/a | n/a | n/a |"), "QEMU's counters: n/a");
	CHECK(md && strstr(md, "| pagefault | µs per page touched |") && strstr(md, " failed |"),
	      "a failed benchmark shows failed, no number");
	CHECK(md && strstr(md, "  - pagefault: failed: 9 of 10") && strstr(md, "  - spawn: failed: asked for 50"),
	      "each failed benchmark says why under its engine");
	CHECK(md && strstr(md, "- qemu-tcg sha256 output: 0000000000000000, differs from bt"),
	      "a digest that differs from another engine's is marked");
	if (md && check_failures)
		fputs(md, stderr);
	free(md);
	for (int i = 0; i < 2; i++)
		fclose(runs[i].console);
	CHECK_EXIT();
}
