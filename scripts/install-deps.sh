#!/bin/sh
# install-deps.sh: install the Debian 12 packages that building, testing and
# the demo need.  Idempotent; installs only what is missing.  Needs root (or
# sudo).  Kernels and Go toolchains are not installed: the lab scripts fetch
# them into a cache with apt-get download + dpkg -x.  The packaging tools
# (debhelper, dh-dkms, lintian, rst2man) build `make deb` and `make man`;
# dkms itself is only their build dependency here, no module is built on
# the host.
set -eu

PKGS="
build-essential make gcc pkg-config
clang libclang-rt-14-dev
libelf-dev libdw-dev liburing-dev libzstd-dev libsqlite3-dev libcap-dev libjansson-dev
shellcheck cppcheck sparse
linux-libc-dev
qemu-system-x86 busybox-static cpio xz-utils zstd kmod dwarves bc
gdb strace elfutils binutils delve panicparse file sqlite3 python3 time debootstrap
debhelper dh-dkms dkms lintian python3-docutils dpkg-dev fakeroot qemu-utils
e2fsprogs libcap2-bin openssl
"
# npm fetches the Go 1.20 programs (scripts/fetch-go120.sh).  A machine whose
# Node.js came from elsewhere has npm already, and Debian's npm conflicts with
# that nodejs: install it only where no npm runs.
command -v npm >/dev/null 2>&1 || PKGS="$PKGS npm"
[ -n "${GOCD_EXTRA_PKGS:-}" ] && PKGS="$PKGS $GOCD_EXTRA_PKGS"

missing=""
for p in $PKGS; do
	s=$(dpkg-query -W -f '${db:Status-Status}' "$p" 2>/dev/null || true)
	[ "$s" = installed ] || missing="$missing $p"
done
[ -z "$missing" ] && exit 0

SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO=sudo
echo "install-deps: installing:$missing" >&2
$SUDO apt-get update -qq
# shellcheck disable=SC2086 # $SUDO may be empty, $missing is a list
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends $missing >/dev/null
