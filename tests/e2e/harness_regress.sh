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
