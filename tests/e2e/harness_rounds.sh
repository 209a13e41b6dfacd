#!/bin/sh
# End to end: `ringbench bench --rounds N` with the test engine.  Each
# round runs every engine once, in turn; an engine's samples are pooled,
# its counters and operations summed; a crash in a later round keeps what
# the earlier rounds measured and names the round.
cd "$(dirname "$0")/../.." || exit 2
. tests/e2e/helpers/harness_lib.sh
have_bench || { skip "harness rounds: $RB has no bench command"; exit 0; }
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

# The number of samples and a counter of one benchmark, from results.json.
samples() {
	python3 -c 'import json, sys
d = json.load(open(sys.argv[1]))
e = [e for e in d["engines"] if e["name"] == sys.argv[2]][0]
b = [b for b in e["benchmarks"] if b["name"] == sys.argv[3]][0]
print(len(b["samples"]), b["status"], b.get("counters", {}).get(sys.argv[4], -1), b.get("span_iters", 0))' "$@"
}

# Two rounds, two engines: 3 repetitions each round (5 shared out).
"$RB" bench --quick --quiet --rounds 2 --no-plots --out "$out" --run-id two --engines fake,fake2 \
	--engine-cmd "fake=$FAKE" --engine-cmd "fake2=$FAKE" >"$out/stdout" 2>"$out/stderr"
rc=$?
check "bench --rounds 2 exits 0 ($rc)" test $rc -eq 0
run="$out/two"
got=$(samples "$run/results.json" fake in_null engine.exits.io)
check "in_null: 6 samples from two rounds of 3, its exits and operations summed (got: $got)" \
	test "$got" = "6 ok 6000.0 6000"
check "exits per operation still 1.00 in the report" sh -c "grep '^| in_null' '$run/report.md' | grep -q '1.00'"
check "results.json says 2 rounds" sh -c "grep -q '\"rounds\":2' '$run/results.json' ||
	python3 -c 'import json,sys; sys.exit(json.load(open(\"$run/results.json\"))[\"run\"][\"config\"][\"rounds\"] != 2)'"
check "report's Config line names the rounds" grep -q 'in 2 rounds' "$run/report.md"
check "the engines took turns: fake, fake2, fake, fake2" \
	sh -c "grep -o 'ringbench: fake2\{0,1\} round [12]/2' '$out/stderr' | tr '\n' ' ' |
	       grep -q 'fake round 1/2 ringbench: fake2 round 1/2 ringbench: fake round 2/2 ringbench: fake2 round 2/2'"
check "one log per engine, both rounds in it" test "$(grep -c '^# ringbench bench: round' "$run/fake.log")" -eq 2

# A crash in round 2: round 1's results stay, the engine's status names it.
"$RB" bench --quick --quiet --rounds 2 --no-plots --out "$out" --run-id crash --engines fake \
	--engine-cmd "fake=env FAKE_RUNS=$out/runs FAKE_CRASH_RUN=2 FAKE_CRASH_AT=2 $FAKE" >/dev/null 2>&1
run="$out/crash"
status=$(python3 -c 'import json, sys
e = json.load(open(sys.argv[1]))["engines"][0]
print(e["status"], e["reason"][:12])' "$run/results.json")
check "crash in round 2: the engine's status is crash, the round named ($status)" \
	test "$status" = "crash round 2 of 2"
got=$(samples "$run/results.json" fake alu host.task-clock)
check "alu (before the crash): both rounds' samples ($got)" test "$got" = "6 ok 24690.0 6000"
# (Round 2 never said how many operations it ran: the total is unknown, 0.)
got=$(samples "$run/results.json" fake syscall host.task-clock)
check "syscall (crashed in round 2): round 1's samples kept, status crash ($got)" \
	test "$got" = "3 crash 12345.0 0"
got=$(samples "$run/results.json" fake in_null host.task-clock)
check "in_null (after the crash): round 1's samples ($got)" test "$got" = "3 ok 12345.0 3000"

# Bad values: one line, status 2.
for bad in "--rounds 0" "--rounds 21" "--rounds x" "--rounds 2 --cpus 2"; do
	# shellcheck disable=SC2086
	"$RB" bench --quick $bad --engines fake --engine-cmd "fake=$FAKE" --out "$out" >/dev/null 2>"$out/e"
	st=$?
	check "bench $bad: one-line error, status 2 ($(head -1 "$out/e"))" \
		sh -c "test $st -eq 2 && test \$(wc -l <'$out/e') -eq 1"
done
