// SPDX-License-Identifier: GPL-2.0
/*
 * test_gocapd.c - unit tests of gocapd's parts that need no daemon: the
 * config parser, the context record codec, name sanitising, the socket
 * message parsers (ours and the kernel's coredump request), and the
 * io_uring persistence engine on synthetic streams (holes, zstd round
 * trip, ProcessSizeMax, a full disk, a stream cut short).
 */
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <zstd.h>

#include "kselftest_harness.h"
#include "gocapd/config.h"
#include "gocapd/context.h"
#include "gocapd/kcore.h"
#include "gocapd/persist.h"
#include "gocapd/proto.h"

static int parse(struct gocapd_config *c, const char *text, char *err)
{
	config_defaults(c);
	return config_parse(c, text, strlen(text), "t.conf", err, 512);
}

TEST(config_valid)
{
	struct gocapd_config c;
	char err[512] = "";

	ASSERT_EQ(0, parse(&c, "# comment\n\n Storage = raw \nCompressLevel=7\n"
			   "MaxUse=2G\nKeepFree=5%\nProcessSizeMax=512M\n"
			   "RateLimit=5/10min\nMaxConcurrent=4\nSaveExecutable=no\n",
			   err)) TH_LOG("%s", err);
	ASSERT_EQ(STORE_RAW, c.storage);
	ASSERT_EQ(7, c.compress_level);
	ASSERT_EQ(2ull << 30, c.max_use.bytes);
	ASSERT_EQ(0, c.max_use.percent);
	ASSERT_EQ(5, c.keep_free.percent);
	ASSERT_EQ(512ull << 20, c.process_size_max);
	ASSERT_EQ(5, c.rate_burst);
	ASSERT_EQ(600ull * 1000000, c.rate_interval_us);
	ASSERT_EQ(4, c.max_concurrent);
	ASSERT_EQ(0, c.save_executable);
	ASSERT_EQ(0, parse(&c, "RateLimit=off\n", err));
	ASSERT_EQ(0, c.rate_burst);
	ASSERT_EQ(1000ull << 30, config_size_bytes(&(struct config_size){ 0, 10 },
						   10000ull << 30));
}

TEST(config_errors)
{
	static const struct { const char *text, *want; } cases[] = {
		{ "Storage=lz4\n", "t.conf:1: Storage=lz4: must be raw, zstd or none" },
		{ "\nCompressLevel=0\n", "t.conf:2: CompressLevel=0" },
		{ "CompressLevel=20\n", "from 1 to 19" },
		{ "CompressLevel=3x\n", "CompressLevel=3x" },
		{ "MaxUse=10Q\n", "MaxUse=10Q: must be a size" },
		{ "MaxUse=101%\n", "MaxUse=101%" },
		{ "KeepFree=-1\n", "KeepFree=-1" },
		{ "ProcessSizeMax=5%\n", "ProcessSizeMax=5%" },
		{ "MaxUse=99999999999999999999\n", "MaxUse=" },
		{ "MaxUse=20000000T\n", "MaxUse=" },
		{ "RateLimit=5\n", "RateLimit=5: must be N/INTERVAL" },
		{ "RateLimit=0/1h\n", "RateLimit=0/1h" },
		{ "RateLimit=5/1y\n", "RateLimit=5/1y" },
		{ "MaxConcurrent=0\n", "MaxConcurrent=0: must be from 1 to 1024" },
		{ "MaxConcurrent=1025\n", "MaxConcurrent=1025" },
		{ "SaveExecutable=maybe\n", "SaveExecutable=maybe: must be yes or no" },
		{ "Compress=yes\n", "unknown key \"Compress\"" },
		{ "storage=raw\n", "unknown key \"storage\"" },
		{ "Storage\n", "is not key=value" },
		{ "=raw\n", "missing key" },
		{ "Storage=\n", "Storage has no value" },
	};
	struct gocapd_config c;
	char err[512];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		err[0] = 0;
		ASSERT_EQ(-EINVAL, parse(&c, cases[i].text, err))
			TH_LOG("accepted: %s", cases[i].text);
		ASSERT_NE(NULL, strstr(err, cases[i].want))
			TH_LOG("for %s got \"%s\"", cases[i].text, err);
	}
	/* A NUL byte and an over-long line. */
	{
		char buf[2048];

		config_defaults(&c);
		ASSERT_EQ(-EINVAL, config_parse(&c, "Storage=raw\0x\n", 14,
						"t.conf", err, sizeof(err)));
		ASSERT_NE(NULL, strstr(err, "NUL"));
		memset(buf, 'a', sizeof(buf));
		ASSERT_EQ(-EINVAL, config_parse(&c, buf, sizeof(buf), "t.conf",
						err, sizeof(err)));
		ASSERT_NE(NULL, strstr(err, "longer than"));
	}
	/* On error nothing is applied. */
	ASSERT_EQ(-EINVAL, parse(&c, "Storage=raw\nMaxConcurrent=0\n", err));
	ASSERT_EQ(-EINVAL, config_parse(&c, "Storage=raw\nbad\n", 16, "t", err, 512));
	ASSERT_EQ(STORE_ZSTD, c.storage);
}

TEST(context_roundtrip)
{
	struct crash_ctx a, b;
	uint8_t *rec;
	size_t len;
	char err[256] = "";
	char *const argv[] = { "1234", "7", "1240", "11", "1700000000", "1000",
			       "100", "18446744073709551615", "host", "my prog" };

	ctx_init(&a);
	ctx_init(&b);
	ASSERT_EQ(0, ctx_from_args(&a, 10, argv, err, sizeof(err))) TH_LOG("%s", err);
	ASSERT_EQ(1234, a.pid);
	ASSERT_EQ(1240, a.tid);
	ASSERT_EQ(11, a.signal);
	ASSERT_EQ(-1, a.rlimit_core);
	ctx_set(&a, CTX_CMDLINE, "a\0b\0", 4);
	ASSERT_EQ(0, ctx_encode(&a, &rec, &len));
	ASSERT_EQ(0, ctx_decode(&b, rec, len, err, sizeof(err))) TH_LOG("%s", err);
	ASSERT_EQ(a.pid, b.pid);
	ASSERT_EQ(a.time_us, b.time_us);
	ASSERT_EQ(a.rlimit_core, b.rlimit_core);
	ASSERT_EQ(4, b.blob[CTX_CMDLINE].len);
	ASSERT_EQ(0, memcmp(b.blob[CTX_CMDLINE].data, "a\0b\0", 4));
	ASSERT_STREQ("my prog", b.blob[CTX_COMM].data);
	ctx_free(&b);
	/* every truncation of the record is refused or parses cleanly */
	for (size_t cut = 0; cut < len; cut++) {
		int r = ctx_decode(&b, rec, cut, err, sizeof(err));

		ctx_free(&b);
		ASSERT_TRUE(r == 0 || r == -EBADMSG);
	}
	/* a length running past the end */
	rec[4] = 0xff;
	ASSERT_EQ(-EBADMSG, ctx_decode(&b, rec, len, err, sizeof(err)));
	free(rec);
	ctx_free(&a);

	ctx_init(&a);
	ASSERT_EQ(-EINVAL, ctx_from_args(&a, 9, argv, err, sizeof(err)));
	{
		char *const bad[] = { "12x", "7", "1240", "11", "1", "1", "1", "0",
				      "h", "c" };

		ASSERT_EQ(-EINVAL, ctx_from_args(&a, 10, bad, err, sizeof(err)));
		ASSERT_NE(NULL, strstr(err, "%P"));
	}
	ctx_free(&a);
}

TEST(sanitise_names)
{
	char out[33];

	ctx_sanitise("../../etc/passwd", 16, out, sizeof(out));
	ASSERT_STREQ("______etc_passwd", out);
	ctx_sanitise(".hidden", 7, out, sizeof(out));
	ASSERT_EQ('_', out[0]);
	ctx_sanitise("", 0, out, sizeof(out));
	ASSERT_STREQ("_", out);
	ctx_sanitise("a\nb c\xff", 6, out, sizeof(out));
	ASSERT_STREQ("a_b_c_", out);
	ctx_sanitise("0123456789012345678901234567890123456789", 40, out, sizeof(out));
	ASSERT_EQ(32, strlen(out));
}

TEST(container_id)
{
	char id[72];
	const char *cg = "/system.slice/docker-"
		"0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
		".scope";

	ctx_container_id(cg, strlen(cg), id, sizeof(id));
	ASSERT_STREQ("0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef", id);
	ctx_container_id("/user.slice/x", 13, id, sizeof(id));
	ASSERT_STREQ("", id);
	/* 65 hex digits is not an id */
	cg = "/k/00123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
	ctx_container_id(cg, strlen(cg), id, sizeof(id));
	ASSERT_STREQ("", id);
}

TEST(proto_messages)
{
	struct proto_msg m, out;
	char err[256];

	proto_init(&m, PROTO_HELLO);
	m.flags = PROTO_F_EXE;
	m.nfds = 3;
	m.a = 100;
	ASSERT_EQ(0, proto_parse(&m, sizeof(m), 3, &out, err, sizeof(err)));
	ASSERT_EQ(-EBADMSG, proto_parse(&m, sizeof(m), 2, &out, err, sizeof(err)));
	ASSERT_EQ(-EBADMSG, proto_parse(&m, sizeof(m) - 1, 3, &out, err, sizeof(err)));
	m.a = 0;
	ASSERT_EQ(-EBADMSG, proto_parse(&m, sizeof(m), 3, &out, err, sizeof(err)));
	m.a = 100;
	m.magic ^= 1;
	ASSERT_EQ(-EBADMSG, proto_parse(&m, sizeof(m), 3, &out, err, sizeof(err)));
	proto_init(&m, PROTO_ACCEPT);
	memset(m.text, 'x', sizeof(m.text));	/* no NUL: made one */
	ASSERT_EQ(0, proto_parse(&m, sizeof(m), 0, &out, err, sizeof(err)));
	ASSERT_EQ(PROTO_TEXT_LEN - 1, strlen(out.text));
	ASSERT_EQ(-EBADMSG, proto_parse(&m, sizeof(m), 1, &out, err, sizeof(err)));
	proto_init(&m, PROTO_GO);
	ASSERT_EQ(0, proto_parse(&m, sizeof(m), 0, &out, err, sizeof(err)));
	ASSERT_EQ(-EBADMSG, proto_parse(&m, sizeof(m), 1, &out, err, sizeof(err)));
	proto_init(&m, PROTO_QUEUED);
	m.flags = 1;
	ASSERT_EQ(-EBADMSG, proto_parse(&m, sizeof(m), 0, &out, err, sizeof(err)));
	proto_init(&m, 99);
	ASSERT_EQ(-EBADMSG, proto_parse(&m, sizeof(m), 0, &out, err, sizeof(err)));
}

TEST(kcore_request)
{
	struct kcore_req req = { 16, 16, KCORE_KERNEL | KCORE_USERSPACE |
				 KCORE_REJECT | KCORE_WAIT }, out;
	struct kcore_ack ack;
	char err[256];

	ASSERT_EQ(0, kcore_parse_req(&req, sizeof(req), &out, err, sizeof(err)));
	kcore_make_ack(&out, 0, &ack);
	ASSERT_EQ(16, ack.size);
	ASSERT_EQ(KCORE_KERNEL | KCORE_WAIT, ack.mask);
	kcore_make_ack(&out, 1, &ack);
	ASSERT_EQ(KCORE_REJECT | KCORE_WAIT, ack.mask);
	req.mask = KCORE_KERNEL | KCORE_REJECT;
	ASSERT_EQ(0, kcore_parse_req(&req, sizeof(req), &out, err, sizeof(err)));
	kcore_make_ack(&out, 0, &ack);
	ASSERT_EQ(KCORE_KERNEL, ack.mask);	/* no WAIT when not offered */
	ASSERT_EQ(-EBADMSG, kcore_parse_req(&req, 15, &out, err, sizeof(err)));
	req.size = 8;
	ASSERT_EQ(-EBADMSG, kcore_parse_req(&req, sizeof(req), &out, err, sizeof(err)));
	req.size = 16;
	req.size_ack = 8;
	ASSERT_EQ(-EBADMSG, kcore_parse_req(&req, sizeof(req), &out, err, sizeof(err)));
}

/* --- the persistence engine ------------------------------------------ */

#define CORE_LEN	(9u << 20)	/* a bit over 8 MiB, not block aligned */

static uint8_t *make_stream(size_t len)
{
	uint8_t *p = malloc(len);

	/* 1 MiB of data, 2 MiB of zeros, alternating; a single non-zero byte
	 * inside one zero run; a zero tail. */
	for (size_t i = 0; i < len; i++)
		p[i] = ((i >> 20) % 3 == 0) ? (uint8_t)(i * 31 + 7) : 0;
	p[(5u << 20) + 12345] = 0x5a;
	memset(p + len - 10000, 0, 10000);
	return p;
}

struct feeder {
	int fd;
	const uint8_t *p;
	size_t len;
};

static void *feed(void *arg)
{
	struct feeder *f = arg;
	size_t off = 0;

	while (off < f->len) {
		ssize_t n = write(f->fd, f->p + off,
				  f->len - off < 100000 ? f->len - off : 100000);

		if (n <= 0)
			break;
		off += (size_t)n;
	}
	close(f->fd);
	return NULL;
}

struct outcome {
	int done;
	struct persist_result r;
	uint64_t progress_core;
};

static void on_done(void *arg, const struct persist_result *r)
{
	struct outcome *o = arg;

	o->r = *r;
	o->r.head = NULL;
	o->done = 1;
}

static void on_progress(void *arg, uint64_t core, uint64_t file)
{
	struct outcome *o = arg;

	(void)file;
	o->progress_core = core;
}

/* Feed len bytes of p through a pipe into persist; the result in *o. */
static int run_persist(const uint8_t *p, size_t len, int out_fd,
		       enum store_storage st, uint64_t size_max,
		       struct outcome *o)
{
	struct persist_ring *ring;
	struct persist_params pp = { 0 };
	struct feeder f;
	pthread_t th;
	int pfd[2], ret;

	memset(o, 0, sizeof(*o));
	if (pipe(pfd) < 0 || persist_ring_new(&ring, 4) < 0)
		return -1;
	f.fd = pfd[1];
	f.p = p;
	f.len = len;
	pthread_create(&th, NULL, feed, &f);
	pp.in_fd = pfd[0];
	pp.out_fd = out_fd;
	pp.storage = st;
	pp.level = 1;
	pp.size_max = size_max;
	pp.done = on_done;
	pp.progress = on_progress;
	pp.arg = o;
	ret = persist_start(ring, &pp);
	while (ret == 0 && !o->done) {
		ret = persist_run(ring, 10000);
		if (ret == -ETIME)
			break;
	}
	pthread_join(th, NULL);
	close(pfd[0]);
	persist_ring_free(ring);
	return o->done ? 0 : -1;
}

static int tmpfile_fd(char *path)
{
	strcpy(path, "/tmp/test_gocapd.XXXXXX");
	return mkstemp(path);
}

TEST(persist_raw_sparse)
{
	uint8_t *core = make_stream(CORE_LEN), *back = malloc(CORE_LEN + 1);
	struct outcome o;
	char path[64];
	int fd = tmpfile_fd(path);
	size_t nonzero = 0;
	struct stat sb;

	/* the oracle: a plain byte loop, not the code under test */
	for (size_t i = 0; i < CORE_LEN; i += 4096) {
		size_t n = CORE_LEN - i < 4096 ? CORE_LEN - i : 4096, k = 0;

		while (k < n && !core[i + k])
			k++;
		nonzero += k < n;
	}
	ASSERT_EQ(0, run_persist(core, CORE_LEN, fd, STORE_RAW, 0, &o));
	ASSERT_EQ(CORE_LEN, o.r.received);
	ASSERT_EQ(CORE_LEN, o.r.stored);
	ASSERT_EQ(0, o.r.write_error);
	ASSERT_EQ(0, fstat(fd, &sb));
	ASSERT_EQ(CORE_LEN, sb.st_size);
	/* holes: no more blocks than the non-zero 4 KiB blocks (tmp may be
	 * on a file system with larger blocks: allow a little) */
	TH_LOG("%zu non-zero blocks, file uses %lld", nonzero,
	       (long long)sb.st_blocks / 8);
	ASSERT_LE((uint64_t)sb.st_blocks * 512, nonzero * 4096 * 105 / 100 + 65536);
	ASSERT_EQ(CORE_LEN, pread(fd, back, CORE_LEN + 1, 0));
	ASSERT_EQ(0, memcmp(core, back, CORE_LEN));
	close(fd);
	unlink(path);
	free(core);
	free(back);
}

TEST(persist_zstd_roundtrip)
{
	uint8_t *core = make_stream(CORE_LEN), *back = malloc(CORE_LEN), *z;
	struct outcome o;
	char path[64];
	int fd = tmpfile_fd(path);
	struct stat sb;
	size_t r;

	ASSERT_EQ(0, run_persist(core, CORE_LEN, fd, STORE_ZSTD, 0, &o));
	ASSERT_EQ(CORE_LEN, o.r.received);
	ASSERT_EQ(0, fstat(fd, &sb));
	ASSERT_GT(CORE_LEN / 4, (size_t)sb.st_size);	/* it compressed */
	z = malloc(sb.st_size);
	ASSERT_EQ(sb.st_size, pread(fd, z, sb.st_size, 0));
	r = ZSTD_decompress(back, CORE_LEN, z, sb.st_size);
	ASSERT_EQ(0, ZSTD_isError(r)) TH_LOG("%s", ZSTD_getErrorName(r));
	ASSERT_EQ(CORE_LEN, r);
	ASSERT_EQ(0, memcmp(core, back, CORE_LEN));
	close(fd);
	unlink(path);
	free(core);
	free(back);
	free(z);
}

TEST(persist_size_max_and_full_disk)
{
	uint8_t *core = make_stream(CORE_LEN);
	struct outcome o;
	char path[64];
	int fd = tmpfile_fd(path), full;

	/* ProcessSizeMax: stops storing, still drains and counts */
	ASSERT_EQ(0, run_persist(core, CORE_LEN, fd, STORE_RAW, 1u << 20, &o));
	ASSERT_EQ(1, o.r.over_size_max);
	ASSERT_EQ(CORE_LEN, o.r.received);
	close(fd);
	unlink(path);

	/* /dev/full: every write fails with ENOSPC */
	full = open("/dev/full", O_WRONLY);
	ASSERT_LE(0, full);
	ASSERT_EQ(0, run_persist(core, CORE_LEN, full, STORE_ZSTD, 0, &o));
	ASSERT_EQ(ENOSPC, o.r.write_error);
	ASSERT_EQ(CORE_LEN, o.r.received);
	ASSERT_EQ(0, run_persist(core, CORE_LEN, full, STORE_RAW, 0, &o));
	ASSERT_EQ(ENOSPC, o.r.write_error);
	ASSERT_EQ(CORE_LEN, o.r.received);
	close(full);
	free(core);
}

TEST(persist_progress_is_a_valid_prefix)
{
	const size_t len = 40u << 20;
	uint8_t *core = malloc(len), *back = malloc(len);
	struct outcome o;
	char path[64];
	int fd = tmpfile_fd(path);

	for (size_t i = 0; i < len; i++)
		core[i] = (uint8_t)(i * 13 + (i >> 12));
	ASSERT_EQ(0, run_persist(core, len, fd, STORE_RAW, 0, &o));
	ASSERT_LE(PERSIST_PROGRESS_STEP, o.progress_core);
	ASSERT_GE(len, o.progress_core);
	ASSERT_EQ(0, ftruncate(fd, (off_t)o.progress_core));
	ASSERT_EQ((ssize_t)o.progress_core, pread(fd, back, len, 0));
	ASSERT_EQ(0, memcmp(core, back, o.progress_core));
	close(fd);
	unlink(path);
	free(core);
	free(back);
}

TEST_HARNESS_MAIN
