#!/bin/sh
# No child can hang the harness (issue 11, items 3 and 8): the timeout is
# a hard bound on a child that floods its output or closes it, Ctrl-C
# stops a chatty child, logs are capped, a killed harness leaves no child
# behind, and a guest that hangs is a timeout, not a crash.
cd "$(dirname "$0")/../.." || exit 2
. tests/e2e/helpers/harness_lib.sh
have_bench || { skip "harness limits: $RB has no bench command yet"; exit 0; }
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
# Each bench gets an outer bound so a regression fails instead of hanging.
bench() { # run-id timeout engine-cmd
	timeout -s KILL 30 "$RB" bench --quick --quiet --no-plots --out "$out" --run-id "$1" \
		--timeout "$2" --engines "${3%%=*}" --engine-cmd "$3" >/dev/null 2>"$out/$1.err"
}
elapsed() { echo $(( $(date +%s) - $1 )); }

t=$(date +%s)
bench flood 2 "flood=yes hello"
check "a child flooding stdout is stopped at --timeout 2 (bench exits 0)" test $? -eq 0
check "  within a few seconds" test "$(elapsed $t)" -le 8
check "  recorded as timeout" grep -q '"status":"timeout"' "$out/flood/results.json"
check "  its console log is capped" test "$(stat -c %s "$out/flood/flood.log")" -le $((8 * 1024 * 1024 + 200))
check "  with a note saying so" grep -q 'log capped' "$out/flood/flood.log"

t=$(date +%s)
bench errflood 2 "errflood=sh -c 'yes err >&2'"
check "a child flooding stderr is stopped at its timeout" test "$(elapsed $t)" -le 8
check "  its stderr log is capped with a note" sh -c "test \$(stat -c %s '$out/errflood/errflood.stderr') -le $((8 * 1024 * 1024 + 200)) && grep -q 'capped' '$out/errflood/errflood.stderr'"

t=$(date +%s)
bench closer 2 "closer=sh -c 'exec >&-; sleep 30'"
check "a child that closes stdout still ends at its timeout" test "$(elapsed $t)" -le 8
check "  recorded as timeout" grep -q '"status":"timeout"' "$out/closer/results.json"

t=$(date +%s)
timeout -s KILL 30 "$RB" bench --quick --quiet --no-plots --out "$out" --run-id intflood \
	--engines flood --engine-cmd "flood=yes hello" >/dev/null 2>&1 &
pid=$!
sleep 1
kill -INT $pid
wait $pid
check "Ctrl-C stops a chatty child (exit 130)" test $? -eq 130
check "  promptly" test "$(elapsed $t)" -le 8

"$RB" bench --quick --quiet --no-plots --out "$out" --run-id orphan --engines sleeper \
	--engine-cmd "sleeper=sh -c 'sleep 1234.$$; :'" >/dev/null 2>&1 &
pid=$!
sleep 1
kill -KILL $pid
wait $pid 2>/dev/null
sleep 0.5
left=$(pgrep -f "sleep 1234.$$")   # this run's own: $$ keeps others' out
check "no child or grandchild outlives a SIGKILLed harness" test -z "$left"
if [ -n "$left" ]; then kill $left; fi

if [ -f build/tests/guests/spin.elf ] && "$RB" engines 2>/dev/null | grep -q '^interp'; then
	"$RB" bench --quick --quiet --no-plots --out "$out" --run-id spin --timeout 1 --engines interp \
		--kernel build/tests/guests/spin.elf >/dev/null 2>&1
	check "a hanging guest is a timeout, not a crash" \
		sh -c "grep -A4 '\"name\":\"interp\"' '$out/spin/results.json' | grep -q '\"status\":\"timeout\"'"
	"$RB" bench --quick --quiet --no-plots --out "$out" --run-id frac --timeout 0.4 --engines interp \
		--kernel build/tests/guests/spin.elf >/dev/null 2>&1
	check "a fractional --timeout is passed on as given" grep -q -- '--timeout 0.4 ' "$out/frac/results.json"
	check "  and ends as timeout" sh -c "grep -A4 '\"name\":\"interp\"' '$out/frac/results.json' | grep -q '\"status\":\"timeout\"'"
else
	skip "hanging guest is a timeout: no spin.elf or no interp engine"
fi

# The flooding test guest: on a built-in engine, and under QEMU, which must
# also die with a harness killed outright.
fl=$(pwd)/build/tests/guests/flood.elf   # absolute: pgrep finds this tree's QEMU only
if [ -f $fl ] && "$RB" engines 2>/dev/null | grep -q '^interp  *available'; then
	t=$(date +%s)
	timeout -s KILL 30 "$RB" bench --quick --quiet --no-plots --out "$out" --run-id gflood --timeout 2 \
		--engines interp --kernel $fl >/dev/null 2>&1
	check "a guest flooding COM1 (interp) is stopped at its timeout" test "$(elapsed $t)" -le 8
	check "  recorded as timeout" sh -c "grep -A4 '\"name\":\"interp\"' '$out/gflood/results.json' | grep -q '\"status\":\"timeout\"'"
	check "  its log capped" test "$(stat -c %s "$out/gflood/interp.log")" -le $((8 * 1024 * 1024 + 200))
else
	skip "flooding guest on interp: no $fl or no interp"
fi
if [ -f $fl ] && command -v qemu-system-x86_64 >/dev/null; then
	t=$(date +%s)
	timeout -s KILL 30 "$RB" bench --quick --quiet --no-plots --out "$out" --run-id qflood --timeout 2 \
		--engines qemu-tcg --kernel32 $fl >/dev/null 2>&1
	check "a guest flooding COM1 under qemu-tcg is stopped at its timeout (2 x 2 s)" test "$(elapsed $t)" -le 12
	"$RB" bench --quick --quiet --no-plots --out "$out" --run-id qkill --engines qemu-tcg --kernel32 $fl \
		>/dev/null 2>&1 &
	pid=$!
	sleep 2
	kill -KILL $pid
	wait $pid 2>/dev/null
	sleep 0.5
	left=$(pgrep -f "kernel $fl")
	check "QEMU does not outlive a SIGKILLed harness" test -z "$left"
	if [ -n "$left" ]; then kill $left; fi
else
	skip "flooding guest under QEMU: no $fl or no qemu-system-x86_64"
fi
