/* The software engines' vCPU multiplexer (engines/core/vcpu.h). */
#include "engines/core/vcpu.h"

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "engines/core/lapic.h"
#include "engines/core/status.h"
#include "engines/core/steal_time.h"
#include "engines/core/platform.h"
#include "engines/core/timer.h"
#include "engines/core/vcpu_threads.h"
#include "engines/core/vm.h"

enum vcpu_run { VS_RUN, VS_HALT, VS_SIPI };

struct vcpu_sched {
	struct cpu_state st[VM_MAX_CPUS];       /* of every vCPU not running */
	uint8_t tpr[VM_MAX_CPUS];               /* the full TPR (CR8 holds 4 bits) */
	enum vcpu_run run[VM_MAX_CPUS];
	volatile sig_atomic_t due;              /* a switch was asked for */
	volatile sig_atomic_t yield_to;         /* IPI target + 1, 0: none */
	enum vm_exit_reason prev;               /* the exit before this one */
	unsigned pauses;                        /* PAUSEs in this turn */
	volatile sig_atomic_t ple;              /* the switch asked for is a pause-loop yield */
	uint64_t n_slice, n_halt, n_ipi, n_pause, n_idle_ns;
};

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

int vcpu_sched_create(struct vm *vm, char *err, size_t len)
{
	struct vcpu_sched *s;

	if (vm->n_cpus < 2)
		return 0;
	if (!vm->lapics[vm->n_cpus - 1]) {
		snprintf(err, len, "engine %s has no software LAPICs for %u vCPUs", vm->ops->name, vm->n_cpus);
		return -1;
	}
	s = calloc(1, sizeof(*s));
	if (!s) {
		snprintf(err, len, "out of memory");
		return -1;
	}
	vm_own(vm, s);
	s->prev = VM_EXIT_REASON_COUNT;
	vm->sched = s;
	return 0;
}

void vcpu_sched_start(struct vm *vm)
{
	struct vcpu_sched *s = vm->sched;

	if (!s)
		return;
	vm->cur_cpu = 0;
	s->run[0] = VS_RUN;
	for (unsigned i = 1; i < vm->n_cpus; i++)
		s->run[i] = VS_SIPI;
}

void vcpu_sched_slice_end(struct vm *vm)
{
	struct vcpu_sched *s = vm->sched;

	if (!s)
		return;
	s->due = 1;
	vm->stop_requested = 1;
}

void vcpu_sched_pause(struct vm *vm)
{
	struct vcpu_sched *s = vm->sched;

	if (!s || ++s->pauses < VCPU_PLE_PAUSES)
		return;
	s->pauses = 0;
	s->ple = 1;
	s->due = 1;
	vm->stop_requested = 1;
	if (vm->ops->kick)
		vm->ops->kick(vm->engine);
}

void vcpu_sched_ipi(struct vm *vm, unsigned target)
{
	struct vcpu_sched *s = vm->sched;

	if (!s || target == vm->cur_cpu)
		return;
	s->yield_to = (sig_atomic_t)(target + 1);
	s->due = 1;
	vm->stop_requested = 1;
}

/* The state a Start-up IPI gives an AP (SDM vol. 3, 9.4.4 and table 9-1):
 * real mode at vector:0000, i.e. CS base vector << 12. */
static void sipi_state(struct cpu_state *st, unsigned id, int vec)
{
	memset(st, 0, sizeof(*st));
	for (int i = 0; i < S_COUNT; i++)
		st->seg[i] = (struct segment){ .limit = 0xffff, .type = 3, .s = 1, .present = 1 };
	st->seg[S_CS] = (struct segment){ .base = (uint64_t)vec << 12, .selector = (uint16_t)(vec << 8),
					  .limit = 0xffff, .type = 0xb, .s = 1, .present = 1 };
	st->tr = (struct segment){ .limit = 0xffff, .type = 0xb, .present = 1 };
	st->ldtr = (struct segment){ .limit = 0xffff, .type = 2, .present = 1 };
	st->gdt.limit = st->idt.limit = 0xffff;
	st->rflags = 2;
	st->cr0 = 0x60000010;
	st->dr[6] = 0xffff0ff0;
	st->dr[7] = 0x400;
	st->pat = 0x0007040600070406ull;
	st->apic_base = 0xFEE00000ull | 0x800 | (id == 0 ? 0x100 : 0);
	st->gpr[R_RDX] = 0x600;
	st->mxcsr = 0x1f80;
	/* x87 power-up state (SDM vol. 3A table 9-1): FCW 0040H, every
	 * register tagged valid (abridged FTW FFH), XCR0 1 */
	st->x87[0] = 0x40;
	st->x87[4] = 0xff;
	st->xcr0 = 1;
	(void)id;
}

/* Could vCPU i run now: running, halted with something to take (an NMI;
 * an interrupt with IF set), or started by a SIPI?  INITs are taken here. */
static int runnable(struct vm *vm, unsigned i)
{
	struct vcpu_sched *s = vm->sched;
	struct lapic *l = vm->lapics[i];
	int vec;

	if (lapic_take_init(l))
		s->run[i] = VS_SIPI;
	switch (s->run[i]) {
	case VS_RUN:
		return 1;
	case VS_HALT:
		if (lapic_nmi_pending(l) ||
		    ((s->st[i].rflags & (1u << 9)) && (lapic_pending(l) >= 0 || lapic_extint_pending(l)))) {
			s->run[i] = VS_RUN;
			return 1;
		}
		return 0;
	case VS_SIPI:
		if ((vec = lapic_take_sipi(l)) < 0)
			return 0;
		sipi_state(&s->st[i], i, vec);
		s->tpr[i] = 0;
		s->run[i] = VS_RUN;
		return 1;
	}
	return 0;
}

/* Can a halted vCPU i ever wake without another vCPU's help? */
static int may_wake(struct vm *vm, unsigned i)
{
	struct vcpu_sched *s = vm->sched;
	struct lapic *l = vm->lapics[i];

	return s->run[i] == VS_HALT && (lapic_nmi_pending(l) ||
					((s->st[i].rflags & (1u << 9)) && platform_cpu_can_wake(vm, i)));
}

static void save(struct vm *vm, unsigned i)
{
	struct vcpu_sched *s = vm->sched;

	vm->ops->get_state(vm->engine, &s->st[i]);
	s->tpr[i] = lapic_get_tpr(vm->lapics[i]);
	steal_time_switch_out(vm, i, s->run[i] == VS_RUN);
}

static void load(struct vm *vm, unsigned i)
{
	struct vcpu_sched *s = vm->sched;

	vm->cur_cpu = i;
	vm->lapic = vm->lapics[i];
	vm->ops->set_state(vm->engine, &s->st[i]);
	lapic_set_tpr(vm->lapic, s->tpr[i]);
	steal_time_switch_in(vm, i);
}

/* Nothing runnable: sleep to the earliest timer of a vCPU that can wake
 * (at most 10 ms), or end the VM when none can. */
static void idle(struct vm *vm)
{
	uint64_t now = now_ns(), until = now + 10000000ull;
	int any = 0;
	struct timespec ts;

	uint64_t d = vm_timers_next(&vm->timers);     /* any LAPIC's timer or the PIT */

	for (unsigned i = 0; i < vm->n_cpus; i++)
		any |= may_wake(vm, i);
	if (d && d < until)
		until = d > now ? d : now;
	if (!any) {
		vm_finish(vm, RB_STATUS_HALTED, "all %u vCPUs halted or waiting for SIPI with nothing to wake "
			  "them (vCPU %u halted last)", vm->n_cpus, vm->cur_cpu);
		return;
	}
	ts.tv_sec = (time_t)(until / 1000000000ull);
	ts.tv_nsec = (long)(until % 1000000000ull);
	while (!vm->stop_requested && clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR)
		;
	vm->sched->n_idle_ns += now_ns() - now;
}

/* Switch away from the current vCPU (halted or not) to the next runnable,
 * the IPI's target first, else round robin; idle while there is none. */
static void reschedule(struct vm *vm)
{
	struct vcpu_sched *s = vm->sched;
	unsigned cur = vm->cur_cpu, n = vm->n_cpus;
	int to = (int)s->yield_to - 1;

	s->yield_to = 0;
	s->ple = 0;
	s->pauses = 0;
	save(vm, cur);
	while (!vm->finished) {
		if (to >= 0 && (unsigned)to != cur && runnable(vm, (unsigned)to)) {
			load(vm, (unsigned)to);
			return;
		}
		for (unsigned k = 1; k <= n; k++) {
			unsigned i = (cur + k) % n;
			if (runnable(vm, i)) {
				load(vm, i);
				return;
			}
		}
		if (vm->stop_requested)
			return;         /* the timeout: the run loop ends the VM */
		idle(vm);
		to = -1;
	}
}

void vcpu_sched_after_exit(struct vm *vm, const struct vm_exit *x, int timed_out)
{
	struct vcpu_sched *s = vm->sched;
	/* An IN's data and a hypercall's result are consumed by the engine's
	 * next run(); one that ended at once (INTERRUPTED) has not taken
	 * them yet, so the state may not move to another vCPU then. */
	int safe = s->prev != VM_EXIT_IO && s->prev != VM_EXIT_HYPERCALL;

	s->prev = x->reason;
	if (vm->finished || timed_out)
		return;
	if (x->reason == VM_EXIT_HLT) {
		s->run[vm->cur_cpu] = VS_HALT;
		s->n_halt++;
		s->due = 0;
		vm->stop_requested = 0;
		reschedule(vm);
		return;
	}
	if (x->reason != VM_EXIT_INTERRUPTED || !s->due)
		return;
	vm->stop_requested = 0;
	if (!safe)
		return;                 /* the next slice's end switches */
	if (s->yield_to)
		s->n_ipi++;
	else if (s->ple)
		s->n_pause++;
	else
		s->n_slice++;
	s->due = 0;
	reschedule(vm);
}

size_t vcpu_sched_counters(struct vm *vm, struct engine_counter *out, size_t max)
{
	struct vcpu_sched *s = vm->sched;
	size_t n = 0;

	if (!s)
		return vcpu_threads_counters(vm, out, max);
	engine_counter_put(out, max, &n, "vcpu.switch.slice", s->n_slice);
	engine_counter_put(out, max, &n, "vcpu.switch.halt", s->n_halt);
	engine_counter_put(out, max, &n, "vcpu.switch.ipi", s->n_ipi);
	engine_counter_put(out, max, &n, "vcpu.switch.pause", s->n_pause);
	engine_counter_put(out, max, &n, "vcpu.idle_us", s->n_idle_ns / 1000);
	return n + steal_time_counters(vm, out + n, max > n ? max - n : 0);
}

void vcpu_name_exit(struct vm *vm, unsigned id, struct vm_exit *x)
{
	size_t n;

	if (vm->n_cpus < 2 || (x->reason != VM_EXIT_SHUTDOWN && x->reason != VM_EXIT_INTERNAL_ERROR))
		return;
	n = strlen(x->error.msg);
	snprintf(x->error.msg + n, sizeof(x->error.msg) - n, "%son vCPU %u", n ? " " : "", id);
}

void vcpu_sched_describe(struct vm *vm, char *out, size_t len)
{
	static const char *const what[] = { "running", "halted", "waiting for SIPI" };
	struct vcpu_sched *s = vm->sched;

	out[0] = '\0';
	if (!s)
		return;
	for (unsigned i = 0; i < vm->n_cpus; i++) {
		struct cpu_state st;
		size_t l = strlen(out);
		if (i == vm->cur_cpu)
			vm->ops->get_state(vm->engine, &st);
		else
			st = s->st[i];
		if (s->run[i] == VS_SIPI)
			snprintf(out + l, len - l, "%svCPU %u %s", i ? "; " : "", i, what[s->run[i]]);
		else
			snprintf(out + l, len - l, "%svCPU %u %s, interrupts %s, RIP 0x%llx", i ? "; " : "", i,
				 what[s->run[i]], st.rflags & 0x200 ? "on" : "off", (unsigned long long)st.rip);
	}
}
