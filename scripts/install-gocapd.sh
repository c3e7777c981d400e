#!/bin/sh
# install-gocapd.sh: install gocapd as the system's core_pattern handler.
#
#   install-gocapd.sh [--socket-mode] [--enable] [DESTDIR]
#
# Installs build/bin/gocapd to $DESTDIR/usr/local/sbin, the systemd unit,
# a commented /etc/gocapd.conf (kept if present) and
# /etc/sysctl.d/50-gocapd.conf holding:
#   kernel.core_pattern=|/usr/local/sbin/gocapd --pipe %P %i %I %s %t %u %g %c %h %e
#   kernel.core_pipe_limit=64
# core_pipe_limit must be non-zero: it makes the kernel keep the crashed
# process until gocapd has read /proc/PID, and bounds how many crashes are
# captured at once (above it the kernel skips the dump).
#
# --socket-mode: use the kernel's coredump socket instead (Linux 6.16+):
#   kernel.core_pattern=@@/run/gocapd/coredump.sock
# and start the daemon with --coredump-socket ... --coredump-request.
# --enable: also apply the sysctls and enable/start the unit.  Without it
# nothing on the running system changes (files only), so the script can be
# tried with a DESTDIR.
set -eu
TOP=$(cd "$(dirname "$0")/.." && pwd)
socket_mode=0 enable=0 dest=""
for a in "$@"; do
	case $a in
	--socket-mode) socket_mode=1 ;;
	--enable) enable=1 ;;
	-*) echo "install-gocapd: unknown option $a" >&2; exit 2 ;;
	*) dest=$a ;;
	esac
done
bin=$TOP/build/bin/gocapd
[ -x "$bin" ] || { echo "install-gocapd: $bin missing: run make userland first" >&2; exit 1; }
sbindir=/usr/local/sbin
install -D -m 0755 "$bin" "$dest$sbindir/gocapd"
if [ $socket_mode = 1 ]; then
	sockargs="--coredump-socket /run/gocapd/coredump.sock --coredump-request"
	pattern="@@/run/gocapd/coredump.sock"
else
	sockargs=""
	pattern="|$sbindir/gocapd --pipe %P %i %I %s %t %u %g %c %h %e"
fi
mkdir -p "$dest/etc/systemd/system" "$dest/etc/sysctl.d"
sed -e "s|@SBINDIR@|$sbindir|" -e "s|@SOCKET_ARGS@|$sockargs|" \
	"$TOP/userland/gocapd/gocapd.service" > "$dest/etc/systemd/system/gocapd.service"
if [ ! -e "$dest/etc/gocapd.conf" ]; then
	install -m 0644 "$TOP/userland/gocapd/gocapd.conf" "$dest/etc/gocapd.conf"
fi
"$dest$sbindir/gocapd" --check-config --config "$dest/etc/gocapd.conf" > /dev/null
cat > "$dest/etc/sysctl.d/50-gocapd.conf" <<EOT
# gocapd (Documentation/gocapd.rst)
kernel.core_pattern=$pattern
kernel.core_pipe_limit=64
EOT
if [ $enable = 1 ]; then
	[ -z "$dest" ] || { echo "install-gocapd: --enable with a DESTDIR makes no sense" >&2; exit 2; }
	systemctl daemon-reload
	systemctl enable --now gocapd.service
	# the socket must exist before the kernel is told to use it
	sysctl -q -p /etc/sysctl.d/50-gocapd.conf
fi
echo "install-gocapd: installed into ${dest:-/}${dest:+ }(core_pattern: $pattern)"
