/* Table rendering; the first column is left-aligned, the rest right. */
#include "harness/table.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

void table_init(struct table *t, size_t ncols)
{
	memset(t, 0, sizeof(*t));
	t->ncols = ncols > TABLE_MAX_COLS ? TABLE_MAX_COLS : ncols;
	t->cap = 1;
	t->cell = calloc(t->ncols, sizeof(char *));
}

void table_free(struct table *t)
{
	for (size_t i = 0; t->cell && i < (t->nrows + 1) * t->ncols; i++)
		free(t->cell[i]);
	free(t->cell);
	memset(t, 0, sizeof(*t));
}

size_t table_add_row(struct table *t)
{
	if (t->nrows + 2 > t->cap) {
		size_t cap = t->cap * 2 + 8;
		char **p = realloc(t->cell, cap * t->ncols * sizeof(char *));
		if (!p)
			return t->nrows;
		memset(p + t->cap * t->ncols, 0, (cap - t->cap) * t->ncols * sizeof(char *));
		t->cell = p;
		t->cap = cap;
	}
	return ++t->nrows;
}

void table_set(struct table *t, size_t row, size_t col, const char *fmt, ...)
{
	va_list ap;
	char *s = NULL;

	if (!t->cell || row > t->nrows || col >= t->ncols)
		return;
	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) < 0)
		s = NULL;
	va_end(ap);
	free(t->cell[row * t->ncols + col]);
	t->cell[row * t->ncols + col] = s;
}

static const char *at(const struct table *t, size_t r, size_t c)
{
	const char *s = t->cell[r * t->ncols + c];
	return s ? s : "";
}

/* Markdown cells must not contain '|' or newlines. */
static void md_cell(FILE *f, const char *s)
{
	for (; *s; s++)
		fputs(*s == '|' ? "\\|" : *s == '\n' ? " " : (char[2]){ *s, 0 }, f);
}

void table_print_md(const struct table *t, FILE *f)
{
	if (!t->cell)
		return;
	for (size_t r = 0; r <= t->nrows; r++) {
		fputc('|', f);
		for (size_t c = 0; c < t->ncols; c++) {
			fputc(' ', f);
			md_cell(f, at(t, r, c));
			fputs(" |", f);
		}
		fputc('\n', f);
		if (r == 0) {
			fputc('|', f);
			for (size_t c = 0; c < t->ncols; c++)
				fputs(c ? "---:|" : "---|", f);
			fputc('\n', f);
		}
	}
}

void table_print_text(const struct table *t, FILE *f)
{
	size_t w[TABLE_MAX_COLS] = { 0 };

	if (!t->cell)
		return;
	for (size_t r = 0; r <= t->nrows; r++)
		for (size_t c = 0; c < t->ncols; c++) {
			size_t l = strlen(at(t, r, c));
			if (l > 40)
				l = 40;       /* long reasons wrap the terminal anyway */
			if (l > w[c])
				w[c] = l;
		}
	for (size_t r = 0; r <= t->nrows; r++) {
		for (size_t c = 0; c < t->ncols; c++) {
			const char *s = at(t, r, c);
			int width = (int)w[c];
			if (c == 0)
				fprintf(f, "%-*.*s", width, width, s);
			else
				fprintf(f, "  %*.*s", width, width, s);
		}
		fputc('\n', f);
		if (r == 0) {
			size_t total = 0;
			for (size_t c = 0; c < t->ncols; c++)
				total += w[c] + (c ? 2 : 0);
			for (size_t i = 0; i < total; i++)
				fputc('-', f);
			fputc('\n', f);
		}
	}
}
