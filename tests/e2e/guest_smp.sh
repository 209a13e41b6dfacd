#!/bin/sh
# SMP guests (--cpus N): the guest brings up every CPU by INIT-SIPI-SIPI
# and runs the smp group (9 benchmarks) with every benchmark ok under interp, bt and kvm,
# at 4 vCPUs on the 2-core host (2x overcommitted) too, and under QEMU TCG
# (-smp 2) all but the two that need KVM's paravirtual leaves (unsupported
# there, with the reason); QEMU TCG -smp 4 and QEMU-KVM -smp 2 and 4
# pinned to 2 host CPUs run those seven too; timer_jitter's check fails
# on ticks counted twice or dropped (tick_fault=);
# with one CPU the group says unsupported; an AP's triple fault ends the
# VM naming its vCPU; bench --cpus records the count and the latency
# percentiles; the stress test (two vCPUs rewriting each other's code and
# PTEs) sees only legal states; bad counts get one-line errors.
cd "$(dirname "$0")/../.." || exit 2
rb=./ringbench
[ -x $rb ] || { echo "not ok - smp: ./ringbench not built"; exit 1; }
make -s guest >/dev/null 2>&1 || { echo "not ok - make guest"; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
ok() { if [ "$1" = 0 ]; then echo "ok - $2"; else echo "not ok - $2"; fi; }
words="only=smp budget_ms=1 reps=3"
# qemu ACCEL N CMDLINE LOG [PIN]: the guest under QEMU -accel ACCEL -smp N
# (under PIN, e.g. "taskset -c 0,1", when given), its console (CRs
# dropped) in LOG; QEMU's status
qemu() {
	timeout 200 ${5:-} qemu-system-x86_64 -accel "$1" -cpu qemu64 -smp "$2" -kernel build/guests/kernel32.elf \
		-append "$3" -serial stdio -display none -monitor none -no-reboot -m 64 \
		-device isa-debug-exit,iobase=0xf4,iosize=4 >"$4.raw" 2>/dev/null
	st=$?
	tr -d '\r' <"$4.raw" >"$4"
	return $st
}
# tcg CMDLINE LOG: QEMU TCG -smp 2
tcg() { qemu tcg 2 "$1" "$2"; }

# check NAME LOG STATUS CPUS [OK [CONVOY]]: debug-exit 0, RB1 parses, N CPUs
# online, OK (default 9) smp benchmarks ok, the new ones' end-line notes.
# CONVOY (QEMU pinned, or on a busy host; no PAUSE-loop exit):
# spinlock_handoff may instead stop its repetition at its bound and fail
# saying "lock convoy".
check() {
	want=${5:-9} st_ok=1 convoy=""
	if [ -n "${6:-}" ] && grep -q '^RB1 end .*bench=spinlock_handoff status=fail reason=lock convoy, repetition stopped: acquired=[0-9]* asked=[0-9]* ms=[0-9]' "$2"; then
		convoy=1 st_ok=3 want=$((want - 1))
		echo "ok - smp: $1: spinlock_handoff met a lock convoy (preempted waiters, no PAUSE-loop exit) and said so at its bound ($(sed -n 's/.*bench=spinlock_handoff .*stopped: //p' "$2"))"
	fi
	ok $([ "$3" = $st_ok ]; echo $?) "smp: $1: debug-exit $(( (st_ok - 1) / 2 )) (status $3)"
	if s=$(awk -f tests/e2e/guest_rb1.awk "$2"); then
		echo "ok - smp: $1: RB1 lines parse ($(echo "$s" | tail -1))"
	else
		echo "not ok - smp: $1: RB1 lines parse"; echo "$s" | sed 's/^/# /' | head -5
	fi
	ok $(grep -q "^RB1 hello .* cpus=$4\$" "$2"; echo $?) "smp: $1: $4 CPUs online"
	n=$(grep -c '^RB1 end .*status=ok' "$2")
	ok $([ "$n" = "$want" ]; echo $?) "smp: $1: $want smp benchmarks ok ($n)"
	ok $(grep -q '^RB1 end .*bench=ipi_wake status=ok .*p50=[0-9]* p99=[0-9]* p999=[0-9]*' "$2"; echo $?) \
		"smp: $1: ipi_wake reports its latency distribution"
	ok $(grep -q '^RB1 end .*bench=fairness status=ok .*jain_milli=[0-9]* min_share_milli=[0-9]*' "$2"; echo $?) \
		"smp: $1: fairness reports Jain's index ($(sed -n 's/.*bench=fairness .*jain_milli=\([0-9]*\).*/\1/p' "$2")/1000)"
	[ -n "$convoy" ] ||
	ok $(grep -q '^RB1 end .*bench=spinlock_handoff status=ok .*p50=[0-9]* p99=[0-9]* p999=[0-9]* acq_per_ms=[0-9]' "$2"; echo $?) \
		"smp: $1: spinlock_handoff reports hand-off percentiles and acquisitions per ms"
	ok $(grep -q '^RB1 end .*bench=timer_jitter status=ok .*p50=[0-9]* p99=[0-9]* p999=[0-9]* missed=[0-9]* catchup=[0-9]' "$2"; echo $?) \
		"smp: $1: timer_jitter: ticks match the expiries; lateness percentiles, coalesced and catch-up ticks ($(sed -n 's/.*bench=timer_jitter .*\(missed=.*\)/\1/p' "$2"))"
	if [ "${5:-9}" = 9 ]; then
		ok $(grep -q "^RB1 end .*bench=steal_time status=ok .*steal_milli=[0-9]* gap_milli=[0-9]* steal_us=[0-9]* vcpu_steal_milli=[0-9]*\(/[0-9]*\)\{$(($4 - 1))\}\$" "$2"; echo $?) \
			"smp: $1: steal_time: steal matches the gaps every vCPU saw, one share per vCPU ($(sed -n 's/.*bench=steal_time .*precision=[a-z]* //p' "$2"))"
		ok $(grep -q '^RB1 end .*bench=tlb_shootdown_pv status=ok .*p999=[0-9]* ipi_milli=[0-9]' "$2"; echo $?) \
			"smp: $1: tlb_shootdown_pv: every vCPU saw every new mapping ($(sed -n 's/.*bench=tlb_shootdown_pv .*\(ipi_milli=[0-9]*\).*/\1/p' "$2"))"
	fi
	[ "$n" = "$want" ] || grep '^RB1 end\|^guest' "$2" | sed 's/^/# /'
}

for e in interp bt; do
	timeout 200 $rb run --engine $e --cpus 2 --stats --timeout 150 -- $words >"$tmp/$e.log" 2>"$tmp/$e.err"
	check "$e --cpus 2" "$tmp/$e.log" $?  2
	for c in vcpu.switch.ipi vcpu.switch.halt vcpu.switch.pause steal.us steal.pv_tlb_flushes; do
		v=$(awk -v n=$c '$1 == n { print $2 }' "$tmp/$e.err")
		ok $([ "${v:-0}" -gt 0 ]; echo $?) "smp: $e: scheduler counter $c is positive (${v:-absent})"
	done
	g=$(sed -n 's/.*bench=steal_time status=ok .*steal_us=\([0-9]*\).*/\1/p' "$tmp/$e.log")
	h=$(awk '$1 == "steal.us" { print $2 }' "$tmp/$e.err")
	d=$(awk '$1 == "steal.run_delay_us" { print $2 }' "$tmp/$e.err")
	ok $([ -n "$g" ] && [ -n "$h" ] && [ "$g" -le "$h" ] && [ "${d:-0}" -le "$h" ]; echo $?) \
		"smp: $e: guest steal in the windows ($g us) <= the steal the VM core published ($h us), which holds the host thread's run delay (${d:-0} us)"
	timeout 200 $rb run --engine $e --cpus 4 --host-cpus 2 --timeout 150 -- $words >"$tmp/$e.4.log" 2>&1
	check "$e --cpus 4 --host-cpus 2" "$tmp/$e.4.log" $? 4
done

# The kvm engine runs here when a guest that runs nothing ends with its
# own status (debug-exit 0: 1).
kvm_ok() { timeout 60 $rb run --engine kvm --timeout 30 -- only=none >/dev/null 2>&1; [ $? = 1 ]; }
if kvm_ok; then
	timeout 300 $rb run --engine kvm --cpus 2 --stats --timeout 250 -- $words >"$tmp/kvm.log" 2>"$tmp/kvm.err"
	check "kvm --cpus 2" "$tmp/kvm.log" $? 2
	# KVM's steal time is its vCPU threads' run delay: the guest's steal
	# in the windows is part of what the threads waited over the run.
	g=$(sed -n 's/.*bench=steal_time status=ok .*steal_us=\([0-9]*\).*/\1/p' "$tmp/kvm.log")
	h=$(awk '$1 == "vcpu.run_delay_us" { print $2 }' "$tmp/kvm.err")
	ok $([ -n "$g" ] && [ -n "$h" ] && [ "$g" -le "$h" ]; echo $?) \
		"smp: kvm: guest steal in the windows ($g us) <= the vCPU threads' host run delay ($h us)"
	timeout 300 $rb run --engine kvm --cpus 4 --host-cpus 2 --timeout 250 -- $words >"$tmp/kvm.4.log" 2>&1
	check "kvm --cpus 4 --host-cpus 2" "$tmp/kvm.4.log" $? 4
else
	echo "skip - smp: kvm: the kvm engine cannot run here"
fi

if command -v qemu-system-x86_64 >/dev/null; then
	# Unpinned, but a host busy with other work preempts TCG's vCPU
	# threads as pinning does: the convoy is accepted, said so, here too.
	tcg "$words" "$tmp/tcg.log"
	check "qemu tcg -smp 2" "$tmp/tcg.log" $? 2 7 convoy
	n=$(grep -c '^RB1 end .*bench=\(steal_time\|tlb_shootdown_pv\) status=unsupported reason=no KVM paravirtual CPUID leaves' "$tmp/tcg.log")
	ok $([ "$n" = 2 ]; echo $?) "smp: qemu tcg: steal_time and tlb_shootdown_pv unsupported: no KVM leaves under TCG ($n)"
	# 4 vCPUs on 2 host CPUs (as bench --host-cpus 2 pins QEMU), TCG and,
	# where KVM runs the guest, QEMU-KVM: the benchmarks that need no KVM
	# paravirtual leaf.
	pinned_only=ipi_pingpong,ipi_wake,tlb_shootdown,token_ring,fairness,spinlock_handoff,timer_jitter
	for accel in tcg kvm; do
		[ $accel = kvm ] && ! kvm_ok && { echo "skip - smp: qemu-kvm: the kvm engine cannot run here"; continue; }
		for n in 2 4; do
			[ $accel = tcg ] && [ $n = 2 ] && continue
			[ "$(nproc)" -ge 2 ] || { echo "skip - smp: qemu $accel -smp $n: needs 2 host CPUs"; continue; }
			qemu $accel $n "$words only=$pinned_only" "$tmp/q.log" "taskset -c 0,1"
			check "qemu $accel -smp $n on 2 host CPUs" "$tmp/q.log" $? $n 7 convoy
		done
	done
else
	echo "skip - smp: qemu tcg: qemu-system-x86_64 not installed"
fi

# timer_jitter's check can fail: every tick counted twice, or the ticks
# of each window's second half dropped (tick_fault=, guest side).
for f in "dup:more periodic timer ticks than expiries" "drop:periodic timer ticks lost"; do
	$rb run --engine interp --cpus 2 --timeout 60 -- only=timer_jitter budget_ms=1 reps=3 tick_fault=${f%%:*} >"$tmp/tf.log" 2>&1
	ok $(grep -q "^RB1 end .*bench=timer_jitter status=fail reason=${f#*:}: cpu=" "$tmp/tf.log"; echo $?) \
		"smp: timer_jitter tick_fault=${f%%:*}: fails: ${f#*:} ($(sed -n 's/.*bench=timer_jitter status=//p' "$tmp/tf.log"))"
done

# One CPU: the group is unsupported, with the reason.
$rb run --engine interp --timeout 60 -- $words >"$tmp/one.log" 2>&1
n=$(grep -c '^RB1 end .*status=unsupported reason=needs >= 2 CPUs' "$tmp/one.log")
ok $([ "$n" = 9 ]; echo $?) "smp: --cpus 1: every smp benchmark unsupported: needs >= 2 CPUs ($n)"

# An AP's triple fault: status 6, the vCPU named.
for e in interp bt kvm; do
	[ $e = kvm ] && ! kvm_ok && continue
	timeout 100 $rb run --engine $e --cpus 2 --timeout 60 -- crash=ap >/dev/null 2>"$tmp/crash.err"
	st=$?
	ok $([ $st = 6 ] && grep -q 'triple fault.*on vCPU 1$' "$tmp/crash.err"; echo $?) \
		"smp: $e: an AP's triple fault ends the VM with status 6 naming vCPU 1 ($st: $(head -c 150 "$tmp/crash.err"))"
done

# A hung vCPU (the last AP spins with interrupts off, the BSP waits for
# it): the timeout ends the VM (124) and its message says what each vCPU
# was doing: interp and bt name vCPU 1 running with interrupts off; kvm
# names vCPU 1 as having left KVM_RUN not once.
for e in interp bt kvm; do
	[ $e = kvm ] && ! kvm_ok && continue
	want='vCPU 0 running, interrupts on, RIP 0x[0-9a-f]*; vCPU 1 running, interrupts off, RIP 0x'
	[ $e = kvm ] && want='vCPU 1 no exit for [0-9.]* s'
	timeout -s KILL 60 $rb run --engine $e --cpus 2 --timeout 4 -- crash=ap_hang only=none >/dev/null 2>"$tmp/h.err"
	st=$?
	ok $([ $st = 124 ] && [ "$(wc -l <"$tmp/h.err")" = 1 ] && grep -q "timeout: .*$want" "$tmp/h.err"; echo $?) \
		"smp: $e --cpus 2 crash=ap_hang: status 124, one line naming the hung vCPU ($st: $(cat "$tmp/h.err"))"
done

# Bad counts: one line, status 2.
for a in "--cpus 0" "--cpus 9" "--cpus x" "--cpus 99999999999" "--host-cpus 0" "--host-cpus 1000" \
	 "--cpus 2 --lockstep --engine bt"; do
	$rb run --engine interp $a -- only=none >"$tmp/o" 2>"$tmp/e"
	st=$?
	ok $([ $st = 2 ] && [ "$(wc -l <"$tmp/e")" = 1 ] && [ ! -s "$tmp/o" ]; echo $?) \
		"smp: run $a: one-line error, status 2 ($st: $(cat "$tmp/e"))"
done
for a in "--cpus 0" "--cpus 9" "--cpus 4294967297" "--host-cpus 0" "--overcommit 0" "--overcommit 5" \
	 "--overcommit 1,1" "--overcommit x" "--overcommit ," "--overcommit 1 --cpus 2" \
	 "--overcommit 1 --host-cpus 1" "--overcommit 1 --host-cpus 1000"; do
	$rb bench $a --out "$tmp/never" >/dev/null 2>"$tmp/e"
	st=$?
	ok $([ $st = 2 ] && [ "$(wc -l <"$tmp/e")" = 1 ] && [ ! -e "$tmp/never" ]; echo $?) \
		"smp: bench $a: one-line error, status 2, nothing written ($st: $(cat "$tmp/e"))"
done

# bench --cpus 2: the count recorded, the percentiles kept.
$rb bench --quiet --no-plots --cpus 2 --engines interp --only loop,loop_k,smp --quick \
	--out "$tmp/res" --run-id smp >/dev/null 2>&1
ok $(grep -q '"cpus": *2' "$tmp/res/smp/results.json"; echo $?) "smp: bench --cpus 2: config.cpus is 2"
ok $(grep -q '"latency_cycles"' "$tmp/res/smp/results.json" &&
     grep -q 'CPU sharing: latency distributions' "$tmp/res/smp/report.md"; echo $?) \
	"smp: bench: latency percentiles in results.json and the report's CPU-sharing table"
ok $(grep -A1 '"steal": *{' "$tmp/res/smp/results.json" | grep -q '"share": *0\.[0-9]' &&
     grep -q '| steal_time | \(.*| \)\?0\.[0-9]* |$' "$tmp/res/smp/report.md"; echo $?) \
	"smp: bench: steal_time's share in results.json and the CPU-sharing table"

# The stress test: two vCPUs rewriting each other's code and PTEs; every
# observation legal, the VM (and the host) fine afterwards.
stress() {
	ok $([ "$2" = 1 ] && grep -q 'guest: stress: 20000 iterations on 2 CPUs: 0 illegal observations, [1-9][0-9]* new code values seen' "$3"; echo $?) \
		"smp: $1: stress=20000: no illegal observation, code rewritten under the other vCPU ($2: $(grep -a 'guest: stress' "$3"))"
}
for e in interp bt kvm; do
	[ $e = kvm ] && ! kvm_ok && continue
	timeout 300 $rb run --engine $e --cpus 2 --timeout 250 -- stress=20000 only=none >"$tmp/st.log" 2>&1
	stress $e $? "$tmp/st.log"
done
if command -v qemu-system-x86_64 >/dev/null; then
	tcg "stress=20000 only=none" "$tmp/st.log"
	stress "qemu tcg -smp 2" $? "$tmp/st.log"
fi

# fpu=N: each vCPU keeps its own x87 control word and stack, MXCSR and
# XMM0-15 across the multiplexer's switches (and on kvm and QEMU).
fpu() {
	ok $([ "$2" = 1 ] && grep -q 'guest: fpu: 300 rounds on 2 CPUs: 0 rounds saw' "$3"; echo $?) \
		"smp: $1: fpu=300: every vCPU's x87/SSE state its own across switches ($2: $(grep -a 'guest: fpu' "$3" | tr '\n' ' '))"
}
for e in interp bt kvm; do
	[ $e = kvm ] && ! kvm_ok && continue
	if [ $e = kvm ] && [ -d /sys/module/kvm_pvm ]; then
		echo "skip - smp: kvm fpu=300: PVM emulates guest CPL0 and its emulator has no x87/FXSAVE (docs/platform.md)"
		continue
	fi
	timeout 300 $rb run --engine $e --cpus 2 --stats --timeout 250 -- fpu=300 only=none >"$tmp/fpu.log" 2>"$tmp/fpu.err"
	fpu $e $? "$tmp/fpu.log"
	[ $e = kvm ] && continue
	v=$(awk '$1 == "vcpu.switch.pause" { print $2 }' "$tmp/fpu.err")
	ok $([ "${v:-0}" -ge 300 ]; echo $?) "smp: $e: fpu=300 switched vCPUs at PAUSE loops (${v:-absent} >= 300)"
done
if command -v qemu-system-x86_64 >/dev/null; then
	tcg "fpu=300 only=none" "$tmp/fpu.log"
	fpu "qemu tcg -smp 2" $? "$tmp/fpu.log"
fi

# A VM whose vCPUs can never run again: interp and bt see it (status 10);
# under kvm the --timeout ends it (124), never a hang.
for e in interp bt kvm; do
	[ $e = kvm ] && ! kvm_ok && continue
	want=10; [ $e = kvm ] && want=124
	timeout -s KILL 60 $rb run --engine $e --cpus 2 --timeout 5 build/tests/guests/cli_hlt.elf >/dev/null 2>"$tmp/h.err"
	st=$?
	ok $([ $st = $want ]; echo $?) "smp: $e --cpus 2: cli; hlt on the BSP, the AP never started: status $want ($st: $(cat "$tmp/h.err"))"
done
