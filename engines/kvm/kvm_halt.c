/* A vCPU halted for good under KVM.  With the in-kernel LAPIC, HLT never
 * reaches user space: the vCPU sleeps in KVM_RUN until an interrupt.  When
 * none can come (interrupts off, or no interrupt pending and no LAPIC timer
 * running) the VM would sleep until its timeout; this is how the VM core
 * finds out and ends it with status 10, as on interp and bt.  Conservative:
 * anything that might still wake the vCPU (a pending IRR bit, a running or
 * TSC-deadline timer, an unmasked PIC or IOAPIC input) counts as a wake-up
 * source. */
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>

#include "engines/kvm/kvm.h"

#define APIC_SVR    0xf0
#define APIC_IRR    0x200
#define APIC_LVTT   0x320
#define APIC_LVT0   0x350
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

/* Could the in-kernel PICs or IOAPIC still deliver one (the PIT behind
 * them, for a guest that uses it): any input unmasked counts.  A PIC the
 * guest never programmed (vector base still 0, as after reset) cannot
 * deliver a usable vector, and neither can one behind a masked LINT0. */
static bool irqchips_may_wake(int vm_fd, const struct kvm_lapic_state *l)
{
	struct kvm_irqchip chip;

	memset(&chip, 0, sizeof(chip));
	chip.chip_id = KVM_IRQCHIP_PIC_MASTER;
	if (ioctl(vm_fd, KVM_GET_IRQCHIP, &chip) < 0)
		return true;
	if (!(apic_reg(l, APIC_LVT0) & LVT_MASKED) && chip.chip.pic.irq_base != 0 &&
	    (chip.chip.pic.imr != 0xff || chip.chip.pic.irr))
		return true;
	memset(&chip, 0, sizeof(chip));
	chip.chip_id = KVM_IRQCHIP_IOAPIC;
	if (ioctl(vm_fd, KVM_GET_IRQCHIP, &chip) < 0)
		return true;
	for (unsigned i = 0; i < KVM_IOAPIC_NUM_PINS; i++)
		if (!chip.chip.ioapic.redirtbl[i].fields.mask)
			return true;
	return false;
}

bool kvm_halted_forever(struct engine *e, char *why, size_t len)
{
	struct kvm_engine *k = (struct kvm_engine *)e;

	/* Several vCPUs: another thread's vCPU cannot be asked (its KVM_RUN
	 * holds the vCPU's mutex until it leaves, which a halted or
	 * wait-for-SIPI vCPU may never do): not detected, the timeout ends
	 * such a VM (status 124). */
	if (k->n_aps)
		return false;
	return kvm_vcpu_halted_forever(k, k->vcpu_fd, why, len);
}

bool kvm_vcpu_halted_forever(struct kvm_engine *k, int fd, char *why, size_t len)
{
	struct kvm_mp_state mp;
	struct kvm_regs regs;
	struct kvm_lapic_state lapic;

	if (ioctl(fd, KVM_GET_MP_STATE, &mp) < 0 || mp.mp_state != KVM_MP_STATE_HALTED)
		return false;
	if (ioctl(fd, KVM_GET_REGS, &regs) < 0)
		return false;
	if (!(regs.rflags & (1u << 9))) {
		snprintf(why, len, "guest halted with interrupts disabled (cli; hlt): nothing can wake it");
		return true;
	}
	if (ioctl(fd, KVM_GET_LAPIC, &lapic) < 0 || lapic_may_wake(&lapic) ||
	    irqchips_may_wake(k->vm_fd, &lapic))
		return false;
	snprintf(why, len, "guest halted with no interrupt pending or armed: nothing can wake it");
	return true;
}
