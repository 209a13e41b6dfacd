/* The interrupt check after a helper's handler, inline for both helper
 * paths (loop.c, lean.c): it runs after nearly every port access, MMIO
 * access and hypercall. */
#ifndef RINGBENCH_BT_SETTLE_H
#define RINGBENCH_BT_SETTLE_H

#include "engines/bt/bt.h"
#include "engines/core/lapic.h"
#include "engines/core/vm.h"

/* loop.c: arm the host timer for the VM core's next deadline. */
void bt_rearm_tick(struct engine *e);

/* STI, POPF, IRET, CR8 writes, MMIO, port I/O and hypercalls answered in
 * place ask for an interrupt check (irq_check); where nothing is
 * deliverable it is done here, without leaving translated code: with
 * interrupts off and no NMI, as x86_check_irq finds first (port I/O, MMIO
 * and CR8 writes in a CLI section), without running the device timers (an
 * expired one sets exit_req); else when nothing is pending at all.  Then
 * irq_hint says whether the IRR holds anything, so inline STI, POPF and
 * CR8 writes go on without asking; with interrupts off and !exact_hint
 * it stays 1, as the helper call set it: the next of those asks once
 * (the lean helpers: an IN or OUT spares the look at the IRR). */
static inline void bt_settle_irq(struct engine *e, bool exact_hint)
{
	struct x86_cpu *cpu = &e->cpu;
	struct lapic *l;

	if (!cpu->irq_check || cpu->pending || cpu->replay_pos != cpu->replay_n || !e->vm || !(l = e->vm->lapic))
		return;
	bool off = !(cpu->rflags & F_IF) && (cpu->nmi_blocked || !lapic_nmi_pending(l));
	if (off || (lapic_pending(l) < 0 && !lapic_nmi_pending(l) && !lapic_extint_pending(l))) {
		cpu->irq_check = false;
		if (exact_hint || !off)
			e->ctx.irq_hint = lapic_irr_any(l);
		if (vm_timers_next(&e->vm->timers) != e->armed_deadline)
			bt_rearm_tick(e);
	}
}

#endif
