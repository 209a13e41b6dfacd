/* The translation cache: code space (a memfd mapped read-write for the
 * translator and read-execute for running, never both in one mapping),
 * the arena of blocks and sites (below 2 GiB: translated code names sites
 * by a 32-bit immediate), the block hash keyed by guest linear address,
 * physical address and privilege, per-page block lists for invalidation,
 * and chain links with their undo. */

#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "engines/bt/bt.h"
#include "engines/bt/emit.h"

static unsigned hash_of(uint64_t rip, uint64_t pa)
{
	uint64_t h = rip ^ (pa >> 12) * 0x9e3779b97f4a7c15ull;

	return (unsigned)((h ^ (h >> 29)) & ((1u << BT_HASH_BITS) - 1));
}

int bt_cache_init(struct engine *e)
{
	e->code_fd = memfd_create("ringbench-bt-code", MFD_CLOEXEC);
	if (e->code_fd < 0 || ftruncate(e->code_fd, BT_CODE_SIZE) < 0)
		return -1;
	e->code_size = BT_CODE_SIZE;
	e->code_rw = mmap(NULL, BT_CODE_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, e->code_fd, 0);
	e->code_rx = mmap(NULL, BT_CODE_SIZE, PROT_READ | PROT_EXEC, MAP_SHARED, e->code_fd, 0);
	e->arena = mmap(NULL, BT_ARENA_SIZE, PROT_READ | PROT_WRITE,
			MAP_PRIVATE | MAP_ANONYMOUS | MAP_32BIT | MAP_NORESERVE, -1, 0);
	if (e->code_rw == MAP_FAILED || e->code_rx == MAP_FAILED || e->arena == MAP_FAILED) {
		e->code_rw = e->code_rx = e->arena = NULL;
		return -1;
	}
	e->arena_size = BT_ARENA_SIZE;
	e->hash = calloc(1u << BT_HASH_BITS, sizeof(*e->hash));
	e->npages = (e->cpu.ram_size + 0xfff) >> 12;
	e->page = calloc(e->npages ? e->npages : 1, sizeof(*e->page));
	if (!e->hash || !e->page)
		return -1;
	for (int u = 0; u < 2; u++)
		for (unsigned i = 0; i < BT_JC_SIZE; i++)
			e->jc[u][i] = (struct bt_jc_entry){ BT_JC_EMPTY, NULL, 0, NULL };
	e->ctx.jc_epoch = 1;
	return bt_emit_stubs(e);
}

void bt_cache_free(struct engine *e)
{
	if (e->code_rw)
		munmap(e->code_rw, BT_CODE_SIZE);
	if (e->code_rx)
		munmap(e->code_rx, BT_CODE_SIZE);
	if (e->arena)
		munmap(e->arena, BT_ARENA_SIZE);
	if (e->code_fd > 0)
		close(e->code_fd);
	free(e->hash);
	free(e->page);
}

void *bt_arena_alloc(struct engine *e, size_t size)
{
	size = (size + 15) & ~(size_t)15;
	if (e->arena_used + size > e->arena_size)
		return NULL;
	void *p = e->arena + e->arena_used;
	e->arena_used += size;
	memset(p, 0, size);
	return p;
}

struct bt_block *bt_lookup(const struct engine *e, uint64_t rip, uint64_t pa, bool user)
{
	struct bt_block *b = e->hash[hash_of(rip, pa)];

	while (b && (b->rip != rip || b->pa != pa || b->user != user))
		b = b->hnext;
	return b;
}

void bt_insert(struct engine *e, struct bt_block *b)
{
	unsigned h = hash_of(b->rip, b->pa);

	b->hnext = e->hash[h];
	e->hash[h] = b;
	b->pnext = e->page[b->pa >> 12];
	e->page[b->pa >> 12] = b;
}

void bt_jc_clear(struct engine *e)
{
	e->ctx.jc_epoch++;
}

static unsigned vpage_slot(uint64_t key)
{
	return (unsigned)((key * 0x9e3779b97f4a7c15ull) >> 52) & (BT_VPAGES - 1);
}

void bt_vpage_add(struct engine *e, uint64_t rip, bool user)
{
	uint64_t key = (rip & ~0xfffull) | user | 2;    /* never 0: 0 marks a free slot */

	if (e->nvpages >= BT_VPAGES / 2)
		return;                                 /* full: bt_vpage_has says yes */
	for (unsigned i = vpage_slot(key);; i = (i + 1) & (BT_VPAGES - 1)) {
		if (e->vpages[i] == key)
			return;
		if (!e->vpages[i]) {
			e->vpages[i] = key;
			e->nvpages++;
			return;
		}
	}
}

bool bt_vpage_has_range(const struct engine *e, uint64_t lin, uint64_t size)
{
	if (size > (2ull << 20))
		return true;                            /* a 1 GiB page: assume so */
	for (uint64_t off = 0; off < size; off += 0x1000)
		if (bt_vpage_has(e, lin + off))
			return true;
	return false;
}

bool bt_vpage_has(const struct engine *e, uint64_t lin)
{
	if (e->nvpages >= BT_VPAGES / 2)
		return true;
	for (uint64_t user = 0; user < 2; user++) {
		uint64_t key = (lin & ~0xfffull) | user | 2;
		for (unsigned i = vpage_slot(key); e->vpages[i]; i = (i + 1) & (BT_VPAGES - 1))
			if (e->vpages[i] == key)
				return true;
	}
	return false;
}

static intptr_t code_delta(const struct engine *e)
{
	return (intptr_t)((uintptr_t)e->code_rx - (uintptr_t)e->code_rw);
}

static void unpatch(struct engine *e, struct bt_site *s)
{
	if (!s->linked)
		return;
	em_patch_rel32(s->patch, code_delta(e), s->stub);
	s->linked = false;
}

/* Make the exit at s jump straight to block to.  A link within one guest
 * page holds whatever the page tables do (both ends move together); a link
 * across pages is undone at the next change of translations. */
void bt_link(struct engine *e, struct bt_site *s, struct bt_block *to)
{
	/* Only to the exit's own target: the dispatcher may have gone
	 * elsewhere in between (an interrupt delivered at the boundary), and
	 * a link to the handler would run it later without an interrupt. */
	if (s->linked || s->kind != SITE_CHAIN || !s->patch || to->dead || s->block->dead ||
	    to->user != s->block->user || to->rip != s->target)
		return;
	bool cross = (s->block->rip >> 12) != (to->rip >> 12);
	if (cross) {
		if (e->ncross >= BT_CROSS_MAX)
			bt_unlink_cross(e);
		e->cross[e->ncross++] = s;
	}
	em_patch_rel32(s->patch, code_delta(e), to->host);
	s->linked = true;
	s->next_in = to->incoming;
	to->incoming = s;
	s->to = to;
	e->c.chain_patches++;
}

/* Take s off its target's incoming list: a site unlinked and linked again
 * would otherwise be pushed twice, and the list would become a loop. */
static void incoming_remove(struct bt_site *s)
{
	if (!s->to)
		return;
	for (struct bt_site **pp = &s->to->incoming; *pp; pp = &(*pp)->next_in)
		if (*pp == s) {
			*pp = s->next_in;
			break;
		}
	s->to = NULL;
}

/* Undo one link (a RET's inline cache retrained to another target). */
void bt_unlink_site(struct engine *e, struct bt_site *s)
{
	unpatch(e, s);
	incoming_remove(s);
}

/* Undo every link across pages: the page tables may have changed. */
void bt_unlink_cross(struct engine *e)
{
	for (unsigned i = 0; i < e->ncross; i++) {
		if (e->cross[i]->linked)
			e->c.unlinks++;
		unpatch(e, e->cross[i]);
		incoming_remove(e->cross[i]);
	}
	e->ncross = 0;
}

void bt_unlink_cross_nonglobal(struct engine *e)
{
	unsigned kept = 0;

	for (unsigned i = 0; i < e->ncross; i++) {
		struct bt_site *s = e->cross[i];
		if (s->linked && s->to && s->block->global && s->to->global && !s->block->dead && !s->to->dead) {
			e->cross[kept++] = s;
			continue;
		}
		if (s->linked)
			e->c.unlinks++;
		unpatch(e, s);
		incoming_remove(s);
	}
	e->ncross = kept;
}

void bt_jc_clear_nonglobal(struct engine *e)
{
	for (unsigned u = 0; u < 2; u++)
		for (unsigned i = 0; i < BT_JC_SIZE; i++) {
			struct bt_jc_entry *j = &e->jc[u][i];
			if (j->epoch == e->ctx.jc_epoch && (!j->block || !j->block->global || j->block->dead))
				j->rip = BT_JC_EMPTY;
		}
}

static void unlink_hash(struct engine *e, struct bt_block *b)
{
	struct bt_block **pp = &e->hash[hash_of(b->rip, b->pa)];

	while (*pp && *pp != b)
		pp = &(*pp)->hnext;
	if (*pp)
		*pp = b->hnext;
}

/* A guest write to [pa, pa+size) on a page holding translations: the
 * blocks it overlaps die (their code stays in place, unreachable, until
 * the next flush: the running block may be one of them). */
void bt_invalidate(struct engine *e, uint64_t pa, unsigned size)
{
	uint64_t end = pa + size;

	for (uint64_t pg = pa >> 12; pg <= (end - 1) >> 12 && pg < e->npages; pg++) {
		struct bt_block **pp = &e->page[pg];
		while (*pp) {
			struct bt_block *b = *pp;
			if (b->pa < end && pa < b->pa + b->bytes) {
				*pp = b->pnext;
				unlink_hash(e, b);
				b->dead = true;
				for (struct bt_site *s = b->incoming; s; s = s->next_in) {
					unpatch(e, s);
					s->to = NULL;
				}
				b->incoming = NULL;
				struct bt_jc_entry *j = &e->jc[b->user][b->rip & (BT_JC_SIZE - 1)];
				if (j->host == b->host)
					*j = (struct bt_jc_entry){ BT_JC_EMPTY, NULL, 0, NULL };
				e->c.invalidations++;
				e->stale = true;        /* the running block may be this one */
				e->cpu.pending = true;  /* ... and a REP stops at the next element, as in interp */
			} else {
				pp = &b->pnext;
			}
		}
		if (!e->page[pg])
			e->cpu.code_pages[pg] = 0;
	}
}

/* Drop every translation (the cache is full): from the dispatcher only,
 * when no translated code is running. */
void bt_flush(struct engine *e)
{
	memset(e->hash, 0, (1u << BT_HASH_BITS) * sizeof(*e->hash));
	memset(e->page, 0, e->npages * sizeof(*e->page));
	memset(e->cpu.code_pages, 0, e->npages);
	e->code_used = e->stubs_end;
	e->arena_used = 0;
	e->ncross = 0;
	memset(e->vpages, 0, sizeof(e->vpages));
	e->nvpages = 0;
	bt_jc_clear(e);
	e->c.flushes++;
}
