// SPDX-License-Identifier: GPL-2.0
/*
 * print_waits.c - gocap goroutines --waits: the blocked goroutines grouped
 * by what they wait on (go/gowait.h), the objects with the most waiters
 * first; for a channel its len, cap, whether it is closed, and how many
 * receivers and senders its queues hold; for a sync.Mutex whether it is
 * locked and how many waiters its state counts; for a sync.Cond how many
 * sudogs its list holds and its L; for a network poller wait the file
 * descriptor; all sleeps are one object, with the range of their wake-up
 * times.  The goroutines whose object is not read are grouped by why, and
 * counted as unknown.
 *
 * For each channel waited on, the other goroutines' stacks are searched
 * for its address, the goroutines waiting on that channel left out: the
 * words the runtime's stack maps say hold live pointers
 * (go/gostackmap.h), and every word of a frame or stack whose maps cannot
 * be read.  None found is sure for stacks (the heap, globals and the
 * registers of running goroutines are not searched) and marks a likely
 * leak; a word taken whole may be a dead slot, so "held" can still be
 * wrong there, the safe way.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "core/json.h"
#include "go/gostackmap.h"
#include "go/gowait.h"
#include "gocap/group.h"
#include "gocap/print.h"

struct wobj {
	struct gowait w;
	uint64_t *goids;
	size_t n, cap;
	uint64_t first_seen;
	int64_t when_min, when_max;	/* GOWAIT_SLEEP: over the members */
};

/* A channel waited on, and the other goroutines whose stacks hold it. */
#define HOLDERS_KEPT	8

struct chanref {
	uint64_t addr;
	struct gochan c;	/* read once: a queue can be long */
	int in_core;
	uint64_t nholders, last;	/* last: the latest holder's goid */
	uint64_t holders[HOLDERS_KEPT];
};

struct waits {
	const struct goproc *p;
	struct chanref *refs;	/* sorted by addr */
	size_t nrefs;
	uint64_t stacks_unread;	/* goroutines whose stack was not read */
	struct gostackmap_stats maps;	/* frames read by their maps */
	uint64_t first_unread;	/* the first one's goid */
	const struct triage_print *o_print;
	struct gosemas sems;
	struct wobj *o;
	size_t no, cap;
	size_t *index;		/* open addressing: object index + 1, 0 free */
	size_t indexcap;
	uint64_t walked, kept, blocked, known, dead, unreadable;
};

static uint64_t wait_hash(const struct gowait *w)
{
	uint64_t h = 1469598103934665603ull ^ w->kind;
	const unsigned char *s;
	uint32_t i;

	for (i = 0; i < w->nchans; i++)
		h = (h ^ w->chans[i]) * 1099511628211ull;
	h = (h ^ w->more) * 1099511628211ull;
	h = (h ^ w->addr) * 1099511628211ull;
	if (w->kind == GOWAIT_UNKNOWN)
		for (s = (const unsigned char *)w->why; *s; s++)
			h = (h ^ *s) * 1099511628211ull;
	return h ^ (h >> 29);
}

static int regrow(struct waits *ws)
{
	size_t cap = ws->indexcap ? ws->indexcap * 2 : 256, i, j;
	size_t *ix = calloc(cap, sizeof(*ix));

	if (!ix)
		return -1;
	for (i = 0; i < ws->no; i++) {
		j = wait_hash(&ws->o[i].w) & (cap - 1);
		while (ix[j])
			j = (j + 1) & (cap - 1);
		ix[j] = i + 1;
	}
	free(ws->index);
	ws->index = ix;
	ws->indexcap = cap;
	return 0;
}

static struct wobj *obj_for(struct waits *ws, const struct gowait *w)
{
	size_t j;

	if ((ws->no + 1) * 2 > ws->indexcap && regrow(ws))
		return NULL;
	for (j = wait_hash(w) & (ws->indexcap - 1); ws->index[j];
	     j = (j + 1) & (ws->indexcap - 1))
		if (gowait_same(&ws->o[ws->index[j] - 1].w, w))
			return &ws->o[ws->index[j] - 1];
	if (ws->no == ws->cap) {
		size_t cap = ws->cap ? ws->cap * 2 : 64;
		struct wobj *o = realloc(ws->o, cap * sizeof(*o));

		if (!o)
			return NULL;
		ws->o = o;
		ws->cap = cap;
	}
	memset(&ws->o[ws->no], 0, sizeof(ws->o[0]));
	ws->o[ws->no].w = *w;
	ws->o[ws->no].first_seen = ws->no;
	ws->index[j] = ++ws->no;
	return &ws->o[ws->no - 1];
}

static int take(struct waits *ws, const struct goroutine *g,
		const struct triage_print *o)
{
	struct gowait w;
	struct wobj *ob;

	ws->walked++;
	if (!gfilters_match(o->filters, ws->p, o->now, g))
		return 0;
	ws->kept++;
	gowait_of(ws->p, &ws->sems, g, &w);
	if (w.kind == GOWAIT_NONE)
		return 0;
	ws->blocked++;
	if (w.kind != GOWAIT_UNKNOWN)
		ws->known++;
	ob = obj_for(ws, &w);
	if (!ob)
		return -1;
	if (ob->n == ob->cap) {
		size_t cap = ob->cap ? ob->cap * 2 : 4;
		uint64_t *ids = realloc(ob->goids, cap * sizeof(*ids));

		if (!ids)
			return -1;
		ob->goids = ids;
		ob->cap = cap;
	}
	if (w.kind == GOWAIT_SLEEP) {
		if (!ob->n || w.when < ob->when_min)
			ob->when_min = w.when;
		if (!ob->n || w.when > ob->when_max)
			ob->when_max = w.when;
	}
	ob->goids[ob->n++] = g->goid;
	return 0;
}

/* Known objects first, then by waiters, then as first met. */
static int obj_order(const void *a, const void *b)
{
	const struct wobj *x = a, *y = b;
	int ux = x->w.kind == GOWAIT_UNKNOWN, uy = y->w.kind == GOWAIT_UNKNOWN;

	if (ux != uy)
		return ux - uy;
	if (x->n != y->n)
		return x->n > y->n ? -1 : 1;
	return x->first_seen < y->first_seen ? -1 :
	       x->first_seen > y->first_seen;
}

static int scan_stacks(struct waits *ws, struct goproc *p);

static int take_one(void *arg, const struct goroutine *g)
{
	struct waits *ws = arg;

	return take(ws, g, ws->o_print);
}

/* The crashed goroutine first, then allgs, as goroutines prints them. */
static int waits_build(struct waits *ws, struct goproc *p,
		       const struct triage_print *o)
{
	struct triage_counts c = { 0 };
	struct gocrash crash;

	memset(ws, 0, sizeof(*ws));
	ws->p = p;
	ws->o_print = o;
	if (gosemas_read(p, &ws->sems) ||
	    triage_walk(p, &crash, &c, take_one, ws))
		return -1;
	ws->dead = c.dead;
	ws->unreadable = c.unreadable;
	if (ws->no)
		qsort(ws->o, ws->no, sizeof(*ws->o), obj_order);
	return scan_stacks(ws, p);
}

static int cmp_ref(const void *a, const void *b)
{
	const struct chanref *x = a, *y = b;

	return x->addr < y->addr ? -1 : x->addr > y->addr;
}

static struct chanref *ref_find(const struct waits *ws, uint64_t v)
{
	struct chanref key = { .addr = v };

	return ws->nrefs ? bsearch(&key, ws->refs, ws->nrefs,
				   sizeof(ws->refs[0]), cmp_ref) : NULL;
}

/* What one stack's scan needs: the goroutine and its own channels. */
struct holder_scan {
	struct waits *ws;
	const struct goroutine *g;
	const struct gowait *w;
};

static int holder_word(void *arg, uint64_t v)
{
	struct holder_scan *h = arg;
	struct chanref *r = ref_find(h->ws, v);
	uint32_t k;

	if (!r)
		return 0;
	for (k = 0; k < h->w->nchans; k++)
		if (h->w->chans[k] == r->addr)
			return 0;	/* a waiter of its own */
	if (r->nholders && r->last == h->g->goid)
		return 0;		/* counted already */
	if (r->nholders < HOLDERS_KEPT)
		r->holders[r->nholders] = h->g->goid;
	r->nholders++;
	r->last = h->g->goid;
	return 0;
}

/* Search g's stack for the channels (see the top). */
static int scan_one(void *arg, const struct goroutine *g)
{
	struct waits *ws = arg;
	struct holder_scan h = { .ws = ws, .g = g };
	struct gowait w;

	if (g->status == G_DEAD)
		return 0;
	gowait_of(ws->p, &ws->sems, g, &w);
	h.w = &w;
	if (gostackmap_scan(ws->p, g, GOSTACKMAP_ALL_OBJECTS, holder_word,
			    &h, &ws->maps) < 0 &&
	    !ws->stacks_unread++)
		ws->first_unread = g->goid;
	return 0;
}

/* The channels of the objects, and the stacks that hold them. */
static int scan_stacks(struct waits *ws, struct goproc *p)
{
	struct triage_counts c = { 0 };
	struct gocrash crash;
	size_t i, n = 0;
	uint32_t k;

	for (i = 0; i < ws->no; i++)
		n += ws->o[i].w.nchans;
	if (!n)
		return 0;
	ws->refs = calloc(n, sizeof(*ws->refs));
	if (!ws->refs)
		return -1;
	for (i = 0; i < ws->no; i++)
		for (k = 0; k < ws->o[i].w.nchans; k++)
			ws->refs[ws->nrefs++].addr = ws->o[i].w.chans[k];
	if (ws->nrefs)
		qsort(ws->refs, ws->nrefs, sizeof(*ws->refs), cmp_ref);
	for (i = n = 0; i < ws->nrefs; i++)
		if (!n || ws->refs[n - 1].addr != ws->refs[i].addr)
			ws->refs[n++] = ws->refs[i];
	ws->nrefs = n;
	for (i = 0; i < n; i++)
		ws->refs[i].in_core = !gochan_read(p, ws->refs[i].addr,
						   &ws->refs[i].c);
	return triage_walk(p, &crash, &c, scan_one, ws);
}

static void waits_free(struct waits *ws)
{
	size_t i;

	for (i = 0; i < ws->no; i++)
		free(ws->o[i].goids);
	free(ws->o);
	free(ws->index);
	free(ws->refs);
	gosemas_free(&ws->sems);
}

static void holders_text(FILE *f, const struct waits *ws, uint64_t addr,
			 const char *indent)
{
	const struct chanref *r = ref_find(ws, addr);
	uint64_t i;

	if (!r)
		return;
	if (ws->stacks_unread) {
		fprintf(f, "%s  other stacks: unknown (%" PRIu64
			" not read, goroutine %" PRIu64 "'s the first)\n",
			indent, ws->stacks_unread, ws->first_unread);
		return;
	}
	if (!r->nholders) {
		fprintf(f, "%s  no other goroutine's stack holds it (leaked?)\n",
			indent);
		return;
	}
	fprintf(f, "%s  also on the stack of goroutine%s ", indent,
		r->nholders == 1 ? "" : "s");
	for (i = 0; i < r->nholders && i < HOLDERS_KEPT; i++)
		fprintf(f, "%s%" PRIu64, i ? ", " : "", r->holders[i]);
	if (r->nholders > HOLDERS_KEPT)
		fprintf(f, " and %" PRIu64 " more", r->nholders - HOLDERS_KEPT);
	fputc('\n', f);
}

/* Time from the crash to t, when the crash's nanotime is known. */
static int left_of(const struct waits *ws, int64_t t, int64_t *left)
{
	const struct gonow *now = ws->o_print ? ws->o_print->now : NULL;

	if (!now || now->src == GONOW_NONE)
		return -1;
	*left = t - now->ns;
	return 0;
}

static void left_text(char *buf, size_t len, int64_t left)
{
	char d[32];

	fmt_dur(left < 0 ? -left : left, d, sizeof(d));
	snprintf(buf, len, "%s%s", d, left < 0 ? " overdue" : "");
}

/* The channel at addr as read once by scan_stacks(): 0, or -1. */
static int chan_of(const struct waits *ws, uint64_t addr, struct gochan *c)
{
	const struct chanref *r = ref_find(ws, addr);

	if (!r || !r->in_core)
		return -1;
	*c = r->c;
	return 0;
}

static void chan_text(FILE *f, const struct waits *ws, uint64_t addr,
		      const char *indent)
{
	struct gochan c = { 0 };

	if (chan_of(ws, addr, &c)) {
		fprintf(f, "%schan %#" PRIx64 " (not in the core)\n", indent,
			addr);
		return;
	}
	fprintf(f, "%schan %#" PRIx64 " (cap %" PRIu64 ", len %" PRIu64
		"%s): %" PRIu64 " receiver%s, %" PRIu64 " sender%s", indent,
		addr, c.cap, c.len, c.closed ? ", closed" : "", c.nrecv,
		c.nrecv == 1 ? "" : "s", c.nsend, c.nsend == 1 ? "" : "s");
	if (c.timer) {
		int64_t left;
		char t[48];

		if (!c.timer_when)
			fputs("; a timer's, stopped", f);
		else if (left_of(ws, c.timer_when, &left))
			fprintf(f, "; a timer's, firing at nanotime %" PRId64,
				c.timer_when);
		else {
			left_text(t, sizeof(t), left);
			fprintf(f, "; a timer's, firing %s after the crash", t);
		}
	}
	fputc('\n', f);
}

/* "sleep: waking 59m58s to 59m59s after the crash" */
static void sleep_text(FILE *f, const struct waits *ws, const struct wobj *ob)
{
	int64_t lo, hi;
	char a[48], b[48];

	if (left_of(ws, ob->when_min, &lo) || left_of(ws, ob->when_max, &hi)) {
		fprintf(f, "sleep: waking at nanotime %" PRId64 " to %" PRId64
			" (the crash's time is not known)\n", ob->when_min,
			ob->when_max);
		return;
	}
	left_text(a, sizeof(a), lo);
	left_text(b, sizeof(b), hi);
	if (!strcmp(a, b))
		fprintf(f, "sleep: waking %s after the crash\n", a);
	else
		fprintf(f, "sleep: waking %s to %s after the crash\n", a, b);
}

/* full: the object's lines and its members; else its first line only. */
static void obj_text(FILE *f, const struct waits *ws, const struct wobj *ob,
		     int full)
{
	const struct goproc *p = ws->p;
	char ids[512];
	uint32_t i;

	triage_ranges(ob->goids, ob->n, ids, sizeof(ids));
	switch (ob->w.kind) {
	case GOWAIT_CHAN_RECV:
	case GOWAIT_CHAN_SEND:
		chan_text(f, ws, ob->w.chans[0], "");
		if (full)
			holders_text(f, ws, ob->w.chans[0], "");
		break;
	case GOWAIT_SELECT:
		fprintf(f, "select on %u channel%s", ob->w.nchans + ob->w.more,
			ob->w.nchans + ob->w.more == 1 ? "" : "s");
		if (ob->w.more)
			fprintf(f, " (%u shown)", ob->w.nchans);
		if (!full) {
			for (i = 0; i < ob->w.nchans; i++)
				fprintf(f, "%s%#" PRIx64, i ? ", " : ": ",
					ob->w.chans[i]);
			fputc('\n', f);
			return;
		}
		fputs(":\n", f);
		for (i = 0; i < ob->w.nchans; i++) {
			chan_text(f, ws, ob->w.chans[i], "  ");
			holders_text(f, ws, ob->w.chans[i], "  ");
		}
		break;
	case GOWAIT_MUTEX: {
		uint32_t waiters;
		int locked;

		fprintf(f, "sync.Mutex %#" PRIx64, ob->w.addr);
		if (!gomutex_read(p, ob->w.addr, &locked, &waiters))
			fprintf(f, " (%s, %" PRIu32 " waiter%s)",
				locked ? "locked" : "unlocked", waiters,
				waiters == 1 ? "" : "s");
		fputc('\n', f);
		break;
	}
	case GOWAIT_RWMUTEX_R:
	case GOWAIT_RWMUTEX_W:
		fprintf(f, "sync.RWMutex %#" PRIx64 " (%s)\n", ob->w.addr,
			ob->w.kind == GOWAIT_RWMUTEX_R ? "RLock" : "Lock");
		break;
	case GOWAIT_WAITGROUP:
		fprintf(f, "sync.WaitGroup %#" PRIx64 "\n", ob->w.addr);
		break;
	case GOWAIT_SEMA:
		fprintf(f, "semaphore %#" PRIx64 "\n", ob->w.addr);
		break;
	case GOWAIT_COND:
		fprintf(f, "sync.Cond %#" PRIx64 " (%" PRIu64 " waiter%s on its list, L %#" PRIx64 ")\n",
			ob->w.addr, ob->w.nlist, ob->w.nlist == 1 ? "" : "s",
			ob->w.locker);
		break;
	case GOWAIT_SLEEP:
		sleep_text(f, ws, ob);
		break;
	case GOWAIT_NET_READ:
	case GOWAIT_NET_WRITE:
		fprintf(f, "netpoll fd %" PRIu64 " (%s), pollDesc %#" PRIx64 "\n",
			ob->w.fd, ob->w.kind == GOWAIT_NET_READ ? "read" : "write",
			ob->w.addr);
		break;
	default:
		fprintf(f, "unknown: %s\n", ob->w.why);
		break;
	}
	if (!full)
		return;
	fprintf(f, "\t%zu goroutine%s [%s]: %s\n", ob->n,
		ob->n == 1 ? "" : "s", gowait_kind_name(ob->w.kind), ids);
}

static json_t *holders_json(const struct waits *ws, uint64_t addr)
{
	const struct chanref *r = ref_find(ws, addr);
	json_t *o, *a;
	uint64_t i;
	int bad = 0;

	if (!r || ws->stacks_unread)
		return json_null();
	o = json_object();
	a = json_array();
	if (!o || !a) {
		json_decref(o);
		json_decref(a);
		return NULL;
	}
	js_put(o, "count", json_integer((json_int_t)r->nholders), &bad);
	for (i = 0; i < r->nholders && i < HOLDERS_KEPT; i++)
		if (json_array_append_new(a, json_integer((json_int_t)r->holders[i])))
			bad = 1;
	js_put(o, "goids", a, &bad);
	if (bad) {
		json_decref(o);
		return NULL;
	}
	return o;
}

/* false (no timer), or {"address", "when_ns" (null: stopped), "left_ns"} */
static json_t *timer_json(const struct waits *ws, const struct gochan *c)
{
	json_t *o;
	int64_t left;
	int bad = 0;

	if (!c->timer)
		return json_false();
	o = json_object();
	if (!o)
		return NULL;
	js_put(o, "address", js_hex(c->timer), &bad);
	js_put(o, "when_ns", c->timer_when ? json_integer(c->timer_when) :
	       json_null(), &bad);
	js_put(o, "left_ns", c->timer_when && !left_of(ws, c->timer_when, &left) ?
	       json_integer(left) : json_null(), &bad);
	if (bad) {
		json_decref(o);
		return NULL;
	}
	return o;
}

static json_t *chan_json(const struct waits *ws, uint64_t addr)
{
	json_t *o = json_object();
	struct gochan c = { 0 };
	int bad = !o, known;

	if (bad)
		return NULL;
	known = !chan_of(ws, addr, &c);
	js_put(o, "address", js_hex(addr), &bad);
	js_put(o, "in_core", json_boolean(known), &bad);
	js_put(o, "cap", known ? json_integer((json_int_t)c.cap) :
	       json_null(), &bad);
	js_put(o, "len", known ? json_integer((json_int_t)c.len) :
	       json_null(), &bad);
	js_put(o, "closed", known ? json_boolean(c.closed) : json_null(),
	       &bad);
	js_put(o, "receivers", known ? json_integer((json_int_t)c.nrecv) :
	       json_null(), &bad);
	js_put(o, "senders", known ? json_integer((json_int_t)c.nsend) :
	       json_null(), &bad);
	js_put(o, "stack_holders", holders_json(ws, addr), &bad);
	js_put(o, "timer", known && c.timer_known ? timer_json(ws, &c) :
	       json_null(), &bad);
	if (bad) {
		json_decref(o);
		return NULL;
	}
	return o;
}

/* {"until_ns": [first, last] (nanotime), "left_ns": [..] or null} */
static json_t *sleep_json(const struct waits *ws, const struct wobj *ob)
{
	json_t *o = json_object(), *u = json_array(), *l;
	int64_t lo, hi;
	int bad = !o || !u;

	if (u && (json_array_append_new(u, json_integer(ob->when_min)) ||
		  json_array_append_new(u, json_integer(ob->when_max))))
		bad = 1;
	js_put(o, "until_ns", u, &bad);
	if (!left_of(ws, ob->when_min, &lo) && !left_of(ws, ob->when_max, &hi)) {
		l = json_array();
		if (!l || json_array_append_new(l, json_integer(lo)) ||
		    json_array_append_new(l, json_integer(hi)))
			bad = 1;
		js_put(o, "left_ns", l, &bad);
	} else {
		js_put(o, "left_ns", json_null(), &bad);
	}
	if (bad) {
		json_decref(o);
		return NULL;
	}
	return o;
}

static json_t *obj_json(const struct waits *ws, const struct wobj *ob,
			int with_ids)
{
	const struct goproc *p = ws->p;
	json_t *o = json_object(), *a;
	char ids[4096];
	int bad = !o;
	size_t i;

	if (bad)
		return NULL;
	js_put(o, "kind", js_text(gowait_kind_name(ob->w.kind)), &bad);
	a = json_array();
	for (i = 0; a && i < ob->w.nchans; i++)
		if (json_array_append_new(a, chan_json(ws, ob->w.chans[i])))
			bad = 1;
	js_put(o, "channels", a, &bad);
	js_put(o, "more_cases", json_integer(ob->w.more), &bad);
	if (ob->w.addr) {
		uint32_t waiters;
		int locked;

		js_put(o, "address", js_hex(ob->w.addr), &bad);
		js_put(o, "semaphore", ob->w.sema ? js_hex(ob->w.sema) :
		       json_null(), &bad);
		if (ob->w.kind == GOWAIT_MUTEX &&
		    !gomutex_read(p, ob->w.addr, &locked, &waiters)) {
			js_put(o, "locked", json_boolean(locked), &bad);
			js_put(o, "waiters", json_integer(waiters), &bad);
		} else if (ob->w.kind == GOWAIT_COND) {
			js_put(o, "locked", json_null(), &bad);
			js_put(o, "waiters",
			       json_integer((json_int_t)ob->w.nlist), &bad);
		} else {
			js_put(o, "locked", json_null(), &bad);
			js_put(o, "waiters", json_null(), &bad);
		}
	} else {
		js_put(o, "address", json_null(), &bad);
		js_put(o, "semaphore", json_null(), &bad);
		js_put(o, "locked", json_null(), &bad);
		js_put(o, "waiters", json_null(), &bad);
	}
	js_put(o, "why", ob->w.kind == GOWAIT_UNKNOWN ? js_text(ob->w.why) :
	       json_null(), &bad);
	js_put(o, "locker", ob->w.kind == GOWAIT_COND ?
	       js_hex(ob->w.locker) : json_null(), &bad);
	js_put(o, "fd", ob->w.kind == GOWAIT_NET_READ ||
	       ob->w.kind == GOWAIT_NET_WRITE ?
	       json_integer((json_int_t)ob->w.fd) : json_null(), &bad);
	js_put(o, "sleep", ob->w.kind == GOWAIT_SLEEP ? sleep_json(ws, ob) :
	       json_null(), &bad);
	js_put(o, "count", json_integer((json_int_t)ob->n), &bad);
	triage_ranges(ob->goids, ob->n, ids, sizeof(ids));
	js_put(o, "goid_ranges", js_text(ids), &bad);
	if (with_ids) {
		a = json_array();
		for (i = 0; a && i < ob->n; i++)
			if (json_array_append_new(a, json_integer((json_int_t)ob->goids[i])))
				bad = 1;
		js_put(o, "goids", a, &bad);
	}
	if (bad) {
		json_decref(o);
		return NULL;
	}
	return o;
}

/* How the stacks were searched for the channels' holders. */
static json_t *scan_json(const struct waits *ws)
{
	json_t *m = json_object();
	int bad = !m;

	js_put(m, "frames_by_map", json_integer((json_int_t)ws->maps.precise),
	       &bad);
	js_put(m, "taken_whole", json_integer((json_int_t)ws->maps.whole),
	       &bad);
	js_put(m, "stacks_unread", json_integer((json_int_t)ws->stacks_unread),
	       &bad);
	if (bad) {
		json_decref(m);
		return NULL;
	}
	return m;
}

int print_waits(struct goproc *p, FILE *f, const struct triage_print *o)
{
	struct waits ws;
	size_t i, nknown = 0;
	int ret = 0;

	if (waits_build(&ws, p, o)) {
		waits_free(&ws);
		return -1;
	}
	for (i = 0; i < ws.no; i++)
		nknown += ws.o[i].w.kind != GOWAIT_UNKNOWN;
	if (o->json) {
		struct js_stream js;

		js_begin_object(&js, f);
		js_member(&js, "go_version", js_text(p->go_version));
		js_member(&js, "goroutines", json_integer((json_int_t)ws.kept));
		js_member(&js, "walked", json_integer((json_int_t)ws.walked));
		js_member(&js, "blocked", json_integer((json_int_t)ws.blocked));
		js_member(&js, "blocked_known",
			  json_integer((json_int_t)ws.known));
		js_member(&js, "dead", json_integer((json_int_t)ws.dead));
		js_member(&js, "unreadable",
			  json_integer((json_int_t)ws.unreadable));
		js_member(&js, "stack_scan", scan_json(&ws));
		js_begin_array(&js, f, "objects");
		for (i = 0; i < ws.no; i++)
			js_element(&js, obj_json(&ws, &ws.o[i], 1));
		js_end_array(&js);
		js_member(&js, "warnings", print_warnings_json(p));
		ret = js_end(&js);
	} else {
		for (i = 0; i < ws.no; i++)
			obj_text(f, &ws, &ws.o[i], 1);
		fprintf(f, "\n# %" PRIu64 " goroutine%s, %" PRIu64
			" blocked: %" PRIu64 " on %zu known object%s, %" PRIu64
			" on objects not read\n", ws.kept,
			ws.kept == 1 ? "" : "s", ws.blocked, ws.known, nknown,
			nknown == 1 ? "" : "s", ws.blocked - ws.known);
	}
	if (o->st) {
		memset(o->st, 0, sizeof(*o->st));
		o->st->goroutines = ws.kept;
		o->st->dead = ws.dead;
		o->st->unreadable = ws.unreadable;
	}
	waits_free(&ws);
	return ret;
}

int print_waits_top(struct goproc *p, const struct triage_print *o,
		    size_t top, FILE *f, json_t **json)
{
	struct waits ws;
	size_t i, shown = 0;
	int bad = 0;

	if (json) {
		*json = json_array();
		if (!*json)
			return -1;
	}
	if (waits_build(&ws, p, o)) {
		waits_free(&ws);
		if (json) {
			json_decref(*json);
			*json = NULL;
		}
		return -1;
	}
	for (i = 0; i < ws.no && shown < top; i++) {
		if (ws.o[i].w.kind == GOWAIT_UNKNOWN)
			break;	/* they come last */
		shown++;
		if (json) {
			if (json_array_append_new(*json,
						  obj_json(&ws, &ws.o[i], 0)))
				bad = 1;
			continue;
		}
		fprintf(f, "  %8zu  ", ws.o[i].n);
		obj_text(f, &ws, &ws.o[i], 0);
	}
	if (!json) {
		size_t known = 0;

		for (i = 0; i < ws.no; i++)
			known += ws.o[i].w.kind != GOWAIT_UNKNOWN;
		if (!known)
			fputs("  none known\n", f);
		if (known > shown || ws.known < ws.blocked)
			fprintf(f, "  (%zu more objects; %" PRIu64
				" goroutines on objects not read: gocap goroutines --waits)\n",
				known - shown, ws.blocked - ws.known);
	}
	waits_free(&ws);
	return bad ? -1 : 0;
}
