/* Host counters of the calling process (the VM process, whose thread also
 * runs the vCPU): hardware events where a PMU exists, software events and
 * msr/tsc everywhere.  Which ones really opened is recorded, never faked. */
#ifndef RINGBENCH_COUNTERS_H
#define RINGBENCH_COUNTERS_H

#include <stddef.h>
#include <stdint.h>

#define COUNTERS_MAX 12

struct counters {
	size_t n;                       /* all wanted events */
	const char *name[COUNTERS_MAX]; /* "cycles", "task-clock", ... */
	int fd[COUNTERS_MAX];           /* -1: not available here */
	char why[COUNTERS_MAX][64];     /* why not, when fd is -1 */
};

/* Open every event for this process; never fails as a whole. */
void counters_open(struct counters *c);
void counters_close(struct counters *c);
/* Current values (0 for unavailable events). */
void counters_read(const struct counters *c, uint64_t *vals);
/* Comma-separated real / missing event names. */
void counters_describe(const struct counters *c, char *real, size_t rlen,
		       char *missing, size_t mlen);

#endif
