/* Where this ringbench binary lives: the repository root, beside which
 * the guests, the plot scripts and the nested platform's files are. */
#ifndef RINGBENCH_SELF_H
#define RINGBENCH_SELF_H

#include <stddef.h>

/* The binary's path (/proc/self/exe), else "./ringbench". */
void self_exe(char *out, size_t len);
/* Its directory, else ".". */
void self_dir(char *out, size_t len);

#endif
