/* Per-operation metrics from the RBH1 counters. */
#include "harness/metrics.h"

#include <math.h>
#include <string.h>

/* An exit-count counter: "<prefix><reason>", not a time ("...ns"). */
static int is_count(const char *name, const char *prefix)
{
	size_t n = strlen(name);
	return !strncmp(name, prefix, strlen(prefix)) &&
	       !(n > 2 && !strcmp(name + n - 2, "ns")) && !strstr(name, "time");
}

static double sum_prefix(const struct bench_result *b, const char *prefix, int *found)
{
	double s = 0;
	for (size_t i = 0; i < b->nctr; i++)
		if (is_count(b->ctr[i].name, prefix)) {
			s += b->ctr[i].value;
			*found = 1;
		}
	return s;
}

double metric_exits_per_op(const struct bench_result *b)
{
	int found = 0;
	double s;

	uint64_t ops = b->span_iters ? b->span_iters : b->total_iters;
	if (!ops)
		return -1;
	/* The VM core's dispatcher is the one tally of every engine's exits;
	 * an engine's own (engine.exits.*) only where the core's is absent. */
	s = sum_prefix(b, "vm.exits.", &found);
	if (!found)
		s = sum_prefix(b, "engine.exits.", &found);
	/* The engine printed RBH1 counters but no exits: zero exits. */
	if (!found && !b->nctr)
		return -1;
	return s / (double)ops;
}

/* The guest-instruction counter, under whichever name the engine gives it. */
static double insns_counter(const struct bench_result *b,
			    double (*get)(const struct bench_result *, const char *))
{
	static const char *const names[] = { "engine.insns", "engine.instructions",
					     "engine.guest_insns" };
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		double v = get(b, names[i]);
		if (v >= 0)
			return v;
	}
	return -1;
}

double metric_helper_calls_per_op(const struct bench_result *b)
{
	return bench_counter_per_op(b, "engine.helper_calls");
}

double metric_insns_per_op(const struct bench_result *b)
{
	return insns_counter(b, bench_counter_per_op);
}

double metric_guest_ips(const struct bench_result *b)
{
	/* Both counted by the VM process over the same marker span. */
	double insns = insns_counter(b, bench_counter);
	double ns = bench_counter(b, "host.task-clock");

	return insns < 0 || ns <= 0 ? -1 : insns / ns * 1e9;
}

size_t metric_exit_reasons(const struct bench_result *b, const char **names,
			   double *per_op, size_t max)
{
	size_t n = 0;
	const char *prefix = "vm.exits.";
	int found = 0;

	sum_prefix(b, prefix, &found);
	if (!found)
		prefix = "engine.exits.";
	for (size_t i = 0; i < b->nctr && n < max; i++)
		if (is_count(b->ctr[i].name, prefix) && bench_counter_per_op(b, b->ctr[i].name) >= 0) {
			names[n] = b->ctr[i].name + strlen(prefix);
			per_op[n++] = bench_counter_per_op(b, b->ctr[i].name);
		}
	/* kvm: the exits KVM handled without returning from KVM_RUN (the
	 * canonical exits_in_kernel, from its own statistics). */
	double kernel = bench_counter_per_op(b, "engine.exits_in_kernel");
	if (kernel > 0 && n < max) {
		names[n] = "in-kernel";
		per_op[n++] = kernel;
	}
	return n;
}

double metric_ratio(const struct bench_result *a, const struct bench_result *ref)
{
	if (!bench_has_value(a) || !bench_has_value(ref) || ref->st.median <= 0)
		return -1;
	return a->st.median / ref->st.median;
}
