/* SPDX-License-Identifier: GPL-2.0 */
/*
 * goproc.h - the Go process a core was taken from: its memory (core, and
 * the executable behind it), its Go version and runtime layout, its
 * pclntab, the scheduler roots, the Ms and the threads they ran on.
 *
 * goproc_open() does the discovery once; the goroutine walker
 * (goroutines.h) and the printers read the result.  Everything read from
 * the core or the executable is untrusted: counts are bounded, pointers
 * are only followed through procmem (which fails on unknown bytes), and a
 * fact that cannot be established is reported, not guessed.
 *
 * Where facts come from, in order of preference:
 *  - Go version: the executable's .go.buildinfo, the gocoredump note,
 *    .go.buildinfo found in the core's memory;
 *  - struct layouts: the executable's DWARF, else the per-release table;
 *  - pclntab and firstmoduledata: the firstmoduledata root, else a scan of
 *    the executable's mapped segments for the pcHeader magic and the
 *    moduledata that points at it;
 *  - scheduler roots: the gocoredump note, else the executable's .symtab,
 *    else the RIP-relative operands of runtime functions (goroots.c).
 */
#ifndef GOCD_GOPROC_H
#define GOCD_GOPROC_H

#include <stdint.h>
#include <stdio.h>

#include "core/arch.h"
#include "core/elfcore.h"
#include "core/gcdnote.h"
#include "core/procmem.h"
#include "go/golayout.h"
#include "go/govers.h"
#include "go/pclntab.h"
#include "uapi/gocoredump.h"

#define GOPROC_MAX_THREADS	(1u << 16)
#define GOPROC_MAX_MS		(1u << 16)
#define GOPROC_MAX_GS		(1u << 24)

/* Where a root's address came from. */
enum goroot_source {
	GOROOT_NONE = 0,
	GOROOT_NOTE,		/* gocoredump note */
	GOROOT_SYMTAB,		/* executable's .symtab */
	GOROOT_CODE,		/* RIP-relative operands of runtime code */
	GOROOT_SCAN,		/* memory scan (firstmoduledata) */
};

const char *goroot_source_name(enum goroot_source s);

/* How a goroutine was found (gofind.c for all but the first). */
enum gofound_how {
	GOFOUND_ALLGS = 0,	/* runtime.allgs */
	GOFOUND_M,		/* an M's curg or caughtsig */
	GOFOUND_THREAD,		/* a thread's TLS slot or g register */
	GOFOUND_SCAN,		/* a g-shaped object in the heap */
};

const char *gofound_name(enum gofound_how how);

struct gofound {
	uint64_t g, goid;
	enum gofound_how how;
};

struct gothread {
	uint32_t tid;
	int32_t cursig;
	struct core_regs regs;
	int m;			/* index into ms, or -1 */
};

struct gom {
	uint64_t addr;
	int64_t id;
	uint64_t procid;	/* the thread id */
	uint64_t g0, gsignal, curg, caughtsig;
	uint64_t libcallsp, libcallpc, libcallg, vdsosp, vdsopc;
	uint32_t throwing;
	uint32_t dying;
	uint8_t incgo;		/* running C code (cgo call) */
	int thread;		/* index into threads, or -1 */
};

struct gomoduledata {
	uint64_t addr;
	uint64_t pcheader, pclntab_end;
	uint64_t text, etext, minpc, maxpc;
	uint64_t noptrdata, enoptrbss;
	uint64_t types, etypes, rodata, gofunc;
};

struct goproc {
	const char *core_path, *exe_path;
	struct elfcore core;
	int have_core;
	const struct arch *arch;	/* the core's architecture */

	/* The executable, when given. */
	const uint8_t *exe_map;
	size_t exe_size;
	int exe_fd;
	char exe_buildid[128];
	int exe_unproven;	/* taken by its mappings: the build ID is cut */
	const char *debug_dir;	/* where separate debug files are, or NULL */
	/* the file holding its DWARF (itself or its debug file), "" none */
	char dwarf_path[4096];
	char dwarf_missing[1024];	/* why none, when one was looked for */

	/* The executable as mapped in the process. */
	uint64_t exe_base;	/* where its file offset 0 is mapped */
	uint64_t load_bias;
	char core_buildid[128];	/* Go build ID read from the core */
	char core_gnu_buildid[129];	/* its GNU build ID, hex, or "" */
	char exe_file[256];	/* its path according to NT_FILE */
	struct exe_range {
		uint64_t lo, hi;
		uint32_t flags;
	} exe_ranges[16];
	int nexe_ranges;

	struct gcd_note note;
	int have_note;

	struct procmem mem;
	struct procmem_relocs relocs;	/* the executable's, when given */
	int have_relocs;		/* ... and read whole */
	char go_version[GCD_GOVERSION_LEN];
	const char *go_version_source;
	struct govers vers;
	struct golayout layout;

	struct gomoduledata md;
	int md_from_image;	/* read from the executable: the core's is cut */
	struct pclntab tab;
	uint8_t *tab_copy;	/* when the table is not contiguous in memory */

	uint64_t roots[GCD_ROOT_COUNT];
	enum goroot_source root_src[GCD_ROOT_COUNT];
	uint64_t symtab_roots[GCD_ROOT_COUNT];	/* for cross-checks */
	uint32_t symtab_roots_present;

	struct gothread *threads;
	size_t nthreads;
	struct gom *ms;
	size_t nms;
	int crash_thread;	/* index of the thread that dumped, or -1 */

	uint64_t allgs, allglen;	/* the slice's array and length */
	/*
	 * When runtime.allgs cannot be read whole (a cut core): why, and the
	 * live goroutines found elsewhere (gofind.c), in goid order, none of
	 * them in the readable part of allgs.
	 */
	char allgs_problem[256];
	struct gofound *found;
	size_t nfound;

	/* A truncated core: what is missing, "" when nothing is. */
	char truncation[384];
	char filter_why[192];	/* scratch for messages */

	/* Things found wrong along the way, one per line (never fatal). */
	char warnings[2048];
	char error[512];	/* why goproc_open() failed */
};

/* goproc_open() flags */
#define GOPROC_NO_DWARF		0x1	/* use the layout table even with DWARF */
#define GOPROC_NO_SYMTAB	0x2	/* ignore .symtab roots (tests roots
					 * from code on a symbolised binary) */
#define GOPROC_NO_NOTE		0x4	/* ignore the gocoredump note's roots */

/*
 * Open core_path (and exe_path, or NULL) and find everything above; the
 * executable's separate debug file, when it has one, under debug_dir
 * (NULL: GOLAYOUT_DEBUG_DIR, golayout_dwarf_file).
 * Returns 0, or -1 with p->error saying what is missing and what to do.
 * On failure p still needs goproc_close().
 */
int goproc_open(struct goproc *p, const char *core_path, const char *exe_path,
		const char *debug_dir, unsigned int flags);

/* The same from a core already in memory (the fuzz target). */
int goproc_open_mem(struct goproc *p, const void *core, size_t size,
		    unsigned int flags);

void goproc_close(struct goproc *p);

/* Append a warning line. */
void goproc_warn(struct goproc *p, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/*
 * Give back the pages of the core and executable mappings that the walk
 * has read so far (MADV_DONTNEED: they stay in the page cache and fault in
 * again when read), so that walking 100,000 goroutines does not keep the
 * whole core resident.  The mappings stay valid.
 */
void goproc_release_pages(const struct goproc *p);

/*
 * 0 when allgs[i] is in the core; else how many entries from i on are
 * not (at least 1, at most allglen - i): the walks skip a cut allgs,
 * which can claim 16 million entries, a run at a time.
 */
uint64_t goproc_allgs_cut(const struct goproc *p, uint64_t i);

/* Index of the M whose address is m, or -1. */
int goproc_m_index(const struct goproc *p, uint64_t m);

/* Read a Go string header (ptr, len) at addr into buf (NUL-terminated,
 * truncated to buflen-1).  Returns the string's full length or -1. */
long goproc_read_gostring(const struct goproc *p, uint64_t addr, char *buf,
			  size_t buflen);
/* The same from a (ptr, len) pair already read. */
long goproc_read_str(const struct goproc *p, uint64_t ptr, uint64_t len,
		     char *buf, size_t buflen);

/*
 * Roots from code (goroots.c): fill p->roots[] entries still absent from
 * the machine code of runtime functions, validated against memory.
 * Returns the number of roots found.
 */
int goroots_from_code(struct goproc *p);

/*
 * runtime.memstats and runtime.mheap_ (0 when not found) from the operands
 * of runtime.readmemstats_m: each is the one base whose every field that
 * function reads (the layout's) is among them.  gcController's fields it
 * reads are consecutive words, so its candidates (at most *ngc on entry)
 * go to gc[], *ngc of them (0 when there are more): the caller tells them
 * apart by what they hold.  Without readmemstats_m (a program that never
 * calls ReadMemStats), from other runtime code (goroots.c).  0, or -1
 * when out of memory.
 */
int goroots_heap_globals(const struct goproc *p, uint64_t *memstats,
			 uint64_t *mheap, uint64_t *gc, size_t *ngc);

/*
 * The values of the symbols names[0..n) in the executable's .symtab, with
 * the load bias applied, into addr[] (0 for one not found).  Returns the
 * mask of those found (bit i: names[i]; 0 without an executable), or -1
 * with err saying why the table cannot be read.  Userland's users of the
 * runtime's globals (goheap.c, goprof.c) try it first, then the code.
 */
int goproc_symbols(const struct goproc *p, const char *const *names,
		   unsigned int n, uint64_t *addr, char *err, size_t errlen);

/* Format a reason into err (errlen bytes) and return -1. */
int goproc_err(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/*
 * Goroutines without allgs (gofind.c): fill p->found with the live
 * goroutines that the Ms, the threads and a scan of the heap show and the
 * readable part of allgs does not.  Returns 0, or -1 when out of memory.
 */
int gofind_goroutines(struct goproc *p);

/*
 * Did gocoredump.ko raise this process's traceback to "crash" at its fatal
 * error (the note's GCD_PROC_F_TB_UPGRADED)?
 */
static inline int goproc_tb_upgraded(const struct goproc *p)
{
	return p->have_note && p->note.have_process &&
	       (p->note.proc.flags & GCD_PROC_F_TB_UPGRADED);
}

#endif /* GOCD_GOPROC_H */
