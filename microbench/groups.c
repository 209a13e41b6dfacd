/* The guest's benchmark order: baseline first (its empty loop is what the
 * harness subtracts), then kernel entry, privileged instructions, I/O,
 * interrupts, the paravirtual twins, and CPU sharing (smp). */
#include "microbench/groups.h"

#define GROUP(g) { g##_benches, &g##_count }

const struct bench_group guest_groups[] = {
	GROUP(baseline), GROUP(entry), GROUP(priv), GROUP(io), GROUP(irq), GROUP(pv), GROUP(smp),
};
const unsigned guest_group_count = sizeof(guest_groups) / sizeof(guest_groups[0]);
