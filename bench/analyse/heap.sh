#!/bin/bash
# bench/analyse/heap.sh [MIB [RUNS]]: gocap heap types and heap top
# --retained against one read of the core, on the core of a Go process with MIB MiB of live heap
# (default 4096: about 49 million 80-byte objects; bench/analyse/go/bigheap,
# built with Go $BENCH_GO, default 1.27; BIGHEAP_LINK=N links every Nth
# object into one list, default 8, 1: no object without a pointer).
#
# In the same run, on the same core, the page cache warm for each (one
# untimed run first), RUNS times each (default 3), the median wall time
# and the peak RSS (getrusage ru_maxrss; gocap maps the core, whose pages
# the page cache holds, so the private part, RssAnon, is given too) of:
#   cat CORE > /dev/null                     one read of the core
#   dd if=CORE bs=2M                         the same in 2 MiB reads (cat
#                                            reads 128 KiB at a time, which
#                                            costs it more from the disk)
#   touch CORE                               the core mapped, as gocap
#                                            maps it, and one byte of each
#                                            4 KiB page read (touch.c):
#                                            what the pages alone cost a
#                                            reader through mmap
#   gocap heap types --core CORE --exe EXE   the mark from the roots, the
#                                            types carried, the histogram
#   gocap heap --core CORE --exe EXE         the statistics and the mark
#   gocap heap top --retained --core CORE --exe EXE
#                                            the mark, the types, the
#                                            dominator tree, the walk
# and checks that heap types typed every Obj the program made and that
# the roots' children retain every reachable byte.
# BENCH_COLD=1: the core read cold instead, its pages dropped from the
# page cache (posix_fadvise DONTNEED) before each run, no warm run: a
# core analysed some time after it was written.  GOCAP_BEFORE=PATH: the
# three gocap rows again with another build (types0, heap0, top0), each
# right after the same row of GOCAP.
# Issue 14's targets: the histogram within 3x of the read, retained sizes
# within 10x, memory under 25% of the core.  Needs `make userland` and about 2.5 x MIB of free memory
# and disk.
set -eu
TOP=$(cd "$(dirname "$0")/../.." && pwd)
MIB=${1:-4096}
RUNS=${2:-3}
GOCAP=${GOCAP:-$TOP/build/bin/gocap}
W=${BENCH_DIR:-$TOP/build/bench-heap}
V=${BENCH_GO:-1.27}
mkdir -p "$W"
cd "$TOP/bench/analyse/go"
CGO_ENABLED=0 "$TOP/scripts/go.sh" "$V" build -o "$W/bigheap" ./bigheap
cc -O2 -Wall -Wextra -Werror -o "$W/touch" "$TOP/bench/analyse/touch.c"
cd "$W"
rm -f core
( ulimit -c unlimited; echo 0x33 > /proc/self/coredump_filter
  BIGHEAP_MIB=$MIB GOTRACEBACK=crash ./bigheap > bigheap.out 2> runtime.txt || true ) 2> /dev/null
[ -s core ] || { echo "heap.sh: no core (ulimit -c? core_pattern?)" >&2; exit 1; }
# the core's pages written back first: a read racing the writeback of
# gigabytes of dirty pages took 2 to 5 s instead of 0.35
sync
echo "Go $V, $(cat bigheap.out), core $(stat -c %s core) bytes"

# measure NAME CMD...: one run (its output into NAME.out), "wall_s rss_kb
# anon_kb" appended to NAME.times: the peak RSS from getrusage (with the core's pages gocap
# maps, which are the page cache's), and the peak of its private memory
# (RssAnon, sampled every 10 ms)
measure() {
	n=$1; shift
	python3 -c '
import resource, subprocess, sys, time
t = time.monotonic()
anon = 0
with open(sys.argv[1] + ".out", "wb") as o, open(sys.argv[1] + ".err", "wb") as e:
    p = subprocess.Popen(sys.argv[2:], stdout=o, stderr=e, stdin=subprocess.DEVNULL)
    while p.poll() is None:
        try:
            for l in open("/proc/%d/status" % p.pid):
                if l.startswith("RssAnon:"):
                    anon = max(anon, int(l.split()[1]))
        except OSError:
            pass
        time.sleep(0.01)
w = time.monotonic() - t
print("%.2f %d %d" % (w, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, anon))
' "$n" "$@" >> "$n.times"
}
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
# drop: the core's pages out of the page cache (BENCH_COLD)
drop() {
	python3 -c 'import os, sys
fd = os.open(sys.argv[1], os.O_RDONLY)
os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)' core
}

NAMES="cat dd touch types heap top"
[ -n "${GOCAP_BEFORE:-}" ] && NAMES="cat dd touch types types0 heap heap0 top top0"
for name in $NAMES; do rm -f "$name.times"; done
cat core > /dev/null
for name in $NAMES; do
	g=$GOCAP
	case $name in *0) g=$GOCAP_BEFORE ;; esac
	case $name in
	cat) set -- sh -c 'exec cat core > /dev/null' ;;
	dd) set -- dd if=core of=/dev/null bs=2M status=none ;;
	touch) set -- ./touch core ;;
	types*) set -- "$g" heap types --core core --exe bigheap ;;
	heap*) set -- "$g" heap --core core --exe bigheap ;;
	top*) set -- "$g" heap top --retained --json --core core --exe bigheap ;;
	esac
	[ "${BENCH_COLD:-0}" = 1 ] || "$@" > /dev/null 2>&1 || true	# warm
	for _ in $(seq "$RUNS"); do
		[ "${BENCH_COLD:-0}" = 1 ] && drop
		measure "$name" "$@"
	done
done
want=$(sed -n 's/^objects \([0-9]*\).*/\1/p' bigheap.out)
got=$(awk '$3 == "main.Obj" {print $2}' types.out)
echo "heap types: main.Obj $got of $want made"
tops=$(python3 -c 'import json, sys
j = json.load(open(sys.argv[1]))
d, m = j["dominators"], j["mark"]
print("%d %d %d %d %d" % (d["retained"], m["reachable_bytes"], d["objects"], d["pointers"], d["depth"]))' top.out)
echo "heap top --retained: retained under the roots, reachable, objects, pointers, depth: $tops"
size=$(stat -c %s core)
c=$(cut -d' ' -f1 cat.times | median)
for name in $NAMES; do
	w=$(cut -d' ' -f1 "$name.times" | median)
	r=$(cut -d' ' -f2 "$name.times" | sort -n | tail -1)
	a=$(cut -d' ' -f3 "$name.times" | sort -n | tail -1)
	python3 -c "import sys
w, c, r, a, s = float(sys.argv[2]), float(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5]), int(sys.argv[6])
print('%-6s median %.2f s (%.1fx the read), peak RSS %d MB, of it private %d MB (%.1f%% of the core)'
      % (sys.argv[1], w, w / c if c else 0, r // 1024, a // 1024, 100.0 * a * 1024 / s))" \
		"$name" "$w" "$c" "$r" "$a" "$size"
done
read -r under reach _ <<< "$tops"
[ "$got" = "$want" ] && [ "$under" = "$reach" ]
