/* Linux bzImage loader (64-bit boot protocol): a synthetic bzImage lands
 * where the protocol says, with boot_params, e820, command line, initrd,
 * page tables, GDT and entry state right; each bad image or misfit gives a
 * one-line error naming the file; mutated headers never crash; Debian's
 * own kernel loads.  And the Linux guest watch: panic, power-off, reset
 * port and warning lines end the VM with their documented statuses. */
#include <stdlib.h>
#include <string.h>

#include "engines/core/console.h"
#include "engines/core/linux_guest.h"
#include "engines/core/loader_linux.h"
#include "engines/core/status.h"
#include "engines/core/userfile.h"
#include "tests/check.h"

#define MiB (1ull << 20)
#define IMG_SIZE 0x3000u
#define PM_OFF   0x400u       /* setup_sects 1: (1 + 1) * 512 */

static void put(uint8_t *img, size_t off, uint64_t v, unsigned n) { memcpy(img + off, &v, n); }
static uint64_t rd(struct vm *vm, uint64_t gpa, unsigned n)
{
	uint64_t v = 0;
	vm_read(vm, gpa, &v, n);
	return v;
}

/* A bzImage with protocol 2.15's header and a recognisable kernel body. */
static void make_bzimage(uint8_t *img)
{
	memset(img, 0, IMG_SIZE);
	img[0x1f1] = 1;                       /* setup_sects */
	put(img, 0x1fe, 0xaa55, 2);
	img[0x200] = 0xeb;
	img[0x201] = 0x6a;                    /* header ends at 0x26c */
	memcpy(img + 0x202, "HdrS", 4);
	put(img, 0x206, 0x020f, 2);
	img[0x211] = 0x01;                    /* LOADED_HIGH */
	put(img, 0x22c, 0x7fffffff, 4);       /* initrd_addr_max */
	put(img, 0x230, 0x200000, 4);         /* kernel_alignment */
	img[0x234] = 1;                       /* relocatable */
	put(img, 0x236, 0x7f, 2);             /* XLF_KERNEL_64 and more */
	put(img, 0x238, 2047, 4);             /* cmdline_size */
	put(img, 0x258, 0x1000000, 8);        /* pref_address */
	put(img, 0x260, 0x400000, 4);         /* init_size */
	for (unsigned i = PM_OFF; i < IMG_SIZE; i++)
		img[i] = (uint8_t)(i * 7);
}

static struct vm *new_vm(uint64_t mem)
{
	char err[256];
	struct vm *vm = vm_create(mem, NULL, err, sizeof(err));
	if (!vm) {
		printf("not ok - vm_create: %s\n", err);
		exit(1);
	}
	return vm;
}

/* Follow the loader's page tables for a virtual address: the physical one, or ~0. */
static uint64_t walk(struct vm *vm, uint64_t cr3, uint64_t va)
{
	uint64_t e = rd(vm, cr3 + 8 * ((va >> 39) & 511), 8);
	if (!(e & 1))
		return ~0ull;
	e = rd(vm, (e & ~0xfffull) + 8 * ((va >> 30) & 511), 8);
	if (!(e & 1))
		return ~0ull;
	e = rd(vm, (e & ~0xfffull) + 8 * ((va >> 21) & 511), 8);
	if (!(e & 1) || !(e & 0x80))
		return ~0ull;
	return (e & ~0x1fffffull) + (va & 0x1fffff);
}

static void test_good_image(void)
{
	static uint8_t img[IMG_SIZE], initrd[8192];
	struct vm *vm = new_vm(64 * MiB);
	struct linux_boot b;
	struct cpu_state s;
	char err[512] = "", cmd[64] = "";
	uint8_t kern[IMG_SIZE - PM_OFF], rdback[sizeof(initrd)];
	const uint64_t zp = LINUX_ZERO_PAGE;

	make_bzimage(img);
	memset(initrd, 0x5a, sizeof(initrd));
	CHECK(linux_is_bzimage(img, IMG_SIZE), "a synthetic bzImage is recognised");
	int r = linux_load_image(vm, img, IMG_SIZE, "bz", initrd, sizeof(initrd), "console=ttyS0 rb", &b, err, sizeof(err));
	CHECK(r == 0, "a synthetic bzImage loads (%s)", err);
	CHECK(b.load_addr == 0x1000000 && b.entry == 0x1000200, "a relocatable kernel loads at pref_address, entry +0x200 (0x%llx)",
	      (unsigned long long)b.entry);
	vm_read(vm, b.load_addr, kern, sizeof(kern));
	CHECK(!memcmp(kern, img + PM_OFF, sizeof(kern)), "the protected-mode kernel (after the setup sectors) is at the load address");
	CHECK(rd(vm, zp + 0x202, 4) == 0x53726448 && rd(vm, zp + 0x206, 2) == 0x020f, "the setup header is copied into boot_params");
	CHECK(rd(vm, zp + 0x210, 1) == 0xff, "type_of_loader is 0xff (undefined)");
	CHECK(rd(vm, zp + 0x214, 4) == 0x1000000, "code32_start is the load address");
	vm_read(vm, rd(vm, zp + 0x228, 4), cmd, 17);
	CHECK(!strcmp(cmd, "console=ttyS0 rb"), "cmd_line_ptr points at the command line (\"%s\")", cmd);
	CHECK(b.initrd_addr == 64 * MiB - sizeof(initrd) && rd(vm, zp + 0x218, 4) == b.initrd_addr &&
	      rd(vm, zp + 0x21c, 4) == sizeof(initrd), "the initrd is at the top of RAM, in ramdisk_image/size");
	vm_read(vm, b.initrd_addr, rdback, sizeof(rdback));
	CHECK(!memcmp(rdback, initrd, sizeof(initrd)), "the initrd's bytes are there");
	unsigned n = (unsigned)rd(vm, zp + 0x1e8, 1);
	uint64_t ram = 0;
	for (unsigned i = 0; i < n; i++)
		if (rd(vm, zp + 0x2d0 + 20 * i + 16, 4) == 1)
			ram += rd(vm, zp + 0x2d0 + 20 * i + 8, 8);
	CHECK(n >= 3 && rd(vm, zp + 0x2d0 + 40, 8) == 0x100000 && ram == 0x9fc00 + 63 * MiB,
	      "e820: %u entries, RAM below the legacy hole and from 1 MiB to the end (%llu KiB)", n,
	      (unsigned long long)ram >> 10);
	CHECK(walk(vm, LINUX_PML4_ADDR, b.entry) == b.entry && walk(vm, LINUX_PML4_ADDR, zp) == zp &&
	      walk(vm, LINUX_PML4_ADDR, 0xfee00000) == 0xfee00000,
	      "the page tables identity-map the kernel, the zero page and the LAPIC");
	CHECK(rd(vm, LINUX_GDT_ADDR + 0x10, 8) == 0x00af9b000000ffffull && rd(vm, LINUX_GDT_ADDR + 0x18, 8) == 0x00cf93000000ffffull,
	      "the GDT has __BOOT_CS (64-bit code) at 0x10 and __BOOT_DS at 0x18");
	vm_linux_entry_state(&s, &b);
	CHECK(s.rip == b.entry && s.gpr[R_RSI] == zp && s.seg[S_CS].selector == 0x10 && s.seg[S_CS].l &&
	      !s.seg[S_CS].db && s.seg[S_DS].selector == 0x18 && s.seg[S_SS].selector == 0x18,
	      "entry: RIP at startup_64, RSI = boot_params, CS 0x10 64-bit, DS/SS 0x18");
	CHECK((s.cr0 & 0x80000001) == 0x80000001 && (s.cr4 & 0x20) && s.efer == 0x500 && s.cr3 == LINUX_PML4_ADDR &&
	      !(s.rflags & 0x200), "entry: long mode (PE, PG, PAE, LME+LMA), interrupts off");
	vm_destroy(vm);
}

static void expect_error(const uint8_t *img, size_t size, uint64_t mem, size_t initrd_size,
			 const char *cmdline, const char *what, const char *needle)
{
	struct vm *vm = new_vm(mem);
	struct linux_boot b;
	char err[512] = "";
	uint8_t *initrd = initrd_size ? calloc(1, initrd_size) : NULL;
	int r = linux_load_image(vm, img, size, "bz", initrd, initrd_size, cmdline, &b, err, sizeof(err));

	CHECK(r < 0 && !strncmp(err, "bz: ", 4) && strstr(err, needle) && !strchr(err, '\n'),
	      "%s is refused: \"%s\"", what, err);
	free(initrd);
	vm_destroy(vm);
}

static void test_bad_images(void)
{
	static uint8_t img[IMG_SIZE], bad[IMG_SIZE];
	char longcmd[3000];

	make_bzimage(img);
	memcpy(bad, img, IMG_SIZE);
	bad[0x1fe] = 0;
	expect_error(bad, IMG_SIZE, 64 * MiB, 0, "", "no boot flag", "not a bzImage");
	memcpy(bad, img, IMG_SIZE);
	put(bad, 0x206, 0x0204, 2);
	expect_error(bad, IMG_SIZE, 64 * MiB, 0, "", "protocol 2.04", "too old");
	expect_error(img, 0x240, 64 * MiB, 0, "", "a header cut short", "truncated");
	memcpy(bad, img, IMG_SIZE);
	put(bad, 0x236, 0, 2);
	expect_error(bad, IMG_SIZE, 64 * MiB, 0, "", "a kernel without a 64-bit entry", "64-bit");
	memcpy(bad, img, IMG_SIZE);
	bad[0x211] = 0;
	expect_error(bad, IMG_SIZE, 64 * MiB, 0, "", "a zImage", "zImage");
	memcpy(bad, img, IMG_SIZE);
	bad[0x1f1] = 100;
	expect_error(bad, IMG_SIZE, 64 * MiB, 0, "", "setup sectors beyond the file", "no protected-mode kernel");
	memcpy(bad, img, IMG_SIZE);
	put(bad, 0x258, 0x1100000, 8);
	expect_error(bad, IMG_SIZE, 64 * MiB, 0, "", "a misaligned pref_address", "kernel_alignment");
	expect_error(img, IMG_SIZE, 16 * MiB, 0, "", "RAM smaller than the kernel's init_size", "--mem");
	expect_error(img, IMG_SIZE, 64 * MiB, 50 * MiB, "", "an initrd too big for RAM", "initrd");
	memset(longcmd, 'x', sizeof(longcmd) - 1);
	longcmd[sizeof(longcmd) - 1] = '\0';
	expect_error(img, IMG_SIZE, 64 * MiB, 0, longcmd, "a command line over cmdline_size", "command line");
}

/* Random header bytes: a clean error or a load, never a crash (ASan). */
static void test_mutations(void)
{
	static uint8_t img[IMG_SIZE], m[IMG_SIZE];
	struct vm *vm = new_vm(64 * MiB);
	unsigned loaded = 0, refused = 0;

	make_bzimage(img);
	srand(16);
	for (int i = 0; i < 3000; i++) {
		struct linux_boot b;
		char err[256];
		memcpy(m, img, IMG_SIZE);
		for (int k = 0; k < 1 + rand() % 4; k++)
			m[0x1f1 + rand() % (0x270 - 0x1f1)] = (uint8_t)rand();
		if (linux_load_image(vm, m, IMG_SIZE, "bz", NULL, 0, "", &b, err, sizeof(err)) == 0)
			loaded++;
		else
			refused += err[0] != '\0' && !strchr(err, '\n');
	}
	CHECK(loaded + refused == 3000, "3000 mutated headers: %u loaded, %u refused with a one-line error", loaded, refused);
	vm_destroy(vm);
}

/* Debian's kernel, as harness/images/linux.sh unpacks it. */
static void test_debian_kernel(void)
{
	const char *path = "build/linux/vmlinuz";
	uint8_t *img;
	size_t size;
	char err[512];
	struct linux_boot b;

	if (user_file_read(path, 256u << 20, &img, &size, err, sizeof(err)) < 0 &&
	    (system("sh harness/images/linux.sh >/dev/null") != 0 ||
	     user_file_read(path, 256u << 20, &img, &size, err, sizeof(err)) < 0)) {
		SKIP("Debian's kernel: %s (harness/images/linux.sh could not fetch it)", err);
		return;
	}
	struct vm *vm = new_vm(256 * MiB);
	CHECK(linux_is_bzimage(img, size), "Debian's vmlinuz is recognised as a bzImage");
	int r = linux_load_image(vm, img, size, path, NULL, 0, "console=ttyS0", &b, err, sizeof(err));
	CHECK(r == 0 && b.version >= 0x020c && b.load_addr == 0x1000000,
	      "Debian's kernel loads at 16 MiB (protocol %u.%02u): %s", b.version >> 8, b.version & 0xff, r ? err : "ok");
	uint8_t entry[16];
	size_t pm = 512u * (img[0x1f1] + 1u);
	vm_read(vm, b.entry, entry, sizeof(entry));
	CHECK(r == 0 && !memcmp(entry, img + pm + 0x200, sizeof(entry)), "its startup_64 bytes are at the entry point");
	vm_destroy(vm);
	vm = new_vm(64 * MiB);
	r = linux_load_image(vm, img, size, path, NULL, 0, "", &b, err, sizeof(err));
	CHECK(r < 0 && strstr(err, "--mem"), "in 64 MiB it is refused, naming --mem: \"%s\"", err);
	vm_destroy(vm);
	free(img);
}

static void feed(struct console *c, const char *text)
{
	for (; *text; text++)
		console_putc(c, *text);
}

static void test_guest_watch(void)
{
	static const char *warn[] = {
		"[    1.0] WARNING: CPU: 0 PID: 1 at kernel/foo.c:12 bar+0x1/0x2",
		"[    2.0] BUG: soft lockup - CPU#0 stuck for 22s! [init:1]",
		"[    3.0] clocksource: timekeeping watchdog on CPU0: Marking clocksource 'tsc' as unstable because the skew is too large:",
		"[    4.0] kernel BUG at mm/slub.c:100!",
		"[    5.0] rcu: INFO: rcu_sched detected stalls on CPUs/tasks:",
	};
	static const char *fine[] = {
		"[    0.1] clocksource: Switched to clocksource tsc",
		"[    0.2] RINGBENCH-INIT-READY 6.1.0-57-amd64",
		"[    0.3] Spectre V2 : WARNING: Unprivileged eBPF is enabled with eIBRS on",
	};
	struct console con;
	struct vm *vm;
	struct linux_guest *g;
	uint8_t fe = 0xfe;

	for (size_t i = 0; i < sizeof(warn) / sizeof(warn[0]); i++)
		CHECK(linux_line_is_warning(warn[i]), "a warning line: %.60s", warn[i] + 10);
	for (size_t i = 0; i < sizeof(fine) / sizeof(fine[0]); i++)
		CHECK(!linux_line_is_warning(fine[i]), "not a warning: %.60s", fine[i] + 10);

	console_init(&con, NULL, 0);
	vm = new_vm(8 * MiB);
	vm->console = &con;
	g = linux_guest_attach(vm);
	feed(&con, "Run /init as init process\n[ 1.0] RINGBENCH-INIT-READY x\n[ 2.0] Kernel panic - not syncing: Attempted to kill init!\n");
	CHECK(g->init_ready && g->panicked && !vm->finished, "the panic is seen; the VM goes on to the trace's end");
	feed(&con, "Call Trace:\n---[ end Kernel panic - not syncing: Attempted to kill init! ]---\n");
	CHECK(vm->finished && vm->exit_status == RB_STATUS_PANIC, "the panic's end line ends the VM with status %d", RB_STATUS_PANIC);
	FILE *f = tmpfile();
	int st = linux_guest_report(g, vm->exit_status, f);
	char buf[2048] = "";
	rewind(f);
	size_t got = fread(buf, 1, sizeof(buf) - 1, f);
	buf[got] = '\0';
	fclose(f);
	CHECK(st == RB_STATUS_PANIC && strstr(buf, "last 5 lines") && strstr(buf, "| Run /init") &&
	      strstr(buf, "Attempted to kill init"), "the report prints the console's last lines");
	vm_destroy(vm);

	vm = new_vm(8 * MiB);
	vm->console = &con;
	g = linux_guest_attach(vm);
	feed(&con, warn[0]);
	feed(&con, "\n[ 9.0] reboot: System halted\n");
	CHECK(vm->finished && vm->exit_status == RB_STATUS_POWEROFF, "\"reboot: System halted\" ends the VM as powered off");
	f = tmpfile();
	CHECK(linux_guest_report(g, vm->exit_status, f) == RB_STATUS_KERNEL_WARNING,
	      "a power-off after a kernel warning reports status %d", RB_STATUS_KERNEL_WARNING);
	fclose(f);
	vm_destroy(vm);

	vm = new_vm(8 * MiB);
	vm->console = &con;
	g = linux_guest_attach(vm);
	bus_access(&vm->pio, 0x64, &fe, 1, true);
	CHECK(vm->finished && vm->exit_status == RB_STATUS_REBOOT, "0xFE to port 0x64 resets: status %d", RB_STATUS_REBOOT);
	vm_destroy(vm);
	console_free(&con);
}

int main(void)
{
	test_good_image();
	test_bad_images();
	test_mutations();
	test_debian_kernel();
	test_guest_watch();
	CHECK_EXIT();
}
