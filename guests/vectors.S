/* Every way into the kernel: 256 IDT stubs and the SYSCALL entry build one
 * trap frame (struct trapframe) and call trap(); the way out is IRETQ, or
 * SYSRETQ for SYSCALL frames when the `sysret` switch is on (SYSRET kills
 * guests on PVM hosts, so it is off by default). */
#include "guests/layout.h"

#define VEC_SYSCALL 0x100

.macro POP_GPRS
	pop %r15
	pop %r14
	pop %r13
	pop %r12
	pop %r11
	pop %r10
	pop %r9
	pop %r8
	pop %rbp
	pop %rdi
	pop %rsi
	pop %rdx
	pop %rcx
	pop %rbx
	pop %rax
.endm

	.text
/* Stubs are 16 bytes apart so cpu_init computes their addresses.  Vectors
 * whose exceptions push an error code skip the dummy one. */
	.align 16
	.globl vector_stubs
vector_stubs:
	.set v, 0
	.rept 256
	.align 16
	.if (v == 8) || ((v >= 10) && (v <= 14)) || (v == 17) || (v == 21) || (v == 29) || (v == 30)
	.else
	pushq $0
	.endif
	pushq $v
	jmp trap_common
	.set v, v + 1
	.endr

/* SYSCALL: RCX = user RIP, R11 = user RFLAGS, RSP still the user's. */
	.globl syscall_entry
syscall_entry:
	mov %rsp, syscall_user_rsp(%rip)
	mov $entry_stack_top, %rsp
	pushq $(USER_DS | 3)
	pushq syscall_user_rsp(%rip)
	pushq %r11
	pushq $(USER_CS | 3)
	pushq %rcx
	pushq $0
	pushq $VEC_SYSCALL
trap_common:
	push %rax
	push %rbx
	push %rcx
	push %rdx
	push %rsi
	push %rdi
	push %rbp
	push %r8
	push %r9
	push %r10
	push %r11
	push %r12
	push %r13
	push %r14
	push %r15
	cld
	mov %rsp, %rdi
	call trap
	.globl trap_return
trap_return:
	cmpq $VEC_SYSCALL, 15*8(%rsp)
	jne 1f
	cmpb $0, sysret_enabled(%rip)
	jne 2f
1:	POP_GPRS
	add $16, %rsp
	iretq
2:	POP_GPRS
	add $16, %rsp
	pop %rcx                      /* RIP */
	add $8, %rsp                  /* CS */
	pop %r11                      /* RFLAGS */
	pop %rsp                      /* RSP; SS is implied */
	sysretq

	.data
	.globl sysret_enabled
sysret_enabled:	.byte 0
	.align 8
syscall_user_rsp:	.quad 0

	.bss
	.align 16
	.space 16384
	.globl entry_stack_top
entry_stack_top:
	.space 4096
	.globl df_stack_top
	.align 16
df_stack_top:

	.section .note.GNU-stack, "", @progbits
