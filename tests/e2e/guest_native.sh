#!/bin/sh
# The native twins: the unprivileged benchmarks, a getppid system call,
# RDTSC and PUSHFQ;POPFQ as a host process, reporting the guest's RB1 lines.
cd "$(dirname "$0")/../.." || exit 2
make -s native >/dev/null 2>&1 || { echo "not ok - make native"; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

timeout 60 build/microbench/native budget_ms=1 reps=3 >"$tmp/n.log" 2>&1
rc=$?
[ $rc -eq 0 ] && echo "ok - native twins exit 0" || echo "not ok - native twins exit $rc"
if s=$(awk -f tests/e2e/guest_rb1.awk "$tmp/n.log"); then
	echo "ok - native twins: RB1 lines parse ($(echo "$s" | tail -1))"
else
	echo "not ok - native twins: RB1 lines parse"; echo "$s" | sed 's/^/# /' | head
fi
for b in loop alu callret mem_seq mem_rand branch syscall rdtsc pushf_popf_user; do
	grep -q "^RB1 end seq=[0-9]* bench=$b status=ok" "$tmp/n.log" || missing="$missing $b"
done
[ -z "$missing" ] && echo "ok - native twins: baseline group, syscall, rdtsc and pushf_popf_user report ok" ||
	echo "not ok - native twins: not ok:$missing"
grep -q '^RB1 hello version=1 host=native engine=native ' "$tmp/n.log" &&
	echo "ok - native twins: hello says host=native engine=native" ||
	echo "not ok - native twins: hello line"

timeout 60 build/microbench/native only=alu budget_ms=1 reps=1 fail=alu >"$tmp/f.log" 2>&1
rc=$?
[ $rc -ne 0 ] && grep -q '^RB1 end seq=0 bench=alu status=fail reason=' "$tmp/f.log" &&
	echo "ok - native twins: fail=alu exits non-zero naming alu" ||
	echo "not ok - native twins: fail=alu gave status $rc"

# Adaptive repetitions (microbench/harness.c): after reps= samples the
# harness adds repetitions until the 95% CI of the median (order statistics,
# ranks n/2 -+ 0.98 sqrt(n), as harness/stats.c) is within 2% of the median,
# up to 4 x reps.  The median of what: each repetition less the empty loop
# run beside it (empty=), or the raw cycles of the empty loop itself.
# Checked here from the samples themselves.
timeout 60 build/microbench/native only=loop,alu,mem_rand budget_ms=1 reps=3 >"$tmp/a.log" 2>&1
bad=$(awk '
	/^RB1 sample / { split($3, s, "="); split($7, c, "="); e = 0; if ($8 ~ /^empty=/) e = substr($8, 7) + 0
			 n[s[2]]++; v[s[2], n[s[2]]] = c[2] - e }
	/^RB1 end / && / status=ok / {
		split($3, s, "="); q = s[2]; k = n[q]; p = ""
		for (i = 3; i <= NF; i++) if ($i ~ /^precision=/) p = substr($i, 11)
		for (i = 1; i <= k; i++) a[i] = v[q, i]
		for (i = 2; i <= k; i++) { x = a[i]; for (j = i - 1; j >= 1 && a[j] > x; j--) a[j + 1] = a[j]; a[j + 1] = x }
		med = k % 2 ? a[(k + 1) / 2] : int((a[k / 2] + a[k / 2 + 1]) / 2)   # the guest rounds down
		h = 0.98 * sqrt(k); lo = int(k / 2 - h); hi = 1 + k / 2 + h; hi = (hi == int(hi)) ? hi : int(hi) + 1
		ok = (lo >= 1 && hi <= k && (a[hi] - a[lo]) * 100 <= 4 * (med < 0 ? -med : med))
		if (k < 3 || k > 12) print $4 ": " k " samples, want 3..12"
		else if (p == "met" && !ok) print $4 ": precision=met but the CI is wider than 2% (" k " samples)"
		else if (p == "capped" && k != 12) print $4 ": capped after " k " samples, not 12"
		else if (p == "capped" && ok) print $4 ": capped although the CI is within 2% (" k " samples)"
		else if (p != "met" && p != "capped") print $4 ": no precision= on the end line"
	}' "$tmp/a.log")
[ -z "$bad" ] && [ "$(grep -c '^RB1 end .*precision=' "$tmp/a.log")" -eq 3 ] &&
	echo "ok - native twins: repetitions added until the median's CI is within 2% or 4x reps ($(grep -o 'bench=[a-z_]* .*precision=[a-z]*' "$tmp/a.log" | sed 's/ status=ok ops=[0-9]*//' | tr '\n' ' '))" ||
	{ echo "not ok - native twins: adaptive repetitions"; echo "$bad" | sed 's/^/# /'; }
timeout 60 build/microbench/native only=mem_rand budget_ms=1 reps=3 fixed_reps >"$tmp/x.log" 2>&1
[ "$(grep -c '^RB1 sample ' "$tmp/x.log")" -eq 3 ] && echo "ok - native twins: fixed_reps keeps exactly reps= samples" ||
	echo "not ok - native twins: fixed_reps gave $(grep -c '^RB1 sample ' "$tmp/x.log") samples"
# The interleaved empty loop: every repetition of a benchmark carries the
# empty loop run beside it (same iterations, same ring); loop itself none.
awk '/^RB1 sample / && / bench=loop / && / empty=/ { bad = 1 }
     /^RB1 sample / && !/ bench=loop / && !/ empty=[0-9]+( cpu=[0-9]+)?$/ { bad = 1 }
     END { exit bad }' "$tmp/n.log" &&
	echo "ok - native twins: every sample but the empty loop's carries its paired empty loop (empty=)" ||
	echo "not ok - native twins: sample lines and empty= disagree"
