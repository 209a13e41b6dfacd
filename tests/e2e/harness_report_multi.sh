#!/bin/sh
# `ringbench report RUN_DIR RUN_DIR...` (issue 12 item 6): runs of two
# "hosts" (the test engine; the second run's host rewritten as an AMD-V
# one) side by side in one Markdown report and figure, labelled by host
# and flavour; bad input refused with one line.
cd "$(dirname "$0")/../.." || exit 2
. tests/e2e/helpers/harness_lib.sh
have_bench || { skip "harness report multi: $RB has no bench command yet"; exit 0; }
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
for id in hostA hostB; do
	"$RB" bench --quick --quiet --no-plots --out "$out" --run-id $id --engines fake \
		--engine-cmd "fake=$FAKE" >/dev/null 2>&1
done
sed 's/"hostname": *"[^"]*"/"hostname": "svm-runner"/; s/"kvm_flavour": *"[^"]*"/"kvm_flavour": "AMD-V (kvm_amd)"/' \
	"$out/hostB/results.json" >"$out/b.json" && mv "$out/b.json" "$out/hostB/results.json"
"$RB" report --out "$out/side/report.md" "$out/hostA" "$out/hostB" >"$out/stdout" 2>"$out/stderr"
check "report with two run directories exits 0" test $? -eq 0
md="$out/side/report.md"
check "one side-by-side report written to --out" test -s "$md"
check "  columns labelled by host" sh -c "grep -q '| svm-runner: fake |' '$md'"
check "  the hosts table names the flavour" sh -c "grep '^| svm-runner ' '$md' | grep -q 'AMD-V'"
check "  the terminal shows it too and names the file" sh -c "grep -q 'svm-runner: fake' '$out/stdout' && grep -q 'Report: $md' '$out/stdout'"
check "  no nan and no negative cost" sh -c "! grep -Eq 'nan|\\| -[0-9]' '$md'"
if command -v gnuplot >/dev/null 2>&1; then
	check "  figure drawn beside it, legend naming the host" grep -q 'svm-runner' "$out/side/report-cost.svg"
	check "  and embedded in the report" grep -q '](report-cost.svg)' "$md"
	check "  PDF and PNG too" sh -c "has() { test -s \"\$1\"; }; has '$out/side/report-cost.pdf' && has '$out/side/report-cost.png'"
else
	skip "multi-run figure: no gnuplot"
fi
"$RB" report --out "$out/x.md" "$out/hostA" "$out/nonexistent" >/dev/null 2>"$out/err"
check "a missing run directory: non-zero, one line" sh -c "test $? -ne 0 && test \$(wc -l <'$out/err') -eq 1"
"$RB" report --out >/dev/null 2>&1
check "--out without a file: usage error" test $? -eq 2
