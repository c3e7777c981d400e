// SPDX-License-Identifier: GPL-2.0
/*
 * exeinfo.c - build IDs and Go build info of a crashed executable (see
 * exeinfo.h).  The GNU build ID note is found through the program headers
 * (PT_NOTE), all offsets checked against the file size; the Go parts come
 * from lib/goelf.c.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "exeinfo.h"

#define PT_NOTE			4
#define NT_GNU_BUILD_ID		3
#define MAX_PHNUM		4096
#define MAX_NOTE_AREA		(64u << 10)

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

static uint64_t le(const uint8_t *p, int n)
{
	uint64_t v = 0;

	for (int i = n - 1; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}

static int rd(const struct goelf_reader *r, uint64_t off, void *buf,
	      size_t len)
{
	if (off > r->size || len > r->size - off)
		return -1;
	return r->read(r->ctx, off, buf, len) < 0 ? -1 : 0;
}

/* Look for NT_GNU_BUILD_ID in one PT_NOTE area. */
static int scan_notes(const struct goelf_reader *r, uint64_t off,
		      uint64_t size, struct exe_info *x)
{
	static uint8_t area[MAX_NOTE_AREA];
	uint64_t pos = 0;

	if (size > MAX_NOTE_AREA)
		size = MAX_NOTE_AREA;
	if (rd(r, off, area, (size_t)size))
		return -1;
	while (size - pos >= 12) {
		uint64_t namesz = le(area + pos, 4), descsz = le(area + pos + 4, 4);
		uint64_t type = le(area + pos + 8, 4);
		uint64_t nlen = (namesz + 3) & ~3ull, dlen = (descsz + 3) & ~3ull;
		const uint8_t *name = area + pos + 12, *desc = name + nlen;

		if (nlen > size - pos - 12 || descsz > size - pos - 12 - nlen)
			return -1;
		if (type == NT_GNU_BUILD_ID && namesz == 4 &&
		    !memcmp(name, "GNU", 4) && descsz >= 1 && descsz <= 32) {
			static const char hex[] = "0123456789abcdef";

			for (uint64_t i = 0; i < descsz; i++) {
				x->gnu_build_id[2 * i] = hex[desc[i] >> 4];
				x->gnu_build_id[2 * i + 1] = hex[desc[i] & 15];
			}
			x->gnu_build_id[2 * descsz] = 0;
			return 0;
		}
		if (dlen > size - pos - 12 - nlen)
			break;
		pos += 12 + nlen + dlen;
	}
	return -1;
}

static void gnu_build_id(const struct goelf_reader *r, struct exe_info *x)
{
	uint8_t eh[64], ph[56];
	int is64;
	uint64_t phoff, phnum, phentsize;

	if (rd(r, 0, eh, 52) || memcmp(eh, "\177ELF", 4) || eh[5] != 1)
		return;
	is64 = eh[4] == 2;
	if (is64 && rd(r, 0, eh, 64))
		return;
	phoff = is64 ? le(eh + 32, 8) : le(eh + 28, 4);
	phentsize = is64 ? le(eh + 54, 2) : le(eh + 42, 2);
	phnum = is64 ? le(eh + 56, 2) : le(eh + 44, 2);
	if (phnum > MAX_PHNUM || phentsize < (is64 ? 56u : 32u))
		return;
	for (uint64_t i = 0; i < phnum; i++) {
		uint64_t type, off, size;

		if (phentsize > UINT64_MAX / (i + 1) ||
		    rd(r, phoff + i * phentsize, ph, is64 ? 56 : 32))
			return;
		type = le(ph, 4);
		if (type != PT_NOTE)
			continue;
		off = is64 ? le(ph + 8, 8) : le(ph + 4, 4);
		size = is64 ? le(ph + 32, 8) : le(ph + 16, 4);
		if (scan_notes(r, off, size, x) == 0)
			return;
	}
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
	gnu_build_id(r, x);
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
