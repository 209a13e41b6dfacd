/* The kvm engine's vCPUs 1..N-1: created with vCPU 0 (KVM makes vCPU 0
 * the BSP; with the in-kernel LAPIC the others start in wait-for-SIPI and
 * KVM itself carries out INIT and Start-up IPIs, KVM_MP_STATE), each run
 * from its own host thread by the VM core (engines/core/vcpu_threads.c). */
#include <errno.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "engines/kvm/kvm.h"

int kvm_add_aps(struct kvm_engine *k, char *err, size_t len)
{
	for (unsigned i = 1; i < k->vm->n_cpus; i++) {
		struct kvm_ap *a = &k->ap[i];

		a->fd = ioctl(k->vm_fd, KVM_CREATE_VCPU, (unsigned long)i);
		if (a->fd < 0) {
			snprintf(err, len, "KVM_CREATE_VCPU %u failed: %s", i, strerror(errno));
			return -1;
		}
		k->n_aps = i;
		a->run = mmap(NULL, k->run_size, PROT_READ | PROT_WRITE, MAP_SHARED, a->fd, 0);
		if (a->run == MAP_FAILED) {
			a->run = NULL;
			snprintf(err, len, "cannot map vCPU %u's run area: %s", i, strerror(errno));
			return -1;
		}
		if (kvm_setup_cpuid_fd(k, a->fd, err, len) < 0)
			return -1;
	}
	return 0;
}

void kvm_free_aps(struct kvm_engine *k)
{
	for (unsigned i = 1; i <= k->n_aps; i++) {
		if (k->ap[i].run)
			munmap(k->ap[i].run, k->run_size);
		if (k->ap[i].fd > 0)
			close(k->ap[i].fd);
	}
	k->n_aps = 0;
}

int kvm_run_ap(struct engine *e, unsigned id, struct vm_exit *x)
{
	struct kvm_engine *k = (struct kvm_engine *)e;

	if (id == 0)
		return kvm_run_on(k, k->vcpu_fd, k->run, &k->pending_hypercall, x);
	if (id > k->n_aps) {
		x->reason = VM_EXIT_INTERNAL_ERROR;
		snprintf(x->error.msg, sizeof(x->error.msg), "no vCPU %u", id);
		return -1;
	}
	return kvm_run_on(k, k->ap[id].fd, k->ap[id].run, &k->ap[id].pending_hypercall, x);
}
