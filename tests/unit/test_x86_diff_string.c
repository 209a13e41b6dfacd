/* Differential test, string instructions: MOVS, STOS, LODS, CMPS, SCAS in
 * every size, without a prefix and with REP/REPE/REPNE (before and after
 * the operand-size prefix), both directions, counts 0..12, natively and
 * emulated. */
#include "tests/unit/x86_diff.h"

#define N 1000

/* Pointers well inside the buffer whichever way DF points. */
static void strings(struct diff_state *st)
{
	st->gpr[R_RSI] = DIFF_BUF_ADDR + 128 + rnd() % 64;
	st->gpr[R_RDI] = DIFF_BUF_ADDR + 320 + rnd() % 64;
	st->gpr[R_RCX] = rnd() % 13;
	if (rnd() & 1)
		st->flags |= F_DF;
	if (rnd() & 1)                  /* make REPE/REPNE stop early sometimes */
		st->gpr[R_RAX] = 0;
}

int main(void)
{
	static const struct { const char *name; uint8_t op; bool cond; } s[] = {
		{ "movs", 0xa4, false }, { "stos", 0xaa, false }, { "lods", 0xac, false },
		{ "cmps", 0xa6, true }, { "scas", 0xae, true },
	};
	char names[40][32];
	int nn = 0;

	if (diff_setup() < 0) {
		SKIP("cannot map the fixed test buffer at %#llx", DIFF_BUF_ADDR);
		return 0;
	}
	diff_cpu_reset();
	diff_prepare = strings;
	static const struct { const char *name; uint8_t prefix; bool after_66, cond; } pf[] = {
		{ "", 0, false, false }, { "rep ", 0xf3, false, false },
		{ "66-rep ", 0xf3, true, false }, { "repne ", 0xf2, false, true },
		{ "66-repne ", 0xf2, true, true },
	};
	for (int i = 0; i < 5; i++) {
		for (int p = 0; p < 5; p++) {
			if (pf[p].cond && !s[i].cond)
				continue;
			diff_prefix = pf[p].prefix;
			diff_prefix_after_66 = pf[p].after_66;
			snprintf(names[nn], 32, "%s%s", pf[p].name, s[i].name);
			diff_run_form(&(struct diff_form){ names[nn], { s[i].op }, 1, M_NONE, 0, SZ_B,
						D_REG, 0 }, N);
			diff_run_form(&(struct diff_form){ names[nn++], { (uint8_t)(s[i].op + 1) }, 1, M_NONE, 0,
						(SZ_W | SZ_D | SZ_Q), D_REG, 0 }, N);
		}
	}
	CHECK_EXIT();
}
