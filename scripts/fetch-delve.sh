#!/bin/sh
# fetch-delve.sh: Debian trixie's delve (1.24, for Go newer than bookworm's
# delve 1.20 knows), unpacked into the cache.  Prints the dlv path.
set -eu
. "$(dirname "$0")/lib.sh"

d="$GOCD_CACHE/delve-trixie"
if [ ! -x "$d/root/usr/bin/dlv" ]; then
	apt_priv_update
	v=$(apt_priv_cache show delve 2>/dev/null | awk '/^Version:/ && $2 ~ /^1\.2[4-9]/ { print $2 }' | sort -V | tail -n 1)
	[ -n "$v" ] || die "no delve 1.24 or later in the Debian suites"
	rm -rf "$d"
	apt_priv_fetch "$d/debs" "delve=$v"
	dpkg -x "$d"/debs/delve_*.deb "$d/root"
	rm -rf "$d/debs"
fi
echo "$d/root/usr/bin/dlv"
