/* Differential test, arithmetic: every ALU-group, unary, shift, rotate,
 * multiply and divide form, run natively and in the semantics layer from
 * random states (fixed seed); all GPRs, flags and memory must match. */
#include "tests/unit/x86_diff.h"

#define N 2000
#define BWDQ (SZ_B | SZ_W | SZ_D | SZ_Q)
#define WDQ (SZ_W | SZ_D | SZ_Q)
#define RM (D_REG | D_MEM)

static const char *const alu[8] = { "add", "or", "adc", "sbb", "and", "sub", "xor", "cmp" };
static const char *const grp2[8] = { "rol", "ror", "rcl", "rcr", "shl", "shr", "sal", "sar" };
static const char *const grp3[8] = { "test", "test", "not", "neg", "mul", "imul", "div", "idiv" };

int main(void)
{
	char names[64][32];
	int nn = 0;

	if (diff_setup() < 0) {
		SKIP("cannot map the fixed test buffer at %#llx", DIFF_BUF_ADDR);
		return 0;
	}
	diff_cpu_reset();
	for (int k = 0; k < 8; k++) {
		uint8_t b = (uint8_t)(k * 8);
		snprintf(names[nn], 32, "%s r/m,r", alu[k]);
		diff_run_form(&(struct diff_form){ names[nn++], { b }, 1, M_R, 0, SZ_B, RM, 0 }, N);
		diff_run_form(&(struct diff_form){ names[nn - 1], { (uint8_t)(b + 1) }, 1, M_R, 0, WDQ, RM, 0 }, N);
		snprintf(names[nn], 32, "%s r,r/m", alu[k]);
		diff_run_form(&(struct diff_form){ names[nn++], { (uint8_t)(b + 2) }, 1, M_R, 0, SZ_B, RM, 0 }, N);
		diff_run_form(&(struct diff_form){ names[nn - 1], { (uint8_t)(b + 3) }, 1, M_R, 0, WDQ, RM, 0 }, N);
		snprintf(names[nn], 32, "%s r/m,imm", alu[k]);
		diff_run_form(&(struct diff_form){ names[nn++], { 0x80 }, 1, (int8_t)k, I_B, SZ_B, RM, 0 }, N);
		diff_run_form(&(struct diff_form){ names[nn - 1], { 0x81 }, 1, (int8_t)k, I_Z, WDQ, RM, 0 }, N);
		diff_run_form(&(struct diff_form){ names[nn - 1], { 0x83 }, 1, (int8_t)k, I_B, WDQ, RM, 0 }, N);
	}
	diff_run_form(&(struct diff_form){ "test r/m,r", { 0x84 }, 1, M_R, 0, SZ_B, RM, 0 }, N);
	diff_run_form(&(struct diff_form){ "test r/m,r", { 0x85 }, 1, M_R, 0, WDQ, RM, 0 }, N);
	diff_run_form(&(struct diff_form){ "inc", { 0xfe }, 1, 0, 0, SZ_B, RM, 0 }, N);
	diff_run_form(&(struct diff_form){ "inc", { 0xff }, 1, 0, 0, WDQ, RM, 0 }, N);
	diff_run_form(&(struct diff_form){ "dec", { 0xfe }, 1, 1, 0, SZ_B, RM, 0 }, N);
	diff_run_form(&(struct diff_form){ "dec", { 0xff }, 1, 1, 0, WDQ, RM, 0 }, N);
	for (int k = 0; k < 8; k++) {
		if (k == 1)
			continue;
		/* mul/div forms use rAX and rDX implicitly. */
		diff_run_form(&(struct diff_form){ grp3[k], { 0xf6 }, 1, (int8_t)k,
					k == 0 ? I_B : 0, SZ_B, RM, 0 }, N);
		diff_run_form(&(struct diff_form){ grp3[k], { 0xf7 }, 1, (int8_t)k,
					k == 0 ? I_Z : 0, WDQ, RM, 0 }, N);
	}
	for (int k = 0; k < 8; k++) {
		snprintf(names[nn], 32, "%s imm", grp2[k]);
		diff_run_form(&(struct diff_form){ names[nn], { 0xc0 }, 1, (int8_t)k, I_B, SZ_B, RM, 0 }, N);
		diff_run_form(&(struct diff_form){ names[nn++], { 0xc1 }, 1, (int8_t)k, I_B, WDQ, RM, 0 }, N);
		snprintf(names[nn], 32, "%s 1", grp2[k]);
		diff_run_form(&(struct diff_form){ names[nn], { 0xd0 }, 1, (int8_t)k, 0, SZ_B, RM, 0 }, N);
		diff_run_form(&(struct diff_form){ names[nn++], { 0xd1 }, 1, (int8_t)k, 0, WDQ, RM, 0 }, N);
		snprintf(names[nn], 32, "%s cl", grp2[k]);
		diff_run_form(&(struct diff_form){ names[nn], { 0xd2 }, 1, (int8_t)k, 0, SZ_B, RM, 0 }, N);
		diff_run_form(&(struct diff_form){ names[nn++], { 0xd3 }, 1, (int8_t)k, 0, WDQ, RM, 0 }, N);
	}
	diff_run_form(&(struct diff_form){ "imul r,r/m", { 0x0f, 0xaf }, 2, M_R, 0, WDQ, RM, 0 }, N);
	diff_run_form(&(struct diff_form){ "imul r,r/m,iz", { 0x69 }, 1, M_R, I_Z, WDQ, RM, 0 }, N);
	diff_run_form(&(struct diff_form){ "imul r,r/m,ib", { 0x6b }, 1, M_R, I_B, WDQ, RM, 0 }, N);
	diff_run_form(&(struct diff_form){ "shld imm", { 0x0f, 0xa4 }, 2, M_R, I_B, WDQ, RM, 0 }, N);
	diff_run_form(&(struct diff_form){ "shld cl", { 0x0f, 0xa5 }, 2, M_R, 0, WDQ, RM, 0 }, N);
	diff_run_form(&(struct diff_form){ "shrd imm", { 0x0f, 0xac }, 2, M_R, I_B, WDQ, RM, 0 }, N);
	diff_run_form(&(struct diff_form){ "shrd cl", { 0x0f, 0xad }, 2, M_R, 0, WDQ, RM, 0 }, N);
	CHECK_EXIT();
}
