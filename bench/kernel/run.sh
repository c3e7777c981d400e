#!/bin/sh
# bench/kernel/run.sh [SERIES]: the module's dump-time benchmarks, in the lab
# VM (default: Debian's 6.1).  Builds the lab if needed, boots with 4 GiB,
# prints the figures (also in build/bench-kernel/bench.txt).
#   GCD_BENCH_REPS (5), GCD_BENCH_HEAP_MIB (512), GCD_BENCH_THREADS (1000)
set -eu
. "$(dirname "$0")/../../scripts/lib.sh"
k=${1:-6.1}
GOCD_KERNELS=$k "$GOCD_TOP/scripts/lab.sh" build > "$GOCD_BUILD/bench-lab-build.tap" ||
	die "lab build failed: see $GOCD_BUILD/bench-lab-build.tap"
out="$GOCD_BUILD/bench-kernel"
rm -rf "$out"
GCD_VM_APPEND="" "$GOCD_TOP/scripts/vm.sh" "$GOCD_BUILD/lab/$k/kernel.env" \
	"$GOCD_BUILD/lab/$k/initramfs" bench "$out" 3600 4096 ||
	die "the benchmark guest failed: see $out/bench.console, $out/bench.err"
cat "$out/bench.txt"
