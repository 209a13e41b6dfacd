/* Integer arithmetic with exact flags (alu.c) and condition codes. */
#ifndef RINGBENCH_X86_ALU_H
#define RINGBENCH_X86_ALU_H

#include "engines/x86/cpu.h"

/* The first eight are in the order of the x86 ALU opcode groups. */
enum { A_ADD, A_OR, A_ADC, A_SBB, A_AND, A_SUB, A_XOR, A_CMP, A_TEST,
       A_ROL, A_ROR, A_RCL, A_RCR, A_SHL, A_SHR, A_SAR,
       A_BT, A_BTS, A_BTR, A_BTC, A_BSF, A_BSR, A_IMUL2,
       A_INC, A_DEC, A_NEG, A_COUNT };

/* result = a OP b; *fl is RFLAGS, its arithmetic flags updated. */
typedef uint64_t (*x86_alu_fn)(uint64_t a, uint64_t b, uint64_t *fl);
extern x86_alu_fn const x86_alu_tab[A_COUNT][4];

static inline unsigned x86_size_index(unsigned size)
{
	return size == 8 ? 3 : size == 4 ? 2 : size == 2 ? 1 : 0;
}

static inline uint64_t x86_alu(int op, unsigned size, uint64_t a, uint64_t b, uint64_t *fl)
{
	return x86_alu_tab[op][x86_size_index(size)](a, b, fl);
}

uint64_t x86_shxd(bool left, unsigned size, uint64_t a, uint64_t b, uint8_t c, uint64_t *fl);

/* The immediate-count forms, executed as such, register or memory form
 * (alu_imm.c); op is A_ROL-A_SAR. */
uint64_t x86_shift_imm(int op, unsigned size, bool mem, uint64_t a, uint8_t count, uint64_t *fl);
uint64_t x86_shxd_imm(bool left, unsigned size, bool mem, uint64_t a, uint64_t b, uint8_t count,
		      uint64_t *fl);

enum { MD_MUL, MD_IMUL, MD_DIV, MD_IDIV };
void x86_muldiv(int op, unsigned size, uint64_t *lo, uint64_t *hi, uint64_t src, uint64_t *fl);

/* Condition cc (0-15, the Jcc encoding) on RFLAGS f. */
static inline int x86_cond(uint64_t f, unsigned cc)
{
	int r;

	switch (cc >> 1) {
	case 0: r = (int)(f >> 11) & 1; break;                          /* O */
	case 1: r = (int)f & 1; break;                                  /* B */
	case 2: r = (int)(f >> 6) & 1; break;                           /* E */
	case 3: r = (int)((f | f >> 6) & 1); break;                     /* BE */
	case 4: r = (int)(f >> 7) & 1; break;                           /* S */
	case 5: r = (int)(f >> 2) & 1; break;                           /* P */
	case 6: r = (int)((f >> 7 ^ f >> 11) & 1); break;               /* L */
	default: r = (int)(((f >> 7 ^ f >> 11) | f >> 6) & 1); break;   /* LE */
	}
	return r ^ (int)(cc & 1);
}

#endif
