/* user_call(fn, arg): run fn(arg) at CPL3 and come back with its result.
 * The kernel's callee-saved registers and stack stay on the boot stack
 * (entries from user mode use entry_stack_top, see vectors.S); the user
 * side ends with the SYS_RETURN system call, whose handler calls
 * user_return(value) to resume here.  That call is made with UD2_SYSCALL
 * (kernel.h), because an exception is the one way into the kernel every
 * host delivers: PVM turns INT 0x80 at CPL3 into #UD and runs the SYSCALL
 * target without leaving CPL3. */
#include "guests/layout.h"

#define SYS_RETURN 1

	.text
	.globl user_call
user_call:
	push %rbx
	push %rbp
	push %r12
	push %r13
	push %r14
	push %r15
	mov %rsp, kernel_resume_rsp(%rip)
	pushq $(USER_DS | 3)
	pushq $user_stack_top
	pushq $0x202                  /* IF on: timers may fire in user mode */
	pushq $(USER_CS | 3)
	pushq $user_trampoline
	iretq                         /* RDI = fn and RSI = arg travel along */

	.globl user_return
user_return:
	mov %rdi, %rax
	mov kernel_resume_rsp(%rip), %rsp
	pop %r15
	pop %r14
	pop %r13
	pop %r12
	pop %rbp
	pop %rbx
	ret

	.section .utext, "ax"
user_trampoline:
	mov %rdi, %rax
	mov %rsi, %rdi
	call *%rax
	mov %rax, %rdi
	mov $SYS_RETURN, %eax
1:	ud2
	.pushsection .ud2calls, "a"
	.quad 1b
	.popsection

	.data
	.align 8
kernel_resume_rsp: .quad 0

	.section .ubss, "aw", @nobits
	.align 16
	.space 16384
	.globl user_stack_top
user_stack_top:
	.space 8192
	.globl task_b_stack_top
	.align 16
task_b_stack_top:

	.section .note.GNU-stack, "", @progbits
