/* The guest's CPUID: what KVM supports, plus ringbench's hypervisor leaves
 * in place of KVM's own 0x40000000 range. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>

#include "engines/core/steal_time.h"
#include "engines/core/vm.h"
#include "engines/kvm/kvm.h"

#define MAX_ENTRIES 256
#define CPUID1_ECX_HYPERVISOR (1u << 31)

/* KVM_GET_SUPPORTED_CPUID describes the CPU, not the VMM: KVM leaves the
 * hypervisor-present bit (CPUID.1:ECX[31]) to user space, and without it a
 * guest never looks at 0x40000000 (kvm_amd does not set it; PVM does).
 * The VMM that offers hypervisor leaves sets it, as QEMU does. */
unsigned kvm_cpuid_for_guest(struct kvm_cpuid_entry2 *e, unsigned n, unsigned max, int pvm)
{
	unsigned out = 0;
	uint32_t kvm_feat = 0;

	/* Drop KVM's hypervisor leaves; ringbench's take their place, and
	 * KVM's move to 0x40000100 (steal_time.h) with the features the
	 * guest uses, where this KVM has them. */
	for (unsigned i = 0; i < n; i++) {
		if (e[i].function == 0x40000001)
			kvm_feat = e[i].eax & (1u << RB_KVM_FEATURE_STEAL_TIME | 1u << RB_KVM_FEATURE_PV_TLB_FLUSH);
		if ((e[i].function & 0xffff0000) == 0x40000000)
			continue;
		if (e[i].function == 1)
			e[i].ecx |= CPUID1_ECX_HYPERVISOR;
		e[out++] = e[i];
	}
	for (uint32_t leaf = 0x40000000; leaf <= 0x40000001 && out < max; leaf++) {
		uint32_t r[4];
		vm_hypervisor_cpuid(leaf, "kvm", r);
		/* A VMCALL hangs the vCPU under PVM: do not offer it there. */
		if (leaf == 0x40000001 && pvm)
			r[0] &= ~RB_FEAT_VMCALL;
		memset(&e[out], 0, sizeof(e[out]));
		e[out].function = leaf;
		e[out].eax = r[0]; e[out].ebx = r[1]; e[out].ecx = r[2]; e[out].edx = r[3];
		out++;
	}
	for (uint32_t leaf = RB_KVM_CPUID_BASE; kvm_feat && leaf <= RB_KVM_CPUID_BASE + 1 && out < max; leaf++) {
		uint32_t r[4];
		steal_time_cpuid(leaf, r);
		if (leaf == RB_KVM_CPUID_BASE + 1)
			r[0] = kvm_feat;
		memset(&e[out], 0, sizeof(e[out]));
		e[out].function = leaf;
		e[out].eax = r[0]; e[out].ebx = r[1]; e[out].ecx = r[2]; e[out].edx = r[3];
		out++;
	}
	return out;
}

int kvm_setup_cpuid(struct kvm_engine *k, char *err, size_t len)
{
	return kvm_setup_cpuid_fd(k, k->vcpu_fd, err, len);
}

int kvm_setup_cpuid_fd(struct kvm_engine *k, int fd, char *err, size_t len)
{
	size_t size = sizeof(struct kvm_cpuid2) + MAX_ENTRIES * sizeof(struct kvm_cpuid_entry2);
	struct kvm_cpuid2 *c = calloc(1, size);
	char flavour[200];

	if (!c) {
		snprintf(err, len, "out of memory");
		return -1;
	}
	c->nent = MAX_ENTRIES - 2;
	if (ioctl(k->sys_fd, KVM_GET_SUPPORTED_CPUID, c) < 0) {
		snprintf(err, len, "KVM_GET_SUPPORTED_CPUID failed: %s", strerror(errno));
		free(c);
		return -1;
	}
	c->nent = kvm_cpuid_for_guest(c->entries, c->nent, MAX_ENTRIES,
				      kvm_detect_flavour(flavour, sizeof(flavour)) == KVM_FLAVOUR_PVM);
	if (ioctl(fd, KVM_SET_CPUID2, c) < 0) {
		snprintf(err, len, "KVM_SET_CPUID2 failed: %s", strerror(errno));
		free(c);
		return -1;
	}
	free(c);
	return 0;
}
