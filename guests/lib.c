/* The few C library functions a freestanding kernel still needs (the
 * compiler may emit calls to memset and memcpy for plain C). */
#include "guests/kernel.h"

void *memset(void *d, int c, unsigned long n)
{
	void *p = d;

	__asm__ volatile("rep stosb" : "+D"(p), "+c"(n) : "a"(c) : "memory");
	return d;
}

void *memcpy(void *d, const void *s, unsigned long n)
{
	void *p = d;

	__asm__ volatile("rep movsb" : "+D"(p), "+S"(s), "+c"(n) :: "memory");
	return d;
}

int strncmp(const char *a, const char *b, unsigned long n)
{
	for (; n; n--, a++, b++)
		if (*a != *b || !*a)
			return (unsigned char)*a - (unsigned char)*b;
	return 0;
}
