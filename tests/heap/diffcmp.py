#!/usr/bin/env python3
"""diffcmp.py A.raw B.raw DIFF.json: check gocap heap diff --json against
the difference of the programs' own heap profiles (`go tool pprof -raw`
of what each wrote just before its core was taken).

Each profile's samples are added up by stack (flattened frames, as
pprofcmp.py reads them); every stack whose four values differ from A to
B must be one of gocap's sites, with the same values in A and B, and
gocap must list no other.  Exit 0 when they agree, 1 with the
differences.
"""
import collections
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from pprofcmp import parse  # noqa: E402


def by_stack(path):
    acc = collections.defaultdict(lambda: [0, 0, 0, 0])
    for (vals, _label, frames), n in parse(path, starts=False)[1].items():
        for i in range(4):
            acc[frames][i] += vals[i] * n
    return acc


def main():
    a, b = by_stack(sys.argv[1]), by_stack(sys.argv[2])
    d = json.load(open(sys.argv[3]))
    names = ['alloc_objects', 'alloc_space', 'inuse_objects', 'inuse_space']
    want = {}
    for k in set(a) | set(b):
        va, vb = a.get(k, [0] * 4), b.get(k, [0] * 4)
        if va != vb:
            want[k] = (va, vb)
    got = {}
    for s in d['sites']:
        got[tuple(s['frames'])] = ([s['a'][n] for n in names],
                                   [s['b'][n] for n in names])
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
