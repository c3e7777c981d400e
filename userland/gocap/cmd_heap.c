// SPDX-License-Identifier: GPL-2.0
/*
 * cmd_heap.c - gocap heap: where the process's memory went, from the
 * runtime's own accounting in the core (go/goheap.h): what
 * runtime.ReadMemStats would have returned at the crash, by category, and
 * the core's mappings by kind.  gocap heap allocs: the program's sampled
 * heap profile (go/goprof.h), written for go tool pprof.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "core/json.h"
#include "go/goheap.h"
#include "go/goproc.h"
#include "go/goprof.h"
#include "gocap/gocap.h"

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
	printf("# the core's mappings: %s anonymous writable, ",
	       mib(s->map_anon_rw, t, sizeof(t)));
	printf("%s file-backed, ", mib(s->map_file, t, sizeof(t)));
	printf("%s reserved (no access), ", mib(s->map_none, t, sizeof(t)));
	printf("%s other\n", mib(s->map_other, t, sizeof(t)));
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
	if (!ret)
		printf("%s: %zu stacks sampled every %lld bytes on average (runtime.MemProfileRate), runtime globals from %s%s\n",
		       o->output, m.n, (long long)m.rate, m.from,
		       m.cycle_known ? "" :
		       "; the profiling cycle was not found, the cycle the last collection completed is left out");
	if (!ret && m.partial[0]) {
		gocap_err("%s: the profile leaves out what the core does not hold: %s",
			  o->core, m.partial);
		ret = 1;
	}
	goprof_mem_free(&m);
	return ret;
}

int cmd_heap(struct gocap_opts *o)
{
	static char exe[64];
	struct goheap_stats s;
	struct goproc p;
	char err[512];
	int ret;

	/* --pid: the running process's executable holds the symbols */
	if (o->pid && !o->exe) {
		snprintf(exe, sizeof(exe), "/proc/%s/exe", o->pid);
		o->exe = exe;
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
	} else if (o->json) {
		json_t *j = to_json(&p, &s);

		if (!j || js_write(stdout, j, 1)) {
			gocap_err("%s: cannot write the statistics as JSON",
				  o->core);
			ret = 1;
		}
		json_decref(j);
	} else {
		print_text(&p, &s);
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
