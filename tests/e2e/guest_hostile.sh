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
	timeout -s KILL 20 $rb run --engine $e --timeout 10 $g/smc_doorbell.elf >/dev/null 2>"$err"; st=$?
	ok $([ $st = 67 ]; echo $?) "$e: code rewritten by the PTE-batch hypercall runs new (67, got $st)"
done
