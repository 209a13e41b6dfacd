#!/bin/sh
# Results are never lost or misreported (issue 11, items 2, 10, 11): a full
# disk stops the run with one message and a non-zero status, keeping the
# last complete results.json; result writing costs the same per result
# however many came before; a killed run leaves no temporary files and
# does not become results/latest; report fails loudly when it cannot write.
cd "$(dirname "$0")/../.." || exit 2
. tests/e2e/helpers/harness_lib.sh
have_bench || { skip "harness outputs: $RB has no bench command yet"; exit 0; }
out=$(mktemp -d)
trap 'umount "$out/full" 2>/dev/null; rm -rf "$out"' EXIT
MANY="sh tests/e2e/helpers/many_benchmarks.sh"

t=$(date +%s)
timeout -s KILL 60 "$RB" bench --quick --quiet --no-plots --out "$out" --run-id many --engines many \
	--engine-cmd "many=env MANY_N=2000 $MANY" >/dev/null 2>&1
st=$?
check "2000 benchmarks from one engine: bench exits 0 (got $st)" test $st -eq 0
check "  in under 15 s (took $(( $(date +%s) - t )) s; per-result cost constant)" test $(( $(date +%s) - t )) -lt 15
check "  all 2000 in results.json" test "$(grep -c '"name":"b[0-9]*"' "$out/many/results.json")" -eq 2000
check "  and in results.csv" test "$(grep -c '^many,b' "$out/many/results.csv")" -eq 2000

if command -v unshare >/dev/null && unshare -m true 2>/dev/null; then
	mkdir "$out/full"
	unshare -m sh -c "mount -t tmpfs -o size=120k tmpfs '$out/full' &&
		'$RB' bench --quick --quiet --no-plots --out '$out/full' --run-id f --engines fake,many \
		--engine-cmd 'fake=$FAKE' --engine-cmd 'many=env MANY_N=3000 $MANY' >'$out/full.out' 2>'$out/full.err';
		echo \$? >'$out/full.rc'; cp -r '$out/full/f' '$out/fullcopy'"
	check "full disk: non-zero exit status (got $(cat "$out/full.rc"))" test "$(cat "$out/full.rc")" -ne 0
	check "  one message, not one per write" test "$(grep -c 'No space left' "$out/full.err")" -eq 1
	check "  saying what was kept and what was lost" sh -c "grep -q 'kept:' '$out/full.err' && grep -q 'lost:' '$out/full.err'"
	check "  results.json kept valid (compare reads it)" sh -c "'$RB' compare '$out/fullcopy' '$out/fullcopy' >/dev/null 2>&1; [ \$? -ne 2 ]"
	check "  the fake engine's results kept" grep -q '"name":"syscall"' "$out/fullcopy/results.json"
	check "  no temporary files left" sh -c "! ls -a '$out/fullcopy' | grep -q '\.tmp'"
else
	skip "full disk: no unshare -m here"
fi

# A run killed outright: no .tmp files, and latest still the last good run.
"$RB" bench --quick --quiet --no-plots --out "$out" --run-id good --engines fake --engine-cmd "fake=$FAKE" >/dev/null 2>&1
"$RB" bench --quick --quiet --no-plots --out "$out" --run-id killed --engines hangs \
	--engine-cmd "hangs=env FAKE_HANG_AT=3 $FAKE" >/dev/null 2>&1 &
pid=$!
i=0
while [ $i -lt 50 ] && ! grep -q '"name":"syscall"' "$out/killed/results.json" 2>/dev/null; do
	sleep 0.1; i=$((i + 1))
done
kill -KILL $pid
wait $pid 2>/dev/null
check "results ended before the kill are on disk" grep -q '"name":"syscall"' "$out/killed/results.json"
check "a killed run does not become results/latest" test "$(readlink "$out/latest")" = good
check "a killed run leaves no .tmp files" sh -c "! ls -a '$out/killed' '$out' | grep -q '\.tmp'"
check "  and a valid results.json (state running)" grep -q '"state":"running"' "$out/killed/results.json"
"$RB" compare "$out/good" "$out/killed" >/dev/null 2>&1
check "  which compare refuses as not comparable (exit 2, never a pass)" test $? -eq 2
"$RB" compare --force "$out/good" "$out/killed" >/dev/null 2>&1
check "  and with --force counts as a regression (exit 1)" test $? -eq 1

rm -f "$out/good/report.md" && mkdir "$out/good/report.md"   # rename over a directory fails
"$RB" report --no-plots --quiet "$out/good" >/dev/null 2>"$out/report.err"
check "report exits non-zero when it cannot write report.md" test $? -ne 0
check "  and says which file" grep -q 'report.md' "$out/report.err"
