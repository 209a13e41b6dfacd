/* KVM's paravirtual CPU-sharing services, as every engine offers them
 * (group smp, beside smp.c; docs/platform.md, "Steal time"): found by
 * KVM's CPUID signature "KVMKVMKVM" at any 0x40000x00 base.
 *   steal_time        every vCPU registers its struct kvm_steal_time
 *                     (RB_MSR_KVM_STEAL_TIME) and stays busy for a window of
 *                     STEAL_WINDOW_US, noting every gap of more than
 *                     STEAL_GAP_US between two TSC reads (time it did not
 *                     run); one op is one window.  The end line gives the
 *                     steal share of the window, all vCPUs' mean and each
 *                     vCPU's, and the gaps' share, in thousandths; and all
 *                     vCPUs' steal in the windows, us (steal_us=).
 *   tlb_shootdown_pv  tlb_shootdown with RB_KVM_FEATURE_PV_TLB_FLUSH: a vCPU
 *                     whose steal-time struct says it is preempted gets
 *                     RB_KVM_VCPU_FLUSH_TLB set there instead of an IPI (the
 *                     host flushes its TLB before it runs again); a running
 *                     one still gets the IPI.  The others spin reading the
 *                     page; one op ends when every IPI'd vCPU acknowledged
 *                     its INVLPG and every vCPU read the new frame.
 *                     The end line adds ipi_milli=, IPIs per 1000 flushes.
 * Checks: steal never decreases, every read of it was consistent (even
 * version, unchanged around it), the host wrote it, and per vCPU
 * |steal - gaps| is within STEAL_TOL_MILLI of the window plus
 * STEAL_TOL_US; every vCPU saw every new mapping, and every IPI was
 * acknowledged. */
#include "guests/kernel.h"
#include "guests/smp.h"
#include "guests/x86.h"
#include "microbench/lat_hist.h"
#include "microbench/smp_bench.h"

#define MAX_POLLS 10000000

/* <asm/kvm_para.h>; the offsets are abi.h's RB_STEAL_OFF_* */
struct kvm_steal_time {
	uint64_t steal;
	uint32_t version, flags;
	uint8_t preempted, pad8[3];
	uint32_t pad[11];
};

static struct kvm_steal_time st_area[SMP_MAX] __attribute__((aligned(64)));

/* KVM's feature bits (leaf base + 1, EAX), 0 without KVM's leaves. */
static uint32_t kvm_features(void)
{
	uint32_t r[4];

	cpuid(1, 0, r);
	if (!(r[2] & (1u << 31)))
		return 0;
	for (uint32_t base = 0x40000000u; base < 0x40010000u; base += 0x100) {
		cpuid(base, 0, r);
		if (r[1] == 0x4b4d564bu && r[2] == 0x564b4d56u && r[3] == 0x4du && r[0] >= base + 1) {
			cpuid(base + 1, 0, r);
			return r[0];
		}
	}
	return 0;
}

static void st_enable(unsigned cpu, uint64_t on)
{
	wrmsr(RB_MSR_KVM_STEAL_TIME, on ? (uint64_t)&st_area[cpu] | 1 : 0);
}

/* Register (on) or drop every CPU's steal-time struct. */
static int st_all(uint64_t on, char *why)
{
	smp_post(st_enable, on);
	st_enable(0, on);
	if (smp_wait(1000) < 0) {
		mb_strlcpy(why, "an AP did not write RB_MSR_KVM_STEAL_TIME", WHY_LEN);
		return 1;
	}
	return 0;
}

static int need_pv(uint32_t features, char *why)
{
	uint32_t f = kvm_features();

	if (smp_need_two(why))
		return 1;
	if ((f & features) != features) {
		mb_strlcpy(why, f ? "KVM's CPUID leaves lack the feature" :
			   "no KVM paravirtual CPUID leaves (KVMKVMKVM)", WHY_LEN);
		return 1;
	}
	return 0;
}

/* --- steal time --- */
#define STEAL_WINDOW_US 20000
#define STEAL_GAP_US 3
#define STEAL_SYNC_US 50000
#define STEAL_TOL_MILLI 100
#define STEAL_TOL_US 2000

static volatile uint64_t sw_start, sw_end;
static volatile uint64_t sw_wall[SMP_MAX], sw_gap[SMP_MAX], sw_steal[SMP_MAX];
static volatile uint64_t sw_backwards, sw_retries;
static uint64_t sw_gap_min;                     /* TSC cycles */

/* A gap is more than STEAL_GAP_US and more than 8 of the busy loop's
 * quickest rounds here (an engine that emulates kernel code, as PVM's
 * KVM does, takes microseconds per round). */
static void steal_gap_calibrate(void)
{
	uint64_t best = ~0ull, prev = smp_rdtsc(), t;
	volatile uint32_t *ver = &st_area[0].version;

	for (int i = 0; i < 256; i++) {
		(void)*ver;
		t = smp_rdtsc();
		if (t - prev < best)
			best = t - prev;
		prev = t;
	}
	sw_gap_min = smp_tsc_us(STEAL_GAP_US);
	if (8 * best > sw_gap_min)
		sw_gap_min = 8 * best;
}
static uint64_t sw_ops;

/* KVM's protocol: version odd while the host writes; retry until an even
 * version is the same before and after the read. */
static uint64_t steal_read(unsigned cpu)
{
	volatile struct kvm_steal_time *st = &st_area[cpu];

	for (;;) {
		uint32_t v0 = st->version;
		__asm__ volatile("" ::: "memory");
		uint64_t s = st->steal;
		__asm__ volatile("" ::: "memory");
		if (!(v0 & 1) && st->version == v0)
			return s;
		__atomic_add_fetch(&sw_retries, 1, __ATOMIC_RELAXED);
	}
}

/* Busy until the TSC reaches end or, with sync, the host writes this
 * CPU's struct (its version changes): adding to *gap every stretch of
 * more than STEAL_GAP_US between two TSC reads.  The version is read
 * before the TSC, so the stretch a switch makes is seen before the loop
 * can end on the version the switch changed. */
static void busy(unsigned cpu, uint64_t end, int sync, uint64_t *prev, uint64_t *gap)
{
	volatile uint32_t *ver = &st_area[cpu].version;
	uint32_t v = *ver, now_v;
	uint64_t t, gap_min = sw_gap_min;

	do {
		now_v = *ver;
		t = smp_rdtsc();
		if (t - *prev > gap_min)
			*gap += t - *prev;
		*prev = t;
	} while (t < end && (!sync || now_v == v));
}

/* Steal and the TSC read together: retried while a switch came between. */
static uint64_t steal_at(unsigned cpu, uint64_t *before, uint64_t *after)
{
	uint64_t s;
	unsigned tries = 0;

	do {
		*before = smp_rdtsc();
		s = steal_read(cpu);
		*after = smp_rdtsc();
	} while (*after - *before > sw_gap_min && ++tries < 64);
	return s;
}

/* The window runs from one host write of the struct to another, so that
 * the steal it reads covers exactly the time it watched: the host
 * publishes steal when it gives the vCPU the CPU back (KVM at vCPU load,
 * the multiplexer at a switch). */
static void steal_window(unsigned cpu, uint64_t arg)
{
	uint64_t s0, s1, t0, t1, before, prev, gap = 0, sync = smp_tsc_us(STEAL_SYNC_US);

	(void)arg;
	while (smp_rdtsc() < sw_start)
		__asm__ volatile("" ::: "memory");
	prev = smp_rdtsc();
	busy(cpu, prev + sync, 1, &prev, &gap);
	s0 = steal_at(cpu, &before, &t0);
	prev = t0;
	gap = 0;
	busy(cpu, sw_end, 0, &prev, &gap);
	busy(cpu, prev + sync, 1, &prev, &gap);
	s1 = steal_at(cpu, &before, &t1);
	if (before - prev > sw_gap_min)
		gap += before - prev;
	if (s1 < s0)
		__atomic_add_fetch(&sw_backwards, 1, __ATOMIC_RELAXED);
	else
		sw_steal[cpu] += (s1 - s0) * (host.tsc_khz ? host.tsc_khz : 1000000) / 1000000;
	sw_wall[cpu] += t1 - t0;
	sw_gap[cpu] += gap;
}

static int steal_start(char *why)
{
	if (need_pv(1u << RB_KVM_FEATURE_STEAL_TIME, why))
		return 1;
	for (unsigned k = 0; k < SMP_MAX; k++)
		sw_wall[k] = sw_gap[k] = sw_steal[k] = 0;
	sw_backwards = sw_retries = sw_ops = 0;
	steal_gap_calibrate();
	return st_all(1, why);
}

static uint64_t steal_body(uint64_t n)
{
	uint64_t c;

	sti();
	c = TIMED_LOOP(n, smp_window(steal_window, STEAL_WINDOW_US, &sw_start, &sw_end));
	cli();
	sw_ops += n;
	return c;
}

static int steal_check(uint64_t expected, char *why)
{
	char buf[WHY_LEN], list[64];
	unsigned p = 0, l = 0, written = 1;
	uint64_t sum_milli = 0, gap_milli = 0, steal_all = 0;

	if (st_all(0, why))
		return CHECK_FAIL;
	for (unsigned k = 0; k < smp_ncpus; k++)
		written &= st_area[k].version != 0;
	if (!written) {
		mb_strlcpy(why, "RB_MSR_KVM_STEAL_TIME accepted, but the host never wrote the struct", WHY_LEN);
		return CHECK_UNSUPPORTED;
	}
	if (sw_backwards) {
		mb_strlcpy(why, "steal time went backwards", WHY_LEN);
		return CHECK_FAIL;
	}
	if (sw_ops != expected)
		return mb_count_check(why, "windows", sw_ops, expected);
	for (unsigned k = 0; k < smp_ncpus; k++) {
		uint64_t wall = sw_wall[k] ? sw_wall[k] : 1, st = sw_steal[k], gp = sw_gap[k];
		uint64_t diff = st > gp ? st - gp : gp - st;
		uint64_t tol = wall * STEAL_TOL_MILLI / 1000 + smp_tsc_us(STEAL_TOL_US) * sw_ops;
		if (diff > tol) {
			unsigned q = 0;
			note_u64(buf, sizeof(buf), &q, "steal and gaps differ beyond tolerance: cpu", k);
			note_u64(buf, sizeof(buf), &q, "steal_us", st * 1000 / (host.tsc_khz ? host.tsc_khz : 1000000));
			note_u64(buf, sizeof(buf), &q, "gap_us", gp * 1000 / (host.tsc_khz ? host.tsc_khz : 1000000));
			mb_strlcpy(why, buf, WHY_LEN);
			return CHECK_FAIL;
		}
		uint64_t m = st * 1000 / wall;
		sum_milli += m;
		steal_all += st;
		gap_milli += gp * 1000 / wall;
		/* "a/b/c": every vCPU's share */
		char d[8];
		int nd = 0;
		if (k && l < sizeof(list) - 1)
			list[l++] = '/';
		do
			d[nd++] = (char)('0' + m % 10);
		while ((m /= 10) && nd < 7);
		while (nd && l < sizeof(list) - 1)
			list[l++] = d[--nd];
	}
	list[l] = 0;
	note_u64(buf, sizeof(buf), &p, "steal_milli", sum_milli / smp_ncpus);
	note_u64(buf, sizeof(buf), &p, "gap_milli", gap_milli / smp_ncpus);
	note_u64(buf, sizeof(buf), &p, "steal_us", steal_all * 1000 / (host.tsc_khz ? host.tsc_khz : 1000000));
	for (const char *s = " vcpu_steal_milli="; *s && p < sizeof(buf) - 1; s++)
		buf[p++] = *s;
	for (unsigned i = 0; list[i] && p < sizeof(buf) - 1; i++)
		buf[p++] = list[i];
	buf[p] = 0;
	mb_strlcpy(why, buf, WHY_LEN);
	return CHECK_OK;
}

const struct bench steal_b = { .name = "steal_time", .group = "smp",
	.class = "unprivileged", .ring = 0, .start = steal_start, .body = steal_body,
	.check = steal_check };

/* --- TLB shootdown, paravirtual --- */
static volatile uint8_t pv_seen[SMP_MAX];
static volatile int pv_stop;
static uint64_t pv_ops, pv_ipis, pv_targets, pv_stale, pv_acks0;
static uint8_t pv_now;

static void ap_watch(unsigned cpu, uint64_t arg)
{
	(void)arg;
	invlpg((const void *)KPTE_BASE);
	while (!pv_stop) {
		pv_seen[cpu] = *(const volatile uint8_t *)KPTE_BASE;
		__asm__ volatile("pause");
	}
}

static uint64_t pv_frame(unsigned t)
{
	return (uint64_t)kpte_frames[t] | PTE_P | PTE_W;
}

static int tlb_pv_start(char *why)
{
	if (need_pv(1u << RB_KVM_FEATURE_STEAL_TIME | 1u << RB_KVM_FEATURE_PV_TLB_FLUSH, why))
		return 1;
	if (st_all(1, why))
		return 1;
	pv_ops = pv_ipis = pv_targets = pv_stale = 0;
	pv_now = 0;
	pt_kpte[0] = pv_frame(0);
	invlpg((const void *)KPTE_BASE);
	for (unsigned k = 0; k < SMP_MAX; k++)
		pv_seen[k] = 0xff;
	smp_flush_addr = KPTE_BASE;
	pv_acks0 = smp_flush_acks;
	pv_stop = 0;
	smp_post(ap_watch, 0);
	return 0;
}

/* Flush vCPU k's TLB: by the preempted flag, else by IPI. */
static void flush_other(unsigned k)
{
	uint8_t *pre = (uint8_t *)&st_area[k].preempted;
	uint8_t was = __atomic_load_n(pre, __ATOMIC_SEQ_CST);

	pv_targets++;
	if ((was & RB_KVM_VCPU_PREEMPTED) &&
	    __atomic_compare_exchange_n(pre, &was, (uint8_t)(was | RB_KVM_VCPU_FLUSH_TLB), 0,
					__ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST))
		return;
	pv_ipis++;
	smp_send_ipi(smp_apic_id[k], ICR_FIXED | VEC_SMP_FLUSH);
}

static uint64_t tlb_pv_body(uint64_t n)
{
	uint64_t c;
	unsigned t = pv_now;

	sti();
	c = TIMED_LOOP(n, {
		uint64_t t0 = tsc_begin(), acks = smp_flush_acks, ipis = pv_ipis;
		t ^= 1;
		pt_kpte[0] = pv_frame(t);
		invlpg((const void *)KPTE_BASE);
		for (unsigned k = 1; k < smp_ncpus; k++)
			flush_other(k);
		/* the IPI'd CPUs' INVLPGs, as tlb_shootdown waits for them */
		for (unsigned p = 0; smp_flush_acks - acks < pv_ipis - ipis && p < MAX_POLLS; p++)
			__asm__ volatile("pause");
		for (unsigned k = 1; k < smp_ncpus; k++) {
			unsigned p = 0;
			while (pv_seen[k] != t && p++ < MAX_POLLS)
				__asm__ volatile("pause");
			pv_stale += pv_seen[k] != t;
		}
		lat_add(tsc_end() - t0);
	});
	cli();
	pv_now = (uint8_t)t;
	pv_ops += n;
	return c;
}

static int tlb_pv_check(uint64_t expected, char *why)
{
	char buf[WHY_LEN];
	unsigned p = 0;
	uint64_t acks;

	pv_stop = 1;
	if (smp_wait(1000) < 0) {
		mb_strlcpy(why, "an AP did not leave its watch loop", WHY_LEN);
		return CHECK_FAIL;
	}
	if (st_all(0, why))
		return CHECK_FAIL;
	acks = smp_flush_acks - pv_acks0;
	if (pv_stale) {
		mb_strlcpy(why, "a vCPU kept reading the old mapping after the flush", WHY_LEN);
		return CHECK_FAIL;
	}
	if (acks != pv_ipis)
		return mb_count_check(why, "IPI acknowledgements", acks, pv_ipis);
	if (pv_ops != expected)
		return mb_count_check(why, "shootdowns", pv_ops, expected);
	lat_note(buf);
	while (buf[p])
		p++;
	note_u64(buf, sizeof(buf), &p, "ipi_milli", pv_targets ? pv_ipis * 1000 / pv_targets : 0);
	mb_strlcpy(why, buf, WHY_LEN);
	return CHECK_OK;
}

const struct bench tlb_pv_b = { .name = "tlb_shootdown_pv", .group = "smp",
	.class = "interrupt", .ring = 0, .start = tlb_pv_start, .body = tlb_pv_body,
	.check = tlb_pv_check };
