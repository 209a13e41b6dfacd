/* Where guest console output goes: a file (stdout) or a capture buffer for
 * tests.  Line-buffered, so host lines printed between guest lines (RBH1
 * records) never split a guest line. */
#ifndef RINGBENCH_CONSOLE_H
#define RINGBENCH_CONSOLE_H

#include <stddef.h>
#include <stdio.h>

struct console {
	FILE *out;              /* NULL: capture only */
	char line[4096];
	size_t line_len;
	char *capture;          /* everything written, when capturing */
	size_t capture_len, capture_cap;
	int capturing;
	/* Called with each complete line (without '\n'), after it is written. */
	void (*on_line)(struct console *c, const char *line, void *ctx);
	void *line_ctx;
};

void console_init(struct console *c, FILE *out, int capture);
void console_putc(struct console *c, char ch);
void console_flush(struct console *c);   /* write out a partial line */
void console_free(struct console *c);

#endif
