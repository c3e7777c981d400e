#!/bin/sh
# guest.sh PHASE: the crash-to-exit benchmark in the full-system guest
# (bench/fullsys/run.sh; the guest side of scripts/fullsys-boot.sh).
#
#   1  install the packages (as the full-system lab does) and
#      systemd-coredump, lift systemd-coredump's size limits
#   2  after the reboot (the module loaded at boot): for each of REPS
#      rounds, for each handler, start the Go service holding HEAP_MIB MiB
#      of heap as a systemd unit (GOTRACEBACK=crash, LimitCORE=infinity),
#      crash it with SIGUSR1 and measure the time from the signal to the
#      moment its process is gone (what systemd waits for to restart it).
#      Prints "RESULT handler round seconds core-bytes" lines.
#
# Handlers: file (core_pattern a file on the root file system; the kernel
# writes it), gocapd-raw and gocapd-zstd (gocapd's pipe, Storage=raw and
# zstd), systemd-coredump (its own pattern from 50-coredump.conf), and
# bare pipe handlers for reference, pipe-dd (dd of=FILE), pipe-splice
# (bench/fullsys/pipe-splice.c) and pipe-splice-wait (the same, sleeping
# 2 ms after every splice under 256 KiB).  Each
# round deletes the previous core first, so every handler writes to the
# same, equally empty, file system.
set -u
phase=$1
S=/mnt/gcd
export DEBIAN_FRONTEND=noninteractive
REPS=$(cat "$S/reps" 2>/dev/null || echo 3)
HEAP=$(cat "$S/heap_mib" 2>/dev/null || echo 2048)
HANDLERS=$(cat "$S/handlers" 2>/dev/null || echo file gocapd-raw gocapd-zstd systemd-coredump)
UNIT=gocd-bench.service
GOCAPD_PATTERN="|/usr/sbin/gocapd --pipe %P %i %I %s %t %u %g %c %h %e"

case $phase in
1)
	install -m 0755 "$S/bin/service" /usr/local/bin/gocd-service
	install -m 0755 "$S/bin/pipe-splice" /usr/local/bin/gocd-pipe-splice
	cat > /etc/systemd/system/$UNIT <<EOT
[Service]
ExecStart=/usr/local/bin/gocd-service -heap-mib $HEAP
Environment=GOTRACEBACK=crash
LimitCORE=infinity
EOT
	apt-get install -y -q --no-install-recommends "$S"/debs/gocoredump-dkms_*.deb \
		"$S"/debs/gocapd_*_amd64.deb "$S"/debs/gocap_*_amd64.deb systemd-coredump > /dev/null 2>&1 &&
		echo "ok install" || echo "not ok install"
	mkdir -p /etc/systemd/coredump.conf.d
	# Debian's default ProcessSizeMax=2G would keep no core of a 2 GiB heap.
	printf '[Coredump]\nProcessSizeMax=32G\nExternalSizeMax=32G\nMaxUse=32G\nKeepFree=0\n' \
		> /etc/systemd/coredump.conf.d/bench.conf
	mkdir -p /var/crash
	;;
2)
	sdcd=$(grep -h '^kernel.core_pattern' /usr/lib/sysctl.d/50-coredump.conf | sed 's/^kernel.core_pattern *= *//')
	echo "# kernel $(uname -r), module: $(cat /sys/kernel/gocoredump/enabled 2>/dev/null || echo absent)"
	echo "# systemd-coredump pattern: $sdcd"
	echo 64 > /proc/sys/kernel/core_pipe_limit
	clean() {
		rm -f /var/crash/core.* /var/lib/systemd/coredump/core.*
		systemctl stop gocapd
		rm -rf /var/lib/gocap
		mkdir -m 0700 /var/lib/gocap
		sync
		echo 3 > /proc/sys/vm/drop_caches
	}
	for r in $(seq "$REPS"); do
		order=$HANDLERS
		# every other round backwards: no handler always runs first,
		# or always right after the one that wrote the most
		[ $((r % 2)) = 1 ] || order=$(echo "$HANDLERS" | tr ' ' '\n' | tac | tr '\n' ' ')
		for h in $order; do
			clean
			case $h in
			file) echo "/var/crash/core.%p" > /proc/sys/kernel/core_pattern ;;
			gocapd-*)
				# The same room as systemd-coredump's: the default
				# MaxUse (10% of the 16 GiB disk) would cut a raw core.
				printf 'Storage=%s\nMaxUse=32G\nKeepFree=0\n' "${h#gocapd-}" > /etc/gocapd.conf
				systemctl start gocapd
				echo "$GOCAPD_PATTERN" > /proc/sys/kernel/core_pattern ;;
			systemd-coredump) echo "$sdcd" > /proc/sys/kernel/core_pattern ;;
			pipe-dd) echo "|/bin/dd of=/var/crash/core.%p bs=1M iflag=fullblock status=none" > /proc/sys/kernel/core_pattern ;;
			pipe-splice) echo "|/usr/local/bin/gocd-pipe-splice /var/crash/core.%p" > /proc/sys/kernel/core_pattern ;;
			pipe-splice-wait) echo "|/usr/local/bin/gocd-pipe-splice /var/crash/core.%p 2000" > /proc/sys/kernel/core_pattern ;;
			esac
			systemctl start $UNIT
			i=0
			until journalctl -b -o cat _SYSTEMD_UNIT=$UNIT | tail -3 | grep -q 'service: ready' || [ $i -ge 600 ]; do
				sleep 1; i=$((i + 1))
			done
			pid=$(systemctl show -p MainPID --value $UNIT)
			start=$(date +%s.%N)
			kill -USR1 "$pid"
			while [ -e "/proc/$pid" ]; do sleep 0.01; done
			end=$(date +%s.%N)
			# the core as stored, once the handler is done with it
			sleep 2
			case $h in
			file|pipe-*) size=$(stat -c %s /var/crash/core.* 2>/dev/null) ;;
			gocapd-*) # the process goes once the core is written, its
				  # row once the core is synced: wait for the row
				  i=0
				  until gocap list --json 2>/dev/null | grep -q '"status"' || [ $i -ge 600 ]; do
					sleep 1; i=$((i + 1))
				  done
				  size=$(gocap list --json 2>/dev/null | sed -n 's/.*"apparent_size": *\([0-9]*\).*/\1/p' | tail -1)
				  st=$(gocap list --json 2>/dev/null | sed -n 's/.*"status": *"\([a-z-]*\)".*/\1/p' | tail -1)
				  size="$size $st" ;;
			systemd-coredump) i=0
				until journalctl -b -o cat | grep -q "Process $pid .* dumped core" || [ $i -ge 300 ]; do sleep 1; i=$((i + 1)); done
				size=$(stat -c %s /var/lib/systemd/coredump/core.* 2>/dev/null) ;;
			esac
			case $h in
			pipe-splice*) echo "# $h round $r: $(tail -1 /run/gocd-pipe-splice.stats 2>/dev/null)" ;;
			esac
			echo "RESULT $h $r $(awk -v a="$start" -v b="$end" 'BEGIN { printf "%.3f", b - a }') ${size:-0}"
			systemctl reset-failed $UNIT 2>/dev/null
		done
	done
	echo "ok bench"
	;;
esac
exit 0
