/* results.csv: one row per engine and benchmark, the same numbers as
 * results.json, for spreadsheets and plotting tools. */
#ifndef RINGBENCH_RESULTS_CSV_H
#define RINGBENCH_RESULTS_CSV_H

#include "harness/results.h"

int results_csv_write(const struct run *r, const char *path);

#endif
