/* The hardware-assisted engine: the guest runs under the host's KVM
 * (VT-x, AMD-V, or PVM where the CPU has neither), trap-and-emulate done by
 * the CPU or KVM; user space sees only the exits KVM cannot handle. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "engines/core/vm.h"
#include "engines/kvm/kvm.h"

#define KVM_DEV "/dev/kvm"
#define NO_KVM_HINT " (the software engine interp needs no KVM)"

static bool kvm_probe(char *why, size_t len)
{
	char flavour[200];
	int fd = open(KVM_DEV, O_RDWR | O_CLOEXEC);

	if (fd < 0) {
		snprintf(why, len, "%s: %s%s", KVM_DEV,
			 errno == ENOENT ? "no such device" : strerror(errno), NO_KVM_HINT);
		return false;
	}
	if (ioctl(fd, KVM_GET_API_VERSION, 0) != KVM_API_VERSION) {
		snprintf(why, len, "%s: not KVM API version %d%s", KVM_DEV, KVM_API_VERSION, NO_KVM_HINT);
		close(fd);
		return false;
	}
	close(fd);
	kvm_detect_flavour(flavour, sizeof(flavour));
	snprintf(why, len, "%s", flavour);
	return true;
}

static void kvm_destroy(struct engine *e)
{
	struct kvm_engine *k = (struct kvm_engine *)e;

	if (!k)
		return;
	kvm_free_aps(k);
	if (k->run && k->run != MAP_FAILED)
		munmap(k->run, k->run_size);
	if (k->stats_fd >= 0) close(k->stats_fd);
	if (k->vcpu_fd >= 0) close(k->vcpu_fd);
	if (k->vm_fd >= 0) close(k->vm_fd);
	if (k->sys_fd >= 0) close(k->sys_fd);
	free(k);
}

#define FAIL(...) do { snprintf(err, len, __VA_ARGS__); kvm_destroy((struct engine *)k); return NULL; } while (0)

static struct engine *kvm_create(struct vm *vm, char *err, size_t len)
{
	struct kvm_engine *k = calloc(1, sizeof(*k));
	struct kvm_userspace_memory_region slot;
	struct kvm_pit_config pit = { .flags = KVM_PIT_SPEAKER_DUMMY };
	int mmap_size;

	if (!k) {
		snprintf(err, len, "out of memory");
		return NULL;
	}
	k->vm = vm;
	k->vm_fd = k->vcpu_fd = k->stats_fd = -1;
	k->sys_fd = open(KVM_DEV, O_RDWR | O_CLOEXEC);
	if (k->sys_fd < 0)
		FAIL("%s: %s%s", KVM_DEV, errno == ENOENT ? "no such device" : strerror(errno), NO_KVM_HINT);
	if (ioctl(k->sys_fd, KVM_GET_API_VERSION, 0) != KVM_API_VERSION)
		FAIL("%s: not KVM API version %d%s", KVM_DEV, KVM_API_VERSION, NO_KVM_HINT);
	k->vm_fd = ioctl(k->sys_fd, KVM_CREATE_VM, 0);
	if (k->vm_fd < 0)
		FAIL("KVM_CREATE_VM failed: %s%s", strerror(errno), NO_KVM_HINT);
	/* Intel needs a TSS area below 4 GiB; others ignore it. */
	ioctl(k->vm_fd, KVM_SET_TSS_ADDR, 0xfffbd000ul);
	if (ioctl(k->vm_fd, KVM_CREATE_IRQCHIP, 0) < 0)
		FAIL("KVM_CREATE_IRQCHIP failed: %s", strerror(errno));
	if (kvm_route_isa_irqs(k, err, len) < 0) {
		kvm_destroy((struct engine *)k);
		return NULL;
	}
	/* The guest calibrates its TSC against the PIT where CPUID does not say. */
	if (ioctl(k->vm_fd, KVM_CREATE_PIT2, &pit) < 0)
		FAIL("KVM_CREATE_PIT2 failed: %s", strerror(errno));
	slot = (struct kvm_userspace_memory_region){
		.slot = 0, .guest_phys_addr = 0, .memory_size = vm->ram_size,
		.userspace_addr = (uint64_t)(uintptr_t)vm->ram,
	};
	if (ioctl(k->vm_fd, KVM_SET_USER_MEMORY_REGION, &slot) < 0)
		FAIL("KVM_SET_USER_MEMORY_REGION failed: %s", strerror(errno));
	k->vcpu_fd = ioctl(k->vm_fd, KVM_CREATE_VCPU, 0);
	if (k->vcpu_fd < 0)
		FAIL("KVM_CREATE_VCPU failed: %s", strerror(errno));
	mmap_size = ioctl(k->sys_fd, KVM_GET_VCPU_MMAP_SIZE, 0);
	if (mmap_size <= 0)
		FAIL("KVM_GET_VCPU_MMAP_SIZE failed: %s", strerror(errno));
	k->run_size = (size_t)mmap_size;
	k->run = mmap(NULL, k->run_size, PROT_READ | PROT_WRITE, MAP_SHARED, k->vcpu_fd, 0);
	if (k->run == MAP_FAILED)
		FAIL("cannot map the vCPU run area: %s", strerror(errno));
	if (kvm_setup_cpuid(k, err, len) < 0) {
		kvm_destroy((struct engine *)k);
		return NULL;
	}
	if (kvm_add_aps(k, err, len) < 0) {
		kvm_destroy((struct engine *)k);
		return NULL;
	}
	kvm_stats_open(k);
	return (struct engine *)k;
}

/* Translate one KVM exit into the engine-independent form. */
static void kvm_translate_exit(struct kvm_run *r, int *pending_hc, struct vm_exit *x)
{
	switch (r->exit_reason) {
	case KVM_EXIT_IO:
		x->reason = VM_EXIT_IO;
		x->io.port = r->io.port;
		x->io.size = r->io.size;
		x->io.is_write = r->io.direction == KVM_EXIT_IO_OUT;
		x->io.count = r->io.count;
		x->io.data = (uint8_t *)r + r->io.data_offset;
		break;
	case KVM_EXIT_MMIO:
		x->reason = VM_EXIT_MMIO;
		x->mmio.gpa = r->mmio.phys_addr;
		x->mmio.size = (uint8_t)(r->mmio.len > 8 ? 8 : r->mmio.len);
		x->mmio.is_write = r->mmio.is_write;
		memcpy(x->mmio.data, r->mmio.data, 8);
		break;
	case KVM_EXIT_HLT:
		x->reason = VM_EXIT_HLT;
		break;
	case KVM_EXIT_HYPERCALL:
		x->reason = VM_EXIT_HYPERCALL;
		x->hypercall.nr = r->hypercall.nr;
		memcpy(x->hypercall.args, r->hypercall.args, sizeof(x->hypercall.args));
		*pending_hc = 1;
		break;
	case KVM_EXIT_SHUTDOWN:
		x->reason = VM_EXIT_SHUTDOWN;
		break;
	case KVM_EXIT_INTR:
		x->reason = VM_EXIT_INTERRUPTED;
		break;
	case KVM_EXIT_FAIL_ENTRY:
		x->reason = VM_EXIT_INTERNAL_ERROR;
		snprintf(x->error.msg, sizeof(x->error.msg), "VM entry failed (hardware reason 0x%llx)",
			 (unsigned long long)r->fail_entry.hardware_entry_failure_reason);
		break;
	case KVM_EXIT_INTERNAL_ERROR:
		x->reason = VM_EXIT_INTERNAL_ERROR;
		snprintf(x->error.msg, sizeof(x->error.msg), "KVM internal error, suberror %u%s",
			 r->internal.suberror,
			 r->internal.suberror == KVM_INTERNAL_ERROR_EMULATION ? " (instruction emulation failed)" : "");
		break;
	default:
		x->reason = VM_EXIT_INTERNAL_ERROR;
		snprintf(x->error.msg, sizeof(x->error.msg), "unexpected KVM exit reason %u", r->exit_reason);
		break;
	}
}

int kvm_run_on(struct kvm_engine *k, int fd, struct kvm_run *r, int *pending_hc, struct vm_exit *x)
{
	if (*pending_hc) {
		r->hypercall.ret = x->hypercall.ret;
		*pending_hc = 0;
	}
	/* MMIO read data goes back through the run area. */
	if (r->exit_reason == KVM_EXIT_MMIO && !r->mmio.is_write)
		memcpy(r->mmio.data, x->mmio.data, 8);
	memset(x, 0, sizeof(*x));
	if (k->vm->stop_requested) {
		x->reason = VM_EXIT_INTERRUPTED;
		return 0;
	}
	if (ioctl(fd, KVM_RUN, 0) < 0) {
		r->immediate_exit = 0;
		if (errno == EINTR || errno == EAGAIN) {
			x->reason = VM_EXIT_INTERRUPTED;
			return 0;
		}
		x->reason = VM_EXIT_INTERNAL_ERROR;
		snprintf(x->error.msg, sizeof(x->error.msg), "KVM_RUN failed: %s", strerror(errno));
		return -1;
	}
	kvm_translate_exit(r, pending_hc, x);
	return 0;
}

static int kvm_run_vcpu(struct engine *e, struct vm_exit *x)
{
	struct kvm_engine *k = (struct kvm_engine *)e;

	return kvm_run_on(k, k->vcpu_fd, k->run, &k->pending_hypercall, x);
}

/* Every vCPU leaves KVM_RUN soon (the threads' own signal interrupts a
 * vCPU already inside it: engines/core/vcpu_threads.c). */
static void kvm_kick(struct engine *e)
{
	struct kvm_engine *k = (struct kvm_engine *)e;

	k->run->immediate_exit = 1;
	for (unsigned i = 1; i <= k->n_aps; i++)
		if (k->ap[i].run)
			k->ap[i].run->immediate_exit = 1;
}


/* Exits that reached user space are the VM core's to count (one tally);
 * KVM's own statistics say how many it handled in the kernel. */
static void kvm_stats(struct engine *e, struct engine_stats *s)
{
	struct kvm_engine *k = (struct kvm_engine *)e;
	uint64_t user = 0, all = kvm_stat_value(k, "kvm.exits");

	for (unsigned r = 0; r < VM_EXIT_REASON_COUNT; r++)
		user += k->vm->exits[r].count;
	s->exits_in_kernel = all > user ? all - user : 0;
	s->emulated_insns = kvm_stat_value(k, "kvm.insn_emulation");
	s->interrupts = kvm_stat_value(k, "kvm.irq_injections");
}

static size_t kvm_counters(struct engine *e, struct engine_counter *out, size_t max)
{
	return kvm_stats_read((struct kvm_engine *)e, out, max);
}

const struct engine_ops kvm_engine_ops = {
	.name = "kvm",
	.summary = "hardware-assisted: the host's KVM (VT-x, AMD-V, or PVM) runs the guest",
	.probe = kvm_probe,
	.irqchip = ENGINE_IRQCHIP_KERNEL,
	.create = kvm_create,
	.destroy = kvm_destroy,
	.get_state = kvm_get_state,
	.set_state = kvm_set_state,
	.run = kvm_run_vcpu,
	.kick = kvm_kick,
	.set_irq = kvm_set_irq,
	.stats = kvm_stats,
	.counters = kvm_counters,
	.halted_forever = kvm_halted_forever,
	.run_vcpu = kvm_run_ap,
};
