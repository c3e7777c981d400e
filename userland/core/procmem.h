/* SPDX-License-Identifier: GPL-2.0 */
/*
 * procmem.h - the memory of a crashed process as gocap sees it: the bytes a
 * core holds, and, behind them, the read-only segments of the executable
 * (text, rodata) for cores that lack them.
 *
 * A core always wins over the executable.  From the executable only
 * segments that are not writable are taken (writable bytes in the file
 * are not what the process had), and the RELRO part only once its
 * relocations are applied as the loader did.  Bytes a core
 * declares but does not hold (p_filesz < p_memsz, or cut off by truncation)
 * are unknown: reads of them fail rather than return zeros.
 *
 * No I/O: segments point into buffers (mappings) the caller keeps alive.
 * Lookups are binary searches with a one-entry cache, since the goroutine
 * walker reads millions of words from a few hundred segments.
 */
#ifndef GOCD_PROCMEM_H
#define GOCD_PROCMEM_H

#include <stddef.h>
#include <stdint.h>

#include "gocoredump/elf.h"

struct elfcore;

/* struct procmem_seg.flags: PF_R, PF_W, PF_X (the segment's p_flags), and */
#define PROCMEM_PF_MASK	(PF_R | PF_W | PF_X)
#define PROCMEM_FROM_EXE	0x100	/* bytes come from the executable */

struct procmem_seg {
	uint64_t start, end;	/* [start, end) of known bytes */
	const uint8_t *data;	/* data[0] is the byte at start */
	uint32_t flags;		/* PF_* | PROCMEM_FROM_EXE */
};

struct procmem {
	struct procmem_seg *segs;	/* sorted by start, non-overlapping */
	size_t n;
	size_t cache;		/* index of the last hit */
	uint64_t reads_failed;	/* reads that hit unknown bytes */
	uint8_t **owned;	/* buffers procmem made (relocated copies) */
	size_t nowned;
};

/*
 * An executable's dynamic relocations (DT_RELA), as far as a reader can
 * resolve them: a relative one (the architecture's R_*_RELATIVE) stores
 * load bias + addend; any other kind needs a symbol of another object, so
 * its value is unknown.
 */
struct procmem_reloc {
	uint64_t where;		/* process address (load bias applied) */
	uint64_t value;		/* what the loader stored there, if known */
	int known;
};

struct procmem_relocs {
	struct procmem_reloc *v;	/* sorted by where */
	size_t n;
};

void procmem_init(struct procmem *m);
void procmem_free(struct procmem *m);

/* Add the file-backed bytes of every PT_LOAD of the core. */
int procmem_add_core(struct procmem *m, const struct elfcore *c);

/*
 * Read the relocations of an ELF executable (file bytes exe[0, size))
 * loaded at bias; rel_relative is the architecture's R_*_RELATIVE type.
 * Returns 0 (out->n is 0 for an executable without DT_RELA), or -1 when
 * its dynamic section or relocation table is malformed or out of memory.
 */
int procmem_exe_relocs(const void *exe, size_t size, uint64_t bias,
		       uint32_t rel_relative, struct procmem_relocs *out);
void procmem_relocs_free(struct procmem_relocs *r);
/* The relocation at process address where, or NULL. */
const struct procmem_reloc *procmem_reloc_at(const struct procmem_relocs *r,
					     uint64_t where);

/*
 * Add the read-only PT_LOAD segments of an ELF executable (file bytes
 * exe[0, size)) loaded at bias, wherever the core does not already hold
 * bytes.  The RELRO part is added only with its relocations (rel not
 * NULL): a copy with each relative relocation applied, without the words
 * whose value is unknown; read-only after relocation, it is what the
 * process had.  Returns 0, or -1 when the ELF headers are malformed or out
 * of memory.  Call after procmem_add_core().
 */
int procmem_add_exe(struct procmem *m, const void *exe, size_t size,
		  uint64_t bias, const struct procmem_relocs *rel);

/* Add a segment of raw bytes (for the fuzz target and tests). */
int procmem_add(struct procmem *m, uint64_t start, const void *data, size_t len,
	      uint32_t flags);

/* The segment holding addr, or NULL. */
const struct procmem_seg *procmem_seg_at(const struct procmem *m, uint64_t addr);

/* Copy len bytes at addr; 0, or -1 when any of them is unknown. */
int procmem_read(const struct procmem *m, uint64_t addr, void *buf, size_t len);

/* Are all of [addr, addr + len) known?  (No copying.) */
int procmem_known(const struct procmem *m, uint64_t addr, uint64_t len);

/* The lowest known address at or above addr, or UINT64_MAX. */
uint64_t procmem_known_from(const struct procmem *m, uint64_t addr);

/* Pointer to len contiguous known bytes at addr, or NULL. */
const void *procmem_ptr(const struct procmem *m, uint64_t addr, size_t len);

/* Pointer to the known bytes from addr to the end of its segment. */
const void *procmem_span(const struct procmem *m, uint64_t addr, size_t *len);

/*
 * An ELF reader (lib/goelf.c) over the process memory from base on: file
 * offset o is the byte at base + o.  For the headers of a file the process
 * mapped (its first page, at the address where offset 0 is mapped).  v
 * must live as long as r is used.
 */
struct goelf_reader;
struct procmem_view {
	const struct procmem *m;
	uint64_t base;
};

void procmem_reader(struct goelf_reader *r, struct procmem_view *v,
		  const struct procmem *m, uint64_t base);

/* Little-endian words; return 0 or -1 like procmem_read. */
int procmem_u64(const struct procmem *m, uint64_t addr, uint64_t *v);
int procmem_u32(const struct procmem *m, uint64_t addr, uint32_t *v);
int procmem_u8(const struct procmem *m, uint64_t addr, uint8_t *v);

#endif /* GOCD_PROCMEM_H */
