/* One dispatcher for every way into the kernel: system calls, interrupts,
 * the exceptions benchmarks provoke on purpose (resumed through the fixup
 * table), demand-zero page faults, and everything else: a clear report and
 * a non-zero debug-exit. */
#include "guests/kernel.h"
#include "guests/smp.h"
#include "guests/x86.h"

volatile struct kcounters kcnt;
const char *current_bench;

struct fixup {
	uint64_t fault, resume;
};
extern const struct fixup __fixup_start[], __fixup_end[];
extern const uint64_t __ud2calls_start[], __ud2calls_end[];

static const char *const exception_names[32] = {
	"#DE", "#DB", "NMI", "#BP", "#OF", "#BR", "#UD", "#NM", "#DF", "?9",
	"#TS", "#NP", "#SS", "#GP", "#PF", "?15", "#MF", "#AC", "#MC", "#XM",
	"#VE", "#CP", "?22", "?23", "?24", "?25", "?26", "?27", "#HV", "#VC",
	"#SX", "?31",
};

static int apply_fixup(struct trapframe *tf)
{
	for (const struct fixup *f = __fixup_start; f < __fixup_end; f++)
		if (f->fault == tf->rip) {
			tf->rip = f->resume;
			return 1;
		}
	return 0;
}

static int is_ud2call(uint64_t rip)
{
	for (const uint64_t *p = __ud2calls_start; p < __ud2calls_end; p++)
		if (*p == rip)
			return 1;
	return 0;
}

static __attribute__((noreturn)) void fatal(struct trapframe *tf)
{
	uint64_t v = tf->vector;

	kprintf("FATAL: unexpected %s vector=%u error=0x%lx rip=0x%lx cr2=0x%lx "
		"cs=0x%lx rflags=0x%lx rsp=0x%lx during %s\n",
		v < 32 ? exception_names[v] : "interrupt", (unsigned)v, tf->error,
		tf->rip, read_cr2(), tf->cs, tf->rflags, tf->rsp,
		current_bench ? current_bench : "boot");
	debug_exit(EXIT_FATAL);
}

void trap(struct trapframe *tf)
{
	switch (tf->vector) {
	case VEC_SYSCALL:
	case VEC_SYSCALL_INT:
		syscall_dispatch(tf);
		return;
	case VEC_TIMER:
	case VEC_PIC_BASE:            /* IRQ 0: the PIT standing in for the LAPIC */
		timer_interrupt();
		return;
	case VEC_IPI:
		kcnt.ipis++;
		lapic_eoi();
		return;
	case VEC_SMP_CALL:
	case VEC_SMP_PING:
	case VEC_SMP_PONG:
	case VEC_SMP_FLUSH:
	case VEC_SMP_TICK:
		smp_interrupt((unsigned)tf->vector);
		return;
	case VEC_SPURIOUS:
	case VEC_PIC_BASE + 7:
	case VEC_PIC_BASE + 15:
		kcnt.spurious++;
		return;
	case 6:
		if (is_ud2call(tf->rip)) {
			tf->rip += 2;
			tf->vector = VEC_UD2CALL;
			syscall_dispatch(tf);
			return;
		}
		break;
	case 14:
		if (demand_fault(read_cr2()) || syscall_misdirected(tf))
			return;
		break;
	}
	if (tf->vector < 32 && tf->vector != 8 && apply_fixup(tf)) {
		kcnt.faults[tf->vector]++;
		return;
	}
	fatal(tf);
}
