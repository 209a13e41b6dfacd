/* Loops forever at CPL0: --timeout must stop it. */
	.section .multiboot, "a"
	.align 4
	.long 0x1BADB002, 0, -0x1BADB002
	.text
	.code32
	.globl _start
_start:
	jmp _start
