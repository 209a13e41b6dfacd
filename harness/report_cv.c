/* The CV goal section of the report (harness/report_cv.h). */
#include "harness/report_cv.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "harness/metrics.h"

/* A counter per op at or above this happens on every operation. */
#define EVERY_OP 0.5

int cv_goal_engine(const struct engine_result *e)
{
	return e->available && engine_times_valid(e) &&
	       (!strcmp(e->kind, "builtin") || !strcmp(e->kind, "test"));
}

static double per_op(const struct bench_result *b, const char *name)
{
	return bench_counter_per_op(b, name);
}

/* CV of b's repetitions less those flagged as outliers (preempted or
 * interrupted ones, on a shared host); -1 when none are flagged. */
static double cv_without_outliers(const struct bench_result *b)
{
	if (!b->outlier || !b->st.outliers || b->st.outliers >= b->n)
		return -1;
	double *v = malloc(b->n * sizeof(*v)), *keep = malloc(b->n * sizeof(*keep));
	size_t m = 0;
	struct stats st;

	if (!v || !keep) {
		free(v);
		free(keep);
		return -1;
	}
	bench_net_costs(b, v);
	for (size_t k = 0; k < b->n; k++)
		if (!b->outlier[k])
			keep[m++] = v[k];
	stats_compute(keep, m, &st, NULL);
	free(v);
	free(keep);
	return st.cv;
}

/* The report's own "busy" rule (report.c's run header). */
static int host_busy(const struct run *r)
{
	const struct host_info *h = &r->host;

	return h->ncpus > 0 && (h->loadavg_start > 0.5 * h->ncpus || h->loadavg_end > 0.5 * h->ncpus + 1);
}

enum cv_verdict cv_verdict(const struct run *r, const struct engine_result *e, const struct bench_result *b)
{
	if (b->st.cv <= CV_GOAL)
		return CV_MET;
	/* A difference near zero has a CV near infinity whatever its spread. */
	if (!b->resolved)
		return CV_BELOW_RESOLUTION;
	double trimmed = cv_without_outliers(b);
	if (trimmed >= 0 && trimmed <= CV_GOAL)
		return CV_OUTLIERS;
	if (per_op(b, "vm.exits.hlt") >= EVERY_OP || per_op(b, "engine.kvm.halt_exits") >= EVERY_OP ||
	    per_op(b, "engine.interrupts") >= EVERY_OP)
		return CV_WAITS_TIMER;
	if (!strcmp(e->name, "kvm") && per_op(b, "engine.emulated_insns") >= EVERY_OP)
		return CV_EMULATED_RING0;
	double kernel = per_op(b, "engine.exits_in_kernel");
	if (metric_exits_per_op(b) + (kernel > 0 ? kernel : 0) >= EVERY_OP)
		return CV_EXITS;
	/* precision= unknown (files and engines without it): the CI says. */
	double hw = (b->st.ci_hi - b->st.ci_lo) / 2;
	if (!strcmp(b->precision, "capped") || (!b->precision[0] && hw > CV_GOAL * fabs(b->st.median)))
		return host_busy(r) ? CV_BUSY_HOST : CV_CAPPED;
	return CV_HOST_NOISE;
}

const char *cv_verdict_text(enum cv_verdict v)
{
	static const char *const text[CV_VERDICTS] = {
		[CV_MET] = "met",
		[CV_BELOW_RESOLUTION] = "below resolution: the cost is within the empty loop's noise, "
			"so its relative spread is that of a difference near zero",
		[CV_OUTLIERS] = "met but for outlying repetitions (modified z-score above 3.5): "
			"preempted or interrupted on a shared host",
		[CV_WAITS_TIMER] = "each operation halts or waits for an interrupt: timer latency varies by nature",
		[CV_EMULATED_RING0] = "the code runs in KVM's instruction emulator (guest ring 0 under PVM): "
			"slow, and every instruction is a host-side event",
		[CV_EXITS] = "each operation exits to the host, whose scheduling on a shared machine varies",
		[CV_BUSY_HOST] = "the median's CI stayed wider than 2% on a busy machine (load average above "
			"half the CPUs, the run header says how busy): other processes took the CPU mid-repetition",
		[CV_CAPPED] = "the median's CI stayed wider than 2% (the repetitions ran out: 4 x --reps)",
		[CV_HOST_NOISE] = "the median's CI met 2%, single repetitions varied more: the host's own noise",
	};
	return v < CV_VERDICTS ? text[v] : "?";
}

void cv_goal_count(const struct run *r, const struct engine_result *e, size_t *total, size_t *missed)
{
	*total = *missed = 0;
	for (size_t j = 0; j < e->nb; j++)
		if (bench_has_value(&e->b[j])) {
			++*total;
			*missed += cv_verdict(r, e, &e->b[j]) != CV_MET;
		}
}

/* "cpuid 5.1%, rdmsr 3.2%": the benchmarks of e with verdict v. */
static void list_verdict(const struct run *r, const struct engine_result *e, enum cv_verdict v, FILE *f)
{
	const char *sep = "";

	for (size_t j = 0; j < e->nb; j++) {
		const struct bench_result *b = &e->b[j];
		if (!bench_has_value(b) || cv_verdict(r, e, b) != v)
			continue;
		if (b->st.cv < 10)
			fprintf(f, "%s%s %.1f%%", sep, b->name, b->st.cv * 100);
		else
			fprintf(f, "%s%s >1000%%", sep, b->name);
		sep = ", ";
	}
}

void report_cv_goal(const struct run *r, FILE *f, int md)
{
	int any = 0;

	for (size_t i = 0; i < r->ne; i++) {
		const struct engine_result *e = &r->e[i];
		size_t total, missed;
		char label[96];
		if (!cv_goal_engine(e))
			continue;
		cv_goal_count(r, e, &total, &missed);
		if (!total)
			continue;
		if (!any++)
			fprintf(f, md ? "## CV goal\n\nGoal: a coefficient of variation (CV: standard deviation / mean of "
				"a benchmark's net costs per repetition) of at most 2%% for every benchmark; where it is "
				"missed, why, from the run's own data.\n\n" : "CV goal (at most 2%% for every benchmark):\n");
		engine_label(e, label, sizeof(label));
		if (!missed) {
			fprintf(f, "%s%s%s%s: met, all %zu benchmarks at or below 2%%\n", md ? "- " : "  ",
				md ? "**" : "", label, md ? "**" : "", total);
			continue;
		}
		fprintf(f, "%s%s%s%s: not met, %zu of %zu benchmarks above 2%%:\n", md ? "- " : "  ",
			md ? "**" : "", label, md ? "**" : "", missed, total);
		for (int v = CV_MET + 1; v < CV_VERDICTS; v++) {
			size_t n = 0;
			for (size_t j = 0; j < e->nb; j++)
				n += bench_has_value(&e->b[j]) && cv_verdict(r, e, &e->b[j]) == (enum cv_verdict)v;
			if (!n)
				continue;
			fprintf(f, "%s%s (%zu): ", md ? "  - " : "    ", cv_verdict_text(v), n);
			list_verdict(r, e, v, f);
			fputc('\n', f);
		}
	}
	if (any)
		fputc('\n', f);
}
