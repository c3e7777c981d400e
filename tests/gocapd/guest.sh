#!/bin/sh
# shellcheck shell=dash # runs under the guest's busybox sh
# guest.sh: gocapd in the VM lab, through the kernel's real core_pattern.
# Runs as the suite /gcd/suites/gocapd under busybox sh, as root, in a
# guest whose /proc/sys/kernel may be changed.  TAP on stdout.
#
# What the initramfs must hold (see the report of issue 4):
#   /gcd/bin/gocapd       build/bin/gocapd-static (no shared libraries)
#   /gcd/bin/gocap        build/bin/gocap, to read the store (its shared
#                         libraries are in the initramfs: mkinitramfs.sh)
#   /gcd/bin/gocapd-tee   tests/gocapd/guest-tee.sh
#   /gcd/bin/crasher      tests/gocapd/go/crasher built with CGO_ENABLED=0
#   /gcd/bin/memsnap      tests/gocapd/memsnap.c, static
#   /gcd/suites/gocapd    this file
# and busybox (sh, sha256sum, tee, mkfifo, mount, umount, grep, sed, ...).
# Needs about 1.5 GiB of guest memory (tmpfs stores, a 200 MiB core).
#
# Tests:
#  1-2  a Go crash through core_pattern, stored zstd and raw: the stored
#       core is byte for byte what the kernel wrote (SHA-256 taken in the
#       pipe by gocapd-tee)
#  3    50 concurrent crashes, all stored complete by the daemon
#  4    the daemon SIGKILLed in the middle of a 200 MiB dump: the helper
#       keeps the confirmed prefix, byte-exact, marked truncated
#  5    disk full: metadata recorded, status says why, daemon keeps running
#  6    a crash loop is rate limited
#  7-8  kernel coredump socket, "@@" (request/ack, REJECT on rate limit)
#       and "@": skipped where the kernel has no socket mode (< 6.16)
#  9-10 socket mode, zstd and raw: each segment of the stored core is
#       exactly the memory of the process (memsnap: stopped, snapshotted,
#       then killed with SIGABRT), as no tap fits on the kernel's socket
#  11   with /gcd/gocoredump.ko (the lab's module for this kernel), the
#       annotation holds gocoredump's scheduler note, decoded
#  12   %d and %F: the core and /proc/PID agree (pid_check), and on a
#       kernel with %F (7.x) the kernel's pidfd says so too
#  13   the crashed process is let go once its core is written: it exits
#       while the daemon is stopped before its fsync (nothing recorded
#       yet), and the dump is then recorded complete
#  14   gocap snapshot (with /gcd/bin/mutator and /gcd/bin/snapcheck, from
#       tests/triage) of a process writing all the time: soft-dirty
#       pre-copy carries its memory, and what the core holds is one moment
set -u
G=/gcd/bin/gocapd
GOCAP=/gcd/bin/gocap
CRASHER=/gcd/bin/crasher
STORE=/var/lib/gocap
LOG=/tmp/gocapd.log
N=0
FAIL=0
DP=""

ok() { N=$((N + 1)); echo "ok $N $*"; }
notok() { N=$((N + 1)); FAIL=1; echo "not ok $N $*"; }
skip() { N=$((N + 1)); echo "ok $N $1 # SKIP $2"; }
diag() { echo "# $*"; }
check() {
	d=$1; shift
	if "$@" > /tmp/check.log 2>&1; then
		ok "$d"; sed 's/^/#   /' /tmp/check.log | tail -4
	else
		notok "$d"; sed 's/^/#   /' /tmp/check.log | tail -20
		tail -5 "$LOG" | sed 's/^/#   log: /'
	fi
}

pattern() { printf '%s' "$1" > /proc/sys/kernel/core_pattern; }
# with the optional %d (dump mode) and %F (pidfd, Linux 6.16+; empty before)
PIPE_PATTERN="|$G --pipe %P %i %I %s %t %u %g %c %h %e %d %F"
TEE_PATTERN="|/gcd/bin/gocapd-tee %P %i %I %s %t %u %g %c %h %e"

# fresh_store [SIZE]: an empty store on its own tmpfs
fresh_store() {
	umount "$STORE" 2>/dev/null
	mkdir -p "$STORE"
	mount -t tmpfs -o "size=${1:-900m},mode=0700" gocap "$STORE"
}
# daemon CONFIG-LINES... [-- EXTRA-ARGS]: (re)start the daemon
daemon() {
	stop_daemon
	: > /etc/gocapd.conf
	while [ $# -gt 0 ] && [ "$1" != -- ]; do echo "$1" >> /etc/gocapd.conf; shift; done
	[ $# -gt 0 ] && shift
	rm -f /tmp/ready
	"$G" --ready-fd 9 "$@" 9> /tmp/ready 2>> "$LOG" &
	DP=$!
	for _ in $(seq 100); do [ -s /tmp/ready ] && return 0; sleep 0.1; done
	return 1
}
stop_daemon() {
	[ -n "$DP" ] && kill "$DP" 2>/dev/null && wait "$DP" 2>/dev/null
	DP=""
}
# crash ARGS: run the Go crasher until the kernel has dumped it
crash() {
	mkdir -p /tmp/cwd
	(cd /tmp/cwd && GOTRACEBACK=crash "$CRASHER" "$@" > /dev/null 2>&1)
	return 0
}
# rows: the store's index as gocap lists it (list --json puts each row on
# a line of its own), one tab-separated line per dump: id, time_us, pid,
# signal, status, storage, apparent size, size on disk, suppressed
# before, exe, core file, why
rows() {
	"$GOCAP" --store "$STORE" list --json 2>/dev/null | awk '
	function get(k) {
		if (!match($0, "\"" k "\": *(\"[^\"]*\"|-?[0-9]+)"))
			return ""
		v = substr($0, RSTART, RLENGTH)
		sub(/^"[^"]*": */, "", v)
		gsub(/"/, "", v)
		return v
	}
	/^ *\{/ {
		printf "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n",
			get("id"), get("time_us"), get("pid"), get("signal"),
			get("status"), get("storage"), get("apparent_size"),
			get("size_on_disk"), get("suppressed_before"), get("exe"),
			get("core_file"), get("status_why")
	}'
}
field() { rows | awk -F'\t' -v id="$1" -v f="$2" '$1 == id { print $f }'; }
# settle N: wait (30 s at most) until the store lists N dumps and nothing
# is being written in .tmp/.  A crashed process is gone once its core is
# written, before its dump is synced and recorded (gocapd.rst, "When the
# crashed process goes"): crash returning is not the row being there.
settle() {
	for _ in $(seq 300); do
		busy=0
		for f in "$STORE"/.tmp/*.partial; do [ -e "$f" ] && busy=1; done
		[ "$busy" = 0 ] && [ "$(rows | wc -l)" -ge "$1" ] && return 0
		sleep 0.1
	done
	echo "settle: $(rows | wc -l) rows of $1 after 30 s"
	return 1
}
extract() { "$GOCAP" --store "$STORE" dump "$1" -o "$2"; }

mkdir -p /run /etc /var/lib /tmp/tee
echo 64 > /proc/sys/kernel/core_pipe_limit
ORIG_PATTERN=$(cat /proc/sys/kernel/core_pattern)
diag "kernel $(uname -r), core_pipe_limit $(cat /proc/sys/kernel/core_pipe_limit)"

# --- 1, 2: byte-exact through the real core_pattern ---------------------
t_exact() {
	storage=$1
	fresh_store
	daemon "Storage=$storage" || return 1
	pattern "$TEE_PATTERN"
	crash -mib 32
	settle 1
	id=$(rows | tail -1 | cut -f1)
	pid=$(field "$id" 3)
	st=$(field "$id" 5)
	echo "row $id pid $pid status $st storage $(field "$id" 6) size $(field "$id" 7) on disk $(field "$id" 8)"
	[ "$st" = complete ] && [ "$(field "$id" 6)" = "$storage" ] || return 1
	extract "$id" /tmp/extracted || return 1
	want=$(cat "/tmp/tee/sum.$pid")
	got=$(sha256sum /tmp/extracted | cut -d' ' -f1)
	rm -f /tmp/extracted
	echo "kernel wrote $want, store gives back $got"
	[ -n "$want" ] && [ "$want" = "$got" ] &&
	grep -q "dump $id of $CRASHER" "$LOG"	# stored by the daemon
}
check "pipe mode, zstd: the stored core decompresses to exactly the kernel's bytes" t_exact zstd
check "pipe mode, raw: the stored sparse core is exactly the kernel's bytes" t_exact raw

# --- 3: 50 concurrent crashes ---------------------------------------------
t_fifty() {
	fresh_store
	daemon "Storage=zstd" "RateLimit=off" "MaxConcurrent=16" || return 1
	pattern "$PIPE_PATTERN"
	: > "$LOG"
	i=0; pids=""
	while [ "$i" -lt 50 ]; do crash -mib 2 & pids="$pids $!"; i=$((i + 1)); done
	for p in $pids; do wait "$p"; done
	settle 50
	total=$(rows | wc -l)
	complete=$(rows | awk -F'\t' '$5 == "complete"' | wc -l)
	bydaemon=$(grep -c "): complete," "$LOG")
	echo "rows $total, complete $complete, stored by the daemon $bydaemon"
	dmesg | grep -q "storing the core" && { dmesg | grep gocapd | tail -5; return 1; }
	[ "$total" = 50 ] && [ "$complete" = 50 ] && [ "$bydaemon" = 50 ]
}
check "50 concurrent crashes: all 50 stored complete by the daemon" t_fifty

# --- 4: the daemon killed mid-dump ----------------------------------------
t_killed() {
	fresh_store
	daemon "Storage=raw" "RateLimit=off" || return 1
	pattern "$TEE_PATTERN"
	touch /tmp/tee/copy
	crash -mib 200 &
	cp=$!
	# wait until the daemon has written at least 40 MiB
	for _ in $(seq 600); do
		s=$(stat -c %s "$STORE"/.tmp/*.partial 2>/dev/null)
		[ -n "$s" ] && [ "$s" -gt 41943040 ] && break
		sleep 0.1
	done
	kill -9 "$DP"; wait "$DP" 2>/dev/null; DP=""
	wait "$cp"
	settle 1
	rm -f /tmp/tee/copy
	r=$(rows | tail -1)
	id=$(echo "$r" | cut -f1); pid=$(echo "$r" | cut -f3)
	st=$(echo "$r" | cut -f5); n=$(echo "$r" | cut -f7)
	f=$STORE/$(echo "$r" | cut -f11)
	echo "$r"
	ls -l "/tmp/tee/core.$pid" "$f"
	[ "$st" = truncated ] && [ "$n" -ge 16777216 ] || return 1
	echo "$r" | grep -q "daemon went away" || return 1
	[ "$(stat -c %s "$f")" = "$n" ] || return 1
	head -c "$n" "/tmp/tee/core.$pid" | cmp - "$f" || return 1
	rm -f "/tmp/tee/core.$pid"
}
check "daemon SIGKILLed mid-dump: the dump is kept (truncated, verified prefix), never silently corrupt" t_killed

# --- 5: disk full --------------------------------------------------------
t_full() {
	fresh_store 16m
	daemon "Storage=raw" "KeepFree=0" "MaxUse=0" "RateLimit=off" || return 1
	pattern "$PIPE_PATTERN"
	crash -mib 64
	settle 1
	r=$(rows | tail -1)
	echo "$r"
	echo "$r" | cut -f5 | grep -qx metadata-only || return 1
	echo "$r" | grep -q "No space left on device" || return 1
	kill -0 "$DP" || { echo "daemon died"; return 1; }
	crash -mib 1
	settle 2
	[ "$(rows | tail -1 | cut -f5)" = complete ]
}
check "disk full: metadata recorded, status says why (ENOSPC), daemon keeps running" t_full

# --- 6: crash loop ---------------------------------------------------------
t_loop() {
	fresh_store
	daemon "Storage=zstd" "RateLimit=3/1h" || return 1
	pattern "$PIPE_PATTERN"
	: > "$LOG"
	for i in 1 2 3 4 5 6 7 8 9 10; do crash -mib 1; done
	settle 3
	n=$(rows | wc -l)
	s=$(grep -c "suppressed: more than 3 dumps" "$LOG")
	echo "rows $n, suppressed $s"
	[ "$n" = 3 ] && [ "$s" = 7 ]
}
check "crash loop: RateLimit=3/1h keeps 3 of 10 crashes, counts 7 suppressed" t_loop

# --- 7, 8: kernel coredump socket mode ---------------------------------------
KS=/run/gocapd/coredump.sock
# Older kernels take "@@/path" as a file name: ask for the modes instead
# (/proc/sys/kernel/core_modes lists "socket" where it exists).
if grep -qx socket /proc/sys/kernel/core_modes 2>/dev/null; then
	t_sock_req() {
		fresh_store
		daemon "Storage=zstd" "RateLimit=1/1h" -- \
			--coredump-socket "$KS" --coredump-request || return 1
		pattern "@@$KS"
		crash -mib 32
		crash -mib 32	# rate limited: the daemon answers REJECT
		settle 1
		r=$(rows | head -1)
		echo "$r"; rows | wc -l
		[ "$(rows | wc -l)" = 1 ] && [ "$(echo "$r" | cut -f5)" = complete ] &&
		[ "$(echo "$r" | cut -f4)" = 6 ] &&
		grep -q "suppressed" "$LOG" &&
		grep -q "CapEff:.*0000000000080004" "/proc/$DP/status"
	}
	check "socket mode @@: the kernel connects, request/ack, core stored complete; rate limit REJECTs" t_sock_req
	t_sock_plain() {
		fresh_store
		daemon "Storage=raw" "RateLimit=off" -- --coredump-socket "$KS" || return 1
		pattern "@$KS"
		crash -mib 16
		settle 1
		r=$(rows | head -1)
		echo "$r"
		[ "$(echo "$r" | cut -f5)" = complete ] && [ "$(echo "$r" | cut -f4)" = 6 ]
	}
	check "socket mode @: core stored complete (signal from NT_SIGINFO)" t_sock_plain
	# No tap can sit between the kernel and the daemon here: the oracle is
	# the process's memory, snapshotted while it was stopped just before
	# the fatal signal (memsnap), against each segment of the stored core.
	t_sock_exact() {
		fresh_store
		if [ "$2" = "@@" ]; then
			daemon "Storage=$1" "RateLimit=off" -- \
				--coredump-socket "$KS" --coredump-request || return 1
		else
			daemon "Storage=$1" "RateLimit=off" -- --coredump-socket "$KS" || return 1
		fi
		pattern "$2$KS"
		/gcd/bin/memsnap crash /tmp/snap 48 || return 1
		settle 1
		r=$(rows | tail -1)
		echo "$r"
		id=$(echo "$r" | cut -f1)
		[ "$(echo "$r" | cut -f5)" = complete ] &&
		[ "$(echo "$r" | cut -f6)" = "$1" ] || return 1
		extract "$id" /tmp/extracted || return 1
		/gcd/bin/memsnap check /tmp/snap /tmp/extracted
		rc=$?
		rm -f /tmp/extracted /tmp/snap
		return "$rc"
	}
	check "socket mode @@, zstd: every segment of the stored core is the stopped process's memory" t_sock_exact zstd @@
	check "socket mode @, raw: every segment of the stored core is the stopped process's memory" t_sock_exact raw @
else
	skip "socket mode @@" "kernel $(uname -r) has no coredump socket (no 'socket' in core_modes)"
	skip "socket mode @" "kernel $(uname -r) has no coredump socket"
	skip "socket mode @@, byte-exact" "kernel $(uname -r) has no coredump socket"
	skip "socket mode @, byte-exact" "kernel $(uname -r) has no coredump socket"
fi

# --- 9: gocoredump's scheduler note, decoded into the annotation ---------
if [ -f /gcd/gocoredump.ko ] && insmod /gcd/gocoredump.ko 2>/dev/null; then
	t_note() {
		fresh_store
		daemon "Storage=zstd" "RateLimit=off" || return 1
		pattern "$PIPE_PATTERN"
		crash -mib 4
		settle 1
		r=$(rows | tail -1)
		pid=$(echo "$r" | cut -f3)
		j=$STORE/$(echo "$r" | cut -f11 | sed 's/\.zst$//').json
		echo "$r"
		# The annotation is indented JSON, one key per line (only the
		# note has "tgid" and "go_version"; "go" has the version string).
		sed -n '/"gocoredump_note"/,/"threads"/p' "$j" | head -30
		# the note, decoded from the stored core, names this very process
		# and the Go version that .go.buildinfo says
		gv=$(grep -o '"version": "go[^"]*"' "$j" | head -1 | sed 's/.*"version": "//; s/"$//')
		[ -n "$gv" ] && grep -q "\"tgid\": $pid," "$j" &&
		grep -q "\"go_version\": \"$gv\"" "$j"
	}
	check "scheduler note: gocoredump's note is decoded into the annotation (tgid, Go version agree)" t_note
	rmmod gocoredump 2>/dev/null
else
	skip "scheduler note" "no gocoredump.ko for $(uname -r) in /gcd"
fi

# --- 12: PID reuse: the kernel's pidfd, and the core's own notes ---------
t_pidfd() {
	fresh_store
	daemon "Storage=zstd" "RateLimit=off" || return 1
	pattern "$PIPE_PATTERN"
	crash -mib 2
	settle 1
	r=$(rows | tail -1)
	j=$STORE/$(echo "$r" | cut -f11 | sed 's/\.zst$//').json
	echo "$r"
	grep -A6 '"pid_check"' "$j"
	grep -q '"status": "match"' "$j" && grep -q '"dumpable": 1' "$j" || return 1
	# %F came with 6.16, and stable kernels took it (Debian's 6.1 has it):
	# on 7.x the pidfd must be there; before, "none" says a kernel
	# without it, never "failed".
	if [ "$(uname -r | cut -d. -f1)" -ge 7 ]; then
		grep -q '"pidfd": "verified"' "$j"
	else
		grep -qE '"pidfd": "(verified|none)"' "$j"
	fi
}
check "PID reuse: the core and /proc/PID agree; with %F (7.x, and 6.1's backport) the kernel's pidfd verified it" t_pidfd

# --- 13: the crashed process goes once its core is written -----------------
# The kernel keeps it until every reader of the core's pipe has closed
# it; the daemon and the helper close theirs once every byte is read and
# written, before the fsync.  The daemon stops right there
# (GOCAPD_FAILPOINT=before-fsync:stop): the crashed process must be gone
# all the same, with no row yet; resumed, the daemon records it complete.
t_release() {
	fresh_store
	export GOCAPD_FAILPOINT=before-fsync:stop
	daemon "Storage=raw" "RateLimit=off"
	rc=$?
	unset GOCAPD_FAILPOINT
	[ "$rc" = 0 ] || return 1
	pattern "$PIPE_PATTERN"
	crash -mib 32 &
	cp=$!
	st=""
	for _ in $(seq 600); do
		st=$(cut -d' ' -f3 "/proc/$DP/stat")
		[ "$st" = T ] && break
		sleep 0.1
	done
	gone=no
	for _ in $(seq 300); do
		kill -0 "$cp" 2>/dev/null || { gone=yes; break; }
		sleep 0.1
	done
	n=$(rows | wc -l)
	echo "daemon state $st (T: stopped before its fsync); crashed process gone: $gone; rows: $n"
	kill -CONT "$DP"
	wait "$cp"
	settle 1
	r=$(rows | tail -1)
	echo "$r"
	[ "$st" = T ] && [ "$gone" = yes ] && [ "$n" = 0 ] &&
	[ "$(echo "$r" | cut -f5)" = complete ]
}
check "release: the crashed process exits once its core is written, while the daemon is stopped before its fsync; then recorded complete" t_release

# 14: gocap snapshot of a process that writes all the time.  Debian's
# kernels keep soft-dirty bits, so gocap copies the memory while the
# process runs and, once it is stopped, only the pages written since: the
# buffer must still read as one moment (snapcheck), and the pre-copy must
# have carried the 64 MiB (else this would test the stop-only path).  The
# third round is on a machine short of memory (a failpoint: a 4 MiB hold
# budget): the pre-copy must still carry the 64 MiB, through the file.
t_snapshot_precopy() {
	/gcd/bin/mutator > /tmp/mut.out 2>&1 &
	mp=$!
	for _ in $(seq 100); do grep -q '^buf' /tmp/mut.out && break; sleep 0.1; done
	addr=$(cut -d' ' -f2 /tmp/mut.out) pages=$(cut -d' ' -f4 /tmp/mut.out)
	bad=0
	for fp in - - snapshot-low-memory; do
		rm -f /tmp/m.core
		GOCAP_FAILPOINT=${fp#-} "$GOCAP" snapshot "$mp" -o /tmp/m.core 2> /tmp/m.err || bad=1
		cat /tmp/m.err
		/gcd/bin/snapcheck /tmp/m.core "$addr" "$pages" || bad=1
		pre=$(sed -n 's/.* MiB copied during the stop, \([0-9]*\)\.[0-9] MiB before it.*/\1/p' /tmp/m.err)
		[ "${pre:-0}" -ge 64 ] || { echo "pre-copy carried ${pre:-no} MiB"; bad=1; }
		spill=$(sed -n 's/.* before it (\([0-9]*\)\.[0-9] MiB of it through the file).*/\1/p' /tmp/m.err)
		[ "$fp" = - ] || [ "${spill:-0}" -ge 60 ] ||
			{ echo "the spill carried ${spill:-no} MiB"; bad=1; }
	done
	rm -f /tmp/m.core
	"$GOCAP" snapshot --no-precopy "$mp" -o /tmp/m.core 2> /tmp/m.err || bad=1
	cat /tmp/m.err
	/gcd/bin/snapcheck /tmp/m.core "$addr" "$pages" || bad=1
	kill "$mp"
	rm -f /tmp/m.core
	[ "$bad" = 0 ]
}
check "gocap snapshot of a process writing all the time, with soft-dirty pre-copy: its memory is one moment" t_snapshot_precopy

pattern "$ORIG_PATTERN"
stop_daemon
echo "1..$N"
exit $FAIL
