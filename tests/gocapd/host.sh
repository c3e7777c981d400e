#!/bin/bash
# host.sh: gocapd's host integration tests (no VM), TAP on stdout.
#
# Input is real: a Go program (tests/gocapd/go/crasher) built with Debian's
# Go toolchain crashes under GOTRACEBACK=crash with coredump_filter 0x37,
# and the kernel writes its core into a scratch directory (this host's
# core_pattern is "core"; it is never changed).  That core is then fed to
# `gocapd --pipe` exactly as the kernel would (on stdin, with the
# core_pattern arguments), with a live Go process standing in for the
# crashed one so that /proc/PID is real.
#
# Each test says what it proves; each was seen failing with the feature
# broken (see the report of issue 4).  Needs root (tmpfs mounts, store
# permissions); runs in about a minute.
set -u
. "$(dirname "$0")/../../scripts/lib.sh"

GOCAPD=$GOCD_BUILD/bin/gocapd
W=$(mktemp -d /tmp/gocapd-host.XXXXXX)
N=0
FAILED=0
PIDS=""

cleanup() {
	# CONT too: a test that failed may have left its daemon stopped, and a
	# stopped process does not act on TERM (the wait would never end).
	for p in $PIDS; do kill "$p" 2>/dev/null; kill -CONT "$p" 2>/dev/null; done
	wait 2>/dev/null
	for m in "$W"/mnt*; do
		mountpoint -q "$m" 2>/dev/null && umount "$m"
	done
	rm -rf "$W"
}
trap cleanup EXIT

ok() { N=$((N + 1)); echo "ok $N $*"; }
notok() { N=$((N + 1)); FAILED=1; echo "not ok $N $*"; }
skip() { N=$((N + 1)); echo "ok $N $1 # SKIP $2"; }
diag() { echo "# $*"; }
# check DESC CMD...: one test whose verdict is CMD's exit status
check() {
	d=$1; shift
	if "$@" > "$W/check.log" 2>&1; then ok "$d"; else
		notok "$d"; sed 's/^/#   /' "$W/check.log" | tail -15
	fi
}

[ "$(id -u)" = 0 ] || { echo "1..0 # SKIP needs root"; exit 0; }
[ -x "$GOCAPD" ] || { echo "1..1"; echo "not ok 1 $GOCAPD not built"; exit 1; }

# --- inputs: a Go crasher and real cores of it ---------------------------
(cd "$GOCD_TOP/tests/gocapd/go" &&
 "$GOCD_TOP/scripts/go.sh" 1.22 build -o "$W/crasher" ./crasher) \
	> "$W/build.log" 2>&1 || {
	echo "1..1"; echo "not ok 1 building the Go crasher"; sed 's/^/# /' "$W/build.log"
	exit 1
}

# make_core DIR MIB: crash the Go program in DIR, leave DIR/core
make_core() {
	mkdir -p "$1"
	(cd "$1" && ulimit -c unlimited &&
	 sh -c "echo 0x37 > /proc/self/coredump_filter; GOTRACEBACK=crash exec '$W/crasher' -mib $2" ) \
		> /dev/null 2>&1
	[ -s "$1/core" ]
}
make_core "$W/c16" 16 || { echo "1..1"; echo "not ok 1 no core from the Go crasher (ulimit -c? core_pattern?)"; exit 1; }
CORE=$W/c16/core
CORE_SIZE=$(stat -c %s "$CORE")
diag "core: $CORE_SIZE bytes, $(stat -c %b "$CORE") blocks on disk (kernel's own sparse file)"
mkdir -p "$GOCD_BUILD/fuzz-seeds/fuzz_gocapd_exe"
head -c 1048576 "$CORE" > "$GOCD_BUILD/fuzz-seeds/fuzz_gocapd_exe/core-head"
cp "$W/crasher" "$GOCD_BUILD/fuzz-seeds/fuzz_gocapd_exe/go-exe"
cp /bin/true "$GOCD_BUILD/fuzz-seeds/fuzz_gocapd_exe/c-exe"

# A live Go process that stands in for the crashed one (/proc/PID).
"$W/crasher" -mib 1 -sleep 600s 2>/dev/null &
STAND=$!
PIDS="$PIDS $STAND"
sleep 0.3

# pipe STORE CONF SOCK [COMM [PID]] < core: run the core_pattern helper
pipe() { pipe_within 0 "$@"; }
# pipe_within SECS STORE CONF SOCK [COMM [PID]] < core: the same, killed
# after SECS (0: never), for tests where a bug would make it wait for ever
pipe_within() {
	timeout "$1" "$GOCAPD" --store "$2" --config "$3" --socket "$4" \
		--log-stderr --pipe "${6:-$STAND}" "${6:-$STAND}" "${6:-$STAND}" 6 \
		"$(date +%s)" 0 0 0 testhost "${5:-crasher}"
}
# daemon STORE CONF SOCK: start the daemon, wait until it listens
daemon() {
	: > "$W/ready"
	"$GOCAPD" --store "$1" --config "$2" --socket "$3" --ready-fd 9 \
		2>> "$W/daemon.log" 9> "$W/ready" &
	DPID=$!
	PIDS="$PIDS $DPID"
	for _ in $(seq 50); do [ -s "$W/ready" ] && break; sleep 0.1; done
	: > "$W/ready"
	[ -S "$3" ]
}
q() { sqlite3 "$1/index.db" "$2"; }
conf() { f=$W/$1.conf; shift; printf '%s\n' "$@" > "$f"; echo "$f"; }
nonzero_bytes() {
	python3 -c '
import sys
n = 0
with open(sys.argv[1], "rb") as f:
    while True:
        b = f.read(4096)
        if not b: break
        if b.count(0) != len(b): n += 4096
print(n)' "$1"
}

# --- 1. fallback: no daemon, raw storage, byte-exact and sparse ----------
t_fallback_raw() {
	S=$W/s1; C=$(conf raw 'Storage=raw')
	pipe "$S" "$C" "$W/nosock" < "$CORE" 2> "$W/t1.log" || return 1
	grep -q "daemon not reachable" "$W/t1.log" || { echo "no fallback message"; return 1; }
	f=$S/$(q "$S" "select core_file from dumps where status='complete' and storage='raw'")
	cmp "$CORE" "$f" || return 1
	[ "$(q "$S" 'select apparent_size from dumps')" = "$CORE_SIZE" ]
}
check "fallback: with the daemon down, --pipe stores the core itself, byte-exact (raw)" t_fallback_raw

t_sparse() {
	S=$W/s1
	f=$S/$(q "$S" "select core_file from dumps")
	nz=$(nonzero_bytes "$CORE")
	used=$(( $(stat -c %b "$f") * $(stat -c %B "$f") ))
	app=$(stat -c %s "$f")
	echo "apparent $app, blocks used $used, non-zero 4K pages $nz"
	[ "$app" = "$CORE_SIZE" ] && [ "$used" -le $((nz * 105 / 100)) ] &&
	[ "$used" -lt "$app" ] &&
	[ "$(q "$S" 'select size_on_disk from dumps')" = "$used" ]
}
check "sparse: raw core uses no more blocks than its non-zero 4 KiB pages (+5%), index says so" t_sparse
diag "$(cat "$W/check.log")"

# --- 2. the daemon: SCM_RIGHTS handoff, zstd round trip, Go build info --
t_handoff_zstd() {
	S=$W/s2; C=$(conf zstd 'Storage=zstd' 'CompressLevel=3'); SOCK=$W/d2/sock
	daemon "$S" "$C" "$SOCK" || return 1
	pipe "$S" "$C" "$SOCK" < "$CORE" 2> "$W/t2.log" || return 1
	! grep -q "storing the core" "$W/t2.log" || { cat "$W/t2.log"; return 1; }
	grep -q "dump 1 of $W/crasher" "$W/daemon.log" || { echo "daemon did not store it"; return 1; }
	f=$S/$(q "$S" "select core_file from dumps where storage='zstd' and status='complete'")
	case $f in *.zst) ;; *) return 1 ;; esac
	zstd -qdc "$f" | cmp - "$CORE"
}
check "handoff: --pipe hands stdin+exe+context to the daemon over SCM_RIGHTS; zstd decompresses byte-exact" t_handoff_zstd

t_buildinfo() {
	S=$W/s2
	j=$S/$(q "$S" "select annotation_file from dumps where id=1")
	"$GOCD_TOP/scripts/go.sh" 1.22 version -m "$W/crasher" > "$W/gov.txt" || return 1
	python3 - "$j" "$W/gov.txt" <<'EOF'
import json, sys
a = json.load(open(sys.argv[1]))
gov = open(sys.argv[2]).read().split("\n")
version = gov[0].split(": ", 1)[1].strip()
mod = [l.split("\t")[2] for l in gov if l.startswith("\tmod\t")][0]
settings = dict(l.split("\t", 2)[2].split("=", 1) for l in gov if l.startswith("\tbuild\t"))
g = a["go"]
assert g["version"] == version, (g["version"], version)
assert g["module"] == mod, (g["module"], mod)
assert g["settings"] == settings, (g["settings"], settings)
if "vcs.revision" in settings:
    assert g["vcs_revision"] == settings["vcs.revision"]
assert a["signal"] == 6 and a["signal_name"] == "SIGABRT"
assert a["si_code"] == -6, a["si_code"]          # SI_TKILL: from the core's NT_SIGINFO
assert a["core"]["status"] == "complete"
assert a["core"]["expected_size"] == a["core"]["apparent_size"]
assert a["cmdline"][0].endswith("/crasher")
assert all(e.split("=")[0] in ("GOTRACEBACK","GOMAXPROCS","GODEBUG","GOGC","GOMEMLIMIT") for e in a["environ"])
print("go", g["version"], g["module"], len(g["settings"]), "settings")
EOF
}
check "annotation: Go version, module, vcs and every build setting equal 'go version -m'; signal, si_code" t_buildinfo

t_env_filter() {
	S=$W/s2; C=$W/zstd.conf
	SECRET=hunter2 GOGC=77 GOTRACEBACK=crash "$W/crasher" -mib 1 -sleep 60s 2>/dev/null &
	p=$!; PIDS="$PIDS $p"; sleep 0.3
	pipe "$S" "$C" "$W/d2/sock" crasher "$p" < "$CORE" || return 1
	j=$S/$(q "$S" "select annotation_file from dumps where pid=$p")
	grep -q '"GOGC=77"' "$j" && grep -q '"GOTRACEBACK=crash"' "$j" &&
	! grep -q hunter2 "$j" && ! grep -q SECRET "$j"
}
check "environment: only GOTRACEBACK/GOMAXPROCS/GODEBUG/GOGC/GOMEMLIMIT are recorded, never others" t_env_filter

t_exe_deleted() {
	S=$W/s2d; C=$W/zstd.conf
	cp "$W/crasher" "$W/crasher-del"
	"$W/crasher-del" -mib 1 -sleep 60s 2>/dev/null &
	p=$!; PIDS="$PIDS $p"; sleep 0.3
	rm "$W/crasher-del"
	pipe "$S" "$C" "$W/nosock" crasher "$p" < "$W/c16/core" 2>/dev/null || return 1
	pipe "$S" "$C" "$W/nosock" crasher "$p" < "$W/c16/core" 2>/dev/null || return 1
	exe=$(q "$S" "select exe from dumps where id=1")
	saved=$(q "$S" "select saved_exe from dumps where id=1")
	echo "exe=$exe saved=$saved"
	case $exe in *"(deleted)") ;; *) return 1 ;; esac
	[ "$saved" = "$(q "$S" "select saved_exe from dumps where id=2")" ] &&
	cmp "$S/$saved" "$W/crasher" &&
	[ "$(find "$S/exe" -mindepth 1 -maxdepth 1 | wc -l)" = 1 ]	# same build ID: saved once
}
check "executable: saved from the /proc/PID/exe fd even after deletion, once per build ID" t_exe_deleted

t_modes() {
	S=$W/s2
	bad=$(find "$S" \( -type f ! -perm 0600 \) -o \( -type d ! -perm 0700 \) -o ! -user root)
	[ -z "$bad" ] || { echo "wrong mode/owner: $bad"; ls -la "$S"; return 1; }
	[ "$(stat -c %a "$W/d2/sock")" = 600 ] && [ "$(stat -c %a "$W/d2")" = 700 ]
}
check "permissions: every store file 0600, directories 0700, root-owned; socket 0600 in a 0700 dir" t_modes

t_caps() {
	st=/proc/$DPID/status
	if ! { grep -q '^CapEff:[[:space:]]*0000000000000000' "$st" &&
	       grep -q '^CapBnd:[[:space:]]*0000000000000000' "$st" &&
	       grep -q '^NoNewPrivs:[[:space:]]*1' "$st"; }; then
		grep Cap "$st"
		return 1
	fi
	# non-dumpable: SIGABRT leaves no core even with ulimit -c unlimited
	# (the daemon's cwd is this script's; the host pattern is "core").
	mkdir -p "$W/dumpable"
	(cd "$W/dumpable" || exit 1
	 ulimit -c unlimited
	 "$GOCAPD" --store "$W/s2b" --config "$W/zstd.conf" \
		--socket "$W/d2b.sock" 2>/dev/null & p=$!
	 sleep 0.5; kill -ABRT "$p"; wait "$p")
	[ ! -e "$W/dumpable/core" ] || { echo "the daemon dumped core"; return 1; }
}
check "security: daemon has no capabilities (effective, bounding), no_new_privs, and is not dumpable" t_caps

t_stale() {
	S=$W/s2s; C=$W/zstd.conf
	mkdir -p "$S/.tmp"
	echo old > "$S/.tmp/core.x.zst.partial"; touch -d '2 hours ago' "$S/.tmp/core.x.zst.partial"
	echo new > "$S/.tmp/core.y.zst.partial"
	daemon "$S" "$C" "$W/d2s/sock" || return 1
	[ ! -e "$S/.tmp/core.x.zst.partial" ] && [ -e "$S/.tmp/core.y.zst.partial" ]
}
check "restart: partial files older than an hour are removed, fresh ones (a helper's takeover) kept" t_stale

# --- 3. concurrency on one ring -------------------------------------------
t_concurrent() {
	S=$W/s3; C=$(conf conc 'Storage=raw' 'MaxConcurrent=3' 'RateLimit=off'); SOCK=$W/d3/sock
	: > "$W/daemon.log"
	daemon "$S" "$C" "$SOCK" || return 1
	hp=""
	for i in $(seq 8); do pipe "$S" "$C" "$SOCK" "c$i" < "$CORE" 2> "$W/t3.$i.log" & hp="$hp $!"; done
	for p in $hp; do wait "$p" || return 1; done
	# every one was stored by the daemon, none by a helper's fallback
	! grep -h . "$W"/t3.*.log || return 1
	[ "$(grep -c "dump [0-9]* of $W/crasher (pid $STAND, signal 6): complete" "$W/daemon.log")" -eq 8 ] || return 1
	[ "$(q "$S" "select count(*) from dumps where status='complete'")" = 8 ] || return 1
	for f in $(q "$S" "select core_file from dumps"); do cmp "$CORE" "$S/$f" || return 1; done
}
check "concurrency: 8 dumps at once through the daemon (MaxConcurrent=3) all complete and byte-exact" t_concurrent

# --- 4. truncated input ---------------------------------------------------
t_truncated() {
	S=$W/s4; C=$W/raw.conf
	head -c $((CORE_SIZE / 2 + 1000)) "$CORE" > "$W/half"
	pipe "$S" "$C" "$W/nosock" < "$W/half" 2>/dev/null || return 1
	[ "$(q "$S" 'select status from dumps')" = truncated ] || return 1
	q "$S" 'select status_why from dumps' | grep -q "headers describe $CORE_SIZE bytes, only $((CORE_SIZE / 2 + 1000)) arrived" || return 1
	cmp "$W/half" "$S/$(q "$S" 'select core_file from dumps')"
}
check "truncated: a core cut short is stored as received and marked truncated, with why" t_truncated

# --- 5. hostile names ------------------------------------------------------
t_names() {
	S=$W/s5; C=$W/raw.conf
	for comm in '../../../tmp/evil' '.hidden' 'a b/c\nd' '..'; do
		pipe "$S" "$C" "$W/nosock" "$comm" < "$W/half" 2>/dev/null || return 1
	done
	[ ! -e /tmp/evil ] && [ -z "$(find "$S" -name '.hidden*')" ] || return 1
	[ "$(q "$S" 'select count(*) from dumps')" = 4 ] || return 1
	for f in $(q "$S" 'select core_file from dumps'); do
		case $f in *[!A-Za-z0-9._-]* | .*) echo "bad name $f"; return 1 ;; esac
		[ -f "$S/$f" ] || return 1
	done
	# the only entries of the store are its own
	! find "$S" -mindepth 1 -maxdepth 1 -printf '%f\n' |
		grep -vqE '^(core\.[A-Za-z0-9_-]+\..*|index\.db.*|exe|\.tmp)$'
}
check "names: hostile %e values (../, leading dot, spaces, newlines) become plain names inside the store" t_names

# --- 6. config errors -------------------------------------------------------
t_config() {
	"$GOCAPD" --check-config --config "$(conf good 'Storage=raw' 'MaxUse=1G' 'RateLimit=3/1h')" | grep -qx 'RateLimit=3/3600s' || return 1
	"$GOCAPD" --check-config --config "$(conf good2 'HandoffTimeout=1min')" | grep -qx 'HandoffTimeout=60s' || return 1
	for line in 'Storage=gzip' 'CompressLevel=99' 'MaxUse=lots' 'KeepFree=200%' \
		    'ProcessSizeMax=-5' 'RateLimit=5' 'MaxConcurrent=0' 'SaveExecutable=perhaps' 'HandoffTimeout=1s' 'HandoffTimeout=2h' 'Colour=blue'; do
		f=$(conf bad '# header' "$line")
		if "$GOCAPD" --check-config --config "$f" > /dev/null 2> "$W/cfg.err"; then
			echo "accepted $line"; return 1
		fi
		grep -q "$f:2: .*${line%%=*}" "$W/cfg.err" || { echo "for $line: $(cat "$W/cfg.err")"; return 1; }
	done
	# the daemon refuses to start on a bad file, naming it
	! "$GOCAPD" --store "$W/s6" --config "$f" --socket "$W/s6.sock" 2> "$W/cfg.err" &&
	grep -q "$f:2" "$W/cfg.err"
}
check "config: every key validated; errors name file:line and the key; the daemon refuses a bad file" t_config

# --- 7. rate limit -----------------------------------------------------------
t_ratelimit() {
	S=$W/s7; C=$(conf rate 'Storage=none' 'RateLimit=2/3s')
	for i in 1 2 3 4 5; do pipe "$S" "$C" "$W/nosock" < "$W/half" 2>/dev/null || return 1; done
	[ "$(q "$S" 'select count(*) from dumps')" = 2 ] || return 1
	sleep 3.2
	pipe "$S" "$C" "$W/nosock" < "$W/half" 2>/dev/null || return 1
	[ "$(q "$S" 'select suppressed_before from dumps order by id desc limit 1')" = 3 ] &&
	[ "$(q "$S" "select status||':'||status_why from dumps limit 1")" = "metadata-only:Storage=none" ]
}
check "rate limit: 2/3s stores 2 of 5 crashes, counts 3 suppressed, reports them on the next stored dump" t_ratelimit

# --- 8. space: MaxUse, KeepFree, disk full, ProcessSizeMax ------------------
tmpfs() { mkdir -p "$W/$1" && mount -t tmpfs -o size="$2" gocapd-test "$W/$1"; }

t_maxuse() {
	tmpfs mnt1 200M || return 1
	S=$W/mnt1/s; C=$(conf maxuse 'Storage=raw' 'MaxUse=30M' 'KeepFree=0' 'RateLimit=off' 'SaveExecutable=no')
	for i in 1 2 3 4; do pipe "$S" "$C" "$W/nosock" "m$i" < "$CORE" 2>/dev/null || return 1; done
	used=$(du -s -B1 "$S" --exclude=index.db\* --exclude=.tmp | cut -f1)
	ids=$(q "$S" 'select group_concat(id) from dumps')
	echo "store uses $used bytes, rows $ids"
	[ "$ids" = "3,4" ] && [ "$used" -le $((30 << 20)) ]
}
check "eviction: MaxUse=30M on a tmpfs keeps the newest dumps under 30 MiB, oldest evicted first" t_maxuse

t_keepfree() {
	tmpfs mnt2 60M || return 1
	S=$W/mnt2/s; C=$(conf keepfree 'Storage=raw' 'MaxUse=0' 'KeepFree=30M' 'RateLimit=off' 'SaveExecutable=no')
	for i in 1 2 3 4; do pipe "$S" "$C" "$W/nosock" "k$i" < "$CORE" 2>/dev/null || return 1; done
	avail=$(df -B1 --output=avail "$W/mnt2" | tail -1)
	ids=$(q "$S" "select group_concat(id) from dumps where status='complete'")
	echo "available $avail, complete rows $ids"
	[ "$avail" -ge $((30 << 20)) ] && [ "$(q "$S" 'select max(id) from dumps')" = 4 ] &&
	[ "$(q "$S" 'select min(id) from dumps')" -gt 1 ]
}
check "eviction: KeepFree=30M on a 60M tmpfs evicts the oldest so that 30 MiB stay free" t_keepfree

t_diskfull() {
	tmpfs mnt3 6M || return 1
	S=$W/mnt3/s; C=$(conf full 'Storage=raw' 'MaxUse=0' 'KeepFree=0' 'RateLimit=off'); SOCK=$W/d8/sock
	daemon "$S" "$C" "$SOCK" || return 1
	pipe "$S" "$C" "$SOCK" < "$CORE" 2>/dev/null || return 1
	r=$(q "$S" "select status||'|'||status_why from dumps where id=1")
	echo "$r"
	case $r in "metadata-only|writing the core failed"*"No space left on device"*) ;; *) return 1 ;; esac
	[ -z "$(ls -A "$S/.tmp")" ] || { echo "partial file left"; return 1; }
	kill -0 "$DPID" || { echo "daemon died"; return 1; }
	pipe "$S" "$C" "$SOCK" < <(head -c 100000 "$CORE") 2>/dev/null &&
	[ "$(q "$S" "select status from dumps where id=2")" = truncated ]
}
check "disk full: the dump is recorded metadata-only with ENOSPC as why, space freed, the daemon goes on" t_diskfull

t_sizemax() {
	S=$W/s9; C=$(conf sizemax 'Storage=zstd' 'ProcessSizeMax=1M')
	pipe "$S" "$C" "$W/nosock" < "$CORE" 2>/dev/null || return 1
	[ "$(q "$S" "select status||'|'||apparent_size from dumps")" = "metadata-only|$CORE_SIZE" ] &&
	q "$S" 'select status_why from dumps' | grep -q "over ProcessSizeMax=1048576" &&
	[ -z "$(ls "$S"/core*.zst 2>/dev/null)" ]
}
check "ProcessSizeMax: a larger core keeps metadata only (size still counted), no core file" t_sizemax

# --- 9. the daemon killed mid-dump -------------------------------------------
# kill_mid_dump STORE CONF SOCK LOG: start the daemon, feed it 40 MiB of the
# core at full speed, SIGKILL it in the pause that follows, then the rest;
# fails when the helper does
kill_mid_dump() {
	daemon "$1" "$2" "$3" || return 1
	{ head -c $((40 << 20)) "$CORE"; sleep 2; tail -c +$(((40 << 20) + 1)) "$CORE"; } |
		pipe "$1" "$2" "$3" 2> "$4" &
	hp=$!
	sleep 1; kill -KILL "$DPID"
	wait "$hp" || { cat "$4"; return 1; }
}
t_killed() {
	S=$W/s10; C=$(conf kill 'Storage=raw' 'RateLimit=off'); SOCK=$W/d10/sock
	kill_mid_dump "$S" "$C" "$SOCK" "$W/t10.log" || return 1
	cat "$W/t10.log"
	r=$(q "$S" "select status||'|'||apparent_size||'|'||core_file from dumps")
	echo "$r"
	st=${r%%|*}; rest=${r#*|}; n=${rest%%|*}; f=${rest#*|}
	[ "$st" = truncated ] && [ "$n" -ge $((16 << 20)) ] &&
	[ "$(stat -c %s "$S/$f")" = "$n" ] && cmp -n "$n" "$CORE" "$S/$f" &&
	q "$S" 'select status_why from dumps' | grep -q "daemon went away"
}
check "daemon SIGKILLed mid-dump: the helper keeps the confirmed prefix, byte-exact, marked truncated with why" t_killed
sed 's/^/# /' "$W/check.log"

t_killed_zstd() {
	S=$W/s10z; C=$(conf killz 'Storage=zstd' 'RateLimit=off'); SOCK=$W/d10z/sock
	kill_mid_dump "$S" "$C" "$SOCK" "$W/t10z.log" || return 1
	r=$(q "$S" "select status||'|'||storage||'|'||core_file||'|'||status_why from dumps")
	echo "$r"
	# under 64 MiB no zstd frame had ended: nothing confirmed, so no
	# file, and the status says so
	case $r in "metadata-only|none||the gocapd daemon went away during the dump before confirming any core bytes") ;; *) return 1 ;; esac
	[ -z "$(ls -A "$S/.tmp")" ]
}
check "daemon SIGKILLed mid-dump, zstd, nothing confirmed yet: metadata-only with why, no partial file left" t_killed_zstd

# --- 10. a hung daemon, a busy daemon -------------------------------------
t_hung() {
	S=$W/s12; C=$(conf hung 'Storage=raw' 'RateLimit=off' 'HandoffTimeout=2s'); SOCK=$W/d12/sock
	: > "$W/daemon.log"
	daemon "$S" "$C" "$SOCK" || return 1
	kill -STOP "$DPID"	# hung: it still holds its socket, answers nothing
	# A bound, not a timing assertion: without the timeout the helper
	# waits for ever.
	pipe_within 60 "$S" "$C" "$SOCK" < "$CORE" 2> "$W/t12.log"
	rc=$?
	cat "$W/t12.log"
	[ "$rc" = 0 ] || { kill -CONT "$DPID"; return 1; }
	grep -q "said nothing for 2000 ms (HandoffTimeout): storing the core of pid $STAND myself" "$W/t12.log" || return 1
	f=$S/$(q "$S" "select core_file from dumps where status='complete'")
	cmp "$CORE" "$f" || return 1
	# Woken up, the daemon finds the helper gone and reads nothing of
	# its stream: still one dump, still byte-exact, no partial file.
	kill -CONT "$DPID"
	for _ in $(seq 50); do grep -q "withdrew" "$W/daemon.log" && break; sleep 0.1; done
	grep "withdrew" "$W/daemon.log" || return 1
	[ "$(q "$S" 'select count(*) from dumps')" = 1 ] && cmp "$CORE" "$f" &&
	[ -z "$(ls -A "$S/.tmp")" ] || return 1
	# and it still takes the next one
	pipe "$S" "$C" "$SOCK" < "$CORE" 2> "$W/t12b.log" || return 1
	! grep -h . "$W/t12b.log" && [ "$(q "$S" 'select count(*) from dumps')" = 2 ]
}
check "hung daemon (SIGSTOP): after HandoffTimeout the helper stores the core itself, byte-exact; the daemon, resumed, reads none of it" t_hung

t_queued() {
	S=$W/s13; C=$(conf queued 'Storage=raw' 'RateLimit=off' 'MaxConcurrent=1' 'HandoffTimeout=2s'); SOCK=$W/d13/sock
	: > "$W/daemon.log"
	daemon "$S" "$C" "$SOCK" || return 1
	# The first dump holds the only slot for 6 s; the second waits in
	# the queue far longer than HandoffTimeout, hearing QUEUED.
	{ head -c $((8 << 20)) "$CORE"; sleep 6; tail -c +$(((8 << 20) + 1)) "$CORE"; } |
		pipe "$S" "$C" "$SOCK" q1 2> "$W/t13a.log" &
	h1=$!
	sleep 0.5
	# bounded: a queued dump the daemon never starts waits for ever
	pipe_within 60 "$S" "$C" "$SOCK" q2 < "$CORE" 2> "$W/t13b.log" || return 1
	wait "$h1" || return 1
	cat "$W/t13a.log" "$W/t13b.log"
	! grep -h . "$W/t13a.log" "$W/t13b.log" || return 1	# no fallback
	[ "$(grep -c "dump [0-9]* of $W/crasher (pid $STAND, signal 6): complete" "$W/daemon.log")" = 2 ] || return 1
	for f in $(q "$S" "select core_file from dumps"); do cmp "$CORE" "$S/$f" || return 1; done
}
check "busy daemon (MaxConcurrent=1): a dump queued 6 s, past HandoffTimeout=2s, still goes to the daemon (QUEUED heartbeats)" t_queued

# --- 11. kernel coredump socket protocol (@@), with a stand-in kernel -------
t_kcore() {
	S=$W/s11; C=$(conf kc 'Storage=zstd' 'RateLimit=1/1h'); KS=$W/d11/kcore
	: > "$W/ready"
	"$GOCAPD" --store "$S" --config "$C" --socket "$W/d11/sock" \
		--coredump-socket "$KS" --coredump-request --ready-fd 9 \
		2>> "$W/daemon.log" 9> "$W/ready" &
	DPID=$!; PIDS="$PIDS $DPID"
	for _ in $(seq 50); do [ -s "$W/ready" ] && break; sleep 0.1; done
	grep -q '^CapEff:[[:space:]]*0000000000080004' "/proc/$DPID/status" ||
		{ grep CapEff "/proc/$DPID/status"; return 1; }
	# speaks the kernel's side of fs/coredump.c: req, ack, mark, core, SHUT_WR
	python3 - "$KS" "$CORE" <<'EOF' || return 1
import socket, struct, sys
KERNEL, USERSPACE, REJECT, WAIT = 1, 2, 4, 8
def crash(expect_reject):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.connect(sys.argv[1])
    s.sendall(struct.pack("<IIQ", 16, 16, KERNEL | USERSPACE | REJECT | WAIT))
    ack = s.recv(16, socket.MSG_WAITALL)
    size, spare, mask = struct.unpack("<IIQ", ack)
    assert size == 16 and spare == 0, ack
    want = (REJECT if expect_reject else KERNEL) | WAIT
    assert mask == want, (mask, want)
    s.sendall(struct.pack("<I", 0))
    if not expect_reject:
        with open(sys.argv[2], "rb") as f:
            while True:
                b = f.read(1 << 20)
                if not b: break
                s.sendall(b)
    s.shutdown(socket.SHUT_WR)
    assert s.recv(1) == b""   # COREDUMP_WAIT: the daemon closes when done
    s.close()
crash(False)
crash(True)     # RateLimit=1/1h: the second is rejected before any byte
print("protocol ok")
EOF
	[ "$(q "$S" 'select count(*) from dumps')" = 1 ] || return 1
	f=$S/$(q "$S" 'select core_file from dumps')
	zstd -qdc "$f" | cmp - "$CORE" &&
	[ "$(q "$S" 'select signal from dumps')" = 6 ]	# from NT_SIGINFO
}
check "socket mode (@@): request/ack/mark, core stored byte-exact, rate limit answers REJECT; caps kept: PTRACE+DAC_READ_SEARCH" t_kcore

echo "1..$N"
exit $FAILED
