/* Minimal test reporting shared by the unit tests: one line per check,
 * counted by tests/run.sh ("ok - ...", "not ok - ...", "skip - ..."). */
#ifndef RINGBENCH_CHECK_H
#define RINGBENCH_CHECK_H

#include <stdio.h>

static int check_failures;

#define CHECK(cond, ...) do {                                          \
	int check_ok_ = !!(cond);                                      \
	printf("%s - ", check_ok_ ? "ok" : "not ok");                  \
	printf(__VA_ARGS__);                                           \
	if (!check_ok_) {                                              \
		printf("  [%s:%d: %s]", __FILE__, __LINE__, #cond);    \
		check_failures++;                                      \
	}                                                              \
	printf("\n");                                                  \
	fflush(stdout);                                                \
} while (0)

#define SKIP(...) do { printf("skip - "); printf(__VA_ARGS__); printf("\n"); } while (0)

#define CHECK_EXIT() return check_failures ? 1 : 0

#endif
