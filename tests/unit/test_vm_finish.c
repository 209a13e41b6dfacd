/* A device that ends the VM from inside an instruction answered in place
 * (ACPI S5 through PM1a_CNT, as Linux's poweroff -f) stops the guest at
 * that instruction: interp and bt must not run on.  Before the fix bt
 * kept running Linux's post-power-off PAUSE loop for 12.8 s, until a
 * timer happened to send it back to its dispatcher. */
#include <stdio.h>
#include <string.h>

#include "engines/core/acpi.h"
#include "engines/core/loader.h"
#include "engines/core/status.h"
#include "engines/core/vm.h"
#include "tests/check.h"

extern const struct engine_ops interp_engine_ops, bt_engine_ops;

static uint64_t counter(struct vm *vm, const char *name)
{
	return engine_counter_value(vm->ops, vm->engine, name);
}

static void poweroff_stops(const struct engine_ops *ops, const char *guest)
{
	char err[256];
	struct cpu_state s;
	struct mb_boot boot;
	struct vm *vm = vm_create(16u << 20, NULL, err, sizeof(err));

	if (!vm || loader_load_file(vm, guest, "", NULL, 0, &boot, err, sizeof(err)) < 0 ||
	    acpi_pm_create(vm) < 0) {
		CHECK(0, "%s: a VM with %s and the ACPI PM device (%s)", ops->name, guest, err);
		if (vm)
			vm_destroy(vm);
		return;
	}
	vm->ops = ops;
	vm->engine = ops->create(vm, err, sizeof(err));
	if (!vm->engine) {
		CHECK(0, "%s: engine created (%s)", ops->name, err);
		vm_destroy(vm);
		return;
	}
	vm_multiboot_entry_state(&s, boot.entry, boot.info);
	ops->set_state(vm->engine, &s);
	/* The timeout is far beyond a run that stops at the write. */
	int status = vm_run(vm, 5);
	uint64_t pauses = counter(vm, "helper.pause"), insns = counter(vm, "insns");
	CHECK(status == RB_STATUS_POWEROFF && strstr(vm->finish_reason, "ACPI S5"),
	      "%s: SLP_EN with \\_S5's type ends the VM as powered off (status %d: %s)", ops->name, status,
	      vm->finish_reason);
	/* The setup runs about 25 instructions; the PAUSE loop would add
	 * millions a second. */
	CHECK(insns < 100 && pauses == 0, "%s: the guest stopped at the OUT (%llu instructions, %llu PAUSE helper calls)",
	      ops->name, (unsigned long long)insns, (unsigned long long)pauses);
	ops->destroy(vm->engine);
	vm->engine = NULL;
	vm_destroy(vm);
}

int main(int argc, char **argv)
{
	const char *guest = argc > 1 ? argv[1] : "build/tests/guests/poweroff64.elf";

	poweroff_stops(&interp_engine_ops, guest);
	poweroff_stops(&bt_engine_ops, guest);
	CHECK_EXIT();
}
