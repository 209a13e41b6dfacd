/* The long-mode environment the fuzz tests build in guest RAM, and their
 * random generator.  Layout: a flat GDT (kernel code 0x08, data 0x10,
 * user data 0x18, user code 0x20, TSS 0x28), a TSS whose RSP0 is 0x1f000,
 * an IDT sending every vector to one handler (vectors with an error code
 * at the handler, the others 4 bytes in, past the code that pops it), and
 * 4-level paging of the first 4 MiB with 2 MiB pages: 0-2 MiB supervisor,
 * 2-4 MiB user.  Header-only: each test program includes it once. */
#ifndef RINGBENCH_TEST_LONG_MODE_H
#define RINGBENCH_TEST_LONG_MODE_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#define LM_GDT  0x1000u
#define LM_IDT  0x2000u
#define LM_TSS  0x3000u
#define LM_PML4 0x4000u
#define LM_PDPT 0x5000u
#define LM_PD   0x6000u

/* xorshift64*: a fixed seed gives a reproducible run. */
static inline uint64_t lm_rnd(uint64_t *seed)
{
	*seed ^= *seed >> 12;
	*seed ^= *seed << 25;
	*seed ^= *seed >> 27;
	return *seed * 0x2545f4914f6cdd1dull;
}

static inline void lm_put64(uint8_t *ram, uint32_t a, uint64_t v)
{
	memcpy(ram + a, &v, 8);
}

/* The tables, from LM_GDT to the end of LM_PD, zeroed first. */
static inline void lm_build_tables(uint8_t *ram, uint32_t handler)
{
	memset(ram + LM_GDT, 0, LM_PD + 0x1000 - LM_GDT);
	lm_put64(ram, LM_GDT + 0x08, 0x00af9a000000ffffull);
	lm_put64(ram, LM_GDT + 0x10, 0x00cf92000000ffffull);
	lm_put64(ram, LM_GDT + 0x18, 0x00cff2000000ffffull);
	lm_put64(ram, LM_GDT + 0x20, 0x00affa000000ffffull);
	lm_put64(ram, LM_GDT + 0x28, 0x0000890000000067ull | ((uint64_t)LM_TSS << 16));
	lm_put64(ram, LM_TSS + 4, 0x1f000);
	lm_put64(ram, LM_PML4, LM_PDPT | 7);
	lm_put64(ram, LM_PDPT, LM_PD | 7);
	lm_put64(ram, LM_PD, 0x83);             /* 0-2 MiB: supervisor only */
	lm_put64(ram, LM_PD + 8, 0x200087);     /* 2-4 MiB: user */
	for (int v = 0; v < 256; v++) {
		bool err = v == 8 || (v >= 10 && v <= 14) || v == 17;
		uint32_t h = handler + (err ? 0 : 4);
		lm_put64(ram, LM_IDT + v * 16, (h & 0xffff) | (0x08ull << 16) | (0xeeull << 40) |
			 ((uint64_t)(h >> 16) << 48));
		lm_put64(ram, LM_IDT + v * 16 + 8, 0);
	}
}

#endif
