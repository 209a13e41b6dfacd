/* FXSAVE/FXRSTOR, XSAVE/XSAVEOPT/XRSTOR (standard form; components x87
 * and SSE) and XGETBV/XSETBV over cpu->fx, which already is the FXSAVE
 * image (SDM Vol. 1, 10.5.1 and 13.4-13.9).
 *
 * The 64-bit forms (REX.W) keep 64-bit FIP/FDP; the others store FIP/FDP
 * bits 31:0 and FCS/FDS as 0 (CPUID.7:EBX[13] says FCS/FDS are
 * deprecated).  An AMD vCPU follows AMD's rules for the pointers and
 * FSW.ES (x87_out, x87_in_amd).  Bytes 464-511 of the legacy region are never written.
 * XINUSE is computed from the state (a component not in its initial
 * configuration is in use), which the SDM allows. */
#include <stdalign.h>

#include "engines/x86/ops_list.h"
#include "engines/x86/sse.h"
#include "engines/x86/x87.h"

#define CR4_OSFXSR (1ull << 9)
#define CR4_OSXSAVE (1ull << 18)

static bool rex_w(const struct x86_inst *in)
{
	for (unsigned k = 0; k < in->len; k++) {
		uint8_t b = in->bytes[k];
		if (in->mode == 64 && (b & 0xf0) == 0x40)
			return b & 8;
		if (!x86_legacy_prefix(b))
			return false;
	}
	return false;
}

/* The memory operand's linear address, aligned to align or #GP(0). */
static uint64_t operand(struct x86_cpu *cpu, const struct x86_inst *in, uint64_t align)
{
	for (int i = 0; i < in->nops; i++) {
		if (in->op[i].kind != OP_MEM)
			continue;
		uint64_t lin = mem_lin(cpu, in, &in->op[i]);
		if (lin & (align - 1))
			x86_gp(cpu, 0);
		return lin;
	}
	x86_ud(cpu);
}

/* XMM registers FXSAVE and XSAVE cover: 16 in 64-bit mode, else 8. */
static unsigned xmm_bytes(const struct x86_cpu *cpu)
{
	return (cpu->mode == 64 ? 16u : 8u) * 16u;
}

/* The x87 part of an image (bytes 0-23 and 32-159) from cpu->fx, FIP and
 * FDP in the 32-bit form unless w.  AMD (the APM's FXSAVE; measured on
 * Zen 4) saves FOP, FIP and FDP only while FSW.ES says an unmasked
 * exception is pending, zeros otherwise. */
static void x87_out(const struct x86_cpu *cpu, uint8_t *img, bool w)
{
	uint16_t fsw;

	memcpy(img, cpu->fx, 24);
	memcpy(img + 32, cpu->fx + 32, 128);
	memcpy(&fsw, img + 2, 2);
	if (x86_vendor_amd() && !(fsw & FSW_ES))
		memset(img + 6, 0, 18);
	if (!w) {
		memset(img + 12, 0, 4);         /* FCS, reserved */
		memset(img + 20, 0, 4);         /* FDS, reserved */
	}
}

/* AMD keeps FIP and FDP as bits 55:0 and one bit for "any of 62:56 set",
 * which reads back as all ones in 63:56 (bit 63 is dropped), and derives
 * FSW.ES and B from the exception flags and masks instead of loading
 * them (measured on Zen 4; the APM is silent). */
static uint64_t x87_pointer_amd(uint64_t p)
{
	return (p & 0x00ffffffffffffffull) | (p & 0x7f00000000000000ull ? 0xff00000000000000ull : 0);
}

static void x87_in_amd(struct x86_cpu *cpu)
{
	uint16_t fcw, fsw;
	uint64_t fip, fdp;

	memcpy(&fcw, cpu->fx, 2);
	memcpy(&fsw, cpu->fx + 2, 2);
	fsw &= (uint16_t)~(FSW_ES | FSW_B);
	if (fsw & ~fcw & 0x3f)
		fsw |= FSW_ES | FSW_B;
	memcpy(cpu->fx + 2, &fsw, 2);
	memcpy(&fip, cpu->fx + 8, 8);
	memcpy(&fdp, cpu->fx + 16, 8);
	fip = x87_pointer_amd(fip);
	fdp = x87_pointer_amd(fdp);
	memcpy(cpu->fx + 8, &fip, 8);
	memcpy(cpu->fx + 16, &fdp, 8);
}

static void x87_in(struct x86_cpu *cpu, const uint8_t *img, bool w)
{
	memcpy(cpu->fx, img, 24);
	cpu->fx[5] = 0;                         /* reserved beside the abridged FTW */
	cpu->fx[7] &= 7;                        /* FOP is 11 bits */
	if (!w) {
		memset(cpu->fx + 12, 0, 4);
		memset(cpu->fx + 20, 0, 4);
	}
	if (x86_vendor_amd())
		x87_in_amd(cpu);
	for (int i = 0; i < 8; i++) {
		memcpy(cpu->fx + 32 + 16 * i, img + 32 + 16 * i, 10);
		memset(cpu->fx + 42 + 16 * i, 0, 6);
	}
}

static void x87_init(struct x86_cpu *cpu)
{
	memset(cpu->fx, 0, 24);
	memset(cpu->fx + 32, 0, 128);
	cpu->fx[0] = 0x7f;
	cpu->fx[1] = 0x03;
}

static uint32_t mxcsr_of(const uint8_t *img)
{
	uint32_t v;

	memcpy(&v, img + 24, 4);
	return v;
}

static void check_mxcsr(struct x86_cpu *cpu, uint32_t v)
{
	if (v & ~x86_mxcsr_mask())
		x86_gp(cpu, 0);
}

static void mxcsr_out(uint8_t *img, const struct x86_cpu *cpu)
{
	uint32_t mask = x86_mxcsr_mask();

	memcpy(img + 24, cpu->fx + 24, 4);
	memcpy(img + 28, &mask, 4);
}

/* FXSAVE/FXRSTOR's checks (#NM, a 16-byte aligned operand): its address;
 * *n the bytes they cover. */
static uint64_t fx_operand(struct x86_cpu *cpu, const struct x86_inst *in, unsigned *n)
{
	x86_x87_check_nm(cpu);
	*n = 160 + xmm_bytes(cpu);
	return operand(cpu, in, 16);
}

HANDLER(h_fxsave)
{
	alignas(16) uint8_t img[512];
	unsigned n;
	uint64_t lin = fx_operand(cpu, in, &n);

	x86_read_block(cpu, lin, n, img);       /* bytes it does not define stay */
	x86_probe_write(cpu, lin, n);
	x87_out(cpu, img, rex_w(in));
	mxcsr_out(img, cpu);
	memcpy(img + 160, cpu->fx + 160, n - 160);
	x86_write_block(cpu, lin, n, img);
	return advance(cpu, in);
}

HANDLER(h_fxrstor)
{
	alignas(16) uint8_t img[512];
	unsigned n;
	uint64_t lin = fx_operand(cpu, in, &n);

	x86_read_block(cpu, lin, n, img);
	check_mxcsr(cpu, mxcsr_of(img));
	x87_in(cpu, img, rex_w(in));
	memcpy(cpu->fx + 24, img + 24, 4);
	memcpy(cpu->fx + 160, img + 160, n - 160);
	return advance(cpu, in);
}

/* XINUSE: the components not in their initial configuration. */
static uint64_t xinuse(const struct x86_cpu *cpu)
{
	static const uint8_t zero[256];
	uint64_t u = 0;
	uint8_t x87[160];

	memset(x87, 0, sizeof(x87));
	x87[0] = 0x7f;
	x87[1] = 0x03;
	if (memcmp(cpu->fx, x87, 24) || memcmp(cpu->fx + 32, x87 + 32, 128))
		u |= 1;
	/* SSE: the XMM registers alone (MXCSR is saved with it whatever
	 * XINUSE says, SDM Vol. 1, 13.6; the host agrees). */
	if (memcmp(cpu->fx + 160, zero, xmm_bytes(cpu)))
		u |= 2;
	return u;
}

/* Requested-feature bitmap: XCR0 and EDX:EAX. */
static uint64_t rfbm(const struct x86_cpu *cpu)
{
	return cpu->xcr0 & ((cpu->gpr[R_RDX] << 32) | (uint32_t)cpu->gpr[R_RAX]);
}

static void xsave_checks(struct x86_cpu *cpu)
{
	if (!(cpu->cr4 & CR4_OSXSAVE))
		x86_ud(cpu);
	if (cpu->cr0 & CR0_TS)
		x86_raise(cpu, X86_NM, 0, 0);
}

static int do_xsave(struct x86_cpu *cpu, const struct x86_inst *in, bool opt)
{
	alignas(64) uint8_t img[X86_XSAVE_SIZE];
	uint64_t lin, rf, used, bv;

	xsave_checks(cpu);
	lin = operand(cpu, in, 64);
	rf = rfbm(cpu);
	used = xinuse(cpu);
	x86_read_block(cpu, lin, sizeof(img), img);
	x86_probe_write(cpu, lin, sizeof(img));
	/* XSAVEOPT's init optimization: a component not in use is not
	 * written, its XSTATE_BV bit says so. */
	if ((rf & 1) && (!opt || (used & 1)))
		x87_out(cpu, img, rex_w(in));
	if (rf & 2)
		mxcsr_out(img, cpu);
	if ((rf & 2) && (!opt || (used & 2)))
		memcpy(img + 160, cpu->fx + 160, xmm_bytes(cpu));
	memcpy(&bv, img + 512, 8);
	bv = (bv & ~rf) | (used & rf);
	memcpy(img + 512, &bv, 8);
	x86_write_block(cpu, lin, sizeof(img), img);
	return advance(cpu, in);
}

HANDLER(h_xsave)
{
	return do_xsave(cpu, in, false);
}

HANDLER(h_xsaveopt)
{
	return do_xsave(cpu, in, true);
}

HANDLER(h_xrstor)
{
	alignas(64) uint8_t img[X86_XSAVE_SIZE];
	static const uint8_t zero[16];
	uint64_t lin, rf, bv;

	xsave_checks(cpu);
	lin = operand(cpu, in, 64);
	rf = rfbm(cpu);
	x86_read_block(cpu, lin, sizeof(img), img);
	memcpy(&bv, img + 512, 8);
	/* Standard form: XCOMP_BV and the next 8 bytes zero, XSTATE_BV
	 * within XCR0 (SDM Vol. 1, 13.8.1). */
	if ((bv & ~cpu->xcr0) || memcmp(img + 520, zero, 16))
		x86_gp(cpu, 0);
	if (rf & 2)
		check_mxcsr(cpu, mxcsr_of(img));
	if (rf & 1) {
		if (bv & 1)
			x87_in(cpu, img, rex_w(in));
		else
			x87_init(cpu);
	}
	if (rf & 2) {
		memcpy(cpu->fx + 24, img + 24, 4);
		if (bv & 2)
			memcpy(cpu->fx + 160, img + 160, xmm_bytes(cpu));
		else
			memset(cpu->fx + 160, 0, xmm_bytes(cpu));
	}
	return advance(cpu, in);
}

HANDLER(h_xgetbv)
{
	if (!(cpu->cr4 & CR4_OSXSAVE))
		x86_ud(cpu);
	if ((uint32_t)cpu->gpr[R_RCX] != 0)     /* XCR0 only (no XGETBV with ECX=1) */
		x86_gp(cpu, 0);
	set_reg(cpu, R_RAX, 4, false, (uint32_t)cpu->xcr0);
	set_reg(cpu, R_RDX, 4, false, cpu->xcr0 >> 32);
	return advance(cpu, in);
}

HANDLER(h_xsetbv)
{
	uint64_t v = (cpu->gpr[R_RDX] << 32) | (uint32_t)cpu->gpr[R_RAX];

	if (!(cpu->cr4 & CR4_OSXSAVE))
		x86_ud(cpu);
	if (cpu->cpl != 0 || (uint32_t)cpu->gpr[R_RCX] != 0)
		x86_gp(cpu, 0);
	/* x87 always on; nothing the vCPU does not support. */
	if (!(v & 1) || (v & ~X86_XCR0_SUPPORTED))
		x86_gp(cpu, 0);
	cpu->xcr0 = v;
	return advance(cpu, in);
}
