/* Port and MMIO accesses to a VM's devices through the one exit
 * dispatcher, as an engine makes them; a VM with the core's interrupt
 * controllers (platform_add_irqchip).  Header-only: each test program
 * includes it once. */
#ifndef RINGBENCH_TEST_PLATFORM_IO_H
#define RINGBENCH_TEST_PLATFORM_IO_H

#include <string.h>
#include <time.h>

#include "engines/core/lapic.h"
#include "engines/core/platform.h"
#include "engines/core/vm.h"

static inline uint32_t pio(struct vm *vm, uint16_t port, unsigned size, int write, uint32_t v)
{
	struct vm_exit x = { .reason = VM_EXIT_IO };
	uint8_t data[4];

	memcpy(data, &v, 4);
	x.io.port = port;
	x.io.size = (uint8_t)size;
	x.io.is_write = write;
	x.io.count = 1;
	x.io.data = data;
	vm_dispatch_exit(vm, &x);
	v = 0;
	memcpy(&v, data, size);
	return v;
}

static inline uint8_t inb(struct vm *vm, uint16_t port) { return (uint8_t)pio(vm, port, 1, 0, 0); }
static inline void outb(struct vm *vm, uint16_t port, uint8_t v) { pio(vm, port, 1, 1, v); }

static inline uint32_t mmio32(struct vm *vm, uint64_t gpa, int write, uint32_t v)
{
	struct vm_exit x = { .reason = VM_EXIT_MMIO };

	x.mmio.gpa = gpa;
	x.mmio.size = 4;
	x.mmio.is_write = write;
	memcpy(x.mmio.data, &v, 4);
	vm_dispatch_exit(vm, &x);
	memcpy(&v, x.mmio.data, 4);
	return v;
}

static inline struct vm *platform_vm(void)
{
	char err[200];
	struct vm *vm = vm_create(32u << 20, NULL, err, sizeof(err));

	if (vm && platform_add_irqchip(vm) < 0) {
		vm_destroy(vm);
		return NULL;
	}
	return vm;
}

static inline double now_s(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

static inline void sleep_us(long us)
{
	struct timespec t = { us / 1000000, (us % 1000000) * 1000 };

	nanosleep(&t, NULL);
}

/* The PC BIOS's 8259 set-up (as Linux's init_8259A): master vectors
 * base..base+7, slave base+8.., cascade on IRQ2, 8086 mode, all masked
 * but mask. */
static inline void pic_init(struct vm *vm, uint8_t base, uint16_t unmasked, int auto_eoi)
{
	outb(vm, 0x20, 0x11); outb(vm, 0x21, base); outb(vm, 0x21, 0x04);
	outb(vm, 0x21, (uint8_t)(auto_eoi ? 0x03 : 0x01));
	outb(vm, 0xa0, 0x11); outb(vm, 0xa1, (uint8_t)(base + 8)); outb(vm, 0xa1, 0x02);
	outb(vm, 0xa1, (uint8_t)(auto_eoi ? 0x03 : 0x01));
	outb(vm, 0x21, (uint8_t)~unmasked);
	outb(vm, 0xa1, (uint8_t)(~unmasked >> 8));
}

#endif
