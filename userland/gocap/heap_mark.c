// SPDX-License-Identifier: GPL-2.0
/*
 * heap_mark.c - gocap heap's mark (go/gomark.h) from every root: the
 * goroutines' stacks through their stack maps (walked as the triage views
 * walk them), the threads' registers, and the roots gomark finds itself.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/grow.h"
#include "core/sort.h"
#include "go/golayout.h"
#include "go/gostackmap.h"
#include "go/goroutines.h"
#include "gocap/group.h"

/* A frame of a parked goroutine, for DWARF's locals: its pc (as linked:
 * the call's return address less one) and its CFA (gocap's fp). */
struct local_frame {
	uint64_t pc, cfa;
};

struct mark_walk {
	struct goproc *p;
	struct gomark *m;
	struct heap_mark *hm;
	uint64_t goid;
	/* locals: kept for DWARF's locals (local_root), the parked
	 * goroutines' frames and the stack words their maps say are
	 * live pointers */
	int locals, nomem;
	struct local_frame *fr;
	size_t nfr, capfr;
	uint64_t *live;
	size_t nlive, caplive;
};

/* A stack word: its source, the goroutine and the frame (heap why). */
static int stack_word(void *arg, uint64_t v)
{
	struct mark_walk *a = arg;
	size_t f = a->hm->maps.frame;

	gomark_source(a->m, GOMARK_SRC_STACK,
		      HEAP_STACK_ID(a->goid, f < HEAP_STACK_FRAMES ? f : 0));
	if (a->locals && a->hm->maps.at && !a->nomem) {
		if (grow_array((void **)&a->live, &a->caplive, a->nlive + 1,
			       sizeof(*a->live)))
			a->nomem = 1;
		else
			a->live[a->nlive++] = a->hm->maps.at;
	}
	return gomark_word_cb(a->m, v);
}

/* A stopped goroutine's frames (gostackmap_stopped: parked, runnable, in
 * a system call), one per physical frame, for its locals. */
static void keep_frames(struct mark_walk *a, const struct goroutine *g)
{
	uint64_t bias = a->p->load_bias, last = UINT64_MAX;
	size_t i;

	if (!gostackmap_stopped(g))
		return;
	for (i = 0; i < g->nframes && !a->nomem; i++) {
		const struct goframe *fr = &g->frames[i];

		if (fr->phys == last || fr->pc <= bias + 1 || !fr->fp)
			continue;
		last = fr->phys;
		if (grow_array((void **)&a->fr, &a->capfr, a->nfr + 1,
			       sizeof(*a->fr))) {
			a->nomem = 1;
			return;
		}
		a->fr[a->nfr].pc = fr->pc - 1 - bias;
		a->fr[a->nfr].cfa = fr->fp;
		a->nfr++;
	}
}

static int mark_stack(void *arg, const struct goroutine *g)
{
	struct mark_walk *a = arg;

	if (g->status == G_DEAD)
		return 0;
	a->goid = g->goid;
	if (gostackmap_scan(a->p, g, 0, stack_word, a, &a->hm->maps) < 0)
		a->hm->stacks_unread++;
	else if (a->locals)
		keep_frames(a, g);
	return 0;
}

/*
 * The roots gocap gives the mark (gomark leaves them to its caller): each
 * thread's registers, each goroutine's stack through its stack maps.
 * -1 when out of memory.
 */
static int caller_roots(struct mark_walk *a)
{
	struct goproc *p = a->p;
	struct triage_counts c = { 0 };
	struct gocrash crash;
	size_t i;
	unsigned int k;

	for (i = 0; i < p->nthreads; i++) {
		gomark_source(a->m, GOMARK_SRC_REGS, i);
		for (k = 0; k < p->threads[i].regs.nregs && k < 32; k++)
			gomark_word_cb(a->m, p->threads[i].regs.regs[k]);
	}
	return triage_walk(p, &crash, &c, mark_stack, a) ? -1 : 0;
}

/* DWARF's typed roots: the globals, and the stopped goroutines' locals
 * (a->fr sorted by pc; pc[i] the distinct pcs, first[i] where each one's
 * frames start in a->fr). */
struct dwarf_roots {
	struct goproc *p;
	struct gomark *m;
	struct heap_mark *hm;
	struct mark_walk *a;
	uint64_t *pc;
	size_t *first, npc;
	struct heap_why_q *keep;	/* heap why: its globals kept */
};

/*
 * Do DWARF's name of a type and its descriptor's agree?  DWARF qualifies
 * a package by its import path ("*hash/crc32.Table"), the descriptor by
 * its name ("*crc32.Table"): each path is cut to its last element.
 */
static int same_name(const char *dwarf, const char *desc)
{
	char buf[256];
	size_t n = 0, tok = 0;

	for (; *dwarf && n + 1 < sizeof(buf); dwarf++) {
		char c = *dwarf;

		if (c == '/') {
			n = tok;
			continue;
		}
		buf[n++] = c;
		if (!(c == '_' || c == '.' || c == '-' ||
		      (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') ||
		      (c >= 'A' && c <= 'Z') || (unsigned char)c >= 0x80))
			tok = n;
	}
	buf[n] = 0;
	return !*dwarf && !strcmp(buf, desc);
}

/*
 * The descriptor of the type DWARF gives global g, into *typ: 1 when it
 * is named as DWARF names it, -1 when not (or unreadable), 0 when it is
 * outside the executable's types (some of the runtime's own, uintptr,
 * named by another encoding: not used).
 */
static int global_type(const struct goproc *p, const struct godwarf_global *g,
		       uint64_t *typ)
{
	char name[256];

	*typ = p->md.types + g->rtoff;
	if (*typ >= p->md.etypes)
		return 0;
	if (!g->type_name || gotype_name(p, *typ, name, sizeof(name)) ||
	    !same_name(g->type_name, name))
		return -1;
	return 1;
}

/* A global DWARF types, if its descriptor is named as DWARF names it
 * (and, for heap why, every global of values kept for its fields). */
static int dwarf_root(void *arg, const struct godwarf_global *g)
{
	struct dwarf_roots *a = arg;
	const struct goproc *p = a->p;
	struct heap_why_q *q = a->keep;
	uint64_t typ;
	int k = global_type(p, g, &typ);

	if (q && k && g->how == GODWARF_VALUE) {
		if (grow_array((void **)&q->globals, &q->capglobals,
			       q->nglobals + 1, sizeof(*q->globals)))
			return -2;
		q->globals[q->nglobals++] = (struct heap_dwarf_global) {
			g->addr, typ, g->count, k
		};
	}
	if (k <= 0) {
		a->hm->dwarf_mismatch += k < 0;
		return 0;
	}
	a->hm->dwarf_globals++;
	return gomark_type_root(a->m, g->addr + p->load_bias,
				g->how == GODWARF_SLICE ? GOMARK_SLICE :
				g->how == GODWARF_POINTER ? GOMARK_POINTER :
				GOMARK_VALUE, typ, g->count) ? -2 : 0;
}

/*
 * Does DWARF's global g hold word (as linked)?  1, its field named into
 * buf ("" when the descriptor is not named as DWARF names it, as in
 * dwarf_root, or the offset is in no field), else 0.
 */
static int field_of(const struct goproc *p, const struct heap_dwarf_global *g,
		    uint64_t word, char *buf, size_t len)
{
	uint64_t typ = g->typ, size, off = word - g->addr;
	int n = 0;

	if (word < g->addr ||
	    procmem_u64(&p->mem, typ + p->layout.type_size, &size) ||
	    !size || off / size >= g->count)
		return 0;
	if (g->named < 0)
		return 1;
	if (g->count > 1)
		n = snprintf(buf, len, "[%llu]",
			     (unsigned long long)(off / size));
	if (n < 0 || (size_t)n >= len)
		buf[0] = 0;
	else if (gotype_field(p, typ, off % size, buf + n, len - n))
		buf[n] = 0;
	return 1;
}

void heap_global_fields(struct goproc *p, const struct heap_why_q *q,
			struct heap_root_name *r, size_t n)
{
	size_t i, j;

	for (i = 0; i < n; i++) {
		r[i].field[0] = 0;
		r[i].named_field = !r[i].root || (r[i].root & GOMARK_SRC);
	}
	/* the first global in DWARF's order that holds the word */
	for (i = 0; i < n; i++)
		for (j = 0; !r[i].named_field && j < q->nglobals; j++)
			r[i].named_field =
				field_of(p, &q->globals[j],
					 r[i].root - p->load_bias, r[i].field,
					 sizeof(r[i].field));
}

static int cmp_frame_pc(const void *a, const void *b)
{
	return cmp_u64(&((const struct local_frame *)a)->pc,
		       &((const struct local_frame *)b)->pc);
}

/* Did a frame's stack map give the word at as a live pointer? */
static int live_word(const struct mark_walk *a, uint64_t at)
{
	return bsearch(&at, a->live, a->nlive, sizeof(*a->live),
		       cmp_u64) != NULL;
}

/*
 * A local DWARF types at pcs[i]: a typed root in each frame at that pc
 * where every word of its pointers' prefix (a pointer, a slice's array,
 * an interface's two words: at most 16 bytes) is live by the frame's
 * stack map.  A dead local's slot holds what the stack held before, a
 * pointer the type would not fit.
 */
static int local_root(void *arg, size_t i, const struct godwarf_global *g)
{
	struct dwarf_roots *d = arg;
	struct mark_walk *a = d->a;
	uint64_t typ, need = 8, w;
	size_t k;

	if (global_type(a->p, g, &typ) <= 0)
		return 0;
	if (g->how == GODWARF_VALUE &&
	    (g->count != 1 || procmem_u64(&a->p->mem, typ + 8, &need) ||
	     !need || need > 16 || need % 8))
		return 0;
	for (k = d->first[i]; k < a->nfr && a->fr[k].pc == d->pc[i]; k++) {
		uint64_t at = a->fr[k].cfa + g->addr;

		for (w = 0; w < need && live_word(a, at + w); w += 8)
			;
		if (w < need)
			continue;
		a->hm->dwarf_locals++;
		if (gomark_type_root(a->m, at,
				     g->how == GODWARF_SLICE ? GOMARK_SLICE :
				     g->how == GODWARF_POINTER ?
				     GOMARK_POINTER : GOMARK_VALUE,
				     typ, g->count))
			return -2;
	}
	return 0;
}

/*
 * The distinct pcs of the stopped goroutines' frames, for DWARF's locals
 * (the live words and the frames sorted first).  0, or -1 when out of
 * memory.
 */
static int local_pcs(struct mark_walk *a, struct dwarf_roots *d)
{
	size_t k;

	if (a->nomem)
		return -1;
	if (!a->nfr || !a->nlive)
		return 0;
	qsort(a->live, a->nlive, sizeof(*a->live), cmp_u64);
	qsort(a->fr, a->nfr, sizeof(*a->fr), cmp_frame_pc);
	d->pc = malloc(a->nfr * sizeof(*d->pc));
	d->first = malloc(a->nfr * sizeof(*d->first));
	if (!d->pc || !d->first)
		return -1;
	for (k = 0; k < a->nfr; k++) {
		if (d->npc && d->pc[d->npc - 1] == a->fr[k].pc)
			continue;
		d->pc[d->npc] = a->fr[k].pc;
		d->first[d->npc++] = k;
	}
	return 0;
}

void heap_mark(struct goproc *p, const struct goheap_stats *s,
	       struct heap_mark *hm)
{
	heap_mark_each(p, s, hm, NULL, NULL);
}

/* heap_retained's dominators, run beside the types when they can be
 * (gomark_dominators_begin) */
struct dom_side {
	struct gomark_dom_stats *ds;
	int began;		/* and ended by mark_run: r and why */
	int r;			/* gomark_dominators() */
	char why[256];
};

/*
 * The mark from every root into hm (and, types, the types carried);
 * track (heap why's query): the paths kept (gomark_track), and DWARF's
 * globals in track->globals; dom (heap_retained): the roots' objects
 * kept (gomark_retain), and the dominators built beside the types when
 * they can be (dom->began).  The mark, for the caller to query and
 * free, or NULL with hm->why.
 */

static struct gomark *mark_run(struct goproc *p, const struct goheap_stats *s,
			       struct heap_mark *hm, struct heap_why_q *track,
			       int types, struct dom_side *dom)
{
	struct gomark_dom_run *run = NULL;
	struct mark_walk a = { .p = p, .hm = hm };
	struct gomark *m;
	int dwarf;

	memset(hm, 0, sizeof(*hm));
	/* DWARF when the layouts came from it (not --no-dwarf) */
	dwarf = p->dwarf_path[0] && !strcmp(p->layout.source, "DWARF") &&
		p->md.types;
	a.locals = types && dwarf;
	if (!s->spans.done || s->spans.partial[0]) {
		snprintf(hm->why, sizeof(hm->why),
			 "the heap's spans were not all read");
		return NULL;
	}
	elfcore_will_read_most(&p->core);
	m = gomark_new(p, s->mheap, hm->why, sizeof(hm->why));
	if (!m)
		return NULL;
	if ((track && gomark_track(m)) || (dom && gomark_retain(m))) {
		snprintf(hm->why, sizeof(hm->why),
			 track ? "out of memory for the paths" :
			 "out of memory for the roots' objects");
		gomark_free(m);
		return NULL;
	}
	a.m = m;
	if (caller_roots(&a))
		snprintf(hm->why, sizeof(hm->why),
			 "out of memory while walking the goroutines");
	gomark_finish(m, &hm->st);
	if (dom && !hm->why[0]) {
		run = gomark_dominators_begin(m, dom->ds, dom->why,
					      sizeof(dom->why));
		dom->began = run != NULL;
	}
	if (types && !hm->why[0]) {
		struct dwarf_roots d = { p, m, hm, &a, NULL, NULL, 0, track };

		if (!dwarf && p->dwarf_missing[0])
			snprintf(hm->dwarf_why, sizeof(hm->dwarf_why), "%s",
				 p->dwarf_missing);
		if (dwarf && local_pcs(&a, &d))
			snprintf(hm->why, sizeof(hm->why),
				 "out of memory for the typed locals");
		else if (dwarf &&
			 golayout_dwarf_roots(p->dwarf_path, dwarf_root, d.pc,
					      d.npc, local_root, &d,
					      hm->dwarf_why,
					      sizeof(hm->dwarf_why)) == -2)
			snprintf(hm->why, sizeof(hm->why),
				 "out of memory for the typed roots");
		else if (gomark_types(m, &hm->ty))
			snprintf(hm->why, sizeof(hm->why),
				 "out of memory while carrying the types");
		hm->typed = 1;
		free(d.pc);
		free(d.first);
	}
	if (run)
		dom->r = gomark_dominators_end(run);
	free(a.fr);
	free(a.live);
	hm->done = !hm->why[0];
	if (!hm->st.partial[0] && hm->stacks_unread)
		snprintf(hm->st.partial, sizeof(hm->st.partial),
			 "%llu goroutines' stacks were not read",
			 (unsigned long long)hm->stacks_unread);
	return m;
}

void heap_mark_each(struct goproc *p, const struct goheap_stats *s,
		    struct heap_mark *hm,
		    int (*fn)(void *arg, const struct gomark_object *o),
		    void *arg)
{
	struct gomark *m = mark_run(p, s, hm, NULL, fn != NULL, NULL);

	if (!m)
		return;
	if (fn && hm->done && gomark_each(m, fn, arg)) {
		snprintf(hm->why, sizeof(hm->why),
			 "out of memory while counting the objects");
		hm->done = 0;
	}
	gomark_free(m);
}

/* The objects of one type (heap why TYPE), by name. */
struct of_type {
	const struct goproc *p;
	const char *name;
	uint64_t typ, other;	/* the last descriptors matched, not */
	uint64_t *a;
	size_t n, cap;
};

static int of_type(void *arg, const struct gomark_object *o)
{
	struct of_type *t = arg;
	char name[256];

	if (!o->typ || o->typ == t->other)
		return 0;
	if (o->typ != t->typ) {
		if (gotype_name(t->p, o->typ, name, sizeof(name)) ||
		    strcmp(name, t->name)) {
			t->other = o->typ;
			return 0;
		}
		t->typ = o->typ;
	}
	if (t->n == t->cap) {
		size_t c = t->cap ? t->cap * 2 : 256;
		uint64_t *a = realloc(t->a, c * sizeof(*a));

		if (!a)
			return -1;
		t->a = a;
		t->cap = c;
	}
	t->a[t->n++] = o->addr;
	return 0;
}

#define ALL_HOPS	4096	/* hops of each other path */

/* The words that point at the object: at most 16 per path asked for. */
struct words {
	uint64_t *w;
	size_t n, max;
	struct goproc *p;
	int nomem;
};

/* The stacks and registers again, for gomark_pointers_to: their words
 * come back as their sources (a goroutine's frame, a thread). */
static void find_roots(void *arg, struct gomark *m)
{
	struct words *ws = arg;
	struct heap_mark scratch;
	struct mark_walk a = { .p = ws->p, .m = m, .hm = &scratch };

	memset(&scratch, 0, sizeof(scratch));
	if (caller_roots(&a))
		ws->nomem = 1;
}

static int add_word(void *arg, uint64_t word)
{
	struct words *ws = arg;

	ws->w[ws->n++] = word;
	return ws->n == ws->max;
}

static int cmp_path(const void *a, const void *b)
{
	const struct heap_why_path *x = a, *y = b;

	return (x->n > y->n) - (x->n < y->n);
}

/* The other paths: through each object, global, goroutine's frame or
 * thread that points at the object (hops[n - 1] of the shortest, whose
 * root is root), but the shortest's own. */
static int other_paths(struct goproc *p, struct gomark *m,
		       struct heap_why_q *q, const struct gomark_hop *hops,
		       int n, uint64_t root)
{
	struct words ws = { NULL, 0, 16 * q->all, p, 0 };
	size_t i, j;
	int r = -1;

	ws.w = malloc(ws.max * sizeof(*ws.w));
	q->paths = calloc(ws.max, sizeof(*q->paths));
	if (!ws.w || !q->paths)
		goto out;
	if (gomark_pointers_to(m, hops[n - 1].addr, find_roots, add_word,
			       &ws) < 0 || ws.nomem)
		goto out;
	for (i = 0; i < ws.n; i++) {
		struct heap_why_path *pa = &q->paths[q->npaths];
		uint64_t from;	/* what points at the object */
		int k, dup;

		pa->hops = malloc(ALL_HOPS * sizeof(*pa->hops));
		if (!pa->hops)
			goto out;
		k = gomark_path(m, ws.w[i], pa->hops, ALL_HOPS - 1, &pa->root);
		if (k == -2) {		/* a global's word, or a root's source */
			k = 0;
			pa->root = from = ws.w[i];
			dup = n == 1 && root == from;
		} else if (k > 0) {
			from = pa->hops[k - 1].addr;
			pa->hops[k - 1].off = ws.w[i] - from;
			dup = n > 1 && hops[n - 2].addr == from;
			/* an object reached only through the object itself
			 * (a list's next node, by its prev) is no path to it */
			for (j = 0; !dup && j < (size_t)k; j++)
				dup = pa->hops[j].addr == hops[n - 1].addr;
		} else {
			free(pa->hops);
			pa->hops = NULL;
			continue;
		}
		/* two words of one object: one path */
		for (j = 0; !dup && j < q->npaths; j++)
			dup = q->paths[j].n > 1 ?
			      q->paths[j].hops[q->paths[j].n - 2].addr == from :
			      q->paths[j].root == from;
		if (dup) {
			free(pa->hops);
			pa->hops = NULL;
			continue;
		}
		pa->hops[k] = hops[n - 1];
		pa->n = k + 1;
		q->npaths++;
	}
	if (q->npaths)
		qsort(q->paths, q->npaths, sizeof(*q->paths), cmp_path);
	while (q->npaths > q->all - 1)
		free(q->paths[--q->npaths].hops);
	r = 0;
out:
	free(ws.w);
	return r;
}

void heap_why_free(struct heap_why_q *q)
{
	size_t i;

	for (i = 0; q->paths && i < q->npaths; i++)
		free(q->paths[i].hops);
	free(q->paths);
	q->paths = NULL;
	q->npaths = 0;
	free(q->globals);
	q->globals = NULL;
	q->nglobals = q->capglobals = 0;
}

int heap_why(struct goproc *p, const struct goheap_stats *s,
	     struct heap_mark *hm, struct heap_why_q *q,
	     struct gomark_hop *hops, size_t max, uint64_t *root)
{
	struct gomark *m = mark_run(p, s, hm, q, 1, NULL);
	struct of_type t = { p, q->type, 0, 0, NULL, 0, 0 };
	size_t i;
	int n;

	if (!m)
		return -3;
	if (!hm->done) {
		gomark_free(m);
		return -3;
	}
	if (!q->type) {
		n = gomark_path(m, q->addr, hops, max, root);
		goto out;
	}
	/* TYPE: the object of it nearest the roots (each chain read only
	 * as far as the best so far) */
	if (gomark_each(m, of_type, &t)) {
		snprintf(hm->why, sizeof(hm->why),
			 "out of memory for the objects of %s", q->type);
		hm->done = 0;
		n = -3;
		goto out;
	}
	q->objects = t.n;
	q->addr = 0;
	n = -2;
	for (i = 0; i < t.n; i++) {
		uint64_t r;
		int k = gomark_path(m, t.a[i], hops, n > 0 ? (size_t)n - 1 : max,
				    &r);

		if (k > 0) {
			q->addr = t.a[i];
			n = k;
			if (k == 1)
				break;
		}
	}
	/* the chain of the one found, again into hops */
	if (q->addr)
		n = gomark_path(m, q->addr, hops, max, root);
out:
	if (n > 0 && q->all > 1 && other_paths(p, m, q, hops, n, *root)) {
		snprintf(hm->why, sizeof(hm->why),
			 "out of memory for the other paths");
		hm->done = 0;
		n = -3;
	}
	free(t.a);
	gomark_free(m);
	return n;
}

uint64_t heap_dom_check;

int heap_retained(struct goproc *p, const struct goheap_stats *s,
		  struct heap_mark *hm, struct gomark_dom_stats *ds,
		  int (*enter)(void *arg, const struct gomark_object *o,
			       uint64_t retained, uint64_t depth),
		  void (*leave)(void *arg, uint64_t depth),
		  void *arg)
{
	struct dom_side dom = { .ds = ds };
	struct gomark *m;
	int r = -1;

	memset(ds, 0, sizeof(*ds));
	m = mark_run(p, s, hm, NULL, 1, &dom);
	if (!m)
		return -1;
	if (hm->done && !dom.began)
		dom.r = gomark_dominators(m, ds, dom.why, sizeof(dom.why));
	if (hm->done && dom.r) {
		snprintf(hm->why, sizeof(hm->why), "%s", dom.why);
		hm->done = 0;
	}
	if (hm->done && heap_dom_check &&
	    gomark_dom_check(m, heap_dom_check, hm->why, sizeof(hm->why)) < 0)
		hm->done = 0;
	if (hm->done) {
		r = gomark_dom_walk(m, enter, leave, arg);
		if (r == -1) {
			snprintf(hm->why, sizeof(hm->why),
				 "out of memory while walking the dominator tree");
			hm->done = 0;
		}
	}
	gomark_free(m);
	return hm->done ? r : -1;
}
