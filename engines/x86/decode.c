/* The decoder front end: Capstone (with CS_OPT_DETAIL) turns guest bytes
 * into a struct x86_inst with operands pre-resolved to GPR numbers, so the
 * handlers never look at Capstone data again. */
#include <capstone/capstone.h>
#include <stdio.h>

#include "engines/x86/cpu.h"
#include "engines/x86/decode_fix.h"
#include "engines/x86/insn.h"
#include "engines/x86/insn_info.h"
#include "engines/x86/sse.h"

struct regmap {
	uint8_t kind, num, size, hi8;
};
static struct regmap regs[X86_REG_ENDING];

static void map(x86_reg r, uint8_t kind, uint8_t num, uint8_t size, uint8_t hi8)
{
	regs[r] = (struct regmap){ kind, num, size, hi8 };
}

static void init_regs(void)
{
	static const x86_reg q[16] = { X86_REG_RAX, X86_REG_RCX, X86_REG_RDX, X86_REG_RBX,
		X86_REG_RSP, X86_REG_RBP, X86_REG_RSI, X86_REG_RDI, X86_REG_R8, X86_REG_R9,
		X86_REG_R10, X86_REG_R11, X86_REG_R12, X86_REG_R13, X86_REG_R14, X86_REG_R15 };
	static const x86_reg d[16] = { X86_REG_EAX, X86_REG_ECX, X86_REG_EDX, X86_REG_EBX,
		X86_REG_ESP, X86_REG_EBP, X86_REG_ESI, X86_REG_EDI, X86_REG_R8D, X86_REG_R9D,
		X86_REG_R10D, X86_REG_R11D, X86_REG_R12D, X86_REG_R13D, X86_REG_R14D, X86_REG_R15D };
	static const x86_reg w[16] = { X86_REG_AX, X86_REG_CX, X86_REG_DX, X86_REG_BX,
		X86_REG_SP, X86_REG_BP, X86_REG_SI, X86_REG_DI, X86_REG_R8W, X86_REG_R9W,
		X86_REG_R10W, X86_REG_R11W, X86_REG_R12W, X86_REG_R13W, X86_REG_R14W, X86_REG_R15W };
	static const x86_reg b[16] = { X86_REG_AL, X86_REG_CL, X86_REG_DL, X86_REG_BL,
		X86_REG_SPL, X86_REG_BPL, X86_REG_SIL, X86_REG_DIL, X86_REG_R8B, X86_REG_R9B,
		X86_REG_R10B, X86_REG_R11B, X86_REG_R12B, X86_REG_R13B, X86_REG_R14B, X86_REG_R15B };
	static const x86_reg s[6] = { X86_REG_ES, X86_REG_CS, X86_REG_SS, X86_REG_DS,
		X86_REG_FS, X86_REG_GS };

	for (int i = 0; i < 16; i++) {
		map(q[i], OP_REG, i, 8, 0);
		map(d[i], OP_REG, i, 4, 0);
		map(w[i], OP_REG, i, 2, 0);
		map(b[i], OP_REG, i, 1, 0);
		map(X86_REG_CR0 + i, OP_CR, i, 8, 0);
		map(X86_REG_DR0 + i, OP_DR, i, 8, 0);
		map(X86_REG_XMM0 + i, OP_XMM, i, 16, 0);
	}
	map(X86_REG_AH, OP_REG, 0, 1, 1);
	map(X86_REG_CH, OP_REG, 1, 1, 1);
	map(X86_REG_DH, OP_REG, 2, 1, 1);
	map(X86_REG_BH, OP_REG, 3, 1, 1);
	for (int i = 0; i < 6; i++)
		map(s[i], OP_SREG, i, 2, 0);
	map(X86_REG_RIP, OP_REG, OPR_RIP, 8, 0);
	map(X86_REG_EIP, OP_REG, OPR_RIP, 4, 0);
}

static csh handle_for(int mode)
{
	static csh h[3];
	static bool ready[3];
	int i = mode == 64 ? 2 : mode == 32 ? 1 : 0;

	if (!ready[i]) {
		cs_mode m = mode == 64 ? CS_MODE_64 : mode == 32 ? CS_MODE_32 : CS_MODE_16;
		if (cs_open(CS_ARCH_X86, m, &h[i]) != CS_ERR_OK)
			return 0;
		cs_option(h[i], CS_OPT_DETAIL, CS_OPT_ON);
		if (!regs[X86_REG_RAX].size)
			init_regs();
		ready[i] = true;
	}
	return h[i];
}

static int seg_of(x86_reg r, int dflt)
{
	return r != X86_REG_INVALID && regs[r].kind == OP_SREG ? regs[r].num : dflt;
}

/* A base or index register; EIZ/RIZ (Capstone's "no index") and anything
 * that is not a GPR count as none. */
static int gpr_of(x86_reg r)
{
	if (r == X86_REG_INVALID || regs[r].kind != OP_REG)
		return OPR_NONE;
	return regs[r].num;
}

static void fill_op(struct x86_op *o, const cs_x86_op *c)
{
	o->size = c->size;
	switch (c->type) {
	case X86_OP_REG:
		/* RIP only ever addresses memory; as an operand it is foreign. */
		o->kind = regs[c->reg].num == OPR_RIP ? OP_NONE : regs[c->reg].kind;
		o->reg = regs[c->reg].num;
		o->hi8 = regs[c->reg].hi8;
		if (!o->size)
			o->size = regs[c->reg].size;
		break;
	case X86_OP_IMM:
		o->kind = OP_IMM;
		o->disp = c->imm;
		break;
	case X86_OP_MEM: {
		int base = gpr_of(c->mem.base);
		o->kind = OP_MEM;
		o->base = base;
		o->index = gpr_of(c->mem.index);
		o->scale = (uint8_t)c->mem.scale;
		o->disp = c->mem.disp;
		o->seg = seg_of(c->mem.segment,
				base == R_RSP || base == R_RBP ? S_SS : S_DS);
		break;
	}
	default:
		o->kind = OP_NONE;
	}
}

/* LOCK is allowed only on the table's LOCK rows, with a memory
 * destination (XCHG: either operand); else #UD. */
static bool lock_ok(const struct x86_inst *in)
{
	if (!x86_insn_info(in->id)->lock)
		return false;
	if (in->id == X86_INS_XCHG)
		return in->nops == 2 && (in->op[0].kind == OP_MEM || in->op[1].kind == OP_MEM);
	return in->nops >= 1 && in->op[0].kind == OP_MEM;
}

extern int x86_op_ud(struct x86_cpu *cpu, const struct x86_inst *in);
extern int x86_op_unimpl(struct x86_cpu *cpu, const struct x86_inst *in);
extern int h_x87(struct x86_cpu *cpu, const struct x86_inst *in);

unsigned x86_decode(const uint8_t *bytes, unsigned n, int mode, struct x86_inst *in)
{
	static cs_insn *ci[3];
	int mi = mode == 64 ? 2 : mode == 32 ? 1 : 0;
	csh h = handle_for(mode);
	size_t size = n > 15 ? 15 : n;
	uint8_t canon[15];
	struct x86_pfx p;
	const uint8_t *code;
	uint64_t addr = 0;

	x86_scan_prefixes(bytes, (unsigned)size, mode, &p);
	code = x86_canon_for_capstone(bytes, (unsigned)size, mode, &p, canon) ? canon : bytes;

	memset(in, 0, sizeof(*in));
	in->mode = (uint8_t)mode;
	memcpy(in->bytes, bytes, size);
	in->fn = x86_op_ud;
	in->flags = IF_BLOCK_END;
	if (!h)
		return 0;
	if (x86_decode_hint_nop(bytes, (unsigned)size, mode, &p, in)) {
		int fl = 0;
		in->fn = x86_handler_for(X86_INS_NOP, &fl);
		in->flags = (uint8_t)((in->flags & ~IF_BLOCK_END) | fl);
		if (in->flags & IF_LOCK) {
			in->fn = x86_op_ud;
			in->flags |= IF_BLOCK_END;
		}
		return in->len;
	}
	if (!ci[mi])
		ci[mi] = cs_malloc(h);
	/* Decoded at address 0: relative branch targets come out relative
	 * to the instruction start, so one decoding serves every alias. */
	if (!cs_disasm_iter(h, &code, &size, &addr, ci[mi]))
		return 0;

	const cs_insn *c = ci[mi];
	const cs_x86 *x = &c->detail->x86;
	int flags = 0;

	in->len = (uint8_t)c->size;
	in->id = (uint16_t)c->id;
	in->rep = x->prefix[0] == 0xf3 || x->prefix[0] == 0xf2 ? x->prefix[0] : 0;
	if (x->prefix[0] == 0xf0)
		in->flags |= IF_LOCK;
	in->addrsize = x->addr_size;
	/* The default operand size; operands refine it below. */
	if (mode == 64 && (x->rex & 8))
		in->opsize = 8;
	else if (mode == 16)
		in->opsize = x->prefix[2] ? 4 : 2;
	else
		in->opsize = x->prefix[2] ? 2 : 4;
	in->nops = x->op_count > 3 ? 3 : x->op_count;
	bool foreign = false;   /* x87, SSE, AVX, mask registers: not ours */
	for (int i = 0; i < in->nops; i++) {
		fill_op(&in->op[i], &x->operands[i]);
		if (x->operands[i].type == X86_OP_REG && in->op[i].kind == OP_NONE)
			foreign = true;
	}
	if (in->nops && (in->op[0].kind == OP_REG || in->op[0].kind == OP_MEM) && in->op[0].size)
		in->opsize = in->op[0].size;
	/* PUSH imm32 with 0x66 and REX.W: Capstone zero-extends it. */
	if (mode == 64 && in->id == X86_INS_PUSH && x->opcode[0] == 0x68 && (x->rex & 8) &&
	    in->nops == 1 && in->op[0].kind == OP_IMM)
		in->op[0].disp = (int32_t)in->op[0].disp;
	/* TEST's F7 /1 alias: Capstone reports a 32-bit immediate unextended. */
	if (in->nops == 2 && in->op[1].kind == OP_IMM && in->op[1].size == 4 && in->opsize == 8) {
		in->op[1].disp = (int32_t)in->op[1].disp;
		in->op[1].size = 8;
	}
	/* C0/C1 and D0/D1 both come out as "rol eax, 1": the opcode tells. */
	if (x->opcode[0] == 0xc0 || x->opcode[0] == 0xc1)
		in->flags |= IF_IMM_COUNT;
	/* Jcc, SETcc, CMOVcc keep the condition in the low opcode nibble. */
	in->cc = (x->opcode[0] == 0x0f ? x->opcode[1] : x->opcode[0]) & 0xf;

	x86_handler fn = foreign ? NULL : x86_handler_for(c->id, &flags);
	bool ok = x86_fix_decode(bytes, mode, flags, &p, in);
	if (in->id != c->id) {
		flags = 0;
		fn = foreign ? NULL : x86_handler_for(in->id, &flags);
	}
	/* SSE/SSE2: the raw opcode and prefixes choose the handler (ops_sse.c). */
	x86_handler sse = x86_sse_handler(&p, mode);
	if (sse) {
		fn = sse;
		flags = sse == x86_op_ud ? IF_BLOCK_END : 0;
	}
	/* x87 (D8-DF): one handler, by opcode and ModRM (ops_x87.c). */
	if (x->opcode[0] >= 0xd8 && x->opcode[0] <= 0xdf) {
		fn = h_x87;
		flags = 0;
	}
	/* 0F AE memory forms (FXSAVE ... CLFLUSH), XGETBV and XSETBV: with
	 * 66, F2 or F3 they are other instructions, none the vCPU has; nor
	 * has NP 0F 77 (EMMS, MMX: not advertised) a form with them. */
	if (p.op == 0x0f && (p.p66 || p.rep) &&
	    ((p.op2 == 0xae && p.modrm < 0xc0) || (p.op2 == 0x01 && (p.modrm == 0xd0 || p.modrm == 0xd1)) ||
	     p.op2 == 0x77))
		fn = x86_op_ud;
	in->fn = fn ? fn : x86_op_unimpl;
	if (fn && !sse) {
		x86_handler fast = x86_specialize(in);
		if (fast)
			in->fn = fast;
	}
	in->flags = (uint8_t)((in->flags & ~IF_BLOCK_END) | flags | (fn ? 0 : IF_BLOCK_END));
	if (!ok || ((in->flags & IF_LOCK) && fn && !lock_ok(in))) {
		in->fn = x86_op_ud;
		in->flags |= IF_BLOCK_END;
	}
	return in->len;
}

unsigned x86_insn_groups(const uint8_t *bytes, unsigned n, int mode, uint8_t *g, unsigned max)
{
	csh h = handle_for(mode);
	cs_insn *c = NULL;
	uint8_t canon[15];
	unsigned size = n > 15 ? 15 : n, k = 0;
	struct x86_pfx p;
	const uint8_t *code;

	x86_scan_prefixes(bytes, size, mode, &p);
	code = x86_canon_for_capstone(bytes, size, mode, &p, canon) ? canon : bytes;
	if (!h || cs_disasm(h, code, size, 0, 1, &c) != 1)
		return 0;
	for (; k < c->detail->groups_count && k < max; k++)
		g[k] = c->detail->groups[k];
	/* An MMX register needs MMX, also in the SSE/SSE2 forms Capstone
	 * files under those (CVTPI2PS, MOVQ2DQ, ...). */
	bool mmx = false;
	for (unsigned i = 0; i < c->detail->x86.op_count; i++) {
		const cs_x86_op *o = &c->detail->x86.operands[i];
		mmx |= o->type == X86_OP_REG && o->reg >= X86_REG_MM0 && o->reg <= X86_REG_MM7;
	}
	for (unsigned i = 0; i < k; i++)
		mmx &= g[i] != X86_GRP_MMX;
	if (mmx && k < max)
		g[k++] = X86_GRP_MMX;
	cs_free(c, 1);
	return k;
}

void x86_disasm(const uint8_t *bytes, unsigned n, int mode, char *out, size_t len)
{
	csh h = handle_for(mode);
	cs_insn *c = NULL;
	uint8_t canon[15];
	unsigned size = n > 15 ? 15 : n;
	struct x86_pfx p;
	const uint8_t *code;

	x86_scan_prefixes(bytes, size, mode, &p);
	code = x86_canon_for_capstone(bytes, size, mode, &p, canon) ? canon : bytes;

	if (h && cs_disasm(h, code, size, 0, 1, &c) == 1) {
		snprintf(out, len, "%s %s", c->mnemonic, c->op_str);
		cs_free(c, 1);
	} else {
		snprintf(out, len, "(bad)");
	}
}
