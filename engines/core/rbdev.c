/* The ringbench device (docs/platform.md): benchmark markers, the doorbell
 * hypercall handled by the VM process, a null port and a null MMIO page. */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "engines/core/devices.h"
#include "engines/core/sized.h"

/* struct rb_hcall: include/ringbench/abi.h */
/* The null port's and the null page's: they only count. */
struct rb_null {
	struct vm *vm;
	unsigned counter;               /* RB_CNT_NULL_PORT or RB_CNT_NULL_PAGE */
};

struct rbdev {
	struct vm *vm;
	uint32_t selected;
	struct rb_null port, page;
};

/* Apply count {gpa, value} pairs to guest page tables: the batched
 * alternative to trapping each PTE write.  The list may sit at any
 * guest-chosen address, so it is copied out, never dereferenced in place;
 * the PTEs go through vm_write() so a PTE that is also code (a
 * self-modifying guest) is not left stale in interp's or bt's cache. */
static uint64_t rb_pte_batch(struct vm *vm, uint64_t list_gpa, uint64_t count)
{
	if (count > 4096 || list_gpa + count * 16 < list_gpa)
		return (uint64_t)-1;
	for (uint64_t i = 0; i < count; i++) {
		uint64_t pair[2];
		if (vm_read(vm, list_gpa + 16 * i, pair, sizeof(pair)) < 0 || (pair[0] & 7) ||
		    vm_write(vm, pair[0], &pair[1], 8) < 0)
			return (uint64_t)-1;
	}
	return 0;
}

static void rb_doorbell(struct vm *vm, uint32_t gpa)
{
	struct rb_hcall h;

	vm->rb_counters[RB_CNT_DOORBELL]++;
	if ((gpa & 7) || vm_read(vm, gpa, &h, sizeof(h)) < 0)
		return;
	switch (h.nr) {
	case RB_HC_NULL:      h.ret = 0; break;
	case RB_HC_PTE_BATCH: h.ret = rb_pte_batch(vm, h.args[0], h.args[1]); break;
	default:              h.ret = (uint64_t)-1; break;
	}
	vm_write(vm, gpa + offsetof(struct rb_hcall, ret), &h.ret, sizeof(h.ret));
}

static void rbdev_io(void *dev, uint64_t off, uint8_t *data, unsigned size, bool is_write)
{
	struct rbdev *rb = dev;
	struct vm *vm = rb->vm;
	uint32_t v = 0;

	if (is_write)
		v = (uint32_t)sized_load(data, size < 4 ? size : 4);
	else
		sized_store(data, size, 0);

	switch (off & ~3ull) {
	case RB_PORT_MARK_BEGIN - RB_PORT_BASE:
	case RB_PORT_MARK_END - RB_PORT_BASE:
		if (is_write && vm->on_marker)
			vm->on_marker(vm, v, (off & ~3ull) == RB_PORT_MARK_END - RB_PORT_BASE, vm->marker_ctx);
		break;
	case RB_PORT_DOORBELL - RB_PORT_BASE:
		if (is_write)
			rb_doorbell(vm, v);
		break;
	case RB_PORT_CNT_SELECT - RB_PORT_BASE:
		if (is_write)
			rb->selected = v & (RB_COUNTERS - 1);
		break;
	case RB_PORT_CNT_READ - RB_PORT_BASE:
		if (!is_write) {
			sized_store(data, size < 4 ? size : 4, (uint32_t)vm->rb_counters[rb->selected]);
		}
		break;
	default:
		break;
	}
}

/* The ports above the null port: rbdev_io's offsets are from RB_PORT_BASE. */
static void rbdev_io_above(void *dev, uint64_t off, uint8_t *data, unsigned size, bool is_write)
{
	rbdev_io(dev, off + (RB_PORT_NULL + 4 - RB_PORT_BASE), data, size, is_write);
}

static void null_io(void *dev, uint64_t off, uint8_t *data, unsigned size, bool is_write)
{
	struct rb_null *n = dev;

	(void)off;
	if (!is_write)
		sized_store(data, size, 0);
	n->vm->rb_counters[n->counter]++;
}

int rbdev_register(struct vm *vm)
{
	struct rbdev *rb = calloc(1, sizeof(*rb));

	if (!rb)
		return -1;
	rb->vm = vm;
	rb->port = (struct rb_null){ vm, RB_CNT_NULL_PORT };
	rb->page = (struct rb_null){ vm, RB_CNT_NULL_PAGE };
	vm_own(vm, rb);
	/* The null port and the null page on ranges of their own, quiet
	 * (bus.h: they only count); the markers and the doorbell are not. */
	if (bus_register(&vm->pio, RB_PORT_BASE, RB_PORT_NULL - RB_PORT_BASE, rbdev_io, rb, "ringbench") < 0 ||
	    bus_register(&vm->pio, RB_PORT_NULL, 4, null_io, &rb->port, "null-port") < 0 ||
	    bus_register(&vm->pio, RB_PORT_NULL + 4, RB_PORT_BASE + RB_PORT_LEN - RB_PORT_NULL - 4,
			 rbdev_io_above, rb, "ringbench") < 0 ||
	    bus_register(&vm->mmio, RB_NULL_PAGE, 4096, null_io, &rb->page, "null-page") < 0)
		return -1;
	bus_set_quiet(&vm->pio, RB_PORT_NULL, NULL);
	bus_set_quiet(&vm->mmio, RB_NULL_PAGE, NULL);
	return 0;
}
