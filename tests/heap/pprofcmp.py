#!/usr/bin/env python3
"""pprofcmp.py WANT.raw GOT.raw: compare two heap profiles as printed by
`go tool pprof -raw` (the program's own WriteHeapProfile, and gocap heap
allocs's from the core).

A sample is its four values, its "bytes" label and its stack flattened to
frames (function file:line and the function's start line), leaf first: runtime/pprof folds a return pc's
inlined frames into one location and gocap gives each its own, which
prints differently and means the same.  The samples must be equal as
multisets, but for those whose values are all zero: the core also holds
the buckets that the writing of the profile itself created after taking
its records, which have counted nothing yet (and show in no pprof view).
The periods must be equal too.  Exit 0 when they are, 1 with the
differences.
"""
import collections
import re
import sys


def parse(path, starts=True):
    period, samples, locs = None, [], {}
    section = None
    cur = None
    for line in open(path):
        line = line.rstrip('\n')
        if line.startswith('Period:'):
            period = int(line.split()[1])
        elif line == 'Samples:':
            section = 'samples'
        elif line == 'Locations':
            section = 'locs'
        elif line == 'Mappings':
            section = None
        elif section == 'samples':
            m = re.match(r'^\s+([-\d ]+):((?: \d+)*) ?$', line)
            if m:
                vals = tuple(int(v) for v in m.group(1).split())
                samples.append([vals, [int(x) for x in m.group(2).split()], ''])
                continue
            m = re.match(r'^\s+(\w+):\[(.*)\]$', line)
            if m and samples:
                samples[-1][2] += '%s=%s' % (m.group(1), m.group(2))
        elif section == 'locs':
            m = re.match(r'^\s*(\d+): (0x[0-9a-f]+) (?:M=\d+ )?(.*)$', line)
            if m:
                cur = int(m.group(1))
                locs[cur] = []
                rest = m.group(3)
            elif cur is not None and line.startswith('      '):
                rest = line.strip()
            else:
                continue
            fm = re.match(r'^(.+) (\S+?):(\d+)(?::\d+)? s=(-?\d+)$', rest)
            if fm:
                locs[cur].append('%s %s:%s' % fm.groups()[:3] +
                                 (' s=%s' % fm.group(4) if starts else ''))
            elif rest:
                locs[cur].append(rest)
    out = collections.Counter()
    for vals, ids, label in samples:
        if not any(vals):
            continue
        frames = tuple(f for i in ids for f in locs.get(i, ['?%d' % i]))
        out[(vals, label, frames)] += 1
    return period, out


def main():
    pw, want = parse(sys.argv[1])
    pg, got = parse(sys.argv[2])
    bad = []
    if pw != pg:
        bad.append('period: program %s, gocap %s' % (pw, pg))
    for k in sorted(set(want) | set(got)):
        if want[k] != got[k]:
            vals, label, frames = k
            bad.append('%s %s %s: program %d, gocap %d' %
                       (vals, label, ' < '.join(frames[:4]), want[k], got[k]))
    if not want:
        bad.append('the program\'s profile has no samples')
    print('\n'.join(bad[:20]))
    print('%d samples of %d equal, %d stacks, alloc_space %d, period %s' %
          (sum(want.values()) - len([b for b in bad if ': program' in b]),
           sum(want.values()), len(want),
           sum(k[0][1] * n for k, n in want.items()), pw))
    sys.exit(1 if bad else 0)


if __name__ == '__main__':
    main()
