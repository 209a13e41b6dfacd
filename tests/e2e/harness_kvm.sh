#!/bin/sh
# The real thing, kept short: the kvm engine and the native twins on three
# fast benchmarks, with host counters from `ringbench run --records`.
cd "$(dirname "$0")/../.." || exit 2
. tests/e2e/helpers/harness_lib.sh
have_bench || { skip "harness kvm: $RB has no bench command yet"; exit 0; }
[ -r build/guests/kernel.elf ] || { skip "harness kvm: guest not built"; exit 0; }
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
"$RB" bench --quick --quiet --no-plots --out "$out" --run-id kvm --engines kvm,native \
	--only loop,alu,pio_in --timeout 60 >"$out/stdout" 2>"$out/stderr"
rc=$?
if grep -q 'unknown engine kvm' "$out/stderr"; then
	skip "harness kvm: this ringbench has no kvm engine registered"
	exit 0
fi
check "bench kvm,native exits 0" test $rc -eq 0
json="$out/kvm/results.json"
if ! grep -q '"name":"kvm"' "$json" 2>/dev/null; then
	notok "kvm engine missing from results.json"
	exit 0
fi
if grep -A3 '"name":"kvm"' "$json" | grep -q '"available":false'; then
	skip "harness kvm: kvm engine unavailable here: $(grep -A4 '"name":"kvm"' "$json" | grep '"note"')"
	exit 0
fi
csv="$out/kvm/results.csv"
status() { awk -F, -v e="$1" -v b="$2" '$1==e&&$2==b{print $5}' "$csv"; }
check "kvm: alu measured" test "$(status kvm alu)" = ok
check "kvm: pio_in measured" test "$(status kvm pio_in)" = ok
check "native: alu measured" test "$(status native alu)" = ok
check "native has no pio_in twin, and the report says so" \
	sh -c "grep '^| pio_in' '$out/kvm/report.md' | grep -q 'no native twin'"
check "host counters arrived through RBH1 (host.task-clock)" grep -q '"host.task-clock"' "$json"
check "kvm engine says which counters were real" \
	sh -c "grep -A20 '\"name\":\"kvm\"' '$json' | grep -A2 '\"real\"' | grep -q task-clock"
check "kvm: exits per op reported for pio_in" \
	sh -c "awk -F, '\$1==\"kvm\"&&\$2==\"pio_in\"{print \$19}' '$csv' | grep -q '[0-9]'"
