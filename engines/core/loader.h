/* Multiboot v1 loader: ELF32 and ELF64 kernels (or the a.out kludge), a
 * command line, modules, and the Multiboot info block with a memory map. */
#ifndef RINGBENCH_LOADER_H
#define RINGBENCH_LOADER_H

#include <stddef.h>
#include <stdint.h>

#include "engines/core/vm.h"

#define MB_MAX_MODULES 16
#define MB_MAX_IMAGE  (256u << 20)

struct mb_module {
	const char *path;
	const char *cmdline;          /* NULL: the path */
};

struct mb_boot {
	uint32_t entry;               /* physical entry point */
	uint32_t info;                /* physical address of the info block: the page
				       * after the kernel and modules, then its memory
				       * map, module list and strings */
	uint64_t kernel_end;          /* first byte after the loaded kernel and modules */
};

/* Load a kernel image held in memory; name is used in error messages.
 * 0 on success; -1 with err = "NAME: problem" on failure. */
int loader_load_image(struct vm *vm, const uint8_t *img, size_t size, const char *name,
		      const char *cmdline, const struct mb_module *mods, unsigned n_mods,
		      struct mb_boot *boot, char *err, size_t len);

/* Read the kernel and modules from files, then load as above. */
int loader_load_file(struct vm *vm, const char *path, const char *cmdline,
		     const struct mb_module *mods, unsigned n_mods,
		     struct mb_boot *boot, char *err, size_t len);

/* What loader_multiboot() loads: a kernel file, its command line, modules. */
struct mb_spec {
	const char *path;
	const char *cmdline;
	const struct mb_module *mods;
	unsigned n_mods;
};

/* vm_assemble()'s load step for a Multiboot kernel (platform.h
 * vm_load_fn): ctx is a struct mb_spec; loads it and gives the Multiboot
 * entry state. */
int loader_multiboot(struct vm *vm, const void *ctx, struct cpu_state *entry, char *err, size_t len);

/* Fill err with "NAME: message" (one line) and return -1: the loaders'
 * one way to refuse an image. */
int loader_error(char *err, size_t len, const char *name, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

#endif
