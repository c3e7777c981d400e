// SPDX-License-Identifier: GPL-2.0
/*
 * print_goroutines.c - print a core's goroutines like the Go runtime does under
 * GOTRACEBACK=crash (runtime/traceback.go: goroutineheader, traceback1,
 * traceback2, printFuncName, printcreatedby), or as JSON.
 *
 * Order, as the runtime prints: the crash text, the crashing goroutine,
 * then every other live goroutine in allgs order.  Differences from the
 * runtime's own dump are deliberate and documented in gocap.rst: running
 * goroutines on other threads get their stack (the runtime says "stack
 * unavailable"), and pprof labels are shown in the header the way Go 1.26's
 * GODEBUG=tracebacklabels=1 shows them.
 */
#include <stdio.h>
#include <string.h>

#include "core/json.h"
#include "go/goroutines.h"
#include "gocap/group.h"
#include "gocap/print.h"
#include "gocoredump/goelf.h"

/* printFuncName: "panic" for gopanic, "[...]" for generic shapes. */
static void print_funcname(FILE *f, const struct goproc *p, const char *name)
{
	const char *i, *j;

	if (!strcmp(name, "runtime.gopanic")) {
		fputs("panic", f);
		return;
	}
	if (!p->vers.print_funcname || !(i = strchr(name, '['))) {
		fputs(name, f);
		return;
	}
	j = name + strlen(name) - 1;
	while (j > i && *j != ']')
		j--;
	if (j <= i) {
		fputs(name, f);
		return;
	}
	/* interior without '[': name[:i] + "[...]" + name[j+1:] */
	if (!memchr(i + 1, '[', (size_t)(j - i - 1))) {
		fprintf(f, "%.*s[...]%s", (int)(i - name), name, j + 1);
		return;
	}
	{
		/* Generic method of a generic type: "[...]" twice. */
		const char *k, *rbr = NULL, *lbr = NULL;
		int depth = 1;

		for (k = i + 1; k < j; k++) {
			if (*k == '[') {
				depth++;
				if (depth != 1)
					continue;
				lbr = k;
				break;
			}
			if (*k == ']') {
				depth--;
				if (depth < 0)
					break;
				if (depth == 0)
					rbr = k;
			}
		}
		if (depth == 1 && rbr && lbr && lbr > rbr) {
			fprintf(f, "%.*s[...]%.*s[...]%s", (int)(i - name), name,
				(int)(lbr - rbr - 1), rbr + 1, j + 1);
			return;
		}
		if (depth == 1 && !rbr && !lbr) {
			fprintf(f, "%.*s[...]%s", (int)(i - name), name, j + 1);
			return;
		}
	}
	fputs(name, f);
}

/*
 * The next rune of s[*i..n) as Go's range over a string yields it: an
 * invalid or truncated sequence is U+FFFD of width 1 (*bad set).
 */
static uint32_t next_rune(const unsigned char *s, size_t n, size_t *i,
			  int *bad)
{
	static const uint32_t min[] = { 0, 0, 0x80, 0x800, 0x10000 };
	unsigned char c = s[*i];
	size_t len, k;
	uint32_t r;

	*bad = 0;
	if (c < 0x80) {
		(*i)++;
		return c;
	}
	len = c < 0xc0 ? 0 : c < 0xe0 ? 2 : c < 0xf0 ? 3 : c < 0xf8 ? 4 : 0;
	if (len && *i + len <= n) {
		r = c & (0x7f >> len);
		for (k = 1; k < len && (s[*i + k] & 0xc0) == 0x80; k++)
			r = r << 6 | (s[*i + k] & 0x3f);
		if (k == len && r >= min[len] && r <= 0x10ffff &&
		    (r < 0xd800 || r > 0xdfff)) {
			*i += len;
			return r;
		}
	}
	(*i)++;
	*bad = 1;
	return 0xfffd;
}

/* runtime.printquoted: "..." with Go escapes (an invalid byte as \xNN
 * when the release says so, else as the U+FFFD it decodes to). */
static void print_quoted(FILE *f, const struct goproc *p, const char *str)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t n = strlen(str), i = 0, at;
	int bad;

	fputc('"', f);
	while (i < n) {
		uint32_t r;

		at = i;
		r = next_rune(s, n, &i, &bad);
		if (bad && p->vers.labels_quote_bytes)
			fprintf(f, "\\x%02x", s[at]);
		else if (r == '\n')
			fputs("\\n", f);
		else if (r == '\r')
			fputs("\\r", f);
		else if (r == '\t')
			fputs("\\t", f);
		else if (r == '\\' || r == '"')
			fprintf(f, "\\%c", (int)r);
		else if (r >= ' ' && r <= '~')
			fputc((int)r, f);
		else if (r < 127)
			fprintf(f, "\\x%02x", r);
		else if (r < 0x10000)
			fprintf(f, "\\u%04x", r);
		else
			fprintf(f, "\\U%08x", r);
	}
	fputc('"', f);
}

/* tracebackStringNeedsQuoting (Go 1.27): anything but [A-Za-z0-9./_]. */
static void print_label_word(FILE *f, const struct goproc *p, const char *s)
{
	if (s[strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
			"0123456789./_")])
		print_quoted(f, p, s);
	else
		fputs(s, f);
}

/*
 * pprof labels as the runtime prints them under GODEBUG=tracebacklabels=1:
 * inside the status brackets, keys and values quoted (Go 1.26), else after
 * them, quoted where needed (Go 1.27, and gocap's choice for the releases
 * that never print them).
 */
static void print_labels(FILE *f, const struct goproc *p,
			 const struct goroutine *g)
{
	size_t i;

	fputs(p->vers.labels_in_brackets ? " labels:{" : " {", f);
	for (i = 0; i < g->nlabels; i++) {
		if (i)
			fputs(", ", f);
		if (p->vers.labels_in_brackets) {
			print_quoted(f, p, g->labels[i].key);
			fputs(": ", f);
			print_quoted(f, p, g->labels[i].value);
		} else {
			print_label_word(f, p, g->labels[i].key);
			fputs(": ", f);
			print_label_word(f, p, g->labels[i].value);
		}
	}
	fputc('}', f);
}

/*
 * goroutineheader's ", N minutes": whole minutes since g.waitsince, for a
 * waiting or syscall goroutine, when the crash's nanotime is known; -1
 * when not printed.
 */
static int64_t wait_minutes(const struct goproc *p, const struct goroutine *g,
			    const struct gonow *now)
{
	uint32_t st = g->status & ~(uint32_t)G_SCAN;
	int64_t min;

	(void)p;
	if ((st != G_WAITING && st != G_SYSCALL) || !g->waitsince || !now ||
	    now->src == GONOW_NONE || g->waitsince < 0 ||
	    g->waitsince > now->ns)
		return -1;
	min = (now->ns - g->waitsince) / 60000000000ll;
	return min >= 1 ? min : -1;
}

static void print_header(FILE *f, const struct goproc *p,
			 const struct goroutine *g, const struct gonow *now)
{
	int64_t min = wait_minutes(p, g, now);

	uint32_t st = g->status & ~(uint32_t)G_SCAN;

	fprintf(f, "goroutine %llu", (unsigned long long)g->goid);
	if (p->vers.header_gp_m) {
		fprintf(f, " gp=0x%llx", (unsigned long long)g->addr);
		if (g->m && g->m_index >= 0)
			fprintf(f, " m=%lld mp=0x%llx",
				(long long)p->ms[g->m_index].id,
				(unsigned long long)g->m);
		else if (g->m)
			fprintf(f, " m=? mp=0x%llx", (unsigned long long)g->m);
		else
			fputs(" m=nil", f);
	}
	fprintf(f, " [%s", goroutine_status(p, g));
	if (st == G_LEAKED && p->vers.status_leaked)
		fputs(" (leaked)", f);
	if (g->status & G_SCAN)
		fputs(" (scan)", f);
	if (min >= 1)
		fprintf(f, ", %lld minutes", (long long)min);
	if (g->lockedm)
		fputs(", locked to thread", f);
	if (g->nlabels && p->vers.labels_in_brackets)
		print_labels(f, p, g);
	fputc(']', f);
	if (g->nlabels && !p->vers.labels_in_brackets)
		print_labels(f, p, g);
	fputs(":\n", f);
}

static void print_frame(FILE *f, const struct goproc *p,
			const struct goroutine *g, const struct goframe *fr)
{
	print_funcname(f, p, fr->func);
	if (fr->inlined) {
		fprintf(f, "(...)\n\t%s:%d\n", fr->file, fr->line);
		return;
	}
	fprintf(f, "(%s)\n\t%s:%d", g->argbuf + fr->args, fr->file, fr->line);
	if (fr->pc > fr->entry)
		fprintf(f, " +0x%llx", (unsigned long long)(fr->pc - fr->entry));
	fprintf(f, " fp=0x%llx sp=0x%llx pc=0x%llx\n",
		(unsigned long long)fr->fp, (unsigned long long)fr->sp,
		(unsigned long long)fr->pc);
}

static void print_text(FILE *f, const struct goproc *p,
		       const struct goroutine *g, const struct print_opts *o)
{
	size_t i, n = g->nframes;

	print_header(f, p, g, o->now);
	if (o->all_frames) {
		for (i = 0; i < n; i++)
			print_frame(f, p, g, &g->frames[i]);
	} else if (p->vers.unwinder) {
		/* 50 innermost and 50 outermost logical frames. */
		if (n <= 100) {
			for (i = 0; i < n; i++)
				print_frame(f, p, g, &g->frames[i]);
		} else {
			for (i = 0; i < 50; i++)
				print_frame(f, p, g, &g->frames[i]);
			fprintf(f, "...%zu frames elided...\n", n - 100);
			for (i = n - 50; i < n; i++)
				print_frame(f, p, g, &g->frames[i]);
		}
	} else {
		/* Go 1.19: the first 100 physical frames. */
		for (i = 0; i < n && g->frames[i].phys < 100; i++)
			print_frame(f, p, g, &g->frames[i]);
		if (g->nphys >= 100)
			fputs("...additional frames elided...\n", f);
	}
	if (g->creator) {
		fputs("created by ", f);
		print_funcname(f, p, g->creator);
		if (p->vers.created_in_goroutine && g->parent_goid)
			fprintf(f, " in goroutine %llu",
				(unsigned long long)g->parent_goid);
		fprintf(f, "\n\t%s:%d", g->creator_file, g->creator_line);
		if (g->creator_off)
			fprintf(f, " +0x%llx", (unsigned long long)g->creator_off);
		fputc('\n', f);
	}
}

json_t *print_frame_json(const char *func, const char *file, int32_t line,
			 int inlined)
{
	json_t *jf = json_object();
	int bad = !jf;

	if (bad)
		return NULL;
	js_put(jf, "function", js_text(func), &bad);
	js_put(jf, "file", js_text(file), &bad);
	js_put(jf, "line", json_integer(line), &bad);
	js_put(jf, "inlined", json_boolean(inlined), &bad);
	if (bad) {
		json_decref(jf);
		return NULL;
	}
	return jf;
}

static json_t *frame_json(const struct goroutine *g,
			  const struct goframe *fr)
{
	json_t *jf = print_frame_json(fr->func, fr->file, fr->line,
				      fr->inlined);
	int bad = !jf;

	if (bad)
		return NULL;
	if (!fr->inlined) {
		js_put(jf, "pc", js_hex(fr->pc), &bad);
		js_put(jf, "sp", js_hex(fr->sp), &bad);
		js_put(jf, "fp", js_hex(fr->fp), &bad);
		js_put(jf, "pc_offset",
		       json_integer((json_int_t)(fr->pc - fr->entry)), &bad);
		js_put(jf, "args", js_text(g->argbuf + fr->args), &bad);
	}
	if (bad) {
		json_decref(jf);
		return NULL;
	}
	return jf;
}

/* The goroutine but its frames (goroutine_element streams them). */
static json_t *goroutine_json(const struct goproc *p,
			      const struct goroutine *g,
			      const struct gonow *now)
{
	uint32_t st = g->status & ~(uint32_t)G_SCAN;
	json_t *o = json_object(), *a;
	int bad = !o;
	size_t i;

	if (bad)
		return NULL;
	js_put(o, "goid", json_integer((json_int_t)g->goid), &bad);
	js_put(o, "gp", js_hex(g->addr), &bad);
	js_put(o, "status", js_text(govers_status(&p->vers, st)), &bad);
	js_put(o, "state", js_text(goroutine_status(p, g)), &bad);
	js_put(o, "scan", json_boolean(g->status & G_SCAN), &bad);
	if (st == G_WAITING && g->waitreason)
		js_put(o, "wait_reason",
		       js_text(govers_waitreason(&p->vers, g->waitreason)),
		       &bad);
	if (g->waitsince)
		js_put(o, "waitsince_ns", json_integer(g->waitsince), &bad);
	if (wait_minutes(p, g, now) >= 1)
		js_put(o, "wait_minutes", json_integer(wait_minutes(p, g, now)),
		       &bad);
	if (g->m_index >= 0) {
		js_put(o, "m", json_integer(p->ms[g->m_index].id), &bad);
		js_put(o, "thread",
		       json_integer((json_int_t)p->ms[g->m_index].procid),
		       &bad);
	}
	if (g->stack_lo < g->stack_hi) {
		a = json_object();
		if (a) {
			js_put(a, "lo", js_hex(g->stack_lo), &bad);
			js_put(a, "hi", js_hex(g->stack_hi), &bad);
		}
		js_put(o, "stack", a, &bad);
	}
	js_put(o, "locked_to_thread", json_boolean(g->lockedm), &bad);
	js_put(o, "crashed", json_boolean(g->crashed), &bad);
	js_put(o, "found_by", js_text(gofound_name(g->found)), &bad);
	js_put(o, "stack_from", js_text(gostack_source_name(g->src)), &bad);
	if (g->nlabels) {
		a = json_object();
		for (i = 0; a && i < g->nlabels; i++)
			js_put(a, g->labels[i].key,
			       js_text(g->labels[i].value), &bad);
		js_put(o, "labels", a, &bad);
	}
	if (g->creator) {
		a = json_object();
		if (a) {
			js_put(a, "function", js_text(g->creator), &bad);
			if (g->parent_goid)
				js_put(a, "goroutine",
				       json_integer((json_int_t)g->parent_goid),
				       &bad);
			js_put(a, "file", js_text(g->creator_file), &bad);
			js_put(a, "line", json_integer(g->creator_line), &bad);
			js_put(a, "pc_offset",
			       json_integer((json_int_t)g->creator_off), &bad);
		}
		js_put(o, "created_by", a, &bad);
	}
	if (g->problem[0])
		js_put(o, "problem", js_text(g->problem), &bad);
	if (bad) {
		json_decref(o);
		return NULL;
	}
	return o;
}

/* A goroutine as one element of the array, its frames written one by
 * one: a million frames are not built as one document. */
static void goroutine_element(struct js_stream *js, const struct goproc *p,
			      const struct goroutine *g,
			      const struct gonow *now)
{
	size_t i;

	js_element_begin(js, goroutine_json(p, g, now), "frames");
	for (i = 0; i < g->nframes; i++)
		js_inner(js, frame_json(g, &g->frames[i]));
	js_element_end(js);
}

static void print_one(FILE *f, struct js_stream *js, const struct goproc *p,
		      const struct goroutine *g, const struct print_opts *o,
		      int *first, struct print_stats *st)
{
	if (o->filters && !gfilters_match(o->filters, p, o->now, g))
		return;
	if (o->json) {
		goroutine_element(js, p, g, o->now);
	} else {
		if (!*first)
			fputc('\n', f);
		print_text(f, p, g, o);
	}
	if (g->problem[0]) {
		st->partial++;
		if (!o->json)
			fprintf(f, "\t[gocap: %s]\n", g->problem);
	}
	st->goroutines++;
	*first = 0;
}

json_t *print_roots_json(const struct goproc *p)
{
	json_t *o = json_object(), *r;
	int bad = !o, k;

	for (k = 0; !bad && k < GCD_ROOT_COUNT; k++) {
		r = json_null();
		if (p->root_src[k]) {
			r = json_object();
			if (r) {
				js_put(r, "addr", js_hex(p->roots[k]), &bad);
				js_put(r, "from",
				       js_text(goroot_source_name(p->root_src[k])),
				       &bad);
			}
		}
		js_put(o, goelf_root_name(k), r, &bad);
	}
	if (bad) {
		json_decref(o);
		return NULL;
	}
	return o;
}

json_t *print_warnings_json(const struct goproc *p)
{
	const char *s = p->warnings, *nl;
	json_t *a = json_array();

	while (a && *s && (nl = strchr(s, '\n'))) {
		if (json_array_append_new(a, js_bytes(s, (size_t)(nl - s)))) {
			json_decref(a);
			return NULL;
		}
		s = nl + 1;
	}
	return a;
}

/* Where the crash's nanotime came from, and the times the core holds
 * (now NULL: none decided, as for a caller that did not ask). */
static json_t *now_json(const struct gonow *now)
{
	static const struct gonow none = { .src = GONOW_NONE,
					   .source = "none" };
	json_t *o = json_object(), *r;
	int bad = !o, known;

	if (bad)
		return NULL;
	if (!now)
		now = &none;
	known = now->src != GONOW_NONE;
	js_put(o, "source", js_text(now->source), &bad);
	js_put(o, "ns", known ? json_integer(now->ns) : json_null(), &bad);
	if (!known)
		js_put(o, "durations",
		       js_text("left out: the core holds no usable time of the crash"),
		       &bad);
	if (now->why[0])
		js_put(o, "why", js_text(now->why), &bad);
	if (now->latest_waitsince)
		js_put(o, "latest_waitsince_ns",
		       json_integer(now->latest_waitsince), &bad);
	if (now->latest) {
		r = json_object();
		if (r) {
			js_put(r, "ns", json_integer(now->latest), &bad);
			js_put(r, "from",
			       js_text(gonow_where_name(now->latest_at)), &bad);
			js_put(r, "addr", js_hex(now->latest_addr), &bad);
			if (now->latest_at == GONOW_AT_CLOCK_READ) {
				js_put(r, "at", js_hex(now->read_at), &bad);
				js_put(r, "m", json_integer(now->read_m), &bad);
			}
		}
		js_put(o, "latest_time", r, &bad);
	}
	js_put(o, "clock_reads", json_integer(now->reads), &bad);
	if (bad) {
		json_decref(o);
		return NULL;
	}
	return o;
}

json_t *print_crash_json(const struct goproc *p, const struct gocrash *c)
{
	static const char *const kinds[] = {
		"unknown", "panic", "fatal error", "signal",
	};
	json_t *o = json_object();
	int bad = !o;

	if (bad)
		return NULL;
	js_put(o, "kind", js_text(kinds[c->kind]), &bad);
	js_put(o, "text", js_text(c->header), &bad);
	js_put(o, "value_known", json_boolean(c->value_known), &bad);
	if (c->thread >= 0)
		js_put(o, "thread", json_integer(p->threads[c->thread].tid),
		       &bad);
	if (c->g) {
		uint64_t goid = 0;

		procmem_u64(&p->mem, c->g + p->layout.g_goid, &goid);
		js_put(o, "goroutine", json_integer((json_int_t)goid), &bad);
	}
	if (c->kind == GOCRASH_SIGNAL) {
		js_put(o, "signal", json_integer(c->signo), &bad);
		js_put(o, "sigcode", json_integer(c->sigcode), &bad);
		js_put(o, "sigpc", js_hex(c->sigpc), &bad);
	}
	if (bad) {
		json_decref(o);
		return NULL;
	}
	return o;
}

/* A run of allgs entries [i0, i0 + n) that are not in the core. */
static void print_cut(FILE *f, struct js_stream *js, const struct print_opts *o,
		      uint64_t i0, uint64_t n, int *first)
{
	if (!n)
		return;
	if (o->json) {
		json_t *u = json_object();
		int bad = !u;

		if (u) {
			js_put(u, "index", json_integer((json_int_t)i0), &bad);
			js_put(u, "count", json_integer((json_int_t)n), &bad);
			js_put(u, "problem", js_text("not in the core"), &bad);
		}
		js_element(js, bad ? NULL : u);
		return;
	}
	if (n == 1)
		fprintf(f, "%s[gocap: allgs[%llu]: not in the core]\n",
			*first ? "" : "\n", (unsigned long long)i0);
	else
		fprintf(f, "%s[gocap: allgs[%llu..%llu]: not in the core]\n",
			*first ? "" : "\n", (unsigned long long)i0,
			(unsigned long long)(i0 + n - 1));
	*first = 0;
}

/* Where the goroutines after allgs come from, said once before them. */
static void print_found_intro(FILE *f, const struct goproc *p,
			      const struct print_opts *o, int *first)
{
	if (o->json)
		return;
	fprintf(f, "%s[gocap: %s; %zu more goroutine(s) found without it "
		"(the Ms, the threads, a scan of the heap), in goid order; "
		"there may be others]\n", *first ? "" : "\n",
		p->allgs_problem, p->nfound);
	*first = 0;
}

int print_goroutines(struct goproc *p, FILE *f, const struct print_opts *o,
		  struct print_stats *st)
{
	struct gowalk *w = gowalk_new(p);
	struct print_stats dummy;
	struct js_stream js;
	struct goroutine g;
	struct gocrash c;
	uint64_t i, n, cut0 = 0, ncut = 0, cut;
	int first = 1, r, ret = 0;

	if (!st)
		st = &dummy;
	memset(st, 0, sizeof(*st));
	if (!w)
		return -1;
	gowalk_crash(w, &c);
	if (o->json) {
		js_begin_object(&js, f);
		js_member(&js, "go_version", js_text(p->go_version));
		js_member(&js, "layout", js_text(p->layout.source));
		js_member(&js, "roots", print_roots_json(p));
		js_member(&js, "truncation", p->truncation[0] ?
			  js_text(p->truncation) : json_null());
		js_member(&js, "allgs_problem", p->allgs_problem[0] ?
			  js_text(p->allgs_problem) : json_null());
		js_member(&js, "crash", print_crash_json(p, &c));
		js_member(&js, "traceback_upgraded",
			  json_boolean(goproc_tb_upgraded(p)));
		js_member(&js, "now", now_json(o->now));
		js_begin_array(&js, f, "goroutines");
	} else {
		if (goproc_tb_upgraded(p))
			fputs("[gocap: traceback upgraded by gocoredump: the "
			      "program ran without GOTRACEBACK=crash; the "
			      "kernel module raised it at the fatal error]\n",
			      f);
		if (c.header[0]) {
			fputs(c.header, f);
			fputc('\n', f);
		}
	}
	if (c.g && gowalk_g_at(w, c.g, &g) == 0)
		print_one(f, &js, p, &g, o, &first, st);
	n = gowalk_count(w);
	for (i = 0; i < n; i++) {
		if (i && !(i % 4096))
			goproc_release_pages(p);
		if (i == p->allglen) {
			print_cut(f, &js, o, cut0, ncut, &first);
			ncut = 0;
			print_found_intro(f, p, o, &first);
		}
		cut = goproc_allgs_cut(p, i);
		if (!cut) {
			r = gowalk_g(w, i, &g);
			if (r < 0 && !g.addr)
				cut = 1;
		}
		if (cut) {
			/* the entries themselves are cut: one line per run */
			st->unreadable += cut;
			if (!ncut)
				cut0 = i;
			ncut += cut;
			i += cut - 1;
			continue;
		}
		print_cut(f, &js, o, cut0, ncut, &first);
		ncut = 0;
		if (r < 0) {
			st->unreadable++;
			if (o->json) {
				json_t *u = json_object();
				int bad = !u;

				if (u) {
					js_put(u, "index",
					       json_integer((json_int_t)i), &bad);
					js_put(u, "problem", js_text(g.problem),
					       &bad);
				}
				js_element(&js, bad ? NULL : u);
			} else {
				fprintf(f, "%s[gocap: allgs[%llu]: %s]\n",
					first ? "" : "\n",
					(unsigned long long)i, g.problem);
				first = 0;
			}
			continue;
		}
		if (r == 1) {
			st->dead++;
			continue;
		}
		if (g.addr == c.g && c.g)
			continue;
		print_one(f, &js, p, &g, o, &first, st);
	}
	print_cut(f, &js, o, cut0, ncut, &first);
	if (n == p->allglen && p->allgs_problem[0])
		print_found_intro(f, p, o, &first);
	if (o->json) {
		js_end_array(&js);
		js_member(&js, "dead", json_integer((json_int_t)st->dead));
		js_member(&js, "unreadable",
			  json_integer((json_int_t)st->unreadable));
		js_member(&js, "partial", json_integer((json_int_t)st->partial));
		js_member(&js, "warnings", print_warnings_json(p));
		ret = js_end(&js);
	}
	gowalk_free(w);
	return ret;
}
