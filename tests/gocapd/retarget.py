#!/usr/bin/env python3
# retarget.py CORE OUT PID [TID [COMM]]: a copy of a core whose notes say
# it is the core of process PID (thread TID, name COMM), for the host
# tests, where a live process stands in for the crashed one (its /proc).
# TID "-" leaves the threads as they are (gocap matches the crashing
# thread's pid with the Go runtime's) and prints the crashing thread's
# pid, to be passed as %i and %I.
# gocapd checks that a core and /proc/PID agree (the PID reuse check:
# annotate.c, pid_check()); this makes them agree, or, without PID, shows
# nothing.  x86-64 cores: NT_PRSTATUS pr_pid at 32, NT_PRPSINFO pr_pid at
# 24 and pr_fname at 40 (glibc's struct elf_prstatus / elf_prpsinfo).
import os
import struct
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'lib'))
import elfcore  # noqa: E402

core, out, pid = sys.argv[1], sys.argv[2], int(sys.argv[3])
tid = sys.argv[4] if len(sys.argv) > 4 else str(pid)
tid = None if tid == '-' else int(tid)
comm = sys.argv[5].encode() if len(sys.argv) > 5 else None
# a sparse copy: the stored core is compared with it, holes and all
if subprocess.call(['cp', '--sparse=always', core, out]):
    sys.exit(1)
with open(out, 'r+b') as f:
    first_prstatus = True
    for ptype, _, off, _, filesz, _ in elfcore.read_phdrs(f):
        if ptype != elfcore.PT_NOTE:
            continue
        f.seek(off)
        for name, ntype, desc, _ in elfcore.notes(f.read(filesz), off):
            if name == b'CORE\x00' and ntype == 1 and first_prstatus:
                f.seek(desc + 32)
                if tid is None:
                    print(struct.unpack('<i', f.read(4))[0])
                else:
                    f.write(struct.pack('<i', tid))
                first_prstatus = False
            elif name == b'CORE\x00' and ntype == 3:
                f.seek(desc + 24)
                f.write(struct.pack('<i', pid))
                if comm is not None:
                    f.seek(desc + 40)
                    f.write(comm[:15].ljust(16, b'\x00'))
