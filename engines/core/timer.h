/* One timer queue in the VM core for the software devices that count
 * host time (LAPIC timer, PIT): each device owns a struct vm_timer, arms
 * it with an absolute CLOCK_MONOTONIC deadline, and has it fired when the
 * engine next looks for interrupts after that time or the halted vCPU
 * wakes.  The engines ask for one next deadline, whatever the device. */
#ifndef RINGBENCH_TIMER_H
#define RINGBENCH_TIMER_H

#include <stdint.h>

struct vm;

struct vm_timer {
	uint64_t deadline;                      /* ns, 0: not armed */
	void (*fire)(void *dev, uint64_t now);  /* may re-arm */
	void *dev;
};

/* A LAPIC timer per vCPU (VM_MAX_CPUS, vm.h) and the PIT. */
#define VM_TIMERS_MAX 10

struct vm_timers {
	struct vm_timer *t[VM_TIMERS_MAX];
	unsigned n;
	uint64_t next;                          /* earliest deadline, 0: none */
};

uint64_t vm_now_ns(void);

/* Put a device's timer on the VM's queue (once, at creation): 0 or -1. */
int vm_timer_add(struct vm *vm, struct vm_timer *t);
/* Arm (deadline ns) or stop (0) a timer on the queue. */
void vm_timer_set(struct vm *vm, struct vm_timer *t, uint64_t deadline);
/* Fire every timer due by now; cheap when none is. */
static inline void vm_timers_poll(struct vm_timers *q);
void vm_timers_expire(struct vm_timers *q, uint64_t now);
/* The earliest deadline, 0 when nothing is armed. */
static inline uint64_t vm_timers_next(const struct vm_timers *q) { return q->next; }

static inline void vm_timers_poll(struct vm_timers *q)
{
	if (q->next) {
		uint64_t now = vm_now_ns();
		if (now >= q->next)
			vm_timers_expire(q, now);
	}
}

/* vm->hlt_wait of a VM whose devices are the core's: sleep until the next
 * deadline (10 ms when none is within 100 ms), waking early for the stop request. */
void vm_timers_hlt_wait(struct vm *vm);

#endif
