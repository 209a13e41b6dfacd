/* The human-readable results: terminal tables and report.md. */
#ifndef RINGBENCH_REPORT_H
#define RINGBENCH_REPORT_H

#include <stdio.h>

#include "harness/results.h"

/* plots_note: one line on the plots (made, or skipped and why). */
int report_write_md(const struct run *r, const char *path, const char *plots_note);
/* The whole report as text (what report.md says, without Markdown). */
void report_print_full(const struct run *r, FILE *f);
/* One screen for the terminal (harness/report_summary.c): the run, the
 * engines, cost by class, the trap profile in counts, precision, and
 * where the full report and figures are (dir: the run directory). */
void report_print_summary(const struct run *r, const char *dir, const char *plots_note, FILE *f);

/* Cost by instruction class: geometric means over one benchmark set for
 * every engine (the terminal summary shows it too). */
struct table;
void report_class_table(const struct run *r, struct table *t);

/* The benchmark standing for one row of Adams & Agesen's nanobenchmark
 * table (ASPLOS 2006, table 4), or NULL when this run has none. */
const char *report_aa_bench(const struct run *r, const char *aa_row);
extern const char *const report_aa_rows[];

/* CPU sharing (harness/report_smp.c): per smp benchmark and engine the
 * latency distribution (p50, p99, p99.9 in ns) beside the median; the
 * number of rows (0: no smp benchmark reported one). */
size_t report_smp_latency(const struct run *r, struct table *t);

#endif
