/* F3 0F BC / F3 0F BD (TZCNT / LZCNT to Capstone) under interp and bt: the
 * vCPU's CPUID has no BMI1 and no LZCNT, so they run as BSF / BSR, as on a
 * CPU without those features (SDM) and under QEMU's qemu64 — Linux's
 * __ffs() is `rep; bsf`.  TZCNT of 8 is 3 like BSF, so the checks that
 * tell them apart are a zero source (BSF: destination kept, ZF=1; TZCNT:
 * 64, CF=1) and LZCNT (BSR of 8 is 3; LZCNT is 60). */
#include "engines/bt/bt.h"
#include "tests/check.h"
#include "tests/unit/engine_run.h"

extern const struct engine_ops interp_engine_ops;

static uint64_t src;
static void set_regs(struct cpu_state *s)
{
	s->gpr[R_RAX] = 0x5555;
	s->gpr[R_RCX] = src;
}

int main(void)
{
	static const struct { const char *name; const struct engine_ops *ops; } engines[] = {
		{ "interp", &interp_engine_ops }, { "bt", &bt_engine_ops },
	};
	static const uint8_t rep_bsf[] = { 0xf3, 0x48, 0x0f, 0xbc, 0xc1 };   /* rep bsf rax, rcx */
	static const uint8_t rep_bsr[] = { 0xf3, 0x48, 0x0f, 0xbd, 0xc1 };   /* rep bsr rax, rcx */
	char err[200];
	struct er_result r;
	struct vm *vm = vm_create(ER_RAM, NULL, err, sizeof(err));

	if (!vm) {
		CHECK(0, "a VM: %s", err);
		CHECK_EXIT();
	}
	for (size_t i = 0; i < 2; i++) {
		const char *eng = engines[i].name;
		src = 8;
		int rc = er_run(engines[i].ops, vm, 0, rep_bsf, sizeof(rep_bsf), set_regs, &r);
		CHECK(rc == 0 && r.vector == ER_NONE && r.st.gpr[R_RAX] == 3 && !(r.st.rflags & 0x40),
		      "%s: F3 0F BC of 8 is 3, ZF=0 (vector %#x, rax %#llx)", eng, r.vector,
		      (unsigned long long)r.st.gpr[R_RAX]);
		src = 0;
		rc = er_run(engines[i].ops, vm, 0, rep_bsf, sizeof(rep_bsf), set_regs, &r);
		CHECK(rc == 0 && r.vector == ER_NONE && r.st.gpr[R_RAX] == 0x5555 && (r.st.rflags & 0x40),
		      "%s: F3 0F BC of 0 is BSF's: destination kept, ZF=1 (rax %#llx, rflags %#llx)", eng,
		      (unsigned long long)r.st.gpr[R_RAX], (unsigned long long)r.st.rflags);
		src = 8;
		rc = er_run(engines[i].ops, vm, 0, rep_bsr, sizeof(rep_bsr), set_regs, &r);
		CHECK(rc == 0 && r.vector == ER_NONE && r.st.gpr[R_RAX] == 3,
		      "%s: F3 0F BD of 8 is BSR's 3, not LZCNT's 60 (vector %#x, rax %#llx)", eng, r.vector,
		      (unsigned long long)r.st.gpr[R_RAX]);
	}
	vm_destroy(vm);
	CHECK_EXIT();
}
