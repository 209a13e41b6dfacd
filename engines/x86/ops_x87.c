/* The x87 FPU (opcodes D8-DF) and FWAIT, run as the very same instruction
 * on the host: exact results, flags, tags and exceptions by construction,
 * as alu.c does for the integer flags.
 *
 * How: the guest's x87 state (cpu->fx, FXSAVE layout) goes into the host's
 * FPU by FXRSTOR64, a stub holding the guest's opcode and ModRM runs (a
 * memory operand rewritten to [rdi], a host buffer filled from guest memory
 * through x86_read beforehand, so page faults are raised before any state
 * changes), FXSAVE64 takes the state back, and the host's own FPU state is
 * saved and restored around it all.  Stores go to guest memory only after
 * the stub ran, and commit the new state only when they did not fault.
 * FIP/FDP/FOP the host wrote (the stub's addresses) become the guest's.
 *
 * Exceptions: #NM for CR0.EM or CR0.TS (FWAIT: TS with MP); a waiting
 * instruction with an unmasked exception pending raises #MF (CR0.NE=1; the
 * legacy FERR# path of CR0.NE=0 stops the VM with a clear error). */
#include <stdalign.h>

#include "engines/x86/features.h"
#include "engines/x86/ops_list.h"
#include "engines/x86/x87.h"

#define X86_MF 16
#define STUB 8                  /* bytes per stub: [66] opcode modrm; jmp *%r11 */

/* One stub per (0x66 or not, opcode D8-DF, ModRM byte).  Memory forms are
 * used with mod 00, rm 111: [rdi]. */
__asm__(
	".pushsection .text\n"
	".macro RB_X87_STUBS pfx:vararg\n"
	".set rb_x87_op, 0xd8\n"
	".rept 8\n"
	".set rb_x87_m, 0\n"
	".rept 256\n"
	".balign 8\n"
	".byte \\pfx rb_x87_op, rb_x87_m\n"
	"jmp *%r11\n"
	".set rb_x87_m, rb_x87_m + 1\n"
	".endr\n"
	".set rb_x87_op, rb_x87_op + 1\n"
	".endr\n"
	".endm\n"
	".balign 64\n"
	".globl x86_x87_stubs\n"
	".hidden x86_x87_stubs\n"
	"x86_x87_stubs:\n"
	"RB_X87_STUBS\n"
	"RB_X87_STUBS 0x66,\n"
	".purgem RB_X87_STUBS\n"
	".popsection\n");

extern const char x86_x87_stubs[];

/* FSW fields */
#define FSW_ES 0x80u
#define FSW_B 0x8000u

static uint16_t fx16(const struct x86_cpu *cpu, unsigned off)
{
	uint16_t v;

	memcpy(&v, cpu->fx + off, 2);
	return v;
}

void x86_x87_reset(struct x86_cpu *cpu)
{
	/* Power-up and RESET state, SDM Vol. 3A Table 9-1: FCW 0040H, FSW 0,
	 * FTW 5555H (every register a valid zero: abridged FFH), registers
	 * +0.0, FIP/FDP/FOP 0.  MXCSR belongs to the SSE code. */
	uint8_t mxcsr[8];

	memcpy(mxcsr, cpu->fx + 24, 8);
	memset(cpu->fx, 0, 160);
	memcpy(cpu->fx + 24, mxcsr, 8);
	cpu->fx[0] = 0x40;
	cpu->fx[4] = 0xff;
	cpu->xcr0 = 1;
}

void x86_x87_check_nm(struct x86_cpu *cpu)
{
	if (cpu->cr0 & (CR0_EM | CR0_TS))
		x86_raise(cpu, X86_NM, 0, 0);
}

bool x86_x87_pending(const struct x86_cpu *cpu)
{
	return (fx16(cpu, 2) & ~fx16(cpu, 0) & 0x3f) != 0;
}

/* A waiting instruction: #MF when an unmasked exception is pending. */
static void check_mf(struct x86_cpu *cpu)
{
	if (!x86_x87_pending(cpu))
		return;
	if (!(cpu->cr0 & 0x20)) {      /* CR0.NE */
		x86_internal_error(cpu, "x87 exception with CR0.NE=0 (FERR#/IRQ 13) at rip %#llx: "
				   "not implemented", (unsigned long long)cpu->rip);
		x86_exit_now(cpu);
	}
	x86_raise(cpu, X86_MF, 0, 0);
}

HANDLER(h_fwait)
{
	if ((cpu->cr0 & CR0_TS) && (cpu->cr0 & 2))     /* TS with MP */
		x86_raise(cpu, X86_NM, 0, 0);
	check_mf(cpu);
	return advance(cpu, in);
}

/* EMMS (SDM Vol. 2A; Vol. 3A 12.2: as every MMX instruction, TOP becomes
 * 0): every x87 tag empty (the abridged tag byte of the image 0).  The
 * image keeps ST(i) in stack order: TOP's change rotates the slots so
 * each physical register keeps its value.  Its checks are x87's: #UD with
 * CR0.EM, #NM with CR0.TS, #MF for a pending unmasked exception.  Linux
 * runs it on AMD CPUs without XSAVEERPTR (FNCLEX; EMMS; FILD before it
 * restores a task's FPU state). */
HANDLER(h_emms)
{
	uint8_t st[128];
	uint16_t fsw = fx16(cpu, 2);
	unsigned top = (fsw >> 11) & 7;

	if (cpu->cr0 & CR0_EM)
		x86_ud(cpu);
	x86_x87_check_nm(cpu);
	check_mf(cpu);
	for (unsigned i = 0; i < 8; i++)        /* new ST(i) is physical i, old ST(i - top) */
		memcpy(st + 16 * i, cpu->fx + 32 + 16 * ((i - top) & 7), 16);
	memcpy(cpu->fx + 32, st, sizeof(st));
	fsw &= (uint16_t)~(7u << 11);
	memcpy(cpu->fx + 2, &fsw, 2);
	cpu->fx[4] = 0;
	return advance(cpu, in);
}

/* The non-waiting forms: FNINIT, FNCLEX, FNSTCW, FNSTSW, FNSTENV, FNSAVE
 * and the 8087/287 leftovers FNENI, FNDISI, FNSETPM (DB E0, E1, E4). */
static bool non_waiting(uint8_t op, uint8_t modrm)
{
	unsigned reg = (modrm >> 3) & 7;

	if (modrm >= 0xc0)
		return (op == 0xdb && (modrm == 0xe0 || modrm == 0xe1 || modrm == 0xe2 ||
				       modrm == 0xe3 || modrm == 0xe4)) ||
		       (op == 0xdf && modrm == 0xe0);
	return (op == 0xd9 && (reg == 6 || reg == 7)) || (op == 0xdd && (reg == 6 || reg == 7));
}

/* A memory form's operand: bytes and direction (0: not an instruction). */
enum { M_READ = 1, M_WRITE = 2 };
static unsigned mem_form(uint8_t op, unsigned reg, bool o16, int *dir)
{
	static const uint8_t size[8][8] = {
		{ 4, 4, 4, 4, 4, 4, 4, 4 },             /* D8: m32fp arithmetic */
		{ 4, 0, 4, 4, 28, 2, 28, 2 },           /* D9: FLD, FST(P), FLDENV, FLDCW, FNSTENV, FNSTCW */
		{ 4, 4, 4, 4, 4, 4, 4, 4 },             /* DA: m32int arithmetic */
		{ 4, 4, 4, 4, 0, 10, 0, 10 },           /* DB: FILD, FISTTP, FIST(P), FLD m80, FSTP m80 */
		{ 8, 8, 8, 8, 8, 8, 8, 8 },             /* DC: m64fp arithmetic */
		{ 8, 8, 8, 8, 108, 0, 108, 2 },         /* DD: FLD, FISTTP, FST(P), FRSTOR, FNSAVE, FNSTSW */
		{ 2, 2, 2, 2, 2, 2, 2, 2 },             /* DE: m16int arithmetic */
		{ 2, 2, 2, 2, 10, 8, 10, 8 },           /* DF: FILD, FISTTP, FIST(P), FBLD, FILD m64, FBSTP, FISTP m64 */
	};
	static const uint8_t writes[8] = { 0, 0xcc, 0, 0x8e, 0, 0xce, 0, 0xce };
	unsigned n = size[op - 0xd8][reg];

	*dir = (writes[op - 0xd8] >> reg) & 1 ? M_WRITE : M_READ;
	if (o16 && n == 28)
		n = 14;
	if (o16 && n == 108)
		n = 94;
	return n;
}

/* Run the stub on img (a FXSAVE64 image) with rdi = mem; AH in and out
 * holds SF ZF AF PF CF (FCMOVcc reads them, FCOMI writes them). */
static void run_stub(const char *stub, uint8_t *img, uint8_t *mem, uint8_t *ah)
{
	alignas(16) uint8_t host[512];
	uint64_t ax = (uint64_t)*ah << 8;

	__asm__ volatile("fxsave64 %[h]\n\t"
			 "fxrstor64 (%[g])\n\t"
			 "sahf\n\t"
			 "lea 1f(%%rip), %%r11\n\t"
			 "jmp *%[s]\n"
			 "1:\tlahf\n\t"
			 "fxsave64 (%[g])\n\t"
			 "fxrstor64 %[h]\n\t"
			 : [h] "=m"(host), "+a"(ax)
			 : [g] "r"(img), [s] "r"(stub), "D"(mem)
			 : "r11", "cc", "memory");
	*ah = (uint8_t)(ax >> 8);
}

/* The operand's host-side image: the guest's bytes for a read; probed for
 * writing (faults come before any state change) for a write. */
static void mem_in(struct x86_cpu *cpu, uint64_t lin, unsigned n, int dir, uint8_t *buf)
{
	if (dir == M_WRITE)
		x86_probe_write(cpu, lin, n);
	else
		x86_read_block(cpu, lin, n, buf);
}

void x86_probe_write(struct x86_cpu *cpu, uint64_t lin, unsigned n)
{
	x86_translate(cpu, lin, ACC_W, cpu->cpl == 3);
	x86_translate(cpu, lin + n - 1, ACC_W, cpu->cpl == 3);
}

void x86_read_block(struct x86_cpu *cpu, uint64_t lin, unsigned n, uint8_t *buf)
{
	for (unsigned i = 0; i < n;) {
		unsigned k = n - i >= 8 ? 8 : n - i >= 4 ? 4 : n - i >= 2 ? 2 : 1;
		uint64_t v = x86_read(cpu, lin + i, k);
		memcpy(buf + i, &v, k);
		i += k;
	}
}

void x86_write_block(struct x86_cpu *cpu, uint64_t lin, unsigned n, const uint8_t *buf)
{
	for (unsigned i = 0; i < n;) {
		unsigned k = n - i >= 8 ? 8 : n - i >= 4 ? 4 : n - i >= 2 ? 2 : 1;
		uint64_t v = 0;
		memcpy(&v, buf + i, k);
		x86_write(cpu, lin + i, k, v);
		i += k;
	}
}

static const struct x86_op *mem_op(const struct x86_inst *in)
{
	for (int i = 0; i < in->nops; i++)
		if (in->op[i].kind == OP_MEM)
			return &in->op[i];
	return NULL;
}

/* FCOMI, FCOMIP, FUCOMI, FUCOMIP: ZF PF CF from the compare, OF SF AF 0. */
static bool writes_eflags(uint8_t op, uint8_t modrm)
{
	return (op == 0xdb || op == 0xdf) && modrm >= 0xe8 && modrm <= 0xf7;
}

HANDLER(h_x87)
{
	unsigned k = 0;
	bool p66 = false;

	while (k < in->len && (x86_legacy_prefix(in->bytes[k]) ||
			       (in->mode == 64 && (in->bytes[k] & 0xf0) == 0x40))) {
		if (in->bytes[k] == 0x66)
			p66 = true;
		k++;
	}
	/* The 16-bit environment formats (FLDENV, FNSTENV, FRSTOR, FNSAVE). */
	bool o16 = (in->mode == 16) != p66;
	uint8_t op = in->bytes[k], modrm = in->bytes[k + 1];
	bool mem = modrm < 0xc0;
	unsigned reg = (modrm >> 3) & 7;

	/* FISTTP (DB/DD/DF /1) is SSE3's: #UD unless CPUID has it. */
	if (mem && reg == 1 && (op == 0xdb || op == 0xdd || op == 0xdf) &&
	    !x86_feature_advertised(cpu, &(struct x86_feature){ 1, 2, 0, false }))
		x86_ud(cpu);
	x86_x87_check_nm(cpu);
	if (!non_waiting(op, modrm))
		check_mf(cpu);
	if (op == 0xdf && modrm == 0xe0) {              /* FNSTSW AX */
		set_reg(cpu, R_RAX, 2, false, fx16(cpu, 2));
		return advance(cpu, in);
	}

	alignas(16) uint8_t img[512], img2[512];
	alignas(16) uint8_t buf[112], buf2[112];
	int dir = 0;
	unsigned n = 0;
	uint64_t lin = 0, ea = 0;
	const struct x86_op *mo = mem ? mem_op(in) : NULL;

	if (mem) {
		n = mem_form(op, reg, o16, &dir);
		if (!n || !mo)
			x86_ud(cpu);
		ea = x86_ea(cpu, in, mo);
		lin = x86_lin(cpu, mo->seg, ea);
		mem_in(cpu, lin, n, dir, buf);
	}

	/* The guest's state, MXCSR made one the host accepts (x87
	 * instructions do not read it; it is not copied back). */
	memcpy(img, cpu->fx, sizeof(img));
	uint32_t mxcsr = 0x1f80;
	memcpy(img + 24, &mxcsr, 4);
	if (!non_waiting(op, modrm)) {
		/* Nothing unmasked is pending (checked): a stale ES/B must not
		 * make the host's waiting instruction fault. */
		uint16_t fsw = fx16(cpu, 2) & ~(FSW_ES | FSW_B);
		memcpy(img + 2, &fsw, 2);
	}
	bool env = mem && (reg == 6 || reg == 4) && (op == 0xd9 || op == 0xdd);
	uint16_t fop_mark = 0x7ff, fop0 = fx16(cpu, 6);
	if (!env)
		memcpy(img + 6, &fop_mark, 2);
	uint8_t mm = mem ? (uint8_t)((reg << 3) | 7) : modrm;
	const char *stub = x86_x87_stubs + ((o16 ? 2048u : 0u) + (op - 0xd8u) * 256u + mm) * STUB;
	uint8_t ah = (uint8_t)(cpu->rflags & 0xd5);
	bool stored = true;

	if (dir == M_WRITE) {
		/* A store an unmasked exception suppresses leaves the buffer
		 * as it was: run it on two fillings to tell. */
		memcpy(img2, img, sizeof(img));
		memset(buf, 0, n);
		memset(buf2, 0xff, n);
		uint8_t ah2 = ah;
		run_stub(stub, img2, buf2, &ah2);
		run_stub(stub, img, buf, &ah);
		stored = !memcmp(buf, buf2, n);
	} else {
		run_stub(stub, img, buf, &ah);
	}

	/* The host's instruction and data pointers become the guest's. */
	uint64_t fip, fdp;
	uint16_t fop;
	memcpy(&fip, img + 8, 8);
	memcpy(&fdp, img + 16, 8);
	memcpy(&fop, img + 6, 2);
	if (fip == (uint64_t)(uintptr_t)stub) {
		fip = cpu->rip;
		memcpy(img + 8, &fip, 8);
	}
	if (fdp == (uint64_t)(uintptr_t)buf) {
		memcpy(img + 16, &ea, 8);
	}
	if (!env) {
		if (fop == fop_mark)
			fop = fop0;
		else if (fop == (uint16_t)(((op & 7u) << 8) | mm))
			fop = (uint16_t)(((op & 7u) << 8) | modrm);
		memcpy(img + 6, &fop, 2);
	}

	if (dir == M_WRITE && stored)
		x86_write_block(cpu, lin, n, buf);              /* may fault: nothing committed yet */
	memcpy(cpu->fx, img, 24);
	memcpy(cpu->fx + 32, img + 32, 128);
	if (writes_eflags(op, modrm))
		cpu->rflags = (cpu->rflags & ~F_ARITH) | (ah & (F_ZF | F_PF | F_CF));
	return advance(cpu, in);
}
