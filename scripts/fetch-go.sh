#!/bin/sh
# fetch-go.sh VERSION...: fetch Debian's Go toolchain packages
# (golang-VERSION-go and golang-VERSION-src, from whichever of bookworm,
# bookworm-backports, trixie or trixie-backports carries them) and unpack
# them into the cache without installing anything.  Prints one GOROOT per
# version.
set -eu
. "$(dirname "$0")/lib.sh"

# shellcheck disable=SC2086 # the list of versions, split on purpose
[ $# -gt 0 ] || set -- $GOCD_GO_VERSIONS
apt_priv_update
# A toolchain is unpacked beside its place and moved in whole, one fetch of
# a release at a time: the tests build two at a time, and on a fresh
# machine both would fetch it.
mkdir -p "$GOCD_CACHE/go"
for v in "$@"; do
	root="$GOCD_CACHE/go/$v"
	goroot="$root/usr/lib/go-$v"
	(
	flock 9 || exit 1
	if ! go_cached "$goroot"; then
		rm -rf "$root" "$root.new" "$root.debs"
		apt_priv_fetch "$root.debs" "golang-$v-go" "golang-$v-src" ||
			die "Go $v: golang-$v-go/golang-$v-src not found in the Debian suites"
		for d in "$root.debs"/*.deb; do
			dpkg -x "$d" "$root.new" || die "Go $v: $d does not unpack"
		done
		mv "$root.new" "$root"
		rm -rf "$root.debs"
	fi
	) 9> "$GOCD_CACHE/go/.lock-$v" || exit 1
	"$goroot/bin/go" version >/dev/null 2>&1 || die "Go $v: $goroot/bin/go does not run"
	echo "$goroot"
done
