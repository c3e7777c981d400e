// SPDX-License-Identifier: GPL-2.0
/*
 * test_store.c - unit tests of userland/store/: the index round trip, the
 * list filters, deletion with shared executables, the running totals, the
 * rate limit, name validation, reading a stored core back (raw with holes,
 * zstd); the commit protocol and its recovery at every crash point, the
 * rebuild of a lost or corrupt index from the annotations, reading an
 * annotation back (and refusing a forged one), safe paths, ids, content
 * hashes, and a user reading their own dumps through an ACL.
 */
#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <zstd.h>

#include "kselftest_harness.h"
#include "store/paths.h"
#include "store/sha256.h"
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
	/* not on the way either: exe/ swapped for a symlink to /etc */
	ASSERT_EQ(0, unlinkat(dfd, "exe", AT_REMOVEDIR));
	ASSERT_EQ(0, symlinkat("/etc", dfd, "exe"));
	ASSERT_GT(0, store_openat(self->s, "exe/passwd", O_RDONLY));
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

TEST(sha256_vectors)
{
	static const struct { const char *in, *hex; } v[] = {
		{ "", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855" },
		{ "abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad" },
		{ "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
		  "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1" },
	};
	struct sha256 h;
	uint8_t d[32];
	char hex[65], *mil = malloc(1000000);

	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		sha256_init(&h);
		sha256_update(&h, v[i].in, strlen(v[i].in));
		sha256_final(&h, d);
		sha256_hex(d, hex);
		ASSERT_STREQ(v[i].hex, hex);
	}
	/* a million 'a', fed in odd pieces */
	memset(mil, 'a', 1000000);
	sha256_init(&h);
	for (size_t off = 0; off < 1000000; off += 777)
		sha256_update(&h, mil + off, 1000000 - off < 777 ? 1000000 - off : 777);
	sha256_final(&h, d);
	sha256_hex(d, hex);
	ASSERT_STREQ("cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0", hex);
	free(mil);
}

TEST(exe_names_by_content)
{
	uint8_t h[32];
	char n[STORE_NAME_LEN];

	memset(h, 0xab, sizeof(h));
	ASSERT_EQ(0, store_exe_name("abc/def-_1", h, n, sizeof(n)));
	ASSERT_EQ(0, strncmp(n, "exe/abc.def-_1.abab", 19));
	ASSERT_EQ(4 + 10 + 1 + 64, strlen(n));
	ASSERT_EQ(1, store_name_ok(n));
	ASSERT_EQ(-EINVAL, store_exe_name("../x", h, n, sizeof(n)));
	ASSERT_EQ(-EINVAL, store_exe_name("", h, n, sizeof(n)));
	h[0] = 0;		/* other bytes, another name */
	ASSERT_EQ(0, store_exe_name("abc/def-_1", h, n, sizeof(n)));
	ASSERT_EQ(0, strncmp(n, "exe/abc.def-_1.00ab", 19));
}

/* The space the store uses is a total the index keeps: rows, their
 * annotations, every saved executable once. */
static int count_rows(void *arg, const struct store_dump *d)
{
	(void)arg;
	(void)d;
	return 0;
}

TEST_F(st, running_totals)
{
	struct store_dump a, b, c;
	uint64_t total;

	fill(&a, 1, "/x", 6);
	a.size_on_disk = 1000;
	a.meta_size = 10;
	strcpy(a.saved_exe, "exe/e1");
	a.exe_size = 500;
	fill(&b, 2, "/x", 6);
	b.size_on_disk = 2000;
	b.meta_size = 20;
	strcpy(b.saved_exe, "exe/e1");
	b.exe_size = 500;
	fill(&c, 3, "/y", 6);
	c.size_on_disk = 4000;
	c.meta_size = 40;
	ASSERT_EQ(0, store_insert(self->s, &a));
	ASSERT_EQ(0, store_insert(self->s, &b));
	ASSERT_EQ(0, store_insert(self->s, &c));
	ASSERT_EQ(0, store_total_size(self->s, &total));
	ASSERT_EQ(1000 + 10 + 2000 + 20 + 500 + 4000 + 40, total);
	ASSERT_LE(0, store_delete(self->s, a.id));	/* exe kept: b uses it */
	ASSERT_EQ(0, store_total_size(self->s, &total));
	ASSERT_EQ(2000 + 20 + 500 + 4000 + 40, total);
	ASSERT_LE(0, store_delete(self->s, b.id));	/* exe goes with b */
	ASSERT_EQ(0, store_total_size(self->s, &total));
	ASSERT_EQ(4000 + 40, total);
}

/* Eviction order, as systemd's: the oldest dump of the user who has the
 * most, not the oldest of all; never one newer than asked, nor one
 * committed after the claim that asks. */
TEST_F(st, eviction_takes_from_the_user_with_most)
{
	struct store_dump d;
	int64_t id, t, old_b;

	fill(&d, 10, "/b", 6);		/* user 2000: one dump, the oldest */
	d.uid = 2000;
	ASSERT_EQ(0, store_insert(self->s, &d));
	old_b = d.id;
	for (int i = 0; i < 3; i++) {	/* user 1000: three, newer */
		fill(&d, 20 + i, "/a", 6);
		ASSERT_EQ(0, store_insert(self->s, &d));
	}
	ASSERT_EQ(0, store_evict_candidate(self->s, 0, 0, 0, &id, &t));
	ASSERT_EQ(20, t);
	ASSERT_EQ(0, store_oldest(self->s, 0, &id, &t));
	ASSERT_EQ(old_b, id);
	/* only older than 21: user 1000's at 20 */
	ASSERT_EQ(0, store_evict_candidate(self->s, 0, 21, 0, &id, &t));
	ASSERT_EQ(20, t);
	ASSERT_EQ(-ENOENT, store_evict_candidate(self->s, 0, 5, 0, &id, &t));
	/* only dumps committed before a claim was made (ids below the last
	 * one then): a burst's first dumps are not evicted for its others */
	ASSERT_EQ(d.id, store_last_id(self->s));
	ASSERT_EQ(0, store_evict_candidate(self->s, 0, 0, old_b + 1, &id, &t));
	ASSERT_EQ(old_b, id);
	ASSERT_EQ(-ENOENT, store_evict_candidate(self->s, 0, 0, old_b, &id, &t));
	/* counts follow deletes: now 2 and 1, then 1 and 1 (oldest wins) */
	ASSERT_EQ(0, store_evict_candidate(self->s, 0, 0, 0, &id, &t));
	ASSERT_LE(0, store_delete(self->s, id));
	ASSERT_EQ(0, store_evict_candidate(self->s, 0, 0, 0, &id, &t));
	ASSERT_EQ(21, t);
	ASSERT_LE(0, store_delete(self->s, id));
	ASSERT_EQ(0, store_evict_candidate(self->s, 0, 0, 0, &id, &t));
	ASSERT_EQ(old_b, id);
}

TEST_F(st, ids_never_repeat)
{
	struct store_dump a;
	int64_t id1, id2;
	int fd;

	ASSERT_EQ(0, store_alloc_id(self->s, &id1));
	ASSERT_EQ(0, store_alloc_id(self->s, &id2));
	ASSERT_EQ(id1 + 1, id2);
	/* a row with a higher id, and a garbled next-id: still above it */
	fill(&a, 1, "/x", 6);
	a.id = 100;
	ASSERT_EQ(0, store_insert(self->s, &a));
	ASSERT_EQ(100, a.id);
	fd = openat(store_dirfd(self->s), STORE_ID_FILE, O_WRONLY | O_TRUNC);
	ASSERT_LE(0, fd);
	ASSERT_EQ(3, write(fd, "zz\n", 3));
	close(fd);
	ASSERT_EQ(0, store_alloc_id(self->s, &id1));
	ASSERT_EQ(101, id1);
	/* the same annotation again: indexed once; another dump asking for
	 * a taken id is given a new one */
	ASSERT_EQ(0, store_insert(self->s, &a));
	fill(&a, 2, "/x", 6);
	a.id = 100;
	ASSERT_EQ(1, store_insert(self->s, &a));
	ASSERT_NE(100, a.id);
}

/* A minimal annotation of a dump (what gocapd writes has more). */
static char *annotation(const struct store_dump *d)
{
	char *t = malloc(8192);

	snprintf(t, 8192,
		 "{\"format\": \"gocapd-annotation\", \"version\": 1, \"id\": %lld, "
		 "\"time_us\": %lld, \"pid\": %d, \"uid\": %d, \"gid\": %d, "
		 "\"signal\": %d, \"si_code\": null, \"exe\": \"%s\", "
		 "\"exe_build_id\": \"\", \"comm\": \"%s\", \"hostname\": \"h\", "
		 "\"boot_id\": \"b\", \"cgroup\": \"\", \"container_id\": \"\", "
		 "\"saved_exe\": \"%s\", \"suppressed_before\": 0, "
		 "\"core\": {\"file\": \"%s\", \"storage\": \"%s\", \"status\": \"%s\", "
		 "\"why\": \"%s\", \"apparent_size\": %llu, \"size_on_disk\": %llu}}\n",
		 (long long)d->id, (long long)d->time_us, d->pid, d->uid, d->gid,
		 d->signal, d->exe, d->comm, d->saved_exe, d->core_file,
		 store_storage_name(d->storage), store_status_name(d->status),
		 d->status_why, (unsigned long long)d->apparent_size,
		 (unsigned long long)d->size_on_disk);
	return t;
}

/* A dump ready to commit: row, and its core in .tmp/ as core_tmp. */
static void ready(struct store *s, struct store_dump *d, int64_t t,
		  char *core_tmp, int uid)
{
	fill(d, t, "/usr/bin/crasher", 6);
	d->uid = uid;
	snprintf(d->core_file, sizeof(d->core_file),
		 "core.crasher.%d.b.1234.%lld", uid, (long long)t);
	snprintf(d->annotation_file, sizeof(d->annotation_file), "%.200s.json",
		 d->core_file);
	d->status = STORE_COMPLETE;
	d->status_why[0] = 0;
	store_alloc_id(s, &d->id);
	sprintf(core_tmp, "%s.%d.partial", d->core_file, getpid());
	put_file(store_tmpfd(s), core_tmp, 8192);
}

static int tmp_entries(struct store *s)
{
	int fd = dup(store_tmpfd(s)), n = 0;
	DIR *d = fdopendir(fd);
	struct dirent *de;

	rewinddir(d);
	while ((de = readdir(d)))
		n += de->d_name[0] != '.';
	closedir(d);
	return n;
}

TEST_F(st, commit_puts_a_dump_in_place)
{
	struct store_pending *p;
	struct store_dump d, got;
	char tmp[STORE_NAME_LEN + 32], *text;
	struct stat sb;

	ready(self->s, &d, 1000, tmp, 1000);
	text = annotation(&d);
	ASSERT_EQ(0, store_commit(self->s, &d, tmp, text, strlen(text), -1, &p));
	ASSERT_EQ(NULL, p);
	ASSERT_EQ(0, fstatat(store_dirfd(self->s), d.core_file, &sb, 0));
	ASSERT_EQ(0, fstatat(store_dirfd(self->s), d.annotation_file, &sb, 0));
	ASSERT_EQ(0, store_get(self->s, d.id, &got));
	ASSERT_STREQ(d.core_file, got.core_file);
	ASSERT_LT(0, got.meta_size);
	ASSERT_EQ(0, tmp_entries(self->s));	/* no marker left */
	free(text);
}

/*
 * Die at every step of a commit (a child, killed there by its failpoint):
 * the next store_recover() finishes it.  Never a core without its row,
 * never a row without its files.
 */
TEST_F(st, commit_survives_every_crash_point)
{
	static const char *const points[] = {
		"commit-marker", "commit-core", "commit-annotation", "commit-row",
	};

	for (size_t i = 0; i < sizeof(points) / sizeof(points[0]); i++) {
		struct store_dump d, got;
		char tmp[STORE_NAME_LEN + 32];
		struct stat sb;
		int st;
		pid_t pid;

		ready(self->s, &d, 2000 + (int64_t)i, tmp, 1000);
		pid = fork();
		if (pid == 0) {
			struct store_pending *p;
			char *text = annotation(&d);

			setenv("GOCAPD_FAILPOINT", points[i], 1);
			store_commit(self->s, &d, tmp, text, strlen(text), -1, &p);
			_exit(0);	/* (the failpoint did not fire) */
		}
		ASSERT_LT(0, pid);
		ASSERT_EQ(pid, waitpid(pid, &st, 0));
		ASSERT_TRUE(WIFSIGNALED(st)) TH_LOG("%s did not fire", points[i]);
		ASSERT_LT(0, store_recover(self->s)) TH_LOG("%s: nothing recovered", points[i]);
		ASSERT_EQ(0, store_get(self->s, d.id, &got)) TH_LOG("%s: no row", points[i]);
		ASSERT_EQ(0, fstatat(store_dirfd(self->s), d.core_file, &sb, 0));
		ASSERT_EQ(0, fstatat(store_dirfd(self->s), d.annotation_file, &sb, 0));
		ASSERT_EQ(0, tmp_entries(self->s)) TH_LOG("%s: .tmp not clean", points[i]);
	}
}

TEST_F(st, delete_survives_every_crash_point)
{
	static const char *const points[] = { "delete-marker", "delete-row" };

	for (size_t i = 0; i < sizeof(points) / sizeof(points[0]); i++) {
		struct store_pending *p;
		struct store_dump d, got;
		char tmp[STORE_NAME_LEN + 32], *text;
		struct stat sb;
		int st;
		pid_t pid;

		ready(self->s, &d, 3000 + (int64_t)i, tmp, 1000);
		text = annotation(&d);
		ASSERT_EQ(0, store_commit(self->s, &d, tmp, text, strlen(text),
					  -1, &p));
		free(text);
		pid = fork();
		if (pid == 0) {
			setenv("GOCAPD_FAILPOINT", points[i], 1);
			store_delete(self->s, d.id);
			_exit(0);
		}
		ASSERT_EQ(pid, waitpid(pid, &st, 0));
		ASSERT_TRUE(WIFSIGNALED(st));
		ASSERT_LT(0, store_recover(self->s));
		ASSERT_EQ(-ENOENT, store_get(self->s, d.id, &got));
		ASSERT_NE(0, fstatat(store_dirfd(self->s), d.core_file, &sb, 0));
		ASSERT_NE(0, fstatat(store_dirfd(self->s), d.annotation_file, &sb, 0));
		ASSERT_EQ(0, tmp_entries(self->s));
	}
}

/* An index lost, emptied or garbled: rebuilt from the annotations, with
 * the same ids. */
TEST(index_rebuilt_from_annotations)
{
	static const char *const how[] = { "delete", "empty", "garbage" };
	char dir[] = "/tmp/test_store.XXXXXX", err[512], cmd[64];

	ASSERT_NE(NULL, mkdtemp(dir));
	for (size_t k = 0; k < 3; k++) {
		struct store_reindex_stats stats;
		struct store *s;
		struct store_pending *p;
		struct store_dump d[3], got;
		char tmp[STORE_NAME_LEN + 32], *text;
		uint64_t total;
		int fd;

		ASSERT_EQ(0, store_open(&s, dir, STORE_O_CREATE, err, sizeof(err))) TH_LOG("%s", err);
		for (int i = 0; i < 3; i++) {
			ready(s, &d[i], 5000 + (int64_t)k * 10 + i, tmp, 1000);
			text = annotation(&d[i]);
			ASSERT_EQ(0, store_commit(s, &d[i], tmp, text, strlen(text),
						  -1, &p));
			free(text);
		}
		store_close(s);
		fd = openat(AT_FDCWD, dir, O_RDONLY | O_DIRECTORY);
		unlinkat(fd, "index.db-wal", 0);
		unlinkat(fd, "index.db-shm", 0);
		if (k == 0) {
			ASSERT_EQ(0, unlinkat(fd, "index.db", 0));
		} else {
			int ifd = openat(fd, "index.db", O_WRONLY | O_TRUNC);

			ASSERT_LE(0, ifd);
			if (k == 2)
				ASSERT_EQ(512, write(ifd, memset(err, 'x', 512), 512));
			close(ifd);
		}
		close(fd);
		if (k == 2) {
			/* not a database: refused, unless asked to repair */
			ASSERT_NE(0, store_open(&s, dir, STORE_O_CREATE, err, sizeof(err)));
		}
		ASSERT_EQ(0, store_open(&s, dir, STORE_O_CREATE | STORE_O_REPAIR,
					err, sizeof(err))) TH_LOG("%s", err);
		ASSERT_EQ(1, store_needs_reindex(s)) TH_LOG("%s", how[k]);
		ASSERT_EQ(0, store_reindex(s, &stats));
		ASSERT_EQ(0, store_needs_reindex(s));
		ASSERT_LE(3, stats.added);
		for (int i = 0; i < 3; i++) {
			ASSERT_EQ(0, store_get(s, d[i].id, &got)) TH_LOG("%s", how[k]);
			ASSERT_STREQ(d[i].core_file, got.core_file);
			ASSERT_EQ(8192, got.size_on_disk);
		}
		ASSERT_EQ(0, store_total_size(s, &total));
		ASSERT_LT(3 * 8192, total);
		store_close(s);
	}
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	ASSERT_EQ(0, system(cmd));
}

/* An annotation is read back as outside bytes: one that points at
 * another dump's core, or outside exe/, is refused. */
TEST(annotation_read_back)
{
	struct store_dump d, got;
	const char *name = "core.c.1000.b.1.5.json";
	char err[256], *text;

	memset(&d, 0, sizeof(d));
	d.id = 7;
	d.time_us = 5;
	d.pid = 1;
	d.uid = 1000;
	strcpy(d.comm, "c");
	strcpy(d.core_file, "core.c.1000.b.1.5.zst");
	d.storage = STORE_ZSTD;
	d.status = STORE_COMPLETE;
	d.apparent_size = 99;
	text = annotation(&d);
	ASSERT_EQ(0, store_row_from_annotation(text, strlen(text), name, &got,
					       err, sizeof(err))) TH_LOG("%s", err);
	ASSERT_EQ(7, got.id);
	ASSERT_STREQ(d.core_file, got.core_file);
	ASSERT_STREQ(name, got.annotation_file);
	ASSERT_EQ(STORE_ZSTD, got.storage);
	free(text);
	strcpy(d.core_file, "core.other.1000.b.1.5");	/* someone else's */
	text = annotation(&d);
	ASSERT_EQ(-EBADMSG, store_row_from_annotation(text, strlen(text), name,
						      &got, err, sizeof(err)));
	ASSERT_NE(NULL, strstr(err, "core.file"));
	free(text);
	strcpy(d.core_file, "core.c.1000.b.1.5");
	strcpy(d.saved_exe, "index.db");
	text = annotation(&d);
	ASSERT_EQ(-EBADMSG, store_row_from_annotation(text, strlen(text), name,
						      &got, err, sizeof(err)));
	free(text);
	ASSERT_EQ(-EBADMSG, store_row_from_annotation("{", 1, name, &got, err,
						      sizeof(err)));
	ASSERT_EQ(-EBADMSG, store_row_from_annotation("{}", 2, "../x.json",
						      &got, err, sizeof(err)));
}

/* A store is kept only in a directory nobody else could have made or changed. */
TEST(safe_directories)
{
	char dir[] = "/tmp/test_store.XXXXXX", p[128], err[512], cmd[64];
	struct stat sb;
	int fd;

	ASSERT_NE(NULL, mkdtemp(dir));
	snprintf(p, sizeof(p), "%s/a/b", dir);
	fd = paths_open_dir(p, PATHS_CREATE | PATHS_CHECK, 0755, err, sizeof(err));
	ASSERT_LE(0, fd) TH_LOG("%s", err);
	ASSERT_EQ(0, fstat(fd, &sb));
	ASSERT_EQ(0755, sb.st_mode & 07777);	/* whatever the umask */
	close(fd);
	/* someone else's */
	ASSERT_EQ(0, chown(p, 65534, 65534));
	ASSERT_EQ(-EPERM, paths_open_dir(p, PATHS_CREATE | PATHS_CHECK, 0755,
					 err, sizeof(err)));
	ASSERT_NE(NULL, strstr(err, "owned by uid 65534")) TH_LOG("%s", err);
	ASSERT_EQ(0, chown(p, 0, 0));
	/* writable by everyone */
	ASSERT_EQ(0, chmod(p, 0777));
	ASSERT_EQ(-EPERM, paths_open_dir(p, PATHS_CHECK, 0755, err, sizeof(err)));
	/* a symlink on the way */
	snprintf(p, sizeof(p), "%s/link", dir);
	ASSERT_EQ(0, symlink("a", p));
	snprintf(p, sizeof(p), "%s/link/b", dir);
	ASSERT_EQ(-ELOOP, paths_open_dir(p, PATHS_CHECK, 0755, err, sizeof(err)));
	/* and an open that must not follow one */
	snprintf(p, sizeof(p), "%s/link/new", dir);
	ASSERT_EQ(-ELOOP, paths_open_nofollow(p, O_WRONLY | O_CREAT | O_EXCL, 0600));
	snprintf(p, sizeof(p), "%s/a/new", dir);
	fd = paths_open_nofollow(p, O_WRONLY | O_CREAT | O_EXCL, 0600);
	ASSERT_LE(0, fd);
	close(fd);
	ASSERT_EQ(-EEXIST, paths_open_nofollow(p, O_WRONLY | O_CREAT | O_EXCL, 0600));
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	ASSERT_EQ(0, system(cmd));
}

/*
 * A user's own dumps, read through the ACL gocapd gives them, without the
 * index (root's): list and get, nothing of other users'.
 */
TEST_F(st, a_user_reads_their_own_dumps)
{
	struct store_pending *p;
	struct store_dump mine, root;
	char tmp[STORE_NAME_LEN + 32], *text, buf[64];
	int st, fd;
	pid_t pid;

	ready(self->s, &mine, 7000, tmp, 65534);
	fd = openat(store_tmpfd(self->s), tmp, O_RDWR);
	ASSERT_EQ(0, store_grant_read(fd, 65534));
	ASSERT_EQ(44, fgetxattr(fd, "system.posix_acl_access", buf, sizeof(buf)));
	close(fd);
	text = annotation(&mine);
	ASSERT_EQ(0, store_commit(self->s, &mine, tmp, text, strlen(text),
				  65534, &p));
	free(text);
	ready(self->s, &root, 7001, tmp, 0);
	text = annotation(&root);
	ASSERT_EQ(0, store_commit(self->s, &root, tmp, text, strlen(text), -1,
				  &p));
	free(text);
	/* the directories on the way must let the user pass */
	ASSERT_EQ(0, chmod(self->dir, 0755));
	{
		char up[64];

		snprintf(up, sizeof(up), "%.*s", (int)strlen(self->dir) - 2,
			 self->dir);
		ASSERT_EQ(0, chmod(up, 0711));
	}
	pid = fork();
	if (pid == 0) {
		struct store *u;
		struct store_dump got;
		char err[512];
		int n, cfd;

		if (setresgid(65534, 65534, 65534) || setresuid(65534, 65534, 65534))
			_exit(10);
		if (store_open(&u, self->dir, STORE_O_READONLY, err, sizeof(err)))
			_exit(11);
		if (!store_by_annotations(u))
			_exit(12);
		n = store_list(u, NULL, count_rows, NULL);
		if (n != 1)
			_exit(13);
		if (store_get(u, mine.id, &got) || strcmp(got.core_file, mine.core_file))
			_exit(14);
		if (store_get(u, root.id, &got) != -ENOENT)
			_exit(15);
		cfd = store_openat(u, mine.core_file, O_RDONLY);
		if (cfd < 0)
			_exit(16);
		close(cfd);
		if (store_openat(u, root.core_file, O_RDONLY) != -EACCES)
			_exit(17);
		store_close(u);
		_exit(0);
	}
	ASSERT_EQ(pid, waitpid(pid, &st, 0));
	ASSERT_TRUE(WIFEXITED(st));
	ASSERT_EQ(0, WEXITSTATUS(st));
}

TEST_HARNESS_MAIN
