// SPDX-License-Identifier: GPL-2.0
/*
 * annotate.c - read the facts of a core's head and write the JSON
 * annotation of a dump.  The head is core content, so untrusted: it is
 * read only through elfcore.c and gcdnote.c, which bound everything.
 */
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "core/elfcore.h"
#include "core/json.h"
#include "gocapd/annotate.h"
#include "gocoredump/elf.h"

void core_facts_read(struct core_facts *cf, const uint8_t *head,
		     size_t head_len)
{
	struct elfcore c;
	const struct elfcore_note *n;

	memset(cf, 0, sizeof(*cf));
	if (!head || head_len == 0) {
		snprintf(cf->problem, sizeof(cf->problem), "no core bytes");
		return;
	}
	if (elfcore_from_mem(&c, head, head_len) < 0) {
		snprintf(cf->problem, sizeof(cf->problem), "%s",
			 c.problem[0] ? c.problem : "not an ELF core");
		return;
	}
	cf->is_core = 1;
	for (size_t i = 0; i < c.nsegs; i++) {
		uint64_t end = c.segs[i].offset + c.segs[i].filesz;

		if (end >= c.segs[i].offset && end > cf->expected_size)
			cf->expected_size = end;
	}
	if (c.note_off + c.note_size > cf->expected_size &&
	    c.note_off + c.note_size >= c.note_off)
		cf->expected_size = c.note_off + c.note_size;
	n = elfcore_note(&c, ELFCORE_OWNER, NT_SIGINFO, 0);
	if (n && n->descsz >= 12) {
		memcpy(&cf->si_signo, n->desc, 4);
		memcpy(&cf->si_errno, n->desc + 4, 4);
		memcpy(&cf->si_code, n->desc + 8, 4);
		cf->have_siginfo = 1;
	}
	cf->note_found = gcdnote_from_core(&c, &cf->note);
	/* Problems past the head are expected (it is a prefix): keep only
	 * those that are not about truncation. */
	if (c.problem[0] && !c.truncated)
		snprintf(cf->problem, sizeof(cf->problem), "%s", c.problem);
	elfcore_close(&c);
}

void core_facts_free(struct core_facts *cf)
{
	gcdnote_free(&cf->note);
}

static json_t *blob_json(const struct ctx_blob *b)
{
	return b->data ? js_bytes(b->data, b->len) : json_null();
}

/* A NUL-separated list as a JSON array. */
static json_t *list_json(const struct ctx_blob *b)
{
	size_t pos = 0;
	json_t *a;

	if (!b->data)
		return json_null();
	a = json_array();
	while (a && pos < b->len) {
		size_t l = strnlen(b->data + pos, b->len - pos);

		if (json_array_append_new(a, js_bytes(b->data + pos, l))) {
			json_decref(a);
			return NULL;
		}
		pos += l + 1;
	}
	return a;
}

/* The modinfo's build settings ("build\tkey=value" lines) as an object. */
static json_t *settings_json(const struct exe_info *x)
{
	const char *p = x->modinfo, *end = p ? p + x->modinfo_len : p;
	json_t *o = json_object();
	int bad = !o;

	while (!bad && p && p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *le = nl ? nl : end;

		if (le - p > 6 && !memcmp(p, "build\t", 6)) {
			const char *k = p + 6;
			const char *eq = memchr(k, '=', (size_t)(le - k));

			if (eq) {
				json_t *key = js_bytes(k, (size_t)(eq - k));

				if (!key)
					bad = 1;
				else
					js_put(o, json_string_value(key),
					       js_bytes(eq + 1,
							(size_t)(le - eq - 1)),
					       &bad);
				json_decref(key);
			}
		}
		p = le + 1;
	}
	if (bad) {
		json_decref(o);
		return NULL;
	}
	return o;
}

/* A build setting or the module, or null when the executable has none. */
static json_t *found(int ret, const char *v)
{
	return ret == 0 ? js_text(v) : json_null();
}

static json_t *go_json(const struct exe_info *x)
{
	char v[1024];
	json_t *o;
	int bad = 0;

	if (!x || !x->is_go)
		return json_null();
	o = json_object();
	if (!o)
		return NULL;
	js_put(o, "build_id", js_text(x->go_build_id), &bad);
	js_put(o, "version", js_text(x->go_version), &bad);
	js_put(o, "module", found(exeinfo_module(x, v, sizeof(v)), v), &bad);
	js_put(o, "vcs_revision",
	       found(exeinfo_setting(x, "vcs.revision", v, sizeof(v)), v),
	       &bad);
	js_put(o, "vcs_time",
	       found(exeinfo_setting(x, "vcs.time", v, sizeof(v)), v), &bad);
	js_put(o, "settings", settings_json(x), &bad);
	js_put(o, "modinfo", x->modinfo ?
	       js_bytes(x->modinfo, x->modinfo_len) : json_null(), &bad);
	if (bad) {
		json_decref(o);
		return NULL;
	}
	return o;
}

static json_t *core_json(const struct store_dump *row,
			 const struct core_facts *cf, uint64_t file_size)
{
	json_t *o = json_object();
	int bad = !o;

	if (bad)
		return NULL;
	js_put(o, "file", js_text(row->core_file), &bad);
	js_put(o, "storage", js_text(store_storage_name(row->storage)), &bad);
	js_put(o, "status", js_text(store_status_name(row->status)), &bad);
	js_put(o, "why", js_text(row->status_why), &bad);
	js_put(o, "apparent_size", json_integer((json_int_t)row->apparent_size),
	       &bad);
	js_put(o, "size_on_disk", json_integer((json_int_t)row->size_on_disk),
	       &bad);
	js_put(o, "file_size", json_integer((json_int_t)file_size), &bad);
	js_put(o, "expected_size", json_integer((json_int_t)cf->expected_size),
	       &bad);
	js_put(o, "problem", js_text(cf->problem), &bad);
	if (bad) {
		json_decref(o);
		return NULL;
	}
	return o;
}

/* What was read from /proc while the process existed, and what not. */
static json_t *proc_json(const struct crash_ctx *ctx)
{
	json_t *o = json_object(), *missing = json_array();
	int bad = !o || !missing;
	unsigned int i;

	for (i = 0; !bad && i < CTX_NBLOBS; i++)
		if ((ctx->proc_missing & (1u << i)) &&
		    json_array_append_new(missing,
					  js_text(ctx_blob_names[i])))
			bad = 1;
	js_put(o, "missing", missing, &bad);
	for (i = CTX_STATUS; o && i <= CTX_MOUNTINFO; i++)
		js_put(o, ctx_blob_names[i], blob_json(&ctx->blob[i]), &bad);
	if (bad) {
		json_decref(o);
		return NULL;
	}
	return o;
}

json_t *annotate_json(const struct store_dump *row,
		      const struct crash_ctx *ctx, const struct exe_info *x,
		      const struct core_facts *cf, uint64_t file_size)
{
	const char *sn = row->signal > 0 && row->signal < 65 ?
			 sigabbrev_np(row->signal) : NULL;
	char signame[16];
	json_t *a = json_object();
	int bad = !a;

	if (bad)
		return NULL;
	snprintf(signame, sizeof(signame), "SIG%s", sn ? sn : "");
	js_put(a, "format", js_text(ANNOTATION_FORMAT), &bad);
	js_put(a, "version", json_integer(ANNOTATION_VERSION), &bad);
	js_put(a, "id", json_integer(row->id), &bad);
	js_put(a, "time_us", json_integer(row->time_us), &bad);
	js_put(a, "core_time", json_integer(ctx->core_time), &bad);
	js_put(a, "pid", json_integer(row->pid), &bad);
	js_put(a, "tid", json_integer(ctx->tid), &bad);
	js_put(a, "ns_tid", json_integer(ctx->ns_tid), &bad);
	js_put(a, "uid", json_integer(row->uid), &bad);
	js_put(a, "gid", json_integer(row->gid), &bad);
	js_put(a, "signal", json_integer(row->signal), &bad);
	js_put(a, "signal_name", sn ? js_text(signame) : json_null(), &bad);
	js_put(a, "si_code", cf->have_siginfo ?
	       json_integer(cf->si_code) : json_null(), &bad);
	if (cf->have_siginfo)
		js_put(a, "si_errno", json_integer(cf->si_errno), &bad);
	js_put(a, "exe", js_text(row->exe), &bad);
	js_put(a, "exe_build_id", js_text(row->exe_build_id), &bad);
	js_put(a, "comm", js_text(row->comm), &bad);
	js_put(a, "comm_raw", blob_json(&ctx->blob[CTX_COMM]), &bad);
	js_put(a, "cmdline", list_json(&ctx->blob[CTX_CMDLINE]), &bad);
	js_put(a, "environ", list_json(&ctx->blob[CTX_ENVIRON]), &bad);
	js_put(a, "cwd", blob_json(&ctx->blob[CTX_CWD]), &bad);
	js_put(a, "hostname", js_text(row->hostname), &bad);
	js_put(a, "boot_id", js_text(row->boot_id), &bad);
	js_put(a, "cgroup", js_text(row->cgroup), &bad);
	js_put(a, "container_id", js_text(row->container_id), &bad);
	js_put(a, "rlimit_core", json_integer(ctx->rlimit_core), &bad);
	js_put(a, "fd_count", json_integer(ctx->fd_count), &bad);
	js_put(a, "core", core_json(row, cf, file_size), &bad);
	js_put(a, "suppressed_before",
	       json_integer((json_int_t)row->suppressed_before), &bad);
	js_put(a, "saved_exe", js_text(row->saved_exe), &bad);
	js_put(a, "go", go_json(x), &bad);
	js_put(a, "gocoredump_note", cf->note_found != 0 ?
	       gcdnote_to_json(&cf->note) : json_null(), &bad);
	js_put(a, "proc", proc_json(ctx), &bad);
	if (bad) {
		json_decref(a);
		return NULL;
	}
	return a;
}
