#!/bin/sh
# add-go-release.sh 1.N: teach gocap a new Go release, in one command.
#
#   1. fetch Debian's golang-1.N-go and golang-1.N-src (fetch-go.sh);
#   2. build tests/gocap/go/crasher with DWARF by every release's toolchain
#      and regenerate userland/go/golayout_table.c from them (the layouts
#      of the releases already known must come out unchanged);
#   3. regenerate userland/go/gowaitreasons.c from every release's
#      runtime/runtime2.go;
#   4. add 1.N to the release list of userland/go/govers.c and to the
#      "Go releases gocap reads:" lists of the documents;
#   5. rebuild and run the oracle matrix for 1.N alone
#      (GOCD_GOCAP_VERSIONS=1.N tests/gocap/host.sh).
# A release whose runtime prints something new fails step 5: that needs a
# new trait in govers (Documentation/gocap.rst, "Adding a Go release").
# Go 1.20 has no Debian toolchain: its entries come from the real Go 1.20
# executables of scripts/fetch-go120.sh (type descriptors, checked by
# tests/gocap120/host.sh, and runtime.waitReasonStrings).
# Leaves the changes in the working tree for review; run make check after.
#
# add-go-release.sh --regen: steps 2 and 3 alone, for the releases already
# known (after a field was added to golayout.h's GOLAYOUT_FIELDS).
set -eu
. "$(dirname "$0")/lib.sh"

new=${1:?usage: add-go-release.sh 1.N | --regen}
GOVERS=$GOCD_TOP/userland/go/govers.c
known=$(sed -n 's/^static const int releases\[\] = { \(.*\) };$/\1/p' "$GOVERS" | tr -d ,)
[ -n "$known" ] || die "$GOVERS: no release list found"
if [ "$new" = --regen ]; then
	minor=""
else
	case $new in 1.[0-9]*) ;; *) die "a release is 1.N, not \"$new\"" ;; esac
	minor=${new#1.}
	case " $known " in *" $minor "*) die "Go $new is already known" ;; esac
fi
# shellcheck disable=SC2086 # the known releases, a list
all=$(printf '%s\n' $known $minor | sort -n | tr '\n' ' ')

msg "fetching the toolchains"
for m in $all; do
	[ "$m" = 20 ] && continue
	"$GOCD_TOP/scripts/fetch-go.sh" "1.$m" > /dev/null
done
go120=$("$GOCD_TOP/scripts/fetch-go120.sh")
make -C "$GOCD_TOP/userland" B="$GOCD_BUILD" all > /dev/null

W=$(mktemp -d /tmp/add-go-release.XXXXXX)
trap 'rm -rf "$W"' EXIT
layouts="" srcs=""
for m in $all; do
	if [ "$m" = 20 ]; then
		layouts="$layouts $m=$W/entry-20.c"
		srcs="$srcs $go120/go-turbo:20"
		continue
	fi
	msg "building the crasher with Go 1.$m"
	(cd "$GOCD_TOP/tests/gocap/go" && CGO_ENABLED=0 \
	 "$GOCD_TOP/scripts/go.sh" "1.$m" build -o "$W/crasher-$m" ./crasher)
	layouts="$layouts $m=$W/crasher-$m"
	srcs="$srcs $GOCD_CACHE/go/1.$m/usr/share/go-1.$m/src:$m"
done
# Go 1.20's fields that have no type descriptor (schedt's) are those
# 1.19 and 1.21 agree on, or the run fails.
"$GOCD_BUILD/bin/gocap" layout --exe "$W/crasher-19" > "$W/layout-19"
"$GOCD_BUILD/bin/gocap" layout --exe "$W/crasher-21" > "$W/layout-21"
python3 "$GOCD_TOP/tests/gocap120/typelayout.py" "$go120/go-turbo" \
	--c-table 20 --else "$W/layout-19" "$W/layout-21" > "$W/entry-20.c"
# shellcheck disable=SC2086 # lists of arguments
GOCAP=$GOCD_BUILD/bin/gocap sh "$GOCD_TOP/tests/gocap/gen-layout-table.sh" \
	$layouts > "$GOCD_TOP/userland/go/golayout_table.c"
# shellcheck disable=SC2086
python3 "$GOCD_TOP/tests/gocap/gen-waitreasons.py" $srcs \
	> "$GOCD_TOP/userland/go/gowaitreasons.c"

[ -n "$minor" ] || { msg "tables regenerated for Go releases $all"; exit 0; }
list=$(echo "$all" | sed 's/ $//; s/ /, /g')
sed -i "s/^static const int releases\[\] = { .* };$/static const int releases[] = { $list };/" "$GOVERS"
# The documents' lists, one line or wrapped: rewrite the versions that
# follow the anchor.
python3 - "$GOCD_TOP" "$all" <<'EOF'
import glob, re, sys
top, minors = sys.argv[1], sys.argv[2].split()
text = ', '.join('1.' + m for m in minors)
for f in [top + '/README.md'] + glob.glob(top + '/Documentation/*.rst'):
    s = open(f).read()
    t = re.sub(r'(Go releases gocap reads:)\s*1\.\d+(?:,\s*1\.\d+)*',
               lambda m: m.group(1) + ' ' + text, s)
    if t != s:
        open(f, 'w').write(t)
EOF

make -C "$GOCD_TOP/userland" B="$GOCD_BUILD" all > /dev/null
msg "the oracle matrix for Go $new"
GOCD_GOCAP_VERSIONS=$new "$GOCD_TOP/tests/gocap/host.sh"
