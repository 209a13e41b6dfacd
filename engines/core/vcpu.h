/* Several vCPUs on an engine that runs one at a time (interp, bt): the VM
 * core multiplexes them on the one host thread, round robin, switching
 * by the engine's get_state/set_state (docs/platform.md, "SMP"):
 *   - at the end of a time slice of VCPU_SLICE_US of host time;
 *   - at once when the running vCPU halts (HLT), spins (VCPU_PLE_PAUSES
 *     PAUSEs in one turn), or sends an IPI to another (a directed yield to
 *     the target, as an IPI wake-up gives the target its turn under a
 *     hypervisor);
 * so the translation and decode caches are never shared between threads
 * and need no locks. */
#ifndef RINGBENCH_VCPU_H
#define RINGBENCH_VCPU_H

#include <stdint.h>

#include "engines/engine.h"

struct vm;

#define VCPU_SLICE_US 1000

/* Set up the multiplexer for vm->n_cpus > 1 (after the engine is
 * created, its LAPICs with it).  0, or -1 and err. */
int vcpu_sched_create(struct vm *vm, char *err, size_t len);

/* The BSP's entry state is set; the APs wait for SIPI.  Call after the
 * engine's set_state of the BSP. */
void vcpu_sched_start(struct vm *vm);

/* The run loop's part: after each dispatched exit, switch vCPUs when the
 * slice ended, the vCPU halted, or an IPI asked for it.  timed_out: the
 * stop request is the timeout's, not the scheduler's. */
void vcpu_sched_after_exit(struct vm *vm, const struct vm_exit *x, int timed_out);

/* From the slice timer's signal handler: ask for a switch. */
void vcpu_sched_slice_end(struct vm *vm);

/* The running vCPU executed PAUSE: after VCPU_PLE_PAUSES of them in one
 * turn it is spinning on something another vCPU must do, and yields (as
 * Intel's PAUSE-loop exiting and AMD's pause filter make it exit). */
#define VCPU_PLE_PAUSES 64
void vcpu_sched_pause(struct vm *vm);

/* An IPI reached vCPU target (engines/core/lapic.c): let it run soon. */
void vcpu_sched_ipi(struct vm *vm, unsigned target);

/* With several vCPUs, name vCPU id in a shutdown's or an engine error's
 * message (" on vCPU 1"). */
void vcpu_name_exit(struct vm *vm, unsigned id, struct vm_exit *x);

/* What each vCPU was doing ("vCPU 1 running with interrupts off at RIP
 * 0x..."; halted; waiting for SIPI), for the timeout's message. */
void vcpu_sched_describe(struct vm *vm, char *out, size_t len);

/* Switches done, by cause, and steal time, for --stats; with vCPU threads
 * (kvm) instead, their run delay (vcpu_threads_counters). */
size_t vcpu_sched_counters(struct vm *vm, struct engine_counter *out, size_t max);

#endif
