/* The measurement discipline shared by the guest and the native twins:
 * calibrate the iteration count to the time budget, warm up, repeat (each
 * repetition paired with an empty loop of the same count at the same ring),
 * check, and print the RB1 lines (docs/protocol.md).  Nothing is printed between
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

static uint64_t isqrt(uint64_t v)
{
	uint64_t r = 0;

	for (uint64_t bit = 1ull << 62; bit; bit >>= 2)
		if (v >= r + bit) {
			v -= r + bit;
			r = (r >> 1) + bit;
		} else {
			r >>= 1;
		}
	return r;
}

/* Is the 95% CI of the median of c[0..n) within 2% of the median's size?
 * The same order-statistic ranks as the harness (harness/stats.c: n/2 -+
 * 0.98*sqrt(n)), in integers (no FPU in the kernel); insertion sort of at
 * most MAX_REPS values.  c holds paired differences, so it may be < 0. */
static int precise(const int64_t *c, unsigned n)
{
	int64_t v[MAX_REPS];

	for (unsigned i = 0; i < n; i++) {
		unsigned j = i;
		for (; j && v[j - 1] > c[i]; j--)
			v[j] = v[j - 1];
		v[j] = c[i];
	}
	uint64_t h = 980 * isqrt((uint64_t)n * 1000000) / 1000;     /* 1000 * 0.98 * sqrt(n) */
	int64_t lo = ((int64_t)(500 * n) - (int64_t)h) / 1000;        /* floor for >= 0 */
	uint64_t hi = (1000 + 500 * (uint64_t)n + h + 999) / 1000;
	if (lo < 1 || hi > n)
		return 0;                /* the CI is the whole range: too few */
	int64_t med = n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
	uint64_t width = (uint64_t)(v[hi - 1] - v[lo - 1]);
	return width * 100 <= 4 * (uint64_t)(med < 0 ? -med : med);  /* half-width <= 2% */
}

/* The empty loop each repetition is paired with, at the benchmark's ring:
 * the TIMED_LOOP of `loop` (ring 3) and `loop_k` (ring 0) without their
 * bookkeeping, so it costs what every benchmark's loop costs. */
static UCODE uint64_t empty_user_body(uint64_t n)
{
	return TIMED_LOOP(n, );
}

static uint64_t empty_kernel_body(uint64_t n)
{
	return TIMED_LOOP(n, );
}

static const struct bench empty_user = { .name = "empty", .ring = 3, .body = empty_user_body };
static const struct bench empty_kernel = { .name = "empty", .ring = 0, .body = empty_kernel_body };

/* loop and loop_k are the empty loop: pairing them with it says nothing. */
static int is_paired(const struct bench *b)
{
	return !mb_streq(b->name, "loop") && !mb_streq(b->name, "loop_k");
}

/* One empty-loop repetition of iters at b's ring, outside the host-counter
 * window (pause/resume markers) and not counted in ops, so exits and
 * instructions per operation are the benchmark's alone. */
static uint64_t run_empty(const struct bench *b, unsigned seq, uint64_t iters)
{
	const struct bench *e = b->ring == 0 ? &empty_kernel : &empty_user;

	mb_platform_mark(seq, MB_MARK_PAUSE);
	uint64_t c = mb_platform_run(e, e->body, iters);
	mb_platform_mark(seq, MB_MARK_RESUME);
	return c;
}

/* Repetition r: the benchmark and, when paired, its empty loop right
 * beside it, in ABBA order (empty first on even r) so a drift across the
 * pair biases neither; d[r] is their difference, what the precision
 * target is judged on. */
static void run_rep(const struct bench *b, unsigned seq, unsigned r, uint64_t iters,
		    uint64_t *total, uint64_t *cycles, uint64_t *empty, int64_t *d)
{
	if (!is_paired(b)) {
		cycles[r] = run_once(b, iters, total);
		d[r] = (int64_t)cycles[r];
		return;
	}
	if (r % 2 == 0)
		empty[r] = run_empty(b, seq, iters);
	cycles[r] = run_once(b, iters, total);
	if (r % 2 == 1)
		empty[r] = run_empty(b, seq, iters);
	d[r] = (int64_t)(cycles[r] - empty[r]);
}

/* Everything between the markers: returns the status, fills the samples.
 * Repetitions beyond reps are added while the CI of the median difference
 * is wider than 2% of it, up to MAX_REPS and 4 x reps (*precision: 1 when
 * met). */
static int run_one(const struct mb_config *cfg, const struct bench *b, unsigned seq, char *why,
		   uint64_t *iters_out, uint64_t *ops_out, uint64_t *cycles, uint64_t *empty,
		   unsigned *reps, int *precision)
{
	uint64_t target = (uint64_t)cfg->budget_ms * cfg->tsc_khz;
	uint64_t total = 0, iters;
	int64_t d[MAX_REPS];
	unsigned r, cap = 4 * *reps < MAX_REPS ? 4 * *reps : MAX_REPS;

	iters = calibrate(b, target ? target : 1, &total);
	for (unsigned w = 0; w < cfg->warmup; w++) {
		run_once(b, iters, &total);
		if (w == 0 && is_paired(b))
			run_empty(b, seq, iters);
	}
	for (r = 0; r < *reps; r++)
		run_rep(b, seq, r, iters, &total, cycles, empty, d);
	while (!(*precision = precise(d, r)) && r < cap && !cfg->fixed_reps) {
		run_rep(b, seq, r, iters, &total, cycles, empty, d);
		r++;
	}
	*reps = r;
	/* fail=<bench>: expect one iteration more than ran, so the real
	 * self-check sees a mismatch (the tests use this). */
	if (cfg->fail && mb_streq(cfg->fail, b->name))
		total++;
	*iters_out = iters;
	*ops_out = total;
	return b->check ? b->check(total, why) : CHECK_OK;
}

static void print_samples(const struct mb_config *cfg, const struct bench *b, unsigned seq, unsigned reps,
			  uint64_t iters, const uint64_t *cycles, const uint64_t *empty)
{
	for (unsigned r = 0; r < reps; r++)
		if (is_paired(b))
			mb_printf("RB1 sample seq=%u bench=%s rep=%u iters=%llu cycles=%llu empty=%llu cpu=%u\n",
				  seq, b->name, r, (unsigned long long)iters,
				  (unsigned long long)cycles[r], (unsigned long long)empty[r], cfg->cpu);
		else
			mb_printf("RB1 sample seq=%u bench=%s rep=%u iters=%llu cycles=%llu cpu=%u\n",
				  seq, b->name, r, (unsigned long long)iters,
				  (unsigned long long)cycles[r], cfg->cpu);
}

unsigned mb_run_all(const struct mb_config *cfg, const struct bench *const *list,
		    unsigned n, unsigned *ok, unsigned *unsupported)
{
	static unsigned seq;
	unsigned failed = 0;

	for (unsigned i = 0; i < n; i++) {
		const struct bench *b = list[i];
		char why[WHY_LEN] = "";
		uint64_t iters = 0, ops = 0, cycles[MAX_REPS], empty[MAX_REPS];
		unsigned reps = cfg->reps > MAX_REPS ? MAX_REPS : cfg->reps;
		int status, precision = 0;

		if (!mb_selected(cfg->only, b->name, b->group))
			continue;
		mb_printf("RB1 begin seq=%u bench=%s group=%s class=%s ring=%d%s%s\n",
			  seq, b->name, b->group, b->class, b->ring,
			  b->twin ? " twin=" : "", b->twin ? b->twin : "");
		status = prepare(b, why);
		if (status == CHECK_OK) {
			mb_platform_mark(seq, MB_MARK_BEGIN);
			status = run_one(cfg, b, seq, why, &iters, &ops, cycles, empty, &reps, &precision);
			mb_platform_mark(seq, MB_MARK_END);
		}
		if (status == CHECK_OK) {
			print_samples(cfg, b, seq, reps, iters, cycles, empty);
			/* ops: every iteration between the markers, so host
			 * counters divide into exact per-operation figures. */
			mb_printf("RB1 end seq=%u bench=%s status=ok ops=%llu precision=%s%s%s\n", seq, b->name,
				  (unsigned long long)ops, precision ? "met" : "capped", why[0] ? " " : "", why);
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
