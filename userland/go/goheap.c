// SPDX-License-Identifier: GPL-2.0
/*
 * goheap.c - runtime.ReadMemStats from a core (goheap.h).
 *
 * readmemstats_m (runtime/mstats.go, the same from Go 1.19 to 1.27 but
 * for inPtrScalarBits, gone in 1.25) computes MemStats from three
 * globals:
 *   memstats.heapStats	  consistentHeapStats: [3]heapStatsDelta, whose
 *			  sum (unsafeRead) is the state of the heap;
 *   gcController	  heapInUse, heapFree, heapReleased (sysMemStat);
 *   memstats		  the *_sys counters and the GC's history;
 *   mheap_		  spanalloc.inuse, cachealloc.inuse.
 * Before that, flushallmcaches() hands every P's cached spans back: for
 * each span in mcache.alloc[], allocCount - allocCountBeforeCache objects
 * are added to smallAllocCount of its size class, and mcache.tinyAllocs to
 * tinyAllocCount.  Here those are added to the sums instead, the core
 * being left as it is.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "go/goheap.h"
#include "go/govers.h"

/* runtime.class_to_size (1.19 to 1.24), gc.SizeClassToSize (1.25 on) */
static const uint16_t class_to_size[GOHEAP_NUM_SIZE_CLASSES] = {
	0, 8, 16, 24, 32, 48, 64, 80, 96, 112, 128, 144, 160, 176, 192, 208,
	224, 240, 256, 288, 320, 352, 384, 416, 448, 480, 512, 576, 640, 704,
	768, 896, 1024, 1152, 1280, 1408, 1536, 1792, 2048, 2304, 2688, 3072,
	3200, 3456, 4096, 4864, 5376, 6144, 6528, 6784, 6912, 8192, 9472, 9728,
	10240, 10880, 12288, 13568, 14336, 16384, 18432, 19072, 20480, 21760,
	24576, 27264, 28672, 32768,
};

#define NUM_SPAN_CLASSES	(2 * GOHEAP_NUM_SIZE_CLASSES)
#define MAX_PS			(1u << 16)

enum { SYM_MEMSTATS, SYM_MHEAP, SYM_GCCONTROLLER, SYM_N };

static const char *const sym_names[SYM_N] = {
	"runtime.memstats", "runtime.mheap_", "runtime.gcController",
};


/* The sum of a heapStatsDelta field over the three generations. */
static int cons_sum(const struct goproc *p, uint64_t ms, uint32_t off,
		    uint64_t *sum)
{
	const struct golayout *l = &p->layout;
	unsigned int gen;
	uint64_t v;

	*sum = 0;
	for (gen = 0; gen < 3; gen++) {
		if (procmem_u64(&p->mem, ms + l->ms_heapstats + l->chs_stats +
				(uint64_t)gen * l->hsd_size + off, &v))
			return -1;
		*sum += v;
	}
	return 0;
}

/*
 * The three globals' addresses: from the executable's .symtab, else from
 * the operands of runtime.readmemstats_m's code, or of other runtime code
 * when the program has no readmemstats_m (goroots.c), which a stripped
 * executable, or a core holding the binary's text, still has.
 */
static int find_globals(const struct goproc *p, uint64_t *addr,
			const char **from, char *err, size_t errlen)
{
	const struct golayout *l = &p->layout;
	uint64_t gc[32], want_inuse, want_rel;
	size_t i, ngc = 32;
	int found, k;

	found = goproc_symbols(p, sym_names, SYM_N, addr, err, errlen);
	if (found < 0)
		return -1;
	if (found == (1 << SYM_N) - 1) {
		*from = "symtab";
		return 0;
	}
	if (goroots_heap_globals(p, &addr[SYM_MEMSTATS], &addr[SYM_MHEAP],
				 gc, &ngc))
		return goproc_err(err, errlen, "out of memory");
	/*
	 * gcController: the candidate whose heapInUse and heapReleased are
	 * the heap statistics' inHeap and released (readmemstats_m's own
	 * check), the only one.
	 */
	addr[SYM_GCCONTROLLER] = 0;
	if (!addr[SYM_MEMSTATS] ||
	    cons_sum(p, addr[SYM_MEMSTATS], l->hsd_inheap, &want_inuse) ||
	    cons_sum(p, addr[SYM_MEMSTATS], l->hsd_released, &want_rel))
		ngc = 0;
	for (i = 0; i < ngc; i++) {
		uint64_t inuse, rel;

		if (procmem_u64(&p->mem, gc[i] + l->gcc_heapinuse, &inuse) ||
		    procmem_u64(&p->mem, gc[i] + l->gcc_heapreleased, &rel) ||
		    inuse != want_inuse || rel != want_rel)
			continue;
		if (addr[SYM_GCCONTROLLER]) {
			addr[SYM_GCCONTROLLER] = 0;
			break;
		}
		addr[SYM_GCCONTROLLER] = gc[i];
	}
	if (addr[0] && addr[1] && addr[2]) {
		*from = "code";
		return 0;
	}
	for (k = 0; k < SYM_N && addr[k]; k++)
		;
	if (p->exe_map)
		return goproc_err(err, errlen,
			    "%s was not found: the executable's symbol table does not have it (stripped: -ldflags=-s), and the runtime's code (readmemstats_m, or mallocinit, (*mheap).init, gcMarkTermination) does not name it unambiguously",
			    sym_names[k < SYM_N ? k : 0]);
	return goproc_err(err, errlen,
		    "%s was not found: the runtime's code (readmemstats_m, or mallocinit, (*mheap).init, gcMarkTermination) is not in the core (one written without gocoredump.ko holds no text) or does not name it unambiguously; give the executable with --exe",
		    sym_names[k < SYM_N ? k : 0]);
}

static int rd64(const struct goproc *p, uint64_t a, uint64_t *v,
		const char *what, char *err, size_t errlen)
{
	if (procmem_u64(&p->mem, a, v))
		return goproc_err(err, errlen, "%s at 0x%llx is not in the core",
			    what, (unsigned long long)a);
	return 0;
}

/* A uint16 through procmem (little-endian). */
static int rd16(const struct goproc *p, uint64_t a, uint16_t *v)
{
	uint8_t b[2];

	if (procmem_read(&p->mem, a, b, 2))
		return -1;
	*v = (uint16_t)(b[0] | b[1] << 8);
	return 0;
}

/* The sum of heapStats.stats[0..2] (consistentHeapStats.unsafeRead). */
struct cons {
	int64_t in_stacks, in_workbufs, in_ptrscalarbits;
	uint64_t tiny, large_alloc, large_alloc_count, large_free,
		 large_free_count;
	uint64_t small_alloc[GOHEAP_NUM_SIZE_CLASSES];
	uint64_t small_free[GOHEAP_NUM_SIZE_CLASSES];
};

static int read_cons(const struct goproc *p, uint64_t ms, struct cons *c,
		     char *err, size_t errlen)
{
	const struct golayout *l = &p->layout;
	uint64_t base = ms + l->ms_heapstats + l->chs_stats;
	unsigned int gen, i;

	memset(c, 0, sizeof(*c));
	for (gen = 0; gen < 3; gen++) {
		uint64_t d = base + (uint64_t)gen * l->hsd_size;
		uint64_t small[GOHEAP_NUM_SIZE_CLASSES];
		uint64_t sfree[GOHEAP_NUM_SIZE_CLASSES];

		if (procmem_read(&p->mem, d + l->hsd_smallalloccount, small,
				 sizeof(small)) ||
		    procmem_read(&p->mem, d + l->hsd_smallfreecount, sfree,
				 sizeof(sfree)))
			return goproc_err(err, errlen,
				    "memstats.heapStats.stats[%u] at 0x%llx is not in the core",
				    gen, (unsigned long long)d);
		for (i = 0; i < GOHEAP_NUM_SIZE_CLASSES; i++) {
			c->small_alloc[i] += small[i];
			c->small_free[i] += sfree[i];
		}
	}
#define SUM(field, off)							\
	do {								\
		uint64_t v;						\
									\
		if (cons_sum(p, ms, (off), &v))				\
			return goproc_err(err, errlen,			\
				    "memstats.heapStats at 0x%llx is not in the core", \
				    (unsigned long long)base);		\
		c->field = v;						\
	} while (0)
	SUM(in_stacks, l->hsd_instacks);
	SUM(in_workbufs, l->hsd_inworkbufs);
	if (l->hsd_inptrscalarbits != GOLAYOUT_NONE)
		SUM(in_ptrscalarbits, l->hsd_inptrscalarbits);
	SUM(tiny, l->hsd_tinyalloccount);
	SUM(large_alloc, l->hsd_largealloc);
	SUM(large_alloc_count, l->hsd_largealloccount);
	SUM(large_free, l->hsd_largefree);
	SUM(large_free_count, l->hsd_largefreecount);
#undef SUM
	return 0;
}

/*
 * flushallmcaches(), counted rather than done: every P's cached spans and
 * tiny allocations go into c.
 */
static int flush_mcaches(const struct goproc *p, struct cons *c,
			 struct goheap_stats *st, char *err, size_t errlen)
{
	const struct golayout *l = &p->layout;
	uint64_t allp = p->roots[GCD_ROOT_ALLP], arr, len, i;

	if (!allp)
		return goproc_err(err, errlen, "runtime.allp was not located");
	if (rd64(p, allp, &arr, "runtime.allp", err, errlen) ||
	    rd64(p, allp + 8, &len, "runtime.allp", err, errlen))
		return -1;
	if (len > MAX_PS)
		return goproc_err(err, errlen, "runtime.allp has %llu Ps",
			    (unsigned long long)len);
	for (i = 0; i < len; i++) {
		uint64_t pp, mc, tiny;
		unsigned int k;

		if (rd64(p, arr + 8 * i, &pp, "runtime.allp[i]", err, errlen) ||
		    rd64(p, pp + l->p_mcache, &mc, "p.mcache", err, errlen))
			return -1;
		if (!mc)
			continue;
		st->mcaches++;
		for (k = 0; k < NUM_SPAN_CLASSES; k++) {
			uint64_t s, elemsize;
			uint16_t n, before;

			if (rd64(p, mc + l->mcache_alloc + 8 * k, &s,
				 "mcache.alloc", err, errlen))
				return -1;
			/* &emptymspan has both counts 0: nothing to add */
			if (!s)
				continue;
			if (rd16(p, s + l->mspan_alloccount, &n) ||
			    rd16(p, s + l->mspan_alloccountbeforecache,
				 &before) ||
			    procmem_u64(&p->mem, s + l->mspan_elemsize,
					&elemsize))
				return goproc_err(err, errlen,
					    "the span at 0x%llx (P %llu's mcache) is not in the core",
					    (unsigned long long)s,
					    (unsigned long long)i);
			c->small_alloc[k >> 1] += (uint64_t)n - before;
			st->pending_allocs += (uint64_t)n - before;
			st->pending_bytes += ((uint64_t)n - before) * elemsize;
		}
		if (rd64(p, mc + l->mcache_tinyallocs, &tiny,
			 "mcache.tinyAllocs", err, errlen))
			return -1;
		c->tiny += tiny;
		st->pending_tiny += tiny;
	}
	return 0;
}

struct file_range {
	uint64_t lo, hi;
};

struct file_ranges {
	struct file_range *r;
	size_t n, cap;
};

static int add_file(void *arg, uint64_t start, uint64_t end,
		    uint64_t file_off, const char *path)
{
	struct file_ranges *f = arg;

	(void)file_off;
	(void)path;
	if (end <= start)
		return 0;
	if (f->n == f->cap) {
		size_t cap = f->cap ? 2 * f->cap : 256;
		struct file_range *r;

		if (cap > (1u << 22))
			return 1;
		r = realloc(f->r, cap * sizeof(*r));
		if (!r)
			return 1;
		f->r = r;
		f->cap = cap;
	}
	f->r[f->n].lo = start;
	f->r[f->n].hi = end;
	f->n++;
	return 0;
}

static int cmp_range(const void *a, const void *b)
{
	const struct file_range *x = a, *y = b;

	return x->lo < y->lo ? -1 : x->lo > y->lo;
}

/* Bytes of [lo, hi) that some NT_FILE entry maps (sorted, f). */
static uint64_t file_bytes(const struct file_ranges *f, uint64_t lo,
			   uint64_t hi)
{
	size_t a = 0, b = f->n;
	uint64_t n = 0, at = lo;

	while (a < b) {		/* first range that ends after lo */
		size_t m = a + (b - a) / 2;

		if (f->r[m].hi <= lo)
			a = m + 1;
		else
			b = m;
	}
	/* The ranges may overlap (they should not): count each byte once. */
	for (; a < f->n && f->r[a].lo < hi; a++) {
		uint64_t s = f->r[a].lo > at ? f->r[a].lo : at;
		uint64_t e = f->r[a].hi < hi ? f->r[a].hi : hi;

		if (e > s) {
			n += e - s;
			at = e;
		}
	}
	return n;
}

static void count_mappings(const struct goproc *p, struct goheap_stats *st)
{
	const struct elfcore *c = &p->core;
	struct file_ranges f = { 0 };
	size_t i;

	if (elfcore_files(c, add_file, &f) < 0)
		f.n = 0;
	if (f.n)
		qsort(f.r, f.n, sizeof(*f.r), cmp_range);
	for (i = 0; i < c->nsegs; i++) {
		const struct elfcore_seg *s = &c->segs[i];
		uint64_t fb = file_bytes(&f, s->vaddr, s->vaddr + s->memsz);

		st->map_file += fb;
		if (!(s->flags & 7))
			st->map_none += s->memsz - fb;
		else if (s->flags & 2)	/* PF_W */
			st->map_anon_rw += s->memsz - fb;
		else
			st->map_other += s->memsz - fb;
	}
	free(f.r);
}

int goheap_memstats(const struct goproc *p, struct goheap_stats *st,
		    char *err, size_t errlen)
{
	uint64_t g[SYM_N];

	const char *from = "";
	int r;

	memset(st, 0, sizeof(*st));
	if (golayout_heap_missing(&p->layout))	/* said below */
		return goheap_memstats_at(p, 0, 0, 0, st, err, errlen);
	if (find_globals(p, g, &from, err, errlen))
		return -1;
	r = goheap_memstats_at(p, g[SYM_MEMSTATS], g[SYM_MHEAP],
			       g[SYM_GCCONTROLLER], st, err, errlen);
	st->globals_from = from;
	return r;
}

unsigned int goheap_class_size(unsigned int cls)
{
	return cls < GOHEAP_NUM_SIZE_CLASSES ? class_to_size[cls] : 0;
}

/* ---- the spans ------------------------------------------------------ */

#define MSPAN_IN_USE	1		/* mSpanInUse */
#define PAGE_SHIFT	13		/* _PageShift, 8 KiB pages */

/* A span field of w bytes (2 or 8), little-endian. */
static uint64_t span_word(const uint8_t *ms, uint32_t off, unsigned int w)
{
	uint64_t v = 0;

	memcpy(&v, ms + off, w);
	return v;
}

int goheap_span_each(const struct goproc *p, uint64_t mheap,
		     int (*fn)(void *arg, const struct goheap_span *sp),
		     void *arg, uint64_t *nspans, char *why, size_t whylen)
{
	const struct golayout *l = &p->layout;
	unsigned int w = govers_minor(p->go_version) >= 22 ? 2 : 8;
	uint64_t arr, n, i;
	uint32_t end = 0;
	uint8_t ms[256], bits[8192 / 8 * 8];
	const char *miss = golayout_span_missing(l);
	int ret;

#define SPANS_WHY(...) snprintf(why, whylen, __VA_ARGS__)
	*nspans = 0;
	if (miss) {
		SPANS_WHY("the runtime layout (%s) has no %s", l->source, miss);
		return -1;
	}
	if (procmem_u64(&p->mem, mheap + l->mheap_allspans, &arr) ||
	    procmem_u64(&p->mem, mheap + l->mheap_allspans + 8, &n)) {
		SPANS_WHY("mheap_.allspans is not in the core");
		return -1;
	}
	if (n > GOHEAP_MAX_SPANS) {
		SPANS_WHY("mheap_.allspans says %llu spans", (unsigned long long)n);
		return -1;
	}
	/* the span fields read: up to end, within the first 256 bytes */
	{
		const uint32_t ends[] = {
			l->mspan_freeindexforscan + w, l->mspan_nelems + w,
			l->mspan_allocbits + 8, l->mspan_state + 1,
			l->mspan_spanclass + 1, l->mspan_npages + 8,
			l->mspan_startaddr + 8, l->mspan_specials + 8,
		};
		size_t k;

		for (k = 0; k < sizeof(ends) / sizeof(ends[0]); k++)
			if (ends[k] > end)
				end = ends[k];
		if (l->mspan_largetype != GOLAYOUT_NONE &&
		    l->mspan_largetype + 8 > end)
			end = l->mspan_largetype + 8;
	}
	if (end > sizeof(ms)) {
		SPANS_WHY("the mspan fields lie beyond %zu bytes", sizeof(ms));
		return -1;
	}
	*nspans = n;
	for (i = 0; i < n; i++) {
		struct goheap_span sp = { 0 };
		uint64_t k;

		if (procmem_u64(&p->mem, arr + 8 * i, &sp.addr) ||
		    procmem_read(&p->mem, sp.addr, ms, end)) {
			SPANS_WHY("span %llu of %llu (at 0x%llx) is not in the core",
				  (unsigned long long)i, (unsigned long long)n,
				  (unsigned long long)sp.addr);
			return -1;
		}
		if (ms[l->mspan_state] != MSPAN_IN_USE)
			continue;
		sp.cls = ms[l->mspan_spanclass] >> 1;
		sp.noscan = ms[l->mspan_spanclass] & 1;
		sp.start = span_word(ms, l->mspan_startaddr, 8);
		sp.npages = span_word(ms, l->mspan_npages, 8);
		sp.specials = span_word(ms, l->mspan_specials, 8);
		if (l->mspan_largetype != GOLAYOUT_NONE)
			sp.large_type = span_word(ms, l->mspan_largetype, 8);
		if (sp.cls >= GOHEAP_NUM_SIZE_CLASSES || !sp.npages ||
		    sp.npages > (1ull << 32) ||
		    sp.start > UINT64_MAX - (sp.npages << PAGE_SHIFT)) {
			SPANS_WHY("span at 0x%llx: class %u, %llu pages at 0x%llx",
				  (unsigned long long)sp.addr, sp.cls,
				  (unsigned long long)sp.npages,
				  (unsigned long long)sp.start);
			return -1;
		}
		if (!sp.cls) {	/* one large object */
			sp.size = sp.npages << PAGE_SHIFT;
			sp.nelems = sp.fifs = sp.alloc = 1;
		} else {
			sp.size = class_to_size[sp.cls];
			sp.nelems = span_word(ms, l->mspan_nelems, w);
			sp.fifs = span_word(ms, l->mspan_freeindexforscan, w);
			if (sp.nelems > (sp.npages << PAGE_SHIFT) / sp.size ||
			    sp.fifs > sp.nelems ||
			    (sp.nelems + 7) / 8 > sizeof(bits)) {
				SPANS_WHY("span at 0x%llx: %llu objects of %llu bytes in %llu pages, %llu before freeIndexForScan",
					  (unsigned long long)sp.addr,
					  (unsigned long long)sp.nelems,
					  (unsigned long long)sp.size,
					  (unsigned long long)sp.npages,
					  (unsigned long long)sp.fifs);
				return -1;
			}
			if (sp.fifs < sp.nelems) {
				if (procmem_read(&p->mem,
						 span_word(ms, l->mspan_allocbits, 8),
						 bits, (sp.nelems + 7) / 8)) {
					SPANS_WHY("the allocBits of span 0x%llx are not in the core",
						  (unsigned long long)sp.addr);
					return -1;
				}
				sp.bits = bits;
			}
			/* isFree: below freeIndexForScan, or with its bit set */
			sp.alloc = sp.fifs;
			for (k = sp.fifs; k < sp.nelems; k++)
				sp.alloc += (bits[k / 8] >> (k % 8)) & 1;
		}
		ret = fn(arg, &sp);
		if (ret)
			return ret;
	}
#undef SPANS_WHY
	return 0;
}

static int count_span(void *arg, const struct goheap_span *sp)
{
	struct goheap_stats *st = arg;

	st->spans.inuse++;
	st->spans.by_class[sp->cls].objects += sp->alloc;
	st->spans.by_class[sp->cls].bytes += sp->alloc * sp->size;
	st->spans.objects += sp->alloc;
	st->spans.bytes += sp->alloc * sp->size;
	return 0;
}

void goheap_spans(const struct goproc *p, struct goheap_stats *st)
{
	memset(&st->spans, 0, sizeof(st->spans));
	st->spans.done = goheap_span_each(p, st->mheap, count_span, st,
					  &st->spans.spans, st->spans.partial,
					  sizeof(st->spans.partial)) >= 0 ||
			 st->spans.spans;
}

int goheap_memstats_at(const struct goproc *p, uint64_t memstats,
		       uint64_t mheap, uint64_t gccontroller,
		       struct goheap_stats *st, char *err, size_t errlen)
{
	const struct golayout *l = &p->layout;
	uint64_t ms, gc, v, heap_inuse, heap_free, heap_released;
	uint64_t total_alloc, total_free, nmalloc, nfree, stack_inuse, gcbufs;
	const char *miss = golayout_heap_missing(l);
	struct cons *c;
	int i;

	memset(st, 0, sizeof(*st));
	if (miss)
		return goproc_err(err, errlen,
			    "the runtime layout (%s) has no %s: gocap heap cannot read this Go release's memory statistics",
			    l->source, miss);
	/* smallAllocCount is [_NumSizeClasses]uint64 up to largeFree */
	if (l->hsd_largefree - l->hsd_smallalloccount !=
	    8 * GOHEAP_NUM_SIZE_CLASSES)
		return goproc_err(err, errlen,
			    "heapStatsDelta.smallAllocCount is not %d size classes (layout %s)",
			    GOHEAP_NUM_SIZE_CLASSES, l->source);
	ms = st->memstats = memstats;
	gc = st->gccontroller = gccontroller;
	st->mheap = mheap;
	c = calloc(1, sizeof(*c));
	if (!c)
		return goproc_err(err, errlen, "out of memory");
	if (read_cons(p, ms, c, err, errlen))
		goto bad;
	/*
	 * The mcaches are the last thing read: without them (a cut core) the
	 * rest still stands, short of what they hold, and says so.
	 */
	if (flush_mcaches(p, c, st, st->partial, sizeof(st->partial))) {
		memset(c->small_alloc, 0, sizeof(c->small_alloc));
		c->tiny = 0;
		st->mcaches = 0;
		st->pending_allocs = st->pending_bytes = st->pending_tiny = 0;
		if (read_cons(p, ms, c, err, errlen))
			goto bad;
	}

	total_alloc = c->large_alloc;
	nmalloc = c->large_alloc_count;
	total_free = c->large_free;
	nfree = c->large_free_count;
	for (i = 0; i < GOHEAP_NUM_SIZE_CLASSES; i++) {
		total_alloc += c->small_alloc[i] * class_to_size[i];
		nmalloc += c->small_alloc[i];
		st->by_size[i].mallocs = c->small_alloc[i];
		total_free += c->small_free[i] * class_to_size[i];
		nfree += c->small_free[i];
		st->by_size[i].frees = c->small_free[i];
	}
	nfree += c->tiny;
	nmalloc += c->tiny;
	stack_inuse = (uint64_t)c->in_stacks;
	gcbufs = (uint64_t)c->in_workbufs + (uint64_t)c->in_ptrscalarbits;

	if (rd64(p, gc + l->gcc_heapinuse, &heap_inuse, "gcController.heapInUse", err, errlen) ||
	    rd64(p, gc + l->gcc_heapfree, &heap_free, "gcController.heapFree", err, errlen) ||
	    rd64(p, gc + l->gcc_heapreleased, &heap_released, "gcController.heapReleased", err, errlen) ||
	    rd64(p, gc + l->gcc_totalalloc, &st->gc_total_alloc, "gcController.totalAlloc", err, errlen) ||
	    rd64(p, gc + l->gcc_totalfree, &st->gc_total_free, "gcController.totalFree", err, errlen))
		goto bad;
#define MS(field, off, what)						\
	do {								\
		if (rd64(p, ms + (off), &st->field, what, err, errlen))	\
			goto bad;					\
	} while (0)
	MS(stack_sys, l->ms_stacks_sys, "memstats.stacks_sys");
	MS(mspan_sys, l->ms_mspan_sys, "memstats.mspan_sys");
	MS(mcache_sys, l->ms_mcache_sys, "memstats.mcache_sys");
	MS(buckhash_sys, l->ms_buckhash_sys, "memstats.buckhash_sys");
	MS(gc_sys, l->ms_gcmisc_sys, "memstats.gcMiscSys");
	MS(other_sys, l->ms_other_sys, "memstats.other_sys");
	MS(last_gc, l->ms_last_gc_unix, "memstats.last_gc_unix");
	MS(pause_total_ns, l->ms_pause_total_ns, "memstats.pause_total_ns");
#undef MS
	if (procmem_u32(&p->mem, ms + l->ms_numgc, &st->num_gc) ||
	    procmem_u32(&p->mem, ms + l->ms_numforcedgc, &st->num_forced_gc) ||
	    rd64(p, ms + l->ms_gc_cpu_fraction, &v, "memstats.gc_cpu_fraction",
		 err, errlen)) {
		goproc_err(err, errlen, "memstats at 0x%llx is not in the core",
		     (unsigned long long)ms);
		goto bad;
	}
	memcpy(&st->gc_cpu_fraction, &v, sizeof(v));
	if (rd64(p, st->mheap + l->mheap_spanalloc + l->fixalloc_inuse,
		 &st->mspan_inuse, "mheap_.spanalloc.inuse", err, errlen) ||
	    rd64(p, st->mheap + l->mheap_cachealloc + l->fixalloc_inuse,
		 &st->mcache_inuse, "mheap_.cachealloc.inuse", err, errlen))
		goto bad;

	st->sys = heap_inuse + heap_free + heap_released + st->stack_sys +
		  st->mspan_sys + st->mcache_sys + st->buckhash_sys +
		  st->gc_sys + st->other_sys + stack_inuse + gcbufs;
	st->alloc = st->heap_alloc = total_alloc - total_free;
	st->total_alloc = total_alloc;
	st->mallocs = nmalloc;
	st->frees = nfree;
	st->heap_sys = heap_inuse + heap_free + heap_released;
	st->heap_idle = heap_free + heap_released;
	st->heap_inuse = heap_inuse;
	st->heap_released = heap_released;
	st->heap_objects = nmalloc - nfree;
	st->stack_inuse = stack_inuse;
	st->stack_sys += stack_inuse;
	st->gc_sys += gcbufs;
	free(c);
	count_mappings(p, st);
	return 0;
bad:
	free(c);
	return -1;
}
