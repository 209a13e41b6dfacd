/* The trap profile: for each benchmark and each virtualization technique,
 * how the operation is handled — natively, by a trap to the VMM, by an
 * emulator, by translated code, or through a paravirtual service — read
 * from the per-operation counters (docs/results.md, "Trap profile"). */
#ifndef RINGBENCH_TRAP_PROFILE_H
#define RINGBENCH_TRAP_PROFILE_H

#include <stddef.h>

#include "harness/results.h"
#include "harness/table.h"

enum trap_verdict {
	TRAP_NONE,          /* no measurement (the cell says why) */
	TRAP_NATIVE,        /* ran on the CPU with no exit and no emulation */
	TRAP_TRAP,          /* the CPU trapped to the VMM (a VM exit) */
	TRAP_EMULATED,      /* a software emulator ran it */
	TRAP_TRANSLATED,    /* bt's translated code ran it, no call-out */
	TRAP_PARAVIRTUAL,   /* a paravirtual service (hypercall, shared flag) */
};

/* The counters behind one verdict, per operation (-1: not counted). */
struct trap_cell {
	enum trap_verdict verdict;
	double exits;       /* VM exits: KVM's in-kernel count, or the engine's */
	double user_exits;  /* exits that reached the VM process */
	double emulated;    /* instructions run by KVM's emulator */
	double helpers;     /* bt's calls into the interpreter's semantics */
};

const char *trap_verdict_name(enum trap_verdict v);
/* The techniques a run can profile, in column order: hardware-assisted
 * (nested AMD-V, the host's kvm), then bt, then interp. */
size_t trap_profile_engines(const struct run *r, const struct engine_result **out, size_t max);
void trap_profile_cell(const struct engine_result *e, const struct bench_result *b, struct trap_cell *c);
/* The table (benchmarks x techniques); returns rows, 0 when nothing to show. */
size_t trap_profile_table(const struct run *r, struct table *t);
/* KVM's own exit statistics per operation for one hardware engine
 * (exits by reason, in-kernel and user space); returns rows. */
size_t trap_profile_kvm_table(const struct run *r, const struct engine_result *e, struct table *t);
/* Where the time goes, like perf kvm stat, for one engine: per benchmark
 * with exits, per reason the exits per op, their share, and the mean host
 * time the VM core spent on one (its dispatcher's timed sample); returns
 * rows. */
size_t trap_profile_exit_table(const struct run *r, const struct engine_result *e, struct table *t);
/* Plot data: benchmark, then per technique the verdict number (NaN: none)
 * and its counters; techniques gets the space-separated labels. */
int trap_profile_write_dat(const struct run *r, const char *path, char *techniques, size_t len);

#endif
