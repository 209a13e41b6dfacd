/* The C library the test kernel needs, written for it: string functions
 * and number formatting.  Compiled into the kernel (freestanding) and into
 * the host oracle, so both print through the same code. */
#include "tests/cc_kernel/cc.h"

/* Byte loops gcc would turn back into calls to these very functions. */
#define NO_LIBCALL __attribute__((optimize("no-tree-loop-distribute-patterns")))

NO_LIBCALL size_t cc_strlen(const char *s)
{
	size_t n = 0;

	while (s[n])
		n++;
	return n;
}

NO_LIBCALL int cc_strcmp(const char *a, const char *b)
{
	while (*a && *a == *b) {
		a++;
		b++;
	}
	return (unsigned char)*a - (unsigned char)*b;
}

/* Word-at-a-time when both pointers agree on alignment, bytes otherwise. */
NO_LIBCALL void *cc_memcpy(void *dst, const void *src, size_t n)
{
	unsigned char *d = dst;
	const unsigned char *s = src;

	if ((((uintptr_t)d ^ (uintptr_t)s) & 7) == 0) {
		while (n && ((uintptr_t)d & 7)) {
			*d++ = *s++;
			n--;
		}
		for (; n >= 8; n -= 8, d += 8, s += 8)
			*(uint64_t *)(void *)d = *(const uint64_t *)(const void *)s;
	}
	while (n--)
		*d++ = *s++;
	return dst;
}

NO_LIBCALL void *cc_memset(void *dst, int c, size_t n)
{
	unsigned char *d = dst;

	while (n--)
		*d++ = (unsigned char)c;
	return dst;
}

NO_LIBCALL int cc_memcmp(const void *a, const void *b, size_t n)
{
	const unsigned char *x = a, *y = b;

	for (; n; n--, x++, y++)
		if (*x != *y)
			return *x - *y;
	return 0;
}

NO_LIBCALL void *cc_memmove(void *dst, const void *src, size_t n)
{
	unsigned char *d = dst;
	const unsigned char *s = src;

	if (d < s)
		return cc_memcpy(dst, src, n);
	while (n--)
		d[n] = s[n];
	return dst;
}

void cc_puts(const char *s)
{
	while (*s)
		cc_putc(*s++);
}

/* Unsigned and signed integers in any base 2-16. */
char *cc_utoa(uint64_t v, unsigned base, char *buf)
{
	char tmp[72];
	int n = 0;

	do {
		tmp[n++] = "0123456789abcdef"[v % base];
		v /= base;
	} while (v);
	for (int i = 0; i < n; i++)
		buf[i] = tmp[n - 1 - i];
	buf[n] = 0;
	return buf;
}

char *cc_itoa(int64_t v, char *buf)
{
	if (v < 0) {
		buf[0] = '-';
		cc_utoa(0 - (uint64_t)v, 10, buf + 1);
		return buf;
	}
	return cc_utoa((uint64_t)v, 10, buf);
}

/* A long double as %.<digits>Lg would, by hand: scaled into [1, 10) by
 * powers of ten in long double arithmetic (x87), digits taken one at a
 * time, the last rounded half up.  Not correctly rounded as glibc's is,
 * but the same on every correct x87: that is what is being compared. */
char *cc_ldtoa(long double x, int digits, char *buf)
{
	char *p = buf;
	int e = 0;

	if (x != x) {
		cc_memcpy(buf, "nan", 4);
		return buf;
	}
	if (x < 0 || (x == 0 && 1 / x < 0)) {
		*p++ = '-';
		x = -x;
	}
	if (x > 1.18973149535723176502e+4932L) {
		cc_memcpy(p, "inf", 4);
		return buf;
	}
	if (x == 0) {
		cc_memcpy(p, "0", 2);
		return buf;
	}
	while (x >= 1e32L) { x /= 1e32L; e += 32; }
	while (x >= 10) { x /= 10; e++; }
	while (x < 1e-32L) { x *= 1e32L; e -= 32; }
	while (x < 1) { x *= 10; e--; }
	char d[40];

	if (digits < 1)
		digits = 1;
	for (int i = 0; i < digits && i < 39; i++) {
		int k = (int)x;
		d[i] = (char)('0' + k);
		x = (x - k) * 10;
	}
	if (x >= 5) {                   /* round the last digit, carrying */
		int i = digits - 1;
		while (i >= 0 && d[i] == '9')
			d[i--] = '0';
		if (i >= 0) {
			d[i]++;
		} else {
			d[0] = '1';
			e++;
		}
	}
	*p++ = d[0];
	*p++ = '.';
	for (int i = 1; i < digits; i++)
		*p++ = d[i];
	*p++ = 'e';
	cc_itoa(e, p);
	return buf;
}

/* The exact bits of an 80-bit value: sign, exponent, significand in hex. */
char *cc_ldbits(long double x, char *buf)
{
	unsigned char b[16];
	uint64_t m;
	uint16_t se;

	cc_memset(b, 0, sizeof(b));
	cc_memcpy(b, &x, 10);
	cc_memcpy(&m, b, 8);
	cc_memcpy(&se, b + 8, 2);
	cc_utoa(se, 16, buf);
	size_t n = cc_strlen(buf);
	buf[n++] = ':';
	cc_utoa(m, 16, buf + n);
	return buf;
}
