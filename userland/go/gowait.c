// SPDX-License-Identifier: GPL-2.0
/*
 * gowait.c - what a blocked goroutine waits on (gowait.h).
 *
 * runtime/chan.go and runtime/select.go: before gopark, chanrecv and
 * chansend set gp.waiting to their one sudog, selectgo to the list of its
 * cases' sudogs (linked by waitlink, in lock order); each sudog has g = gp
 * and c = the channel.  From Go 1.26 sudog.c is a maybeTraceableChan
 * whose address is in its vu word (layout mtptr_vu); its vp word holds the
 * same pointer except while the goroutine leak profile's GC has made it
 * untraceable, so a core rarely tells the two apart (nor can the tests).  An hchan queues its
 * waiters' sudogs in recvq and sendq (waitq.first, linked by next).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/sort.h"
#include "go/goroutines.h"
#include "go/gostackmap.h"
#include "go/gowait.h"

const char *gowait_kind_name(enum gowait_kind k)
{
	switch (k) {
	case GOWAIT_NONE:
		return "none";
	case GOWAIT_UNKNOWN:
		return "unknown";
	case GOWAIT_CHAN_RECV:
		return "chan receive";
	case GOWAIT_CHAN_SEND:
		return "chan send";
	case GOWAIT_SELECT:
		return "select";
	case GOWAIT_MUTEX:
		return "sync.Mutex";
	case GOWAIT_RWMUTEX_R:
		return "sync.RWMutex (RLock)";
	case GOWAIT_RWMUTEX_W:
		return "sync.RWMutex (Lock)";
	case GOWAIT_WAITGROUP:
		return "sync.WaitGroup";
	case GOWAIT_SEMA:
		return "semaphore";
	case GOWAIT_COND:
		return "sync.Cond";
	case GOWAIT_SLEEP:
		return "sleep";
	case GOWAIT_NET_READ:
		return "netpoll read";
	case GOWAIT_NET_WRITE:
		return "netpoll write";
	}
	return "?";
}

int gowait_same(const struct gowait *a, const struct gowait *b)
{
	if (a->kind != b->kind || a->nchans != b->nchans ||
	    a->more != b->more || a->addr != b->addr || a->sema != b->sema)
		return 0;
	if (a->kind == GOWAIT_UNKNOWN)
		return !strcmp(a->why, b->why);
	return !memcmp(a->chans, b->chans, a->nchans * sizeof(a->chans[0]));
}

static void unknown(struct gowait *out, const char *why, const char *arg)
{
	out->kind = GOWAIT_UNKNOWN;
	out->nchans = 0;
	out->more = 0;
	snprintf(out->why, sizeof(out->why), "%s%s%s", why, arg ? arg : "",
		 arg ? "\"" : "");
}

static int have(uint32_t off)
{
	return off != GOLAYOUT_NONE;
}

/*
 * sudog.c and sudog.elem: a pointer, or (Go 1.26 on) {vp, vu} with the
 * address in vu.
 */
static int sudog_word(const struct goproc *p, uint64_t s, uint32_t off,
		      uint64_t *v)
{
	const struct golayout *l = &p->layout;

	return procmem_u64(&p->mem, s + off +
			   (have(l->mtptr_vu) ? l->mtptr_vu : 0), v);
}

static int sudog_chan(const struct goproc *p, uint64_t s, uint64_t *c)
{
	return sudog_word(p, s, p->layout.sudog_c, c);
}

/*
 * More sudogs than goroutines is a loop (or not sudogs at all); and never
 * more than SUDOG_MAX, whatever allglen says.
 */
#define SUDOG_MAX	(1u << 22)

static uint64_t sudog_bound(const struct goproc *p)
{
	return p->allglen && p->allglen < SUDOG_MAX ? p->allglen : SUDOG_MAX;
}

/*
 * The length of the list from head linked by the word at off: 0, or -1
 * when a link is not in the core, the list loops (Brent's cycle finding)
 * or is longer than max.
 */
static int list_len(const struct goproc *p, uint64_t head, uint32_t off,
		    uint64_t max, uint64_t *n)
{
	uint64_t mark = head, s = head, power = 1, lam = 0;

	for (*n = 0; s; ++*n) {
		if (*n >= max || procmem_u64(&p->mem, s + off, &s))
			return -1;
		if (s && s == mark)
			return -1;
		if (++lam == power) {
			mark = s;
			power *= 2;
			lam = 0;
		}
	}
	return 0;
}

static void chan_wait(const struct goproc *p, const struct goroutine *g,
		      enum gowait_kind kind, struct gowait *out)
{
	const struct golayout *l = &p->layout;
	uint64_t s, c, sg, n;

	if (!have(l->g_waiting) || !have(l->sudog_g) || !have(l->sudog_c) ||
	    !have(l->sudog_waitlink)) {
		unknown(out, "no sudog layout for Go release \"",
			p->go_version);
		return;
	}
	if (procmem_u64(&p->mem, g->addr + l->g_waiting, &s)) {
		unknown(out, "g.waiting is not in the core", NULL);
		return;
	}
	if (!s) {
		/* Woken, not yet running: the runtime clears g.waiting. */
		unknown(out, "g.waiting is empty (woken?)", NULL);
		return;
	}
	/* A select has at most 65536 cases (reflect.Select's bound). */
	if (list_len(p, s, l->sudog_waitlink, 1u << 16, &n)) {
		unknown(out, "g.waiting loops or is not in the core", NULL);
		return;
	}
	for (; s; ) {
		if (procmem_u64(&p->mem, s + l->sudog_g, &sg) ||
		    sudog_chan(p, s, &c)) {
			unknown(out, "a sudog of g.waiting is not in the core", NULL);
			return;
		}
		if (sg != g->addr || !c) {
			unknown(out, "a sudog of g.waiting is not this goroutine's channel wait", NULL);
			return;
		}
		if (kind != GOWAIT_SELECT) {
			out->kind = kind;
			out->chans[0] = c;
			out->nchans = 1;
			return;
		}
		if (out->nchans < GOWAIT_MAX_CASES)
			out->chans[out->nchans++] = c;
		else
			out->more++;
		if (procmem_u64(&p->mem, s + l->sudog_waitlink, &s)) {
			unknown(out, "a sudog of g.waiting is not in the core", NULL);
			return;
		}
	}
	out->kind = GOWAIT_SELECT;
	qsort(out->chans, out->nchans, sizeof(out->chans[0]), cmp_u64);
}

/* ---- the semaphore table -------------------------------------------- */

#define SEM_TAB_SIZE	251	/* runtime/sema.go semTabSize */
#define SEM_ENTRY	64	/* a semaRoot padded to a cache line (amd64) */
#define SEM_MAX_CANDS	256
#define SEM_MAX_FUNC	(256u << 10)

/* Offsets of the semaphores in the sync types (package sync, Go 1.19-1.27). */
#define MUTEX_SEMA		4	/* Mutex{state int32; sema uint32} */
#define RWMUTEX_WRITERSEM	8	/* RWMutex{w Mutex; writerSem; */
#define RWMUTEX_READERSEM	12	/*         readerSem; ...} */
#define WAITGROUP_SEMA		8	/* WaitGroup{state uint64; sema} */
#define MUTEX_WAITER_SHIFT	3	/* sync/mutex.go mutexWaiterShift */

struct cands {
	const struct goproc *p;
	uint64_t a[SEM_MAX_CANDS];
	size_t n;
};

static void add_cand(void *arg, uint64_t tgt, unsigned int kind)
{
	struct cands *c = arg;
	size_t i;

	/*
	 * semacquire1 indexes the table (&semtable[i].root): its address is
	 * taken (LEA), where the other globals it uses are loaded.  Fewer
	 * candidates read fewer pages, and fewer are kept in a minimised
	 * core.
	 */
	if (!(kind & ARCH_REF_ADDR) || tgt < c->p->md.noptrdata ||
	    tgt >= c->p->md.enoptrbss || (tgt & 7) || c->n >= SEM_MAX_CANDS)
		return;
	for (i = 0; i < c->n; i++)
		if (c->a[i] == tgt)
			return;
	c->a[c->n++] = tgt;
}

/* The waiters being collected, and the room for them. */
struct semacc {
	struct gosemas *s;
	size_t cap;
};

static int sem_push(struct semacc *acc, uint64_t g, uint64_t elem)
{
	struct gosemas *s = acc->s;

	if (s->n == acc->cap) {
		size_t nc = acc->cap ? acc->cap * 2 : 64;
		struct gosemwait *w = realloc(s->w, nc * sizeof(*w));

		if (!w)
			return -1;
		s->w = w;
		acc->cap = nc;
	}
	s->w[s->n].g = g;
	s->w[s->n].elem = elem;
	s->n++;
	return 0;
}

/*
 * Walk the treap of root i of the table at t (into acc, when not NULL).  1 when consistent, 0 when not (a sudog out of the core, in
 * the wrong root, without a g, or more sudogs than goroutines), -1 out
 * of memory.  *nodes counts the sudogs of the whole table.
 */
static int sem_root(const struct goproc *p, uint64_t t, unsigned int i,
		    struct semacc *acc, uint64_t *nodes)
{
	const struct golayout *l = &p->layout;
	uint64_t stack[64], root, bound = sudog_bound(p);
	unsigned int depth = 0;

	if (procmem_u64(&p->mem, t + (uint64_t)i * SEM_ENTRY +
			l->semaroot_treap, &root))
		return 0;
	if (root)
		stack[depth++] = root;
	while (depth) {
		uint64_t node = stack[--depth], w, elem, g, kid[2];
		int k;

		if ((node & 7) || sudog_word(p, node, l->sudog_elem, &elem) ||
		    (elem >> 3) % SEM_TAB_SIZE != i ||
		    procmem_u64(&p->mem, node + l->sudog_prev, &kid[0]) ||
		    procmem_u64(&p->mem, node + l->sudog_next, &kid[1]))
			return 0;
		/* The node and the waiters on its address after it. */
		for (w = node; w; ) {
			uint64_t e;

			if (++*nodes > bound ||
			    procmem_u64(&p->mem, w + l->sudog_g, &g) || !g ||
			    (g & 7) || sudog_word(p, w, l->sudog_elem, &e) ||
			    e != elem)
				return 0;
			if (acc && sem_push(acc, g, elem))
				return -1;
			if (procmem_u64(&p->mem, w + l->sudog_waitlink, &w))
				return 0;
		}
		for (k = 0; k < 2; k++) {
			if (!kid[k])
				continue;
			if (depth == sizeof(stack) / sizeof(stack[0]))
				return 0;	/* deeper than a treap gets */
			stack[depth++] = kid[k];
		}
	}
	return 1;
}

/*
 * Every root of the table at t consistent: its sudog count, else -1.
 * *spent counts the sudogs read for every candidate: past sudog_bound()
 * the candidates left are not read (a crafted core could otherwise make
 * each of them cost that much).
 */
static long long sem_table_ok(const struct goproc *p, uint64_t t,
			      uint64_t *spent)
{
	uint64_t nodes = 0;
	unsigned int i;

	if (*spent > sudog_bound(p))
		return -1;
	if (!procmem_known(&p->mem, t, (uint64_t)SEM_TAB_SIZE * SEM_ENTRY))
		return -1;
	for (i = 0; i < SEM_TAB_SIZE; i++)
		if (sem_root(p, t, i, NULL, &nodes) != 1) {
			*spent += nodes;
			return -1;
		}
	*spent += nodes;
	return (long long)nodes;
}

static int cmp_semwait(const void *a, const void *b)
{
	const struct gosemwait *x = a, *y = b;

	return x->g < y->g ? -1 : x->g > y->g;
}

int gosemas_read(const struct goproc *p, struct gosemas *s)
{
	static const char *const users[] = {
		"runtime.semacquire1", "runtime.semrelease1",
	};
	const struct golayout *l = &p->layout;
	struct cands c = { .p = p };
	uint64_t best = 0, nodes = 0, spent = 0;
	size_t i, nbest = 0, nempty = 0;
	struct semacc acc = { .s = s };
	struct pcfunc f;

	memset(s, 0, sizeof(*s));
	if (!have(l->semaroot_treap) || !have(l->sudog_elem) ||
	    !have(l->sudog_prev) || !have(l->sudog_next) ||
	    !have(l->sudog_g) || !have(l->sudog_waitlink) || !p->arch ||
	    !p->arch->code_refs) {
		snprintf(s->problem, sizeof(s->problem),
			 "no semaphore table layout for Go release \"%s\"",
			 p->go_version);
		return 0;
	}
	for (i = 0; i < sizeof(users) / sizeof(users[0]); i++)
		if (!pclntab_func_by_name(&p->tab, users[i], &f) &&
		    f.end > f.entry && f.end - f.entry <= SEM_MAX_FUNC)
			p->arch->code_refs(&p->mem, f.entry, f.end, add_cand,
					   &c);
	/*
	 * The table with waiters whose every treap is consistent; with no
	 * waiter anywhere, any all-empty candidate is as good (nothing to
	 * find).
	 */
	for (i = 0; i < c.n; i++) {
		long long n = sem_table_ok(p, c.a[i], &spent);

		if (n > 0) {
			best = c.a[i];
			nbest++;
		} else if (!n) {
			nempty++;
		}
	}
	if (nbest > 1) {
		snprintf(s->problem, sizeof(s->problem),
			 "%zu candidates for runtime.semtable in the code of runtime.semacquire1",
			 nbest);
		return 0;
	}
	if (!nbest) {
		if (!nempty)
			snprintf(s->problem, sizeof(s->problem),
				 "runtime.semtable not found in the code of runtime.semacquire1");
		return 0;
	}
	s->table = best;
	for (i = 0; i < SEM_TAB_SIZE; i++)
		if (sem_root(p, best, (unsigned int)i, &acc, &nodes) < 0) {
			free(s->w);
			memset(s, 0, sizeof(*s));
			return -1;
		}
	if (s->n)
		qsort(s->w, s->n, sizeof(s->w[0]), cmp_semwait);
	return 0;
}

void gosemas_free(struct gosemas *s)
{
	free(s->w);
	free(s->cw);
	memset(s, 0, sizeof(*s));
}

static const struct gosemwait *sem_of(const struct gosemas *s, uint64_t g)
{
	struct gosemwait key = { .g = g };

	return s && s->n ? bsearch(&key, s->w, s->n, sizeof(s->w[0]),
				   cmp_semwait) : NULL;
}

static void sema_wait(const struct gosemas *sems, const struct goroutine *g,
		      const char *reason, struct gowait *out)
{
	const struct gosemwait *w = sem_of(sems, g->addr);

	if (!w) {
		if (!sems || sems->problem[0])
			unknown(out, sems ? sems->problem :
				"the semaphore table is not read", NULL);
		else
			unknown(out, "not in runtime.semtable (woken?) for the wait reason \"",
				reason);
		return;
	}
	out->sema = w->elem;
	if (!strcmp(reason, "sync.Mutex.Lock")) {
		out->kind = GOWAIT_MUTEX;
		out->addr = w->elem - MUTEX_SEMA;
	} else if (!strcmp(reason, "sync.RWMutex.RLock")) {
		out->kind = GOWAIT_RWMUTEX_R;
		out->addr = w->elem - RWMUTEX_READERSEM;
	} else if (!strcmp(reason, "sync.RWMutex.Lock")) {
		out->kind = GOWAIT_RWMUTEX_W;
		out->addr = w->elem - RWMUTEX_WRITERSEM;
	} else if (!strcmp(reason, "sync.WaitGroup.Wait")) {
		out->kind = GOWAIT_WAITGROUP;
		out->addr = w->elem - WAITGROUP_SEMA;
	} else {
		out->kind = GOWAIT_SEMA;
		out->addr = w->elem;
	}
}

int gomutex_read(const struct goproc *p, uint64_t addr, int *locked,
		 uint32_t *waiters)
{
	uint32_t state;

	if (procmem_u32(&p->mem, addr, &state))
		return -1;
	*locked = state & 1;
	*waiters = state >> MUTEX_WAITER_SHIFT;
	return 0;
}

/* ---- searches of the goroutine's own stack ---------------------------- */

/*
 * How far above the innermost frame the search goes: the frames that keep
 * the object (Cond.Wait, notifyListWait; netpollblock, pollWait) are the
 * first few, a few hundred bytes.
 */
#define SEARCH_SPAN	(16u << 10)

/* What a search of one stack hands its match function. */
struct search {
	const struct goproc *p;
	struct gosemas *sems;
	const struct goroutine *g;
	struct gowait *out;
	int (*match)(const struct goproc *, struct gosemas *,
		     const struct goroutine *, uint64_t, struct gowait *);
};

static int search_word(void *arg, uint64_t v)
{
	struct search *s = arg;

	return !(v & 7) && s->match(s->p, s->sems, s->g, v, s->out);
}

/*
 * Call match(p, sems, g, word, out) on each aligned non-zero word of g's
 * stack from its innermost frame up (gostack_words), until it returns 1
 * (then 1) or the span ends (0); -1 when the stack is not readable.
 */
static int stack_search(const struct goproc *p, const struct goroutine *g,
			int (*match)(const struct goproc *, struct gosemas *,
				     const struct goroutine *, uint64_t,
				     struct gowait *),
			struct gosemas *sems, struct gowait *out)
{
	struct search s = { p, sems, g, out, match };
	uint64_t lo = g->nframes ? g->frames[0].sp : 0, hi = g->stack_hi;

	if (!lo || (lo & 7) || hi <= lo)
		return -1;
	if (hi - lo > SEARCH_SPAN)
		hi = lo + SEARCH_SPAN;
	return gostack_words(p, lo, hi, search_word, &s);
}

/* sync.Cond and its notifyList (package sync, runtime/sema.go, 1.19-1.27) */
#define COND_L_DATA	8	/* Cond{noCopy; L Locker (itab, data); */
#define COND_NOTIFY	16	/*      notify notifyList; */
#define COND_CHECKER	48	/*      checker copyChecker} */
#define NOTIFY_HEAD	16	/* notifyList{wait, notify uint32; lock; */
#define NOTIFY_TAIL	24	/*            head, tail *sudog} */

/* The first slot for g in a table of cap (a power of two) slots. */
static size_t cw_slot(uint64_t g, size_t cap)
{
	return (size_t)((g * 0x9e3779b97f4a7c15ull) >> 17) & (cap - 1);
}

static void cw_put(struct gosemas *s, uint64_t g, uint64_t cond,
		   uint64_t nlist)
{
	struct gocondwait *t;
	size_t cap, i, j;

	if ((s->ncw + 1) * 2 > s->capcw) {
		cap = s->capcw ? s->capcw * 2 : 64;
		t = calloc(cap, sizeof(*t));
		if (!t)
			return;	/* only slower */
		for (i = 0; i < s->capcw; i++) {
			if (!s->cw[i].g)
				continue;
			for (j = cw_slot(s->cw[i].g, cap); t[j].g;
			     j = (j + 1) & (cap - 1))
				;
			t[j] = s->cw[i];
		}
		free(s->cw);
		s->cw = t;
		s->capcw = cap;
	}
	for (j = cw_slot(g, s->capcw); s->cw[j].g; j = (j + 1) & (s->capcw - 1))
		if (s->cw[j].g == g)
			return;
	s->cw[j].g = g;
	s->cw[j].cond = cond;
	s->cw[j].nlist = nlist;
	s->ncw++;
}

static const struct gocondwait *cw_get(const struct gosemas *s, uint64_t g)
{
	size_t j;

	if (!s || !s->capcw)
		return NULL;
	for (j = cw_slot(g, s->capcw); s->cw[j].g; j = (j + 1) & (s->capcw - 1))
		if (s->cw[j].g == g)
			return &s->cw[j];
	return NULL;
}

/*
 * Is the Cond at c one whose notifyList holds a sudog of g?  Its list must
 * run from head to tail within the bound, and its copyChecker hold its own
 * address.  Fills out (and remembers every waiter of the list) when it is.
 */
static int cond_at(const struct goproc *p, struct gosemas *sems,
		   const struct goroutine *g, uint64_t c, struct gowait *out)
{
	const struct golayout *l = &p->layout;
	uint64_t chk, head, tail, s, last = 0, sg, n, max = sudog_bound(p);
	int mine = 0;

	if (procmem_u64(&p->mem, c + COND_CHECKER, &chk) ||
	    chk != c + COND_CHECKER ||
	    procmem_u64(&p->mem, c + COND_NOTIFY + NOTIFY_HEAD, &head) ||
	    procmem_u64(&p->mem, c + COND_NOTIFY + NOTIFY_TAIL, &tail) ||
	    !head || !tail)
		return 0;
	if (list_len(p, head, l->sudog_next, max, &n))
		return 0;
	for (s = head; s; ) {
		if (procmem_u64(&p->mem, s + l->sudog_g, &sg))
			return 0;
		mine |= sg == g->addr;
		last = s;
		if (procmem_u64(&p->mem, s + l->sudog_next, &s))
			return 0;
	}
	if (!mine || last != tail)
		return 0;
	out->kind = GOWAIT_COND;
	out->addr = c;
	out->nlist = n;
	if (procmem_u64(&p->mem, c + COND_L_DATA, &out->locker))
		out->locker = 0;
	if (sems)
		for (s = head; s; ) {
			if (procmem_u64(&p->mem, s + l->sudog_g, &sg))
				break;
			cw_put(sems, sg, c, n);
			if (procmem_u64(&p->mem, s + l->sudog_next, &s))
				break;
		}
	return 1;
}

/* A word on the stack: the Cond (c), or its notifyList (&c.notify). */
static int cond_match(const struct goproc *p, struct gosemas *sems,
		      const struct goroutine *g, uint64_t v, struct gowait *out)
{
	return cond_at(p, sems, g, v, out) ||
	       (v >= COND_NOTIFY && cond_at(p, sems, g, v - COND_NOTIFY, out));
}

static void cond_wait(const struct goproc *p, struct gosemas *sems,
		      const struct goroutine *g, struct gowait *out)
{
	const struct golayout *l = &p->layout;
	const struct gocondwait *cw = cw_get(sems, g->addr);
	int r;

	if (!have(l->sudog_g) || !have(l->sudog_next)) {
		unknown(out, "no sudog layout for Go release \"", p->go_version);
		return;
	}
	if (cw) {
		/* met on the list of a Cond read already (cond_at) */
		out->kind = GOWAIT_COND;
		out->addr = cw->cond;
		out->nlist = cw->nlist;
		if (procmem_u64(&p->mem, cw->cond + COND_L_DATA, &out->locker))
			out->locker = 0;
		return;
	}
	r = stack_search(p, g, cond_match, sems, out);
	if (r < 0)
		unknown(out, "its stack is not in the core", NULL);
	else if (!r)
		unknown(out, "no word on its stack is a sync.Cond whose list holds it", NULL);
}

/* A word on the stack: a pollDesc whose rg or wg is g. */
static int poll_match(const struct goproc *p, struct gosemas *sems,
		      const struct goroutine *g, uint64_t v, struct gowait *out)
{
	const struct golayout *l = &p->layout;
	uint64_t rg, wg, fd;

	(void)sems;
	if (procmem_u64(&p->mem, v + l->polldesc_rg, &rg) ||
	    procmem_u64(&p->mem, v + l->polldesc_wg, &wg) ||
	    (rg != g->addr && wg != g->addr) ||
	    procmem_u64(&p->mem, v + l->polldesc_fd, &fd) || fd > INT32_MAX)
		return 0;
	out->kind = rg == g->addr ? GOWAIT_NET_READ : GOWAIT_NET_WRITE;
	out->addr = v;
	out->fd = fd;
	return 1;
}

static void poll_wait(const struct goproc *p, const struct goroutine *g,
		      struct gowait *out)
{
	const struct golayout *l = &p->layout;
	int r;

	if (!have(l->polldesc_fd) || !have(l->polldesc_rg) ||
	    !have(l->polldesc_wg)) {
		unknown(out, "no pollDesc layout for Go release \"",
			p->go_version);
		return;
	}
	r = stack_search(p, g, poll_match, NULL, out);
	if (r < 0)
		unknown(out, "its stack is not in the core", NULL);
	else if (!r)
		unknown(out, "no word on its stack is a pollDesc that holds it", NULL);
}

/* time.Sleep: g.sleepWhen (1.23 on), or its sleep timer's nextwhen. */
static void sleep_wait(const struct goproc *p, const struct goroutine *g,
		       struct gowait *out)
{
	const struct golayout *l = &p->layout;
	uint64_t t, when;

	if (have(l->g_sleepwhen)) {
		if (procmem_u64(&p->mem, g->addr + l->g_sleepwhen, &when)) {
			unknown(out, "g.sleepWhen is not in the core", NULL);
			return;
		}
	} else if (have(l->g_timer) && have(l->timer_nextwhen)) {
		if (procmem_u64(&p->mem, g->addr + l->g_timer, &t) || !t ||
		    procmem_u64(&p->mem, t + l->timer_nextwhen, &when)) {
			unknown(out, "its sleep timer is not in the core", NULL);
			return;
		}
	} else {
		unknown(out, "no timer layout for Go release \"", p->go_version);
		return;
	}
	if ((int64_t)when <= 0) {
		unknown(out, "its sleep timer holds no time", NULL);
		return;
	}
	out->kind = GOWAIT_SLEEP;
	out->when = (int64_t)when;
}

void gowait_of(const struct goproc *p, struct gosemas *sems,
	       const struct goroutine *g, struct gowait *out)
{
	uint32_t st = g->status & ~(uint32_t)G_SCAN;
	const char *r;

	memset(out, 0, sizeof(*out));
	if (st != G_WAITING)
		return;
	r = goroutine_status(p, g);
	/*
	 * "chan receive (nil chan)", "select (no cases)" and the like wait
	 * on nothing: unknown, with the runtime's word for it.
	 */
	if (!strcmp(r, "chan receive"))
		chan_wait(p, g, GOWAIT_CHAN_RECV, out);
	else if (!strcmp(r, "chan send"))
		chan_wait(p, g, GOWAIT_CHAN_SEND, out);
	else if (!strcmp(r, "select"))
		chan_wait(p, g, GOWAIT_SELECT, out);
	else if (!strcmp(r, "semacquire") || !strcmp(r, "sync.Mutex.Lock") ||
		 !strcmp(r, "sync.RWMutex.RLock") ||
		 !strcmp(r, "sync.RWMutex.Lock") ||
		 !strcmp(r, "sync.WaitGroup.Wait"))
		sema_wait(sems, g, r, out);
	else if (!strcmp(r, "sync.Cond.Wait"))
		cond_wait(p, sems, g, out);
	else if (!strcmp(r, "sleep"))
		sleep_wait(p, g, out);
	else if (!strcmp(r, "IO wait"))
		poll_wait(p, g, out);
	else
		unknown(out, "not read for the wait reason \"", r);
}

int gochan_read(const struct goproc *p, uint64_t addr, struct gochan *c)
{
	const struct golayout *l = &p->layout;
	uint64_t q[2], n;
	int k;

	memset(c, 0, sizeof(*c));
	c->addr = addr;
	if (!have(l->hchan_qcount) || !have(l->hchan_dataqsiz) ||
	    !have(l->hchan_closed) || !have(l->hchan_recvq) ||
	    !have(l->hchan_sendq) || !have(l->waitq_first) ||
	    !have(l->sudog_next))
		return -1;
	if (procmem_u64(&p->mem, addr + l->hchan_qcount, &c->len) ||
	    procmem_u64(&p->mem, addr + l->hchan_dataqsiz, &c->cap) ||
	    procmem_u32(&p->mem, addr + l->hchan_closed, &c->closed) ||
	    procmem_u64(&p->mem, addr + l->hchan_recvq + l->waitq_first,
			&q[0]) ||
	    procmem_u64(&p->mem, addr + l->hchan_sendq + l->waitq_first,
			&q[1]))
		return -1;
	if (have(l->hchan_timer) && have(l->timer_when)) {
		uint64_t when = 0;

		if (procmem_u64(&p->mem, addr + l->hchan_timer, &c->timer) ||
		    (c->timer && procmem_u64(&p->mem, c->timer + l->timer_when,
					     &when)))
			return -1;
		c->timer_known = 1;
		c->timer_when = (int64_t)when;
		if (c->timer)
			c->len = c->cap = 0;	/* runtime/chan.go chanlen */
	}
	for (k = 0; k < 2; k++) {
		if (list_len(p, q[k], l->sudog_next, sudog_bound(p), &n))
			return -1;
		if (k)
			c->nsend = n;
		else
			c->nrecv = n;
	}
	return 0;
}
