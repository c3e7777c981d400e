"""Program headers and notes of a little-endian ELF64 file (a core, an
executable), for the tests' Python: one reader instead of one per test.

    import sys; sys.path.insert(0, TOP + '/tests/lib'); import elfcore

Everything is bounded by the bytes given: a header or note that does not
fit is an AssertionError (program headers) or the end of the notes.
"""
import struct

PT_LOAD, PT_NOTE = 1, 4


def _ehdr(d):
    """(phoff, phentsize, phnum) of the ELF64 header at the start of d."""
    assert len(d) >= 64 and d[:4] == b'\x7fELF' and d[4] == 2, \
        'not an ELF64 file'
    phoff, = struct.unpack_from('<Q', d, 32)
    phentsize, phnum = struct.unpack_from('<HH', d, 54)
    return phoff, phentsize, phnum


def phdrs(d):
    """[(type, flags, offset, vaddr, filesz, memsz)] of ELF64 bytes d
    (at least the ELF header and the program headers)."""
    phoff, phentsize, phnum = _ehdr(d)
    assert phentsize >= 56 and phoff + phnum * phentsize <= len(d), \
        'program headers beyond the bytes read'
    out = []
    for i in range(phnum):
        typ, flags, off, va, _, filesz, memsz = struct.unpack_from(
            '<IIQQQQQ', d, phoff + i * phentsize)
        out.append((typ, flags, off, va, filesz, memsz))
    return out


def read_phdrs(f):
    """phdrs of the open file f (its header and program headers read)."""
    f.seek(0)
    phoff, phentsize, phnum = _ehdr(f.read(64))
    f.seek(0)
    return phdrs(f.read(phoff + phnum * phentsize))


def loads(ph):
    """[(vaddr, filesz, offset)] of the PT_LOADs of ph (phdrs' list)."""
    return [(va, filesz, off) for typ, _, off, va, filesz, _ in ph
            if typ == PT_LOAD]


def file_offset(ph, addr, n=1):
    """Where the n bytes at addr lie in the file, or None when no
    PT_LOAD's file bytes hold them all."""
    for va, filesz, off in loads(ph):
        if va <= addr and addr + n <= va + filesz:
            return off + addr - va
    return None


def read_words(f, addr, size):
    """The 8-byte little-endian words of the size bytes at addr in the
    open core f, or None when no PT_LOAD's file bytes hold them all."""
    at = file_offset(read_phdrs(f), addr, size)
    if at is None:
        return None
    f.seek(at)
    return struct.unpack('<%dQ' % (size // 8), f.read(size))


def notes(buf, base=0):
    """[(name, type, desc_offset, descsz)] of the notes in buf (a PT_NOTE
    segment's bytes), desc_offset counted from base (the segment's file
    offset, to seek to a note's desc)."""
    out, p = [], 0
    while p + 12 <= len(buf):
        namesz, descsz, ntype = struct.unpack_from('<III', buf, p)
        desc = p + 12 + ((namesz + 3) & ~3)
        if desc + descsz > len(buf):
            break
        out.append((buf[p + 12:p + 12 + namesz], ntype, base + desc, descsz))
        p = desc + ((descsz + 3) & ~3)
    return out
