/* Integer arithmetic and logic handlers: ALU groups, shifts and rotates,
 * multiply and divide, bit tests and scans, exchange-and-add. */
#include "engines/x86/ops.h"
#include "engines/x86/ops_list.h"

/* dst OP= src, for the ALU group and TEST. */
static inline int alu2(struct x86_cpu *cpu, const struct x86_inst *in, int op, bool store)
{
	const struct x86_op *d = &in->op[0];
	unsigned size = in->opsize;
	uint64_t fl = cpu->rflags;
	uint64_t b = op_read(cpu, in, &in->op[1]) & x86_size_mask(size);

	if (d->kind == OP_REG) {
		uint64_t r = x86_alu(op, size, get_reg(cpu, d->reg, size, d->hi8), b, &fl);
		if (store)
			set_reg(cpu, d->reg, size, d->hi8, r);
	} else {
		uint64_t lin = mem_lin(cpu, in, d);
		uint64_t r = x86_alu(op, size, x86_read(cpu, lin, size), b, &fl);
		if (store)
			x86_write(cpu, lin, size, r);
	}
	cpu->rflags = fl;
	return advance(cpu, in);
}

HANDLER(h_add) { return alu2(cpu, in, A_ADD, true); }
HANDLER(h_or)  { return alu2(cpu, in, A_OR, true); }
HANDLER(h_adc) { return alu2(cpu, in, A_ADC, true); }
HANDLER(h_sbb) { return alu2(cpu, in, A_SBB, true); }
HANDLER(h_and) { return alu2(cpu, in, A_AND, true); }
HANDLER(h_sub) { return alu2(cpu, in, A_SUB, true); }
HANDLER(h_xor) { return alu2(cpu, in, A_XOR, true); }
HANDLER(h_cmp) { return alu2(cpu, in, A_CMP, false); }
HANDLER(h_test) { return alu2(cpu, in, A_TEST, false); }

/* dst = OP dst */
static inline int alu1(struct x86_cpu *cpu, const struct x86_inst *in, int op)
{
	const struct x86_op *d = &in->op[0];
	unsigned size = in->opsize;
	uint64_t fl = cpu->rflags;

	if (d->kind == OP_REG) {
		uint64_t r = x86_alu(op, size, get_reg(cpu, d->reg, size, d->hi8), 0, &fl);
		set_reg(cpu, d->reg, size, d->hi8, r);
	} else {
		uint64_t lin = mem_lin(cpu, in, d);
		uint64_t r = x86_alu(op, size, x86_read(cpu, lin, size), 0, &fl);
		x86_write(cpu, lin, size, r);
	}
	cpu->rflags = fl;
	return advance(cpu, in);
}

HANDLER(h_inc) { return alu1(cpu, in, A_INC); }
HANDLER(h_dec) { return alu1(cpu, in, A_DEC); }
HANDLER(h_neg) { return alu1(cpu, in, A_NEG); }

HANDLER(h_not)
{
	op_write(cpu, in, &in->op[0], ~op_read(cpu, in, &in->op[0]));
	return advance(cpu, in);
}

/* Shifts and rotates: count from an immediate, CL, or 1.  The immediate
 * form runs as itself on the host, register or memory (alu_imm.c): on
 * Intel its undefined OF differs from the CL form's, and between the two. */
static inline uint64_t shift_op(const struct x86_inst *in, int op, unsigned size, uint64_t a,
				uint64_t count, uint64_t *fl)
{
	if (in->flags & IF_IMM_COUNT)
		return x86_shift_imm(op, size, in->op[0].kind == OP_MEM, a, (uint8_t)count, fl);
	return x86_alu(op, size, a, count, fl);
}

static inline int shift(struct x86_cpu *cpu, const struct x86_inst *in, int op)
{
	const struct x86_op *d = &in->op[0];
	unsigned size = in->opsize;
	uint64_t fl = cpu->rflags;
	uint64_t count = in->nops > 1 ? op_read(cpu, in, &in->op[1]) & 0xff : 1;

	if (d->kind == OP_REG) {
		uint64_t r = shift_op(in, op, size, get_reg(cpu, d->reg, size, d->hi8), count, &fl);
		set_reg(cpu, d->reg, size, d->hi8, r);
	} else {
		uint64_t lin = mem_lin(cpu, in, d);
		uint64_t r = shift_op(in, op, size, x86_read(cpu, lin, size), count, &fl);
		x86_write(cpu, lin, size, r);
	}
	cpu->rflags = fl;
	return advance(cpu, in);
}

HANDLER(h_rol) { return shift(cpu, in, A_ROL); }
HANDLER(h_ror) { return shift(cpu, in, A_ROR); }
HANDLER(h_rcl) { return shift(cpu, in, A_RCL); }
HANDLER(h_rcr) { return shift(cpu, in, A_RCR); }
HANDLER(h_shl) { return shift(cpu, in, A_SHL); }
HANDLER(h_shr) { return shift(cpu, in, A_SHR); }
HANDLER(h_sar) { return shift(cpu, in, A_SAR); }

static inline uint64_t shxd_op(const struct x86_inst *in, bool left, unsigned size, uint64_t a,
			       uint64_t src, uint8_t count, uint64_t *fl)
{
	if (in->op[2].kind == OP_IMM)
		return x86_shxd_imm(left, size, in->op[0].kind == OP_MEM, a, src, count, fl);
	return x86_shxd(left, size, a, src, count, fl);
}

static inline int shxd(struct x86_cpu *cpu, const struct x86_inst *in, bool left)
{
	const struct x86_op *d = &in->op[0];
	unsigned size = in->opsize;
	uint64_t fl = cpu->rflags;
	uint64_t src = op_read(cpu, in, &in->op[1]);
	uint8_t count = (uint8_t)op_read(cpu, in, &in->op[2]);

	if (d->kind == OP_REG) {
		uint64_t r = shxd_op(in, left, size, get_reg(cpu, d->reg, size, 0), src, count, &fl);
		set_reg(cpu, d->reg, size, 0, r);
	} else {
		uint64_t lin = mem_lin(cpu, in, d);
		uint64_t r = shxd_op(in, left, size, x86_read(cpu, lin, size), src, count, &fl);
		x86_write(cpu, lin, size, r);
	}
	cpu->rflags = fl;
	return advance(cpu, in);
}

HANDLER(h_shld) { return shxd(cpu, in, true); }
HANDLER(h_shrd) { return shxd(cpu, in, false); }

/* One-operand MUL, IMUL, DIV, IDIV on rDX:rAX (AH:AL for bytes). */
static int muldiv(struct x86_cpu *cpu, const struct x86_inst *in, int op)
{
	unsigned size = in->opsize;
	uint64_t src = op_read(cpu, in, &in->op[0]) & x86_size_mask(size);
	uint64_t m = x86_size_mask(size);
	uint64_t lo, hi, fl = cpu->rflags;

	if (size == 1) {
		lo = cpu->gpr[R_RAX] & 0xff;
		hi = (cpu->gpr[R_RAX] >> 8) & 0xff;
	} else {
		lo = cpu->gpr[R_RAX] & m;
		hi = cpu->gpr[R_RDX] & m;
	}
	if (op == MD_DIV || op == MD_IDIV) {
		/* #DE on a zero divisor or a quotient that does not fit:
		 * checked here, the host would fault instead. */
		unsigned bits = size * 8;
		if (src == 0)
			x86_raise(cpu, X86_DE, 0, 0);
		if (op == MD_DIV) {
			if (hi >= src)
				x86_raise(cpu, X86_DE, 0, 0);
		} else {
			unsigned __int128 u = ((unsigned __int128)hi << bits) | lo;
			unsigned sh = 128 - 2 * bits;
			/* Sign-extend the 2*bits-wide dividend (unsigned shift, then
			 * an arithmetic one: no signed overflow). */
			__int128 n = (__int128)(u << sh) >> sh;
			__int128 d = (int64_t)(src << (64 - bits)) >> (64 - bits);
			__int128 q;
			if (d == -1 && (u << sh) == (unsigned __int128)1 << 127)
				x86_raise(cpu, X86_DE, 0, 0);
			q = n / d;
			__int128 lim = (__int128)1 << (bits - 1);
			if (q >= lim || q < -lim)
				x86_raise(cpu, X86_DE, 0, 0);
		}
	}
	x86_muldiv(op, size, &lo, &hi, src, &fl);
	if (size == 1) {
		cpu->gpr[R_RAX] = (cpu->gpr[R_RAX] & ~0xffffull) | (lo & 0xff) | ((hi & 0xff) << 8);
	} else {
		set_reg(cpu, R_RAX, size, 0, lo);
		set_reg(cpu, R_RDX, size, 0, hi);
	}
	cpu->rflags = fl;
	return advance(cpu, in);
}

HANDLER(h_mul) { return muldiv(cpu, in, MD_MUL); }
HANDLER(h_div) { return muldiv(cpu, in, MD_DIV); }
HANDLER(h_idiv) { return muldiv(cpu, in, MD_IDIV); }

HANDLER(h_imul)
{
	uint64_t fl = cpu->rflags, r;

	if (in->nops == 1)
		return muldiv(cpu, in, MD_IMUL);
	if (in->nops == 2)
		r = x86_alu(A_IMUL2, in->opsize, op_read(cpu, in, &in->op[0]),
			    op_read(cpu, in, &in->op[1]), &fl);
	else
		r = x86_alu(A_IMUL2, in->opsize, op_read(cpu, in, &in->op[1]),
			    op_read(cpu, in, &in->op[2]), &fl);
	set_reg(cpu, in->op[0].reg, in->opsize, 0, r);
	cpu->rflags = fl;
	return advance(cpu, in);
}

/* BT, BTS, BTR, BTC.  A register bit offset into memory addresses a bit
 * string: the operand moves by the offset's whole words. */
static inline int bittest(struct x86_cpu *cpu, const struct x86_inst *in, int op)
{
	const struct x86_op *d = &in->op[0];
	unsigned size = in->opsize, bits = size * 8;
	uint64_t off = op_read(cpu, in, &in->op[1]);
	uint64_t fl = cpu->rflags;

	if (d->kind == OP_REG) {
		uint64_t r = x86_alu(op, size, get_reg(cpu, d->reg, size, 0), off, &fl);
		if (op != A_BT)
			set_reg(cpu, d->reg, size, 0, r);
	} else {
		uint64_t ea = x86_ea(cpu, in, d);
		if (in->op[1].kind == OP_REG) {
			int64_t s = (int64_t)(off << (64 - bits)) >> (64 - bits);
			ea += (uint64_t)((s >> (bits == 16 ? 4 : bits == 32 ? 5 : 6)) * (int64_t)size);
			ea &= addr_mask(in->addrsize);
		}
		uint64_t lin = x86_lin(cpu, d->seg, ea);
		uint64_t r = x86_alu(op, size, x86_read(cpu, lin, size), off & (bits - 1), &fl);
		if (op != A_BT)
			x86_write(cpu, lin, size, r);
	}
	cpu->rflags = fl;
	return advance(cpu, in);
}

HANDLER(h_bt)  { return bittest(cpu, in, A_BT); }
HANDLER(h_bts) { return bittest(cpu, in, A_BTS); }
HANDLER(h_btr) { return bittest(cpu, in, A_BTR); }
HANDLER(h_btc) { return bittest(cpu, in, A_BTC); }

static inline int bitscan(struct x86_cpu *cpu, const struct x86_inst *in, int op)
{
	const struct x86_op *d = &in->op[0];
	uint64_t fl = cpu->rflags;
	uint64_t src = op_read(cpu, in, &in->op[1]);
	uint64_t r = x86_alu(op, in->opsize, get_reg(cpu, d->reg, in->opsize, 0), src, &fl);

	/* A zero source leaves the whole register alone, even a 32-bit one
	 * (no zero-extension), as AMD documents and Intel CPUs do. */
	if (src & x86_size_mask(in->opsize))
		set_reg(cpu, d->reg, in->opsize, 0, r);
	cpu->rflags = fl;
	return advance(cpu, in);
}

HANDLER(h_bsf) { return bitscan(cpu, in, A_BSF); }
HANDLER(h_bsr) { return bitscan(cpu, in, A_BSR); }

HANDLER(h_xadd)
{
	const struct x86_op *d = &in->op[0], *s = &in->op[1];
	unsigned size = in->opsize;
	uint64_t fl = cpu->rflags;
	uint64_t src = get_reg(cpu, s->reg, size, s->hi8);

	if (d->kind == OP_REG) {
		uint64_t old = get_reg(cpu, d->reg, size, d->hi8);
		uint64_t r = x86_alu(A_ADD, size, old, src, &fl);
		set_reg(cpu, s->reg, size, s->hi8, old);
		set_reg(cpu, d->reg, size, d->hi8, r);
	} else {
		uint64_t lin = mem_lin(cpu, in, d);
		uint64_t old = x86_read(cpu, lin, size);
		uint64_t r = x86_alu(A_ADD, size, old, src, &fl);
		x86_write(cpu, lin, size, r);
		set_reg(cpu, s->reg, size, s->hi8, old);
	}
	cpu->rflags = fl;
	return advance(cpu, in);
}

HANDLER(h_cmpxchg)
{
	const struct x86_op *d = &in->op[0], *s = &in->op[1];
	unsigned size = in->opsize;
	uint64_t fl = cpu->rflags;
	uint64_t acc = get_reg(cpu, R_RAX, size, 0);

	if (d->kind == OP_REG) {
		uint64_t old = get_reg(cpu, d->reg, size, d->hi8);
		x86_alu(A_CMP, size, acc, old, &fl);
		if (fl & F_ZF)
			set_reg(cpu, d->reg, size, d->hi8, get_reg(cpu, s->reg, size, s->hi8));
		else
			set_reg(cpu, R_RAX, size, 0, old);
	} else {
		uint64_t lin = mem_lin(cpu, in, d);
		uint64_t old = x86_read(cpu, lin, size);
		x86_alu(A_CMP, size, acc, old, &fl);
		/* The destination is written either way, as the hardware does. */
		x86_write(cpu, lin, size, (fl & F_ZF) ? get_reg(cpu, s->reg, size, s->hi8) : old);
		if (!(fl & F_ZF))
			set_reg(cpu, R_RAX, size, 0, old);
	}
	cpu->rflags = fl;
	return advance(cpu, in);
}

/* CMPXCHG8B / CMPXCHG16B: EDX:EAX against m, ECX:EBX stored on equal. */
HANDLER(h_cmpxchgnb)
{
	unsigned half = in->id == X86_INS_CMPXCHG16B ? 8 : 4;
	uint64_t lin = mem_lin(cpu, in, &in->op[0]);
	uint64_t m = x86_size_mask(half);
	uint64_t lo = x86_read(cpu, lin, half), hi = x86_read(cpu, lin + half, half);

	if (half == 8 && (lin & 15))
		x86_gp(cpu, 0);
	if (lo == (cpu->gpr[R_RAX] & m) && hi == (cpu->gpr[R_RDX] & m)) {
		x86_write(cpu, lin, half, cpu->gpr[R_RBX]);
		x86_write(cpu, lin + half, half, cpu->gpr[R_RCX]);
		cpu->rflags |= F_ZF;
	} else {
		x86_write(cpu, lin, half, lo);
		x86_write(cpu, lin + half, half, hi);
		set_reg(cpu, R_RAX, half, 0, lo);
		set_reg(cpu, R_RDX, half, 0, hi);
		cpu->rflags &= ~F_ZF;
	}
	return advance(cpu, in);
}
