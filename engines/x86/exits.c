/* The run() side of the exit contract (engines/engine.h) for the software
 * engines: hand an exit to the VM core, and at the next run() take what
 * it filled in (the data of an IN, a hypercall's result). */
#include <string.h>

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
