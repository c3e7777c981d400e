/* SPDX-License-Identifier: GPL-2.0 */
/*
 * elfcore.h - read an ELF core file: its PT_LOAD segments, its notes, and
 * the process memory they hold.
 *
 * The core is untrusted input.  elfcore_open() validates every header
 * against the file size and never fails because the file is truncated: a
 * segment whose bytes run past the end of the file is kept, marked short,
 * and reads from the missing part fail cleanly.  Whatever could be
 * understood is available; elfcore_problem() says what could not.
 *
 * It is not a writer and knows nothing about Go: see goroutine readers for
 * that.
 */
#ifndef GOCD_ELFCORE_H
#define GOCD_ELFCORE_H

#include <stddef.h>
#include <stdint.h>

#include "core/arch.h"
#include "gocoredump/elf.h"

#define ELFCORE_MAX_SEGS	(1u << 20)
/* Owner name of the kernel's own notes (NT_PRSTATUS, NT_FILE, ...). */
#define ELFCORE_OWNER		"CORE"
#define ELFCORE_MAX_NOTES	(1u << 20)

struct elfcore_seg {
	uint64_t vaddr;		/* p_vaddr */
	uint64_t memsz;		/* p_memsz */
	uint64_t filesz;	/* p_filesz as written in the header */
	uint64_t offset;	/* p_offset */
	uint64_t avail;		/* bytes of filesz actually in the file */
	uint32_t flags;		/* PF_R/PF_W/PF_X */
};

struct elfcore_note {
	const char *name;	/* owner name, NUL-terminated (in the map) */
	uint32_t namesz;	/* n_namesz, NUL included */
	uint32_t type;		/* n_type */
	const uint8_t *desc;	/* descriptor bytes (in the map) */
	uint32_t descsz;
	uint64_t offset;	/* file offset of the note header */
};

struct elfcore {
	const uint8_t *data;	/* the whole file, mapped read-only */
	size_t size;
	int fd;			/* -1 for a core given from memory */
	int elf_class;		/* 1 (ELFCLASS32) or 2 (ELFCLASS64) */
	uint16_t e_type;	/* ET_CORE */
	uint16_t e_machine;
	uint32_t phnum;		/* after extended numbering */
	struct elfcore_seg *segs;	/* PT_LOAD, in header order */
	size_t nsegs;
	struct elfcore_note *notes;	/* every note of every PT_NOTE */
	size_t nnotes;
	uint64_t note_off, note_size;	/* the first PT_NOTE segment */
	int truncated;		/* some PT_LOAD/PT_NOTE bytes are missing */
	/*
	 * When truncated: the size the file should have (the end of its
	 * last segment), and the first byte of process memory that is
	 * missing (the cut segment with the lowest file offset): the kernel
	 * writes segments in ascending address order, so the memory from
	 * cut_vaddr on is gone.  cut_vaddr is 0 when only notes are cut.
	 */
	uint64_t want_size;
	uint64_t cut_vaddr;
	char problem[256];	/* first thing found wrong, "" if none */
};

/*
 * Open path (mmap) or a buffer the caller keeps alive.  Returns 0 on
 * success, -1 when the file is not a readable ELF core at all; the reason
 * is in c->problem either way ("" when nothing was wrong).
 */
int elfcore_open(struct elfcore *c, const char *path);
int elfcore_from_mem(struct elfcore *c, const void *data, size_t size);
void elfcore_close(struct elfcore *c);

/*
 * A hint that most of the core will be read (gocap heap's mark): the
 * pages the page cache does not hold yet are read in 2 MiB folios, each
 * mapped by one page table entry, where the file system has large
 * folios (fewer page faults and TLB misses; bench/README.md).  Not
 * for commands that read a little of a big core: each page they need
 * would bring in 2 MiB.  Nothing for a core in memory, or when the
 * kernel cannot.
 */
void elfcore_will_read_most(const struct elfcore *c);

/* The segment holding vaddr, or NULL. */
const struct elfcore_seg *elfcore_seg_at(const struct elfcore *c,
					 uint64_t vaddr);

/*
 * Copy len bytes of process memory at vaddr into buf.  Returns 0 when all
 * of them are in the core, -1 otherwise.  Bytes past p_filesz but inside
 * p_memsz are not in the core: the kernel left them out (coredump_filter),
 * so their content is unknown and reading them fails.
 */
int elfcore_read(const struct elfcore *c, uint64_t vaddr, void *buf,
		 size_t len);

/* Pointer to len bytes at vaddr inside the mapped core, or NULL when they
 * are not all present in one segment's file bytes. */
const void *elfcore_ptr(const struct elfcore *c, uint64_t vaddr, size_t len);

/* The idx-th note (0-based) with that owner and type, or NULL. */
const struct elfcore_note *elfcore_note(const struct elfcore *c,
					const char *name, uint32_t type,
					size_t idx);

/* A thread's NT_PRSTATUS, decoded for the core's architecture (arch.h):
 * 0, or -1 when it is too short or the architecture is unknown. */
int elfcore_prstatus(const struct elfcore *c, const struct elfcore_note *n,
		     struct core_regs *out);

/* The value of auxv entry key (AT_ENTRY, ...) from NT_AUXV, 0 if none. */
uint64_t elfcore_auxv(const struct elfcore *c, uint64_t key);

/* NT_FILE: the mapped files.  Calls fn for each entry; stops on nonzero. */
int elfcore_files(const struct elfcore *c,
		  int (*fn)(void *arg, uint64_t start, uint64_t end,
			    uint64_t file_off, const char *path),
		  void *arg);

#endif /* GOCD_ELFCORE_H */
