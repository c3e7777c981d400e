// SPDX-License-Identifier: GPL-2.0
/*
 * goroutines.c - read each g of runtime.allgs and unwind its stack the way
 * the runtime's traceback does (runtime/traceback.go: initAt, resolve,
 * next, symPC; Go 1.19's gentraceback where it differs).
 *
 * Unwinding needs no frame pointers: for a frame at (pc, sp) the pcsp table
 * gives the frame size; on amd64 fp = sp + spdelta + 8 and the return
 * address sits at fp - 8 (on a link-register machine fp = sp + spdelta
 * and the saved return address sits at sp: struct arch.uses_lr).  Functions flagged TOPFRAME end the stack,
 * SPWRITE ones (that switch stacks) end it too, as they do for the
 * runtime's printer.  A pc is symbolised at pc-1 when it is a return
 * address and at pc itself when the frame was interrupted (a trap: a
 * signal context, or the frame below sigpanic/asyncPreempt), which is what
 * makes "file:line" agree with the runtime's.
 *
 * Where a goroutine's walk starts (start_for()):
 *  - parked, runnable, in a syscall: g.sched or g.syscallpc/sp, as the
 *    runtime's traceback(^0, ^0, 0, gp) does;
 *  - running: its thread's registers when they point into its stack, else
 *    the signal frame on the thread's signal stack (a thread stopped in a
 *    signal handler, as GOTRACEBACK=crash leaves them), else g.sched (the
 *    goroutine switched to the system stack, as fatalpanic does).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "go/goroutines.h"
#include "go/gowalk.h"

#define MAX_PHYS	(1u << 20)	/* physical frames per stack */
#define MAX_ARGINFO	512
#define MAX_ARGTEXT	(64u << 20)	/* a goroutine's argument lists */
/* logical frames: 4 per physical one (a deep recursion has one or two,
 * a corrupt inline tree up to 1000 on every frame) */
#define MAX_LOGICAL(nphys)	(4 * (size_t)(nphys) + 1024)

const char *gostack_source_name(enum gostack_source s)
{
	static const char *const names[] = {
		[GOSTACK_NONE] = "none", [GOSTACK_SCHED] = "sched",
		[GOSTACK_SYSCALL] = "syscall", [GOSTACK_VDSO] = "vdso",
		[GOSTACK_REGS] = "registers", [GOSTACK_SIGNAL] = "signal frame",
	};

	return (unsigned int)s < sizeof(names) / sizeof(names[0]) ?
	       names[s] : "none";
}

/* ---- symbolisation cache ------------------------------------------- */

static uint64_t hash64(uint64_t x)
{
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdull;
	x ^= x >> 33;
	x *= 0xc4ceb9fe1a85ec53ull;
	x ^= x >> 33;
	return x;
}

static int sym_grow(struct gowalk *w)
{
	size_t i, cap = w->symcap ? w->symcap * 2 : 4096;
	struct gosym *n = calloc(cap, sizeof(*n));

	if (!n)
		return -1;
	for (i = 0; i < w->symcap; i++) {
		struct gosym *s = &w->sym[i];
		size_t h;

		if (!s->used)
			continue;
		h = hash64(s->pc * 2 + (s->sympc != s->pc)) & (cap - 1);
		while (n[h].used)
			h = (h + 1) & (cap - 1);
		n[h] = *s;
	}
	free(w->sym);
	w->sym = n;
	w->symcap = cap;
	return 0;
}

static int push_logical(struct gowalk *w, const char *func, const char *file,
			int32_t line, int32_t start_line, int inlined)
{
	struct gologic *l;

	if (w->nlogic == w->logiccap) {
		size_t cap = w->logiccap ? w->logiccap * 2 : 4096;

		l = realloc(w->logic, cap * sizeof(*l));
		if (!l)
			return -1;
		w->logic = l;
		w->logiccap = cap;
	}
	l = &w->logic[w->nlogic++];
	l->func = func ? func : "?";
	l->file = file;
	l->line = line;
	l->start_line = start_line;
	l->inlined = (uint8_t)inlined;
	return 0;
}

static uint8_t special_of(const char *name)
{
	static const struct {
		const char *name;
		enum gospecial sp;
	} names[] = {
		{ "runtime.sigpanic", SP_SIGPANIC },
		{ "runtime.asyncPreempt", SP_ASYNCPREEMPT },
		{ "runtime.debugCallV2", SP_DEBUGCALLV2 },
		{ "runtime.cgocallback", SP_CGOCALLBACK },
		{ "runtime.sigtramp", SP_SIGTRAMP },
		{ "runtime.cgoSigtramp", SP_SIGTRAMP },
		{ "runtime.fatalpanic", SP_FATALPANIC },
		{ "runtime.fatalthrow", SP_FATALTHROW },
		{ "runtime.throw", SP_THROW },
		{ "runtime.fatal", SP_FATAL },
	};
	size_t i;

	if (!name || strncmp(name, "runtime.", 8))
		return SP_NONE;
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (!strcmp(name, names[i].name))
			return (uint8_t)names[i].sp;
	return SP_NONE;
}

/*
 * Symbolise the physical frame at pc, looked up at sympc: its function,
 * its frame size, and its logical frames (inline tree walked outwards from
 * sympc, as newInlineUnwinder does).
 */
static struct gosym *symbolize(struct gowalk *w, uint64_t pc, uint64_t sympc)
{
	const struct goproc *p = w->p;
	struct gosym *s;
	uint64_t key = pc * 2 + (sympc != pc), tracepc = sympc;
	uint32_t inloff;
	int have_tree = 0, guard = 0;
	size_t h;

	if (w->nsym * 2 >= w->symcap && sym_grow(w))
		return NULL;
	h = hash64(key) & (w->symcap - 1);
	while (w->sym[h].used) {
		s = &w->sym[h];
		if (s->pc == pc && s->sympc == sympc)
			return s;
		h = (h + 1) & (w->symcap - 1);
	}
	s = &w->sym[h];
	memset(s, 0, sizeof(*s));
	s->used = 1;
	s->pc = pc;
	s->sympc = sympc;
	w->nsym++;
	if (pclntab_func_at(&p->tab, pc, &s->f))
		return s;	/* s->found == 0 */
	s->found = 1;
	s->special = special_of(pclntab_funcname(&p->tab, &s->f));
	s->spok = !pclntab_spdelta(&p->tab, &s->f, pc, &s->spdelta);
	s->first = w->nlogic;
	have_tree = !pclntab_funcdata(&p->tab, &s->f, FUNCDATA_InlTree,
				      &inloff);
	while (have_tree && guard++ < 1000) {
		int32_t ix = pclntab_pcdata(&p->tab, &s->f, PCDATA_InlTreeIndex,
					    tracepc);
		uint8_t ent[32];
		struct pcinl inl;
		const char *file;
		int32_t line;

		/* Read just the entry: the tree may straddle segments. */
		if (ix < 0 || ix > (1 << 24) ||
		    procmem_read(&p->mem, p->md.gofunc + inloff +
			       (uint64_t)ix * p->tab.inl_size, ent,
			       p->tab.inl_size) ||
		    pclntab_inl(&p->tab, ent, p->tab.inl_size, 0, &inl))
			break;
		pclntab_fileline(&p->tab, &s->f, tracepc, &file, &line);
		if (push_logical(w, pclntab_name(&p->tab, inl.nameoff), file,
				 line, inl.start_line, 1))
			return NULL;
		s->n++;
		tracepc = s->f.entry + (uint32_t)inl.parent_pc;
	}
	{
		const char *file;
		int32_t line;

		pclntab_fileline(&p->tab, &s->f, tracepc, &file, &line);
		if (push_logical(w, pclntab_funcname(&p->tab, &s->f), file,
				 line, s->f.start_line, 0))
			return NULL;
		s->n++;
	}
	s->outer_pc = tracepc;
	return s;
}

const struct gosym *gowalk_symbol(struct gowalk *w, uint64_t pc,
				 uint64_t sympc)
{
	return symbolize(w, pc, sympc);
}

/* ---- arguments ----------------------------------------------------- */

static int appendf(struct gowalk *w, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static int appendf(struct gowalk *w, const char *fmt, ...)
{
	va_list ap;
	int n;

	for (;;) {
		size_t room = w->argcap - w->arglen;

		va_start(ap, fmt);
		n = vsnprintf(w->argbuf + w->arglen, room, fmt, ap);
		va_end(ap);
		if (n < 0)
			return -1;
		if ((size_t)n < room) {
			w->arglen += (size_t)n;
			return 0;
		}
		{
			size_t cap = (w->argcap + (size_t)n + 1) * 2;
			char *b;

			/* a million frames' lists fit; a corrupt stack's
			 * do not take gigabytes */
			if (cap > MAX_ARGTEXT)
				cap = MAX_ARGTEXT;
			if (cap <= w->argcap || cap < w->arglen + (size_t)n + 1) {
				w->argfull = 1;
				return -1;
			}
			b = realloc(w->argbuf, cap);
			if (!b) {
				w->argfull = 1;
				return -1;
			}
			w->argbuf = b;
			w->argcap = cap;
		}
	}
}

/*
 * The argument list as printArgs prints it, from FUNCDATA_ArgInfo and the
 * spill slots at argp (= fp on amd64), with "?" for values the liveness
 * map says may be stale.  Returns the offset of the NUL-terminated text.
 */
static uint32_t format_args(struct gowalk *w, const struct gosym *s,
			    uint64_t argp, uint64_t pc)
{
	const struct goproc *p = w->p;
	uint32_t off, liveoff, start = (uint32_t)w->arglen;
	const uint8_t *info, *live = NULL;
	size_t ilen, llen = 0, pi = 0;
	int32_t liveidx;
	uint8_t startoff = 0xff, slot = 0;
	int first = 1;

	if (w->argfull)
		return 0;
	if (pclntab_funcdata(&p->tab, &s->f, FUNCDATA_ArgInfo, &off))
		goto out;
	info = procmem_span(&p->mem, p->md.gofunc + off, &ilen);
	if (!info)
		goto out;
	if (ilen > MAX_ARGINFO)
		ilen = MAX_ARGINFO;
	if (!pclntab_funcdata(&p->tab, &s->f, FUNCDATA_ArgLiveInfo, &liveoff))
		live = procmem_span(&p->mem, p->md.gofunc + liveoff, &llen);
	liveidx = pclntab_pcdata(&p->tab, &s->f, PCDATA_ArgLiveIndex, pc);
	if (live && llen)
		startoff = live[0];
	while (pi < ilen) {
		uint8_t o = info[pi++];

		if (o == 0xff)		/* TraceArgsEndSeq */
			break;
		if (o == 0xfe) {	/* StartAgg */
			appendf(w, "%s{", first ? "" : ", ");
			first = 1;
			continue;
		}
		if (o == 0xfd) {	/* EndAgg */
			appendf(w, "}");
		} else if (o == 0xfc) {	/* Dotdotdot */
			appendf(w, "%s...", first ? "" : ", ");
		} else if (o == 0xfb) {	/* OffsetTooLarge */
			appendf(w, "%s_", first ? "" : ", ");
		} else {
			uint8_t sz;
			uint64_t x = 0;
			int islive = 1;

			if (pi >= ilen)
				break;
			sz = info[pi++];
			if (procmem_read(&p->mem, argp + o, &x, 8)) {
				appendf(w, "%s?", first ? "" : ", ");
			} else {
				/* Go's x << shift >> shift: 0 when shift is 64. */
				if (sz == 0)
					x = 0;
				else if (sz < 8)
					x = (x << (64 - sz * 8)) >> (64 - sz * 8);
				if (live && liveidx > 0 && o >= startoff) {
					size_t b = (size_t)liveidx + slot / 8;

					islive = b < llen &&
						 (live[b] >> (slot % 8)) & 1;
				}
				appendf(w, "%s0x%llx%s", first ? "" : ", ",
					(unsigned long long)x, islive ? "" : "?");
			}
			if (o >= startoff)
				slot++;
		}
		first = 0;
	}
out:
	if (!w->argfull && w->arglen + 1 > w->argcap)
		appendf(w, " ");
	if (w->argfull) {
		/* over MAX_ARGTEXT: this list and the rest are "..." */
		w->arglen = start;
		return 0;
	}
	w->argbuf[w->arglen++] = '\0';
	return start;
}

/* ---- the unwinder -------------------------------------------------- */

static int is_injected(const struct gosym *s)
{
	return s->special == SP_SIGPANIC || s->special == SP_ASYNCPREEMPT ||
	       s->special == SP_DEBUGCALLV2;
}

static void setproblem(char *dst, size_t len, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void setproblem(char *dst, size_t len, const char *fmt, ...)
{
	va_list ap;

	if (dst[0])
		return;
	va_start(ap, fmt);
	vsnprintf(dst, len, fmt, ap);
	va_end(ap);
}

int gowalk_unwind(struct gowalk *w, uint64_t pc, uint64_t sp, int trap,
		  int is_syscall, char *problem, size_t plen)
{
	const struct goproc *p = w->p;
	int innermost = 1, calleesigpanic = 0;
	uint64_t pc0 = pc, sp0 = sp;

	w->nphys = 0;
	w->inconsistent = 0;
	if (pc == 0) {
		/* A nil function call: start in the caller's frame. */
		if (procmem_u64(&p->mem, sp, &pc)) {
			setproblem(problem, plen, "pc 0 and sp 0x%llx not in the core",
				   (unsigned long long)sp);
			return 0;
		}
		sp += 8;
	}
	for (;;) {
		struct gophys *f;
		struct gosym *s;
		uint64_t sympc, fp, lrptr, lr = 0;
		int usetrap, flag;

		if (w->nphys >= MAX_PHYS) {
			setproblem(problem, plen, "more than %u frames: the stack is cut",
				   MAX_PHYS);
			break;
		}

		/* The pc used for symbols: see symPC() / tracepc. */
		if (p->vers.unwinder)
			usetrap = trap;
		else
			usetrap = innermost ? trap : calleesigpanic;
		{
			struct pcfunc tmp;

			if (pclntab_func_at(&p->tab, pc, &tmp)) {
				setproblem(problem, plen, "unknown pc 0x%llx",
					   (unsigned long long)pc);
				w->inconsistent = 1;
				break;
			}
			sympc = (!usetrap && pc > tmp.entry) ? pc - 1 : pc;
		}
		s = symbolize(w, pc, sympc);
		if (!s) {
			setproblem(problem, plen, "out of memory");
			break;
		}
		if (!s->found || !s->f.pcsp)
			break;	/* no frame information (external code) */
		if (!s->spok) {
			setproblem(problem, plen, "no pcsp entry for pc 0x%llx in %s",
				   (unsigned long long)pc,
				   w->logic[s->first + s->n - 1].func);
			w->inconsistent = 1;
			break;
		}
		flag = s->f.flag;
		if (s->special == SP_CGOCALLBACK)
			flag &= ~PCLN_FLAG_SPWRITE;
		if (innermost && is_syscall && pc == pc0 && sp == sp0)
			flag &= ~PCLN_FLAG_SPWRITE;
		fp = sp + (int64_t)s->spdelta;
		if (!p->arch->uses_lr)
			fp += p->arch->ptrsize;
		if (s->spdelta < 0 || fp < sp) {
			/* callers are above: a corrupt table would send the
			 * walk down the stack and round a loop */
			setproblem(problem, plen, "negative frame size %lld at pc 0x%llx",
				   (long long)s->spdelta,
				   (unsigned long long)pc);
			w->inconsistent = 1;
			break;
		}
		lrptr = p->arch->uses_lr ? sp : fp - p->arch->ptrsize;
		if (flag & (PCLN_FLAG_TOPFRAME | PCLN_FLAG_SPWRITE)) {
			lr = 0;
		} else if (procmem_u64(&p->mem, lrptr, &lr)) {
			setproblem(problem, plen, "return address at 0x%llx not in the core",
				   (unsigned long long)lrptr);
			lr = 0;
		}
		if (w->nphys == w->physcap) {
			size_t cap = w->physcap ? w->physcap * 2 : 256;
			struct gophys *n = realloc(w->phys, cap * sizeof(*n));

			if (!n) {
				setproblem(problem, plen, "out of memory");
				break;
			}
			w->phys = n;
			w->physcap = cap;
		}
		f = &w->phys[w->nphys++];
		f->pc = pc;
		f->sp = sp;
		f->fp = fp;
		f->sym = s;
		f->argpc = p->vers.unwinder ? sympc : s->outer_pc;
		if (!lr)
			break;
		{
			struct pcfunc tmp;

			if (pclntab_func_at(&p->tab, lr, &tmp)) {
				setproblem(problem, plen,
					   "unexpected return pc for %s called from 0x%llx",
					   w->logic[s->first + s->n - 1].func,
					   (unsigned long long)lr);
				w->inconsistent = 1;
				break;
			}
		}
		if (pc == lr && sp == fp) {
			setproblem(problem, plen, "traceback stuck at pc 0x%llx sp 0x%llx",
				   (unsigned long long)pc, (unsigned long long)sp);
			w->inconsistent = 1;
			break;
		}
		trap = is_injected(s);
		calleesigpanic = s->special == SP_SIGPANIC;
		pc = lr;
		sp = fp;
		innermost = 0;
	}
	return (int)w->nphys;
}

/* ---- signal frames ------------------------------------------------- */

/*
 * Walk a thread's own stack from its registers.  When the walk ends in
 * runtime.sigtramp (TOPFRAME), the kernel's signal frame sits above it,
 * its ucontext at sigtramp's fp (the frame's return address, pretcode, is
 * the word below); the architecture reads it (arch.h).  The interrupted
 * context can itself be inside a signal handler (crash() raises SIGABRT
 * from within sighandler, and the forwarded signal lands in sigtramp
 * again), so go on from it, up to max frames.  Innermost first.
 */
int gowalk_signal_frames(struct gowalk *w, int thread, struct sigframe *out,
			 int max)
{
	const struct goproc *p = w->p;
	const struct gothread *t;
	uint64_t pc, sp;
	int k = 0;

	if (thread < 0 || (size_t)thread >= p->nthreads)
		return 0;
	t = &p->threads[thread];
	pc = t->regs.pc;
	sp = t->regs.sp;
	while (k < max) {
		char problem[8] = "";
		const struct gophys *f;
		struct sigframe *sf = &out[k];
		int n = gowalk_unwind(w, pc, sp, 1, 0, problem,
				      sizeof(problem));

		if (n <= 0)
			break;
		f = &w->phys[n - 1];
		if (f->sym->special != SP_SIGTRAMP)
			break;
		if (p->arch->sigframe(&p->mem, f->fp, sf))
			break;
		k++;
		pc = sf->pc;
		sp = sf->sp;
	}
	return k;
}

/* ---- goroutines ---------------------------------------------------- */

struct gowalk *gowalk_new(struct goproc *p)
{
	struct gowalk *w = calloc(1, sizeof(*w));

	if (!w)
		return NULL;
	w->p = p;
	w->argcap = 4096;
	w->argbuf = malloc(w->argcap);
	if (!w->argbuf || sym_grow(w)) {
		gowalk_free(w);
		return NULL;
	}
	return w;
}

void gowalk_free(struct gowalk *w)
{
	if (!w)
		return;
	free(w->sym);
	free(w->logic);
	free(w->phys);
	free(w->frames);
	free(w->argbuf);
	free(w);
}

uint64_t gowalk_count(const struct gowalk *w)
{
	return w->p->allglen + w->p->nfound;
}

const char *goroutine_status(const struct goproc *p,
			     const struct goroutine *g)
{
	uint32_t st = g->status & ~(uint32_t)G_SCAN;

	if ((st == G_WAITING || (st == G_LEAKED && p->vers.status_leaked)) &&
	    g->waitreason)
		return govers_waitreason(&p->vers, g->waitreason);
	return govers_status(&p->vers, st);
}

/* Read the fields of the g at addr. */
static int read_g(struct gowalk *w, uint64_t addr, struct goroutine *g)
{
	const struct goproc *p = w->p;
	const struct golayout *l = &p->layout;
	const char *lost = NULL;
	uint64_t v, lost_off = 0;
	uint8_t b;

	memset(g, 0, sizeof(*g));
	g->addr = addr;
	g->m_index = -1;
	if (!addr || procmem_u32(&p->mem, addr + l->g_atomicstatus, &g->status) ||
	    procmem_u64(&p->mem, addr + l->g_goid, &g->goid)) {
		snprintf(g->problem, sizeof(g->problem),
			 "the g at 0x%llx is not in the core",
			 (unsigned long long)addr);
		return -1;
	}
	/*
	 * A g cut by the end of the core (a truncated core) reads as zeros
	 * from the cut on: name the first field lost, so that the goroutine
	 * is not printed as if it were whole (no "created by", no labels).
	 */
#define GREAD(field, off, name)						\
	do {								\
		if ((off) != GOLAYOUT_NONE &&				\
		    procmem_u64(&p->mem, addr + (off), &(field)) &&	\
		    (!lost || (off) < lost_off)) {			\
			lost = (name);					\
			lost_off = (off);				\
		}							\
	} while (0)
	GREAD(g->stack_lo, l->g_stack, "stack");
	GREAD(g->stack_hi, l->g_stack + 8, "stack");
	GREAD(g->m, l->g_m, "m");
	GREAD(g->lockedm, l->g_lockedm, "lockedm");
	GREAD(g->gopc, l->g_gopc, "gopc");
	GREAD(g->startpc, l->g_startpc, "startpc");
	GREAD(g->panic, l->g_panic, "_panic");
	GREAD(g->labels_ptr, l->g_labels, "labels");
	GREAD(g->parent_goid, l->g_parentgoid, "parentGoid");
	v = 0;
	GREAD(v, l->g_waitsince, "waitsince");
	g->waitsince = (int64_t)v;
#undef GREAD
	if (l->g_waitreason != GOLAYOUT_NONE) {
		if (!procmem_u8(&p->mem, addr + l->g_waitreason, &b))
			g->waitreason = b;
		else if (!lost || l->g_waitreason < lost_off)
			lost = "waitreason";
	}
	if (lost)
		snprintf(g->problem, sizeof(g->problem),
			 "the core ends inside this g (0x%llx): its %s and later fields are missing",
			 (unsigned long long)addr, lost);
	if (g->m)
		g->m_index = goproc_m_index(p, g->m);
	return 0;
}

/* Is sp inside g's stack? */
static int on_stack(const struct goroutine *g, uint64_t sp)
{
	return g->stack_lo < g->stack_hi && sp >= g->stack_lo &&
	       sp < g->stack_hi;
}

struct start {
	uint64_t pc, sp;
	int trap, syscall;
	enum gostack_source src;
};

/*
 * Where to start g's walk (see the top of the file).  Returns -1 when
 * nothing usable is known.
 */
static int start_for(struct gowalk *w, const struct goroutine *g,
		     struct start *st)
{
	const struct goproc *p = w->p;
	const struct golayout *l = &p->layout;
	uint64_t schedpc = 0, schedsp = 0, scpc = 0, scsp = 0;
	const struct gom *m = g->m_index >= 0 ? &p->ms[g->m_index] : NULL;
	uint32_t status = g->status & ~(uint32_t)G_SCAN;

	procmem_u64(&p->mem, g->addr + l->g_sched + l->gobuf_pc, &schedpc);
	procmem_u64(&p->mem, g->addr + l->g_sched + l->gobuf_sp, &schedsp);
	procmem_u64(&p->mem, g->addr + l->g_syscallpc, &scpc);
	procmem_u64(&p->mem, g->addr + l->g_syscallsp, &scsp);
	memset(st, 0, sizeof(*st));

	if (status == G_RUNNING && m && m->thread >= 0) {
		const struct gothread *t = &p->threads[m->thread];
		struct sigframe sf[8];
		int i, n;

		if (on_stack(g, t->regs.sp)) {
			st->pc = t->regs.pc;
			st->sp = t->regs.sp;
			st->trap = 1;
			st->src = GOSTACK_REGS;
			return 0;
		}
		n = gowalk_signal_frames(w, m->thread, sf, 8);
		for (i = 0; i < n; i++) {
			if (!on_stack(g, sf[i].sp))
				continue;
			st->pc = sf[i].pc;
			st->sp = sf[i].sp;
			st->trap = 1;
			st->src = GOSTACK_SIGNAL;
			return 0;
		}
		/*
		 * On the system stack without a signal: g.sched holds the
		 * switch (systemstack saves it; from Go 1.2x it clears
		 * sched.sp again on return, and then nothing is known).
		 */
		if (on_stack(g, schedsp) && schedpc) {
			st->pc = schedpc;
			st->sp = schedsp;
			st->src = GOSTACK_SCHED;
			return 0;
		}
		return -1;
	}
	if (scsp) {
		st->pc = scpc;
		st->sp = scsp;
		st->syscall = 1;
		st->src = GOSTACK_SYSCALL;
	} else {
		st->pc = schedpc;
		st->sp = schedsp;
		st->src = GOSTACK_SCHED;
	}
	if (status == G_SYSCALL) {
		st->pc = scpc;
		st->sp = scsp;
		st->syscall = 1;
		st->src = GOSTACK_SYSCALL;
	}
	if (m && m->vdsosp) {
		st->pc = m->vdsopc;
		st->sp = m->vdsosp;
		st->syscall = 0;
		st->src = GOSTACK_VDSO;
	}
	if (!st->sp)
		return -1;
	return 0;
}

/* pprof labels: a map[string]string before Go 1.24, a sorted slice of
 * {key, value string} after. */
/*
 * g's pprof labels; 0, or -1 when some of them are not in the core (a cut
 * core: the labels live in the heap, the g may not).
 */
static int labels_of(struct gowalk *w, struct goroutine *g)
{
	const struct goproc *p = w->p;
	uint64_t lp = g->labels_ptr;
	int lost = 0;

	if (!lp)
		return 0;
	if (p->vers.labels_slice) {
		uint64_t ptr, len, i;

		if (procmem_u64(&p->mem, lp, &ptr) ||
		    procmem_u64(&p->mem, lp + 8, &len))
			return -1;
		if (len > 1024)
			return 0;
		for (i = 0; i < len && g->nlabels < GO_MAX_LABELS; i++) {
			struct golabel *lb = &g->labels[g->nlabels];

			if (goproc_read_gostring(p, ptr + i * 32, lb->key,
						 sizeof(lb->key)) < 0 ||
			    goproc_read_gostring(p, ptr + i * 32 + 16,
						 lb->value,
						 sizeof(lb->value)) < 0)
				return -1;
			g->nlabels++;
		}
		return 0;
	}
	/*
	 * g.labels points at a labelMap variable, itself a map (a pointer to
	 * the hmap): count, flags, B, noverflow, hash0, buckets, oldbuckets.
	 */
	if (procmem_u64(&p->mem, lp, &lp))
		return -1;
	if (!lp)
		return 0;
	{
		uint64_t count, buckets, oldbuckets, nb, i;
		uint8_t B;
		int pass;

		if (procmem_u64(&p->mem, lp, &count) ||
		    procmem_u8(&p->mem, lp + 9, &B) ||
		    procmem_u64(&p->mem, lp + 16, &buckets) ||
		    procmem_u64(&p->mem, lp + 24, &oldbuckets))
			return -1;
		if (count > 1024 || B > 16)
			return 0;
		for (pass = 0; pass < 2; pass++) {
			uint64_t base = pass ? oldbuckets : buckets;

			if (!base)
				continue;
			nb = pass ? (1ull << (B ? B - 1 : 0)) : (1ull << B);
			for (i = 0; i < nb; i++) {
				uint64_t bk = base + i * 272;
				int guard = 0;

				while (bk && guard++ < 64) {
					uint8_t top[8];
					int k;

					if (procmem_read(&p->mem, bk, top, 8)) {
						lost = 1;
						break;
					}
					for (k = 0; k < 8; k++) {
						struct golabel *lb;

						if (top[k] < 5 ||
						    g->nlabels >= GO_MAX_LABELS)
							continue;
						lb = &g->labels[g->nlabels];
						if (goproc_read_gostring(p, bk + 8 + k * 16, lb->key, sizeof(lb->key)) < 0 ||
						    goproc_read_gostring(p, bk + 136 + k * 16, lb->value, sizeof(lb->value)) < 0) {
							lost = 1;
							continue;
						}
						g->nlabels++;
					}
					if (procmem_u64(&p->mem, bk + 264, &bk)) {
						lost = 1;
						break;
					}
				}
			}
		}
		/* Print them sorted, as the slice form is. */
		for (i = 1; i < g->nlabels; i++) {
			struct golabel t = g->labels[i];
			size_t j = i;

			while (j > 0 && strcmp(g->labels[j - 1].key, t.key) > 0) {
				g->labels[j] = g->labels[j - 1];
				j--;
			}
			g->labels[j] = t;
		}
	}
	return lost ? -1 : 0;
}

static void read_labels(struct gowalk *w, struct goroutine *g)
{
	if (labels_of(w, g) && !g->problem[0])
		snprintf(g->problem, sizeof(g->problem),
			 "its pprof labels (0x%llx) are not all in the core",
			 (unsigned long long)g->labels_ptr);
}

static void created_by(struct gowalk *w, struct goroutine *g)
{
	const struct goproc *p = w->p;
	struct pcfunc f;
	uint64_t tracepc = g->gopc;

	if (g->goid == 1 || pclntab_func_at(&p->tab, g->gopc, &f))
		return;
	if (g->gopc > f.entry)
		tracepc--;
	g->creator = pclntab_funcname(&p->tab, &f);
	if (!g->creator)
		g->creator = "?";
	pclntab_fileline(&p->tab, &f, tracepc, &g->creator_file,
			 &g->creator_line);
	g->creator_off = g->gopc - f.entry;
}

/*
 * Expand the physical frames from `from` into logical frames in
 * w->frames, with argument texts.
 */
static int expand(struct gowalk *w, size_t from, struct goroutine *g)
{
	size_t i, need = 0, end = w->nphys;

	for (i = from; i < w->nphys; i++) {
		if (need + w->phys[i].sym->n > MAX_LOGICAL(w->nphys)) {
			/* the innermost kept, the cut said */
			end = i;
			if (!g->problem[0])
				snprintf(g->problem, sizeof(g->problem),
					 "more than %zu logical frames: the stack is cut after %zu",
					 MAX_LOGICAL(w->nphys), need);
			break;
		}
		need += w->phys[i].sym->n;
	}
	if (need > w->framecap) {
		struct goframe *n = realloc(w->frames, need * sizeof(*n));

		if (!n)
			return -1;
		w->frames = n;
		w->framecap = need;
	}
	/* offset 0: the "..." of the lists past MAX_ARGTEXT */
	memcpy(w->argbuf, "...", 4);
	w->arglen = 4;
	w->argfull = 0;
	g->nframes = 0;
	for (i = from; i < end; i++) {
		const struct gophys *ph = &w->phys[i];
		const struct gosym *s = ph->sym;
		uint32_t k, args = 0;

		args = format_args(w, s, ph->fp, ph->argpc);
		for (k = 0; k < s->n; k++) {
			const struct gologic *lg = &w->logic[s->first + k];
			struct goframe *fr = &w->frames[g->nframes++];

			fr->func = lg->func;
			fr->file = lg->file;
			fr->line = lg->line;
			fr->inlined = lg->inlined;
			fr->phys = (uint32_t)(i - from);
			fr->pc = ph->pc;
			fr->sp = ph->sp;
			fr->fp = ph->fp;
			fr->entry = s->f.entry;
			fr->args = args;
		}
	}
	if (w->argfull && !g->problem[0])
		snprintf(g->problem, sizeof(g->problem),
			 "argument lists over %u MiB: the rest print (...)",
			 MAX_ARGTEXT >> 20);
	g->frames = w->frames;
	g->nphys = end - from;
	g->argbuf = w->argbuf;
	return 0;
}

int gowalk_g_at(struct gowalk *w, uint64_t addr, struct goroutine *g)
{
	struct start st;
	size_t from = 0, i;
	uint32_t status;

	if (read_g(w, addr, g))
		return -1;
	g->crashed = addr == w->crash_g && addr;
	status = g->status & ~(uint32_t)G_SCAN;
	if (status == G_DEAD ||
	    (w->p->vers.status_leaked && status == G_DEADEXTRA))
		return 1;
	created_by(w, g);
	read_labels(w, g);
	if (start_for(w, g, &st)) {
		snprintf(g->problem, sizeof(g->problem),
			 "no saved pc/sp for this goroutine");
		g->frames = w->frames;
		g->argbuf = w->argbuf;
		return 0;
	}
	g->src = st.src;
	gowalk_unwind(w, st.pc, st.sp, st.trap, st.syscall, g->problem,
		      sizeof(g->problem));
	/*
	 * The runtime prints a crashing goroutine from the caller of
	 * fatalpanic/fatalthrow (getcallerpc there); the frames above are
	 * its own machinery on the way to crash().  When the crash could
	 * not be pinned on a thread (a cut core without the Ms), a goroutine
	 * on its way through fatalpanic/fatalthrow is the one that crashed.
	 */
	if (g->crashed || !w->crash_g) {
		for (i = 0; i < w->nphys; i++) {
			uint8_t sp = w->phys[i].sym->special;

			if (sp == SP_FATALPANIC || sp == SP_FATALTHROW) {
				from = i + 1;
				g->crashed = 1;
				break;
			}
		}
		/* Symbols of the first kept frame as a return address. */
	}
	if (expand(w, from, g)) {
		snprintf(g->problem, sizeof(g->problem), "out of memory");
		return -1;
	}
	return 0;
}

int gowalk_g(struct gowalk *w, uint64_t i, struct goroutine *g)
{
	uint64_t addr;

	memset(g, 0, sizeof(*g));
	if (i >= w->p->allglen && i - w->p->allglen < w->p->nfound) {
		const struct gofound *f = &w->p->found[i - w->p->allglen];
		int r = gowalk_g_at(w, f->g, g);

		g->found = f->how;
		return r;
	}
	if (i >= w->p->allglen ||
	    procmem_u64(&w->p->mem, w->p->allgs + i * 8, &addr)) {
		snprintf(g->problem, sizeof(g->problem),
			 "allgs[%llu] is not in the core", (unsigned long long)i);
		return -1;
	}
	return gowalk_g_at(w, addr, g);
}

int gowalk_stack_has(struct gowalk *w, uint64_t addr, enum gospecial sp)
{
	struct goroutine g;
	struct start st;
	char problem[8] = "";
	int n, i;

	if (read_g(w, addr, &g) || start_for(w, &g, &st))
		return 0;
	n = gowalk_unwind(w, st.pc, st.sp, st.trap, st.syscall, problem,
			  sizeof(problem));
	for (i = 0; i < n && i < 32; i++)
		if (w->phys[i].sym->special == sp)
			return 1;
	return 0;
}

int goproc_check_exe(struct goproc *p)
{
	struct gowalk *w = gowalk_new(p);
	struct goroutine g;
	uint64_t i, k, n;
	unsigned int checked = 0, bad = 0;
	char first[160] = "";

	if (!w)
		return -1;
	/* Up to 1024 goroutines spread over all of them. */
	n = gowalk_count(w);
	for (k = 0; k < 1024 && k < n; k++) {
		i = n <= 1024 ? k : k * n / 1024;
		if (gowalk_g(w, i, &g) || !g.nframes)
			continue;
		checked++;
		if (w->inconsistent) {
			if (!bad++)
				snprintf(first, sizeof(first), "%s", g.problem);
		}
	}
	gowalk_free(w);
	if (!bad)
		return 0;
	snprintf(p->error, sizeof(p->error),
		 "%s: the stacks of %u of %u goroutines contradict the pclntab of %s "
		 "(%s): it is not the executable that crashed",
		 p->core_path, bad, checked, p->exe_path, first);
	return -1;
}
