/* Kernel entry from a user task: null SYSCALL and INT 0x80, exception round
 * trips (#DE, #UD: the handler skips the instruction and resumes),
 * demand-zero page faults, PTE update + INVLPG (Adams and Agesen's
 * "ptemod", in the kernel), and a context switch between two tasks with a
 * CR3 switch.  The kernel counts each event; the checks compare. */
#include "guests/kernel.h"
#include "guests/x86.h"
#include "microbench/bench.h"

static uint64_t count0;      /* the counter the running benchmark checks */

/* --- null system call by SYSCALL / by INT 0x80 --- */
static int syscall_start(char *why)
{
	if (!entry_paths.syscall_ok) {
		mb_strlcpy(why, entry_paths.syscall_why, WHY_LEN);
		return 1;
	}
	count0 = kcnt.syscalls;
	return 0;
}

static int int80_start(char *why)
{
	if (!entry_paths.int80_ok) {
		mb_strlcpy(why, entry_paths.int80_why, WHY_LEN);
		return 1;
	}
	count0 = kcnt.int80s;
	return 0;
}

static UCODE uint64_t syscall_body(uint64_t n)
{
	return TIMED_LOOP(n, {
		uint64_t r = SYS_NULL;
		__asm__ volatile("syscall" : "+a"(r) :: "rcx", "r11", "memory");
	});
}

static UCODE uint64_t int80_body(uint64_t n)
{
	return TIMED_LOOP(n, {
		uint64_t r = SYS_NULL;
		__asm__ volatile("int $0x80" : "+a"(r) :: "memory");
	});
}

static int syscall_check(uint64_t expected, char *why)
{
	return mb_count_check(why, "system calls counted", kcnt.syscalls - count0, expected);
}

static int int80_check(uint64_t expected, char *why)
{
	return mb_count_check(why, "INT 0x80 calls counted", kcnt.int80s - count0, expected);
}

/* --- exception round trips: the fixup table resumes after the instruction --- */
static int de_start(char *why) { (void)why; count0 = kcnt.faults[0]; return 0; }
static int ud_start(char *why) { (void)why; count0 = kcnt.faults[6]; return 0; }

static UCODE uint64_t exc_de_body(uint64_t n)
{
	return TIMED_LOOP(n, {
		uint32_t a = 1, d = 0;
		__asm__ volatile(FIXUP("divl %2") : "+a"(a), "+d"(d) : "r"(0u));
	});
}

static UCODE uint64_t exc_ud_body(uint64_t n)
{
	return TIMED_LOOP(n, __asm__ volatile(FIXUP("ud2")));
}

static int exc_de_check(uint64_t expected, char *why)
{
	return mb_count_check(why, "#DE faults counted", kcnt.faults[0] - count0, expected);
}

static int exc_ud_check(uint64_t expected, char *why)
{
	return mb_count_check(why, "#UD faults counted", kcnt.faults[6] - count0, expected);
}

/* --- demand-zero page fault: first read of each page of a fresh region --- */
static UDATA uint64_t dz_nonzero;

static int pagefault_start(char *why) { (void)why; count0 = kcnt.demand_faults; return 0; }

static UCODE uint64_t pagefault_body(uint64_t n)
{
	uint64_t sum = 0;
	const volatile uint8_t *p = (const volatile uint8_t *)DZ_BASE;
	uint64_t c = TIMED_LOOP(n, sum += p[i_ * 4096]);

	dz_nonzero += sum;
	return c;
}

static void pagefault_after(uint64_t n)
{
	demand_reset(n);
}

static int pagefault_check(uint64_t expected, char *why)
{
	if (dz_nonzero) {
		mb_strlcpy(why, "demand-zero pages did not read as zero", WHY_LEN);
		return CHECK_FAIL;
	}
	return mb_count_check(why, "demand-zero faults", kcnt.demand_faults - count0, expected);
}

/* --- ptemod: rewrite a PTE, INVLPG, read through the new mapping --- */
static uint64_t ptemod_done, ptemod_wrong;

static uint64_t ptemod_body(uint64_t n)
{
	volatile uint64_t *pte = &pt_kpte[0];
	const volatile uint8_t *va = (const volatile uint8_t *)KPTE_BASE;
	uint64_t frame[2] = {
		(uint64_t)kpte_frames[0] | PTE_P | PTE_W,
		(uint64_t)kpte_frames[1] | PTE_P | PTE_W,
	};
	uint64_t wrong = 0, t = 0;
	uint64_t c = TIMED_LOOP(n, {
		t ^= 1;
		*pte = frame[t];
		invlpg(va);
		wrong += *va != t;        /* frame 1 holds 1, frame 0 holds 0 */
	});

	ptemod_done += n;
	ptemod_wrong += wrong;
	return c;
}

static int ptemod_check(uint64_t expected, char *why)
{
	if (ptemod_wrong) {
		mb_strlcpy(why, "a read after INVLPG saw the old mapping", WHY_LEN);
		return CHECK_FAIL;
	}
	return mb_count_check(why, "PTE updates", ptemod_done, expected);
}

/* --- context switch: task A and task B (own CR3 each) yield in turn,
 * entering the kernel by SYSCALL, or where that fails by INT 0x80 or
 * UD2 (the end line's note says which). --- */
enum { VIA_SYSCALL, VIA_INT80, VIA_UD2 };
static UDATA uint64_t ctx_wrong, yield_via;
static const char *const via_note[] = { "entry=syscall", "entry=int80", "entry=ud2" };

static UCODE void yield(void)
{
	uint64_t r = SYS_YIELD;

	if (yield_via == VIA_SYSCALL)
		__asm__ volatile("syscall" : "+a"(r) :: "rcx", "r11", "memory");
	else if (yield_via == VIA_INT80)
		__asm__ volatile("int $0x80" : "+a"(r) :: "memory");
	else
		__asm__ volatile(UD2_SYSCALL : "+a"(r) :: "memory");
}

static UCODE void ctx_task_b(void)
{
	for (;;) {
		if (*(const volatile char *)USER_PRIV != 'B')
			ctx_wrong++;
		yield();
	}
}

static int ctxswitch_start(char *why)
{
	(void)why;
	yield_via = entry_paths.syscall_ok ? VIA_SYSCALL : entry_paths.int80_ok ? VIA_INT80 : VIA_UD2;
	task_b_start(ctx_task_b);
	count0 = kcnt.switches;
	return 0;
}

static UCODE uint64_t ctxswitch_body(uint64_t n)
{
	uint64_t wrong = 0;
	uint64_t c = TIMED_LOOP(n, {
		yield();
		wrong += *(const volatile char *)USER_PRIV != 'A';
	});

	ctx_wrong += wrong;
	return c;
}

static int ctxswitch_check(uint64_t expected, char *why)
{
	if (ctx_wrong) {
		mb_strlcpy(why, "a task saw the other task's private page", WHY_LEN);
		return CHECK_FAIL;
	}
	/* One iteration is a round trip: two switches. */
	int s = mb_count_check(why, "switches/2", (kcnt.switches - count0) / 2, expected);
	if (s == CHECK_OK)
		mb_strlcpy(why, via_note[yield_via], WHY_LEN);
	return s;
}

#define ENTRY(n, cls, r, ...) { .name = n, .group = "entry", .class = cls, .ring = r, __VA_ARGS__ }

static const struct bench syscall_b = ENTRY("syscall", "unprivileged", 3,
	.start = syscall_start, .body = syscall_body, .check = syscall_check);
static const struct bench int80_b = ENTRY("int80", "unprivileged", 3,
	.start = int80_start, .body = int80_body, .check = int80_check);
static const struct bench exc_de_b = ENTRY("exc_de", "unprivileged", 3,
	.start = de_start, .body = exc_de_body, .check = exc_de_check);
static const struct bench exc_ud_b = ENTRY("exc_ud", "unprivileged", 3,
	.start = ud_start, .body = exc_ud_body, .check = exc_ud_check);
static const struct bench pagefault_b = ENTRY("pagefault", "unprivileged", 3,
	.max_iters = DZ_PAGES, .start = pagefault_start, .body = pagefault_body,
	.after_run = pagefault_after, .check = pagefault_check);
static const struct bench ptemod_b = ENTRY("ptemod", "privileged", 0,
	.body = ptemod_body, .check = ptemod_check);
static const struct bench ctxswitch_b = ENTRY("ctxswitch", "control-sensitive", 3,
	.start = ctxswitch_start, .body = ctxswitch_body, .check = ctxswitch_check);

const struct bench *const entry_benches[] = {
	&syscall_b, &int80_b, &exc_de_b, &exc_ud_b, &pagefault_b, &ptemod_b, &ctxswitch_b,
};
const unsigned entry_count = sizeof(entry_benches) / sizeof(entry_benches[0]);
