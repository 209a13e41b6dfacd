/* Process exit statuses of `ringbench run`.  A guest's debug-exit write of v
 * gives (v << 1) | 1, always odd; ringbench's own statuses are even, so the
 * two never collide. */
#ifndef RINGBENCH_STATUS_H
#define RINGBENCH_STATUS_H

enum {
	RB_STATUS_USAGE = 2,          /* bad option, bad guest image */
	RB_STATUS_NO_ENGINE = 4,      /* engine unavailable (no /dev/kvm, ...) */
	RB_STATUS_SHUTDOWN = 6,       /* guest triple-faulted */
	RB_STATUS_ENGINE_ERROR = 8,   /* the engine could not go on */
	RB_STATUS_HALTED = 10,        /* HLT with nothing to wake the guest */
	RB_STATUS_SANITIZER = 12,     /* a sanitizer caught a bug in ringbench */
	RB_STATUS_POWEROFF = 0,       /* Linux guest: poweroff -f / halt -f ("reboot: System halted") */
	RB_STATUS_REBOOT = 14,        /* Linux guest: reboot -f (keyboard-controller reset) */
	RB_STATUS_PANIC = 16,         /* Linux guest: kernel panic */
	RB_STATUS_KERNEL_WARNING = 18, /* Linux guest ended cleanly but its kernel warned
				       * (WARN, BUG, lockup, unstable clocksource) */
	RB_STATUS_TIMEOUT = 124,      /* --timeout passed, as timeout(1) */
};

/* The same, as a preprocessor number (engines/core/sanitizer.c). */
#define RB_STATUS_SANITIZER_NUM 12

#endif
