/* Corrections to Capstone 4's decoding, from the raw bytes, as the CPU
 * reads them.  Each one was found by the Zydis oracle test
 * (tests/unit/test_x86_decode_oracle.c), which keeps them honest. */
#include <capstone/capstone.h>
#include <string.h>

#include "engines/engine.h"
#include "engines/x86/cpu.h"
#include "engines/x86/decode_fix.h"

static bool is_rex(uint8_t c, int mode)
{
	return mode == 64 && (c & 0xf0) == 0x40;
}

void x86_scan_prefixes(const uint8_t *b, unsigned len, int mode, struct x86_pfx *p)
{
	unsigned i = 0;

	*p = (struct x86_pfx){ .seg = -1 };
	/* Most instructions have no prefix: one test, no loop. */
	if (len > 0 && !x86_legacy_prefix(b[0]) && !is_rex(b[0], mode)) {
		p->op = b[0];
		p->op2 = len > 1 ? b[1] : 0;
		p->modrm = len > 2 ? b[2] : 0;
		return;
	}
	for (; i < len; i++) {
		uint8_t c = b[i];
		switch (c) {
		case 0x66: p->p66 = true; break;
		case 0x67: p->p67 = true; break;
		case 0xf0: p->lock = true; break;
		case 0xf2: case 0xf3: p->rep = c; break;       /* the last one counts */
		/* The last segment prefix counts; in 64-bit mode ES, CS, SS and
		 * DS overrides are ignored (the default segment stays, so an SS
		 * override does not make a non-canonical access #SS). */
		case 0x26: if (mode != 64) p->seg = S_ES; break;
		case 0x2e: if (mode != 64) p->seg = S_CS; break;
		case 0x36: if (mode != 64) p->seg = S_SS; break;
		case 0x3e: if (mode != 64) p->seg = S_DS; break;
		case 0x64: p->seg = S_FS; break;
		case 0x65: p->seg = S_GS; break;
		default:
			if (!is_rex(c, mode))
				goto done;
		}
	}
done:
	p->n = (uint8_t)i;
	if (i > 0 && is_rex(b[i - 1], mode))
		p->rex = b[i - 1];
	p->op = i < len ? b[i] : 0;
	p->op2 = i + 1 < len ? b[i + 1] : 0;
	p->modrm = i + 2 < len ? b[i + 2] : 0;
}

/* A near branch whose operand size 0x66 would change: CALL/JMP rel, Jcc
 * rel, RET (imm), JMP/CALL r/m (FF /2 /4). */
static bool near_branch(const uint8_t *o, unsigned n)
{
	switch (o[0]) {
	case 0xe8: case 0xe9: case 0xeb: case 0xc2: case 0xc3:
		return true;
	case 0x0f:
		return n > 1 && (o[1] & 0xf0) == 0x80;
	case 0xff:
		return n > 1 && (((o[1] >> 3) & 7) == 2 || ((o[1] >> 3) & 7) == 4);
	default:
		return (o[0] & 0xf0) == 0x70;
	}
}

/* Capstone 4 decodes some prefix orders wrongly (0x66 before F2/F3 is
 * lost: 66 F2 68 iw comes out as PUSH imm32, two bytes too long), but the
 * CPU gives the order no meaning beyond "the last of F2/F3, the last
 * segment prefix".  So Capstone sees the prefixes in one order it gets
 * right: REX bytes that do not count (not right before the opcode), LOCK,
 * F2/F3, segments, 0x67, 0x66 (F2/F3 last on 0F opcodes), each group in
 * its original order.
 * It also refuses MOV Sreg (8C/8E) with REX.R, which the CPU ignores.
 * And a near branch with 0x66 in 64-bit mode: Intel CPUs ignore the 0x66
 * (rel32, 64-bit RIP), Capstone 4 decodes AMD's rel16, which truncates RIP;
 * on an Intel host (the vCPU is the host's vendor) the 0x66 becomes 0x3E,
 * a prefix with no effect there; on AMD too beside REX.W, which wins over
 * it (Capstone 4 decodes 66 REX.W C2 iw two bytes too long).  0x67 has
 * none on a relative branch, but Capstone 4 takes it for 0x66 beside
 * REX.W (67 48 E8 rel32 comes out two bytes short): it becomes 0x3E too. */
bool x86_canon_for_capstone(const uint8_t *b, unsigned n, int mode, const struct x86_pfx *p,
			    uint8_t *out)
{
	static const uint8_t rank[256] = {
		[0xf0] = 4, [0xf2] = 6, [0xf3] = 6, [0x26] = 8, [0x2e] = 8, [0x36] = 8, [0x3e] = 8,
		[0x64] = 8, [0x65] = 8, [0x67] = 10, [0x66] = 12,
	};
	unsigned np = p->n, k = 0;
	bool changed = false;
	/* 0F AE E9-EF, F1-F7, F9-FF are LFENCE, MFENCE, SFENCE too (the rm
	 * field is ignored); Capstone 4 knows only E8, F0, F8. */
	bool fence = p->op == 0x0f && p->op2 == 0xae && p->modrm > 0xe8 && (p->modrm & 7) &&
		     !p->p66 && !p->rep;

	/* The common case, no prefix or one (REX aside), needs nothing unless
	 * it is an 8C/8E with REX. */
	if (!fence && (np == 0 || (np == 1 && !(p->rex && (p->op == 0x8c || p->op == 0x8e)) &&
				   !(b[0] == 0x66 || b[0] == 0x67))))
		return false;
	unsigned last = p->rex ? np - 1 : np;
	if (last >= 2) {
		/* SSE (0F opcodes): a prefix between F2/F3 and the opcode loses
		 * the F2/F3 in Capstone 4 (F3 67 0F 7E C1 comes out as MOVD ECX,
		 * MM0; F3 2E 0F E6 as nothing), so there F2/F3 go last. */
		bool sse = p->op == 0x0f;
		for (uint8_t r = 1; r <= 13; r++)
			for (unsigned i = 0; i < last; i++)
				if ((sse && (b[i] == 0xf2 || b[i] == 0xf3) ? 13 :
				     rank[b[i]] ? rank[b[i]] : 2) == r)
					out[k++] = b[i];
		changed = memcmp(out, b, last) != 0;
	} else {
		memcpy(out, b, last);
	}
	memcpy(out + last, b + last, n - last);
	if (np < n && near_branch(b + np, n - np)) {
		bool rel = b[np] != 0xff;
		for (unsigned i = 0; i < last; i++)
			if ((out[i] == 0x66 && mode == 64 && (x86_vendor_intel() || (p->rex & 8))) ||
			    (out[i] == 0x67 && rel)) {
				out[i] = 0x3e;
				changed = true;
			}
	}
	if (last < np && np < n && (b[np] == 0x8c || b[np] == 0x8e) && (b[last] & 4)) {
		out[last] = (uint8_t)(b[last] & ~4);
		changed = true;
	}
	if (fence) {
		out[np + 2] &= 0xf8;
		changed = true;
	}
	return changed;
}

/* 0x66 beside another prefix: Capstone 4 mixes 32- and 16-bit operands or
 * reports CWDE for CBW. */
static void fix_opsize16(const struct x86_pfx *p, int mode, int flags, struct x86_inst *in)
{
	/* Near branches keep their size (a 16-bit one is not ours). */
	if (mode == 16 || (p->rex & 8) || !p->p66 || (flags & IF_BLOCK_END))
		return;
	/* 16-bit operation: no operand of it is 32 bits wide. */
	for (unsigned k = 0; k < in->nops; k++)
		if (in->op[k].size == 4 && in->op[k].kind != OP_SREG && in->op[k].kind != OP_CR &&
		    in->op[k].kind != OP_DR)
			in->op[k].size = 2;
	if (in->opsize == 4)
		in->opsize = 2;
	if (in->id == X86_INS_CWDE)
		in->id = X86_INS_CBW;
	else if (in->id == X86_INS_CDQ)
		in->id = X86_INS_CWD;
}

/* The string instructions' element size is in their id, which Capstone 4
 * gets wrong with 0x66 before F2/F3 (GAS's order: 66 F3 A5 is REP MOVSW,
 * Capstone says MOVSD). */
static bool fix_string_size(const struct x86_pfx *p, int mode, struct x86_inst *in)
{
	static const uint16_t ids[7][3] = {
		{ X86_INS_MOVSW, X86_INS_MOVSD, X86_INS_MOVSQ },
		{ X86_INS_CMPSW, X86_INS_CMPSD, X86_INS_CMPSQ },
		{ X86_INS_STOSW, X86_INS_STOSD, X86_INS_STOSQ },
		{ X86_INS_LODSW, X86_INS_LODSD, X86_INS_LODSQ },
		{ X86_INS_SCASW, X86_INS_SCASD, X86_INS_SCASQ },
		{ X86_INS_INSW, X86_INS_INSD, X86_INS_INSD },
		{ X86_INS_OUTSW, X86_INS_OUTSD, X86_INS_OUTSD },
	};
	bool rexw = (p->rex & 8) != 0, wide = (mode == 16) == p->p66;
	int row;

	switch (p->op) {
	case 0xa4: case 0xa6: case 0xaa: case 0xac: case 0xae: case 0x6c: case 0x6e:
		return true;
	case 0xa5: row = 0; break;
	case 0xa7: row = 1; break;
	case 0xab: row = 2; break;
	case 0xad: row = 3; break;
	case 0xaf: row = 4; break;
	case 0x6d: row = 5; break;
	case 0x6f: row = 6; break;
	default: return false;
	}
	/* INS/OUTS have no 64-bit form: REX.W (over 0x66 too) makes them 32-bit. */
	if (row >= 5 && rexw) {
		rexw = false;
		wide = true;
	}
	in->id = ids[row][rexw ? 2 : wide ? 1 : 0];
	in->opsize = rexw ? 8 : wide ? 4 : 2;
	return true;
}

/* Capstone 4 sizes some operands by 0x67 or REX.W where the CPU does not:
 * IN/OUT eAX have no 64-bit form (67 48 E5 is IN EAX), and PUSH/POP are
 * 64-bit in 64-bit mode whatever REX.W and 0x67 say (67 48 FF 30 is PUSH
 * QWORD [EAX]); only 0x66 without REX.W makes them 16-bit.  The GPR of
 * MOV Sreg, r is 16 bits, of MOV CR/DR the mode's width whatever 0x66 says. */
static void fix_fixed_sizes(const struct x86_pfx *p, int mode, struct x86_inst *in)
{
	bool wide = (mode == 16) == p->p66 || (p->rex & 8);
	unsigned size;

	if (p->op == 0xff && (p->rex & 8))
		wide = true;

	switch (p->op) {
	case 0xe5: case 0xe7: case 0xed: case 0xef:     /* IN/OUT eAX; REX.W: 32-bit */
		size = wide ? 4 : 2;
		for (unsigned k = 0; k < in->nops; k++)
			if (in->op[k].kind == OP_REG && in->op[k].reg == R_RAX)
				in->op[k].size = (uint8_t)size;
		in->opsize = (uint8_t)size;
		return;
	case 0xff:                                      /* PUSH r/m: FF /6 */
		if ((((p->op2 >> 3) & 7) == 3 || ((p->op2 >> 3) & 7) == 5) && in->nops == 1 &&
		    in->op[0].kind == OP_MEM) {
			/* Far CALL/JMP m16:16/32/64: Capstone 4 says m16:64 for
			 * any 64-bit-mode form; only REX.W makes it so, on Intel
			 * (AMD has no m16:64 form). */
			size = (p->rex & 8) ? (x86_vendor_intel() ? 8 : 4) : wide ? 4 : 2;
			in->op[0].size = (uint8_t)(size + 2);
			in->opsize = (uint8_t)size;
			return;
		}
		if (((p->op2 >> 3) & 7) != 6)
			return;
		break;
	case 0x8f:                                      /* POP r/m: 8F /0 */
		if (((p->op2 >> 3) & 7) != 0)
			return;
		break;
	case 0x8e:
		if (in->nops == 2 && in->op[1].kind == OP_REG)
			in->op[1].size = 2;
		return;
	case 0x0f:
		if (p->op2 < 0x20 || p->op2 > 0x23)
			return;
		for (unsigned k = 0; k < in->nops; k++)
			if (in->op[k].kind == OP_REG)
				in->op[k].size = mode == 64 ? 8 : 4;
		return;
	default:
		if (p->op < 0x50 || p->op > 0x5f)
			return;
	}
	if (mode != 64 || in->nops != 1)
		return;
	size = p->p66 && !(p->rex & 8) ? 2 : 8;
	in->op[0].size = (uint8_t)size;
	in->opsize = (uint8_t)size;
}

/* Capstone 4 honours ES/CS/SS/DS overrides in 64-bit mode and takes the
 * last segment prefix of any kind; the CPU ignores those four there. */
static void fix_segments(const struct x86_pfx *p, struct x86_inst *in)
{
	in->sseg = p->seg >= 0 ? (uint8_t)p->seg : S_DS;
	for (unsigned k = 0; k < in->nops; k++) {
		struct x86_op *o = &in->op[k];
		if (o->kind != OP_MEM)
			continue;
		if (p->seg >= 0)
			o->seg = (uint8_t)p->seg;
		else
			o->seg = o->base == R_RSP || o->base == R_RBP ? S_SS : S_DS;
	}
}

/* Encodings Capstone 4 decodes but the CPU rejects with #UD. */
static bool valid(const struct x86_pfx *p, int mode)
{
	unsigned reg = (p->modrm >> 3) & 7;

	/* MOV Sreg, r/m: CS cannot be loaded; there is no Sreg 6 or 7. */
	if (p->op == 0x8e && (((p->op2 >> 3) & 7) == 1 || ((p->op2 >> 3) & 7) >= 6))
		return false;
	if (p->op == 0x8c && ((p->op2 >> 3) & 7) >= 6)
		return false;
	if (p->op != 0x0f)
		return true;
	/* LFENCE/MFENCE/SFENCE (0F AE E8-FF) and CLFLUSH (0F AE /7 mem) with
	 * 66/F2/F3 are other instructions (TPAUSE, UMWAIT, CLFLUSHOPT, ...)
	 * the vCPU's CPUID does not have. */
	if (p->op2 == 0xae && ((p->modrm >= 0xe8) || ((p->modrm >> 3) & 7) == 7) &&
	    (p->p66 || p->rep))
		return false;
	/* SWAPGS exists only in 64-bit mode. */
	if (p->op2 == 0x01 && p->modrm == 0xf8 && mode != 64)
		return false;
	/* VMCALL/VMMCALL take no operand-size or REP prefix. */
	if (p->op2 == 0x01 && (p->modrm == 0xc1 || p->modrm == 0xd9) && (p->p66 || p->rep))
		return false;
	/* MOV to/from DR8-DR15 (REX.R) is #UD. */
	if ((p->op2 == 0x21 || p->op2 == 0x23) && (p->rex & 4))
		return false;
	/* MOV CRn: only CR0, CR2, CR3, CR4, CR8 exist. */
	if (p->op2 == 0x20 || p->op2 == 0x22) {
		reg |= (p->rex & 4) ? 8 : 0;
		return reg == 0 || reg == 2 || reg == 3 || reg == 4 || reg == 8;
	}
	return true;
}

/* Relative branch targets from the raw displacement: Capstone 4 truncates
 * some to 16 bits (67 0F 8D rel32 in 32-bit mode: 0x67 taken for 0x66).
 * Ours are relative to the instruction's start (decoded at address 0). */
static void fix_rel_target(const uint8_t *b, const struct x86_pfx *p, int mode, struct x86_inst *in)
{
	unsigned k;

	if (in->nops < 1 || in->op[0].kind != OP_IMM)
		return;
	if (p->op == 0xeb || (p->op & 0xf0) == 0x70 || (p->op >= 0xe0 && p->op <= 0xe3))
		k = 1;
	else if (p->op == 0xe8 || p->op == 0xe9 || (p->op == 0x0f && (p->op2 & 0xf0) == 0x80))
		k = mode == 64 ? (p->p66 && !(p->rex & 8) && !x86_vendor_intel() ? 2 : 4) : (mode == 16) == p->p66 ? 4 : 2;
	else
		return;
	if (in->len < p->n + k)
		return;
	const uint8_t *r = b + in->len - k;
	int64_t rel = k == 1 ? (int8_t)r[0] : k == 2 ? (int16_t)(r[0] | r[1] << 8) :
		      (int32_t)((uint32_t)r[0] | (uint32_t)r[1] << 8 | (uint32_t)r[2] << 16 |
				(uint32_t)r[3] << 24);
	in->op[0].disp = (int64_t)in->len + rel;
}

/* Bytes of ModRM, SIB and displacement at m (n available) for an address
 * size of 2, 4 or 8 bytes; 0 when they do not fit. */
static unsigned modrm_len(const uint8_t *m, unsigned n, unsigned asize)
{
	unsigned mod, rm, len;

	if (n < 1)
		return 0;
	mod = m[0] >> 6;
	rm = m[0] & 7;
	if (mod == 3)
		return 1;
	if (asize == 2)
		len = mod == 0 ? (rm == 6 ? 3 : 1) : mod == 1 ? 2 : 3;
	else if (rm == 4 && n < 2)
		return 0;
	else if (rm == 4)
		len = 2 + (mod == 0 ? ((m[1] & 7) == 5 ? 4 : 0) : mod == 1 ? 1 : 4);
	else
		len = 1 + (mod == 0 ? (rm == 5 ? 4 : 0) : mod == 1 ? 1 : 4);
	return len <= n ? len : 0;
}

unsigned x86_decode_hint_nop(const uint8_t *b, unsigned n, int mode, const struct x86_pfx *p,
			     struct x86_inst *in)
{
	unsigned asize, ml;

	/* 0F 18-1F, and 0F 0D (PREFETCH/PREFETCHW and the reg values Capstone
	 * 4 does not decode, e.g. /2): hints that the host runs as NOPs with
	 * any ModRM (checked natively; tests/unit/test_bt_fuzz.c found /2). */
	if (p->op != 0x0f || ((p->op2 < 0x18 || p->op2 > 0x1f) && p->op2 != 0x0d) || p->n + 2u >= n)
		return 0;
	asize = mode == 64 ? (p->p67 ? 4 : 8) : (mode == 32) != p->p67 ? 4 : 2;
	ml = modrm_len(b + p->n + 2, n - p->n - 2, asize);
	if (!ml || p->n + 2 + ml > 15)
		return 0;
	in->len = (uint8_t)(p->n + 2 + ml);
	in->id = X86_INS_NOP;
	in->addrsize = (uint8_t)asize;
	in->opsize = (uint8_t)((p->rex & 8) ? 8 : (mode == 16) == p->p66 ? 4 : 2);
	in->nops = 0;
	in->rep = 0;
	if (p->lock)
		in->flags |= IF_LOCK;   /* LOCK NOP: #UD (lock_ok) */
	return in->len;
}

bool x86_fix_decode(const uint8_t *b, int mode, int flags, const struct x86_pfx *pp,
		    struct x86_inst *in)
{
	struct x86_pfx p = *pp;

	if (p.lock)
		in->flags |= IF_LOCK;
	/* F3 0F BC/BD is TZCNT/LZCNT only where Capstone saw the F3; with the
	 * F3 elsewhere it is BSF/BSR plus a REP the translator must not copy
	 * (the guest's CPUID has no LZCNT/BMI1, the host may). */
	if (p.rep && !in->rep)
		in->rep = p.rep;
	/* F3 0F BC/BD as Capstone's TZCNT/LZCNT: those need BMI1/LZCNT, which
	 * the vCPU's CPUID does not advertise, and a CPU without them runs the
	 * bytes as BSF/BSR (SDM, TZCNT and LZCNT), as QEMU's qemu64 does.
	 * Linux's __ffs() is `rep; bsf`. */
	if (in->id == X86_INS_TZCNT)
		in->id = X86_INS_BSF;
	else if (in->id == X86_INS_LZCNT)
		in->id = X86_INS_BSR;
	/* F3 90 is PAUSE with any REX (the host does not exchange R8 for
	 * F3 41 90); Capstone 4 says XCHG EAX, R8D. */
	if (p.op == 0x90 && p.rep == 0xf3) {
		in->id = X86_INS_PAUSE;
		in->nops = 0;
		return true;
	}
	/* Address size from the bytes: Capstone sees 0x67 on relative
	 * branches replaced (x86_canon_for_capstone). */
	in->addrsize = mode == 64 ? (p.p67 ? 4 : 8) : (mode == 32) != p.p67 ? 4 : 2;
	fix_rel_target(b, &p, mode, in);
	fix_opsize16(&p, mode, flags, in);
	/* MOVSXD without REX.W moves 32 (or with 0x66, 16) bits; Capstone 4
	 * gives it a 64-bit destination. */
	if (in->id == X86_INS_MOVSXD && mode == 64 && !(p.rex & 8) && in->nops == 2) {
		in->op[0].size = in->opsize = p.p66 ? 2 : 4;
		if (in->op[1].size > in->op[0].size)
			in->op[1].size = in->op[0].size;
	}
	if (!fix_string_size(&p, mode, in)) {
		fix_fixed_sizes(&p, mode, in);
		fix_segments(&p, in);
	} else {
		in->sseg = p.seg >= 0 ? (uint8_t)p.seg : S_DS;
	}
	return valid(&p, mode);
}
