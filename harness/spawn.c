/* fork/exec with a poll loop: a hung or chatty guest costs at most its
 * timeout, and a dying engine takes nothing with it but its own results.
 * The timeout and the stop flag are checked on every pass of the loop,
 * whatever the child writes, and also after it closed its output: they
 * bound the child's whole life, not just its silences. */
#include "harness/spawn.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double now_s(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec + t.tv_nsec / 1e9;
}

static void deliver(char *buf, size_t *len, size_t cap, int final, child_line_fn fn, void *ctx)
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
	if (start == 0 && *len == cap - 1) {
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

/* The child's stderr, appended to the log up to SPAWN_LOG_MAX bytes; the
 * rest is read and dropped (a child blocked on a full pipe would hang),
 * with one note saying so. */
static ssize_t copy_stderr(int from, int log_fd, size_t *logged)
{
	char buf[4096];
	ssize_t n = read(from, buf, sizeof(buf));

	if (n <= 0 || log_fd < 0)
		return n;
	if (*logged < SPAWN_LOG_MAX) {
		size_t k = (size_t)n < SPAWN_LOG_MAX - *logged ? (size_t)n : SPAWN_LOG_MAX - *logged;
		if (write(log_fd, buf, k) < 0)
			return n;
		*logged += k;
		if (*logged == SPAWN_LOG_MAX) {
			static const char note[] = "\nringbench: stderr log capped here; the rest was dropped\n";
			if (write(log_fd, note, sizeof(note) - 1) < 0)
				return n;
		}
	}
	return n;
}

/* Stop at the timeout or on *stop: the whole process group, at once. */
pid_t child_running_pid;

static void check_limits(pid_t pid, double t0, double timeout_s, volatile sig_atomic_t *stop,
			 struct child_result *res, int *killed)
{
	if (*killed)
		return;
	if (stop && *stop) {
		res->interrupted = 1;
		*killed = 1;
	} else if (timeout_s > 0 && now_s() - t0 > timeout_s) {
		res->timed_out = 1;
		*killed = 1;
	}
	if (*killed)
		kill(-pid, SIGKILL);
}

static void child_exec(char *const argv[], int out_fd, int err_fd, pid_t parent)
{
	setpgid(0, 0);     /* its own group: a timeout kills QEMU's threads too */
	/* No child outlives the harness, even one killed by SIGKILL. */
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() != parent)
		_exit(127);
	signal(SIGINT, SIG_DFL);
	dup2(out_fd, 1);
	dup2(err_fd, 2);
	int devnull = open("/dev/null", O_RDONLY);
	if (devnull >= 0)
		dup2(devnull, 0);
	execvp(argv[0], argv);
	fprintf(stderr, "exec %s: %s\n", argv[0], strerror(errno));
	_exit(127);
}

/* A process that outlives a SIGKILLed harness only to kill the child's
 * group: it waits for EOF on the lifeline, whose write end only the
 * harness holds.  PR_SET_PDEATHSIG alone would spare grandchildren (a
 * shell's children, QEMU's helpers). */
static pid_t start_watchdog(pid_t group, int lifeline[2], int close1, int close2)
{
	pid_t w = fork();
	char c;

	if (w != 0)
		return w;
	signal(SIGINT, SIG_IGN);        /* Ctrl-C is the harness's to handle */
	signal(SIGTERM, SIG_IGN);
	signal(SIGHUP, SIG_IGN);
	close(lifeline[1]);
	close(close1);
	close(close2);
	while (read(lifeline[0], &c, 1) < 0 && errno == EINTR)
		;
	kill(-group, SIGKILL);
	_exit(0);
}

int child_run(char *const argv[], int log_fd, double timeout_s,
	      volatile sig_atomic_t *stop, child_line_fn on_line, child_tick_fn on_tick,
	      void *ctx, struct child_result *res, char *err, size_t len)
{
	int out[2], errp[2];
	char buf[8191];
	size_t blen = 0, logged = 0;
	double t0 = now_s(), last_tick = t0, reaped_at = 0;
	int killed = 0, st = 0, reaped = 0;
	pid_t parent = getpid();

	memset(res, 0, sizeof(*res));
	if (pipe2(out, O_CLOEXEC) < 0) {
		snprintf(err, len, "pipe: %s", strerror(errno));
		return -1;
	}
	if (pipe2(errp, O_CLOEXEC) < 0) {
		snprintf(err, len, "pipe: %s", strerror(errno));
		close(out[0]);
		close(out[1]);
		return -1;
	}
	fflush(NULL);
	pid_t pid = fork();
	if (pid < 0) {
		snprintf(err, len, "fork: %s", strerror(errno));
		close(out[0]); close(out[1]); close(errp[0]); close(errp[1]);
		return -1;
	}
	if (pid == 0)
		child_exec(argv, out[1], errp[1], parent);
	child_running_pid = pid;
	setpgid(pid, pid);
	close(out[1]);
	close(errp[1]);
	int lifeline[2] = { -1, -1 };
	pid_t watchdog = -1;
	if (pipe2(lifeline, O_CLOEXEC) == 0) {
		watchdog = start_watchdog(pid, lifeline, out[0], errp[0]);
		close(lifeline[0]);
	}

	/* Read both pipes until both are closed and the child is reaped. */
	int ofd = out[0], efd = errp[0];
	while (ofd >= 0 || efd >= 0 || !reaped) {
		struct pollfd p[2] = { { .fd = ofd, .events = POLLIN }, { .fd = efd, .events = POLLIN } };
		int r = poll(p, 2, 50);
		if (r > 0 && (p[0].revents & (POLLIN | POLLHUP | POLLERR))) {
			ssize_t n = read(ofd, buf + blen, sizeof(buf) - 1 - blen);
			if (n > 0) {
				blen += (size_t)n;
				deliver(buf, &blen, sizeof(buf), 0, on_line, ctx);
			} else if (n == 0 || (errno != EINTR && errno != EAGAIN)) {
				close(ofd);
				ofd = -1;   /* EOF: the child closed stdout */
			}
		}
		if (r > 0 && (p[1].revents & (POLLIN | POLLHUP | POLLERR))) {
			ssize_t n = copy_stderr(efd, log_fd, &logged);
			if (n == 0 || (n < 0 && errno != EINTR && errno != EAGAIN)) {
				close(efd);
				efd = -1;
			}
		}
		if (!reaped && waitpid(pid, &st, WNOHANG) == pid) {
			reaped = 1;
			reaped_at = now_s();
		}
		/* The leader is gone: whatever still holds the pipes (a
		 * grandchild) goes with its group; one that left the group
		 * gets a second to drain, then its pipes are closed on it. */
		if (reaped && (ofd >= 0 || efd >= 0)) {
			kill(-pid, SIGKILL);
			if (now_s() - reaped_at > 1.0) {
				if (ofd >= 0)
					close(ofd);
				if (efd >= 0)
					close(efd);
				ofd = efd = -1;
			}
		}
		if (on_tick && now_s() - last_tick >= 0.1) {
			last_tick = now_s();
			on_tick(ctx);
		}
		if (!reaped)
			check_limits(pid, t0, timeout_s, stop, res, &killed);
	}
	deliver(buf, &blen, sizeof(buf), 1, on_line, ctx);
	/* Reap stragglers that kept the group alive after the leader died. */
	kill(-pid, SIGKILL);
	if (watchdog > 0) {
		kill(watchdog, SIGKILL);        /* its work is done */
		while (waitpid(watchdog, NULL, 0) < 0 && errno == EINTR)
			;
	}
	if (lifeline[1] >= 0)
		close(lifeline[1]);
	res->elapsed_s = now_s() - t0;
	if (killed)
		;               /* ours: timed_out or interrupted says it */
	else if (WIFEXITED(st)) {
		res->exited = 1;
		res->status = WEXITSTATUS(st);
	} else if (WIFSIGNALED(st)) {
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
		snprintf(out, len, "timed out after %.1f s", res->elapsed_s);
	else if (res->signaled)
		snprintf(out, len, "killed by signal %d (%s)", res->sig, strsignal(res->sig));
	else
		snprintf(out, len, "exit status %d", res->status);
}
