/* Statistics on known, small sample sets (tens of repetitions): sort and
 * read order statistics; nothing here needs to be fast. */
#include "harness/stats.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

static double median_sorted(const double *v, size_t n)
{
	if (!n)
		return 0;
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

double stats_median(const double *x, size_t n)
{
	double *v = malloc((n ? n : 1) * sizeof(*v));
	double m;

	if (!v)
		return 0;
	memcpy(v, x, n * sizeof(*v));
	qsort(v, n, sizeof(*v), cmp_double);
	m = median_sorted(v, n);
	free(v);
	return m;
}

void stats_compute(const double *x, size_t n, struct stats *s, unsigned char *flags)
{
	memset(s, 0, sizeof(*s));
	if (!n)
		return;
	double *v = malloc(n * sizeof(*v)), *dev = malloc(n * sizeof(*dev));
	if (!v || !dev) {
		free(v);
		free(dev);
		return;
	}
	memcpy(v, x, n * sizeof(*v));
	qsort(v, n, sizeof(*v), cmp_double);

	s->n = n;
	s->min = v[0];
	s->max = v[n - 1];
	s->median = median_sorted(v, n);
	double sum = 0;
	for (size_t i = 0; i < n; i++)
		sum += v[i];
	s->mean = sum / n;
	double ss = 0;
	for (size_t i = 0; i < n; i++)
		ss += (v[i] - s->mean) * (v[i] - s->mean);
	s->stddev = n > 1 ? sqrt(ss / (n - 1)) : 0;
	s->cv = s->mean != 0 ? s->stddev / fabs(s->mean) : 0;

	/* Order-statistic CI: 1-based ranks lo = n/2 - 0.98*sqrt(n),
	 * hi = 1 + n/2 + 0.98*sqrt(n), clamped (small n: min..max). */
	double half = 0.98 * sqrt((double)n);
	long lo = (long)floor(n / 2.0 - half), hi = (long)ceil(1 + n / 2.0 + half);
	if (lo < 1)
		lo = 1;
	if (hi > (long)n)
		hi = (long)n;
	s->ci_lo = v[lo - 1];
	s->ci_hi = v[hi - 1];

	for (size_t i = 0; i < n; i++)
		dev[i] = fabs(v[i] - s->median);
	qsort(dev, n, sizeof(*dev), cmp_double);
	s->mad = median_sorted(dev, n);
	/* MAD 0 (over half the samples equal, common with TSC counts): scale
	 * by the mean absolute deviation instead, as Iglewicz and Hoaglin do. */
	double meanad = 0;
	for (size_t i = 0; i < n; i++)
		meanad += dev[i] / n;
	for (size_t i = 0; i < n; i++) {
		double d = fabs(x[i] - s->median);
		int out = s->mad > 0 ? 0.6745 * d / s->mad > 3.5 :
			  meanad > 0 ? d / (1.253314 * meanad) > 3.5 : 0;
		if (flags)
			flags[i] = (unsigned char)out;
		s->outliers += out;
	}
	free(v);
	free(dev);
}
