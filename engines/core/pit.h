/* The 8254 PIT at ports 0x40-0x43 and the port 0x61 gate/OUT2 bits:
 * channel 0 drives ISA IRQ0 (the PIC's IRQ0, IOAPIC pin 2), channel 2
 * the speaker gate Linux calibrates its TSC against.  Time is the host's
 * CLOCK_MONOTONIC scaled to 1.193182 MHz. */
#ifndef RINGBENCH_PIT_H
#define RINGBENCH_PIT_H

#include <stdbool.h>
#include <stdint.h>

struct vm;
struct pit;

#define PIT_HZ 1193182ull

struct pit *pit_create(struct vm *vm);
/* Is channel 0 counting in a mode that will raise IRQ0 again? */
bool pit_irq_armed(const struct pit *p);

#endif
