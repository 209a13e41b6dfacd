/* The RB1/RBH1 parser on good and malformed lines, and the ingest of a
 * truncated run (a guest that died mid-benchmark). */
#include <string.h>

#include "harness/ingest.h"
#include "harness/protocol.h"
#include "tests/check.h"

static int parse(const char *line, struct rbline *l, char *err)
{
	return rbline_parse(line, l, err, 160);
}

int main(void)
{
	static struct rbline l;
	char err[160];
	uint64_t v;

	CHECK(parse("RB1 hello version=1 host=ringbench engine=kvm budget_ms=10 reps=15 warmup=2", &l, err) == 1 &&
	      l.kind == RBL_HELLO && !rbline_u64(&l, "reps", &v) && v == 15, "hello parses");
	CHECK(parse("RB1 begin seq=3 bench=syscall group=entry class=privileged ring=3", &l, err) == 1 &&
	      l.kind == RBL_BEGIN && !strcmp(rbline_get(&l, "bench"), "syscall") &&
	      !strcmp(rbline_get(&l, "ring"), "3"), "begin parses, unknown key kept");
	CHECK(parse("RB1 sample seq=3 bench=syscall rep=0 iters=1000 cycles=123456", &l, err) == 1 &&
	      !rbline_u64(&l, "cycles", &v) && v == 123456, "sample parses");
	CHECK(parse("RB1 end seq=3 bench=syscall status=fail reason=counter said 5, expected 6", &l, err) == 1 &&
	      !strcmp(l.reason, "counter said 5, expected 6") && !strcmp(rbline_get(&l, "status"), "fail"),
	      "reason runs to the end of the line, spaces and all");
	CHECK(parse("RB1 done ok=3 failed=1 unsupported=0", &l, err) == 1 && l.kind == RBL_DONE, "done parses");
	CHECK(parse("RBH1 counters seq=3 host.task-clock=1000 engine.exits.io=7", &l, err) == 1 &&
	      l.kind == RBL_COUNTERS && l.n == 3, "RBH1 counters parse");
	CHECK(parse("RBH1 info engine=kvm counters=task-clock missing=cycles reason=PVM (kvm_pvm)", &l, err) == 1 &&
	      !strcmp(l.reason, "PVM (kvm_pvm)"), "RBH1 info parses");

	CHECK(parse("Booting ringbench guest...", &l, err) == 0, "console text is not ours");
	CHECK(parse("", &l, err) == 0, "empty line is not ours");
	CHECK(parse("RB2 begin seq=1", &l, err) == 0, "a future format is passed through, not misread");
	CHECK(parse("RB1", &l, err) == -1, "bare prefix: truncated (%s)", err);
	CHECK(parse("RB1 sample seq=3 bench=syscall rep=0 iters=10", &l, err) == -1 && strstr(err, "cycles"),
	      "truncated sample: missing cycles (%s)", err);
	CHECK(parse("RB1 sample seq=3 bench=x rep=0 iters=10 cycles=12abc", &l, err) == -1, "cycles not a number (%s)", err);
	CHECK(parse("RB1 sample seq=-1 bench=x rep=0 iters=10 cycles=1", &l, err) == -1, "negative seq rejected");
	CHECK(parse("RB1 sample seq=1 bench=x rep=0 iters=99999999999999999999999 cycles=1", &l, err) == -1,
	      "overflowing number rejected");
	CHECK(parse("RB1 frobnicate seq=1", &l, err) == -1, "unknown record (%s)", err);
	CHECK(parse("RB1 begin seq=1 bench", &l, err) == -1, "field without '=' (%s)", err);
	CHECK(parse("RB1 begin seq=1 =x bench=a", &l, err) == -1, "empty key");
	CHECK(parse("RB1 end seq=1 bench=a status=maybe", &l, err) == -1, "unknown status (%s)", err);
	CHECK(parse("RBH1 counters seq=1 host.cycles=lots", &l, err) == -1, "non-numeric counter (%s)", err);
	char longline[6000];
	memset(longline, 'a', sizeof(longline));
	memcpy(longline, "RB1 begin ", 10);
	longline[sizeof(longline) - 1] = '\0';
	CHECK(parse(longline, &l, err) == -1, "overlong line rejected, no overflow");
	char many[4000] = "RB1 begin seq=1 bench=a";
	for (int i = 0; i < 120; i++)
		strcat(many, " k=1");
	CHECK(parse(many, &l, err) == -1, "too many fields rejected (%s)", err);

	/* A run that dies inside its third benchmark, with garbage lines. */
	struct run r;
	run_init(&r);
	struct engine_result *e = run_engine(&r, "kvm", 1);
	struct ingest in;
	ingest_init(&in, e, NULL);
	const char *lines[] = {
		"garbage from the firmware",
		"RB1 hello version=1 host=ringbench engine=kvm budget_ms=1 reps=2 warmup=1",
		"RB1 begin seq=0 bench=loop group=baseline class=unprivileged",
		"RB1 sample seq=0 bench=loop rep=0 iters=100 cycles=300",
		"RB1 sample seq=0 bench=loop rep=1 iters=100 cycles=300",
		"RBH1 counters seq=0 host.task-clock=10",
		"RB1 end seq=0 bench=loop status=ok",
		"RB1 sample seq=0 bench=loop rep=2 iters=100",          /* malformed */
		"RB1 begin seq=1 bench=syscall group=entry class=privileged",
		"RB1 sample seq=1 bench=syscall rep=0 iters=100 cycles=9000",
		"RB1 sample seq=1 bench=syscall rep=1 iters=100 cycles=9100",
		"RB1 end seq=1 bench=syscall status=ok",
		"RB1 sample seq=7 bench=ghost rep=0 iters=1 cycles=1",  /* never began */
		"RB1 begin seq=2 bench=cpuid group=priv class=privileged",
		"RB1 sample seq=2 bench=cpuid rep=0 iters=100 cyc",     /* cut off */
	};
	for (size_t i = 0; i < sizeof(lines) / sizeof(lines[0]); i++)
		ingest_line(&in, lines[i]);
	struct child_result res = { .signaled = 1, .sig = 11 };
	ingest_finish(&in, &res, "KVM_RUN: triple fault");
	CHECK(e->nb == 3, "three benchmarks seen");
	CHECK(!strcmp(e->b[0].status, "ok") && e->b[0].n == 2, "loop kept: ok, 2 samples");
	CHECK(bench_counter(&e->b[0], "host.task-clock") == 10, "counters attached by seq");
	CHECK(!strcmp(e->b[1].status, "ok") && e->b[1].st.n == 2 && e->b[1].st.median > 80,
	      "syscall kept with statistics (median %g)", e->b[1].st.median);
	CHECK(!strcmp(e->b[2].status, "crash") && strstr(e->b[2].reason, "triple fault"),
	      "the running benchmark is recorded as crashed with the reason (%s)", e->b[2].reason);
	CHECK(!strcmp(e->status, "crash") && strstr(e->reason, "signal 11"), "engine crash recorded: %s", e->reason);
	CHECK(in.bad_lines == 3, "three malformed lines counted (%u)", in.bad_lines);
	CHECK(e->reps == 2, "hello recorded");
	run_free(&r);

	/* Paired samples (empty=, the empty loop run beside the repetition):
	 * the cost is the per-repetition difference; lines without it, as
	 * older guests print, keep the loop benchmark's median. */
	run_init(&r);
	e = run_engine(&r, "interp", 1);
	ingest_init(&in, e, NULL);
	const char *paired[] = {
		"RB1 begin seq=0 bench=loop group=baseline class=unprivileged ring=3",
		"RB1 sample seq=0 bench=loop rep=0 iters=100 cycles=300",
		"RB1 sample seq=0 bench=loop rep=1 iters=100 cycles=300",
		"RB1 end seq=0 bench=loop status=ok",
		"RB1 begin seq=1 bench=alu group=baseline class=unprivileged ring=3",
		"RB1 sample seq=1 bench=alu rep=0 iters=100 cycles=1500 empty=500",
		"RB1 sample seq=1 bench=alu rep=1 iters=100 cycles=1700 empty=700",
		"RB1 end seq=1 bench=alu status=ok ops=200",
		"RB1 begin seq=2 bench=old group=baseline class=unprivileged ring=3",
		"RB1 sample seq=2 bench=old rep=0 iters=100 cycles=1500",
		"RB1 sample seq=2 bench=old rep=1 iters=100 cycles=1700",
		"RB1 end seq=2 bench=old status=ok",
	};
	for (size_t i = 0; i < sizeof(paired) / sizeof(paired[0]); i++)
		ingest_line(&in, paired[i]);
	struct bench_result *alu = engine_bench(e, "alu", 0), *old = engine_bench(e, "old", 0);
	CHECK(alu && alu->paired && alu->st.median == 10 && alu->st.min == 10 && alu->st.max == 10,
	      "empty= pairs: (1500-500)/100 and (1700-700)/100, both 10 cycles (median %g)",
	      alu ? alu->st.median : -1);
	CHECK(old && !old->paired && old->st.median == 13, "without empty=: less the loop's 3 cycles (median %g)",
	      old ? old->st.median : -1);
	CHECK(in.bad_lines == 0, "no line rejected");
	run_free(&r);
	CHECK_EXIT();
}
