/* VERR/VERW (SDM vol. 2B) under interp and bt: ZF for each kind of
 * descriptor at CPL 0 and 3.  The host CPU is the oracle for the kinds
 * a Linux host's GDT also has (its fixed x86-64 layout: 0x10 kernel code,
 * 0x18 kernel data, 0x2b user data, 0x33 user code), run here at CPL 3;
 * the rest follows the SDM's rules. */
#include <stdio.h>
#include <string.h>

#include "engines/bt/bt.h"
#include "tests/check.h"
#include "tests/unit/engine_run.h"

extern const struct engine_ops interp_engine_ops;

static const struct { const char *name; const struct engine_ops *ops; } engines[] = {
	{ "interp", &interp_engine_ops }, { "bt", &bt_engine_ops },
};

/* The host's answer for selector sel: 1 if ZF was set. */
static int host_verify(uint16_t sel, int write)
{
	uint8_t z;

	if (write)
		__asm__ volatile("verw %w1; setz %0" : "=q"(z) : "r"(sel) : "cc");
	else
		__asm__ volatile("verr %w1; setz %0" : "=q"(z) : "r"(sel) : "cc");
	return z;
}

/* mov ax, sel; verr/verw ax; setz bl */
static int guest_verify(const struct engine_ops *ops, struct vm *vm, int cpl, uint16_t sel, int write,
			char *msg, size_t len)
{
	uint8_t c[] = { 0x66, 0xb8, (uint8_t)sel, (uint8_t)(sel >> 8), 0x0f, 0x00, (uint8_t)(write ? 0xe8 : 0xe0),
			0x0f, 0x94, 0xc3 };
	struct er_result r;

	if (er_run(ops, vm, cpl, c, sizeof(c), NULL, &r) < 0 || r.vector != ER_NONE) {
		snprintf(msg, len, "%s (vector %d)", r.msg, r.vector);
		return -1;
	}
	return (int)(r.st.gpr[R_RBX] & 1);
}

int main(void)
{
	/* The test GDT (long_mode.h): 0x08 kernel code (readable), 0x10
	 * kernel data, 0x18 user data, 0x20 user code (readable), 0x28 TSS,
	 * limit 0x37. */
	static const struct { int cpl; uint16_t sel; int write, zf; uint16_t host_sel; const char *what; } cases[] = {
		{ 0, 0x10, 1, 1, 0, "VERW kernel data at CPL 0" },
		{ 0, 0x08, 1, 0, 0, "VERW kernel code at CPL 0" },
		{ 0, 0x08, 0, 1, 0, "VERR readable kernel code at CPL 0" },
		{ 0, 0x18, 1, 1, 0, "VERW user data at CPL 0" },
		{ 0, 0x13, 1, 0, 0, "VERW kernel data with RPL 3" },
		{ 0, 0x28, 1, 0, 0, "VERW a TSS (system descriptor)" },
		{ 0, 0x00, 1, 0, 0, "VERW the null selector" },
		{ 0, 0x40, 0, 0, 0, "VERR beyond the GDT limit" },
		{ 3, 0x1b, 1, 1, 0x2b, "VERW user data at CPL 3" },
		{ 3, 0x1b, 0, 1, 0x2b, "VERR user data at CPL 3" },
		{ 3, 0x23, 0, 1, 0x33, "VERR readable user code at CPL 3" },
		{ 3, 0x23, 1, 0, 0x33, "VERW user code at CPL 3" },
		{ 3, 0x13, 1, 0, 0x18, "VERW kernel data at CPL 3" },
		{ 3, 0x0b, 0, 0, 0x10, "VERR kernel code at CPL 3" },
		{ 3, 0x03, 0, 0, 0x03, "VERR the null selector at CPL 3" },
	};
	char err[200];
	struct vm *vm = vm_create(ER_RAM, NULL, err, sizeof(err));

	if (!vm) {
		printf("not ok - vm_create: %s\n", err);
		return 1;
	}
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		if (cases[i].host_sel)
			CHECK(host_verify(cases[i].host_sel, cases[i].write) == cases[i].zf,
			      "host CPU: %s (selector %#x) gives ZF=%d", cases[i].what, cases[i].host_sel, cases[i].zf);
	for (size_t k = 0; k < sizeof(engines) / sizeof(engines[0]); k++)
		for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
			char msg[400] = "";
			int z = guest_verify(engines[k].ops, vm, cases[i].cpl, cases[i].sel, cases[i].write, msg, sizeof(msg));
			CHECK(z == cases[i].zf, "%s: %s (selector %#x) gives ZF=%d, got %d %s", engines[k].name,
			      cases[i].what, cases[i].sel, cases[i].zf, z, msg);
		}
	vm_destroy(vm);
	CHECK_EXIT();
}
