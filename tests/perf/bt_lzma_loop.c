/* The loop of Linux's LZMA decompressor that dominated bt's boot profile
 * (a dictionary copy: 4 memory operands through RAX, 2 through R8 indexed,
 * 12 instructions per iteration) run under bt for N iterations, for
 * comparing bt builds with callgrind (host instructions per iteration: run
 * it with two N and take the difference).  It checks the position the
 * loop keeps in guest memory.  Not a test: the command line and the
 * numbers are in engines/bt/README.md ("Memory groups").
 *   bt_lzma_loop N  ->  "insns I ns T" */
#include <stdlib.h>

#include "tests/perf/bt_loop.h"

#define STATE 0x100000u                 /* [0] the buffer, [0x10] the position, [0x28] its size */

static const uint8_t prologue[] = {
	0xb8, 0x00, 0x00, 0x10, 0x00,                   /* mov eax, STATE */
	0x48, 0xc7, 0x00, 0x00, 0x10, 0x10, 0x00,       /* mov qword [rax], STATE + 0x1000 */
	0x48, 0xc7, 0x40, 0x10, 0x00, 0x00, 0x00, 0x00, /* mov qword [rax+0x10], 0 */
	0x48, 0xc7, 0x40, 0x28, 0x40, 0x00, 0x00, 0x00, /* mov qword [rax+0x28], 0x40 */
	0x31, 0xd2,                                     /* xor edx, edx */
	0xb9, 0x05, 0x00, 0x00, 0x00,                   /* mov ecx, 5 */
	0x45, 0x31, 0xd2,                               /* xor r10d, r10d */
};

static const uint8_t body[] = {
	0x4c, 0x8b, 0x00,                               /* mov r8, [rax] */
	0x4c, 0x8d, 0x4a, 0x01,                         /* lea r9, [rdx+1] */
	0x48, 0x8d, 0x71, 0x01,                         /* lea rsi, [rcx+1] */
	0x4c, 0x89, 0x48, 0x10,                         /* mov [rax+0x10], r9 */
	0x41, 0x0f, 0xb6, 0x0c, 0x08,                   /* movzx ecx, byte [r8+rcx] */
	0x41, 0x88, 0x0c, 0x10,                         /* mov [r8+rdx], cl */
	0x48, 0x3b, 0x70, 0x28,                         /* cmp rsi, [rax+0x28] */
	0x49, 0x0f, 0x44, 0xf2,                         /* cmove rsi, r10 */
	0x48, 0x8b, 0x50, 0x10,                         /* mov rdx, [rax+0x10] */
	0x48, 0x89, 0xf1,                               /* mov rcx, rsi */
	0x83, 0xef, 0x01,                               /* sub edi, 1 */
};

static uint32_t iters;

static void setup(struct cpu_state *s) { s->gpr[R_RDI] = iters; }

int main(int argc, char **argv)
{
	struct er_result r;
	long long ns;

	iters = argc > 1 ? (uint32_t)strtoul(argv[1], NULL, 0) : 1000000;
	struct vm *vm = bt_loop_run_after("bt_lzma_loop", prologue, sizeof(prologue), body, sizeof(body),
					  R_RDI, setup, &r, &ns);
	if (!vm)
		return 1;
	uint64_t pos;
	memcpy(&pos, vm->ram + STATE + 0x10, 8);
	if (pos != iters || r.st.gpr[R_RDX] != iters) {
		fprintf(stderr, "bt_lzma_loop: the position is %llu, not %u\n", (unsigned long long)pos, iters);
		return 1;
	}
	printf("insns %llu ns %lld\n", (unsigned long long)iters * 12 + 7, ns);     /* 7: the prologue */
	vm_destroy(vm);
	return 0;
}
