/* A micro-loop of guest loads and stores (5 memory operands, a register
 * ADD, DEC/JNZ: 8 instructions per iteration) run under bt for N
 * iterations, for comparing bt builds with callgrind (host instructions
 * per iteration: run it with two N and take the difference, which leaves
 * out setup).  It checks the loop's sum in guest memory.  Not a test: the
 * command line and the numbers are in engines/bt/README.md.
 *   bt_mem_loop N  ->  "insns I helper_calls H ns T" */
#include <stdlib.h>
#include <time.h>

#include "engines/bt/bt.h"
#include "tests/unit/engine_run.h"

#define DATA 0x100000u

static const uint8_t body[] = {
	0x48, 0x8b, 0x03,                       /* mov rax, [rbx] */
	0x48, 0x01, 0x43, 0x08,                 /* add [rbx+8], rax */
	0x48, 0x8b, 0x54, 0xf3, 0x10,           /* mov rdx, [rbx+rsi*8+16] */
	0x89, 0x53, 0x18,                       /* mov [rbx+24], edx */
	0x0f, 0xb6, 0x7b, 0x05,                 /* movzx edi, byte [rbx+5] */
	0x48, 0x01, 0xd0,                       /* add rax, rdx */
	0xff, 0xc9,                             /* dec ecx */
};

static uint32_t iters;

static void setup(struct cpu_state *s)
{
	s->gpr[R_RCX] = iters;
	s->gpr[R_RBX] = DATA;
	s->gpr[R_RSI] = 0;
}

int main(int argc, char **argv)
{
	char err[200];
	uint8_t code[64];
	size_t n = 0;
	struct er_result r;
	struct timespec t0, t1;

	iters = argc > 1 ? (uint32_t)strtoul(argv[1], NULL, 0) : 1000000;
	memcpy(code, body, sizeof(body));
	n = sizeof(body);
	int32_t back = -(int32_t)(n + 6);
	code[n++] = 0x0f;
	code[n++] = 0x85;                       /* jnz body */
	memcpy(code + n, &back, 4);
	n += 4;
	struct vm *vm = vm_create(ER_RAM, NULL, err, sizeof(err));
	if (!vm) {
		fprintf(stderr, "bt_mem_loop: %s\n", err);
		return 1;
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	int rc = er_run(&bt_engine_ops, vm, 0, code, n, setup, &r);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	/* RAM starts filled with 0xf4: [rbx+8] gained [rbx] once per iteration. */
	uint64_t q = 0xf4f4f4f4f4f4f4f4ull, sum;
	memcpy(&sum, vm->ram + DATA + 8, 8);
	if (rc < 0 || r.vector != ER_NONE || r.st.gpr[R_RCX] != 0 || sum != q + (uint64_t)iters * q) {
		fprintf(stderr, "bt_mem_loop: the loop did not run to its end: %s\n", r.msg);
		return 1;
	}
	printf("insns %llu helper_calls %llu ns %lld\n", (unsigned long long)iters * 8 + 1,
	       (unsigned long long)r.helper_calls,
	       (long long)((t1.tv_sec - t0.tv_sec) * 1000000000ll + (t1.tv_nsec - t0.tv_nsec)));
	vm_destroy(vm);
	return 0;
}
