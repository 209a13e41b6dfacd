/* results.csv: one row per engine and benchmark, the same numbers as
 * results.json, for spreadsheets and plotting tools. */
#ifndef RINGBENCH_RESULTS_CSV_H
#define RINGBENCH_RESULTS_CSV_H

#include "harness/results.h"

#include <stdio.h>

/* Atomically to path; 0 or -1. */
int results_csv_write(const struct run *r, const char *path);
/* The same rows to f (for writing it beside results.json); 0 or -1. */
int results_csv_print(const struct run *r, FILE *f);

#endif
