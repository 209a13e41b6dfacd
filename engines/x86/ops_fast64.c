/* Specialised handlers for 64-bit mode, where the commonest forms need
 * less than ops_fast.c's any-mode ones: RIP advances by the length alone
 * (no 32-bit wrap), ES/CS/SS/DS have base 0 and linear addresses are not
 * masked, so a [base + disp] operand is one add; ADD, SUB, CMP (and the
 * logic ops, on a host where that is exact) only read the flags back.  Chosen once at decode
 * time (x86_specialize asks x86_specialize64 first); same semantics as the
 * generic handlers (tests/unit/test_x86_fast64.c runs both, and the host).
 *
 * Each form also comes threaded (x86_thread, insn.h) for the interpreter's
 * blocks: it counts itself, runs, and jumps straight to the next
 * instruction's threaded form unless it branched or must stop. */
#include <capstone/capstone.h>

#include "engines/x86/alu_asm.h"
#include "engines/x86/alu_imm.h"
#include "engines/x86/insn_info.h"
#include "engines/x86/ops.h"

#define R0 cpu->gpr[in->op[0].reg]
#define R1 cpu->gpr[in->op[1].reg]
#define I1 ((uint64_t)in->op[1].disp)

static inline int next64(struct x86_cpu *cpu, const struct x86_inst *in)
{
	cpu->rip += in->len;
	return 0;
}

/* [base + disp] with a base-0 segment and 64-bit addressing. */
static inline uint64_t lin_bd(const struct x86_cpu *cpu, const struct x86_op *o)
{
	return cpu->gpr[o->base] + (uint64_t)o->disp;
}

#define M1(sz) x86_read(cpu, lin_bd(cpu, &in->op[1]), sz)

/* A form: its handler and its threaded twin (both from name##_do), and
 * for the forms that have one the threaded twin that leaves the flags
 * alone, which a block runs where no one can see the flags it would write
 * (x86_thread_for).  The flags it reads and defines are its instruction's
 * (x86_flags_rw) but where form_flags knows better; keeps_flags: it hands
 * the guest's flags to a primitive that may keep some (AF), so it reads
 * them all; quiet: register operands only, so it cannot fault, exit or
 * stop the block. */
struct fast_form {
	x86_handler fn;
	x86_thread tfn;
	x86_thread tfn_nf;
	bool keeps_flags;
	bool quiet;
	uint8_t count_mask;     /* shifts by an immediate: no flag changes at count 0 */
};

#define THREADED(name, body) \
static void name(struct x86_cpu *cpu, const struct x86_inst *in) \
{ \
	cpu->cnt.insns++; \
	if (body || cpu->pending) \
		return; \
	in[1].tfn(cpu, in + 1); \
}
#define FORM_C(name, nf, keeps, quiet, count_mask) \
static int name(struct x86_cpu *cpu, const struct x86_inst *in) { return name##_do(cpu, in); } \
THREADED(name##_t, name##_do(cpu, in)) \
static const struct fast_form name##_f = { name, name##_t, nf, keeps, quiet, count_mask };
#define FORM(name, nf, keeps, quiet) FORM_C(name, nf, keeps, quiet, 0)
/* A form that may fault: every flag live before it, as far as a block's
 * flags liveness knows. */
#define FAST(name) FORM(name, NULL, false, false)
/* One with a twin from name##_nf_do, the same without the flags. */
#define FAST_NF(name, keeps, quiet) \
THREADED(name##_nf_t, name##_nf_do(cpu, in)) \
FORM(name, name##_nf_t, keeps, quiet)
#define DO(name) static inline int name##_do(struct x86_cpu *cpu, const struct x86_inst *in)
#define DO_NF(name) static inline int name##_nf_do(struct x86_cpu *cpu, const struct x86_inst *in)

/* 32-bit results zero-extend into the register. */
#define PUT(SZ, v) (R0 = (SZ) == 4 ? (uint32_t)(v) : (v))

/* dst = dst OP src; fn is the flag-computing primitive (alu_asm.h), COP
 * the twin's C operator (none: CMP, TEST only read their operands).
 * KEEPS: fn loads the guest's flags (the logic ops whose AF the host may
 * keep). */
#define ALU_FORM(op, SZ, form, fn, SRC, COP, KEEPS, QUIET) \
DO(g_##op##SZ##_##form) \
{ \
	uint64_t fl = cpu->rflags, r = fn##SZ(R0, SRC, &fl); \
	if (COP_STORES_##COP) PUT(SZ, r); \
	cpu->rflags = fl; \
	return next64(cpu, in); \
} \
DO_NF(g_##op##SZ##_##form) \
{ \
	uint64_t src = SRC; \
	COP_RUN_##COP(SZ, src); \
	return next64(cpu, in); \
} \
FAST_NF(g_##op##SZ##_##form, KEEPS, QUIET)
#define ALU_FORMS(op, SZ, fn, COP, KEEPS) \
	ALU_FORM(op, SZ, rr, fn, R1, COP, KEEPS, true) ALU_FORM(op, SZ, ri, fn, I1, COP, KEEPS, true) \
	ALU_FORM(op, SZ, rm, fn, M1(SZ), COP, KEEPS, false)
#define ALU_BOTH(op, fn, COP, KEEPS) ALU_FORMS(op, 4, fn, COP, KEEPS) ALU_FORMS(op, 8, fn, COP, KEEPS)
#define COP_STORES_add 1
#define COP_STORES_sub 1
#define COP_STORES_or 1
#define COP_STORES_and 1
#define COP_STORES_xor 1
#define COP_STORES_none 0
#define COP_RUN_add(SZ, src) PUT(SZ, R0 + src)
#define COP_RUN_sub(SZ, src) PUT(SZ, R0 - src)
#define COP_RUN_or(SZ, src) PUT(SZ, R0 | src)
#define COP_RUN_and(SZ, src) PUT(SZ, R0 & src)
#define COP_RUN_xor(SZ, src) PUT(SZ, R0 ^ src)
#define COP_RUN_none(SZ, src) (void)src
/* ADC and SBB have no twin: their result reads CF. */
#define CARRY_FORM(op, SZ, form, SRC, QUIET) \
DO(g_##op##SZ##_##form) \
{ \
	uint64_t fl = cpu->rflags, r = op##SZ(R0, SRC, &fl); \
	PUT(SZ, r); \
	cpu->rflags = fl; \
	return next64(cpu, in); \
} \
FORM(g_##op##SZ##_##form, NULL, false, QUIET)
#define CARRY_FORMS(op, SZ) \
	CARRY_FORM(op, SZ, rr, R1, true) CARRY_FORM(op, SZ, ri, I1, true) \
	CARRY_FORM(op, SZ, rm, M1(SZ), false)

ALU_BOTH(add, add_out, add, false) ALU_BOTH(sub, sub_out, sub, false) ALU_BOTH(cmp, cmp_out, none, false)
CARRY_FORMS(adc, 4) CARRY_FORMS(adc, 8) CARRY_FORMS(sbb, 4) CARRY_FORMS(sbb, 8)
ALU_BOTH(or, or, or, true) ALU_BOTH(and, and, and, true)
ALU_BOTH(xor, xor, xor, true) ALU_BOTH(test, test, none, true)
ALU_BOTH(or_o, or_out, or, false) ALU_BOTH(and_o, and_out, and, false) ALU_BOTH(xor_o, xor_out, xor, false)
ALU_BOTH(test_o, test_out, none, false)

/* AND, OR, XOR and TEST set OF, CF, SF, ZF and PF from the result alone
 * but leave AF undefined, i.e. as the host leaves it: the forms that do
 * not load the guest's flags first serve only if the host's flags after
 * them do not depend on the flags before, which this checks once over
 * edge operands and every input flag. */
static bool logic_flags_from_operands(void)
{
	static const uint64_t v[] = { 0, 1, 0xf, 0x10, 0xff, 0x80000000, 0xffffffff,
				      0x8000000000000000ull, ~0ull, 0x123456789abcdef0ull };
	static const uint64_t fin[] = { 0, F_CF, F_PF, F_AF, F_ZF, F_SF, F_OF, F_ARITH };
	typedef uint64_t (*fn)(uint64_t, uint64_t, uint64_t *);
	static const fn load[] = { and4, and8, or4, or8, xor4, xor8, test4, test8 };
	static const fn out[] = { and_out4, and_out8, or_out4, or_out8, xor_out4, xor_out8,
				  test_out4, test_out8 };

	for (unsigned k = 0; k < sizeof(load) / sizeof(load[0]); k++)
		for (unsigned i = 0; i < sizeof(v) / sizeof(v[0]); i++)
			for (unsigned j = 0; j < sizeof(v) / sizeof(v[0]); j++) {
				uint64_t ref = 2, r = out[k](v[i], v[j], &ref);
				for (unsigned f = 0; f < sizeof(fin) / sizeof(fin[0]); f++) {
					uint64_t a = fin[f] | 2;
					if (load[k](v[i], v[j], &a) != r || (a & F_ARITH) != (ref & F_ARITH))
						return false;
				}
			}
	return true;
}

static bool logic_out;

__attribute__((constructor)) static void check_logic_flags(void)
{
	logic_out = logic_flags_from_operands();
}

/* Moves and LEA leave the flags alone. */
#define MOVE(name, quiet) FORM(name, NULL, false, quiet)
DO(g_mov4_rr) { R0 = (uint32_t)R1; return next64(cpu, in); } MOVE(g_mov4_rr, true)
DO(g_mov8_rr) { R0 = R1; return next64(cpu, in); } MOVE(g_mov8_rr, true)
DO(g_mov4_ri) { R0 = (uint32_t)I1; return next64(cpu, in); } MOVE(g_mov4_ri, true)
DO(g_mov8_ri) { R0 = I1; return next64(cpu, in); } MOVE(g_mov8_ri, true)
DO(g_mov4_rm) { R0 = M1(4); return next64(cpu, in); } MOVE(g_mov4_rm, false)
DO(g_mov8_rm) { R0 = M1(8); return next64(cpu, in); } MOVE(g_mov8_rm, false)

DO(g_mov4_mr)
{
	x86_write(cpu, lin_bd(cpu, &in->op[0]), 4, R1);
	return next64(cpu, in);
}
MOVE(g_mov4_mr, false)

DO(g_mov8_mr)
{
	x86_write(cpu, lin_bd(cpu, &in->op[0]), 8, R1);
	return next64(cpu, in);
}
MOVE(g_mov8_mr, false)

/* LEA r64, [base + index*scale + disp] (the index optional). */
DO(g_lea_bd)
{
	R0 = lin_bd(cpu, &in->op[1]);
	return next64(cpu, in);
}
MOVE(g_lea_bd, true)

DO(g_lea_bisd)
{
	const struct x86_op *o = &in->op[1];

	R0 = cpu->gpr[o->base] + cpu->gpr[o->index] * o->scale + (uint64_t)o->disp;
	return next64(cpu, in);
}
MOVE(g_lea_bisd, true)

/* INC/DEC r32/r64: CF kept, the host instruction with the guest's flags. */
#define UNARY(op, SZ, COP) \
DO(g_##op##SZ##_r) \
{ \
	uint64_t fl = cpu->rflags, r = op##SZ(R0, 0, &fl); \
	PUT(SZ, r); \
	cpu->rflags = fl; \
	return next64(cpu, in); \
} \
DO_NF(g_##op##SZ##_r) { PUT(SZ, R0 COP 1); return next64(cpu, in); } \
FAST_NF(g_##op##SZ##_r, false, true)
UNARY(inc, 4, +) UNARY(inc, 8, +) UNARY(dec, 4, -) UNARY(dec, 8, -)

/* Shifts and rotates of a register by an immediate (C1 /r ib): the host's
 * immediate form, as the generic handler runs it (alu_imm.c).  SHL, SHR
 * and SAR also come without flags: C's shift of the masked count. */
#define SHIFT_RI1(op, A, SZ) \
DO(g_##op##SZ##_ri) \
{ \
	uint64_t fl = cpu->rflags; \
	PUT(SZ, x86_shift_imm_reg(A, SZ, R0, (uint8_t)I1, &fl)); \
	cpu->rflags = fl; \
	return next64(cpu, in); \
}
#define SHIFT_RI(op, A) \
	SHIFT_RI1(op, A, 4) FORM(g_##op##4_ri, NULL, false, true) \
	SHIFT_RI1(op, A, 8) FORM(g_##op##8_ri, NULL, false, true)
SHIFT_RI(rol, A_ROL) SHIFT_RI(ror, A_ROR) SHIFT_RI(rcl, A_RCL) SHIFT_RI(rcr, A_RCR)

#define SHIFT_NF(op, A, SZ, T, COP) \
SHIFT_RI1(op, A, SZ) \
DO_NF(g_##op##SZ##_ri) \
{ \
	PUT(SZ, (uint64_t)(T)((T)R0 COP (I1 & (SZ * 8 - 1)))); \
	return next64(cpu, in); \
} \
THREADED(g_##op##SZ##_ri_nf_t, g_##op##SZ##_ri_nf_do(cpu, in)) \
FORM_C(g_##op##SZ##_ri, g_##op##SZ##_ri_nf_t, false, true, SZ * 8 - 1)
SHIFT_NF(shl, A_SHL, 4, uint32_t, <<) SHIFT_NF(shl, A_SHL, 8, uint64_t, <<)
SHIFT_NF(shr, A_SHR, 4, uint32_t, >>) SHIFT_NF(shr, A_SHR, 8, uint64_t, >>)
SHIFT_NF(sar, A_SAR, 4, int32_t, >>) SHIFT_NF(sar, A_SAR, 8, int64_t, >>)

/* Jcc rel: one handler per condition, so the test is a constant one. */
#define JCC(cc) \
DO(g_jcc_##cc) \
{ \
	if (x86_cond(cpu->rflags, cc)) { \
		uint64_t t = cpu->rip + (uint64_t)in->op[0].disp; \
		if (!x86_canonical(t)) \
			x86_gp(cpu, 0); \
		cpu->rip = t; \
		return 1; \
	} \
	return next64(cpu, in); \
} \
FAST(g_jcc_##cc)
JCC(0) JCC(1) JCC(2) JCC(3) JCC(4) JCC(5) JCC(6) JCC(7)
JCC(8) JCC(9) JCC(10) JCC(11) JCC(12) JCC(13) JCC(14) JCC(15)

static const struct fast_form *const jcc_fast[16] = {
	&g_jcc_0_f, &g_jcc_1_f, &g_jcc_2_f, &g_jcc_3_f, &g_jcc_4_f, &g_jcc_5_f, &g_jcc_6_f,
	&g_jcc_7_f, &g_jcc_8_f, &g_jcc_9_f, &g_jcc_10_f, &g_jcc_11_f, &g_jcc_12_f, &g_jcc_13_f,
	&g_jcc_14_f, &g_jcc_15_f,
};

static bool is_jcc(unsigned id)
{
	switch (id) {
	case X86_INS_JO: case X86_INS_JNO: case X86_INS_JB: case X86_INS_JAE:
	case X86_INS_JE: case X86_INS_JNE: case X86_INS_JBE: case X86_INS_JA:
	case X86_INS_JS: case X86_INS_JNS: case X86_INS_JP: case X86_INS_JNP:
	case X86_INS_JL: case X86_INS_JGE: case X86_INS_JLE: case X86_INS_JG:
		return true;
	default:
		return false;
	}
}

static bool gpr(const struct x86_op *o, unsigned size)
{
	return o->kind == OP_REG && o->reg < 16 && !o->hi8 && o->size == size;
}

/* A memory operand that is [base + disp]: a GPR base, no index, a
 * segment whose base is 0 in 64-bit mode, 64-bit addressing. */
static bool mem_bd(const struct x86_inst *in, const struct x86_op *o, unsigned size)
{
	return o->kind == OP_MEM && o->size == size && in->addrsize == 8 && o->seg < S_FS &&
	       o->base < 16 && o->index == OPR_NONE;
}

#define PICK_CASE(id, op) case X86_INS_##id: PICK(op);
#define PICK(op) \
	if (size == 4) return form == 0 ? &g_##op##4_rr_f : form == 1 ? &g_##op##4_ri_f : &g_##op##4_rm_f; \
	return form == 0 ? &g_##op##8_rr_f : form == 1 ? &g_##op##8_ri_f : &g_##op##8_rm_f
#define PICK_SH(op) return size == 4 ? &g_##op##4_ri_f : &g_##op##8_ri_f
#define PICK_UN(op) return size == 4 ? &g_##op##4_r_f : &g_##op##8_r_f

static const struct fast_form *pick(const struct x86_inst *in)
{
	const struct x86_op *a = &in->op[0], *b = &in->op[1];
	unsigned size = in->opsize;
	int form;

	if (in->mode != 64 || in->rep || (in->flags & IF_LOCK))
		return NULL;
	/* Jcc rel; with 0x66 (vendor-dependent in 64-bit mode) the generic one. */
	if (is_jcc(in->id))
		return in->nops == 1 && a->kind == OP_IMM && size != 2 ? jcc_fast[in->cc & 15] : NULL;
	if (size != 4 && size != 8)
		return NULL;
	if (in->id == X86_INS_MOV && in->nops == 2 && mem_bd(in, a, size) && gpr(b, size))
		return size == 4 ? &g_mov4_mr_f : &g_mov8_mr_f;
	if (!gpr(a, size))
		return NULL;
	if (in->nops == 1) {
		switch (in->id) {
		case X86_INS_INC: PICK_UN(inc);
		case X86_INS_DEC: PICK_UN(dec);
		default: return NULL;
		}
	}
	if (in->nops != 2)
		return NULL;
	if (in->flags & IF_IMM_COUNT) {
		if (b->kind != OP_IMM)
			return NULL;
		switch (in->id) {
		case X86_INS_ROL: PICK_SH(rol);
		case X86_INS_ROR: PICK_SH(ror);
		case X86_INS_RCL: PICK_SH(rcl);
		case X86_INS_RCR: PICK_SH(rcr);
		case X86_INS_SHL: case X86_INS_SAL: PICK_SH(shl);
		case X86_INS_SHR: PICK_SH(shr);
		case X86_INS_SAR: PICK_SH(sar);
		default: return NULL;
		}
	}
	if (in->id == X86_INS_LEA) {
		if (size != 8 || b->kind != OP_MEM || in->addrsize != 8 || b->base >= 16)
			return NULL;
		if (b->index == OPR_NONE)
			return &g_lea_bd_f;
		return b->index < 16 ? &g_lea_bisd_f : NULL;
	}
	if (gpr(b, size))
		form = 0;
	else if (b->kind == OP_IMM)
		form = 1;
	else if (mem_bd(in, b, size))
		form = 2;
	else
		return NULL;
	if (logic_out) {
		switch (in->id) {
		case X86_INS_AND: PICK(and_o);
		case X86_INS_OR: PICK(or_o);
		case X86_INS_XOR: PICK(xor_o);
		case X86_INS_TEST: PICK(test_o);
		default: break;
		}
	}
	switch (in->id) {
	X86_FAST_BINARY(PICK_CASE)
	default:
		return NULL;
	}
}

x86_handler x86_specialize64(const struct x86_inst *in)
{
	const struct fast_form *f = pick(in);

	return f ? f->fn : NULL;
}

/* SHL, SHR and SAR by a nonzero count define every arithmetic flag (OF
 * and AF undefined by the SDM, whatever the host makes of them): they
 * read none only if the host's flags after them do not depend on the flags
 * before, which this checks once, as logic_flags_from_operands does. */
static bool shift_flags_from_operands(void)
{
	static const uint64_t v[] = { 0, 1, 0x80, 0xff, 0x80000000, 0xffffffff, 0x8000000000000000ull,
				      ~0ull, 0x123456789abcdef0ull };
	static const uint64_t fin[] = { 0, F_CF, F_PF, F_AF, F_ZF, F_SF, F_OF, F_ARITH };
	static const int ops[] = { A_SHL, A_SHR, A_SAR };

	for (unsigned k = 0; k < 3; k++)
		for (unsigned size = 4; size <= 8; size += 4)
			for (uint8_t c = 1; c < size * 8; c++)
				for (unsigned i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
					uint64_t ref = 2;
					x86_shift_imm_reg(ops[k], size, v[i], c, &ref);
					for (unsigned f = 0; f < sizeof(fin) / sizeof(fin[0]); f++) {
						uint64_t a = fin[f] | 2;
						x86_shift_imm_reg(ops[k], size, v[i], c, &a);
						if ((a & F_ARITH) != (ref & F_ARITH))
							return false;
					}
				}
	return true;
}

static bool shift_out;

__attribute__((constructor)) static void check_shift_flags(void)
{
	shift_out = shift_flags_from_operands();
}

/* The flags in reads (or may keep) and defines as f runs it: its row's
 * (x86_flags_rw), all read where f keeps some; a shift by an immediate,
 * which the table takes as reading all (a count of 0 keeps them), by its
 * count: none at 0, else all defined, and read unless shift_out. */
static void form_flags(const struct fast_form *f, const struct x86_inst *in, uint8_t *reads,
		       uint8_t *kills)
{
	x86_flags_rw(in, reads, kills);
	if (f->keeps_flags)
		*reads = X86_FLS_ALL;
	if (f->count_mask) {
		bool zero = !(in->op[1].disp & f->count_mask);
		*kills = zero ? 0 : X86_FLS_ALL;
		*reads = zero || shift_out ? 0 : X86_FLS_ALL;
	}
}

/* The fast form in runs as, or NULL. */
static const struct fast_form *form_of(const struct x86_inst *in)
{
	const struct fast_form *f = in->fn ? pick(in) : NULL;

	return f && f->fn == in->fn ? f : NULL;
}

/* The flags live before in (its fast form f, or NULL) given those live
 * after it: all of them before anything that may fault, exit or stop the
 * block, where an exception frame or the VM core sees them. */
static uint8_t flags_live_before(const struct x86_inst *in, const struct fast_form *f, uint8_t live_after)
{
	uint8_t reads, kills;

	if (!f || !f->quiet)
		return X86_FLS_ALL;
	form_flags(f, in, &reads, &kills);
	return (uint8_t)((live_after & ~kills) | reads);
}

/* Any other handler, threaded: the same steps around an indirect call. */
static void thread_generic(struct x86_cpu *cpu, const struct x86_inst *in)
{
	cpu->cnt.insns++;
	if (in->fn(cpu, in) || cpu->pending)
		return;
	in[1].tfn(cpu, in + 1);
}

static void thread_end(struct x86_cpu *cpu, const struct x86_inst *in)
{
	(void)cpu;
	(void)in;
}

/* x86_thread_for, in's fast form f (or NULL) known. */
static x86_thread thread_for(const struct x86_inst *in, const struct fast_form *f, uint8_t live_after)
{
	uint8_t reads, kills;

	if (!in->fn)
		return thread_end;
	if (!f)
		return thread_generic;
	form_flags(f, in, &reads, &kills);
	return f->tfn_nf && !(kills & live_after) ? f->tfn_nf : f->tfn;
}

x86_thread x86_thread_for(const struct x86_inst *in, uint8_t live_after)
{
	return thread_for(in, form_of(in), live_after);
}

void x86_thread_block(struct x86_inst *in, unsigned n)
{
	uint8_t live = X86_FLS_ALL;     /* after the block, any successor may read them */

	for (unsigned i = n + 1; i-- > 0;) {
		const struct fast_form *f = form_of(&in[i]);
		in[i].tfn = thread_for(&in[i], f, live);
		if (i < n)
			live = flags_live_before(&in[i], f, live);
	}
}
