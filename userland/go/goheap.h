/* SPDX-License-Identifier: GPL-2.0 */
/*
 * goheap.h - where a Go process's memory went, from the runtime's own
 * accounting in its core: what runtime.ReadMemStats would have returned at
 * the crash (gocap heap).
 *
 * ReadMemStats stops the world, flushes every P's mcache (the objects
 * allocated from a span the P still holds are counted when the span goes
 * back) and adds up memstats.heapStats, gcController and memstats.
 * goheap_memstats() does the same over the core, without writing to it:
 * the mcaches' pending counts are added to what the consistent stats say.
 * A core is not taken with the world stopped, so a P in the middle of an
 * allocation may be counted before or after it: the figures are those of
 * a ReadMemStats at an instant around the crash.
 *
 * Needs the layout's heap fields (DWARF, or the per-release table) and the
 * addresses of runtime.memstats, runtime.mheap_ and runtime.gcController,
 * which come from the executable's .symtab, or else from the operands of
 * runtime.readmemstats_m's machine code (goroots_heap_globals()).  Plain
 * C over procmem: every read of the core is bounded and may fail.
 */
#ifndef GOCD_GOHEAP_H
#define GOCD_GOHEAP_H

#include <stdint.h>

#include "go/goproc.h"

/* Size classes: the same 68 from Go 1.19 to 1.27 (sizeclasses.go). */
#define GOHEAP_NUM_SIZE_CLASSES	68
/* At most this many spans in mheap_.allspans: 512 GiB of 8 KiB spans */
#define GOHEAP_MAX_SPANS	(1ull << 26)

struct goheap_stats {
	/* runtime.MemStats, the same names */
	uint64_t alloc, total_alloc, sys, mallocs, frees;
	uint64_t heap_alloc, heap_sys, heap_idle, heap_inuse, heap_released;
	uint64_t heap_objects;
	uint64_t stack_inuse, stack_sys;
	uint64_t mspan_inuse, mspan_sys, mcache_inuse, mcache_sys;
	uint64_t buckhash_sys, gc_sys, other_sys;
	uint64_t last_gc, pause_total_ns;
	uint32_t num_gc, num_forced_gc;
	double gc_cpu_fraction;
	struct {
		uint64_t mallocs, frees;
	} by_size[GOHEAP_NUM_SIZE_CLASSES];

	/* How they were read */
	uint64_t memstats, mheap, gccontroller;	/* addresses */
	const char *globals_from;	/* "symtab" or "code" */
	uint32_t mcaches;		/* Ps' mcaches flushed */
	uint64_t pending_allocs;	/* objects counted from them */
	uint64_t pending_bytes;		/* and their bytes */
	uint64_t pending_tiny;		/* tiny allocations from them */
	/*
	 * gcController's own totals: with pending_bytes, which it has not
	 * counted yet either, they equal total_alloc and total_alloc - alloc
	 * (readmemstats_m's own check).
	 */
	uint64_t gc_total_alloc, gc_total_free;

	/*
	 * Not "": the Ps' mcaches could not be read (why): the objects
	 * allocated from their cached spans are missing from Mallocs,
	 * HeapAlloc, HeapObjects and TotalAlloc.
	 */
	char partial[256];

	/*
	 * The heap's objects, counted in its spans (mheap_.allspans): in
	 * each span in use, those allocated (below freeIndexForScan, or with
	 * their allocBits bit set: what the runtime's isFree says), each of
	 * its size class's size; a large object is its span.  With every
	 * span swept, objects equals HeapObjects and bytes HeapAlloc; a
	 * span not swept yet still holds what the last collection found
	 * dead, as the statistics do until it is.
	 */
	struct {
		uint64_t spans;		/* in allspans */
		uint64_t inuse;		/* of them, in use by the heap */
		uint64_t objects, bytes;
		struct {
			uint64_t objects, bytes;
		} by_class[GOHEAP_NUM_SIZE_CLASSES];	/* [0]: large */
		/* Not "": why the spans were not counted, or not all */
		char partial[256];
		int done;		/* counted (all, or partial) */
	} spans;

	/* The core's mappings, by kind (bytes of address space) */
	uint64_t map_anon_rw;		/* anonymous, writable */
	uint64_t map_file;		/* file-backed */
	uint64_t map_none;		/* no access (reserved) */
	uint64_t map_other;		/* the rest (anonymous read-only...) */
};

/* The size of size class cls's objects (runtime.class_to_size). */
unsigned int goheap_class_size(unsigned int cls);

/*
 * Compute *st from the core of p.  Returns 0 (st->partial says what is
 * left out, if anything), or -1 with err saying what is missing (and what
 * to give gocap instead).
 */
int goheap_memstats(const struct goproc *p, struct goheap_stats *st,
		    char *err, size_t errlen);

/*
 * Count the objects of the heap's spans into st->spans, after
 * goheap_memstats() found mheap_.  A walk of its own (every span's
 * struct and allocBits: pages the statistics do not need).  A span that
 * cannot be read, or says what no span says, stops the count, and
 * st->spans.partial says where.
 */
void goheap_spans(const struct goproc *p, struct goheap_stats *st);

/* A span in use by the heap, as goheap_span_each() reads it. */
struct goheap_span {
	uint64_t addr;		/* the mspan */
	uint64_t start, npages;
	uint64_t size;		/* of its objects; a large one's the span's */
	uint64_t nelems;	/* objects, 1 for a large one */
	uint64_t fifs;		/* freeIndexForScan: allocated below it */
	const uint8_t *bits;	/* allocBits, NULL when all below fifs */
	uint64_t alloc;		/* objects allocated */
	uint64_t specials;	/* its list of specials, 0: none */
	uint64_t large_type;	/* mspan.largeType (Go 1.22 on), or 0 */
	unsigned int cls;	/* size class, 0: one large object */
	int noscan;		/* its objects hold no pointers */
};

/*
 * Call fn(arg, span) for each span of mheap_.allspans in use by the heap
 * (span and its bits live until fn returns).  0, fn's nonzero value, or
 * -1 with why when a span cannot be read or says what no span says;
 * *nspans is then the length of allspans, or 0 when it was not read.
 */
int goheap_span_each(const struct goproc *p, uint64_t mheap,
		     int (*fn)(void *arg, const struct goheap_span *sp),
		     void *arg, uint64_t *nspans, char *why, size_t whylen);

/* The same with the three globals' addresses given (the fuzz target). */
int goheap_memstats_at(const struct goproc *p, uint64_t memstats,
		       uint64_t mheap, uint64_t gccontroller,
		       struct goheap_stats *st, char *err, size_t errlen);

#endif /* GOCD_GOHEAP_H */
