/* `ringbench run --records`: host and engine counters around each
 * benchmark, printed as RBH1 lines (docs/protocol.md) between the guest's
 * own lines. */
#ifndef RINGBENCH_RECORDS_H
#define RINGBENCH_RECORDS_H

#include "include/ringbench/abi.h"   /* RB_MARK_PAUSED */
#include <stdint.h>
#include <stdio.h>

#include "engines/core/vm.h"
#include "engines/engine.h"
#include "harness/counters.h"

struct vm;

#define RECORDS_MAX_ENGINE_COUNTERS 96

struct records {
	FILE *out;
	struct counters host;
	uint64_t host_begin[COUNTERS_MAX];
	struct engine_counter eng_begin[RECORDS_MAX_ENGINE_COUNTERS];
	size_t neng_begin;
	struct vm_exit_stat exits_begin[VM_EXIT_REASON_COUNT];
	uint64_t rb_begin[8];
	uint32_t seq;
	int open;               /* between MARK_BEGIN and MARK_END */
	/* Paused (the guest's paired empty loop): the counters at the pause;
	 * at the resume the begin snapshot moves forward by what the pause
	 * added, so the span's deltas leave it out. */
	int paused;
	uint64_t host_pause[COUNTERS_MAX];
	struct engine_counter eng_pause[RECORDS_MAX_ENGINE_COUNTERS];
	size_t neng_pause;
	struct vm_exit_stat exits_pause[VM_EXIT_REASON_COUNT];
	uint64_t rb_pause[8];
};


/* Open the host counters and print the RBH1 info line (engine, which
 * counters are real, the probe note).  Then set
 *   vm->on_marker = records_on_marker; vm->marker_ctx = rec;  */
void records_start(struct records *rec, FILE *out, const char *engine, const char *note);
void records_on_marker(struct vm *vm, uint32_t seq, int is_end, void *ctx);
void records_stop(struct records *rec);

#endif
