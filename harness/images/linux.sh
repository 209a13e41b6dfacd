#!/bin/sh
# The Linux guest image (docs/linux.md): Debian's kernel (vmlinuz, a bzImage)
# and an initramfs of busybox-static with harness/images/init-linux as
# /init, from the packages harness/images/fetch.sh keeps in CACHE_DIR,
# unpacked with dpkg-deb into OUT_DIR — nothing is installed into the
# host's /boot.  Cached: rebuilt only when init-linux is newer.
# Usage: linux.sh [OUT_DIR [CACHE_DIR]]   (default build/linux build/nested/cache)
set -u
out=${1:-build/linux}
cache=${2:-build/nested/cache}
here=$(dirname "$0")
fail() { echo "linux image: $*" >&2; exit 1; }

if [ -s "$out/vmlinuz" ] && [ -s "$out/initramfs.cpio.gz" ] &&
	[ ! "$here/init-linux" -nt "$out/initramfs.cpio.gz" ]; then
	exit 0
fi
for t in dpkg-deb cpio gzip; do
	command -v "$t" >/dev/null 2>&1 || fail "$t not found (apt-get install dpkg cpio gzip)"
done
kpkg=$(sh "$here/fetch.sh" "$cache") || exit 1
mkdir -p "$out" || fail "cannot create $out"
tmp=$(mktemp -d "$out/tmp.XXXXXX") || fail "mktemp failed"
trap 'rm -rf "$tmp"' EXIT
# Only the kernel itself from the kernel package: its modules are not needed.
dpkg-deb --fsys-tarfile "$cache/$kpkg"_*.deb | tar -x -C "$tmp" --wildcards './boot/vmlinuz-*' ||
	fail "$kpkg has no /boot/vmlinuz-*"
dpkg-deb -x "$cache"/busybox-static_*.deb "$tmp/b" || fail "dpkg-deb -x busybox-static failed"
root="$tmp/root"
mkdir -p "$root/bin" "$root/dev" "$root/proc" "$root/sys" "$root/tmp"
cp "$tmp/b/bin/busybox" "$root/bin/busybox" || fail "busybox-static has no bin/busybox"
ln -s busybox "$root/bin/sh"
cp "$here/init-linux" "$root/init" && chmod 755 "$root/init" || fail "cannot copy init"
(cd "$root" && find . | cpio -o -H newc --quiet | gzip -9) >"$tmp/initramfs.cpio.gz" ||
	fail "cannot build the initramfs"
mv "$tmp"/boot/vmlinuz-* "$out/vmlinuz" && mv "$tmp/initramfs.cpio.gz" "$out/initramfs.cpio.gz" &&
	echo "$kpkg" >"$out/kernel-package" || fail "cannot write $out"
echo "linux image: ready in $out ($kpkg, busybox-static)" >&2
