/* The application processors' way from the Start-up IPI to 64-bit mode
 * (SDM vol. 3, 9.4.4; as Linux's trampoline does it): smp.c copies this
 * code to AP_TRAMPOLINE (below 1 MiB, 4 KiB-aligned: the SIPI vector is
 * its page number), the AP starts it in real mode at vector:0000, loads
 * the trampoline's own GDT, goes through 32-bit protected mode to long
 * mode on the kernel's page tables, then jumps to ap_entry in the kernel
 * with the stack smp.c left in ap_boot_stack. */
#include "guests/layout.h"

#define AP_TRAMPOLINE 0x8000
#define T(sym) (AP_TRAMPOLINE + (sym) - ap_trampoline)

	.section .text.boot, "ax"
	.globl ap_trampoline, ap_trampoline_end
	.code16
ap_trampoline:
	cli
	xor %ax, %ax
	mov %ax, %ds
	lgdtl T(tramp_gdt_ptr)
	mov %cr0, %eax
	or $1, %eax                   /* PE */
	mov %eax, %cr0
	ljmpl $0x08, $T(ap_pm32)

	.code32
ap_pm32:
	mov $0x10, %ax
	mov %ax, %ds
	mov %ax, %es
	mov %ax, %ss
	mov %cr4, %eax
	or $0x20, %eax                /* PAE */
	mov %eax, %cr4
	mov $pml4_a, %eax
	mov %eax, %cr3
	mov $0xC0000080, %ecx         /* EFER: long mode, SYSCALL */
	rdmsr
	or $0x101, %eax
	wrmsr
	mov %cr0, %eax
	and $~0x60000004, %eax        /* caches on (CD, NW clear), no FPU emulation */
	or $0x80010003, %eax          /* PG, WP, MP, PE */
	mov %eax, %cr0
	ljmp $0x18, $T(ap_long)

	.code64
ap_long:
	movabs $ap_entry, %rax
	jmp *%rax

	.align 8
tramp_gdt:
	.quad 0
	.quad 0x00cf9a000000ffff      /* 0x08 32-bit code */
	.quad 0x00cf92000000ffff      /* 0x10 data */
	.quad 0x00af9a000000ffff      /* 0x18 64-bit code */
tramp_gdt_ptr:
	.word tramp_gdt_ptr - tramp_gdt - 1
	.long T(tramp_gdt)
ap_trampoline_end:

/* In the kernel at last: the kernel's GDT, segments, the stack smp.c
 * chose, and ap_main() in C. */
	.text
ap_entry:
	lgdt gdt_ptr(%rip)
	mov $KERNEL_DS, %ax
	mov %ax, %ds
	mov %ax, %es
	mov %ax, %ss
	xor %eax, %eax
	mov %ax, %fs
	mov %ax, %gs
	mov ap_boot_stack(%rip), %rsp
	pushq $KERNEL_CS
	leaq 1f(%rip), %rax
	pushq %rax
	lretq
1:	call ap_main
2:	cli
	hlt
	jmp 2b

	.section .note.GNU-stack, "", @progbits
