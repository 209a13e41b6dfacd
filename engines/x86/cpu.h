/* The x86 CPU model shared by the software engines (interp, bt): the
 * architectural state, the software TLB, and the entry points of the
 * semantics layer.  Faults leave an instruction by one longjmp back to the
 * engine's loop (x86_raise), never by error codes threaded through calls. */
#ifndef RINGBENCH_X86_CPU_H
#define RINGBENCH_X86_CPU_H

#include <setjmp.h>
#include <stdalign.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "engines/core/sized.h"
#include "engines/engine.h"

struct vm;
struct x86_inst;

/* RFLAGS bits */
#define F_CF   0x1ull
#define F_PF   0x4ull
#define F_AF   0x10ull
#define F_ZF   0x40ull
#define F_SF   0x80ull
#define F_TF   0x100ull
#define F_IF   0x200ull
#define F_DF   0x400ull
#define F_OF   0x800ull
#define F_IOPL 0x3000ull
#define F_NT   0x4000ull
#define F_RF   0x10000ull
#define F_VM   0x20000ull
#define F_AC   0x40000ull
#define F_ID   0x200000ull
#define F_ARITH (F_CF | F_PF | F_AF | F_ZF | F_SF | F_OF)

#define CR0_PE 0x1ull
#define CR0_EM 0x4ull
#define CR0_NW 0x20000000ull
#define CR0_CD 0x40000000ull
#define CR0_TS 0x8ull
#define CR0_WP 0x10000ull
#define CR0_PG 0x80000000ull
#define CR4_PSE 0x10ull
#define CR4_PAE 0x20ull
#define CR4_PGE 0x80ull
#define CR4_PCE 0x100ull
#define EFER_SCE 0x1ull
#define EFER_LME 0x100ull
#define EFER_LMA 0x400ull
#define EFER_NXE 0x800ull

/* Exception vectors */
enum { X86_DE = 0, X86_DB = 1, X86_NMI = 2, X86_BP = 3, X86_UD = 6, X86_NM = 7, X86_DF = 8,
       X86_TS = 10, X86_NP = 11, X86_SS = 12, X86_GP = 13, X86_PF = 14,
       X86_AC = 17 };

/* Software TLB: direct-mapped, one array per privilege (CPL 3 or not), so
 * a hit needs no permission check.  A tag is the linear page address when
 * that kind of access is allowed without a walk, else TLB_NONE.  An entry
 * is one 64-byte cache line: bt's inline probe scales the slot index by
 * one shift and adds addend to the linear address.  4096 of them: the
 * benchmarks' 16 MiB working set fits (interp/README.md). */
#define TLB_BITS 12
#define TLB_SIZE (1u << TLB_BITS)
#define TLB_NONE 1ull
struct x86_tlb_entry {
	_Alignas(64) uint64_t tag_r;
	uint64_t tag_w, tag_x;
	uint8_t *host;          /* host address of the page (RAM only) */
	uint64_t pa;            /* guest-physical page address */
	uint64_t addend;        /* host minus the linear page (RAM only): lin + addend is lin's host address */
	bool global;
	bool used;              /* listed in tlb_used */
	uint8_t shift;          /* log2 of the page it is a slice of: 12, 21 or 30 */
};

/* How run() left: the longjmp codes. */
enum { X86_JMP_FAULT = 1, X86_JMP_EXIT = 2 };

/* Counters the semantics layer keeps (the engine adds its own). */
struct x86_counters {
	uint64_t insns, exceptions, interrupts, tlb_misses, tlb_flushes;
	uint64_t exits[VM_EXIT_REASON_COUNT];
	uint64_t deliveries;    /* x86_deliver calls (debug.c: did an instruction deliver?) */
};

#define X86_REPLAY_MAX 8

struct x86_cpu {
	uint64_t gpr[R_COUNT];
	uint64_t rip, rflags;
	struct segment seg[S_COUNT], tr, ldtr;
	struct dtable gdt, idt;
	uint64_t cr0, cr2, cr3, cr4, efer;
	uint64_t dr[8];
	uint64_t star, lstar, cstar, sfmask, kernel_gs_base;
	uint64_t sysenter_cs, sysenter_esp, sysenter_eip;
	uint64_t tsc_aux, pat, apic_base;

	/* Derived from the state above by x86_update_mode(). */
	uint64_t seg_base[S_COUNT];   /* 0 for ES/CS/SS/DS in 64-bit mode */
	uint8_t cpl;
	uint8_t mode;                 /* 16, 32 or 64: code size */
	bool paging, lma;
	uint64_t lin_mask;            /* linear address width outside long mode */

	struct x86_tlb_entry tlb[2][TLB_SIZE];
	uint16_t tlb_used[2][TLB_SIZE];
	unsigned tlb_nused[2];
	/* Bumped whenever cached translations or decoded code may be stale
	 * (TLB flushes, decode-cache invalidation): engines' chain links
	 * carry the value they were made under. */
	uint64_t code_gen;
	/* What the last TLB flushes were: the code_gen of the last full flush,
	 * and the linear page of the last single-page flush (INVLPG), so an
	 * engine can keep what a flush of a data page does not touch. */
	uint64_t flush_all_gen, flush_page, flush_size;
	/* The code_gen of the last full flush that dropped the global pages
	 * too (not MOV CR3 with CR4.PGE): the others keep them, as the TLB. */
	uint64_t flush_global_gen;
	/* The 2 MiB/1 GiB pages the TLB may hold slices of (linear base |
	 * log2 size), for INVLPG; past TLB_LARGE_MAX, tlb_large_all. */
#define TLB_LARGE_MAX 64
	uint64_t tlb_large[TLB_LARGE_MAX];
	unsigned tlb_nlarge;
	unsigned tlb_large_last;        /* index of the last one noted: looked at first */
	bool tlb_large_all;

	/* Guest memory and the VM core. */
	struct vm *vm;
	uint8_t *ram;
	uint64_t ram_size;
	const char *engine_name;      /* for CPUID 0x40000001 */
	bool smp;                     /* several vCPUs share this CPU (engines/core/vcpu.c) */

	/* Decode-cache hook: guest code pages (one byte per RAM page) and
	 * the engine's callback when a write touches one. */
	uint8_t *code_pages;
	void (*code_write)(void *ctx, uint64_t pa, unsigned size);
	void *code_ctx;

	/* Fault and exit plumbing. */
	jmp_buf jb;
	/* While set, x86_raise goes there instead of jb, once (bt_helper
	 * delivers the fault in place, engines/bt/deliver.c). */
	jmp_buf *fault_catch;
	bool pending;                 /* stop after this instruction */
	bool halted;
	bool irq_check;               /* poll the LAPIC at the next boundary */
	uint64_t sti_shadow_rip;      /* no interrupt before this RIP executes */
	bool sti_shadow;
	int fault_depth;              /* exceptions being delivered, nested */
	int fault_vec, fault_has_err, delivering_vec;
	uint32_t fault_err;
	/* The exceptions of the delivery under way (#PF -> #GP -> #DF ...),
	 * as data: put into words (fault_chain) only at a triple fault, since
	 * every exception starts a chain and few end in one. */
#define X86_CHAIN_MAX 8
	struct { int vec, has_err; uint32_t err; uint64_t cr2; } chain[X86_CHAIN_MAX];
	unsigned nchain;
	char fault_chain[160];
	struct vm_exit exit;          /* the exit being built */
	bool exit_ready;
	/* Reads of I/O ports and MMIO leave the instruction, go to the VM
	 * core and re-execute it, replaying the values in order. */
	uint64_t replay[X86_REPLAY_MAX];
	unsigned replay_n, replay_pos;
	uint8_t io_buf[8];
	uint8_t io_bulk[256];         /* REP OUTS data, count > 1 */

	struct x86_counters cnt;

	/* Rarely used state, last so the hot fields above keep their
	 * layout (the TLB's alignment showed in interp's speed). */
	/* AMD's legacy performance counters: PerfEvtSel0-3, PerfCtr0-3
	 * (MSRs 0xC0010000-7), kept as written (they count nothing). */
	uint64_t amd_perf[8];
	uint64_t pte_rsvd;      /* x86_pte_rsvd's answer, once asked */
	/* The last MMIO page a walk translated (the TLB holds RAM pages only):
	 * valid while code_gen, which every TLB flush bumps, is gen; writable
	 * once a write walk set its D bit.  Spares MMIO a page walk each. */
	struct { uint64_t gen, page, pa; bool user, w; int8_t quiet; } mmio_tlb;   /* quiet: see mem.c quiet_mmio */
	bool fault_rf;          /* delivering a fault: its frame gets RF */
	bool quiet_fault;       /* the last x86_tlb_fill_quiet's walk would have faulted (#PF) */
	bool nmi_blocked;       /* from NMI delivery to the next IRET */
	/* Data breakpoints (debug.c): while watch is set, TLB fills allow no
	 * fast path and the slow path records each access here. */
	bool watch;
	bool ss_shadow;         /* MOV SS/POP SS just ran: debug traps wait */
	uint64_t ss_shadow_rip;
	unsigned db_held;       /* DR6.B0-B3 hits held by a MOV SS shadow */
	uint8_t n_watched;
	struct { uint64_t lin; uint8_t size; bool write; } watched[8];

	/* x87, MMX and SSE state, kept in the FXSAVE image's layout (SDM
	 * Vol. 1, 10.5.1: FCW at 0, FSW 2, abridged FTW 4, FOP 6, FIP 8,
	 * FDP 16, MXCSR 24, MXCSR_MASK 28, ST0-7/MM0-7 at 32 + 16*i, XMM0-15
	 * at 160 + 16*i), so FXSAVE/FXRSTOR and XSAVE's legacy region copy it
	 * and the semantics load it into the host's registers to run the
	 * guest's instruction there (exact results, as alu.c does for flags).
	 * xcr0 is XCR0 (XSETBV); xstate_bv the XSAVE header's XSTATE_BV. */
	alignas(16) uint8_t fx[512];
	uint64_t xcr0, xstate_bv;
};
/* An interrupt or NMI would be delivered at the next check (shadows aside). */
bool x86_irq_waiting(struct x86_cpu *cpu);

/* ---- lifetime and state (cpu.c) ---- */
void x86_cpu_init(struct x86_cpu *cpu, struct vm *vm, const char *engine_name);
void x86_get_state(const struct x86_cpu *cpu, struct cpu_state *s);
void x86_set_state(struct x86_cpu *cpu, const struct cpu_state *s);
/* Recompute mode, CPL and segment bases after CS/EFER/CR0 change. */
void x86_update_mode(struct x86_cpu *cpu);
/* Decode and execute one instruction at RIP without any cache (tests, the
 * translator's fallback).  Faults longjmp to cpu->jb. */
void x86_step(struct x86_cpu *cpu);
/* Up to 15 code bytes at RIP (fewer only when the next page is not RAM). */
unsigned x86_fetch(struct x86_cpu *cpu, uint8_t *buf);
/* The interrupt check at an instruction boundary: delivers the LAPIC's
 * highest deliverable vector if IF allows.  True if one was delivered. */
bool x86_check_irq(struct x86_cpu *cpu);

/* The counters both software engines report first (insns, exceptions,
 * interrupts, tlb.*), and last (exits.<reason>: the engine's exits to the
 * VM core plus the MMIO it routed itself); cpu.c. */
/* The canonical counters a software engine shares (insns, exceptions,
 * interrupts, TLB fills); the engine adds its own. */
void x86_stats(const struct x86_cpu *cpu, struct engine_stats *s);
void x86_counters_head(const struct x86_cpu *cpu, struct engine_counter *out, size_t max, size_t *n);

/* ---- the run() side of the exit contract (exits.c) ---- */
struct x86_exits {
	enum vm_exit_reason last;       /* what the previous run() returned */
	bool last_was_read;             /* an IN waiting for its data */
	uint64_t count[VM_EXIT_REASON_COUNT];
};
void x86_exits_init(struct x86_exits *x);
/* At run() entry: take what the VM core filled in for the last exit. */
void x86_exits_resume(struct x86_cpu *cpu, struct x86_exits *x, const struct vm_exit *exit);
/* Hand cpu->exit to the VM core: 0, or -1 for an internal error. */
int x86_exits_leave(struct x86_cpu *cpu, struct x86_exits *x, struct vm_exit *exit);
int x86_exits_leave_with(struct x86_cpu *cpu, struct x86_exits *x, struct vm_exit *exit,
			 enum vm_exit_reason r);
/* Hand cpu->exit to the VM core's dispatcher right here when a device
 * answers it at once (vm_exit_answers_now): counted and timed there as
 * any exit, without leaving the engine's loop.  True: done, go on (an
 * interrupt check follows: the device may have raised one). */
bool x86_exit_in_place(struct x86_cpu *cpu);
/* cpu->exit to the dispatcher, counted, with no question asked and no
 * interrupt check after: x86_exit_in_place's core, and the whole of it
 * for the quiet devices' accesses (x86_pio_quiet, x86_hypercall_quiet). */
void x86_exit_dispatch(struct x86_cpu *cpu);
/* A software engine's run(): the engine's loop (run_blocks) runs guest
 * code until it stops for a fault (delivered here, by the IDT), a halt,
 * the stop request or an exit, which goes to the VM core. */
struct x86_run_hooks {
	void (*run_blocks)(void *ctx);          /* returns with cpu->pending, or to poll */
	void (*before_halt_check)(void *ctx);   /* optional */
	void (*after_pending)(void *ctx);       /* optional: at a safe boundary */
};
int x86_run(struct x86_cpu *cpu, struct x86_exits *x, struct vm_exit *exit,
	    const struct x86_run_hooks *h, void *ctx);

/* ---- exceptions (except.c) ---- */
_Noreturn void x86_raise(struct x86_cpu *cpu, int vec, int has_err, uint32_t err);
#define x86_gp(cpu, e) x86_raise(cpu, X86_GP, 1, e)
#define x86_ud(cpu) x86_raise(cpu, X86_UD, 0, 0)
/* Deliver an exception or interrupt through the IDT. soft: INT n (gate DPL
 * is checked); next_rip: return address for traps and INT n. */
/* Interrupts (and NMIs) held until after the instruction at RIP: the
 * shadow of STI (setting IF) and of MOV SS/POP SS. */
static inline void x86_shadow_next(struct x86_cpu *cpu)
{
	cpu->sti_shadow = true;
	cpu->sti_shadow_rip = cpu->rip;
}
/* MOV SS/POP SS also hold debug traps (single-step, data breakpoints) to
 * after the next instruction (debug.c). */
static inline void x86_shadow_next_ss(struct x86_cpu *cpu)
{
	x86_shadow_next(cpu);
	cpu->ss_shadow_rip = cpu->rip;
	cpu->ss_shadow = true;
}

/* TF or an enabled DR0-DR3 breakpoint: the next instruction runs alone,
 * through x86_debug_step (debug.c), which calls step(arg) to run it. */
static inline bool x86_debug_active(const struct x86_cpu *cpu)
{
	return (cpu->rflags & F_TF) || (cpu->dr[7] & 0xff);
}
void x86_debug_step(struct x86_cpu *cpu, void (*step)(void *arg), void *arg);

void x86_deliver(struct x86_cpu *cpu, int vec, int has_err, uint32_t err,
		 bool soft, uint64_t next_rip);
/* Called by the engine after a longjmp with X86_JMP_FAULT. */
void x86_handle_fault(struct x86_cpu *cpu);
/* The same with what x86_run does around it (exits.c): the raised fault
 * (cpu->fault_vec...) delivered through the IDT.  A fault of the delivery
 * itself longjmps to cpu->jb: #DF and triple fault the slow way. */
void x86_take_fault(struct x86_cpu *cpu);
/* Raise and take vec at once, for an engine that knows the instruction
 * faults (bt: UD2), without a longjmp. */
void x86_fault_now(struct x86_cpu *cpu, int vec, int has_err, uint32_t err);
/* Leave run() with an exit; cpu->exit is filled. */
_Noreturn void x86_exit_now(struct x86_cpu *cpu);
void x86_internal_error(struct x86_cpu *cpu, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* ---- memory (mem.c) ---- */
enum { ACC_R = 0, ACC_W = 1, ACC_X = 2 };
void x86_tlb_flush(struct x86_cpu *cpu, bool keep_global);
void x86_tlb_flush_page(struct x86_cpu *cpu, uint64_t lin);
/* Translate; on failure raise #PF.  Returns the physical address. */
uint64_t x86_translate(struct x86_cpu *cpu, uint64_t lin, int acc, bool user);
/* The translator's refill: walk for [lin, lin+size) at the current
 * privilege with no side effect but the TLB entry and A/D bits; true if
 * the access now hits the TLB (false: a fault, MMIO, a code page written,
 * a page crossing — the instruction then goes to its handler;
 * cpu->quiet_fault says whether it was a page fault). */
bool x86_tlb_fill_quiet(struct x86_cpu *cpu, uint64_t lin, unsigned size, int acc);
/* The same for a user (CPL 3) or supervisor access whatever the CPL
 * (bt checks at a context switch where user code pages now map). */
bool x86_tlb_fill_quiet_as(struct x86_cpu *cpu, uint64_t lin, unsigned size, int acc, bool user);
/* A page walk's inputs and outcome: the control registers, each entry
 * read (its address, its value with the A/D bits the walk set), the
 * physical page.  The same inputs give the same walk, which writes
 * nothing (its A/D bits are set): x86_walk_same re-reads the entries
 * instead of walking, for bt's check that a code page still maps where it
 * did after a CR3 write (4 loads, not a walk and a TLB fill). */
struct x86_walk_memo {
	uint64_t page, pa, cr3, cr0, cr4, efer;
	uint64_t pte_pa[4], pte[4];
	uint8_t n;              /* entries read; 0: none recorded */
	uint8_t acc;
	bool user;
};
/* x86_tlb_fill_quiet_as of one byte, recording its walk in *m (n 0 if none). */
bool x86_tlb_fill_quiet_memo(struct x86_cpu *cpu, uint64_t lin, int acc, bool user, struct x86_walk_memo *m);
/* Would a walk for lin now give m's outcome, writing nothing? */
bool x86_walk_same(struct x86_cpu *cpu, const struct x86_walk_memo *m, uint64_t lin, int acc, bool user);
uint64_t x86_read_slow(struct x86_cpu *cpu, uint64_t lin, unsigned size);
/* A read (*v out) or write (*v in) of size bytes at lin that reaches a
 * quiet MMIO device (bus.h) through the page x86_translate found last,
 * done as the slow path would, less the interrupt check a quiet device
 * needs none of; false, with nothing done, for anything else (RAM,
 * another page, a fault, a watched access).  The translator's reads and
 * writes of MMIO (engines/bt/device.c) try it first. */
bool x86_mmio_quiet(struct x86_cpu *cpu, uint64_t lin, unsigned size, bool write, uint64_t *v);
/* IN (*v out) or OUT (*v in) of size bytes at port, at a CPL within IOPL,
 * that a quiet port device answers: done as h_in and h_out would, less
 * the interrupt check; false, with nothing done, for anything else. */
bool x86_pio_quiet(struct x86_cpu *cpu, uint16_t port, unsigned size, bool write, uint64_t *v);
/* VMCALL at CPL 0 (registers in cpu->gpr) whose hypercall the VM core
 * answers at once and quietly (vm_hypercall_quiet): dispatched, the
 * result in RAX, the exit counted; false, with nothing done, at CPL 3,
 * with a debug trap armed or for any other hypercall (ops_sys.c). */
bool x86_hypercall_quiet(struct x86_cpu *cpu);
void x86_write_slow(struct x86_cpu *cpu, uint64_t lin, unsigned size, uint64_t v);
/* Supervisor-implicit accesses (descriptor tables, TSS, IDT). */
uint64_t x86_read_sys(struct x86_cpu *cpu, uint64_t lin, unsigned size);
void x86_write_sys(struct x86_cpu *cpu, uint64_t lin, unsigned size, uint64_t v);
/* Host pointer to guest code at lin for fetching; *avail = bytes left in
 * the page; raises #PF; NULL if not RAM.  *pa gets the physical address. */
const uint8_t *x86_fetch_ptr(struct x86_cpu *cpu, uint64_t lin, uint64_t *pa, unsigned *avail);
void x86_mark_code_page(struct x86_cpu *cpu, uint64_t pa);

static inline struct x86_tlb_entry *x86_tlb(struct x86_cpu *cpu, uint64_t lin)
{
	return &cpu->tlb[cpu->cpl == 3][(lin >> 12) & (TLB_SIZE - 1)];
}

static inline uint64_t x86_read(struct x86_cpu *cpu, uint64_t lin, unsigned size)
{
	struct x86_tlb_entry *e = x86_tlb(cpu, lin);
	unsigned off = lin & 0xfff;

	if (__builtin_expect(e->tag_r == (lin & ~0xfffull) && off <= 0x1000 - size, 1)) {
		return sized_load(e->host + off, size);
	}
	return x86_read_slow(cpu, lin, size);
}

static inline void x86_write(struct x86_cpu *cpu, uint64_t lin, unsigned size, uint64_t v)
{
	struct x86_tlb_entry *e = x86_tlb(cpu, lin);
	unsigned off = lin & 0xfff;

	if (__builtin_expect(e->tag_w == (lin & ~0xfffull) && off <= 0x1000 - size, 1)) {
		sized_store(e->host + off, size, v);
		return;
	}
	x86_write_slow(cpu, lin, size, v);
}

/* ---- segments (seg.c) ---- */
/* Load a segment register with the checks of MOV/POP Sreg. */
void x86_load_seg(struct x86_cpu *cpu, int sreg, uint16_t sel);
/* Read a descriptor (8 bytes; 16 for system descriptors in long mode;
 * hi NULL: the upper 8 not read, as for a code or data segment). */
bool x86_read_desc(struct x86_cpu *cpu, uint16_t sel, uint64_t *lo, uint64_t *hi);
void x86_desc_to_seg(uint64_t lo, uint16_t sel, struct segment *s);
/* Load CS for a far transfer to a code segment (no call gates). */
void x86_load_cs(struct x86_cpu *cpu, uint16_t sel, int new_cpl);
void x86_load_tr(struct x86_cpu *cpu, uint16_t sel);
void x86_load_ldt(struct x86_cpu *cpu, uint16_t sel);

/* ---- MSR, CPUID, control registers (msr.c, cpuid.c, ops_sys.c) ---- */
bool x86_rdmsr(struct x86_cpu *cpu, uint32_t msr, uint64_t *v);
bool x86_wrmsr(struct x86_cpu *cpu, uint32_t msr, uint64_t v);
void x86_cpuid(struct x86_cpu *cpu, uint32_t leaf, uint32_t sub, uint32_t out[4]);
/* The CR4 bits the vCPU's CPUID allows; setting any other is #GP. */
uint64_t x86_cr4_allowed(struct x86_cpu *cpu);
/* The bits of a paging-structure entry above MAXPHYADDR (to bit 51). */
uint64_t x86_pte_rsvd(struct x86_cpu *cpu);
/* The vCPU's vendor: the host's (CPUID leaf 0 passes through). */
bool x86_vendor_intel(void);
bool x86_vendor_amd(void);      /* AuthenticAMD or HygonGenuine */
/* RDPMC's counter ECX, false when it does not exist (msr.c). */
bool x86_pmc_read(struct x86_cpu *cpu, uint32_t ecx, uint64_t *v);
void x86_write_cr(struct x86_cpu *cpu, int cr, uint64_t v);
/* Would a MOV CR3 of v go through (no #GP)? */
bool x86_cr3_ok(const struct x86_cpu *cpu, uint64_t v);
uint64_t x86_read_cr(struct x86_cpu *cpu, int cr);

/* ---- registers ---- */
/* A 48-bit canonical address: bits 63:47 all equal. */
static inline bool x86_canonical(uint64_t a)
{
	return (uint64_t)((int64_t)(a << 16) >> 16) == a;
}

static inline uint64_t x86_size_mask(unsigned size)
{
	return size >= 8 ? ~0ull : (1ull << (size * 8)) - 1;
}

#endif
