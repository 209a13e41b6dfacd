/* SSE and SSE2 as compilers emit them: one table row per opcode and
 * mandatory prefix (none, 66, F3, F2) says how its operands are fetched;
 * data movement is done here, every operation with a result that depends
 * on MXCSR or on arithmetic runs as the same instruction on the host
 * (sse_host.c).  The raw bytes decide, as on the CPU: Capstone only finds
 * the instruction's length and memory operand.  Order of checks (SDM Vol.
 * 2, "SIMD Floating-Point Exceptions" and Table 2-21 class 1-5): #UD for
 * CR0.EM or no CR4.OSFXSR, #NM for CR0.TS, #GP(0) for a misaligned
 * 16-byte operand of an aligned form, #PF, then #XM (or #UD without
 * CR4.OSXMMEXCPT) for an unmasked SIMD exception, with the destination
 * untouched and the MXCSR flags the CPU set. */
#include "engines/x86/ops.h"
#include "engines/x86/sse.h"

/* How a row's operands are fetched and its result written. */
enum {
	K_NONE,
	K_HOST,         /* xmm(reg) = op(xmm(reg), xmm(rm)/mem) */
	K_HOST_GX,      /* gpr(reg) = op(xmm(rm)/mem): CVT*2SI, MOVMSK*, PEXTRW */
	K_HOST_XG,      /* xmm(reg) = op(xmm(reg), gpr(rm)/mem): CVTSI2S*, PINSRW */
	K_HOST_FL,      /* rflags = op(xmm(reg), xmm(rm)/mem): (U)COMIS* */
	K_HOST_SHI,     /* xmm(rm) = op(xmm(rm), imm8): 66 0F 71-73 */
	K_LOAD,         /* xmm(reg) = xmm(rm)/m128 */
	K_STORE,        /* xmm(rm)/m128 = xmm(reg) */
	K_MOVS,         /* MOVSS/MOVSD load and store */
	K_LOWHI,        /* MOVLPS/MOVHPS/MOVLPD/MOVHPD/MOVHLPS/MOVLHPS */
	K_MOVD_IN,      /* 66 0F 6E: MOVD/MOVQ xmm, r/m */
	K_MOVD_OUT,     /* 66 0F 7E: MOVD/MOVQ r/m, xmm */
	K_MOVQ_IN,      /* F3 0F 7E: MOVQ xmm, xmm/m64 */
	K_MOVQ_OUT,     /* 66 0F D6: MOVQ xmm/m64, xmm */
	K_MOVNTI,       /* 0F C3 */
	K_MXCSR,        /* 0F AE /2 LDMXCSR, /3 STMXCSR */
	K_MASKMOV,      /* 66 0F F7: MASKMOVDQU */
};

/* Row flags. */
#define R_ALIGN   0x1           /* a 16-byte memory operand must be aligned */
#define R_REGONLY 0x2           /* a memory operand is #UD */
#define R_MEMONLY 0x4           /* a register operand is #UD */
#define R_IMM     0x8           /* ends in an imm8 */
#define R_WSIZE   0x10          /* memory operand 8 bytes with REX.W, else 4 */

struct row {
	uint8_t kind, mem, flags;   /* mem: bytes of the memory operand */
};

enum { P_NONE, P_66, P_F3, P_F2 };
static struct row rows[256][4];

#define ROW(op, pfx, k, m, f) rows[op][pfx] = (struct row){ k, m, f }

static void build_rows(void)
{
	/* Moves (SDM MOVUPS ... MOVQ). */
	ROW(0x10, P_NONE, K_LOAD, 16, 0); ROW(0x10, P_66, K_LOAD, 16, 0);
	ROW(0x11, P_NONE, K_STORE, 16, 0); ROW(0x11, P_66, K_STORE, 16, 0);
	ROW(0x10, P_F3, K_MOVS, 4, 0); ROW(0x10, P_F2, K_MOVS, 8, 0);
	ROW(0x11, P_F3, K_MOVS, 4, 0); ROW(0x11, P_F2, K_MOVS, 8, 0);
	/* MOVHLPS/MOVLHPS are 0F 12/16 on registers; MOVLPD/MOVHPD have none. */
	ROW(0x12, P_NONE, K_LOWHI, 8, 0); ROW(0x16, P_NONE, K_LOWHI, 8, 0);
	ROW(0x12, P_66, K_LOWHI, 8, R_MEMONLY); ROW(0x16, P_66, K_LOWHI, 8, R_MEMONLY);
	for (int p = P_NONE; p <= P_66; p++) {
		ROW(0x13, p, K_LOWHI, 8, R_MEMONLY); ROW(0x17, p, K_LOWHI, 8, R_MEMONLY);
		ROW(0x28, p, K_LOAD, 16, R_ALIGN); ROW(0x29, p, K_STORE, 16, R_ALIGN);
		ROW(0x2b, p, K_STORE, 16, R_ALIGN | R_MEMONLY);
	}
	ROW(0x6f, P_66, K_LOAD, 16, R_ALIGN); ROW(0x6f, P_F3, K_LOAD, 16, 0);
	ROW(0x7f, P_66, K_STORE, 16, R_ALIGN); ROW(0x7f, P_F3, K_STORE, 16, 0);
	ROW(0xe7, P_66, K_STORE, 16, R_ALIGN | R_MEMONLY);
	ROW(0x6e, P_66, K_MOVD_IN, 4, R_WSIZE); ROW(0x7e, P_66, K_MOVD_OUT, 4, R_WSIZE);
	ROW(0x7e, P_F3, K_MOVQ_IN, 8, 0); ROW(0xd6, P_66, K_MOVQ_OUT, 8, 0);
	ROW(0xc3, P_NONE, K_MOVNTI, 4, R_WSIZE | R_MEMONLY);
	ROW(0xae, P_NONE, K_MXCSR, 4, R_MEMONLY);
	ROW(0xf7, P_66, K_MASKMOV, 0, R_REGONLY);

	/* Floating point, PS/PD/SS/SD: 0F 51-5F (not 0F 5A/5B, below). */
	static const uint8_t fp4[] = { 0x51, 0x58, 0x59, 0x5c, 0x5d, 0x5e, 0x5f };
	for (size_t i = 0; i < sizeof(fp4); i++) {
		ROW(fp4[i], P_NONE, K_HOST, 16, 0); ROW(fp4[i], P_66, K_HOST, 16, 0);
		ROW(fp4[i], P_F3, K_HOST, 4, 0); ROW(fp4[i], P_F2, K_HOST, 8, 0);
	}
	ROW(0x52, P_NONE, K_HOST, 16, 0); ROW(0x52, P_F3, K_HOST, 4, 0);        /* RSQRT */
	ROW(0x53, P_NONE, K_HOST, 16, 0); ROW(0x53, P_F3, K_HOST, 4, 0);        /* RCP */
	for (int op = 0x54; op <= 0x57; op++) {                                 /* AND ANDN OR XOR */
		ROW(op, P_NONE, K_HOST, 16, 0); ROW(op, P_66, K_HOST, 16, 0);
	}
	ROW(0x14, P_NONE, K_HOST, 16, 0); ROW(0x14, P_66, K_HOST, 16, 0);      /* UNPCKL */
	ROW(0x15, P_NONE, K_HOST, 16, 0); ROW(0x15, P_66, K_HOST, 16, 0);      /* UNPCKH */
	ROW(0xc6, P_NONE, K_HOST, 16, R_IMM); ROW(0xc6, P_66, K_HOST, 16, R_IMM); /* SHUFP */
	ROW(0xc2, P_NONE, K_HOST, 16, R_IMM); ROW(0xc2, P_66, K_HOST, 16, R_IMM); /* CMP */
	ROW(0xc2, P_F3, K_HOST, 4, R_IMM); ROW(0xc2, P_F2, K_HOST, 8, R_IMM);
	ROW(0x2e, P_NONE, K_HOST_FL, 4, 0); ROW(0x2e, P_66, K_HOST_FL, 8, 0);   /* UCOMIS */
	ROW(0x2f, P_NONE, K_HOST_FL, 4, 0); ROW(0x2f, P_66, K_HOST_FL, 8, 0);   /* COMIS */
	/* Conversions. */
	ROW(0x2a, P_F3, K_HOST_XG, 4, R_WSIZE); ROW(0x2a, P_F2, K_HOST_XG, 4, R_WSIZE);
	ROW(0x2c, P_F3, K_HOST_GX, 4, 0); ROW(0x2c, P_F2, K_HOST_GX, 8, 0);
	ROW(0x2d, P_F3, K_HOST_GX, 4, 0); ROW(0x2d, P_F2, K_HOST_GX, 8, 0);
	ROW(0x5a, P_NONE, K_HOST, 8, 0); ROW(0x5a, P_66, K_HOST, 16, 0);
	ROW(0x5a, P_F3, K_HOST, 4, 0); ROW(0x5a, P_F2, K_HOST, 8, 0);
	ROW(0x5b, P_NONE, K_HOST, 16, 0); ROW(0x5b, P_66, K_HOST, 16, 0); ROW(0x5b, P_F3, K_HOST, 16, 0);
	ROW(0xe6, P_66, K_HOST, 16, 0); ROW(0xe6, P_F2, K_HOST, 16, 0); ROW(0xe6, P_F3, K_HOST, 8, 0);
	ROW(0x50, P_NONE, K_HOST_GX, 0, R_REGONLY); ROW(0x50, P_66, K_HOST_GX, 0, R_REGONLY);
	/* SSE2 integer, 66 0F: 60-6D, 74-76, D1-FE (MOVQ D6, PMOVMSKB D7,
	 * MOVNTDQ E7, MASKMOVDQU F7 aside). */
	for (int op = 0x60; op <= 0x6d; op++)
		ROW(op, P_66, K_HOST, 16, 0);
	for (int op = 0x74; op <= 0x76; op++)
		ROW(op, P_66, K_HOST, 16, 0);
	for (int op = 0xd1; op <= 0xfe; op++)
		if (op != 0xd6 && op != 0xd7 && op != 0xe6 && op != 0xe7 && op != 0xf0 && op != 0xf7)
			ROW(op, P_66, K_HOST, 16, 0);
	ROW(0xd7, P_66, K_HOST_GX, 0, R_REGONLY);                              /* PMOVMSKB */
	ROW(0x70, P_66, K_HOST, 16, R_IMM); ROW(0x70, P_F3, K_HOST, 16, R_IMM); /* PSHUF */
	ROW(0x70, P_F2, K_HOST, 16, R_IMM);
	for (int op = 0x71; op <= 0x73; op++)
		ROW(op, P_66, K_HOST_SHI, 0, R_REGONLY | R_IMM);
	ROW(0xc4, P_66, K_HOST_XG, 2, R_IMM);                                  /* PINSRW */
	ROW(0xc5, P_66, K_HOST_GX, 0, R_REGONLY | R_IMM);                      /* PEXTRW */
}

static const struct row *row_of(const struct x86_pfx *p)
{
	static bool built;
	int pfx = p->rep == 0xf3 ? P_F3 : p->rep == 0xf2 ? P_F2 : p->p66 ? P_66 : P_NONE;

	if (!built) {
		build_rows();
		built = true;
	}
	if (p->op != 0x0f)
		return NULL;
	const struct row *r = &rows[p->op2][pfx];
	if (r->kind == K_NONE)
		return NULL;
	/* 66 0F 71-73: only /2 /4 /6 (W, D), /2 /6 (Q) and /3 /7 (DQ) exist. */
	if (r->kind == K_HOST_SHI) {
		unsigned d = (p->modrm >> 3) & 7;
		bool ok = p->op2 == 0x73 ? (d == 2 || d == 3 || d == 6 || d == 7)
					 : (d == 2 || d == 6 || (d == 4 && p->op2 != 0x73));
		if (!ok)
			return NULL;
	}
	/* 0F AE: only /2 and /3 on memory are ours (fences, FXSAVE, XSAVE, ... are not). */
	if (r->kind == K_MXCSR) {
		unsigned d = (p->modrm >> 3) & 7;
		if ((p->modrm >> 6) == 3 || (d != 2 && d != 3))
			return NULL;
	}
	return r;
}

/* ---- one instruction's operands, from its bytes ---- */

struct sse_in {
	struct x86_pfx p;
	const struct row *r;
	unsigned reg, rm;
	bool mem, w;
	uint64_t lin;                   /* the memory operand's linear address */
	uint8_t imm;
};

static void parse(struct x86_cpu *cpu, const struct x86_inst *in, struct sse_in *s)
{
	x86_scan_prefixes(in->bytes, in->len, in->mode, &s->p);
	s->r = row_of(&s->p);
	if (!s->r)
		x86_ud(cpu);            /* cannot happen: decode chose this handler */
	uint8_t m = s->p.modrm, rex = in->mode == 64 ? s->p.rex : 0;
	s->reg = ((m >> 3) & 7) | (rex & 4 ? 8 : 0);
	s->rm = (m & 7) | (rex & 1 ? 8 : 0);
	s->mem = (m >> 6) != 3;
	s->w = (rex & 8) != 0;
	s->imm = in->bytes[in->len - 1];
	s->lin = 0;
	if (s->mem)
		for (unsigned k = 0; k < in->nops; k++)
			if (in->op[k].kind == OP_MEM)
				s->lin = mem_lin(cpu, in, &in->op[k]);
	if ((s->mem && (s->r->flags & R_REGONLY)) || (!s->mem && (s->r->flags & R_MEMONLY)))
		x86_ud(cpu);
}

/* The checks every SSE instruction makes first (SDM Vol. 3, 13.1.3). */
static void sse_available(struct x86_cpu *cpu)
{
	if ((cpu->cr0 & CR0_EM) || !(cpu->cr4 & X86_CR4_OSFXSR))
		x86_ud(cpu);
	if (cpu->cr0 & CR0_TS)
		x86_raise(cpu, X86_NM, 0, 0);
}

static unsigned mem_size(const struct sse_in *s)
{
	return (s->r->flags & R_WSIZE) && s->w ? 8 : s->r->mem;
}

static void check_align(struct x86_cpu *cpu, const struct sse_in *s, unsigned size)
{
	if (size == 16 && (s->lin & 15) && ((s->r->flags & R_ALIGN) || s->r->kind <= K_HOST_SHI))
		x86_gp(cpu, 0);
}

/* Reads of up to 16 bytes into b (the rest zero). */
static void mem_read(struct x86_cpu *cpu, uint64_t lin, unsigned size, uint8_t *b)
{
	memset(b, 0, 16);
	if (size == 16) {
		uint64_t lo = x86_read(cpu, lin, 8);
		uint64_t hi = x86_read(cpu, (lin + 8) & cpu->lin_mask, 8);
		memcpy(b, &lo, 8);
		memcpy(b + 8, &hi, 8);
	} else {
		uint64_t v = x86_read(cpu, lin, size);
		memcpy(b, &v, size);
	}
}

/* Writes of up to 16 bytes: both pages are checked before either is
 * written; a fault on the second has CR2 at its first byte (as the host:
 * MOVUPS to 8 bytes before a PROT_NONE page reports the page's address). */
static void mem_write(struct x86_cpu *cpu, uint64_t lin, unsigned size, const uint8_t *b)
{
	uint64_t v;

	if (size == 16) {
		if ((lin & 0xfff) > 0xff0) {
			x86_translate(cpu, lin, ACC_W, cpu->cpl == 3);
			x86_translate(cpu, ((lin | 0xfff) + 1) & cpu->lin_mask, ACC_W, cpu->cpl == 3);
		}
		memcpy(&v, b, 8);
		x86_write(cpu, lin, 8, v);
		memcpy(&v, b + 8, 8);
		x86_write(cpu, (lin + 8) & cpu->lin_mask, 8, v);
		return;
	}
	v = 0;
	memcpy(&v, b, size);
	x86_write(cpu, lin, size, v);
}

/* The source operand: an XMM register or memory (aligned as the row says). */
static void load_src(struct x86_cpu *cpu, const struct sse_in *s, unsigned size, uint8_t *b)
{
	if (s->mem) {
		check_align(cpu, s, size);
		mem_read(cpu, s->lin, size, b);
	} else {
		memcpy(b, x86_xmm(cpu, s->rm), 16);
	}
}

/* ---- the host-run forms ---- */

/* The host's instruction: the guest's 66/F2/F3 in their order, REX.W,
 * 0F, the opcode, a register ModRM over xmm0 (or rax) and xmm1 (or rcx),
 * the immediate. */
static unsigned host_op(const struct x86_inst *in, const struct sse_in *s, uint8_t *op)
{
	unsigned k = 0;

	for (unsigned i = 0; i < s->p.n; i++)
		if (in->bytes[i] == 0x66 || in->bytes[i] == 0xf2 || in->bytes[i] == 0xf3)
			op[k++] = in->bytes[i];
	if (s->w)
		op[k++] = 0x48;
	op[k++] = 0x0f;
	op[k++] = s->p.op2;
	if (s->r->kind == K_HOST_SHI)
		op[k++] = (uint8_t)(0xc0 | (s->p.modrm & 0x38));        /* /digit, xmm0 */
	else
		op[k++] = 0xc1;                                         /* reg 0, rm 1 */
	if (s->r->flags & R_IMM)
		op[k++] = s->imm;
	return k;
}

static int h_sse_host(struct x86_cpu *cpu, const struct x86_inst *in)
{
	struct sse_in s;
	struct sse_ctx c;
	uint8_t op[16];

	sse_available(cpu);
	parse(cpu, in, &s);
	memset(&c, 0, sizeof(c));
	switch (s.r->kind) {
	case K_HOST_SHI:
		memcpy(c.a, x86_xmm(cpu, s.rm), 16);
		break;
	case K_HOST_XG:
		memcpy(c.a, x86_xmm(cpu, s.reg), 16);
		if (s.mem)
			c.rcx = x86_read(cpu, s.lin, mem_size(&s));
		else
			c.rcx = cpu->gpr[s.rm];
		break;
	default:
		if (s.r->kind != K_HOST_GX)
			memcpy(c.a, x86_xmm(cpu, s.reg), 16);
		load_src(cpu, &s, mem_size(&s), c.b);
		break;
	}
	c.mxcsr = x86_mxcsr(cpu);
	x86_sse_host_run(op, host_op(in, &s, op), &c);
	x86_set_mxcsr(cpu, c.mxcsr);
	if (c.trapped) {
		if (cpu->cr4 & X86_CR4_OSXMMEXCPT)
			x86_raise(cpu, X86_XM, 0, 0);
		x86_ud(cpu);
	}
	switch (s.r->kind) {
	case K_HOST_SHI: memcpy(x86_xmm(cpu, s.rm), c.a, 16); break;
	case K_HOST_GX: set_reg(cpu, s.reg, s.w ? 8 : 4, false, c.rax); break;
	case K_HOST_FL: set_flags(cpu, (cpu->rflags & ~F_ARITH) | (c.rflags & F_ARITH)); break;
	default: memcpy(x86_xmm(cpu, s.reg), c.a, 16); break;
	}
	return advance(cpu, in);
}

/* ---- data movement ---- */

static int h_sse_move(struct x86_cpu *cpu, const struct x86_inst *in)
{
	struct sse_in s;
	uint8_t b[16];
	unsigned n;

	sse_available(cpu);
	parse(cpu, in, &s);
	uint8_t *x = x86_xmm(cpu, s.reg);
	n = mem_size(&s);
	switch (s.r->kind) {
	case K_LOAD:
		load_src(cpu, &s, 16, b);
		memcpy(x, b, 16);
		break;
	case K_STORE:
		if (s.mem) {
			check_align(cpu, &s, 16);
			mem_write(cpu, s.lin, 16, x);
		} else {
			memcpy(x86_xmm(cpu, s.rm), x, 16);
		}
		break;
	case K_MOVS:                    /* a register source merges, memory zero-extends */
		if (s.p.op2 == 0x11) {
			if (s.mem)
				mem_write(cpu, s.lin, n, x);
			else
				memcpy(x86_xmm(cpu, s.rm), x, n);
		} else if (s.mem) {
			mem_read(cpu, s.lin, n, b);
			memcpy(x, b, 16);
		} else {
			memcpy(x, x86_xmm(cpu, s.rm), n);
		}
		break;
	case K_LOWHI: {
		unsigned half = s.p.op2 >= 0x16 ? 8 : 0;        /* 16/17: the high half */
		if (s.p.op2 == 0x13 || s.p.op2 == 0x17) {
			mem_write(cpu, s.lin, 8, x + half);
		} else if (s.mem) {
			mem_read(cpu, s.lin, 8, b);
			memcpy(x + half, b, 8);
		} else {
			/* MOVHLPS: low = source high; MOVLHPS: high = source low. */
			memcpy(b, x86_xmm(cpu, s.rm), 16);
			memcpy(x + half, b + (half ? 0 : 8), 8);
		}
		break;
	}
	case K_MOVD_IN:
		memset(b, 0, 16);
		if (s.mem)
			mem_read(cpu, s.lin, n, b);
		else
			memcpy(b, &cpu->gpr[s.rm], n);
		memcpy(x, b, 16);
		break;
	case K_MOVD_OUT: {
		uint64_t v = 0;
		memcpy(&v, x, n);
		if (s.mem)
			x86_write(cpu, s.lin, n, v);
		else
			set_reg(cpu, s.rm, n, false, v);
		break;
	}
	case K_MOVQ_IN:
		load_src(cpu, &s, 8, b);
		memset(b + 8, 0, 8);
		memcpy(x, b, 16);
		break;
	case K_MOVQ_OUT:
		if (s.mem) {
			mem_write(cpu, s.lin, 8, x);
		} else {
			memcpy(b, x, 8);
			memset(b + 8, 0, 8);
			memcpy(x86_xmm(cpu, s.rm), b, 16);
		}
		break;
	case K_MASKMOV: {
		/* Bytes of xmm(reg) whose mask byte in xmm(rm) has its top bit,
		 * to DS:rDI (a segment override applies). */
		const uint8_t *mask = x86_xmm(cpu, s.rm);
		int seg = s.p.seg >= 0 ? s.p.seg : S_DS;
		uint64_t di = cpu->gpr[R_RDI] & addr_mask(in->addrsize);
		for (unsigned i = 0; i < 16; i++)
			if (mask[i] & 0x80)
				x86_write(cpu, x86_lin(cpu, seg, (di + i) & addr_mask(in->addrsize)), 1, x[i]);
		break;
	}
	default:
		x86_ud(cpu);
	}
	return advance(cpu, in);
}

/* MOVNTI m32/m64, r: a GPR store; no SSE state involved (no CR0/CR4 checks). */
static int h_movnti(struct x86_cpu *cpu, const struct x86_inst *in)
{
	struct sse_in s;

	parse(cpu, in, &s);
	x86_write(cpu, s.lin, mem_size(&s), cpu->gpr[s.reg]);
	return advance(cpu, in);
}

/* LDMXCSR m32 (reserved bits: #GP(0)), STMXCSR m32. */
static int h_mxcsr(struct x86_cpu *cpu, const struct x86_inst *in)
{
	struct sse_in s;

	sse_available(cpu);
	parse(cpu, in, &s);
	if (((s.p.modrm >> 3) & 7) == 3) {
		x86_write(cpu, s.lin, 4, x86_mxcsr(cpu));
	} else {
		uint32_t v = (uint32_t)x86_read(cpu, s.lin, 4);
		if (v & ~x86_mxcsr_mask())
			x86_gp(cpu, 0);
		x86_set_mxcsr(cpu, v);
	}
	return advance(cpu, in);
}

x86_handler x86_sse_handler(const struct x86_pfx *p, int mode)
{
	const struct row *r = row_of(p);

	(void)mode;
	if (!r)
		return NULL;
	bool mem = (p->modrm >> 6) != 3;
	if ((mem && (r->flags & R_REGONLY)) || (!mem && (r->flags & R_MEMONLY)))
		return x86_op_ud;
	switch (r->kind) {
	case K_MOVNTI: return h_movnti;
	case K_MXCSR: return h_mxcsr;
	default: return r->kind <= K_HOST_SHI ? h_sse_host : h_sse_move;
	}
}

unsigned x86_sse_mem_bytes(const struct x86_pfx *p)
{
	const struct row *r = row_of(p);

	if (!r || (p->modrm >> 6) == 3 || (r->flags & R_REGONLY))
		return 0;
	if (r->kind == K_MASKMOV)
		return 0;
	return (r->flags & R_WSIZE) && (p->rex & 8) ? 8 : r->mem;
}

/* ---- for bt's native translation (engines/bt/translate_sse.c) ---- */

/* Prefixes a native copy may carry: at most one of 66/F2/F3, then an
 * optional REX right before 0F (no order for the decoder to settle). */
static bool plain_prefixes(const struct x86_inst *in, const struct x86_pfx *p)
{
	unsigned legacy = p->n - (p->rex ? 1 : 0);

	if (legacy > 1 || (p->rex && in->bytes[p->n - 1] != p->rex))
		return false;
	return !legacy || in->bytes[0] == 0x66 || in->bytes[0] == 0xf2 || in->bytes[0] == 0xf3;
}

bool x86_sse_reg_form(const struct x86_inst *in, struct x86_sse_regs *r)
{
	struct x86_pfx p;

	if (in->mode != 64 || !in->len)
		return false;
	x86_scan_prefixes(in->bytes, in->len, in->mode, &p);
	const struct row *row = row_of(&p);
	if (!row || (p.modrm >> 6) != 3 || (row->flags & R_MEMONLY) || !plain_prefixes(in, &p) ||
	    in->fn != x86_sse_handler(&p, in->mode))
		return false;
	unsigned reg = ((p.modrm >> 3) & 7) | (p.rex & 4 ? 8 : 0);
	unsigned rm = (p.modrm & 7) | (p.rex & 1 ? 8 : 0);
	uint16_t xr = (uint16_t)(1u << reg), xm = (uint16_t)(1u << rm);
	*r = (struct x86_sse_regs){ 0, 0, -1 };
	switch (row->kind) {
	case K_HOST: r->xmm_in = xr | xm; r->xmm_out = xr; break;
	case K_HOST_FL: r->xmm_in = xr | xm; break;
	case K_HOST_SHI: r->xmm_in = xm; r->xmm_out = xm; break;
	case K_HOST_GX: r->xmm_in = xm; r->gpr = (int8_t)reg; break;
	case K_HOST_XG: case K_MOVD_IN: r->xmm_in = xr; r->xmm_out = xr; r->gpr = (int8_t)rm; break;
	case K_MOVD_OUT: r->xmm_in = xr; r->gpr = (int8_t)rm; break;
	case K_LOAD: case K_MOVQ_IN: r->xmm_in = xr | xm; r->xmm_out = xr; break;
	case K_STORE: case K_MOVQ_OUT: r->xmm_in = xr | xm; r->xmm_out = xm; break;
	case K_MOVS: case K_LOWHI:
		r->xmm_in = xr | xm;
		r->xmm_out = p.op2 == 0x11 ? xm : xr;
		break;
	default: return false;          /* MASKMOVDQU, LDMXCSR/STMXCSR, MOVNTI */
	}
	return r->gpr != R_RSP;         /* the guest's RSP is not the host's */
}

bool x86_sse_exceptionless(const struct x86_cpu *cpu)
{
	return !(cpu->cr0 & (CR0_EM | CR0_TS)) && (cpu->cr4 & X86_CR4_OSFXSR) &&
	       (x86_mxcsr(cpu) & MXCSR_MASKS) == MXCSR_MASKS;
}

/* ---- MXCSR ---- */

uint32_t x86_mxcsr_mask(void)
{
	static uint32_t mask;

	if (!mask) {
		alignas(16) uint8_t img[512];
		memset(img, 0, sizeof(img));
		__asm__ volatile("fxsave %0" : "=m"(img));
		memcpy(&mask, img + FX_MXCSR_MASK, 4);
		if (!mask)
			mask = 0xffbf;  /* SDM Vol. 1, 11.6.6: zero means this default */
		mask &= 0xffff;         /* not AMD's MM (misaligned SSE): not in CPUID */
	}
	return mask;
}

uint32_t x86_mxcsr(const struct x86_cpu *cpu)
{
	uint32_t v;

	memcpy(&v, cpu->fx + FX_MXCSR, 4);
	return v;
}

void x86_set_mxcsr(struct x86_cpu *cpu, uint32_t v)
{
	memcpy(cpu->fx + FX_MXCSR, &v, 4);
}

void x86_sse_reset(struct x86_cpu *cpu)
{
	x86_set_mxcsr(cpu, MXCSR_RESET);
	uint32_t mask = x86_mxcsr_mask();
	memcpy(cpu->fx + FX_MXCSR_MASK, &mask, 4);
}
