#!/usr/bin/env python3
"""diffcmp.py A.raw B.raw DIFF.json: check gocap heap diff --json against
the difference of the programs' own heap profiles (`go tool pprof -raw`
of what each wrote just before its core was taken).

Each profile's samples are added up by stack (flattened frames, as
pprofcmp.py reads them); every stack whose four values differ from A to
B must be one of gocap's sites, with the same values in A and B, and
gocap must list no other.  Exit 0 when they agree, 1 with the
differences.

A frame is compared by function and line, not file: runtime/pprof gives
a function the file of the first of its locations it writes, so
main.init's line 8 (init2.go) is "main.go:8" in a profile that met one of
main.init's main.go lines first, which the sampling decides (seen in CI:
one program's profile said main.go:8, gocap's site init2.go:8).
"""
import collections
import json
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from pprofcmp import parse  # noqa: E402


def by_stack(path):
    acc = collections.defaultdict(lambda: [0, 0, 0, 0])
    for (vals, _label, frames), n in parse(path, starts=False)[1].items():
        for i in range(4):
            acc[frames][i] += vals[i] * n
    return acc


def no_files(frames):
    """The frames as function:line (see above)."""
    return tuple(re.sub(r' \S*:(\d+)$', r':\1', f) for f in frames)


def summed(acc):
    out = collections.defaultdict(lambda: [0, 0, 0, 0])
    for k, v in acc.items():
        out[no_files(k)] = [x + y for x, y in zip(out[no_files(k)], v)]
    return out


def main():
    a, b = summed(by_stack(sys.argv[1])), summed(by_stack(sys.argv[2]))
    d = json.load(open(sys.argv[3]))
    names = ['alloc_objects', 'alloc_space', 'inuse_objects', 'inuse_space']
    want = {}
    for k in set(a) | set(b):
        va, vb = a.get(k, [0] * 4), b.get(k, [0] * 4)
        if va != vb:
            want[k] = (va, vb)
    got = {}
    for s in d['sites']:
        k = no_files(s['frames'])
        va, vb = got.get(k, ([0] * 4, [0] * 4))
        got[k] = ([x + s['a'][n] for x, n in zip(va, names)],
                  [x + s['b'][n] for x, n in zip(vb, names)])
        if [s['delta'][n] for n in names] != \
           [s['b'][n] - s['a'][n] for n in names]:
            print('delta is not b - a: %s' % s['frames'][:2])
            sys.exit(1)
    bad = []
    for k in sorted(set(want) | set(got)):
        if want.get(k) != got.get(k):
            bad.append('%s: programs %s, gocap %s' %
                       (' < '.join(k[:3]), want.get(k), got.get(k)))
    print('\n'.join(bad[:20]))
    grown = sum(vb[3] - va[3] for va, vb in want.values())
    print('%d sites changed in both, in-use bytes %+d' % (len(want), grown))
    sys.exit(1 if bad or not want else 0)


if __name__ == '__main__':
    main()
