/* SPDX-License-Identifier: GPL-2.0 */
/*
 * goroutines.h - rebuild each goroutine of a Go core: its state and its
 * stack, unwound the way the runtime's own traceback unwinds it (pcsp
 * table, return addresses on the stack, inlined calls expanded from the
 * inline tree), plus the crash: which goroutine, and what the runtime
 * printed about it (panic values, fatal error text, the signal).
 *
 * The walker reads through struct goproc only and keeps the last
 * goroutine's frames in its own buffers, so a walk over 100,000 goroutines
 * needs the memory of one.  Physical frames are symbolised once per pc.
 */
#ifndef GOCD_GOROUTINES_H
#define GOCD_GOROUTINES_H

#include <stddef.h>
#include <stdint.h>

#include "go/goproc.h"

/* Where a goroutine's stack walk started from. */
enum gostack_source {
	GOSTACK_NONE = 0,
	GOSTACK_SCHED,		/* g.sched (parked, runnable, systemstack) */
	GOSTACK_SYSCALL,	/* g.syscallpc/syscallsp */
	GOSTACK_VDSO,		/* m.vdsoPC/vdsoSP */
	GOSTACK_REGS,		/* the thread's registers (NT_PRSTATUS) */
	GOSTACK_SIGNAL,		/* the signal frame on the thread's gsignal stack */
};

const char *gostack_source_name(enum gostack_source s);

/* One logical frame (inlined calls are frames of their own). */
struct goframe {
	const char *func;	/* name as in the pclntab */
	const char *file;
	int32_t line;
	uint8_t inlined;
	uint32_t phys;		/* index of its physical frame */
	/* Of the physical frame: */
	uint64_t pc, sp, fp, entry;
	uint32_t args;		/* offset of its argument text in argbuf */
};

struct golabel {
	char key[64], value[128];
};

#define GO_MAX_LABELS	16

struct goroutine {
	uint64_t addr;
	uint64_t goid, parent_goid;
	uint32_t status;	/* atomicstatus, scan bit included */
	uint8_t waitreason;
	int64_t waitsince;
	uint64_t m;		/* g.m */
	int m_index;		/* into goproc.ms, or -1 */
	uint64_t lockedm;
	uint64_t stack_lo, stack_hi;
	uint64_t gopc, startpc;
	uint64_t panic;		/* g._panic */
	uint64_t labels_ptr;
	int crashed;		/* the goroutine whose crash made the core */
	enum gofound_how found;	/* allgs, or how gofind.c found it */

	enum gostack_source src;
	struct goframe *frames;	/* logical frames, innermost first */
	size_t nframes;
	size_t nphys;		/* physical frames */
	const char *argbuf;	/* argument texts, NUL-separated */
	char problem[160];	/* why the walk stopped early, or "" */

	/* created by */
	const char *creator;	/* NULL: not printed (goid 1, unknown pc) */
	const char *creator_file;
	int32_t creator_line;
	uint64_t creator_off;	/* gopc - entry */

	struct golabel labels[GO_MAX_LABELS];
	size_t nlabels;
};

/* What made the core, as the runtime printed it before the traceback. */
enum gocrash_kind {
	GOCRASH_UNKNOWN = 0,
	GOCRASH_PANIC,		/* fatalpanic: "panic: ..." lines */
	GOCRASH_THROW,		/* fatalthrow: "fatal error: ..." */
	GOCRASH_SIGNAL,		/* sighandler: "SIGABRT: abort", "PC=..." */
};

struct gocrash {
	enum gocrash_kind kind;
	uint64_t g;		/* the crashing goroutine, 0 if none */
	int thread;		/* the thread that dumped, -1 if unknown */
	/* The text the runtime printed before "goroutine N [...]:", as far
	 * as the core tells it; "unknown" parts say so. */
	char header[4096];
	int value_known;	/* the panic value / throw text was recovered */
	/* For the signal case: from the signal frame. */
	int signo, sigcode;
	uint64_t sigpc, sigaddr;
};

struct gowalk;

struct gowalk *gowalk_new(struct goproc *p);
void gowalk_free(struct gowalk *w);

/* Decide what crashed (call once, before walking). */
int gowalk_crash(struct gowalk *w, struct gocrash *c);

/* The name of the type descriptor at t (rtype.string()) into buf: 0, or
 * -1 when it cannot be read. */
int gotype_name(const struct goproc *p, uint64_t t, char *buf, size_t len);

/* The descriptor of the type named name (rtype.string()) of kind kind
 * (abi.Kind), searched for in the types section; with pkg, a struct of
 * that package path only.  0 when there is none. */
uint64_t gotype_find(const struct goproc *p, const char *name,
		     unsigned int kind, const char *pkg);

/* The fields and indexes that lead to byte off of a value of the type at
 * t (".Next", "[3].Name", "" for its first word when it is no struct or
 * array) into buf: 0, or -1 when a descriptor on the way cannot be read
 * (buf then says as much as was found). */
int gotype_field(const struct goproc *p, uint64_t t, uint64_t off,
		 char *buf, size_t len);

/* Number of entries of allgs (dead ones included), then of the
 * goroutines found without it (goproc.found), which follow. */
uint64_t gowalk_count(const struct gowalk *w);

/*
 * Read allgs[i] (or the g at addr with gowalk_g_at) and unwind its stack.
 * Returns 0, 1 when the goroutine is dead (fields read, no stack), or -1
 * when the g cannot be read (out->problem says why).  out's frames live
 * until the next call.
 */
int gowalk_g(struct gowalk *w, uint64_t i, struct goroutine *out);
int gowalk_g_at(struct gowalk *w, uint64_t addr, struct goroutine *g);

/*
 * For an executable taken without its build ID (goproc.exe_unproven, a
 * core cut before it): unwind up to 1024 goroutines spread over all of
 * them and refuse (-1, the
 * reason in p->error) when any stack contradicts the executable's pclntab
 * (a pc in no function, no pcsp entry, a return address in no function)
 * rather than stopping at bytes the core lacks.  Another build of the
 * same shape passes the cheaper checks; its stacks do not.
 */
int goproc_check_exe(struct goproc *p);

/* The runtime's name for a goroutine's status (waitreason for waiting). */
const char *goroutine_status(const struct goproc *p,
			     const struct goroutine *g);

#endif /* GOCD_GOROUTINES_H */
