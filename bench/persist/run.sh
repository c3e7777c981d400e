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
	apt_priv_update && ver=$(dpkg-query -W -f '${Version}' systemd 2>/dev/null) &&
	apt_priv_fetch "$GOCD_CACHE/sdcd" "systemd-coredump=$ver" &&
	dpkg -x "$GOCD_CACHE"/sdcd/systemd-coredump_*.deb "$GOCD_CACHE/sdcd/root" ||
		msg "cannot fetch systemd-coredump $ver: its rows will be missing"
fi

# A live process stands in for the crashed one (its /proc is read).
sleep 100000 &
STAND=$!
trap 'kill $STAND 2>/dev/null; rm -rf "$OUT"' EXIT

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

# measure NAME DIR CMD: run CMD with the core on stdin RUNS times; its
# output appears in DIR; record "wall user sys blocks size" of each run in
# $B/NAME.runs
measure() {
	name=$1 dir=$2; shift 2
	: > "$B/$name.runs"
	for r in $(seq "$RUNS"); do
		rm -rf "$OUT"; mkdir -p "$OUT/store" "$OUT/sd"
		rm -f "$dir"/core.*
		sync
		cat "$CORE" | /usr/bin/time -f '%e %U %S' -o "$B/time" "$@" || {
			msg "$name: failed"; return 1; }
		f=$(find "$dir" -type f -name 'core*' ! -name '*.json' -size +1M | head -1)
		[ -n "$f" ] || { msg "$name: no output file"; return 1; }
		echo "$(cat "$B/time") $(( $(stat -c %b "$f") * 512 )) $(stat -c %s "$f")" >> "$B/$name.runs"
	done
}
median() {	# FILE COLUMN
	sort -n -k"$2" "$1" | awk -v c="$2" '{ v[NR] = $c } END { print v[int((NR + 1) / 2)] }'
}

export -f gocapd_pipe sdcd
export GOCAPD OUT STAND B SDCD GOCD_TOP
measure cat "$OUT" sh -c "cat > '$OUT/core' && sync '$OUT/core'"
measure gocapd-raw "$OUT/store" bash -c 'gocapd_pipe "$@"' _ "$B/raw.conf"
measure gocapd-zstd "$OUT/store" bash -c 'gocapd_pipe "$@"' _ "$B/zstd.conf"
measure gocapd-zstd-1w "$OUT/store" bash -c 'gocapd_pipe "$@"' _ "$B/zstd.conf" --zstd-workers 1
# The same through the daemon (SCM_RIGHTS handoff; the helper waits for
# DONE; zstd frames end every 64 MiB as progress points).
for m in raw zstd; do
	rm -rf "$B/dstore-$m"
	: > "$B/ready"
	"$GOCAPD" --store "$B/dstore-$m" --config "$B/$m.conf" \
		--socket "$B/d-$m.sock" --ready-fd 9 9> "$B/ready" 2>/dev/null &
	dp=$!
	for _ in $(seq 50); do [ -s "$B/ready" ] && break; sleep 0.1; done
	measure "gocapd-daemon-$m" "$B/dstore-$m" "$GOCAPD" --store "$B/dstore-$m" \
		--config "$B/$m.conf" --socket "$B/d-$m.sock" --log-stderr \
		--pipe $STAND $STAND $STAND 6 0 0 0 0 bench crasher
	kill $dp; wait $dp 2>/dev/null
	rm -rf "$B/dstore-$m"
done
measure zstd-1 "$OUT" sh -c "zstd -1 -q -c > '$OUT/core.zst' && sync '$OUT/core.zst'"
[ -x "$SDCD" ] && measure systemd-coredump "$OUT/sd" bash -c sdcd

echo "Core: $SIZE bytes ($(( SIZE >> 20 )) MiB), of which $NONZERO bytes in non-zero 4 KiB pages; $RUNS runs each, medians; $(nproc) CPUs."
echo
echo "| method | wall s | MiB/s | CPU s (user+sys) | disk bytes | disk / non-zero pages | file bytes |"
echo "|---|---|---|---|---|---|---|"
for n in cat gocapd-raw gocapd-daemon-raw gocapd-zstd gocapd-zstd-1w gocapd-daemon-zstd zstd-1 systemd-coredump; do
	[ -s "$B/$n.runs" ] || continue
	w=$(median "$B/$n.runs" 1); u=$(median "$B/$n.runs" 2); s=$(median "$B/$n.runs" 3)
	blk=$(median "$B/$n.runs" 4); fs=$(median "$B/$n.runs" 5)
	awk -v n="$n" -v w="$w" -v u="$u" -v s="$s" -v b="$blk" -v f="$fs" -v sz="$SIZE" -v nz="$NONZERO" 'BEGIN {
		printf "| %s | %.2f | %.0f | %.2f | %.0f | %.4f | %.0f |\n", n, w, sz / 1048576 / w, u + s, b, b / nz, f }'
	echo "$n $w $blk" >> "$B/summary"
done
echo
awk -v nz="$NONZERO" '
	{ w[$1] = $2; b[$1] = $3 }
	END {
		for (m in w) if (m ~ /raw/)
			printf "%s / cat throughput: %.2f (target >= 0.9); disk / non-zero pages: %.4f (target <= 1.05)\n", m, w["cat"] / w[m], b[m] / nz
		if ("systemd-coredump" in w)
			for (m in w) if (m ~ /gocapd.*zstd/)
				printf "%s vs systemd-coredump: %.2fx faster, disk bytes %+d (%.5f of it) (targets > 1, <= 1)\n", m, w["systemd-coredump"] / w[m], b[m] - b["systemd-coredump"], b[m] / b["systemd-coredump"]
	}' "$B/summary"
rm -f "$B/summary"
