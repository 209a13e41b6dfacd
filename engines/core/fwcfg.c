/* QEMU's fw_cfg device, port interface (docs/specs/fw_cfg.rst of QEMU):
 * a 16-bit write to the selector port 0x510 picks an item and rewinds it;
 * byte reads from the data port 0x511 return its bytes in order, then 0.
 * Items: the "QEMU" signature, the interface ID (traditional interface
 * only: no DMA), the UUID (zero), RAM size, CPU count and maximum (vm->n_cpus), and
 * an empty file directory.  Anything else reads as 0, as under QEMU.
 * Software written for QEMU finds the CPU count here rather than waiting
 * for the 65,534 CPUs all-ones would claim. */
#include <stdlib.h>
#include <string.h>

#include "engines/core/devices.h"

enum {
	FW_CFG_SIGNATURE = 0x00, FW_CFG_ID = 0x01, FW_CFG_UUID = 0x02, FW_CFG_RAM_SIZE = 0x03,
	FW_CFG_NOGRAPHIC = 0x04, FW_CFG_NB_CPUS = 0x05, FW_CFG_MAX_CPUS = 0x0f,
	FW_CFG_FILE_DIR = 0x19,
};

struct fwcfg {
	struct vm *vm;
	uint16_t key;
	uint32_t off;
	uint8_t item[16];
	uint32_t len;
};

static void put_le(uint8_t *p, uint64_t v, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

/* The bytes of the selected item (little-endian numbers, as on x86;
 * the file directory's count is big-endian, as QEMU has it). */
static void select_item(struct fwcfg *f, uint16_t key)
{
	f->key = key;
	f->off = 0;
	memset(f->item, 0, sizeof(f->item));
	switch (key) {
	case FW_CFG_SIGNATURE: memcpy(f->item, "QEMU", 4); f->len = 4; break;
	case FW_CFG_ID: put_le(f->item, 1, 4); f->len = 4; break;     /* traditional interface */
	case FW_CFG_UUID: f->len = 16; break;
	case FW_CFG_RAM_SIZE: put_le(f->item, f->vm->ram_size, 8); f->len = 8; break;
	case FW_CFG_NOGRAPHIC: f->len = 2; break;
	case FW_CFG_NB_CPUS: case FW_CFG_MAX_CPUS: put_le(f->item, f->vm->n_cpus, 2); f->len = 2; break;
	case FW_CFG_FILE_DIR: f->len = 4; break;                      /* count 0 */
	default: f->len = 0; break;
	}
}

static void fwcfg_io(void *dev, uint64_t off, uint8_t *data, unsigned size, bool is_write)
{
	struct fwcfg *f = dev;

	if (off == 0) {                 /* selector */
		if (is_write) {
			uint16_t key = data[0];
			if (size > 1)
				key |= (uint16_t)(data[1] << 8);
			select_item(f, key);
		} else {
			memset(data, 0, size);
		}
		return;
	}
	if (is_write)
		return;                 /* the data port is read-only */
	for (unsigned i = 0; i < size; i++)
		data[i] = f->off < f->len ? f->item[f->off++] : 0;
}

int fwcfg_register(struct vm *vm)
{
	struct fwcfg *f = calloc(1, sizeof(*f));

	if (!f)
		return -1;
	f->vm = vm;
	vm_own(vm, f);
	select_item(f, FW_CFG_SIGNATURE);
	return bus_register(&vm->pio, RB_FW_CFG_PORT, 2, fwcfg_io, f, "fw_cfg");
}
