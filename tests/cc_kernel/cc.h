/* The test kernel's shared code: the tests (cc_tests.c) and their small
 * C library (cc_lib.c), built into the freestanding kernel and into the
 * host program that computes the expected output. */
#ifndef RINGBENCH_CC_H
#define RINGBENCH_CC_H

#include <stddef.h>
#include <stdint.h>

/* Provided by the kernel (serial port) and by the host program (stdout). */
void cc_putc(char c);

void cc_puts(const char *s);
size_t cc_strlen(const char *s);
int cc_strcmp(const char *a, const char *b);
void *cc_memcpy(void *dst, const void *src, size_t n);
void *cc_memmove(void *dst, const void *src, size_t n);
void *cc_memset(void *dst, int c, size_t n);
int cc_memcmp(const void *a, const void *b, size_t n);
char *cc_utoa(uint64_t v, unsigned base, char *buf);
char *cc_itoa(int64_t v, char *buf);
char *cc_ldtoa(long double x, int digits, char *buf);
char *cc_ldbits(long double x, char *buf);

/* Every test line; the same on host and guest. */
void cc_tests(void);

#endif
