/* The ACPI tables and PM registers of a Linux guest (engines/core/acpi*.c)
 * against the ACPI 1.0b layout: the RSDP where the OS scans, every table's
 * checksum, the FADT's PM blocks, the DSDT's \_S5 package, the MADT's
 * processors; the PM timer's rate against the host clock;
 * SCI_EN set; SLP_EN with \_S5's SLP_TYP ends the VM as a power-off. */
#include "engines/core/acpi.h"
#include "engines/core/status.h"
#include "tests/check.h"
#include "tests/unit/platform_io.h"

static uint8_t mem[0x400];

static uint32_t rd32(unsigned gpa) { const uint8_t *p = mem + gpa - ACPI_TABLES_ADDR; return p[0] | p[1] << 8 | p[2] << 16 | (uint32_t)p[3] << 24; }

static int sums_to_zero(unsigned gpa, unsigned len)
{
	uint8_t s = 0;

	for (unsigned i = 0; i < len; i++)
		s = (uint8_t)(s + mem[gpa - ACPI_TABLES_ADDR + i]);
	return s == 0;
}

/* A table's address from the RSDT by signature, or 0. */
static unsigned table(const char *sig)
{
	unsigned rsdt = rd32(ACPI_TABLES_ADDR + 16), n = (rd32(rsdt + 4) - 36) / 4;

	for (unsigned i = 0; i < n; i++) {
		unsigned t = rd32(rsdt + 36 + 4 * i);
		if (t >= ACPI_TABLES_ADDR && t < ACPI_TABLES_ADDR + sizeof(mem) && !memcmp(mem + t - ACPI_TABLES_ADDR, sig, 4))
			return t;
	}
	return 0;
}

int main(void)
{
	char err[200];
	struct vm *vm = platform_vm();

	CHECK(vm != NULL, "a VM");
	if (!vm)
		CHECK_EXIT();
	CHECK(vm_set_cpus(vm, 3, err, sizeof(err)) == 0, "3 vCPUs (%s)", err);
	CHECK(acpi_write_tables(vm) == 0 && acpi_pm_create(vm) == 0, "tables written, PM ports registered");
	CHECK(vm_read(vm, ACPI_TABLES_ADDR, mem, sizeof(mem)) == 0, "read back");

	CHECK(!memcmp(mem, "RSD PTR ", 8) && ACPI_TABLES_ADDR % 16 == 0 && ACPI_TABLES_ADDR >= 0xE0000 &&
	      sums_to_zero(ACPI_TABLES_ADDR, 20) && mem[15] == 0,
	      "RSDP: signature on a 16-byte boundary in 0xE0000-0xFFFFF, ACPI 1.0, checksum");
	unsigned rsdt = rd32(ACPI_TABLES_ADDR + 16);
	CHECK(rsdt > ACPI_TABLES_ADDR && rsdt < ACPI_TABLES_ADDR + sizeof(mem) &&
	      !memcmp(mem + rsdt - ACPI_TABLES_ADDR, "RSDT", 4) && sums_to_zero(rsdt, rd32(rsdt + 4)), "RSDT and its checksum");

	unsigned fadt = table("FACP"), madt = table("APIC");
	CHECK(fadt && rd32(fadt + 4) == 116 && sums_to_zero(fadt, 116), "FADT revision 1: 116 bytes, checksum");
	unsigned facs = rd32(fadt + 36), dsdt = rd32(fadt + 40);
	CHECK(facs % 64 == 0 && !memcmp(mem + facs - ACPI_TABLES_ADDR, "FACS", 4) && rd32(facs + 4) == 64,
	      "FACS: 64-byte aligned, 64 bytes");
	CHECK(rd32(fadt + 48) == 0 && rd32(fadt + 56) == ACPI_PM_BASE && rd32(fadt + 64) == ACPI_PM_BASE + 4 &&
	      rd32(fadt + 76) == ACPI_PM_BASE + 8 && mem[fadt + 88 - ACPI_TABLES_ADDR] == 4 &&
	      mem[fadt + 89 - ACPI_TABLES_ADDR] == 2 && mem[fadt + 91 - ACPI_TABLES_ADDR] == 4 && (rd32(fadt + 112) & 0x100),
	      "FADT: no SMI_CMD, PM1a_EVT/PM1a_CNT/PM_TMR blocks and lengths, 32-bit timer");
	unsigned dlen = rd32(dsdt + 4);
	static const uint8_t s5[] = { 0x08, '_', 'S', '5', '_', 0x12 };
	const uint8_t *d = mem + dsdt - ACPI_TABLES_ADDR;
	CHECK(!memcmp(d, "DSDT", 4) && sums_to_zero(dsdt, dlen) && dlen == 36 + 14 && !memcmp(d + 36, s5, 6) &&
	      d[36 + 6] == 8 && d[36 + 7] == 4 && d[36 + 8] == 0x0a && d[36 + 9] == ACPI_S5_SLP_TYP,
	      "DSDT: Name(_S5_, Package(4){5, ...}) in AML, checksum");

	unsigned mlen = madt ? rd32(madt + 4) : 0, cpus = 0, ioapic = 0, iso0 = 0;
	CHECK(madt && sums_to_zero(madt, mlen) && rd32(madt + 36) == RB_LAPIC_BASE, "MADT: checksum, LAPIC address");
	for (unsigned o = 44; madt && o + 2 <= mlen && mem[madt + o + 1 - ACPI_TABLES_ADDR]; o += mem[madt + o + 1 - ACPI_TABLES_ADDR]) {
		const uint8_t *e = mem + madt + o - ACPI_TABLES_ADDR;
		if (e[0] == 0 && e[3] == cpus && (e[4] & 1))
			cpus++;
		if (e[0] == 1 && rd32(madt + o + 4) == RB_IOAPIC_BASE && rd32(madt + o + 8) == 0)
			ioapic++;
		if (e[0] == 2 && e[3] == 0 && rd32(madt + o + 4) == 2)
			iso0++;
	}
	CHECK(cpus == 3 && ioapic == 0 && iso0 == 0, "MADT: LAPIC IDs 0..2 enabled (%u), no IOAPIC (as the MP table)", cpus);

	/* The PM timer: 3.579545 MHz against the host clock, 32 bits. */
	double t0 = now_s();
	uint32_t c0 = pio(vm, ACPI_PM_BASE + 8, 4, 0, 0);
	sleep_us(20000);
	uint32_t c1 = pio(vm, ACPI_PM_BASE + 8, 4, 0, 0);
	double t1 = now_s(), rate = (double)(uint32_t)(c1 - c0) / (t1 - t0);
	CHECK(rate > ACPI_PM_TIMER_HZ * 0.9 && rate < ACPI_PM_TIMER_HZ * 1.1, "PM timer counts at %.0f Hz", rate);
	CHECK(acpi_pm_timer_count(10000000000000ull) == (uint32_t)(10000ull * ACPI_PM_TIMER_HZ),
	      "the count does not overflow at a long host uptime");

	CHECK(pio(vm, ACPI_PM_BASE + 4, 2, 0, 0) & 1, "PM1a_CNT: SCI_EN set (ACPI mode from reset)");
	pio(vm, ACPI_PM_BASE + 2, 2, 1, 0x0100);
	CHECK(pio(vm, ACPI_PM_BASE + 2, 2, 0, 0) == 0x0100 && pio(vm, ACPI_PM_BASE, 2, 0, 0) == 0,
	      "PM1a_EN keeps what is written; PM1a_STS has nothing pending");
	pio(vm, ACPI_PM_BASE + 4, 2, 1, 1u << 10 | 1u << 13);          /* S1: not in the DSDT */
	CHECK(!vm->finished, "SLP_EN with another SLP_TYP does not end the VM");
	pio(vm, ACPI_PM_BASE + 4, 2, 1, ACPI_S5_SLP_TYP << 10);
	CHECK(!vm->finished, "SLP_TYP 5 without SLP_EN does not end the VM");
	pio(vm, ACPI_PM_BASE + 4, 2, 1, ACPI_S5_SLP_TYP << 10 | 1u << 13);
	CHECK(vm->finished && vm->exit_status == RB_STATUS_POWEROFF, "SLP_TYP 5 | SLP_EN: the VM ends as powered off (%s)",
	      vm->finish_reason);
	vm_destroy(vm);
	CHECK_EXIT();
}
