/* The interpreter engine's private state, shared by its glue (interp.c)
 * and its main loop (loop.c). */
#ifndef RINGBENCH_INTERP_H
#define RINGBENCH_INTERP_H

#include "engines/engine.h"
#include "engines/interp/blocks.h"
#include "engines/x86/cpu.h"

struct engine {
	struct x86_cpu cpu;
	struct vm *vm;
	struct block_cache bc;
	enum vm_exit_reason last_exit;  /* what the previous run() returned */
	bool last_was_read;             /* an IN waiting for its data */
	unsigned poll;                  /* blocks until the next LAPIC poll */
	int link_rr;                    /* which chain slot to replace next */
	uint64_t links;                 /* chain links made */
	uint64_t uncached_steps;        /* instructions crossing a page end */
	uint64_t exits[VM_EXIT_REASON_COUNT];
};

int interp_run(struct engine *e, struct vm_exit *exit);
extern const struct engine_ops interp_engine_ops;

#endif
