/* The run() side of the exit contract (engines/engine.h) for the software
 * engines: hand an exit to the VM core, at the next run() take what it
 * filled in (the data of an IN, a hypercall's result), and the outer loop
 * around the engine's own: faults, halts, the stop request. */
#include <setjmp.h>
#include <string.h>

#include "engines/core/vm.h"
#include "engines/x86/cpu.h"

void x86_exits_init(struct x86_exits *x)
{
	memset(x, 0, sizeof(*x));
	x->last = VM_EXIT_REASON_COUNT;
}

void x86_exits_resume(struct x86_cpu *cpu, struct x86_exits *x, const struct vm_exit *exit)
{
	if (x->last_was_read) {
		/* The IN re-executes and takes its value from the replay. */
		uint64_t v = 0;
		memcpy(&v, cpu->io_buf, sizeof(cpu->io_buf) < 8 ? sizeof(cpu->io_buf) : 8);
		cpu->replay[0] = v;
		cpu->replay_n = 1;
		cpu->replay_pos = 0;
		x->last_was_read = false;
	} else if (x->last == VM_EXIT_HYPERCALL) {
		cpu->gpr[R_RAX] = exit->hypercall.ret;
	}
	x->last = VM_EXIT_REASON_COUNT;
	cpu->exit_ready = false;
	cpu->pending = false;
}

void x86_exit_dispatch(struct x86_cpu *cpu)
{
	cpu->cnt.exits[cpu->exit.reason]++;   /* "this step reached a device" (lockstep) */
	vm_dispatch_exit(cpu->vm, &cpu->exit);
}

bool x86_exit_in_place(struct x86_cpu *cpu)
{
	if (!cpu->vm || !vm_exit_answers_now(cpu->vm, &cpu->exit))
		return false;
	x86_exit_dispatch(cpu);
	cpu->irq_check = true;
	if (cpu->vm->finished)
		cpu->pending = true;    /* the device ended the VM (a reset port) */
	return true;
}

int x86_exits_leave(struct x86_cpu *cpu, struct x86_exits *x, struct vm_exit *exit)
{
	*exit = cpu->exit;
	x->last = exit->reason;
	x->last_was_read = exit->reason == VM_EXIT_IO && !exit->io.is_write;
	if ((unsigned)exit->reason < VM_EXIT_REASON_COUNT)
		x->count[exit->reason]++;
	cpu->exit_ready = false;
	cpu->pending = false;
	cpu->replay_n = cpu->replay_pos = 0;
	return exit->reason == VM_EXIT_INTERNAL_ERROR ? -1 : 0;
}

int x86_exits_leave_with(struct x86_cpu *cpu, struct x86_exits *x, struct vm_exit *exit,
			 enum vm_exit_reason r)
{
	memset(&cpu->exit, 0, sizeof(cpu->exit));
	cpu->exit.reason = r;
	return x86_exits_leave(cpu, x, exit);
}

void x86_take_fault(struct x86_cpu *cpu)
{
	cpu->replay_n = cpu->replay_pos = 0;
	cpu->pending = false;
	x86_handle_fault(cpu);
}

int x86_run(struct x86_cpu *cpu, struct x86_exits *x, struct vm_exit *exit,
	    const struct x86_run_hooks *h, void *ctx)
{
	struct vm *vm = cpu->vm;

	x86_exits_resume(cpu, x, exit);
	switch (setjmp(cpu->jb)) {
	case 0:
		break;
	case X86_JMP_FAULT:
		x86_take_fault(cpu);            /* may longjmp here again */
		break;
	default:                                /* X86_JMP_EXIT */
		return x86_exits_leave(cpu, x, exit);
	}
	if (cpu->exit_ready)
		return x86_exits_leave(cpu, x, exit);
	for (;;) {
		/* A device answered in place may have ended the VM (power-off
		 * port, reset): the guest must not run on behind it. */
		if (vm && (vm->stop_requested || vm->finished))
			return x86_exits_leave_with(cpu, x, exit, VM_EXIT_INTERRUPTED);
		if (cpu->halted) {
			if (h->before_halt_check)
				h->before_halt_check(ctx);
			if (!x86_check_irq(cpu))
				return x86_exits_leave_with(cpu, x, exit, VM_EXIT_HLT);
		}
		h->run_blocks(ctx);
		if (cpu->pending) {
			cpu->pending = false;
			if (h->after_pending)
				h->after_pending(ctx);
			if (cpu->exit_ready)
				return x86_exits_leave(cpu, x, exit);
		}
	}
}
