#!/bin/sh
# shellcheck shell=dash # runs under the guest's busybox sh
# The "demo" suite (make demo), run in the guest: crash the same Go program
# without and then with gocoredump.ko, cores straight into the host's
# directory (/out/demo), plus the module's counters and dmesg lines.
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
echo "ok 1 demo"
