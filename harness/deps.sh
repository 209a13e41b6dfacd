#!/bin/sh
# Install the Debian packages ringbench needs (root), or print the one
# apt-get line that would (anyone else).  Usage: deps.sh PACKAGE...
missing=""
for p in "$@"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' ||
		missing="$missing $p"
done
[ -z "$missing" ] && exit 0
if [ "$(id -u)" != 0 ]; then
	echo "ringbench: missing Debian packages; run: sudo apt-get install -y$missing" >&2
	exit 1
fi
echo "ringbench: installing$missing" >&2
export DEBIAN_FRONTEND=noninteractive
# An empty package list means apt-get update never ran on this machine.
if ! apt-get install -y -q $missing >/dev/null 2>&1; then
	apt-get update -q >/dev/null &&
	apt-get install -y -q $missing >/dev/null ||
		{ echo "ringbench: apt-get install$missing failed" >&2; exit 1; }
fi
