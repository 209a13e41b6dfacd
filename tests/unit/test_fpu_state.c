/* The SSE state in struct cpu_state, the same under every engine: XMM
 * registers and MXCSR set before a run (kvm: KVM_SET_FPU) reach the guest,
 * and what the guest computed into them (MOVQ from a GPR, PSHUFD into
 * XMM15, PADDQ over a set value, CVTSI2SD and a masked division by zero
 * that sets MXCSR.ZE) comes back from get_state (kvm: KVM_GET_FPU); a
 * register the guest does not touch keeps its value.  Expected values
 * are computed here, and interp, bt and kvm must each give them.  The
 * code runs at CPL 3: on a PVM host KVM emulates CPL 0 code instruction
 * by instruction, and its emulator knows few SSE instructions. */
#include "engines/bt/bt.h"
#include "engines/x86/sse.h"
#include "tests/check.h"
#include "tests/unit/engine_run.h"

extern const struct engine_ops interp_engine_ops, kvm_engine_ops;

static const struct { const char *name; const struct engine_ops *ops; } engines[] = {
	{ "interp", &interp_engine_ops }, { "bt", &bt_engine_ops }, { "kvm", &kvm_engine_ops },
};

#define Q 0x1122334455667788ull

static const uint8_t code[] = {
	0x48, 0xb8, 0x88, 0x77, 0x66, 0x55, 0x44, 0x33, 0x22, 0x11,    /* mov rax, Q */
	0x66, 0x48, 0x0f, 0x6e, 0xd8,                                   /* movq xmm3, rax */
	0x66, 0x44, 0x0f, 0x70, 0xfb, 0x44,                             /* pshufd xmm15, xmm3, 0x44 */
	0x66, 0x0f, 0xd4, 0xeb,                                         /* paddq xmm5, xmm3 */
	0xb8, 0x01, 0x00, 0x00, 0x00,                                   /* mov eax, 1 */
	0xf2, 0x0f, 0x2a, 0xf0,                                         /* cvtsi2sd xmm6, eax */
	0x66, 0x0f, 0x57, 0xff,                                         /* xorpd xmm7, xmm7 */
	0xf2, 0x0f, 0x5e, 0xf7,                                         /* divsd xmm6, xmm7 */
};

static void pattern(uint8_t *x, unsigned seed)
{
	for (unsigned i = 0; i < 16; i++)
		x[i] = (uint8_t)(seed + 17 * i);
}

static void sse_state(struct cpu_state *s)
{
	s->cr4 |= X86_CR4_OSFXSR | X86_CR4_OSXMMEXCPT;
	s->mxcsr = MXCSR_RESET;
	pattern(s->xmm[5], 5);
	pattern(s->xmm[9], 9);
	pattern(s->xmm[6], 6);
}

static void expected(uint8_t x[16][16], uint32_t *mxcsr)
{
	uint64_t q[2], inf = 0x7ff0000000000000ull;

	memset(x, 0, 16 * 16);
	pattern(x[5], 5);
	pattern(x[9], 9);
	pattern(x[6], 6);
	q[0] = Q;
	q[1] = 0;
	memcpy(x[3], q, 16);
	q[1] = Q;
	memcpy(x[15], q, 16);
	memcpy(q, x[5], 16);
	q[0] += Q;
	memcpy(x[5], q, 16);
	memcpy(x[6], &inf, 8);          /* CVTSI2SD and DIVSD keep the high half */
	*mxcsr = MXCSR_RESET | 4;       /* ZE */
}

int main(void)
{
	char err[200];
	uint8_t want[16][16];
	uint32_t want_mxcsr;

	expected(want, &want_mxcsr);
	struct vm *vm = vm_create(ER_RAM, NULL, err, sizeof(err));
	if (!vm) {
		SKIP("no VM: %s", err);
		return 0;
	}
	for (size_t k = 0; k < sizeof(engines) / sizeof(engines[0]); k++) {
		struct er_result r;
		int rc = er_run(engines[k].ops, vm, 3, code, sizeof(code), sse_state, &r);
		if (rc < 0 && engines[k].ops == &kvm_engine_ops && !strncmp(r.msg, "create:", 7)) {
			SKIP("kvm: the engine is not usable here (%s)", r.msg);
			continue;
		}
		int bad = -1;
		for (int i = 15; i >= 0; i--)
			if (memcmp(r.st.xmm[i], want[i], 16))
				bad = i;
		CHECK(rc == 0 && r.vector == ER_NONE && bad < 0 && r.st.mxcsr == want_mxcsr,
		      "%s: XMM0-15 and MXCSR set before the run reach the guest and its results come back "
		      "(first differing xmm%d, mxcsr %#x want %#x) %s",
		      engines[k].name, bad, r.st.mxcsr, want_mxcsr, r.msg);
	}
	vm_destroy(vm);
	CHECK_EXIT();
}
