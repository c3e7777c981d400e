// SPDX-License-Identifier: GPL-2.0
/*
 * print_group.c - gocap's triage views of a core: the buckets of
 * `goroutines --group` and the one screen of `summary`, as text or JSON
 * (the schema is in Documentation/gocap.rst, "Triage").
 *
 * A bucket's text follows the runtime's traceback where it can ("N
 * goroutines [STATE]:", then its frames as "func(...)" and "\tfile:line",
 * then "created by"), with gocap's own facts on lines starting "# ".
 */
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "core/json.h"
#include "gocap/group.h"
#include "gocap/print.h"

/* "1h2m3s", "4.5s", "120ms" (print.h) */
void fmt_dur(int64_t ns, char *buf, size_t len)
{
	int64_t s = ns / 1000000000;

	if (ns < 1000000000)
		snprintf(buf, len, "%lldms", (long long)(ns / 1000000));
	else if (s < 60)
		snprintf(buf, len, "%.1fs", (double)ns / 1e9);
	else if (s < 3600)
		snprintf(buf, len, "%lldm%llds", (long long)(s / 60),
			 (long long)(s % 60));
	else
		snprintf(buf, len, "%lldh%lldm", (long long)(s / 3600),
			 (long long)(s % 3600 / 60));
}

/*
 * ", 3 minutes" or ", 3-7 minutes" as the runtime's header says it (whole
 * minutes, nothing under one), into buf ("" when no member's wait is
 * known or all are under a minute).
 */
static void fmt_minutes(const struct gobucket *b, char *buf, size_t len)
{
	long long lo = b->wait_min / 60000000000ll;
	long long hi = b->wait_max / 60000000000ll;

	buf[0] = '\0';
	if (!b->nwait_known || hi < 1)
		return;
	if (lo == hi)
		snprintf(buf, len, ", %lld minutes", hi);
	else
		snprintf(buf, len, ", %lld-%lld minutes", lo, hi);
}

static void bucket_text(FILE *f, const struct gobucket *b)
{
	char ids[512], lo[32], hi[32], mins[48], locked[48] = "";
	size_t i;

	triage_ranges(b->goids, b->n, ids, sizeof(ids));
	fmt_minutes(b, mins, sizeof(mins));
	if (b->nlocked)
		snprintf(locked, sizeof(locked), ", %llu locked to thread",
			 (unsigned long long)b->nlocked);
	fprintf(f, "%zu goroutine%s [%s%s%s]: %s\n", b->n,
		b->n == 1 ? "" : "s", b->state, mins, locked, ids);
	if (b->nwait_known) {
		fmt_dur(b->wait_min, lo, sizeof(lo));
		fmt_dur(b->wait_max, hi, sizeof(hi));
		if (b->wait_min == b->wait_max)
			fprintf(f, "# waited: %s", lo);
		else
			fprintf(f, "# waited: %s to %s", lo, hi);
		if (b->nwait_known < b->n)
			fprintf(f, " (%llu of %zu known)",
				(unsigned long long)b->nwait_known, b->n);
		fputc('\n', f);
	}
	for (i = 0; i < b->nframes; i++) {
		if (i == b->cut && b->marker[0])
			fprintf(f, "%s\n", b->marker);
		fprintf(f, "%s(...)\n\t%s:%d\n", b->frames[i].func,
			b->frames[i].file, b->frames[i].line);
	}
	if (b->cut >= b->nframes && b->marker[0])
		fprintf(f, "%s\n", b->marker);
	if (b->creator)
		fprintf(f, "created by %s\n\t%s:%d\n", b->creator,
			b->creator_file, b->creator_line);
}

static json_t *bucket_json(const struct gobucket *b, int with_ids)
{
	json_t *o = json_object(), *a;
	char ids[4096];
	int bad = !o;
	size_t i;

	if (bad)
		return NULL;
	js_put(o, "count", json_integer((json_int_t)b->n), &bad);
	js_put(o, "state", js_text(b->state), &bad);
	js_put(o, "locked_to_thread", json_integer((json_int_t)b->nlocked),
	       &bad);
	js_put(o, "crashed", json_boolean(b->crashed), &bad);
	triage_ranges(b->goids, b->n, ids, sizeof(ids));
	js_put(o, "goid_ranges", js_text(ids), &bad);
	if (with_ids) {
		a = json_array();
		for (i = 0; a && i < b->n; i++)
			if (json_array_append_new(a, json_integer((json_int_t)b->goids[i])))
				bad = 1;
		js_put(o, "goids", a, &bad);
	}
	js_put(o, "wait_min_ns", b->nwait_known ?
	       json_integer(b->wait_min) : json_null(), &bad);
	js_put(o, "wait_max_ns", b->nwait_known ?
	       json_integer(b->wait_max) : json_null(), &bad);
	js_put(o, "wait_min_minutes", b->nwait_known ?
	       json_integer(b->wait_min / 60000000000ll) : json_null(), &bad);
	js_put(o, "wait_max_minutes", b->nwait_known ?
	       json_integer(b->wait_max / 60000000000ll) : json_null(), &bad);
	js_put(o, "wait_known", json_integer((json_int_t)b->nwait_known),
	       &bad);
	a = json_array();
	for (i = 0; a && i < b->nframes; i++) {
		json_t *fr = print_frame_json(b->frames[i].func,
					      b->frames[i].file,
					      b->frames[i].line,
					      b->frames[i].inlined);

		if (!fr || json_array_append_new(a, fr)) {
			bad = 1;
			break;
		}
	}
	js_put(o, "frames", a, &bad);
	if (b->marker[0]) {
		a = json_object();
		if (a) {
			js_put(a, "before", json_integer((json_int_t)b->cut), &bad);
			js_put(a, "text", js_text(b->marker), &bad);
		}
		js_put(o, "elided", a, &bad);
	} else {
		js_put(o, "elided", json_null(), &bad);
	}
	if (b->creator) {
		a = json_object();
		if (a) {
			js_put(a, "function", js_text(b->creator), &bad);
			js_put(a, "file", js_text(b->creator_file), &bad);
			js_put(a, "line", json_integer(b->creator_line), &bad);
		}
		js_put(o, "created_by", a, &bad);
	} else {
		js_put(o, "created_by", json_null(), &bad);
	}
	if (bad) {
		json_decref(o);
		return NULL;
	}
	return o;
}

static json_t *filters_json(const struct gfilters *fs)
{
	json_t *a = json_array();
	size_t i;

	for (i = 0; a && fs && i < fs->n; i++)
		if (json_array_append_new(a, js_text(fs->f[i].text))) {
			json_decref(a);
			return NULL;
		}
	return a;
}

/* How the waits were timed: {"source", "ns"} (gonow.h). */
static json_t *now_json(const struct gonow *now)
{
	json_t *o = json_object();
	int bad = !o, known = now && now->src != GONOW_NONE;

	if (bad)
		return NULL;
	js_put(o, "source", js_text(now ? now->source : "none"), &bad);
	js_put(o, "ns", known ? json_integer(now->ns) : json_null(), &bad);
	if (bad) {
		json_decref(o);
		return NULL;
	}
	return o;
}

int print_group(struct goproc *p, FILE *f, const struct triage_print *o)
{
	struct triage t;
	size_t i;
	int ret = 0;

	if (triage_build(&t, p, o->filters, o->now, o->all_frames))
		return -1;
	if (o->json) {
		struct js_stream js;

		js_begin_object(&js, f);
		js_member(&js, "go_version", js_text(p->go_version));
		js_member(&js, "filters", filters_json(o->filters));
		js_member(&js, "crash", print_crash_json(p, &t.crash));
		js_member(&js, "goroutines", json_integer((json_int_t)t.kept));
		js_member(&js, "walked", json_integer((json_int_t)t.walked));
		js_member(&js, "dead", json_integer((json_int_t)t.dead));
		js_member(&js, "unreadable",
			  json_integer((json_int_t)t.unreadable));
		js_member(&js, "partial", json_integer((json_int_t)t.partial));
		js_member(&js, "now", now_json(o->now));
		js_begin_array(&js, f, "buckets");
		for (i = 0; i < t.nb; i++)
			js_element(&js, bucket_json(&t.b[i], 1));
		js_end_array(&js);
		js_member(&js, "warnings", print_warnings_json(p));
		ret = js_end(&js);
	} else {
		if (t.crash.header[0] && (!o->filters || !o->filters->n))
			fprintf(f, "%s\n", t.crash.header);
		for (i = 0; i < t.nb; i++) {
			if (i)
				fputc('\n', f);
			bucket_text(f, &t.b[i]);
		}
		fprintf(f, "\n# %llu goroutine%s in %zu bucket%s",
			(unsigned long long)t.kept, t.kept == 1 ? "" : "s",
			t.nb, t.nb == 1 ? "" : "s");
		if (t.kept != t.walked)
			fprintf(f, " (%llu of %llu pass the filters)",
				(unsigned long long)t.kept,
				(unsigned long long)t.walked);
		fputc('\n', f);
	}
	if (o->st) {
		memset(o->st, 0, sizeof(*o->st));
		o->st->goroutines = t.kept;
		o->st->dead = t.dead;
		o->st->unreadable = t.unreadable;
		o->st->partial = t.partial;
	}
	triage_free(&t);
	return ret;
}

/* ---- summary ------------------------------------------------------------ */

static const char *signame(int sig)
{
	static char buf[16];
	const char *s = sigabbrev_np(sig);

	if (s)
		return s;
	snprintf(buf, sizeof(buf), "%d", sig);
	return buf;
}

static void fmt_realtime(uint64_t ns, char *buf, size_t len)
{
	time_t t = (time_t)(ns / 1000000000ull);
	struct tm tm;

	if (!ns || !localtime_r(&t, &tm) ||
	    !strftime(buf, len, "%Y-%m-%d %H:%M:%S %Z", &tm))
		snprintf(buf, len, "-");
}

/*
 * The frame that says what a bucket waits for: its first frame outside
 * the Go tree (GOROOT, as the file of runtime.goexit gives it), else its
 * first outside the runtime, else its first.
 */
static const struct gbframe *key_frame(const struct gobucket *b)
{
	const char *goroot = NULL, *src;
	size_t i, len = 0;

	for (i = 0; i < b->nframes; i++) {
		if (!strcmp(b->frames[i].func, "runtime.goexit") &&
		    (src = strstr(b->frames[i].file, "/src/runtime/"))) {
			goroot = b->frames[i].file;
			len = (size_t)(src - goroot) + 5;
		}
	}
	for (i = 0; goroot && i < b->nframes; i++)
		if (strncmp(b->frames[i].file, goroot, len))
			return &b->frames[i];
	for (i = 0; i < b->nframes; i++)
		if (strncmp(b->frames[i].func, "runtime.", 8))
			return &b->frames[i];
	return b->nframes ? &b->frames[0] : NULL;
}

static const char *base(const char *path)
{
	const char *s = path ? strrchr(path, '/') : NULL;

	return s ? s + 1 : path ? path : "?";
}

#define SUMMARY_TOP	10

static json_t *process_json(const struct goproc *p,
			    const struct summary_facts *sf)
{
	json_t *o = json_object();
	int bad = !o;

	if (bad)
		return NULL;
	js_put(o, "exe", p->exe_file[0] ? js_text(p->exe_file) : json_null(),
	       &bad);
	js_put(o, "go_version", js_text(p->go_version), &bad);
	js_put(o, "threads", json_integer((json_int_t)p->nthreads), &bad);
	js_put(o, "ms", json_integer((json_int_t)p->nms), &bad);
	if (p->have_note && p->note.have_process) {
		const struct gcd_process *n = &p->note.proc;

		js_put(o, "pid", json_integer(n->tgid), &bad);
		js_put(o, "signal", json_integer(n->signo), &bad);
		js_put(o, "realtime_ns", json_integer((json_int_t)n->realtime_ns),
		       &bad);
		js_put(o, "kernel", js_text(n->release), &bad);
		js_put(o, "go_module", js_text(n->go_module), &bad);
		js_put(o, "vcs_revision", js_text(n->vcs_revision), &bad);
	}
	if (sf && sf->have_store) {
		json_t *s = json_object();

		if (s) {
			js_put(s, "id", json_integer(sf->store_id), &bad);
			js_put(s, "time_us", json_integer(sf->time_us), &bad);
			js_put(s, "pid", json_integer(sf->pid), &bad);
			js_put(s, "uid", json_integer(sf->uid), &bad);
			js_put(s, "signal", json_integer(sf->signal), &bad);
			js_put(s, "hostname", js_text(sf->hostname), &bad);
			js_put(s, "exe", js_text(sf->exe), &bad);
			js_put(s, "container_id", js_text(sf->container_id),
			       &bad);
		}
		js_put(o, "store", s, &bad);
	}
	if (bad) {
		json_decref(o);
		return NULL;
	}
	return o;
}

static int summary_json(FILE *f, struct goproc *p, const struct triage *t,
			 const struct triage_print *opt,
			 const struct summary_facts *sf)
{
	json_t *o = json_object(), *a, *x;
	int bad = !o;
	size_t i;

	if (bad)
		return -1;
	js_put(o, "core", js_text(p->core_path), &bad);
	js_put(o, "process", process_json(p, sf), &bad);
	js_put(o, "crash", print_crash_json(p, &t->crash), &bad);
	x = json_object();
	if (x) {
		js_put(x, "total", json_integer((json_int_t)t->kept), &bad);
		js_put(x, "dead", json_integer((json_int_t)t->dead), &bad);
		js_put(x, "unreadable", json_integer((json_int_t)t->unreadable),
		       &bad);
		a = json_object();
		for (i = 0; a && i < t->nstates; i++)
			js_put(a, t->states[i].state,
			       json_integer((json_int_t)t->states[i].n), &bad);
		js_put(x, "by_state", a, &bad);
		js_put(x, "buckets", json_integer((json_int_t)t->nb), &bad);
	}
	js_put(o, "goroutines", x, &bad);
	a = json_array();
	for (i = 0; a && i < t->nb && i < SUMMARY_TOP; i++)
		if (json_array_append_new(a, bucket_json(&t->b[i], 0)))
			bad = 1;
	js_put(o, "top_buckets", a, &bad);
	a = NULL;
	if (print_waits_top(p, opt, SUMMARY_TOP, NULL, &a))
		bad = 1;
	js_put(o, "top_waits", a, &bad);
	a = json_array();
	for (i = 0; a && i < t->nlongest; i++) {
		x = json_object();
		if (!x) {
			bad = 1;
			break;
		}
		js_put(x, "goid", json_integer((json_int_t)t->longest[i].goid),
		       &bad);
		js_put(x, "state", js_text(t->longest[i].state), &bad);
		js_put(x, "waited_ns", json_integer(t->longest[i].waited), &bad);
		js_put(x, "function", t->longest[i].func ?
		       js_text(t->longest[i].func) : json_null(), &bad);
		if (json_array_append_new(a, x))
			bad = 1;
	}
	js_put(o, "longest_waiters", a, &bad);
	js_put(o, "now", now_json(t->now), &bad);
	js_put(o, "warnings", print_warnings_json(p), &bad);
	if (bad || js_write(f, o, 1)) {
		json_decref(o);
		return -1;
	}
	json_decref(o);
	return 0;
}

int print_summary(struct goproc *p, FILE *f, const struct triage_print *o,
		  const struct summary_facts *sf)
{
	struct triage t;
	char buf[128];
	size_t i;
	int ret = 0;

	if (triage_build(&t, p, o->filters, o->now, 0))
		return -1;
	if (o->json) {
		ret = summary_json(f, p, &t, o, sf);
		goto out;
	}
	fprintf(f, "core:        %s\n", p->core_path);
	fprintf(f, "executable:  %s (Go %s)\n",
		p->exe_file[0] ? p->exe_file : "?", p->go_version);
	if (p->have_note && p->note.have_process) {
		const struct gcd_process *n = &p->note.proc;

		fmt_realtime(n->realtime_ns, buf, sizeof(buf));
		fprintf(f, "process:     pid %u, signal %s, dumped at %s (kernel %s)\n",
				n->tgid, signame(n->signo), buf, n->release);
		if (n->go_module[0])
			fprintf(f, "build:       %s%s%s\n", n->go_module,
				n->vcs_revision[0] ? ", revision " : "",
				n->vcs_revision);
	}
	if (sf && sf->have_store) {
		fmt_realtime((uint64_t)sf->time_us * 1000, buf, sizeof(buf));
		fprintf(f, "store:       dump %lld of %s, pid %d, uid %d, %s%s%s\n",
			(long long)sf->store_id, sf->hostname, sf->pid, sf->uid,
			buf, sf->container_id[0] ? ", container " : "",
			sf->container_id);
	}
	fprintf(f, "threads:     %zu, Ms: %zu\n", p->nthreads, p->nms);
	if (t.crash.header[0]) {
		const char *s = t.crash.header, *nl;
		int k = 0;

		fputs("crash:       ", f);
		while (*s && k < 4) {
			nl = strchr(s, '\n');
			fprintf(f, "%s%.*s\n", k ? "             " : "",
				nl ? (int)(nl - s) : (int)strlen(s), s);
			k++;
			if (!nl)
				break;
			s = nl + 1;
		}
	}
	fprintf(f, "goroutines:  %llu in %zu buckets",
		(unsigned long long)t.kept, t.nb);
	if (t.unreadable)
		fprintf(f, ", %llu unreadable", (unsigned long long)t.unreadable);
	fputc('\n', f);
	for (i = 0; i < t.nstates; i++)
		fprintf(f, "  %8llu  %s\n", (unsigned long long)t.states[i].n,
			t.states[i].state);
	fputs("top buckets:\n", f);
	for (i = 0; i < t.nb && i < SUMMARY_TOP; i++) {
		const struct gbframe *kf = key_frame(&t.b[i]);

		fprintf(f, "  %8zu  %-24s %s %s:%d%s\n", t.b[i].n, t.b[i].state,
			kf ? kf->func : "?", kf ? base(kf->file) : "?",
			kf ? kf->line : 0, t.b[i].crashed ? "  (crashed)" : "");
	}
	if (t.nb > SUMMARY_TOP)
		fprintf(f, "  (%zu more buckets: gocap goroutines --group)\n",
			t.nb - SUMMARY_TOP);
	fputs("top waits:\n", f);
	if (print_waits_top(p, o, SUMMARY_TOP, f, NULL))
		ret = -1;
	if (!o->now || o->now->src == GONOW_NONE) {
		fprintf(f, "longest waiters: unknown (no usable time of the crash in the core: %s)\n",
			o->now ? o->now->why : "not decided");
	} else {
		fputs("longest waiters:\n", f);
		for (i = 0; i < t.nlongest; i++) {
			fmt_dur(t.longest[i].waited, buf, sizeof(buf));
			fprintf(f, "  goroutine %llu  %s  %s  %s\n",
				(unsigned long long)t.longest[i].goid, buf,
				t.longest[i].state,
				t.longest[i].func ? t.longest[i].func : "?");
		}
		if (!t.nlongest)
			fputs("  none known (no goroutine's wait was timed by the runtime)\n",
			      f);
	}
out:
	triage_free(&t);
	return ret;
}
