#!/usr/bin/env python3
"""group.py CHECK ARGS...: the triage suite's oracles (tests/triage/host.sh).

The runtime's own GOTRACEBACK=crash text is parsed here, independently of
gocap, and grouped by the rule gocap documents for --group: the same state
(status or wait reason, ", N minutes" and ", locked to thread" left out:
a bucket counts its locked members), the same frames as printed (function
and file:line, arguments and offsets ignored, the elision line in its
place), the same "created by" function and file:line (not the parent
goroutine).

Checks (each prints one line and exits 0 on success):
  pops STDERR STDOUT            the runtime's text shows each population the
                                program started ("pop NAME N" on its stdout)
                                at its size: the oracle reads what it must
  buckets STDERR GROUP_JSON     gocap's buckets equal the runtime's groups:
                                the same member ids (and id ranges), the
                                same signature and locked count for each,
                                crashed first then by size
  text GROUP_TXT GROUP_JSON     the text of --group has the JSON's buckets,
                                in its order (count, state, id ranges)
  pp RT_PP GOCAP_PP GROUP_JSON  panicparse's buckets of the runtime's text
                                and of gocap's text are the same, and agree
                                with gocap's buckets (count, state, creator)
  ids STDERR JSON FUNC_RE       gocap's goroutines (--json, filtered; or
                                the members of --group --json's buckets)
                                are exactly the runtime's goroutines with a
                                frame matching FUNC_RE (file:RE: its file)
  waits STDERR STDOUT WAITS_JSON
                                gocap goroutines --waits places every
                                channel population on the channel(s) the
                                program printed ("obj NAME 0x..."), with
                                exactly its members, the kind of wait, and
                                the queue lengths the population makes,
                                and the mutex, RWMutex and WaitGroup
                                populations on the objects printed (or
                                their semaphores); every runtime goroutine
                                in a channel or semaphore wait is placed,
                                and nothing else is but where the
                                traceback's chanrecv/chansend argument
                                says so; no other stack holds the leaked
                                channel nor the one only a dead slot of
                                deadref's stack has, the holder's and
                                localholder's hold theirs (the stack
                                maps);
                                the Cond population on the sync.Cond
                                printed, with its list's length; every
                                sleeper on the one sleep object, waking
                                within the hour it slept for; each net
                                reader alone on a netpoll read of one of
                                the descriptors printed ("fd net N ...")
  waitstext WAITS_TXT WAITS_JSON
                                the text of --waits has the JSON's objects,
                                in its order (channels, sync object
                                address, count, id ranges)
"""
import json
import re
import sys
from collections import Counter

HEADER = re.compile(r'^goroutine (\d+)(?: gp=0x[0-9a-f]+ m=(?:nil|\?|\d+)(?: mp=0x[0-9a-f]+)?)? '
                    r'\[(.*?)\]( \{.*\})?:$')
FILELINE = re.compile(r'^\t(.*):(\d+)(?: \+0x[0-9a-f]+)?(?: fp=.*)?$')
MINUTES = re.compile(r', \d+ minutes')


def parse(text):
    """{goid: goroutine dict} of the runtime's traceback text."""
    lines = text.split('\n')
    gs = {}
    cur = None
    i = 0
    while i < len(lines):
        ln = lines[i]
        m = HEADER.match(ln)
        if m:
            st = MINUTES.sub('', m.group(2))
            st = re.sub(r' labels:\{.*\}', '', st)
            locked = ', locked to thread' in st
            st = st.replace(', locked to thread', '')
            cur = {'goid': int(m.group(1)), 'state': st, 'locked': locked,
                   'frames': [], 'created': None, 'unavailable': False}
            if cur['goid'] != 0:
                gs[cur['goid']] = cur
            i += 1
            continue
        if cur is None or ln == '':
            if ln == '':
                cur = None
            i += 1
            continue
        if ln.startswith('\tgoroutine running on other thread'):
            cur['unavailable'] = True
            i += 1
            continue
        if ln.startswith('...') and ln.endswith('elided...'):
            cur['frames'].append(('ELIDED', ln))
            i += 1
            continue
        nxt = lines[i + 1] if i + 1 < len(lines) else ''
        m2 = FILELINE.match(nxt)
        if ln.startswith('created by ') and m2:
            fn = re.sub(r' in goroutine \d+$', '', ln[len('created by '):])
            cur['created'] = (fn, m2.group(1), int(m2.group(2)))
            i += 2
            continue
        if m2 and ln.endswith(')'):
            cur['frames'].append((ln[:ln.rfind('(')], '%s:%s' % (m2.group(1), m2.group(2))))
            i += 2
            continue
        i += 1
    return gs


def sig(g):
    return (g['state'], tuple(g['frames']), g['created'])


def runtime_groups(gs):
    groups = {}
    for g in gs.values():
        groups.setdefault(sig(g), set()).add(g['goid'])
    return groups


def printed_name(f):
    """The runtime prints runtime.gopanic as "panic" (printFuncName)."""
    return 'panic' if f == 'runtime.gopanic' else f


def bucket_sig(b):
    frames = []
    for k, f in enumerate(b['frames']):
        if b['elided'] and k == b['elided']['before']:
            frames.append(('ELIDED', b['elided']['text']))
        frames.append((printed_name(f['function']), '%s:%d' % (f['file'], f['line'])))
    if b['elided'] and b['elided']['before'] >= len(b['frames']):
        frames.append(('ELIDED', b['elided']['text']))
    c = b['created_by']
    created = (c['function'], c['file'], c['line']) if c else None
    return (b['state'], tuple(frames), created)


def ranges(text):
    """The ids of "1, 5-9, 12"."""
    out = []
    for r in text.split(', '):
        lo, _, hi = r.partition('-')
        out.extend(range(int(lo), int(hi or lo) + 1))
    return out


def check_buckets(stderr, group_json):
    gs = parse(open(stderr, errors='replace').read())
    rt = runtime_groups(gs)
    d = json.load(open(group_json))
    problems = []
    seen = set()
    for b in d['buckets']:
        s = bucket_sig(b)
        ids = set(b['goids'])
        if len(ids) != b['count']:
            problems.append('bucket %r: count %d but %d ids' % (b['state'], b['count'], len(ids)))
        if ranges(b['goid_ranges']) != sorted(ids):
            problems.append('bucket %r: goid_ranges %r are not its ids %s' % (
                b['state'], b['goid_ranges'], sorted(ids)[:8]))
        if s not in rt:
            problems.append('gocap bucket %r (%s) is not a runtime group' % (b['state'], b['goid_ranges']))
            continue
        if rt[s] != ids:
            problems.append('bucket %r: gocap %s, runtime %s' % (
                b['state'], sorted(ids)[:8], sorted(rt[s])[:8]))
        locked = sum(1 for i in rt[s] if gs[i]['locked'])
        if locked != b['locked_to_thread']:
            problems.append('bucket %r (%s): %d locked to thread, runtime %d' % (
                b['state'], b['goid_ranges'], b['locked_to_thread'], locked))
        seen.add(s)
    for s, ids in rt.items():
        if s not in seen:
            problems.append('runtime group %r of %d (%s...) has no gocap bucket' % (
                s[0], len(ids), sorted(ids)[:5]))
    # Order: the crashed goroutine's bucket first, then by size.
    counts = [b['count'] for b in d['buckets']]
    if not d['buckets'] or not d['buckets'][0]['crashed']:
        problems.append('the first bucket is not the crashed one')
    elif counts[1:] != sorted(counts[1:], reverse=True):
        problems.append('buckets not sorted by count: %s' % counts)
    print('%d runtime groups, %d gocap buckets, %d goroutines: %s' % (
        len(rt), len(d['buckets']), len(gs), 'equal' if not problems else 'DIFFER'))
    for p in problems[:8]:
        print('  ' + p)
    return not problems


POPS = {
    'leak': 'main.leakRecv', 'held': 'main.heldSend', 'holder': 'main.holder',
    'mutex': 'main.mutexWait', 'mutexes': 'main.ownMutexWait',
    'rwmutex': 'main.rwWait', 'wg': 'main.wgWait',
    'cond': 'main.condWait', 'select': 'main.selectTwo',
    'sleep+sleep2': 'main.sleeper', 'twoways1+twoways2': 'main.twoWays',
    'locked1+locked2': 'main.lockedRecv',
    'deep': 'main.recurse', 'net': 'main.netRead', 'ticker': 'main.tickerWait',
    'deadrecv': 'main.deadRecv', 'deadref': 'main.deadRef',
    'localholder': 'main.localHold', 'localheld': 'main.localSend',
    'caserecv': 'main.caseRecv', 'casesend': 'main.caseSend',
}


def members(gs, func):
    return {g['goid'] for g in gs.values() if any(f[0] == func for f in g['frames'])}


def check_pops(stderr, stdout):
    gs = parse(open(stderr, errors='replace').read())
    pop = {}
    for ln in open(stdout):
        w = ln.split()
        if len(w) == 3 and w[0] == 'pop':
            pop[w[1]] = int(w[2])
    problems = []
    names = set()
    for name, func in POPS.items():
        n = len(members(gs, func))
        names.update(name.split('+'))
        want = sum(pop.get(k, -1) for k in name.split('+'))
        if n != want:
            problems.append('%s: the runtime shows %d goroutines in %s, the program started %s' % (
                name, n, func, want))
    if names != set(pop):
        problems.append('populations: the program started %s, the test knows %s' % (
            sorted(pop), sorted(names)))
    print('%d populations, %d goroutines in the runtime\'s text%s' % (
        len(pop), len(gs), ': DIFFER' if problems else ''))
    for p in problems[:8]:
        print('  ' + p)
    return not problems


TEXT_BUCKET = re.compile(r'^(\d+) goroutines? \[(.*?)(?:, \d+(?:-\d+)? minutes)?(?:, (\d+) locked to thread)?\]: (.*)$')


def check_text(group_txt, group_json):
    d = json.load(open(group_json))
    want = [(b['count'], b['state'], b['locked_to_thread'], b['goid_ranges']) for b in d['buckets']]
    got = []
    for ln in open(group_txt):
        m = TEXT_BUCKET.match(ln.rstrip('\n'))
        if m:
            got.append((int(m.group(1)), m.group(2), int(m.group(3) or 0), m.group(4)))
    ok = got == want and want
    print('%d buckets in the text, %d in the JSON: %s' % (len(got), len(want), 'the same' if ok else 'DIFFER'))
    if not ok:
        k = next((k for k in range(min(len(got), len(want))) if got[k] != want[k]), min(len(got), len(want)))
        print('  first difference at bucket %d: text %s, JSON %s' % (
            k, got[k] if k < len(got) else None, want[k] if k < len(want) else None))
    return ok


PP_BUCKET = re.compile(r'^(\d+): (.*?)(?: \[(\d+(?:~\d+)? minutes)\])?( \[locked\])?'
                       r'(?: \[Created by (.*) @ (.*)\])?$')


GOEXIT = re.compile(r' goexit\(.*\)$')


def parse_pp(path):
    """panicparse's buckets: Counter of (count, state, locked, creator,
    frames, cut).

    panicparse 2.3 stops reading a stack at an elision line in its middle
    (the runtime's "...N frames elided..." of Go 1.21 and later) and prints
    the rest as it came: such a bucket, with no creator and a stack that
    does not end in goexit, is marked cut.
    """
    out = []
    cur = None
    for ln in open(path, errors='replace'):
        ln = ln.rstrip('\n')
        m = PP_BUCKET.match(ln)
        if m:
            cr = re.sub(r' in goroutine \d+$', '', m.group(5)) if m.group(5) else None
            cur = [int(m.group(1)), m.group(2), bool(m.group(4)), cr, [], False]
            out.append(cur)
            continue
        if cur is not None and ln.startswith('    '):
            cur[4].append(' '.join(ln.split()))
        else:
            cur = None
    for b in out:
        b[5] = b[3] is None and not (b[4] and GOEXIT.search(b[4][-1]))
    return Counter((c, s, lk, cr, tuple(f), k) for c, s, lk, cr, f, k in out)


def check_pp(rt_pp, gc_pp, group_json):
    a, b = parse_pp(rt_pp), parse_pp(gc_pp)
    d = json.load(open(group_json))
    problems = []
    if not a:
        problems.append('panicparse found no bucket in the runtime\'s text')
    if a != b:
        problems.append('panicparse: only runtime %s; only gocap %s' % (
            list((a - b).items())[:3], list((b - a).items())[:3]))
    # gocap's buckets against panicparse's: count, state, creator; the
    # goroutines whose stack panicparse cut are counted apart.
    def middle_elided(x):
        return x['elided'] and x['elided']['before'] < len(x['frames'])
    ours = Counter((x['count'], x['state'], x['locked_to_thread'] > 0,
                    x['created_by']['function'] if x['created_by'] else None)
                   for x in d['buckets'] if not middle_elided(x))
    ours_cut = sum(x['count'] for x in d['buckets'] if middle_elided(x))
    theirs = Counter((c, s, lk, cr) for (c, s, lk, cr, f, k), n in a.items() if not k for _ in range(n))
    theirs_cut = sum(c * n for (c, s, lk, cr, f, k), n in a.items() if k)
    if ours != theirs:
        problems.append('gocap vs panicparse: only gocap %s; only panicparse %s' % (
            list((ours - theirs).items())[:4], list((theirs - ours).items())[:4]))
    if ours_cut != theirs_cut:
        problems.append('goroutines with a stack elided in its middle: gocap %d, panicparse %d' % (
            ours_cut, theirs_cut))
    print('panicparse: %d buckets of the runtime\'s text, %d of gocap\'s, gocap %d (%d goroutines cut by panicparse): %s' % (
        sum(a.values()), sum(b.values()), len(d['buckets']), theirs_cut,
        'agree' if not problems else 'DIFFER'))
    for p in problems[:6]:
        print('  ' + p)
    return not problems


def check_ids(stderr, goroutines_json, func_re):
    gs = parse(open(stderr, errors='replace').read())
    # "file:RE" matches a frame's file (of "file:line"), else its function.
    k, r = (1, re.compile(func_re[5:])) if func_re.startswith('file:') else (0, re.compile(func_re))

    def match(f):
        return f[0] != 'ELIDED' and r.search(f[1].rsplit(':', 1)[0] if k else f[0])
    want = {g['goid'] for g in gs.values() if any(match(f) for f in g['frames'])}
    d = json.load(open(goroutines_json))
    if 'buckets' in d:
        got = {i for b in d['buckets'] for i in b['goids']}
    else:
        got = {g['goid'] for g in d['goroutines'] if 'goid' in g}
    print('filter %r: gocap %d goroutines, runtime %d%s' % (
        func_re, len(got), len(want), '' if got == want else ': DIFFER'))
    if got != want:
        print('  only gocap %s, only runtime %s' % (sorted(got - want)[:8], sorted(want - got)[:8]))
    return got == want and want


# obj NAME: (populations on it, kind, receivers' and senders' populations)
WAITS = {
    'leak': (['leak'], 'chan receive', ['leak'], []),
    'held': (['held'], 'chan send', [], ['held']),
    'localheld': (['localheld'], 'chan send', [], ['localheld']),
    'select': (['select'], 'select', ['select'], []),
    'twoways': (['twoways1+twoways2'], 'chan receive', ['twoways1', 'twoways2'], []),
    'locked': (['locked1+locked2'], 'chan receive', ['locked1', 'locked2'], []),
    'deep': (['deep'], 'chan receive', ['deep'], []),
    'ticker': (['ticker'], 'chan receive', ['ticker'], []),
    'deadrecv': (['deadrecv'], 'chan receive', ['deadrecv'], []),
    'caseout': (['caserecv'], 'chan receive', ['caserecv'], []),
    'casesel': (['casesend'], 'select', ['casesend'], []),
}
# obj NAME: (population, kind, offset of its semaphore): the sync type when
# the wait reason names it, else (Go 1.19-1.22's "semacquire") the
# semaphore inside it
SYNCS = {
    'mutex': ('mutex', 'sync.Mutex', 4),
    'rwmutex': ('rwmutex', 'sync.RWMutex (RLock)', 12),
    'wg': ('wg', 'sync.WaitGroup', 8),
}
SEMA_STATES = ('semacquire', 'sync.Mutex.Lock', 'sync.RWMutex.RLock', 'sync.RWMutex.Lock',
               'sync.WaitGroup.Wait')
# obj NAME: population, for the objects gocap finds on the goroutine's
# own stack (a sync.Cond: its notifyList is reached from no table)
CONDS = {'cond': 'cond'}
HOUR_NS = 3600 * 10**9


CHANARG = re.compile(r'^runtime\.chan(?:recv|send)\((0x[0-9a-f]+),')
SEMAARG = re.compile(r'^runtime\.semacquire1\((0x[0-9a-f]+),')
# sync.runtime_notifyListWait(l *notifyList, t uint32): l is &c.notify
NOTIFYARG = re.compile(r'^sync\.runtime_notifyListWait\((0x[0-9a-f]+),')
COND_NOTIFY = 16


def chan_args(text, pattern=CHANARG):
    """{goid: address} where the traceback shows runtime.chanrecv or
    runtime.chansend (or what pattern matches) with a precise first
    argument."""
    out, goid = {}, None
    for ln in text.split('\n'):
        m = HEADER.match(ln)
        if m:
            goid = int(m.group(1))
            continue
        m = pattern.match(ln)
        if m and goid is not None and goid not in out:
            out[goid] = int(m.group(1), 16)
    return out


def check_waits(stderr, stdout, waits_json):
    gs = parse(open(stderr, errors='replace').read())
    pop, objs, fds, tickcap = {}, {}, {}, None
    for ln in open(stdout):
        w = ln.split()
        if len(w) == 3 and w[0] == 'pop':
            pop[w[1]] = int(w[2])
        elif len(w) >= 3 and w[0] == 'obj':
            objs[w[1]] = sorted(int(a, 16) for a in w[2:])
        elif len(w) >= 2 and w[0] == 'fd':
            fds[w[1]] = sorted(int(a) for a in w[2:])
        elif len(w) == 2 and w[0] == 'tickcap':
            tickcap = int(w[1])
    d = json.load(open(waits_json))
    known = [o for o in d['objects'] if o['kind'] != 'unknown']
    by_chans = {tuple(sorted(int(c['address'], 16) for c in o['channels'])): o for o in known}
    problems = []
    # A live process ("triage park", read by gocap snapshot): main waits
    # on the channel of os/signal it printed, and os/signal's runtime
    # helper (ensureSigM) on a select of the runtime's own.
    park = objs.pop('park', None)
    if set(objs) != set(WAITS) | set(SYNCS) | set(CONDS):
        problems.append('the program printed objects %s, the test knows %s' % (
            sorted(objs), sorted(set(WAITS) | set(SYNCS) | set(CONDS))))
    by_addr = {(o['kind'], int(o['address'], 16)): o for o in known if o['address']}
    sync_placed = set()
    for name, (popname, kind, off) in sorted(SYNCS.items()):
        a = objs.get(name, [0])[0]
        o = by_addr.get((kind, a)) or by_addr.get(('semaphore', a + off))
        want = members(gs, POPS[popname])
        if o is None:
            problems.append('%s: neither %s at %#x nor a semaphore at %#x' % (name, kind, a, a + off))
            continue
        got = set(o['goids'])
        sync_placed |= got
        if got != want:
            problems.append('%s: gocap %d goroutines, runtime %d: only gocap %s, only runtime %s' % (
                name, len(got), len(want), sorted(got - want)[:6], sorted(want - got)[:6]))
        if int(o['semaphore'], 16) != a + off:
            problems.append('%s: semaphore %s, not %#x' % (name, o['semaphore'], a + off))
        if o['kind'] == 'sync.Mutex' and (o['locked'], o['waiters']) != (True, len(want)):
            problems.append('%s: locked %s with %s waiters, not locked with %d' % (
                name, o['locked'], o['waiters'], len(want)))
    for name, popname in sorted(CONDS.items()):
        a = objs.get(name, [0])[0]
        o = by_addr.get(('sync.Cond', a))
        want = members(gs, POPS[popname])
        if o is None:
            problems.append('%s: no sync.Cond at %#x' % (name, a))
            continue
        got = set(o['goids'])
        sync_placed |= got
        if got != want or o['waiters'] != len(want):
            problems.append('%s: gocap %d goroutines (%s on its list), runtime %d: only gocap %s, only runtime %s' % (
                name, len(got), o['waiters'], len(want), sorted(got - want)[:6], sorted(want - got)[:6]))
    # Every sleeper on the one sleep object, waking within the hour it
    # slept for (time.Sleep(time.Hour)), the wake-ups close together.
    sleepers = members(gs, POPS['sleep+sleep2']) | members(gs, POPS['holder']) | \
        members(gs, POPS['deadref']) | members(gs, POPS['localholder'])
    sleep_states = {g['goid'] for g in gs.values() if g['state'] == 'sleep'}
    so = [o for o in known if o['kind'] == 'sleep']
    if len(so) != 1 or set(so[0]['goids']) != sleep_states or not sleepers <= sleep_states:
        problems.append('sleep: %d objects with %s, the runtime %d sleepers (%d of the program)' % (
            len(so), [o['count'] for o in so], len(sleep_states), len(sleepers)))
    else:
        sl = so[0]['sleep']
        u = sl['until_ns']
        if not 0 <= u[1] - u[0] < 60 * 10**9:
            problems.append('sleep: wake-ups %s ns apart, not within a minute' % (u[1] - u[0]))
        # (up to a second over the hour: without the module's note the
        # crash's time is the core's latest time, which can be a few
        # milliseconds early; gonow.h)
        if sl['left_ns'] is not None and not (HOUR_NS - 10 * 60 * 10**9 < sl['left_ns'][0]
                                              <= sl['left_ns'][1] <= HOUR_NS + 10**9):
            problems.append('sleep: waking %s ns after the crash, not within the hour slept for' % sl['left_ns'])
        sync_placed |= set(so[0]['goids'])
    # Each net reader alone on a netpoll read of a descriptor printed.
    readers = members(gs, POPS['net'])
    io_states = {g['goid'] for g in gs.values() if g['state'] == 'IO wait'}
    no = [o for o in known if o['kind'] in ('netpoll read', 'netpoll write')]
    got = {i for o in no for i in o['goids']}
    if got != io_states or readers != io_states or any(
            o['count'] != 1 or o['kind'] != 'netpoll read' for o in no) or \
            sorted(o['fd'] for o in no) != fds.get('net'):
        problems.append('net: %s, not one netpoll read per reader %s on the descriptors %s' % (
            [(o['kind'], o['fd'], o['goids']) for o in no][:6], sorted(readers), fds.get('net')))
    sync_placed |= got
    placed = set()
    for name, (pops, kind, recv, send) in sorted(WAITS.items()):
        o = by_chans.get(tuple(objs.get(name, [])))
        want = set().union(*(members(gs, POPS[p]) for p in pops))
        if o is None:
            problems.append('%s: no object for %s' % (name, [hex(a) for a in objs.get(name, [])]))
            continue
        got = set(o['goids'])
        placed |= got
        if got != want:
            problems.append('%s: gocap %d goroutines, runtime %d: only gocap %s, only runtime %s' % (
                name, len(got), len(want), sorted(got - want)[:6], sorted(want - got)[:6]))
        if o['kind'] != kind:
            problems.append('%s: kind %r, not %r' % (name, o['kind'], kind))
        nr, ns = sum(pop.get(p, -1) for p in recv), sum(pop.get(p, -1) for p in send)
        for c in o['channels']:
            # A Ticker's channel has a buffer of one, unless the runtime
            # feeds it synchronously (Go 1.23 on, without GODEBUG
            # asynctimerchan=1): then it says cap 0, and gocap with it.
            # The program printed what cap() said.
            cap = tickcap if name == 'ticker' else 0
            if (c['in_core'], c['cap'], c['len'], c['closed'], c['receivers'], c['senders']) != \
                    (True, cap, 0, False, nr, ns):
                problems.append('%s: channel %s: %s, not of cap %s, empty, open, %d receivers, %d senders' % (
                    name, c['address'], c, cap, nr, ns))
            # Its timer (hchan.timer, Go 1.23 on) fires within the hour of
            # the Ticker; no other channel has one, nor the Ticker's when
            # its runtime feeds it the old way.
            new = int(re.match(r'go1\.(\d+)', d['go_version']).group(1)) >= 23
            t = c['timer']
            if name == 'ticker' and tickcap == 0:
                if not t or t['when_ns'] is None or (t['left_ns'] is not None and not (
                        HOUR_NS - 10 * 60 * 10**9 < t['left_ns'] <= HOUR_NS + 10**9)):
                    problems.append('ticker: timer %s, not one firing within the hour' % t)
            elif t is not (False if new else None):
                problems.append('%s: channel %s: timer %s, not %s' % (
                    name, c['address'], t, False if new else None))
    # The stack search: nothing but its receivers holds the leaked channel;
    # the holder goroutine's stack holds the channel the senders wait on.
    chan_at = {c['address']: c for o in known for c in o['channels']}
    leak = chan_at.get(hex(objs.get('leak', [0])[0]))
    held = chan_at.get(hex(objs.get('held', [0])[0]))
    holder = members(gs, POPS['holder'])
    if not leak or leak['stack_holders'] != {'count': 0, 'goids': []}:
        problems.append('leak: the stacks holding it: %s, not none' % (leak or {}).get('stack_holders'))
    # The stack maps: deadref's stack still has the channel in a slot its
    # function no longer uses, which a scan of every word would count.
    dead = chan_at.get(hex(objs.get('deadrecv', [0])[0]))
    if not dead or dead['stack_holders'] != {'count': 0, 'goids': []}:
        problems.append('deadrecv: the stacks holding it: %s (deadref %s), not none' % (
            (dead or {}).get('stack_holders'), sorted(members(gs, POPS['deadref']))))
    if not d['stack_scan']['frames_by_map']:
        problems.append('no frame was read through its stack maps: %s' % d['stack_scan'])
    if not held or not held['stack_holders'] or not holder <= set(held['stack_holders']['goids']):
        problems.append('held: the stacks holding it: %s, not the holder %s' % (
            (held or {}).get('stack_holders'), sorted(holder)))
    # The same, the channel kept in a local variable, not an argument.
    lheld = chan_at.get(hex(objs.get('localheld', [0])[0]))
    lholder = members(gs, POPS['localholder'])
    if not lheld or not lheld['stack_holders'] or \
            not lholder <= set(lheld['stack_holders']['goids']):
        problems.append('localheld: the stacks holding it: %s, not the holder %s' % (
            (lheld or {}).get('stack_holders'), sorted(lholder)))
    # A dead stack object, unlike a dead slot, is searched whole: casesend's
    # inner select case array from its last pass names the channel it
    # offers there (the collector would not scan it; gocap heap does not).
    cout = chan_at.get(hex(objs.get('caseout', [0])[0]))
    csend = members(gs, POPS['casesend'])
    if not cout or not csend or not csend <= set((cout.get('stack_holders') or {}).get('goids', [])):
        problems.append('caseout: the stacks holding it: %s, not casesend %s' % (
            (cout or {}).get('stack_holders'), sorted(csend)))
    # mutexes: each on a sync.Mutex (or semaphore) of its own.
    own = members(gs, POPS['mutexes'])
    mine = [o for o in known if set(o['goids']) & own]
    if {i for o in mine for i in o['goids']} != own or any(
            o['count'] != 1 or o['kind'] not in ('sync.Mutex', 'semaphore') for o in mine):
        problems.append('mutexes: %d goroutines on %d objects, not each alone on a mutex of its own: %s' % (
            len(own), len(mine), [(o['kind'], o['count']) for o in mine if o['count'] != 1][:4]))
    sync_placed |= own
    chan_states = {g['goid'] for g in gs.values() if g['state'] in ('chan receive', 'chan send', 'select')}
    sema_states = {g['goid'] for g in gs.values() if g['state'] in SEMA_STATES}
    all_known = {i for o in known for i in o['goids']}
    if chan_states - all_known:
        problems.append('runtime goroutines in channel waits not placed: %s' % sorted(chan_states - all_known)[:8])
    if sema_states - all_known:
        problems.append('runtime goroutines in semaphore waits not placed: %s' % sorted(sema_states - all_known)[:8])
    placed |= sync_placed
    if park:
        o = by_chans.get(tuple(park))
        if not o or o['kind'] != 'chan receive' or 1 not in o['goids']:
            problems.append('park: main is not on the channel it printed (%s)' % [hex(a) for a in park])
        else:
            placed |= {1}
        placed |= {i for i, g in gs.items()
                   if any(f[0] == 'runtime.ensureSigM.func1' for f in g['frames'])}
    # The runtime's own channel waiters (Go 1.24's unique cleanup, ...):
    # the traceback's runtime.chanrecv/chansend shows the hchan as its first
    # argument when it is precise (no "?"); every placement it shows agrees.
    text = open(stderr, errors='replace').read()
    shown = chan_args(text)
    where = {i: o for o in known for i in o['goids']}
    checked = 0
    for goid, addr in shown.items():
        o = where.get(goid)
        if o is None or o['kind'] not in ('chan receive', 'chan send'):
            continue
        checked += 1
        if int(o['channels'][0]['address'], 16) != addr:
            problems.append('goroutine %d: on %s, the runtime shows %#x' % (goid, o['channels'][0]['address'], addr))
    # And runtime.semacquire1's first argument is the semaphore.
    for goid, addr in chan_args(text, SEMAARG).items():
        o = where.get(goid)
        if o is None or not o['semaphore']:
            continue
        checked += 1
        shown[goid] = addr
        if int(o['semaphore'], 16) != addr:
            problems.append('goroutine %d: semaphore %s, the runtime shows %#x' % (goid, o['semaphore'], addr))
    # And sync.runtime_notifyListWait's first argument is the Cond's list.
    for goid, addr in chan_args(text, NOTIFYARG).items():
        o = where.get(goid)
        if o is None or o['kind'] != 'sync.Cond':
            continue
        checked += 1
        if int(o['address'], 16) + COND_NOTIFY != addr:
            problems.append('goroutine %d: sync.Cond %s, the runtime shows its list at %#x' % (
                goid, o['address'], addr))
    unshown = sorted(i for i in all_known - placed if i not in shown)
    if unshown:
        problems.append('goroutines placed on objects neither the program nor the runtime shows: %s' % unshown[:8])
    unknown = sum(o['count'] for o in d['objects'] if o['kind'] == 'unknown')
    if d['blocked'] != len(all_known) + unknown or d['blocked_known'] != len(all_known):
        problems.append('blocked %d, known %d: not what the objects add up to (%d + %d)' % (
            d['blocked'], d['blocked_known'], len(all_known), unknown))
    print('%d objects, %d goroutines placed (%d of them as the traceback\'s chanrecv/chansend/semacquire1/notifyListWait argument), %d unknown: %s' % (
        len(known), len(all_known), checked, unknown, 'as the program printed' if not problems else 'DIFFER'))
    for p in problems[:8]:
        print('  ' + p)
    return not problems


def check_waitstext(waits_txt, waits_json):
    d = json.load(open(waits_json))
    want = []
    for o in d['objects']:
        chans = tuple('%s %s %s %s %s %s' % (c['address'], c['cap'], c['len'], c['closed'],
                                             c['receivers'], c['senders']) for c in o['channels'])
        want.append((o['kind'], chans, o['address'], o['count'], o['goid_ranges']))
    got, chans, addr = [], [], None
    sync = re.compile(r'^(?:sync\.\w+|semaphore) (0x[0-9a-f]+)(?: \(.*\))?$'
                      r'|^netpoll fd \d+ \((?:read|write)\), pollDesc (0x[0-9a-f]+)$')
    chan = re.compile(r'^\s*chan (0x[0-9a-f]+) \(cap (\d+), len (\d+)(, closed)?\): '
                      r'(\d+) receivers?, (\d+) senders?(?:; a timer\'s, .*)?$')
    members_ = re.compile(r'^\t(\d+) goroutines? \[(.*?)\]: (.*)$')
    for ln in open(waits_txt).read().split('\n'):
        m = chan.match(ln)
        if m:
            chans.append('%s %s %s %s %s %s' % (m.group(1), m.group(2), m.group(3),
                                                bool(m.group(4)), m.group(5), m.group(6)))
            continue
        m = sync.match(ln)
        if m:
            addr = m.group(1) or m.group(2)
            continue
        m = members_.match(ln)
        if m:
            got.append((m.group(2), tuple(chans), addr, int(m.group(1)), m.group(3)))
            chans, addr = [], None
    ok = got == want
    print('%d objects in the text, %d in the JSON: %s' % (len(got), len(want), 'the same' if ok else 'DIFFER'))
    for a, b in [(a, b) for a, b in zip(got, want) if a != b][:4]:
        print('  text %s\n  json %s' % (a, b))
    return ok


def main():
    checks = {'pops': check_pops, 'buckets': check_buckets, 'text': check_text,
              'pp': check_pp, 'ids': check_ids, 'waits': check_waits,
              'waitstext': check_waitstext}
    sys.exit(0 if checks[sys.argv[1]](*sys.argv[2:]) else 1)


if __name__ == '__main__':
    main()
