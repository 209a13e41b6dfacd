/* The report's CPU-sharing table: the smp benchmarks' latency
 * distributions, which the guest sends on their end lines (p50=, p99=,
 * p999=, docs/protocol.md), fairness's index and steal_time's share. */
#include <string.h>

#include "harness/report.h"
#include "harness/table.h"

static void cell_ns(struct table *t, size_t row, size_t col, double cycles, double tsc_khz)
{
	if (cycles <= 0 || tsc_khz <= 0)
		table_set(t, row, col, "-");
	else
		table_set(t, row, col, "%.3g", cycles * 1e6 / tsc_khz);
}

size_t report_smp_latency(const struct run *r, struct table *t)
{
	static const char *const head[] = { "benchmark", "engine", "cpus", "median", "p50", "p99", "p99.9",
					     "Jain", "min share", "steal" };
	size_t rows = 0;

	table_init(t, 10);
	for (size_t c = 0; c < 10; c++)
		table_set(t, 0, c, "%s", head[c]);
	for (size_t i = 0; i < r->ne; i++) {
		const struct engine_result *e = &r->e[i];
		for (size_t j = 0; j < e->nb; j++) {
			const struct bench_result *b = &e->b[j];
			char label[160];
			size_t row;

			if (strcmp(b->group, "smp") || strcmp(b->status, "ok"))
				continue;
			row = table_add_row(t);
			engine_label(e, label, sizeof(label));
			table_set(t, row, 0, "%s", b->name);
			table_set(t, row, 1, "%s", label);
			table_set(t, row, 2, "%u", r->cpus ? r->cpus : 1);
			cell_ns(t, row, 3, b->st.n ? b->st.median : 0, r->host.tsc_khz);
			for (int k = 0; k < 3; k++)
				cell_ns(t, row, 4 + (size_t)k, (double)b->lat[k], r->host.tsc_khz);
			if (b->jain_milli) {
				table_set(t, row, 7, "%.3f", b->jain_milli / 1000.0);
				table_set(t, row, 8, "%.3f", b->min_share_milli / 1000.0);
			} else {
				table_set(t, row, 7, "-");
				table_set(t, row, 8, "-");
			}
			if (b->steal_milli || b->gap_milli)
				table_set(t, row, 9, "%.3f", b->steal_milli / 1000.0);
			else
				table_set(t, row, 9, "-");
			rows++;
		}
	}
	return rows;
}
