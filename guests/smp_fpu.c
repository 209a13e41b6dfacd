/* fpu=N: every vCPU's x87, MXCSR and XMM registers are its own across
 * vCPU switches.  Each CPU loads values of its own (FCW rounding and
 * precision, eight x87 stack registers, MXCSR rounding, XMM0-15), then N
 * times spins 256 PAUSEs (a software engine's multiplexer switches vCPUs
 * after 64, engines/core/vcpu.h) and compares an FXSAVE image with the one
 * taken right after loading.  The kernel is built with general registers
 * only, so nothing else touches these registers meanwhile. */
#include "guests/kernel.h"
#include "guests/smp.h"
#include "guests/x86.h"

#define CR0_MP (1u << 1)
#define CR0_EM (1u << 2)
#define CR0_TS (1u << 3)
#define CR4_OSFXSR (1u << 9)
#define CR4_OSXMMEXCPT (1u << 10)
#define FX_COMPARED 416               /* x87 control to XMM15 */

static uint8_t fx_first[SMP_MAX][512] __attribute__((aligned(16)));
static uint8_t fx_now[SMP_MAX][512] __attribute__((aligned(16)));
static volatile uint64_t mismatches[SMP_MAX], first_off[SMP_MAX];
static uint64_t rounds;

/* FCW: all exceptions masked, rounding and precision from cpu; the
 * stack: 8 integers of this CPU's; MXCSR: masked, rounding from cpu;
 * XMMi: bytes (cpu << 4 | i). */
static void load_own(unsigned cpu)
{
	uint16_t fcw = (uint16_t)(0x007f | (cpu & 3) << 10 | ((cpu >> 2) & 1) << 9);
	uint32_t mxcsr = 0x1f80 | (cpu & 3) << 13;
	int32_t ints[8];
	uint8_t x[16] __attribute__((aligned(16)));

	write_cr0((read_cr0() | CR0_MP) & ~(uint64_t)(CR0_EM | CR0_TS));
	write_cr4(read_cr4() | CR4_OSFXSR | CR4_OSXMMEXCPT);
	__asm__ volatile("fninit; fldcw %0" :: "m"(fcw));
	for (int i = 0; i < 8; i++) {
		ints[i] = (int32_t)(cpu * 1000 + (unsigned)i * 7 + 1);
		__asm__ volatile("fildl %0" :: "m"(ints[i]));
	}
	__asm__ volatile("ldmxcsr %0" :: "m"(mxcsr));
#define LOAD_XMM(i) \
	for (int b = 0; b < 16; b++) x[b] = (uint8_t)(cpu << 4 | (i)); \
	__asm__ volatile("movdqa %0, %%xmm" #i :: "m"(x));
	LOAD_XMM(0) LOAD_XMM(1) LOAD_XMM(2) LOAD_XMM(3) LOAD_XMM(4) LOAD_XMM(5) LOAD_XMM(6) LOAD_XMM(7)
	LOAD_XMM(8) LOAD_XMM(9) LOAD_XMM(10) LOAD_XMM(11) LOAD_XMM(12) LOAD_XMM(13) LOAD_XMM(14) LOAD_XMM(15)
#undef LOAD_XMM
}

static void fpu_hold(unsigned cpu, uint64_t arg)
{
	(void)arg;
	load_own(cpu);
	__asm__ volatile("fxsaveq %0" : "=m"(fx_first[cpu]));
	for (uint64_t r = 0; r < rounds; r++) {
		for (int p = 0; p < 256; p++)
			__asm__ volatile("pause");
		__asm__ volatile("fxsaveq %0" : "=m"(fx_now[cpu]));
		for (unsigned b = 0; b < FX_COMPARED; b++)
			if (fx_now[cpu][b] != fx_first[cpu][b]) {
				if (!mismatches[cpu])
					first_off[cpu] = b;
				mismatches[cpu]++;
				break;
			}
	}
	__asm__ volatile("fninit");
}

void smp_fpu_check(unsigned n)
{
	uint64_t bad = 0;

	if (smp_ncpus < 2) {
		kprintf("guest: fpu: only one CPU\n");
		return;
	}
	rounds = n;
	for (unsigned k = 0; k < smp_ncpus; k++)
		mismatches[k] = first_off[k] = 0;
	smp_post(fpu_hold, 0);
	fpu_hold(0, 0);
	if (smp_wait(600000) < 0)
		kprintf("guest: fpu: an AP did not finish\n");
	for (unsigned k = 0; k < smp_ncpus; k++) {
		if (mismatches[k])
			kprintf("guest: fpu: CPU %u: first difference at FXSAVE byte %lu\n", k, first_off[k]);
		bad += mismatches[k];
	}
	kprintf("guest: fpu: %u rounds on %u CPUs: %lu rounds saw x87/SSE state not their own\n",
		n, smp_ncpus, bad);
	if (bad)
		debug_exit(EXIT_BENCH_FAILED);
}
