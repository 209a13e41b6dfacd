/* Differential test, legacy prefixes against the host CPU: integer forms
 * with one to four extra legacy prefixes in random order and repetition
 * (F2, F3, ES/CS/SS/DS overrides, 0x67, and 0x66 of a 16-bit form at any
 * place among them; REX last), run natively and emulated (and under bt).
 * The host decides what each prefix order means: ignored REP, the 64-bit
 * mode's ignored segment overrides, 0x67's 32-bit addresses (RBX points
 * below 4 GiB), 0x66 wherever it sits.  FS/GS are left out (the host's are
 * its TLS), LOCK too (a separate rule, test_x86_decode_oracle). */
#include "tests/unit/x86_diff.h"

#define N 1500
#define BWDQ (SZ_B | SZ_W | SZ_D | SZ_Q)
#define WDQ (SZ_W | SZ_D | SZ_Q)
#define RM (D_REG | D_MEM)

static const struct diff_form *cur;
static unsigned cur_size;
static unsigned long orders;

static void gen_prefixed(struct diff_enc *e)
{
	static const uint8_t legacy[7] = { 0xf2, 0xf3, 0x26, 0x2e, 0x36, 0x3e, 0x67 };
	struct diff_enc base;
	uint8_t out[32];
	unsigned k = 0, i = 0, n = 1 + (unsigned)(rnd() % 4);
	bool p66 = false;

	diff_encode(cur, cur_size, &base);
	if (i < base.len && base.bytes[i] == 0x66) {
		p66 = true;
		i++;
	}
	unsigned at66 = p66 ? (unsigned)(rnd() % (n + 1)) : ~0u;
	for (unsigned j = 0; j <= n; j++) {
		if (j == at66)
			out[k++] = 0x66;
		if (j < n)
			out[k++] = legacy[rnd() % 7];
	}
	/* REX (if any) and the rest as they were. */
	memcpy(out + k, base.bytes + i, base.len - i);
	k += base.len - i;
	if (k > 15) {
		*e = base;
		return;
	}
	memcpy(e->bytes, out, k);
	e->len = k;
	e->mem = base.mem;
	orders++;
}

static void run(const char *name, const uint8_t *op, unsigned nop, int8_t modrm, uint8_t imm,
		uint8_t sizes, uint8_t kinds)
{
	struct diff_form f = { name, { op[0], nop > 1 ? op[1] : 0, 0 }, (uint8_t)nop, modrm, imm, sizes,
			       kinds, 0 };

	cur = &f;
	for (cur_size = 1; cur_size <= 8; cur_size <<= 1) {
		if (!(sizes & cur_size))
			continue;
		struct diff_form one = f;
		one.sizes = (uint8_t)cur_size;
		diff_run_form(&one, N);
	}
}

int main(void)
{
	if (diff_setup() < 0) {
		SKIP("cannot map the fixed test buffer at %#llx", DIFF_BUF_ADDR);
		return 0;
	}
	diff_cpu_reset();
	diff_gen = gen_prefixed;
	run("pfx add r/m,r", (const uint8_t[]){ 0x01 }, 1, M_R, 0, WDQ, RM);
	run("pfx add r/m8,r8", (const uint8_t[]){ 0x00 }, 1, M_R, 0, SZ_B, RM);
	run("pfx sub r,r/m", (const uint8_t[]){ 0x2b }, 1, M_R, 0, WDQ, RM);
	run("pfx xor r/m,r", (const uint8_t[]){ 0x31 }, 1, M_R, 0, WDQ, RM);
	run("pfx cmp r/m,imm8", (const uint8_t[]){ 0x83 }, 1, 7, I_B, WDQ, RM);
	run("pfx mov r/m,r", (const uint8_t[]){ 0x89 }, 1, M_R, 0, WDQ, RM);
	run("pfx mov r,r/m", (const uint8_t[]){ 0x8b }, 1, M_R, 0, WDQ, RM);
	run("pfx mov r/m,imm", (const uint8_t[]){ 0xc7 }, 1, 0, I_Z, WDQ, RM);
	run("pfx mov r,imm", (const uint8_t[]){ 0xb8 }, 1, M_PLUSR, I_V, WDQ, D_REG);
	run("pfx shl r/m,imm8", (const uint8_t[]){ 0xc1 }, 1, 4, I_B, WDQ, RM);
	run("pfx rol r/m,imm8", (const uint8_t[]){ 0xc1 }, 1, 0, I_B, WDQ, RM);
	run("pfx inc r/m", (const uint8_t[]){ 0xff }, 1, 0, 0, WDQ, RM);
	run("pfx neg r/m", (const uint8_t[]){ 0xf7 }, 1, 3, 0, WDQ, RM);
	run("pfx test r/m,r", (const uint8_t[]){ 0x85 }, 1, M_R, 0, WDQ, RM);
	run("pfx xchg r/m,r", (const uint8_t[]){ 0x87 }, 1, M_R, 0, WDQ, RM);
	run("pfx movzx r,r/m8", (const uint8_t[]){ 0x0f, 0xb6 }, 2, M_R, 0, WDQ, RM);
	run("pfx movsx r,r/m16", (const uint8_t[]){ 0x0f, 0xbf }, 2, M_R, 0, SZ_D | SZ_Q, RM);
	run("pfx imul r,r/m", (const uint8_t[]){ 0x0f, 0xaf }, 2, M_R, 0, WDQ, RM);
	run("pfx xadd r/m,r", (const uint8_t[]){ 0x0f, 0xc1 }, 2, M_R, 0, WDQ, RM);
	run("pfx cmovne r,r/m", (const uint8_t[]){ 0x0f, 0x45 }, 2, M_R, 0, WDQ, RM);
	run("pfx lea r,m", (const uint8_t[]){ 0x8d }, 1, M_R, 0, WDQ, D_MEM);
	diff_gen = NULL;
	printf("# %lu prefixed encodings (random orders of 1-4 legacy prefixes)\n", orders);
	CHECK_EXIT();
}
