/* The binary translator (engines/bt) against the interpreter: small
 * hand-written 64-bit guest programs (the blob below, long mode with
 * 4-level paging set up from C) run under bt and under interp from the
 * same state; each check looks at the expected result and at both engines
 * agreeing.  Covers memory operand forms, branches and block chaining, the
 * jump cache, REP fallbacks and DF, privileged instructions as helper
 * calls, TLB flushes and code pages remapped under their translations
 * (4 KiB and 2 MiB), precise page faults (mid-block, page-crossing, in a
 * REP, from CPL 3), self-modifying code, interrupts in tight loops,
 * flush-when-full, W^X of the code cache and --lockstep.
 *
 * Guest memory map (linear = physical below 2 MiB, 4 KiB pages):
 *   0x1000 GDT, 0x2000 IDT, 0x3000 TSS, 0x4000 PML4, 0x5000 PDPT, 0x6000 PD,
 *   0x7000 PT, 0x8000 PD at 4 GiB (a 2 MiB alias of 0x200000); 0x80000
 *   results (qword slots), 0x81000 scratch, 0x82000 SRC (a byte pattern),
 *   0x83000 DST; stack below 0x90000; the blob
 *   at 0x100000; 0x1f0000 unmapped (#PF test); 0x1f1000 a data page
 *   remapped between 0x1f2000 and 0x1f3000; 0x1f8000 a code page remapped
 *   between 0x1f9000 and 0x1fa000; 0x1f5000 unmapped after a mapped page;
 *   2-8 MiB: 2 MiB pages (the generated block chain at 0x200000, 0x400000
 *   remapped to 0x600000); 0xC0000000: a 1 GiB page holding the LAPIC.
 *   CPL 3 may use one blob page, 0x81000 and the stack page 0x8e000. */
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "engines/bt/bt.h"
#include "engines/core/devices.h"
#include "engines/core/status.h"
#include "engines/core/vm.h"
#include "tests/check.h"

extern const struct engine_ops interp_engine_ops;

#define RAM_SIZE   (8ull << 20)
#define GDT        0x1000u
#define IDT        0x2000u
#define TSS        0x3000u
#define PML4       0x4000u
#define PDPT       0x5000u
#define PD         0x6000u
#define PT         0x7000u
#define PD_HI      0x8000u        /* 4 GiB + 0: 2 MiB page at 0x200000 */
#define DATA       0x80000u
#define SCRATCH    0x81000u
#define SRC        0x82000u
#define DST        0x83000u
#define STACK_TOP  0x90000u
#define USER_STACK 0x8e000u       /* the CPL 3 stack page */
#define BASE       0x100000u
#define UNMAPPED   0x1f0000u
#define UNMAPPED2  0x1f5000u      /* after a mapped page: a crossing load faults */
#define VDATA      0x1f1000u
#define PA_A       0x1f2000u
#define PA_B       0x1f3000u
#define VCODE      0x1f8000u
#define PC1        0x1f9000u
#define PC2        0x1fa000u
#define CHAIN      0x200000u
#define LARGE1     0x400000u      /* a 2 MiB page, remapped to LARGE2 */
#define LARGE2     0x600000u
#define NCHAIN     3000u
#define DONE       ((0x21 << 1) | 1)        /* the status of "finish" */
#define VAL_A      0xaaaa0000aaaa0001ull
#define VAL_B      0xbbbb0000bbbb0002ull

/* The guest.  Results go to qword slots DATA + 8*n; every program ends at
 * "finish", which keeps RAX at DATA+0xff8 and writes 0x21 to the debug-exit
 * port.  Label addresses in the guest: label - bt_blob + BASE. */
__asm__(
	".pushsection .rodata.bt_blob, \"a\"\n"
	".set BASE, 0x100000\n"
	".set DATA, 0x80000\n"
	/* The LAPIC enabled and its timer armed for ns nanoseconds (divide
	 * by 1, as the platform counts), LVT lvt (one-shot vector 0x40 unless
	 * given); RBX the LAPIC. */
	".macro timer_arm ns, lvt=0x40\n"
	"	mov $0xfee00000, %ebx\n"
	"	movl $0x1ff, 0xf0(%rbx)\n"
	"	movl $0xb, 0x3e0(%rbx)\n"
	"	movl $\\lvt, 0x320(%rbx)\n"
	"	movl $\\ns, 0x380(%rbx)\n"
	".endm\n"
	/* The timer armed for 1 us with IF clear and given time to fire: its
	 * interrupt waits in the IRR; ECX 0 (the handler sets it). */
	".macro timer_irq_waiting\n"
	"	timer_arm 1000\n"
	"	mov $3000000, %ecx\n"
	"0:	dec %ecx\n"
	"	jnz 0b\n"
	".endm\n"
	".balign 4096\n"
	".globl bt_blob, bt_blob_end, t_mem, t_branch, t_rep, t_priv, t_remap, t_pf, pf_insn\n"
	".globl t_smc1, t_smc2, smc_page, t_irq1, t_irq2, spin1, t_chain, t_lock, t_ls_bad\n"
	".globl pf_handler, irq_handler, bad_handler, rip_data, t_pf2, pf2_insn, t_irq3, t_irq4, edge, t_large\n"
	".globl t_hoist, t_hoist_timer, hoist_top, t_hoist_rcx, t_hoist_rcx_free, t_hoist_rcx_sti, irq_flag_handler, t_pushf_carry, t_pushf_dirty\n"
	".globl t_sti_loop2, sti2_top, sti2_after, t_sti_fused_irq, sti_fused_after, t_sti_loop3, sti3_top, sti3_after\n"
	".globl t_pf3, pf3_insn, t_user, user_code, user_fault, t_pf4, pf4_insn, t_stk, stk_pop, stk_ret, stk_back\n"
	".globl t_sys, t_sti_irq, sti_irq_after, t_sti_loop, sti_loop_top, sti_loop_after\n"
	".globl t_popf_irq, t_popf_loop, popf_loop_top, popf_irq_after\n"
	".globl t_cr8_irq, t_cr8_loop, cr8_loop_top, cr8_after\n"
	".globl t_io, t_ipi, ipi_after, t_io_timer, t_mmio_remap, t_cr3_code, t_dr7, t_io_cli, io_cli_after, t_ret_ic, t_cr8_cli, t_mmio_site\n"
	".globl t_grp, grp_loop, grp_hi8, t_grp_cross, grp_cross, t_grp_pf, grp_pf_insn, t_grp_pf2, grp_pf2_insn, t_grp_smc\n"
	".globl grp_two, t_grp_pf3, grp_pf3_insn, grp_inner, t_grp_many\n"
	".globl t_lean_user_io, t_lean_user_gp, user_gp_out, t_lean_in_leave, t_lean_ipi, lean_ipi_after, t_lean_mmio\n"
	".globl t_tcall, tc_ret1, tc_ret2, t_mmio_hoist, t_mmio_place, t_pio_place, t_hc_place, t_cr3_memo, t_hoist_implicit, t_rcx_keep\n"
	"bt_blob:\n"
	"finish:\n"
	"	mov %rax, DATA+0xff8\n"
	"	mov $0x21, %eax\n"
	"	out %eax, $0xf4\n"
	"	hlt\n"
	/* Any unexpected vector: record the two top stack words, exit 0x77. */
	"bad_handler:\n"
	"	mov (%rsp), %rax\n"
	"	mov %rax, DATA+0xfe8\n"
	"	mov 8(%rsp), %rax\n"
	"	mov %rax, DATA+0xff0\n"
	"	mov $0x77, %eax\n"
	"	out %eax, $0xf4\n"
	"	hlt\n"

	/* ---- a. memory operand forms (slots 1..23) ---- */
	"t_mem:\n"
	"	mov $0x82000, %ebx\n"
	"	mov $3, %esi\n"
	"	mov (%rbx), %rax\n"                     /* [base] */
	"	mov %rax, DATA+8*1\n"
	"	mov 8(%rbx,%rsi,8), %rax\n"             /* [base+index*8+disp8]: SRC+0x20 */
	"	mov %rax, DATA+8*2\n"
	"	mov 0x300(%rbx,%rsi,4), %rax\n"         /* disp32: SRC+0x30c */
	"	mov %rax, DATA+8*3\n"
	"	mov 0x82040, %rax\n"                    /* no base: absolute disp32 */
	"	mov %rax, DATA+8*4\n"
	"	mov rip_data(%rip), %rax\n"             /* RIP-relative load */
	"	mov %rax, DATA+8*5\n"
	"	not %rax\n"
	"	mov %rax, rip_data+8(%rip)\n"           /* RIP-relative store */
	/* A wrong address must hit a page the TLB holds (with other
	 * bytes), or the slow path would redo the access right: so the
	 * 64-bit addresses below first go to the alias at 4 GiB. */
	"	movabs 0x100082000, %rax\n"             /* 4 GiB + SRC: zeros, now in the TLB */
	"	movabs $0x100082050, %rcx\n"
	"	mov $0xfffffff0, %edx\n"
	"	mov (%ecx), %rax\n"                     /* 0x67: the high half of RCX ignored */
	"	mov %rax, DATA+8*6\n"
	"	mov 0x82070(%edx), %rax\n"              /* 0x67: wraps to 0x82060 */
	"	mov %rax, DATA+8*7\n"
	"	movabs $0x82010, %rcx\n"
	"	mov %rdx, %gs:8(%rcx)\n"                /* GS base 0x1000 (set_state): DST+0x18 */
	"	mov %gs:8(%rcx), %rdx\n"                /* without the base: SRC+0x18 */
	"	mov %rdx, DATA+8*9\n"
	"	mov $0xc0000100, %ecx\n"                /* FS base -0x1000 */
	"	mov $0xfffff000, %eax\n"
	"	mov $0xffffffff, %edx\n"
	"	wrmsr\n"
	"	mov %fs:0x83080, %rax\n"                /* SRC+0x80; without the base: DST+0x80 */
	"	mov %rax, DATA+8*8\n"
	"	mov $0x83100, %edi\n"                   /* sizes */
	"	movb $0x5a, (%rdi)\n"
	"	movw $0x1234, 2(%rdi)\n"
	"	movl $0x89abcdef, 4(%rdi)\n"
	"	movq $-2, 8(%rdi)\n"
	"	mov $-1, %rax\n"
	"	mov (%rdi), %al\n"
	"	mov %rax, DATA+8*10\n"
	"	movzwl 2(%rdi), %eax\n"
	"	mov %rax, DATA+8*11\n"
	"	mov $-1, %rax\n"
	"	mov 4(%rdi), %eax\n"
	"	mov %rax, DATA+8*12\n"
	"	xor %eax, %eax\n"
	"	mov 3(%rdi), %ah\n"
	"	add 8(%rdi), %rax\n"
	"	mov %rax, DATA+8*13\n"
	"	movq $100, 16(%rdi)\n"                  /* read-modify-write */
	"	mov $23, %ecx\n"
	"	add %rcx, 16(%rdi)\n"
	"	incq 16(%rdi)\n"
	"	subw $4, 16(%rdi)\n"
	"	incb 24(%rdi)\n"
	"	notl 28(%rdi)\n"
	"	movq $10, 32(%rdi)\n"                   /* locked */
	"	mov $5, %eax\n"
	"	lock xadd %rax, 32(%rdi)\n"
	"	mov %rax, DATA+8*14\n"
	"	mov $15, %eax\n"
	"	mov $77, %ecx\n"
	"	lock cmpxchg %rcx, 32(%rdi)\n"
	"	setz %dl\n"
	"	mov $99, %eax\n"
	"	lock cmpxchg %rcx, 32(%rdi)\n"
	"	setz %dh\n"
	"	movzwl %dx, %edx\n"
	"	mov %rdx, DATA+8*15\n"
	"	mov %rax, DATA+8*16\n"
	"	lock addl $3, 32(%rdi)\n"
	"	mov 0x81ffc, %rax\n"                    /* a load across a page boundary */
	"	mov %rax, DATA+8*17\n"
	"	movabs $0x1122334455667788, %rax\n"
	"	mov %rax, 0x83ffd\n"                    /* and a store */
	"	mov 0x1f1000, %rax\n"                   /* VDATA -> PA_A, in the TLB... */
	"	mov %rax, 0x1f1008\n"                   /* ...and dirty: writable in the TLB */
	"	mov 0x1f1ffc, %rax\n"                   /* crosses to 0x1f2000: not physically next */
	"	mov %rax, DATA+8*28\n"
	"	movabs $0x1122334455667788, %rax\n"
	"	mov %rax, 0x1f1ffc\n"
	"	movabs 0x82008, %rax\n"                 /* moffs: a 64-bit absolute address */
	"	mov %rax, DATA+8*24\n"
	"	incq rip_data+16(%rip)\n"               /* RIP-relative with an immediate after the disp */
	"	addl $0x41, rip_data+16(%rip)\n"
	"	cmpb $0x08, rip_data(%rip)\n"
	"	sete %al\n"
	"	movzbl %al, %eax\n"
	"	mov %rax, DATA+8*25\n"
	"	mov $0x84100, %edx\n"                   /* flags live across memory operands */
	"	mov $0x85000, %ebx\n"
	"	mov $1, %ecx\n"
	"	cmp $2, %ecx\n"                         /* CF SF AF PF set */
	"	mov (%rbx), %rax\n"                     /* TLB miss, RAX in use: flags on the stack */
	"	mov %rcx, (%rdx)\n"                     /* TLB miss: flags in AX */
	"	mov (%rbx), %rax\n"                     /* TLB hits */
	"	mov %rcx, 8(%rdx)\n"
	"	pushfq\n"
	"	pop %rax\n"
	"	mov %rax, DATA+8*26\n"
	"	mov $0x83000+0x500, %ebx\n"             /* jump and call through memory */
	"	movq $(t_mem_ind - bt_blob + BASE), (%rbx)\n"
	"	movq $(f_ret5 - bt_blob + BASE), 8(%rbx)\n"
	"	mov $1, %ecx\n"
	"	jmp *-8(%rbx,%rcx,8)\n"
	"	movq $0xbad, DATA+8*27\n"
	"t_mem_ind:\n"
	"	call *(%rbx,%rcx,8)\n"
	"	mov %rax, DATA+8*27\n"
	"	mov %rsp, %r12\n"                       /* RSP forms */
	"	pushq $0x11\n"
	"	pushq $0x22\n"
	"	mov 8(%rsp), %rax\n"
	"	mov %rax, DATA+8*18\n"
	"	mov (%rsp), %rax\n"
	"	mov %rax, DATA+8*19\n"
	"	add $16, %rsp\n"
	"	lea -16(%rsp), %rsp\n"
	"	and $-16, %rsp\n"
	"	mov %rsp, %rax\n"
	"	mov %rax, DATA+8*20\n"
	"	mov %r12, %rsp\n"
	"	pushq $7\n"
	"	pushq $8\n"
	"	call f_sum2\n"
	"	mov %rax, DATA+8*21\n"
	"	mov %rsp, %rax\n"
	"	sub %r12, %rax\n"
	"	mov %rax, DATA+8*22\n"
	"	mov $0x77, %ecx\n"
	"	push %rcx\n"
	"	pop %rdx\n"
	"	mov %rdx, DATA+8*23\n"
	"	jmp finish\n"
	"f_sum2:\n"                                     /* the two stack arguments' sum */
	"	push %rbp\n"
	"	mov %rsp, %rbp\n"
	"	sub $32, %rsp\n"
	"	mov 16(%rbp), %rax\n"
	"	add 24(%rbp), %rax\n"
	"	leave\n"
	"	ret $16\n"

	/* ---- b. branches (slots 30..36) ---- */
	"t_branch:\n"
	"	mov $5, %ecx\n"
	"	cmp $5, %ecx\n"
	"	je 1f\n"
	"	movq $0xbad, DATA+8*30\n"
	"	jmp 2f\n"
	"1:	movq $1, DATA+8*30\n"
	"2:	cmp $6, %ecx\n"
	"	je 3f\n"
	"	movq $2, DATA+8*31\n"
	"	jmp 4f\n"
	"3:	movq $0xbad, DATA+8*31\n"
	"4:	mov $100000, %ecx\n"
	"	xor %edx, %edx\n"
	"5:	add $3, %rdx\n"
	"	dec %ecx\n"
	"	jnz 5b\n"
	"	mov %rdx, DATA+8*32\n"
	"	mov $(ij_target - bt_blob + BASE), %eax\n"
	"	jmp *%rax\n"
	"	movq $0xbad, DATA+8*33\n"
	"ij_target:\n"
	"	movq $1, DATA+8*33\n"
	"	mov $(f_ret5 - bt_blob + BASE), %r8d\n"
	"	call *%r8\n"
	"	mov %rax, DATA+8*34\n"
	"	mov $2000, %ecx\n"
	"	xor %r9d, %r9d\n"
	"6:	call f_inc_r9\n"
	"	dec %ecx\n"
	"	jnz 6b\n"
	"	mov %r9, DATA+8*35\n"
	"	jmp far_label\n"
	"far_back:\n"
	"	jmp finish\n"
	"f_ret5:\n"
	"	mov $5, %eax\n"
	"	ret\n"
	"f_inc_r9:\n"
	"	inc %r9\n"
	"	ret\n"

	/* ---- b2. traced calls (slots 240..246): the callee's copied code and
	 * RET inside the caller's block (translate.c, trace_call) ---- */
	"t_tcall:\n"
	"	mov $1000, %ecx\n"
	"	xor %eax, %eax\n"
	"	mov %rsp, %rbx\n"
	"tc_loop:\n"
	"	call tc_inc\n"
	"tc_ret1:\n"
	"	dec %ecx\n"
	"	jnz tc_loop\n"
	"	mov %rax, DATA+8*240\n"
	"	sub %rsp, %rbx\n"
	"	mov %rbx, DATA+8*241\n"
	"	mov -8(%rsp), %rdx\n"                 /* the return address, left below RSP */
	"	mov %rdx, DATA+8*242\n"
	"	mov $-1, %rdx\n"                        /* flags live after the RET: CF from the callee */
	"	xor %esi, %esi\n"
	"	call tc_addcf\n"
	"	adc $0, %rsi\n"
	"	mov %rsi, DATA+8*243\n"
	"	mov $3, %ecx\n"                         /* the callee rewritten under its translation */
	"	xor %edi, %edi\n"
	"tc_smc_loop:\n"
	"	call tc_imm\n"
	"	add %rax, %rdi\n"
	"	mov %ecx, (tc_imm + 1 - bt_blob + BASE)\n"
	"	dec %ecx\n"
	"	jnz tc_smc_loop\n"
	"	mov %rdi, DATA+8*244\n"
	"	mov %rsp, %rbp\n"                       /* the push misses: the stack on a code page */
	"	mov $(tc_stack - bt_blob + BASE), %esp\n"
	"	mov $7, %eax\n"
	"	call tc_inc\n"
	"tc_ret2:\n"
	"	mov %rbp, %rsp\n"
	"	mov %rax, DATA+8*245\n"
	"	mov $(tc_stack - 8 - bt_blob + BASE), %eax\n"
	"	mov (%rax), %rax\n"
	"	mov %rax, DATA+8*246\n"
	"	jmp finish\n"
	"tc_inc:\n"
	"	inc %eax\n"
	"	ret\n"
	"tc_addcf:\n"
	"	add $1, %rdx\n"
	"	ret\n"
	"tc_imm:\n"
	"	mov $1, %eax\n"
	"	ret\n"
	"	.balign 16\n"
	"	.skip 32\n"
	"tc_stack:\n"
	"	.skip 16\n"

	/* ---- c. REP string instructions (slots 40..44) ---- */
	"t_rep:\n"
	"	cld\n"
	"	mov $0x82000, %esi\n"
	"	mov $0x83200, %edi\n"
	"	mov $100, %ecx\n"
	"	rep movsb\n"
	"	mov %rsi, DATA+8*40\n"
	"	mov %rdi, DATA+8*41\n"
	"	mov %rcx, DATA+8*42\n"
	"	mov $0x83400, %edi\n"
	"	movabs $0x0102030405060708, %rax\n"
	"	mov $20, %ecx\n"
	"	rep stosq\n"
	"	mov %rdi, DATA+8*43\n"
	"	mov $0x82fc0, %esi\n"                   /* both sides cross a page */
	"	mov $0x85fc0, %edi\n"
	"	mov $0x80, %ecx\n"
	"	rep movsb\n"
	"	mov %rdi, DATA+8*44\n"
	"	mov $0x83200+99, %esi\n"               /* DF=1: copy the 100 bytes 8 up, backwards */
	"	mov $0x83200+107, %edi\n"
	"	mov $100, %ecx\n"
	"	std\n"
	"	rep movsb\n"
	"	pushfq\n"
	"	cld\n"
	"	pop %rax\n"
	"	and $0x400, %eax\n"
	"	mov %rax, DATA+8*45\n"
	"	mov %rdi, DATA+8*46\n"
	"	jmp finish\n"

	/* ---- d. privileged and sensitive instructions (slots 50..58) ---- */
	"t_priv:\n"
	"	xor %eax, %eax\n"
	"	xor %ecx, %ecx\n"
	"	cpuid\n"
	"	mov %rbx, DATA+8*50\n"
	"	mov $0xc0000102, %ecx\n"                /* KERNEL_GS_BASE */
	"	mov $0x12345000, %eax\n"
	"	mov $0xffff8000, %edx\n"
	"	wrmsr\n"
	"	xor %eax, %eax\n"
	"	xor %edx, %edx\n"
	"	rdmsr\n"
	"	shl $32, %rdx\n"
	"	or %rdx, %rax\n"
	"	mov %rax, DATA+8*51\n"
	"	mov 0x1f1000, %rax\n"                   /* VDATA -> PA_A */
	"	mov %rax, DATA+8*52\n"
	"	movq $0x1f3003, 0x7000+8*0x1f1\n"       /* VDATA -> PA_B */
	"	mov %cr3, %rax\n"
	"	mov %rax, %cr3\n"
	"	mov 0x1f1000, %rax\n"
	"	mov %rax, DATA+8*53\n"
	"	movq $0x1f2003, 0x7000+8*0x1f1\n"       /* VDATA -> PA_A */
	"	mov $0x1f1000, %eax\n"
	"	invlpg (%rax)\n"
	"	mov 0x1f1000, %rax\n"
	"	mov %rax, DATA+8*54\n"
	"	xor %eax, %eax\n"                      /* flags: ZF PF */
	"	cli\n"
	"	pushfq\n"
	"	pop %rax\n"
	"	mov %rax, DATA+8*55\n"
	"	sti\n"
	"	nop\n"
	"	pushfq\n"
	"	pop %rax\n"
	"	mov %rax, DATA+8*56\n"
	"	pushq $0x8d7\n"                         /* CF PF AF ZF SF OF; IF clear */
	"	popfq\n"
	"	seto %cl\n"
	"	setc %ch\n"
	"	pushfq\n"
	"	pop %rax\n"
	"	mov %rax, DATA+8*57\n"
	"	movzwl %cx, %ecx\n"
	"	mov %rcx, DATA+8*58\n"
	"	mov $0x60c, %edx\n"                     /* the ringbench null port */
	"	mov $1, %eax\n"
	"	out %eax, %dx\n"
	"	jmp finish\n"

	/* ---- d. a code page remapped under its translation (slots 60..65) ---- */
	"t_remap:\n"
	"	mov $0x1f8000, %edx\n"
	"	call *%rdx\n"                           /* PC1: returns 1 */
	"	mov %rax, DATA+8*60\n"
	"	call bt_blob + (0x1f8000 - BASE)\n"     /* the same, by a direct call */
	"	mov %rax, DATA+8*61\n"
	"	movq $0x1fa003, 0x7000+8*0x1f8\n"       /* VCODE -> PC2: returns 2 */
	"	invlpg (%rdx)\n"
	"	call *%rdx\n"
	"	mov %rax, DATA+8*62\n"
	"	call bt_blob + (0x1f8000 - BASE)\n"
	"	mov %rax, DATA+8*63\n"
	"	movq $0x1f9003, 0x7000+8*0x1f8\n"       /* back to PC1, by a CR3 reload */
	"	mov %cr3, %rax\n"
	"	mov %rax, %cr3\n"
	"	call bt_blob + (0x1f8000 - BASE)\n"
	"	mov %rax, DATA+8*64\n"
	"	call *%rdx\n"
	"	mov %rax, DATA+8*65\n"
	"	jmp finish\n"

	/* ---- d. a 2 MiB page remapped, INVLPG of its first byte (slots 110..114) ---- */
	"t_large:\n"
	"	mov 0x401000, %rax\n"
	"	mov %rax, DATA+8*110\n"
	"	mov $0x402000, %edx\n"
	"	call *%rdx\n"                           /* returns 1 */
	"	mov %rax, DATA+8*111\n"
	"	call bt_blob + (0x402000 - BASE)\n"
	"	movq $0x600083, 0x6000+8*2\n"           /* 0x400000 -> physical 0x600000 */
	"	mov $0x400000, %ecx\n"
	"	invlpg (%rcx)\n"                        /* drops the whole 2 MiB translation */
	"	mov 0x401000, %rax\n"
	"	mov %rax, DATA+8*112\n"
	"	call *%rdx\n"                           /* returns 2 */
	"	mov %rax, DATA+8*113\n"
	"	call bt_blob + (0x402000 - BASE)\n"
	"	mov %rax, DATA+8*114\n"
	"	jmp finish\n"

	/* ---- d/e. CPL 3 code after the kernel cached a supervisor page (slots 120..125) ---- */
	"t_user:\n"
	"	mov DATA+8*120, %rax\n"                 /* the kernel's TLB now maps DATA */
	"	pushq $0x1b\n"                          /* iretq to CPL 3 */
	"	pushq $0x8f000\n"
	"	pushq $0x2\n"
	"	pushq $0x23\n"
	"	pushq $(user_code - bt_blob + BASE)\n"
	"	iretq\n"

	/* ---- e. a page fault in the middle of a block (slots 70..79) ---- */
	"t_pf:\n"
	"	mov $1, %ebx\n"
	"	mov $100, %ecx\n"
	"	movq $0x5555, DATA+8*70\n"
	"	add $5, %rcx\n"
	"	mov $0x1f0000, %edi\n"
	"pf_insn:\n"
	"	mov %rbx, (%rdi)\n"                     /* #PF: not present */
	"	mov $2, %ebx\n"
	"	add $7, %rcx\n"
	"	movq $0x6666, DATA+8*71\n"
	"	jmp finish\n"
	"t_pf3:\n"                                     /* REP STOSB into an unmapped page */
	"	mov $0x1f4ff0, %edi\n"
	"	mov $0x5a, %eax\n"
	"	mov $0x20, %ecx\n"
	"	cld\n"
	"pf3_insn:\n"
	"	rep stosb\n"
	"	mov %rdi, DATA+8*65\n"
	"	jmp finish\n"
	"pf_handler:\n"
	"	mov %rbx, DATA+8*72\n"
	"	mov %rcx, DATA+8*73\n"
	"	mov %rdi, DATA+8*66\n"
	"	push %rax\n"
	"	mov %cr2, %rax\n"
	"	mov %rax, DATA+8*74\n"
	"	mov 16(%rsp), %rax\n"                   /* RIP */
	"	mov %rax, DATA+8*75\n"
	"	mov 8(%rsp), %rax\n"                    /* error code */
	"	mov %rax, DATA+8*76\n"
	"	mov 32(%rsp), %rax\n"                   /* RFLAGS */
	"	mov %rax, DATA+8*69\n"
	"	mov DATA+8*71, %rax\n"
	"	mov %rax, DATA+8*77\n"
	"	mov DATA+8*70, %rax\n"
	"	mov %rax, DATA+8*78\n"
	"	incq DATA+8*79\n"
	"	testb $4, 8(%rsp)\n"                    /* from CPL 3: record CS, stop */
	"	jz 1f\n"
	"	mov 24(%rsp), %rax\n"
	"	mov %rax, DATA+8*121\n"
	"	jmp finish\n"
	"1:	push %rdx\n"                            /* map the page and retry */
	"	mov %cr2, %rax\n"
	"	mov %rax, %rdx\n"
	"	shr $12, %rdx\n"
	"	and $-4096, %rax\n"
	"	or $3, %rax\n"
	"	mov %rax, 0x7000(,%rdx,8)\n"
	"	mov %cr2, %rax\n"
	"	invlpg (%rax)\n"
	"	pop %rdx\n"
	"	pop %rax\n"
	"	add $8, %rsp\n"
	"	iretq\n"

	"t_pf2:\n"                                     /* a load crossing into an unmapped page */
	"	mov $0x1f4ffc, %esi\n"
	"	xor %eax, %eax\n"
	"	cmp $1, %eax\n"                         /* CF SF AF PF: live across the fault */
	"pf2_insn:\n"
	"	mov (%rsi), %rdx\n"
	"	setb %cl\n"
	"	sets %ch\n"
	"	movzwl %cx, %ecx\n"
	"	mov %rcx, DATA+8*68\n"
	"	mov %rdx, DATA+8*67\n"
	"	jmp finish\n"

	/* A run of memory operands sharing their scratches (flag-free probe)
	 * with a crossing fault in the middle and flags live across it
	 * (slots 190..193; the handler's 66..79). */
	"t_pf4:\n"
	"	mov $0x1f4ffc, %esi\n"
	"	mov $DATA+8*190, %ebx\n"
	"	mov $0x77, %edi\n"
	"	xor %eax, %eax\n"
	"	cmp $1, %eax\n"                         /* CF SF AF PF: live across the fault */
	"	mov %rdi, (%rbx)\n"
	"pf4_insn:\n"
	"	mov (%rsi), %rdx\n"
	"	mov %rdx, 8(%rbx)\n"
	"	add 8(%rbx), %rdx\n"                   /* no flag read: CF/SF from the CMP lost */
	"	setb %cl\n"
	"	mov %rcx, 16(%rbx)\n"
	"	cmp $1, %eax\n"
	"	mov (%rbx), %r8\n"
	"	mov %r8, 24(%rbx)\n"
	"	setb %cl\n"
	"	sets %ch\n"
	"	movzwl %cx, %ecx\n"
	"	mov %rcx, 16(%rbx)\n"
	"	jmp finish\n"

	/* Stack forms at page edges (slots 200..216; the handler's 66..79),
	 * the flags of "cmp $1, 0" (CF SF AF PF) live across each: a PUSH
	 * and a POP run crossing a page, CALL and RET with RSP at a page
	 * boundary and misaligned across one, a POP run and a RET into the
	 * unmapped page (#PF at that POP, at the RET; mapped and retried). */
	"t_stk:\n"
	"	mov %rsp, %r15\n"
	"	mov $0x1f4010, %esp\n"
	"	mov $0x11, %eax\n"
	"	mov $0x22, %ebx\n"
	"	mov $0x33, %ecx\n"
	"	mov $0x44, %edx\n"
	"	xor %esi, %esi\n"
	"	cmp $1, %esi\n"
	"	push %rax\n"                           /* 0x1f4008 down to 0x1f3ff0 */
	"	push %rbx\n"
	"	push %rcx\n"
	"	push %rdx\n"
	"	pop %rsi\n"
	"	pop %rdi\n"
	"	pop %r8\n"
	"	pop %r9\n"
	"	call stk_flags\n"
	"	mov %rax, DATA+8*200\n"
	"	mov %rsi, DATA+8*201\n"
	"	mov %rdi, DATA+8*202\n"
	"	mov %r8, DATA+8*203\n"
	"	mov %r9, DATA+8*204\n"
	"	mov $0x1f4000, %esp\n"                 /* CALL's push just below a page */
	"	xor %esi, %esi\n"
	"	cmp $1, %esi\n"
	"	call stk_f\n"
	"	call stk_flags\n"
	"	mov %rax, DATA+8*205\n"
	"	mov %rsp, DATA+8*206\n"
	"	mov $0x1f4004, %esp\n"                 /* misaligned: CALL and RET cross */
	"	xor %esi, %esi\n"
	"	cmp $1, %esi\n"
	"	call stk_f\n"
	"	call stk_flags\n"
	"	mov %rax, DATA+8*207\n"
	"	mov %rsp, DATA+8*208\n"
	"	mov $0x1f4ff0, %esp\n"                 /* POPs into the unmapped page */
	"	movq $0x55, 0x1f4ff0\n"
	"	movq $0x66, 0x1f4ff8\n"
	"	xor %esi, %esi\n"
	"	cmp $1, %esi\n"
	"	pop %rax\n"
	"	pop %rbx\n"
	"stk_pop:\n"
	"	pop %rcx\n"                            /* #PF: RAX and RBX popped */
	"	pop %rdx\n"
	"	mov %rsp, DATA+8*211\n"
	"	mov DATA+8*75, %rax\n"                 /* the #PF's RIP */
	"	mov %rax, DATA+8*216\n"
	"	mov $0x1f8000, %esp\n"
	"	call stk_flags\n"
	"	mov %rax, DATA+8*209\n"
	"	mov %rbx, DATA+8*210\n"
	"	mov %rcx, DATA+8*212\n"
	"	mov %rdx, DATA+8*213\n"
	"	movq $0, 0x7000+8*0x1f5\n"             /* unmapped again */
	"	invlpg 0x1f5000\n"
	"	mov $0x1f5008, %esp\n"
	"	xor %esi, %esi\n"
	"	cmp $1, %esi\n"
	"stk_ret:\n"
	"	ret\n"                                 /* #PF; retried, to [0x1f5008] */
	"stk_back:\n"
	"	mov %rsp, DATA+8*214\n"
	"	mov $0x1f8000, %esp\n"
	"	call stk_flags\n"
	"	mov %rax, DATA+8*215\n"
	"	mov %r15, %rsp\n"
	"	jmp finish\n"
	"stk_f:\n"
	"	ret\n"
	/* CF and SF of the caller's flags in AL and AH, RAX's upper bits 0. */
	"stk_flags:\n"
	"	mov $0, %eax\n"
	"	setb %al\n"
	"	sets %ah\n"
	"	ret\n"

	/* ---- f. self-modifying code (slots 80..87) ---- */
	"t_smc1:\n"
	"	movl $5, (smc1_mov + 1 - bt_blob + BASE)\n"   /* the immediate just ahead */
	"	xor %ecx, %ecx\n"
	"smc1_mov:\n"
	"	mov $1, %eax\n"
	"	mov %rax, DATA+8*80\n"
	"	mov $3, %ecx\n"
	"	xor %edx, %edx\n"
	"smc_loop:\n"                                   /* each pass rewrites its first instruction */
	"	mov $1, %eax\n"
	"	add %rax, %rdx\n"
	"	mov %ecx, (smc_loop + 1 - bt_blob + BASE)\n"
	"	dec %ecx\n"
	"	jnz smc_loop\n"
	"	mov %rdx, DATA+8*81\n"
	"	jmp finish\n"
	"t_smc2:\n"
	"	mov $(smc_page - bt_blob + BASE), %esi\n"
	"	movl $0x000011b8, (%rsi)\n"             /* mov $0x11, %eax; ret */
	"	movw $0xc300, 4(%rsi)\n"
	"	call *%rsi\n"
	"	mov %rax, DATA+8*82\n"
	"	call smc_page\n"
	"	mov %rax, DATA+8*83\n"
	"	movb $0x22, 1(%rsi)\n"                  /* mov $0x22, %eax; ret */
	"	call *%rsi\n"
	"	mov %rax, DATA+8*84\n"
	"	call smc_page\n"
	"	mov %rax, DATA+8*85\n"
	"	movl $0x33b8, (%rsi)\n"                 /* mov $0x33, %eax; inc %eax; ret */
	"	movl $0xc3c0ff00, 4(%rsi)\n"
	"	call smc_page\n"
	"	mov %rax, DATA+8*86\n"
	"	lea fn44(%rip), %rsi\n"                 /* written by REP MOVSB: a helper's stores */
	"	mov $(smc_page - bt_blob + BASE), %edi\n"
	"	mov $6, %ecx\n"
	"	rep movsb\n"
	"	call smc_page\n"
	"	mov %rax, DATA+8*87\n"
	"	jmp finish\n"

	/* ---- g. the LAPIC timer interrupting tight loops (slots 90..91) ---- */
	"t_irq1:\n"                                     /* jmp . until the handler skips it */
	"	timer_arm 1000000\n"            /* one-shot, vector 0x40, 1 ms */
	"	sti\n"
	"spin1:\n"
	"	jmp spin1\n"
	"	cli\n"
	"	jmp finish\n"
	"t_irq2:\n"                                     /* dec/jnz until the handler sets RCX */
	"	timer_arm 1000000\n"
	"	mov $0xffffffff, %ecx\n"
	"	sti\n"
	"1:	dec %rcx\n"
	"	jnz 1b\n"
	"	cli\n"
	"	jmp finish\n"
	"t_irq3:\n"                                     /* periodic, a loop reading memory */
	"	timer_arm 200000, 0x20040\n"    /* periodic, vector 0x40, 200 us */
	"	sti\n"
	"1:	cmpq $5, DATA+8*90\n"
	"	jb 1b\n"
	"	cli\n"
	"	movl $0x10040, 0x320(%rbx)\n"          /* masked */
	"	jmp finish\n"
	/* A periodic timer due at almost every poll while a line of fresh
	 * blocks runs once (each exit unlinked when taken), then the same
	 * line with IF clear: no exit may have been linked to the handler. */
	"t_irq4:\n"
	"	timer_arm 50000, 0x20040\n"     /* periodic, vector 0x40, 50 us */
	"	sti\n"
	"	call irq4_line\n"
	"	cli\n"
	"	movl $0x10040, 0x320(%rbx)\n"          /* masked */
	"	mov DATA+8*90, %rax\n"
	"	mov %rax, DATA+8*92\n"
	"	call irq4_line\n"
	"	mov DATA+8*90, %rax\n"
	"	mov %rax, DATA+8*93\n"
	"	jmp finish\n"
	"irq4_line:\n"
	"	.rept 3000\n"
	"	jmp 1f\n"
	"1:\n"
	"	.endr\n"
	"	ret\n"
	"irq_handler:\n"
	"	incq DATA+8*90\n"
	"	push %rbx\n"
	"	mov $0xfee00000, %ebx\n"
	"	movl $0, 0xb0(%rbx)\n"                  /* EOI */
	"	pop %rbx\n"
	"	mov (%rsp), %rax\n"
	"	mov %rax, DATA+8*91\n"
	"	cmpq $(spin1 - bt_blob + BASE), (%rsp)\n"
	"	jne 1f\n"
	"	addq $2, (%rsp)\n"                      /* past the jmp . */
	"1:	mov $1, %ecx\n"
	"	iretq\n"

	/* ---- i. sensitive instructions bt translates inline (slots 130..149) ---- */
	"t_sys:\n"
	"	mov $0xc0000103, %ecx\n"                /* TSC_AUX */
	"	mov $0x5a5a, %eax\n"
	"	xor %edx, %edx\n"
	"	wrmsr\n"
	"	mov $-1, %rax\n"
	"	mov %rax, %rcx\n"
	"	mov %rax, %rdx\n"
	"	mov %rax, %r9\n"
	"	mov %rax, %r8\n"
	"	mov $200, %esi\n"                       /* a chained loop: translated once */
	"1:	smsw %ax\n"                             /* 16 bits: the upper ones stay */
	"	smsw %ecx\n"
	"	smsw %r9\n"
	"	mov %cr0, %r10\n"
	"	mov %cr3, %r11\n"
	"	mov %cr4, %r12\n"
	"	mov %cr2, %r13\n"
	"	str %edx\n"
	"	sldt %r8w\n"
	"	sgdt DATA+8*140\n"
	"	sidt DATA+8*142\n"
	"	cli\n"
	"	pushfq\n"
	"	sti\n"
	"	pushfq\n"
	"	pop %rbx\n"
	"	pop %rdi\n"
	"	dec %esi\n"
	"	jnz 1b\n"
	"	mov %rax, DATA+8*130\n"
	"	mov %rcx, DATA+8*131\n"
	"	mov %r9, DATA+8*132\n"
	"	mov %r10, DATA+8*133\n"
	"	mov %r11, DATA+8*134\n"
	"	mov %r12, DATA+8*135\n"
	"	mov %r13, DATA+8*136\n"
	"	mov %rdx, DATA+8*137\n"
	"	mov %r8, DATA+8*138\n"
	"	mov %rbx, DATA+8*144\n"                 /* after STI */
	"	mov %rdi, DATA+8*145\n"                 /* after CLI */
	"	mov $100, %esi\n"                       /* CPUID from the engine's table */
	"2:	mov $0x80000001, %eax\n"
	"	xor %ecx, %ecx\n"
	"	cpuid\n"
	"	mov %rdx, %r8\n"
	"	mov $4, %eax\n"
	"	mov $1, %ecx\n"
	"	cpuid\n"
	"	mov %rax, %r9\n"
	"	xor %eax, %eax\n"                      /* leaf 0 (ECX from leaf 4 as the subleaf) */
	"	cpuid\n"
	"	add %rbx, %r9\n"
	"	dec %esi\n"
	"	jnz 2b\n"
	"	mov %r8, DATA+8*150\n"
	"	mov %r9, DATA+8*151\n"
	"	mov $0xc0000102, %ecx\n"                /* WRMSR, RDMSR of the kernel's MSRs */
	"	mov $0x5000, %eax\n"
	"	mov $0xffff8000, %edx\n"
	"	wrmsr\n"
	"	mov $0xc0000081, %ecx\n"
	"	mov $0x11112222, %eax\n"
	"	mov $0x33334444, %edx\n"
	"	wrmsr\n"
	"	xor %r11d, %r11d\n"
	"	mov $4, %esi\n"
	"3:	mov $0xc0000102, %ecx\n"
	"	test $1, %esi\n"
	"	jz 4f\n"
	"	mov $0xc0000081, %ecx\n"
	"	jmp 4f\n"
	"4:	rdmsr\n"                                /* ECX as the block began: checked */
	"	shl $32, %rdx\n"
	"	or %rdx, %rax\n"
	"	add %rax, %r11\n"
	"	dec %esi\n"
	"	jnz 3b\n"
	"	mov %r11, DATA+8*152\n"
	"	mov $200, %esi\n"                       /* INVLPG of a data page: on in place */
	"5:	invlpg DATA+8*160\n"
	"	dec %esi\n"
	"	jnz 5b\n"
	"	rdtsc\n"                                /* the TSC runs forward; TSC_AUX is the guest's */
	"	shl $32, %rdx\n"
	"	or %rdx, %rax\n"
	"	mov %rax, %rbx\n"
	"	rdtscp\n"
	"	shl $32, %rdx\n"
	"	or %rdx, %rax\n"
	"	sub %rbx, %rax\n"
	"	sets %dl\n"
	"	movzbl %dl, %edx\n"
	"	mov %rdx, DATA+8*146\n"
	"	mov %rcx, DATA+8*147\n"
	"	xor %ebx, %ebx\n"
	"	xor %edx, %edx\n"
	"	xor %eax, %eax\n"
	"	jmp finish\n"
	/* ---- i. MOV to and from DR7 (slots 180..181) ---- */
	"t_dr7:\n"
	"	mov $0x400, %ecx\n"
	"	mov $0x400, %r9d\n"
	"	mov $200, %esi\n"                       /* a chained loop: translated once */
	"1:	mov %rcx, %dr7\n"                       /* no breakpoint enabled: inline */
	"	mov %r9, %dr7\n"
	"	mov %dr7, %rax\n"
	"	dec %esi\n"
	"	jnz 1b\n"
	"	mov %rax, DATA+8*180\n"
	"	mov $0x402, %ecx\n"                     /* G0 (DR0 never reached): the handler */
	"	mov %rcx, %dr7\n"
	"	mov %dr7, %rdx\n"
	"	mov $0x400, %ecx\n"
	"	mov %rcx, %dr7\n"
	"	mov %rdx, DATA+8*181\n"
	"	xor %ecx, %ecx\n"
	"	xor %edx, %edx\n"
	"	xor %eax, %eax\n"
	"	jmp finish\n"
	/* ---- b. RET's inline cache: one RET returning to two call sites, RET imm16 (slot 183) ---- */
	"t_ret_ic:\n"
	"	xor %r9d, %r9d\n"
	"	mov $300, %esi\n"
	"1:	call f_ic\n"                            /* the site the cache learns first */
	"	add %rax, %r9\n"
	"	test $1, %esi\n"
	"	jz 2f\n"
	"	call f_ic\n"                            /* another: through the jump cache */
	"	add %rax, %r9\n"
	"2:	push $5\n"
	"	call f_ic8\n"
	"	add %rax, %r9\n"
	"	dec %esi\n"
	"	jnz 1b\n"
	"	mov %r9, DATA+8*183\n"
	"	xor %eax, %eax\n"
	"	jmp finish\n"
	"f_ic:\n"
	"	mov $3, %eax\n"
	"	ret\n"
	"f_ic8:\n"
	"	mov 8(%rsp), %rax\n"
	"	ret $8\n"
	/* ---- i. CR8 writes with IF clear stay inline (slot 184) ---- */
	"t_cr8_cli:\n"
	"	mov $300, %esi\n"
	"1:	mov %rsi, %rax\n"
	"	and $15, %eax\n"
	"	mov %rax, %cr8\n"
	"	dec %esi\n"
	"	jnz 1b\n"
	"	mov %cr8, %rax\n"
	"	mov %rax, DATA+8*184\n"
	"	xor %eax, %eax\n"
	"	mov %rax, %cr8\n"
	"	jmp finish\n"
	"t_sti_irq:\n"                                  /* an interrupt pending at STI */
	"	timer_irq_waiting\n"
	"	xor %esi, %esi\n"
	"1:	cli\n"
	"	inc %esi\n"
	"	sti\n"
	"	jmp sti_irq_after\n"                    /* the one shadowed instruction */
	"sti_irq_after:\n"
	"	test %ecx, %ecx\n"                      /* the handler sets ECX */
	"	jz 1b\n"
	"	cli\n"
	"	mov %rsi, DATA+8*148\n"
	"	jmp finish\n"
	/* The same with CLI; STI fused (the flags dead after the shadowed
	 * ADD): the CLI's store happens on the way to the handler (slot 218). */
	"t_sti_fused_irq:\n"
	"	timer_irq_waiting\n"
	"	xor %esi, %esi\n"
	"1:	cli\n"
	"	sti\n"
	"	add $1, %esi\n"                        /* shadowed; defines every flag */
	"sti_fused_after:\n"
	"	test %ecx, %ecx\n"
	"	jz 1b\n"
	"	cli\n"
	"	mov %rsi, DATA+8*218\n"
	"	jmp finish\n"
	"t_popf_irq:\n"                                 /* an interrupt pending at POPF setting IF */
	"	timer_irq_waiting\n"
	"	xor %esi, %esi\n"
	"	pushfq\n"
	"	pop %rbx\n"                             /* IF clear */
	"	mov %rbx, %rdi\n"
	"	or $0x200, %rdi\n"                      /* IF set */
	"popf_loop_top:\n"
	"	push %rbx\n"
	"	popfq\n"
	"	inc %esi\n"
	"	push %rdi\n"
	"	popfq\n"
	"popf_irq_after:\n"
	"	test %ecx, %ecx\n"
	"	jz popf_loop_top\n"
	"	cli\n"
	"	mov %rsi, DATA+8*139\n"
	"	xor %esi, %esi\n"
	"	jmp finish\n"
	"t_popf_loop:\n"                                /* the timer fires in a POPF loop */
	"	timer_arm 3000000\n"            /* 3 ms */
	"	xor %ecx, %ecx\n"
	"	xor %esi, %esi\n"
	"	pushfq\n"
	"	pop %rbx\n"
	"	mov %rbx, %rdi\n"
	"	or $0x200, %rdi\n"
	"	jmp popf_loop_top\n"                    /* the loop above */
	"t_cr8_irq:\n"                                  /* an interrupt the TPR masked, at CR8 0 */
	"	mov $15, %eax\n"
	"	mov %rax, %cr8\n"
	"	mov %cr8, %rdx\n"
	"	mov %rdx, DATA+8*153\n"
	"	timer_arm 1000\n"               /* 1 us, masked by the TPR */
	"	sti\n"
	"	mov $3000000, %ecx\n"
	"0:	dec %ecx\n"
	"	jnz 0b\n"
	"	xor %esi, %esi\n"
	"cr8_loop_top:\n"
	"	mov $15, %eax\n"
	"	mov %rax, %cr8\n"
	"	inc %esi\n"
	"	xor %eax, %eax\n"
	"	mov %rax, %cr8\n"
	"cr8_after:\n"
	"	test %ecx, %ecx\n"
	"	jz cr8_loop_top\n"
	"	cli\n"
	"	mov %rsi, DATA+8*154\n"
	"	xor %esi, %esi\n"
	"	jmp finish\n"
	"t_cr8_loop:\n"                                 /* the timer fires in a CR8 loop */
	"	timer_arm 3000000\n"            /* 3 ms */
	"	xor %ecx, %ecx\n"
	"	xor %esi, %esi\n"
	"	sti\n"
	"	jmp cr8_loop_top\n"
	"t_sti_loop:\n"                                 /* the timer fires in a CLI/STI loop */
	"	timer_arm 3000000\n"            /* 3 ms */
	"	xor %ecx, %ecx\n"
	"	xor %esi, %esi\n"
	"sti_loop_top:\n"
	"	cli\n"
	"	inc %rsi\n"
	"	sti\n"
	"	jmp sti_loop_after\n"
	"sti_loop_after:\n"
	"	test %ecx, %ecx\n"
	"	jz sti_loop_top\n"
	"	cli\n"
	"	mov %rsi, DATA+8*149\n"
	"	xor %esi, %esi\n"
	"	jmp finish\n"

	/* The same with CLI and STI adjacent (slot 217): the STI after an
	 * inline CLI skips its IF test and finds RCX in its home. */
	"t_sti_loop2:\n"
	"	timer_arm 3000000\n"            /* 3 ms */
	"	xor %ecx, %ecx\n"
	"	xor %esi, %esi\n"
	"sti2_top:\n"
	"	cli\n"
	"	sti\n"
	"	jmp sti2_after\n"
	"sti2_after:\n"
	"	inc %rsi\n"
	"	test %ecx, %ecx\n"
	"	jz sti2_top\n"
	"	cli\n"
	"	mov %rsi, DATA+8*217\n"
	"	xor %esi, %esi\n"
	"	jmp finish\n"

	/* CLI; STI fused, the timer firing (slot 219). */
	"t_sti_loop3:\n"
	"	timer_arm 3000000\n"            /* 3 ms */
	"	xor %ecx, %ecx\n"
	"	xor %esi, %esi\n"
	"sti3_top:\n"
	"	cli\n"
	"	sti\n"
	"	add $1, %rsi\n"
	"sti3_after:\n"
	"	test %ecx, %ecx\n"
	"	jz sti3_top\n"
	"	cli\n"
	"	mov %rsi, DATA+8*219\n"
	"	xor %esi, %esi\n"
	"	jmp finish\n"

	/* A loop block whose scratches are spilled once (hoist_set): a load
	 * through the probe that faults once (0x1f5000 unmapped: pf_handler
	 * maps it, reading RBX), SGDT, an MMIO read (LAPIC ID), PUSH/POP.
	 * RBX, RBP, R9-R13 and R15, which the loop never names, must come out
	 * as they went in (slots 220..222). */
	"t_hoist:\n"
	"	xor %ecx, %ecx\n"
	"	jmp 1f\n"
	"t_hoist_timer:\n"                              /* the same with the timer firing */
	"	timer_arm 2000000\n"            /* 2 ms */
	"	mov $1, %ecx\n"
	"1:	mov $0xfee00000, %r14d\n"
	"	mov $0x1111, %ebx\n"
	"	mov $0x2222, %ebp\n"
	"	mov $0x9999, %r9d\n"
	"	mov $0x3333, %r10d\n"
	"	mov $0x4444, %r11d\n"
	"	mov $0x5555, %r12d\n"
	"	mov $0x6666, %r13d\n"
	"	mov $0x7777, %r15d\n"
	"	xor %esi, %esi\n"
	"	mov $DATA+8*220, %edi\n"
	"	xor %eax, %eax\n"
	"	xor %edx, %edx\n"
	"	xor %r8d, %r8d\n"
	"	test %ecx, %ecx\n"
	"	jz hoist_top\n"
	"	sti\n"
	"	mov $400000, %r8d\n"                    /* long enough for the timer */
	"	neg %r8\n"
	"hoist_top:\n"
	"	mov 0x1f4000(%rsi), %rdx\n"
	"	add %rdx, %rax\n"
	"	sgdt (%rdi)\n"
	"	mov 0x20(%r14), %edx\n"                /* MMIO */
	"	push %rdx\n"
	"	pop %rdx\n"
	"	add $8, %esi\n"
	"	and $0x1ff8, %esi\n"
	"	inc %r8\n"
	"	cmp $3000, %r8\n"
	"	jl hoist_top\n"
	"	cli\n"
	"	mov %rax, DATA+8*222\n"
	"	jmp finish\n"

	/* Loop blocks with the timer firing (vector 0x41: irq_flag_handler
	 * touches no register and sets slot 260, which ends the loop).  The
	 * block entry's poll for interrupts uses RCX: kept in a hoisted
	 * scratch when the loop names it (entry_rcx_keeper), itself a hoisted
	 * scratch when not; the poll exit must give it back.  SGDT's 10 bytes
	 * go to slots 262-263. */
	"t_hoist_rcx:\n"                                /* RCX counts down */
	"	timer_arm 1000000, 0x41\n"
	"	mov $DATA+8*262, %edi\n"
	"	mov $0xffffffff, %ecx\n"
	"	xor %eax, %eax\n"
	"	sti\n"
	"1:	sgdt (%rdi)\n"
	"	add $3, %rax\n"
	"	dec %rcx\n"
	"	cmpq $0, DATA+8*260\n"
	"	je 1b\n"
	"	cli\n"
	"	mov %rax, DATA+8*257\n"
	"	mov %rcx, DATA+8*258\n"
	"	jmp finish\n"
	/* RCX never named in the loop: R8 counts, RCX must stay 0x8888. */
	".macro rcx_free_loop before, after\n"
	"	timer_arm 1000000, 0x41\n"
	"	mov $DATA+8*262, %edi\n"
	"	mov $0x8888, %ecx\n"
	"	xor %r8d, %r8d\n"
	"	xor %eax, %eax\n"
	"1:	\\before\n"
	"	add $3, %rax\n"
	"	\\after\n"
	"	inc %r8\n"
	"	cmpq $0, DATA+8*260\n"
	"	je 1b\n"
	"	cli\n"
	"	mov %rax, DATA+8*257\n"
	"	mov %r8, DATA+8*258\n"
	"	mov %rcx, DATA+8*261\n"
	"	jmp finish\n"
	".endm\n"
	"t_hoist_rcx_free:\n"
	"	sti\n"
	"	rcx_free_loop \"sgdt (%rdi)\"\n"
	"t_hoist_rcx_sti:\n"                            /* CLI; STI: RCX their scratch */
	"	rcx_free_loop cli, sti\n"
	"irq_flag_handler:\n"
	"	push %rbx\n"
	"	mov $0xfee00000, %ebx\n"
	"	movl $0, 0xb0(%rbx)\n"                  /* EOI */
	"	pop %rbx\n"
	"	movq $1, DATA+8*260\n"
	"	iretq\n"

	/* PUSHF; POPF back to back (bt keeps the flags in AX from one to the
	 * other, ax_carry): first on a stack page never written (its PTE
	 * clean: bt's refill gives no write tag, PUSHF runs in the helper and
	 * returns into the save the fast path jumps over), then on the same
	 * page, dirty now.  Slots 267, 268: the flags each POPF restored;
	 * 269 RAX, 270 RSP; 284, 285 below.  t_pushf_dirty: the same on 0x84000, whose PTE
	 * is dirty from the start. */
	"t_pushf_dirty:\n"
	"	mov %rsp, %rbp\n"
	"	mov $0x85000, %esp\n"
	"	jmp 1f\n"
	"t_pushf_carry:\n"
	"	mov %rsp, %rbp\n"
	"	mov $0x86000, %esp\n"                   /* top of 0x85000, clean */
	"1:\n"
	"	mov $0x1234, %eax\n"
	"	mov $-1, %edx\n"
	"	add $1, %edx\n"                         /* CF ZF AF PF */
	"	pushfq\n"
	"	popfq\n"
	"	pushfq\n"
	"	pop %rdx\n"
	"	mov %rdx, DATA+8*267\n"
	"	mov $0x7fffffff, %edx\n"
	"	add $1, %edx\n"                         /* OF SF AF PF */
	"	pushfq\n"
	"	popfq\n"
	"	pushfq\n"
	"	pop %rdx\n"
	"	mov %rdx, DATA+8*268\n"
	/* POPF whose flags nobody reads (ADD defines them all: bt skips
	 * their restore), then one whose CF INC passes on to ADC. */
	"	mov $0x7fffffff, %edx\n"
	"	add $1, %edx\n"
	"	pushfq\n"
	"	popfq\n"
	"	add $0, %edx\n"                        /* SF PF */
	"	pushfq\n"
	"	pop %rdx\n"
	"	mov %rdx, DATA+8*284\n"
	"	mov $5, %ecx\n"
	"	pushq $0x803\n"                        /* CF OF */
	"	popfq\n"
	"	inc %ecx\n"
	"	mov $0, %edx\n"
	"	adc $0, %edx\n"
	"	mov %rdx, DATA+8*285\n"
	"	mov %rax, DATA+8*269\n"
	"	mov %rsp, DATA+8*270\n"
	"	mov %rbp, %rsp\n"
	"	jmp finish\n"

	/* ---- h. many distinct blocks: the chain generated at 0x200000 (slot 95) ---- */
	"t_chain:\n"
	"	xor %eax, %eax\n"
	"	mov $3, %r13d\n"
	"	mov $0x200000, %edx\n"
	"1:	call *%rdx\n"
	"	dec %r13d\n"
	"	jnz 1b\n"
	"	mov %rax, DATA+8*95\n"
	"	jmp finish\n"

	/* ---- j. arithmetic, memory and branches for lockstep (slots 100..102) ---- */
	"t_lock:\n"
	"	mov $0x83800, %edi\n"
	"	xor %eax, %eax\n"
	"	mov $1, %ebx\n"
	"	xor %esi, %esi\n"
	"	mov $300, %ecx\n"
	"1:	imul $3, %rbx, %rbx\n"
	"	add %rcx, %rbx\n"
	"	mov %ecx, %edx\n"
	"	and $15, %edx\n"
	"	add %rbx, (%rdi,%rdx,8)\n"
	"	xor (%rdi,%rdx,8), %rax\n"
	"	rol $5, %rax\n"
	"	test $1, %cl\n"
	"	jz 2f\n"
	"	adc %rbx, %rax\n"
	"	cmovs %rbx, %rsi\n"
	"	shr %cl, %rsi\n"
	"2:	call f_mix\n"
	"	dec %ecx\n"
	"	jnz 1b\n"
	"	mov %rax, DATA+8*100\n"
	"	mov %rbx, DATA+8*101\n"
	"	mov %rsi, DATA+8*102\n"
	"	jmp finish\n"
	"f_mix:\n"
	"	push %rbx\n"
	"	lea 7(%rbx,%rbx,2), %rbx\n"
	"	sub %rbx, %rax\n"
	"	setc %bl\n"
	"	movzbl %bl, %ebx\n"
	"	add %rbx, %rsi\n"
	"	pop %rbx\n"
	"	ret\n"
	"t_ls_bad:\n"                                   /* the block whose translation is corrupted */
	"	mov $0x12345678, %ecx\n"
	"	add %ecx, %eax\n"
	"	jmp finish\n"

	".balign 4096\n"                                /* b. the far end of a jump to another page */
	"far_label:\n"
	"	movq $1, DATA+8*36\n"
	"	jmp edge\n"
	".balign 4096\n"
	".skip 4096 - 16, 0xcc\n"
	"edge:\n"                                      /* the block ends before the MOVABS... */
	"	mov $1, %ecx\n"
	"	mov $2, %edx\n"
	"	movabs $0x1122334455667788, %rax\n"    /* ...that crosses into the next page */
	"	add %rcx, %rax\n"
	"	add %rdx, %rax\n"
	"	mov %rax, DATA+8*37\n"
	"	jmp far_back\n"
	".balign 4096\n"
	"smc_page:\n"                                   /* f. t_smc2 writes its function here */
	"	.fill 4096, 1, 0xcc\n"
	".balign 4096\n"
	"user_code:\n"                                  /* the one user page of the blob */
	"	mov $0x81000, %ebx\n"
	"	movq $0x1234, (%rbx)\n"
	"	mov (%rbx), %rax\n"
	"	add $1, %rax\n"
	"	mov %rax, 8(%rbx)\n"
	"	mov $(user_fn - bt_blob + BASE), %edx\n"
	"	call *%rdx\n"
	"	mov %rax, 16(%rbx)\n"
	"	call user_fn\n"
	"	add %rax, 16(%rbx)\n"
	"	mov $0x8d5 | 0x200 | 0x3000, %eax\n"     /* arithmetic flags; IF, IOPL ignored at CPL 3 */
	"	push %rax\n"
	"	popfq\n"
	"	pushfq\n"
	"	pop %rax\n"
	"	mov %rax, 24(%rbx)\n"
	"	smsw %eax\n"                            /* no UMIP: as at CPL 0 */
	"	mov %rax, 32(%rbx)\n"
	"	sgdt 40(%rbx)\n"
	"	sidt 56(%rbx)\n"
	"	str %eax\n"
	"	mov %rax, 72(%rbx)\n"
	"	rdtsc\n"                                /* CR4.TSD clear */
	"	xor %eax, %eax\n"
	"	xor %edx, %edx\n"
	"user_fault:\n"
	"	mov DATA+8*120, %rcx\n"                 /* a supervisor page: #PF, error 5 */
	"	ud2\n"
	"user_fn:\n"
	"	mov $21, %eax\n"
	"	ret\n"
	"user_io:\n"                                    /* lean: IOPL 3, OUT and IN in place at CPL 3 */
	"	mov $0x60c, %edx\n"
	"	mov $50, %ecx\n"
	"1:	out %eax, %dx\n"
	"	dec %ecx\n"
	"	jnz 1b\n"
	"	mov $0x610, %edx\n"                     /* counter select: the null port's */
	"	xor %eax, %eax\n"
	"	out %eax, %dx\n"
	"	mov $0x614, %edx\n"
	"	in %dx, %eax\n"
	"	mov %rax, 0x81000+80\n"                 /* SCRATCH + 80 */
	"	mov $0x21, %eax\n"
	"	out %eax, $0xf4\n"                      /* finish, from CPL 3 */
	"user_gp:\n"                                    /* lean: IOPL 0, OUT at CPL 3 is #GP(0) */
	"	mov $0x60c, %edx\n"
	"user_gp_out:\n"
	"	out %eax, %dx\n"
	"	ud2\n"
	".balign 4096\n"
	"rip_data:\n"                                   /* a. RIP-relative data, no code on its page */
	"	.quad 0x0102030405060708, 0, 0\n"
	"fn44:\n"
	"	mov $0x44, %eax\n"
	"	ret\n"

	/* ---- j. exits devices answer in place (slots 170..179) ---- */
	"t_io:\n"                                       /* null port, counter read, VMCALL, null page */
	"	mov $100, %ecx\n"
	"	xor %esi, %esi\n"
	"	xor %r8d, %r8d\n"
	"	mov $0xfeb00000, %ebx\n"
	"0:	mov $0x60c, %edx\n"                     /* the null port */
	"	out %eax, %dx\n"
	"	mov $0x610, %edx\n"                     /* counter select: the null port's */
	"	xor %eax, %eax\n"
	"	out %eax, %dx\n"
	"	mov $0x614, %edx\n"
	"	in %dx, %eax\n"                         /* 1, 2, ... 100 */
	"	add %rax, %rsi\n"
	"	mov $1, %eax\n"                         /* the null hypercall: 0 */
	"	vmcall\n"
	"	add %rax, %r8\n"
	"	mov (%rbx), %eax\n"                     /* the null page reads 0 */
	"	add %rax, %r8\n"
	"	movl $1, (%rbx)\n"
	"	dec %ecx\n"
	"	jnz 0b\n"
	"	mov %rsi, DATA+8*170\n"
	"	mov %r8, DATA+8*171\n"
	"	jmp finish\n"
	"t_ipi:\n"                                      /* a self-IPI by an MMIO write in a block */
	"	mov $0xfee00000, %ebx\n"
	"	movl $0x1ff, 0xf0(%rbx)\n"
	"	sti\n"
	"	movl $0x40040, 0x300(%rbx)\n"           /* ICR: self, fixed, vector 0x40 */
	"ipi_after:\n"
	"	nop\n"
	"	nop\n"
	"	cli\n"
	"	jmp finish\n"
	"t_io_timer:\n"                                 /* the timer in a loop of in-place OUTs */
	"	timer_arm 1000000\n"            /* 1 ms */
	"	mov $0x60c, %edx\n"
	"	xor %esi, %esi\n"
	"	sti\n"
	"0:	out %eax, %dx\n"
	"	inc %esi\n"
	"	cmpq $0, DATA+8*90\n"
	"	je 0b\n"
	"	cli\n"
	"	mov %rsi, DATA+8*172\n"
	"	jmp finish\n"
	"t_io_cli:\n"                                   /* the timer expires in OUTs with IF clear */
	"	timer_arm 1000\n"               /* 1 us */
	"	mov $0x60c, %edx\n"
	"	mov $200000, %esi\n"
	"0:	out %eax, %dx\n"
	"	dec %esi\n"
	"	jnz 0b\n"
	"	mov DATA+8*90, %rax\n"
	"	mov %rax, DATA+8*182\n"                 /* none taken with IF clear */
	"	sti\n"
	"	nop\n"                                   /* the STI shadow */
	"io_cli_after:\n"
	"	cli\n"
	"	jmp finish\n"
	"t_mmio_remap:\n"                               /* the MMIO translation goes with a flush */
	"	mov $0x1f1000, %ebx\n"
	"	mov $0xfeb00003, %eax\n"                 /* VDATA -> the null page */
	"	mov %rax, 0x7000+8*0x1f1\n"
	"	invlpg (%rbx)\n"
	"	mov (%rbx), %rax\n"                      /* 0: MMIO, its translation kept */
	"	mov %rax, DATA+8*173\n"
	"	movl $5, 8(%rbx)\n"
	"	mov 16(%rbx), %rax\n"
	"	mov %rax, DATA+8*174\n"
	"	movq $0x1f2003, 0x7000+8*0x1f1\n"       /* VDATA -> PA_A again */
	"	invlpg (%rbx)\n"
	"	mov (%rbx), %rax\n"                      /* VAL_A */
	"	mov %rax, DATA+8*175\n"
	"	mov $0xfeb00003, %eax\n"                 /* and back, by a CR3 reload */
	"	mov %rax, 0x7000+8*0x1f1\n"
	"	mov %cr3, %rax\n"
	"	mov %rax, %cr3\n"
	"	movl $6, 8(%rbx)\n"
	"	movq $0x1f2003, 0x7000+8*0x1f1\n"
	"	mov %cr3, %rax\n"
	"	mov %rax, %cr3\n"
	"	mov (%rbx), %rax\n"
	"	mov %rax, DATA+8*176\n"
	"	jmp finish\n"
	"t_mmio_site:\n"                               /* one load site: MMIO 51 times, then RAM */
	"	mov $0x1f1000, %ebx\n"
	"	mov $0xfeb00003, %eax\n"                 /* VDATA -> the null page */
	"	mov %rax, 0x7000+8*0x1f1\n"
	"	invlpg (%rbx)\n"
	"	xor %edi, %edi\n"
	"	mov $100, %ecx\n"
	"1:	mov (%rbx), %rax\n"
	"	add %rax, %rdi\n"
	"	cmp $50, %ecx\n"
	"	jne 2f\n"
	"	movq $0x1f2003, 0x7000+8*0x1f1\n"       /* VDATA -> PA_A again */
	"	invlpg (%rbx)\n"
	"2:	dec %ecx\n"
	"	jnz 1b\n"
	"	mov %rdi, DATA+8*178\n"
	"	jmp finish\n"
	"t_cr3_code:\n"                                 /* MOV CR3 in place, and when it remaps the code */
	"	mov $0x1f8100, %edx\n"
	"	call *%rdx\n"                           /* PC1+0x100 remaps VCODE to PC2 by CR3: 2 */
	"	mov %rax, DATA+8*177\n"
	"	mov $200, %ecx\n"
	"1:	mov %cr3, %rax\n"
	"	mov %rax, %cr3\n"
	"	dec %ecx\n"
	"	jnz 1b\n"
	"	jmp finish\n"
	/* A loop block whose inline instruction writes a register it does
	 * not name: CPUID's EBX, leaves 0x80000000 + 4, 3, ... 0 (the first
	 * run before the loop block: its EBX is what that block would take
	 * back at its exit), twice; slot 180: leaf 0x80000000's. */
	"t_hoist_implicit:\n"
	"	mov $2, %edi\n"                          /* twice: the second from bt's CPUID table */
	"0:	mov $5, %esi\n"
	"1:	lea 0x7fffffff(%rsi), %eax\n"
	"	xor %ecx, %ecx\n"
	"	cpuid\n"
	"	dec %esi\n"
	"	jnz 1b\n"
	"	dec %edi\n"
	"	jnz 0b\n"
	"	mov %rbx, DATA+8*180\n"
	"	jmp finish\n"
	/* CR3 reloads that keep the code page (bt: its walk's entries read
	 * again, code_walk), then one after its PTE changed: the new page
	 * runs (slot 179: 2). */
	"t_cr3_memo:\n"
	"	movq $0x1f9003, 0x7000+8*0x1f8\n"       /* VCODE -> PC1 */
	"	mov %cr3, %rax\n"
	"	mov %rax, %cr3\n"
	"	mov $0x1f8200, %edx\n"
	"	call *%rdx\n"
	"	mov %rax, DATA+8*179\n"
	"	jmp finish\n"
	/* ---- lean helper calls (slots 230..239): IN, OUT, MMIO in place,
	 * their faults, an IN that leaves, an interrupt right after ---- */
	"t_lean_user_io:\n"
	"	pushq $0x1b\n"                          /* iretq to CPL 3 with IOPL 3 */
	"	pushq $0x8f000\n"
	"	pushq $0x3002\n"
	"	pushq $0x23\n"
	"	pushq $(user_io - bt_blob + BASE)\n"
	"	iretq\n"
	"t_lean_user_gp:\n"
	"	pushq $0x1b\n"                          /* iretq to CPL 3 with IOPL 0 */
	"	pushq $0x8f000\n"
	"	pushq $0x2\n"
	"	pushq $0x23\n"
	"	pushq $(user_gp - bt_blob + BASE)\n"
	"	iretq\n"
	"t_lean_in_leave:\n"                           /* an unclaimed port: each IN leaves, replays */
	"	mov $20, %ecx\n"
	"	mov $0x2f8, %edx\n"
	"	mov $0x1234567890, %rax\n"
	"	xor %esi, %esi\n"
	"	mov $0xb0b0, %ebx\n"                    /* callee-saved on the host: an OUT that */
	"	mov $0xb1b1, %ebp\n"                    /* leaves stores them only then */
	"	mov $0xb2b2, %r12d\n"
	"	mov $0xb3b3, %r13d\n"
	"	mov $0xb4b4, %r14d\n"
	"	mov $0xb5b5, %r15d\n"
	"1:	in %dx, %al\n"                          /* merges into RAX */
	"	add %rax, %rsi\n"
	"	in %dx, %eax\n"                         /* zero-extends */
	"	add %rax, %rsi\n"
	"	add %ecx, %ebx\n"
	"	add %ecx, %ebp\n"
	"	add %ecx, %r12d\n"
	"	add %ecx, %r13d\n"
	"	add %ecx, %r14d\n"
	"	add %ecx, %r15d\n"
	"	stc\n"
	"	out %eax, %dx\n"                        /* leaves too, right after they changed */
	"	adc $0, %rsi\n"                         /* CF kept across it */
	"	mov $0x1234567890, %rax\n"
	"	dec %ecx\n"
	"	jnz 1b\n"
	"	mov $0x60c, %edx\n"                     /* and one answered in place */
	"	stc\n"
	"	out %eax, %dx\n"
	"	adc $0, %rsi\n"
	"	mov %rsi, DATA+8*230\n"
	"	jmp finish\n"
	/* A loop block (its scratches hoisted: they hold no guest value in
	 * the loop) whose load reaches MMIO and is then jumped to directly:
	 * the registers the loop does not name keep their values (slot 247),
	 * 50 null-page reads of 0 (slot 248). */
	"t_mmio_hoist:\n"
	"	mov $0x1f1000, %ebx\n"
	"	mov $0xfeb00003, %eax\n"                 /* VDATA -> the null page */
	"	mov %rax, 0x7000+8*0x1f1\n"
	"	invlpg (%rbx)\n"
	"	mov $0x1111, %edx\n"
	"	mov $0x2222, %edi\n"
	"	mov $0x3333, %ebp\n"
	"	mov $0x4444, %r8d\n"
	"	mov $0x5555, %r9d\n"
	"	mov $0x6666, %r10d\n"
	"	mov $0x7777, %r11d\n"
	"	mov $0x8888, %r12d\n"
	"	mov $0x9999, %r13d\n"
	"	mov $0xaaaa, %r14d\n"
	"	mov $0xbbbb, %r15d\n"
	"	mov $7, %esi\n"
	"	mov $50, %ecx\n"
	"	mov $(DATA+8*249), %eax\n"
	"	movq $1, (%rax)\n"
	"1:	add (%rax), %rsi\n"                     /* RAM: its probe takes hoisted scratches */
	"	add $0, %rsi\n"
	"	add (%rbx), %rsi\n"                     /* MMIO: then a direct jump to its helper */
	"	dec %ecx\n"
	"	jnz 1b\n"
	"	mov %rsi, DATA+8*248\n"
	"	add %rdi, %rdx\n"
	"	add %rbp, %rdx\n"
	"	add %r8, %rdx\n"
	"	add %r9, %rdx\n"
	"	add %r10, %rdx\n"
	"	add %r11, %rdx\n"
	"	add %r12, %rdx\n"
	"	add %r13, %rdx\n"
	"	add %r14, %rdx\n"
	"	add %r15, %rdx\n"
	"	mov %rdx, DATA+8*247\n"
	"	jmp finish\n"
	/* Reads and MOV stores of the null page (a quiet device) done in
	 * place (bt mmio.c): the flags across the device call (CF set before
	 * a read or a store, taken by ADC after), loads of every size, a
	 * CMP's flags from the device's 0, RCX and RSP as a store's source.
	 * 40 rounds of 1 + 2 + 1 into slot 250, RSP back (slot 251).  Then
	 * one site whose page turns from the null page to the LAPIC's and
	 * back (its in place refused: the helper from then on): 20 rounds,
	 * 10 of them the LAPIC version register (slot 252). */
	/* IN and OUT of the null port (a quiet device) done in place (bt
	 * device.c), 8, 16 and 32 bits: IN leaves the
	 * upper bytes of RAX as IN does (slot 253: the three results summed
	 * as 0xffffffffffffff00 + 0xffffffffffff0000 + 0), CF kept across
	 * (ADC: slot 254, 30 rounds of 6).  The UART's scratch register in
	 * the same loop reads back what was written (slot 255): in place
	 * while the UART's interrupts are off; then 10 rounds with THR-empty
	 * on (not quiet: the helper; slot 256). */
	/* 40 null hypercalls (VAPIC_POLL_IRQ) in a CPL 0 loop, in place under
	 * bt (hc_stub): RAX 0 back, CF kept (RDI counts it), RBX, RCX, RDX
	 * and RSI kept; then one the VM core does not serve: the helper, an
	 * exit, -KVM_ENOSYS.  Slots 271-276. */
	"t_hc_place:\n"
	"	mov $0x1111, %ebx\n"
	"	mov $0x2222, %ecx\n"
	"	mov $0x3333, %edx\n"
	"	mov $0x4444, %esi\n"
	"	mov $40, %r8d\n"
	"	xor %edi, %edi\n"
	"	xor %r9d, %r9d\n"
	"1:	mov $1, %eax\n"
	"	stc\n"
	"	vmcall\n"
	"	adc $0, %rdi\n"
	"	add %rax, %r9\n"
	"	dec %r8\n"
	"	jnz 1b\n"
	"	mov $12345, %eax\n"
	"	vmcall\n"
	"	mov %rax, DATA+8*271\n"
	"	mov %rdi, DATA+8*272\n"
	"	mov %r9, DATA+8*273\n"
	"	add %rbx, %rcx\n"
	"	add %rdx, %rsi\n"
	"	mov %rcx, DATA+8*274\n"
	"	mov %rsi, DATA+8*275\n"
	"	jmp finish\n"
	/* Loops whose flag-free probes keep RCX in a hoisted scratch (RCX
	 * named, so not hoisted itself, but not by the load): 16 pages of
	 * code, each a TLB miss that a refill cures, then 4 reads of the
	 * LAPIC's version register, each a miss no refill cures (MMIO). */
	"t_rcx_keep:\n"
	"	mov $0x100000, %r8d\n"
	"	xor %ecx, %ecx\n"
	"	xor %eax, %eax\n"
	"	xor %edi, %edi\n"
	"1:	lea (%r8,%rcx), %rsi\n"
	"	mov (%rsi), %rsi\n"
	"	add %rsi, %rax\n"
	"	add $0x1000, %rcx\n"
	"	add $1, %edi\n"
	"	cmp $16, %edi\n"
	"	jb 1b\n"
	"	mov %rcx, DATA+8*280\n"
	"	mov %rax, DATA+8*281\n"
	"	mov $0xfee00030, %r8d\n"
	"	xor %ecx, %ecx\n"
	"	xor %eax, %eax\n"
	"2:	mov (%r8), %esi\n"
	"	add %rsi, %rax\n"
	"	lea 1(%rcx), %rcx\n"
	"	cmp $4, %rcx\n"
	"	jb 2b\n"
	"	mov %rcx, DATA+8*282\n"
	"	mov %rax, DATA+8*283\n"
	"	jmp finish\n"
	"t_pio_place:\n"
	"	mov $30, %ecx\n"
	"	xor %edi, %edi\n"
	"	xor %r9d, %r9d\n"
	"1:	mov $0x60c, %edx\n"
	"	stc\n"
	"	out %al, %dx\n"
	"	adc $0, %rdi\n"
	"	stc\n"
	"	out %eax, %dx\n"
	"	adc $0, %rdi\n"
	"	stc\n"
	"	out %ax, %dx\n"
	"	adc $0, %rdi\n"
	"	mov $-1, %rax\n"
	"	stc\n"
	"	in %dx, %al\n"
	"	adc $0, %rdi\n"
	"	mov %rax, %r10\n"
	"	mov $-1, %rax\n"
	"	stc\n"
	"	in %dx, %ax\n"
	"	adc $0, %rdi\n"
	"	add %rax, %r10\n"
	"	mov $-1, %rax\n"
	"	stc\n"
	"	in %dx, %eax\n"
	"	adc $0, %rdi\n"
	"	add %rax, %r10\n"
	"	mov %ecx, %eax\n"
	"	mov $0x3ff, %edx\n"
	"	out %al, %dx\n"                          /* UART scratch */
	"	xor %eax, %eax\n"
	"	in %dx, %al\n"
	"	add %rax, %r9\n"
	"	dec %ecx\n"
	"	jnz 1b\n"
	"	mov %r10, DATA+8*253\n"
	"	mov %rdi, DATA+8*254\n"
	"	mov %r9, DATA+8*255\n"
	"	mov $0x3f9, %edx\n"
	"	mov $2, %al\n"
	"	out %al, %dx\n"                          /* IER: THR empty on */
	"	mov $0x3ff, %edx\n"
	"	mov $10, %ecx\n"
	"	xor %r9d, %r9d\n"
	"2:	mov %ecx, %eax\n"
	"	out %al, %dx\n"
	"	xor %eax, %eax\n"
	"	in %dx, %al\n"
	"	add %rax, %r9\n"
	"	dec %ecx\n"
	"	jnz 2b\n"
	"	mov $0x3f9, %edx\n"
	"	xor %eax, %eax\n"
	"	out %al, %dx\n"                          /* IER: all off again */
	"	mov %r9, DATA+8*256\n"
	"	jmp finish\n"
	"t_mmio_place:\n"
	"	mov $0x1f1000, %ebx\n"
	"	mov $0xfeb00003, %eax\n"                 /* VDATA -> the null page */
	"	mov %rax, 0x7000+8*0x1f1\n"
	"	invlpg (%rbx)\n"
	"	xor %edi, %edi\n"
	"	mov $40, %ecx\n"
	"	mov %rsp, %r12\n"
	"1:	stc\n"
	"	mov (%rbx), %eax\n"
	"	adc $0, %rdi\n"
	"	mov 8(%rbx), %rax\n"
	"	add %rax, %rdi\n"
	"	movzbl 3(%rbx), %esi\n"
	"	add %rsi, %rdi\n"
	"	cmpq $0, 16(%rbx)\n"
	"	jne 9f\n"
	"	add $2, %rdi\n"
	"	mov %rcx, 24(%rbx)\n"
	"	mov %rsp, 32(%rbx)\n"
	"	movl $7, 40(%rbx)\n"
	"	stc\n"
	"	movq $5, 48(%rbx)\n"
	"	adc $0, %rdi\n"
	"	dec %ecx\n"
	"	jnz 1b\n"
	"	mov %rdi, DATA+8*250\n"
	"	mov %rsp, %rax\n"
	"	sub %r12, %rax\n"
	"	mov %rax, DATA+8*251\n"
	"	mov $0x1f1000, %r14d\n"
	"	mov $(0x1f1000 ^ 0xfee00030), %r15d\n"
	"	xor %esi, %esi\n"
	"	mov $20, %ecx\n"
	"2:	mov (%r14), %eax\n"
	"	add %rax, %rsi\n"
	"	xor %r15, %r14\n"
	"	dec %ecx\n"
	"	jnz 2b\n"
	"	mov %rsi, DATA+8*252\n"
	"	jmp finish\n"
	"9:	movq $0xdead, DATA+8*250\n"
	"	jmp finish\n"
	"t_lean_mmio:\n"                               /* MMIO sites jumped to directly, then RAM again */
	"	mov $0x1f1000, %ebx\n"
	"	mov $0xfeb00003, %eax\n"                 /* VDATA -> the null page */
	"	mov %rax, 0x7000+8*0x1f1\n"
	"	invlpg (%rbx)\n"
	"	mov $0xfeb00000, %r9d\n"
	"	mov $(DATA+8*232), %r8d\n"
	"	movq $5, (%r8)\n"
	"	xor %edi, %edi\n"
	"	mov $60, %ecx\n"
	"1:	mov (%r8), %rax\n"                       /* RAM: first of a scratch run, its probe hits */
	"	add (%rbx), %rax\n"                      /* later members: MMIO, later RAM */
	"	add 8(%rbx), %rax\n"                     /* its flags live below */
	"	mov %eax, 24(%r9)\n"
	"	adc %rax, %rdi\n"
	"	cmp $30, %ecx\n"
	"	jne 2f\n"
	"	movq $0x1f2003, 0x7000+8*0x1f1\n"       /* VDATA -> PA_A again */
	"	invlpg (%rbx)\n"
	"2:	dec %ecx\n"
	"	jnz 1b\n"
	"	mov %rdi, DATA+8*231\n"
	"	jmp finish\n"
	"t_lean_ipi:\n"                                /* self-IPIs by MMIO writes in a chained loop */
	"	mov $0xfee00000, %ebx\n"
	"	movl $0x1ff, 0xf0(%rbx)\n"
	"	mov $10, %esi\n"
	"	sti\n"
	"1:	movl $0x40040, 0x300(%rbx)\n"           /* ICR: self, fixed, vector 0x40 */
	"lean_ipi_after:\n"
	"	dec %esi\n"
	"	jnz 1b\n"
	"	cli\n"
	"	jmp finish\n"
	/* ---- memory groups (slots 200..209): one probe for several
	 * [B + disp] operands.  A loop whose span names RBX, RSI, RDI and RBP
	 * (G in R8-R15: a REX added to the members without one), then a span
	 * with an AH member (G among the low eight). ---- */
	"t_grp:\n"
	"	mov $0x81800, %eax\n"
	"	mov $0x11, %ebx\n"
	"	mov $0x22, %ebp\n"
	"	mov $0x33, %esi\n"
	"	mov $0x44, %edi\n"
	"	mov $8, %ecx\n"
	"	movq $7, (%rax)\n"
	"	movq $0x50, 0x7f8(%rax)\n"
	"grp_loop:\n"
	"	mov (%rax), %rdx\n"
	"	lea 1(%rdx,%rbx), %r9\n"
	"	mov %r9, 0x10(%rax)\n"
	"	add 0x10(%rax), %rdx\n"
	"	mov %edx, 0x18(%rax)\n"
	"	add %esi, %edi\n"
	"	movzbl 0x18(%rax), %ebp\n"
	"	cmp %rbp, 0x7f8(%rax)\n"
	"	sbb %r10, %r10\n"
	"	mov %r10, -8(%rax)\n"
	"	mov %rdx, (%rax)\n"
	"	dec %ecx\n"
	"	jnz grp_loop\n"
	"	mov %rdx, DATA+8*200\n"
	"	mov %rdi, DATA+8*201\n"
	"	mov %rbp, DATA+8*202\n"
	"	mov %r10, DATA+8*203\n"
	"	jmp grp_hi8\n"
	"grp_hi8:\n"
	"	mov $0x81900, %ecx\n"
	"	mov $0x1234, %eax\n"
	"	mov $1, %ebx\n"
	"	mov $2, %esi\n"
	"	mov $3, %edi\n"
	"	mov $4, %ebp\n"
	"	mov %ah, 1(%rcx)\n"
	"	add %ebx, %esi\n"
	"	add %edi, %ebp\n"
	"	mov %al, 2(%rcx)\n"
	"	movzwl 1(%rcx), %r8d\n"
	"	mov %r8, DATA+8*204\n"
	"	jmp grp_two\n"
	/* Two bases, RSP's first, RCX's second (RCX: the first probe's scratch). */
	"grp_two:\n"
	"	mov $0x81a00, %ecx\n"
	"	mov $0x2222, %eax\n"
	"	mov %rax, -0x100(%rsp)\n"
	"	movq $0x1111, (%rcx)\n"
	"	mov (%rcx), %rdx\n"
	"	add -0x100(%rsp), %rdx\n"
	"	mov %rdx, 8(%rcx)\n"
	"	mov 8(%rcx), %r8\n"
	"	mov %r8, DATA+8*210\n"
	"	jmp grp_lzma\n"
	/* Linux's LZMA copy loop: memory operands of their own (through
	 * R8, indexed) inside the span of RAX's group. */
	"grp_lzma:\n"
	"	mov $0x81c00, %eax\n"
	"	movq $0x81e00, (%rax)\n"
	"	movq $0, 0x10(%rax)\n"
	"	movq $0x20, 0x28(%rax)\n"
	"	movabs $0x0706050403020100, %rdx\n"
	"	mov %rdx, 0x81e00\n"
	"	xor %edx, %edx\n"
	"	mov $5, %ecx\n"
	"	mov $0x40, %edi\n"
	"	xor %r10d, %r10d\n"
	"grp_inner:\n"
	"	mov (%rax), %r8\n"
	"	lea 1(%rdx), %r9\n"
	"	lea 1(%rcx), %rsi\n"
	"	mov %r9, 0x10(%rax)\n"
	"	movzbl (%r8,%rcx), %ecx\n"
	"	mov %cl, (%r8,%rdx)\n"
	"	cmp 0x28(%rax), %rsi\n"
	"	cmove %r10, %rsi\n"
	"	mov 0x10(%rax), %rdx\n"
	"	mov %rsi, %rcx\n"
	"	sub $1, %edi\n"
	"	jne grp_inner\n"
	"	mov %rdx, DATA+8*211\n"
	"	mov %rcx, DATA+8*212\n"
	"	mov 0x81e00, %rax\n"
	"	mov %rax, DATA+8*213\n"
	"	jmp finish\n"
	/* A load of its own crossing a page inside a group's span (the
	 * helper, then the G back); a group whose range crosses into the
	 * next page: per instruction. */
	"t_grp_cross:\n"
	"	mov $0x81800, %ebx\n"
	"	mov $0x81ffc, %esi\n"
	"	xor %edi, %edi\n"
	"	mov %rsi, 0x20(%rbx)\n"
	"	mov (%rsi,%rdi,1), %rdx\n"
	"	mov %rdx, 0x28(%rbx)\n"
	"	mov 0x28(%rbx), %r8\n"
	"	mov %r8, DATA+8*214\n"
	"	mov $2, %ecx\n"
	"grp_cross:\n"
	"	mov -4(%rsi), %eax\n"
	"	mov (%rsi), %rdx\n"
	"	dec %ecx\n"
	"	jnz grp_cross\n"
	"	mov %rax, DATA+8*205\n"
	"	mov %rdx, DATA+8*206\n"
	"	jmp finish\n"
	/* A member faulting after another has stored (the range crosses into
	 * an unmapped page), flags live across it; then a group wholly in
	 * an unmapped page (its first member faults). */
	"t_grp_pf:\n"
	"	mov $0x1f4ff8, %edi\n"
	"	mov $0x99, %ebx\n"
	"	mov $100, %ecx\n"
	"	xor %eax, %eax\n"
	"	cmp $1, %eax\n"
	"	mov %rbx, (%rdi)\n"
	"	lea 5(%rcx), %rcx\n"
	"grp_pf_insn:\n"
	"	mov 8(%rdi), %rdx\n"
	"	mov $2, %ebx\n"
	"	mov %rdx, DATA+8*207\n"
	"	jmp finish\n"
	"t_grp_pf2:\n"
	"	mov $0x1f5100, %edi\n"
	"	mov $0x99, %ebx\n"
	"	mov $100, %ecx\n"
	"	xor %eax, %eax\n"
	"	cmp $1, %eax\n"
	"grp_pf2_insn:\n"
	"	mov %rbx, (%rdi)\n"
	"	lea 5(%rcx), %rcx\n"
	"	mov 8(%rdi), %rdx\n"
	"	mov $2, %ebx\n"
	"	mov %rdx, DATA+8*207\n"
	"	jmp finish\n"
	/* Two bases, the second's page unmapped: its first member faults. */
	"t_grp_pf3:\n"
	"	mov $0x1f5100, %edi\n"
	"	mov $0x99, %ebx\n"
	"	mov $100, %ecx\n"
	"	xor %eax, %eax\n"
	"	cmp $1, %eax\n"
	"	mov %rbx, -0x100(%rsp)\n"
	"	lea 5(%rcx), %rcx\n"
	"	lea t_grp_pf3(%rip), %rsi\n"             /* an LEA of its own in the span */
	"grp_pf3_insn:\n"
	"	mov %rbx, (%rdi)\n"
	"	mov -0x100(%rsp), %rdx\n"
	"	mov 8(%rdi), %rdx\n"
	"	mov %rdx, DATA+8*207\n"
	"	jmp finish\n"
	/* 16 groups in one block, each around a load of its own (slow
	 * paths: one per group, one per member and two per inner load). */
	"t_grp_many:\n"
	"	mov $0x81800, %eax\n"
	"	xor %edi, %edi\n"
	"	mov $8, %esi\n"
	"	xor %ebx, %ebx\n"
	".rept 16\n"
	"	mov (%rax), %rdx\n"
	"	mov (%rax,%rdi,1), %rcx\n"
	"	add 8(%rax), %rdx\n"
	"	add %rsi, %rax\n"
	".endr\n"
	"	mov %rdx, DATA+8*215\n"
	"	jmp finish\n"
	/* A group writing into an instruction ahead in its own block. */
	"t_grp_smc:\n"
	"	lea grp_smc_mov(%rip), %rbx\n"
	"	movl $5, 1(%rbx)\n"
	"	mov 1(%rbx), %edx\n"
	"grp_smc_mov:\n"
	"	mov $1, %eax\n"
	"	mov %rax, DATA+8*208\n"
	"	mov %rdx, DATA+8*209\n"
	"	jmp finish\n"
	".balign 4096\n"
	"bt_blob_end:\n"
	".popsection\n");

extern const uint8_t bt_blob[], bt_blob_end[], t_mem[], t_branch[], t_rep[], t_priv[], t_remap[],
	t_grp[], grp_loop[], grp_hi8[], t_grp_cross[], grp_cross[], t_grp_pf[], grp_pf_insn[],
	t_grp_pf2[], grp_pf2_insn[], t_grp_smc[], grp_two[], t_grp_pf3[], grp_pf3_insn[], grp_inner[], t_grp_many[],
	t_pf[], pf_insn[], t_smc1[], t_smc2[], smc_page[], t_irq1[], t_irq2[], spin1[], t_chain[],
	t_lock[], t_ls_bad[], pf_handler[], irq_handler[], bad_handler[], rip_data[], t_pf2[], pf2_insn[],
	t_irq3[], t_irq4[], t_large[], t_pf3[], pf3_insn[], t_pf4[], pf4_insn[], t_sti_loop2[], sti2_top[], sti2_after[], t_sti_fused_irq[], sti_fused_after[], t_sti_loop3[], sti3_top[], sti3_after[], t_hoist[], t_hoist_timer[], hoist_top[], t_hoist_rcx[], t_hoist_rcx_free[], t_hoist_rcx_sti[], irq_flag_handler[], t_pushf_carry[], t_pushf_dirty[], t_stk[], stk_pop[], stk_ret[], stk_back[], t_user[], user_code[], user_fault[], t_sys[],
	t_sti_irq[], sti_irq_after[], t_sti_loop[], sti_loop_top[], sti_loop_after[], t_popf_irq[],
	t_popf_loop[], popf_loop_top[], popf_irq_after[], t_cr8_irq[], t_cr8_loop[], cr8_loop_top[],
	cr8_after[], t_io[], t_ipi[], ipi_after[], t_io_timer[], t_mmio_remap[], t_cr3_code[], t_dr7[], t_io_cli[], io_cli_after[], t_ret_ic[], t_cr8_cli[], t_mmio_site[],
	t_lean_user_io[], t_lean_user_gp[], user_gp_out[], t_lean_in_leave[], t_lean_ipi[], lean_ipi_after[], t_lean_mmio[],
	t_tcall[], tc_ret1[], tc_ret2[], t_mmio_hoist[], t_mmio_place[], t_pio_place[], t_hc_place[], t_cr3_memo[],
	t_hoist_implicit[], t_rcx_keep[];

/* The guest address of a blob label. */
#define GA(sym) (BASE + (uint64_t)((sym) - bt_blob))

static void put64(uint8_t *ram, uint64_t a, uint64_t v) { memcpy(ram + a, &v, 8); }

static uint64_t get64(const uint8_t *ram, uint64_t a)
{
	uint64_t v;

	memcpy(&v, ram + a, 8);
	return v;
}

static uint8_t src_byte(unsigned i) { return (uint8_t)(i * 37 + 11); }

/* The bytes a qword load at guest physical a sees in the initial image
 * (only for the SRC page and the 8 bytes before it). */
static uint64_t src_qword(uint64_t a)
{
	uint64_t v = 0;

	for (int k = 7; k >= 0; k--)
		v = v << 8 | src_byte((unsigned)(a + (unsigned)k - (SRC - 8)));
	return v;
}

/* Tables, page tables, data and code: the same image for both engines. */
static void build_image(uint8_t *ram)
{
	put64(ram, GDT + 0x08, 0x00af9a000000ffffull);          /* 64-bit code */
	put64(ram, GDT + 0x10, 0x00cf92000000ffffull);          /* data */
	put64(ram, GDT + 0x18, 0x00cff2000000ffffull);          /* user data */
	put64(ram, GDT + 0x20, 0x00affa000000ffffull);          /* user 64-bit code */
	put64(ram, GDT + 0x28, 0x0000890000000067ull | ((uint64_t)TSS << 16));
	put64(ram, TSS + 4, STACK_TOP);
	for (int v = 0; v < 256; v++) {
		uint64_t h = v == 14 ? GA(pf_handler) : v == 0x40 ? GA(irq_handler) :
			     v == 0x41 ? GA(irq_flag_handler) : GA(bad_handler);
		put64(ram, IDT + 16u * (unsigned)v, (h & 0xffff) | (0x08ull << 16) | (0x8eull << 40) |
		      ((h >> 16) & 0xffff) << 48);
	}
	put64(ram, PML4, PDPT | 7);
	put64(ram, PDPT, PD | 7);
	put64(ram, PDPT + 3 * 8, 0xc0000000ull | 0x9b);         /* 1 GiB, uncached: the LAPIC */
	put64(ram, PDPT + 4 * 8, PD_HI | 3);                    /* 4 GiB: an alias of 2-4 MiB */
	put64(ram, PD_HI, 0x200000 | 0x83);
	put64(ram, PD, PT | 7);
	for (unsigned i = 1; i < 4; i++)
		put64(ram, PD + 8 * i, ((uint64_t)i << 21) | 0x83);
	for (unsigned i = 1; i < 512; i++)
		put64(ram, PT + 8 * i, ((uint64_t)i << 12) | 3);
	put64(ram, PT + 8 * (UNMAPPED >> 12), 0);
	put64(ram, PT + 8 * (UNMAPPED2 >> 12), 0);
	put64(ram, PT + 8 * (VDATA >> 12), PA_A | 3);
	put64(ram, PT + 8 * (VCODE >> 12), PC1 | 3);
	put64(ram, PT + 8 * 0x84, 0x84000 | 0x43);             /* dirty: t_pushf_dirty's stack */
	/* CPL 3: its code page, SCRATCH and a stack page; all else supervisor. */
	put64(ram, PT + 8 * (GA(user_code) >> 12), GA(user_code) | 7);
	put64(ram, PT + 8 * (SCRATCH >> 12), SCRATCH | 7);
	put64(ram, PT + 8 * (USER_STACK >> 12), USER_STACK | 7);

	for (unsigned i = 0; i < 0x1008; i++)
		ram[SRC - 8 + i] = src_byte(i);
	put64(ram, UNMAPPED2 - 8, 0x4444333322221111ull);
	put64(ram, UNMAPPED2, 0x8888777766665555ull);
	put64(ram, UNMAPPED2 + 8, GA(stk_back));               /* t_stk's RET */
	put64(ram, PA_A, VAL_A);
	put64(ram, PA_B, VAL_B);
	static const uint8_t ret1[] = { 0xb8, 1, 0, 0, 0, 0xc3 }, ret2[] = { 0xb8, 2, 0, 0, 0, 0xc3 };
	memcpy(ram + PC1, ret1, sizeof(ret1));
	memcpy(ram + PC2, ret2, sizeof(ret2));
	/* At 0x100 in both: point VCODE at PC2, reload CR3, return 1 (PC1) or 2 (PC2). */
	static const uint8_t remap[] = { 0xb8, 0x03, 0xa0, 0x1f, 0x00,                 /* mov eax, 0x1fa003 */
		0x48, 0x89, 0x04, 0x25, 0xc0, 0x7f, 0x00, 0x00,                        /* mov [0x7fc0], rax */
		0x0f, 0x20, 0xd8, 0x0f, 0x22, 0xd8 };                                  /* mov rax, cr3; mov cr3, rax */
	memcpy(ram + PC1 + 0x100, remap, sizeof(remap));
	memcpy(ram + PC1 + 0x100 + sizeof(remap), ret1, sizeof(ret1));
	memcpy(ram + PC2 + 0x100, remap, sizeof(remap));
	memcpy(ram + PC2 + 0x100 + sizeof(remap), ret2, sizeof(ret2));
	/* At 0x200 in both: five CR3 reloads, then the remap; 1 or 2. */
	static const uint8_t reload5[] = { 0x0f, 0x20, 0xd8, 0x0f, 0x22, 0xd8, 0x0f, 0x22, 0xd8, 0x0f, 0x22, 0xd8,
					   0x0f, 0x22, 0xd8, 0x0f, 0x22, 0xd8 };
	for (unsigned k = 0; k < 2; k++) {
		uint8_t *at = ram + (k ? PC2 : PC1) + 0x200;
		memcpy(at, reload5, sizeof(reload5));
		memcpy(at + sizeof(reload5), remap, sizeof(remap));
		memcpy(at + sizeof(reload5) + sizeof(remap), k ? ret2 : ret1, sizeof(ret1));
	}
	put64(ram, LARGE1 + 0x1000, VAL_A);
	put64(ram, LARGE2 + 0x1000, VAL_B);
	memcpy(ram + LARGE1 + 0x2000, ret1, sizeof(ret1));
	memcpy(ram + LARGE2 + 0x2000, ret2, sizeof(ret2));
	memcpy(ram + BASE, bt_blob, (size_t)(bt_blob_end - bt_blob));

	/* NCHAIN blocks of 16 bytes, "add rax, i+1; jmp next", the last
	 * "add rax, n; ret". */
	for (unsigned i = 0; i < NCHAIN; i++) {
		uint8_t *p = ram + CHAIN + 16 * i;
		uint32_t imm = i + 1, rel = 16 - 11;
		p[0] = 0x48;
		p[1] = 0x05;
		memcpy(p + 2, &imm, 4);
		if (i + 1 < NCHAIN) {
			p[6] = 0xe9;
			memcpy(p + 7, &rel, 4);
		} else {
			p[6] = 0xc3;
		}
	}
}

static void entry_state(struct cpu_state *s, uint64_t rip)
{
	struct segment data = { .selector = 0x10, .type = 3, .s = 1, .present = 1, .db = 1,
				.limit = 0xffffffff, .g = 1 };

	memset(s, 0, sizeof(*s));
	s->rip = rip;
	s->rflags = 2;
	s->gpr[R_RSP] = STACK_TOP - 8;
	s->seg[S_CS] = (struct segment){ .selector = 0x08, .type = 0xb, .s = 1, .present = 1, .l = 1,
					 .limit = 0xffffffff, .g = 1 };
	s->seg[S_SS] = s->seg[S_DS] = s->seg[S_ES] = s->seg[S_FS] = s->seg[S_GS] = data;
	s->seg[S_GS].base = 0x1000;
	s->tr = (struct segment){ .base = TSS, .limit = 0x67, .selector = 0x28, .type = 0xb, .present = 1 };
	s->ldtr.unusable = 1;
	s->gdt = (struct dtable){ GDT, 0x37 };
	s->idt = (struct dtable){ IDT, 0xfff };
	s->cr0 = CR0_PE | CR0_PG | CR0_WP | 0x10;
	s->cr3 = PML4;
	s->cr4 = CR4_PAE;
	s->efer = EFER_LME | EFER_LMA | EFER_NXE | EFER_SCE;
	s->apic_base = 0xfee00900;
	s->pat = 0x0007040600070406ull;
}

static struct vm *new_vm(const struct engine_ops *ops, uint64_t rip)
{
	char err[256];
	struct cpu_state s;
	struct vm *vm = vm_create(RAM_SIZE, NULL, err, sizeof(err));

	if (!vm) {
		fprintf(stderr, "vm_create: %s\n", err);
		return NULL;
	}
	build_image(vm->ram);
	vm->ops = ops;
	vm->engine = ops->create(vm, err, sizeof(err));
	if (!vm->engine) {
		fprintf(stderr, "%s: %s\n", ops->name, err);
		vm_destroy(vm);
		return NULL;
	}
	entry_state(&s, rip);
	ops->set_state(vm->engine, &s);
	return vm;
}

static void free_vm(struct vm *vm)
{
	if (!vm)
		return;
	vm->ops->destroy(vm->engine);
	vm->engine = NULL;
	vm_destroy(vm);
}

static uint64_t counter(struct vm *vm, const char *name)
{
	return engine_counter_value(vm->ops, vm->engine, name);
}

/* vm_run's timeout is seen only when the engine gets back to its
 * dispatcher; translated code stuck in a loop never does.  A hard
 * deadline (SIGUSR2: vm_run owns SIGALRM) reports the hang and exits. */
static timer_t watchdog;
static bool have_watchdog;
static char watchdog_msg[200];

static void on_watchdog(int sig)
{
	(void)sig;
	if (write(STDOUT_FILENO, watchdog_msg, strlen(watchdog_msg)) < 0)
		_exit(2);
	_exit(1);
}

static void watchdog_init(void)
{
	struct sigaction sa;
	struct sigevent sev;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_watchdog;
	sigemptyset(&sa.sa_mask);
	memset(&sev, 0, sizeof(sev));
	sev.sigev_notify = SIGEV_SIGNAL;
	sev.sigev_signo = SIGUSR2;
	have_watchdog = sigaction(SIGUSR2, &sa, NULL) == 0 &&
			timer_create(CLOCK_MONOTONIC, &sev, &watchdog) == 0;
}

static void watchdog_arm(double seconds)
{
	struct itimerspec its;

	memset(&its, 0, sizeof(its));
	its.it_value.tv_sec = (time_t)seconds;
	if (have_watchdog)
		timer_settime(watchdog, 0, &its, NULL);
}

/* vm_run with timeout_s, and a hard deadline a few seconds later. */
static int run_bounded(struct vm *vm, double timeout_s, const char *what)
{
	snprintf(watchdog_msg, sizeof(watchdog_msg),
		 "not ok - %s under %s still running after %g s: its timeout went unseen (watchdog)\n", what,
		 vm->ops->name, timeout_s + 5);
	watchdog_arm(timeout_s + 5);
	int status = vm_run(vm, timeout_s);
	watchdog_arm(0);
	return status;
}

static int bt_set(struct vm *vm, const char *name, const char *value)
{
	char err[200];
	int r = bt_engine_ops.option(vm->engine, name, value, err, sizeof(err));

	if (r < 0)
		fprintf(stderr, "option %s=%s: %s\n", name, value ? value : "", err);
	return r;
}

/* One program under both engines, from the same image and state. */
struct pair {
	const char *name;
	struct vm *in, *bt;
	struct engine *e;               /* bt's engine */
	int s_in, s_bt;
	struct cpu_state st_in, st_bt;
};

/* Both engines from rip; bt with options opt=val and opt2=val2 where given. */
static bool run_pair2(struct pair *p, const char *name, uint64_t rip, double timeout,
		      const char *opt, const char *val, const char *opt2, const char *val2)
{
	memset(p, 0, sizeof(*p));
	p->name = name;
	p->in = new_vm(&interp_engine_ops, rip);
	p->bt = new_vm(&bt_engine_ops, rip);
	if (!p->in || !p->bt) {
		CHECK(0, "%s: both VMs are created", name);
		return false;
	}
	p->e = p->bt->engine;
	if ((opt && bt_set(p->bt, opt, val) < 0) || (opt2 && bt_set(p->bt, opt2, val2) < 0)) {
		CHECK(0, "%s: bt options %s=%s %s=%s are accepted", name, opt, val ? val : "",
		      opt2 ? opt2 : "", val2 ? val2 : "");
		return false;
	}
	p->s_in = run_bounded(p->in, timeout, name);
	interp_engine_ops.get_state(p->in->engine, &p->st_in);
	p->s_bt = run_bounded(p->bt, timeout, name);
	bt_engine_ops.get_state(p->bt->engine, &p->st_bt);
	return true;
}

static bool run_pair(struct pair *p, const char *name, uint64_t rip, double timeout,
		     const char *opt, const char *val)
{
	return run_pair2(p, name, rip, timeout, opt, val, NULL, NULL);
}

static void free_pair(struct pair *p)
{
	free_vm(p->in);
	free_vm(p->bt);
	p->in = p->bt = NULL;
}

static const char *const gpr_names[16] = { "rax", "rcx", "rdx", "rbx", "rsp", "rbp", "rsi", "rdi",
	"r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15" };

/* Both ended at "finish" and agree on registers, flags, the control
 * state the programs touch, every byte of RAM and the instruction count. */
static void check_agree(struct pair *p, bool same_count)
{
	const struct cpu_state *a = &p->st_bt, *b = &p->st_in;
	char what[200] = "";

	for (int r = 0; r < 16 && !*what; r++)
		if (a->gpr[r] != b->gpr[r])
			snprintf(what, sizeof(what), "%s: bt %#llx, interp %#llx", gpr_names[r],
				 (unsigned long long)a->gpr[r], (unsigned long long)b->gpr[r]);
	if (!*what && (a->rip != b->rip || a->rflags != b->rflags))
		snprintf(what, sizeof(what), "rip/rflags: bt %#llx/%#llx, interp %#llx/%#llx",
			 (unsigned long long)a->rip, (unsigned long long)a->rflags,
			 (unsigned long long)b->rip, (unsigned long long)b->rflags);
	if (!*what && (a->cr2 != b->cr2 || a->cr3 != b->cr3 || a->seg[S_FS].base != b->seg[S_FS].base ||
		       a->seg[S_GS].base != b->seg[S_GS].base || a->kernel_gs_base != b->kernel_gs_base))
		snprintf(what, sizeof(what), "cr2, cr3 or a segment base");
	for (uint64_t i = 0; i < RAM_SIZE && !*what; i++)
		if (p->bt->ram[i] != p->in->ram[i])
			snprintf(what, sizeof(what), "RAM at %#llx: bt %#x, interp %#x", (unsigned long long)i,
				 p->bt->ram[i], p->in->ram[i]);
	uint64_t ni = counter(p->in, "insns"), nb = p->e->cpu.cnt.insns;
	if (!*what && same_count && ni != nb)
		snprintf(what, sizeof(what), "instruction count: bt %llu, interp %llu",
			 (unsigned long long)nb, (unsigned long long)ni);
	CHECK(p->s_bt == DONE && p->s_in == DONE && !*what,
	      "%s: both engines finish (bt %d, interp %d%s%s) and agree%s%s", p->name, p->s_bt, p->s_in,
	      p->s_bt != DONE ? ": " : "", p->s_bt != DONE ? p->bt->finish_reason : "",
	      *what ? "; differ in " : "", what);
}

/* A result slot against its expected value under both engines. */
static void check_slot(struct pair *p, unsigned n, uint64_t want, const char *what)
{
	uint64_t b = get64(p->bt->ram, DATA + 8 * n), i = get64(p->in->ram, DATA + 8 * n);

	CHECK(b == want && i == want, "%s: %s (bt %#llx, interp %#llx, want %#llx)", p->name, what,
	      (unsigned long long)b, (unsigned long long)i, (unsigned long long)want);
}

/* A timer firing into a CLI ... STI loop whose iterations slot n counts:
 * one interrupt under both engines, taken at top, at after or after +
 * jz_off (the JZ after a TEST), STI called out in fewer than one
 * iteration in ten, CLI never. */
/* A program that leaves one timer interrupt waiting, then makes it
 * deliverable: taken once (slot 90), at after (slot 91: the return
 * address its handler saw), on the first pass (slot first_slot). */
static void check_irq_pending(struct pair *p, uint64_t after, const char *where, unsigned first_slot,
			      const char *first)
{
	check_agree(p, false);
	check_slot(p, 90, 1, "one interrupt");
	check_slot(p, 91, after, where);
	check_slot(p, first_slot, 1, first);
}

static void check_sti_timer_loop(struct pair *p, unsigned slot, uint64_t top, uint64_t after, unsigned jz_off)
{
	uint64_t rb = get64(p->bt->ram, DATA + 8 * 91), ri = get64(p->in->ram, DATA + 8 * 91);
	uint64_t n = get64(p->bt->ram, DATA + 8 * slot);
	bool ok_b = rb == top || rb == after || rb == after + jz_off;
	bool ok_i = ri == top || ri == after || ri == after + jz_off;

	CHECK(p->s_bt == DONE && p->s_in == DONE && ok_b && ok_i && p->e->cpu.cnt.interrupts == 1,
	      "%s: one interrupt, never while IF is clear or in the shadow (bt at %#llx, interp at %#llx)",
	      p->name, (unsigned long long)rb, (unsigned long long)ri);
	CHECK(n > 100 && p->e->helper_by_id[X86_INS_STI] * 10 < n && p->e->helper_by_id[X86_INS_CLI] == 0,
	      "%s: CLI and STI inline (%llu STI calls in %llu iterations)", p->name,
	      (unsigned long long)p->e->helper_by_id[X86_INS_STI], (unsigned long long)n);
}

/* A timer firing into a loop that masks and unmasks it (POPF, CR8): one
 * interrupt under both engines, taken at the loop top or right after the
 * unmasking instruction (slot 91), and that instruction translated inline
 * (helper calls of id fewer than a tenth of the iterations in slot
 * count_slot). */
static void check_timer_loop(struct pair *p, const char *what, const char *when, unsigned count_slot,
			     uint64_t top, uint64_t after, unsigned id, const char *insn)
{
	uint64_t rb = get64(p->bt->ram, DATA + 8 * 91), ri = get64(p->in->ram, DATA + 8 * 91);
	uint64_t n = get64(p->bt->ram, DATA + 8 * count_slot);
	bool ok_b = rb == top || rb == after || rb == after + 2;
	bool ok_i = ri == top || ri == after || ri == after + 2;

	CHECK(p->s_bt == DONE && p->s_in == DONE && ok_b && ok_i && p->e->cpu.cnt.interrupts == 1,
	      "%s: one interrupt, %s (bt at %#llx, interp at %#llx)", what, when,
	      (unsigned long long)rb, (unsigned long long)ri);
	CHECK(n > 100 && p->e->helper_by_id[id] * 10 < n, "%s: %s inline (%llu calls in %llu iterations)",
	      what, insn, (unsigned long long)p->e->helper_by_id[id], (unsigned long long)n);
}

static void check_mem(struct pair *p, uint64_t pa, unsigned size, uint64_t want, const char *what)
{
	uint64_t b = 0, i = 0;

	memcpy(&b, p->bt->ram + pa, size);
	memcpy(&i, p->in->ram + pa, size);
	CHECK(b == want && i == want, "%s: %s (bt %#llx, interp %#llx, want %#llx)", p->name, what,
	      (unsigned long long)b, (unsigned long long)i, (unsigned long long)want);
}

/* ---- a ---- */
static void test_memory_forms(void)
{
	struct pair p;

	if (!run_pair(&p, "memory forms", GA(t_mem), 5, NULL, NULL))
		goto out;
	check_agree(&p, true);
	check_slot(&p, 1, src_qword(SRC), "load [base]");
	check_slot(&p, 2, src_qword(SRC + 0x20), "load [base+index*8+disp8]");
	check_slot(&p, 3, src_qword(SRC + 0x30c), "load [base+index*4+disp32]");
	check_slot(&p, 4, src_qword(SRC + 0x40), "load [disp32] without base");
	check_slot(&p, 5, 0x0102030405060708ull, "RIP-relative load");
	check_mem(&p, GA(rip_data) + 8, 8, ~0x0102030405060708ull, "RIP-relative store");
	check_slot(&p, 6, src_qword(SRC + 0x50), "32-bit address size ignores the high half of the base");
	check_slot(&p, 7, src_qword(SRC + 0x60), "32-bit address size wraps at 4 GiB");
	check_slot(&p, 8, src_qword(SRC + 0x80), "FS override with a negative base WRMSR set");
	check_mem(&p, DST + 0x18, 8, 0xfffffff0, "GS override store with the base set_state set");
	check_slot(&p, 9, 0xfffffff0, "GS override load");
	check_mem(&p, DST + 0x100, 8, 0x89abcdef1234005aull, "byte, word and dword stores");
	check_slot(&p, 10, 0xffffffffffffff5aull, "byte load keeps the rest of RAX");
	check_slot(&p, 11, 0x1234, "word load zero-extended (movzwl)");
	check_slot(&p, 12, 0x89abcdef, "dword load clears the high half");
	check_slot(&p, 13, 0x1200 - 2, "load into AH, then a qword add from memory");
	check_mem(&p, DST + 0x110, 8, 120, "RMW add [mem], reg; inc [mem]; sub word [mem], imm");
	check_mem(&p, DST + 0x118, 8, 0xffffffff00000001ull, "inc byte [mem]; not dword [mem]");
	check_slot(&p, 14, 10, "LOCK XADD returns the old value");
	check_slot(&p, 15, 0x0001, "LOCK CMPXCHG: ZF set on a match, clear on a mismatch");
	check_slot(&p, 16, 77, "LOCK CMPXCHG mismatch loads the memory value into RAX");
	check_mem(&p, DST + 0x120, 8, 80, "LOCK XADD, CMPXCHG and ADD leave the right memory");
	check_slot(&p, 17, src_qword(SRC - 4), "a qword load across a page boundary");
	check_mem(&p, DST + 0xffd, 8, 0x1122334455667788ull, "a qword store across a page boundary");
	check_slot(&p, 28, (VAL_A & 0xffffffff) << 32, "a load across pages not physically adjacent");
	check_mem(&p, PA_A + 0xffc, 4, 0x55667788, "a store across pages not physically adjacent: first part");
	check_mem(&p, PA_A, 8, (VAL_A & ~0xffffffffull) | 0x11223344, "the same store: second part");
	check_mem(&p, PA_B, 8, VAL_B, "the same store: nothing beyond the first page's frame");
	check_slot(&p, 24, src_qword(SRC + 8), "MOVABS load from a 64-bit absolute address (moffs)");
	check_mem(&p, GA(rip_data) + 16, 8, 0x42, "RIP-relative INC and ADD with an immediate");
	check_slot(&p, 25, 1, "RIP-relative CMP with an immediate");
	check_slot(&p, 26, F_CF | F_PF | F_AF | F_SF | 2, "flags survive loads and stores, TLB misses and hits");
	check_slot(&p, 27, 5, "jmp [mem] and call [mem]");
	check_slot(&p, 18, 0x11, "load [rsp+8]");
	check_slot(&p, 19, 0x22, "load [rsp]");
	check_slot(&p, 20, (STACK_TOP - 8 - 16) & ~15ull, "add rsp, 16; lea rsp, [rsp-16]; and rsp, -16; mov rax, rsp");
	check_slot(&p, 21, 15, "call, push rbp, mov rbp, rsp, [rbp+16], leave");
	check_slot(&p, 22, 0, "ret 16 pops the arguments");
	check_slot(&p, 23, 0x77, "push reg; pop reg");
	CHECK(p.st_bt.gpr[R_RSP] == STACK_TOP - 8 && p.st_bt.gpr[R_R12] == STACK_TOP - 8,
	      "memory forms: RSP is back where it started (%#llx)", (unsigned long long)p.st_bt.gpr[R_RSP]);
	CHECK(p.e->c.slow > 0 && p.e->c.helpers > 0,
	      "memory forms: TLB misses took the slow path (%llu) and WRMSR a helper (%llu)",
	      (unsigned long long)p.e->c.slow, (unsigned long long)p.e->c.helpers);
out:
	free_pair(&p);
}

/* ---- b ---- */
static void test_branches(void)
{
	struct pair p;

	if (!run_pair(&p, "branches", GA(t_branch), 5, NULL, NULL))
		goto out;
	check_agree(&p, true);
	check_slot(&p, 30, 1, "jcc taken");
	check_slot(&p, 31, 2, "jcc not taken");
	check_slot(&p, 32, 300000, "a loop of 100000 iterations");
	CHECK(p.e->c.chain_patches > 0 && p.e->c.entries < 10000,
	      "branches: the loop runs chained (%llu links, %llu dispatcher entries for 100000 iterations)",
	      (unsigned long long)p.e->c.chain_patches, (unsigned long long)p.e->c.entries);
	check_slot(&p, 33, 1, "jmp reg");
	check_slot(&p, 34, 5, "call reg and its return");
	check_slot(&p, 35, 2000, "2000 calls and returns");
	CHECK(p.e->c.jc_misses < 50, "branches: returns hit the jump cache (%llu misses for 2002 returns and jumps)",
	      (unsigned long long)p.e->c.jc_misses);
	check_slot(&p, 36, 1, "a jump to another page and back");
	check_slot(&p, 37, 0x1122334455667788ull + 3, "an instruction straddling a page boundary");
out:
	free_pair(&p);
}

/* Traced calls, once plain and once under lockstep (which steps the
 * interpreter through the callee beside the block). */
static void test_traced_calls(void)
{
	static const char *const opt[2] = { NULL, "lockstep" };

	for (int k = 0; k < 2; k++) {
		struct pair p;
		const char *name = k ? "traced calls, lockstep" : "traced calls";
		if (!run_pair(&p, name, GA(t_tcall), 8, opt[k], NULL)) {
			free_pair(&p);
			continue;
		}
		check_agree(&p, true);
		check_slot(&p, 240, 1000, "1000 traced calls and returns");
		check_slot(&p, 241, 0, "RSP back where it was after them");
		check_slot(&p, 242, GA(tc_ret1), "the return address left below RSP");
		check_slot(&p, 243, 1, "CF of the callee's ADD read after the RET");
		check_slot(&p, 244, 6, "a callee rewritten under its translation (1 + 3 + 2)");
		check_slot(&p, 245, 8, "a traced call whose push misses (the stack on a code page)");
		check_slot(&p, 246, GA(tc_ret2), "... its return address stored by the handler");
		CHECK(p.e->c.calls_traced >= 3, "%s: calls traced into their callers' blocks (%llu)", name,
		      (unsigned long long)p.e->c.calls_traced);
		if (!k)
			CHECK(p.e->c.entries < 200, "%s: %llu dispatcher entries for 1000 iterations", name,
			      (unsigned long long)p.e->c.entries);
		else
			CHECK(p.e->c.lockstep_blocks > 0 && p.s_bt == DONE,
			      "%s: %llu blocks compared (%llu unchecked), no difference reported", name,
			      (unsigned long long)p.e->c.lockstep_blocks, (unsigned long long)p.e->c.lockstep_unchecked);
		free_pair(&p);
	}
}

/* ---- c ---- */
static void test_rep(void)
{
	struct pair p;

	if (!run_pair(&p, "rep strings", GA(t_rep), 5, NULL, NULL))
		goto out;
	check_agree(&p, true);
	/* Final layout: the first 8 copied bytes, then all 100 moved 8 up. */
	bool copy = true, fill = true, cross = true;
	for (unsigned i = 0; i < 8; i++)
		copy &= p.bt->ram[DST + 0x200 + i] == src_byte(i + 8);
	for (unsigned i = 0; i < 100; i++)
		copy &= p.bt->ram[DST + 0x208 + i] == src_byte(i + 8);
	for (unsigned i = 0; i < 20; i++)
		fill &= get64(p.bt->ram, DST + 0x400 + 8 * i) == 0x0102030405060708ull;
	for (unsigned i = 0; i < 0x80; i++)
		cross &= p.bt->ram[0x85fc0 + i] == (i < 0x40 ? src_byte(0xfc0 + i + 8) : 0);  /* then DST: zero */
	CHECK(copy && get64(p.bt->ram, DST + 0x208 + 100) == 0,
	      "rep strings: REP MOVSB copies 100 bytes, then 8 bytes up backwards with DF set");
	check_slot(&p, 40, SRC + 100, "REP MOVSB advances RSI");
	check_slot(&p, 41, DST + 0x200 + 100, "REP MOVSB advances RDI");
	check_slot(&p, 42, 0, "REP MOVSB counts RCX down to 0");
	CHECK(fill && get64(p.bt->ram, DST + 0x400 + 160) == 0, "rep strings: REP STOSQ stores 20 qwords");
	check_slot(&p, 43, DST + 0x400 + 160, "REP STOSQ advances RDI");
	CHECK(cross, "rep strings: REP MOVSB across page boundaries on both sides");
	check_slot(&p, 44, 0x85fc0 + 0x80, "REP MOVSB across pages advances RDI");
	check_slot(&p, 45, F_DF, "STD sets DF as PUSHF sees it");
	check_slot(&p, 46, DST + 0x200 + 7, "REP MOVSB with DF set counts RDI down");
	CHECK(!(p.st_bt.rflags & F_DF), "rep strings: CLD clears DF (rflags %#llx)",
	      (unsigned long long)p.st_bt.rflags);
	CHECK(p.e->helper_by_id[X86_INS_MOVSB] >= 2 && p.e->helper_by_id[X86_INS_STOSQ] >= 1 &&
	      p.e->c.fallbacks >= 3,
	      "rep strings: REP MOVSB/STOSQ run by the shared handlers (%llu, %llu; %llu fallbacks)",
	      (unsigned long long)p.e->helper_by_id[X86_INS_MOVSB],
	      (unsigned long long)p.e->helper_by_id[X86_INS_STOSQ], (unsigned long long)p.e->c.fallbacks);
out:
	free_pair(&p);
}

/* ---- d ---- */
static void test_privileged(void)
{
	struct pair p;

	if (!run_pair(&p, "privileged", GA(t_priv), 5, NULL, NULL))
		goto out;
	check_agree(&p, true);
	const uint64_t *h = p.e->helper_by_id;
	uint64_t vendor = get64(p.bt->ram, DATA + 8 * 50);
	CHECK(vendor != 0 && vendor == get64(p.in->ram, DATA + 8 * 50) && h[X86_INS_CPUID] == 1,
	      "privileged: CPUID is a helper call (vendor %.4s, %llu calls)", (const char *)&vendor,
	      (unsigned long long)h[X86_INS_CPUID]);
	check_slot(&p, 51, 0xffff800012345000ull, "WRMSR then RDMSR of KERNEL_GS_BASE");
	CHECK(h[X86_INS_WRMSR] == 0 && h[X86_INS_RDMSR] == 0, "privileged: WRMSR and RDMSR of KERNEL_GS_BASE inline");
	check_slot(&p, 52, VAL_A, "a load through the original mapping");
	check_slot(&p, 53, VAL_B, "MOV CR3 flushes the TLB: the new PTE is seen");
	check_slot(&p, 54, VAL_A, "INVLPG flushes the page: the restored PTE is seen");
	CHECK(h[X86_INS_MOV] == 0 && h[X86_INS_INVLPG] == 0 && p.e->c.tlb_ops == 2,
	      "privileged: MOV to CR3 and INVLPG without a helper call (%llu, %llu; %llu TLB operations), "
	      "MOV from CR3 inline", (unsigned long long)h[X86_INS_MOV], (unsigned long long)h[X86_INS_INVLPG],
	      (unsigned long long)p.e->c.tlb_ops);
	check_slot(&p, 55, 0x46, "CLI, PUSHF: IF clear");
	check_slot(&p, 56, 0x246, "STI, PUSHF: IF set");
	check_slot(&p, 57, 0x8d7, "POPF sets the arithmetic flags and clears IF");
	check_slot(&p, 58, 0x0101, "SETO/SETC read the flags POPF loaded");
	CHECK(h[X86_INS_CLI] == 0 && h[X86_INS_STI] <= 1 && h[X86_INS_PUSHFQ] == 0 && h[X86_INS_POPFQ] == 0,
	      "privileged: CLI, PUSHFQ, POPFQ inline, STI inline or a call (%llu %llu %llu %llu)",
	      (unsigned long long)h[X86_INS_CLI], (unsigned long long)h[X86_INS_STI],
	      (unsigned long long)h[X86_INS_PUSHFQ], (unsigned long long)h[X86_INS_POPFQ]);
	CHECK(p.bt->rb_counters[RB_CNT_NULL_PORT] == 1 && p.in->rb_counters[RB_CNT_NULL_PORT] == 1 &&
	      h[X86_INS_OUT] == 1 && p.e->c.pio_in_place == 1,
	      "privileged: OUT to the null port in place (%llu), to the debug-exit port a helper call (%llu)",
	      (unsigned long long)p.e->c.pio_in_place, (unsigned long long)h[X86_INS_OUT]);
	CHECK(p.e->c.helpers >= 2, "privileged: %llu helper calls in all (CPUID, OUT)", (unsigned long long)p.e->c.helpers);
out:
	free_pair(&p);
}

static void test_code_remap(void)
{
	struct pair p;

	if (!run_pair(&p, "code remap", GA(t_remap), 5, NULL, NULL))
		goto out;
	check_agree(&p, true);
	check_slot(&p, 60, 1, "call reg into the first mapping");
	check_slot(&p, 61, 1, "direct call into the first mapping");
	check_slot(&p, 62, 2, "after INVLPG the call reg runs the new page's code");
	check_slot(&p, 63, 2, "after INVLPG the direct call runs the new page's code");
	check_slot(&p, 64, 1, "after a CR3 reload the direct call runs the restored page's code");
	check_slot(&p, 65, 1, "after a CR3 reload the call reg runs the restored page's code");
	free_pair(&p);

	/* INVLPG of any address in a large page drops the whole page (SDM
	 * INVLPG); the accesses after it use other 4 KiB parts of it. */
	if (!run_pair(&p, "large page remap", GA(t_large), 5, NULL, NULL))
		goto out;
	check_agree(&p, true);
	check_slot(&p, 110, VAL_A, "a load through the original 2 MiB mapping");
	check_slot(&p, 111, 1, "a call into the original 2 MiB mapping");
	check_slot(&p, 112, VAL_B, "INVLPG of the page's first byte: a load elsewhere in it sees the new mapping");
	check_slot(&p, 113, 2, "INVLPG of the page's first byte: call reg elsewhere in it runs the new code");
	check_slot(&p, 114, 2, "INVLPG of the page's first byte: a direct call elsewhere in it runs the new code");
out:
	free_pair(&p);
}

/* ---- e ---- */
static void test_page_fault(void)
{
	struct pair p;

	if (!run_pair(&p, "page fault", GA(t_pf), 5, NULL, NULL))
		goto out;
	check_agree(&p, true);
	check_slot(&p, 79, 1, "one #PF taken");
	check_slot(&p, 74, UNMAPPED, "CR2 is the faulting address");
	check_slot(&p, 75, GA(pf_insn), "the frame's RIP is the faulting store, not the block start");
	check_slot(&p, 76, 2, "error code: supervisor write, not present");
	/* The flags of "add rcx, 5" just before: PF only. */
	/* RF: set in every fault's frame (SDM 17.3.1.1; the host does). */
	check_slot(&p, 69, F_RF | 0x6, "the frame's RFLAGS are the flags before the faulting store");
	check_slot(&p, 72, 1, "RBX written before the fault: seen");
	check_slot(&p, 73, 105, "RCX added to before the fault: seen, not the later add");
	check_slot(&p, 78, 0x5555, "a store before the fault has happened");
	check_slot(&p, 77, 0, "a store after the fault has not");
	check_slot(&p, 71, 0x6666, "the block resumes after the handler");
	CHECK(p.st_bt.gpr[R_RBX] == 2 && p.st_bt.gpr[R_RCX] == 112 && get64(p.bt->ram, UNMAPPED) == 1,
	      "page fault: the store is retried once mapped and the rest runs once (rbx %llu, rcx %llu)",
	      (unsigned long long)p.st_bt.gpr[R_RBX], (unsigned long long)p.st_bt.gpr[R_RCX]);
	CHECK(p.e->cpu.cnt.exceptions == 1 && p.e->c.slow >= 1,
	      "page fault: taken from the TLB slow path inside the block (%llu exceptions, %llu slow)",
	      (unsigned long long)p.e->cpu.cnt.exceptions, (unsigned long long)p.e->c.slow);
	free_pair(&p);

	if (!run_pair(&p, "crossing fault", GA(t_pf2), 5, NULL, NULL))
		goto out;
	check_agree(&p, true);
	check_slot(&p, 74, UNMAPPED2, "CR2 is the first byte of the unmapped page, not the load's address");
	check_slot(&p, 75, GA(pf2_insn), "the frame's RIP is the faulting load");
	check_slot(&p, 76, 0, "error code: supervisor read, not present");
	check_slot(&p, 69, F_RF | F_CF | F_PF | F_AF | F_SF | 2, "the frame's RFLAGS are the live flags");
	check_slot(&p, 67, 0x6666555544443333ull, "the load is retried once mapped and reads both pages");
	check_slot(&p, 68, 0x0101, "the live flags survive the fault and the retry");
	free_pair(&p);

	if (!run_pair(&p, "REP fault", GA(t_pf3), 5, NULL, NULL))
		goto out;
	check_agree(&p, true);
	check_slot(&p, 74, UNMAPPED2, "REP STOSB: CR2 is the first byte of the unmapped page");
	check_slot(&p, 75, GA(pf3_insn), "REP STOSB: the frame's RIP is the REP STOSB");
	check_slot(&p, 73, 0x10, "REP STOSB: RCX at the fault counts the 16 bytes stored");
	check_slot(&p, 66, UNMAPPED2, "REP STOSB: RDI at the fault is the faulting byte");
	check_slot(&p, 65, UNMAPPED2 + 0x10, "REP STOSB completes after the retry");
	check_mem(&p, UNMAPPED2 - 8, 8, 0x5a5a5a5a5a5a5a5aull, "REP STOSB: the bytes before the fault are stored");
	free_pair(&p);

	/* With the probe that saves the flags and with the flag-free one
	 * (BMI2 hosts), whose consecutive memory operands share scratches. */
	for (int ff = 0; ff <= 1; ff++) {
		if (ff && !__builtin_cpu_supports("bmi2")) {
			SKIP("fault in a memory run, flag-free probe: the host lacks BMI2");
			break;
		}
		const char *name = ff ? "fault in a memory run (flag-free probe)" : "fault in a memory run";
		if (!run_pair(&p, name, GA(t_pf4), 5, "flagfree-probe", ff ? "1" : "0"))
			goto out;
		check_agree(&p, true);
		check_slot(&p, 75, GA(pf4_insn), "the frame's RIP is the faulting load");
		check_slot(&p, 69, F_RF | F_CF | F_PF | F_AF | F_SF | 2, "the frame's RFLAGS are the live flags");
		check_slot(&p, 190, 0x77, "the store before the fault");
		check_slot(&p, 191, 0x6666555544443333ull, "the store after the retried load");
		check_slot(&p, 193, 0x77, "a load and store after the run's reload");
		check_slot(&p, 192, 0x0101, "the live flags after the run");
		free_pair(&p);
	}
	for (int ff = 0; ff <= 1; ff++) {
		if (ff && !__builtin_cpu_supports("bmi2")) {
			SKIP("stack forms at page edges, flag-free probe: the host lacks BMI2");
			break;
		}
		const char *name = ff ? "stack forms at page edges (flag-free probe)" : "stack forms at page edges";
		if (!run_pair(&p, name, GA(t_stk), 5, "flagfree-probe", ff ? "1" : "0"))
			goto out;
		check_agree(&p, true);
		check_slot(&p, 200, 0x0101, "the live flags after a PUSH and a POP run crossing a page");
		check_slot(&p, 201, 0x44, "POP run: the last value pushed");
		check_slot(&p, 202, 0x33, "POP run: RCX as pushed");
		check_slot(&p, 203, 0x22, "POP run: the third value");
		check_slot(&p, 204, 0x11, "POP run: the first value pushed, across the page");
		check_slot(&p, 205, 0x0101, "the live flags after CALL and RET at a page boundary");
		check_slot(&p, 206, 0x1f4000, "RSP back after CALL and RET at a page boundary");
		check_slot(&p, 207, 0x0101, "the live flags after CALL and RET across a page");
		check_slot(&p, 208, 0x1f4004, "RSP back after CALL and RET across a page");
		check_slot(&p, 75, GA(stk_ret), "the last #PF's RIP is the RET");
		check_slot(&p, 74, UNMAPPED2 + 8, "the last #PF's CR2 is the RET's stack slot");
		check_slot(&p, 76, 0, "the last #PF's error code: supervisor read, not present");
		check_slot(&p, 69, F_RF | F_CF | F_PF | F_AF | F_SF | 2, "the #PF frame holds the live flags");
		check_slot(&p, 79, 2, "two #PF taken: at the POP, at the RET");
		check_slot(&p, 216, GA(stk_pop), "the first #PF's RIP is the POP into the unmapped page");
		check_slot(&p, 72, 0x66, "at the POP's #PF the two POPs before it are done");
		check_slot(&p, 209, 0x0101, "the live flags after the POP run's #PF");
		check_slot(&p, 210, 0x66, "POP run with #PF: the value popped before it");
		check_slot(&p, 211, UNMAPPED2 + 16, "POP run with #PF: RSP after the retried POPs");
		check_slot(&p, 212, 0x8888777766665555ull, "POP run with #PF: the retried POP read the mapped page");
		check_slot(&p, 213, GA(stk_back), "POP run with #PF: the POP after it");
		check_slot(&p, 214, UNMAPPED2 + 16, "RET with #PF: RSP after the retried RET");
		check_slot(&p, 215, 0x0101, "the live flags after the RET's #PF");
		free_pair(&p);
	}
out:
	free_pair(&p);
}

static void test_user(void)
{
	struct pair p;

	if (!run_pair(&p, "CPL 3", GA(t_user), 5, NULL, NULL))
		goto out;
	check_agree(&p, true);
	check_mem(&p, SCRATCH + 8, 8, 0x1235, "user store, load and store on a user page");
	check_mem(&p, SCRATCH + 16, 8, 42, "user call reg and direct call on the user stack");
	check_mem(&p, SCRATCH + 24, 8, 0x8d7, "POPFQ at CPL 3 with IOPL 0: IF and IOPL kept");
	check_mem(&p, SCRATCH + 32, 8, (uint32_t)p.e->cpu.cr0, "SMSW at CPL 3");
	check_mem(&p, SCRATCH + 42, 8, p.e->cpu.gdt.base, "SGDT at CPL 3");
	const uint64_t *h = p.e->helper_by_id;
	CHECK(h[X86_INS_POPFQ] == 0 && h[X86_INS_PUSHFQ] == 0 && h[X86_INS_SMSW] == 0 && h[X86_INS_SGDT] == 0 &&
	      h[X86_INS_SIDT] == 0 && h[X86_INS_STR] == 0 && h[X86_INS_RDTSC] == 0,
	      "CPL 3: POPFQ, PUSHFQ, SMSW, SGDT, SIDT, STR, RDTSC inline");
	check_slot(&p, 79, 1, "a user load from a supervisor page faults once");
	check_slot(&p, 74, DATA + 8 * 120, "CR2 is the supervisor address");
	check_slot(&p, 76, 5, "error code: user read of a present page");
	check_slot(&p, 75, GA(user_fault), "the frame's RIP is the user load");
	check_slot(&p, 121, 0x23, "the frame's CS is the user code selector");
	CHECK(p.e->cpu.cnt.exceptions == 1 && bt_lookup(p.e, GA(user_code), GA(user_code), true),
	      "CPL 3: the user code ran as a user translation (%llu exception)",
	      (unsigned long long)p.e->cpu.cnt.exceptions);
out:
	free_pair(&p);
}

/* ---- f ---- */
static void test_smc(void)
{
	struct pair p;

	if (run_pair(&p, "smc in a block", GA(t_smc1), 5, NULL, NULL)) {
		check_agree(&p, true);
		check_slot(&p, 80, 5, "a store into the immediate of an instruction ahead in the same block");
		check_slot(&p, 81, 6, "a loop rewriting its own first instruction each pass (1+3+2)");
		CHECK(p.e->c.invalidations >= 4, "smc in a block: %llu invalidations",
		      (unsigned long long)p.e->c.invalidations);
	}
	free_pair(&p);
	if (run_pair(&p, "smc function", GA(t_smc2), 5, NULL, NULL)) {
		/* interp restarts a REP MOVSB whose store killed a block and
		 * counts it twice: no instruction-count match. */
		check_agree(&p, false);
		check_slot(&p, 82, 0x11, "a function written to another page, by call reg");
		check_slot(&p, 83, 0x11, "the same, by a direct call");
		check_slot(&p, 84, 0x22, "changed between calls: call reg runs the new code");
		check_slot(&p, 85, 0x22, "changed between calls: the chained direct call runs the new code");
		check_slot(&p, 86, 0x34, "replaced by a longer function");
		check_slot(&p, 87, 0x44, "replaced by REP MOVSB");
		CHECK(p.e->c.invalidations >= 2, "smc function: %llu invalidations",
		      (unsigned long long)p.e->c.invalidations);
	}
	free_pair(&p);
}

/* ---- memory groups ---- */
/* The block at guest address a (identity-mapped): its group members. */
static uint64_t group_members(struct pair *p, uint64_t a)
{
	const struct bt_block *b = bt_lookup(p->e, a, a, false);

	return b ? b->group_members : 0;
}

/* t_grp's loop in C: RDX at the end, and R10 (-CF of the CMP). */
static uint64_t grp_loop_rdx(unsigned n, uint64_t rbx, uint64_t *r10)
{
	uint64_t m0 = 7, rdx = 0;

	for (unsigned k = 0; k < n; k++) {
		rdx = m0 + (m0 + 1 + rbx);
		*r10 = 0x50 < (uint8_t)rdx ? ~0ull : 0;
		m0 = rdx;
	}
	return rdx;
}

static void test_mem_groups(void)
{
	struct pair p;
	uint64_t r10 = 0, rdx = grp_loop_rdx(8, 0x11, &r10);

	if (!__builtin_cpu_supports("bmi2")) {
		SKIP("memory groups: the host lacks BMI2 (groups need the flag-free probe)");
		return;
	}
	if (run_pair(&p, "memory groups", GA(t_grp), 5, NULL, NULL)) {
		check_agree(&p, true);
		check_slot(&p, 200, rdx, "a group in a loop: the sum");
		check_slot(&p, 201, 0x44 + 8 * 0x33, "a group in a loop: the copied instructions between members");
		check_slot(&p, 202, (uint8_t)rdx, "a group in a loop: a member's load of another's store");
		check_slot(&p, 203, r10, "a group in a loop: the flag a member's compare set");
		check_slot(&p, 204, 0x3412, "a group with an AH member");
		check_slot(&p, 210, 0x3333, "a group of two bases");
		CHECK(group_members(&p, GA(grp_two)) == 0xfc, "memory groups: two bases, members 0xfc (%#llx)",
		      (unsigned long long)group_members(&p, GA(grp_two)));
		CHECK(group_members(&p, GA(grp_inner)) == 0x149,
		      "memory groups: the LZMA loop, members 0x149 around two probes of their own (%#llx)",
		      (unsigned long long)group_members(&p, GA(grp_inner)));
		uint64_t m = group_members(&p, GA(grp_loop)), h = group_members(&p, GA(grp_hi8));
		CHECK(m == 0x6dd && h == 0x640 && p.e->c.slow == 3,
		      "memory groups: members 0x6dd of the loop and 0x640 of the AH block, a slow path only for "
		      "the first write of each of the 3 clean pages written, 0x81000, DATA's and the stack's "
		      "(a refill sets no D bit: the handler does) (%#llx, %#llx, %llu slow)",
		      (unsigned long long)m, (unsigned long long)h, (unsigned long long)p.e->c.slow);
		char *text = NULL;
		size_t len = 0;
		FILE *f = open_memstream(&text, &len);
		const struct bt_block *b = bt_lookup(p.e, GA(grp_loop), GA(grp_loop), false);
		if (f && b)
			bt_show_block(p.e, b, f);
		if (f)
			fclose(f);
		CHECK(text && strstr(text, "[memory operand, group 1]") && !strstr(text, "group 2"),
		      "--show-translation labels the members of group 1");
		free(text);
	}
	free_pair(&p);
	static const char *const off[][2] = { { "mem-groups", "0" }, { "flagfree-probe", "0" } };
	for (unsigned k = 0; k < 2; k++) {
		if (run_pair(&p, "memory groups off", GA(t_grp), 5, off[k][0], off[k][1])) {
			check_agree(&p, true);
			check_slot(&p, 200, rdx, "without groups: the sum");
			CHECK(group_members(&p, GA(grp_loop)) == 0, "option %s %s: no group", off[k][0], off[k][1]);
		}
		free_pair(&p);
	}

	if (run_pair(&p, "group crossing a page", GA(t_grp_cross), 5, NULL, NULL)) {
		check_agree(&p, true);
		check_slot(&p, 205, (uint32_t)src_qword(SRC - 8), "the member before the page end");
		check_slot(&p, 206, src_qword(SRC - 4), "the member crossing the page end");
		check_slot(&p, 214, src_qword(SRC - 4), "a crossing load of its own inside a span, then members");
		check_mem(&p, 0x81820, 8, 0x81ffc, "the member before it");
		CHECK(group_members(&p, GA(grp_cross)) == 3 && group_members(&p, GA(t_grp_cross)) == 0x668 &&
		      p.e->c.slow >= 3, "group crossing a page: groups, run per instruction (%#llx, %#llx, %llu slow)",
		      (unsigned long long)group_members(&p, GA(grp_cross)), (unsigned long long)group_members(&p, GA(t_grp_cross)),
		      (unsigned long long)p.e->c.slow);
	}
	free_pair(&p);

	static const char *const names[] = { "fault in a group's second member",
					     "fault in a group's first member",
					     "fault at a group's second base" };
	const uint8_t *starts[] = { t_grp_pf, t_grp_pf2, t_grp_pf3 };
	const uint8_t *insns[] = { grp_pf_insn, grp_pf2_insn, grp_pf3_insn };
	static const uint64_t masks[] = { 0xa0, 0xa0, 0x720 };
	for (unsigned k = 0; k < 3; k++) {
		if (run_pair(&p, names[k], GA(starts[k]), 5, NULL, NULL)) {
			check_agree(&p, true);
			check_slot(&p, 79, 1, "one #PF taken");
			check_slot(&p, 75, GA(insns[k]), "the frame's RIP is the faulting member");
			check_slot(&p, 74, k ? 0x1f5100 : UNMAPPED2, "CR2");
			check_slot(&p, 76, k ? 2 : 0, "error code: supervisor, not present, read or write");
			check_slot(&p, 69, F_RF | F_CF | F_PF | F_AF | F_SF | 2, "the frame's RFLAGS are the live flags");
			check_slot(&p, 73, k == 1 ? 100 : 105, "RCX at the fault: what ran before the member only");
			check_slot(&p, 72, 0x99, "RBX at the fault");
			if (k == 2)
				CHECK(p.st_bt.gpr[R_RSI] == GA(t_grp_pf3), "%s: the LEA before the fault ran", names[k]);
			if (!k)
				check_slot(&p, 207, 0x8888777766665555ull, "the member's load after the retry");
			check_mem(&p, k ? 0x1f5100 : 0x1f4ff8, 8, 0x99, "the faulting base's first store");
			CHECK(group_members(&p, GA(starts[k])) == masks[k], "%s: a group", names[k]);
		}
		free_pair(&p);
	}

	if (run_pair(&p, "many groups in a block", GA(t_grp_many), 5, NULL, NULL)) {
		check_agree(&p, true);
		const struct bt_block *b = bt_lookup(p.e, GA(t_grp_many), GA(t_grp_many), false);
		CHECK(b && b->n == 64 && p.e->c.mem_groups >= 16 && p.e->c.steps == 0,
		      "many groups in a block: translated (%u instructions, %llu groups, %llu interpreter steps)",
		      b ? b->n : 0, (unsigned long long)p.e->c.mem_groups, (unsigned long long)p.e->c.steps);
	}
	free_pair(&p);

	if (run_pair(&p, "group writing its own block", GA(t_grp_smc), 5, NULL, NULL)) {
		check_agree(&p, true);
		check_slot(&p, 208, 5, "the instruction after the group runs as written");
		check_slot(&p, 209, 5, "the member reading the written bytes");
		CHECK(p.e->c.invalidations >= 1 && p.e->c.mem_groups >= 1,
		      "group writing its own block: %llu invalidations, %llu groups translated",
		      (unsigned long long)p.e->c.invalidations, (unsigned long long)p.e->c.mem_groups);
	}
	free_pair(&p);
}

/* ---- g ---- */
static double now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

static void test_interrupts(void)
{
	struct pair p;
	double t0 = now();

	/* The timeout bounds a failure: the loops never end on their own. */
	if (run_pair(&p, "timer in jmp .", GA(t_irq1), 3, NULL, NULL)) {
		check_agree(&p, false);         /* the spin count depends on timing */
		check_slot(&p, 90, 1, "the LAPIC timer interrupts a one-instruction jmp . loop once");
		check_slot(&p, 91, GA(spin1), "the interrupt frame's RIP is the jmp .");
		CHECK(p.e->cpu.cnt.interrupts == 1 && p.e->c.polls > 0,
		      "timer in jmp .: bt delivered %llu interrupt after %llu polls",
		      (unsigned long long)p.e->cpu.cnt.interrupts, (unsigned long long)p.e->c.polls);
	}
	free_pair(&p);
	if (run_pair(&p, "timer in dec/jnz", GA(t_irq2), 3, NULL, NULL)) {
		/* The iteration count depends on timing: no instruction-count match. */
		CHECK(p.s_bt == DONE && p.s_in == DONE && p.st_bt.gpr[R_RCX] == 0 && p.st_in.gpr[R_RCX] == 0,
		      "timer in dec/jnz: the loop ends once the handler sets RCX (bt %d: %s; interp %d)",
		      p.s_bt, p.bt->finish_reason, p.s_in);
		check_slot(&p, 90, 1, "one interrupt in the dec/jnz loop");
	}
	free_pair(&p);
	if (run_pair(&p, "periodic timer", GA(t_irq3), 3, NULL, NULL)) {
		uint64_t nb = get64(p.bt->ram, DATA + 8 * 90), ni = get64(p.in->ram, DATA + 8 * 90);
		CHECK(p.s_bt == DONE && p.s_in == DONE && nb >= 5 && nb <= 6 && ni >= 5 && ni <= 6 &&
		      p.e->cpu.cnt.interrupts == nb,
		      "periodic timer: a loop polling memory sees 5 interrupts (bt %llu, interp %llu; %s)",
		      (unsigned long long)nb, (unsigned long long)ni, p.bt->finish_reason);
	}
	free_pair(&p);
	if (run_pair(&p, "timer at fresh exits", GA(t_irq4), 5, NULL, NULL)) {
		uint64_t n1 = get64(p.bt->ram, DATA + 8 * 92), n2 = get64(p.bt->ram, DATA + 8 * 93);
		CHECK(p.s_bt == DONE && p.s_in == DONE && n1 > 0 && n2 == n1,
		      "timer at fresh exits: %llu interrupts in the first pass over 3000 new blocks, none in the "
		      "second with IF clear (%llu; a chain exit linked to the handler would run it) (%s)",
		      (unsigned long long)n1, (unsigned long long)(n2 - n1), p.bt->finish_reason);
	}
	free_pair(&p);
	CHECK(now() - t0 < 8, "interrupts: %.2f s", now() - t0);
}

/* The sensitive instructions bt translates inline in kernel blocks: the
 * interpreter's results, no helper call once translated; interrupts
 * pending at an inline STI taken after the one shadowed instruction. */
static void test_inline_sys(void)
{
	struct pair p;

	if (run_pair(&p, "inline sys", GA(t_sys), 5, NULL, NULL)) {
		const uint64_t *h = p.e->helper_by_id;
		check_agree(&p, true);
		uint64_t cr0 = p.e->cpu.cr0;
		check_slot(&p, 130, 0xffffffffffff0000ull | (cr0 & 0xffff), "SMSW AX keeps RAX's upper bits");
		check_slot(&p, 131, (uint32_t)cr0, "SMSW ECX zero-extends CR0");
		check_slot(&p, 132, cr0, "SMSW R9 is CR0");
		check_slot(&p, 133, cr0, "MOV R10, CR0");
		check_slot(&p, 134, p.e->cpu.cr3, "MOV R11, CR3");
		check_slot(&p, 135, p.e->cpu.cr4, "MOV R12, CR4");
		check_slot(&p, 137, p.e->cpu.tr.selector, "STR EDX zero-extends TR");
		check_slot(&p, 138, 0xffffffffffff0000ull | p.e->cpu.ldtr.selector, "SLDT R8W keeps the upper bits");
		check_mem(&p, DATA + 8 * 140, 2, p.e->cpu.gdt.limit, "SGDT: the limit");
		check_mem(&p, DATA + 8 * 140 + 2, 8, p.e->cpu.gdt.base, "SGDT: the base");
		check_mem(&p, DATA + 8 * 142, 2, p.e->cpu.idt.limit, "SIDT: the limit");
		check_mem(&p, DATA + 8 * 142 + 2, 8, p.e->cpu.idt.base, "SIDT: the base");
		uint64_t fb = get64(p.bt->ram, DATA + 8 * 144), fc = get64(p.bt->ram, DATA + 8 * 145);
		CHECK((fb & F_IF) && !(fc & F_IF) && (fb & ~F_IF) == (fc & ~F_IF),
		      "inline sys: PUSHFQ after CLI and after STI (%#llx, %#llx)", (unsigned long long)fc,
		      (unsigned long long)fb);
		uint32_t r[4];
		x86_cpuid(&p.e->cpu, 0x80000001u, 0, r);
		check_slot(&p, 150, r[3], "CPUID 0x80000001: EDX");
		uint32_t r4[4], rh[4];
		x86_cpuid(&p.e->cpu, 4, 1, r4);
		x86_cpuid(&p.e->cpu, 0, 0, rh);
		check_slot(&p, 151, (uint64_t)r4[0] + rh[1], "CPUID 4.1 EAX + CPUID 0 EBX");
		check_slot(&p, 152, 2 * 0xffff800000005000ull + 2 * 0x3333444411112222ull,
			   "WRMSR KERNEL_GS_BASE and STAR, RDMSR of each twice");
		CHECK(h[X86_INS_WRMSR] == 0 && h[X86_INS_RDMSR] >= 1 && h[X86_INS_RDMSR] <= 2,
		      "inline sys: WRMSR inline, RDMSR inline but for the other MSR (%llu calls)",
		      (unsigned long long)h[X86_INS_RDMSR]);
		CHECK(h[X86_INS_INVLPG] == 0 && p.e->c.tlb_ops == 200 && p.e->c.entries < 100,
		      "inline sys: 200 INVLPGs of a data page go on in translated code, no helper call "
		      "(%llu TLB operations, %llu calls, %llu entries in all)", (unsigned long long)p.e->c.tlb_ops,
		      (unsigned long long)h[X86_INS_INVLPG], (unsigned long long)p.e->c.entries);
		CHECK(h[X86_INS_CPUID] <= 6, "inline sys: CPUID from the table (%llu calls in 300)",
		      (unsigned long long)h[X86_INS_CPUID]);
		check_slot(&p, 146, 0, "RDTSC then RDTSCP: the TSC did not go back");
		check_slot(&p, 147, 0x5a5a, "RDTSCP: ECX is the guest's TSC_AUX");
		CHECK(h[X86_INS_SMSW] == 0 && h[X86_INS_MOV] == 0 && h[X86_INS_STR] == 0 &&
		      h[X86_INS_SLDT] == 0 && h[X86_INS_SGDT] == 0 && h[X86_INS_SIDT] == 0 &&
		      h[X86_INS_CLI] == 0 && h[X86_INS_PUSHFQ] == 0 && h[X86_INS_RDTSC] == 0 &&
		      h[X86_INS_RDTSCP] == 0 && h[X86_INS_STI] < 10,
		      "inline sys: SMSW, MOV from CRn, STR, SLDT, SGDT, SIDT, CLI, PUSHFQ, RDTSC(P) "
		      "inline, STI called a few times at most (%llu) in 200 iterations",
		      (unsigned long long)h[X86_INS_STI]);
	}
	free_pair(&p);
	/* The inline cache's compare and the jump-cache lookup after it, in
	 * the form that saves the flags and in the flag-free one (BMI2). */
	for (int ff = 0; ff <= 1; ff++) {
		if (ff && !__builtin_cpu_supports("bmi2")) {
			SKIP("RET inline cache, flag-free probe: the host lacks BMI2");
			break;
		}
		const char *name = ff ? "RET inline cache (flag-free probe)" : "RET inline cache";
		if (run_pair(&p, name, GA(t_ret_ic), 5, "flagfree-probe", ff ? "1" : "0")) {
			check_agree(&p, true);
			check_slot(&p, 183, 300 * 3 + 150 * 3 + 300 * 5, "RETs to two call sites and RET 8, summed");
			CHECK(p.e->c.jc_misses <= 4 && p.e->c.entries < 20,
			      "%s: 1050 RETs stay in translated code (%llu jump-cache misses, %llu entries)",
			      name, (unsigned long long)p.e->c.jc_misses, (unsigned long long)p.e->c.entries);
		}
		free_pair(&p);
	}
	if (run_pair(&p, "CR8 writes with IF clear", GA(t_cr8_cli), 5, NULL, NULL)) {
		check_agree(&p, true);
		check_slot(&p, 184, 1, "the last TPR written, read back");
		CHECK(!(p.e->cpu.rflags & F_IF) && p.e->helper_by_id[X86_INS_MOV] <= 10,
		      "CR8 writes with IF clear: inline once an interrupt check found the IRR empty (%llu of 301 called out)",
		      (unsigned long long)p.e->helper_by_id[X86_INS_MOV]);
	}
	free_pair(&p);
	if (run_pair(&p, "MOV DR7", GA(t_dr7), 5, NULL, NULL)) {
		check_agree(&p, true);
		check_slot(&p, 180, 0x400, "MOV DR7 inline, read back");
		check_slot(&p, 181, 0x402, "MOV DR7 enabling a breakpoint, read back");
		CHECK(p.e->helper_by_id[X86_INS_MOV] == 1,
		      "MOV DR7: 400 writes without a breakpoint inline, the one enabling G0 the handler's "
		      "(%llu calls)", (unsigned long long)p.e->helper_by_id[X86_INS_MOV]);
	}
	free_pair(&p);
	if (run_pair(&p, "STI with an interrupt pending", GA(t_sti_irq), 5, NULL, NULL))
		check_irq_pending(&p, GA(sti_irq_after), "taken after the one instruction STI shadows",
				  148, "at the first STI of the loop");
	free_pair(&p);
	for (int h = 1; h >= 0; h--) {
		const char *name = h ? "a loop block with its scratches hoisted" : "the same loop, option hoist=0";
		if (run_pair(&p, name, GA(t_hoist), 5, "hoist", h ? "1" : "0")) {
			check_agree(&p, true);
			check_slot(&p, 79, 1, "one page fault in the loop");
			CHECK((counter(p.bt, "bt.loops_hoisted") > 0) == h,
			      "%s: bt.loops_hoisted %llu", name, (unsigned long long)counter(p.bt, "bt.loops_hoisted"));
		}
		free_pair(&p);
	}
	if (run_pair(&p, "a hoisted loop with the timer firing", GA(t_hoist_timer), 5, NULL, NULL)) {
		static const int kept[] = { R_RBX, R_RBP, R_R9, R_R10, R_R11, R_R12, R_R13, R_R15 };
		static const uint64_t want[] = { 0x1111, 0x2222, 0x9999, 0x3333, 0x4444, 0x5555, 0x6666, 0x7777 };
		bool same = true;
		for (unsigned k = 0; k < 8; k++)
			same &= p.st_bt.gpr[kept[k]] == want[k] && p.st_in.gpr[kept[k]] == want[k];
		/* (The sum depends on when the interrupt frame was pushed.) */
		CHECK(p.s_bt == DONE && p.s_in == DONE && same && p.e->cpu.cnt.interrupts == 1 &&
		      counter(p.bt, "bt.loops_hoisted") > 0,
		      "a hoisted loop with the timer firing: one interrupt, the registers it never names as they "
		      "were (rbx bt %#llx, interp %#llx)", (unsigned long long)p.st_bt.gpr[R_RBX],
		      (unsigned long long)p.st_in.gpr[R_RBX]);
	}
	free_pair(&p);
	uint64_t slow[2] = { 0, 0 };
	for (int dirty = 0; dirty < 2; dirty++) {
		if (run_pair(&p, dirty ? "PUSHF; POPF back to back, the stack page dirty" : "PUSHF; POPF back to back",
			     dirty ? GA(t_pushf_dirty) : GA(t_pushf_carry), 5, NULL, NULL)) {
			check_agree(&p, true);
			check_slot(&p, 267, 0x57, "CF ZF AF PF back");
			check_slot(&p, 268, 0x896, "OF SF AF PF back");
			check_slot(&p, 284, 0x86, "SF PF from the ADD after a POPF whose flags it overwrote");
			check_slot(&p, 285, 1, "CF from POPF through INC to ADC");
			check_slot(&p, 269, 0x1234, "RAX kept");
			check_slot(&p, 270, dirty ? 0x85000 : 0x86000, "RSP back");
			slow[dirty] = counter(p.bt, "bt.tlb_slow");
		}
		free_pair(&p);
	}
	CHECK(slow[0] == slow[1] + 1, "PUSHF; POPF back to back: on the clean page the first PUSHF took bt's slow "
	      "path, on the dirty one not (TLB slow paths %llu, %llu)", (unsigned long long)slow[0],
	      (unsigned long long)slow[1]);
	for (int v = 0; v < 3; v++) {
		static const char *const names[] = { "a loop block naming RCX, the timer firing",
						     "a loop block not naming RCX, the timer firing",
						     "a CLI; STI loop block not naming RCX, the timer firing" };
		const char *name = names[v];
		bool named = v == 0;
		if (!run_pair(&p, name, v == 0 ? GA(t_hoist_rcx) : v == 1 ? GA(t_hoist_rcx_free) : GA(t_hoist_rcx_sti),
			      5, NULL, NULL)) {
			free_pair(&p);
			continue;
		}
		bool ok = p.s_bt == DONE && p.s_in == DONE;
		uint64_t n[2];
		for (int k = 0; k < 2; k++) {
			const uint8_t *ram = k ? p.in->ram : p.bt->ram;
			uint64_t rax = get64(ram, DATA + 8 * 257), v = get64(ram, DATA + 8 * 258);
			n[k] = named ? 0xffffffffull - v : v;       /* iterations run */
			ok &= rax == 3 * n[k] && n[k] > 0;
			if (!named)
				ok &= get64(ram, DATA + 8 * 261) == 0x8888;
		}
		/* The instructions outside the loop, the handler's among them,
		 * are the same under both engines: the count, kept in a
		 * register in bt's loop and stored on the poll exit, agrees. */
		uint64_t len = v == 2 ? 6 : 5, rest_bt = counter(p.bt, "insns") - n[0] * len,
			 rest_in = counter(p.in, "insns") - n[1] * len;
		CHECK(ok && p.e->cpu.cnt.interrupts == 1 && counter(p.bt, "bt.loops_hoisted") > 0 && rest_bt == rest_in,
		      "%s: RAX three times the iterations (bt %llu, interp %llu), %s, %llu interrupt(s), "
		      "the loop hoisted (%llu), the instructions besides the loop's alike (bt %llu, interp %llu)",
		      name, (unsigned long long)n[0], (unsigned long long)n[1],
		      named ? "RCX counted them" : "RCX kept", (unsigned long long)p.e->cpu.cnt.interrupts,
		      (unsigned long long)counter(p.bt, "bt.loops_hoisted"), (unsigned long long)rest_bt,
		      (unsigned long long)rest_in);
		free_pair(&p);
	}

	if (run_pair(&p, "fused CLI; STI with an interrupt pending", GA(t_sti_fused_irq), 5, NULL, NULL))
		check_irq_pending(&p, GA(sti_fused_after), "taken after the ADD the fused STI shadows",
				  218, "at the first STI of the loop");
	free_pair(&p);
	if (run_pair(&p, "POPF with an interrupt pending", GA(t_popf_irq), 5, NULL, NULL))
		check_irq_pending(&p, GA(popf_irq_after), "taken right after the POPF that set IF",
				  139, "at the first POPF of the loop setting IF");
	free_pair(&p);
	if (run_pair(&p, "timer in a POPF loop", GA(t_popf_loop), 5, NULL, NULL))
		check_timer_loop(&p, "timer in a POPF loop", "only while IF is set", 139, GA(popf_loop_top),
				 GA(popf_irq_after), X86_INS_POPFQ, "POPFQ");
	free_pair(&p);
	if (run_pair(&p, "CR8 write unmasking an interrupt", GA(t_cr8_irq), 5, NULL, NULL)) {
		check_agree(&p, false);
		check_slot(&p, 153, 15, "MOV from CR8 reads the TPR written");
		check_slot(&p, 90, 1, "one interrupt");
		check_slot(&p, 91, GA(cr8_after), "taken right after the CR8 write that unmasked it");
		check_slot(&p, 154, 1, "at the first CR8 write of the loop lowering the TPR");
	}
	free_pair(&p);
	if (run_pair(&p, "timer in a CR8 loop", GA(t_cr8_loop), 5, NULL, NULL))
		check_timer_loop(&p, "timer in a CR8 loop", "only while the TPR is 0", 154, GA(cr8_loop_top),
				 GA(cr8_after), X86_INS_MOV, "MOV CR8");
	free_pair(&p);
	/* At the loop top, at TEST or at JZ (a poll exit steps the TEST,
	 * which defines every flag, first): never at INC or STI (IF clear)
	 * nor at the JMP STI shadows. */
	if (run_pair(&p, "timer in a CLI/STI loop", GA(t_sti_loop), 5, NULL, NULL))
		check_sti_timer_loop(&p, 149, GA(sti_loop_top), GA(sti_loop_after), 2);
	free_pair(&p);
	/* Fused, IF is set from TEST to the next CLI: never at STI nor at the
	 * ADD it shadows.  The loop is one block: bt polls at its top or takes
	 * the interrupt after the ADD when the STI found it pending. */
	if (run_pair(&p, "timer in a fused CLI; STI loop", GA(t_sti_loop3), 5, NULL, NULL))
		check_sti_timer_loop(&p, 219, GA(sti3_top), GA(sti3_after), 2);
	free_pair(&p);
	if (run_pair(&p, "timer in a loop of CLI; STI", GA(t_sti_loop2), 5, NULL, NULL)) {
		uint64_t rb = get64(p.bt->ram, DATA + 8 * 91), ri = get64(p.in->ram, DATA + 8 * 91);
		uint64_t n = get64(p.bt->ram, DATA + 8 * 217);
		/* At the loop top or in the block after the JMP (INC, TEST,
		 * JZ): never at STI (IF clear) nor at the JMP it shadows. */
		uint64_t top = GA(sti2_top), after = GA(sti2_after);
		bool ok_b = rb == top || rb == after || rb == after + 3 || rb == after + 5;
		bool ok_i = ri == top || ri == after || ri == after + 3 || ri == after + 5;
		CHECK(p.s_bt == DONE && p.s_in == DONE && ok_b && ok_i && p.e->cpu.cnt.interrupts == 1,
		      "timer in a loop of CLI; STI: one interrupt, never while IF is clear or in the shadow "
		      "(bt at %#llx, interp at %#llx)", (unsigned long long)rb, (unsigned long long)ri);
		CHECK(n > 100 && p.e->helper_by_id[X86_INS_STI] * 10 < n && p.e->helper_by_id[X86_INS_CLI] == 0,
		      "timer in a loop of CLI; STI: both inline (%llu STI calls in %llu iterations)",
		      (unsigned long long)p.e->helper_by_id[X86_INS_STI], (unsigned long long)n);
	}
	free_pair(&p);
}

/* ---- j ---- */
/* Port I/O, hypercalls and MMIO that a device answers at once go to the
 * VM core's dispatcher from inside translated code: counted there exactly
 * as under interp, with no trip to the outer loop; interrupts they make
 * deliverable are taken right after the instruction. */
static void test_in_place(void)
{
	struct pair p;

	if (run_pair(&p, "in-place exits", GA(t_io), 5, NULL, NULL)) {
		check_agree(&p, true);
		check_slot(&p, 170, 5050, "IN reads the null port's counter after each OUT");
		check_slot(&p, 171, 0, "the null hypercall and the null page give 0");
		const struct vm_exit_stat *xb = p.bt->exits, *xi = p.in->exits;
		CHECK(xb[VM_EXIT_IO].count == 301 && xi[VM_EXIT_IO].count == 301 &&
		      xb[VM_EXIT_HYPERCALL].count == 100 && xi[VM_EXIT_HYPERCALL].count == 100 &&
		      xb[VM_EXIT_MMIO].count == 200 && xi[VM_EXIT_MMIO].count == 200,
		      "in-place exits: each counted once by the VM core, as under interp (io %llu/%llu, "
		      "hypercall %llu/%llu, mmio %llu/%llu)",
		      (unsigned long long)xb[VM_EXIT_IO].count, (unsigned long long)xi[VM_EXIT_IO].count,
		      (unsigned long long)xb[VM_EXIT_HYPERCALL].count, (unsigned long long)xi[VM_EXIT_HYPERCALL].count,
		      (unsigned long long)xb[VM_EXIT_MMIO].count, (unsigned long long)xi[VM_EXIT_MMIO].count);
		CHECK(p.bt->rb_counters[RB_CNT_NULL_PORT] == 100 && p.bt->rb_counters[RB_CNT_VMCALL] == 100 &&
		      p.bt->rb_counters[RB_CNT_NULL_PAGE] == 200,
		      "in-place exits: the devices saw every access once");
		CHECK(p.e->c.entries < 30,
		      "in-place exits: translated code is not left for them (%llu entries for 500 exits)",
		      (unsigned long long)p.e->c.entries);
	}
	free_pair(&p);
	if (run_pair(&p, "self-IPI by an MMIO write", GA(t_ipi), 5, NULL, NULL)) {
		check_agree(&p, true);
		check_slot(&p, 90, 1, "one interrupt");
		check_slot(&p, 91, GA(ipi_after), "taken right after the ICR write");
	}
	free_pair(&p);
	if (run_pair(&p, "timer in an OUT loop", GA(t_io_timer), 5, NULL, NULL)) {
		uint64_t n = get64(p.bt->ram, DATA + 8 * 172);
		CHECK(p.s_bt == DONE && p.s_in == DONE && p.e->cpu.cnt.interrupts == 1 &&
		      get64(p.bt->ram, DATA + 8 * 90) == 1 && get64(p.in->ram, DATA + 8 * 90) == 1,
		      "timer in an OUT loop: the interrupt comes, under both engines (%llu OUTs under bt)",
		      (unsigned long long)n);
		CHECK(p.bt->exits[VM_EXIT_IO].count == n + 1 && p.e->c.entries < n / 10,
		      "timer in an OUT loop: every OUT counted (%llu), in place (%llu entries)",
		      (unsigned long long)p.bt->exits[VM_EXIT_IO].count, (unsigned long long)p.e->c.entries);
	}
	free_pair(&p);
	if (run_pair(&p, "timer in an OUT loop with IF clear", GA(t_io_cli), 5, NULL, NULL)) {
		check_agree(&p, true);
		check_slot(&p, 182, 0, "no interrupt while IF is clear");
		check_slot(&p, 90, 1, "one interrupt");
		check_slot(&p, 91, GA(io_cli_after), "taken after the instruction STI shadows");
		CHECK(p.bt->exits[VM_EXIT_IO].count == 200001 && p.e->c.entries < 1000,
		      "timer in an OUT loop with IF clear: every OUT counted (%llu), in place (%llu entries)",
		      (unsigned long long)p.bt->exits[VM_EXIT_IO].count, (unsigned long long)p.e->c.entries);
	}
	free_pair(&p);
	if (run_pair(&p, "MMIO translation and flushes", GA(t_mmio_remap), 5, NULL, NULL)) {
		check_agree(&p, true);
		check_slot(&p, 173, 0, "a page remapped to the null page reads 0");
		check_slot(&p, 174, 0, "and again after a write to it");
		check_slot(&p, 175, VAL_A, "INVLPG: the RAM page is seen again");
		check_slot(&p, 176, VAL_A, "a CR3 reload: the null page took the write, not RAM");
		CHECK(p.bt->rb_counters[RB_CNT_NULL_PAGE] == 4 && p.in->rb_counters[RB_CNT_NULL_PAGE] == 4,
		      "MMIO translation and flushes: 4 null-page accesses under both engines (%llu, %llu)",
		      (unsigned long long)p.bt->rb_counters[RB_CNT_NULL_PAGE],
		      (unsigned long long)p.in->rb_counters[RB_CNT_NULL_PAGE]);
	}
	free_pair(&p);
	if (run_pair(&p, "a load site that saw MMIO", GA(t_mmio_site), 5, NULL, NULL)) {
		check_agree(&p, true);
		check_slot(&p, 178, 49 * VAL_A, "a site past its refill after MMIO reads RAM once remapped");
		CHECK(p.bt->rb_counters[RB_CNT_NULL_PAGE] == 51 && p.in->rb_counters[RB_CNT_NULL_PAGE] == 51 &&
		      p.e->c.mmio_sites >= 1 && p.e->c.mmio_sites <= 2,
		      "a load site that saw MMIO: 51 null-page reads under both engines (%llu, %llu), "
		      "its probe patched past the refill once per translation holding it (%llu: "
		      "the block from the entry and the loop's)",
		      (unsigned long long)p.bt->rb_counters[RB_CNT_NULL_PAGE],
		      (unsigned long long)p.in->rb_counters[RB_CNT_NULL_PAGE],
		      (unsigned long long)p.e->c.mmio_sites);
	}
	free_pair(&p);
	if (run_pair(&p, "loop blocks: implicit outputs", GA(t_hoist_implicit), 5, NULL, NULL)) {
		uint32_t r0[4], r4[4];
		x86_cpuid(&p.e->cpu, 0x80000000u, 0, r0);
		x86_cpuid(&p.e->cpu, 0x80000004u, 0, r4);
		check_agree(&p, true);
		check_slot(&p, 180, r0[1], "CPUID's EBX after a loop block: its last leaf's, not its first's");
		CHECK(r0[1] != r4[1] && p.e->c.loops_hoisted >= 1,
		      "loop blocks: implicit outputs: the leaves' EBX differ (%#x, %#x), the loop hoisted (%llu)",
		      r0[1], r4[1], (unsigned long long)p.e->c.loops_hoisted);
	}
	free_pair(&p);
	if (run_pair(&p, "CR3 reloads, the code page's walk read again", GA(t_cr3_memo), 5, NULL, NULL)) {
		check_agree(&p, true);
		check_slot(&p, 179, 2, "the reload after the code page's PTE changed runs the new page");
		CHECK(p.e->c.walks_reused >= 4 && p.e->c.tlb_ops == 7,
		      "CR3 reloads: the code page's walk read again, not walked, for the reloads that kept it "
		      "(%llu of %llu)", (unsigned long long)p.e->c.walks_reused, (unsigned long long)p.e->c.tlb_ops);
	}
	free_pair(&p);
	if (run_pair(&p, "MOV CR3 in place", GA(t_cr3_code), 5, NULL, NULL)) {
		check_agree(&p, true);
		check_slot(&p, 177, 2, "a CR3 reload that remaps the running code page: the new page runs");
		CHECK(p.e->c.tlb_ops == 201 && p.e->helper_by_id[X86_INS_MOV] == 1 && p.e->c.entries < 60,
		      "MOV CR3 in place: 200 CR3 reloads keep the code page and go on in translated code, "
		      "the one that remaps it leaves through the helper, which does not run it again "
		      "(%llu TLB operations, %llu calls, %llu entries)", (unsigned long long)p.e->c.tlb_ops,
		      (unsigned long long)p.e->helper_by_id[X86_INS_MOV], (unsigned long long)p.e->c.entries);
		CHECK(counter(p.bt, "tlb.flushes") == counter(p.in, "tlb.flushes"),
		      "MOV CR3 in place: as many TLB flushes as under interp (%llu, %llu): none run twice",
		      (unsigned long long)counter(p.bt, "tlb.flushes"), (unsigned long long)counter(p.in, "tlb.flushes"));
	}
	free_pair(&p);
}

/* The lean helper call (engines/bt/lean.c): IN and OUT at CPL 3 with
 * IOPL 3 in place and with IOPL 0 a #GP at the instruction; an IN no
 * device answers at once leaves translated code and is replayed, an OUT
 * leaves with every register (out_stub stores RBP, R12-R15 then); an
 * interrupt an MMIO write makes deliverable in a chained loop is taken
 * right after it each time; instruction counts as interp's. */
static void test_lean(void)
{
	struct pair p;

	if (run_pair(&p, "lean: OUT and IN at CPL 3, IOPL 3", GA(t_lean_user_io), 5, NULL, NULL)) {
		check_agree(&p, true);
		check_mem(&p, SCRATCH + 80, 8, 50, "lean: the null port counted 50 OUTs from CPL 3");
		CHECK(p.e->helper_by_id[X86_INS_OUT] == 52 && p.bt->exits[VM_EXIT_IO].count == 53 && p.e->c.entries < 20,
		      "lean: the OUTs and the IN answered in place (%llu OUT calls, %llu IO exits, %llu entries)",
		      (unsigned long long)p.e->helper_by_id[X86_INS_OUT],
		      (unsigned long long)p.bt->exits[VM_EXIT_IO].count, (unsigned long long)p.e->c.entries);
	}
	free_pair(&p);
	if (run_pair(&p, "lean: OUT at CPL 3, IOPL 0", GA(t_lean_user_gp), 5, NULL, NULL)) {
		unsigned bad = (0x77 << 1) | 1;
		CHECK(p.s_bt == (int)bad && p.s_in == (int)bad,
		      "lean: OUT at CPL 3 with IOPL 0 faults under both engines (bt %d, interp %d)", p.s_bt, p.s_in);
		CHECK(get64(p.bt->ram, DATA + 0xfe8) == 0 && get64(p.bt->ram, DATA + 0xff0) == GA(user_gp_out) &&
		      get64(p.in->ram, DATA + 0xfe8) == 0 && get64(p.in->ram, DATA + 0xff0) == GA(user_gp_out),
		      "lean: #GP(0) with the OUT's RIP in the frame (bt %#llx at %#llx)",
		      (unsigned long long)get64(p.bt->ram, DATA + 0xfe8), (unsigned long long)get64(p.bt->ram, DATA + 0xff0));
		CHECK(p.e->cpu.cnt.insns == counter(p.in, "insns") && p.bt->rb_counters[RB_CNT_NULL_PORT] == 0,
		      "lean: the faulting OUT reached no device; counts agree (bt %llu, interp %llu)",
		      (unsigned long long)p.e->cpu.cnt.insns, (unsigned long long)counter(p.in, "insns"));
	}
	free_pair(&p);
	if (run_pair(&p, "lean: an IN that leaves", GA(t_lean_in_leave), 5, NULL, NULL)) {
		check_agree(&p, true);
		check_slot(&p, 230, 20 * (0x12345678ffull + 0xffffffffull) + 21,
			   "unclaimed port: all ones, AL merged, EAX zero-extended; CF kept across 21 OUTs");
		CHECK(p.st_bt.gpr[R_RBX] == 0xb0b0 + 210 && p.st_bt.gpr[R_R15] == 0xb5b5 + 210,
		      "lean: RBX and R15 kept across OUTs that leave (%#llx, %#llx)",
		      (unsigned long long)p.st_bt.gpr[R_RBX], (unsigned long long)p.st_bt.gpr[R_R15]);
		CHECK(p.bt->exits[VM_EXIT_IO].count == 62 && p.in->exits[VM_EXIT_IO].count == 62 && p.e->c.entries >= 60,
		      "lean: each IN and OUT of an unclaimed port left for the VM core (%llu IO exits, %llu entries)",
		      (unsigned long long)p.bt->exits[VM_EXIT_IO].count, (unsigned long long)p.e->c.entries);
	}
	free_pair(&p);
	/* A site that saw MMIO jumps to its helper call from its first
	 * byte: in a memory group (default), as the first and a later member
	 * of a scratch run (groups off); the page then RAM again (31 rounds
	 * of 2 reads and a write of the null page, 29 rounds of RAM). */
	for (int groups = 1; groups >= 0; groups--) {
		const char *name = groups ? "lean: MMIO sites, groups on" : "lean: MMIO sites, groups off";
		if (run_pair(&p, name, GA(t_lean_mmio), 5, groups ? NULL : "mem-groups", groups ? NULL : "0")) {
			uint64_t s1 = 5 + VAL_A, sum = s1 + get64(p.in->ram, PA_A + 8);
			check_agree(&p, true);
			check_slot(&p, 231, 31 * 5 + 29 * (sum + (sum < s1)),
				   "31 rounds of MMIO (5 + 0 + 0), 29 of RAM (ADC of the sum)");
			CHECK(p.bt->rb_counters[RB_CNT_NULL_PAGE] == 122 && p.in->rb_counters[RB_CNT_NULL_PAGE] == 122 &&
			      p.e->c.mmio_sites >= 1,
			      "%s: 122 null-page accesses under both engines (%llu, %llu), %llu sites past the probe",
			      name, (unsigned long long)p.bt->rb_counters[RB_CNT_NULL_PAGE],
			      (unsigned long long)p.in->rb_counters[RB_CNT_NULL_PAGE], (unsigned long long)p.e->c.mmio_sites);
		}
		free_pair(&p);
	}
	if (run_pair(&p, "MMIO in a loop block", GA(t_mmio_hoist), 5, NULL, NULL)) {
		check_agree(&p, true);
		check_slot(&p, 247, 0x1111ull * 66, "the registers a loop block does not name, kept across its MMIO helper calls");
		check_slot(&p, 248, 57, "50 rounds of a RAM read of 1 and a null-page read of 0");
		CHECK(p.bt->rb_counters[RB_CNT_NULL_PAGE] == 50 && p.e->c.mmio_sites >= 1 && p.e->c.loops_hoisted >= 1,
		      "MMIO in a loop block: 50 null-page reads (%llu), the site past the probe (%llu), the loop hoisted (%llu)",
		      (unsigned long long)p.bt->rb_counters[RB_CNT_NULL_PAGE], (unsigned long long)p.e->c.mmio_sites,
		      (unsigned long long)p.e->c.loops_hoisted);
	}
	free_pair(&p);
	if (run_pair(&p, "hypercalls in place", GA(t_hc_place), 5, NULL, NULL)) {
		check_agree(&p, true);
		check_slot(&p, 271, RB_KVM_ENOSYS_RET, "a hypercall the VM core does not serve: -KVM_ENOSYS");
		check_slot(&p, 272, 40, "CF kept across every VMCALL");
		check_slot(&p, 273, 0, "the null hypercall's result, 0, in RAX each time");
		check_slot(&p, 274, 0x3333, "RBX and RCX kept");
		check_slot(&p, 275, 0x7777, "RDX and RSI kept");
		CHECK(p.bt->rb_counters[RB_CNT_VMCALL] == 40 && p.in->rb_counters[RB_CNT_VMCALL] == 40 &&
		      p.bt->exits[VM_EXIT_HYPERCALL].count == 41 && p.in->exits[VM_EXIT_HYPERCALL].count == 41 &&
		      p.e->c.hc_in_place == 40,
		      "hypercalls in place: 40 served under both engines (%llu, %llu), 41 exits counted (%llu, %llu), "
		      "bt's 40 in place (%llu)", (unsigned long long)p.bt->rb_counters[RB_CNT_VMCALL],
		      (unsigned long long)p.in->rb_counters[RB_CNT_VMCALL],
		      (unsigned long long)p.bt->exits[VM_EXIT_HYPERCALL].count,
		      (unsigned long long)p.in->exits[VM_EXIT_HYPERCALL].count, (unsigned long long)p.e->c.hc_in_place);
	}
	free_pair(&p);
	if (run_pair(&p, "RCX kept across probes", GA(t_rcx_keep), 5, NULL, NULL)) {
		uint64_t sum = 0;
		for (unsigned k = 0; k < 16; k++)
			sum += get64(p.in->ram, BASE + k * 0x1000ull);
		check_agree(&p, true);
		check_slot(&p, 280, 16 * 0x1000, "RCX after 16 pages' loads, each a TLB miss a refill cures");
		check_slot(&p, 281, sum, "... the 16 loads");
		check_slot(&p, 282, 4, "RCX after 4 LAPIC reads, each a miss no refill cures");
		check_slot(&p, 283, 4 * 0x50014ull, "... the 4 reads of the version register (version 0x14, 6 LVT entries)");
		CHECK(counter(p.bt, "bt.loops_hoisted") >= 2 && counter(p.bt, "bt.tlb_fills") >= 16,
		      "RCX kept across probes: both loops hoisted (%llu), the pages refilled (%llu)",
		      (unsigned long long)counter(p.bt, "bt.loops_hoisted"),
		      (unsigned long long)counter(p.bt, "bt.tlb_fills"));
	}
	free_pair(&p);
	if (run_pair(&p, "port I/O in place", GA(t_pio_place), 5, NULL, NULL)) {
		check_agree(&p, true);
		check_slot(&p, 253, 0xffffffffffffff00ull + 0xffffffffffff0000ull,
			   "IN AL, AX, EAX of the null port: AL and AX merged into RAX, EAX zero-extended");
		check_slot(&p, 254, 30 * 6, "CF kept across every IN and OUT");
		check_slot(&p, 255, 30 * 31 / 2, "the UART's scratch register reads back each round's value");
		check_slot(&p, 256, 10 * 11 / 2, "... with the UART's THR-empty interrupt on too");
		const uint64_t *h = p.e->helper_by_id;
		CHECK(p.bt->rb_counters[RB_CNT_NULL_PORT] == 180 && p.in->rb_counters[RB_CNT_NULL_PORT] == 180 &&
		      p.e->c.pio_in_place == 180 + 60 && h[X86_INS_OUT] == 13 && h[X86_INS_IN] == 10,
		      "port I/O in place: 180 null-port accesses under both engines (%llu, %llu); in place %llu "
		      "(the null port's and the quiet UART's), helper calls %llu OUT, %llu IN (IER twice, the scratch, the exit port)",
		      (unsigned long long)p.bt->rb_counters[RB_CNT_NULL_PORT],
		      (unsigned long long)p.in->rb_counters[RB_CNT_NULL_PORT], (unsigned long long)p.e->c.pio_in_place,
		      (unsigned long long)h[X86_INS_OUT], (unsigned long long)h[X86_INS_IN]);
	}
	free_pair(&p);
	/* Groups off: else the null page's operands on RBX form a memory
	 * group, whose slow path is the helper's.  Both probes. */
	for (int ff = 1; ff >= 0; ff--) {
		const char *name = ff ? "MMIO in place, flag-free probe" : "MMIO in place, flags-saving probe";
		if (ff && !__builtin_cpu_supports("bmi2"))
			continue;
		if (run_pair2(&p, name, GA(t_mmio_place), 5, "mem-groups", "0", "flagfree-probe", ff ? "1" : "0")) {
			check_agree(&p, true);
			check_slot(&p, 250, 40 * 4, "40 rounds: CF kept across a read's and a store's device call, "
				   "every read 0");
			check_slot(&p, 251, 0, "RSP as it was");
			uint64_t ver = get64(p.in->ram, DATA + 8 * 252) / 10;
			CHECK(ver != 0 && get64(p.bt->ram, DATA + 8 * 252) == 10 * ver,
			      "%s: one site's 10 reads of the LAPIC version register (0x%llx) between 10 of the null page",
			      name, (unsigned long long)ver);
			CHECK(p.bt->rb_counters[RB_CNT_NULL_PAGE] == 330 && p.in->rb_counters[RB_CNT_NULL_PAGE] == 330 &&
			      p.e->c.mmio_in_place >= 300 && p.e->c.mmio_in_place <= 330,
			      "%s: 330 null-page accesses under both engines (%llu, %llu), %llu of bt's in place",
			      name, (unsigned long long)p.bt->rb_counters[RB_CNT_NULL_PAGE],
			      (unsigned long long)p.in->rb_counters[RB_CNT_NULL_PAGE],
			      (unsigned long long)p.e->c.mmio_in_place);
		}
		free_pair(&p);
	}
	if (run_pair(&p, "lean: self-IPIs in a chained loop", GA(t_lean_ipi), 5, NULL, NULL)) {
		check_agree(&p, true);
		check_slot(&p, 90, 10, "ten interrupts");
		check_slot(&p, 91, GA(lean_ipi_after), "the last taken right after its ICR write");
		CHECK(p.e->cpu.cnt.interrupts == 10, "lean: bt delivered %llu interrupts",
		      (unsigned long long)p.e->cpu.cnt.interrupts);
	}
	free_pair(&p);
}

/* ---- h ---- */
static void test_flush(void)
{
	struct pair p;
	char kb[32];

	/* The smallest cache the option takes: the stubs and two blocks' room. */
	struct vm *probe = new_vm(&bt_engine_ops, GA(t_chain));
	if (!probe) {
		CHECK(0, "flush: a bt VM is created");
		return;
	}
	struct engine *pe = probe->engine;
	snprintf(kb, sizeof(kb), "%zu", (pe->stubs_end + 2 * BT_BLOCK_ROOM + 1023) >> 10);
	char err[200];
	CHECK(bt_engine_ops.option(pe, "cache-kb", "1", err, sizeof(err)) < 0,
	      "flush: cache-kb below the minimum is refused (%s)", err);
	free_vm(probe);

	if (run_pair(&p, "flush", GA(t_chain), 8, "cache-kb", kb)) {
		check_agree(&p, true);
		check_slot(&p, 95, 3ull * NCHAIN * (NCHAIN + 1) / 2, "3 passes over 3000 chained blocks");
		CHECK(p.e->c.flushes > 2 && p.e->c.blocks > 2 * NCHAIN && p.e->code_size == (size_t)atoi(kb) << 10,
		      "flush: a %s KiB cache flushed %llu times for %llu blocks", kb,
		      (unsigned long long)p.e->c.flushes, (unsigned long long)p.e->c.blocks);
	}
	free_pair(&p);
}

/* ---- i ---- */
static void test_wx(void)
{
	struct vm *vm = new_vm(&bt_engine_ops, GA(t_branch));
	char line[512];
	int wx = 0, rx = 0;

	if (!vm) {
		CHECK(0, "W^X: a bt VM is created");
		return;
	}
	int status = run_bounded(vm, 5, "W^X");
	struct engine *e = vm->engine;
	FILE *f = fopen("/proc/self/maps", "r");
	if (!f) {
		SKIP("W^X: no /proc/self/maps");
		free_vm(vm);
		return;
	}
	while (fgets(line, sizeof(line), f)) {
		unsigned long lo, hi;
		char perms[8];
		if (sscanf(line, "%lx-%lx %7s", &lo, &hi, perms) != 3)
			continue;
		if (perms[1] == 'w' && perms[2] == 'x') {
			wx++;
			printf("# writable and executable: %s", line);
		}
		if ((uintptr_t)e->code_rx >= lo && (uintptr_t)e->code_rx < hi && perms[2] == 'x' && perms[1] != 'w')
			rx++;
	}
	fclose(f);
	CHECK(status == DONE && wx == 0 && rx == 1 && e->c.blocks > 0,
	      "W^X: after running %llu blocks no mapping is writable and executable (%d found)",
	      (unsigned long long)e->c.blocks, wx);
	free_vm(vm);
}

/* ---- j ---- */
static uint64_t rol64(uint64_t v, unsigned n) { return v << n | v >> (64 - n); }

/* t_lock in C: RAX, RBX, RSI at its end. */
static void t_lock_model(uint64_t out[3])
{
	uint64_t rax = 0, rbx = 1, rsi = 0, mem[16] = { 0 };

	for (uint64_t rcx = 300; rcx; rcx--) {
		rbx = rbx * 3 + rcx;
		mem[rcx & 15] += rbx;
		rax = rol64(rax ^ mem[rcx & 15], 5);
		if (rcx & 1) {
			rax += rbx;                     /* ADC: TEST cleared CF */
			if ((int64_t)rax < 0)
				rsi = rbx;
			rsi >>= rcx & 63;
		}
		uint64_t t = rbx * 3 + 7;               /* f_mix */
		rsi += rax < t;
		rax -= t;
	}
	out[0] = rax;
	out[1] = rbx;
	out[2] = rsi;
}

static void test_lockstep(void)
{
	struct pair p;
	uint64_t want[3];

	t_lock_model(want);
	if (run_pair(&p, "lockstep", GA(t_lock), 8, "lockstep", NULL)) {
		check_agree(&p, true);
		check_slot(&p, 100, want[0], "RAX of the arithmetic loop");
		check_slot(&p, 101, want[1], "RBX of the arithmetic loop");
		check_slot(&p, 102, want[2], "RSI of the arithmetic loop");
		CHECK(p.e->c.lockstep_blocks > 300 && p.s_bt == DONE,
		      "lockstep: %llu blocks compared (%llu unchecked), no difference reported",
		      (unsigned long long)p.e->c.lockstep_blocks, (unsigned long long)p.e->c.lockstep_unchecked);
	}
	free_pair(&p);
	if (run_pair(&p, "lockstep memory forms", GA(t_mem), 8, "lockstep", NULL)) {
		check_agree(&p, true);
		/* Most of its blocks leave early at a TLB miss: unchecked. */
		CHECK(p.e->c.lockstep_blocks > 0 && p.s_bt == DONE,
		      "lockstep memory forms: %llu blocks compared (%llu unchecked), no difference reported",
		      (unsigned long long)p.e->c.lockstep_blocks, (unsigned long long)p.e->c.lockstep_unchecked);
	}
	free_pair(&p);

	/* Corrupt the translation of t_ls_bad's first block: lockstep must
	 * notice the register it computes differs. */
	struct vm *vm = new_vm(&bt_engine_ops, GA(t_ls_bad));
	if (!vm) {
		CHECK(0, "lockstep catch: a bt VM is created");
		return;
	}
	struct engine *e = vm->engine;
	struct bt_block *b = bt_find_block(e);
	static const uint8_t imm[] = { 0xb9, 0x78, 0x56, 0x34, 0x12 };     /* mov ecx, 0x12345678 */
	uint8_t *hit = NULL;
	if (b && b == bt_lookup(e, GA(t_ls_bad), GA(t_ls_bad), false))
		for (uint8_t *q = b->host; q + sizeof(imm) <= b->host + b->host_len && !hit; q++)
			if (!memcmp(q, imm, sizeof(imm)))
				hit = q;
	CHECK(hit != NULL, "lockstep catch: the block is translated and its copied MOV found in the host code");
	if (hit) {
		e->code_rw[(hit - e->code_rx) + 1] ^= 1;     /* mov ecx, 0x12345679 */
		bt_set(vm, "lockstep", NULL);
		int status = run_bounded(vm, 5, "lockstep catch");
		CHECK(status == RB_STATUS_ENGINE_ERROR && e->ex.count[VM_EXIT_INTERNAL_ERROR] == 1 &&
		      strstr(vm->finish_reason, "lockstep") && strstr(vm->finish_reason, "differ"),
		      "lockstep catch: a corrupted immediate ends the run with an internal error (%d: %s)",
		      status, vm->finish_reason);
	}
	free_vm(vm);
}

int main(void)
{
	double t0 = now();

	watchdog_init();
	test_memory_forms();
	test_branches();
	test_traced_calls();
	test_rep();
	test_privileged();
	test_code_remap();
	test_page_fault();
	test_user();
	test_smc();
	test_mem_groups();
	test_interrupts();
	test_inline_sys();
	test_in_place();
	test_lean();
	test_flush();
	test_wx();
	test_lockstep();
	printf("# %.2f s\n", now() - t0);
	CHECK_EXIT();
}
