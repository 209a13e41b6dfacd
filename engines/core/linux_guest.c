/* A Linux guest's ending and self-checks, seen from the VM core. */
#include "engines/core/linux_guest.h"
#include "engines/core/acpi.h"
#include "engines/core/console.h"
#include "engines/core/status.h"

#include <stdlib.h>
#include <string.h>

#define I8042_COMMAND_PORT 0x64
#define I8042_CMD_RESET    0xfe

/* Only the reset pulse: reads stay unclaimed (0xff, "no controller"), so
 * the kernel's i8042 probe finds none and its reboot path writes 0xFE
 * after its short wait for the input buffer. */
static void i8042_reset_io(void *dev, uint64_t off, uint8_t *data, unsigned size, bool is_write)
{
	struct vm *vm = dev;

	(void)off;
	if (!is_write) {
		memset(data, 0xff, size);
		return;
	}
	if (data[0] == I8042_CMD_RESET)
		vm_finish(vm, RB_STATUS_REBOOT, "guest reset the machine (keyboard controller, port 0x64 0xFE)");
}

int linux_line_is_warning(const char *line)
{
	static const char *const marks[] = {
		"WARNING: CPU:", "WARNING: at ", "BUG: ", "kernel BUG at", "Oops: ",
		"soft lockup", "hard LOCKUP", "rcu_sched detected stall", "rcu: INFO:",
		"detected stalls on CPUs", "general protection fault",
	};

	for (size_t i = 0; i < sizeof(marks) / sizeof(marks[0]); i++)
		if (strstr(line, marks[i]))
			return 1;
	return strstr(line, "clocksource") && strstr(line, "unstable");
}

/* The init's lines around each macrobenchmark run, "RBL1 begin NAME" and
 * then "RBL1 NAME ops=...", are the markers of a span, as the ringbench
 * device's MARK_BEGIN/END ports are for the microbenchmarks: `run
 * --records` prints the span's counters (harness/records.c). */
static void mark_span(struct linux_guest *g, const char *line)
{
	struct vm *vm = g->vm;
	const char *p = strstr(line, "RBL1 ");

	if (!p || !vm->on_marker)
		return;
	if (!strncmp(p + 5, "begin ", 6))
		vm->on_marker(vm, ++g->spans, 0, vm->marker_ctx);
	else if (strstr(p, " ops="))
		vm->on_marker(vm, g->spans, 1, vm->marker_ctx);
}

static void on_console_line(struct console *c, const char *line, void *ctx)
{
	struct linux_guest *g = ctx;

	(void)c;
	snprintf(g->tail[g->n_lines++ % LINUX_TAIL_LINES], LINUX_LINE_MAX, "%s", line);
	if (strstr(line, "RINGBENCH-INIT-READY"))
		g->init_ready = 1;
	mark_span(g, line);
	if (linux_line_is_warning(line) && g->warnings++ == 0)
		snprintf(g->first_warning, LINUX_LINE_MAX, "%s", line);
	if (strstr(line, "Kernel panic - not syncing"))
		g->panicked = 1;
	/* After the panic message the kernel prints its trace and this line,
	 * then loops or reboots (panic=N): nothing more to learn. */
	if (g->panicked && strstr(line, "end Kernel panic"))
		vm_finish(g->vm, RB_STATUS_PANIC, "kernel panic");
	/* Without ACPI, poweroff -f halts the CPUs ("System halted") after
	 * printing this; with a power-off method the kernel says "Power down". */
	if (strstr(line, "reboot: System halted") || strstr(line, "reboot: Power down"))
		vm_finish(g->vm, RB_STATUS_POWEROFF, "guest powered off");
}

struct linux_guest *linux_guest_attach(struct vm *vm)
{
	struct linux_guest *g = vm->console ? calloc(1, sizeof(*g)) : NULL;

	if (!g)
		return NULL;
	g->vm = vm;
	if (bus_register(&vm->pio, I8042_COMMAND_PORT, 1, i8042_reset_io, vm, "i8042-reset") < 0 ||
	    acpi_write_tables(vm) < 0 || acpi_pm_create(vm) < 0) {
		free(g);
		return NULL;
	}
	vm_own(vm, g);
	vm->console->on_line = on_console_line;
	vm->console->line_ctx = g;
	return g;
}

static void print_tail(const struct linux_guest *g, FILE *f)
{
	unsigned n = g->n_lines < LINUX_TAIL_LINES ? g->n_lines : LINUX_TAIL_LINES;

	fprintf(f, "ringbench run: the console's last %u lines:\n", n);
	for (unsigned i = g->n_lines - n; i < g->n_lines; i++)
		fprintf(f, "  | %s\n", g->tail[i % LINUX_TAIL_LINES]);
}

int linux_guest_report(struct linux_guest *g, int status, FILE *f)
{
	if (status == RB_STATUS_PANIC || (status != RB_STATUS_POWEROFF && status != RB_STATUS_REBOOT))
		print_tail(g, f);
	if (g->warnings) {
		fprintf(f, "ringbench run: the kernel reported %u warning line%s, first: %s\n", g->warnings,
			g->warnings == 1 ? "" : "s", g->first_warning);
		if (status == RB_STATUS_POWEROFF || status == RB_STATUS_REBOOT)
			return RB_STATUS_KERNEL_WARNING;
	}
	return status;
}
