/* The local APIC in xAPIC mode at its default MMIO address (x2APIC is not
 * assumed): one-shot timer, self-IPI, EOI. */
#include "guests/kernel.h"
#include "guests/x86.h"

enum {
	LAPIC_TPR = 0x80, LAPIC_EOI = 0xB0, LAPIC_SVR = 0xF0,
	LAPIC_ICR_LO = 0x300, LAPIC_ICR_HI = 0x310, LAPIC_LVT_TIMER = 0x320,
	LAPIC_TIMER_INIT = 0x380, LAPIC_TIMER_DIV = 0x3E0,
};
#define ICR_SELF (1u << 18)           /* destination shorthand: self */

static inline void lapic_write(unsigned reg, uint32_t v)
{
	*(volatile uint32_t *)(RB_LAPIC_BASE + reg) = v;
}

int lapic_init(void)
{
	if (!host.has_lapic)
		return -1;
	lapic_write(LAPIC_SVR, 0x100 | VEC_SPURIOUS);     /* software enable */
	lapic_write(LAPIC_TPR, 0);
	lapic_write(LAPIC_TIMER_DIV, 0xB);                /* divide by 1 */
	lapic_write(LAPIC_LVT_TIMER, VEC_TIMER);          /* one-shot */
	return 0;
}

void lapic_eoi(void)
{
	lapic_write(LAPIC_EOI, 0);
}

void lapic_timer_oneshot(uint32_t count)
{
	lapic_write(LAPIC_TIMER_INIT, count);
}

void lapic_self_ipi(uint8_t vector)
{
	lapic_write(LAPIC_ICR_HI, 0);
	lapic_write(LAPIC_ICR_LO, ICR_SELF | vector);
}
