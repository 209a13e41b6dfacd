/* Summary statistics of one benchmark's repetitions. */
#ifndef RINGBENCH_STATS_H
#define RINGBENCH_STATS_H

#include <stddef.h>

struct stats {
	size_t n;
	double min, max, median, mean, stddev;
	double ci_lo, ci_hi;    /* 95% confidence interval of the median */
	double cv;              /* stddev / mean; 0 when mean is 0 */
	double mad;             /* median absolute deviation (raw) */
	size_t outliers;        /* samples flagged by the MAD rule */
};

/* Compute s over x[0..n).  flags (may be NULL) gets 1 per outlier sample:
 * modified z-score 0.6745*|x-median|/MAD > 3.5 (Iglewicz and Hoaglin;
 * with MAD 0, |x-median|/(1.2533*mean absolute deviation) > 3.5).
 * The median's CI comes from order statistics (distribution-free): ranks
 * n/2 -+ 1.96*sqrt(n)/2, so no random numbers and the same data always
 * gives the same interval. n == 0 leaves s all zero. */
void stats_compute(const double *x, size_t n, struct stats *s, unsigned char *flags);

/* Median of x[0..n) (copies, does not reorder x); 0 for n == 0. */
double stats_median(const double *x, size_t n);

/* CV above which a result is flagged as noisy. */
#define STATS_CV_WARN 0.05

#endif
