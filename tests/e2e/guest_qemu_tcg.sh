#!/bin/sh
# The guest kernel under qemu-system-x86_64 -accel tcg: every benchmark
# ends ok or unsupported, the RB1 lines parse, command-line selection works,
# and fail=<bench> makes the guest fail naming that benchmark.
cd "$(dirname "$0")/../.." || exit 2
if ! command -v qemu-system-x86_64 >/dev/null; then
	echo "skip - guest under qemu tcg: qemu-system-x86_64 not installed"
	exit 0
fi
make -s guest >/dev/null 2>&1 || { echo "not ok - make guest"; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# qemu_tcg LOG APPEND [CPU]: boot the guest; QEMU's status is (guest<<1)|1.
qemu_tcg() {
	timeout 120 qemu-system-x86_64 -accel tcg -cpu "${3:-qemu64}" -kernel build/guests/kernel32.elf \
		-append "$2" -serial "file:$1" -display none -monitor none \
		-device isa-debug-exit,iobase=0xf4,iosize=4 -no-reboot -m 64 </dev/null >/dev/null 2>&1
}

qemu_tcg "$tmp/all.log" "budget_ms=1 reps=3"
rc=$?
[ $rc -eq 1 ] && echo "ok - guest under qemu tcg: all benchmarks, debug-exit 0" ||
	{ echo "not ok - guest under qemu tcg: all benchmarks, qemu status $rc (want 1)"; grep -v '^RB1 sample' "$tmp/all.log" | tail -5; }
if summary=$(awk -f tests/e2e/guest_rb1.awk "$tmp/all.log"); then
	echo "ok - guest under qemu tcg: RB1 lines parse ($(echo "$summary" | tail -1))"
else
	echo "not ok - guest under qemu tcg: RB1 lines parse"; echo "$summary" | sed 's/^/# /' | head -10
fi
n=$(grep -c '^RB1 end ' "$tmp/all.log")
[ "$n" -ge 43 ] && echo "ok - guest under qemu tcg: $n benchmarks reported" ||
	echo "not ok - guest under qemu tcg: only $n benchmarks reported"
bad=$(grep '^RB1 end ' "$tmp/all.log" | grep -v -E 'status=(ok|unsupported)')
[ -z "$bad" ] && echo "ok - guest under qemu tcg: every benchmark ok or unsupported" ||
	{ echo "not ok - guest under qemu tcg: failures"; echo "$bad" | sed 's/^/# /'; }
# Under QEMU only the ringbench device's and hypercall services are missing.
unsup=$(grep '^RB1 end .*status=unsupported' "$tmp/all.log" | sed 's/.* bench=\([^ ]*\) .*/\1/' | sort | tr '\n' ' ')
# ... and the smp group at one CPU (tests/e2e/guest_smp.sh runs it with -smp 2).
[ "$unsup" = "fairness hc_doorbell hc_vmcall ipi_pingpong ipi_wake mmio_read mmio_write pte_batch spinlock_handoff steal_time timer_jitter tlb_shootdown tlb_shootdown_pv token_ring vif " ] &&
	echo "ok - guest under qemu tcg: unsupported exactly where QEMU lacks the service (and smp at one CPU)" ||
	echo "not ok - guest under qemu tcg: unexpected unsupported set: $unsup"
grep -q '^RB1 hello version=1 host=tcg ' "$tmp/all.log" &&
	echo "ok - guest under qemu tcg: detects host=tcg" ||
	echo "not ok - guest under qemu tcg: hello line does not say host=tcg"

qemu_tcg "$tmp/sel.log" "only=priv,loop budget_ms=1 reps=2 warmup=0 fixed_reps"
others=$(grep '^RB1 begin ' "$tmp/sel.log" | grep -v -e 'group=priv' -e 'bench=loop ')
samples=$(grep '^RB1 sample seq=0 ' "$tmp/sel.log" | wc -l)
[ -z "$others" ] && [ "$samples" -eq 2 ] && grep -q 'bench=cpuid' "$tmp/sel.log" &&
	echo "ok - guest command line: only= selects benchmarks and groups, reps= with fixed_reps sets samples" ||
	echo "not ok - guest command line: only=priv,loop reps=2 ran: $(grep -c '^RB1 begin' "$tmp/sel.log") benchmarks, $samples samples for seq 0"

# Without a local APIC the PIT drives the HLT and timer benchmarks.
qemu_tcg "$tmp/pit.log" "only=hlt,timer_irq budget_ms=1 reps=2" "qemu64,-apic"
rc=$?
[ $rc -eq 1 ] && [ "$(grep -c 'status=ok' "$tmp/pit.log")" -eq 2 ] && grep -q 'PIT timer' "$tmp/pit.log" &&
	echo "ok - guest without a local APIC: hlt and timer_irq run on the PIT" ||
	echo "not ok - guest without a local APIC: qemu status $rc: $(grep '^RB1 end' "$tmp/pit.log" | tr '\n' ' ')"

for b in int80 mem_rand ptemod; do
	qemu_tcg "$tmp/fail.log" "only=$b,loop budget_ms=1 reps=2 fail=$b"
	rc=$?
	s=$(awk -f tests/e2e/guest_rb1.awk "$tmp/fail.log" | tail -1)
	if [ $rc -ne 1 ] && [ $rc -ne 0 ] && echo "$s" | grep -q "fail=1 .*failed_names=$b\$" &&
	   grep -q "failed their self-check: $b\$" "$tmp/fail.log"; then
		echo "ok - fail=$b: non-zero exit (qemu status $rc) naming $b"
	else
		echo "not ok - fail=$b: qemu status $rc, $s"
	fi
done

# An unexpected exception is reported (vector, error code, RIP, CR2) and
# ends the VM with debug-exit 3 (QEMU status 7), in the kernel and in user mode.
for c in pf user; do
	qemu_tcg "$tmp/crash.log" "crash=$c"
	rc=$?
	if [ $rc -eq 7 ] && grep -q '^FATAL: unexpected #PF vector=14 error=0x[0-9a-f]* rip=0x[0-9a-f]* cr2=0x10000000000 ' "$tmp/crash.log"; then
		echo "ok - crash=$c: #PF reported with vector, error, RIP, CR2; debug-exit 3"
	else
		echo "not ok - crash=$c: qemu status $rc: $(tail -1 "$tmp/crash.log")"
	fi
done
