#!/bin/sh
# fetch-kernel.sh SERIES: fetch a Debian kernel (image, modules, headers) as
# .debs and unpack them into the cache, without installing anything.
#
#   6.1   bookworm / bookworm-security (the Debian 12 kernel)
#   6.12  bookworm-backports
#   7     trixie-backports (7.x; its headers need a trixie toolchain)
#
# The ABI (6.1.0-56, 6.12.95+deb12, ...) is read from what linux-image-amd64
# depends on in that suite: it moves with security updates and is never
# hard-coded.  Prints the path of a shell fragment defining KVER, VMLINUZ,
# MODDIR (the kernel's /lib/modules/KVER) and KDIR (headers, for kbuild).
set -eu
. "$(dirname "$0")/lib.sh"

series=${1:?usage: fetch-kernel.sh 6.1|6.12|7}
case $series in
6.1)	pat='^6\.1\.[0-9]+-[0-9]+$' ;;
6.12)	pat='^6\.12\.[0-9]+-[0-9]+~bpo12\+[0-9]+$' ;;
7)	pat='^7\.[0-9]+\.[0-9]+-[0-9]+~bpo13\+[0-9]+$' ;;
*)	die "unknown kernel series '$series' (want 6.1, 6.12 or 7)" ;;
esac

apt_priv_update
# The newest linux-image-amd64 of the series, and the image it depends on.
dep=$(apt_priv_cache show linux-image-amd64 2>/dev/null | awk -v pat="$pat" '
	/^Version:/ { v = $2 }
	/^Depends:/ && v ~ pat {
		for (i = 2; i <= NF; i++)
			if ($i ~ /^linux-image-[0-9]/) { sub(/,$/, "", $i); print v, $i }
	}' | sort -V | tail -n 1)
[ -n "$dep" ] || die "no linux-image-amd64 of series $series in the Debian suites"
kver=${dep#* linux-image-}		# 6.1.0-56-amd64
abi=${kver%-amd64}			# 6.1.0-56

root="$GOCD_CACHE/kernels/$kver"
envf="$root/kernel.env"
if [ ! -f "$envf" ]; then
	rm -rf "$root" "$root.debs"
	case $series in
	7)	pkgs="linux-binary-unsigned-$kver linux-modules-$kver linux-base-$kver
		      linux-headers-$kver linux-headers-$abi-common linux-kbuild-$abi" ;;
	6.12)	pkgs="linux-image-$kver-unsigned linux-headers-$kver
		      linux-headers-$abi-common linux-kbuild-$abi" ;;
	6.1)	pkgs="linux-image-$kver-unsigned linux-headers-$kver
		      linux-headers-$abi-common linux-kbuild-${series}" ;;
	esac
	# shellcheck disable=SC2086
	apt_priv_fetch "$root.debs" $pkgs || die "could not fetch kernel $kver"
	mkdir -p "$root/root"
	for d in "$root.debs"/*.deb; do
		dpkg -x "$d" "$root/root"
	done
	rm -rf "$root.debs"

	r="$root/root"
	vmlinuz="" moddir=""
	for f in "$r"/boot/vmlinuz-"$kver" "$r"/usr/lib/modules/"$kver"/vmlinuz \
		 "$r"/usr/lib/modules/"$kver"/vmlinuz.unsigned; do
		[ -z "$vmlinuz" ] && [ -e "$f" ] && vmlinuz=$f
	done
	for f in "$r"/lib/modules/"$kver" "$r"/usr/lib/modules/"$kver"; do
		[ -z "$moddir" ] && [ -d "$f" ] && moddir=$f
	done
	kdir="$r/usr/src/linux-headers-$kver"
	[ -n "$vmlinuz" ] || die "kernel $kver: no vmlinuz in the packages"
	[ -n "$moddir" ] || die "kernel $kver: no modules directory in the packages"
	[ -f "$kdir/Makefile" ] || die "kernel $kver: no headers in the packages"
	# modules.dep is made at install time: make it here.
	depmod -b "${moddir%/lib/modules/*}" "$kver" ||
		die "kernel $kver: depmod failed"
	# The arch headers' Makefile names itself (7.x: KBUILD_OUTPUT) and the
	# common one by absolute path: point both into the cache.
	sed -i "s|/usr/src/linux-headers-|$r/usr/src/linux-headers-|g" \
		"$kdir/Makefile"
	cat > "$envf.tmp" <<EOT
KSERIES=$series
KVER=$kver
VMLINUZ=$vmlinuz
MODDIR=$moddir
KDIR=$kdir
EOT
	mv "$envf.tmp" "$envf"
fi
echo "$envf"
