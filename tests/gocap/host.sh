#!/bin/bash
# host.sh: gocap's host integration tests (no VM), TAP on stdout.
#
# The oracle is the Go runtime itself.  A crasher (tests/gocap/go/crasher)
# with ~1,100 goroutines in varied states is built by the Debian Go
# toolchain of every release gocap reads (`gocap releases`) in five
# variants (default,
# -ldflags=-w, -ldflags='-s -w', PIE, cgo) and crashes under
# GOTRACEBACK=crash with coredump_filter 0x37 (this host's core_pattern is
# "core" in the cwd; it is never changed).  What the runtime printed on
# stderr is parsed and compared with gocap's reconstruction from the core
# (oracle.py): same goroutine ids, statuses and wait reasons, same frames
# (function, file:line) in the same order, same "created by", same crash
# text.  Each crash is checked twice: from the core alone (roots from the
# machine code, layouts from the per-release table) and with --exe
# (symbol table, DWARF where present).
#
# Every crasher waits over a minute before it crashes (GOCD_GOCAP_WAIT,
# default 63s), so that the runtime prints ", N minutes" in the headers
# and the oracle checks gocap's wait times too, from a core without the
# gocoredump note (gonow.c estimates the time of the crash).  All of them
# wait at once, with a small HTTP server that runs over two minutes
# (tests/gocap/go/server), so the waits cost about two minutes in all;
# then they crash two at a time.
#
# Also: layouts and wait reasons checked against DWARF and the toolchain
# sources, roots from code against .symtab, delve as a peer, the error
# paths, and fuzz seeds written to build/fuzz-seeds/.  The crashers are
# built once and cached under build/gocap-crashers/.
set -u
. "$(dirname "$0")/../../scripts/lib.sh"

T=$GOCD_TOP/tests/gocap
GOCAP=$GOCD_BUILD/bin/gocap
CACHE=$GOCD_BUILD/gocap-crashers
SEEDS=$GOCD_BUILD/fuzz-seeds
W=$(mktemp -d /tmp/gocap-host.XXXXXX)
N=0
# GOCD_GOCAP_KEEP=1 keeps the crash directories (their path is printed).
trap '[ -n "${GOCD_GOCAP_KEEP:-}" ] && echo "# kept $W" || rm -rf "$W"' EXIT

ok() { N=$((N + 1)); echo "ok $N $*"; }
notok() { N=$((N + 1)); echo "not ok $N $*"; }
skip() { N=$((N + 1)); echo "ok $N $1 # SKIP $2"; }
diag() { echo "# $*"; }
# nocore DESC DIR: DESC failed for want of DIR's core; say how the crasher
# ended and the last it printed
nocore() {
	notok "$1"
	diag "exit status $(cat "$2/status" 2>/dev/null || echo unknown)," \
		"core $(ls -l "$2/core" 2>&1)"
	tail -2 "$2/stdout" 2>/dev/null | sed 's/^/#   stdout: /'
	tail -5 "$2/stderr" 2>/dev/null | sed 's/^/#   stderr: /'
	sed 's/^/#   hung: /' "$2/hung" 2>/dev/null
}
# check DESC CMD...: one test whose verdict is CMD's exit status
check() {
	d=$1; shift
	if "$@" > "$W/check.log" 2>&1; then
		ok "$d$(head -1 "$W/check.log" | sed -n 's/^\(.\{1,120\}\)$/: \1/p')"
	else
		notok "$d"
		sed 's/^/#   /' "$W/check.log" | head -20
	fi
}

# first PREFIX [EXCLUDE]: the first crash directory PREFIX-* whose name
# does not contain EXCLUDE (nothing when there is none)
first() {
	for d in "$1"-*; do
		[ -d "$d" ] || continue
		if [ -n "${2:-}" ]; then
			case $d in *"$2"*) continue ;; esac
		fi
		echo "$d"
		return 0
	done
}

[ -x "$GOCAP" ] || { echo "1..1"; echo "not ok 1 $GOCAP not built"; exit 1; }
command -v python3 > /dev/null || { echo "1..0 # SKIP python3 missing"; exit 0; }

# Every release gocap reads (GOCD_GOCAP_VERSIONS selects some).
# (Not 1.20: Debian has no toolchain to build the crasher with;
# tests/gocap120/host.sh tests it on real Go 1.20 executables.)
RELEASES=$("$GOCAP" releases | sed 's/^go//' | grep -vx 1.20 | tr '\n' ' ' | sed 's/ $//')
VERSIONS=${GOCD_GOCAP_VERSIONS:-$RELEASES}
VARIANTS="default w sw pie cgo"
MODES="panic-string panic-error panic-fmt panic-custom panic-nested index nilmap nilptr throw"
WAIT=${GOCD_GOCAP_WAIT:-63s}
# Every oracle wants wait times to compare unless the wait is under a minute.
WANT_MINUTES=$(python3 -c 'import re, sys
m = re.fullmatch(r"(\d+)(s|m)", sys.argv[1])
print("--want-minutes" if m and int(m[1]) * (60 if m[2] == "m" else 1) >= 60 else "")' "$WAIT")

# --- crashers, built once per source/toolchain/variant -------------------
SRC_HASH=$(cat "$T/go/go.mod" "$T"/go/*/*.go | sha256sum | cut -c1-16)
# crasher V VARIANT [PROGRAM]: print the path of the binary (crasher, or
# server), building it if needed
crasher() {
	v=$1 var=$2 prog=${3:-crasher}
	out="$CACHE/$SRC_HASH/$prog-$1-$2"
	if [ ! -x "$out" ]; then
		mkdir -p "$CACHE/$SRC_HASH"
		case $var in
		default) set -- ;;
		w) set -- -ldflags=-w ;;
		sw) set -- "-ldflags=-s -w" ;;
		pie) set -- -buildmode=pie ;;
		pieshift) set -- -tags gocap_shift -buildmode=pie ;;
		cgo) set -- ;;
		esac
		cgo=0
		[ "$var" = cgo ] && cgo=1
		(cd "$T/go" && CGO_ENABLED=$cgo "$GOCD_TOP/scripts/go.sh" "$v" \
			build "$@" -o "$out.tmp" "./$prog") \
			> "$W/build-$prog-$v-$var.log" 2>&1 && mv "$out.tmp" "$out" ||
			return 1
	fi
	echo "$out"
}

# mono: CLOCK_MONOTONIC (runtime.nanotime's clock) in ns
mono() {
	python3 -c 'import time; print(time.clock_gettime_ns(time.CLOCK_MONOTONIC))'
}

# crash BIN MODE DIR [FILTER]: run the crasher in DIR until it dumps core;
# its stderr (the runtime's traceback) goes to DIR/stderr, and DIR/truth
# gets the clock the crasher read just before it crashed and the clock
# when it was gone (what gocap's estimate of the crash time must lie
# between).  MODE "server" and "server-idle" run the server (BIN) instead,
# which crashes by SIGABRT.  Run in parallel (crash_bg), the crashers wait
# together ($WAIT) and then crash two at a time (LANE, 1 or 2): they are
# quick so, and all at once so slow that the runtime's clock moves by a
# minute while it prints.
LANE=1
crash() {
	bin=$1 mode=$2 dir=$3 filter=${4:-0x37}
	rm -rf "$dir"
	mkdir -p "$dir"
	(
		cd "$dir" || exit 1
		ulimit -c unlimited
		echo "$filter" > /proc/self/coredump_filter
		# oom: one allocation over the address space allowed here.
		[ "$mode" = oom ] && ulimit -v 4194304
		mkfifo gate
		export GOCAP_CRASHER_WAIT=$WAIT GOCAP_CRASHER_GATE=$dir/gate \
			GOCAP_CRASHER_RAISE=1
		case $mode in
		server|server-idle)
			# Groups wait from its start and from 62 s on: 2 and 1
			# minutes when it crashes at 126 s.
			a=""
			[ "$mode" = server-idle ] && a=-idle
			# (asyncpreemptoff: see the server's own comment)
			# shellcheck disable=SC2086 # no argument or -idle
			GOTRACEBACK=crash GODEBUG=asyncpreemptoff=1 \
				"$bin" $a 62s 126s > stdout 2> stderr &
			;;
		signal|syscall)
			# asyncpreemptoff keeps the spinners running on their
			# Ms: the runtime then prints them from its SIGQUIT relay.
			GOTRACEBACK=crash GODEBUG=tracebacklabels=1,asyncpreemptoff=1 \
				"$bin" "$mode" > stdout 2> stderr &
			;;
		*)
			GOTRACEBACK=crash GODEBUG=tracebacklabels=1 "$bin" "$mode" \
				> stdout 2> stderr &
			;;
		esac
		pid=$!
		# await TEXT: until the program prints TEXT or is gone (a
		# crasher that never says "ready" is killed below: its test
		# fails, without a core, and the suite goes on)
		await() {
			for _ in $(seq 3000); do
				grep -q "$1" stdout 2> /dev/null && break
				kill -0 "$pid" 2> /dev/null || break
				sleep 0.1
			done
		}
		# hung: what each of the crasher's threads waits in (for the
		# test's diagnostics), then it is killed
		hung() {
			{
				echo "the gate opened: $opened"
				for t in /proc/"$pid"/task/*; do
					echo "thread ${t##*/}: state" \
						"$(cut -d' ' -f3 "$t/stat"), in" \
						"$(cat "$t/wchan"), syscall" \
						"$(cut -d' ' -f1 "$t/syscall")"
				done
			} > hung 2>&1
			kill -KILL "$pid"
		}
		await "at the gate"
		{
			flock 9
			# (the open of the FIFO waits for the crasher's: again
			# while it lives, a loaded machine may take long)
			opened=no
			for _ in $(seq 30); do
				timeout 10 sh -c ': > gate' && { opened=yes; break; }
				kill -0 "$pid" 2> /dev/null || break
			done
			case $mode in
			signal|syscall|server*)
				await ready
				grep -q ready stdout || hung
				;;
			esac
			# The program sends itself SIGABRT right after its "ready"
			# (sent from here, it came seconds later on a loaded
			# machine: see the crasher's comment); the idle server
			# gets it from here, to the thread blocked in read(2).
			if [ "$mode" = server-idle ]; then
				tid=$(sed -n 's/.* tid=\([0-9]*\).*/\1/p' stdout)
				python3 -c 'import ctypes,sys
libc = ctypes.CDLL(None, use_errno=True)
sys.exit(libc.syscall(234, int(sys.argv[1]), int(sys.argv[2]), 6) != 0)' "$pid" "$tid"
			fi
			wait "$pid"
			echo "$?" > status
		} 9> "$W/crash.lock$LANE"
		echo "$(sed -n 's/.* mono=\([0-9]*\).*/\1/p' stdout) $(mono)" > truth
	) > /dev/null 2>&1
	[ -s "$dir/core" ]
}

# crash_bg ARGS: crash ARGS in the background (crash_wait waits for all)
CRASHES=""
crash_bg() {
	crash "$@" &
	CRASHES="$CRASHES $!"
	LANE=$((3 - LANE))
}
crash_wait() {
	# shellcheck disable=SC2086 # a list of pids
	wait $CRASHES
	CRASHES=""
}

# --- tables derived from the toolchains ----------------------------------
srcs=""
for v in $VERSIONS; do
	"$GOCD_TOP/scripts/fetch-go.sh" "$v" > /dev/null 2>&1 ||
		{ echo "1..1"; echo "not ok 1 cannot fetch Go $v"; exit 1; }
	srcs="$srcs $GOCD_CACHE/go/$v/usr/share/go-$v/src:${v#1.}"
done
# (The generated file holds every release gocap reads: comparable only
# when the run covers them all.)
if [ "$VERSIONS" = "$RELEASES" ]; then
	# shellcheck disable=SC2086
	check "wait-reason strings of every release equal runtime2.go's" \
		python3 "$T/gen-waitreasons.py" --check "$GOCD_TOP/userland/go/gowaitreasons.c" $srcs
fi

declare -A BIN SERVER
for v in $VERSIONS; do
	for var in $VARIANTS; do
		if b=$(crasher "$v" "$var"); then
			BIN[$v-$var]=$b
		else
			notok "build crasher with Go $v ($var)"
			sed 's/^/#   /' "$W/build-crasher-$v-$var.log" | tail -5
		fi
	done
	if b=$(crasher "$v" default server); then
		SERVER[$v]=$b
	else
		notok "build server with Go $v"
		sed 's/^/#   /' "$W/build-server-$v-default.log" | tail -5
	fi
done

for v in $VERSIONS; do
	b=${BIN[$v-default]:-}
	[ -n "$b" ] || continue
	check "Go $v: layout table equals the DWARF of a $v binary" \
		bash -c "diff <('$GOCAP' layout --exe '$b' | grep -v '^#') <('$GOCAP' layout --version go$v.0 | grep -v '^#')"
done
check "a Go release without a layout table is refused" \
	sh -c "! '$GOCAP' layout --version go1.18.10 2>&1 | tee /dev/stderr | grep -q '^[a-z_]* [0-9]' &&
	       '$GOCAP' layout --version go1.18.10 2>&1 | grep -q 'no runtime layout table'"

# --- every crash at once -------------------------------------------------
# (Each waits $WAIT first: run one after the other they would take an
# hour.)  The error paths and the store use Go $V.
V=1.22
case " $VERSIONS " in *" 1.22 "*) ;; *) V=${VERSIONS%% *} ;; esac
declare -A MODE
i=0
for v in $VERSIONS; do
	for var in $VARIANTS; do
		b=${BIN[$v-$var]:-}
		[ -n "$b" ] || continue
		# shellcheck disable=SC2086 # a list of modes
		set -- $MODES
		shift $((i % $#))
		MODE[$v-$var]=$1
		i=$((i + 1))
		crash_bg "$b" "$1" "$W/$v-$var-$1"
	done
	b=${BIN[$v-default]:-}
	if [ -n "$b" ]; then
		for mode in signal syscall throw; do
			crash_bg "$b" "$mode" "$W/$mode-$v"
		done
		crash_bg "$b" oom "$W/oom-$v"
	fi
	b=${SERVER[$v]:-}
	[ -n "$b" ] && crash_bg "$b" server "$W/server-$v"
done
b=${BIN[$V-default]:-}
if [ -n "$b" ]; then
	crash_bg "$b" panic-error "$W/$V-filter33" 0x33
	b=${BIN[$V-pie]:-}
	[ -n "$b" ] && crash_bg "$b" panic-error "$W/$V-pie-filter33" 0x33
	b=${BIN[$V-default]:-}
	crash_bg "$b" panic-error "$W/store-crash"
fi
b=${SERVER[$V]:-}
[ -n "$b" ] && crash_bg "$b" server-idle "$W/server-idle"
diag "$(date +%T) waiting for the crashers ($WAIT, then two at a time) and the servers (126 s)"
crash_wait
diag "$(date +%T) done"

# --- the oracle ----------------------------------------------------------
# oracle DESC DIR [--exe BIN]: gocap on DIR/core against DIR/stderr
oracle() {
	d=$1 dir=$2; shift 2
	"$GOCAP" goroutines --core "$dir/core" "$@" > "$dir/gocap.txt" 2> "$dir/gocap.err"
	rc=$?
	"$GOCAP" goroutines --core "$dir/core" "$@" --json > "$dir/gocap.json" 2> /dev/null
	# shellcheck disable=SC2086 # an option or none
	if [ $rc = 0 ] && python3 "$T/oracle.py" $WANT_MINUTES "$dir/stderr" "$dir/gocap.txt" \
		--json "$dir/gocap.json" > "$dir/oracle.log" 2>&1; then
		ok "$d: $(head -1 "$dir/oracle.log")"
	else
		notok "$d (gocap exit $rc)"
		sed 's/^/#   /' "$dir/gocap.err" "$dir/oracle.log" | head -12
	fi
}

for v in $VERSIONS; do
	for var in $VARIANTS; do
		b=${BIN[$v-$var]:-}
		[ -n "$b" ] || continue
		mode=${MODE[$v-$var]}
		dir=$W/$v-$var-$mode
		if ! [ -s "$dir/core" ]; then
			nocore "Go $v $var $mode: no core (ulimit? core_pattern?)" "$dir"
			continue
		fi
		oracle "oracle Go $v $var $mode, core only" "$dir"
		oracle "oracle Go $v $var $mode, --exe" "$dir" --exe "$b"
	done
	# Running goroutines on several Ms, from the SIGQUIT relay.
	b=${BIN[$v-default]:-}
	[ -n "$b" ] || continue
	dir=$W/signal-$v
	if [ -s "$dir/core" ]; then
		oracle "oracle Go $v default SIGABRT, core only" "$dir"
		check "Go $v SIGABRT: goroutines running on other Ms were rebuilt from their signal frames" \
			python3 -c "
import json,sys
d=json.load(open('$dir/gocap.json'))
r=[g for g in d['goroutines'] if g['status']=='running' and g['frames']]
s=[g for g in r if g['stack_from']=='signal frame']
print('%d running goroutines with stacks, %d from signal frames' % (len(r), len(s)))
sys.exit(0 if len(s) >= 3 else 1)"
	else
		nocore "Go $v signal: no core" "$dir"
	fi
	# SIGABRT to a thread in a system call: the goroutine it ran
	# (_Gsyscall) is the one that crashed and comes first.
	dir=$W/syscall-$v
	if [ -s "$dir/core" ]; then
		oracle "oracle Go $v default SIGABRT in read(2), core only" "$dir"
		check "Go $v SIGABRT in read(2): the goroutine in the system call crashed" \
			python3 -c "
import json,sys
d=json.load(open('$dir/gocap.json'))
c=[g for g in d['goroutines'] if g.get('crashed')]
print([(g['goid'], g['status']) for g in c])
sys.exit(0 if len(c) == 1 and c[0]['status'].startswith('syscall') else 1)"
	else
		nocore "Go $v syscall: no core" "$dir"
	fi
	# A throw: runtime.throw (1.19) or runtime.fatal (1.22 on), from
	# sync.Mutex.Unlock of an unlocked mutex; its text must be recovered.
	dir=$W/throw-$v
	if [ -s "$dir/core" ]; then
		oracle "oracle Go $v default throw, core only" "$dir"
	else
		nocore "Go $v throw: no core" "$dir"
	fi
	# Out of memory, under ulimit -v: the line the runtime prints before
	# the throw ("runtime: out of memory: cannot allocate ...") comes
	# from its print backlog.
	dir=$W/oom-$v
	if [ -s "$dir/core" ] &&
		grep -q '^runtime: out of memory: cannot allocate' "$dir/stderr"; then
		oracle "oracle Go $v default out of memory, core only" "$dir"
	else
		nocore "Go $v oom: no core, or no out-of-memory throw" "$dir"
		sed 's/^/#   /' "$dir/stderr" | head -3
	fi
	# pprof labels
	dir=$(first "$W/$v-default")
	check "Go $v: pprof labels of the 9 labelled goroutines" python3 -c "
import json,sys
d=json.load(open('$dir/gocap.json'))
l=[g['labels'] for g in d['goroutines'] if g.get('labels')]
ok=[x for x in l if x.get('job')=='labelled' and x.get('n') in ('0','1','2')]
print('%d goroutines with labels, %d as set' % (len(l), len(ok)))
sys.exit(0 if len(l) == 9 and len(ok) == 9 else 1)"
done

# --- wait times without the note ----------------------------------------
# A server that ran over two minutes, under load, crashed by SIGABRT:
# goroutines that waited two minutes, one minute (or, if the crash came
# later, one more each) and less.
for v in $VERSIONS; do
	dir=$W/server-$v
	[ -n "${SERVER[$v]:-}" ] || continue
	if [ -s "$dir/core" ] &&
		[ "$(grep -o ', [0-9]* minutes' "$dir/stderr" | sort -u | wc -l)" -ge 2 ]; then
		oracle "Go $v server after two minutes, SIGABRT: every wait time as the runtime's" "$dir"
	else
		nocore "Go $v server: no core, or the runtime printed no waits of different minutes" "$dir"
		sed 's/^/#   /' "$dir/stderr" | head -3
	fi
done
# Every estimate lies between the crashed program's last clock read (just
# before it crashed) and its end; how far from the first, in ms.
check "the crash's time estimated from each core lies between the program's last clock read and its end" \
	python3 "$T/estimates.py" "$W"
python3 "$T/estimates.py" --list "$W" 2>&1 | sed 's/^/# /'
# The same server, killed when every goroutine waited: the latest time in
# the core is its last activity, so the wait times are left out, and said.
dir=$W/server-idle
if [ -n "${SERVER[$V]:-}" ] && [ -s "$dir/core" ]; then
	"$GOCAP" goroutines --core "$dir/core" > "$dir/gocap.txt" 2> "$dir/gocap.err"
	"$GOCAP" goroutines --core "$dir/core" --json > "$dir/gocap.json" 2> /dev/null
	check "an idle server killed by SIGABRT: no wait times, said once on stderr and in JSON" sh -c "
		cat '$dir/gocap.err'
		grep -q ', [1-9][0-9]* minutes' '$dir/stderr' && ! grep -q minutes '$dir/gocap.txt' &&
		[ \$(grep -c 'no usable time of the crash' '$dir/gocap.err') = 1 ] &&
		python3 '$T/estimates.py' --none '$dir/gocap.json' 'every goroutine waiting' &&
		python3 '$T/oracle.py' --without-minutes '$dir/stderr' '$dir/gocap.txt'"
else
	nocore "idle server: no core" "$dir"
fi
# A copy of a matrix core with every time later than the goroutines'
# waitsince zeroed: the same, for want of any time at all.
dir=$(first "$W/$V-default")
if [ -n "$dir" ]; then
	python3 "$T/estimates.py" --zero "$GOCAP" "$dir/core" "$W/notime.core" > "$W/notime.log" 2>&1
	"$GOCAP" goroutines --core "$W/notime.core" > "$W/notime.txt" 2> "$W/notime.err"
	"$GOCAP" goroutines --core "$W/notime.core" --json > "$W/notime.json" 2> /dev/null
	check "a core without a time of the crash: no wait times, said once on stderr and in JSON" sh -c "
		cat '$W/notime.log' '$W/notime.err'
		grep -q ', [1-9][0-9]* minutes' '$dir/stderr' && ! grep -q minutes '$W/notime.txt' &&
		[ \$(grep -c 'no usable time of the crash' '$W/notime.err') = 1 ] &&
		python3 '$T/estimates.py' --none '$W/notime.json' '' &&
		python3 '$T/oracle.py' --without-minutes '$dir/stderr' '$W/notime.txt'"
fi
# Two reads planted days ahead on a thread's stack, near each other, as
# slots reused by later frames once held: believed, they made one core's
# waits 107606 minutes.  A read is believed only through a chain from a
# time the runtime wrote down.
check "two clock reads planted days ahead, confirming each other, are not believed" \
	python3 "$T/estimates.py" --plant "$GOCAP" "$W/planted.core" "$W"/*
rm -f "$W/planted.core"

# --- scheduler roots: machine code against the symbol table -------------
for v in $VERSIONS; do
	for var in default pie; do
		dir=$(first "$W/$v-$var" filter33)
		b=${BIN[$v-$var]:-}
		if [ -z "$dir" ] || [ -z "$b" ]; then continue; fi
		check "Go $v $var: roots found in the code equal .symtab's" python3 -c "
import json,subprocess,sys
code=json.loads(subprocess.check_output(['$GOCAP','roots','--core','$dir/core','--json']))
sym=json.loads(subprocess.check_output(['$GOCAP','roots','--core','$dir/core','--exe','$b','--json']))['symtab']
bad=[]
for k in ('runtime.allgs','runtime.allglen','runtime.allm','runtime.allp','runtime.sched','runtime.firstmoduledata'):
    c=code['roots'][k]
    if not c or c['from'] not in ('code','scan') or c['addr']!=sym[k]:
        bad.append('%s: %s vs %s' % (k, c, sym[k]))
print('6 roots agree' if not bad else '; '.join(bad))
sys.exit(1 if bad else 0)"
	done
done

# --- the peer: delve -----------------------------------------------------
# Debian 12's delve (1.20) reads Go up to 1.20; trixie's (1.24, fetched by
# scripts/fetch-delve.sh) the later releases.
DLV_NEW=$("$GOCD_TOP/scripts/fetch-delve.sh" 2> /dev/null) || DLV_NEW=""
if command -v dlv > /dev/null; then
	printf 'goroutines\nexit\n' > "$W/dlv.init"
	for v in $VERSIONS; do
		dir=$(first "$W/$v-default" signal)
		b=${BIN[$v-default]:-}
		if [ -z "$dir" ] || [ -z "$b" ]; then continue; fi
		dlv=dlv
		case $v in 1.19|1.20) ;; *) [ -n "$DLV_NEW" ] && dlv=$DLV_NEW ;; esac
		"$dlv" core "$b" "$dir/core" --check-go-version=false \
			--allow-non-terminal-interactive=true --init "$W/dlv.init" \
			< /dev/null > "$dir/dlv.txt" 2>&1
		if ! grep -q '^[ *] Goroutine [0-9]' "$dir/dlv.txt"; then
			skip "dlv core lists the same goroutines as gocap (Go $v)" \
				"this delve ($("$dlv" version 2> /dev/null | sed -n 's/^Version: //p')) does not read Go $v cores"
			continue
		fi
		check "dlv core lists the same goroutine ids as gocap (Go $v)" python3 -c "
import json,re,sys
d={int(m.group(1)) for m in re.finditer(r'^[ *] Goroutine (\d+) ', open('$dir/dlv.txt').read(), re.M)}
g={x['goid'] for x in json.load(open('$dir/gocap.json'))['goroutines']}
print('delve %d, gocap %d goroutines' % (len(d), len(g)))
if d != g: print('only delve', sorted(d-g)[:10], 'only gocap', sorted(g-d)[:10])
sys.exit(0 if d == g else 1)"
	done
else
	skip "dlv core lists the same goroutines as gocap" "dlv not installed"
fi

# --- error paths ---------------------------------------------------------
b=${BIN[$V-default]:-}
other=${BIN[$V-w]:-}
dir=$(first "$W/$V-default" signal)
if [ -n "$b" ] && [ -n "$other" ] && [ -n "$dir" ]; then
	check "a wrong --exe (other build ID) is refused" sh -c "
		! '$GOCAP' goroutines --core '$dir/core' --exe '$other' > '$W/wrong.out' 2> '$W/wrong.err' &&
		grep 'does not match' '$W/wrong.err' && ! [ -s '$W/wrong.out' ]"

	# A core cut in the middle: partial output, an error, exit 1.
	size=$(stat -c %s "$dir/core")
	head -c $((size * 6 / 10)) "$dir/core" > "$W/trunc.core"
	"$GOCAP" goroutines --core "$W/trunc.core" > "$W/trunc.txt" 2> "$W/trunc.err"
	rc=$?
	check "a truncated core gives partial output plus an error" sh -c "
		cat '$W/trunc.err'
		[ $rc = 1 ] && grep -q 'truncated' '$W/trunc.err' &&
		[ \$(grep -c '^goroutine ' '$W/trunc.txt') -ge 1 ] &&
		python3 '$T/oracle.py' --partial \$(grep -q 'no usable time' '$W/trunc.err' && echo --without-minutes) \
			'$dir/stderr' '$W/trunc.txt'"

	# A stock core: no text, no rodata (coredump_filter 0x33).
	d33=$W/$V-filter33
	if [ -s "$d33/core" ]; then
		"$GOCAP" goroutines --core "$d33/core" > "$W/33.out" 2> "$W/33.err"
		rc=$?
		check "a core without text/rodata and no --exe: a clear message" sh -c "
			cat '$W/33.err'; [ $rc = 1 ] && ! [ -s '$W/33.out' ] &&
			grep -q 'were not dumped' '$W/33.err' && grep -q -- '--exe' '$W/33.err'"
		oracle "the same stock core with --exe" "$d33" --exe "$b"
	else
		nocore "no core with coredump_filter 0x33" "$d33"
	fi

	# A stock-filter core of a PIE: its pclntab may be in RELRO (dumped,
	# as the loader wrote to it), its text is not; the message must name
	# the text and the filter, and point at --exe.
	bp=${BIN[$V-pie]:-}
	d33p=$W/$V-pie-filter33
	if [ -n "$bp" ] && [ -s "$d33p/core" ]; then
		"$GOCAP" goroutines --core "$d33p/core" > "$W/33p.out" 2> "$W/33p.err"
		rc=$?
		check "a stock-filter PIE core: the message names the text, the filter and --exe" sh -c "
			cat '$W/33p.err'; [ $rc = 1 ] && ! [ -s '$W/33p.out' ] &&
			grep -q 'text.* not .*in the core\|text and rodata were not dumped' '$W/33p.err' &&
			grep -q 'coredump_filter' '$W/33p.err' && grep -q -- '--exe' '$W/33p.err'"
		oracle "the same stock PIE core with --exe" "$d33p" --exe "$bp"
	else
		notok "no PIE core with coredump_filter 0x33"
	fi

	# A cut core with --exe: the truncation first, the right executable
	# taken by its mappings (the build ID is cut off), the wrong refused.
	dp=$(first "$W/$V-pie" filter33)
	if [ -n "$bp" ] && [ -n "$dp" ]; then
		# Cut where the heap ends and the executable begins (PIE: the
		# heap lies below it).
		at=$(python3 -c "
import sys; sys.path.insert(0, '$T'); import sweep
loads, files = sweep.segments('$dp/core')
exe = [s for s, e, n in files if n.endswith('/${bp##*/}')]
print(min(off for va, fsz, off in loads if va in exe) - (1 << 20))")
		head -c "$at" "$dp/core" > "$W/cutp.core"
		"$GOCAP" goroutines --core "$W/cutp.core" --exe "$bp" > "$W/cutp.out" 2> "$W/cutp.err"
		rc=$?
		check "a PIE core cut before its executable, with --exe: truncation named first, goroutines printed" sh -c "
			cat '$W/cutp.err'; [ $rc = 1 ] &&
			head -1 '$W/cutp.err' | grep -q 'core truncated at byte $at of' &&
			grep -q 'checked against the mappings' '$W/cutp.err' &&
			[ \$(grep -c '^goroutine ' '$W/cutp.out') -ge 100 ] &&
			python3 '$T/oracle.py' --partial \$(grep -q 'no usable time' '$W/cutp.err' && echo --without-minutes) \
				'$dp/stderr' '$W/cutp.out'"
		check "the same cut core with another executable: refused, saying why" sh -c "
			! '$GOCAP' goroutines --core '$W/cutp.core' --exe '$b' > '$W/cutw.out' 2> '$W/cutw.err';
			cat '$W/cutw.err'; head -1 '$W/cutw.err' | grep -q 'core truncated' &&
			grep -q 'does not fit the mappings' '$W/cutw.err' && ! [ -s '$W/cutw.out' ]"
		# Another build whose segments fit the same mappings (one more
		# function): its functions start elsewhere.
		if bs=$(crasher "$V" pieshift); then
			check "the same cut core with another build of the same shape: refused" sh -c "
				! '$GOCAP' goroutines --core '$W/cutp.core' --exe '$bs' > '$W/cuts.out' 2> '$W/cuts.err';
				cat '$W/cuts.err'; head -1 '$W/cuts.err' | grep -q 'core truncated' &&
				grep -q 'start at no function entry' '$W/cuts.err' && ! [ -s '$W/cuts.out' ]"
		else
			notok "build the crasher with -tags gocap_shift"
		fi
		"$GOCAP" goroutines --core "$W/cutp.core" > "$W/cutc.out" 2> "$W/cutc.err"
		rc=$?
		check "the same cut core alone: truncation first, then what to give" sh -c "
			cat '$W/cutc.err'; [ $rc = 1 ] && head -1 '$W/cutc.err' | grep -q 'core truncated' &&
			grep -q -- '--exe' '$W/cutc.err' && ! [ -s '$W/cutc.out' ]"
	fi
	check "a core without the note: gocap note says what to load" sh -c "
		! '$GOCAP' note --core '$dir/core' 2> '$W/nonote.err'; cat '$W/nonote.err';
		grep -q 'no gocoredump note' '$W/nonote.err' && grep -q 'insmod gocoredump.ko' '$W/nonote.err'"

	# An unknown Go version (the version string edited in the core).
	python3 - "$dir/core" "$W/v20.core" <<'EOF'
import re, sys
d = open(sys.argv[1], 'rb').read()
d = re.sub(rb'go1\.22\.(\d+)', lambda m: b'go1.18.' + m.group(1), d)
open(sys.argv[2], 'wb').write(d)
EOF
	if [ "$V" = 1.22 ]; then
		check "a core of a Go release gocap does not know is refused" sh -c "
			! '$GOCAP' goroutines --core '$W/v20.core' 2> '$W/v20.err' > /dev/null &&
			cat '$W/v20.err' && grep -q 'go1.18.* is not one gocap knows' '$W/v20.err'"
	fi
fi

# --- truncation sweep -----------------------------------------------------
# Every 1 MiB through real cores, non-PIE (text and rodata first, then the
# heap) and PIE (the heap below the executable), of the oldest and newest
# release: see sweep.py for what each cut must give.  The ASan/UBSan build
# of gocap runs every cut too.
ASAN=""
if make -C "$GOCD_TOP/userland" B="$GOCD_BUILD" asan > "$W/asan-build.log" 2>&1; then
	ASAN=$GOCD_BUILD/asan/gocap
else
	notok "build gocap with ASan/UBSan (make -C userland asan)"
	sed 's/^/#   /' "$W/asan-build.log" | tail -5
fi
oldest=${VERSIONS%% *}
newest=${VERSIONS##* }
for v in $oldest $newest; do
	for var in default pie; do
		b=${BIN[$v-$var]:-}
		[ -n "$b" ] || continue
		dir=$(first "$W/$v-$var" filter33)
		[ -n "$dir" ] || { dir=$W/$v-$var-sweep; crash "$b" panic-error "$dir" || continue; }
		mkdir -p "$W/sweep"
		check "truncation sweep, Go $v $var: every 1 MiB and inside 4 g's, alone and with --exe${ASAN:+, ASan/UBSan too}" \
			python3 "$T/sweep.py" "$GOCAP" "$dir/core" "$b" "$dir/stderr" "$W/sweep" ${ASAN:+--asan "$ASAN"}
		[ "$oldest" = "$newest" ] && break
	done
	[ "$oldest" = "$newest" ] && break
done

# --- the store commands, over a store gocapd wrote ----------------------
GOCAPD=$GOCD_BUILD/bin/gocapd
b=${BIN[$V-default]:-}
if [ -x "$GOCAPD" ] && [ -n "$b" ]; then
	# The crashed process's /proc/PID, as gocapd --pipe reads it: a live
	# copy of the same binary stands in (its own crash is the core).
	GOTRACEBACK=crash GODEBUG=asyncpreemptoff=1 "$b" signal > "$W/stand.out" 2> /dev/null &
	STAND=$!
	for _ in $(seq 400); do grep -q ready "$W/stand.out" && break; sleep 0.05; done
	sd=$W/store-crash
	printf 'Storage=raw\nRateLimit=off\n' > "$W/raw.conf"
	printf 'Storage=zstd\nCompressLevel=3\nRateLimit=off\n' > "$W/zstd.conf"
	# gocapd checks that the core and /proc/PID are one process (PID
	# reuse, gocapd.rst): the core fed names its stand-in; its crashing
	# thread is the one the kernel named (%i, %I)
	tid=$(python3 "$GOCD_TOP/tests/gocapd/retarget.py" "$sd/core" \
		"$sd/core.stand" "$STAND" - "${b##*/}")
	t0=$(mono)
	for st in raw zstd; do
		"$GOCAPD" --store "$W/store-$st" --config "$W/$st.conf" \
			--socket "$W/nosock" --log-stderr --no-daemon --pipe \
			"$STAND" "$tid" "$tid" 6 "$(date +%s)" 0 0 0 testhost \
			crasher < "$sd/core.stand" > "$W/gocapd-$st.log" 2>&1
	done
	t1=$(mono)
	# the same crash twice, compressed, for heap diff of two dump IDs
	for i in 1 2; do
		"$GOCAPD" --store "$W/store-two" --config "$W/zstd.conf" \
			--socket "$W/nosock" --log-stderr --no-daemon --pipe \
			"$STAND" "$tid" "$tid" 6 "$(date +%s)" 0 0 0 testhost \
			crasher < "$sd/core.stand" > "$W/gocapd-two$i.log" 2>&1
	done
	kill "$STAND" 2> /dev/null
	wait "$STAND" 2> /dev/null
	S="$GOCAP --store $W/store-zstd"
	ann=$(ls "$W"/store-zstd/core.*.json)
	check "the annotation holds CLOCK_MONOTONIC when gocapd received the dump" python3 -c '
import json, sys
m = json.load(open(sys.argv[1])).get("monotonic_ns")
print("monotonic_ns", m, "received between", sys.argv[2], "and", sys.argv[3])
sys.exit(0 if isinstance(m, int) and int(sys.argv[2]) <= m <= int(sys.argv[3]) else 1)' "$ann" "$t0" "$t1"
	check "list shows the dump, coredumpctl-style, and its filters select" sh -c "
		$S list | tee /dev/stderr | grep -q '^1 .* ABRT  *present .*crasher-$V-default' &&
		[ \$($S list --json | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))') = 1 ] &&
		$S list --exe crasher-$V-default | grep -q '^1 ' &&
		! $S list --exe other > /dev/null 2>&1 &&
		$S list --signal ABRT | grep -q '^1 ' && ! $S list --signal SEGV > /dev/null 2>&1 &&
		$S list --since -1h | grep -q '^1 ' && ! $S list --until -1h > /dev/null 2>&1 &&
		! $S list --since yesterday-ish 2> /dev/null"
	check "info shows the dump, its Go build and its storage" sh -c "
		$S info 1 | tee /dev/stderr | grep -q 'Go: go$V' &&
		$S info 1 | grep -q 'Storage: .*(zstd, complete)' &&
		$S info 1 --json | python3 -c 'import json,sys; d=json.load(sys.stdin); assert d[\"dump\"][\"id\"] == 1 and d[\"annotation\"][\"go\"][\"version\"].startswith(\"go$V\")' &&
		! $S info 7 2> /dev/null && $S info 7 2>&1 | grep -q 'no dump with ID 7'"
	mkdir -p "$W/tmp"
	check "heap diff 1 2: two compressed dumps of one crash, nothing grew, no temporary core left" sh -c "
		TMPDIR='$W/tmp' $GOCAP --store '$W/store-two' heap diff 1 2 --json > '$W/two.json' &&
		python3 -c 'import json, sys
d = json.load(open(sys.argv[1]))
grown = [k for k, v in d[\"memstats\"].items() if v[\"delta\"]]
print(\"HeapAlloc\", d[\"memstats\"][\"HeapAlloc\"][\"a\"], \"in both, sites changed:\", len(d[\"sites\"]))
sys.exit(1 if grown or d[\"sites\"] or not d[\"memstats\"][\"HeapAlloc\"][\"a\"] or d[\"a\"][\"core\"] == d[\"b\"][\"core\"] else 0)' '$W/two.json' &&
		[ -z \"\$(ls '$W/tmp')\" ]"
	# gocap info reads the annotation as JSON, not as gocapd happens to
	# space it: the same facts whatever its layout or key order.
	# This core was handed to gocapd after the crash, not by the kernel
	# as it dumped: its monotonic_ns is set to when the crashed process
	# was gone (DIR/truth), what a core_pattern gocapd would have read.
	python3 - "$ann" "$W/ann" "$(cut -d' ' -f2 "$sd/truth")" <<'EOF'
import json, sys
a = json.load(open(sys.argv[1]))
a['monotonic_ns'] = int(sys.argv[3])
a['go']['vcs_revision'] = 'c0ffee1'
a['gocoredump_note'] = {'process': {'version': 1}}
for name, kw in (('pretty', {'indent': 2}),
                 ('compact', {'separators': (',', ':')}),
                 ('sorted', {'indent': 8, 'sort_keys': True})):
    json.dump(a, open(sys.argv[2] + '.' + name, 'w'), **kw)
EOF
	for f in pretty compact sorted; do
		cp "$W/ann.$f" "$ann"
		$GOCAP --store "$W/store-zstd" info 1 > "$W/info.$f" 2>&1
	done
	check "info shows every annotation field however the JSON is laid out" sh -c "
		cat $W/info.compact >&2 &&
		grep -q '^ *Cwd: /' $W/info.compact &&
		grep -q '^ *Go: go$V.*, module .*, revision c0ffee1' $W/info.compact &&
		grep -q '^ *Note: present' $W/info.compact &&
		cmp $W/info.pretty $W/info.compact && cmp $W/info.pretty $W/info.sorted"
	for st in raw zstd; do
		check "dump ID -o FILE writes the core byte for byte ($st store)" sh -c "
			$GOCAP --store $W/store-$st dump 1 -o $W/dumped-$st &&
			cmp $W/dumped-$st $sd/core.stand"
	done
	"$GOCAP" --store "$W/store-zstd" goroutines 1 > "$sd/gocap.txt" 2> "$sd/gocap.err"
	"$GOCAP" --store "$W/store-zstd" goroutines 1 --json > "$sd/gocap.json" 2> /dev/null
	check "goroutines ID (decompressed core, saved executable, the annotation's time) against the runtime" sh -c "
		python3 '$T/oracle.py' '$sd/stderr' '$sd/gocap.txt' --json '$sd/gocap.json' &&
		grep -q '\"source\": *\"annotation\"' '$sd/gocap.json'"
	# gocapd's annotation may hold CLOCK_MONOTONIC at the dump's receipt
	# ("monotonic_ns"): it comes before the estimate.  Set to the time
	# gocap estimated, the wait times are the runtime's; to a minute
	# later, each is a minute longer; to a time before the goroutines'
	# waitsince, it is refused, said, and the estimate used.
	est=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["now"]["ns"])' "$sd/gocap.json")
	for add in 0 60000000000 bad; do
		python3 - "$ann" "$est" "$add" <<'EOF'
import json, sys
a = json.load(open(sys.argv[1]))
a['monotonic_ns'] = 1 if sys.argv[3] == 'bad' else int(sys.argv[2]) + int(sys.argv[3])
json.dump(a, open(sys.argv[1], 'w'), indent=2)
EOF
		$S goroutines 1 > "$W/ann-$add.txt" 2> /dev/null
		$S goroutines 1 --json > "$W/ann-$add.json" 2> /dev/null
	done
	check "goroutines ID takes the crash's time from the annotation's monotonic_ns, before the estimate" sh -c "
		python3 '$T/oracle.py' '$sd/stderr' '$W/ann-0.txt' &&
		python3 -c '
import json, re, sys
n = [json.load(open(sys.argv[1] + x + \".json\"))[\"now\"] for x in (\"0\", \"60000000000\", \"bad\")]
m = [re.findall(r\"^goroutine (\\d+) .*, (\\d+) minutes\", open(sys.argv[1] + x + \".txt\").read(), re.M)
     for x in (\"0\", \"60000000000\")]
later = {g: int(k) - 1 for g, k in m[1]}
print(len(m[0]), \"waits, each a minute longer\", n[2])
sys.exit(not (m[0] and all(later.get(g) == int(k) for g, k in m[0]) and
              n[0][\"source\"] == n[1][\"source\"] == \"annotation\" and
              n[1][\"ns\"] - n[0][\"ns\"] == 60000000000 and
              n[2][\"source\"].startswith(\"estimate\") and
              \"monotonic_ns\" in n[2][\"why\"]))' '$W/ann-'"
	check "note ID of a core without the note says so" sh -c "
		! $S note 1 && $S note 1 2>&1 | grep -q 'no gocoredump note'"
	check "debug ID runs gdb on the saved executable and the core" sh -c "
		$S debug 1 --debugger gdb -- -batch -ex 'info threads' 2>&1 | tee /dev/stderr |
		grep -q 'LWP [0-9]* .*runtime'"
	if command -v dlv > /dev/null && [ "$V" = 1.22 ]; then
		printf 'goroutines\nexit\n' > "$W/dlv2.init"
		check "debug ID runs dlv core on the saved executable and the core" sh -c "
			$S debug 1 --debugger dlv -- --allow-non-terminal-interactive=true --init $W/dlv2.init < /dev/null 2>&1 |
			grep -q '^\[[0-9]* goroutines\]'"
	fi
else
	skip "store commands" "gocapd not built"
fi

# --- fuzz seeds: real cores, minimised; real pclntabs and code -----------
mkdir -p "$SEEDS/fuzz_goroutines" "$SEEDS/fuzz_pclntab" "$SEEDS/fuzz_x86dec"
MINCORE=$GOCD_BUILD/tools/mincore
if [ -x "$MINCORE" ]; then
	made=0
	for v in $VERSIONS; do
		b=${BIN[$v-default]:-}
		[ -n "$b" ] || continue
		d=$W/few-$v
		rm -rf "$d"; mkdir -p "$d"
		(cd "$d" && ulimit -c unlimited && echo 0x37 > /proc/self/coredump_filter &&
		 GOCAP_CRASHER_FEW=1 GOTRACEBACK=crash "$b" panic-fmt; true) > /dev/null 2>&1
		[ -s "$d/core" ] && "$MINCORE" --note "$d/core" \
			"$SEEDS/fuzz_goroutines/core-$v-note" 2> /dev/null &&
			made=$((made + 1))
		objcopy -O binary --only-section=.gopclntab "$b" \
			"$SEEDS/fuzz_pclntab/pclntab-$v" 2> /dev/null
		objcopy -O binary --only-section=.text "$b" "$W/text" 2> /dev/null &&
			head -c 65536 "$W/text" > "$SEEDS/fuzz_x86dec/text-$v"
	done
	s=""
	for f in "$SEEDS"/fuzz_goroutines/core-*-note; do
		[ -e "$f" ] && s=$f && break
	done
	[ -n "$s" ] && check "note --core prints a gocoredump note (the seed's)" sh -c "
		$GOCAP note --core $s | tee /dev/stderr | grep -q 'allgs: 0x' &&
		$GOCAP note --core $s --json | python3 -c 'import json,sys; json.load(sys.stdin)'"
	check "fuzz seeds: minimised real cores walk like the full ones" sh -c "
		ls -la '$SEEDS/fuzz_goroutines/'
		for v in $VERSIONS; do
			s='$SEEDS'/fuzz_goroutines/core-\$v-note
			[ -s \$s ] || continue
			'$GOCAP' goroutines --core \$s > '$W/seed.txt' 2> /dev/null &&
			'$GOCAP' goroutines --core '$W'/few-\$v/core > '$W/full.txt' 2> /dev/null &&
			cmp '$W/seed.txt' '$W/full.txt' || exit 1
			# the fuzzer reads a seed up to its max_len (scripts/fuzz.sh)
			[ \$(stat -c %s \$s) -le $GOCD_FUZZ_MAX_LEN ] || { echo \$s over 1.5 MiB; exit 1; }
		done
		[ $made -ge 1 ]"
else
	notok "the core minimiser $MINCORE is built (make -C userland)"
fi

echo "1..$N"
