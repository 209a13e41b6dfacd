#!/bin/sh
# Crash isolation: an engine process that dies mid-run, one that hangs,
# and an interrupted bench.  Earlier results are kept, the failure is
# recorded with its reason, the other engines still run.
cd "$(dirname "$0")/../.." || exit 2
. tests/e2e/helpers/harness_lib.sh
have_bench || { skip "harness crash isolation: $RB has no bench command yet"; exit 0; }
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
field() { # engine bench key → value from results.csv
	awk -F, -v e="$1" -v b="$2" -v k="$3" 'NR==1{for(i=1;i<=NF;i++)c[$i]=i} $1==e&&$2==b{print $c[k]}' "$4"
}

"$RB" bench --quick --quiet --no-plots --out "$out" --run-id crash \
	--engines dies,fine --engine-cmd "dies=env FAKE_CRASH_AT=2 $FAKE" --engine-cmd "fine=$FAKE" \
	>"$out/stdout" 2>"$out/stderr"
check "bench goes on after an engine crash (exit 0)" test $? -eq 0
csv="$out/crash/results.csv"
check "results before the crash kept (dies/alu ok)" test "$(field dies alu status "$csv")" = ok
check "the benchmark running at the crash is recorded as crash" test "$(field dies syscall status "$csv")" = crash
check "its reason names the signal" sh -c "grep '^dies,syscall' '$csv' | grep -q 'signal 11'"
check "engine status crash in results.json" \
	sh -c "grep -A4 '\"name\":\"dies\"' '$out/crash/results.json' | grep -q '\"status\":\"crash\"'"
check "the next engine still ran (fine/in_null ok)" test "$(field fine in_null status "$csv")" = ok
check "report shows the failure instead of a number, its reason in a footnote" \
	sh -c "grep '^| syscall' '$out/crash/report.md' | grep -q 'crash (1)' && grep -q '^- (1) dies/syscall: .*signal 11' '$out/crash/report.md'"

"$RB" bench --quick --quiet --no-plots --out "$out" --run-id hang --timeout 2 \
	--engines hangs --engine-cmd "hangs=env FAKE_HANG_AT=1 $FAKE" >/dev/null 2>&1
csv="$out/hang/results.csv"
check "a hung engine is killed at its timeout and recorded" test "$(field hangs alu status "$csv")" = timeout
check "benchmarks before the hang kept" test "$(field hangs loop status "$csv")" = ok

# Ctrl-C in the middle: a valid partial result set, state interrupted.
"$RB" bench --quick --quiet --no-plots --out "$out" --run-id intr \
	--engines hangs --engine-cmd "hangs=env FAKE_HANG_AT=3 $FAKE" >/dev/null 2>&1 &
pid=$!
i=0
while [ $i -lt 50 ] && ! grep -q '"name":"syscall"' "$out/intr/results.json" 2>/dev/null; do
	sleep 0.1; i=$((i + 1))
done
kill -INT $pid
wait $pid
check "interrupted bench exits 130" test $? -eq 130
check "partial results.json is valid and says interrupted" \
	sh -c "'$RB' compare '$out/intr' '$out/intr'; [ \$? -ne 2 ] && grep -q '\"state\":\"interrupted\"' '$out/intr/results.json'"
check "results before the interrupt kept" test "$(field hangs syscall status "$out/intr/results.csv")" = ok
check "no temporary files left behind" sh -c "! ls '$out/intr' | grep -q '\.tmp\.'"
"$RB" compare "$out/hang" "$out/intr" >"$out/intr.txt" 2>&1
check "compare: an interrupted run is not comparable, never a pass (exit 2)" test $? -eq 2
check "  and it says why" grep -q "run state differs: base 'complete', run 'interrupted'" "$out/intr.txt"
"$RB" compare --force "$out/hang" "$out/intr" >"$out/intr.txt" 2>&1
check "compare --force: an interrupted run is a regression (exit 1)" test $? -eq 1
check "  and the table says why" grep -q 'run state.*interrupted.*regression' "$out/intr.txt"
