/* The benchmark groups the guest kernel runs, in order (one file each). */
#ifndef RINGBENCH_GROUPS_H
#define RINGBENCH_GROUPS_H

#include "microbench/bench.h"

struct bench_group {
	const struct bench *const *list;
	const unsigned *count;
};

extern const struct bench *const entry_benches[], *const priv_benches[],
	*const io_benches[], *const irq_benches[], *const pv_benches[], *const smp_benches[];
extern const unsigned entry_count, priv_count, io_count, irq_count, pv_count, smp_count;

extern const struct bench_group guest_groups[];
extern const unsigned guest_group_count;

#endif
