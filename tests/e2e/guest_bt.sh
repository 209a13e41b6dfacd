#!/bin/sh
# The guest kernel under the binary translator (`ringbench run --engine bt`):
# every benchmark self-checks with the same outcome set as the interpreter,
# the translator's counters show translation, chaining and helper calls,
# --lockstep finds no difference from the interpreter, --show-translation
# prints a block beside its host code, a translated endless loop honours
# --timeout, and bad options get one-line errors.
cd "$(dirname "$0")/../.." || exit 2
rb=./ringbench
[ -x $rb ] || { echo "not ok - guest under bt: ./ringbench not built"; exit 1; }
make -s guest >/dev/null 2>&1 || { echo "not ok - make guest"; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
ok() { if [ "$1" = 0 ]; then echo "ok - $2"; else echo "not ok - $2"; fi; }

# Full suite, both engines, same words.
timeout 200 $rb run --engine bt --stats --timeout 150 -- budget_ms=1 reps=2 >"$tmp/bt.log" 2>"$tmp/bt.err"
st=$?
ok $([ $st = 1 ]; echo $?) "guest under bt: debug-exit 0 (status $st)"
if s=$(awk -f tests/e2e/guest_rb1.awk "$tmp/bt.log"); then
	echo "ok - guest under bt: RB1 lines parse ($(echo "$s" | tail -1))"
else
	echo "not ok - guest under bt: RB1 lines parse"; echo "$s" | sed 's/^/# /' | head
fi
# The smp group needs --cpus 2 (tests/e2e/guest_smp.sh); at one vCPU it says so.
bad=$(grep '^RB1 end ' "$tmp/bt.log" | grep -v 'status=ok' | grep -v 'group=smp\|reason=needs >= 2 CPUs')
ok $([ -z "$bad" ]; echo $?) "guest under bt: every benchmark ok (the smp group: unsupported at one vCPU)"
[ -n "$bad" ] && echo "$bad" | sed 's/^/# /'
timeout 200 $rb run --engine interp --timeout 150 -- budget_ms=1 reps=2 >"$tmp/in.log" 2>&1
outcomes() { sed -n 's/^RB1 end seq=[0-9]* bench=\([^ ]*\) status=\([a-z]*\).*/\1 \2/p' "$1"; }
outcomes "$tmp/bt.log" >"$tmp/bt.set"
outcomes "$tmp/in.log" >"$tmp/in.set"
ok $([ -s "$tmp/bt.set" ] && cmp -s "$tmp/bt.set" "$tmp/in.set"; echo $?) \
	"guest under bt: the same benchmarks and outcomes as under interp ($(wc -l <"$tmp/bt.set"))"
counter() { awk -v n="$1" '$1 == n { print $2 }' "$2"; }
for c in bt.blocks bt.chain_patches bt.cache_hits helper_calls emulated_insns tlb_fills helper.cpuid helper.out; do
	v=$(counter $c "$tmp/bt.err")
	ok $([ "${v:-0}" -gt 0 ]; echo $?) "guest under bt: counter $c is positive (${v:-absent})"
done
ins=$(counter insns "$tmp/bt.err"); tr=$(counter bt.insns_translated "$tmp/bt.err")
ok $([ "${ins:-0}" -gt $(( ${tr:-0} * 100 )) ]; echo $?) \
	"guest under bt: translated code is reused (${ins:-?} instructions run, ${tr:-?} translated)"

# Lockstep against the interpreter, on a selection that covers each class.
sel=loop,alu,callret,mem_seq,branch,syscall,int80,exc_de,pagefault,ptemod,ctxswitch,cpuid,mov_cr3,mov_cr8,cli_sti,pushf_popf,sgdt,invlpg,pio_out,mmio_write,timer_irq,vif
timeout 200 $rb run --engine bt --lockstep --stats --timeout 150 -- only=$sel budget_ms=1 reps=1 \
	>"$tmp/ls.log" 2>"$tmp/ls.err"
st=$?
lb=$(counter lockstep.blocks "$tmp/ls.err")
ok $([ $st = 1 ] && [ "${lb:-0}" -gt 10000 ] && ! grep -q differ "$tmp/ls.err"; echo $?) \
	"lockstep: ${lb:-no} blocks compared with interp, no difference (status $st)"
[ $st = 1 ] || grep -v '^RB1 sample' "$tmp/ls.err" | head -20 | sed 's/^/# /'

# A block beside its host code: the entry counts into the host-stack slot
# (ADD, or through RCX when the flags are live into the block).
addr=$(nm build/guests/kernel.elf | awk '$3 == "loop_body" { print $1 }')
$rb run --engine bt --show-translation "$addr" -- only=loop budget_ms=1 reps=1 >/dev/null 2>"$tmp/show"
ok $(grep -q '^bt: guest block at ' "$tmp/show" && grep -q '\[chained branch\]' "$tmp/show" &&
     grep -E -q 'add qword ptr \[rsp\]|mov qword ptr \[rsp\], rcx' "$tmp/show"; echo $?) "show-translation: loop_body's block with its host code"

# A sensitive instruction translated inline is labelled so, not as a
# helper call: PUSHF and RDTSC in pushf_popf_body's first block.
addr=$(nm build/guests/kernel.elf | awk '$3 == "pushf_popf_body" { print $1 }')
$rb run --engine bt --show-translation "$addr" -- only=pushf_popf budget_ms=1 reps=1 >/dev/null 2>"$tmp/show"
ok $(grep -E -q 'pushfq +\[translated inline' "$tmp/show" && grep -E -q 'rdtsc +\[translated inline' "$tmp/show" &&
     ! grep -E -q 'pushfq +\[helper call' "$tmp/show"; echo $?) "show-translation: PUSHF and RDTSC labelled as translated inline"

# The loop's POPF is followed by an ADD that defines every flag: its
# translation loads no flags into the host's (no SAHF, no POPFQ).
addr=$(objdump -d build/guests/kernel.elf | awk '/<pushf_popf_body>:/ { f = 1 } f && /\tpopf/ { sub(":", "", $1); print $1; exit }')
$rb run --engine bt --show-translation "$addr" -- only=pushf_popf budget_ms=1 reps=1 >/dev/null 2>"$tmp/show"
awk '/^  [0-9a-f]+  / { g = ($0 ~ /popfq/) } g' "$tmp/show" >"$tmp/popf"
ok $([ -n "$addr" ] && grep -q 'translated inline' "$tmp/popf" && [ "$(wc -l <"$tmp/popf")" -gt 10 ] &&
     ! grep -E -q ' (sahf|popfq) *$' "$tmp/popf"; echo $?) \
	"show-translation: the loop's POPF, its flags overwritten by the next ADD, restores no host flags ($(wc -l <"$tmp/popf") lines at ${addr:-no address})"

# An endless translated loop stops at the timeout.
start=$(date +%s)
$rb run --engine bt --timeout 2 -- crash=hang >/dev/null 2>"$tmp/hang"; st=$?
end=$(date +%s)
ok $([ $st = 124 ] && [ $((end - start)) -le 5 ] && grep -q timeout "$tmp/hang"; echo $?) \
	"bt: an endless loop with interrupts off ends at --timeout with status 124 (status $st)"

# Bad options: one line, status 2.
$rb run --engine bt --show-translation zz -- only=loop >/dev/null 2>"$tmp/e1"; st=$?
ok $([ $st = 2 ] && [ "$(wc -l <"$tmp/e1")" = 1 ]; echo $?) "bt: --show-translation with a bad address is a one-line error ($(cat "$tmp/e1"))"
$rb run --engine interp --lockstep -- only=loop >/dev/null 2>"$tmp/e2"; st=$?
ok $([ $st = 2 ] && [ "$(wc -l <"$tmp/e2")" = 1 ]; echo $?) "--lockstep on interp is a one-line error ($(cat "$tmp/e2"))"
exit 0
