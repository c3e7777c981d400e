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

#include "go/goroutines.h"
#include "gocap/print.h"
#include "gocoredump/goelf.h"

void json_str_out(FILE *f, const char *s)
{
	const unsigned char *c = (const unsigned char *)(s ? s : "");

	fputc('"', f);
	for (; *c; c++) {
		switch (*c) {
		case '"':
			fputs("\\\"", f);
			break;
		case '\\':
			fputs("\\\\", f);
			break;
		case '\n':
			fputs("\\n", f);
			break;
		case '\t':
			fputs("\\t", f);
			break;
		default:
			if (*c < 0x20 || *c == 0x7f)
				fprintf(f, "\\u%04x", *c);
			else
				fputc(*c, f);
		}
	}
	fputc('"', f);
}

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

static void print_header(FILE *f, const struct goproc *p,
			 const struct goroutine *g)
{
	uint32_t st = g->status & ~(uint32_t)G_SCAN;
	size_t i;

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
	if ((st == G_WAITING || st == G_SYSCALL) && g->waitsince &&
	    p->have_note && p->note.have_process) {
		/* nanotime() at the crash ~ CLOCK_BOOTTIME from the note. */
		int64_t now = (int64_t)p->note.proc.boottime_ns;
		int64_t min = (now - g->waitsince) / 60000000000ll;

		if (min >= 1)
			fprintf(f, ", %lld minutes", (long long)min);
	}
	if (g->lockedm)
		fputs(", locked to thread", f);
	fputc(']', f);
	if (g->nlabels) {
		fputs(" {", f);
		for (i = 0; i < g->nlabels; i++)
			fprintf(f, "%s%s: %s", i ? ", " : "", g->labels[i].key,
				g->labels[i].value);
		fputc('}', f);
	}
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

	print_header(f, p, g);
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

static void print_json(FILE *f, const struct goproc *p,
		       const struct goroutine *g, int first)
{
	uint32_t st = g->status & ~(uint32_t)G_SCAN;
	size_t i;

	fprintf(f, "%s\n    {\"goid\": %llu, \"gp\": \"0x%llx\", \"status\": ",
		first ? "" : ",", (unsigned long long)g->goid,
		(unsigned long long)g->addr);
	json_str_out(f, govers_status(&p->vers, st));
	fputs(", \"state\": ", f);
	json_str_out(f, goroutine_status(p, g));
	fprintf(f, ", \"scan\": %s", (g->status & G_SCAN) ? "true" : "false");
	if (st == G_WAITING && g->waitreason) {
		fputs(", \"wait_reason\": ", f);
		json_str_out(f, govers_waitreason(&p->vers, g->waitreason));
	}
	if (g->waitsince)
		fprintf(f, ", \"waitsince_ns\": %lld", (long long)g->waitsince);
	if (g->m_index >= 0)
		fprintf(f, ", \"m\": %lld, \"thread\": %lld",
			(long long)p->ms[g->m_index].id,
			(long long)p->ms[g->m_index].procid);
	fprintf(f, ", \"locked_to_thread\": %s, \"crashed\": %s",
		g->lockedm ? "true" : "false", g->crashed ? "true" : "false");
	fputs(", \"stack_from\": ", f);
	json_str_out(f, gostack_source_name(g->src));
	if (g->nlabels) {
		fputs(", \"labels\": {", f);
		for (i = 0; i < g->nlabels; i++) {
			fputs(i ? ", " : "", f);
			json_str_out(f, g->labels[i].key);
			fputs(": ", f);
			json_str_out(f, g->labels[i].value);
		}
		fputc('}', f);
	}
	if (g->creator) {
		fputs(", \"created_by\": {\"function\": ", f);
		json_str_out(f, g->creator);
		if (g->parent_goid)
			fprintf(f, ", \"goroutine\": %llu",
				(unsigned long long)g->parent_goid);
		fputs(", \"file\": ", f);
		json_str_out(f, g->creator_file);
		fprintf(f, ", \"line\": %d, \"pc_offset\": %llu}",
			g->creator_line, (unsigned long long)g->creator_off);
	}
	if (g->problem[0]) {
		fputs(", \"problem\": ", f);
		json_str_out(f, g->problem);
	}
	fputs(", \"frames\": [", f);
	for (i = 0; i < g->nframes; i++) {
		const struct goframe *fr = &g->frames[i];

		fputs(i ? ",\n      {" : "\n      {", f);
		fputs("\"function\": ", f);
		json_str_out(f, fr->func);
		fputs(", \"file\": ", f);
		json_str_out(f, fr->file);
		fprintf(f, ", \"line\": %d, \"inlined\": %s", fr->line,
			fr->inlined ? "true" : "false");
		if (!fr->inlined) {
			fprintf(f, ", \"pc\": \"0x%llx\", \"sp\": \"0x%llx\", \"fp\": \"0x%llx\", \"pc_offset\": %llu, \"args\": ",
				(unsigned long long)fr->pc,
				(unsigned long long)fr->sp,
				(unsigned long long)fr->fp,
				(unsigned long long)(fr->pc - fr->entry));
			json_str_out(f, g->argbuf + fr->args);
		}
		fputc('}', f);
	}
	fputs("]}", f);
}

static void print_one(FILE *f, const struct goproc *p,
		      const struct goroutine *g, const struct print_opts *o,
		      int *first, struct print_stats *st)
{
	if (o->json)
		print_json(f, p, g, *first);
	else {
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

static void json_prologue(FILE *f, const struct goproc *p,
			  const struct gocrash *c)
{
	static const char *const kinds[] = {
		"unknown", "panic", "fatal error", "signal",
	};
	int k;

	fputs("{\n  \"go_version\": ", f);
	json_str_out(f, p->go_version);
	fputs(", \"layout\": ", f);
	json_str_out(f, p->layout.source);
	fputs(",\n  \"roots\": {", f);
	for (k = 0; k < GCD_ROOT_COUNT; k++) {
		fprintf(f, "%s\"%s\": ", k ? ", " : "",
			goelf_root_name(k));
		if (p->root_src[k])
			fprintf(f, "{\"addr\": \"0x%llx\", \"from\": \"%s\"}",
				(unsigned long long)p->roots[k],
				goroot_source_name(p->root_src[k]));
		else
			fputs("null", f);
	}
	fputs("},\n  \"crash\": {\"kind\": ", f);
	json_str_out(f, kinds[c->kind]);
	fputs(", \"text\": ", f);
	json_str_out(f, c->header);
	fprintf(f, ", \"value_known\": %s", c->value_known ? "true" : "false");
	if (c->thread >= 0)
		fprintf(f, ", \"thread\": %u", p->threads[c->thread].tid);
	if (c->g) {
		uint64_t goid = 0;

		procmem_u64(&p->mem, c->g + p->layout.g_goid, &goid);
		fprintf(f, ", \"goroutine\": %llu", (unsigned long long)goid);
	}
	if (c->kind == GOCRASH_SIGNAL)
		fprintf(f, ", \"signal\": %d, \"sigcode\": %d, \"sigpc\": \"0x%llx\"",
			c->signo, c->sigcode, (unsigned long long)c->sigpc);
	fputs("},\n  \"goroutines\": [", f);
}

int print_goroutines(struct goproc *p, FILE *f, const struct print_opts *o,
		  struct print_stats *st)
{
	struct gowalk *w = gowalk_new(p);
	struct print_stats dummy;
	struct goroutine g;
	struct gocrash c;
	uint64_t i, n;
	int first = 1, r;

	if (!st)
		st = &dummy;
	memset(st, 0, sizeof(*st));
	if (!w)
		return -1;
	gowalk_crash(w, &c);
	if (o->json) {
		json_prologue(f, p, &c);
	} else if (c.header[0]) {
		fputs(c.header, f);
		fputc('\n', f);
	}
	if (c.g && gowalk_g_at(w, c.g, &g) == 0)
		print_one(f, p, &g, o, &first, st);
	n = gowalk_count(w);
	for (i = 0; i < n; i++) {
		if (i && !(i % 4096))
			goproc_release_pages(p);
		r = gowalk_g(w, i, &g);
		if (r < 0) {
			st->unreadable++;
			if (o->json) {
				fprintf(f, "%s\n    {\"index\": %llu, \"problem\": ",
					first ? "" : ",", (unsigned long long)i);
				json_str_out(f, g.problem);
				fputc('}', f);
				first = 0;
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
		print_one(f, p, &g, o, &first, st);
	}
	if (o->json) {
		fprintf(f, "\n  ],\n  \"dead\": %lu, \"unreadable\": %lu, \"partial\": %lu,\n  \"warnings\": [",
			st->dead, st->unreadable, st->partial);
		{
			const char *s = p->warnings, *nl;
			int k = 0;

			while (*s && (nl = strchr(s, '\n'))) {
				char line[512];

				snprintf(line, sizeof(line), "%.*s",
					 (int)(nl - s), s);
				fputs(k++ ? ", " : "", f);
				json_str_out(f, line);
				s = nl + 1;
			}
		}
		fputs("]\n}\n", f);
	}
	gowalk_free(w);
	return 0;
}
