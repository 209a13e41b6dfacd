/* The one way ringbench reads a file a user named (kernel, module,
 * results.json): regular files only, read whole but bounded, never
 * blocking on a FIFO or a device. */
#ifndef RINGBENCH_USERFILE_H
#define RINGBENCH_USERFILE_H

#include <stddef.h>
#include <stdint.h>

/* Read path (at most max bytes) into malloc'd memory, NUL-terminated one
 * byte past *size.  0, or -1 with err = "PATH: problem" (one line). */
int user_file_read(const char *path, size_t max, uint8_t **out, size_t *size,
		   char *err, size_t len);

#endif
