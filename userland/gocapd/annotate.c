// SPDX-License-Identifier: GPL-2.0
/*
 * annotate.c - read the facts of a core's head, carry them (and the
 * executable's) from the sandboxed parser to gocapd as JSON, check the
 * core against the process whose /proc was read, and write the JSON
 * annotation of a dump.  The head is core content, so untrusted: it is
 * read only through elfcore.c and gcdnote.c, which bound everything; what
 * the parser hands back is untrusted too (facts_decode()).
 */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/procfs.h>

#include "core/elfcore.h"
#include "core/gcdnote.h"
#include "core/json.h"
#include "gocapd/annotate.h"
#include "gocoredump/elf.h"
#include "gocoredump/le.h"
#include "store/sha256.h"

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
	/* The kernel writes the crashing thread's NT_PRSTATUS first. */
	n = elfcore_note(&c, ELFCORE_OWNER, NT_PRSTATUS, 0);
	if (n) {
		struct core_regs regs;

		if (elfcore_prstatus(&c, n, &regs) == 0) {
			cf->prstatus_pid = (int32_t)regs.pid;
			cf->have_prstatus = 1;
		}
	}
	n = elfcore_note(&c, ELFCORE_OWNER, NT_PRPSINFO, 0);
	if (n && c.elf_class == ELFCLASS64 && c.e_machine == EM_X86_64 &&
	    n->descsz >= sizeof(struct elf_prpsinfo)) {
		const uint8_t *d = n->desc;

		cf->psinfo_pid = (int32_t)gcd_le32(d + offsetof(struct elf_prpsinfo, pr_pid));
		cf->psinfo_ppid = (int32_t)gcd_le32(d + offsetof(struct elf_prpsinfo, pr_ppid));
		cf->psinfo_uid = gcd_le32(d + offsetof(struct elf_prpsinfo, pr_uid));
		cf->psinfo_gid = gcd_le32(d + offsetof(struct elf_prpsinfo, pr_gid));
		memcpy(cf->psinfo_fname, d + offsetof(struct elf_prpsinfo, pr_fname),
		       sizeof(cf->psinfo_fname) - 1);
		cf->psinfo_fname[sizeof(cf->psinfo_fname) - 1] = 0;
		cf->have_prpsinfo = 1;
	}
	{
		struct gcd_note note;

		memset(&note, 0, sizeof(note));
		cf->note_found = gcdnote_from_core(&c, &note);
		if (cf->note_found)
			cf->note = gcdnote_to_json(&note);
		gcdnote_free(&note);
	}
	/* Problems past the head are expected (it is a prefix): keep only
	 * those that are not about truncation. */
	if (c.problem[0] && !c.truncated)
		snprintf(cf->problem, sizeof(cf->problem), "%s", c.problem);
	elfcore_close(&c);
}

void core_facts_free(struct core_facts *cf)
{
	json_decref(cf->note);
	cf->note = NULL;
}

void parse_facts_free(struct parse_facts *pf)
{
	core_facts_free(&pf->cf);
	exeinfo_free(&pf->x);
}

/* --- the parser's answer ---------------------------------------------- */

static json_t *int_or_null(int have, json_int_t v)
{
	return have ? json_integer(v) : json_null();
}

char *facts_encode(const struct parse_facts *pf, size_t *len)
{
	const struct core_facts *cf = &pf->cf;
	const struct exe_info *x = &pf->x;
	json_t *o = json_object(), *c = json_object(), *e = json_object();
	json_t *cp = json_object();
	char hex[65], *text = NULL;
	int bad = !o || !c || !e || !cp;

	js_put(c, "is_core", json_boolean(cf->is_core), &bad);
	js_put(c, "have_siginfo", json_boolean(cf->have_siginfo), &bad);
	js_put(c, "si_signo", json_integer(cf->si_signo), &bad);
	js_put(c, "si_errno", json_integer(cf->si_errno), &bad);
	js_put(c, "si_code", json_integer(cf->si_code), &bad);
	/* (the headers are the core's: any 64-bit size, kept in JSON's) */
	js_put(c, "expected_size", json_integer(cf->expected_size > INT64_MAX ?
						INT64_MAX :
						(json_int_t)cf->expected_size),
	       &bad);
	js_put(c, "note_found", json_integer(cf->note_found), &bad);
	js_put(c, "prstatus_pid", int_or_null(cf->have_prstatus,
					      cf->prstatus_pid), &bad);
	if (cf->have_prpsinfo) {
		json_t *p = json_object();

		js_put(p, "pid", json_integer(cf->psinfo_pid), &bad);
		js_put(p, "ppid", json_integer(cf->psinfo_ppid), &bad);
		js_put(p, "uid", json_integer(cf->psinfo_uid), &bad);
		js_put(p, "gid", json_integer(cf->psinfo_gid), &bad);
		js_put(p, "fname", js_text(cf->psinfo_fname), &bad);
		js_put(c, "prpsinfo", p, &bad);
	} else {
		js_put(c, "prpsinfo", json_null(), &bad);
	}
	js_put(c, "problem", js_text(cf->problem), &bad);
	js_put(o, "core", c, &bad);
	js_put(o, "note", cf->note ? json_incref(cf->note) : json_null(), &bad);
	js_put(e, "is_elf", json_boolean(x->is_elf), &bad);
	js_put(e, "is_go", json_boolean(x->is_go), &bad);
	js_put(e, "have_buildinfo", json_boolean(x->have_buildinfo), &bad);
	js_put(e, "gnu_build_id", js_text(x->gnu_build_id), &bad);
	js_put(e, "go_build_id", js_text(x->go_build_id), &bad);
	js_put(e, "go_version", js_text(x->go_version), &bad);
	js_put(e, "modinfo", x->modinfo ? js_bytes(x->modinfo, x->modinfo_len) :
	       json_null(), &bad);
	js_put(o, "exe", e, &bad);
	sha256_hex(pf->copy.sha256, hex);
	js_put(cp, "done", json_boolean(pf->copy.done), &bad);
	js_put(cp, "sha256", js_text(pf->copy.done ? hex : ""), &bad);
	js_put(cp, "size", json_integer((json_int_t)pf->copy.size), &bad);
	js_put(cp, "error", js_text(pf->copy.error), &bad);
	js_put(o, "copy", cp, &bad);
	if (!bad)
		text = json_dumps(o, JSON_COMPACT | JSON_ENSURE_ASCII);
	json_decref(o);
	*len = text ? strlen(text) : 0;
	return text;
}

/* The string at key, copied whole into out (cut to fit): 0, -1 wrong. */
static int dec_str(const json_t *o, const char *key, char *out, size_t len)
{
	const json_t *v = json_object_get(o, key);

	out[0] = 0;
	if (!json_is_string(v))
		return -1;
	snprintf(out, len, "%s", json_string_value(v));
	return 0;
}

static int dec_int(const json_t *o, const char *key, json_int_t lo,
		   json_int_t hi, json_int_t *out)
{
	const json_t *v = json_object_get(o, key);

	if (!json_is_integer(v))
		return -1;
	*out = json_integer_value(v);
	return *out < lo || *out > hi ? -1 : 0;
}

static int dec_bool(const json_t *o, const char *key, int *out)
{
	const json_t *v = json_object_get(o, key);

	if (!json_is_boolean(v))
		return -1;
	*out = json_is_true(v);
	return 0;
}

static int hexval(char c)
{
	return c >= '0' && c <= '9' ? c - '0' :
	       c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

int facts_decode(const char *text, size_t len, struct parse_facts *pf)
{
	struct core_facts *cf = &pf->cf;
	struct exe_info *x = &pf->x;
	const json_t *c, *e, *cp, *ps, *v;
	json_error_t je;
	json_int_t n;
	char hex[80];
	const char *bad = NULL;
	json_t *o;

	memset(pf, 0, sizeof(*pf));
	if (len > FACTS_MAX) {
		snprintf(pf->parser, sizeof(pf->parser), "the parser's answer is %zu bytes, over %u",
			 len, FACTS_MAX);
		return -EBADMSG;
	}
	o = json_loadb(text, len, JSON_REJECT_DUPLICATES, &je);
	c = json_object_get(o, "core");
	e = json_object_get(o, "exe");
	cp = json_object_get(o, "copy");
	if (!json_is_object(o) || !json_is_object(c) || !json_is_object(e) ||
	    !json_is_object(cp)) {
		bad = "the answer";
		goto bad;
	}
	if (dec_bool(c, "is_core", &cf->is_core) ||
	    dec_bool(c, "have_siginfo", &cf->have_siginfo) ||
	    dec_str(c, "problem", cf->problem, sizeof(cf->problem))) {
		bad = "core";
		goto bad;
	}
	if (dec_int(c, "si_signo", INT32_MIN, INT32_MAX, &n)) {
		bad = "core.si_signo";
		goto bad;
	}
	cf->si_signo = (int32_t)n;
	if (dec_int(c, "si_errno", INT32_MIN, INT32_MAX, &n)) {
		bad = "core.si_errno";
		goto bad;
	}
	cf->si_errno = (int32_t)n;
	if (dec_int(c, "si_code", INT32_MIN, INT32_MAX, &n)) {
		bad = "core.si_code";
		goto bad;
	}
	cf->si_code = (int32_t)n;
	if (dec_int(c, "expected_size", 0, INT64_MAX, &n)) {
		bad = "core.expected_size";
		goto bad;
	}
	cf->expected_size = (uint64_t)n;
	if (dec_int(c, "note_found", -1, 1, &n)) {
		bad = "core.note_found";
		goto bad;
	}
	cf->note_found = (int)n;
	v = json_object_get(c, "prstatus_pid");
	if (json_is_integer(v)) {
		if (dec_int(c, "prstatus_pid", INT32_MIN, INT32_MAX, &n)) {
			bad = "core.prstatus_pid";
			goto bad;
		}
		cf->prstatus_pid = (int32_t)n;
		cf->have_prstatus = 1;
	} else if (!json_is_null(v)) {
		bad = "core.prstatus_pid";
		goto bad;
	}
	ps = json_object_get(c, "prpsinfo");
	if (json_is_object(ps)) {
		json_int_t pid, ppid, uid, gid;

		if (dec_int(ps, "pid", INT32_MIN, INT32_MAX, &pid) ||
		    dec_int(ps, "ppid", INT32_MIN, INT32_MAX, &ppid) ||
		    dec_int(ps, "uid", 0, UINT32_MAX, &uid) ||
		    dec_int(ps, "gid", 0, UINT32_MAX, &gid) ||
		    dec_str(ps, "fname", cf->psinfo_fname,
			    sizeof(cf->psinfo_fname))) {
			bad = "core.prpsinfo";
			goto bad;
		}
		cf->psinfo_pid = (int32_t)pid;
		cf->psinfo_ppid = (int32_t)ppid;
		cf->psinfo_uid = (uint32_t)uid;
		cf->psinfo_gid = (uint32_t)gid;
		cf->have_prpsinfo = 1;
	} else if (!json_is_null(ps)) {
		bad = "core.prpsinfo";
		goto bad;
	}
	v = json_object_get(o, "note");
	if (json_is_object(v))
		cf->note = json_incref((json_t *)v);
	else if (!json_is_null(v)) {
		bad = "note";
		goto bad;
	}
	if (dec_bool(e, "is_elf", &x->is_elf) ||
	    dec_bool(e, "is_go", &x->is_go) ||
	    dec_bool(e, "have_buildinfo", &x->have_buildinfo) ||
	    dec_str(e, "gnu_build_id", x->gnu_build_id,
		    sizeof(x->gnu_build_id)) ||
	    dec_str(e, "go_build_id", x->go_build_id,
		    sizeof(x->go_build_id)) ||
	    dec_str(e, "go_version", x->go_version, sizeof(x->go_version))) {
		bad = "exe";
		goto bad;
	}
	v = json_object_get(e, "modinfo");
	if (json_is_string(v)) {
		size_t ml = json_string_length(v);

		if (ml > EXEINFO_MODINFO_MAX) {
			bad = "exe.modinfo";
			goto bad;
		}
		x->modinfo = malloc(ml + 1);
		if (x->modinfo) {
			memcpy(x->modinfo, json_string_value(v), ml);
			x->modinfo[ml] = 0;
			x->modinfo_len = strnlen(x->modinfo, ml);
		}
	} else if (!json_is_null(v)) {
		bad = "exe.modinfo";
		goto bad;
	}
	if (dec_bool(cp, "done", &pf->copy.done) ||
	    dec_str(cp, "sha256", hex, sizeof(hex)) ||
	    dec_int(cp, "size", 0, INT64_MAX, &n) ||
	    dec_str(cp, "error", pf->copy.error, sizeof(pf->copy.error))) {
		bad = "copy";
		goto bad;
	}
	pf->copy.size = (uint64_t)n;
	if (pf->copy.done) {
		if (strlen(hex) != 64) {
			bad = "copy.sha256";
			goto bad;
		}
		for (int i = 0; i < 32; i++) {
			int hi = hexval(hex[2 * i]), lo = hexval(hex[2 * i + 1]);

			if (hi < 0 || lo < 0) {
				bad = "copy.sha256";
				goto bad;
			}
			pf->copy.sha256[i] = (uint8_t)(hi << 4 | lo);
		}
	}
	json_decref(o);
	return 0;
bad:
	json_decref(o);
	parse_facts_free(pf);
	memset(pf, 0, sizeof(*pf));
	snprintf(pf->parser, sizeof(pf->parser),
		 "the parser's answer is malformed (%s): its facts are not used",
		 bad);
	return -EBADMSG;
}

/* --- is it the same process? ------------------------------------------- */

/* The value of the "Key:" line of /proc/PID/status: the last field (the
 * innermost namespace's, for NStgid), 0 when found. */
static int status_field(const struct ctx_blob *st, const char *key,
			char *out, size_t len)
{
	size_t vl, n;
	const char *p = ctx_status_value(st, key, &vl), *le, *v;

	if (!p)
		return -1;
	v = p + vl;
	while (v > p && (v[-1] == ' ' || v[-1] == '\t'))
		v--;
	le = v;
	while (v > p && v[-1] != ' ' && v[-1] != '\t')
		v--;
	n = (size_t)(le - v) < len - 1 ? (size_t)(le - v) : len - 1;
	memcpy(out, v, n);
	out[n] = 0;
	return 0;
}

static int plain(const char *s)
{
	for (; *s; s++)
		if (*s <= ' ' || *s == '\\' || *s >= 0x7f)
			return 0;
	return 1;
}

enum pid_check pid_check(const struct crash_ctx *ctx,
			 const struct core_facts *cf, char *why, size_t len)
{
	const struct ctx_blob *st = &ctx->blob[CTX_STATUS];
	char tgid[32], name[64];

	why[0] = 0;
	if (ctx->pidfd_check < 0) {
		snprintf(why, len, "the kernel's pidfd says pid %d was not the crashed process when /proc was read",
			 ctx->pid);
		return PID_MISMATCH;
	}
	if (cf->have_prstatus && ctx->ns_tid && cf->prstatus_pid != ctx->ns_tid) {
		snprintf(why, len, "the core's first NT_PRSTATUS has pid %d, the crashing thread (%%i) is %d",
			 cf->prstatus_pid, ctx->ns_tid);
		return PID_MISMATCH;
	}
	if (ctx->pidfd_check > 0) {
		snprintf(why, len, "the kernel's pidfd (%%F) named the process while /proc/%d was read",
			 ctx->pid);
		return PID_MATCH;
	}
	if (!st->data || !cf->have_prpsinfo) {
		snprintf(why, len, "%s", !st->data ? "/proc/PID/status was not read" :
			 "the core has no NT_PRPSINFO to compare with");
		return PID_UNKNOWN;
	}
	if (status_field(st, "NStgid:", tgid, sizeof(tgid)) &&
	    status_field(st, "Tgid:", tgid, sizeof(tgid))) {
		snprintf(why, len, "/proc/%d/status has no Tgid", ctx->pid);
		return PID_UNKNOWN;
	}
	if (strtol(tgid, NULL, 10) != cf->psinfo_pid) {
		snprintf(why, len, "/proc/%d is process %s (in its namespace), the core's NT_PRPSINFO says %d: the pid was reused",
			 ctx->pid, tgid, cf->psinfo_pid);
		return PID_MISMATCH;
	}
	/* status escapes odd bytes of the name, the note does not: compare
	 * plain names only */
	if (status_field(st, "Name:", name, sizeof(name)) == 0 &&
	    plain(name) && plain(cf->psinfo_fname) &&
	    strncmp(name, cf->psinfo_fname, 15)) {
		snprintf(why, len, "/proc/%d is \"%.16s\", the core's NT_PRPSINFO says \"%.16s\": the pid was reused",
			 ctx->pid, name, cf->psinfo_fname);
		return PID_MISMATCH;
	}
	snprintf(why, len, "the core's NT_PRSTATUS and NT_PRPSINFO agree with /proc/%d",
		 ctx->pid);
	return PID_MATCH;
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
		      const struct core_facts *cf, uint64_t file_size,
		      json_t *extra)
{
	const char *sn = row->signal > 0 && row->signal < 65 ?
			 sigabbrev_np(row->signal) : NULL;
	char signame[16];
	json_t *a = json_object();
	int bad = !a;

	if (bad) {
		json_decref(extra);
		return NULL;
	}
	snprintf(signame, sizeof(signame), "SIG%s", sn ? sn : "");
	js_put(a, "format", js_text(ANNOTATION_FORMAT), &bad);
	js_put(a, "version", json_integer(ANNOTATION_VERSION), &bad);
	js_put(a, "id", json_integer(row->id), &bad);
	js_put(a, "time_us", json_integer(row->time_us), &bad);
	js_put(a, "core_time", json_integer(ctx->core_time), &bad);
	js_put(a, "monotonic_ns", ctx->monotonic_ns > 0 ?
	       json_integer(ctx->monotonic_ns) : json_null(), &bad);
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
	js_put(a, "gocoredump_note", cf->note ? json_incref(cf->note) :
	       json_null(), &bad);
	js_put(a, "proc", proc_json(ctx), &bad);
	js_put(a, "dumpable", ctx->dumpable >= 0 ?
	       json_integer(ctx->dumpable) : json_null(), &bad);
	if (extra && json_object_update(a, extra))
		bad = 1;
	json_decref(extra);
	if (bad) {
		json_decref(a);
		return NULL;
	}
	return a;
}
