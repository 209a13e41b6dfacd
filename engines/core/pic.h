/* The 8259A PIC pair of a PC (master at 0x20/0x21, slave at 0xA0/0xA1 on
 * the master's IRQ2, ELCR at 0x4D0/0x4D1).  Its output drives the LAPIC's
 * LINT0; the CPU acknowledges through pic_intack() (the INTA cycle). */
#ifndef RINGBENCH_PIC_H
#define RINGBENCH_PIC_H

#include <stdbool.h>
#include <stdint.h>

struct vm;
struct pic;

/* Create, register the ports, set vm->pic.  NULL on failure. */
struct pic *pic_create(struct vm *vm);
/* Drive ISA IRQ line irq (0-15) to level. */
void pic_set_irq(struct pic *p, unsigned irq, int level);
/* Is the master's INT output high? */
bool pic_output(const struct pic *p);
/* The INTA cycle: the vector of the highest-priority request (IRR ->
 * ISR), or the spurious IRQ7/IRQ15 vector when the request went away. */
int pic_intack(struct pic *p);
/* Is irq unmasked all the way to the master's output (IRQ8-15 through
 * IRQ2)?  For "can a halted vCPU still wake". */
bool pic_irq_unmasked(const struct pic *p, unsigned irq);

#endif
