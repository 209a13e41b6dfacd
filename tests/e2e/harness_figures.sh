#!/bin/sh
# Every figure of a real run (kvm, interp, bt): drawn in PDF, PNG and SVG,
# non-empty, the kvm engine labelled with the host's real flavour; and no
# output (report, CSV, results.json costs, dashboard, Bencher file) holds
# a negative cost or a NaN; costs come from the paired empty loops.
cd "$(dirname "$0")/../.." || exit 2
. tests/e2e/helpers/harness_lib.sh
have_bench || { skip "figures: $RB has no bench command"; exit 0; }
command -v gnuplot >/dev/null || { skip "figures: gnuplot not installed (make deps)"; exit 0; }
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
engines=interp,bt
"$RB" engines 2>/dev/null | grep -q '^kvm  *available' && engines=kvm,$engines
"$RB" bench --quick --quiet --engines "$engines" --out "$out" --run-id fig >"$out/stdout" 2>"$out/stderr"
check "bench with figures (exit 0)" test $? -eq 0
p="$out/fig/plots"
for fig in cost cost-single aa trap-profile exits-bt; do
	check "figure $fig: PDF, PNG and SVG, each non-empty with its magic" sh -c "
		head -c 4 '$p/$fig.pdf' | grep -q '%PDF' &&
		head -c 8 '$p/$fig.png' | grep -q 'PNG' &&
		grep -q '<svg' '$p/$fig.svg'"
done
check "gnuplot reported no error" sh -c "! grep -v 'no valid points' '$p/gnuplot.log' 2>/dev/null | grep -qi 'error'"
if echo "$engines" | grep -q kvm; then
	flavour=$("$RB" engines | sed -n '2s/^ *\([A-Za-z-]*\).*/\1/p')
	check "the cost figure labels kvm with its flavour (kvm ($flavour))" grep -q "kvm ($flavour)" "$p/cost.svg"
	check "the trap profile names it too" grep -q "kvm ($flavour)" "$p/trap-profile.svg"
else
	skip "figures: kvm unavailable here, no flavour label to check"
fi
check "report.md embeds the figures" sh -c "grep -q '](plots/cost.png)' '$out/fig/report.md' && grep -q '](plots/trap-profile.png)' '$out/fig/report.md'"
# ringbench plot: chosen engines and benchmarks at one width, beside the run.
"$RB" plot --engines bt --only priv --size single --out "$out/custom" "$out/fig" >/dev/null 2>&1
check "plot --engines bt --only priv --size single: a cost figure, one size only" sh -c "
	head -c 4 '$out/custom/plots/cost.pdf' | grep -q '%PDF' && test ! -e '$out/custom/plots/cost-single.pdf' &&
	! grep -q 'kvm' '$out/custom/plots/cost.svg' && grep -q 'cpuid' '$out/custom/plots/cost.svg' &&
	! grep -q 'mem_seq' '$out/custom/plots/cost.svg'"
check "plot: the run's own figures untouched (the double-column cost figure still has every engine)" \
	grep -q 'interp' "$p/cost.svg"
"$RB" plot --size huge "$out/fig" >/dev/null 2>&1
check "plot --size huge: usage error (status 2)" test $? -eq 2
"$RB" plot --only nosuchbench "$out/fig" >/dev/null 2>&1
check "plot --only nosuchbench: error (status 2)" test $? -eq 2
# No negative cost or NaN anywhere a cost is printed.
check "report.md: no negative cost, no nan" sh -c "! grep -E '^\|' '$out/fig/report.md' | grep -Eiq '(^|[ [|(])-[0-9]|nan'"
check "results.csv: cost columns never negative or nan" sh -c "
	awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) c[\$i] = i; next }
		{ n = split(\"median_cycles ci95_lo_cycles ci95_hi_cycles mean_cycles min_cycles max_cycles median_ns below_ns\", w, \" \")
		  for (k = 1; k <= n; k++) { v = \$c[w[k]]; if (v ~ /^-/ || tolower(v) ~ /nan/) bad = 1 } }
		END { exit bad }' '$out/fig/results.csv'"
check "results.json: ns costs never negative or nan" sh -c "
	! grep -Eq '\"ns_(median|below)\": *-' '$out/fig/results.json' &&
	! grep -A2 '\"ns_ci95\"' '$out/fig/results.json' | grep -Eq '^ *-[0-9]' && ! grep -qi 'nan' '$out/fig/results.json'"
check "dashboard JSON: no negative value, no nan" sh -c "
	! grep -E '\"value\": *-' '$out/fig/benchmark-action.json' && ! grep -qi 'nan' '$out/fig/benchmark-action.json'"
check "Bencher JSON: no negative value, no nan" sh -c "
	! grep -Eq '\"(value|lower_value|upper_value)\": *-' '$out/fig/bencher.json' && ! grep -qi 'nan' '$out/fig/bencher.json'"
# The interleaved empty loop: every benchmark but loop/loop_k paired, and
# the report says per engine whether the CV goal was met and why not.
check "results.json: costs from the paired empty loops (baseline paired, empty per sample)" sh -c "
	grep -q '\"baseline\":\"paired\"' '$out/fig/results.json' && ! grep -q '\"baseline\":\"loop\"' '$out/fig/results.json' &&
	grep -q '\"empty\":[0-9]' '$out/fig/results.json'"
check "report.md: a CV goal line per engine" sh -c "
	grep -q '^## CV goal' '$out/fig/report.md' &&
	for e in $(echo "$engines" | tr , ' '); do grep -Eq \"^- \\*\\*\$e[^*]*\\*\\*: (met|not met)\" '$out/fig/report.md' || exit 1; done"
exit 0
