/* A small text table rendered either as Markdown or aligned for a terminal,
 * so report.md and the terminal show the same numbers. */
#ifndef RINGBENCH_TABLE_H
#define RINGBENCH_TABLE_H

#include <stddef.h>
#include <stdio.h>

#define TABLE_MAX_COLS 16
/* Wider tables are printed in parts of at most this many characters a
 * line, each repeating the first column (a cell is never cut). */
#define TABLE_WIDTH 100

struct table {
	size_t ncols, nrows, cap;
	char **cell;            /* (nrows+1) * ncols, row 0 is the header */
};

void table_init(struct table *t, size_t ncols);
void table_free(struct table *t);
/* Set header or cell text (row 0 header, rows from 1); printf format. */
void table_set(struct table *t, size_t row, size_t col, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
/* Append an empty row; returns its index (>= 1). */
size_t table_add_row(struct table *t);
void table_print_md(const struct table *t, FILE *f);
void table_print_text(const struct table *t, FILE *f);

#endif
