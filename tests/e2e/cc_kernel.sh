#!/bin/sh
# The test kernel (tests/cc_kernel): C built with Debian's gcc at -O2
# -fcf-protection=full, once -msse2 (the issue's flags) and once x87-only
# (-mno-sse -mfpmath=387), under interp, bt, kvm and QEMU TCG.  Each run
# must end through debug-exit 0; its result lines must equal, line by
# line, those of the same C code compiled for this host and run natively
# (an oracle not from ringbench); its "sys:" lines (FXSAVE, XSAVE, XGETBV:
# not runnable by a host program) must equal QEMU's.  A kernel that finds
# its ISA missing from the vCPU's CPUID says so and exits 0x22: skipped
# with that reason.
cd "$(dirname "$0")/../.." || exit 2
make -s ringbench cc-kernel >/dev/null 2>&1 || { echo "not ok - make cc-kernel"; exit 1; }
dir=build/tests/cc_kernel
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# run ENGINE KERNEL LOG: the serial output in LOG; the status printed.
run() {
	if [ "$1" = qemu-tcg ]; then
		timeout 300 qemu-system-x86_64 -accel tcg -cpu max -kernel "$2" -serial "file:$3" \
			-display none -monitor none -device isa-debug-exit,iobase=0xf4,iosize=4 \
			-no-reboot -m 64 </dev/null >/dev/null 2>"$3.err"
	else
		timeout 300 ./ringbench run --engine "$1" --timeout 280 "$2" >"$3" 2>"$3.err"
	fi
	echo $?
}

have_qemu=1
command -v qemu-system-x86_64 >/dev/null || have_qemu=0
for v in x87 sse2; do
	"$dir/host-$v" >"$tmp/want-$v" || { echo "not ok - cc_kernel $v: the host oracle ran"; continue; }
	ref=""
	for e in qemu-tcg interp bt kvm; do
		what="cc_kernel $v under $e"
		if [ $e = qemu-tcg ] && [ $have_qemu = 0 ]; then
			echo "skip - $what: qemu-system-x86_64 not installed"
			continue
		fi
		log="$tmp/$e-$v"
		rc=$(run $e "$dir/kernel-$v.elf" "$log")
		if [ $e = kvm ] && [ "$rc" = 4 ]; then
			echo "skip - $what: $(tail -1 "$log.err")"
			continue
		fi
		if [ "$rc" = 69 ]; then
			echo "skip - $what: the vCPU lacks what this build needs (the kernel says: $(grep "^sys:" "$log" | head -1 | sed "s/^sys: //"))"
			continue
		fi
		if [ "$rc" != 1 ]; then
			echo "not ok - $what: status $rc, want 1 (debug-exit 0): $(tail -1 "$log.err")"
			continue
		fi
		grep -v '^sys:' "$log" >"$tmp/got"
		if cmp -s "$tmp/got" "$tmp/want-$v"; then
			echo "ok - $what: $(wc -l <"$tmp/want-$v") result lines equal to the host's"
		else
			echo "not ok - $what: result lines differ from the host's:"
			diff "$tmp/want-$v" "$tmp/got" | head -6 | sed 's/^/# /'
		fi
		if [ -z "$ref" ]; then
			ref=$e
			n=$(grep -c '^sys:' "$log")
			[ "$n" -ge 3 ] && echo "ok - $what: $n sys: lines (FXSAVE, XSAVE, XGETBV)" ||
				echo "not ok - $what: $n sys: lines, want 3"
		elif cmp -s "$log" "$tmp/$ref-$v"; then
			echo "ok - $what: every line, sys: lines too, equal to $ref's"
		else
			echo "not ok - $what: output differs from $ref's:"
			diff "$tmp/$ref-$v" "$log" | head -6 | sed 's/^/# /'
		fi
	done
done
