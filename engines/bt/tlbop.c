/* INVLPG and MOV CR3 of CPL 0 blocks from translated code (emit_tlbop):
 * the TLB work by the shared code (x86_tlb_flush_page, x86_write_cr),
 * then what bt_helper_lean would do after it (bt_flush_in_place: the
 * links and jump-cache entries the flush ends, this block going on when
 * its own code page still maps where it did), without the helper call
 * around it: every guest register stored and reloaded, the handler's
 * operand decoding, the per-call checks a TLB flush makes constant.  A
 * CR3 the CPU would refuse (#GP), a debug trap armed, or translations out
 * of date before: 0, and the helper runs the instruction.  Translations
 * to leave after it: 0 too, and the helper, told the work is done
 * (tlbop_done), leaves as it would have. */
#include "engines/bt/bt.h"

int bt_tlbop(struct engine *e)
{
	struct x86_cpu *cpu = &e->cpu;
	const struct bt_site *s = (const struct bt_site *)(uintptr_t)e->ctx.site;
	uint64_t gen = cpu->code_gen, v = e->ctx.fill_lin;

	if (cpu->cpl != 0 || x86_debug_active(cpu) || e->seen_gen != gen || e->stale)
		return 0;
	if (e->ctx.fill_arg) {
		x86_tlb_flush_page(cpu, v);
	} else {
		if (!x86_cr3_ok(cpu, v))
			return 0;
		x86_write_cr(cpu, 3, v);
	}
	e->c.tlb_ops++;
	if (bt_flush_in_place(e, s, gen, cpu->cr0, cpu->cr4) == cpu->code_gen && !e->stale && !s->block->dead)
		return 1;
	e->tlbop_done = true;
	e->tlbop_gen = gen;
	return 0;
}
