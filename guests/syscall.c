/* System calls: number in RAX, argument in RDI, by SYSCALL, INT 0x80 or
 * UD2_SYSCALL.  syscall_probe() finds out at boot which of the first two
 * really enter the kernel here: on PVM hosts INT 0x80 at CPL3 raises #UD
 * and SYSCALL jumps to LSTAR still at CPL3 (a #PF on the supervisor page). */
#include "guests/kernel.h"
#include "guests/x86.h"
#include "microbench/bench.h"

struct entry_paths entry_paths;
extern uint8_t syscall_entry[];
static int probing;

void syscall_dispatch(struct trapframe *tf)
{
	switch (tf->rax) {
	case SYS_NULL:                /* the null system call of the benchmarks */
		if (tf->vector == VEC_SYSCALL)
			kcnt.syscalls++;
		else if (tf->vector == VEC_SYSCALL_INT)
			kcnt.int80s++;
		else
			kcnt.ud2calls++;
		tf->rax = 0;
		return;
	case SYS_RETURN:              /* end of user_call() */
		user_return(tf->rdi);
	case SYS_YIELD:
		task_yield(tf);
		return;
	default:
		tf->rax = (uint64_t)-1;
		return;
	}
}

/* SYSCALL that arrived at LSTAR without entering CPL0: while probing,
 * resume the caller (RCX holds its return address) with -1. */
int syscall_misdirected(struct trapframe *tf)
{
	if (!probing || tf->rip != (uint64_t)syscall_entry || (tf->cs & 3) != 3)
		return 0;
	tf->rip = tf->rcx;
	tf->rax = (uint64_t)-1;
	kcnt.faults[14]++;
	return 1;
}

static UCODE uint64_t probe_syscall(uint64_t arg)
{
	uint64_t r = SYS_NULL;

	(void)arg;
	__asm__ volatile("syscall" : "+a"(r) :: "rcx", "r11", "memory");
	return r;
}

static UCODE uint64_t probe_int80(uint64_t arg)
{
	uint64_t r = SYS_NULL;

	(void)arg;
	__asm__ volatile(FIXUP("int $0x80") : "+a"(r) :: "memory");
	return r;
}

void syscall_probe(void)
{
	uint64_t before = kcnt.syscalls;

	probing = 1;
	user_call(probe_syscall, 0);
	entry_paths.syscall_ok = kcnt.syscalls == before + 1;
	before = kcnt.int80s;
	user_call(probe_int80, 0);
	entry_paths.int80_ok = kcnt.int80s == before + 1;
	probing = 0;
	entry_paths.syscall_why = "SYSCALL at CPL3 does not enter CPL0 on this host";
	entry_paths.int80_why = "INT 0x80 at CPL3 does not enter the kernel on this host";
	kcnt.syscalls = kcnt.int80s = 0;
	for (unsigned v = 0; v < 32; v++)
		kcnt.faults[v] = 0;
}
