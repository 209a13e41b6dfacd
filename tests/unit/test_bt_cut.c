/* An instruction cut by the page end (engines/bt/cut.c), in a hot loop:
 * MOV RAX, imm64 whose immediate runs into the next page, 400000 times.
 * Under interp and bt the sums are right; under bt the interpreter ran it
 * each time (bt.interp_steps), the cache was never flushed (a failed
 * translation each time round used to leak a block from the arena, a
 * flush every ~300000), and after the loop rewrites the immediate's bytes
 * in the second page, the second loop uses the new value (the kept
 * decoding is checked against the bytes). */
#include <stdlib.h>

#include "engines/bt/bt.h"
#include "tests/check.h"
#include "tests/unit/engine_run.h"

/* This test runs its own loop (it reads the engine's counters before
 * destroying it); er_run is the others'. */
static int (*const unused_er_run)(const struct engine_ops *, struct vm *, int, const uint8_t *, size_t,
				 void (*)(struct cpu_state *), struct er_result *) __attribute__((unused)) = er_run;

extern const struct engine_ops interp_engine_ops;

#define LOOPS   400000u
#define CUT_AT  0xffau          /* MOV RAX, imm64 at code + 0xffa: bytes 0xffa-0x1003 */
#define IMM1    0x0000000100000003ull
#define IMM2    0x0007000100000003ull   /* its bytes 6-7 (at 0x1002) made 07 00 */

static size_t program(uint8_t *c)
{
	size_t k = 0;

	memset(c, 0x90, 0x1100);
	/* mov ecx, LOOPS; xor edx, edx; mov ebx, 2; jmp loop */
	c[k++] = 0xb9; memcpy(c + k, &(uint32_t){ LOOPS }, 4); k += 4;
	c[k++] = 0x31; c[k++] = 0xd2;
	c[k++] = 0xbb; memcpy(c + k, &(uint32_t){ 2 }, 4); k += 4;
	c[k++] = 0xe9; memcpy(c + k, &(int32_t){ (int32_t)(CUT_AT - (k + 4)) }, 4); k += 4;
	/* At CUT_AT: mov rax, IMM; add rdx, rax; dec ecx; jnz CUT_AT */
	k = CUT_AT;
	c[k++] = 0x48; c[k++] = 0xb8; memcpy(c + k, &(uint64_t){ IMM1 }, 8); k += 8;
	c[k++] = 0x48; c[k++] = 0x01; c[k++] = 0xc2;
	c[k++] = 0xff; c[k++] = 0xc9;
	c[k++] = 0x75; c[k] = (uint8_t)(CUT_AT - (k + 1)); k++;
	/* dec ebx; jz end; mov word [code + 0x1002], 7; mov ecx, LOOPS; jmp CUT_AT */
	c[k++] = 0xff; c[k++] = 0xcb;
	c[k++] = 0x74; c[k++] = 9 + 5 + 5;
	c[k++] = 0x66; c[k++] = 0xc7; c[k++] = 0x04; c[k++] = 0x25;
	memcpy(c + k, &(uint32_t){ ER_CODE0 + CUT_AT + 8 }, 4); k += 4;
	c[k++] = 0x07; c[k++] = 0x00;
	c[k++] = 0xb9; memcpy(c + k, &(uint32_t){ LOOPS }, 4); k += 4;
	c[k++] = 0xe9; memcpy(c + k, &(int32_t){ (int32_t)(CUT_AT - (k + 4)) }, 4); k += 4;
	return k;
}

static uint64_t counter(const struct engine_ops *ops, struct engine *e, const char *name)
{
	struct engine_counter c[128];
	size_t n = ops->counters ? ops->counters(e, c, 128) : 0;

	for (size_t i = 0; i < n; i++)
		if (!strcmp(c[i].name, name))
			return c[i].value;
	return ~0ull;
}

int main(void)
{
	static const struct { const char *name; const struct engine_ops *ops; } engines[] = {
		{ "interp", &interp_engine_ops }, { "bt", &bt_engine_ops },
	};
	static uint8_t code[0x1100];
	char err[200];
	struct vm *vm = vm_create(ER_RAM, NULL, err, sizeof(err));
	size_t n = program(code);

	if (!vm) {
		CHECK(0, "a VM of %u MiB: %s", ER_RAM >> 20, err);
		CHECK_EXIT();
	}
	for (size_t ei = 0; ei < sizeof(engines) / sizeof(engines[0]); ei++) {
		const struct engine_ops *ops = engines[ei].ops;
		struct cpu_state s;
		struct vm_exit x = { 0 };
		struct engine *e;

		memset(vm->ram, 0xf4, ER_RAM);
		lm_build_tables(vm->ram, ER_STUBS);
		er_stubs(vm->ram);
		memcpy(vm->ram + ER_CODE0, code, n);
		vm->ram[ER_CODE0 + n] = 0xe6;
		vm->ram[ER_CODE0 + n + 1] = ER_PORT;
		er_state(&s, 0);
		e = ops->create(vm, err, sizeof(err));
		if (!e) {
			CHECK(0, "%s: create: %s", engines[ei].name, err);
			continue;
		}
		vm->ops = ops;
		vm->engine = e;
		ops->set_state(e, &s);
		for (int i = 0; i < 1000; i++) {
			ops->run(e, &x);
			if (x.reason != VM_EXIT_IO || (x.io.port == ER_PORT && x.io.is_write))
				break;
		}
		ops->get_state(e, &s);
		uint64_t want = LOOPS * IMM1 + LOOPS * IMM2;
		CHECK((x.reason == VM_EXIT_IO || x.reason == VM_EXIT_HLT) && s.gpr[R_R15] == ER_NONE && s.gpr[R_RDX] == want,
		      "%s: MOV RAX, imm64 cut by the page end, %u times, then its bytes in the next page "
		      "rewritten and %u times again: rdx %#llx (want %#llx), exit %d, vector %#llx", engines[ei].name,
		      LOOPS, LOOPS, (unsigned long long)s.gpr[R_RDX], (unsigned long long)want, x.reason,
		      (unsigned long long)s.gpr[R_R15]);
		if (ops == &bt_engine_ops) {
			uint64_t steps = counter(ops, e, "bt.interp_steps"), flushes = counter(ops, e, "bt.flushes");
			CHECK(steps >= 2 * LOOPS && steps < 2 * LOOPS + 100 && flushes == 0,
			      "bt: the cut instruction stepped by the interpreter each time (%llu steps, want %u), "
			      "no cache flush (%llu)", (unsigned long long)steps, 2 * LOOPS,
			      (unsigned long long)flushes);
		}
		ops->destroy(e);
		vm->engine = NULL;
	}
	vm_destroy(vm);
	CHECK_EXIT();
}
