#!/bin/sh
# Regression tracking: a run of the test engine at twice the cost is
# flagged (exit 1), an unchanged run is not (exit 0).
cd "$(dirname "$0")/../.." || exit 2
. tests/e2e/helpers/harness_lib.sh
have_bench || { skip "harness regress: $RB has no bench command yet"; exit 0; }
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
bench() { # run-id [env...]
	id=$1; shift
	env "$@" "$RB" bench --quick --quiet --no-plots --out "$out" --run-id "$id" --engines fake \
		--engine-cmd "fake=$FAKE" >/dev/null 2>&1
}
bench base
bench same
bench slow FAKE_SCALE=2
bench exits FAKE_EXITS=3
"$RB" compare "$out/base" "$out/same" >"$out/same.txt" 2>&1
check "unchanged run: no regression (exit 0)" test $? -eq 0
"$RB" compare --json "$out/dash.json" "$out/base" "$out/slow" >"$out/slow.txt" 2>&1
check "twice the cost: regression (exit 1)" test $? -eq 1
check "the table names what moved" grep -q 'syscall.*regression' "$out/slow.txt"
check "dashboard JSON written by compare" grep -q '"unit"' "$out/dash.json"
"$RB" compare "$out/base" "$out/exits" >"$out/exits.txt" 2>&1
check "exits per op 1 -> 3 at the same speed: regression (exact count)" test $? -eq 1
check "  reported as exits/op" grep -q 'exits/op.*regression' "$out/exits.txt"
"$RB" compare "$out/base" "$out/nonexistent" >/dev/null 2>&1
check "missing run: error exit 2" test $? -eq 2

# Another host or configuration: refused (exit 2, one line per difference),
# or compared with a warning on every line under --force (issue 12).
sed 's/"tsc_khz": *[0-9.e+]*/"tsc_khz": 1234567/; s/"kernel": *"[^"]*"/"kernel": "Linux 0.0-other"/' \
	"$out/slow/results.json" >"$out/foreign.json"
"$RB" compare "$out/base" "$out/foreign.json" >"$out/foreign.txt" 2>"$out/foreign.err"
check "another host's run: refused (exit 2)" test $? -eq 2
check "  one line per difference (TSC, kernel)" sh -c "grep -c 'not comparable' '$out/foreign.err' | grep -qx 2 &&
	grep -q 'TSC frequency' '$out/foreign.err' && grep -q 'kernel differs' '$out/foreign.err'"
"$RB" compare --force "$out/base" "$out/foreign.json" >"$out/forced.txt" 2>&1
check "--force compares anyway (exit 1: twice the cost)" test $? -eq 1
check "  and warns on every verdict" sh -c "grep -q '^warning: TSC frequency' '$out/forced.txt' &&
	! grep 'regression\$' '$out/forced.txt' | grep -v '(forced)' | grep -q . &&
	grep -q 'regression (forced)' '$out/forced.txt'"
check "  timing rows in ns with a ratio and its CI" grep -q 'ns/op.*x \[' "$out/forced.txt"
sed 's/"quick": *true/"quick": false/' "$out/same/results.json" >"$out/full.json"
"$RB" compare "$out/base" "$out/full.json" >/dev/null 2>"$out/full.err"
check "a quick run against a full one is refused, saying so" sh -c "test $? -eq 2 && grep -q 'quick run, run a full run' '$out/full.err'"

# Per-host baselines: a host without one records it and passes.
bl="$out/baselines"
"$RB" compare --baselines "$bl" "$out/base" >"$out/bl1.txt" 2>&1
check "no baseline for this host: recorded, exit 0" test $? -eq 0
fp=$("$RB" compare --fingerprint "$out/base")
check "  as baselines/<fingerprint>.json, and said so" sh -c "test -s '$bl/$fp.json' && grep -q 'recorded' '$out/bl1.txt'"
"$RB" compare --baselines "$bl" "$out/same" >/dev/null 2>&1
check "  then an unchanged run passes against it" test $? -eq 0
"$RB" compare --baselines "$bl" "$out/slow" >/dev/null 2>&1
check "  and a slower one fails" test $? -eq 1
"$RB" compare --baselines "$bl" --bencher "$out/bencher.json" "$out/same" >/dev/null 2>&1
check "compare --bencher writes Bencher JSON" grep -q '"latency"' "$out/bencher.json"
# A calibrated TSC that rounds to the next 10 MHz still finds its baseline.
mhz=${fp##*_}; mhz=${mhz%mhz}
mv "$bl/$fp.json" "$bl/${fp%_*}_$((mhz + 10))mhz.json"
"$RB" compare --baselines "$bl" "$out/same" >"$out/bl2.txt" 2>&1
check "a baseline 10 MHz off (within 1%) is used, not re-recorded" \
	sh -c "test $? -eq 0 && ! grep -q recorded '$out/bl2.txt' && grep -q '^base ' '$out/bl2.txt'"
