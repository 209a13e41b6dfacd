/* The hypervisor CPUID leaves that name ringbench (docs/platform.md). */
#include <string.h>

#include "engines/core/devices.h"
#include "engines/core/vm.h"

static uint32_t engine_id(const char *engine)
{
	if (!strcmp(engine, "kvm"))    return 1;
	if (!strcmp(engine, "interp")) return 2;
	if (!strcmp(engine, "bt"))     return 3;
	return 0;
}

/* Returns 1 and fills out (EAX, EBX, ECX, EDX) for a ringbench leaf, else 0. */
int vm_hypervisor_cpuid(uint32_t leaf, const char *engine, uint32_t out[4])
{
	static const char sig[12] = { 'R','i','n','g','B','e','n','c','h','V','M','M' };

	switch (leaf) {
	case 0x40000000:
		out[0] = 0x40000001;
		memcpy(&out[1], sig, 12);
		return 1;
	case 0x40000001:
		out[0] = RB_FEAT_DEVICE | RB_FEAT_VMCALL | RB_FEAT_DOORBELL | RB_FEAT_PTE_BATCH;
		out[1] = engine_id(engine);
		out[2] = RBDEV_PORT_BASE;
		out[3] = (uint32_t)(RBDEV_NULL_PAGE >> 12);
		return 1;
	default:
		return 0;
	}
}
