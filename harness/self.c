/* Where this ringbench binary lives (harness/self.h). */
#include "harness/self.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

void self_exe(char *out, size_t len)
{
	ssize_t n = readlink("/proc/self/exe", out, len - 1);
	if (n <= 0)
		snprintf(out, len, "./ringbench");
	else
		out[n] = '\0';
}

void self_dir(char *out, size_t len)
{
	self_exe(out, len);
	char *slash = strrchr(out, '/');
	if (slash)
		*slash = '\0';
	else
		snprintf(out, len, ".");
}
