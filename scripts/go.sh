#!/bin/sh
# go.sh VERSION ARGS...: run Debian's Go toolchain VERSION (fetched on
# demand) hermetically: no network, no toolchain switching, caches in
# the gocoredump cache.
set -eu
. "$(dirname "$0")/lib.sh"
v=$1; shift
goroot="$GOCD_CACHE/go/$v/usr/lib/go-$v"
go_cached "$goroot" || "$GOCD_TOP/scripts/fetch-go.sh" "$v" >/dev/null
export GOROOT="$goroot" GOTOOLCHAIN=local GOPROXY=off GOFLAGS=-mod=mod \
	GOCACHE="$GOCD_CACHE/gocache/$v" GOPATH="$GOCD_CACHE/gopath" \
	GOTELEMETRY=off GO111MODULE=on
exec "$goroot/bin/go" "$@"
