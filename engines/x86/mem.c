/* Guest memory: the 4-level page walk (U/S, R/W, NX, A/D, large pages),
 * the software TLB fill, linear-address reads and writes, MMIO through
 * the VM core's bus, and write tracking for the decode cache. */
#include "engines/core/sized.h"
#include "engines/core/vm.h"
#include "engines/x86/ops.h"

#define PTE_P  0x1ull
#define PTE_W  0x2ull
#define PTE_U  0x4ull
#define PTE_A  0x20ull
#define PTE_D  0x40ull
#define PTE_PS 0x80ull
#define PTE_G  0x100ull
#define PTE_XD (1ull << 63)
#define PTE_ADDR 0x000ffffffffff000ull


/* Remember which entries may be valid, so a flush (every CR3 write)
 * touches only those instead of the whole TLB. */
static void tlb_note_used(struct x86_cpu *cpu, int k, struct x86_tlb_entry *e)
{
	if (!e->used) {
		e->used = true;
		cpu->tlb_used[k][cpu->tlb_nused[k]++] = (uint16_t)(e - cpu->tlb[k]);
	}
}

static void note_large(struct x86_cpu *cpu, uint64_t key)
{
	/* Refills mostly come from the page the last one did (Linux's
	 * direct map: 1 GiB pages): that one first, not a scan of them all
	 * (17% of a walk's time in the pagefault benchmark). */
	if (cpu->tlb_large_last < cpu->tlb_nlarge && cpu->tlb_large[cpu->tlb_large_last] == key)
		return;
	for (unsigned i = 0; i < cpu->tlb_nlarge; i++)
		if (cpu->tlb_large[i] == key) {
			cpu->tlb_large_last = i;
			return;
		}
	if (cpu->tlb_nlarge < TLB_LARGE_MAX) {
		cpu->tlb_large_last = cpu->tlb_nlarge;
		cpu->tlb_large[cpu->tlb_nlarge++] = key;
	} else {
		cpu->tlb_large_all = true;
	}
}

void x86_tlb_flush(struct x86_cpu *cpu, bool keep_global)
{
	for (int k = 0; k < 2; k++) {
		unsigned kept = 0;
		for (unsigned i = 0; i < cpu->tlb_nused[k]; i++) {
			uint16_t idx = cpu->tlb_used[k][i];
			struct x86_tlb_entry *e = &cpu->tlb[k][idx];
			if (keep_global && e->global) {
				cpu->tlb_used[k][kept++] = idx;
				continue;
			}
			e->tag_r = e->tag_w = e->tag_x = TLB_NONE;
			e->global = e->used = false;
		}
		cpu->tlb_nused[k] = kept;
	}
	/* Global slices may stay, and with them their large pages' entries. */
	if (!keep_global) {
		cpu->tlb_nlarge = 0;
		cpu->tlb_large_all = false;
	}
	cpu->cnt.tlb_flushes++;
	cpu->code_gen++;
	cpu->flush_all_gen = cpu->code_gen;
	if (!keep_global)
		cpu->flush_global_gen = cpu->code_gen;
}

void x86_tlb_flush_page(struct x86_cpu *cpu, uint64_t lin)
{
	uint64_t page = lin & ~0xfffull;

	unsigned shift = 12;

	cpu->code_gen++;
	for (int k = 0; k < 2; k++) {
		struct x86_tlb_entry *e = &cpu->tlb[k][(lin >> 12) & (TLB_SIZE - 1)];
		if (e->tag_r == page || e->tag_w == page || e->tag_x == page) {
			e->tag_r = e->tag_w = e->tag_x = TLB_NONE;
			e->global = false;
		}
	}
	/* A large page is cached as 4 KiB slices in as many slots: INVLPG of
	 * any address in it drops all of them, global ones included. */
	bool large = cpu->tlb_large_all;
	for (unsigned i = 0; i < cpu->tlb_nlarge && !large; i++) {
		unsigned sh = (unsigned)(cpu->tlb_large[i] & 63);
		large = (cpu->tlb_large[i] >> sh) == (lin >> sh);
	}
	for (int k = 0; k < 2 && large; k++) {
		for (unsigned i = 0; i < cpu->tlb_nused[k]; i++) {
			struct x86_tlb_entry *e = &cpu->tlb[k][cpu->tlb_used[k][i]];
			uint64_t tag = e->tag_r != TLB_NONE ? e->tag_r : e->tag_x != TLB_NONE ? e->tag_x : e->tag_w;
			if (e->shift <= 12 || tag == TLB_NONE || (tag >> e->shift) != (lin >> e->shift))
				continue;
			e->tag_r = e->tag_w = e->tag_x = TLB_NONE;
			e->global = false;
			if (e->shift > shift)
				shift = e->shift;
		}
	}
	cpu->flush_size = 1ull << shift;
	cpu->flush_page = lin & ~(cpu->flush_size - 1);
}

void x86_mark_code_page(struct x86_cpu *cpu, uint64_t pa)
{
	uint64_t page = pa & ~0xfffull;

	/* Already marked: every TLB entry filled since has no write tag for
	 * it (walk), and those before lost theirs then. */
	if (!cpu->code_pages || page >= cpu->ram_size || cpu->code_pages[page >> 12])
		return;
	cpu->code_pages[page >> 12] = 1;
	/* Writes to the page must now take the slow path. */
	for (int k = 0; k < 2; k++)
		for (unsigned i = 0; i < cpu->tlb_nused[k]; i++) {
			struct x86_tlb_entry *e = &cpu->tlb[k][cpu->tlb_used[k][i]];
			if (e->pa == page)
				e->tag_w = TLB_NONE;
		}
}

static uint64_t phys_read8(struct x86_cpu *cpu, uint64_t pa)
{
	uint64_t v;

	if (pa + 8 > cpu->ram_size)
		return ~0ull;
	memcpy(&v, cpu->ram + pa, 8);
	return v;
}

static void phys_write8(struct x86_cpu *cpu, uint64_t pa, uint64_t v)
{
	if (pa + 8 <= cpu->ram_size)
		memcpy(cpu->ram + pa, &v, 8);
}

_Noreturn static void page_fault(struct x86_cpu *cpu, uint64_t lin, uint32_t err)
{
	cpu->cr2 = lin;
	x86_raise(cpu, X86_PF, 1, err);
}

/* Walk the 4-level tables for lin; check acc for a user or supervisor
 * access; set A/D.  Fills *e (tags for what is allowed without a walk). */
#define WALK_FAILED (~0ull)

static uint64_t walk(struct x86_cpu *cpu, uint64_t lin, int acc, bool user,
		     struct x86_tlb_entry *e, bool quiet, struct x86_walk_memo *rec)
{
	uint64_t table = cpu->cr3 & PTE_ADDR, pte = 0, ptes[4], pte_pa[4];
	bool w_ok = true, u_ok = true, x_ok = true, nxe = cpu->efer & EFER_NXE;
	uint32_t ferr = (acc == ACC_W ? 2u : 0u) | (user ? 4u : 0u) |
			(acc == ACC_X && nxe ? 16u : 0u);
	int level, n = 0;
	unsigned shift = 39;

	for (level = 4; level >= 1; level--, shift -= 9) {
		uint64_t a = table + ((lin >> shift) & 511) * 8;
		pte = phys_read8(cpu, a);
		if (!(pte & PTE_P)) {
			if (quiet)
				return WALK_FAILED;
			page_fault(cpu, lin, ferr);
		}
		/* Reserved: address bits above MAXPHYADDR, XD without EFER.NXE,
		 * PS in a PML4E, the low address bits of a large page. */
		if ((pte & x86_pte_rsvd(cpu)) || ((pte & PTE_XD) && !nxe) ||
		    (level == 4 && (pte & PTE_PS)) ||
		    ((pte & PTE_PS) && level == 2 && (pte & 0x1fe000)) ||
		    ((pte & PTE_PS) && level == 3 && (pte & 0x3fffe000))) {
			if (quiet)
				return WALK_FAILED;
			page_fault(cpu, lin, ferr | 1 | 8);
		}
		w_ok = w_ok && (pte & PTE_W);
		u_ok = u_ok && (pte & PTE_U);
		x_ok = x_ok && !(nxe && (pte & PTE_XD));
		ptes[n] = pte;
		pte_pa[n++] = a;
		if (level == 1 || ((level == 2 || level == 3) && (pte & PTE_PS)))
			break;
		table = pte & PTE_ADDR;
	}
	uint64_t psize_mask = level == 3 ? (1ull << 30) - 1 : level == 2 ? (1ull << 21) - 1 : 0xfff;

	uint64_t pa = ((pte & PTE_ADDR) & ~psize_mask) | (lin & psize_mask);
	bool wp = cpu->cr0 & CR0_WP;
	bool ok = true;

	if (user && !u_ok)
		ok = false;
	if (acc == ACC_W && !w_ok && (user || wp))
		ok = false;
	if (acc == ACC_X && !x_ok)
		ok = false;
	if (!ok) {
		if (quiet)
			return WALK_FAILED;
		page_fault(cpu, lin, ferr | 1);
	}

	/* A quiet walk (bt's refill, before the instruction runs) checks a
	 * write's permission but sets no D bit: D is the shared semantics'
	 * to set, when the instruction writes (the bt fuzz test, with MMIO
	 * mapped, found refills that had set D where interp's run of the
	 * same program did not).  A clean page fills without tag_w: its first
	 * write goes to the handler. */
	bool set_d = acc == ACC_W && !quiet;
	for (int i = 0; i < n; i++) {
		uint64_t v = ptes[i] | PTE_A;
		if (i == n - 1 && set_d)
			v |= PTE_D;
		if (v != ptes[i])
			phys_write8(cpu, pte_pa[i], v);
		if (rec) {
			rec->pte_pa[i] = pte_pa[i];
			rec->pte[i] = v;
		}
	}
	if (rec) {
		rec->page = lin & ~0xfffull;
		rec->pa = pa & ~0xfffull;
		rec->cr3 = cpu->cr3;
		rec->cr0 = cpu->cr0;
		rec->cr4 = cpu->cr4;
		rec->efer = cpu->efer;
		rec->n = (uint8_t)n;
		rec->acc = (uint8_t)acc;
		rec->user = user;
	}
	bool dirty = (pte & PTE_D) || set_d;
	uint64_t page = lin & ~0xfffull, ppage = pa & ~0xfffull;
	bool ram = ppage + 0x1000 <= cpu->ram_size;
	bool code = ram && cpu->code_pages && cpu->code_pages[ppage >> 12];

	e->pa = ppage;
	e->host = ram ? cpu->ram + ppage : NULL;
	e->addend = ram ? (uint64_t)(uintptr_t)e->host - page : 0;
	e->shift = level == 3 ? 30 : level == 2 ? 21 : 12;
	if (e->shift > 12)                      /* INVLPG must find it again */
		note_large(cpu, (lin & ~((1ull << e->shift) - 1)) | e->shift);
	e->global = (pte & PTE_G) && (cpu->cr4 & CR4_PGE);
	e->tag_r = ram && (!user || u_ok) ? page : TLB_NONE;
	e->tag_w = ram && dirty && !code && (user ? u_ok && w_ok : w_ok || !wp) ? page : TLB_NONE;
	e->tag_x = ram && x_ok && (!user || u_ok) ? page : TLB_NONE;
	if (cpu->watch)
		e->tag_r = e->tag_w = TLB_NONE;
	return pa;
}

uint64_t x86_translate(struct x86_cpu *cpu, uint64_t lin, int acc, bool user)
{
	/* The TLB array is chosen by the kind of access, not by CPL: implicit
	 * supervisor accesses at CPL 3 (IDT, GDT, TSS) fill array 0. */
	struct x86_tlb_entry *e = &cpu->tlb[user][(lin >> 12) & (TLB_SIZE - 1)];
	uint64_t pa;

	tlb_note_used(cpu, user, e);
	if (!cpu->paging) {
		uint64_t page = lin & ~0xfffull;
		bool ram = page + 0x1000 <= cpu->ram_size;
		bool code = ram && cpu->code_pages && cpu->code_pages[page >> 12];
		e->pa = page;
		e->host = ram ? cpu->ram + page : NULL;
		e->addend = ram ? (uint64_t)(uintptr_t)e->host - page : 0;
		e->shift = 12;
		e->global = false;
		e->tag_r = e->tag_x = ram ? page : TLB_NONE;
		e->tag_w = ram && !code ? page : TLB_NONE;
		if (cpu->watch)
			e->tag_r = e->tag_w = TLB_NONE;
		return lin;
	}
	if (cpu->lma && !x86_canonical(lin))
		x86_gp(cpu, 0);
	if (!(cpu->cr4 & CR4_PAE) || !cpu->lma) {
		x86_internal_error(cpu, "paging without long mode (32-bit or PAE paging) is not implemented");
		x86_exit_now(cpu);
	}
	uint64_t page = lin & ~0xfffull;
	if (cpu->mmio_tlb.gen == cpu->code_gen && cpu->mmio_tlb.page == page && cpu->mmio_tlb.user == user &&
	    (acc == ACC_R || (acc == ACC_W && cpu->mmio_tlb.w)))
		return cpu->mmio_tlb.pa | (lin & 0xfff);
	cpu->cnt.tlb_misses++;
	pa = walk(cpu, lin, acc, user, e, false, NULL);
	if (!e->host && acc != ACC_X) {
		bool same = cpu->mmio_tlb.gen == cpu->code_gen && cpu->mmio_tlb.page == page &&
			    cpu->mmio_tlb.user == user;
		bool w = acc == ACC_W || (same && cpu->mmio_tlb.w);
		cpu->mmio_tlb.gen = cpu->code_gen;
		cpu->mmio_tlb.page = page;
		cpu->mmio_tlb.pa = pa & ~0xfffull;
		cpu->mmio_tlb.user = user;
		cpu->mmio_tlb.w = w;
		cpu->mmio_tlb.quiet = -1;
	}
	return pa;
}

bool x86_tlb_fill_quiet(struct x86_cpu *cpu, uint64_t lin, unsigned size, int acc)
{
	return x86_tlb_fill_quiet_as(cpu, lin, size, acc, cpu->cpl == 3);
}

static bool fill_quiet(struct x86_cpu *cpu, uint64_t lin, unsigned size, int acc, bool user,
		       struct x86_walk_memo *rec);

bool x86_tlb_fill_quiet_as(struct x86_cpu *cpu, uint64_t lin, unsigned size, int acc, bool user)
{
	return fill_quiet(cpu, lin, size, acc, user, NULL);
}

bool x86_tlb_fill_quiet_memo(struct x86_cpu *cpu, uint64_t lin, int acc, bool user, struct x86_walk_memo *m)
{
	m->n = 0;
	return fill_quiet(cpu, lin, 1, acc, user, m);
}

bool x86_walk_same(struct x86_cpu *cpu, const struct x86_walk_memo *m, uint64_t lin, int acc, bool user)
{
	if (!m->n || m->page != (lin & ~0xfffull) || m->acc != acc || m->user != user || m->cr3 != cpu->cr3 ||
	    m->cr0 != cpu->cr0 || m->cr4 != cpu->cr4 || m->efer != cpu->efer || !cpu->paging)
		return false;
	for (unsigned i = 0; i < m->n; i++)
		if (phys_read8(cpu, m->pte_pa[i]) != m->pte[i])
			return false;
	return true;
}

static bool fill_quiet(struct x86_cpu *cpu, uint64_t lin, unsigned size, int acc, bool user,
		       struct x86_walk_memo *rec)
{
	struct x86_tlb_entry *e = &cpu->tlb[user][(lin >> 12) & (TLB_SIZE - 1)];
	uint64_t page = lin & ~0xfffull;

	cpu->quiet_fault = false;
	if ((lin & 0xfff) + size > 0x1000)
		return false;
	if (!cpu->paging) {
		x86_translate(cpu, lin, acc, user);     /* raises nothing without paging */
	} else {
		if (!cpu->lma || !(cpu->cr4 & CR4_PAE) || !x86_canonical(lin))
			return false;
		tlb_note_used(cpu, user, e);
		cpu->cnt.tlb_misses++;
		if (walk(cpu, lin, acc, user, e, true, rec) == WALK_FAILED) {
			cpu->quiet_fault = true;
			return false;
		}
	}
	return (acc == ACC_W ? e->tag_w : e->tag_r) == page;
}

/* ---- physical access, RAM or MMIO ---- */

/* An access outside RAM is an MMIO exit, handled where every engine's
 * exits are (vm_dispatch_exit: the bus, the count, the host time) without
 * leaving the engine's loop: the device answers at once. */
static uint64_t mmio_exit(struct x86_cpu *cpu, uint64_t pa, unsigned size, bool write, uint64_t v)
{
	struct vm_exit x;        /* not zeroed: 300 bytes, on a hot path */

	x.reason = VM_EXIT_MMIO;
	x.mmio.gpa = pa;
	x.mmio.size = (uint8_t)size;
	x.mmio.is_write = write;
	if (write)
		sized_store(x.mmio.data, size, v);
	vm_dispatch_exit(cpu->vm, &x);
	return write ? 0 : sized_load(x.mmio.data, size);
}

static uint64_t phys_read(struct x86_cpu *cpu, uint64_t pa, unsigned size)
{
	if (pa + size <= cpu->ram_size)
		return sized_load(cpu->ram + pa, size);
	cpu->cnt.exits[VM_EXIT_MMIO]++;      /* "this step touched MMIO" (lockstep) */
	if (!cpu->vm)
		return x86_size_mask(size);
	uint64_t v = mmio_exit(cpu, pa, size, false, 0);
	cpu->irq_check = true;
	return v & x86_size_mask(size);
}

static void phys_write(struct x86_cpu *cpu, uint64_t pa, unsigned size, uint64_t v)
{
	if (pa + size <= cpu->ram_size) {
		if (cpu->code_pages && (cpu->code_pages[pa >> 12] ||
					cpu->code_pages[(pa + size - 1) >> 12]) && cpu->code_write)
			cpu->code_write(cpu->code_ctx, pa, size);
		sized_store(cpu->ram + pa, size, v);
		return;
	}
	cpu->cnt.exits[VM_EXIT_MMIO]++;
	if (!cpu->vm)
		return;
	mmio_exit(cpu, pa, size, true, v);
	cpu->irq_check = true;
	cpu->pending = true;    /* a device may have changed what is pending */
}

static bool crosses(uint64_t lin, unsigned size)
{
	return (lin & 0xfff) + size > 0x1000;
}

static uint64_t read_as(struct x86_cpu *cpu, uint64_t lin, unsigned size, bool user)
{
	if (crosses(lin, size)) {
		unsigned first = 0x1000 - (lin & 0xfff);
		uint64_t pa1 = x86_translate(cpu, lin, ACC_R, user);
		uint64_t pa2 = x86_translate(cpu, (lin + first) & cpu->lin_mask, ACC_R, user);
		uint64_t lo = phys_read(cpu, pa1, first);
		uint64_t hi = phys_read(cpu, pa2, size - first);
		return (lo | hi << (first * 8)) & x86_size_mask(size);
	}
	return phys_read(cpu, x86_translate(cpu, lin, ACC_R, user), size);
}

static void write_as(struct x86_cpu *cpu, uint64_t lin, unsigned size, uint64_t v, bool user)
{
	if (crosses(lin, size)) {
		unsigned first = 0x1000 - (lin & 0xfff);
		/* Both pages are checked before either is written. */
		uint64_t pa1 = x86_translate(cpu, lin, ACC_W, user);
		uint64_t pa2 = x86_translate(cpu, (lin + first) & cpu->lin_mask, ACC_W, user);
		phys_write(cpu, pa1, first, v);
		phys_write(cpu, pa2, size - first, v >> (first * 8));
		return;
	}
	phys_write(cpu, x86_translate(cpu, lin, ACC_W, user), size, v);
}

/* An access for the data breakpoints (debug.c), while they watch. */
static void watch_note(struct x86_cpu *cpu, uint64_t lin, unsigned size, bool write)
{
	if (cpu->watch && cpu->n_watched < sizeof(cpu->watched) / sizeof(cpu->watched[0])) {
		cpu->watched[cpu->n_watched].lin = lin;
		cpu->watched[cpu->n_watched].size = (uint8_t)size;
		cpu->watched[cpu->n_watched++].write = write;
	}
}

uint64_t x86_read_slow(struct x86_cpu *cpu, uint64_t lin, unsigned size)
{
	uint64_t v = read_as(cpu, lin, size, cpu->cpl == 3);

	watch_note(cpu, lin, size, false);
	return v;
}

void x86_write_slow(struct x86_cpu *cpu, uint64_t lin, unsigned size, uint64_t v)
{
	write_as(cpu, lin, size, v, cpu->cpl == 3);
	watch_note(cpu, lin, size, true);
}

/* Does lin's access reach a quiet device (bus.h) without a walk or a
 * fault: through the MMIO page x86_translate memoed last (same privilege,
 * writable for a write), all of which one quiet device's range holds?
 * The memo keeps the answer (ranges are only ever added, none over
 * another: a page's answer does not change). */
static bool quiet_mmio(struct x86_cpu *cpu, uint64_t lin, unsigned size, bool write, uint64_t *pa)
{
	if (!cpu->vm || !cpu->paging || cpu->watch || crosses(lin, size) ||
	    cpu->mmio_tlb.gen != cpu->code_gen || cpu->mmio_tlb.page != (lin & ~0xfffull) ||
	    cpu->mmio_tlb.user != (cpu->cpl == 3) || (write && !cpu->mmio_tlb.w))
		return false;
	if (cpu->mmio_tlb.quiet < 0) {
		const struct bus_range *r = bus_find(&cpu->vm->mmio, cpu->mmio_tlb.pa);
		cpu->mmio_tlb.quiet = r && r->quiet && cpu->mmio_tlb.pa + 0x1000 <= r->base + r->len;
	}
	*pa = cpu->mmio_tlb.pa | (lin & 0xfff);
	return cpu->mmio_tlb.quiet;
}

bool x86_mmio_quiet(struct x86_cpu *cpu, uint64_t lin, unsigned size, bool write, uint64_t *v)
{
	uint64_t pa;

	if (!quiet_mmio(cpu, lin, size, write, &pa))
		return false;
	cpu->cnt.exits[VM_EXIT_MMIO]++;         /* as phys_read and phys_write */
	uint64_t r = mmio_exit(cpu, pa, size, write, *v);
	if (!write)
		*v = r & x86_size_mask(size);
	return true;
}

/* Descriptor tables, the IDT, the TSS and delivery pushes: supervisor
 * accesses whatever the CPL, through TLB array 0. */
uint64_t x86_read_sys(struct x86_cpu *cpu, uint64_t lin, unsigned size)
{
	struct x86_tlb_entry *e;

	lin &= cpu->lin_mask;
	e = &cpu->tlb[0][(lin >> 12) & (TLB_SIZE - 1)];
	if (e->tag_r == (lin & ~0xfffull) && (lin & 0xfff) + size <= 0x1000)
		return sized_load(e->host + (lin & 0xfff), size);
	return read_as(cpu, lin, size, false);
}

void x86_write_sys(struct x86_cpu *cpu, uint64_t lin, unsigned size, uint64_t v)
{
	struct x86_tlb_entry *e;

	lin &= cpu->lin_mask;
	e = &cpu->tlb[0][(lin >> 12) & (TLB_SIZE - 1)];
	if (e->tag_w == (lin & ~0xfffull) && (lin & 0xfff) + size <= 0x1000) {
		sized_store(e->host + (lin & 0xfff), size, v);
		return;
	}
	write_as(cpu, lin, size, v, false);
}

const uint8_t *x86_fetch_ptr(struct x86_cpu *cpu, uint64_t lin, uint64_t *pa, unsigned *avail)
{
	struct x86_tlb_entry *e = x86_tlb(cpu, lin);
	unsigned off = lin & 0xfff;

	*avail = 0x1000 - off;
	if (e->tag_x == (lin & ~0xfffull)) {
		*pa = e->pa + off;
		return e->host + off;
	}
	*pa = x86_translate(cpu, lin, ACC_X, cpu->cpl == 3);
	if (*pa + *avail > cpu->ram_size)
		return NULL;
	return cpu->ram + *pa;
}
