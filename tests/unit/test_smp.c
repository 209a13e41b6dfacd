/* SMP platform pieces of the VM core: the vCPU count's bounds, the MP
 * table (checked against the MultiProcessor Specification 1.4 layout:
 * signatures, checksums, entries), fw_cfg's CPU count, and IPIs between
 * two software LAPICs (Fixed, physical and logical destinations,
 * shorthands, Lowest Priority, NMI, INIT, Start-up, illegal vector). */
#include <string.h>

#include "engines/core/devices.h"
#include "engines/core/lapic.h"
#include "engines/core/mptable.h"
#include "engines/core/vm.h"
#include "tests/check.h"

static struct vm *vm;

/* A register write as vCPU cpu makes it: through the one MMIO window,
 * which shows the running vCPU's LAPIC. */
static void wr(unsigned cpu, unsigned reg, uint32_t v)
{
	vm->lapic = vm->lapics[cpu];
	bus_access(&vm->mmio, RB_LAPIC_BASE + reg, (uint8_t *)&v, 4, true);
	vm->lapic = vm->lapics[0];
}

static uint32_t rd(unsigned cpu, unsigned reg)
{
	uint32_t v = 0;

	vm->lapic = vm->lapics[cpu];
	bus_access(&vm->mmio, RB_LAPIC_BASE + reg, (uint8_t *)&v, 4, false);
	vm->lapic = vm->lapics[0];
	return v;
}

static void ipi(unsigned from, unsigned dest, uint32_t lo)
{
	wr(from, 0x310, dest << 24);
	wr(from, 0x300, lo);
}

static uint8_t sum(const uint8_t *p, unsigned n)
{
	uint8_t s = 0;

	for (unsigned i = 0; i < n; i++)
		s = (uint8_t)(s + p[i]);
	return s;
}

static void check_mptable(unsigned n)
{
	const uint8_t *fp = vm_gpa(vm, MPTABLE_ADDR, 16), *t;
	uint32_t addr;
	uint16_t len, count;
	unsigned cpus = 0, bsp = 0, ids_ok = 1, off;

	CHECK(fp && !memcmp(fp, "_MP_", 4) && sum(fp, 16) == 0 && fp[8] == 1 && fp[9] == 4,
	      "MP floating pointer: signature, length 1, revision 1.4, checksum");
	memcpy(&addr, fp + 4, 4);
	t = vm_gpa(vm, addr, 44);
	CHECK(t && !memcmp(t, "PCMP", 4), "MP configuration table at %#x", addr);
	memcpy(&len, t + 4, 2);
	memcpy(&count, t + 34, 2);
	t = vm_gpa(vm, addr, len);
	CHECK(t && sum(t, len) == 0, "MP configuration table checksum over %u bytes", len);
	for (off = 44; off < len && count; count--) {
		if (t[off] == 0) {
			ids_ok &= t[off + 1] == cpus && (t[off + 3] & 1);
			bsp += (t[off + 3] & 2) != 0;
			cpus++;
			off += 20;
		} else {
			off += 8;
		}
	}
	CHECK(cpus == n && bsp == 1 && ids_ok && off == len,
	      "MP table: %u enabled processors, APIC IDs 0..%u, one BSP (found %u, %u)", n, n - 1, cpus, bsp);
}

int main(void)
{
	char err[200];
	uint16_t key = 5;
	uint8_t b[2];

	vm = vm_create(VM_DEFAULT_MEM, NULL, err, sizeof(err));
	CHECK(vm != NULL, "vm_create");
	if (!vm)
		CHECK_EXIT();
	CHECK(vm_set_cpus(vm, 0, err, sizeof(err)) < 0 && strstr(err, "1 to 8"), "0 vCPUs refused: %s", err);
	CHECK(vm_set_cpus(vm, 9, err, sizeof(err)) < 0, "9 vCPUs refused (the MP table holds 8)");
	CHECK(vm_set_cpus(vm, 8, err, sizeof(err)) == 0, "8 vCPUs accepted");
	check_mptable(8);
	CHECK(vm_set_cpus(vm, 2, err, sizeof(err)) == 0 && vm->n_cpus == 2, "2 vCPUs");
	check_mptable(2);
	bus_access(&vm->pio, RB_FW_CFG_PORT, (uint8_t *)&key, 2, true);
	bus_access(&vm->pio, RB_FW_CFG_PORT + 1, &b[0], 1, false);
	bus_access(&vm->pio, RB_FW_CFG_PORT + 1, &b[1], 1, false);
	CHECK(b[0] == 2 && b[1] == 0, "fw_cfg FW_CFG_NB_CPUS reads 2");

	CHECK(lapic_create(vm) && vm->lapics[1] && vm->lapic == vm->lapics[0], "two LAPICs, the BSP's running");
	CHECK(rd(0, 0x20) == 0 && rd(1, 0x20) == 1u << 24, "APIC IDs 0 and 1 in the ID register");
	CHECK(!lapic_waiting_sipi(vm->lapics[0]) && lapic_waiting_sipi(vm->lapics[1]),
	      "the AP waits for SIPI from power-up, the BSP does not");
	wr(0, 0xf0, 0x1ff);
	wr(1, 0xf0, 0x1ff);

	ipi(0, 1, 0x40);
	CHECK(lapic_pending(vm->lapics[1]) == 0x40 && lapic_pending(vm->lapics[0]) < 0,
	      "Fixed, physical destination 1: vector 0x40 reaches CPU 1 only");
	lapic_accept(vm->lapics[1], 0x40);
	wr(1, 0xb0, 0);
	ipi(1, 0xff, 0x41);
	CHECK(lapic_pending(vm->lapics[0]) == 0x41 && lapic_pending(vm->lapics[1]) == 0x41,
	      "Fixed, physical broadcast 0xFF reaches both");
	lapic_accept(vm->lapics[0], 0x41); wr(0, 0xb0, 0);
	lapic_accept(vm->lapics[1], 0x41); wr(1, 0xb0, 0);
	ipi(0, 0, 0xc0000 | 0x42);
	CHECK(lapic_pending(vm->lapics[1]) == 0x42 && lapic_pending(vm->lapics[0]) < 0,
	      "shorthand all-excluding-self reaches the other CPU only");
	lapic_accept(vm->lapics[1], 0x42); wr(1, 0xb0, 0);
	ipi(0, 1, 0x40000 | 0x43);
	CHECK(lapic_pending(vm->lapics[0]) == 0x43 && lapic_pending(vm->lapics[1]) < 0,
	      "shorthand self ignores the destination field");
	lapic_accept(vm->lapics[0], 0x43); wr(0, 0xb0, 0);

	wr(0, 0xd0, 0x01000000);
	wr(1, 0xd0, 0x02000000);
	ipi(0, 0x02, 0x800 | 0x44);
	CHECK(lapic_pending(vm->lapics[1]) == 0x44 && lapic_pending(vm->lapics[0]) < 0,
	      "Fixed, logical flat destination 0x02 reaches the CPU whose LDR has bit 1");
	lapic_accept(vm->lapics[1], 0x44); wr(1, 0xb0, 0);
	wr(0, 0xe0, 0x0fffffff);
	wr(1, 0xe0, 0x0fffffff);
	wr(0, 0xd0, 0x11000000);
	wr(1, 0xd0, 0x12000000);
	ipi(1, 0x13, 0x800 | 0x45);
	CHECK(lapic_pending(vm->lapics[0]) == 0x45 && lapic_pending(vm->lapics[1]) == 0x45,
	      "logical cluster destination 0x13 (cluster 1, members 0 and 1) reaches both");
	lapic_accept(vm->lapics[0], 0x45); wr(0, 0xb0, 0);
	lapic_accept(vm->lapics[1], 0x45); wr(1, 0xb0, 0);
	ipi(1, 0x23, 0x800 | 0x46);
	CHECK(lapic_pending(vm->lapics[0]) < 0 && lapic_pending(vm->lapics[1]) < 0,
	      "logical cluster destination in another cluster reaches neither");

	wr(0, 0x80, 0x20);
	ipi(1, 0xff, 0x100 | 0x47);
	CHECK(lapic_pending(vm->lapics[1]) == 0x47 && lapic_pending(vm->lapics[0]) < 0,
	      "Lowest Priority to both: one CPU, the one with the lower TPR");
	lapic_accept(vm->lapics[1], 0x47); wr(1, 0xb0, 0);
	wr(0, 0x80, 0);

	ipi(0, 1, 0x400);
	CHECK(lapic_nmi_pending(vm->lapics[1]) && !lapic_nmi_pending(vm->lapics[0]), "NMI to CPU 1");
	lapic_take_nmi(vm->lapics[1]);
	ipi(0, 1, 0x5);
	CHECK(lapic_pending(vm->lapics[1]) < 0 && (rd(0, 0x280) & 0x20), "vector 5: not delivered, "
	      "the sender's ESR says send illegal vector");

	ipi(0, 1, 0x600 | 0x08);
	CHECK(lapic_take_sipi(vm->lapics[1]) == 8 && !lapic_waiting_sipi(vm->lapics[1]),
	      "Start-up vector 8 taken by the waiting AP");
	ipi(0, 1, 0x600 | 0x09);
	CHECK(lapic_take_sipi(vm->lapics[1]) < 0, "a Start-up to a running CPU is ignored");
	ipi(0, 1, 0x8500);
	CHECK(!lapic_take_init(vm->lapics[1]), "INIT level de-assert does nothing");
	ipi(0, 1, 0xc500);
	CHECK(lapic_take_init(vm->lapics[1]) && lapic_waiting_sipi(vm->lapics[1]) &&
	      rd(1, 0xf0) == 0xff, "INIT: the CPU resets into wait-for-SIPI, its LAPIC software-disabled");
	ipi(0, 1, 0x600 | 0x10);
	CHECK(lapic_take_sipi(vm->lapics[1]) == 0x10, "then a Start-up starts it again");
	vm_destroy(vm);
	CHECK_EXIT();
}
