/* The decode cache (see blocks.h). */
#include "engines/interp/blocks.h"

#include <stdlib.h>

#define HASH_BITS 16
#define BLOCK_LIMIT 65536

int bc_init(struct block_cache *bc, uint64_t ram_size)
{
	memset(bc, 0, sizeof(*bc));
	bc->hash_mask = (1u << HASH_BITS) - 1;
	bc->hash = calloc(1u << HASH_BITS, sizeof(*bc->hash));
	bc->npages = (ram_size + 0xfff) >> 12;
	bc->page = calloc(bc->npages ? bc->npages : 1, sizeof(*bc->page));
	bc->limit = BLOCK_LIMIT;
	return bc->hash && bc->page ? 0 : -1;
}

void bc_reap(struct block_cache *bc)
{
	while (bc->graveyard) {
		struct block *b = bc->graveyard;
		bc->graveyard = b->hnext;
		free(b);
	}
}

/* Drop every block (the cache is full): at a block boundary only. */
void bc_flush(struct block_cache *bc, struct x86_cpu *cpu)
{
	for (unsigned i = 0; i <= bc->hash_mask; i++) {
		struct block *b = bc->hash[i];
		while (b) {
			struct block *n = b->hnext;
			free(b);
			b = n;
		}
		bc->hash[i] = NULL;
	}
	memset(bc->page, 0, bc->npages * sizeof(*bc->page));
	if (cpu->code_pages)
		memset(cpu->code_pages, 0, bc->npages);
	bc->count = 0;
	bc->flushes++;
	cpu->code_gen++;        /* every chain link is stale */
	bc_reap(bc);
}

void bc_free(struct block_cache *bc)
{
	if (bc->hash) {
		for (unsigned i = 0; i <= bc->hash_mask; i++) {
			struct block *b = bc->hash[i];
			while (b) {
				struct block *n = b->hnext;
				free(b);
				b = n;
			}
		}
	}
	bc_reap(bc);
	free(bc->hash);
	free(bc->page);
}

struct block *bc_build(struct block_cache *bc, struct x86_cpu *cpu, uint64_t pa,
		       const uint8_t *p, unsigned avail, uint8_t mode)
{
	struct x86_inst tmp[BLOCK_MAX_INSNS + 1];
	unsigned n = 0, off = 0;

	if (bc->count >= bc->limit)
		bc_flush(bc, cpu);
	while (n < BLOCK_MAX_INSNS && off < avail) {
		unsigned len = x86_decode(p + off, avail - off, mode, &tmp[n]);
		if (!len) {
			if (avail - off < 15) {
				/* Perhaps an instruction cut by the page end. */
				if (n == 0)
					return NULL;
				break;
			}
			tmp[n].len = 1;         /* raises #UD when reached */
			n++;
			off += 1;               /* a write to that byte invalidates the block */
			break;
		}
		off += len;
		if (tmp[n++].flags & IF_BLOCK_END)
			break;
	}
	/* Threaded: each entry calls the next; the one after the last ends. */
	memset(&tmp[n], 0, sizeof(tmp[n]));
	x86_thread_block(tmp, n);
	struct block *b = malloc(sizeof(*b) + (n + 1) * sizeof(struct x86_inst));
	if (!b)
		return NULL;
	memset(b->link, 0, sizeof(b->link));
	b->pa = pa;
	b->bytes = off ? off : 1;
	b->n = (uint16_t)n;
	b->mode = mode;
	memcpy(b->insn, tmp, (n + 1) * sizeof(struct x86_inst));
	unsigned h = (unsigned)((pa ^ (pa >> 15)) & bc->hash_mask);
	b->hnext = bc->hash[h];
	bc->hash[h] = b;
	b->pnext = bc->page[pa >> 12];
	bc->page[pa >> 12] = b;
	bc->count++;
	bc->misses++;
	bc->insns_decoded += n;
	x86_mark_code_page(cpu, pa);
	return b;
}

static void unlink_hash(struct block_cache *bc, struct block *b)
{
	struct block **pp = &bc->hash[(b->pa ^ (b->pa >> 15)) & bc->hash_mask];

	while (*pp && *pp != b)
		pp = &(*pp)->hnext;
	if (*pp)
		*pp = b->hnext;
}

void bc_invalidate(struct block_cache *bc, struct x86_cpu *cpu, uint64_t pa, unsigned size)
{
	uint64_t end = pa + size;

	for (uint64_t pg = pa >> 12; pg <= (end - 1) >> 12 && pg < bc->npages; pg++) {
		struct block **pp = &bc->page[pg];
		while (*pp) {
			struct block *b = *pp;
			if (b->pa < end && pa < b->pa + b->bytes) {
				*pp = b->pnext;
				unlink_hash(bc, b);
				b->hnext = bc->graveyard;
				bc->graveyard = b;
				bc->count--;
				bc->invalidations++;
				cpu->pending = true;    /* the running block may be gone */
				cpu->code_gen++;
			} else {
				pp = &b->pnext;
			}
		}
		if (!bc->page[pg])
			cpu->code_pages[pg] = 0;
	}
}
