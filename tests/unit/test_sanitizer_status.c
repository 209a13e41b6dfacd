/* A sanitizer report in a ringbench process ends with status 12
 * (RB_STATUS_SANITIZER), never 1: 1 is a guest's "all passed" (issue 11). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "engines/core/status.h"
#include "tests/check.h"

const char *__ubsan_default_options(void);

static uint64_t misaligned_load(volatile uint8_t *p)
{
	return *(volatile uint64_t *)(p + 1);
}

int main(void)
{
	CHECK(RB_STATUS_SANITIZER == RB_STATUS_SANITIZER_NUM && (RB_STATUS_SANITIZER & 1) == 0,
	      "the sanitizer status is even: never a guest's");
	CHECK(strstr(__ubsan_default_options(), "exitcode=12") != NULL, "UBSan is told to exit 12");
	fflush(stdout);
	pid_t pid = fork();
	if (pid == 0) {
		static uint8_t buf[16];
		close(2);       /* the report itself is expected: keep the log quiet */
		_exit((int)misaligned_load(buf) & 1);
	}
	int st = 0;
	waitpid(pid, &st, 0);
	CHECK(WIFEXITED(st) && WEXITSTATUS(st) == RB_STATUS_SANITIZER,
	      "a UBSan report ends the process with status 12 (status %d)", WIFEXITED(st) ? WEXITSTATUS(st) : -1);
	CHECK_EXIT();
}
