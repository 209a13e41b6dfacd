/* Paravirtual steal time for the multiplexed vCPUs (engines/core/
 * steal_time.c), held against Linux's own <asm/kvm_para.h> (the MSR, the
 * feature bits, struct kvm_steal_time's layout and flags): enabling by
 * the MSR (reserved bits and non-RAM addresses refused), the version
 * protocol (even after every update, two per update), steal growing by
 * the time a runnable vCPU was switched out and not by a halted one's,
 * never decreasing, the preempted flag while out, and a flush request
 * (KVM_VCPU_FLUSH_TLB) counted and cleared at the switch-in. */
#include <asm/kvm_para.h>
#include <stddef.h>
#include <string.h>
#include <time.h>

#include "engines/core/lapic.h"
#include "engines/core/steal_time.h"
#include "engines/core/vm.h"
#include "tests/check.h"

#define GPA0 0x10000ull
#define GPA1 0x10040ull

static struct vm *vm;

static void sleep_ms(unsigned ms)
{
	struct timespec ts = { 0, (long)ms * 1000000L };

	nanosleep(&ts, NULL);
}

static struct kvm_steal_time st(uint64_t gpa)
{
	struct kvm_steal_time s;

	vm_read(vm, gpa, &s, sizeof(s));
	return s;
}

static uint64_t counter(const char *name)
{
	struct engine_counter c[8];
	size_t n = steal_time_counters(vm, c, 8);

	for (size_t i = 0; i < n; i++)
		if (!strcmp(c[i].name, name))
			return c[i].value;
	return ~0ull;
}

int main(void)
{
	char err[200];
	uint32_t r[4];
	uint64_t v = 0, before;
	struct kvm_steal_time s;

	CHECK(RB_MSR_KVM_STEAL_TIME == MSR_KVM_STEAL_TIME && RB_KVM_FEATURE_STEAL_TIME == KVM_FEATURE_STEAL_TIME &&
	      RB_KVM_FEATURE_PV_TLB_FLUSH == KVM_FEATURE_PV_TLB_FLUSH && RB_KVM_VCPU_PREEMPTED == KVM_VCPU_PREEMPTED &&
	      RB_KVM_VCPU_FLUSH_TLB == KVM_VCPU_FLUSH_TLB && KVM_CPUID_SIGNATURE == 0x40000000,
	      "abi.h's MSR, feature bits and preempted flags are <asm/kvm_para.h>'s");
	CHECK(sizeof(struct kvm_steal_time) == 64 && offsetof(struct kvm_steal_time, steal) == RB_STEAL_OFF_STEAL &&
	      offsetof(struct kvm_steal_time, version) == RB_STEAL_OFF_VERSION &&
	      offsetof(struct kvm_steal_time, preempted) == RB_STEAL_OFF_PREEMPTED,
	      "struct kvm_steal_time: 64 bytes; steal, version, preempted at abi.h's offsets");
	CHECK(steal_time_cpuid(RB_KVM_CPUID_BASE, r) && r[0] == RB_KVM_CPUID_BASE + 1 &&
	      !memcmp(&r[1], "KVMKVMKVM\0\0\0", 12), "leaf 0x40000100: KVMKVMKVM, max leaf 0x40000101");
	CHECK(steal_time_cpuid(RB_KVM_CPUID_BASE + 1, r) &&
	      r[0] == (1u << KVM_FEATURE_STEAL_TIME | 1u << KVM_FEATURE_PV_TLB_FLUSH),
	      "leaf 0x40000101: STEAL_TIME and PV_TLB_FLUSH, nothing else (%#x)", r[0]);
	CHECK(!steal_time_cpuid(RB_KVM_CPUID_BASE + 2, r), "no leaf RB_KVM_CPUID_BASE + 2");

	vm = vm_create(VM_DEFAULT_MEM, NULL, err, sizeof(err));
	CHECK(vm && vm_set_cpus(vm, 2, err, sizeof(err)) == 0 && lapic_create(vm), "a VM with 2 vCPUs");
	if (!vm)
		CHECK_EXIT();
	vm->cur_cpu = 0;
	CHECK(!steal_time_wrmsr(vm, RB_MSR_KVM_STEAL_TIME, GPA0 | 2), "reserved bit 1: #GP");
	CHECK(!steal_time_wrmsr(vm, RB_MSR_KVM_STEAL_TIME, (vm->ram_size + 4096) | 1), "a struct outside RAM: #GP");
	CHECK(!steal_time_wrmsr(vm, 0x4b564d04, GPA0 | 1), "another MSR is not steal time's");
	vm_fill(vm, GPA0, 0xaa, 128);
	CHECK(steal_time_wrmsr(vm, RB_MSR_KVM_STEAL_TIME, GPA0 | 1) && steal_time_rdmsr(vm, RB_MSR_KVM_STEAL_TIME, &v) &&
	      v == (GPA0 | 1), "vCPU 0 enables at %#llx; RDMSR reads it back", GPA0);
	s = st(GPA0);
	CHECK(s.version == 2 && s.steal == 0 && s.preempted == 0, "published at once: version 2, steal 0, not preempted");
	vm->cur_cpu = 1;
	CHECK(steal_time_wrmsr(vm, RB_MSR_KVM_STEAL_TIME, GPA1 | 1), "vCPU 1 enables its own");
	steal_time_switch_out(vm, 1, false);
	CHECK(st(GPA1).preempted == KVM_VCPU_PREEMPTED, "a halted vCPU out of the thread is marked preempted too");
	sleep_ms(20);
	steal_time_switch_in(vm, 1);
	s = st(GPA1);
	CHECK(s.steal < 5000000ull && s.version == 4, "halted and out 20 ms: idle, not steal (%llu ns: only the host's run delay in its few-microsecond turn)",
	      (unsigned long long)s.steal);

	steal_time_switch_out(vm, 0, true);
	CHECK(st(GPA0).preempted == KVM_VCPU_PREEMPTED, "switched out: vCPU 0 preempted");
	sleep_ms(30);
	steal_time_switch_in(vm, 0);
	s = st(GPA0);
	CHECK(s.steal >= 30000000ull && s.version == 4 && s.preempted == 0,
	      "runnable and out 30 ms: steal %llu ns >= 30 ms, version 4, preempted cleared",
	      (unsigned long long)s.steal);
	before = s.steal;


	steal_time_switch_out(vm, 0, true);
	vm_fill(vm, GPA0 + RB_STEAL_OFF_PREEMPTED, KVM_VCPU_PREEMPTED | KVM_VCPU_FLUSH_TLB, 1);
	steal_time_switch_in(vm, 0);
	s = st(GPA0);
	CHECK(counter("steal.pv_tlb_flushes") == 1 && s.preempted == 0,
	      "a flush request set while out: counted at the switch-in, flags cleared");
	CHECK(s.steal >= before && !(s.version & 1), "steal never decreases, version even");
	CHECK(counter("steal.us") >= 30000 && counter("steal.run_delay_us") != ~0ull,
	      "counters: steal.us %llu (>= 30000), steal.run_delay_us present",
	      (unsigned long long)counter("steal.us"));

	vm->cur_cpu = 0;
	CHECK(steal_time_wrmsr(vm, RB_MSR_KVM_STEAL_TIME, 0) && steal_time_rdmsr(vm, RB_MSR_KVM_STEAL_TIME, &v) && v == 0,
	      "disabled by writing 0");
	before = st(GPA0).version;
	steal_time_switch_out(vm, 0, true);
	steal_time_switch_in(vm, 0);
	CHECK(st(GPA0).version == before, "a disabled vCPU's struct is left alone");
	vm_destroy(vm);
	CHECK_EXIT();
}
