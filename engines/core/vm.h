/* The VM core: guest RAM, buses and devices, the loader's output, and the
 * run loop with the one exit dispatcher shared by every engine. */
#ifndef RINGBENCH_VM_H
#define RINGBENCH_VM_H

#include <signal.h>
#include <stdint.h>
#include <stdio.h>

#include "engines/engine.h"
#include "engines/core/bus.h"

struct console;
struct lapic;

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
	struct lapic *lapic;          /* software LAPIC (interp, bt); NULL under kvm */

	const struct engine_ops *ops;
	struct engine *engine;

	/* Set by a debug-exit write, a shutdown, an error or the timeout. */
	int finished;
	int exit_status;              /* process exit status */
	char finish_reason[300];

	volatile sig_atomic_t stop_requested;
	struct vm_exit_stat exits[VM_EXIT_REASON_COUNT];

	/* How a halted vCPU waits for its next interrupt: set by the device
	 * that can wake it (the software LAPIC).  NULL: HLT ends the VM. */
	void (*hlt_wait)(struct vm *vm);

	void *owned[16];              /* device state freed with the VM */
	unsigned n_owned;

	/* Every VMM-side write to guest RAM (loader, devices, hypercalls)
	 * goes through vm_write()/vm_fill(), which call this so an engine
	 * that caches decoded or translated code drops what the write made
	 * stale.  Set by such an engine (interp, bt); NULL otherwise. */
	void (*code_written)(void *ctx, uint64_t gpa, unsigned len);
	void *code_written_ctx;

	/* ringbench device state (engines/core/rbdev.c) */
	uint64_t rb_counters[8];
	vm_marker_fn on_marker;
	void *marker_ctx;
};

/* Create a VM with size bytes of zeroed RAM and the standard PC platform
 * (UART, debug-exit, ringbench device and null page). NULL + err on failure. */
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
bool vm_exit_answers_now(const struct vm *vm, const struct vm_exit *exit);

/* Attach an engine, set the entry state, and run until vm->finished.
 * timeout_s 0 means none. Returns vm->exit_status. */
int vm_run(struct vm *vm, double timeout_s);

/* The Multiboot v1 entry state: 32-bit protected mode, paging off, flat
 * 4 GiB segments, EAX=0x2BADB002, EBX=info. */
void vm_multiboot_entry_state(struct cpu_state *s, uint32_t entry, uint32_t info);

/* CPUID leaves 0x40000000.. that name ringbench (engines/core/cpuid_leaf.c);
 * leaf 0x40000001 EAX holds these feature bits (docs/platform.md). */
enum { RB_FEAT_DEVICE = 1, RB_FEAT_VMCALL = 2, RB_FEAT_DOORBELL = 4, RB_FEAT_PTE_BATCH = 8 };
int vm_hypervisor_cpuid(uint32_t leaf, const char *engine, uint32_t out[4]);

#endif
