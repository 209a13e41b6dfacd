/* Differential test, SSE and SSE2: every form the layer implements (moves,
 * integer, floating point, compares, conversions, shuffles, MXCSR) is
 * encoded with random XMM registers (xmm0-15), GPRs, memory operands
 * (aligned and, for the aligned forms, misaligned), random MXCSR (4
 * rounding modes, DAZ, FTZ, masked and unmasked exceptions, sticky flags)
 * and operand values biased to NaNs (quiet and signalling), denormals,
 * infinities, zeros and extremes; it runs natively on the host CPU, in
 * the semantics layer and through bt, and all 16 XMM registers, MXCSR,
 * the GPRs, the arithmetic flags, the memory buffer and the exception
 * raised (#XM natively as SIGFPE; #GP for misalignment from the SDM's
 * rule, not run natively) must agree.  bt runs the register forms with
 * every exception masked natively (engines/bt/translate_sse.c, checked:
 * no helper call for them), the others through the shared handler. */
#include <signal.h>
#include <ucontext.h>

#include "engines/x86/sse.h"
#include "tests/unit/x86_diff.h"

#define N 300

/* The native state: GPRs, flags, XMM, MXCSR (offsets used by the code). */
struct sse_state {
	uint64_t gpr[16];               /* 0 */
	uint64_t flags;                 /* 128 */
	uint8_t xmm[16][16];            /* 136 */
	uint32_t mxcsr, host_mxcsr;     /* 392, 396 */
};
#define OFF_FLAGS 128
#define OFF_XMM 136
#define OFF_MXCSR 392
#define OFF_HOST_MXCSR 396

static struct sse_state nst;
static uint8_t *ncode;
static size_t ncode_bail;               /* offset of the epilogue */
static volatile int native_trapped;

static size_t emit_rax_disp(uint8_t *p, size_t k, const uint8_t *op, unsigned n, unsigned reg,
			    int32_t disp, uint8_t rex)
{
	/* [prefix] [REX] op... ModRM(10, reg, rax) disp32 */
	unsigned i = 0;
	if (op[0] == 0xf3 || op[0] == 0x66)
		p[k++] = op[i++];
	if (rex || reg >= 8)
		p[k++] = (uint8_t)(0x40 | rex | (reg >= 8 ? 4 : 0));
	for (; i < n; i++)
		p[k++] = op[i];
	p[k++] = (uint8_t)(0x80 | ((reg & 7) << 3));
	return emit(p, k, &disp, 4);
}

static void (*build_native(const uint8_t *insn, unsigned len))(void)
{
	uint8_t *p = ncode;
	size_t k = 0;
	static const uint8_t prologue[] = { 0x53, 0x55, 0x41, 0x54, 0x41, 0x55, 0x41, 0x56, 0x41, 0x57 };
	static const uint8_t epilogue[] = { 0xfc, 0x41, 0x5f, 0x41, 0x5e, 0x41, 0x5d, 0x41, 0x5c, 0x5d, 0x5b, 0xc3 };
	static const uint8_t movdqu_ld[] = { 0xf3, 0x0f, 0x6f }, movdqu_st[] = { 0xf3, 0x0f, 0x7f };
	static const uint8_t ae[] = { 0x0f, 0xae };
	uint8_t movabs_rax[] = { 0x48, 0xb8 };
	int32_t fl_off = OFF_FLAGS;

	k = emit(p, k, prologue, sizeof(prologue));
	k = emit(p, k, movabs_rax, 2);
	k = emit_imm64(p, k, (uint64_t)(uintptr_t)&nst);
	k = emit_rax_disp(p, k, ae, 2, 2, OFF_MXCSR, 0);                /* ldmxcsr */
	for (unsigned r = 0; r < 16; r++)
		k = emit_rax_disp(p, k, movdqu_ld, 3, r, (int32_t)(OFF_XMM + 16 * r), 0);
	k = emit(p, k, (uint8_t[]){ 0xff, 0xb0 }, 2);                   /* push [rax+128] */
	k = emit(p, k, &fl_off, 4);
	k = emit(p, k, (uint8_t[]){ 0x9d }, 1);                         /* popfq */
	for (int r = 1; r < 16; r++)
		if (r != 4)
			k = emit_mov_state(p, k, r, false);
	k = emit(p, k, (uint8_t[]){ 0x48, 0x8b, 0x00 }, 3);             /* mov rax, [rax] */
	k = emit(p, k, insn, len);
	k = emit(p, k, (uint8_t[]){ 0x48, 0xa3 }, 2);                   /* mov [moffs], rax */
	k = emit_imm64(p, k, (uint64_t)(uintptr_t)&nst.gpr[0]);
	k = emit(p, k, (uint8_t[]){ 0x9c }, 1);                         /* pushfq */
	k = emit(p, k, movabs_rax, 2);
	k = emit_imm64(p, k, (uint64_t)(uintptr_t)&nst);
	k = emit(p, k, (uint8_t[]){ 0x8f, 0x80 }, 2);                   /* pop [rax+128] */
	k = emit(p, k, &fl_off, 4);
	for (int r = 1; r < 16; r++)
		if (r != 4)
			k = emit_mov_state(p, k, r, true);
	for (unsigned r = 0; r < 16; r++)
		k = emit_rax_disp(p, k, movdqu_st, 3, r, (int32_t)(OFF_XMM + 16 * r), 0);
	k = emit_rax_disp(p, k, ae, 2, 3, OFF_MXCSR, 0);                /* stmxcsr */
	k = emit_rax_disp(p, k, ae, 2, 2, OFF_HOST_MXCSR, 0);           /* ldmxcsr host */
	ncode_bail = k;
	k = emit(p, k, epilogue, sizeof(epilogue));
	return (void (*)(void))(uintptr_t)p;
}

/* The host's #XM in the native run: record MXCSR, resume at the epilogue
 * (the callee-saved registers are popped there; RSP is as after the
 * prologue). */
static void on_native_fpe(int sig, siginfo_t *si, void *uc_)
{
	ucontext_t *uc = uc_;
	uint64_t rip = (uint64_t)uc->uc_mcontext.gregs[REG_RIP];

	(void)si;
	if (rip >= (uint64_t)(uintptr_t)ncode && rip < (uint64_t)(uintptr_t)ncode + 4096) {
		nst.mxcsr = uc->uc_mcontext.fpregs->mxcsr;
		uc->uc_mcontext.fpregs->mxcsr = 0x1f80;
		uc->uc_mcontext.gregs[REG_RIP] = (greg_t)(uintptr_t)(ncode + ncode_bail);
		native_trapped = 1;
		return;
	}
	signal(sig, SIG_DFL);
}

/* ---- the forms ---- */

enum { RG_X, RG_G };                    /* register class of a ModRM field */
#define F_REG   0x1                     /* register form exists */
#define F_MEM   0x2                     /* memory form exists */
#define F_ALIGN 0x4                     /* memory operand must be 16-byte aligned */
#define F_IMM   0x8
#define F_W     0x10                    /* REX.W changes it: try both */
#define F_DI    0x20                    /* MASKMOVDQU: RDI points into the buffer */
#define F_LDMX  0x40                    /* LDMXCSR: the buffer holds a valid MXCSR */
#define RM (F_REG | F_MEM)

struct sform {
	const char *name;
	uint8_t pfx, op, digit;         /* digit: ModRM.reg for /digit forms, else 0xff */
	uint8_t reg_cls, rm_cls, flags;
};

static const struct sform forms[] = {
	/* moves */
	{ "movups", 0, 0x10, 0xff, RG_X, RG_X, RM }, { "movups st", 0, 0x11, 0xff, RG_X, RG_X, RM },
	{ "movupd", 0x66, 0x10, 0xff, RG_X, RG_X, RM }, { "movupd st", 0x66, 0x11, 0xff, RG_X, RG_X, RM },
	{ "movss", 0xf3, 0x10, 0xff, RG_X, RG_X, RM }, { "movss st", 0xf3, 0x11, 0xff, RG_X, RG_X, RM },
	{ "movsd", 0xf2, 0x10, 0xff, RG_X, RG_X, RM }, { "movsd st", 0xf2, 0x11, 0xff, RG_X, RG_X, RM },
	{ "movlps/movhlps", 0, 0x12, 0xff, RG_X, RG_X, RM }, { "movlps st", 0, 0x13, 0xff, RG_X, RG_X, F_MEM },
	{ "movhps/movlhps", 0, 0x16, 0xff, RG_X, RG_X, RM }, { "movhps st", 0, 0x17, 0xff, RG_X, RG_X, F_MEM },
	{ "movlpd", 0x66, 0x12, 0xff, RG_X, RG_X, F_MEM }, { "movlpd st", 0x66, 0x13, 0xff, RG_X, RG_X, F_MEM },
	{ "movhpd", 0x66, 0x16, 0xff, RG_X, RG_X, F_MEM }, { "movhpd st", 0x66, 0x17, 0xff, RG_X, RG_X, F_MEM },
	{ "movaps", 0, 0x28, 0xff, RG_X, RG_X, RM | F_ALIGN }, { "movaps st", 0, 0x29, 0xff, RG_X, RG_X, RM | F_ALIGN },
	{ "movapd", 0x66, 0x28, 0xff, RG_X, RG_X, RM | F_ALIGN }, { "movapd st", 0x66, 0x29, 0xff, RG_X, RG_X, RM | F_ALIGN },
	{ "movntps", 0, 0x2b, 0xff, RG_X, RG_X, F_MEM | F_ALIGN }, { "movntpd", 0x66, 0x2b, 0xff, RG_X, RG_X, F_MEM | F_ALIGN },
	{ "movdqa", 0x66, 0x6f, 0xff, RG_X, RG_X, RM | F_ALIGN }, { "movdqa st", 0x66, 0x7f, 0xff, RG_X, RG_X, RM | F_ALIGN },
	{ "movdqu", 0xf3, 0x6f, 0xff, RG_X, RG_X, RM }, { "movdqu st", 0xf3, 0x7f, 0xff, RG_X, RG_X, RM },
	{ "movntdq", 0x66, 0xe7, 0xff, RG_X, RG_X, F_MEM | F_ALIGN },
	{ "movd/movq x,r/m", 0x66, 0x6e, 0xff, RG_X, RG_G, RM | F_W },
	{ "movd/movq r/m,x", 0x66, 0x7e, 0xff, RG_X, RG_G, RM | F_W },
	{ "movq x,x/m64", 0xf3, 0x7e, 0xff, RG_X, RG_X, RM }, { "movq x/m64,x", 0x66, 0xd6, 0xff, RG_X, RG_X, RM },
	{ "movnti", 0, 0xc3, 0xff, RG_G, RG_G, F_MEM | F_W },
	{ "maskmovdqu", 0x66, 0xf7, 0xff, RG_X, RG_X, F_REG | F_DI },
	{ "ldmxcsr", 0, 0xae, 2, RG_X, RG_X, F_MEM | F_LDMX }, { "stmxcsr", 0, 0xae, 3, RG_X, RG_X, F_MEM },
	/* floating point */
	{ "sqrtps", 0, 0x51, 0xff, RG_X, RG_X, RM | F_ALIGN }, { "sqrtpd", 0x66, 0x51, 0xff, RG_X, RG_X, RM | F_ALIGN },
	{ "sqrtss", 0xf3, 0x51, 0xff, RG_X, RG_X, RM }, { "sqrtsd", 0xf2, 0x51, 0xff, RG_X, RG_X, RM },
	{ "rsqrtps", 0, 0x52, 0xff, RG_X, RG_X, RM | F_ALIGN }, { "rsqrtss", 0xf3, 0x52, 0xff, RG_X, RG_X, RM },
	{ "rcpps", 0, 0x53, 0xff, RG_X, RG_X, RM | F_ALIGN }, { "rcpss", 0xf3, 0x53, 0xff, RG_X, RG_X, RM },
	{ "andps", 0, 0x54, 0xff, RG_X, RG_X, RM | F_ALIGN }, { "andpd", 0x66, 0x54, 0xff, RG_X, RG_X, RM | F_ALIGN },
	{ "andnps", 0, 0x55, 0xff, RG_X, RG_X, RM | F_ALIGN }, { "andnpd", 0x66, 0x55, 0xff, RG_X, RG_X, RM | F_ALIGN },
	{ "orps", 0, 0x56, 0xff, RG_X, RG_X, RM | F_ALIGN }, { "orpd", 0x66, 0x56, 0xff, RG_X, RG_X, RM | F_ALIGN },
	{ "xorps", 0, 0x57, 0xff, RG_X, RG_X, RM | F_ALIGN }, { "xorpd", 0x66, 0x57, 0xff, RG_X, RG_X, RM | F_ALIGN },
	{ "unpcklps", 0, 0x14, 0xff, RG_X, RG_X, RM | F_ALIGN }, { "unpcklpd", 0x66, 0x14, 0xff, RG_X, RG_X, RM | F_ALIGN },
	{ "unpckhps", 0, 0x15, 0xff, RG_X, RG_X, RM | F_ALIGN }, { "unpckhpd", 0x66, 0x15, 0xff, RG_X, RG_X, RM | F_ALIGN },
	{ "shufps", 0, 0xc6, 0xff, RG_X, RG_X, RM | F_ALIGN | F_IMM }, { "shufpd", 0x66, 0xc6, 0xff, RG_X, RG_X, RM | F_ALIGN | F_IMM },
	{ "cmpps", 0, 0xc2, 0xff, RG_X, RG_X, RM | F_ALIGN | F_IMM }, { "cmppd", 0x66, 0xc2, 0xff, RG_X, RG_X, RM | F_ALIGN | F_IMM },
	{ "cmpss", 0xf3, 0xc2, 0xff, RG_X, RG_X, RM | F_IMM }, { "cmpsd", 0xf2, 0xc2, 0xff, RG_X, RG_X, RM | F_IMM },
	{ "ucomiss", 0, 0x2e, 0xff, RG_X, RG_X, RM }, { "ucomisd", 0x66, 0x2e, 0xff, RG_X, RG_X, RM },
	{ "comiss", 0, 0x2f, 0xff, RG_X, RG_X, RM }, { "comisd", 0x66, 0x2f, 0xff, RG_X, RG_X, RM },
	{ "movmskps", 0, 0x50, 0xff, RG_G, RG_X, F_REG | F_W }, { "movmskpd", 0x66, 0x50, 0xff, RG_G, RG_X, F_REG | F_W },
	/* conversions */
	{ "cvtsi2ss", 0xf3, 0x2a, 0xff, RG_X, RG_G, RM | F_W }, { "cvtsi2sd", 0xf2, 0x2a, 0xff, RG_X, RG_G, RM | F_W },
	{ "cvttss2si", 0xf3, 0x2c, 0xff, RG_G, RG_X, RM | F_W }, { "cvttsd2si", 0xf2, 0x2c, 0xff, RG_G, RG_X, RM | F_W },
	{ "cvtss2si", 0xf3, 0x2d, 0xff, RG_G, RG_X, RM | F_W }, { "cvtsd2si", 0xf2, 0x2d, 0xff, RG_G, RG_X, RM | F_W },
	{ "cvtps2pd", 0, 0x5a, 0xff, RG_X, RG_X, RM }, { "cvtpd2ps", 0x66, 0x5a, 0xff, RG_X, RG_X, RM | F_ALIGN },
	{ "cvtss2sd", 0xf3, 0x5a, 0xff, RG_X, RG_X, RM }, { "cvtsd2ss", 0xf2, 0x5a, 0xff, RG_X, RG_X, RM },
	{ "cvtdq2ps", 0, 0x5b, 0xff, RG_X, RG_X, RM | F_ALIGN }, { "cvtps2dq", 0x66, 0x5b, 0xff, RG_X, RG_X, RM | F_ALIGN },
	{ "cvttps2dq", 0xf3, 0x5b, 0xff, RG_X, RG_X, RM | F_ALIGN },
	{ "cvttpd2dq", 0x66, 0xe6, 0xff, RG_X, RG_X, RM | F_ALIGN }, { "cvtpd2dq", 0xf2, 0xe6, 0xff, RG_X, RG_X, RM | F_ALIGN },
	{ "cvtdq2pd", 0xf3, 0xe6, 0xff, RG_X, RG_X, RM },
	/* SSE2 integer with special operands */
	{ "pmovmskb", 0x66, 0xd7, 0xff, RG_G, RG_X, F_REG | F_W },
	{ "pshufd", 0x66, 0x70, 0xff, RG_X, RG_X, RM | F_ALIGN | F_IMM },
	{ "pshufhw", 0xf3, 0x70, 0xff, RG_X, RG_X, RM | F_ALIGN | F_IMM },
	{ "pshuflw", 0xf2, 0x70, 0xff, RG_X, RG_X, RM | F_ALIGN | F_IMM },
	{ "psrlw imm", 0x66, 0x71, 2, RG_X, RG_X, F_REG | F_IMM }, { "psraw imm", 0x66, 0x71, 4, RG_X, RG_X, F_REG | F_IMM },
	{ "psllw imm", 0x66, 0x71, 6, RG_X, RG_X, F_REG | F_IMM }, { "psrld imm", 0x66, 0x72, 2, RG_X, RG_X, F_REG | F_IMM },
	{ "psrad imm", 0x66, 0x72, 4, RG_X, RG_X, F_REG | F_IMM }, { "pslld imm", 0x66, 0x72, 6, RG_X, RG_X, F_REG | F_IMM },
	{ "psrlq imm", 0x66, 0x73, 2, RG_X, RG_X, F_REG | F_IMM }, { "psrldq", 0x66, 0x73, 3, RG_X, RG_X, F_REG | F_IMM },
	{ "psllq imm", 0x66, 0x73, 6, RG_X, RG_X, F_REG | F_IMM }, { "pslldq", 0x66, 0x73, 7, RG_X, RG_X, F_REG | F_IMM },
	{ "pinsrw", 0x66, 0xc4, 0xff, RG_X, RG_G, RM | F_IMM }, { "pextrw", 0x66, 0xc5, 0xff, RG_G, RG_X, F_REG | F_IMM | F_W },
};

/* 66 0F xx, xmm, xmm/m128 aligned: the plain SSE2 integer operations. */
static const uint8_t int_ops[] = {
	0x60, 0x61, 0x62, 0x63, 0x64, 0x65, 0x66, 0x67, 0x68, 0x69, 0x6a, 0x6b, 0x6c, 0x6d,
	0x74, 0x75, 0x76, 0xd1, 0xd2, 0xd3, 0xd4, 0xd5, 0xd8, 0xd9, 0xda, 0xdb, 0xdc, 0xdd,
	0xde, 0xdf, 0xe0, 0xe1, 0xe2, 0xe3, 0xe4, 0xe5, 0xe8, 0xe9, 0xea, 0xeb, 0xec, 0xed,
	0xee, 0xef, 0xf1, 0xf2, 0xf3, 0xf4, 0xf5, 0xf6, 0xf8, 0xf9, 0xfa, 0xfb, 0xfc, 0xfd, 0xfe,
};
/* 0F 58-5F minus 5A/5B: ADD MUL SUB MIN DIV MAX in PS PD SS SD. */
static const uint8_t fp_ops[] = { 0x58, 0x59, 0x5c, 0x5d, 0x5e, 0x5f };

/* ---- random operands ---- */

static uint32_t rnd_f32(void)
{
	static const uint32_t edge[] = { 0, 0x80000000u, 0x3f800000u, 0xbf800000u, 0x00000001u,
		0x007fffffu, 0x80000001u, 0x00800000u, 0x7f7fffffu, 0xff7fffffu, 0x7f800000u,
		0xff800000u, 0x7fc00000u, 0xffc00000u, 0x7f800001u, 0x7fa00000u, 0x4f000000u,
		0xcf000000u, 0x5f000000u, 0x3effffffu, 0x3f000000u, 0x40490fdbu };
	switch (rnd() % 3) {
	case 0: return edge[rnd() % (sizeof(edge) / sizeof(edge[0]))];
	case 1: return (uint32_t)(0x3f000000u + (rnd() % 0x02000000u)) ^ (uint32_t)((rnd() & 1) << 31);
	default: return (uint32_t)rnd();
	}
}

static uint64_t rnd_f64(void)
{
	static const uint64_t edge[] = { 0, 0x8000000000000000ull, 0x3ff0000000000000ull,
		0xbff0000000000000ull, 1, 0x000fffffffffffffull, 0x8000000000000001ull,
		0x0010000000000000ull, 0x7fefffffffffffffull, 0x7ff0000000000000ull,
		0xfff0000000000000ull, 0x7ff8000000000000ull, 0xfff8000000000000ull,
		0x7ff0000000000001ull, 0x7ff4000000000000ull, 0x43e0000000000000ull,
		0xc3e0000000000000ull, 0x41e0000000000000ull, 0x3fe0000000000000ull,
		0x36a0000000000000ull, 0x47efffffe0000000ull };
	switch (rnd() % 3) {
	case 0: return edge[rnd() % (sizeof(edge) / sizeof(edge[0]))];
	case 1: return (0x3fe0000000000000ull + (rnd() % 0x0040000000000000ull)) ^ ((rnd() & 1) << 63);
	default: return rnd();
	}
}

static void rnd_xmm(uint8_t *x)
{
	for (unsigned i = 0; i < 16; i += 8) {
		uint64_t v;
		switch (rnd() % 4) {
		case 0: v = rnd_f64(); break;
		case 1: v = rnd_f32() | (uint64_t)rnd_f32() << 32; break;
		case 2: v = rnd_value(); break;
		default: v = rnd(); break;
		}
		memcpy(x + i, &v, 8);
	}
}

static uint32_t rnd_mxcsr(void)
{
	uint32_t m = (uint32_t)(rnd() % 4) << 13;               /* rounding */
	if (rnd() % 3 == 0)
		m |= 0x40;                                      /* DAZ */
	if (rnd() % 3 == 0)
		m |= 0x8000;                                    /* FTZ */
	m |= rnd() % 2 ? 0x1f80u : (uint32_t)(rnd() & 0x1f80);  /* masks */
	if (rnd() % 4 == 0)
		m |= (uint32_t)(rnd() & 0x3f);                  /* sticky flags */
	return m;
}

/* ---- one case ---- */

struct sse_enc {
	uint8_t b[16];
	unsigned len;
	bool mem;
	uint64_t lin;
};

/* Compatibility mode (32-bit code under long mode): no REX, registers 0-7,
 * the layer's result held against the same bytes run natively. */
static bool mode32;

static bool pick_gpr_ok(int r)
{
	return r != R_RSP && r != R_RBX;        /* RBX: the memory base */
}

static int pick_gpr(void)
{
	for (;;) {
		int r = (int)(rnd() % (mode32 ? 8 : 16));
		if (pick_gpr_ok(r))
			return r;
	}
}

static void encode(const struct sform *f, uint8_t op, bool misalign, struct sse_enc *e)
{
	unsigned k = 0;
	bool mem = (f->flags & F_MEM) && (!(f->flags & F_REG) || (rnd() & 1));
	bool w = (f->flags & F_W) && (rnd() & 1) && !mode32;
	unsigned nx = mode32 ? 8 : 16;
	int reg = f->digit != 0xff ? f->digit : f->reg_cls == RG_G ? pick_gpr() : (int)(rnd() % nx);
	int rm = mem ? 3 : f->rm_cls == RG_G ? pick_gpr() : (int)(rnd() % nx);
	uint8_t disp = (uint8_t)(16 * (rnd() % 7));

	if (!(f->flags & F_ALIGN) || misalign)
		disp = (uint8_t)(disp + (misalign ? 1 + rnd() % 15 : rnd() % 16));
	if (f->pfx)
		e->b[k++] = f->pfx;
	uint8_t rex = (uint8_t)(0x40 | (w ? 8 : 0) | (reg >= 8 ? 4 : 0) | (rm >= 8 ? 1 : 0));
	if (!mode32 && (rex != 0x40 || (rnd() & 1)))
		e->b[k++] = rex;
	e->b[k++] = 0x0f;
	e->b[k++] = op;
	if (mem) {
		e->b[k++] = (uint8_t)(0x40 | ((reg & 7) << 3) | 3);
		e->b[k++] = disp;
	} else {
		e->b[k++] = (uint8_t)(0xc0 | ((reg & 7) << 3) | (rm & 7));
	}
	if (f->flags & F_IMM) {
		uint8_t imm = (uint8_t)rnd();
		if (op == 0xc2 && rnd() % 4)
			imm &= 7;               /* the eight predicates, mostly */
		if (op >= 0x71 && op <= 0x73 && rnd() % 4)
			imm &= op == 0x73 && (reg & 7) >= 3 ? 15 : 63;
		e->b[k++] = imm;
	}
	e->len = k;
	e->mem = mem;
	e->lin = DIFF_BUF_ADDR + disp;
}

struct outcome {
	struct sse_state st;
	int vec;
};

static void state_in(struct sse_state *st)
{
	for (int r = 0; r < 16; r++)
		st->gpr[r] = rnd_value();
	st->gpr[R_RBX] = DIFF_BUF_ADDR;
	st->gpr[R_RSP] = 0;
	st->flags = rnd() & DIFF_FLAGS;
	for (int r = 0; r < 16; r++)
		rnd_xmm(st->xmm[r]);
	st->mxcsr = rnd_mxcsr();
	st->host_mxcsr = 0x1f80;
}

static void cpu_in(struct x86_cpu *c, const struct sse_state *st)
{
	memcpy(c->fx + FX_XMM, st->xmm, sizeof(st->xmm));
	x86_set_mxcsr(c, st->mxcsr);
}

static int emulate(const struct sse_enc *e, const struct sse_state *in, struct sse_state *out)
{
	struct diff_state ds;

	memcpy(ds.gpr, in->gpr, sizeof(ds.gpr));
	ds.flags = in->flags;
	cpu_in(&diff_cpu, in);
	int vec = diff_emulate(e->b, e->len, &ds);
	*out = *in;
	memcpy(out->gpr, ds.gpr, sizeof(ds.gpr));
	out->flags = ds.flags;
	memcpy(out->xmm, diff_cpu.fx + FX_XMM, sizeof(out->xmm));
	out->mxcsr = x86_mxcsr(&diff_cpu);
	return vec;
}

static bool same(const struct sse_state *a, const struct sse_state *b)
{
	for (int r = 0; r < 16; r++)
		if (r != R_RSP && a->gpr[r] != b->gpr[r])
			return false;
	return (a->flags & DIFF_FLAGS) == (b->flags & DIFF_FLAGS) && a->mxcsr == b->mxcsr &&
	       !memcmp(a->xmm, b->xmm, sizeof(a->xmm));
}

static void describe(char *out, size_t size, const struct sse_enc *e, const struct sse_state *in,
		     const char *who, const struct sse_state *got, int gvec,
		     const struct sse_state *want, int wvec)
{
	char dis[96];
	int k;

	x86_disasm(e->b, e->len, mode32 ? 32 : 64, dis, sizeof(dis));
	k = snprintf(out, size, "%s%s mismatch: %s [", who, mode32 ? " (32-bit)" : "", dis);
	for (unsigned i = 0; i < e->len && k < (int)size - 8; i++)
		k += snprintf(out + k, size - (size_t)k, "%s%02x", i ? " " : "", e->b[i]);
	k += snprintf(out + k, size - (size_t)k, "] mxcsr in %#x; vector %d want %d; mxcsr %#x want %#x;",
		      in->mxcsr, gvec, wvec, got->mxcsr, want->mxcsr);
	for (int r = 0; r < 16 && k < (int)size - 100; r++)
		if (memcmp(got->xmm[r], want->xmm[r], 16)) {
			uint64_t g[2], w[2], i2[2];
			memcpy(g, got->xmm[r], 16);
			memcpy(w, want->xmm[r], 16);
			memcpy(i2, in->xmm[r], 16);
			k += snprintf(out + k, size - (size_t)k, " xmm%d in %016llx:%016llx got %016llx:%016llx want %016llx:%016llx;",
				      r, (unsigned long long)i2[1], (unsigned long long)i2[0],
				      (unsigned long long)g[1], (unsigned long long)g[0],
				      (unsigned long long)w[1], (unsigned long long)w[0]);
		}
	for (int r = 0; r < 16 && k < (int)size - 60; r++)
		if (r != R_RSP && got->gpr[r] != want->gpr[r])
			k += snprintf(out + k, size - (size_t)k, " r%d got %#llx want %#llx;", r,
				      (unsigned long long)got->gpr[r], (unsigned long long)want->gpr[r]);
	if ((got->flags & DIFF_FLAGS) != (want->flags & DIFF_FLAGS) && k < (int)size - 40)
		snprintf(out + k, size - (size_t)k, " flags got %#llx want %#llx",
			 (unsigned long long)(got->flags & DIFF_FLAGS), (unsigned long long)(want->flags & DIFF_FLAGS));
}

static unsigned total_cases, total_forms, bt_native_cases, bt_native_bad;

static void run_form(const struct sform *f, unsigned n)
{
	unsigned ran = 0, bad = 0, xm = 0, gp = 0, bt_bad = 0;
	char first[1024] = "", bt_first[1024] = "";

	for (unsigned t = 0; t < n; t++) {
		struct sse_enc e;
		struct sse_state in, emu, nat;
		uint8_t buf0[DIFF_BUF_SIZE];
		bool misalign = (f->flags & F_ALIGN) && rnd() % 8 == 0;

		encode(f, f->op, misalign, &e);
		state_in(&in);
		for (unsigned i = 0; i < DIFF_BUF_SIZE; i += 8) {
			uint64_t v = rnd() & 1 ? rnd_f64() : rnd_f32() | (uint64_t)rnd_f32() << 32;
			memcpy(buf0 + i, &v, 8);
		}
		if (f->flags & F_DI)
			in.gpr[R_RDI] = DIFF_BUF_ADDR + rnd() % 200;
		if (f->flags & F_LDMX) {
			uint32_t m = rnd_mxcsr();
			memcpy(buf0 + (e.lin - DIFF_BUF_ADDR), &m, 4);
		}

		/* bt first: it starts from diff_cpu's state (x86_get_state). */
		struct diff_bt_result btr;
		struct diff_state ds;
		if (diff_bt) {
			memcpy(ds.gpr, in.gpr, sizeof(ds.gpr));
			ds.flags = in.flags;
			cpu_in(&diff_cpu, &in);
			uint64_t calls = diff_bt->c.helpers + diff_bt->c.slow + diff_bt->c.steps;
			diff_bt_run(e.b, e.len, &ds, buf0, t & 1, &btr);
			calls = diff_bt->c.helpers + diff_bt->c.slow + diff_bt->c.steps - calls;
			/* A register form with every exception masked runs natively
			 * (translate_sse.c): no call but the HLT's. */
			struct x86_inst pin;
			struct x86_sse_regs rf;
			if (!mode32 && x86_decode(e.b, e.len, 64, &pin) && x86_sse_reg_form(&pin, &rf) &&
			    (in.mxcsr & MXCSR_MASKS) == MXCSR_MASKS) {
				bt_native_cases++;
				if (calls != 1 && bt_native_bad++ == 0)
					printf("# bt called out %llu times for a native case of %s\n",
					       (unsigned long long)calls, f->name);
			}
		}
		memcpy(diff_ram + DIFF_BUF_ADDR, buf0, DIFF_BUF_SIZE);
		int vec = emulate(&e, &in, &emu);

		bool want_gp = e.mem && misalign;
		int nvec = -1;
		nat = in;
		if (want_gp) {
			nvec = X86_GP;
			gp++;
		} else {
			memcpy(diff_buf, buf0, DIFF_BUF_SIZE);
			nst = in;
			native_trapped = 0;
			build_native(e.b, e.len)();
			nat = nst;
			if (native_trapped) {
				nvec = X86_XM;
				xm++;
			}
		}
		ran++;
		bool ok = vec == nvec && (nvec == X86_GP ||
			  (nvec == X86_XM ? emu.mxcsr == nat.mxcsr :
			   same(&emu, &nat) && !memcmp(diff_buf, diff_ram + DIFF_BUF_ADDR, DIFF_BUF_SIZE)));
		/* A fault leaves the registers as they were (only MXCSR's flags change). */
		if (ok && nvec >= 0)
			ok = !memcmp(in.xmm, emu.xmm, sizeof(emu.xmm)) &&
			     !memcmp(diff_ram + DIFF_BUF_ADDR, buf0, DIFF_BUF_SIZE);
		if (!ok && bad++ == 0)
			describe(first, sizeof(first), &e, &in, "layer", &emu, vec, &nat, nvec);
		if (diff_bt) {
			struct sse_state bs = emu;
			int bvec = btr.reason == VM_EXIT_SHUTDOWN ? btr.vec : -1;
			memcpy(bs.gpr, btr.st.gpr, sizeof(bs.gpr));
			bs.flags = btr.st.flags;
			memcpy(bs.xmm, diff_bt->cpu.fx + FX_XMM, sizeof(bs.xmm));
			bs.mxcsr = x86_mxcsr(&diff_bt->cpu);
			bool bok = bvec == vec &&
				   (vec >= 0 ? bs.mxcsr == emu.mxcsr
					     : btr.reason == VM_EXIT_HLT && same(&bs, &emu) &&
					       !memcmp(diff_ram + DIFF_BUF_ADDR, diff_vm->ram + DIFF_BUF_ADDR, DIFF_BUF_SIZE));
			if (!bok && bt_bad++ == 0)
				describe(bt_first, sizeof(bt_first), &e, &in, "bt", &bs, bvec, &emu, vec);
		}
	}
	total_cases += ran;
	total_forms++;
	CHECK(bad == 0 && bt_bad == 0 && ran > 0,
	      "%-18s %u cases match the host (%u #XM, %u #GP misaligned); bt %s %s%s", f->name, ran, xm, gp,
	      diff_bt ? "agrees" : "not run", first, bt_first);
}

/* CR0/CR4 gating and MXCSR's reserved bits, in the layer. */
static void check_gating(void)
{
	static const uint8_t addps[] = { 0x0f, 0x58, 0xc1 };
	static const uint8_t ldmxcsr[] = { 0x0f, 0xae, 0x13 };           /* [rbx] */
	struct sse_state in, out;
	struct sse_enc e;

	state_in(&in);
	memcpy(e.b, addps, sizeof(addps));
	e.len = sizeof(addps);
	diff_cpu.cr4 &= ~X86_CR4_OSFXSR;
	CHECK(emulate(&e, &in, &out) == X86_UD, "SSE with CR4.OSFXSR=0 raises #UD");
	diff_cpu.cr4 |= X86_CR4_OSFXSR;
	diff_cpu.cr0 |= CR0_EM;
	CHECK(emulate(&e, &in, &out) == X86_UD, "SSE with CR0.EM=1 raises #UD");
	diff_cpu.cr0 &= ~CR0_EM;
	diff_cpu.cr0 |= CR0_TS;
	CHECK(emulate(&e, &in, &out) == X86_NM, "SSE with CR0.TS=1 raises #NM");
	diff_cpu.cr0 &= ~CR0_TS;

	/* 1.0 / 0.0 with ZE unmasked: #XM, or #UD without CR4.OSXMMEXCPT. */
	static const uint8_t divss[] = { 0xf3, 0x0f, 0x5e, 0xc1 };
	memcpy(e.b, divss, sizeof(divss));
	e.len = sizeof(divss);
	uint32_t one = 0x3f800000u, zero = 0;
	memcpy(in.xmm[0], &one, 4);
	memcpy(in.xmm[1], &zero, 4);
	in.mxcsr = 0x1f80 & ~0x200u;
	CHECK(emulate(&e, &in, &out) == X86_XM && (out.mxcsr & 4) && !memcmp(out.xmm[0], in.xmm[0], 16),
	      "DIVSS by zero with ZM=0: #XM, ZE set, destination kept (mxcsr %#x)", out.mxcsr);
	diff_cpu.cr4 &= ~X86_CR4_OSXMMEXCPT;
	CHECK(emulate(&e, &in, &out) == X86_UD, "the same without CR4.OSXMMEXCPT: #UD");
	diff_cpu.cr4 |= X86_CR4_OSXMMEXCPT;
	in.mxcsr = 0x1f80;
	CHECK(emulate(&e, &in, &out) == -1 && out.mxcsr == 0x1f84,
	      "the same masked: +inf, ZE set (mxcsr %#x)", out.mxcsr);

	memcpy(e.b, ldmxcsr, sizeof(ldmxcsr));
	e.len = sizeof(ldmxcsr);
	uint32_t bad = 0x10000 | 0x1f80;
	memcpy(diff_ram + DIFF_BUF_ADDR, &bad, 4);
	CHECK(emulate(&e, &in, &out) == X86_GP, "LDMXCSR with a reserved bit (16) set: #GP(0)");
	CHECK(x86_mxcsr_mask() & 0x40, "MXCSR_MASK %#x has DAZ", x86_mxcsr_mask());

	struct x86_cpu fresh;
	x86_cpu_init(&fresh, NULL, "test");
	CHECK(x86_mxcsr(&fresh) == 0x1f80, "MXCSR is 0x1F80 after reset");
	uint32_t r[4];
	x86_cpuid(&fresh, 1, 0, r);
	CHECK((r[3] >> 25 & 3) == 3 && !(r[2] & 1), "CPUID.1: SSE and SSE2 advertised, SSE3 not (edx %#x ecx %#x)",
	      r[3], r[2]);
	CHECK(x86_cr4_allowed(&fresh) & (X86_CR4_OSFXSR | X86_CR4_OSXMMEXCPT),
	      "CR4.OSFXSR and OSXMMEXCPT may be set");
}

int main(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = on_native_fpe;
	sa.sa_flags = SA_SIGINFO;
	sigaction(SIGFPE, &sa, NULL);       /* before the layer's, which chains to it */
	(void)diff_run_form;                /* x86_diff.h's GPR runner: not used here */
	if (diff_setup() < 0) {
		SKIP("cannot map the fixed test buffer at %#llx", DIFF_BUF_ADDR);
		return 0;
	}
	ncode = mmap(NULL, 4096, PROT_READ | PROT_WRITE | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (ncode == MAP_FAILED) {
		SKIP("cannot map native code");
		return 0;
	}
	diff_cpu_reset();
	diff_cpu.cr4 |= X86_CR4_OSFXSR | X86_CR4_OSXMMEXCPT;
	check_gating();

	for (size_t i = 0; i < sizeof(forms) / sizeof(forms[0]); i++)
		run_form(&forms[i], N);
	static const uint8_t pf[4] = { 0, 0x66, 0xf3, 0xf2 };
	static const char *const sfx[4] = { "ps", "pd", "ss", "sd" };
	static const char *const fpn[] = { "add", "mul", "sub", "min", "div", "max" };
	for (size_t i = 0; i < sizeof(fp_ops); i++)
		for (int p = 0; p < 4; p++) {
			char name[24];
			snprintf(name, sizeof(name), "%s%s", fpn[i], sfx[p]);
			struct sform f = { name, pf[p], fp_ops[i], 0xff, RG_X, RG_X, RM | (p < 2 ? F_ALIGN : 0) };
			run_form(&f, N);
		}
	for (size_t i = 0; i < sizeof(int_ops); i++) {
		char name[24];
		snprintf(name, sizeof(name), "66 0f %02x", int_ops[i]);
		struct sform f = { name, 0x66, int_ops[i], 0xff, RG_X, RG_X, RM | F_ALIGN };
		run_form(&f, N);
	}
	/* The same forms in 32-bit code (compatibility mode). */
	mode32 = true;
	diff_cpu.seg[S_CS].l = 0;
	diff_cpu.seg[S_CS].db = 1;
	x86_update_mode(&diff_cpu);
	for (size_t i = 0; i < sizeof(forms) / sizeof(forms[0]); i++) {
		struct sform f = forms[i];
		char name[40];
		snprintf(name, sizeof(name), "%s (32-bit)", f.name);
		f.name = name;
		run_form(&f, N / 4);
	}
	printf("# %u forms, %u differential cases\n", total_forms, total_cases);
	if (diff_bt)
		CHECK(bt_native_cases > 0 && bt_native_bad == 0,
		      "bt ran the %u register-form cases with every exception masked natively (no helper "
		      "call but the HLT's), and they matched the host above", bt_native_cases);
	CHECK_EXIT();
}
