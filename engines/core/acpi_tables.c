/* ACPI 1.0 tables for a Linux guest (acpi.h): RSDP, RSDT, FADT rev 1,
 * FACS, DSDT with \_S5, MADT.  Layout and field offsets: ACPI 1.0b sections
 * 5.2.4 (RSDP), 5.2.7 (RSDT), 5.2.8 (FADT), 5.2.9 (FACS), 7.5.2 (\_Sx). */
#include "engines/core/acpi.h"

#include <string.h>

#include "engines/core/devices.h"
#include "engines/core/fw_bytes.h"
#include "engines/core/vm.h"

enum {
	RSDP_AT = ACPI_TABLES_ADDR,             /* 16-byte aligned, 20 bytes */
	RSDT_AT = ACPI_TABLES_ADDR + 0x40,
	FADT_AT = ACPI_TABLES_ADDR + 0x80,      /* 116 bytes */
	FACS_AT = ACPI_TABLES_ADDR + 0x140,     /* 64-byte aligned, 64 bytes */
	DSDT_AT = ACPI_TABLES_ADDR + 0x200,
	MADT_AT = ACPI_TABLES_ADDR + 0x280,
	HDR = 36, FADT_LEN = 116, FACS_LEN = 64,
	MADT_CPU = 8, MADT_NMI = 6, MADT_MAX = HDR + 8 + VM_MAX_CPUS * MADT_CPU + MADT_NMI,
};

/* FADT flags: WBINVD works, C1 (HLT) on every CPU, no fixed power or
 * sleep button, a 32-bit PM timer. */
#define FADT_FLAGS (1u << 0 | 1u << 2 | 1u << 4 | 1u << 5 | 1u << 8)

/* The common 36-byte header; the checksum goes in last (seal). */
static void header(uint8_t *t, const char *sig, unsigned len)
{
	memcpy(t, sig, 4);
	put32(t + 4, len);
	t[8] = 1;                                       /* revision */
	memcpy(t + 10, "RINGBN", 6);
	memcpy(t + 16, "RINGBNCH", 8);
	put32(t + 24, 1);                               /* OEM revision */
	memcpy(t + 28, "RBVM", 4);
	put32(t + 32, 1);
}

static void seal(uint8_t *t, unsigned len) { t[9] = checksum(t, len); }

/* The MADT (5.1.8 in ACPI 1.0b; Linux ignores the MP table once ACPI is
 * there): one LAPIC per vCPU (IDs 0..n-1, as in the MP table), LINT1 as
 * NMI on every CPU, the 8259s.  No IOAPIC, as in the MP table: with one,
 * Linux's check_timer() counts PIT ticks over a short TSC-timed
 * delay, and a host that deschedules the vCPU for longer (ticks of a late
 * host coalesce) makes it panic ("IO-APIC + timer doesn't work").  Interrupts
 * come through the 8259s in virtual-wire mode.  Returns its length. */
static unsigned madt(uint8_t *t, unsigned n_cpus)
{
	unsigned len = HDR + 8;

	put32(t + HDR, (uint32_t)RB_LAPIC_BASE);
	put32(t + HDR + 4, 1);                          /* PCAT_COMPAT: 8259s present */
	for (unsigned id = 0; id < n_cpus; id++, len += MADT_CPU) {
		uint8_t *e = t + len;
		e[0] = 0;
		e[1] = MADT_CPU;
		e[2] = (uint8_t)id;                     /* ACPI processor ID */
		e[3] = (uint8_t)id;                     /* APIC ID */
		put32(e + 4, 1);                        /* enabled */
	}
	t[len] = 4;                                     /* LAPIC NMI: all CPUs, LINT1 */
	t[len + 1] = MADT_NMI;
	t[len + 2] = 0xff;
	t[len + 5] = 1;
	len += MADT_NMI;
	header(t, "APIC", len);
	seal(t, len);
	return len;
}

int acpi_write_tables(struct vm *vm)
{
	/* Name (_S5_, Package (4) { 5, 5, 0, 0 }): SLP_TYPa, SLP_TYPb. */
	static const uint8_t s5[] = { 0x08, '_', 'S', '5', '_', 0x12, 0x08, 0x04,
				      0x0a, ACPI_S5_SLP_TYP, 0x0a, ACPI_S5_SLP_TYP, 0x00, 0x00 };
	uint8_t rsdp[20] = { 0 }, rsdt[HDR + 8] = { 0 }, fadt[FADT_LEN] = { 0 }, facs[FACS_LEN] = { 0 };
	uint8_t dsdt[HDR + sizeof(s5)] = { 0 }, apic[MADT_MAX] = { 0 };
	unsigned apic_len = madt(apic, vm->n_cpus);

	header(dsdt, "DSDT", sizeof(dsdt));
	memcpy(dsdt + HDR, s5, sizeof(s5));
	seal(dsdt, sizeof(dsdt));

	memcpy(facs, "FACS", 4);
	put32(facs + 4, FACS_LEN);

	header(fadt, "FACP", FADT_LEN);
	put32(fadt + 36, FACS_AT);
	put32(fadt + 40, DSDT_AT);
	put16(fadt + 46, 9);                            /* SCI_INT: never raised */
	/* SMI_CMD 0: no mode switch, the machine is in ACPI mode from reset. */
	put32(fadt + 56, ACPI_PM_BASE);                 /* PM1a_EVT_BLK */
	put32(fadt + 64, ACPI_PM_BASE + 4);             /* PM1a_CNT_BLK */
	put32(fadt + 76, ACPI_PM_BASE + 8);             /* PM_TMR_BLK */
	fadt[88] = 4;                                   /* PM1_EVT_LEN */
	fadt[89] = 2;                                   /* PM1_CNT_LEN */
	fadt[91] = 4;                                   /* PM_TMR_LEN */
	put16(fadt + 96, 0x65);                         /* no C2 (latency > 100 us) */
	put16(fadt + 98, 0x3e9);                        /* no C3 (latency > 1000 us) */
	fadt[108] = 0x32;                               /* the RTC's century byte */
	put32(fadt + 112, FADT_FLAGS);
	seal(fadt, FADT_LEN);

	header(rsdt, "RSDT", sizeof(rsdt));
	put32(rsdt + HDR, FADT_AT);
	put32(rsdt + HDR + 4, MADT_AT);
	seal(rsdt, sizeof(rsdt));

	memcpy(rsdp, "RSD PTR ", 8);
	memcpy(rsdp + 9, "RINGBN", 6);                  /* revision 0: ACPI 1.0 */
	put32(rsdp + 16, RSDT_AT);
	rsdp[8] = checksum(rsdp, sizeof(rsdp));

	if (vm_write(vm, RSDP_AT, rsdp, sizeof(rsdp)) < 0 || vm_write(vm, RSDT_AT, rsdt, sizeof(rsdt)) < 0 ||
	    vm_write(vm, FADT_AT, fadt, sizeof(fadt)) < 0 || vm_write(vm, FACS_AT, facs, sizeof(facs)) < 0 ||
	    vm_write(vm, DSDT_AT, dsdt, sizeof(dsdt)) < 0 || vm_write(vm, MADT_AT, apic, apic_len) < 0)
		return -1;
	return 0;
}
