/* The smallest ACPI a Linux guest uses (ACPI 1.0 tables, as QEMU's PIIX4
 * machine gives them): an RSDP in the BIOS area the OS scans, an RSDT
 * pointing at a revision-1 FADT, its FACS and a DSDT whose only object is
 * \_S5 (soft-off), and the fixed PM registers the FADT names: PM1a event
 * and control blocks and the 3.579545 MHz PM timer.  The kernel calibrates
 * the TSC against that timer when the PIT loop fails, and powers off by
 * writing SLP_TYP 5 | SLP_EN to PM1a_CNT (docs/linux.md). */
#ifndef RINGBENCH_ACPI_H
#define RINGBENCH_ACPI_H

#include <stdint.h>

struct vm;

#define ACPI_TABLES_ADDR  0xE0000u   /* the RSDP, then the tables */
#define ACPI_PM_BASE      0xb000u    /* PM1a_EVT +0 (4), PM1a_CNT +4 (2), PM_TMR +8 (4) */
#define ACPI_PM_TIMER_HZ  3579545u
#define ACPI_S5_SLP_TYP   5u         /* \_S5's value, written to PM1a_CNT.SLP_TYP */

/* Write the tables into guest RAM: 0, or -1 when RAM does not reach them. */
int acpi_write_tables(struct vm *vm);

/* Register the PM1a and PM timer ports; a write of SLP_TYP 5 with SLP_EN
 * ends the VM with RB_STATUS_POWEROFF.  0 or -1. */
int acpi_pm_create(struct vm *vm);

/* The PM timer's count at host time now_ns (32 bits, TMR_VAL_EXT). */
uint32_t acpi_pm_timer_count(uint64_t now_ns);

#endif
