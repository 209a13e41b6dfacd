/* KVM's paravirtual steal time (RB_MSR_KVM_STEAL_TIME, struct kvm_steal_time
 * of <asm/kvm_para.h>) for the vCPUs the VM core multiplexes (interp, bt;
 * kvm's own KVM provides it): advertised in KVM's CPUID leaves at
 * 0x40000100 beside ringbench's at 0x40000000 (docs/platform.md, "Steal
 * time").  A vCPU's steal is the host time it was runnable but not on the
 * host thread: switched out while runnable (another vCPU ran), plus the
 * host thread's own run delay (/proc/thread-self/schedstat, field 2) while
 * it was switched in.  A halted vCPU's time is idle, not steal.
 * Every vCPU not on the host thread is marked preempted, so a guest may
 * leave its TLB flush to the host (RB_KVM_FEATURE_PV_TLB_FLUSH): a vCPU's
 * switch-in reloads its whole state and empties the software TLB. */
#ifndef RINGBENCH_STEAL_TIME_H
#define RINGBENCH_STEAL_TIME_H

#include <stdbool.h>
#include <stdint.h>

#include "engines/engine.h"
#include "include/ringbench/abi.h"

struct vm;


/* The KVM leaves for interp and bt; 1 and out filled, or 0. */
int steal_time_cpuid(uint32_t leaf, uint32_t out[4]);

/* RDMSR/WRMSR of RB_MSR_KVM_STEAL_TIME by the running vCPU: true, or false
 * (#GP) for another MSR or reserved bits. */
bool steal_time_rdmsr(struct vm *vm, uint32_t msr, uint64_t *v);
bool steal_time_wrmsr(struct vm *vm, uint32_t msr, uint64_t v);

/* The multiplexer's switches: vCPU i leaves the host thread (runnable:
 * it could have gone on), or comes back to it. */
void steal_time_switch_out(struct vm *vm, unsigned i, bool runnable);
void steal_time_switch_in(struct vm *vm, unsigned i);

/* The calling thread's run delay so far, ns (/proc/thread-self/schedstat
 * field 2; 0 without it): the kvm engine's vCPU threads report theirs. */
uint64_t host_thread_run_delay_ns(void);

/* steal.us (all vCPUs), steal.run_delay_us (the host thread's, while a
 * vCPU with steal time was on it), steal.pv_tlb_flushes (flush requests a
 * switch-in found), for --stats and the markers. */
size_t steal_time_counters(struct vm *vm, struct engine_counter *out, size_t max);

#endif
