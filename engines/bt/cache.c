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
	/* Only the listed slots are on: a memset of the 32 KiB map took 80%
	 * of the mov_cr3 benchmark (353 ns per write, perf). */
	for (unsigned k = 0; k < e->jc_nng; k++)
		e->jc_ng_on[e->jc_ng[k] / BT_JC_SIZE][e->jc_ng[k] % BT_JC_SIZE] = false;
	e->jc_nng = 0;
}

void bt_jc_set(struct engine *e, struct bt_block *b)
{
	unsigned i = (unsigned)(b->rip & (BT_JC_SIZE - 1));

	e->jc[b->user][i] = (struct bt_jc_entry){ b->rip, b->host, e->ctx.jc_epoch, b };
	if (!b->global && !e->jc_ng_on[b->user][i]) {
		e->jc_ng_on[b->user][i] = true;
		e->jc_ng[e->jc_nng++] = (uint16_t)(b->user * BT_JC_SIZE + i);
	}
}

static unsigned vpage_slot(uint64_t key)
{
	return (unsigned)((key * 0x9e3779b97f4a7c15ull) >> 52) & (BT_VPAGES - 1);
}

void bt_vpage_add(struct engine *e, uint64_t rip)
{
	uint64_t key = (rip & ~0xfffull) | 2;           /* never 0: 0 marks a free slot */

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
	uint64_t key = (lin & ~0xfffull) | 2;

	if (e->nvpages >= BT_VPAGES / 2)
		return true;
	for (unsigned i = vpage_slot(key); e->vpages[i]; i = (i + 1) & (BT_VPAGES - 1))
		if (e->vpages[i] == key)
			return true;
	return false;
}

static intptr_t code_delta(const struct engine *e)
{
	return (intptr_t)((uintptr_t)e->code_rx - (uintptr_t)e->code_rw);
}

/* A slow path whose instruction reached MMIO: its probe's miss jumps
 * past the refill from now on (which could not make MMIO hit), to the
 * access in place by a quiet device where the instruction has one
 * (device.c), else to its helper call: the probe and one call.  Once the
 * helper is the way (no access in place, or it failed), where the instruction's
 * code starts with every guest register in its host register (s->direct:
 * not a group member, not inside a scratch run), its first bytes become a
 * jump to the helper call: no spill, probe or reload either (the helper
 * reads RAM as well, should the page become RAM again). */
void bt_slow_skip_fill(struct engine *e, struct bt_site *s)
{
	s->miss = s->patch;
	s->patch = NULL;
	e->c.mmio_sites++;
	if (s->mmio_try)
		em_patch_rel32(s->miss, code_delta(e), s->mmio_try);
	else
		bt_slow_to_helper(e, s);
}

void bt_slow_to_helper(struct engine *e, struct bt_site *s)
{
	em_patch_rel32(s->miss, code_delta(e), s->stub);
	s->mmio_try = NULL;
	if (s->direct) {
		uint8_t *rw = s->block->host + s->block->ioff[s->idx] - code_delta(e);
		rw[0] = 0xe9;                           /* jmp rel32 */
		em_patch_rel32(rw + 1, code_delta(e), s->direct);
	}
}

static void unpatch(struct engine *e, struct bt_site *s)
{
	if (!s->linked)
		return;
	em_patch_rel32(s->patch, code_delta(e), s->stub);
	s->linked = false;
}

static bool global_pair(const struct bt_site *s, const struct bt_block *to)
{
	return s->block->global && to->global;
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
	if (cross && global_pair(s, to) && !s->listed_g) {
		if (e->ncross_g >= BT_CROSS_G_MAX)
			bt_unlink_cross(e);
		e->cross_g[e->ncross_g++] = s;
		s->listed_g = true;
	} else if (cross && !global_pair(s, to) && !s->listed) {
		if (e->ncross >= BT_CROSS_MAX)
			bt_unlink_cross(e);
		e->cross[e->ncross++] = s;
		s->listed = true;
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

static void unlink_counted(struct engine *e, struct bt_site *s)
{
	if (s->linked)
		e->c.unlinks++;
	unpatch(e, s);
	incoming_remove(s);
}

/* Undo every link across pages: the page tables may have changed. */
void bt_unlink_cross(struct engine *e)
{
	for (unsigned i = 0; i < e->ncross; i++) {
		unlink_counted(e, e->cross[i]);
		e->cross[i]->listed = false;
	}
	for (unsigned i = 0; i < e->ncross_g; i++) {
		unlink_counted(e, e->cross_g[i]);
		e->cross_g[i]->listed_g = false;
	}
	e->ncross = e->ncross_g = 0;
}

bool bt_code_page_maps(struct engine *e, uint64_t lin, uint64_t pa, bool user)
{
	struct x86_cpu *cpu = &e->cpu;
	const struct x86_tlb_entry *t = &cpu->tlb[user][(lin >> 12) & (TLB_SIZE - 1)];
	uint64_t page = lin & ~0xfffull;

	if (t->tag_x == page)
		return t->pa == (pa & ~0xfffull);
	/* After a CR3 write, mostly the same few code pages through the same
	 * tables: their walks' entries read again (x86_walk_same). */
	for (unsigned i = 0; i < BT_CODE_WALKS; i++)
		if (x86_walk_same(cpu, &e->code_walk[i], lin, ACC_X, user)) {
			e->c.walks_reused++;
			return e->code_walk[i].pa == (pa & ~0xfffull);
		}
	x86_tlb_fill_quiet_memo(cpu, lin, ACC_X, user, &e->code_walk[e->code_walk_next++ % BT_CODE_WALKS]);
	return t->tag_x == page && t->pa == (pa & ~0xfffull);
}

/* Where each code page maps now, for one pass over the links or the jump
 * cache: a page no longer mapped (the process that left) would otherwise
 * cost a failed walk per link into it. */
#define MAP_MEMO 64
struct map_memo {
	uint64_t key[MAP_MEMO];         /* linear page | user | 2; 0: free */
	uint64_t pa[MAP_MEMO];          /* its physical page, ~0: not executable */
};

static bool block_page_maps(struct engine *e, struct map_memo *m, const struct bt_block *b)
{
	uint64_t key = (b->rip & ~0xfffull) | b->user | 2;
	unsigned i = (unsigned)(b->rip >> 12) & (MAP_MEMO - 1);

	if (m->key[i] != key) {
		m->key[i] = key;
		m->pa[i] = bt_code_page_maps(e, b->rip, b->pa, b->user) ? b->pa & ~0xfffull : ~0ull;
	}
	return m->pa[i] == (b->pa & ~0xfffull);
}

/* The links between global pages are not even looked at (their own list);
 * a link to a block whose code page still maps to the same physical page
 * stays: the other process of a pipe or a fork runs the same code, and a
 * context switch no longer sends each of its branches across pages back
 * through the dispatcher.  The source block needs no check: it runs only
 * when reached by its own mapping. */
void bt_unlink_cross_nonglobal(struct engine *e)
{
	struct map_memo m = { { 0 }, { 0 } };
	unsigned kept = 0;

	for (unsigned i = 0; i < e->ncross; i++) {
		struct bt_site *s = e->cross[i];
		struct bt_block *to = s->to;
		if (s->linked && to && !s->block->dead && !to->dead && block_page_maps(e, &m, to)) {
			e->cross[kept++] = s;
			continue;
		}
		unlink_counted(e, s);
		s->listed = false;
	}
	e->ncross = kept;
}

void bt_jc_clear_nonglobal(struct engine *e)
{
	struct map_memo m = { { 0 }, { 0 } };
	unsigned kept = 0;

	for (unsigned k = 0; k < e->jc_nng; k++) {
		unsigned u = e->jc_ng[k] / BT_JC_SIZE, i = e->jc_ng[k] % BT_JC_SIZE;
		struct bt_jc_entry *j = &e->jc[u][i];
		const struct bt_block *b = j->block;
		bool live = j->epoch == e->ctx.jc_epoch && j->rip != BT_JC_EMPTY && b && !b->dead;
		if (live && (b->global || block_page_maps(e, &m, b))) {
			if (!b->global)
				e->jc_ng[kept++] = e->jc_ng[k];
			else
				e->jc_ng_on[u][i] = false;
			continue;
		}
		j->rip = BT_JC_EMPTY;
		e->jc_ng_on[u][i] = false;
	}
	e->jc_nng = kept;
}

/* After INVLPG of [lin, lin + size), a range holding translations: the
 * links into blocks there and their jump-cache entries go; the rest hold,
 * as the TLB's other entries do (Linux's exec and munmap flush a few user
 * pages one by one: each emptied the whole jump cache, and the kernel's
 * every return, one RET behind the SRSO return thunk, missed it again). */
static unsigned keep_outside(struct engine *e, struct bt_site **list, unsigned n, bool g,
			     uint64_t lin, uint64_t size)
{
	unsigned kept = 0;

	for (unsigned i = 0; i < n; i++) {
		struct bt_site *s = list[i];
		if (s->linked && s->to && s->to->rip - lin >= size) {
			list[kept++] = s;
			continue;
		}
		unlink_counted(e, s);
		if (g)
			s->listed_g = false;
		else
			s->listed = false;
	}
	return kept;
}

void bt_forget_range(struct engine *e, uint64_t lin, uint64_t size)
{
	e->ncross = keep_outside(e, e->cross, e->ncross, false, lin, size);
	e->ncross_g = keep_outside(e, e->cross_g, e->ncross_g, true, lin, size);
	/* Only the slots the range's addresses index. */
	uint64_t n = size < BT_JC_SIZE ? size : BT_JC_SIZE;
	for (unsigned u = 0; u < 2; u++)
		for (uint64_t k = 0; k < n; k++) {
			struct bt_jc_entry *j = &e->jc[u][(lin + k) & (BT_JC_SIZE - 1)];
			if (j->rip - lin < size)
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
			bool hit = b->pa < end && pa < b->pa + b->bytes;
			if (b->callee_n)
				hit |= b->pa + b->callee_off < end && pa < b->pa + b->callee_off + b->callee_bytes;
			if (hit) {
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
	e->ncross = e->ncross_g = 0;
	memset(e->vpages, 0, sizeof(e->vpages));
	e->nvpages = 0;
	bt_jc_clear(e);
	e->c.flushes++;
}
