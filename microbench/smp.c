/* CPU sharing (group smp): what it costs one vCPU to reach another.
 *   ipi_pingpong   IPI to a vCPU that is running (spinning, interrupts on)
 *                  and its answer: a round trip.
 *   ipi_wake       the same to a vCPU halted in HLT: the wake-up latency.
 *   tlb_shootdown  rewrite a PTE every vCPU may cache, INVLPG here, IPI the
 *                  others and wait until each has done its INVLPG and read
 *                  the new mapping.
 *   token_ring     a token passed round every vCPU through one shared word,
 *                  each waiting its turn in a PAUSE loop: one round per op.
 *   fairness       every vCPU counts as fast as it can until one shared TSC
 *                  deadline, FAIR_WINDOW_US after the start: one window per
 *                  op.  The end line gives Jain's fairness index over the
 *                  vCPUs' counts (1: equal shares; 1/N: one vCPU got all)
 *                  and the smallest share, in thousandths of the mean.
 * All ring 0, timed on the BSP; each checks that every operation
 * happened (the answers, acknowledgements and hand-offs counted), and
 * needs at least two CPUs online.  The IPI benchmarks add the per-operation
 * latency distribution to their end line (p50, p99, p99.9 in TSC cycles,
 * from a histogram of 1/8-octave buckets: within 9 %). */
#include "guests/kernel.h"
#include "guests/smp.h"
#include "guests/x86.h"
#include "microbench/bench.h"
#include "microbench/lat_hist.h"
#include "microbench/smp_bench.h"

/* A lost IPI must not hang the guest: give up after this many polls and
 * let the check report the shortfall. */
#define MAX_POLLS 10000000

static uint64_t done0, ops_run;
static volatile int stop;

int smp_need_two(char *why)
{
	if (smp_ncpus < 2) {
		mb_strlcpy(why, "needs >= 2 CPUs (run with --cpus N, or QEMU -smp N)", WHY_LEN);
		return 1;
	}
	lat_reset();
	ops_run = 0;
	return 0;
}

uint64_t smp_tsc_us(uint64_t us)
{
	return us * (host.tsc_khz ? host.tsc_khz : 1000000) / 1000;
}

void smp_window(void (*fn)(unsigned cpu, uint64_t arg), unsigned window_us,
		volatile uint64_t *start, volatile uint64_t *end)
{
	*start = smp_rdtsc() + smp_tsc_us(window_us) / 10;
	*end = *start + smp_tsc_us(window_us);
	smp_post(fn, 0);
	fn(0, 0);
	smp_wait(1000 + window_us / 1000);
}

static inline void wait_change(const volatile uint64_t *counter, uint64_t before)
{
	for (unsigned p = 0; *counter == before && p < MAX_POLLS; p++)
		__asm__ volatile("pause");
}

/* --- IPI round trips --- */
static void ap_spin(unsigned cpu, uint64_t arg)
{
	(void)cpu;
	(void)arg;
	sti();
	while (!stop)
		__asm__ volatile("pause");
}

static int pingpong_start(char *why)
{
	if (smp_need_two(why))
		return 1;
	done0 = smp_pongs;
	stop = 0;
	smp_post(ap_spin, 0);
	return 0;
}

static int wake_start(char *why)
{
	if (smp_need_two(why))
		return 1;
	done0 = smp_pongs;
	return 0;
}

static uint64_t ipi_body(uint64_t n)
{
	uint64_t c;

	sti();
	c = TIMED_LOOP(n, {
		uint64_t before = smp_pongs, t = tsc_begin();
		smp_send_ipi(smp_apic_id[1], ICR_FIXED | VEC_SMP_PING);
		wait_change(&smp_pongs, before);
		lat_add(tsc_end() - t);
	});
	cli();
	ops_run += n;
	return c;
}

static int ipi_check(uint64_t expected, char *why)
{
	uint64_t got = smp_pongs - done0;

	if (got != ops_run)
		return mb_count_check(why, "IPI answers", got, ops_run);
	if (ops_run != expected)
		return mb_count_check(why, "IPI round trips", ops_run, expected);
	lat_note(why);
	return CHECK_OK;
}

static int pingpong_check(uint64_t expected, char *why)
{
	stop = 1;
	if (smp_wait(1000) < 0) {
		mb_strlcpy(why, "an AP did not leave its spin loop", WHY_LEN);
		return CHECK_FAIL;
	}
	return ipi_check(expected, why);
}

/* --- TLB shootdown by IPI --- */
static volatile uint8_t flush_expect;
static volatile uint64_t flush_wrong;

static int tlb_start(char *why)
{
	if (smp_need_two(why))
		return 1;
	done0 = smp_flush_acks;
	flush_wrong = 0;
	smp_flush_addr = KPTE_BASE;
	return 0;
}

/* Each AP's INVLPG happens in its VEC_SMP_FLUSH handler (smp.c); the
 * wait reads through the new mapping on every AP afterwards, in the
 * handler's caller: here, the check job. */
static void ap_read_mapping(unsigned cpu, uint64_t arg)
{
	(void)cpu;
	(void)arg;
	if (*(const volatile uint8_t *)KPTE_BASE != flush_expect)
		__atomic_add_fetch(&flush_wrong, 1, __ATOMIC_SEQ_CST);
}

static uint64_t tlb_body(uint64_t n)
{
	volatile uint64_t *pte = &pt_kpte[0];
	const volatile uint8_t *va = (const volatile uint8_t *)KPTE_BASE;
	uint64_t frame[2] = {
		(uint64_t)kpte_frames[0] | PTE_P | PTE_W,
		(uint64_t)kpte_frames[1] | PTE_P | PTE_W,
	};
	uint64_t others = smp_ncpus - 1, c, t = flush_expect;

	sti();
	c = TIMED_LOOP(n, {
		uint64_t acks = smp_flush_acks, t0 = tsc_begin();
		t ^= 1;
		*pte = frame[t];
		invlpg(va);
		smp_send_ipi(0, ICR_ALL_BUT_SELF | ICR_FIXED | VEC_SMP_FLUSH);
		for (unsigned p = 0; smp_flush_acks - acks < others && p < MAX_POLLS; p++)
			__asm__ volatile("pause");
		lat_add(tsc_end() - t0);
	});
	cli();
	flush_expect = (uint8_t)t;
	ops_run += n;
	return c;
}

static int tlb_check(uint64_t expected, char *why)
{
	uint64_t others = smp_ncpus - 1, got = smp_flush_acks - done0;

	smp_post(ap_read_mapping, 0);
	if (smp_wait(1000) < 0) {
		mb_strlcpy(why, "an AP did not run the read-back", WHY_LEN);
		return CHECK_FAIL;
	}
	if (flush_wrong) {
		mb_strlcpy(why, "an AP read the old mapping after its INVLPG", WHY_LEN);
		return CHECK_FAIL;
	}
	if (got != ops_run * others)
		return mb_count_check(why, "INVLPG acknowledgements", got, ops_run * others);
	if (ops_run != expected)
		return mb_count_check(why, "shootdowns", ops_run, expected);
	lat_note(why);
	return CHECK_OK;
}

/* --- token ring --- */
static volatile uint64_t token;
static uint64_t token0;

static void ap_ring(unsigned cpu, uint64_t arg)
{
	uint64_t n = smp_ncpus;

	(void)arg;
	for (;;) {
		while (token % n != cpu && !stop)
			__asm__ volatile("pause");
		if (stop)
			return;
		token = token + 1;
	}
}

static int ring_start(char *why)
{
	if (smp_need_two(why))
		return 1;
	stop = 0;
	token = 0;
	token0 = 0;
	smp_post(ap_ring, 0);
	return 0;
}

static uint64_t ring_body(uint64_t n)
{
	uint64_t ncpu = smp_ncpus, c;

	c = TIMED_LOOP(n, {
		for (unsigned p = 0; token % ncpu != 0 && p < MAX_POLLS; p++)
			__asm__ volatile("pause");
		token = token + 1;
	});
	/* The round just begun ends with the token back here. */
	for (unsigned p = 0; token % ncpu != 0 && p < MAX_POLLS; p++)
		__asm__ volatile("pause");
	ops_run += n;
	return c;
}

static int ring_check(uint64_t expected, char *why)
{
	uint64_t want = ops_run * smp_ncpus;

	stop = 1;
	if (smp_wait(1000) < 0) {
		mb_strlcpy(why, "an AP did not leave the ring", WHY_LEN);
		return CHECK_FAIL;
	}
	if (token - token0 != want)
		return mb_count_check(why, "token hand-offs", token - token0, want);
	return mb_count_check(why, "rounds", ops_run, expected);
}

/* --- fairness --- */
#define FAIR_WINDOW_US 10000
static volatile uint64_t fair_start, fair_end, fair_count[SMP_MAX];
static uint64_t fair_total[SMP_MAX];

/* Count until the window ends; start counting only once it has begun. */
static void fair_spin(unsigned cpu, uint64_t arg)
{
	uint64_t n = 0, t;

	(void)arg;
	while ((t = smp_rdtsc()) < fair_start)
		__asm__ volatile("" ::: "memory");
	while (smp_rdtsc() < fair_end)
		n++;
	fair_count[cpu] = n;
	(void)t;
}

static int fair_start_b(char *why)
{
	if (smp_need_two(why))
		return 1;
	for (unsigned k = 0; k < SMP_MAX; k++)
		fair_total[k] = 0;
	return 0;
}

static uint64_t fair_body(uint64_t n)
{
	uint64_t c;

	sti();
	c = TIMED_LOOP(n, {
		smp_window(fair_spin, FAIR_WINDOW_US, &fair_start, &fair_end);
		for (unsigned k = 0; k < smp_ncpus; k++)
			fair_total[k] += fair_count[k];
	});
	cli();
	ops_run += n;
	return c;
}

/* Jain's index (sum x)^2 / (n sum x^2), in thousandths, and the smallest
 * share in thousandths of the mean: integers (no FPU in the kernel). */
static int fair_check(uint64_t expected, char *why)
{
	uint64_t sum = 0, sq = 0, min = ~0ull, max = 0, n = smp_ncpus, x[SMP_MAX];
	unsigned shift = 0;
	char buf[WHY_LEN];

	/* Counts scaled below 2^20 so that the squares' sum and 1000 * sum^2
	 * fit in 64 bits (at most 8 vCPUs). */
	for (unsigned k = 0; k < n; k++)
		if (fair_total[k] > max)
			max = fair_total[k];
	while ((max >> shift) >= (1u << 20))
		shift++;
	for (unsigned k = 0; k < n; k++) {
		x[k] = fair_total[k] >> shift;
		sum += x[k];
		sq += x[k] * x[k];
		if (x[k] < min)
			min = x[k];
	}
	if (ops_run != expected)
		return mb_count_check(why, "windows", ops_run, expected);
	if (!sum || !sq) {
		mb_strlcpy(why, "no vCPU counted anything", WHY_LEN);
		return CHECK_FAIL;
	}
	uint64_t jain = sum * sum * 1000 / (sq * n);
	uint64_t min_share = min * n * 1000 / sum;
	unsigned p = 0;

	note_u64(buf, sizeof(buf), &p, "jain_milli", jain);
	note_u64(buf, sizeof(buf), &p, "min_share_milli", min_share);
	mb_strlcpy(why, buf, WHY_LEN);
	return CHECK_OK;
}

static const struct bench pingpong_b = { .name = "ipi_pingpong", .group = "smp",
	.class = "interrupt", .ring = 0, .start = pingpong_start, .body = ipi_body,
	.check = pingpong_check };
static const struct bench wake_b = { .name = "ipi_wake", .group = "smp",
	.class = "interrupt", .ring = 0, .start = wake_start, .body = ipi_body,
	.check = ipi_check };
static const struct bench tlb_b = { .name = "tlb_shootdown", .group = "smp",
	.class = "interrupt", .ring = 0, .start = tlb_start, .body = tlb_body,
	.check = tlb_check };
static const struct bench ring_b = { .name = "token_ring", .group = "smp",
	.class = "unprivileged", .ring = 0, .start = ring_start, .body = ring_body,
	.check = ring_check };

static const struct bench fair_b = { .name = "fairness", .group = "smp",
	.class = "unprivileged", .ring = 0, .start = fair_start_b, .body = fair_body,
	.check = fair_check };

const struct bench *const smp_benches[] = { &pingpong_b, &wake_b, &tlb_b, &ring_b, &fair_b,
	&spinlock_b, &timer_jitter_b, &steal_b, &tlb_pv_b };
const unsigned smp_count = sizeof(smp_benches) / sizeof(smp_benches[0]);
