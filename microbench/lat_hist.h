/* The smp benchmarks' latency distribution: a histogram of 1/8-octave
 * buckets (within 9 %) of single operations in TSC cycles, its p50, p99
 * and p99.9 on the end line (docs/protocol.md), and the end line's other
 * key=value notes. */
#ifndef RINGBENCH_LAT_HIST_H
#define RINGBENCH_LAT_HIST_H

#include <stdint.h>

/* Empty the histogram (a benchmark's start). */
void lat_reset(void);
/* One operation of c cycles, from the one CPU that times; the _shared
 * form from several vCPUs at once. */
void lat_add(uint64_t c);
void lat_add_shared(uint64_t c);
/* The percentile per_mille10 / 100 % in cycles (bucket middle), 0 when empty. */
uint64_t lat_percentile(unsigned per_mille10);
/* Append " key=value" (no space first when *n is 0) to buf of len bytes. */
void note_u64(char *buf, unsigned len, unsigned *n, const char *key, uint64_t v);
/* *why = "p50=<n> p99=<n> p999=<n>". */
void lat_note(char *why);

#endif
