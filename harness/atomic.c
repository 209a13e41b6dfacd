/* tmp + fsync + rename: an interrupted bench run leaves every result file
 * either in its previous or its new complete state. */
#include "harness/atomic.h"

#include <stdio.h>
#include <unistd.h>

int atomic_open(struct atomic_file *a, const char *path)
{
	snprintf(a->path, sizeof(a->path), "%s", path);
	snprintf(a->tmp, sizeof(a->tmp), "%s.tmp.%ld", path, (long)getpid());
	a->f = fopen(a->tmp, "w");
	return a->f ? 0 : -1;
}

int atomic_commit(struct atomic_file *a)
{
	int bad = fflush(a->f) != 0 || ferror(a->f);

	if (!bad && fsync(fileno(a->f)) != 0)
		bad = 1;
	if (fclose(a->f) != 0)
		bad = 1;
	a->f = NULL;
	if (bad || rename(a->tmp, a->path) != 0) {
		unlink(a->tmp);
		return -1;
	}
	return 0;
}

void atomic_abort(struct atomic_file *a)
{
	if (a->f)
		fclose(a->f);
	a->f = NULL;
	unlink(a->tmp);
}
