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
 * It answers three questions about an ELF file:
 *  - is it Go?  (a .go.buildinfo section or a Go build-ID note);
 *  - what does its .go.buildinfo say? (Go version, main module, vcs
 *    revision, and the whole modinfo text for those who want it);
 *  - where are the Go runtime's scheduler roots? (from .symtab).
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

/* Bounds on what the parser accepts (a file beyond them is "not Go"). */
#define GOELF_MAX_SHNUM		65535
#define GOELF_MAX_PHNUM		4096
#define GOELF_MAX_SYMS		(8u << 20)	/* symbols scanned in .symtab */
#define GOELF_MAX_BUILDINFO	(64u << 10)	/* modinfo text kept */

/* struct goelf_info.flags */
#define GOELF_F_ELF		(1u << 0) /* a valid little-endian ELF file */
#define GOELF_F_BUILDINFO	(1u << 1) /* has a .go.buildinfo section */
#define GOELF_F_GOBUILDID	(1u << 2) /* has a Go build-ID note */
#define GOELF_F_SYMTAB		(1u << 3) /* has a .symtab */
#define GOELF_F_GO		(GOELF_F_BUILDINFO | GOELF_F_GOBUILDID)
#define GOELF_F_VERSION		(1u << 4) /* go_version/go_module parsed */
#define GOELF_F_VCSREV		(1u << 5) /* vcs_revision parsed */
#define GOELF_F_ROOTS		(1u << 6) /* symbol table was scanned */

/* What goelf_probe() should do beyond recognising the file. */
#define GOELF_WANT_BUILDINFO	(1u << 0) /* parse .go.buildinfo strings */
#define GOELF_WANT_ROOTS	(1u << 1) /* scan .symtab for the roots */

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
	char go_version[GCD_GOVERSION_LEN];	/* "go1.22.12" */
	char go_module[GCD_GOMODULE_LEN];	/* main module path */
	char vcs_revision[GCD_VCSREV_LEN];
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

/* Name of a root, "runtime.allgs" and so on. */
const char *goelf_root_name(unsigned int root);

/* Text for a negative GOELF_E* value. */
const char *goelf_strerror(int err);

#endif /* _GOCOREDUMP_GOELF_H */
