/* The smp benchmarks' latency histogram (lat_hist.h). */
#include "microbench/lat_hist.h"
#include "microbench/bench.h"

/* bucket = 8 * log2(c) + the next 3 bits */
#define BUCKETS (64 * 8)
static uint32_t hist[BUCKETS];
static uint64_t hist_n;

static unsigned bucket(uint64_t c)
{
	unsigned lg;

	if (c < 8)
		return (unsigned)c;
	lg = 63 - (unsigned)__builtin_clzll(c);
	return lg * 8 + (unsigned)((c >> (lg - 3)) & 7);
}

/* The middle of a bucket, in cycles. */
static uint64_t bucket_mid(unsigned b)
{
	unsigned lg = b / 8;

	if (b < 8)
		return b;
	return ((8ull + (b & 7)) << (lg - 3)) + (1ull << (lg - 3)) / 2;
}

void lat_reset(void)
{
	for (unsigned b = 0; b < BUCKETS; b++)
		hist[b] = 0;
	hist_n = 0;
}

void lat_add(uint64_t c)
{
	hist[bucket(c)]++;
	hist_n++;
}

void lat_add_shared(uint64_t c)
{
	__atomic_add_fetch(&hist[bucket(c)], 1, __ATOMIC_RELAXED);
	__atomic_add_fetch(&hist_n, 1, __ATOMIC_RELAXED);
}

uint64_t lat_percentile(unsigned per_mille10)
{
	uint64_t want = (hist_n * per_mille10 + 9999) / 10000, seen = 0;

	for (unsigned b = 0; b < BUCKETS; b++)
		if ((seen += hist[b]) >= want && want)
			return bucket_mid(b);
	return 0;
}

void note_u64(char *buf, unsigned len, unsigned *n, const char *key, uint64_t v)
{
	char digits[24];
	int d = 0;

	if (*n && *n < len - 1)
		buf[(*n)++] = ' ';
	for (const char *k = key; *k && *n < len - 1; k++)
		buf[(*n)++] = *k;
	if (*n < len - 1)
		buf[(*n)++] = '=';
	do
		digits[d++] = (char)('0' + v % 10);
	while ((v /= 10) && d < 23);
	while (d && *n < len - 1)
		buf[(*n)++] = digits[--d];
	buf[*n] = 0;
}

void lat_note(char *why)
{
	char buf[WHY_LEN];
	unsigned n = 0;

	note_u64(buf, sizeof(buf), &n, "p50", lat_percentile(5000));
	note_u64(buf, sizeof(buf), &n, "p99", lat_percentile(9900));
	note_u64(buf, sizeof(buf), &n, "p999", lat_percentile(9990));
	mb_strlcpy(why, buf, WHY_LEN);
}
