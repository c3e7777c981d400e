#!/bin/sh
# bench/snapshot/run.sh [--guest] [REPS [HEAP_MIB:GOROUTINES...]]: how long
# a snapshot of a running Go process stops it: gocap snapshot against gdb's
# gcore and delve's attach + goroutines, in the same run.
#
# --guest runs it all in the full-system lab's guest (scripts/fullsys-
# image.sh, under QEMU/TCG, 18 GiB of memory), whose Debian kernel keeps
# soft-dirty bits, so that gocap's pre-copy is in use (this machine's
# kernel has none): bench/snapshot/guest.sh mounts this machine's root
# file system read-only (9p) and runs this script in a chroot of it, with
# the guest's /proc and a work directory on the guest's disk.
#
# The target (bench/snapshot/go/pausewatch, Go 1.22) holds HEAP_MIB MiB of
# heap, every page written, and GOROUTINES parked goroutines (default
# configurations 1024:10000, 1024:100000, 8192:10000 and 8192:100000);
# one more goroutine wakes every 100 µs and keeps the longest gap between
# two wakings, which it prints and resets on SIGUSR1.  For each
# configuration, REPS (default 3) rounds, the methods alternating within a
# round, each from a fresh gap:
#
#   none      nothing (the gap the machine's own noise makes)
#   gocap     gocap snapshot PID -o FILE (its own "stopped for" too)
#   gcore     gdb's gcore -o FILE PID (attach, dump, detach)
#   dlv       dlv attach PID with "goroutines" then exit, not killing
#             (trixie's delve, scripts/fetch-delve.sh, which reads Go 1.22)
#
# The stop is the longest gap the process saw (ms), "wall" the time the
# command took.  Cores are deleted after each run; the page cache is not
# dropped (gocap and gcore both write into it).  A snapshot must also be
# usable: in the first round of each configuration, gocap goroutines
# --core lists every parked goroutine from it, and the core holds the
# heap (its allocated blocks at least 95% of HEAP_MIB: every page of the
# heap is written, and a hole would be a page lost).  Prints a Markdown
# table of medians (bench/README.md has the last one).  Root; needs `make
# userland` and gdb; about 15 minutes on this project's 2-core machine.
# --guest is slower (emulated): 44 minutes for two rounds of the two 8 GiB
# configurations without delve, and hours for the defaults with it.
set -u
. "$(dirname "$0")/../../scripts/lib.sh"
GUEST=0
[ "${1:-}" = --guest ] && { GUEST=1; shift; }
REPS=${1:-3}
[ $# -gt 0 ] && shift
CONFIGS=${*:-"1024:10000 1024:100000 8192:10000 8192:100000"}
GOCAP=$GOCD_BUILD/bin/gocap
[ -x "$GOCAP" ] || die "$GOCAP not built (make userland)"
command -v gcore > /dev/null || die "gcore (gdb) not installed"
DLV=$("$GOCD_TOP/scripts/fetch-delve.sh" 2> /dev/null) || DLV=""
METHODS="none gocap gcore"
[ -z "$DLV" ] || METHODS="$METHODS dlv"
# GOCD_SNAPSHOT_METHODS (environment): fewer methods (delve takes minutes
# per run under TCG)
METHODS=${GOCD_SNAPSHOT_METHODS:-$METHODS}
if [ "${GOCD_SNAPSHOT_IN_GUEST:-}" ]; then
	# in the guest (guest.sh): the target is built, the work directory
	# is the guest's
	W=$GOCD_SNAPSHOT_IN_GUEST
	[ -x "$W/pausewatch" ] || die "no $W/pausewatch"
else
	W="$GOCD_BUILD/bench-snapshot"
	rm -rf "$W"
	mkdir -p "$W"
	(cd "$GOCD_TOP/bench/snapshot/go" && CGO_ENABLED=0 \
		"$GOCD_TOP/scripts/go.sh" 1.22 build -o "$W/pausewatch" ./pausewatch) ||
		die "cannot build the target"
fi
if [ $GUEST = 1 ]; then
	mkdir -p "$W/share/out" "$W/work"
	mv "$W/pausewatch" "$W/share/"
	cp "$GOCD_TOP/bench/snapshot/guest.sh" "$W/share/"
	cat > "$W/share/env" <<EOT
GOCD_TOP=$GOCD_TOP
GOCD_BUILD=$GOCD_BUILD
GOCD_CACHE=$GOCD_CACHE
WORK=$W/work
REPS=$REPS
CONFIGS="$CONFIGS"
METHODS="$METHODS"
EOT
	envf=$(fullsys_image) || die "no full-system image"
	# shellcheck source=/dev/null # an image.env written by fullsys-image.sh
	. "$envf"
	cp --sparse=always "$IMAGE" "$W/disk.img"
	truncate -s 32G "$W/disk.img"
	e2fsck -fp "$W/disk.img" > /dev/null 2>&1
	resize2fs "$W/disk.img" > "$W/resize.log" 2>&1 || die "resize2fs failed: $W/resize.log"
	msg "boot (the guest's progress: $W/share/out/phase1.err)"
	GOCD_FULLSYS_TIMEOUT=14400 GOCD_FULLSYS_QEMU_EXTRA="-virtfs local,path=/,mount_tag=hostroot,security_model=none,readonly=on,multidevs=remap,id=hostroot" \
		"$GOCD_TOP/scripts/fullsys-boot.sh" "$W" 1 18432 ||
		die "the guest failed (status $?): $W/console-1.log, $W/share/out/"
	grep -q '^ok bench' "$W/share/out/phase1.tap" ||
		die "the benchmark did not finish: $W/share/out/phase1.tap, phase1.err"
	grep -v '^ok bench' "$W/share/out/phase1.tap"
	rm -f "$W/disk.img"
	exit 0
fi
now() { date +%s.%N; }
# gap PID OUT: the longest gap since the last call, in ms
gap() {
	n=$(grep -c '^maxgap_us' "$2")
	kill -USR1 "$1"
	i=0
	while [ "$(grep -c '^maxgap_us' "$2")" -le "$n" ] && [ $i -lt 100 ]; do
		sleep 0.05; i=$((i + 1))
	done
	grep '^maxgap_us' "$2" | tail -1 | awk '{ printf "%.2f", $2 / 1000 }'
}
: > "$W/results"
printf 'goroutines\nexit\n' > "$W/dlv.init"
for cfg in $CONFIGS; do
	heap=${cfg%%:*} ngs=${cfg#*:}
	"$W/pausewatch" -heap-mib "$heap" -goroutines "$ngs" > "$W/out.$heap" 2>&1 &
	pid=$!
	i=0
	until grep -q ready "$W/out.$heap" || [ $i -ge 600 ]; do sleep 0.1; i=$((i + 1)); done
	msg "heap $heap MiB, $ngs goroutines: pid $pid"
	for r in $(seq "$REPS"); do
		for m in $METHODS; do
			rm -f "$W"/core*
			sleep 0.5
			gap "$pid" "$W/out.$heap" > /dev/null
			t0=$(now)
			own=-
			case $m in
			none) sleep 0.2 ;;
			gocap) "$GOCAP" snapshot "$pid" -o "$W/core" 2> "$W/gocap.err" ||
				die "gocap snapshot failed: $(cat "$W/gocap.err")"
				own=$(sed -n 's/.* stopped for \([0-9.]*\) ms.*/\1/p' "$W/gocap.err")
				msg "$(cat "$W/gocap.err")" ;;
			gcore) gcore -o "$W/core" "$pid" > "$W/gcore.log" 2>&1 ||
				die "gcore failed: $W/gcore.log" ;;
			dlv) "$DLV" attach "$pid" --allow-non-terminal-interactive=true \
				--init "$W/dlv.init" < /dev/null > "$W/dlv.log" 2>&1
				grep -q 'Goroutine 1 ' "$W/dlv.log" || die "dlv listed no goroutine: $W/dlv.log" ;;
			esac
			t1=$(now)
			sleep 0.2
			g=$(gap "$pid" "$W/out.$heap")
			kill -0 "$pid" || die "the target died ($m)"
			if [ "$m" = gocap ] && [ "$r" = 1 ]; then
				# usable: every parked goroutine, and the heap
				n=$("$GOCAP" goroutines --core "$W/core" 2> "$W/gr.err" |
					grep -c '^main\.parked(')
				kib=$(du -k "$W/core" | cut -f1)
				msg "gocap goroutines --core: $n parked goroutines; the core holds $((kib / 1024)) MiB"
				[ "$n" -ge "$ngs" ] || die "the snapshot lists $n parked goroutines, not $ngs: $W/gr.err"
				[ "$kib" -ge $((heap * 1024 * 95 / 100)) ] ||
					die "the snapshot holds $((kib / 1024)) MiB, not the $heap MiB of heap"
			fi
			echo "RESULT $m $heap:$ngs $r $g $(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", (b - a) * 1000 }') $own" >> "$W/results"
		done
	done
	kill "$pid"
	wait "$pid" 2> /dev/null
done
rm -f "$W"/core*
awk '
function median(list,    a, k, i, j, x) {
	k = split(list, a, " ")
	for (i = 2; i <= k; i++) { x = a[i]; for (j = i - 1; j >= 1 && a[j] > x; j--) a[j + 1] = a[j]; a[j + 1] = x }
	return k % 2 ? a[(k + 1) / 2] : (a[k / 2] + a[k / 2 + 1]) / 2
}
/^RESULT / { k = $3 " " $2; gap[k] = gap[k] " " $5; wall[k] = wall[k] " " $6; own[k] = own[k] " " $7 }
END {
	print "| heap MiB:goroutines | method | stop seen by the process, ms (runs) | median | × gocap | command wall, ms | gocap says, ms |"
	print "|---|---|---|---|---|---|---|"
	n = split(methods, ms, " ")
	k = split(configs, cs, " ")
	for (i = 1; i <= k; i++) {
		g = median(gap[cs[i] " gocap"])
		for (j = 1; j <= n; j++) {
			key = cs[i] " " ms[j]
			printf "| %s | %s | %s | %.1f | %s | %.0f | %s |\n", cs[i], ms[j], gap[key], median(gap[key]), ms[j] == "none" ? "-" : sprintf("%.1f", median(gap[key]) / g), median(wall[key]), ms[j] == "gocap" ? median(own[key]) : "-"
		}
	}
}' methods="$METHODS" configs="$CONFIGS" "$W/results"
