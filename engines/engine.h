/* The one interface every CPU-virtualization engine implements.
 *
 * An engine runs guest code over the VM core's RAM and stops whenever the
 * guest does something the VM core must handle (port I/O, MMIO, HLT,
 * hypercall, shutdown, error).  It reports that in one engine-independent
 * form, struct vm_exit, which vm_dispatch_exit() (engines/core/exit.c)
 * handles for all engines.  An engine never talks to a device itself. */
#ifndef RINGBENCH_ENGINE_H
#define RINGBENCH_ENGINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct vm;
struct engine;

/* Segment register with its hidden part, as KVM's struct kvm_segment. */
struct segment {
	uint64_t base;
	uint32_t limit;
	uint16_t selector;
	uint8_t type, present, dpl, db, s, l, g, avl, unusable;
};

struct dtable {
	uint64_t base;
	uint16_t limit;
};

/* GPR indices in instruction-encoding order. */
enum { R_RAX, R_RCX, R_RDX, R_RBX, R_RSP, R_RBP, R_RSI, R_RDI,
       R_R8, R_R9, R_R10, R_R11, R_R12, R_R13, R_R14, R_R15, R_COUNT };
/* Segment indices in instruction-encoding order. */
enum { S_ES, S_CS, S_SS, S_DS, S_FS, S_GS, S_COUNT };

/* The full architectural state an engine gets and sets. */
struct cpu_state {
	uint64_t gpr[R_COUNT];
	uint64_t rip, rflags;
	struct segment seg[S_COUNT], tr, ldtr;
	struct dtable gdt, idt;
	uint64_t cr0, cr2, cr3, cr4, cr8, efer;
	uint64_t dr[8];                 /* dr4/dr5 unused */
	uint64_t star, lstar, cstar, sfmask, kernel_gs_base;
	uint64_t sysenter_cs, sysenter_esp, sysenter_eip;
	uint64_t tsc_aux, pat, apic_base;
	uint8_t xmm[16][16];            /* SSE: XMM0-15 and MXCSR (0x1F80 at reset) */
	uint32_t mxcsr;
	/* x87/MMX as FXSAVE bytes 0-159 (FCW, FSW, abridged FTW, FOP, FIP,
	 * FDP, ST0-7; the MXCSR bytes unused) and XCR0.  xcr0 0 (never valid:
	 * bit 0 is always set) says the state carries none: set_state leaves
	 * the engine's x87 state as it is.  The software engines' vCPU
	 * switches carry it; kvm keeps each vCPU's in the kernel and ignores
	 * it. */
	uint8_t x87[160];
	uint64_t xcr0;
};

enum vm_exit_reason {
	VM_EXIT_IO,             /* port I/O: data in io.data */
	VM_EXIT_MMIO,           /* access to guest-physical address not in RAM */
	VM_EXIT_HLT,            /* HLT with nothing the engine can wake it for */
	VM_EXIT_HYPERCALL,      /* VMCALL/VMMCALL the engine passes to the VMM */
	VM_EXIT_SHUTDOWN,       /* triple fault */
	VM_EXIT_INTERRUPTED,    /* vm->stop_requested (timeout) or a signal */
	VM_EXIT_DEBUG,          /* engine-specific stop (single step, lockstep) */
	VM_EXIT_INTERNAL_ERROR, /* the engine cannot go on: error.msg says why */
	VM_EXIT_REASON_COUNT
};

struct vm_exit {
	enum vm_exit_reason reason;
	union {
		struct {
			uint16_t port;
			uint8_t size;     /* 1, 2 or 4 */
			bool is_write;
			uint32_t count;   /* > 1 for REP INS/OUTS */
			uint8_t *data;    /* count*size bytes, engine-owned buffer */
		} io;
		struct {
			uint64_t gpa;
			uint8_t size;     /* 1, 2, 4 or 8 */
			bool is_write;
			uint8_t data[8];
		} mmio;
		struct {
			uint64_t nr, args[4], ret;
		} hypercall;
		struct {
			char msg[256];
		} error;                  /* INTERNAL_ERROR and SHUTDOWN */
	};
};

/* One named engine counter ("insns", "bt.blocks", "kvm.exits"). */
struct engine_counter {
	char name[48];
	uint64_t value;
};

/* The counters every engine reports, each with one meaning on every engine
 * (docs/results.md, "Counters"): X(field, name, meaning).  Exits that reach
 * the VM process are not here: the VM core's dispatcher counts those once,
 * by reason, for every engine (vm.exits.<reason>).  An engine's own detail
 * (bt.*, kvm.*, decode.*) comes from counters() beside these. */
#define ENGINE_STATS(X)                                                              \
	X(insns, "insns", "guest instructions the engine ran itself (interp, bt); "   \
	  "0 under kvm, where the CPU runs them")                                     \
	X(emulated_insns, "emulated_insns", "guest instructions run by an "           \
	  "instruction emulator: every one under interp; under bt those called out "  \
	  "for or stepped by the interpreter's semantics; under kvm KVM's own emulator") \
	X(helper_calls, "helper_calls", "calls from translated code into the "        \
	  "interpreter's semantics (bt)")                                             \
	X(exits_in_kernel, "exits_in_kernel", "VM exits handled without reaching "    \
	  "the VM process: under kvm those KVM handled in the host kernel")           \
	X(interrupts, "interrupts", "interrupts delivered to the guest")              \
	X(exceptions, "exceptions", "exceptions delivered to the guest by a "         \
	  "software engine")                                                          \
	X(tlb_fills, "tlb_fills", "page walks that filled the software TLB (interp, " \
	  "bt); 0 under kvm, whose MMU is the CPU's")

struct engine_stats {
#define ENGINE_STAT_FIELD(field, name, meaning) uint64_t field;
	ENGINE_STATS(ENGINE_STAT_FIELD)
#undef ENGINE_STAT_FIELD
};

/* Who provides the interrupt controllers and timers (LAPIC, PIC, IOAPIC,
 * PIT): the VM core's software devices, or the engine's own (kvm: KVM's
 * in-kernel ones).  The guest sees the same machine either way
 * (docs/platform.md); vm_assemble() adds the core's where declared. */
enum engine_irqchip { ENGINE_IRQCHIP_CORE, ENGINE_IRQCHIP_KERNEL };

struct engine_ops {
	const char *name;       /* kvm, interp, bt: the one name used everywhere */
	enum engine_irqchip irqchip;
	const char *summary;    /* one line for `ringbench engines` */

	/* Usable here?  On false, why (one line) is filled in.  On true,
	 * why may carry a note (e.g. the KVM flavour). */
	bool (*probe)(char *why, size_t len);

	/* Create a VM with one vCPU over vm->ram.  NULL and err on failure. */
	struct engine *(*create)(struct vm *vm, char *err, size_t len);
	void (*destroy)(struct engine *e);

	int (*get_state)(struct engine *e, struct cpu_state *s);
	int (*set_state)(struct engine *e, const struct cpu_state *s);

	/* Run until the VM core must act; fill *exit.  The data of an IO/MMIO
	 * read or a hypercall's ret, filled in by vm_dispatch_exit(), is
	 * consumed by the next run() call.  Returns 0, or -1 with exit
	 * reason INTERNAL_ERROR. */
	int (*run)(struct engine *e, struct vm_exit *exit);

	/* Called from a signal handler to make run() return soon with
	 * VM_EXIT_INTERRUPTED; must be async-signal-safe.  May be NULL when
	 * the engine polls vm->stop_requested. */
	void (*kick)(struct engine *e);

	/* The canonical counters since create (cumulative), every field. */
	void (*stats)(struct engine *e, struct engine_stats *out);
	/* The engine's own further counters since create; returns how many. */
	size_t (*counters)(struct engine *e, struct engine_counter *out, size_t max);

	/* Is the vCPU halted with nothing that can ever wake it (interrupts
	 * off, or no interrupt pending or armed)?  For engines that halt
	 * inside the host kernel, where the VM core never sees the HLT
	 * (kvm's in-kernel LAPIC); the run loop asks about once a second.
	 * why says what was found.  NULL: the VM core sees every HLT. */
	bool (*halted_forever)(struct engine *e, char *why, size_t len);

	/* Drive ISA IRQ line irq (0-15) of the engine's own interrupt
	 * controllers (ENGINE_IRQCHIP_KERNEL) to level, for the VM core's
	 * devices that interrupt (the UART).  NULL for ENGINE_IRQCHIP_CORE,
	 * whose controllers are the core's. */
	void (*set_irq)(struct engine *e, unsigned irq, int level);

	/* Engines that run each vCPU on its own host thread (kvm): run
	 * vCPU id (1..vm->n_cpus-1; 0 is run()) from that thread, as run().
	 * NULL: one vCPU at a time, multiplexed by the VM core. */
	int (*run_vcpu)(struct engine *e, unsigned id, struct vm_exit *exit);

	/* An engine-specific option set after create (e.g. bt's "lockstep",
	 * "show-translation"); NULL when the engine has none.  0, or -1 and
	 * err filled. */
	int (*option)(struct engine *e, const char *name, const char *value, char *err, size_t len);
};

/* The registry (engines/registry.c). */
const struct engine_ops *engine_find(const char *name);
/* Every counter of an engine: the canonical ones (ENGINE_STATS, by their
 * names) then the engine's own; returns how many (at most max). */
size_t engine_counters_all(const struct engine_ops *ops, struct engine *e,
			   struct engine_counter *out, size_t max);
/* One counter by name; 0 when the engine has none of that name. */
uint64_t engine_counter_value(const struct engine_ops *ops, struct engine *e, const char *name);
/* Append one counter to out (at most max), for the engines' counters(). */
void engine_counter_put(struct engine_counter *out, size_t max, size_t *n, const char *name, uint64_t v);
const struct engine_ops *const *engine_list(void);

const char *vm_exit_reason_name(enum vm_exit_reason r);

#endif
