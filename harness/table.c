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

static size_t col_width(const struct table *t, size_t c)
{
	size_t w = 0;
	for (size_t r = 0; r <= t->nrows; r++) {
		size_t l = strlen(at(t, r, c));
		if (l > w)
			w = l;
	}
	return w;
}

/* The columns that fit in TABLE_WIDTH after column 0 (repeated in every
 * part), from first; edge is what column 0 costs beyond its text, pad what
 * every other column does.  Always at least one, so an over-wide column
 * stands alone rather than vanishes. */
static size_t fit(const struct table *t, size_t first, size_t edge, size_t pad)
{
	size_t used = col_width(t, 0) + edge, n = 0;
	for (size_t c = first; c < t->ncols; c++, n++) {
		used += col_width(t, c) + pad;
		if (n && used > TABLE_WIDTH)
			break;
	}
	return n ? n : 1;
}

static void md_part(const struct table *t, FILE *f, size_t first, size_t n)
{
	for (size_t r = 0; r <= t->nrows; r++) {
		fputs("| ", f);
		md_cell(f, at(t, r, 0));
		fputs(" |", f);
		for (size_t c = first; c < first + n; c++) {
			fputc(' ', f);
			md_cell(f, at(t, r, c));
			fputs(" |", f);
		}
		fputc('\n', f);
		if (r == 0) {
			fputs("|---|", f);
			for (size_t c = 0; c < n; c++)
				fputs("---:|", f);
			fputc('\n', f);
		}
	}
}

void table_print_md(const struct table *t, FILE *f)
{
	if (!t->cell)
		return;
	if (t->ncols == 1) {
		md_part(t, f, 1, 0);
		return;
	}
	for (size_t first = 1; first < t->ncols;) {
		size_t n = fit(t, first, 4, 3);     /* "| c0 |" then " c |" */
		if (first > 1)
			fputc('\n', f);
		md_part(t, f, first, n);
		first += n;
	}
}

static void text_part(const struct table *t, FILE *f, size_t first, size_t n)
{
	size_t w0 = col_width(t, 0), total = w0;

	for (size_t c = first; c < first + n; c++)
		total += 2 + col_width(t, c);
	for (size_t r = 0; r <= t->nrows; r++) {
		fprintf(f, "%-*s", (int)w0, at(t, r, 0));
		for (size_t c = first; c < first + n; c++)
			fprintf(f, "  %*s", (int)col_width(t, c), at(t, r, c));
		fputc('\n', f);
		if (r == 0) {
			for (size_t i = 0; i < total; i++)
				fputc('-', f);
			fputc('\n', f);
		}
	}
}

void table_print_text(const struct table *t, FILE *f)
{
	if (!t->cell)
		return;
	if (t->ncols == 1) {
		text_part(t, f, 1, 0);
		return;
	}
	for (size_t first = 1; first < t->ncols;) {
		size_t n = fit(t, first, 0, 2);
		if (first > 1)
			fputc('\n', f);
		text_part(t, f, first, n);
		first += n;
	}
}
