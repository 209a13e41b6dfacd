/* One microbenchmark, as every platform (guest kernel, native twin) runs it.
 *
 * The shared harness (harness.c) calibrates, warms up, repeats and prints
 * the RB1 lines of docs/protocol.md; a platform supplies where the code runs
 * (mb_platform_*) and how lines get out (mb_printf). */
#ifndef RINGBENCH_BENCH_H
#define RINGBENCH_BENCH_H

#include <stdint.h>

#include "microbench/tsc.h"

/* Code and data a user task touches must sit in user pages in the guest
 * (guests/kernel.ld puts these sections in the one user-mapped 2 MiB page). */
#ifdef RB_GUEST
#define UCODE __attribute__((section(".utext"), noinline))
#define UDATA __attribute__((section(".udata")))
#else
#define UCODE __attribute__((noinline))
#define UDATA
#endif

#define WHY_LEN 120

enum { CHECK_OK, CHECK_FAIL, CHECK_UNSUPPORTED };

struct bench {
	const char *name, *group, *class;
	const char *twin;        /* the trapping twin of a paravirtual benchmark */
	int ring;                /* 0: runs in the kernel; 3: in a user task */
	uint64_t max_iters;      /* what one run can use up (0: no cap) */
	/* Kernel side, before anything (e.g. snapshot the counters the check
	 * compares): 0, or nonzero and *why when unsupported here. */
	int (*start)(char *why);
	/* At the benchmark's ring, once, untimed. */
	uint64_t (*setup)(uint64_t arg);
	/* At the benchmark's ring: iters iterations; returns TSC cycles. */
	uint64_t (*body)(uint64_t iters);
	/* Kernel side, untimed, after every body run: undo what it used up. */
	void (*after_run)(uint64_t iters);
	/* Kernel side: did all body runs (expected iterations in total) really
	 * do their operation?  CHECK_FAIL/UNSUPPORTED with *why; CHECK_OK,
	 * where *why may hold a "key=value" note for the end line. */
	int (*check)(uint64_t expected, char *why);
};

struct mb_config {
	unsigned budget_ms, reps, warmup;
	uint64_t tsc_khz;
	const char *only;        /* comma-separated names or groups; NULL: all */
	const char *fail;        /* benchmark whose self-check is made to fail */
	int fixed_reps;          /* exactly reps repetitions, none added */
	unsigned cpu;            /* the CPU that times the benchmarks (sample lines' cpu=) */
};

/* Supplied by the platform. */
uint64_t mb_platform_run(const struct bench *b, uint64_t (*fn)(uint64_t), uint64_t arg);
/* The host-counter window around benchmark seq (docs/protocol.md): BEGIN
 * and END bound it; PAUSE and RESUME leave the paired empty-loop
 * repetitions out of it, so exits and instructions per op stay exact. */
enum mb_mark { MB_MARK_BEGIN, MB_MARK_END, MB_MARK_PAUSE, MB_MARK_RESUME };
void mb_platform_mark(unsigned seq, enum mb_mark what);
void mb_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Run every selected benchmark of list; prints begin/sample/end lines.
 * Returns how many failed; *ok and *unsupported count the others. */
unsigned mb_run_all(const struct mb_config *cfg, const struct bench *const *list,
		    unsigned n, unsigned *ok, unsigned *unsupported);

/* The timed loop every benchmark uses, so that the empty loop (bench=loop)
 * has exactly the overhead the harness subtracts.  The empty asm keeps the
 * counter in a register and the loop from being folded away.  The body may
 * read i_, the iteration index. */
#define TIMED_LOOP(n, ...) ({                                          \
	uint64_t t0_ = tsc_begin(), i_;                                \
	for (i_ = 0; i_ < (n); i_++) {                                 \
		__asm__ volatile("" : "+r"(i_));                       \
		__VA_ARGS__;                                           \
	}                                                              \
	tsc_end() - t0_; })

/* n unserialised RDTSCs, as code normally uses them, timed (the guest's
 * rdtsc and its native twin); *advanced: the last read was past the one
 * before the loop. */
static inline uint64_t mb_rdtsc_loop(uint64_t n, int *advanced)
{
	uint64_t first, last = 0, c;
	uint32_t lo, hi;

	__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
	first = ((uint64_t)hi << 32) | lo;
	c = TIMED_LOOP(n, {
		__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
		last = ((uint64_t)hi << 32) | lo;
	});
	*advanced = last > first;
	return c;
}

/* The memory benchmarks' working set: larger than the TLB reach with
 * 4 KiB pages.  Set by the platform before the benchmarks run; NULL: none. */
#define MB_WS_BYTES (16u << 20)
extern uint8_t *mb_ws;

/* The groups (one file each). */
extern const struct bench *const baseline_benches[];
extern const unsigned baseline_count;

/* Small string helpers the freestanding guest lacks (harness.c). */
int mb_streq(const char *a, const char *b);
int mb_selected(const char *list, const char *name, const char *group);
void mb_strlcpy(char *dst, const char *src, unsigned len);
/* *why = "<what>: <got> of <expected>"; returns CHECK_OK if they are equal. */
int mb_count_check(char *why, const char *what, uint64_t got, uint64_t expected);

#endif
