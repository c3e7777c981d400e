// SPDX-License-Identifier: GPL-2.0
/*
 * exeinfo.c - build IDs and Go build info of a crashed executable (see
 * exeinfo.h), all read through lib/goelf.c.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "gocapd/exeinfo.h"

static int fd_read(void *ctx, uint64_t off, void *buf, size_t len)
{
	int fd = *(int *)ctx;
	size_t got = 0;

	while (got < len) {
		ssize_t n = pread(fd, (char *)buf + got, len - got,
				  (off_t)(off + got));

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		got += (size_t)n;
	}
	return 0;
}

void exeinfo_fd_reader(struct goelf_reader *r, int *fd, uint64_t size)
{
	r->read = fd_read;
	r->ctx = fd;
	r->size = size;
}

int exeinfo_read(const struct goelf_reader *r, struct exe_info *x)
{
	static uint8_t scratch[GOELF_SCRATCH_SIZE];
	struct goelf_info gi;
	char *mi;
	int ret;

	memset(x, 0, sizeof(*x));
	ret = goelf_probe(r, GOELF_WANT_BUILDINFO, &gi, scratch);
	if (ret < 0)
		return ret;
	x->is_elf = 1;
	memcpy(x->gnu_build_id, gi.gnu_buildid, sizeof(x->gnu_build_id));
	x->is_go = !!(gi.flags & GOELF_F_GO);
	memcpy(x->go_build_id, gi.go_buildid, sizeof(x->go_build_id));
	x->go_build_id[sizeof(x->go_build_id) - 1] = 0;
	if (!(gi.flags & GOELF_F_BUILDINFO))
		return 0;
	mi = malloc(EXEINFO_MODINFO_MAX);
	if (!mi)
		return 0;
	ret = goelf_modinfo(r, &gi, x->go_version, sizeof(x->go_version), mi,
			    EXEINFO_MODINFO_MAX);
	if (ret < 0) {
		free(mi);
		return 0;
	}
	x->have_buildinfo = 1;
	x->modinfo = mi;
	x->modinfo_len = strnlen(mi, EXEINFO_MODINFO_MAX);
	return 0;
}

void exeinfo_free(struct exe_info *x)
{
	free(x->modinfo);
	x->modinfo = NULL;
}

/* Find the line starting with prefix; copy the rest up to the end of the
 * line or the first tab after skip tabs. */
static int find_line(const struct exe_info *x, const char *prefix,
		     char *out, size_t outlen, int to_tab)
{
	const char *p = x->modinfo, *end;
	size_t pl = strlen(prefix);

	if (!p || !outlen)
		return -1;
	end = p + x->modinfo_len;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *le = nl ? nl : end;

		if ((size_t)(le - p) >= pl && !memcmp(p, prefix, pl)) {
			const char *v = p + pl, *ve = le;
			size_t n;

			if (to_tab) {
				const char *t = memchr(v, '\t', (size_t)(le - v));

				if (t)
					ve = t;
			}
			n = (size_t)(ve - v) < outlen - 1 ? (size_t)(ve - v) :
							    outlen - 1;
			memcpy(out, v, n);
			out[n] = 0;
			return 0;
		}
		p = le + 1;
	}
	return -1;
}

int exeinfo_setting(const struct exe_info *x, const char *key, char *out,
		    size_t outlen)
{
	char prefix[128];

	if (strlen(key) > sizeof(prefix) - 8)
		return -1;
	strcpy(prefix, "build\t");
	strcat(prefix, key);
	strcat(prefix, "=");
	return find_line(x, prefix, out, outlen, 0);
}

int exeinfo_module(const struct exe_info *x, char *out, size_t outlen)
{
	return find_line(x, "mod\t", out, outlen, 1);
}
