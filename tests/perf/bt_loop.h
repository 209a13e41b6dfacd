/* The shared part of the bt loop programs (bt_sse_loop.c, bt_mem_loop.c,
 * bt_lzma_loop.c): pre (plen bytes, once), then body and a JNZ back to
 * it, run under bt from the state setup leaves, until the counting
 * register count (the body decrements it) is 0.  Returns the VM (the
 * caller checks and frees it), NULL with a message printed on failure. */
#ifndef RINGBENCH_TESTS_PERF_BT_LOOP_H
#define RINGBENCH_TESTS_PERF_BT_LOOP_H

#include <time.h>

#include "engines/bt/bt.h"
#include "tests/unit/engine_run.h"

static struct vm *bt_loop_run_after(const char *name, const uint8_t *pre, size_t plen,
				    const uint8_t *body, size_t len, int count,
				    void (*setup)(struct cpu_state *), struct er_result *r, long long *ns)
{
	char err[200];
	uint8_t code[128];
	size_t n = plen + len;
	struct timespec t0, t1;

	if (n + 6 > sizeof(code))
		return NULL;
	if (plen)
		memcpy(code, pre, plen);
	memcpy(code + plen, body, len);
	int32_t back = -(int32_t)(len + 6);
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
	if (rc < 0 || r->vector != ER_NONE || r->st.gpr[count] != 0) {
		fprintf(stderr, "%s: the loop did not run to its end: %s\n", name, r->msg);
		vm_destroy(vm);
		return NULL;
	}
	return vm;
}

/* No prologue, ECX counting (DEC ECX at the body's end). */
static inline struct vm *bt_loop_run(const char *name, const uint8_t *body, size_t len,
				     void (*setup)(struct cpu_state *), struct er_result *r, long long *ns)
{
	return bt_loop_run_after(name, NULL, 0, body, len, R_RCX, setup, r, ns);
}

#endif
