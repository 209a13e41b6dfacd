#!/bin/sh
# The canonical engine counters (ENGINE_STATS in engines/engine.h) on every
# engine, and exits counted once, by the VM core's dispatcher: under interp
# and bt each MMIO access to the null page is one vm.exits.mmio, and no
# engine reports a second count of the same exits.
cd "$(dirname "$0")/../.." || exit 2
. tests/e2e/helpers/harness_lib.sh
[ -x "$RB" ] || { notok "counters: $RB not built"; exit 1; }
engines="interp bt"
"$RB" engines 2>/dev/null | grep -q '^kvm  *available' && engines="$engines kvm" ||
	skip "counters: kvm unavailable here, checked on interp and bt only"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
for e in $engines; do
	"$RB" run --engine "$e" --records --stats -- only=mmio_read,pio_in,cpuid,timer_irq budget_ms=1 reps=2 fixed_reps \
		>"$tmp/$e.out" 2>"$tmp/$e.err"
	seq=$(sed -n 's/^RB1 begin seq=\([0-9]*\) bench=mmio_read .*/\1/p' "$tmp/$e.out")
	line=$(grep "^RBH1 counters seq=$seq " "$tmp/$e.out")
	mmio=$(echo "$line" | tr ' ' '\n' | sed -n 's/^vm.exits.mmio=//p')
	page=$(echo "$line" | tr ' ' '\n' | sed -n 's/^dev.null-page=//p')
	check "$e: every null-page access is one MMIO exit, counted by the VM core (${mmio:-none} = ${page:-none})" \
		test -n "$mmio" -a "$mmio" = "$page"
	check "$e: no engine.exits.* (no second count of the VM core's exits)" \
		sh -c "! grep '^RBH1 counters' '$tmp/$e.out' | grep -q ' engine.exits\.'"
	check "$e: run --stats has the MMIO row" grep -Eq '^mmio +[0-9]+ ' "$tmp/$e.err"
	case $e in
	interp) want="insns emulated_insns tlb_fills interrupts exceptions" ;;
	bt) want="insns emulated_insns helper_calls tlb_fills interrupts exceptions" ;;
	kvm) want="emulated_insns kvm.exits" ;;
	esac
	for c in $want; do
		check "$e: counter $c reported" grep -Eq "^$c +[1-9][0-9]*\$" "$tmp/$e.err"
	done
done
check "interp: every instruction is an emulated one (insns = emulated_insns)" \
	sh -c "test \"\$(awk '\$1 == \"insns\" { print \$2 }' '$tmp/interp.err')\" = \"\$(awk '\$1 == \"emulated_insns\" { print \$2 }' '$tmp/interp.err')\""
# A fallback (an instruction bt has no translation for) is a helper call:
# counted once among the emulated instructions, not twice.
check "bt: emulated_insns counts a fallback once (emulated_insns - helper_calls < bt.fallbacks)" \
	awk '$1 == "emulated_insns" { e = $2 } $1 == "helper_calls" { h = $2 } $1 == "bt.fallbacks" { f = $2 }
		END { exit !(f > 0 && e - h < f) }' "$tmp/bt.err"
exit 0
