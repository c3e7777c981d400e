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
    'mutex': 'main.mutexWait', 'rwmutex': 'main.rwWait', 'wg': 'main.wgWait',
    'cond': 'main.condWait', 'select': 'main.selectTwo',
    'sleep+sleep2': 'main.sleeper', 'twoways1+twoways2': 'main.twoWays',
    'locked1+locked2': 'main.lockedRecv',
    'deep': 'main.recurse', 'net': 'main.netRead',
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


def main():
    checks = {'pops': check_pops, 'buckets': check_buckets, 'text': check_text,
              'pp': check_pp, 'ids': check_ids}
    sys.exit(0 if checks[sys.argv[1]](*sys.argv[2:]) else 1)


if __name__ == '__main__':
    main()
