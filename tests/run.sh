#!/bin/sh
# Run every unit test binary given and every tests/e2e/*.sh script; count
# their "ok - " / "not ok - " / "skip - " lines; end with the summary line.
cd "$(dirname "$0")/.." || exit 2
log=$(mktemp)
trap 'rm -f "$log"' EXIT
status=0
for t in "$@" tests/e2e/*.sh; do
	[ -e "$t" ] || continue
	echo "# $t"
	case "$t" in
	*.sh) sh "$t" ;;
	*) "$t" ;;
	esac >"$log.out" 2>&1
	rc=$?
	cat "$log.out"
	cat "$log.out" >>"$log"
	# A test program that dies (or fails) without a failing check still fails.
	if [ $rc -ne 0 ] && ! grep -q '^not ok - ' "$log.out"; then
		echo "not ok - $t exited with status $rc" | tee -a "$log"
	fi
	[ $rc -ne 0 ] && status=1
done
rm -f "$log.out"
passed=$(grep -c '^ok - ' "$log")
failed=$(grep -c '^not ok - ' "$log")
skipped=$(grep -c '^skip - ' "$log")
[ "$failed" -ne 0 ] && status=1
echo "$passed passed, $failed failed, $skipped skipped"
exit $status
