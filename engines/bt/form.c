/* Guest instruction forms: encoding layout, registers, flags, and the
 * translation class (see form.h).  Only 64-bit code is translated. */
#include "engines/bt/form.h"

#include <capstone/capstone.h>
#include <string.h>

#include "engines/x86/cpu.h"
#include "engines/x86/insn_info.h"

int x86_op_ud(struct x86_cpu *cpu, const struct x86_inst *in);

/* Does the opcode take a ModRM byte?  One-byte map, then 0F map; only
 * consulted for the instructions the translator rewrites. */
static bool modrm_1byte(uint8_t op)
{
	if (op < 0x40)
		return (op & 7) < 4;
	switch (op) {
	case 0x62: case 0x63: case 0x69: case 0x6b:
		return true;
	}
	return (op >= 0x80 && op <= 0x8f) || op == 0xc0 || op == 0xc1 || op == 0xc6 ||
	       op == 0xc7 || (op >= 0xd0 && op <= 0xd3) || (op >= 0xd8 && op <= 0xdf) ||
	       op == 0xf6 || op == 0xf7 || op == 0xfe || op == 0xff;
}

static bool modrm_0f(uint8_t op)
{
	if (op <= 0x03 || op == 0x0d || (op >= 0x18 && op <= 0x1f) ||
	    (op >= 0x40 && op <= 0x4f) || (op >= 0x90 && op <= 0x9f))
		return true;
	switch (op) {
	case 0xa3: case 0xa4: case 0xa5: case 0xab: case 0xac: case 0xad: case 0xae:
	case 0xaf: case 0xb0: case 0xb1: case 0xb3: case 0xb6: case 0xb7: case 0xba:
	case 0xbb: case 0xbc: case 0xbd: case 0xbe: case 0xbf: case 0xc0: case 0xc1:
	case 0xc7:
		return true;
	}
	return false;
}

/* Prefixes, REX, opcode, ModRM/SIB/disp.  False if the layout is not one
 * the rewriter understands. */
static bool parse_layout(const struct x86_inst *in, struct bt_form *f)
{
	const uint8_t *b = in->bytes;
	unsigned i = 0, len = in->len;

	/* As the CPU reads them: a REX counts only right before the opcode;
	 * the rewriter does not take one anywhere else. */
	f->rex_off = 0xff;
	for (; i < len; i++) {
		uint8_t c = b[i];
		bool legacy = x86_legacy_prefix(c);
		if (legacy && f->rex_off != 0xff)
			return false;
		if (!legacy && (c & 0xf0) != 0x40)
			break;
		if (!legacy)
			f->rex_off = (uint8_t)i;
	}
	if (i >= len)
		return false;
	bool has;
	f->op_off = (uint8_t)i;
	if (b[i] == 0x0f) {
		if (i + 1 >= len || b[i + 1] == 0x38 || b[i + 1] == 0x3a)
			return false;
		has = modrm_0f(b[i + 1]);
		f->reg_ext = b[i + 1] <= 0x01 || b[i + 1] == 0x0d || b[i + 1] == 0x18 ||
			     b[i + 1] == 0x1f || b[i + 1] == 0xba || b[i + 1] == 0xc7 || b[i + 1] == 0xae;
		i += 2;
	} else {
		uint8_t o = b[i];
		has = modrm_1byte(o);
		f->reg_ext = (o >= 0x80 && o <= 0x83) || o == 0x8f || o == 0xc0 || o == 0xc1 ||
			     o == 0xc6 || o == 0xc7 || (o >= 0xd0 && o <= 0xd3) || o == 0xf6 ||
			     o == 0xf7 || o == 0xfe || o == 0xff;
		i += 1;
	}
	f->modrm_off = 0xff;
	f->tail_off = (uint8_t)i;
	if (!has)
		return true;
	if (i >= len)
		return false;
	uint8_t modrm = b[i], mod = modrm >> 6, rm = modrm & 7;
	f->modrm_off = (uint8_t)i++;
	if (mod != 3 && rm == 4) {
		if (i >= len)
			return false;
		if (mod == 0 && (b[i] & 7) == 5)
			i += 4;
		i++;
	}
	if (mod == 1)
		i += 1;
	else if (mod == 2 || (mod == 0 && rm == 5))
		i += 4;
	if (i > len)
		return false;
	f->tail_off = (uint8_t)i;
	return true;
}

/* Registers used implicitly by the instructions translated natively or
 * inline (emit_sys): a loop block spills once the registers its
 * instructions do not name and reloads them at its exits (hoist_set), so
 * an implicit output missing here comes back stale (RDTSC's EDX was: the
 * rdtsc benchmark's high half went back when the low half wrapped). */
static uint16_t implicit_regs(const struct x86_inst *in)
{
	const uint16_t ax = 1u << R_RAX, cx = 1u << R_RCX, dx = 1u << R_RDX, bx = 1u << R_RBX;

	switch (in->id) {
	case X86_INS_RDTSC: case X86_INS_IN: case X86_INS_OUT:
		return ax | dx;
	case X86_INS_RDTSCP: case X86_INS_RDMSR: case X86_INS_WRMSR: case X86_INS_RDPMC: case X86_INS_XGETBV:
		return ax | cx | dx;
	case X86_INS_CPUID:
		return ax | bx | cx | dx;
	case X86_INS_MUL: case X86_INS_CWD: case X86_INS_CDQ: case X86_INS_CQO:
		return ax | dx;
	case X86_INS_IMUL:
		return in->nops == 1 ? ax | dx : 0;
	case X86_INS_CMPXCHG: case X86_INS_CBW: case X86_INS_CWDE: case X86_INS_CDQE:
	case X86_INS_LAHF: case X86_INS_SAHF:
		return ax;
	case X86_INS_ROL: case X86_INS_ROR: case X86_INS_RCL: case X86_INS_RCR:
	case X86_INS_SHL: case X86_INS_SAL: case X86_INS_SHR: case X86_INS_SAR:
	case X86_INS_SHLD: case X86_INS_SHRD:
		return cx;
	}
	return 0;
}

/* Privileged or sensitive (the table's sensitivity column, and any form
 * naming a segment, control or debug register): these are helper calls by
 * design, not fallbacks (Popek & Goldberg's sensitive set on x86, plus I/O). */
static bool sensitive(const struct x86_inst *in, const struct x86_insn_info *r)
{
	for (unsigned k = 0; k < in->nops; k++)
		if (in->op[k].kind == OP_SREG || in->op[k].kind == OP_CR || in->op[k].kind == OP_DR)
			return true;
	return r->sens != X86_SENS_NO;
}

static uint16_t op_regs(const struct x86_op *o)
{
	uint16_t m = 0;

	if (o->kind == OP_REG)
		m |= (uint16_t)(1u << o->reg);
	if (o->kind == OP_MEM) {
		if (o->base < 16)
			m |= (uint16_t)(1u << o->base);
		if (o->index < 16)
			m |= (uint16_t)(1u << o->index);
	}
	return m;
}

static bool names_rsp(const struct x86_inst *in)
{
	for (unsigned k = 0; k < in->nops; k++)
		if (in->op[k].kind == OP_REG && in->op[k].reg == R_RSP && !in->op[k].hi8)
			return true;
	return false;
}

/* Control transfers and stack operations translated natively. */
static int control_class(const struct x86_inst *in, const struct x86_insn_info *r)
{
	const struct x86_op *o = &in->op[0];
	bool p66 = in->opsize == 2;

	switch (in->id) {
	case X86_INS_JMP:
		if (in->nops == 1 && o->kind == OP_IMM)
			return TC_JMP;
		return o->kind == OP_REG && o->reg != R_RSP ? TC_JMP_IND : TC_HELPER;
	case X86_INS_CALL:
		if (p66)
			return TC_HELPER;
		if (in->nops == 1 && o->kind == OP_IMM)
			return TC_CALL;
		return o->kind == OP_REG && o->reg != R_RSP ? TC_CALL_IND : TC_HELPER;
	case X86_INS_RET:
		return p66 ? TC_HELPER : TC_RET;
	case X86_INS_PUSH:
		if (p66 || in->nops != 1)
			return TC_HELPER;
		if (o->kind == OP_IMM || (o->kind == OP_REG && o->reg != R_RSP))
			return TC_PUSH;
		return o->kind == OP_MEM && o->size == 8 ? TC_PUSH_MEM : TC_HELPER;
	case X86_INS_POP:
		return !p66 && in->nops == 1 && o->kind == OP_REG && o->reg != R_RSP ? TC_POP : TC_HELPER;
	case X86_INS_LEAVE:
		return p66 ? TC_HELPER : TC_LEAVE;
	}
	if (r->flags == X86_FL_CC && r->bt == X86_BT_FLOW && in->nops == 1 && o->kind == OP_IMM)
		return TC_JCC;
	return -1;
}

void bt_classify(const struct x86_inst *in, struct bt_form *f)
{
	memset(f, 0, sizeof(*f));
	f->mem = 0xff;
	f->modrm_off = f->rex_off = 0xff;
	const struct x86_insn_info *r = x86_insn_info(in->id);
	x86_flags_rw(in, &f->flags_read, &f->flags_kill);
	f->sensitive = sensitive(in, r);
	f->cls = TC_HELPER;
	/* Registers and the memory operand: for the sensitive instructions
	 * too, which the translator may inline (translate.c, emit_sys). */
	for (unsigned k = 0; k < in->nops; k++) {
		f->regs |= op_regs(&in->op[k]);
		if (in->op[k].kind == OP_MEM)
			f->mem = (uint8_t)k;
		else
			f->regs_nomem |= op_regs(&in->op[k]);
	}
	f->regs_nomem |= implicit_regs(in);
	f->regs |= implicit_regs(in);
	/* What the decoder already knows raises #UD (a misplaced LOCK, UD2)
	 * is the shared handler's to raise. */
	if (f->sensitive || !in->fn || in->fn == x86_op_ud || in->len == 0 || in->mode != 64)
		return;
	f->rsp = names_rsp(in);
	if (!parse_layout(in, f))
		return;

	if (r->bt == X86_BT_DF && !in->rep) {
		f->cls = TC_DF;
		return;
	}
	int cc = control_class(in, r);
	if (cc >= 0) {
		f->cls = (uint8_t)cc;
		return;
	}
	/* NOP goes on as a native instruction: its REP and odd forms are
	 * the helper's (below). */
	if (r->bt != X86_BT_NATIVE && in->id != X86_INS_NOP) {
		/* NOP-like forms with a memory operand never touch it. */
		if (r->bt == X86_BT_DROP)
			f->cls = TC_DROP;
		return;
	}
	if (in->rep)
		return;                 /* odd prefixes: the interpreter decides */
	if (f->mem == 0xff) {
		if (in->id == X86_INS_NOP) {
			f->cls = TC_DROP;
			return;
		}
		if (f->rsp)
			f->cls = f->modrm_off != 0xff ? TC_RSP : TC_HELPER;
		else
			f->cls = TC_COPY;
		return;
	}
	const struct x86_op *m = &in->op[f->mem];
	if (f->modrm_off == 0xff || m->size > 8)
		return;                 /* moffs forms and others: helper */
	if (in->id == X86_INS_LEA) {
		bool plain = m->base != R_RSP && m->index != R_RSP && m->base != OPR_RIP && !f->rsp;
		f->cls = plain ? TC_COPY : TC_LEA;
		return;
	}
	if (in->id == X86_INS_NOP) {
		f->cls = TC_DROP;
		return;
	}
	/* BT* with a register bit offset address beyond the operand. */
	if ((in->id == X86_INS_BT || in->id == X86_INS_BTS || in->id == X86_INS_BTR ||
	     in->id == X86_INS_BTC) && in->op[1].kind == OP_REG)
		return;
	f->mem_write = f->mem == 0 && in->id != X86_INS_CMP && in->id != X86_INS_TEST &&
		       in->id != X86_INS_BT && in->id != X86_INS_MUL && in->id != X86_INS_IMUL;
	if (in->id == X86_INS_XCHG || in->id == X86_INS_XADD || in->id == X86_INS_CMPXCHG)
		f->mem_write = true;
	f->cls = TC_MEM;
}
