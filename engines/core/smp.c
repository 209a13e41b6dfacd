/* How many vCPUs a VM has, and the platform tables that say so. */
#include <stdio.h>

#include "engines/core/mptable.h"
#include "engines/core/vcpu.h"
#include "engines/core/vm.h"

int vm_set_cpus(struct vm *vm, unsigned n, char *err, size_t len)
{
	if (n < 1 || n > VM_MAX_CPUS) {
		snprintf(err, len, "%u vCPUs: the platform's MP table describes 1 to %d", n, VM_MAX_CPUS);
		return -1;
	}
	if (vm->engine) {
		snprintf(err, len, "the vCPU count is set before the engine is created");
		return -1;
	}
	if (mptable_write(vm, n) < 0) {
		snprintf(err, len, "cannot write the MP table at %#x", MPTABLE_ADDR);
		return -1;
	}
	vm->n_cpus = n;
	return 0;
}

/* After the engine is created: the software engines' LAPICs (one per
 * vCPU) are multiplexed by the VM core (engines/core/vcpu.c); an engine
 * that runs each vCPU on its own host thread says so by its vcpus op. */
int vm_smp_attach(struct vm *vm, char *err, size_t len)
{
	if (vm->n_cpus < 2)
		return 0;
	if (vm->ops->run_vcpu)
		return 0;
	if (!vm->lapics[vm->n_cpus - 1]) {
		snprintf(err, len, "runs one vCPU only (--cpus %u asked)", vm->n_cpus);
		return -1;
	}
	return vcpu_sched_create(vm, err, len);
}
