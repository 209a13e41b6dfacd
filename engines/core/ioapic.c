/* The IOAPIC (Intel 82093AA datasheet; as KVM's arch/x86/kvm/ioapic.c and
 * QEMU's hw/intc/ioapic.c present it): IOREGSEL at +0x00, IOWIN at +0x10;
 * registers ID (0), version (1: 0x11, 24 entries), arbitration (2) and the
 * 64-bit redirection entries at 0x10 + 2n.  Edge pins deliver on a rising
 * edge; level pins while asserted, once until the EOI clears Remote IRR. */
#include "engines/core/ioapic.h"

#include <stdlib.h>
#include <string.h>

#include "engines/core/lapic.h"
#include "engines/core/vm.h"

#define RTE_MASKED     (1ull << 16)
#define RTE_LEVEL      (1ull << 15)
#define RTE_REMOTE_IRR (1ull << 14)
#define RTE_POLARITY   (1ull << 13)      /* active low */
#define RTE_PENDING    (1ull << 12)      /* delivery status */
#define RTE_LOGICAL    (1ull << 11)
#define RTE_RO         (RTE_REMOTE_IRR | RTE_PENDING)

struct ioapic {
	struct vm *vm;
	uint32_t sel, id;
	uint64_t rte[IOAPIC_PINS];
	uint32_t level;                 /* input pin levels (asserted = 1) */
};

/* Send the pin's message to the LAPICs it names (Lowest Priority: the
 * first of them, vCPU order). */
static void deliver(struct ioapic *io, unsigned pin)
{
	uint64_t r = io->rte[pin];
	struct vm *vm = io->vm;
	unsigned mode = (unsigned)(r >> 8) & 7;

	if ((r & RTE_MASKED) || !vm->lapics[0])
		return;
	if (r & RTE_LEVEL) {
		if (r & RTE_REMOTE_IRR)
			return;         /* the last one not yet EOI'd */
		io->rte[pin] |= RTE_REMOTE_IRR;
	}
	for (unsigned i = 0; i < vm->n_cpus; i++) {
		struct lapic *l = vm->lapics[i];
		if (!l || !lapic_accepts_dest(l, (unsigned)(r >> 56), r & RTE_LOGICAL))
			continue;
		lapic_deliver(l, mode, (int)(r & 0xff), r & RTE_LEVEL);
		if (mode == 1)
			break;
	}
}

void ioapic_set_irq(struct ioapic *io, unsigned pin, int level)
{
	uint32_t m;
	bool was;

	if (pin >= IOAPIC_PINS)
		return;
	m = 1u << pin;
	was = io->level & m;
	/* The polarity bit says which input level is "asserted". */
	if (io->rte[pin] & RTE_POLARITY)
		level = !level;
	if (level)
		io->level |= m;
	else
		io->level &= ~m;
	if (level && ((io->rte[pin] & RTE_LEVEL) || !was))
		deliver(io, pin);
}

void ioapic_eoi(struct ioapic *io, int vec)
{
	for (unsigned pin = 0; pin < IOAPIC_PINS; pin++) {
		uint64_t r = io->rte[pin];
		if ((r & 0xff) != (uint64_t)vec || !(r & RTE_LEVEL) || !(r & RTE_REMOTE_IRR))
			continue;
		io->rte[pin] &= ~RTE_REMOTE_IRR;
		if (io->level & (1u << pin))
			deliver(io, pin);
	}
}

bool ioapic_pin_unmasked(const struct ioapic *io, unsigned pin)
{
	return pin < IOAPIC_PINS && !(io->rte[pin] & RTE_MASKED);
}

static uint32_t reg_read(struct ioapic *io)
{
	unsigned idx = io->sel & 0xff;

	switch (idx) {
	case 0: return io->id;
	case 1: return ((IOAPIC_PINS - 1) << 16) | 0x11;
	case 2: return io->id;          /* arbitration ID */
	default:
		if (idx >= 0x10 && idx < 0x10 + 2 * IOAPIC_PINS) {
			uint64_t r = io->rte[(idx - 0x10) >> 1];
			return (idx & 1) ? (uint32_t)(r >> 32) : (uint32_t)r;
		}
		return 0xffffffffu;
	}
}

static void reg_write(struct ioapic *io, uint32_t v)
{
	unsigned idx = io->sel & 0xff, pin;
	uint64_t r;

	if (idx == 0) {
		io->id = v & 0x0f000000u;
		return;
	}
	if (idx < 0x10 || idx >= 0x10 + 2 * IOAPIC_PINS)
		return;         /* version, arbitration: read-only */
	pin = (idx - 0x10) >> 1;
	r = io->rte[pin];
	if (idx & 1)
		r = (r & 0xffffffffull) | ((uint64_t)(v & 0xff000000u) << 32);
	else
		r = (r & (0xffffffff00000000ull | RTE_RO)) | (v & ~(uint32_t)RTE_RO);
	if (!(r & RTE_LEVEL))
		r &= ~RTE_REMOTE_IRR;   /* edge entries have no Remote IRR */
	io->rte[pin] = r;
	/* Unmasking an asserted level pin delivers it now. */
	if ((r & RTE_LEVEL) && (io->level & (1u << pin)))
		deliver(io, pin);
}

static void ioapic_mmio(void *dev, uint64_t off, uint8_t *data, unsigned size, bool is_write)
{
	struct ioapic *io = dev;
	uint32_t v = 0;

	if (is_write) {
		memcpy(&v, data, size < 4 ? size : 4);
		if (off == 0x00)
			io->sel = v & 0xff;
		else if (off == 0x10)
			reg_write(io, v);
		return;
	}
	if (off == 0x00)
		v = io->sel;
	else if (off == 0x10)
		v = reg_read(io);
	memset(data, 0, size);
	memcpy(data, &v, size < 4 ? size : 4);
}

struct ioapic *ioapic_create(struct vm *vm)
{
	struct ioapic *io = calloc(1, sizeof(*io));

	if (!io)
		return NULL;
	io->vm = vm;
	for (unsigned i = 0; i < IOAPIC_PINS; i++)
		io->rte[i] = RTE_MASKED;
	vm_own(vm, io);
	if (bus_register(&vm->mmio, IOAPIC_BASE, 0x100, ioapic_mmio, io, "ioapic") < 0)
		return NULL;
	vm->ioapic = io;
	return io;
}
