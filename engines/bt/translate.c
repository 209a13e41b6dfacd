/* Block translation: one guest block (never crossing a guest page, at most
 * BT_MAX_INSNS instructions, ending at a control transfer or a system
 * instruction) into host code in the code cache.
 *
 * Per guest instruction, by class (form.c):
 *   copy     the bytes as they are: guest GPRs are the host GPRs;
 *   mem      the memory operand becomes [H], H the host address that an
 *            inline software-TLB probe produced; a miss calls the shared
 *            handler for the whole instruction (precise faults);
 *   rsp      RSP renamed to a scratch holding the guest RSP (its home is
 *            a slot on the host stack, BT_RSP_SLOT);
 *   push, pop, leave, call, ret: stack accesses through the probe;
 *   jmp, jcc, call: patchable exits chained block to block;
 *   ret, jmp/call reg: the jump cache, else the dispatcher;
 *   helper   everything else: the interpreter's handler via helper_stub.
 * Scratch registers are saved to their homes in cpu.gpr and reloaded.  The
 * probe clobbers the host flags, which hold the guest's: they are saved
 * first (LAHF/SETO into AX, or PUSHFQ when the instruction uses RAX), so a
 * miss reaches the shared handler, and a fault its frame, with the exact
 * flags; the hit path restores them only where they are live. */
#include <assert.h>
#include <stddef.h>
#include <string.h>

#include "engines/bt/bt.h"
#include "engines/bt/emit.h"
#include "engines/bt/form.h"
#include "engines/bt/group.h"
#include "engines/core/lapic.h"
#include "engines/core/vm.h"
#include "engines/x86/insn_info.h"

/* Slow paths: at most two per instruction (PUSH [mem]; a group's member or
 * inner instruction: one on its span's plain path, one for its probe). */
#define SLOW_MAX (2 * BT_MAX_INSNS + 4)
#define STUB_MAX (2 * BT_MAX_INSNS + 4)

enum { FS_NONE, FS_AX, FS_STACK };

/* Where a probe starts and what it checks: a miss retries it after a
 * refill (fill_stub) before anything slower. */
struct probe_info {
	uint8_t *rx;
	int a;
	unsigned size;
	bool write;
};

/* The host registers a memory instruction's probe takes (take_scratch*). */
struct scratch {
	int a, e, h, r;                 /* address, TLB entry, host address, RSP stand-in */
	uint16_t saved;
	int fsave;                      /* how the flags are kept across the probe */
	bool live;                      /* ... and whether the hit path needs them back */
	bool ff;                        /* a flag-free probe: RCX taken, no flags saved */
	bool rcx_back;                  /* ... RCX the instruction's: back from its home first */
};

/* An out-of-line path after a probe miss: refill and probe again, else
 * restore what the main path saved, call the helper for the instruction,
 * continue at resume. */
struct slow_path {
	struct probe_info probe;
	uint8_t *jpos;
	struct bt_site *site;
	uint8_t *resume;                /* RX; NULL: the block's next chain exit */
	uint16_t restore;
	uint8_t fsave;
	uint8_t count;                  /* instructions from site->idx on (a fused run) */
	bool ff;                        /* after a flag-free probe: the flags untouched */
	uint8_t group_end;              /* a memory group's: its span's plain translation up to here */
	bool group_join;                /* ... the one the previous slow path emitted */
	uint16_t regroup;               /* inside a group: G registers to take back after the helper */
	bool direct;                    /* the instruction's code may jump straight to the helper call */
	/* A plain read or MOV store of emit_mem's (else NULL): where its
	 * probe's hit path starts, the scratches it took, what it reloads
	 * after the instruction.  Its access to a quiet MMIO device runs the
	 * instruction on ctx.mmio_buf instead (emit_mmio_read, _write). */
	uint8_t *hit;
	struct scratch sc;
	uint16_t after;
	int8_t rcx_in;                  /* tr.rcx_in on its main path */
	bool cnt_live;                  /* tr.cnt_live there (not in a group's plain translation) */
};

/* A patchable exit: "mov [ctx.site], site; jmp exit_stub". */
struct exit_path {
	uint8_t *jpos;                  /* rel32 of the branch to it */
	struct bt_site *site;
	uint16_t restore;               /* indirect-miss exits: registers to reload */
	uint8_t fsave;
	bool cnt_live;                  /* tr.cnt_live where it branches off */
};

/* An out-of-line helper call for an inline form's uncommon case: the
 * registers its fast path took back from their homes, the call, and back
 * after the instruction. */
struct call_path {
	uint8_t *jpos[4];
	unsigned nj;
	struct bt_site *site;
	uint16_t restore;
	uint8_t fsave;                  /* the guest flags saved, to restore first */
	uint8_t *resume;                /* RX */
	bool cnt_live;                  /* tr.cnt_live where it branches off */
};
#define CALL_MAX BT_MAX_INSNS

struct tr {
	struct engine *e;
	struct x86_cpu *cpu;
	struct emit em;
	struct bt_block *b;
	bool user;
	unsigned n;
	struct x86_inst in[BT_MAX_INSNS];
	struct bt_form f[BT_MAX_INSNS];
	uint64_t rip[BT_MAX_INSNS];
	uint8_t live[BT_MAX_INSNS + 1]; /* flags (FL_*) live before instruction i */
	struct slow_path slow[SLOW_MAX];
	struct probe_info probe;        /* the last probe emitted */
	struct scratch_run {            /* consecutive TC_MEM instructions sharing */
		unsigned start, end;    /* flag-free scratches, spilled once: [start, end) */
		int a, e, h;
		uint16_t saved;
	} run;
	unsigned nslow;
	unsigned limit;                 /* where a scratch run must end (t->n, or a group's span) */
	uint8_t *group_plain;           /* RX of the last group span's plain translation */
	uint16_t reserved;              /* registers a scratch must not be (a group's G) */
	struct exit_path exits[STUB_MAX];
	unsigned nexits;
	struct call_path calls[CALL_MAX];
	unsigned ncalls;
	int hdepth;                     /* quadwords pushed on the host stack (PUSHFQ) */
	int tcall, tret;                /* a traced CALL and its callee's RET (trace_call), or -1 */
	uint16_t hoist;                 /* scratches spilled once for a loop block (hoist_set) */
	/* A loop block's hoisted scratch that no picker takes, where a
	 * flag-free probe keeps the guest's RCX (-1: none): a register move
	 * each way, not a store and a load through cpu.gpr, whose forwarding
	 * would sit on the loop's dependency chain (rcx_keeper). */
	int rcx_keep;
	int rcx_in;                     /* rcx_keep while RCX waits there, else -1 (its home) */
	/* A loop block's hoisted scratch that counts its instructions, no
	 * picker's (-1: the count slot, [host RSP], does): LEA at each entry,
	 * no read-modify-write of memory; stored to the slot before anything
	 * reloads the hoisted scratches (reload_all), loaded back where code
	 * goes on in the loop after a helper (count_back).  cnt_live: it holds
	 * the count at this point of the code being emitted. */
	int cnt_reg;
	bool cnt_live;
	uint8_t *loop_rx;               /* ... where its back edge goes: past that spill */
	bool ax_carry;                  /* the next POPF finds the flags in AX, RAX in its home */
	bool overflow;
};

/* A guest register's home while the block runs: cpu.gpr, but RSP's is on
 * the host stack (BT_RSP_SLOT), above what a PUSHFQ put there. */
static struct hmem home(const struct tr *t, int r)
{
	if (r == R_RSP)
		return hm_base(H_RSP, BT_RSP_SLOT + 8 * t->hdepth);
	return hm_abs(&t->cpu->gpr[r]);
}
static struct hmem ctxf(const volatile void *p) { return hm_abs(p); }

/* In a loop block the hoisted scratches (t->hoist) are spilled once
 * before the loop and hold no guest value inside it: neither spilled nor
 * reloaded around each instruction, but reloaded on every way out. */
static void spill_all(struct tr *t, uint16_t set)
{
	for (int r = 0; r < 16; r++) {
		if (!(set & (1u << r)))
			continue;
		if (r == H_RCX && t->rcx_in >= 0)
			em_mov_rr(&t->em, t->rcx_in, H_RCX);
		else
			em_store(&t->em, home(t, r), r);
	}
}

static void spill(struct tr *t, uint16_t set)
{
	spill_all(t, (uint16_t)(set & ~t->hoist));
}

/* The count slot at this point ([host RSP] below what PUSHFQs put there). */
static struct hmem count_slot(const struct tr *t)
{
	return hm_base(H_RSP, 8 * t->hdepth);
}

/* RCX (from its keeper) before the hoisted scratches, the keeper among
 * them: registers in ascending order, the keeper never RAX.  The count
 * register, among them too, first goes to the count slot. */
static void reload_all(struct tr *t, uint16_t set)
{
	if (t->cnt_reg >= 0 && (set >> t->cnt_reg & 1) && t->cnt_live) {
		em_store(&t->em, count_slot(t), t->cnt_reg);
		t->cnt_live = false;
	}
	for (int r = 0; r < 16; r++) {
		if (!(set & (1u << r)))
			continue;
		if (r == H_RCX && t->rcx_in >= 0)
			em_mov_rr(&t->em, H_RCX, t->rcx_in);
		else
			em_load(&t->em, r, home(t, r));
	}
}

static void reload(struct tr *t, uint16_t set)
{
	reload_all(t, (uint16_t)(set & ~t->hoist));
}

/* Where code goes on in the loop after the hoisted scratches were
 * reloaded (a helper call, a slow path): the count register from the
 * slot, which a helper has folded into cpu.cnt.insns. */
static void count_back(struct tr *t)
{
	if (t->cnt_reg >= 0 && !t->cnt_live) {
		em_load(&t->em, t->cnt_reg, count_slot(t));
		t->cnt_live = true;
	}
}

static void flags_save(struct tr *t, int fsave)
{
	if (fsave == FS_AX) {
		em_flags_to_ax(&t->em);
	} else if (fsave == FS_STACK) {
		em_u8(&t->em, 0x9c);            /* pushfq */
		t->hdepth++;
	}
}

static void flags_restore(struct tr *t, int fsave)
{
	if (fsave == FS_AX) {
		em_flags_from_ax(&t->em);
	} else if (fsave == FS_STACK) {
		em_u8(&t->em, 0x9d);            /* popfq */
		t->hdepth--;
	}
}

/* RCX to its home before code takes it as a scratch, and back after: a
 * scratch's spill and reload.  In a loop block that names no RCX it is a
 * hoisted scratch (hoist_set): its home keeps the guest's value
 * throughout and RCX holds none to keep. */
static void rcx_to_home(struct tr *t)
{
	spill(t, 1u << H_RCX);
}

static void rcx_from_home(struct tr *t)
{
	reload(t, 1u << H_RCX);
}

/* The flags kept in AX (RAX to its home) around code that clobbers them. */
static void ax_keep_flags(struct tr *t)
{
	em_store(&t->em, home(t, H_RAX), H_RAX);
	em_flags_to_ax(&t->em);
}

static void ax_give_flags(struct tr *t)
{
	em_flags_from_ax(&t->em);
	em_load(&t->em, H_RAX, home(t, H_RAX));
}

/* The hoisted scratches of the block being translated (tr.hoist): the
 * pickers take them first, as they cost nothing to use; never its RCX
 * keeper or its count register (tr.rcx_keep, tr.cnt_reg). */
static uint16_t pick_first, pick_never;

/* First register of pref not in *avoid, one of pick_first if any is;
 * taken into *avoid. */
static int pick(uint16_t *avoid, const int8_t *pref, unsigned n)
{
	for (int pass = pick_first ? 0 : 1; pass < 2; pass++)
		for (unsigned i = 0; i < n; i++)
			if (!((*avoid | pick_never) & (1u << pref[i])) && (pass || (pick_first >> pref[i] & 1))) {
				*avoid |= (uint16_t)(1u << pref[i]);
				return pref[i];
			}
	return -1;
}

/* H: a host address register usable as ModRM rm with mod 00 (not RSP,
 * not RBP) and without REX.B, so the guest's REX byte stays as it was. */
static const int8_t pref_low[] = { H_RBX, H_RSI, H_RDI, H_RCX, H_RDX, H_RAX };
static const int8_t pref_any[] = { H_R11, H_R10, H_R9, H_R8, H_R15, H_R14, H_R13, H_R12,
				   H_RBX, H_RSI, H_RDI, H_RCX, H_RDX, H_RBP, H_RAX };

static bool take_scratch_as(uint16_t used, bool live, bool want_r, bool ff, struct scratch *s)
{
	uint16_t avoid = (uint16_t)(used | (1u << H_RSP));

	memset(s, 0, sizeof(*s));
	s->live = live;
	s->ff = ff;
	if (ff) {
		s->rcx_back = avoid & (1u << H_RCX);
		avoid |= 1u << H_RCX;
		s->fsave = FS_NONE;
		s->saved |= 1u << H_RCX;
	} else if (!(avoid & (1u << H_RAX))) {
		avoid |= 1u << H_RAX;
		s->fsave = FS_AX;
		s->saved |= 1u << H_RAX;
	} else {
		s->fsave = FS_STACK;
	}
	s->h = pick(&avoid, pref_low, sizeof(pref_low));
	s->r = want_r ? pick(&avoid, pref_low, sizeof(pref_low)) : -1;
	if (want_r && s->r < 0) {
		static const int8_t rbp[] = { H_RBP };
		s->r = pick(&avoid, rbp, 1);
	}
	s->a = pick(&avoid, pref_any, sizeof(pref_any));
	s->e = pick(&avoid, pref_any, sizeof(pref_any));
	if (s->h < 0 || s->a < 0 || s->e < 0 || (want_r && s->r < 0))
		return false;
	s->saved |= (uint16_t)((1u << s->h) | (1u << s->a) | (1u << s->e));
	if (s->r >= 0)
		s->saved |= (uint16_t)(1u << s->r);
	return true;
}

static bool take_scratch(uint16_t used, bool live, bool want_r, struct scratch *s)
{
	return take_scratch_as(used, live, want_r, false, s);
}

/* The flag-free probe's scratches where the host has BMI2 (RCX among
 * them for JRCXZ, given back before an instruction that uses it), else
 * those of the probe that saves the flags; false: none. */
static bool take_scratch_probe(const struct tr *t, uint16_t used, bool live, bool want_r,
			       struct scratch *s)
{
	if (t->e->ctx.flagfree && take_scratch_as(used, live, want_r, true, s))
		return true;
	return take_scratch(used, live, want_r, s);
}

/* Flags the hit path must give back after instructions i..i+k-1: what
 * they read themselves, and what is live after them (later faults
 * included).  Their own faults need only the miss path's saved copy. */
static bool hit_live(const struct tr *t, unsigned i, unsigned k)
{
	uint8_t live = t->live[i + k];

	for (unsigned m = i + k; m-- > i;)
		live = (uint8_t)(t->f[m].flags_read | (live & ~t->f[m].flags_kill));
	return live != 0;
}

/* After a probe hit: the flags back where live, else only the host stack
 * evened (AX is reloaded with the other scratches). */
static void flags_hit(struct tr *t, const struct scratch *s)
{
	if (s->live)
		flags_restore(t, s->fsave);
	else if (s->fsave == FS_STACK) {
		em_lea(&t->em, false, H_RSP, hm_base(H_RSP, 8));
		t->hdepth--;
	}
}

static struct bt_site *new_site(struct tr *t, unsigned i, int kind)
{
	struct bt_site *s = bt_arena_alloc(t->e, sizeof(*s));

	if (!s) {
		t->overflow = true;
		static struct bt_site dummy;
		return &dummy;
	}
	s->block = t->b;
	s->idx = (uint16_t)i;
	s->rest = (uint16_t)(t->b->n - i - 1);
	s->kind = (uint8_t)kind;
	s->rip = t->rip[i];
	s->next_rip = t->rip[i] + t->in[i].len;
	if (kind == SITE_HELPER || kind == SITE_SLOW || kind == SITE_IND)
		s->in = t->in[i];
	bt_site_classify(s, t->b->user);
	return s;
}

/* The guest linear address of memory operand m into reg a.  Flag-free
 * except for an FS/GS base (the caller saved the flags then). */
static void emit_ea(struct tr *t, unsigned i, const struct x86_op *m, int a, bool with_seg)
{
	const struct x86_inst *in = &t->in[i];
	bool a32 = in->addrsize == 4;

	if (m->base == OPR_RIP) {
		uint64_t v = t->rip[i] + in->len + (uint64_t)m->disp;
		em_mov_imm(&t->em, a, a32 ? (uint32_t)v : v);
	} else {
		int base = m->base == OPR_NONE ? -1 : m->base;
		int index = m->index == OPR_NONE ? -1 : m->index;
		if (base == R_RSP) {
			em_load(&t->em, a, home(t, R_RSP));
			base = a;
		}
		if (base < 0 && index < 0)
			em_mov_imm(&t->em, a, a32 ? (uint32_t)m->disp : (uint64_t)m->disp);
		else
			em_lea(&t->em, a32, a, (struct hmem){ base, index, m->scale ? m->scale : 1,
							      (int32_t)m->disp });
	}
	if (with_seg && (m->seg == S_FS || m->seg == S_GS))
		em_add_mem(&t->em, a, hm_abs(&t->cpu->seg_base[m->seg]));
}

/* The inline TLB probe of [a, a+size): host address into h, or a jump
 * (returned, to be pointed at the slow path) on a miss.  Clobbers flags. */
static uint8_t *emit_probe(struct tr *t, int a, int ent, int h, unsigned size, bool write)
{
	struct emit *em = &t->em;
	const struct x86_tlb_entry *tlb = &t->cpu->tlb[t->user][0];
	int32_t tag = (int32_t)(intptr_t)tlb + (int32_t)(write ? offsetof(struct x86_tlb_entry, tag_w)
								 : offsetof(struct x86_tlb_entry, tag_r));
	int32_t addend = (int32_t)(intptr_t)tlb + (int32_t)offsetof(struct x86_tlb_entry, addend);

	t->probe = (struct probe_info){ em_rx(em), a, size, write };
	em_mov_rr(em, ent, a);
	em_shr_imm(em, ent, 12);
	em_and_imm(em, ent, TLB_SIZE - 1);
	em_shl_imm(em, ent, 6);                 /* 64-byte entries */
	/* The page of the last byte against the tag of the first byte's slot:
	 * an access crossing a page misses. */
	em_lea(em, false, h, hm_base(a, (int32_t)size - 1));
	em_and_imm(em, h, (int32_t)~0xfff);
	em_cmp_mem(em, h, hm_base(ent, tag));
	uint8_t *j = em_jcc(em, 5, NULL);       /* jne slow */
	em_mov_rr(em, h, a);
	em_add_mem(em, h, hm_base(ent, addend));
	return j;
}

/* The same probe without touching the host flags (BMI2, s->ff): PEXT
 * for the index (times 64 by LEA) and the page, the tag's page number by
 * RORX (TLB_NONE, 1, becomes bit 52: no page number), the difference
 * with NOT + LEA and JRCXZ over the jump to the slow path; then the
 * host address is a + the slot's addend.  Clobbers RCX. */
static uint8_t *emit_probe_ff(struct tr *t, int a, int ent, int h, unsigned size, bool write)
{
	struct emit *em = &t->em;
	const struct bt_ctx *c = &t->e->ctx;
	const struct x86_tlb_entry *tlb = &t->cpu->tlb[t->user][0];
	int32_t tag = (int32_t)(intptr_t)tlb + (int32_t)(write ? offsetof(struct x86_tlb_entry, tag_w)
								 : offsetof(struct x86_tlb_entry, tag_r));
	int32_t addend = (int32_t)(intptr_t)tlb + (int32_t)offsetof(struct x86_tlb_entry, addend);
	_Static_assert(sizeof(struct x86_tlb_entry) == 64, "TLB entry of one cache line");

	t->probe = (struct probe_info){ em_rx(em), a, size, write };
	em_pext_mem(em, ent, a, hm_abs(&c->mask_index));
	em_lea(em, false, ent, (struct hmem){ -1, ent, 8, 0 });          /* index * 8, then * 8 below */
	/* The page of the last byte against the first byte's slot. */
	int last = a;
	if (size > 1) {
		em_lea(em, false, h, hm_base(a, (int32_t)size - 1));
		last = h;
	}
	em_pext_mem(em, h, last, hm_abs(&c->mask_page));
	em_rorx_mem(em, H_RCX, (struct hmem){ -1, ent, 8, tag }, 12);
	em_not(em, H_RCX);
	em_lea(em, false, H_RCX, (struct hmem){ H_RCX, h, 1, 1 });       /* page - tag page */
	uint8_t *j;
	em_jrcxz_over_jmp(em, &j);
	em_load(em, h, (struct hmem){ -1, ent, 8, addend });
	em_lea(em, false, h, (struct hmem){ h, a, 1, 0 });
	return j;
}

/* The probe the scratches were taken for: flag-free (s->ff) or not. */
static uint8_t *emit_probe_s(struct tr *t, const struct scratch *s, unsigned size, bool write)
{
	return s->ff ? emit_probe_ff(t, s->a, s->e, s->h, size, write)
		     : emit_probe(t, s->a, s->e, s->h, size, write);
}

/* The linear address of memory operand m into s->a for the probe s took
 * scratches for: a flag-free one adds an FS/GS base with LEA via RCX. */
static void emit_ea_probe(struct tr *t, unsigned i, const struct x86_op *m, const struct scratch *s)
{
	emit_ea(t, i, m, s->a, !s->ff);
	if (s->ff && (m->seg == S_FS || m->seg == S_GS)) {
		em_load(&t->em, H_RCX, hm_abs(&t->cpu->seg_base[m->seg]));
		em_lea(&t->em, false, s->a, (struct hmem){ s->a, H_RCX, 1, 0 });
	}
}

static struct slow_path *add_slow(struct tr *t, uint8_t *jpos, unsigned i, const struct scratch *s,
				  bool resume_here)
{
	if (t->nslow >= SLOW_MAX) {
		t->overflow = true;
		return NULL;
	}
	t->slow[t->nslow] = (struct slow_path){ t->probe, jpos, new_site(t, i, SITE_SLOW),
		resume_here ? em_rx(&t->em) : NULL, s->saved, (uint8_t)s->fsave, 1, s->ff, 0, false, 0, false,
		NULL, *s, 0, (int8_t)t->rcx_in, t->cnt_live };
	return &t->slow[t->nslow++];
}

static struct bt_site *add_exit(struct tr *t, uint8_t *jpos, unsigned i, int kind, uint64_t target,
				uint16_t restore, int fsave)
{
	struct bt_site *site = new_site(t, i, kind);

	site->target = target;
	if (t->nexits >= STUB_MAX) {
		t->overflow = true;
		return site;
	}
	t->exits[t->nexits++] = (struct exit_path){ jpos, site, restore, (uint8_t)fsave, t->cnt_live };
	return site;
}

/* The guest instruction with its memory operand replaced by [h] (h >= 0;
 * [h + disp] with has_disp, where h may be R8-R15: a REX added or its B
 * bit set) and/or RSP replaced by r (r >= 0). */
static void emit_rewritten_at(struct tr *t, unsigned i, int h, int r, bool has_disp, int32_t disp)
{
	const struct x86_inst *in = &t->in[i];
	const struct bt_form *f = &t->f[i];
	const uint8_t *b = in->bytes;
	uint8_t rex = f->rex_off != 0xff ? b[f->rex_off] : 0;

	for (unsigned k = 0; k < f->op_off; k++) {
		uint8_t c = b[k];
		if (k == f->rex_off) {
			em_u8(&t->em, h >= 0 ? (uint8_t)((c & ~3) | (h >> 3)) : c);
			continue;
		}
		if (h >= 0 && (c == 0x26 || c == 0x2e || c == 0x36 || c == 0x3e || c == 0x64 ||
			       c == 0x65 || c == 0x67))
			continue;       /* the probe applied segment base and address size */
		em_u8(&t->em, c);
	}
	if (h >= 8 && f->rex_off == 0xff)
		em_u8(&t->em, 0x41);            /* REX.B: the group finder checked no AH-BH */
	em_bytes(&t->em, b + f->op_off, f->modrm_off - f->op_off);
	uint8_t modrm = b[f->modrm_off];
	unsigned reg = (modrm >> 3) & 7, rm = modrm & 7;
	if (r >= 0 && !f->reg_ext && (((rex & 4) << 1) | reg) == R_RSP)
		reg = (unsigned)r;
	if (h >= 0 && has_disp) {
		bool d8 = disp >= -128 && disp < 128;
		em_u8(&t->em, (uint8_t)((d8 ? 0x40 : 0x80) | (reg << 3) | ((unsigned)h & 7)));
		if (d8)
			em_u8(&t->em, (uint8_t)disp);
		else
			em_u32(&t->em, (uint32_t)disp);
	} else if (h >= 0) {
		em_u8(&t->em, (uint8_t)((reg << 3) | (unsigned)h));
	} else {
		/* Without a REX an 8-bit rm of 4 is AH (movzx esp, ah), not SPL. */
		bool rm_ah = false;
		for (unsigned k = 0; k < in->nops; k++)
			if (in->op[k].kind == OP_REG && in->op[k].hi8 && in->op[k].reg + 4u == rm)
				rm_ah = true;
		if (r >= 0 && !rm_ah && (((rex & 1) << 3) | rm) == R_RSP)
			rm = (unsigned)r;
		em_u8(&t->em, (uint8_t)(0xc0 | (reg << 3) | rm));
	}
	em_bytes(&t->em, b + f->tail_off, in->len - f->tail_off);
}

static void emit_rewritten(struct tr *t, unsigned i, int h, int r)
{
	emit_rewritten_at(t, i, h, r, false, 0);
}

static struct bt_site *new_helper_site(struct tr *t, unsigned i)
{
	struct bt_site *s = new_site(t, i, SITE_HELPER);

	s->fallback = !t->f[i].sensitive;
	return s;
}

static void emit_helper_call(struct tr *t, struct bt_site *s)
{
	bool counting = t->cnt_live;

	reload_all(t, t->hoist);        /* helper_stub stores every GPR */
	em_store_imm32(&t->em, ctxf(&t->e->ctx.site), (int32_t)(intptr_t)s);
	em_call(&t->em, bt_stub_for(t->e, s));
	if (counting)
		count_back(t);
}

static void emit_helper(struct tr *t, unsigned i)
{
	emit_helper_call(t, new_helper_site(t, i));
}

/* From i on, the TC_MEM instructions (RSP not named) that can share one
 * set of flag-free scratches, none of them using it: spilled before the
 * first, reloaded after the last.  In between the scratches' homes hold
 * the guest's values; a slow path reloads them all before its helper. */
static void start_mem_run(struct tr *t, unsigned i)
{
	struct scratch s, ok = { 0 };
	uint16_t used = 0;
	unsigned j = i;

	if (!t->e->ctx.flagfree)
		return;
	for (; j < t->limit && t->f[j].cls == TC_MEM && !t->f[j].rsp && !(t->f[j].regs & (1u << H_RCX)); j++) {
		if (!take_scratch_as((uint16_t)(used | t->f[j].regs), false, false, true, &s))
			break;
		used |= t->f[j].regs;
		ok = s;
	}
	if (j - i >= 2)
		t->run = (struct scratch_run){ i, j, ok.a, ok.e, ok.h, ok.saved };
}

static void emit_mem(struct tr *t, unsigned i)
{
	const struct x86_inst *in = &t->in[i];
	const struct bt_form *f = &t->f[i];
	const struct x86_op *m = &in->op[f->mem];
	struct scratch s;

	/* Its code where the block's instruction i starts (not a group's
	 * plain copy, not inside a span): there every guest register is in
	 * its host register, but a loop block's hoisted scratches, which the
	 * slow path reloads after where the direct jump lands (emit_tail). */
	bool at_start = (uint32_t)(em_rx(&t->em) - t->b->host) == t->b->ioff[i] && !t->reserved;

	if (i >= t->run.end)
		start_mem_run(t, i);
	bool in_run = i < t->run.end;
	bool first = !in_run || i == t->run.start, last = !in_run || i + 1 == t->run.end;
	if (in_run) {
		s = (struct scratch){ t->run.a, t->run.e, t->run.h, -1, t->run.saved, FS_NONE, false, true, false };
	} else if (!take_scratch_probe(t, f->regs | t->reserved, hit_live(t, i, 1), f->rsp, &s)) {
		emit_helper(t, i);
		return;
	}
	/* [base] alone, 64-bit addressing, no FS/GS base: the probe only
	 * reads its address, so the guest's base register serves (not RCX
	 * under the flag-free probe, whose scratch it is): no LEA, and the
	 * address scratch is neither spilled nor reloaded. */
	bool base_only = !in_run && m->base < 16 && m->base != R_RSP && m->index == OPR_NONE &&
			 m->disp == 0 && in->addrsize == 8 && m->seg != S_FS && m->seg != S_GS &&
			 !(s.ff && m->base == R_RCX);
	if (base_only) {
		s.saved &= (uint16_t)~(1u << s.a);
		s.a = m->base;
	}
	/* A single instruction's flag-free probe (not a run's, not one whose
	 * instruction needs RCX back before it runs) keeps RCX in the keeper. */
	t->rcx_in = s.ff && !in_run && !s.rcx_back ? t->rcx_keep : -1;
	if (first)
		spill(t, s.saved);
	flags_save(t, s.fsave);
	if (!base_only)
		emit_ea_probe(t, i, m, &s);
	unsigned size = m->size ? m->size : in->opsize;
	uint8_t *j = emit_probe_s(t, &s, size, f->mem_write);
	uint8_t *hit = em_rx(&t->em);
	flags_hit(t, &s);
	if (s.rcx_back)
		rcx_from_home(t);
	if (s.r >= 0)
		em_load(&t->em, s.r, home(t, R_RSP));
	emit_rewritten(t, i, s.h, s.r);
	if (s.r >= 0)
		em_store(&t->em, home(t, R_RSP), s.r);
	uint16_t after = last ? (uint16_t)(s.rcx_back ? s.saved & ~(1u << H_RCX) : s.saved) : 0;
	reload(t, after);
	struct slow_path *sp = add_slow(t, j, i, &s, true);
	t->rcx_in = -1;
	if (sp) {
		sp->direct = first && at_start;
		if (!f->mem_write || (in->id == X86_INS_MOV && f->mem == 0)) {
			sp->hit = hit;
			sp->after = after;
		}
	}
}

static void emit_lea(struct tr *t, unsigned i);

/* A memory instruction or LEA of its own inside a group's span: its
 * scratches besides the Gs, no scratch run; a slow path gives the Gs
 * their guest values for the helper and takes the host ones back from
 * ctx.group_g after it. */
static void emit_group_inner(struct tr *t, unsigned k, uint16_t gs)
{
	unsigned ns = t->nslow;

	t->reserved = gs;
	t->limit = k + 1;
	if (t->f[k].cls == TC_MEM)
		emit_mem(t, k);
	else
		emit_lea(t, k);
	t->reserved = 0;
	t->limit = t->n;
	for (unsigned q = ns; q < t->nslow; q++) {
		t->slow[q].restore |= gs;
		t->slow[q].regroup = gs;
	}
}

/* A memory group (group.c) from i: one flag-free probe per base B of the
 * whole range [B + min, B + min + size) at the span's start leaves
 * host(B + min) in that base's G, a register no instruction of the span
 * names (its guest value in its home meanwhile); each member runs with
 * its operand as [G + disp - min].  A miss that a refill does not cure
 * runs the span's plain translation out of line (emit_tail) and comes
 * back after the span, so a page crossing, MMIO, a page holding
 * translations or a fault is handled per instruction, precisely.  A write
 * probe suffices for reads: a TLB entry with a write tag has the read one
 * (x86_translate, engines/x86/mem.c).  Returns the instructions
 * translated, 0: no group here. */
static unsigned emit_group(struct tr *t, unsigned i)
{
	struct bt_group g;
	struct probe_info probes[BT_GROUP_BASES];
	uint8_t *miss[BT_GROUP_BASES];
	uint16_t avoid = (uint16_t)((1u << H_RSP) | (1u << H_RCX)), gs = 0;

	if (!t->e->ctx.flagfree || !t->e->mem_groups || i < t->run.end ||
	    !bt_find_group(t->in, t->f, t->n, i, &g))
		return 0;
	for (unsigned k = 0; k < g.nbase; k++) {
		avoid |= (uint16_t)((1u << g.b[k].reg) | (1u << g.b[k].g));
		gs |= (uint16_t)(1u << g.b[k].g);
	}
	int a = pick(&avoid, pref_any, sizeof(pref_any)), e = pick(&avoid, pref_any, sizeof(pref_any));
	if (a < 0 || e < 0)
		return 0;
	/* An instruction with its own probe or LEA inside the span must find
	 * its scratches besides the Gs: a helper call there would store them. */
	for (unsigned k = i; k < g.end; k++) {
		struct scratch tmp;
		uint16_t used = (uint16_t)(t->f[k].regs | gs);
		if ((g.inner >> k & 1) && !(t->f[k].cls == TC_MEM ? take_scratch_probe(t, used, false, false, &tmp)
								  : take_scratch(used, false, false, &tmp)))
			return 0;
	}
	uint16_t scratch = (uint16_t)((1u << H_RCX) | (1u << a) | (1u << e));
	struct scratch s = { .a = a, .e = e, .h = -1, .r = -1, .fsave = FS_NONE, .ff = true,
			     .saved = (uint16_t)(scratch | gs) };

	spill(t, s.saved);
	for (unsigned k = 0; k < g.nbase; k++) {
		struct x86_op m = t->in[i].op[t->f[i].mem];
		m.base = (uint8_t)g.b[k].reg;
		m.disp = g.b[k].min;
		if (k && g.b[k].reg == H_RCX)
			rcx_from_home(t);         /* the last probe's scratch */
		emit_ea(t, i, &m, a, false);
		miss[k] = emit_probe_ff(t, a, e, g.b[k].g, g.b[k].size, g.b[k].write);
		probes[k] = t->probe;
		if (g.inner)
			em_store(&t->em, ctxf(&t->e->ctx.group_g[g.b[k].g]), g.b[k].g);
	}
	reload(t, scratch);
	for (unsigned k = i; k < g.end; k++) {
		if (k > i)              /* the first member's code begins with the probes */
			t->b->ioff[k] = (uint32_t)(em_rx(&t->em) - t->b->host);
		if (g.members >> k & 1) {
			const struct bt_group_base *gb = &g.b[g.base_of[k]];
			emit_rewritten_at(t, k, gb->g, -1, true,
					  (int32_t)(t->in[k].op[t->f[k].mem].disp - gb->min));
		} else if (g.inner >> k & 1) {
			emit_group_inner(t, k, gs);
		} else if (t->f[k].cls == TC_COPY) {
			em_bytes(&t->em, t->in[k].bytes, t->in[k].len);
		}
	}
	reload(t, gs);
	/* One slow path per probe; all but the first join its plain span. */
	for (unsigned k = 0; k < g.nbase && !t->overflow; k++) {
		t->probe = probes[k];
		add_slow(t, miss[k], i, &s, true);
		if (!t->overflow) {
			t->slow[t->nslow - 1].group_end = (uint8_t)g.end;
			t->slow[t->nslow - 1].group_join = k > 0;
		}
	}
	t->b->group_members |= g.members;
	t->b->group_starts |= 1ull << i;
	t->e->c.mem_groups++;
	t->e->c.group_members += g.count;
	return g.end - i;
}

/* The plain translation of a group's span [i, end) (copied, dropped,
 * memory and LEA instructions only), for its miss path. */
static void emit_group_plain(struct tr *t, unsigned i, unsigned end)
{
	t->run = (struct scratch_run){ 0 };
	t->limit = end;
	for (unsigned k = i; k < end; k++)
		if (t->f[k].cls == TC_MEM)
			emit_mem(t, k);
		else if (t->f[k].cls == TC_LEA)
			emit_lea(t, k);
		else if (t->f[k].cls == TC_COPY)
			em_bytes(&t->em, t->in[k].bytes, t->in[k].len);
	t->limit = t->n;
}

static void emit_lea(struct tr *t, unsigned i)
{
	const struct x86_inst *in = &t->in[i];
	const struct bt_form *f = &t->f[i];
	bool rsp = f->rsp;
	struct scratch s;

	if (!take_scratch(f->regs | t->reserved, false, rsp, &s)) {
		emit_helper(t, i);
		return;
	}
	s.saved = (uint16_t)((1u << s.h) | (rsp ? 1u << s.r : 0));     /* no probe: flags untouched */
	spill(t, s.saved);
	emit_ea(t, i, &in->op[f->mem], s.h, false);     /* LEA ignores segments */
	if (rsp)
		em_load(&t->em, s.r, home(t, R_RSP));
	emit_rewritten(t, i, s.h, s.r);
	if (rsp)
		em_store(&t->em, home(t, R_RSP), s.r);
	reload(t, s.saved);
}

static void emit_rsp(struct tr *t, unsigned i)
{
	uint16_t avoid = (uint16_t)(t->f[i].regs | (1u << H_RSP));
	int r = pick(&avoid, pref_low, sizeof(pref_low));

	if (r < 0) {
		emit_helper(t, i);
		return;
	}
	spill(t, (uint16_t)(1u << r));
	em_load(&t->em, r, home(t, R_RSP));
	emit_rewritten(t, i, -1, r);
	em_store(&t->em, home(t, R_RSP), r);
	reload(t, (uint16_t)(1u << r));
}

/* CALL's push of its return address (scratches saved, flags kept): the
 * new RSP into s->a, the address stored through the probe.  A miss
 * emulates the whole CALL and goes on at the fall-through exit. */
static void emit_push_return(struct tr *t, unsigned i, const struct scratch *s)
{
	uint64_t next = t->rip[i] + t->in[i].len;

	em_load(&t->em, s->a, home(t, R_RSP));
	em_lea(&t->em, false, s->a, hm_base(s->a, -8));
	uint8_t *j = emit_probe_s(t, s, 8, true);
	if (next == (uint64_t)(int64_t)(int32_t)next) {
		em_store_imm32(&t->em, hm_base(s->h, 0), (int32_t)next);
	} else {
		em_mov_imm(&t->em, s->e, next);
		em_store(&t->em, hm_base(s->h, 0), s->e);
	}
	em_store(&t->em, home(t, R_RSP), s->a);
	add_slow(t, j, i, s, false);
}

/* PUSH qword [mem]: the value through one probe into a stand-in register,
 * then the push through another; a miss at either emulates the whole
 * instruction (nothing is committed before the last store). */
static void emit_push_mem(struct tr *t, unsigned i)
{
	const struct x86_inst *in = &t->in[i];
	struct scratch s;

	if (!take_scratch_probe(t, t->f[i].regs, hit_live(t, i, 1), true, &s)) {
		emit_helper(t, i);
		return;
	}
	spill(t, s.saved);
	flags_save(t, s.fsave);
	emit_ea_probe(t, i, &in->op[0], &s);
	uint8_t *j1 = emit_probe_s(t, &s, 8, false);
	struct probe_info p1 = t->probe;
	em_load(&t->em, s.r, hm_base(s.h, 0));
	em_load(&t->em, s.a, home(t, R_RSP));
	em_lea(&t->em, false, s.a, hm_base(s.a, -8));
	uint8_t *j2 = emit_probe_s(t, &s, 8, true);
	em_store(&t->em, hm_base(s.h, 0), s.r);
	em_store(&t->em, home(t, R_RSP), s.a);
	flags_hit(t, &s);
	reload(t, s.saved);
	add_slow(t, j2, i, &s, true);
	t->probe = p1;
	add_slow(t, j1, i, &s, true);
}

/* How many PUSHes (or POPs) from i on form one run: one probe covers
 * them all.  Consecutive by construction: they are adjacent in the block. */
static unsigned run_length(const struct tr *t, unsigned i, int cls)
{
	unsigned k = 0;

	while (i + k < t->n && t->f[i + k].cls == cls && k < 16)
		k++;
	return k;
}

/* A stack run's start: scratches saved (any register may be one: the run
 * reads and writes those through their homes), RSP + delta into s->a,
 * the probe of [s->a, s->a + bytes).  Returns the probe's miss jump. */
static uint8_t *stack_run_begin(struct tr *t, unsigned i, struct scratch *s, int32_t delta,
				unsigned bytes, bool write)
{
	if (!take_scratch_probe(t, 0, hit_live(t, i, bytes / 8), false, s))
		return NULL;
	spill(t, s->saved);
	flags_save(t, s->fsave);
	em_load(&t->em, s->a, home(t, R_RSP));
	if (delta < 0)
		em_lea(&t->em, false, s->a, hm_base(s->a, delta));
	return emit_probe_s(t, s, bytes, write);
}

/* ... and its end: state back, and a slow path that runs the k
 * instructions one by one. */
static void stack_run_end(struct tr *t, unsigned i, unsigned k, const struct scratch *s, uint8_t *miss)
{
	flags_hit(t, s);
	reload(t, s->saved);
	add_slow(t, miss, i, s, true);
	t->slow[t->nslow - 1].count = (uint8_t)k;
}

/* k PUSHes from i as one: a single probe of the 8k bytes below RSP, the
 * values stored through H, RSP moved once.  A pushed register that is
 * also a scratch is read from its home (where the spill put it). */
static unsigned emit_push_run(struct tr *t, unsigned i)
{
	unsigned k = run_length(t, i, TC_PUSH);
	struct scratch s;
	uint8_t *j = stack_run_begin(t, i, &s, -8 * (int32_t)k, 8 * k, true);

	if (!j) {
		emit_helper(t, i);
		return 1;
	}
	em_store(&t->em, home(t, R_RSP), s.a);
	for (unsigned m = 0; m < k; m++) {
		const struct x86_op *o = &t->in[i + m].op[0];
		struct hmem at = hm_base(s.h, 8 * (int32_t)(k - 1 - m));
		if (o->kind == OP_IMM) {
			em_store_imm32(&t->em, at, (int32_t)o->disp);
		} else if (s.saved & (1u << o->reg)) {
			em_load(&t->em, s.e, home(t, o->reg));
			em_store(&t->em, at, s.e);
		} else {
			em_store(&t->em, at, o->reg);
		}
	}
	stack_run_end(t, i, k, &s, j);
	return k;
}

/* k POPs from i as one.  A popped register that is also a scratch gets
 * its value through its home, which the final reload reads. */
static unsigned emit_pop_run(struct tr *t, unsigned i)
{
	unsigned k = run_length(t, i, TC_POP);
	struct scratch s;
	uint8_t *j = stack_run_begin(t, i, &s, 0, 8 * k, false);

	if (!j) {
		emit_helper(t, i);
		return 1;
	}
	em_lea(&t->em, false, s.a, hm_base(s.a, 8 * (int32_t)k));
	em_store(&t->em, home(t, R_RSP), s.a);
	for (unsigned m = 0; m < k; m++) {
		int r = t->in[i + m].op[0].reg;
		struct hmem at = hm_base(s.h, 8 * (int32_t)m);
		if (s.saved & (1u << r)) {
			em_load(&t->em, s.e, at);
			em_store(&t->em, home(t, r), s.e);
		} else {
			em_load(&t->em, r, at);
		}
	}
	stack_run_end(t, i, k, &s, j);
	return k;
}

/* LEAVE: RSP = RBP, then POP RBP, through the probe. */
static void emit_leave(struct tr *t, unsigned i)
{
	struct scratch s;

	if (!take_scratch_probe(t, t->f[i].regs | (uint16_t)(1u << H_RBP), hit_live(t, i, 1), false, &s)) {
		emit_helper(t, i);
		return;
	}
	spill(t, s.saved);
	flags_save(t, s.fsave);
	em_mov_rr(&t->em, s.a, H_RBP);
	uint8_t *j = emit_probe_s(t, &s, 8, false);
	flags_hit(t, &s);
	em_lea(&t->em, false, s.a, hm_base(s.a, 8));
	em_store(&t->em, home(t, R_RSP), s.a);
	em_load(&t->em, H_RBP, hm_base(s.h, 0));
	reload(t, s.saved);
	add_slow(t, j, i, &s, true);
}

/* CLD/STD: DF kept in cpu.rflags; the AND/OR clobbers the arithmetic
 * flags, saved around it when live. */
static void emit_df(struct tr *t, unsigned i)
{
	bool live = t->live[i + 1];
	struct hmem fl = hm_abs(&t->cpu->rflags);

	if (live)
		ax_keep_flags(t);
	if (t->in[i].id == X86_INS_CLD) {
		em_op_mem(&t->em, 0, true, 0x81, 1, 4, fl);             /* and qword [rflags], ~DF */
		em_u32(&t->em, (uint32_t)~F_DF);
	} else {
		em_op_mem(&t->em, 0, true, 0x81, 1, 1, fl);             /* or qword [rflags], DF */
		em_u32(&t->em, (uint32_t)F_DF);
	}
	if (live)
		ax_give_flags(t);
}

/* A patchable jump to a chain exit for target. */
static void emit_chain(struct tr *t, unsigned i, uint64_t target, int cc)
{
	uint8_t *j = cc >= 0 ? em_jcc(&t->em, (unsigned)cc, NULL) : em_jmp(&t->em, NULL);

	add_exit(t, j, i, SITE_CHAIN, target, 0, FS_NONE);
}

/* Target guest RIP in register tg (a scratch of s) looked up in the jump
 * cache; on a hit its host address is in ctx.jt.  On a miss nothing of
 * the branch is done yet: the dispatcher runs it with the shared handler,
 * which also raises #GP at the branch for a non-canonical target. */
static void emit_jc_lookup(struct tr *t, unsigned i, const struct scratch *s, int tg)
{
	struct emit *em = &t->em;
	int32_t jc = (int32_t)(intptr_t)&t->e->jc[t->user][0];
	uint8_t *miss, *stale;
	struct hmem ent = hm_base(s->e, jc);

	if (s->ff) {
		/* Scratches of the flag-free probe: the flags untouched, each
		 * difference by NOT + LEA into RCX and JRCXZ. */
		_Static_assert(BT_JC_SHIFT == 5, "index * 4 * 8");
		em_pext_mem(em, s->e, tg, hm_abs(&t->e->ctx.mask_jc));
		em_lea(em, false, s->e, (struct hmem){ -1, s->e, 4, 0 });
		ent = (struct hmem){ -1, s->e, 8, jc };
		ent.disp = jc + (int32_t)offsetof(struct bt_jc_entry, rip);
		em_load(em, H_RCX, ent);
		em_not(em, H_RCX);
		em_lea(em, false, H_RCX, (struct hmem){ H_RCX, tg, 1, 1 });
		em_jrcxz_over_jmp(em, &miss);
		ent.disp = jc + (int32_t)offsetof(struct bt_jc_entry, epoch);
		em_load(em, H_RCX, ent);
		em_not(em, H_RCX);
		em_load(em, s->a, ctxf(&t->e->ctx.jc_epoch));
		em_lea(em, false, H_RCX, (struct hmem){ H_RCX, s->a, 1, 1 });
		em_jrcxz_over_jmp(em, &stale);
	} else {
		em_mov_rr(em, s->e, tg);
		em_and_imm(em, s->e, BT_JC_SIZE - 1);
		em_shl_imm(em, s->e, BT_JC_SHIFT);
		ent.disp = jc + (int32_t)offsetof(struct bt_jc_entry, rip);
		em_cmp_mem(em, tg, ent);
		miss = em_jcc(em, 5, NULL);
		ent.disp = jc + (int32_t)offsetof(struct bt_jc_entry, epoch);
		em_load(em, s->a, ent);
		em_cmp_mem(em, s->a, ctxf(&t->e->ctx.jc_epoch));
		stale = em_jcc(em, 5, NULL);
	}
	ent.disp = jc + (int32_t)offsetof(struct bt_jc_entry, host);
	em_load(em, s->e, ent);
	em_store(em, ctxf(&t->e->ctx.jt), s->e);
	struct bt_site *site = add_exit(t, miss, i, SITE_IND, 0, s->saved, s->fsave);
	if (t->nexits < STUB_MAX)
		t->exits[t->nexits++] = (struct exit_path){ stale, site, s->saved, (uint8_t)s->fsave, t->cnt_live };
}

/* ... and the jump there, ending the block. */
static void emit_jc_jump(struct tr *t, const struct scratch *s)
{
	flags_hit(t, s);
	reload(t, s->saved);
	em_jmp_mem(&t->em, ctxf(&t->e->ctx.jt));
}

static void emit_ret(struct tr *t, unsigned i)
{
	const struct x86_inst *in = &t->in[i];
	int32_t pop = 8 + (in->nops == 1 && in->op[0].kind == OP_IMM ? (int32_t)(uint16_t)in->op[0].disp : 0);
	struct scratch s;

	if (!take_scratch_probe(t, 0, true, false, &s)) {
		emit_helper(t, i);
		return;
	}
	spill(t, s.saved);
	flags_save(t, s.fsave);
	em_load(&t->em, s.a, home(t, R_RSP));
	uint8_t *j = emit_probe_s(t, &s, 8, false);
	add_slow(t, j, i, &s, false);
	em_load(&t->em, s.h, hm_base(s.h, 0));
	/* The inline cache (ret_ic.c): cmp h, imm32; jne to the jump cache;
	 * else RSP popped and a chain exit to the imm32's address (0 until
	 * trained: a RET to 0 then goes there through the dispatcher).
	 * After a flag-free probe: lea rcx, [h - imm32]; jrcxz over the jump
	 * to the jump cache, looked up flag-free too. */
	uint8_t *imm, *other;
	if (s.ff) {
		em_lea(&t->em, false, H_RCX, hm_base(s.h, 0x7fffffff));   /* disp32 form */
		imm = t->em.w - 4;
		if (!t->em.full)
			memset(imm, 0, 4);
		em_jrcxz_over_jmp(&t->em, &other);
	} else {
		em_op_reg(&t->em, true, 0x81, 1, 7, s.h);
		imm = t->em.w;
		em_u32(&t->em, 0);
		other = em_jcc(&t->em, 5, NULL);
	}
	em_lea(&t->em, false, s.a, hm_base(s.a, pop));          /* s.a: RSP still */
	em_store(&t->em, home(t, R_RSP), s.a);
	flags_hit(t, &s);
	reload(t, s.saved);
	emit_chain(t, i, 0, -1);
	struct bt_site *chain = t->nexits ? t->exits[t->nexits - 1].site : NULL;
	em_patch_rel32(other, t->em.delta, em_rx(&t->em));
	emit_jc_lookup(t, i, &s, s.h);
	struct bt_site *ind = t->nexits ? t->exits[t->nexits - 1].site : NULL;
	if (chain && chain->kind == SITE_CHAIN && ind && ind->kind == SITE_IND) {
		ind->ic_imm = imm;
		ind->ic_neg = s.ff;
		ind->ic_chain = chain;
	}
	em_load(&t->em, s.a, home(t, R_RSP));
	em_lea(&t->em, false, s.a, hm_base(s.a, pop));
	em_store(&t->em, home(t, R_RSP), s.a);
	emit_jc_jump(t, &s);
}

/* CALL rel: the push, then a chained exit; a traced one (trace_call)
 * goes on into the callee's code in this block instead, and a miss
 * emulates the CALL, after which the helper, finding RIP at the callee
 * rather than after the CALL, leaves for the callee's own block.  CALL
 * reg: the target first (a jump-cache miss leaves everything undone),
 * then the push. */
static void emit_call(struct tr *t, unsigned i, bool indirect)
{
	const struct x86_inst *in = &t->in[i];
	struct scratch s;

	if (!take_scratch_probe(t, t->f[i].regs, hit_live(t, i, 1), false, &s)) {
		emit_helper(t, i);
		return;
	}
	spill(t, s.saved);
	flags_save(t, s.fsave);
	if (indirect) {
		em_mov_rr(&t->em, s.h, in->op[0].reg);
		emit_jc_lookup(t, i, &s, s.h);
		emit_push_return(t, i, &s);
		emit_jc_jump(t, &s);
	} else {
		emit_push_return(t, i, &s);
		flags_hit(t, &s);
		reload(t, s.saved);
		if ((int)i != t->tcall)
			emit_chain(t, i, t->rip[i] + (uint64_t)in->op[0].disp, -1);
	}
}

/* The traced callee's RET: its return address is the one the CALL stored
 * in this block, so only RSP moves: an ADD where the flags are dead after
 * it, else through a scratch. */
static void emit_ret_known(struct tr *t, unsigned i)
{
	if (!t->live[i + 1]) {
		em_add_mem_imm(&t->em, home(t, R_RSP), 8);
		return;
	}
	uint16_t avoid = (uint16_t)(1u << H_RSP);
	int r = pick(&avoid, pref_low, sizeof(pref_low));

	spill(t, (uint16_t)(1u << r));
	em_load(&t->em, r, home(t, R_RSP));
	em_lea(&t->em, false, r, hm_base(r, 8));
	em_store(&t->em, home(t, R_RSP), r);
	reload(t, (uint16_t)(1u << r));
}

static void emit_jmp_ind(struct tr *t, unsigned i)
{
	struct scratch s;

	if (!take_scratch_probe(t, t->f[i].regs, true, false, &s)) {
		emit_helper(t, i);
		return;
	}
	spill(t, s.saved);
	flags_save(t, s.fsave);
	em_mov_rr(&t->em, s.h, t->in[i].op[0].reg);
	emit_jc_lookup(t, i, &s, s.h);
	emit_jc_jump(t, &s);
}

/* ---- Sensitive instructions translated inline (emit_sys) ----
 * Kernel blocks only, with exactly the interpreter's semantics
 * (engines/x86/ops_sys.c).  They run at CPL 0 (the dispatcher steps CPL 1
 * and 2 code), so the privilege checks of CLI, STI, MOV from CRn and
 * RDTSC (CR4.TSD) are statically passed; in CPL 3 blocks these stay
 * helper calls.  An uncommon case (an interrupt perhaps deliverable at
 * STI, a TLB miss) calls the shared handler out of line. */

static struct call_path *add_call(struct tr *t, unsigned i, uint16_t restore)
{
	static struct call_path dummy;

	if (t->ncalls >= CALL_MAX) {
		t->overflow = true;
		return &dummy;
	}
	struct call_path *c = &t->calls[t->ncalls++];
	*c = (struct call_path){ .site = new_site(t, i, SITE_HELPER), .restore = restore,
				 .cnt_live = t->cnt_live };
	return c;
}

/* To the call path if RCX is not zero, flags untouched: JRCXZ over a JMP. */
static void call_if_rcx(struct tr *t, struct call_path *c)
{
	em_u8(&t->em, 0xe3);            /* jrcxz +5 */
	em_u8(&t->em, 5);
	uint8_t *j = em_jmp(&t->em, NULL);
	if (c->nj < 4)
		c->jpos[c->nj++] = j;
}

/* To the call path on condition cc (the guest flags saved already). */
static void call_if(struct tr *t, struct call_path *c, unsigned cc)
{
	uint8_t *j = em_jcc(&t->em, cc, NULL);
	if (c->nj < 4)
		c->jpos[c->nj++] = j;
}

/* test r64, imm32 */
static void em_test_imm(struct emit *em, int r, uint32_t v)
{
	em_op_reg(em, true, 0xf7, 1, 0, r);
	em_u32(em, v);
}

/* POPFQ: the popped value's arithmetic flags into the host's (as LAHF/
 * SETO's image in AX, which SAHF loads), the rest into cpu.rflags under
 * h_popf's mask: at CPL 0 with IOPL and IF, at CPL 3 without either.
 * The handler takes what is left: a set TF, a set IF while an interrupt
 * may be deliverable (ctx.irq_hint, exit_req), IOPL 3 at CPL 3 (IF then
 * pops too), a miss of the stack probe. */
static bool emit_popf(struct tr *t, unsigned i)
{
	struct emit *em = &t->em;
	struct scratch s;
	uint64_t mask = F_ARITH | F_TF | F_DF | F_NT | F_AC | F_ID | (t->user ? 0 : F_IOPL | F_IF);
	bool carried = t->ax_carry;

	t->ax_carry = false;
	if (!take_scratch(0, true, true, &s) || s.fsave != FS_AX) {
		if (carried)
			ax_give_flags(t);       /* the helper wants the guest's state */
		return false;
	}
	struct call_path *c = add_call(t, i, s.saved);
	c->fsave = FS_AX;
	if (carried) {
		spill(t, (uint16_t)(s.saved & ~(1u << H_RAX)));  /* RAX and the flags: as PUSHF left them */
	} else {
		spill(t, s.saved);
		flags_save(t, s.fsave);
	}
	em_load(em, s.a, home(t, R_RSP));
	uint8_t *j = emit_probe(t, s.a, s.e, s.h, 8, false);
	em_load(em, s.r, hm_base(s.h, 0));
	em_test_imm(em, s.r, F_TF);
	call_if(t, c, 5);                                       /* jnz */
	if (t->user) {
		em_load(em, s.e, hm_abs(&t->cpu->rflags));
		em_and_imm(em, s.e, F_IOPL);
		em_op_reg(em, true, 0x81, 1, 7, s.e);          /* cmp e, IOPL 3 */
		em_u32(em, F_IOPL);
		call_if(t, c, 4);                               /* je */
	} else {
		em_test_imm(em, s.r, F_IF);
		uint8_t *no_if = em_jcc(em, 4, NULL);           /* jz */
		em_op_mem(em, 0x66, false, 0x83, 1, 7, hm_abs(&t->e->ctx.exit_req));   /* cmp word, 0 */
		em_u8(em, 0);
		call_if(t, c, 5);                               /* jnz */
		em_patch_rel32(no_if, em->delta, em_rx(em));
	}
	em_load(em, s.e, hm_abs(&t->cpu->rflags));
	em_and_imm(em, s.e, (int32_t)~mask);
	em_mov_rr(em, s.h, s.r);
	em_and_imm(em, s.h, (int32_t)mask);
	em_op_reg(em, true, 0x09, 1, s.h, s.e);                /* or e, h */
	em_op_reg(em, true, 0x83, 1, 1, s.e);                  /* or e, 2 */
	em_u8(em, 2);
	em_store(em, hm_abs(&t->cpu->rflags), s.e);
	/* AX as em_flags_from_ax wants it: AH the low byte (SAHF takes SF
	 * ZF AF PF CF from it), AL nonzero and below 0x80 for OF alone; not
	 * where the next instructions define the flags before any reads. */
	if (t->live[i + 1]) {
		em_mov_rr(em, H_RAX, s.r);
		em_u8(em, 0x86);                               /* xchg al, ah */
		em_u8(em, 0xe0);
		em_u8(em, 0x24);                               /* and al, OF >> 8 */
		em_u8(em, F_OF >> 8);
		em_flags_from_ax(em);
	}
	em_lea(em, false, s.a, hm_base(s.a, 8));
	em_store(em, home(t, R_RSP), s.a);
	reload(t, s.saved);
	c->resume = em_rx(em);
	add_slow(t, j, i, &s, true);
	return true;
}

/* RDTSC at CPL 3: the handler when CR4.TSD is set (#GP), found flag-free
 * through a table. */
static void emit_rdtsc_check(struct tr *t, unsigned i)
{
	struct call_path *c = add_call(t, i, 1u << H_RCX);

	rcx_to_home(t);
	em_op_mem(&t->em, 0, false, 0xb60f, 2, H_RCX, hm_abs(&t->cpu->cr4));
	em_op_mem(&t->em, 0, false, 0xb60f, 2, H_RCX, hm_base(H_RCX, (int32_t)(intptr_t)t->e->tsd_only));
	call_if_rcx(t, c);
	rcx_from_home(t);
	c->resume = NULL;               /* set by the caller after the instruction */
}

/* movzx ecx, byte [rflags + 1] (TF IF DF OF), then through a table. */
static void rflags_byte1_via(struct tr *t, const uint8_t *table)
{
	struct hmem fl1 = hm_abs((uint8_t *)&t->cpu->rflags + 1);

	em_op_mem(&t->em, 0, false, 0xb60f, 2, H_RCX, fl1);
	em_op_mem(&t->em, 0, false, 0xb60f, 2, H_RCX, hm_base(H_RCX, (int32_t)(intptr_t)table));
}

/* Instruction i a sensitive one emit_sys may translate inline: the plain
 * form the instruction table knows (not a #UD the decoder found); in CPL
 * 3 blocks only what the handlers do alike at every CPL (no UMIP: the
 * interpreter has none), POPFQ with its CPL 3 mask, RDTSC with the
 * CR4.TSD check: the table's "inline" rows, not "inline CPL 0". */
static bool sys_inline_form(const struct tr *t, unsigned i)
{
	const struct x86_inst *in = &t->in[i];

	if (!t->f[i].sensitive || in->mode != 64 || in->rep || !in->fn ||
	    in->fn != x86_insn_info(in->id)->fn)
		return false;
	return !t->user || x86_insn_info(in->id)->bt == X86_BT_INLINE;
}

/* CLI then STI, both inline (CPL 0): the STI knows IF clear and finds
 * RCX still in its home. */
static bool cli_then_sti(const struct tr *t, unsigned i)
{
	return i + 1 < t->n && t->in[i].id == X86_INS_CLI && t->in[i + 1].id == X86_INS_STI &&
	       sys_inline_form(t, i) && sys_inline_form(t, i + 1);
}

/* CLI then STI whose flags are dead after the STI (its next instruction
 * defines them all and cannot fault): the pair is one OR of IF into
 * cpu.rflags once the STI's checks passed; the CLI's own store happens
 * only on the way to the STI's handler.  One read-modify-write of the
 * flags byte per pair instead of a chain of two through a table. */
static bool cli_sti_fused(const struct tr *t, unsigned i)
{
	return cli_then_sti(t, i) && t->live[i + 2] == 0;
}

/* CLI at CPL 0: IF cleared in cpu.rflags, the host flags untouched
 * (where they are dead after it, an AND on the byte). */
static void emit_cli(struct tr *t, unsigned i)
{
	struct hmem fl1 = hm_abs((uint8_t *)&t->cpu->rflags + 1);

	if (cli_sti_fused(t, i))
		return;                 /* emit_sti does both */
	if (t->live[i + 1] == 0) {
		em_op_mem(&t->em, 0, false, 0x80, 1, 4, fl1);  /* and byte, ~IF */
		em_u8(&t->em, (uint8_t)~(F_IF >> 8));
		return;
	}
	rcx_to_home(t);
	rflags_byte1_via(t, t->e->if_clear);
	em_op_mem(&t->em, 0, false, 0x88, 1, H_RCX, fl1);
	if (!cli_then_sti(t, i))
		rcx_from_home(t);
}

/* STI at CPL 0 with IF clear and nothing deliverable (ctx.irq_hint and
 * exit_req both 0): IF set, the shadow over the next instruction, as
 * h_sti leaves them once bt_helper found nothing pending.  Otherwise the
 * handler: an interrupt waiting is taken after the shadowed instruction
 * (bt_helper leaves, the dispatcher steps that one, then delivers).
 * Right after an inline CLI, IF is known clear and RCX in its home. */
static void emit_sti(struct tr *t, unsigned i)
{
	struct call_path *c = add_call(t, i, 1u << H_RCX);
	uint64_t next = t->rip[i] + t->in[i].len;
	bool after_cli = i > 0 && cli_then_sti(t, i - 1);

	bool fused = i > 0 && cli_sti_fused(t, i - 1);
	struct hmem fl1 = hm_abs((uint8_t *)&t->cpu->rflags + 1);

	if (!after_cli || fused)
		rcx_to_home(t);
	em_op_mem(&t->em, 0, false, 0xb70f, 2, H_RCX, hm_abs(&t->e->ctx.exit_req));  /* + irq_hint */
	if (fused) {
		/* To the handler with the CLI done: jrcxz over it. */
		em_u8(&t->em, 0xe3);
		uint8_t *skip = t->em.w;
		em_u8(&t->em, 0);
		rflags_byte1_via(t, t->e->if_clear);
		em_op_mem(&t->em, 0, false, 0x88, 1, H_RCX, fl1);
		uint8_t *j = em_jmp(&t->em, NULL);
		if (c->nj < 4)
			c->jpos[c->nj++] = j;
		*skip = (uint8_t)(t->em.w - skip - 1);
		em_op_mem(&t->em, 0, false, 0x80, 1, 1, fl1);  /* or byte, IF */
		em_u8(&t->em, F_IF >> 8);
	} else {
		call_if_rcx(t, c);
		if (!after_cli) {
			rflags_byte1_via(t, t->e->if_only);
			call_if_rcx(t, c);
		}
		/* IF was clear: set by adding it (LEA, no flag touched), one load
		 * and no table lookup in the chain from the last CLI's store. */
		em_op_mem(&t->em, 0, false, 0xb60f, 2, H_RCX, fl1);
		em_lea(&t->em, false, H_RCX, hm_base(H_RCX, F_IF >> 8));
		em_op_mem(&t->em, 0, false, 0x88, 1, H_RCX, fl1);
	}
	em_op_mem(&t->em, 0, false, 0xc6, 1, 0, hm_abs(&t->cpu->sti_shadow));       /* mov byte, 1 */
	em_u8(&t->em, 1);
	if ((uint64_t)(int64_t)(int32_t)next == next) {
		em_store_imm32(&t->em, hm_abs(&t->cpu->sti_shadow_rip), (int32_t)next);
	} else {
		em_mov_imm(&t->em, H_RCX, next);
		em_store(&t->em, hm_abs(&t->cpu->sti_shadow_rip), H_RCX);
	}
	rcx_from_home(t);
	c->resume = em_rx(&t->em);
}

/* A 16-bit value (selector, MSW) into a register as op_write/set_reg
 * put it: size 2 keeps the upper bits, 4 and 8 zero-extend. */
static void load_word_reg(struct tr *t, const struct x86_op *o, const void *p)
{
	if (o->size == 2)
		em_op_mem(&t->em, 0x66, false, 0x8b, 1, o->reg, hm_abs(p));
	else
		em_op_mem(&t->em, 0, false, 0xb70f, 2, o->reg, hm_abs(p));
}

/* An operand-size prefix among in's legacy prefixes (PUSHF/POPF: 16 bits). */
static bool has_p66(const struct x86_inst *in)
{
	for (unsigned k = 0; k < in->len && x86_legacy_prefix(in->bytes[k]); k++)
		if (in->bytes[k] == 0x66)
			return true;
	return false;
}

/* Instruction i+1 a POPFQ that emit_popf translates (it saves the flags
 * in AX first, as PUSHF does). */
static bool popf_follows(const struct tr *t, unsigned i)
{
	return i + 1 < t->n && t->in[i + 1].id == X86_INS_POPFQ && sys_inline_form(t, i + 1) &&
	       !has_p66(&t->in[i + 1]);
}

/* PUSHFQ at CPL 0: RFLAGS without VM and RF, its arithmetic flags the
 * host's (saved in AX as LAHF/SETO leave them), through the probe.
 * Right before a POPF the flags stay in AX and RAX in its home for it
 * (ax_carry): a jump over the save that the slow path's return, with the
 * flags back in the host's, runs first (PUSHF; POPF 6 host instructions
 * fewer, among them SAHF and LAHF). */
static bool emit_pushf(struct tr *t, unsigned i)
{
	struct scratch s;

	if (!take_scratch(0, hit_live(t, i, 1), true, &s) || s.fsave != FS_AX)
		return false;
	bool carry = popf_follows(t, i);
	spill(t, s.saved);
	flags_save(t, s.fsave);
	em_load(&t->em, s.a, home(t, R_RSP));
	em_lea(&t->em, false, s.a, hm_base(s.a, -8));
	/* The arithmetic flags from LAHF/SETO's AX: a host PUSHFQ before the
	 * probe, fewer instructions, took 0.4 TSC cycles more per PUSHF and
	 * POPF (pushf_popf, 5 lowest of 27 samples). */
	uint8_t *j = emit_probe(t, s.a, s.e, s.h, 8, true);
	em_mov_rr(&t->em, s.r, H_RAX);
	em_shr_imm(&t->em, s.r, 8);
	em_and_imm(&t->em, s.r, 0xd5);                 /* SF ZF AF PF CF */
	em_mov_rr(&t->em, s.e, H_RAX);
	em_and_imm(&t->em, s.e, 1);
	em_shl_imm(&t->em, s.e, 11);                   /* OF */
	em_op_reg(&t->em, true, 0x09, 1, s.e, s.r);    /* or r, e */
	em_load(&t->em, s.e, hm_abs(&t->cpu->rflags));
	em_and_imm(&t->em, s.e, (int32_t)~(F_ARITH | F_VM | F_RF));
	em_op_reg(&t->em, true, 0x09, 1, s.e, s.r);
	em_store(&t->em, hm_base(s.h, 0), s.r);
	em_store(&t->em, home(t, R_RSP), s.a);
	if (!carry) {
		flags_hit(t, &s);
		reload(t, s.saved);
		add_slow(t, j, i, &s, true);
		return true;
	}
	reload(t, (uint16_t)(s.saved & ~(1u << H_RAX)));
	uint8_t *over = em_jmp(&t->em, NULL);
	add_slow(t, j, i, &s, true);                   /* returns here: */
	ax_keep_flags(t);
	em_patch_rel32(over, t->em.delta, em_rx(&t->em));
	t->ax_carry = true;
	return true;
}

/* SGDT/SIDT m: limit and base written through the probe (10 bytes: a
 * page-crossing store misses and the handler does it). */
static bool emit_sdt(struct tr *t, unsigned i, const struct dtable *d)
{
	const struct bt_form *f = &t->f[i];
	struct scratch s;

	const struct x86_op *m = &t->in[i].op[0];

	if (f->mem != 0 || !take_scratch_probe(t, f->regs, hit_live(t, i, 1), true, &s))
		return false;
	spill(t, s.saved);
	flags_save(t, s.fsave);
	emit_ea(t, i, m, s.a, !s.ff);
	if (s.ff && (m->seg == S_FS || m->seg == S_GS)) {
		em_load(&t->em, H_RCX, hm_abs(&t->cpu->seg_base[m->seg]));
		em_lea(&t->em, false, s.a, (struct hmem){ s.a, H_RCX, 1, 0 });
	}
	uint8_t *j = s.ff ? emit_probe_ff(t, s.a, s.e, s.h, 10, true) : emit_probe(t, s.a, s.e, s.h, 10, true);
	em_op_mem(&t->em, 0, false, 0xb70f, 2, s.r, hm_abs(&d->limit));
	em_op_mem(&t->em, 0x66, false, 0x89, 1, s.r, hm_base(s.h, 0));
	em_load(&t->em, s.r, hm_abs(&d->base));
	em_store(&t->em, hm_base(s.h, 2), s.r);
	flags_hit(t, &s);
	reload(t, s.saved);
	add_slow(t, j, i, &s, true);
	return true;
}

/* CPUID: the engine's table (struct engine, cpuid[]) looked up with
 * LEA, MOVZX and JRCXZ, no flag touched; a miss runs the handler, and
 * bt_helper fills the entry.  The outputs are all four registers, so only
 * RCX (the subleaf, which the miss needs) is kept in its home. */
static void emit_cpuid(struct tr *t, unsigned i)
{
	struct emit *em = &t->em;
	struct call_path *c = add_call(t, i, 1u << H_RCX);
	int32_t tab = (int32_t)(intptr_t)&t->e->cpuid[0];
	struct hmem ent = { -1, H_RBX, 4, 0 };                 /* [rbx*4 + disp]: rbx = 8 * slot */

	rcx_to_home(t);
	em_op_mem(em, 0, false, 0x8d, 1, H_RBX, (struct hmem){ H_RAX, H_RCX, 8, 0 });   /* lea ebx, [rax + rcx*8] */
	em_op_reg(em, false, 0xb60f, 2, H_RBX, H_RBX);          /* movzx ebx, bl */
	em_op_mem(em, 0, true, 0x8d, 1, H_RBX, (struct hmem){ -1, H_RBX, 8, 0 });      /* lea rbx, [rbx*8] */
	ent.disp = tab + (int32_t)offsetof(struct bt_cpuid_entry, nsub);
	em_op_mem(em, 0, false, 0x8b, 1, H_RDX, ent);
	em_op_mem(em, 0, false, 0x8d, 1, H_RCX, (struct hmem){ H_RCX, H_RDX, 1, 0 });   /* lea ecx, [rcx + rdx] */
	call_if_rcx(t, c);
	ent.disp = tab + (int32_t)offsetof(struct bt_cpuid_entry, nleaf);
	em_op_mem(em, 0, false, 0x8b, 1, H_RDX, ent);
	em_op_mem(em, 0, false, 0x8d, 1, H_RCX, (struct hmem){ H_RAX, H_RDX, 1, 0 });   /* lea ecx, [rax + rdx] */
	call_if_rcx(t, c);
	static const int8_t out[4] = { H_RAX, H_RCX, H_RDX, H_RBX };   /* RBX, the index, last */
	static const uint8_t idx[4] = { 0, 2, 3, 1 };
	for (unsigned k = 0; k < 4; k++) {
		ent.disp = tab + (int32_t)(offsetof(struct bt_cpuid_entry, r) + 4 * idx[k]);
		em_op_mem(em, 0, false, 0x8b, 1, out[k], ent);  /* mov r32: zero-extends */
	}
	c->resume = em_rx(em);
}

/* RDMSR/WRMSR at CPL 0 of the MSRs a kernel keeps touching, as
 * engines/x86/msr.c has them (architectural numbers).  The MSR is the one
 * a MOV ECX, imm32 earlier in the block names, else the one ECX held when
 * the block was translated, checked flag-free at run time (LEA, JRCXZ);
 * any other MSR calls the handler. */
enum { BT_MSR_SYSENTER_CS = 0x174, BT_MSR_SYSENTER_ESP = 0x175, BT_MSR_SYSENTER_EIP = 0x176,
       BT_MSR_PAT = 0x277 };
#define BT_MSR_EFER           0xc0000080u
#define BT_MSR_STAR           0xc0000081u
#define BT_MSR_LSTAR          0xc0000082u
#define BT_MSR_CSTAR          0xc0000083u
#define BT_MSR_SFMASK         0xc0000084u
#define BT_MSR_FS_BASE        0xc0000100u
#define BT_MSR_GS_BASE        0xc0000101u
#define BT_MSR_KERNEL_GS_BASE 0xc0000102u
#define BT_MSR_TSC_AUX        0xc0000103u

/* Where x86_rdmsr reads msr from, when it only reads a field. */
static const uint64_t *msr_field(const struct x86_cpu *cpu, uint32_t msr)
{
	switch (msr) {
	case 0x1b: return &cpu->apic_base;
	case BT_MSR_SYSENTER_CS: return &cpu->sysenter_cs;
	case BT_MSR_SYSENTER_ESP: return &cpu->sysenter_esp;
	case BT_MSR_SYSENTER_EIP: return &cpu->sysenter_eip;
	case BT_MSR_PAT: return &cpu->pat;
	case BT_MSR_EFER: return &cpu->efer;
	case BT_MSR_STAR: return &cpu->star;
	case BT_MSR_LSTAR: return &cpu->lstar;
	case BT_MSR_CSTAR: return &cpu->cstar;
	case BT_MSR_SFMASK: return &cpu->sfmask;
	case BT_MSR_FS_BASE: return &cpu->seg[S_FS].base;
	case BT_MSR_GS_BASE: return &cpu->seg[S_GS].base;
	case BT_MSR_KERNEL_GS_BASE: return &cpu->kernel_gs_base;
	case BT_MSR_TSC_AUX: return &cpu->tsc_aux;
	}
	return NULL;
}

/* The MSR instruction i will name: *known if a MOV ECX/RCX, imm earlier
 * in the block set it, else ECX's value now (the block's entry). */
static uint32_t msr_guess(const struct tr *t, unsigned i, bool *known)
{
	*known = false;
	for (unsigned k = i; k-- > 0;) {
		const struct x86_inst *in = &t->in[k];
		if (in->id == X86_INS_MOV && in->nops == 2 && in->op[0].kind == OP_REG &&
		    in->op[0].reg == R_RCX && in->op[1].kind == OP_IMM && in->op[0].size >= 4) {
			*known = true;
			return (uint32_t)in->op[1].disp;
		}
		if ((t->f[k].regs & (1u << R_RCX)) || t->f[k].cls != TC_COPY)
			break;          /* may change RCX */
	}
	return (uint32_t)t->cpu->gpr[R_RCX];
}

/* ECX against msr unless known: RCX kept in its home, a mismatch to c. */
static void msr_check(struct tr *t, struct call_path *c, uint32_t msr, bool known)
{
	if (known)
		return;
	rcx_to_home(t);
	em_op_mem(&t->em, 0, false, 0x8d, 1, H_RCX, hm_base(H_RCX, -(int32_t)msr));   /* lea ecx, [rcx - msr] */
	call_if_rcx(t, c);
	rcx_from_home(t);
}

static bool emit_rdmsr(struct tr *t, unsigned i)
{
	bool known;
	uint32_t msr = msr_guess(t, i, &known);
	const uint64_t *f = msr_field(t->cpu, msr);

	if (!f)
		return false;
	struct call_path *c = add_call(t, i, known ? 0 : 1u << H_RCX);
	msr_check(t, c, msr, known);
	em_op_mem(&t->em, 0, false, 0x8b, 1, H_RAX, hm_abs(f));                 /* mov eax, low */
	em_op_mem(&t->em, 0, false, 0x8b, 1, H_RDX, hm_abs((const uint8_t *)f + 4));
	c->resume = em_rx(&t->em);
	return true;
}

/* WRMSR of the plain ones: STAR, PAT (64 bits), TSC_AUX, SFMASK (the low
 * 32), KERNEL_GS_BASE, LSTAR, CSTAR (canonical, else the handler's #GP:
 * EDX must be the sign extension of DX, tested as EDX - movsx(DX) with
 * NOT and LEA). */
static bool emit_wrmsr(struct tr *t, unsigned i)
{
	struct emit *em = &t->em;
	bool known;
	uint32_t msr = msr_guess(t, i, &known);
	const uint64_t *f = msr_field(t->cpu, msr);
	bool canon = msr == BT_MSR_KERNEL_GS_BASE || msr == BT_MSR_LSTAR || msr == BT_MSR_CSTAR;
	bool low32 = msr == BT_MSR_TSC_AUX || msr == BT_MSR_SFMASK;

	if (!f || !(canon || low32 || msr == BT_MSR_STAR || msr == BT_MSR_PAT))
		return false;
	struct call_path *c = add_call(t, i, 1u << H_RCX);
	rcx_to_home(t);
	if (!known) {
		em_op_mem(em, 0, false, 0x8d, 1, H_RCX, hm_base(H_RCX, -(int32_t)msr));
		call_if_rcx(t, c);
	}
	if (canon) {
		em_op_reg(em, false, 0xbf0f, 2, H_RCX, H_RDX);                  /* movsx ecx, dx */
		em_op_reg(em, false, 0xf7, 1, 2, H_RCX);                        /* not ecx */
		em_op_mem(em, 0, false, 0x8d, 1, H_RCX, (struct hmem){ H_RCX, H_RDX, 1, 1 });  /* lea ecx, [rcx + rdx + 1] */
		call_if_rcx(t, c);
	}
	em_op_mem(em, 0, false, 0x89, 1, H_RAX, hm_abs(f));                     /* mov low, eax */
	if (low32)
		em_op_mem(em, 0, false, 0xc7, 1, 0, hm_abs((const uint8_t *)f + 4)), em_u32(em, 0);
	else
		em_op_mem(em, 0, false, 0x89, 1, H_RDX, hm_abs((const uint8_t *)f + 4));
	rcx_from_home(t);
	c->resume = em_rx(em);
	return true;
}

/* MOV CR8, reg at CPL 0: the TPR written straight into the LAPIC (a
 * value above 15, or an IRR perhaps not empty, ctx.irq_hint, and the
 * handler does it: #GP, or the check for a newly unmasked interrupt).
 * The flags are kept in AX around the compares. */
static bool emit_cr8_write(struct tr *t, unsigned i, int src)
{
	struct emit *em = &t->em;
	bool live = t->live[i + 1] != 0;
	uint16_t avoid = (uint16_t)((1u << H_RSP) | (1u << H_RAX) | (1u << src));
	int p = pick(&avoid, pref_any, sizeof(pref_any)), v = pick(&avoid, pref_any, sizeof(pref_any));

	if (p < 0 || v < 0 || !t->e->vm || !t->e->vm->lapic || t->e->vm->n_cpus > 1)
		return false;
	uint16_t saved = (uint16_t)((1u << p) | (1u << v));
	struct call_path *c = add_call(t, i, saved);
	spill(t, saved);
	/* The handler may fault or deliver an interrupt: it needs the exact
	 * flags, whether or not they are live after. */
	ax_keep_flags(t);
	c->fsave = FS_AX;
	c->restore |= 1u << H_RAX;
	if (src == H_RAX)
		em_load(em, v, home(t, H_RAX));
	else
		em_mov_rr(em, v, src);
	em_op_reg(em, true, 0x83, 1, 7, v);                    /* cmp v, 15 */
	em_u8(em, 15);
	call_if(t, c, 7);                                       /* ja */
	em_op_mem(em, 0x66, false, 0x83, 1, 7, hm_abs(&t->e->ctx.exit_req));   /* cmp word, 0 */
	em_u8(em, 0);
	call_if(t, c, 5);                                       /* jne */
	em_mov_imm(em, p, (uint64_t)(uintptr_t)lapic_tpr_ref(t->e->vm->lapic));
	em_lea(em, false, v, (struct hmem){ -1, v, 8, 0 });
	em_lea(em, false, v, (struct hmem){ v, v, 1, 0 });     /* v << 4 */
	em_op_mem(em, 0, false, 0x89, 1, v, hm_base(p, 0));    /* mov dword [tpr], v */
	if (live)
		ax_give_flags(t);
	else
		em_load(em, H_RAX, home(t, H_RAX));
	reload(t, saved);
	c->resume = em_rx(em);
	return true;
}

/* MOV DR7, reg at CPL 0 with no breakpoint enabled (L0-3, G0-3 clear)
 * and the upper 32 bits clear, tested flag-free (MOVZX of the low byte,
 * BSWAP then MOV r32 for the upper half): the store h_movcr does.  Else
 * the handler: #GP, or breakpoints that need the interpreter's steps. */
static void emit_dr7_write(struct tr *t, unsigned i, int src)
{
	struct emit *em = &t->em;
	struct call_path *c = add_call(t, i, 1u << H_RCX);

	rcx_to_home(t);
	if (src != H_RCX)
		em_mov_rr(em, H_RCX, src);
	em_op_reg(em, false, 0xb60f, 2, H_RCX, H_RCX);             /* movzx ecx, cl */
	call_if_rcx(t, c);
	if (src == H_RCX)
		rcx_from_home(t);
	else
		em_mov_rr(em, H_RCX, src);
	em_u8(em, 0x48);
	em_u8(em, 0x0f);
	em_u8(em, 0xc9);                                            /* bswap rcx */
	em_op_reg(em, false, 0x89, 1, H_RCX, H_RCX);               /* mov ecx, ecx */
	call_if_rcx(t, c);
	rcx_from_home(t);
	em_store(em, hm_abs(&t->cpu->dr[7]), src);
	c->resume = em_rx(em);
}

/* MOV reg, CR8: TPR[7:4], flag-free through a table. */
static void emit_cr8_read(struct tr *t, int dst)
{
	em_mov_imm(&t->em, dst, (uint64_t)(uintptr_t)lapic_tpr_ref(t->e->vm->lapic));
	em_op_mem(&t->em, 0, false, 0xb60f, 2, dst, hm_base(dst, 0));
	em_op_mem(&t->em, 0, false, 0xb60f, 2, dst, hm_base(dst, (int32_t)(intptr_t)t->e->hi_nibble));
}

/* A call to a stub that, refused, returns BT_REFUSAL_SKIP bytes further
 * on: past the JMP emitted here, into the fallback the caller emits next.
 * The JMP's rel32 (returned) is patched to where an accepted call goes on. */
static uint8_t *emit_refusable_call(struct tr *t, const uint8_t *stub)
{
	em_call(&t->em, stub);
	uint8_t *w = t->em.w, *done = em_jmp(&t->em, NULL);
	assert(t->em.full || t->em.w - w == BT_REFUSAL_SKIP);
	return done;
}

/* The inline forms; false: a helper call. */
/* IN or OUT (not the string forms) of a CPL 0 block: done in place when a
 * quiet port device answers (device.c), else the helper call:
 *   fill_lin = port (imm8 or DX), fill_arg = size | write << 16,
 *   OUT: mmio_buf = RAX; call pio_stub (every register and the flags
 *   kept); jmp done; [a refusal returns here:] the helper call; ...
 *   done: IN: AL, AX or EAX (zero-extended, as IN's) = mmio_buf. */
static bool emit_pio(struct tr *t, unsigned i)
{
	const struct x86_inst *in = &t->in[i];
	struct emit *em = &t->em;
	struct bt_ctx *c = &t->e->ctx;
	bool out = in->id == X86_INS_OUT;
	const struct x86_op *port = &in->op[out ? 0 : 1], *data = &in->op[out ? 1 : 0];

	if (in->nops != 2 || data->kind != OP_REG || data->reg != R_RAX || data->hi8 ||
	    (port->kind != OP_IMM && (port->kind != OP_REG || port->reg != R_RDX)))
		return false;
	if (port->kind == OP_IMM)
		em_store_imm32(em, ctxf(&c->fill_lin), (int32_t)(port->disp & 0xff));
	else
		em_store(em, ctxf(&c->fill_lin), H_RDX);
	em_store_imm32(em, ctxf(&c->fill_arg), (int32_t)(data->size | (out ? 1u << 16 : 0)));
	if (out)
		em_store(em, ctxf(&c->mmio_buf), H_RAX);
	uint8_t *done = emit_refusable_call(t, t->e->pio_stub);
	emit_helper(t, i);
	if (out) {
		em_patch_rel32(done, em->delta, em_rx(em));
		return true;
	}
	uint8_t *past = em_jmp(em, NULL);
	em_patch_rel32(done, em->delta, em_rx(em));
	if (data->size == 1)
		em_op_mem(em, 0, false, 0x8a, 1, H_RAX, ctxf(&c->mmio_buf));
	else
		em_op_mem(em, data->size == 2 ? 0x66 : 0, false, 0x8b, 1, H_RAX, ctxf(&c->mmio_buf));
	em_patch_rel32(past, em->delta, em_rx(em));
	return true;
}

/* VMCALL/VMMCALL of a CPL 0 block: done in place when the VM core serves
 * the hypercall quietly (device.c), else the helper call:
 *   RAX, RBX, RCX, RDX, RSI to their homes; call hc_stub (every register
 *   and the flags kept); jmp done; [a refusal returns here:] the helper
 *   call; jmp past; done: RAX, the result, from its home; past: ... */
static bool emit_hypercall(struct tr *t, unsigned i)
{
	struct emit *em = &t->em;
	const uint16_t regs = 1u << H_RAX | 1u << H_RBX | 1u << H_RCX | 1u << H_RDX | 1u << H_RSI;

	spill(t, regs);
	uint8_t *done = emit_refusable_call(t, t->e->hc_stub);
	emit_helper(t, i);
	uint8_t *past = em_jmp(em, NULL);
	em_patch_rel32(done, em->delta, em_rx(em));
	em_load(em, H_RAX, home(t, R_RAX));
	em_patch_rel32(past, em->delta, em_rx(em));
	return true;
}

/* INVLPG m and MOV CR3, r of a CPL 0 block: the linear address or the
 * new CR3 into ctx.fill_lin, then tlbop_stub (every register and the
 * flags kept), which does the TLB work and goes on in place (tlbop.c);
 * a refusal (a fault to raise, translations to leave) returns into the
 * helper call, told whether the work is done already. */
static bool emit_tlbop(struct tr *t, unsigned i)
{
	const struct x86_inst *in = &t->in[i];
	struct emit *em = &t->em;
	struct bt_ctx *c = &t->e->ctx;
	bool invlpg = in->id == X86_INS_INVLPG;

	if (invlpg) {
		const struct x86_op *m = &in->op[0];
		if (in->nops != 1 || m->kind != OP_MEM || m->seg == S_FS || m->seg == S_GS)
			return false;
		int r = 0;
		while (r == H_RSP || (t->f[i].regs | t->reserved) >> r & 1)
			r++;
		spill(t, (uint16_t)(1u << r));
		emit_ea(t, i, m, r, false);             /* LEA and MOV: no flag touched */
		em_store(em, ctxf(&c->fill_lin), r);
		reload(t, (uint16_t)(1u << r));
	} else {
		const struct x86_op *o1 = &in->op[1];
		if (in->nops != 2 || o1->kind != OP_REG || o1->reg == R_RSP || o1->hi8)
			return false;
		em_store(em, ctxf(&c->fill_lin), o1->reg);
	}
	struct bt_site *s = new_helper_site(t, i);
	em_store_imm32(em, ctxf(&c->fill_arg), invlpg);
	em_store_imm32(em, ctxf(&c->site), (int32_t)(intptr_t)s);
	uint8_t *done = emit_refusable_call(t, t->e->tlbop_stub);
	emit_helper_call(t, s);
	em_patch_rel32(done, em->delta, em_rx(em));
	return true;
}

static bool emit_sys(struct tr *t, unsigned i)
{
	const struct x86_inst *in = &t->in[i];
	const struct x86_op *o0 = &in->op[0], *o1 = &in->op[1];
	struct x86_cpu *cpu = t->cpu;

	if (!sys_inline_form(t, i))
		return false;
	bool p66 = has_p66(in);
	bool reg0 = in->nops >= 1 && o0->kind == OP_REG && o0->reg != R_RSP && !o0->hi8;
	switch (in->id) {
	case X86_INS_CLI:
		emit_cli(t, i);
		return true;
	case X86_INS_STI:
		emit_sti(t, i);
		return true;
	case X86_INS_VMCALL:
	case X86_INS_VMMCALL:
		return emit_hypercall(t, i);
	case X86_INS_PUSHFQ:
		return !p66 && emit_pushf(t, i);        /* 16 bits: the handler */
	case X86_INS_POPFQ:
		return !p66 && emit_popf(t, i);
	case X86_INS_MOV:
		if (in->nops == 2 && o0->kind == OP_CR && o0->reg == 8 && o1->kind == OP_REG &&
		    o1->reg != R_RSP && !o1->hi8)
			return emit_cr8_write(t, i, o1->reg);
		if (in->nops == 2 && o0->kind == OP_CR && o0->reg == 3)
			return emit_tlbop(t, i);
		if (in->nops == 2 && o0->kind == OP_DR && o0->reg == 7 && o1->kind == OP_REG &&
		    o1->reg != R_RSP && !o1->hi8 && o1->size == 8) {
			emit_dr7_write(t, i, o1->reg);
			return true;
		}
		if (in->nops == 2 && reg0 && o0->size == 8 && o1->kind == OP_DR &&
		    (o1->reg <= 3 || o1->reg == 6 || o1->reg == 7)) {
			em_load(&t->em, o0->reg, hm_abs(&cpu->dr[o1->reg]));
			return true;
		}
		if (in->nops != 2 || !reg0 || o1->kind != OP_CR)
			return false;
		switch (o1->reg) {
		case 8:
			if (!t->e->vm || !t->e->vm->lapic || t->e->vm->n_cpus > 1)
				return false;
			emit_cr8_read(t, o0->reg);
			return true;
		case 0: em_load(&t->em, o0->reg, hm_abs(&cpu->cr0)); return true;
		case 2: em_load(&t->em, o0->reg, hm_abs(&cpu->cr2)); return true;
		case 3: em_load(&t->em, o0->reg, hm_abs(&cpu->cr3)); return true;
		case 4: em_load(&t->em, o0->reg, hm_abs(&cpu->cr4)); return true;
		}
		return false;
	case X86_INS_SMSW:
		if (!reg0)
			return false;
		if (o0->size == 8)
			em_load(&t->em, o0->reg, hm_abs(&cpu->cr0));
		else if (o0->size == 4)
			em_op_mem(&t->em, 0, false, 0x8b, 1, o0->reg, hm_abs(&cpu->cr0));
		else
			em_op_mem(&t->em, 0x66, false, 0x8b, 1, o0->reg, hm_abs(&cpu->cr0));
		return true;
	case X86_INS_STR:
	case X86_INS_SLDT:
		if (!reg0 || o0->size < 2)
			return false;
		load_word_reg(t, o0, in->id == X86_INS_STR ? &cpu->tr.selector : &cpu->ldtr.selector);
		return true;
	case X86_INS_CPUID:
		emit_cpuid(t, i);
		return true;
	case X86_INS_RDMSR:
		return emit_rdmsr(t, i);
	case X86_INS_WRMSR:
		return emit_wrmsr(t, i);
	case X86_INS_IN:
	case X86_INS_OUT:
		return emit_pio(t, i);
	case X86_INS_INVLPG:
		return emit_tlbop(t, i);
	case X86_INS_SGDT:
		return emit_sdt(t, i, &cpu->gdt);
	case X86_INS_SIDT:
		return emit_sdt(t, i, &cpu->idt);
	case X86_INS_RDTSC:
	case X86_INS_RDTSCP: {
		struct call_path *c = NULL;
		if (t->user) {
			emit_rdtsc_check(t, i);
			c = &t->calls[t->ncalls - 1];
		}
		em_u8(&t->em, 0x0f);
		em_u8(&t->em, 0x31);                   /* rdtsc: EDX:EAX, zero-extended */
		if (in->id == X86_INS_RDTSCP)           /* the guest's TSC_AUX, not the host's */
			em_op_mem(&t->em, 0, false, 0x8b, 1, H_RCX, hm_abs(&cpu->tsc_aux));
		if (c && t->ncalls)
			c->resume = em_rx(&t->em);
		return true;
	}
	}
	return false;
}

/* Can this class fault (or call the shared handler)?  A fault's frame
 * holds the flags, so for liveness it reads them all. */
static bool may_fault(int cls)
{
	return cls != TC_COPY && cls != TC_DROP && cls != TC_RSP && cls != TC_LEA &&
	       cls != TC_DF && cls != TC_JMP && cls != TC_JCC;
}

/* Flags liveness, backwards, CF apart from the rest (INC/DEC keep CF);
 * all flags are taken as live after the block. */
static void liveness(struct tr *t)
{
	t->live[t->n] = X86_FLS_ALL;
	for (unsigned i = t->n; i-- > 0;) {
		const struct bt_form *f = &t->f[i];
		if ((int)i == t->tret) {                /* the known return: no flags, no fault */
			t->live[i] = t->live[i + 1];
			continue;
		}
		uint8_t reads = may_fault(f->cls) ? X86_FLS_ALL : f->flags_read;
		t->live[i] = (uint8_t)(reads | (t->live[i + 1] & ~f->flags_kill));
	}
}

/* How many instructions from the block start define every flag without
 * reading one, if all of them are copied (cannot fault): then nothing can
 * observe the flags before that point, and the entry may clobber them.
 * 0: no such prefix. */
static unsigned quiet_prefix(const struct tr *t)
{
	uint8_t defined = 0;

	if (t->live[0])
		return 0;
	for (unsigned i = 0; i < t->n; i++) {
		if (t->f[i].cls != TC_COPY && t->f[i].cls != TC_DROP)
			return 0;
		defined |= t->f[i].flags_kill;
		if (defined == X86_FLS_ALL)
			return i + 1;
	}
	return 0;
}

/* The block entry: count its instructions in the host-stack slot (the CPU
 * renames RSP-relative memory: no store-to-load wait in loops) and leave
 * if an interrupt, a timer or a stop wants the dispatcher (ctx.exit_req).
 * Interrupt frames need the guest's flags exact.  Before a quiet prefix
 * (which the dispatcher steps with the interpreter after a poll exit
 * before taking anything) the entry may clobber them: ADD, CMP, JNE.
 * Otherwise it keeps them with a register the probes do not take, so no
 * register's value goes through its home and back twice in a row (a
 * chain of store-to-load forwardings: the CALL/RET loop of
 * tests/perf/bt_callret_loop.c took 8.9 ns per iteration with both on
 * RCX against 6.0 apart): LAHF/SETO into AX around ADD and CMP beside
 * the flag-free probe (RCX), else RCX to its home, exit_req by MOVZX and
 * JRCXZ, the count added through RCX by LEA (flags untouched), beside the
 * probe that saves the flags in AX, and in a loop block, where RCX is a
 * hoisted scratch or waits in one (entry_rcx_keeper): no home to go
 * through, 6 to 8 instructions and no LAHF/SAHF. */
enum { ENTRY_PLAIN, ENTRY_AX, ENTRY_RCX };

static int entry_form(const struct tr *t, bool keep_flags)
{
	if (!keep_flags)
		return ENTRY_PLAIN;
	return t->e->ctx.flagfree && !t->hoist ? ENTRY_AX : ENTRY_RCX;
}

/* Where ENTRY_RCX keeps the guest's RCX: nowhere when RCX is a hoisted
 * scratch (-1), else in another hoisted scratch (a register move, no
 * memory), else in its home (-2). */
static int entry_rcx_keeper(const struct tr *t)
{
	if (t->hoist >> H_RCX & 1)
		return -1;
	for (int r = 0; r < 16; r++)
		if ((t->hoist >> r & 1) && r != t->cnt_reg)
			return r;
	return -2;
}

static void emit_entry(struct tr *t, uint8_t **poll_j, int form)
{
	struct hmem slot = hm_base(H_RSP, 0);

	if (t->cnt_reg >= 0 && form == ENTRY_PLAIN) {
		em_lea(&t->em, false, t->cnt_reg, hm_base(t->cnt_reg, (int32_t)t->n));
		em_cmp_byte_mem0(&t->em, hm_abs(&t->e->ctx.exit_req));
		*poll_j = em_jcc(&t->em, 5, NULL);
		return;
	}
	if (form != ENTRY_RCX) {
		assert(t->cnt_reg < 0);         /* ENTRY_AX: no hoisted scratches (entry_form) */
		if (form == ENTRY_AX)
			ax_keep_flags(t);
		em_add_mem_imm(&t->em, slot, (int32_t)t->n);
		em_cmp_byte_mem0(&t->em, hm_abs(&t->e->ctx.exit_req));
		*poll_j = em_jcc(&t->em, 5, NULL);
		if (form == ENTRY_AX)
			ax_give_flags(t);
		return;
	}
	int keeper = entry_rcx_keeper(t);
	if (keeper >= 0)
		em_mov_rr(&t->em, keeper, H_RCX);
	else if (keeper == -2)
		rcx_to_home(t);
	em_op_mem(&t->em, 0, false, 0xb60f, 2, H_RCX, hm_abs(&t->e->ctx.exit_req));   /* movzx ecx, byte */
	em_jrcxz_over_jmp(&t->em, poll_j);
	if (t->cnt_reg >= 0) {
		em_lea(&t->em, false, t->cnt_reg, hm_base(t->cnt_reg, (int32_t)t->n));
	} else {
		em_load(&t->em, H_RCX, slot);
		em_lea(&t->em, false, H_RCX, hm_base(H_RCX, (int32_t)t->n));
		em_store(&t->em, slot, H_RCX);
	}
	if (keeper >= 0)
		em_mov_rr(&t->em, H_RCX, keeper);
	else if (keeper == -2)
		rcx_from_home(t);
}

/* The poll exit: the entry undone (the count, AX or RCX), to the dispatcher. */
static void emit_poll_exit(struct tr *t, uint8_t *poll_j, int form, unsigned quiet)
{
	struct bt_site *s = new_site(t, 0, SITE_ENTRY);

	s->target = t->b->rip;
	s->quiet = (uint16_t)quiet;
	em_patch_rel32(poll_j, t->em.delta, em_rx(&t->em));
	int keeper = form == ENTRY_RCX ? entry_rcx_keeper(t) : -1;
	if (keeper >= 0)
		em_mov_rr(&t->em, H_RCX, keeper);
	t->cnt_live = t->cnt_reg >= 0;
	if (t->cnt_live && form != ENTRY_RCX)
		em_lea(&t->em, false, t->cnt_reg, hm_base(t->cnt_reg, -(int32_t)t->n));
	reload_all(t, t->hoist);
	if (form == ENTRY_RCX) {
		if (keeper == -2)
			rcx_from_home(t);
	} else if (t->cnt_reg < 0) {
		em_add_mem_imm(&t->em, hm_base(H_RSP, 0), -(int32_t)t->n);
		if (form == ENTRY_AX)
			ax_give_flags(t);
	}
	em_store_imm32(&t->em, ctxf(&t->e->ctx.site), (int32_t)(intptr_t)s);
	em_jmp(&t->em, t->e->exit_stub);
}

/* After a call that left its result in ctx.fill_ok: a jump to target
 * (returned, to be patched when NULL) if it is not 0.  After a flag-free
 * probe the flags are live: RCX, the probe's scratch, tests; else they
 * are saved (fsave) and CMP may clobber them. */
static uint8_t *emit_jump_if_filled(struct tr *t, const struct slow_path *p, const uint8_t *target)
{
	struct emit *em = &t->em;
	uint8_t *j;

	if (p->ff) {
		em_op_mem(em, 0, false, 0xb60f, 2, H_RCX, ctxf(&t->e->ctx.fill_ok));   /* movzx ecx, byte */
		em_jrcxz_over_jmp(em, &j);
		if (target)
			em_patch_rel32(j, em->delta, target);
		return j;
	}
	em_cmp_byte_mem0(em, ctxf(&t->e->ctx.fill_ok));
	return em_jcc(em, 5, target);                   /* jne */
}

/* A plain read's or MOV store's access in place by a quiet MMIO device
 * (device.c), after its refill failed or, once the site has seen MMIO,
 * straight from the probe's miss: the registers and the flags as the
 * miss left them.  A read asks the device first; a store runs first,
 * into ctx.mmio_buf (a MOV: no flag or register changes, so running it
 * again in the helper after a refusal changes nothing).  On success the
 * jump returned in *ok is taken (emit_mmio_done); else on to the helper. */
static uint8_t *emit_mmio_try(struct tr *t, const struct slow_path *p, uint8_t **ok)
{
	struct emit *em = &t->em;
	const struct scratch *s = &p->sc;
	uint8_t *start = em_rx(em);
	bool write = p->probe.write;

	if (write) {
		em_mov_imm(em, s->h, (uint64_t)(uintptr_t)&t->e->ctx.mmio_buf);
		if (s->rcx_back)
			rcx_from_home(t);
		if (s->r >= 0)
			em_load(em, s->r, home(t, R_RSP));
		emit_rewritten(t, p->site->idx, s->h, s->r);
	}
	em_store(em, ctxf(&t->e->ctx.fill_lin), p->probe.a);
	em_store_imm32(em, ctxf(&t->e->ctx.fill_arg), (int32_t)(p->probe.size | (write ? 1u << 16 : 0)));
	em_store_imm32(em, ctxf(&t->e->ctx.site), (int32_t)(intptr_t)p->site);
	em_call(em, t->e->mmio_stub);
	*ok = emit_jump_if_filled(t, p, NULL);
	return start;
}

/* Where a successful access in place goes on: a read to the hit path, its
 * host address the buffer; a store (done) to the end of the hit path. */
static void emit_mmio_done(struct tr *t, const struct slow_path *p, uint8_t *ok)
{
	const struct scratch *s = &p->sc;

	em_patch_rel32(ok, t->em.delta, em_rx(&t->em));
	t->hdepth = p->fsave == FS_STACK;
	t->cnt_live = p->cnt_live;             /* the hoisted scratches not reloaded since */
	if (!p->probe.write) {
		em_mov_imm(&t->em, s->h, (uint64_t)(uintptr_t)&t->e->ctx.mmio_buf);
		em_jmp(&t->em, p->hit);
		return;
	}
	flags_hit(t, s);
	if (s->rcx_back)
		rcx_from_home(t);
	reload(t, p->after);
	em_jmp(&t->em, p->resume);
}

static void emit_tail(struct tr *t, uint8_t *fall_rx)
{
	for (unsigned k = 0; k < t->nslow; k++) {
		struct slow_path *p = &t->slow[k];
		em_patch_rel32(p->jpos, t->em.delta, em_rx(&t->em));
		t->hdepth = p->fsave == FS_STACK;      /* as the main path left the host stack */
		t->rcx_in = p->rcx_in;
		t->cnt_live = p->cnt_live;
		/* First a refill (fill_stub keeps the flags too): the address
		 * is in its register; if the access hits now, the probe runs
		 * again.  After a flag-free probe RCX (a scratch) takes the
		 * result for JRCXZ, the flags untouched. */
		em_store(&t->em, ctxf(&t->e->ctx.fill_lin), p->probe.a);
		em_store_imm32(&t->em, ctxf(&t->e->ctx.fill_arg),
			       (int32_t)(p->probe.size | (p->probe.write ? 1u << 16 : 0)));
		em_call(&t->em, t->e->fill_stub);
		emit_jump_if_filled(t, p, p->probe.rx);         /* probe again */
		uint8_t *mmio_try = NULL, *mmio_ok = NULL;
		if (p->hit && p->count == 1 && !p->regroup && !p->group_end && !p->group_join)
			mmio_try = emit_mmio_try(t, p, &mmio_ok);
		uint8_t *no_fill = em_rx(&t->em);   /* the probe's miss, once MMIO was seen (no mmio_try) */
		flags_restore(t, p->fsave);
		reload_all(t, (uint16_t)(p->restore & ~t->hoist));
		uint8_t *land = em_rx(&t->em);      /* a direct jump from the instruction's start */
		reload_all(t, t->hoist);
		if (p->group_join) {
			em_jmp(&t->em, t->group_plain);
			continue;
		}
		if (p->group_end) {
			t->group_plain = em_rx(&t->em);
			emit_group_plain(t, p->site->idx, p->group_end);
			if (p->cnt_live)
				count_back(t);
			em_jmp(&t->em, p->resume);
			continue;
		}
		/* A fused run goes one instruction at a time: precise faults. */
		for (unsigned k = 0; k < p->count; k++) {
			struct bt_site *s = k ? new_site(t, p->site->idx + k, SITE_SLOW) : p->site;
			s->patch = p->jpos;
			s->stub = no_fill;
			s->mmio_try = mmio_try;
			if (p->direct && p->count == 1 && !p->regroup)
				s->direct = land;
			em_store_imm32(&t->em, ctxf(&t->e->ctx.site), (int32_t)(intptr_t)s);
			em_call(&t->em, bt_stub_for(t->e, s));
		}
		for (int r = 0; r < 16; r++)
			if (p->regroup >> r & 1)
				em_load(&t->em, r, ctxf(&t->e->ctx.group_g[r]));
		assert(p->cnt_live || p->resume || t->cnt_reg < 0);        /* fall_rx: the loop's */
		if (p->cnt_live)
			count_back(t);          /* back in the loop, not in a group's plain code */
		em_jmp(&t->em, p->resume ? p->resume : fall_rx);
		if (mmio_ok)
			emit_mmio_done(t, p, mmio_ok);
		t->rcx_in = -1;
	}
	for (unsigned k = 0; k < t->ncalls; k++) {
		struct call_path *p = &t->calls[k];
		for (unsigned j = 0; j < p->nj; j++)
			em_patch_rel32(p->jpos[j], t->em.delta, em_rx(&t->em));
		t->hdepth = p->fsave == FS_STACK;
		t->cnt_live = p->cnt_live;
		flags_restore(t, p->fsave);
		reload_all(t, p->restore | t->hoist);
		em_store_imm32(&t->em, ctxf(&t->e->ctx.site), (int32_t)(intptr_t)p->site);
		em_call(&t->em, t->e->helper_stub);
		if (p->cnt_live)
			count_back(t);
		em_jmp(&t->em, p->resume);
	}
	for (unsigned k = 0; k < t->nexits; k++) {
		struct exit_path *p = &t->exits[k];
		em_patch_rel32(p->jpos, t->em.delta, em_rx(&t->em));
		if (p->site->kind == SITE_IND) {
			t->hdepth = p->fsave == FS_STACK;
			t->cnt_live = p->cnt_live;
			flags_restore(t, p->fsave);
			reload_all(t, p->restore | t->hoist);
		} else {
			p->site->patch = p->jpos;
			p->site->stub = em_rx(&t->em);
		}
		em_store_imm32(&t->em, ctxf(&t->e->ctx.site), (int32_t)(intptr_t)p->site);
		em_jmp(&t->em, t->e->exit_stub);
	}
}

/* A loop block: its last instruction a JMP or Jcc back to its first.
 * The registers none of its instructions names (nor RAX, which flag
 * saves store to its home themselves; RCX's stores go through
 * rcx_to_home, which leaves a hoisted RCX alone) are spilled once before
 * the loop and then serve as scratches for free; every way out (the
 * fall-through, the poll exit, helper calls and slow paths) reloads them
 * first.  Only for blocks of the forms that take
 * their scratches through spill() and reload(); not under lockstep, which
 * compares one pass of a block at a time. */
static uint16_t hoist_set(const struct tr *t)
{
	unsigned last = t->n - 1;
	int cls = t->f[last].cls;
	uint16_t named = 0;

	if (t->e->ls || !t->e->hoist_loops || (cls != TC_JMP && cls != TC_JCC) ||
	    t->rip[last] + (uint64_t)t->in[last].op[0].disp != t->b->rip)
		return 0;
	for (unsigned k = 0; k < t->n; k++) {
		switch (t->f[k].cls) {
		case TC_COPY: case TC_DROP: case TC_MEM: case TC_LEA: case TC_RSP:
		case TC_PUSH: case TC_POP: case TC_PUSH_MEM: case TC_DF:
			break;
		case TC_JMP: case TC_JCC:
			if (k != last)
				return 0;
			break;
		case TC_CALL: case TC_RET:
			if ((int)k != t->tcall && (int)k != t->tret)
				return 0;
			break;
		default:
			if (!sys_inline_form(t, k))
				return 0;
		}
		named |= t->f[k].regs;
	}
	return (uint16_t)~(named | (1u << H_RSP) | (1u << H_RAX));
}

/* The last of the hoisted scratches in pool if there are at least four,
 * so that the pickers keep three; else -1. */
static int spare_scratch(uint16_t pool)
{
	return __builtin_popcount(pool) >= 4 ? 31 - __builtin_clz(pool) : -1;
}

/* The RCX keeper of a loop block whose RCX is not hoisted, where the
 * probes are flag-free (they take RCX for JRCXZ). */
static int rcx_keeper(const struct tr *t)
{
	return t->e->ctx.flagfree && !(t->hoist >> H_RCX & 1) ? spare_scratch(t->hoist) : -1;
}

/* The count register of a loop block, besides RCX's keeper. */
static int count_keeper(const struct tr *t)
{
	return t->e->count_reg ? spare_scratch((uint16_t)(t->hoist & ~(t->rcx_keep >= 0 ? 1u << t->rcx_keep : 0)))
			       : -1;
}

/* No hoisted scratches, keepers or count register: before and after a
 * block (pick_first and pick_never are the pickers', not the block's). */
static void loop_regs_clear(struct tr *t)
{
	t->hoist = pick_first = pick_never = 0;
	t->rcx_keep = t->rcx_in = t->cnt_reg = -1;
	t->cnt_live = false;
}

/* A direct CALL whose callee, on the block's page, is copied code up to
 * a plain RET: the callee's instructions follow the CALL in the block,
 * and the block goes on at the return address.  Nothing between the
 * CALL's store of the return address and the RET writes memory or RSP,
 * faults or leaves, so the RET returns where the CALL said: it only adds
 * 8 to RSP (emit_ret_known).  callret: one block entry and one TLB probe
 * per call and return, against three and two.  Not with several vCPUs,
 * another of which could rewrite the return address in between.  The
 * callee's instruction count (the RET included), 0: not traced. */
#define TRACE_MAX 16

static unsigned trace_call(struct tr *t, const uint8_t *page, uint64_t target, uint64_t ret)
{
	unsigned start = t->n;
	uint64_t rip = target;

	if (((target ^ t->b->rip) & ~0xfffull) || target == ret || t->tcall >= 0 ||
	    (t->e->vm && t->e->vm->n_cpus > 1))
		return 0;
	for (unsigned m = 1; m <= TRACE_MAX && start + m <= BT_MAX_INSNS; m++) {
		struct x86_inst *in = &t->in[start + m - 1];
		struct bt_form *f = &t->f[start + m - 1];
		unsigned pos = (unsigned)(rip & 0xfff);
		unsigned len = x86_decode(page + pos, 0x1000 - pos, 64, in);
		if (!len)
			return 0;
		bt_classify(in, f);
		t->rip[start + m - 1] = rip;
		rip += len;
		if (f->cls == TC_RET && in->nops == 0) {
			struct bt_block *b = t->b;
			b->call_idx = (uint8_t)(start - 1);
			b->callee_n = (uint8_t)m;
			b->callee_off = (int16_t)(int64_t)(target - b->rip);
			b->callee_bytes = (uint16_t)(rip - target);
			b->ret_off = (uint16_t)(ret - b->rip);
			t->tcall = (int)start - 1;
			t->tret = (int)(start + m - 1);
			return m;
		}
		if ((f->cls != TC_COPY && f->cls != TC_DROP) || (in->flags & IF_BLOCK_END))
			return 0;
	}
	return 0;
}

/* Where the instruction after i of the block being translated is. */
static uint64_t next_rip(const struct tr *t, unsigned i)
{
	return (int)i == t->tret ? t->b->rip + t->b->ret_off : t->rip[i] + t->in[i].len;
}

/* Decode the block's instructions; false if the first one crosses the
 * page end (the dispatcher steps it with the interpreter). */
static bool decode_block(struct tr *t, const uint8_t *p, unsigned avail, uint64_t rip)
{
	unsigned off = 0, cut = 0, cut_off = 0;
	bool rep = false;

	t->n = 0;
	t->tcall = t->tret = -1;
	t->b->callee_n = 0;
	while (t->n < BT_MAX_INSNS && off < avail) {
		struct x86_inst *in = &t->in[t->n];
		unsigned len = x86_decode(p + off, avail - off, 64, in);
		if (!len) {
			if (avail - off < 15)
				break;          /* perhaps cut by the page end */
			in->len = 1;            /* raises #UD when reached */
		}
		t->rip[t->n] = rip + off;
		bt_classify(in, &t->f[t->n]);
		/* Several vCPUs: PAUSE goes to the shared handler, which
		 * counts it for the pause-loop yield (engines/core/vcpu.h). */
		if (in->id == X86_INS_PAUSE && t->e->vm && t->e->vm->n_cpus > 1)
			t->f[t->n].cls = TC_HELPER;
		/* Past an inline STI or POPFQ (below) the block ends where the
		 * interpreter's does after all if it holds a REP, before or
		 * after: where a REP store into code stops depends on the block
		 * that holds it, and the instruction count must be the
		 * interpreter's. */
		rep |= in->rep != 0;
		if (cut && in->rep) {
			t->n = cut;
			off = cut_off;
			if (t->tcall >= (int)cut) {
				t->tcall = t->tret = -1;
				t->b->callee_n = 0;
			}
			break;
		}
		off += in->len;
		t->n++;
		if (in->id == X86_INS_CALL && t->f[t->n - 1].cls == TC_CALL && len) {
			uint64_t at = t->rip[t->n - 1];
			unsigned m = trace_call(t, p - (rip & 0xfff), at + (uint64_t)in->op[0].disp, at + in->len);
			if (m) {
				t->n += m;
				continue;
			}
		}
		/* An inline STI or POPFQ checks for a deliverable interrupt
		 * itself (and calls the handler, which leaves, when there is
		 * one, or when POPFQ sets TF): the block goes on past it. */
		bool goes_on = (in->id == X86_INS_STI || in->id == X86_INS_POPFQ) && sys_inline_form(t, t->n - 1) &&
			       !rep;
		if (((in->flags & IF_BLOCK_END) && !goes_on) || !len)
			break;
		if (goes_on && !cut) {
			cut = t->n;
			cut_off = off;
		}
	}
	t->b->bytes = off;
	return t->n > 0;
}

struct bt_block *bt_translate(struct engine *e, uint64_t rip, uint64_t pa, bool user)
{
	static struct tr tr;                    /* 40 KB: not on the stack */
	struct tr *t = &tr;

	if (e->code_size - e->code_used < BT_BLOCK_ROOM ||
	    e->arena_size - e->arena_used < BT_MAX_INSNS * 4 * sizeof(struct bt_site) + 4096)
		bt_flush(e);
	memset(t, 0, offsetof(struct tr, in));
	t->nslow = t->nexits = t->ncalls = 0;
	t->hdepth = 0;
	loop_regs_clear(t);
	t->ax_carry = false;
	t->overflow = false;
	t->e = e;
	t->cpu = &e->cpu;
	t->user = user;
	t->b = bt_arena_alloc(e, sizeof(struct bt_block));
	if (!t->b)
		return NULL;
	t->b->rip = rip;
	t->b->pa = pa;
	t->b->user = user;
	if (!decode_block(t, e->cpu.ram + pa, 0x1000 - (unsigned)(pa & 0xfff), rip))
		return NULL;
	t->b->n = (uint16_t)t->n;
	liveness(t);
	t->run = (struct scratch_run){ 0 };
	t->limit = t->n;

	t->em = (struct emit){ e->code_rw + e->code_used, e->code_rw + e->code_size,
			       (intptr_t)((uintptr_t)e->code_rx - (uintptr_t)e->code_rw), false };
	t->b->host = em_rx(&t->em);
	t->hoist = pick_first = hoist_set(t);
	t->rcx_keep = rcx_keeper(t);
	t->cnt_reg = count_keeper(t);
	pick_never = (uint16_t)((t->rcx_keep >= 0 ? 1u << t->rcx_keep : 0) |
				(t->cnt_reg >= 0 ? 1u << t->cnt_reg : 0));
	bool hoisted = t->hoist != 0;
	spill_all(t, t->hoist);                 /* the loop's spill, once */
	if (t->cnt_reg >= 0)
		em_load(&t->em, t->cnt_reg, count_slot(t));
	t->cnt_live = t->cnt_reg >= 0;
	t->loop_rx = em_rx(&t->em);
	uint8_t *poll_j;
	unsigned quiet = quiet_prefix(t);
	emit_entry(t, &poll_j, entry_form(t, quiet == 0));
	bool ended = false;
	t->b->ioff = bt_arena_alloc(e, (t->n + 1) * sizeof(uint32_t));
	if (!t->b->ioff)
		return NULL;
	for (unsigned i = 0; i < t->n && !ended; i++) {
		const struct x86_inst *in = &t->in[i];
		unsigned fused = 1;             /* instructions this step translated */
		t->b->ioff[i] = (uint32_t)(em_rx(&t->em) - t->b->host);
		switch (t->f[i].cls) {
		case TC_COPY: em_bytes(&t->em, in->bytes, in->len); break;
		case TC_DROP: break;
		case TC_DF: emit_df(t, i); break;
		case TC_PUSH_MEM: emit_push_mem(t, i); break;
		case TC_MEM:
			fused = emit_group(t, i);
			if (fused > 1) {
				i += fused - 1;         /* ioff set per instruction */
				fused = 1;
				break;
			}
			fused = 1;
			emit_mem(t, i);
			break;
		case TC_LEA: emit_lea(t, i); break;
		case TC_RSP: emit_rsp(t, i); break;
		case TC_PUSH: fused = emit_push_run(t, i); break;
		case TC_POP: fused = emit_pop_run(t, i); break;
		case TC_LEAVE: emit_leave(t, i); break;
		case TC_JMP:
			if (t->hoist)
				em_jmp(&t->em, t->loop_rx);     /* the back edge (hoist_set) */
			else
				emit_chain(t, i, t->rip[i] + (uint64_t)in->op[0].disp, -1);
			ended = true;
			break;
		case TC_JCC:
			if (t->hoist)
				em_jcc(&t->em, in->cc, t->loop_rx);
			else
				emit_chain(t, i, t->rip[i] + (uint64_t)in->op[0].disp, in->cc);
			break;
		case TC_CALL:
			emit_call(t, i, false);
			ended = (int)i != t->tcall;
			break;
		case TC_CALL_IND: emit_call(t, i, true); ended = true; break;
		case TC_RET:
			if ((int)i == t->tret) {
				emit_ret_known(t, i);
				break;
			}
			emit_ret(t, i);
			ended = true;
			break;
		case TC_JMP_IND: emit_jmp_ind(t, i); ended = true; break;
		default:
			fused = bt_translate_sse(t->e, &t->em, t->b, t->in, t->rip, i, t->n);
			if (!fused && emit_sys(t, i))
				t->b->sys_inline |= 1ull << i;
			else if (!fused)
				emit_helper(t, i);
			fused += !fused;
			break;
		}
		assert(t->hdepth == 0);        /* every PUSHFQ popped */
		/* The rest of a fused run: its code is the first one's. */
		for (; fused > 1; fused--)
			t->b->ioff[++i] = (uint32_t)(em_rx(&t->em) - t->b->host);
	}
	/* Fall through to the next instruction: the block's last exit. */
	uint8_t *fall_rx = em_rx(&t->em);
	t->b->ioff[t->n] = (uint32_t)(fall_rx - t->b->host);
	unsigned last = t->n - 1;
	reload_all(t, t->hoist);
	emit_chain(t, last, next_rip(t, last), -1);
	emit_poll_exit(t, poll_j, entry_form(t, quiet == 0), quiet);
	emit_tail(t, fall_rx);
	t->hdepth = 0;
	loop_regs_clear(t);
	if (t->em.full || t->overflow)
		return NULL;            /* cannot happen with BT_BLOCK_ROOM; be safe */

	t->b->host_len = (uint32_t)(t->em.w - (e->code_rw + e->code_used));
	e->code_used = (size_t)(t->em.w - e->code_rw);
	e->code_used = (e->code_used + 15) & ~(size_t)15;
	e->c.blocks++;
	e->c.loops_hoisted += hoisted;
	e->c.calls_traced += t->tcall >= 0;
	e->c.insns_translated += t->n;
	e->c.host_bytes += t->b->host_len;
	bt_insert(e, t->b);
	bt_vpage_add(e, rip);
	x86_mark_code_page(&e->cpu, pa);
	if (e->show_pending && e->show_addr >= rip && e->show_addr < rip + t->b->bytes) {
		e->show_pending = false;
		bt_show_block(e, t->b, stderr);
	}
	return t->b;
}
