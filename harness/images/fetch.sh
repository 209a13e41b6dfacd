#!/bin/sh
# Fetch Debian's kernel package (the one linux-image-amd64 depends on, e.g.
# linux-image-6.1.0-57-amd64) and busybox-static into CACHE_DIR with
# `apt-get download`, once: a package already there is not fetched again.
# Nothing is installed.  Prints the kernel package's name on stdout; on
# failure one line on stderr saying why, status 1.  Shared by the nested
# AMD-V image (harness/nested/image.sh) and the Linux guest image
# (harness/images/linux.sh).
# Usage: fetch.sh CACHE_DIR
set -u
cache=${1:?usage: fetch.sh CACHE_DIR}
fail() { echo "fetch: $*" >&2; exit 1; }

for t in apt-get apt-cache dpkg-deb; do
	command -v "$t" >/dev/null 2>&1 || fail "$t not found (apt-get install dpkg apt)"
done
mkdir -p "$cache" || fail "cannot create $cache"

kernel_package() {
	apt-cache depends linux-image-amd64 2>/dev/null | sed -n 's/^ *Depends: \(linux-image-[0-9].*\)/\1/p' | head -n 1
}
kpkg=$(kernel_package)
if [ -z "$kpkg" ] && [ "$(id -u)" = 0 ]; then
	apt-get update -q >/dev/null 2>&1
	kpkg=$(kernel_package)
fi
# Offline with no package lists: a kernel package already in the cache will do.
if [ -z "$kpkg" ]; then
	kpkg=$(ls "$cache"/linux-image-[0-9]*.deb 2>/dev/null | head -n 1 | sed 's|.*/||; s|_.*||')
fi
[ -n "$kpkg" ] || fail "linux-image-amd64 is not in the package lists (run apt-get update)"

fetch_one() {
	ls "$cache/$1"_*.deb >/dev/null 2>&1 && return 0
	(cd "$cache" && apt-get download -q "$1" >/dev/null 2>&1) ||
		fail "apt-get download $1 failed (no Debian mirror reachable?)"
}
fetch_one "$kpkg"
fetch_one busybox-static
echo "$kpkg"
