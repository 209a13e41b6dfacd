/* Arithmetic with exact flags: every flag-producing operation runs the
 * very same instruction on the host (an x86-64) with the guest's flags
 * loaded, so defined flags are right by construction and undefined ones
 * are what the host CPU does — the differential tests' reference.
 *
 * Flags go in with SAHF (SF ZF AF PF CF) after an ADD that sets OF, and
 * come out with LAHF and SETO.  No PUSHF/POPF: they would write below the
 * stack pointer, in the red zone of the calling C code. */
#include "engines/x86/alu.h"

#include "engines/x86/alu_asm.h"

#define ROW4(op) { op##1, op##2, op##4, op##8 }
#define ROW3(op) { 0, op##2, op##4, op##8 }

x86_alu_fn const x86_alu_tab[A_COUNT][4] = {
	[A_ADD] = ROW4(add), [A_OR] = ROW4(or), [A_ADC] = ROW4(adc), [A_SBB] = ROW4(sbb),
	[A_AND] = ROW4(and), [A_SUB] = ROW4(sub), [A_XOR] = ROW4(xor), [A_CMP] = ROW4(cmp),
	[A_TEST] = ROW4(test),
	[A_ROL] = ROW4(rol), [A_ROR] = ROW4(ror), [A_RCL] = ROW4(rcl), [A_RCR] = ROW4(rcr),
	[A_SHL] = ROW4(shl), [A_SHR] = ROW4(shr), [A_SAR] = ROW4(sar),
	[A_BT] = ROW3(bt), [A_BTS] = ROW3(bts), [A_BTR] = ROW3(btr), [A_BTC] = ROW3(btc),
	[A_BSF] = ROW3(bsf), [A_BSR] = ROW3(bsr), [A_IMUL2] = ROW3(imul),
	[A_INC] = ROW4(inc), [A_DEC] = ROW4(dec), [A_NEG] = ROW4(neg),
};

/* SHLD/SHRD: dst, src, count in CL. */
#define DSH(name, insn, T) \
static uint64_t name(uint64_t a64, uint64_t b64, uint8_t c, uint64_t *fl) \
{ \
	T a = (T)a64, b = (T)b64; \
	FL_VARS(fl); \
	__asm__(FL_IN insn " %%cl, %[b], %[a]" FL_OUT \
		: [a] "+r"(a), [of] "+r"(of), "+a"(ax) : [b] "r"(b), "c"(c) : "cc"); \
	*fl = fl_merge(*fl, ax, of); \
	return a; \
}
DSH(shld2, "shldw", uint16_t) DSH(shld4, "shldl", uint32_t) DSH(shld8, "shldq", uint64_t)
DSH(shrd2, "shrdw", uint16_t) DSH(shrd4, "shrdl", uint32_t) DSH(shrd8, "shrdq", uint64_t)

uint64_t x86_shxd(bool left, unsigned size, uint64_t a, uint64_t b, uint8_t c, uint64_t *fl)
{
	switch (size) {
	case 2: return left ? shld2(a, b, c, fl) : shrd2(a, b, c, fl);
	case 4: return left ? shld4(a, b, c, fl) : shrd4(a, b, c, fl);
	default: return left ? shld8(a, b, c, fl) : shrd8(a, b, c, fl);
	}
}

/* One-operand MUL/IMUL/DIV/IDIV on the accumulator pair.  lo/hi are
 * (AL/AH) for bytes, (AX,DX), (EAX,EDX), (RAX,RDX).  Division must have
 * been checked for #DE by the caller. */
#define MD(name, insn, T, LOAD, STORE) \
static void name(uint64_t *lo, uint64_t *hi, uint64_t src, uint64_t *fl) \
{ \
	T b = (T)src; \
	uint64_t l = *lo, h = *hi, ol, oh; \
	FL_VARS(fl); \
	__asm__(FL_IN LOAD insn " %[b]\n\t" STORE FL_OUT \
		: [of] "+r"(of), "+a"(ax), [ol] "=&r"(ol), [oh] "=&r"(oh) \
		: [b] "r"(b), [l] "r"(l), [h] "r"(h) : "rdx", "cc"); \
	*fl = fl_merge(*fl, ax, of); \
	*lo = ol; *hi = oh; \
}
#define LD64 "mov %[l], %%rax\n\tmov %[h], %%rdx\n\t"
#define ST64 "mov %%rax, %[ol]\n\tmov %%rdx, %[oh]"
/* Byte forms: the 16-bit dividend/product lives in AX. */
#define LD8  "mov %[l], %%rax\n\tmov %[h], %%rdx\n\tmov %%dl, %%ah\n\t"
#define ST8  "movzbl %%al, %%edx\n\tmov %%rdx, %[ol]\n\tmovzbl %%ah, %%edx\n\tmov %%rdx, %[oh]"

#define MD4(op, insn) \
	MD(op##1, insn "b", uint8_t, LD8, ST8) MD(op##2, insn "w", uint16_t, LD64, ST64) \
	MD(op##4, insn "l", uint32_t, LD64, ST64) MD(op##8, insn "q", uint64_t, LD64, ST64)
MD4(mul, "mul") MD4(imul1, "imul") MD4(div, "div") MD4(idiv, "idiv")

void x86_muldiv(int op, unsigned size, uint64_t *lo, uint64_t *hi, uint64_t src, uint64_t *fl)
{
	typedef void (*fn)(uint64_t *, uint64_t *, uint64_t, uint64_t *);
	static const fn tab[4][4] = {
		{ mul1, mul2, mul4, mul8 }, { imul11, imul12, imul14, imul18 },
		{ div1, div2, div4, div8 }, { idiv1, idiv2, idiv4, idiv8 },
	};
	unsigned si = size == 1 ? 0 : size == 2 ? 1 : size == 4 ? 2 : 3;

	if (size == 1) {
		/* AL and AH come in as lo and hi; the byte form wants AX. */
		*lo &= 0xff;
		*hi &= 0xff;
	}
	tab[op][si](lo, hi, src, fl);
}
