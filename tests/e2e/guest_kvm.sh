#!/bin/sh
# The guest kernel under KVM: QEMU's (-accel kvm) and ringbench's own kvm
# engine (`ringbench run --engine kvm`).  Every benchmark must end ok or
# unsupported and the RB1 lines must parse.
cd "$(dirname "$0")/../.." || exit 2
if [ ! -c /dev/kvm ] || ! [ -r /dev/kvm ]; then
	echo "skip - guest under qemu kvm: /dev/kvm missing or not readable"
	echo "skip - guest under the ringbench kvm engine: /dev/kvm missing or not readable"
	exit 0
fi
make -s guest >/dev/null 2>&1 || { echo "not ok - make guest"; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# check_log WHAT LOG STATUS WANT
check_log() {
	if [ "$3" -eq "$4" ]; then
		echo "ok - $1: debug-exit 0"
	else
		echo "not ok - $1: exit status $3 (want $4)"
		grep -v '^RB1 sample' "$2" | tail -5 | sed 's/^/# /'
	fi
	if s=$(awk -f tests/e2e/guest_rb1.awk "$2"); then
		echo "ok - $1: RB1 lines parse ($(echo "$s" | tail -1))"
	else
		echo "not ok - $1: RB1 lines parse"; echo "$s" | sed 's/^/# /' | head
	fi
	bad=$(grep '^RB1 end ' "$2" | grep -v -E 'status=(ok|unsupported)')
	[ -z "$bad" ] && echo "ok - $1: every benchmark ok or unsupported" ||
		{ echo "not ok - $1: failures"; echo "$bad" | sed 's/^/# /'; }
}

if command -v qemu-system-x86_64 >/dev/null; then
	timeout 150 qemu-system-x86_64 -accel kvm -cpu qemu64 -kernel build/guests/kernel32.elf \
		-append "budget_ms=1 reps=3" -serial "file:$tmp/q.log" -display none -monitor none \
		-device isa-debug-exit,iobase=0xf4,iosize=4 -no-reboot -m 64 </dev/null >/dev/null 2>&1
	check_log "guest under qemu kvm" "$tmp/q.log" $? 1
else
	echo "skip - guest under qemu kvm: qemu-system-x86_64 not installed"
fi

if [ ! -x ./ringbench ]; then
	echo "skip - guest under the ringbench kvm engine: ./ringbench not built"
	exit 0
fi
timeout 150 ./ringbench run --engine kvm -- budget_ms=1 reps=3 >"$tmp/r.log" 2>&1
rc=$?
if ! grep -q '^RB1 hello' "$tmp/r.log"; then
	if grep -q -i -E 'unknown|not available|unavailable|usage' "$tmp/r.log"; then
		echo "skip - guest under the ringbench kvm engine: $(head -1 "$tmp/r.log")"
		exit 0
	fi
fi
# debug-exit 0 makes the VM process exit with (0<<1)|1 (docs/platform.md).
[ $rc -eq 0 ] && rc=1
check_log "guest under the ringbench kvm engine" "$tmp/r.log" $rc 1
grep -q '^RB1 hello version=1 host=ringbench engine=kvm ' "$tmp/r.log" &&
	echo "ok - guest under the ringbench kvm engine: detects host=ringbench engine=kvm" ||
	echo "not ok - guest under the ringbench kvm engine: hello line: $(grep '^RB1 hello' "$tmp/r.log")"
for b in pio_out pio_in mmio_read mmio_write hc_doorbell pte_batch; do
	grep -q "^RB1 end seq=[0-9]* bench=$b status=ok" "$tmp/r.log" || missing="$missing $b"
done
[ -z "$missing" ] && echo "ok - guest under the ringbench kvm engine: ringbench device benchmarks ok" ||
	echo "not ok - guest under the ringbench kvm engine: not ok:$missing"
