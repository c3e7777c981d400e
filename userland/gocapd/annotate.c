// SPDX-License-Identifier: GPL-2.0
/*
 * annotate.c - read the facts of a core's head and write the JSON
 * annotation of a dump.  The head is core content, so untrusted: it is
 * read only through elfcore.c and gcdnote.c, which bound everything.
 */
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "gocapd/annotate.h"
#include "core/elfcore.h"
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

void json_str(FILE *f, const char *s, size_t len)
{
	fputc('"', f);
	for (size_t i = 0; i < len; i++) {
		unsigned char ch = (unsigned char)s[i];

		if (ch == '"' || ch == '\\')
			fprintf(f, "\\%c", ch);
		else if (ch == '\n')
			fputs("\\n", f);
		else if (ch == '\t')
			fputs("\\t", f);
		else if (ch < 0x20 || ch >= 0x7f)
			fprintf(f, "\\u%04x", ch);
		else
			fputc(ch, f);
	}
	fputc('"', f);
}

static void jstr(FILE *f, const char *key, const char *s)
{
	fprintf(f, ",\n  \"%s\": ", key);
	json_str(f, s, strlen(s));
}

static void jblob(FILE *f, const char *key, const struct ctx_blob *b)
{
	fprintf(f, ",\n  \"%s\": ", key);
	if (b->data)
		json_str(f, b->data, b->len);
	else
		fputs("null", f);
}

/* A NUL-separated list as a JSON array. */
static void jlist(FILE *f, const char *key, const struct ctx_blob *b)
{
	size_t pos = 0;
	int first = 1;

	fprintf(f, ",\n  \"%s\": ", key);
	if (!b->data) {
		fputs("null", f);
		return;
	}
	fputc('[', f);
	while (pos < b->len) {
		size_t l = strnlen(b->data + pos, b->len - pos);

		fputs(first ? "" : ", ", f);
		json_str(f, b->data + pos, l);
		first = 0;
		pos += l + 1;
	}
	fputc(']', f);
}

static void go_json(FILE *f, const struct exe_info *x)
{
	char v[1024];
	const char *p, *end;
	int first = 1;

	fputs(",\n  \"go\": ", f);
	if (!x || !x->is_go) {
		fputs("null", f);
		return;
	}
	fputs("{\"build_id\": ", f);
	json_str(f, x->go_build_id, strlen(x->go_build_id));
	fputs(", \"version\": ", f);
	json_str(f, x->go_version, strlen(x->go_version));
	fputs(", \"module\": ", f);
	if (exeinfo_module(x, v, sizeof(v)) == 0)
		json_str(f, v, strlen(v));
	else
		fputs("null", f);
	fputs(", \"vcs_revision\": ", f);
	if (exeinfo_setting(x, "vcs.revision", v, sizeof(v)) == 0)
		json_str(f, v, strlen(v));
	else
		fputs("null", f);
	fputs(", \"vcs_time\": ", f);
	if (exeinfo_setting(x, "vcs.time", v, sizeof(v)) == 0)
		json_str(f, v, strlen(v));
	else
		fputs("null", f);
	fputs(", \"settings\": {", f);
	p = x->modinfo;
	end = p ? p + x->modinfo_len : p;
	while (p && p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *le = nl ? nl : end;

		if (le - p > 6 && !memcmp(p, "build\t", 6)) {
			const char *k = p + 6;
			const char *eq = memchr(k, '=', (size_t)(le - k));

			if (eq) {
				fputs(first ? "" : ", ", f);
				json_str(f, k, (size_t)(eq - k));
				fputs(": ", f);
				json_str(f, eq + 1, (size_t)(le - eq - 1));
				first = 0;
			}
		}
		p = le + 1;
	}
	fputs("}, \"modinfo\": ", f);
	if (x->modinfo)
		json_str(f, x->modinfo, x->modinfo_len);
	else
		fputs("null", f);
	fputc('}', f);
}

void annotate_write(FILE *f, const struct store_dump *row,
		    const struct crash_ctx *ctx, const struct exe_info *x,
		    const struct core_facts *cf, uint64_t file_size)
{
	const char *sn = row->signal > 0 && row->signal < 65 ?
			 sigabbrev_np(row->signal) : NULL;

	fprintf(f, "{\n  \"format\": \"gocapd-annotation\", \"version\": 1");
	fprintf(f, ",\n  \"id\": %lld", (long long)row->id);
	fprintf(f, ",\n  \"time_us\": %lld, \"core_time\": %lld",
		(long long)row->time_us, (long long)ctx->core_time);
	fprintf(f, ",\n  \"pid\": %d, \"tid\": %d, \"ns_tid\": %d",
		row->pid, ctx->tid, ctx->ns_tid);
	fprintf(f, ",\n  \"uid\": %d, \"gid\": %d", row->uid, row->gid);
	fprintf(f, ",\n  \"signal\": %d, \"signal_name\": ", row->signal);
	if (sn)
		fprintf(f, "\"SIG%s\"", sn);
	else
		fputs("null", f);
	if (cf->have_siginfo)
		fprintf(f, ", \"si_code\": %d, \"si_errno\": %d", cf->si_code,
			cf->si_errno);
	else
		fputs(", \"si_code\": null", f);
	jstr(f, "exe", row->exe);
	jstr(f, "exe_build_id", row->exe_build_id);
	jstr(f, "comm", row->comm);
	jblob(f, "comm_raw", &ctx->blob[CTX_COMM]);
	jlist(f, "cmdline", &ctx->blob[CTX_CMDLINE]);
	jlist(f, "environ", &ctx->blob[CTX_ENVIRON]);
	jblob(f, "cwd", &ctx->blob[CTX_CWD]);
	jstr(f, "hostname", row->hostname);
	jstr(f, "boot_id", row->boot_id);
	jstr(f, "cgroup", row->cgroup);
	jstr(f, "container_id", row->container_id);
	fprintf(f, ",\n  \"rlimit_core\": %lld, \"fd_count\": %d",
		(long long)ctx->rlimit_core, ctx->fd_count);
	fprintf(f, ",\n  \"core\": {\"file\": ");
	json_str(f, row->core_file, strlen(row->core_file));
	fprintf(f, ", \"storage\": \"%s\", \"status\": \"%s\", \"why\": ",
		store_storage_name(row->storage),
		store_status_name(row->status));
	json_str(f, row->status_why, strlen(row->status_why));
	fprintf(f, ", \"apparent_size\": %llu, \"size_on_disk\": %llu, \"file_size\": %llu, \"expected_size\": %llu, \"problem\": ",
		(unsigned long long)row->apparent_size,
		(unsigned long long)row->size_on_disk,
		(unsigned long long)file_size,
		(unsigned long long)cf->expected_size);
	json_str(f, cf->problem, strlen(cf->problem));
	fputc('}', f);
	fprintf(f, ",\n  \"suppressed_before\": %llu",
		(unsigned long long)row->suppressed_before);
	jstr(f, "saved_exe", row->saved_exe);
	go_json(f, x);
	fputs(",\n  \"gocoredump_note\": ", f);
	if (cf->note_found != 0)
		gcdnote_print_json(f, &cf->note);
	else
		fputs("null", f);
	fputs(",\n  \"proc\": {\"missing\": [", f);
	for (unsigned int i = 0, first = 1; i < CTX_NBLOBS; i++)
		if (ctx->proc_missing & (1u << i)) {
			fprintf(f, "%s\"%s\"", first ? "" : ", ",
				ctx_blob_names[i]);
			first = 0;
		}
	fputs("]", f);
	for (unsigned int i = CTX_STATUS; i <= CTX_MOUNTINFO; i++) {
		fprintf(f, ", \"%s\": ", ctx_blob_names[i]);
		if (ctx->blob[i].data)
			json_str(f, ctx->blob[i].data, ctx->blob[i].len);
		else
			fputs("null", f);
	}
	fputs("}\n}\n", f);
}
