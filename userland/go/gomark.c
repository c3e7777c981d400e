// SPDX-License-Identifier: GPL-2.0
/*
 * gomark.c - the mark of the heap's objects from the roots (gomark.h).
 *
 * The spans in use, sorted by address, each with the first bit of its
 * objects in two bitmaps (in the order of allspans): allocated (from
 * allocBits, as goheap.c counts them) and marked.  A word is looked up by binary search; a newly marked
 * object that may hold pointers goes on a work list, and the list is
 * drained after the roots, a page of an object at a time.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "go/goheap.h"
#include "go/gomark.h"

#define MAX_SPECIALS	(1u << 20)	/* per span: a loop ends there */
#define MAX_GLOBALS	(1ull << 30)	/* bytes of data or bss read */
#define CHUNK		4096

struct mspan_ix {
	uint64_t start, limit, size, nelems;
	uint64_t bit;		/* its first object's bit */
	uint64_t specials;
	int noscan;
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
	struct gomark_stats st;
};

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
	x->noscan = sp->noscan;
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
	r = goheap_span_each(p, mheap, add_span, m, &nspans, err, errlen);
	if (r == -2) {
		snprintf(err, errlen, "out of memory for the spans' index");
	} else if (!r) {
		qsort(m->s, m->n, sizeof(*m->s), cmp_span);
		for (i = 1; i < m->n; i++)
			if (m->s[i].start < m->s[i - 1].limit) {
				snprintf(err, errlen,
					 "spans at 0x%llx and 0x%llx overlap",
					 (unsigned long long)m->s[i - 1].start,
					 (unsigned long long)m->s[i].start);
				r = -1;
				break;
			}
		m->mark = calloc(1, (size_t)(m->nbits + 7) / 8 + 1);
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

/* The span holding a, or NULL. */
static struct mspan_ix *span_of(const struct gomark *m, uint64_t a)
{
	size_t lo = 0, hi = m->n;

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

static int test_bit(const uint8_t *bits, uint64_t b)
{
	return (bits[b / 8] >> (b % 8)) & 1;
}

void gomark_word(struct gomark *m, uint64_t v)
{
	struct mspan_ix *s = span_of(m, v);
	uint64_t k, b;

	if (!s)
		return;
	k = (v - s->start) / s->size;
	if (k >= s->nelems)
		return;
	b = s->bit + k;
	if (!test_bit(m->alloc, b) || test_bit(m->mark, b))
		return;
	m->mark[b / 8] |= (uint8_t)(1u << (b % 8));
	m->st.reached++;
	m->st.reached_bytes += s->size;
	if (s->noscan)
		return;
	if (m->nwork == m->capwork) {
		size_t c = m->capwork ? m->capwork * 2 : 4096;
		uint64_t *t = realloc(m->work, c * sizeof(*t));

		if (!t) {
			m->nomem = 1;
			return;
		}
		m->work = t;
		m->capwork = c;
	}
	m->work[m->nwork++] = s->start + k * s->size;
}

int gomark_word_cb(void *arg, uint64_t v)
{
	struct gomark *m = arg;

	m->st.root_words++;
	gomark_word(m, v);
	return 0;
}

/* Every word of [a, a + len) as a possible pointer; the bytes not in the
 * core are returned. */
static uint64_t scan_range(struct gomark *m, uint64_t a, uint64_t len)
{
	uint64_t buf[CHUNK / 8], missed = 0;

	while (len >= 8) {
		size_t n = len < CHUNK ? (size_t)(len & ~7ull) : CHUNK;
		size_t i;

		if (procmem_read(&m->p->mem, a, buf, n)) {
			missed += n;
		} else {
			for (i = 0; i < n / 8; i++)
				if (buf[i])
					gomark_word(m, buf[i]);
		}
		a += n;
		len -= n;
	}
	return missed;
}

static void drain(struct gomark *m)
{
	while (m->nwork) {
		uint64_t base = m->work[--m->nwork];
		const struct mspan_ix *s = span_of(m, base);

		if (!s)
			continue;
		m->st.scanned += s->size;
		m->st.unread += scan_range(m, base, s->size);
	}
}

/* data..edata and bss..ebss of the executable's module. */
static void globals(struct gomark *m)
{
	const struct goproc *p = m->p;
	const struct golayout *l = &p->layout;
	uint64_t md = p->md.addr, v[4];
	int i;

	/* noptrdata, enoptrdata, data, edata, bss, ebss, noptrbss, enoptrbss */
	if (l->md_noptrdata == GOLAYOUT_NONE ||
	    l->md_enoptrbss != l->md_noptrdata + 56 || !md) {
		snprintf(m->st.partial, sizeof(m->st.partial),
			 "the globals were not read: moduledata's layout is not the one known");
		return;
	}
	for (i = 0; i < 4; i++)
		if (procmem_u64(&p->mem, md + l->md_noptrdata + 16 + 8 * i,
				&v[i])) {
			snprintf(m->st.partial, sizeof(m->st.partial),
				 "the globals were not read: moduledata is not in the core");
			return;
		}
	for (i = 0; i < 4; i += 2) {
		uint64_t missed;

		if (v[i + 1] < v[i] || v[i + 1] - v[i] > MAX_GLOBALS) {
			snprintf(m->st.partial, sizeof(m->st.partial),
				 "moduledata says the globals lie at 0x%llx-0x%llx",
				 (unsigned long long)v[i],
				 (unsigned long long)v[i + 1]);
			continue;
		}
		m->st.globals += v[i + 1] - v[i];
		missed = scan_range(m, v[i], v[i + 1] - v[i]);
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
		const struct mspan_ix *s = &m->s[i];
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
			gomark_word(m, fn);
			if (rec[koff] != fin || off >= s->limit - s->start)
				continue;
			m->st.finalizers++;
			if (!s->noscan)
				m->st.unread += scan_range(m, s->start + off,
							   s->size);
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
	if (m->nomem)
		snprintf(m->st.partial, sizeof(m->st.partial),
			 "out of memory for the mark's work list: objects were left unscanned");
	else if (m->st.unread && !m->st.partial[0])
		snprintf(m->st.partial, sizeof(m->st.partial),
			 "%llu bytes of reachable objects are not in the core",
			 (unsigned long long)m->st.unread);
	*st = m->st;
}

void gomark_free(struct gomark *m)
{
	if (!m)
		return;
	free(m->s);
	free(m->alloc);
	free(m->mark);
	free(m->work);
	free(m);
}
