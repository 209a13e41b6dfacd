/* The 64-bit-mode fast forms (engines/x86/ops_fast64.c) against the
 * generic handlers and the host CPU: random states for each form the
 * interpreter specialises; the fast handler, its threaded twin (as a block
 * runs it) and the dispatch table's generic handler must leave the same
 * GPRs, flags, RIP and memory as the host running the instruction.  Jcc,
 * which cannot run natively here, is held against the host's SETcc of the
 * same condition.  The threaded form a block runs where no one reads the
 * flags (x86_thread_for with none live) must leave the same, with the
 * flags as they were where it has a flag-free twin: ADD, SUB, CMP, the
 * logic ops, INC, DEC, SHL, SHR and SAR have one; the rest do not. */
#include "tests/unit/x86_diff.h"

#define N 400

enum { RUN_GENERIC, RUN_FAST, RUN_THREADED, RUN_NO_FLAGS, RUN_COUNT };

struct outcome {
	struct diff_state st;
	uint64_t rip;
	int vec;
	uint8_t buf[DIFF_BUF_SIZE];
};

/* Run the decoded instruction one way from in (buffer holding buf0). */
static void run_layer(int how, const struct diff_enc *e, const struct diff_state *in,
		      const uint8_t *buf0, struct outcome *out, bool *fast, bool *twin)
{
	struct x86_cpu *c = &diff_cpu;
	static struct x86_inst blk[2];          /* the instruction, then a block's end */
	int fl;

	x86_decode(e->bytes, e->len, 64, &blk[0]);
	memset(&blk[1], 0, sizeof(blk[1]));
	blk[1].tfn = x86_thread_for(&blk[1], X86_FLS_ALL);
	*fast = blk[0].fn == x86_specialize64(&blk[0]) && blk[0].fn;
	*twin = x86_thread_for(&blk[0], 0) != x86_thread_for(&blk[0], X86_FLS_ALL);
	if (how == RUN_GENERIC)
		blk[0].fn = x86_handler_for(blk[0].id, &fl);
	memcpy(diff_ram + DIFF_BUF_ADDR, buf0, DIFF_BUF_SIZE);
	diff_cpu_load(in);
	c->pending = false;
	uint64_t n0 = c->cnt.insns;
	out->vec = -1;
	if (setjmp(c->jb)) {
		out->vec = c->fault_vec;
	} else if (how == RUN_THREADED || how == RUN_NO_FLAGS) {
		x86_thread_for(&blk[0], how == RUN_NO_FLAGS ? 0 : X86_FLS_ALL)(c, &blk[0]);
		if (c->cnt.insns != n0 + 1)
			out->vec = 1000;        /* not counted once: a mismatch */
	} else {
		blk[0].fn(c, &blk[0]);
	}
	memcpy(out->st.gpr, c->gpr, sizeof(c->gpr));
	out->st.flags = c->rflags & DIFF_FLAGS;
	out->rip = c->rip;
	memcpy(out->buf, diff_ram + DIFF_BUF_ADDR, DIFF_BUF_SIZE);
}

static bool same_outcome(const struct outcome *a, const struct outcome *b)
{
	return a->vec == b->vec && a->rip == b->rip && a->st.flags == b->st.flags &&
	       !memcmp(a->st.gpr, b->st.gpr, sizeof(a->st.gpr)) && !memcmp(a->buf, b->buf, DIFF_BUF_SIZE);
}

/* The host's answer: the instruction itself, or for Jcc (jcc_cc >= 0)
 * SETcc AL of that condition, which gives the RIP Jcc must reach. */
static void run_host(const struct diff_enc *e, const struct diff_state *in, const uint8_t *buf0,
		     int jcc_cc, int64_t rel, struct outcome *out)
{
	diff_native_st = *in;
	memcpy(diff_buf, buf0, DIFF_BUF_SIZE);
	if (jcc_cc >= 0) {
		uint8_t setcc[] = { 0x0f, (uint8_t)(0x90 + jcc_cc), 0xc0 };
		diff_build_native(setcc, sizeof(setcc))();
		bool taken = diff_native_st.gpr[R_RAX] & 1;
		out->st = *in;
		out->rip = DIFF_CODE_GPA + e->len + (taken ? (uint64_t)rel : 0);
	} else {
		diff_build_native(e->bytes, e->len)();
		out->st = diff_native_st;
		out->rip = DIFF_CODE_GPA + e->len;
	}
	out->st.flags &= DIFF_FLAGS;
	out->vec = -1;
	memcpy(out->buf, diff_buf, DIFF_BUF_SIZE);
}

static void random_state(struct diff_state *in, uint8_t *buf0)
{
	for (int r = 0; r < 16; r++)
		in->gpr[r] = rnd_value();
	in->gpr[R_RBX] = DIFF_BUF_ADDR;
	in->gpr[R_RSP] = 0x3000;
	in->flags = rnd() & DIFF_FLAGS;
	for (unsigned i = 0; i < DIFF_BUF_SIZE; i++)
		buf0[i] = (uint8_t)rnd_value();
}

/* n cases of one encoding generator: every way agrees with the host, and
 * the decoder chose a fast form for every case; with a flag-free twin in
 * most cases (twins; a shift by a count of 0 changes no flag, with or
 * without one) or in none. */
static void run_cases(const char *name, void (*gen)(struct diff_enc *e, int *cc, int64_t *rel),
		      unsigned n, bool twins)
{
	static const char *const how_name[RUN_COUNT] = { "generic", "fast", "threaded", "no flags" };
	unsigned bad = 0, slow = 0, with_twin = 0;
	char first[256] = "";

	for (unsigned t = 0; t < n; t++) {
		struct diff_enc e;
		struct diff_state in;
		uint8_t buf0[DIFF_BUF_SIZE];
		struct outcome host, want, got[RUN_COUNT];
		int cc = -1;
		int64_t rel = 0;
		bool fast, twin;

		gen(&e, &cc, &rel);
		random_state(&in, buf0);
		run_host(&e, &in, buf0, cc, rel, &host);
		host.st.gpr[R_RSP] = 0x3000;
		for (int how = 0; how < RUN_COUNT; how++) {
			run_layer(how, &e, &in, buf0, &got[how], &fast, &twin);
			want = host;
			if (how == RUN_NO_FLAGS && twin)
				want.st.flags = in.flags & DIFF_FLAGS;
			if (!same_outcome(&got[how], &want) && bad++ == 0) {
				char dis[96];
				x86_disasm(e.bytes, e.len, 64, dis, sizeof(dis));
				snprintf(first, sizeof(first), "first mismatch: %s run %s: flags %#llx host %#llx, rip %#llx host %#llx, vector %d",
					 dis, how_name[how], (unsigned long long)got[how].st.flags,
					 (unsigned long long)want.st.flags, (unsigned long long)got[how].rip,
					 (unsigned long long)want.rip, got[how].vec);
			}
		}
		slow += !fast;
		with_twin += twin;
	}
	CHECK(bad == 0 && slow == 0 && (twins ? with_twin > n / 2 : with_twin == 0),
	      "%-12s %u cases: fast, threaded, flag-free and generic match the host (%u mismatches, %u not given a fast form, %u with a flag-free twin) %s",
	      name, n, bad, slow, with_twin, first);
}

/* ---- encodings ---- */

static const struct diff_form *cur_form;
static unsigned cur_size;

static void gen_form(struct diff_enc *e, int *cc, int64_t *rel)
{
	(void)cc;
	(void)rel;
	diff_encode(cur_form, cur_size, e);
}

static void form_cases(const struct diff_form *f, bool twins)
{
	for (unsigned size = 4; size <= 8; size <<= 1) {
		char name[40];
		if (!(f->sizes & size))
			continue;
		cur_form = f;
		cur_size = size;
		snprintf(name, sizeof(name), "%s/%u", f->name, size);
		run_cases(name, gen_form, N, twins);
	}
}

/* LEA r64, [base + index*scale + disp8] (SIB). */
static void gen_lea_sib(struct diff_enc *e, int *cc, int64_t *rel)
{
	int reg, base, index;

	(void)cc;
	(void)rel;
	do              /* not RSP: the host's is its own stack */
		reg = (int)(rnd() % 16), base = (int)(rnd() % 16), index = (int)(rnd() % 16);
	while (reg == 4 || base == 4 || index == 4);
	e->bytes[0] = (uint8_t)(0x48 | (reg >= 8 ? 4 : 0) | (index >= 8 ? 2 : 0) | (base >= 8 ? 1 : 0));
	e->bytes[1] = 0x8d;
	e->bytes[2] = (uint8_t)(0x44 | ((reg & 7) << 3));
	e->bytes[3] = (uint8_t)((rnd() % 4) << 6 | (index & 7) << 3 | (base & 7));
	e->bytes[4] = (uint8_t)rnd();
	e->len = 5;
	e->mem = false;
}

/* Jcc rel8 (70+cc) or rel32 (0F 80+cc). */
static void gen_jcc(struct diff_enc *e, int *cc, int64_t *rel)
{
	*cc = (int)(rnd() % 16);
	if (rnd() & 1) {
		int8_t d = (int8_t)rnd();
		e->bytes[0] = (uint8_t)(0x70 + *cc);
		e->bytes[1] = (uint8_t)d;
		e->len = 2;
		*rel = d;
	} else {
		int32_t d = (int32_t)(rnd() % 0x100000) - 0x80000;
		e->bytes[0] = 0x0f;
		e->bytes[1] = (uint8_t)(0x80 + *cc);
		memcpy(e->bytes + 2, &d, 4);
		e->len = 6;
		*rel = d;
	}
	e->mem = false;
}

int main(void)
{
	static const char *const alu[8] = { "add", "or", "adc", "sbb", "and", "sub", "xor", "cmp" };
	static const char *const grp2[8] = { "rol", "ror", "rcl", "rcr", "shl", "shr", "sal", "sar" };
	char names[40][24];
	int nn = 0;

	if (diff_setup() < 0) {
		SKIP("cannot map the fixed test buffer at %#llx", DIFF_BUF_ADDR);
		return 0;
	}
	diff_cpu_reset();
	(void)diff_run_form;    /* x86_diff.h's own runner: not this test's */
	for (int k = 0; k < 8; k++) {
		uint8_t b = (uint8_t)(k * 8);
		bool twin = k != 2 && k != 3;   /* not ADC, SBB */
		snprintf(names[nn], 24, "%s r,r", alu[k]);
		form_cases(&(struct diff_form){ names[nn++], { (uint8_t)(b + 1) }, 1, M_R, 0, SZ_D | SZ_Q, D_REG, 0 }, twin);
		snprintf(names[nn], 24, "%s r,r/m", alu[k]);
		form_cases(&(struct diff_form){ names[nn++], { (uint8_t)(b + 3) }, 1, M_R, 0, SZ_D | SZ_Q, D_REG | D_MEM, 0 }, twin);
		snprintf(names[nn], 24, "%s r,imm", alu[k]);
		form_cases(&(struct diff_form){ names[nn], { 0x81 }, 1, (int8_t)k, I_Z, SZ_D | SZ_Q, D_REG, 0 }, twin);
		form_cases(&(struct diff_form){ names[nn++], { 0x83 }, 1, (int8_t)k, I_B, SZ_D | SZ_Q, D_REG, 0 }, twin);
	}
	form_cases(&(struct diff_form){ "test r,r", { 0x85 }, 1, M_R, 0, SZ_D | SZ_Q, D_REG, 0 }, true);
	form_cases(&(struct diff_form){ "test r,imm", { 0xf7 }, 1, 0, I_Z, SZ_D | SZ_Q, D_REG, 0 }, true);
	form_cases(&(struct diff_form){ "mov r/m,r", { 0x89 }, 1, M_R, 0, SZ_D | SZ_Q, D_REG | D_MEM, 0 }, false);
	form_cases(&(struct diff_form){ "mov r,r/m", { 0x8b }, 1, M_R, 0, SZ_D | SZ_Q, D_REG | D_MEM, 0 }, false);
	form_cases(&(struct diff_form){ "mov r,imm", { 0xc7 }, 1, 0, I_Z, SZ_D | SZ_Q, D_REG, 0 }, false);
	form_cases(&(struct diff_form){ "mov r,imm64", { 0xb8 }, 1, M_PLUSR, I_V, SZ_D | SZ_Q, D_REG, 0 }, false);
	form_cases(&(struct diff_form){ "lea r,[b+d]", { 0x8d }, 1, M_R, 0, SZ_Q, D_MEM, 0 }, false);
	run_cases("lea r,[b+i*s+d]", gen_lea_sib, N, false);
	form_cases(&(struct diff_form){ "inc", { 0xff }, 1, 0, 0, SZ_D | SZ_Q, D_REG, 0 }, true);
	form_cases(&(struct diff_form){ "dec", { 0xff }, 1, 1, 0, SZ_D | SZ_Q, D_REG, 0 }, true);
	for (int k = 0; k < 8; k++) {
		snprintf(names[nn], 24, "%s r,imm", grp2[k]);
		form_cases(&(struct diff_form){ names[nn++], { 0xc1 }, 1, (int8_t)k, I_B, SZ_D | SZ_Q, D_REG, 0 },
			   k >= 4);     /* SHL, SHR, SAL, SAR */
	}
	run_cases("jcc", gen_jcc, 4 * N, false);
	CHECK_EXIT();
}
