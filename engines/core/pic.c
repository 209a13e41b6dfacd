/* The 8259A pair (Intel 8259A datasheet; QEMU's hw/intc/i8259.c and
 * KVM's arch/x86/kvm/i8259.c behave the same): ICW1-ICW4, OCW1-OCW3,
 * IRR/ISR/IMR, fully nested priority with rotation, non-specific,
 * specific and rotating EOI, auto-EOI, edge and (ELCR) level triggering,
 * the cascade on the master's IRQ2, spurious IRQ7/IRQ15, polled mode. */
#include "engines/core/pic.h"

#include <stdlib.h>
#include <string.h>

#include "engines/core/lapic.h"
#include "engines/core/vm.h"

struct chip {
	uint8_t irr, isr, imr, last_level, elcr, elcr_mask;
	uint8_t base;                   /* ICW2: vector of IRQ0 */
	uint8_t priority_add;           /* lowest-priority rotation */
	uint8_t init_state;             /* 0 ready, 1-3: expecting ICW2-ICW4 */
	bool init4, single, auto_eoi, rotate_on_auto_eoi, read_isr, poll, special_mask;
};

struct pic {
	struct vm *vm;
	struct chip c[2];               /* master, slave */
	bool out;                       /* master INT */
};

/* Priority 0 (highest) .. 7 of the highest set bit in mask, 8 if none. */
static int priority(const struct chip *c, uint8_t mask)
{
	if (!mask)
		return 8;
	int pr = 0;
	while (!(mask & (1u << ((pr + c->priority_add) & 7))))
		pr++;
	return pr;
}

/* The IRQ the chip would raise now (above anything in service), or -1. */
static int chip_irq(const struct chip *c, bool master)
{
	int pr = priority(c, c->irr & ~c->imr), cur;
	uint8_t in_service = c->isr;

	if (pr == 8)
		return -1;
	if (c->special_mask)
		in_service &= ~c->imr;
	(void)master;
	cur = priority(c, in_service);
	return pr < cur ? (pr + c->priority_add) & 7 : -1;
}

static void chip_set_irq(struct chip *c, unsigned irq, int level)
{
	uint8_t m = (uint8_t)(1u << irq);

	if (c->elcr & m) {
		if (level)
			c->irr |= m;
		else
			c->irr &= ~m;
	} else if (level && !(c->last_level & m)) {
		c->irr |= m;            /* edge: the rising edge requests */
	}
	if (level)
		c->last_level |= m;
	else
		c->last_level &= ~m;
}

/* Propagate: the slave's INT is the master's IRQ2; the master's INT is
 * the LAPIC's LINT0. */
static void update(struct pic *p)
{
	chip_set_irq(&p->c[0], 2, chip_irq(&p->c[1], false) >= 0);
	bool out = chip_irq(&p->c[0], true) >= 0;
	if (out != p->out) {
		p->out = out;
		if (p->vm->lapics[0])         /* the BSP's LINT0 */
			lapic_lint(p->vm->lapics[0], 0, out);
	}
}

void pic_set_irq(struct pic *p, unsigned irq, int level)
{
	if (irq >= 16)
		return;
	chip_set_irq(&p->c[irq >> 3], irq & 7, level);
	update(p);
}

bool pic_output(const struct pic *p) { return p->out; }

static void chip_ack(struct chip *c, int irq)
{
	if (c->auto_eoi) {
		if (c->rotate_on_auto_eoi)
			c->priority_add = (uint8_t)((irq + 1) & 7);
	} else {
		c->isr |= (uint8_t)(1u << irq);
	}
	/* A level-triggered request stays until the device drops it. */
	if (!(c->elcr & (1u << irq)))
		c->irr &= (uint8_t)~(1u << irq);
}

int pic_intack(struct pic *p)
{
	struct chip *m = &p->c[0], *s = &p->c[1];
	int irq = chip_irq(m, true), vec;

	if (irq < 0) {
		vec = m->base + 7;      /* spurious IRQ7: the request went away */
	} else if (irq == 2) {
		int irq2 = chip_irq(s, false);
		if (irq2 >= 0) {
			chip_ack(s, irq2);
			vec = s->base + irq2;
		} else {
			vec = s->base + 7;  /* spurious IRQ15 */
		}
		chip_ack(m, 2);
	} else {
		chip_ack(m, irq);
		vec = m->base + irq;
	}
	update(p);
	return vec;
}

bool pic_irq_unmasked(const struct pic *p, unsigned irq)
{
	if (irq >= 8)
		return !(p->c[1].imr & (1u << (irq & 7))) && !(p->c[0].imr & 4);
	return !(p->c[0].imr & (1u << irq));
}

/* ICW1: back to the initial state (IMR cleared, lowest priority IRQ7),
 * expecting ICW2.  ELCR is a separate register and keeps its value. */
static void chip_init(struct chip *c, uint8_t icw1)
{
	uint8_t elcr = c->elcr, mask = c->elcr_mask, level = c->last_level;

	memset(c, 0, sizeof(*c));
	c->elcr = elcr;
	c->elcr_mask = mask;
	c->last_level = level;
	c->init_state = 1;
	c->init4 = icw1 & 1;
	c->single = icw1 & 2;
}

static void eoi(struct chip *c, int irq, bool rotate)
{
	c->isr &= (uint8_t)~(1u << irq);
	if (rotate)
		c->priority_add = (uint8_t)((irq + 1) & 7);
}

static void write_command(struct chip *c, uint8_t v)
{
	int pr, cmd = v >> 5;

	if (v & 0x10) {
		chip_init(c, v);
		return;
	}
	if (v & 0x08) {                 /* OCW3 */
		if (v & 0x04)
			c->poll = true;
		if (v & 0x02)
			c->read_isr = v & 1;
		if (v & 0x40)
			c->special_mask = (v >> 5) & 1;
		return;
	}
	switch (cmd) {                  /* OCW2 */
	case 0: case 4:                 /* (clear / set) rotate in auto-EOI mode */
		c->rotate_on_auto_eoi = cmd == 4;
		break;
	case 1: case 5:                 /* non-specific EOI (and rotate) */
		pr = priority(c, c->isr);
		if (pr != 8)
			eoi(c, (pr + c->priority_add) & 7, cmd == 5);
		break;
	case 3: case 7:                 /* specific EOI (and rotate) */
		eoi(c, v & 7, cmd == 7);
		break;
	case 6:                         /* set priority: IRQ v&7 lowest */
		c->priority_add = (uint8_t)((v + 1) & 7);
		break;
	default:                        /* 2: no operation */
		break;
	}
}

static void write_data(struct chip *c, uint8_t v)
{
	switch (c->init_state) {
	case 0: c->imr = v; break;                              /* OCW1 */
	case 1:                                                 /* ICW2 */
		c->base = v & 0xf8;
		c->init_state = c->single ? (c->init4 ? 3 : 0) : 2;
		break;
	case 2: c->init_state = c->init4 ? 3 : 0; break;        /* ICW3: the wiring is fixed */
	default:                                                /* ICW4 */
		c->auto_eoi = (v >> 1) & 1;
		c->init_state = 0;
		break;
	}
}

static uint8_t chip_read(struct chip *c, unsigned reg)
{
	if (c->poll) {                  /* polled: the read is the acknowledge */
		int irq = chip_irq(c, false);
		c->poll = false;
		if (irq < 0)
			return 0;
		chip_ack(c, irq);
		return (uint8_t)(0x80 | irq);
	}
	if (reg == 1)
		return c->imr;
	return c->read_isr ? c->isr : c->irr;
}

static void pic_io(void *dev, uint64_t off, uint8_t *data, unsigned size, bool is_write)
{
	struct pic *p = dev;
	struct chip *c = &p->c[off >= 0x80];
	unsigned reg = (unsigned)off & 1;

	(void)size;
	if (is_write) {
		if (reg)
			write_data(c, data[0]);
		else
			write_command(c, data[0]);
	} else {
		data[0] = chip_read(c, reg);
	}
	update(p);
}

static void elcr_io(void *dev, uint64_t off, uint8_t *data, unsigned size, bool is_write)
{
	struct pic *p = dev;

	for (unsigned i = 0; i < size && off + i < 2; i++) {
		struct chip *c = &p->c[off + i];
		if (is_write)
			c->elcr = data[i] & c->elcr_mask;
		else
			data[i] = c->elcr;
	}
	update(p);
}

static void pic_io_slave(void *dev, uint64_t off, uint8_t *data, unsigned size, bool is_write)
{
	pic_io(dev, off + 0x80, data, size, is_write);
}

struct pic *pic_create(struct vm *vm)
{
	struct pic *p = calloc(1, sizeof(*p));

	if (!p)
		return NULL;
	p->vm = vm;
	/* IRQ0-2 (timer, keyboard, cascade) and IRQ8/13 cannot be level
	 * triggered: their ELCR bits are fixed 0, as QEMU has them. */
	p->c[0].elcr_mask = 0xf8;
	p->c[1].elcr_mask = 0xde;
	vm_own(vm, p);
	if (bus_register(&vm->pio, 0x20, 2, pic_io, p, "pic-master") < 0 ||
	    bus_register(&vm->pio, 0xa0, 2, pic_io_slave, p, "pic-slave") < 0 ||
	    bus_register(&vm->pio, 0x4d0, 2, elcr_io, p, "elcr") < 0)
		return NULL;
	vm->pic = p;
	return p;
}
