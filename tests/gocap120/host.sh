#!/bin/bash
# host.sh: gocap on Go 1.20, the release Debian never packaged a toolchain
# of, TAP on stdout.
#
# With no toolchain, the crasher of tests/gocap cannot be built for 1.20.
# What stands in for it is real: two projects' own Go 1.20 release
# executables, fetched by scripts/fetch-go120.sh and pinned by SHA-256,
#   esbuild   go1.20.7, fully stripped (no DWARF, no .symtab), 6 goroutines
#             in --watch mode, all quiet;
#   go-turbo  go1.20.10, cgo and externally linked, a .symtab but no Go
#             DWARF; its daemon has ~14 goroutines on timers, sockets and
#             signals.
# Each is crashed under GOTRACEBACK=crash by SIGABRT (coredump_filter 0x37,
# this host's core_pattern "core" in the cwd) and gocap's rebuild from the
# core, alone and with --exe, is compared with what the Go 1.20 runtime
# printed (tests/gocap/oracle.py).  The tables gocap reads 1.20 with are
# checked against the same executables: the layout against the runtime's
# type descriptors (tests/gocap120/typelayout.py), that reader itself
# against DWARF on Debian's 1.19 and 1.21, and the wait reasons against
# runtime.waitReasonStrings.
#
# What it does not prove: schedt has no type descriptor, so its four
# offsets are those 1.19 and 1.21 share, checked only through the roots
# found from go-turbo's code (their test below) and the walks; and 1.20
# traits no crash here exercises (a throw, a panic, 100+ frame stacks,
# generic frames) rest on the function tables and strings of these
# executables, as userland/go/govers.c says.
set -u
. "$(dirname "$0")/../../scripts/lib.sh"

T=$GOCD_TOP/tests/gocap
T120=$GOCD_TOP/tests/gocap120
GOCAP=$GOCD_BUILD/bin/gocap
CACHE=$GOCD_BUILD/gocap-crashers
W=$(mktemp -d /tmp/gocap120-host.XXXXXX)
N=0
trap 'rm -rf "$W"' EXIT

ok() { N=$((N + 1)); echo "ok $N $*"; }
notok() { N=$((N + 1)); echo "not ok $N $*"; }
# check DESC CMD...: one test whose verdict is CMD's exit status
check() {
	d=$1; shift
	if "$@" > "$W/check.log" 2>&1; then
		ok "$d$(tail -1 "$W/check.log" | sed -n 's/^\(.\{1,120\}\)$/: \1/p')"
	else
		notok "$d"
		sed 's/^/#   /' "$W/check.log" | head -20
	fi
}

[ -x "$GOCAP" ] || { echo "1..1"; echo "not ok 1 $GOCAP not built"; exit 1; }
command -v python3 > /dev/null || { echo "1..0 # SKIP python3 missing"; exit 0; }
if ! G120=$("$GOCD_TOP/scripts/fetch-go120.sh" 2> "$W/fetch.err"); then
	# No registry (or no npm) here: nothing real to test 1.20 with.
	echo "1..0 # SKIP no Go 1.20 executables: $(tail -1 "$W/fetch.err")"
	exit 0
fi
ESBUILD=$G120/esbuild
TURBO=$G120/go-turbo

# --- the tables against the real executables -----------------------------
# The reader of type descriptors, on Debian's 1.19 and 1.21 (built -s -w,
# the way a stripped 1.20 is read): every field it finds equals DWARF's.
SRC_HASH=$(cat "$T/go/go.mod" "$T"/go/crasher/*.go | sha256sum | cut -c1-16)
for v in 1.19 1.21; do
	d="$CACHE/$SRC_HASH"
	mkdir -p "$d"
	for var in default sw; do
		[ -x "$d/crasher-$v-$var" ] && continue
		flags=
		[ $var = sw ] && flags="-ldflags=-s -w"
		(cd "$T/go" && CGO_ENABLED=0 "$GOCD_TOP/scripts/go.sh" "$v" \
			build ${flags:+"$flags"} -o "$d/crasher-$v-$var.tmp" ./crasher) \
			> "$W/build.log" 2>&1 &&
			mv "$d/crasher-$v-$var.tmp" "$d/crasher-$v-$var"
	done
	"$GOCAP" layout --exe "$d/crasher-$v-default" > "$W/dwarf-$v" 2>&1
	check "type descriptors of a stripped Go $v binary give its DWARF's layout" \
		python3 - "$T120/typelayout.py" "$d/crasher-$v-sw" "$W/dwarf-$v" <<'EOF'
import subprocess, sys
got = subprocess.run(['python3', sys.argv[1], sys.argv[2]], capture_output=True,
                     text=True, check=True).stdout
want = dict(l.split() for l in open(sys.argv[3]) if not l.startswith('#'))
bad = [l for l in got.splitlines() if not l.startswith('#') and
       l.split()[1] != '?' and want.get(l.split()[0]) != l.split()[1]]
n = sum(1 for l in got.splitlines() if not l.startswith('#') and l.split()[1] != '?')
print('\n'.join(bad))
print('%d fields from descriptors, %d differ from DWARF' % (n, len(bad)))
sys.exit(1 if bad or n < 60 else 0)
EOF
done

"$GOCAP" layout --version go1.20.0 > "$W/table-20" 2>&1
for b in "$ESBUILD" "$TURBO"; do
	check "the Go 1.20 layout table is the runtime's own in ${b##*/}" \
		python3 - "$T120/typelayout.py" "$b" "$W/table-20" "$W/dwarf-1.19" "$W/dwarf-1.21" <<'EOF'
import re, subprocess, sys
got = subprocess.run(['python3', sys.argv[1], sys.argv[2]], capture_output=True,
                     text=True, check=True).stdout
tab = dict(l.split() for l in open(sys.argv[3]) if not l.startswith('#'))
n19 = dict(l.split() for l in open(sys.argv[4]) if not l.startswith('#'))
n21 = dict(l.split() for l in open(sys.argv[5]) if not l.startswith('#'))
h = open(sys.argv[1].rsplit('/tests/', 1)[0] + '/userland/go/golayout.h').read()
h = h[h.index('#define GOLAYOUT_HEAP_FIELDS(X)'):]
heap = set(re.findall(r'X\((\w+),', h[:h.index('\nstruct golayout {')]))
bad, guessed = [], []
for l in got.splitlines():
    if l.startswith('#'):
        continue
    f, v = l.split()
    if v == '?':        # no descriptor: 1.19 and 1.21 agree, and so does the table
        guessed.append(f)   # (gocap heap's fields, when they do not: "-")
        if not (n19.get(f) == n21.get(f) == tab.get(f) or
                (n19.get(f) != n21.get(f) and f in heap and tab.get(f) == '-')):
            bad.append('%s: table %s, 1.19 %s, 1.21 %s' % (f, tab.get(f), n19.get(f), n21.get(f)))
    elif tab.get(f) != v:
        bad.append('%s: table %s, executable %s' % (f, tab.get(f), v))
print('\n'.join(bad))
print('%d fields as the executable says, %d without a descriptor (%s)' %
      (len(tab) - len(guessed), len(guessed), ' '.join(guessed)))
sys.exit(1 if bad or len(tab) < 60 else 0)
EOF
done

check "the Go 1.20 wait reasons are go-turbo's runtime.waitReasonStrings" \
	python3 "$T/gen-waitreasons.py" --check "$GOCD_TOP/userland/go/gowaitreasons.c" \
	"$TURBO:20"

# --- the oracle: real Go 1.20 crashes -------------------------------------
# crash DIR CMD...: run CMD in DIR, SIGABRT it once it is settled; the
# runtime's traceback goes to DIR/stderr, the core to DIR/core.
crash() {
	dir=$1; shift
	rm -rf "$dir"
	mkdir -p "$dir/tmp"
	(
		cd "$dir" || exit 1
		ulimit -c unlimited
		echo 0x37 > /proc/self/coredump_filter
		# (TMPDIR, HOME: where turbo's daemon puts its socket and logs)
		TMPDIR=$dir/tmp HOME=$dir GOTRACEBACK=crash "$@" \
			> stdout 2> stderr < /dev/null &
		pid=$!
		sleep "$SETTLE"
		kill -ABRT "$pid"
		wait "$pid"
	) > /dev/null 2>&1
	[ -s "$dir/core" ]
}

# oracle DESC DIR [ARGS]: gocap on DIR/core against DIR/stderr, every
# goroutine the same
oracle() {
	d=$1 dir=$2; shift 2
	"$GOCAP" goroutines --core "$dir/core" "$@" > "$dir/gocap.txt" 2> "$dir/gocap.err"
	rc=$?
	"$GOCAP" goroutines --core "$dir/core" "$@" --json > "$dir/gocap.json" 2> /dev/null
	if [ $rc = 0 ] && python3 "$T/oracle.py" "$dir/stderr" "$dir/gocap.txt" \
		--json "$dir/gocap.json" > "$dir/oracle.log" 2>&1; then
		ok "$d: $(head -1 "$dir/oracle.log")"
	else
		notok "$d (gocap exit $rc)"
		sed 's/^/#   /' "$dir/gocap.err" "$dir/oracle.log" | head -12
	fi
}

# go_version JSON WANT: gocap read the core as Go WANT
go_version() {
	python3 -c "
import json,sys
v=json.load(open('$1')).get('go_version')
print('go_version', v); sys.exit(v != '$2')"
}

dir=$W/esbuild
echo 'export const a = 1' > "$W/in.js"
SETTLE=1
if crash "$dir" "$ESBUILD" "$W/in.js" --bundle --watch=forever \
	--log-level=silent --outfile="$W/out.js"; then
	oracle "esbuild (go1.20.7, stripped) SIGABRT, core only" "$dir"
	check "esbuild's core is read as Go 1.20.7" go_version "$dir/gocap.json" go1.20.7
	oracle "esbuild (go1.20.7, stripped) SIGABRT, --exe" "$dir" --exe "$ESBUILD"
else
	notok "esbuild: no core (ulimit? core_pattern?)"
fi

# go-turbo is busy: between the runtime's print and the core, its other
# Ms keep scheduling, so a goroutine the runtime printed waiting can be
# runnable in the core (its netpoller or signal wakeup came; one in four
# runs, it even ran on into a read(2) and came back runnable, so its
# stack differs too), and a new one can appear.  Those are set aside, at
# most a third, and every other goroutine must match.
dir=$W/turbo
SETTLE=4
if crash "$dir" "$TURBO" \
	"{\"cli_args\":{\"command\":{\"daemon\":{\"idle_time\":\"4h\"}},\"cwd\":\"$W\"}}"; then
	for mode in core exe; do
		set --
		[ $mode = exe ] && set -- --exe "$TURBO"
		"$GOCAP" goroutines --core "$dir/core" "$@" > "$dir/gocap-$mode.txt" 2> "$dir/gocap-$mode.err"
		rc=$?
		"$GOCAP" goroutines --core "$dir/core" "$@" --json > "$dir/gocap-$mode.json" 2> /dev/null
		check "go-turbo (go1.20.10, cgo) SIGABRT, $mode: every goroutine that did not move after the print matches" \
			python3 - "$T" "$dir/stderr" "$dir/gocap-$mode.txt" "$rc" <<'EOF'
import subprocess, sys, tempfile
sys.path.insert(0, sys.argv[1])
import oracle
rt_text, gc_text = open(sys.argv[2]).read(), open(sys.argv[3]).read()
if sys.argv[4] != '0':
    sys.exit('gocap exit %s' % sys.argv[4])
_, rt = oracle.parse(rt_text)
_, gc = oracle.parse(gc_text)
rt.pop(0, None)
moved = set(gc) - set(rt)
for k in set(rt) & set(gc):
    r, g = oracle.best(rt[k]), oracle.best(gc[k])
    if g['status'] == 'runnable' and r['status'] != 'runnable':
        moved.add(k)
def drop(text):
    out, skip = [], False
    for ln in text.split('\n'):
        m = oracle.HEADER.match(ln)
        if m:
            skip = int(m.group(1)) in moved
        elif ln == '':
            skip = False
        if not skip:
            out.append(ln)
    return '\n'.join(out)
files = []
for t in (rt_text, gc_text):
    f = tempfile.NamedTemporaryFile('w', suffix='.txt', delete=False)
    f.write(drop(t))
    f.close()
    files.append(f.name)
r = subprocess.run(['python3', sys.argv[1] + '/oracle.py'] + files,
                   capture_output=True, text=True)
print(r.stdout.strip())
print('%d set aside as moved after the print %s; %s' % (
    len(moved), sorted(moved), r.stdout.splitlines()[0][:60] if r.stdout else '?'))
sys.exit(r.returncode or (len(moved) * 3 > len(rt)))
EOF
	done
	check "go-turbo's core is read as Go 1.20.10" go_version "$dir/gocap-core.json" go1.20.10
	check "go-turbo's core: the roots found in the code equal its .symtab's" python3 -c "
import json,subprocess,sys
code=json.loads(subprocess.check_output(['$GOCAP','roots','--core','$dir/core','--json']))
sym=json.loads(subprocess.check_output(['$GOCAP','roots','--core','$dir/core','--exe','$TURBO','--json']))['symtab']
bad=[]
for k in ('runtime.allgs','runtime.allglen','runtime.allm','runtime.allp','runtime.sched','runtime.firstmoduledata'):
    c=code['roots'][k]
    if not c or c['from'] not in ('code','scan') or c['addr']!=sym[k]:
        bad.append('%s: %s vs %s' % (k, c, sym[k]))
print('6 roots agree' if not bad else '; '.join(bad))
sys.exit(1 if bad else 0)"
else
	notok "go-turbo: no core"
fi

echo "1..$N"
