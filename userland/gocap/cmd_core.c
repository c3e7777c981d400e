// SPDX-License-Identifier: GPL-2.0
/*
 * cmd_core.c - gocap commands that read one core: goroutines, note, roots,
 * layout.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/elfcore.h"
#include "core/gcdnote.h"
#include "core/json.h"
#include "go/golayout.h"
#include "go/gonow.h"
#include "go/goproc.h"
#include "go/goroutines.h"
#include "go/govers.h"
#include "gocap/gocap.h"
#include "gocap/group.h"
#include "gocap/print.h"
#include "gocoredump/goelf.h"

static unsigned int proc_flags(const struct gocap_opts *o)
{
	return (o->no_dwarf ? GOPROC_NO_DWARF : 0) |
	       (o->no_symtab ? GOPROC_NO_SYMTAB : 0) |
	       (o->no_note ? GOPROC_NO_NOTE : 0);
}

void gocap_print_warnings(const struct goproc *p)
{
	const char *s = p->warnings, *nl;

	while (*s && (nl = strchr(s, '\n'))) {
		fprintf(stderr, "gocap: warning: %.*s\n", (int)(nl - s), s);
		s = nl + 1;
	}
}

static int need_core(const struct gocap_opts *o, const char *cmd)
{
	if (o->core)
		return 0;
	gocap_err("%s needs --core FILE or a dump ID", cmd);
	return 2;
}

int gocap_open_proc(const struct gocap_opts *o, const char *cmd,
		    struct goproc *p)
{
	int r;

	if (need_core(o, cmd))
		return 2;
	r = goproc_open(p, o->core, o->exe, o->debug_dir, proc_flags(o));
	/* A cut core is said first: it explains what follows. */
	if (p->truncation[0])
		gocap_err("%s: %s", o->core, p->truncation);
	if (r) {
		gocap_err("%s", p->error);
		gocap_print_warnings(p);
		goproc_close(p);
		return 1;
	}
	return 0;
}

int gocap_decide_now(const struct gocap_opts *o, struct goproc *p,
		     struct gonow *now)
{
	struct gowalk *w = gowalk_new(p);
	struct gocrash c;

	if (!w) {
		gocap_err("%s: out of memory", o->core);
		return -1;
	}
	gowalk_crash(w, &c);
	gowalk_free(w);
	gonow_decide(p, &c, o->annotation_monotonic_ns, now);
	if (now->src == GONOW_NONE)
		gocap_err("%s: no usable time of the crash in the core (%s): \", N minutes\" is left out of the goroutine headers",
			  o->core, now->why);
	return 0;
}

int cmd_goroutines(struct gocap_opts *o)
{
	struct print_opts to = { .json = o->json,
				   .all_frames = o->all_frames,
				   .filters = o->filters };
	struct triage_print tp = { .json = o->json,
				   .all_frames = o->all_frames,
				   .filters = o->filters };
	struct print_stats st;
	struct goproc p;
	struct gonow now;
	int ret, r;

	if (o->group && o->waits) {
		gocap_err("goroutines: --group and --waits are two views; give one");
		return 2;
	}
	ret = gocap_open_proc(o, "goroutines", &p);
	if (ret)
		return ret;
	if (gocap_decide_now(o, &p, &now)) {
		goproc_close(&p);
		return 1;
	}
	to.now = &now;
	tp.now = &now;
	tp.st = &st;
	r = o->waits ? print_waits(&p, stdout, &tp) :
	    o->group ? print_group(&p, stdout, &tp) :
		       print_goroutines(&p, stdout, &to, &st);
	if (r) {
		gocap_err("%s: cannot walk the goroutines (out of memory, or the output could not be written)",
			  o->core);
		ret = 1;
	}
	fflush(stdout);
	gocap_print_warnings(&p);
	/*
	 * A truncated core gives what it could, and says so: the exit status
	 * is 1 when goroutines could not be read or were cut short because
	 * bytes were missing.
	 */
	if (p.core.truncated) {
		gocap_err("%s: the core is truncated: %lu goroutine(s) printed, "
			  "%lu allgs entries unreadable, %lu stack(s) incomplete%s; "
			  "the output above is partial",
			  o->core, st.goroutines, st.unreadable, st.partial,
			  p.nfound ? ", some goroutines found by scanning" : "");
		ret = 1;
	} else if (st.unreadable) {
		gocap_err("%s: %lu goroutine(s) could not be read from the core",
			  o->core, st.unreadable);
		ret = 1;
	}
	goproc_close(&p);
	return ret;
}

int cmd_note(struct gocap_opts *o)
{
	struct elfcore c;
	struct gcd_note n;
	int r, werr = 0;

	if (need_core(o, "note"))
		return 2;
	if (elfcore_open(&c, o->core)) {
		gocap_err("%s: %s", o->core, c.problem);
		elfcore_close(&c);
		return 1;
	}
	memset(&n, 0, sizeof(n));
	r = gcdnote_from_core(&c, &n);
	if (r == 0) {
		gocap_err("%s: no gocoredump note: the core was written without "
			  "gocoredump.ko loaded, or with its note knob off; for the "
			  "next crash, load the module (insmod gocoredump.ko) and "
			  "check /sys/kernel/gocoredump/note is 1 (gocap doctor)",
			  o->core);
		gcdnote_free(&n);
		elfcore_close(&c);
		return 1;
	}
	if (o->json) {
		json_t *j = gcdnote_to_json(&n);

		if (!j || js_write(stdout, j, 1)) {
			gocap_err("%s: cannot write the note as JSON", o->core);
			werr = 1;
		}
		json_decref(j);
	} else {
		print_note_table(stdout, &n);
	}
	if (r < 0)
		gocap_err("%s: the note is malformed: %s (shown as far as decoded)",
			  o->core, n.problem);
	gcdnote_free(&n);
	elfcore_close(&c);
	return r < 0 || werr;
}

int cmd_roots(struct gocap_opts *o)
{
	struct goproc p;
	int k, ret = gocap_open_proc(o, "roots", &p);

	if (ret)
		return ret;
	if (o->json) {
		json_t *j = json_object(), *sym = json_object();
		int bad = !j || !sym;

		for (k = 0; !bad && k < GCD_ROOT_COUNT; k++)
			js_put(sym, goelf_root_name(k),
			       (p.symtab_roots_present & (1u << k)) ?
			       js_hex(p.symtab_roots[k]) : json_null(), &bad);
		if (!bad) {
			js_put(j, "go_version", js_text(p.go_version), &bad);
			js_put(j, "layout", js_text(p.layout.source), &bad);
			js_put(j, "roots", print_roots_json(&p), &bad);
			js_put(j, "symtab", sym, &bad);
			sym = NULL;
		}
		if (bad || js_write(stdout, j, 1))
			ret = 1;
		json_decref(sym);
		json_decref(j);
	} else {
		printf("go version: %s (from %s)\nlayout: %s\nbuild id: %s\n",
		       p.go_version, p.go_version_source, p.layout.source,
		       p.core_buildid[0] ? p.core_buildid : "-");
		for (k = 0; k < GCD_ROOT_COUNT; k++) {
			if (p.root_src[k])
				printf("%-24s 0x%llx  (%s)\n", goelf_root_name(k),
				       (unsigned long long)p.roots[k],
				       goroot_source_name(p.root_src[k]));
			else
				printf("%-24s -\n", goelf_root_name(k));
		}
		printf("allglen %llu, Ms %zu, threads %zu\n",
		       (unsigned long long)p.allglen, p.nms, p.nthreads);
	}
	gocap_print_warnings(&p);
	goproc_close(&p);
	if (ret)
		gocap_err("%s: cannot write the roots as JSON", o->core);
	return ret;
}

static void layout_warn(void *arg, const char *msg)
{
	(void)arg;
	fprintf(stderr, "gocap: warning: %s\n", msg);
}

int cmd_layout(struct gocap_opts *o)
{
	struct golayout l;
	char err[512], path[4096], why[1024];
	int r;

	if (o->exe) {
		r = golayout_dwarf_file(o->exe, NULL, o->debug_dir, path,
					sizeof(path), why, sizeof(why),
					layout_warn, NULL);
		if (r < 0) {
			gocap_err("%s: cannot read it as an ELF file", o->exe);
			return 1;
		}
		if (r > 0)
			r = golayout_from_dwarf(path, &l, err, sizeof(err));
		if (r == 0) {
			if (why[0])
				gocap_err("%s", why);
			else
				gocap_err("%s: has no DWARF (built with -ldflags=-w?)",
					  o->exe);
			return 1;
		}
		if (r < 0) {
			gocap_err("%s", err);
			return 1;
		}
	} else if (o->go_version) {
		if (golayout_from_table(o->go_version, &l, err, sizeof(err))) {
			gocap_err("%s", err);
			return 1;
		}
	} else {
		gocap_err("layout needs --exe FILE (DWARF) or --version go1.N (table)");
		return 2;
	}
	if (o->c_table)
		golayout_print_c(stdout, &l, o->c_table_minor);
	else
		golayout_print(stdout, &l);
	return 0;
}

int cmd_releases(struct gocap_opts *o)
{
	size_t i;

	(void)o;
	for (i = 0; i < govers_count(); i++)
		printf("go1.%d\n", govers_release(i));
	return 0;
}
