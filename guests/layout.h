/* The guest's memory layout, shared by C and assembly (docs/guest.md).
 * Physical: kernel at 1 MiB (must end below 4 MiB), the user page (code and
 * data every task may touch, one 2 MiB page) at 4 MiB, the memory
 * benchmarks' working set at 16-32 MiB.  Virtual: the low 4 GiB are mapped
 * 1:1 with 2 MiB pages in every address space (supervisor-only except the
 * user page); PML4 slot 1 holds each task's own mappings. */
#ifndef GUEST_LAYOUT_H
#define GUEST_LAYOUT_H

#define KERNEL_CS 0x08
#define KERNEL_DS 0x10
#define USER32_CS 0x18            /* unused; SYSRET's selector layout needs it */
#define USER_DS   0x20
#define USER_CS   0x28
#define TSS_SEL   0x30

#define KERNEL_PHYS   0x100000
#define USER_PAGE     0x400000        /* the 2 MiB user page */
#define WS_PHYS       0x1000000       /* working set: 16 MiB of 4 KiB pages */
#define WS_PAGES      4096

#define USER_BASE     0x8000000000    /* PML4[1]: per-task mappings */
#define USER_WS       USER_BASE                  /* task A: working set */
#define USER_PRIV     (USER_BASE + 0x1000000)    /* each task: its own page */
#define DZ_BASE       (USER_BASE + 0x40000000)   /* task A: demand-zero region */
#define DZ_PAGES      16384
#define KPTE_BASE     (USER_BASE + 0x80000000)   /* supervisor 4 KiB pages for ptemod */

#define PTE_P   0x1
#define PTE_W   0x2
#define PTE_U   0x4
#define PTE_PWT 0x8
#define PTE_PCD 0x10
#define PTE_PS  0x80

#endif
