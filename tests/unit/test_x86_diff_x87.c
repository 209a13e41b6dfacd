/* x87 differential test: every x87 form (D8-DF, register and memory
 * forms, the memory operand as [rbx + disp8]) from random FPU states —
 * NaNs, infinities, denormals, pseudo-denormals, unnormals, every
 * precision and rounding control, masked and unmasked exceptions, full
 * and empty stacks — run natively on the host CPU, in the semantics layer
 * and under bt, comparing FCW, FSW (C0-C3, TOP, flags, ES), the abridged
 * FTW, FOP, FDP, ST0-7, the memory buffer, ZF/PF/CF for FCOMI, and the
 * exception raised (#MF for a waiting instruction with an exception
 * pending, #UD for FISTTP, SSE3 not being in the vCPU's CPUID).  Then
 * FWAIT's #MF, FXSAVE/FXRSTOR and XSAVE/XRSTOR against images the host
 * produced and their faults, XGETBV/XSETBV, and #PF before any change
 * (#NM for CR0.EM/TS/MP: test_x86_isa.c). */
#include <stdalign.h>

#include "engines/x86/sse.h"
#include "tests/unit/long_mode.h"
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

/* A random FXSAVE image: x87 state, a valid MXCSR, XMM0-15; FIP/FDP random
 * 48-bit, FOP 11 bits. */
static void rnd_image(uint8_t *img)
{
	struct fpu f;
	uint32_t mxcsr = (uint32_t)rnd() & 0xffbf;      /* valid bits; DAZ left out */
	uint64_t fip = rnd() & 0xffffffffffffull, fdp = rnd() & 0xffffffffffffull;
	uint16_t fop = (uint16_t)(rnd() & 0x7ff);

	rnd_fpu(&f);
	memcpy(img, f.img, 512);
	memcpy(img + 6, &fop, 2);
	memcpy(img + 8, &fip, 8);
	memcpy(img + 16, &fdp, 8);
	memcpy(img + 24, &mxcsr, 4);
	for (int i = 160; i < 416; i++)
		img[i] = (uint8_t)rnd();
}

/* The host's FXSAVE (w: FXSAVE64) of state img into out. */
static void native_fxsave(const uint8_t *img, uint8_t *out, bool w)
{
	alignas(16) uint8_t host[512], tmp[512];

	memcpy(tmp, img, 512);
	if (w)
		__asm__ volatile("fxsave64 %0\n\tfxrstor64 %2\n\tfxsave64 %1\n\tfxrstor64 %0"
				 : "+m"(host), "=m"(*(uint8_t (*)[512])out) : "m"(tmp) : "memory");
	else
		__asm__ volatile("fxsave64 %0\n\tfxrstor64 %2\n\tfxsave %1\n\tfxrstor64 %0"
				 : "+m"(host), "=m"(*(uint8_t (*)[512])out) : "m"(tmp) : "memory");
}

/* Run one instruction with rbx = DIFF_BUF_ADDR in the layer; the vector. */
static int step_rbx(const uint8_t *insn, unsigned len, uint64_t rax, uint64_t rcx, uint64_t rdx)
{
	struct diff_state st;

	memset(&st, 0, sizeof(st));
	st.gpr[R_RBX] = DIFF_BUF_ADDR;
	st.gpr[R_RAX] = rax;
	st.gpr[R_RCX] = rcx;
	st.gpr[R_RDX] = rdx;
	return diff_emulate(insn, len, &st);
}

/* FXSAVE and FXSAVE64 of random states: the guest's image against the
 * host's, byte for byte, bytes 464-511 left as they were. */
static void fxsave_images(void)
{
	int bad = 0;
	char why[120] = "";

	for (int c = 0; c < 200 && !bad; c++) {
		alignas(16) uint8_t img[512], want[512];
		bool w = c & 1;
		rnd_image(img);
		uint8_t fill[512];
		for (int i = 0; i < 512; i++)
			fill[i] = want[i] = (uint8_t)rnd();
		native_fxsave(img, want, w);
		/* MXCSR_MASK is the vCPU's: the host's less AMD's MM bit,
		 * which CPUID does not advertise (ops_sse.c). */
		uint32_t mask = x86_mxcsr_mask();
		memcpy(want + 28, &mask, 4);
		/* The state is what FXRSTOR64 of img makes of it, as on the host
		 * (AMD, for one, derives FSW.ES instead of loading it). */
		static const uint8_t fr64[] = { 0x48, 0x0f, 0xae, 0x0b };
		memcpy(diff_ram + DIFF_BUF_ADDR, img, 512);
		int vr = step_rbx(fr64, 4, 0, 0, 0);
		memcpy(diff_ram + DIFF_BUF_ADDR, fill, 512);    /* FXSAVE keeps 464-511 (and 416-463 outside 64-bit mode) */
		static const uint8_t fx64[] = { 0x48, 0x0f, 0xae, 0x03 }, fx32[] = { 0x0f, 0xae, 0x03 };
		int v = vr != -1 ? vr : w ? step_rbx(fx64, 4, 0, 0, 0) : step_rbx(fx32, 3, 0, 0, 0);
		if (v != -1) {
			snprintf(why, sizeof(why), "vector %d", v);
			bad++;
		} else {
			for (int i = 0; i < 512; i++)
				if (diff_ram[DIFF_BUF_ADDR + i] != want[i]) {
					snprintf(why, sizeof(why), "%s: byte %d is %02x, host %02x",
						 w ? "FXSAVE64" : "FXSAVE", i, diff_ram[DIFF_BUF_ADDR + i], want[i]);
					bad++;
					break;
				}
		}
	}
	CHECK(!bad, "FXSAVE, FXSAVE64 of 200 random states: the host's image byte for byte%s%s",
	      bad ? ": " : "", why);
}

/* FXRSTOR64 of random images, then the state compared with what the
 * host holds after FXRSTOR64 of the same image, both seen through
 * FXSAVE64. */
static void fxrstor_images(void)
{
	int bad = 0;
	char why[120] = "";

	for (int c = 0; c < 200 && !bad; c++) {
		alignas(16) uint8_t img[512], want[512];
		rnd_image(img);
		memcpy(diff_ram + DIFF_BUF_ADDR, img, 512);
		native_fxsave(img, want, true);
		/* The state as FXSAVE64 shows it: what software can see (AMD
		 * keeps FIP/FDP/FOP but shows them only while FSW.ES is set). */
		static const uint8_t fr64[] = { 0x48, 0x0f, 0xae, 0x0b }, fx64[] = { 0x48, 0x0f, 0xae, 0x03 };
		int v = step_rbx(fr64, 4, 0, 0, 0);
		if (v == -1)
			v = step_rbx(fx64, 4, 0, 0, 0);
		if (v != -1) {
			snprintf(why, sizeof(why), "vector %d", v);
			bad++;
			break;
		}
		for (int i = 0; i < 416 && !bad; i++) {
			if (i >= 28 && i < 32)
				continue;                       /* MXCSR_MASK: not state */
			if (i >= 32 && i < 160 && (i - 32) % 16 >= 10)
				continue;                       /* reserved beside each ST */
			if (diff_ram[DIFF_BUF_ADDR + i] != want[i]) {
				snprintf(why, sizeof(why), "state byte %d is %02x, host %02x", i,
					 diff_ram[DIFF_BUF_ADDR + i], want[i]);
				bad++;
			}
		}
	}
	CHECK(!bad, "FXRSTOR64 of 200 random images: the state the host loads%s%s", bad ? ": " : "", why);

	/* Faults: misaligned, MXCSR reserved bits; the state unchanged. */
	static const uint8_t fr_off[] = { 0x48, 0x0f, 0xae, 0x4b, 0x08 };     /* fxrstor64 [rbx+8] */
	uint8_t before[512];
	memcpy(before, diff_cpu.fx, 512);
	int v1 = step_rbx(fr_off, 5, 0, 0, 0);
	uint32_t bad_mxcsr = 0x10000;
	memcpy(diff_ram + DIFF_BUF_ADDR + 24, &bad_mxcsr, 4);
	static const uint8_t fr64[] = { 0x48, 0x0f, 0xae, 0x0b };
	int v2 = step_rbx(fr64, 4, 0, 0, 0);
	CHECK(v1 == X86_GP && v2 == X86_GP && !memcmp(before, diff_cpu.fx, 512),
	      "FXRSTOR: 8-byte aligned #GP (vector %d), MXCSR bit 16 #GP (vector %d), state unchanged",
	      v1, v2);
}

/* XSAVE/XRSTOR: XRSTOR of a random image (XSTATE_BV 3, then 0: the
 * initial configuration), XSAVE back, against the host doing the same;
 * then the checks: alignment, XSTATE_BV outside XCR0, XCOMP_BV, XSETBV,
 * XGETBV, CR4.OSXSAVE. */
static void xsave_images(void)
{
	static const uint8_t xrstor64[] = { 0x48, 0x0f, 0xae, 0x2b }, xsave64[] = { 0x48, 0x0f, 0xae, 0x23 };
	static const uint8_t xsave_off[] = { 0x48, 0x0f, 0xae, 0x63, 0x20 };   /* xsave64 [rbx+0x20] */
	static const uint8_t xsetbv[] = { 0x0f, 0x01, 0xd1 }, xgetbv[] = { 0x0f, 0x01, 0xd0 };
	int bad = 0;
	char why[120] = "";

	diff_cpu.cr4 |= 1ull << 18;             /* OSXSAVE */
	int vs = step_rbx(xsetbv, 3, 3, 0, 0);
	for (int c = 0; c < 100 && !bad && vs == -1; c++) {
		alignas(64) uint8_t img[4096], want[4096], host[4096];
		uint64_t bv = c & 1 ? 3 : 0;
		rnd_image(img);
		memset(img + 512, 0, 64);
		memcpy(img + 512, &bv, 8);
		memcpy(diff_ram + DIFF_BUF_ADDR, img, 1024);
		/* The host's XSTATE_BV (byte 512) is its XINUSE, which may be set
		 * for a component in its initial state (SDM 13.6): an interrupt
		 * between the XRSTOR64 and the XSAVE64 (the host kernel restoring
		 * this thread's state) can leave SSE marked in use.  A difference
		 * there alone asks the host again, up to 3 times. */
		for (int tries = 0; tries < 3; tries++) {
			memset(want, 0, 1024);
			__asm__ volatile("fxsave64 %0\n\txrstor64 %1\n\txsave64 %2\n\tfxrstor64 %0"
					 : "+m"(*(uint8_t (*)[512])host) : "m"(*(uint8_t (*)[1024])img),
					   "m"(*(uint8_t (*)[1024])want), "a"(3), "d"(0) : "memory");
			if (want[512] == (uint8_t)bv)
				break;
		}
		int v = step_rbx(xrstor64, 4, 3, 0, 0);
		memset(diff_ram + DIFF_BUF_ADDR, 0, 1024);
		int v2 = step_rbx(xsave64, 4, 3, 0, 0);
		if (v != -1 || v2 != -1) {
			snprintf(why, sizeof(why), "vectors %d %d", v, v2);
			bad++;
			break;
		}
		for (int i = 0; i < 520 && !bad; i++) {
			if ((i >= 28 && i < 32) || (i >= 416 && i < 512))
				continue;               /* MXCSR_MASK; reserved, software */
			if (i >= 32 && i < 160 && (i - 32) % 16 >= 10)
				continue;
			if (diff_ram[DIFF_BUF_ADDR + i] != want[i]) {
				snprintf(why, sizeof(why), "XSTATE_BV %llu: byte %d is %02x, host %02x",
					 (unsigned long long)bv, i, diff_ram[DIFF_BUF_ADDR + i], want[i]);
				bad++;
			}
		}
	}
	CHECK(vs == -1 && !bad, "XRSTOR64 then XSAVE64 of 100 random images (XSTATE_BV 3 and 0): the "
	      "host's bytes and XSTATE_BV%s%s", bad ? ": " : "", why);

	uint64_t hdr[2] = { 4, 0 };
	memcpy(diff_ram + DIFF_BUF_ADDR + 512, hdr, 16);
	int g1 = step_rbx(xrstor64, 4, 3, 0, 0);
	hdr[0] = 1;
	hdr[1] = 1ull << 63;
	memcpy(diff_ram + DIFF_BUF_ADDR + 512, hdr, 16);
	int g2 = step_rbx(xrstor64, 4, 3, 0, 0);
	int g3 = step_rbx(xsave_off, 5, 3, 0, 0);
	int g4 = step_rbx(xsetbv, 3, 2, 0, 0);          /* x87 off */
	int g5 = step_rbx(xsetbv, 3, 7, 0, 0);          /* AVX: not supported */
	int g6 = step_rbx(xsetbv, 3, 3, 1, 0);          /* XCR1 */
	CHECK(g1 == X86_GP && g2 == X86_GP && g3 == X86_GP && g4 == X86_GP && g5 == X86_GP && g6 == X86_GP,
	      "#GP: XRSTOR with XSTATE_BV bit 2 (%d), with XCOMP_BV (%d); XSAVE 32-byte aligned (%d); "
	      "XSETBV 2 (%d), 7 (%d), ECX=1 (%d)", g1, g2, g3, g4, g5, g6);
	struct diff_state st;
	memset(&st, 0, sizeof(st));
	int gv = diff_emulate(xgetbv, 3, &st);
	CHECK(gv == -1 && st.gpr[R_RAX] == 3 && st.gpr[R_RDX] == 0, "XGETBV reads XCR0 = 3 (vector %d, "
	      "edx:eax %#llx:%#llx)", gv, (unsigned long long)st.gpr[R_RDX], (unsigned long long)st.gpr[R_RAX]);
	diff_cpu.cr4 &= ~(1ull << 18);
	int u1 = step_rbx(xgetbv, 3, 0, 0, 0), u2 = step_rbx(xsave64, 4, 3, 0, 0);
	CHECK(u1 == X86_UD && u2 == X86_UD, "CR4.OSXSAVE=0: XGETBV #UD (%d), XSAVE #UD (%d)", u1, u2);
}

/* With paging on: an x87 store and FXSAVE to a read-only page, an x87
 * load from a page not present raise #PF with the x87 state and memory
 * unchanged (the operand is read, and a store's pages probed, first). */
static void page_faults(void)
{
	struct x86_cpu *c = &diff_cpu;
	static const uint8_t fstp[] = { 0xdb, 0x3b }, fld[] = { 0xdb, 0x2b }, fxsave[] = { 0x0f, 0xae, 0x03 };
	static const uint8_t fld1[] = { 0xd9, 0xe8 };
	uint8_t before[512], mem[64];
	uint64_t cr0 = c->cr0, cr4 = c->cr4;
	struct diff_state st;

	memset(diff_ram + 0x300000, 0, 0x3000);
	lm_put64(diff_ram, 0x300000, 0x301003);
	lm_put64(diff_ram, 0x301000, 0x302003);
	lm_put64(diff_ram, 0x302000, 0x83);                     /* 0-2 MiB: writable */
	lm_put64(diff_ram, 0x302008, 0x200081);                 /* 2-4 MiB: read-only */
	c->cr3 = 0x300000;
	c->cr0 |= CR0_PG | CR0_WP;
	c->cr4 |= CR4_PAE;
	x86_update_mode(c);
	x86_tlb_flush(c, false);
	memset(&st, 0, sizeof(st));
	int v0 = diff_emulate(fld1, 2, &st);                    /* something on the stack */
	memcpy(before, c->fx, 512);
	memcpy(mem, diff_ram + DIFF_BUF_ADDR, sizeof(mem));
	int v1 = step_rbx(fstp, 2, 0, 0, 0);
	bool same1 = !memcmp(before, c->fx, 512) && !memcmp(mem, diff_ram + DIFF_BUF_ADDR, sizeof(mem));
	uint64_t cr2a = c->cr2;
	int v2 = step_rbx(fxsave, 3, 0, 0, 0);
	bool same2 = !memcmp(mem, diff_ram + DIFF_BUF_ADDR, sizeof(mem));
	memset(&st, 0, sizeof(st));
	st.gpr[R_RBX] = 0x400000 - 4;                           /* 4 bytes in, 6 in no page */
	int v3 = diff_emulate(fld, 2, &st);
	bool same3 = !memcmp(before, c->fx, 512);
	CHECK(v0 == -1 && v1 == X86_PF && cr2a == DIFF_BUF_ADDR && same1 && v2 == X86_PF && same2 &&
	      v3 == X86_PF && c->cr2 == 0x400000 && same3,
	      "#PF before any change: FSTP m80 to a read-only page (vector %d, cr2 %#llx, state and "
	      "memory %s), FXSAVE there (vector %d), FLD m80 across into no page (vector %d, cr2 %#llx, "
	      "state %s)", v1, (unsigned long long)cr2a, same1 ? "unchanged" : "CHANGED", v2, v3,
	      (unsigned long long)c->cr2, same3 ? "unchanged" : "CHANGED");
	c->cr0 = cr0;
	c->cr4 = cr4;
	x86_update_mode(c);
	x86_tlb_flush(c, false);
}

/* FWAIT: #MF exactly when an unmasked exception is pending. */
/* One instruction from a random x87 state f: its vector (-1: none);
 * *pending says whether an unmasked exception was pending. */
static int emulate_random(const uint8_t *insn, unsigned len, struct fpu *f, bool *pending)
{
	struct diff_state st;

	rnd_fpu(f);
	*pending = (f->img[2] & ~f->img[0] & 0x3f) != 0;
	memcpy(diff_cpu.fx, f->img, 512);
	memset(&st, 0, sizeof(st));
	return diff_emulate(insn, len, &st);
}

static void fwait_mf(void)
{
	static const uint8_t fwait[] = { 0x9b };
	int bad = 0, mf = 0;

	for (int c = 0; c < 200; c++) {
		struct fpu f;
		bool pending;
		int v = emulate_random(fwait, sizeof(fwait), &f, &pending);
		bad += v != (pending ? X86_MF : -1);
		mf += pending;
	}
	CHECK(!bad && mf > 10, "FWAIT of 200 random states: #MF exactly the %d with an unmasked exception "
	      "pending (%d wrong)", mf, bad);
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
	fxsave_images();
	fxrstor_images();
	xsave_images();
	page_faults();
	fwait_mf();
	CHECK_EXIT();
}
