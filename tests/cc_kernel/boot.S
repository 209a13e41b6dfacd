/* The test kernel's entry: Multiboot v1, 32-bit protected mode, paging
 * off.  Identity-maps the first 4 MiB (2 MiB user pages), enables long
 * mode, the FPU (CR0: EM clear, MP and NE set, so x87 exceptions are #MF)
 * and, when CPUID has them, FXSAVE/SSE (CR4.OSFXSR, CR4.OSXMMEXCPT), then
 * FNINIT and kmain() in 64-bit mode at CPL 0.  to_user() continues at
 * CPL 3 with IOPL 3 (the console and debug-exit ports stay usable): the
 * tests run there, where KVM under PVM runs guest code natively instead
 * of emulating it. */
#include "tests/guests/multiboot.inc"
_start:
	cli
	movl $stack_top, %esp
	movl $pdpt + 7, pml4
	movl $pd + 7, pdpt
	movl $0x87, pd
	movl $0x200087, pd + 8
	movl $1, %eax
	cpuid
	movl %cr4, %eax
	orl $0x20, %eax              /* PAE */
	btl $24, %edx                /* FXSR: CR4.OSFXSR */
	jnc 1f
	orl $0x200, %eax
1:	btl $25, %edx                /* SSE: CR4.OSXMMEXCPT */
	jnc 2f
	orl $0x400, %eax
2:	movl %eax, %cr4
	movl $pml4, %eax
	movl %eax, %cr3
	movl $0xc0000080, %ecx       /* EFER.LME */
	rdmsr
	orl $0x100, %eax
	wrmsr
	lgdt gdt_desc
	movl %cr0, %eax
	andl $~0xc, %eax             /* EM, TS clear */
	orl $0x80000023, %eax        /* PG, NE, MP, PE */
	movl %eax, %cr0
	ljmp $0x08, $long_mode

	.code64
long_mode:
	movl $0x10, %eax
	movl %eax, %ds
	movl %eax, %es
	movl %eax, %ss
	movq $stack_top, %rsp
	fninit
	call kmain
3:	cli
	hlt
	jmp 3b

	/* to_user(fn, stack): IRETQ to fn at CPL 3, IF clear, IOPL 3. */
	.globl to_user
to_user:
	pushq $0x23                  /* SS: user data */
	pushq %rsi
	pushq $0x3002                /* RFLAGS: IOPL 3 */
	pushq $0x1b                  /* CS: user code */
	pushq %rdi
	iretq

	.data
	.balign 8
gdt:	.quad 0
	.quad 0x00af9a000000ffff     /* 0x08: 64-bit code */
	.quad 0x00cf92000000ffff     /* 0x10: data */
	.quad 0x00affa000000ffff     /* 0x18: user code */
	.quad 0x00cff2000000ffff     /* 0x20: user data */
gdt_desc:
	.word 39
	.long gdt
	.balign 4096
pml4:	.space 4096
pdpt:	.space 4096
pd:	.space 4096

	.bss
	.balign 16
	.space 65536
stack_top:

	.section .note.GNU-stack, "", @progbits
