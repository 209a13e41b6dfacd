/* Statistics against data sets with known answers. */
#include <math.h>

#include "harness/results.h"
#include "harness/stats.h"
#include "tests/check.h"

static int near(double a, double b)
{
	return fabs(a - b) < 1e-6 * (fabs(b) > 1 ? fabs(b) : 1);
}

int main(void)
{
	struct stats s;
	double one_to_ten[10], hundred[100];

	for (int i = 0; i < 10; i++)
		one_to_ten[i] = 10 - i;            /* unsorted on purpose */
	stats_compute(one_to_ten, 10, &s, NULL);
	CHECK(s.n == 10 && s.min == 1 && s.max == 10, "1..10: n, min, max");
	CHECK(near(s.median, 5.5) && near(s.mean, 5.5), "1..10: median and mean 5.5");
	CHECK(near(s.stddev, 3.0276503540974917), "1..10: sample stddev 3.02765");
	CHECK(near(s.cv, 3.0276503540974917 / 5.5), "1..10: CV = stddev/mean");
	CHECK(s.ci_lo == 1 && s.ci_hi == 10, "1..10: median CI from order statistics spans ranks 1..10");
	CHECK(near(s.mad, 2.5), "1..10: MAD 2.5");
	CHECK(s.outliers == 0, "1..10: no outliers");
	CHECK(one_to_ten[0] == 10, "input is not reordered");

	for (int i = 0; i < 100; i++)
		hundred[i] = i + 1;
	stats_compute(hundred, 100, &s, NULL);
	CHECK(s.ci_lo == 40 && s.ci_hi == 61, "n=100: 95%% CI of the median is ranks 40 and 61 (got %g, %g)",
	      s.ci_lo, s.ci_hi);

	double spike[] = { 10, 11, 10, 12, 11, 10, 11, 50 };
	unsigned char fl[8];
	stats_compute(spike, 8, &s, fl);
	CHECK(near(s.median, 11) && near(s.mad, 1), "spike: median 11, MAD 1");
	CHECK(s.outliers == 1 && fl[7] == 1 && fl[3] == 0, "spike: only the 50 is an outlier");

	double flat[] = { 7, 7, 7, 7, 7, 7, 8, 70 };
	stats_compute(flat, 8, &s, fl);
	CHECK(s.mad == 0 && s.outliers == 1 && fl[7] && !fl[6], "MAD 0: the mean-deviation rule flags only 70");

	double single = 42;
	stats_compute(&single, 1, &s, NULL);
	CHECK(s.n == 1 && s.median == 42 && s.stddev == 0 && s.ci_lo == 42 && s.ci_hi == 42,
	      "one sample: everything is that sample, stddev 0");
	stats_compute(NULL, 0, &s, NULL);
	CHECK(s.n == 0 && s.median == 0, "no samples: zeroed, no crash");

	/* The empty loop's cost is subtracted per iteration. */
	struct run r;
	run_init(&r);
	struct engine_result *e = run_engine(&r, "kvm", 1);
	struct bench_result *loop = engine_bench(e, "loop", 1), *alu = engine_bench(e, "alu", 1);
	for (int k = 0; k < 5; k++) {
		bench_add_sample(loop, 1000, 3000);     /* 3 cycles per iteration */
		bench_add_sample(alu, 1000, 8000 + k);  /* 8 cycles per iteration */
	}
	snprintf(loop->status, sizeof(loop->status), "ok");
	snprintf(alu->status, sizeof(alu->status), "ok");
	r.host.tsc_khz = 2e6;                           /* 2 GHz: 1 cycle = 0.5 ns */
	run_compute(&r);
	CHECK(near(alu->loop_cycles, 3) && near(alu->st.median, 5.002), "alu: 8.002 - 3 = 5.002 cycles/op (got %g)",
	      alu->st.median);
	CHECK(near(loop->st.median, 3), "loop itself is reported raw");
	CHECK(near(run_cycles_to_ns(&r, alu->st.median), 2.501), "cycles to ns at the TSC frequency");
	CHECK(alu->total_iters == 5000, "total iterations summed");
	run_free(&r);
	CHECK_EXIT();
}
