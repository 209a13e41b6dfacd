#!/bin/sh
# --cpus 1 speed of interp and bt, one ringbench tree against another (not
# part of make test: it takes minutes).  Deterministic 64-bit guests (a
# loop of N iterations with interrupts off, then debug-exit): `loop`
# (dec/jnz), `alu` (8 ALU ops), `branch` (3 conditional branches), and
# `zero` (one iteration: start-up).  Prints callgrind's host instructions
# per guest instruction, (Ir - Ir of zero) / (guest insns - those of zero),
# for each tree, then, with TIMED=n, n interleaved wall-clock runs each.
# usage: sh tests/perf/cpus1_speed.sh OLD_TREE NEW_TREE   (each built: ringbench)
# e.g. git worktree add --detach /tmp/old 3d71d65 && make -C /tmp/old ringbench
set -e
old=$1 new=$2
[ -x "$old/ringbench" ] && [ -x "$new/ringbench" ] || { echo "usage: $0 OLD_TREE NEW_TREE (each with ringbench built)"; exit 2; }
here=$(cd "$(dirname "$0")/../.." && pwd)
g=$(mktemp -d)
trap 'rm -rf "$g"' EXIT
cp "$here/tests/guests/long_mode.inc" "$g/"
guest() {       # NAME ITERATIONS BODY
	cat >"$g/$1.S" <<EOS
#include "long_mode.inc"
long_mode:
	movl \$$2, %ecx
	xorl %eax, %eax; xorl %ebx, %ebx; xorl %edx, %edx; xorl %esi, %esi; xorl %edi, %edi
top:
	$3
	decl %ecx
	jnz top
	movl \$0, %eax
	movw \$0xf4, %dx
	outl %eax, %dx
	hlt
EOS
	cc -m32 -nostdlib -static -Wl,--build-id=none -Wl,-T,"$here/tests/guests/guest.ld" -o "$g/$1.elf" "$g/$1.S"
}
alu='addl %ecx, %eax; xorl %eax, %ebx; subl $3, %esi; andl %ebx, %edi; orl %esi, %eax; shll $1, %ebx; incl %edx; leal 4(%rax,%rbx), %edi;'
branch='testl $1, %ecx; jz 1f; incl %eax; 1: testl $2, %ecx; jnz 2f; incl %ebx; 2: cmpl %ecx, %edx; jb 3f; decl %esi; 3:'
for n in 2000000:s 20000000:t 200000000:h; do
	c=${n%%:*} p=${n#*:}
	guest ${p}zero 1 ""
	guest ${p}loop $c ""
	guest ${p}alu $c "$alu"
	guest ${p}branch $c "$branch"
done
cg() {          # TREE ENGINE GUEST: "Ir insns"
	(cd "$1" && valgrind --tool=callgrind --callgrind-out-file="$g/cg" ./ringbench run --engine $2 --stats \
		"$g/$3.elf" >/dev/null 2>"$g/err") 2>/dev/null || true
	echo "$(grep -m1 '^summary:' "$g/cg" | awk '{print $2}') $(awk '$1 == "insns" { print $2; exit }' "$g/err")"
}
echo "engine guest old_Ir/insn new_Ir/insn change"
for e in interp bt; do
	z_old=$(cg "$old" $e szero) z_new=$(cg "$new" $e szero)
	for b in loop alu branch; do
		echo "$e $b $z_old $(cg "$old" $e s$b) $z_new $(cg "$new" $e s$b)" |
			awk '{ o = ($5 - $3) / ($6 - $4); n = ($9 - $7) / ($10 - $8);
			       printf "%s %s %.3f %.3f %+.2f%%\n", $1, $2, o, n, 100 * (n / o - 1) }'
	done
done
[ "${TIMED:-0}" -gt 0 ] || exit 0
echo "engine guest run old_ms new_ms (interp: 20M iterations, bt: 200M; start-up included)"
i=1
while [ $i -le "$TIMED" ]; do
	for e in interp bt; do
		p=t; [ $e = bt ] && p=h
		for b in loop alu branch; do
			line="$e $b $i"
			for tree in "$old" "$new"; do
				t0=$(date +%s%N)
				(cd "$tree" && ./ringbench run --engine $e "$g/$p$b.elf" >/dev/null 2>&1) || true
				line="$line $(( ($(date +%s%N) - t0) / 1000000 ))"
			done
			echo "$line"
		done
	done
	i=$((i + 1))
done
