/* Halts with interrupts on but no interrupt source armed (the LAPIC timer
 * never started): nothing can wake it, status 10 on every engine.  An
 * IDT is loaded so a spurious wake-up would not triple-fault instead. */
	.section .multiboot, "a"
	.align 4
	.long 0x1BADB002, 0, -0x1BADB002
	.text
	.code32
	.globl _start
_start:
	lidt idt_desc
	sti
1:	hlt
	jmp 1b

	.balign 8
idt_desc:
	.word 0
	.long 0
