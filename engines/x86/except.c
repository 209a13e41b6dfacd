/* Exceptions and interrupts: raising (one longjmp back to the engine's
 * loop), delivery through the IDT with privilege change, TSS stack switch
 * and IST, and the double- and triple-fault rules (SDM vol. 3, 6.15). */
#include <stdarg.h>
#include <stdio.h>

#include "engines/x86/ops.h"

static void note_fault(struct x86_cpu *cpu, int vec, int has_err, uint32_t err)
{
	cpu->fault_vec = vec;
	cpu->fault_has_err = has_err;
	cpu->fault_err = err;
}

_Noreturn void x86_raise(struct x86_cpu *cpu, int vec, int has_err, uint32_t err)
{
	jmp_buf *to = cpu->fault_catch;

	note_fault(cpu, vec, has_err, err);
	if (to) {
		cpu->fault_catch = NULL;
		longjmp(*to, X86_JMP_FAULT);
	}
	longjmp(cpu->jb, X86_JMP_FAULT);
}

void x86_fault_now(struct x86_cpu *cpu, int vec, int has_err, uint32_t err)
{
	note_fault(cpu, vec, has_err, err);
	x86_take_fault(cpu);
}

_Noreturn void x86_exit_now(struct x86_cpu *cpu)
{
	cpu->fault_catch = NULL;
	longjmp(cpu->jb, X86_JMP_EXIT);
}

void x86_internal_error(struct x86_cpu *cpu, const char *fmt, ...)
{
	va_list ap;

	memset(&cpu->exit, 0, sizeof(cpu->exit));
	cpu->exit.reason = VM_EXIT_INTERNAL_ERROR;
	va_start(ap, fmt);
	vsnprintf(cpu->exit.error.msg, sizeof(cpu->exit.error.msg), fmt, ap);
	va_end(ap);
	cpu->exit_ready = true;
	cpu->pending = true;
}

static const char *vec_name(int v)
{
	static const char *const n[] = { "#DE", "#DB", "NMI", "#BP", "#OF", "#BR", "#UD", "#NM",
		"#DF", "#CSO", "#TS", "#NP", "#SS", "#GP", "#PF", "#15", "#MF", "#AC", "#MC", "#XM" };
	return v >= 0 && v < (int)(sizeof(n) / sizeof(n[0])) ? n[v] : "INT";
}

static void chain_add(struct x86_cpu *cpu, int vec, int has_err, uint32_t err)
{
	if (cpu->nchain < X86_CHAIN_MAX) {
		cpu->chain[cpu->nchain].vec = vec;
		cpu->chain[cpu->nchain].has_err = has_err;
		cpu->chain[cpu->nchain].err = err;
		cpu->chain[cpu->nchain].cr2 = cpu->cr2;
		cpu->nchain++;
	}
}

/* The chain in words, e.g. "#PF(0x2) cr2=0x1000 -> #GP(0) -> #DF(0)". */
static void chain_text(struct x86_cpu *cpu)
{
	char *t = cpu->fault_chain;
	size_t k = 0, len = sizeof(cpu->fault_chain);

	t[0] = 0;
	for (unsigned i = 0; i < cpu->nchain && k < len; i++) {
		int vec = cpu->chain[i].vec;
		k += (size_t)snprintf(t + k, len - k, "%s%s", i ? " -> " : "", vec_name(vec));
		if (cpu->chain[i].has_err && k < len)
			k += (size_t)snprintf(t + k, len - k, "(%#x)", cpu->chain[i].err);
		if (vec == X86_PF && k < len)
			k += (size_t)snprintf(t + k, len - k, " cr2=%#llx",
					      (unsigned long long)cpu->chain[i].cr2);
	}
}

static bool contributory(int v)
{
	return v == X86_DE || (v >= X86_TS && v <= X86_GP);
}

/* A fault's frame has RF set (SDM 17.3.1.1; the host does so for #PF, #UD,
 * #GP), so IRET back to the faulting instruction does not re-trigger an
 * instruction breakpoint; traps (#DB, INT n) and #DF, interrupts do not. */
static void deliver_fault(struct x86_cpu *cpu, int vec, int has_err, uint32_t err)
{
	cpu->fault_rf = vec != X86_DB && vec != X86_DF;
	x86_deliver(cpu, vec, has_err, err, false, cpu->rip);
	cpu->fault_rf = false;
}

void x86_handle_fault(struct x86_cpu *cpu)
{
	/* A load of its own for each: note_fault has just stored them one by
	 * one, and a load spanning two stores still in flight cannot take
	 * its data from them (store-to-load forwarding) but waits for them. */
	int vec = *(volatile int *)&cpu->fault_vec, has_err = *(volatile int *)&cpu->fault_has_err;
	uint32_t err = *(volatile uint32_t *)&cpu->fault_err;

	cpu->cnt.exceptions++;
	cpu->watch = false;     /* a fault ends a data-breakpoint step (debug.c) */
	if (cpu->fault_depth == 0) {
		cpu->nchain = 0;
		chain_add(cpu, vec, has_err, err);
		deliver_fault(cpu, vec, has_err, err);
		return;
	}
	chain_add(cpu, vec, has_err, err);
	int first = cpu->delivering_vec;
	if (first == X86_DF) {
		chain_text(cpu);
		memset(&cpu->exit, 0, sizeof(cpu->exit));
		cpu->exit.reason = VM_EXIT_SHUTDOWN;
		snprintf(cpu->exit.error.msg, sizeof(cpu->exit.error.msg),
			 "triple fault at rip %#llx: %s", (unsigned long long)cpu->rip,
			 cpu->fault_chain);
		cpu->exit_ready = true;
		cpu->fault_depth = 0;
		x86_exit_now(cpu);
	}
	if ((contributory(first) && contributory(vec)) ||
	    (first == X86_PF && (contributory(vec) || vec == X86_PF))) {
		chain_add(cpu, X86_DF, 1, 0);
		deliver_fault(cpu, X86_DF, 1, 0);
		return;
	}
	deliver_fault(cpu, vec, has_err, err);
}

/* Supervisor stack pushes during delivery. */
static uint64_t spush(struct x86_cpu *cpu, uint64_t sp, uint64_t sp_mask, uint64_t ss_base,
		      unsigned size, uint64_t v)
{
	sp = (sp - size) & sp_mask;
	x86_write_sys(cpu, (ss_base + sp) & cpu->lin_mask, size, v);
	return sp;
}

static void deliver64(struct x86_cpu *cpu, int vec, int has_err, uint32_t err, bool soft,
		      uint64_t ret_rip, uint32_t ext)
{
	uint32_t gerr = (uint32_t)vec * 8 + 2 + ext;

	if ((uint32_t)vec * 16 + 15 > cpu->idt.limit)
		x86_gp(cpu, gerr);
	uint64_t lo = x86_read_sys(cpu, cpu->idt.base + (uint64_t)vec * 16, 8);
	uint64_t hi = x86_read_sys(cpu, cpu->idt.base + (uint64_t)vec * 16 + 8, 8);
	unsigned type = (lo >> 40) & 0xf, dpl = (lo >> 45) & 3, ist = (lo >> 32) & 7;

	if (type != 0xe && type != 0xf)
		x86_gp(cpu, gerr);
	if (soft && dpl < cpu->cpl)
		x86_gp(cpu, gerr);
	if (!((lo >> 47) & 1))
		x86_raise(cpu, X86_NP, 1, gerr);
	uint16_t sel = (uint16_t)(lo >> 16);
	uint64_t target = (lo & 0xffff) | (((lo >> 48) & 0xffff) << 16) | ((hi & 0xffffffff) << 32);
	uint64_t dlo;

	if (!(sel & ~3) || !x86_read_desc(cpu, sel, &dlo, NULL))
		x86_gp(cpu, (sel & ~3u) + ext);
	struct segment cs;
	x86_desc_to_seg(dlo, sel, &cs);
	if (!cs.s || !(cs.type & 8) || !cs.l || cs.db || cs.dpl > cpu->cpl)
		x86_gp(cpu, (sel & ~3u) + ext);
	if (!cs.present)
		x86_raise(cpu, X86_NP, 1, (sel & ~3u) + ext);
	unsigned new_cpl = (cs.type & 4) ? cpu->cpl : cs.dpl;
	uint64_t rsp = cpu->gpr[R_RSP];

	if (ist)
		rsp = x86_read_sys(cpu, cpu->tr.base + 0x24 + (ist - 1) * 8, 8);
	else if (new_cpl < cpu->cpl)
		rsp = x86_read_sys(cpu, cpu->tr.base + 4 + new_cpl * 8, 8);
	rsp &= ~15ull;
	uint64_t sp = rsp;
	sp = spush(cpu, sp, ~0ull, 0, 8, cpu->seg[S_SS].selector);
	sp = spush(cpu, sp, ~0ull, 0, 8, cpu->gpr[R_RSP]);
	sp = spush(cpu, sp, ~0ull, 0, 8, (cpu->rflags & ~F_RF) | (cpu->fault_rf ? F_RF : 0));
	sp = spush(cpu, sp, ~0ull, 0, 8, cpu->seg[S_CS].selector);
	sp = spush(cpu, sp, ~0ull, 0, 8, ret_rip);
	if (has_err)
		sp = spush(cpu, sp, ~0ull, 0, 8, err);

	/* Commit: nothing below can fault. */
	if (new_cpl < cpu->cpl) {
		cpu->seg[S_SS] = (struct segment){ .selector = (uint16_t)new_cpl, .unusable = 1,
						   .dpl = (uint8_t)new_cpl, .db = 1 };
	}
	cpu->seg[S_CS] = cs;
	cpu->seg[S_CS].selector = (uint16_t)((sel & ~3) | new_cpl);    /* after the copy: see set_accessed, seg.c */
	cpu->cpl = (uint8_t)new_cpl;
	cpu->gpr[R_RSP] = sp;
	cpu->rip = target;
	cpu->rflags &= ~(F_TF | F_NT | F_RF | F_VM);
	if (type == 0xe)
		cpu->rflags &= ~F_IF;
}

static void deliver32(struct x86_cpu *cpu, int vec, int has_err, uint32_t err, bool soft,
		      uint64_t ret_rip, uint32_t ext)
{
	uint32_t gerr = (uint32_t)vec * 8 + 2 + ext;

	if ((uint32_t)vec * 8 + 7 > cpu->idt.limit)
		x86_gp(cpu, gerr);
	uint64_t lo = x86_read_sys(cpu, cpu->idt.base + (uint64_t)vec * 8, 8);
	unsigned type = (lo >> 40) & 0xf, dpl = (lo >> 45) & 3;

	if (type != 0xe && type != 0xf) {
		if (type == 0x5 || type == 0x6 || type == 0x7) {
			x86_internal_error(cpu, "task gates and 16-bit gates are not implemented (vector %d)", vec);
			x86_exit_now(cpu);
		}
		x86_gp(cpu, gerr);
	}
	if (soft && dpl < cpu->cpl)
		x86_gp(cpu, gerr);
	if (!((lo >> 47) & 1))
		x86_raise(cpu, X86_NP, 1, gerr);
	uint16_t sel = (uint16_t)(lo >> 16);
	uint32_t target = (uint32_t)((lo & 0xffff) | (((lo >> 48) & 0xffff) << 16));
	uint64_t dlo;

	if (!(sel & ~3) || !x86_read_desc(cpu, sel, &dlo, NULL))
		x86_gp(cpu, (sel & ~3u) + ext);
	struct segment cs;
	x86_desc_to_seg(dlo, sel, &cs);
	if (!cs.s || !(cs.type & 8) || cs.dpl > cpu->cpl)
		x86_gp(cpu, (sel & ~3u) + ext);
	if (!cs.present)
		x86_raise(cpu, X86_NP, 1, (sel & ~3u) + ext);
	unsigned new_cpl = (cs.type & 4) ? cpu->cpl : cs.dpl;
	struct segment ss = cpu->seg[S_SS];
	uint64_t sp = cpu->gpr[R_RSP];
	uint64_t mask = ss.db ? 0xffffffffull : 0xffffull;

	if (new_cpl < cpu->cpl) {
		uint16_t nsel = (uint16_t)x86_read_sys(cpu, cpu->tr.base + 8 + new_cpl * 8, 2);
		uint32_t nesp = (uint32_t)x86_read_sys(cpu, cpu->tr.base + 4 + new_cpl * 8, 4);
		if (!(nsel & ~3) || !x86_read_desc(cpu, nsel, &dlo, NULL))
			x86_raise(cpu, X86_TS, 1, nsel & ~3u);
		x86_desc_to_seg(dlo, nsel, &ss);
		if (!ss.present)
			x86_raise(cpu, X86_SS, 1, nsel & ~3u);
		mask = ss.db ? 0xffffffffull : 0xffffull;
		sp = nesp;
		sp = spush(cpu, sp, mask, ss.base, 4, cpu->seg[S_SS].selector);
		sp = spush(cpu, sp, mask, ss.base, 4, cpu->gpr[R_RSP]);
	}
	sp = spush(cpu, sp, mask, ss.base, 4, (cpu->rflags & ~F_RF) | (cpu->fault_rf ? F_RF : 0));
	sp = spush(cpu, sp, mask, ss.base, 4, cpu->seg[S_CS].selector);
	sp = spush(cpu, sp, mask, ss.base, 4, ret_rip);
	if (has_err)
		sp = spush(cpu, sp, mask, ss.base, 4, err);

	cpu->seg[S_SS] = ss;
	cpu->seg[S_CS] = cs;
	cpu->seg[S_CS].selector = (uint16_t)((sel & ~3) | new_cpl);    /* as in deliver64 */
	cpu->cpl = (uint8_t)new_cpl;
	cpu->gpr[R_RSP] = (cpu->gpr[R_RSP] & ~mask) | (sp & mask);
	cpu->rip = target;
	cpu->rflags &= ~(F_TF | F_NT | F_RF | F_VM);
	if (type == 0xe)
		cpu->rflags &= ~F_IF;
}

void x86_deliver(struct x86_cpu *cpu, int vec, int has_err, uint32_t err, bool soft,
		 uint64_t next_rip)
{
	/* Only #DF, #TS, #NP, #SS, #GP, #PF, #AC push an error code. */
	uint32_t ext = soft ? 0 : 1;

	cpu->fault_depth++;
	cpu->cnt.deliveries++;
	cpu->delivering_vec = vec;
	if (vec >= 32 || soft)
		has_err = 0;
	if (!(cpu->cr0 & CR0_PE)) {
		x86_internal_error(cpu, "real-mode interrupt delivery is not implemented (vector %d)", vec);
		cpu->fault_depth = 0;
		x86_exit_now(cpu);
	}
	if (cpu->lma)
		deliver64(cpu, vec, has_err, err, soft, next_rip, ext);
	else
		deliver32(cpu, vec, has_err, err, soft, next_rip, ext);
	x86_update_mode(cpu);
	cpu->fault_depth = 0;
	cpu->delivering_vec = -1;
	cpu->halted = false;
}
