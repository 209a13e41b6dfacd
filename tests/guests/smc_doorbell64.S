/* smc_doorbell.S in 64-bit long mode, where bt runs translated host code
 * rather than stepping its interpreter: the doorbell's PTE-batch hypercall
 * rewrites `target` after it has been translated and run 1000 times; the
 * next call must run the new code.  0x21 (status 67) on every engine;
 * 0x7e (253) when stale code ran, 0x7d when the hypercall failed.
 * Identity-mapped first 4 MiB (2 MiB pages), code and data on separate
 * pages so only the VMM writes the code page.  (issue 11, item 9) */
#include "long_mode.inc"

long_mode:
	movl $stack_top, %esp        /* zero-extended into RSP */
	call target
	cmpl $1, %eax
	jne stale
	movl $1000, %ecx             /* hot: translated and chained */
2:	call target
	loop 2b
	movl $hcall, %eax
	movw $0x608, %dx             /* ringbench device doorbell */
	outl %eax, %dx
	movl $hcall_ret, %ebx
	cmpq $0, (%rbx)
	jne refused
	call target
	cmpl $0x21, %eax
	jne stale
	movw $0xf4, %dx
	outl %eax, %dx
	hlt
stale:	movl $0x7e, %eax
	jmp 1f
refused: movl $0x7d, %eax
1:	movw $0xf4, %dx
	outl %eax, %dx
	hlt

	.balign 8
target:	movl $1, %eax                /* b8 01 00 00 00: becomes mov $0x21 */
	ret
	nop
	nop

	.data
	.balign 4096
pairs:	.long target, 0              /* {gpa, value}: the new 8 code bytes */
	.byte 0xb8, 0x21, 0, 0, 0, 0xc3, 0x90, 0x90
hcall:	.quad 1                      /* RB_HC_PTE_BATCH */
	.long pairs, 0
	.quad 1, 0, 0
hcall_ret:
	.quad 0xdead
	.balign 16
	.space 512
stack_top:
