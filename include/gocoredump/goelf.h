/* SPDX-License-Identifier: GPL-2.0 */
/*
 * goelf.h - recognise a Go ELF file and read what the core needs from it.
 *
 * The parser in lib/goelf.c is plain C with no I/O of its own: every byte
 * comes through a caller-supplied read function, and every offset and size
 * read from the file is validated before use.  The same file is built into
 * gocoredump.ko (reading with kernel_read()), into the userland tools
 * (reading with pread() or from memory) and into a libFuzzer target.
 *
 * It is the ELF layer of the project: every reader of ELF structure, in
 * the kernel and in userland, goes through it.  Two levels:
 *
 *  - records: the ELF header, program and section headers, decoded for
 *    both classes (goelf_read_ehdr/_phdr/_shdr), and an iterator over the
 *    notes of a note area (goelf_note_next), with the build-ID notes of Go
 *    and GNU picked out;
 *  - questions about a Go file (goelf_probe): is it Go (a .go.buildinfo
 *    section or a Go build-ID note)?  what does its .go.buildinfo say (Go
 *    version, main module, vcs revision, the whole modinfo text)?  where
 *    are the Go runtime's scheduler roots (.symtab)?
 *
 * Constants and record layouts are include/gocoredump/elf.h's.
 */
#ifndef _GOCOREDUMP_GOELF_H
#define _GOCOREDUMP_GOELF_H

#ifdef __KERNEL__
#include <linux/types.h>
#else
#include <stddef.h>
#include <stdint.h>
#endif

#include "../uapi/gocoredump.h"
#include "elf.h"

/*
 * read() fills buf with exactly len bytes from offset off, returning 0, or a
 * negative value when that is not possible (short file, I/O error).  The
 * parser never asks for more than GOELF_MAX_READ bytes at once.
 */
struct goelf_reader {
	int (*read)(void *ctx, uint64_t off, void *buf, size_t len);
	void *ctx;
	uint64_t size;		/* size of the file in bytes */
};

#define GOELF_MAX_READ		4096

/*
 * A reader over bytes already in memory (a mapped file, a buffer): reads
 * outside [0, size) fail.  m must live as long as r is used.
 */
struct goelf_mem {
	const uint8_t *p;
	uint64_t size;
};

void goelf_mem_reader(struct goelf_reader *r, struct goelf_mem *m,
		      const void *p, uint64_t size);

/*
 * The ELF header, decoded, with extended numbering (PN_XNUM, SHN_XINDEX)
 * resolved through section header 0.
 */
struct goelf_ehdr {
	uint8_t elf_class;		/* ELFCLASS32 or ELFCLASS64 */
	uint16_t type;			/* ET_EXEC, ET_DYN, ET_CORE ... */
	uint16_t machine;		/* EM_X86_64, EM_386 ... */
	uint64_t entry;
	uint64_t phoff, shoff;
	uint32_t phentsize, shentsize;
	uint32_t phnum, shnum, shstrndx;
};

struct goelf_phdr {
	uint32_t type, flags;		/* PT_*, PF_* */
	uint64_t offset, vaddr, filesz, memsz;
};

struct goelf_shdr {
	uint32_t name, type, link, info;
	uint64_t offset, size;
};

/*
 * goelf_read_ehdr - decode the ELF header of r's file.  Checks the ident
 * (magic, little-endian, class), that the header is whole, that each
 * table's entries are at least one record long and that the program and
 * section header tables lie inside the file.  It bounds no count: callers
 * do (a core may have a million program headers, an executable not).
 * Returns 0, or a negative GOELF_E* with *why (when why is not NULL)
 * pointing at a static sentence saying what is wrong.
 */
int goelf_read_ehdr(const struct goelf_reader *r, struct goelf_ehdr *eh,
		    const char **why);

/* Program or section header idx (< phnum or shnum): 0 or -GOELF_E*. */
int goelf_read_phdr(const struct goelf_reader *r, const struct goelf_ehdr *eh,
		    uint32_t idx, struct goelf_phdr *ph);
int goelf_read_shdr(const struct goelf_reader *r, const struct goelf_ehdr *eh,
		    uint32_t idx, struct goelf_shdr *sh);

/*
 * Notes of a note area (a PT_NOTE segment or an SHT_NOTE section):
 *
 *	struct goelf_notes it;
 *	struct goelf_note n;
 *
 *	goelf_notes_init(&it, off, size);
 *	while (goelf_note_next(r, &it, &n) > 0)
 *		...
 *
 * goelf_note_next() returns 1 with the next note in *n, 0 when the area
 * holds no further note header, or a negative GOELF_E* when the note's
 * owner name or descriptor runs past the area (or a read fails): the walk
 * ends there, and it->pos is that note's offset.  A last descriptor
 * without its padding is accepted (a core cut right after it).  Offsets
 * in *n are file offsets.
 */
struct goelf_notes {
	uint64_t pos, end;
};

struct goelf_note {
	uint32_t namesz, descsz, type;
	uint64_t offset;		/* of the note header */
	uint64_t name_off, desc_off;	/* of the owner name, the descriptor */
};

void goelf_notes_init(struct goelf_notes *it, uint64_t off, uint64_t size);
int goelf_note_next(const struct goelf_reader *r, struct goelf_notes *it,
		    struct goelf_note *n);

/*
 * Is n's owner exactly owner (n_namesz strlen(owner) + 1, NUL included)?
 * 1 yes, 0 no or unreadable.
 */
int goelf_note_owner_is(const struct goelf_reader *r,
			const struct goelf_note *n, const char *owner);

/*
 * The build IDs in the note area [off, off + size): Go's (owner "Go",
 * type 4, copied as printable text) and GNU's (NT_GNU_BUILD_ID, 1 to 32
 * bytes, copied as lower-case hex).  Each returns 1 when found (out holds
 * it, NUL-terminated), 0 when not.  At most GOELF_MAX_NOTES notes are
 * looked at.
 */
#define GOELF_MAX_NOTES		256
#define GOELF_GNU_BUILDID_LEN	(2 * 32 + 1)

int goelf_go_buildid(const struct goelf_reader *r, uint64_t off,
		     uint64_t size, char *out, size_t outlen);
int goelf_gnu_buildid(const struct goelf_reader *r, uint64_t off,
		      uint64_t size, char *out, size_t outlen);

/* Bounds on what the parser accepts (a file beyond them is "not Go"). */
#define GOELF_MAX_SHNUM		65535
#define GOELF_MAX_PHNUM		4096
#define GOELF_MAX_SYMS		(2u << 20)	/* symbols scanned in .symtab */
#define GOELF_MAX_BUILDINFO	(64u << 10)	/* modinfo text kept */
/*
 * Bounds on what goelf_probe() reads; the part beyond them is skipped, the
 * file is still judged.  Note areas: SHT_NOTE sections and PT_NOTE
 * segments looked through for build IDs (GOELF_MAX_NOTES notes each); a
 * crafted file can declare 65535 note sections over the same bytes.
 * String table: bytes of .strtab searched for the roots' names (a root
 * whose name lies beyond is not found).  With GOELF_MAX_SHNUM and
 * GOELF_MAX_SYMS this bounds a probe to about 130 MB read in at most
 * about 300,000 reads, whatever the file says.
 */
#define GOELF_MAX_NOTE_AREAS	16
#define GOELF_MAX_STRTAB	(64u << 20)

/* struct goelf_info.flags */
#define GOELF_F_ELF		(1u << 0) /* a valid little-endian ELF file */
#define GOELF_F_BUILDINFO	(1u << 1) /* has a .go.buildinfo section */
#define GOELF_F_GOBUILDID	(1u << 2) /* has a Go build-ID note */
#define GOELF_F_SYMTAB		(1u << 3) /* has a .symtab */
#define GOELF_F_GO		(GOELF_F_BUILDINFO | GOELF_F_GOBUILDID)
#define GOELF_F_VERSION		(1u << 4) /* go_version/go_module parsed */
#define GOELF_F_VCSREV		(1u << 5) /* vcs_revision parsed */
#define GOELF_F_ROOTS		(1u << 6) /* symbol table was scanned */
#define GOELF_F_GNUBUILDID	(1u << 7) /* has a GNU build-ID note */
#define GOELF_F_FATAL_SCANNED	(1u << 8) /* GOELF_WANT_FATAL was done */
/*
 * The fatal-path facts are complete and consistent: fatal_entry and
 * fatal_off are runtime.startpanic_m's, tbcache is runtime.traceback_cache
 * (from code, cross-checked with .symtab when the file has one) and the
 * file holds the variable's initial value there.
 */
#define GOELF_F_FATAL		(1u << 9)

/* What goelf_probe() should do beyond recognising the file. */
#define GOELF_WANT_BUILDINFO	(1u << 0) /* parse .go.buildinfo strings */
#define GOELF_WANT_ROOTS	(1u << 1) /* scan .symtab for the roots */
/*
 * Find what gocoredump.ko needs to make a fatal error crash as under
 * GOTRACEBACK=crash (module/fatal.c): from the pclntab (.gopclntab, or
 * .data.rel.ro.gopclntab in a PIE before Go 1.26; it survives -s -w), the
 * entries of runtime.startpanic_m and of runtime.setTraceback (named
 * runtime/debug.SetTraceback there, its linkname); from setTraceback's
 * code, the address of its one 32-bit atomic store, which is
 * runtime.traceback_cache (amd64: LEA disp(%rip),reg then XCHG; 386: LEA
 * abs32,reg then the argument store of the call to atomic.Store); from
 * .symtab, when there is one, the same variable's symbol.  The pclntab must
 * be Go 1.18's format or later's (magic 0xfffffff0/0xfffffff1) for the
 * file's pointer size.  Bounded: at most GOELF_MAX_FUNCS functions and the
 * bytes of the function-name table.  Only EM_X86_64 and EM_386 files.
 * A PIE linked by the system linker before Go 1.26 (cgo, or Debian's
 * packages) has no section for the pclntab: it is looked for in
 * .data.rel.ro, at most GOELF_MAX_MERGED_SCAN bytes of it.
 */
#define GOELF_WANT_FATAL	(1u << 2)
#define GOELF_MAX_FUNCS		(4u << 20)
#define GOELF_MAX_MERGED_SCAN	(256u << 20)

/* Values of runtime.traceback_cache (runtime1.go, Go 1.19 to 1.27). */
#define GOELF_TB_CRASH		1u		/* tracebackCrash */
#define GOELF_TB_ALL		2u		/* tracebackAll */
#define GOELF_TB_SHIFT		2		/* tracebackShift */
#define GOELF_TB_INITIAL	(2u << GOELF_TB_SHIFT)	/* before the env */
/* GOTRACEBACK=crash: level 2, all, crash. */
#define GOELF_TB_UPGRADED	(2u << GOELF_TB_SHIFT | GOELF_TB_ALL | \
				 GOELF_TB_CRASH)

#define GOELF_BUILDID_LEN	128

struct goelf_info {
	uint32_t flags;			/* GOELF_F_* */
	uint8_t elf_class;		/* ELFCLASS32 or ELFCLASS64 */
	uint16_t e_type;		/* ET_EXEC, ET_DYN */
	uint16_t e_machine;		/* EM_X86_64, EM_386, ... */
	/*
	 * Page-aligned p_vaddr of the PT_LOAD that maps file offset 0: the
	 * load bias is where offset 0 is mapped minus this.
	 */
	uint64_t vaddr_at_off0;
	uint64_t buildinfo_off;		/* file offset of .go.buildinfo */
	uint64_t buildinfo_size;
	uint32_t roots_present;		/* bit GCD_ROOT_x: roots[x] valid */
	uint64_t roots[GCD_ROOT_COUNT];	/* symbol values (no bias) */
	char go_buildid[GOELF_BUILDID_LEN];	/* Go build ID, "" if none */
	char gnu_buildid[GOELF_GNU_BUILDID_LEN];	/* hex, "" if none */
	char go_version[GCD_GOVERSION_LEN];	/* "go1.22.12" */
	char go_module[GCD_GOMODULE_LEN];	/* main module path */
	char vcs_revision[GCD_VCSREV_LEN];
	/* GOELF_WANT_FATAL; link-time addresses (no load bias) */
	uint64_t fatal_entry;		/* runtime.startpanic_m */
	uint64_t fatal_off;		/* its file offset */
	uint64_t settb_entry;		/* runtime.setTraceback */
	uint64_t tbcache_code;		/* from setTraceback's code, or 0 */
	uint64_t tbcache_sym;		/* from .symtab, or 0 */
	uint64_t tbcache;		/* the one to use (GOELF_F_FATAL) */
	const char *fatal_why;		/* static text: why no GOELF_F_FATAL */
};

/* Errors (negative return values). */
#define GOELF_ENOTELF		1	/* not an ELF file we understand */
#define GOELF_EIO		2	/* the reader failed */
#define GOELF_EBADF		3	/* malformed: an offset or size is wrong */
#define GOELF_ERANGE		4	/* over one of the GOELF_MAX_* bounds */

/* Size of the scratch buffer that goelf_probe() and goelf_modinfo() need. */
#define GOELF_SCRATCH_SIZE	GOELF_MAX_READ

/*
 * goelf_probe - recognise r's file and fill *info.  scratch is a buffer of
 * GOELF_SCRATCH_SIZE bytes (the kernel cannot spare that on its stack).
 *
 * Returns 0 when the file is an ELF file (info->flags has GOELF_F_ELF; test
 * GOELF_F_GO to know whether it is Go), or a negative GOELF_E* when it is
 * not ELF or is malformed.  A malformed optional part (buildinfo strings,
 * symbol table) does not fail the probe: its flag is just left clear.
 *
 * Errors are not verdicts: when any read of r fails, whichever part of the
 * file it was for, the probe returns -GOELF_EIO and *info is incomplete:
 * the caller must not keep it as what the file is.  (Reads past the end of
 * the file are never asked of r: those make the file malformed.)
 */
int goelf_probe(const struct goelf_reader *r, unsigned int want,
		struct goelf_info *info, void *scratch);

/*
 * goelf_modinfo - copy the raw modinfo text of .go.buildinfo (the lines
 * "path\t...", "mod\t...", "dep\t...", "build\tkey=value") into buf,
 * NUL-terminated, and the Go version string into version.  Returns the
 * modinfo length, or a negative GOELF_E*.  Userland only needs this.
 */
int goelf_modinfo(const struct goelf_reader *r, const struct goelf_info *info,
		  char *version, size_t version_len, char *buf, size_t buf_len);

/*
 * goelf_buildinfo_mem - the same from the bytes of a .go.buildinfo section
 * already in memory (for instance read from a core): version and modinfo
 * text.  Returns the modinfo length or a negative GOELF_E*.
 */
int goelf_buildinfo_mem(const void *sec, size_t sec_len, char *version,
			size_t version_len, char *buf, size_t buf_len);

/*
 * goelf_symbols - userland only: the values (no load bias) of the defined
 * object symbols names[0..n) in r's .symtab, n <= GOELF_MAX_SYMBOL_NAMES,
 * each name shorter than 27 bytes.  A name with two symbols of different
 * values counts as not found.  scratch: GOELF_SCRATCH_SIZE bytes.
 * Returns the mask of names found (bit k: values[k]; 0 without .symtab),
 * or a negative GOELF_E*.  Bounded as goelf_probe()'s symbol scan is.
 */
#define GOELF_MAX_SYMBOL_NAMES	8	/* and the roots + 1 of goelf.c */

int goelf_symbols(const struct goelf_reader *r, const char *const *names,
		  unsigned int n, uint64_t *values, void *scratch);

/* Name of a root, "runtime.allgs" and so on. */
const char *goelf_root_name(unsigned int root);

/* Text for a negative GOELF_E* value. */
const char *goelf_strerror(int err);

/*
 * Dynamic linking records of a 64-bit executable, for readers that apply
 * its relocations themselves (gocap's memory overlay, core/procmem.c):
 * entry idx of a dynamic section at file offset off, and entry idx of a
 * RELA table at file offset off.  0, or -GOELF_E* when the entry is not
 * in the file.
 */
struct goelf_dyn {
	uint64_t tag, val;
};

struct goelf_rela {
	uint64_t offset, info, addend;
};

#define GOELF_DYN64_SIZE	sizeof(Elf64_Dyn)	/* 16 */
#define GOELF_RELA64_SIZE	sizeof(Elf64_Rela)	/* 24 */

int goelf_read_dyn(const struct goelf_reader *r, uint64_t off, uint64_t idx,
		   struct goelf_dyn *d);
int goelf_read_rela(const struct goelf_reader *r, uint64_t off, uint64_t idx,
		    struct goelf_rela *rel);

#endif /* _GOCOREDUMP_GOELF_H */
