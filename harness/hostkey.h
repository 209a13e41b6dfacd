/* What makes two runs comparable: the host fingerprint that keys the
 * per-host regression baselines (results/baselines/<fingerprint>.json)
 * and the list of host and configuration differences compare refuses. */
#ifndef RINGBENCH_HOSTKEY_H
#define RINGBENCH_HOSTKEY_H

#include <stddef.h>
#include <stdio.h>

#include "harness/results.h"

/* TSC frequencies within this relative difference are the same host
 * (a calibrated TSC moves by well under 0.1% between runs). */
#define HOSTKEY_TSC_TOLERANCE 0.01

/* The short KVM flavour: "VT-x", "AMD-V", "PVM", "none" (kvm unavailable
 * or unknown), from host_info.kvm_flavour. */
void hostkey_flavour(const struct host_info *h, char *out, size_t len);

/* "<cpu>_<flavour>_<kernel release>_<tsc>mhz", lowercase, [a-z0-9.-]
 * between the underscores: e.g. "amd-epyc_pvm_6.18.44-fc-v669_2600mhz".
 * The TSC frequency is rounded to 10 MHz ("0mhz" when unknown). */
void hostkey_fingerprint(const struct host_info *h, char *out, size_t len);

/* Every host or configuration difference that makes base and cur not
 * comparable (CPU model, KVM flavour, TSC beyond the tolerance, kernel,
 * budget_ms, reps, warmup, quick, only, run state), one line each to f
 * (may be NULL) prefixed by prefix.  Returns their number. */
unsigned hostkey_differences(const struct run *base, const struct run *cur,
			     const char *prefix, FILE *f);

#endif
