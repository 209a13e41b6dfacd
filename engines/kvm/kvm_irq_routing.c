/* The ISA interrupt wiring of KVM's in-kernel irqchip made the platform's
 * (docs/platform.md): KVM's default routing sends GSI 0, where its PIT
 * raises IRQ0, to IOAPIC pin 0; QEMU (kvm_pc_setup_irq_routing) and the
 * VM core's software platform put it on pin 2, the pin the MADT's
 * interrupt source override names.  GSIs 0-15 go to the 8259s (not the
 * cascade, IRQ2) and to the IOAPIC, 16-23 to the IOAPIC alone.  The VM
 * core's devices that interrupt (the UART) raise their lines here. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>

#include "engines/kvm/kvm.h"

static void add(struct kvm_irq_routing *r, uint32_t gsi, uint32_t chip, uint32_t pin)
{
	struct kvm_irq_routing_entry *e = &r->entries[r->nr++];

	memset(e, 0, sizeof(*e));
	e->gsi = gsi;
	e->type = KVM_IRQ_ROUTING_IRQCHIP;
	e->u.irqchip.irqchip = chip;
	e->u.irqchip.pin = pin;
}

int kvm_route_isa_irqs(struct kvm_engine *k, char *err, size_t len)
{
	enum { MAX = 64 };
	struct kvm_irq_routing *r = calloc(1, sizeof(*r) + MAX * sizeof(r->entries[0]));
	int rc;

	if (!r) {
		snprintf(err, len, "out of memory");
		return -1;
	}
	for (uint32_t i = 0; i < 16; i++)
		if (i != 2)
			add(r, i, i < 8 ? KVM_IRQCHIP_PIC_MASTER : KVM_IRQCHIP_PIC_SLAVE, i % 8);
	for (uint32_t i = 0; i < 24; i++)
		if (i != 2)
			add(r, i, KVM_IRQCHIP_IOAPIC, i == 0 ? 2 : i);
	rc = ioctl(k->vm_fd, KVM_SET_GSI_ROUTING, r);
	if (rc < 0)
		snprintf(err, len, "KVM_SET_GSI_ROUTING failed: %s", strerror(errno));
	free(r);
	return rc < 0 ? -1 : 0;
}

void kvm_set_irq(struct engine *e, unsigned irq, int level)
{
	struct kvm_engine *k = (struct kvm_engine *)e;
	struct kvm_irq_level l = { .irq = irq, .level = level ? 1 : 0 };

	ioctl(k->vm_fd, KVM_IRQ_LINE, &l);      /* fails only for a bad GSI */
}
