/* SPDX-License-Identifier: GPL-2.0 */
/*
 * group.h - goroutine triage: which goroutines to show (filters) and
 * buckets of goroutines alike (the same state, the same frames as the
 * runtime prints them, the same creator; arguments ignored, as
 * panicparse's aggressive mode ignores them; locked to a thread or not).
 *
 * The model only: it walks the goroutines in the runtime's order through
 * go/ and keeps, per bucket, its signature (names pointing into the
 * pclntab, alive as long as the goproc) and its members' ids, so memory
 * grows with the buckets and ids, not with the frames of every goroutine.
 * print_group.c prints it.  What a goroutine waits on (the channel, the
 * semaphore) is not read here.
 */
#ifndef GOCAP_GROUP_H
#define GOCAP_GROUP_H

#include <regex.h>
#include <stddef.h>
#include <stdint.h>

#include "go/goheap.h"
#include "go/gomark.h"
#include "go/gonow.h"
#include "go/goroutines.h"
#include "go/gostackmap.h"

/* One --filter KEY=VALUE; every filter given must match. */
enum gfilter_kind {
	GF_STATE,	/* state=RE: the status or wait reason as printed */
	GF_WAIT,	/* wait=DURATION: waited at least that long */
	GF_FUNC,	/* func=RE: some frame's function */
	GF_FILE,	/* file=RE: some frame's file */
	GF_LABEL,	/* label=KEY=VALUE: a pprof label */
	GF_CREATED,	/* created=RE: the creator's function */
};

struct gfilter {
	enum gfilter_kind kind;
	const char *text;	/* as given, for messages and JSON */
	regex_t re;
	int64_t min_wait_ns;
	char key[64], value[128];
};

#define GFILTER_MAX	16

struct gfilters {
	struct gfilter f[GFILTER_MAX];
	size_t n;
};

/*
 * Parse one "KEY=VALUE" into fs.  0, or -1 with what is wrong in err.
 */
int gfilter_add(struct gfilters *fs, const char *arg, char *err,
		size_t errlen);
void gfilters_free(struct gfilters *fs);

/*
 * How long g has waited (ns) at the crash's nanotime now (gonow.h), or -1
 * when unknown: no time of the crash, or the runtime never timed the wait
 * (g.waitsince is set by the first GC that finds g blocked, as the
 * runtime's own ", N minutes" needs).
 */
int64_t triage_waited(const struct gonow *now, const struct goroutine *g);

/* Does g pass every filter of fs (NULL: no filter)? */
int gfilters_match(const struct gfilters *fs, const struct goproc *p,
		   const struct gonow *now, const struct goroutine *g);

/*
 * The frames of g the runtime would print (its elision rules for the
 * core's release, or all of them): frames [0, n) but for the run
 * [cut, cut + ncut) that one "..." line replaces (ncut 0: none).
 * *marker gets that line's text.
 */
void triage_window(const struct goproc *p, const struct goroutine *g,
		   int all_frames, size_t *n, size_t *cut, size_t *ncut,
		   char *marker, size_t mlen);

struct gbframe {
	const char *func, *file;
	int32_t line;
	uint8_t inlined;
};

struct gobucket {
	uint64_t hash;
	const char *state;	/* goroutine_status() */
	uint32_t status;	/* without the scan bit */
	uint8_t waitreason;
	uint8_t crashed;	/* holds the goroutine that crashed */
	struct gbframe *frames;
	size_t nframes;
	size_t cut;		/* the elision line goes before frames[cut] */
	char marker[48];	/* "" when nothing is elided */
	const char *creator, *creator_file;
	int32_t creator_line;
	/* Members, in the runtime's order. */
	uint64_t *goids;
	size_t n, cap;
	uint64_t nlocked;	/* members locked to their thread */
	uint64_t first_seen;	/* walk order of the first member */
	/* Wait times (ns) of the members whose wait is known. */
	int64_t wait_min, wait_max;
	uint64_t nwait_known;
};

struct gstat {
	const char *state;
	uint64_t n;
};

/* A goroutine that has waited long, for summary's list. */
struct glong {
	uint64_t goid;
	int64_t waited;
	const char *state, *func;
};

#define GLONG_MAX	10

struct triage {
	struct goproc *p;
	const struct gonow *now;
	struct gocrash crash;
	struct gobucket *b;	/* sorted by triage_build() */
	size_t nb, cap;
	size_t *index;		/* open-addressing table of bucket indices */
	size_t indexcap;
	/* Goroutines walked, kept (filters), dead, unreadable. */
	uint64_t walked, kept, dead, unreadable, partial;
	struct gstat *states;	/* kept goroutines per state */
	size_t nstates;
	struct glong longest[GLONG_MAX];
	size_t nlongest;
};

/* What triage_walk() skipped. */
struct triage_counts {
	uint64_t dead, unreadable;
};

/*
 * Call fn for every live goroutine of p: the crashed one first (crash
 * gets the crash), then in allgs order, as print_goroutines prints them;
 * c counts the dead ones and the allgs entries not read.  0, or -1 when
 * out of memory or when fn returned nonzero.
 */
int triage_walk(struct goproc *p, struct gocrash *crash,
		struct triage_counts *c,
		int (*fn)(void *arg, const struct goroutine *g), void *arg);

/*
 * Walk every goroutine of p (the crashed one first, then allgs order, as
 * print_goroutines), keep those fs lets through and bucket them; now (may
 * be NULL) times the waits.  0, or -1 when out of memory.
 */
int triage_build(struct triage *t, struct goproc *p,
		 const struct gfilters *fs, const struct gonow *now,
		 int all_frames);
void triage_free(struct triage *t);

/* "1, 5-9, 12" for ids (sorted copy made inside), into buf. */
void triage_ranges(const uint64_t *ids, size_t n, char *buf, size_t len);

/* gocap heap's mark (heap_mark.c): its result, or why there is none. */
struct heap_mark {
	struct gomark_stats st;
	struct gostackmap_stats maps;
	uint64_t stacks_unread;
	int done;
	char why[256];
	/* heap_mark_each only: the types carried (gomark_types) */
	int typed;
	struct gomark_type_stats ty;
	uint64_t dwarf_globals;		/* typed roots from DWARF */
	uint64_t dwarf_locals;		/* typed roots from DWARF's
					 * locals, live in a frame */
	uint64_t dwarf_mismatch;	/* left out: DWARF and the
					 * descriptor disagree on its name */
	char dwarf_why[1024];		/* not "": DWARF was not read */
};

/* Mark the heap of p, whose statistics and spans s holds, from every
 * root (the stacks, the registers, gomark's own) into hm. */
void heap_mark(struct goproc *p, const struct goheap_stats *s,
	       struct heap_mark *hm);
/* The same, then the types carried from the heap's own records and from
 * the globals DWARF types (gomark_types), and fn(arg, object) for each
 * object reached (gomark_each); fn's nonzero value is taken for running
 * out of memory. */
void heap_mark_each(struct goproc *p, const struct goheap_stats *s,
		    struct heap_mark *hm,
		    int (*fn)(void *arg, const struct gomark_object *o),
		    void *arg);

/* A stack root's source id (gomark_source): the goroutine, and 1 + the
 * index in its frames of the frame that held the word (0: none). */
#define HEAP_STACK_FRAMES	(1u << 20)
#define HEAP_STACK_ID(goid, frame)	((uint64_t)(goid) << 20 | (frame))
#define HEAP_STACK_GOID(id)	((id) >> 20)
#define HEAP_STACK_FRAME(id)	((size_t)((id) & (HEAP_STACK_FRAMES - 1)))

/* What heap why explains: the object holding addr, or (type not NULL)
 * the object of that type nearest the roots, whose address it sets, and
 * objects: how many of the type the mark reached. */
struct heap_why_path {
	int n;			/* hops */
	uint64_t root;		/* as gomark_path's */
	struct gomark_hop *hops;
};

/* A global DWARF types as count values of one type (heap why's
 * fields), kept from the mark's pass over DWARF: at addr (as linked),
 * its type's descriptor typ; named: 1 when the descriptor is named as
 * DWARF names the type, -1 when not. */
struct heap_dwarf_global {
	uint64_t addr, typ, count;
	int named;
};

struct heap_why_q {
	uint64_t addr;
	const char *type;
	uint64_t objects;
	/* --all: up to all - 1 more paths, each through another object,
	 * global, goroutine's frame or thread that points at it, shortest
	 * first (heap_why_free) */
	size_t all;
	struct heap_why_path *paths;
	size_t npaths;
	/* DWARF's globals, in its order (heap_why_free) */
	struct heap_dwarf_global *globals;
	size_t nglobals, capglobals;
};

void heap_why_free(struct heap_why_q *q);

/* A root of heap why's paths, named (gocap/cmd_heap.c name_roots). */
struct heap_root_name {
	uint64_t root;		/* a gomark root: a word's address or source */
	const char *kind;	/* "global", "stack", "registers", ... */
	char desc[320];
	char func[224];		/* a stack root's frame's function, or "" */
	char field[224];	/* a global root's field, or "" */
	int named_field, named;	/* (the lookups' own) */
};

/* Each global root word's field in the global that holds it ("[3]",
 * ".Name"), where the executable's DWARF types the global (not
 * --no-dwarf); "" when it does not, or the word is in no field.  The
 * globals are those heap_why kept from the mark's pass over DWARF (q's
 * globals), so DWARF is not read again. */
void heap_global_fields(struct goproc *p, const struct heap_why_q *q,
			struct heap_root_name *r, size_t n);

/* The same mark, the paths kept (gomark_track), the types carried and
 * DWARF's globals kept in q (for heap_global_fields; heap_why_free
 * frees them, whatever heap_why returned), then gomark_path to q's
 * object: its value (-2 also when no object of the type was reached),
 * or -3 when the mark failed (hm->why says why). */
int heap_why(struct goproc *p, const struct goheap_stats *s,
	     struct heap_mark *hm, struct heap_why_q *q,
	     struct gomark_hop *hops, size_t max, uint64_t *root);

/*
 * The same mark and types, then the dominator tree of the objects
 * reached (gomark_dominators) walked depth first (gomark_dom_walk): enter
 * and leave for each object, with its retained size.  0, enter's nonzero
 * value, or -1 when the mark or the tree failed (hm->why says why; ds
 * the tree's size).
 */
/* Not 0: heap_retained checks the tree by brute force on graphs of at
 * most that many objects (gomark_dom_check; its error in hm->why). */
extern uint64_t heap_dom_check;
int heap_retained(struct goproc *p, const struct goheap_stats *s,
		  struct heap_mark *hm, struct gomark_dom_stats *ds,
		  int (*enter)(void *arg, const struct gomark_object *o,
			       uint64_t retained, uint64_t depth),
		  void (*leave)(void *arg, uint64_t depth),
		  void *arg);

#endif /* GOCAP_GROUP_H */
