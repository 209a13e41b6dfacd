/* Linux bzImage loader, the x86 64-bit boot protocol (Linux's
 * Documentation/arch/x86/boot.rst, "64-bit Boot Protocol").  Every check
 * names the file and the problem: a bad image or an initrd that does not
 * fit ends in one line, never a crash. */
#include "engines/core/loader_linux.h"
#include "engines/core/loader.h"
#include "engines/core/devices.h"
#include "engines/core/userfile.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Setup header fields: offsets in the file and in boot_params alike. */
#define HDR_SETUP_SECTS      0x1f1
#define HDR_BOOT_FLAG        0x1fe
#define HDR_JUMP_LEN         0x201   /* header ends at 0x202 + this byte */
#define HDR_MAGIC            0x202
#define HDR_VERSION          0x206
#define HDR_TYPE_OF_LOADER   0x210
#define HDR_LOADFLAGS        0x211
#define HDR_CODE32_START     0x214
#define HDR_RAMDISK_IMAGE    0x218
#define HDR_RAMDISK_SIZE     0x21c
#define HDR_CMD_LINE_PTR     0x228
#define HDR_INITRD_ADDR_MAX  0x22c
#define HDR_KERNEL_ALIGNMENT 0x230
#define HDR_RELOCATABLE      0x234
#define HDR_XLOADFLAGS       0x236
#define HDR_CMDLINE_SIZE     0x238
#define HDR_PREF_ADDRESS     0x258
#define HDR_INIT_SIZE        0x260
/* boot_params outside the header */
#define BP_EXT_RAMDISK_IMAGE 0x0c0
#define BP_EXT_RAMDISK_SIZE  0x0c4
#define BP_EXT_CMD_LINE_PTR  0x0c8
#define BP_E820_ENTRIES      0x1e8
#define BP_E820_TABLE        0x2d0

#define LOADED_HIGH          0x01
#define XLF_KERNEL_64        0x01
#define MIN_VERSION          0x020c  /* 2.12: xloadflags says a 64-bit entry exists */
#define LEGACY_LOAD_ADDR     0x100000ull
#define MIB                  (1ull << 20)
#define CMDLINE_ROOM         0x10000ull
#define E820_RAM             1
#define E820_RESERVED        2

struct linux_ctx {
	const char *name;
	char *err;
	size_t len;
};

#define fail(c, ...) loader_error((c)->err, (c)->len, (c)->name, __VA_ARGS__)

static uint64_t get(const uint8_t *img, size_t off, unsigned bytes)
{
	uint64_t v = 0;
	memcpy(&v, img + off, bytes);   /* x86 host: little-endian as the file */
	return v;
}

static void put(struct vm *vm, uint64_t gpa, uint64_t v, unsigned bytes)
{
	vm_write(vm, gpa, &v, bytes);
}

int linux_is_bzimage(const uint8_t *img, size_t size)
{
	return size >= 0x210 && img[HDR_BOOT_FLAG] == 0x55 && img[HDR_BOOT_FLAG + 1] == 0xaa &&
	       !memcmp(img + HDR_MAGIC, "HdrS", 4);
}

/* RAM as the platform lays it out (docs/platform.md): conventional memory,
 * the legacy hole, RAM from 1 MiB, and the MMIO pages ringbench's devices
 * answer at, reserved so the kernel puts nothing there. */
static unsigned write_e820(struct vm *vm, uint64_t zp)
{
	const struct { uint64_t base, size; uint32_t type; } map[] = {
		{ 0, 0x9fc00, E820_RAM },
		{ 0x9fc00, 0x100000 - 0x9fc00, E820_RESERVED },
		{ 0x100000, vm->ram_size - 0x100000, E820_RAM },
		{ RB_NULL_PAGE, 0x1000, E820_RESERVED },
		{ RB_IOAPIC_BASE, 0x1000, E820_RESERVED },
		{ RB_LAPIC_BASE, 0x1000, E820_RESERVED },
	};
	unsigned n = sizeof(map) / sizeof(map[0]);

	for (unsigned i = 0; i < n; i++) {
		uint64_t at = zp + BP_E820_TABLE + 20ull * i;
		put(vm, at, map[i].base, 8);
		put(vm, at + 8, map[i].size, 8);
		put(vm, at + 16, map[i].type, 4);
	}
	put(vm, zp + BP_E820_ENTRIES, n, 1);
	return n;
}

/* Identity map of the low 4 GiB with 2 MiB pages (RAM and the MMIO hole):
 * the protocol wants the kernel, the zero page and the command line mapped. */
static void write_page_tables(struct vm *vm)
{
	const uint64_t pdpt = LINUX_PML4_ADDR + 0x1000, pd = pdpt + 0x1000;

	vm_fill(vm, LINUX_PML4_ADDR, 0, 6 * 0x1000);
	put(vm, LINUX_PML4_ADDR, pdpt | 0x3, 8);                 /* present, writable */
	for (uint64_t i = 0; i < 4; i++)
		put(vm, pdpt + 8 * i, (pd + 0x1000 * i) | 0x3, 8);
	for (uint64_t j = 0; j < 4 * 512; j++)
		put(vm, pd + 8 * j, (j << 21) | 0x83, 8);        /* 2 MiB page */
}

/* __BOOT_CS (0x10) and __BOOT_DS (0x18), as the protocol names them. */
static void write_gdt(struct vm *vm)
{
	const uint64_t gdt[4] = { 0, 0, 0x00af9b000000ffffull, 0x00cf93000000ffffull };

	vm_write(vm, LINUX_GDT_ADDR, gdt, sizeof(gdt));
}

int linux_load_image(struct vm *vm, const uint8_t *img, size_t size, const char *name,
		     const uint8_t *initrd, size_t initrd_size, const char *cmdline,
		     struct linux_boot *boot, char *err, size_t len)
{
	struct linux_ctx c = { name, err, len };
	const uint64_t zp = LINUX_ZERO_PAGE;
	size_t hdr_end, pm_off, cmd_len = strlen(cmdline);
	uint64_t load, need, initrd_top;

	memset(boot, 0, sizeof(*boot));
	if (!linux_is_bzimage(img, size))
		return fail(&c, "not a bzImage (no 0xAA55 boot flag and \"HdrS\" header)");
	boot->version = (uint16_t)get(img, HDR_VERSION, 2);
	if (boot->version < MIN_VERSION)
		return fail(&c, "boot protocol %u.%02u is too old (the 64-bit entry needs 2.12)",
			    boot->version >> 8, boot->version & 0xff);
	hdr_end = 0x202 + img[HDR_JUMP_LEN];
	if (hdr_end > size || hdr_end < HDR_INIT_SIZE + 4)
		return fail(&c, "setup header is truncated (ends at 0x%zx, file is 0x%zx bytes)", hdr_end, size);
	if (!(get(img, HDR_XLOADFLAGS, 2) & XLF_KERNEL_64))
		return fail(&c, "kernel has no 64-bit entry point (xloadflags bit 0 clear)");
	if (!(img[HDR_LOADFLAGS] & LOADED_HIGH))
		return fail(&c, "not a bzImage: a zImage loaded low is not supported");
	pm_off = 512u * ((img[HDR_SETUP_SECTS] ? img[HDR_SETUP_SECTS] : 4) + 1u);
	if (pm_off >= size)
		return fail(&c, "no protected-mode kernel after %zu bytes of setup", pm_off);

	/* A relocatable kernel where it prefers to run: no copy of itself. */
	load = img[HDR_RELOCATABLE] ? get(img, HDR_PREF_ADDRESS, 8) : LEGACY_LOAD_ADDR;
	uint64_t align = get(img, HDR_KERNEL_ALIGNMENT, 4);
	if (load < LEGACY_LOAD_ADDR || (align && (align & (align - 1))) || (align && load % align))
		return fail(&c, "load address 0x%llx does not suit kernel_alignment 0x%llx",
			    (unsigned long long)load, (unsigned long long)align);
	need = get(img, HDR_INIT_SIZE, 4);
	if (need < size - pm_off)
		need = size - pm_off;
	if (load + need > vm->ram_size)
		return fail(&c, "needs %llu MiB of RAM to boot (init_size %llu KiB at 0x%llx); the VM has %llu MiB (--mem)",
			    (unsigned long long)((load + need + MIB - 1) / MIB), (unsigned long long)need >> 10,
			    (unsigned long long)load, (unsigned long long)vm->ram_size >> 20);
	uint64_t cmd_max = get(img, HDR_CMDLINE_SIZE, 4);
	if (cmd_len > cmd_max || cmd_len >= CMDLINE_ROOM)
		return fail(&c, "command line of %zu bytes exceeds the kernel's limit of %llu", cmd_len,
			    (unsigned long long)(cmd_max < CMDLINE_ROOM - 1 ? cmd_max : CMDLINE_ROOM - 1));

	/* The initrd at the top of RAM, below initrd_addr_max, page aligned. */
	initrd_top = get(img, HDR_INITRD_ADDR_MAX, 4) + 1;
	if (initrd_top > vm->ram_size)
		initrd_top = vm->ram_size;
	if (initrd_size) {
		if (initrd_size > initrd_top || ((initrd_top - initrd_size) & ~0xfffull) < load + need)
			return fail(&c, "initrd of %zu KiB does not fit between the kernel (to 0x%llx) and 0x%llx (--mem)",
				    initrd_size >> 10, (unsigned long long)(load + need),
				    (unsigned long long)initrd_top);
		boot->initrd_addr = (initrd_top - initrd_size) & ~0xfffull;
		boot->initrd_size = initrd_size;
		vm_write(vm, boot->initrd_addr, initrd, initrd_size);
	}

	vm_write(vm, load, img + pm_off, size - pm_off);
	vm_fill(vm, zp, 0, 0x1000);
	vm_write(vm, zp + HDR_SETUP_SECTS, img + HDR_SETUP_SECTS, hdr_end - HDR_SETUP_SECTS);
	put(vm, zp + HDR_TYPE_OF_LOADER, 0xff, 1);          /* "undefined" boot loader */
	put(vm, zp + HDR_CODE32_START, load, 4);
	put(vm, zp + HDR_RAMDISK_IMAGE, (uint32_t)boot->initrd_addr, 4);
	put(vm, zp + HDR_RAMDISK_SIZE, (uint32_t)boot->initrd_size, 4);
	put(vm, zp + BP_EXT_RAMDISK_IMAGE, boot->initrd_addr >> 32, 4);
	put(vm, zp + BP_EXT_RAMDISK_SIZE, boot->initrd_size >> 32, 4);
	put(vm, zp + HDR_CMD_LINE_PTR, LINUX_CMDLINE_ADDR, 4);
	put(vm, zp + BP_EXT_CMD_LINE_PTR, 0, 4);
	vm_write(vm, LINUX_CMDLINE_ADDR, cmdline, cmd_len + 1);
	write_e820(vm, zp);
	write_page_tables(vm);
	write_gdt(vm);
	boot->load_addr = load;
	boot->entry = load + 0x200;
	return 0;
}

/* The largest initrd the loader reads: RAM is at most 3 GiB anyway. */
#define LINUX_MAX_INITRD (1ull << 30)

int linux_load_file(struct vm *vm, const char *path, const char *initrd_path,
		    const char *cmdline, struct linux_boot *boot, char *err, size_t len)
{
	uint8_t *img = NULL, *rd = NULL;
	size_t size = 0, rd_size = 0;
	int rc = -1;

	if (user_file_read(path, 256u << 20, &img, &size, err, len) < 0)
		return -1;
	if (!initrd_path || user_file_read(initrd_path, LINUX_MAX_INITRD, &rd, &rd_size, err, len) == 0)
		rc = linux_load_image(vm, img, size, path, rd, rd_size, cmdline, boot, err, len);
	free(img);
	free(rd);
	return rc;
}

static struct segment long_segment(uint16_t selector, uint8_t type, int code)
{
	return (struct segment){
		.base = 0, .limit = 0xffffffff, .selector = selector, .type = type,
		.present = 1, .dpl = 0, .db = !code, .s = 1, .l = code, .g = 1,
	};
}

void vm_linux_entry_state(struct cpu_state *s, const struct linux_boot *boot)
{
	vm_multiboot_entry_state(s, 0, 0);   /* TR, LDTR, DR, PAT, APIC base as there */
	s->gpr[R_RAX] = 0;
	s->gpr[R_RBX] = 0;
	s->gpr[R_RSI] = LINUX_ZERO_PAGE;
	s->gpr[R_RSP] = LINUX_STACK_TOP;
	s->gpr[R_RBP] = LINUX_STACK_TOP;
	s->rip = boot->entry;
	s->seg[S_CS] = long_segment(0x10, 0xb, 1);
	for (int i = 0; i < S_COUNT; i++)
		if (i != S_CS)
			s->seg[i] = long_segment(0x18, 0x3, 0);
	s->gdt.base = LINUX_GDT_ADDR;
	s->gdt.limit = 4 * 8 - 1;
	s->cr0 = 0x80000031;                  /* PG, NE, ET, PE */
	s->cr3 = LINUX_PML4_ADDR;
	s->cr4 = 0x20;                        /* PAE */
	s->efer = 0x500;                      /* LMA, LME */
}

int linux_file_is_bzimage(const char *path)
{
	uint8_t *img;
	size_t size;
	char err[8];
	int yes;

	if (user_file_read(path, 256u << 20, &img, &size, err, sizeof(err)) < 0)
		return 0;       /* the loader that follows says what is wrong */
	yes = linux_is_bzimage(img, size);
	free(img);
	return yes;
}

int loader_linux(struct vm *vm, const void *ctx, struct cpu_state *entry, char *err, size_t len)
{
	const struct linux_spec *l = ctx;
	struct linux_boot boot;

	if (linux_load_file(vm, l->path, l->initrd, l->cmdline, &boot, err, len) < 0)
		return -1;
	vm_linux_entry_state(entry, &boot);
	return 0;
}
