/* Run-time paging: the demand-zero region (read faults map the shared zero
 * page, as Linux does for a first read of anonymous memory) and the setup
 * of the pages the static tables in pagetables.S point at. */
#include "guests/kernel.h"
#include "guests/x86.h"
#include "microbench/bench.h"

__attribute__((aligned(4096))) uint8_t priv_a_page[4096], priv_b_page[4096];

void paging_init(uint64_t ram_bytes)
{
	/* Each task sees its own letter at USER_PRIV: the context switch
	 * benchmark checks it to prove CR3 really changed. */
	priv_a_page[0] = 'A';
	priv_b_page[0] = 'B';
	kpte_frames[1][0] = 1;
	if (ram_bytes >= WS_PHYS + WS_PAGES * 4096ull)
		mb_ws = (uint8_t *)USER_WS;
}

int demand_fault(uint64_t addr)
{
	uint64_t i = (addr - DZ_BASE) >> 12;

	if (addr < DZ_BASE || i >= DZ_PAGES || (pt_dz[i] & PTE_P))
		return 0;
	pt_dz[i] = (uint64_t)dz_zero_page | PTE_P | PTE_U;
	kcnt.demand_faults++;
	return 1;
}

/* Unmap what a run faulted in, so the next run faults again. */
void demand_reset(uint64_t pages)
{
	memset(pt_dz, 0, pages * 8);
	write_cr3(read_cr3());
}
