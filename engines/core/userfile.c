/* Opening a user's path with O_NONBLOCK and checking its type before any
 * read: a FIFO would block open() or read() forever, /dev/zero would fill
 * memory, a directory has nothing to read.  Only regular files pass. */
#include "engines/core/userfile.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char *kind(mode_t m)
{
	return S_ISDIR(m) ? "a directory" : S_ISFIFO(m) ? "a FIFO" : S_ISCHR(m) ? "a character device"
	     : S_ISBLK(m) ? "a block device" : S_ISSOCK(m) ? "a socket" : "not a regular file";
}

int user_file_read(const char *path, size_t max, uint8_t **out, size_t *size,
		   char *err, size_t len)
{
	struct stat st;
	uint8_t *buf;
	size_t got = 0;
	int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);

	if (fd < 0) {
		snprintf(err, len, "%s: %s", path, strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		snprintf(err, len, "%s: %s, not a regular file", path, kind(st.st_mode));
		close(fd);
		return -1;
	}
	if ((uint64_t)st.st_size > max) {
		snprintf(err, len, "%s: too large (%lld bytes, at most %zu MiB)", path,
			 (long long)st.st_size, max >> 20);
		close(fd);
		return -1;
	}
	buf = malloc((size_t)st.st_size + 1);
	if (!buf) {
		snprintf(err, len, "%s: out of memory", path);
		close(fd);
		return -1;
	}
	/* Bounded by the size seen at open: a file growing meanwhile (a
	 * log) is read as it was. */
	while (got < (size_t)st.st_size) {
		ssize_t n = read(fd, buf + got, (size_t)st.st_size - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			snprintf(err, len, "%s: %s", path, n < 0 ? strerror(errno) : "shrank while being read");
			free(buf);
			close(fd);
			return -1;
		}
		got += (size_t)n;
	}
	close(fd);
	buf[got] = '\0';
	*out = buf;
	*size = got;
	return 0;
}
