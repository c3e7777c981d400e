#!/bin/sh
# lab-run.sh [KVER...]: run tests/gocapd/guest.sh in the VM lab by hand,
# with the lab's own scripts (mkinitramfs.sh, vm.sh) and kernels already
# fetched into the cache (default: every one there).  Builds the payload
# the suite needs (see guest.sh) in build/lab-gocapd/, prints each
# kernel's TAP.  Until lab.sh runs the suite itself, this is how it is run.
set -u
. "$(dirname "$0")/../../scripts/lib.sh"
L=$GOCD_BUILD/lab-gocapd
P=$L/payload
rm -rf "$P"
mkdir -p "$P/bin" "$P/suites"
make -C "$GOCD_TOP/userland" B="$GOCD_BUILD" \
	GOCD_KSELFTEST="$("$GOCD_TOP/scripts/fetch-kselftest.sh")" all >/dev/null || die "build failed"
cp "$GOCD_BUILD/bin/gocapd-static" "$P/bin/gocapd"
cp "$GOCD_TOP/tests/gocapd/guest-tee.sh" "$P/bin/gocapd-tee"
gcc -std=gnu11 -O2 -g -Wall -Wextra -Werror -D_GNU_SOURCE -static \
	-o "$P/bin/memsnap" "$GOCD_TOP/tests/gocapd/memsnap.c" || die "memsnap build failed"
cp "$GOCD_TOP/tests/gocapd/guest.sh" "$P/suites/gocapd"
(cd "$GOCD_TOP/tests/gocapd/go" &&
 CGO_ENABLED=0 "$GOCD_TOP/scripts/go.sh" 1.22 build -o "$P/bin/crasher" ./crasher) || die "Go build failed"
chmod +x "$P/bin/"* "$P/suites/"*
[ $# -gt 0 ] || set -- $(ls "$GOCD_CACHE/kernels")
rc=0
for k in "$@"; do
	env=$GOCD_CACHE/kernels/$k/kernel.env
	[ -f "$env" ] || { msg "no kernel $k in the cache (scripts/fetch-kernel.sh)"; rc=1; continue; }
	# the module, when lab.sh built it for this kernel
	rm -f "$P/gocoredump.ko"
	for d in "$GOCD_BUILD"/lab/*/; do
		[ "$(cat "$d/kernel.env" 2>/dev/null | sed -n 's/^KVER=//p')" = "$k" ] &&
			[ -f "$d/payload/gocoredump.ko" ] && cp "$d/payload/gocoredump.ko" "$P/"
	done
	"$GOCD_TOP/scripts/mkinitramfs.sh" "$env" "$P" "$L/initramfs-$k" || { rc=1; continue; }
	"$GOCD_TOP/scripts/vm.sh" "$env" "$L/initramfs-$k" gocapd "$L/out-$k" 1200 2048 || rc=1
	echo "# === $k"
	cat "$L/out-$k/gocapd.tap"
done
exit $rc
