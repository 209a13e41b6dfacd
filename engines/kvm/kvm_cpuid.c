/* The guest's CPUID: what KVM supports, plus ringbench's hypervisor leaves
 * in place of KVM's own 0x40000000 range. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>

#include "engines/core/vm.h"
#include "engines/kvm/kvm.h"

#define MAX_ENTRIES 256

int kvm_setup_cpuid(struct kvm_engine *k, char *err, size_t len)
{
	size_t size = sizeof(struct kvm_cpuid2) + MAX_ENTRIES * sizeof(struct kvm_cpuid_entry2);
	struct kvm_cpuid2 *c = calloc(1, size);
	unsigned n = 0;
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
	/* Drop KVM's hypervisor leaves; ringbench's take their place. */
	for (unsigned i = 0; i < c->nent; i++)
		if ((c->entries[i].function & 0xffff0000) != 0x40000000)
			c->entries[n++] = c->entries[i];
	for (uint32_t leaf = 0x40000000; leaf <= 0x40000001; leaf++) {
		uint32_t out[4];
		struct kvm_cpuid_entry2 *e = &c->entries[n++];
		vm_hypervisor_cpuid(leaf, "kvm", out);
		/* A VMCALL hangs the vCPU under PVM: do not offer it there. */
		if (leaf == 0x40000001 && kvm_detect_flavour(flavour, sizeof(flavour)) == KVM_FLAVOUR_PVM)
			out[0] &= ~2u;
		memset(e, 0, sizeof(*e));
		e->function = leaf;
		e->eax = out[0]; e->ebx = out[1]; e->ecx = out[2]; e->edx = out[3];
	}
	c->nent = n;
	if (ioctl(k->vcpu_fd, KVM_SET_CPUID2, c) < 0) {
		snprintf(err, len, "KVM_SET_CPUID2 failed: %s", strerror(errno));
		free(c);
		return -1;
	}
	free(c);
	return 0;
}
