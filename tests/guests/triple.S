/* Loads an empty IDT and divides by zero: #DE cannot be delivered, which
 * ends in a triple fault (shutdown). */
#include "multiboot.inc"
_start:
	lidt idtr
	xorl %ecx, %ecx
	divl %ecx
	hlt
idtr:	.word 0
	.long 0
