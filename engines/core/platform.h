/* The machine every engine offers the guest, assembled in one place
 * (docs/platform.md).  vm_create() puts the devices every engine shares
 * on the buses (UART, debug-exit, fw_cfg, CMOS/RTC, ringbench device,
 * null page); an engine that declares ENGINE_IRQCHIP_CORE (interp, bt)
 * gets the VM core's LAPIC, 8259 PIC pair, IOAPIC and 8254 PIT from
 * platform_add_irqchip(); kvm (ENGINE_IRQCHIP_KERNEL) has KVM's in-kernel
 * ones, which behave the same to the guest. */
#ifndef RINGBENCH_PLATFORM_H
#define RINGBENCH_PLATFORM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "engines/engine.h"

struct vm;
struct console;

/* How the guest is put into RAM and where it starts: the Multiboot
 * loader (loader_multiboot, loader.h), a Linux boot-protocol loader
 * beside it.  0, or -1 with err ("NAME: problem"). */
typedef int (*vm_load_fn)(struct vm *vm, const void *ctx, struct cpu_state *entry,
			  char *err, size_t len);

struct vm_spec {
	uint64_t mem;                   /* RAM bytes */
	unsigned cpus;                  /* vCPUs, 1..VM_MAX_CPUS (0: 1) */
	struct console *console;        /* NULL: guest output dropped */
	const struct engine_ops *ops;
	vm_load_fn load;
	const void *load_ctx;
};

/* The one composition root: create the VM and its shared devices, load
 * the guest, give it its vCPUs (the MP table, fw_cfg), probe the engine,
 * add the interrupt controllers the engine declares it lacks, create the
 * engine, set the entry state and start the vCPU multiplexer (several
 * vCPUs on a software engine).  NULL on
 * failure with *status (RB_STATUS_USAGE: bad size or image;
 * RB_STATUS_NO_ENGINE; RB_STATUS_ENGINE_ERROR) and err; on success
 * *status is 0 and err holds the engine probe's note (may be empty). */
struct vm *vm_assemble(const struct vm_spec *spec, int *status, char *err, size_t len);

/* The VM core's LAPIC, PIC pair, IOAPIC and PIT (those not there yet):
 * 0, or -1 when out of memory or their addresses are taken. */
int platform_add_irqchip(struct vm *vm);

/* Drive ISA IRQ line irq (0-15) to level: the PIC's input and the IOAPIC
 * pin it is wired to (IRQ0 on pin 2, the others on their own number);
 * under an engine with its own controllers (kvm), theirs. */
void platform_set_irq(struct vm *vm, unsigned irq, int level);
/* An edge on it (raise and lower), as the PIT's OUT0 gives. */
void platform_pulse_irq(struct vm *vm, unsigned irq);

/* Can anything still wake a halted vCPU with interrupts on: the LAPIC
 * (pending, or its timer armed and unmasked), or the PIT armed with IRQ0
 * unmasked on a path to the CPU (PIC and LINT0, or the IOAPIC)? */
bool platform_can_wake(struct vm *vm);
/* The same for vCPU cpu (the PIC reaches the BSP's LINT0 only). */
bool platform_cpu_can_wake(struct vm *vm, unsigned cpu);

#endif
