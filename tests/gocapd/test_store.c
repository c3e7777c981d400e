// SPDX-License-Identifier: GPL-2.0
/*
 * test_store.c - unit tests of userland/store/store.c: the index round trip,
 * the list filters, deletion with shared executables, the rate limit, name
 * validation and reading a stored core back (raw with holes, zstd).
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <zstd.h>

#include "kselftest_harness.h"
#include "store/store.h"

FIXTURE(st)
{
	char dir[64];
	struct store *s;
};

FIXTURE_SETUP(st)
{
	char err[512] = "";

	strcpy(self->dir, "/tmp/test_store.XXXXXX");
	ASSERT_NE(NULL, mkdtemp(self->dir));
	strcat(self->dir, "/s");
	ASSERT_EQ(0, store_open(&self->s, self->dir, STORE_O_CREATE, err,
				sizeof(err))) TH_LOG("%s", err);
}

FIXTURE_TEARDOWN(st)
{
	char cmd[128];

	store_close(self->s);
	snprintf(cmd, sizeof(cmd), "rm -rf %.*s", (int)strlen(self->dir) - 2,
		 self->dir);
	if (system(cmd))
		TH_LOG("cannot remove %s", self->dir);
}

static void fill(struct store_dump *d, int64_t t, const char *exe, int sig)
{
	memset(d, 0, sizeof(*d));
	d->time_us = t;
	d->pid = 1234;
	d->uid = 1000;
	d->gid = 1000;
	d->signal = sig;
	d->si_code = -6;
	snprintf(d->exe, sizeof(d->exe), "%s", exe);
	snprintf(d->comm, sizeof(d->comm), "crasher");
	snprintf(d->core_file, sizeof(d->core_file), "core.crasher.%lld",
		 (long long)t);
	snprintf(d->annotation_file, sizeof(d->annotation_file),
		 "core.crasher.%lld.json", (long long)t);
	d->storage = STORE_RAW;
	d->status = STORE_TRUNCATED;
	snprintf(d->status_why, sizeof(d->status_why), "pipe closed early");
	d->size_on_disk = 4096;
	d->apparent_size = 8192;
	d->suppressed_before = 3;
}

TEST_F(st, insert_get_roundtrip)
{
	struct store_dump a, b;

	fill(&a, 1000, "/usr/bin/crasher", 6);
	snprintf(a.cgroup, sizeof(a.cgroup), "/system.slice/x.service");
	ASSERT_EQ(0, store_insert(self->s, &a));
	ASSERT_LT(0, a.id);
	ASSERT_EQ(0, store_get(self->s, a.id, &b));
	ASSERT_EQ(a.id, b.id);
	ASSERT_EQ(1000, b.time_us);
	ASSERT_EQ(6, b.signal);
	ASSERT_EQ(-6, b.si_code);
	ASSERT_EQ(STORE_TRUNCATED, b.status);
	ASSERT_EQ(STORE_RAW, b.storage);
	ASSERT_EQ(8192, b.apparent_size);
	ASSERT_EQ(3, b.suppressed_before);
	ASSERT_STREQ("/usr/bin/crasher", b.exe);
	ASSERT_STREQ("/system.slice/x.service", b.cgroup);
	ASSERT_STREQ("pipe closed early", b.status_why);
	ASSERT_EQ(-ENOENT, store_get(self->s, a.id + 100, &b));
}

TEST_F(st, insert_refuses_bad_names)
{
	struct store_dump a;

	fill(&a, 1, "/x", 6);
	strcpy(a.core_file, "../../etc/passwd");
	ASSERT_EQ(-EINVAL, store_insert(self->s, &a));
	strcpy(a.core_file, "core.x");
	strcpy(a.saved_exe, "exe/../index.db");
	ASSERT_EQ(-EINVAL, store_insert(self->s, &a));
}

struct seen {
	int n;
	int64_t times[16];
};

static int collect(void *arg, const struct store_dump *d)
{
	struct seen *s = arg;

	if (s->n < 16)
		s->times[s->n] = d->time_us;
	s->n++;
	return 0;
}

TEST_F(st, list_filters)
{
	struct store_dump d;
	struct store_filter f = { 0 };
	struct seen s = { 0 };

	fill(&d, 100, "/usr/bin/a", 6);
	ASSERT_EQ(0, store_insert(self->s, &d));
	fill(&d, 200, "/opt/b", 11);
	ASSERT_EQ(0, store_insert(self->s, &d));
	fill(&d, 300, "/usr/bin/a", 11);
	ASSERT_EQ(0, store_insert(self->s, &d));
	fill(&d, 400, "/usr/bin/xa", 6);
	ASSERT_EQ(0, store_insert(self->s, &d));

	ASSERT_EQ(4, store_list(self->s, NULL, collect, &s));
	ASSERT_EQ(100, s.times[0]);
	ASSERT_EQ(400, s.times[3]);

	/* by base name: must not match /usr/bin/xa */
	memset(&s, 0, sizeof(s));
	f.exe = "a";
	ASSERT_EQ(2, store_list(self->s, &f, collect, &s));
	ASSERT_EQ(100, s.times[0]);
	ASSERT_EQ(300, s.times[1]);

	memset(&s, 0, sizeof(s));
	f.exe = "/opt/b";
	ASSERT_EQ(1, store_list(self->s, &f, collect, &s));

	memset(&s, 0, sizeof(s));
	memset(&f, 0, sizeof(f));
	f.since_us = 200;
	f.until_us = 300;
	ASSERT_EQ(2, store_list(self->s, &f, collect, &s));
	ASSERT_EQ(200, s.times[0]);

	memset(&s, 0, sizeof(s));
	memset(&f, 0, sizeof(f));
	f.signal = 11;
	f.newest_first = 1;
	f.limit = 1;
	ASSERT_EQ(1, store_list(self->s, &f, collect, &s));
	ASSERT_EQ(300, s.times[0]);
}

static void put_file(int dirfd, const char *name, size_t len)
{
	int fd = openat(dirfd, name, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	char *buf = malloc(len);

	memset(buf, 'x', len);
	if (fd >= 0) {
		if (write(fd, buf, len) != (ssize_t)len)
			abort();
		close(fd);
	}
	free(buf);
}

TEST_F(st, delete_keeps_shared_exe)
{
	struct store_dump a, b;
	int dfd = store_dirfd(self->s);
	struct stat sb;

	fill(&a, 1, "/x", 6);
	strcpy(a.saved_exe, "exe/abcd");
	fill(&b, 2, "/x", 6);
	strcpy(b.saved_exe, "exe/abcd");
	put_file(dfd, a.core_file, 8192);
	put_file(dfd, a.annotation_file, 100);
	put_file(dfd, b.core_file, 8192);
	put_file(dfd, "exe/abcd", 4096);
	ASSERT_EQ(0, store_insert(self->s, &a));
	ASSERT_EQ(0, store_insert(self->s, &b));

	ASSERT_LT(8191, store_delete(self->s, a.id));
	ASSERT_EQ(-1, fstatat(dfd, a.core_file, &sb, 0));
	ASSERT_EQ(-1, fstatat(dfd, a.annotation_file, &sb, 0));
	ASSERT_EQ(0, fstatat(dfd, "exe/abcd", &sb, 0));
	ASSERT_EQ(0, fstatat(dfd, b.core_file, &sb, 0));
	ASSERT_LT(8191 + 4095, store_delete(self->s, b.id));
	ASSERT_EQ(-1, fstatat(dfd, "exe/abcd", &sb, 0));
	ASSERT_EQ(-ENOENT, store_delete(self->s, b.id));
}

TEST_F(st, ratelimit_window)
{
	uint64_t supp = 99;
	const int64_t sec = 1000000;

	/* 2 per 10 s */
	ASSERT_EQ(1, store_ratelimit(self->s, "/x", 0 + 1, 10 * sec, 2, &supp));
	ASSERT_EQ(0, supp);
	ASSERT_EQ(1, store_ratelimit(self->s, "/x", 1 * sec, 10 * sec, 2, &supp));
	ASSERT_EQ(0, store_ratelimit(self->s, "/x", 2 * sec, 10 * sec, 2, &supp));
	ASSERT_EQ(0, store_ratelimit(self->s, "/x", 3 * sec, 10 * sec, 2, &supp));
	/* another exe has its own budget */
	ASSERT_EQ(1, store_ratelimit(self->s, "/y", 3 * sec, 10 * sec, 2, &supp));
	/* next window: allowed, and told that 2 were suppressed */
	ASSERT_EQ(1, store_ratelimit(self->s, "/x", 11 * sec, 10 * sec, 2, &supp));
	ASSERT_EQ(2, supp);
	ASSERT_EQ(1, store_ratelimit(self->s, "/x", 12 * sec, 10 * sec, 2, &supp));
	ASSERT_EQ(0, supp);
	/* burst 0: unlimited */
	ASSERT_EQ(1, store_ratelimit(self->s, "/x", 12 * sec, 10 * sec, 0, &supp));
}

TEST(name_validation)
{
	ASSERT_EQ(1, store_name_ok("core.go.1000.abc.12.34.zst"));
	ASSERT_EQ(1, store_name_ok("exe/0123abcdef"));
	ASSERT_EQ(0, store_name_ok(""));
	ASSERT_EQ(0, store_name_ok(".."));
	ASSERT_EQ(0, store_name_ok(".tmp"));
	ASSERT_EQ(0, store_name_ok("a/b"));
	ASSERT_EQ(0, store_name_ok("exe/../x"));
	ASSERT_EQ(0, store_name_ok("exe/"));
	ASSERT_EQ(0, store_name_ok("/etc/passwd"));
	ASSERT_EQ(0, store_name_ok("core x"));
	ASSERT_EQ(0, store_name_ok("core\n"));
}

TEST_F(st, openat_refuses_symlink)
{
	int dfd = store_dirfd(self->s);

	ASSERT_EQ(0, symlinkat("/etc/passwd", dfd, "core.evil"));
	ASSERT_EQ(-ELOOP, store_openat(self->s, "core.evil", O_RDONLY));
	ASSERT_EQ(-EINVAL, store_openat(self->s, "../x", O_RDONLY));
}

/* 64 KiB of pattern with a zero hole in the middle. */
static void make_core(uint8_t *buf, size_t len)
{
	for (size_t i = 0; i < len; i++)
		buf[i] = (uint8_t)(i * 7 + 1);
	memset(buf + 16384, 0, 32768);
}

static int check_out(const uint8_t *want, size_t len, int fd,
		     struct __test_metadata *_metadata)
{
	uint8_t *got = malloc(len + 1);
	ssize_t r = pread(fd, got, len + 1, 0);
	int same = r == (ssize_t)len && !memcmp(got, want, len);

	free(got);
	if (!same)
		TH_LOG("extracted %zd bytes, want %zu identical", r, len);
	return same;
}

TEST_F(st, extract_raw_and_zstd)
{
	const size_t len = 65536;
	uint8_t *core = malloc(len);
	size_t zcap = ZSTD_compressBound(len), zlen;
	uint8_t *z = malloc(zcap);
	struct store_dump d;
	int dfd = store_dirfd(self->s), fd, out;
	char outpath[96];
	struct stat sb;

	make_core(core, len);
	fill(&d, 1, "/x", 6);
	d.status = STORE_COMPLETE;
	d.apparent_size = len;
	fd = openat(dfd, d.core_file, O_WRONLY | O_CREAT, 0600);
	ASSERT_EQ((ssize_t)len, write(fd, core, len));
	close(fd);
	snprintf(outpath, sizeof(outpath), "%s/out", self->dir);
	out = open(outpath, O_RDWR | O_CREAT | O_TRUNC, 0600);
	ASSERT_EQ((int64_t)len, store_extract_core(self->s, &d, out));
	ASSERT_EQ(1, check_out(core, len, out, _metadata));
	/* the zero run became a hole in the output */
	ASSERT_EQ(0, fstat(out, &sb));
	ASSERT_GT(len, (size_t)sb.st_blocks * 512);
	close(out);

	/* zstd, and a truncated zstd file */
	zlen = ZSTD_compress(z, zcap, core, len, 3);
	ASSERT_EQ(0, ZSTD_isError(zlen));
	strcat(d.core_file, ".zst");
	d.storage = STORE_ZSTD;
	fd = openat(dfd, d.core_file, O_WRONLY | O_CREAT, 0600);
	ASSERT_EQ((ssize_t)zlen, write(fd, z, zlen));
	close(fd);
	out = open(outpath, O_RDWR | O_CREAT | O_TRUNC, 0600);
	ASSERT_EQ((int64_t)len, store_extract_core(self->s, &d, out));
	ASSERT_EQ(1, check_out(core, len, out, _metadata));
	close(out);

	fd = openat(dfd, d.core_file, O_WRONLY | O_TRUNC);
	ASSERT_EQ((ssize_t)zlen / 2, write(fd, z, zlen / 2));
	close(fd);
	out = open(outpath, O_RDWR | O_CREAT | O_TRUNC, 0600);
	ASSERT_EQ(-EBADMSG, store_extract_core(self->s, &d, out));
	close(out);

	/* cut inside the frame, with the index agreeing on the size: the
	 * missing frame end alone must make it corrupt */
	{
		ZSTD_DStream *zd = ZSTD_createDStream();
		uint8_t *tmp = malloc(len);
		ZSTD_inBuffer ib = { z, zlen / 2, 0 };
		ZSTD_outBuffer ob = { tmp, len, 0 };

		while (ib.pos < ib.size)
			ASSERT_EQ(0, ZSTD_isError(ZSTD_decompressStream(zd, &ob, &ib)));
		ZSTD_freeDStream(zd);
		free(tmp);
		d.apparent_size = ob.pos;
		out = open(outpath, O_RDWR | O_CREAT | O_TRUNC, 0600);
		ASSERT_EQ(-EBADMSG, store_extract_core(self->s, &d, out));
		ASSERT_NE(NULL, strstr(store_error(self->s), "ends before its frame"));
		close(out);
		d.apparent_size = len;
	}

	/* the index claims more than the file holds */
	d.storage = STORE_RAW;
	d.core_file[strlen(d.core_file) - 4] = 0;
	d.apparent_size = len + 1;
	out = open(outpath, O_RDWR | O_CREAT | O_TRUNC, 0600);
	ASSERT_EQ(-EBADMSG, store_extract_core(self->s, &d, out));
	close(out);

	d.storage = STORE_NONE;
	ASSERT_EQ(-ENODATA, store_extract_core(self->s, &d, 1));
	free(core);
	free(z);
}

TEST(reopen_and_readonly)
{
	char dir[] = "/tmp/test_store.XXXXXX", err[512] = "";
	struct store *s;
	struct store_dump d;
	char cmd[64];

	ASSERT_NE(NULL, mkdtemp(dir));
	ASSERT_EQ(-ENOENT, store_open(&s, dir, STORE_O_READONLY, err,
				      sizeof(err)));
	ASSERT_NE(NULL, strstr(err, "index")) TH_LOG("%s", err);
	ASSERT_EQ(0, store_open(&s, dir, STORE_O_CREATE, err, sizeof(err)));
	fill(&d, 5, "/x", 6);
	ASSERT_EQ(0, store_insert(s, &d));
	store_close(s);
	ASSERT_EQ(0, store_open(&s, dir, STORE_O_READONLY, err, sizeof(err)))
		TH_LOG("%s", err);
	ASSERT_EQ(0, store_get(s, d.id, &d));
	ASSERT_NE(0, store_insert(s, &d));
	store_close(s);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	ASSERT_EQ(0, system(cmd));
}

TEST_HARNESS_MAIN
