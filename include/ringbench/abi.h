/* The guest/host interface of the ringbench platform (docs/platform.md),
 * written once: included by the VM core and engines (engines/) and by the
 * guest kernel and microbenchmarks (guests/, microbench/).  Plain C99 with
 * <stdint.h> types only, so the freestanding guest build can use it. */
#ifndef RINGBENCH_ABI_H
#define RINGBENCH_ABI_H

#include <stdint.h>

/* --- PC devices every engine offers --- */
#define RB_UART_COM1_PORT   0x3f8
#define RB_DEBUG_EXIT_PORT  0xf4            /* 32-bit write of v: exit status (v<<1)|1 */
#define RB_FW_CFG_PORT      0x510           /* selector; data at 0x511 */
#define RB_LAPIC_BASE       0xFEE00000ull
#define RB_IOAPIC_BASE      0xFEC00000ull

/* --- the ringbench device: ports RB_PORT_BASE .. + RB_PORT_LEN --- */
#define RB_PORT_BASE        0x600
#define RB_PORT_LEN         0x20
#define RB_PORT_MARK_BEGIN  (RB_PORT_BASE + 0x00)
#define RB_PORT_MARK_END    (RB_PORT_BASE + 0x04)
#define RB_MARK_PAUSED      0x80000000u     /* in a marker value: pause (END) / resume (BEGIN) */
#define RB_PORT_DOORBELL    (RB_PORT_BASE + 0x08)
#define RB_PORT_NULL        (RB_PORT_BASE + 0x0c)
#define RB_PORT_CNT_SELECT  (RB_PORT_BASE + 0x10)
#define RB_PORT_CNT_READ    (RB_PORT_BASE + 0x14)
#define RB_NULL_PAGE        0xFEB00000ull   /* one page: reads 0, counted */
#define RB_COUNTERS         8

/* Counters read through RB_PORT_CNT_SELECT/READ. */
enum { RB_CNT_NULL_PORT, RB_CNT_DOORBELL, RB_CNT_NULL_PAGE, RB_CNT_VMCALL };

/* A doorbell call: 8-byte aligned in guest RAM, its address written to
 * RB_PORT_DOORBELL; nr one of RB_HC_*. */
struct rb_hcall {
	uint64_t nr;
	uint64_t args[4];   /* PTE batch: args[0] = GPA of {gpa, value} pairs, args[1] = count */
	uint64_t ret;       /* 0, or (uint64_t)-1 on a bad call */
};
enum { RB_HC_NULL = 0, RB_HC_PTE_BATCH = 1 };

/* --- hypercalls by VMCALL/VMMCALL: KVM's numbering and error --- */
#define RB_KVM_HC_VAPIC_POLL_IRQ 1          /* the null call: returns 0 */
#define RB_KVM_ENOSYS_RET        ((uint64_t)-1000)

/* --- CPUID: leaf 0x40000000 "RingBenchVMM", leaf 0x40000001 features --- */
#define RB_CPUID_SIGNATURE  0x40000000u
#define RB_CPUID_FEATURES   0x40000001u
#define RB_CPUID_SIG_EBX    0x676e6952u     /* "Ring" */
#define RB_CPUID_SIG_ECX    0x636e6542u     /* "Benc" */
#define RB_CPUID_SIG_EDX    0x4d4d5668u     /* "hVMM" */
/* Leaf 0x40000001 EAX; EBX engine id, ECX port base, EDX null page >> 12. */
enum { RB_FEAT_DEVICE = 1, RB_FEAT_VMCALL = 2, RB_FEAT_DOORBELL = 4, RB_FEAT_PTE_BATCH = 8 };
enum { RB_ENGINE_ID_KVM = 1, RB_ENGINE_ID_INTERP = 2, RB_ENGINE_ID_BT = 3 };

/* --- KVM's paravirtual steal time and TLB flush (<asm/kvm_para.h>),
 * offered by every engine: KVM's CPUID leaves at RB_KVM_CPUID_BASE
 * ("KVMKVMKVM\0\0\0"; + 1: feature bits in EAX) --- */
#define RB_KVM_CPUID_BASE           0x40000100u
#define RB_KVM_FEATURE_STEAL_TIME   5
#define RB_KVM_FEATURE_PV_TLB_FLUSH 9
#define RB_MSR_KVM_STEAL_TIME       0x4b564d03u     /* GPA of the struct | 1 (enable) */
/* struct kvm_steal_time: 64 bytes, 64-byte aligned */
#define RB_STEAL_OFF_STEAL          0               /* u64 ns */
#define RB_STEAL_OFF_VERSION        8               /* u32, odd while the host writes */
#define RB_STEAL_OFF_PREEMPTED      16              /* u8 */
#define RB_KVM_VCPU_PREEMPTED       1u
#define RB_KVM_VCPU_FLUSH_TLB       2u

#endif
