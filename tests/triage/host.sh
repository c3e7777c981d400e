#!/bin/bash
# host.sh: gocap's triage views, TAP on stdout (a host suite of make check).
#
# A Go program with known populations (tests/triage/go/triage: N goroutines
# on one channel, M on one mutex, K in one select, L sleeping, deep
# recursion, ...) crashes under GOTRACEBACK=crash.  The runtime's own
# traceback is the oracle, read by a parser of the test's own (group.py):
#   - gocap goroutines --group: the same buckets as the runtime's text
#     grouped by the documented rule, in count and member ids, and its
#     text form the same buckets as its JSON;
#   - panicparse (Debian's, the upstream "pp", -aggressive) finds the same
#     buckets in gocap's text as in the runtime's, and they agree with
#     gocap's (panicparse 2.3 does not read the "gp=... m=" headers of Go
#     1.22 and later, nor labels after the brackets: both texts lose them
#     alike before it reads them);
#   - --filter selects exactly the runtime's goroutines of a population;
#   - --waits puts the members of each channel population (and of the
#     select) on the hchan addresses the program printed, with the queue
#     lengths the populations make, those of the sync.Mutex, RWMutex and
#     WaitGroup on theirs (found through runtime.semtable), the Cond
#     waiters on the Cond printed (found from their own stacks), every
#     sleeper on the one sleep object waking within its hour, each net
#     reader on a netpoll read of a descriptor printed, the Ticker's
#     receivers on its channel with its timer (Go 1.23 on), and every
#     channel and semaphore waiter somewhere; no other stack holds the
#     leaked channel, nor deadrecv's (which a dead slot of deadref's
#     stack still has: the stack maps say so), the holder's stack holds
#     the one it will receive on after its sleep (an argument),
#     localholder's the one it keeps in a local variable, and casesend's
#     the one a dead select case array of its names (stack objects are
#     searched whole, dead ones too);
#   - summary gives the crash, the states and the top buckets.
# Every release of GOCD_TRIAGE_VERSIONS (default 1.19 1.22 1.24 1.27), each
# built static, with -ldflags='-s -w', as PIE, and with cgo (the net
# package then links libc's resolver: a dynamic executable).  Crashers are built once
# per source and toolchain and cached under $GOCD_BUILD/triage-crashers/.
set -u
. "$(dirname "$0")/../../scripts/lib.sh"

T=$GOCD_TOP/tests/triage
GOCAP=$GOCD_BUILD/bin/gocap
CACHE=$GOCD_BUILD/triage-crashers
W=$(mktemp -d /tmp/triage-host.XXXXXX)
N=0
trap 'rm -rf "$W"' EXIT

ok() { N=$((N + 1)); echo "ok $N $*"; }
notok() { N=$((N + 1)); echo "not ok $N $*"; }
skip() { N=$((N + 1)); echo "ok $N $1 # SKIP $2"; }
# check DESC CMD...: one test whose verdict is CMD's exit status
check() {
	desc=$1; shift
	if "$@" > "$W/check.log" 2>&1; then
		ok "$desc$(head -1 "$W/check.log" | sed -n 's/^\(.\{1,140\}\)$/: \1/p')"
	else
		notok "$desc"
		sed 's/^/#   /' "$W/check.log" | head -20
	fi
}

[ -x "$GOCAP" ] || { echo "1..1"; echo "not ok 1 $GOCAP not built"; exit 1; }
command -v python3 > /dev/null || { echo "1..0 # SKIP python3 missing"; exit 0; }

VERSIONS=${GOCD_TRIAGE_VERSIONS:-"1.19 1.22 1.24 1.27"}
VARIANTS="default sw pie cgo"

# --- the program, built once per source/toolchain/variant -------------------
SRC_HASH=$(cat "$T/go/go.mod" "$T"/go/*/*.go | sha256sum | cut -c1-16)
# triage V VARIANT [PROGRAM]: print the path of the binary (triage, or
# echo), building it if needed
triage() {
	prog=${3:-triage}
	out="$CACHE/$SRC_HASH/$prog-$1-$2"
	if [ ! -x "$out" ]; then
		mkdir -p "$CACHE/$SRC_HASH"
		cgo=0
		[ "$2" != cgo ] || cgo=1
		case $2 in
		default) set -- "$1" build ;;
		sw) set -- "$1" build "-ldflags=-s -w" ;;
		pie) set -- "$1" build -buildmode=pie ;;
		cgo) set -- "$1" build ;;
		esac
		(cd "$T/go" && CGO_ENABLED=$cgo "$GOCD_TOP/scripts/go.sh" "$@" \
			-o "$out.tmp" "./$prog") > "$W/build.log" 2>&1 &&
			mv "$out.tmp" "$out" || return 1
	fi
	echo "$out"
}

# crash BIN DIR: run it in DIR until it dumps core; its traceback goes to
# DIR/stderr, its populations to DIR/stdout.
crash() {
	rm -rf "$2"
	mkdir -p "$2"
	(
		cd "$2" || exit 1
		ulimit -c unlimited
		echo 0x37 > /proc/self/coredump_filter
		GOTRACEBACK=crash "$1" crash > stdout 2> stderr
	) > /dev/null 2>&1
	[ -s "$2/core" ]
}

PP=$(command -v panicparse || command -v pp)
# pp_read FILE OUT: panicparse's buckets of a traceback, its headers
# brought to the form panicparse 2.3 reads (no "gp= m= mp=", no labels).
pp_read() {
	sed -E -e 's/^(goroutine [0-9]+) gp=0x[0-9a-f]+ m=[^ ]+( mp=0x[0-9a-f]+)? \[/\1 [/' \
		-e 's/^(goroutine [0-9]+ \[[^]]*\]) \{.*\}:$/\1:/' "$1" |
		"$PP" -aggressive -no-color -rebase=false -parse=false > "$2" 2>&1
}

for v in $VERSIONS; do
	for var in $VARIANTS; do
		b=$(triage "$v" "$var") || b=""
		if [ -z "$b" ]; then
			notok "build the triage program with Go $v ($var)"
			sed 's/^/#   /' "$W/build.log" | tail -5
			continue
		fi
		d=$W/$v-$var
		if ! crash "$b" "$d"; then
			notok "Go $v $var: no core (ulimit? core_pattern?)"
			continue
		fi
		G="$GOCAP goroutines --core $d/core"
		$G --group --json > "$d/group.json" 2> "$d/group.err"
		$G --group > "$d/group.txt" 2> /dev/null
		check "Go $v $var: the runtime's text shows every population at its size" \
			python3 "$T/group.py" pops "$d/stderr" "$d/stdout"
		check "Go $v $var: --group buckets equal the runtime's groups (ids, frames, creator)" \
			python3 "$T/group.py" buckets "$d/stderr" "$d/group.json"
		check "Go $v $var: --group text has the JSON's buckets" \
			python3 "$T/group.py" text "$d/group.txt" "$d/group.json"
		$G --waits --json > "$d/waits.json" 2> /dev/null
		$G --waits > "$d/waits.txt" 2> /dev/null
		check "Go $v $var: --waits puts each channel and sync population on the objects the program printed" \
			python3 "$T/group.py" waits "$d/stderr" "$d/stdout" "$d/waits.json"
		check "Go $v $var: --waits text has the JSON's objects" \
			python3 "$T/group.py" waitstext "$d/waits.txt" "$d/waits.json"

		# panicparse on the runtime's text and on gocap's.
		if [ -z "$PP" ]; then
			notok "Go $v $var: panicparse agrees # panicparse not installed (scripts/install-deps.sh)"
		else
			$G > "$d/gocap.txt" 2> /dev/null
			pp_read "$d/stderr" "$d/rt.pp"
			pp_read "$d/gocap.txt" "$d/gc.pp"
			check "Go $v $var: panicparse finds the same buckets in gocap's text as in the runtime's, and gocap's agree" \
				python3 "$T/group.py" pp "$d/rt.pp" "$d/gc.pp" "$d/group.json"
		fi
		[ "$var" = default ] || continue

		# --filter: each selects exactly the runtime's population.
		$G --json --filter 'func=^main\.mutexWait$' > "$d/f1.json" 2> /dev/null
		check "Go $v: --filter func=RE selects the mutex waiters, no more" \
			python3 "$T/group.py" ids "$d/stderr" "$d/f1.json" '^main\.mutexWait$'
		$G --json --filter 'created=^main\.startLeak$' --filter 'state=^chan receive$' > "$d/f2.json" 2> /dev/null
		check "Go $v: --filter created=RE state=RE selects the leaked receivers" \
			python3 "$T/group.py" ids "$d/stderr" "$d/f2.json" '^main\.leakRecv$'
		$G --json --filter 'label=pop=select' > "$d/f3.json" 2> /dev/null
		check "Go $v: --filter label=KEY=VALUE selects the goroutines started under that pprof label" \
			python3 "$T/group.py" ids "$d/stderr" "$d/f3.json" '^main\.selectTwo$'
		$G --json --filter 'file=/sync/waitgroup\.go$' > "$d/f4.json" 2> /dev/null
		check "Go $v: --filter file=RE selects the goroutines with a frame in that file" \
			python3 "$T/group.py" ids "$d/stderr" "$d/f4.json" 'file:/sync/waitgroup\.go$'
		$G --group --json --filter 'state=^sleep$' > "$d/f5.json" 2> /dev/null
		check "Go $v: --group --filter keeps only the buckets of what passes" \
			python3 "$T/group.py" ids "$d/stderr" "$d/f5.json" '^time\.Sleep$'
		check "Go $v: --filter wait=1h keeps no goroutine (none waited an hour)" sh -c "
			$G --json --filter wait=1h 2> /dev/null |
			python3 -c 'import json,sys; d = json.load(sys.stdin); sys.exit(len(d[\"goroutines\"]) != 0)'"
		check "Go $v: --filter refuses what it cannot read, saying what it takes" sh -c "
			! $G --filter 'colour=red' 2> '$W/f.err' > /dev/null && grep -q 'KEY one of state, wait' '$W/f.err' &&
			! $G --filter 'state=(' 2> /dev/null > /dev/null &&
			! $G --filter 'wait=soon' 2> /dev/null > /dev/null"
		check "Go $v: --group with --waits is refused, saying so" sh -c "
			$G --group --waits > /dev/null 2> '$W/gw.err'; test \$? = 2 &&
			grep -q 'two views; give one' '$W/gw.err'"

		# summary: one screen, and its JSON.
		$GOCAP summary --core "$d/core" > "$d/summary.txt" 2> /dev/null
		$GOCAP summary --core "$d/core" --json > "$d/summary.json" 2> /dev/null
		leak=$(awk '$1 == "obj" && $2 == "leak" { print $3 }' "$d/stdout")
		check "Go $v: summary shows the crash, the states, the top buckets and waits, threads and Ms" sh -c "
			grep -q '^crash: *panic: triage: crash with known populations' '$d/summary.txt' &&
			grep -q '^ *40  chan $leak (cap 0, len 0): 40 receivers, 0 senders$' '$d/summary.txt' &&
			grep -q '^ *40  chan receive .*main.leakRecv' '$d/summary.txt' &&
			grep -q '^ *25  .* main.mutexWait main.go:[0-9]*$' '$d/summary.txt' &&
			grep -q '^threads: *[0-9]*, Ms: [0-9]*' '$d/summary.txt' &&
			python3 -c '
import json,sys
sys.path.insert(0, \"$T\"); import group
s = json.load(open(\"$d/summary.json\"))
g = json.load(open(\"$d/group.json\"))
rt = group.parse(open(\"$d/stderr\").read())
want = {}
for x in rt.values(): want[x[\"state\"]] = want.get(x[\"state\"], 0) + 1
assert s[\"goroutines\"][\"by_state\"] == want, (s[\"goroutines\"][\"by_state\"], want)
assert s[\"goroutines\"][\"total\"] == len(rt)
assert s[\"top_buckets\"][0][\"crashed\"] and s[\"crash\"][\"kind\"] == \"panic\"
assert [b[\"goid_ranges\"] for b in s[\"top_buckets\"]] == [b[\"goid_ranges\"] for b in g[\"buckets\"][:10]]
w = json.load(open(\"$d/waits.json\"))
kw = [dict((k, x) for k, x in o.items() if k != \"goids\") for o in w[\"objects\"] if o[\"kind\"] != \"unknown\"][:10]
assert s[\"top_waits\"] == kw, (s[\"top_waits\"][:2], kw[:2])
assert s[\"process\"][\"threads\"] >= 1 and s[\"process\"][\"ms\"] >= 1
'"
	done
done

# --- live processes: gocap snapshot and --pid ------------------------------
# The program parks its populations and waits for SIGUSR1; gocap takes a
# snapshot of it, and reads it live with --pid; then SIGUSR1 makes it panic
# under GOTRACEBACK=crash, and that traceback, taken right after, is the
# oracle: every goroutine parked in the snapshot is parked in it, with the
# same status, frames and creator (oracle.py --snapshot).  That the process
# ran on after the snapshot is shown by that very traceback.
# park BIN DIR: start it in DIR, echo its PID once it is ready
park() {
	rm -rf "$2"
	mkdir -p "$2"
	(cd "$2" && ulimit -c 0 && exec env GOTRACEBACK=crash "$1" park > stdout 2> stderr) &
	pk=$!
	i=0
	until grep -q '^ready' "$2/stdout" 2> /dev/null || [ $i -ge 600 ]; do
		sleep 0.1; i=$((i + 1))
	done
	echo $pk
}
# delve: Debian 12's (1.20) reads Go up to 1.20, trixie's the later ones
DLV=$(command -v dlv)
DLV_NEW=$("$GOCD_TOP/scripts/fetch-delve.sh" 2> /dev/null) || DLV_NEW=""
printf 'goroutines\nexit\n' > "$W/dlv.init"
# gocapd's store for snapshots: a daemon of the test's own
GOCAPD=$GOCD_BUILD/bin/gocapd
DST=$W/store
mkdir -p "$DST/store"
: > "$DST/gocapd.conf"
"$GOCAPD" --store "$DST/store" --config "$DST/gocapd.conf" --socket "$DST/sock" \
	--log-stderr 2> "$DST/daemon.log" &
DPID=$!
trap 'kill $DPID 2> /dev/null; rm -rf "$W"' EXIT
for _ in $(seq 50); do [ -S "$DST/sock" ] && break; sleep 0.1; done
SG="$GOCAP --store $DST/store --config $DST/gocapd.conf --socket $DST/sock"
for v in $VERSIONS; do
	for var in $VARIANTS; do
		b=$(triage "$v" "$var") || continue
		d=$W/live-$v-$var
		pk=$(park "$b" "$d")
		$GOCAP snapshot "$pk" -o "$d/snap.core" > /dev/null 2> "$d/snap.err"
		src=$?
		$GOCAP goroutines --core "$d/snap.core" > "$d/snap.txt" 2> /dev/null
		$GOCAP goroutines --pid "$pk" > "$d/pid.txt" 2> "$d/pid.err"
		$GOCAP goroutines --pid "$pk" --waits --json > "$d/waits.json" 2> /dev/null
		$GOCAP note --core "$d/snap.core" --json > "$d/note.json" 2> /dev/null
		if [ "$var" = default ]; then
			$SG snapshot "$pk" > /dev/null 2> "$d/store.err"
			sst=$?
			id=$($SG list --json 2> /dev/null | python3 -c "
import json, sys
d = [x for x in json.load(sys.stdin) if x['pid'] == $pk]
print(d[-1]['id'] if d and d[-1]['snapshot'] and d[-1]['signal'] == 0 and d[-1]['status'] == 'complete' else '')")
			[ -n "$id" ] && $SG goroutines "$id" > "$d/store.txt" 2> /dev/null
		fi
		ntask=$(find /proc/"$pk"/task -mindepth 1 -maxdepth 1 2> /dev/null | wc -l)
		kill -0 "$pk" 2> /dev/null; alive=$?
		kill -USR1 "$pk" 2> /dev/null
		# not a child of this shell (park ran in $(...)): wait for it
		i=0
		while kill -0 "$pk" 2> /dev/null && [ $i -lt 600 ]; do
			sleep 0.1; i=$((i + 1))
		done
		check "Go $v $var: snapshot of a running process, which went on running" sh -c "
			test $src = 0 && test $alive = 0 &&
			grep -q '^gocap: snapshot of process $pk: [0-9]* threads stopped for [0-9.]* ms' '$d/snap.err' &&
			grep -q '^panic: triage: crash with known populations' '$d/stderr'"
		check "Go $v $var: the snapshot's parked goroutines are the traceback's right after (ids, states, frames, creators)" \
			python3 "$GOCD_TOP/tests/gocap/oracle.py" --snapshot "$d/stderr" "$d/snap.txt"
		check "Go $v $var: goroutines --pid reads the live process the same way" \
			python3 "$GOCD_TOP/tests/gocap/oracle.py" --snapshot "$d/stderr" "$d/pid.txt"
		check "Go $v $var: --waits --pid puts each population on the objects the program printed" \
			python3 "$T/group.py" waits "$d/stderr" "$d/stdout" "$d/waits.json"
		[ "$var" != default ] || check "Go $v: snapshot without -o goes into gocapd's store, marked as a snapshot, and reads the same" sh -c "
			test $sst = 0 && test -n '$id' && $SG list | grep -q '^$id .* snap ' &&
			python3 '$GOCD_TOP/tests/gocap/oracle.py' --snapshot '$d/stderr' '$d/store.txt'"
		# dlv reads it too: the same goroutines as gocap
		if [ "$var" = default ] && [ -n "$DLV" ]; then
			dlv=$DLV
			case $v in 1.19|1.20) ;; *) dlv=${DLV_NEW:-$DLV} ;; esac
			"$GOCAP" goroutines --core "$d/snap.core" --json > "$d/snap.json" 2> /dev/null
			"$dlv" core "$b" "$d/snap.core" --check-go-version=false \
				--allow-non-terminal-interactive=true --init "$W/dlv.init" \
				< /dev/null > "$d/dlv.txt" 2>&1
			if grep -q '^[ *] Goroutine [0-9]' "$d/dlv.txt"; then
				check "Go $v: dlv core reads the snapshot: the same goroutine ids as gocap" python3 -c "
import json, re, sys
d = {int(m.group(1)) for m in re.finditer(r'^[ *] Goroutine (\d+) ', open('$d/dlv.txt').read(), re.M)}
g = {x['goid'] for x in json.load(open('$d/snap.json'))['goroutines']}
print('delve %d, gocap %d goroutines' % (len(d), len(g)))
if d != g: print('only delve', sorted(d - g)[:10], 'only gocap', sorted(g - d)[:10])
sys.exit(0 if d == g and len(g) > 500 else 1)"
			else
				skip "Go $v: dlv core reads the snapshot" \
					"this delve ($("$dlv" version 2> /dev/null | sed -n 's/^Version: //p')) does not read Go $v cores"
			fi
		fi
		# gdb reads the snapshot: a thread for each task, each stopped
		# in a function of the program (the registers were read)
		[ "$var" != default ] || check "Go $v: gdb reads the snapshot, every thread in a function of the program" sh -c "
			gdb -batch -ex 'thread apply all bt 1' '$b' '$d/snap.core' > '$d/gdb.txt' 2>&1
			test \$(grep -c '^Thread [0-9]* (LWP' '$d/gdb.txt') = $ntask &&
			test \$(grep -A1 '^Thread [0-9]* (LWP' '$d/gdb.txt' |
				grep -c '^#0  \(0x[0-9a-f]* in \)\?[a-z][^ ]* () at /') = $ntask"
		check "Go $v $var: the snapshot's note is flagged and holds every thread" python3 -c "
import json, sys
n = json.load(open('$d/note.json'))
p, t = n['process'], n['threads']
assert p['snapshot'] and p['signo'] == 0, p
assert p['nr_threads'] == len(t) == $ntask, (p['nr_threads'], len(t), $ntask)
assert t[0]['tid'] == $pk and all(x['comm'] for x in t), t[0]
"
	done
done
# serving: the echo server answers four clients throughout 100 snapshots
V1=${VERSIONS%% *}
serving() {
	eb=$(triage "$V1" default echo) || { echo "cannot build the echo server"; return 1; }
	"$eb" > "$W/echo.out" 2> "$W/echo.err" &
	ep=$!
	i=0
	until grep -q '^listening' "$W/echo.out" || [ $i -ge 100 ]; do sleep 0.1; i=$((i + 1)); done
	rm -f "$W/echo.stop"
	python3 "$T/echo-client.py" "$(awk '{ print $2 }' "$W/echo.out")" "$W/echo.stop" > "$W/client.out" 2>&1 &
	cp=$!
	sleep 1
	bad=0 max=0
	for _ in $(seq 100); do
		rm -f "$W/echo.core"
		"$GOCAP" snapshot "$ep" -o "$W/echo.core" 2> "$W/echo.snap" || bad=$((bad + 1))
		ms=$(sed -n 's/.* stopped for \([0-9]*\)\..*/\1/p' "$W/echo.snap")
		[ "${ms:-0}" -le "$max" ] || max=$ms
	done
	sleep 1
	touch "$W/echo.stop"
	wait $cp
	crc=$?
	"$GOCAP" goroutines --core "$W/echo.core" > "$W/echo.txt" 2>&1
	grc=$?
	kill -0 $ep; alive=$?
	kill $ep
	echo "100 snapshots, $bad failed, longest stop $max ms; client: $(cat "$W/client.out"); server alive: $alive"
	[ $bad = 0 ] && [ $crc = 0 ] && [ $alive = 0 ] && [ $grc = 0 ] &&
		grep -q '^main\.serve(' "$W/echo.txt"
}
check "snapshot: a server answers every request of its clients throughout 100 snapshots (Go $V1)" serving

# moment: a process writing all the time is snapshot as one moment
# (snapcheck); with soft-dirty pre-copy where the kernel keeps soft-dirty
# bits (the lab's Debian kernels: tests/gocapd/guest.sh), by stopping
# first where it does not.  The last round is on a machine short of
# memory (a failpoint: a 4 MiB hold budget), where most of the copy made
# during the stop goes straight into the file.
moment() {
	mb=$(triage "$V1" default mutator) || { echo "cannot build the mutator"; return 1; }
	"$mb" > "$W/mut.out" 2>&1 &
	mp=$!
	i=0
	until grep -q '^buf' "$W/mut.out" || [ $i -ge 100 ]; do sleep 0.1; i=$((i + 1)); done
	read -r _ addr _ pages < "$W/mut.out"
	bad=0
	for fp in - - - snapshot-low-memory; do
		rm -f "$W/mut.core"
		GOCAP_FAILPOINT=${fp#-} "$GOCAP" snapshot "$mp" -o "$W/mut.core" 2> "$W/mut.err" || bad=1
		echo "$fp: $(cat "$W/mut.err")"
		"$GOCD_BUILD/tools/snapcheck" "$W/mut.core" "$addr" "$pages" || bad=1
	done
	kill "$mp"
	rm -f "$W/mut.core"
	[ $bad = 0 ]
}
check "snapshot: the memory of a process writing all the time is one moment (Go $V1)" moment

# refusals: a process that is gone, one traced already, one of another
# user, one that exits in the middle, --pid with --core
refusals() {
	sleep 300 > /dev/null 2>&1 &
	sl=$!
	strace -o /dev/null -p $sl > /dev/null 2>&1 &
	st=$!
	sleep 1
	"$GOCAP" snapshot $sl -o "$W/x.core" 2> "$W/e2"
	r2=$?
	kill $st $sl 2> /dev/null
	wait $st $sl 2> /dev/null
	echo "traced: status $r2, $(cat "$W/e2")"
	"$GOCAP" snapshot 4194304 -o "$W/x.core" 2> "$W/e1"
	r1=$?
	echo "gone: status $r1, $(cat "$W/e1")"
	"$GOCAP" goroutines --pid 1 --core /dev/null > /dev/null 2> "$W/e3"
	r3=$?
	echo "both: status $r3, $(cat "$W/e3")"
	sleep 300 > /dev/null 2>&1 &
	sl=$!
	# a copy nobody can run wherever the build tree is
	chmod 755 "$W"
	cp "$GOCAP" "$W/gocap-nobody"
	runuser -u nobody -- "$W/gocap-nobody" snapshot $sl -o /tmp/gocap-nobody.$$.core 2> "$W/e4"
	r4=$?
	echo "other user's: status $r4, $(cat "$W/e4")"
	# the process dies between the stop and the copy (the failpoint
	# kills it there): an error, and no file
	pk=$(park "$(triage "$V1" default)" "$W/dies")
	GOCAP_FAILPOINT=snapshot-target-exits "$GOCAP" snapshot "$pk" -o "$W/dies.core" 2> "$W/e5"
	r5=$?
	echo "exits in the middle: status $r5, $(cat "$W/e5")"
	kill $sl
	[ $r2 = 1 ] && grep -q 'traced already, by process' "$W/e2" &&
		[ $r1 = 1 ] && grep -q 'no such process' "$W/e1" && [ ! -e "$W/x.core" ] &&
		[ $r3 = 2 ] && grep -q 'give one of' "$W/e3" &&
		[ $r4 = 1 ] && grep -q 'no permission to .* run as root' "$W/e4" &&
		[ ! -e /tmp/gocap-nobody.$$.core ] &&
		[ $r5 = 1 ] && grep -q 'exited during the snapshot: no core written' "$W/e5" &&
		[ ! -e "$W/dies.core" ] && dead "$pk"
}
# dead PID: gone, or a zombie its (adoptive) parent has not reaped yet
dead() {
	! awk '{ sub(/.*\) /, ""); exit $1 == "Z" || $1 == "X" }' "/proc/$1/stat" 2> /dev/null
}
if command -v strace > /dev/null; then
	check "snapshot: a process that is gone, one traced already, one of another user, one that exits in the middle, and --pid with --core are refused clearly" refusals
else
	notok "snapshot refusals # strace not installed (scripts/install-deps.sh)"
fi

# --- fuzz seeds: small triage cores for fuzz_goroutines -------------------
# (two goroutines per population, minimised to the pages the walk touches)
SEEDS=$GOCD_BUILD/fuzz-seeds/fuzz_goroutines
MINCORE=$GOCD_BUILD/tools/mincore
mkdir -p "$SEEDS"
made=0
for v in $VERSIONS; do
	b=$(triage "$v" default) || continue
	d=$W/few-$v
	rm -rf "$d"; mkdir -p "$d"
	(cd "$d" && ulimit -c unlimited && echo 0x37 > /proc/self/coredump_filter &&
	 TRIAGE_FEW=1 GOTRACEBACK=crash "$b" crash; true) > /dev/null 2>&1
	[ -s "$d/core" ] && "$MINCORE" --note "$d/core" "$SEEDS/triage-$v" 2> /dev/null &&
		made=$((made + 1))
done
# under the fuzzer's max_len (scripts/fuzz.sh), which reads no more of a seed
check "fuzz seeds: $made minimised triage cores under 1.5 MiB that group as the full core" sh -c "
	for v in $VERSIONS; do
		s='$SEEDS'/triage-\$v
		[ -s \$s ] || exit 1
		[ \$(stat -c %s \$s) -le $GOCD_FUZZ_MAX_LEN ] || { echo \$s over 1.5 MiB; exit 1; }
		'$GOCAP' goroutines --group --core \$s > '$W/seed.txt' 2> /dev/null
		'$GOCAP' goroutines --group --core '$W'/few-\$v/core > '$W/full.txt' 2> /dev/null
		cmp '$W/seed.txt' '$W/full.txt' && grep -q '^main.mutexWait(' '$W/seed.txt' || exit 1
	done"

echo "1..$N"
