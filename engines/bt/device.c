/* Device accesses bt makes from translated code, without the helper call
 * around them, where the device is a quiet one (bus.h: it never changes an
 * interrupt line or the run; the null page and the null port):
 *   MMIO: a memory instruction that only reads its operand, or a MOV
 *     store.  The probe misses; the device's answer goes into
 *     ctx.mmio_buf, the probe's host address register points there, and
 *     the instruction runs as on a hit; a store runs first into the
 *     buffer, which then goes to the device.
 *   Port I/O: IN and OUT (not the string forms) in CPL 0 blocks: port,
 *     size and OUT's data in the context block, IN's data back into AL,
 *     AX or EAX.
 *   Hypercalls: VMCALL/VMMCALL in CPL 0 blocks whose service is a quiet
 *     one (vm_hypercall_quiet): its registers in their homes, RAX back
 *     from its home.
 * The access itself is the shared semantics' (x86/mem.c, x86/ops_io.c),
 * down to the exit count and vm_dispatch_exit; what is left out is the
 * store and reload of every guest register, the handler's decoding, the
 * interrupt check.  Anything else (another device, a fault, a page not
 * seen yet, a CPL above IOPL) returns 0 and the instruction goes to its
 * helper as before. */
#include "engines/bt/bt.h"

/* The site (ctx.site) skips its refill from now on. */
static void bt_mmio_seen(struct engine *e)
{
	struct bt_site *s = (struct bt_site *)(uintptr_t)e->ctx.site;

	if (s->patch && !s->block->dead)
		bt_slow_skip_fill(e, s);
}

int bt_mmio(struct engine *e)
{
	uint64_t v = e->ctx.mmio_buf;
	bool write = e->ctx.fill_arg >> 16 & 1;

	if (!x86_mmio_quiet(&e->cpu, e->ctx.fill_lin, (unsigned)(e->ctx.fill_arg & 0xffff), write, &v))
		return 0;
	e->ctx.mmio_buf = v;
	e->c.mmio_in_place++;
	bt_mmio_seen(e);
	return 1;
}

int bt_pio(struct engine *e)
{
	uint64_t v = e->ctx.mmio_buf;
	bool write = e->ctx.fill_arg >> 16 & 1;

	if (!x86_pio_quiet(&e->cpu, (uint16_t)e->ctx.fill_lin, (unsigned)(e->ctx.fill_arg & 0xffff), write, &v))
		return 0;
	e->ctx.mmio_buf = v;
	e->c.pio_in_place++;
	return 1;
}

int bt_hypercall(struct engine *e)
{
	if (!x86_hypercall_quiet(&e->cpu))
		return 0;
	e->c.hc_in_place++;
	return 1;
}
