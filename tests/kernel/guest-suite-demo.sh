#!/bin/sh
# shellcheck shell=dash # runs under the guest's busybox sh
# The "demo" suite (make demo), run in the guest: crash the same Go program
# without and then with gocoredump.ko, cores straight into the host's
# directory (/out/demo), plus the module's counters and dmesg lines; then
# once more with gocapd as core_pattern handler, its store copied out.
exe=/gcd/go/1.19-static/crasher
mkdir -p /out/demo
echo "/out/demo/core.%p" > /proc/sys/kernel/core_pattern
ulimit -c unlimited
echo "coredump_filter: $(cat /proc/self/coredump_filter) (the default)" > /out/demo/info.txt

crash() {	# crash NAME: run the crasher, name its core NAME.core
	GOTRACEBACK=crash "$exe" panic > /dev/null 2>&1
	for c in /out/demo/core.*; do
		mv "$c" "/out/demo/$1.core"
	done
}

crash stock
insmod /gcd/gocoredump.ko || { echo "not ok 1 insmod"; exit 1; }
crash module
for f in /sys/kernel/gocoredump/*; do
	echo "$(basename "$f"): $(cat "$f")"
done > /out/demo/sysfs.txt
dmesg | grep gocoredump > /out/demo/dmesg.txt

# gocapd capturing the same crash as on a server: the daemon, the kernel's
# pipe helper, the store on a tmpfs (copied out for gocap on the host).
mkdir -p /var/lib/gocap /run/gocapd
mount -t tmpfs -o size=512m,mode=0700 gocap /var/lib/gocap
: > /tmp/ready
/gcd/bin/gocapd --ready-fd 9 9> /tmp/ready 2> /out/demo/gocapd.log &
dpid=$!
i=0
while [ ! -s /tmp/ready ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
echo 64 > /proc/sys/kernel/core_pipe_limit
echo "|/gcd/bin/gocapd --pipe %P %i %I %s %t %u %g %c %h %e" > /proc/sys/kernel/core_pattern
GOTRACEBACK=crash "$exe" panic > /out/demo/gocapd-crash.txt 2>&1
i=0
until /gcd/bin/gocap list --json 2>/dev/null | grep -q '"status": *"complete"' ||
	[ $i -ge 300 ]; do sleep 0.1; i=$((i + 1)); done
kill "$dpid"
wait "$dpid"
cp -a /var/lib/gocap /out/demo/store
echo "ok 1 demo"
