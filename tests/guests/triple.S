/* Loads an empty IDT and divides by zero: #DE cannot be delivered, which
 * ends in a triple fault (shutdown). */
	.section .multiboot, "a"
	.align 4
	.long 0x1BADB002, 0, -0x1BADB002
	.text
	.code32
	.globl _start
_start:
	lidt idtr
	xorl %ecx, %ecx
	divl %ecx
	hlt
idtr:	.word 0
	.long 0
