/* CPU sharing under contention (group smp, beside smp.c):
 *   spinlock_handoff  every vCPU takes and releases one ticket spinlock
 *                     (PAUSE in the wait) as fast as it can; one op is one
 *                     acquisition by the BSP.  The end line gives the
 *                     hand-off latency (release by one vCPU to acquisition
 *                     by a waiting one) as p50/p99/p99.9 in TSC cycles and
 *                     the acquisitions per ms of all vCPUs together.
 *   timer_jitter      every vCPU runs a periodic LAPIC timer of
 *                     JIT_PERIOD_US while busy; one op is a window of
 *                     JIT_WINDOW_US.  Lateness = TSC at the handler minus
 *                     the expiry it delivers (arming time + k periods, the
 *                     LAPIC-to-TSC ratio measured at the start); p50/p99/
 *                     p99.9 on the end line, with the expiries that
 *                     coalesced into a late one (missed=).
 * Each checks its work: the lock's critical sections never overlapped and
 * their count equals the acquisitions; every vCPU's ticks received plus
 * coalesced equal the expiries in its window within one (the last one's
 * delivery races the window's end; the arming time is known to within
 * the three LAPIC writes that arm it). */
#include "guests/kernel.h"
#include "guests/smp.h"
#include "guests/x86.h"
#include "microbench/lat_hist.h"
#include "microbench/smp_bench.h"

/* --- spinlock hand-off --- */
static volatile uint32_t tk_next, tk_owner;
static volatile uint64_t tk_released, tk_inside, tk_overlaps, tk_sections;
static volatile uint64_t tk_acq[SMP_MAX];
static volatile int tk_stop;
static uint64_t tk_ops, tk_t0;
/* A repetition ends after TK_BOUND_US whatever its count: with more vCPUs
 * than host CPUs and no PAUSE-loop exit (QEMU TCG pinned), each hand-off
 * to a preempted waiter costs a host time slice and a repetition sized
 * when that did not happen can take minutes (a lock convoy).  The check
 * then fails and says so, instead of the guest hanging. */
#define TK_BOUND_US 2000000u
static int tk_convoy;
static uint64_t tk_convoy_ms;

/* Take the lock, run the critical section, release; a waiter that had to
 * spin records the hand-off from the release it saw. */
static void lock_round(unsigned cpu)
{
	uint32_t me = __atomic_fetch_add(&tk_next, 1, __ATOMIC_SEQ_CST);
	int waited = 0;

	while (__atomic_load_n(&tk_owner, __ATOMIC_ACQUIRE) != me) {
		waited = 1;
		__asm__ volatile("pause");
	}
	if (waited)
		lat_add_shared(smp_rdtsc() - tk_released);
	if (tk_inside++)
		tk_overlaps++;
	tk_sections++;
	tk_acq[cpu]++;
	tk_inside--;
	tk_released = smp_rdtsc();
	__atomic_store_n(&tk_owner, me + 1, __ATOMIC_RELEASE);
}

static void ap_lock(unsigned cpu, uint64_t arg)
{
	(void)arg;
	while (!tk_stop)
		lock_round(cpu);
}

static int lock_start(char *why)
{
	if (smp_need_two(why))
		return 1;
	tk_next = tk_owner = 0;
	tk_inside = tk_overlaps = tk_sections = 0;
	for (unsigned k = 0; k < SMP_MAX; k++)
		tk_acq[k] = 0;
	tk_ops = 0;
	tk_convoy = 0;
	tk_stop = 0;
	tk_released = smp_rdtsc();
	tk_t0 = tk_released;
	smp_post(ap_lock, 0);
	return 0;
}

static uint64_t lock_body(uint64_t n)
{
	uint64_t c, done = 0, t0 = smp_rdtsc(), bound = smp_tsc_us(TK_BOUND_US);

	sti();
	c = TIMED_LOOP(n, if (!tk_convoy) {
		lock_round(0);
		/* Every 64 rounds: a TSC read per round would be in the cost. */
		if ((++done & 63) == 0 && smp_rdtsc() - t0 > bound) {
			tk_convoy = 1;
			tk_convoy_ms = (smp_rdtsc() - t0) / smp_tsc_us(1000);
		}
	});
	cli();
	tk_ops += done;
	return c;
}

static int lock_check(uint64_t expected, char *why)
{
	uint64_t all = 0, ms;
	char buf[WHY_LEN];
	unsigned p;

	tk_stop = 1;
	if (smp_wait(10000) < 0) {
		mb_strlcpy(why, "an AP did not leave the lock loop", WHY_LEN);
		return CHECK_FAIL;
	}
	ms = (smp_rdtsc() - tk_t0) / smp_tsc_us(1000);
	for (unsigned k = 0; k < smp_ncpus; k++)
		all += tk_acq[k];
	if (tk_overlaps) {
		mb_strlcpy(why, "two vCPUs were inside the critical section at once", WHY_LEN);
		return CHECK_FAIL;
	}
	if (tk_convoy) {
		mb_strlcpy(buf, "lock convoy, repetition stopped:", sizeof(buf));
		for (p = 0; buf[p]; p++)
			;
		note_u64(buf, sizeof(buf), &p, "acquired", tk_ops);
		note_u64(buf, sizeof(buf), &p, "asked", expected);
		note_u64(buf, sizeof(buf), &p, "ms", tk_convoy_ms);
		mb_strlcpy(why, buf, WHY_LEN);
		return CHECK_FAIL;
	}
	if (tk_next != tk_owner)
		return mb_count_check(why, "tickets served", tk_owner, tk_next);
	if (tk_sections != all)
		return mb_count_check(why, "critical sections", tk_sections, all);
	if (tk_acq[0] != tk_ops || tk_ops != expected)
		return mb_count_check(why, "BSP acquisitions", tk_acq[0], expected);
	lat_note(buf);
	p = 0;
	while (buf[p])
		p++;
	note_u64(buf, sizeof(buf), &p, "acq_per_ms", all / (ms ? ms : 1));
	mb_strlcpy(why, buf, WHY_LEN);
	return CHECK_OK;
}

const struct bench spinlock_b = { .name = "spinlock_handoff", .group = "smp",
	.class = "unprivileged", .ring = 0, .start = lock_start, .body = lock_body,
	.check = lock_check };

/* --- timer jitter --- */
#define JIT_PERIOD_US 500
#define JIT_WINDOW_US 10000
#define JIT_CAL_US 10000
/* For the last tick: waited for only when it is late.  A 4-vCPU QEMU TCG
 * guest on 2 host CPUs, whose timer expiries wait for QEMU's main loop
 * thread among four busy vCPU threads, took it more than 20 ms late in 2
 * of about 10 runs of the suite: counted as lost. */
#define JIT_GRACE_US 100000

static uint32_t jit_count;                     /* LAPIC ticks per period */
static uint64_t jit_period;                    /* TSC cycles per period */
static volatile uint64_t jit_start, jit_end;
static volatile uint64_t jit_arm[SMP_MAX], jit_on[SMP_MAX];
static volatile uint64_t jit_n[SMP_MAX], jit_prev[SMP_MAX], jit_dup[SMP_MAX], jit_catchup[SMP_MAX];
static volatile uint64_t jit_off[SMP_MAX], jit_off_seen[SMP_MAX], jit_off_want[SMP_MAX], jit_off_tail[SMP_MAX];
static uint64_t jit_ops, jit_missed_all, jit_catchup_all, jit_grace;
static char jit_fault;                         /* tick_fault=dup|drop: 'u', 'd', 0 */

/* Expiries of this CPU's periodic timer due by TSC t. */
static uint64_t jit_expiries(unsigned cpu, uint64_t t)
{
	return t > jit_arm[cpu] ? (t - jit_arm[cpu]) / jit_period : 0;
}

/* A tick. Counted against the expiries due by now, not a fixed grid: a
 * late LAPIC coalesces the expiries it missed into one interrupt (the
 * IRR holds one), QEMU's catches up with one interrupt per expiry in a
 * burst; both are legal, more ticks than expiries never is. */
static void jit_tick(unsigned cpu)
{
	uint64_t t = smp_rdtsc(), slack = jit_period / 4, n, first, due;

	if (!jit_on[cpu] || (jit_fault == 'd' && t > jit_start + (jit_end - jit_start) / 2))
		return;
	n = ++jit_n[cpu];
	if (jit_fault == 'u')
		n = ++jit_n[cpu];
	if (n > jit_expiries(cpu, t) + 1)      /* +1: the ratio's error */
		jit_dup[cpu]++;
	/* late from the first expiry since the previous tick; in a burst
	 * with none (none within a quarter period either side: the ratio's
	 * error), from the expiry this tick catches up */
	first = jit_expiries(cpu, jit_prev[cpu] - slack) + 1;
	if (jit_arm[cpu] + first * jit_period > t + slack) {
		jit_catchup[cpu]++;
		due = jit_arm[cpu] + n * jit_period;
	} else {
		due = jit_arm[cpu] + (jit_expiries(cpu, jit_prev[cpu]) + 1) * jit_period;
	}
	lat_add_shared(t > due ? t - due : 0);
	jit_prev[cpu] = t;
}

/* Arm the periodic timer with interrupts off, the TSC read on either
 * side of the write close enough to place the phase (a vCPU switched out
 * there is retried; an expiry of a dropped try arrives with jit_on 0). */
static void jit_arm_timer(unsigned cpu)
{
	uint64_t before, after;

	for (int tries = 0;; tries++) {
		cli();
		before = smp_rdtsc();
		lapic_timer_periodic(VEC_SMP_TICK, jit_count);
		after = smp_rdtsc();
		if (after - before < jit_period / 8 || tries == 8)
			break;
		lapic_timer_restore();
		sti();
	}
	jit_arm[cpu] = jit_prev[cpu] = before + (after - before) / 2;
	jit_n[cpu] = jit_dup[cpu] = jit_catchup[cpu] = 0;
	jit_on[cpu] = 1;
	sti();
}

/* One window on this CPU: arm, stay busy, disarm, count. */
static void jit_window(unsigned cpu, uint64_t arg)
{
	uint64_t end, expected, last, tail, missed;
	int pending, dup;

	(void)arg;
	while (smp_rdtsc() < jit_start)
		__asm__ volatile("" ::: "memory");
	jit_arm_timer(cpu);
	while (smp_rdtsc() < jit_end)
		__asm__ volatile("" ::: "memory");
	/* Wait for a tick after jit_end, to a limit: a vCPU switched out
	 * across jit_end takes its coalesced tick on its return; QEMU runs
	 * LAPIC timer expiries in its main loop, as late as that thread is. */
	while (jit_prev[cpu] < jit_end && smp_rdtsc() < jit_end + jit_grace)
		__asm__ volatile("" ::: "memory");
	/* The end: the TSC, then whether an expiry waits in the IRR.
	 * expiries after the last tick: held in a pending IRR bit, else lost
	 * (one may still be on its way into the IRR).  More than one, none
	 * pending: this vCPU was switched out between that tick and here (a
	 * host under load) and QEMU, which injects from its main loop, has
	 * not caught up; once more after the next tick, to the same limit.
	 * A tick that never comes (tick_fault=drop) stays lost. */
	for (int again = 0;; again++) {
		cli();
		end = smp_rdtsc();
		pending = lapic_irr_has(VEC_SMP_TICK);
		expected = jit_expiries(cpu, end);
		last = jit_expiries(cpu, jit_prev[cpu]);
		tail = expected - last;
		if (pending || tail <= 1 || again)
			break;
		uint64_t seen = jit_prev[cpu];
		sti();
		while (jit_prev[cpu] == seen && smp_rdtsc() < end + jit_grace)
			__asm__ volatile("" ::: "memory");
	}
	jit_on[cpu] = 0;
	lapic_timer_restore();
	sti();
	dup = jit_dup[cpu] || jit_n[cpu] > expected + 1;
	if (dup || (!pending && tail > 1)) {
		jit_off[cpu]++;
		jit_off_seen[cpu] = jit_n[cpu];
		jit_off_want[cpu] = expected;
		jit_off_tail[cpu] = dup ? 0 : tail;
	}
	/* expiries without an interrupt of their own: coalesced into a later
	 * one (or still to come in QEMU's burst when the window closed) */
	missed = last > jit_n[cpu] ? last - jit_n[cpu] : 0;
	if (pending && tail > 1)
		missed += tail - 1;
	__atomic_add_fetch(&jit_missed_all, missed, __ATOMIC_SEQ_CST);
	__atomic_add_fetch(&jit_catchup_all, jit_catchup[cpu], __ATOMIC_SEQ_CST);
}

/* The LAPIC timer's current count and the TSC at the same moment: the
 * tightest of 16 TSC reads around a count read (a vCPU switched out or a
 * host preemption in between would skew the ratio). */
static uint32_t count_at(uint64_t *tsc)
{
	uint64_t best = ~0ull, ta, tb;
	uint32_t c, out = 0;

	for (int i = 0; i < 16; i++) {
		ta = smp_rdtsc();
		c = lapic_timer_current();
		tb = smp_rdtsc();
		if (tb - ta < best) {
			best = tb - ta;
			out = c;
			*tsc = ta + (tb - ta) / 2;
		}
	}
	return out;
}

/* LAPIC timer ticks per TSC cycle from its current count over JIT_CAL_US. */
static int jit_calibrate(char *why)
{
	uint64_t t0 = 0, t1 = 0, ticks;
	uint32_t c0, c1;

	lapic_timer_periodic(VEC_SMP_TICK, 0xffffffffu);
	c0 = count_at(&t0);
	smp_delay_us(JIT_CAL_US);
	c1 = count_at(&t1);
	lapic_timer_restore();
	ticks = (uint64_t)(c0 - c1);
	if (c1 >= c0 || !ticks) {
		mb_strlcpy(why, "the LAPIC timer's current count did not move", WHY_LEN);
		return 1;
	}
	/* ticks per period, and the period in TSC cycles it really is */
	jit_count = (uint32_t)(ticks * JIT_PERIOD_US / JIT_CAL_US);
	jit_period = (t1 - t0) * jit_count / ticks;
	if (!jit_count || !jit_period) {
		mb_strlcpy(why, "the LAPIC timer is too slow for a 500 us period", WHY_LEN);
		return 1;
	}
	return 0;
}

static int jit_start_b(char *why)
{
	if (smp_need_two(why))
		return 1;
	if (!host.has_lapic) {
		mb_strlcpy(why, "no local APIC", WHY_LEN);
		return 1;
	}
	if (jit_calibrate(why))
		return 1;
	for (unsigned k = 0; k < SMP_MAX; k++)
		jit_off[k] = jit_on[k] = 0;
	jit_ops = jit_missed_all = jit_catchup_all = 0;
	jit_grace = smp_tsc_us(JIT_GRACE_US);
	/* tick_fault= (tests): every tick counted twice, or none in the
	 * second half of each window: the check must see it */
	jit_fault = !opt.tick_fault ? 0 : !strncmp(opt.tick_fault, "dup", 4) ? 'u' :
		    !strncmp(opt.tick_fault, "drop", 5) ? 'd' : 0;
	smp_tick = jit_tick;
	return 0;
}

static uint64_t jit_body(uint64_t n)
{
	uint64_t c;

	sti();
	c = TIMED_LOOP(n, smp_window(jit_window, JIT_WINDOW_US, &jit_start, &jit_end));
	cli();
	jit_ops += n;
	return c;
}

static int jit_check(uint64_t expected, char *why)
{
	char buf[WHY_LEN];
	unsigned p = 0;

	smp_tick = 0;
	for (unsigned k = 0; k < smp_ncpus; k++)
		if (jit_off[k]) {
			note_u64(buf, sizeof(buf), &p, jit_off_tail[k] ? "periodic timer ticks lost: cpu" :
				 "more periodic timer ticks than expiries: cpu", k);
			note_u64(buf, sizeof(buf), &p, "windows", jit_off[k]);
			note_u64(buf, sizeof(buf), &p, "last_ticks", jit_off_seen[k]);
			note_u64(buf, sizeof(buf), &p, "expiries", jit_off_want[k]);
			if (jit_off_tail[k])
				note_u64(buf, sizeof(buf), &p, "expiries_after_last_tick", jit_off_tail[k]);
			mb_strlcpy(why, buf, WHY_LEN);
			return CHECK_FAIL;
		}
	if (jit_ops != expected)
		return mb_count_check(why, "windows", jit_ops, expected);
	lat_note(buf);
	while (buf[p])
		p++;
	note_u64(buf, sizeof(buf), &p, "missed", jit_missed_all);
	/* ticks with no expiry since the previous one: 0 on hardware (the
	 * IRR coalesces), QEMU's late timer catching up */
	note_u64(buf, sizeof(buf), &p, "catchup", jit_catchup_all);
	mb_strlcpy(why, buf, WHY_LEN);
	return CHECK_OK;
}

const struct bench timer_jitter_b = { .name = "timer_jitter", .group = "smp",
	.class = "interrupt", .ring = 0, .start = jit_start_b, .body = jit_body,
	.check = jit_check };
