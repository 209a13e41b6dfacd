/* The translator's dispatcher: find or translate the block at RIP, link
 * the exit that led here to it, run translated code until it leaves, and
 * act on why it left.  Also bt_helper(), the one way translated code calls
 * the shared x86 semantics (engines/x86) for an instruction.
 *
 * Interrupts: translated code checks ctx.exit_req at every block entry, so
 * chained loops cannot starve the timer.  A host timer armed at the
 * software LAPIC's next deadline sets it; so do kick() and the stop. */

#include <setjmp.h>
#include <signal.h>
#include <string.h>
#include <time.h>

#include "engines/bt/bt.h"
#include "engines/bt/settle.h"
#include "engines/core/lapic.h"
#include "engines/core/vm.h"
#include "engines/x86/sse.h"

#define IRQ_POLL_ENTRIES 64

/* The engine whose exit_req the tick signal sets (one bt per process runs). */
static struct engine *volatile ticking;

static void on_tick(int sig)
{
	struct engine *e = ticking;

	(void)sig;
	if (e)
		e->ctx.exit_req = 1;
}

int bt_tick_init(struct engine *e)
{
	struct sigaction sa;
	struct sigevent sev;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_tick;
	sa.sa_flags = SA_RESTART;
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGRTMIN + 1, &sa, NULL) < 0)
		return -1;
	memset(&sev, 0, sizeof(sev));
	sev.sigev_notify = SIGEV_SIGNAL;
	sev.sigev_signo = SIGRTMIN + 1;
	if (timer_create(CLOCK_MONOTONIC, &sev, &e->tick) < 0)
		return -1;
	e->have_tick = true;
	return 0;
}

void bt_tick_forget(struct engine *e)
{
	if (ticking == e)
		ticking = NULL;
}

/* Arm the host timer for the LAPIC's next deadline (CLOCK_MONOTONIC ns);
 * settle.h calls it too. */
void bt_rearm_tick(struct engine *e)
{
	uint64_t d = e->vm ? vm_timers_next(&e->vm->timers) : 0;
	struct itimerspec its;

	if (!e->have_tick || d == e->armed_deadline)
		return;
	e->armed_deadline = d;
	memset(&its, 0, sizeof(its));
	if (d) {
		its.it_value.tv_sec = (time_t)(d / 1000000000ull);
		its.it_value.tv_nsec = (long)(d % 1000000000ull);
		if (!its.it_value.tv_sec && !its.it_value.tv_nsec)
			its.it_value.tv_nsec = 1;
	}
	timer_settime(e->tick, TIMER_ABSTIME, &its, NULL);
}

/* Does linear next_rip, on block b's page, still map to b's physical
 * page (executable, at the current privilege)? */
static bool code_page_kept(struct engine *e, const struct bt_block *b, uint64_t next_rip)
{
	if ((next_rip & ~0xfffull) != (b->rip & ~0xfffull) || (e->cpu.cpl == 3) != b->user)
		return false;
	return bt_code_page_maps(e, next_rip, b->pa, b->user);
}

/* After one full TLB flush: the links across pages and the jump cache go,
 * but for a flush that kept the global pages (MOV CR3 with CR4.PGE) those
 * between blocks on global pages stay, as the TLB's entries for those
 * pages do: Linux's kernel text is global, so a context switch no longer
 * sends every kernel block back through the dispatcher. */
static void forget_links(struct engine *e)
{
	const struct x86_cpu *cpu = &e->cpu;

	if (cpu->flush_global_gen != cpu->code_gen) {
		bt_unlink_cross_nonglobal(e);
		bt_jc_clear_nonglobal(e);
	} else {
		bt_unlink_cross(e);
		bt_jc_clear(e);
	}
}

int bt_helper(struct engine *e)
{
	struct x86_cpu *cpu = &e->cpu;
	struct bt_site *s = (struct bt_site *)(uintptr_t)e->ctx.site;
	uint64_t gen = cpu->code_gen, rest = s->rest;
	uint8_t hint0 = e->ctx.irq_hint;        /* 0: the IRR was known empty (bt_lapic_kept) */

	bt_helper_begin(e, s, rest);
	uint32_t leaf = (uint32_t)cpu->gpr[R_RAX], sub = (uint32_t)cpu->gpr[R_RCX];
	uint64_t cr0 = cpu->cr0, cr4 = cpu->cr4;
	uint32_t mxcsr, mxcsr_after;
	uint64_t mmio = cpu->cnt.exits[VM_EXIT_MMIO], io = cpu->cnt.exits[VM_EXIT_IO];
	memcpy(&mxcsr, cpu->fx + FX_MXCSR, 4);
	bt_call_site(e, s);                     /* a fault: delivered here, or longjmp to bt_run */
	if (s->in.id == X86_INS_CPUID && s->kind == SITE_HELPER && leaf != 1 && cpu->rip == s->next_rip) {
		/* For the inline lookup (translate.c): a function of leaf and
		 * subleaf alone; not leaf 1, whose OSXSAVE bit is CR4's. */
		struct bt_cpuid_entry *c = &e->cpuid[(uint8_t)(leaf + 8 * sub)];
		*c = (struct bt_cpuid_entry){ (uint32_t)-leaf, (uint32_t)-sub,
			{ (uint32_t)cpu->gpr[R_RAX], (uint32_t)cpu->gpr[R_RBX], (uint32_t)cpu->gpr[R_RCX],
			  (uint32_t)cpu->gpr[R_RDX] }, 0 };
	}
	bt_slow_note_mmio(e, s, mmio);
	flags_out(e);
	/* ctx.sse_ok is a function of CR0, CR4 and MXCSR alone. */
	memcpy(&mxcsr_after, cpu->fx + FX_MXCSR, 4);
	if (cpu->cr0 != cr0 || cpu->cr4 != cr4 || mxcsr_after != mxcsr)
		bt_sse_gate(e);
	bt_helper_clear_pending(e);
	bt_irr_still_empty(e, s, hint0, mmio, io);
	return bt_helper_finish(e, s, gen, cr0, cr4);
}

void bt_helper_clear_pending(struct engine *e)
{
	struct x86_cpu *cpu = &e->cpu;

	if (cpu->pending && !cpu->exit_ready && !cpu->halted && !e->stale && !(e->vm && e->vm->finished))
		cpu->pending = false;
}

uint64_t bt_flush_in_place(struct engine *e, const struct bt_site *s, uint64_t gen, uint64_t cr0, uint64_t cr4)
{
	struct x86_cpu *cpu = &e->cpu;
	const struct bt_block *b = s->block;

	/* A flush of one page holding no translation (INVLPG of a data page)
	 * leaves links, the jump cache and this block as they are: go on in
	 * place, as the dispatcher would after it.  One holding translations
	 * but not this block's page: the links into it and its jump-cache
	 * entries go, and this block goes on. */
	if (cpu->code_gen == gen + 1 && e->seen_gen == gen && cpu->flush_all_gen <= gen &&
	    (b->rip & ~0xfffull) - cpu->flush_page >= cpu->flush_size) {
		if (bt_vpage_has_range(e, cpu->flush_page, cpu->flush_size))
			bt_forget_range(e, cpu->flush_page, cpu->flush_size);
		e->seen_gen = gen = cpu->code_gen;
	}
	/* A full flush by a CR3 write (CR0 and CR4 unchanged) that leaves
	 * this block's code page mapped where it was: links within pages and
	 * this block hold; links across pages and the jump cache go, as the
	 * dispatcher would do; go on in place (one walk for the code page,
	 * which the next fetch would need anyway). */
	if (cpu->code_gen == gen + 1 && e->seen_gen == gen && cpu->flush_all_gen == cpu->code_gen &&
	    cpu->cr0 == cr0 && cpu->cr4 == cr4 && cpu->mode == 64 && code_page_kept(e, b, s->next_rip)) {
		forget_links(e);
		e->seen_gen = gen = cpu->code_gen;
	}
	return gen;
}

int bt_helper_finish(struct engine *e, const struct bt_site *s, uint64_t gen, uint64_t cr0, uint64_t cr4)
{
	struct x86_cpu *cpu = &e->cpu;
	const struct bt_block *b = s->block;
	uint64_t rest = s->rest;

	bt_settle_irq(e, true);
	if (cpu->code_gen != gen)
		gen = bt_flush_in_place(e, s, gen, cr0, cr4);
	/* Translated code runs at CPL 0 or 3 only (kernel blocks assume
	 * CPL 0): CPL 1 and 2 are the dispatcher's to step. */
	bool leave = bt_flag(&cpu->pending) || bt_flag(&cpu->halted) || cpu->code_gen != gen || e->stale ||
		     cpu->mode != 64 ||
		     e->ctx.exit_req || x86_debug_active(cpu) || cpu->cpl == 1 || cpu->cpl == 2;
	/* An interrupt the checks above left deliverable (a self-IPI, an
	 * EOI unmasking the next): delivered here, with the dispatcher's
	 * x86_check_irq, and on through the jump cache below; not under
	 * lockstep, whose shadow runs the block without it. */
	if (cpu->irq_check && !leave && !e->ls && cpu->replay_pos == cpu->replay_n) {
		if (x86_check_irq(cpu))
			e->c.irqs_in_place++;
		bt_rearm_tick(e);
		leave = cpu->cpl == 1 || cpu->cpl == 2;
	}
	if (leave || cpu->irq_check) {
		e->ctx.site = 0;                /* leave; continue at cpu->rip */
		return BT_HELPER_LEAVE;
	}
	if (cpu->rip != s->next_rip || (cpu->cpl == 3) != b->user) {
		/* A transfer (SYSCALL, IRETQ, INT, far RET...): straight to its
		 * target's translation when the jump cache knows it (not under
		 * lockstep, which compares one block at a time). */
		const struct bt_jc_entry *j = &e->jc[cpu->cpl == 3][cpu->rip & (BT_JC_SIZE - 1)];
		if (j->rip == cpu->rip && j->epoch == e->ctx.jc_epoch && j->block && !e->ls) {
			e->ctx.jt = (uint64_t)(uintptr_t)j->host;
			e->c.helper_jumps++;
			return BT_HELPER_JUMP;
		}
		e->ctx.site = 0;
		return BT_HELPER_LEAVE;
	}
	cpu->cnt.insns += rest;
	return BT_HELPER_CONTINUE;
}

int bt_tlb_fill(struct engine *e)
{
	uint64_t arg = e->ctx.fill_arg, lin = e->ctx.fill_lin;
	unsigned size = (unsigned)(arg & 0xffff);
	uint64_t key = (lin & ~0xfffull) | ((arg >> 16) ? 2 : 0) | (e->cpu.cpl == 3);

	if (key == e->nofill_key && e->nofill_gen == e->cpu.code_gen)
		return 0;
	e->c.fills++;
	int ok = x86_tlb_fill_quiet(&e->cpu, lin, size, (arg >> 16) ? ACC_W : ACC_R);
	/* Not after a page fault: the guest's handler maps the page and the
	 * instruction comes back (demand paging), when a refill does hit. */
	if (!ok && (lin & 0xfff) + size <= 0x1000 && !e->cpu.quiet_fault) {
		e->nofill_key = key;
		e->nofill_gen = e->cpu.code_gen;
	}
	return ok;
}

struct bt_block *bt_find_block(struct engine *e)
{
	struct x86_cpu *cpu = &e->cpu;
	uint64_t lin = cpu->rip, pa;
	bool user = cpu->cpl == 3;
	const struct bt_jc_entry *j = &e->jc[user][lin & (BT_JC_SIZE - 1)];
	const struct x86_tlb_entry *t;
	const uint8_t *p;
	unsigned avail;
	struct bt_block *b;

	/* The jump cache holds blocks whose mapping is unchanged since it
	 * was last emptied; its host address leads back to the block. */
	if (j->rip == lin && j->epoch == e->ctx.jc_epoch && j->block) {
		e->c.hits++;
		return j->block;
	}
	t = x86_tlb(cpu, lin);
	if (__builtin_expect(t->tag_x == (lin & ~0xfffull), 1)) {
		pa = t->pa | (lin & 0xfff);
	} else {
		p = x86_fetch_ptr(cpu, lin, &pa, &avail);      /* may raise #PF */
		if (!p) {
			x86_internal_error(cpu, "execution from non-RAM address %#llx (rip %#llx)",
					   (unsigned long long)pa, (unsigned long long)cpu->rip);
			x86_exit_now(cpu);
		}
	}
	/* A known cut instruction first: it has no block (none is made while
	 * it is known), and the decompressor's loop asks millions of times. */
	if (bt_cut_known(e, lin, pa, user))
		return NULL;
	b = bt_lookup(e, lin, pa, user);
	if (b) {
		e->c.hits++;
		return b;
	}
	b = bt_translate(e, lin, pa, user);
	if (!b)
		bt_cut_note(e, lin, pa, user);
	else
		b->global = (t = x86_tlb(cpu, lin))->tag_x == (lin & ~0xfffull) && t->global;
	return b;
}


/* One instruction by the interpreter, counted. */
static void step(struct engine *e)
{
	e->c.steps++;
	x86_step(&e->cpu);
}

static void step_hook(void *e) { step(e); }

/* Run translated code until something needs the outer loop.  A separate
 * function so its locals start afresh after every longjmp. */
static void run_blocks(struct engine *e)
{
	struct x86_cpu *cpu = &e->cpu;
	volatile sig_atomic_t *stop = e->vm ? &e->vm->stop_requested : NULL;
	struct bt_site *from = NULL;    /* chain exit to link to the next block */

	for (;;) {
		if (stop && *stop)
			return;
		/* No interrupt before an IN that left for its data has taken it;
		 * nor at the instruction an STI shadows: that one runs first
		 * (below), else chained blocks could run on past it, to a CLI,
		 * with the check deferred each time round a loop. */
		bool in_shadow = cpu->sti_shadow && cpu->rip == cpu->sti_shadow_rip;
		if (!in_shadow && (e->ctx.exit_req || cpu->irq_check || --e->poll == 0)) {
			e->ctx.exit_req = 0;
			if (cpu->replay_pos == cpu->replay_n) {
				e->poll = IRQ_POLL_ENTRIES;
				e->c.polls++;
				/* A delivered interrupt moves RIP to its handler: the
				 * exit just taken must not be linked to that block. */
				if (x86_check_irq(cpu))
					from = NULL;
				bt_rearm_tick(e);
			} else {
				/* A tick while an IN waits to take its data: look
				 * once it has (a block left at entry for exit_req
				 * would never reach the IN). */
				cpu->irq_check = true;
			}
		}
		e->stale = false;
		if (cpu->code_gen != e->seen_gen) {
			/* Translations hold while the pages they came from keep
			 * their mapping: a flush of one page holding none leaves
			 * links and the jump cache alone. */
			bool all = cpu->flush_all_gen > e->seen_gen || cpu->code_gen - e->seen_gen > 1;
			if (cpu->code_gen - e->seen_gen == 1 && cpu->flush_all_gen == cpu->code_gen) {
				forget_links(e);
				from = NULL;
			} else if (all) {
				bt_unlink_cross(e);
				bt_jc_clear(e);
				from = NULL;
			} else if (bt_vpage_has_range(e, cpu->flush_page, cpu->flush_size)) {
				bt_forget_range(e, cpu->flush_page, cpu->flush_size);
				from = NULL;
			}
			e->seen_gen = cpu->code_gen;
		}
		/* TF or a DR0-DR3 breakpoint: one instruction at a time, by
		 * the interpreter (debug.c). */
		if (x86_debug_active(cpu)) {
			x86_debug_step(cpu, step_hook, e);
			from = NULL;
			if (cpu->pending)
				return;
			continue;
		}
		/* The instruction in an STI shadow: the shadow ends after it.
		 * With an interrupt waiting it runs alone and the check follows;
		 * else it runs translated, and a poll exit right at its entry
		 * (before it ran) steps it first. */
		uint64_t hold = ~0ull;
		bool shadow_step = false;
		if (in_shadow) {
			cpu->sti_shadow = false;
			shadow_step = x86_irq_waiting(cpu);
			hold = cpu->rip;
		}
		struct bt_block *b = NULL;
		/* Kernel blocks are translated for CPL 0 (inline CLI, STI,
		 * MOV from CR... check no privilege): CPL 1 and 2 are stepped. */
		if (!shadow_step && cpu->mode == 64 && (cpu->cpl == 0 || cpu->cpl == 3)) {
			uint64_t flushes = e->c.flushes;
			b = bt_find_block(e);
			if (e->c.flushes != flushes)
				from = NULL;    /* its block went with the cache */
		}
		/* One instruction by the interpreter: outside 64-bit mode, cut
		 * by the page end, or the STI-shadowed one an interrupt waits
		 * behind (the check follows it). */
		if (!b) {
			if (shadow_step || cpu->mode != 64 || (cpu->cpl != 0 && cpu->cpl != 3))
				step(e);
			else
				bt_cut_step(e);
			cpu->irq_check |= shadow_step;
			from = NULL;
			if (cpu->pending)
				return;
			continue;
		}
		if (from && !e->ls)
			bt_link(e, from, b);
		from = NULL;
		if (!e->ls) {
			bt_jc_set(e, b);
		} else {
			bt_lockstep_before(e, b);
		}
		e->ctx.target = (uint64_t)(uintptr_t)b->host;
		e->ctx.site = 0;
		e->ctx.irq_hint = 1;    /* anything may have happened out here */
		flags_out(e);
		bt_sse_gate(e);
		e->c.entries++;
		e->enter();
		merge_flags(e);
		struct bt_site *s = (struct bt_site *)(uintptr_t)e->ctx.site;
		if (s) {
			switch (s->kind) {
			case SITE_CHAIN:
				cpu->rip = s->target;
				if (!s->linked)
					from = s;
				break;
			case SITE_ENTRY: {
				/* The entry clobbered flags nothing had read yet: step
				 * to where every flag is defined again, so an interrupt
				 * frame holds the exact ones (copied instructions only:
				 * no fault on the way); and an STI-shadowed first
				 * instruction runs before any interrupt. */
				unsigned n = s->quiet ? s->quiet : s->target == hold;
				cpu->rip = s->target;
				for (unsigned k = 0; k < n; k++)
					step(e);
				if (s->target == hold)
					cpu->irq_check = true;
				break;
			}
			case SITE_IND:
				/* Nothing of the branch is done: the shared handler
				 * runs it (a bad target faults here, at the branch). */
				e->c.jc_misses++;
				cpu->rip = s->rip;
				s->in.fn(cpu, &s->in);
				if (s->ic_chain && !e->ls)
					bt_ic_train(e, s, cpu->rip);   /* a RET returned there */
				break;
			}
		}
		if (e->ls)
			bt_lockstep_after(e, b);
		if (cpu->pending)
			return;
	}
}

static void run_blocks_hook(void *e) { run_blocks(e); }
static void rearm_hook(void *e) { bt_rearm_tick(e); }

int bt_run(struct engine *e, struct vm_exit *exit)
{
	static const struct x86_run_hooks hooks = { run_blocks_hook, rearm_hook, NULL };

	ticking = e;
	return x86_run(&e->cpu, &e->ex, exit, &hooks, e);
}
