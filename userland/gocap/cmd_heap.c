// SPDX-License-Identifier: GPL-2.0
/*
 * cmd_heap.c - gocap heap: where the process's memory went, from the
 * runtime's own accounting in the core (go/goheap.h): what
 * runtime.ReadMemStats would have returned at the crash, by category, and
 * the core's mappings by kind.  gocap heap allocs: the program's sampled
 * heap profile (go/goprof.h), written for go tool pprof.  The mark
 * (go/gomark.h) splits the allocated objects into those reachable from
 * the roots and the garbage the next collection would free.
 */
#include <errno.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/json.h"
#include "core/pprofenc.h"
#include "go/goheap.h"
#include "go/goproc.h"
#include "go/goprof.h"
#include "go/goroutines.h"
#include "gocap/gocap.h"
#include "gocap/group.h"

/* The MemStats fields printed, in runtime.MemStats's order. */
#define MEMSTATS_FIELDS(X)						\
	X(Alloc, alloc) X(TotalAlloc, total_alloc) X(Sys, sys)		\
	X(Mallocs, mallocs) X(Frees, frees) X(HeapAlloc, heap_alloc)	\
	X(HeapSys, heap_sys) X(HeapIdle, heap_idle)			\
	X(HeapInuse, heap_inuse) X(HeapReleased, heap_released)	\
	X(HeapObjects, heap_objects) X(StackInuse, stack_inuse)		\
	X(StackSys, stack_sys) X(MSpanInuse, mspan_inuse)		\
	X(MSpanSys, mspan_sys) X(MCacheInuse, mcache_inuse)		\
	X(MCacheSys, mcache_sys) X(BuckHashSys, buckhash_sys)		\
	X(GCSys, gc_sys) X(OtherSys, other_sys) X(LastGC, last_gc)	\
	X(PauseTotalNs, pause_total_ns)

static const char *mib(uint64_t v, char *buf, size_t len)
{
	snprintf(buf, len, "%.1f MiB", (double)v / (1 << 20));
	return buf;
}

static void line(const char *indent, const char *name, uint64_t v,
		 const char *what)
{
	char b[32];

	printf("%s%-*s %15llu  %11s  %s\n", indent, (int)(20 - strlen(indent)),
	       name, (unsigned long long)v, mib(v, b, sizeof(b)), what);
}

/* The objects counted in the spans, and the size classes that hold the
 * most bytes. */
static void print_spans(const struct goheap_stats *s)
{
	int used[GOHEAP_NUM_SIZE_CLASSES] = { 0 }, i, k;
	char b[32];

	if (!s->spans.done) {
		printf("# the heap's spans were not counted: %s\n",
		       s->spans.partial);
		return;
	}
	printf("# counted in the heap's %llu spans in use: %llu objects, %s%s\n",
	       (unsigned long long)s->spans.inuse,
	       (unsigned long long)s->spans.objects,
	       mib(s->spans.bytes, b, sizeof(b)),
	       s->spans.partial[0] ? " before the count stopped" :
	       s->spans.objects == s->heap_objects &&
	       s->spans.bytes == s->heap_alloc ?
	       " (HeapObjects and HeapAlloc)" :
	       " (not HeapObjects and HeapAlloc: some spans were not swept since the last collection)");
	if (s->spans.partial[0])
		printf("#   the count stopped: %s\n", s->spans.partial);
	/* the five size classes with the most bytes */
	for (k = 0; k < 5; k++) {
		int best = -1;

		for (i = 0; i < GOHEAP_NUM_SIZE_CLASSES; i++)
			if (!used[i] && s->spans.by_class[i].bytes &&
			    (best < 0 || s->spans.by_class[i].bytes >
			     s->spans.by_class[best].bytes))
				best = i;
		if (best < 0)
			break;
		used[best] = 1;
		if (best)
			printf("#   %10llu objects of %5u bytes: %s\n",
			       (unsigned long long)s->spans.by_class[best].objects,
			       goheap_class_size(best),
			       mib(s->spans.by_class[best].bytes, b, sizeof(b)));
		else
			printf("#   %10llu large objects (over 32 KiB): %s\n",
			       (unsigned long long)s->spans.by_class[0].objects,
			       mib(s->spans.by_class[0].bytes, b, sizeof(b)));
	}
}

static void print_text(const struct goproc *p, const struct goheap_stats *s)
{
	uint64_t accounted;
	char t[64] = "never";

	if (s->last_gc) {
		time_t sec = (time_t)(s->last_gc / 1000000000ull);
		struct tm tm;

		if (gmtime_r(&sec, &tm))
			strftime(t, sizeof(t), "%Y-%m-%d %H:%M:%S UTC", &tm);
	}
	printf("# %s: Go %s, layout %s, runtime globals from %s\n",
	       p->core_path, p->go_version, p->layout.source,
	       s->globals_from);
	printf("# what runtime.ReadMemStats would have returned at the crash\n");
	line("", "Sys", s->sys, "from the OS, all of the below");
	line("  ", "HeapSys", s->heap_sys, "the heap");
	line("    ", "HeapInuse", s->heap_inuse, "in spans with objects");
	line("    ", "HeapIdle", s->heap_idle, "in no span");
	line("      ", "HeapReleased", s->heap_released,
	     "of it given back to the OS");
	line("  ", "StackSys", s->stack_sys, "goroutine and system stacks");
	line("    ", "StackInuse", s->stack_inuse, "in stack spans");
	line("  ", "MSpanSys", s->mspan_sys, "span structures");
	line("    ", "MSpanInuse", s->mspan_inuse, "in use");
	line("  ", "MCacheSys", s->mcache_sys, "per-P caches");
	line("    ", "MCacheInuse", s->mcache_inuse, "in use");
	line("  ", "BuckHashSys", s->buckhash_sys, "profiling buckets");
	line("  ", "GCSys", s->gc_sys, "garbage collector metadata");
	line("  ", "OtherSys", s->other_sys, "other runtime structures");
	line("", "HeapAlloc", s->heap_alloc,
	     "bytes of allocated heap objects (Alloc)");
	printf("%-20s %15llu\n", "HeapObjects",
	       (unsigned long long)s->heap_objects);
	line("", "TotalAlloc", s->total_alloc, "allocated since the start");
	printf("%-20s %15llu\n%-20s %15llu\n", "Mallocs",
	       (unsigned long long)s->mallocs, "Frees",
	       (unsigned long long)s->frees);
	printf("%-20s %15u\n%-20s %15u\n", "NumGC", s->num_gc, "NumForcedGC",
	       s->num_forced_gc);
	printf("%-20s %15llu  %s\n", "LastGC", (unsigned long long)s->last_gc,
	       t);
	printf("%-20s %15llu  %.3f s\n", "PauseTotalNs",
	       (unsigned long long)s->pause_total_ns,
	       (double)s->pause_total_ns / 1e9);
	printf("%-20s %15.6f\n", "GCCPUFraction", s->gc_cpu_fraction);
	if (s->partial[0])
		printf("# without the Ps' caches (not in the core): what was allocated from their spans is left out\n");
	else
		printf("# of these, from the Ps' caches (counted by ReadMemStats's flush, not yet by the runtime): %llu objects, %llu bytes, %llu tiny allocations, %u Ps\n",
		       (unsigned long long)s->pending_allocs,
		       (unsigned long long)s->pending_bytes,
		       (unsigned long long)s->pending_tiny, s->mcaches);
	accounted = s->gc_total_alloc + s->pending_bytes;
	printf("# gcController.totalAlloc %s TotalAlloc%s\n",
	       accounted == s->total_alloc ? "agrees with" : "DISAGREES with",
	       accounted == s->total_alloc ? "" :
	       " (the core was taken in the middle of an allocation, or is corrupt)");
	print_spans(s);
	printf("# the core's mappings: %s anonymous writable, ",
	       mib(s->map_anon_rw, t, sizeof(t)));
	printf("%s file-backed, ", mib(s->map_file, t, sizeof(t)));
	printf("%s reserved (no access), ", mib(s->map_none, t, sizeof(t)));
	printf("%s other\n", mib(s->map_other, t, sizeof(t)));
}

static void print_mark(const struct heap_mark *hm)
{
	char b[32], b2[32];
	uint64_t objs = hm->st.objects - hm->st.reached;
	uint64_t bytes = hm->st.bytes - hm->st.reached_bytes;

	if (!hm->done) {
		printf("# the heap was not marked: %s\n", hm->why);
		return;
	}
	printf("# marked from the roots: %llu objects, %s reachable; ",
	       (unsigned long long)hm->st.reached,
	       mib(hm->st.reached_bytes, b, sizeof(b)));
	printf("%llu objects, %s not: garbage the next collection frees, at least\n",
	       (unsigned long long)objs, mib(bytes, b, sizeof(b)));
	printf("#   roots: %s of globals (%s through their pointer masks), %llu stack and register words (%llu frames through their stack maps, %llu whole), %llu specials (%llu finalizers), %llu tiny blocks\n",
	       mib(hm->st.globals, b, sizeof(b)),
	       mib(hm->st.globals_precise, b2, sizeof(b2)),
	       (unsigned long long)hm->st.root_words,
	       (unsigned long long)hm->maps.precise,
	       (unsigned long long)hm->maps.whole,
	       (unsigned long long)hm->st.specials,
	       (unsigned long long)hm->st.finalizers,
	       (unsigned long long)hm->st.tiny);
	printf("#   %llu objects scanned through their pointer bitmaps, %llu whole (every word a possible pointer: a word that is no pointer can keep garbage reachable, never the reverse)\n",
	       (unsigned long long)hm->st.precise,
	       (unsigned long long)hm->st.whole);
	if (hm->st.partial[0])
		printf("#   the mark is partial (it finds less): %s\n",
		       hm->st.partial);
}

static json_t *mark_json(const struct heap_mark *hm)
{
	json_t *j = json_object();
	int bad = !j;

	if (bad)
		return NULL;
	if (!hm->done) {
		js_put(j, "error", js_text(hm->why), &bad);
	} else {
		js_put(j, "reachable_objects", json_integer((json_int_t)hm->st.reached), &bad);
		js_put(j, "reachable_bytes", json_integer((json_int_t)hm->st.reached_bytes), &bad);
		js_put(j, "unreachable_objects", json_integer((json_int_t)(hm->st.objects - hm->st.reached)), &bad);
		js_put(j, "unreachable_bytes", json_integer((json_int_t)(hm->st.bytes - hm->st.reached_bytes)), &bad);
		js_put(j, "globals_bytes", json_integer((json_int_t)hm->st.globals), &bad);
		js_put(j, "globals_precise_bytes", json_integer((json_int_t)hm->st.globals_precise), &bad);
		js_put(j, "objects_precise", json_integer((json_int_t)hm->st.precise), &bad);
		js_put(j, "objects_whole", json_integer((json_int_t)hm->st.whole), &bad);
		js_put(j, "root_words", json_integer((json_int_t)hm->st.root_words), &bad);
		js_put(j, "frames_precise", json_integer((json_int_t)hm->maps.precise), &bad);
		js_put(j, "frames_whole", json_integer((json_int_t)hm->maps.whole), &bad);
		js_put(j, "specials", json_integer((json_int_t)hm->st.specials), &bad);
		js_put(j, "finalizers", json_integer((json_int_t)hm->st.finalizers), &bad);
		js_put(j, "tiny_blocks", json_integer((json_int_t)hm->st.tiny), &bad);
		js_put(j, "scanned_bytes", json_integer((json_int_t)hm->st.scanned), &bad);
		js_put(j, "partial", hm->st.partial[0] ?
		       js_text(hm->st.partial) : json_null(), &bad);
	}
	if (bad) {
		json_decref(j);
		return NULL;
	}
	return j;
}

static json_t *to_json(const struct goproc *p, const struct goheap_stats *s)
{
	json_t *j = json_object(), *ms = json_object(), *bs = json_array();
	json_t *pend = json_object(), *maps = json_object();
	int bad = !j || !ms || !bs || !pend || !maps, i;

#define PUT(name, field) js_put(ms, #name, json_integer((json_int_t)s->field), &bad);
	MEMSTATS_FIELDS(PUT)
#undef PUT
	js_put(ms, "NumGC", json_integer(s->num_gc), &bad);
	js_put(ms, "NumForcedGC", json_integer(s->num_forced_gc), &bad);
	js_put(ms, "GCCPUFraction", json_real(s->gc_cpu_fraction), &bad);
	for (i = 0; !bad && i < GOHEAP_NUM_SIZE_CLASSES; i++) {
		json_t *e = json_object();

		if (!e || json_array_append_new(bs, e)) {
			bad = 1;
			break;
		}
		js_put(e, "Mallocs", json_integer((json_int_t)s->by_size[i].mallocs), &bad);
		js_put(e, "Frees", json_integer((json_int_t)s->by_size[i].frees), &bad);
	}
	js_put(ms, "BySize", bs, &bad);
	js_put(pend, "objects", json_integer((json_int_t)s->pending_allocs), &bad);
	js_put(pend, "bytes", json_integer((json_int_t)s->pending_bytes), &bad);
	js_put(pend, "tiny", json_integer((json_int_t)s->pending_tiny), &bad);
	js_put(pend, "mcaches", json_integer(s->mcaches), &bad);
	js_put(maps, "anon_rw", json_integer((json_int_t)s->map_anon_rw), &bad);
	js_put(maps, "file", json_integer((json_int_t)s->map_file), &bad);
	js_put(maps, "reserved", json_integer((json_int_t)s->map_none), &bad);
	js_put(maps, "other", json_integer((json_int_t)s->map_other), &bad);
	js_put(j, "go_version", js_text(p->go_version), &bad);
	js_put(j, "layout", js_text(p->layout.source), &bad);
	js_put(j, "globals_from", js_text(s->globals_from), &bad);
	js_put(j, "memstats", ms, &bad);
	js_put(j, "pending", pend, &bad);
	js_put(j, "partial", s->partial[0] ? js_text(s->partial) : json_null(),
	       &bad);
	js_put(j, "total_alloc_agrees", json_boolean(s->gc_total_alloc +
						     s->pending_bytes ==
						     s->total_alloc), &bad);
	js_put(j, "mappings", maps, &bad);
	if (s->spans.done || s->spans.partial[0]) {
		json_t *sp = json_object(), *bc = json_array();

		bad |= !sp || !bc;
		for (i = 0; !bad && i < GOHEAP_NUM_SIZE_CLASSES; i++) {
			json_t *e = json_object();

			if (!e || json_array_append_new(bc, e)) {
				bad = 1;
				break;
			}
			js_put(e, "objects", json_integer((json_int_t)s->spans.by_class[i].objects), &bad);
			js_put(e, "bytes", json_integer((json_int_t)s->spans.by_class[i].bytes), &bad);
		}
		js_put(sp, "spans", json_integer((json_int_t)s->spans.spans), &bad);
		js_put(sp, "in_use", json_integer((json_int_t)s->spans.inuse), &bad);
		js_put(sp, "objects", json_integer((json_int_t)s->spans.objects), &bad);
		js_put(sp, "bytes", json_integer((json_int_t)s->spans.bytes), &bad);
		js_put(sp, "by_class", bc, &bad);
		js_put(sp, "partial", s->spans.partial[0] ?
		       js_text(s->spans.partial) : json_null(), &bad);
		js_put(j, "spans", sp, &bad);
	}
	if (bad) {
		json_decref(j);
		return NULL;
	}
	return j;
}

/* gocap heap allocs: the memory profile's buckets, as a profile.proto */
static int heap_allocs(struct gocap_opts *o, struct goproc *p)
{
	struct goprof_mem m;
	char err[512];
	FILE *f;
	int ret = 0;

	if (goprof_mem_read(p, &m, err, sizeof(err))) {
		gocap_err("%s: %s", o->core, err);
		goprof_mem_free(&m);
		return 1;
	}
	if (!m.n && !m.rate && !m.partial[0]) {
		gocap_err("%s: the program's memory profiling was off (runtime.MemProfileRate 0: the linker turns it off in a program that cannot call runtime.MemProfile, one that does not import runtime/pprof), so there is no profile to recover",
			  o->core);
		goprof_mem_free(&m);
		return 1;
	}
	f = fopen(o->output, "w");
	if (!f) {
		gocap_err("%s: %s", o->output, strerror(errno));
		goprof_mem_free(&m);
		return 1;
	}
	if (goprof_write_heap(p, &m, f, err, sizeof(err))) {
		gocap_err("%s: %s", o->output, err);
		ret = 1;
	}
	if (fclose(f) && !ret) {
		gocap_err("%s: %s", o->output, strerror(errno));
		ret = 1;
	}
	if (!ret) {
		char rate[96];

		/* rate 0: the runtime's own, sampled before the linker's
		 * switch-off */
		if (m.rate)
			snprintf(rate, sizeof(rate), "every %lld bytes on average (runtime.MemProfileRate)",
				 (long long)m.rate);
		printf("%s: %zu stacks sampled %s, runtime globals from %s%s\n",
		       o->output, m.n, m.rate ? rate :
		       "while the program started, then memory profiling was off (runtime.MemProfileRate 0: the program does not import runtime/pprof)",
		       m.from,
		       m.cycle_known ? "" :
		       "; the profiling cycle was not found, the cycle the last collection completed is left out");
	}
	if (!ret && m.partial[0]) {
		gocap_err("%s: the profile leaves out what the core does not hold: %s",
			  o->core, m.partial);
		ret = 1;
	}
	goprof_mem_free(&m);
	return ret;
}

/* ---- gocap heap diff ------------------------------------------------- */

/* One allocation site (a stack) and its values in A and B. */
struct site {
	char *key;		/* the frames, "func file:line\n" each */
	int64_t v[2][4];	/* alloc_objects, alloc_space, inuse_objects,
				 * inuse_space, in A ([0]) and B ([1]) */
};

struct sites {
	struct site *s;
	size_t n, cap;
};

/* b - a and a + b wrapping: the values come from the core, any of them */
static int64_t sub64(int64_t b, int64_t a)
{
	return (int64_t)((uint64_t)b - (uint64_t)a);
}

static int64_t add64(int64_t a, int64_t b)
{
	return (int64_t)((uint64_t)a + (uint64_t)b);
}

static const char *const value_names[4] = {
	"alloc_objects", "alloc_space", "inuse_objects", "inuse_space",
};

/* The stack's key: its frames, one a line. */
static char *frames_key(const struct goprof_frame *f, int n)
{
	size_t len = 1, off = 0;
	char *k;
	int i;

	for (i = 0; i < n; i++)
		len += (f[i].func ? strlen(f[i].func) + strlen(f[i].file) : 0) +
			40;
	k = malloc(len);
	if (!k)
		return NULL;
	k[0] = 0;
	for (i = 0; i < n; i++)
		off += (size_t)(f[i].func ?
			snprintf(k + off, len - off, "%s %s:%d\n", f[i].func,
				 f[i].file, f[i].line) :
			snprintf(k + off, len - off, "?0x%llx\n",
				 (unsigned long long)f[i].addr));
	return k;
}

/* The next frame of a key at *k: its length; *k moves past it. */
static int next_frame(const char **k, const char **frame)
{
	const char *e = strchr(*k, '\n');
	int len = e ? (int)(e - *k) : (int)strlen(*k);

	*frame = *k;
	*k += len + (e ? 1 : 0);
	return len;
}

static void free_sites(struct sites *ss)
{
	size_t k;

	for (k = 0; k < ss->n; k++)
		free(ss->s[k].key);
	free(ss->s);
	memset(ss, 0, sizeof(*ss));
}

/* Add p's profile m as side (0: A, 1: B) to ss, unmerged. */
static int add_sites(struct goproc *p, const struct goprof_mem *m, int side,
		     struct sites *ss)
{
	struct goprof_frame *f = malloc(GOPROF_MAX_FRAMES * sizeof(*f));
	struct gowalk *w = gowalk_new(p);
	size_t i;
	int ret = -1;

	for (i = 0; f && w && i < m->n; i++) {
		int n = goprof_record_frames(w, m, &m->r[i], f,
					     GOPROF_MAX_FRAMES);
		struct site *st;
		int64_t label;

		if (n < 0)
			goto out;
		if (ss->n == ss->cap) {
			size_t cap = ss->cap ? ss->cap * 2 : 256;
			struct site *x = realloc(ss->s, cap * sizeof(*x));

			if (!x)
				goto out;
			ss->s = x;
			ss->cap = cap;
		}
		st = &ss->s[ss->n];
		memset(st, 0, sizeof(*st));
		goprof_record_values(m, &m->r[i], st->v[side], &label);
		st->key = frames_key(f, n);
		if (!st->key)
			goto out;
		ss->n++;
	}
	ret = f && w ? 0 : -1;
out:
	gowalk_free(w);
	free(f);
	return ret;
}

static int cmp_key(const void *a, const void *b)
{
	return strcmp(((const struct site *)a)->key,
		      ((const struct site *)b)->key);
}

/* Growth of in-use bytes, largest first; then by key. */
static int cmp_growth(const void *a, const void *b)
{
	const struct site *x = a, *y = b;
	int64_t dx = sub64(x->v[1][3], x->v[0][3]);
	int64_t dy = sub64(y->v[1][3], y->v[0][3]);

	if (dx != dy)
		return dx > dy ? -1 : 1;
	return strcmp(x->key, y->key);
}

/* Merge the entries of the same stack; drop the ones that did not
 * change. */
static void merge_sites(struct sites *ss)
{
	size_t i, k = 0;
	int j, side;

	if (ss->n)
		qsort(ss->s, ss->n, sizeof(*ss->s), cmp_key);
	for (i = 0; i < ss->n; i++) {
		if (k && !strcmp(ss->s[k - 1].key, ss->s[i].key)) {
			for (side = 0; side < 2; side++)
				for (j = 0; j < 4; j++)
					ss->s[k - 1].v[side][j] =
						add64(ss->s[k - 1].v[side][j],
						      ss->s[i].v[side][j]);
			free(ss->s[i].key);
			continue;
		}
		ss->s[k++] = ss->s[i];
	}
	ss->n = k;
	for (i = k = 0; i < ss->n; i++) {
		if (!memcmp(ss->s[i].v[0], ss->s[i].v[1], sizeof(ss->s[i].v[0]))) {
			free(ss->s[i].key);
			continue;
		}
		ss->s[k++] = ss->s[i];
	}
	ss->n = k;
	if (ss->n)
		qsort(ss->s, ss->n, sizeof(*ss->s), cmp_growth);
}

/* The MemStats fields heap diff compares. */
#define DIFF_FIELDS(X)							\
	X(Sys, sys) X(HeapSys, heap_sys) X(HeapAlloc, heap_alloc)	\
	X(HeapInuse, heap_inuse) X(HeapIdle, heap_idle)			\
	X(HeapReleased, heap_released) X(HeapObjects, heap_objects)	\
	X(StackInuse, stack_inuse) X(GCSys, gc_sys)			\
	X(OtherSys, other_sys) X(TotalAlloc, total_alloc)		\
	X(Mallocs, mallocs) X(Frees, frees)

/* Growth by type (type_deltas, after heap types' histogram). */
struct type_delta {
	char name[256];
	int64_t objs[2], bytes[2];	/* in A and B */
};

struct type_deltas {
	struct type_delta *r;
	size_t n;
	int done;
	char why[4900];		/* not done: which side, and why */
};

static int cmp_delta_name(const void *a, const void *b)
{
	return strcmp(((const struct type_delta *)a)->name,
		      ((const struct type_delta *)b)->name);
}

static int cmp_delta_growth(const void *a, const void *b)
{
	const struct type_delta *x = a, *y = b;
	int64_t gx = x->bytes[1] - x->bytes[0], gy = y->bytes[1] - y->bytes[0];

	if (gx != gy)
		return gx < gy ? 1 : -1;
	return strcmp(x->name, y->name);
}

struct diff_side;
static int type_deltas(struct diff_side *d, struct type_deltas *td);

struct diff_side {
	struct gocap_opts o;
	char core[4096], exe[4096];
	struct goproc p;
	int open;
	struct goheap_stats st;
	int have_stats;
	char stats_err[512];
	struct goprof_mem m;
};

/* Resolve and open one side: a core file, or a dump ID of the store. */
static int open_side(const struct gocap_opts *o, const char *arg,
		     struct diff_side *d)
{
	char err[512];

	d->o = *o;
	d->o.sub = NULL;
	d->o.id = d->o.id2 = NULL;
	if (!access(arg, F_OK)) {
		d->o.core = arg;
	} else {
		d->o.id = arg;
		if (store_resolve(&d->o))
			return 1;
	}
	/* store_resolve()'s buffers serve the next side too: copy */
	snprintf(d->core, sizeof(d->core), "%s", d->o.core);
	d->o.core = d->core;
	if (d->o.exe) {
		snprintf(d->exe, sizeof(d->exe), "%s", d->o.exe);
		d->o.exe = d->exe;
	}
	if (gocap_open_proc(&d->o, "heap diff", &d->p))
		return 1;
	d->open = 1;
	d->have_stats = !goheap_memstats(&d->p, &d->st, d->stats_err,
					 sizeof(d->stats_err));
	if (d->have_stats && d->st.partial[0]) {
		snprintf(d->stats_err, sizeof(d->stats_err), "%s",
			 d->st.partial);
		d->have_stats = 0;
	}
	if (goprof_mem_read(&d->p, &d->m, err, sizeof(err))) {
		gocap_err("%s: %s", d->core, err);
		return 1;
	}
	if (d->m.partial[0]) {
		gocap_err("%s: the heap profile is cut short (%s): the sites would not compare",
			  d->core, d->m.partial);
		return 1;
	}
	return 0;
}

/* A byte count in B, KiB or MiB, with its sign when sign. */
static const char *sbytes(int64_t v, int sign, char *buf, size_t len)
{
	double a = v < 0 ? -(double)v : (double)v;

	if (a < 1024)
		snprintf(buf, len, sign ? "%+lld B" : "%lld B", (long long)v);
	else if (a < 1 << 20)
		snprintf(buf, len, sign ? "%+.1f KiB" : "%.1f KiB",
			 (double)v / 1024);
	else
		snprintf(buf, len, sign ? "%+.1f MiB" : "%.1f MiB",
			 (double)v / (1 << 20));
	return buf;
}

/* One site: its growth from A to B (sign) or its values in B, and its
 * first frames, "func file:line" with the file's base name. */
static void print_site_text(const struct site *st, int sign)
{
	const char *k = st->key;
	char b1[32], b2[32];
	int nf = 0;

	printf(sign ? "%12s %+11lld %12s  " : "%12s %11lld %12s  ",
	       sbytes(sub64(st->v[1][3], st->v[0][3]), sign, b1, sizeof(b1)),
	       (long long)sub64(st->v[1][2], st->v[0][2]),
	       sbytes(sub64(st->v[1][1], st->v[0][1]), sign, b2, sizeof(b2)));
	while (*k && nf < 3) {
		const char *fr, *sp, *file, *slash;
		int len = next_frame(&k, &fr);

		/* "func /dir/file.go:N": the base name of the file (the
		 * last space: a generic's name may hold some) */
		sp = memrchr(fr, ' ', (size_t)len);
		if (sp) {
			file = sp + 1;
			for (slash = file; slash < fr + len; slash++)
				if (*slash == '/')
					file = slash + 1;
			printf("%s%.*s %.*s", nf ? " < " : "", (int)(sp - fr),
			       fr, (int)(fr + len - file), file);
		} else {
			printf("%s%.*s", nf ? " < " : "", len, fr);
		}
		nf++;
	}
	printf("%s\n", *k ? " < ..." : "");
}

/* A site as JSON: its frames, and its values in A, in B and their
 * difference (diff), or in B alone as "values". */
static json_t *site_json(const struct site *st, int diff)
{
	static const char *const names[3] = { "a", "b", "delta" };
	json_t *j = json_object(), *fr = json_array();
	const char *k = st->key;
	int bad = !j || !fr, side, i;

	for (side = diff ? 0 : 1; side < (diff ? 3 : 2); side++) {
		json_t *v = json_object();

		bad |= !v;
		for (i = 0; v && i < 4; i++)
			js_put(v, value_names[i], json_integer(
				side < 2 ? st->v[side][i] :
				sub64(st->v[1][i], st->v[0][i])), &bad);
		js_put(j, diff ? names[side] : "values", v, &bad);
	}
	while (!bad && *k) {
		const char *f;
		int len = next_frame(&k, &f);
		char frame[8192];

		snprintf(frame, sizeof(frame), "%.*s", len, f);
		if (json_array_append_new(fr, js_text(frame)))
			bad = 1;
	}
	js_put(j, "frames", fr, &bad);
	if (bad) {
		json_decref(j);
		return NULL;
	}
	return j;
}

/* The growth by type as JSON: null when a side was not marked. */
static json_t *types_json(const struct type_deltas *td)
{
	json_t *a;
	size_t i;
	int bad = 0;

	if (!td->done)
		return json_null();
	a = json_array();
	for (i = 0; a && !bad && i < td->n; i++) {
		const struct type_delta *t = &td->r[i];
		json_t *e = json_object();

		bad |= !e;
		if (bad)
			break;
		js_put(e, "type", js_text(t->name), &bad);
		js_put(e, "objects_a", json_integer((json_int_t)t->objs[0]), &bad);
		js_put(e, "objects_b", json_integer((json_int_t)t->objs[1]), &bad);
		js_put(e, "bytes_a", json_integer((json_int_t)t->bytes[0]), &bad);
		js_put(e, "bytes_b", json_integer((json_int_t)t->bytes[1]), &bad);
		js_put(e, "objects_delta", json_integer((json_int_t)(t->objs[1] - t->objs[0])), &bad);
		js_put(e, "bytes_delta", json_integer((json_int_t)(t->bytes[1] - t->bytes[0])), &bad);
		bad |= json_array_append_new(a, e);
	}
	if (bad) {
		json_decref(a);
		return NULL;
	}
	return a;
}

static int diff_json(struct diff_side *d, const struct sites *ss,
		     const struct type_deltas *td)
{
	json_t *j = json_object(), *ms = json_null(), *sa = json_array();
	int bad = !j || !sa, i, ret;
	size_t k;

	if (d[0].have_stats && d[1].have_stats) {
		ms = json_object();
#define PUT(name, field) {						\
		json_t *f = json_object();				\
									\
		js_put(f, "a", json_integer((json_int_t)d[0].st.field), &bad); \
		js_put(f, "b", json_integer((json_int_t)d[1].st.field), &bad); \
		js_put(f, "delta", json_integer((json_int_t)(d[1].st.field - \
							     d[0].st.field)), &bad); \
		js_put(ms, #name, f, &bad);				\
	}
		DIFF_FIELDS(PUT)
#undef PUT
	}
	for (i = 0; i < 2; i++) {
		json_t *s = json_object();

		js_put(s, "core", js_text(d[i].core), &bad);
		js_put(s, "go_version", js_text(d[i].p.go_version), &bad);
		js_put(s, "memprofile_rate", json_integer(d[i].m.rate), &bad);
		js_put(s, "memstats_error", d[i].have_stats ? json_null() :
		       js_text(d[i].stats_err), &bad);
		js_put(j, i ? "b" : "a", s, &bad);
	}
	js_put(j, "memstats", ms, &bad);
	for (k = 0; !bad && k < ss->n; k++)
		if (json_array_append_new(sa, site_json(&ss->s[k], 1)))
			bad = 1;
	js_put(j, "sites", sa, &bad);
	js_put(j, "types", types_json(td), &bad);
	js_put(j, "types_error", td->done ? json_null() : js_text(td->why),
	       &bad);
	ret = bad || js_write(stdout, j, 1);
	json_decref(j);
	return ret;
}

static void diff_text(struct diff_side *d, const struct sites *ss,
		      const struct type_deltas *td)
{
	size_t k;

	printf("# gocap heap diff: %s -> %s (%s)\n", d[0].core, d[1].core,
	       d[1].p.go_version);
	if (d[0].have_stats && d[1].have_stats) {
		printf("# what runtime.ReadMemStats would have returned at each crash\n");
		printf("%-14s %15s %15s %16s\n", "", "A", "B", "B - A");
#define LINE(name, field)						\
		printf("%-14s %15llu %15llu %+16lld\n", #name,		\
		       (unsigned long long)d[0].st.field,		\
		       (unsigned long long)d[1].st.field,		\
		       (long long)(d[1].st.field - d[0].st.field));
		DIFF_FIELDS(LINE)
#undef LINE
	} else {
		printf("# the memory statistics are left out: %s\n",
		       d[0].have_stats ? d[1].stats_err : d[0].stats_err);
	}
	printf("# growth by allocation site, from the program's own heap profile (in use as of each\n# program's last collection; sampled every %lld and %lld bytes, scaled as pprof does)\n",
	       (long long)d[0].m.rate, (long long)d[1].m.rate);
	printf("%12s %11s %12s  %s\n", "inuse_space", "inuse_objs",
	       "alloc_space", "site (leaf first)");
	for (k = 0; k < ss->n && k < 25; k++)
		print_site_text(&ss->s[k], 1);
	if (ss->n > 25)
		printf("# and %zu more sites (--json lists them all)\n",
		       ss->n - 25);
	if (!ss->n)
		printf("# no allocation site changed\n");
	if (!td->done) {
		printf("# the growth by type is left out: %s\n", td->why);
		return;
	}
	printf("# growth by type, of the objects reachable at each crash (gocap heap types on each)\n");
	printf("%16s %12s %15s %11s  %s\n", "bytes B - A", "objs B - A", "bytes B",
	       "objects B", "type");
	for (k = 0; k < td->n && k < 25; k++) {
		const struct type_delta *t = &td->r[k];

		printf("%+16lld %+12lld %15lld %11lld  %s\n",
		       (long long)(t->bytes[1] - t->bytes[0]),
		       (long long)(t->objs[1] - t->objs[0]),
		       (long long)t->bytes[1], (long long)t->objs[1], t->name);
	}
	if (td->n > 25)
		printf("# and %zu more types (--json lists them all)\n",
		       td->n - 25);
	if (!td->n)
		printf("# no type changed\n");
}

static int heap_diff(struct gocap_opts *o)
{
	struct diff_side *d = calloc(2, sizeof(*d));
	struct type_deltas td = { 0 };
	struct sites ss = { 0 };
	int ret = 1, i;

	if (!d) {
		gocap_err("out of memory");
		return 1;
	}
	if (open_side(o, o->id, &d[0]) || open_side(o, o->id2, &d[1]))
		goto out;
	if (strcmp(d[0].p.go_version, d[1].p.go_version) ||
	    (d[0].p.core_buildid[0] && d[1].p.core_buildid[0] &&
	     strcmp(d[0].p.core_buildid, d[1].p.core_buildid))) {
		gocap_err("%s and %s are not of the same build (%s %s, %s %s): their allocation sites do not compare",
			  d[0].core, d[1].core, d[0].p.go_version,
			  d[0].p.core_buildid, d[1].p.go_version,
			  d[1].p.core_buildid);
		goto out;
	}
	for (i = 0; i < 2; i++)
		if (add_sites(&d[i].p, &d[i].m, i, &ss)) {
			gocap_err("out of memory");
			goto out;
		}
	merge_sites(&ss);
	if (type_deltas(d, &td)) {
		gocap_err("out of memory");
		goto out;
	}
	if (o->json) {
		if (diff_json(d, &ss, &td)) {
			gocap_err("cannot write the difference as JSON");
			goto out;
		}
	} else {
		diff_text(d, &ss, &td);
	}
	ret = 0;
out:
	fflush(stdout);
	free_sites(&ss);
	free(td.r);
	for (i = 0; i < 2; i++) {
		goprof_mem_free(&d[i].m);
		if (d[i].open) {
			gocap_print_warnings(&d[i].p);
			goproc_close(&d[i].p);
		}
	}
	free(d);
	return ret;
}

/* ---- gocap heap: the heap profile's top sites ------------------------ */

#define TOP_SITES_TEXT	10
#define TOP_SITES_JSON	25

/*
 * The program's heap profile, its sites by in-use bytes: into ss (which
 * stays empty when there is none) with its rate, or a reason in why.
 */
static void top_sites(struct goproc *p, struct sites *ss, int64_t *rate,
		      char *why, size_t whylen)
{
	struct goprof_mem m;

	why[0] = 0;
	if (goprof_mem_read(p, &m, why, whylen)) {
		goprof_mem_free(&m);
		return;
	}
	*rate = m.rate;
	if (m.partial[0])
		snprintf(why, whylen, "the profile is cut short: %s",
			 m.partial);
	else if (!m.rate && !m.n)
		snprintf(why, whylen,
			 "memory profiling was off (runtime.MemProfileRate 0)");
	else if (add_sites(p, &m, 1, ss))
		snprintf(why, whylen, "out of memory");
	if (why[0])
		free_sites(ss);
	else
		merge_sites(ss);
	goprof_mem_free(&m);
}

static void print_top_sites(const struct sites *ss, int64_t rate,
			    const char *why)
{
	size_t k;

	if (why[0]) {
		printf("# no allocation sites: %s\n", why);
		return;
	}
	printf("# where the heap in use was allocated: the program's own heap profile (sampled\n# every %lld bytes, scaled as pprof does; in use as of its last collection)\n",
	       (long long)rate);
	printf("%12s %11s %12s  %s\n", "inuse_space", "inuse_objs",
	       "alloc_space", "site (leaf first)");
	for (k = 0; k < ss->n && k < TOP_SITES_TEXT; k++)
		print_site_text(&ss->s[k], 0);
	if (ss->n > TOP_SITES_TEXT)
		printf("# and %zu more sites: gocap heap allocs -o FILE writes them all for go tool pprof\n",
		       ss->n - TOP_SITES_TEXT);
}

static json_t *top_sites_json(const struct sites *ss, int64_t rate,
			      const char *why)
{
	json_t *j = json_object(), *a = json_array();
	int bad = !j || !a;
	size_t k;

	for (k = 0; !bad && !why[0] && k < ss->n && k < TOP_SITES_JSON; k++)
		if (json_array_append_new(a, site_json(&ss->s[k], 0)))
			bad = 1;
	js_put(j, "memprofile_rate", json_integer(rate), &bad);
	js_put(j, "top_sites", a, &bad);
	js_put(j, "sites", json_integer((json_int_t)ss->n), &bad);
	js_put(j, "error", why[0] ? js_text(why) : json_null(), &bad);
	if (bad) {
		json_decref(j);
		return NULL;
	}
	return j;
}

/* ---- heap types ------------------------------------------------------ */

/* A row: a type (typ, array: an object holds several of them), or
 * unknown objects of one size class, or large ones of one size (typ 0:
 * cls or size, noscan): a row's objects all have the size it names. */
#define ROW_LARGE (1ull << 63)

struct type_row {
	uint64_t key;		/* typ | array, cls << 1 | noscan, or
				 * ROW_LARGE | size << 1 | noscan */
	int typed;
	uint64_t size;		/* unknown: its objects' size */
	uint64_t objects, bytes;
	uint64_t retained;	/* heap top: of the objects no object of
				 * the row dominates */
	uint64_t active;	/* heap top: of the row on the walk's path */
	char name[256];
};

struct type_hist {
	struct type_row *r;
	size_t n, cap;
	size_t *slot;		/* open addressing into r, by (typed, key) */
	size_t nslot;
	size_t last;		/* the row hist_row() gave last, + 1 */
	uint64_t objects, bytes, typed_bytes;
};

static uint64_t row_hash(uint64_t k, int typed)
{
	k ^= (uint64_t)typed << 63;
	k *= 0x9e3779b97f4a7c15ull;
	return k ^ (k >> 29);
}

static int hist_grow(struct type_hist *h)
{
	size_t n = h->nslot ? h->nslot * 2 : 1024, i;
	size_t *t = malloc(n * sizeof(*t));

	if (!t)
		return -1;
	for (i = 0; i < n; i++)
		t[i] = (size_t)-1;
	for (i = 0; i < h->n; i++) {
		size_t j = row_hash(h->r[i].key, h->r[i].typed) & (n - 1);

		while (t[j] != (size_t)-1)
			j = (j + 1) & (n - 1);
		t[j] = i;
	}
	free(h->slot);
	h->slot = t;
	h->nslot = n;
	return 0;
}

/* The row of o, made when new; NULL when out of memory. */
static struct type_row *hist_row(struct type_hist *h,
				 const struct gomark_object *o)
{
	int typed = o->typ != 0;
	uint64_t key = typed ? o->typ | (o->elems > 1) :
		       o->cls ? (uint64_t)o->cls << 1 | o->noscan :
		       ROW_LARGE | o->size << 1 | o->noscan;
	struct type_row *r;
	size_t j;

	/* runs of objects of one row: no hashing */
	if (h->last && h->last <= h->n && h->r[h->last - 1].key == key &&
	    h->r[h->last - 1].typed == typed)
		return &h->r[h->last - 1];
	if (2 * (h->n + 1) > h->nslot && hist_grow(h))
		return NULL;
	j = row_hash(key, typed) & (h->nslot - 1);
	while (h->slot[j] != (size_t)-1 &&
	       (h->r[h->slot[j]].key != key || h->r[h->slot[j]].typed != typed))
		j = (j + 1) & (h->nslot - 1);
	if (h->slot[j] == (size_t)-1) {
		if (h->n == h->cap) {
			size_t c = h->cap ? h->cap * 2 : 256;
			struct type_row *t = realloc(h->r, c * sizeof(*t));

			if (!t)
				return NULL;
			h->r = t;
			h->cap = c;
		}
		r = &h->r[h->n];
		memset(r, 0, sizeof(*r));
		r->key = key;
		r->typed = typed;
		r->size = o->size;
		h->slot[j] = h->n++;
	}
	h->last = h->slot[j] + 1;
	return &h->r[h->slot[j]];
}

static int hist_add(void *arg, const struct gomark_object *o)
{
	struct type_hist *h = arg;
	struct type_row *r = hist_row(h, o);

	if (!r)
		return -1;
	r->objects++;
	r->bytes += o->size;
	h->objects++;
	h->bytes += o->size;
	if (r->typed)
		h->typed_bytes += o->size;
	return 0;
}

static int cmp_row(const void *a, const void *b)
{
	const struct type_row *x = a, *y = b;

	if (x->bytes != y->bytes)
		return x->bytes < y->bytes ? 1 : -1;
	return strcmp(x->name, y->name);
}

/*
 * The name heap types gives objects of the type at typ (array: each holds
 * several), or, typ 0, unknown ones of size bytes (large: objects of
 * their own spans; noscan: without pointers).  heap top names each
 * object by it, so that its rows and heap types' agree.
 */
static void kind_name(const struct goproc *p, uint64_t typ, int array,
		      int large, uint64_t size, int noscan, char *buf,
		      size_t len)
{
	char t[224];

	if (!typ)
		snprintf(buf, len, "unknown (%s%llu-byte objects%s)",
			 large ? "large, " : "", (unsigned long long)size,
			 noscan ? ", no pointers" : "");
	else if (gotype_name(p, typ, t, sizeof(t)))
		snprintf(buf, len, "type at 0x%llx", (unsigned long long)typ);
	else
		snprintf(buf, len, "%s%s", array ? "[...]" : "", t);
}

/* Name the rows. */
static void hist_label(const struct goproc *p, struct type_hist *h)
{
	size_t i;

	for (i = 0; i < h->n; i++) {
		struct type_row *r = &h->r[i];

		kind_name(p, r->typed ? r->key & ~1ull : 0, r->key & 1,
			  !!(r->key & ROW_LARGE), r->size, r->key & 1,
			  r->name, sizeof(r->name));
	}
}

/* Name the rows and sort them by bytes. */
static void hist_name(const struct goproc *p, struct type_hist *h)
{
	hist_label(p, h);
	if (h->n)
		qsort(h->r, h->n, sizeof(*h->r), cmp_row);
}

/* ---- heap diff by type ----------------------------------------------- */

/* Each side's reachable objects by type (the mark and the types of heap
 * types), merged by name: the rows whose count or bytes changed, most
 * bytes grown first.  0, or -1 when out of memory; a side that cannot be
 * marked leaves td->why. */
static int type_deltas(struct diff_side *d, struct type_deltas *td)
{
	struct type_hist h[2] = { { 0 }, { 0 } };
	struct type_delta *all = NULL;
	size_t n = 0, i, k;
	int r = -1, s;

	memset(td, 0, sizeof(*td));
	for (s = 0; s < 2; s++) {
		struct heap_mark hm;

		if (!d[s].have_stats) {
			snprintf(td->why, sizeof(td->why), "%s: %s",
				 d[s].core, d[s].stats_err);
			r = 0;
			goto out;
		}
		goheap_spans(&d[s].p, &d[s].st);
		heap_mark_each(&d[s].p, &d[s].st, &hm, hist_add, &h[s]);
		if (!hm.done) {
			snprintf(td->why, sizeof(td->why), "%s: %s",
				 d[s].core, hm.why);
			r = 0;
			goto out;
		}
		hist_label(&d[s].p, &h[s]);
	}
	all = calloc(h[0].n + h[1].n + 1, sizeof(*all));
	if (!all)
		goto out;
	for (s = 0; s < 2; s++)
		for (i = 0; i < h[s].n; i++, n++) {
			snprintf(all[n].name, sizeof(all[n].name), "%s",
				 h[s].r[i].name);
			all[n].objs[s] = (int64_t)h[s].r[i].objects;
			all[n].bytes[s] = (int64_t)h[s].r[i].bytes;
		}
	if (n)
		qsort(all, n, sizeof(*all), cmp_delta_name);
	for (i = 0, k = 0; i < n; i++) {
		if (k && !strcmp(all[k - 1].name, all[i].name)) {
			for (s = 0; s < 2; s++) {
				all[k - 1].objs[s] += all[i].objs[s];
				all[k - 1].bytes[s] += all[i].bytes[s];
			}
			continue;
		}
		all[k++] = all[i];
	}
	for (i = 0, n = 0; i < k; i++)
		if (all[i].objs[0] != all[i].objs[1] ||
		    all[i].bytes[0] != all[i].bytes[1])
			all[n++] = all[i];
	if (n)
		qsort(all, n, sizeof(*all), cmp_delta_growth);
	td->r = all;
	td->n = n;
	td->done = 1;
	all = NULL;
	r = 0;
out:
	free(all);
	for (s = 0; s < 2; s++) {
		free(h[s].r);
		free(h[s].slot);
	}
	return r;
}

static json_t *typing_json(const struct heap_mark *hm)
{
	const struct gomark_type_stats *t = &hm->ty;
	json_t *j = json_object();
	int bad = !j;

	if (bad)
		return NULL;
	js_put(j, "by_heap", json_integer((json_int_t)t->header), &bad);
	js_put(j, "carried", json_integer((json_int_t)t->carried), &bad);
	js_put(j, "interface_values", json_integer((json_int_t)t->ifaces),
	       &bad);
	js_put(j, "dwarf_globals", json_integer((json_int_t)hm->dwarf_globals), &bad);
	js_put(j, "dwarf_locals", json_integer((json_int_t)hm->dwarf_locals), &bad);
	js_put(j, "dwarf_mismatched", json_integer((json_int_t)hm->dwarf_mismatch), &bad);
	js_put(j, "dwarf_error", hm->dwarf_why[0] ? js_text(hm->dwarf_why) :
	       json_null(), &bad);
	js_put(j, "interior", json_integer((json_int_t)t->interior), &bad);
	js_put(j, "rejected", json_integer((json_int_t)t->rejected), &bad);
	js_put(j, "conflicts", json_integer((json_int_t)t->conflicts), &bad);
	js_put(j, "bad_types", json_integer((json_int_t)t->bad_types), &bad);
	if (bad) {
		json_decref(j);
		return NULL;
	}
	return j;
}

static void print_typing(const struct heap_mark *hm)
{
	const struct gomark_type_stats *t = &hm->ty;

	printf("# typed: %llu objects by the heap's own record (allocation headers, large spans' types), %llu carried along the pointers of typed objects, of %llu globals and of %llu live locals of stopped goroutines typed by DWARF\n",
	       (unsigned long long)t->header, (unsigned long long)t->carried,
	       (unsigned long long)hm->dwarf_globals,
	       (unsigned long long)hm->dwarf_locals);
	printf("#   and %llu interface values found in the globals and in untyped objects, whose type word or itab gives their value's type\n",
	       (unsigned long long)t->ifaces);
	printf("#   left unknown: %llu pointers into an object's middle, %llu targets the runtime would not have allocated for the type, %llu typed already as another type, %llu unreadable type descriptors\n",
	       (unsigned long long)t->interior, (unsigned long long)t->rejected,
	       (unsigned long long)t->conflicts,
	       (unsigned long long)t->bad_types);
	if (hm->dwarf_mismatch)
		printf("#   %llu globals left out: DWARF and the type descriptor disagree on the type's name\n",
		       (unsigned long long)hm->dwarf_mismatch);
	if (hm->dwarf_why[0])
		printf("#   DWARF was not read: %s\n", hm->dwarf_why);
}

static int heap_types(struct gocap_opts *o, struct goproc *p)
{
	struct type_hist h = { 0 };
	struct goheap_stats s;
	struct heap_mark hm;
	char err[512], b[32];
	size_t i;
	int ret = 0;

	if (goheap_memstats(p, &s, err, sizeof(err))) {
		gocap_err("%s: %s", o->core, err);
		return 1;
	}
	goheap_spans(p, &s);
	heap_mark_each(p, &s, &hm, hist_add, &h);
	if (!hm.done) {
		gocap_err("%s: the heap was not marked: %s", o->core, hm.why);
		ret = 1;
		goto out;
	}
	hist_name(p, &h);
	if (o->json) {
		json_t *j = json_object(), *a = json_array(), *u = json_array();
		json_t *mk = mark_json(&hm), *ty = typing_json(&hm);
		int bad = !j || !a || !u || !mk || !ty;

		for (i = 0; !bad && i < h.n; i++) {
			const struct type_row *r = &h.r[i];
			json_t *e = json_object();

			bad |= !e;
			if (bad)
				break;
			if (r->typed) {
				js_put(e, "type", js_text(r->name + (r->key & 1 ? 5 : 0)), &bad);
				js_put(e, "array", json_boolean(r->key & 1), &bad);
			} else {
				js_put(e, "size", json_integer((json_int_t)r->size), &bad);
				js_put(e, "large", json_boolean(r->key & ROW_LARGE), &bad);
				js_put(e, "pointers", json_boolean(!(r->key & 1)), &bad);
			}
			js_put(e, "objects", json_integer((json_int_t)r->objects), &bad);
			js_put(e, "bytes", json_integer((json_int_t)r->bytes), &bad);
			bad |= json_array_append_new(r->typed ? a : u, e);
		}
		if (!bad) {
			js_put(j, "objects", json_integer((json_int_t)h.objects), &bad);
			js_put(j, "bytes", json_integer((json_int_t)h.bytes), &bad);
			js_put(j, "typed_bytes", json_integer((json_int_t)h.typed_bytes), &bad);
			bad |= json_object_set_new(j, "types", a);
			bad |= json_object_set_new(j, "unknown", u);
			bad |= json_object_set_new(j, "mark", mk);
			bad |= json_object_set_new(j, "typing", ty);
			a = u = mk = ty = NULL;
		}
		if (bad || js_write(stdout, j, 1)) {
			gocap_err("%s: cannot write the types as JSON", o->core);
			ret = 1;
		}
		json_decref(a);
		json_decref(u);
		json_decref(mk);
		json_decref(ty);
		json_decref(j);
	} else {
		printf("# the heap's reachable objects by type: %llu objects, %s; ",
		       (unsigned long long)h.objects, mib(h.bytes, b, sizeof(b)));
		printf("%.1f%% of the bytes typed\n",
		       h.bytes ? 100.0 * (double)h.typed_bytes / (double)h.bytes : 0.0);
		print_typing(&hm);
		printf("# unknown: objects no typed object or global points at the start of, by size class\n");
		printf("%15s %11s  %s\n", "bytes", "objects", "type");
		for (i = 0; i < h.n; i++)
			printf("%15llu %11llu  %s\n",
			       (unsigned long long)h.r[i].bytes,
			       (unsigned long long)h.r[i].objects, h.r[i].name);
		print_mark(&hm);
	}
out:
	free(h.r);
	free(h.slot);
	return ret;
}

#define MAX_HOPS	65536

/* The global roots still to name, for one pass over .symtab. */
struct global_syms {
	uint64_t bias;
	struct heap_root_name *r;
	size_t n, left;
};

/* The data object of .symtab that holds each global root word, if any. */
static int find_globals(void *arg, const char *name, uint64_t addr,
			uint64_t size)
{
	struct global_syms *gs = arg;
	size_t i;

	for (i = 0; i < gs->n; i++) {
		struct heap_root_name *r = &gs->r[i];
		uint64_t root = r->root;

		if (r->named || root < addr + gs->bias ||
		    root - addr - gs->bias >= size)
			continue;
		snprintf(r->desc, sizeof(r->desc), "%s+0x%llx", name,
			 (unsigned long long)(root - addr - gs->bias));
		r->named = 1;
		gs->left--;
	}
	return !gs->left;
}

/* The stack roots, for one walk of the goroutines: their frames. */
struct stack_roots {
	struct heap_root_name *r;
	size_t n;
};

static int find_frames(void *arg, const struct goroutine *g)
{
	struct stack_roots *sr = arg;
	size_t i;

	for (i = 0; i < sr->n; i++) {
		struct heap_root_name *r = &sr->r[i];
		uint64_t id = GOMARK_SRC_ID(r->root);
		size_t frame = HEAP_STACK_FRAME(id);

		if (r->named || !(r->root & GOMARK_SRC) ||
		    HEAP_STACK_GOID(id) != g->goid)
			continue;	/* not a stack root, or another's */
		if (frame && frame <= g->nframes && g->frames[frame - 1].func)
			snprintf(r->func, sizeof(r->func), "%s",
				 g->frames[frame - 1].func);
	}
	return 0;
}

/*
 * Say what each root is (kind, desc; func, a stack root's frame's
 * function; field, a global's): one walk of the goroutines and one pass
 * over .symtab for all n; the fields from the DWARF globals the mark kept
 * in q.
 */
static void name_roots(struct goproc *p, const struct heap_why_q *q,
		       struct heap_root_name *r, size_t n)
{
	struct stack_roots sr = { r, n };
	struct global_syms gs = { p->load_bias, r, n, 0 };
	size_t i, stacks = 0;

	for (i = 0; i < n; i++) {
		uint64_t root = r[i].root, id = GOMARK_SRC_ID(root);

		r[i].func[0] = 0;
		r[i].named = 1;
		if (!(root & GOMARK_SRC)) {
			r[i].kind = "global";
			snprintf(r[i].desc, sizeof(r[i].desc),
				 "the global word at 0x%llx",
				 (unsigned long long)root);
			r[i].named = !root;
			gs.left += !r[i].named;
			continue;
		}
		switch (GOMARK_SRC_KIND(root)) {
		case GOMARK_SRC_STACK:
			r[i].kind = "stack";
			r[i].named = 0;
			/* frame 0: in no frame, nothing to walk for */
			stacks += HEAP_STACK_FRAME(id) != 0;
			break;
		case GOMARK_SRC_REGS:
			r[i].kind = "registers";
			snprintf(r[i].desc, sizeof(r[i].desc),
				 "the registers of thread %u (LWP %u)",
				 (unsigned int)id,
				 id < p->nthreads ? p->threads[id].tid : 0);
			break;
		case GOMARK_SRC_TINY:
			r[i].kind = "tiny";
			snprintf(r[i].desc, sizeof(r[i].desc),
				 "P %llu's tiny block (mcache.tiny)",
				 (unsigned long long)id);
			break;
		case GOMARK_SRC_SPECIAL:
			r[i].kind = "special";
			snprintf(r[i].desc, sizeof(r[i].desc),
				 "a special (finalizer, cleanup or weak handle) on the object at 0x%llx",
				 (unsigned long long)id);
			break;
		default:
			r[i].kind = "unknown";
			snprintf(r[i].desc, sizeof(r[i].desc), "unknown");
		}
	}
	if (stacks) {
		struct triage_counts c = { 0 };
		struct gocrash crash;

		triage_walk(p, &crash, &c, find_frames, &sr);
	}
	for (i = 0; i < n; i++) {
		uint64_t id = GOMARK_SRC_ID(r[i].root);

		if (r[i].named || !(r[i].root & GOMARK_SRC))
			continue;	/* named, or a global (below) */
		r[i].named = 1;
		if (r[i].func[0])
			snprintf(r[i].desc, sizeof(r[i].desc),
				 "goroutine %llu, frame %zu: %s",
				 (unsigned long long)HEAP_STACK_GOID(id),
				 (size_t)HEAP_STACK_FRAME(id) - 1, r[i].func);
		else
			snprintf(r[i].desc, sizeof(r[i].desc),
				 "goroutine %llu's stack (not in a frame the stack maps read)",
				 (unsigned long long)HEAP_STACK_GOID(id));
	}
	/* the debug file's symbols, if any, else the executable's */
	if (gs.left && (p->dwarf_path[0] || p->exe_path))
		golayout_elf_objects(p->dwarf_path[0] ? p->dwarf_path :
				     p->exe_path, find_globals, &gs);
	heap_global_fields(p, q, r, n);
}

/* The field of a hop that points on (".Next", "[7].Val"): buf, or ""
 * when its type is unknown or the offset is in no field of it. */
static const char *hop_field(const struct goproc *p,
			     const struct gomark_hop *h, char *buf, size_t len)
{
	uint64_t off = h->off - h->data, size;
	size_t n = 0;

	buf[0] = 0;
	if (!h->typ || h->off < h->data)
		return buf;
	if (h->elems > 1) {
		if (procmem_u64(&p->mem, h->typ + p->layout.type_size, &size) ||
		    !size)
			return buf;
		n = (size_t)snprintf(buf, len, "[%llu]",
				     (unsigned long long)(off / size));
		off %= size;
	}
	if (n < len && gotype_field(p, h->typ, off, buf + n, len - n) && !n)
		buf[0] = 0;
	return buf;
}

/* One path as JSON: {"root": {...}, "path": [...]}; NULL on error. */
static json_t *path_json(struct goproc *p, const struct gomark_hop *hops,
			 int n, const struct heap_root_name *rn)
{
	json_t *j = json_object(), *a = json_array(), *r = json_object();
	uint64_t root = rn->root;
	int bad = !j || !a || !r, i;

	js_put(r, "kind", js_text(rn->kind), &bad);
	js_put(r, "name", js_text(rn->desc), &bad);
	js_put(r, "field", rn->field[0] ? js_text(rn->field) : json_null(),
	       &bad);
	js_put(r, "addr", (root & GOMARK_SRC) || !root ? json_null() :
	       json_integer((json_int_t)root), &bad);
	if (!strcmp(rn->kind, "stack")) {
		js_put(r, "goroutine", json_integer((json_int_t)
		       HEAP_STACK_GOID(GOMARK_SRC_ID(root))), &bad);
		js_put(r, "frame", rn->func[0] ? js_text(rn->func) :
		       json_null(), &bad);
	}
	for (i = 0; !bad && i < n; i++) {
		json_t *e = json_object();
		char t[224];

		bad |= !e;
		if (bad)
			break;
		js_put(e, "object", json_integer((json_int_t)hops[i].addr), &bad);
		js_put(e, "size", json_integer((json_int_t)hops[i].size), &bad);
		js_put(e, "type", hops[i].typ &&
		       !gotype_name(p, hops[i].typ, t, sizeof(t)) ?
		       js_text(t) : json_null(), &bad);
		js_put(e, "array", json_boolean(hops[i].elems > 1), &bad);
		js_put(e, "offset", i + 1 < n ?
		       json_integer((json_int_t)hops[i].off) : json_null(), &bad);
		hop_field(p, &hops[i], t, sizeof(t));
		js_put(e, "field", i + 1 < n && t[0] ? js_text(t) :
		       json_null(), &bad);
		bad |= json_array_append_new(a, e);
	}
	if (!bad) {
		bad |= json_object_set_new(j, "root", r);
		bad |= json_object_set_new(j, "path", a);
		r = a = NULL;
	}
	json_decref(r);
	json_decref(a);
	if (bad) {
		json_decref(j);
		return NULL;
	}
	return j;
}

/* One path as text: the root, then a line per object. */
static void path_text(struct goproc *p, const struct gomark_hop *hops,
		      int n, const struct heap_root_name *rn, uint64_t addr)
{
	char t[224];
	int i;

	printf("root  %s%s%s\n", rn->desc, rn->field[0] ? " " : "",
	       rn->field);
	for (i = 0; i < n; i++) {
		if (!hops[i].typ || gotype_name(p, hops[i].typ, t, sizeof(t)))
			snprintf(t, sizeof(t), "unknown type");
		printf("  0x%llx  %s%s (%llu bytes)",
		       (unsigned long long)hops[i].addr,
		       hops[i].elems > 1 ? "[...]" : "", t,
		       (unsigned long long)hops[i].size);
		if (i + 1 < n)
			printf(", +0x%llx%s%s points to\n",
			       (unsigned long long)hops[i].off,
			       hop_field(p, &hops[i], t, sizeof(t))[0] ?
			       " " : "", t);
		else
			printf("%s\n", addr == hops[i].addr ? "" : ", holds it");
	}
}

static int heap_why_cmd(struct gocap_opts *o, struct goproc *p)
{
	struct heap_root_name *names = NULL;
	struct gomark_hop *hops;
	struct goheap_stats s;
	struct heap_mark hm;
	char err[512], *end;
	struct heap_why_q q = { 0 };
	uint64_t addr, root = 0;
	size_t k;
	int n, ret = 0;

	/* an address, or else a type as heap types names it */
	addr = strtoull(o->addr, &end, 0);
	if (*end || !addr) {
		if (!*o->addr || (o->addr[0] >= '0' && o->addr[0] <= '9')) {
			gocap_err("heap why: \"%s\" is not an address", o->addr);
			return 2;
		}
		q.type = o->addr;
		addr = 0;
	}
	q.addr = addr;
	q.all = o->all ? (o->count ? o->count : 10) : 0;
	if (goheap_memstats(p, &s, err, sizeof(err))) {
		gocap_err("%s: %s", o->core, err);
		return 1;
	}
	goheap_spans(p, &s);
	hops = calloc(MAX_HOPS, sizeof(*hops));
	if (!hops) {
		gocap_err("out of memory");
		return 1;
	}
	n = heap_why(p, &s, &hm, &q, hops, MAX_HOPS, &root);
	addr = q.addr;
	if (n == -3) {
		gocap_err("%s: the heap was not marked: %s", o->core, hm.why);
		ret = 1;
		goto out;
	}
	if (n == -2 && q.type) {
		gocap_err("%s: the mark reached no object of type %s (gocap heap types lists the types, named as it names them)",
			  o->core, q.type);
		ret = 1;
		goto out;
	}
	if (n == -2) {
		gocap_err("%s: 0x%llx is in no object of the heap's spans", o->core,
			  (unsigned long long)addr);
		ret = 1;
		goto out;
	}
	if (n == -1) {
		gocap_err("%s: the path to 0x%llx is over %d objects long", o->core,
			  (unsigned long long)addr, MAX_HOPS);
		ret = 1;
		goto out;
	}
	/* the roots of every path, named together */
	names = calloc(1 + q.npaths, sizeof(*names));
	if (!names) {
		gocap_err("out of memory");
		ret = 1;
		goto out;
	}
	names[0].root = root;
	for (k = 0; k < q.npaths; k++)
		names[k + 1].root = q.paths[k].root;
	if (n > 0)
		name_roots(p, &q, names, 1 + q.npaths);
	if (o->json) {
		json_t *j = json_object(), *pj = n > 0 ? path_json(p, hops, n, names) : NULL;
		json_t *all = q.all ? json_array() : NULL;
		int bad = !j || (n > 0 && !pj) || (q.all && !all);

		js_put(j, "addr", json_integer((json_int_t)addr), &bad);
		js_put(j, "type", q.type ? js_text(q.type) : json_null(), &bad);
		js_put(j, "objects", q.type ? json_integer((json_int_t)q.objects) :
		       json_null(), &bad);
		js_put(j, "reachable", json_boolean(n > 0), &bad);
		if (!bad) {
			js_put(j, "root", pj ? json_incref(json_object_get(pj, "root")) :
			       json_null(), &bad);
			js_put(j, "path", pj ? json_incref(json_object_get(pj, "path")) :
			       json_array(), &bad);
		}
		for (k = 0; !bad && all && k < q.npaths; k++) {
			json_t *e = path_json(p, q.paths[k].hops, q.paths[k].n,
					      &names[k + 1]);

			bad |= !e || json_array_append_new(all, e);
		}
		if (all) {
			/* the shortest first, then the others */
			if (!bad && pj)
				bad |= json_array_insert(all, 0, pj);
			js_put(j, "paths", all, &bad);
			all = NULL;
		}
		if (bad || js_write(stdout, j, 1)) {
			gocap_err("%s: cannot write the path as JSON", o->core);
			ret = 1;
		}
		json_decref(all);
		json_decref(pj);
		json_decref(j);
	} else if (n == 0) {
		printf("0x%llx is in an object the mark did not reach from the roots: garbage the next collection frees\n",
		       (unsigned long long)addr);
	} else {
		if (q.type)
			printf("# why %s is reachable: of its %llu reachable objects, the one nearest the roots, 0x%llx: a shortest chain from the roots, %d object%s\n",
			       q.type, (unsigned long long)q.objects,
			       (unsigned long long)addr, n, n > 1 ? "s" : "");
		else
			printf("# why 0x%llx is reachable: a shortest chain from the roots, %d object%s\n",
			       (unsigned long long)addr, n, n > 1 ? "s" : "");
		path_text(p, hops, n, names, addr);
		if (q.all)
			printf("# %zu other path%s, each through another object, global, goroutine's frame or thread that points to it, shortest first\n",
			       q.npaths, q.npaths == 1 ? "" : "s");
		for (k = 0; k < q.npaths; k++) {
			printf("# path %zu: %d object%s\n", k + 2, q.paths[k].n,
			       q.paths[k].n > 1 ? "s" : "");
			path_text(p, q.paths[k].hops, q.paths[k].n,
				  &names[k + 1], addr);
		}
	}
out:
	heap_why_free(&q);
	free(names);
	free(hops);
	return ret;
}

/* ---- heap top -------------------------------------------------------- */

/* An object of the top list, with what dominates it (0: the roots). */
struct top_obj {
	struct gomark_object o;
	uint64_t retained, idom;
};

struct top {
	struct top_obj *h;	/* a min-heap on key() of at most max */
	size_t n, max;
	int retained;
	struct type_hist types;	/* --retained: by type */
	uint64_t *path;		/* the walk's path: path[d - 1] at depth d */
	uint32_t *rows;		/* and its objects' rows in types */
	size_t pathcap;
	uint64_t under_roots;	/* retained by the objects only the roots
				 * dominate: all reachable bytes */
};

static uint64_t top_key(const struct top *t, const struct top_obj *x)
{
	return t->retained ? x->retained : x->o.size;
}

static int top_less(const struct top *t, const struct top_obj *a,
		    const struct top_obj *b)
{
	uint64_t x = top_key(t, a), y = top_key(t, b);

	return x != y ? x < y : a->o.addr > b->o.addr;
}

static void top_sift(struct top *t, size_t i)
{
	for (;;) {
		size_t l = 2 * i + 1, m = i;
		struct top_obj x;

		if (l < t->n && top_less(t, &t->h[l], &t->h[m]))
			m = l;
		if (l + 1 < t->n && top_less(t, &t->h[l + 1], &t->h[m]))
			m = l + 1;
		if (m == i)
			return;
		x = t->h[i];
		t->h[i] = t->h[m];
		t->h[m] = x;
		i = m;
	}
}

static void top_push(struct top *t, const struct top_obj *x)
{
	size_t i;

	if (t->n == t->max) {
		if (!top_less(t, &t->h[0], x))
			return;
		t->h[0] = *x;
		top_sift(t, 0);
		return;
	}
	i = t->n++;
	t->h[i] = *x;
	while (i && top_less(t, &t->h[i], &t->h[(i - 1) / 2])) {
		struct top_obj y = t->h[i];

		t->h[i] = t->h[(i - 1) / 2];
		t->h[(i - 1) / 2] = y;
		i = (i - 1) / 2;
	}
}

static int top_each(void *arg, const struct gomark_object *o)
{
	struct top_obj x = { *o, 0, 0 };

	top_push(arg, &x);
	return 0;
}

/* The dominator tree's walk: each object into the list, and into its
 * type's retained bytes when no object of the type is above it. */
static int top_enter(void *arg, const struct gomark_object *o,
		     uint64_t retained, uint64_t depth)
{
	struct top *t = arg;
	struct top_obj x = { *o, retained, depth > 1 ? t->path[depth - 2] : 0 };
	struct type_row *r = hist_row(&t->types, o);

	if (!r)
		return -1;
	if (depth > t->pathcap) {
		size_t c = t->pathcap ? t->pathcap * 2 : 1024;
		uint64_t *n = realloc(t->path, c * sizeof(*n));
		uint32_t *nr;

		if (!n)
			return -1;
		t->path = n;
		nr = realloc(t->rows, c * sizeof(*nr));
		if (!nr)
			return -1;
		t->rows = nr;
		t->pathcap = c;
	}
	t->path[depth - 1] = o->addr;
	t->rows[depth - 1] = (uint32_t)(r - t->types.r);
	if (depth == 1)
		t->under_roots += retained;
	r->objects++;
	r->bytes += o->size;
	if (!r->active++)
		r->retained += retained;
	t->types.objects++;
	t->types.bytes += o->size;
	top_push(t, &x);
	return 0;
}

static void top_leave(void *arg, uint64_t depth)
{
	struct top *t = arg;

	t->types.r[t->rows[depth - 1]].active--;
}

static int cmp_top(const void *a, const void *b, void *arg)
{
	return top_less(arg, a, b) - top_less(arg, b, a);
}

static int cmp_retained(const void *a, const void *b)
{
	const struct type_row *x = a, *y = b;

	if (x->retained != y->retained)
		return x->retained < y->retained ? 1 : -1;
	return strcmp(x->name, y->name);
}

/* An object's type, as heap types names it. */
static void obj_type(const struct goproc *p, const struct gomark_object *o,
		     char *buf, size_t len)
{
	kind_name(p, o->typ, o->elems > 1, !o->cls, o->size, o->noscan, buf,
		  len);
}

static json_t *top_json(const struct goproc *p, const struct top *t,
			const struct gomark_dom_stats *ds,
			const struct heap_mark *hm)
{
	json_t *j = json_object(), *a = json_array(), *ty = json_array();
	json_t *d = json_object();
	int bad = !j || !a || !ty || !d;
	size_t i;

	for (i = 0; !bad && i < t->n; i++) {
		const struct top_obj *x = &t->h[i];
		json_t *e = json_object();
		char n[256];

		bad |= !e;
		if (bad)
			break;
		obj_type(p, &x->o, n, sizeof(n));
		js_put(e, "addr", json_integer((json_int_t)x->o.addr), &bad);
		js_put(e, "size", json_integer((json_int_t)x->o.size), &bad);
		if (t->retained) {
			js_put(e, "retained", json_integer((json_int_t)x->retained), &bad);
			js_put(e, "dominator", x->idom ?
			       json_integer((json_int_t)x->idom) : json_null(), &bad);
		}
		js_put(e, "type", x->o.typ ? js_text(n) : json_null(), &bad);
		js_put(e, "name", js_text(n), &bad);
		bad |= json_array_append_new(a, e);
	}
	for (i = 0; !bad && t->retained && i < t->types.n && i < t->max; i++) {
		const struct type_row *r = &t->types.r[i];
		json_t *e = json_object();

		bad |= !e;
		if (bad)
			break;
		js_put(e, "name", js_text(r->name), &bad);
		js_put(e, "typed", json_boolean(r->typed), &bad);
		js_put(e, "objects", json_integer((json_int_t)r->objects), &bad);
		js_put(e, "bytes", json_integer((json_int_t)r->bytes), &bad);
		js_put(e, "retained", json_integer((json_int_t)r->retained), &bad);
		bad |= json_array_append_new(ty, e);
	}
	if (!bad && t->retained) {
		js_put(d, "objects", json_integer((json_int_t)ds->nodes), &bad);
		js_put(d, "pointers", json_integer((json_int_t)ds->edges), &bad);
		js_put(d, "rooted", json_integer((json_int_t)ds->rooted), &bad);
		js_put(d, "depth", json_integer((json_int_t)ds->depth), &bad);
		js_put(d, "retained", json_integer((json_int_t)t->under_roots), &bad);
	}
	if (!bad) {
		bad |= json_object_set_new(j, "objects", a);
		a = NULL;
		if (t->retained) {
			bad |= json_object_set_new(j, "types", ty);
			bad |= json_object_set_new(j, "dominators", d);
			ty = d = NULL;
		}
		js_put(j, "mark", mark_json(hm), &bad);
	}
	json_decref(a);
	json_decref(ty);
	json_decref(d);
	if (bad) {
		json_decref(j);
		return NULL;
	}
	return j;
}

static void top_text(const struct goproc *p, const struct top *t,
		     const struct gomark_dom_stats *ds,
		     const struct heap_mark *hm)
{
	char n[256], b[32];
	size_t i;

	if (t->retained) {
		printf("# the %zu objects that keep the most memory alive, of %llu reachable (%s): retained, the bytes of the object and of all it alone holds, what a collection would free without it\n",
		       t->n, (unsigned long long)ds->nodes,
		       mib(t->under_roots, b, sizeof(b)));
		printf("%15s %11s  %-18s  %-18s  %s\n", "retained", "bytes",
		       "object", "dominated by", "type");
	} else {
		printf("# the %zu largest of %llu reachable objects\n", t->n,
		       (unsigned long long)hm->st.reached);
		printf("%11s  %-18s  %s\n", "bytes", "object", "type");
	}
	for (i = 0; i < t->n; i++) {
		const struct top_obj *x = &t->h[i];
		char a[32], d[32];

		obj_type(p, &x->o, n, sizeof(n));
		snprintf(a, sizeof(a), "0x%llx", (unsigned long long)x->o.addr);
		if (!t->retained) {
			printf("%11llu  %-18s  %s\n",
			       (unsigned long long)x->o.size, a, n);
			continue;
		}
		if (x->idom)
			snprintf(d, sizeof(d), "0x%llx",
				 (unsigned long long)x->idom);
		else
			snprintf(d, sizeof(d), "the roots");
		printf("%15llu %11llu  %-18s  %-18s  %s\n",
		       (unsigned long long)x->retained,
		       (unsigned long long)x->o.size, a, d, n);
	}
	if (t->retained) {
		printf("# the types that keep the most memory alive: the retained bytes of each type's objects that no object of the type dominates\n");
		printf("%15s %11s %15s  %s\n", "retained", "objects", "bytes",
		       "type");
		for (i = 0; i < t->types.n && i < t->max; i++)
			printf("%15llu %11llu %15llu  %s\n",
			       (unsigned long long)t->types.r[i].retained,
			       (unsigned long long)t->types.r[i].objects,
			       (unsigned long long)t->types.r[i].bytes,
			       t->types.r[i].name);
		printf("# dominator tree: %llu objects, %llu pointers between them, %llu pointed at by the roots, %llu deep\n",
		       (unsigned long long)ds->nodes,
		       (unsigned long long)ds->edges,
		       (unsigned long long)ds->rooted,
		       (unsigned long long)ds->depth);
	}
	print_mark(hm);
}

static int heap_top(struct gocap_opts *o, struct goproc *p)
{
	struct gomark_dom_stats ds = { 0 };
	struct top t = { 0 };
	struct goheap_stats s;
	struct heap_mark hm;
	char err[512];
	int ret = 0;

	if (goheap_memstats(p, &s, err, sizeof(err))) {
		gocap_err("%s: %s", o->core, err);
		return 1;
	}
	goheap_spans(p, &s);
	t.max = o->count ? o->count : 20;
	t.retained = o->retained;
	/* the tests' oracle: the tree checked by brute force on heaps of
	 * at most that many objects (gomark_dom_check) */
	if (getenv("GOCD_HEAP_DOM_CHECK"))
		heap_dom_check = strtoull(getenv("GOCD_HEAP_DOM_CHECK"), NULL, 10);
	gomark_dom_wide = getenv("GOCD_HEAP_DOM_WIDE") != NULL;
	gomark_dom_freeze = getenv("GOCD_HEAP_FREEZE") != NULL;
	t.h = calloc(t.max, sizeof(*t.h));
	if (!t.h) {
		gocap_err("out of memory");
		return 1;
	}
	if (t.retained) {
		if (heap_retained(p, &s, &hm, &ds, top_enter, top_leave,
				  &t) && hm.done) {
			snprintf(hm.why, sizeof(hm.why),
				 "out of memory while listing the objects");
			hm.done = 0;
		}
	} else {
		heap_mark_each(p, &s, &hm, top_each, &t);
	}
	if (!hm.done) {
		gocap_err("%s: %s: %s", o->core, t.retained && hm.st.reached ?
			  "no retained sizes" : "the heap was not marked",
			  hm.why);
		ret = 1;
		goto out;
	}
	if (t.n)
		qsort_r(t.h, t.n, sizeof(*t.h), cmp_top, &t);
	if (t.retained) {
		hist_name(p, &t.types);
		if (t.types.n)
			qsort(t.types.r, t.types.n, sizeof(*t.types.r),
			      cmp_retained);
	}
	if (o->json) {
		json_t *j = top_json(p, &t, &ds, &hm);

		if (!j || js_write(stdout, j, 1)) {
			gocap_err("%s: cannot write the objects as JSON", o->core);
			ret = 1;
		}
		json_decref(j);
	} else {
		top_text(p, &t, &ds, &hm);
	}
out:
	free(t.h);
	free(t.path);
	free(t.rows);
	free(t.types.r);
	free(t.types.slot);
	return ret;
}

/* ---- heap pprof ------------------------------------------------------ */

/*
 * --retained: the objects by the path of types down the dominator tree
 * (a trie: a node per type under its dominator's, a run of one type one
 * node), each object counted at its own node.
 */
#define TRIE_NONE	UINT32_MAX
#define TRIE_MAX	(1u << 22)	/* nodes; the rest at their parent */
#define TRIE_FRAMES	256		/* a sample's frames, leaf first */

struct tnode {
	uint32_t parent, row;
	uint64_t objects, bytes;
};

struct trie {
	struct type_hist types;
	struct tnode *t;
	size_t n, cap;
	uint32_t *slot;		/* open addressing, by (parent, row) */
	size_t nslot;
	uint32_t *path;		/* the node at each depth of the walk */
	size_t pathcap;
	uint64_t capped;	/* objects left at a parent: TRIE_MAX */
};

static size_t trie_hash(uint32_t parent, uint32_t row, size_t mask)
{
	uint64_t k = ((uint64_t)parent << 32 | row) * 0x9e3779b97f4a7c15ull;

	return (size_t)(k ^ (k >> 31)) & mask;
}

static int trie_grow(struct trie *tr)
{
	size_t n = tr->nslot ? tr->nslot * 2 : 4096, i;
	uint32_t *s = malloc(n * sizeof(*s));

	if (!s)
		return -1;
	memset(s, 0xff, n * sizeof(*s));
	for (i = 0; i < tr->n; i++) {
		size_t j = trie_hash(tr->t[i].parent, tr->t[i].row, n - 1);

		while (s[j] != TRIE_NONE)
			j = (j + 1) & (n - 1);
		s[j] = (uint32_t)i;
	}
	free(tr->slot);
	tr->slot = s;
	tr->nslot = n;
	return 0;
}

/* The node for row under parent: found, made, or (TRIE_MAX reached)
 * the parent itself; TRIE_NONE when out of memory. */
static uint32_t trie_child(struct trie *tr, uint32_t parent, uint32_t row)
{
	size_t j;

	if (2 * (tr->n + 1) > tr->nslot && trie_grow(tr))
		return TRIE_NONE;
	j = trie_hash(parent, row, tr->nslot - 1);
	while (tr->slot[j] != TRIE_NONE) {
		const struct tnode *x = &tr->t[tr->slot[j]];

		if (x->parent == parent && x->row == row)
			return tr->slot[j];
		j = (j + 1) & (tr->nslot - 1);
	}
	if (tr->n >= TRIE_MAX && parent != TRIE_NONE)
		return parent;
	if (tr->n == tr->cap) {
		size_t c = tr->cap ? tr->cap * 2 : 1024;
		struct tnode *t = realloc(tr->t, c * sizeof(*t));

		if (!t)
			return TRIE_NONE;
		tr->t = t;
		tr->cap = c;
	}
	tr->t[tr->n] = (struct tnode){ parent, row, 0, 0 };
	tr->slot[j] = (uint32_t)tr->n;
	return (uint32_t)tr->n++;
}

static int trie_enter(void *arg, const struct gomark_object *o,
		      uint64_t retained, uint64_t depth)
{
	struct trie *tr = arg;
	struct type_row *r;
	uint32_t parent, node, row;

	(void)retained;
	if (hist_add(&tr->types, o) || !(r = hist_row(&tr->types, o)))
		return -1;
	row = (uint32_t)(r - tr->types.r);
	if (depth > tr->pathcap) {
		size_t c = tr->pathcap ? tr->pathcap * 2 : 1024;
		uint32_t *n = realloc(tr->path, c * sizeof(*n));

		if (!n)
			return -1;
		tr->path = n;
		tr->pathcap = c;
	}
	parent = depth > 1 ? tr->path[depth - 2] : TRIE_NONE;
	if (parent != TRIE_NONE && tr->t[parent].row == row) {
		node = parent;
	} else {
		node = trie_child(tr, parent, row);
		if (node == TRIE_NONE)
			return -1;
		if (node == parent)
			tr->capped++;
	}
	tr->path[depth - 1] = node;
	tr->t[node].objects++;
	tr->t[node].bytes += o->size;
	return 0;
}

/* A row's location: its type's name as the function (id: row + 1). */
static uint64_t row_loc(struct pprof *pp, const struct type_hist *h,
			uint32_t row)
{
	struct pprof_line l = { h->r[row].name, "", 0, 0 };

	return pprof_location(pp, 0, (uint64_t)row + 1, &l, 1);
}

static int heap_pprof(struct gocap_opts *o, struct goproc *p)
{
	struct gomark_dom_stats ds;
	struct trie tr = { 0 };
	struct goheap_stats s;
	struct heap_mark hm;
	struct pprof pp;
	uint64_t locs[TRIE_FRAMES];
	char err[512];
	size_t i;
	FILE *f = NULL;
	int ret = 1;

	if (goheap_memstats(p, &s, err, sizeof(err))) {
		gocap_err("%s: %s", o->core, err);
		return 1;
	}
	goheap_spans(p, &s);
	if (o->retained) {
		if (heap_retained(p, &s, &hm, &ds, trie_enter, NULL, &tr) &&
		    hm.done) {
			snprintf(hm.why, sizeof(hm.why),
				 "out of memory for the paths by type");
			hm.done = 0;
		}
	} else {
		heap_mark_each(p, &s, &hm, hist_add, &tr.types);
	}
	if (!hm.done) {
		gocap_err("%s: the heap was not marked: %s", o->core, hm.why);
		goto out_trie;
	}
	hist_label(p, &tr.types);
	if (pprof_init(&pp)) {
		gocap_err("out of memory");
		goto out_trie;
	}
	pprof_sample_type(&pp, "inuse_objects", "count");
	pprof_sample_type(&pp, "inuse_space", "bytes");
	pprof_default_sample_type(&pp, "inuse_space");
	if (!o->retained) {
		for (i = 0; i < tr.types.n; i++) {
			const struct type_row *r = &tr.types.r[i];
			int64_t v[2] = { (int64_t)r->objects, (int64_t)r->bytes };

			locs[0] = row_loc(&pp, &tr.types, (uint32_t)i);
			pprof_sample(&pp, locs, 1, v, 2, NULL, 0);
		}
	}
	for (i = 0; o->retained && i < tr.n; i++) {
		const struct tnode *x = &tr.t[i];
		int64_t v[2] = { (int64_t)x->objects, (int64_t)x->bytes };
		uint32_t k = (uint32_t)i;
		size_t n = 0;

		if (!x->objects)
			continue;
		for (; k != TRIE_NONE && n < TRIE_FRAMES; k = tr.t[k].parent)
			locs[n++] = row_loc(&pp, &tr.types, tr.t[k].row);
		pprof_sample(&pp, locs, n, v, 2, NULL, 0);
	}
	f = fopen(o->output, "w");
	if (!f) {
		gocap_err("%s: %s", o->output, strerror(errno));
	} else if (pprof_write(&pp, f) || fflush(f) || ferror(f)) {
		gocap_err("%s: %s", o->output, errno ? strerror(errno) :
			  "out of memory");
	} else {
		ret = 0;
	}
	if (f && fclose(f) && !ret) {
		gocap_err("%s: %s", o->output, strerror(errno));
		ret = 1;
	}
	if (!ret)
		printf("%s: %llu reachable objects, %llu bytes, in %zu types%s%s\n",
		       o->output, (unsigned long long)tr.types.objects,
		       (unsigned long long)tr.types.bytes, tr.types.n,
		       o->retained ? ", each under the types of its dominators" : "",
		       tr.capped ? " (some paths cut short: too many)" : "");
	pprof_free(&pp);
out_trie:
	free(tr.types.r);
	free(tr.types.slot);
	free(tr.t);
	free(tr.slot);
	free(tr.path);
	return ret;
}

int cmd_heap(struct gocap_opts *o)
{
	static char exe[64];
	struct goheap_stats s;
	struct goproc p;
	char err[512];
	int ret;

	/* malloc's threshold for mmap, fixed: left to adapt, it rises to
	 * the size of the first large array freed (the mark's work lists),
	 * and every array below it is then taken from, and kept in,
	 * malloc's heaps, whose memory the next phases' peak adds to */
	mallopt(M_MMAP_THRESHOLD, 128 << 10);
	/* the mark's threads (gomark.h): 1 alone, N (at most 8), unset
	 * one per CPU */
	if (getenv("GOCD_HEAP_THREADS")) {
		const char *v = getenv("GOCD_HEAP_THREADS");
		char *end;
		long t = strtol(v, &end, 10);

		if (end == v || *end || t < 1 || t > 8)
			gocap_err("GOCD_HEAP_THREADS=%s is not a number of threads (1 to 8): one per CPU",
				  v);
		else
			gomark_threads = t > 1 ? (int)t : -1;
	}
	/* --pid: the running process's executable holds the symbols */
	if (o->pid && !o->exe) {
		snprintf(exe, sizeof(exe), "/proc/%s/exe", o->pid);
		o->exe = exe;
	}
	if (o->sub && !strcmp(o->sub, "diff"))
		return heap_diff(o);
	if (o->sub && !strcmp(o->sub, "pprof") && (!o->output || o->json)) {
		gocap_err(o->json ? "heap pprof writes a profile, not JSON: go tool pprof -raw FILE prints it" :
			  "heap pprof needs -o FILE (the profile, for go tool pprof)");
		return 2;
	}
	if (o->sub && (!strcmp(o->sub, "types") || !strcmp(o->sub, "why") ||
		       !strcmp(o->sub, "top") || !strcmp(o->sub, "pprof"))) {
		if (!strcmp(o->sub, "why") && !o->addr) {
			gocap_err("heap why needs ADDR (an address in the heap object to explain)");
			return 2;
		}
		ret = gocap_open_proc(o, "heap", &p);
		if (ret)
			return ret;
		ret = !strcmp(o->sub, "why") ? heap_why_cmd(o, &p) :
		      !strcmp(o->sub, "top") ? heap_top(o, &p) :
		      !strcmp(o->sub, "pprof") ? heap_pprof(o, &p) :
		      heap_types(o, &p);
		fflush(stdout);
		gocap_print_warnings(&p);
		goproc_close(&p);
		return ret;
	}
	if (o->sub && !o->output) {
		gocap_err("heap %s needs -o FILE (the profile, for go tool pprof)",
			  o->sub);
		return 2;
	}
	if (o->sub && o->json) {
		gocap_err("heap %s writes a profile, not JSON: go tool pprof -raw FILE prints it",
			  o->sub);
		return 2;
	}
	ret = gocap_open_proc(o, "heap", &p);
	if (ret)
		return ret;
	if (o->sub) {
		ret = heap_allocs(o, &p);
	} else if (goheap_memstats(&p, &s, err, sizeof(err))) {
		gocap_err("%s: %s", o->core, err);
		ret = 1;
	} else {
		struct sites ss = { 0 };
		int64_t rate = 0;

		struct heap_mark hm;

		goheap_spans(&p, &s);
		heap_mark(&p, &s, &hm);
		top_sites(&p, &ss, &rate, err, sizeof(err));
		if (o->json) {
			json_t *j = to_json(&p, &s);
			json_t *t = top_sites_json(&ss, rate, err);
			json_t *mk = mark_json(&hm);
			int bad = !j || !t || !mk;

			/* set_new takes t and mk, even when it fails */
			if (!bad) {
				bad = json_object_set_new(j, "profile", t);
				bad |= json_object_set_new(j, "mark", mk);
			} else {
				json_decref(t);
				json_decref(mk);
			}
			if (bad || js_write(stdout, j, 1)) {
				gocap_err("%s: cannot write the statistics as JSON",
					  o->core);
				ret = 1;
			}
			json_decref(j);
		} else {
			print_text(&p, &s);
			print_mark(&hm);
			print_top_sites(&ss, rate, err);
		}
		free_sites(&ss);
	}
	fflush(stdout);
	if (!o->sub && !ret && s.partial[0]) {
		gocap_err("%s: the statistics above leave out the objects in the Ps' caches: %s",
			  o->core, s.partial);
		ret = 1;
	}
	gocap_print_warnings(&p);
	goproc_close(&p);
	return ret;
}
