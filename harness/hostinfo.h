/* What the results header says about the machine: CPU, virtualization
 * flags, KVM flavour, kernel, TSC frequency, git commit, load. */
#ifndef RINGBENCH_HOSTINFO_H
#define RINGBENCH_HOSTINFO_H

#include "harness/results.h"

/* Fill everything but the counters (the engines report those). */
void hostinfo_collect(struct host_info *h);

/* Host TSC frequency in kHz: the kernel's value when it exports one, else
 * measured against CLOCK_MONOTONIC_RAW (~50 ms).  *source names which. */
double hostinfo_tsc_khz(const char **source);

double hostinfo_loadavg(void);

#endif
