/* `ringbench report RUN_DIR RUN_DIR...`: several runs (e.g. a VT-x, an
 * AMD-V and a PVM host) side by side in one Markdown report and figure,
 * every column labelled by host and engine flavour. */
#ifndef RINGBENCH_REPORT_MULTI_H
#define RINGBENCH_REPORT_MULTI_H

#include <stddef.h>
#include <stdio.h>

#include "harness/results.h"

/* At most this many runs side by side (a table column each). */
#define REPORT_MULTI_MAX_RUNS 12

/* The column label of run r's engine e: "<host>: <engine_label>", with the
 * run id after the host when two runs share a host name (dup). */
void report_multi_label(const struct run *r, const struct engine_result *e, int dup,
			char *out, size_t len);

/* Write the side-by-side Markdown report of runs[0..n) to md_path
 * (atomically), naming figure (a file name beside it, or NULL for none).
 * 0 or -1 (errno set). */
int report_multi_write_md(struct run *const *runs, size_t n, const char *md_path,
			  const char *figure, const char *figure_note);
/* The same tables for a terminal. */
void report_multi_print(struct run *const *runs, size_t n, FILE *f);

/* Draw the figure (<stem>.{pdf,png,svg} from <stem>.dat and <stem>.gp,
 * gnuplot) beside md_path; fills note with what happened.  Returns the
 * number of formats drawn (0 without gnuplot). */
int report_multi_plot(struct run *const *runs, size_t n, const char *dir, const char *stem,
		      char *note, size_t len);

/* The command: report_multi(dirs) with --out FILE (default
 * results/multi/report.md), --no-plots, --quiet.  Exit status. */
int cmd_report_multi(size_t ndirs, char **dirs, const char *out, int no_plots, int quiet);

#endif
