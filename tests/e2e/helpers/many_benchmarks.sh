#!/bin/sh
# Test-only engine printing $MANY_N benchmarks (default 2000) of 5 samples
# each, as fast as it can: the harness's cost per result must not grow
# with the number of results before it.
n=${MANY_N:-2000}
awk -v n="$n" 'BEGIN {
	print "RB1 hello version=1 host=ringbench engine=none budget_ms=1 reps=5 warmup=1"
	for (i = 0; i < n; i++) {
		printf "RB1 begin seq=%d bench=b%d group=g class=unprivileged\n", i, i
		for (r = 0; r < 5; r++)
			printf "RB1 sample seq=%d bench=b%d rep=%d iters=1000 cycles=%d\n", i, i, r, 5000 + r
		printf "RB1 end seq=%d bench=b%d status=ok ops=5000\n", i, i
	}
	printf "RB1 done ok=%d failed=0 unsupported=0\n", n
}'
