/* Privileged and sensitive instructions, executed by the kernel (CPL0),
 * and the sensitive-but-unprivileged ones again at CPL3, where classic
 * trap-and-emulate cannot see them (Popek and Goldberg; Robin and Irvine).
 * Each check verifies the instruction's effect or result. */
#include "guests/kernel.h"
#include "guests/x86.h"
#include "microbench/bench.h"

#define MSR_KERNEL_GS_BASE 0xC0000102   /* present in every 64-bit CPU, unused here */
#define HLT_TIMER_TICKS 1000            /* ~1 us at the usual 1 GHz APIC clock */

extern uint64_t gdt[];
static uint64_t wrong, done, count0;

static int reset_start(char *why)
{
	(void)why;
	wrong = done = 0;
	return 0;
}

static int wrong_check(uint64_t expected, char *why)
{
	if (wrong) {
		mb_strlcpy(why, "the instruction returned an unexpected value", WHY_LEN);
		return CHECK_FAIL;
	}
	return mb_count_check(why, "iterations", done, expected);
}

/* --- the empty loop again, in the kernel: what to subtract from ring-0
 * results on hosts that emulate CPL0 code (docs/guest.md) --- */
static uint64_t loop_k_body(uint64_t n)
{
	uint64_t c = TIMED_LOOP(n, );

	done += n;
	return c;
}

/* --- CPUID leaf 0: the vendor string must come back every time --- */
static uint64_t cpuid_body(uint64_t n)
{
	uint32_t r[4], ebx0;
	uint64_t bad = 0, c;

	cpuid(0, 0, r);
	ebx0 = r[1];
	c = TIMED_LOOP(n, { cpuid(0, 0, r); bad += r[1] != ebx0; });
	wrong += bad;
	done += n;
	return c;
}

/* --- RDMSR / WRMSR of IA32_KERNEL_GS_BASE --- */
static uint64_t rdmsr_body(uint64_t n)
{
	uint64_t bad = 0, c;

	wrmsr(MSR_KERNEL_GS_BASE, 0x1234000);
	c = TIMED_LOOP(n, bad += rdmsr(MSR_KERNEL_GS_BASE) != 0x1234000);
	wrong += bad;
	done += n;
	return c;
}

static uint64_t wrmsr_body(uint64_t n)
{
	uint64_t c = TIMED_LOOP(n, wrmsr(MSR_KERNEL_GS_BASE, i_ << 12));

	wrong += rdmsr(MSR_KERNEL_GS_BASE) != (n - 1) << 12;
	done += n;
	return c;
}

/* --- MOV to CR3 (same value: a full non-global TLB flush) --- */
static uint64_t mov_cr3_body(uint64_t n)
{
	uint64_t cr3 = read_cr3();
	uint64_t c = TIMED_LOOP(n, write_cr3(cr3));

	wrong += read_cr3() != cr3;
	done += n;
	return c;
}

/* --- MOV to CR8 (task priority), alternating 1 and 0 --- */
static uint64_t mov_cr8_body(uint64_t n)
{
	uint64_t c = TIMED_LOOP(n, write_cr8(i_ & 1));

	wrong += read_cr8() != ((n - 1) & 1);
	write_cr8(0);
	done += n;
	return c;
}

/* --- CLI; STI --- */
static uint64_t cli_sti_body(uint64_t n)
{
	uint64_t c = TIMED_LOOP(n, __asm__ volatile("cli; sti" ::: "memory"));

	wrong += !(read_rflags() & RFLAGS_IF);
	cli();
	done += n;
	return c;
}

/* --- PUSHF; POPF --- */
static uint64_t pushf_popf_body(uint64_t n)
{
	uint64_t f = read_rflags();
	uint64_t c = TIMED_LOOP(n, __asm__ volatile("pushfq; popfq" ::: "memory", "cc"));

	wrong += (read_rflags() ^ f) & 0x47700;   /* system flags only */
	done += n;
	return c;
}

/* --- SGDT, SIDT, SMSW in the kernel: must show the guest's own values --- */
static uint64_t sgdt_body(uint64_t n)
{
	struct desc_ptr d;
	uint64_t c = TIMED_LOOP(n, sgdt(&d));

	wrong += d.base != (uint64_t)gdt;
	done += n;
	return c;
}

static uint64_t sidt_body(uint64_t n)
{
	struct desc_ptr d, want;
	uint64_t c;

	sidt(&want);
	c = TIMED_LOOP(n, sidt(&d));
	wrong += d.base != want.base || d.limit != 0xfff;
	done += n;
	return c;
}

static uint64_t smsw_body(uint64_t n)
{
	uint64_t v = 0, c = TIMED_LOOP(n, v = smsw());

	wrong += (v & 0xffff) != (read_cr0() & 0xffff);
	done += n;
	return c;
}

/* --- INVLPG of a mapped kernel page --- */
static uint64_t invlpg_body(uint64_t n)
{
	uint64_t c = TIMED_LOOP(n, invlpg((const void *)KPTE_BASE));

	done += n;
	return c;
}

/* --- RDTSC (unserialised, as code normally uses it): must advance --- */
static uint64_t rdtsc_body(uint64_t n)
{
	int advanced;
	uint64_t c = mb_rdtsc_loop(n, &advanced);

	wrong += !advanced;
	done += n;
	return c;
}

/* --- MOV to DR7 (all breakpoints disabled) --- */
static uint64_t mov_dr7_body(uint64_t n)
{
	uint64_t c = TIMED_LOOP(n, write_dr7(0x400));

	wrong += (read_dr7() & 0xff) != 0;
	done += n;
	return c;
}

/* --- HLT, woken by a one-shot timer each time (LAPIC, else PIT) --- */
static int hlt_start(char *why)
{
	(void)why;
	count0 = kcnt.timer_irqs;
	return 0;
}

static uint64_t hlt_body(uint64_t n)
{
	return TIMED_LOOP(n, {
		timer_oneshot(HLT_TIMER_TICKS);
		sti_hlt();
		cli();
	});
}

static int hlt_check(uint64_t expected, char *why)
{
	return mb_count_check(why, "timer wake-ups", kcnt.timer_irqs - count0, expected);
}

/* --- the sensitive unprivileged ones at CPL3.  A host enforcing UMIP
 * turns SGDT/SIDT/SMSW into #GP: resumed by the fixup, counted, and the
 * benchmark reports unsupported.  Otherwise the note says whether CPL3
 * sees the guest's values (as on real hardware) or the host's. --- */
static UDATA struct desc_ptr user_dt;
static UDATA uint64_t user_msw, user_done;

static int user_start(char *why)
{
	(void)why;
	count0 = kcnt.faults[13];
	user_done = 0;
	return 0;
}

static UCODE uint64_t sgdt_user_body(uint64_t n)
{
	struct desc_ptr d = { 0, 0 };
	uint64_t c = TIMED_LOOP(n, __asm__ volatile(FIXUP("sgdt %0") : "=m"(d)));

	user_dt = d;
	user_done += n;
	return c;
}

static UCODE uint64_t sidt_user_body(uint64_t n)
{
	struct desc_ptr d = { 0, 0 };
	uint64_t c = TIMED_LOOP(n, __asm__ volatile(FIXUP("sidt %0") : "=m"(d)));

	user_dt = d;
	user_done += n;
	return c;
}

static UCODE uint64_t smsw_user_body(uint64_t n)
{
	uint64_t v = 0, c = TIMED_LOOP(n, __asm__ volatile(FIXUP("smsw %0") : "+r"(v)));

	user_msw = v;
	user_done += n;
	return c;
}

static UCODE uint64_t pushf_popf_user_body(uint64_t n)
{
	uint64_t c = TIMED_LOOP(n, __asm__ volatile("pushfq; popfq" ::: "memory", "cc"));

	user_done += n;
	return c;
}

static int pushf_popf_user_check(uint64_t expected, char *why)
{
	return mb_count_check(why, "iterations", user_done, expected);
}

static int umip_check(uint64_t expected, char *why)
{
	if (kcnt.faults[13] != count0) {
		mb_strlcpy(why, "#GP at CPL3: the host enforces UMIP", WHY_LEN);
		return CHECK_UNSUPPORTED;
	}
	return mb_count_check(why, "iterations", user_done, expected);
}

static int dt_user_check(uint64_t expected, uint64_t guest_base, char *why)
{
	int s = umip_check(expected, why);

	if (s == CHECK_OK)
		mb_strlcpy(why, user_dt.base == guest_base ? "sees=guest" : "sees=host", WHY_LEN);
	return s;
}

static int sgdt_user_check(uint64_t expected, char *why)
{
	return dt_user_check(expected, (uint64_t)gdt, why);
}

static int sidt_user_check(uint64_t expected, char *why)
{
	struct desc_ptr d;

	sidt(&d);
	return dt_user_check(expected, d.base, why);
}

static int smsw_user_check(uint64_t expected, char *why)
{
	int s = umip_check(expected, why);

	if (s == CHECK_OK)
		mb_strlcpy(why, (user_msw & 0xffff) == (read_cr0() & 0xffff) ?
			   "sees=guest" : "sees=host", WHY_LEN);
	return s;
}

#define PRIV(n, cls, b) { .name = n, .group = "priv", .class = cls, .ring = 0, \
			  .start = reset_start, .body = b, .check = wrong_check }
#define USER(n, b, c) { .name = n, .group = "priv", .class = "sensitive-unprivileged", \
			.ring = 3, .start = user_start, .body = b, .check = c }

static const struct bench loop_k_b = { .name = "loop_k", .group = "baseline",
	.class = "unprivileged", .ring = 0, .start = reset_start, .body = loop_k_body,
	.check = wrong_check };
static const struct bench cpuid_b = PRIV("cpuid", "behaviour-sensitive", cpuid_body);
static const struct bench rdmsr_b = PRIV("rdmsr", "privileged", rdmsr_body);
static const struct bench wrmsr_b = PRIV("wrmsr", "control-sensitive", wrmsr_body);
static const struct bench mov_cr3_b = PRIV("mov_cr3", "control-sensitive", mov_cr3_body);
static const struct bench mov_cr8_b = PRIV("mov_cr8", "control-sensitive", mov_cr8_body);
static const struct bench cli_sti_b = PRIV("cli_sti", "control-sensitive", cli_sti_body);
static const struct bench pushf_popf_b = PRIV("pushf_popf", "behaviour-sensitive", pushf_popf_body);
static const struct bench sgdt_b = PRIV("sgdt", "behaviour-sensitive", sgdt_body);
static const struct bench sidt_b = PRIV("sidt", "behaviour-sensitive", sidt_body);
static const struct bench smsw_b = PRIV("smsw", "behaviour-sensitive", smsw_body);
static const struct bench invlpg_b = PRIV("invlpg", "privileged", invlpg_body);
static const struct bench rdtsc_b = PRIV("rdtsc", "behaviour-sensitive", rdtsc_body);
static const struct bench mov_dr7_b = PRIV("mov_dr7", "privileged", mov_dr7_body);
static const struct bench hlt_b = { .name = "hlt", .group = "priv", .class = "privileged",
	.ring = 0, .start = hlt_start, .body = hlt_body, .check = hlt_check };
static const struct bench sgdt_user_b = USER("sgdt_user", sgdt_user_body, sgdt_user_check);
static const struct bench sidt_user_b = USER("sidt_user", sidt_user_body, sidt_user_check);
static const struct bench smsw_user_b = USER("smsw_user", smsw_user_body, smsw_user_check);
static const struct bench pushf_popf_user_b = USER("pushf_popf_user", pushf_popf_user_body,
						   pushf_popf_user_check);

const struct bench *const priv_benches[] = {
	&loop_k_b, &cpuid_b, &rdmsr_b, &wrmsr_b, &mov_cr3_b, &mov_cr8_b, &cli_sti_b, &pushf_popf_b,
	&sgdt_b, &sidt_b, &smsw_b, &invlpg_b, &rdtsc_b, &mov_dr7_b, &hlt_b,
	&sgdt_user_b, &sidt_user_b, &smsw_user_b, &pushf_popf_user_b,
};
const unsigned priv_count = sizeof(priv_benches) / sizeof(priv_benches[0]);
