/* The test kernel's freestanding side: the serial console, debug-exit,
 * the functions gcc may call (memcpy, memset, memmove, memcmp), and the
 * "sys:" lines about the FPU state instructions (FXSAVE/FXRSTOR, XGETBV/
 * XSETBV, XSAVE/XRSTOR), compared between engines only: a host program
 * cannot run them. */
#include "tests/cc_kernel/cc.h"

static inline void outb(uint16_t port, uint8_t v)
{
	__asm__ volatile("outb %0, %1" : : "a"(v), "Nd"(port));
}

static inline void outl(uint16_t port, uint32_t v)
{
	__asm__ volatile("outl %0, %1" : : "a"(v), "Nd"(port));
}

void cc_putc(char c)
{
	outb(0x3f8, (uint8_t)c);
}

void *memcpy(void *d, const void *s, size_t n) { return cc_memcpy(d, s, n); }
void *memmove(void *d, const void *s, size_t n) { return cc_memmove(d, s, n); }
void *memset(void *d, int c, size_t n) { return cc_memset(d, c, n); }
int memcmp(const void *a, const void *b, size_t n) { return cc_memcmp(a, b, n); }

static void put_hex(const char *what, uint64_t v)
{
	char b[24];

	cc_puts(what);
	cc_puts(cc_utoa(v, 16, b));
}

static uint16_t fcw(void)
{
	uint16_t cw;

	__asm__ volatile("fnstcw %0" : "=m"(cw));
	return cw;
}

static void set_fcw(uint16_t cw)
{
	__asm__ volatile("fldcw %0" : : "m"(cw));
}

static void cpuid1(uint32_t *ecx, uint32_t *edx)
{
	uint32_t a = 1, b, c = 0, d;

	__asm__ volatile("cpuid" : "+a"(a), "=b"(b), "+c"(c), "=d"(d));
	*ecx = c;
	*edx = d;
}

/* FXSAVE keeps FCW across FNINIT and FXRSTOR brings it back. */
static void sys_fxsave(void)
{
	static uint8_t img[512] __attribute__((aligned(16)));

	set_fcw(0x27f);
	__asm__ volatile("fxsave %0" : "=m"(img));
	__asm__ volatile("fninit");
	put_hex("sys: fxsave fcw ", (uint16_t)(img[0] | img[1] << 8));
	put_hex(", after fninit ", fcw());
	__asm__ volatile("fxrstor %0" : : "m"(img));
	put_hex(", after fxrstor ", fcw());
	cc_putc('\n');
	__asm__ volatile("fninit");
}

static uint64_t xgetbv(void)
{
	uint32_t a, d;

	__asm__ volatile("xgetbv" : "=a"(a), "=d"(d) : "c"(0));
	return (uint64_t)d << 32 | a;
}

/* CPL 0: CR4.OSXSAVE and XCR0 = x87 (+ SSE when CPUID has it). */
static void xsave_enable(void)
{
	uint32_t ecx, edx;
	uint64_t cr4;

	cpuid1(&ecx, &edx);
	if (!(ecx & (1u << 26)))
		return;
	__asm__ volatile("mov %%cr4, %0" : "=r"(cr4));
	__asm__ volatile("mov %0, %%cr4" : : "r"(cr4 | (1u << 18)));
	uint32_t want = (edx & (1u << 25)) ? 3 : 1;
	__asm__ volatile("xsetbv" : : "a"(want), "d"(0), "c"(0));
}

/* CPL 3: XCR0 as set, and an XSAVE/XRSTOR round trip of the x87 state. */
static void sys_xsave(void)
{
	static uint8_t area[4096] __attribute__((aligned(64)));
	uint32_t ecx, edx;

	cpuid1(&ecx, &edx);
	if (!(ecx & (1u << 26))) {
		cc_puts("sys: xsave not in CPUID\n");
		return;
	}
	put_hex("sys: osxsave ", (ecx >> 27) & 1);
	/* XCR0's x87 bit only: the rest follows the CPU's CPUID (and PVM
	 * runs a CPL 3 XGETBV natively, reading the host's XCR0). */
	put_hex(", xcr0.x87 ", xgetbv() & 1);
	set_fcw(0x37e);
	__asm__ volatile("xsave %0" : "+m"(area) : "a"(1), "d"(0));
	__asm__ volatile("fninit");
	__asm__ volatile("xrstor %0" : : "m"(area), "a"(1), "d"(0));
	put_hex(", fcw after xrstor ", fcw());
	cc_putc('\n');
	__asm__ volatile("fninit");
}

static void user_main(void)
{
	cc_tests();
	sys_fxsave();
	sys_xsave();
	cc_puts("sys: done\n");
	outl(0xf4, 0);
	for (;;)
		;
}

void to_user(void (*fn)(void), void *stack) __attribute__((noreturn));

void kmain(void)
{
	static uint8_t user_stack[65536] __attribute__((aligned(16)));
	uint32_t ecx, edx;

	/* What this build needs, as an OS would check it: without it, say
	 * so and exit with 0x22 (status 0x45), which the e2e test reports
	 * as the engine lacking it. */
	cpuid1(&ecx, &edx);
#ifdef __SSE2__
	if (!(edx & (1u << 26))) {
		cc_puts("sys: sse2 not in CPUID\n");
		outl(0xf4, 0x22);
	}
#endif
	if (!(edx & 1)) {
		cc_puts("sys: x87 not in CPUID\n");
		outl(0xf4, 0x22);
	}

	xsave_enable();
	/* RSP as after a CALL: 8 below a 16-byte boundary (the ABI's). */
	to_user(user_main, user_stack + sizeof(user_stack) - 8);
}
