/* SPDX-License-Identifier: GPL-2.0 */
/*
 * gomark_int.h - what gomark.c and gomark_types.c share: the span index,
 * the mark's state, and the lookups over them.  Not an interface.
 */
#ifndef GOCD_GOMARK_INT_H
#define GOCD_GOMARK_INT_H

#include <stddef.h>
#include <stdint.h>

#include "go/gomark.h"

#define CHUNK		4096

struct mspan_ix {
	uint64_t start, limit, size, nelems;
	uint64_t bit;		/* its first object's bit */
	uint64_t specials;
	uint64_t large_type;	/* mspan.largeType */
	unsigned int cls;
	int noscan;
	signed char inline_marks;	/* -1: not looked at yet */
	/* objects of at most 512 bytes: the pointer bits of those the mark
	 * scanned (one_bits 1: all the same, ubits; 2: not; 0: none) */
	signed char one_bits;
	uint32_t below;		/* the next smaller class's size (cls) */
	const uint8_t *data;	/* the span's bytes in the core, read in
				 * place; NULL: not in one segment */
	uint64_t divmul;	/* span_index() by a multiply; 0: divide */
	uint64_t ubits;
};

/* The last type whose pointer mask was read (scan_typed). */
struct type_mask {
	uint64_t typ;		/* 0: none yet */
	int bad;		/* it could not be read */
	uint64_t size, ptrdata;
	uint8_t *mask;
	size_t cap;
};

struct gomark {
	const struct goproc *p;
	struct mspan_ix *s;
	size_t n, cap;
	uint8_t *alloc, *mark;	/* a bit per object */
	size_t alloc_cap;	/* bytes */
	uint64_t nbits;
	uint64_t *work;		/* objects to scan, by address */
	size_t nwork, capwork;
	int nomem;
	int precise;		/* the objects' pointer bitmaps are read */
	int arena_bits;		/* up to 1.21: 2 (1.19) or 1 bit a word */
	uint64_t arenas;	/* mheap_.arenas[0]: *[1 << 22]*heapArena */
	uint64_t arena_ai;	/* the last arena read: its index + 1 */
	uint64_t arena_ha;	/* and its *heapArena */
	const uint8_t *arena_bm;	/* its bitmap, in place (NULL: read) */
	size_t arena_bmlen;	/* bytes of it in place */
	const uint8_t *arena_nmp;	/* its noMorePtrs, in place */
	size_t arena_nmplen;
	int minor;
	struct type_mask tm;
	struct gomark_stats st;
	struct gotypes *ty;	/* gomark_types(): NULL before */
	uint32_t *page;		/* per 8 KiB page from page0: its span's
				 * index + 1, 0 none (NULL: search) */
	uint64_t page0, npages;
	uint64_t *par;		/* gomark_track(): per object, what first
				 * reached it (gomark.h) */
	uint64_t cur;		/* the source of the word being followed */
	size_t whead;		/* tracking: the work list is a queue */
	int draining;		/* the work list, not a root, is scanned */
	int bits_done;		/* the mark scanned every object it marked:
				 * a span's one_bits covers all of them */
	/* gomark_pointers_to(): the words into [find_lo, find_hi) go to
	 * find_fn instead of the mark */
	int finding, find_stop;
	uint64_t find_lo, find_hi;
	int (*find_fn)(void *arg, uint64_t word);
	void *find_arg;
	struct gomark_dom *dom;	/* gomark_retain(): NULL before */
	struct mark_pool *pool;	/* the threads draining together
				 * (gomark_par.c): NULL, alone */
};

/* The span holding a, or NULL. */
struct mspan_ix *span_of(const struct gomark *m, uint64_t a);

/* span_index()'s multiplier for s (add_span()), 0 where not exact. */
uint64_t span_divmul(const struct mspan_ix *s);

/*
 * The index of the object holding a, which lies in s: a division by the
 * object size, done as a multiply and a shift where add_span() found that
 * exact for every offset in the span (the runtime's own divMagic).
 */
static inline uint64_t span_index(const struct mspan_ix *s, uint64_t a)
{
	uint64_t off = a - s->start;

	return s->divmul ? (off * s->divmul) >> 32 : off / s->size;
}

static inline int test_bit(const uint8_t *bits, uint64_t b)
{
	return (bits[b / 8] >> (b % 8)) & 1;
}

/*
 * The module's globals: v = data, edata, bss, ebss from moduledata (0;
 * -1 its layout is not known, -2 it is not in the core), a range being
 * believed when gomark_globals_ok; a range's pointer mask (bss: 0 data,
 * else bss), to free, or NULL when there is none to believe.
 */
int gomark_globals_bounds(const struct gomark *m, uint64_t v[4]);
int gomark_globals_ok(uint64_t lo, uint64_t hi);
uint8_t *gomark_globals_mask(struct gomark *m, int bss, uint64_t len);

/* The pointer bits of the object at base (at most 512 bytes, Go 1.22
 * on): a bit per word into *got (bit 0 its first word).  0, or -1 when
 * they cannot be read. */
int small_bits64(struct gomark *m, struct mspan_ix *s, uint64_t base,
		 uint64_t *got);

/* The pointer bits of the first (up to) 64 words of the object of size
 * bytes at base, Go 1.19 to 1.21, from the heap arenas' bitmaps: a bit
 * per word into *got, 0 from where the runtime would stop scanning.  0,
 * or -1 when they cannot be read. */
int arena_bits64(struct gomark *m, uint64_t base, uint64_t size,
		 uint64_t *got);

/* Are the objects of s small: of a size class, at most 512 bytes (heap
 * bits at the span's end from Go 1.22, no allocation header)? */
static inline int span_small(const struct mspan_ix *s)
{
	return s->cls && s->size <= 512;
}

/* Do the objects of s begin with an allocation header where the heap
 * has them (Go 1.22 on): of a size class over 512 bytes, with pointers? */
static inline int span_headed(const struct mspan_ix *s)
{
	return s->cls && !s->noscan && !span_small(s);
}

/*
 * The pointer bits of a marked object of s (span_small: its
 * heap bits from Go 1.22, before the arenas' bitmaps over it) when the
 * mark found all those of the objects of s it scanned to be the same:
 * 1 and *g, else 0.  The mark scanned every object it marked.
 */
static inline int known_bits(const struct gomark *m,
			     const struct mspan_ix *s, uint64_t *g)
{
	if (!m->bits_done || s->one_bits != 1)
		return 0;
	*g = s->ubits;
	return 1;
}

/* Can the heap record the type of an object of s (object_type())?
 * Not for noscan spans, nor for small objects before a header. */
static inline int span_records_types(const struct gomark *m,
				     const struct mspan_ix *s)
{
	return m->precise && !s->noscan && !span_small(s);
}

/* The type the heap records for the object at base of s (gomark_each):
 * 0 when it does not say; *elems how many it holds. */
uint64_t object_type(struct gomark *m, const struct mspan_ix *s,
		     uint64_t base, uint64_t *elems);

/* After gomark_types(): the type of object k of s, 0 when unknown. */
uint64_t types_of(struct gomark *m, const struct mspan_ix *s, uint64_t k,
		  uint64_t *elems);

void gomark_types_free(struct gotypes *t);

/* After gomark_finish: what the span index computes when first asked
 * (inline_marks) computed for every span, so that it is only read from
 * then on (gomark_dominators_begin).  The mark asked for every span it
 * read heap bits in; the types may ask for others (where the mark read
 * none: a layout without them). */
void gomark_settle(struct gomark *m);

/* One object, as the mark scans it (its pointer words to gomark_word). */
void scan_object(struct gomark *m, struct mspan_ix *s, uint64_t base);

/* gomark_word's part in the dominators (gomark_dom.c): 1 when the word
 * was taken as an edge and is not to be marked. */
int dom_word(struct gomark *m, uint64_t b);

void gomark_dom_free(struct gomark_dom *d);

/*
 * A thread's copy of the mark (the dominators' thread, the mark's own
 * threads): the mark's state and the goproc copied shallow, with a work
 * list, a type mask and lookup caches of its own; the arrays they point
 * at are shared.  gomark_copy_done adds its failed reads back to the
 * original goproc's count and frees its buffers.
 */
struct gomark_copy {
	struct gomark m;
	struct goproc p;
	struct goproc *orig;
	uint64_t failed0;	/* p.mem.reads_failed at the copy */
};
void gomark_copy_init(struct gomark_copy *c, const struct gomark *m);
void gomark_copy_done(struct gomark_copy *c);

/* Room on m's work list for n more: 0, or -1 (m->nomem). */
int gomark_work_room(struct gomark *m, size_t n);

/* The mark's work list drained by threads (gomark_par.c): 1 when it was
 * (on this one alone if none could start), 0 when it is to be drained
 * alone as before (gomark_threads or the heap's size say one thread,
 * the list is empty, or there is no memory for the threads' state). */
int gomark_drain_par(struct gomark *m);

/* note_bits() while threads drain: the same note, by a lock per span. */
void gomark_par_note(const struct gomark *m, struct mspan_ix *s, int r,
		     uint64_t g);

#endif /* GOCD_GOMARK_INT_H */
