/* The legacy 8259 PICs: moved off the exception vectors (a BIOS leaves
 * IRQ 0 on vector 8, where a timer tick would look like a double fault)
 * and masked; the kernel uses the local APIC (IRQ 0, the PIT, is unmasked
 * only where there is none: timer.c).  Spurious PIC interrupts
 * then arrive on VEC_PIC_BASE + 7 or + 15 and are ignored. */
#include "guests/kernel.h"
#include "guests/x86.h"

void pic_disable(void)
{
	outb(0x20, 0x11);             /* ICW1: init, ICW4 follows */
	outb(0xa0, 0x11);
	outb(0x21, VEC_PIC_BASE);     /* ICW2: vector base */
	outb(0xa1, VEC_PIC_BASE + 8);
	outb(0x21, 4);                /* ICW3: slave on IRQ 2 */
	outb(0xa1, 2);
	outb(0x21, 1);                /* ICW4: 8086 mode */
	outb(0xa1, 1);
	outb(0x21, 0xff);             /* mask everything */
	outb(0xa1, 0xff);
}

void pic_unmask_irq0(void)
{
	outb(0x21, 0xfe);
}
