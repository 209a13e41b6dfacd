/* The kvm engine's guest CPUID, from a KVM_GET_SUPPORTED_CPUID table as
 * kvm_amd returns it (no hypervisor bit, KVM's own 0x40000000 leaves): the
 * guest must find ringbench's leaves the way guests/host.c looks for them
 * (CPUID.1:ECX[31] first, then 0x40000000).  Runs without /dev/kvm. */
#include <string.h>

#include "engines/core/vm.h"
#include "engines/kvm/kvm.h"
#include "tests/check.h"

static const struct kvm_cpuid_entry2 *find(const struct kvm_cpuid_entry2 *e, unsigned n, uint32_t f)
{
	for (unsigned i = 0; i < n; i++)
		if (e[i].function == f)
			return &e[i];
	return NULL;
}

static unsigned kvm_amd_table(struct kvm_cpuid_entry2 *e)
{
	memset(e, 0, 8 * sizeof(*e));
	e[0].function = 0;          e[0].eax = 0x10; e[0].ebx = 0x68747541;   /* "Auth" */
	e[1].function = 1;          e[1].ecx = 0x76f8320b;                   /* bit 31 clear */
	e[2].function = 0x40000000; e[2].eax = 0x40000001; e[2].ebx = 0x4b4d564b; /* "KVMK" */
	e[3].function = 0x40000001; e[3].eax = 0x01007afb;                   /* KVM features */
	e[4].function = 0x80000001; e[4].ecx = 1u << 2;                      /* SVM */
	return 5;
}

int main(void)
{
	struct kvm_cpuid_entry2 e[8];
	unsigned n = kvm_cpuid_for_guest(e, kvm_amd_table(e), 8, 0);
	const struct kvm_cpuid_entry2 *l1 = find(e, n, 1), *h0 = find(e, n, 0x40000000),
		*h1 = find(e, n, 0x40000001);
	char sig[13] = { 0 };

	CHECK(l1 && (l1->ecx >> 31) == 1 && (l1->ecx & 0x7fffffff) == 0x76f8320b,
	      "CPUID.1:ECX gains the hypervisor bit and keeps the rest (0x%x)", l1 ? l1->ecx : 0);
	if (h0)
		memcpy(sig, &h0->ebx, 12);
	CHECK(h0 && !strcmp(sig, "RingBenchVMM") && h0->eax == 0x40000001,
	      "leaf 0x40000000 says RingBenchVMM, max leaf 0x40000001 (got '%s')", sig);
	CHECK(h1 && h1->ebx == 1, "leaf 0x40000001 EBX names engine kvm (id 1)");
	CHECK(h1 && (h1->eax & (RB_FEAT_DEVICE | RB_FEAT_VMCALL | RB_FEAT_DOORBELL | RB_FEAT_PTE_BATCH)) ==
	      (RB_FEAT_DEVICE | RB_FEAT_VMCALL | RB_FEAT_DOORBELL | RB_FEAT_PTE_BATCH),
	      "hardware-assisted KVM offers the device, VMCALL, the doorbell and PTE batching");
	unsigned hv = 0;
	for (unsigned i = 0; i < n; i++)
		hv += (e[i].function & 0xffff0000) == 0x40000000;
	CHECK(hv == 4 && n == 7, "KVM's own hypervisor leaves move to 0x40000100, not kept beside ours (%u of %u)",
	      hv, n);
	const struct kvm_cpuid_entry2 *k0 = find(e, n, RB_KVM_CPUID_BASE), *k1 = find(e, n, RB_KVM_CPUID_BASE + 1);
	memset(sig, 0, sizeof(sig));
	if (k0)
		memcpy(sig, &k0->ebx, 12);
	CHECK(k0 && !memcmp(sig, "KVMKVMKVM\0\0\0", 12) && k0->eax == RB_KVM_CPUID_BASE + 1,
	      "leaf 0x40000100 says KVMKVMKVM, max leaf 0x40000101");
	CHECK(k1 && k1->eax == (1u << RB_KVM_FEATURE_STEAL_TIME | 1u << RB_KVM_FEATURE_PV_TLB_FLUSH),
	      "leaf 0x40000101: KVM's steal time and PV TLB flush (both in KVM's 0x%x), nothing else (0x%x)",
	      0x01007afb, k1 ? k1->eax : 0);
	CHECK(find(e, n, 0x80000001) && find(e, n, 0x80000001)->ecx == 4, "other leaves pass unchanged");

	n = kvm_cpuid_for_guest(e, kvm_amd_table(e), 8, 1);
	h1 = find(e, n, 0x40000001);
	CHECK(h1 && !(h1->eax & RB_FEAT_VMCALL) && (h1->eax & RB_FEAT_DEVICE),
	      "on PVM VMCALL is not offered (it hangs the vCPU), the device is");

	n = kvm_cpuid_for_guest(e, kvm_amd_table(e), 4, 0);
	CHECK(n <= 4, "a full table is not overrun (%u entries for room for 4)", n);
	CHECK_EXIT();
}
