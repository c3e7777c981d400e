#!/usr/bin/env python3
# check-mutants.py TOP: every mutant of every tests/*/mutants.table still
# applies to the code it was written against (scripts/mutate.py's test: the
# expression changes the file).  A mutant that no longer applies tests
# nothing, and only a run of that suite's mutants (hours, some in VMs)
# would say so.
import glob
import os
import re
import sys

top = sys.argv[1]
bad = n = 0
for table in sorted(glob.glob(os.path.join(top, 'tests', '*', 'mutants.table'))):
    for i, line in enumerate(open(table), 1):
        line = line.rstrip('\n')
        if not line or line.startswith('#'):
            continue
        where = '%s:%d' % (os.path.relpath(table, top), i)
        f = line.split('~')
        if len(f) < 4:
            print('%s: not name ~ file ~ expression ~ test' % where)
            bad += 1
            continue
        n += 1
        path = os.path.join(top, f[1])
        try:
            s = open(path).read()
            t = eval(f[2], {'s': s, 're': re})
        except Exception as e:  # a missing file, a broken expression
            print('%s: %s: %s' % (where, f[0], e))
            bad += 1
            continue
        if t == s:
            print('%s: %s: no longer applies to %s' % (where, f[0], f[1]))
            bad += 1
print('%d mutants, %d that do not apply' % (n, bad))
sys.exit(1 if bad or not n else 0)
