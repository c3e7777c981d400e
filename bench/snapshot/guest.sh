#!/bin/sh
# guest.sh PHASE: the snapshot benchmark in the full-system guest
# (bench/snapshot/run.sh --guest; the guest side of scripts/fullsys-boot.sh).
#
# The guest's kernel is Debian's, which keeps soft-dirty bits (the machine
# running the lab may not).  The tools measured are the host's: its root
# file system is the 9p share "hostroot", mounted read-only on /mnt/host,
# and bench/snapshot/run.sh runs in a chroot of it (the host's gocap build,
# gdb and delve, with the libraries they were built against), with the
# guest's /proc, /sys and /dev, a tmpfs on /run, and its work directory
# (also HOME and TMPDIR) on the guest's own disk.  Prints run.sh's table,
# then "ok bench"; run.sh's progress goes to stderr (share/out/
# phase1.err).
set -u
S=/mnt/gcd
H=/mnt/host
# shellcheck source=/dev/null # written by run.sh --guest
. "$S/env"
mkdir -p "$H"
mount -t 9p -o trans=virtio,version=9p2000.L,msize=262144,ro hostroot "$H" ||
	{ echo "not ok bench: cannot mount the host's root file system"; exit 1; }
for d in proc sys dev dev/pts; do
	mount --bind "/$d" "$H/$d" || { echo "not ok bench: cannot bind /$d"; exit 1; }
done
mount -t tmpfs tmpfs "$H/run" || { echo "not ok bench: cannot mount a tmpfs on /run"; exit 1; }
mkdir -p /var/tmp/bench
cp "$S/pausewatch" /var/tmp/bench/
mount --bind /var/tmp/bench "$H$WORK" ||
	{ echo "not ok bench: cannot bind the work directory on $WORK"; exit 1; }
echo "# guest kernel $(uname -r), $(nproc) CPUs, $(awk '/MemTotal/ { print int($2 / 1024) }' /proc/meminfo) MiB"
# shellcheck disable=SC2086 # CONFIGS is a list
chroot "$H" env HOME="$WORK" TMPDIR="$WORK" GOCD_TOP="$GOCD_TOP" GOCD_BUILD="$GOCD_BUILD" GOCD_CACHE="$GOCD_CACHE" \
	GOCD_SNAPSHOT_METHODS="$METHODS" GOCD_SNAPSHOT_IN_GUEST="$WORK" sh "$GOCD_TOP/bench/snapshot/run.sh" \
	"$REPS" $CONFIGS || { echo "not ok bench: run.sh failed ($?)"; exit 1; }
echo "ok bench"
