/* Interrupts into the kernel: timer delivery + EOI (one-shot timer with the
 * shortest count, then wait for it; the PIT where there is no LAPIC) and a
 * self-IPI (LAPIC only).  The kernel's
 * interrupt counters are the checks. */
#include "guests/kernel.h"
#include "guests/x86.h"
#include "microbench/bench.h"

/* A lost interrupt must not hang the guest: give up waiting after this
 * many polls and let the check report the shortfall. */
#define MAX_POLLS 1000000

static uint64_t count0;

static int lapic_start(char *why, const volatile uint64_t *counter)
{
	if (!host.has_lapic) {
		mb_strlcpy(why, "no local APIC", WHY_LEN);
		return 1;
	}
	count0 = *counter;
	return 0;
}

static inline void wait_change(const volatile uint64_t *counter, uint64_t before)
{
	for (unsigned p = 0; *counter == before && p < MAX_POLLS; p++)
		__asm__ volatile("pause");
}

static int timer_start(char *why)
{
	(void)why;
	count0 = kcnt.timer_irqs;     /* LAPIC timer, or the PIT (timer.c) */
	return 0;
}
static int ipi_start(char *why) { return lapic_start(why, &kcnt.ipis); }

static uint64_t timer_irq_body(uint64_t n)
{
	uint64_t c;

	sti();
	c = TIMED_LOOP(n, {
		uint64_t before = kcnt.timer_irqs;
		timer_oneshot(1);
		wait_change(&kcnt.timer_irqs, before);
	});
	cli();
	return c;
}

static uint64_t self_ipi_body(uint64_t n)
{
	uint64_t c;

	sti();
	c = TIMED_LOOP(n, {
		uint64_t before = kcnt.ipis;
		lapic_self_ipi(VEC_IPI);
		wait_change(&kcnt.ipis, before);
	});
	cli();
	return c;
}

static int timer_check(uint64_t expected, char *why)
{
	return mb_count_check(why, "timer interrupts", kcnt.timer_irqs - count0, expected);
}

static int ipi_check(uint64_t expected, char *why)
{
	return mb_count_check(why, "self-IPIs", kcnt.ipis - count0, expected);
}

static const struct bench timer_irq_b = { .name = "timer_irq", .group = "irq",
	.class = "interrupt", .ring = 0, .start = timer_start, .body = timer_irq_body,
	.check = timer_check };
static const struct bench self_ipi_b = { .name = "self_ipi", .group = "irq",
	.class = "interrupt", .ring = 0, .start = ipi_start, .body = self_ipi_body,
	.check = ipi_check };

const struct bench *const irq_benches[] = { &timer_irq_b, &self_ipi_b };
const unsigned irq_count = sizeof(irq_benches) / sizeof(irq_benches[0]);
