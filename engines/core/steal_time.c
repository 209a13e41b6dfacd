/* Paravirtual steal time for the multiplexed vCPUs (steal_time.h). */
#include "engines/core/steal_time.h"

#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "engines/core/vm.h"

#define ST_SIZE 64
#define MSR_RESERVED 0x3eull            /* bits 1-5; bit 0 enables */

struct steal_time {
	uint64_t msr[VM_MAX_CPUS];
	uint64_t steal_ns[VM_MAX_CPUS];
	uint64_t out_ns[VM_MAX_CPUS];   /* when it left the host thread */
	uint64_t delay_in[VM_MAX_CPUS]; /* the thread's run delay when it came back */
	uint32_t version[VM_MAX_CPUS];
	bool runnable_out[VM_MAX_CPUS];
	int schedstat_fd;               /* the running thread's, -1: none */
	uint64_t run_delay_ns, pv_flushes;
};

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* Field 2 of a schedstat file: time spent waiting on a run queue, ns (0
 * without schedstat). */
static uint64_t schedstat_run_delay(int fd)
{
	char buf[96];
	ssize_t n;
	uint64_t run, wait;

	if (fd < 0)
		return 0;
	n = pread(fd, buf, sizeof(buf) - 1, 0);
	if (n <= 0)
		return 0;
	buf[n] = 0;
	if (sscanf(buf, "%" SCNu64 " %" SCNu64, &run, &wait) != 2)
		return 0;
	return wait;
}

static uint64_t run_delay(struct steal_time *t)
{
	return schedstat_run_delay(t->schedstat_fd);
}

uint64_t host_thread_run_delay_ns(void)
{
	int fd = open("/proc/thread-self/schedstat", O_RDONLY | O_CLOEXEC);
	uint64_t d = schedstat_run_delay(fd);

	if (fd >= 0)
		close(fd);
	return d;
}

int steal_time_cpuid(uint32_t leaf, uint32_t out[4])
{
	switch (leaf) {
	case RB_KVM_CPUID_BASE:
		out[0] = RB_KVM_CPUID_BASE + 1;
		memcpy(&out[1], "KVMKVMKVM\0\0\0", 12);
		return 1;
	case RB_KVM_CPUID_BASE + 1:
		out[0] = 1u << RB_KVM_FEATURE_STEAL_TIME | 1u << RB_KVM_FEATURE_PV_TLB_FLUSH;
		out[1] = out[2] = out[3] = 0;
		return 1;
	default:
		return 0;
	}
}

static struct steal_time *state(struct vm *vm)
{
	if (!vm->steal) {
		vm->steal = calloc(1, sizeof(*vm->steal));
		if (!vm->steal)
			return NULL;
		vm_own(vm, vm->steal);
		vm->steal->schedstat_fd = open("/proc/thread-self/schedstat", O_RDONLY | O_CLOEXEC);
	}
	return vm->steal;
}

/* The guest's copy: version odd while steal changes (KVM's protocol). */
static void publish(struct vm *vm, struct steal_time *t, unsigned i)
{
	uint64_t gpa = t->msr[i] & ~63ull;
	uint32_t v = ++t->version[i];

	vm_write(vm, gpa + RB_STEAL_OFF_VERSION, &v, 4);
	vm_write(vm, gpa + RB_STEAL_OFF_STEAL, &t->steal_ns[i], 8);
	v = ++t->version[i];
	vm_write(vm, gpa + RB_STEAL_OFF_VERSION, &v, 4);
}

bool steal_time_rdmsr(struct vm *vm, uint32_t msr, uint64_t *v)
{
	if (msr != RB_MSR_KVM_STEAL_TIME)
		return false;
	*v = vm->steal ? vm->steal->msr[vm->cur_cpu] : 0;
	return true;
}

bool steal_time_wrmsr(struct vm *vm, uint32_t msr, uint64_t v)
{
	struct steal_time *t;
	unsigned i = vm->cur_cpu;
	uint8_t zero = 0;

	if (msr != RB_MSR_KVM_STEAL_TIME || (v & MSR_RESERVED) || !(t = state(vm)))
		return false;
	if ((v & 1) && !vm_gpa(vm, v & ~63ull, ST_SIZE))
		return false;
	t->msr[i] = v;
	if (!(v & 1))
		return true;
	t->delay_in[i] = run_delay(t);
	t->version[i] &= ~1u;
	publish(vm, t, i);
	vm_write(vm, (v & ~63ull) + RB_STEAL_OFF_PREEMPTED, &zero, 1);
	return true;
}

void steal_time_switch_out(struct vm *vm, unsigned i, bool runnable)
{
	struct steal_time *t = vm->steal;
	uint8_t flag = RB_KVM_VCPU_PREEMPTED;
	uint64_t d;

	if (!t || !(t->msr[i] & 1))
		return;
	d = run_delay(t) - t->delay_in[i];
	t->steal_ns[i] += d;
	t->run_delay_ns += d;
	t->out_ns[i] = now_ns();
	t->runnable_out[i] = runnable;
	vm_write(vm, (t->msr[i] & ~63ull) + RB_STEAL_OFF_PREEMPTED, &flag, 1);
}

void steal_time_switch_in(struct vm *vm, unsigned i)
{
	struct steal_time *t = vm->steal;
	uint64_t gpa;
	uint8_t flags = 0, zero = 0;

	if (!t || !(t->msr[i] & 1))
		return;
	gpa = t->msr[i] & ~63ull;
	if (t->runnable_out[i])
		t->steal_ns[i] += now_ns() - t->out_ns[i];
	t->runnable_out[i] = false;
	t->delay_in[i] = run_delay(t);
	/* The engine's set_state has just emptied the TLB: a requested
	 * flush is done; count it and clear the flags, as KVM does. */
	if (vm_read(vm, gpa + RB_STEAL_OFF_PREEMPTED, &flags, 1) == 0 && (flags & RB_KVM_VCPU_FLUSH_TLB))
		t->pv_flushes++;
	vm_write(vm, gpa + RB_STEAL_OFF_PREEMPTED, &zero, 1);
	publish(vm, t, i);
}

size_t steal_time_counters(struct vm *vm, struct engine_counter *out, size_t max)
{
	struct steal_time *t = vm->steal;
	uint64_t all = 0;
	size_t n = 0;

	if (!t)
		return 0;
	for (unsigned i = 0; i < VM_MAX_CPUS; i++)
		all += t->steal_ns[i];
	engine_counter_put(out, max, &n, "steal.us", all / 1000);
	engine_counter_put(out, max, &n, "steal.run_delay_us", t->run_delay_ns / 1000);
	engine_counter_put(out, max, &n, "steal.pv_tlb_flushes", t->pv_flushes);
	return n;
}
