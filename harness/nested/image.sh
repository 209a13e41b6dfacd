#!/bin/sh
# The nested AMD-V platform's image (docs/nested.md): Debian 12's own kernel
# (the package linux-image-amd64 depends on) with kvm.ko, kvm-amd.ko and
# their dependencies, and busybox-static, fetched by harness/images/fetch.sh
# and unpacked with `dpkg-deb` into build/nested/ — nothing is installed
# into the host's /boot.  Cached: a second run neither downloads nor
# rebuilds.  Prints one line saying why when the image cannot be made.
# Usage: image.sh [BUILD_DIR]   (default build/nested)
set -u
out=${1:-build/nested}
fail() { echo "nested: $*" >&2; exit 1; }

[ -s "$out/vmlinuz" ] && [ -s "$out/base.cpio.gz" ] && exit 0
for t in dpkg-deb strings cpio gzip; do
	command -v "$t" >/dev/null 2>&1 || fail "$t not found (apt-get install dpkg binutils cpio gzip)"
done
# The kernel package linux-image-amd64 points at, e.g. linux-image-6.1.0-57-amd64,
# and busybox-static (harness/images/fetch.sh says why when it cannot).
kpkg=$(sh "$(dirname "$0")/../images/fetch.sh" "$out/cache") || exit 1

tmp=$(mktemp -d "$out/tmp.XXXXXX") || fail "mktemp failed"
trap 'rm -rf "$tmp"' EXIT
dpkg-deb -x "$out/cache/$kpkg"_*.deb "$tmp/k" || fail "dpkg-deb -x $kpkg failed"
dpkg-deb -x "$out/cache"/busybox-static_*.deb "$tmp/b" || fail "dpkg-deb -x busybox-static failed"

root="$tmp/root"
mkdir -p "$root/bin" "$root/lib/modules" "$root/dev" "$root/proc" "$root/sys" "$root/tmp" "$root/rb"
cp "$tmp/b/bin/busybox" "$root/bin/busybox" || fail "busybox-static has no bin/busybox"
ln -s busybox "$root/bin/sh"
cp "$(dirname "$0")/init" "$root/init" && chmod 755 "$root/init" || fail "cannot copy init"

# kvm-amd and what it depends on, read from each module's .modinfo
# (depends=...), in load order: dependencies first.
modules=$(find "$tmp/k/lib/modules" -name '*.ko')
order=""
add_module() {
	local f d     # dash and busybox sh have local; the recursion needs it
	case " $order " in *" $1 "*) return 0 ;; esac
	f=$(printf '%s\n' "$modules" | grep "/$1\.ko\$" | head -n 1)
	[ -n "$f" ] || f=$(printf '%s\n' "$modules" | grep "/$(echo "$1" | tr _ -)\.ko\$" | head -n 1)
	[ -n "$f" ] || fail "module $1 not in $kpkg"
	for d in $(strings -a "$f" | sed -n 's/^depends=//p' | tr ',' ' '); do
		add_module "$d"
	done
	cp "$f" "$root/lib/modules/$1.ko" || fail "cannot copy $f"
	order="$order $1"
}
add_module kvm-amd
echo "$order" >"$root/lib/modules/order"
cp "$tmp"/k/boot/vmlinuz-* "$tmp/vmlinuz" || fail "$kpkg has no /boot/vmlinuz-*"
echo "$kpkg" >"$tmp/kernel-package"

(cd "$root" && find . | cpio -o -H newc --quiet | gzip -9) >"$tmp/base.cpio.gz" ||
	fail "cannot build the initramfs"
mv "$tmp/vmlinuz" "$out/vmlinuz.new" && mv "$tmp/base.cpio.gz" "$out/base.cpio.gz" &&
	mv "$tmp/kernel-package" "$out/kernel-package" && mv "$out/vmlinuz.new" "$out/vmlinuz" ||
	fail "cannot write $out"
echo "nested: image ready in $out ($kpkg, busybox-static, modules:$order)" >&2
