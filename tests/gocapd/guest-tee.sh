#!/bin/sh
# shellcheck shell=dash # runs under the guest's busybox sh
# guest-tee.sh: a core_pattern wrapper for the VM lab only.  It computes the
# SHA-256 of exactly the bytes the kernel writes (and, when /tmp/tee/copy
# exists, keeps a copy of them), then passes the same bytes on to
# `gocapd --pipe` with the same arguments:
#   |/gcd/bin/gocapd-tee %P %i %I %s %t %u %g %c %h %e
# The checksum is the oracle of guest.sh's byte-exact test.
d=/tmp/tee
mkdir -p "$d"
rm -f "$d/fifo.$1"
mkfifo "$d/fifo.$1"
sha256sum < "$d/fifo.$1" | cut -d' ' -f1 > "$d/sum.$1.tmp" &
if [ -e "$d/copy" ]; then
	tee "$d/fifo.$1" "$d/core.$1" | /gcd/bin/gocapd --pipe "$@"
else
	tee "$d/fifo.$1" | /gcd/bin/gocapd --pipe "$@"
fi
wait
mv "$d/sum.$1.tmp" "$d/sum.$1"
rm -f "$d/fifo.$1"
