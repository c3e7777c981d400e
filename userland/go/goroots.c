// SPDX-License-Identifier: GPL-2.0
/*
 * goroots.c - find the Go scheduler's roots (runtime.allgs, allglen, allm,
 * allp, sched) from the machine code, for binaries stripped of their
 * symbol table (-ldflags='-s -w') when the core has no gocoredump note.
 *
 * The pclntab survives stripping, so the runtime functions that use each
 * root can be found by name.  Compiled Go code reaches globals through
 * pc-relative operands (static and PIE alike: RIP-relative on amd64), so
 * decoding those functions (arch.h, code_refs) yields the addresses of the
 * globals they touch.  Which address
 * is which root is then decided by the memory itself, never by position:
 *
 *   allgs    a slice {ptr, len, cap} whose elements are goroutines (g.goid,
 *            g.atomicstatus plausible), with allglen == len
 *   allglen  a word equal to len(allgs), outside the slice header
 *   allm     a pointer to an m with m.g0.m == m, along the whole alllink list
 *   allp     a slice of *p with allp[i].id == i
 *   sched    the base S for which the most operands hit known schedt field
 *            offsets, with sched.mnext - sched.nmfreed == len(allm list)
 *
 * A candidate that is not unique is not taken: the walk would rather stop
 * than follow the wrong list.
 */
#include <stdlib.h>
#include <string.h>

#include "core/sort.h"
#include "go/goheap.h"
#include "go/goproc.h"

#define MAX_FUNC_BYTES	(256u << 10)
#define MAX_TARGETS	4096

struct targets {
	uint64_t a[MAX_TARGETS];
	size_t n;
	uint64_t xchg[64];	/* address taken (LEA) or XCHG targets */
	size_t nxchg;
};

struct collect {
	const struct goproc *p;
	struct targets *t;
};

static void add_target(void *arg, uint64_t tgt, unsigned int kind)
{
	const struct collect *c = arg;
	struct targets *t = c->t;

	if (tgt >= c->p->md.noptrdata && tgt < c->p->md.enoptrbss &&
	    t->n < MAX_TARGETS)
		t->a[t->n++] = tgt;
	if ((kind & ARCH_REF_ADDR) && t->nxchg < 64)
		t->xchg[t->nxchg++] = tgt;
}

/* Collect the data addresses the code of the function named name uses. */
static void collect(const struct goproc *p, const char *name,
		    struct targets *t)
{
	struct collect c = { p, t };
	struct pcfunc f;

	if (pclntab_func_by_name(&p->tab, name, &f))
		return;
	if (f.end <= f.entry || f.end - f.entry > MAX_FUNC_BYTES)
		return;
	p->arch->code_refs(&p->mem, f.entry, f.end, add_target, &c);
}

static void uniq(struct targets *t)
{
	size_t i, k = 0;

	if (t->n)
		qsort(t->a, t->n, sizeof(t->a[0]), cmp_u64);
	for (i = 0; i < t->n; i++)
		if (!k || t->a[k - 1] != t->a[i])
			t->a[k++] = t->a[i];
	t->n = k;
}

static int rd(const struct goproc *p, uint64_t a, uint64_t *v)
{
	return procmem_u64(&p->mem, a, v);
}

/* Does the array at arr hold n plausible *g? */
static int gs_plausible(const struct goproc *p, uint64_t arr, uint64_t n)
{
	const struct golayout *l = &p->layout;
	uint64_t i, check = n;

	if (check > 64)
		check = 64;
	for (i = 0; i < check; i++) {
		uint64_t g, goid;
		uint32_t st;

		if (rd(p, arr + i * 8, &g) || !g || (g & 7) ||
		    rd(p, g + l->g_goid, &goid) ||
		    procmem_u32(&p->mem, g + l->g_atomicstatus, &st))
			return 0;
		if ((st & ~0x1000u) > 12 || goid > (1ull << 48))
			return 0;
	}
	return 1;
}

static void find_allgs(struct goproc *p)
{
	struct targets *t = calloc(1, sizeof(*t));
	uint64_t best_a = 0, best_b = 0;
	int hits = 0;
	size_t i, j;

	if (!t)
		return;
	collect(p, "runtime.allgadd", t);
	uniq(t);
	for (i = 0; i < t->n; i++) {
		uint64_t a = t->a[i], ptr, len, cap;

		if (rd(p, a, &ptr) || rd(p, a + 8, &len) || rd(p, a + 16, &cap))
			continue;
		if (!len || len > cap || cap > GOPROC_MAX_GS || (ptr & 7) ||
		    !gs_plausible(p, ptr, len))
			continue;
		for (j = 0; j < t->n; j++) {
			uint64_t b = t->a[j], v;

			if (b >= a && b < a + 24)
				continue;
			if (rd(p, b, &v) || v != len)
				continue;
			if (best_a != a || best_b != b)
				hits++;
			best_a = a;
			best_b = b;
		}
	}
	if (hits == 1) {
		if (!p->roots[GCD_ROOT_ALLGS]) {
			p->roots[GCD_ROOT_ALLGS] = best_a;
			p->root_src[GCD_ROOT_ALLGS] = GOROOT_CODE;
		}
		if (!p->roots[GCD_ROOT_ALLGLEN]) {
			p->roots[GCD_ROOT_ALLGLEN] = best_b;
			p->root_src[GCD_ROOT_ALLGLEN] = GOROOT_CODE;
		}
	} else if (hits > 1) {
		goproc_warn(p, "runtime.allgadd: %d candidates for allgs/allglen; none taken",
			    hits);
	}
	free(t);
}

static int is_xchg(const struct targets *t, uint64_t a)
{
	size_t i;

	for (i = 0; i < t->nxchg; i++)
		if (t->xchg[i] == a)
			return 1;
	return 0;
}

/* Length of a valid allm list starting at *a, or 0. */
static size_t m_list_len(const struct goproc *p, uint64_t a)
{
	const struct golayout *l = &p->layout;
	uint64_t m, g0, back;
	size_t n = 0;

	if (rd(p, a, &m) || !m)
		return 0;
	while (m && n < GOPROC_MAX_MS) {
		if ((m & 7) || rd(p, m + l->m_g0, &g0) || !g0 ||
		    rd(p, g0 + l->g_m, &back) || back != m)
			return 0;
		n++;
		if (rd(p, m + l->m_alllink, &m))
			return 0;
	}
	return m ? 0 : n;
}

/*
 * allm is the head of the list of every M; other globals the same code
 * touches may point into it (sched.midle, a freed-M list), but their lists
 * are shorter.  Take the longest valid list, and only if no other is as
 * long.
 */
static size_t longest_m_list(struct goproc *p)
{
	static const char *const fns[] = {
		"runtime.mcommoninit", "runtime.checkdead", "runtime.allocm",
	};
	struct targets *t = calloc(1, sizeof(*t));
	size_t i, best = 0;

	if (!t)
		return 0;
	for (i = 0; i < sizeof(fns) / sizeof(fns[0]); i++)
		collect(p, fns[i], t);
	uniq(t);
	for (i = 0; i < t->n; i++) {
		size_t n = m_list_len(p, t->a[i]);

		if (n > best)
			best = n;
	}
	free(t);
	return best;
}

static void find_allm(struct goproc *p)
{
	static const char *const fns[] = {
		"runtime.mcommoninit", "runtime.checkdead", "runtime.allocm",
	};
	struct targets *t = calloc(1, sizeof(*t));
	uint64_t best = 0;
	size_t i, best_len = 0;
	int ties = 0;

	if (!t)
		return;
	for (i = 0; i < sizeof(fns) / sizeof(fns[0]); i++)
		collect(p, fns[i], t);
	uniq(t);
	for (i = 0; i < t->n; i++) {
		size_t n;

		/* sched.midle and friends are m lists too. */
		if (p->roots[GCD_ROOT_SCHED] &&
		    t->a[i] >= p->roots[GCD_ROOT_SCHED] &&
		    t->a[i] < p->roots[GCD_ROOT_SCHED] + 1024)
			continue;
		n = m_list_len(p, t->a[i]);
		if (!n)
			continue;
		/* Between equally long lists, the one whose address is
		 * taken (atomicstorep(&allm, mp) in mcommoninit) is allm. */
		if (n == best_len && is_xchg(t, t->a[i]) != is_xchg(t, best)) {
			if (is_xchg(t, t->a[i]))
				best = t->a[i];
			continue;
		}
		if (n > best_len) {
			best_len = n;
			best = t->a[i];
			ties = 0;
		} else if (n == best_len) {
			ties++;
		}
	}
	if (best && !ties) {
		p->roots[GCD_ROOT_ALLM] = best;
		p->root_src[GCD_ROOT_ALLM] = GOROOT_CODE;
	} else if (best) {
		goproc_warn(p, "%d candidates for runtime.allm; none taken",
			    ties + 1);
	}
	free(t);
}

static void find_allp(struct goproc *p)
{
	const struct golayout *l = &p->layout;
	struct targets *t = calloc(1, sizeof(*t));
	uint64_t best = 0;
	int hits = 0;
	size_t i;

	if (!t || l->p_id == GOLAYOUT_NONE) {
		free(t);
		return;
	}
	collect(p, "runtime.procresize", t);
	uniq(t);
	for (i = 0; i < t->n; i++) {
		uint64_t ptr, len, cap, k, pp;
		uint32_t id;

		if (rd(p, t->a[i], &ptr) || rd(p, t->a[i] + 8, &len) ||
		    rd(p, t->a[i] + 16, &cap))
			continue;
		if (!len || len > cap || len > 1u << 16 || (ptr & 7))
			continue;
		for (k = 0; k < len; k++) {
			if (rd(p, ptr + k * 8, &pp) || !pp ||
			    procmem_u32(&p->mem, pp + l->p_id, &id) || id != k)
				break;
		}
		if (k != len)
			continue;
		hits++;
		best = t->a[i];
	}
	if (hits == 1) {
		p->roots[GCD_ROOT_ALLP] = best;
		p->root_src[GCD_ROOT_ALLP] = GOROOT_CODE;
	} else if (hits > 1) {
		goproc_warn(p, "%d candidates for runtime.allp; none taken", hits);
	}
	free(t);
}

static void find_sched(struct goproc *p, size_t nms)
{
	static const char *const fns[] = {
		"runtime.mcommoninit", "runtime.schedinit", "runtime.checkdead",
		"runtime.checkmcount", "runtime.mexit", "runtime.mReserveID",
	};
	const struct golayout *l = &p->layout;
	const uint32_t offs[] = {
		l->sched_lock, l->sched_mnext, l->sched_maxmcount,
		l->sched_nmfreed,
	};
	struct targets *t = calloc(1, sizeof(*t));
	uint64_t best = 0;
	int best_score = 0, ties = 0;
	size_t i, j, k, nm;

	if (!t)
		return;
	for (i = 0; i < 4; i++)
		if (offs[i] == GOLAYOUT_NONE) {
			free(t);
			return;
		}
	for (i = 0; i < sizeof(fns) / sizeof(fns[0]); i++)
		collect(p, fns[i], t);
	uniq(t);
	for (i = 0; i < t->n; i++) {
		for (j = 0; j < 4; j++) {
			uint64_t s = t->a[i] - offs[j], mnext, nmfreed, maxm;
			int score = 0;

			if (t->a[i] < offs[j])
				continue;
			for (k = 0; k < 4; k++) {
				uint64_t want = s + offs[k];

				for (nm = 0; nm < t->n; nm++)
					if (t->a[nm] == want) {
						score++;
						break;
					}
			}
			if (score < 2 || rd(p, s + l->sched_mnext, &mnext) ||
			    rd(p, s + l->sched_nmfreed, &nmfreed) ||
			    procmem_u64(&p->mem, s + l->sched_maxmcount, &maxm))
				continue;
			maxm &= 0xffffffff;
			if (!maxm || maxm > (1u << 24) || nmfreed > mnext ||
			    (nms && mnext - nmfreed != nms))
				continue;
			if (score > best_score) {
				best_score = score;
				best = s;
				ties = 0;
			} else if (score == best_score && s != best) {
				ties++;
			}
		}
	}
	if (best && !ties) {
		p->roots[GCD_ROOT_SCHED] = best;
		p->root_src[GCD_ROOT_SCHED] = GOROOT_CODE;
	}
	free(t);
}

static int has_target(const struct targets *t, uint64_t a)
{
	return bsearch(&a, t->a, t->n, sizeof(t->a[0]), cmp_u64) != NULL;
}

/*
 * The bases B for which B + off[i] is an operand for every i, into
 * out[0..max), ascending; returns how many there are (may exceed max).
 * t is sorted.
 */
static size_t bases_of(const struct targets *t, const uint32_t *off,
		       size_t n, uint64_t *out, size_t max)
{
	size_t i, k, found = 0;

	for (k = 0; k < n; k++)
		if (off[k] == GOLAYOUT_NONE)
			return 0;
	for (i = 0; i < t->n; i++) {
		uint64_t b = t->a[i] - off[0];

		if (t->a[i] < off[0])
			continue;
		for (k = 1; k < n && has_target(t, b + off[k]); k++)
			;
		if (k < n)
			continue;
		if (found < max)
			out[found] = b;
		found++;
	}
	return found;
}

/*
 * Is there a plausible mheap_ at b: its allspans a slice of 1 to
 * GOHEAP_MAX_SPANS spans, the first and last of them with a start (8 KiB
 * aligned) and pages, and its span allocator's bytes in use, not 0, at
 * most what memstats (found) says it took from the OS?
 */
static int mheap_plausible(const struct goproc *p, uint64_t b,
			   uint64_t memstats)
{
	const struct golayout *l = &p->layout;
	uint64_t arr, n, cap, inuse, sys, i;

	if (l->mheap_allspans == GOLAYOUT_NONE ||
	    l->mspan_startaddr == GOLAYOUT_NONE ||
	    l->mspan_npages == GOLAYOUT_NONE ||
	    rd(p, b + l->mheap_allspans, &arr) ||
	    rd(p, b + l->mheap_allspans + 8, &n) ||
	    rd(p, b + l->mheap_allspans + 16, &cap) ||
	    !arr || (arr & 7) || !n || n > cap || cap > GOHEAP_MAX_SPANS ||
	    rd(p, b + l->mheap_spanalloc + l->fixalloc_inuse, &inuse) ||
	    rd(p, memstats + l->ms_mspan_sys, &sys) || !inuse || inuse > sys)
		return 0;
	for (i = 0; i < 2; i++) {
		uint64_t sp, start, npages;

		if (rd(p, arr + 8 * (i ? n - 1 : 0), &sp) ||
		    rd(p, sp + l->mspan_startaddr, &start) ||
		    rd(p, sp + l->mspan_npages, &npages) ||
		    !start || (start & 8191) || !npages || npages > (1ull << 32))
			return 0;
	}
	return 1;
}

/*
 * A program that never calls runtime.ReadMemStats has no readmemstats_m
 * (the linker leaves it out), so the globals are taken from code every
 * program has, Go 1.19 to 1.27: (*mheap).init names three of memstats'
 * _sys counters (its allocators') and gcMarkTermination its GC counts;
 * mallocinit names mheap_ itself (its init's receiver), a candidate
 * kept when its spans and allocator look as they should; gcStart and
 * gcinit name gcController's base and gcMarkTermination its heapInUse,
 * the candidates told apart by the caller, as above.  What was found
 * from readmemstats_m stays.
 */
static void heap_globals_elsewhere(const struct goproc *p, struct targets *t,
				   uint64_t *memstats, uint64_t *mheap,
				   uint64_t *gc, size_t *ngc, size_t max)
{
	const struct golayout *l = &p->layout;
	const uint32_t ms[] = {
		l->ms_mspan_sys, l->ms_mcache_sys, l->ms_other_sys,
		l->ms_numgc, l->ms_numforcedgc,
	};
	const uint32_t gcc[] = { 0, l->gcc_heapinuse };
	static const char *const funcs[] = {
		"runtime.(*mheap).init", "runtime.gcMarkTermination",
		"runtime.mallocinit", "runtime.gcStart", "runtime.gcinit",
	};
	size_t i;

	t->n = 0;
	for (i = 0; i < sizeof(funcs) / sizeof(funcs[0]); i++)
		collect(p, funcs[i], t);
	uniq(t);
	if (!*memstats &&
	    bases_of(t, ms, sizeof(ms) / sizeof(ms[0]), memstats, 1) != 1)
		*memstats = 0;
	if (!*mheap && *memstats) {
		for (i = 0; i < t->n; i++) {
			if (!mheap_plausible(p, t->a[i], *memstats))
				continue;
			if (*mheap) {	/* two: neither */
				*mheap = 0;
				break;
			}
			*mheap = t->a[i];
		}
	}
	if (!*ngc) {
		*ngc = bases_of(t, gcc, sizeof(gcc) / sizeof(gcc[0]), gc, max);
		if (*ngc > max)
			*ngc = 0;
	}
}

int goroots_heap_globals(const struct goproc *p, uint64_t *memstats,
			 uint64_t *mheap, uint64_t *gc, size_t *ngc)
{
	const struct golayout *l = &p->layout;
	/* memstats: heapStats (its base), the _sys counters, the GC's */
	const uint32_t ms[] = {
		l->ms_heapstats, l->ms_stacks_sys, l->ms_mspan_sys,
		l->ms_mcache_sys, l->ms_buckhash_sys, l->ms_gcmisc_sys,
		l->ms_other_sys, l->ms_numgc, l->ms_numforcedgc,
		l->ms_gc_cpu_fraction,
	};
	const uint32_t gcc[] = {
		l->gcc_heapinuse, l->gcc_heapfree, l->gcc_heapreleased,
	};
	uint32_t mh[2] = { GOLAYOUT_NONE, GOLAYOUT_NONE };
	struct targets *t = calloc(1, sizeof(*t));
	size_t max = *ngc;

	*memstats = *mheap = 0;
	*ngc = 0;
	if (!t)
		return -1;
	if (l->mheap_spanalloc != GOLAYOUT_NONE &&
	    l->mheap_cachealloc != GOLAYOUT_NONE &&
	    l->fixalloc_inuse != GOLAYOUT_NONE) {
		mh[0] = l->mheap_spanalloc + l->fixalloc_inuse;
		mh[1] = l->mheap_cachealloc + l->fixalloc_inuse;
	}
	collect(p, "runtime.readmemstats_m", t);
	uniq(t);
	if (bases_of(t, ms, sizeof(ms) / sizeof(ms[0]), memstats, 1) != 1)
		*memstats = 0;
	if (bases_of(t, mh, 2, mheap, 1) != 1)
		*mheap = 0;
	*ngc = bases_of(t, gcc, sizeof(gcc) / sizeof(gcc[0]), gc, max);
	if (*ngc > max)
		*ngc = 0;
	if (!*memstats || !*mheap || !*ngc)
		heap_globals_elsewhere(p, t, memstats, mheap, gc, ngc, max);
	free(t);
	return 0;
}

int goroots_from_code(struct goproc *p)
{
	int n = 0, k;

	if (!p->roots[GCD_ROOT_ALLGS] || !p->roots[GCD_ROOT_ALLGLEN])
		find_allgs(p);
	/*
	 * sched first, checked against the length of the M list (the same
	 * for allm and for any sched field that points at its head), so
	 * that allm's search can leave sched's fields out.
	 */
	if (!p->roots[GCD_ROOT_SCHED])
		find_sched(p, p->roots[GCD_ROOT_ALLM] ?
			   m_list_len(p, p->roots[GCD_ROOT_ALLM]) :
			   longest_m_list(p));
	if (!p->roots[GCD_ROOT_ALLM])
		find_allm(p);
	if (!p->roots[GCD_ROOT_ALLP])
		find_allp(p);
	for (k = 0; k < GCD_ROOT_COUNT; k++)
		n += p->root_src[k] == GOROOT_CODE;
	return n;
}
