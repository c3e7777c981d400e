#!/usr/bin/env python3
# check-docs.py TOP: what the documents and comments promise exists.
#
#  - every fuzz target named (fuzz_xxx) is a FUZZERS entry of a build.mk;
#  - every `lab.sh VERB` is a verb scripts/lab.sh takes;
#  - every `make TARGET` is a target of the top Makefile or userland's (or
#    kbuild's, after -C);
#  - the field tables of Documentation/note-format.rst give the offsets and
#    sizes that include/uapi/gocoredump.h has (checked by the compiler);
#  - the Go releases the documents say gocap reads are the ones in
#    userland/go/govers.c's table.
# Prints each finding; exits 1 when there is any.
import glob
import os
import re
import subprocess
import sys
import tempfile

top = sys.argv[1]
os.chdir(top)
findings = []


def tracked():
    out = subprocess.run(['git', 'ls-files'], capture_output=True,
                         text=True).stdout.split()
    return [f for f in out if os.path.isfile(f)]


def comments(path, text):
    """The prose of a file: all of a document, the comments of code."""
    if path.endswith(('.rst', '.md')):
        return text
    if path.endswith(('.c', '.h')):
        return '\n'.join(re.findall(r'/\*.*?\*/|//[^\n]*', text, re.S))
    if path.endswith(('.sh', '.mk', '.py')) or os.path.basename(path) in (
            'Makefile', 'Kbuild', 'init'):
        return '\n'.join(m.group(1) for m in
                         re.finditer(r'(?m)#(.*)$', text))
    return ''


files = [f for f in tracked() if not f.startswith(('tests/fuzz/corpus/',
                                                   'build/'))
         and f != 'tests/lint/check-docs.py']	# its own examples
prose = {}
for f in files:
    try:
        prose[f] = comments(f, open(f, encoding='utf-8',
                                    errors='replace').read())
    except OSError:
        pass

# --- fuzz targets -------------------------------------------------------
targets = set()
for mk in glob.glob('userland/*/build.mk') + glob.glob('tests/*/build.mk'):
    targets |= set(re.findall(r'FUZZERS \+= (\w+):', open(mk).read()))
for f, t in prose.items():
    for name, star in set(re.findall(r'\b(fuzz_[a-z0-9_]*[a-z0-9])(_\*)?',
                                     t)):
        if star and any(x.startswith(name + '_') for x in targets):
            continue
        if name not in targets:
            findings.append('%s names fuzz target %s, which no build.mk '
                            'builds' % (f, name + star))

# --- lab.sh verbs -------------------------------------------------------
lab = open('scripts/lab.sh').read()
case = lab[lab.rindex('case ${1:-} in'):]
verbs = set(re.findall(r'(?m)^([a-z]+)\)', case))
for f, t in prose.items():
    for verb in set(re.findall(r'lab\.sh\s+([a-z]+)\b', t)):
        if verb not in verbs and verb not in ('verb', 'verbs'):
            findings.append('%s names "lab.sh %s", a verb lab.sh does not '
                            'take (%s)' % (f, verb, ', '.join(sorted(verbs))))

# --- make targets -------------------------------------------------------
def make_targets(path):
    return set(re.findall(r'(?m)^([a-z][a-z0-9_-]*)\s*:(?!=)',
                          open(path).read()))


mk_targets = make_targets('Makefile') | make_targets('userland/Makefile')
kbuild = {'modules', 'modules_install', 'clean'}
english = {'sure', 'it', 'its', 'the', 'a', 'an', 'that', 'this', 'them',
           'room', 'sense', 'do', 'no', 'up', 'one', 'every', 'any', 'use',
           'way', 'for', 'what', 'of', 'to', 'target', 'targets'}
for f, t in prose.items():
    for m in re.finditer(r'\bmake((?:\s+(?:-[A-Za-z]+\s*(?:<[^>]*>|\S+)'
                         r'|\S+=\S+))*)\s+([a-z][a-z0-9_-]*)\b', t):
        opts, target = m.group(1), m.group(2)
        if target in english or target in mk_targets:
            continue
        if '-C' in opts and target in kbuild:
            continue
        findings.append('%s names "make %s", no such target' % (f, target))

# --- note-format.rst against the header -----------------------------------
rst = open('Documentation/note-format.rst').read()
checks = []
struct = None
for line in rst.splitlines():
    if line.startswith('GCD_NT_PROCESS'):
        struct = 'gcd_note_process'
    elif line.startswith('GCD_NT_THREADS'):
        struct = 'gcd_note_thread'
    m = re.match(r'^(\d+)\s+(\d+)\s+([a-z_]+)(\[\d+\])?(?:\s|$)', line)
    if struct and m:
        off, size, field = int(m.group(1)), int(m.group(2)), m.group(3)
        checks.append('_Static_assert(__builtin_offsetof(struct %s, %s) == '
                      '%d && sizeof(((struct %s *)0)->%s) == %d, '
                      '"note-format.rst: %s.%s at %d, %d bytes");' %
                      (struct, field, off, struct, field, size, struct,
                       field, off, size))
if len(checks) < 50:
    findings.append('note-format.rst: only %d table rows found' % len(checks))
with tempfile.NamedTemporaryFile('w', suffix='.c') as c:
    c.write('#include "uapi/gocoredump.h"\n' + '\n'.join(checks) + '\n')
    c.flush()
    r = subprocess.run(['gcc', '-std=gnu11', '-fsyntax-only', '-Iinclude',
                        c.name], capture_output=True, text=True)
    if r.returncode:
        findings += ['note-format.rst and include/uapi/gocoredump.h disagree: '
                     + l for l in r.stderr.splitlines() if 'error' in l]

# --- the Go releases gocap reads --------------------------------------------
govers = open('userland/go/govers.c').read()
m = re.search(r'releases\[\] = \{([^}]*)\}', govers)
releases = ['1.%d' % int(x) for x in re.findall(r'\d+', m.group(1))] if m \
    else []
if not releases:
    findings.append('userland/go/govers.c: no release table found')
libsh = re.search(r'GOCD_GO_VERSIONS:-"([^"]*)"', open('scripts/lib.sh').read())
if not libsh or not set(libsh.group(1).split()) <= set(releases):
    findings.append('scripts/lib.sh: the lab builds Go %s, gocap reads only '
                    '%s' % (libsh.group(1) if libsh else '?',
                           ' '.join(releases)))
anchors = 0
for f in ['README.md'] + sorted(glob.glob('Documentation/*.rst')):
    text = open(f).read()
    for m in re.finditer(r'Go releases gocap reads:([^.]*(?:\.\d+[^.]*)*)\.',
                         text):
        anchors += 1
        said = re.findall(r'\b1\.\d+\b', m.group(1))
        if said != releases:
            findings.append('%s says "Go releases gocap reads: %s", '
                            'govers.c has %s' % (f, ', '.join(said),
                                                 ', '.join(releases)))
if not anchors:
    findings.append('no document says "Go releases gocap reads:"')

for f in findings:
    print(f)
print('%d findings' % len(findings))
sys.exit(1 if findings else 0)
