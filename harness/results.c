/* Building and deriving the result set; no I/O here. */
#include "harness/results.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void run_init(struct run *r)
{
	memset(r, 0, sizeof(*r));
	r->schema_version = RESULTS_SCHEMA_VERSION;
	snprintf(r->state, sizeof(r->state), "running");
}

static void bench_free(struct bench_result *b)
{
	free(b->iters);
	free(b->cycles);
	free(b->empty);
	free(b->ctr);
	free(b->outlier);
}

void engine_free(struct engine_result *e)
{
	for (size_t j = 0; j < e->nb; j++)
		bench_free(&e->b[j]);
	free(e->b);
	e->b = NULL;
	e->nb = e->capb = 0;
}

void run_free(struct run *r)
{
	for (size_t i = 0; i < r->ne; i++)
		engine_free(&r->e[i]);
	r->ne = 0;
}

struct engine_result *run_engine(struct run *r, const char *name, int create)
{
	for (size_t i = 0; i < r->ne; i++)
		if (!strcmp(r->e[i].name, name))
			return &r->e[i];
	if (!create || r->ne == RUN_MAX_ENGINES)
		return NULL;
	struct engine_result *e = &r->e[r->ne++];
	memset(e, 0, sizeof(*e));
	snprintf(e->name, sizeof(e->name), "%s", name);
	snprintf(e->status, sizeof(e->status), "not-run");
	return e;
}

struct bench_result *engine_bench(struct engine_result *e, const char *name, int create)
{
	for (size_t i = 0; i < e->nb; i++)
		if (!strcmp(e->b[i].name, name))
			return &e->b[i];
	if (!create)
		return NULL;
	if (e->nb == e->capb) {
		size_t cap = e->capb ? 2 * e->capb : 32;
		struct bench_result *p = realloc(e->b, cap * sizeof(*p));
		if (!p)
			return NULL;
		e->b = p;
		e->capb = cap;
	}
	struct bench_result *b = &e->b[e->nb++];
	memset(b, 0, sizeof(*b));
	snprintf(b->name, sizeof(b->name), "%s", name);
	snprintf(b->status, sizeof(b->status), "running");
	b->seq = -1;
	b->ring = -1;
	return b;
}

static int grow_samples(struct bench_result *b)
{
	size_t cap = b->cap ? 2 * b->cap : 16;
	uint64_t *p;

	if (!(p = realloc(b->iters, cap * sizeof(*p))))
		return -1;
	b->iters = p;
	if (!(p = realloc(b->cycles, cap * sizeof(*p))))
		return -1;
	b->cycles = p;
	if (!(p = realloc(b->empty, cap * sizeof(*p))))
		return -1;
	b->empty = p;
	b->cap = cap;
	return 0;
}

static int add_sample(struct bench_result *b, uint64_t iters, uint64_t cycles, uint64_t empty, int paired)
{
	if (b->n == b->cap && grow_samples(b) < 0)
		return -1;
	b->iters[b->n] = iters;
	b->cycles[b->n] = cycles;
	b->empty[b->n] = empty;
	b->npaired += paired;
	b->n++;
	return 0;
}

int bench_add_sample(struct bench_result *b, uint64_t iters, uint64_t cycles)
{
	return add_sample(b, iters, cycles, 0, 0);
}

int bench_add_paired_sample(struct bench_result *b, uint64_t iters, uint64_t cycles, uint64_t empty)
{
	return add_sample(b, iters, cycles, empty, 1);
}

int bench_is_paired(const struct bench_result *b)
{
	return b->n && b->npaired == b->n;
}

int bench_set_counter(struct bench_result *b, const char *name, double value)
{
	for (size_t i = 0; i < b->nctr; i++)
		if (!strcmp(b->ctr[i].name, name)) {
			b->ctr[i].value = value;
			return 0;
		}
	if (b->nctr == b->capctr) {
		size_t cap = b->capctr ? 2 * b->capctr : 16;
		struct counter *p = realloc(b->ctr, cap * sizeof(*p));
		if (!p)
			return -1;
		b->ctr = p;
		b->capctr = cap;
	}
	snprintf(b->ctr[b->nctr].name, sizeof(b->ctr[0].name), "%s", name);
	b->ctr[b->nctr++].value = value;
	return 0;
}

static int merge_bench(struct bench_result *d, const struct bench_result *s)
{
	int fresh = d->seq < 0;         /* not run in an earlier round */
	int paired = bench_is_paired(s);

	if (fresh) {
		snprintf(d->group, sizeof(d->group), "%s", s->group);
		snprintf(d->klass, sizeof(d->klass), "%s", s->klass);
		snprintf(d->twin, sizeof(d->twin), "%s", s->twin);
		d->seq = s->seq;
		d->ring = s->ring;
		snprintf(d->status, sizeof(d->status), "%s", s->status);
		snprintf(d->reason, sizeof(d->reason), "%s", s->reason);
		snprintf(d->precision, sizeof(d->precision), "%s", s->precision);
		d->span_iters = s->span_iters;
	} else {
		/* A failure in any round is the benchmark's. */
		if (!strcmp(d->status, "ok") && strcmp(s->status, "ok")) {
			snprintf(d->status, sizeof(d->status), "%s", s->status);
			snprintf(d->reason, sizeof(d->reason), "%s", s->reason);
		}
		/* Met only if met in every round. */
		if (strcmp(d->precision, s->precision))
			snprintf(d->precision, sizeof(d->precision), "%s",
				 !strcmp(d->precision, "capped") || !strcmp(s->precision, "capped") ? "capped" : "");
		d->span_iters = d->span_iters && s->span_iters ? d->span_iters + s->span_iters : 0;
	}
	for (size_t k = 0; k < s->n; k++)
		if (add_sample(d, s->iters[k], s->cycles[k], paired ? s->empty[k] : 0, paired) < 0)
			return -1;
	for (size_t k = 0; k < s->nctr; k++) {
		double old = fresh ? -1 : bench_counter(d, s->ctr[k].name);
		if (bench_set_counter(d, s->ctr[k].name, (old > 0 ? old : 0) + s->ctr[k].value) < 0)
			return -1;
	}
	/* The smp benchmarks' distributions and shares: the last round's. */
	if (s->lat[0])
		memcpy(d->lat, s->lat, sizeof(d->lat));
	if (s->jain_milli) {
		d->jain_milli = s->jain_milli;
		d->min_share_milli = s->min_share_milli;
	}
	if (s->steal_milli || s->gap_milli) {
		d->steal_milli = s->steal_milli;
		d->gap_milli = s->gap_milli;
	}
	return 0;
}

int engine_merge_round(struct engine_result *dst, const struct engine_result *src)
{
	for (size_t i = 0; i < src->nb; i++) {
		struct bench_result *d = engine_bench(dst, src->b[i].name, 1);
		if (!d || merge_bench(d, &src->b[i]) < 0)
			return -1;
	}
	dst->elapsed_s += src->elapsed_s;
	engine_compute(dst);
	return 0;
}

double bench_counter(const struct bench_result *b, const char *name)
{
	for (size_t i = 0; i < b->nctr; i++)
		if (!strcmp(b->ctr[i].name, name))
			return b->ctr[i].value;
	return -1;
}

double bench_counter_per_op(const struct bench_result *b, const char *name)
{
	double v = bench_counter(b, name);
	uint64_t ops = b->span_iters ? b->span_iters : b->total_iters;
	return v < 0 || !ops ? -1 : v / (double)ops;
}

int engine_times_valid(const struct engine_result *e)
{
	return strcmp(e->kind, "nested") != 0;
}

void engine_label(const struct engine_result *e, char *out, size_t len)
{
	if (!strcmp(e->kind, "nested")) {
		snprintf(out, len, "%s (AMD-V, nested)", e->name);
	} else if (!strcmp(e->name, "kvm") && e->note[0]) {
		/* The probe note starts with the flavour: "PVM (kvm_pvm): ...". */
		size_t w = strcspn(e->note, " (:");
		snprintf(out, len, "kvm (%.*s)", (int)w, e->note);
	} else {
		snprintf(out, len, "%s", e->name);
	}
}

int bench_has_value(const struct bench_result *b)
{
	return b && !strcmp(b->status, "ok") && b->st.n > 0;
}

/* The per-iteration cost of an empty loop on this engine: the guest's
 * timing loop overhead, subtracted from every other benchmark.  `loop`
 * runs in user mode, `loop_k` in the kernel, where engines that emulate
 * CPL0 code pay a different overhead (docs/guest.md).  The half-width of
 * its median's 95% CI is the uncertainty that subtraction adds: the
 * resolution of every cost measured against it.  cycles -1: not measured. */
struct loop_ref { double cycles, hw; };

static struct loop_ref loop_cost(const struct engine_result *e, const char *name)
{
	struct loop_ref ref = { -1, 0 };

	for (size_t i = 0; i < e->nb; i++) {
		const struct bench_result *b = &e->b[i];
		if (strcmp(b->name, name) || !b->n || strcmp(b->status, "ok"))
			continue;
		double *v = malloc(b->n * sizeof(*v));
		struct stats st;
		if (!v)
			return ref;
		for (size_t k = 0; k < b->n; k++)
			v[k] = b->iters[k] ? (double)b->cycles[k] / b->iters[k] : 0;
		stats_compute(v, b->n, &st, NULL);
		free(v);
		ref.cycles = st.median;
		ref.hw = (st.ci_hi - st.ci_lo) / 2;
		return ref;
	}
	return ref;
}

int bench_is_loop(const char *name)
{
	return !strcmp(name, "loop") || !strcmp(name, "loop_k");
}

/* The paired empties per iteration, and which are outliers among them
 * (flags, may be NULL); their stats in *st. */
static void empties(const struct bench_result *b, double *v, unsigned char *flags, struct stats *st)
{
	for (size_t k = 0; k < b->n; k++)
		v[k] = b->iters[k] ? (double)b->empty[k] / b->iters[k] : 0;
	stats_compute(v, b->n, st, flags);
}

size_t bench_net_costs(const struct bench_result *b, double *out)
{
	double *e = b->paired ? malloc(b->n * sizeof(*e)) : NULL;
	unsigned char *disturbed = b->paired ? calloc(b->n ? b->n : 1, 1) : NULL;
	struct stats st;

	if (e && disturbed)
		empties(b, e, disturbed, &st);
	for (size_t k = 0; k < b->n; k++) {
		double gross = b->iters[k] ? (double)b->cycles[k] / b->iters[k] : 0;
		/* An empty loop that is an outlier among the empties (preempted,
		 * interrupted) says nothing about its repetition: the median
		 * empty (loop_cycles) stands in for it. */
		int own = e && disturbed && !disturbed[k];
		out[k] = gross - (own ? e[k] : b->loop_cycles);
	}
	free(e);
	free(disturbed);
	return b->n;
}

/* The paired empty loop, per iteration: its median and CI half-width (the
 * resolution of the difference), its CV (a noisy baseline) and how many
 * of them were outliers. */
static struct loop_ref paired_empty(const struct bench_result *b, double *cv, size_t *outliers)
{
	struct loop_ref ref = { 0, 0 };
	double *v = malloc(b->n * sizeof(*v));
	struct stats st;

	*cv = 0;
	*outliers = 0;
	if (!v)
		return ref;
	empties(b, v, NULL, &st);
	free(v);
	ref.cycles = st.median;
	ref.hw = (st.ci_hi - st.ci_lo) / 2;
	*cv = st.cv;
	*outliers = st.outliers;
	return ref;
}

/* One benchmark's statistics, given the engine's empty-loop costs.  With
 * pairs, each repetition's own empty loop is subtracted from it: drift
 * and noise that hit both cancel, which one engine-wide median cannot. */
static void compute_one(struct bench_result *b, struct loop_ref loop, struct loop_ref loop_k)
{
	double *v = malloc((b->n ? b->n : 1) * sizeof(*v));
	unsigned char *fl = realloc(b->outlier, b->n ? b->n : 1);

	if (!v || !fl) {
		free(v);
		if (fl)
			b->outlier = fl;
		return;
	}
	b->outlier = fl;
	int is_loop = bench_is_loop(b->name);
	b->paired = !is_loop && bench_is_paired(b);
	struct loop_ref ref = b->ring == 0 ? loop_k : loop;
	b->empty_cv = 0;
	b->empty_outliers = 0;
	if (b->paired)
		ref = paired_empty(b, &b->empty_cv, &b->empty_outliers);
	b->loop_cycles = is_loop ? 0 : ref.cycles;
	b->resolution = is_loop ? 0 : ref.hw;
	b->total_iters = 0;
	for (size_t k = 0; k < b->n; k++)
		b->total_iters += b->iters[k];
	bench_net_costs(b, v);
	stats_compute(v, b->n, &b->st, b->outlier);
	/* Significantly above the empty loop: the whole CI of the median
	 * clears the loop's own uncertainty. */
	b->resolved = b->st.n && (is_loop || (b->st.median > 0 && b->st.ci_lo > b->resolution));
	free(v);
}

static void loop_costs(const struct engine_result *e, struct loop_ref *loop, struct loop_ref *loop_k)
{
	*loop = loop_cost(e, "loop");
	*loop_k = loop_cost(e, "loop_k");
	if (loop->cycles < 0)
		*loop = (struct loop_ref){ 0, 0 };
	if (loop_k->cycles < 0)
		*loop_k = *loop;
}

void engine_compute(struct engine_result *e)
{
	struct loop_ref loop, loop_k;

	loop_costs(e, &loop, &loop_k);
	for (size_t i = 0; i < e->nb; i++)
		compute_one(&e->b[i], loop, loop_k);
}

void bench_compute(struct engine_result *e, struct bench_result *b)
{
	struct loop_ref loop, loop_k;

	loop_costs(e, &loop, &loop_k);
	compute_one(b, loop, loop_k);
}

void run_compute(struct run *r)
{
	for (size_t i = 0; i < r->ne; i++)
		engine_compute(&r->e[i]);
}

int bench_cost(const struct run *r, const struct bench_result *b, int cycles, struct cost *c)
{
	int ns = !cycles && r->host.tsc_khz > 0;
	double k = ns ? 1e6 / r->host.tsc_khz : 1;

	memset(c, 0, sizeof(*c));
	if (!bench_has_value(b))
		return -1;
	c->unit = ns ? "ns" : "cycles";
	c->resolved = b->resolved;
	c->median = b->st.median * k;
	c->lo = b->st.ci_lo * k;
	c->hi = b->st.ci_hi * k;
	/* Below resolution: all that is known is an upper bound. */
	c->bound = ((b->st.ci_hi > 0 ? b->st.ci_hi : 0) + b->resolution) * k;
	if (c->bound <= 0)
		c->bound = b->resolution > 0 ? b->resolution * k : 0.5 * k;
	return 0;
}

void cost_format(const struct cost *c, int with_ci, char *out, size_t len)
{
	char m[24], l[24], h[24];

	if (!c->resolved) {
		sig3(c->bound, m, sizeof(m));
		snprintf(out, len, "< %s", m);
		return;
	}
	sig3(c->median, m, sizeof(m));
	if (!with_ci) {
		snprintf(out, len, "%s", m);
		return;
	}
	sig3(c->lo, l, sizeof(l));
	sig3(c->hi, h, sizeof(h));
	snprintf(out, len, "%s [%s, %s]", m, l, h);
}

void sig3(double v, char *out, size_t len)
{
	double a = fabs(v);

	if (a >= 1000) {
		double step = pow(10, floor(log10(a)) - 2);
		snprintf(out, len, "%.0f", round(v / step) * step);
	} else {
		snprintf(out, len, a >= 100 ? "%.0f" : a >= 10 ? "%.1f" : a >= 1 || a == 0 ? "%.2f" : "%.3g", v);
	}
}

double run_cycles_to_ns(const struct run *r, double cycles)
{
	return r->host.tsc_khz > 0 ? cycles * 1e6 / r->host.tsc_khz : -1;
}

size_t run_bench_names(const struct run *r, const char ***names)
{
	size_t n = 0, cap = 0;
	const char **v = NULL;

	/* Engines run the same guest, so seq order agrees; the first engine
	 * that knows a benchmark places it. */
	for (size_t i = 0; i < r->ne; i++)
		for (size_t j = 0; j < r->e[i].nb; j++) {
			const char *nm = r->e[i].b[j].name;
			size_t k;
			for (k = 0; k < n && strcmp(v[k], nm); k++)
				;
			if (k < n)
				continue;
			if (n == cap) {
				cap = cap ? 2 * cap : 32;
				const char **p = realloc(v, cap * sizeof(*p));
				if (!p)
					break;
				v = p;
			}
			v[n++] = nm;
		}
	*names = v;
	return n;
}
