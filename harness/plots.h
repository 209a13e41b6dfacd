/* Figures with gnuplot (scripts in plots/): data files in <run>/plots/,
 * then one PDF, PNG and SVG per figure. */
#ifndef RINGBENCH_PLOTS_H
#define RINGBENCH_PLOTS_H

#include <stddef.h>

#include "harness/results.h"

/* Draw every figure for r into run_dir/plots.  Fills note with one line
 * for the report (what was drawn, or that plots were skipped, why and how
 * to get them).  Returns the number of figures drawn, -1 when skipped. */
int plots_draw(const struct run *r, const char *run_dir, char *note, size_t len);
/* The same, every figure at one size: "single" (3.3 in) or "double" (7 in)
 * column width; NULL: the defaults. */
int plots_draw_sized(const struct run *r, const char *run_dir, const char *size, char *note, size_t len);

/* gnuplot on PATH, or $RINGBENCH_GNUPLOT (tests point it at nothing):
 * 0 and its path, or -1. */
int plots_find_gnuplot(char *out, size_t len);
/* The directory of the gnuplot scripts (plots/ beside the binary). */
void plots_script_dir(char *out, size_t len);
/* Before drawing into dir/plots: gnuplot's path into gp (else note says
 * how to get it, and -1), the scripts' directory into sdir, dir/plots
 * made into pdir (each buffer size bytes), its gnuplot.log removed. */
int plots_prepare(const char *dir, char *gp, char *sdir, char *pdir, size_t size, char *note, size_t len);
/* plots/<script>.gp drawn to pdir/<base>.{pdf,png,svg} from pdir/<base>.dat
 * with the gnuplot assignments extra; 1 when all three were made. */
int plots_draw_script(const char *gp, const char *sdir, const char *script, const char *pdir,
		      const char *base, const char *extra);
/* Run gnuplot on script (vars, when not NULL, with -e first), its output
 * appended to logpath; 0 when it exited 0. */
int plots_run_gnuplot(const char *gp, const char *script, const char *vars, const char *logpath);

/* The engines' labels (engine_label) as one gnuplot word list: spaces
 * inside a label become '_', which the scripts' undo() turns back. */
void plots_engine_words(const struct engine_result *const *es, size_t ne, char *out, size_t len);

#endif
