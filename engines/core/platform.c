/* The machine every engine offers the guest, assembled in one place
 * (platform.h, docs/platform.md). */
#include "engines/core/platform.h"

#include <stdio.h>
#include <string.h>

#include "engines/core/ioapic.h"
#include "engines/core/lapic.h"
#include "engines/core/pic.h"
#include "engines/core/pit.h"
#include "engines/core/status.h"
#include "engines/core/vcpu.h"
#include "engines/core/vm.h"

int platform_add_irqchip(struct vm *vm)
{
	if ((!vm->lapic && !lapic_create(vm)) || (!vm->pic && !pic_create(vm)) ||
	    (!vm->ioapic && !ioapic_create(vm)) || (!vm->pit && !pit_create(vm)))
		return -1;
	return 0;
}

/* The ISA IRQ -> IOAPIC pin wiring of QEMU and KVM (their MADT's one
 * interrupt source override: IRQ0 on pin 2). */
static unsigned ioapic_pin(unsigned irq) { return irq == 0 ? 2 : irq; }

void platform_set_irq(struct vm *vm, unsigned irq, int level)
{
	if (vm->engine && vm->ops->set_irq) {
		vm->ops->set_irq(vm->engine, irq, level);
		return;
	}
	if (vm->pic)
		pic_set_irq(vm->pic, irq, level);
	if (vm->ioapic)
		ioapic_set_irq(vm->ioapic, ioapic_pin(irq), level);
}

void platform_pulse_irq(struct vm *vm, unsigned irq)
{
	platform_set_irq(vm, irq, 1);
	platform_set_irq(vm, irq, 0);
}

bool platform_cpu_can_wake(struct vm *vm, unsigned cpu)
{
	struct lapic *l = cpu < vm->n_cpus ? vm->lapics[cpu] : NULL;

	if (l && lapic_can_wake(l))
		return true;
	if (!vm->pit || !pit_irq_armed(vm->pit))
		return false;
	return (vm->pic && pic_irq_unmasked(vm->pic, 0) && l && lapic_accepts_extint(l)) ||
	       (vm->ioapic && ioapic_pin_unmasked(vm->ioapic, ioapic_pin(0)));
}

bool platform_can_wake(struct vm *vm)
{
	return vm->lapic && platform_cpu_can_wake(vm, vm->cur_cpu);
}

struct vm *vm_assemble(const struct vm_spec *spec, int *status, char *err, size_t len)
{
	const struct engine_ops *ops = spec->ops;
	struct cpu_state entry;
	char why[300] = "";
	struct vm *vm;

	*status = RB_STATUS_USAGE;
	vm = vm_create(spec->mem, spec->console, err, len);
	if (!vm)
		return NULL;
	memset(&entry, 0, sizeof(entry));
	if (spec->load(vm, spec->load_ctx, &entry, err, len) < 0 ||
	    vm_set_cpus(vm, spec->cpus ? spec->cpus : 1, err, len) < 0)
		goto fail;
	*status = RB_STATUS_NO_ENGINE;
	if (!ops->probe(why, sizeof(why))) {
		snprintf(err, len, "engine %s unavailable: %s", ops->name, why);
		goto fail;
	}
	if (ops->irqchip == ENGINE_IRQCHIP_CORE && platform_add_irqchip(vm) < 0) {
		snprintf(err, len, "cannot create the interrupt controllers");
		*status = RB_STATUS_ENGINE_ERROR;
		goto fail;
	}
	vm->ops = ops;
	vm->engine = ops->create(vm, err, len);
	if (!vm->engine) {
		char msg[300];
		snprintf(msg, sizeof(msg), "%s", err);
		snprintf(err, len, "engine %s: %s", ops->name, msg);
		goto fail;
	}
	char msg[300];
	if (vm_smp_attach(vm, msg, sizeof(msg)) < 0) {
		snprintf(err, len, "engine %s: %s", ops->name, msg);
		*status = RB_STATUS_USAGE;
		goto fail;
	}
	*status = RB_STATUS_ENGINE_ERROR;
	if (ops->set_state(vm->engine, &entry) < 0) {
		snprintf(err, len, "engine %s cannot set the entry state", ops->name);
		goto fail;
	}
	vcpu_sched_start(vm);
	*status = 0;
	snprintf(err, len, "%s", why);
	return vm;
fail:
	vm_destroy(vm);
	return NULL;
}
