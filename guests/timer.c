/* The one-shot timer the HLT and timer-interrupt benchmarks use: the local
 * APIC timer, or PIT channel 0 through the (otherwise masked) 8259 where a
 * CPU has no local APIC. */
#include "guests/kernel.h"
#include "guests/x86.h"

static int use_pit;

void timer_init(void)
{
	use_pit = lapic_init() < 0;
	if (use_pit)
		pic_unmask_irq0();
}

const char *timer_name(void)
{
	return use_pit ? "PIT" : "LAPIC";
}

/* ticks of the LAPIC timer (bus clock, divide by 1), or PIT ticks (1.19 MHz,
 * at least 1) where the PIT stands in. */
void timer_oneshot(uint32_t ticks)
{
	if (!use_pit) {
		lapic_timer_oneshot(ticks);
		return;
	}
	if (!ticks)
		ticks = 1;
	if (ticks > 0xffff)
		ticks = 0xffff;
	outb(0x43, 0x30);             /* ch 0, lo/hi, mode 0: interrupt on terminal count */
	outb(0x40, ticks & 0xff);
	outb(0x40, ticks >> 8);
}

/* Called by trap() for the timer's vector, whichever chip raised it. */
void timer_interrupt(void)
{
	kcnt.timer_irqs++;
	if (use_pit)
		outb(0x20, 0x20);     /* non-specific EOI to the master 8259 */
	else
		lapic_eoi();
}
