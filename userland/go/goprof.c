// SPDX-License-Identifier: GPL-2.0
/*
 * goprof.c - the memory profile's records from a core (goprof.h).
 *
 * runtime.bucket (runtime/mprof.go, Go 1.19 to 1.27): next, allnext, typ
 * (memProfile is 1), hash, size, nstk: six words, then stk[nstk], then,
 * for a memory bucket, memRecord{active, future[3]} of memRecordCycle:
 * {allocs, frees, alloc_bytes, free_bytes} before Go 1.27, {allocs,
 * frees} from 1.27 (the bytes are allocs * size).
 *
 * Where the globals are when the symbol table is gone (stripped, or a
 * core read without its executable): from the operands of the code of
 *   runtime.stkbucket	   mbuckets is the one of the data it refers to
 *			   that heads a list of memory buckets (bbuckets and
 *			   xbuckets hold other types, buckhash an array);
 *   runtime.mProf_PostSweep  mProfCycle is the one word it loads without
 *			   taking its address (the locks are LEA'd);
 *   runtime.profilealloc  MemProfileRate is the one pointer-free word it
 *			   loads that is not 0, or 0 when all are (mcache0,
 *			   the other, is nil once the program runs).
 * Every Go program links these three (mallocgc samples through them),
 * whether it imports runtime/pprof or not.
 */
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/grow.h"
#include "core/pprofenc.h"
#include "go/goprof.h"
#include "go/gowalk.h"
#include "go/govers.h"

#define BUCKET_WORDS	6
#define B_ALLNEXT	8
#define B_TYP		16
#define B_SIZE		32
#define B_NSTK		40
#define MEM_PROFILE	1	/* bucketType memProfile */
#define MAX_FUNC_BYTES	(64u << 10)
#define MAX_REFS	256

enum { SYM_MBUCKETS, SYM_RATE, SYM_CYCLE, SYM_N };

static const char *const sym_names[SYM_N] = {
	"runtime.mbuckets", "runtime.MemProfileRate", "runtime.mProfCycle",
};


/* ---- the globals from the code ------------------------------------- */

struct refs {
	const struct goproc *p;
	uint64_t a[MAX_REFS];
	unsigned int kind[MAX_REFS];	/* ARCH_REF_*, or'ed */
	size_t n;
};

static void add_ref(void *arg, uint64_t tgt, unsigned int kind)
{
	struct refs *r = arg;
	size_t i;

	if (tgt < r->p->md.noptrdata || tgt >= r->p->md.enoptrbss)
		return;
	for (i = 0; i < r->n; i++)
		if (r->a[i] == tgt) {
			r->kind[i] |= kind;
			return;
		}
	if (r->n < MAX_REFS) {
		r->a[r->n] = tgt;
		r->kind[r->n++] = kind;
	}
}

/* The data the code of the function named name refers to; 0, or -1 when
 * the function is not in the pclntab or its code is not readable. */
static int func_refs(const struct goproc *p, const char *name,
		     struct refs *r)
{
	struct pcfunc f;

	memset(r, 0, sizeof(*r));
	r->p = p;
	if (pclntab_func_by_name(&p->tab, name, &f) || f.end <= f.entry ||
	    f.end - f.entry > MAX_FUNC_BYTES)
		return -1;
	p->arch->code_refs(&p->mem, f.entry, f.end, add_ref, r);
	return r->n ? 0 : -1;
}

/*
 * Does the word at a head a list of memory buckets?  1 when it does (its
 * first buckets are readable, of type memProfile, with a plausible stack),
 * 0 when it is nil, -1 when it holds something else.
 */
static int heads_buckets(const struct goproc *p, uint64_t a, int maxstk)
{
	uint64_t b, w[BUCKET_WORDS];
	int i;

	if (procmem_u64(&p->mem, a, &b))
		return -1;
	if (!b)
		return 0;
	for (i = 0; i < 4 && b; i++) {
		if ((b & 7) || procmem_read(&p->mem, b, w, sizeof(w)) ||
		    w[B_TYP / 8] != MEM_PROFILE || w[B_NSTK / 8] > (uint64_t)maxstk)
			return -1;
		b = w[B_ALLNEXT / 8];
	}
	return 1;
}

static int from_code(const struct goproc *p, uint64_t *addr, int maxstk,
		     char *err, size_t errlen)
{
	const char *where = p->exe_map ?
		"the executable's symbol table does not have it (stripped: -ldflags=-s), and" :
		"the core has no symbol table (give the executable with --exe), and";
	uint64_t sec[8], zero;
	struct refs *r = calloc(1, sizeof(*r));
	size_t i, found;

	if (!r)
		return goproc_err(err, errlen, "out of memory");
	/* mbuckets */
	if (func_refs(p, "runtime.stkbucket", r)) {
		free(r);
		return goproc_err(err, errlen,
			    "runtime.mbuckets was not found: %s runtime.stkbucket's code is not in the core (one written without gocoredump.ko holds no text)",
			    where);
	}
	for (i = found = 0; i < r->n; i++)
		if (heads_buckets(p, r->a[i], maxstk) == 1) {
			addr[SYM_MBUCKETS] = r->a[i];
			found++;
		}
	if (found > 1) {
		free(r);
		return goproc_err(err, errlen,
			    "runtime.mbuckets was not found: %s runtime.stkbucket's code names %zu lists of memory buckets",
			    where, found);
	}
	/* none: no allocation was sampled, mbuckets is nil (addr 0) */

	/*
	 * MemProfileRate: moduledata's noptrdata, enoptrdata, data, edata,
	 * bss, ebss, noptrbss, enoptrbss are consecutive words (Go 1.5 on);
	 * the rate is in a pointer-free one (noptrdata, or noptrbss in Go
	 * 1.19, where a function call initialises it), and so is mcache0
	 * (*mcache is not a heap pointer), which procresize sets to nil
	 * before main: the rate is the one that is not 0, or 0.
	 */
	if (procmem_read(&p->mem, p->md.addr + p->layout.md_noptrdata, sec,
			 sizeof(sec)))
		memset(sec, 0, sizeof(sec));
	found = 0;
	zero = 0;
	if (!func_refs(p, "runtime.profilealloc", r))
		for (i = 0; i < r->n; i++) {
			uint64_t v;

			if (r->kind[i] != ARCH_REF_ACCESS ||
			    !((r->a[i] >= sec[0] && r->a[i] < sec[1]) ||
			      (r->a[i] >= sec[6] && r->a[i] < sec[7])) ||
			    procmem_u64(&p->mem, r->a[i], &v))
				continue;
			if (!v) {
				if (!zero)
					zero = r->a[i];
				continue;
			}
			addr[SYM_RATE] = r->a[i];
			found++;
		}
	/* all of them 0: so is the rate, whichever it is */
	if (!found && zero) {
		addr[SYM_RATE] = zero;
		found = 1;
	}
	if (found != 1) {
		free(r);
		return goproc_err(err, errlen,
			    "runtime.MemProfileRate was not found: %s runtime.profilealloc's code does not name it unambiguously",
			    where);
	}

	/* mProfCycle: optional (without it, nothing is flushed) */
	found = 0;
	if (!func_refs(p, "runtime.mProf_PostSweep", r))
		for (i = 0; i < r->n; i++)
			if (r->kind[i] == ARCH_REF_ACCESS) {
				addr[SYM_CYCLE] = r->a[i];
				found++;
			}
	if (found != 1)
		addr[SYM_CYCLE] = 0;
	free(r);
	return 0;
}

static int find_globals(const struct goproc *p, uint64_t *addr, int maxstk,
			const char **from, char *err, size_t errlen)
{
	int found = goproc_symbols(p, sym_names, SYM_N, addr, err, errlen);

	if (found < 0)
		return -1;
	if (found == (1 << SYM_N) - 1) {
		*from = "symtab";
		return 0;
	}
	memset(addr, 0, SYM_N * sizeof(*addr));
	*from = "code";
	return from_code(p, addr, maxstk, err, errlen);
}

/* ---- the records ---------------------------------------------------- */

void goprof_mem_free(struct goprof_mem *m)
{
	free(m->r);
	free(m->pcs);
	m->r = NULL;
	m->pcs = NULL;
	m->n = m->cap = m->npcs = m->pcscap = 0;
}

/* memRecordCycle, widened: allocs, frees, alloc_bytes, free_bytes */
struct cyc {
	uint64_t v[4];
};

static void add(struct goprof_record *r, const struct cyc *c)
{
	r->allocs += c->v[0];
	r->frees += c->v[1];
	r->alloc_bytes += c->v[2];
	r->free_bytes += c->v[3];
}

int goprof_mem_read_at(const struct goproc *p, uint64_t mbuckets,
		       uint64_t rate, uint64_t cycle, struct goprof_mem *m,
		       char *err, size_t errlen)
{
	int minor = govers_minor(p->go_version);
	unsigned int ncw = minor >= 27 ? 2 : 4, maxstk = minor >= 23 ?
		GOPROF_MAX_STACK : 32;
	struct cyc *fut = NULL;	/* future[3] of each record */
	size_t futcap = 0, i;
	uint64_t b = 0, v;
	int clear = 1, k;

	memset(m, 0, sizeof(*m));
	if (minor < 0)
		return goproc_err(err, errlen, "the Go release (%s) is not known",
			    p->go_version);
	m->object_size = minor >= 27;
	m->hide_internal = minor >= 24;
	m->mbuckets = mbuckets;
	m->rate_addr = rate;
	m->cycle_addr = cycle;
	if (procmem_u64(&p->mem, rate, &v))
		return goproc_err(err, errlen,
			    "runtime.MemProfileRate at 0x%llx is not in the core",
			    (unsigned long long)rate);
	m->rate = (int64_t)v;
	if (cycle) {
		uint32_t c;

		if (!procmem_u32(&p->mem, cycle, &c)) {
			m->cycle = c >> 1;
			m->cycle_known = 1;
		}
	}
	if (mbuckets && procmem_u64(&p->mem, mbuckets, &b))
		return goproc_err(err, errlen,
			    "runtime.mbuckets at 0x%llx is not in the core",
			    (unsigned long long)mbuckets);
	for (; b; ) {
		uint64_t w[BUCKET_WORDS], c[4 * 4];
		struct goprof_record *r;
		struct cyc act;
		unsigned int j;

		if (m->n >= GOPROF_MAX_BUCKETS) {
			snprintf(m->partial, sizeof(m->partial),
				 "more than %u buckets (a cycle in the list?)",
				 GOPROF_MAX_BUCKETS);
			break;
		}
		if ((b & 7) || procmem_read(&p->mem, b, w, sizeof(w))) {
			snprintf(m->partial, sizeof(m->partial),
				 "bucket %zu at 0x%llx is not in the core",
				 m->n, (unsigned long long)b);
			break;
		}
		if (w[B_TYP / 8] != MEM_PROFILE || w[B_NSTK / 8] > maxstk) {
			snprintf(m->partial, sizeof(m->partial),
				 "bucket %zu at 0x%llx is not a memory bucket (type %llu, %llu pcs): the list is corrupt",
				 m->n, (unsigned long long)b,
				 (unsigned long long)w[B_TYP / 8],
				 (unsigned long long)w[B_NSTK / 8]);
			break;
		}
		if (grow_array((void **)&m->r, &m->cap, m->n + 1,
			       sizeof(*m->r)) ||
		    grow_array((void **)&fut, &futcap, 3 * (m->n + 1),
			       sizeof(*fut)) ||
		    grow_array((void **)&m->pcs, &m->pcscap,
			       m->npcs + w[B_NSTK / 8] + 1, sizeof(*m->pcs))) {
			free(fut);
			return goproc_err(err, errlen, "out of memory");
		}
		r = &m->r[m->n];
		memset(r, 0, sizeof(*r));
		r->size = w[B_SIZE / 8];
		r->nstk = (uint32_t)w[B_NSTK / 8];
		r->stk = m->npcs;
		/* (pcs is never NULL here: a stack of none is read too) */
		if (procmem_read(&p->mem, b + sizeof(w), m->pcs + m->npcs,
				 r->nstk * 8ull) ||
		    procmem_read(&p->mem, b + sizeof(w) + r->nstk * 8ull, c,
				 4 * ncw * 8ull)) {
			snprintf(m->partial, sizeof(m->partial),
				 "bucket %zu at 0x%llx is cut short in the core",
				 m->n, (unsigned long long)b);
			break;
		}
		for (k = 0; k < 4; k++) {
			struct cyc *y = k ? &fut[3 * m->n + k - 1] : &act;

			for (j = 0; j < 4; j++)
				y->v[j] = j < ncw ? c[k * ncw + j] : 0;
			if (ncw == 2) {
				y->v[2] = y->v[0] * r->size;
				y->v[3] = y->v[1] * r->size;
			}
		}
		add(r, &act);
		m->npcs += r->nstk;
		m->n++;
		b = w[B_ALLNEXT / 8];
	}
	/*
	 * memProfileInternal: flush the cycle that is complete, then, when no
	 * bucket has anything active (no collection yet), take every cycle.
	 */
	for (i = 0; m->cycle_known && i < m->n; i++) {
		struct cyc *y = &fut[3 * i + m->cycle % 3];

		add(&m->r[i], y);
		memset(y, 0, sizeof(*y));
	}
	for (i = 0; i < m->n; i++)
		if (m->r[i].allocs || m->r[i].frees)
			clear = 0;
	for (i = 0; clear && i < m->n; i++)
		for (k = 0; k < 3; k++)
			add(&m->r[i], &fut[3 * i + k]);
	free(fut);
	return 0;
}

int goprof_mem_read(const struct goproc *p, struct goprof_mem *m,
		    char *err, size_t errlen)
{
	int minor = govers_minor(p->go_version), ret;
	uint64_t addr[SYM_N];
	const char *from;

	memset(m, 0, sizeof(*m));
	if (find_globals(p, addr, minor >= 23 ? GOPROF_MAX_STACK : 32, &from,
			 err, errlen))
		return -1;
	ret = goprof_mem_read_at(p, addr[SYM_MBUCKETS], addr[SYM_RATE],
				 addr[SYM_CYCLE], m, err, errlen);
	m->from = from;
	return ret;
}

/* ---- the profile, as runtime/pprof writes it ------------------------ */

/* writeHeapProto's hideRuntime: the frames it skips at the top. */
static int hidden(const struct goprof_mem *m, const char *name)
{
	return !strncmp(name, "runtime.", 8) ||
		(m->hide_internal && !strncmp(name, "internal/runtime/", 17));
}

/*
 * The frames of stk (n return pcs) into out, as appendLocsForStack lays
 * them out, flattened: each pc's innermost logical frame, looked up at
 * pc - 1 (runtime.Callers already gave a pc to every inlined frame),
 * runtime.goexit dropped, and the last pc, when it is an inlined frame (a
 * stack cut at the depth limit), followed by its callers' frames
 * (expandFinalInlineFrame; their addr is 0).
 */
static int stack_frames(struct gowalk *w, const uint64_t *stk, size_t n,
			struct goprof_frame *out, size_t max)
{
	size_t i, k, nf = 0;

	for (i = 0; i < n && nf < max; i++) {
		const struct gosym *s = gowalk_symbol(w, stk[i], stk[i] - 1);
		const struct gologic *g;

		if (!s)
			return -1;
		if (!s->found) {
			out[nf++] = (struct goprof_frame){ stk[i] - 1, NULL,
							   NULL, 0, 0 };
			continue;
		}
		g = &w->logic[s->first];
		if (!strcmp(g->func, "runtime.goexit"))
			continue;
		out[nf++] = (struct goprof_frame){ stk[i] - 1, g->func,
						   g->file, g->line,
						   g->start_line };
		if (i + 1 < n || !g->inlined)
			continue;
		/* s stays valid: nothing is symbolised below */
		for (k = 1; k < s->n && nf < max; k++) {
			g = &w->logic[s->first + k];
			out[nf++] = (struct goprof_frame){ 0, g->func, g->file,
							   g->line,
							   g->start_line };
		}
	}
	return (int)nf;
}

int goprof_record_frames(struct gowalk *w, const struct goprof_mem *m,
			 const struct goprof_record *r,
			 struct goprof_frame *out, size_t max)
{
	const uint64_t *stk = m->pcs + r->stk;
	size_t n = r->nstk, k;
	int nf = 0, tries;

	for (tries = 0; tries < 2; tries++) {
		const uint64_t *s = stk;
		size_t ns = n;

		for (k = 0; !tries && k < n; k++) {
			const struct gosym *y = gowalk_symbol(w, stk[k], stk[k]);

			if (!y)
				return -1;
			if (y->found && hidden(m, w->logic[y->first].func))
				continue;
			s = stk + k;
			ns = n - k;
			break;
		}
		nf = stack_frames(w, s, ns, out, max);
		if (nf)
			break;
	}
	return nf;
}

/*
 * int64(x) as Go computes it on amd64 (CVTTSD2SQ): out of range or NaN
 * gives the smallest int64, where C's conversion is undefined.
 */
static int64_t to_int64(double x)
{
	if (!(x > -9223372036854775808.0 && x < 9223372036854775808.0))
		return INT64_MIN;
	return (int64_t)x;
}

/* a * b wrapping, as Go's int64 does, where C's would be undefined */
static int64_t mul64(int64_t a, int64_t b)
{
	return (int64_t)((uint64_t)a * (uint64_t)b);
}

/* scaleHeapSample (runtime/pprof/protomem.go) */
static void scale(int64_t count, int64_t size, double avg, int64_t rate,
		  int64_t *c, int64_t *s)
{
	double sc;

	if (!count || !size) {
		*c = *s = 0;
		return;
	}
	if (rate <= 1) {
		*c = count;
		*s = size;
		return;
	}
	sc = 1 / (1 - exp(-avg / (double)rate));
	*c = to_int64((double)count * sc);
	*s = to_int64((double)size * sc);
}

int goprof_record_values(const struct goprof_mem *m,
			 const struct goprof_record *r, int64_t v[4],
			 int64_t *label)
{
	int64_t allocs = (int64_t)r->allocs;
	int64_t inuse = (int64_t)(r->allocs - r->frees);

	if (m->object_size) {
		int64_t sz = (int64_t)r->size;

		scale(allocs, mul64(allocs, sz), (double)sz, m->rate, &v[0],
		      &v[1]);
		scale(inuse, mul64(inuse, sz), (double)sz, m->rate, &v[2],
		      &v[3]);
		*label = sz;
		return 1;
	} else {
		int64_t ab = (int64_t)r->alloc_bytes;
		int64_t ib = (int64_t)(r->alloc_bytes - r->free_bytes);

		/* avgSize: a float division; the label's, integer, and only
		 * when there are objects and it is not 0 */
		scale(allocs, ab, (double)ab / (double)allocs, m->rate, &v[0],
		      &v[1]);
		scale(inuse, ib, (double)ib / (double)inuse, m->rate, &v[2],
		      &v[3]);
		*label = allocs > 0 ? ab / allocs : 0;
		return *label != 0;
	}
}

int goprof_write_heap(struct goproc *p, const struct goprof_mem *m, FILE *f,
		      char *err, size_t errlen)
{
	uint64_t lo = p->md.text, hi = p->md.etext;
	size_t max = GOPROF_MAX_FRAMES, i;
	struct goprof_frame *fr = malloc(max * sizeof(*fr));
	uint64_t *locs = malloc(max * sizeof(*locs));
	struct gowalk *w = gowalk_new(p);
	struct pprof pp;
	int ret = -1;

	err[0] = 0;
	if (!fr || !locs || !w || pprof_init(&pp)) {
		free(fr);
		free(locs);
		gowalk_free(w);
		return goproc_err(err, errlen, "out of memory");
	}
	pprof_period(&pp, "space", "bytes", m->rate);
	pprof_sample_type(&pp, "alloc_objects", "count");
	pprof_sample_type(&pp, "alloc_space", "bytes");
	pprof_sample_type(&pp, "inuse_objects", "count");
	pprof_sample_type(&pp, "inuse_space", "bytes");
	pprof_mapping(&pp, 1, lo, hi, p->exe_base && lo >= p->exe_base ?
		      lo - p->exe_base : 0,
		      p->exe_file[0] ? p->exe_file : p->exe_path, "");
	for (i = 0; i < m->n; i++) {
		int64_t v[4], label;
		int nf = goprof_record_frames(w, m, &m->r[i], fr, max), k, has;

		if (nf < 0)
			goto out;
		for (k = 0; k < nf; k++) {
			struct pprof_line l = { fr[k].func, fr[k].file,
						fr[k].line, fr[k].start_line };

			locs[k] = pprof_location(&pp, fr[k].addr >= lo &&
						 fr[k].addr < hi, fr[k].addr,
						 &l, fr[k].func ? 1 : 0);
			if (!locs[k])
				goto out;
		}
		has = goprof_record_values(m, &m->r[i], v, &label);
		pprof_sample(&pp, locs, (size_t)nf, v, 4,
			     has ? "bytes" : NULL, label);
	}
	if (pprof_write(&pp, f))
		goproc_err(err, errlen, "cannot write the profile: %s",
		     strerror(errno));
	else
		ret = 0;
out:
	if (ret && !err[0])
		goproc_err(err, errlen, "out of memory");
	pprof_free(&pp);
	gowalk_free(w);
	free(locs);
	free(fr);
	return ret;
}
