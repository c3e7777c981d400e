#!/bin/sh
# shellcheck shell=dash # runs under the guest's busybox sh
# The "bench" suite (bench/kernel/run.sh), run in the guest: the module's
# dump-time benchmarks.  Figures go to /out/bench.txt.
mkdir -p /tmp/cores
echo /tmp/cores/core.%p > /proc/sys/kernel/core_pattern
mount -t tracefs tracefs /sys/kernel/tracing 2>/dev/null
insmod /gcd/gocoredump.ko || exit 1
exe=/gcd/go/1.22-static/crasher
{
	echo "kernel $(uname -r), $(nproc) vCPUs, $(awk '/MemTotal/ { print int($2 / 1024) }' /proc/meminfo) MiB"
	/gcd/bin/bench_dump heap "$exe" "${GCD_BENCH_HEAP_MIB:-512}" "${GCD_BENCH_REPS:-9}"
	/gcd/bin/bench_dump threads "$exe" "${GCD_BENCH_THREADS:-1000}" "${GCD_BENCH_REPS:-9}"
	/gcd/bin/bench_fatal exec "$exe" "${GCD_BENCH_REPS:-9}"
	/gcd/bin/bench_fatal recover "$exe" "${GCD_BENCH_RECOVERS:-100000}" "${GCD_BENCH_REPS:-9}"
} > /out/bench.txt 2>&1
cat /out/bench.txt
