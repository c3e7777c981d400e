// SPDX-License-Identifier: GPL-2.0
/*
 * gostackmap.c - the live pointer words of a goroutine's stack
 * (gostackmap.h), as the runtime's getStackMap finds them.
 */
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
#define CHUNK		64

struct scan {
	const struct goproc *p;
	int (*fn)(void *, uint64_t);
	void *arg;
};

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
static int whole(const struct scan *s, uint64_t lo, uint64_t hi)
{
	return gostack_words(s->p, lo, hi, s->fn, s->arg);
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
static int marked(const struct scan *s, uint64_t base, const uint8_t *bits,
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
		if (v && (r = s->fn(s->arg, v)))
			return r;
	}
	return 0;
}

/* The stack objects of a frame, whole: 0, fn's value, or -1. */
static int objects(const struct scan *s, uint64_t at, uint64_t varp,
		   uint64_t argp)
{
	int32_t rec[4];		/* stackObjectRecord{off, size, ptr..., gcdata} */
	uint64_t n, i, base;
	int r;

	if (procmem_u64(&s->p->mem, at, &n) || n > MAX_OBJECTS)
		return -1;
	for (i = 0; i < n; i++) {
		if (procmem_read(&s->p->mem, at + 8 + 16 * i, rec, sizeof(rec)) ||
		    rec[1] < 0)
			return -1;
		base = rec[0] < 0 ? varp + (int64_t)rec[0] :
		       argp + (uint64_t)rec[0];
		r = whole(s, base, base + (uint64_t)rec[1]);
		if (r)
			return r;
	}
	return 0;
}

/*
 * One physical frame [sp, fp) and its arguments from fp: 0, fn's value,
 * or -1 when its maps cannot be read (then the caller takes it whole).
 */
static int frame(const struct scan *s, uint64_t pc, uint64_t sp, uint64_t fp)
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

int gostackmap_scan(const struct goproc *p, const struct goroutine *g,
		    int (*fn)(void *arg, uint64_t value), void *arg,
		    struct gostackmap_stats *st)
{
	struct scan s = { .p = p, .fn = fn, .arg = arg };
	uint64_t lo = g->nframes ? g->frames[0].sp : 0, hi = g->stack_hi;
	uint64_t top = lo, last_phys = UINT64_MAX;
	int r, async = 0;
	size_t i;

	if (!lo || (lo & 7) || hi <= lo || hi - lo > MAX_FRAME)
		return -1;
	if (st)
		st->frame = 0;
	if ((g->status & ~(uint32_t)G_SCAN) != G_WAITING) {
		if (st)
			st->whole++;
		return whole(&s, lo, hi);
	}
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
			r = frame(&s, fr->pc, fr->sp, fr->fp);
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
			r = whole(&s, fr->sp, fr->fp + args < hi ?
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
		return whole(&s, top, hi);
	}
	return 0;
}
