/* Multiboot loader: good images of every kind load right; each kind of bad
 * image gives a one-line error naming the file; mutated images never crash. */
#include <elf.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "engines/core/loader.h"
#include "engines/core/userfile.h"
#include "tests/check.h"

#define MB_MAGIC 0x1BADB002u
#define LOAD_AT  0x100000u

/* An ELF32 or ELF64 kernel: headers, one PT_LOAD of code at 1 MiB holding
 * the Multiboot header, plus bss. */
static size_t make_elf(uint8_t *buf, int is64, uint32_t paddr, uint32_t memsz_extra)
{
	size_t ehsz = is64 ? sizeof(Elf64_Ehdr) : sizeof(Elf32_Ehdr);
	size_t phsz = is64 ? sizeof(Elf64_Phdr) : sizeof(Elf32_Phdr);
	size_t code_off = 0x100, code_len = 64;
	uint32_t mb[3] = { MB_MAGIC, 3, -(MB_MAGIC + 3) };

	memset(buf, 0, code_off + code_len);
	if (is64) {
		Elf64_Ehdr eh = { .e_type = ET_EXEC, .e_machine = EM_X86_64, .e_version = 1,
				  .e_entry = paddr + 12, .e_phoff = ehsz, .e_ehsize = ehsz,
				  .e_phentsize = phsz, .e_phnum = 1 };
		Elf64_Phdr ph = { .p_type = PT_LOAD, .p_offset = code_off, .p_vaddr = paddr,
				  .p_paddr = paddr, .p_filesz = code_len, .p_memsz = code_len + memsz_extra };
		memcpy(eh.e_ident, ELFMAG, SELFMAG);
		eh.e_ident[EI_CLASS] = ELFCLASS64;
		eh.e_ident[EI_DATA] = ELFDATA2LSB;
		memcpy(buf, &eh, sizeof(eh));
		memcpy(buf + ehsz, &ph, sizeof(ph));
	} else {
		Elf32_Ehdr eh = { .e_type = ET_EXEC, .e_machine = EM_386, .e_version = 1,
				  .e_entry = paddr + 12, .e_phoff = ehsz, .e_ehsize = ehsz,
				  .e_phentsize = phsz, .e_phnum = 1 };
		Elf32_Phdr ph = { .p_type = PT_LOAD, .p_offset = code_off, .p_vaddr = paddr,
				  .p_paddr = paddr, .p_filesz = code_len, .p_memsz = code_len + memsz_extra };
		memcpy(eh.e_ident, ELFMAG, SELFMAG);
		eh.e_ident[EI_CLASS] = ELFCLASS32;
		eh.e_ident[EI_DATA] = ELFDATA2LSB;
		memcpy(buf, &eh, sizeof(eh));
		memcpy(buf + ehsz, &ph, sizeof(ph));
	}
	memcpy(buf + code_off, mb, sizeof(mb));
	buf[code_off + 12] = 0xf4;      /* hlt at the entry */
	return code_off + code_len;
}

static struct vm *new_vm(void)
{
	char err[256];
	struct vm *vm = vm_create(8 << 20, NULL, err, sizeof(err));
	if (!vm) {
		printf("not ok - vm_create: %s\n", err);
		exit(1);
	}
	return vm;
}

static int load(const uint8_t *img, size_t n, const char *cmdline, char *err, struct mb_boot *b)
{
	struct vm *vm = new_vm();
	int r = loader_load_image(vm, img, n, "k.elf", cmdline, NULL, 0, b, err, 512);
	vm_destroy(vm);
	return r;
}

static void expect_error(const uint8_t *img, size_t n, const char *what, const char *needle)
{
	char err[512] = "";
	struct mb_boot b;
	int r = load(img, n, "", err, &b);
	CHECK(r < 0 && !strncmp(err, "k.elf: ", 7) && strstr(err, needle) && !strchr(err, '\n'),
	      "%s is refused: \"%s\"", what, err);
}

static void test_good_images(void)
{
	uint8_t img[4096];
	char err[512];
	struct mb_boot b;
	struct vm *vm = new_vm();

	for (int is64 = 0; is64 < 2; is64++) {
		size_t n = make_elf(img, is64, LOAD_AT, 4096);
		int r = loader_load_image(vm, img, n, "k.elf", "k.elf quick=1", NULL, 0, &b, err, sizeof(err));
		CHECK(r == 0, "ELF%d kernel loads (%s)", is64 ? 64 : 32, r ? err : "ok");
		if (r)
			continue;
		uint32_t *info = vm_gpa(vm, b.info, 128);
		CHECK(b.entry == LOAD_AT + 12, "ELF%d entry is the ELF entry", is64 ? 64 : 32);
		CHECK(!memcmp(vm_gpa(vm, LOAD_AT, 4), "\x02\xb0\xad\x1b", 4), "segment copied to its physical address");
		CHECK(*(uint8_t *)vm_gpa(vm, LOAD_AT + 64, 1) == 0, "bss is zero");
		CHECK((info[0] & 0x245) == 0x245, "info flags say mem, cmdline, mmap, loader name");
		CHECK(!strcmp(vm_gpa(vm, info[4], 14), "k.elf quick=1"), "command line in the info block");
		CHECK(info[2] == (8u << 10) - 1024, "mem_upper is RAM above 1 MiB in KiB");
		uint32_t *mmap = vm_gpa(vm, info[12], info[11]);
		CHECK(info[11] == 72 && mmap[0] == 20 && mmap[5] == 1, "memory map has 3 entries, first usable");
		uint64_t last_len;
		memcpy(&last_len, (uint8_t *)mmap + 48 + 12, 8);
		CHECK(last_len == (8u << 20) - 0x100000, "last map entry covers RAM above 1 MiB");
	}
	vm_destroy(vm);
}

/* A kernel at 0x8000 (where the info block once was) loads; the info
 * block, its memory map and strings lie after the kernel (and modules). */
static void test_low_kernel(void)
{
	uint8_t img[4096];
	char err[512];
	struct mb_boot b;
	struct vm *vm = new_vm();
	size_t n = make_elf(img, 0, 0x8000, 0x3000);
	int r = loader_load_image(vm, img, n, "k.elf", "low", NULL, 0, &b, err, sizeof(err));

	CHECK(r == 0 && b.entry == 0x8000 + 12 && b.kernel_end >= 0x8000 + 64 + 0x3000,
	      "a kernel loading at 0x8000 loads (%s; entry %#x, end %#llx)", r ? err : "ok", b.entry,
	      (unsigned long long)b.kernel_end);
	if (r == 0) {
		uint32_t *info = vm_gpa(vm, b.info, 128);
		CHECK(b.info >= b.kernel_end && b.info % 4096 == 0 && info[12] > b.info &&
		      info[4] > b.info && !strcmp(vm_gpa(vm, info[4], 4), "low") &&
		      *(uint8_t *)vm_gpa(vm, 0x8000 + 12, 1) == 0xf4,
		      "the info block (%#x), memory map and command line lie after the kernel (end %#llx), "
		      "which stays intact", b.info, (unsigned long long)b.kernel_end);
	}
	vm_destroy(vm);
}

static void test_aout_kludge(void)
{
	uint8_t img[256] = { 0 };
	uint32_t h[8] = { MB_MAGIC, 0x10003, -(MB_MAGIC + 0x10003), LOAD_AT + 16, LOAD_AT, 0,
			  LOAD_AT + 0x2000, LOAD_AT + 64 };
	char err[512];
	struct mb_boot b;

	memcpy(img + 16, h, sizeof(h));
	CHECK(load(img, sizeof(img), "", err, &b) == 0 && b.entry == LOAD_AT + 64 &&
	      b.kernel_end == LOAD_AT + 0x2000, "a.out-kludge kernel loads at its header addresses");
	h[7] = LOAD_AT + 0x10000;       /* entry past bss_end: not loaded code */
	memcpy(img + 16, h, sizeof(h));
	expect_error(img, sizeof(img), "an a.out-kludge entry outside the image", "entry point");
}

static void test_modules(void)
{
	uint8_t img[4096];
	char err[512], path[] = "/tmp/ringbench-mod-XXXXXX";
	struct mb_boot b;
	struct vm *vm = new_vm();
	int fd = mkstemp(path);
	size_t n = make_elf(img, 0, LOAD_AT, 0);

	if (fd < 0 || write(fd, "MODULE", 6) != 6) {
		CHECK(0, "temporary module file");
		return;
	}
	close(fd);
	struct mb_module m = { path, "mod arg" };
	int r = loader_load_image(vm, img, n, "k.elf", "", &m, 1, &b, err, sizeof(err));
	uint32_t *info = vm_gpa(vm, b.info, 128);
	CHECK(r == 0 && (info[0] & 8) && info[5] == 1, "one module listed (%s)", r ? err : "ok");
	if (r == 0) {
		uint32_t *mod = vm_gpa(vm, info[6], 16);
		CHECK(mod[0] % 4096 == 0 && mod[1] - mod[0] == 6 && !memcmp(vm_gpa(vm, mod[0], 6), "MODULE", 6),
		      "module loaded page-aligned with its contents");
		CHECK(!strcmp(vm_gpa(vm, mod[2], 8), "mod arg"), "module string");
		CHECK(b.info >= mod[1], "the info block (%#x) lies after the module (end %#x)", b.info, mod[1]);
	}
	/* A kernel at 0x1000 with a 64 KiB module: the module once landed on
	 * the fixed info block [0x8000, 0x10000) and was zeroed (issue 11);
	 * now the info block follows the module and both stay intact. */
	size_t kn = make_elf(img, 0, 0x1000, 0);
	static uint8_t big_mod[65536];
	big_mod[0] = 0xa5;
	big_mod[sizeof(big_mod) - 1] = 0x5a;
	fd = open(path, O_WRONLY | O_TRUNC);
	if (fd < 0 || write(fd, big_mod, sizeof(big_mod)) != (ssize_t)sizeof(big_mod))
		CHECK(0, "64 KiB module file");
	if (fd >= 0)
		close(fd);
	r = loader_load_image(vm, img, kn, "k.elf", "", &m, 1, &b, err, sizeof(err));
	if (r == 0) {
		uint32_t *bi = vm_gpa(vm, b.info, 28), *mod = vm_gpa(vm, bi[6], 16);
		uint8_t *data = vm_gpa(vm, mod[0], sizeof(big_mod));
		CHECK(mod[1] - mod[0] == sizeof(big_mod) && data[0] == 0xa5 && data[sizeof(big_mod) - 1] == 0x5a &&
		      b.info >= mod[1], "a 64 KiB module after a kernel at 0x1000 stays intact, the info block after it");
	} else {
		CHECK(0, "a 64 KiB module after a kernel at 0x1000 loads: \"%s\"", err);
	}
	n = make_elf(img, 0, LOAD_AT, 0);
	m.path = "/nonexistent/module";
	r = loader_load_image(vm, img, n, "k.elf", "", &m, 1, &b, err, sizeof(err));
	CHECK(r < 0 && strstr(err, "/nonexistent/module"), "missing module named: \"%s\"", err);
	unlink(path);
	vm_destroy(vm);
}

static void test_bad_images(void)
{
	uint8_t img[16384], *big;
	size_t n;

	expect_error((const uint8_t *)"", 0, "an empty file", "empty");
	memset(img, 0x90, sizeof(img));
	expect_error(img, sizeof(img), "a file without Multiboot header", "no Multiboot header");
	n = make_elf(img, 0, LOAD_AT, 0);
	img[0x100 + 8] ^= 1;
	expect_error(img, n, "a bad checksum", "checksum");
	/* The header past 8 KiB does not count. */
	memset(img, 0, sizeof(img));
	uint32_t mb[3] = { MB_MAGIC, 0, -MB_MAGIC };
	memcpy(img + 8192, mb, 12);
	expect_error(img, sizeof(img), "a header beyond 8 KiB", "first 8 KiB");
	memset(img, 0, 64);
	memcpy(img + 16, mb, 12);
	expect_error(img, 64, "a non-ELF without load addresses", "not an ELF");
	make_elf(img, 0, LOAD_AT, 0);
	memcpy(img + 24, mb, 12);       /* header inside the cut-off ELF header */
	expect_error(img, 40, "a truncated ELF header", "truncated");
	n = make_elf(img, 1, LOAD_AT, 0);
	((Elf64_Ehdr *)img)->e_phoff = 1 << 20;
	expect_error(img, n, "program headers beyond the file", "beyond the end");
	n = make_elf(img, 0, LOAD_AT, 0);
	((Elf32_Phdr *)(img + sizeof(Elf32_Ehdr)))->p_offset = 1 << 20;
	expect_error(img, n, "a segment beyond the file", "beyond the end");
	n = make_elf(img, 0, 64 << 20, 0);
	expect_error(img, n, "a segment outside RAM", "outside guest RAM");
	n = make_elf(img, 0, 0xfffff000u, 0x100000);
	expect_error(img, n, "a segment wrapping past 4 GiB", "outside guest RAM");
	n = make_elf(img, 0, LOAD_AT, 0);
	((Elf32_Ehdr *)img)->e_entry = 0x500000;
	expect_error(img, n, "an entry outside the segments", "entry point");
	n = make_elf(img, 0, LOAD_AT, 0);
	((Elf32_Ehdr *)img)->e_machine = EM_ARM;
	expect_error(img, n, "a non-x86 ELF", "not x86");
	n = make_elf(img, 0, LOAD_AT, 0);
	uint32_t req[3] = { MB_MAGIC, 0x8, -(MB_MAGIC + 0x8) };
	memcpy(img + 0x100, req, 12);
	expect_error(img, n, "a kernel asking for unknown features", "unsupported features");
	big = calloc(1, MB_MAX_IMAGE + 1);
	if (big) {
		memcpy(big, img, n);
		expect_error(big, MB_MAX_IMAGE + 1, "an absurd size", "absurd size");
		free(big);
	}
	char err[512] = "";
	struct vm *vm = new_vm();
	struct mb_boot b;
	CHECK(loader_load_file(vm, "/nonexistent/kernel", "", NULL, 0, &b, err, sizeof(err)) < 0 &&
	      strstr(err, "/nonexistent/kernel"), "a missing file is named: \"%s\"", err);
	vm_destroy(vm);
}

/* Fuzz-style: mutate good images (fixed seed); the loader must answer
 * success or a one-line error naming the file, and never crash (ASan). */
static void test_mutated_images(void)
{
	uint8_t good[2][4096], img[4096];
	size_t n[2] = { make_elf(good[0], 0, LOAD_AT, 4096), make_elf(good[1], 1, LOAD_AT, 4096) };
	unsigned seed = 12345, bad_errors = 0, loaded = 0, refused = 0;
	struct vm *vm = new_vm();

	for (int i = 0; i < 20000; i++) {
		int k = i & 1;
		size_t len = n[k];
		char err[512] = "";
		struct mb_boot b;
		memcpy(img, good[k], len);
		int flips = 1 + rand_r(&seed) % 8;
		for (int f = 0; f < flips; f++) {
			size_t at = (size_t)rand_r(&seed) % len;
			switch (rand_r(&seed) % 3) {
			case 0: img[at] ^= (uint8_t)(1 << (rand_r(&seed) % 8)); break;
			case 1: img[at] = (uint8_t)rand_r(&seed); break;
			default: img[at] = (rand_r(&seed) & 1) ? 0xff : 0; break;
			}
		}
		if (rand_r(&seed) % 8 == 0)
			len = (size_t)rand_r(&seed) % len;
		if (loader_load_image(vm, img, len, "fuzz.elf", "", NULL, 0, &b, err, sizeof(err)) == 0)
			loaded++;
		else if (!strncmp(err, "fuzz.elf: ", 10) && !strchr(err, '\n'))
			refused++;
		else
			bad_errors++;
	}
	vm_destroy(vm);
	CHECK(bad_errors == 0 && loaded + refused == 20000,
	      "20000 mutated images: %u loaded, %u refused with a one-line error, %u malformed errors",
	      loaded, refused, bad_errors);
}

/* The one user-path opener: only regular files, bounded, never blocking
 * (issue 11, item 4).  A FIFO with no writer would block a plain open(). */
static void test_user_files(void)
{
	char dir[] = "/tmp/ringbench-uf-XXXXXX", fifo[64], big[64], err[512];
	uint8_t *data = NULL;
	size_t size;

	if (!mkdtemp(dir)) {
		CHECK(0, "temporary directory");
		return;
	}
	snprintf(fifo, sizeof(fifo), "%s/fifo", dir);
	snprintf(big, sizeof(big), "%s/big", dir);
	CHECK(mkfifo(fifo, 0600) == 0, "FIFO made");
	CHECK(user_file_read(fifo, 1 << 20, &data, &size, err, sizeof(err)) < 0 && strstr(err, "FIFO") &&
	      !strncmp(err, fifo, strlen(fifo)), "a FIFO is refused at once: \"%s\"", err);
	CHECK(user_file_read("/dev/zero", 1 << 20, &data, &size, err, sizeof(err)) < 0 &&
	      strstr(err, "character device"), "/dev/zero is refused: \"%s\"", err);
	CHECK(user_file_read(dir, 1 << 20, &data, &size, err, sizeof(err)) < 0 && strstr(err, "directory"),
	      "a directory is refused: \"%s\"", err);
	int fd = open(big, O_WRONLY | O_CREAT, 0600);
	CHECK(fd >= 0 && ftruncate(fd, 3 << 20) == 0, "3 MiB sparse file");
	if (fd >= 0)
		close(fd);
	CHECK(user_file_read(big, 1 << 20, &data, &size, err, sizeof(err)) < 0 && strstr(err, "too large"),
	      "a file over the limit is refused unread: \"%s\"", err);
	CHECK(user_file_read(big, 4 << 20, &data, &size, err, sizeof(err)) == 0 && size == 3u << 20 &&
	      data[size] == 0, "a regular file within the limit is read whole");
	free(data);
	struct vm *vm = new_vm();
	struct mb_boot b;
	struct mb_module m = { fifo, NULL };
	uint8_t img[4096];
	size_t n = make_elf(img, 0, LOAD_AT, 0);
	CHECK(loader_load_image(vm, img, n, "k.elf", "", &m, 1, &b, err, sizeof(err)) < 0 &&
	      strstr(err, "FIFO"), "a FIFO module is refused: \"%s\"", err);
	CHECK(loader_load_file(vm, fifo, "", NULL, 0, &b, err, sizeof(err)) < 0 && strstr(err, "FIFO"),
	      "a FIFO kernel is refused: \"%s\"", err);
	vm_destroy(vm);
	unlink(fifo);
	unlink(big);
	rmdir(dir);
}

int main(void)
{
	test_user_files();
	test_good_images();
	test_aout_kludge();
	test_low_kernel();
	test_modules();
	test_bad_images();
	test_mutated_images();
	CHECK_EXIT();
}
