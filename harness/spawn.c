/* fork/exec with a poll loop: a hung guest costs at most its timeout, and
 * a dying engine takes nothing with it but its own results. */
#include "harness/spawn.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double now_s(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec + t.tv_nsec / 1e9;
}

static void deliver(char *buf, size_t *len, int final, child_line_fn fn, void *ctx)
{
	size_t start = 0;

	for (size_t i = 0; i < *len; i++)
		if (buf[i] == '\n') {
			buf[i] = '\0';
			if (i > start && buf[i - 1] == '\r')
				buf[i - 1] = '\0';
			fn(buf + start, ctx);
			start = i + 1;
		}
	/* A line longer than the buffer, or the last line without '\n'. */
	if (start == 0 && *len == 8191 - 1) {
		buf[*len] = '\0';
		fn(buf, ctx);
		start = *len;
	}
	if (final && start < *len) {
		buf[*len] = '\0';
		fn(buf + start, ctx);
		start = *len;
	}
	memmove(buf, buf + start, *len - start);
	*len -= start;
}

int child_run(char *const argv[], int log_fd, double timeout_s,
	      volatile sig_atomic_t *stop, child_line_fn on_line, child_tick_fn on_tick,
	      void *ctx, struct child_result *res, char *err, size_t len)
{
	int pfd[2];
	char buf[8191];
	size_t blen = 0;
	double t0 = now_s(), last_tick = t0;
	int killed = 0;

	memset(res, 0, sizeof(*res));
	if (pipe2(pfd, O_CLOEXEC) < 0) {
		snprintf(err, len, "pipe: %s", strerror(errno));
		return -1;
	}
	fflush(NULL);
	pid_t pid = fork();
	if (pid < 0) {
		snprintf(err, len, "fork: %s", strerror(errno));
		close(pfd[0]);
		close(pfd[1]);
		return -1;
	}
	if (pid == 0) {
		setpgid(0, 0);     /* its own group: a timeout kills QEMU's threads too */
		signal(SIGINT, SIG_DFL);
		dup2(pfd[1], 1);
		if (log_fd >= 0)
			dup2(log_fd, 2);
		int devnull = open("/dev/null", O_RDONLY);
		if (devnull >= 0)
			dup2(devnull, 0);
		execvp(argv[0], argv);
		fprintf(stderr, "exec %s: %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	setpgid(pid, pid);
	close(pfd[1]);

	for (;;) {
		struct pollfd p = { .fd = pfd[0], .events = POLLIN };
		int r = poll(&p, 1, 100);
		if (r > 0) {
			ssize_t n = read(pfd[0], buf + blen, sizeof(buf) - 1 - blen);
			if (n > 0) {
				blen += (size_t)n;
				deliver(buf, &blen, 0, on_line, ctx);
				continue;
			}
			if (n == 0)
				break;               /* EOF: the child closed stdout */
			if (errno != EINTR && errno != EAGAIN)
				break;
		}
		if (on_tick && now_s() - last_tick >= 0.1) {
			last_tick = now_s();
			on_tick(ctx);
		}
		if (!killed && stop && *stop) {
			res->interrupted = 1;
			killed = 1;
			kill(-pid, SIGKILL);
		}
		if (!killed && timeout_s > 0 && now_s() - t0 > timeout_s) {
			res->timed_out = 1;
			killed = 1;
			kill(-pid, SIGKILL);
		}
	}
	deliver(buf, &blen, 1, on_line, ctx);
	close(pfd[0]);

	int st;
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	/* Reap stragglers that kept the group alive after the leader died. */
	kill(-pid, SIGKILL);
	res->elapsed_s = now_s() - t0;
	if (WIFEXITED(st)) {
		res->exited = 1;
		res->status = WEXITSTATUS(st);
	} else if (WIFSIGNALED(st) && !killed) {
		res->signaled = 1;
		res->sig = WTERMSIG(st);
	}
	return 0;
}

void child_describe(const struct child_result *res, char *out, size_t len)
{
	if (res->interrupted)
		snprintf(out, len, "interrupted");
	else if (res->timed_out)
		snprintf(out, len, "timed out after %.0f s", res->elapsed_s);
	else if (res->signaled)
		snprintf(out, len, "killed by signal %d (%s)", res->sig, strsignal(res->sig));
	else
		snprintf(out, len, "exit status %d", res->status);
}
