/* Differential test, data movement and bit operations: MOV forms, MOVZX,
 * MOVSX(D), LEA, XCHG, CMOVcc, SETcc, BT*, BSF/BSR, XADD, CMPXCHG(8B), BSWAP,
 * sign extensions and flag instructions, natively and emulated. */
#include "tests/unit/x86_diff.h"

#define N 2000
#define WDQ (SZ_W | SZ_D | SZ_Q)
#define DQ (SZ_D | SZ_Q)
#define RM (D_REG | D_MEM)

/* LEA with every addressing form: ModRM mod 0/1/2, SIB with any base,
 * index and scale (not RIP-relative: RIP differs natively), 16/32/64-bit
 * operand and 32/64-bit address size.  LEA touches no memory, so any register values are safe
 * natively: the effective-address arithmetic is tested in full. */
static void gen_lea(struct diff_enc *e)
{
	unsigned k = 0;
	int mod = (int)(rnd() % 3), reg = (int)(rnd() % 16), base = (int)(rnd() % 16);
	int index = (int)(rnd() % 16), size = (int)(rnd() % 3);
	bool sib = rnd() & 1;

	if (reg == 4)
		reg = 0;                /* RSP as the destination would move the host stack */
	if (base == 4)
		base = 3;               /* RSP differs natively */
	if (size == 0)
		e->bytes[k++] = 0x66;
	if (rnd() & 1)
		e->bytes[k++] = 0x67;
	e->bytes[k++] = (uint8_t)(0x40 | (size == 2 ? 8 : 0) | (reg >= 8 ? 4 : 0) |
				  (sib && index >= 8 ? 2 : 0) | (base >= 8 ? 1 : 0));
	e->bytes[k++] = 0x8d;
	if (sib) {
		e->bytes[k++] = (uint8_t)((mod << 6) | ((reg & 7) << 3) | 4);
		e->bytes[k++] = (uint8_t)(((rnd() % 4) << 6) | ((index & 7) << 3) | (base & 7));
		if (mod == 0 && (base & 7) == 5)
			mod = 2;        /* no base: disp32 */
	} else {
		if ((base & 7) == 4)
			base = 3;       /* rm=4 would mean SIB */
		if (mod == 0 && (base & 7) == 5)
			mod = 1;        /* rm=5 mod 0 is RIP-relative */
		e->bytes[k++] = (uint8_t)((mod << 6) | ((reg & 7) << 3) | (base & 7));
	}
	uint32_t disp = (uint32_t)rnd_value();
	if (mod == 1)
		e->bytes[k++] = (uint8_t)disp;
	else if (mod == 2) {
		memcpy(e->bytes + k, &disp, 4);
		k += 4;
	}
	e->len = k;
	e->mem = false;
}

int main(void)
{
	static const char *const bt[4] = { "bt", "bts", "btr", "btc" };
	char names[40][32];

	if (diff_setup() < 0) {
		SKIP("cannot map the fixed test buffer at %#llx", DIFF_BUF_ADDR);
		return 0;
	}
	diff_cpu_reset();
	diff_run_form(&(struct diff_form){ "mov r/m,r", { 0x88 }, 1, M_R, 0, SZ_B, RM, 0 }, N);
	diff_run_form(&(struct diff_form){ "mov r/m,r", { 0x89 }, 1, M_R, 0, WDQ, RM, 0 }, N);
	diff_run_form(&(struct diff_form){ "mov r,r/m", { 0x8a }, 1, M_R, 0, SZ_B, RM, 0 }, N);
	diff_run_form(&(struct diff_form){ "mov r,r/m", { 0x8b }, 1, M_R, 0, WDQ, RM, 0 }, N);
	diff_run_form(&(struct diff_form){ "mov r/m,imm", { 0xc6 }, 1, 0, I_B, SZ_B, RM, 0 }, N);
	diff_run_form(&(struct diff_form){ "mov r/m,imm", { 0xc7 }, 1, 0, I_Z, WDQ, RM, 0 }, N);
	diff_run_form(&(struct diff_form){ "mov r,imm", { 0xb0 }, 1, M_PLUSR, I_B, SZ_B, D_REG, 0 }, N);
	diff_run_form(&(struct diff_form){ "mov r,imm", { 0xb8 }, 1, M_PLUSR, I_V, WDQ, D_REG, 0 }, N);
	diff_run_form(&(struct diff_form){ "movzx r,r/m8", { 0x0f, 0xb6 }, 2, M_R, 0, WDQ, RM, 0 }, N);
	diff_run_form(&(struct diff_form){ "movzx r,r/m16", { 0x0f, 0xb7 }, 2, M_R, 0, DQ, RM, 0 }, N);
	diff_run_form(&(struct diff_form){ "movsx r,r/m8", { 0x0f, 0xbe }, 2, M_R, 0, WDQ, RM, 0 }, N);
	diff_run_form(&(struct diff_form){ "movsx r,r/m16", { 0x0f, 0xbf }, 2, M_R, 0, DQ, RM, 0 }, N);
	diff_run_form(&(struct diff_form){ "movsxd", { 0x63 }, 1, M_R, 0, SZ_Q, RM, 0 }, N);
	diff_run_form(&(struct diff_form){ "lea", { 0x8d }, 1, M_R, 0, WDQ, D_MEM, 0 }, N);
	diff_gen = gen_lea;
	diff_run_form(&(struct diff_form){ "lea (all addressing forms)", { 0 }, 0, 0, 0, SZ_Q, D_REG, 0 }, 20 * N);
	diff_gen = NULL;
	diff_run_form(&(struct diff_form){ "xchg r/m,r", { 0x86 }, 1, M_R, 0, SZ_B, RM, 0 }, N);
	diff_run_form(&(struct diff_form){ "xchg r/m,r", { 0x87 }, 1, M_R, 0, WDQ, RM, 0 }, N);
	diff_run_form(&(struct diff_form){ "xchg rax,r", { 0x90 }, 1, M_PLUSR, 0, WDQ, D_REG, 1 }, N);
	for (int cc = 0; cc < 16; cc++) {
		snprintf(names[cc], 32, "cmov%d", cc);
		diff_run_form(&(struct diff_form){ names[cc], { 0x0f, (uint8_t)(0x40 + cc) }, 2, M_R, 0, WDQ, RM, 0 }, N / 4);
		snprintf(names[16 + cc], 32, "set%d", cc);
		diff_run_form(&(struct diff_form){ names[16 + cc], { 0x0f, (uint8_t)(0x90 + cc) }, 2, 0, 0, SZ_B, RM, 0 }, N / 4);
	}
	for (int k = 0; k < 4; k++) {
		snprintf(names[32 + k], 32, "%s r,r / r/m,imm", bt[k]);
		diff_run_form(&(struct diff_form){ names[32 + k], { 0x0f, (uint8_t)(0xa3 + 8 * k) }, 2, M_R, 0, WDQ, D_REG, 0 }, N);
		diff_run_form(&(struct diff_form){ names[32 + k], { 0x0f, 0xba }, 2, (int8_t)(4 + k), I_B, WDQ, RM, 0 }, N);
	}
	diff_run_form(&(struct diff_form){ "bsf", { 0x0f, 0xbc }, 2, M_R, 0, WDQ, RM, 0 }, N);
	diff_run_form(&(struct diff_form){ "bsr", { 0x0f, 0xbd }, 2, M_R, 0, WDQ, RM, 0 }, N);
	diff_run_form(&(struct diff_form){ "xadd", { 0x0f, 0xc0 }, 2, M_R, 0, SZ_B, RM, 0 }, N);
	diff_run_form(&(struct diff_form){ "xadd", { 0x0f, 0xc1 }, 2, M_R, 0, WDQ, RM, 0 }, N);
	diff_run_form(&(struct diff_form){ "cmpxchg", { 0x0f, 0xb0 }, 2, M_R, 0, SZ_B, RM, 0 }, N);
	diff_run_form(&(struct diff_form){ "cmpxchg", { 0x0f, 0xb1 }, 2, M_R, 0, WDQ, RM, 0 }, N);
	diff_run_form(&(struct diff_form){ "cmpxchg8b", { 0x0f, 0xc7 }, 2, 1, 0, SZ_D, D_MEM, 0 }, N);
	diff_run_form(&(struct diff_form){ "bswap", { 0x0f, 0xc8 }, 2, M_PLUSR, 0, DQ, D_REG, 0 }, N);
	diff_run_form(&(struct diff_form){ "cbw/cwde/cdqe", { 0x98 }, 1, M_NONE, 0, WDQ, D_REG, 0 }, N / 4);
	diff_run_form(&(struct diff_form){ "cwd/cdq/cqo", { 0x99 }, 1, M_NONE, 0, WDQ, D_REG, 0 }, N / 4);
	diff_run_form(&(struct diff_form){ "lahf", { 0x9f }, 1, M_NONE, 0, SZ_D, D_REG, 0 }, N / 4);
	diff_run_form(&(struct diff_form){ "sahf", { 0x9e }, 1, M_NONE, 0, SZ_D, D_REG, 0 }, N / 4);
	diff_run_form(&(struct diff_form){ "clc", { 0xf8 }, 1, M_NONE, 0, SZ_D, D_REG, 0 }, N / 8);
	diff_run_form(&(struct diff_form){ "stc", { 0xf9 }, 1, M_NONE, 0, SZ_D, D_REG, 0 }, N / 8);
	diff_run_form(&(struct diff_form){ "cmc", { 0xf5 }, 1, M_NONE, 0, SZ_D, D_REG, 0 }, N / 8);
	CHECK_EXIT();
}
