/* The IOAPIC (engines/core/ioapic.c) against the 82093AA datasheet:
 * IOREGSEL/IOWIN, ID and version, 24 redirection entries (read-only bits),
 * masking, edge and level pins, Remote IRR and the LAPIC's EOI broadcast,
 * delivery modes and destinations for the one LAPIC, and the LAPIC's
 * messages: Fixed, Lowest Priority, NMI, ExtINT, INIT ignored. */
#include "engines/core/ioapic.h"
#include "engines/core/pic.h"
#include "tests/check.h"
#include "tests/unit/platform_io.h"

static struct vm *vm;

static uint32_t ird(unsigned idx)
{
	mmio32(vm, IOAPIC_BASE, 1, idx);
	return mmio32(vm, IOAPIC_BASE + 0x10, 0, 0);
}

static void iwr(unsigned idx, uint32_t v)
{
	mmio32(vm, IOAPIC_BASE, 1, idx);
	mmio32(vm, IOAPIC_BASE + 0x10, 1, v);
}

static void eoi(void) { mmio32(vm, 0xfee000b0, 1, 0); }

static bool tmr_bit(int vec) { return mmio32(vm, 0xfee00180 + (unsigned)vec / 32 * 0x10, 0, 0) >> (vec % 32) & 1; }

int main(void)
{
	vm = platform_vm();
	CHECK(vm && vm->ioapic, "a VM with the core's IOAPIC");
	if (!vm)
		CHECK_EXIT();
	struct lapic *l = vm->lapic;
	mmio32(vm, 0xfee000f0, 1, 0x1ff);       /* LAPIC software-enabled */

	CHECK(ird(1) == 0x00170011, "version register: 24 entries, version 0x11 (as KVM's)");
	iwr(0, 0x0f000000);
	CHECK(ird(0) == 0x0f000000, "the ID register holds bits 24-27");
	iwr(0, 0);
	int all_masked = 1;
	for (unsigned p = 0; p < 24; p++)
		all_masked &= ird(0x10 + 2 * p) == 0x10000;
	CHECK(all_masked, "power-up: every redirection entry masked");
	iwr(0x10 + 2 * 5, 0xffffffff);
	CHECK(ird(0x10 + 2 * 5) == (0xffffffffu & ~0x5000u), "delivery status and Remote IRR are read-only (0x%08x)", ird(0x10 + 2 * 5));
	iwr(0x11 + 2 * 5, 0xffffffff);
	CHECK(ird(0x11 + 2 * 5) == 0xff000000, "the high word keeps the destination only");
	iwr(0x10 + 2 * 5, 0x10000);
	iwr(0x11 + 2 * 5, 0);

	/* Edge pin 4 -> vector 0x50, physical destination 0. */
	ioapic_set_irq(vm->ioapic, 4, 1);
	ioapic_set_irq(vm->ioapic, 4, 0);
	CHECK(lapic_pending(l) < 0, "a masked pin delivers nothing");
	iwr(0x10 + 2 * 4, 0x50);
	ioapic_set_irq(vm->ioapic, 4, 1);
	CHECK(lapic_pending(l) == 0x50 && !tmr_bit(0x50), "an edge pin delivers its vector on the rising edge (TMR clear)");
	lapic_accept(l, 0x50);
	ioapic_set_irq(vm->ioapic, 4, 1);
	CHECK(lapic_irr_highest(l) < 0, "holding the line high is no new edge");
	eoi();
	ioapic_set_irq(vm->ioapic, 4, 0);

	/* Level pin 9 -> vector 0x60. */
	iwr(0x10 + 2 * 9, 0x8060);
	ioapic_set_irq(vm->ioapic, 9, 1);
	CHECK(lapic_pending(l) == 0x60 && tmr_bit(0x60) && (ird(0x10 + 2 * 9) & 0x4000),
	      "a level pin delivers, sets Remote IRR and the LAPIC's TMR bit");
	lapic_accept(l, 0x60);
	ioapic_set_irq(vm->ioapic, 9, 0);
	ioapic_set_irq(vm->ioapic, 9, 1);
	CHECK(lapic_irr_highest(l) < 0, "while Remote IRR is set the pin does not deliver again");
	eoi();
	CHECK(lapic_pending(l) == 0x60 && (ird(0x10 + 2 * 9) & 0x4000),
	      "the EOI broadcast clears Remote IRR and the still-asserted pin delivers again (Remote IRR set anew)");
	lapic_accept(l, 0x60);
	ioapic_set_irq(vm->ioapic, 9, 0);
	eoi();
	CHECK(!(ird(0x10 + 2 * 9) & 0x4000) && lapic_pending(l) < 0, "deasserted before the EOI: nothing more");

	/* Active-low polarity. */
	iwr(0x10 + 2 * 10, 0xa070);             /* level, active low, vector 0x70 */
	ioapic_set_irq(vm->ioapic, 10, 1);
	CHECK(lapic_pending(l) < 0, "active low: a high line is not asserted");
	ioapic_set_irq(vm->ioapic, 10, 0);
	CHECK(lapic_pending(l) == 0x70, "active low: a low line is");
	lapic_accept(l, 0x70);
	iwr(0x10 + 2 * 10, 0x10000);
	eoi();

	/* Destinations: physical 1 is another CPU; logical flat 1 is us once LDR says so. */
	iwr(0x11 + 2 * 4, 0x01000000);
	ioapic_set_irq(vm->ioapic, 4, 0);
	ioapic_set_irq(vm->ioapic, 4, 1);
	CHECK(lapic_irr_highest(l) < 0, "physical destination 1: not this CPU (APIC ID 0)");
	ioapic_set_irq(vm->ioapic, 4, 0);
	mmio32(vm, 0xfee000d0, 1, 0x01000000);  /* LDR: logical ID 1 */
	iwr(0x10 + 2 * 4, 0x0950);              /* logical, Lowest Priority */
	ioapic_set_irq(vm->ioapic, 4, 1);
	CHECK(lapic_pending(l) == 0x50, "logical destination 1, Lowest Priority: delivered to the one CPU");
	lapic_accept(l, 0x50);
	eoi();
	ioapic_set_irq(vm->ioapic, 4, 0);

	/* NMI, INIT, ExtINT delivery modes. */
	iwr(0x11 + 2 * 4, 0);
	iwr(0x10 + 2 * 4, 0x0400);
	ioapic_set_irq(vm->ioapic, 4, 1);
	CHECK(lapic_nmi_pending(l) && lapic_irr_highest(l) < 0, "delivery mode NMI pends an NMI");
	lapic_take_nmi(l);
	ioapic_set_irq(vm->ioapic, 4, 0);
	iwr(0x10 + 2 * 4, 0x0500);
	ioapic_set_irq(vm->ioapic, 4, 1);
	CHECK(!lapic_nmi_pending(l) && lapic_irr_highest(l) < 0 && !lapic_extint_pending(l),
	      "delivery mode INIT is ignored (a running lone BSP)");
	ioapic_set_irq(vm->ioapic, 4, 0);
	pic_init(vm, 0x30, 0x0008, 0);
	outb(vm, 0x21, 0xff);                   /* the PIC's own path masked */
	pic_set_irq(vm->pic, 3, 1);
	outb(vm, 0x21, 0xf7);
	mmio32(vm, 0xfee00350, 1, 0x10700);     /* LINT0 masked: only the message can say ExtINT */
	iwr(0x10 + 2 * 4, 0x0700);
	ioapic_set_irq(vm->ioapic, 4, 1);
	CHECK(lapic_extint_pending(l), "delivery mode ExtINT: the CPU will ask the PIC");
	int v = lapic_extint_ack(l);
	CHECK(v == 0x33 && !lapic_extint_pending(l), "and the PIC answers the INTA with its vector (0x%x)", v);

	/* Self-IPIs through the ICR, every mode one CPU can receive. */
	mmio32(vm, 0xfee00300, 1, 0x00040051);  /* self, Fixed */
	CHECK(lapic_pending(l) == 0x51, "self-IPI Fixed");
	lapic_accept(l, 0x51);
	eoi();
	mmio32(vm, 0xfee00310, 1, 0);
	mmio32(vm, 0xfee00300, 1, 0x00000152);  /* physical dest 0, Lowest Priority */
	CHECK(lapic_pending(l) == 0x52, "IPI Lowest Priority to APIC ID 0");
	lapic_accept(l, 0x52);
	eoi();
	mmio32(vm, 0xfee00300, 1, 0x00040400);  /* self, NMI */
	CHECK(lapic_nmi_pending(l), "self-IPI NMI");
	lapic_take_nmi(l);
	mmio32(vm, 0xfee00300, 1, 0x00040500);  /* self, INIT */
	mmio32(vm, 0xfee00300, 1, 0x00040600);  /* self, Start-up */
	CHECK(lapic_irr_highest(l) < 0 && !lapic_nmi_pending(l), "INIT and Start-up IPIs are ignored");
	mmio32(vm, 0xfee00310, 1, 0x05000000);
	mmio32(vm, 0xfee00300, 1, 0x00000053);  /* physical dest 5 */
	CHECK(lapic_irr_highest(l) < 0, "an IPI to another APIC ID does not reach us");

	/* Bad input: unknown index, odd offsets. */
	CHECK(ird(0x80) == 0xffffffff, "an index past the table reads all ones");
	iwr(0x80, 0x1234);
	mmio32(vm, IOAPIC_BASE + 0x40, 1, 0x1234);
	CHECK(mmio32(vm, IOAPIC_BASE + 0x40, 0, 0) == 0, "other offsets are ignored and read 0");

	vm_destroy(vm);
	CHECK_EXIT();
}
