/* The one place VM exits are handled, for every engine. */
#include <string.h>
#include <x86intrin.h>

#include "engines/core/devices.h"
#include "engines/core/platform.h"
#include "engines/core/status.h"

static const char *const reason_names[VM_EXIT_REASON_COUNT] = {
	[VM_EXIT_IO] = "io",
	[VM_EXIT_MMIO] = "mmio",
	[VM_EXIT_HLT] = "hlt",
	[VM_EXIT_HYPERCALL] = "hypercall",
	[VM_EXIT_SHUTDOWN] = "shutdown",
	[VM_EXIT_INTERRUPTED] = "interrupted",
	[VM_EXIT_DEBUG] = "debug",
	[VM_EXIT_INTERNAL_ERROR] = "internal-error",
};

const char *vm_exit_reason_name(enum vm_exit_reason r)
{
	return (unsigned)r < VM_EXIT_REASON_COUNT ? reason_names[r] : "?";
}

/* The host time an exit costs the VM core, in TSC ticks: RDTSC is a few
 * ns where clock_gettime() is tens, and the software engines' MMIO exits
 * come at millions a second.  Readers convert with the host TSC rate. */
static uint64_t now_ticks(void)
{
	return __rdtsc();
}

static void dispatch_io(struct vm *vm, struct vm_exit *x)
{
	for (uint32_t i = 0; i < x->io.count && !vm->finished; i++)
		bus_access(&vm->pio, x->io.port, x->io.data + i * x->io.size,
			   x->io.size, x->io.is_write);
}

static void dispatch_hypercall(struct vm *vm, struct vm_exit *x)
{
	if (x->hypercall.nr == RB_KVM_HC_VAPIC_POLL_IRQ) {
		vm->rb_counters[RB_CNT_VMCALL]++;
		x->hypercall.ret = 0;
	} else {
		x->hypercall.ret = RB_KVM_ENOSYS_RET;
	}
}

/* A HLT nothing can end: interrupts off (cli; hlt), or on with no
 * interrupt pending or armed (sti; hlt without a timer).  NULL: it may
 * wake.  Asked on every HLT exit: HLT is a slow path (it sleeps). */
static const char *halted_forever(struct vm *vm)
{
	struct cpu_state st;

	if (vm->ops && vm->engine && vm->ops->get_state(vm->engine, &st) == 0 && !(st.rflags & (1u << 9)))
		return "guest halted with interrupts disabled (cli; hlt): nothing can wake it";
	if (vm->lapic && !platform_can_wake(vm))
		return "guest halted with no interrupt pending or armed: nothing can wake it";
	return NULL;
}

bool vm_exit_answers_now(struct vm *vm, const struct vm_exit *x)
{
	switch (x->reason) {
	case VM_EXIT_IO: {
		uint16_t p = x->io.port;
		if (x->io.count != 1 || p == RB_DEBUG_EXIT_PORT ||
		    (p >= RB_PORT_MARK_BEGIN && p < RB_PORT_MARK_END + 4))
			return false;
		return bus_lookup(&vm->pio, p) != NULL;
	}
	case VM_EXIT_HYPERCALL:
		return x->hypercall.nr == RB_KVM_HC_VAPIC_POLL_IRQ;
	default:
		return false;
	}
}

bool vm_hypercall_quiet(const struct vm *vm, uint64_t nr)
{
	return !vm->finished && nr == RB_KVM_HC_VAPIC_POLL_IRQ;     /* dispatch_hypercall: a count */
}

/* One exit in EXIT_TIME_EVERY is timed (the first of each reason too): the
 * software engines' MMIO exits come at millions a second and two RDTSCs
 * would double what one costs; the mean over the sample is the same. */
#define EXIT_TIME_EVERY 16

void vm_dispatch_exit(struct vm *vm, struct vm_exit *x)
{
	struct vm_exit_stat *st = (unsigned)x->reason < VM_EXIT_REASON_COUNT ? &vm->exits[x->reason] : NULL;
	int timed = st && st->count % EXIT_TIME_EVERY == 0;
	uint64_t t0 = timed ? now_ticks() : 0;
	const char *why;

	switch (x->reason) {
	case VM_EXIT_IO:
		dispatch_io(vm, x);
		break;
	case VM_EXIT_MMIO:
		bus_access(&vm->mmio, x->mmio.gpa, x->mmio.data, x->mmio.size, x->mmio.is_write);
		break;
	case VM_EXIT_HLT:
		if (vm->sched)
			break;  /* several vCPUs: the scheduler runs another (vcpu.c) */
		if ((why = halted_forever(vm)))
			vm_finish(vm, RB_STATUS_HALTED, "%s", why);
		else if (vm->hlt_wait)
			vm->hlt_wait(vm);
		else
			vm_finish(vm, RB_STATUS_HALTED, "guest halted with no interrupt source to wake it");
		break;
	case VM_EXIT_HYPERCALL:
		dispatch_hypercall(vm, x);
		break;
	case VM_EXIT_SHUTDOWN:
		vm_finish(vm, RB_STATUS_SHUTDOWN, "guest shut down (triple fault)%s%s",
			  x->error.msg[0] ? ": " : "", x->error.msg);
		break;
	case VM_EXIT_INTERRUPTED:
	case VM_EXIT_DEBUG:
		break;          /* the run loop looks at vm->stop_requested */
	case VM_EXIT_INTERNAL_ERROR:
	default:
		vm_finish(vm, RB_STATUS_ENGINE_ERROR, "%s engine error: %s",
			  vm->ops ? vm->ops->name : "?", x->error.msg);
		break;
	}
	if (st) {
		st->count++;
		if (timed) {
			st->timed++;
			st->timed_ticks += now_ticks() - t0;
		}
	}
}
