/* A micro-loop of SSE register arithmetic (ADDPS, MULPS, ADDSD, PXOR,
 * PADDD, MOVAPS, SUBPS: 7 SSE and 2 integer instructions per iteration)
 * run under bt for N iterations, for comparing bt builds with callgrind
 * (host instructions per guest instruction: run it with two N and take the
 * difference, which leaves out setup) or by time.  Not a test: the
 * command line and the numbers are in engines/bt/README.md.
 *   cc -O2 -I. tests/perf/bt_sse_loop.c <the build's library objects> -lcapstone -ljson-c -lpfm -lm -lrt
 *   bt_sse_loop N  ->  "insns I helper_calls H ns T" */
#include <stdlib.h>

#include "engines/x86/sse.h"
#include "tests/perf/bt_loop.h"

static const uint8_t body[] = {
	0x0f, 0x58, 0xc1,                       /* addps xmm0, xmm1 */
	0x0f, 0x59, 0xd3,                       /* mulps xmm2, xmm3 */
	0xf2, 0x0f, 0x58, 0xe5,                 /* addsd xmm4, xmm5 */
	0x66, 0x0f, 0xef, 0xf7,                 /* pxor xmm6, xmm7 */
	0x66, 0x45, 0x0f, 0xfe, 0xc1,           /* paddd xmm8, xmm9 */
	0x44, 0x0f, 0x28, 0xd0,                 /* movaps xmm10, xmm0 */
	0x44, 0x0f, 0x5c, 0xd2,                 /* subps xmm10, xmm2 */
	0xff, 0xc9,                             /* dec ecx */
};

static uint32_t iters;

static void setup(struct cpu_state *s)
{
	s->cr4 |= X86_CR4_OSFXSR | X86_CR4_OSXMMEXCPT;
	s->mxcsr = MXCSR_RESET;
	s->gpr[R_RCX] = iters;
}

int main(int argc, char **argv)
{
	struct er_result r;
	long long ns;

	iters = argc > 1 ? (uint32_t)strtoul(argv[1], NULL, 0) : 1000000;
	struct vm *vm = bt_loop_run("bt_sse_loop", body, sizeof(body), setup, &r, &ns);
	if (!vm)
		return 1;
	/* The loop's instructions: 9 per iteration (+ the final OUT). */
	printf("insns %llu helper_calls %llu ns %lld\n", (unsigned long long)iters * 9 + 1,
	       (unsigned long long)r.helper_calls, ns);
	vm_destroy(vm);
	return 0;
}
