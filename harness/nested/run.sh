#!/bin/sh
# Run ringbench inside the nested AMD-V platform (docs/nested.md): Debian's
# kernel booted under QEMU's TCG with SVM and nested paging, kvm-amd loaded,
# and `ringbench ARGS...` run there with the guest kernel beside it as
# ./kernel.elf.  Its stdout, stderr and exit status come back on a second
# serial port and are reproduced here, so to its caller this script is that
# ringbench.  Exit 4 with one line when the platform is unavailable, 8 when
# the nested boot failed (the console's last lines on stderr).
# --file F puts F beside it too, as ./NAME (a Linux guest's initrd).
# Usage: run.sh [--image DIR] [--timeout S] [--qemu QEMU] [--file F]... RINGBENCH KERNEL [ARGS...]
set -u
image=build/nested timeout=300 qemu=qemu-system-x86_64 files=""
while [ $# -gt 0 ]; do
	case "$1" in
	--file) [ -r "$2" ] || { echo "nested: --file $2: not readable" >&2; exit 2; }
		files="$files $2"; shift 2 ;;
	--image) image=$2; shift 2 ;;
	--timeout) timeout=$2; shift 2 ;;
	--qemu) qemu=$2; shift 2 ;;
	*) break ;;
	esac
done
[ $# -ge 2 ] || { echo "usage: run.sh [--image DIR] [--timeout S] [--qemu QEMU] [--file F]... RINGBENCH KERNEL [ARGS...]" >&2; exit 2; }
rb=$1 kernel=$2
shift 2
here=$(dirname "$0")
unavailable() { echo "nested: $*" >&2; exit 4; }

command -v "$qemu" >/dev/null 2>&1 || unavailable "$qemu not installed (apt-get install qemu-system-x86)"
sh "$here/image.sh" "$image" || exit 4
[ -r "$kernel" ] || unavailable "guest $kernel not built (make guest)"

tmp=$(mktemp -d "${TMPDIR:-/tmp}/rb-nested.XXXXXX") || exit 8
[ -n "${RB_NESTED_KEEP:-}" ] && echo "nested: keeping $tmp" >&2 || trap 'rm -rf "$tmp"' EXIT INT TERM

# The per-run part of the initramfs: this ringbench, the shared objects it
# loads (at the paths ldd gives), the guest kernel and the command.
mkdir -p "$tmp/root/rb"
cp "$rb" "$tmp/root/rb/ringbench" && cp "$kernel" "$tmp/root/rb/kernel.elf" || exit 8
for f in $files; do cp "$f" "$tmp/root/rb/" || exit 8; done
for lib in $(ldd "$rb" | grep -o '/[^ ]*'); do
	mkdir -p "$tmp/root$(dirname "$lib")" && cp -L "$lib" "$tmp/root$lib" || exit 8
done
{
	printf 'exec /rb/ringbench'
	for a in "$@"; do printf " '%s'" "$(printf '%s' "$a" | sed "s/'/'\\\\''/g")"; done
	printf '\n'
} >"$tmp/root/rb/cmd"
(cd "$tmp/root" && find . -mindepth 1 | cpio -o -H newc --quiet | gzip -1) >"$tmp/overlay.cpio.gz" || exit 8
# The kernel unpacks concatenated archives one after the other.
cat "$image/base.cpio.gz" "$tmp/overlay.cpio.gz" >"$tmp/initrd" || exit 8

: >"$tmp/console"
: >"$tmp/channel"
# --foreground: timeout stays in our process group, so the harness's kill
# of that group (its own timeout, Ctrl-C) reaches QEMU too.
timeout --foreground -k 2 "$timeout" "$qemu" -accel tcg -cpu qemu64,+svm,+npt,enforce -m 1024 -smp 1 \
	-display none -monitor none -no-reboot -nodefaults \
	-serial "file:$tmp/console" -serial "file:$tmp/channel" \
	-kernel "$image/vmlinuz" -initrd "$tmp/initrd" \
	-append 'console=ttyS0 quiet panic=-1 oops=panic' 2>"$tmp/qemu.err"
qrc=$?

# Decode the channel: RBN1 begin NAME / base64 / RBN1 end NAME sha256=H / RBN1 status N.
tr -d '\r' <"$tmp/channel" >"$tmp/chan"
status=$(sed -n 's/^RBN1 status \([0-9][0-9]*\)$/\1/p' "$tmp/chan" | tail -n 1)
ok=1
for part in stdout stderr; do
	sed -n "/^RBN1 begin $part\$/,/^RBN1 end $part /p" "$tmp/chan" | sed '1d;$d' |
		base64 -d >"$tmp/$part" 2>/dev/null || ok=0
	want=$(sed -n "s/^RBN1 end $part sha256=//p" "$tmp/chan")
	got=$(sha256sum <"$tmp/$part" | cut -d' ' -f1)
	[ -n "$want" ] && [ "$want" = "$got" ] || ok=0
done
if [ -z "$status" ] || [ $ok = 0 ]; then
	if grep -q 'svm' "$tmp/qemu.err" 2>/dev/null; then
		unavailable "$qemu cannot emulate AMD-V (SVM) under TCG: $(head -n 1 "$tmp/qemu.err")"
	fi
	if [ $qrc = 124 ] || [ $qrc = 137 ]; then
		echo "nested: the nested boot timed out after ${timeout} s; its console's last lines:" >&2
	else
		echo "nested: the nested boot ended without a result (qemu status $qrc); its console's last lines:" >&2
	fi
	if [ -s "$tmp/console" ]; then
		tail -n 20 "$tmp/console" | sed 's/^/nested console: /' >&2
	else
		echo "nested console: (empty: the kernel printed nothing before the end)" >&2
	fi
	[ -s "$tmp/qemu.err" ] && sed 's/^/nested qemu: /' "$tmp/qemu.err" >&2
	[ $qrc = 124 ] || [ $qrc = 137 ] && exit 124
	exit 8
fi
cat "$tmp/stdout"
cat "$tmp/stderr" >&2
exit "$status"
