/* `ringbench run`: boot one guest on one engine, forward its console, exit
 * with its debug-exit status (engines/core/status.h for ringbench's own). */
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "engines/core/console.h"
#include "engines/core/linux_guest.h"
#include "engines/core/loader.h"
#include "engines/core/loader_linux.h"
#include "engines/core/platform.h"
#include "engines/core/status.h"
#include "engines/core/vcpu.h"
#include "engines/core/vcpu_threads.h"
#include "engines/core/vm.h"
#include "harness/commands.h"
#include "harness/options.h"
#include "harness/hostinfo.h"
#include "harness/records.h"
#include "harness/self.h"

/* A guest that never ends (a loop, a HLT some engine cannot see through)
 * must not hold the caller forever: bench's own default per engine. */
#define RUN_DEFAULT_TIMEOUT_S 900
/* Debian's kernel decompresses into 64 MiB above 16 MiB, then wants room. */
#define RUN_LINUX_DEFAULT_MEM (256ull << 20)

struct run_opts {
	const char *engine, *kernel, *initrd;
	uint64_t mem;
	int mem_given;
	double timeout_s;
	int stats, records, lockstep;
	unsigned cpus, host_cpus;
	const char *show;
	struct mb_module mods[MB_MAX_MODULES];
	unsigned n_mods;
	char cmdline[4096];
};

static void run_usage(FILE *f)
{
	fprintf(f,
		"usage: ringbench run [--engine kvm|interp|bt] [--cpus N] [--host-cpus M] [--mem SIZE]\n"
		"                     [--timeout SECONDS] [--stats]\n"
		"                     [--records] [--module FILE[=STRING]]... [--lockstep]\n"
		"                     [--show-translation ADDR] [--initrd FILE] [KERNEL] [-- CMDLINE...]\n"
		"Boots a Multiboot kernel (default: the ringbench guest, build/guests/kernel.elf),\n"
		"forwards its serial output and exits with its debug-exit status (v<<1)|1;\n"
		"or a Linux bzImage with the 64-bit boot protocol (docs/linux.md).\n"
		"  --engine E     engine to run on (default kvm; see ringbench engines)\n"
		"  --cpus N       vCPUs, 1 to 8 (default 1; docs/platform.md, \"SMP\")\n"
		"  --host-cpus M  pin the VM's threads to M host CPUs (N > M overcommits)\n"
		"  --mem SIZE     guest RAM, e.g. 64M or 1G (default 64M, at most 3G)\n"
		"  --timeout S    stop a guest still running after S seconds (status 124;\n"
		"                 default %d; fractions allowed)\n"
		"  --stats        print exits by reason and engine counters at the end (stderr)\n"
		"  --records      print RBH1 host-counter lines at the guest's markers (docs/protocol.md)\n"
		"  --module F     load F as a Multiboot module, with an optional string\n"
		"  --initrd F     Linux only: the initramfs (default --mem then 256M)\n"
		"  --lockstep     bt only: run the interpreter beside the translator and stop at\n"
		"                 the first block after which their guest states differ\n"
		"  --show-translation ADDR\n"
		"                 bt only: print the guest block holding hex address ADDR, when\n"
		"                 first translated, beside the host code it became (stderr)\n"
		"Statuses: odd = the guest's; 2 usage or bad image, 4 engine unavailable,\n"
		"6 triple fault, 8 engine error, 10 halted forever, 12 sanitizer report (a ringbench\n"
		"bug, sanitized builds only), 124 timeout; Linux: 0 powered off, 14 rebooted,\n"
		"16 kernel panic, 18 ended cleanly but the kernel warned.\n", RUN_DEFAULT_TIMEOUT_S);
}

/* The guest kernel built beside this binary. */
static const char *default_kernel(void)
{
	static char path[PATH_MAX];
	char dir[PATH_MAX - 32];

	self_dir(dir, sizeof(dir));
	snprintf(path, sizeof(path), "%s/build/guests/kernel.elf", dir);
	return path;
}

static int parse_run_opts(int argc, char **argv, struct run_opts *o)
{
	static const struct option longopts[] = {
		{ "engine", required_argument, NULL, 'e' }, { "mem", required_argument, NULL, 'm' },
		{ "timeout", required_argument, NULL, 't' }, { "stats", no_argument, NULL, 's' },
		{ "records", no_argument, NULL, 'r' }, { "module", required_argument, NULL, 'M' },
		{ "lockstep", no_argument, NULL, 'L' }, { "show-translation", required_argument, NULL, 'S' },
		{ "initrd", required_argument, NULL, 'I' },
		{ "cpus", required_argument, NULL, 'c' }, { "host-cpus", required_argument, NULL, 'H' },
		{ "help", no_argument, NULL, 'h' }, { 0, 0, 0, 0 },
	};
	int c;
	char *end;
	unsigned long long n;

	memset(o, 0, sizeof(*o));
	o->engine = "kvm";
	o->mem = VM_DEFAULT_MEM;
	o->timeout_s = RUN_DEFAULT_TIMEOUT_S;
	o->cpus = 1;
	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, "+:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'e': o->engine = optarg; break;
		case 'm':
			if (opt_size("run", "--mem", optarg, &o->mem) < 0)
				return -1;
			o->mem_given = 1;
			break;
		case 'I': o->initrd = optarg; break;
		case 't':
			if (opt_seconds("run", "--timeout", optarg, &o->timeout_s) < 0)
				return -1;
			break;
		case 'c':
			if (opt_uint("run", "--cpus", optarg, 1, VM_MAX_CPUS, &n) < 0)
				return -1;
			o->cpus = (unsigned)n;
			break;
		case 'H':
			if (opt_uint("run", "--host-cpus", optarg, 1, 1024, &n) < 0)
				return -1;
			o->host_cpus = (unsigned)n;
			break;
		case 's': o->stats = 1; break;
		case 'r': o->records = 1; break;
		case 'L': o->lockstep = 1; break;
		case 'S': o->show = optarg; break;
		case 'M':
			if (o->n_mods == MB_MAX_MODULES) {
				fprintf(stderr, "ringbench run: at most %d modules\n", MB_MAX_MODULES);
				return -1;
			}
			o->mods[o->n_mods].path = optarg;
			if ((end = strchr(optarg, '='))) {
				*end = '\0';
				o->mods[o->n_mods].cmdline = end + 1;
			}
			o->n_mods++;
			break;
		case 'h': run_usage(stdout); exit(0);
		default:
			opt_complain("run", c, argv);
			return -1;
		}
	}
	if (optind < argc && strcmp(argv[optind - 1], "--") && strcmp(argv[optind], "--"))
		o->kernel = argv[optind++];
	if (optind < argc && !strcmp(argv[optind], "--"))
		optind++;
	else if (optind < argc && strcmp(argv[optind - 1], "--")) {
		fprintf(stderr, "ringbench run: unexpected argument '%s' (guest command line goes after --)\n",
			argv[optind]);
		return -1;
	}
	if (!o->kernel)
		o->kernel = default_kernel();
	/* The Multiboot command line starts with the kernel's name, as GRUB's does. */
	snprintf(o->cmdline, sizeof(o->cmdline), "%s", o->kernel);
	for (; optind < argc; optind++) {
		size_t n = strlen(o->cmdline);
		snprintf(o->cmdline + n, sizeof(o->cmdline) - n, " %s", argv[optind]);
	}
	return 0;
}

/* Like perf kvm stat: per exit reason, how many, their share, and the
 * host time the VM core spent on them (its dispatcher's own timing of one
 * exit in 16: the mean, and the mean times the count). */
static void print_stats(struct vm *vm)
{
	struct engine_counter c[128];
	size_t n = engine_counters_all(vm->ops, vm->engine, c, 128);
	uint64_t total = 0;
	const char *src;
	double ns_per_tick = 1e6 / hostinfo_tsc_khz(&src);

	for (unsigned r = 0; r < VM_EXIT_REASON_COUNT; r++)
		total += vm->exits[r].count;
	fprintf(stderr, "\n%-16s %12s %8s %14s %12s\n", "exit reason", "count", "share",
		"host time", "mean/exit");
	for (unsigned r = 0; r < VM_EXIT_REASON_COUNT; r++) {
		const struct vm_exit_stat *x = &vm->exits[r];
		if (!x->count)
			continue;
		double mean = x->timed ? x->timed_ticks * ns_per_tick / x->timed : 0;
		fprintf(stderr, "%-16s %12llu %7.2f%% %11.3f ms %9.0f ns\n", vm_exit_reason_name(r),
			(unsigned long long)x->count, 100.0 * x->count / total, mean * x->count / 1e6, mean);
	}
	fprintf(stderr, "%-16s %12llu  (exits reaching the VM core, every engine; for kvm, KVM's own\n"
		"%-16s %12s  statistics below count those it handled in the kernel too)\n",
		"total", (unsigned long long)total, "", "");
	fprintf(stderr, "%-28s %12llu\n%-28s %12llu\n", "pio.unclaimed.reads",
		(unsigned long long)vm->pio.unclaimed_reads, "pio.unclaimed.writes",
		(unsigned long long)vm->pio.unclaimed_writes);
	fprintf(stderr, "%-28s %12llu\n%-28s %12llu\n", "mmio.unclaimed.reads",
		(unsigned long long)vm->mmio.unclaimed_reads, "mmio.unclaimed.writes",
		(unsigned long long)vm->mmio.unclaimed_writes);
	fprintf(stderr, "\n%s engine counters\n", vm->ops->name);
	n += vcpu_sched_counters(vm, c + n, 128 - n);
	for (size_t i = 0; i < n; i++)
		if (c[i].value)
			fprintf(stderr, "%-40s %12llu\n", c[i].name, (unsigned long long)c[i].value);
}

int cmd_run(int argc, char **argv)
{
	struct run_opts o;
	struct console con;
	struct records rec;
	struct linux_guest *lg = NULL;
	struct vm *vm;
	char err[600];
	int status, is_linux;

	if (parse_run_opts(argc, argv, &o) < 0)
		return RB_STATUS_USAGE;
	is_linux = linux_file_is_bzimage(o.kernel);
	if (is_linux ? o.n_mods > 0 : o.initrd != NULL) {
		fprintf(stderr, "ringbench run: %s\n", is_linux ? "--module is for a Multiboot kernel; a Linux bzImage takes --initrd"
			: "--initrd is for a Linux bzImage; a Multiboot kernel takes --module");
		return RB_STATUS_USAGE;
	}
	if (is_linux && !o.mem_given)
		o.mem = RUN_LINUX_DEFAULT_MEM;
	const struct engine_ops *ops = engine_find(o.engine);
	if (!ops) {
		fprintf(stderr, "ringbench run: unknown engine '%s' (see ringbench engines)\n", o.engine);
		return RB_STATUS_USAGE;
	}
	console_init(&con, stdout, 0);
	struct mb_spec boot = { o.kernel, o.cmdline, o.mods, o.n_mods };
	/* Linux's command line is the arguments alone, Multiboot's starts with the name. */
	struct linux_spec lboot = { o.kernel, o.initrd,
				    o.cmdline + strlen(o.kernel) + strspn(o.cmdline + strlen(o.kernel), " ") };
	if (o.lockstep && o.cpus > 1) {
		fprintf(stderr, "ringbench run: --lockstep runs one vCPU (not --cpus %u)\n", o.cpus);
		console_free(&con);
		return RB_STATUS_USAGE;
	}
	struct vm_spec spec = { .mem = o.mem, .cpus = o.cpus, .console = &con, .ops = ops,
				.load = is_linux ? loader_linux : loader_multiboot,
				.load_ctx = is_linux ? (const void *)&lboot : &boot };
	vm = vm_assemble(&spec, &status, err, sizeof(err));
	if (!vm) {
		fprintf(stderr, "ringbench run: %s\n", err);
		console_free(&con);
		return status;
	}
	char why[sizeof(err)];
	memcpy(why, err, sizeof(why));              /* the probe's note */
	if ((o.lockstep || o.show) && !ops->option) {
		fprintf(stderr, "ringbench run: --%s needs --engine bt\n", o.lockstep ? "lockstep" : "show-translation");
		vm_destroy(vm);
		return RB_STATUS_USAGE;
	}
	if ((o.lockstep && ops->option(vm->engine, "lockstep", NULL, err, sizeof(err)) < 0) ||
	    (o.show && ops->option(vm->engine, "show-translation", o.show, err, sizeof(err)) < 0)) {
		fprintf(stderr, "ringbench run: %s\n", err);
		vm_destroy(vm);
		return RB_STATUS_USAGE;
	}
	if (is_linux && !(lg = linux_guest_attach(vm))) {
		fprintf(stderr, "ringbench run: out of memory\n");
		vm_destroy(vm);
		return RB_STATUS_ENGINE_ERROR;
	}
	if (o.host_cpus && vcpu_threads_pin(o.host_cpus, err, sizeof(err)) < 0) {
		fprintf(stderr, "ringbench run: %s\n", err);
		vm_destroy(vm);
		return RB_STATUS_USAGE;
	}
	if (o.records) {
		records_start(&rec, stdout, ops->name, why);
		vm->on_marker = records_on_marker;
		vm->marker_ctx = &rec;
	}
	status = vm_run(vm, o.timeout_s);
	if (o.records)
		records_stop(&rec);
	/* A guest's own debug-exit needs no comment; anything else does. */
	if (!(status & 1))
		fprintf(stderr, "ringbench run: %s\n", vm->finish_reason);
	if (lg)
		status = linux_guest_report(lg, status, stderr);
	if (o.stats)
		print_stats(vm);
	vm_destroy(vm);
	console_free(&con);
	return status;
}
