/* Serialised TSC reads: LFENCE keeps RDTSC from running ahead of (at the
 * start) or behind (at the end) the instructions being timed. */
#ifndef RINGBENCH_TSC_H
#define RINGBENCH_TSC_H

#include <stdint.h>

static inline __attribute__((always_inline)) uint64_t tsc_begin(void)
{
	uint32_t lo, hi;

	__asm__ volatile("lfence; rdtsc; lfence" : "=a"(lo), "=d"(hi) :: "memory");
	return ((uint64_t)hi << 32) | lo;
}

static inline __attribute__((always_inline)) uint64_t tsc_end(void)
{
	uint32_t lo, hi;

	__asm__ volatile("lfence; rdtsc" : "=a"(lo), "=d"(hi) :: "memory");
	return ((uint64_t)hi << 32) | lo;
}

#endif
