/* The ISA an ordinary compiler emits, and the MSRs software probes, under
 * interp and bt: the whole hint-NOP space 0F 18-1F (ENDBR64 included) runs
 * as NOPs; an instruction the vCPU's CPUID does not advertise (SSE,
 * INVPCID, FISTTP) raises #UD at its own RIP instead
 * of stopping the VM, as does XGETBV with CR4.OSXSAVE clear; x87 with
 * CR0.EM or CR0.TS raises #NM, FWAIT only with TS and MP; RDPMC follows CR4.PCE and the vendor's counters;
 * MCG_CAP reads 0 and is read-only; AMD's legacy performance counters
 * (0xC0010000-7) exist exactly when the vCPU is AMD. */
#include <stdlib.h>

#include "engines/bt/bt.h"
#include "tests/check.h"
#include "tests/unit/engine_run.h"

extern const struct engine_ops interp_engine_ops;

static const struct { const char *name; const struct engine_ops *ops; } engines[] = {
	{ "interp", &interp_engine_ops }, { "bt", &bt_engine_ops },
};

static struct vm *vm;

/* Every 0F 18-1F opcode with every ModRM reg field, register and memory
 * forms, with and without F3/66/REX prefixes; then ENDBR64/ENDBR32 and
 * F3 REX.B 90 (PAUSE, not XCHG). */
static size_t hint_nops(uint8_t *c)
{
	size_t k = 0;

	for (unsigned op = 0x18; op <= 0x1f; op++)
		for (unsigned reg = 0; reg < 8; reg++) {
			static const uint8_t pfx[4] = { 0, 0xf3, 0x66, 0x48 };
			uint8_t p = pfx[(op + reg) & 3];
			if (p)
				c[k++] = p;
			c[k++] = 0x0f; c[k++] = (uint8_t)op;
			c[k++] = (uint8_t)(0xc0 | reg << 3 | (reg ^ 5));        /* register */
			c[k++] = 0x0f; c[k++] = (uint8_t)op;
			c[k++] = (uint8_t)(0x80 | reg << 3 | 3);                /* [rbx + disp32] */
			c[k++] = 0x78; c[k++] = 0x56; c[k++] = 0x34; c[k++] = 0x12;
		}
	static const uint8_t tail[] = { 0xf3, 0x0f, 0x1e, 0xfa, 0xf3, 0x0f, 0x1e, 0xfb,
					0xf3, 0x41, 0x90, 0xf3, 0x90 };
	memcpy(c + k, tail, sizeof(tail));
	return k + sizeof(tail);
}

static void regs_marked(struct cpu_state *s)
{
	s->gpr[R_RAX] = 0x1111;
	s->gpr[R_R8] = 0x8888;
	s->gpr[R_RBX] = 0x7fff00000000ull;      /* the NOPs' memory operand: unmapped */
}

static void em_on(struct cpu_state *s) { s->cr0 |= CR0_EM; }
static void ts_on(struct cpu_state *s) { s->cr0 |= CR0_TS; }
static void ts_mp_on(struct cpu_state *s) { s->cr0 |= CR0_TS | 2; }
static void osxsave_on(struct cpu_state *s) { s->cr4 |= 1ull << 18; s->gpr[R_RAX] = 3; }
static void pce_on(struct cpu_state *s) { s->cr4 |= CR4_PCE; }

static void expect_fault(const char *eng, int cpl, const char *what, const uint8_t *code, size_t n,
			 void (*adjust)(struct cpu_state *), const struct engine_ops *ops, int vector,
			 uint32_t err)
{
	struct er_result r;
	int rc = er_run(ops, vm, cpl, code, n, adjust, &r);
	uint64_t at = cpl ? ER_CODE3 : ER_CODE0;

	CHECK(rc == 0 && r.vector == vector && r.fault_rip == at && (vector != 13 || r.err == err),
	      "%s, CPL %d: %s raises vector %d (error %#x) at its own RIP (got vector %#x error %#x "
	      "at %#llx%s%s)", eng, cpl, what, vector, err, r.vector, r.err,
	      (unsigned long long)r.fault_rip, r.msg[0] ? ": " : "", r.msg);
}

/* WRMSR ECX=msr, EDX:EAX=v (CPL 0), then RDMSR it into RSI. */
static size_t msr_code(uint8_t *c, uint32_t msr, uint64_t v, bool write, bool read)
{
	size_t k = 0;

	c[k++] = 0xb9; memcpy(c + k, &msr, 4); k += 4;                  /* mov ecx, msr */
	if (write) {
		uint32_t lo = (uint32_t)v, hi = (uint32_t)(v >> 32);
		c[k++] = 0xb8; memcpy(c + k, &lo, 4); k += 4;          /* mov eax, lo */
		c[k++] = 0xba; memcpy(c + k, &hi, 4); k += 4;          /* mov edx, hi */
		c[k++] = 0x0f; c[k++] = 0x30;                           /* wrmsr */
	}
	if (read) {
		c[k++] = 0x0f; c[k++] = 0x32;                           /* rdmsr */
		c[k++] = 0x48; c[k++] = 0xc1; c[k++] = 0xe2; c[k++] = 32; /* shl rdx, 32 */
		c[k++] = 0x48; c[k++] = 0x09; c[k++] = 0xc2;            /* or rdx, rax */
		c[k++] = 0x48; c[k++] = 0x89; c[k++] = 0xd6;            /* mov rsi, rdx */
	}
	return k;
}

int main(void)
{
	char err[200];
	uint8_t code[1024];
	struct er_result r;
	bool amd = x86_vendor_amd();

	vm = vm_create(ER_RAM, NULL, err, sizeof(err));
	if (!vm) {
		CHECK(0, "a VM of %u MiB: %s", ER_RAM >> 20, err);
		CHECK_EXIT();
	}
	for (size_t ei = 0; ei < sizeof(engines) / sizeof(engines[0]); ei++) {
		const char *eng = engines[ei].name;
		const struct engine_ops *ops = engines[ei].ops;

		for (int cpl = 0; cpl <= 3; cpl += 3) {
			size_t n = hint_nops(code);
			int rc = er_run(ops, vm, cpl, code, n, regs_marked, &r);
			uint64_t end = (cpl ? ER_CODE3 : ER_CODE0) + n + ER_TAIL;
			CHECK(rc == 0 && r.vector == ER_NONE && r.st.rip == end && r.st.gpr[R_RAX] == 0x1111 &&
			      r.st.gpr[R_R8] == 0x8888,
			      "%s, CPL %d: the 128 hint-NOP forms 0F 18-1F, ENDBR64/32 and F3 REX.B 90 run as "
			      "NOPs (vector %#x, rip %#llx, want %#llx; rax %#llx r8 %#llx%s%s)", eng, cpl,
			      r.vector, (unsigned long long)r.st.rip, (unsigned long long)end,
			      (unsigned long long)r.st.gpr[R_RAX], (unsigned long long)r.st.gpr[R_R8],
			      r.msg[0] ? ": " : "", r.msg);

			static const uint8_t movdqa[] = { 0x66, 0x0f, 0x6f, 0xc1 };
			static const uint8_t pxor[] = { 0x66, 0x0f, 0xef, 0xc0 };
			static const uint8_t movups[] = { 0x0f, 0x10, 0x03 };
			static const uint8_t xgetbv[] = { 0x0f, 0x01, 0xd0 };
			static const uint8_t popcnt[] = { 0xf3, 0x0f, 0xb8, 0xc1 };
			static const uint8_t fninit[] = { 0xdb, 0xe3 };
			static const uint8_t fisttp[] = { 0xdb, 0x0b };
			static const uint8_t fwait[] = { 0x9b };
			static const uint8_t vaddps[] = { 0xc5, 0xf4, 0x58, 0xc2 };
			expect_fault(eng, cpl, "MOVDQA xmm0, xmm1 (SSE2 not in CPUID)", movdqa, sizeof(movdqa),
				     NULL, ops, 6, 0);
			expect_fault(eng, cpl, "PXOR xmm0, xmm0", pxor, sizeof(pxor), NULL, ops, 6, 0);
			expect_fault(eng, cpl, "MOVUPS xmm0, [rbx]", movups, sizeof(movups), NULL, ops, 6, 0);
			expect_fault(eng, cpl, "XGETBV with CR4.OSXSAVE=0", xgetbv, sizeof(xgetbv), NULL,
				     ops, 6, 0);
			expect_fault(eng, cpl, "POPCNT (not in CPUID)", popcnt, sizeof(popcnt), NULL, ops, 6, 0);
			expect_fault(eng, cpl, "VADDPS (AVX not in CPUID)", vaddps, sizeof(vaddps), NULL, ops,
				     6, 0);
			expect_fault(eng, cpl, "FISTTP (SSE3 not in CPUID)", fisttp, sizeof(fisttp), NULL, ops,
				     6, 0);
			expect_fault(eng, cpl, "FNINIT with CR0.EM", fninit, sizeof(fninit), em_on, ops, 7, 0);
			expect_fault(eng, cpl, "FNINIT with CR0.TS", fninit, sizeof(fninit), ts_on, ops, 7, 0);
			expect_fault(eng, cpl, "FWAIT with CR0.TS and MP", fwait, sizeof(fwait), ts_mp_on, ops,
				     7, 0);
			static const uint8_t xsetbv[] = { 0x31, 0xc9, 0x31, 0xd2, 0x0f, 0x01, 0xd1 };
			if (cpl)
				expect_fault(eng, cpl, "XSETBV at CPL 3", xsetbv + 4, 3, osxsave_on, ops, 13, 0);
			else {
				int rc3 = er_run(ops, vm, 0, xsetbv, sizeof(xsetbv), osxsave_on, &r);
				CHECK(rc3 == 0 && r.vector == ER_NONE, "%s: XSETBV XCR0=3 at CPL 0 with "
				      "CR4.OSXSAVE (vector %#x%s%s)", eng, r.vector, r.msg[0] ? ": " : "", r.msg);
			}
			int rc2 = er_run(ops, vm, cpl, fwait, sizeof(fwait), ts_on, &r);
			CHECK(rc2 == 0 && r.vector == ER_NONE, "%s, CPL %d: FWAIT with CR0.TS, MP clear, runs "
			      "(vector %#x)", eng, cpl, r.vector);
		}
		static const uint8_t invpcid[] = { 0x66, 0x0f, 0x38, 0x82, 0x03 };
		expect_fault(eng, 0, "INVPCID (not in CPUID)", invpcid, sizeof(invpcid), NULL, ops, 6, 0);

		/* RDPMC: CPL 3 without CR4.PCE is #GP(0); the counter then
		 * exists on AMD (0-3) and not on Intel (no leaf 0xA). */
		static const uint8_t rdpmc[] = { 0x31, 0xc9, 0x0f, 0x33 };      /* xor ecx, ecx; rdpmc */
		expect_fault(eng, 3, "RDPMC without CR4.PCE", rdpmc + 2, 2, NULL, ops, 13, 0);
		if (amd) {
			size_t k = msr_code(code, 0xc0010004u, 0x123456789abcull, true, false);
			memcpy(code + k, rdpmc, sizeof(rdpmc));
			int rc = er_run(ops, vm, 0, code, k + sizeof(rdpmc), pce_on, &r);
			CHECK(rc == 0 && r.vector == ER_NONE && r.st.gpr[R_RAX] == 0x56789abc &&
			      r.st.gpr[R_RDX] == 0x1234,
			      "%s: AMD: RDPMC 0 reads PerfCtr0 as written (vector %#x, edx:eax %#llx:%#llx)",
			      eng, r.vector, (unsigned long long)r.st.gpr[R_RDX],
			      (unsigned long long)r.st.gpr[R_RAX]);
		} else {
			expect_fault(eng, 3, "Intel: RDPMC 0 with CR4.PCE (no counters: #GP)", rdpmc + 2,
				     2, pce_on, ops, 13, 0);
		}

		/* MSRs. */
		size_t k = msr_code(code, 0x179, 0, false, true);
		int rc = er_run(ops, vm, 0, code, k, NULL, &r);
		CHECK(rc == 0 && r.vector == ER_NONE && r.st.gpr[R_RSI] == 0,
		      "%s: RDMSR MCG_CAP reads 0 (no banks) (vector %#x, value %#llx)", eng, r.vector,
		      (unsigned long long)r.st.gpr[R_RSI]);
		k = msr_code(code, 0x179, 0, true, false);
		rc = er_run(ops, vm, 0, code, k, NULL, &r);
		CHECK(rc == 0 && r.vector == 13, "%s: WRMSR MCG_CAP is #GP (read-only) (vector %#x)", eng,
		      r.vector);
		k = msr_code(code, 0x1a0, 0, false, true);
		rc = er_run(ops, vm, 0, code, k, NULL, &r);
		CHECK(rc == 0 && r.vector == ER_NONE, "%s: RDMSR MISC_ENABLE works (vector %#x)", eng,
		      r.vector);
		for (uint32_t msr = 0xc0010000u; msr < 0xc0010008u; msr++) {
			k = msr_code(code, msr, 0xfedcba9876543210ull, true, true);
			rc = er_run(ops, vm, 0, code, k, NULL, &r);
			uint64_t want = msr >= 0xc0010004u ? 0xba9876543210ull : 0xfedcba9876543210ull;
			if (amd)
				CHECK(rc == 0 && r.vector == ER_NONE && r.st.gpr[R_RSI] == want,
				      "%s: AMD: MSR %#x writes and reads back (vector %#x, %#llx)", eng, msr,
				      r.vector, (unsigned long long)r.st.gpr[R_RSI]);
			else
				CHECK(rc == 0 && r.vector == 13,
				      "%s: Intel: MSR %#x (AMD's legacy counters) is #GP (vector %#x)", eng, msr,
				      r.vector);
		}
	}
	vm_destroy(vm);
	CHECK_EXIT();
}
