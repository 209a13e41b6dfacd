/* kmain: from the Multiboot hand-over to the last benchmark's result line,
 * then debug-exit with 0 when every benchmark ended ok or unsupported. */
#include "guests/kernel.h"
#include "guests/smp.h"
#include "guests/x86.h"
#include "microbench/bench.h"
#include "microbench/groups.h"

#define MB_BOOT_MAGIC 0x2BADB002
#define MB_INFO_MEM     (1u << 0)
#define MB_INFO_CMDLINE (1u << 2)

struct multiboot_info {
	uint32_t flags, mem_lower, mem_upper, boot_device, cmdline;
};

uint64_t mb_platform_run(const struct bench *b, uint64_t (*fn)(uint64_t), uint64_t arg)
{
	return b->ring == 3 ? user_call(fn, arg) : fn(arg);
}

/* PAUSE and RESUME are END and BEGIN with RB_MARK_PAUSED set in the value
 * (docs/platform.md): no new port, and a VMM that predates them sees a
 * sequence number it does not pair and ignores them. */
void mb_platform_mark(unsigned seq, enum mb_mark what)
{
	static const uint16_t port[] = { RB_PORT_MARK_BEGIN, RB_PORT_MARK_END,
					 RB_PORT_MARK_END, RB_PORT_MARK_BEGIN };

	if (host.features & RB_FEAT_DEVICE)
		outl(port[what], seq | (what >= MB_MARK_PAUSE ? RB_MARK_PAUSED : 0));
}

/* crash=pf|ud|user: the tests' way to see an unexpected exception
 * reported (vector, error code, RIP, CR2) and ending the VM non-zero.
 * crash=ap: the last AP triple-faults (the VM ends naming its vCPU).
 * crash=ap_hang: the last AP hangs with interrupts off, the BSP waiting.
 * crash=hang: a 64-bit loop with interrupts off that never ends, for the
 * engines' timeouts. */
static UCODE uint64_t user_crash(uint64_t arg)
{
	return *(volatile uint64_t *)arg;
}

static void crash_test(const char *how)
{
	const uint64_t unmapped = 0x10000000000ull;     /* PML4 slot 2: empty */

	kprintf("guest: crash=%s: on purpose\n", how);
	if (!strncmp(how, "pf", 3))
		(void)*(volatile uint64_t *)unmapped;
	else if (!strncmp(how, "ud", 3))
		__asm__ volatile("ud2");
	else if (!strncmp(how, "user", 5))
		user_call(user_crash, unmapped);
	else if (!strncmp(how, "ap", 3))
		smp_crash_ap();
	else if (!strncmp(how, "ap_hang", 8))
		smp_hang_ap();
	else if (!strncmp(how, "hang", 5)) {
		__asm__ volatile("cli");
		for (;;)
			__asm__ volatile("" ::: "memory");
	}
	kprintf("guest: crash=%s: no fault happened\n", how);
}

void kmain(uint32_t magic, uint32_t info_addr)
{
	const struct multiboot_info *info = (const void *)(uint64_t)info_addr;
	uint64_t ram = 0;
	unsigned ok = 0, unsupported = 0, failed = 0;
	const char *failed_names[64];

	console_init();
	if (magic != MB_BOOT_MAGIC) {
		kprintf("guest: not started by a Multiboot loader (EAX=0x%x)\n", magic);
		info = 0;
	}
	if (info && (info->flags & MB_INFO_CMDLINE))
		cmdline_parse((const char *)(uint64_t)info->cmdline);
	if (info && (info->flags & MB_INFO_MEM))
		ram = (uint64_t)info->mem_upper * 1024 + 0x100000;
	sysret_enabled = (uint8_t)opt.sysret;
	cpu_init();
	pic_disable();
	host_detect();
	timer_init();
	smp_init();
	task_init();
	paging_init(ram);
	syscall_probe();

	kprintf("guest: ringbench guest kernel on %s (engine %s), %s \"%s\", "
		"TSC %lu kHz (%s), %s timer, %lu MiB RAM, returns to user mode with %s; "
		"from CPL3 SYSCALL %s, INT 0x80 %s; %u of %u CPUs (%s) online\n",
		host.kind, host.engine, host.vendor, host.brand, host.tsc_khz,
		host.tsc_source, timer_name(), ram >> 20, opt.sysret ? "SYSRET" : "IRETQ",
		entry_paths.syscall_ok ? "works" : "fails", entry_paths.int80_ok ? "works" : "fails",
		smp_ncpus, smp_described, smp_source);
	if (opt.crash)
		crash_test(opt.crash);
	if (opt.stress)
		smp_stress(opt.stress);
	if (opt.fpu)
		smp_fpu_check(opt.fpu);
	kprintf("RB1 hello version=1 host=%s engine=%s budget_ms=%u reps=%u warmup=%u "
		"tsc_khz=%lu vendor=%s cpus=%u\n", host.kind, host.engine, opt.budget_ms,
		opt.reps, opt.warmup, host.tsc_khz, host.vendor, smp_ncpus);

	struct mb_config cfg = {
		.budget_ms = opt.budget_ms, .reps = opt.reps, .warmup = opt.warmup,
		.tsc_khz = host.tsc_khz, .only = opt.only, .fail = opt.fail,
		.fixed_reps = opt.fixed_reps, .cpu = smp_cpu(),
	};
	for (unsigned g = 0; g < guest_group_count; g++) {
		const struct bench_group *grp = &guest_groups[g];
		for (unsigned i = 0; i < *grp->count; i++) {
			current_bench = grp->list[i]->name;
			if (mb_run_all(&cfg, &grp->list[i], 1, &ok, &unsupported) &&
			    failed < sizeof(failed_names) / sizeof(failed_names[0]))
				failed_names[failed++] = current_bench;
		}
	}
	current_bench = 0;
	if (failed) {
		kprintf("guest: %u benchmark(s) failed their self-check:", failed);
		for (unsigned i = 0; i < failed; i++)
			kprintf(" %s", failed_names[i]);
		kprintf("\n");
	}
	kprintf("RB1 done ok=%u failed=%u unsupported=%u\n", ok, failed, unsupported);
	debug_exit(failed ? EXIT_BENCH_FAILED : EXIT_OK);
}
