#!/bin/sh
# fetch-go120.sh: real Go 1.20 executables, for the one release gocap reads
# that Debian never packaged a toolchain of (golang-1.20 is in no suite).
# Prints the directory holding them:
#
#   go-turbo  turbo 1.10.16's Go half (go1.20.10; cgo, externally linked,
#             .symtab but no Go DWARF), from the npm package turbo-linux-64
#   esbuild   esbuild 0.18.20 (go1.20.7; fully stripped), from the npm
#             package @esbuild/linux-x64
#
# Both are the projects' own release builds, fetched with npm (the only
# package registry besides Debian's this project reaches) and pinned by
# SHA-256.  They are the source of gocap's Go 1.20 tables: the wait
# reasons from go-turbo's runtime.waitReasonStrings
# (tests/gocap/gen-waitreasons.py), the layout from the runtime's type
# descriptors in both (tests/gocap120/typelayout.py); and the oracle of
# tests/gocap120/host.sh, which crashes them.  Cached in $GOCD_CACHE/go120.
set -eu
. "$(dirname "$0")/lib.sh"

D=$GOCD_CACHE/go120
# name  npm package@version  path in the tarball  sha256 of the executable
set -- \
	go-turbo turbo-linux-64@1.10.16 turbo-linux-64/bin/go-turbo \
	e3c6b6545dd71e8ae0ff4d77ea6ee659b44485342fd7a34ab446e5928cf595cf \
	esbuild @esbuild/linux-x64@0.18.20 package/bin/esbuild \
	82afa0d18098bef823ba5b5c89bb5cfbea1a25f0721416d29a9dd7ba73fd237d

mkdir -p "$D"
while [ $# -ge 4 ]; do
	name=$1 pkg=$2 path=$3 sum=$4
	shift 4
	if [ -x "$D/$name" ] &&
	   [ "$(sha256sum < "$D/$name" | cut -d' ' -f1)" = "$sum" ]; then
		continue
	fi
	command -v npm > /dev/null || die "npm is needed to fetch $pkg"
	t=$(mktemp -d "$D/fetch.XXXXXX")
	(cd "$t" && npm pack --silent "$pkg" > /dev/null 2>&1) ||
		{ rm -rf "$t"; die "npm pack $pkg failed"; }
	tar -xzf "$t"/*.tgz -C "$t" "$path" ||
		{ rm -rf "$t"; die "$pkg: no $path in the package"; }
	got=$(sha256sum < "$t/$path" | cut -d' ' -f1)
	if [ "$got" != "$sum" ]; then
		rm -rf "$t"
		die "$pkg: $path has SHA-256 $got, not the pinned $sum"
	fi
	mv "$t/$path" "$D/$name"
	chmod 755 "$D/$name"
	rm -rf "$t"
done
echo "$D"
