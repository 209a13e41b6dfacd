/* The software local APIC (Intel SDM vol. 3, chapter 11), as much of it
 * as a single-CPU guest uses: timer, EOI, TPR/PPR, self-IPI, SVR. */
#include "engines/core/lapic.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "engines/core/devices.h"
#include "engines/core/vm.h"

enum {
	R_ID = 0x20, R_VER = 0x30, R_TPR = 0x80, R_APR = 0x90, R_PPR = 0xa0, R_EOI = 0xb0,
	R_LDR = 0xd0, R_DFR = 0xe0, R_SVR = 0xf0, R_ISR = 0x100, R_TMR = 0x180, R_IRR = 0x200,
	R_ESR = 0x280, R_ICR_LO = 0x300, R_ICR_HI = 0x310, R_LVT_TIMER = 0x320,
	R_LVT_LINT1 = 0x360, R_LVT_ERROR = 0x370, R_TIMER_INIT = 0x380, R_TIMER_CUR = 0x390,
	R_TIMER_DIV = 0x3e0,
};

#define LVT_MASKED   0x10000u
#define TIMER_PERIODIC 0x20000u
#define SVR_ENABLE   0x100u

struct lapic {
	struct vm *vm;
	uint32_t irr[8], isr[8];
	uint32_t tpr, ldr, dfr, svr, icr_hi, esr;
	uint32_t lvt[7];                /* 0x320 .. 0x380 */
	uint32_t timer_init, timer_div;
	uint64_t deadline;              /* CLOCK_MONOTONIC ns, 0: stopped */
	uint64_t period;                /* ns, periodic mode */
	bool nmi;                       /* an NMI IPI to ourselves, not yet taken */
};

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static int highest(const uint32_t v[8])
{
	for (int i = 7; i >= 0; i--)
		if (v[i])
			return i * 32 + 31 - __builtin_clz(v[i]);
	return -1;
}

static void set_bit(uint32_t v[8], int n) { v[n >> 5] |= 1u << (n & 31); }
static void clr_bit(uint32_t v[8], int n) { v[n >> 5] &= ~(1u << (n & 31)); }

static unsigned divider(const struct lapic *l)
{
	unsigned v = (l->timer_div & 3) | ((l->timer_div >> 1) & 4);

	return v == 7 ? 1 : 2u << v;
}

static uint32_t ppr(const struct lapic *l)
{
	int isrv = highest(l->isr);
	uint32_t isr_class = isrv < 0 ? 0 : (uint32_t)isrv & 0xf0;

	return (l->tpr & 0xf0) >= isr_class ? l->tpr & 0xff : isr_class;
}

/* Fire an expired timer into the IRR; re-arm a periodic one. */
static void timer_update(struct lapic *l, uint64_t now)
{
	uint32_t lvt = l->lvt[0];

	if (!l->deadline || now < l->deadline)
		return;
	if (!(lvt & LVT_MASKED) && (l->svr & SVR_ENABLE) && (lvt & 0xff) >= 16)
		set_bit(l->irr, (int)(lvt & 0xff));
	if ((lvt & TIMER_PERIODIC) && l->period) {
		/* Missed periods coalesce into one interrupt, as on hardware
		 * where the IRR bit is already set. */
		uint64_t late = now - l->deadline;
		l->deadline += (late / l->period + 1) * l->period;
	} else {
		l->deadline = 0;
	}
}

int lapic_pending(struct lapic *l)
{
	int v;

	if (l->deadline)
		timer_update(l, now_ns());
	v = highest(l->irr);
	if (v < 0 || !(l->svr & SVR_ENABLE))
		return -1;
	return ((uint32_t)v & 0xf0) > (ppr(l) & 0xf0) ? v : -1;
}

int lapic_can_wake(struct lapic *l)
{
	uint32_t lvt = l->lvt[0];

	if (lapic_pending(l) >= 0)
		return 1;
	return l->deadline && !(lvt & LVT_MASKED) && (l->svr & SVR_ENABLE) && (lvt & 0xff) >= 16;
}

void lapic_accept(struct lapic *l, int vec)
{
	clr_bit(l->irr, vec);
	set_bit(l->isr, vec);
}

uint8_t lapic_get_tpr(const struct lapic *l) { return (uint8_t)l->tpr; }
void lapic_set_tpr(struct lapic *l, uint8_t tpr) { l->tpr = tpr; }
uint64_t lapic_next_deadline(const struct lapic *l) { return l->deadline; }
uint32_t *lapic_tpr_ref(struct lapic *l) { return &l->tpr; }
int lapic_irr_highest(const struct lapic *l) { return highest(l->irr); }

static void send_ipi(struct lapic *l, uint32_t icr)
{
	unsigned mode = (icr >> 8) & 7, shorthand = (icr >> 18) & 3;
	unsigned dest = l->icr_hi >> 24;
	int vec = (int)(icr & 0xff);

	/* One CPU: what reaches ourselves (self, all including self, our
	 * APIC ID 0 or broadcast) by delivery mode: Fixed and Lowest
	 * Priority set the IRR (a vector below 16 is an illegal vector: ESR
	 * bit 5, nothing delivered); NMI pends an NMI for the CPU; SMI (no
	 * SMM), INIT and Start-up (a lone BSP ignores them, as it is never in
	 * wait-for-SIPI) and the reserved modes do nothing. */
	if (!(shorthand == 1 || shorthand == 2 || (shorthand == 0 && (dest == 0 || dest == 0xff))))
		return;
	switch (mode) {
	case 0: case 1:
		if (vec < 16)
			l->esr |= 0x20;
		else
			set_bit(l->irr, vec);
		break;
	case 4:
		l->nmi = true;
		break;
	default:
		break;
	}
}

bool lapic_nmi_pending(const struct lapic *l) { return l->nmi; }
void lapic_take_nmi(struct lapic *l) { l->nmi = false; }

static uint32_t reg_read(struct lapic *l, unsigned off)
{
	uint64_t now;

	if (off >= R_ISR && off < R_ISR + 0x80)
		return l->isr[(off - R_ISR) >> 4];
	if (off >= R_IRR && off < R_IRR + 0x80)
		return l->irr[(off - R_IRR) >> 4];
	if (off >= R_TMR && off < R_TMR + 0x80)
		return 0;
	if (off >= R_LVT_TIMER && off <= R_LVT_ERROR)
		return l->lvt[(off - R_LVT_TIMER) >> 4];
	switch (off) {
	case R_ID: return 0;
	case R_VER: return 0x00050014;
	case R_TPR: return l->tpr;
	case R_APR: return 0;
	case R_PPR: return ppr(l);
	case R_LDR: return l->ldr;
	case R_DFR: return l->dfr;
	case R_SVR: return l->svr;
	case R_ESR: return l->esr;
	case R_ICR_LO: return 0;        /* delivery status: idle */
	case R_ICR_HI: return l->icr_hi;
	case R_TIMER_INIT: return l->timer_init;
	case R_TIMER_CUR:
		now = now_ns();
		timer_update(l, now);
		if (!l->deadline || now >= l->deadline)
			return 0;
		return (uint32_t)((l->deadline - now) / divider(l));
	case R_TIMER_DIV: return l->timer_div;
	default: return 0;
	}
}

static void reg_write(struct lapic *l, unsigned off, uint32_t v)
{
	int vec;

	if (off >= R_LVT_TIMER && off <= R_LVT_ERROR) {
		if (!(l->svr & SVR_ENABLE))
			v |= LVT_MASKED;
		l->lvt[(off - R_LVT_TIMER) >> 4] = v;
		return;
	}
	switch (off) {
	case R_TPR: l->tpr = v & 0xff; break;
	case R_EOI:
		vec = highest(l->isr);
		if (vec >= 0)
			clr_bit(l->isr, vec);
		break;
	case R_LDR: l->ldr = v & 0xff000000u; break;
	case R_DFR: l->dfr = v | 0x0fffffffu; break;
	case R_SVR:
		l->svr = v & 0x3ff;
		if (!(v & SVR_ENABLE))
			for (int i = 0; i < 7; i++)
				l->lvt[i] |= LVT_MASKED;
		break;
	case R_ESR: l->esr = 0; break;
	case R_ICR_HI: l->icr_hi = v & 0xff000000u; break;
	case R_ICR_LO: send_ipi(l, v); break;
	case R_TIMER_INIT:
		l->timer_init = v;
		l->period = (uint64_t)v * divider(l);
		l->deadline = v ? now_ns() + l->period : 0;
		break;
	case R_TIMER_DIV: l->timer_div = v & 0xb; break;
	default: break;
	}
}

static void lapic_mmio(void *dev, uint64_t offset, uint8_t *data, unsigned size, bool is_write)
{
	struct lapic *l = dev;
	unsigned reg = (unsigned)offset & 0xff0, shift = ((unsigned)offset & 0xf) * 8;

	if (offset >= 0x1000 || shift >= 32)
		return;
	if (is_write) {
		uint32_t v = 0;
		memcpy(&v, data, size < 4 ? size : 4);
		reg_write(l, reg, v << shift);
	} else {
		uint32_t v = reg_read(l, reg) >> shift;
		memset(data, 0, size);
		memcpy(data, &v, size < 4 ? size : 4);
	}
}

/* A halted vCPU sleeps until the next timer expiry (or 10 ms when none
 * is armed), waking early only for the stop request (its signal
 * interrupts the sleep). */
static void lapic_hlt_wait(struct vm *vm)
{
	struct lapic *l = vm->lapic;
	uint64_t now = now_ns(), until;
	struct timespec ts;

	timer_update(l, now);
	until = l->deadline && l->deadline < now + 100000000ull ? l->deadline : now + 10000000ull;
	ts.tv_sec = (time_t)(until / 1000000000ull);
	ts.tv_nsec = (long)(until % 1000000000ull);
	while (!vm->stop_requested &&
	       clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR)
		;
}

void lapic_reset(struct lapic *l)
{
	struct vm *vm = l->vm;

	*l = (struct lapic){ .vm = vm, .dfr = 0xffffffffu, .svr = 0xff };
	for (int i = 0; i < 7; i++)
		l->lvt[i] = LVT_MASKED;
}

struct lapic *lapic_create(struct vm *vm)
{
	struct lapic *l = calloc(1, sizeof(*l));

	if (!l)
		return NULL;
	l->vm = vm;
	lapic_reset(l);
	if (bus_register(&vm->mmio, LAPIC_BASE, 0x1000, lapic_mmio, l, "lapic") < 0) {
		free(l);
		return NULL;
	}
	vm_own(vm, l);
	vm->lapic = l;
	vm->hlt_wait = lapic_hlt_wait;
	return l;
}
