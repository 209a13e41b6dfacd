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
/* atomic_commit in two steps, so several files can be made ready first
 * and then all renamed into place, or none (atomic_abort) if one fails:
 * prepare (flush, fsync, give the file its temporary name, close) and
 * publish (rename).  0 or -1 (errno set; the temporary file removed). */
int atomic_prepare(struct atomic_file *a);
int atomic_publish(struct atomic_file *a);
/* Give up: close and remove the temporary file (also a prepared one). */
void atomic_abort(struct atomic_file *a);

#endif
