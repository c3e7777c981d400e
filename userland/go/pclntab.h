/* SPDX-License-Identifier: GPL-2.0 */
/*
 * pclntab.h - read a Go module's pc/line table (runtime.pcHeader and the
 * tables that follow it): functions, names, file:line, the pcsp table for
 * unwinding, pcdata/funcdata and the inline tree.
 *
 * Plain C, no I/O, no allocation: the caller hands in the table's bytes (as
 * they sit in the process, from the pcHeader on) and every offset read from
 * them is checked against that buffer.  A lookup that runs off the buffer
 * fails; it never reads outside it.  Built into gocap and into a libFuzzer
 * target.
 *
 * Formats known: Go 1.18/1.19 (magic 0xfffffff0) and Go 1.20 and later
 * (magic 0xfffffff1).  The differences between them are decided once, in
 * pclntab_init(), from the magic (see enum pcln_version); the readers below
 * consult t->ver and nothing else.  Older tables (Go 1.2 to 1.17) are
 * refused.
 */
#ifndef GOCD_PCLNTAB_H
#define GOCD_PCLNTAB_H

#include <stddef.h>
#include <stdint.h>

enum pcln_version {
	PCLN_VER_UNKNOWN = 0,
	PCLN_VER_118,		/* Go 1.18, 1.19: 0xfffffff0 */
	PCLN_VER_120,		/* Go 1.20 and later: 0xfffffff1 */
};

#define PCLN_MAGIC_118		0xfffffff0u
#define PCLN_MAGIC_120		0xfffffff1u

/* Indices of the pcdata and funcdata tables (internal/abi/symtab.go). */
#define PCDATA_UnsafePoint	0
#define PCDATA_StackMapIndex	1
#define PCDATA_InlTreeIndex	2
#define PCDATA_ArgLiveIndex	3
#define FUNCDATA_InlTree	3
#define FUNCDATA_ArgInfo	5
#define FUNCDATA_ArgLiveInfo	6

/* _func.flag bits (abi.FuncFlag). */
#define PCLN_FLAG_TOPFRAME	0x1
#define PCLN_FLAG_SPWRITE	0x2
#define PCLN_FLAG_ASM		0x4

/* Bounds: a table over these is refused as implausible. */
#define PCLN_MAX_NFUNC		(4u << 20)
#define PCLN_MAX_NAME		4096	/* longest function/file name read */

struct pclntab {
	const uint8_t *data;	/* from the pcHeader on */
	size_t size;		/* bytes of data available */
	enum pcln_version ver;
	uint64_t text;		/* moduledata.text: base of entry offsets */
	uint32_t nfunc, nfiles;
	uint8_t minlc, ptrsize;
	/* Offsets from data of the sub-tables; each ends where the next
	 * begins (funcname < cu < file < pc < pcln <= size). */
	uint64_t funcname_off, cu_off, filetab_off, pctab_off, pcln_off;
	uint32_t func_hdr;	/* fixed part of _func: 40 (1.18) or 44 */
	uint32_t inl_size;	/* inlinedCall: 20 (1.18) or 16 */
};

/* One function (runtime._func, decoded). */
struct pcfunc {
	uint32_t index;		/* in the function table */
	uint64_t entry;		/* absolute entry pc */
	uint64_t end;		/* entry of the next function (or etext) */
	uint32_t off;		/* offset of the _func from pcln_off */
	int32_t nameoff;
	int32_t args;
	uint32_t deferreturn;
	uint32_t pcsp, pcfile, pcln, npcdata, cu_offset;
	int32_t start_line;	/* 0 before Go 1.20 */
	uint8_t funcid, flag, nfuncdata;
};

/* One entry of the inline tree (runtime.inlinedCall, decoded). */
struct pcinl {
	uint8_t funcid;
	int32_t nameoff;	/* into funcnametab */
	int32_t parent_pc;	/* offset from the outer function's entry */
	int32_t start_line;	/* Go 1.20+, else 0 */
};

/* runtime.pcHeader, decoded. */
#define PCLN_HEADER_SIZE	72

struct pcheader {
	enum pcln_version ver;
	uint8_t minlc, ptrsize;
	uint64_t nfunc, nfiles;
	uint64_t funcname_off, cu_off, filetab_off, pctab_off, pcln_off;
};

/*
 * Decode the pcHeader at hdr (len bytes available) and check what it says
 * on its own: magic, padding, a 64-bit table, a plausible function count,
 * sub-tables in order.  0, or -1 with a reason in err (err may be NULL
 * with errlen 0, for a scan that tries many candidates).
 */
int pclntab_header(const void *hdr, size_t len, struct pcheader *h,
		   char *err, size_t errlen);

/*
 * Recognise the table at data (size bytes, starting at the pcHeader) and
 * fill *t.  text is moduledata.text (the header's own textStart is not
 * used: it is gone from Go 1.22 and needs relocation before).  Returns 0, or
 * -1 with a reason in err.
 */
int pclntab_init(struct pclntab *t, const void *data, size_t size,
		 uint64_t text, char *err, size_t errlen);

/* Version from the first four bytes of a candidate pcHeader, or UNKNOWN. */
enum pcln_version pclntab_magic_version(const void *hdr4);

/* The function containing pc (as the runtime's findfunc), 0 or -1. */
int pclntab_func_at(const struct pclntab *t, uint64_t pc, struct pcfunc *f);
/* The i-th function of the table, 0 or -1. */
int pclntab_func_by_index(const struct pclntab *t, uint32_t i,
			  struct pcfunc *f);

/* NUL-terminated name at nameoff in funcnametab, or NULL when it is out of
 * bounds or not terminated within PCLN_MAX_NAME bytes. */
const char *pclntab_name(const struct pclntab *t, int32_t nameoff);
static inline const char *pclntab_funcname(const struct pclntab *t,
					   const struct pcfunc *f)
{
	return pclntab_name(t, f->nameoff);
}

/* Find a function by exact name (linear scan), 0 or -1. */
int pclntab_func_by_name(const struct pclntab *t, const char *name,
			 struct pcfunc *f);

/*
 * Value of the pc-value table at pctab offset tab for targetpc inside f.
 * Returns 0 with *val set, or -1 (no table, pc outside it, or malformed).
 */
int pclntab_pcvalue(const struct pclntab *t, const struct pcfunc *f,
		    uint32_t tab, uint64_t targetpc, int32_t *val);

/* pcdata table idx at pc, as pcdatavalue(): -1 when absent. */
int32_t pclntab_pcdata(const struct pclntab *t, const struct pcfunc *f,
		       uint32_t idx, uint64_t pc);

/* Offset past moduledata.gofunc of funcdata idx; -1 when absent. */
int pclntab_funcdata(const struct pclntab *t, const struct pcfunc *f,
		     uint32_t idx, uint32_t *off);

/* SP delta at pc (funcspdelta), 0 or -1. */
int pclntab_spdelta(const struct pclntab *t, const struct pcfunc *f,
		    uint64_t pc, int32_t *delta);

/* File and line at pc (funcline1).  *file is "?" and *line 0 when the
 * tables do not say; returns 0 when both were found. */
int pclntab_fileline(const struct pclntab *t, const struct pcfunc *f,
		     uint64_t pc, const char **file, int32_t *line);

/* Decode entry idx of an inline tree whose bytes (tree_len of them) the
 * caller read from gofunc + the FUNCDATA_InlTree offset.  0 or -1. */
int pclntab_inl(const struct pclntab *t, const void *tree, size_t tree_len,
		int32_t idx, struct pcinl *out);

#endif /* GOCD_PCLNTAB_H */
