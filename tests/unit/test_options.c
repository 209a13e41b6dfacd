/* The one checked parser for number options (issue 11): whole string, in
 * range, finite, no overflow; anything else refused with one line. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>

#include "harness/options.h"
#include "tests/check.h"

int main(void)
{
	unsigned long long u = 7;
	double d = 7;
	uint64_t sz = 7;

	/* The messages go to stderr; only the verdicts matter here. */
	if (!freopen("/dev/null", "w", stderr))
		printf("# stderr stays\n");
	CHECK(opt_uint("t", "--n", "30", 1, 100, &u) == 0 && u == 30, "30 in [1, 100]");
	CHECK(opt_uint("t", "--n", "0", 1, 100, &u) < 0 && u == 30, "0 below the range refused, value untouched");
	CHECK(opt_uint("t", "--n", "abc", 0, 100, &u) < 0, "abc refused");
	CHECK(opt_uint("t", "--n", "", 0, 100, &u) < 0, "empty refused");
	CHECK(opt_uint("t", "--n", "-1", 0, ~0ull, &u) < 0, "a sign refused (strtoull would wrap it)");
	CHECK(opt_uint("t", "--n", " 5", 0, 100, &u) < 0, "leading blank refused");
	CHECK(opt_uint("t", "--n", "5x", 0, 100, &u) < 0, "trailing junk refused");
	CHECK(opt_uint("t", "--n", "99999999999999999999999", 0, ~0ull, &u) < 0, "overflow refused");
	CHECK(opt_real("t", "--x", "12.5", 0, 1000, &d) == 0 && d == 12.5, "12.5 accepted");
	CHECK(opt_real("t", "--x", "abc", 0, 1000, &d) < 0, "abc refused (atof gave 0)");
	CHECK(opt_real("t", "--x", "nan", -1e9, 1e9, &d) < 0, "nan refused");
	CHECK(opt_real("t", "--x", "-inf", -INFINITY, 1e9, &d) < 0, "-inf refused");
	CHECK(opt_seconds("t", "--timeout", "0.4", &d) == 0 && d == 0.4, "0.4 s kept as 0.4");
	CHECK(opt_seconds("t", "--timeout", "0", &d) < 0, "0 s refused");
	CHECK(opt_seconds("t", "--timeout", "nan", &d) < 0, "nan s refused (it turned the timeout off)");
	CHECK(opt_seconds("t", "--timeout", "1e300", &d) < 0, "absurd seconds refused");
	CHECK(opt_size("t", "--mem", "64M", &sz) == 0 && sz == 64ull << 20, "64M");
	CHECK(opt_size("t", "--mem", "1GiB", &sz) == 0 && sz == 1ull << 30, "1GiB");
	CHECK(opt_size("t", "--mem", "4096", &sz) == 0 && sz == 4096, "plain bytes");
	CHECK(opt_size("t", "--mem", "17592186044480M", &sz) < 0, "a size that overflows 64 bits refused (was 64 MiB)");
	CHECK(opt_size("t", "--mem", "64Q", &sz) < 0 && opt_size("t", "--mem", "M", &sz) < 0,
	      "bad suffix and missing number refused");
	CHECK_EXIT();
}
