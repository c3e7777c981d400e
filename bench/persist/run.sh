#!/bin/bash
# bench/persist/run.sh [RUNS]: how fast, at what CPU cost and into how many
# disk blocks the same real Go core is persisted from a pipe by
#   cat > file                      (the floor: no holes, no compression)
#   gocapd raw                      (sparse file via io_uring)
#   gocapd zstd                     (CompressLevel=3, inline, and 1 worker)
#   zstd -1 > file                  (the zstd CLI at its fastest level)
#   systemd-coredump                (Debian 12's 252, standalone, see below)
# all in the same run, each RUNS times (default 3; the median is reported).
#
# The core: tests/gocapd/go/crasher holding 2300 MiB (half of its 64 KiB
# chunks filled, a quarter of those with random bytes; the other half only
# touched on their first byte, so the core has realistic runs of zero
# pages), crashed with GOTRACEBACK=crash and coredump_filter 0x37; the
# kernel writes it into build/bench-persist/ (made once, then reused).
# Every consumer reads it from a pipe fed by `cat` from the page cache,
# and every output is fsync'd before the clock stops (`sync FILE` for cat
# and zstd; gocapd and systemd-coredump fsync themselves).  CPU time is the
# consumer's user+sys (children included), not the feeding cat's.
#
# systemd-coredump: Debian's package is unpacked into the cache (never
# installed: its postinst would change kernel.core_pattern), and run in its
# socket mode (what systemd-coredump@.service runs) by sdcd-drive.py, which
# plays the core_pattern half of the protocol.  It runs in a private mount
# namespace where /etc/systemd holds only a coredump.conf (Storage=external,
# Compress=yes, size limits off) and /var/lib/systemd/coredump is a
# directory of this benchmark, so nothing on the host changes.  No journald
# runs here: its journal write fails and is logged, after the core is
# stored.
#
# Prints a Markdown table (bench/README.md has the last one).
set -u
. "$(dirname "$0")/../../scripts/lib.sh"
RUNS=${1:-3}
B=$GOCD_BUILD/bench-persist
OUT=$B/out
GOCAPD=$GOCD_BUILD/bin/gocapd
mkdir -p "$B"
[ "$(id -u)" = 0 ] || die "needs root (mount namespace, store permissions)"
[ -x "$GOCAPD" ] || die "build gocapd first (make userland)"

# --- the core ---------------------------------------------------------------
if [ ! -s "$B/core" ]; then
	msg "making the core (crasher -mib 2300 -random 25)"
	(cd "$GOCD_TOP/tests/gocapd/go" &&
	 "$GOCD_TOP/scripts/go.sh" 1.22 build -o "$B/crasher" ./crasher) || die "Go build failed"
	rm -f "$B/core"
	(cd "$B" && ulimit -c unlimited &&
	 sh -c "echo 0x37 > /proc/self/coredump_filter; GOTRACEBACK=crash exec ./crasher -mib 2300 -random 25" ) > /dev/null 2>&1
	[ -s "$B/core" ] || die "no core was written in $B"
fi
CORE=$B/core
SIZE=$(stat -c %s "$CORE")
NONZERO=$(python3 -c '
import mmap, sys
f = open(sys.argv[1], "rb"); m = mmap.mmap(f.fileno(), 0, prot=mmap.PROT_READ)
z = bytes(4096); n = 0
for off in range(0, len(m), 4096):
    b = m[off:off + 4096]
    if b != z[:len(b)]: n += len(b)
print(n)' "$CORE")
msg "core: $SIZE bytes, $NONZERO bytes in non-zero 4 KiB pages"
cat "$CORE" > /dev/null	# page cache

# --- systemd-coredump, unpacked ---------------------------------------------
SDCD=$GOCD_CACHE/sdcd/root/lib/systemd/systemd-coredump
if [ ! -x "$SDCD" ]; then
	if ! { apt_priv_update &&
	       ver=$(dpkg-query -W -f '${Version}' systemd 2>/dev/null) &&
	       apt_priv_fetch "$GOCD_CACHE/sdcd" "systemd-coredump=$ver" &&
	       dpkg -x "$GOCD_CACHE"/sdcd/systemd-coredump_*.deb "$GOCD_CACHE/sdcd/root"; }; then
		msg "cannot fetch systemd-coredump ${ver:-}: its rows will be missing"
	fi
fi

# A live process stands in for the crashed one (its /proc is read).
sleep 100000 &
STAND=$!

printf 'Storage=raw\nRateLimit=off\nSaveExecutable=no\nMaxUse=0\nKeepFree=0\n' > "$B/raw.conf"
printf 'Storage=zstd\nCompressLevel=3\nRateLimit=off\nSaveExecutable=no\nMaxUse=0\nKeepFree=0\n' > "$B/zstd.conf"
printf '[Coredump]\nStorage=external\nCompress=yes\nProcessSizeMax=64G\nExternalSizeMax=64G\nMaxUse=1T\nKeepFree=0\n' > "$B/coredump.conf"

gocapd_pipe() {	# CONFIG [EXTRA...]
	c=$1; shift
	"$GOCAPD" --store "$OUT/store" --config "$c" --socket "$OUT/nosock" \
		--no-daemon --log-stderr "$@" \
		--pipe $STAND $STAND $STAND 6 "$(date +%s)" 0 0 0 bench crasher 2>/dev/null
}
sdcd() {
	# shellcheck disable=SC2016 # $1 expands in the inner shell
	unshare -m sh -c '
		mount --make-rprivate / &&
		mount -t tmpfs none /etc/systemd && cp "$1" /etc/systemd/coredump.conf &&
		mkdir -p /var/lib/systemd &&
		mount -t tmpfs none /var/lib/systemd && mkdir /var/lib/systemd/coredump &&
		mount --bind "$2" /var/lib/systemd/coredump &&
		exec python3 "$3" "$4" "$5" crasher "$6"' sh \
		"$B/coredump.conf" "$OUT/sd" "$GOCD_TOP/bench/persist/sdcd-drive.py" \
		"$SDCD" "$STAND" "$B/crasher"
}

median() {	# FILE COLUMN
	sort -n -k"$2" "$1" | awk -v c="$2" '{ v[NR] = $c } END { print v[int((NR + 1) / 2)] }'
}

# The methods: each reads the core on stdin and leaves one file in $OUT.
m_cat() { cat > "$OUT/core" && sync "$OUT/core"; }
m_zstd1() { zstd -1 -q -c > "$OUT/core.zst" && sync "$OUT/core.zst"; }
m_gocapd_raw() { gocapd_pipe "$B/raw.conf"; }
m_gocapd_zstd() { gocapd_pipe "$B/zstd.conf"; }
m_gocapd_zstd_1w() { gocapd_pipe "$B/zstd.conf" --zstd-workers 1; }
# Through the daemon: SCM_RIGHTS handoff, the helper waits for DONE, zstd
# frames end every 64 MiB as progress points.
m_gocapd_daemon_raw() { daemon_pipe raw; }
m_gocapd_daemon_zstd() { daemon_pipe zstd; }
m_systemd_coredump() { sdcd; }
daemon_pipe() {
	"$GOCAPD" --store "$B/dstore-$1" --config "$B/$1.conf" \
		--socket "$B/d-$1.sock" --log-stderr \
		--pipe $STAND $STAND $STAND 6 0 0 0 0 bench crasher 2>/dev/null
}
export -f gocapd_pipe daemon_pipe sdcd m_cat m_zstd1 m_gocapd_raw m_gocapd_zstd \
	m_gocapd_zstd_1w m_gocapd_daemon_raw m_gocapd_daemon_zstd m_systemd_coredump
export GOCAPD OUT STAND B SDCD GOCD_TOP

declare -A DPID
for m in raw zstd; do
	rm -rf "$B/dstore-$m"
	: > "$B/ready"
	"$GOCAPD" --store "$B/dstore-$m" --config "$B/$m.conf" \
		--socket "$B/d-$m.sock" --ready-fd 9 9> "$B/ready" 2>/dev/null &
	DPID[$m]=$!
	for _ in $(seq 50); do [ -s "$B/ready" ] && break; sleep 0.1; done
done
trap 'kill $STAND ${DPID[raw]} ${DPID[zstd]} 2>/dev/null; rm -rf "$OUT" "$B"/dstore-*' EXIT
ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }

METHODS="cat gocapd_raw gocapd_daemon_raw gocapd_zstd gocapd_zstd_1w gocapd_daemon_zstd zstd1"
[ -x "$SDCD" ] && METHODS="$METHODS systemd_coredump"
rm -f "$B"/*.runs
for n in $METHODS; do : > "$B/$n.runs"; done

# run_one NAME: one run, appended to $B/NAME.runs as
# "wall user+sys blocks size"; the daemon's CPU is added for daemon_*.
run_one() {
	n=$1 dir=$OUT d=""
	case $n in gocapd_daemon_*) d=${n#gocapd_daemon_}; dir=$B/dstore-$d ;; esac
	rm -rf "$OUT"; mkdir -p "$OUT/store" "$OUT/sd"
	rm -f "$dir"/core.*
	sync
	t0=0; [ -n "$d" ] && t0=$(ticks "${DPID[$d]}")
	/usr/bin/time -f '%e %U %S' -o "$B/time" bash -c "m_$n" < "$CORE" ||
		{ msg "$n: failed"; return 1; }
	t1=0; [ -n "$d" ] && t1=$(ticks "${DPID[$d]}")
	f=$(find "$dir" -type f -name 'core*' ! -name '*.json' -size +1M | head -1)
	[ -n "$f" ] || { msg "$n: no output file"; return 1; }
	awk -v t="$(cat "$B/time")" -v dt=$((t1 - t0)) -v hz="$(getconf CLK_TCK)" \
		-v b=$(( $(stat -c %b "$f") * 512 )) -v s="$(stat -c %s "$f")" 'BEGIN {
		split(t, a, " "); printf "%s %.2f %.0f %.0f\n", a[1], a[2] + a[3] + dt / hz, b, s }' >> "$B/$n.runs"
}
# Round robin: every method sees the same machine (this one is shared).
for _ in $(seq "$RUNS"); do
	for n in $METHODS; do run_one "$n"; done
done

echo "Core: $SIZE bytes ($(( SIZE >> 20 )) MiB), of which $NONZERO bytes in non-zero 4 KiB pages; $RUNS runs each, medians; $(nproc) CPUs."
echo
echo "| method | wall s | MiB/s | CPU s (user+sys, daemon included) | disk bytes | disk / non-zero pages | file bytes |"
echo "|---|---|---|---|---|---|---|"
for n in $METHODS; do
	[ -s "$B/$n.runs" ] || continue
	w=$(median "$B/$n.runs" 1); c=$(median "$B/$n.runs" 2)
	blk=$(median "$B/$n.runs" 3); fs=$(median "$B/$n.runs" 4)
	awk -v n="$n" -v w="$w" -v c="$c" -v b="$blk" -v f="$fs" -v sz="$SIZE" -v nz="$NONZERO" 'BEGIN {
		printf "| %s | %.2f | %.0f | %.2f | %.0f | %.4f | %.0f |\n", n, w, sz / 1048576 / w, c, b, b / nz, f }'
	echo "$n $w $blk" >> "$B/summary"
done
echo
awk -v nz="$NONZERO" '
	{ w[$1] = $2; b[$1] = $3 }
	END {
		for (m in w) if (m ~ /gocapd.*raw/)
			printf "%s / cat throughput: %.2f (target >= 0.9); disk / non-zero pages: %.4f (target <= 1.05)\n", m, w["cat"] / w[m], b[m] / nz
		if ("systemd_coredump" in w)
			for (m in w) if (m ~ /gocapd.*zstd/)
				printf "%s vs systemd-coredump: %.2fx faster, disk bytes %+d (%.5f of it) (targets > 1, <= 1)\n", m, w["systemd_coredump"] / w[m], b[m] - b["systemd_coredump"], b[m] / b["systemd_coredump"]
	}' "$B/summary"
rm -f "$B/summary"
