/* The UART's interrupt (engines/core/uart.c) as QEMU's 16550A gives it and
 * Linux's 8250 driver uses it: THR-empty on IER bit 1, IIR reporting and
 * acknowledging it, a new one per character sent, on ISA IRQ4 through the
 * PIC and IOAPIC pin 4. */
#include "engines/core/ioapic.h"
#include "engines/core/pic.h"
#include "tests/check.h"
#include "tests/unit/platform_io.h"

int main(void)
{
	struct vm *vm = platform_vm();

	CHECK(vm != NULL, "a VM with the core's interrupt controllers");
	if (!vm)
		CHECK_EXIT();
	struct lapic *l = vm->lapic;

	pic_init(vm, 0x30, 0x0010, 0);          /* IRQ4 only */
	CHECK((inb(vm, 0x3fa) & 0x0f) == 0x01 && !pic_output(vm->pic), "IER 0: IIR says no interrupt, IRQ4 low");
	/* Quiet (bus.h: no interrupt check after it, bt does it in place)
	 * while every source is off, but for a write of IER. */
	CHECK(bus_quiet(&vm->pio, 0x3f8, 1, true) && bus_quiet(&vm->pio, 0x3fa, 1, false) &&
	      bus_quiet(&vm->pio, 0x3ff, 1, true) && !bus_quiet(&vm->pio, 0x3f9, 1, true) &&
	      !bus_quiet(&vm->pio, 0x3f8, 2, true) && bus_quiet(&vm->pio, 0x3f9, 1, false),
	      "IER 0: the UART is quiet but for a write of IER");
	outb(vm, 0x3f9, 0x01);                  /* received data: never (no input) */
	CHECK((inb(vm, 0x3fa) & 0x0f) == 0x01 && !pic_output(vm->pic), "the RX-data interrupt never pends (no input)");
	CHECK(!bus_quiet(&vm->pio, 0x3f8, 1, true), "any source on (RX data here): not quiet");
	outb(vm, 0x3f9, 0x03);                  /* + THR empty */
	CHECK(!bus_quiet(&vm->pio, 0x3f8, 1, true) && !bus_quiet(&vm->pio, 0x3fa, 1, false),
	      "THR-empty on: no access is quiet");
	CHECK(pic_output(vm->pic) && lapic_extint_pending(l), "turning THR-empty on with the transmitter empty raises IRQ4");
	CHECK(lapic_extint_ack(l) == 0x34, "the CPU takes vector 0x34 (IRQ4) from the PIC");
	outb(vm, 0x20, 0x20);
	CHECK((inb(vm, 0x3fa) & 0x0f) == 0x02, "IIR reports THR empty (0x02)");
	CHECK((inb(vm, 0x3fa) & 0x0f) == 0x01, "reading it acknowledged it: IIR 0x01 next");
	outb(vm, 0x3f8, 'x');
	CHECK((inb(vm, 0x3fa) & 0x0f) == 0x02 && lapic_extint_ack(l) == 0x34,
	      "a character sent: THR empty again, a new IRQ4 edge");
	outb(vm, 0x20, 0x20);
	outb(vm, 0x3f9, 0x00);
	CHECK((inb(vm, 0x3fa) & 0x0f) == 0x01, "IER 0 again: nothing pending");
	outb(vm, 0x3fa, 0x01);                  /* FCR: FIFOs on */
	CHECK((inb(vm, 0x3fa) & 0xc0) == 0xc0, "with FIFOs on IIR bits 6-7 are set");

	/* IRQ4 on IOAPIC pin 4. */
	outb(vm, 0x21, 0xff);
	mmio32(vm, 0xfee000f0, 1, 0x1ff);
	mmio32(vm, IOAPIC_BASE, 1, 0x10 + 2 * 4);
	mmio32(vm, IOAPIC_BASE + 0x10, 1, 0x44);
	outb(vm, 0x3f9, 0x02);
	CHECK(lapic_pending(l) == 0x44, "IRQ4 reaches IOAPIC pin 4 (vector 0x44)");

	vm_destroy(vm);
	CHECK_EXIT();
}
