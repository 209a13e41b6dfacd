/* Linux bzImage loader: the x86 64-bit boot protocol
 * (Documentation/arch/x86/boot.rst).  The protected-mode kernel at its
 * load address, boot_params (the zero page) with the setup header, an e820
 * map of the VM's RAM, the command line and an initrd, identity-mapped
 * page tables and a flat GDT, and the 64-bit entry state. */
#ifndef RINGBENCH_LOADER_LINUX_H
#define RINGBENCH_LOADER_LINUX_H

#include <stddef.h>
#include <stdint.h>

#include "engines/core/vm.h"

/* Where the loader puts its structures (all below the legacy hole). */
#define LINUX_GDT_ADDR     0x500ull
#define LINUX_ZERO_PAGE    0x7000ull
#define LINUX_PML4_ADDR    0x9000ull    /* then the PDPT, then 4 page directories */
#define LINUX_CMDLINE_ADDR 0x20000ull
#define LINUX_STACK_TOP    0x8ff0ull

struct linux_boot {
	uint64_t load_addr;       /* protected-mode kernel */
	uint64_t entry;           /* 64-bit entry: load_addr + 0x200 */
	uint64_t initrd_addr, initrd_size;
	uint16_t version;         /* boot protocol version from the header */
};

/* Is this file a bzImage (0xAA55 at 0x1fe, "HdrS" at 0x202)? */
int linux_is_bzimage(const uint8_t *img, size_t size);

/* The same for a file; 0 when it cannot be read (the loader says why). */
int linux_file_is_bzimage(const char *path);

/* Load a bzImage held in memory (and an initrd, may be NULL/0).  name is
 * used in messages.  0, or -1 with err = "NAME: problem" (one line). */
int linux_load_image(struct vm *vm, const uint8_t *img, size_t size, const char *name,
		     const uint8_t *initrd, size_t initrd_size, const char *cmdline,
		     struct linux_boot *boot, char *err, size_t len);

/* The same from files (initrd_path may be NULL). */
int linux_load_file(struct vm *vm, const char *path, const char *initrd_path,
		    const char *cmdline, struct linux_boot *boot, char *err, size_t len);

/* The 64-bit boot protocol's entry state: long mode, paging on with the
 * loader's identity map, CS = 0x10 (64-bit code), DS/ES/SS = 0x18,
 * interrupts off, RSI = the zero page. */
void vm_linux_entry_state(struct cpu_state *s, const struct linux_boot *boot);

/* What loader_linux (a vm_load_fn, engines/core/platform.h) loads. */
struct linux_spec {
	const char *path, *initrd;      /* initrd may be NULL */
	const char *cmdline;            /* the kernel's arguments alone */
};
int loader_linux(struct vm *vm, const void *ctx, struct cpu_state *entry, char *err, size_t len);

#endif
