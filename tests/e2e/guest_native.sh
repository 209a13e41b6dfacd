#!/bin/sh
# The native twins: the unprivileged benchmarks and a getppid system call
# as a host process, reporting the guest's RB1 lines.
cd "$(dirname "$0")/../.." || exit 2
make -s native >/dev/null 2>&1 || { echo "not ok - make native"; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

timeout 60 build/microbench/native budget_ms=1 reps=3 >"$tmp/n.log" 2>&1
rc=$?
[ $rc -eq 0 ] && echo "ok - native twins exit 0" || echo "not ok - native twins exit $rc"
if s=$(awk -f tests/e2e/guest_rb1.awk "$tmp/n.log"); then
	echo "ok - native twins: RB1 lines parse ($(echo "$s" | tail -1))"
else
	echo "not ok - native twins: RB1 lines parse"; echo "$s" | sed 's/^/# /' | head
fi
for b in loop alu callret mem_seq mem_rand branch syscall; do
	grep -q "^RB1 end seq=[0-9]* bench=$b status=ok" "$tmp/n.log" || missing="$missing $b"
done
[ -z "$missing" ] && echo "ok - native twins: baseline group and syscall report ok" ||
	echo "not ok - native twins: not ok:$missing"
grep -q '^RB1 hello version=1 host=native engine=native ' "$tmp/n.log" &&
	echo "ok - native twins: hello says host=native engine=native" ||
	echo "not ok - native twins: hello line"

timeout 60 build/microbench/native only=alu budget_ms=1 reps=1 fail=alu >"$tmp/f.log" 2>&1
rc=$?
[ $rc -ne 0 ] && grep -q '^RB1 end seq=0 bench=alu status=fail reason=' "$tmp/f.log" &&
	echo "ok - native twins: fail=alu exits non-zero naming alu" ||
	echo "not ok - native twins: fail=alu gave status $rc"
