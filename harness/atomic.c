/* tmp + fsync + rename: an interrupted bench run leaves every result file
 * either in its previous or its new complete state.  The temporary file is
 * unnamed (O_TMPFILE) until just before the rename, so a run killed while
 * writing leaves no .tmp file behind; where the filesystem has no
 * O_TMPFILE, a named PATH.tmp.PID is the fallback. */
#include "harness/atomic.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static int open_unnamed(const char *path)
{
	char dir[4096];

	snprintf(dir, sizeof(dir), "%s", path);
	return open(dirname(dir), O_TMPFILE | O_WRONLY | O_CLOEXEC, 0644);
}

int atomic_open(struct atomic_file *a, const char *path)
{
	snprintf(a->path, sizeof(a->path), "%s", path);
	snprintf(a->tmp, sizeof(a->tmp), "%s.tmp.%ld", path, (long)getpid());
	int fd = open_unnamed(path);
	a->unnamed = fd >= 0;
	if (fd < 0)
		fd = open(a->tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	a->f = fd >= 0 ? fdopen(fd, "w") : NULL;
	if (fd >= 0 && !a->f) {
		close(fd);
		if (!a->unnamed)
			unlink(a->tmp);
	}
	return a->f ? 0 : -1;
}

/* Give the unnamed file its temporary name, right before the rename. */
static int name_it(struct atomic_file *a)
{
	char proc[64];

	if (!a->unnamed)
		return 0;
	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", fileno(a->f));
	unlink(a->tmp);
	return linkat(AT_FDCWD, proc, AT_FDCWD, a->tmp, AT_SYMLINK_FOLLOW);
}

int atomic_prepare(struct atomic_file *a)
{
	int bad = fflush(a->f) != 0 || ferror(a->f), err = bad ? errno : 0;

	if (!bad && fsync(fileno(a->f)) != 0)
		bad = 1, err = errno;
	if (!bad && name_it(a) != 0)
		bad = 1, err = errno;
	if (fclose(a->f) != 0 && !bad)
		bad = 1, err = errno;
	a->f = NULL;
	if (bad) {
		unlink(a->tmp);
		errno = err;    /* the caller's message says why */
		return -1;
	}
	return 0;
}

int atomic_publish(struct atomic_file *a)
{
	if (rename(a->tmp, a->path) != 0) {
		int err = errno;
		unlink(a->tmp);
		errno = err;
		return -1;
	}
	return 0;
}

int atomic_commit(struct atomic_file *a)
{
	return atomic_prepare(a) < 0 ? -1 : atomic_publish(a);
}

void atomic_abort(struct atomic_file *a)
{
	if (a->f)
		fclose(a->f);
	a->f = NULL;
	unlink(a->tmp);         /* named (fallback, or prepared), or not there */
}
