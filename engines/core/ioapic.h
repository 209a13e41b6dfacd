/* The IOAPIC (82093AA) at 0xFEC00000: 24 pins, redirection to the one
 * LAPIC.  ISA IRQs reach it as on QEMU and KVM: IRQ n on pin n, except
 * the PIT's IRQ0 on pin 2 (the MADT interrupt source override). */
#ifndef RINGBENCH_IOAPIC_H
#define RINGBENCH_IOAPIC_H

#include <stdbool.h>
#include <stdint.h>

struct vm;
struct ioapic;

#include "include/ringbench/abi.h"

#define IOAPIC_BASE RB_IOAPIC_BASE
#define IOAPIC_PINS 24

struct ioapic *ioapic_create(struct vm *vm);
void ioapic_set_irq(struct ioapic *io, unsigned pin, int level);
/* The LAPIC's EOI of a level-triggered vector: clear Remote IRR of the
 * pins with that vector, and deliver again a pin still asserted. */
void ioapic_eoi(struct ioapic *io, int vec);
/* Is pin unmasked (can it still deliver)? */
bool ioapic_pin_unmasked(const struct ioapic *io, unsigned pin);

#endif
