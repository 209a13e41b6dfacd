#!/bin/sh
# Test-only engine for the harness tests (ringbench bench --engine-cmd):
# prints the RB1/RBH1 lines a real engine would, fast and deterministic.
# Arguments: the guest words (only=..., reps=N, ...).  Environment:
#   FAKE_SCALE    multiply every cost (default 1; 2 = a 2x slowdown)
#   FAKE_EXITS    exits per op reported for in_null (default 1)
#   FAKE_CRASH_AT die by SIGSEGV inside the Nth benchmark (0-based)
#   FAKE_HANG_AT  hang inside the Nth benchmark
#   FAKE_RUNS     a file counting this engine's runs (bench --rounds); with
#                 FAKE_CRASH_RUN=K, FAKE_CRASH_AT applies to the Kth run only
reps=5
for w in "$@"; do
	case "$w" in reps=*) reps=${w#reps=} ;; esac
done
crash_at=${FAKE_CRASH_AT:-x}
if [ -n "${FAKE_RUNS:-}" ]; then
	run=$(( $(cat "$FAKE_RUNS" 2>/dev/null || echo 0) + 1 ))
	echo "$run" >"$FAKE_RUNS"
	[ "$run" = "${FAKE_CRASH_RUN:-$run}" ] || crash_at=x
fi
scale=${FAKE_SCALE:-1}
exits=${FAKE_EXITS:-1}
echo "booting fake guest"
echo "RB1 hello version=1 host=ringbench engine=none budget_ms=1 reps=$reps warmup=1"
echo "RBH1 info engine=fake counters=task-clock missing=cycles reason=fake engine for tests"
seq=0
for spec in loop:baseline:unprivileged:2 alu:baseline:unprivileged:3 \
	    syscall:entry:privileged:80 in_null:io:io:1200 cr8_write:priv:control-sensitive:0; do
	IFS=: read -r name group class cost <<EOT
$spec
EOT
	echo "RB1 begin seq=$seq bench=$name group=$group class=$class"
	[ "$seq" = "$crash_at" ] && kill -SEGV $$
	[ "$seq" = "${FAKE_HANG_AT:-x}" ] && sleep 1000
	if [ "$cost" = 0 ]; then
		echo "RB1 end seq=$seq bench=$name status=unsupported reason=not on this fake engine"
	else
		iters=1000
		x=0
		[ "$name" = in_null ] && x=$(( exits * iters * reps ))
		echo "RBH1 counters seq=$seq host.task-clock=12345 engine.exits.io=$x"
		r=0
		while [ $r -lt "$reps" ]; do
			# +-1% deterministic jitter around cost*scale per iteration
			cyc=$(( (2 + cost * scale) * iters * (100 + (r * 7) % 3 - 1) / 100 ))
			echo "RB1 sample seq=$seq bench=$name rep=$r iters=$iters cycles=$cyc"
			r=$((r + 1))
		done
		echo "RB1 end seq=$seq bench=$name status=ok ops=$(( iters * reps ))"
	fi
	seq=$((seq + 1))
done
echo "RB1 done ok=4 failed=0 unsupported=1"
exit 1
