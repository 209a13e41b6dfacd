/* A micro-loop of CALL and RET (DEC/JNZ around a CALL to a bare RET: 4
 * guest instructions per iteration), or with "push" a CALL to a leaf
 * that pushes and pops two registers first (8 instructions), run under
 * bt for N iterations, for comparing bt builds with callgrind (host
 * instructions per iteration: run it with two N and take the difference,
 * which leaves out setup).  It checks that the loop ran to its end and
 * that RSP came back.  Not a test: the command line and the numbers are
 * in engines/bt/README.md.
 *   bt_callret_loop N [push]  ->  "insns I helper_calls H ns T" */
#include <stdlib.h>
#include <time.h>

#include "engines/bt/bt.h"
#include "tests/unit/engine_run.h"

static uint32_t iters;

static void setup(struct cpu_state *s)
{
	s->gpr[R_RCX] = iters;
}

int main(int argc, char **argv)
{
	static const uint8_t leaf_ret[] = { 0xc3 };                          /* ret */
	static const uint8_t leaf_push[] = { 0x53, 0x55, 0x5d, 0x5b, 0xc3 }; /* push rbx/rbp, pop, ret */
	bool push = argc > 2 && !strcmp(argv[2], "push");
	const uint8_t *leaf = push ? leaf_push : leaf_ret;
	size_t nleaf = push ? sizeof(leaf_push) : sizeof(leaf_ret);
	uint8_t code[64];
	size_t n = 0;
	char err[200];
	struct er_result r;
	struct timespec t0, t1;

	iters = argc > 1 ? (uint32_t)strtoul(argv[1], NULL, 0) : 1000000;
	code[n++] = 0xeb;                               /* jmp start */
	code[n++] = (uint8_t)nleaf;
	memcpy(code + n, leaf, nleaf);                  /* the leaf at offset 2 */
	n += nleaf;
	size_t start = n;
	int32_t rel = 2 - (int32_t)(n + 5);
	code[n++] = 0xe8;                               /* start: call leaf */
	memcpy(code + n, &rel, 4);
	n += 4;
	code[n++] = 0xff;                               /* dec ecx */
	code[n++] = 0xc9;
	rel = (int32_t)start - (int32_t)(n + 6);
	code[n++] = 0x0f;                               /* jnz start */
	code[n++] = 0x85;
	memcpy(code + n, &rel, 4);
	n += 4;
	struct vm *vm = vm_create(ER_RAM, NULL, err, sizeof(err));
	if (!vm) {
		fprintf(stderr, "bt_callret_loop: %s\n", err);
		return 1;
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	int rc = er_run(&bt_engine_ops, vm, 0, code, n, setup, &r);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	long long ns = (t1.tv_sec - t0.tv_sec) * 1000000000ll + (t1.tv_nsec - t0.tv_nsec);
	struct cpu_state s0;
	er_state(&s0, 0);
	if (rc < 0 || r.vector != ER_NONE || r.st.gpr[R_RCX] != 0 || r.st.gpr[R_RSP] != s0.gpr[R_RSP]) {
		fprintf(stderr, "bt_callret_loop: the loop did not run to its end: %s\n", r.msg);
		vm_destroy(vm);
		return 1;
	}
	printf("insns %llu helper_calls %llu ns %lld\n",
	       (unsigned long long)iters * (push ? 8 : 4) + 1, (unsigned long long)r.helper_calls, ns);
	vm_destroy(vm);
	return 0;
}
