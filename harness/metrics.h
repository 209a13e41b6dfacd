/* Derived per-operation metrics shared by the report, CSV, plots and
 * compare: one definition of "exits per op" for every consumer. */
#ifndef RINGBENCH_METRICS_H
#define RINGBENCH_METRICS_H

#include "harness/results.h"

/* VM exits per measured operation: the VM core's exit counters
 * (vm.exits.*: every exit that reached the VM process, for every engine,
 * counted once by vm_dispatch_exit) summed, else the engine's own
 * (engine.exits.*: test engines); -1 if the
 * engine reports none.  Counters span MARK_BEGIN..MARK_END, which includes
 * warm-up and calibration, so this is divided by the iterations the guest
 * reported (total_iters) and is an upper bound on the steady state. */
double metric_exits_per_op(const struct bench_result *b);
/* bt's calls out of translated code per operation (the canonical
 * helper_calls, engines/engine.h); -1 when the engine reports none. */
double metric_helper_calls_per_op(const struct bench_result *b);
/* Guest instructions per operation (software engines), or -1. */
double metric_insns_per_op(const struct bench_result *b);
/* Guest instructions retired per second of the VM process's CPU time
 * (task-clock) between the markers (software engines), or -1. */
double metric_guest_ips(const struct bench_result *b);
/* Exit counters by reason: fills names/values (per op) up to max; count.
 * The reasons are the VM core's (io, mmio, hlt, hypercall, ...), and for
 * kvm also "in-kernel": KVM's own count of every exit less those. */
size_t metric_exit_reasons(const struct bench_result *b, const char **names,
			   double *per_op, size_t max);
/* Slowdown of a over ref (median ratio), or -1 when either is missing. */
double metric_ratio(const struct bench_result *a, const struct bench_result *ref);

#endif
