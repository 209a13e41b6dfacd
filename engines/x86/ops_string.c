/* String instructions MOVS, STOS, LODS, CMPS, SCAS with REP/REPE/REPNE.
 * Each element commits RSI/RDI/RCX, so a fault in the middle leaves a
 * restartable state, as on the hardware; long runs yield every 64K
 * elements so interrupts and the stop flag are seen. */
#include "engines/x86/ops.h"
#include "engines/x86/ops_list.h"

enum { S_MOVS, S_STOS, S_LODS, S_CMPS, S_SCAS };

static unsigned elem_size(const struct x86_inst *in)
{
	switch (in->id) {
	case X86_INS_MOVSB: case X86_INS_STOSB: case X86_INS_LODSB:
	case X86_INS_CMPSB: case X86_INS_SCASB:
		return 1;
	case X86_INS_MOVSW: case X86_INS_STOSW: case X86_INS_LODSW:
	case X86_INS_CMPSW: case X86_INS_SCASW:
		return 2;
	case X86_INS_MOVSQ: case X86_INS_STOSQ: case X86_INS_LODSQ:
	case X86_INS_CMPSQ: case X86_INS_SCASQ:
		return 8;
	default:
		return 4;
	}
}

static inline void bump(struct x86_cpu *cpu, int reg, unsigned as, int64_t step)
{
	set_reg(cpu, reg, as, 0, cpu->gpr[reg] + (uint64_t)step);
}

/* n elements of size bytes of v at d: one memset when every byte is the
 * same (clear_page's zeros), else stores of a constant size (a memcpy
 * call per element cost more than the data). */
static void store_run(uint8_t *d, uint64_t v, unsigned size, uint64_t n)
{
	uint64_t mask = x86_size_mask(size);

	if ((v & mask) == ((v & 0xff) * 0x0101010101010101ull & mask)) {
		memset(d, (int)(v & 0xff), n * size);
		return;
	}
	for (uint64_t i = 0; i < n; i++) {
		if (size == 2)
			memcpy(d + i * 2, &v, 2);
		else if (size == 4)
			memcpy(d + i * 4, &v, 4);
		else
			memcpy(d + i * 8, &v, 8);
	}
}

/* REP MOVS/STOS, forward, within one page on each side, both pages in the
 * TLB for the access: one memmove/memset instead of an element loop.
 * Returns the elements done (0: take the element loop). */
static uint64_t bulk(struct x86_cpu *cpu, const struct x86_inst *in, int kind, unsigned size)
{
	uint64_t count = cpu->gpr[R_RCX], di = cpu->gpr[R_RDI], si = cpu->gpr[R_RSI];
	uint64_t ldi = x86_lin(cpu, S_ES, di), lsi = x86_lin(cpu, in->sseg, si);
	uint64_t room = (0x1000 - (ldi & 0xfff)) / size, n;
	struct x86_tlb_entry *w = x86_tlb(cpu, ldi);

	if (in->addrsize != 8 || (cpu->rflags & F_DF) || w->tag_w != (ldi & ~0xfffull))
		return 0;
	if (kind == S_MOVS) {
		struct x86_tlb_entry *r = x86_tlb(cpu, lsi);
		uint64_t room_s = (0x1000 - (lsi & 0xfff)) / size;
		if (r->tag_r != (lsi & ~0xfffull))
			return 0;
		room = room < room_s ? room : room_s;
	}
	n = count < room ? count : room;
	if (!n)
		return 0;
	uint8_t *d = w->host + (ldi & 0xfff);
	if (kind == S_MOVS) {
		const uint8_t *src = x86_tlb(cpu, lsi)->host + (lsi & 0xfff);
		/* Overlap copies element by element on x86: leave it to the loop. */
		if (d < src + n * size && src < d + n * size)
			return 0;
		memcpy(d, src, n * size);
		cpu->gpr[R_RSI] = si + n * size;
	} else {
		store_run(d, cpu->gpr[R_RAX], size, n);
	}
	cpu->gpr[R_RDI] = di + n * size;
	cpu->gpr[R_RCX] = count - n;
	return n;
}

/* REP MOVS/STOS a page at a time while bulk() can, within the budget;
 * true when RCX reached 0. */
static bool bulk_run(struct x86_cpu *cpu, const struct x86_inst *in, int kind, unsigned size,
		     unsigned *budget)
{
	while (cpu->gpr[R_RCX] && *budget && bulk(cpu, in, kind, size))
		--*budget;
	return !cpu->gpr[R_RCX];
}

static int string_op(struct x86_cpu *cpu, const struct x86_inst *in, int kind)
{
	unsigned size = elem_size(in), as = in->addrsize;
	uint64_t am = addr_mask(as);
	int64_t step = (cpu->rflags & F_DF) ? -(int64_t)size : (int64_t)size;
	bool rep = in->rep != 0;
	unsigned budget = 1u << 16;

	if (rep && (cpu->gpr[R_RCX] & am) == 0)
		return advance(cpu, in);
	bool bulky = rep && (kind == S_MOVS || kind == S_STOS);
	if (bulky && bulk_run(cpu, in, kind, size, &budget))
		return advance(cpu, in);
	for (;;) {
		uint64_t si = cpu->gpr[R_RSI] & am, di = cpu->gpr[R_RDI] & am, v, fl;

		switch (kind) {
		case S_MOVS:
			v = x86_read(cpu, x86_lin(cpu, in->sseg, si), size);
			x86_write(cpu, x86_lin(cpu, S_ES, di), size, v);
			bump(cpu, R_RSI, as, step);
			bump(cpu, R_RDI, as, step);
			break;
		case S_STOS:
			x86_write(cpu, x86_lin(cpu, S_ES, di), size, cpu->gpr[R_RAX]);
			bump(cpu, R_RDI, as, step);
			break;
		case S_LODS:
			v = x86_read(cpu, x86_lin(cpu, in->sseg, si), size);
			set_reg(cpu, R_RAX, size, 0, v);
			bump(cpu, R_RSI, as, step);
			break;
		case S_CMPS:
			v = x86_read(cpu, x86_lin(cpu, in->sseg, si), size);
			fl = cpu->rflags;
			x86_alu(A_CMP, size, v, x86_read(cpu, x86_lin(cpu, S_ES, di), size), &fl);
			cpu->rflags = fl;
			bump(cpu, R_RSI, as, step);
			bump(cpu, R_RDI, as, step);
			break;
		default: /* SCAS */
			fl = cpu->rflags;
			x86_alu(A_CMP, size, cpu->gpr[R_RAX] & x86_size_mask(size),
				x86_read(cpu, x86_lin(cpu, S_ES, di), size), &fl);
			cpu->rflags = fl;
			bump(cpu, R_RDI, as, step);
			break;
		}
		if (!rep)
			break;
		set_reg(cpu, R_RCX, as, 0, cpu->gpr[R_RCX] - 1);
		if ((cpu->gpr[R_RCX] & am) == 0)
			break;
		if (kind == S_CMPS || kind == S_SCAS) {
			bool zf = cpu->rflags & F_ZF;
			if (in->rep == 0xf3 ? !zf : zf)
				break;
		}
		if (budget == 0 || --budget == 0 || cpu->pending)
			return 1;       /* same RIP: resumes after the boundary */
		/* The element may have filled the TLB (a page's first access
		 * walks: a fresh page's clear_page, a copy to a new user
		 * page): the rest of the page at once, not element by element. */
		if (bulky && bulk_run(cpu, in, kind, size, &budget))
			break;
	}
	return advance(cpu, in);
}

HANDLER(h_movs) { return string_op(cpu, in, S_MOVS); }
HANDLER(h_stos) { return string_op(cpu, in, S_STOS); }
HANDLER(h_lods) { return string_op(cpu, in, S_LODS); }
HANDLER(h_cmps) { return string_op(cpu, in, S_CMPS); }
HANDLER(h_scas) { return string_op(cpu, in, S_SCAS); }
