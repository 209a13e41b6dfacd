/* The hypervisor CPUID leaves that name ringbench (docs/platform.md). */
#include <string.h>

#include "engines/core/devices.h"
#include "engines/core/vm.h"

static uint32_t engine_id(const char *engine)
{
	if (!strcmp(engine, "kvm"))    return RB_ENGINE_ID_KVM;
	if (!strcmp(engine, "interp")) return RB_ENGINE_ID_INTERP;
	if (!strcmp(engine, "bt"))     return RB_ENGINE_ID_BT;
	return 0;
}

/* Returns 1 and fills out (EAX, EBX, ECX, EDX) for a ringbench leaf, else 0. */
int vm_hypervisor_cpuid(uint32_t leaf, const char *engine, uint32_t out[4])
{
	switch (leaf) {
	case RB_CPUID_SIGNATURE:
		out[0] = RB_CPUID_FEATURES;
		out[1] = RB_CPUID_SIG_EBX;
		out[2] = RB_CPUID_SIG_ECX;
		out[3] = RB_CPUID_SIG_EDX;
		return 1;
	case RB_CPUID_FEATURES:
		out[0] = RB_FEAT_DEVICE | RB_FEAT_VMCALL | RB_FEAT_DOORBELL | RB_FEAT_PTE_BATCH;
		out[1] = engine_id(engine);
		out[2] = RB_PORT_BASE;
		out[3] = (uint32_t)(RB_NULL_PAGE >> 12);
		return 1;
	default:
		return 0;
	}
}
