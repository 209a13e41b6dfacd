/* Guest instruction forms: encoding layout, registers, flags, and the
 * translation class (see form.h).  Only 64-bit code is translated. */
#include "engines/bt/form.h"

#include <capstone/capstone.h>
#include <string.h>

#include "engines/x86/cpu.h"

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

enum { FL_NEUTRAL, FL_KILL, FL_READ, FL_INCDEC, FL_CARRY };

static int flag_effect(unsigned id)
{
	switch (id) {
	case X86_INS_ADD: case X86_INS_OR: case X86_INS_AND: case X86_INS_SUB:
	case X86_INS_XOR: case X86_INS_CMP: case X86_INS_TEST: case X86_INS_NEG:
	case X86_INS_XADD: case X86_INS_CMPXCHG:
		return FL_KILL;
	case X86_INS_INC: case X86_INS_DEC:
		return FL_INCDEC;
	case X86_INS_ADC: case X86_INS_SBB:
		return FL_CARRY;
	case X86_INS_MOV: case X86_INS_MOVABS: case X86_INS_MOVZX: case X86_INS_MOVSX:
	case X86_INS_MOVSXD: case X86_INS_LEA: case X86_INS_XCHG: case X86_INS_BSWAP:
	case X86_INS_CBW: case X86_INS_CWDE: case X86_INS_CDQE: case X86_INS_CWD:
	case X86_INS_CDQ: case X86_INS_CQO: case X86_INS_NOT: case X86_INS_NOP:
	case X86_INS_PAUSE: case X86_INS_LFENCE: case X86_INS_MFENCE: case X86_INS_SFENCE:
	case X86_INS_PREFETCH: case X86_INS_PREFETCHW: case X86_INS_PREFETCHT0:
	case X86_INS_PREFETCHT1: case X86_INS_PREFETCHT2: case X86_INS_PREFETCHNTA:
	case X86_INS_PUSH: case X86_INS_POP: case X86_INS_CALL: case X86_INS_RET:
	case X86_INS_JMP: case X86_INS_LEAVE: case X86_INS_CLD: case X86_INS_STD:
		return FL_NEUTRAL;
	}
	return FL_READ;         /* reads, keeps some, or leaves some undefined */
}

/* Registers used implicitly by the instructions translated natively. */
static uint16_t implicit_regs(const struct x86_inst *in)
{
	const uint16_t ax = 1u << R_RAX, cx = 1u << R_RCX, dx = 1u << R_RDX;

	switch (in->id) {
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

/* Unprivileged instructions the host executes for the guest. */
static bool native_ok(unsigned id)
{
	switch (id) {
	case X86_INS_ADD: case X86_INS_OR: case X86_INS_ADC: case X86_INS_SBB:
	case X86_INS_AND: case X86_INS_SUB: case X86_INS_XOR: case X86_INS_CMP:
	case X86_INS_TEST: case X86_INS_INC: case X86_INS_DEC: case X86_INS_NEG:
	case X86_INS_NOT: case X86_INS_ROL: case X86_INS_ROR: case X86_INS_RCL:
	case X86_INS_RCR: case X86_INS_SHL: case X86_INS_SAL: case X86_INS_SHR:
	case X86_INS_SAR: case X86_INS_SHLD: case X86_INS_SHRD: case X86_INS_MUL:
	case X86_INS_IMUL: case X86_INS_BT: case X86_INS_BTS: case X86_INS_BTR:
	case X86_INS_BTC: case X86_INS_BSF: case X86_INS_BSR: case X86_INS_XADD:
	case X86_INS_CMPXCHG: case X86_INS_MOV: case X86_INS_MOVABS: case X86_INS_MOVZX:
	case X86_INS_MOVSX: case X86_INS_MOVSXD: case X86_INS_LEA: case X86_INS_XCHG:
	case X86_INS_BSWAP: case X86_INS_CBW: case X86_INS_CWDE: case X86_INS_CDQE:
	case X86_INS_CWD: case X86_INS_CDQ: case X86_INS_CQO: case X86_INS_CLC:
	case X86_INS_STC: case X86_INS_CMC: case X86_INS_LAHF: case X86_INS_SAHF:
	case X86_INS_NOP: case X86_INS_PAUSE: case X86_INS_LFENCE: case X86_INS_MFENCE:
	case X86_INS_SFENCE:
		return true;
	}
	return false;
}

/* The flags a condition code tests: B/AE and BE/A read CF. */
static uint8_t cc_reads(unsigned cc)
{
	switch (cc & 0xe) {
	case 0x2: return FL_CF;
	case 0x6: return FL_CF | FL_OSZAP;
	default: return FL_OSZAP;
	}
}

static bool id_in(const unsigned *ids, size_t n, unsigned id)
{
	for (size_t i = 0; i < n; i++)
		if (ids[i] == id)
			return true;
	return false;
}

static bool is_cmov_setcc(unsigned id)
{
	static const unsigned ids[] = { X86_INS_CMOVO, X86_INS_CMOVNO, X86_INS_CMOVB,
		X86_INS_CMOVAE, X86_INS_CMOVE, X86_INS_CMOVNE, X86_INS_CMOVBE, X86_INS_CMOVA,
		X86_INS_CMOVS, X86_INS_CMOVNS, X86_INS_CMOVP, X86_INS_CMOVNP, X86_INS_CMOVL,
		X86_INS_CMOVGE, X86_INS_CMOVLE, X86_INS_CMOVG, X86_INS_SETO, X86_INS_SETNO,
		X86_INS_SETB, X86_INS_SETAE, X86_INS_SETE, X86_INS_SETNE, X86_INS_SETBE,
		X86_INS_SETA, X86_INS_SETS, X86_INS_SETNS, X86_INS_SETP, X86_INS_SETNP,
		X86_INS_SETL, X86_INS_SETGE, X86_INS_SETLE, X86_INS_SETG };

	return id_in(ids, sizeof(ids) / sizeof(ids[0]), id);
}

static bool is_jcc(unsigned id)
{
	static const unsigned ids[] = { X86_INS_JO, X86_INS_JNO, X86_INS_JB, X86_INS_JAE,
		X86_INS_JE, X86_INS_JNE, X86_INS_JBE, X86_INS_JA, X86_INS_JS, X86_INS_JNS,
		X86_INS_JP, X86_INS_JNP, X86_INS_JL, X86_INS_JGE, X86_INS_JLE, X86_INS_JG };

	return id_in(ids, sizeof(ids) / sizeof(ids[0]), id);
}

/* Privileged or sensitive: these are helper calls by design, not
 * fallbacks (Popek & Goldberg's sensitive set on x86, plus I/O). */
static bool sensitive(const struct x86_inst *in)
{
	for (unsigned k = 0; k < in->nops; k++)
		if (in->op[k].kind == OP_SREG || in->op[k].kind == OP_CR || in->op[k].kind == OP_DR)
			return true;
	switch (in->id) {
	case X86_INS_CLI: case X86_INS_STI: case X86_INS_PUSHF: case X86_INS_PUSHFD:
	case X86_INS_PUSHFQ: case X86_INS_POPF: case X86_INS_POPFD: case X86_INS_POPFQ:
	case X86_INS_IN: case X86_INS_OUT: case X86_INS_INSB: case X86_INS_INSW:
	case X86_INS_INSD: case X86_INS_OUTSB: case X86_INS_OUTSW: case X86_INS_OUTSD:
	case X86_INS_HLT: case X86_INS_LGDT: case X86_INS_LIDT: case X86_INS_SGDT:
	case X86_INS_SIDT: case X86_INS_SMSW: case X86_INS_LMSW: case X86_INS_CLTS:
	case X86_INS_LTR: case X86_INS_LLDT: case X86_INS_STR: case X86_INS_SLDT:
	case X86_INS_INVLPG: case X86_INS_WBINVD: case X86_INS_INVD: case X86_INS_SWAPGS:
	case X86_INS_CPUID: case X86_INS_RDMSR: case X86_INS_WRMSR: case X86_INS_RDTSC:
	case X86_INS_RDTSCP: case X86_INS_VMCALL: case X86_INS_VMMCALL: case X86_INS_INT:
	case X86_INS_INT3: case X86_INS_INT1: case X86_INS_IRET: case X86_INS_IRETD:
	case X86_INS_IRETQ: case X86_INS_SYSCALL: case X86_INS_SYSRET: case X86_INS_LJMP:
	case X86_INS_RETF: case X86_INS_RETFQ: case X86_INS_SYSENTER: case X86_INS_SYSEXIT:
		return true;
	}
	return false;
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
static int control_class(const struct x86_inst *in)
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
	if (is_jcc(in->id) && in->nops == 1 && o->kind == OP_IMM)
		return TC_JCC;
	return -1;
}

void bt_classify(const struct x86_inst *in, struct bt_form *f)
{
	memset(f, 0, sizeof(*f));
	f->mem = 0xff;
	f->modrm_off = f->rex_off = 0xff;
	int fe = flag_effect(in->id);
	static const uint8_t reads[] = { [FL_NEUTRAL] = 0, [FL_KILL] = 0, [FL_READ] = FL_ALL,
					 [FL_INCDEC] = 0, [FL_CARRY] = FL_CF };
	static const uint8_t kills[] = { [FL_NEUTRAL] = 0, [FL_KILL] = FL_ALL, [FL_READ] = 0,
					 [FL_INCDEC] = FL_OSZAP, [FL_CARRY] = FL_ALL };
	f->flags_read = reads[fe];
	f->flags_kill = kills[fe];
	if (is_cmov_setcc(in->id) || is_jcc(in->id))
		f->flags_read = cc_reads(in->cc);
	f->sensitive = sensitive(in);
	f->cls = TC_HELPER;
	/* Registers and the memory operand: for the sensitive instructions
	 * too, which the translator may inline (translate.c, emit_sys). */
	for (unsigned k = 0; k < in->nops; k++) {
		f->regs |= op_regs(&in->op[k]);
		if (in->op[k].kind == OP_MEM)
			f->mem = (uint8_t)k;
	}
	f->regs |= implicit_regs(in);
	/* What the decoder already knows raises #UD (a misplaced LOCK, UD2)
	 * is the shared handler's to raise. */
	if (f->sensitive || !in->fn || in->fn == x86_op_ud || in->len == 0 || in->mode != 64)
		return;
	f->rsp = names_rsp(in);
	if (!parse_layout(in, f))
		return;

	if ((in->id == X86_INS_CLD || in->id == X86_INS_STD) && !in->rep) {
		f->cls = TC_DF;
		return;
	}
	int cc = control_class(in);
	if (cc >= 0) {
		f->cls = (uint8_t)cc;
		return;
	}
	if (!native_ok(in->id) && !is_cmov_setcc(in->id)) {
		/* NOP-like forms with a memory operand never touch it. */
		if (in->id == X86_INS_NOP || (in->id >= X86_INS_PREFETCH && in->id <= X86_INS_PREFETCHW) ||
		    in->id == X86_INS_PREFETCHNTA || in->id == X86_INS_PREFETCHT0 ||
		    in->id == X86_INS_PREFETCHT1 || in->id == X86_INS_PREFETCHT2)
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
