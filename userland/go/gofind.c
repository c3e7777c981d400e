// SPDX-License-Identifier: GPL-2.0
/*
 * gofind.c - find goroutines without runtime.allgs, for cores whose allgs
 * array, or the variable itself, is cut off (ulimit -c, ProcessSizeMax, a
 * full disk: the kernel writes memory in address order, so the cut takes
 * whatever lies above it).
 *
 * Three sources, each candidate checked the same way (g_shaped):
 *   - every M's m.curg and m.caughtsig (runtime.allm);
 *   - every thread's g: its TLS slot and its g register, when it
 *     stopped in Go code (struct arch's tls_g and g_regno);
 *   - a scan of the core's anonymous writable memory (the Go heap, where
 *     newproc allocates every g) for g-shaped objects.
 *
 * A g is g-shaped when its first four words are a user goroutine's stack
 * bounds and guards: lo < hi, hi - lo a power of two from 2 KiB to 1 GiB
 * (stackalloc hands out nothing else), stackguard1 = ~0 (malg sets it so
 * for every goroutine but g0 and gsignal), stackguard0 = lo + the guard or
 * one of the runtime's poison values; and its status is a live one, its
 * goid nonzero, its saved sp inside its stack when it is parked.  The
 * stack fields have opened struct g in every release (runtime2.go: "stack
 * describes the actual stack memory ... offset known to runtime/cgo"), so
 * their offsets come from the layout's g.stack.
 *
 * What is found is a subset of the live goroutines, never a guess: the
 * walker reads each one as it reads allgs[i], and the printer says where
 * the list came from.
 */
#include <stdlib.h>
#include <string.h>

#include "core/sort.h"
#include "go/goproc.h"
#include "go/govers.h"

#define STACKGUARD_MAX	8192u		/* lo + stackGuard, any release */
#define POISON_MIN	0xfffffffffffff000ull /* stackPreempt, stackFork */

const char *gofound_name(enum gofound_how how)
{
	static const char *const names[] = {
		[GOFOUND_ALLGS] = "allgs", [GOFOUND_M] = "m.curg",
		[GOFOUND_THREAD] = "thread", [GOFOUND_SCAN] = "heap scan",
	};

	return (unsigned int)how < sizeof(names) / sizeof(names[0]) ?
	       names[how] : "unknown";
}

/*
 * Is the object at a g-shaped (see the top)?  w points at its first four
 * words (g.stack.lo, hi, stackguard0, stackguard1), already in hand for
 * the scan.  On success *goid is its goid.
 */
static int g_shaped(const struct goproc *p, uint64_t a, const uint64_t w[4],
		    uint64_t *goid)
{
	const struct golayout *l = &p->layout;
	uint64_t lo = w[0], hi = w[1], size = hi - lo, sp;
	uint32_t st;

	if (lo >= hi || (lo & 7) || size < 2048 || size > (1ull << 30) ||
	    (size & (size - 1)) || w[3] != UINT64_MAX)
		return 0;
	if (!(w[2] > lo && w[2] - lo <= STACKGUARD_MAX) && w[2] < POISON_MIN)
		return 0;
	if (procmem_u32(&p->mem, a + l->g_atomicstatus, &st) ||
	    procmem_u64(&p->mem, a + l->g_goid, goid))
		return 0;
	st &= ~(uint32_t)G_SCAN;
	if (st == G_IDLE || st == G_DEAD || st > G_DEADEXTRA ||
	    st == G_DEADEXTRA || !*goid || *goid >= (1ull << 48))
		return 0;
	if (st == G_WAITING || st == G_RUNNABLE || st == G_PREEMPTED) {
		if (procmem_u64(&p->mem, a + l->g_sched + l->gobuf_sp, &sp) ||
		    sp < lo || sp > hi)
			return 0;
	}
	return 1;
}

static int g_shaped_at(const struct goproc *p, uint64_t a, uint64_t *goid)
{
	uint64_t w[4];

	if (!a || (a & 7) ||
	    procmem_read(&p->mem, a + p->layout.g_stack, w, sizeof(w)))
		return 0;
	return g_shaped(p, a, w, goid);
}

struct found_set {
	struct gofound *v;
	size_t n, cap;
	int oom;
};

static void add(struct found_set *s, uint64_t g, uint64_t goid,
		enum gofound_how how)
{
	struct gofound *v;

	if (s->n >= GOPROC_MAX_GS)
		return;
	if (s->n == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 256;

		v = realloc(s->v, cap * sizeof(*v));
		if (!v) {
			s->oom = 1;
			return;
		}
		s->v = v;
		s->cap = cap;
	}
	s->v[s->n].g = g;
	s->v[s->n].goid = goid;
	s->v[s->n].how = how;
	s->n++;
}

static void add_checked(const struct goproc *p, struct found_set *s,
			uint64_t g, enum gofound_how how)
{
	uint64_t goid;

	if (g_shaped_at(p, g, &goid))
		add(s, g, goid, how);
}

static int in_exe(const struct goproc *p, uint64_t lo, uint64_t hi)
{
	int i;

	for (i = 0; i < p->nexe_ranges; i++)
		if (lo < p->exe_ranges[i].hi && p->exe_ranges[i].lo < hi)
			return 1;
	return 0;
}

/* Scan the core's writable bytes outside the executable, 16-aligned
 * (every size class of the Go allocator from 16 bytes up is). */
static void scan(const struct goproc *p, struct found_set *s)
{
	size_t k;

	for (k = 0; k < p->mem.n; k++) {
		const struct procmem_seg *sg = &p->mem.segs[k];
		uint64_t a, goid, need = p->layout.g_stack + 32;

		if ((sg->flags & PROCMEM_FROM_EXE) || !(sg->flags & PF_W) ||
		    in_exe(p, sg->start, sg->end) || sg->end - sg->start < need)
			continue;
		for (a = (sg->start + 15) & ~15ull; a + need <= sg->end &&
		     a >= sg->start; a += 16) {
			uint64_t w[4];

			memcpy(w, sg->data + (a - sg->start) + p->layout.g_stack,
			       sizeof(w));
			/* the cheap test first: stackguard1 */
			if (w[3] != UINT64_MAX)
				continue;
			if (g_shaped(p, a, w, &goid))
				add(s, a, goid, GOFOUND_SCAN);
		}
	}
}

static int by_goid(const void *a, const void *b)
{
	const struct gofound *x = a, *y = b;

	if (x->goid != y->goid)
		return x->goid < y->goid ? -1 : 1;
	if (x->g != y->g)
		return x->g < y->g ? -1 : 1;
	return (int)x->how - (int)y->how;
}

int gofind_goroutines(struct goproc *p)
{
	struct found_set s = { 0 };
	uint64_t *known = NULL, i, nknown = 0, tg;
	size_t k, out;

	/* The readable part of allgs: those are printed from there. */
	if (p->allglen) {
		known = malloc(p->allglen * sizeof(*known));
		if (!known)
			return -1;
		for (i = 0; i < p->allglen; i++) {
			uint64_t cut = goproc_allgs_cut(p, i);

			if (cut)
				i += cut - 1;
			else if (!procmem_u64(&p->mem, p->allgs + i * 8, &tg))
				known[nknown++] = tg;
		}
		if (nknown)
			qsort(known, nknown, sizeof(*known), cmp_u64);
	}
	for (k = 0; k < p->nms; k++) {
		add_checked(p, &s, p->ms[k].curg, GOFOUND_M);
		add_checked(p, &s, p->ms[k].caughtsig, GOFOUND_M);
	}
	for (k = 0; k < p->nthreads; k++) {
		const struct core_regs *r = &p->threads[k].regs;
		int gr = p->arch->g_regno;

		if (p->arch->tls_g && r->tls &&
		    !procmem_u64(&p->mem, r->tls + (int64_t)p->arch->tls_g,
				 &tg))
			add_checked(p, &s, tg, GOFOUND_THREAD);
		if (gr >= 0 && (unsigned int)gr < r->nregs)
			add_checked(p, &s, r->regs[gr], GOFOUND_THREAD);
	}
	scan(p, &s);
	if (s.oom) {
		free(s.v);
		free(known);
		return -1;
	}
	/* One entry per g, the first source kept; none that allgs has. */
	if (s.n)
		qsort(s.v, s.n, sizeof(*s.v), by_goid);
	for (k = 0, out = 0; k < s.n; k++) {
		if (out && s.v[out - 1].g == s.v[k].g)
			continue;
		if (nknown && bsearch(&s.v[k].g, known, nknown,
				      sizeof(*known), cmp_u64))
			continue;
		s.v[out++] = s.v[k];
	}
	free(known);
	p->found = s.v;
	p->nfound = out;
	return 0;
}
