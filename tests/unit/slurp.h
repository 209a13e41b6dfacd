/* A whole (text) file into a static buffer, NUL-terminated; "" when it
 * cannot be read.  Each call reuses the buffer.  Header-only. */
#ifndef RINGBENCH_TEST_SLURP_H
#define RINGBENCH_TEST_SLURP_H

#include <stdio.h>

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	static char buf[1 << 20];
	size_t n = f ? fread(buf, 1, sizeof(buf) - 1, f) : 0;

	if (f)
		fclose(f);
	buf[n] = '\0';
	return buf;
}

#endif
