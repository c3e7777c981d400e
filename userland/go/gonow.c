// SPDX-License-Identifier: GPL-2.0
/*
 * gonow.c - the crash's nanotime, from the note, the annotation or the
 * times the core holds (see gonow.h).
 *
 * The times in a core, all of them nanotime() values taken before the
 * crash:
 *
 *  - g.waitsince: the start of the GC cycle that first saw the goroutine
 *    blocked.  Old by construction; a floor, never the estimate's own
 *    source unless nothing later exists.
 *  - sched.lastpoll: sysmon sets it every 10 ms while any P runs (and
 *    keeps doing so while the runtime prints the crash), an M after
 *    polling the network; 0 while an M blocks in the poller.
 *  - p.sysmontick.schedwhen/syscallwhen: when sysmon last saw the P
 *    schedule or make a system call.
 *  - Clock reads on the threads' system stacks.  runtime.nanotime1 and
 *    time.now (amd64, every release gocap reads) call the vDSO's
 *    clock_gettime(CLOCK_MONOTONIC, ts) with
 *
 *	SUBQ $16, SP; ANDQ $~15, SP	(time.now: $32, the monotonic read last)
 *	LEAQ 0(SP), SI; CALL AX
 *
 *    on the M's g0 stack (switching to g0.sched.sp when called from a
 *    goroutine) or its gsignal stack.  The CALL leaves its return address
 *    at T-8 and the vDSO writes the timespec at T, a multiple of 16: a
 *    word equal to that return address, 8 bytes below a 16-byte boundary
 *    of an M's g0 or gsignal stack, marks a read, and the two words above
 *    it hold what the clock said, unless a later frame reused them but not
 *    the return address.  So a read is only believed when a chain of
 *    times, each at most NEIGHBOUR_NS after the one before, leads to it
 *    from a time the runtime wrote down (any read will do when the core
 *    has none): a reused slot was seen holding "a read" 4.6e6 s in the
 *    future, and two of them, 6.5e6 s ahead and near each other, once
 *    confirmed each other.
 *
 * What the latest of them is worth was measured on cores of the crasher
 * and of a small HTTP server under every release (tests/gocap/host.sh
 * checks every estimate against the clock the crasher read just before
 * crashing):
 *
 *  - The runtime reads the clock for each goroutine header it prints, but
 *    the print calls that follow reuse that stack and overwrite the read:
 *    the crash itself leaves no time behind.
 *  - When the process ran up to the crash, the latest time is within
 *    milliseconds of it (sched.lastpoll is often later than the first
 *    headers printed, by the time the printing took).
 *  - When a signal finds every goroutine waiting (an idle or hung process
 *    killed from outside), the latest time is the last activity, seconds
 *    to hours before the crash: the estimate is then not taken.
 *  - A panic right after a long idle period is the case the checks cannot
 *    see: when the threads that woke overwrote their reads, the latest
 *    time can predate the crash by that idle period (seen: 10 s and 14 s
 *    in 12 cores of an HTTP server whose handler panicked after 5 to 15 s
 *    of idleness).
 *
 * Every time in a core precedes the crash, so an estimate errs towards
 * shorter waits, never longer ones.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "go/gonow.h"

#define NSEC_PER_SEC		1000000000ll
#define MAX_FUNC_BYTES		4096u
#define MAX_STACK_SCAN		(64u << 10)	/* bytes below stack.hi */
#define MAX_TV_SEC		(1ll << 33)	/* ns fit in an int64 */
#define MAX_READS		4096
#define MAX_PS			4096
#define NEIGHBOUR_NS		(600ll * NSEC_PER_SEC)

const char *gonow_where_name(enum gonow_where w)
{
	static const char *const names[] = {
		[GONOW_AT_NONE] = "none",
		[GONOW_AT_LASTPOLL] = "sched.lastpoll",
		[GONOW_AT_SYSMONTICK] = "p.sysmontick",
		[GONOW_AT_CLOCK_READ] = "clock-read",
	};

	return (unsigned int)w < sizeof(names) / sizeof(names[0]) ?
	       names[w] : "none";
}

static void take(struct gonow *out, int64_t t, enum gonow_where at,
		 uint64_t addr)
{
	if (t > out->latest) {
		out->latest = t;
		out->latest_at = at;
		out->latest_addr = addr;
	}
}

/* What allgs says: the latest g.waitsince, and whether any goroutine was
 * running or waiting to run. */
static void scan_allgs(const struct goproc *p, struct gonow *out, int *busy)
{
	const struct golayout *l = &p->layout;
	uint64_t i;

	*busy = 0;
	for (i = 0; i < p->allglen && i < GOPROC_MAX_GS; i++) {
		uint64_t g, w, cut = goproc_allgs_cut(p, i);
		uint32_t st;

		if (cut) {
			i += cut - 1;
			continue;
		}
		/* As the walk does: 100,000 goroutines' pages need not all
		 * stay resident (goproc.h). */
		if (i && !(i % 4096))
			goproc_release_pages(p);

		if (procmem_u64(&p->mem, p->allgs + i * 8, &g) || !g ||
		    procmem_u32(&p->mem, g + l->g_atomicstatus, &st))
			continue;
		st &= ~(uint32_t)G_SCAN;
		if (st == G_RUNNING || st == G_RUNNABLE)
			*busy = 1;
		if (l->g_waitsince != GOLAYOUT_NONE &&
		    !procmem_u64(&p->mem, g + l->g_waitsince, &w) &&
		    (int64_t)w > out->latest_waitsince)
			out->latest_waitsince = (int64_t)w;
	}
	goproc_release_pages(p);
}

/* The times the scheduler wrote down: sched.lastpoll, each P's
 * sysmontick. */
static void scan_sched(const struct goproc *p, struct gonow *out)
{
	const struct golayout *l = &p->layout;
	uint64_t sched = p->roots[GCD_ROOT_SCHED], allp = p->roots[GCD_ROOT_ALLP];
	uint64_t v, arr, n, i, pp;

	if (sched && l->sched_lastpoll != GOLAYOUT_NONE &&
	    !procmem_u64(&p->mem, sched + l->sched_lastpoll, &v))
		take(out, (int64_t)v, GONOW_AT_LASTPOLL,
		     sched + l->sched_lastpoll);
	if (!allp || l->p_sysmontick == GOLAYOUT_NONE ||
	    procmem_u64(&p->mem, allp, &arr) ||
	    procmem_u64(&p->mem, allp + 8, &n))
		return;
	for (i = 0; i < n && i < MAX_PS; i++) {
		if (procmem_u64(&p->mem, arr + i * 8, &pp) || !pp)
			continue;
		uint64_t a = pp + l->p_sysmontick;

		if (l->sysmontick_schedwhen != GOLAYOUT_NONE &&
		    !procmem_u64(&p->mem, a + l->sysmontick_schedwhen, &v))
			take(out, (int64_t)v, GONOW_AT_SYSMONTICK,
			     a + l->sysmontick_schedwhen);
		if (l->sysmontick_syscallwhen != GOLAYOUT_NONE &&
		    !procmem_u64(&p->mem, a + l->sysmontick_syscallwhen, &v))
			take(out, (int64_t)v, GONOW_AT_SYSMONTICK,
			     a + l->sysmontick_syscallwhen);
	}
}

static void take_ret(void *arg, uint64_t ret)
{
	*(uint64_t *)arg = ret;
}

/* The return address of the last call through a register in the function
 * named name (its vDSO call for CLOCK_MONOTONIC), or 0. */
static uint64_t clock_call_return(const struct goproc *p, const char *name)
{
	uint64_t last = 0;
	struct pcfunc f;

	if (!p->arch || !p->arch->reg_calls ||
	    pclntab_func_by_name(&p->tab, name, &f) || f.end <= f.entry ||
	    f.end - f.entry > MAX_FUNC_BYTES)
		return 0;
	p->arch->reg_calls(&p->mem, f.entry, f.end, take_ret, &last);
	return last;
}

struct clock_read {
	int64_t ns;
	uint64_t at;		/* T, the timespec's address */
	int64_t m;		/* the M's id */
};

struct reads {
	struct clock_read r[MAX_READS];
	uint32_t n;
};

/* The clock reads in the stack of g (a g0 or gsignal) of the M id m. */
static void scan_stack(const struct goproc *p, uint64_t g, int64_t m,
		       const uint64_t ret[2], struct reads *r)
{
	uint64_t lo, hi, t;

	if (!g || procmem_u64(&p->mem, g + p->layout.g_stack, &lo) ||
	    procmem_u64(&p->mem, g + p->layout.g_stack + 8, &hi) ||
	    lo >= hi || hi > UINT64_MAX - 32)
		return;
	if (hi - lo > MAX_STACK_SCAN)
		lo = hi - MAX_STACK_SCAN;
	/* t is T, 16-aligned, with its return address at t - 8. */
	for (t = (lo + 8 + 15) & ~15ull; t + 16 <= hi; t += 16) {
		const uint8_t *w = procmem_ptr(&p->mem, t - 8, 24);
		uint64_t v, sec, nsec;

		if (!w)
			continue;
		memcpy(&v, w, 8);
		if (!v || (v != ret[0] && v != ret[1]))
			continue;
		memcpy(&sec, w + 8, 8);
		memcpy(&nsec, w + 16, 8);
		if (nsec >= (uint64_t)NSEC_PER_SEC ||
		    sec >= (uint64_t)MAX_TV_SEC || r->n >= MAX_READS)
			continue;
		r->r[r->n].ns = (int64_t)sec * NSEC_PER_SEC + (int64_t)nsec;
		r->r[r->n].at = t;
		r->r[r->n].m = m;
		r->n++;
	}
}

static int cmp_read(const void *a, const void *b)
{
	int64_t x = ((const struct clock_read *)a)->ns;
	int64_t y = ((const struct clock_read *)b)->ns;

	return x < y ? -1 : x > y;
}

/*
 * The latest read believed, or -1.  With a time the runtime wrote down
 * (other), a read is believed when a chain of times, each at most
 * NEIGHBOUR_NS after the one before, leads to it from other: two reused
 * slots holding values near each other (seen: a pair 6.5e6 s in the
 * future) confirm each other, but not a time of the runtime's.  Without
 * one, a read is believed when another read lies at most NEIGHBOUR_NS
 * before it.  r is sorted.
 */
static int64_t believed(const struct reads *r, int64_t other)
{
	int64_t chain = other;
	int64_t best = -1;
	uint32_t k;

	if (other <= 0) {
		for (k = r->n; k-- > 1;)
			if (r->r[k].ns - r->r[k - 1].ns <= NEIGHBOUR_NS)
				return k;
		return -1;
	}
	for (k = 0; k < r->n && r->r[k].ns - chain <= NEIGHBOUR_NS; k++) {
		if (r->r[k].ns >= chain)
			chain = r->r[k].ns;
		if (r->r[k].ns >= other)
			best = k;
	}
	return best;
}

/* The clock reads on the Ms' system stacks: the latest believed one
 * taken into out.  -1 (and why) when there is none to read. */
static int scan_reads(const struct goproc *p, struct gonow *out, char *why,
		      size_t whylen)
{
	int64_t other = out->latest > out->latest_waitsince ? out->latest :
			out->latest_waitsince;
	uint64_t ret[2];
	struct reads *r;
	size_t i;
	int64_t best;

	ret[0] = clock_call_return(p, "runtime.nanotime1");
	ret[1] = clock_call_return(p, "time.now");
	if (!ret[0] && !ret[1]) {
		snprintf(why, whylen,
			 "runtime.nanotime1 and time.now are not in the pclntab, or their code is not in the core");
		return -1;
	}
	r = malloc(sizeof(*r));
	if (!r) {
		snprintf(why, whylen, "out of memory");
		return -1;
	}
	r->n = 0;
	for (i = 0; i < p->nms; i++) {
		scan_stack(p, p->ms[i].g0, p->ms[i].id, ret, r);
		scan_stack(p, p->ms[i].gsignal, p->ms[i].id, ret, r);
	}
	out->reads = r->n;
	if (r->n)
		qsort(r->r, r->n, sizeof(r->r[0]), cmp_read);
	best = believed(r, other);
	if (best >= 0 && r->r[best].ns > out->latest) {
		take(out, r->r[best].ns, GONOW_AT_CLOCK_READ, r->r[best].at);
		out->read_at = r->r[best].at;
		out->read_m = r->r[best].m;
	}
	if (r->n && best < 0)
		snprintf(why, whylen,
			 "none of the %u clock reads on the threads' stacks is confirmed by another time",
			 r->n);
	free(r);
	return 0;
}

/* The crash began inside the process: a panic, a throw, or a fault the
 * kernel raised (si_code > 0), not a signal sent to it. */
static int crash_from_inside(const struct gocrash *c)
{
	return c && (c->kind == GOCRASH_PANIC || c->kind == GOCRASH_THROW ||
		     (c->kind == GOCRASH_SIGNAL && c->sigcode > 0));
}

static void say(struct gonow *out, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Append a reason to out->why. */
static void say(struct gonow *out, const char *fmt, ...)
{
	size_t n = strlen(out->why);
	va_list ap;

	if (n + 3 >= sizeof(out->why))
		return;
	if (n) {
		memcpy(out->why + n, "; ", 3);
		n += 2;
	}
	va_start(ap, fmt);
	vsnprintf(out->why + n, sizeof(out->why) - n, fmt, ap);
	va_end(ap);
}

/* Is t (from what) a possible time of the crash?  Else say why not. */
static int plausible(struct gonow *out, const char *what, int64_t t)
{
	int64_t floor = out->latest > out->latest_waitsince ? out->latest :
			out->latest_waitsince;

	if (t > 0 && t >= floor)
		return 1;
	say(out, "%s (%lld ns) is earlier than a time in the core (%lld ns, %s)",
	    what, (long long)t, (long long)floor,
	    out->latest > out->latest_waitsince ?
	    gonow_where_name(out->latest_at) : "g.waitsince");
	return 0;
}

void gonow_decide(const struct goproc *p, const struct gocrash *c,
		  int64_t annotation_ns, struct gonow *out)
{
	char why[160] = "";
	int busy;

	memset(out, 0, sizeof(*out));
	snprintf(out->source, sizeof(out->source), "none");
	scan_allgs(p, out, &busy);
	scan_sched(p, out);
	scan_reads(p, out, why, sizeof(why));
	if (p->have_note && p->note.have_process &&
	    plausible(out, "the note's boottime_ns",
		      (int64_t)p->note.proc.boottime_ns)) {
		out->src = GONOW_NOTE;
		out->ns = (int64_t)p->note.proc.boottime_ns;
		snprintf(out->source, sizeof(out->source), "note");
		return;
	}
	if (annotation_ns > 0 &&
	    plausible(out, "the annotation's monotonic_ns", annotation_ns)) {
		out->src = GONOW_ANNOTATION;
		out->ns = annotation_ns;
		snprintf(out->source, sizeof(out->source), "annotation");
		return;
	}
	/*
	 * A cut core may have lost the latest times (the threads' stacks
	 * lie after the heap): what is left can predate the crash by
	 * seconds, and an estimate from it would print shorter waits than
	 * the runtime did.  Only the note or the annotation date it.
	 */
	if (p->core.truncated) {
		say(out, "the core is truncated: the latest times in it may be cut off");
		return;
	}
	if (!out->latest) {
		say(out, "%s", why[0] ? why :
		    "no sched.lastpoll, sysmontick or clock read in the core");
		return;
	}
	if (out->latest < out->latest_waitsince) {
		say(out, "the latest time in the core (%s, %lld ns) is earlier than a goroutine's waitsince (%lld ns)",
		    gonow_where_name(out->latest_at), (long long)out->latest,
		    (long long)out->latest_waitsince);
		return;
	}
	if (!crash_from_inside(c) && !busy) {
		say(out, "the signal found every goroutine waiting: the latest time in the core (%s, %lld ns) is the process's last activity, not the crash",
		    gonow_where_name(out->latest_at), (long long)out->latest);
		return;
	}
	out->src = GONOW_ESTIMATE;
	out->ns = out->latest;
	snprintf(out->source, sizeof(out->source), "estimate:%s",
		 gonow_where_name(out->latest_at));
}
