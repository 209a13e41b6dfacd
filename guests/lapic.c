/* The local APIC in xAPIC mode at its default MMIO address (x2APIC is not
 * assumed): one-shot timer, self-IPI, EOI. */
#include "guests/kernel.h"
#include "guests/x86.h"

enum {
	LAPIC_TPR = 0x80, LAPIC_EOI = 0xB0, LAPIC_SVR = 0xF0, LAPIC_IRR = 0x200,
	LAPIC_ICR_LO = 0x300, LAPIC_ICR_HI = 0x310, LAPIC_LVT_TIMER = 0x320,
	LAPIC_TIMER_INIT = 0x380, LAPIC_TIMER_CUR = 0x390, LAPIC_TIMER_DIV = 0x3E0,
};
#define ICR_SELF (1u << 18)           /* destination shorthand: self */
#define LVT_PERIODIC (1u << 17)

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

/* The smp group's timer_jitter: a periodic timer on vector, count ticks
 * per period (0 stops it); lapic_timer_restore() gives the timer back to
 * timer_oneshot(). */
void lapic_timer_periodic(uint8_t vector, uint32_t count)
{
	lapic_write(LAPIC_TIMER_INIT, 0);
	lapic_write(LAPIC_LVT_TIMER, LVT_PERIODIC | vector);
	lapic_write(LAPIC_TIMER_INIT, count);
}

void lapic_timer_restore(void)
{
	lapic_write(LAPIC_TIMER_INIT, 0);
	lapic_write(LAPIC_LVT_TIMER, VEC_TIMER);
}

uint32_t lapic_timer_current(void)
{
	return *(volatile uint32_t *)(RB_LAPIC_BASE + LAPIC_TIMER_CUR);
}

/* Whether vector waits in the IRR: requested, not yet delivered. */
int lapic_irr_has(uint8_t vector)
{
	uint32_t w = *(volatile uint32_t *)(RB_LAPIC_BASE + LAPIC_IRR + (vector >> 5) * 0x10u);

	return (w >> (vector & 31)) & 1;
}
