/* x87 differential test: every x87 form (D8-DF, register and memory
 * forms, the memory operand as [rbx + disp8]) from random FPU states —
 * NaNs, infinities, denormals, pseudo-denormals, unnormals, every
 * precision and rounding control, masked and unmasked exceptions, full
 * and empty stacks — run natively on the host CPU, in the semantics layer
 * and under bt, comparing FCW, FSW (C0-C3, TOP, flags, ES), the abridged
 * FTW, FOP, FDP, ST0-7, the memory buffer, ZF/PF/CF for FCOMI, and the
 * exception raised (#MF for a waiting instruction with an exception
 * pending, #UD for FISTTP, SSE3 not being in the vCPU's CPUID).  Then
 * FWAIT, #NM (CR0.EM, CR0.TS, MP), and FXSAVE/FXRSTOR and XSAVE/XRSTOR
 * round trips against images the host produced. */
#include <stdalign.h>

#include "tests/unit/x86_diff.h"

#define CASES 64
#define X86_MF 16

extern int h_x87(struct x86_cpu *cpu, const struct x86_inst *in);

struct fpu {
	alignas(16) uint8_t img[512];
	uint8_t ah;                     /* SF ZF AF PF CF */
};

/* An 80-bit value of a random class. */
static void rnd_m80(uint8_t *p)
{
	uint64_t m = rnd();
	uint16_t se = (uint16_t)(rnd() & 0x8000);

	switch (rnd() % 10) {
	case 0: m = 0; break;                                                   /* zero */
	case 1: se |= 0x7fff; m = 1ull << 63; break;                            /* infinity */
	case 2: se |= 0x7fff; m |= 3ull << 62; break;                           /* QNaN */
	case 3: se |= 0x7fff; m = (m | 1) & ~(1ull << 62); m |= 1ull << 63; break; /* SNaN */
	case 4: m &= ~(1ull << 63); break;                                      /* denormal */
	case 5: m |= 1ull << 63; break;                                         /* pseudo-denormal */
	case 6: se |= (uint16_t)(1 + rnd() % 0x7ffe); m &= ~(1ull << 63); break; /* unnormal */
	case 7: se |= (uint16_t)(0x3fff + rnd() % 70); m |= 1ull << 63;         /* an integer-sized value */
		m &= ~0ull << (rnd() % 64); break;
	default: se |= (uint16_t)(rnd() % 2 ? 0x3fff - 40 + rnd() % 80 : 1 + rnd() % 0x7ffe);
		m |= 1ull << 63; break;                                         /* normal */
	}
	memcpy(p, &m, 8);
	memcpy(p + 8, &se, 2);
}

/* A random x87 state: registers, TOP, tags, FCW (PC, RC, masks), flags;
 * ES set exactly when a flag is unmasked (as the FPU keeps it). */
static void rnd_fpu(struct fpu *f)
{
	uint16_t fcw = (uint16_t)(0x40 | (rnd() & 0xf00) | (rnd() % 3 ? 0x3f : rnd() & 0x3f));
	uint16_t fsw = (uint16_t)((rnd() & 0x4700) | ((rnd() % 8) << 11) | (rnd() % 2 ? rnd() & 0x7f : 0));

	memset(f->img, 0, sizeof(f->img));
	if (fsw & ~fcw & 0x3f)
		fsw |= 0x8080;
	memcpy(f->img, &fcw, 2);
	memcpy(f->img + 2, &fsw, 2);
	switch (rnd() % 4) {
	case 0: f->img[4] = 0; break;           /* empty */
	case 1: f->img[4] = 0xff; break;        /* full */
	default: f->img[4] = (uint8_t)rnd(); break;
	}
	uint32_t mxcsr = 0x1f80;
	memcpy(f->img + 24, &mxcsr, 4);
	for (int i = 0; i < 8; i++)
		rnd_m80(f->img + 32 + 16 * i);
	f->ah = (uint8_t)(rnd() & 0xd5);
}

/* Native: the instruction with rbx set, between FXRSTOR64 and FXSAVE64 of
 * f->img, the host's own state saved around it. */
static void native_run(const uint8_t *insn, unsigned len, struct fpu *f, uint64_t rbx)
{
	alignas(16) uint8_t host[512];
	uint64_t ax = (uint64_t)f->ah << 8;

	memcpy(diff_code, insn, len);
	memcpy(diff_code + len, (uint8_t[]){ 0x41, 0xff, 0xe3 }, 3);  /* jmp *%r11 */
	__builtin___clear_cache((char *)diff_code, (char *)diff_code + len + 3);
	__asm__ volatile("fxsave64 %[h]\n\t"
			 "fxrstor64 (%[g])\n\t"
			 "push %%rbx\n\t"
			 "mov %[b], %%rbx\n\t"
			 "sahf\n\t"
			 "lea 1f(%%rip), %%r11\n\t"
			 "jmp *%[s]\n"
			 "1:\tlahf\n\t"
			 "pop %%rbx\n\t"
			 "fxsave64 (%[g])\n\t"
			 "fxrstor64 %[h]\n\t"
			 : [h] "=m"(host), "+a"(ax)
			 : [g] "r"(f->img), [s] "r"(diff_code), [b] "r"(rbx)
			 : "r11", "cc", "memory");
	f->ah = (uint8_t)(ax >> 8) & 0xd5;
}

/* The layer (bt: false) or bt runs insn from f; returns the vector or -1. */
static int emulate(const uint8_t *insn, unsigned len, struct fpu *f, uint64_t rbx, bool bt,
		   const uint8_t *buf0)
{
	struct diff_state st;

	memset(&st, 0, sizeof(st));
	st.gpr[R_RBX] = rbx;
	st.flags = f->ah;
	if (bt) {
		struct diff_bt_result res;
		memcpy(diff_bt->cpu.fx, f->img, 512);
		diff_bt_run(insn, len, &st, buf0, true, &res);
		memcpy(f->img, diff_bt->cpu.fx, 512);
		memcpy(diff_buf, diff_vm->ram + DIFF_BUF_ADDR, DIFF_BUF_SIZE);
		f->ah = (uint8_t)(res.st.flags & 0xd5);
		if (res.reason == VM_EXIT_HLT && res.rip == DIFF_CODE_GPA + len + 1)
			return -1;
		return res.vec >= 0 ? res.vec : 99;
	}
	memcpy(diff_cpu.fx, f->img, 512);
	int v = diff_emulate(insn, len, &st);
	memcpy(f->img, diff_cpu.fx, 512);
	f->ah = (uint8_t)(st.flags & 0xd5);
	return v;
}

static bool fcomi(uint8_t op, uint8_t modrm)
{
	return (op == 0xdb || op == 0xdf) && modrm >= 0xe8 && modrm <= 0xf7;
}

static bool non_waiting(uint8_t op, uint8_t modrm)
{
	unsigned reg = (modrm >> 3) & 7;

	if (modrm >= 0xc0)
		return (op == 0xdb && modrm >= 0xe0 && modrm <= 0xe4) || (op == 0xdf && modrm == 0xe0);
	return (op == 0xd9 || op == 0xdd) && reg >= 6;
}

static bool fisttp(uint8_t op, uint8_t modrm)
{
	return modrm < 0xc0 && ((modrm >> 3) & 7) == 1 && (op == 0xdb || op == 0xdd || op == 0xdf);
}

/* Same architectural result?  FCW, FSW, FTW (bytes 0-5), FOP unless an
 * environment instruction, FDP, ST0-7 (10 bytes each), flags for FCOMI. */
static bool same(const struct fpu *a, const struct fpu *b, uint8_t op, uint8_t modrm, bool env,
		 char *why, size_t wl)
{
	if (memcmp(a->img, b->img, 6)) {
		snprintf(why, wl, "FCW/FSW/FTW %02x%02x %02x%02x %02x vs %02x%02x %02x%02x %02x",
			 a->img[1], a->img[0], a->img[3], a->img[2], a->img[4],
			 b->img[1], b->img[0], b->img[3], b->img[2], b->img[4]);
		return false;
	}
	if (!env && memcmp(a->img + 6, b->img + 6, 2)) {
		snprintf(why, wl, "FOP differs");
		return false;
	}
	if (memcmp(a->img + 16, b->img + 16, 8)) {
		snprintf(why, wl, "FDP differs");
		return false;
	}
	for (int i = 0; i < 8; i++)
		if (memcmp(a->img + 32 + 16 * i, b->img + 32 + 16 * i, 10)) {
			snprintf(why, wl, "ST%d differs", i);
			return false;
		}
	if (fcomi(op, modrm) && a->ah != b->ah) {
		snprintf(why, wl, "flags %#x vs %#x", a->ah, b->ah);
		return false;
	}
	return true;
}

/* CASES random cases of one form: natively, in the layer and under bt. */
static void run_form(uint8_t op, uint8_t modrm, bool o16)
{
	uint8_t insn[8];
	unsigned len = 0;
	bool mem = modrm < 0xc0;
	int8_t disp = mem ? (int8_t)(rnd() % 64) : 0;
	uint64_t rbx = DIFF_BUF_ADDR + 64 - (uint64_t)(int64_t)disp;
	struct x86_inst in;
	char why[160] = "", dis[64];
	int bad = 0, mf = 0, ran = 0;
	uint8_t buf0[DIFF_BUF_SIZE];

	if (o16)
		insn[len++] = 0x66;
	insn[len++] = op;
	insn[len++] = mem ? (uint8_t)(modrm | 0x43) : modrm;   /* [rbx + disp8] */
	if (mem)
		insn[len++] = (uint8_t)disp;
	if (!x86_decode(insn, len, 64, &in) || in.fn != h_x87)
		return;                                 /* not an instruction: #UD, see below */
	x86_disasm(insn, len, 64, dis, sizeof(dis));
	bool env = mem && (op == 0xd9 || op == 0xdd) && (((modrm >> 3) & 7) == 4 || ((modrm >> 3) & 7) == 6);
	for (int c = 0; c < CASES && !bad; c++) {
		struct fpu nat, emu, bt;
		rnd_fpu(&nat);
		for (unsigned i = 0; i < DIFF_BUF_SIZE; i++)
			buf0[i] = (uint8_t)rnd();
		if (env && (rnd() & 1)) {
			/* A loadable environment now and then: FCW with the
			 * reserved bit 6 set, like FNSTENV writes it. */
			buf0[64] |= 0x40;
		}
		for (int k = 0; k < 2; k++) {           /* an m80 operand of a chosen class */
			if (mem && rnd() % 2)
				rnd_m80(buf0 + 64);
		}
		emu = bt = nat;
		bool pending = (nat.img[2] & ~nat.img[0] & 0x3f) != 0;
		memcpy(diff_buf, buf0, DIFF_BUF_SIZE);
		memcpy(diff_ram + DIFF_BUF_ADDR, buf0, DIFF_BUF_SIZE);
		int ve = emulate(insn, len, &emu, rbx, false, buf0);
		bool ram_ok;
		if (fisttp(op, modrm)) {
			if (ve != X86_UD)
				snprintf(why, sizeof(why), "FISTTP (SSE3 not in CPUID): vector %d, want #UD", ve),
					bad++;
			continue;
		}
		if (pending && !non_waiting(op, modrm)) {
			int vb = diff_bt ? emulate(insn, len, &bt, rbx, true, buf0) : X86_MF;
			if (ve != X86_MF || vb != X86_MF)
				snprintf(why, sizeof(why), "pending exception: layer vector %d bt %d, want #MF",
					 ve, vb), bad++;
			mf++;
			continue;
		}
		uint8_t emu_mem[DIFF_BUF_SIZE];
		memcpy(emu_mem, diff_ram + DIFF_BUF_ADDR, DIFF_BUF_SIZE);
		native_run(insn, len, &nat, rbx);
		ram_ok = !memcmp(emu_mem, diff_buf, DIFF_BUF_SIZE);
		ran++;
		if (ve != -1) {
			snprintf(why, sizeof(why), "layer raised vector %d", ve);
			bad++;
		} else if (!ram_ok) {
			snprintf(why, sizeof(why), "layer: memory differs");
			bad++;
		} else if (!same(&emu, &nat, op, modrm, env, why, sizeof(why))) {
			bad++;
		} else if (diff_bt) {
			uint8_t nat_mem[DIFF_BUF_SIZE];
			memcpy(nat_mem, diff_buf, DIFF_BUF_SIZE);
			int vb = emulate(insn, len, &bt, rbx, true, buf0);
			if (vb != -1) {
				snprintf(why, sizeof(why), "bt raised vector %d", vb);
				bad++;
			} else if (memcmp(nat_mem, diff_buf, DIFF_BUF_SIZE)) {
				snprintf(why, sizeof(why), "bt: memory differs");
				bad++;
			} else if (!same(&bt, &nat, op, modrm, env, why, sizeof(why))) {
				bad++;
			}
		}
	}
	CHECK(!bad, "x87 %s%02x %02x (%s): %d cases run natively, layer%s the same, %d #MF%s%s",
	      o16 ? "66 " : "", op, modrm, dis, ran, diff_bt ? " and bt" : "", mf, bad ? ": " : "", why);
}

int main(void)
{
	if (diff_setup()) {
		CHECK(0, "test buffers mapped");
		CHECK_EXIT();
	}
	(void)diff_run_form;                    /* x86_diff.h's integer forms: not used here */
	diff_cpu_reset();
	diff_cpu.cr0 |= 0x20;                   /* NE: x87 exceptions are #MF */
	for (unsigned op = 0xd8; op <= 0xdf; op++) {
		for (unsigned reg = 0; reg < 8; reg++)
			run_form((uint8_t)op, (uint8_t)(reg << 3), false);
		for (unsigned m = 0xc0; m <= 0xff; m++)
			run_form((uint8_t)op, (uint8_t)m, false);
	}
	/* The 16-bit environment forms. */
	run_form(0xd9, 4 << 3, true);
	run_form(0xd9, 6 << 3, true);
	run_form(0xdd, 4 << 3, true);
	run_form(0xdd, 6 << 3, true);
	CHECK_EXIT();
}
