/* REP STOS and REP MOVS over several pages whose TLB entries start cold,
 * under interp and bt: the shared handler does each page's first element
 * alone (it walks the tables) and the rest of the page at once (memset
 * for a value whose bytes are all the same, stores of the element size
 * otherwise).  The oracle is the SDM's definition, computed here: count
 * elements of the low bytes of RAX (or of the source) at RDI upward,
 * RDI (and RSI) advanced by count * size, RCX 0, the bytes around
 * untouched. */
#include "engines/bt/bt.h"
#include "tests/check.h"
#include "tests/unit/engine_run.h"

extern const struct engine_ops interp_engine_ops;

#define DST 0x101003u           /* odd: elements straddle the page ends */
#define SRC 0x1000u             /* the GDT, IDT and TSS: varied bytes */

static uint64_t rax, rcx, rsi;
static void set_regs(struct cpu_state *s)
{
	s->gpr[R_RAX] = rax;
	s->gpr[R_RCX] = rcx;
	s->gpr[R_RDI] = DST;
	s->gpr[R_RSI] = rsi;
}

/* 0 if the bytes around [DST, DST + len) kept the 0xf4 er_run fills RAM with. */
static int around_kept(const uint8_t *ram, size_t len)
{
	for (size_t i = 1; i <= 64; i++)
		if (ram[DST - i] != 0xf4 || ram[DST + len - 1 + i] != 0xf4)
			return -1;
	return 0;
}

int main(void)
{
	static const struct { const char *name; const struct engine_ops *ops; } engines[] = {
		{ "interp", &interp_engine_ops }, { "bt", &bt_engine_ops },
	};
	static const struct { const char *name; uint8_t code[3]; size_t n; unsigned size; } stos[] = {
		{ "rep stosb", { 0xf3, 0xaa }, 2, 1 }, { "rep stosw", { 0x66, 0xf3, 0xab }, 3, 2 },
		{ "rep stosd", { 0xf3, 0xab }, 2, 4 }, { "rep stosq", { 0xf3, 0x48, 0xab }, 3, 8 },
	};
	static const uint64_t values[] = {
		0, ~0ull, 0x4141414141414141ull, 0x1122334455667788ull, 0x00ff00ff00ff00ffull,
	};
	static uint8_t want[4 * 4096];
	char err[200];
	struct er_result r;
	struct vm *vm = vm_create(ER_RAM, NULL, err, sizeof(err));

	if (!vm) {
		CHECK(0, "a VM: %s", err);
		CHECK_EXIT();
	}
	for (size_t e = 0; e < 2; e++)
		for (size_t k = 0; k < sizeof(stos) / sizeof(stos[0]); k++)
			for (size_t v = 0; v < sizeof(values) / sizeof(values[0]); v++) {
				unsigned size = stos[k].size;
				size_t len;
				rax = values[v];
				rcx = (3 * 4096 + 100) / size;
				len = rcx * size;
				for (size_t i = 0; i < len; i++)
					want[i] = (uint8_t)(rax >> (8 * (i % size)));
				int rc = er_run(engines[e].ops, vm, 0, stos[k].code, stos[k].n, set_regs, &r);
				CHECK(rc == 0 && r.vector == ER_NONE && r.st.gpr[R_RCX] == 0 &&
				      r.st.gpr[R_RDI] == DST + len && !memcmp(vm->ram + DST, want, len) &&
				      !around_kept(vm->ram, len),
				      "%s: %s of %#llx over 3 pages from %#x: the SDM's bytes, RDI %#llx, RCX %#llx (%s)",
				      engines[e].name, stos[k].name, (unsigned long long)rax, DST,
				      (unsigned long long)r.st.gpr[R_RDI], (unsigned long long)r.st.gpr[R_RCX], r.msg);
			}
	static const struct { const char *name; uint8_t code[3]; size_t n; unsigned size; } movs[] = {
		{ "rep movsb", { 0xf3, 0xa4 }, 2, 1 }, { "rep movsq", { 0xf3, 0x48, 0xa5 }, 3, 8 },
	};
	for (size_t e = 0; e < 2; e++)
		for (size_t k = 0; k < 2; k++) {
			size_t len;
			rsi = SRC;
			rcx = (3 * 4096 - 8) / movs[k].size;
			len = rcx * movs[k].size;
			int rc = er_run(engines[e].ops, vm, 0, movs[k].code, movs[k].n, set_regs, &r);
			CHECK(rc == 0 && r.vector == ER_NONE && r.st.gpr[R_RCX] == 0 &&
			      r.st.gpr[R_RDI] == DST + len && r.st.gpr[R_RSI] == SRC + len &&
			      !memcmp(vm->ram + DST, vm->ram + SRC, len) && !around_kept(vm->ram, len),
			      "%s: %s of 3 pages to %#x: the source's bytes, RSI/RDI advanced, RCX 0 (%s)",
			      engines[e].name, movs[k].name, DST, r.msg);
		}
	vm_destroy(vm);
	CHECK_EXIT();
}
