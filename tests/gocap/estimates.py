#!/usr/bin/env python3
"""estimates.py [--list] DIR
estimates.py --none GOCAP_JSON WHY
estimates.py --zero GOCAP CORE COPY
estimates.py --plant GOCAP COPY DIR...

The crash's time gocap takes from a core without the gocoredump note
(userland/go/gonow.c), checked against the clock.

DIR: the crash directories of tests/gocap/host.sh, each with a "truth" file
(the clock the crashed program read just before it crashed, and the clock
when it was gone) and gocap's JSON.  Every core that is not of an idle
process must have an estimate, and it must lie between the two: an
estimate later than the end would make waits too long, one much earlier
too short.  Prints how many cores, from which source, and the error
against the program's last read (min, median, max, in ms); --list: each
core's too.

--none: gocap's JSON says the time is unknown ("none", ns null, the
durations left out), for the reason WHY (a substring; "" for any).

--zero: COPY is CORE with each time later than the goroutines' latest
waitsince zeroed where gocap found it, as long as gocap finds one: a core
with no usable time of the crash.

--plant: COPY is the core of the first crash directory DIR whose estimate
came from a clock read, with two reads that confirm each other planted in
the future, as slots reused by later frames once held (the first over the
read gocap took, the second 32 bytes below it, both 6,456,360 s ahead):
gocap must not believe them, and its estimate must still lie before the
program's end.
"""
import glob
import json
import mmap
import os
import shutil
import statistics
import struct
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'lib'))
import elfcore  # noqa: E402


def check_all(top, verbose=False):
    errs, bad, sources = [], [], {}
    for t in sorted(glob.glob(os.path.join(top, '*', 'truth'))):
        d = os.path.dirname(t)
        name = os.path.basename(d)
        js = os.path.join(d, 'gocap.json')
        if not os.path.exists(js) or name.endswith('idle'):
            continue
        fields = open(t).read().split()
        if len(fields) != 2:
            bad.append('%s: no clock read before the crash' % name)
            continue
        ready, end = map(int, fields)
        now = json.load(open(js))['now']
        sources[now['source']] = sources.get(now['source'], 0) + 1
        if not now['source'].startswith('estimate'):
            bad.append('%s: %s (%s)' % (name, now['source'], now.get('why')))
            continue
        errs.append((now['ns'] - ready) / 1e6)
        if verbose:
            print('%-28s %-26s %+10.1f ms (the end at %+.1f ms)' %
                  (name, now['source'], errs[-1], (end - ready) / 1e6))
        if not ready - 1e9 <= now['ns'] <= end:
            bad.append('%s: %+.1f ms, the end at %+.1f ms' %
                       (name, errs[-1], (end - ready) / 1e6))
    if errs:
        print('%d cores, estimate - last read: min %+.1f, median %+.1f, '
              'max %+.1f ms' % (len(errs), min(errs), statistics.median(errs),
                                max(errs)))
        print('from: ' + ', '.join('%s %d' % kv for kv in sorted(sources.items())))
    for b in bad:
        print(b)
    return 1 if bad or not errs else 0


def check_none(path, why):
    now = json.load(open(path))['now']
    print(now)
    ok = now['source'] == 'none' and now['ns'] is None and \
        'left out' in now.get('durations', '') and why in now.get('why', '')
    return 0 if ok else 1


def file_offset(m, addr):
    """Where the 8 bytes at addr lie in the core file, or None."""
    return elfcore.file_offset(elfcore.phdrs(m), addr, 8)


def zero(gocap, src, dst):
    """Zero, one at a time, the time gocap takes as the latest in the
    core (its JSON says where) while it is later than every waitsince.
    Nothing else in the core changes: a scan for values that look like
    times would also hit counts and lengths, since a machine up for
    minutes has small seconds."""
    shutil.copyfile(src, dst)
    n = 0
    for _ in range(256):
        out = subprocess.run([gocap, 'goroutines', '--core', dst, '--json'],
                             capture_output=True, text=True).stdout
        now = json.loads(out)['now']
        t = now.get('latest_time')
        floor = now.get('latest_waitsince_ns', 0)
        if not t or t['ns'] < floor:
            print('zeroed %d times' % n)
            return 0
        with open(dst, 'r+b') as f:
            m = mmap.mmap(f.fileno(), 0)
            off = file_offset(m, int(t['addr'], 16))
            if off is None:
                print('%s at %s is not in the core' % (t['from'], t['addr']))
                return 1
            m[off:off + 8] = bytes(8)
            m.close()
        n += 1
    print('zeroed %d times, and gocap still finds one' % n)
    return 1


FUTURE_S = 6456360


def plant(gocap, dst, dirs):
    """Plant the pair (see --plant); 0 when gocap does not take it."""
    for d in dirs:
        try:
            now = json.load(open(os.path.join(d, 'gocap.json')))['now']
            end = int(open(os.path.join(d, 'truth')).read().split()[1])
        except (OSError, ValueError, KeyError, IndexError):
            continue
        t = now.get('latest_time') or {}
        if t.get('from') == 'clock-read':
            break
    else:
        print('no crash directory has an estimate from a clock read')
        return 1
    at = int(t['at'], 16)
    shutil.copyfile(os.path.join(d, 'core'), dst)
    with open(dst, 'r+b') as f:
        m = mmap.mmap(f.fileno(), 0)
        lo, hi = file_offset(m, at - 40), file_offset(m, at + 8)
        if lo is None or hi is None or hi - lo != 48:
            print('the read at %#x is not whole in the core' % at)
            return 1
        ret, sec, nsec = struct.unpack_from('<QQQ', m, lo + 32)
        struct.pack_into('<Q', m, lo + 40, sec + FUTURE_S)
        struct.pack_into('<QQQ', m, lo, ret, sec + FUTURE_S - 1, nsec)
        m.close()
    out = subprocess.run([gocap, 'goroutines', '--core', dst, '--json'],
                         capture_output=True, text=True).stdout
    got = json.loads(out)['now']
    print('%s: planted at %#x and %#x; gocap: %s' %
          (os.path.basename(d), at, at - 32, got))
    latest = (got.get('latest_time') or {}).get('ns', 0)
    ok = latest < (sec + FUTURE_S - 1) * 10**9 and \
        (got['ns'] is None or got['ns'] <= end)
    return 0 if ok else 1


def main():
    if sys.argv[1] == '--none':
        return check_none(sys.argv[2], sys.argv[3])
    if sys.argv[1] == '--zero':
        return zero(*sys.argv[2:5])
    if sys.argv[1] == '--plant':
        return plant(sys.argv[2], sys.argv[3], sys.argv[4:])
    if sys.argv[1] == '--list':
        return check_all(sys.argv[2], True)
    return check_all(sys.argv[1])


if __name__ == '__main__':
    sys.exit(main())
