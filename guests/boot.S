/* Multiboot v1 entry (docs/platform.md): 32-bit protected mode, paging off.
 * Load the GDT, turn on PAE and long mode with the static page tables of
 * pagetables.S (nothing is built at run time: CPL0 instructions are slow
 * under some engines), and call kmain(magic, info) in 64-bit mode. */
#include "guests/layout.h"

#define MB_MAGIC 0x1BADB002
#define MB_FLAGS 0x00000003           /* page-aligned modules, memory info */

	.section .multiboot, "a"
	.align 4
	.long MB_MAGIC, MB_FLAGS, -(MB_MAGIC + MB_FLAGS)

	.section .text.boot, "ax"
	.code32
	.globl _start
_start:
	cli
	mov %eax, mb_magic
	mov %ebx, mb_info
	mov $boot_stack_top, %esp
	lgdt gdt_ptr
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
	and $~0x4, %eax               /* no FPU emulation */
	or $0x80010003, %eax          /* PG, WP, MP, PE */
	mov %eax, %cr0
	ljmp $KERNEL_CS, $long_mode

	.code64
long_mode:
	mov $KERNEL_DS, %ax
	mov %ax, %ds
	mov %ax, %es
	mov %ax, %ss
	xor %eax, %eax
	mov %ax, %fs
	mov %ax, %gs
	mov $boot_stack_top, %rsp
	mov mb_magic(%rip), %edi
	mov mb_info(%rip), %esi
	call kmain
1:	cli
	hlt
	jmp 1b

	.data
	.align 8
	.globl gdt
gdt:
	.quad 0
	.quad 0x00af9a000000ffff      /* 0x08 kernel code, 64-bit */
	.quad 0x00cf92000000ffff      /* 0x10 kernel data */
	.quad 0x00cffa000000ffff      /* 0x18 user code, 32-bit (unused) */
	.quad 0x00cff2000000ffff      /* 0x20 user data */
	.quad 0x00affa000000ffff      /* 0x28 user code, 64-bit */
	.quad 0, 0                    /* 0x30 TSS, filled in by cpu_init */
gdt_end:
	.align 8
	.word 0, 0, 0
	.globl gdt_ptr
gdt_ptr:
	.word gdt_end - gdt - 1
	.quad gdt
mb_magic: .long 0
mb_info:  .long 0

	.bss
	.align 16
	.space 16384
	.globl boot_stack_top
boot_stack_top:

	.section .note.GNU-stack, "", @progbits
