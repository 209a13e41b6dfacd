/* Segment descriptors: reading the GDT/LDT, loading segment registers with
 * the protection checks of SDM vol. 3, 5.5-5.8, TR and LDTR. */
#include "engines/x86/ops.h"

bool x86_read_desc(struct x86_cpu *cpu, uint16_t sel, uint64_t *lo, uint64_t *hi)
{
	uint64_t base, limit, off = sel & ~7u;

	if (sel & 4) {
		if (cpu->ldtr.unusable)
			return false;
		base = cpu->ldtr.base;
		limit = cpu->ldtr.limit;
	} else {
		base = cpu->gdt.base;
		limit = cpu->gdt.limit;
	}
	if (off + 7 > limit)
		return false;
	*lo = x86_read_sys(cpu, base + off, 8);
	if (hi)         /* a code or data segment's descriptor is 8 bytes in every mode */
		*hi = off + 15 <= limit ? x86_read_sys(cpu, base + off + 8, 8) : 0;
	return true;
}

/* The last descriptors decoded, per thread (a vCPU's): every exception
 * round trip decodes the same CS twice and SS once, 64 host instructions
 * each; a hit copies the segment.  A slot per GDT index 0-7: with four,
 * the kernel's CS 0x08 and the user's 0x28 took turns in one slot, and
 * a round trip from CPL 3 hit it never. */
#define DESC_MEMO 8
static _Thread_local struct desc_memo {
	uint64_t lo;
	uint16_t sel;
	bool valid;
	struct segment s;
} desc_memo[DESC_MEMO];

void x86_desc_to_seg(uint64_t lo, uint16_t sel, struct segment *s)
{
	struct desc_memo *m = &desc_memo[(sel >> 3) & (DESC_MEMO - 1)];

	if (m->valid && m->lo == lo && m->sel == sel) {
		*s = m->s;
		return;
	}
	uint32_t limit = (uint32_t)((lo & 0xffff) | (((lo >> 48) & 0xf) << 16));
	uint8_t g = (lo >> 55) & 1;
	/* One store of the whole: field by field took 70 host instructions. */
	*s = (struct segment){
		.selector = sel,
		.base = ((lo >> 16) & 0xffffff) | (((lo >> 56) & 0xff) << 24),
		.type = (lo >> 40) & 0xf,
		.s = (lo >> 44) & 1,
		.dpl = (lo >> 45) & 3,
		.present = (lo >> 47) & 1,
		.avl = (lo >> 52) & 1,
		.l = (lo >> 53) & 1,
		.db = (lo >> 54) & 1,
		.g = g,
		.limit = g ? (limit << 12) | 0xfff : limit,
	};
	*m = (struct desc_memo){ lo, sel, true, *s };
}

/* Set the accessed bit in the descriptor, as the processor does.  The
 * loads below decode the descriptor with it set (DESC_ACCESSED) rather
 * than set it in the decoded copy: a field changed just before the copy
 * into cpu->seg is a small store the copy's wide loads cannot take their
 * data from (store-to-load forwarding), so they wait for it to reach
 * the cache, on every segment load of an exception round trip. */
#define DESC_ACCESSED (1ull << 40)

static void set_accessed(struct x86_cpu *cpu, uint16_t sel, uint64_t lo)
{
	uint64_t base = (sel & 4) ? cpu->ldtr.base : cpu->gdt.base;

	if (!(lo & (1ull << 40)))
		x86_write_sys(cpu, base + (sel & ~7u) + 5, 1, (lo >> 40 & 0xff) | 1);
}

void x86_load_seg(struct x86_cpu *cpu, int sreg, uint16_t sel)
{
	uint64_t lo;
	unsigned rpl = sel & 3, cpl = cpu->cpl;
	struct segment s;

	if (sreg == S_CS)
		x86_ud(cpu);
	if (!(cpu->cr0 & CR0_PE)) {
		cpu->seg[sreg].selector = sel;
		cpu->seg[sreg].base = (uint64_t)sel << 4;
		x86_update_mode(cpu);
		return;
	}
	if (!(sel & ~3u)) {
		if (sreg == S_SS && !(cpu->mode == 64 && cpl < 3 && rpl == cpl))
			x86_gp(cpu, 0);
		cpu->seg[sreg] = (struct segment){ .selector = sel, .unusable = 1,
						   .dpl = (uint8_t)cpl, .db = sreg == S_SS };
		x86_update_mode(cpu);
		return;
	}
	if (!x86_read_desc(cpu, sel, &lo, NULL))
		x86_gp(cpu, sel & ~3u);
	x86_desc_to_seg(lo | DESC_ACCESSED, sel, &s);          /* as it will be: set_accessed */
	if (sreg == S_SS) {
		if (rpl != cpl || !s.s || (s.type & 8) || !(s.type & 2) || s.dpl != cpl)
			x86_gp(cpu, sel & ~3u);
		if (!s.present)
			x86_raise(cpu, X86_SS, 1, sel & ~3u);
	} else {
		bool code = s.type & 8;
		if (!s.s || (code && !(s.type & 2)))
			x86_gp(cpu, sel & ~3u);
		if ((!code || !(s.type & 4)) && s.dpl < (rpl > cpl ? rpl : cpl))
			x86_gp(cpu, sel & ~3u);
		if (!s.present)
			x86_raise(cpu, X86_NP, 1, sel & ~3u);
	}
	set_accessed(cpu, sel, lo);
	cpu->seg[sreg] = s;
	x86_update_mode(cpu);
}

void x86_load_cs(struct x86_cpu *cpu, uint16_t sel, int new_cpl)
{
	uint64_t lo;
	struct segment s;

	if (!(sel & ~3u) || !x86_read_desc(cpu, sel, &lo, NULL))
		x86_gp(cpu, sel & ~3u);
	x86_desc_to_seg(lo | DESC_ACCESSED, (uint16_t)((sel & ~3) | new_cpl), &s);
	if (!s.s || !(s.type & 8))
		x86_gp(cpu, sel & ~3u);
	if (!s.present)
		x86_raise(cpu, X86_NP, 1, sel & ~3u);
	set_accessed(cpu, sel, lo);
	cpu->seg[S_CS] = s;
	cpu->cpl = (uint8_t)new_cpl;
	x86_update_mode(cpu);
}

void x86_load_tr(struct x86_cpu *cpu, uint16_t sel)
{
	uint64_t lo, hi;
	struct segment s;

	if (!(sel & ~3u) || (sel & 4) || !x86_read_desc(cpu, sel, &lo, &hi))
		x86_gp(cpu, sel & ~3u);
	x86_desc_to_seg(lo, sel, &s);
	if (s.s || (s.type != 9 && s.type != 1))
		x86_gp(cpu, sel & ~3u);
	if (!s.present)
		x86_raise(cpu, X86_NP, 1, sel & ~3u);
	/* IA-32e mode: only a 64-bit TSS (type 9), the upper half's type
	 * field (bits 8-12 of its second dword: bits 40-44 of hi; the first
	 * dword is base 63:32) zero, a canonical base. */
	if (cpu->lma) {
		s.base |= (hi & 0xffffffff) << 32;
		if (s.type != 9 || ((hi >> 40) & 0x1f) || !x86_canonical(s.base))
			x86_gp(cpu, sel & ~3u);
	}
	/* Mark the TSS busy in the GDT. */
	x86_write_sys(cpu, cpu->gdt.base + (sel & ~7u) + 5, 1, ((lo >> 40) & 0xff) | 2);
	s.type |= 2;
	cpu->tr = s;
}

void x86_load_ldt(struct x86_cpu *cpu, uint16_t sel)
{
	uint64_t lo, hi;
	struct segment s;

	if (!(sel & ~3u)) {
		cpu->ldtr = (struct segment){ .selector = sel, .unusable = 1 };
		return;
	}
	if ((sel & 4) || !x86_read_desc(cpu, sel, &lo, &hi))
		x86_gp(cpu, sel & ~3u);
	x86_desc_to_seg(lo, sel, &s);
	if (s.s || s.type != 2)
		x86_gp(cpu, sel & ~3u);
	if (!s.present)
		x86_raise(cpu, X86_NP, 1, sel & ~3u);
	if (cpu->lma) {
		s.base |= (hi & 0xffffffff) << 32;
		if (((hi >> 40) & 0x1f) || !x86_canonical(s.base))
			x86_gp(cpu, sel & ~3u);
	}
	cpu->ldtr = s;
}
