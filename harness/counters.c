/* perf_event_open counters, encoded by libpfm4 where it knows the event
 * (so a machine with a PMU gets its real events by name) and from the
 * generic perf constants otherwise.  Development machines have no PMU:
 * there the hardware events fail to open and only the software events and
 * msr/tsc count, and that is what gets reported. */
#include "harness/counters.h"

#include <errno.h>
#include <linux/perf_event.h>
#include <perfmon/pfmlib_perf_event.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <unistd.h>

static const struct {
	const char *name, *pfm;          /* our name, libpfm4 event string */
	uint32_t type;
	uint64_t config;
} events[] = {
	{ "cycles",           "perf::PERF_COUNT_HW_CPU_CYCLES",       PERF_TYPE_HARDWARE, PERF_COUNT_HW_CPU_CYCLES },
	{ "instructions",     "perf::PERF_COUNT_HW_INSTRUCTIONS",     PERF_TYPE_HARDWARE, PERF_COUNT_HW_INSTRUCTIONS },
	{ "branch-misses",    "perf::PERF_COUNT_HW_BRANCH_MISSES",    PERF_TYPE_HARDWARE, PERF_COUNT_HW_BRANCH_MISSES },
	{ "cache-misses",     "perf::PERF_COUNT_HW_CACHE_MISSES",     PERF_TYPE_HARDWARE, PERF_COUNT_HW_CACHE_MISSES },
	{ "task-clock",       "perf::PERF_COUNT_SW_TASK_CLOCK",       PERF_TYPE_SOFTWARE, PERF_COUNT_SW_TASK_CLOCK },
	{ "context-switches", "perf::PERF_COUNT_SW_CONTEXT_SWITCHES", PERF_TYPE_SOFTWARE, PERF_COUNT_SW_CONTEXT_SWITCHES },
	{ "page-faults",      "perf::PERF_COUNT_SW_PAGE_FAULTS",      PERF_TYPE_SOFTWARE, PERF_COUNT_SW_PAGE_FAULTS },
	{ "cpu-migrations",   "perf::PERF_COUNT_SW_CPU_MIGRATIONS",   PERF_TYPE_SOFTWARE, PERF_COUNT_SW_CPU_MIGRATIONS },
	{ "msr-tsc",          NULL, 0, 0 },   /* dynamic PMU "msr", event tsc */
};

static int pfm_ready = -1;

/* Fill attr from libpfm4 when it knows the event; 0 on success. */
static int encode_pfm(const char *ev, struct perf_event_attr *attr)
{
	pfm_perf_encode_arg_t arg;

	if (pfm_ready < 0)
		pfm_ready = pfm_initialize() == PFM_SUCCESS;
	if (!pfm_ready || !ev)
		return -1;
	memset(&arg, 0, sizeof(arg));
	arg.attr = attr;
	arg.size = sizeof(arg);
	return pfm_get_os_event_encoding(ev, PFM_PLM0 | PFM_PLM3, PFM_OS_PERF_EVENT, &arg)
		== PFM_SUCCESS ? 0 : -1;
}

static int msr_pmu_type(void)
{
	FILE *f = fopen("/sys/bus/event_source/devices/msr/type", "r");
	int t = -1;

	if (f) {
		if (fscanf(f, "%d", &t) != 1)
			t = -1;
		fclose(f);
	}
	return t;
}

static int open_event(size_t i, char *why, size_t len)
{
	struct perf_event_attr attr;

	memset(&attr, 0, sizeof(attr));
	if (!strcmp(events[i].name, "msr-tsc")) {
		int t = msr_pmu_type();
		if (t < 0) {
			snprintf(why, len, "no msr PMU");
			return -1;
		}
		attr.type = (uint32_t)t;
		attr.config = 0;         /* msr/tsc/ is event 0 */
	} else if (encode_pfm(events[i].pfm, &attr) < 0) {
		attr.type = events[i].type;
		attr.config = events[i].config;
	}
	attr.size = sizeof(attr);
	attr.disabled = 0;
	/* Count the VM process's own threads, host kernel included: a VM
	 * exit's cost is mostly kernel time. */
	attr.exclude_kernel = 0;
	attr.exclude_hv = 0;
	int fd = (int)syscall(SYS_perf_event_open, &attr, 0, -1, -1, PERF_FLAG_FD_CLOEXEC);
	if (fd < 0 && errno == EACCES) {
		attr.exclude_kernel = 1;  /* perf_event_paranoid >= 2, not root */
		fd = (int)syscall(SYS_perf_event_open, &attr, 0, -1, -1, PERF_FLAG_FD_CLOEXEC);
	}
	if (fd < 0)
		snprintf(why, len, "%s", strerror(errno));
	return fd;
}

void counters_open(struct counters *c)
{
	memset(c, 0, sizeof(*c));
	for (size_t i = 0; i < sizeof(events) / sizeof(events[0]) && i < COUNTERS_MAX; i++) {
		c->name[i] = events[i].name;
		c->fd[i] = open_event(i, c->why[i], sizeof(c->why[i]));
		c->n++;
	}
}

void counters_close(struct counters *c)
{
	for (size_t i = 0; i < c->n; i++)
		if (c->fd[i] >= 0)
			close(c->fd[i]);
	c->n = 0;
}

void counters_read(const struct counters *c, uint64_t *vals)
{
	for (size_t i = 0; i < c->n; i++) {
		vals[i] = 0;
		if (c->fd[i] >= 0 && read(c->fd[i], &vals[i], sizeof(vals[i])) != sizeof(vals[i]))
			vals[i] = 0;
	}
}

static void append(char *s, size_t len, const char *name)
{
	size_t l = strlen(s);
	snprintf(s + l, len - l, "%s%s", l ? "," : "", name);
}

void counters_describe(const struct counters *c, char *real, size_t rlen,
		       char *missing, size_t mlen)
{
	real[0] = missing[0] = '\0';
	for (size_t i = 0; i < c->n; i++)
		append(c->fd[i] >= 0 ? real : missing, c->fd[i] >= 0 ? rlen : mlen, c->name[i]);
}
