/* Specialised handlers for the commonest forms (32/64-bit register,
 * immediate and simple memory operands of MOV and the ALU group), chosen
 * once at decode time: no operand-kind or size switches at run time.
 * Same semantics as the generic handlers (the differential tests run
 * both); x86_specialize() returns NULL for every other form. */
#include <capstone/capstone.h>

#include "engines/x86/alu_asm.h"
#include "engines/x86/ops.h"

#define R0 cpu->gpr[in->op[0].reg]
#define R1 cpu->gpr[in->op[1].reg]
#define I1 ((uint64_t)in->op[1].disp)
#define M1(sz) x86_read(cpu, mem_lin(cpu, in, &in->op[1]), sz)

/* dst = dst OP src for the ALU group; CMP and TEST do not store. */
#define ALU_FORMS(op, SZ, STORE) \
static int f_##op##SZ##_rr(struct x86_cpu *cpu, const struct x86_inst *in) \
{ \
	uint64_t fl = cpu->rflags, r = op##SZ(R0, R1, &fl); \
	if (STORE) R0 = r; \
	cpu->rflags = fl; \
	return advance(cpu, in); \
} \
static int f_##op##SZ##_ri(struct x86_cpu *cpu, const struct x86_inst *in) \
{ \
	uint64_t fl = cpu->rflags, r = op##SZ(R0, I1, &fl); \
	if (STORE) R0 = r; \
	cpu->rflags = fl; \
	return advance(cpu, in); \
} \
static int f_##op##SZ##_rm(struct x86_cpu *cpu, const struct x86_inst *in) \
{ \
	uint64_t fl = cpu->rflags, r = op##SZ(R0, M1(SZ), &fl); \
	if (STORE) R0 = r; \
	cpu->rflags = fl; \
	return advance(cpu, in); \
}
#define ALU_BOTH(op, STORE) ALU_FORMS(op, 4, STORE) ALU_FORMS(op, 8, STORE)

ALU_BOTH(add, 1) ALU_BOTH(or, 1) ALU_BOTH(adc, 1) ALU_BOTH(sbb, 1)
ALU_BOTH(and, 1) ALU_BOTH(sub, 1) ALU_BOTH(xor, 1) ALU_BOTH(cmp, 0) ALU_BOTH(test, 0)

static int f_mov4_rr(struct x86_cpu *cpu, const struct x86_inst *in) { R0 = (uint32_t)R1; return advance(cpu, in); }
static int f_mov8_rr(struct x86_cpu *cpu, const struct x86_inst *in) { R0 = R1; return advance(cpu, in); }
static int f_mov4_ri(struct x86_cpu *cpu, const struct x86_inst *in) { R0 = (uint32_t)I1; return advance(cpu, in); }
static int f_mov8_ri(struct x86_cpu *cpu, const struct x86_inst *in) { R0 = I1; return advance(cpu, in); }

static int f_mov4_rm(struct x86_cpu *cpu, const struct x86_inst *in)
{
	R0 = x86_read(cpu, mem_lin(cpu, in, &in->op[1]), 4);
	return advance(cpu, in);
}

static int f_mov8_rm(struct x86_cpu *cpu, const struct x86_inst *in)
{
	R0 = x86_read(cpu, mem_lin(cpu, in, &in->op[1]), 8);
	return advance(cpu, in);
}

static int f_mov4_mr(struct x86_cpu *cpu, const struct x86_inst *in)
{
	x86_write(cpu, mem_lin(cpu, in, &in->op[0]), 4, R1);
	return advance(cpu, in);
}

static int f_mov8_mr(struct x86_cpu *cpu, const struct x86_inst *in)
{
	x86_write(cpu, mem_lin(cpu, in, &in->op[0]), 8, R1);
	return advance(cpu, in);
}

static int f_lea8(struct x86_cpu *cpu, const struct x86_inst *in)
{
	R0 = x86_ea(cpu, in, &in->op[1]);
	return advance(cpu, in);
}

/* PUSH/POP of a 64-bit register in 64-bit mode: SS has base 0 there. */
static int f_push64(struct x86_cpu *cpu, const struct x86_inst *in)
{
	uint64_t sp = cpu->gpr[R_RSP] - 8;

	x86_write(cpu, sp, 8, R0);
	cpu->gpr[R_RSP] = sp;
	return advance(cpu, in);
}

static int f_pop64(struct x86_cpu *cpu, const struct x86_inst *in)
{
	uint64_t v = x86_read(cpu, cpu->gpr[R_RSP], 8);

	cpu->gpr[R_RSP] += 8;
	R0 = v;                 /* after the increment: POP RSP loads the value */
	return advance(cpu, in);
}

#define PICK_CASE(id, op) case X86_INS_##id: PICK(op);
#define PICK(op) \
	if (size == 4) return form == 0 ? f_##op##4_rr : form == 1 ? f_##op##4_ri : f_##op##4_rm; \
	return form == 0 ? f_##op##8_rr : form == 1 ? f_##op##8_ri : f_##op##8_rm

x86_handler x86_specialize(const struct x86_inst *in)
{
	const struct x86_op *a = &in->op[0], *b = &in->op[1];
	unsigned size = in->opsize;
	x86_handler fast = x86_specialize64(in);
	int form;

	if (fast)
		return fast;
	if (in->mode == 64 && in->nops == 1 && a->kind == OP_REG && a->size == 8 && a->reg < 16) {
		if (in->id == X86_INS_PUSH)
			return f_push64;
		if (in->id == X86_INS_POP)
			return f_pop64;
	}
	if (in->nops != 2 || (size != 4 && size != 8) || a->size != size)
		return NULL;
	if (a->kind == OP_REG && a->reg < 16 && !a->hi8) {
		if (b->kind == OP_REG && b->reg < 16 && b->size == size)
			form = 0;
		else if (b->kind == OP_IMM)
			form = 1;
		else if (b->kind == OP_MEM && b->size == size)
			form = 2;
		else
			return NULL;
	} else if (a->kind == OP_MEM && b->kind == OP_REG && b->reg < 16 && b->size == size &&
		   in->id == X86_INS_MOV) {
		return size == 4 ? f_mov4_mr : f_mov8_mr;
	} else {
		return NULL;
	}
	switch (in->id) {
	X86_FAST_BINARY(PICK_CASE)
	case X86_INS_LEA:
		return size == 8 && form == 2 ? f_lea8 : NULL;
	default:
		return NULL;
	}
}
