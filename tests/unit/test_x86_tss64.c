/* LTR and LLDT in IA-32e mode read a 16-byte descriptor: bytes 8-11 are
 * base 63:32, and only bits 8-12 of the upper dword (bits 40-44 of the
 * upper quadword) must be zero (SDM vol. 3, "64-bit TSS and LDT
 * descriptors").  Linux puts its TSS at 0xfffffe00_0000_3000-ish (the CPU
 * entry area), whose base bits 40-44 are set: LTR must take it.  Under
 * interp and bt. */
#include <string.h>

#include "engines/bt/bt.h"
#include "tests/check.h"
#include "tests/unit/engine_run.h"

extern const struct engine_ops interp_engine_ops;

/* Descriptor at GDT 0x38 (low quadword lo, high hi), then LTR or LLDT 0x38. */
static size_t load_code(uint8_t *c, uint64_t lo, uint64_t hi, int ldt, size_t *at)
{
	size_t k = er_movabs(c, R_RAX, lo);
	k += er_store_rax(c + k, LM_GDT + 0x38);
	k += er_movabs(c + k, R_RAX, hi);
	k += er_store_rax(c + k, LM_GDT + 0x40);
	*at = k;
	c[k++] = 0x66; c[k++] = 0xb8; c[k++] = 0x38; c[k++] = 0;      /* mov ax, 0x38 */
	c[k++] = 0x0f; c[k++] = 0x00; c[k++] = ldt ? 0xd0 : 0xd8;      /* lldt ax / ltr ax */
	return k;
}

int main(void)
{
	static const struct { const char *name; const struct engine_ops *ops; } engines[] = {
		{ "interp", &interp_engine_ops }, { "bt", &bt_engine_ops },
	};
	const uint64_t high = 0xfffffe0000003000ull;
	char err[200];
	uint8_t c[128];
	struct er_result r;
	size_t at;
	struct vm *vm = vm_create(ER_RAM, NULL, err, sizeof(err));

	if (!vm) {
		CHECK(0, "a VM: %s", err);
		CHECK_EXIT();
	}
	for (size_t i = 0; i < 2; i++) {
		const char *eng = engines[i].name;
		const struct engine_ops *ops = engines[i].ops;
		for (int ldt = 0; ldt < 2; ldt++) {
			const char *what = ldt ? "LLDT" : "LTR";
			uint64_t type = ldt ? 0x82 : 0x89;          /* present LDT / available 64-bit TSS */
			uint64_t lo = 0x67 | ((high & 0xffffff) << 16) | (type << 40) | (((high >> 24) & 0xff) << 56);
			size_t n = load_code(c, lo, high >> 32, ldt, &at);
			int rc = er_run(ops, vm, 0, c, n, er_gdt_wide, &r);
			const struct segment *s = ldt ? &r.st.ldtr : &r.st.tr;
			CHECK(rc == 0 && r.vector == ER_NONE && s->selector == 0x38 && s->base == high,
			      "%s: %s of a descriptor based at %#llx (base bits 40-44 set) loads it "
			      "(vector %#x, base %#llx%s%s)", eng, what, (unsigned long long)high, r.vector,
			      (unsigned long long)s->base, r.msg[0] ? ": " : "", r.msg);
			n = load_code(c, lo, (high >> 32) | (9ull << 40), ldt, &at);
			rc = er_run(ops, vm, 0, c, n, er_gdt_wide, &r);
			CHECK(rc == 0 && r.vector == 13 && r.err == 0x38 && r.fault_rip == ER_CODE0 + at + 4,
			      "%s: %s with a nonzero type in the upper half is #GP(0x38) (vector %#x error %#x)",
			      eng, what, r.vector, r.err);
		}
	}
	vm_destroy(vm);
	CHECK_EXIT();
}
