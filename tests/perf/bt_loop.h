/* The shared part of the bt loop programs (bt_sse_loop.c, bt_mem_loop.c):
 * body, then DEC ECX's JNZ back to it, run under bt from the state setup
 * leaves.  Returns the VM (the caller checks and frees it), NULL with a
 * message printed on failure. */
#ifndef RINGBENCH_TESTS_PERF_BT_LOOP_H
#define RINGBENCH_TESTS_PERF_BT_LOOP_H

#include <time.h>

#include "engines/bt/bt.h"
#include "tests/unit/engine_run.h"

static struct vm *bt_loop_run(const char *name, const uint8_t *body, size_t len,
			      void (*setup)(struct cpu_state *), struct er_result *r, long long *ns)
{
	char err[200];
	uint8_t code[128];
	size_t n = len;
	struct timespec t0, t1;

	if (len + 6 > sizeof(code))
		return NULL;
	memcpy(code, body, len);
	int32_t back = -(int32_t)(n + 6);
	code[n++] = 0x0f;
	code[n++] = 0x85;                       /* jnz body */
	memcpy(code + n, &back, 4);
	n += 4;
	struct vm *vm = vm_create(ER_RAM, NULL, err, sizeof(err));
	if (!vm) {
		fprintf(stderr, "%s: %s\n", name, err);
		return NULL;
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	int rc = er_run(&bt_engine_ops, vm, 0, code, n, setup, r);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	*ns = (t1.tv_sec - t0.tv_sec) * 1000000000ll + (t1.tv_nsec - t0.tv_nsec);
	if (rc < 0 || r->vector != ER_NONE || r->st.gpr[R_RCX] != 0) {
		fprintf(stderr, "%s: the loop did not run to its end: %s\n", name, r->msg);
		vm_destroy(vm);
		return NULL;
	}
	return vm;
}

#endif
