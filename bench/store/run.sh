#!/bin/bash
# bench/store/run.sh [ROWS] [DUMPS]: what one dump costs gocapd as its
# store grows (issue 15: the space check of every dump summed every row of
# the index, 1-2 s a dump at 400,000 dumps).  For an index of 0 rows and
# of ROWS rows (default 400000), DUMPS dumps (default 15) are stored one
# after the other by `gocapd --pipe` storing the core itself (no daemon
# listening) and through the daemon; the median wall time of one dump is
# reported, and the ratio of the two.
#
# The dump: a real Go core of tests/gocapd/go/crasher (-mib 1), fed from
# the page cache, with Storage=none (no core bytes: what is measured is the
# bookkeeping around a dump: rate limit, space check, id, annotation,
# commit, index row) and with Storage=zstd (the same plus a small core).
# MaxUse=1T, KeepFree=0: the space check runs at every step, and never
# evicts.  RateLimit=100000/1s: the rate limit row is read and written.
#
# The rows: inserted with sqlite3 into the index gocapd made, as gocapd
# would (where the index keeps running totals, its own triggers keep
# them); their files do not exist, which no per-dump step looks at.
#
# GOCAPD="NAME=PATH ..." (default: this tree's build) measures several
# builds in one run, e.g. the one before issue 15, whose index has no
# running totals (its space check sums every row): for each storage, mode
# and row count the builds take turns, so that the (shared) machine's
# drift hits them alike.  The row insert is the same for both schemas.
#
# Prints a Markdown table (bench/README.md has the last one).
set -u
. "$(dirname "$0")/../../scripts/lib.sh"
ROWS=${1:-400000}
DUMPS=${2:-15}
BUILDS=${GOCAPD:-this=$GOCD_BUILD/bin/gocapd}
[ "$(id -u)" = 0 ] || die "needs root (the store is root's)"
for b in $BUILDS; do [ -x "${b#*=}" ] || die "${b#*=}: build gocapd first (make userland)"; done
W=$(mktemp -d /tmp/gocapd-bench-store.XXXXXX)
PIDS=""
cleanup() {
	for p in $PIDS; do kill "$p" 2>/dev/null; done
	wait 2>/dev/null
	rm -rf "$W"
}
trap cleanup EXIT

(cd "$GOCD_TOP/tests/gocapd/go" &&
 "$GOCD_TOP/scripts/go.sh" 1.22 build -o "$W/crasher" ./crasher) > "$W/build.log" 2>&1 ||
	die "building the crasher: $(tail -3 "$W/build.log")"
mkdir -p "$W/c"
{ (cd "$W/c" && ulimit -c unlimited &&
   sh -c "echo 0x37 > /proc/self/coredump_filter; GOTRACEBACK=crash exec '$W/crasher' -mib 1") \
	> /dev/null 2>&1; } 2> /dev/null	# (bash's "Aborted (core dumped)")
[ -s "$W/c/core" ] || die "no core from the crasher (ulimit -c? core_pattern?)"
# the crashed process's /proc, as in tests/gocapd/host.sh
"$W/crasher" -mib 1 -sleep 3600s 2> /dev/null &
STAND=$!
PIDS="$PIDS $STAND"
sleep 0.3
python3 "$GOCD_TOP/tests/gocapd/retarget.py" "$W/c/core" "$W/core" "$STAND" > /dev/null ||
	die "retarget.py"

# fill STORE N: N rows of fake dumps, as many users, spread over a year
fill() {
	sqlite3 "$1/index.db" <<EOF
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < $2)
INSERT INTO dumps (time_us, pid, uid, gid, signal, si_code, exe,
  exe_build_id, comm, hostname, boot_id, cgroup, container_id, core_file,
  storage, status, status_why, size_on_disk, apparent_size,
  annotation_file, saved_exe, suppressed_before)
SELECT 1700000000000000 + i * 78840, 1000 + i % 30000, 1000 + i % 50,
  1000, 6, -6, '/usr/bin/prog' || (i % 500), '', 'prog', 'host',
  'b', '/system.slice/x.service', '', 'core.prog.0.b.' || i || '.1.zst',
  'zstd', 'complete', '', 4096, 8192, 'core.prog.0.b.' || i || '.1.json',
  '', 0 FROM n;
EOF
}

# median of the numbers on stdin
median() { sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }

# per_dump GOCAPD STORE CONF MODE: median ms of one dump, MODE pipe or daemon
per_dump() {
	g=$1; s=$2; conf=$3; mode=$4; sock=$W/nosock
	if [ "$mode" = daemon ]; then
		sock=$W/d-$(basename "$s")/sock
		: > "$W/ready"
		"$g" --store "$s" --config "$conf" --socket "$sock" --ready-fd 9 \
			2> "$W/daemon.log" 9> "$W/ready" &
		dp=$!
		for _ in $(seq 300); do [ -s "$W/ready" ] && break; sleep 0.1; done
	fi
	for _ in $(seq "$DUMPS"); do
		t0=$(date +%s%N)
		"$g" --store "$s" --config "$conf" --socket "$sock" --log-stderr \
			--pipe "$STAND" "$STAND" "$STAND" 6 "$(date +%s)" 0 0 0 bench \
			crasher < "$W/core" 2> /dev/null || die "a dump failed"
		t1=$(date +%s%N)
		echo $(( (t1 - t0) / 1000 ))
	done | median | awk '{ printf "%.1f", $1 / 1000 }'
	if [ "$mode" = daemon ]; then
		kill "$dp"
		wait "$dp" 2> /dev/null
	fi
}

echo "| build | storage | mode | 0 rows, ms/dump | $ROWS rows, ms/dump | ratio |"
echo "|---|---|---|---|---|---|"
for st in none zstd; do
	printf 'Storage=%s\nMaxUse=1T\nKeepFree=0\nRateLimit=100000/1s\nSaveExecutable=no\n' \
		"$st" > "$W/$st.conf"
	for mode in pipe daemon; do
		for n in 0 "$ROWS"; do
			for b in $BUILDS; do
				name=${b%%=*}; g=${b#*=}
				s=$W/s-$name-$st-$mode-$n
				# one dump makes the store and its index; then the rows
				"$g" --store "$s" --config "$W/$st.conf" --socket "$W/nosock" \
					--log-stderr --pipe "$STAND" "$STAND" "$STAND" 6 "$(date +%s)" \
					0 0 0 bench crasher < "$W/core" 2> /dev/null || die "$name: first dump"
				[ "$n" = 0 ] || fill "$s" "$n"
				sync
				echo "$name $n $(per_dump "$g" "$s" "$W/$st.conf" "$mode")" >> "$W/t-$st-$mode"
				rm -rf "$s"
			done
		done
		for b in $BUILDS; do
			name=${b%%=*}
			# shellcheck disable=SC2046 # two numbers
			set -- $(awk -v b="$name" '$1 == b { print $3 }' "$W/t-$st-$mode")
			echo "| $name | $st | $mode | $1 | $2 | $(awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", b / a }') |"
		done
	done
done
