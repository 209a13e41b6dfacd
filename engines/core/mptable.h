/* The Intel MultiProcessor Specification 1.4 tables that tell a guest how
 * many CPUs it has and their LAPIC IDs: a floating pointer structure and a
 * configuration table (processor entries and an ISA bus), in the BIOS ROM
 * area where the spec says an OS searches (0xF0000-0xFFFFF). */
#ifndef RINGBENCH_MPTABLE_H
#define RINGBENCH_MPTABLE_H

#include <stdint.h>

struct vm;

#define MPTABLE_ADDR 0xF0000u     /* the floating pointer; the table follows */

/* Write the tables for n_cpus processors (APIC IDs 0..n-1, 0 the BSP).
 * 0, or -1 when guest RAM does not reach the ROM area. */
int mptable_write(struct vm *vm, unsigned n_cpus);

#endif
