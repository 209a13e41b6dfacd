/* The test kernel's checks, one result per line: string functions on odd
 * lengths and alignments, integer formatting, long double arithmetic and
 * conversions (x87), double arithmetic (SSE2, in the -msse2 build), and a
 * printf-like formatter of both.  Inputs come through volatile variables
 * so the compiler cannot fold the arithmetic away.  The host program runs
 * the very same code for the expected lines. */
#include "tests/cc_kernel/cc.h"

#if defined(__SSE2__) && !defined(CC_X87_ONLY)
#define CC_DOUBLE 1
#endif

static char line[160];
static size_t at;

static void put(const char *s)
{
	size_t n = cc_strlen(s);

	cc_memcpy(line + at, s, n);
	at += n;
}

static void put_u(uint64_t v, unsigned base)
{
	char b[72];

	put(cc_utoa(v, base, b));
}

static void put_i(int64_t v)
{
	char b[72];

	put(cc_itoa(v, b));
}

static void put_ld(long double x)
{
	char b[80];

	put(cc_ldtoa(x, 21, b));
	put(" [");
	put(cc_ldbits(x, b));
	put("]");
}

static void end(void)
{
	line[at++] = '\n';
	line[at] = 0;
	cc_puts(line);
	at = 0;
}

/* FNV-1a over a buffer: one number for a whole string test. */
static uint64_t fnv(const void *p, size_t n)
{
	const unsigned char *b = p;
	uint64_t h = 0xcbf29ce484222325ull;

	for (size_t i = 0; i < n; i++)
		h = (h ^ b[i]) * 0x100000001b3ull;
	return h;
}

static void strings(void)
{
	static unsigned char src[96], dst[96];
	static char s[80];
	uint64_t h = 0;

	for (int i = 0; i < 96; i++)
		src[i] = (unsigned char)(i * 37 + 11);
	for (int so = 0; so < 8; so++)
		for (int d = 0; d < 8; d++)
			for (size_t n = 0; n < 40; n += 3) {
				cc_memset(dst, 0x5a, sizeof(dst));
				cc_memcpy(dst + d, src + so, n);
				h ^= fnv(dst, sizeof(dst)) + n;
			}
	put("memcpy odd lengths/alignments: ");
	put_u(h, 16);
	end();

	h = 0;
	for (int d = 0; d < 8; d++)
		for (size_t n = 1; n < 50; n += 7) {
			cc_memset(dst, 0, sizeof(dst));
			cc_memset(dst + d, d * 29 + (int)n, n);
			h = h * 31 + fnv(dst, sizeof(dst));
		}
	put("memset: ");
	put_u(h, 16);
	end();

	for (int i = 0; i < 79; i++)
		s[i] = (char)('a' + i % 26);
	s[79] = 0;
	put("strlen:");
	for (int o = 0; o < 9; o++) {
		put(" ");
		put_u(cc_strlen(s + o * 7), 10);
	}
	end();

	static const char *const w[] = { "", "a", "ab", "abc", "abd", "b", "abcdefghijklmnop",
		"abcdefghijklmnoq", "\xff", "zz" };
	put("strcmp:");
	for (int i = 0; i < 10; i++)
		for (int j = 0; j < 10; j += 3) {
			int r = cc_strcmp(w[i], w[j]);
			put(r < 0 ? "-" : r > 0 ? "+" : "0");
		}
	end();

	cc_memcpy(dst, src, 64);
	cc_memmove(dst + 3, dst, 50);
	cc_memmove(dst, dst + 5, 41);
	put("memmove/memcmp: ");
	put_u(fnv(dst, 64), 16);
	put(" ");
	put_i(cc_memcmp(dst, src, 64) > 0);
	end();

	/* A struct copy: gcc may use SSE moves for it. */
	struct big { uint64_t a[5]; char c[13]; } x, y;
	for (int i = 0; i < 5; i++)
		x.a[i] = 0x1111111111111111ull * (uint64_t)(i + 1);
	for (int i = 0; i < 13; i++)
		x.c[i] = (char)(i + 'A');
	y = x;
	put("struct copy: ");
	put_u(fnv(&y, sizeof(y)), 16);
	end();
}

static void integers(void)
{
	static volatile int64_t v[] = { 0, 1, -1, 42, -9223372036854775807ll - 1, 9223372036854775807ll,
		1234567890123ll };
	put("itoa:");
	for (int i = 0; i < 7; i++) {
		put(" ");
		put_i(v[i]);
	}
	end();
	put("utoa bases: ");
	put_u(0xdeadbeefcafef00dull, 2);
	put(" ");
	put_u(0xdeadbeefcafef00dull, 7);
	put(" ");
	put_u(0xdeadbeefcafef00dull, 16);
	end();
}

static void long_doubles(void)
{
	static volatile long double one = 1, two = 2, three = 3, big = 1e4000L, tiny = 1e-4940L;
	static volatile long double vals[] = { 0.5L, -2.75L, 1e19L, -9.3e18L, 1.8e19L, 123456.789L,
		-0.0L, 3.5L, -3.5L, 2.5L };
	long double s = 0;

	for (int i = 1; i <= 200; i++)
		s += one / ((long double)i * i);
	put("ld sum 1/i^2: ");
	put_ld(s);
	end();
	put("ld sqrt 2, 3: ");
	put_ld(__builtin_sqrtl(two));
	put(" ");
	put_ld(__builtin_sqrtl(three));
	end();
	put("ld 1/3, 22/7: ");
	put_ld(one / three);
	put(" ");
	put_ld(22 * one / 7);
	end();
	long double p = 1;
	for (int i = 0; i < 100; i++)
		p *= 1.1L;
	put("ld 1.1^100: ");
	put_ld(p);
	end();
	put("ld overflow, underflow: ");
	put_ld(big * big);
	put(" ");
	put_ld(tiny / 1e30L);
	put(" ");
	put_ld(-big * big - big * big);
	end();
	put("ld nan, -inf: ");
	put_ld((big * big) - (big * big));
	put(" ");
	put_ld(-(big * big));
	end();
	put("ld to int64/uint64:");
	for (int i = 0; i < 10; i++) {
		put(" ");
		put_i((int64_t)vals[i]);
		put("/");
		put_u(vals[i] >= 0 && vals[i] < 1.8446744073709551616e19L ? (uint64_t)vals[i] : 0, 10);
	}
	end();
	static volatile int64_t iv[] = { 0, -1, 9223372036854775807ll, -9223372036854775807ll - 1, 77 };
	static volatile uint64_t uv[] = { 18446744073709551615ull, 9223372036854775808ull, 3 };
	put("int64/uint64 to ld:");
	for (int i = 0; i < 5; i++) {
		put(" ");
		put_ld((long double)iv[i]);
	}
	for (int i = 0; i < 3; i++) {
		put(" ");
		put_ld((long double)uv[i]);
	}
	end();
	long double mn = vals[0], mx = vals[0];
	for (int i = 1; i < 10; i++) {
		mn = vals[i] < mn ? vals[i] : mn;
		mx = vals[i] > mx ? vals[i] : mx;
	}
	put("ld min, max, fabs: ");
	put_ld(mn);
	put(" ");
	put_ld(mx);
	put(" ");
	put_ld(__builtin_fabsl(vals[1]));
	end();
	put("ld float/int16 conversions: ");
	volatile float f = (float)(one / three);
	volatile short sh = (short)(vals[5] / 10);
	put_ld(f);
	put(" ");
	put_i(sh);
	end();
}

#ifdef CC_DOUBLE
static void put_d(double d)
{
	char b[80];
	uint64_t bits;

	put(cc_ldtoa(d, 17, b));
	cc_memcpy(&bits, &d, 8);
	put(" [");
	put_u(bits, 16);
	put("]");
}

static void doubles(void)
{
	static volatile double one = 1, two = 2, ten = 10;
	static volatile double vals[] = { 0.1, -2.5, 1e300, -7.25e-310, 4294967296.5, -1e18 };
	double s = 0;

	for (int i = 1; i <= 1000; i++)
		s += one / i;
	put("d harmonic 1000: ");
	put_d(s);
	end();
	put("d sqrt 2, 10: ");
	put_d(__builtin_sqrt(two));
	put(" ");
	put_d(__builtin_sqrt(ten));
	end();
	put("d to int:");
	for (int i = 0; i < 6; i++) {
		put(" ");
		put_i(vals[i] > -9e18 && vals[i] < 9e18 ? (int64_t)vals[i] : 0);
	}
	end();
	put("int to d:");
	for (int64_t k = -3; k < 3; k++) {
		put(" ");
		put_d((double)(k * 1000000007ll));
	}
	end();
	put("d products: ");
	put_d(vals[2] * vals[2]);
	put(" ");
	put_d(vals[3] / 3);
	put(" ");
	put_d(vals[0] * 3 - 0.3);
	end();
}
#endif

void cc_tests(void)
{
	strings();
	integers();
	long_doubles();
#ifdef CC_DOUBLE
	doubles();
#endif
}
