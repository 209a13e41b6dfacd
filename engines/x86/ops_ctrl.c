/* Near control flow: JMP, Jcc, JrCXZ, LOOP, CALL, RET.  Relative targets
 * were decoded at address 0, so they are offsets from the instruction. */
#include "engines/x86/ops.h"
#include "engines/x86/ops_list.h"

static inline uint64_t ip_mask(const struct x86_cpu *cpu, const struct x86_inst *in)
{
	if (cpu->mode == 64)
		return ~0ull;
	return in->opsize == 2 ? 0xffffull : 0xffffffffull;
}

static inline uint64_t branch_target(struct x86_cpu *cpu, const struct x86_inst *in)
{
	const struct x86_op *o = &in->op[0];

	if (o->kind == OP_IMM)
		return (cpu->rip + (uint64_t)o->disp) & ip_mask(cpu, in);
	if (o->kind == OP_REG)
		return get_reg(cpu, o->reg, o->size, 0);
	return x86_read(cpu, mem_lin(cpu, in, o), cpu->mode == 64 ? 8 : o->size);
}

/* A 64-bit target must be canonical: #GP at the branch, as the SDM says. */
static inline void jump_to(struct x86_cpu *cpu, uint64_t target)
{
	if (cpu->mode == 64 && (uint64_t)((int64_t)(target << 16) >> 16) != target)
		x86_gp(cpu, 0);
	cpu->rip = target;
}

HANDLER(h_jmp)
{
	jump_to(cpu, branch_target(cpu, in));
	return 1;
}

HANDLER(h_jcc)
{
	if (x86_cond(cpu->rflags, in->cc)) {
		jump_to(cpu, branch_target(cpu, in));
		return 1;
	}
	return advance(cpu, in);
}

HANDLER(h_jrcxz)
{
	unsigned as = in->id == X86_INS_JCXZ ? 2 : in->id == X86_INS_JECXZ ? 4 : 8;

	if ((cpu->gpr[R_RCX] & x86_size_mask(as)) == 0) {
		jump_to(cpu, branch_target(cpu, in));
		return 1;
	}
	return advance(cpu, in);
}

HANDLER(h_loop)
{
	unsigned as = in->addrsize;
	uint64_t c = (cpu->gpr[R_RCX] - 1) & x86_size_mask(as);
	bool go = c != 0;

	set_reg(cpu, R_RCX, as, 0, c);
	if (in->id == X86_INS_LOOPE)
		go = go && (cpu->rflags & F_ZF);
	else if (in->id == X86_INS_LOOPNE)
		go = go && !(cpu->rflags & F_ZF);
	if (go) {
		jump_to(cpu, branch_target(cpu, in));
		return 1;
	}
	return advance(cpu, in);
}

HANDLER(h_call)
{
	uint64_t target = branch_target(cpu, in), ret = next_rip(cpu, in), rip = cpu->rip;

	jump_to(cpu, target);   /* #GP before the push changes RSP */
	cpu->rip = rip;         /* a faulting push reports the CALL */
	push(cpu, ret, stack_opsize(cpu, in));
	cpu->rip = target;
	return 1;
}

HANDLER(h_ret)
{
	unsigned size = stack_opsize(cpu, in);
	uint64_t sp = cpu->gpr[R_RSP] & stack_mask(cpu);
	uint64_t target = x86_read(cpu, x86_lin(cpu, S_SS, sp), size);

	jump_to(cpu, target);   /* a #GP leaves RSP untouched */
	sp += size;
	if (in->nops == 1)
		sp += (uint64_t)(in->op[0].disp & 0xffff);
	set_rsp(cpu, sp);
	return 1;
}
