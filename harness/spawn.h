/* One engine process: started in its own process group, stdout read line
 * by line, stderr to a log file, killed whole on timeout or interrupt. */
#ifndef RINGBENCH_SPAWN_H
#define RINGBENCH_SPAWN_H

#include <signal.h>
#include <sys/types.h>

struct child_result {
	int exited, status;     /* normal exit and its status */
	int signaled, sig;      /* killed by a signal (not ours) */
	int timed_out, interrupted;
	double elapsed_s;
};

/* Most of a child's stderr kept in its log; the rest is dropped, noted. */
#define SPAWN_LOG_MAX (8u << 20)

typedef void (*child_line_fn)(const char *line, void *ctx);
/* Called about every 100 ms while the child runs (progress display). */
typedef void (*child_tick_fn)(void *ctx);

/* Run argv with stdout to on_line (one call per line, '\n' removed) and
 * stderr appended to log_fd (at most SPAWN_LOG_MAX bytes).  timeout_s 0:
 * none; else a hard bound on the child's life, output or not.  *stop (may
 * be NULL) set by a signal handler ends the child early.  Either kills the
 * child's whole process group; the child also dies with the harness.
 * 0, or -1 when it could not be started (err says why). */
int child_run(char *const argv[], int log_fd, double timeout_s,
	      volatile sig_atomic_t *stop, child_line_fn on_line, child_tick_fn on_tick,
	      void *ctx, struct child_result *res, char *err, size_t len);

/* The process child_run started last (for on_line: its CPU time in /proc). */
extern pid_t child_running_pid;

/* Human-readable outcome ("exit status 3", "killed by SIGSEGV", ...). */
void child_describe(const struct child_result *res, char *out, size_t len);

#endif
