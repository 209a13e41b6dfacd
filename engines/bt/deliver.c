/* Exceptions raised by a helper's handler, delivered in place: through
 * the IDT by the shared code (engines/x86/except.c), after which
 * bt_helper goes on at the handler's translation through the jump cache,
 * as after SYSCALL or INT n, instead of unwinding to x86_run and the
 * dispatcher (longjmp, run_blocks, block lookup, enter stub).
 *
 * Catching costs a setjmp per call, so only sites that are likely to
 * fault catch (catches() below): probe misses (#PF; not once one reached
 * MMIO), DIV/IDIV (#DE), every helper of a CPL 3 block (#GP of privileged
 * instructions...) but SYSCALL and INT n.  UD2 and invalid opcodes always
 * fault: #UD is taken without calling anything.
 * A fault of the delivery itself (a bad IDT entry, an unmapped stack)
 * goes to x86_run as before: #DF, triple fault. */
#include <setjmp.h>

#include "engines/bt/bt.h"
#include "engines/core/lapic.h"
#include "engines/core/vm.h"
#include "engines/x86/ops.h"

/* Is s a kernel entry or return, or an instruction that only faults:
 * one that touches no LAPIC, PIC or timer state by itself? */
static bool irq_neutral(const struct bt_site *s)
{
	unsigned id = s->in.id;

	return s->kind == SITE_SLOW || id == X86_INS_IRETQ || id == X86_INS_IRETD || id == X86_INS_IRET ||
	       id == X86_INS_SYSCALL || id == X86_INS_SYSRET || id == X86_INS_INT || id == X86_INS_INT3 ||
	       id == X86_INS_INT1 || id == X86_INS_DIV || id == X86_INS_IDIV || s->in.fn == x86_op_ud;
}

static bool catches(const struct bt_site *s, bool user)
{
	if (s->kind == SITE_SLOW)
		return true;
	if (s->kind != SITE_HELPER)
		return false;
	/* SYSCALL, INT n, INT3 deliver by themselves: a fault of theirs is
	 * rare (SYSCALL with EFER.SCE clear, a gate's DPL) and goes the slow way. */
	if (s->in.id == X86_INS_SYSCALL || s->in.id == X86_INS_INT || s->in.id == X86_INS_INT3 ||
	    s->in.id == X86_INS_INT1)
		return false;
	return user || s->in.id == X86_INS_DIV || s->in.id == X86_INS_IDIV ||
	       s->in.fn == x86_op_ud || s->in.fn == x86_op_unimpl;
}

void bt_site_classify(struct bt_site *s, bool user)
{
	bool call = s->kind == SITE_HELPER || s->kind == SITE_SLOW;

	s->catches = call && catches(s, user);
	s->irq_neutral = call && irq_neutral(s);
}

/* A separate function: its frame holds the jmp_buf while the handler runs. */
static void call_catching(struct engine *e, struct bt_site *s)
{
	struct x86_cpu *cpu = &e->cpu;
	jmp_buf jb;

	if (setjmp(jb)) {
		/* x86_raise cleared fault_catch: a fault while delivering
		 * longjmps to x86_run. */
		e->c.faults_in_place++;
		x86_take_fault(cpu);
		return;
	}
	cpu->fault_catch = &jb;
	s->in.fn(cpu, &s->in);
	cpu->fault_catch = NULL;
}

void bt_call_site(struct engine *e, struct bt_site *s)
{
	struct x86_cpu *cpu = &e->cpu;

	if (!s->catches) {
		s->in.fn(cpu, &s->in);          /* faults longjmp to bt_run */
		return;
	}
	if (s->in.fn == x86_op_ud) {
		e->c.faults_in_place++;
		x86_fault_now(cpu, X86_UD, 0, 0);
	} else {
		call_catching(e, s);
	}
	/* As x86_run after a fault: an exit the instruction readied before
	 * it faulted is taken (bt_helper leaves on pending). */
	if (cpu->exit_ready)
		cpu->pending = true;
}

/* Did the call leave the LAPIC and the PIC alone: an irq_neutral
 * instruction with no port or MMIO access on the way?  Then an IRR known
 * empty before it (irq_hint 0) still is, and the interrupt check IRET and
 * SYSRET ask for finds nothing unless an NMI waits: syscall, int80 and
 * the exception round trips no longer scan the LAPIC per return (a timer
 * expiry sets exit_req). */
static bool bt_lapic_kept(struct engine *e, const struct bt_site *s, uint64_t mmio, uint64_t io)
{
	const struct x86_cpu *cpu = &e->cpu;

	return s->irq_neutral && cpu->cnt.exits[VM_EXIT_MMIO] == mmio && cpu->cnt.exits[VM_EXIT_IO] == io &&
	       e->vm && e->vm->lapic;
}

void bt_irr_still_empty(struct engine *e, const struct bt_site *s, uint8_t hint0, uint64_t mmio, uint64_t io)
{
	struct x86_cpu *cpu = &e->cpu;

	if (hint0 != 0 || !bt_lapic_kept(e, s, mmio, io))
		return;
	e->ctx.irq_hint = 0;
	if (cpu->irq_check && !cpu->pending && cpu->replay_pos == cpu->replay_n && !lapic_nmi_pending(e->vm->lapic))
		cpu->irq_check = false;
}
