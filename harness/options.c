/* strtoull/strtod with every check they leave to the caller: something
 * parsed, nothing left over, no sign on an unsigned, no overflow, finite. */
#include "harness/options.h"

#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

int opt_uint(const char *cmd, const char *opt, const char *arg,
	     unsigned long long min, unsigned long long max, unsigned long long *out)
{
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(arg, &end, 10);
	if (!isdigit((unsigned char)arg[0]) || *end || errno || v < min || v > max) {
		fprintf(stderr, "ringbench %s: %s '%s' is not a whole number from %llu to %llu\n",
			cmd, opt, arg, min, max);
		return -1;
	}
	*out = v;
	return 0;
}

int opt_real(const char *cmd, const char *opt, const char *arg, double min, double max, double *out)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(arg, &end);
	if (end == arg || *end || errno || !isfinite(v) || v < min || v > max) {
		fprintf(stderr, "ringbench %s: %s '%s' is not a number from %g to %g\n",
			cmd, opt, arg, min, max);
		return -1;
	}
	*out = v;
	return 0;
}

int opt_seconds(const char *cmd, const char *opt, const char *arg, double *out)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(arg, &end);
	if (end == arg || *end || errno || !isfinite(v) || v <= 0 || v > 1e6) {
		fprintf(stderr, "ringbench %s: %s '%s' is not a number of seconds above 0 (at most 1000000)\n",
			cmd, opt, arg);
		return -1;
	}
	*out = v;
	return 0;
}

int opt_size(const char *cmd, const char *opt, const char *arg, uint64_t *out)
{
	char *end;
	unsigned long long v;
	unsigned shift = 0;

	errno = 0;
	v = strtoull(arg, &end, 10);
	if (isdigit((unsigned char)arg[0]) && !errno) {
		switch (toupper((unsigned char)*end)) {
		case 'K': shift = 10; end++; break;
		case 'M': shift = 20; end++; break;
		case 'G': shift = 30; end++; break;
		default: break;
		}
		if (shift && *end == 'i')
			end++;
		if (*end == 'B')
			end++;
		if (!*end && v <= (UINT64_MAX >> shift)) {
			*out = (uint64_t)v << shift;
			return 0;
		}
	}
	fprintf(stderr, "ringbench %s: %s '%s' is not a size like 64M\n", cmd, opt, arg);
	return -1;
}

void opt_complain(const char *cmd, int c, char **argv)
{
	const char *o = argv[optind - 1];

	if (c == ':')
		fprintf(stderr, "ringbench %s: option '%s' needs a value (try ringbench %s --help)\n", cmd, o, cmd);
	else
		fprintf(stderr, "ringbench %s: unknown option '%s' (try ringbench %s --help)\n", cmd, o, cmd);
}
