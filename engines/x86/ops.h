/* Helpers every instruction handler uses: effective addresses, operand
 * reads and writes, the stack.  Inline: they are the hot path. */
#ifndef RINGBENCH_X86_OPS_H
#define RINGBENCH_X86_OPS_H

#include "engines/x86/alu.h"
#include "engines/x86/cpu.h"
#include "engines/x86/insn.h"

#define HANDLER(name) int name(struct x86_cpu *cpu, const struct x86_inst *in)

static inline uint64_t next_rip(const struct x86_cpu *cpu, const struct x86_inst *in)
{
	uint64_t r = cpu->rip + in->len;
	return cpu->mode == 64 ? r : r & 0xffffffff;
}

/* Continue with the next instruction. */
static inline int advance(struct x86_cpu *cpu, const struct x86_inst *in)
{
	cpu->rip = next_rip(cpu, in);
	return 0;
}

static inline uint64_t addr_mask(unsigned addrsize)
{
	return addrsize == 8 ? ~0ull : addrsize == 4 ? 0xffffffffull : 0xffffull;
}

static inline uint64_t x86_ea(const struct x86_cpu *cpu, const struct x86_inst *in,
			      const struct x86_op *o)
{
	uint64_t a = (uint64_t)o->disp;

	if (o->base != OPR_NONE)
		a += o->base == OPR_RIP ? cpu->rip + in->len : cpu->gpr[o->base];
	if (o->index != OPR_NONE)
		a += cpu->gpr[o->index] * o->scale;
	return a & addr_mask(in->addrsize);
}

static inline uint64_t x86_lin(const struct x86_cpu *cpu, int seg, uint64_t off)
{
	return (cpu->seg_base[seg] + off) & cpu->lin_mask;
}

static inline uint64_t mem_lin(const struct x86_cpu *cpu, const struct x86_inst *in,
			       const struct x86_op *o)
{
	return x86_lin(cpu, o->seg, x86_ea(cpu, in, o));
}

static inline uint64_t get_reg(const struct x86_cpu *cpu, unsigned reg, unsigned size, bool hi8)
{
	uint64_t v = cpu->gpr[reg];

	if (hi8)
		return (v >> 8) & 0xff;
	return v & x86_size_mask(size);
}

/* Writes as the hardware does: 32-bit results zero-extend, 8- and 16-bit
 * results merge. */
static inline void set_reg(struct x86_cpu *cpu, unsigned reg, unsigned size, bool hi8, uint64_t v)
{
	uint64_t *r = &cpu->gpr[reg];

	switch (size) {
	case 8: *r = v; break;
	case 4: *r = (uint32_t)v; break;
	case 2: *r = (*r & ~0xffffull) | (v & 0xffff); break;
	default:
		if (hi8)
			*r = (*r & ~0xff00ull) | ((v & 0xff) << 8);
		else
			*r = (*r & ~0xffull) | (v & 0xff);
	}
}

static inline uint64_t op_read(struct x86_cpu *cpu, const struct x86_inst *in, const struct x86_op *o)
{
	switch (o->kind) {
	case OP_REG: return get_reg(cpu, o->reg, o->size, o->hi8);
	case OP_MEM: return x86_read(cpu, mem_lin(cpu, in, o), o->size);
	case OP_IMM: return (uint64_t)o->disp & x86_size_mask(o->size ? o->size : 8);
	case OP_SREG: return cpu->seg[o->reg].selector;
	default: return 0;
	}
}

static inline void op_write(struct x86_cpu *cpu, const struct x86_inst *in, const struct x86_op *o,
			    uint64_t v)
{
	if (o->kind == OP_REG)
		set_reg(cpu, o->reg, o->size, o->hi8, v);
	else
		x86_write(cpu, mem_lin(cpu, in, o), o->size, v);
}

/* Stack pointer width: 64-bit mode, else SS.B. */
static inline uint64_t stack_mask(const struct x86_cpu *cpu)
{
	return cpu->mode == 64 ? ~0ull : cpu->seg[S_SS].db ? 0xffffffffull : 0xffffull;
}

static inline void set_rsp(struct x86_cpu *cpu, uint64_t v)
{
	uint64_t m = stack_mask(cpu);

	cpu->gpr[R_RSP] = (cpu->gpr[R_RSP] & ~m) | (v & m);
}

static inline void push(struct x86_cpu *cpu, uint64_t v, unsigned size)
{
	uint64_t sp = (cpu->gpr[R_RSP] - size) & stack_mask(cpu);

	x86_write(cpu, x86_lin(cpu, S_SS, sp), size, v);
	set_rsp(cpu, sp);
}

static inline uint64_t pop(struct x86_cpu *cpu, unsigned size)
{
	uint64_t sp = cpu->gpr[R_RSP] & stack_mask(cpu);
	uint64_t v = x86_read(cpu, x86_lin(cpu, S_SS, sp), size);

	set_rsp(cpu, sp + size);
	return v;
}

/* Operand size of PUSH/POP/CALL/RET: 8 in 64-bit mode unless 0x66. */
static inline unsigned stack_opsize(const struct x86_cpu *cpu, const struct x86_inst *in)
{
	if (cpu->mode == 64)
		return in->opsize == 2 ? 2 : 8;
	return in->opsize == 2 ? 2 : 4;
}

static inline void set_flags(struct x86_cpu *cpu, uint64_t fl)
{
	cpu->rflags = fl | 2;
}

/* The two-operand instructions with register, immediate and memory source
 * fast forms, X(Capstone id, form name): the one list of the fast-form
 * pickers (ops_fast.c, ops_fast64.c). */
#define X86_FAST_BINARY(X) X(ADD, add) X(OR, or) X(ADC, adc) X(SBB, sbb) X(AND, and) \
	X(SUB, sub) X(XOR, xor) X(CMP, cmp) X(TEST, test) X(MOV, mov) X(MOVABS, mov)

/* Handlers shared across files. */
HANDLER(x86_op_ud);
HANDLER(x86_op_unimpl);

#endif
