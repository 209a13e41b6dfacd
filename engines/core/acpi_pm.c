/* ACPI fixed-feature PM registers (ACPI 1.0b section 4.7.3): PM1a status
 * and enable, PM1a control, and the PM timer.  SCI_EN reads as set (the
 * FADT has no SMI_CMD: ACPI mode from reset); no event ever sets a status
 * bit, so the SCI is never raised.  The timer counts 3.579545 MHz from the
 * host clock, as the PIT and the TSC do. */
#include "engines/core/acpi.h"

#include <stdlib.h>
#include <string.h>

#include "engines/core/status.h"
#include "engines/core/timer.h"
#include "engines/core/vm.h"

#define PM1_SCI_EN     0x0001u
#define PM1_SLP_TYP(v) (((v) >> 10) & 7u)
#define PM1_SLP_EN     0x2000u

struct acpi_pm {
	struct vm *vm;
	uint8_t regs[8];        /* PM1a_STS, PM1a_EN, PM1a_CNT (+ 2 unused) */
};

uint32_t acpi_pm_timer_count(uint64_t now_ns)
{
	uint64_t s = now_ns / 1000000000ull, ns = now_ns % 1000000000ull;

	return (uint32_t)(s * ACPI_PM_TIMER_HZ + ns * ACPI_PM_TIMER_HZ / 1000000000ull);
}

static void pm_io(void *dev, uint64_t off, uint8_t *data, unsigned size, bool is_write)
{
	struct acpi_pm *pm = dev;

	if (off >= 8) {                 /* the timer: read-only */
		if (!is_write) {
			uint32_t t = acpi_pm_timer_count(vm_now_ns());
			for (unsigned i = 0; i < size; i++)
				data[i] = off - 8 + i < 4 ? (uint8_t)(t >> 8 * (off - 8 + i)) : 0xff;
		}
		return;
	}
	for (unsigned i = 0; i < size && off + i < 8; i++) {
		unsigned r = (unsigned)off + i;
		if (!is_write)
			data[i] = pm->regs[r];
		else if (r < 2)
			pm->regs[r] &= (uint8_t)~data[i];       /* status: write 1 to clear */
		else
			pm->regs[r] = data[i];
	}
	pm->regs[4] |= PM1_SCI_EN;
	if (!is_write || off + size <= 4 || off >= 6)
		return;
	uint16_t cnt = (uint16_t)(pm->regs[4] | pm->regs[5] << 8);
	if ((cnt & PM1_SLP_EN) && PM1_SLP_TYP(cnt) == ACPI_S5_SLP_TYP)
		vm_finish(pm->vm, RB_STATUS_POWEROFF, "guest powered off (ACPI S5: SLP_EN in PM1a_CNT)");
}

int acpi_pm_create(struct vm *vm)
{
	struct acpi_pm *pm = calloc(1, sizeof(*pm));

	if (!pm)
		return -1;
	pm->vm = vm;
	pm->regs[4] = PM1_SCI_EN;
	vm_own(vm, pm);
	return bus_register(&vm->pio, ACPI_PM_BASE, 12, pm_io, pm, "acpi-pm");
}
