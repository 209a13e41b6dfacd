/* Halts with interrupts off: nothing can wake it, so every engine must
 * end it with status 10 instead of running forever (issue 11, item 7). */
	.section .multiboot, "a"
	.align 4
	.long 0x1BADB002, 0, -0x1BADB002
	.text
	.code32
	.globl _start
_start:
	cli
1:	hlt
	jmp 1b
