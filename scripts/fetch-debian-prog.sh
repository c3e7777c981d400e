#!/bin/sh
# fetch-debian-prog.sh PKG SUITE FILE: one program of a Debian package, as
# Debian ships it, from SUITE (bookworm, trixie, ...), unpacked into the
# cache without installing anything.  Prints the path of FILE (relative to
# the package's root, e.g. usr/bin/age).  The lab runs such programs as
# field tests: cgo, PIE linked by the system linker, stripped.
set -eu
. "$(dirname "$0")/lib.sh"

[ $# = 3 ] || die "usage: fetch-debian-prog.sh PKG SUITE FILE"
pkg=$1 suite=$2 file=$3
d="$GOCD_CACHE/debian-progs/$pkg-$suite"
if [ ! -f "$d/root/$file" ]; then
	apt_priv_update
	rm -rf "$d"
	apt_priv_fetch "$d/debs" "$pkg/$suite" ||
		die "$pkg: not found in Debian $suite"
	dpkg -x "$d"/debs/"${pkg}"_*.deb "$d/root"
	rm -rf "$d/debs"
	[ -f "$d/root/$file" ] || die "$pkg ($suite) has no $file"
fi
echo "$d/root/$file"
