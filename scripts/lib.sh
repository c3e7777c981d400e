#!/bin/sh
# lib.sh: settings shared by the lab scripts (sourced, not run).
#
# GOCD_CACHE  downloads and extracted packages; survives `make clean` and
#             lives outside the checkout so a second run is fast.  Nothing
#             in it is needed to be present: every script fetches what is
#             missing.
# GOCD_BUILD  build products of the lab (initramfs, Go test binaries).

# The repository top: the nearest directory above the running script that
# holds scripts/lib.sh.
if [ -z "${GOCD_TOP:-}" ]; then
	GOCD_TOP=$(cd "$(dirname "$0")" && pwd)
	while [ "$GOCD_TOP" != / ] && [ ! -f "$GOCD_TOP/scripts/lib.sh" ]; do
		GOCD_TOP=$(dirname "$GOCD_TOP")
	done
fi
: "${GOCD_CACHE:=${XDG_CACHE_HOME:-$HOME/.cache}/gocoredump}"
: "${GOCD_BUILD:=$GOCD_TOP/build}"
export GOCD_TOP GOCD_CACHE GOCD_BUILD

# The Go toolchains the lab builds test programs with.
GOCD_GO_VERSIONS=${GOCD_GO_VERSIONS:-"1.19 1.22 1.23 1.24 1.27"}

# go_cached GOROOT: the toolchain there is whole (golang-$v-go alone has a
# src/runtime too: proc.go says golang-$v-src is there).
go_cached() { [ -x "$1/bin/go" ] && [ -f "$1/src/runtime/proc.go" ]; }

# libFuzzer's -max_len for every target (scripts/fuzz.sh), 1.5 MiB: it reads
# no more of a seed, so the suites that write seeds keep them under it.
export GOCD_FUZZ_MAX_LEN=1572864

msg() { printf '%s: %s\n' "${0##*/}" "$*" >&2; }
die() { msg "$*"; exit 1; }

# fullsys_image: print the path of the full-system lab's image.env
# (scripts/fullsys-image.sh), building the image if it is not cached.  Its
# last line is the path: the first time, mkfs.ext4 says on stdout that it
# creates the image file (the script's own text is its cache key, so the
# callers take the last line rather than the script changing).
fullsys_image() {
	_fsi_out=$("$GOCD_TOP/scripts/fullsys-image.sh") || return 1
	printf '%s\n' "$_fsi_out" | tail -n 1
}

# shellcheck source=apt-private.sh
. "$GOCD_TOP/scripts/apt-private.sh"
