/* --lockstep: the interpreter runs every block beside the translator and
 * the two guest states are compared at every block boundary.
 *
 * Before a block runs translated, a shadow CPU (the shared semantics, as
 * interp runs them) starts from the same state and steps the block's
 * instructions over the same RAM; every shadow write is logged with the
 * bytes it replaced (the shadow marks every page as code, so every write
 * takes the logged path) and undone afterwards, keeping the final bytes.
 * Then the block runs translated, and registers, flags, control state and
 * the bytes the shadow wrote must all agree.  Blocks whose outcome depends
 * on the outside world (MMIO, port input, the TSC) or that ended by an
 * exit or a fault are counted as unchecked. */
#include <capstone/capstone.h>
#include <inttypes.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engines/bt/bt.h"
#include "engines/core/lapic.h"
#include "engines/core/vm.h"
#include "engines/x86/insn_info.h"

#define LOG_MAX 4096

struct wlog {
	uint64_t pa;
	unsigned size;
	uint8_t old[8], fin[8];
};

struct bt_lockstep {
	struct x86_cpu sh;
	struct vm svm;                  /* the VM as the shadow sees it: no MMIO devices */
	struct wlog log[LOG_MAX];
	unsigned nlog;
	bool overflow, open, valid;
	uint64_t insns_before, sh_insns;
	uint64_t io_before;             /* port I/O the real devices answered in place */
	struct cpu_state sh_state;
};

static void log_write(void *ctx, uint64_t pa, unsigned size)
{
	struct bt_lockstep *ls = ctx;
	struct wlog *w;

	if (ls->nlog == LOG_MAX || size > 8) {
		ls->overflow = true;
		return;
	}
	w = &ls->log[ls->nlog++];
	w->pa = pa;
	w->size = size;
	memcpy(w->old, ls->sh.ram + pa, size);
}

int bt_lockstep_init(struct engine *e, char *err, size_t len)
{
	struct bt_lockstep *ls = calloc(1, sizeof(*ls));

	if (!ls) {
		snprintf(err, len, "out of memory for lockstep");
		return -1;
	}
	ls->svm = *e->vm;
	memset(&ls->svm.mmio, 0, sizeof(ls->svm.mmio));
	ls->svm.mmio.name = "mmio (lockstep shadow)";
	/* No ports either: an OUT the real VM's devices answer in place
	 * leaves the shadow (its block is not compared), never reaches them. */
	memset(&ls->svm.pio, 0, sizeof(ls->svm.pio));
	ls->svm.pio.name = "pio (lockstep shadow)";
	x86_cpu_init(&ls->sh, &ls->svm, "bt");
	ls->sh.code_pages = malloc((e->vm->ram_size >> 12) + 1);
	if (!ls->sh.code_pages) {
		free(ls);
		snprintf(err, len, "out of memory for lockstep");
		return -1;
	}
	memset(ls->sh.code_pages, 1, (e->vm->ram_size >> 12) + 1);
	ls->sh.code_write = log_write;
	ls->sh.code_ctx = ls;
	e->ls = ls;
	return 0;
}

void bt_lockstep_free(struct engine *e)
{
	if (e->ls) {
		free(e->ls->sh.code_pages);
		free(e->ls);
		e->ls = NULL;
	}
}

/* Instructions whose result the shadow cannot reproduce: the table's
 * "world" sensitivity (insn_table.h). */
static bool outside_world(const struct bt_block *b, const uint8_t *code)
{
	int32_t off = 0;

	for (unsigned i = 0; i < b->n; i++) {
		struct x86_inst in;
		unsigned len = x86_decode(code + off, 0x1000 - (unsigned)((b->pa + off) & 0xfff), 64, &in);
		if (x86_insn_info(in.id)->sens == X86_SENS_WORLD)
			return true;
		off = bt_next_off(b, i, off, len ? len : 1);
	}
	return false;
}

/* The shadow steps the block; a separate function for setjmp's sake. */
static void shadow_run(struct bt_lockstep *ls, const struct bt_block *b)
{
	struct x86_cpu *sh = &ls->sh;
	uint64_t mmio = sh->cnt.exits[VM_EXIT_MMIO];

	switch (setjmp(sh->jb)) {
	case 0:
		break;
	case X86_JMP_FAULT:
		ls->valid = false;              /* the translated run faults too: not compared */
		return;
	default:
		ls->valid = false;
		return;
	}
	for (unsigned i = 0; i < b->n; i++) {
		x86_step(sh);
		ls->sh_insns++;
		if (sh->pending || sh->exit_ready || sh->halted)
			break;
		/* Left the straight line: a taken branch ends the block. */
		if (!bt_block_holds(b, (int64_t)(sh->rip - b->rip)))
			break;
	}
	if (sh->cnt.exits[VM_EXIT_MMIO] != mmio || ls->overflow)
		ls->valid = false;
}

void bt_lockstep_before(struct engine *e, const struct bt_block *b)
{
	struct bt_lockstep *ls = e->ls;
	struct cpu_state st;

	if (ls->open)
		e->c.lockstep_unchecked++;      /* the previous block faulted or left for I/O */
	ls->open = true;
	ls->valid = !outside_world(b, e->cpu.ram + b->pa);
	ls->nlog = 0;
	ls->overflow = false;
	ls->sh_insns = 0;
	ls->insns_before = e->cpu.cnt.insns;
	ls->io_before = e->cpu.cnt.exits[VM_EXIT_IO];
	if (!ls->valid)
		return;
	x86_get_state(&e->cpu, &st);
	x86_set_state(&ls->sh, &st);            /* empties the shadow's TLB too */
	ls->sh.sti_shadow = e->cpu.sti_shadow;
	ls->sh.sti_shadow_rip = e->cpu.sti_shadow_rip;
	ls->sh.halted = ls->sh.pending = ls->sh.exit_ready = false;
	ls->sh.fault_depth = 0;
	ls->sh.replay_n = ls->sh.replay_pos = 0;
	shadow_run(ls, b);
	x86_get_state(&ls->sh, &ls->sh_state);
	/* The TPR (CR8) is the one device state the shadow shares. */
	if (e->vm->lapic)
		lapic_set_tpr(e->vm->lapic, (uint8_t)((st.cr8 & 15) << 4));
	for (unsigned i = 0; i < ls->nlog; i++)
		memcpy(ls->log[i].fin, e->cpu.ram + ls->log[i].pa, ls->log[i].size);
	for (unsigned i = ls->nlog; i-- > 0;)
		memcpy(e->cpu.ram + ls->log[i].pa, ls->log[i].old, ls->log[i].size);
}

static const char *const gpr_names[16] = { "rax", "rcx", "rdx", "rbx", "rsp", "rbp", "rsi", "rdi",
	"r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15" };

static void print_state(const char *who, const struct cpu_state *s)
{
	fprintf(stderr, "  %-6s rip %016" PRIx64 " rflags %08" PRIx64 " cr0 %" PRIx64 " cr3 %" PRIx64 "\n",
		who, s->rip, s->rflags, s->cr0, s->cr3);
	for (int r = 0; r < 16; r++)
		fprintf(stderr, "%s%s %016" PRIx64 "%s", r % 4 ? "  " : "         ", gpr_names[r], s->gpr[r],
			r % 4 == 3 ? "\n" : "");
}

/* Padding bytes of segments and descriptor-table registers zeroed: the
 * states are compared whole, and the semantics build segments on the
 * stack (compound literals, locals) with padding left as it was. */
static void clear_padding(struct cpu_state *st)
{
	struct segment *segs[S_COUNT + 2];

	for (int i = 0; i < S_COUNT; i++)
		segs[i] = &st->seg[i];
	segs[S_COUNT] = &st->tr;
	segs[S_COUNT + 1] = &st->ldtr;
	for (int i = 0; i < S_COUNT + 2; i++) {
		struct segment t, *g = segs[i];
		memset(&t, 0, sizeof(t));
		t.base = g->base; t.limit = g->limit; t.selector = g->selector; t.type = g->type;
		t.present = g->present; t.dpl = g->dpl; t.db = g->db; t.s = g->s; t.l = g->l; t.g = g->g;
		t.avl = g->avl; t.unusable = g->unusable;
		memcpy(g, &t, sizeof(t));
	}
	struct dtable *dts[2] = { &st->gdt, &st->idt };
	for (int i = 0; i < 2; i++) {
		struct dtable t;
		memset(&t, 0, sizeof(t));
		t.base = dts[i]->base;
		t.limit = dts[i]->limit;
		memcpy(dts[i], &t, sizeof(t));
	}
}

void bt_lockstep_after(struct engine *e, const struct bt_block *b)
{
	struct bt_lockstep *ls = e->ls;
	struct x86_cpu *cpu = &e->cpu;
	struct cpu_state bt;
	char what[160] = "";

	ls->open = false;
	/* A device answered in place (the doorbell writes guest memory):
	 * the shadow, which has none, cannot follow. */
	if (!ls->valid || cpu->cnt.insns - ls->insns_before != ls->sh_insns || cpu->exit_ready ||
	    cpu->cnt.exits[VM_EXIT_IO] != ls->io_before) {
		e->c.lockstep_unchecked++;
		return;
	}
	e->c.lockstep_blocks++;
	x86_get_state(cpu, &bt);
	for (int r = 0; r < 16 && !*what; r++)
		if (bt.gpr[r] != ls->sh_state.gpr[r])
			snprintf(what, sizeof(what), "%s", gpr_names[r]);
	if (!*what && bt.rip != ls->sh_state.rip)
		snprintf(what, sizeof(what), "rip");
	if (!*what && bt.rflags != ls->sh_state.rflags)
		snprintf(what, sizeof(what), "rflags");
	clear_padding(&bt);
	clear_padding(&ls->sh_state);
	for (int r = 0; r < 16 && !*what; r++)
		if (memcmp(bt.xmm[r], ls->sh_state.xmm[r], 16))
			snprintf(what, sizeof(what), "xmm%d", r);
	if (!*what && bt.mxcsr != ls->sh_state.mxcsr)
		snprintf(what, sizeof(what), "mxcsr (bt %#x, interp %#x)", bt.mxcsr, ls->sh_state.mxcsr);
	if (!*what && memcmp(&bt, &ls->sh_state, sizeof(bt)))
		snprintf(what, sizeof(what), "system state (segments, control registers, MSRs)");
	for (unsigned i = 0; i < ls->nlog && !*what; i++)
		if (memcmp(cpu->ram + ls->log[i].pa, ls->log[i].fin, ls->log[i].size))
			snprintf(what, sizeof(what), "memory at physical %#" PRIx64, ls->log[i].pa);
	if (!*what)
		return;
	fprintf(stderr, "lockstep: bt and interp differ in %s after the block at %#" PRIx64
		" (%" PRIu64 " instructions)\n", what, b->rip, ls->sh_insns);
	print_state("bt", &bt);
	print_state("interp", &ls->sh_state);
	bt_show_block(e, b, stderr);
	x86_internal_error(cpu, "lockstep: bt and interp differ in %s after the block at %#" PRIx64,
			   what, b->rip);
	x86_exit_now(cpu);
}
