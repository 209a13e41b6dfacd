/* Memory instructions that reach a quiet MMIO device (bus.h: one that
 * never changes an interrupt line, such as the null page) run translated:
 * the probe misses, the device's answer goes into ctx.mmio_buf, the
 * probe's host address register points there, and the instruction runs
 * as on a hit; a write runs first into the buffer, which then goes to the
 * device.  The access itself is the shared semantics' (x86/mem.c), down
 * to the exit count and vm_dispatch_exit; what is left out is the helper
 * call around it: the store and reload of every guest register, the
 * handler's decoding of the operand, the interrupt check.  Anything else
 * (another device, a fault, a page not seen yet) returns 0 and the
 * instruction goes to its helper as before. */
#include "engines/bt/bt.h"

/* The site (ctx.site) skips its refill from now on. */
static void bt_mmio_seen(struct engine *e)
{
	struct bt_site *s = (struct bt_site *)(uintptr_t)e->ctx.site;

	if (s->patch && !s->block->dead)
		bt_slow_skip_fill(e, s);
}

int bt_mmio_read(struct engine *e)
{
	uint64_t v;

	if (!x86_mmio_read_quiet(&e->cpu, e->ctx.fill_lin, (unsigned)(e->ctx.fill_arg & 0xffff), &v))
		return 0;
	e->ctx.mmio_buf = v;
	e->c.mmio_in_place++;
	bt_mmio_seen(e);
	return 1;
}

int bt_mmio_write(struct engine *e)
{
	if (!x86_mmio_write_quiet(&e->cpu, e->ctx.fill_lin, (unsigned)(e->ctx.fill_arg & 0xffff),
				  e->ctx.mmio_buf))
		return 0;
	e->c.mmio_in_place++;
	return 1;
}
