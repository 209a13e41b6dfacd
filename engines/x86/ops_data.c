/* Data movement handlers: MOV and its extending forms, LEA, XCHG, PUSH,
 * POP, CMOVcc, SETcc, sign extensions, BSWAP, flag bits. */
#include "engines/x86/ops.h"
#include "engines/x86/ops_list.h"

HANDLER(h_mov)
{
	const struct x86_op *d = &in->op[0], *s = &in->op[1];

	if (d->kind == OP_SREG) {
		x86_load_seg(cpu, d->reg, (uint16_t)op_read(cpu, in, s));
		advance(cpu, in);
		if (d->reg == S_SS)
			x86_shadow_next_ss(cpu);
		return 1;       /* may change mode or stack: end the block */
	}
	if (d->kind == OP_CR || s->kind == OP_CR || d->kind == OP_DR || s->kind == OP_DR)
		return h_movcr(cpu, in);
	if (s->kind == OP_SREG && d->kind == OP_REG) {
		/* A selector stored to a 32/64-bit register zero-extends. */
		set_reg(cpu, d->reg, d->size, 0, cpu->seg[s->reg].selector);
		return advance(cpu, in);
	}
	op_write(cpu, in, d, op_read(cpu, in, s));
	return advance(cpu, in);
}

HANDLER(h_movzx)
{
	set_reg(cpu, in->op[0].reg, in->op[0].size, 0, op_read(cpu, in, &in->op[1]));
	return advance(cpu, in);
}

HANDLER(h_movsx)
{
	unsigned ss = in->op[1].size * 8;
	int64_t v = (int64_t)(op_read(cpu, in, &in->op[1]) << (64 - ss)) >> (64 - ss);

	set_reg(cpu, in->op[0].reg, in->op[0].size, 0, (uint64_t)v);
	return advance(cpu, in);
}

HANDLER(h_lea)
{
	set_reg(cpu, in->op[0].reg, in->op[0].size, 0, x86_ea(cpu, in, &in->op[1]));
	return advance(cpu, in);
}

HANDLER(h_xchg)
{
	const struct x86_op *a = &in->op[0], *b = &in->op[1];

	if (a->kind == OP_MEM) {
		const struct x86_op *t = a; a = b; b = t;
	}
	/* a is a register now; b a register or memory. */
	uint64_t va = get_reg(cpu, a->reg, a->size, a->hi8);
	if (b->kind == OP_MEM) {
		uint64_t lin = mem_lin(cpu, in, b);
		uint64_t vb = x86_read(cpu, lin, b->size);
		x86_write(cpu, lin, b->size, va);
		set_reg(cpu, a->reg, a->size, a->hi8, vb);
	} else {
		uint64_t vb = get_reg(cpu, b->reg, b->size, b->hi8);
		set_reg(cpu, b->reg, b->size, b->hi8, va);
		set_reg(cpu, a->reg, a->size, a->hi8, vb);
	}
	return advance(cpu, in);
}

HANDLER(h_push)
{
	const struct x86_op *s = &in->op[0];
	unsigned size = stack_opsize(cpu, in);
	uint64_t v;

	if (s->kind == OP_SREG) {
		v = cpu->seg[s->reg].selector;
	} else if (s->kind == OP_IMM) {
		v = (uint64_t)s->disp;
	} else if (s->kind == OP_MEM) {
		struct x86_op o = *s;
		o.size = (uint8_t)size;
		v = op_read(cpu, in, &o);
	} else {
		size = s->size;
		v = get_reg(cpu, s->reg, size, 0);
	}
	push(cpu, v, size);
	return advance(cpu, in);
}

HANDLER(h_pop)
{
	const struct x86_op *d = &in->op[0];
	unsigned size = d->kind == OP_REG ? d->size : stack_opsize(cpu, in);

	if (d->kind == OP_SREG) {
		uint64_t sp = cpu->gpr[R_RSP];
		uint16_t sel = (uint16_t)pop(cpu, size);
		cpu->gpr[R_RSP] = sp;    /* a faulting load leaves RSP alone */
		x86_load_seg(cpu, d->reg, sel);
		set_rsp(cpu, sp + size);
		advance(cpu, in);
		if (d->reg == S_SS)
			x86_shadow_next_ss(cpu);
		return 1;
	}
	if (d->kind == OP_MEM) {
		/* The address is computed with RSP already incremented. */
		uint64_t sp = cpu->gpr[R_RSP];
		uint64_t v = pop(cpu, size);
		struct x86_op o = *d;
		o.size = (uint8_t)size;
		uint64_t lin = mem_lin(cpu, in, &o);
		cpu->gpr[R_RSP] = sp;
		x86_write(cpu, lin, size, v);
		set_rsp(cpu, sp + size);
		return advance(cpu, in);
	}
	set_reg(cpu, d->reg, size, 0, pop(cpu, size));
	return advance(cpu, in);
}

HANDLER(h_cmov)
{
	uint64_t v = op_read(cpu, in, &in->op[1]);     /* reads even when false */
	const struct x86_op *d = &in->op[0];

	if (x86_cond(cpu->rflags, in->cc))
		set_reg(cpu, d->reg, d->size, 0, v);
	else if (d->size == 4)
		cpu->gpr[d->reg] &= 0xffffffff;        /* 32-bit CMOV always writes */
	return advance(cpu, in);
}

HANDLER(h_setcc)
{
	op_write(cpu, in, &in->op[0], (uint64_t)x86_cond(cpu->rflags, in->cc));
	return advance(cpu, in);
}

/* CBW, CWDE, CDQE: sign-extend the accumulator's lower half. */
HANDLER(h_cbw)
{
	unsigned size = in->id == X86_INS_CBW ? 2 : in->id == X86_INS_CWDE ? 4 : 8;
	unsigned half = size * 4;
	int64_t v = (int64_t)(cpu->gpr[R_RAX] << (64 - half)) >> (64 - half);

	set_reg(cpu, R_RAX, size, 0, (uint64_t)v);
	return advance(cpu, in);
}

/* CWD, CDQ, CQO: rDX = sign of rAX. */
HANDLER(h_cwd)
{
	unsigned size = in->id == X86_INS_CWD ? 2 : in->id == X86_INS_CDQ ? 4 : 8;
	uint64_t sign = (cpu->gpr[R_RAX] >> (size * 8 - 1)) & 1;

	set_reg(cpu, R_RDX, size, 0, sign ? ~0ull : 0);
	return advance(cpu, in);
}

HANDLER(h_bswap)
{
	const struct x86_op *d = &in->op[0];
	uint64_t v = cpu->gpr[d->reg];

	if (d->size == 8)
		cpu->gpr[d->reg] = __builtin_bswap64(v);
	else if (d->size == 4)
		cpu->gpr[d->reg] = __builtin_bswap32((uint32_t)v);
	else
		cpu->gpr[d->reg] &= ~0xffffull;         /* 16-bit BSWAP: undefined, zero */
	return advance(cpu, in);
}

HANDLER(h_nop) { return advance(cpu, in); }

HANDLER(h_flagop)
{
	switch (in->id) {
	case X86_INS_CLC: cpu->rflags &= ~F_CF; break;
	case X86_INS_STC: cpu->rflags |= F_CF; break;
	case X86_INS_CMC: cpu->rflags ^= F_CF; break;
	case X86_INS_CLD: cpu->rflags &= ~F_DF; break;
	case X86_INS_STD: cpu->rflags |= F_DF; break;
	case X86_INS_LAHF:
		set_reg(cpu, R_RAX, 1, 1, (cpu->rflags & 0xd5) | 2);
		break;
	case X86_INS_SAHF:
		cpu->rflags = (cpu->rflags & ~0xd5ull) | ((cpu->gpr[R_RAX] >> 8) & 0xd5) | 2;
		break;
	}
	return advance(cpu, in);
}

HANDLER(h_leave)
{
	unsigned size = stack_opsize(cpu, in);
	uint64_t m = stack_mask(cpu);
	uint64_t sp = cpu->gpr[R_RBP] & m;
	uint64_t v = x86_read(cpu, x86_lin(cpu, S_SS, sp), size);

	set_rsp(cpu, sp + size);
	set_reg(cpu, R_RBP, size, 0, v);
	return advance(cpu, in);
}

HANDLER(h_xlat)
{
	uint64_t ea = (cpu->gpr[R_RBX] + (cpu->gpr[R_RAX] & 0xff)) & addr_mask(in->addrsize);

	set_reg(cpu, R_RAX, 1, 0, x86_read(cpu, x86_lin(cpu, in->sseg, ea), 1));
	return advance(cpu, in);
}

/* ENTER size, level: the nested-frame form of PUSH rBP; MOV rBP, rSP. */
HANDLER(h_enter)
{
	unsigned size = stack_opsize(cpu, in);
	uint64_t alloc = (uint64_t)in->op[0].disp & 0xffff;
	unsigned level = (unsigned)in->op[1].disp & 31;
	uint64_t m = stack_mask(cpu);
	uint64_t sp = (cpu->gpr[R_RSP] - size) & m, bp = cpu->gpr[R_RBP];

	x86_write(cpu, x86_lin(cpu, S_SS, sp), size, bp);
	uint64_t frame = sp;
	for (unsigned i = 1; i < level; i++) {
		bp = (bp - size) & m;
		sp = (sp - size) & m;
		x86_write(cpu, x86_lin(cpu, S_SS, sp), size, x86_read(cpu, x86_lin(cpu, S_SS, bp), size));
	}
	if (level) {
		sp = (sp - size) & m;
		x86_write(cpu, x86_lin(cpu, S_SS, sp), size, frame);
	}
	set_reg(cpu, R_RBP, size, 0, frame);
	set_rsp(cpu, sp - alloc);
	return advance(cpu, in);
}
