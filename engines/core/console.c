/* The console sink behind the UART. */
#include "engines/core/console.h"

#include <stdlib.h>
#include <string.h>

void console_init(struct console *c, FILE *out, int capture)
{
	memset(c, 0, sizeof(*c));
	c->out = out;
	c->capturing = capture;
}

static void capture_append(struct console *c, const char *s, size_t n)
{
	if (c->capture_len + n + 1 > c->capture_cap) {
		size_t cap = c->capture_cap ? c->capture_cap : 4096;
		while (cap < c->capture_len + n + 1)
			cap *= 2;
		char *p = realloc(c->capture, cap);
		if (!p)
			return;     /* losing test capture beats aborting the guest */
		c->capture = p;
		c->capture_cap = cap;
	}
	memcpy(c->capture + c->capture_len, s, n);
	c->capture_len += n;
	c->capture[c->capture_len] = '\0';
}

static void emit(struct console *c, int complete)
{
	if (c->out) {
		fwrite(c->line, 1, c->line_len, c->out);
		if (complete)
			fputc('\n', c->out);
		fflush(c->out);
	}
	if (c->capturing) {
		capture_append(c, c->line, c->line_len);
		if (complete)
			capture_append(c, "\n", 1);
	}
	if (complete && c->on_line) {
		c->line[c->line_len] = '\0';
		c->on_line(c, c->line, c->line_ctx);
	}
	c->line_len = 0;
}

void console_putc(struct console *c, char ch)
{
	if (ch == '\r')
		return;
	if (ch == '\n') {
		emit(c, 1);
		return;
	}
	c->line[c->line_len++] = ch;
	if (c->line_len == sizeof(c->line) - 1)
		emit(c, 0);
}

void console_flush(struct console *c)
{
	if (c->line_len)
		emit(c, 0);
}

void console_free(struct console *c)
{
	free(c->capture);
	c->capture = NULL;
}
