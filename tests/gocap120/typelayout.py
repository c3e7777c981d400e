#!/usr/bin/env python3
"""typelayout.py BINARY [--c-table MINOR] [--else LAYOUT...]

The runtime struct offsets gocap needs (userland/go/golayout.h), read from
the type descriptors a Go binary carries for its own runtime, not from
DWARF: every struct the runtime allocates with new() (g, m, p) or reaches
through a pointer field (gobuf, _panic, moduledata, _type, ...) has an
abi.StructType in the binary's types section, with each field's name and
offset.  That survives -ldflags='-s -w' and external linking, which drop
DWARF; so a real binary of a release without a Debian toolchain (Go 1.20)
still says where its runtime's fields are.

Prints "field offset" lines as `gocap layout` does ("field -" when the
struct has no such field, "field ?" when the binary has no descriptor for
the struct: then nothing is known), or with --c-table the entry of
userland/go/golayout_table.c.  The structs are found by name ("*runtime.g"
in the types section, the descriptor whose str points at it), the types
section through the moduledata found as gocap finds it: a pointer to the
pclntab header followed by a pointer to its funcnametab.

A struct the runtime never allocates nor points at (schedt, a global) has
no descriptor.  --else takes `gocap layout` outputs of the neighbouring
releases: such a field is given their value when they all agree on it, and
the run fails when they do not, but for gocap heap's fields
(GOLAYOUT_HEAP_FIELDS): those are then left unknown ("-"), and gocap heap
refuses such a core without DWARF.  "#size" is the struct's own size.

amd64 only; non-PIE only (pointers in the file are final addresses).
Every read is bounded: a malformed binary is an error, never a guess.
"""
import re
import struct
import sys

TOP = __file__.rsplit('/tests/', 1)[0]


class Bad(Exception):
    pass


class Elf:
    def __init__(self, path):
        self.d = open(path, 'rb').read()
        d = self.d
        if d[:4] != b'\x7fELF' or d[4] != 2 or d[5] != 1:
            raise Bad('%s: not a little-endian ELF64 file' % path)
        if struct.unpack_from('<H', d, 16)[0] != 2:
            raise Bad('%s: not ET_EXEC (a PIE binary needs its relocations)' % path)
        if struct.unpack_from('<H', d, 18)[0] != 62:
            raise Bad('%s: not x86-64' % path)
        phoff, = struct.unpack_from('<Q', d, 32)
        phentsize, phnum = struct.unpack_from('<HH', d, 54)
        if phnum > 64 or phentsize < 56:
            raise Bad('%s: bad program headers' % path)
        self.loads = []
        for i in range(phnum):
            t, fl, off, va, pa, fsz, msz, al = self.unpack('<IIQQQQQQ', phoff + i * phentsize)
            if t == 1:
                self.loads.append((va, off, fsz, fl))

    def unpack(self, fmt, off):
        n = struct.calcsize(fmt)
        if off < 0 or off + n > len(self.d):
            raise Bad('read of %d bytes at file offset 0x%x is past the end' % (n, off))
        return struct.unpack_from(fmt, self.d, off)

    def fileoff(self, va, n=1):
        for lva, off, fsz, fl in self.loads:
            if lva <= va and va + n <= lva + fsz:
                return off + va - lva
        raise Bad('address 0x%x (+%d) is not in the file' % (va, n))

    def read(self, va, fmt):
        return self.unpack(fmt, self.fileoff(va, struct.calcsize(fmt)))

    def bytes(self, va, n):
        o = self.fileoff(va, n)
        return self.d[o:o + n]


def name_at(e, va):
    """An abi.Name: a flag byte, a varint length, the bytes."""
    ln = shift = 0
    i = 1
    while True:
        b, = e.read(va + i, 'B')
        ln |= (b & 0x7f) << shift
        i += 1
        if not b & 0x80:
            break
        shift += 7
        if shift > 28:
            raise Bad('name at 0x%x: bad length' % va)
    if ln > 4096:
        raise Bad('name at 0x%x: %d bytes' % (va, ln))
    return e.bytes(va + i, ln).decode('utf-8', 'replace')


def find_moduledata(e):
    """The moduledata's address: in writable data, the pclntab header's
    address P followed by its funcnametab's, P + funcnameOffset."""
    pcln = None
    for va, off, fsz, fl in e.loads:
        if fl & 1:      # text
            continue
        if fl & 2:      # writable: the moduledata lives here
            continue
        # read-only data holds the pclntab: magic 0xfffffff1 or 0xfffffff0
        for m in re.finditer(rb'[\xf0\xf1]\xff\xff\xff\x00\x00\x01\x08',
                             e.d[off:off + fsz]):
            if m.start() % 8 == 0:
                pcln = va + m.start()
                break
        if pcln:
            break
    if not pcln:
        raise Bad('no pclntab header (magic 0xfffffff0/1, amd64) found')
    # pcHeader: magic (4), pads, minLC, ptrSize (8 in all), then the words
    # nfunc, nfiles, textStart (1.18+) and funcnameOffset, at 8 + 3 * 8.
    funcname_off, = e.read(pcln + 8 + 3 * 8, '<Q')
    want = struct.pack('<QQ', pcln, pcln + funcname_off)
    for va, off, fsz, fl in e.loads:
        if not fl & 2:
            continue
        i = e.d.find(want, off, off + fsz)
        while i >= 0 and (i - off) % 8:
            i = e.d.find(want, i + 1, off + fsz)
        if i >= 0:
            return va + (i - off)
    raise Bad('no moduledata points at the pclntab at 0x%x' % pcln)


class Types:
    def __init__(self, e, md, md_types, md_etypes):
        self.e = e
        self.types, = e.read(md + md_types, '<Q')
        self.etypes, = e.read(md + md_etypes, '<Q')
        if not self.types < self.etypes or self.etypes - self.types > 1 << 30:
            raise Bad('moduledata types [0x%x, 0x%x) is not a range' %
                      (self.types, self.etypes))
        self.off = e.fileoff(self.types, self.etypes - self.types)
        self.blob = e.d[self.off:self.off + self.etypes - self.types]

    def struct_named(self, name):
        """The descriptor (address) of the struct type called name."""
        # A type's string names its package by the last path element
        # ("internal/abi.Type" prints as "abi.Type").
        s = ('*' + name.rsplit('/', 1)[-1]).encode()
        found = []
        pat = re.compile(re.escape(bytes([len(s)]) + s))
        for m in pat.finditer(self.blob):
            nameoff = m.start() - 1         # the flag byte
            if nameoff < 0:
                continue
            # Type.str (int32 at 40) == nameoff, Type at an 8-aligned offset
            key = struct.pack('<i', nameoff)
            i = self.blob.find(key)
            while i >= 0:
                t = i - 40
                if t >= 0 and t % 8 == 0 and t + 72 <= len(self.blob):
                    tflag, kind = self.blob[t + 20], self.blob[t + 23]
                    if kind & 31 == 25 and tflag & 2:   # struct, extraStar
                        found.append(self.types + t)
                i = self.blob.find(key, i + 1)
        found = sorted(set(found))
        if len(found) > 1:
            raise Bad('%d struct descriptors are named %s' % (len(found), name))
        return found[0] if found else None

    def fields(self, t):
        """[(name, offset)] of the struct descriptor at t."""
        ptr, n, cap = self.e.read(t + 56, '<QQQ')
        if n > 4096 or n > cap:
            raise Bad('struct at 0x%x: %d fields' % (t, n))
        out = []
        for i in range(n):
            nameptr, typ, off = self.e.read(ptr + 24 * i, '<QQQ')
            out.append((name_at(self.e, nameptr), off))
        return out


def field_specs():
    """(name, [structs], [members]) from golayout.h's GOLAYOUT_FIELDS."""
    h = open(TOP + '/userland/go/golayout.h').read()
    body = h[h.index('#define GOLAYOUT_FIELDS(X)'):]
    body = body[:body.index('\nstruct golayout {')]
    body = body.replace('\\\n', ' ')
    out = []
    for m in re.finditer(r'X\((\w+),\s*"([^"]+)",\s*"([^"]+)"\)', body):
        out.append((m.group(1), m.group(2).split('|'), m.group(3).split('|')))
    if len(out) < 50:
        raise Bad('golayout.h: only %d fields parsed' % len(out))
    return out


def heap_fields():
    """The names in golayout.h's GOLAYOUT_HEAP_FIELDS (optional ones)."""
    h = open(TOP + '/userland/go/golayout.h').read()
    body = h[h.index('#define GOLAYOUT_HEAP_FIELDS(X)'):]
    body = body[:body.index('\nstruct golayout {')]
    return set(re.findall(r'X\((\w+),', body))


def layout(path):
    e = Elf(path)
    specs = field_specs()
    md = find_moduledata(e)
    # moduledata.types/etypes: the pair of words in the moduledata under
    # which "*runtime.moduledata" resolves to a descriptor whose fields
    # "types" and "etypes" sit at those very words.  Self-consistent, or
    # nothing.
    ty = None
    for i in range(0, 1024, 8):
        a, b = e.read(md + i, '<QQ')
        if not a < b or b - a > 1 << 30:
            continue
        try:
            t = Types(e, md, i, i + 8)
            d = t.struct_named('runtime.moduledata')
            f = dict(t.fields(d)) if d else {}
        except Bad:
            continue
        if f.get('types') == i and f.get('etypes') == i + 8:
            ty = t
            break
    if not ty:
        raise Bad('no runtime.moduledata descriptor agrees with the moduledata')
    cache = {}
    res = []
    for fname, structs, members in specs:
        val = '?'
        for s in structs:
            if s not in cache:
                t = ty.struct_named(s)
                cache[s] = dict(ty.fields(t)) if t else None
                if t:   # "#size": abi.Type.Size_, the first word
                    cache[s]['#size'], = e.read(t, '<Q')
            if cache[s] is not None:
                val = '-'
                for mname in members:
                    if mname in cache[s]:
                        val = cache[s][mname]
                        break
                break
        res.append((fname, val))
    return res


def main():
    args = sys.argv[1:]
    ctable = None
    others = []
    if '--else' in args:
        i = args.index('--else')
        others = args[i + 1:]
        del args[i:]
    if '--c-table' in args:
        i = args.index('--c-table')
        ctable = args[i + 1]
        del args[i:i + 2]
    if len(args) != 1:
        sys.exit(__doc__)
    try:
        res = layout(args[0])
    except (Bad, OSError) as x:
        sys.exit('typelayout.py: %s' % x)
    if others:
        said = []
        for path in others:
            said.append(dict(ln.split() for ln in open(path)
                             if ln.strip() and not ln.startswith('#')))
        for k, (f, v) in enumerate(res):
            if v != '?':
                continue
            vals = {d.get(f) for d in said}
            if (len(vals) != 1 or None in vals) and f in heap_fields():
                # gocap heap's: unknown, and gocap heap says so
                res[k] = (f, '-')
                continue
            if len(vals) != 1 or None in vals:
                sys.exit('typelayout.py: %s: no descriptor, and %s disagree'
                         ' (%s)' % (f, ' '.join(others), sorted(map(str, vals))))
            v = vals.pop()
            res[k] = (f, int(v) if v != '-' else '-')
    if ctable is not None:
        if any(v == '?' for _, v in res):
            sys.exit('typelayout.py: no descriptor for: %s' %
                     ' '.join(f for f, v in res if v == '?'))
        print('\t{ %s, {' % ctable)
        for f, v in res:
            print('\t\t.%s = %s,' % (f, 'NONE' if v == '-' else v))
        print('\t} },')
        return
    print('# source: type descriptors of %s' % args[0])
    for f, v in res:
        print('%s %s' % (f, v))


main()
