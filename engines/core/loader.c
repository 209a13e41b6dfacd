/* Multiboot v1 loader.  Every check names the file and the problem: bad
 * images must end in a one-line error, never a crash. */
#include "engines/core/loader.h"
#include "engines/core/userfile.h"

#include <elf.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define MB_HEADER_MAGIC   0x1BADB002u
#define MB_SEARCH_BYTES   8192
#define MB_FLAG_AOUT      0x00010000u
#define MB_KNOWN_REQUIRED 0x00000007u   /* page-align modules, mem info, video (ignored) */

/* Multiboot info flags */
#define MBI_MEM     (1u << 0)
#define MBI_CMDLINE (1u << 2)
#define MBI_MODS    (1u << 3)
#define MBI_MMAP    (1u << 6)
#define MBI_LOADER  (1u << 9)

struct mb_header {
	uint32_t magic, flags, checksum;
	uint32_t header_addr, load_addr, load_end_addr, bss_end_addr, entry_addr;
};

struct load_ctx {
	struct vm *vm;
	const uint8_t *img;
	size_t size;
	const char *name;
	char *err;
	size_t len;
	uint64_t end;             /* highest loaded byte + 1 */
};

int loader_error(char *err, size_t len, const char *name, const char *fmt, ...)
{
	va_list ap;
	int n = snprintf(err, len, "%s: ", name);

	if (n < 0 || (size_t)n >= len)
		return -1;
	va_start(ap, fmt);
	vsnprintf(err + n, len - (size_t)n, fmt, ap);
	va_end(ap);
	return -1;
}

#define fail(c, ...) loader_error((c)->err, (c)->len, (c)->name, __VA_ARGS__)

/* Copy filesz bytes from the image and zero the rest of memsz, at paddr. */
static int place(struct load_ctx *c, const char *what, uint64_t paddr, uint64_t off,
		 uint64_t filesz, uint64_t memsz)
{
	if (filesz > memsz)
		return fail(c, "%s: file size 0x%llx exceeds memory size 0x%llx", what,
			    (unsigned long long)filesz, (unsigned long long)memsz);
	if (off > c->size || filesz > c->size - off)
		return fail(c, "%s lies beyond the end of the file", what);
	if (memsz == 0)
		return 0;
	if (paddr + memsz < paddr || !vm_gpa(c->vm, paddr, memsz))
		return fail(c, "%s at 0x%llx-0x%llx is outside guest RAM (%llu MiB)", what,
			    (unsigned long long)paddr, (unsigned long long)(paddr + memsz),
			    (unsigned long long)c->vm->ram_size >> 20);
	vm_write(c->vm, paddr, c->img + off, filesz);
	vm_fill(c->vm, paddr + filesz, 0, memsz - filesz);
	if (paddr + memsz > c->end)
		c->end = paddr + memsz;
	return 0;
}

/* Find the Multiboot header: 4-byte aligned in the first 8 KiB. */
static int find_header(struct load_ctx *c, struct mb_header *h, size_t *at)
{
	size_t limit = c->size < MB_SEARCH_BYTES ? c->size : MB_SEARCH_BYTES;
	int bad_checksum = 0;

	for (size_t off = 0; off + 12 <= limit; off += 4) {
		uint32_t w[3];
		memcpy(w, c->img + off, 12);
		if (w[0] != MB_HEADER_MAGIC)
			continue;
		if ((uint32_t)(w[0] + w[1] + w[2]) != 0) {
			bad_checksum = 1;
			continue;
		}
		memset(h, 0, sizeof(*h));
		memcpy(h, c->img + off, c->size - off < sizeof(*h) ? c->size - off : sizeof(*h));
		*at = off;
		return 0;
	}
	if (bad_checksum)
		return fail(c, "Multiboot header has a bad checksum");
	return fail(c, "no Multiboot header (magic 0x1BADB002) in the first 8 KiB");
}

static int load_aout_kludge(struct load_ctx *c, const struct mb_header *h, size_t at,
			    uint32_t *entry)
{
	uint64_t off, end, filesz, memsz;

	if (c->size - at < sizeof(*h))
		return fail(c, "Multiboot header truncated before its address fields");
	if (h->header_addr < h->load_addr || h->header_addr - h->load_addr > at)
		return fail(c, "Multiboot address fields are inconsistent (header_addr 0x%x, load_addr 0x%x)",
			    h->header_addr, h->load_addr);
	off = at - (h->header_addr - h->load_addr);
	end = h->load_end_addr ? h->load_end_addr : h->load_addr + (c->size - off);
	if (end < h->load_addr)
		return fail(c, "Multiboot load_end_addr 0x%x is below load_addr 0x%x",
			    h->load_end_addr, h->load_addr);
	filesz = end - h->load_addr;
	memsz = h->bss_end_addr > end ? h->bss_end_addr - h->load_addr : filesz;
	if (place(c, "kernel image", h->load_addr, off, filesz, memsz) < 0)
		return -1;
	/* The entry must be code we loaded, as an ELF entry must. */
	if (h->entry_addr < h->load_addr || h->entry_addr - h->load_addr >= memsz)
		return fail(c, "entry point 0x%x is outside the loaded image 0x%x-0x%llx", h->entry_addr,
			    h->load_addr, (unsigned long long)h->load_addr + memsz);
	*entry = h->entry_addr;
	return 0;
}

/* One program header, widened to 64 bits whatever the ELF class. */
struct phdr {
	uint32_t type;
	uint64_t offset, vaddr, paddr, filesz, memsz;
};

static int read_phdr(struct load_ctx *c, int is64, uint64_t phoff, unsigned i, struct phdr *p)
{
	size_t entsize = is64 ? sizeof(Elf64_Phdr) : sizeof(Elf32_Phdr);
	uint64_t at = phoff + (uint64_t)i * entsize;

	if (at > c->size || entsize > c->size - at)
		return fail(c, "program header %u lies beyond the end of the file", i);
	if (is64) {
		Elf64_Phdr ph;
		memcpy(&ph, c->img + at, sizeof(ph));
		*p = (struct phdr){ ph.p_type, ph.p_offset, ph.p_vaddr, ph.p_paddr, ph.p_filesz, ph.p_memsz };
	} else {
		Elf32_Phdr ph;
		memcpy(&ph, c->img + at, sizeof(ph));
		*p = (struct phdr){ ph.p_type, ph.p_offset, ph.p_vaddr, ph.p_paddr, ph.p_filesz, ph.p_memsz };
	}
	return 0;
}

static int load_elf(struct load_ctx *c, uint32_t *entry)
{
	int is64 = c->img[EI_CLASS] == ELFCLASS64;
	uint64_t phoff, e_entry, phys_entry;
	unsigned phnum, machine, loaded = 0;
	int entry_found = 0;

	if (c->img[EI_CLASS] != ELFCLASS32 && !is64)
		return fail(c, "unknown ELF class %u", c->img[EI_CLASS]);
	if (c->img[EI_DATA] != ELFDATA2LSB)
		return fail(c, "not a little-endian ELF file");
	if (c->size < (is64 ? sizeof(Elf64_Ehdr) : sizeof(Elf32_Ehdr)))
		return fail(c, "truncated ELF header");
	if (is64) {
		Elf64_Ehdr eh;
		memcpy(&eh, c->img, sizeof(eh));
		phoff = eh.e_phoff; phnum = eh.e_phnum; machine = eh.e_machine; e_entry = eh.e_entry;
		if (phnum && eh.e_phentsize != sizeof(Elf64_Phdr))
			return fail(c, "ELF program header size %u is not %zu", eh.e_phentsize, sizeof(Elf64_Phdr));
	} else {
		Elf32_Ehdr eh;
		memcpy(&eh, c->img, sizeof(eh));
		phoff = eh.e_phoff; phnum = eh.e_phnum; machine = eh.e_machine; e_entry = eh.e_entry;
		if (phnum && eh.e_phentsize != sizeof(Elf32_Phdr))
			return fail(c, "ELF program header size %u is not %zu", eh.e_phentsize, sizeof(Elf32_Phdr));
	}
	if (machine != EM_386 && machine != EM_X86_64)
		return fail(c, "ELF machine %u is not x86", machine);
	if (phnum == 0)
		return fail(c, "ELF file has no program headers");
	phys_entry = e_entry;
	for (unsigned i = 0; i < phnum; i++) {
		struct phdr p = { 0 };
		char what[32];
		if (read_phdr(c, is64, phoff, i, &p) < 0)
			return -1;
		if (p.type != PT_LOAD)
			continue;
		snprintf(what, sizeof(what), "segment %u", i);
		if (place(c, what, p.paddr, p.offset, p.filesz, p.memsz) < 0)
			return -1;
		loaded++;
		/* A kernel linked high but loaded low enters at its physical twin. */
		if (!entry_found && e_entry >= p.vaddr && e_entry - p.vaddr < p.memsz) {
			phys_entry = e_entry - p.vaddr + p.paddr;
			entry_found = 1;
		}
	}
	if (!loaded)
		return fail(c, "ELF file has no loadable segment");
	if (!entry_found)
		return fail(c, "entry point 0x%llx is not inside a loaded segment",
			    (unsigned long long)e_entry);
	if (phys_entry > 0xffffffffull)
		return fail(c, "entry point 0x%llx is above 4 GiB", (unsigned long long)phys_entry);
	*entry = (uint32_t)phys_entry;
	return 0;
}

/* The info block, memory map, module list and strings, in one region
 * after the kernel and its modules (where QEMU puts them), so no kernel
 * address can collide with them: a kernel may load at 0x8000. */
struct info_writer {
	struct vm *vm;
	uint32_t str_next;
};

static uint32_t put_string(struct info_writer *w, const char *s)
{
	size_t n = strlen(s) + 1;
	uint32_t at = w->str_next;

	vm_write(w->vm, at, s, n);
	w->str_next += (uint32_t)n;
	return at;
}

static void put32(struct vm *vm, uint32_t gpa, uint32_t v) { vm_write(vm, gpa, &v, 4); }
static void put64(struct vm *vm, uint32_t gpa, uint64_t v) { vm_write(vm, gpa, &v, 8); }

/* Offsets in the region: info, memory map, module list, then strings. */
enum { INFO_OFF = 0, MMAP_OFF = 0x100, MODS_OFF = 0x200, STRINGS_OFF = 0x400 };

static uint32_t write_mmap(struct vm *vm, uint32_t mmap_at)
{
	static const struct { uint64_t base, len; uint32_t type; } map[] = {
		{ 0, 0x9fc00, 1 }, { 0x9fc00, 0x100000 - 0x9fc00, 2 }, { 0x100000, 0, 1 },
	};
	uint32_t at = mmap_at;

	for (unsigned i = 0; i < 3; i++, at += 24) {
		uint64_t len = i == 2 ? vm->ram_size - 0x100000 : map[i].len;
		put32(vm, at, 20);              /* size of the entry after this field */
		put64(vm, at + 4, map[i].base);
		put64(vm, at + 12, len);
		put32(vm, at + 20, map[i].type);
	}
	return at - mmap_at;
}

/* Writes the region at the first page after c->end; *info is its address. */
static int write_info(struct load_ctx *c, const char *cmdline, const uint32_t (*mods)[2],
		      const struct mb_module *mdesc, unsigned n_mods, uint32_t *info)
{
	struct vm *vm = c->vm;
	uint64_t base = (c->end + 0xfff) & ~0xfffull, size = STRINGS_OFF;
	uint32_t cmd, loader, flags = MBI_MEM | MBI_CMDLINE | MBI_MMAP | MBI_LOADER;

	size += strlen(cmdline ? cmdline : "") + 1 + sizeof("ringbench");
	for (unsigned i = 0; i < n_mods; i++)
		size += strlen(mdesc[i].cmdline ? mdesc[i].cmdline : mdesc[i].path) + 1;
	/* Not across the reserved 0x9FC00-0xFFFFF of the memory map: above
	 * it (everything loaded ends below, so 1 MiB is free). */
	if (base < 0x100000 && base + size > 0x9fc00)
		base = 0x100000;
	if (base + size > vm->ram_size || base + size > 0xffffffffull)
		return fail(c, "no room for the Multiboot info block (%llu bytes) after the kernel and "
			    "modules (end 0x%llx) in guest RAM (%llu MiB)", (unsigned long long)size,
			    (unsigned long long)c->end, (unsigned long long)vm->ram_size >> 20);
	uint32_t info_at = (uint32_t)base + INFO_OFF, mmap_at = (uint32_t)base + MMAP_OFF;
	uint32_t mods_at = (uint32_t)base + MODS_OFF;
	struct info_writer w = { vm, (uint32_t)base + STRINGS_OFF };

	vm_fill(vm, base, 0, size);
	cmd = put_string(&w, cmdline ? cmdline : "");
	loader = put_string(&w, "ringbench");
	put32(vm, info_at + 4, 639);                                   /* mem_lower, KiB */
	put32(vm, info_at + 8, (uint32_t)((vm->ram_size - 0x100000) >> 10)); /* mem_upper */
	put32(vm, info_at + 16, cmd);
	if (n_mods) {
		flags |= MBI_MODS;
		for (unsigned i = 0; i < n_mods; i++) {
			uint32_t s = put_string(&w, mdesc[i].cmdline ? mdesc[i].cmdline : mdesc[i].path);
			put32(vm, mods_at + 16 * i, mods[i][0]);
			put32(vm, mods_at + 16 * i + 4, mods[i][1]);
			put32(vm, mods_at + 16 * i + 8, s);
		}
		put32(vm, info_at + 20, n_mods);
		put32(vm, info_at + 24, mods_at);
	}
	put32(vm, info_at + 44, write_mmap(vm, mmap_at));
	put32(vm, info_at + 48, mmap_at);
	put32(vm, info_at + 64, loader);
	put32(vm, info_at, flags);
	*info = info_at;
	return 0;
}

static int load_modules(struct load_ctx *c, const struct mb_module *mods, unsigned n_mods,
			uint32_t (*where)[2])
{
	uint64_t at = (c->end + 0xfff) & ~0xfffull;

	if (n_mods > MB_MAX_MODULES)
		return fail(c, "too many modules (%u, at most %d)", n_mods, MB_MAX_MODULES);
	for (unsigned i = 0; i < n_mods; i++) {
		uint8_t *data;
		size_t size;
		char err[512];
		if (user_file_read(mods[i].path, MB_MAX_IMAGE, &data, &size, err, sizeof(err)) < 0)
			return fail(c, "module %s", err);
		if (!vm_gpa(c->vm, at, size ? size : 1) || at + size > 0xffffffffull) {
			free(data);
			return fail(c, "module %s (%zu bytes) does not fit in guest RAM", mods[i].path, size);
		}
		vm_write(c->vm, at, data, size);
		free(data);
		where[i][0] = (uint32_t)at;
		where[i][1] = (uint32_t)(at + size);
		at = (at + size + 0xfff) & ~0xfffull;
	}
	c->end = at;
	return 0;
}

int loader_load_image(struct vm *vm, const uint8_t *img, size_t size, const char *name,
		      const char *cmdline, const struct mb_module *mods, unsigned n_mods,
		      struct mb_boot *boot, char *err, size_t len)
{
	struct load_ctx c = { vm, img, size, name, err, len, 0 };
	uint32_t where[MB_MAX_MODULES][2];
	struct mb_header h = { 0 };
	size_t at;
	uint32_t entry = 0;
	int is_elf;

	if (size == 0)
		return fail(&c, "empty file");
	if (size > MB_MAX_IMAGE)
		return fail(&c, "absurd size (%zu bytes, at most %u MiB)", size, MB_MAX_IMAGE >> 20);
	if (find_header(&c, &h, &at) < 0)
		return -1;
	if (h.flags & 0xffff & ~MB_KNOWN_REQUIRED)
		return fail(&c, "Multiboot header requires unsupported features (flags 0x%x)", h.flags);
	is_elf = size >= 4 && !memcmp(img, ELFMAG, SELFMAG);
	if (h.flags & MB_FLAG_AOUT) {
		if (load_aout_kludge(&c, &h, at, &entry) < 0)
			return -1;
	} else if (!is_elf) {
		return fail(&c, "not an ELF file, and its Multiboot header has no load addresses");
	} else if (load_elf(&c, &entry) < 0) {
		return -1;
	}
	if (load_modules(&c, mods, n_mods, where) < 0)
		return -1;
	uint32_t info = 0;
	if (write_info(&c, cmdline, (const uint32_t (*)[2])where, mods, n_mods, &info) < 0)
		return -1;
	boot->entry = entry;
	boot->info = info;
	boot->kernel_end = c.end;
	return 0;
}

int loader_load_file(struct vm *vm, const char *path, const char *cmdline,
		     const struct mb_module *mods, unsigned n_mods,
		     struct mb_boot *boot, char *err, size_t len)
{
	uint8_t *img;
	size_t size;
	int r;

	if (user_file_read(path, MB_MAX_IMAGE, &img, &size, err, len) < 0)
		return -1;
	r = loader_load_image(vm, img, size, path, cmdline, mods, n_mods, boot, err, len);
	free(img);
	return r;
}

int loader_multiboot(struct vm *vm, const void *ctx, struct cpu_state *entry, char *err, size_t len)
{
	const struct mb_spec *m = ctx;
	struct mb_boot boot;

	if (loader_load_file(vm, m->path, m->cmdline, m->mods, m->n_mods, &boot, err, len) < 0)
		return -1;
	vm_multiboot_entry_state(entry, boot.entry, boot.info);
	return 0;
}
