/* Whole-file writes that readers never see half done: write a temporary
 * file next to the target, then rename it over the target. */
#ifndef RINGBENCH_ATOMIC_H
#define RINGBENCH_ATOMIC_H

#include <stdio.h>

struct atomic_file {
	FILE *f;
	char tmp[4200], path[4096];
	int unnamed;            /* O_TMPFILE: no name until committed */
};

/* Open path's temporary twin for writing; 0 or -1 (errno set). */
int atomic_open(struct atomic_file *a, const char *path);
/* Flush, fsync and rename into place; 0 or -1.  Closes in every case. */
int atomic_commit(struct atomic_file *a);
/* Give up: close and remove the temporary file. */
void atomic_abort(struct atomic_file *a);

#endif
