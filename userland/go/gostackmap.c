// SPDX-License-Identifier: GPL-2.0
/*
 * gostackmap.c - the live pointer words of a goroutine's stack
 * (gostackmap.h), as the runtime's getStackMap finds them.
 */
#include <stdlib.h>
#include <string.h>

#include "go/goroutines.h"
#include "go/gostackmap.h"
#include "go/pclntab.h"

#define FUNCDATA_ArgsPointerMaps	0
#define FUNCDATA_LocalsPointerMaps	1
#define FUNCDATA_StackObjects		2
#define ARGS_SIZE_UNKNOWN		(-0x7fffffff - 1)	/* abi */

#define MAX_FRAME	(1ull << 30)	/* Go's maximum stack is 1 GB */
#define MAX_BITS	(1u << 24)	/* words in one bitmap */
#define MAX_OBJECTS	(1u << 16)	/* stack objects of one frame */
#define MAX_STACK_OBJECTS (1u << 20)	/* of one stack */
#define MAX_STACK_PTRS	(1u << 22)	/* words pointing into one stack */
#define CHUNK		64

/* A stack object: scanned only once a word points into it. */
struct stkobj {
	uint64_t base, size;
	uint64_t ptrdata;	/* bytes with pointers, from base */
	uint64_t gcdata;	/* their one-bit-per-word mask; 0: a GC
				 * program (Go 1.19), the object whole */
	size_t frame;		/* gostackmap_stats.frame of its frame */
	int done;
};

struct scan {
	const struct goproc *p;
	int (*fn)(void *, uint64_t);
	void *arg;
	struct gostackmap_stats *st;
	uint64_t lo, hi;	/* the goroutine's stack */
	struct stkobj *obj;
	size_t nobj, capobj;
	uint64_t *ptr;		/* words seen that point into the stack */
	size_t nptr, capptr;
	int lost;		/* a bound or malloc failed: objects whole */
	int doubt;		/* every object whole (reach): no word kept */
};

/*
 * A word that may be a live pointer: to fn, and kept when it points into
 * the stack itself, where it may reach a stack object (the runtime's
 * stackScanState.putPtr).
 */
static int word(struct scan *s, uint64_t v)
{
	if (v >= s->lo && v < s->hi && !s->lost && !s->doubt) {
		if (s->nptr == s->capptr) {
			size_t cap = s->capptr ? 2 * s->capptr : 64;
			uint64_t *n = cap <= MAX_STACK_PTRS ?
				      realloc(s->ptr, cap * sizeof(*n)) : NULL;

			if (!n)
				s->lost = 1;
			else {
				s->ptr = n;
				s->capptr = cap;
			}
		}
		if (!s->lost)
			s->ptr[s->nptr++] = v;
	}
	return s->fn(s->arg, v);
}

static int word_cb(void *arg, uint64_t v)
{
	return word(arg, v);
}

int gostack_words(const struct goproc *p, uint64_t lo, uint64_t hi,
		  int (*fn)(void *arg, uint64_t value), void *arg)
{
	uint64_t buf[CHUNK], a;
	size_t i, n;
	int r;

	lo = (lo + 7) & ~7ull;
	if (hi <= lo)
		return 0;
	if (hi - lo > MAX_FRAME)
		return -1;
	for (a = lo; a + 8 <= hi; a += n * 8) {
		n = (size_t)((hi - a) / 8);
		if (n > CHUNK)
			n = CHUNK;
		if (procmem_read(&p->mem, a, buf, n * 8))
			return -1;
		for (i = 0; i < n; i++)
			if (buf[i] && (r = fn(arg, buf[i])))
				return r;
	}
	return 0;
}

/* Every word of [lo, hi): fn's value, 0, or -1 when not in the core. */
static int whole(struct scan *s, uint64_t lo, uint64_t hi)
{
	return gostack_words(s->p, lo, hi, word_cb, s);
}

/*
 * The bitmap idx of the runtime.stackmap at addr ({n, nbit int32;
 * bytedata}): its bytes and nbit.  0, or -1 when it is not in the core or
 * idx is out of range.
 */
static int bitmap(const struct goproc *p, uint64_t addr, int32_t idx,
		  const uint8_t **bits, uint32_t *nbit)
{
	int32_t hdr[2];
	uint64_t bytes;
	size_t len;

	if (procmem_read(&p->mem, addr, hdr, sizeof(hdr)) || hdr[0] <= 0 ||
	    hdr[1] < 0 || (uint32_t)hdr[1] > MAX_BITS || idx < 0 ||
	    idx >= hdr[0])
		return -1;
	*nbit = (uint32_t)hdr[1];
	bytes = ((uint64_t)*nbit + 7) / 8;
	if (!bytes) {
		*bits = NULL;
		return 0;
	}
	*bits = procmem_span(&p->mem, addr + 8 + (uint64_t)idx * bytes, &len);
	return *bits && len >= bytes ? 0 : -1;
}

/* The words of [base, base + 8 * nbit) whose bit is set. */
static int marked(struct scan *s, uint64_t base, const uint8_t *bits,
		  uint32_t nbit)
{
	uint64_t v;
	uint32_t i;
	int r;

	for (i = 0; i < nbit; i++) {
		if (!(bits[i / 8] & (1u << (i % 8))))
			continue;
		if (procmem_u64(&s->p->mem, base + 8ull * i, &v))
			return -1;
		if (!v)
			continue;
		if (s->st)
			s->st->at = base + 8ull * i;
		r = word(s, v);
		if (s->st)
			s->st->at = 0;
		if (r)
			return r;
	}
	return 0;
}

/*
 * The stack objects of a frame (stackObjectRecord{off, size, ptrdata,
 * gcdataoff}), kept for reach(), or, once a bound is passed, scanned
 * whole at once: 0, fn's value, or -1 when the records cannot be read
 * (the frame is then taken whole, its objects with it).
 */
static int objects(struct scan *s, uint64_t at, uint64_t varp,
		   uint64_t argp)
{
	int32_t rec[4];
	uint64_t n, i, base;

	if (procmem_u64(&s->p->mem, at, &n) || n > MAX_OBJECTS)
		return -1;
	for (i = 0; i < n; i++) {
		struct stkobj *o;

		if (procmem_read(&s->p->mem, at + 8 + 16 * i, rec, sizeof(rec)) ||
		    rec[1] < 0)
			return -1;
		base = rec[0] < 0 ? varp + (int64_t)rec[0] :
		       argp + (uint64_t)rec[0];
		if (!s->lost && s->nobj == s->capobj) {
			size_t cap = s->capobj ? 2 * s->capobj : 16;
			struct stkobj *m = cap <= MAX_STACK_OBJECTS ?
				realloc(s->obj, cap * sizeof(*m)) : NULL;

			if (!m) {
				s->lost = 1;
			} else {
				s->obj = m;
				s->capobj = cap;
			}
		}
		if (s->lost) {
			/* not kept for reach(): whole, now */
			int r = whole(s, base, base + (uint64_t)rec[1]);

			if (r)
				return r;
			continue;
		}
		o = &s->obj[s->nobj++];
		o->base = base;
		o->size = (uint64_t)rec[1];
		o->ptrdata = rec[2] < 0 ? 0 : (uint64_t)rec[2];
		o->gcdata = rec[2] < 0 ? 0 : s->p->md.rodata + (uint32_t)rec[3];
		o->frame = s->st ? s->st->frame : 0;
		o->done = 0;
	}
	return 0;
}

static int by_base(const void *a, const void *b)
{
	const struct stkobj *x = a, *y = b;

	return x->base < y->base ? -1 : x->base > y->base;
}

/* The object holding stack address v, or NULL. */
static struct stkobj *holding(struct scan *s, uint64_t v)
{
	size_t lo = 0, hi = s->nobj;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (s->obj[mid].base <= v)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (!lo || v - s->obj[lo - 1].base >= s->obj[lo - 1].size)
		return NULL;
	return &s->obj[lo - 1];
}

/* One stack object's pointer words (its type's mask), else all of it. */
static int object(struct scan *s, struct stkobj *o)
{
	uint64_t nbit = o->ptrdata / 8;
	const uint8_t *bits = NULL;
	size_t len = 0;

	if (s->st)
		s->st->frame = o->frame;
	o->done = 1;
	if (o->gcdata && o->ptrdata <= o->size && nbit <= MAX_BITS) {
		bits = nbit ? procmem_span(&s->p->mem, o->gcdata, &len) : NULL;
		if (!nbit || (bits && len >= (nbit + 7) / 8))
			return nbit ? marked(s, o->base, bits, (uint32_t)nbit) : 0;
	}
	return whole(s, o->base, o->base + o->size);
}

/*
 * The stack objects a word reaches, as the runtime's scanstack finds
 * them: a stack object is a local whose address was taken, scanned only
 * when a pointer from a live slot (or from an object so reached) points
 * into it.  A dead one holds whatever the stack held before, a stale
 * pointer that would keep garbage alive (seen: runtime.runfinq's regs, a
 * node in the middle of a list).  s->doubt (a defer record or a panic on
 * the goroutine, whose words the runtime reads too; GOSTACKMAP_ALL_OBJECTS)
 * or a bound passed: every object (not yet reached) is taken whole, as
 * before.
 */
static int reach(struct scan *s)
{
	size_t i;
	int r;

	if (!s->lost && !s->doubt) {
		if (s->nobj)
			qsort(s->obj, s->nobj, sizeof(*s->obj), by_base);
		while (!s->lost && s->nptr) {
			struct stkobj *o = holding(s, s->ptr[--s->nptr]);

			if (o && !o->done && (r = object(s, o)) > 0)
				return r;
		}
		if (!s->lost)
			return 0;
	}
	for (i = 0; i < s->nobj; i++) {
		if (s->obj[i].done)
			continue;
		s->obj[i].done = 1;
		if (s->st)
			s->st->frame = s->obj[i].frame;
		r = whole(s, s->obj[i].base, s->obj[i].base + s->obj[i].size);
		if (r > 0)
			return r;
	}
	return 0;
}

/*
 * Does the runtime read pointers into g's stack from elsewhere than its
 * frames: a defer record, a panic (or a field that cannot be read)?  And
 * g.sched.ctxt, a register the scheduler saved (a live pointer).
 */
static int unsure(struct scan *s, const struct goroutine *g)
{
	const struct golayout *l = &s->p->layout;
	uint64_t d, ctxt;

	if (g->panic || l->g_panic == GOLAYOUT_NONE ||
	    l->g_m != l->g_panic + 16 || l->g_sched == GOLAYOUT_NONE ||
	    l->gobuf_pc != 8 ||
	    procmem_u64(&s->p->mem, g->addr + l->g_panic + 8, &d) ||
	    procmem_u64(&s->p->mem, g->addr + l->g_sched + 24, &ctxt))
		return 1;
	if (ctxt && word(s, ctxt) > 0)
		return 1;
	return d != 0;
}

/*
 * One physical frame [sp, fp) and its arguments from fp: 0, fn's value,
 * or -1 when its maps cannot be read (then the caller takes it whole).
 */
static int frame(struct scan *s, uint64_t pc, uint64_t sp, uint64_t fp)
{
	const struct goproc *p = s->p;
	uint64_t varp, targetpc = pc;
	const uint8_t *bits;
	struct pcfunc f;
	uint32_t off, nbit;
	int32_t idx = -1;
	int r;

	if (!pc || pclntab_func_at(&p->tab, pc, &f) || fp <= sp ||
	    fp - sp > MAX_FRAME)
		return -1;
	if (targetpc != f.entry) {
		targetpc--;
		idx = pclntab_pcdata(&p->tab, &f, PCDATA_StackMapIndex,
				     targetpc);
	}
	if (idx == -1)
		idx = 0;
	varp = fp - 8;			/* the return address */
	if (varp > sp)
		varp -= 8;		/* the saved frame pointer */
	if (varp > sp) {
		if (pclntab_funcdata(&p->tab, &f, FUNCDATA_LocalsPointerMaps,
				     &off) ||
		    bitmap(p, p->md.gofunc + off, idx, &bits, &nbit) ||
		    8ull * nbit > varp - sp)
			return -1;
		if (nbit && (r = marked(s, varp - 8ull * nbit, bits, nbit)))
			return r;
	}
	if (f.args == ARGS_SIZE_UNKNOWN)
		return -1;	/* reflect's stubs: take it whole */
	if (f.args > 0) {
		if (pclntab_funcdata(&p->tab, &f, FUNCDATA_ArgsPointerMaps,
				     &off) ||
		    bitmap(p, p->md.gofunc + off, idx, &bits, &nbit))
			return -1;
		if (nbit && (r = marked(s, fp, bits, nbit)))
			return r;
	}
	if (!pclntab_funcdata(&p->tab, &f, FUNCDATA_StackObjects, &off)) {
		r = objects(s, p->md.gofunc + off, varp, fp);
		if (r)
			return r;
	}
	return 0;
}

/* A stopped goroutine's frames, then the stack objects they reach. */
static int frames(struct scan *s, const struct goroutine *g, uint64_t lo,
		  uint64_t hi, unsigned int flags)
{
	const struct goproc *p = s->p;
	struct gostackmap_stats *st = s->st;
	uint64_t top = lo, last_phys = UINT64_MAX;
	int r, async = 0;
	size_t i;

	s->doubt = (flags & GOSTACKMAP_ALL_OBJECTS) || unsure(s, g);
	for (i = 0; i < g->nframes; i++) {
		const struct goframe *fr = &g->frames[i];

		if (fr->phys == last_phys)
			continue;	/* an inlined call: the same frame */
		last_phys = fr->phys;
		if (st)
			st->frame = i + 1;
		/*
		 * An asynchronous preemption stopped the frame that called
		 * runtime.asyncPreempt anywhere, not at a call: the runtime
		 * scans both conservatively, and so does this.
		 */
		if (async) {
			async = 0;	/* the frame it stopped */
			r = -1;
		} else if (fr->func &&
			   !strcmp(fr->func, "runtime.asyncPreempt")) {
			async = 1;
			r = -1;
		} else {
			r = frame(s, fr->pc, fr->sp, fr->fp);
		}
		if (r < 0) {
			/* the frame and its arguments, whole */
			struct pcfunc f;
			uint64_t args = 8ull * CHUNK;

			if (!pclntab_func_at(&p->tab, fr->pc, &f) &&
			    f.args >= 0)
				args = (uint64_t)f.args;
			if (st)
				st->whole++;
			r = whole(s, fr->sp, fr->fp + args < hi ?
				  fr->fp + args : hi);
		} else if (st) {
			st->precise++;
		}
		if (r)
			return r;
		if (fr->fp > top)
			top = fr->fp;
	}
	if (st)
		st->frame = 0;
	/* An unwind that stopped early: the rest of the stack, whole. */
	if (g->problem[0] && top < hi) {
		if (st)
			st->whole++;
		r = whole(s, top, hi);
		if (r)
			return r;
	}
	r = reach(s);
	if (st)
		st->frame = 0;
	return r;
}

int gostackmap_stopped(const struct goroutine *g)
{
	uint32_t st = g->status & ~(uint32_t)G_SCAN;

	if (st == G_WAITING)
		return 1;
	return (st == G_RUNNABLE || st == G_SYSCALL) &&
	       (g->src == GOSTACK_SCHED || g->src == GOSTACK_SYSCALL);
}

int gostackmap_scan(const struct goproc *p, const struct goroutine *g,
		    unsigned int flags,
		    int (*fn)(void *arg, uint64_t value), void *arg,
		    struct gostackmap_stats *st)
{
	struct scan s = { .p = p, .fn = fn, .arg = arg, .st = st,
			  .lo = g->stack_lo, .hi = g->stack_hi };
	uint64_t lo = g->nframes ? g->frames[0].sp : 0, hi = g->stack_hi;
	int r;

	if (!lo || (lo & 7) || hi <= lo || hi - lo > MAX_FRAME)
		return -1;
	if (st)
		st->frame = 0;
	if (!gostackmap_stopped(g)) {
		if (st)
			st->whole++;
		s.lost = 1;	/* every word is read: no object to reach */
		return whole(&s, lo, hi);
	}
	r = frames(&s, g, lo, hi, flags);
	free(s.obj);
	free(s.ptr);
	return r;
}
