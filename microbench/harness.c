/* The measurement discipline shared by the guest and the native twins:
 * calibrate the iteration count to the time budget, warm up, repeat, check,
 * and print the RB1 lines (docs/protocol.md).  Nothing is printed between
 * the begin and end markers, so host counters see only the benchmark. */
#include "microbench/bench.h"

#define MAX_REPS 64

int mb_streq(const char *a, const char *b)
{
	while (*a && *a == *b)
		a++, b++;
	return *a == *b;
}

void mb_strlcpy(char *dst, const char *src, unsigned len)
{
	unsigned i = 0;

	for (; len && i + 1 < len && src[i]; i++)
		dst[i] = src[i];
	if (len)
		dst[i] = 0;
}

static char *put_u64(char *p, char *end, uint64_t v)
{
	char buf[24];
	int n = 0;

	do
		buf[n++] = (char)('0' + v % 10);
	while ((v /= 10));
	while (n && p < end)
		*p++ = buf[--n];
	return p;
}

int mb_count_check(char *why, const char *what, uint64_t got, uint64_t expected)
{
	char *p = why, *end = why + WHY_LEN - 1;

	if (got == expected)
		return CHECK_OK;
	while (*what && p < end)
		*p++ = *what++;
	if (p + 2 < end)
		*p++ = ':', *p++ = ' ';
	p = put_u64(p, end, got);
	for (const char *s = " of "; *s && p < end; s++)
		*p++ = *s;
	p = put_u64(p, end, expected);
	*p = 0;
	return CHECK_FAIL;
}

/* Is word (n chars) one of the comma-separated entries of list? */
static int list_has(const char *list, const char *word)
{
	const char *p = list;

	while (*p) {
		const char *w = word;
		while (*p && *p != ',' && *p == *w)
			p++, w++;
		if ((!*p || *p == ',') && !*w)
			return 1;
		while (*p && *p != ',')
			p++;
		if (*p == ',')
			p++;
	}
	return 0;
}

int mb_selected(const char *list, const char *name, const char *group)
{
	return !list || !*list || list_has(list, name) || list_has(list, group);
}

static uint64_t run_once(const struct bench *b, uint64_t iters, uint64_t *total)
{
	uint64_t c = mb_platform_run(b, b->body, iters);

	*total += iters;
	if (b->after_run)
		b->after_run(iters);
	return c;
}

static uint64_t cap(const struct bench *b, uint64_t iters)
{
	if (b->max_iters && iters > b->max_iters)
		return b->max_iters;
	return iters ? iters : 1;
}

/* Grow the count until a run takes a quarter of the budget, then scale it
 * to the whole budget (integer arithmetic: no FPU in the kernel). */
static uint64_t calibrate(const struct bench *b, uint64_t target, uint64_t *total)
{
	uint64_t iters = 1, c;

	for (;;) {
		c = run_once(b, iters, total);
		if (c >= target / 4 || iters >= (1ull << 36) ||
		    (b->max_iters && iters >= b->max_iters))
			break;
		iters = cap(b, iters * (c < target / 64 ? 8 : 2));
	}
	if (c < 64)               /* a TSC that barely moves: keep what we have */
		return iters;
	uint64_t ratio_q8 = (target << 8) / c;
	return cap(b, (iters * ratio_q8) >> 8);
}

/* Before the begin marker: availability and one-time setup (building a
 * pointer chain, mapping pages), so host counters see only iterations. */
static int prepare(const struct bench *b, char *why)
{
	if (b->start && b->start(why))
		return CHECK_UNSUPPORTED;
	if (b->setup && mb_platform_run(b, b->setup, 0)) {
		mb_strlcpy(why, "setup failed", WHY_LEN);
		return CHECK_FAIL;
	}
	return CHECK_OK;
}

/* Everything between the markers: returns the status, fills the samples. */
static int run_one(const struct mb_config *cfg, const struct bench *b, char *why,
		   uint64_t *iters_out, uint64_t *ops_out, uint64_t *cycles, unsigned reps)
{
	uint64_t target = (uint64_t)cfg->budget_ms * cfg->tsc_khz;
	uint64_t total = 0, iters;

	iters = calibrate(b, target ? target : 1, &total);
	for (unsigned w = 0; w < cfg->warmup; w++)
		run_once(b, iters, &total);
	for (unsigned r = 0; r < reps; r++)
		cycles[r] = run_once(b, iters, &total);
	/* fail=<bench>: expect one iteration more than ran, so the real
	 * self-check sees a mismatch (the tests use this). */
	if (cfg->fail && mb_streq(cfg->fail, b->name))
		total++;
	*iters_out = iters;
	*ops_out = total;
	return b->check ? b->check(total, why) : CHECK_OK;
}

unsigned mb_run_all(const struct mb_config *cfg, const struct bench *const *list,
		    unsigned n, unsigned *ok, unsigned *unsupported)
{
	static unsigned seq;
	unsigned failed = 0;

	for (unsigned i = 0; i < n; i++) {
		const struct bench *b = list[i];
		char why[WHY_LEN] = "";
		uint64_t iters = 0, ops = 0, cycles[MAX_REPS];
		unsigned reps = cfg->reps > MAX_REPS ? MAX_REPS : cfg->reps;
		int status;

		if (!mb_selected(cfg->only, b->name, b->group))
			continue;
		mb_printf("RB1 begin seq=%u bench=%s group=%s class=%s ring=%d%s%s\n",
			  seq, b->name, b->group, b->class, b->ring,
			  b->twin ? " twin=" : "", b->twin ? b->twin : "");
		status = prepare(b, why);
		if (status == CHECK_OK) {
			mb_platform_mark(seq, 0);
			status = run_one(cfg, b, why, &iters, &ops, cycles, reps);
			mb_platform_mark(seq, 1);
		}
		if (status == CHECK_OK) {
			for (unsigned r = 0; r < reps; r++)
				mb_printf("RB1 sample seq=%u bench=%s rep=%u iters=%llu cycles=%llu\n",
					  seq, b->name, r, (unsigned long long)iters,
					  (unsigned long long)cycles[r]);
			/* ops: every iteration between the markers, so host
			 * counters divide into exact per-operation figures. */
			mb_printf("RB1 end seq=%u bench=%s status=ok ops=%llu%s%s\n", seq, b->name,
				  (unsigned long long)ops, why[0] ? " " : "", why);
			++*ok;
		} else {
			mb_printf("RB1 end seq=%u bench=%s status=%s reason=%s\n", seq, b->name,
				  status == CHECK_FAIL ? "fail" : "unsupported",
				  why[0] ? why : "(none given)");
			if (status == CHECK_FAIL)
				failed++;
			else
				++*unsupported;
		}
		seq++;
	}
	return failed;
}
