/* VM lifetime: guest RAM and the standard platform. */
#include "engines/core/vm.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "engines/core/devices.h"

struct vm *vm_create(uint64_t size, struct console *console, char *err, size_t len)
{
	struct vm *vm;

	if (size < VM_MIN_MEM || size > VM_MAX_MEM || (size & 0xfff)) {
		snprintf(err, len, "memory size %llu bytes is outside [%llu MiB, %llu MiB] or not page-aligned",
			 (unsigned long long)size, VM_MIN_MEM >> 20, VM_MAX_MEM >> 20);
		return NULL;
	}
	vm = calloc(1, sizeof(*vm));
	if (!vm) {
		snprintf(err, len, "out of memory");
		return NULL;
	}
	/* Anonymous memory is zeroed: the guest needs no zeroing loop of its own. */
	vm->ram = mmap(NULL, size, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (vm->ram == MAP_FAILED) {
		snprintf(err, len, "cannot map %llu MiB of guest RAM", (unsigned long long)size >> 20);
		free(vm);
		return NULL;
	}
	/* Huge pages where the host allows, as QEMU asks for its guest RAM:
	 * fewer host TLB misses, and prefetchers that run past 4 KiB. */
	madvise(vm->ram, size, MADV_HUGEPAGE);
	vm->ram_size = size;
	vm->n_cpus = 1;
	vm->console = console;
	vm->pio.name = "pio";
	vm->mmio.name = "mmio";
	if (uart_register(vm) < 0 || debugexit_register(vm) < 0 || rbdev_register(vm) < 0 ||
	    fwcfg_register(vm) < 0 || rtc_register(vm) < 0) {
		snprintf(err, len, "cannot register the platform devices");
		vm_destroy(vm);
		return NULL;
	}
	return vm;
}

void vm_destroy(struct vm *vm)
{
	if (!vm)
		return;
	if (vm->engine)
		vm->ops->destroy(vm->engine);
	for (unsigned i = 0; i < vm->n_owned; i++)
		free(vm->owned[i]);
	bus_free(&vm->pio);
	bus_free(&vm->mmio);
	if (vm->ram)
		munmap(vm->ram, vm->ram_size);
	free(vm);
}

void vm_own(struct vm *vm, void *p)
{
	if (vm->n_owned < sizeof(vm->owned) / sizeof(vm->owned[0]))
		vm->owned[vm->n_owned++] = p;
	else
		abort();        /* a programming error: raise the table size */
}

void *vm_gpa(struct vm *vm, uint64_t gpa, uint64_t len)
{
	if (gpa >= vm->ram_size || len > vm->ram_size - gpa)
		return NULL;
	return vm->ram + gpa;
}

int vm_read(struct vm *vm, uint64_t gpa, void *dst, uint64_t len)
{
	const void *p = vm_gpa(vm, gpa, len);

	if (!p)
		return -1;
	memcpy(dst, p, len);
	return 0;
}

/* Tell the code cache, in pieces its unsigned length can hold. */
static void code_written(struct vm *vm, uint64_t gpa, uint64_t len)
{
	if (!vm->code_written)
		return;
	for (uint64_t done = 0; done < len;) {
		uint64_t n = len - done < (1u << 30) ? len - done : (1u << 30);
		vm->code_written(vm->code_written_ctx, gpa + done, (unsigned)n);
		done += n;
	}
}

int vm_write(struct vm *vm, uint64_t gpa, const void *src, uint64_t len)
{
	void *p = vm_gpa(vm, gpa, len);

	if (!p)
		return -1;
	memcpy(p, src, len);
	code_written(vm, gpa, len);
	return 0;
}

int vm_fill(struct vm *vm, uint64_t gpa, int byte, uint64_t len)
{
	void *p = vm_gpa(vm, gpa, len);

	if (!p)
		return -1;
	memset(p, byte, len);
	code_written(vm, gpa, len);
	return 0;
}

void vm_finish(struct vm *vm, int status, const char *fmt, ...)
{
	va_list ap;

	if (vm->finished)
		return;         /* the first reason is the real one */
	vm->finished = 1;
	vm->exit_status = status;
	va_start(ap, fmt);
	vsnprintf(vm->finish_reason, sizeof(vm->finish_reason), fmt, ap);
	va_end(ap);
}
