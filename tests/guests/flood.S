/* Floods COM1 with lines for ever: the harness's timeout must still stop
 * it, its console log must stay capped, and QEMU must not outlive the
 * harness (issue 11, item 3). */
#include "multiboot.inc"
_start:
	movw $0x3f8, %dx
1:	movl $msg, %esi
2:	lodsb
	testb %al, %al
	jz 1b
	outb %al, %dx
	jmp 2b
msg:	.asciz "flood flood flood flood flood flood flood flood flood flood flood\n"
