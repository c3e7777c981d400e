#!/usr/bin/env python3
"""sweep.py GOCAP CORE EXE RUNTIME_STDERR WORKDIR [--asan GOCAP_ASAN] [--step BYTES]

The truncation sweep of issue 11: cut a real core at every STEP bytes (1 MiB
by default) from the first through to the end, and at each cut run gocap on
the cut core, alone and with the right --exe.  Every cut must give:

  - an exit status of 1 (never 0: the output is partial; never a crash);
  - a first stderr line that names the truncation ("core truncated at byte");
  - at least every goroutine whose g and whole stack lie before the cut,
    printed without a problem note (or, for a goroutine with pprof labels,
    one saying its labels are cut off): with --exe always; core only when
    the executable's segments are before the cut too.  Goroutines running on a
    thread are left out of this set (their stacks start from registers and
    signal frames elsewhere in the core);
  - for what it printed without a problem note, the runtime's own frames
    and statuses (oracle.py --partial), ", N minutes" included unless gocap
    said the cut left it no time of the crash;
  - a goroutine whose g the cut goes through is never printed as if whole
    (four more cuts, each inside a g spread over the core, test this).

The set "before the cut" is computed from the full core: gocap's JSON gives
each goroutine's g address and stack bounds, the core's program headers map
them to file offsets.  With --asan, the same runs under an AddressSanitizer
and UBSan build of gocap must exit 1 too, without a sanitizer report.

Prints one TAP-like summary line per configuration and the first failures;
exits 0 only when every cut passed.
"""
import concurrent.futures
import json
import os
import struct
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'lib'))
import elfcore  # noqa: E402

G_BYTES = 512       # sizeof(runtime.g) is under 512 in every release
G_CUT = 0x100       # and every release has fields (gopc, startpc, labels) past 0x100
NT_FILE = 0x46494c45
NO_TIME = 'no usable time of the crash'


def segments(core):
    """[(vaddr, filesz, offset)] of the PT_LOADs, and NT_FILE entries."""
    with open(core, 'rb') as f:
        d = f.read(1 << 22)
    ph = elfcore.phdrs(d)
    files = []
    for typ, _, off, _, filesz, _ in ph:
        if typ != elfcore.PT_NOTE:
            continue
        for _, ntype, desc, descsz in elfcore.notes(d[off:off + filesz], off):
            if ntype == NT_FILE:
                count, page = struct.unpack_from('<QQ', d, desc)
                names = d[desc + 16 + count * 24:desc + descsz].split(b'\0')
                for k in range(count):
                    s, e, o = struct.unpack_from('<QQQ', d, desc + 16 + k * 24)
                    files.append((s, e, names[k].decode(errors='replace')))
    return elfcore.loads(ph), files


def file_end(loads, lo, hi):
    """The file offset just past [lo, hi) of memory, or None if not all in
    the file bytes of one segment."""
    for va, filesz, off in loads:
        if va <= lo and hi <= va + filesz:
            return off + (hi - va)
    return None


def run(cmd):
    p = subprocess.run(cmd, capture_output=True, timeout=300)
    return p.returncode, p.stdout.decode(errors='replace'), p.stderr.decode(errors='replace')


def main():
    args = sys.argv[1:]
    asan = None
    step = 1 << 20
    if '--asan' in args:
        i = args.index('--asan')
        asan = args[i + 1]
        del args[i:i + 2]
    if '--step' in args:
        i = args.index('--step')
        step = int(args[i + 1])
        del args[i:i + 2]
    gocap, core, exe, stderr, work = args
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    import oracle
    with open(stderr, errors='replace') as f:
        rt_text = f.read()
    rt_parsed = oracle.parse(rt_text)
    # A cut may take the times gocap estimates the crash's from: then it
    # leaves ", N minutes" out, and says so (never prints other minutes).
    rt_parsed_nomin = oracle.without_minutes(oracle.parse(rt_text))
    loads, files = segments(core)
    exe_real = os.path.realpath(exe)
    exe_segs = [(s, e) for s, e, n in files if os.path.realpath(n) == exe_real]
    # the end of the executable's last segment in the file
    exe_last = 0
    for va, filesz, off in loads:
        if any(s <= va < e for s, e in exe_segs):
            exe_last = max(exe_last, off + filesz)
    rc, out, err = run([gocap, 'goroutines', '--core', core, '--json'])
    full = json.loads(out)
    need = {}
    g_at = {}           # goid: file offset of its g
    labelled = {g['goid'] for g in full['goroutines'] if g.get('labels')}
    for g in full['goroutines']:
        if 'goid' not in g or g['status'] == 'running' or 'stack' not in g:
            continue
        gp = int(g['gp'], 16)
        lo, hi = int(g['stack']['lo'], 16), int(g['stack']['hi'], 16)
        a, b = file_end(loads, gp, gp + G_BYTES), file_end(loads, lo, hi)
        if a is not None and b is not None:
            need[g['goid']] = max(a, b)
            g_at[g['goid']] = a - G_BYTES
    if not need:
        print('the full core gives no goroutine whose g and stack are in the core')
        sys.exit(1)
    size = os.path.getsize(core)
    with open(core, 'rb') as f:
        data = f.read()

    n_torn = [0]

    def check_cut(cut):
        """Everything one cut must give: (failures, expected, printed)."""
        fails = []
        n_exp = n_pr = 0
        cut_path = os.path.join(work, 'cut-%d.core' % cut)
        with open(cut_path, 'wb') as f:
            f.write(data[:cut])
        for with_exe in (False, True):
            extra = ['--exe', exe] if with_exe else []
            what = 'cut at %d%s' % (cut, ' --exe' if with_exe else '')
            rc, out, err = run([gocap, 'goroutines', '--core', cut_path] + extra)
            if rc != 1:
                fails.append('%s: exit %d' % (what, rc))
                continue
            first = err.split('\n', 1)[0]
            if 'core truncated at byte %d of %d' % (cut, size) not in first:
                fails.append('%s: first stderr line %r' % (what, first))
            rc, jout, jerr = run([gocap, 'goroutines', '--core', cut_path, '--json'] + extra)
            printed = set()
            labels_cut = set()
            if jout.strip():
                try:
                    gs = json.loads(jout)['goroutines']
                    printed = {g['goid'] for g in gs if 'goid' in g and 'problem' not in g}
                    labels_cut = {g['goid'] for g in gs
                                  if 'pprof labels' in g.get('problem', '')}
                except ValueError as e:
                    fails.append('%s: JSON: %s' % (what, e))
            expected = {k for k, end in need.items() if end <= cut}
            # A g the cut goes through (past its first G_CUT bytes, short
            # of its later fields) is never printed as if whole.
            torn = {k for k, at in g_at.items() if at + G_CUT <= cut < at + G_CUT + 8}
            if not with_exe and exe_last > cut:
                expected = set()
            n_exp += len(expected)
            n_pr += len(printed)
            # pprof labels live in the heap, maybe past the cut: a
            # labelled goroutine may say its labels are cut instead.
            missing = expected - printed - (labels_cut & labelled)
            if torn & printed:
                fails.append('%s: goroutines %s printed whole, though the core ends inside their g'
                             % (what, sorted(torn & printed)))
            n_torn[0] += len(torn)
            if missing:
                fails.append('%s: %d of %d goroutines before the cut not printed, e.g. %s'
                             % (what, len(missing), len(expected), sorted(missing)[:5]))
            if printed:
                ok, summary, problems = oracle.compare(
                    rt_parsed_nomin if NO_TIME in err else rt_parsed, out, True)
                if not ok:
                    fails.append('%s: oracle: %s %s' % (what, summary, problems[:2]))
            if asan:
                env = dict(os.environ, ASAN_OPTIONS='exitcode=86:detect_leaks=0',
                           UBSAN_OPTIONS='halt_on_error=1:exitcode=87')
                p = subprocess.run([asan, 'goroutines', '--core', cut_path] + extra,
                                   capture_output=True, env=env, timeout=600)
                serr = p.stderr.decode(errors='replace')
                if p.returncode != 1 or 'Sanitizer' in serr or 'runtime error' in serr:
                    fails.append('%s: ASan/UBSan build exit %d: %s' % (
                        what, p.returncode,
                        next((l for l in serr.split('\n') if 'ERROR' in l or 'runtime error' in l), '')))
        os.unlink(cut_path)
        return fails, n_exp, n_pr

    fails = []
    stats = {'cuts': 0, 'expected': 0, 'printed': 0}
    # Besides every step: cuts inside 4 g's spread over the core.
    ids = sorted(g_at, key=lambda k: g_at[k])
    cuts = set(range(step, size, step))
    cuts |= {g_at[ids[i * (len(ids) - 1) // 3]] + G_CUT for i in range(4)}
    # Two cuts at a time (the runs are processes: the GIL is no limit).
    with concurrent.futures.ThreadPoolExecutor(max_workers=2) as pool:
        for f, e, pr in pool.map(check_cut, sorted(cuts)):
            fails += f
            stats['cuts'] += 1
            stats['expected'] += e
            stats['printed'] += pr
    print('%d cuts of %d bytes: %d goroutines expected, %d printed without a problem, '
          '%d cut inside their g, %d failures'
          % (stats['cuts'], size, stats['expected'], stats['printed'], n_torn[0], len(fails)))
    for f in fails[:10]:
        print('  ' + f)
    sys.exit(1 if fails else 0)


if __name__ == '__main__':
    main()
