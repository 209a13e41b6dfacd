/* What the smp group's files share (smp.c, smp_contend.c, smp_pv.c). */
#ifndef RINGBENCH_SMP_BENCH_H
#define RINGBENCH_SMP_BENCH_H

#include <stdint.h>

#include "microbench/bench.h"

/* 0 with at least two CPUs online (and the latency histogram emptied),
 * else 1 and *why. */
int smp_need_two(char *why);

static inline uint64_t smp_rdtsc(void)
{
	uint32_t lo, hi;

	__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return ((uint64_t)hi << 32) | lo;
}

/* TSC cycles in us microseconds, by the guest's TSC frequency. */
uint64_t smp_tsc_us(uint64_t us);

/* One window on every CPU: fn(cpu, 0) on each (the BSP's own call
 * included), *start a tenth of the window from now (the APs' wake-up),
 * *end window_us later; returns when all APs are done. */
void smp_window(void (*fn)(unsigned cpu, uint64_t arg), unsigned window_us,
		volatile uint64_t *start, volatile uint64_t *end);

extern const struct bench spinlock_b, timer_jitter_b;   /* smp_contend.c */
extern const struct bench steal_b, tlb_pv_b;            /* smp_pv.c */

#endif
