/* Self-modifying code through the VMM: the doorbell's PTE-batch hypercall
 * rewrites an instruction of `target` after it has run (so interp has
 * decoded it and bt translated it).  The next call must run the new code:
 * exit 0x21 (status 67) on every engine; 0x7e (status 253) when the old
 * code ran again, 0x7d when the hypercall failed.  (issue 11, item 9) */
#include "multiboot.inc"
_start:
	movl $stack_top, %esp
	call target
	cmpl $1, %eax
	jne stale
	movl $1000, %ecx             /* hot: decoded, translated, chained */
2:	call target
	loop 2b
	movl $hcall, %eax
	movw $0x608, %dx             /* ringbench device doorbell */
	outl %eax, %dx
	cmpl $0, hcall_ret
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

	.balign 8
pairs:	.long target, 0              /* {gpa, value}: the new 8 code bytes */
	.byte 0xb8, 0x21, 0, 0, 0, 0xc3, 0x90, 0x90
hcall:	.quad 1                      /* RB_HC_PTE_BATCH */
	.long pairs, 0
	.quad 1, 0, 0
hcall_ret:
	.quad 0xdead

	.balign 16
	.space 256
stack_top:
