/* stress=N: the multi-vCPU stress test.  Every CPU, N times, rewrites the
 * code another CPU runs (the immediate of a `mov $imm, %eax; ret` in that
 * CPU's code page) and a PTE another CPU reads through, while running its
 * own code page and reading through the other's mapping.  What each CPU
 * sees must be legal on x86: a function returns the initial value or one
 * its writer stored, never an older one than seen before (stores from one
 * CPU are seen in order); a read through a PTE being flipped, with no
 * INVLPG on the reader, sees either frame (0 or 1), never anything else;
 * a read through its own PTE after its own INVLPG sees the new frame. */
#include "guests/kernel.h"
#include "guests/smp.h"
#include "guests/x86.h"

#define IMM_OFF 4                     /* 3 NOPs, B8, imm32 (aligned), C3 */
#define PTE_BASE_IDX 64               /* pt_kpte[64 + k]: CPU k's PTE (pv uses 16-31) */

static uint8_t code[SMP_MAX][4096] __attribute__((aligned(4096)));
static volatile uint64_t illegal[SMP_MAX], seen_new[SMP_MAX];
static uint64_t iterations;

static uint64_t frame(unsigned which)
{
	return (uint64_t)kpte_frames[which] | PTE_P | PTE_W;
}

static void stress(unsigned cpu, uint64_t arg)
{
	unsigned n = smp_ncpus, next = (cpu + 1) % n, prev = (cpu + n - 1) % n;
	volatile uint32_t *imm = (volatile uint32_t *)&code[next][IMM_OFF];
	uint32_t (*mine)(void) = (uint32_t (*)(void))(void *)code[cpu];
	volatile uint64_t *my_pte = &pt_kpte[PTE_BASE_IDX + cpu];
	const volatile uint8_t *my_va = (const volatile uint8_t *)(KPTE_BASE + (PTE_BASE_IDX + cpu) * 4096ull);
	const volatile uint8_t *prev_va = (const volatile uint8_t *)(KPTE_BASE + (PTE_BASE_IDX + prev) * 4096ull);
	uint32_t last = 0;
	uint32_t regs[4];

	(void)arg;
	for (uint64_t i = 1; i <= iterations; i++) {
		*imm = (uint32_t)(next << 24) | (uint32_t)i;      /* the next CPU's code */
		cpuid(0, 0, regs);              /* serializing: cross-modifying code, SDM 8.1.3 */
		uint32_t v = mine();            /* written by the previous CPU */
		if (v != 0) {
			if ((v >> 24) != cpu || (v & 0xffffff) < (last & 0xffffff))
				illegal[cpu]++;
			else if (v != last)
				seen_new[cpu]++;
			last = v;
		}
		*my_pte = frame(i & 1);
		invlpg((const void *)my_va);
		if (*my_va != (i & 1))
			illegal[cpu]++;
		if (*prev_va > 1)
			illegal[cpu]++;
	}
}

void smp_stress(unsigned n)
{
	uint64_t bad = 0, fresh = 0;

	if (smp_ncpus < 2) {
		kprintf("guest: stress: only one CPU\n");
		return;
	}
	iterations = n;
	for (unsigned k = 0; k < smp_ncpus; k++) {
		code[k][0] = code[k][1] = code[k][2] = 0x90;
		code[k][3] = 0xB8;
		*(volatile uint32_t *)&code[k][IMM_OFF] = 0;
		code[k][IMM_OFF + 4] = 0xC3;
		pt_kpte[PTE_BASE_IDX + k] = frame(0);
		illegal[k] = seen_new[k] = 0;
	}
	smp_post(stress, 0);
	stress(0, 0);
	if (smp_wait(600000) < 0)
		kprintf("guest: stress: an AP did not finish\n");
	for (unsigned k = 0; k < smp_ncpus; k++) {
		bad += illegal[k];
		fresh += seen_new[k];
	}
	kprintf("guest: stress: %u iterations on %u CPUs: %lu illegal observations, %lu new code values seen\n",
		n, smp_ncpus, bad, fresh);
	if (bad)
		debug_exit(EXIT_BENCH_FAILED);
}
