/* The software local APIC (Intel SDM vol. 3, chapter 11), one per vCPU:
 * timer, EOI (broadcast to the IOAPIC for level-triggered vectors),
 * TPR/PPR, SVR, LINT0/LINT1, and IPIs between them (Fixed, Lowest
 * Priority, NMI, INIT, Start-up; physical and logical destinations, flat
 * and cluster models; the shorthands). */
#include "engines/core/lapic.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "engines/core/devices.h"
#include "engines/core/ioapic.h"
#include "engines/core/pic.h"
#include "engines/core/timer.h"
#include "engines/core/vcpu.h"
#include "engines/core/vm.h"

enum {
	R_ID = 0x20, R_VER = 0x30, R_TPR = 0x80, R_APR = 0x90, R_PPR = 0xa0, R_EOI = 0xb0,
	R_LDR = 0xd0, R_DFR = 0xe0, R_SVR = 0xf0, R_ISR = 0x100, R_TMR = 0x180, R_IRR = 0x200,
	R_ESR = 0x280, R_ICR_LO = 0x300, R_ICR_HI = 0x310, R_LVT_TIMER = 0x320,
	R_LVT_LINT0 = 0x350, R_LVT_LINT1 = 0x360, R_LVT_ERROR = 0x370, R_TIMER_INIT = 0x380, R_TIMER_CUR = 0x390,
	R_TIMER_DIV = 0x3e0,
};

#define LVT_MASKED   0x10000u
#define TIMER_PERIODIC 0x20000u
#define SVR_ENABLE   0x100u
#define LVT_EXTINT   0x700u           /* delivery mode 7 */
enum { LVT_TIMER, LVT_LINT0 = 3, LVT_LINT1 = 4 };
/* Delivery modes (ICR, LVT, IOAPIC redirection entries). */
enum { DM_FIXED, DM_LOWEST, DM_SMI, DM_NMI = 4, DM_INIT, DM_STARTUP, DM_EXTINT };

struct lapic {
	struct vm *vm;
	unsigned id;                    /* APIC ID = vCPU index */
	bool init;                      /* an INIT arrived: the vCPU resets */
	bool wait_sipi;                 /* in wait-for-SIPI (APs from power-up) */
	int sipi;                       /* vector of a Start-up taken there, or -1 */
	uint32_t irr[8], isr[8], tmr[8];
	uint32_t tpr, ldr, dfr, svr, icr_hi, esr;
	uint32_t lvt[7];                /* 0x320 .. 0x380 */
	uint32_t timer_init, timer_div;
	struct vm_timer timer;          /* deadline: CLOCK_MONOTONIC ns, 0: stopped */
	uint64_t period;                /* ns, periodic mode */
	uint64_t due;                   /* the deadline last armed */
	bool nmi;                       /* an NMI (IPI, LINT, IOAPIC), not yet taken */
	bool lint[2];                   /* LINT0/1 input levels (LINT0: the PIC's INT) */
	bool extint_msg;                /* an ExtINT message (IOAPIC), not yet acknowledged */
};

#define now_ns vm_now_ns

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

/* The timer expired (the queue disarmed it): into the IRR; re-arm a
 * periodic one. */
static void timer_fire(void *dev, uint64_t now)
{
	struct lapic *l = dev;
	uint32_t lvt = l->lvt[LVT_TIMER];

	if (!(lvt & LVT_MASKED) && (l->svr & SVR_ENABLE) && (lvt & 0xff) >= 16)
		set_bit(l->irr, (int)(lvt & 0xff));
	if ((lvt & TIMER_PERIODIC) && l->period) {
		/* Missed periods coalesce into one interrupt, as on hardware
		 * where the IRR bit is already set. */
		uint64_t late = now - l->due;
		l->due += (late / l->period + 1) * l->period;
		vm_timer_set(l->vm, &l->timer, l->due);
	}
}

int lapic_pending(struct lapic *l)
{
	int v;

	vm_timers_poll(&l->vm->timers);
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
	if (lapic_extint_pending(l) || l->nmi)
		return 1;
	return l->timer.deadline && !(lvt & LVT_MASKED) && (l->svr & SVR_ENABLE) && (lvt & 0xff) >= 16;
}

void lapic_accept(struct lapic *l, int vec)
{
	clr_bit(l->irr, vec);
	set_bit(l->isr, vec);
}

/* An interrupt message for this CPU (IOAPIC, LVT, IPI) by delivery mode:
 * Fixed and Lowest Priority (one CPU: the lowest is us) set the IRR, and
 * the TMR for a level-triggered one (its EOI goes back to the IOAPIC); a
 * vector below 16 is illegal (ESR bit 5 "send" for an IPI, "receive"
 * bit 6 otherwise; nothing delivered); NMI pends an NMI; ExtINT asks the
 * PIC at acknowledge time; SMI (no SMM), INIT and Start-up (a lone BSP
 * never waits for SIPI: KVM ignores INIT to a running BSP only at reset,
 * ringbench always) and the reserved modes do nothing. */
static void accept_message(struct lapic *l, unsigned mode, int vec, bool level, uint32_t illegal_esr)
{
	switch (mode) {
	case DM_FIXED: case DM_LOWEST:
		if (vec < 16) {
			l->esr |= illegal_esr;
			break;
		}
		set_bit(l->irr, vec);
		if (level)
			set_bit(l->tmr, vec);
		else
			clr_bit(l->tmr, vec);
		break;
	case DM_NMI:
		l->nmi = true;
		break;
	case DM_EXTINT:
		l->extint_msg = true;
		break;
	default:
		break;
	}
}

void lapic_deliver(struct lapic *l, unsigned mode, int vec, bool level)
{
	accept_message(l, mode, vec, level, 0x40);
}

bool lapic_accepts_dest(const struct lapic *l, unsigned dest, bool logical)
{
	if (!logical)
		return dest == l->id || dest == 0xff;
	/* Flat model (DFR 0xF...): a bit per CPU; cluster: the low nibble. */
	unsigned ldr = l->ldr >> 24;
	if (dest == 0xff)
		return true;
	if ((l->dfr >> 28) == 0xf)
		return (dest & ldr) != 0;
	return (dest >> 4) == (ldr >> 4) && (dest & ldr & 0xf);
}

/* A LINT pin changed level.  By its LVT entry: ExtINT (LINT0 in virtual
 * wire mode, the power-up state of the BSP under KVM and QEMU) is level
 * sensitive and read at acknowledge time; Fixed and NMI deliver on the
 * rising edge (level-triggered Fixed LINT is not modelled). */
void lapic_lint(struct lapic *l, unsigned pin, bool level)
{
	bool rose = level && !l->lint[pin & 1];
	uint32_t lvt = l->lvt[(pin & 1) ? LVT_LINT1 : LVT_LINT0];
	unsigned mode = (lvt >> 8) & 7;

	l->lint[pin & 1] = level;
	if (!rose || (lvt & LVT_MASKED) || mode == DM_EXTINT)
		return;
	accept_message(l, mode, (int)(lvt & 0xff), false, 0x40);
}

bool lapic_accepts_extint(const struct lapic *l)
{
	uint32_t lvt = l->lvt[LVT_LINT0];

	return !(lvt & LVT_MASKED) && ((lvt >> 8) & 7) == DM_EXTINT;
}

bool lapic_extint_pending(const struct lapic *l)
{
	uint32_t lvt = l->lvt[LVT_LINT0];

	return l->extint_msg ||
	       (l->lint[0] && !(lvt & LVT_MASKED) && ((lvt >> 8) & 7) == DM_EXTINT);
}

int lapic_extint_ack(struct lapic *l)
{
	l->extint_msg = false;
	/* With no PIC the bus floats: all ones, as an INTA nobody answers. */
	return l->vm->pic ? pic_intack(l->vm->pic) : 0xff;
}

uint8_t lapic_get_tpr(const struct lapic *l) { return (uint8_t)l->tpr; }
void lapic_set_tpr(struct lapic *l, uint8_t tpr) { l->tpr = tpr; }
uint64_t lapic_next_deadline(const struct lapic *l) { return l->timer.deadline; }
uint32_t *lapic_tpr_ref(struct lapic *l) { return &l->tpr; }
int lapic_irr_highest(const struct lapic *l) { return highest(l->irr); }

bool lapic_irr_any(const struct lapic *l)
{
	uint64_t w[4];

	memcpy(w, l->irr, sizeof(w));
	return (w[0] | w[1] | w[2] | w[3]) || lapic_extint_pending(l);
}

/* Deliver one IPI to target t by delivery mode: Fixed, Lowest Priority
 * and NMI as any interrupt message (a vector below 16 is illegal: the
 * sender's ESR bit 5, nothing delivered); INIT resets the vCPU into
 * wait-for-SIPI (the level de-assert form, level 0 trigger 1, does
 * nothing, as on P4 and later); Start-up starts a vCPU waiting for one at
 * vector << 12 (later ones are ignored); ExtINT is not a mode an IPI may
 * use; SMI (no SMM) and the reserved modes do nothing. */
static void deliver_ipi(struct lapic *from, struct lapic *t, uint32_t icr)
{
	unsigned mode = (icr >> 8) & 7;
	int vec = (int)(icr & 0xff);

	switch (mode) {
	case DM_FIXED: case DM_LOWEST:
		if (vec < 16) {
			from->esr |= 0x20;
			return;
		}
		accept_message(t, mode, vec, false, 0);
		break;
	case DM_NMI:
		accept_message(t, mode, vec, false, 0);
		break;
	case DM_INIT:
		if ((icr & 0xc000) != 0x8000)   /* not the de-assert */
			t->init = true;
		break;
	case DM_STARTUP:
		if (t->wait_sipi && t->sipi < 0 && !t->init)
			t->sipi = vec;
		break;
	default:
		return;
	}
	if (t != from && t->vm->sched)
		vcpu_sched_ipi(t->vm, t->id);
}

static void send_ipi(struct lapic *l, uint32_t icr)
{
	unsigned shorthand = (icr >> 18) & 3, dest = l->icr_hi >> 24, mode = (icr >> 8) & 7;
	bool logical = icr & 0x800;
	struct vm *vm = l->vm;
	struct lapic *lowest = NULL;

	for (unsigned i = 0; i < vm->n_cpus; i++) {
		struct lapic *t = vm->lapics[i];
		bool hit = shorthand == 1 ? t == l : shorthand == 2 ? true :
			   shorthand == 3 ? t != l : lapic_accepts_dest(t, dest, logical);
		if (!hit)
			continue;
		/* Lowest Priority to a set (no shorthand): one CPU, the one
		 * with the lowest TPR, the lowest ID on a tie. */
		if (mode == DM_LOWEST && shorthand == 0) {
			if (!lowest || (t->tpr & 0xf0) < (lowest->tpr & 0xf0))
				lowest = t;
			continue;
		}
		deliver_ipi(l, t, icr);
	}
	if (lowest)
		deliver_ipi(l, lowest, icr);
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
		return l->tmr[(off - R_TMR) >> 4];
	if (off >= R_LVT_TIMER && off <= R_LVT_ERROR)
		return l->lvt[(off - R_LVT_TIMER) >> 4];
	switch (off) {
	case R_ID: return l->id << 24;
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
		vm_timers_poll(&l->vm->timers);
		if (!l->timer.deadline || now >= l->timer.deadline)
			return 0;
		return (uint32_t)((l->timer.deadline - now) / divider(l));
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
		if (vec < 0)
			break;
		clr_bit(l->isr, vec);
		if (l->tmr[vec >> 5] & (1u << (vec & 31))) {
			clr_bit(l->tmr, vec);
			if (l->vm->ioapic)
				ioapic_eoi(l->vm->ioapic, vec);
		}
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
		l->due = v ? now_ns() + l->period : 0;
		vm_timer_set(l->vm, &l->timer, l->due);
		break;
	case R_TIMER_DIV: l->timer_div = v & 0xb; break;
	default: break;
	}
}

/* The one MMIO window: each vCPU sees its own LAPIC there. */
static void lapic_mmio(void *dev, uint64_t offset, uint8_t *data, unsigned size, bool is_write)
{
	struct lapic *l = ((struct vm *)dev)->lapic;
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

void lapic_reset(struct lapic *l)
{
	struct vm *vm = l->vm;
	unsigned id = l->id;

	*l = (struct lapic){ .vm = vm, .id = id, .dfr = 0xffffffffu, .svr = 0xff,
			     .wait_sipi = id != 0, .sipi = -1,
			     .timer = { .fire = timer_fire, .dev = l } };
	for (int i = 0; i < 7; i++)
		l->lvt[i] = LVT_MASKED;
	/* The BSP's LINT0 starts in virtual wire mode (ExtINT, unmasked), as
	 * KVM (KVM_X86_QUIRK_LINT0_REENABLED, the BSP only) and QEMU set it:
	 * PIC interrupts reach the CPU before any APIC set-up. */
	if (id == 0)
		l->lvt[LVT_LINT0] = LVT_EXTINT;
	vm_timer_set(vm, &l->timer, 0);
}

bool lapic_take_init(struct lapic *l)
{
	bool init = l->init;

	if (init) {
		lapic_reset(l);
		l->wait_sipi = true;
	}
	return init;
}

int lapic_take_sipi(struct lapic *l)
{
	int v = l->sipi;

	if (v >= 0) {
		l->wait_sipi = false;
		l->sipi = -1;
	}
	return v;
}

bool lapic_waiting_sipi(const struct lapic *l) { return l->wait_sipi; }

struct lapic *lapic_create(struct vm *vm)
{
	unsigned n = vm->n_cpus ? vm->n_cpus : 1;

	for (unsigned i = 0; i < n; i++) {
		struct lapic *l = calloc(1, sizeof(*l));
		if (!l)
			return NULL;
		vm_own(vm, l);
		l->vm = vm;
		l->id = i;
		l->timer = (struct vm_timer){ .fire = timer_fire, .dev = l };
		if (vm_timer_add(vm, &l->timer) < 0)
			return NULL;
		lapic_reset(l);
		vm->lapics[i] = l;
	}
	vm->n_cpus = n;
	vm->lapic = vm->lapics[0];
	if (bus_register(&vm->mmio, RB_LAPIC_BASE, 0x1000, lapic_mmio, vm, "lapic") < 0)
		return NULL;
	vm->hlt_wait = vm_timers_hlt_wait;
	return vm->lapic;
}
