/* Internals of the KVM engine, shared by its files. */
#ifndef RINGBENCH_KVM_H
#define RINGBENCH_KVM_H

#include <linux/kvm.h>
#include <stddef.h>
#include <stdint.h>

#include "engines/engine.h"
#include "engines/core/vm.h"

#define KVM_STATS_MAX 64

struct kvm_engine {
	struct vm *vm;
	int sys_fd, vm_fd, vcpu_fd, stats_fd;
	struct kvm_run *run;
	size_t run_size;
	int pending_hypercall;        /* a KVM_EXIT_HYPERCALL awaits its ret */

	/* vCPUs 1.. (--cpus N), each run from its own host thread
	 * (engines/kvm/kvm_smp.c); vCPU 0 is the fields above. */
	unsigned n_aps;
	struct kvm_ap {
		int fd;
		struct kvm_run *run;
		int pending_hypercall;
	} ap[VM_MAX_CPUS];


	/* The vCPU's binary statistics (KVM_GET_STATS_FD): in-kernel exits. */
	unsigned n_stats;
	struct { char name[48]; uint64_t offset; } stats[KVM_STATS_MAX];
};

enum kvm_flavour { KVM_FLAVOUR_NONE, KVM_FLAVOUR_VMX, KVM_FLAVOUR_SVM, KVM_FLAVOUR_PVM, KVM_FLAVOUR_OTHER };

/* What the host's KVM really is, with a one-line description. */
enum kvm_flavour kvm_detect_flavour(char *desc, size_t len);
const char *kvm_flavour_name(enum kvm_flavour f);

int kvm_setup_cpuid(struct kvm_engine *k, char *err, size_t len);
/* IRQ0 (the PIT) on IOAPIC pin 2, as QEMU and the core's platform wire it
 * (engines/kvm/kvm_irq_routing.c).  0, or -1 with err. */
int kvm_route_isa_irqs(struct kvm_engine *k, char *err, size_t len);
/* engine_ops.set_irq: KVM_IRQ_LINE on GSI irq. */
void kvm_set_irq(struct engine *e, unsigned irq, int level);
/* CPUID for one more vCPU's fd. */
int kvm_setup_cpuid_fd(struct kvm_engine *k, int fd, char *err, size_t len);
/* Run one vCPU (its fd, run area, pending-hypercall flag) until an exit
 * the VM core must see; as engine_ops.run. */
int kvm_run_on(struct kvm_engine *k, int fd, struct kvm_run *r, int *pending_hc, struct vm_exit *x);
/* vCPUs 1..vm->n_cpus-1: create, free, run (engines/kvm/kvm_smp.c). */
int kvm_add_aps(struct kvm_engine *k, char *err, size_t len);
void kvm_free_aps(struct kvm_engine *k);
int kvm_run_ap(struct engine *e, unsigned id, struct vm_exit *x);
bool kvm_vcpu_halted_forever(struct kvm_engine *k, int fd, char *why, size_t len);
/* KVM's supported CPUID (n entries, room for max) made the guest's:
 * ringbench's hypervisor leaves and the hypervisor-present bit.  Returns
 * the new count.  pvm: the host is PVM (no VMCALL offered). */
unsigned kvm_cpuid_for_guest(struct kvm_cpuid_entry2 *e, unsigned n, unsigned max, int pvm);
int kvm_get_state(struct engine *e, struct cpu_state *s);
int kvm_set_state(struct engine *e, const struct cpu_state *s);
void kvm_stats_open(struct kvm_engine *k);
/* engine_ops.halted_forever (engines/kvm/kvm_halt.c). */
bool kvm_halted_forever(struct engine *e, char *why, size_t len);
size_t kvm_stats_read(struct kvm_engine *k, struct engine_counter *out, size_t max);
/* One statistic by name ("kvm.exits"); 0 when this kernel has none. */
uint64_t kvm_stat_value(struct kvm_engine *k, const char *name);

#endif
