/* The 8259 PIC pair (engines/core/pic.c) against the Intel 8259A
 * datasheet: initialisation, masking, priorities, EOI kinds, auto-EOI,
 * edge and level (ELCR) triggering, the cascade, spurious IRQ7/IRQ15,
 * polled mode, and its output on the LAPIC's LINT0 (ExtINT). */
#include "engines/core/pic.h"
#include "tests/check.h"
#include "tests/unit/platform_io.h"

int main(void)
{
	struct vm *vm = platform_vm();

	CHECK(vm && vm->pic && vm->lapic, "a VM with the core's PIC and LAPIC");
	if (!vm)
		CHECK_EXIT();
	struct pic *p = vm->pic;
	struct lapic *l = vm->lapic;

	CHECK(inb(vm, 0x21) == 0 && inb(vm, 0xa1) == 0 && !pic_output(p),
	      "power-up: IMR clear, no request, INT low");
	pic_init(vm, 0x30, 0x0001, 0);
	CHECK(inb(vm, 0x21) == 0xfe && inb(vm, 0xa1) == 0xff, "ICW1-4 then OCW1: IMR reads back 0xfe/0xff");

	platform_set_irq(vm, 0, 1);
	CHECK(pic_output(p) && lapic_extint_pending(l), "IRQ0 raises INT, seen by LINT0 in virtual-wire mode (ExtINT)");
	outb(vm, 0x20, 0x0a);                   /* OCW3: read IRR */
	CHECK(inb(vm, 0x20) == 0x01, "IRR reads 0x01");
	CHECK(lapic_extint_ack(l) == 0x30 && !pic_output(p), "the INTA cycle gives vector 0x30 and drops INT");
	outb(vm, 0x20, 0x0b);                   /* OCW3: read ISR */
	CHECK(inb(vm, 0x20) == 0x01, "IRQ0 is in service (ISR 0x01)");
	outb(vm, 0x20, 0x0a);
	CHECK(inb(vm, 0x20) == 0x00, "an edge request leaves the IRR at acknowledge");
	platform_set_irq(vm, 0, 0);
	platform_set_irq(vm, 0, 1);
	CHECK(!pic_output(p), "a new IRQ0 while IRQ0 is in service waits (fully nested)");
	outb(vm, 0x20, 0x20);                   /* non-specific EOI */
	CHECK(pic_output(p) && lapic_extint_ack(l) == 0x30, "after the EOI it is delivered");
	outb(vm, 0x20, 0x60);                   /* specific EOI, IRQ0 */
	outb(vm, 0x20, 0x0b);
	CHECK(inb(vm, 0x20) == 0, "a specific EOI clears IRQ0 from the ISR");
	CHECK(!pic_output(p), "edge triggered: the line held high requests no more");
	platform_set_irq(vm, 0, 0);

	platform_set_irq(vm, 3, 1);
	platform_set_irq(vm, 3, 0);
	outb(vm, 0x20, 0x0a);
	CHECK(inb(vm, 0x20) == 0x08 && !pic_output(p), "a masked IRQ3 is in the IRR but does not raise INT");
	outb(vm, 0x21, 0xf6);                   /* unmask IRQ3 too */
	CHECK(pic_output(p) && lapic_extint_ack(l) == 0x33, "unmasking IRQ3 delivers vector 0x33");
	outb(vm, 0x20, 0x20);

	/* Priority: IRQ1 before IRQ3 (lower number first). */
	outb(vm, 0x21, 0xf4);
	platform_set_irq(vm, 3, 1); platform_set_irq(vm, 3, 0);
	platform_set_irq(vm, 1, 1); platform_set_irq(vm, 1, 0);
	int a = lapic_extint_ack(l);
	CHECK(a == 0x31, "IRQ1 is taken before IRQ3 (got 0x%x)", a);
	CHECK(!pic_output(p), "IRQ3 waits while the higher-priority IRQ1 is in service");
	outb(vm, 0x20, 0x20);
	CHECK(lapic_extint_ack(l) == 0x33, "then IRQ3");
	outb(vm, 0x20, 0x20);

	/* Rotation: OCW2 "set priority" makes IRQ1 the lowest, so IRQ3 wins. */
	outb(vm, 0x20, 0xc1);
	platform_set_irq(vm, 1, 1); platform_set_irq(vm, 1, 0);
	platform_set_irq(vm, 3, 1); platform_set_irq(vm, 3, 0);
	a = lapic_extint_ack(l);
	CHECK(a == 0x33, "after OCW2 set-priority (IRQ1 lowest) IRQ3 comes first (got 0x%x)", a);
	outb(vm, 0x20, 0x20);
	CHECK(lapic_extint_ack(l) == 0x31, "then IRQ1");
	outb(vm, 0x20, 0x20);
	outb(vm, 0x20, 0xc7);                   /* back to IRQ7 lowest */

	/* The cascade: IRQ10 through the slave on IRQ2. */
	pic_init(vm, 0x30, 0x0405, 0);
	platform_set_irq(vm, 10, 1); platform_set_irq(vm, 10, 0);
	CHECK(pic_output(p) && lapic_extint_ack(l) == 0x3a, "IRQ10 arrives through the cascade as vector 0x3a");
	outb(vm, 0xa0, 0x0b);
	outb(vm, 0x20, 0x0b);
	CHECK(inb(vm, 0xa0) == 0x04 && inb(vm, 0x20) == 0x04, "in service on the slave (bit 2) and on the master's IRQ2");
	outb(vm, 0xa0, 0x20);
	outb(vm, 0x20, 0x20);
	CHECK(inb(vm, 0xa0) == 0 && inb(vm, 0x20) == 0, "EOI to both clears them");

	/* Spurious: the request goes away before INTA (level IRQ dropped). */
	outb(vm, 0x4d0, 0x08);                  /* IRQ3 level triggered */
	CHECK(inb(vm, 0x4d0) == 0x08, "ELCR reads back 0x08");
	outb(vm, 0x4d0, 0xff);
	CHECK(inb(vm, 0x4d0) == 0xf8, "ELCR bits 0-2 are fixed 0 (edge only) on the master");
	outb(vm, 0x4d0, 0x08);
	outb(vm, 0x21, 0xf2);                   /* unmask 0, 2, 3 */
	platform_set_irq(vm, 3, 1);
	CHECK(pic_output(p), "a level IRQ3 raises INT");
	platform_set_irq(vm, 3, 0);
	CHECK(!pic_output(p), "and drops it when the line falls (level)");
	platform_set_irq(vm, 3, 1);
	int v = lapic_extint_ack(l);
	outb(vm, 0x20, 0x0a);
	CHECK(v == 0x33 && (inb(vm, 0x20) & 0x08), "a level request stays in the IRR after INTA");
	outb(vm, 0x20, 0x20);
	CHECK(pic_output(p), "after EOI a still-asserted level IRQ requests again");
	platform_set_irq(vm, 3, 0);
	CHECK(pic_intack(p) == 0x37, "INTA with no request gives the spurious IRQ7 vector");
	outb(vm, 0x20, 0x0b);
	CHECK(inb(vm, 0x20) == 0, "a spurious IRQ7 is not put in service");
	outb(vm, 0x4d0, 0);

	platform_set_irq(vm, 10, 1);
	outb(vm, 0xa1, 0xff);                   /* slave masks it after the request reached IRQ2 */
	v = pic_intack(p);
	CHECK(v == 0x3f, "the slave's request gone at INTA: spurious IRQ15 (0x%x)", v);
	platform_set_irq(vm, 10, 0);
	outb(vm, 0x20, 0x20);
	outb(vm, 0xa1, 0xfb);

	/* Auto-EOI: nothing stays in service. */
	pic_init(vm, 0x30, 0x0001, 1);
	platform_set_irq(vm, 0, 1); platform_set_irq(vm, 0, 0);
	v = lapic_extint_ack(l);
	outb(vm, 0x20, 0x0b);
	CHECK(v == 0x30 && inb(vm, 0x20) == 0, "auto-EOI mode (ICW4 bit 1): ISR stays clear");

	/* Polled mode: OCW3 poll, the read is the acknowledge. */
	pic_init(vm, 0x30, 0x0001, 0);
	outb(vm, 0x21, 0xff);                   /* polling works on the IRR, not the IMR */
	outb(vm, 0x21, 0xf7);
	platform_set_irq(vm, 3, 1); platform_set_irq(vm, 3, 0);
	outb(vm, 0x20, 0x0c);
	CHECK(inb(vm, 0x20) == 0x83, "poll command: the next read is 0x80|IRQ (0x83)");
	outb(vm, 0x20, 0x0c);
	CHECK(inb(vm, 0x20) == 0x00, "a second poll with IRQ3 in service reads 0");
	outb(vm, 0x20, 0x20);

	/* LINT0 masked: the PIC's INT does not reach the CPU. */
	mmio32(vm, 0xfee00350, 1, 0x10700);
	platform_set_irq(vm, 3, 1); platform_set_irq(vm, 3, 0);
	CHECK(pic_output(p) && !lapic_extint_pending(l), "with LVT LINT0 masked the PIC's INT is not an ExtINT");
	mmio32(vm, 0xfee000f0, 1, 0x1ff);       /* LAPIC on */
	mmio32(vm, 0xfee00350, 1, 0x700);
	CHECK(lapic_extint_pending(l), "unmasked again (ExtINT): pending");
	lapic_extint_ack(l);
	outb(vm, 0x20, 0x20);
	/* LINT0 in Fixed mode: the rising INT sets the IRR vector. */
	mmio32(vm, 0xfee00350, 1, 0x00045);
	platform_set_irq(vm, 3, 1); platform_set_irq(vm, 3, 0);
	CHECK(!lapic_extint_pending(l) && lapic_pending(l) == 0x45, "LINT0 in Fixed mode delivers its LVT vector 0x45");
	lapic_accept(l, 0x45);
	mmio32(vm, 0xfee000b0, 1, 0);
	/* LINT1 in NMI mode. */
	mmio32(vm, 0xfee00360, 1, 0x400);
	lapic_lint(l, 1, true);
	CHECK(lapic_nmi_pending(l), "LINT1 in NMI mode pends an NMI on its rising edge");
	lapic_take_nmi(l);
	lapic_lint(l, 1, false);

	vm_destroy(vm);
	CHECK_EXIT();
}
