/* The lean helper call: for the instructions whose shared handler changes
 * no mode, privilege, control register, MXCSR or TLB — IN and OUT (not
 * the string forms), VMCALL/VMMCALL, INVLPG and MOV to CR3 (their TLB
 * flush is bt_helper_finish's), and the TLB slow paths (memory and stack
 * forms, near CALL/RET, PUSHF/POPF, SGDT/SIDT: MMIO goes this way) —
 * bt_helper's per-call checks of those are constant per site, so they
 * are left out: no CPUID-cache capture, no CR0/CR4/MXCSR comparison for
 * the SSE gate, no flush handling, no mode or privilege test.  What stays
 * is what the handler may change: an interrupt check (port I/O, MMIO and
 * hypercalls answered in place ask for one), a pending exit, a dead
 * translation, TF (POPF).  Anything but the common case goes on through
 * bt_helper_finish, the generic tail, so the outcome is bt_helper's.
 *
 * IN, OUT and VMCALL write RAX alone, INVLPG and MOV CR3 no register:
 * their stub (lean_stub) reloads only the caller-saved registers, which
 * the call into C clobbers. */
#include "engines/bt/bt.h"
#include "engines/bt/settle.h"

int bt_helper_lean(struct engine *e)
{
	struct x86_cpu *cpu = &e->cpu;
	struct bt_site *s = (struct bt_site *)(uintptr_t)e->ctx.site;
	uint64_t gen = cpu->code_gen, rest = s->rest;
	uint64_t mmio = cpu->cnt.exits[VM_EXIT_MMIO], io = cpu->cnt.exits[VM_EXIT_IO];
	uint8_t hint0 = e->ctx.irq_hint;

	bt_helper_begin(e, s, rest);
	if (e->tlbop_done) {                    /* bt_tlbop ran it: the rest of it here */
		e->tlbop_done = false;
		gen = e->tlbop_gen;
		cpu->rip = s->next_rip;
	} else {
		bt_call_site(e, s);             /* a fault: delivered here, or longjmp to bt_run */
	}
	bt_slow_note_mmio(e, s, mmio);
	if (s->kind == SITE_SLOW)
		flags_out(e);           /* the others leave the arithmetic flags alone */
	if (cpu->pending)
		bt_helper_clear_pending(e);
	bt_irr_still_empty(e, s, hint0, mmio, io);
	if (cpu->irq_check)
		bt_settle_irq(e, false);
	if (cpu->code_gen != gen)
		gen = bt_flush_in_place(e, s, gen, cpu->cr0, cpu->cr4);   /* INVLPG, MOV CR3 */
	if (__builtin_expect(bt_flag(&cpu->pending) || bt_flag(&cpu->irq_check) || cpu->code_gen != gen || e->stale ||
			     e->ctx.exit_req || cpu->rip != s->next_rip || x86_debug_active(cpu), 0))
		return bt_helper_finish(e, s, gen, cpu->cr0, cpu->cr4);
	cpu->cnt.insns += rest;
	return BT_HELPER_CONTINUE;
}

const uint8_t *bt_stub_for(const struct engine *e, struct bt_site *s)
{
	if (s->kind == SITE_SLOW)
		return e->slow_stub;
	switch (s->in.id) {
	case X86_INS_OUT:
	case X86_INS_VMCALL:
	case X86_INS_VMMCALL:
		/* At CPL 0 (a kernel block) neither can fault (OUT's IOPL
		 * check passes) nor read RBP, R12-R15 or the arithmetic
		 * flags: out_stub stores those registers only when leaving,
		 * and the flags stay in ctx.hflags.  IN may leave by longjmp
		 * for its data (x86_exit_now). */
		if (!s->block || s->block->user)
			return e->lean_stub;
		s->flags_kept = true;
		return e->out_stub;
	case X86_INS_IN:
	case X86_INS_INVLPG:
		return e->lean_stub;
	case X86_INS_MOV:               /* MOV CR3, reg: a flush (bt_helper_finish), no mode change */
		return s->in.op[0].kind == OP_CR && s->in.op[0].reg == 3 ? e->lean_stub : e->helper_stub;
	default:
		return e->helper_stub;
	}
}
