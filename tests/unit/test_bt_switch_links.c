/* What bt keeps across a CR3 write and an INVLPG, checked by results a
 * stale link or jump-cache entry would get wrong.  Linear 0x400ff0 holds
 * X, a JMP to the next page, 0x401000, which holds Y: MOV EAX, id; RET.
 * Address space A maps Y to a page with id 0xA, B to one with id 0xB, C
 * to A's page through tables of its own.  The snippet calls X (a direct
 * chain across pages, linked by then) and Y (CALL reg: the jump cache) in
 * A, B, A and C, then in A after pointing A's PTE for Y at B's page and
 * INVLPG.  The sums are the SDM's: each call returns the id of the page
 * the current tables map.  With CR4.PGE a CR3 write keeps global pages
 * (bt then checks its non-global links page by page); without, it drops
 * everything.  Under interp and bt. */
#include "engines/bt/bt.h"
#include "tests/check.h"
#include "tests/unit/engine_run.h"

extern const struct engine_ops interp_engine_ops;

#define PT_A    0x20000u
#define PT_B    0x21000u
#define PML4_B  0x22000u        /* then its PDPT and PD */
#define PML4_C  0x25000u        /* then its PDPT and PD; its PT at 0x28000 */
#define PT_C    0x28000u
#define X_PAGE  0x30000u
#define Y_A     0x32000u
#define Y_B     0x33000u

static struct vm *vm;
static bool pge;

/* An address space: PML4 at pml4, its PDPT and PD after it, the low 4 MiB
 * as long_mode.h maps them, and 4-6 MiB through page table pt. */
static void space(uint8_t *ram, uint32_t pml4, uint32_t pt)
{
	if (pml4 != LM_PML4) {
		lm_put64(ram, pml4, (pml4 + 0x1000) | 3);
		lm_put64(ram, pml4 + 0x1000, (pml4 + 0x2000) | 3);
		memcpy(ram + pml4 + 0x2000, ram + LM_PD, 16);
	}
	uint32_t pd = pml4 == LM_PML4 ? LM_PD : pml4 + 0x2000;
	lm_put64(ram, pd + 16, pt | 3);
}

static void setup(struct cpu_state *s)
{
	uint8_t *ram = vm->ram;
	static const uint8_t y[] = { 0xb8, 0, 0, 0, 0, 0xc3 };         /* mov eax, id; ret */
	static const uint8_t x[] = { 0xe9, 0x0b, 0, 0, 0 };            /* jmp 0x401000 */

	space(ram, LM_PML4, PT_A);
	space(ram, PML4_B, PT_B);
	space(ram, PML4_C, PT_C);
	lm_put64(ram, PT_A, X_PAGE | 3);
	lm_put64(ram, PT_A + 8, Y_A | 3);
	lm_put64(ram, PT_B, X_PAGE | 3);
	lm_put64(ram, PT_B + 8, Y_B | 3);
	lm_put64(ram, PT_C, X_PAGE | 3);
	lm_put64(ram, PT_C + 8, Y_A | 3);
	memcpy(ram + X_PAGE + 0xff0, x, sizeof(x));
	memcpy(ram + Y_A, y, sizeof(y));
	ram[Y_A + 1] = 0xa;
	memcpy(ram + Y_B, y, sizeof(y));
	ram[Y_B + 1] = 0xb;
	if (pge)
		s->cr4 |= CR4_PGE;
}

int main(void)
{
	static const struct { const char *name; const struct engine_ops *ops; } engines[] = {
		{ "interp", &interp_engine_ops }, { "bt", &bt_engine_ops },
	};
	static const uint8_t code[] = {
		0xbb, 0xf0, 0x0f, 0x40, 0x00,           /* mov ebx, 0x400ff0 (X) */
		0xff, 0xd3, 0x49, 0x89, 0xc0,           /* call rbx; mov r8, rax */
		0xff, 0xd3, 0x49, 0x01, 0xc0,           /* call rbx; add r8, rax */
		0xbe, 0x00, 0x10, 0x40, 0x00,           /* mov esi, 0x401000 (Y) */
		0xff, 0xd6, 0x49, 0x01, 0xc0,           /* call rsi; add r8, rax */
		0xb8, 0x00, 0x20, 0x02, 0x00, 0x0f, 0x22, 0xd8,        /* cr3 = B */
		0xff, 0xd3, 0x49, 0x89, 0xc1,           /* call rbx; mov r9, rax */
		0xff, 0xd3, 0x49, 0x01, 0xc1,           /* call rbx; add r9, rax */
		0xff, 0xd6, 0x49, 0x01, 0xc1,           /* call rsi; add r9, rax */
		0xb8, 0x00, 0x40, 0x00, 0x00, 0x0f, 0x22, 0xd8,        /* cr3 = A */
		0xff, 0xd3, 0x49, 0x89, 0xc2,           /* call rbx; mov r10, rax */
		0xff, 0xd6, 0x49, 0x01, 0xc2,           /* call rsi; add r10, rax */
		0xb8, 0x00, 0x50, 0x02, 0x00, 0x0f, 0x22, 0xd8,        /* cr3 = C */
		0xff, 0xd3, 0x49, 0x89, 0xc4,           /* call rbx; mov r12, rax */
		0xff, 0xd6, 0x49, 0x01, 0xc4,           /* call rsi; add r12, rax */
		0xb8, 0x00, 0x40, 0x00, 0x00, 0x0f, 0x22, 0xd8,        /* cr3 = A */
		0x48, 0xc7, 0x04, 0x25, 0x08, 0x00, 0x02, 0x00,        /* A's PTE for Y: B's page */
		0x03, 0x30, 0x03, 0x00,
		0x0f, 0x01, 0x3e,                       /* invlpg [rsi] */
		0xff, 0xd3, 0x49, 0x89, 0xc3,           /* call rbx; mov r11, rax */
		0xff, 0xd6, 0x49, 0x01, 0xc3,           /* call rsi; add r11, rax */
	};
	char err[200];
	struct er_result r;

	vm = vm_create(ER_RAM, NULL, err, sizeof(err));
	if (!vm) {
		CHECK(0, "a VM: %s", err);
		CHECK_EXIT();
	}
	for (int g = 0; g < 2; g++)
		for (size_t e = 0; e < 2; e++) {
			pge = g;
			int rc = er_run(engines[e].ops, vm, 0, code, sizeof(code), setup, &r);
			const uint64_t *v = r.st.gpr;
			CHECK(rc == 0 && r.vector == ER_NONE && v[R_R8] == 0x1e && v[R_R9] == 0x21 &&
			      v[R_R10] == 0x14 && v[R_R12] == 0x14 && v[R_R11] == 0x16,
			      "%s, CR4.PGE %d: each call reaches the page the tables map now: A %#llx (0x1e), "
			      "B %#llx (0x21), A again %#llx (0x14), C %#llx (0x14), A after INVLPG %#llx (0x16)"
			      " (vector %#x, %s)", engines[e].name, g, (unsigned long long)v[R_R8],
			      (unsigned long long)v[R_R9], (unsigned long long)v[R_R10],
			      (unsigned long long)v[R_R12], (unsigned long long)v[R_R11], r.vector, r.msg);
		}
	vm_destroy(vm);
	CHECK_EXIT();
}
