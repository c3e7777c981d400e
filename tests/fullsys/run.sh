#!/bin/sh
# run.sh: the full-system lab, `make check-fullsys` (scripts/check.sh,
# stage "fullsys", not run by `make check`), TAP on stdout, progress on
# stderr.
#
# The project where it will really live: a Debian 12 system with systemd,
# journald, apt, DKMS, a kernel upgrade and reboots.  The disk image is
# scripts/fullsys-image.sh's (debootstrap'd once, cached); each run boots a
# fresh copy of it under QEMU/TCG from Debian's own kernel and initramfs,
# four times (tests/fullsys/guest.sh says what each boot checks):
#
#   1  apt installs the packages `make deb` built
#   2  after the reboot: module, daemon, doctor, the opt-in drop-ins, a
#      crash captured and read back, an upgrade during a dump, the 6.12
#      kernel installed
#   3  on 6.12: DKMS's module loaded, a second crash, systemd-coredump
#   4  after the reboot: gocapd still owns core_pattern; removal and purge
#
# The guest's results come out over a 9p share (build/fullsys/share/out).
# Then the host checks what needs the source tree: gocap goroutines of each
# crash against the runtime's traceback read back from the journal
# (tests/gocap/oracle.py, 100%), and every boot's kernel log for oops, WARN
# or BUG.  "Reboot" is a power cycle: the guest powers off, and the host
# boots the kernel and initramfs the guest's /vmlinuz and /initrd.img
# name, as a boot loader would.
set -u
. "$(dirname "$0")/../../scripts/lib.sh"

W="$GOCD_BUILD/fullsys"
SH="$W/share"
PHASES=${GOCD_FULLSYS_PHASES:-"1 2 3 4"}
N=0
ok() { N=$((N + 1)); echo "ok $N $*"; }
notok() { N=$((N + 1)); echo "not ok $N $*"; }
finish() { echo "# full-system lab: $(( ($(date +%s) - t0 + 30) / 60 )) min"; echo "1..$N"; exit 0; }
t0=$(date +%s)

rm -rf "$W"
mkdir -p "$SH/debs" "$SH/bin" "$SH/out"

msg "make deb"
if "$GOCD_TOP/scripts/make-deb.sh" > "$W/make-deb.log" 2>&1; then
	ok "make deb: gocoredump-dkms, gocapd and gocap built, lintian clean"
else
	notok "make deb (see $W/make-deb.log)"; sed 's/^/# /' "$W/make-deb.log" | tail -20
	finish
fi
cp "$GOCD_BUILD"/deb/gocoredump-dkms_*_all.deb "$GOCD_BUILD"/deb/gocapd_*_amd64.deb \
	"$GOCD_BUILD"/deb/gocap_*_amd64.deb "$SH/debs/"

msg "the Debian 12 image (built once, about 6 minutes, then cached)"
if envf=$(fullsys_image 2> "$W/image.log"); then
	ok "Debian 12 disk image with systemd, 6.1 and dkms (cached)"
else
	notok "build the Debian 12 disk image (see $W/image.log)"; sed 's/^/# /' "$W/image.log" | tail -20
	finish
fi
# shellcheck source=/dev/null # an image.env written by fullsys-image.sh
. "$envf"

if (cd "$GOCD_TOP/tests/fullsys/go" && CGO_ENABLED=0 \
	"$GOCD_TOP/scripts/go.sh" 1.22 build -o "$SH/bin/service" ./service) > "$W/go.log" 2>&1; then
	ok "build the Go service (Go 1.22)"
else
	notok "build the Go service (see $W/go.log)"; finish
fi
cp "$GOCD_TOP/tests/fullsys/guest.sh" "$SH/guest.sh"
# A throw-away signing key for the Secure Boot check of boot 4 (the guest
# has no openssl): what DKMS's MOK key would be.
mkdir -p "$SH/mok"
openssl req -new -x509 -newkey rsa:2048 -nodes -days 36500 -subj "/CN=gocoredump lab/" \
	-keyout "$SH/mok/key.pem" -outform DER -out "$SH/mok/cert.der" > "$W/openssl.log" 2>&1 ||
	{ notok "make a signing key (see $W/openssl.log)"; finish; }
cp --sparse=always "$IMAGE" "$W/disk.img" || { notok "copy the disk image"; finish; }

for p in $PHASES; do
	msg "boot $p of the guest (QEMU/TCG, systemd)"
	s=$(date +%s)
	"$GOCD_TOP/scripts/fullsys-boot.sh" "$W" "$p"
	q=$?
	secs=$(( $(date +%s) - s ))
	if [ $q -ne 0 ]; then
		notok "boot $p: the guest did not finish its phase (status $q, $secs s; console $W/console-$p.log)"
		tail -15 "$W/console-$p.log" | sed 's/^/# /'
		[ -f "$SH/out/phase$p.tap" ] && sed 's/^/# guest: /' "$SH/out/phase$p.tap"
		break
	fi
	ok "boot $p: the guest ran its phase and powered off ($secs s)"
	while IFS= read -r line; do
		case $line in
		"ok "*) ok "boot $p: ${line#ok }" ;;
		"not ok "*) notok "boot $p: ${line#not ok }" ;;
		*) echo "$line" ;;
		esac
	done < "$SH/out/phase$p.tap"
done

# gocap goroutines against the runtime's own traceback, from the journal.
for c in 1 2; do
	[ -f "$SH/out/trace-$c.txt" ] || continue
	sed -n '/^panic: /,$p' "$SH/out/trace-$c.txt" > "$W/trace-$c.panic"
	if python3 "$GOCD_TOP/tests/gocap/oracle.py" "$W/trace-$c.panic" \
		"$SH/out/gocap-$c.txt" > "$W/oracle-$c.txt" 2>&1; then
		ok "crash $c: gocap goroutines matches the runtime's traceback from the journal, 100% ($(head -1 "$W/oracle-$c.txt"))"
	else
		notok "crash $c: gocap goroutines matches the runtime's traceback from the journal"
		sed 's/^/# /' "$W/oracle-$c.txt" | head -30
	fi
done

# Every boot's kernel log.
if ls "$SH"/out/kmsg-*.txt > /dev/null 2>&1; then
	if grep -nE 'Oops|WARNING:|BUG:|general protection fault|Call Trace:' "$SH"/out/kmsg-*.txt > "$W/oops.txt"; then
		notok "the journal's kernel log of every boot has no oops, WARN or BUG"
		head -30 "$W/oops.txt" | sed 's/^/# /'
	else
		ok "the journal's kernel log of every boot has no oops, WARN or BUG ($(find "$SH/out" -name "kmsg-*.txt" | wc -l) boots)"
	fi
fi
finish
