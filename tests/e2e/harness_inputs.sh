#!/bin/sh
# Bad input gets one clear line and a non-zero status, never a hang or a
# silent default (issue 11, items 4 and 11): checked number options,
# missing option values, FIFOs and devices where files are expected.
cd "$(dirname "$0")/../.." || exit 2
. tests/e2e/helpers/harness_lib.sh
[ -x "$RB" ] || { skip "harness inputs: no $RB"; exit 0; }
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
mkfifo "$out/fifo"
base=results/baselines/amd-epyc_pvm_6.18.44-fc-v669_2600mhz.json
# refused "what" status command...: exits with status, one stderr line, within 10 s.
refused() {
	what=$1; want=$2; shift 2
	timeout -s KILL 10 "$@" >/dev/null 2>"$out/err"
	st=$?
	if [ $st -eq "$want" ] && [ "$(wc -l <"$out/err")" -eq 1 ]; then
		ok "$what (status $st: $(cat "$out/err"))"
	else
		notok "$what (status $st, wanted $want: $(head -c 300 "$out/err"))"
	fi
}
refused "run --timeout nan is refused" 2 "$RB" run --timeout nan build/tests/guests/hello.elf
refused "run --timeout inf is refused" 2 "$RB" run --timeout inf build/tests/guests/hello.elf
refused "run --mem that overflows is refused" 2 "$RB" run --mem 17592186044480M build/tests/guests/hello.elf
refused "run --timeout without a value: needs a value" 2 "$RB" run --timeout
grep -q 'needs a value' "$out/err" && ok "  said as such" || notok "  said as such: $(cat "$out/err")"
refused "compare --threshold abc is refused" 2 "$RB" compare --threshold abc "$base" "$base"
refused "bench --reps 0 is refused" 2 "$RB" bench --reps 0 --out "$out"
refused "bench --budget-ms abc is refused" 2 "$RB" bench --budget-ms abc --out "$out"
refused "bench --timeout nan is refused" 2 "$RB" bench --timeout nan --out "$out"
refused "bench --reps without a value: needs a value" 2 "$RB" bench --out "$out" --reps
grep -q 'needs a value' "$out/err" && ok "  said as such" || notok "  said as such: $(cat "$out/err")"
refused "bench --engines ,,, is refused" 2 "$RB" bench --engines ,,, --out "$out"
check "  and no run was made, latest untouched" sh -c "! ls '$out' | grep -q -e latest -e '^20'"

refused "run FIFO is refused at once" 2 "$RB" run --engine interp "$out/fifo"
refused "run --module FIFO is refused at once" 2 "$RB" run --engine interp --module "$out/fifo" build/tests/guests/hello.elf
refused "compare BASE FIFO is refused at once" 2 "$RB" compare "$base" "$out/fifo"
refused "compare BASE /dev/zero is refused at once" 2 "$RB" compare "$base" /dev/zero
truncate -s 100M "$out/huge.json"
refused "compare BASE with a 100 MB results file is refused unread" 2 "$RB" compare "$base" "$out/huge.json"
refused "compare with a missing file names it once" 2 "$RB" compare "$base" "$out/nonexistent.json"
check "  (the file name appears once)" test "$(grep -o 'nonexistent.json' "$out/err" | wc -l)" -eq 1

if have_bench && "$RB" engines 2>/dev/null | grep -q '^interp  *available'; then
	timeout -s KILL 20 "$RB" bench --quick --quiet --no-plots --out "$out" --run-id fk --engines interp \
		--kernel "$out/fifo" >/dev/null 2>&1
	check "bench --kernel FIFO ends (no child blocked in open)" test $? -ne 137
	timeout -s KILL 60 "$RB" bench --quick --quiet --no-plots --out "$out" --run-id none --engines interp \
		--only nosuchbench >/dev/null 2>"$out/err"
	st=$?
	check "bench --only nosuchbench fails (status $st)" test $st -eq 2
	check "  saying it matched nothing" grep -q "nosuchbench' matched no benchmark" "$out/err"
else
	skip "bench --kernel FIFO, --only nosuchbench: no interp engine"
fi

# /dev/kvm that opens but is not KVM (here /dev/null bound over it):
# qemu-kvm is unavailable, not a crash.
if have_bench && command -v qemu-system-x86_64 >/dev/null && [ -e /dev/kvm ] &&
   command -v unshare >/dev/null && unshare -m true 2>/dev/null; then
	unshare -m sh -c "mount --bind /dev/null /dev/kvm && exec '$RB' bench --quick --quiet --no-plots \
		--out '$out' --run-id nokvm --engines qemu-kvm" >/dev/null 2>&1
	check "qemu-kvm without a usable /dev/kvm is unavailable, not a crash" \
		sh -c "grep -A6 '\"name\":\"qemu-kvm\"' '$out/nokvm/results.json' | grep -q '\"status\":\"unavailable\"'"
else
	skip "qemu-kvm unavailable: needs qemu, /dev/kvm and unshare -m"
fi
