/* The decode cache: guest code decoded once per physical address into
 * blocks of pre-decoded instructions (a block ends at a branch, at a
 * system instruction or at the page end, so it never crosses a page).
 * Keyed by guest-physical address and code size; invalidated when a
 * guest write touches the bytes of a cached block. */
#ifndef RINGBENCH_INTERP_BLOCKS_H
#define RINGBENCH_INTERP_BLOCKS_H

#include <stddef.h>
#include <stdint.h>

#include "engines/x86/cpu.h"
#include "engines/x86/insn.h"

#define BLOCK_MAX_INSNS 64

/* A chain link: "after this block, if RIP is rip at CPL cpl in code size
 * mode and nothing that changes translations or blocks happened since
 * (cpu->code_gen), the next block is to" — no TLB probe, no hash lookup. */
struct block_link {
	uint64_t rip, gen;
	struct block *to;
	uint8_t cpl, mode;
};

struct block {
	struct block_link link[2];
	uint64_t pa;                    /* physical address of the first byte */
	uint32_t bytes;                 /* length of the code it covers */
	uint16_t n;                     /* instructions */
	uint8_t mode;                   /* 16, 32, 64 */
	struct block *hnext, *pnext;    /* hash chain, same-page list */
	struct x86_inst insn[];         /* n of them, then an end entry (fn NULL) */
};

struct block_cache {
	struct block **hash;
	unsigned hash_mask;
	struct block **page;            /* per RAM page: its blocks */
	uint64_t npages;
	struct block *graveyard;        /* invalidated, freed at the next boundary */
	size_t count, limit;
	uint64_t misses, insns_decoded, invalidations, flushes;
};

int bc_init(struct block_cache *bc, uint64_t ram_size);
void bc_free(struct block_cache *bc);
void bc_flush(struct block_cache *bc, struct x86_cpu *cpu);

static inline struct block *bc_lookup(const struct block_cache *bc, uint64_t pa, uint8_t mode)
{
	struct block *b = bc->hash[(pa ^ (pa >> 15)) & bc->hash_mask];

	while (b && (b->pa != pa || b->mode != mode))
		b = b->hnext;
	return b;
}

/* Decode a new block at pa (host bytes p, avail bytes to the page end).
 * NULL when the first instruction crosses the page end (run it with
 * x86_step instead). */
struct block *bc_build(struct block_cache *bc, struct x86_cpu *cpu, uint64_t pa,
		       const uint8_t *p, unsigned avail, uint8_t mode);

/* A guest write to [pa, pa+size) on a code page: drop the blocks it
 * overlaps (into the graveyard) and stop the running block. */
void bc_invalidate(struct block_cache *bc, struct x86_cpu *cpu, uint64_t pa, unsigned size);

/* Free invalidated blocks; only at a block boundary. */
void bc_reap(struct block_cache *bc);

#endif
