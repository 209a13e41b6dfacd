/* The human-readable results: terminal tables and report.md. */
#ifndef RINGBENCH_REPORT_H
#define RINGBENCH_REPORT_H

#include <stdio.h>

#include "harness/results.h"

/* plots_note: one line on the plots (made, or skipped and why). */
int report_write_md(const struct run *r, const char *path, const char *plots_note);
void report_print_terminal(const struct run *r, FILE *f);

/* The benchmark standing for one row of Adams & Agesen's nanobenchmark
 * table (ASPLOS 2006, table 4), or NULL when this run has none. */
const char *report_aa_bench(const struct run *r, const char *aa_row);
extern const char *const report_aa_rows[];

#endif
