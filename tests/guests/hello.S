/* Prints a greeting and the Multiboot command line on COM1, touches an
 * unclaimed port once each way, then exits through debug-exit with 0x21
 * (process status 0x43).  32-bit protected mode as Multiboot enters it. */
	.section .multiboot, "a"
	.align 4
	.long 0x1BADB002, 0x00000003, -(0x1BADB002 + 0x00000003)

	.text
	.code32
	.globl _start
_start:
	cmpl $0x2BADB002, %eax
	jne bad_magic
	movl $stack_top, %esp        /* Multiboot leaves ESP undefined */
	movl 16(%ebx), %ebp          /* info->cmdline */
	movl $greeting, %esi
	call puts
	movl %ebp, %esi
	call puts
	movb $'\n', %al
	call putc
	movw $0x2f0, %dx             /* no device there */
	inb %dx, %al
	cmpb $0xff, %al              /* unclaimed reads give all ones */
	jne bad_magic
	outb %al, %dx
	movl $0x21, %eax
	movw $0xf4, %dx
	outl %eax, %dx
	hlt
bad_magic:
	movl $0x7f, %eax
	movw $0xf4, %dx
	outl %eax, %dx
	hlt

putc:	movw $0x3f8, %dx
	outb %al, %dx
	ret
puts:	lodsb
	testb %al, %al
	jz 1f
	call putc
	jmp puts
1:	ret

	.balign 16
	.space 256
stack_top:
greeting:
	.asciz "hello from ringbench: "
