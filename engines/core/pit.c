/* The 8254 programmable interval timer (Intel 8254 datasheet; QEMU's
 * hw/timer/i8254.c and KVM's arch/x86/kvm/i8254.c): three channels, the
 * control word (channel, access LSB/MSB/both, mode 0-5, BCD), the counter
 * latch command, the read-back command (count and status), and port 0x61
 * (bit 0 channel 2 gate, bit 1 speaker data, bit 5 OUT2 read back, bit 4
 * the refresh toggle).  A channel counts from the moment its count is
 * written; its value and OUT are computed from the host clock, and
 * channel 0's rising OUT edges (mode 0: terminal count once; modes 2, 3:
 * once per period) pulse IRQ0 through the VM core's timer queue.  Modes
 * 1 and 5 wait for a gate trigger that only channel 2 can get. */
#include "engines/core/pit.h"

#include <stdlib.h>
#include <string.h>

#include "engines/core/platform.h"
#include "engines/core/timer.h"
#include "engines/core/vm.h"

enum { ACC_LATCH, ACC_LSB, ACC_MSB, ACC_WORD };

struct channel {
	uint32_t count;                 /* reload value, 1..0x10000 */
	uint64_t load_ns;               /* when counting started */
	uint8_t mode, access, bcd;
	bool armed;                     /* a count was written since the control word */
	bool gate;
	bool write_msb, read_msb;       /* the LSB/MSB flip-flops of ACC_WORD */
	uint8_t write_lsb;              /* the LSB written, waiting for its MSB */
	bool latched, status_latched;
	uint16_t latch;
	uint8_t status, latch_msb_next; /* latched count: reading its MSB next */
	uint64_t frozen_ticks;          /* ticks counted when the gate fell */
};

struct pit {
	struct vm *vm;
	struct channel ch[3];
	bool speaker;                   /* port 0x61 bit 1 */
	struct vm_timer timer;          /* channel 0's next IRQ0 edge */
	uint64_t edge;                  /* its tick number */
};

static uint64_t ticks_to_ns(uint64_t t) { return t * 1000000000ull / PIT_HZ; }

/* Ticks counted since the count was loaded (frozen while the gate is low). */
static uint64_t elapsed(const struct channel *c, uint64_t now)
{
	if (!c->gate)
		return c->frozen_ticks;
	return c->frozen_ticks + (now - c->load_ns) * PIT_HZ / 1000000000ull;
}

static unsigned counter_value(const struct channel *c, uint64_t now)
{
	uint64_t d;

	if (!c->armed)
		return c->count & 0xffff;
	d = elapsed(c, now);
	switch (c->mode) {
	case 2: return (unsigned)(c->count - d % c->count);
	case 3: return (unsigned)(c->count - (2 * d) % c->count) & 0xfffe;
	default: return (unsigned)((c->count - d) & 0xffff);
	}
}

static bool out_level(const struct channel *c, uint64_t now)
{
	uint64_t d;

	if (!c->armed)
		return c->mode != 0;    /* mode 0: low from the control word on */
	d = elapsed(c, now);
	switch (c->mode) {
	case 0: return d >= c->count;
	case 1: return d >= c->count;
	case 2: return d % c->count != c->count - 1;    /* low during count 1 */
	case 3: return d % c->count < (c->count + 1) / 2;
	default: return d != c->count;                  /* 4, 5: a low strobe */
	}
}

static uint16_t to_bcd(unsigned v)
{
	return (uint16_t)((v % 10) | (v / 10 % 10) << 4 | (v / 100 % 10) << 8 | (v / 1000 % 10) << 12);
}

static unsigned from_bcd(unsigned v)
{
	return (v & 0xf) + ((v >> 4) & 0xf) * 10 + ((v >> 8) & 0xf) * 100 + ((v >> 12) & 0xf) * 1000;
}

/* Arm the queue for channel 0's next rising edge after tick `after`. */
static void schedule_irq(struct pit *p, uint64_t after)
{
	struct channel *c = &p->ch[0];
	uint64_t next;

	if (!c->armed || !c->gate) {
		vm_timer_set(p->vm, &p->timer, 0);
		return;
	}
	switch (c->mode) {
	case 0:
		next = c->count;
		if (after >= next) {
			vm_timer_set(p->vm, &p->timer, 0);
			return;
		}
		break;
	case 4:
		next = (uint64_t)c->count + 1;
		if (after >= next) {
			vm_timer_set(p->vm, &p->timer, 0);
			return;
		}
		break;
	case 2: case 3:
		next = (after / c->count + 1) * c->count;
		break;
	default:
		vm_timer_set(p->vm, &p->timer, 0);
		return;
	}
	p->edge = next;
	vm_timer_set(p->vm, &p->timer, c->load_ns + ticks_to_ns(next - c->frozen_ticks) + 1);
}

/* Channel 0's OUT rose: an edge on IRQ0 (missed periods coalesce, as a
 * request already in the IRR). */
static void irq0_fire(void *dev, uint64_t now)
{
	struct pit *p = dev;

	platform_pulse_irq(p->vm, 0);
	schedule_irq(p, elapsed(&p->ch[0], now) > p->edge ? elapsed(&p->ch[0], now) : p->edge);
}

bool pit_irq_armed(const struct pit *p) { return p->timer.deadline != 0; }

static void load_count(struct pit *p, struct channel *c, unsigned v, uint64_t now)
{
	if (c->bcd)
		v = from_bcd(v);
	c->count = v ? v : (c->bcd ? 10000 : 0x10000);
	if (c->mode == 2 || c->mode == 3)
		c->count += c->count == 1;      /* 1 is illegal there */
	c->load_ns = now;
	c->frozen_ticks = 0;
	c->armed = true;
	if (c == &p->ch[0])
		schedule_irq(p, 0);
}

static void latch_count(struct channel *c, uint64_t now)
{
	if (c->latched)
		return;                         /* the first latch holds until read */
	unsigned v = counter_value(c, now);
	c->latch = c->bcd ? to_bcd(v) : (uint16_t)v;
	c->latched = true;
	c->latch_msb_next = 0;
}

static void latch_status(struct channel *c, uint64_t now)
{
	if (c->status_latched)
		return;
	c->status = (uint8_t)((out_level(c, now) ? 0x80 : 0) | (c->armed ? 0 : 0x40) |
			      (c->access << 4) | (c->mode << 1) | c->bcd);
	c->status_latched = true;
}

static void write_control(struct pit *p, uint8_t v, uint64_t now)
{
	unsigned sc = v >> 6, acc = (v >> 4) & 3;

	if (sc == 3) {                  /* read-back: bit 5 count, bit 4 status, active low */
		for (unsigned i = 0; i < 3; i++) {
			if (!(v & (2u << i)))
				continue;
			if (!(v & 0x20))
				latch_count(&p->ch[i], now);
			if (!(v & 0x10))
				latch_status(&p->ch[i], now);
		}
		return;
	}
	struct channel *c = &p->ch[sc];
	if (acc == ACC_LATCH) {
		latch_count(c, now);
		return;
	}
	c->access = (uint8_t)acc;
	c->mode = (v >> 1) & 7;
	if (c->mode > 5)
		c->mode -= 4;           /* 6, 7 are aliases of 2, 3 */
	c->bcd = v & 1;
	c->armed = false;               /* stops until the count is written */
	c->write_msb = c->read_msb = false;
	c->latched = c->status_latched = false;
	if (sc == 0)
		schedule_irq(p, 0);
}

static void write_counter(struct pit *p, struct channel *c, uint8_t v, uint64_t now)
{
	switch (c->access) {
	case ACC_LSB: load_count(p, c, v, now); break;
	case ACC_MSB: load_count(p, c, (unsigned)v << 8, now); break;
	default:
		if (!c->write_msb) {
			c->write_lsb = v;
			c->write_msb = true;
			if (c->mode == 0) {     /* mode 0: writing the LSB stops the count */
				c->armed = false;
				if (c == &p->ch[0])
					schedule_irq(p, 0);
			}
		} else {
			c->write_msb = false;
			load_count(p, c, c->write_lsb | (unsigned)v << 8, now);
		}
		break;
	}
}

static uint8_t read_counter(struct channel *c, uint64_t now)
{
	unsigned v;

	if (c->status_latched) {
		c->status_latched = false;
		return c->status;
	}
	if (c->latched) {
		v = c->latch;
		if (c->access == ACC_WORD && !c->latch_msb_next) {
			c->latch_msb_next = 1;
			return (uint8_t)v;
		}
		c->latched = false;
		return (uint8_t)(c->access == ACC_LSB ? v : v >> 8);
	}
	v = counter_value(c, now);
	if (c->bcd)
		v = to_bcd(v);
	switch (c->access) {
	case ACC_LSB: return (uint8_t)v;
	case ACC_MSB: return (uint8_t)(v >> 8);
	default:
		c->read_msb = !c->read_msb;
		return (uint8_t)(c->read_msb ? v : v >> 8);
	}
}

static void pit_io(void *dev, uint64_t off, uint8_t *data, unsigned size, bool is_write)
{
	struct pit *p = dev;
	uint64_t now = vm_now_ns();

	(void)size;
	if (off == 3) {
		if (is_write)
			write_control(p, data[0], now);
		else
			data[0] = 0xff;         /* the control word is write-only */
		return;
	}
	if (is_write)
		write_counter(p, &p->ch[off], data[0], now);
	else
		data[0] = read_counter(&p->ch[off], now);
}

/* Channel 2's gate: a rising edge (re)starts modes 1, 2, 3, 5; modes 0
 * and 4 only pause while it is low. */
static void set_gate2(struct channel *c, bool gate, uint64_t now)
{
	if (gate == c->gate)
		return;
	if (!gate) {
		c->frozen_ticks = elapsed(c, now);
	} else if (c->mode == 0 || c->mode == 4) {
		/* resume where it stopped */
	} else {
		c->frozen_ticks = 0;
	}
	c->load_ns = now;
	c->gate = gate;
}

static void port61_io(void *dev, uint64_t off, uint8_t *data, unsigned size, bool is_write)
{
	struct pit *p = dev;
	uint64_t now = vm_now_ns();
	struct channel *c = &p->ch[2];

	(void)off; (void)size;
	if (is_write) {
		set_gate2(c, data[0] & 1, now);
		p->speaker = data[0] & 2;
		return;
	}
	/* Bit 4 toggles every 15.085 us (DRAM refresh), as QEMU's pcspk. */
	data[0] = (uint8_t)((c->gate ? 1 : 0) | (p->speaker ? 2 : 0) |
			    (((now / 15085) & 1) ? 0x10 : 0) | (out_level(c, now) ? 0x20 : 0));
}

struct pit *pit_create(struct vm *vm)
{
	struct pit *p = calloc(1, sizeof(*p));

	if (!p)
		return NULL;
	p->vm = vm;
	/* No channel counts until programmed, as KVM's in-kernel PIT at
	 * reset; channels 0 and 1 have their gates tied high. */
	for (unsigned i = 0; i < 3; i++)
		p->ch[i] = (struct channel){ .count = 0x10000, .gate = i != 2, .access = ACC_WORD };
	p->timer = (struct vm_timer){ .fire = irq0_fire, .dev = p };
	vm_own(vm, p);
	if (bus_register(&vm->pio, 0x40, 4, pit_io, p, "pit") < 0 ||
	    bus_register(&vm->pio, 0x61, 1, port61_io, p, "port61") < 0 ||
	    vm_timer_add(vm, &p->timer) < 0)
		return NULL;
	vm->pit = p;
	return p;
}
