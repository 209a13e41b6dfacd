/* The binary-translation engine's private state, shared by its files.
 *
 * Layout (see README.md): guest GPRs live in the host GPRs of the same
 * number while translated code runs, except RSP, whose home is
 * cpu.gpr[R_RSP] (the host keeps its own stack); the guest's arithmetic
 * flags live in the host's.  The engine struct (CPU, TLB, context block,
 * jump cache) and the site arena are mapped below 2 GiB so translated code
 * reaches every field with an absolute disp32; code is written through a
 * read-write view and runs from a separate read-execute view of the same
 * memory, so no mapping is ever writable and executable. */
#ifndef RINGBENCH_BT_H
#define RINGBENCH_BT_H

#include <capstone/capstone.h>
#include <stddef.h>
#include <stdio.h>
#include <stdint.h>
#include <time.h>

#include "engines/engine.h"
#include "engines/x86/cpu.h"
#include "engines/x86/insn.h"

#define BT_MAX_INSNS 64                 /* guest instructions per block */
#define BT_BLOCK_ROOM (64u << 10)       /* host bytes a block may need at most */
#define BT_CODE_SIZE (32u << 20)
#define BT_ARENA_SIZE (32u << 20)
#define BT_HASH_BITS 16
#define BT_JC_BITS 14                   /* the kernel's returns in exec: 1024 thrashed */
#define BT_JC_SIZE (1u << BT_JC_BITS)
#define BT_JC_EMPTY (~0ull)             /* never a RIP: not canonical */
#define BT_CROSS_MAX 4096
#define BT_CROSS_G_MAX 16384
#define BT_VPAGES 4096

struct bt_block;

/* A place where translated code calls C or leaves for the dispatcher. */
enum bt_site_kind {
	SITE_HELPER,    /* emulate in (privileged, sensitive or not translated) */
	SITE_SLOW,      /* TLB miss: emulate in, then continue after it */
	SITE_CHAIN,     /* direct branch: continue at target; patchable */
	SITE_IND,       /* indirect branch missed the jump cache: the dispatcher runs in */
	SITE_ENTRY,     /* the block-entry poll: continue at the block start */
};

struct bt_site {
	struct bt_block *block;
	uint64_t rip, next_rip;         /* the guest instruction, the one after */
	uint64_t target;                /* SITE_CHAIN, SITE_ENTRY */
	uint8_t *patch;                 /* SITE_CHAIN: rel32 to patch (RW view); SITE_SLOW: the probe's jump to it */
	uint8_t *stub;                  /* SITE_CHAIN: its unpatched target (RX); SITE_SLOW: past the refill */
	uint8_t *direct;                /* SITE_SLOW: its helper call (RX), where the instruction may jump once MMIO */
	uint8_t *mmio_try;              /* SITE_SLOW: its access in place by a quiet device (RX; device.c), or NULL */
	uint8_t *miss;                  /* SITE_SLOW: patch, once pointed past the refill */
	struct bt_block *to;            /* SITE_CHAIN: the block whose incoming list holds it */
	struct bt_site *next_in;        /* the target block's incoming links */
	uint16_t idx;                   /* instruction index in the block */
	uint16_t quiet;                 /* SITE_ENTRY: instructions to step before an interrupt */
	uint16_t rest;                  /* the block's instructions after this one */
	uint8_t kind;
	bool linked, fallback;
	bool catches;                   /* SITE_HELPER, SITE_SLOW: its faults are delivered in place (deliver.c) */
	bool irq_neutral;               /* ... and it changes no interrupt state by itself (deliver.c) */
	bool flags_kept;                /* its handler neither reads the arithmetic flags nor faults (out_stub) */
	bool listed, listed_g;          /* SITE_CHAIN: in e->cross, in e->cross_g */
	struct x86_inst in;             /* SITE_HELPER, SITE_SLOW, SITE_IND */
	/* SITE_IND of a RET: its inline cache, the imm32 (RW view) of the
	 * CMP against the popped address and the chain exit taken on a
	 * match (ret_ic.c); ic_neg: the imm32 is the displacement of
	 * LEA RCX, [addr - imm32] (the flag-free form), the address negated. */
	uint8_t *ic_imm;
	bool ic_neg;
	struct bt_site *ic_chain;
};

struct bt_block {
	uint64_t rip, pa;               /* guest linear and physical start */
	uint32_t bytes;                 /* guest code bytes covered */
	uint16_t n;                     /* guest instructions */
	uint8_t user;                   /* translated for CPL 3 (TLB array) */
	bool dead;
	bool global;                    /* its page's mapping was global (G) then */
	uint8_t *host;                  /* entry, RX view */
	uint32_t host_len;
	uint32_t *ioff;                 /* host offset of guest instruction i; [n]: end of the body */
	uint64_t group_members, group_starts;   /* memory groups (group.h): bit per instruction */
	uint64_t sys_inline;            /* sensitive instructions translated inline (emit_sys): bit per instruction */
	/* A traced call (translate.c, callee_n > 0): after the CALL at index
	 * call_idx come its callee's callee_n instructions, the last its RET,
	 * then the CALL's return address.  Offsets from rip; the callee's
	 * bytes are a second range of the same page. */
	uint8_t call_idx, callee_n;
	int16_t callee_off;
	uint16_t callee_bytes, ret_off;
	struct bt_block *hnext, *pnext;
	struct bt_site *incoming;       /* chain links into this block */
};

/* The offset from b->rip of the instruction after instruction i, which
 * is at off and len bytes long: the block's own order (a traced CALL goes
 * on at its callee, the callee's RET after the CALL). */
static inline int32_t bt_next_off(const struct bt_block *b, unsigned i, int32_t off, unsigned len)
{
	if (b->callee_n && i == b->call_idx)
		return b->callee_off;
	if (b->callee_n && i == (unsigned)b->call_idx + b->callee_n)
		return b->ret_off;
	return off + (int32_t)len;
}

/* Does block b hold guest code at offset off from its start? */
static inline bool bt_block_holds(const struct bt_block *b, int64_t off)
{
	return (off >= 0 && off < b->bytes) ||
	       (b->callee_n && off >= b->callee_off && off < b->callee_off + b->callee_bytes);
}

/* Where translated code keeps the guest's RSP while it runs: on the host
 * stack, just above the instruction-count slot ([host RSP] at a block
 * boundary).  The CPU renames stack-relative memory, so a CALL, RET or
 * PUSH does not wait on the previous one's store of RSP as it did with
 * RSP in cpu.gpr; the stubs copy it to and from cpu.gpr[R_RSP], where
 * every C reader finds it. */
#define BT_RSP_SLOT 8

/* What translated code reads and writes besides the CPU. */
struct bt_ctx {
	uint64_t hflags;                /* guest arithmetic flags as LAHF/SETO leave AX */
	uint64_t host_rsp;              /* the dispatcher's stack at entry, before enter() moves it */
	uint64_t site;                  /* struct bt_site * of the last exit or call */
	uint64_t jt;                    /* host address of an indirect jump */
	uint64_t target;                /* host address enter() jumps to */
	uint64_t jc_epoch;              /* current jump-cache epoch */
	uint64_t fill_lin, fill_arg, fill_ok;   /* fill_stub: address, size | write << 16, result */
	/* What a memory instruction reads from or writes to a quiet MMIO
	 * device instead of RAM, its probe's host address; IN's or OUT's
	 * data for a quiet port (device.c). */
	uint64_t mmio_buf;
	volatile uint8_t exit_req;      /* leave at the next block entry */
	/* Right after exit_req (an inline STI reads both as one word): 0 only
	 * while the LAPIC's IRR is known to be empty (bt_helper checked; set
	 * again on every entry from the dispatcher and every helper call; a
	 * timer expiry sets exit_req), so an inline STI, POPF or CR8 write
	 * need not ask it. */
	uint8_t irq_hint;
	/* SSE register forms run natively (translate_sse.c): 1 while none can
	 * fault; the host's MXCSR to restore after them. */
	uint8_t sse_ok;
	uint32_t host_mxcsr;
	/* The flag-free TLB probe (host BMI2, option flagfree-probe): PEXT
	 * masks for the TLB index and the page number, and for the
	 * jump-cache index its lookup after such a probe uses. */
	bool flagfree;
	uint64_t mask_index, mask_page, mask_jc;
	/* Memory groups: the host address in each G register, to take back
	 * after a helper inside the span (translate.c, emit_group). */
	uint64_t group_g[16];
};
_Static_assert(offsetof(struct bt_ctx, irq_hint) == offsetof(struct bt_ctx, exit_req) + 1,
	       "irq_hint right after exit_req");

/* Jump cache entry: valid while epoch is ctx.jc_epoch, so emptying the
 * whole cache is one increment. */
struct bt_jc_entry {
	uint64_t rip;
	uint8_t *host;
	uint64_t epoch;
	struct bt_block *block;         /* for the dispatcher */
};
#define BT_JC_SHIFT 5                   /* log2(sizeof(struct bt_jc_entry)) */
_Static_assert(sizeof(struct bt_jc_entry) == 1u << BT_JC_SHIFT, "jump-cache entry size");
_Static_assert(2 * BT_JC_SIZE <= 65536, "jump-cache slots fit engine.jc_ng");

struct bt_counters {
	uint64_t blocks, insns_translated, host_bytes, hits, chain_patches, unlinks;
	uint64_t invalidations, flushes, helpers, slow, fallbacks, steps, jc_misses, mmio_sites;
	uint64_t entries, polls, helper_jumps, fills, sse_native;
	uint64_t mmio_in_place;         /* MMIO accesses done without a helper (device.c) */
	uint64_t pio_in_place;          /* port accesses likewise */
	uint64_t hc_in_place;           /* hypercalls likewise */
	uint64_t tlb_ops;               /* INVLPG and MOV CR3 without a helper (tlbop.c) */
	uint64_t walks_reused;          /* code-page checks by a walk memo (bt_code_page_maps) */
	uint64_t faults_in_place;       /* exceptions bt_helper delivered without leaving (deliver.c) */
	uint64_t irqs_in_place;         /* interrupts bt_helper delivered without leaving */
	uint64_t mem_groups, group_members;     /* memory groups translated, their members */
	uint64_t loops_hoisted;         /* loop blocks with their scratches spilled once (translate.c) */
	uint64_t calls_traced;          /* blocks holding a traced call (translate.c, trace_call) */
	uint64_t lockstep_blocks, lockstep_unchecked;
};

struct bt_lockstep;

/* An instruction cut by the page end (cut.c): no block for it at lin
 * (physical pa, privilege user) when known, and its last decoding. */
#define BT_CUT_SLOTS 16
struct bt_cut {
	uint64_t lin, pa;
	bool user, known;
	uint8_t mode, n, buf[15];       /* n = 0: not decoded */
	struct x86_inst in;
};

struct engine {
	struct x86_cpu cpu;
	struct bt_ctx ctx;
	struct bt_jc_entry jc[2][BT_JC_SIZE];
	/* The jump-cache slots that may hold a block on a non-global page,
	 * the only ones a context switch looks at (bt_jc_clear_nonglobal). */
	uint16_t jc_ng[2 * BT_JC_SIZE];
	unsigned jc_nng;
	bool jc_ng_on[2][BT_JC_SIZE];
	struct vm *vm;

	/* Code cache: memfd mapped twice. */
	uint8_t *code_rw, *code_rx;
	size_t code_size, code_used, stubs_end;
	int code_fd;
	/* Common stubs (RX). */
	void (*enter)(void);
	uint8_t *exit_stub;             /* sync state out, back to the dispatcher */
	uint8_t *helper_stub;           /* sync out, call bt_helper, sync in */
	uint8_t *slow_stub;             /* the same with bt_helper_lean (TLB slow paths) */
	uint8_t *lean_stub;             /* with bt_helper_lean, callee-saved registers not reloaded */
	uint8_t *out_stub;              /* ... nor stored but RBX, unless leaving (OUT, VMCALL at CPL 0) */
	uint8_t *fill_stub;             /* refill the TLB after a probe miss, all registers and the flags kept */
	uint8_t *mmio_stub;             /* bt_mmio, all registers and the arithmetic flags kept */
	uint8_t *pio_stub;              /* bt_pio, likewise; returns BT_REFUSAL_SKIP bytes further on a refusal */
	uint8_t *tlbop_stub;            /* bt_tlbop, the same */
	uint8_t *hc_stub;               /* bt_hypercall, the same */
	/* bt_tlbop did the instruction's work but could not go on in place:
	 * the helper call after it does not run it again, and takes the
	 * translations' generation before it as its own (lean.c). */
	bool tlbop_done;
	uint64_t tlbop_gen;

	/* Site and block arena (below 2 GiB), reset by a flush. */
	uint8_t *arena;
	size_t arena_size, arena_used;

	struct bt_block **hash;
	struct bt_block **page;         /* per RAM page: its blocks */
	uint64_t npages;
	/* Linked chains across pages: between blocks on global pages (kept
	 * by a flush that keeps the TLB's global entries), and the others. */
	struct bt_site *cross[BT_CROSS_MAX];
	struct bt_site *cross_g[BT_CROSS_G_MAX];
	unsigned ncross, ncross_g;
	uint64_t seen_gen;              /* cpu.code_gen when links were valid */
#define BT_CODE_WALKS 4
	struct x86_walk_memo code_walk[BT_CODE_WALKS];  /* bt_code_page_maps's last walks */
	unsigned code_walk_next;
	bool stale;                     /* a translation died: leave translated code */
	/* Linear pages holding translations (at either privilege: a flush
	 * concerns both), open addressing; a flush of any other page leaves
	 * links and the jump cache alone. */
	uint64_t vpages[BT_VPAGES];
	unsigned nvpages;

	struct x86_exits ex;             /* exits handed to the VM core */
	unsigned poll;
	timer_t tick;                   /* fires at the LAPIC's next deadline */
	bool have_tick;
	uint64_t armed_deadline;
	uint64_t show_addr;             /* --show-translation: print the block holding it */
	bool show_pending;
	bool mem_groups;                /* memory groups (translate.c, emit_group); option mem-groups */
	bool hoist_loops;               /* loop blocks' spills hoisted (translate.c, hoist_set); option hoist */
	bool count_reg;                 /* ... and their count in a register (count_keeper); option count-reg */

	/* Byte 1 of RFLAGS (TF IF DF OF) through a table: IF cleared, IF
	 * alone; translated code changes IF without touching the host flags,
	 * which hold the guest's (STI sets it with LEA). */
	uint8_t if_clear[256], if_only[256];
	uint8_t tsd_only[256];          /* byte 0 of CR4: TSD alone */
	uint8_t hi_nibble[256];         /* TPR -> CR8 */
	/* CPUID results by (leaf + 8 * subleaf) mod 256, filled by bt_helper
	 * (x86_cpuid is a function of leaf and subleaf alone, leaf 1 aside:
	 * its OSXSAVE bit mirrors CR4, so it is never entered): the keys are
	 * kept negated, so translated code compares them with LEA and JRCXZ,
	 * flag-free; an entry starts with a key that hashes elsewhere. */
	struct bt_cpuid_entry {
		uint32_t nleaf, nsub;
		uint32_t r[4];
		uint64_t pad;
	} cpuid[256];

	/* The last page a refill could not make hit (MMIO, a page holding
	 * translations for a write, not present): page | write << 1 | user,
	 * and the cpu.code_gen then.  Its next misses go straight to the
	 * shared handler, which walks the tables itself: no semantic change,
	 * one page walk fewer per MMIO access. */
	uint64_t nofill_key, nofill_gen;

	struct bt_cut cut[BT_CUT_SLOTS];

	struct bt_counters c;
	uint64_t helper_by_id[X86_INS_ENDING];
	struct bt_lockstep *ls;
	size_t map_size;                /* of this struct's mapping */
};

/* cache.c: code space, blocks, links, invalidation */
int bt_cache_init(struct engine *e);
void bt_cache_free(struct engine *e);
void *bt_arena_alloc(struct engine *e, size_t size);
struct bt_block *bt_lookup(const struct engine *e, uint64_t rip, uint64_t pa, bool user);
void bt_insert(struct engine *e, struct bt_block *b);
void bt_flush(struct engine *e);
void bt_invalidate(struct engine *e, uint64_t pa, unsigned size);
void bt_link(struct engine *e, struct bt_site *s, struct bt_block *to);
void bt_unlink_cross(struct engine *e);
void bt_unlink_site(struct engine *e, struct bt_site *s);
void bt_ic_train(struct engine *e, struct bt_site *ind, uint64_t target);
void bt_jc_clear(struct engine *e);
/* Fill the jump-cache entry for block b (from the dispatcher). */
void bt_jc_set(struct engine *e, struct bt_block *b);
/* After a flush that kept the global pages (a context switch): the same
 * for the links and jump-cache entries that may depend on the other
 * pages, but those whose target's code page the new tables map where it
 * was stay. */
void bt_unlink_cross_nonglobal(struct engine *e);
void bt_jc_clear_nonglobal(struct engine *e);
/* After INVLPG of a linear range holding translations: the links into
 * its blocks and their jump-cache entries. */
void bt_forget_range(struct engine *e, uint64_t lin, uint64_t size);
/* Does linear page lin (CPL 3 if user) map, executable, to the physical
 * page of pa now?  From the TLB, a walk memo (code_walk) whose entries
 * read the same, or a walk that fills the TLB entry and a memo. */
bool bt_code_page_maps(struct engine *e, uint64_t lin, uint64_t pa, bool user);
void bt_vpage_add(struct engine *e, uint64_t rip);
/* Might translations depend on the mapping of linear page lin? */
bool bt_vpage_has(const struct engine *e, uint64_t lin);
bool bt_vpage_has_range(const struct engine *e, uint64_t lin, uint64_t size);

/* cut.c: instructions cut by the page end, run by the interpreter */
bool bt_cut_known(struct engine *e, uint64_t lin, uint64_t pa, bool user);
void bt_cut_note(struct engine *e, uint64_t lin, uint64_t pa, bool user);
void bt_cut_step(struct engine *e);

/* stubs.c: enter, exit and helper stubs at the start of the code cache */
int bt_emit_stubs(struct engine *e);

/* translate.c: one guest block into host code */
struct bt_block *bt_translate(struct engine *e, uint64_t rip, uint64_t pa, bool user);

/* translate_sse.c: the run of SSE/SSE2 register forms starting at in[i]
 * (of n) as host code; how many (0: in[i] is not one).  bt_sse_gate sets
 * ctx.sse_ok before translated code runs. */
struct emit;
unsigned bt_translate_sse(struct engine *e, struct emit *em, struct bt_block *b,
			  const struct x86_inst *in, const uint64_t *rip, unsigned i, unsigned n);
void bt_sse_gate(struct engine *e);

/* loop.c */
int bt_tick_init(struct engine *e);     /* the host timer behind LAPIC deadlines */
void bt_tick_forget(struct engine *e);  /* before e goes away */
int bt_run(struct engine *e, struct vm_exit *exit);
/* Called from translated code (helper_stub): run the instruction at
 * ctx.site with the shared semantics; say how to go on. */
enum { BT_HELPER_CONTINUE, BT_HELPER_LEAVE, BT_HELPER_JUMP /* to ctx.jt */ };
/* What pio_stub, tlbop_stub and hc_stub skip on a refusal: the JMP rel32 over
 * the fallback helper call. */
#define BT_REFUSAL_SKIP 5
int bt_helper(struct engine *e);
/* After the handler and bt_helper_clear_pending: how to go on (gen, cr0,
 * cr4: before the handler). */
int bt_helper_finish(struct engine *e, const struct bt_site *s, uint64_t gen, uint64_t cr0, uint64_t cr4);
/* The handler flushed the TLB (cpu.code_gen moved from gen): what the
 * dispatcher would do, done in place where the block can go on; the
 * generation its links now hold for. */
uint64_t bt_flush_in_place(struct engine *e, const struct bt_site *s, uint64_t gen, uint64_t cr0, uint64_t cr4);
/* An MMIO write stops the interpreter's block loop (pending) for an
 * interrupt check; bt_settle_irq does it here: clear it unless the
 * instruction leaves for the VM core or a device ended the VM. */
void bt_helper_clear_pending(struct engine *e);
/* lean.c: the helper call of IN, OUT, VMCALL and TLB slow paths, which
 * change no mode, control register or MXCSR; and which stub a site calls. */
int bt_helper_lean(struct engine *e);
const uint8_t *bt_stub_for(const struct engine *e, struct bt_site *s);

/* ctx.hflags holds the arithmetic flags as LAHF (AH: SF ZF AF PF CF)
 * and SETO (AL: OF) leave them. */
static inline void merge_flags(struct engine *e)
{
	struct x86_cpu *cpu = &e->cpu;
	uint64_t ax = e->ctx.hflags;

	cpu->rflags = (cpu->rflags & ~F_ARITH) | ((ax >> 8) & 0xd5) | ((ax & 1) << 11);
}

static inline void flags_out(struct engine *e)
{
	uint64_t fl = e->cpu.rflags;

	e->ctx.hflags = ((fl & 0xd5) << 8) | ((fl >> 11) & 1);
}

/* One of the CPU's bool flags (pending, halted, irq_check...) read as one
 * byte: the handler has just stored some of them, and a load the compiler
 * widens over two of them cannot take its value from those byte stores
 * and waits for them (store forwarding): 41% of bt_helper_lean's samples
 * on pio_out sat on such a TESTL. */
static inline bool bt_flag(const bool *p)
{
	return *(const volatile bool *)p;
}

/* Before a helper's handler: the guest state as the interpreter has it
 * at the instruction; rest: the block's instructions after it. */
static inline void bt_helper_begin(struct engine *e, const struct bt_site *s, uint64_t rest)
{
	struct x86_cpu *cpu = &e->cpu;

	if (!s->flags_kept)
		merge_flags(e);         /* else the dispatcher merges them should it come to that */
	cpu->rip = s->rip;
	e->ctx.irq_hint = 1;            /* the handler may change the LAPIC */
	/* The block entry counted every instruction; until this one runs,
	 * only those before it and it have (faults count, as the interpreter's). */
	cpu->cnt.insns -= rest;
	if (s->kind == SITE_SLOW) {
		e->c.slow++;
	} else {
		e->c.helpers++;
		e->helper_by_id[s->in.id < X86_INS_ENDING ? s->in.id : 0]++;
		if (s->fallback)
			e->c.fallbacks++;
	}
}
/* Called from fill_stub: refill the TLB for ctx.fill_lin; 1 if it hits now. */
int bt_tlb_fill(struct engine *e);
/* Called from mmio_stub (device.c): the read or write (ctx.fill_arg: size
 * | write << 16) at ctx.fill_lin, the data in ctx.mmio_buf, done by a
 * quiet device; 1 if so. */
int bt_mmio(struct engine *e);
/* Called from pio_stub (device.c): IN or OUT (ctx.fill_arg: size | write
 * << 16) of port ctx.fill_lin, the data in ctx.mmio_buf; 1 if done. */
int bt_pio(struct engine *e);
/* Called from hc_stub (device.c): VMCALL, the guest's RAX, RBX, RCX, RDX
 * and RSI in their homes; 1 if done, the result in RAX's home. */
int bt_hypercall(struct engine *e);
/* Called from tlbop_stub (tlbop.c): INVLPG of ctx.fill_lin (ctx.fill_arg
 * 1) or MOV CR3 of it (0), site ctx.site; 1 if done and in place. */
int bt_tlbop(struct engine *e);
/* A SITE_SLOW whose instruction reached MMIO: its probe skips the refill
 * from now on, to the access in place if it has one, else to the helper. */
void bt_slow_skip_fill(struct engine *e, struct bt_site *s);
/* ... and one whose access in place failed after that (not a quiet
 * device): to the helper. */
void bt_slow_to_helper(struct engine *e, struct bt_site *s);
/* A slow path whose instruction reached MMIO (the exit count moved from
 * mmio) through the helper. */
static inline void bt_slow_note_mmio(struct engine *e, struct bt_site *s, uint64_t mmio)
{
	if (s->kind != SITE_SLOW || s->block->dead || e->cpu.cnt.exits[VM_EXIT_MMIO] == mmio)
		return;
	if (s->patch) {
		bt_slow_skip_fill(e, s);
		s->catches = false;     /* an MMIO access: no setjmp per call (deliver.c) */
	} else if (s->mmio_try) {
		bt_slow_to_helper(e, s);
	}
}

/* The block at the current RIP, translated if needed (may raise #PF).
 * NULL: its first instruction crosses the page end. */
struct bt_block *bt_find_block(struct engine *e);

/* deliver.c: a helper's faults delivered in place.  Set site s's
 * catches and irq_neutral (a site of a CPL 3 block if user); run its
 * handler. */
void bt_site_classify(struct bt_site *s, bool user);
void bt_call_site(struct engine *e, struct bt_site *s);
/* After the call at s, with irq_hint hint0 before it: an IRR known empty
 * and untouched (bt_lapic_kept) is still empty, irq_hint 0 again, and the
 * interrupt check it asked for is done unless an NMI waits. */
void bt_irr_still_empty(struct engine *e, const struct bt_site *s, uint8_t hint0, uint64_t mmio, uint64_t io);

/* show.c: the guest block's disassembly beside its host code */
void bt_show_block(struct engine *e, const struct bt_block *b, FILE *out);

/* lockstep.c */
int bt_lockstep_init(struct engine *e, char *err, size_t len);
void bt_lockstep_free(struct engine *e);
/* Run the interpreter over the block about to run; returns a token the
 * check after it needs. */
void bt_lockstep_before(struct engine *e, const struct bt_block *b);
/* Compare; on a difference fill cpu.exit with the report and leave. */
void bt_lockstep_after(struct engine *e, const struct bt_block *b);

extern const struct engine_ops bt_engine_ops;

#endif
