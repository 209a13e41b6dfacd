/* The interpreter's main loop: at each block boundary poll the stop flag
 * and (every few blocks, or when something changed) the LAPIC; look the
 * block up by the physical address of RIP; run its handlers in order. */
#include <setjmp.h>

#include "engines/core/vm.h"
#include "engines/interp/interp.h"

#define IRQ_POLL_BLOCKS 64

static struct block *find_block(struct engine *e, struct x86_cpu *cpu)
{
	uint64_t lin = (cpu->seg_base[S_CS] + cpu->rip) & cpu->lin_mask, pa;
	struct x86_tlb_entry *t = x86_tlb(cpu, lin);
	const uint8_t *p;
	unsigned avail;
	struct block *b;

	if (__builtin_expect(t->tag_x == (lin & ~0xfffull), 1)) {
		pa = t->pa | (lin & 0xfff);
		b = bc_lookup(&e->bc, pa, cpu->mode);
		if (b)
			return b;
	}
	p = x86_fetch_ptr(cpu, lin, &pa, &avail);      /* may raise #PF */
	if (!p) {
		x86_internal_error(cpu, "execution from non-RAM address %#llx (rip %#llx)",
				   (unsigned long long)pa, (unsigned long long)cpu->rip);
		x86_exit_now(cpu);
	}
	b = bc_lookup(&e->bc, pa, cpu->mode);
	return b ? b : bc_build(&e->bc, cpu, pa, p, avail, cpu->mode);
}


/* The successor prev's chain links know for this RIP, CPL and mode. */
static inline struct block *follow_link(const struct block *prev, const struct x86_cpu *cpu)
{
	for (int k = 0; k < 2; k++) {
		const struct block_link *l = &prev->link[k];
		if (l->rip == cpu->rip && l->gen == cpu->code_gen && l->cpl == cpu->cpl &&
		    l->mode == cpu->mode)
			return l->to;
	}
	return NULL;
}

/* Run blocks until something needs the outer loop: an exit, a halt, an
 * invalidated block, the stop flag.  A separate function so that prev
 * starts afresh after every longjmp. */
static void step_hook(void *cpu) { x86_step(cpu); }

static void run_blocks(struct engine *e)
{
	struct x86_cpu *cpu = &e->cpu;
	static const volatile sig_atomic_t no_stop;
	const volatile sig_atomic_t *stop = e->vm ? &e->vm->stop_requested : &no_stop;
	struct block *prev = NULL, *b;

	for (;;) {
		if (*stop)
			return;
		/* No interrupt before the IN that left for its data has
		 * re-executed and taken it (cpu->replay). */
		if ((cpu->irq_check || --e->poll == 0) && cpu->replay_pos == cpu->replay_n) {
			e->poll = IRQ_POLL_BLOCKS;
			x86_check_irq(cpu);
		}
		/* The instruction in an interrupt shadow (STI, MOV SS): with
		 * an interrupt waiting it runs alone and the check follows it,
		 * not the end of its block. */
		/* TF or a DR0-DR3 breakpoint: one instruction at a time. */
		if (__builtin_expect(x86_debug_active(cpu), 0)) {
			x86_debug_step(cpu, step_hook, cpu);
			prev = NULL;
			if (cpu->pending)
				return;
			continue;
		}
		if (__builtin_expect(cpu->sti_shadow, 0) && cpu->rip == cpu->sti_shadow_rip) {
			cpu->sti_shadow = false;
			if (x86_irq_waiting(cpu)) {
				x86_step(cpu);
				cpu->irq_check = true;
				prev = NULL;
				if (cpu->pending)
					return;
				continue;
			}
		}
		b = prev ? follow_link(prev, cpu) : NULL;
		if (__builtin_expect(!b, 0)) {
			uint64_t flushes = e->bc.flushes;
			b = find_block(e, cpu);
			if (e->bc.flushes != flushes)
				prev = NULL;            /* freed with the whole cache */
			if (!b) {
				e->uncached_steps++;
				x86_step(cpu);
				prev = NULL;
				if (cpu->pending)
					return;
				continue;
			}
			if (prev) {
				/* Replace the stale slot, else the older one. */
				int k;
				if (prev->link[0].gen != cpu->code_gen)
					k = 0;
				else if (prev->link[1].gen != cpu->code_gen)
					k = 1;
				else
					k = e->link_rr ^= 1;
				prev->link[k] = (struct block_link){ cpu->rip, cpu->code_gen, b, cpu->cpl,
									 cpu->mode };
				e->links++;
			}
		}
		/* Threaded: each instruction counts itself and calls the next
		 * until one branches, sets pending or the block ends. */
		b->insn[0].tfn(cpu, b->insn);
		if (cpu->pending)
			return;
		prev = b;
	}
}

static void run_blocks_hook(void *e) { run_blocks(e); }
static void reap_hook(void *e) { bc_reap(&((struct engine *)e)->bc); }

int interp_run(struct engine *e, struct vm_exit *exit)
{
	static const struct x86_run_hooks hooks = { run_blocks_hook, NULL, reap_hook };

	return x86_run(&e->cpu, &e->ex, exit, &hooks, e);
}
