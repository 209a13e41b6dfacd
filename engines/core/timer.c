/* The VM core's timer queue (timer.h).  A handful of timers: a linear
 * scan is the whole data structure. */
#include "engines/core/timer.h"

#include <errno.h>
#include <time.h>

#include "engines/core/vm.h"

uint64_t vm_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static void recompute_next(struct vm_timers *q)
{
	uint64_t next = 0;

	for (unsigned i = 0; i < q->n; i++) {
		uint64_t d = q->t[i]->deadline;
		if (d && (!next || d < next))
			next = d;
	}
	q->next = next;
}

int vm_timer_add(struct vm *vm, struct vm_timer *t)
{
	struct vm_timers *q = &vm->timers;

	if (q->n >= VM_TIMERS_MAX)
		return -1;
	q->t[q->n++] = t;
	recompute_next(q);
	return 0;
}

void vm_timer_set(struct vm *vm, struct vm_timer *t, uint64_t deadline)
{
	t->deadline = deadline;
	recompute_next(&vm->timers);
}

void vm_timers_expire(struct vm_timers *q, uint64_t now)
{
	for (unsigned i = 0; i < q->n; i++) {
		struct vm_timer *t = q->t[i];
		if (t->deadline && now >= t->deadline) {
			t->deadline = 0;
			t->fire(t->dev, now);
		}
	}
	recompute_next(q);
}

void vm_timers_hlt_wait(struct vm *vm)
{
	uint64_t now = vm_now_ns(), next, until;
	struct timespec ts;

	vm_timers_expire(&vm->timers, now);
	next = vm_timers_next(&vm->timers);
	until = next && next < now + 100000000ull ? next : now + 10000000ull;
	ts.tv_sec = (time_t)(until / 1000000000ull);
	ts.tv_nsec = (long)(until % 1000000000ull);
	while (!vm->stop_requested &&
	       clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR)
		;
}
