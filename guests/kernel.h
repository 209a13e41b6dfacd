/* What the guest kernel's parts, and the benchmarks linked into it, share:
 * segment selectors, the address-space layout, the trap frame, the event
 * counters the self-checks read, and each part's entry points. */
#ifndef GUEST_KERNEL_H
#define GUEST_KERNEL_H

#include <stdint.h>

#include "guests/layout.h"
#include "include/ringbench/abi.h"  /* ports, CPUID leaves, counters, hypercalls */

/* --- trap frame: the order trap_common (vectors.S) pushes --- */
struct trapframe {
	uint64_t r15, r14, r13, r12, r11, r10, r9, r8;
	uint64_t rbp, rdi, rsi, rdx, rcx, rbx, rax;
	uint64_t vector, error;
	uint64_t rip, cs, rflags, rsp, ss;    /* as the CPU pushes them */
};

/* --- what happened, counted by the kernel for the self-checks --- */
struct kcounters {
	uint64_t faults[32];          /* exceptions resumed by a fixup */
	uint64_t syscalls, int80s, ud2calls, switches, demand_faults;
	uint64_t timer_irqs, ipis, spurious;
};
extern volatile struct kcounters kcnt;

/* --- the host, as CPUID shows it (host.c) --- */
struct host {
	const char *kind;             /* ringbench, kvm, tcg, other */
	const char *engine;           /* kvm, interp, bt, none */
	uint32_t features;            /* RB_FEAT_* (ringbench only) */
	int amd;                      /* VMMCALL rather than VMCALL */
	int has_lapic;
	uint64_t tsc_khz;
	const char *tsc_source;       /* cpuid, pit, assumed */
	char vendor[13], brand[49];
};
extern struct host host;
void host_detect(void);

/* --- the ringbench device (docs/platform.md; its ports, counters and
 * struct rb_hcall: include/ringbench/abi.h) --- */
uint32_t rb_counter(unsigned k);

/* --- console and exit (console.c) --- */
void console_init(void);
void kprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
__attribute__((noreturn)) void debug_exit(uint32_t code);
enum { EXIT_OK = 0, EXIT_BENCH_FAILED = 1, EXIT_FATAL = 3 };

/* --- command line (cmdline.c) --- */
struct options {
	const char *only, *fail;
	unsigned budget_ms, reps, warmup;
	int sysret;
	const char *crash;            /* test only: fault on purpose (main.c) */
	int fixed_reps;               /* no repetitions added for precision */
	unsigned stress;              /* stress=N: the SMP stress test first (smp_stress.c) */
	unsigned fpu;                 /* fpu=N: x87/SSE state per vCPU, N rounds (smp_fpu.c) */
	const char *tick_fault;       /* test only: timer_jitter's ticks doubled or dropped */
};
extern struct options opt;
void cmdline_parse(const char *line);

/* --- CPU tables (cpu.c) and traps (trap.c, vectors.S) --- */
void cpu_init(void);
void trap(struct trapframe *tf);
extern uint8_t sysret_enabled;
/* Exceptions a benchmark provokes on purpose: fault address -> resume
 * address pairs, emitted next to the instruction by FIXUP(). */
#define FIXUP(insn) "1:\n\t" insn "\n2:\n\t.pushsection .fixup,\"a\"\n\t.quad 1b, 2b\n\t.popsection\n\t"
extern const char *current_bench;
/* A system call made by UD2 (number in RAX): the entry that works on every
 * host, the fallback where SYSCALL or INT 0x80 do not (syscall_probe()). */
#define UD2_SYSCALL "1:\n\tud2\n\t.pushsection .ud2calls,\"a\"\n\t.quad 1b\n\t.popsection\n\t"

/* Which ways from CPL3 into the kernel work here (syscall.c). */
struct entry_paths {
	int syscall_ok, int80_ok;
	const char *syscall_why, *int80_why;
};
extern struct entry_paths entry_paths;
void syscall_probe(void);
int syscall_misdirected(struct trapframe *tf);

/* --- system calls (syscall.c) --- */
enum { SYS_NULL, SYS_RETURN, SYS_YIELD };
void syscall_dispatch(struct trapframe *tf);

/* --- user tasks (task.c, usermode.S) --- */
/* Run fn(arg) at CPL3 in task A; returns what fn returned. */
uint64_t user_call(uint64_t (*fn)(uint64_t), uint64_t arg);
__attribute__((noreturn)) void user_return(uint64_t value);
void task_init(void);
/* Make task B (the other address space) runnable at entry. */
void task_b_start(void (*entry)(void));
void task_yield(struct trapframe *tf);

/* --- paging (paging.c, pagetables.S) --- */
extern uint64_t pml4_a[512], pml4_b[512], pt_dz[DZ_PAGES], pt_kpte[512];
extern uint8_t dz_zero_page[4096], kpte_frames[2][4096];
void paging_init(uint64_t ram_bytes);
int demand_fault(uint64_t addr);
void demand_reset(uint64_t pages);

/* --- local APIC (lapic.c) --- */
#define VEC_TIMER    0x20
#define VEC_IPI      0x21
#define VEC_SYSCALL_INT 0x80
#define VEC_SYSCALL  0x100    /* pseudo vector: the SYSCALL instruction */
#define VEC_UD2CALL  0x101    /* pseudo vector: a UD2_SYSCALL */
#define VEC_SPURIOUS 0xff
#define VEC_PIC_BASE 0x30     /* the masked 8259s' 16 vectors (pic.c) */
void pic_disable(void);
void pic_unmask_irq0(void);
/* The one-shot timer: LAPIC, or the PIT without one (timer.c). */
void timer_init(void);
const char *timer_name(void);
void timer_oneshot(uint32_t ticks);
void timer_interrupt(void);
int lapic_init(void);
void lapic_eoi(void);
void lapic_timer_oneshot(uint32_t count);
void lapic_self_ipi(uint8_t vector);
void lapic_timer_periodic(uint8_t vector, uint32_t count);
void lapic_timer_restore(void);
uint32_t lapic_timer_current(void);
int lapic_irr_has(uint8_t vector);

/* --- freestanding library (lib.c) --- */
void *memset(void *d, int c, unsigned long n);
void *memcpy(void *d, const void *s, unsigned long n);
int strncmp(const char *a, const char *b, unsigned long n);

#endif
