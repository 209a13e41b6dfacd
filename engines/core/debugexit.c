/* Debug-exit device at port 0xf4, as QEMU's isa-debug-exit: a write of v
 * ends the VM with process exit status (v << 1) | 1. */
#include <string.h>

#include "engines/core/devices.h"

static void debugexit_io(void *dev, uint64_t off, uint8_t *data, unsigned size, bool is_write)
{
	struct vm *vm = dev;
	uint32_t v = 0;

	(void)off;
	if (!is_write) {
		memset(data, 0xff, size);
		return;
	}
	memcpy(&v, data, size < 4 ? size : 4);
	/* A process status keeps 8 bits, as under QEMU. */
	vm_finish(vm, (int)(((v << 1) | 1) & 0xff), "guest wrote %u to the debug-exit port", v);
}

int debugexit_register(struct vm *vm)
{
	return bus_register(&vm->pio, RB_DEBUG_EXIT_PORT, 4, debugexit_io, vm, "debug-exit");
}
