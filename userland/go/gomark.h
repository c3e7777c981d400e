/* SPDX-License-Identifier: GPL-2.0 */
/*
 * gomark.h - which of the heap's allocated objects are reachable from
 * the program's roots, by a mark of gocap's own over the core (the
 * collector's mark, done again on the memory of the crash).
 *
 * The objects are those goheap_span_each() finds allocated.  A word is a
 * pointer to one when it lies anywhere inside it (interior pointers, as
 * the collector takes them).  The roots:
 *  - the globals: every word of the executable's data and bss sections
 *    (moduledata.data..edata, bss..ebss, where the linker puts the
 *    variables that hold pointers; noptrdata and noptrbss are left out);
 *  - what the caller gives: the goroutines' stacks through their stack
 *    maps (gostackmap.h), the threads' registers;
 *  - each span's specials: a finalizer's object is scanned, not marked
 *    (the collector keeps what it reaches alive, not the object), and the
 *    first word of every special (a finalizer's or cleanup's function, a
 *    weak pointer's handle) is a root;
 *  - each P's tiny block (mcache.tiny).
 * Where a word is a pointer comes from the runtime's own bitmaps, as its
 * collector reads them: the globals' masks (moduledata.gcdatamask and
 * gcbssmask), and each object's: up to Go 1.21 the heap arenas' bitmaps,
 * from 1.22 the span's heap bits for objects of at most 512 bytes, the
 * allocation header's type or mspan.largeType for the rest
 * (runtime/mbitmap.go).  An object whose bitmap cannot be read is
 * scanned whole: every word of it is taken as a possible pointer, as are
 * the registers and the frames no stack map covers.  So the mark can only
 * find more than the collector would, and what it leaves unreachable is
 * garbage for certain (unless a root of the runtime's that is not above
 * holds it: a finalizer queued to run, in the runtime's off-heap blocks).
 * Scanned whole, a word that is no pointer can keep garbage alive: a P's
 * page cache base (p.pcache.base) is the start of the heap pages it hands
 * out next, and held most of a 20,000-object garbage list reachable in
 * tests/heap before the bitmaps were read.
 */
#ifndef GOCD_GOMARK_H
#define GOCD_GOMARK_H

#include <stddef.h>
#include <stdint.h>

#include "go/goproc.h"

struct gomark;

struct gomark_stats {
	uint64_t objects, bytes;	/* allocated */
	uint64_t reached, reached_bytes;	/* reachable from the roots */
	uint64_t globals;		/* bytes of data and bss read */
	uint64_t globals_precise;	/* of those, through their masks */
	uint64_t root_words;		/* words given by the caller */
	uint64_t specials, finalizers;	/* read in the spans' lists */
	uint64_t tiny;			/* Ps' tiny blocks taken */
	uint64_t scanned;		/* bytes of objects scanned */
	uint64_t precise, whole;	/* objects scanned by their pointer
					 * bitmaps, and whole */
	uint64_t unread;		/* bytes of objects not in the core */
	/* Not "": what was left out (a partial mark finds less) */
	char partial[256];
};

/*
 * Index the heap's spans (mheap at mheap_).  NULL with err when they
 * cannot be read whole, or out of memory.
 */
struct gomark *gomark_new(const struct goproc *p, uint64_t mheap,
			  char *err, size_t errlen);

/* A root word: marks the object it points into, if any. */
void gomark_word(struct gomark *m, uint64_t v);

/* Callback form of gomark_word, for gostackmap_scan(): always 0. */
int gomark_word_cb(void *arg, uint64_t v);

/*
 * The globals, specials and tiny blocks as roots, then the mark from
 * every root given, and the counts into st.  Call once, after the
 * caller's roots.  The objects found are scanned by several threads
 * (gomark_par.c) unless the first reachers are tracked (gomark_track):
 * gomark_threads of them (at most 8), or (0) one per CPU up to 8 where
 * the heap holds 65,536 objects or more; -1: one.  The result is the
 * same.
 */
extern int gomark_threads;
void gomark_finish(struct gomark *m, struct gomark_stats *st);

/*
 * After gomark_finish: fn(arg, object) for each object reached, in the
 * order of the spans' addresses.  typ is the type the heap says the
 * object holds (an allocation header's or mspan.largeType, Go 1.22 on,
 * objects that hold pointers), after gomark_types the type carried to
 * it, or 0: unknown.  elems: how many of typ
 * the object holds (a slice's backing array holds several).  Stops at
 * fn's first nonzero value, which it returns.
 */
struct gomark_object {
	uint64_t addr, size;	/* size: of its size class */
	uint64_t typ, elems;
	unsigned int cls;	/* 0: a large object */
	int noscan;
};
int gomark_each(struct gomark *m,
		int (*fn)(void *arg, const struct gomark_object *o),
		void *arg);

/*
 * Types carried from the objects whose type the heap records (allocation
 * headers, large spans' types) and from typed roots along the pointers
 * their types declare (gomark_types.c): a pointer's target, a slice's
 * backing array, an interface's value (by its type word or itab), a map's
 * buckets or groups.  A target takes a type only at its start, and only
 * when the object is what the runtime would have allocated for it: the
 * same size class (or pages), no pointers exactly when the type has none,
 * and, for objects of at most 512 bytes from Go 1.22, the same pointer
 * bits.  Anything else stays unknown.
 */
struct gomark_type_stats {
	uint64_t header;	/* objects typed by the heap itself */
	uint64_t carried;	/* typed through a typed parent or root */
	uint64_t roots;		/* typed roots given */
	uint64_t interior;	/* pointers inside an object: not typed */
	uint64_t rejected;	/* targets that do not fit the type */
	uint64_t conflicts;	/* typed already, as another type */
	uint64_t bad_types;	/* descriptors that could not be read */
	uint64_t ifaces;	/* interface values in untyped memory */
};

/* A typed root, for gomark_types: at addr, count values of the type at
 * typ (GOMARK_VALUE), a slice of them (GOMARK_SLICE: its header at addr)
 * or a pointer to one (GOMARK_POINTER). */
enum gomark_how { GOMARK_VALUE, GOMARK_SLICE, GOMARK_POINTER };
int gomark_type_root(struct gomark *m, uint64_t addr, enum gomark_how how,
		     uint64_t typ, uint64_t count);

/* After gomark_finish and the typed roots: carry the types; from then
 * on gomark_each reports them.  -1 when out of memory (st says how far
 * it went). */
int gomark_types(struct gomark *m, struct gomark_type_stats *st);

/*
 * Paths (gocap heap why).  gomark_track(), before any root, makes the
 * mark breadth first and keeps, for each object it marks, what first
 * reached it: the address of the word (in an object, a global, or a
 * stack slot), or a source tag given with gomark_source() for the root
 * words that have no address (a goroutine's stack words, a thread's
 * registers), or one of the mark's own (a P's tiny block, a special's
 * function).  Breadth first, the chain back from an object is a shortest
 * one from the roots (the specials' come last).  -1: out of memory.
 */
#define GOMARK_SRC		(1ull << 63)
#define GOMARK_SRC_KIND(v)	((unsigned int)((v) >> 56) & 0x7f)
#define GOMARK_SRC_ID(v)	((v) & ((1ull << 56) - 1))
enum gomark_src {
	GOMARK_SRC_STACK = 1,	/* id: the goroutine's goid */
	GOMARK_SRC_REGS,	/* id: the thread's index in the core */
	GOMARK_SRC_TINY,	/* id: the P's index */
	GOMARK_SRC_SPECIAL,	/* id: the object the special is on */
};
int gomark_track(struct gomark *m);
void gomark_source(struct gomark *m, enum gomark_src kind, uint64_t id);

/* One object of a path: its start and size (its size class's), its type
 * as gomark_each would say, and the offset in it of the word that points
 * to the next one (0 for the last). */
struct gomark_hop {
	uint64_t addr, size, typ, elems, off;
	uint64_t data;	/* where its values start: 8 past an allocation
			 * header, else 0 */
};

/*
 * After gomark_finish (and gomark_types, for the types): the chain to the
 * object holding addr, root first, into hops (at most max; the root's
 * object first).  *root: what reached the first hop (a word's address
 * outside the heap, a source tag, or 0 when unknown); a finalizer's
 * object, which the mark scans without marking, is a hop whose *root is
 * GOMARK_SRC | SPECIAL.  Returns the number of hops, 0 when addr is in
 * no object the mark reached (-2: no heap object at all), -1 when the
 * chain is longer than max or loops.
 */
int gomark_path(struct gomark *m, uint64_t addr, struct gomark_hop *hops,
		size_t max, uint64_t *root);

/*
 * Retained sizes (gocap heap top --retained).  gomark_retain(), before any
 * root, keeps which objects the roots point at.  gomark_dominators(),
 * after gomark_finish (and gomark_types, for the types), reads the
 * pointers of every object reached once more, as the mark did, and builds
 * the dominator tree of that graph under one root that points at every
 * object a root word points at: an object's immediate dominator is the
 * last object every path from the roots to it goes through, and its
 * retained size is its own bytes plus those of every object it dominates,
 * the memory a collection would free if nothing held it.  (Semi-NCA:
 * Georgiadis, Tarjan, Werneck, "Finding Dominators in Practice", 2006,
 * on the depth-first preorder, semidominators by Lengauer-Tarjan's
 * compressed paths.)  0, or -1 with err: out of memory, or a graph over
 * 2^32 objects or edges.
 */
struct gomark_dom_stats {
	uint64_t nodes;		/* objects reached, the root not counted */
	uint64_t edges;		/* pointers between them */
	uint64_t rooted;	/* objects a root word points at */
	uint64_t depth;		/* of the dominator tree */
};
int gomark_retain(struct gomark *m);
/* The tests' switch: the dominators keep 8-byte addresses and their
 * edges' offsets, as on heaps too large for the 4-byte ones. */
extern int gomark_dom_wide;
int gomark_dominators(struct gomark *m, struct gomark_dom_stats *st,
		      char *err, size_t errlen);

/*
 * gomark_dominators() beside gomark_types(): begun after gomark_finish,
 * it runs on a thread of its own over copies of the mark's scan state and
 * of the process's memory lookups, while the caller carries the types on
 * m (gomark_types and its roots, nothing else) until
 * gomark_dominators_end, which waits for it and returns its result.  The
 * two read what the mark left and write apart, so the result is the one
 * of the two in turn.  NULL (nothing begun: call gomark_dominators after
 * the types) when the mark did not finish or there is no memory; without
 * a thread, begin runs it there and then.
 */
struct gomark_dom_run;
/* The tests' switch: the span index's pages read-only from begin to end,
 * so that a write to it there faults. */
extern int gomark_dom_freeze;
struct gomark_dom_run *gomark_dominators_begin(struct gomark *m,
					       struct gomark_dom_stats *st,
					       char *err, size_t errlen);
int gomark_dominators_end(struct gomark_dom_run *r);

/*
 * After gomark_dominators: the dominator tree depth first, enter(arg, o,
 * retained, depth) on the way down (depth 1: dominated by the roots
 * alone) and leave(arg, depth) on the way back, with the depth the object
 * was entered at (the walker keeps what it needs of the object by depth:
 * finding the object again would cost as much as entering it).  Stops at
 * enter's first nonzero value, which it returns (-1: out of memory).
 */
int gomark_dom_walk(struct gomark *m,
		    int (*enter)(void *arg, const struct gomark_object *o,
				 uint64_t retained, uint64_t depth),
		    void (*leave)(void *arg, uint64_t depth),
		    void *arg);

/*
 * After gomark_dominators, on a graph of at most max objects: every
 * object's retained size against the bytes a mark from the roots without
 * it leaves unreached (the definition, by brute force: the fuzz target's
 * and the tests' oracle).  1 checked, 0 not (larger), -1 with err.
 */
int gomark_dom_check(struct gomark *m, uint64_t max, char *err,
		     size_t errlen);

/*
 * After gomark_finish: each word that points into the object holding
 * addr, read as the mark reads them: the caller's roots, given again by
 * roots(arg, m) with gomark_source() and gomark_word_cb() as before
 * gomark_finish (roots may be NULL), each P's tiny block, the reached
 * objects through their bitmaps, then the globals.  fn(arg, the word's
 * address, or the source tag of a root word that has none), the object's
 * own words left out.  Stops at fn's first nonzero value, which it
 * returns; 0 when done, -2 when addr is in no object.
 */
int gomark_pointers_to(struct gomark *m, uint64_t addr,
		       void (*roots)(void *arg, struct gomark *m),
		       int (*fn)(void *arg, uint64_t word), void *arg);

void gomark_free(struct gomark *m);

#endif /* GOCD_GOMARK_H */
