/* The page walk against the SDM's rules (vol. 3, 4.6): every combination
 * of U/S and R/W at two levels, CPL 0/3, CR0.WP, XD with EFER.NXE, and
 * read/write/fetch accesses; faults must carry the right error code and
 * CR2; A and D bits must be set as the hardware sets them; INVLPG and
 * CR3 reload must drop cached translations (global ones survive CR3). */
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>

#include "engines/x86/cpu.h"
#include "tests/check.h"

#define RAM (4u << 20)
#define PML4 0x10000u
#define PDPT 0x11000u
#define PD   0x12000u
#define PT   0x13000u
#define DATA 0x200000u          /* physical page the test address maps to */
#define LIN  0x7fe000ull        /* PML4[0] PDPT[0] PD[3] PT[0x1fe] */

static uint8_t *ram;
static struct x86_cpu cpu;

static uint64_t *pte(uint32_t table, unsigned idx)
{
	return (uint64_t *)(ram + table + idx * 8);
}

static void setup(uint64_t upper, uint64_t leaf, bool wp, bool nxe, int cpl)
{
	memset(ram, 0, RAM);
	*pte(PML4, 0) = PDPT | 7;
	*pte(PDPT, 0) = PD | 7;
	*pte(PD, 3) = PT | upper;
	*pte(PT, 0x1fe) = DATA | leaf;
	x86_cpu_init(&cpu, NULL, "test");
	cpu.ram = ram;
	cpu.ram_size = RAM;
	cpu.cr0 = CR0_PE | CR0_PG | (wp ? CR0_WP : 0);
	cpu.cr3 = PML4;
	cpu.cr4 = CR4_PAE | CR4_PGE;
	cpu.efer = EFER_LME | EFER_LMA | (nxe ? EFER_NXE : 0);
	cpu.seg[S_CS] = (struct segment){ .l = 1, .s = 1, .type = 0xb, .present = 1,
					  .dpl = (uint8_t)cpl, .selector = (uint16_t)cpl };
	cpu.cpl = (uint8_t)cpl;
	x86_update_mode(&cpu);
	x86_tlb_flush(&cpu, false);
}

/* -1 if the access succeeds, else the #PF error code. */
static int access(int acc)
{
	if (setjmp(cpu.jb))
		return cpu.fault_vec == X86_PF ? (int)cpu.fault_err : 0x1000 + cpu.fault_vec;
	x86_translate(&cpu, LIN + 0x10, acc, cpu.cpl == 3);
	return -1;
}

static int expected(uint64_t upper, uint64_t leaf, bool wp, bool nxe, int cpl, int acc)
{
	bool user = cpl == 3;
	uint64_t both = upper & leaf;
	int err = (acc == ACC_W ? 2 : 0) | (user ? 4 : 0) | (acc == ACC_X && nxe ? 16 : 0);

	/* The walk stops at the first entry that is not present or has a
	 * reserved bit set (XD without NXE). */
	if (!(upper & 1))
		return err;
	if ((upper >> 63) && !nxe)
		return err | 1 | 8;
	if (!(leaf & 1))
		return err;
	if ((leaf >> 63) && !nxe)
		return err | 1 | 8;
	if (user && !(both & 4))
		return err | 1;
	if (acc == ACC_W && !(both & 2) && (user || wp))
		return err | 1;
	if (acc == ACC_X && nxe && ((upper | leaf) >> 63))
		return err | 1;
	return -1;
}

static void test_permissions(void)
{
	static const uint64_t bits[] = { 0, 1, 3, 5, 7, 7 | (1ull << 63), 1 | (1ull << 63) };
	unsigned n = 0, bad = 0;
	char first[200] = "";

	for (unsigned u = 0; u < 7; u++)
		for (unsigned l = 0; l < 7; l++)
			for (int wp = 0; wp < 2; wp++)
				for (int nxe = 0; nxe < 2; nxe++)
					for (int cpl = 0; cpl <= 3; cpl += 3)
						for (int acc = 0; acc < 3; acc++) {
							setup(bits[u], bits[l], wp, nxe, cpl);
							int got = access(acc);
							int want = expected(bits[u], bits[l], wp, nxe, cpl, acc);
							n++;
							if (got != want && bad++ == 0)
								snprintf(first, sizeof(first),
									 "first: upper %#llx leaf %#llx wp %d nxe %d cpl %d acc %d: got %d want %d",
									 (unsigned long long)bits[u], (unsigned long long)bits[l],
									 wp, nxe, cpl, acc, got, want);
							if (got >= 0 && got < 0x1000 && cpu.cr2 != LIN + 0x10)
								bad++;
						}
	CHECK(bad == 0, "%u permission combinations give the SDM's fault or success, error code and CR2 %s",
	      n, first);
}

static void test_accessed_dirty(void)
{
	setup(7, 7, true, true, 0);
	access(ACC_R);
	CHECK((*pte(PD, 3) & 0x20) && (*pte(PT, 0x1fe) & 0x20) && !(*pte(PT, 0x1fe) & 0x40),
	      "a read sets A at every level and not D");
	access(ACC_W);
	CHECK(*pte(PT, 0x1fe) & 0x40, "a write sets D in the leaf");
	/* Through the TLB: a cached read translation must not let a write
	 * skip setting D. */
	setup(7, 7, true, true, 0);
	x86_read(&cpu, LIN, 8);
	x86_write(&cpu, LIN, 8, 42);
	CHECK((*pte(PT, 0x1fe) & 0x40) && *(uint64_t *)(ram + DATA) == 42,
	      "a write after a cached read still sets D and reaches the page");
}

static void test_tlb(void)
{
	setup(7, 7, true, true, 0);
	*(uint64_t *)(ram + DATA) = 1;
	*(uint64_t *)(ram + DATA + 0x1000) = 2;
	uint64_t a = x86_read(&cpu, LIN, 8);
	*pte(PT, 0x1fe) = (DATA + 0x1000) | 7;          /* remap without INVLPG */
	uint64_t b = x86_read(&cpu, LIN, 8);
	x86_tlb_flush_page(&cpu, LIN);
	uint64_t c = x86_read(&cpu, LIN, 8);
	CHECK(a == 1 && b == 1 && c == 2, "a stale translation stays until INVLPG (%llu %llu %llu)",
	      (unsigned long long)a, (unsigned long long)b, (unsigned long long)c);

	setup(7, 7 | 0x100, true, true, 0);             /* global page */
	x86_read(&cpu, LIN, 8);
	*pte(PT, 0x1fe) = (DATA + 0x1000) | 7;
	if (!setjmp(cpu.jb))
		x86_write_cr(&cpu, 3, PML4);
	uint64_t g = x86_read(&cpu, LIN, 8);
	cpu.cr4 &= ~CR4_PGE;
	if (!setjmp(cpu.jb))
		x86_write_cr(&cpu, 4, CR4_PAE);
	uint64_t h = x86_read(&cpu, LIN, 8);
	CHECK(g == 0 && h == 0 && *(uint64_t *)(ram + DATA + 0x1000) == 0,
	      "a global translation survives a CR3 reload");
}

static void test_large_pages(void)
{
	setup(7, 7, true, true, 0);
	*pte(PD, 3) = 0x400000 | 0x87;                  /* 2 MiB page */
	int r = access(ACC_R);
	uint64_t pa = 0;
	if (!setjmp(cpu.jb))
		pa = x86_translate(&cpu, LIN + 0x10, ACC_R, false);
	CHECK(r == -1 && pa == 0x400000 + (LIN & 0x1fffff) + 0x10, "a 2 MiB page maps (pa %#llx)",
	      (unsigned long long)pa);
	*pte(PDPT, 0) = 0x40000000 | 0x87;              /* 1 GiB page */
	x86_tlb_flush(&cpu, false);
	if (!setjmp(cpu.jb))
		pa = x86_translate(&cpu, LIN + 0x10, ACC_R, false);
	CHECK(pa == 0x40000000 + LIN + 0x10, "a 1 GiB page maps (pa %#llx)", (unsigned long long)pa);
}

static void test_noncanonical(void)
{
	setup(7, 7, true, true, 0);
	int vec = -1;
	if (setjmp(cpu.jb))
		vec = cpu.fault_vec;
	else
		x86_read(&cpu, 0x0000800000000000ull, 8);
	CHECK(vec == X86_GP, "a non-canonical address is #GP, not #PF (%d)", vec);
}

int main(void)
{
	ram = calloc(1, RAM);
	test_permissions();
	test_accessed_dirty();
	test_tlb();
	test_large_pages();
	test_noncanonical();
	free(ram);
	CHECK_EXIT();
}
