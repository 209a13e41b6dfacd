/* MMX: the vCPU's CPUID leaf 1 does not advertise it (EDX bit 23), so
 * every form that names an MMX register raises #UD at its own RIP under
 * interp and bt, as a CPU without MMX does (SDM Vol. 2, "Exceptions":
 * #UD when the CPUID feature flag is 0): the MMX set proper (EMMS, MOVD,
 * MOVQ, PADD*, shifts by an immediate, ...), the MMX-register forms SSE
 * and SSE2 added (PSHUFW, MOVNTQ, MASKMOVQ, PEXTRW, PMOVMSKB, PAVGB,
 * PADDQ, PMULUDQ) and the SSE/SSE2 conversions between MMX and XMM
 * registers (CVTPI2PS, CVTPS2PI, CVTTPS2PI, CVTPI2PD, CVTPD2PI,
 * CVTTPD2PI, MOVQ2DQ, MOVDQ2Q).  The same opcodes with 66 (the XMM
 * forms) still run. */
#include "engines/bt/bt.h"
#include "engines/x86/sse.h"
#include "tests/check.h"
#include "tests/unit/engine_run.h"

extern const struct engine_ops interp_engine_ops;

static const struct { const char *name; const struct engine_ops *ops; } engines[] = {
	{ "interp", &interp_engine_ops }, { "bt", &bt_engine_ops },
};

static const struct {
	const char *text;
	uint8_t code[6];
	unsigned n;
} mmx[] = {
	{ "emms", { 0x0f, 0x77 }, 2 },
	{ "movd mm0, eax", { 0x0f, 0x6e, 0xc0 }, 3 },
	{ "movq mm0, rax", { 0x48, 0x0f, 0x6e, 0xc0 }, 4 },
	{ "movd eax, mm0", { 0x0f, 0x7e, 0xc0 }, 3 },
	{ "movq mm0, mm1", { 0x0f, 0x6f, 0xc1 }, 3 },
	{ "movq mm0, [rbx]", { 0x0f, 0x6f, 0x03 }, 3 },
	{ "movq [rbx], mm1", { 0x0f, 0x7f, 0x0b }, 3 },
	{ "paddb mm0, mm1", { 0x0f, 0xfc, 0xc1 }, 3 },
	{ "pxor mm2, mm3", { 0x0f, 0xef, 0xd3 }, 3 },
	{ "pcmpeqb mm0, mm1", { 0x0f, 0x74, 0xc1 }, 3 },
	{ "punpcklbw mm0, mm1", { 0x0f, 0x60, 0xc1 }, 3 },
	{ "packsswb mm0, mm1", { 0x0f, 0x63, 0xc1 }, 3 },
	{ "psrlw mm0, 2", { 0x0f, 0x71, 0xd0, 0x02 }, 4 },
	{ "psllq mm0, 4", { 0x0f, 0x73, 0xf0, 0x04 }, 4 },
	{ "pshufw mm0, mm1, 5", { 0x0f, 0x70, 0xc1, 0x05 }, 4 },
	{ "movntq [rbx], mm0", { 0x0f, 0xe7, 0x03 }, 3 },
	{ "maskmovq mm0, mm1", { 0x0f, 0xf7, 0xc1 }, 3 },
	{ "pextrw eax, mm1, 1", { 0x0f, 0xc5, 0xc1, 0x01 }, 4 },
	{ "pinsrw mm0, eax, 1", { 0x0f, 0xc4, 0xc0, 0x01 }, 4 },
	{ "pmovmskb eax, mm1", { 0x0f, 0xd7, 0xc1 }, 3 },
	{ "pavgb mm0, mm1", { 0x0f, 0xe0, 0xc1 }, 3 },
	{ "paddq mm0, mm1", { 0x0f, 0xd4, 0xc1 }, 3 },
	{ "pmuludq mm0, mm1", { 0x0f, 0xf4, 0xc1 }, 3 },
	{ "cvtpi2ps xmm0, mm1", { 0x0f, 0x2a, 0xc1 }, 3 },
	{ "cvtps2pi mm0, xmm1", { 0x0f, 0x2d, 0xc1 }, 3 },
	{ "cvttps2pi mm0, xmm1", { 0x0f, 0x2c, 0xc1 }, 3 },
	{ "cvtpi2pd xmm0, mm1", { 0x66, 0x0f, 0x2a, 0xc1 }, 4 },
	{ "cvtpd2pi mm0, xmm1", { 0x66, 0x0f, 0x2d, 0xc1 }, 4 },
	{ "cvttpd2pi mm0, xmm1", { 0x66, 0x0f, 0x2c, 0xc1 }, 4 },
	{ "movq2dq xmm0, mm1", { 0xf3, 0x0f, 0xd6, 0xc1 }, 4 },
	{ "movdq2q mm0, xmm1", { 0xf2, 0x0f, 0xd6, 0xc1 }, 4 },
};

/* The XMM twins of some of the forms above: they run. */
static const struct {
	const char *text;
	uint8_t code[6];
	unsigned n;
} xmm[] = {
	{ "paddb xmm0, xmm1", { 0x66, 0x0f, 0xfc, 0xc1 }, 4 },
	{ "pshufd xmm0, xmm1, 5", { 0x66, 0x0f, 0x70, 0xc1, 0x05 }, 5 },
	{ "pmovmskb eax, xmm1", { 0x66, 0x0f, 0xd7, 0xc1 }, 4 },
	{ "movq xmm0, xmm1", { 0xf3, 0x0f, 0x7e, 0xc1 }, 4 },
};

static struct vm *vm;

static void sse_on(struct cpu_state *s)
{
	s->cr4 |= X86_CR4_OSFXSR | X86_CR4_OSXMMEXCPT;
	s->mxcsr = MXCSR_RESET;
	s->gpr[R_RBX] = 0x30000;
}

int main(void)
{
	char err[200];
	uint32_t r[4];

	vm = vm_create(ER_RAM, NULL, err, sizeof(err));
	if (!vm) {
		SKIP("no VM: %s", err);
		return 0;
	}
	/* The CPUID the guest sees (the semantics layer's, both engines'). */
	struct engine *e = bt_engine_ops.create(vm, err, sizeof(err));
	if (!e) {
		SKIP("bt: %s", err);
		vm_destroy(vm);
		return 0;
	}
	x86_cpuid(&e->cpu, 1, 0, r);
	bt_engine_ops.destroy(e);
	CHECK(!(r[3] & (1u << 23)), "CPUID leaf 1 EDX does not advertise MMX (edx %#x)", r[3]);

	for (size_t k = 0; k < sizeof(engines) / sizeof(engines[0]); k++) {
		unsigned bad = 0;
		for (size_t i = 0; i < sizeof(mmx) / sizeof(mmx[0]); i++) {
			struct er_result res;
			int rc = er_run(engines[k].ops, vm, 0, mmx[i].code, mmx[i].n, sse_on, &res);
			bool ok = rc == 0 && res.vector == 6 && res.fault_rip == ER_CODE0;
			if (!ok) {
				bad++;
				printf("# %s: %s: vector %d at %#llx %s\n", engines[k].name, mmx[i].text,
				       res.vector, (unsigned long long)res.fault_rip, res.msg);
			}
		}
		CHECK(!bad, "%s: %zu MMX-register forms raise #UD at their RIP (%u wrong)",
		      engines[k].name, sizeof(mmx) / sizeof(mmx[0]), bad);
		bad = 0;
		for (size_t i = 0; i < sizeof(xmm) / sizeof(xmm[0]); i++) {
			struct er_result res;
			int rc = er_run(engines[k].ops, vm, 0, xmm[i].code, xmm[i].n, sse_on, &res);
			if (rc != 0 || res.vector != ER_NONE) {
				bad++;
				printf("# %s: %s: vector %d %s\n", engines[k].name, xmm[i].text, res.vector, res.msg);
			}
		}
		CHECK(!bad, "%s: their XMM twins (66/F3 forms) run (%u wrong)", engines[k].name, bad);
	}
	vm_destroy(vm);
	CHECK_EXIT();
}
