#!/bin/bash
# host.sh: gocap heap's host tests (no VM), TAP on stdout.
#
# The oracle is the program's own view of its heap: knownheap
# (tests/heap/go/knownheap) builds a known heap, calls runtime.GC() and
# runtime.ReadMemStats, prints every field without allocating, and
# crashes at once (SIGABRT, GOTRACEBACK=crash; this host's core_pattern is
# "core" in the cwd, and the default coredump_filter 0x33 is kept: the
# executable is given with --exe).  gocap heap must give the same numbers
# from the core, field for field:
#   - for every release gocap reads (but 1.20: no Debian toolchain), built
#     with DWARF (layout from DWARF), with -ldflags=-w (the per-release
#     table), as PIE, and stripped (-s -w: the runtime's globals found
#     from its code, not its symbol table);
#   - with KNOWNHEAP_AFTER=N, N objects of 48 bytes allocated after the
#     statistics, most of them in a P's cached span that only
#     ReadMemStats's flush counts: Mallocs, HeapObjects, HeapAlloc and
#     TotalAlloc grown by exactly N and 48 N, which the counts from the
#     mcaches (pending objects > 0) must supply; and KNOWNHEAP_TINY=T tiny
#     objects (8 bytes, two to a 16-byte block): T more Mallocs, and a
#     Free for each that went into a block already there (the runtime
#     counts those as a malloc and a free), from the mcaches' tinyAllocs;
#   - once at the issue's full size (100,000 items, a 10,000-node list,
#     5,000 slices of 64 KiB: a 330 MiB heap); the others at a tenth of
#     the slices.
# And a live process through gocap heap --pid (a snapshot).
# A stripped executable (-s -w): the runtime globals from the operands of
# runtime.readmemstats_m's code, for every release; and a core that holds
# the binary's text, read without the executable.
# And the refusals: a stock core (no text) without --exe, a truncated
# core: a clear error and exit 1, never a crash
# (a cut core gives what it could read, saying what is left out).
# The binaries are built once and cached under build/heap-bins/.
set -u
. "$(dirname "$0")/../../scripts/lib.sh"

T=$GOCD_TOP/tests/heap
GOCAP=$GOCD_BUILD/bin/gocap
CACHE=$GOCD_BUILD/heap-bins
W=$(mktemp -d /tmp/heap-host.XXXXXX)
N=0
trap '[ -n "${GOCD_HEAP_KEEP:-}" ] && echo "# kept $W" || rm -rf "$W"' EXIT

ok() { N=$((N + 1)); echo "ok $N $*"; }
notok() { N=$((N + 1)); echo "not ok $N $*"; }
# check DESC CMD...: one test whose verdict is CMD's exit status
check() {
	d=$1; shift
	if "$@" > "$W/check.log" 2>&1; then
		ok "$d$(tail -1 "$W/check.log" | sed -n 's/^\(.\{1,120\}\)$/: \1/p')"
	else
		notok "$d"
		sed 's/^/#   /' "$W/check.log" | head -30
	fi
}

[ -x "$GOCAP" ] || { echo "1..1"; echo "not ok 1 $GOCAP not built"; exit 1; }

RELEASES=$("$GOCAP" releases | sed 's/^go//' | grep -vx 1.20 | tr '\n' ' ' | sed 's/ $//')
VERSIONS=${GOCD_HEAP_VERSIONS:-$RELEASES}
NEWEST=${VERSIONS##* }
SRC_HASH=$(cat "$T/go/go.mod" "$T"/go/*/*.go | sha256sum | cut -c1-16)

# bin V VARIANT [PROG]: the path of PROG (knownheap) built by Go V,
# building it if need be
bin() {
	local prog=${3:-knownheap} out v
	out=$CACHE/$SRC_HASH/$prog-$1-$2
	if [ ! -x "$out" ]; then
		mkdir -p "$CACHE/$SRC_HASH"
		case $2 in
		default) set -- "$1" ;;
		w) set -- "$1" -ldflags=-w ;;
		sw) set -- "$1" "-ldflags=-s -w" ;;
		pie) set -- "$1" -buildmode=pie ;;
		# a GNU build ID, as Debian's packaged Go programs have
		bid) set -- "$1" "-ldflags=-B=0x$(printf '%s' "$1-$SRC_HASH" |
			sha1sum | cut -c1-40)" ;;
		esac
		v=$1; shift
		if ! (cd "$T/go" && CGO_ENABLED=0 "$GOCD_TOP/scripts/go.sh" "$v" \
			build "$@" -o "$out.tmp" "./$prog") > "$W/build-$v.log" 2>&1
		then
			sed 's/^/#   /' "$W/build-$v.log" | head -5 >&2
			return 1
		fi
		mv "$out.tmp" "$out"
	fi
	echo "$out"
}

# crash BIN DIR [ENV...]: run BIN in DIR until it dumps core (DIR/core),
# its statistics in DIR/stdout
crash() {
	local exe=$1 cdir=$2
	shift 2
	rm -rf "$cdir"
	mkdir -p "$cdir"
	(
		cd "$cdir" || exit 1
		ulimit -c unlimited
		echo "${FILTER:-0x33}" > /proc/self/coredump_filter
		timeout -s KILL 300 env "$@" GOTRACEBACK=crash "$exe" \
			> stdout 2> stderr
	) 2> "$cdir/shell.err"	# the shell's "Aborted (core dumped)"
	[ -s "$cdir/core" ]
}

# compare DIR MODE [FROM]: gocap heap --json (DIR/heap.json) against
# DIR/stdout (and the runtime globals found from FROM, symtab or code).
# MODE all: every field equal; after: the allocation counts grown by the
# "after" objects, the collector's history unchanged, and some of them
# counted from the mcaches.
compare() {
	python3 - "$1/stdout" "$1/heap.json" "$2" "${3:-}" <<'EOF'
import json, sys
want = {}
for l in open(sys.argv[1]):
    w = l.split()
    if len(w) == 3 and w[0] == 'memstats':
        want[w[1]] = int(w[2])
d = json.load(open(sys.argv[2]))
got, mode, src = d['memstats'], sys.argv[3], sys.argv[4]
n = want.pop('after', 0)
t = want.pop('tiny', 0)
if len(want) < 24:
    sys.exit('the program printed %d fields' % len(want))
if mode == 'after':
    # t tiny objects in b new 16-byte blocks, t/2 or one more (the block
    # in use before may have had room for the first): a block is an object
    # (one malloc), each object that fits into a block already there a
    # tiny allocation (a malloc and a free)
    b = got.get('HeapObjects', 0) - want['HeapObjects'] - n
    if not t // 2 <= b <= t // 2 + 1:
        print('%d tiny objects in %d blocks' % (t, b))
        b = t // 2
    for f, dv in (('Mallocs', n + t), ('Frees', t - b), ('HeapObjects', n + b),
                  ('HeapAlloc', 48 * n + 16 * b), ('Alloc', 48 * n + 16 * b),
                  ('TotalAlloc', 48 * n + 16 * b)):
        want[f] += dv
    fields = ['Mallocs', 'Frees', 'HeapObjects', 'HeapAlloc', 'Alloc',
              'TotalAlloc', 'NumGC', 'NumForcedGC', 'PauseTotalNs', 'LastGC']
else:
    fields = sorted(want)
bad = ['%s: program %d, gocap %s' % (f, want[f], got.get(f)) for f in fields
       if got.get(f) != want[f]]
if mode == 'after' and not d['pending']['objects']:
    bad.append('no object counted from the mcaches')
if mode == 'after' and t and not d['pending']['tiny']:
    bad.append('no tiny allocation counted from the mcaches')
# the objects counted in the heap's spans: every span is swept (settle),
# so they are HeapObjects and HeapAlloc
sp = d.get('spans') or {'partial': 'no "spans" in the JSON'}
if sp['partial']:
    bad.append('the spans were not counted: %s' % sp['partial'])
elif (sp['objects'], sp['bytes']) != (want['HeapObjects'], want['HeapAlloc']):
    bad.append('spans: %d objects, %d bytes; the program: HeapObjects %d, HeapAlloc %d'
               % (sp['objects'], sp['bytes'], want['HeapObjects'], want['HeapAlloc']))
if src and d['globals_from'] != src:
    bad.append('runtime globals from %s, not %s' % (d['globals_from'], src))
if not d['total_alloc_agrees']:
    bad.append("gcController.totalAlloc disagrees with TotalAlloc")
print('\n'.join(bad))
print('%d fields equal (%s), %d objects and %d tiny ones from the mcaches, %s objects in %s spans, layout %s, globals from %s' %
      (len(fields) - len(bad), mode, d['pending']['objects'],
       d['pending']['tiny'], sp.get('objects'), sp.get('in_use'),
       d['layout'], d['globals_from']))
sys.exit(1 if bad else 0)
EOF
}

# marked DIR G: gocap heap's mark (DIR/heap.json) read every root, reached
# every object the program had when it printed its statistics (all of them
# live: the list held only by a parked goroutine's stack among them) but
# for what the runtime itself dropped since (its timers', up to 100), and
# left at most G + 100 objects unreachable: the G dropped after the
# statistics, and that garbage of the runtime's.  Objects scanned whole
# (without the heap's pointer bitmaps) let a word that is no pointer (a
# P's page cache base) keep some of the G reachable.  With the heap's
# bitmaps (every release but 1.20, whose table lacks the arenas) every
# object must be scanned through its pointer bitmap, and at least half of
# the G found (a stale word in a frame scanned whole, the crashing one's,
# can still hold the rest of one of the ten lists they make).
GARBAGE=20000
GHOSTS=80	# knownheap's Ghosts and SysGhosts: the lists a dead stack
		# object and a uintptr in a system call's frame point to
marked() {
	python3 - "$1/heap.json" "$1/stdout" "$2" "$3" <<'EOF'
import json, sys
m = json.load(open(sys.argv[1])).get('mark', {})
want = {l.split()[1]: int(l.split()[2]) for l in open(sys.argv[2])
        if l.startswith('memstats ')}
g, minor = int(sys.argv[3]), int(sys.argv[4].split('.')[1])
if 'error' in m or m.get('partial'):
    sys.exit('the mark: %s' % (m.get('error') or m.get('partial')))
u, r = m['unreachable_objects'], m['reachable_objects']
print('unreachable %d bytes; HeapObjects %d at the statistics; globals %d bytes, %d through their masks'
      % (m['unreachable_bytes'], want['HeapObjects'], m['globals_bytes'],
         m['globals_precise_bytes']))
print('%d unreachable, %d reachable; %d scanned precisely, %d whole'
      % (u, r, m['objects_precise'], m['objects_whole']))
ok = u <= g + 100 and r >= want['HeapObjects'] - 100
ok = ok and m['globals_precise_bytes'] == m['globals_bytes']
if minor != 20:
    ok = ok and m['objects_whole'] == 0 and u >= g // 2
sys.exit(0 if ok else 1)
EOF
}

# typed DIR V DWARF: gocap heap types (DIR/types.json) counts every
# object the mark reached once, and knownheap's by type exactly.
# DWARF=1 (a build with DWARF): its globals are typed roots, and the
# stopped goroutines' locals that their frames' stack maps say are live,
# every release: 10,000 Node (the list only main.holdList's local head
# holds), 1 SysHeld (only main.blocked's local held holds it, blocked in
# read(2)), 102,000 Item (the map's and grown's, through the map's
# buckets or groups and a slice), 1,000 Big, 4 Huge, 1 Finalized, 100
# Outer and no Inner (an *Inner points at each Outer: its first field),
# 100 SameOut and no SameIn (the same, the two of one size class: the
# heap's pointer bits, from the arenas' bitmaps before 1.22, tell them),
# 100 ClassOut and no ClassIn (the same pointer bits: the size class tells),
# 5 Five (through a global []*Five of 5 in a 6-slot class: the heap's bits
# say how many of them the runtime wrote),
# 50 AnyVal (through []any), 50 ErrVal (through []error), 5 Small (a
# map of 5: one small bucket or group), 200 Boxed (a chain of
# atomic.Pointer[Boxed] from a global one), and the byte slices' arrays;
# from Go 1.21, 300 Synced, a sync.Map's values (through its map of
# *entry and their atomic.Pointer[any], from 1.24 through its trie's
# nodes; in 1.19 entry holds an unsafe.Pointer).  DWARF=0: from Go 1.22
# the heap's own record (Big's allocation headers, Huge's largeType, the
# map's group arrays, SyncHolder's header) carries Item, Big, Huge and
# Synced; before 1.22 nothing is typed.  With DWARF, the maps' own
# objects too (headers, from 1.24 directories).  Every unknown row's
# bytes are its objects times its size (large ones keyed by their size).
typed() {
	python3 - "$1/types.json" "$2" "$3" <<'EOF'
import json, sys
t = json.load(open(sys.argv[1]))
minor, dwarf = int(sys.argv[2].split('.')[1]), sys.argv[3] == '1'
m, ty = t['mark'], t['typing']
n = sum(r['objects'] for r in t['types'] + t['unknown'])
if n != t['objects'] or n != m['reachable_objects']:
    sys.exit('rows %d, objects %d, reachable %d' % (n, t['objects'], m['reachable_objects']))
# an unknown row's objects all have its size: the 64, 40, 48 and 80 KiB
# byte arrays each their own row when untyped, whatever the walk's order
mixed = [r for r in t['unknown'] if r['bytes'] != r['objects'] * r['size']]
if mixed:
    sys.exit('unknown rows holding objects of other sizes: %s' % mixed)
by = {}
for r in t['types']:	# a row per type: two types may share a name
    by[(r['type'], r['array'])] = by.get((r['type'], r['array']), 0) + r['objects']
# a map's own objects, their descriptors found by name: the three global
# maps' headers (from Go 1.24 named as main.mine's 100 maps.Map, of
# another package), and from 1.24 mids' directory of a few tables (no
# allocation header: it is typed by its map) beside items' of many
hdr = 'maps.Map' if minor >= 24 else 'runtime.hmap'
maps = (by.get((hdr, False), 0) - (100 if minor >= 24 else 0),
        by.get(('*maps.table', True), 0))
names = ('Item', 'Big', 'Huge', 'Finalized', 'Outer', 'Inner', 'SameOut', 'SameIn', 'ClassOut', 'ClassIn', 'Five', 'AnyVal', 'ErrVal', 'Small', 'Node', 'Boxed', 'Synced', 'SysHeld')
print('%d types, %d of %d bytes typed (%d by the heap, %d carried, %d DWARF globals, %d DWARF locals, %d left out, %d rejected, %d conflicts); %s; [...]uint8 %s; %s %d, directories of tables %d'
      % (len(t['types']), t['typed_bytes'], t['bytes'], ty['by_heap'], ty['carried'],
         ty['dwarf_globals'], ty['dwarf_locals'], ty['dwarf_mismatched'], ty['rejected'], ty['conflicts'],
         ', '.join('%s %s' % (k, by.get(('main.' + k, False))) for k in names),
         by.get(('uint8', True)), hdr, maps[0], maps[1]))
want = {}
if dwarf:
    want = {'Item': 102000, 'Big': 1000, 'Huge': 4, 'Finalized': 1, 'Outer': 100,
            'Inner': None, 'SameOut': 100, 'SameIn': None, 'ClassOut': 100,
            'ClassIn': None, 'Five': 5,
            'AnyVal': 50, 'ErrVal': 50, 'Small': 5, 'Node': 10000,
            'Boxed': 200, 'SysHeld': 1}
    if minor >= 21:
        want['Synced'] = 300
    ok = ty['dwarf_globals'] > 0 and ty['dwarf_locals'] > 0 and ty['dwarf_mismatched'] == 0 and \
        by.get(('uint8', True), 0) >= 500
elif minor >= 22:
    want = {'Item': 102000, 'Big': 1000, 'Huge': 4, 'Synced': 300,
            'AnyVal': 50, 'ErrVal': 50}
    ok = ty['dwarf_globals'] == 0 and ty['dwarf_locals'] == 0
else:
    want = {'AnyVal': 50, 'ErrVal': 50}
    ok = ty['dwarf_globals'] == 0 and ty['dwarf_locals'] == 0
# the global [50]any's and [50]error's values, found by their type words
# and itabs whether DWARF typed the arrays or not
ok = ok and ty['interface_values'] >= 100
for k, v in want.items():
    ok = ok and by.get(('main.' + k, False)) == v
if dwarf:
    ok = ok and maps[0] >= 3 and (minor < 24 or maps[1] >= 2) and \
        by.get(('maps.Map', False), 0) >= 100
sys.exit(0 if ok else 1)
EOF
}

# agrees DWARF NONE: the same core's types with DWARF (DWARF/types.json)
# and without (NONE/types.json): no type has more objects without DWARF
# than with it (what the interface values found without DWARF type, DWARF's
# roots type too, the same way), and without DWARF something is typed.
agrees() {
	python3 - "$1/types.json" "$2/types.json" <<'EOF'
import json, sys
w, n = (json.load(open(f)) for f in sys.argv[1:3])
def rows(t):
    by = {}
    for r in t['types']:
        k = (r['type'], r['array'])
        by[k] = by.get(k, 0) + r['objects']
    return by
bw, bn = rows(w), rows(n)
more = {k: (v, bw.get(k, 0)) for k, v in bn.items() if v > bw.get(k, 0)}
print('%d types without DWARF, %d with; %d of %d bytes typed without' %
      (len(bn), len(bw), n['typed_bytes'], n['bytes']))
if more:
    print('more objects of a type without DWARF than with (without, with): %s' %
          sorted(more.items())[:10])
sys.exit(0 if not more and n['typed_bytes'] > 0 else 1)
EOF
}

# split_debug EXE OUT DEBUG: EXE stripped to OUT as Debian's dh_strip
# strips a package's programs, its DWARF and symbols moved to DEBUG
# (objcopy --only-keep-debug, compressed), OUT pointing at it
# (.gnu_debuglink)
split_debug() {
	mkdir -p "$(dirname "$2")" "$(dirname "$3")" &&
		objcopy --only-keep-debug --compress-debug-sections "$1" "$3" &&
		strip --remove-section=.comment --remove-section=.note \
			-o "$2" "$1" &&
		objcopy --add-gnu-debuglink="$3" "$2"
}

# no_debug DIR V NAME: DIR/types.json typed as a build without DWARF
# (typed DIR V 0), its dwarf_error naming the debug file NAME and the
# -dbgsym package
no_debug() {
	typed "$1" "$2" 0 &&
		python3 - "$1/types.json" "$3" <<'EOF'
import json, sys
e = json.load(open(sys.argv[1]))['typing'].get('dwarf_error') or ''
print(e)
sys.exit(0 if sys.argv[2] in e and '-dbgsym' in e and '--debug-dir' in e else 1)
EOF
}

# no_go_note DEBUG DIR V: DEBUG has no Go build ID note, and DIR/types.json
# is typed with DWARF (typed DIR V 1)
no_go_note() {
	! readelf -n "$1" | grep -q '^ *Go ' && typed "$2" "$3" 1
}

# same_memstats DIR: DIR/code.json (gocap heap, the globals from code)
# and DIR/sym.json (from the symbol table) give the same figures, and
# say where the globals came from
same_memstats() {
	python3 - "$1/sym.json" "$1/code.json" "$1/code.err" <<'EOF'
import json, sys
try:
    a, b = json.load(open(sys.argv[1])), json.load(open(sys.argv[2]))
except ValueError:
    sys.exit('no JSON: ' + open(sys.argv[3]).read()[:300])
print('%d figures; globals from %s and %s' % (len(a['memstats']), a['globals_from'], b['globals_from']))
sys.exit(0 if a['globals_from'] == 'symtab' and b['globals_from'] == 'code' and
         len(a['memstats']) >= 24 and a['memstats'] == b['memstats'] else 1)
EOF
}

# why DIR V EXE [DEBUG_DIR]: gocap heap why --json for each object knownheap printed
# ("addr NAME ADDRESS" in DIR/stdout): reachable, the path ending at the
# object that holds it (from Go 1.22 a Big's data is 8 bytes past its
# allocation header),
# from the root that holds it: item7 from the global map main.items
# (through its buckets or groups), big3, holder and outer5 straight from
# their globals (outer5 from main.outers, or main.inners, which points at
# its first field: both shortest), head from a goroutine's stack, in the
# frame of main.holdList, outer6 from the frame of main.holdOne (the
# stacks are marked before the globals).
# ghost DIR EXE [NAME FUNC]: knownheap's haunted goroutine parked in
# main.haunt, whose frame holds the ghost list's head only in dead stack
# objects (the core's bytes must show it there, else the test proves
# nothing): gocap heap why must call the head garbage.  With sysghost
# main.blocked: the goroutine blocked in read(2), whose frame holds the
# sysghost list's head only in a uintptr.
ghost() {
	python3 - "$1" "$2" "$GOCAP" "$GOCD_TOP/tests/lib" "${3:-ghost}" "${4:-main.haunt}" <<'EOF'
import json, subprocess, sys
d, exe, gocap, lib, name, func = sys.argv[1:]
sys.path.insert(0, lib)
import elfcore
ghost = [int(l.split()[2]) for l in open(d + '/stdout') if l.startswith('addr %s ' % name)]
r = subprocess.run([gocap, 'goroutines', '--json', '--core', d + '/core', '--exe', exe],
                   capture_output=True, text=True)
frames = [f for g in json.loads(r.stdout)['goroutines'] for f in g['frames']
          if f['function'] == func]
if not ghost or len(frames) != 1:
    sys.exit('no %s printed (%s) or not one %s frame (%d)' % (name, ghost, func, len(frames)))
sp, fp = int(frames[0]['sp'], 16), int(frames[0]['fp'], 16)
words = elfcore.read_words(open(d + '/core', 'rb'), sp, fp - sp)
stale = words.count(ghost[0]) if words else 0
print("%s 0x%x: %d words of %s's frame [0x%x, 0x%x) hold it" % (name, ghost[0], stale, func, sp, fp))
r = subprocess.run([gocap, 'heap', 'why', hex(ghost[0]), '--core', d + '/core', '--exe', exe],
                   capture_output=True, text=True)
print(r.stdout.strip()[:400], r.stderr.strip()[:400])
sys.exit(0 if stale and r.returncode == 0 and 'did not reach' in r.stdout else 1)
EOF
}

# deadlocal DIR EXE: deadlocal's Other, where the Stale that the dead
# local s held was: reachable through main.others' array, untyped, and
# no object typed
# main.Stale (DWARF names s's slot at the call, the stack map calls it
# dead).  The core's frame of main.stale must still hold the address (in
# s's slot, and in old's); that DWARF names s's slot there, the mutant
# types-locals-dead shows, typing the Other main.Stale.
deadlocal() {
	python3 - "$1" "$2" "$GOCAP" "$GOCD_TOP/tests/lib" <<'EOF'
import json, subprocess, sys
d, exe, gocap, lib = sys.argv[1:]
sys.path.insert(0, lib)
import elfcore
line = [l.split() for l in open(d + '/stdout') if l.startswith('stale ')]
if len(line) != 1 or line[0][3] != 'true':
    sys.exit('no Other took the Stale\'s place: %s' % line)
addr = int(line[0][1])
r = subprocess.run([gocap, 'goroutines', '--json', '--core', d + '/core', '--exe', exe],
                   capture_output=True, text=True)
gs = [(g['status'], f) for g in json.loads(r.stdout)['goroutines'] for f in g['frames']
      if f['function'] == 'main.stale']
if len(gs) != 1 or gs[0][0] != 'syscall':
    sys.exit('not one main.stale frame, in a system call: %s' % gs)
sp, fp = int(gs[0][1]['sp'], 16), int(gs[0][1]['fp'], 16)
words = elfcore.read_words(open(d + '/core', 'rb'), sp, fp - sp)
held = words.count(addr) if words else 0
r = subprocess.run([gocap, 'heap', 'types', '--json', '--core', d + '/core', '--exe', exe],
                   capture_output=True, text=True)
t = json.loads(r.stdout)
stale = [x for x in t['types'] if x['type'] == 'main.Stale']
# reachable through main.others' array, typed unsafe.Pointer by the
# global's DWARF type; or from a thread's registers (read before the
# globals), which may hold the array or the Other itself (the last one
# allocated); never from the dead slot
r = subprocess.run([gocap, 'heap', 'why', '--json', '--core', d + '/core',
                    '--exe', exe, hex(addr)], capture_output=True, text=True)
j = json.loads(r.stdout) if r.returncode == 0 else {}
path, root = j.get('path') or [], (j.get('root') or {}).get('kind')
via = [(h['type'], h['object'] == addr) for h in path[-2:]]
print('Other 0x%x (allocation %s): %d frame words hold it, reached from %s via %s, '
      'main.Stale rows %s' % (addr, line[0][4], held, root, via, stale))
sys.exit(0 if held and j.get('reachable') and not stale and
         (via == [('unsafe.Pointer', False), (None, True)] and root in ('global', 'registers') or
          via == [(None, True)] and root == 'registers') else 1)
EOF
}

why() {
	python3 - "$1" "$GOCAP" "$3" "$2" ${4:+"$4"} <<'EOF'
import json, subprocess, sys
d, gocap, exe, v = sys.argv[1:5]
# EXE "": the core alone, with --debug-dir DEBUG_DIR when given
opts = (['--exe', exe] if exe else []) + ['--debug-dir=' + a for a in sys.argv[5:]]
minor = int(v.split('.')[1])
want = {'item7': ('global', ('main.items+0x0',), None, 'main.Item'),
        'big3': ('global', ('main.bigs+0x18',), 1, 'main.Big'),
        'holder': ('global', ('main.holder+0x0',), 1, 'main.Finalized'),
        'outer5': ('global', ('main.outers+0x28', 'main.inners+0x28'), 1, 'main.Outer'),
        'head': ('stack', ('main.holdList',), 1, None),
        'outer6': ('stack', ('main.holdOne',), 1, 'main.Outer')}
bad = []
for l in open(d + '/stdout'):
    w = l.split()
    if len(w) != 3 or w[0] != 'addr' or w[1] in ('ghost', 'sysghost'):	# garbage: ghost()
        continue
    name, addr = w[1], int(w[2])
    r = subprocess.run([gocap, 'heap', 'why', '--json', '--core', d + '/core',
                        *opts, hex(addr)], capture_output=True, text=True)
    if r.returncode:
        bad.append('%s: exit %d %s' % (name, r.returncode, r.stderr.strip()))
        continue
    j = json.loads(r.stdout)
    kind, names, hops, typ = want.pop(name)
    path, root = j['path'], j['root'] or {}
    print('%s 0x%x: %s %s %s, %d objects, last %s, fields %s, types %s' % (name, addr, root.get('kind'),
          root.get('name'), root.get('field'), len(path), path and path[-1]['type'],
          [h['field'] for h in path[:-1]], [h['type'] for h in path[:-1]]))
    last = path and path[-1]
    ok = j['reachable'] and last and last['object'] <= addr < last['object'] + last['size'] and \
        root.get('kind') == kind and \
        (names is None or root.get('frame' if kind == 'stack' else 'name') in names) and \
        (hops is None or len(path) == hops) and (typ is None or path[-1]['type'] == typ)
    # the map's item: the word in the bucket's or group's elems
    if ok and name == 'item7' and 'elem' not in (path[-2].get('field') or ''):
        ok = False
    # and the map's own objects typed on the way: its header (runtime.hmap
    # to Go 1.23, maps.Map from 1.24: the runtime's, whose dirPtr leads
    # on, not main.mine's of the same name), from 1.24 its directory's
    # table
    if ok and name == 'item7' and \
       any(t not in [(h['type'], h['field'] if t[1] else None) for h in path] for t in
           ((('maps.Map', '.dirPtr'), ('maps.table', None)) if minor >= 24 else
            (('runtime.hmap', None),))):
        ok = False
    # a global's word by its index, through the global's DWARF type: the
    # arrays' elements; a map and a pointer have no field
    if ok and kind == 'global' and root.get('field') != \
       {'big3': '[3]', 'outer5': '[5]'}.get(name):
        ok = False
    if not ok:
        bad.append('%s: %s' % (name, r.stdout))
if want:
    bad.append('not printed: %s' % ' '.join(want))
# --all: an Outer is pointed at from main.outers and from main.inners
outer = [int(l.split()[2]) for l in open(d + '/stdout') if l.startswith('addr outer5 ')]
r = subprocess.run([gocap, 'heap', 'why', '--all', '--json', '--core', d + '/core',
                    *opts, hex(outer[0])], capture_output=True, text=True)
j = json.loads(r.stdout) if r.returncode == 0 else {}
roots = sorted(p['root']['name'] for p in j.get('paths', []))
print('outer5 --all: %s' % roots)
if roots != ['main.inners+0x28', 'main.outers+0x28'] or \
   any(p['path'][-1]['object'] != outer[0] for p in j['paths']):
    bad.append('heap why --all outer5: %s %s' % (r.stdout, r.stderr))
# --all from the stacks: outer6 is in the frames of two goroutines'
# main.holdOne as well as in the two globals
outer = [int(l.split()[2]) for l in open(d + '/stdout') if l.startswith('addr outer6 ')]
r = subprocess.run([gocap, 'heap', 'why', '--all', '--json', '--core', d + '/core',
                    *opts, hex(outer[0])], capture_output=True, text=True)
j = json.loads(r.stdout) if r.returncode == 0 else {}
roots = sorted((p['root']['kind'], p['root'].get('frame') or p['root']['name'])
               for p in j.get('paths', []))
gids = {p['root'].get('goroutine') for p in j.get('paths', []) if p['root']['kind'] == 'stack'}
print('outer6 --all: %s, goroutines %s' % (roots, sorted(gids)))
if roots != [('global', 'main.inners+0x30'), ('global', 'main.outers+0x30'),
             ('stack', 'main.holdOne'), ('stack', 'main.holdOne')] or len(gids) != 2 or \
   any(len(p['path']) != 1 or p['path'][0]['object'] != outer[0] for p in j['paths']):
    bad.append('heap why --all outer6: %s %s' % (r.stdout, r.stderr))
# TYPE: main.Big's nearest object, one of the 1,000 in main.bigs
r = subprocess.run([gocap, 'heap', 'why', '--json', '--core', d + '/core',
                    *opts, 'main.Big'], capture_output=True, text=True)
j = json.loads(r.stdout) if r.returncode == 0 else {}
path, root = j.get('path') or [], j.get('root') or {}
print('main.Big: %s objects, root %s, %d objects' % (j.get('objects'), root.get('name'), len(path)))
if j.get('objects') != 1000 or len(path) != 1 or path[0]['type'] != 'main.Big' or \
   not (root.get('name') or '').startswith('main.bigs+') or path[0]['object'] != j.get('addr'):
    bad.append('heap why main.Big: %s %s' % (r.stdout, r.stderr))
print('\n'.join(bad))
sys.exit(1 if bad else 0)
EOF
}

# threads DIR EXE: the mark drained by four threads (gomark_par.c) and by
# one: gocap heap --json (the mark's counts and sums, objects scanned
# through their bitmaps and whole) and gocap heap types --json (which
# reads the spans' notes of pointer bits the threads made) the same.
threads() {
	local n sub
	for sub in heap types; do
		for n in 1 4; do
			if [ $sub = heap ]; then
				GOCD_HEAP_THREADS=$n "$GOCAP" heap --json \
					--core "$1/core" --exe "$2" > "$1/t$n.json"
			else
				GOCD_HEAP_THREADS=$n "$GOCAP" heap types --json \
					--core "$1/core" --exe "$2" > "$1/t$n.json"
			fi || { echo "GOCD_HEAP_THREADS=$n gocap heap $sub failed"; return 1; }
		done
		cmp "$1/t1.json" "$1/t4.json" || return 1
	done
	python3 -c 'import json,sys; m = json.load(open(sys.argv[1]))["mark"]; print("%d objects reachable, %d scanned through their bitmaps" % (m["reachable_objects"], m["objects_precise"]))' "$1/heap.json"
}

# retained DIR EXE: gocap heap top --retained against knownheap's list,
# which only holdList's frame holds: its head retains its 10,000 nodes
# exactly and only the roots dominate it; the objects the roots alone
# dominate retain all reachable bytes; rows in order, each retaining at
# least itself; no type retains more than the heap (an object of a type
# under another of the same type is not counted twice).  The span index
# read-only while the dominators run beside the types (GOCD_HEAP_FREEZE):
# neither writes it.
retained() {
	python3 - "$1" "$GOCAP" "$2" <<'EOF'
import json, os, subprocess, sys
d, gocap, exe = sys.argv[1:]
head = [int(l.split()[2]) for l in open(d + '/stdout') if l.startswith('addr head ')]
r = subprocess.run([gocap, 'heap', 'top', '--retained', '--json', '-n', '50',
                    '--core', d + '/core', '--exe', exe], capture_output=True, text=True,
                   env=dict(os.environ, GOCD_HEAP_FREEZE='1'))
if r.returncode or not head:
    sys.exit('exit %d: %s (head %s)' % (r.returncode, r.stderr.strip(), head))
j = json.loads(r.stdout)
objs, dom, mark = j['objects'], j['dominators'], j['mark']
h = [o for o in objs if o['addr'] == head[0]]
print('head 0x%x: %s' % (head[0], h and h[0]))
print('dominators: %s; reachable %d bytes' % (dom, mark['reachable_bytes']))
bad = []
if not h or h[0]['retained'] != 10000 * h[0]['size'] or h[0]['dominator'] is not None:
    bad.append('the head does not retain its 10,000 nodes')
if dom['retained'] != mark['reachable_bytes'] or dom['objects'] != mark['reachable_objects']:
    bad.append('the roots do not retain every reachable byte')
if [o['retained'] for o in objs] != sorted((o['retained'] for o in objs), reverse=True) or \
   any(o['retained'] < o['size'] for o in objs):
    bad.append('rows out of order, or retaining less than themselves')
if any(t['retained'] > dom['retained'] or t['retained'] < t['bytes'] // max(t['objects'], 1) for t in j['types']):
    bad.append('a type retains more than the heap, or less than an object of it')
print('\n'.join(bad))
sys.exit(1 if bad else 0)
EOF
}

# typeprof DIR EXE: gocap heap pprof, flat and --retained, read back by
# go tool pprof -raw: per type (a sample's leaf frame) the objects and
# bytes of gocap heap types, exactly; go tool pprof -top's total the
# histogram's; --retained: the list's 10,000 nodes all under one frame of
# their own, main.Node (typed by the local that holds the head), at the
# top (a run of one type is one frame).
typeprof() {
	python3 - "$1" "$2" "$GOCAP" "$GOCD_TOP/scripts/go.sh" "$NEWEST" <<'EOF'
import collections, json, re, subprocess, sys
d, exe, gocap, gosh, v = sys.argv[1:]
def run(*a):
    r = subprocess.run(a, capture_output=True, text=True)
    if r.returncode:
        sys.exit('%s: exit %d %s' % (' '.join(a[:4]), r.returncode, r.stderr.strip()))
    return r.stdout
t = json.loads(run(gocap, 'heap', 'types', '--json', '--core', d + '/core', '--exe', exe))
want = {}
for r in t['types']:	# summed by name, as pprof's frames are: two
    k = ('[...]' if r['array'] else '') + r['type']	# packages' maps.Map
    o, b = want.get(k, (0, 0))
    want[k] = (o + r['objects'], b + r['bytes'])
for r in t['unknown']:
    want['unknown (%s%d-byte objects%s)' % ('' if not r['large'] else 'large, ', r['size'],
         '' if r['pointers'] else ', no pointers')] = (r['objects'], r['bytes'])
bad = []
for mode in ('flat', 'retained'):
    pb = '%s/types-%s.pb' % (d, mode)
    run(gocap, 'heap', 'pprof', '--core', d + '/core', '--exe', exe, '-o', pb,
        *(['--retained'] if mode == 'retained' else []))
    raw = run(gosh, v, 'tool', 'pprof', '-raw', pb)
    samples, locs, sec = [], {}, None
    for l in raw.splitlines():
        if l.startswith(('Samples:', 'Locations', 'Mappings')):
            sec = l.split()[0].rstrip(':')
            continue
        m = re.match(r'\s+(\d+)\s+(\d+): ([\d ]+)$', l)
        if sec == 'Samples' and m:
            samples.append((int(m.group(1)), int(m.group(2)), m.group(3).split()))
        m = re.match(r'\s+(\d+): 0x[0-9a-f]+ M=\d+ (.*) :0:0 s=0$', l)
        if sec == 'Locations' and m:
            locs[m.group(1)] = m.group(2)
    got = collections.defaultdict(lambda: [0, 0])
    for n, b, st in samples:
        got[locs[st[0]]][0] += n
        got[locs[st[0]]][1] += b
    got = {k: tuple(x) for k, x in got.items()}
    total = sum(b for _, b, _ in samples)
    print('%s: %d samples, %d types, %d bytes (heap types: %d types, %d bytes)' %
          (mode, len(samples), len(got), total, len(want), t['bytes']))
    if got != want or total != t['bytes']:
        bad.append('%s: by type %s' % (mode, sorted(set(got.items()) ^ set(want.items()))[:6]))
    top = run(gosh, v, 'tool', 'pprof', '-top', '-unit=B', pb)
    m = re.search(r'of (\d+)B total', top)
    if not m or int(m.group(1)) != t['bytes']:
        bad.append('%s: pprof -top total %s' % (mode, m and m.group(1)))
    if mode == 'retained':
        lists = [s for s in samples if len(s[2]) == 1 and s[0] >= 10000 and
                 locs[s[2][0]] == 'main.Node']
        if not lists:
            bad.append('retained: no frame of its own holds the 10,000 list nodes')
print('\n'.join(bad))
sys.exit(1 if bad else 0)
EOF
}

# --- the oracle: every release, three builds ------------------------------
for v in $VERSIONS; do
	for var in default w pie; do
		b=$(bin "$v" "$var") || { notok "Go $v $var: knownheap does not build"; continue; }
		scale=10 after=0 tiny=0 mode=all
		[ "$var" = default ] && after=1000 tiny=301 mode=after
		if [ "$v" = "$NEWEST" ] && [ "$var" = w ]; then
			scale=1
		fi
		dir=$W/$v-$var
		if ! crash "$b" "$dir" KNOWNHEAP_SCALE=$scale KNOWNHEAP_AFTER=$after \
			KNOWNHEAP_TINY=$tiny; then
			notok "Go $v $var: no core"
			continue
		fi
		"$GOCAP" heap --json --core "$dir/core" --exe "$b" \
			> "$dir/heap.json" 2> "$dir/heap.err"
		desc="Go $v $var: gocap heap is runtime.ReadMemStats"
		[ $after -gt 0 ] && desc="$desc, with $after objects and $tiny tiny ones allocated after it"
		[ $scale = 1 ] && desc="$desc (330 MiB heap)"
		check "$desc" compare "$dir" "$mode"
	done
	# The mark, with 20,000 objects dropped after the statistics (the
	# collector off), their list's head held only by a goroutine that
	# has exited.
	b=$(bin "$v" default) || continue
	dir=$W/$v-garbage
	if ! crash "$b" "$dir" KNOWNHEAP_SCALE=10 KNOWNHEAP_GARBAGE=$GARBAGE; then
		notok "Go $v garbage: no core"
		continue
	fi
	"$GOCAP" heap --json --core "$dir/core" --exe "$b" \
		> "$dir/heap.json" 2> "$dir/heap.err"
	desc="Go $v: the mark reaches every object live at the statistics, and no more than the $GARBAGE dropped after them (and $GHOSTS more) are unreachable"
	[ "$v" = 1.20 ] || desc="$desc, at least half of them (objects scanned through their pointer bitmaps)"
	check "$desc" marked "$dir" "$((GARBAGE + GHOSTS))" "$v"
	check "Go $v: the mark's threads (GOCD_HEAP_THREADS=4) find what one finds: gocap heap's mark figures and gocap heap types the same" \
		threads "$dir" "$b"
	check "Go $v: a list whose head only a dead stack object holds (a stale array under a local never declared) is unreachable, as the runtime leaves it" \
		ghost "$dir" "$b"
	check "Go $v: a list whose head only a uintptr holds, in the frame of a goroutine blocked in read(2), is unreachable: a system call's stack is read through its maps, as the runtime reads it" \
		ghost "$dir" "$b" sysghost main.blocked
	"$GOCAP" heap types --json --core "$dir/core" --exe "$b" \
		> "$dir/types.json" 2> "$dir/types.err"
	check "Go $v: gocap heap types counts every reachable object once, and with DWARF's globals as typed roots, and its live locals, each of knownheap's types exactly (an Outer pointed at as its first field's Inner stays Outer, and a SameOut of its SameIn's size class too; a slice's array holding fewer values than slots)" \
		typed "$dir" "$v" 1
	check "Go $v: gocap heap why finds each printed object's path from the root that holds it (a global, a goroutine's stack)" \
		why "$dir" "$v" "$b"
	check "Go $v: gocap heap top --retained: the list only a frame holds is retained by its head, exactly its 10,000 nodes" \
		retained "$dir" "$b"
	# the same program without DWARF (its oracle run's core)
	dir=$W/$v-w
	if ! b=$(bin "$v" w) || [ ! -f "$dir/core" ]; then
		continue
	fi
	"$GOCAP" heap types --json --core "$dir/core" --exe "$b" \
		> "$dir/types.json" 2> "$dir/types.err"
	desc="Go $v, built -w: gocap heap types counts every reachable object once"
	case $v in
	1.19|1.2[01]) desc="$desc, and types the 50 AnyVal and 50 ErrVal of a global [50]any and [50]error exactly by their type words and itabs (no DWARF, and the heap records no type before 1.22)" ;;
	*) desc="$desc, and types Item, Big, Huge and Synced exactly from the heap's own record (headers, large spans' types) along the pointers (a sync.Map's trie among them), and the 50 AnyVal and 50 ErrVal of a global [50]any and [50]error by their type words and itabs" ;;
	esac
	check "$desc" typed "$dir" "$v" 0
	# The DWARF build stripped as Debian strips its packages, its DWARF
	# in a debug file that .gnu_debuglink names, in the executable's
	# .debug/: typed, and each path named, as with DWARF; the debug file
	# gone, typed as without, and the output says which file to install.
	b=$(bin "$v" default) || continue
	sd=$W/$v-split
	if ! split_debug "$b" "$sd/bin/knownheap" \
		"$sd/bin/.debug/knownheap.debug" > "$sd.log" 2>&1; then
		notok "Go $v: objcopy cannot split the DWARF off"
		sed 's/^/#   /' "$sd.log" | head -5
		continue
	fi
	"$GOCAP" heap types --json --core "$W/$v-garbage/core" \
		--exe "$sd/bin/knownheap" > "$sd/types.json" 2> "$sd/types.err"
	check "Go $v, stripped as dh_strip does: gocap heap types reads its debug file's DWARF (.gnu_debuglink, in .debug/ beside it), each of knownheap's types exactly as with DWARF" \
		typed "$sd" "$v" 1
	check "Go $v, stripped as dh_strip does: gocap heap why names each object's root and fields from its debug file (its symbols, its DWARF)" \
		why "$W/$v-garbage" "$v" "$sd/bin/knownheap"
	# The stripped program run from where it was installed, read with a
	# copy of it elsewhere (a store's saved executable, under the
	# store): its .gnu_debuglink is looked for where it ran too (the
	# core's NT_FILE), oldest and newest release.
	ran=""
	if [ "$v" = "$NEWEST" ] || [ "$v" = "${VERSIONS%% *}" ]; then
		mkdir -p "$sd/saved"
		cp "$sd/bin/knownheap" "$sd/saved/exe"
		if crash "$sd/bin/knownheap" "$sd/ran" KNOWNHEAP_SCALE=10 \
			KNOWNHEAP_GARBAGE=$GARBAGE; then
			ran=$sd/ran
			"$GOCAP" heap types --json --core "$ran/core" \
				--exe "$sd/saved/exe" > "$ran/types.json" 2> "$ran/types.err"
			check "Go $v, stripped, read with a copy of it elsewhere (a store's saved executable): gocap heap types finds the debug file its .gnu_debuglink names in .debug/ where the program ran, each of knownheap's types exactly as with DWARF" \
				typed "$ran" "$v" 1
		else
			notok "Go $v: the stripped knownheap does not dump"
		fi
	fi
	mv "$sd/bin/.debug" "$sd/debug-away"
	mkdir -p "$sd/none"
	"$GOCAP" heap types --json --core "$W/$v-garbage/core" \
		--exe "$sd/bin/knownheap" > "$sd/none/types.json" 2> "$sd/none/types.err"
	check "Go $v, stripped, its debug file gone: typed as without DWARF, and the output names the debug file to install" \
		no_debug "$sd/none" "$v" knownheap.debug
	check "Go $v, the same core with and without DWARF: no type counts more objects without it (the interface values found in untyped memory type what DWARF types)" \
		agrees "$sd" "$sd/none"
	if [ -n "$ran" ]; then
		mkdir -p "$ran/none"
		"$GOCAP" heap types --json --core "$ran/core" --exe "$sd/saved/exe" \
			> "$ran/none/types.json" 2> "$ran/none/types.err"
		check "Go $v, stripped, a copy of it read, its debug file gone: the output names the directory the program ran from among the places looked in" \
			no_debug "$ran/none" "$v" "or in $sd/bin (where it ran)"
	fi
done

# A GNU build ID (Debian's Go programs have one; crashed as for the
# mark, so that main.blocked holds its SysHeld), the debug file where
# a -dbgsym package puts it: DIR/.build-id/NN/REST.debug, DIR given
# with --debug-dir; found from the core alone too (its text dumped, the
# build ID read from the core's memory), and a debug file without the Go
# build ID note taken for its GNU build ID; and there, another build's
# debug file: refused with a warning (its Go build ID is not the
# executable's), nothing typed by DWARF.
v=$NEWEST
if b=$(bin "$v" bid) &&
	FILTER=0x37 crash "$b" "$W/bid" KNOWNHEAP_SCALE=10 KNOWNHEAP_GARBAGE=$GARBAGE; then
	id=$(readelf -n "$b" | sed -n 's/^ *Build ID: *\([0-9a-f]*\)$/\1/p')
	dbg=$W/bid/root/.build-id/${id:0:2}/${id:2}.debug
	if [ -n "$id" ] && split_debug "$b" "$W/bid/bin/knownheap" "$dbg" \
		> "$W/bid.log" 2>&1; then
		"$GOCAP" heap types --json --core "$W/bid/core" --debug-dir "$W/bid/root" \
			--exe "$W/bid/bin/knownheap" > "$W/bid/types.json" 2> "$W/bid/types.err"
		check "Go $v, built with a GNU build ID and stripped: gocap heap types --debug-dir DIR reads DIR/.build-id/${id:0:2}/${id:2}.debug, each of knownheap's types exactly as with DWARF" \
			typed "$W/bid" "$v" 1
		check "Go $v, stripped: gocap layout reads the debug file's DWARF with --debug-dir, and without it names the file to install" \
			sh -c "'$GOCAP' layout --exe '$W/bid/bin/knownheap' --debug-dir '$W/bid/root' |
			       grep -qx '# source: DWARF' &&
			       ! '$GOCAP' layout --exe '$W/bid/bin/knownheap' 2> '$W/bid/layout.err' &&
			       cat '$W/bid/layout.err' &&
			       grep -q 'neither /usr/lib/debug/.build-id/${id:0:2}/${id:2}.debug nor.*install its package.s -dbgsym' '$W/bid/layout.err'"
		mkdir -p "$W/bid/alone" "$W/bid/alone-none" "$W/bid/nogo"
		"$GOCAP" heap types --json --core "$W/bid/core" --debug-dir "$W/bid/root" \
			> "$W/bid/alone/types.json" 2> "$W/bid/alone/types.err"
		check "Go $v, the core alone (no --exe): gocap heap types finds the debug file by the build ID in the core, each of knownheap's types exactly as with DWARF" \
			typed "$W/bid/alone" "$v" 1
		check "Go $v, the core alone: gocap heap why names each object's root and fields from the debug file the core's build ID names" \
			why "$W/bid" "$v" "" "$W/bid/root"
		"$GOCAP" heap types --json --core "$W/bid/core" \
			> "$W/bid/alone-none/types.json" 2> "$W/bid/alone-none/types.err"
		check "Go $v, the core alone, no debug file installed: typed as without DWARF, and the output names the build ID's debug file to install" \
			no_debug "$W/bid/alone-none" "$v" "/usr/lib/debug/.build-id/${id:0:2}/${id:2}.debug"
		cp "$dbg" "$W/bid/nogo.debug"
		objcopy --remove-section=.note.go.buildid "$W/bid/nogo.debug" "$dbg"
		"$GOCAP" heap types --json --core "$W/bid/core" --debug-dir "$W/bid/root" \
			--exe "$W/bid/bin/knownheap" > "$W/bid/nogo/types.json" 2> "$W/bid/nogo/types.err"
		check "Go $v: a debug file without the Go build ID note is taken for its GNU build ID, the executable's" \
			no_go_note "$dbg" "$W/bid/nogo" "$v"
		objcopy --only-keep-debug "$(bin "$v" default)" "$dbg"
		mkdir -p "$W/bid/other"
		"$GOCAP" heap types --json --core "$W/bid/core" --debug-dir "$W/bid/root" \
			--exe "$W/bid/bin/knownheap" > "$W/bid/other/types.json" 2> "$W/bid/other/types.err"
		mkdir -p "$W/bid/other-alone"
		"$GOCAP" heap types --json --core "$W/bid/core" --debug-dir "$W/bid/root" \
			> "$W/bid/other-alone/types.json" 2> "$W/bid/other-alone/types.err"
		check "Go $v: another build's debug file at the build ID's path is refused, saying its Go build ID is not the executable's, with the executable or the core alone (then no usable debug file)" \
			sh -c "grep 'warning: .*${id:2}.debug: Go build ID .* is not the executable.s' '$W/bid/other/types.err' &&
			       python3 -c 'import json,sys; t=json.load(open(sys.argv[1])); sys.exit(t[\"typing\"][\"dwarf_globals\"] != 0)' '$W/bid/other/types.json' &&
			       grep 'warning: .*${id:2}.debug: Go build ID .* is not the executable.s' '$W/bid/other-alone/types.err' &&
			       python3 -c 'import json,sys; t=json.load(open(sys.argv[1]))[\"typing\"]; print(t[\"dwarf_error\"]); sys.exit(t[\"dwarf_globals\"] != 0 or \"has no usable debug file at\" not in t[\"dwarf_error\"])' '$W/bid/other-alone/types.json'"
	else
		notok "Go $v bid: no GNU build ID, or objcopy cannot split the DWARF off"
		sed 's/^/#   /' "$W/bid.log" | head -5
	fi
else
	notok "Go $v bid: knownheap does not build or dump"
fi

# A dead local: DWARF names its slot at the call, the stack map calls it
# dead, and its object was freed and the memory reused by another type.
for v in $VERSIONS; do
	b=$(bin "$v" default deadlocal) ||
		{ notok "Go $v: deadlocal does not build"; continue; }
	if ! crash "$b" "$W/$v-deadlocal"; then
		notok "Go $v deadlocal: no core"
		continue
	fi
	check "Go $v: a local DWARF still names at a call, dead by the stack map, types nothing: the object of another type that took its object's place is not typed as the local's" \
		deadlocal "$W/$v-deadlocal" "$b"
	# deadlocal never calls runtime.ReadMemStats, so it has no
	# readmemstats_m: stripped, its globals come from other runtime
	# code, and gocap heap must say what its symbol table gives
	strip -o "$W/$v-deadlocal/stripped" "$b"
	"$GOCAP" heap --json --core "$W/$v-deadlocal/core" --exe "$b" \
		> "$W/$v-deadlocal/sym.json" 2> "$W/$v-deadlocal/sym.err"
	"$GOCAP" heap --json --core "$W/$v-deadlocal/core" \
		--exe "$W/$v-deadlocal/stripped" \
		> "$W/$v-deadlocal/code.json" 2> "$W/$v-deadlocal/code.err"
	check "Go $v: a program without runtime.ReadMemStats, stripped: gocap heap finds the runtime's globals in other code, every figure what its symbol table gives" \
		same_memstats "$W/$v-deadlocal"
	# nor runtime/pprof: the linker turned memory profiling off, after
	# the runtime's start sampled a stack or none
	check "Go $v: gocap heap allocs on a program without runtime/pprof says its memory profiling was off" \
		sh -c "'$GOCAP' heap allocs --core '$W/$v-deadlocal/core' --exe '$b' \
			-o '$W/$v-deadlocal/allocs.pb' > '$W/$v-deadlocal/allocs.out' 2>&1
		       cat '$W/$v-deadlocal/allocs.out'
		       grep -q 'memory profiling was off (runtime.MemProfileRate 0' '$W/$v-deadlocal/allocs.out'"
done

# --- the text view and the refusals (the newest release) ------------------
hd=$W/$NEWEST-default
b=$(bin "$NEWEST" default)
check "the text view names every figure" \
	sh -c "'$GOCAP' heap --core '$hd/core' --exe '$b' | tee /dev/stderr |
	       grep -q '^HeapAlloc  *[0-9]' &&
	       '$GOCAP' heap --core '$hd/core' --exe '$b' | grep -q '^  HeapSys .*the heap' &&
	       '$GOCAP' heap --core '$hd/core' --exe '$b' |
	       grep -q \"^# counted in the heap's [0-9]* spans in use: [0-9]* objects, .* (HeapObjects and HeapAlloc)\""
check "gocap heap types' text view: the typed share, then a row per type, main.Big's exact" \
	sh -c "'$GOCAP' heap types --core '$hd/core' --exe '$b' > '$W/types.txt' &&
	       head -4 '$W/types.txt' &&
	       grep -q '^# the heap.s reachable objects by type: [0-9]* objects, .*% of the bytes typed' '$W/types.txt' &&
	       grep -Eq '^ +[0-9]+ +1000  main\.Big$' '$W/types.txt' &&
	       grep -Eq '^ +[0-9]+ +[0-9]+  unknown \(48-byte objects\)$' '$W/types.txt'"
check "gocap heap pprof: go tool pprof reads it, each type's objects and bytes those of gocap heap types, its total theirs; --retained: under the types of the dominators" \
	typeprof "$hd" "$b"
check "gocap heap top: the N largest objects, largest first, the 64 KiB slices' arrays among them; -n 0 a usage error" \
	sh -c "'$GOCAP' heap top -n 5 --json --core '$hd/core' --exe '$b' > '$W/top.json' &&
	       python3 -c 'import json, sys
o = json.load(open(sys.argv[1]))[\"objects\"]
print([(x[\"size\"], x[\"name\"]) for x in o])
s = [x[\"size\"] for x in o]
sys.exit(0 if len(o) == 5 and s == sorted(s, reverse=True) and
         any(x[\"name\"] == \"[...]uint8\" and x[\"size\"] == 65536 for x in o) else 1)' '$W/top.json' &&
	       ! '$GOCAP' heap top -n 0 --core '$hd/core' --exe '$b' 2> /dev/null"
check "gocap heap pprof without -o is a usage error" \
	sh -c "'$GOCAP' heap pprof --core '$hd/core' --exe '$b' 2> '$W/pprof-noout.err'; [ \$? = 2 ] &&
	       grep -q 'heap pprof needs -o FILE' '$W/pprof-noout.err'"
check "a core without --exe is refused, saying what to give" \
	sh -c "! '$GOCAP' heap --core '$hd/core' 2> '$W/noexe.err' &&
	       cat '$W/noexe.err' && grep -q 'give the executable with --exe' '$W/noexe.err'"
# Stripped (-s -w): no symbol table, no DWARF; the globals from the code
# of runtime.readmemstats_m, the layout from the table.
for v in $VERSIONS; do
	if sw=$(bin "$v" sw) && crash "$sw" "$W/$v-sw" KNOWNHEAP_SCALE=10; then
		"$GOCAP" heap --json --core "$W/$v-sw/core" --exe "$sw" \
			> "$W/$v-sw/heap.json" 2> "$W/$v-sw/heap.err"
		check "Go $v sw: gocap heap is runtime.ReadMemStats, the globals found in the code" \
			compare "$W/$v-sw" all code
	else
		notok "Go $v sw: no core"
	fi
done
# A core that holds the binary's text (coredump_filter 0x37: what
# gocoredump.ko forces), read without the executable: the globals from the
# code in the core, the layout from the table.
if FILTER=0x37 crash "$(bin "$NEWEST" w)" "$W/text" KNOWNHEAP_SCALE=10; then
	"$GOCAP" heap --json --core "$W/text/core" > "$W/text/heap.json" 2> "$W/text/heap.err"
	check "a core with the binary's text needs no executable" \
		compare "$W/text" all code
else
	notok "Go $NEWEST w, filter 0x37: no core"
fi

# A live process (--pid: a snapshot, the executable from /proc/PID/exe).
KNOWNHEAP_SCALE=10 KNOWNHEAP_AFTER=1000 KNOWNHEAP_TINY=301 KNOWNHEAP_WAIT=1 \
	"$b" > "$W/live.stdout" 2> "$W/live.stderr" &
live=$!
for _ in $(seq 100); do
	grep -q '^memstats after' "$W/live.stdout" 2> /dev/null && break
	sleep 0.1
done
mkdir -p "$W/live"
mv "$W/live.stdout" "$W/live/stdout"
"$GOCAP" heap --pid "$live" --json > "$W/live/heap.json" 2> "$W/live/heap.err"
kill "$live" 2> /dev/null
wait "$live" 2> /dev/null
check "gocap heap --pid on a live process is its runtime.ReadMemStats" \
	compare "$W/live" after

# --- the program's own heap profile: gocap heap allocs --------------------
# knownheap writes pprof.WriteHeapProfile last, then crashes: the profile
# recovered from the core must be the same (pprofcmp.py: the samples'
# values, labels and stacks, read back by go tool pprof -raw).  The
# default build with MemProfileRate 4096, the stripped one (globals from
# the code) with 1, every allocation; once with the default 512 KiB.
# pprof NAME V DIR: go tool pprof -raw of DIR/NAME.pb, to DIR/NAME.raw
pprof_raw() {
	"$GOCD_TOP/scripts/go.sh" "$2" tool pprof -raw -symbolize=none \
		"$3/$1.pb" > "$3/$1.raw" 2> "$3/$1.pprof-err"
}
# allocs V DIR FROM [GOCAP ARGS...]: gocap heap allocs on DIR/core (the
# globals found from FROM), compared with the program's DIR/want.pb
allocs() {
	local v=$1 d=$2 from=$3
	shift 3
	"$GOCAP" heap allocs --core "$d/core" "$@" -o "$d/got.pb" \
		> "$d/allocs.out" 2> "$d/allocs.err" || { cat "$d/allocs.err"; return 1; }
	cat "$d/allocs.out"
	grep -q "globals from $from" "$d/allocs.out" || return 1
	if ! { pprof_raw want "$v" "$d" && pprof_raw got "$v" "$d"; }; then
		cat "$d"/*.pprof-err
		return 1
	fi
	python3 "$T/pprofcmp.py" "$d/want.raw" "$d/got.raw"
}
for v in $VERSIONS; do
	for var in default sw; do
		# sw: every allocation from the start, main.init's (whose lines
		# are in two files: see knownheap/init2.go) among them
		rate=4096 from=symtab dbg=GODEBUG=
		[ "$var" = sw ] && rate=1 from=code dbg=GODEBUG=memprofilerate=1
		[ "$v" = "$NEWEST" ] && [ "$var" = default ] && rate=0
		d=$W/$v-$var-prof
		if ! pb=$(bin "$v" "$var") || ! crash "$pb" "$d" KNOWNHEAP_SCALE=10 \
			KNOWNHEAP_PROFILE="$d/want.pb" KNOWNHEAP_PROFRATE=$rate "$dbg"; then
			notok "Go $v $var: no core with a heap profile"
			continue
		fi
		check "Go $v $var: gocap heap allocs is the program's WriteHeapProfile (MemProfileRate ${rate/#0/default}, globals from $from)" \
			allocs "$v" "$d" "$from" --exe "$pb"
	done
done
# top PD: go tool pprof -top's total is the sum of the samples' alloc_space
top_total() {
	"$GOCD_TOP/scripts/go.sh" "$NEWEST" tool pprof -top -unit=B \
		-sample_index=alloc_space -symbolize=none "$1/got.pb" > "$1/top" 2>&1 ||
		{ cat "$1/top"; return 1; }
	head -8 "$1/top"
	python3 - "$1/top" "$1/got.raw" <<'EOF2'
import re, sys
top = open(sys.argv[1]).read()
m = re.search(r'of (\d+)B total', top)
raw, s, total = open(sys.argv[2]).read().splitlines(), False, 0
for l in raw:
    if l == 'Samples:':
        s = True
    elif l == 'Locations':
        s = False
    elif s and re.match(r'^\s+\d', l):
        total += int(l.split()[1])
if not m or int(m.group(1)) != total or 'main.main' not in top:
    sys.exit('pprof -top total %s, samples %d' % (m and m.group(1), total))
print('pprof -top total %d bytes, the samples\' alloc_space' % total)
EOF2
}
check "go tool pprof -top reads gocap's profile, and its total is the samples'" \
	top_total "$W/$NEWEST-default-prof"
# A core with the binary's text, without the executable: no symbol table,
# the globals from the code in the core.
if FILTER=0x37 crash "$(bin "$NEWEST" default)" "$W/text-prof" KNOWNHEAP_SCALE=10 \
	KNOWNHEAP_PROFILE="$W/text-prof/want.pb" KNOWNHEAP_PROFRATE=4096; then
	check "gocap heap allocs on a core with the binary's text needs no executable" \
		allocs "$NEWEST" "$W/text-prof" code
	# ... and, minimised to the pages gocap reads, a seed of fuzz_goroutines
	# that recovers the same profile
	seed=$GOCD_BUILD/fuzz-seeds/fuzz_goroutines/heapprof-$NEWEST
	mkdir -p "${seed%/*}"
	check "fuzz seed: the minimised core, under 1.5 MiB (the fuzzer's max_len), gives the same profile" \
		sh -c "'$GOCD_BUILD/tools/mincore' --note '$W/text-prof/core' '$seed' &&
		       [ \$(stat -c %s '$seed') -le $GOCD_FUZZ_MAX_LEN ] &&
		       '$GOCAP' heap allocs --core '$seed' -o '$W/text-prof/seed.pb' &&
		       '$GOCD_TOP/scripts/go.sh' '$NEWEST' tool pprof -raw -symbolize=none \
			'$W/text-prof/seed.pb' > '$W/text-prof/seed.raw' 2>&1 &&
		       python3 '$T/pprofcmp.py' '$W/text-prof/want.raw' '$W/text-prof/seed.raw'"
else
	notok "Go $NEWEST default, filter 0x37: no core with a heap profile"
fi
# tinyseed DIR SEED TYPE N: DIR/core minimised with the heap into SEED
# (under the fuzzer's max_len) gives the same gocap heap types rows as the
# core, N objects of TYPE, its mark complete and every object read by its
# pointer bitmap.
tinyseed() {
	"$GOCD_BUILD/tools/mincore" --note --heap "$1/core" "$2" &&
	[ "$(stat -c %s "$2")" -le "$GOCD_FUZZ_MAX_LEN" ] &&
	"$GOCAP" heap types --json --core "$1/core" > "$1/full.json" &&
	"$GOCAP" heap types --json --core "$2" > "$1/seed.json" &&
	python3 - "$1/full.json" "$1/seed.json" "$3" "$4" <<'EOF2'
import json, sys
a, b = (json.load(open(f)) for f in sys.argv[1:3])
rows = lambda t: sorted((r.get('type', ''), r.get('size', 0), r['objects']) for r in t['types'] + t['unknown'])
got = [r['objects'] for r in b['types'] if r['type'] == sys.argv[3]]
m = b['mark']
print(len(rows(b)), 'rows,', sys.argv[3], got, 'precise', m['objects_precise'],
      'whole', m['objects_whole'], 'mark partial:', m['partial'])
sys.exit(0 if rows(a) == rows(b) and got == [int(sys.argv[4])] and not m['partial'] and
         m['objects_whole'] == 0 and m['objects_precise'] > 0 else 1)
EOF2
}

# A seed whose mark and types complete: tinyheap's core (a small typed
# heap), minimised to what gocap heap types reads without the executable.
tb=$W/tinyheap/tinyheap
mkdir -p "$W/tinyheap"
if (cd "$T/go" && CGO_ENABLED=0 "$GOCD_TOP/scripts/go.sh" "$NEWEST" build \
	-o "$tb" ./tinyheap) > "$W/tinyheap/build.log" 2>&1 &&
   FILTER=0x37 crash "$tb" "$W/tinyheap/run"; then
	seed=$GOCD_BUILD/fuzz-seeds/fuzz_goroutines/heaptypes-$NEWEST
	check "fuzz seed: tinyheap's core minimised with the heap (under 1.5 MiB) gives the same gocap heap types, its mark complete and 64 Rec typed" \
		tinyseed "$W/tinyheap/run" "$seed" main.Rec 64
	check "gocap heap top --retained on tinyheap's core: each object's retained bytes are those a mark without it leaves (by brute force)" \
		sh -c "GOCD_HEAP_DOM_CHECK=100000 '$GOCAP' heap top --retained --core '$W/tinyheap/run/core' > '$W/tinyheap/top.txt' &&
		       grep -q '^# dominator tree: [1-9][0-9]* objects' '$W/tinyheap/top.txt'"
	# the same with the wide arrays (8-byte addresses, the edges'
	# offsets kept) that only heaps of billions of objects or spread
	# over more than 32 GiB would take: the same tree, line for line
	check "gocap heap top --retained on tinyheap's core, with the arrays of the largest heaps: by brute force, and the same list" \
		sh -c "GOCD_HEAP_DOM_WIDE=1 GOCD_HEAP_DOM_CHECK=100000 '$GOCAP' heap top --retained -n 100000 --core '$W/tinyheap/run/core' > '$W/tinyheap/top-wide.txt' &&
		       '$GOCAP' heap top --retained -n 100000 --core '$W/tinyheap/run/core' > '$W/tinyheap/top-narrow.txt' &&
		       grep -q '^# dominator tree: [1-9][0-9]* objects' '$W/tinyheap/top-wide.txt' &&
		       cmp '$W/tinyheap/top-wide.txt' '$W/tinyheap/top-narrow.txt'"
	# the types' retained bytes from the listed tree (every object, its
	# retained bytes and its dominator): a type retains what its objects
	# retain that have no object of the type above them
	check "gocap heap top --retained on tinyheap's core: each type retains what its topmost objects in the tree retain" \
		python3 - "$GOCAP" "$W/tinyheap/run/core" <<'EOF'
import json, subprocess, sys
from collections import defaultdict
gocap, core = sys.argv[1:]
r = subprocess.run([gocap, 'heap', 'top', '--retained', '--json', '-n', '1000000',
                    '--core', core], capture_output=True, text=True)
if r.returncode:
    sys.exit('exit %d: %s' % (r.returncode, r.stderr.strip()))
j = json.loads(r.stdout)
objs = {o['addr']: o for o in j['objects']}
if len(objs) != j['dominators']['objects']:
    sys.exit('%d objects listed of %d in the tree' % (len(objs), j['dominators']['objects']))
want = defaultdict(lambda: [0, 0, 0])
under = 0
for o in objs.values():
    w = want[o['name']]
    w[0] += 1
    w[1] += o['size']
    d = o['dominator']
    while d is not None and objs[d]['name'] != o['name']:
        d = objs[d]['dominator']
    if d is None:	# no object of its type above it
        w[2] += o['retained']
    else:
        under += 1
rows = defaultdict(list)
for t in j['types']:
    rows[t['name']].append([t['objects'], t['bytes'], t['retained']])
# a name on two rows (two type descriptors of one name, as some generic
# instances have) cannot be told apart in the list: left out
dup = {n for n, r in rows.items() if len(r) > 1}
got = {n: r[0] for n, r in rows.items() if n not in dup}
bad = sorted(n for n in set(got) | set(want) if n not in dup and got.get(n) != want.get(n))
print('%d objects of %d types, %d under an object of their type, %d names on several rows left out' %
      (len(objs), len(rows), under, len(dup)))
for n in bad[:8]:
    print('%s: gocap %s (objects, bytes, retained), from the tree %s' % (n, got.get(n), want.get(n)))
sys.exit(1 if bad or not got or not under else 0)
EOF
	check "gocap heap why --all on tinyheap's random graph: every path ends at its node, and none passes through it before" \
		python3 - "$GOCAP" "$W/tinyheap/run/core" "$tb" <<'EOF'
import json, subprocess, sys
gocap, core, exe = sys.argv[1:]
def run(*a):
    return json.loads(subprocess.run([gocap, 'heap', *a, '--json', '--core', core, '--exe', exe],
                                     capture_output=True, text=True, check=True).stdout)
nodes = [o['addr'] for o in run('top', '-n', '2000')['objects'] if o['name'] == 'main.GNode']
paths = bad = 0
for a in nodes[:150]:
    for p in run('why', '--all', '-n', '20', hex(a))['paths']:
        objs = [h['object'] for h in p['path']]
        paths += 1
        if objs[-1] != a or a in objs[:-1]:
            bad += 1
print('%d nodes, %d paths, %d through their own node' % (min(len(nodes), 150), paths, bad))
sys.exit(1 if bad or len(nodes) < 150 or paths < 200 else 0)
EOF
else
	notok "Go $NEWEST: tinyheap gave no core"
fi
# The same from Go 1.19, whose objects' pointer bits are in the heap
# arenas' bitmaps (the mark's reads of them, and the claims' fit test, in
# the fuzzer's reach): without DWARF, what its Recs' interface words hold
# is typed, 32 Box among them, each tested against the bitmaps.
case " $VERSIONS " in *" 1.19 "*)
tb=$W/tinyheap/tinyheap-1.19
if (cd "$T/go" && CGO_ENABLED=0 "$GOCD_TOP/scripts/go.sh" 1.19 build \
	-o "$tb" ./tinyheap) > "$W/tinyheap/build-1.19.log" 2>&1 &&
   FILTER=0x37 crash "$tb" "$W/tinyheap/run-1.19"; then
	seed=$GOCD_BUILD/fuzz-seeds/fuzz_goroutines/heaptypes-1.19
	check "fuzz seed: tinyheap's Go 1.19 core minimised with the heap (under 1.5 MiB) gives the same gocap heap types, its mark complete by the arenas' bitmaps and 32 Box typed" \
		tinyseed "$W/tinyheap/run-1.19" "$seed" main.Box 32
else
	notok "Go 1.19: tinyheap gave no core"
fi ;;
esac
# gocap heap diff: two runs of the same build, 500 and 1,000 slices of
# 64 KiB.  The sites must be the difference of the programs' own profiles
# (diffcmp.py), the growth by type 500 [...]uint8 of 64 KiB (the slices'
# arrays, typed through DWARF's global; give or take the profile writer's
# buffers), and the statistics' growth that of the programs' own
# ReadMemStats, printed before the profile was written (whose allocations,
# alike in both, are the only difference: within 256 KiB, 1,000 objects).
heap_diff() {
	local a=$W/diff-a b=$W/diff-b
	"$GOCAP" heap diff "$a/core" "$b/core" --exe "$1" --json > "$W/diff.json" \
		2> "$W/diff.err" || { cat "$W/diff.err"; return 1; }
	pprof_raw want "$NEWEST" "$a" && pprof_raw want "$NEWEST" "$b" &&
		python3 "$T/diffcmp.py" "$a/want.raw" "$b/want.raw" "$W/diff.json" ||
		return 1
	python3 - "$a/stdout" "$b/stdout" "$W/diff.json" <<'EOF2'
import json, sys
def printed(path):
    return {l.split()[1]: int(l.split()[2]) for l in open(path)
            if l.startswith('memstats ') and len(l.split()) == 3}
a, b = printed(sys.argv[1]), printed(sys.argv[2])
ms = json.load(open(sys.argv[3]))['memstats']
types = json.load(open(sys.argv[3]))['types'] or []
bad = []
u8 = [t for t in types if t['type'] == '[...]uint8']
print('by type: %s' % u8)
# the 500 slices, give or take the byte buffers of the profile's writer
# (compress/flate), which a collection may or may not have freed in each
# run (seen: 3 more in A, 1 in B, 6 x 64 KiB in all)
if not u8 or abs(u8[0]['objects_delta'] - 500) > 8 or \
   abs(u8[0]['bytes_delta'] - 500 * 65536) > 2 << 20:
    bad.append('the growth by type is not the 500 slices of 64 KiB')
for f, tol in (('HeapAlloc', 256 << 10), ('HeapObjects', 1000),
               ('Mallocs', 1000), ('TotalAlloc', 256 << 10)):
    want = b[f] - a[f]
    if abs(ms[f]['delta'] - want) > tol:
        bad.append('%s: programs %+d, gocap %+d' % (f, want, ms[f]['delta']))
print('\n'.join(bad))
print('HeapAlloc %+d (programs %+d)' % (ms['HeapAlloc']['delta'],
                                        b['HeapAlloc'] - a['HeapAlloc']))
sys.exit(1 if bad or ms['HeapAlloc']['delta'] < 30 << 20 else 0)
EOF2
}
# top_sites EXE: gocap heap's top sites of diff-b are its program's
top_sites() {
	"$GOCAP" heap --core "$W/diff-b/core" --exe "$1" --json > "$W/top.json" &&
		"$GOCAP" heap --core "$W/diff-b/core" --exe "$1" > "$W/top.txt" ||
		return 1
	sed -n '/^# where the heap in use/,$p' "$W/top.txt" | head -5
	grep -A1 '^ *inuse_space' "$W/top.txt" | tail -1 |
		grep -q '^ *6[0-9]\.[0-9] MiB *1001 .*main\.main main\.go:' || return 1
	python3 - "$T" "$W/diff-b/want.raw" "$W/top.json" <<'EOF2'
import json, sys
sys.path.insert(0, sys.argv[1])
from diffcmp import by_stack
acc = by_stack(sys.argv[2])
want = sorted(((k, v) for k, v in acc.items() if any(v)),
              key=lambda kv: (-kv[1][3], '\n'.join(kv[0])))
prof = json.load(open(sys.argv[3]))['profile']
names = ['alloc_objects', 'alloc_space', 'inuse_objects', 'inuse_space']
got = [(tuple(t['frames']), [t['values'][n] for n in names])
       for t in prof['top_sites']]
bad = []
if prof['sites'] != len(want):
    bad.append('%d sites, the program %d' % (prof['sites'], len(want)))
if got != [(k, v) for k, v in want[:len(got)]] or len(got) != min(25, len(want)):
    diff = [i for i, (g, w) in enumerate(zip(got, want)) if g != w]
    i = diff[0] if diff else min(len(got), len(want))
    bad.append('the top sites differ from row %d: gocap %s, the program %s'
               % (i, got[i:i + 2], want[i:i + 2]))
print('\n'.join(bad))
print('%d sites, the top %d equal the program\'s' % (len(want), len(got)))
sys.exit(1 if bad else 0)
EOF2
}
# text_diff EXE: the text view's first site is the 64 KiB slices' (31.25
# MiB more), its objects those of --json's first site (which heap_diff
# holds to the programs' profiles).  Not always +500: the line's append
# also allocates the slices' header array, 12 KiB in A, sampled (every
# 4096 bytes on average) with probability 1 - e^-3: one run in twenty
# leaves A's out, and the site grows by 501 (seen in CI).
text_diff() {
	"$GOCAP" heap diff "$W/diff-a/core" "$W/diff-b/core" --exe "$1" \
		> "$W/diff.txt" || return 1
	sed -n '/^# growth by allocation site/,/^# growth by type/p' "$W/diff.txt" |
		head -4
	python3 - "$W/diff.txt" "$W/diff.json" <<'EOF2'
import json, re, sys
text = open(sys.argv[1]).read().splitlines()
site = json.load(open(sys.argv[2]))['sites'][0]
first = text[[i for i, l in enumerate(text) if re.match(r' *inuse_space', l)][0] + 1]
want = r' *\+31\.[0-9] MiB +\+%d .*main\.main main\.go:' % site['delta']['inuse_objects']
print('first row: %s\njson: %s %s' % (first.strip(), site['frames'][0], site['delta']))
sys.exit(0 if re.match(want, first) and 499 <= site['delta']['inuse_objects'] <= 501 else 1)
EOF2
}
db=$(bin "$NEWEST" default)
if crash "$db" "$W/diff-a" KNOWNHEAP_SCALE=10 KNOWNHEAP_PROFILE="$W/diff-a/want.pb" \
	KNOWNHEAP_PROFRATE=4096 &&
   crash "$db" "$W/diff-b" KNOWNHEAP_SCALE=5 KNOWNHEAP_PROFILE="$W/diff-b/want.pb" \
	KNOWNHEAP_PROFRATE=4096; then
	check "gocap heap diff: the growth by site is the programs' profiles', the statistics' their ReadMemStats', by type the 500 slices" \
		heap_diff "$db"
	check "gocap heap diff's text view puts the 64 KiB slices' site first" \
		text_diff "$db"
	check "gocap heap lists the heap profile's top sites, as the program wrote them" \
		top_sites "$db"
else
	notok "Go $NEWEST default: no cores for gocap heap diff"
fi
check "gocap heap diff refuses cores of two builds" \
	sh -c "! '$GOCAP' heap diff '$W/text-prof/core' '$W/text/core' 2> '$W/diff2.err' &&
	       cat '$W/diff2.err' && grep -q 'not of the same build' '$W/diff2.err'"

# A packaged server, live: Debian trixie's prometheus (stripped, Go 1.24,
# net/http/pprof linked in) scraping itself every 5 s.  Its own
# /debug/pprof/heap, fetched just before gocap heap allocs --pid and just
# after, is the oracle: equal sample for sample to one of them unless
# collections completed on both sides (a collection moves counts from a
# cycle in flight into the profile), so up to ten tries.  GOGC=1000: a
# young prometheus with the default collected every few MiB, and each
# profile served allocates more than one (a run lost all ten tries so).
# prom_prepare SUITE DIR INTERVAL: Debian SUITE's prometheus into the
# caller's prom, a free port into its port, and DIR/prom.yml that has it
# scrape itself every INTERVAL.
prom_prepare() {
	prom=$("$GOCD_TOP/scripts/fetch-debian-prog.sh" prometheus "$1" \
		usr/bin/prometheus) || return 1
	mkdir -p "$2"
	port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
	printf 'global:\n  scrape_interval: %s\nscrape_configs:\n  - job_name: self\n    static_configs:\n      - targets: ["127.0.0.1:%s"]\n' \
		"$3" "$port" > "$2/prom.yml"
}

# prom_get PORT PATH: what the prometheus at PORT serves at PATH.
prom_get() {
	python3 -c 'import sys, urllib.request
sys.stdout.buffer.write(urllib.request.urlopen(sys.argv[1], timeout=10).read())' \
		"http://127.0.0.1:$1$2"
}

# prom_ready PORT: wait (up to 60 s) until it says it is ready, then a
# few scrapes.
prom_ready() {
	local i
	for i in $(seq 60); do
		prom_get "$1" /-/ready > /dev/null 2>&1 && break
		sleep 1
	done
	sleep 5
}

field_prometheus() {
	local prom d=$W/prometheus pid port i
	prom_prepare trixie "$d" 5s || return 1
	GOGC=1000 "$prom" --config.file="$d/prom.yml" --storage.tsdb.path="$d/data" \
		--web.listen-address="127.0.0.1:$port" > "$d/prom.log" 2>&1 &
	pid=$!
	prom_ready "$port"
	for i in $(seq 10); do
		if ! { prom_get "$port" /debug/pprof/heap > "$d/want.pb" &&
			"$GOCAP" heap allocs --pid "$pid" -o "$d/got.pb" > "$d/allocs.out" 2>&1 &&
			prom_get "$port" /debug/pprof/heap > "$d/after.pb" &&
			pprof_raw want "$NEWEST" "$d" && pprof_raw got "$NEWEST" "$d" &&
			pprof_raw after "$NEWEST" "$d"; }; then
			cat "$d/allocs.out"
			continue
		fi
		# the profile served just before, or else just after
		for w in want after; do
			python3 "$T/pprofcmp.py" "$d/$w.raw" "$d/got.raw" > "$d/cmp" &&
				{ kill "$pid"; wait "$pid"; echo "$(tail -1 "$d/cmp"), the one served $w, try $i"; return 0; }
		done
		tail -3 "$d/cmp"
	done
	kill "$pid"
	wait "$pid"
	return 1
}
check "Debian trixie's prometheus, live: gocap heap allocs --pid is its /debug/pprof/heap" \
	field_prometheus

# prom_abort SUITE DIR: Debian SUITE's prometheus (into the caller's
# prom), scraping itself every second, aborted once ready: DIR/core.
prom_abort() {
	local pid port
	prom_prepare "$1" "$2" 1s || return 1
	(
		cd "$2" || exit 1
		ulimit -c unlimited
		echo 0x33 > /proc/self/coredump_filter
		GOTRACEBACK=crash exec "$prom" --config.file=prom.yml \
			--storage.tsdb.path=data \
			--web.listen-address="127.0.0.1:$port" > prom.log 2>&1
	) &
	pid=$!
	prom_ready "$port"
	kill -ABRT "$pid"
	wait "$pid" 2> /dev/null
	[ -s "$2/core" ] || { echo "no core"; tail -3 "$2/prom.log"; return 1; }
}

# A packaged server of Debian 12: bookworm's prometheus (Go 1.19,
# stripped, as every Go program bookworm ships; its -dbgsym not
# installed), scraping itself, then SIGABRT.  Before Go 1.22 and without
# DWARF the interface values found in untyped memory are the only type
# source (gocap heap types typed none of its bytes before them): they
# type over two fifths of its live bytes (54% in the runs of 2026-12-07,
# 66% after 25 s and 400 queries), every object counted once.
field_bookworm() {
	local prom d=$W/prom19
	prom_abort bookworm "$d" || return 1
	"$GOCAP" heap types --json --core "$d/core" --exe "$prom" \
		> "$d/types.json" 2> "$d/types.err" || { cat "$d/types.err"; return 1; }
	python3 - "$d/types.json" <<'EOF'
import json, sys
t = json.load(open(sys.argv[1]))
n = sum(r['objects'] for r in t['types'] + t['unknown'])
ty = t['typing']
print('%d objects, %d of %d bytes typed (%.1f%%), %d interface values found, %d carried, %d conflicts' %
      (t['objects'], t['typed_bytes'], t['bytes'], 100.0 * t['typed_bytes'] / t['bytes'],
       ty['interface_values'], ty['carried'], ty['conflicts']))
sys.exit(0 if n == t['objects'] and ty['dwarf_globals'] == 0 and
         5 * t['typed_bytes'] > 2 * t['bytes'] else 1)
EOF
}
check "Debian bookworm's prometheus (Go 1.19, stripped, no DWARF): gocap heap types types over two fifths of its live bytes from the interface values in its globals and untyped objects" \
	field_bookworm

# The mark drains its work list on four threads (gomark_par.c), and the
# dominators run on a thread of their own beside the types
# (gomark_dominators_begin): gocap built with ThreadSanitizer, on the
# cores of both prometheus releases (Go 1.19's arenas' bitmaps, Go 1.24's
# heap bits: spans of mixed objects, lookups on both sides), finds no
# race and prints the same as gocap, which ran with the span index
# read-only while the dominators ran (GOCD_HEAP_FREEZE: a write to it
# faults, where ThreadSanitizer may miss a store of the value already
# there).
tsan_retained() {
	local prom d sv
	make -C "$GOCD_TOP/userland" B="$GOCD_BUILD" tsan > "$W/tsan-build.log" 2>&1 ||
		{ tail -5 "$W/tsan-build.log"; return 1; }
	for sv in trixie:prom24 bookworm:prom19; do
		d=$W/${sv#*:}
		if [ -s "$d/core" ]; then	# field_bookworm's
			prom=$("$GOCD_TOP/scripts/fetch-debian-prog.sh" prometheus \
				"${sv%%:*}" usr/bin/prometheus) || return 1
		else
			prom_abort "${sv%%:*}" "$d" || return 1
		fi
		GOCD_HEAP_FREEZE=1 "$GOCAP" heap top --retained --json -n 200 \
			--core "$d/core" --exe "$prom" > "$d/top.json" || return 1
		GOCD_HEAP_THREADS=4 TSAN_OPTIONS="halt_on_error=1 exitcode=66" \
			"$GOCD_BUILD/tsan/gocap" \
			heap top --retained --json -n 200 --core "$d/core" --exe "$prom" \
			> "$d/tsan.json" 2> "$d/tsan.err" ||
			{ grep -A12 -m1 'WARNING: ThreadSanitizer' "$d/tsan.err" || tail -5 "$d/tsan.err"; return 1; }
		cmp "$d/top.json" "$d/tsan.json" || return 1
	done
	echo "no race, the same output on both cores"
}
check "gocap heap top --retained with ThreadSanitizer on Debian's prometheus (trixie, bookworm): the mark on four threads, the dominators beside the types, no race, the same output" \
	tsan_retained

# GOCD_HEAP_THREADS that is no number of threads: said, and the default
# taken (the same figures as the suite's run).
bad_threads() {
	local d=$W/$NEWEST-garbage b
	b=$(bin "$NEWEST" default) || return 1
	GOCD_HEAP_THREADS=lots "$GOCAP" heap --json --core "$d/core" --exe "$b" \
		> "$d/lots.json" 2> "$d/lots.err" || return 1
	grep 'GOCD_HEAP_THREADS=lots is not a number of threads' "$d/lots.err" &&
		cmp "$d/heap.json" "$d/lots.json"
}
check "GOCD_HEAP_THREADS=lots is refused with a message, and the mark runs as by default" \
	bad_threads

check "gocap heap allocs without -o is a usage error" \
	sh -c "'$GOCAP' heap allocs --core '$W/$NEWEST-default-prof/core' 2> '$W/noo.err'; [ \$? = 2 ] && cat '$W/noo.err'"

# Truncated cores (the kernel writes memory in address order: a cut takes
# whatever lies above it).
check "truncated cores, and corrupt ones: a clear error and exit 1, never a crash" \
	python3 - "$GOCAP" "$hd/core" "$b" "$W/cut" <<'EOF'
import subprocess, sys
gocap, core, exe, cut = sys.argv[1:]
# Every size from 1/8 of the core to 7/8: gocap heap never crashes; each
# cut core fails (exit 1) saying why, with the statistics it could read
# (the Ps' caches lie high, in what a cut takes first).
data = open(core, 'rb').read()
partial = 0
for k in range(1, 8):
    open(cut, 'wb').write(data[:len(data) * k // 8])
    r = subprocess.run([gocap, 'heap', '--core', cut, '--exe', exe],
                       capture_output=True, text=True)
    if r.returncode != 1 or 'gocap:' not in r.stderr:
        sys.exit('cut at %d/8: exit %d\n%s' % (k, r.returncode, r.stderr))
    if 'HeapAlloc' in r.stdout and "leave out the objects in the Ps' caches" in r.stderr:
        partial += 1
    # the heap profile: written whole (0), or partly / not at all (1, why)
    r = subprocess.run([gocap, 'heap', 'allocs', '--core', cut, '--exe', exe,
                        '-o', cut + '.pb'], capture_output=True, text=True)
    if r.returncode not in (0, 1) or (r.returncode and 'gocap:' not in r.stderr):
        sys.exit('heap allocs, cut at %d/8: exit %d\n%s' % (k, r.returncode, r.stderr))
    # the types: the mark needs every span; without them, exit 1 and why
    r = subprocess.run([gocap, 'heap', 'types', '--core', cut, '--exe', exe],
                       capture_output=True, text=True)
    if r.returncode != 1 or 'gocap:' not in r.stderr:
        sys.exit('heap types, cut at %d/8: exit %d\n%s' % (k, r.returncode, r.stderr))
# Corrupt, not cut: 64 KiB of noise at each eighth of the core (the heap's
# objects, spans, type descriptors alike): heap types says what it can,
# or exit 1 with why; never a crash.
import random
rnd = random.Random(14)
for k in range(1, 8):
    d = bytearray(data)
    o = len(d) * k // 8
    d[o:o + 65536] = bytes(rnd.getrandbits(8) for _ in range(65536))
    open(cut, 'wb').write(d)
    r = subprocess.run([gocap, 'heap', 'types', '--core', cut, '--exe', exe],
                       capture_output=True, text=True)
    if r.returncode not in (0, 1) or (r.returncode and 'gocap:' not in r.stderr):
        sys.exit('heap types, noise at %d/8: exit %d\n%s' % (k, r.returncode, r.stderr))
print('cut at 1/8 to 7/8: exit 1 with a message each, %d with partial statistics; heap types on cut and noisy cores: exit 0 or 1 with why' % partial)
sys.exit(0 if partial else 1)
EOF

echo "1..$N"
