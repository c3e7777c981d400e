#!/bin/bash
# bench/analyse/run.sh [RUNS]: gocap against dlv on one core of a Go
# process with 100,000 goroutines (bench/analyse/go/many, Go 1.19: the
# newest release Debian 12's delve 1.20 reads).
#
# In the same run, on the same core (page cache warm for both: each tool
# is run once untimed first):
#   gocap goroutines --core CORE          every goroutine's full stack,
#                                         the runtime's crash format
#   dlv core EXE CORE, "goroutines -t"    every goroutine with its stack
#                                         (delve's default depth, 10)
# And the triage views (issue 13), on the same core:
#   gocap goroutines --group              buckets of goroutines alike
#   gocap summary                         one screen (walks twice: the
#                                         buckets, then the waits)
#   gocap goroutines --waits              goroutines by what they wait on
#   panicparse -aggressive runtime.txt    panicparse's buckets, from the
#                                         runtime's own traceback text
#   dlv core, "goroutines -group userloc" delve's grouping
# Each timed RUNS times (default 3; delve once: it takes about a minute);
# the median wall time and the peak RSS (getrusage ru_maxrss) are reported, and
# both outputs are checked: gocap's against the runtime's own traceback
# (tests/gocap/oracle.py), delve's goroutine count against gocap's.
# Needs `make userland`, python3, dlv, panicparse.
set -eu
TOP=$(cd "$(dirname "$0")/../.." && pwd)
RUNS=${1:-3}
GOCAP=$TOP/build/bin/gocap
W=${BENCH_DIR:-$TOP/build/bench-analyse}
mkdir -p "$W"
cd "$TOP/bench/analyse/go"
CGO_ENABLED=0 "$TOP/scripts/go.sh" 1.19 build -o "$W/many" ./many
cd "$W"
rm -f core
( ulimit -c unlimited; echo 0x37 > /proc/self/coredump_filter
  GOTRACEBACK=crash ./many > many.out 2> runtime.txt || true ) 2> /dev/null
[ -s core ] || { echo "run.sh: no core (ulimit -c? core_pattern?)" >&2; exit 1; }
echo "core: $(stat -c %s core) bytes, $(grep -c '^goroutine ' runtime.txt) goroutines printed by the runtime"
printf 'goroutines -t\nexit\n' > dlv.init
printf 'goroutines -group userloc\nexit\n' > dlvgroup.init

# measure NAME CMD...: one run, "wall_s rss_kb" appended to NAME.times
# (wall clock around the child; its peak RSS from getrusage, as GNU
# time's %M reports it)
measure() {
	n=$1; shift
	python3 -c '
import resource, subprocess, sys, time
t = time.monotonic()
with open(sys.argv[1] + ".out", "wb") as o, open(sys.argv[1] + ".err", "wb") as e:
    subprocess.run(sys.argv[2:], stdout=o, stderr=e, stdin=subprocess.DEVNULL)
w = time.monotonic() - t
print("%.2f %d" % (w, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss))
' "$n" "$@" >> "$n.times"
}
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

rm -f gocap.times dlv.times group.times summary.times waits.times \
	pp.times dlvgroup.times
"$GOCAP" goroutines --core core > /dev/null	# warm the page cache
for _ in $(seq "$RUNS"); do
	measure gocap "$GOCAP" goroutines --core core
done
measure dlv dlv core ./many core --check-go-version=false \
	--allow-non-terminal-interactive=true --init dlv.init
for _ in $(seq "$RUNS"); do
	measure group "$GOCAP" goroutines --core core --group
	measure summary "$GOCAP" summary --core core
	measure waits "$GOCAP" goroutines --core core --waits
	measure pp panicparse -aggressive -no-color -rebase=false -parse=false runtime.txt
done
measure dlvgroup dlv core ./many core --check-go-version=false \
	--allow-non-terminal-interactive=true --init dlvgroup.init

python3 "$TOP/tests/gocap/oracle.py" runtime.txt gocap.out | head -1
echo "dlv: $(grep -c '^[ *] Goroutine [0-9]' dlv.out) goroutines listed, $(tail -1 dlv.out)"
gw=$(cut -d' ' -f1 gocap.times | median); gm=$(cut -d' ' -f2 gocap.times | median)
dw=$(cut -d' ' -f1 dlv.times | median); dm=$(cut -d' ' -f2 dlv.times | median)
echo
echo "| tool | wall time (s) | peak RSS (MiB) |"
echo "|---|---|---|"
printf '| gocap goroutines | %s | %.1f |\n' "$gw" "$(echo "$gm / 1024" | bc -l)"
printf '| dlv core, goroutines -t | %s | %.1f |\n' "$dw" "$(echo "$dm / 1024" | bc -l)"
printf '| ratio dlv/gocap | %.1fx | %.1fx |\n' "$(echo "$dw / $gw" | bc -l)" \
	"$(echo "$dm / $gm" | bc -l)"

# The triage views.
echo
echo "gocap --group: $(tail -1 group.out); panicparse: $(grep -c '^[0-9]*: ' pp.out) buckets;" \
	"dlv -group userloc: $(grep -c '^	Total: ' dlvgroup.out) groups; $(tail -1 waits.out)"
row() { # NAME LABEL
	printf '| %s | %s | %.1f |\n' "$2" "$(cut -d' ' -f1 "$1.times" | median)" \
		"$(echo "$(cut -d' ' -f2 "$1.times" | median) / 1024" | bc -l)"
}
echo
echo "| tool | wall time (s) | peak RSS (MiB) |"
echo "|---|---|---|"
row group "gocap goroutines --group"
row summary "gocap summary"
row waits "gocap goroutines --waits"
row pp "panicparse -aggressive (runtime's text)"
row dlvgroup "dlv core, goroutines -group userloc"
grw=$(cut -d' ' -f1 group.times | median)
printf '| ratio panicparse/gocap --group | %.1fx | |\n' \
	"$(echo "$(cut -d' ' -f1 pp.times | median) / $grw" | bc -l)"
printf '| ratio dlv -group/gocap --group | %.1fx | |\n' \
	"$(echo "$(cut -d' ' -f1 dlvgroup.times | median) / $grw" | bc -l)"
