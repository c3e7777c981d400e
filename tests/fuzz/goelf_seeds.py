#!/usr/bin/env python3
"""goelf_seeds.py DIR: small Go-like ELF files for fuzz_goelf's corpus.

Real Go executables are megabytes (libFuzzer's inputs here are at most
1 MiB) and their code and pclntab cannot be cut out without losing what
GOELF_WANT_FATAL reads.  These files hold just that: a .go.buildinfo, a
pclntab with three functions (runtime.main, runtime.startpanic_m and
runtime/debug.SetTraceback), their code, with the store into
runtime.traceback_cache as Go emits it, and the variable with its initial
value.  lib/goelf.c sets GOELF_F_FATAL on each (tests/fatal/host.sh checks
real executables), so the fuzzer starts from the whole path:

  fatal-amd64.elf        Go 1.20 to 1.25: textStart in the pcHeader, .symtab
  fatal-amd64-gomod.elf  Go 1.26 on: textStart 0, runtime.text from
                         .go.module, no .symtab (as -s -w)
  fatal-386.elf          GOARCH=386, Go 1.18/1.19's pclntab magic
"""
import os
import struct
import sys

PAGE = 0x1000
BASE = 0x400000
TEXT_OFF = 0x100
PCLN_OFF = 0x200
DATA_OFF = 0x400
TB_INITIAL = 2 << 2

SHT_PROGBITS, SHT_SYMTAB, SHT_STRTAB = 1, 2, 3
SHF_WRITE, SHF_ALLOC, SHF_EXECINSTR = 1, 2, 4
PF_X, PF_W, PF_R = 1, 2, 4


def buildinfo(ptrsize):
    """An inline (Go 1.18+) .go.buildinfo: header, version, modinfo."""
    hdr = b"\xff Go buildinf:" + bytes([ptrsize, 2])
    hdr += b"\0" * (32 - len(hdr))
    ver = b"go1.27.0"
    mod = b"path\tseed\nmod\tseed\t(devel)\t\n"
    return hdr + bytes([len(ver)]) + ver + bytes([len(mod)]) + mod


def make(is64, magic, with_textstart, with_symtab, with_gomod):
    ps = 8 if is64 else 4
    word = "<Q" if is64 else "<I"
    text = BASE + TEXT_OFF
    pcln = BASE + PCLN_OFF
    data = BASE + PAGE + DATA_OFF  # a page on, the same offset in it

    # Data: .go.buildinfo, .noptrdata (traceback_cache), .go.module.
    bi = buildinfo(ps)
    bi += b"\0" * (-len(bi) % 32)
    tb = data + len(bi)
    noptr = struct.pack("<II", TB_INITIAL, 0)
    gomod_at = len(bi) + len(noptr)

    # Code, entries relative to text.
    if is64:
        # LEAQ runtime.traceback_cache(SB), CX; XCHGL AX, (CX); RET
        lea_end = text + 0x20 + 7
        settb = b"\x48\x8d\x0d" + struct.pack("<i", tb - lea_end)
        settb += b"\x87\x01\xc3"
    else:
        # LEAL runtime.traceback_cache(SB), AX; MOVL AX, (SP);
        # CALL atomic.Store; RET
        settb = b"\x8d\x05" + struct.pack("<I", tb) + b"\x89\x04\x24"
        settb += b"\xe8\x00\x00\x00\x00\xc3"
    code = b"\x90" * 16 + b"\xcc" * 16 + settb
    code += b"\xcc" * (0x30 - len(code))
    entries = [0x00, 0x10, 0x20]
    etext = 0x30

    # The pclntab: pcHeader, funcnametab, (empty cu, file, pc tables),
    # then functab and the _func records (Go 1.20's 44 bytes; the walk
    # reads only entryOff and nameOff).
    names = [b"runtime.main", b"runtime.startpanic_m",
             b"runtime/debug.SetTraceback"]
    hsize = 8 + 8 * ps
    nametab = b""
    nameoffs = []
    for n in names:
        nameoffs.append(len(nametab))
        nametab += n + b"\0"
    funcname_off = hsize
    tabs_off = funcname_off + len(nametab)
    tabs_off += -tabs_off % 8
    nfunc = len(names)
    functab = b""
    funcs = b""
    ftsize = (nfunc + 1) * 8
    for i in range(nfunc):
        functab += struct.pack("<II", entries[i], ftsize + len(funcs))
        funcs += struct.pack("<Ii", entries[i], nameoffs[i]) + b"\0" * 36
    functab += struct.pack("<II", etext, 0)
    hdr = struct.pack("<IBBBB", magic, 0, 0, 1, ps)
    hdr += struct.pack("<" + ("Q" if is64 else "I") * 8, nfunc, 0,
                       text if with_textstart else 0, funcname_off,
                       tabs_off, tabs_off, tabs_off, tabs_off)
    pclntab = hdr + nametab + b"\0" * (tabs_off - hsize - len(nametab))
    pclntab += functab + funcs

    gomod = b""
    if with_gomod:
        md = [0] * 24
        md[0] = pcln
        md[1], md[2], md[3] = pcln + funcname_off, len(nametab), len(nametab)
        md[13] = md[16] = pcln + tabs_off
        md[17] = md[18] = nfunc + 1
        md[20], md[21] = text, text + entries[-1]
        md[22], md[23] = text, text + etext
        gomod = b"".join(struct.pack(word, w) for w in md)
    datab = bi + noptr + gomod

    # Non-alloc: .symtab, .strtab, .shstrtab.
    shnames = [b"", b".text", b".gopclntab", b".go.buildinfo", b".noptrdata"]
    if with_gomod:
        shnames.append(b".go.module")
    if with_symtab:
        shnames += [b".symtab", b".strtab"]
    shnames.append(b".shstrtab")
    shstr = b"\0"
    shname_off = {}
    for n in shnames[1:]:
        shname_off[n] = len(shstr)
        shstr += n + b"\0"
    strtab = b"\0runtime.traceback_cache\0"
    noptr_idx = shnames.index(b".noptrdata")
    if is64:
        sym = b"\0" * 24 + struct.pack("<IBBHQQ", 1, 0x11, 0, noptr_idx,
                                       tb, 4)
    else:
        sym = b"\0" * 16 + struct.pack("<IIIBBH", 1, tb, 4, 0x11, 0,
                                       noptr_idx)

    out = bytearray(DATA_OFF)
    out[TEXT_OFF:TEXT_OFF + len(code)] = code
    out[PCLN_OFF:PCLN_OFF + len(pclntab)] = pclntab
    assert PCLN_OFF + len(pclntab) <= DATA_OFF
    out += datab
    secs = []  # name, type, flags, addr, off, size, link, info, entsize

    def add(name, typ, flags, addr, off, size, link=0, info=0, entsize=0):
        secs.append((name, typ, flags, addr, off, size, link, info,
                     entsize))

    add(b".text", SHT_PROGBITS, SHF_ALLOC | SHF_EXECINSTR, text, TEXT_OFF,
        len(code))
    add(b".gopclntab", SHT_PROGBITS, SHF_ALLOC, pcln, PCLN_OFF, len(pclntab))
    add(b".go.buildinfo", SHT_PROGBITS, SHF_ALLOC | SHF_WRITE, data,
        DATA_OFF, len(bi))
    add(b".noptrdata", SHT_PROGBITS, SHF_ALLOC | SHF_WRITE, tb,
        DATA_OFF + len(bi), len(noptr))
    if with_gomod:
        add(b".go.module", SHT_PROGBITS, SHF_ALLOC | SHF_WRITE,
            data + gomod_at, DATA_OFF + gomod_at, len(gomod))
    if with_symtab:
        out += b"\0" * (-len(out) % 8)
        add(b".symtab", SHT_SYMTAB, 0, 0, len(out), len(sym),
            link=len(secs) + 2, info=1, entsize=len(sym) // 2)
        out += sym
        add(b".strtab", SHT_STRTAB, 0, 0, len(out), len(strtab))
        out += strtab
    add(b".shstrtab", SHT_STRTAB, 0, 0, len(out), len(shstr))
    out += shstr
    out += b"\0" * (-len(out) % 8)
    shoff = len(out)
    shnum = len(secs) + 1
    for name, typ, flags, addr, off, size, link, info, entsize in \
            [(b"", 0, 0, 0, 0, 0, 0, 0, 0)] + secs:
        nm = shname_off.get(name, 0)
        if is64:
            out += struct.pack("<IIQQQQIIQQ", nm, typ, flags, addr, off,
                               size, link, info, 1, entsize)
        else:
            out += struct.pack("<IIIIIIIIII", nm, typ, flags, addr, off,
                               size, link, info, 1, entsize)

    # Headers: ELF header, two PT_LOADs (text and pclntab; data).
    phoff = 64 if is64 else 52
    loads = [(0, BASE, DATA_OFF, PF_R | PF_X),
             (DATA_OFF, data, len(datab), PF_R | PF_W)]
    ident = b"\x7fELF" + bytes([2 if is64 else 1, 1, 1, 0]) + b"\0" * 8
    if is64:
        eh = ident + struct.pack("<HHIQQQIHHHHHH", 2, 62, 1, text, phoff,
                                 shoff, 0, 64, 56, len(loads), 64, shnum,
                                 shnum - 1)
        ph = b"".join(struct.pack("<IIQQQQQQ", 1, f, o, v, v, z, z, PAGE)
                      for o, v, z, f in loads)
    else:
        eh = ident + struct.pack("<HHIIIIIHHHHHH", 2, 3, 1, text, phoff,
                                 shoff, 0, 52, 32, len(loads), 40, shnum,
                                 shnum - 1)
        ph = b"".join(struct.pack("<IIIIIIII", 1, o, v, v, z, z, f, PAGE)
                      for o, v, z, f in loads)
    assert len(eh) + len(ph) <= TEXT_OFF
    out[0:len(eh)] = eh
    out[phoff:phoff + len(ph)] = ph
    return bytes(out)


def main():
    d = sys.argv[1]
    os.makedirs(d, exist_ok=True)
    seeds = {
        "fatal-amd64.elf": make(True, 0xfffffff1, True, True, False),
        "fatal-amd64-gomod.elf": make(True, 0xfffffff1, False, False, True),
        "fatal-386.elf": make(False, 0xfffffff0, True, True, False),
    }
    for name, b in seeds.items():
        with open(os.path.join(d, name), "wb") as f:
            f.write(b)


if __name__ == "__main__":
    main()
