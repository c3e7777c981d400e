#!/usr/bin/env python3
"""oracle.py RUNTIME_STDERR GOCAP_OUTPUT [--json GOCAP_JSON]
oracle.py --partial RUNTIME_STDERR GOCAP_OUTPUT
oracle.py --without-minutes RUNTIME_STDERR GOCAP_OUTPUT
oracle.py --want-minutes RUNTIME_STDERR GOCAP_OUTPUT [--json GOCAP_JSON]
oracle.py --want-upgraded RUNTIME_STDERR GOCAP_OUTPUT
oracle.py --snapshot RUNTIME_STDERR GOCAP_OUTPUT

Compare what the Go runtime printed when it crashed (GOTRACEBACK=crash) with
what gocap rebuilt from the core, goroutine by goroutine.  Both texts are
parsed by the same parser; nothing is compared as "close enough".

For every goroutine the runtime printed (goroutine 0, the system stacks of
idle Ms in the SIGQUIT relay, is not one) the verdict is a match when
  - gocap printed a goroutine with the same id,
  - with the same status, wait reason and flags ("locked to thread", ...),
  - with the same frames (function and file:line) in the same order,
    elision markers included, when the runtime printed frames,
  - with the same "created by" line.
The goroutine id sets must be equal, the crash text printed before the
first goroutine (panic values, fatal error text, signal line) must be equal,
and so must the first goroutine printed (the one that crashed).

Prints one summary line and the first differences; exits 0 only on a 100%
match.  With --partial (gocap's output from a truncated core), only the
goroutines gocap printed without a problem note are compared: there must be
at least one, and all of them must match.  Also reports (not required) how many frame lines were byte-identical,
arguments and fp/sp/pc included.
The status includes the wait time (", N minutes"): gocap's must be the
runtime's, but for one of the runtime's own workers (READIED) that the
core shows runnable with the frames printed (a timer readied it after the
traceback), or runnable inside the same worker function where the runtime
printed it running (it yielded or was preempted after the traceback): the
summary counts them.  With --want-minutes the runtime must have printed at least one
(the crash came after goroutines had waited over a minute), so that they
are compared at all.  With --without-minutes (gocap's output from a core
without a usable time of the crash) the runtime's ", N minutes" are left
out of its statuses before they are compared: gocap must have left them
out too.
gocap's own lines before the first goroutine ("[gocap: ...]", such as the
one saying that gocoredump upgraded the traceback) are not crash text: they
are left out before the crash texts are compared.  With --want-upgraded
gocap's first line must say that the traceback was upgraded (the process
crashed under gocoredump's gotraceback knob, without GOTRACEBACK=crash of
its own).
With --snapshot, gocap's output is from a snapshot of the process while it
ran (gocap snapshot), the runtime's from its crash right after: the
goroutines that were parked in the snapshot (any status but running,
runnable and syscall) must be exactly those parked in the traceback, the
crashing goroutine aside, and each must match as above; wait times (",
N minutes") are left out of both, and there is no crash text to compare.
"""
import json
import re
import sys

# The runtime's own background workers, which a timer or sysmon can
# ready between the traceback and the dump (a crash does not stop the
# world): printed waiting for this, runnable in the core, the same
# frames.  Seen once in 65 full runs (the scavenger, Go 1.25).
READIED = ('GC scavenge wait', 'GC sweep wait')
# The same workers' functions: one printed running (on another M, as
# the crash froze the world) may yield or be preempted before the dump,
# runnable in the core, inside the same function.  Seen once in 68 runs
# (the sweeper, Go 1.27 cgo).
WORKERS = ('runtime.bgscavenge', 'runtime.bgsweep')


def in_worker(b):
    """True if block b's frames are inside one of the runtime's WORKERS."""
    return any(f[0] in WORKERS for f in b['frames'])

HEADER = re.compile(r'^goroutine (\d+)(?: gp=(0x[0-9a-f]+) m=(nil|\?|\d+)(?: mp=0x[0-9a-f]+)?)? '
                    r'\[(.*)\]( \{.*\})?:$')
FILELINE = re.compile(r'^\t(.*):(\d+)(?: \+0x[0-9a-f]+)?(?: fp=.*)?$')
REG = re.compile(r'^(r[a-z0-9]+|rip|rflags|cs|fs|gs)\s+0x[0-9a-f]+$')


def parse(text):
    """Return (preamble lines, {goid: [blocks]}) where a block is a dict."""
    lines = text.split('\n')
    pre = []
    i = 0
    while i < len(lines) and not HEADER.match(lines[i]):
        pre.append(lines[i])
        i += 1
    while pre and pre[-1] == '':
        pre.pop()
    gs = {}
    cur = None
    while i < len(lines):
        ln = lines[i]
        m = HEADER.match(ln)
        if m:
            status = m.group(4)
            cur = {'goid': int(m.group(1)), 'status': status, 'frames': [],
                   'labels': m.group(5),
                   'raw': [], 'created': None, 'unavailable': False,
                   'problem': None}
            gs.setdefault(cur['goid'], []).append(cur)
            i += 1
            continue
        if cur is None or ln == '' or ln == '-----' or REG.match(ln) or \
                ln.startswith('SIGQUIT: ') or ln.startswith('PC=') or \
                ln.startswith('SIG'):
            if ln.startswith('-----'):
                cur = None
            i += 1
            continue
        if ln == '\tgoroutine running on other thread; stack unavailable':
            cur['unavailable'] = True
            i += 1
            continue
        if ln.startswith('\t[gocap: '):
            cur['problem'] = ln.strip()
            i += 1
            continue
        if ln.startswith('[gocap: '):
            # gocap's own line between goroutines (an allgs entry it could
            # not read): it ends the goroutine before, it is not its frame.
            cur = None
            i += 1
            continue
        if ln.startswith('...') and ln.endswith('elided...'):
            cur['frames'].append(('ELIDED', ln))
            cur['raw'].append(ln)
            i += 1
            continue
        if ln.startswith('created by '):
            fl = lines[i + 1] if i + 1 < len(lines) else ''
            m2 = FILELINE.match(fl)
            cur['created'] = (ln, m2.group(1) + ':' + m2.group(2) if m2 else fl)
            i += 2
            continue
        # A frame: "func(args)" then "\tfile:line ..."
        fl = lines[i + 1] if i + 1 < len(lines) else ''
        m2 = FILELINE.match(fl)
        if m2:
            fn = ln[:ln.rfind('(')] if ln.endswith(')') else ln
            cur['frames'].append((fn, m2.group(1) + ':' + m2.group(2)))
            cur['raw'].append(ln + '\n' + fl)
            i += 2
            continue
        # Anything else inside a goroutine block is unexpected.
        cur['frames'].append(('UNPARSED', ln))
        i += 1
    return pre, gs


def best(blocks):
    """The block with frames, if the goroutine was printed more than once."""
    for b in blocks:
        if b['frames'] and not b['unavailable']:
            return b
    return blocks[0]


MINUTES = re.compile(r', \d+ minutes')
UPGRADED = '[gocap: traceback upgraded by gocoredump'


def without_minutes(rt_parsed):
    """The runtime's parsed output with ", N minutes" left out of its
    statuses (for gocap's output from a core without a time of the
    crash)."""
    rt_pre, rt = rt_parsed
    for blocks in rt.values():
        for b in blocks:
            b['status'] = MINUTES.sub('', b['status'])
    return rt_pre, rt


def compare(rt_parsed, gc_text, partial, json_path=None, want_minutes=False,
            want_upgraded=False, snapshot=False):
    """Compare the runtime's parsed output (parse() of its stderr) with
    gocap's text.  Returns (ok, summary line, problems)."""
    rt_pre, rt = rt_parsed
    rt = dict(rt)
    gc_pre, gc = parse(gc_text)
    # gocap's own remarks are not the runtime's crash text.
    gc_pre = [ln for ln in gc_pre if not ln.startswith('[gocap: ')]
    while gc_pre and gc_pre[0] == '':
        gc_pre.pop(0)
    rt.pop(0, None)
    problems = []
    if want_upgraded and not gc_text.startswith(UPGRADED):
        problems.append('gocap\'s first line does not say the traceback was upgraded: %r' %
                        gc_text.split('\n', 1)[0])
    if snapshot:
        def parked(b):
            return not re.match(r'(running|runnable|syscall)\b', b['status'])
        first_rt = next(iter(rt), None)
        p_gc = {k for k in gc if k != 0 and parked(best(gc[k]))} - {first_rt}
        p_rt = {k for k in rt if parked(best(rt[k]))} - {first_rt}
        if p_gc != p_rt:
            problems.append('parked goroutines differ: only runtime %s, only snapshot %s' %
                            (sorted(p_rt - p_gc)[:10], sorted(p_gc - p_rt)[:10]))
        ids = sorted(p_gc & p_rt)
        rt = {k: rt[k] for k in ids}
        gc = {k: gc[k] for k in ids}
        for blocks in list(rt.values()) + list(gc.values()):
            for b in blocks:
                b['status'] = MINUTES.sub('', b['status'])
        if not ids:
            problems.append('no parked goroutine to compare')
    elif partial:
        ids = [k for k in gc if k in rt and not best(gc[k])['problem']]
        rt = {k: rt[k] for k in ids}
        gc = {k: gc[k] for k in ids}
        if not ids:
            problems.append('no complete goroutine in the partial output')
    else:
        if rt_pre != gc_pre:
            problems.append('crash text differs:\n  runtime: %r\n  gocap:   %r' %
                            ('\n'.join(rt_pre), '\n'.join(gc_pre)))
        # The goroutine that crashed comes first in both.
        first_rt = next(iter(rt), None)
        first_gc = next((k for k in gc if k != 0), None)
        if first_rt != first_gc:
            problems.append('first goroutine: runtime %s, gocap %s' % (first_rt, first_gc))
    ids_rt, ids_gc = set(rt), set(gc)
    if ids_rt != ids_gc:
        problems.append('goroutine ids differ: only runtime %s, only gocap %s' %
                        (sorted(ids_rt - ids_gc)[:10], sorted(ids_gc - ids_rt)[:10]))
    matched = 0
    readied = 0
    minutes = 0
    with_frames = 0
    raw_same = raw_total = 0
    for goid in sorted(ids_rt):
        r = best(rt[goid])
        g = gc.get(goid)
        if not g:
            continue
        g = best(g)
        why = None
        if r['status'] != g['status'] and g['status'] == 'runnable' and \
                MINUTES.sub('', r['status']) in READIED and r['frames'] == g['frames']:
            readied += 1	# woken after the traceback: not gocap's doing
        elif r['status'] == 'running' and g['status'] == 'runnable' and \
                in_worker(g) and (r['unavailable'] or in_worker(r)):
            readied += 1	# stopped after the traceback: the same
        elif r['status'] != g['status']:
            why = 'status %r vs %r' % (r['status'], g['status'])
        elif r['labels'] and r['labels'] != g['labels']:
            why = 'labels %r vs %r' % (r['labels'], g['labels'])
        elif not r['unavailable']:
            with_frames += 1
            if r['frames'] != g['frames']:
                k = next((k for k in range(min(len(r['frames']), len(g['frames'])))
                          if r['frames'][k] != g['frames'][k]),
                         min(len(r['frames']), len(g['frames'])))
                why = 'frame %d: runtime %s, gocap %s (%d vs %d frames)' % (
                    k, r['frames'][k] if k < len(r['frames']) else None,
                    g['frames'][k] if k < len(g['frames']) else None,
                    len(r['frames']), len(g['frames']))
            elif g['problem']:
                why = 'gocap reported a problem: %s' % g['problem']
            for a, b in zip(r['raw'], g['raw']):
                raw_total += 1
                raw_same += a == b
        if why is None and r['created'] != g['created']:
            why = 'created by %r vs %r' % (r['created'], g['created'])
        if why:
            problems.append('goroutine %d: %s' % (goid, why))
        else:
            matched += 1
            minutes += bool(MINUTES.search(r['status']))
    n = len(ids_rt)
    pct = 100.0 * matched / n if n else 0.0
    extra = ''
    if json_path and not snapshot:
        d = json.load(open(json_path))
        jids = {g['goid'] for g in d['goroutines'] if 'goid' in g}
        if jids != ids_gc:
            problems.append('JSON goroutine ids differ from the text output')
        extra = ', JSON %d goroutines' % len(jids)
    summary = ('%d/%d goroutines match (%.1f%%), %d with frames, %d with ", N minutes"; '
               '%d/%d frame lines byte-identical%s' % (matched, n, pct, with_frames, minutes,
                                                      raw_same, raw_total, extra))
    if readied:
        summary += '; %d of the runtime\'s workers readied or stopped after the traceback' % readied
    if want_minutes and not minutes:
        problems.append('the runtime printed no ", N minutes": nothing to compare them with')
    return not problems and n, summary, problems


def main():
    flags = set()
    while sys.argv[1] in ('--partial', '--without-minutes', '--want-minutes',
                          '--want-upgraded', '--snapshot'):
        flags.add(sys.argv.pop(1))
    partial = '--partial' in flags
    no_minutes = '--without-minutes' in flags
    rt_text = open(sys.argv[1], errors='replace').read()
    gc_text = open(sys.argv[2], errors='replace').read()
    json_path = sys.argv[4] if len(sys.argv) > 4 and sys.argv[3] == '--json' else None
    rt_parsed = parse(rt_text)
    if no_minutes:
        rt_parsed = without_minutes(rt_parsed)
    ok, summary, problems = compare(rt_parsed, gc_text, partial, json_path,
                                    '--want-minutes' in flags,
                                    '--want-upgraded' in flags,
                                    '--snapshot' in flags)
    print(summary)
    for p in problems[:8]:
        print('  ' + p)
    sys.exit(0 if ok else 1)


if __name__ == '__main__':
    main()
