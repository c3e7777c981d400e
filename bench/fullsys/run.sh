#!/bin/sh
# bench/fullsys/run.sh [REPS [HEAP_MIB]]: crash-to-exit on the full system.
#
# The time from a crash to the moment the crashed service's process is
# gone (so that systemd can restart it), for a Go service holding HEAP_MIB
# (default 2048) MiB of heap, every page written, under four core
# handlers measured in the same run, REPS (default 3) rounds each, the
# handlers alternating within a round (backwards in every other round, so
# that no handler always runs first or after the same one):
#
#   file              the kernel writes the core to a file (no handler)
#   gocapd-raw        gocapd's pipe, Storage=raw (sparse file)
#   gocapd-zstd       gocapd's pipe, Storage=zstd (compressed while it
#                     arrives, CompressLevel=3)
#   systemd-coredump  Debian 12's (252), its own core_pattern, size limits
#                     lifted (its default ProcessSizeMax=2G keeps no core)
#
# The guest is the full-system lab's (scripts/fullsys-image.sh; disk grown
# to 16 GiB, 6 GiB of memory), with the packages of `make deb` installed and
# gocoredump.ko loaded at boot; bench/fullsys/guest.sh does the measuring:
# the crash is the SIGUSR1 that makes the service panic under
# GOTRACEBACK=crash, the end is /proc/PID gone (polled every 10 ms).  QEMU
# runs under TCG, so the absolute times are those of an emulated machine;
# the ratios between handlers are the figures to read.  Prints a Markdown
# table (bench/README.md has the last one).  Root; about 30 minutes.
set -u
. "$(dirname "$0")/../../scripts/lib.sh"
REPS=${1:-3}
HEAP=${2:-2048}
# HANDLERS (environment): the handlers to measure, default the four above;
# pipe-dd is the barest pipe handler (dd of=FILE bs=1M), what a pipe and a
# read/write copy cost without any handler logic; pipe-splice
# (bench/fullsys/pipe-splice.c) the barest without the copy through user
# space: splice(2) from the pipe into the file; pipe-splice-wait the same,
# sleeping 2 ms after every splice under 256 KiB (fewer wake-ups).
HANDLERS=${HANDLERS:-"file gocapd-raw gocapd-zstd systemd-coredump"}
W="$GOCD_BUILD/bench-fullsys"
rm -rf "$W"
mkdir -p "$W/share/debs" "$W/share/bin" "$W/share/out"
"$GOCD_TOP/scripts/make-deb.sh" > "$W/make-deb.log" 2>&1 || die "make deb failed: $W/make-deb.log"
cp "$GOCD_BUILD"/deb/gocoredump-dkms_*_all.deb "$GOCD_BUILD"/deb/gocapd_*_amd64.deb \
	"$GOCD_BUILD"/deb/gocap_*_amd64.deb "$W/share/debs/"
envf=$(fullsys_image) || die "no full-system image"
# shellcheck source=/dev/null # an image.env written by fullsys-image.sh
. "$envf"
(cd "$GOCD_TOP/tests/fullsys/go" && CGO_ENABLED=0 \
	"$GOCD_TOP/scripts/go.sh" 1.22 build -o "$W/share/bin/service" ./service) ||
	die "cannot build the Go service"
gcc -O2 -Wall -Wextra -Werror -static -o "$W/share/bin/pipe-splice" \
	"$GOCD_TOP/bench/fullsys/pipe-splice.c" || die "cannot build pipe-splice"
cp "$GOCD_TOP/bench/fullsys/guest.sh" "$W/share/"
echo "$HANDLERS" > "$W/share/handlers"
echo "$REPS" > "$W/share/reps"
echo "$HEAP" > "$W/share/heap_mib"
cp --sparse=always "$IMAGE" "$W/disk.img"
truncate -s 16G "$W/disk.img"
e2fsck -fp "$W/disk.img" > /dev/null 2>&1
resize2fs "$W/disk.img" > "$W/resize.log" 2>&1 || die "resize2fs failed: $W/resize.log"
for p in 1 2; do
	msg "boot $p"
	GOCD_FULLSYS_TIMEOUT=7200 "$GOCD_TOP/scripts/fullsys-boot.sh" "$W" "$p" 6144 ||
		die "boot $p failed (status $?): $W/console-$p.log, $W/share/out/"
done
grep -q '^ok bench' "$W/share/out/phase2.tap" || die "the benchmark did not finish: $W/share/out/phase2.tap"
grep '^#' "$W/share/out/phase2.tap"
awk '
/^RESULT / { t[$2] = t[$2] " " $4; n[$2]++; size[$2] = $5; st[$2] = $6 }
function median(list,    a, k, i, j, x) {
	k = split(list, a, " ")
	for (i = 2; i <= k; i++) { x = a[i]; for (j = i - 1; j >= 1 && a[j] > x; j--) a[j + 1] = a[j]; a[j + 1] = x }
	return k % 2 ? a[(k + 1) / 2] : (a[k / 2] + a[k / 2 + 1]) / 2
}
END {
	f = median(t["file"])
	print "| handler | runs (s) | median (s) | × file | core bytes |"
	print "|---|---|---|---|---|"
	nh = split(handlers, hs, " ")
	for (i = 1; i <= nh; i++) {
		h = hs[i]; m = median(t[h])
		printf "| %s | %s | %.2f | %.2f | %s %s |\n", h, t[h], m, m / f, size[h], st[h]
	}
}' handlers="$HANDLERS" "$W/share/out/phase2.tap"
