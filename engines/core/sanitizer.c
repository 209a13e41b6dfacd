/* A ringbench built with AddressSanitizer or UBSan (the unit tests, or a
 * `make CFLAGS+=-fsanitize=...` build) reports a bug in itself by exiting
 * with RB_STATUS_SANITIZER instead of the sanitizers' default 1, which is
 * also a guest's "all passed" status ((0 << 1) | 1).  The runtimes look
 * these functions up at start; a build without sanitizers never calls
 * them. */
#include "engines/core/status.h"

#define STR_(x) #x
#define STR(x) STR_(x)

const char *__asan_default_options(void);
const char *__ubsan_default_options(void);

const char *__asan_default_options(void)
{
	return "exitcode=" STR(RB_STATUS_SANITIZER_NUM);
}

const char *__ubsan_default_options(void)
{
	return "exitcode=" STR(RB_STATUS_SANITIZER_NUM) ":print_stacktrace=1";
}
