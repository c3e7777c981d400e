#!/usr/bin/env python3
# mutate.py FILE EXPRESSION: apply one mutant of a mutation-test table
# (tests/kernel/mutants.sh, tests/gocapd/mutants.sh, scripts/mutants.sh)
# to FILE.
#
# Both tables have one line per mutant, fields separated by '~':
#   name ~ file ~ python expression ~ tests to run ~ test that must fail
# The expression is evaluated with s bound to the file's text (and re to
# the re module) and gives the mutated text, e.g.
#   s.replace("if (extra > cap) {", "if (0) {")
# Exits 3 when the expression leaves the text unchanged: the code it was
# written against has moved, and the mutant must be updated.
import re
import sys

path, expr = sys.argv[1], sys.argv[2]
s = open(path).read()
t = eval(expr, {"s": s, "re": re})
if t == s:
    sys.exit(3)
open(path, "w").write(t)
