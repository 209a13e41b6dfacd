/* A vCPU halted for good under KVM.  With the in-kernel LAPIC, HLT never
 * reaches user space: the vCPU sleeps in KVM_RUN until an interrupt.  When
 * none can come (interrupts off, or no interrupt pending and no LAPIC timer
 * running) the VM would sleep until its timeout; this is how the VM core
 * finds out and ends it with status 10, as on interp and bt.  Conservative:
 * anything that might still wake the vCPU (a pending IRR bit, a running or
 * TSC-deadline timer) counts as a wake-up source. */
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>

#include "engines/kvm/kvm.h"

#define APIC_SVR    0xf0
#define APIC_IRR    0x200
#define APIC_LVTT   0x320
#define APIC_TMICT  0x380
#define APIC_TMCCT  0x390
#define LVT_MASKED  (1u << 16)
#define SVR_ENABLE  (1u << 8)

static uint32_t apic_reg(const struct kvm_lapic_state *l, unsigned off)
{
	uint32_t v;

	memcpy(&v, l->regs + off, 4);
	return v;
}

/* Could the LAPIC still raise an interrupt: one pending, or a timer
 * running unmasked? */
static bool lapic_may_wake(const struct kvm_lapic_state *l)
{
	uint32_t lvtt = apic_reg(l, APIC_LVTT), mode = (lvtt >> 17) & 3;

	for (unsigned i = 0; i < 8; i++)
		if (apic_reg(l, APIC_IRR + 0x10 * i))
			return true;
	if (!(apic_reg(l, APIC_SVR) & SVR_ENABLE) || (lvtt & LVT_MASKED))
		return false;
	if (mode == 2)                  /* TSC deadline: armed by an MSR we do not read */
		return true;
	if (mode == 1)                  /* periodic */
		return apic_reg(l, APIC_TMICT) != 0;
	return apic_reg(l, APIC_TMCCT) != 0;    /* one-shot still counting */
}

bool kvm_halted_forever(struct engine *e, char *why, size_t len)
{
	struct kvm_engine *k = (struct kvm_engine *)e;
	struct kvm_mp_state mp;
	struct kvm_regs regs;
	struct kvm_lapic_state lapic;

	if (ioctl(k->vcpu_fd, KVM_GET_MP_STATE, &mp) < 0 || mp.mp_state != KVM_MP_STATE_HALTED)
		return false;
	if (ioctl(k->vcpu_fd, KVM_GET_REGS, &regs) < 0)
		return false;
	if (!(regs.rflags & (1u << 9))) {
		snprintf(why, len, "guest halted with interrupts disabled (cli; hlt): nothing can wake it");
		return true;
	}
	if (ioctl(k->vcpu_fd, KVM_GET_LAPIC, &lapic) < 0 || lapic_may_wake(&lapic))
		return false;
	snprintf(why, len, "guest halted with no interrupt pending or armed: nothing can wake it");
	return true;
}
