#!/bin/sh
# `ringbench run` end to end: tiny guests under the kvm engine (and interp),
# exit statuses, exit counts, timeouts, bad input, and a hidden /dev/kvm.
cd "$(dirname "$0")/../.." || exit 1
rb=./ringbench
g=build/tests/guests
out=$(mktemp); err=$(mktemp)
trap 'rm -f "$out" "$err"' EXIT

ok() { if [ "$1" = 0 ]; then echo "ok - $2"; else echo "not ok - $2"; fi; }

if [ ! -c /dev/kvm ]; then
	echo "skip - kvm engine tests: this machine has no /dev/kvm"
else
	$rb run --engine kvm --stats $g/hello.elf -- a b >"$out" 2>"$err"; st=$?
	ok $([ $st = 67 ]; echo $?) "kvm: hello guest exits with debug-exit status 0x43 (got $st)"
	ok $(grep -qx "hello from ringbench: $g/hello.elf a b" "$out"; echo $?) "kvm: console shows the greeting and command line"
	# 22 + 32 + 1 characters, one IN, one OUT to an unclaimed port, one debug-exit OUT.
	ok $(grep -Eq '^io +58 ' "$err"; echo $?) "kvm: --stats counts 58 port-I/O exits"
	ok $(grep -Eq '^pio.unclaimed.reads +1$' "$err" && grep -Eq '^pio.unclaimed.writes +1$' "$err"; echo $?) \
		"kvm: the unclaimed port read and write are counted"
	ok $(grep -Eq '^kvm.exits +[0-9]+$' "$err" && ! grep -q '^exits.user' "$err"; echo $?) \
		"kvm: the engine reports KVM's own statistics, not a second count of the VM core's exits"

	$rb run --engine kvm --timeout 10 $g/triple.elf >"$out" 2>"$err"; st=$?
	ok $([ $st = 6 ] && grep -q 'triple fault' "$err"; echo $?) "kvm: triple fault ends with status 6 and says so"
	$rb run --engine kvm --timeout 1 $g/spin.elf >"$out" 2>"$err"; st=$?
	ok $([ $st = 124 ] && grep -q 'timeout' "$err"; echo $?) "kvm: a spinning guest is stopped by --timeout (124)"

	$rb engines >"$out" 2>&1
	if grep -q kvm_pvm "$out" || [ -d /sys/module/kvm_pvm ]; then
		ok $(grep -A1 '^kvm ' "$out" | grep -q 'PVM' && ! grep -A1 '^kvm ' "$out" | grep -q 'VT-x (' ; echo $?) \
			"engines: the PVM host is reported as PVM, not VT-x"
	else
		ok $(grep -A1 '^kvm ' "$out" | grep -Eq 'VT-x|AMD-V|unknown'; echo $?) "engines: the KVM flavour is named"
	fi

	if command -v unshare >/dev/null && unshare -m true 2>/dev/null; then
		unshare -m sh -c "mount --bind /dev/null /dev/kvm && exec $rb run --engine kvm $g/hello.elf" >"$out" 2>"$err"; st=$?
		ok $([ $st = 4 ] && [ "$(wc -l <"$err")" = 1 ] && grep -q '/dev/kvm' "$err" && grep -q interp "$err"; echo $?) \
			"hidden /dev/kvm: one-line error naming it and the software engines, status 4 (got $st: $(cat "$err"))"
		unshare -m sh -c "mount -t tmpfs none /dev && exec $rb run --engine kvm $g/hello.elf" >"$out" 2>"$err"; st=$?
		ok $([ $st = 4 ] && grep -q 'no such device' "$err"; echo $?) "missing /dev/kvm: says no such device, status 4"
		unshare -m sh -c "mount --bind /dev/null /dev/kvm && exec $rb engines" >"$out" 2>&1
		ok $(grep -q '^kvm  *unavailable' "$out"; echo $?) "engines: kvm unavailable without /dev/kvm"
	else
		echo "skip - hidden /dev/kvm: no mount namespaces here (unshare -m failed)"
	fi
fi

$rb run --engine interp --stats $g/hello.elf -- a b >"$out" 2>"$err"; st=$?
ok $([ $st = 67 ] && grep -qx "hello from ringbench: $g/hello.elf a b" "$out" && grep -Eq '^io +58 ' "$err"; echo $?) \
	"interp: same console, status and exit count as kvm"
$rb run --engine interp --timeout 5 $g/triple.elf >"$out" 2>"$err"; st=$?
ok $([ $st = 6 ]; echo $?) "interp: triple fault ends with status 6"

# Bad input: one line, status 2, no crash.
printf 'not a kernel' >"$out"
$rb run --engine interp "$out" 2>"$err"; st=$?
ok $([ $st = 2 ] && [ "$(wc -l <"$err")" = 1 ] && grep -q 'no Multiboot header' "$err"; echo $?) "not a kernel: one-line error, status 2"
$rb run --bogus 2>"$err"; st=$?
ok $([ $st = 2 ] && grep -q "unknown option '--bogus'" "$err"; echo $?) "unknown option: clear error, status 2"
$rb run --mem 1Q $g/hello.elf 2>"$err"; st=$?
ok $([ $st = 2 ]; echo $?) "bad --mem: status 2"
$rb run --engine nosuch $g/hello.elf 2>"$err"; st=$?
ok $([ $st = 2 ] && grep -q "unknown engine" "$err"; echo $?) "unknown engine: status 2"
$rb frobnicate 2>"$err"; st=$?
ok $([ $st = 2 ]; echo $?) "unknown command: status 2"
for c in engines run bench compare report; do
	$rb $c --help >"$out" 2>&1; st=$?
	ok $([ $st = 0 ] && grep -qi usage "$out"; echo $?) "ringbench $c --help"
done
