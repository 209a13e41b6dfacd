/* CSV writer (RFC 4180 quoting for the free-text reason). */
#include "harness/results_csv.h"

#include <stdio.h>
#include <string.h>

#include "harness/atomic.h"
#include "harness/metrics.h"

static void quoted(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		if (*s == '"')
			fputc('"', f);
		fputc(*s, f);
	}
	fputc('"', f);
}

static void num(FILE *f, double v, int have)
{
	if (have)
		fprintf(f, ",%.6g", v);
	else
		fputs(",", f);
}

int results_csv_print(const struct run *r, FILE *f)
{
	fputs("engine,benchmark,group,class,status,reason,n,median_cycles,ci95_lo_cycles,"
	      "ci95_hi_cycles,mean_cycles,stddev_cycles,cv,min_cycles,max_cycles,outliers,"
	      "loop_cycles,median_ns,exits_per_op,insns_per_op,resolved,below_ns,"
	      "cpus,host_cpus,overcommit\n", f);
	for (size_t i = 0; i < r->ne; i++)
		for (size_t j = 0; j < r->e[i].nb; j++) {
			const struct bench_result *b = &r->e[i].b[j];
			const struct stats *s = &b->st;
			int have = bench_has_value(b);
			/* Cost columns only where the cost is resolved: below
			 * resolution there is just the bound (below_ns). */
			int cost = have && b->resolved;
			fprintf(f, "%s,%s,%s,%s,%s,", r->e[i].name, b->name, b->group, b->klass, b->status);
			quoted(f, b->reason);
			fprintf(f, ",%zu", s->n);
			num(f, s->median, cost);
			num(f, s->ci_lo, cost);
			num(f, s->ci_hi, cost);
			num(f, s->mean, cost);
			num(f, s->stddev, have);
			num(f, s->cv, have);
			num(f, s->min, cost && s->min >= 0);
			num(f, s->max, cost);
			fprintf(f, ",%zu", s->outliers);
			num(f, b->loop_cycles, have);
			struct cost c;
			int ns = have && bench_cost(r, b, 0, &c) == 0 && !strcmp(c.unit, "ns");
			num(f, c.median, ns && c.resolved);
			double x = metric_exits_per_op(b), ins = metric_insns_per_op(b);
			num(f, x, x >= 0);
			num(f, ins, ins >= 0);
			fprintf(f, ",%s", have ? (b->resolved ? "yes" : "no") : "");
			num(f, c.bound, ns && !c.resolved);
			fprintf(f, ",%u,", r->cpus ? r->cpus : 1);
			if (r->host_cpus)
				fprintf(f, "%u,%.6g", r->host_cpus, r->overcommit);
			else
				fputc(',', f);
			fputc('\n', f);
		}
	return ferror(f) ? -1 : 0;
}

int results_csv_write(const struct run *r, const char *path)
{
	struct atomic_file a;

	if (atomic_open(&a, path) < 0)
		return -1;
	if (results_csv_print(r, a.f) < 0) {
		atomic_abort(&a);
		return -1;
	}
	return atomic_commit(&a);
}
