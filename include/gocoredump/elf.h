/* SPDX-License-Identifier: GPL-2.0 */
/*
 * elf.h - the ELF constants and record layouts every reader of ELF in
 * gocoredump uses: the kernel module, the shared parser (lib/goelf.c), the
 * tools and the tests.  No file outside this header and lib/goelf.c defines
 * an ELF constant or spells an ELF field by its byte offset.
 *
 * The constants and the Elf32_* / Elf64_* record types come from the
 * system's own definition: <linux/elf.h> in the kernel, glibc's <elf.h> in
 * userland (both name the same records and fields the same way).  Byte
 * offsets are offsetof() of those records, named below once, for parsers
 * that decode little-endian bytes field by field instead of casting (the
 * bytes are untrusted, maybe unaligned, and the host's byte order must not
 * matter).
 *
 * What it is not: a parser.  That is lib/goelf.c (include/gocoredump/
 * goelf.h), bounded and fuzzed.
 */
#ifndef _GOCOREDUMP_ELF_H
#define _GOCOREDUMP_ELF_H

#ifdef __KERNEL__
#include <linux/elf.h>
#include <linux/stddef.h>
#else
#include <elf.h>
#include <stddef.h>
#endif

/* Not in every version of the headers above. */
#ifndef NT_GNU_BUILD_ID
#define NT_GNU_BUILD_ID		3
#endif
#ifndef NT_FILE
#define NT_FILE			0x46494c45
#endif
#ifndef NT_SIGINFO
#define NT_SIGINFO		0x53494749
#endif
#ifndef PT_GNU_RELRO
#define PT_GNU_RELRO		0x6474e552
#endif
#ifndef DT_RELR
#define DT_RELR			36
#endif
#ifndef SHN_XINDEX
#define SHN_XINDEX		0xffff
#endif
#ifndef PN_XNUM
#define PN_XNUM			0xffff
#endif

/* Go's build-ID note: owner "Go", type 4 (cmd/link: ELF_NOTE_GOBUILDID_TAG). */
#define GOELF_NOTE_GO_OWNER	"Go"
#define GOELF_NT_GO_BUILDID	4
#define GOELF_NOTE_GNU_OWNER	"GNU"

/* Sizes of the records, by class. */
#define GOELF_EHDR32_SIZE	sizeof(Elf32_Ehdr)	/* 52 */
#define GOELF_EHDR64_SIZE	sizeof(Elf64_Ehdr)	/* 64 */
#define GOELF_PHDR32_SIZE	sizeof(Elf32_Phdr)	/* 32 */
#define GOELF_PHDR64_SIZE	sizeof(Elf64_Phdr)	/* 56 */
#define GOELF_SHDR32_SIZE	sizeof(Elf32_Shdr)	/* 40 */
#define GOELF_SHDR64_SIZE	sizeof(Elf64_Shdr)	/* 64 */
#define GOELF_SYM32_SIZE	sizeof(Elf32_Sym)	/* 16 */
#define GOELF_SYM64_SIZE	sizeof(Elf64_Sym)	/* 24 */
/* A note's header: n_namesz, n_descsz, n_type (the same in both classes). */
#define GOELF_NHDR_SIZE		sizeof(Elf64_Nhdr)	/* 12 */
/*
 * Note names and descriptors are padded to 4 bytes (both classes, as
 * Linux and the Go linker write them).
 */
#define GOELF_NOTE_ALIGN	4

/* Field offsets, by class: GOELF_OFF(64, Ehdr, e_phoff) and so on. */
#define GOELF_OFF(bits, rec, field)	offsetof(Elf##bits##_##rec, field)
#define GOELF_SIZE(bits, rec, field)	sizeof(((Elf##bits##_##rec *)0)->field)

#endif /* _GOCOREDUMP_ELF_H */
