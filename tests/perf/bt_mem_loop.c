/* A micro-loop of guest loads and stores (5 memory operands, a register
 * ADD, DEC/JNZ: 8 instructions per iteration) run under bt for N
 * iterations, for comparing bt builds with callgrind (host instructions
 * per iteration: run it with two N and take the difference, which leaves
 * out setup).  It checks the loop's sum in guest memory.  Not a test: the
 * command line and the numbers are in engines/bt/README.md.
 *   bt_mem_loop N  ->  "insns I helper_calls H ns T" */
#include <stdlib.h>

#include "tests/perf/bt_loop.h"

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
	struct er_result r;
	long long ns;

	iters = argc > 1 ? (uint32_t)strtoul(argv[1], NULL, 0) : 1000000;
	struct vm *vm = bt_loop_run("bt_mem_loop", body, sizeof(body), setup, &r, &ns);
	if (!vm)
		return 1;
	/* RAM starts filled with 0xf4: [rbx+8] gained [rbx] once per iteration. */
	uint64_t q = 0xf4f4f4f4f4f4f4f4ull, sum;
	memcpy(&sum, vm->ram + DATA + 8, 8);
	if (sum != q + (uint64_t)iters * q) {
		fprintf(stderr, "bt_mem_loop: the sum in guest memory is %#llx, not %#llx\n",
			(unsigned long long)sum, (unsigned long long)(q + (uint64_t)iters * q));
		return 1;
	}
	printf("insns %llu helper_calls %llu ns %lld\n", (unsigned long long)iters * 8 + 1,
	       (unsigned long long)r.helper_calls, ns);
	vm_destroy(vm);
	return 0;
}
