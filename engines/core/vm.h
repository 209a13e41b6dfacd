/* The VM core: guest RAM, buses and devices, the loader's output, and the
 * run loop with the one exit dispatcher shared by every engine. */
#ifndef RINGBENCH_VM_H
#define RINGBENCH_VM_H

#include <signal.h>
#include <stdint.h>
#include <stdio.h>

#include "engines/engine.h"
#include "engines/core/bus.h"
#include "engines/core/timer.h"
#include "include/ringbench/abi.h"

struct console;
struct lapic;
struct pic;
struct pit;
struct ioapic;
struct vcpu_sched;
struct steal_time;

/* vCPUs a VM may have: the MP table's processor entries and the LAPIC IDs
 * (0..N-1) the platform hands out (docs/platform.md, "SMP"). */
#define VM_MAX_CPUS 8

#define VM_DEFAULT_MEM (64ull << 20)
#define VM_MIN_MEM     (2ull << 20)
#define VM_MAX_MEM     (3ull << 30)   /* stays below the 32-bit MMIO hole */

/* Exit accounting, per engine-independent reason. */
struct vm_exit_stat {
	uint64_t count;
	/* Host TSC ticks the VM core spent on a sample of them (one in 16):
	 * the mean per exit is timed_ticks / timed. */
	uint64_t timed, timed_ticks;
};

/* Called when the guest writes the ringbench marker port. */
typedef void (*vm_marker_fn)(struct vm *vm, uint32_t seq, int is_end, void *ctx);

struct vm {
	uint8_t *ram;
	uint64_t ram_size;
	struct bus pio, mmio;
	struct console *console;
	/* The core's interrupt controllers and timers (platform.c), for an
	 * engine that declares ENGINE_IRQCHIP_CORE; NULL under kvm. */
	struct lapic *lapic;          /* the running vCPU's LAPIC */
	unsigned n_cpus;              /* vCPUs (1 unless vm_set_cpus said more) */
	struct lapic *lapics[VM_MAX_CPUS];  /* every vCPU's, by APIC ID */
	volatile unsigned cur_cpu;    /* the vCPU the software engine runs now */
	struct vcpu_sched *sched;     /* the software engines' vCPU multiplexer
				       * (engines/core/vcpu.c); NULL with one vCPU */
	struct steal_time *steal;     /* paravirtual steal time (steal_time.c); NULL until enabled */
	struct pic *pic;
	struct ioapic *ioapic;
	struct pit *pit;
	struct vm_timers timers;      /* their host-time deadlines (timer.h) */

	const struct engine_ops *ops;
	struct engine *engine;

	/* Set by a debug-exit write, a shutdown, an error or the timeout. */
	int finished;
	int exit_status;              /* process exit status */
	char finish_reason[640];        /* room for every vCPU at a timeout */

	volatile sig_atomic_t stop_requested;
	struct vm_exit_stat exits[VM_EXIT_REASON_COUNT];

	/* How a halted vCPU waits for its next interrupt: set with the core's
	 * interrupt controllers (vm_timers_hlt_wait: until the next timer
	 * deadline).  NULL: HLT ends the VM. */
	void (*hlt_wait)(struct vm *vm);

	void *owned[32];              /* device state freed with the VM */
	unsigned n_owned;

	/* Every VMM-side write to guest RAM (loader, devices, hypercalls)
	 * goes through vm_write()/vm_fill(), which call this so an engine
	 * that caches decoded or translated code drops what the write made
	 * stale.  Set by such an engine (interp, bt); NULL otherwise. */
	void (*code_written)(void *ctx, uint64_t gpa, unsigned len);
	void *code_written_ctx;

	/* ringbench device state (engines/core/rbdev.c) */
	uint64_t rb_counters[RB_COUNTERS];
	vm_marker_fn on_marker;
	void *marker_ctx;
};

/* Give the VM n vCPUs (1..VM_MAX_CPUS): the count fw_cfg reports and the
 * MP table (engines/core/mptable.c).  Before the engine is created.  0,
 * or -1 and err. */
int vm_set_cpus(struct vm *vm, unsigned n, char *err, size_t len);

/* After the engine's create: set up how its vCPUs run (the VM core's
 * multiplexer for the software engines).  0, or -1 and err. */
int vm_smp_attach(struct vm *vm, char *err, size_t len);

/* Create a VM with size bytes of zeroed RAM and the devices every engine
 * shares (UART, debug-exit, fw_cfg, CMOS/RTC, ringbench device and null
 * page); vm_assemble (platform.h) adds the rest and the engine.  NULL +
 * err on failure. */
struct vm *vm_create(uint64_t size, struct console *console, char *err, size_t len);
void vm_destroy(struct vm *vm);

/* Free p when the VM is destroyed (device state). */
void vm_own(struct vm *vm, void *p);

/* Guest-physical pointer into RAM, or NULL if [gpa, gpa+len) is not RAM.
 * For reading the VMM's own structures and tests; a guest-chosen address
 * may be misaligned, so guest-controlled data is read with vm_read() and
 * written with vm_write(), never through a cast of this pointer. */
void *vm_gpa(struct vm *vm, uint64_t gpa, uint64_t len);

/* Copy [gpa, gpa+len) of guest RAM out (any alignment); 0, or -1 when the
 * range is not all RAM (nothing copied). */
int vm_read(struct vm *vm, uint64_t gpa, void *dst, uint64_t len);
/* The one way the VMM writes guest RAM: copy in (any alignment) and tell
 * the engine's code cache (code_written).  0, or -1 when not all RAM. */
int vm_write(struct vm *vm, uint64_t gpa, const void *src, uint64_t len);
/* As vm_write, len bytes of value byte. */
int vm_fill(struct vm *vm, uint64_t gpa, int byte, uint64_t len);

/* End the VM with a process exit status and a one-line reason. */
void vm_finish(struct vm *vm, int status, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Handle one exit: route I/O and MMIO to the buses, HLT, hypercalls,
 * shutdown and errors.  The one place exits are handled for all engines. */
void vm_dispatch_exit(struct vm *vm, struct vm_exit *exit);
/* Would the exit be answered at once by an in-process device, with
 * nothing for the run loop to do after it (not the debug exit, not a
 * benchmark marker, not a port nobody claims, not a hypercall the VM core
 * does not serve)?  Then an engine may hand it to vm_dispatch_exit()
 * from inside its run() and go on. */
bool vm_exit_answers_now(struct vm *vm, const struct vm_exit *exit);
/* Hypercall nr answered at once and quietly: its service changes no
 * interrupt line and not the run (VAPIC_POLL_IRQ, a count), so an engine
 * needs no interrupt check after it (bt's in-place VMCALL). */
bool vm_hypercall_quiet(const struct vm *vm, uint64_t nr);

/* Attach an engine, set the entry state, and run until vm->finished.
 * timeout_s 0 means none. Returns vm->exit_status. */
int vm_run(struct vm *vm, double timeout_s);

/* The Multiboot v1 entry state: 32-bit protected mode, paging off, flat
 * 4 GiB segments, EAX=0x2BADB002, EBX=info. */
void vm_multiboot_entry_state(struct cpu_state *s, uint32_t entry, uint32_t info);

/* CPUID leaves 0x40000000.. that name ringbench (engines/core/cpuid_leaf.c);
 * leaf 0x40000001 EAX holds the RB_FEAT_* bits of include/ringbench/abi.h. */
int vm_hypervisor_cpuid(uint32_t leaf, const char *engine, uint32_t out[4]);

#endif
