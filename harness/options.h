/* Checked option values, shared by every command: the whole argument must
 * be a number in range (no atoi, no silent 0, no nan), and a bad one gets
 * one line naming the command, the option and the value. */
#ifndef RINGBENCH_OPTIONS_H
#define RINGBENCH_OPTIONS_H

#include <stdint.h>

/* An integer in [min, max].  0, or -1 after the message. */
int opt_uint(const char *cmd, const char *opt, const char *arg,
	     unsigned long long min, unsigned long long max, unsigned long long *out);
/* A finite number in [min, max] (fractions allowed).  0, or -1. */
int opt_real(const char *cmd, const char *opt, const char *arg, double min, double max, double *out);
/* Seconds: finite, above 0, at most a million (fractions allowed). */
int opt_seconds(const char *cmd, const char *opt, const char *arg, double *out);
/* A byte count with an optional K/M/G suffix (KiB, MB, ...), no overflow. */
int opt_size(const char *cmd, const char *opt, const char *arg, uint64_t *out);

/* getopt_long (with a ':' first in its option string) returned ':' or '?':
 * say which, "needs a value" or "unknown option", naming it. */
void opt_complain(const char *cmd, int c, char **argv);

#endif
