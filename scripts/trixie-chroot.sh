#!/bin/sh
# trixie-chroot.sh: a Debian trixie build chroot in the cache (debootstrap,
# minbase, with gcc-14 and pahole 1.30), for building the module against
# trixie-backports' 7.x headers, which need that toolchain.  Idempotent.
# Prints the chroot's path.
#
#   trixie-chroot.sh run KDIR MODDIR: make -C KDIR M=MODDIR modules inside
#   the chroot, with KDIR's and MODDIR's paths bind-mounted at the same
#   place, so the paths the headers hold stay valid.
set -eu
. "$(dirname "$0")/lib.sh"

R="$GOCD_CACHE/trixie-build/root"
if [ ! -x "$R/usr/bin/gcc-14" ] || [ ! -x "$R/usr/bin/pahole" ]; then
	command -v debootstrap >/dev/null || die "debootstrap is missing (scripts/install-deps.sh installs it)"
	rm -rf "$R"
	mkdir -p "$R"
	debootstrap --variant=minbase \
		--include=gcc-14,make,libelf-dev,bc,dwarves,kmod trixie "$R" \
		"$(apt_priv_mirror)" >"$GOCD_CACHE/trixie-build/debootstrap.log" 2>&1 ||
		die "debootstrap of trixie failed: see $GOCD_CACHE/trixie-build/debootstrap.log"
fi
[ "${1:-}" = run ] || { echo "$R"; exit 0; }

kdir=$2 mod=$3
kroot=${kdir%/usr/src/*}
mkdir -p "$R$kroot" "$R$mod" "$R/proc"
umount_all() {
	umount "$R/proc" 2>/dev/null
	umount "$R$mod" 2>/dev/null
	umount "$R$kroot" 2>/dev/null
}
trap umount_all EXIT
mount --bind "$kroot" "$R$kroot"
mount --bind "$mod" "$R$mod"
mount -t proc proc "$R/proc"
chroot "$R" make -C "$kdir" M="$mod" modules
