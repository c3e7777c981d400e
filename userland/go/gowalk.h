/* SPDX-License-Identifier: GPL-2.0 */
/*
 * gowalk.h - the goroutine walker's internals, shared by goroutines.c (the
 * walk) and gocrash.c (what crashed).  Not a public interface.
 */
#ifndef GOCD_GOWALK_H
#define GOCD_GOWALK_H

#include "go/goroutines.h"

/* A logical frame as symbolised (names point into the pclntab). */
struct gologic {
	const char *func, *file;
	int32_t line;
	int32_t start_line;	/* the function's first line (Go 1.20 on) */
	uint8_t inlined;
};

/* Runtime functions the walker treats specially, told by name when a
 * frame is symbolised. */
enum gospecial {
	SP_NONE = 0,
	SP_SIGPANIC,		/* injected calls: the caller was interrupted */
	SP_ASYNCPREEMPT,
	SP_DEBUGCALLV2,
	SP_CGOCALLBACK,		/* writes SP but is unwindable */
	SP_SIGTRAMP,		/* a signal frame sits above it */
	SP_FATALPANIC,		/* the crash machinery: printed stacks start */
	SP_FATALTHROW,		/* at their caller */
	SP_THROW,		/* its frame holds the throw text */
	SP_FATAL,
};

/* Symbols of one physical frame, keyed by (pc, sympc). */
struct gosym {
	uint64_t pc, sympc;
	uint64_t outer_pc;	/* pc of the outermost function after the
				 * inline walk (Go 1.19 prints args there) */
	struct pcfunc f;
	int32_t spdelta;
	uint8_t used, found, spok;
	uint8_t special;	/* enum gospecial */
	uint32_t first, n;	/* logical frames in gowalk.logic */
};

struct gophys {
	uint64_t pc, sp, fp, argpc;
	const struct gosym *sym;
};

struct gowalk {
	struct goproc *p;
	uint64_t crash_g;
	/* The last unwind contradicted the pclntab (a pc in no function, no
	 * pcsp entry, a return address in no function), as opposed to
	 * stopping at bytes the core lacks. */
	int inconsistent;

	struct gosym *sym;
	size_t symcap, nsym;
	struct gologic *logic;
	size_t nlogic, logiccap;

	struct gophys *phys;
	size_t nphys, physcap;
	struct goframe *frames;
	size_t framecap;
	char *argbuf;
	size_t arglen, argcap;
	int argfull;		/* MAX_ARGTEXT reached: "..." from here */
};

/*
 * Unwind from (pc, sp) into w->phys; trap: pc is an interrupted
 * instruction, not a return address; is_syscall: (pc, sp) came from
 * g.syscallpc/sp.  Returns the number of physical frames; a reason for
 * stopping early goes to problem (if empty).
 */
int gowalk_unwind(struct gowalk *w, uint64_t pc, uint64_t sp, int trap,
		  int is_syscall, char *problem, size_t plen);

/* The chain of signal frames on a thread's stack, innermost first; returns
 * how many (at most max) were found. */
int gowalk_signal_frames(struct gowalk *w, int thread, struct sigframe *out,
			 int max);

/* Unwind the stack of the g at addr as the walker does and report whether
 * it goes through a runtime function of kind sp (within the innermost 32
 * physical frames). */
int gowalk_stack_has(struct gowalk *w, uint64_t addr, enum gospecial sp);

/*
 * The symbols of pc, its function's logical frames looked up at sympc
 * (pc - 1 for a return address): w->logic[s->first], innermost first, n
 * of them (->found 0: pc is in no function).  NULL when out of memory.
 * The pointer is good until the next symbolisation.
 */
const struct gosym *gowalk_symbol(struct gowalk *w, uint64_t pc,
				  uint64_t sympc);

#endif /* GOCD_GOWALK_H */
