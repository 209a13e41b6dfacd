#!/bin/sh
# Hostile test guests (issue 11) on every built-in engine usable here:
# VMM-side writes to guest code are seen by interp's and bt's caches, and
# a guest halted with nothing to wake it ends with status 10.
cd "$(dirname "$0")/../.." || exit 2
rb=./ringbench
g=build/tests/guests
err=$(mktemp)
trap 'rm -f "$err"' EXIT
ok() { if [ "$1" = 0 ]; then echo "ok - $2"; else echo "not ok - $2"; fi; }

for e in interp bt kvm; do
	if ! $rb engines 2>/dev/null | grep -q "^$e  *available"; then
		echo "skip - hostile guests on $e: engine unavailable here"
		continue
	fi
	for gst in smc_doorbell smc_doorbell64; do
		timeout -s KILL 20 $rb run --engine $e --timeout 10 $g/$gst.elf >/dev/null 2>"$err"; st=$?
		ok $([ $st = 67 ]; echo $?) "$e: $gst: code rewritten by the PTE-batch hypercall runs new (67, got $st)"
	done
done

for e in interp bt kvm; do
	$rb engines 2>/dev/null | grep -q "^$e  *available" || continue
	for gst in cli_hlt sti_hlt cli_hlt64; do
		timeout -s KILL 20 $rb run --engine $e --timeout 10 $g/$gst.elf >/dev/null 2>"$err"; st=$?
		ok $([ $st = 10 ] && grep -q 'nothing can wake it' "$err"; echo $?) \
			"$e: $gst (no wake-up source) ends with status 10 (got $st: $(cat "$err"))"
	done
done
$rb run --help >"$err" 2>&1
ok $(grep -q 'default 900' "$err"; echo $?) "run --help shows the finite default timeout"
