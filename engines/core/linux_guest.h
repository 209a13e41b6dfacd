/* What the VM core adds for a Linux guest: the keyboard controller's reset
 * line (port 0x64, command 0xFE: how Linux reboots without ACPI) and a
 * watch on the console that ends the VM at the kernel's power-off, halt or
 * panic and collects its self-check warnings (docs/linux.md). */
#ifndef RINGBENCH_LINUX_GUEST_H
#define RINGBENCH_LINUX_GUEST_H

#include <stdint.h>
#include <stdio.h>

#include "engines/core/vm.h"

#define LINUX_TAIL_LINES 12
#define LINUX_LINE_MAX   240

struct linux_guest {
	struct vm *vm;
	char tail[LINUX_TAIL_LINES][LINUX_LINE_MAX];   /* the console's last lines */
	unsigned n_lines;
	unsigned warnings;
	char first_warning[LINUX_LINE_MAX];
	int panicked, init_ready;
	uint32_t spans;         /* macrobenchmark runs begun (RBL1 begin) */
};

/* Console lines that are the kernel's self-checks failing (WARN, BUG,
 * Oops, soft/hard lockup, RCU stall, unstable clocksource).  1 or 0. */
int linux_line_is_warning(const char *line);

/* Attach to vm: register the reset port and the console watch.  NULL when
 * the VM has no console or memory ran out. */
struct linux_guest *linux_guest_attach(struct vm *vm);

/* After the run: the process status, adjusted for warnings (a clean
 * power-off with warnings becomes RB_STATUS_KERNEL_WARNING), and the
 * panic's or warnings' console lines on f. */
int linux_guest_report(struct linux_guest *g, int status, FILE *f);

#endif
