/* Several vCPUs on an engine that runs each on its own host thread (kvm,
 * engine_ops.run_vcpu): vCPU 0 on the thread that calls vm_run(), the
 * others on threads started here; every exit still goes through the one
 * dispatcher, vm_dispatch_exit(), under one VM lock, so devices need no
 * locks of their own. */
#ifndef RINGBENCH_VCPU_THREADS_H
#define RINGBENCH_VCPU_THREADS_H

#include "engines/engine.h"

struct vm;

/* Start threads for vCPUs 1..n-1.  0, or -1 (VM finished with why). */
int vcpu_threads_start(struct vm *vm);
/* How long ago each vCPU's last exit was ("vCPU 1 no exit for 5.0 s"), for
 * the timeout's message: a vCPU that never leaves KVM_RUN is spinning in
 * the guest or halted in the kernel (asking it would block). */
void vcpu_threads_describe(struct vm *vm, char *out, size_t len);
/* Make every thread leave and join them. */
void vcpu_threads_stop(struct vm *vm);
/* vm_dispatch_exit() for a threaded VM: under the VM lock; vCPU id named
 * in a shutdown's or an error's message; the other threads woken when the
 * VM finished. */
void vcpu_threads_dispatch(struct vm *vm, unsigned id, struct vm_exit *x);

/* Pin the VM's vCPU threads to the first m host CPUs (--host-cpus M);
 * 0, or -1 and err. */
int vcpu_threads_pin(unsigned m, char *err, size_t len);

/* After the threads ended, from vCPU 0's thread: vcpu.run_delay_us, the
 * time every vCPU thread waited on a host run queue (what KVM's steal
 * time adds up), for --stats. */
size_t vcpu_threads_counters(struct vm *vm, struct engine_counter *out, size_t max);

#endif
