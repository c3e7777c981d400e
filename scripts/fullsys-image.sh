#!/bin/sh
# fullsys-image.sh: the full-system lab's Debian 12 disk image, built once
# and cached like the kernels (tests/fullsys/run.sh boots a copy of it).
#
#   fullsys-image.sh        print the path of a shell fragment defining
#                           IMAGE (raw ext4, the root file system), VMLINUZ
#                           and INITRD (Debian's own, from its /boot)
#
# The image is `debootstrap --variant=minbase bookworm` plus systemd as
# init, Debian's 6.1 kernel with its headers, dkms, and the libraries the
# project's packages link.  It has no network in the guest, so apt's cache
# in it already holds what the test installs later: bookworm-backports'
# 6.12 kernel and headers, and systemd-coredump.  A unit of its own,
# gocd-lab.service, runs the phase of the test the kernel command line
# names (gcd.phase=N) from the 9p share, then powers off.
#
# The cache key is this file's hash: change the recipe, get a new image.
# Needs root (debootstrap, mounts in a private mount namespace).  The
# chroot sees /proc/sys read-only: maintainer scripts that run sysctl would
# otherwise change the host's core_pattern.
set -eu
. "$(dirname "$0")/lib.sh"

key=$(sha256sum "$0" | cut -c1-12)
dir="$GOCD_CACHE/fullsys/bookworm-$key"
envf="$dir/image.env"
if [ -f "$envf" ]; then
	echo "$envf"
	exit 0
fi
[ "$(id -u)" -eq 0 ] || die "building the image needs root (debootstrap)"
mirror=$(apt_priv_mirror)
secmirror=$(apt_priv_security_mirror)
[ -n "$mirror" ] || die "no Debian mirror in this machine's apt configuration"

rm -rf "$dir"
mkdir -p "$dir"
root="$dir/root"
msg "debootstrap bookworm into $root (about 2 minutes)"
debootstrap --variant=minbase bookworm "$root" "$mirror" > "$dir/debootstrap.log" 2>&1 ||
	die "debootstrap failed: see $dir/debootstrap.log"

{
	echo "deb $mirror bookworm main"
	echo "deb $mirror bookworm-updates main"
	[ -z "$secmirror" ] || echo "deb $secmirror bookworm-security main"
	echo "deb $mirror bookworm-backports main"
} > "$root/etc/apt/sources.list"
# No daemon starts in the chroot.
printf '#!/bin/sh\nexit 101\n' > "$root/usr/sbin/policy-rc.d"
chmod 755 "$root/usr/sbin/policy-rc.d"
echo gocd-lab > "$root/etc/hostname"
echo "/dev/vda / ext4 defaults,errors=remount-ro 0 1" > "$root/etc/fstab"
echo "do_symlinks = yes" > "$root/etc/kernel-img.conf"

# The packages: init and the kernel; what dkms needs to build a module
# (pahole: without it 6.12's kbuild deletes the .ko); the libraries that
# gocap and gocapd link (the guest cannot download them).
pkgs="systemd-sysv udev kmod procps linux-image-amd64 linux-headers-amd64"
pkgs="$pkgs dkms dwarves zstd liburing2 libzstd1 libsqlite3-0 libcap2"
pkgs="$pkgs libjansson4 libelf1 libdw1"
cat > "$root/gocd-setup.sh" <<EOT
set -eu
export DEBIAN_FRONTEND=noninteractive LC_ALL=C.UTF-8
apt-get -q update
apt-get -q -y --no-install-recommends install $pkgs
# For the test, into apt's cache only: the kernel upgrade and
# systemd-coredump.
apt-get -q -y --no-install-recommends -d -t bookworm-backports install linux-image-amd64 linux-headers-amd64
apt-get -q -y --no-install-recommends -d install systemd-coredump
passwd -d root
EOT
msg "installing systemd, the 6.1 kernel, dkms and libraries in the chroot (a few minutes)"
# shellcheck disable=SC2016 # the script's variables are its own
unshare --mount --propagation private sh -eu -c '
	root=$1
	mount -t proc proc "$root/proc"
	mount --bind "$root/proc/sys" "$root/proc/sys"
	mount -o remount,bind,ro "$root/proc/sys"
	mount -t sysfs -o ro sysfs "$root/sys"
	mount --bind /dev "$root/dev"
	mount -t devpts devpts "$root/dev/pts" 2>/dev/null || true
	chroot "$root" sh /gocd-setup.sh
' fullsys "$root" < /dev/null > "$dir/setup.log" 2>&1 ||
	die "installing packages in the chroot failed: see $dir/setup.log"
rm -f "$root/gocd-setup.sh" "$root/usr/sbin/policy-rc.d"

# The test's entry point in the guest: run phase N from the share.
cat > "$root/usr/local/sbin/gocd-lab-boot" <<'EOT'
#!/bin/sh
# gocd-lab-boot: run the full-system lab's phase named by gcd.phase= on the
# kernel command line (tests/fullsys/guest.sh, from the 9p share "gcd"),
# then power off.  Does nothing without gcd.phase=.
phase=$(tr ' ' '\n' < /proc/cmdline | sed -n 's/^gcd\.phase=//p')
[ -n "$phase" ] || exit 0
for m in 9pnet_virtio 9p; do modprobe "$m"; done
mkdir -p /mnt/gcd
mount -t 9p -o trans=virtio,version=9p2000.L,msize=262144 gcd /mnt/gcd || {
	echo "gocd-lab-boot: cannot mount the 9p share" > /dev/console
	systemctl poweroff
	exit 1
}
mkdir -p /mnt/gcd/out
sh /mnt/gcd/guest.sh "$phase" > "/mnt/gcd/out/phase$phase.tap" 2> "/mnt/gcd/out/phase$phase.err"
echo $? > "/mnt/gcd/out/phase$phase.rc"
sync
systemctl poweroff
EOT
chmod 755 "$root/usr/local/sbin/gocd-lab-boot"
cat > "$root/etc/systemd/system/gocd-lab.service" <<'EOT'
[Unit]
Description=gocoredump full-system lab: run the phase named on the command line
After=multi-user.target
ConditionKernelCommandLine=gcd.phase

[Service]
Type=oneshot
ExecStart=/usr/local/sbin/gocd-lab-boot
StandardOutput=journal+console
TimeoutStartSec=infinity

[Install]
WantedBy=multi-user.target
EOT
ln -sf /etc/systemd/system/gocd-lab.service \
	"$root/etc/systemd/system/multi-user.target.wants/gocd-lab.service"

# The boot files, as a boot loader would take them (/vmlinuz, /initrd.img).
cp -L "$root/vmlinuz" "$dir/vmlinuz"
cp -L "$root/initrd.img" "$dir/initrd.img"
msg "making the ext4 image"
rm -f "$dir/root.img"
mkfs.ext4 -q -L gocd-root -d "$root" "$dir/root.img" 6G ||
	die "mkfs.ext4 -d failed"
rm -rf "$root"
cat > "$envf.tmp" <<EOT
IMAGE=$dir/root.img
VMLINUZ=$dir/vmlinuz
INITRD=$dir/initrd.img
EOT
mv "$envf.tmp" "$envf"
echo "$envf"
