#!/bin/sh
# The nested AMD-V platform (docs/nested.md): Debian's kernel with kvm-amd
# under QEMU's TCG (-cpu qemu64,+svm,+npt), ringbench's kvm engine inside.
# Runs the whole guest suite there through `ringbench bench`, and checks
# exit counts per operation that the AMD APM and KVM's SVM intercept set-up
# make certain; then a broken image, a hang and a missing QEMU.
cd "$(dirname "$0")/../.." || exit 2
. tests/e2e/helpers/harness_lib.sh
if ! command -v qemu-system-x86_64 >/dev/null; then
	skip "nested AMD-V: qemu-system-x86_64 not installed (make deps)"
	exit 0
fi
if ! why=$(sh harness/nested/image.sh build/nested 2>&1); then
	skip "nested AMD-V: the image cannot be made here: $why"
	exit 0
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

"$RB" bench --quick --quiet --no-plots --engines kvm-amdv-nested --out "$tmp/res" >"$tmp/bench.out" 2>"$tmp/bench.err"
# About one nested run in ten here stalls in the hlt benchmark, its timer
# wake-up lost somewhere in QEMU's emulated SVM or the nested KVM (cause
# not found; docs/nested.md): then one more run, and the test says so.
if grep -q 'kvm-amdv-nested: crash .*exit status 124\|kvm-amdv-nested: timeout' "$tmp/bench.err"; then
	echo "# nested AMD-V: the first run stalled ($(grep kvm-amdv-nested: "$tmp/bench.err" | cut -c1-120)); running it again"
	rm -rf "$tmp/res"
	"$RB" bench --quick --quiet --no-plots --engines kvm-amdv-nested --out "$tmp/res" >"$tmp/bench.out" 2>"$tmp/bench.err"
fi
log="$tmp/res/latest/kvm-amdv-nested.log"
if grep -q 'kvm-amdv-nested: unavailable' "$tmp/bench.err"; then
	skip "nested AMD-V: $(grep 'kvm-amdv-nested: unavailable' "$tmp/bench.err" | head -n 1)"
	exit 0
fi
grep -q 'kvm-amdv-nested: ok (52 benchmarks' "$tmp/bench.err" &&
	ok "nested AMD-V: bench ran the engine to the guest's end (52 benchmarks)" ||
	{ notok "nested AMD-V: bench status: $(grep kvm-amdv-nested "$tmp/bench.err" | tail -n 1)"; tail -n 20 "$tmp/res/latest/kvm-amdv-nested.stderr" | sed 's/^/# /'; }
grep -q '^RBH1 info engine=kvm .*reason=AMD-V (kvm_amd): hardware-assisted' "$log" &&
	ok "nested AMD-V: the kvm engine inside detects AMD-V (kvm_amd)" ||
	notok "nested AMD-V: no AMD-V detected inside: $(grep '^RBH1 info' "$log")"
grep -q '^RB1 hello .*host=ringbench engine=kvm ' "$log" &&
	ok "nested AMD-V: the guest sees RingBenchVMM with engine id 1 (kvm)" ||
	notok "nested AMD-V: guest hello: $(grep '^RB1 hello' "$log")"
n=$(grep -c '^RB1 end .*status=ok' "$log")
# The 9 of the smp group need two vCPUs: at one they say so.
bad=$(grep '^RB1 end ' "$log" | grep -v 'status=ok' | grep -v 'reason=needs >= 2 CPUs' | sed 's/^RB1 end seq=[0-9]* //')
[ "$n" -eq 43 ] && [ -z "$bad" ] && ok "nested AMD-V: all 43 single-CPU benchmarks ok (the smp group: unsupported at one vCPU)" ||
	{ notok "nested AMD-V: $n of 43 ok"; echo "$bad" | sed 's/^/# /'; }

# per_op BENCH COUNTER: the counter over the benchmark's operations (ops=).
per_op() {
	awk -v b="$1" -v c="$2" '
		/^RB1 end / && $0 ~ (" bench=" b " ") {
			for (i = 3; i <= NF; i++) { split($i, a, "="); if (a[1] == "seq") s = a[2]; if (a[1] == "ops") ops = a[2] }
		}
		/^RBH1 counters / { line[substr($3, 5)] = $0 }
		END {
			# COUNTER may be A-B-...: A less the others (e.g. exits less
			# host interrupts).
			v = 0; n = split(line[s], w, " "); m = split(c, cs, "-")
			for (i = 4; i <= n; i++) {
				split(w[i], a, "=")
				if (a[1] == cs[1]) v += a[2]
				for (j = 2; j <= m; j++)
					if (a[1] == cs[j]) v -= a[2]
			}
			if (ops > 0) printf "%.4f %d %d\n", v / ops, v, ops; else print "none"
		}' "$log"
}
# expect BENCH COUNTER LO HI WHY [SLACK]: LO <= counter per op <= HI, or
# at most SLACK counts over HI x ops: exits that come with time, not with
# operations (the guest's own LAPIC timer writes, emulated by KVM), which
# a loaded host's short capped run leaves few operations to spread over.
expect() {
	set -- "$1" "$2" "$3" "$4" "$5" "${6:-0}" $(per_op "$1" "$2")
	sl=""
	[ "$6" != 0 ] && sl=" (or $6 counts over)"
	if [ "$7" != none ] && awk -v v="$7" -v n="$8" -v ops="$9" -v lo="$3" -v hi="$4" -v slack="$6" \
		'BEGIN { exit !(v >= lo && (v <= hi || n <= hi * ops + slack)) }'; then
		ok "nested AMD-V: $1: $2 = $7 per op ($8 over $9), in [$3, $4]$sl: $5"
	else
		notok "nested AMD-V: $1: $2 = $7 per op ($8 over $9), want [$3, $4]$sl: $5"
	fi
}
# Where each expectation comes from (AMD64 APM vol. 2, ch. 15 "Secure
# Virtual Machine"; Linux 6.1 arch/x86/kvm/svm/svm.c init_vmcb()).  The
# span between the markers also holds the end-marker write and a few timer
# ticks, hence upper bounds a little above 1.
# - CPUID: init_vmcb sets INTERCEPT_CPUID (APM 15.9 instruction intercepts).
# (The span's marker writes are port exits: taken out, they weigh a lot
# when a loaded host leaves the capped run only a few operations.)
# A loaded host's capped run (29 CPUIDs in one) leaves the exits that
# come with time (the guest's LAPIC timer writes) weighing as much as the
# CPUIDs: the same slack as below.
expect cpuid engine.kvm.exits-engine.kvm.irq_exits-vm.exits.io 0.95 1.3 "CPUID is intercepted once per execution (host interrupts and marker writes aside)" 32
# - IN/OUT: the I/O permission map intercepts every port (APM 15.10); the
#   ringbench null port is served by the VM process, so each reaches user space.
expect pio_in vm.exits.io 0.95 1.3 "every port read exits to user space"
expect pio_out vm.exits.io 0.95 1.3 "every port write exits to user space"
# - HLT: INTERCEPT_HLT is set unless the VM may halt in guest mode.
expect hlt engine.kvm.halt_exits 0.9 1.3 "HLT exits to KVM once per halt"
# - SYSCALL, ALU work and the empty loop run in guest mode: SVM has no
#   SYSCALL intercept and KVM sets none for arithmetic or branches.
# The span's marker writes (begin, end, and the pause/resume around each
# paired empty loop: a few port exits per repetition) are taken out too.
expect syscall engine.kvm.exits-engine.kvm.irq_exits-vm.exits.io 0 0.01 "SYSCALL/SYSRET run in guest mode (host interrupts and marker writes aside)" 32
# ALU work: no intercept, but a host interrupt (the L1 kernel's timer,
# INTR intercept, APM 15.13) exits whatever runs; with QEMU's TCG as the
# CPU a 1 ms guest budget is long in wall time, and the paired empty loops
# make the span longer still, so those are taken out (kvm.irq_exits).
expect alu engine.kvm.exits-engine.kvm.irq_exits-vm.exits.io 0 0.001 "ALU work never exits but for host interrupts and marker writes" 32
expect loop engine.kvm.exits 0 0.001 "the empty loop never exits"
# - VMMCALL: intercepted (INTERCEPT_VMMCALL) and answered by KVM itself.
expect hc_vmcall engine.kvm.hypercalls 0.95 1.3 "VMMCALL is a hypercall KVM handles in the kernel"

# The report: trap profile with the nested column, times kept out.
"$RB" report --quiet --no-plots "$tmp/res/latest" >/dev/null 2>&1
md="$tmp/res/latest/report.md"
grep -q '^## Trap profile' "$md" && grep -q '^| cpuid .*| trap ' "$md" &&
	ok "nested AMD-V: report.md has the trap profile, cpuid a trap" || notok "nested AMD-V: no trap profile in report.md"
awk '/^## Cost per operation/ { c = 1; next } /^## / { c = 0 } c && /kvm-amdv-nested/ { bad = 1 } END { exit bad }' "$md" &&
	ok "nested AMD-V: its times are not in the cost table" || notok "nested AMD-V: its times are in the cost table"

# Bad input: a broken kernel image, a boot that hangs, no QEMU.
mkdir -p "$tmp/bad"
head -c 65536 build/nested/vmlinuz >"$tmp/bad/vmlinuz"
cp build/nested/base.cpio.gz "$tmp/bad/"
start=$(date +%s)
sh harness/nested/run.sh --image "$tmp/bad" --timeout 60 "$RB" build/guests/kernel.elf engines >/dev/null 2>"$tmp/bad.err"
rc=$?
[ $rc -eq 8 ] && grep -q 'nested boot ended without a result' "$tmp/bad.err" &&
	ok "nested AMD-V: a broken kernel image ends with status 8 and says so ($(($(date +%s) - start)) s)" ||
	{ notok "nested AMD-V: broken image: status $rc"; sed 's/^/# /' "$tmp/bad.err" | head -n 5; }
sh harness/nested/run.sh --timeout 4 "$RB" build/guests/kernel.elf engines >/dev/null 2>"$tmp/hang.err"
rc=$?
[ $rc -eq 124 ] && grep -q "timed out after 4 s" "$tmp/hang.err" && grep -q '^nested console: ' "$tmp/hang.err" &&
	ok "nested AMD-V: a boot past its timeout ends with 124 and the console's last lines" ||
	{ notok "nested AMD-V: timeout: status $rc"; sed 's/^/# /' "$tmp/hang.err" | head -n 5; }
sh harness/nested/run.sh --qemu /nonexistent/qemu "$RB" build/guests/kernel.elf engines >/dev/null 2>"$tmp/noq.err"
rc=$?
[ $rc -eq 4 ] && [ "$(wc -l <"$tmp/noq.err")" -eq 1 ] &&
	ok "nested AMD-V: without QEMU: status 4, one line: $(cat "$tmp/noq.err")" ||
	notok "nested AMD-V: without QEMU: status $rc: $(head -n 2 "$tmp/noq.err")"
exit 0
