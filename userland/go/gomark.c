// SPDX-License-Identifier: GPL-2.0
/*
 * gomark.c - the mark of the heap's objects from the roots (gomark.h).
 *
 * The spans in use, sorted by address, each with the first bit of its
 * objects in two bitmaps (in the order of allspans): allocated (from
 * allocBits, as goheap.c counts them) and marked.  A word is looked up
 * by binary search; a newly marked object that may hold pointers goes on
 * a work list, and the list is drained after the roots (by several
 * threads: gomark_par.c), a page of an object at a time, each object
 * through its pointer bitmap when the release's is read (scan_object).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "go/goheap.h"
#include "go/gomark.h"
#include "go/gomark_int.h"

#define MAX_SPECIALS	(1u << 20)	/* per span: a loop ends there */
#define MAX_GLOBALS	(1ull << 30)	/* bytes of data or bss read */

/*
 * m = ceil(2^32 / size) gives off * m >> 32 == off / size for off below
 * the span's length n when (n - 1) * e < 2^32, e = m * size - 2^32 (the
 * error off * e / 2^32 then stays under 1 / size).  0 when not exact
 * (and for a size over the span's length, where e could overflow).
 */
uint64_t span_divmul(const struct mspan_ix *x)
{
	uint64_t n = x->limit - x->start, mul, e;

	if (x->size < 2 || x->limit <= x->start || n > 1ull << 32 ||
	    x->size > n)
		return 0;
	mul = 0xffffffffull / x->size + 1;
	e = mul * x->size - (1ull << 32);
	return (n - 1) * e < 1ull << 32 ? mul : 0;
}

static int add_span(void *arg, const struct goheap_span *sp)
{
	struct gomark *m = arg;
	struct mspan_ix *x;
	uint64_t k;

	if (m->n == m->cap) {
		size_t c = m->cap ? m->cap * 2 : 1024;
		struct mspan_ix *t = realloc(m->s, c * sizeof(*t));

		if (!t)
			return -2;
		m->s = t;
		m->cap = c;
	}
	x = &m->s[m->n++];
	x->start = sp->start;
	x->limit = sp->start + (sp->npages << 13);
	x->size = sp->size;
	x->nelems = sp->nelems;
	x->bit = m->nbits;
	x->specials = sp->specials;
	x->large_type = sp->large_type;
	x->cls = sp->cls;
	x->noscan = sp->noscan;
	x->inline_marks = -1;
	x->divmul = span_divmul(x);
	x->below = x->cls ? goheap_class_size(x->cls - 1) : 0;
	x->ubits = 0;
	x->one_bits = 0;
	x->data = x->limit > x->start && x->limit - x->start <= SIZE_MAX ?
		  procmem_ptr(&m->p->mem, x->start,
			      (size_t)(x->limit - x->start)) : NULL;
	if (m->nbits + sp->nelems > (1ull << 40))
		return -2;
	if ((m->nbits + sp->nelems + 7) / 8 > m->alloc_cap) {
		size_t c = m->alloc_cap ? m->alloc_cap * 2 : 1u << 16;
		uint8_t *t;

		while (c < (m->nbits + sp->nelems + 7) / 8)
			c *= 2;
		t = realloc(m->alloc, c);
		if (!t)
			return -2;
		memset(t + m->alloc_cap, 0, c - m->alloc_cap);
		m->alloc = t;
		m->alloc_cap = c;
	}
	for (k = 0; k < sp->nelems; k++)
		if (k < sp->fifs || (sp->bits &&
				     ((sp->bits[k / 8] >> (k % 8)) & 1))) {
			uint64_t b = m->nbits + k;

			m->alloc[b / 8] |= (uint8_t)(1u << (b % 8));
		}
	m->nbits += sp->nelems;
	m->st.objects += sp->alloc;
	m->st.bytes += sp->alloc * sp->size;
	return 0;
}

static int cmp_span(const void *a, const void *b)
{
	const struct mspan_ix *x = a, *y = b;

	return x->start < y->start ? -1 : x->start > y->start;
}

/*
 * The objects' bits in the spans' order once they are sorted (the order
 * of the addresses), so that an object's rank among the marked ones is
 * its number in the dominators' graph (gomark_dom.c).  0 or -1.
 */
static int bits_in_order(struct gomark *m)
{
	uint64_t nb = 0, k;
	uint8_t *t;
	size_t i;

	for (i = 1; i < m->n; i++)
		if (m->s[i].bit < m->s[i - 1].bit)
			break;
	if (i >= m->n)
		return 0;
	t = calloc(1, m->alloc_cap ? m->alloc_cap : 1);
	if (!t)
		return -1;
	for (i = 0; i < m->n; i++) {
		struct mspan_ix *x = &m->s[i];

		for (k = 0; k < x->nelems; k++)
			if (test_bit(m->alloc, x->bit + k))
				t[(nb + k) / 8] |= (uint8_t)(1u << ((nb + k) % 8));
		x->bit = nb;
		nb += x->nelems;
	}
	free(m->alloc);
	m->alloc = t;
	return 0;
}

/*
 * From Go 1.22 (allocation headers) a heap object's pointers are found
 * as the collector finds them (runtime/mbitmap.go, typePointersOfUnchecked);
 * before, in the heap arenas' bitmaps (arena_layout).  A toolchain built
 * with GOEXPERIMENT=noallocheaders (1.22 and 1.23) keeps the arenas'
 * bitmaps, which are not read there: its objects are scanned whole.
 */
static int precise_layout(const struct goproc *p, int minor)
{
	const struct golayout *l = &p->layout;

	return minor >= 22 && !strstr(p->go_version, "noallocheaders") &&
	       l->mspan_largetype != GOLAYOUT_NONE &&
	       l->type_size != GOLAYOUT_NONE &&
	       l->type_ptrdata != GOLAYOUT_NONE &&
	       l->type_tflag != GOLAYOUT_NONE &&
	       l->type_kind != GOLAYOUT_NONE &&
	       l->type_gcdata != GOLAYOUT_NONE &&
	       l->type_gcdata + 8 <= 64 && l->type_size + 8 <= 64 &&
	       l->type_ptrdata + 8 <= 64 && l->type_tflag < 64 &&
	       l->type_kind < 64;
}

/*
 * Up to Go 1.21 the heap's pointer bits live in its arenas (heapArena,
 * 64 MiB of heap each): 2 bits a word in 1.19 (the pointer bit in the
 * low nibble of the byte for 4 words), 1 bit a word in 1.20 and 1.21,
 * which cannot be read without their noMorePtrs.  None: objects are
 * scanned whole, and claims are not tested against bits (fits).
 */
static void arena_layout(struct gomark *m, uint64_t mheap)
{
	const struct golayout *l = &m->p->layout;

	if (m->minor < 19 || m->minor > 21 ||
	    l->mheap_arenas == GOLAYOUT_NONE ||
	    l->heaparena_bitmap == GOLAYOUT_NONE ||
	    (m->minor > 19 && l->heaparena_nomoreptrs == GOLAYOUT_NONE) ||
	    procmem_u64(&m->p->mem, mheap + l->mheap_arenas, &m->arenas) ||
	    !m->arenas)
		return;
	m->arena_bits = m->minor == 19 ? 2 : 1;
}

#define MAX_PAGES	(1ull << 24)	/* a page index over 128 GiB: search */

/*
 * A span for each 8 KiB page of the heap's range, when the spans are
 * whole pages and the range is not too sparse: the mark looks up every
 * word it follows, and the binary search over the spans took a fifth of
 * gocap heap types' time on a 1 GiB heap.
 */
static void page_index(struct gomark *m)
{
	uint64_t i, a;

	if (!m->n || m->n >= UINT32_MAX)
		return;
	m->page0 = m->s[0].start >> 13;
	m->npages = (m->s[m->n - 1].limit >> 13) - m->page0;
	for (i = 0; i < m->n; i++)
		if ((m->s[i].start | m->s[i].limit) & 8191)
			return;
	if (m->npages > MAX_PAGES ||
	    !(m->page = calloc((size_t)m->npages, sizeof(*m->page))))
		return;
	for (i = 0; i < m->n; i++)
		for (a = m->s[i].start; a < m->s[i].limit; a += 8192)
			m->page[(a >> 13) - m->page0] = (uint32_t)i + 1;
}

struct gomark *gomark_new(const struct goproc *p, uint64_t mheap,
			  char *err, size_t errlen)
{
	struct gomark *m = calloc(1, sizeof(*m));
	uint64_t nspans;
	size_t i;
	int r;

	if (!m) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	m->p = p;
	m->minor = govers_minor(p->go_version);
	m->precise = precise_layout(p, m->minor);
	arena_layout(m, mheap);
	r = goheap_span_each(p, mheap, add_span, m, &nspans, err, errlen);
	if (r == -2) {
		snprintf(err, errlen, "out of memory for the spans' index");
	} else if (!r) {
		if (m->n)
			qsort(m->s, m->n, sizeof(*m->s), cmp_span);
		if (bits_in_order(m)) {
			snprintf(err, errlen, "out of memory for the spans' index");
			r = -1;
		}
		for (i = 1; !r && i < m->n; i++)
			if (m->s[i].start < m->s[i - 1].limit) {
				snprintf(err, errlen,
					 "spans at 0x%llx and 0x%llx overlap",
					 (unsigned long long)m->s[i - 1].start,
					 (unsigned long long)m->s[i].start);
				r = -1;
				break;
			}
		if (!r)
			page_index(m);
		/* whole 64-bit words, and one more (gomark_dom.c's rank) */
		m->mark = calloc(1, (size_t)(m->nbits + 63) / 64 * 8 + 8);
		if (!r && !m->mark) {
			snprintf(err, errlen, "out of memory for the mark bits");
			r = -1;
		}
	}
	if (r) {
		gomark_free(m);
		return NULL;
	}
	return m;
}

struct mspan_ix *span_of(const struct gomark *m, uint64_t a)
{
	size_t lo = 0, hi = m->n;

	if (m->page) {
		uint64_t pg = (a >> 13) - m->page0;

		if ((a >> 13) < m->page0 || pg >= m->npages || !m->page[pg])
			return NULL;
		return &m->s[m->page[pg] - 1];
	}

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (m->s[mid].limit <= a)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo < m->n && m->s[lo].start <= a && a < m->s[lo].limit)
		return &m->s[lo];
	return NULL;
}

void gomark_word(struct gomark *m, uint64_t v)
{
	struct mspan_ix *s;
	uint64_t k, b;

	if (m->finding) {
		if (v >= m->find_lo && v < m->find_hi && !m->find_stop &&
		    (m->cur < m->find_lo || m->cur >= m->find_hi))
			m->find_stop = m->find_fn(m->find_arg, m->cur);
		return;
	}
	s = span_of(m, v);
	if (!s)
		return;
	k = span_index(s, v);
	if (k >= s->nelems)
		return;
	b = s->bit + k;
	if (!test_bit(m->alloc, b) || (m->dom && dom_word(m, b)))
		return;
	if (m->pool) {
		/* the thread whose or sets the bit scans the object */
		uint8_t bit = (uint8_t)(1u << (b % 8));

		if ((__atomic_load_n(&m->mark[b / 8], __ATOMIC_RELAXED) & bit) ||
		    (__atomic_fetch_or(&m->mark[b / 8], bit,
				       __ATOMIC_RELAXED) & bit))
			return;
	} else if (test_bit(m->mark, b)) {
		return;
	} else {
		m->mark[b / 8] |= (uint8_t)(1u << (b % 8));
	}
	if (m->par)
		m->par[b] = m->cur;
	m->st.reached++;
	m->st.reached_bytes += s->size;
	if (s->noscan || (m->nwork == m->capwork && gomark_work_room(m, 1)))
		return;
	m->work[m->nwork++] = s->start + k * s->size;
}

int gomark_work_room(struct gomark *m, size_t n)
{
	size_t c = m->capwork ? m->capwork : 4096;
	uint64_t *t;

	if (m->nwork + n <= m->capwork)
		return 0;
	while (c < m->nwork + n)
		c *= 2;
	t = realloc(m->work, c * sizeof(*t));
	if (!t) {
		m->nomem = 1;
		return -1;
	}
	m->work = t;
	m->capwork = c;
	return 0;
}

void gomark_copy_init(struct gomark_copy *c, const struct gomark *m)
{
	c->orig = (struct goproc *)m->p;	/* its counter, at the end */
	c->p = *m->p;
	c->failed0 = c->p.mem.reads_failed;
	c->m = *m;
	c->m.p = &c->p;
	memset(&c->m.tm, 0, sizeof(c->m.tm));
	c->m.work = NULL;
	c->m.nwork = c->m.capwork = c->m.whead = 0;
}

void gomark_copy_done(struct gomark_copy *c)
{
	c->orig->mem.reads_failed += c->p.mem.reads_failed - c->failed0;
	free(c->m.tm.mask);
	free(c->m.work);
	c->m.tm.mask = NULL;
	c->m.work = NULL;
}

int gomark_word_cb(void *arg, uint64_t v)
{
	struct gomark *m = arg;

	m->st.root_words++;
	gomark_word(m, v);
	return 0;
}


/*
 * The n words at src (the core's bytes at a) that may be pointers: those
 * whose bit is set in mask from bit w on (bit 0 of mask[0] the first
 * word), or, mask NULL, every word.
 */
static void scan_at(struct gomark *m, uint64_t a, const uint8_t *src,
		    size_t n, const uint8_t *mask, uint64_t w)
{
	uint64_t v;
	size_t i;

	for (i = 0; i < n; i++, w++) {
		if (mask && !((mask[w / 8] >> (w % 8)) & 1))
			continue;
		memcpy(&v, src + 8 * i, 8);
		if (v) {
			m->cur = a + 8 * i;
			gomark_word(m, v);
		}
	}
}

/*
 * The words of [a, a + len) that may be pointers, as scan_at says (mask
 * NULL: scanned whole), a chunk at a time: read in place where one
 * segment holds it, its first and last bytes all the same (every page of
 * it is read, as a copy would: the fuzz seeds keep the pages read,
 * tests/gocap/mincore.c), else copied.  Returns the bytes not in the
 * core.
 */
static uint64_t scan_words(struct gomark *m, uint64_t a, uint64_t len,
			   const uint8_t *mask)
{
	uint64_t buf[CHUNK / 8], w = 0, missed = 0;

	while (len >= 8) {
		size_t n = len < CHUNK ? (size_t)(len & ~7ull) : CHUNK, avail;
		const uint8_t *p = procmem_span(&m->p->mem, a, &avail);

		if (p && avail >= n) {
			(void)*(const volatile uint8_t *)p;
			(void)*(const volatile uint8_t *)(p + n - 1);
			scan_at(m, a, p, n / 8, mask, w);
		} else if (procmem_read(&m->p->mem, a, buf, n))
			missed += n;
		else
			scan_at(m, a, (const uint8_t *)buf, n / 8, mask, w);
		w += n / 8;
		a += n;
		len -= n;
	}
	return missed;
}

/*
 * The n bytes at a, inside span s: in place when the span is in the core
 * whole (s->data), else copied into buf; NULL when not in the core.
 */
static const uint8_t *span_bytes(struct gomark *m, const struct mspan_ix *s,
				 uint64_t a, size_t n, void *buf)
{
	if (s->data && a >= s->start && a <= s->limit && n <= s->limit - a)
		return s->data + (a - s->start);
	return procmem_read(&m->p->mem, a, buf, n) ? NULL : buf;
}

/*
 * Green Tea's collector (Go 1.25 experiment, default from 1.26) keeps
 * the mark bits of a one-page span of objects from 16 to 512 bytes in its
 * last 128 bytes (spanInlineMarkBits, whose last byte is the span's
 * class), before them the heap bits.  The class byte tells the layouts
 * apart: where there are only heap bits, that byte covers the bitmap's
 * own words, which no object holds, and is 0.
 */
static int inline_marks(struct gomark *m, struct mspan_ix *s)
{
	const uint8_t *c;
	uint8_t buf;

	if (s->inline_marks < 0)
		s->inline_marks = m->minor >= 25 && s->size >= 16 &&
				  s->limit - s->start == 8192 &&
				  (c = span_bytes(m, s, s->limit - 1, 1, &buf)) &&
				  *c == (s->cls << 1 | (unsigned int)s->noscan);
	return s->inline_marks;
}

void gomark_settle(struct gomark *m)
{
	size_t i;

	for (i = 0; i < m->n; i++)
		if (span_small(&m->s[i]))
			inline_marks(m, &m->s[i]);
}

int small_bits64(struct gomark *m, struct mspan_ix *s, uint64_t base,
		 uint64_t *got)
{
	uint64_t span = s->limit - s->start, bm = span / 64;
	uint64_t hb = s->limit - bm - (inline_marks(m, s) ? 128 : 0);
	uint64_t w0 = (base - s->start) / 8, nw = s->size / 8, lo = 0, hi;
	unsigned int sh = (unsigned int)(w0 % 8);
	uint8_t buf[9];
	const uint8_t *bits;
	size_t nb = (size_t)((w0 + nw - 1) / 8 - w0 / 8 + 1), i;

	if (nw > 64 || nb > sizeof(buf))
		return -1;
	bits = span_bytes(m, s, hb + w0 / 8, nb, buf);
	if (!bits)
		return -1;
	/* word i's bit is bit sh + i of the (up to) 72 bits from bits[0] */
	for (i = 0; i < nb && i < 8; i++)
		lo |= (uint64_t)bits[i] << (8 * i);
	hi = nb > 8 ? bits[8] : 0;
	lo = sh ? lo >> sh | hi << (64 - sh) : lo;
	*got = nw < 64 ? lo & ((1ull << nw) - 1) : lo;
	return 0;
}

/* The mark read an object of s's heap bits, g (r: -1, it could not):
 * known_bits() says whether they are every such object's.  Once the mark
 * is done (bits_done) the note stands: the scans after it only read it. */
static void note_bits(const struct gomark *m, struct mspan_ix *s, int r,
		      uint64_t g)
{
	if (m->bits_done)
		return;
	if (m->pool) {
		gomark_par_note(m, s, r, g);
		return;
	}
	if (r) {
		s->one_bits = 2;
	} else if (!s->one_bits) {
		s->ubits = g;
		s->one_bits = 1;
	} else if (s->ubits != g) {
		s->one_bits = 2;
	}
}

/* An object of at most 512 bytes: its pointer bits (the span's heap
 * bits, a bit per word at the span's end, or those the mark noted for
 * the span) taken as one word whose set bits are visited. */
static int scan_small(struct gomark *m, struct mspan_ix *s, uint64_t base)
{
	uint8_t mask[8];
	uint64_t buf[64], g, v;
	const uint8_t *b;
	unsigned int i;

	if (!known_bits(m, s, &g)) {
		int r = small_bits64(m, s, base, &g);

		note_bits(m, s, r, g);
		if (r)
			return -1;
	}
	b = s->size <= sizeof(buf) ?
	    span_bytes(m, s, base, (size_t)s->size, buf) : NULL;
	if (!b) {
		for (i = 0; i < 8; i++)
			mask[i] = (uint8_t)(g >> (8 * i));
		m->st.unread += scan_words(m, base, s->size, mask);
		return 0;
	}
	/* read in place, its first and last bytes all the same: every page
	 * it covers is read, as scan_words does (the fuzz seeds keep the
	 * pages read) */
	(void)*(const volatile uint8_t *)b;
	(void)*(const volatile uint8_t *)(b + s->size - 1);
	while (g) {
		i = (unsigned int)__builtin_ctzll(g);
		g &= g - 1;
		memcpy(&v, b + 8 * i, 8);
		if (v) {
			m->cur = base + 8 * i;
			gomark_word(m, v);
		}
	}
	return 0;
}

#define MAX_MASK	(1u << 24)	/* bytes of a type's pointer mask */
#define TFLAG_BIT4	0x10	/* UnrolledBitmap to 1.23, GCMaskOnDemand from 1.24 */
#define KIND_GCPROG	0x40	/* to 1.23: GCData is a program */

/*
 * The pointer mask of the type at typ into m->tm, read once for a run of
 * objects of one type (the last type asked for is kept, found or not).
 * 0, or -1 when it cannot be read.
 */
static int type_mask(struct gomark *m, uint64_t typ)
{
	const struct golayout *l = &m->p->layout;
	struct type_mask *tm = &m->tm;
	uint8_t t[64];
	uint64_t gcdata;
	size_t nb;

	if (tm->typ == typ)
		return tm->bad ? -1 : 0;
	tm->typ = typ;
	tm->bad = 1;
	if (procmem_read(&m->p->mem, typ, t, sizeof(t)))
		return -1;
	memcpy(&tm->size, t + l->type_size, 8);
	memcpy(&tm->ptrdata, t + l->type_ptrdata, 8);
	memcpy(&gcdata, t + l->type_gcdata, 8);
	if (!tm->size || tm->ptrdata > tm->size || tm->ptrdata % 8)
		return -1;
	if (m->minor <= 23 && (t[l->type_kind] & KIND_GCPROG) &&
	    !(t[l->type_tflag] & TFLAG_BIT4))
		return -1;
	if (m->minor >= 24 && (t[l->type_tflag] & TFLAG_BIT4) &&
	    procmem_u64(&m->p->mem, gcdata, &gcdata))
		return -1;	/* mask built on demand, and not yet */
	nb = (size_t)((tm->ptrdata / 8 + 7) / 8);
	if (nb > MAX_MASK)
		return -1;
	if (nb > tm->cap) {
		uint8_t *b = realloc(tm->mask, nb);

		if (!b)
			return -1;
		tm->mask = b;
		tm->cap = nb;
	}
	if (nb && (!gcdata || procmem_read(&m->p->mem, gcdata, tm->mask, nb)))
		return -1;
	tm->bad = 0;
	return 0;
}

/*
 * An object with a type: len bytes from a, tiled by elements of the type
 * at typ (a header's or mspan.largeType), each with its pointer prefix
 * described by the type's mask.  -1 when the type cannot be read.
 */
static int scan_typed(struct gomark *m, uint64_t typ, uint64_t a,
		      uint64_t len)
{
	const struct type_mask *tm = &m->tm;
	uint64_t e;

	if (type_mask(m, typ) || tm->size > len)
		return -1;
	if (!tm->ptrdata)
		return 0;
	for (e = a; len - (e - a) >= tm->size; e += tm->size)
		m->st.unread += scan_words(m, e, tm->ptrdata, tm->mask);
	return 0;
}

#define ARENA_SHIFT	26			/* heapArenaBytes: 64 MiB */
#define ARENA_BASE	0x800000000000ull	/* -arenaBaseOffset */
#define ARENA_L2	(1ull << 22)		/* arenas per index */

/*
 * The pointer bits of a Go 1.19 to 1.21 heap object, from the heap
 * arenas' bitmaps: *n bytes at a (within one arena, at most CHUNK), part
 * of the object at obj, into mask (bit i: word i from a; the caller
 * zeroes it).  1.19: 2 bits a word, the pointer bit in the low nibble of
 * the byte for 4 words and a scan bit in the high one, 0 when the object
 * holds no pointer from that word on.  1.20 and 1.21: 1 bit a word, 64 to
 * a bitmap word, and a noMorePtrs bit per bitmap word, set when the
 * object that goes on past it holds no more pointers (its bits there are
 * left stale).  Where the runtime's scanobject would stop, *n is cut and
 * *stop set: the object holds no pointer from there on.
 */
static int arena_chunk(struct gomark *m, uint64_t obj, uint64_t a,
		       uint64_t *n, uint8_t *mask, int *stop)
{
	const struct golayout *l = &m->p->layout;
	uint8_t bits[CHUNK / 32 + 2], nomore, b;
	const uint8_t *bp;
	uint64_t ai = (a + ARENA_BASE) >> ARENA_SHIFT, ha, off, i, w0, nb;
	uint64_t cnt, k;
	unsigned int cut, lg;

	off = (a + ARENA_BASE) & ((1ull << ARENA_SHIFT) - 1);
	*stop = 0;
	if (!*n || *n > CHUNK || *n % 8 || off + *n > 1ull << ARENA_SHIFT ||
	    ai >= ARENA_L2)
		return -1;
	if (m->arena_ai != ai + 1) {
		if (procmem_u64(&m->p->mem, m->arenas + 8 * ai, &ha) || !ha)
			return -1;
		m->arena_ai = ai + 1;
		m->arena_ha = ha;
		m->arena_bm = procmem_span(&m->p->mem,
					   ha + l->heaparena_bitmap,
					   &m->arena_bmlen);
		m->arena_nmp = l->heaparena_nomoreptrs == GOLAYOUT_NONE ? NULL :
			procmem_span(&m->p->mem, ha + l->heaparena_nomoreptrs,
				     &m->arena_nmplen);
	}
	ha = m->arena_ha;
	/* the bitmap's bytes for the chunk (4 words a byte in 1.19, else
	 * 8), in place or copied */
	lg = m->arena_bits == 2 ? 5 : 6;	/* log2 of the bytes a byte */
	w0 = off >> lg;
	nb = ((off + *n - 1) >> lg) - w0 + 1;
	bp = bits;
	if (m->arena_bm && w0 + nb <= m->arena_bmlen)
		bp = m->arena_bm + w0;
	else if (procmem_read(&m->p->mem, ha + l->heaparena_bitmap + w0,
			      bits, nb))
		return -1;
	/* a bitmap byte at a time: its bits for the words from w on */
	cnt = *n / 8;
	for (i = 0; i < cnt; i += k) {
		uint64_t w = off / 8 + i, x;
		unsigned int ptr, sh;

		if (m->arena_bits == 2) {	/* 4 words a byte */
			sh = w % 4;
			b = bp[w / 4 - w0];
			k = 4 - sh < cnt - i ? 4 - sh : cnt - i;
			ptr = (b & 0xfu) >> sh;
			/* the first word without bitScan: no pointer on */
			cut = ~(b >> 4 >> sh) & ((1u << k) - 1);
		} else {			/* 8 words a byte */
			/* past a bitmap word, not at the object's start
			 * (where an arena begins, the bit is the previous
			 * arena's: reading on can only find more) */
			x = w / 64;
			if (w % 64 == 0 && w && a + 8 * i != obj) {
				if (m->arena_nmp &&
				    (x - 1) / 8 < m->arena_nmplen)
					nomore = m->arena_nmp[(x - 1) / 8];
				else if (procmem_read(&m->p->mem,
						      ha + l->heaparena_nomoreptrs +
						      (x - 1) / 8, &nomore, 1))
					return -1;
				if ((nomore >> ((x - 1) % 8)) & 1) {
					*n = 8 * i;
					*stop = 1;
					break;
				}
			}
			sh = w % 8;
			b = bp[w / 8 - w0];
			k = 8 - sh < cnt - i ? 8 - sh : cnt - i;
			ptr = (unsigned int)b >> sh;
			cut = 0;
		}
		if (cut) {
			k = (uint64_t)__builtin_ctz(cut);
			*n = 8 * (i + k);
			*stop = 1;
		}
		ptr &= (1u << k) - 1;
		/* words i to i + k - 1 of the mask, k at most 8 */
		mask[i / 8] |= (uint8_t)(ptr << (i % 8));
		if (i % 8 + k > 8)
			mask[i / 8 + 1] |= (uint8_t)(ptr >> (8 - i % 8));
		if (cut)
			break;
	}
	return 0;
}

/* The most of len bytes at a that one arena_chunk may read */
static uint64_t arena_step(uint64_t a, uint64_t len)
{
	uint64_t n = len < CHUNK ? len & ~7ull : CHUNK;
	uint64_t left = (((a + ARENA_BASE) >> ARENA_SHIFT) + 1) << ARENA_SHIFT;

	left -= a + ARENA_BASE;
	return n > left ? left : n;
}

/* An object of a Go 1.19 to 1.21 heap: its words whose pointer bit is
 * set, a chunk at a time, up to where the runtime's scanobject stops;
 * the first chunk's bits of its first 64 words in *first (of an object
 * of at most 512 bytes, one chunk: arena_bits64's word). */
static int scan_arena(struct gomark *m, uint64_t a, uint64_t len,
		      uint64_t *first)
{
	uint8_t mask[CHUNK / 64 + 1];
	uint64_t obj = a, n;
	int stop;

	while (len >= 8) {
		n = arena_step(a, len);
		memset(mask, 0, sizeof(mask));
		if (arena_chunk(m, obj, a, &n, mask, &stop))
			return -1;
		if (a == obj)
			memcpy(first, mask, 8);
		m->st.unread += scan_words(m, a, n, mask);
		if (stop)
			break;
		a += n;
		len -= n;
	}
	return 0;
}

int arena_bits64(struct gomark *m, uint64_t base, uint64_t size,
		 uint64_t *got)
{
	uint64_t a = base, len = (size < 512 ? size : 512) & ~7ull, n, v;
	uint8_t mask[CHUNK / 64 + 1];
	int stop;

	*got = 0;
	if (!m->arena_bits)
		return -1;
	while (len >= 8) {
		n = arena_step(a, len);
		memset(mask, 0, sizeof(mask));
		if (arena_chunk(m, base, a, &n, mask, &stop))
			return -1;
		memcpy(&v, mask, 8);
		*got |= v << ((a - base) / 8);
		if (stop)
			break;
		a += n;
		len -= n;
	}
	return 0;
}

/* One object: by its pointer bitmap when it can be read, else whole. */
void scan_object(struct gomark *m, struct mspan_ix *s, uint64_t base)
{
	uint64_t typ;
	int r = -1;

	m->st.scanned += s->size;
	if (m->precise) {
		/* no type (an object being allocated): whole */
		if (span_small(s))
			r = scan_small(m, s, base);
		else if (s->cls)	/* an allocation header */
			r = procmem_u64(&m->p->mem, base, &typ) || !typ ? -1 :
			    scan_typed(m, typ, base + 8, s->size - 8);
		else if (s->large_type)
			r = scan_typed(m, s->large_type, base, s->size);
	} else if (m->arena_bits) {
		uint64_t g = 0;

		if (span_small(s) && known_bits(m, s, &g)) {
			r = scan_small(m, s, base);
		} else {
			r = scan_arena(m, base, s->size, &g);
			if (span_small(s))
				note_bits(m, s, r, g);
		}
	}
	if (r) {
		m->st.whole++;
		m->st.unread += scan_words(m, base, s->size, NULL);
	} else {
		m->st.precise++;
	}
}

static void drain(struct gomark *m)
{
	m->draining = 1;
	/* the first reachers and the search follow the order: alone */
	if (!m->par && !m->finding && gomark_drain_par(m)) {
		m->draining = 0;
		return;
	}
	while (m->nwork > m->whead) {
		/* tracking: first in, first out (breadth first) */
		uint64_t base = m->par ? m->work[m->whead++] :
			m->work[--m->nwork];
		struct mspan_ix *s = span_of(m, base);

		if (s)
			scan_object(m, s, base);
		if (m->whead == m->nwork)
			m->whead = m->nwork = 0;
		else if (m->whead > (1u << 20) && m->whead > m->nwork / 2) {
			memmove(m->work, m->work + m->whead,
				(m->nwork - m->whead) * sizeof(*m->work));
			m->nwork -= m->whead;
			m->whead = 0;
		}
	}
	m->draining = 0;
}

/*
 * The pointer mask of len bytes of globals: the bitvector {n int32,
 * bytedata *uint8} at moduledata + off, which must say len / 8 bits.
 * NULL when there is none to believe.
 */
static uint8_t *global_mask(struct gomark *m, uint64_t md, uint32_t off,
			    uint64_t len)
{
	uint64_t n, data;
	uint8_t *mask;

	if (off == GOLAYOUT_NONE ||
	    procmem_u64(&m->p->mem, md + off, &n) ||
	    procmem_u64(&m->p->mem, md + off + 8, &data) ||
	    (uint32_t)n != len / 8 || !data)
		return NULL;
	mask = malloc((size_t)(len / 64 + 1));
	if (mask && procmem_read(&m->p->mem, data, mask,
				 (size_t)((len / 8 + 7) / 8))) {
		free(mask);
		mask = NULL;
	}
	return mask;
}

int gomark_globals_bounds(const struct gomark *m, uint64_t v[4])
{
	const struct goproc *p = m->p;
	const struct golayout *l = &p->layout;
	uint64_t md = p->md.addr;
	int i;

	/* noptrdata, enoptrdata, data, edata, bss, ebss, noptrbss, enoptrbss */
	if (l->md_noptrdata == GOLAYOUT_NONE ||
	    l->md_enoptrbss != l->md_noptrdata + 56 || !md)
		return -1;
	for (i = 0; i < 4; i++)
		if (procmem_u64(&p->mem, md + l->md_noptrdata + 16 + 8 * i,
				&v[i]))
			return -2;
	return 0;
}

int gomark_globals_ok(uint64_t lo, uint64_t hi)
{
	return hi >= lo && hi - lo <= MAX_GLOBALS;
}

uint8_t *gomark_globals_mask(struct gomark *m, int bss, uint64_t len)
{
	const struct golayout *l = &m->p->layout;

	return global_mask(m, m->p->md.addr,
			   bss ? l->md_gcbssmask : l->md_gcdatamask, len);
}

/* data..edata and bss..ebss of the executable's module: by their pointer
 * masks, or whole. */
static void globals(struct gomark *m)
{
	uint64_t v[4];
	int i, r = gomark_globals_bounds(m, v);

	if (r) {
		snprintf(m->st.partial, sizeof(m->st.partial),
			 r == -1 ? "the globals were not read: moduledata's layout is not the one known" :
			 "the globals were not read: moduledata is not in the core");
		return;
	}
	for (i = 0; i < 4; i += 2) {
		uint64_t missed;
		uint8_t *mask;

		if (!gomark_globals_ok(v[i], v[i + 1])) {
			snprintf(m->st.partial, sizeof(m->st.partial),
				 "moduledata says the globals lie at 0x%llx-0x%llx",
				 (unsigned long long)v[i],
				 (unsigned long long)v[i + 1]);
			continue;
		}
		m->st.globals += v[i + 1] - v[i];
		mask = gomark_globals_mask(m, i, v[i + 1] - v[i]);
		if (mask)
			m->st.globals_precise += v[i + 1] - v[i];
		missed = scan_words(m, v[i], v[i + 1] - v[i], mask);
		free(mask);
		if (missed)
			snprintf(m->st.partial, sizeof(m->st.partial),
				 "%llu bytes of the globals at 0x%llx are not in the core",
				 (unsigned long long)missed,
				 (unsigned long long)v[i]);
	}
}

/*
 * The specials of every span.  struct special is {next, offset uint16,
 * kind byte} (16 bytes) up to Go 1.23, {next, offset uintptr, kind byte}
 * (24) from 1.24; _KindSpecialFinalizer is 1 up to 1.24, 2 from 1.25 (the
 * tiny block's special came first).
 */
static void specials(struct gomark *m)
{
	const struct goproc *p = m->p;
	int minor = govers_minor(p->go_version);
	unsigned int koff = minor >= 24 ? 16 : 10, body = minor >= 24 ? 24 : 16;
	unsigned int fin = minor >= 25 ? 2 : 1;
	size_t i;

	for (i = 0; i < m->n; i++) {
		struct mspan_ix *s = &m->s[i];
		uint64_t a = s->specials, next, off, fn;
		uint32_t k;
		uint8_t rec[32];

		for (k = 0; a && k < MAX_SPECIALS; k++, a = next) {
			if (procmem_read(&p->mem, a, rec, body + 8)) {
				snprintf(m->st.partial, sizeof(m->st.partial),
					 "the specials of the span at 0x%llx are not in the core",
					 (unsigned long long)s->start);
				break;
			}
			memcpy(&next, rec, 8);
			off = 0;
			memcpy(&off, rec + 8, minor >= 24 ? 8 : 2);
			memcpy(&fn, rec + body, 8);
			m->st.specials++;
			m->cur = GOMARK_SRC | (uint64_t)GOMARK_SRC_SPECIAL << 56 |
				 ((s->start + off) & ((1ull << 56) - 1));
			gomark_word(m, fn);
			if (rec[koff] != fin || off >= s->limit - s->start)
				continue;
			m->st.finalizers++;
			if (!s->noscan && off % s->size == 0)
				scan_object(m, s, s->start + off);
		}
	}
}

/* Each P's tiny block: the runtime keeps it for the next allocations. */
static void tiny(struct gomark *m)
{
	const struct goproc *p = m->p;
	const struct golayout *l = &p->layout;
	uint64_t allp = p->roots[GCD_ROOT_ALLP], arr, n, i, pp, mc, t;

	if (!allp || l->p_mcache == GOLAYOUT_NONE ||
	    l->mcache_tiny == GOLAYOUT_NONE ||
	    procmem_u64(&p->mem, allp, &arr) ||
	    procmem_u64(&p->mem, allp + 8, &n))
		return;
	for (i = 0; i < n && i < 4096; i++)
		if (!procmem_u64(&p->mem, arr + 8 * i, &pp) && pp &&
		    !procmem_u64(&p->mem, pp + l->p_mcache, &mc) && mc &&
		    !procmem_u64(&p->mem, mc + l->mcache_tiny, &t) && t) {
			m->st.tiny++;
			m->cur = GOMARK_SRC | (uint64_t)GOMARK_SRC_TINY << 56 | i;
			gomark_word(m, t);
		}
}

void gomark_finish(struct gomark *m, struct gomark_stats *st)
{
	globals(m);
	tiny(m);
	drain(m);
	/* after the rest: the finalizers' objects marked from elsewhere
	 * are scanned once already */
	specials(m);
	drain(m);
	/* the list, empty, is not needed by what follows (the types and
	 * the dominators keep lists of their own): its peak's memory back */
	free(m->work);
	m->work = NULL;
	m->nwork = m->capwork = m->whead = 0;
	/* (scanned again after this, by the dominators and the search for
	 * pointers, are marked objects alone) */
	m->bits_done = !m->nomem;
	if (m->nomem)
		snprintf(m->st.partial, sizeof(m->st.partial),
			 "out of memory for the mark's work list: objects were left unscanned");
	else if (m->st.unread && !m->st.partial[0])
		snprintf(m->st.partial, sizeof(m->st.partial),
			 "%llu bytes of reachable objects are not in the core",
			 (unsigned long long)m->st.unread);
	*st = m->st;
}

/* The type of the object at base of s, as scan_object finds it: 0 when
 * the heap does not say (before Go 1.22, small objects, no pointers). */
uint64_t object_type(struct gomark *m, const struct mspan_ix *s,
		     uint64_t base, uint64_t *elems)
{
	const struct golayout *l = &m->p->layout;
	uint64_t typ = 0, size, avail = s->size;

	*elems = 0;
	if (!span_records_types(m, s))
		return 0;
	if (s->cls) {
		if (procmem_u64(&m->p->mem, base, &typ))
			return 0;
		avail -= 8;
	} else {
		typ = s->large_type;
	}
	if (!typ || procmem_u64(&m->p->mem, typ + l->type_size, &size) ||
	    !size || size > avail)
		return 0;
	*elems = avail / size;
	return typ;
}

int gomark_each(struct gomark *m,
		int (*fn)(void *arg, const struct gomark_object *o),
		void *arg)
{
	size_t i;
	uint64_t k;
	int r;

	for (i = 0; i < m->n; i++) {
		const struct mspan_ix *s = &m->s[i];

		for (k = 0; k < s->nelems; k++) {
			struct gomark_object o;

			if (!test_bit(m->mark, s->bit + k))
				continue;
			o.addr = s->start + k * s->size;
			o.size = s->size;
			o.cls = s->cls;
			o.noscan = s->noscan;
			o.typ = m->ty ? types_of(m, s, k, &o.elems) :
				object_type(m, s, o.addr, &o.elems);
			r = fn(arg, &o);
			if (r)
				return r;
		}
	}
	return 0;
}

int gomark_track(struct gomark *m)
{
	if (!m->par)
		m->par = calloc((size_t)m->nbits + 1, sizeof(*m->par));
	return m->par ? 0 : -1;
}

void gomark_source(struct gomark *m, enum gomark_src kind, uint64_t id)
{
	m->cur = GOMARK_SRC | (uint64_t)kind << 56 | (id & ((1ull << 56) - 1));
}

/* The object holding a: its span and index; -1 when none. */
static int object_at(const struct gomark *m, uint64_t a, struct mspan_ix **sp,
		     uint64_t *k)
{
	struct mspan_ix *s = span_of(m, a);

	if (!s)
		return -1;
	*k = span_index(s, a);
	if (*k >= s->nelems || !test_bit(m->alloc, s->bit + *k))
		return -1;
	*sp = s;
	return 0;
}

/* Object k of s as a hop; slot: its word that points on (0: none). */
static void fill_hop(struct gomark *m, struct mspan_ix *s, uint64_t k,
		     uint64_t slot, struct gomark_hop *h)
{
	h->addr = s->start + k * s->size;
	h->size = s->size;
	h->typ = m->ty ? types_of(m, s, k, &h->elems) :
		object_type(m, s, h->addr, &h->elems);
	h->off = slot ? slot - h->addr : 0;
	h->data = m->precise && span_headed(s) ? 8 : 0;
}

int gomark_path(struct gomark *m, uint64_t addr, struct gomark_hop *hops,
		size_t max, uint64_t *root)
{
	struct mspan_ix *s;
	uint64_t k, v, slot = 0;
	size_t n = 0, i;

	*root = 0;
	if (object_at(m, addr, &s, &k))
		return -2;
	if (!m->par || !test_bit(m->mark, s->bit + k))
		return 0;
	for (;;) {
		if (n == max)
			return -1;
		/* slot: the word in this object that points to the last */
		fill_hop(m, s, k, n ? slot : 0, &hops[n]);
		n++;
		v = m->par[s->bit + k];
		slot = v;
		if ((v & GOMARK_SRC) || object_at(m, v, &s, &k)) {
			*root = v;
			break;
		}
		if (!test_bit(m->mark, s->bit + k)) {
			/* scanned, not marked: a finalizer's object */
			if (n == max)
				return -1;
			fill_hop(m, s, k, slot, &hops[n]);
			*root = GOMARK_SRC | (uint64_t)GOMARK_SRC_SPECIAL << 56 |
				(hops[n].addr & ((1ull << 56) - 1));
			n++;
			break;
		}
	}
	/* root first (each hop's off: where in it the next one is held) */
	for (i = 0; i < n / 2; i++) {
		struct gomark_hop t = hops[i];

		hops[i] = hops[n - 1 - i];
		hops[n - 1 - i] = t;
	}
	return (int)n;
}

int gomark_pointers_to(struct gomark *m, uint64_t addr,
		       void (*roots)(void *arg, struct gomark *m),
		       int (*fn)(void *arg, uint64_t word), void *arg)
{
	struct gomark_stats keep = m->st;
	struct mspan_ix *t;
	uint64_t k;
	size_t i;

	if (object_at(m, addr, &t, &k))
		return -2;
	m->finding = 1;
	m->find_stop = 0;
	m->find_lo = t->start + k * t->size;
	m->find_hi = m->find_lo + t->size;
	m->find_fn = fn;
	m->find_arg = arg;
	if (roots)
		roots(arg, m);
	if (!m->find_stop)
		tiny(m);
	for (i = 0; i < m->n && !m->find_stop; i++) {
		struct mspan_ix *s = &m->s[i];

		if (s->noscan)
			continue;
		for (k = 0; k < s->nelems && !m->find_stop; k++)
			if (test_bit(m->mark, s->bit + k))
				scan_object(m, s, s->start + k * s->size);
	}
	if (!m->find_stop)
		globals(m);
	m->finding = 0;
	m->st = keep;
	return m->find_stop;
}

void gomark_free(struct gomark *m)
{
	if (!m)
		return;
	free(m->s);
	free(m->alloc);
	free(m->mark);
	free(m->work);
	free(m->tm.mask);
	free(m->page);
	free(m->par);
	gomark_types_free(m->ty);
	gomark_dom_free(m->dom);
	free(m);
}
