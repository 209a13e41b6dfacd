/* Halts with interrupts on but no interrupt source armed (the LAPIC timer
 * never started): nothing can wake it, status 10 on every engine.  An
 * IDT is loaded so a spurious wake-up would not triple-fault instead. */
#include "multiboot.inc"
_start:
	lidt idt_desc
	sti
1:	hlt
	jmp 1b

	.balign 8
idt_desc:
	.word 0
	.long 0
