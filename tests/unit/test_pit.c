/* The 8254 PIT (engines/core/pit.c) against the Intel 8254 datasheet:
 * access modes, the latch and read-back commands, modes 0, 2 and 3 counting
 * at 1.193182 MHz of host time, BCD, port 0x61's gate and OUT2 (Linux's
 * TSC calibration), and channel 0's IRQ0 through the PIC and IOAPIC pin 2,
 * firing while time passes and waking a halted vCPU. */
#include "engines/core/ioapic.h"
#include "engines/core/pic.h"
#include "engines/core/pit.h"
#include "tests/check.h"
#include "tests/unit/platform_io.h"

static unsigned latch0(struct vm *vm, unsigned ch)
{
	outb(vm, 0x43, (uint8_t)(ch << 6));
	unsigned lo = inb(vm, (uint16_t)(0x40 + ch));
	return lo | (unsigned)inb(vm, (uint16_t)(0x40 + ch)) << 8;
}

int main(void)
{
	struct vm *vm = platform_vm();

	CHECK(vm && vm->pit, "a VM with the core's PIT");
	if (!vm)
		CHECK_EXIT();
	struct lapic *l = vm->lapic;

	CHECK(!pit_irq_armed(vm->pit), "power-up: channel 0 does not count until programmed (as KVM's PIT)");
	/* Mode 2, count 0xffff: falls by ~1193 per ms. */
	outb(vm, 0x43, 0x34);
	outb(vm, 0x40, 0xff);
	outb(vm, 0x40, 0xff);
	unsigned c1 = latch0(vm, 0);
	double t0 = now_s();
	sleep_us(10000);
	unsigned c2 = latch0(vm, 0);
	double dt = now_s() - t0;
	double rate = (double)((c1 - c2) & 0xffff) / dt;
	CHECK(rate > 1193182 * 0.9 && rate < 1193182 * 1.1,
	      "mode 2 counts down at 1.193 MHz (%.0f Hz measured over %.1f ms)", rate, dt * 1e3);

	/* The latch holds its value until read, whatever time passes. */
	outb(vm, 0x43, 0x00);
	sleep_us(2000);
	unsigned lo = inb(vm, 0x40);
	unsigned hi = inb(vm, 0x40);
	unsigned now = latch0(vm, 0);
	unsigned latched = lo | hi << 8;
	CHECK(((latched - now) & 0xffff) > 1500, "a latched count is the one at the latch command (%u then %u)", latched, now);

	/* Read-back: status of channel 0 (bit 4 clear: status; bit 5 set: no count). */
	outb(vm, 0x43, 0xe2);
	uint8_t st = inb(vm, 0x40);
	CHECK((st & 0x3f) == 0x34 && !(st & 0x40), "read-back status: lo/hi access, mode 2, binary, count loaded (0x%02x)", st);
	outb(vm, 0x43, 0xc2);                   /* status and count */
	st = inb(vm, 0x40);
	lo = inb(vm, 0x40);
	hi = inb(vm, 0x40);
	CHECK((st & 0x0e) == 0x04 && (lo | hi << 8) > 0, "read-back of status and count: status first, then the count");

	/* Access modes: LSB only, MSB only. */
	outb(vm, 0x43, 0x50);                   /* ch1, LSB only, mode 0 */
	outb(vm, 0x41, 0x80);
	outb(vm, 0x43, 0x40);
	CHECK(inb(vm, 0x41) <= 0x80, "LSB-only access: one byte writes and reads the count");
	outb(vm, 0x43, 0x64);                   /* ch1, MSB only, mode 2 */
	outb(vm, 0x41, 0x20);                   /* count 0x2000 */
	outb(vm, 0x43, 0x40);
	uint8_t msb = inb(vm, 0x41);
	CHECK(msb <= 0x20 && msb >= 0x18, "MSB-only access: count 0x2000 reads back 0x%02x", msb);

	/* BCD: count 1000 written as 0x1000 counts in decimal digits. */
	outb(vm, 0x43, 0x75);                   /* ch1, lo/hi, mode 2, BCD */
	outb(vm, 0x41, 0x00);
	outb(vm, 0x41, 0x10);
	unsigned b = latch0(vm, 1);
	CHECK((b & 0xf) <= 9 && ((b >> 4) & 0xf) <= 9 && ((b >> 8) & 0xf) <= 9 && b <= 0x1000,
	      "BCD counting reads back decimal digits (0x%04x)", b);

	/* Mode 3: counts by two. */
	outb(vm, 0x43, 0x76);
	outb(vm, 0x41, 0x00);
	outb(vm, 0x41, 0x40);
	CHECK(!(latch0(vm, 1) & 1), "mode 3 (square wave) counts down by two: even values");

	/* Port 0x61 and channel 2, as Linux's pit_calibrate_tsc: gate high,
	 * speaker off, mode 0 with a count, wait for OUT2 to rise. */
	outb(vm, 0x61, (uint8_t)((inb(vm, 0x61) & ~0x02) | 0x01));
	outb(vm, 0x43, 0xb0);                   /* ch2, lo/hi, mode 0 */
	outb(vm, 0x42, 0x9b);                   /* 11931: 10 ms */
	outb(vm, 0x42, 0x2e);
	CHECK(!(inb(vm, 0x61) & 0x20), "OUT2 is low while mode 0 counts");
	t0 = now_s();
	unsigned polls = 0;
	while (!(inb(vm, 0x61) & 0x20) && now_s() - t0 < 1)
		polls++;
	dt = now_s() - t0;
	/* Not before 10 ms; later only by how long the host kept this
	 * process off the CPU (an upper bound would be flaky on a loaded host). */
	CHECK(dt > 0.009 && dt < 1, "OUT2 rises at terminal count, 10 ms later (%.2f ms, %u polls)", dt * 1e3, polls);
	CHECK((inb(vm, 0x61) & 0x03) == 0x01, "port 0x61 reads back the gate and speaker bits");
	outb(vm, 0x61, 0x00);                   /* gate low: channel 2 stops */
	outb(vm, 0x43, 0xb0);
	outb(vm, 0x42, 0xff);
	outb(vm, 0x42, 0xff);
	c1 = latch0(vm, 2);
	sleep_us(2000);
	CHECK(latch0(vm, 2) == c1, "with its gate low channel 2 does not count");
	uint8_t r1 = inb(vm, 0x61) & 0x10;
	int toggled = 0;
	for (int i = 0; i < 100000 && !toggled; i++)
		toggled = (inb(vm, 0x61) & 0x10) != r1;
	CHECK(toggled, "port 0x61 bit 4 (refresh) toggles");

	/* IRQ0 through the PIC: mode 2 at 1 kHz, taken while time passes. */
	pic_init(vm, 0x30, 0x0001, 0);
	outb(vm, 0x43, 0x34);
	outb(vm, 0x40, 0xa9);                   /* 1193: 1 ms */
	outb(vm, 0x40, 0x04);
	CHECK(pit_irq_armed(vm->pit) && platform_can_wake(vm), "channel 0 armed, IRQ0 unmasked: a halted vCPU can wake");
	unsigned ticks = 0;
	t0 = now_s();
	while (now_s() - t0 < 0.1) {
		vm->hlt_wait(vm);
		if (lapic_pending(l) < 0 && lapic_extint_pending(l)) {
			if (lapic_extint_ack(l) == 0x30)
				ticks++;
			outb(vm, 0x20, 0x20);
		}
	}
	dt = now_s() - t0;
	/* Missed periods coalesce, as on hardware: a loaded host gives fewer
	 * ticks, never more than the elapsed periods. */
	CHECK(ticks >= 5 && ticks <= dt * 1000 * 1.05 + 1,
	      "mode 2 at 1 kHz: %u IRQ0 ticks in %.0f ms, taken after HLT waits", ticks, dt * 1e3);
	outb(vm, 0x21, 0xff);
	CHECK(!platform_can_wake(vm), "IRQ0 masked at the PIC (IOAPIC pin 2 masked): nothing can wake a halted vCPU");

	/* Mode 0: one interrupt at terminal count, then none. */
	outb(vm, 0x21, 0xfe);
	lapic_extint_pending(l) ? (void)lapic_extint_ack(l) : (void)0;
	outb(vm, 0x20, 0x20);
	outb(vm, 0x43, 0x30);
	outb(vm, 0x40, 0x9b);                   /* 10 ms */
	outb(vm, 0x40, 0x2e);
	ticks = 0;
	t0 = now_s();
	while (now_s() - t0 < 0.05) {
		vm->hlt_wait(vm);
		if (lapic_pending(l) < 0 && lapic_extint_pending(l)) {
			ticks++;
			lapic_extint_ack(l);
			outb(vm, 0x20, 0x20);
		}
	}
	CHECK(ticks == 1 && !pit_irq_armed(vm->pit), "mode 0: one IRQ0 at terminal count (%u), then disarmed", ticks);

	/* IRQ0 on IOAPIC pin 2 (the PIC masked). */
	outb(vm, 0x21, 0xff);
	mmio32(vm, 0xfee000f0, 1, 0x1ff);
	mmio32(vm, IOAPIC_BASE, 1, 0x10 + 2 * 2);
	mmio32(vm, IOAPIC_BASE + 0x10, 1, 0x41);        /* pin 2: vector 0x41, edge, unmasked */
	outb(vm, 0x43, 0x34);
	outb(vm, 0x40, 0xa9);
	outb(vm, 0x40, 0x04);
	ticks = 0;
	t0 = now_s();
	while (now_s() - t0 < 0.05) {
		vm->hlt_wait(vm);
		dt = now_s() - t0;
		int v = lapic_pending(l);
		if (v == 0x41) {
			ticks++;
			lapic_accept(l, v);
			mmio32(vm, 0xfee000b0, 1, 0);
		}
	}
	CHECK(ticks >= 3 && ticks <= dt * 1000 * 1.05 + 1 && !lapic_extint_pending(l),
	      "IRQ0 reaches IOAPIC pin 2 (the ISA override): %u ticks of vector 0x41 in 50 ms", ticks);

	/* Bad input: reads of the control port, a read-back of no channel. */
	CHECK(inb(vm, 0x43) == 0xff, "the control word port reads all ones (write-only)");
	outb(vm, 0x43, 0xc0);
	CHECK(1, "a read-back selecting no channel is harmless");

	vm_destroy(vm);
	CHECK_EXIT();
}
