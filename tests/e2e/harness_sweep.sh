#!/bin/sh
# The overcommit sweep (bench --overcommit 1,2 --host-cpus 2: 2 and 4
# vCPUs): one run per ratio with the ratio in results.json and
# results.csv, every smp benchmark ok under interp and bt (and QEMU TCG,
# pinned with taskset to the same 2 CPUs), the sweep's report with the
# slowdown, fairness, latency and PAUSE-yield sections, sweep.csv, the
# figures, and `ringbench report` redrawing it all.
cd "$(dirname "$0")/../.." || exit 2
. tests/e2e/helpers/harness_lib.sh
have_bench || { skip "sweep: $RB has no bench command"; exit 0; }
[ "$(nproc)" -ge 2 ] || { skip "sweep: needs 2 host CPUs (this host has $(nproc))"; exit 0; }
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
engines=interp,bt
command -v qemu-system-x86_64 >/dev/null && engines=$engines,qemu-tcg
"$RB" bench --quick --quiet --overcommit 1,2 --host-cpus 2 --engines $engines --out "$out" --run-id sw \
	>"$out/stdout" 2>"$out/stderr"
check "bench --overcommit 1,2 --host-cpus 2 (exit 0)" test $? -eq 0
d="$out/sw"
for x in 1:2 2:4; do
	r=${x%%:*}; n=${x#*:}
	check "x$r/results.json: cpus $n, host_cpus 2, overcommit $r" sh -c "
		grep -q '\"cpus\": *$n,' '$d/x$r/results.json' && grep -q '\"host_cpus\": *2,' '$d/x$r/results.json' &&
		grep -q '\"overcommit\": *$r' '$d/x$r/results.json'"
	check "x$r/results.csv: every row ends with cpus $n, host_cpus 2, overcommit $r" sh -c "
		head -1 '$d/x$r/results.csv' | grep -q ',cpus,host_cpus,overcommit\$' &&
		test \$(tail -n +2 '$d/x$r/results.csv' | grep -vc ',$n,2,$r\$') -eq 0"
	for e in $(echo $engines | tr , ' '); do
		n_ok=$(grep -c '^RB1 end .*status=ok' "$d/x$r/$e.log")
		check "x$r: $e: every smp benchmark ok ($n_ok)" test "$n_ok" -ge 5
	done
done
if python3 -c 'import jsonschema' 2>/dev/null; then
	check "x2/results.json valid against docs/results.schema.json (host_cpus, overcommit)" \
		python3 -c 'import json, sys, jsonschema; jsonschema.validate(json.load(open(sys.argv[1])), json.load(open(sys.argv[2])))' \
		"$d/x2/results.json" docs/results.schema.json
else
	skip "sweep: schema validation: python3 jsonschema not installed"
fi
if echo $engines | grep -q qemu-tcg; then
	check "qemu-tcg pinned to 2 host CPUs (taskset -c in its command)" \
		grep -q '"command": *"taskset -c [0-9]*,[0-9]* qemu-system-x86_64' "$d/x2/results.json"
fi
check "report.md: the runs, slowdown, fairness, IPI latency, PAUSE-loop yields" sh -c "
	grep -q '^| 2x | 4 | 2 |' '$d/report.md' && grep -q '^## Slowdown versus the lowest ratio' '$d/report.md' &&
	grep -q '^| token_ring, interp | 1.00 | [0-9.]* \[' '$d/report.md' &&
	grep -q '^## Fairness at each overcommit ratio' '$d/report.md' &&
	grep -q '^| fairness, bt | 0\.[0-9]* (min' '$d/report.md' &&
	grep -q '^## IPI latency at each overcommit ratio' '$d/report.md' &&
	grep -q '^## PAUSE-loop yields per operation' '$d/report.md'"
# The token ring spins with PAUSE while another vCPU holds the token: with
# more vCPUs than the one host thread, interp yields on PAUSE loops.
y=$(awk -F, '$1 == "interp" && $2 == "token_ring" && $3 == 2 { print $18 }' "$d/sweep.csv")
check "sweep.csv: interp's token_ring at 2x has PAUSE-loop yields (${y:-none} per op)" \
	awk -v y="${y:-0}" 'BEGIN { exit !(y > 0) }'
s=$(awk -F, '$1 == "bt" && $2 == "token_ring" && $3 == 2 { print $10 }' "$d/sweep.csv")
check "sweep.csv: bt's token_ring slowdown at 2x is a number (${s:-none})" \
	awk -v s="${s:-x}" 'BEGIN { exit !(s + 0 > 0) }'
if command -v gnuplot >/dev/null; then
	for fig in sweep-slowdown sweep-fairness sweep-latency; do
		check "figure $fig: PDF, PNG and SVG" sh -c "
			head -c 4 '$d/plots/$fig.pdf' | grep -q '%PDF' && head -c 8 '$d/plots/$fig.png' | grep -q 'PNG' &&
			grep -q '<svg' '$d/plots/$fig.svg'"
	done
	check "gnuplot reported no error" sh -c "! grep -qi 'error\|unexpected' '$d/plots/gnuplot.log' 2>/dev/null"
else
	skip "sweep: gnuplot not installed, no figures to check"
fi
rm -f "$d/report.md" "$d/sweep.csv"
"$RB" report --no-plots "$d" >"$out/rep" 2>&1
check "ringbench report SWEEP_DIR redraws report.md and sweep.csv" sh -c "
	test -s '$d/report.md' && test -s '$d/sweep.csv' && grep -q 'Overcommit sweep: 2 ratio' '$out/rep'"
check "results/latest untouched by a sweep (no latest in the output root)" test ! -e "$out/latest"
