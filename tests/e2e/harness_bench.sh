#!/bin/sh
# End to end: `ringbench bench --quick` with the test engine (fast, no
# guest needed): results.json valid against docs/results.schema.json, CSV,
# report, dashboard JSON, plots (PDF/PNG/SVG) when gnuplot is there.
cd "$(dirname "$0")/../.." || exit 2
. tests/e2e/helpers/harness_lib.sh
have_bench || { skip "harness bench: $RB has no bench command yet"; exit 0; }
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

"$RB" bench --quick --quiet --out "$out" --run-id e2e --engines fake \
	--engine-cmd "fake=$FAKE" >"$out/stdout" 2>"$out/stderr"
rc=$?
[ $rc -eq 0 ] && ok "bench --quick with the test engine exits 0" ||
	{ notok "bench exited $rc: $(tail -3 "$out/stderr")"; }
run="$out/e2e"
check "results/latest points at the run" test "$(readlink "$out/latest")" = e2e
check "results.json written" test -s "$run/results.json"
if python3 -c 'import jsonschema' 2>/dev/null; then
	if python3 - "$run/results.json" docs/results.schema.json <<'PY' >"$out/schema" 2>&1
import json, sys, jsonschema
jsonschema.validate(json.load(open(sys.argv[1])), json.load(open(sys.argv[2])))
PY
	then ok "results.json valid against docs/results.schema.json"
	else notok "results.json against the schema: $(tail -1 "$out/schema")"; fi
else
	skip "schema validation: python3 jsonschema not installed (apt-get install python3-jsonschema)"
fi
check "results.json reads back (ringbench compare RUN RUN: no regression)" "$RB" compare "$run" "$run"
check "CSV header and one row per engine and benchmark (5)" \
	sh -c "head -1 '$run/results.csv' | grep -q '^engine,benchmark,' && test \$(grep -c '^fake,' '$run/results.csv') -eq 5"
check "CSV: syscall row has a median" sh -c "grep -q '^fake,syscall,entry,privileged,ok,\"\",5,[0-9]' '$run/results.csv'"
check "report.md has the cost table and the Adams & Agesen view" \
	sh -c "grep -q '## Cost per operation' '$run/report.md' && grep -q 'Adams & Agesen' '$run/report.md'"
check "report says unsupported, not a number, for cr8_write" \
	sh -c "grep '^| cr8_write' '$run/report.md' | grep -q unsupported"
check "report header names the counters that were real" grep -q 'Host counters real' "$run/report.md"
check "terminal summary printed, naming the full report" \
	sh -c "grep -q 'Cost by class' '$out/stdout' && grep -q 'Full report: .*report.md' '$out/stdout'"
check "terminal summary fits a screen (at most 40 lines of at most 100 columns)" \
	sh -c "test \$(wc -l <'$out/stdout') -le 40 && test \$(awk '{ if (length(\$0) > m) m = length(\$0) } END { print m + 0 }' '$out/stdout') -le 100"
check "report.md tables are at most 100 columns wide" \
	sh -c "test \$(grep '^|' '$run/report.md' | awk '{ if (length(\$0) > m) m = length(\$0) } END { print m + 0 }') -le 100"
check "dashboard JSON (name, unit, value, range)" \
	sh -c "grep -q '\"name\":\"fake/syscall\"' '$run/benchmark-action.json' && grep -q '\"range\"' '$run/benchmark-action.json'"
check "Bencher JSON beside it (BMF: value, lower_value, upper_value)" \
	sh -c "grep -q '\"fake/syscall\"' '$run/bencher.json' && grep -q '\"lower_value\"' '$run/bencher.json'"
check "exits per op from the engine counters (in_null: 1.00)" \
	sh -c "grep '^| in_null' '$run/report.md' | grep -q '1.00'"
if command -v gnuplot >/dev/null 2>&1; then
	check "cost.pdf is a PDF" has_magic "$run/plots/cost.pdf" "%PDF"
	check "cost.png is a PNG" sh -c "head -c 4 '$run/plots/cost.png' | od -An -c | grep -q 'P   N   G'"
	check "cost.svg is SVG" grep -q '<svg' "$run/plots/cost.svg"
	check "exit-reason figure drawn" test -s "$run/plots/exits-fake.pdf"
else
	skip "plots: gnuplot not installed"
fi
# Without gnuplot the report says the plots were skipped and how to get them.
RINGBENCH_GNUPLOT=/nonexistent "$RB" report --quiet "$run" >/dev/null 2>&1
check "without gnuplot: report says plots skipped and how" \
	sh -c "grep -q 'Plots skipped: gnuplot not found' '$run/report.md' && grep -q 'apt-get install gnuplot-nox' '$run/report.md'"
