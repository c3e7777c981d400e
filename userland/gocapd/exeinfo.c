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
#include "store/sha256.h"

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

#define COPY_BLOCK	4096u
#define COPY_CHUNK	(1u << 20)

static int pread_all(int fd, uint8_t *buf, size_t len, uint64_t off)
{
	size_t got = 0;

	while (got < len) {
		ssize_t n = pread(fd, buf + got, len - got, (off_t)(off + got));

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return n < 0 ? -errno : -EIO;
		got += (size_t)n;
	}
	return 0;
}

static int pwrite_all(int fd, const uint8_t *buf, size_t len, uint64_t off)
{
	while (len) {
		ssize_t n = pwrite(fd, buf, len, (off_t)off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return n < 0 ? -errno : -EIO;
		buf += n;
		len -= (size_t)n;
		off += (uint64_t)n;
	}
	return 0;
}

static int block_zero(const uint8_t *p, size_t n)
{
	static const uint8_t zero[16];

	if (n <= 16)
		return !memcmp(p, zero, n);
	return !memcmp(p, zero, 16) && !memcmp(p, p + 16, n - 16);
}

int exeinfo_copy(int in, int out, uint64_t size, uint8_t sha256[32])
{
	uint8_t *buf = malloc(COPY_CHUNK), le[8];
	struct sha256 h;
	uint64_t cursor = 0;
	int err = 0;

	if (!buf)
		return -ENOMEM;
	sha256_init(&h);
	while (cursor < size && !err) {
		/* The next data (holes are skipped without reading them). */
		off_t a = lseek(in, (off_t)cursor, SEEK_DATA), b;
		uint64_t start, end;

		if (a < 0) {
			if (errno == ENXIO)
				break;		/* only a hole is left */
			a = (off_t)cursor;	/* no SEEK_DATA: read it all */
			b = (off_t)size;
		} else {
			b = lseek(in, a, SEEK_HOLE);
			if (b < 0)
				b = (off_t)size;
		}
		start = (uint64_t)a & ~(uint64_t)(COPY_BLOCK - 1);
		if (start < cursor)
			start = cursor;
		end = ((uint64_t)b + COPY_BLOCK - 1) & ~(uint64_t)(COPY_BLOCK - 1);
		if (end > size)
			end = size;
		if (end <= start) {
			cursor = start + COPY_BLOCK;
			continue;
		}
		while (start < end && !err) {
			size_t n = end - start < COPY_CHUNK ? (size_t)(end - start) :
							      COPY_CHUNK;

			err = pread_all(in, buf, n, start);
			for (size_t i = 0; !err && i < n; i += COPY_BLOCK) {
				size_t k = n - i < COPY_BLOCK ? n - i : COPY_BLOCK;
				uint64_t off = start + i;

				if (block_zero(buf + i, k))
					continue;
				for (int j = 0; j < 8; j++)
					le[j] = (uint8_t)(off >> (8 * j));
				sha256_update(&h, le, 8);
				sha256_update(&h, buf + i, k);
				if (out >= 0)
					err = pwrite_all(out, buf + i, k, off);
			}
			start += n;
		}
		cursor = end;
	}
	for (int j = 0; j < 8; j++)
		le[j] = (uint8_t)(size >> (8 * j));
	sha256_update(&h, le, 8);
	sha256_final(&h, sha256);
	if (!err && out >= 0 && (ftruncate(out, (off_t)size) < 0 ||
				 fsync(out) < 0))
		err = -errno;
	free(buf);
	return err;
}
