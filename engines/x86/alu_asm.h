/* The host-instruction implementations of the flag-producing operations
 * (see alu.c for why), as static inline functions: alu.c builds its table
 * from them and ops_fast.c inlines them into specialised handlers.
 * Names: <op><size in bytes>, e.g. add4, shl8. */
#ifndef RINGBENCH_X86_ALU_ASM_H
#define RINGBENCH_X86_ALU_ASM_H

#include "engines/x86/cpu.h"

#define FL_IN  "addb $0x7f, %[of]\n\tsahf\n\t"
#define FL_OUT "\n\tlahf\n\tseto %[of]"

static inline uint64_t fl_merge(uint64_t fl, uint32_t ax, uint8_t of)
{
	return (fl & ~F_ARITH) | ((ax >> 8) & 0xd5) | ((uint64_t)of << 11);
}

#define FL_VARS(fl) \
	uint32_t ax = (uint32_t)(*(fl) & 0xff) << 8; \
	uint8_t of = (uint8_t)((*(fl) >> 11) & 1)

/* dst = dst OP src */
#define BIN(name, insn, T) \
static inline uint64_t name(uint64_t a64, uint64_t b64, uint64_t *fl) \
{ \
	T a = (T)a64, b = (T)b64; \
	FL_VARS(fl); \
	__asm__(FL_IN insn " %[b], %[a]" FL_OUT \
		: [a] "+r"(a), [of] "+r"(of), "+a"(ax) : [b] "r"(b) : "cc"); \
	*fl = fl_merge(*fl, ax, of); \
	return a; \
}
/* dst = dst OP src for ADD, SUB and CMP, whose six arithmetic flags all
 * come from the operands (SDM: "set according to the result"): the guest's
 * flags need not be loaded first, only read back. */
#define BIN_OUT(name, insn, T) \
static inline uint64_t name(uint64_t a64, uint64_t b64, uint64_t *fl) \
{ \
	T a = (T)a64, b = (T)b64; \
	uint32_t ax; \
	uint8_t of; \
	__asm__(insn " %[b], %[a]" FL_OUT \
		: [a] "+r"(a), [of] "=r"(of), "=a"(ax) : [b] "r"(b) : "cc"); \
	*fl = fl_merge(*fl, ax, of); \
	return a; \
}
/* dst = OP dst */
#define UN(name, insn, T) \
static inline uint64_t name(uint64_t a64, uint64_t b64, uint64_t *fl) \
{ \
	T a = (T)a64; \
	(void)b64; \
	FL_VARS(fl); \
	__asm__(FL_IN insn " %[a]" FL_OUT \
		: [a] "+r"(a), [of] "+r"(of), "+a"(ax) : : "cc"); \
	*fl = fl_merge(*fl, ax, of); \
	return a; \
}
/* dst = dst SHIFT cl */
#define SH(name, insn, T) \
static inline uint64_t name(uint64_t a64, uint64_t b64, uint64_t *fl) \
{ \
	T a = (T)a64; \
	uint8_t c = (uint8_t)b64; \
	FL_VARS(fl); \
	__asm__(FL_IN insn " %%cl, %[a]" FL_OUT \
		: [a] "+r"(a), [of] "+r"(of), "+a"(ax) : "c"(c) : "cc"); \
	*fl = fl_merge(*fl, ax, of); \
	return a; \
}

#define BIN4(op, insn) \
	BIN(op##1, insn "b", uint8_t) BIN(op##2, insn "w", uint16_t) \
	BIN(op##4, insn "l", uint32_t) BIN(op##8, insn "q", uint64_t)
#define BIN3(op, insn) \
	BIN(op##2, insn "w", uint16_t) BIN(op##4, insn "l", uint32_t) BIN(op##8, insn "q", uint64_t)
#define UN4(op, insn) \
	UN(op##1, insn "b", uint8_t) UN(op##2, insn "w", uint16_t) \
	UN(op##4, insn "l", uint32_t) UN(op##8, insn "q", uint64_t)
#define SH4(op, insn) \
	SH(op##1, insn "b", uint8_t) SH(op##2, insn "w", uint16_t) \
	SH(op##4, insn "l", uint32_t) SH(op##8, insn "q", uint64_t)

BIN4(add, "add") BIN4(or, "or") BIN4(adc, "adc") BIN4(sbb, "sbb")
BIN4(and, "and") BIN4(sub, "sub") BIN4(xor, "xor") BIN4(cmp, "cmp")
BIN4(test, "test")
SH4(rol, "rol") SH4(ror, "ror") SH4(rcl, "rcl") SH4(rcr, "rcr")
SH4(shl, "shl") SH4(shr, "shr") SH4(sar, "sar")
BIN3(bt, "bt") BIN3(bts, "bts") BIN3(btr, "btr") BIN3(btc, "btc")
BIN3(bsf, "bsf") BIN3(bsr, "bsr") BIN3(imul, "imul")
UN4(inc, "inc") UN4(dec, "dec") UN4(neg, "neg")
BIN_OUT(add_out4, "addl", uint32_t) BIN_OUT(add_out8, "addq", uint64_t)
BIN_OUT(sub_out4, "subl", uint32_t) BIN_OUT(sub_out8, "subq", uint64_t)
BIN_OUT(cmp_out4, "cmpl", uint32_t) BIN_OUT(cmp_out8, "cmpq", uint64_t)
/* The logic ops leave AF undefined: these are exact only on a host whose
 * AF after them does not depend on the flags before (ops_fast64.c checks). */
BIN_OUT(and_out4, "andl", uint32_t) BIN_OUT(and_out8, "andq", uint64_t)
BIN_OUT(or_out4, "orl", uint32_t) BIN_OUT(or_out8, "orq", uint64_t)
BIN_OUT(xor_out4, "xorl", uint32_t) BIN_OUT(xor_out8, "xorq", uint64_t)
BIN_OUT(test_out4, "testl", uint32_t) BIN_OUT(test_out8, "testq", uint64_t)


#endif
