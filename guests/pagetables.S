/* The page tables, as static data: the loader places them, so boot runs no
 * loops at CPL0.  Layout in guests/layout.h and docs/guest.md. */
#include "guests/layout.h"

#define TABLE   (PTE_P | PTE_W | PTE_U)      /* upper levels: leaves decide */
#define KLARGE  (PTE_P | PTE_W | PTE_PS)
#define ULARGE  (PTE_P | PTE_W | PTE_U | PTE_PS)
#define MMIO    (PTE_P | PTE_W | PTE_PS | PTE_PWT | PTE_PCD)

	.section .data.pagetables, "aw"
	.align 4096
	.globl pml4_a, pml4_b
pml4_a:	.quad pdpt_low + TABLE, pdpt_a + TABLE
	.fill 510, 8, 0
pml4_b:	.quad pdpt_low + TABLE, pdpt_b + TABLE
	.fill 510, 8, 0

/* 0-4 GiB, 1:1, 2 MiB pages; the user page is user-accessible, the top
 * 32 MiB (LAPIC, IOAPIC, ringbench null page) uncached. */
pdpt_low:
	.quad pd_low + TABLE, pd_low + 0x1000 + TABLE, pd_low + 0x2000 + TABLE, pd_low + 0x3000 + TABLE
	.fill 508, 8, 0
pd_low:
	.set i, 0
	.rept 2048
	.if i == (USER_PAGE >> 21)
	.quad (i << 21) + ULARGE
	.elseif i >= 0x7f0
	.quad (i << 21) + MMIO
	.else
	.quad (i << 21) + KLARGE
	.endif
	.set i, i + 1
	.endr

/* Task A: working set, private page, demand-zero region, ptemod pages. */
pdpt_a:	.quad pd_a + TABLE, pd_dz + TABLE, pd_kpte + TABLE
	.fill 509, 8, 0
pd_a:
	.set i, 0
	.rept WS_PAGES / 512
	.quad pt_ws + i * 4096 + TABLE
	.set i, i + 1
	.endr
	.quad pt_priv_a + TABLE
	.fill 512 - WS_PAGES / 512 - 1, 8, 0
pt_ws:
	.set i, 0
	.rept WS_PAGES
	.quad WS_PHYS + i * 4096 + PTE_P + PTE_W + PTE_U
	.set i, i + 1
	.endr
pt_priv_a:
	.quad priv_a_page + PTE_P + PTE_W + PTE_U
	.fill 511, 8, 0
pd_dz:
	.set i, 0
	.rept DZ_PAGES / 512
	.quad pt_dz + i * 4096 + TABLE
	.set i, i + 1
	.endr
	.fill 512 - DZ_PAGES / 512, 8, 0
pd_kpte:
	.quad pt_kpte + PTE_P + PTE_W
	.fill 511, 8, 0

/* Task B: only its private page, at the same address as task A's. */
pdpt_b:	.quad pd_b + TABLE
	.fill 511, 8, 0
pd_b:	.fill WS_PAGES / 512, 8, 0
	.quad pt_priv_b + TABLE
	.fill 512 - WS_PAGES / 512 - 1, 8, 0
pt_priv_b:
	.quad priv_b_page + PTE_P + PTE_W + PTE_U
	.fill 511, 8, 0

/* Filled at run time (zeroed RAM means "not present"). */
	.bss
	.align 4096
	.globl pt_dz, pt_kpte, dz_zero_page, kpte_frames
pt_dz:		.space DZ_PAGES * 8
pt_kpte:	.space 4096
dz_zero_page:	.space 4096
kpte_frames:	.space 2 * 4096

	.section .note.GNU-stack, "", @progbits
