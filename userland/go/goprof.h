/* SPDX-License-Identifier: GPL-2.0 */
/*
 * goprof.h - the program's own sampled allocation profile, recovered from
 * its core: the records runtime/pprof's "heap" and "allocs" profiles are
 * made of (gocap heap allocs).
 *
 * The runtime samples one allocation every MemProfileRate bytes on
 * average and counts it in the bucket of its stack (runtime/mprof.go):
 * runtime.mbuckets heads the list of memory buckets (linked by allnext),
 * each a bucket header, the stack's return pcs (nstk of them) and a
 * memRecord: the counts as of the last completed collection (active) and
 * three cycles still in flight (future).  goprof_mem_read() walks that
 * list as runtime.memProfileInternal (MemProfile before Go 1.23) does,
 * with inuseZero, including its flush of the cycle that is complete
 * (future[mProfCycle % 3]) and its "no collection yet" case; the core is
 * not written to.
 *
 * The three globals come from the executable's .symtab, or else from the
 * machine code of three runtime functions that every Go program links
 * (stkbucket, mProf_PostSweep, profilealloc); see goprof.c.  Every read of
 * the core is bounded and may fail: a list cut short gives the records
 * read so far and says so in partial.
 */
#ifndef GOCD_GOPROF_H
#define GOCD_GOPROF_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "go/goproc.h"

/* Bounds: more buckets, or a deeper stack, is taken for corruption. */
#define GOPROF_MAX_BUCKETS	(1u << 22)
#define GOPROF_MAX_STACK	1024	/* maxProfStackDepth (Go 1.23 on) */

/* One bucket: runtime.MemProfileRecord (profilerecord's from Go 1.23). */
struct goprof_record {
	uint64_t size;			/* bucket.size: of each allocation */
	uint64_t allocs, frees;		/* sampled objects */
	uint64_t alloc_bytes, free_bytes;	/* their bytes (before Go 1.27;
						 * from 1.27, objects * size) */
	uint32_t nstk;			/* return pcs, innermost first, */
	size_t stk;			/* from goprof_mem.pcs[stk] */
};

struct goprof_mem {
	int64_t rate;			/* runtime.MemProfileRate */
	uint32_t cycle;			/* mProfCycle.read() */
	int cycle_known;		/* 0: not found, nothing flushed */
	int object_size;		/* Go 1.27 on: the profile's sizes are
					 * bucket.size (scaleHeapSample's
					 * avgSize), not alloc_bytes/allocs */
	int hide_internal;		/* Go 1.24 on: writeHeapProto also
					 * hides internal/runtime/ frames */
	uint64_t mbuckets, rate_addr, cycle_addr;	/* addresses */
	const char *from;		/* "symtab" or "code" */
	struct goprof_record *r;
	size_t n, cap;
	uint64_t *pcs;
	size_t npcs, pcscap;
	/* Not "": the list could not be read to its end (why); the records
	 * above are those read before. */
	char partial[256];
};

/*
 * Read the memory profile of p into *m (zeroed first; goprof_mem_free()
 * it whatever the result).  Returns 0 (m->partial says what is left out),
 * or -1 with err saying what is missing and what to give gocap instead.
 */
int goprof_mem_read(const struct goproc *p, struct goprof_mem *m,
		    char *err, size_t errlen);

/* The same with the globals' addresses given (the fuzz target); cycle 0
 * when unknown. */
int goprof_mem_read_at(const struct goproc *p, uint64_t mbuckets,
		       uint64_t rate, uint64_t cycle, struct goprof_mem *m,
		       char *err, size_t errlen);

void goprof_mem_free(struct goprof_mem *m);

/* A frame of a sample's stack: addr, the call's pc (0 for the callers of
 * an inlined frame that ends a cut stack); func NULL: in no function. */
struct goprof_frame {
	uint64_t addr;
	const char *func, *file;
	int32_t line;
	int32_t start_line;	/* of the function (0 before Go 1.20) */
};

/* Most frames a record's stack gives (each pc one, the last a few more). */
#define GOPROF_MAX_FRAMES	(GOPROF_MAX_STACK + 64)

struct gowalk;

/*
 * The frames of r's stack, leaf first, as writeHeapProto shows them: the
 * runtime's own frames at the top hidden (unless that leaves none),
 * runtime.goexit dropped, each return pc symbolised at pc - 1.  Returns
 * how many (at most max), or -1 when out of memory.  The names point into
 * the pclntab; w is gowalk_new(p)'s.
 */
int goprof_record_frames(struct gowalk *w, const struct goprof_mem *m,
			 const struct goprof_record *r,
			 struct goprof_frame *out, size_t max);

/*
 * r's four values as writeHeapProto gives them (scaleHeapSample):
 * alloc_objects, alloc_space, inuse_objects, inuse_space.  Returns 1 when
 * the sample has a "bytes" label (its value in *label), 0 when not.
 * Arithmetic wraps as Go's does: the counts may be anything in a corrupt
 * core.
 */
int goprof_record_values(const struct goprof_mem *m,
			 const struct goprof_record *r, int64_t v[4],
			 int64_t *label);

/*
 * Write m to f as runtime/pprof's WriteHeapProfile would have
 * (writeHeapProto: four sample types scaled by scaleHeapSample, the
 * runtime's own frames at the top hidden, the "bytes" label), symbolised
 * from the pclntab, as a profile.proto that `go tool pprof` reads.
 * 0, or -1 with err.
 */
int goprof_write_heap(struct goproc *p, const struct goprof_mem *m, FILE *f,
		      char *err, size_t errlen);

#endif /* GOCD_GOPROF_H */
