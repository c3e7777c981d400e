#!/bin/sh
# mkinitramfs.sh KERNEL_ENV PAYLOAD_DIR OUT: build the lab's initramfs (cpio
# newc, uncompressed) for one kernel: busybox-static, the kernel modules
# that 9p needs (dependencies resolved from modules.dep, decompressed), the
# C library (for cgo test programs), /init, and PAYLOAD_DIR as /gcd.
set -eu
. "$(dirname "$0")/lib.sh"

envf=$1 payload=$2 out=$3
# shellcheck source=/dev/null # a kernel.env written by fetch-kernel.sh
. "$envf"
root="$out.d"
rm -rf "$root"
mkdir -p "$root/bin" "$root/lib/modules" "$root/lib64" \
	"$root/lib/x86_64-linux-gnu" "$root/proc" "$root/sys" "$root/dev"

cp /bin/busybox "$root/bin/busybox"
cp "$GOCD_TOP/scripts/guest/init" "$root/init"
chmod +x "$root/init"

# Modules for 9p over virtio, in load order (dependencies first).
order=""
add_mod() {	# add_mod PATH-RELATIVE-TO-MODDIR
	case " $order " in *" $1 "*) return ;; esac
	deps=$(awk -F': ' -v m="$1" '$1 == m { print $2 }' "$MODDIR/modules.dep")
	for d in $(echo "$deps" | tr ' ' '\n' | tac); do
		add_mod "$d"
	done
	order="$order $1"
}
# fuse: the tests' FUSE file system (tests/kernel/helpers/gcdfuse.c).
for want in 9p 9pnet_virtio virtio_pci fuse; do
	p=$(awk -F: -v w="$want" '{ n = $1; sub(/.*\//, "", n); sub(/\.ko(\.[a-z]+)?$/, "", n)
		if (n == w) { print $1; exit } }' "$MODDIR/modules.dep")
	if [ -n "$p" ]; then
		add_mod "$p"
	elif ! grep -q "/$want.ko" "$MODDIR/modules.builtin"; then
		die "kernel $KVER: module $want is neither a module nor built in"
	fi
done
: > "$root/lib/modules/load-order"
for m in $order; do
	base=${m##*/}
	case $base in
	*.ko.xz)  xz -dc "$MODDIR/$m" > "$root/lib/modules/${base%.xz}"; base=${base%.xz} ;;
	*.ko.zst) zstd -qdc "$MODDIR/$m" > "$root/lib/modules/${base%.zst}"; base=${base%.zst} ;;
	*.ko)     cp "$MODDIR/$m" "$root/lib/modules/$base" ;;
	esac
	echo "$base" >> "$root/lib/modules/load-order"
done

# The C library, for dynamically linked (cgo) test programs, and the
# shared libraries of the payload's dynamic programs (gocap), as on the host.
libs=$(for b in "$payload"/bin/*; do
	ldd "$b" 2>/dev/null | awk '$2 == "=>" && $3 ~ /^\// { print $3 }'
done | sort -u)
for f in /lib64/ld-linux-x86-64.so.2 /lib/x86_64-linux-gnu/libc.so.6 \
	 /lib/x86_64-linux-gnu/libpthread.so.0 /lib/x86_64-linux-gnu/libm.so.6 \
	 /lib/x86_64-linux-gnu/libdl.so.2 /lib/x86_64-linux-gnu/libresolv.so.2 \
	 $libs; do
	[ -e "$f" ] || continue
	mkdir -p "$root$(dirname "$f")"
	cp -L "$f" "$root$f"
done

cp -a "$payload" "$root/gcd"
(cd "$root" && find . | cpio -o -H newc --quiet) > "$out"
rm -rf "$root"
