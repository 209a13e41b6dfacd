/* MP tables (Intel MultiProcessor Specification 1.4, chapter 4): the
 * structure Linux's and SeaBIOS's readers expect, byte for byte. */
#include "engines/core/mptable.h"

#include <string.h>

#include "engines/core/devices.h"
#include "engines/core/fw_bytes.h"
#include "engines/core/vm.h"

#define MPC_HEADER 44
#define MPC_CPU    20
#define MPC_BUS    8

int mptable_write(struct vm *vm, unsigned n_cpus)
{
	uint8_t fp[16], tab[MPC_HEADER + VM_MAX_CPUS * MPC_CPU + MPC_BUS];
	unsigned len = MPC_HEADER, entries = 0;

	if (n_cpus < 1 || n_cpus > VM_MAX_CPUS)
		return -1;
	memset(tab, 0, sizeof(tab));
	for (unsigned id = 0; id < n_cpus; id++, entries++, len += MPC_CPU) {
		uint8_t *c = tab + len;
		c[0] = 0;                               /* processor */
		c[1] = (uint8_t)id;                     /* LAPIC ID */
		c[2] = 0x14;                            /* LAPIC version, as LAPIC_VER reads */
		c[3] = (uint8_t)(1 | (id == 0 ? 2 : 0));  /* enabled; bootstrap processor */
		put32(c + 4, 0x600);                    /* signature: family 6 */
		put32(c + 8, 0x201);                    /* features: FPU, APIC */
	}
	tab[len] = 1;                                   /* bus 0: ISA */
	memcpy(tab + len + 2, "ISA   ", 6);
	len += MPC_BUS;
	entries++;
	memcpy(tab, "PCMP", 4);
	put16(tab + 4, (uint16_t)len);
	tab[6] = 4;                                     /* spec revision 1.4 */
	memcpy(tab + 8, "RINGBNCH", 8);
	memcpy(tab + 16, "RINGBENCH   ", 12);
	put16(tab + 34, (uint16_t)entries);
	put32(tab + 36, (uint32_t)RB_LAPIC_BASE);
	tab[7] = checksum(tab, len);

	memset(fp, 0, sizeof(fp));
	memcpy(fp, "_MP_", 4);
	put32(fp + 4, MPTABLE_ADDR + 16);
	fp[8] = 1;                                      /* length in 16-byte units */
	fp[9] = 4;
	fp[10] = checksum(fp, 16);
	if (vm_write(vm, MPTABLE_ADDR, fp, 16) < 0 || vm_write(vm, MPTABLE_ADDR + 16, tab, len) < 0)
		return -1;
	return 0;
}
