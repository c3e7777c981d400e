#!/bin/sh
# guest.sh PHASE: one boot of the full-system lab, run in the Debian 12
# guest by gocd-lab.service (scripts/fullsys-image.sh) from the 9p share
# mounted on /mnt/gcd.  Prints "ok DESC" / "not ok DESC" lines (the host,
# tests/fullsys/run.sh, numbers them into TAP) and "# ..." diagnostics.
# Each phase ends with the guest powering off; the host boots the kernel
# the guest's /vmlinuz names (copied to /mnt/gcd/boot, as a boot loader
# would take it) for the next one.
#
#   1  6.1, fresh: install the three .debs with apt; a Go service unit
#      without GOTRACEBACK or LimitCORE
#   2  6.1 after a reboot: module loaded at boot, gocapd running, doctor
#      flags the service (exit 1), and not its GOTRACEBACK while the
#      module's gotraceback knob is crash; the opt-in drop-ins enabled: doctor
#      exit 0, the service crashes, gocap list/info/goroutines; gocapd
#      reinstalled while a dump is in flight; the 6.12 kernel installed
#   3  6.12 after a reboot: DKMS built the module, it is loaded, a second
#      crash is captured; systemd-coredump installed, gocapd keeps
#      core_pattern
#   4  6.12 after a reboot: gocapd still owns core_pattern; gocapd removed:
#      systemd-coredump's again, doctor exit 1; purge removes the store;
#      doctor under (a stand-in for) lockdown with the module unsigned and
#      signed; gocoredump-dkms removed
set -u
phase=$1
S=/mnt/gcd
O=$S/out
export DEBIAN_FRONTEND=noninteractive PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
SVC=gocd-service.service
BIG=gocd-big.service

t() {	# t DESC CMD...: one test (its output, live, in out/current.txt)
	d=$1; shift
	t_start=$(date +%s)
	if "$@" > "$O/current.txt" 2>&1; then
		echo "ok $d"
	else
		echo "not ok $d"
		sed 's/^/# /' "$O/current.txt" | head -30
	fi
	t_secs=$(( $(date +%s) - t_start ))
	# where the lab's time goes (the steps that take more than a few seconds)
	[ "$t_secs" -lt 20 ] || echo "# took ${t_secs} s: $d"
	{ echo "=== $d (${t_secs} s)"; cat "$O/current.txt"; } >> "$O/log-$phase.txt"
}
note() { echo "# $*"; }
eq() { [ "$1" = "$2" ] || { echo "got '$1', want '$2'"; return 1; }; }
pattern_is_gocapd() { grep -q '^|/usr/sbin/gocapd --pipe ' /proc/sys/kernel/core_pattern; }
kver() { uname -r; }
# wait_for SECS CMD...: until CMD succeeds
wait_for() {
	n=$1; shift
	while [ "$n" -gt 0 ]; do
		"$@" > /dev/null 2>&1 && return 0
		sleep 1; n=$((n - 1))
	done
	"$@"
}
# doctor_rc: gocap doctor's exit status, its JSON kept in $O
doctor_rc() {
	gocap doctor --json > "$O/doctor-$1.json" 2>&1
	echo $? > "$O/doctor-$1.rc"
	gocap doctor > "$O/doctor-$1.txt" 2>&1
	cat "$O/doctor-$1.rc"
}
# doctor_says TAG LEVEL UNIT WORDS: a finding in doctor-TAG.json
doctor_says() {
	grep -q "\"level\": \"$2\"" "$O/doctor-$1.json" || return 1
	tr -d '\n' < "$O/doctor-$1.json" | sed 's/},/}\n/g' |
		grep "\"level\": \"$2\"" | grep "\"unit\": \"$3\"" > /tmp/said ||
		[ -z "$3" ] && tr -d '\n' < "$O/doctor-$1.json" | sed 's/},/}\n/g' |
		grep "\"level\": \"$2\"" > /tmp/said
	grep -q "$4" /tmp/said
}
# crash UNIT N: crash the service, wait until gocapd has stored N dumps
crash() {
	systemctl kill -s USR1 "$1"
	wait_for 60 sh -c "! systemctl is-active -q $1"
	wait_for 300 sh -c "[ \$(gocap list --json 2>/dev/null | grep -c '\"id\"') -ge $2 ]"
}
# last_id: the newest dump's id
last_id() { gocap list -r --json | sed -n 's/.*"id": *\([0-9]*\).*/\1/p' | head -1; }
export_journal() {
	journalctl -k -b -o short-monotonic > "$O/kmsg-$phase.txt" 2>&1
	journalctl -b -o short-monotonic > "$O/journal-$phase.txt" 2>&1
}
# boot_next: what the next boot runs, as a boot loader takes it
boot_next() {
	mkdir -p "$S/boot"
	cp -L /vmlinuz "$S/boot/vmlinuz.new" && cp -L /initrd.img "$S/boot/initrd.img.new" &&
		mv "$S/boot/vmlinuz.new" "$S/boot/vmlinuz" && mv "$S/boot/initrd.img.new" "$S/boot/initrd.img"
}
store_status() {	# store_status ID: the dump's status (complete, ...)
	# the first "status": the dump's own comes before the annotation's
	# (whose pid_check has one too); keys keep their order
	gocap info "$1" --json | tr -d '\n ' | grep -o '"status":"[a-z-]*"' |
		head -1 | sed 's/.*:"\(.*\)"/\1/'
}

uptime_at_start=$(cut -d. -f1 /proc/uptime)
echo "# phase $phase starts ${uptime_at_start} s after the kernel started"
case $phase in
1)
	t "6.1: booted Debian's kernel $(kver) with systemd as init" eq "$(readlink -f /proc/1/exe)" /usr/lib/systemd/systemd
	note "core_pattern before: $(cat /proc/sys/kernel/core_pattern)"
	t "the kernel's default core_pattern before gocapd" eq "$(cat /proc/sys/kernel/core_pattern)" core
	# The service: no GOTRACEBACK, no LimitCORE (systemd's soft 0).
	install -m 0755 "$S/bin/service" /usr/local/bin/gocd-service
	cat > /etc/systemd/system/$SVC <<'EOT'
[Unit]
Description=gocoredump lab: a Go service as Debian would run it

[Service]
ExecStart=/usr/local/bin/gocd-service

[Install]
WantedBy=multi-user.target
EOT
	cat > /etc/systemd/system/$BIG <<'EOT'
[Unit]
Description=gocoredump lab: a Go service with a large heap (upgrade test)

[Service]
ExecStart=/usr/local/bin/gocd-service -heap-mib 512
EOT
	systemctl enable -q $SVC
	# Only for the test's speed under TCG: an initramfs of the modules this
	# machine needs, not of most of them, when the 6.12 kernel is installed.
	sed -i 's/^MODULES=most/MODULES=dep/' /etc/initramfs-tools/initramfs.conf
	t "apt installs gocoredump-dkms, gocapd and gocap from the built .debs" \
		apt-get install -y -q --no-install-recommends "$S"/debs/gocoredump-dkms_*.deb \
		"$S"/debs/gocapd_*_amd64.deb "$S"/debs/gocap_*_amd64.deb
	t "DKMS built and installed the module for $(kver)" sh -c "dkms status -m gocoredump -k $(kver) | grep -q installed"
	t "the postinst loaded the module" test -e /sys/kernel/gocoredump/enabled
	t "the postinst made core_pattern gocapd's" pattern_is_gocapd
	t "core_pipe_limit is 64" eq "$(cat /proc/sys/kernel/core_pipe_limit)" 64
	t "gocapd.service is enabled and running" systemctl is-active -q gocapd
	t "man pages are installed" test -e /usr/share/man/man1/gocap.1.gz -a -e /usr/share/man/man8/gocapd.8.gz -a -e /usr/share/man/man5/gocapd.conf.5.gz -a -e /usr/share/man/man4/gocoredump.4.gz
	# A knob's initial value from modprobe.d, seen after the reboot.
	echo "options gocoredump max_forced_mb=300" >> /etc/modprobe.d/gocoredump.conf
	export_journal
	boot_next
	;;
2)
	t "6.1 after the reboot: gocoredump.ko was loaded at boot (modules-load.d)" sh -c 'test -e /sys/kernel/gocoredump/enabled && journalctl -k -b | grep -q "gocoredump: loaded"'
	t "the knob set in /etc/modprobe.d took effect (max_forced_mb=300)" eq "$(cat /sys/kernel/gocoredump/max_forced_mb 2>&1)" 300
	t "gocapd is running" systemctl is-active -q gocapd
	t "core_pattern is gocapd's after the reboot" pattern_is_gocapd
	t "the Go service is running" wait_for 30 systemctl is-active -q $SVC
	rc=$(doctor_rc before)
	t "doctor exits 1: the service would lose its crash (exit status $rc)" [ "$rc" = 1 ]
	t "doctor flags $SVC: GOTRACEBACK not set" doctor_says before lost $SVC "GOTRACEBACK is not set"
	t "doctor flags $SVC: RLIMIT_CORE 0 (no LimitCORE)" doctor_says before warn $SVC "RLIMIT_CORE is 0"
	t "doctor's fixes name the unit and the opt-in drop-ins" grep -q "systemctl edit $SVC.*61-gocapd-gotraceback.conf" "$O/doctor-before.txt"
	sed 's/^/# /' "$O/doctor-before.txt"
	# The module's gotraceback knob instead of the service's environment
	# (then back to off: the crashes below are GOTRACEBACK=crash's).
	echo crash > /sys/kernel/gocoredump/gotraceback
	doctor_rc knob > /dev/null
	t "with gotraceback=crash doctor counts $SVC's fatal errors as upgraded, not lost" doctor_says knob ok $SVC "gotraceback=crash makes its fatal errors end as under GOTRACEBACK=crash"
	echo off > /sys/kernel/gocoredump/gotraceback
	# The opt-in drop-ins.
	mkdir -p /etc/systemd/system.conf.d
	ln -s /usr/share/gocapd/system.conf.d/60-gocapd-limitcore.conf /etc/systemd/system.conf.d/
	ln -s /usr/share/gocapd/system.conf.d/61-gocapd-gotraceback.conf /etc/systemd/system.conf.d/
	systemctl daemon-reexec
	systemctl restart $SVC
	wait_for 30 systemctl is-active -q $SVC
	pid=$(systemctl show -p MainPID --value $SVC)
	t "with the drop-ins the service runs with GOTRACEBACK=crash" sh -c "tr '\\0' '\\n' < /proc/$pid/environ | grep -qx GOTRACEBACK=crash"
	t "... and an unlimited RLIMIT_CORE" sh -c "grep 'Max core file size' /proc/$pid/limits | grep -q 'unlimited *unlimited'"
	rc=$(doctor_rc after)
	t "doctor exits 0 now: the next crash will be captured (exit status $rc)" [ "$rc" = 0 ]
	[ "$rc" = 0 ] || sed 's/^/# /' "$O/doctor-after.txt"
	t "doctor: gocapd's socket answers" doctor_says after ok "" "socket /run/gocapd/gocapd.sock answers"
	t "the service crashes (SIGUSR1: a panic under GOTRACEBACK=crash)" crash $SVC 1
	t "it died of SIGABRT" sh -c "systemctl show -p ExecMainStatus --value $SVC | grep -qx 6"
	gocap list > "$O/list-1.txt" 2>&1
	sed 's/^/# /' "$O/list-1.txt"
	id=$(last_id)
	t "gocap list shows the dump of /usr/local/bin/gocd-service" sh -c "grep -q '/usr/local/bin/gocd-service' $O/list-1.txt && grep -q ABRT $O/list-1.txt"
	gocap info "$id" > "$O/info-1.txt" 2>&1
	t "gocap info: the core is complete" eq "$(store_status "$id")" complete
	t "gocap note: the module's note is in the core" sh -c "gocap note $id > $O/note-1.txt"
	t "gocap goroutines $id reads every goroutine" sh -c "gocap goroutines $id > $O/gocap-1.txt 2> $O/gocap-1.err"
	journalctl -b -o cat _SYSTEMD_UNIT=$SVC > "$O/trace-1.txt" 2>&1
	# gocapd reinstalled while a 512 MiB core is being written.
	systemctl start $BIG
	wait_for 120 sh -c "journalctl -b -o cat _SYSTEMD_UNIT=$BIG | grep -q 'service: ready'"
	before=$(systemctl show -p MainPID --value gocapd)
	systemctl kill -s USR1 $BIG
	wait_for 60 sh -c 'ls /var/lib/gocap/.tmp/ | grep -q partial'
	t "a dump is in flight when the upgrade starts" sh -c 'ls /var/lib/gocap/.tmp/ | grep -q partial'
	t "gocapd is reinstalled (an upgrade's scripts, the unit restarted) meanwhile" \
		apt-get install -y -q --reinstall "$S"/debs/gocapd_*_amd64.deb
	after=$(systemctl show -p MainPID --value gocapd)
	t "the daemon was restarted ($before -> $after)" [ "$before" != "$after" ]
	wait_for 300 sh -c "! ls /var/lib/gocap/.tmp/ | grep -q partial"
	wait_for 60 sh -c "[ \$(gocap list --json | grep -c '\"id\"') -ge 2 ]"
	id2=$(last_id)
	gocap info "$id2" > "$O/info-big.txt" 2>&1
	sed 's/^/# /' "$O/info-big.txt" | head -30
	t "the dump in flight during the upgrade is complete" eq "$(store_status "$id2")" complete
	# The kernel upgrade: bookworm-backports' 6.12 (from apt's cache).
	t "apt installs bookworm-backports' 6.12 kernel and headers" \
		apt-get install -y -q --no-install-recommends -t bookworm-backports linux-image-amd64 linux-headers-amd64
	new=$(find /lib/modules -mindepth 1 -maxdepth 1 -printf '%f\n' | sort -V | tail -1)
	note "new kernel $new"
	t "DKMS built the module for the new kernel $new at its installation" sh -c "dkms status -m gocoredump -k $new | grep -q installed"
	export_journal
	boot_next
	t "the boot loader's default is the new kernel ($(readlink /vmlinuz))" sh -c "readlink /vmlinuz | grep -q $new"
	;;
3)
	t "6.12 after the reboot: running $(kver)" sh -c 'uname -r | grep -q "^6\.12\."'
	t "DKMS has the module installed for $(kver)" sh -c "dkms status -m gocoredump -k $(kver) | grep -q installed"
	t "gocoredump.ko was loaded at boot on $(kver)" sh -c 'test -e /sys/kernel/gocoredump/enabled && journalctl -k -b | grep -q "gocoredump: loaded"'
	t "gocapd is running, core_pattern is gocapd's" sh -c 'systemctl is-active -q gocapd && grep -q "^|/usr/sbin/gocapd --pipe " /proc/sys/kernel/core_pattern'
	t "the Go service is running" wait_for 30 systemctl is-active -q $SVC
	rc=$(doctor_rc k612)
	t "doctor exits 0 on $(kver) (exit status $rc)" [ "$rc" = 0 ]
	[ "$rc" = 0 ] || sed 's/^/# /' "$O/doctor-k612.txt"
	n=$(gocap list --json | grep -c '"id"')
	t "a second crash of the service is captured on $(kver)" crash $SVC $((n + 1))
	id=$(last_id)
	gocap info "$id" > "$O/info-2.txt" 2>&1
	t "gocap info: the second core is complete" eq "$(store_status "$id")" complete
	t "gocap note: the module's note is in the second core" sh -c "gocap note $id > $O/note-2.txt"
	t "gocap goroutines $id reads every goroutine" sh -c "gocap goroutines $id > $O/gocap-2.txt 2> $O/gocap-2.err"
	journalctl -b -o cat _SYSTEMD_UNIT=$SVC > "$O/trace-2.txt" 2>&1
	t "apt installs systemd-coredump" apt-get install -y -q --no-install-recommends systemd-coredump
	note "core_pattern: $(cat /proc/sys/kernel/core_pattern)"
	t "gocapd keeps core_pattern when systemd-coredump is installed (dpkg trigger)" pattern_is_gocapd
	export_journal
	boot_next
	;;
4)
	note "core_pattern: $(cat /proc/sys/kernel/core_pattern)"
	t "after the reboot with systemd-coredump installed, core_pattern is still gocapd's (60-gocapd.conf after 50-coredump.conf)" pattern_is_gocapd
	rc=$(doctor_rc coredump)
	t "doctor exits 0 with systemd-coredump installed (exit status $rc)" [ "$rc" = 0 ]
	t "apt removes gocapd" apt-get remove -y -q gocapd
	note "core_pattern: $(cat /proc/sys/kernel/core_pattern)"
	t "core_pattern is systemd-coredump's again" grep -q '^|/lib/systemd/systemd-coredump ' /proc/sys/kernel/core_pattern
	t "the store is kept on removal" test -d /var/lib/gocap
	rc=$(doctor_rc removed)
	t "doctor exits 1 with gocapd removed (exit status $rc)" [ "$rc" = 1 ]
	t "doctor says core_pattern is systemd-coredump's" doctor_says removed lost "" "systemd-coredump"
	t "apt purges gocapd: the store and /etc/gocapd.conf are gone" sh -c 'apt-get purge -y -q gocapd && ! test -e /var/lib/gocap && ! test -e /etc/gocapd.conf'
	# Secure Boot: doctor says when the kernel will refuse the module.
	# Lockdown cannot be switched on at run time and off again, so doctor
	# reads a stand-in for securityfs's lockdown file, bind-mounted over it
	# in a mount namespace of its own; the module must not be loaded (a
	# loaded module was accepted).  The image has no openssl, so DKMS
	# signed nothing; on 6.12 the module is compressed (.ko.xz), and the
	# second check signs it with the host's throw-away key, as DKMS would
	# with its MOK key.
	mod=$(modinfo -n gocoredump 2>/dev/null)
	note "module file: $mod"
	cp "$mod" /tmp/module.orig
	modprobe -r gocoredump
	echo "none [integrity] confidentiality" > /tmp/lockdown
	lockdown_doctor() {
		unshare -m sh -c 'mount --bind /tmp/lockdown /sys/kernel/security/lockdown && exec gocap doctor --json' \
			> "$O/doctor-$1.json" 2>&1
		echo $? > "$O/doctor-$1.rc"
	}
	lockdown_doctor unsigned
	t "doctor under lockdown: DKMS's unsigned module cannot load, fix: enrol the MOK key" \
		sh -c "grep -q 'is not signed and the kernel refuses unsigned modules (lockdown: integrity)' $O/doctor-unsigned.json && grep -q 'mokutil --import /var/lib/dkms/mok.pub' $O/doctor-unsigned.json"
	case $mod in
	*.xz) xz -dc /tmp/module.orig > /tmp/m.ko ;;
	*.zst) zstd -qdc /tmp/module.orig > /tmp/m.ko ;;
	*) cp /tmp/module.orig /tmp/m.ko ;;
	esac
	"/lib/modules/$(uname -r)/build/scripts/sign-file" sha256 "$S/mok/key.pem" "$S/mok/cert.der" /tmp/m.ko
	case $mod in
	*.xz) xz -c --check=crc32 /tmp/m.ko > "$mod" ;;
	*.zst) zstd -qc /tmp/m.ko > "$mod" ;;
	*) cp /tmp/m.ko "$mod" ;;
	esac
	note "signed: $(modinfo -F signer "$mod")"
	lockdown_doctor signed
	t "doctor under lockdown: the signed module ($mod) is not called unsigned" \
		sh -c "grep -q 'is built .* but not loaded' $O/doctor-signed.json && ! grep -q 'is not signed' $O/doctor-signed.json"
	cp /tmp/module.orig "$mod"
	modprobe gocoredump
	t "apt removes gocoredump-dkms: the module is unloaded and gone" sh -c 'apt-get remove -y -q gocoredump-dkms && ! test -e /sys/kernel/gocoredump && ! dkms status -m gocoredump | grep -q installed'
	export_journal
	;;
*)
	echo "not ok unknown phase $phase"
	;;
esac
exit 0
