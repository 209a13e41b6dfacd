/* The decoder against an independent one: Zydis (Debian's libzydis-dev)
 * decodes the same bytes, and every field the engines use must agree —
 * length, operand and address size, REP/REPNE and LOCK, the segment,
 * every operand (register, memory base/index/scale/displacement, immediate,
 * branch target), and whether the bytes are an instruction at all.
 *
 * Inputs: (1) every order of every combination of legacy prefixes, one per
 * prefix group and some repeated, before a set of instructions whose
 * decoding the prefixes change; (2) random byte sequences with random
 * prefixes, REX and opcodes.  64- and 32-bit mode.  Instructions the
 * engines do not implement (no handler: the VM stops with a clear error)
 * are not compared beyond "not executed".
 *
 * KNOWN ORACLE DIFFERENCES (counted and printed, not failures):
 * - 0F 1A/1B: Zydis decodes MPX (BNDLDX, BNDMK, ...; it rejects BND4-7 and
 *   ignores 0x67); without MPX in CPUID the CPU runs the whole 0F 18-1F
 *   space as hint NOPs, which only need the same length.
 * - 66 63 /r with a memory source (MOVSXD r16, m16): Zydis says the source
 *   is 32 bits; the host reads 16 (66 63 06 on the last 2 bytes of a page
 *   before an unmapped one does not fault).
 * - 67 REX.B with SIB base 101 under mod 00: Zydis reports base R13D and no
 *   displacement; the host uses no base and the disp32 (67 43 8B 04 2D
 *   10 00 00 00 loads from R13D + 0x10).
 * - 3E on an indirect CALL/JMP: Zydis reads it as CET's NOTRACK only; the
 *   vCPU has no CET, so it is the DS override it always was.
 * - REX.W FF /3 and FF /5 (far CALL/JMP through memory) on an AMD vCPU:
 *   Zydis gives the Intel m16:64 pointer; AMD has no m16:64 form and
 *   reads m16:32 (APM vol. 3, JMP (Far); on a Zen 4 host, REX.W LJMP
 *   through 6 bytes whose next 4 would make a non-canonical offset
 *   jumps to the 32-bit offset).
 * Expected #UD where Zydis decodes an instruction: UD0/UD1/UD2, and
 * SYSENTER/SYSEXIT (the vCPU's CPUID has no SEP). */
#include <Zydis/Zydis.h>
#include <capstone/capstone.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "engines/x86/cpu.h"
#include "engines/x86/decode_fix.h"
#include "engines/x86/insn.h"
#include "engines/x86/sse.h"
#include "tests/check.h"

int x86_op_ud(struct x86_cpu *cpu, const struct x86_inst *in);
int x86_op_unimpl(struct x86_cpu *cpu, const struct x86_inst *in);
int h_x87(struct x86_cpu *cpu, const struct x86_inst *in);
int h_fxsave(struct x86_cpu *cpu, const struct x86_inst *in);
int h_fxrstor(struct x86_cpu *cpu, const struct x86_inst *in);
int h_xsave(struct x86_cpu *cpu, const struct x86_inst *in);
int h_xsaveopt(struct x86_cpu *cpu, const struct x86_inst *in);
int h_xrstor(struct x86_cpu *cpu, const struct x86_inst *in);

static unsigned long known_mpx, known_movsxd, known_sib, known_notrack, known_far;
static uint64_t rng = 0x2545f4914f6cdd1dull;

static uint64_t rnd(void)
{
	rng ^= rng >> 12;
	rng ^= rng << 25;
	rng ^= rng >> 27;
	return rng * 0x2545f4914f6cdd1dull;
}

/* A Zydis register as ours: kind, number, size, hi8. */
static bool zreg(ZydisRegister r, struct x86_op *o)
{
	memset(o, 0, sizeof(*o));
	o->kind = OP_REG;
	if (r >= ZYDIS_REGISTER_AL && r <= ZYDIS_REGISTER_R15B) {
		unsigned i = r - ZYDIS_REGISTER_AL;
		o->size = 1;
		if (i >= 4 && i < 8) {
			o->reg = (uint8_t)(i - 4);
			o->hi8 = 1;
		} else {
			o->reg = (uint8_t)(i < 4 ? i : i - 4);
		}
	} else if (r >= ZYDIS_REGISTER_AX && r <= ZYDIS_REGISTER_R15W) {
		o->size = 2, o->reg = (uint8_t)(r - ZYDIS_REGISTER_AX);
	} else if (r >= ZYDIS_REGISTER_EAX && r <= ZYDIS_REGISTER_R15D) {
		o->size = 4, o->reg = (uint8_t)(r - ZYDIS_REGISTER_EAX);
	} else if (r >= ZYDIS_REGISTER_RAX && r <= ZYDIS_REGISTER_R15) {
		o->size = 8, o->reg = (uint8_t)(r - ZYDIS_REGISTER_RAX);
	} else if (r >= ZYDIS_REGISTER_ES && r <= ZYDIS_REGISTER_GS) {
		o->kind = OP_SREG, o->size = 2, o->reg = (uint8_t)(r - ZYDIS_REGISTER_ES);
	} else if (r >= ZYDIS_REGISTER_CR0 && r <= ZYDIS_REGISTER_CR15) {
		o->kind = OP_CR, o->size = 8, o->reg = (uint8_t)(r - ZYDIS_REGISTER_CR0);
	} else if (r >= ZYDIS_REGISTER_DR0 && r <= ZYDIS_REGISTER_DR15) {
		o->kind = OP_DR, o->size = 8, o->reg = (uint8_t)(r - ZYDIS_REGISTER_DR0);
	} else if (r >= ZYDIS_REGISTER_XMM0 && r <= ZYDIS_REGISTER_XMM15) {
		o->kind = OP_XMM, o->size = 16, o->reg = (uint8_t)(r - ZYDIS_REGISTER_XMM0);
	} else if (r == ZYDIS_REGISTER_RIP || r == ZYDIS_REGISTER_EIP) {
		o->reg = OPR_RIP, o->size = r == ZYDIS_REGISTER_RIP ? 8 : 4;
	} else {
		return false;
	}
	return true;
}

static int zgpr(ZydisRegister r)
{
	struct x86_op o;

	if (r == ZYDIS_REGISTER_NONE || !zreg(r, &o) || o.kind != OP_REG)
		return OPR_NONE;
	return o.reg;
}

/* Disagreement classes, counted and shown separately. */
enum { D_VALID, D_UD, D_LEN, D_OPSIZE, D_ADDRSIZE, D_REP, D_LOCK, D_SEG, D_NOPS, D_OPND, D_COUNT };
static const char *const dname[D_COUNT] = {
	"we execute, Zydis: invalid", "we #UD, Zydis: valid", "length", "operand size",
	"address size", "REP/REPNE", "LOCK", "segment", "operand count", "operand",
};
static unsigned long dcount[D_COUNT], compared, executed_ud_ok, unimpl;
static char dexample[D_COUNT][3][160];

static void hexs(const uint8_t *b, unsigned n, char *out, size_t len)
{
	size_t k = 0;

	for (unsigned i = 0; i < n && k + 4 < len; i++)
		k += (size_t)snprintf(out + k, len - k, "%02x ", b[i]);
}

static void disagree(int d, const uint8_t *b, unsigned n, int mode, const char *what)
{
	char h[64], dis[64];
	static int verbose = -1;

	if (verbose < 0)
		verbose = getenv("ORACLE_VERBOSE") != NULL;
	if (verbose) {
		hexs(b, n, h, sizeof(h));
		x86_disasm(b, n, mode, dis, sizeof(dis));
		printf("#D %d | %s | %s | %s | %s\n", mode, dname[d], dis, h, what);
	}
	if (dcount[d] < 3) {
		hexs(b, n, h, sizeof(h));
		x86_disasm(b, n, mode, dis, sizeof(dis));
		snprintf(dexample[d][dcount[d]], sizeof(dexample[0][0]), "[%d] %s(%s) %s", mode, h,
			 dis, what);
	}
	dcount[d]++;
}

static bool is_string(unsigned id)
{
	switch (id) {
	case X86_INS_MOVSB: case X86_INS_MOVSW: case X86_INS_MOVSD: case X86_INS_MOVSQ:
	case X86_INS_STOSB: case X86_INS_STOSW: case X86_INS_STOSD: case X86_INS_STOSQ:
	case X86_INS_LODSB: case X86_INS_LODSW: case X86_INS_LODSD: case X86_INS_LODSQ:
	case X86_INS_CMPSB: case X86_INS_CMPSW: case X86_INS_CMPSD: case X86_INS_CMPSQ:
	case X86_INS_SCASB: case X86_INS_SCASW: case X86_INS_SCASD: case X86_INS_SCASQ:
	case X86_INS_INSB: case X86_INS_INSW: case X86_INS_INSD:
	case X86_INS_OUTSB: case X86_INS_OUTSW: case X86_INS_OUTSD:
		return true;
	}
	return false;
}

static unsigned string_elem(unsigned id)
{
	switch (id) {
	case X86_INS_MOVSB: case X86_INS_STOSB: case X86_INS_LODSB: case X86_INS_CMPSB:
	case X86_INS_SCASB: case X86_INS_INSB: case X86_INS_OUTSB:
		return 1;
	case X86_INS_MOVSW: case X86_INS_STOSW: case X86_INS_LODSW: case X86_INS_CMPSW:
	case X86_INS_SCASW: case X86_INS_INSW: case X86_INS_OUTSW:
		return 2;
	case X86_INS_MOVSQ: case X86_INS_STOSQ: case X86_INS_LODSQ: case X86_INS_CMPSQ:
	case X86_INS_SCASQ:
		return 8;
	}
	return 4;
}

static int seg_norm(int seg, int mode)
{
	(void)mode;
	return seg;
}

static bool compare_operand(const struct x86_inst *in, const struct x86_op *o,
			    const ZydisDecodedInstruction *zi, const ZydisDecodedOperand *zo,
			    char *why, size_t len)
{
	struct x86_op r;

	switch (zo->type) {
	case ZYDIS_OPERAND_TYPE_REGISTER:
		if (!zreg(zo->reg.value, &r))
			return snprintf(why, len, "foreign register %d", zo->reg.value), false;
		if (o->kind != r.kind || o->reg != r.reg || o->hi8 != r.hi8 ||
		    (r.kind == OP_REG && o->size != r.size))
			return snprintf(why, len, "register kind %d num %d size %d hi %d, Zydis %d %d %d %d",
					o->kind, o->reg, o->size, o->hi8, r.kind, r.reg, r.size, r.hi8), false;
		return true;
	case ZYDIS_OPERAND_TYPE_MEMORY: {
		int base = zgpr(zo->mem.base), index = zgpr(zo->mem.index);
		int seg = zo->mem.segment - ZYDIS_REGISTER_ES;
		unsigned scale = index == OPR_NONE ? 0 : zo->mem.scale;
		unsigned oscale = o->index == OPR_NONE ? 0 : o->scale;
		if (o->kind != OP_MEM)
			return snprintf(why, len, "not memory (kind %d)", o->kind), false;
		/* AMD has no m16:64 far pointer: REX.W FF /3, /5 read m16:32
		 * (see KNOWN ORACLE DIFFERENCES); Zydis gives 10 bytes. */
		if (x86_vendor_amd() && o->size == 6 && zo->size == 80 &&
		    (zi->mnemonic == ZYDIS_MNEMONIC_JMP || zi->mnemonic == ZYDIS_MNEMONIC_CALL)) {
			known_far++;
			return true;
		}
		if (zo->mem.type == ZYDIS_MEMOP_TYPE_MEM && o->size != zo->size / 8 &&
		    zi->mnemonic != ZYDIS_MNEMONIC_LEA)
			return snprintf(why, len, "memory size %d, Zydis %d", o->size, zo->size / 8), false;
		/* Zydis bug: with 0x67, REX.B and SIB base 101 under mod 00 it
		 * reports base R13D and no displacement; the CPU uses no base
		 * and the disp32 (checked natively: 67 43 8B 04 2D disp32). */
		bool zydis_sib_bug = zo->mem.base == ZYDIS_REGISTER_R13D && o->base == OPR_NONE &&
				     in->addrsize == 4 && o->index == index && oscale == scale;
		if (zydis_sib_bug) {
			known_sib++;
			return true;
		}
		if (o->base != base || o->index != index || oscale != scale)
			return snprintf(why, len, "base %d index %d scale %u, Zydis %d %d %u", o->base,
					o->index, oscale, base, index, scale), false;
		if (((uint64_t)o->disp & x86_size_mask(in->addrsize)) !=
		    ((uint64_t)zo->mem.disp.value & x86_size_mask(in->addrsize)))
			return snprintf(why, len, "disp %#llx, Zydis %#llx", (unsigned long long)o->disp,
					(unsigned long long)zo->mem.disp.value), false;
		/* Zydis reads 3E on an indirect CALL/JMP as CET's NOTRACK only;
		 * without CET (not in the vCPU's CPUID) it is a DS override. */
		if ((zi->attributes & ZYDIS_ATTRIB_HAS_NOTRACK) && o->seg == S_DS && seg != S_DS) {
			known_notrack++;
			return true;
		}
		if (zi->mnemonic != ZYDIS_MNEMONIC_LEA && seg_norm(o->seg, in->mode) != seg_norm(seg, in->mode))
			return snprintf(why, len, "segment %d, Zydis %d", o->seg, seg), false;
		return true;
	}
	case ZYDIS_OPERAND_TYPE_IMMEDIATE: {
		if (o->kind != OP_IMM)
			return snprintf(why, len, "not an immediate (kind %d)", o->kind), false;
		if (zo->imm.is_relative) {
			/* Ours is decoded at address 0: relative to the start. */
			uint64_t m = x86_size_mask(in->mode == 64 ? 8 : zi->operand_width / 8);
			uint64_t want = (zo->imm.value.u + zi->length) & m;
			if (((uint64_t)o->disp & m) != want)
				return snprintf(why, len, "target %#llx, Zydis %#llx",
						(unsigned long long)o->disp, (unsigned long long)want), false;
			return true;
		}
		/* What a handler reads (ops.h op_read), against Zydis's value at
		 * the instruction's operand width. */
		unsigned w = zo->size / 8 ? zo->size / 8 : 8;
		uint64_t m = x86_size_mask(w < 8 ? w : 8);
		uint64_t ours = (uint64_t)o->disp & x86_size_mask(o->size ? o->size : 8) & m;
		if (ours != (zo->imm.value.u & m))
			return snprintf(why, len, "immediate %#llx, Zydis %#llx", (unsigned long long)ours,
					(unsigned long long)(zo->imm.value.u & m)), false;
		return true;
	}
	default:
		return true;    /* far pointers: checked by their handler's tests */
	}
}

static ZydisDecoder zdec[2];

/* #UD by design: UD0/UD1/UD2 always; SYSENTER/SYSEXIT because the vCPU's
 * CPUID does not advertise SEP (and they are #UD in long mode on AMD). */
static bool expected_ud(ZydisMnemonic m)
{
	return m == ZYDIS_MNEMONIC_UD0 || m == ZYDIS_MNEMONIC_UD1 || m == ZYDIS_MNEMONIC_UD2 ||
	       m == ZYDIS_MNEMONIC_SYSENTER || m == ZYDIS_MNEMONIC_SYSEXIT;
}

/* The integer ISA the engines implement (README "What is implemented"). */
static bool base_isa(ZydisISASet s)
{
	switch (s) {
	case ZYDIS_ISA_SET_I86: case ZYDIS_ISA_SET_I186: case ZYDIS_ISA_SET_I286REAL:
	case ZYDIS_ISA_SET_I286PROTECTED: case ZYDIS_ISA_SET_I386: case ZYDIS_ISA_SET_I486:
	case ZYDIS_ISA_SET_I486REAL: case ZYDIS_ISA_SET_LONGMODE: case ZYDIS_ISA_SET_CMOV:
	case ZYDIS_ISA_SET_CMPXCHG16B: case ZYDIS_ISA_SET_FAT_NOP: case ZYDIS_ISA_SET_LAHF:
	case ZYDIS_ISA_SET_PENTIUMREAL: case ZYDIS_ISA_SET_PPRO: case ZYDIS_ISA_SET_RDTSCP:
		return true;
	default:
		return false;
	}
}

/* SSE and SSE2 (ops_sse.c), without MMX registers: what the engines run
 * since issue 13, so a #UD where Zydis decodes one is a disagreement. */
static bool sse_isa(const ZydisDecodedInstruction *zi, const ZydisDecodedOperand *zo)
{
	if (zi->meta.isa_set != ZYDIS_ISA_SET_SSE && zi->meta.isa_set != ZYDIS_ISA_SET_SSE2 &&
	    zi->meta.isa_set != ZYDIS_ISA_SET_SSEMXCSR)
		return false;
	for (unsigned k = 0; k < zi->operand_count; k++)
		if (zo[k].type == ZYDIS_OPERAND_TYPE_REGISTER && zo[k].reg.value >= ZYDIS_REGISTER_MM0 &&
		    zo[k].reg.value <= ZYDIS_REGISTER_MM7)
			return false;
	return true;
}

/* An SSE/SSE2 instruction: its handler reads the raw bytes (ModRM reg and
 * rm with REX.R/B, the mandatory prefix, the immediate) and takes only the
 * memory operand from the decoder, so these must agree with Zydis: the
 * ISA set, every register Zydis lists is ModRM.reg or ModRM.rm, the
 * memory operand's address, segment and size (ops_sse.c's table), the
 * length (checked before). */
static void check_sse(const uint8_t *b, unsigned len, int mode, const struct x86_inst *in,
		      const struct x86_pfx *p, const ZydisDecodedInstruction *zi,
		      const ZydisDecodedOperand *zo)
{
	char why[128];
	unsigned reg = ((p->modrm >> 3) & 7) | (p->rex & 4 ? 8 : 0);
	unsigned rm = (p->modrm & 7) | (p->rex & 1 ? 8 : 0);

	if (!sse_isa(zi, zo)) {
		snprintf(why, sizeof(why), "an SSE/SSE2 form to us, Zydis: %s",
			 ZydisMnemonicGetString(zi->mnemonic));
		disagree(D_OPND, b, len, mode, why);
		return;
	}
	for (unsigned k = 0; k < zi->operand_count; k++) {
		const ZydisDecodedOperand *z = &zo[k];
		if (z->visibility == ZYDIS_OPERAND_VISIBILITY_HIDDEN)
			continue;
		if (z->type == ZYDIS_OPERAND_TYPE_REGISTER) {
			struct x86_op r;
			if (!zreg(z->reg.value, &r) || (r.reg != reg && r.reg != rm)) {
				snprintf(why, sizeof(why), "op %u: register %d is neither ModRM.reg %u nor rm %u",
					 k, z->reg.value, reg, rm);
				disagree(D_OPND, b, len, mode, why);
				return;
			}
		} else if (z->type == ZYDIS_OPERAND_TYPE_MEMORY) {
			const struct x86_op *m = NULL;
			for (unsigned i = 0; i < in->nops; i++)
				if (in->op[i].kind == OP_MEM)
					m = &in->op[i];
			struct x86_op mo = m ? *m : (struct x86_op){ .kind = OP_NONE };
			mo.size = (uint8_t)x86_sse_mem_bytes(p);
			if (!compare_operand(in, &mo, zi, z, why, sizeof(why))) {
				char w2[160];
				snprintf(w2, sizeof(w2), "op %u: %s", k, why);
				disagree(D_OPND, b, len, mode, w2);
				return;
			}
		}
	}
}

static void check_one(const uint8_t *b, unsigned n, int mode)
{
	struct x86_inst in;
	ZydisDecodedInstruction zi;
	ZydisDecodedOperand zo[ZYDIS_MAX_OPERAND_COUNT];
	char why[128];
	unsigned len = x86_decode(b, n, mode, &in);
	bool zok = ZYAN_SUCCESS(ZydisDecoderDecodeFull(&zdec[mode == 64], b, n, &zi, zo));
	bool ud = !len || in.fn == x86_op_ud;

	if (len && in.fn == x86_op_unimpl) {
		unimpl++;
		return;
	}
	if (!zok) {
		struct x86_pfx p;
		x86_scan_prefixes(b, n, mode, &p);
		if (ud)
			executed_ud_ok++;
		else if (p.op == 0x0f && (p.op2 == 0x1a || p.op2 == 0x1b))
			known_mpx++;    /* see KNOWN ORACLE DIFFERENCES */
		else
			disagree(D_VALID, b, len, mode, "");
		return;
	}
	if (ud) {
		/* Zydis knows many instructions we do not; only the ISA we
		 * implement counts (a #UD where the CPU executes it). */
		if ((base_isa(zi.meta.isa_set) || sse_isa(&zi, zo)) && !expected_ud(zi.mnemonic)) {
			snprintf(why, sizeof(why), "%s", ZydisMnemonicGetString(zi.mnemonic));
			disagree(D_UD, b, zi.length, mode, why);
		} else {
			executed_ud_ok++;
		}
		return;
	}
	compared++;
	{
		struct x86_pfx p;
		x86_scan_prefixes(b, n, mode, &p);
		if (p.op == 0x0f && (p.op2 == 0x1a || p.op2 == 0x1b) && len == zi.length)
			return;         /* MPX to Zydis, hint NOP to us: same length suffices */
	}
	if (len != zi.length) {
		snprintf(why, sizeof(why), "%u, Zydis %u", len, zi.length);
		disagree(D_LEN, b, len, mode, why);
		return;
	}
	{
		struct x86_pfx p;
		x86_scan_prefixes(b, n, mode, &p);
		if (x86_sse_handler(&p, mode)) {
			if (in.addrsize * 8 != zi.address_width) {
				snprintf(why, sizeof(why), "%u, Zydis %u", in.addrsize * 8, zi.address_width);
				disagree(D_ADDRSIZE, b, len, mode, why);
			}
			check_sse(b, len, mode, &in, &p, &zi, zo);
			return;
		}
	}
	if (in.addrsize * 8 != zi.address_width) {
		snprintf(why, sizeof(why), "%u, Zydis %u", in.addrsize * 8, zi.address_width);
		disagree(D_ADDRSIZE, b, len, mode, why);
	}
	bool lock = (zi.attributes & ZYDIS_ATTRIB_HAS_LOCK) != 0;
	if (!!(in.flags & IF_LOCK) != lock) {
		snprintf(why, sizeof(why), "ours %d, Zydis %d", !!(in.flags & IF_LOCK), lock);
		disagree(D_LOCK, b, len, mode, why);
	}
	if (is_string(in.id)) {
		unsigned zrep = (zi.attributes & ZYDIS_ATTRIB_HAS_REPNE) ? 0xf2 :
				(zi.attributes & (ZYDIS_ATTRIB_HAS_REP | ZYDIS_ATTRIB_HAS_REPE)) ? 0xf3 : 0;
		if (in.rep != zrep) {
			snprintf(why, sizeof(why), "%#x, Zydis %#x", in.rep, zrep);
			disagree(D_REP, b, len, mode, why);
		}
		/* The element: the size of Zydis's memory operand. */
		unsigned zelem = 0;
		for (unsigned k = 0; k < zi.operand_count; k++)
			if (zo[k].type == ZYDIS_OPERAND_TYPE_MEMORY)
				zelem = zo[k].size;
		if (string_elem(in.id) * 8 != zelem) {
			snprintf(why, sizeof(why), "element %u, Zydis %u", string_elem(in.id) * 8, zelem);
			disagree(D_OPSIZE, b, len, mode, why);
		}
		/* The source segment (DS or an override) of MOVS/LODS/CMPS/OUTS. */
		for (unsigned k = 0; k < zi.operand_count; k++)
			if (zo[k].type == ZYDIS_OPERAND_TYPE_MEMORY &&
			    zo[k].mem.base != ZYDIS_REGISTER_NONE && zgpr(zo[k].mem.base) == R_RSI &&
			    seg_norm(in.sseg, mode) != seg_norm(zo[k].mem.segment - ZYDIS_REGISTER_ES, mode)) {
				snprintf(why, sizeof(why), "source %d, Zydis %d", in.sseg,
					 zo[k].mem.segment - ZYDIS_REGISTER_ES);
				disagree(D_SEG, b, len, mode, why);
			}
		return;
	}
	/* x87 (ops_x87.c) and the FPU state instructions (ops_xsave.c): the ST
	 * registers and the operand's size come from the opcode; only the
	 * memory operand's address is the decoder's. */
	if (in.fn == h_x87 || in.fn == h_fxsave || in.fn == h_fxrstor || in.fn == h_xsave ||
	    in.fn == h_xsaveopt || in.fn == h_xrstor) {
		for (unsigned k = 0; k < zi.operand_count; k++) {
			if (zo[k].type != ZYDIS_OPERAND_TYPE_MEMORY ||
			    zo[k].visibility == ZYDIS_OPERAND_VISIBILITY_HIDDEN)
				continue;
			struct x86_op m = { .kind = OP_NONE };
			for (unsigned j = 0; j < in.nops; j++)
				if (in.op[j].kind == OP_MEM)
					m = in.op[j];
			ZydisDecodedOperand z = zo[k];
			m.size = 1;             /* any: not compared */
			z.size = 8;
			if (!compare_operand(&in, &m, &zi, &z, why, sizeof(why)))
				disagree(D_OPND, b, len, mode, why);
		}
		return;
	}
	/* NOPs and cache hints never touch their operands. */
	if (in.id == X86_INS_NOP || in.id == X86_INS_PAUSE || in.id == X86_INS_CLFLUSH)
		return;
	/* The visible operands, in Intel order, as Capstone lists them. */
	const ZydisDecodedOperand *v[ZYDIS_MAX_OPERAND_COUNT];
	unsigned nv = 0;
	for (unsigned k = 0; k < zi.operand_count; k++)
		if (zo[k].visibility != ZYDIS_OPERAND_VISIBILITY_HIDDEN)
			v[nv++] = &zo[k];
	if (in.nops != nv && !(nv > 3 && in.nops == 3) &&
	    !(nv == 1 && v[0]->type == ZYDIS_OPERAND_TYPE_POINTER)) {
		snprintf(why, sizeof(why), "%u, Zydis %u", in.nops, nv);
		disagree(D_NOPS, b, len, mode, why);
		return;
	}
	/* XCHG is symmetric: Zydis lists 90+r as (r, eAX), Capstone (eAX, r). */
	if (in.id == X86_INS_XCHG && nv == 2 &&
	    !compare_operand(&in, &in.op[0], &zi, v[0], why, sizeof(why))) {
		const ZydisDecodedOperand *t = v[0];
		v[0] = v[1];
		v[1] = t;
	}
	/* Far pointers (JMP/CALL ptr16:32): Zydis has one operand, Capstone two. */
	if (nv == 1 && v[0]->type == ZYDIS_OPERAND_TYPE_POINTER)
		return;
	for (unsigned k = 0; k < in.nops; k++)
		if (in.id == X86_INS_MOVSXD && k == 1 && in.op[1].kind == OP_MEM &&
		    in.op[1].size == 2 && v[1]->size == 32) {
			known_movsxd++; /* see KNOWN ORACLE DIFFERENCES */
		} else if (!compare_operand(&in, &in.op[k], &zi, v[k], why, sizeof(why))) {
			char w2[160];
			snprintf(w2, sizeof(w2), "op %u: %s", k, why);
			disagree(D_OPND, b, len, mode, w2);
			break;
		}
}

/* Legacy prefix groups: LOCK/REP, segment, operand size, address size. */
static const uint8_t group[4][6] = {
	{ 0xf0, 0xf2, 0xf3 }, { 0x26, 0x2e, 0x36, 0x3e, 0x64, 0x65 }, { 0x66 }, { 0x67 },
};
static const unsigned group_n[4] = { 3, 6, 1, 1 };

/* Instructions whose decoding the legacy prefixes change: operand size,
 * address size (memory operands, strings), REP, segments, LOCK. */
static const struct { uint8_t b[10]; unsigned n; } bases[] = {
	{ { 0xa4 }, 1 }, { { 0xa5 }, 1 }, { { 0xa6 }, 1 }, { { 0xa7 }, 1 }, { { 0xaa }, 1 },
	{ { 0xab }, 1 }, { { 0xac }, 1 }, { { 0xad }, 1 }, { { 0xae }, 1 }, { { 0xaf }, 1 },
	{ { 0x6c }, 1 }, { { 0x6d }, 1 }, { { 0x6e }, 1 }, { { 0x6f }, 1 },
	{ { 0x01, 0x44, 0x8d, 0x10 }, 4 },              /* add [rbp+rcx*4+0x10], eax */
	{ { 0x89, 0x05, 0x78, 0x56, 0x34, 0x12 }, 6 },  /* mov [rip+disp32], eax */
	{ { 0x8b, 0x04, 0x24 }, 3 },                    /* mov eax, [rsp] */
	{ { 0x81, 0x00, 0x78, 0x56, 0x34, 0x12 }, 6 },  /* add [rax], imm32 */
	{ { 0x83, 0x30, 0x80 }, 3 },                    /* xor [rax], imm8 */
	{ { 0xf7, 0xd8 }, 2 },                          /* neg eax */
	{ { 0xc7, 0xc0, 0x78, 0x56, 0x34, 0x12 }, 6 },  /* mov eax, imm32 */
	{ { 0xb8, 1, 2, 3, 4, 5, 6, 7 }, 5 },           /* mov eax, imm32 */
	{ { 0x8d, 0x44, 0x58, 0x08 }, 4 },              /* lea eax, [rax+rbx*2+8] */
	{ { 0x0f, 0xb7, 0x03 }, 3 },                    /* movzx eax, word [rbx] */
	{ { 0x0f, 0xb1, 0x0b }, 3 },                    /* cmpxchg [rbx], ecx */
	{ { 0x87, 0x0b }, 2 },                          /* xchg [rbx], ecx */
	{ { 0xff, 0x30 }, 2 },                          /* push [rax] */
	{ { 0x50 }, 1 }, { { 0x98 }, 1 }, { { 0x99 }, 1 },
	{ { 0x6a, 0x80 }, 2 }, { { 0x68, 1, 2, 3, 4 }, 5 },
	{ { 0xe5, 0x40 }, 2 }, { { 0xef }, 1 },         /* in eax, 0x40; out dx, eax */
	{ { 0xc1, 0x20, 3 }, 3 }, { { 0xd1, 0x20 }, 2 },
	{ { 0x0f, 0xa4, 0xc8, 5 }, 4 },                 /* shld eax, ecx, 5 */
	{ { 0x0f, 0xc7, 0x0e }, 3 },                    /* cmpxchg8b [rsi] */
	{ { 0x0f, 0xbc, 0xc1 }, 3 }, { { 0x0f, 0xbd, 0xc1 }, 3 },
	{ { 0xa1, 1, 2, 3, 4, 5, 6, 7, 8 }, 9 },        /* mov eax, moffs */
	{ { 0x90 }, 1 }, { { 0x0f, 0x1f, 0x40, 0x00 }, 4 },
	/* SSE/SSE2: 66/F2/F3 select the instruction (mandatory prefixes). */
	{ { 0x0f, 0x58, 0x44, 0x8d, 0x10 }, 5 },        /* addps/addpd/addss/addsd */
	{ { 0x0f, 0x10, 0x03 }, 3 }, { { 0x0f, 0x7e, 0xc1 }, 3 },
	{ { 0x0f, 0xe6, 0x03 }, 3 }, { { 0x0f, 0x2a, 0xc1 }, 3 },
	{ { 0x0f, 0xc2, 0x03, 0x05 }, 4 }, { { 0x0f, 0x70, 0xc1, 0x1b }, 4 },
	{ { 0x0f, 0x6f, 0x03 }, 3 }, { { 0x0f, 0xd6, 0x03 }, 3 },
	{ { 0x0f, 0x12, 0xc1 }, 3 }, { { 0x0f, 0xae, 0x13 }, 3 },
};

/* Every order of every choice of at most one prefix per group, plus the
 * same with the first prefix repeated at the end. */
static unsigned long orders;

static void permute(uint8_t *p, unsigned k, unsigned n, int mode, bool rex)
{
	if (k == n) {
		uint8_t buf[32];
		for (unsigned rep = 0; rep < (n ? 2u : 1u); rep++) {
			for (size_t i = 0; i < sizeof(bases) / sizeof(bases[0]); i++) {
				unsigned m = 0;
				memcpy(buf, p, n);
				m = n;
				if (rep)
					buf[m++] = p[0];
				if (rex)
					buf[m++] = 0x48;
				memcpy(buf + m, bases[i].b, bases[i].n);
				m += bases[i].n;
				memset(buf + m, 0x11, sizeof(buf) - m);
				check_one(buf, 15, mode);
			}
			orders++;
		}
		return;
	}
	for (unsigned i = k; i < n; i++) {
		uint8_t t = p[k]; p[k] = p[i]; p[i] = t;
		permute(p, k + 1, n, mode, rex);
		t = p[k]; p[k] = p[i]; p[i] = t;
	}
}

static void all_prefix_orders(int mode)
{
	/* choice per group: 0 = none, else index + 1 */
	for (unsigned c0 = 0; c0 <= group_n[0]; c0++)
	for (unsigned c1 = 0; c1 <= group_n[1]; c1++)
	for (unsigned c2 = 0; c2 <= group_n[2]; c2++)
	for (unsigned c3 = 0; c3 <= group_n[3]; c3++) {
		uint8_t p[4];
		unsigned n = 0;
		if (c0) p[n++] = group[0][c0 - 1];
		if (c1) p[n++] = group[1][c1 - 1];
		if (c2) p[n++] = group[2][c2 - 1];
		if (c3) p[n++] = group[3][c3 - 1];
		permute(p, 0, n, mode, false);
		if (mode == 64)
			permute(p, 0, n, mode, true);
	}
}

static void random_bytes(int mode, unsigned long count)
{
	static const uint8_t legacy[11] = { 0xf0, 0xf2, 0xf3, 0x26, 0x2e, 0x36, 0x3e, 0x64, 0x65,
					    0x66, 0x67 };
	uint8_t buf[16];

	for (unsigned long t = 0; t < count; t++) {
		unsigned k = 0, np = (unsigned)(rnd() % 8);
		np = np < 4 ? 0 : np - 3;       /* half without prefixes, up to 4 */
		for (unsigned i = 0; i < np; i++)
			buf[k++] = legacy[rnd() % 11];
		if (mode == 64 && (rnd() & 1))
			buf[k++] = (uint8_t)(0x40 | (rnd() & 15));
		if (rnd() % 4 == 0)
			buf[k++] = 0x0f;
		uint64_t r = rnd(), r2 = rnd();
		while (k < 16) {
			buf[k++] = (uint8_t)r;
			r = r >> 8 | r2 << 56;
			r2 >>= 8;
		}
		check_one(buf, 15, mode);
	}
}

int main(int argc, char **argv)
{
	unsigned long nrand = argc > 1 ? strtoul(argv[1], NULL, 0) : 2000000;
	int modes[2] = { 64, 32 };

	ZydisDecoderInit(&zdec[1], ZYDIS_MACHINE_MODE_LONG_64, ZYDIS_STACK_WIDTH_64);
	ZydisDecoderInit(&zdec[0], ZYDIS_MACHINE_MODE_LEGACY_32, ZYDIS_STACK_WIDTH_32);
	/* The vCPU is the host's vendor: on AMD, 66 on a near branch in 64-bit
	 * mode means rel16 and a 16-bit IP (APM vol. 3, "Near Branches in
	 * 64-Bit Mode"); Intel ignores it.  Zydis models AMD's rule in a mode. */
	ZydisDecoderEnableMode(&zdec[1], ZYDIS_DECODER_MODE_AMD_BRANCHES, x86_vendor_amd());
	for (int mi = 0; mi < 2; mi++) {
		int mode = modes[mi];
		memset(dcount, 0, sizeof(dcount));
		compared = executed_ud_ok = unimpl = orders = 0;
		known_mpx = known_movsxd = known_sib = known_notrack = known_far = 0;
		all_prefix_orders(mode);
		random_bytes(mode, nrand);
		unsigned long bad = 0;
		for (int d = 0; d < D_COUNT; d++) {
			bad += dcount[d];
			if (dcount[d])
				printf("# %d-bit: %lu disagreements in %s, e.g.\n#   %s\n#   %s\n#   %s\n",
				       mode, dcount[d], dname[d], dexample[d][0], dexample[d][1],
				       dexample[d][2]);
		}
		printf("# %d-bit known oracle differences: %lu MPX/hint NOP, %lu MOVSXD m16, %lu SIB "
		       "base, %lu NOTRACK, %lu AMD far pointer\n", mode, known_mpx, known_movsxd, known_sib,
		       known_notrack, known_far);
		CHECK(bad == 0, "%d-bit decoder agrees with Zydis: %lu prefix orders x %zu forms and "
		      "%lu random sequences; %lu instructions compared field by field, %lu invalid "
		      "for both, %lu not implemented here; %lu disagreements",
		      mode, orders, sizeof(bases) / sizeof(bases[0]), nrand, compared,
		      executed_ud_ok, unimpl, bad);
	}
	CHECK_EXIT();
}
