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
	struct x86_exits ex;            /* exits handed to the VM core */
	unsigned poll;                  /* blocks until the next LAPIC poll */
	int link_rr;                    /* which chain slot to replace next */
	uint64_t links;                 /* chain links made */
	uint64_t uncached_steps;        /* instructions crossing a page end */
};

int interp_run(struct engine *e, struct vm_exit *exit);
extern const struct engine_ops interp_engine_ops;

#endif
