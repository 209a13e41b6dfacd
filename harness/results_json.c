/* results.json with json-c, written and read by the library, never by
 * hand.  The field list here is the schema in docs/results.md. */
#include "harness/results_json.h"

#include "engines/core/userfile.h"

#include <json-c/json.h>
#include <math.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "harness/atomic.h"

#define SCHEMA_NAME "ringbench-results"

static json_object *jstr(const char *s)
{
	return json_object_new_string(s ? s : "");
}

static json_object *jnum(double v)
{
	/* JSON has no NaN or infinity. */
	return isfinite(v) ? json_object_new_double(v) : NULL;
}

static json_object *name_list(const char *csv)
{
	json_object *a = json_object_new_array();
	char buf[256];

	snprintf(buf, sizeof(buf), "%s", csv);
	for (char *save, *t = strtok_r(buf, ",", &save); t; t = strtok_r(NULL, ",", &save))
		if (strcmp(t, "none"))
			json_object_array_add(a, jstr(t));
	return a;
}

static json_object *counters_avail(const char *real, const char *missing)
{
	json_object *o = json_object_new_object();
	json_object_object_add(o, "real", name_list(real));
	json_object_object_add(o, "missing", name_list(missing));
	return o;
}

static json_object *host_json(const struct run *r)
{
	const struct host_info *h = &r->host;
	json_object *o = json_object_new_object();

	json_object_object_add(o, "hostname", jstr(h->hostname));
	json_object_object_add(o, "cpu_model", jstr(h->cpu_model));
	json_object_object_add(o, "cpu_virt_flags", jstr(h->cpu_virt));
	json_object_object_add(o, "kvm_flavour", jstr(h->kvm_flavour));
	json_object_object_add(o, "kernel", jstr(h->kernel));
	json_object_object_add(o, "os", jstr(h->os));
	json_object_object_add(o, "git_commit", jstr(h->git_commit));
	json_object_object_add(o, "ncpus", json_object_new_int(h->ncpus));
	json_object_object_add(o, "tsc_khz", jnum(h->tsc_khz));
	json_object_object_add(o, "tsc_source", jstr(h->tsc_source));
	json_object_object_add(o, "loadavg_start", jnum(h->loadavg_start));
	json_object_object_add(o, "loadavg_end", jnum(h->loadavg_end));
	json_object_object_add(o, "counters", counters_avail(h->counters_real, h->counters_missing));
	return o;
}

static json_object *stats_json(const struct run *r, const struct bench_result *b)
{
	const struct stats *s = &b->st;
	json_object *o = json_object_new_object(), *ci = json_object_new_array();

	json_object_object_add(o, "unit", jstr("cycles/op"));
	json_object_object_add(o, "n", json_object_new_int64((int64_t)s->n));
	json_object_object_add(o, "min", jnum(s->min));
	json_object_object_add(o, "max", jnum(s->max));
	json_object_object_add(o, "median", jnum(s->median));
	json_object_object_add(o, "mean", jnum(s->mean));
	json_object_object_add(o, "stddev", jnum(s->stddev));
	json_object_array_add(ci, jnum(s->ci_lo));
	json_object_array_add(ci, jnum(s->ci_hi));
	json_object_object_add(o, "ci95", ci);
	json_object_object_add(o, "cv", jnum(s->cv));
	json_object_object_add(o, "mad", jnum(s->mad));
	json_object_object_add(o, "outliers", json_object_new_int64((int64_t)s->outliers));
	json_object_object_add(o, "loop_cycles", jnum(b->loop_cycles));
	json_object_object_add(o, "baseline", jstr(bench_is_loop(b->name) ? "none" : b->paired ? "paired" : "loop"));
	json_object_object_add(o, "empty_cv", jnum(b->empty_cv));
	json_object_object_add(o, "empty_outliers", json_object_new_int64((int64_t)b->empty_outliers));
	json_object_object_add(o, "total_iters", json_object_new_int64((int64_t)b->total_iters));
	/* The cost as every output shows it (bench_cost): a median and CI in
	 * ns when significantly above the empty loop, else only a bound. */
	struct cost c;
	int have = bench_cost(r, b, 0, &c) == 0 && !strcmp(c.unit, "ns");
	json_object_object_add(o, "resolution_cycles", jnum(b->resolution));
	json_object_object_add(o, "resolved", json_object_new_boolean(b->resolved));
	json_object_object_add(o, "ns_median", have && c.resolved ? jnum(c.median) : NULL);
	if (have && c.resolved) {
		json_object *nci = json_object_new_array();
		json_object_array_add(nci, jnum(c.lo));
		json_object_array_add(nci, jnum(c.hi));
		json_object_object_add(o, "ns_ci95", nci);
	} else {
		json_object_object_add(o, "ns_ci95", NULL);
	}
	json_object_object_add(o, "ns_below", have && !c.resolved ? jnum(c.bound) : NULL);
	return o;
}

static json_object *bench_json(const struct run *r, const struct bench_result *b)
{
	json_object *o = json_object_new_object();
	json_object *samples = json_object_new_array();
	json_object *ctr = json_object_new_object(), *per = json_object_new_object();

	json_object_object_add(o, "name", jstr(b->name));
	json_object_object_add(o, "group", jstr(b->group));
	json_object_object_add(o, "class", jstr(b->klass));
	json_object_object_add(o, "seq", json_object_new_int(b->seq));
	json_object_object_add(o, "ring", json_object_new_int(b->ring));
	json_object_object_add(o, "twin", jstr(b->twin));
	json_object_object_add(o, "status", jstr(b->status));
	json_object_object_add(o, "reason", jstr(b->reason));
	for (size_t i = 0; i < b->n; i++) {
		json_object *s = json_object_new_object();
		json_object_object_add(s, "iters", json_object_new_int64((int64_t)b->iters[i]));
		json_object_object_add(s, "cycles", json_object_new_int64((int64_t)b->cycles[i]));
		if (bench_is_paired(b))
			json_object_object_add(s, "empty", json_object_new_int64((int64_t)b->empty[i]));
		json_object_object_add(s, "outlier",
			json_object_new_boolean(b->outlier && i < b->n ? b->outlier[i] : 0));
		json_object_array_add(samples, s);
	}
	json_object_object_add(o, "samples", samples);
	json_object_object_add(o, "span_iters", json_object_new_int64((int64_t)b->span_iters));
	json_object_object_add(o, "precision", jstr(b->precision));
	if (b->lat[0]) {
		json_object *lat = json_object_new_object();
		json_object_object_add(lat, "p50", json_object_new_int64((int64_t)b->lat[0]));
		json_object_object_add(lat, "p99", json_object_new_int64((int64_t)b->lat[1]));
		json_object_object_add(lat, "p999", json_object_new_int64((int64_t)b->lat[2]));
		json_object_object_add(o, "latency_cycles", lat);
	}
	if (b->jain_milli) {
		json_object *fair = json_object_new_object();
		json_object_object_add(fair, "jain", json_object_new_double(b->jain_milli / 1000.0));
		json_object_object_add(fair, "min_share", json_object_new_double(b->min_share_milli / 1000.0));
		json_object_object_add(o, "fairness", fair);
	}
	if (b->steal_milli || b->gap_milli) {
		json_object *st = json_object_new_object();
		json_object_object_add(st, "share", json_object_new_double(b->steal_milli / 1000.0));
		json_object_object_add(st, "gap_share", json_object_new_double(b->gap_milli / 1000.0));
		json_object_object_add(o, "steal", st);
	}
	json_object_object_add(o, "stats", b->st.n ? stats_json(r, b) : NULL);
	for (size_t i = 0; i < b->nctr; i++) {
		json_object_object_add(ctr, b->ctr[i].name, jnum(b->ctr[i].value));
		double p = bench_counter_per_op(b, b->ctr[i].name);
		if (p >= 0)
			json_object_object_add(per, b->ctr[i].name, jnum(p));
	}
	json_object_object_add(o, "counters", ctr);
	json_object_object_add(o, "per_op", per);
	return o;
}

static json_object *engine_json(const struct run *r, const struct engine_result *e)
{
	json_object *o = json_object_new_object(), *g = json_object_new_object();
	json_object *bs = json_object_new_array();

	json_object_object_add(o, "name", jstr(e->name));
	json_object_object_add(o, "kind", jstr(e->kind));
	json_object_object_add(o, "available", json_object_new_boolean(e->available));
	json_object_object_add(o, "note", jstr(e->note));
	json_object_object_add(o, "status", jstr(e->status));
	json_object_object_add(o, "reason", jstr(e->reason));
	json_object_object_add(o, "version", jstr(e->version));
	json_object_object_add(o, "command", jstr(e->command));
	json_object_object_add(o, "log", jstr(e->log));
	json_object_object_add(o, "exit_status", json_object_new_int(e->exit_status));
	json_object_object_add(o, "elapsed_s", jnum(e->elapsed_s));
	json_object_object_add(o, "counters", counters_avail(e->counters_real, e->counters_missing));
	json_object_object_add(g, "budget_ms", json_object_new_int64((int64_t)e->budget_ms));
	json_object_object_add(g, "reps", json_object_new_int64((int64_t)e->reps));
	json_object_object_add(g, "warmup", json_object_new_int64((int64_t)e->warmup));
	json_object_object_add(o, "guest", g);
	for (size_t i = 0; i < e->nb; i++)
		json_object_array_add(bs, bench_json(r, &e->b[i]));
	json_object_object_add(o, "benchmarks", bs);
	return o;
}

int results_json_print(const struct run *r, FILE *f)
{
	json_object *root = json_object_new_object(), *run = json_object_new_object();
	json_object *cfg = json_object_new_object(), *es = json_object_new_array();

	json_object_object_add(root, "schema", jstr(SCHEMA_NAME));
	json_object_object_add(root, "schema_version", json_object_new_int(RESULTS_SCHEMA_VERSION));
	json_object_object_add(run, "id", jstr(r->id));
	json_object_object_add(run, "started", jstr(r->started));
	json_object_object_add(run, "finished", jstr(r->finished));
	json_object_object_add(run, "state", jstr(r->state));
	json_object_object_add(cfg, "only", jstr(r->only));
	json_object_object_add(cfg, "budget_ms", json_object_new_int64((int64_t)r->budget_ms));
	json_object_object_add(cfg, "reps", json_object_new_int64((int64_t)r->reps));
	json_object_object_add(cfg, "warmup", json_object_new_int64((int64_t)r->warmup));
	json_object_object_add(cfg, "quick", json_object_new_boolean(r->quick));
	json_object_object_add(cfg, "cpus", json_object_new_int64(r->cpus ? r->cpus : 1));
	json_object_object_add(cfg, "rounds", json_object_new_int64(r->rounds ? r->rounds : 1));
	if (r->host_cpus) {
		json_object_object_add(cfg, "host_cpus", json_object_new_int64(r->host_cpus));
		json_object_object_add(cfg, "overcommit", json_object_new_double(r->overcommit));
	}
	json_object_object_add(run, "config", cfg);
	json_object_object_add(root, "run", run);
	json_object_object_add(root, "host", host_json(r));
	for (size_t i = 0; i < r->ne; i++)
		json_object_array_add(es, engine_json(r, &r->e[i]));
	json_object_object_add(root, "engines", es);

	fputs(json_object_to_json_string_ext(root, JSON_C_TO_STRING_PRETTY |
					     JSON_C_TO_STRING_NOSLASHESCAPE), f);
	fputc('\n', f);
	json_object_put(root);
	return ferror(f) ? -1 : 0;
}

int results_json_write(const struct run *r, const char *path)
{
	struct atomic_file a;

	if (atomic_open(&a, path) < 0)
		return -1;
	if (results_json_print(r, a.f) < 0) {
		atomic_abort(&a);
		return -1;
	}
	return atomic_commit(&a);
}

/* ---- reading back ---- */

struct reader {
	char *err;
	size_t len;
	int bad;
};

static json_object *field(struct reader *rd, json_object *o, const char *key,
			  json_type type, const char *where)
{
	json_object *v = NULL;

	if (rd->bad)
		return NULL;
	if (!json_object_object_get_ex(o, key, &v)) {
		snprintf(rd->err, rd->len, "%s: missing \"%s\"", where, key);
		rd->bad = 1;
		return NULL;
	}
	/* null is allowed where a number may be unknown; ints read as doubles. */
	if (v && !json_object_is_type(v, type) &&
	    !(type == json_type_double && json_object_is_type(v, json_type_int))) {
		snprintf(rd->err, rd->len, "%s: \"%s\" is not %s", where, key, json_type_to_name(type));
		rd->bad = 1;
		return NULL;
	}
	return v;
}

static void get_str(struct reader *rd, json_object *o, const char *key, char *out,
		    size_t len, const char *where)
{
	json_object *v = field(rd, o, key, json_type_string, where);
	snprintf(out, len, "%s", v ? json_object_get_string(v) : "");
}

static double get_num(struct reader *rd, json_object *o, const char *key, const char *where)
{
	json_object *v = field(rd, o, key, json_type_double, where);
	return v ? json_object_get_double(v) : NAN;
}

static int64_t get_int(struct reader *rd, json_object *o, const char *key, const char *where)
{
	json_object *v = field(rd, o, key, json_type_int, where);
	return v ? json_object_get_int64(v) : 0;
}

static void get_names(struct reader *rd, json_object *o, const char *key, char *out,
		      size_t len, const char *where)
{
	json_object *a = field(rd, o, key, json_type_array, where);

	out[0] = '\0';
	for (size_t i = 0; a && i < json_object_array_length(a); i++) {
		size_t l = strlen(out);
		snprintf(out + l, len - l, "%s%s", l ? "," : "",
			 json_object_get_string(json_object_array_get_idx(a, i)));
	}
}

static void load_stats(struct reader *rd, json_object *s, struct bench_result *b)
{
	const char *w = b->name;
	json_object *ci = field(rd, s, "ci95", json_type_array, w);

	b->st.n = (size_t)get_int(rd, s, "n", w);
	b->st.min = get_num(rd, s, "min", w);
	b->st.max = get_num(rd, s, "max", w);
	b->st.median = get_num(rd, s, "median", w);
	b->st.mean = get_num(rd, s, "mean", w);
	b->st.stddev = get_num(rd, s, "stddev", w);
	b->st.cv = get_num(rd, s, "cv", w);
	b->st.mad = get_num(rd, s, "mad", w);
	b->st.outliers = (size_t)get_int(rd, s, "outliers", w);
	b->loop_cycles = get_num(rd, s, "loop_cycles", w);
	json_object *bl;             /* optional: files before pairing lack both */
	b->paired = json_object_object_get_ex(s, "baseline", &bl) && json_object_is_type(bl, json_type_string) &&
		    !strcmp(json_object_get_string(bl), "paired");
	b->empty_cv = json_object_object_get_ex(s, "empty_cv", &bl) && bl ? json_object_get_double(bl) : 0;
	b->empty_outliers = json_object_object_get_ex(s, "empty_outliers", &bl) && bl
			    ? (size_t)json_object_get_int64(bl) : 0;
	b->total_iters = (uint64_t)get_int(rd, s, "total_iters", w);
	if (ci && json_object_array_length(ci) == 2) {
		b->st.ci_lo = json_object_get_double(json_object_array_get_idx(ci, 0));
		b->st.ci_hi = json_object_get_double(json_object_array_get_idx(ci, 1));
	} else if (!rd->bad) {
		snprintf(rd->err, rd->len, "%s: ci95 is not a pair", w);
		rd->bad = 1;
	}
	/* Optional (files before schema 1.1 lack them): without them a
	 * cost counts as resolved when its whole CI is above zero. */
	json_object *v;
	b->resolution = json_object_object_get_ex(s, "resolution_cycles", &v) &&
			json_object_is_type(v, json_type_double) ? json_object_get_double(v) : 0;
	if (json_object_object_get_ex(s, "resolved", &v) && json_object_is_type(v, json_type_boolean))
		b->resolved = json_object_get_boolean(v);
	else
		b->resolved = bench_is_loop(b->name) || (b->st.median > 0 && b->st.ci_lo > 0);
}

static void load_bench(struct reader *rd, json_object *o, struct engine_result *e)
{
	char name[48];

	get_str(rd, o, "name", name, sizeof(name), e->name);
	if (rd->bad)
		return;
	struct bench_result *b = engine_bench(e, name, 1);
	if (!b) {
		snprintf(rd->err, rd->len, "out of memory");
		rd->bad = 1;
		return;
	}
	get_str(rd, o, "group", b->group, sizeof(b->group), name);
	get_str(rd, o, "class", b->klass, sizeof(b->klass), name);
	b->seq = (int)get_int(rd, o, "seq", name);
	b->ring = (int)get_int(rd, o, "ring", name);
	get_str(rd, o, "twin", b->twin, sizeof(b->twin), name);
	get_str(rd, o, "status", b->status, sizeof(b->status), name);
	get_str(rd, o, "reason", b->reason, sizeof(b->reason), name);
	b->span_iters = (uint64_t)get_int(rd, o, "span_iters", name);
	json_object *pv;
	if (json_object_object_get_ex(o, "precision", &pv) && json_object_is_type(pv, json_type_string))
		snprintf(b->precision, sizeof(b->precision), "%s", json_object_get_string(pv));
	json_object *lat;               /* optional: the smp benchmarks only */
	if (json_object_object_get_ex(o, "latency_cycles", &lat) && json_object_is_type(lat, json_type_object)) {
		static const char *const keys[3] = { "p50", "p99", "p999" };
		for (int k = 0; k < 3; k++) {
			json_object *v;
			if (json_object_object_get_ex(lat, keys[k], &v) && json_object_is_type(v, json_type_int))
				b->lat[k] = (uint64_t)json_object_get_int64(v);
		}
	}
	json_object *fair;              /* optional: the fairness benchmark only */
	if (json_object_object_get_ex(o, "fairness", &fair) && json_object_is_type(fair, json_type_object)) {
		json_object *v;
		if (json_object_object_get_ex(fair, "jain", &v))
			b->jain_milli = (uint64_t)(json_object_get_double(v) * 1000 + 0.5);
		if (json_object_object_get_ex(fair, "min_share", &v))
			b->min_share_milli = (uint64_t)(json_object_get_double(v) * 1000 + 0.5);
	}
	json_object *steal;             /* optional: the steal_time benchmark only */
	if (json_object_object_get_ex(o, "steal", &steal) && json_object_is_type(steal, json_type_object)) {
		json_object *v;
		if (json_object_object_get_ex(steal, "share", &v))
			b->steal_milli = (uint64_t)(json_object_get_double(v) * 1000 + 0.5);
		if (json_object_object_get_ex(steal, "gap_share", &v))
			b->gap_milli = (uint64_t)(json_object_get_double(v) * 1000 + 0.5);
	}
	json_object *samples = field(rd, o, "samples", json_type_array, name);
	for (size_t i = 0; samples && !rd->bad && i < json_object_array_length(samples); i++) {
		json_object *s = json_object_array_get_idx(samples, i);
		uint64_t it = (uint64_t)get_int(rd, s, "iters", name);
		uint64_t cy = (uint64_t)get_int(rd, s, "cycles", name);
		json_object *em;
		/* Optional: files from before the interleaved empty loop lack it. */
		if (json_object_object_get_ex(s, "empty", &em) && json_object_is_type(em, json_type_int))
			bench_add_paired_sample(b, it, cy, (uint64_t)json_object_get_int64(em));
		else
			bench_add_sample(b, it, cy);
	}
	json_object *st = field(rd, o, "stats", json_type_object, name);
	if (st)
		load_stats(rd, st, b);
	json_object *ctr = field(rd, o, "counters", json_type_object, name);
	if (ctr && !rd->bad) {
		json_object_object_foreach(ctr, k, v)
			bench_set_counter(b, k, v ? json_object_get_double(v) : 0);
	}
}

static void load_engine(struct reader *rd, json_object *o, struct run *r)
{
	char name[24];

	get_str(rd, o, "name", name, sizeof(name), "engine");
	if (rd->bad)
		return;
	struct engine_result *e = run_engine(r, name, 1);
	if (!e) {
		snprintf(rd->err, rd->len, "too many engines");
		rd->bad = 1;
		return;
	}
	get_str(rd, o, "kind", e->kind, sizeof(e->kind), name);
	json_object *av = field(rd, o, "available", json_type_boolean, name);
	e->available = av ? json_object_get_boolean(av) : 0;
	get_str(rd, o, "note", e->note, sizeof(e->note), name);
	get_str(rd, o, "status", e->status, sizeof(e->status), name);
	get_str(rd, o, "reason", e->reason, sizeof(e->reason), name);
	get_str(rd, o, "version", e->version, sizeof(e->version), name);
	get_str(rd, o, "command", e->command, sizeof(e->command), name);
	get_str(rd, o, "log", e->log, sizeof(e->log), name);
	e->exit_status = (int)get_int(rd, o, "exit_status", name);
	e->elapsed_s = get_num(rd, o, "elapsed_s", name);
	json_object *c = field(rd, o, "counters", json_type_object, name);
	if (c) {
		get_names(rd, c, "real", e->counters_real, sizeof(e->counters_real), name);
		get_names(rd, c, "missing", e->counters_missing, sizeof(e->counters_missing), name);
	}
	json_object *g = field(rd, o, "guest", json_type_object, name);
	if (g) {
		e->budget_ms = (uint64_t)get_int(rd, g, "budget_ms", name);
		e->reps = (uint64_t)get_int(rd, g, "reps", name);
		e->warmup = (uint64_t)get_int(rd, g, "warmup", name);
	}
	json_object *bs = field(rd, o, "benchmarks", json_type_array, name);
	for (size_t i = 0; bs && !rd->bad && i < json_object_array_length(bs); i++)
		load_bench(rd, json_object_array_get_idx(bs, i), e);
}

/* The parsed document into r; takes root.  0, or -1 with err. */
static int load_root(struct run *r, json_object *root, char *err, size_t len)
{
	struct reader rd = { err, len, 0 };

	char schema[64];
	get_str(&rd, root, "schema", schema, sizeof(schema), "top level");
	if (!rd.bad && strcmp(schema, SCHEMA_NAME)) {
		snprintf(err, len, "not a ringbench result file (schema \"%s\")", schema);
		rd.bad = 1;
	}
	r->schema_version = (int)get_int(&rd, root, "schema_version", "top level");
	if (!rd.bad && r->schema_version != RESULTS_SCHEMA_VERSION) {
		snprintf(err, len, "schema_version %d, this ringbench reads %d",
			 r->schema_version, RESULTS_SCHEMA_VERSION);
		rd.bad = 1;
	}
	json_object *run = field(&rd, root, "run", json_type_object, "top level");
	if (run) {
		get_str(&rd, run, "id", r->id, sizeof(r->id), "run");
		get_str(&rd, run, "started", r->started, sizeof(r->started), "run");
		get_str(&rd, run, "finished", r->finished, sizeof(r->finished), "run");
		get_str(&rd, run, "state", r->state, sizeof(r->state), "run");
		json_object *cfg = field(&rd, run, "config", json_type_object, "run");
		if (cfg) {
			get_str(&rd, cfg, "only", r->only, sizeof(r->only), "config");
			r->budget_ms = (uint64_t)get_int(&rd, cfg, "budget_ms", "config");
			r->reps = (uint64_t)get_int(&rd, cfg, "reps", "config");
			r->warmup = (uint64_t)get_int(&rd, cfg, "warmup", "config");
			json_object *q = field(&rd, cfg, "quick", json_type_boolean, "config");
			r->quick = q ? json_object_get_boolean(q) : 0;
			json_object *c = NULL;     /* optional: runs before SMP have none */
			json_object_object_get_ex(cfg, "cpus", &c);
			r->cpus = c && json_object_is_type(c, json_type_int) ? (unsigned)json_object_get_int64(c) : 1;
			c = NULL;                  /* optional: runs before rounds have none */
			json_object_object_get_ex(cfg, "rounds", &c);
			r->rounds = c && json_object_is_type(c, json_type_int) ? (unsigned)json_object_get_int64(c) : 1;
			c = NULL;                  /* optional: unpinned runs have none */
			json_object_object_get_ex(cfg, "host_cpus", &c);
			r->host_cpus = c && json_object_is_type(c, json_type_int) ? (unsigned)json_object_get_int64(c) : 0;
			c = NULL;
			json_object_object_get_ex(cfg, "overcommit", &c);
			r->overcommit = c && (json_object_is_type(c, json_type_double) || json_object_is_type(c, json_type_int))
				? json_object_get_double(c) : 0;
		}
	}
	json_object *h = field(&rd, root, "host", json_type_object, "top level");
	if (h) {
		struct host_info *hi = &r->host;
		get_str(&rd, h, "hostname", hi->hostname, sizeof(hi->hostname), "host");
		get_str(&rd, h, "cpu_model", hi->cpu_model, sizeof(hi->cpu_model), "host");
		get_str(&rd, h, "cpu_virt_flags", hi->cpu_virt, sizeof(hi->cpu_virt), "host");
		get_str(&rd, h, "kvm_flavour", hi->kvm_flavour, sizeof(hi->kvm_flavour), "host");
		get_str(&rd, h, "kernel", hi->kernel, sizeof(hi->kernel), "host");
		get_str(&rd, h, "os", hi->os, sizeof(hi->os), "host");
		get_str(&rd, h, "git_commit", hi->git_commit, sizeof(hi->git_commit), "host");
		hi->ncpus = (int)get_int(&rd, h, "ncpus", "host");
		hi->tsc_khz = get_num(&rd, h, "tsc_khz", "host");
		get_str(&rd, h, "tsc_source", hi->tsc_source, sizeof(hi->tsc_source), "host");
		hi->loadavg_start = get_num(&rd, h, "loadavg_start", "host");
		hi->loadavg_end = get_num(&rd, h, "loadavg_end", "host");
		json_object *c = field(&rd, h, "counters", json_type_object, "host");
		if (c) {
			get_names(&rd, c, "real", hi->counters_real, sizeof(hi->counters_real), "host");
			get_names(&rd, c, "missing", hi->counters_missing, sizeof(hi->counters_missing), "host");
		}
	}
	json_object *es = field(&rd, root, "engines", json_type_array, "top level");
	for (size_t i = 0; es && !rd.bad && i < json_object_array_length(es); i++)
		load_engine(&rd, json_object_array_get_idx(es, i), r);
	json_object_put(root);
	if (rd.bad)
		return -1;
	/* Outlier flags are derived, not stored per sample on read. */
	for (size_t i = 0; i < r->ne; i++)
		for (size_t j = 0; j < r->e[i].nb; j++) {
			struct bench_result *b = &r->e[i].b[j];
			free(b->outlier);
			b->outlier = NULL;
		}
	return 0;
}

int results_json_load(struct run *r, const char *path, char *err, size_t len)
{
	uint8_t *text;
	size_t size;
	char why[512];
	enum json_tokener_error jerr;

	run_init(r);
	/* The one user-path opener: a FIFO or /dev/zero is refused, and a
	 * file past RESULTS_JSON_MAX is not read at all. */
	if (user_file_read(path, RESULTS_JSON_MAX, &text, &size, err, len) < 0)
		return -1;
	json_object *root = json_tokener_parse_verbose((const char *)text, &jerr);
	free(text);
	if (!root) {
		snprintf(err, len, "%s: not JSON (%s)", path, json_tokener_error_desc(jerr));
		return -1;
	}
	if (load_root(r, root, why, sizeof(why)) < 0) {
		run_free(r);
		snprintf(err, len, "%s: %s", path, why);
		return -1;
	}
	return 0;
}

void results_json_path(const char *arg, char *out, size_t len)
{
	struct stat st;
	if (stat(arg, &st) == 0 && S_ISDIR(st.st_mode))
		snprintf(out, len, "%s/results.json", arg);
	else
		snprintf(out, len, "%s", arg);
}
