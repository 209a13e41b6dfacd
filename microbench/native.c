/* Native twins: the unprivileged benchmarks, a null system call, RDTSC and
 * PUSHFQ;POPFQ, run as
 * an ordinary Linux process and reported in the guest's RB1 lines with
 * host=native engine=native (docs/guest.md).
 * Usage: native [budget_ms=N] [reps=N] [warmup=N] [only=LIST] [fail=BENCH] [fixed_reps] */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "microbench/bench.h"

uint64_t mb_platform_run(const struct bench *b, uint64_t (*fn)(uint64_t), uint64_t arg)
{
	(void)b;
	return fn(arg);
}

void mb_platform_mark(unsigned seq, enum mb_mark what)
{
	(void)seq, (void)what;
}

void mb_printf(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	fflush(stdout);
}

/* --- null system call: getppid through the SYSCALL instruction --- */
static uint64_t syscall_done, syscall_bad;

static uint64_t syscall_body(uint64_t n)
{
	uint64_t bad = 0, want = (uint64_t)getppid();
	uint64_t c = TIMED_LOOP(n, {
		uint64_t r = SYS_getppid;
		__asm__ volatile("syscall" : "+a"(r) : : "rcx", "r11", "memory");
		bad += r != want;
	});

	syscall_bad += bad;
	syscall_done += n;
	return c;
}

static int syscall_check(uint64_t expected, char *why)
{
	if (syscall_done == expected && !syscall_bad)
		return CHECK_OK;
	snprintf(why, WHY_LEN, "%llu calls of %llu expected, %llu wrong results",
		 (unsigned long long)syscall_done, (unsigned long long)expected,
		 (unsigned long long)syscall_bad);
	return CHECK_FAIL;
}

static const struct bench syscall_bench = {
	.name = "syscall", .group = "entry", .class = "unprivileged", .ring = 3,
	.body = syscall_body, .check = syscall_check,
};

/* --- RDTSC and PUSHFQ;POPFQ as a user process runs them: the host's own
 * cost of the two sensitive operations its CPU lets CPL 3 run, so the
 * report can tell where an engine's cost after its empty loop is under
 * what the instruction itself takes (docs/results.md, "below native"). */
static uint64_t sens_done, sens_bad;

static uint64_t rdtsc_body(uint64_t n)
{
	int advanced;
	uint64_t c = mb_rdtsc_loop(n, &advanced);

	sens_bad += !advanced;
	sens_done += n;
	return c;
}

static uint64_t pushf_popf_body(uint64_t n)
{
	uint64_t c = TIMED_LOOP(n, __asm__ volatile("pushfq; popfq" ::: "memory", "cc"));

	sens_done += n;
	return c;
}

static int sens_check(uint64_t expected, char *why)
{
	uint64_t done = sens_done, bad = sens_bad;

	sens_done = sens_bad = 0;       /* each twin's check sees its own runs */
	if (done == expected && !bad)
		return CHECK_OK;
	snprintf(why, WHY_LEN, "%llu iterations of %llu expected, %s", (unsigned long long)done,
		 (unsigned long long)expected, bad ? "the TSC did not advance" : "none wrong");
	return CHECK_FAIL;
}

static const struct bench rdtsc_bench = {
	.name = "rdtsc", .group = "priv", .class = "behaviour-sensitive", .ring = 3,
	.body = rdtsc_body, .check = sens_check,
};
static const struct bench pushf_popf_user_bench = {
	.name = "pushf_popf_user", .group = "priv", .class = "sensitive-unprivileged", .ring = 3,
	.body = pushf_popf_body, .check = sens_check,
};

/* The TSC against CLOCK_MONOTONIC over 20 ms. */
static uint64_t tsc_khz(void)
{
	struct timespec a, b;
	uint64_t t0, t1;

	clock_gettime(CLOCK_MONOTONIC, &a);
	t0 = tsc_begin();
	do
		clock_gettime(CLOCK_MONOTONIC, &b);
	while ((b.tv_sec - a.tv_sec) * 1000000000ll + (b.tv_nsec - a.tv_nsec) < 20000000);
	t1 = tsc_end();
	return (t1 - t0) * 1000000ull /
	       (uint64_t)((b.tv_sec - a.tv_sec) * 1000000000ll + (b.tv_nsec - a.tv_nsec));
}

static void *workset(void)
{
	void *p = NULL;

	if (posix_memalign(&p, 4096, MB_WS_BYTES))
		return NULL;
	/* 4 KiB pages, as in the guest, and faulted in before timing. */
	madvise(p, MB_WS_BYTES, MADV_NOHUGEPAGE);
	memset(p, 0, MB_WS_BYTES);
	return p;
}

int main(int argc, char **argv)
{
	struct mb_config cfg = { .budget_ms = 2, .reps = 5, .warmup = 1 };
	const struct bench *list[32];
	unsigned n = 0, ok = 0, unsupported = 0, failed;

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (!strncmp(a, "budget_ms=", 10)) cfg.budget_ms = (unsigned)atoi(a + 10);
		else if (!strncmp(a, "reps=", 5)) cfg.reps = (unsigned)atoi(a + 5);
		else if (!strncmp(a, "warmup=", 7)) cfg.warmup = (unsigned)atoi(a + 7);
		else if (!strncmp(a, "only=", 5)) cfg.only = a + 5;
		else if (!strncmp(a, "fail=", 5)) cfg.fail = a + 5;
		else if (!strcmp(a, "fixed_reps")) cfg.fixed_reps = 1;
		else {
			fprintf(stderr, "usage: %s [budget_ms=N] [reps=N] [warmup=N] "
				"[only=LIST] [fail=BENCH] [fixed_reps]\n", argv[0]);
			return 2;
		}
	}
	cfg.tsc_khz = tsc_khz();
	mb_ws = workset();
	for (unsigned i = 0; i < baseline_count; i++)
		list[n++] = baseline_benches[i];
	list[n++] = &syscall_bench;
	list[n++] = &rdtsc_bench;
	list[n++] = &pushf_popf_user_bench;

	printf("RB1 hello version=1 host=native engine=native budget_ms=%u reps=%u warmup=%u tsc_khz=%llu\n",
	       cfg.budget_ms, cfg.reps, cfg.warmup, (unsigned long long)cfg.tsc_khz);
	failed = mb_run_all(&cfg, list, n, &ok, &unsupported);
	printf("RB1 done ok=%u failed=%u unsupported=%u\n", ok, failed, unsupported);
	return failed ? 1 : 0;
}
