// SPDX-License-Identifier: GPL-2.0
/*
 * test_gocapd.c - unit tests of gocapd's parts that need no daemon: the
 * config parser (a wrong line skipped, the others applied), the context
 * record codec and the optional %d %F arguments, name sanitising, the
 * socket message parsers (ours and the kernel's coredump request), the
 * parser child's answer (facts) and its decoder, the PID reuse check, the
 * sandbox (a parser that crashes), and the io_uring persistence engine on
 * synthetic streams (holes, zstd round trip, ProcessSizeMax, a full disk,
 * early progress points, reservations and cuts, the stream released
 * before the fsync).
 */
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <sys/socket.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <zstd.h>

#include "kselftest_harness.h"
#include "gocapd/annotate.h"
#include "gocapd/config.h"
#include "gocapd/context.h"
#include "gocapd/kcore.h"
#include "gocapd/persist.h"
#include "gocapd/proto.h"
#include "gocapd/sandbox.h"

/* The first report of a parse, kept (the others counted). */
static void first_report(void *arg, const char *msg)
{
	char *err = arg;

	if (!err[0])
		snprintf(err, 512, "%s", msg);
}

/* 0 when every line was good, -EINVAL otherwise (err: the first). */
static int parse(struct gocapd_config *c, const char *text, char *err)
{
	config_defaults(c);
	err[0] = 0;
	return config_parse(c, text, strlen(text), "t.conf", first_report,
			    err) ? -EINVAL : 0;
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
	ASSERT_EQ(1000ull << 30, config_size_bytes(&(struct config_size){ 0, 10, 0 },
						   10000ull << 30));
	/* KeepFree's default is systemd's: 15%, at most 4 GiB */
	config_defaults(&c);
	ASSERT_EQ(4ull << 30, config_size_bytes(&c.keep_free, 1000ull << 30));
	ASSERT_EQ(15ull << 20, config_size_bytes(&c.keep_free, 100ull << 20));
	ASSERT_EQ(0, parse(&c, "KeepFree=15%\n", err));	/* set: as set */
	ASSERT_EQ(150ull << 30, config_size_bytes(&c.keep_free, 1000ull << 30));
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
		ASSERT_EQ(-EINVAL, parse(&c, cases[i].text, err))
			TH_LOG("accepted: %s", cases[i].text);
		ASSERT_NE(NULL, strstr(err, cases[i].want))
			TH_LOG("for %s got \"%s\"", cases[i].text, err);
	}
	/* A NUL byte and an over-long line. */
	{
		char buf[2048];

		config_defaults(&c);
		err[0] = 0;
		ASSERT_EQ(1, config_parse(&c, "Storage=raw\0x\n", 14,
					  "t.conf", first_report, err));
		ASSERT_NE(NULL, strstr(err, "NUL"));
		memset(buf, 'a', sizeof(buf));
		err[0] = 0;
		ASSERT_EQ(1, config_parse(&c, buf, sizeof(buf), "t.conf",
					  first_report, err));
		ASSERT_NE(NULL, strstr(err, "longer than"));
	}
}

/*
 * A wrong line never drops the rest of the policy (systemd's convention):
 * it is reported, with file, line and key, and skipped; every other line
 * applies.  (Issue 15: one typo made the helper ignore Storage=none.)
 */
TEST(config_bad_line_keeps_the_rest)
{
	struct gocapd_config c;
	char err[512] = "";
	const char *text = "Storage=none\nMaxUse=lots\nKeepFree=1G\n"
			   "Colour=blue\nRateLimit=off\n";

	config_defaults(&c);
	ASSERT_EQ(2, config_parse(&c, text, strlen(text), "g.conf",
				  first_report, err));
	ASSERT_NE(NULL, strstr(err, "g.conf:2: MaxUse=lots")) TH_LOG("%s", err);
	ASSERT_EQ(STORE_NONE, c.storage);
	ASSERT_EQ(1ull << 30, c.keep_free.bytes);
	ASSERT_EQ(0, c.rate_burst);
	ASSERT_EQ(10, c.max_use.percent);	/* MaxUse keeps its default */
	/* a key applies whole or not at all */
	config_defaults(&c);
	ASSERT_EQ(1, config_parse(&c, "RateLimit=5/1y\n", 15, "g.conf", NULL,
				  NULL));
	ASSERT_EQ(10, c.rate_burst);
	ASSERT_EQ(60ull * 1000000, c.rate_interval_us);
	/* the new keys */
	ASSERT_EQ(0, parse(&c, "MaxAge=3d\nUserAccess=no\n", err)) TH_LOG("%s", err);
	ASSERT_EQ(3ull * 86400 * 1000000, c.max_age_us);
	ASSERT_EQ(0, c.user_access);
	ASSERT_EQ(0, parse(&c, "MaxAge=off\n", err));
	ASSERT_EQ(0, c.max_age_us);
}

TEST(context_roundtrip)
{
	struct crash_ctx a, b;
	uint8_t *rec;
	size_t len;
	char err[256] = "";
	char *const argv[] = { "1234", "7", "1240", "11", "1700000000", "1000",
			       "100", "18446744073709551615", "host", "my prog",
			       "1", "" };
	int pidfd;

	ctx_init(&a);
	ctx_init(&b);
	ASSERT_EQ(0, ctx_from_args(&a, 10, argv, &pidfd, err, sizeof(err))) TH_LOG("%s", err);
	ASSERT_EQ(-1, a.dumpable);
	ASSERT_EQ(-1, pidfd);
	/* %d, and %F empty (a kernel without it drops it) */
	ASSERT_EQ(0, ctx_from_args(&a, 12, argv, &pidfd, err, sizeof(err))) TH_LOG("%s", err);
	ASSERT_EQ(1, a.dumpable);
	ASSERT_EQ(-1, pidfd);
	ASSERT_EQ(1234, a.pid);
	ASSERT_EQ(1240, a.tid);
	ASSERT_EQ(11, a.signal);
	ASSERT_EQ(-1, a.rlimit_core);
	ctx_set(&a, CTX_CMDLINE, "a\0b\0", 4);
	ASSERT_EQ(0, ctx_encode(&a, &rec, &len));
	ASSERT_EQ(0, ctx_decode(&b, rec, len, err, sizeof(err))) TH_LOG("%s", err);
	ASSERT_EQ(a.pid, b.pid);
	ASSERT_EQ(a.time_us, b.time_us);
	ASSERT_LT(0, a.monotonic_ns);
	ASSERT_EQ(a.monotonic_ns, b.monotonic_ns);
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
	ASSERT_EQ(-EINVAL, ctx_from_args(&a, 9, argv, &pidfd, err, sizeof(err)));
	{
		char *bad[] = { "12x", "7", "1240", "11", "1", "1", "1", "0",
				"h", "c", "7", "x" };

		ASSERT_EQ(-EINVAL, ctx_from_args(&a, 10, bad, &pidfd, err, sizeof(err)));
		ASSERT_NE(NULL, strstr(err, "%P"));
		bad[0] = "12";
		ASSERT_EQ(-EINVAL, ctx_from_args(&a, 11, bad, &pidfd, err, sizeof(err)));
		ASSERT_NE(NULL, strstr(err, "%d"));
		bad[10] = "2";
		ASSERT_EQ(-EINVAL, ctx_from_args(&a, 12, bad, &pidfd, err, sizeof(err)));
		ASSERT_NE(NULL, strstr(err, "%F"));
		bad[11] = "3";
		ASSERT_EQ(0, ctx_from_args(&a, 12, bad, &pidfd, err, sizeof(err)));
		ASSERT_EQ(3, pidfd);
		ASSERT_EQ(2, a.dumpable);
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
	/* ACCEPT carries the partial file (PROTO_F_FILE), or nothing */
	proto_init(&m, PROTO_ACCEPT);
	m.flags = PROTO_F_FILE;
	m.nfds = 1;
	ASSERT_EQ(0, proto_parse(&m, sizeof(m), 1, &out, err, sizeof(err)));
	ASSERT_EQ(-EBADMSG, proto_parse(&m, sizeof(m), 0, &out, err, sizeof(err)));
	m.nfds = 2;
	ASSERT_EQ(-EBADMSG, proto_parse(&m, sizeof(m), 2, &out, err, sizeof(err)));
	m.flags = PROTO_F_EXE;
	m.nfds = 1;
	ASSERT_EQ(-EBADMSG, proto_parse(&m, sizeof(m), 1, &out, err, sizeof(err)));
	proto_init(&m, PROTO_WITHDRAW);
	ASSERT_EQ(0, proto_parse(&m, sizeof(m), 0, &out, err, sizeof(err)));
	ASSERT_EQ(-EBADMSG, proto_parse(&m, sizeof(m), 1, &out, err, sizeof(err)));
	/* WRITTEN: a core bytes read, b of them in the file (b <= a) */
	proto_init(&m, PROTO_WRITTEN);
	m.a = 1000;
	m.b = 1000;
	ASSERT_EQ(0, proto_parse(&m, sizeof(m), 0, &out, err, sizeof(err)));
	ASSERT_EQ(PROTO_WRITTEN, out.type);
	ASSERT_EQ(-EBADMSG, proto_parse(&m, sizeof(m), 1, &out, err, sizeof(err)));
	m.b = 1001;
	ASSERT_EQ(-EBADMSG, proto_parse(&m, sizeof(m), 0, &out, err, sizeof(err)));
	m.b = 0;
	m.flags = 1;
	ASSERT_EQ(-EBADMSG, proto_parse(&m, sizeof(m), 0, &out, err, sizeof(err)));
	/* HELLO b, what the helper knows: bits of a later helper ignored */
	proto_init(&m, PROTO_HELLO);
	m.nfds = 2;
	m.a = 100;
	m.b = PROTO_KNOWS_WRITTEN | (1ull << 40);
	ASSERT_EQ(0, proto_parse(&m, sizeof(m), 2, &out, err, sizeof(err)));
	ASSERT_EQ(PROTO_KNOWS_WRITTEN | (1ull << 40), out.b);
}

TEST(proto_try_send_never_blocks)
{
	struct proto_msg m;
	int sv[2], n = 0, ret;
	int small = 4096;

	ASSERT_EQ(0, socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv));
	setsockopt(sv[0], SOL_SOCKET, SO_SNDBUF, &small, sizeof(small));
	proto_init(&m, PROTO_QUEUED);
	/* nobody reads sv[1]: the queue fills, and then -EAGAIN, at once */
	while ((ret = proto_try_send(sv[0], &m, NULL, 0)) == 0 && n < 100000)
		n++;
	ASSERT_EQ(-EAGAIN, ret);
	ASSERT_LT(0, n);
	close(sv[0]);
	close(sv[1]);
}

/* --- the parser's answer, and the PID reuse check ---------------------- */

TEST(facts_roundtrip_and_malformed)
{
	struct parse_facts a, b;
	char *text;
	size_t len;
	static const char *const bad[] = {
		"", "[]", "{}", "nonsense",
		"{\"core\":{},\"exe\":{},\"copy\":{}}",
		"{\"core\":{\"is_core\":1},\"exe\":{},\"copy\":{}}",
	};

	memset(&a, 0, sizeof(a));
	a.cf.is_core = 1;
	a.cf.have_siginfo = 1;
	a.cf.si_signo = 6;
	a.cf.si_code = -6;
	a.cf.expected_size = 123456789;
	a.cf.have_prstatus = 1;
	a.cf.prstatus_pid = 42;
	a.cf.have_prpsinfo = 1;
	a.cf.psinfo_pid = 41;
	a.cf.psinfo_uid = 1000;
	strcpy(a.cf.psinfo_fname, "crasher");
	strcpy(a.cf.problem, "a problem \x01 with bytes");
	a.x.is_elf = a.x.is_go = 1;
	strcpy(a.x.go_build_id, "abc/def");
	strcpy(a.x.go_version, "go1.22.1");
	a.x.modinfo = strdup("path\tx\nbuild\tk=v\n");
	a.x.modinfo_len = strlen(a.x.modinfo);
	a.copy.done = 1;
	a.copy.size = 99;
	for (int i = 0; i < 32; i++)
		a.copy.sha256[i] = (uint8_t)(i * 7);
	text = facts_encode(&a, &len);
	ASSERT_NE(NULL, text);
	ASSERT_EQ(0, facts_decode(text, len, &b)) TH_LOG("%s", b.parser);
	ASSERT_EQ(1, b.cf.is_core);
	ASSERT_EQ(-6, b.cf.si_code);
	ASSERT_EQ(123456789, b.cf.expected_size);
	ASSERT_EQ(42, b.cf.prstatus_pid);
	ASSERT_EQ(41, b.cf.psinfo_pid);
	ASSERT_STREQ("crasher", b.cf.psinfo_fname);
	ASSERT_STREQ(a.cf.problem, b.cf.problem);
	ASSERT_STREQ("abc/def", b.x.go_build_id);
	ASSERT_STREQ(a.x.modinfo, b.x.modinfo);
	ASSERT_EQ(0, memcmp(a.copy.sha256, b.copy.sha256, 32));
	ASSERT_EQ(99, b.copy.size);
	parse_facts_free(&b);
	/* cut anywhere, or malformed: refused, and said so */
	for (size_t cut = 0; cut < len; cut += 7) {
		ASSERT_EQ(-EBADMSG, facts_decode(text, cut, &b));
		ASSERT_NE(0, b.parser[0]);
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ASSERT_EQ(-EBADMSG, facts_decode(bad[i], strlen(bad[i]), &b));
	free(text);
	parse_facts_free(&a);
}

TEST(pid_reuse_check)
{
	static const char status[] = "Name:\tcrasher\nUmask:\t0022\n"
		"Tgid:\t500\nNgid:\t0\nPid:\t500\nNStgid:\t500\t7\n";
	struct crash_ctx ctx;
	struct core_facts cf;
	char why[256];

	ctx_init(&ctx);
	memset(&cf, 0, sizeof(cf));
	ctx.pid = 500;
	ctx.ns_tid = 9;
	ASSERT_EQ(PID_UNKNOWN, pid_check(&ctx, &cf, why, sizeof(why)));
	ctx_set(&ctx, CTX_STATUS, status, sizeof(status) - 1);
	cf.have_prstatus = 1;
	cf.prstatus_pid = 9;
	cf.have_prpsinfo = 1;
	cf.psinfo_pid = 7;
	strcpy(cf.psinfo_fname, "crasher");
	ASSERT_EQ(PID_MATCH, pid_check(&ctx, &cf, why, sizeof(why))) TH_LOG("%s", why);
	cf.psinfo_pid = 8;		/* another process has the pid now */
	ASSERT_EQ(PID_MISMATCH, pid_check(&ctx, &cf, why, sizeof(why)));
	ASSERT_NE(NULL, strstr(why, "reused"));
	cf.psinfo_pid = 7;
	strcpy(cf.psinfo_fname, "other");
	ASSERT_EQ(PID_MISMATCH, pid_check(&ctx, &cf, why, sizeof(why)));
	strcpy(cf.psinfo_fname, "crasher");
	cf.prstatus_pid = 10;		/* not the crashing thread (%i) */
	ASSERT_EQ(PID_MISMATCH, pid_check(&ctx, &cf, why, sizeof(why)));
	cf.prstatus_pid = 9;
	ctx.pidfd_check = -1;		/* the kernel's pidfd says no */
	ASSERT_EQ(PID_MISMATCH, pid_check(&ctx, &cf, why, sizeof(why)));
	ctx.pidfd_check = 1;
	cf.have_prpsinfo = 0;
	ASSERT_EQ(PID_MATCH, pid_check(&ctx, &cf, why, sizeof(why)));
	ctx_drop_proc(&ctx);
	ASSERT_EQ(NULL, ctx.blob[CTX_STATUS].data);
	ASSERT_NE(0, ctx.proc_missing & (1u << CTX_STATUS));
	ctx_free(&ctx);
}

/*
 * The parser child: garbage in, facts (and their problem) out; a parser
 * that crashes costs the facts, never the caller (here: the test).
 */
TEST(sandbox_parser_crash_is_contained)
{
	static const uint8_t junk[] = "\x7f" "ELF but not really a core";
	struct sandbox_input in = { junk, sizeof(junk), -1, -1 };
	struct parse_facts pf;

	unsetenv("GOCAPD_FAILPOINT");
	sandbox_run(&in, &pf);
	ASSERT_STREQ("", pf.parser);
	ASSERT_EQ(0, pf.cf.is_core);
	ASSERT_NE(0, pf.cf.problem[0]);
	parse_facts_free(&pf);
	setenv("GOCAPD_FAILPOINT", "parser-crash", 1);
	sandbox_run(&in, &pf);
	unsetenv("GOCAPD_FAILPOINT");
	ASSERT_NE(NULL, strstr(pf.parser, "crashed (signal 11)")) TH_LOG("%s", pf.parser);
	parse_facts_free(&pf);
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
	uint64_t first_core, first_file;	/* the first progress point */
	unsigned int nprogress;
	/* reservations: grant this much in all, then refuse (0: no limit) */
	uint64_t budget, granted;
	struct persist_job *job;
	uint64_t cut_after;		/* persist_cut(job, 1) past this */
	uint64_t cut_core, cut_file;
	int cuts;
	/* written(): how often, what it said, was done() before it; the
	 * stream's read end (closed there when close_in: -1 then) */
	unsigned int nwritten;
	int done_before_written, close_in, in_fd, out_fd;
	uint64_t w_received, w_core, w_file;
	const uint8_t *expect;		/* raw: compare the file then */
	int file_whole;			/* ... it held every byte */
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

	if (!o->nprogress++) {
		o->first_core = core;
		o->first_file = file;
	}
	o->progress_core = core;
	if (o->cut_after && core > o->cut_after && o->job && !o->cuts)
		persist_cut(o->job, 1);
}

static void on_written(void *arg, uint64_t received, uint64_t core,
		       uint64_t file)
{
	struct outcome *o = arg;

	o->nwritten++;
	o->done_before_written = o->done;
	o->w_received = received;
	o->w_core = core;
	o->w_file = file;
	if (o->expect) {
		uint8_t *back = malloc(received + 1);

		o->file_whole = back &&
			pread(o->out_fd, back, received + 1, 0) == (ssize_t)received &&
			!memcmp(back, o->expect, received);
		free(back);
	}
	if (o->close_in) {
		close(o->in_fd);	/* persist must not touch it again */
		o->in_fd = -1;
	}
}

static uint64_t on_reserve(void *arg, uint64_t need)
{
	struct outcome *o = arg;

	if (o->budget && o->granted + need > o->budget)
		return 0;
	o->granted += need;
	return need;
}

static void on_cut(void *arg, uint64_t core, uint64_t file)
{
	struct outcome *o = arg;

	o->cuts++;
	o->cut_core = core;
	o->cut_file = file;
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
	uint64_t budget = o->budget, cut_after = o->cut_after;
	const uint8_t *expect = o->expect;
	int pfd[2], ret, close_in = o->close_in;

	memset(o, 0, sizeof(*o));
	o->budget = budget;
	o->cut_after = cut_after;
	o->expect = expect;
	o->close_in = close_in;
	o->out_fd = out_fd;
	if (pipe(pfd) < 0 || persist_ring_new(&ring, 4) < 0)
		return -1;
	o->in_fd = pfd[0];
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
	pp.written = on_written;
	pp.reserve = on_reserve;
	pp.cut = on_cut;
	pp.arg = o;
	ret = persist_start(ring, &pp, &o->job);
	while (ret == 0 && !o->done) {
		ret = persist_run(ring, 10000);
		if (ret == -ETIME)
			break;
	}
	pthread_join(th, NULL);
	if (o->in_fd >= 0)
		close(o->in_fd);
	persist_ring_free(ring);
	/* written() exactly once, before done() */
	return o->done && o->nwritten == 1 && !o->done_before_written ? 0 : -1;
}

static int tmpfile_fd(char *path)
{
	strcpy(path, "/tmp/test_gocapd.XXXXXX");
	return mkstemp(path);
}

TEST(persist_raw_sparse)
{
	uint8_t *core = make_stream(CORE_LEN), *back = malloc(CORE_LEN + 1);
	struct outcome o = { 0 };
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
	struct outcome o = { 0 };
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
	struct outcome o = { 0 };
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
	struct outcome o = { 0 };
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

/* Data that neither holes nor zstd can shrink. */
static uint8_t *dense_stream(size_t len)
{
	uint8_t *p = malloc(len);
	uint64_t x = 88172645463325252ull;

	for (size_t i = 0; i < len; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		p[i] = (uint8_t)x;
	}
	return p;
}

/*
 * The first progress point comes within 1 MiB of the core (a daemon that
 * dies early still leaves a prefix: issue 15), and a zstd file cut there
 * is a whole zstd stream of exactly that prefix.
 */
TEST(persist_first_progress_is_early)
{
	const size_t len = 40u << 20;
	uint8_t *core = dense_stream(len), *back = malloc(len), *z;
	struct outcome o = { 0 };
	char path[64];
	int fd = tmpfile_fd(path);
	size_t r;

	ASSERT_EQ(0, run_persist(core, len, fd, STORE_RAW, 0, &o));
	TH_LOG("raw: first point %llu, %u points",
	       (unsigned long long)o.first_core, o.nprogress);
	ASSERT_LT(0, o.first_core);
	ASSERT_GE(2u << 20, o.first_core);
	ASSERT_LE(5, o.nprogress);	/* growing steps: 1, 2, 4, 8... MiB */
	ASSERT_EQ(0, ftruncate(fd, 0));
	ASSERT_EQ(0, run_persist(core, len, fd, STORE_ZSTD, 0, &o));
	TH_LOG("zstd: first point %llu in %llu file bytes",
	       (unsigned long long)o.first_core,
	       (unsigned long long)o.first_file);
	ASSERT_LT(0, o.first_core);
	ASSERT_GE(2u << 20, o.first_core);
	z = malloc(o.first_file);
	ASSERT_EQ((ssize_t)o.first_file, pread(fd, z, o.first_file, 0));
	r = ZSTD_decompress(back, len, z, o.first_file);
	ASSERT_EQ(0, ZSTD_isError(r)) TH_LOG("%s", ZSTD_getErrorName(r));
	ASSERT_EQ(o.first_core, r);
	ASSERT_EQ(0, memcmp(core, back, r));
	close(fd);
	unlink(path);
	free(core);
	free(back);
	free(z);
}

/*
 * Space is asked for before it is written; refused, the job stops where
 * it stands and keeps all it confirmed: the file is exactly that prefix,
 * never more than was granted.  Cut to make room for others, it keeps
 * its useful prefix (the first MiB).
 */
TEST(persist_reserve_and_cut)
{
	const size_t len = 24u << 20;
	uint8_t *core = dense_stream(len), *back = malloc(len);
	struct outcome o = { 0 };
	char path[64];
	int fd = tmpfile_fd(path);
	struct stat sb;

	o.budget = 8u << 20;
	ASSERT_EQ(0, run_persist(core, len, fd, STORE_RAW, 0, &o));
	ASSERT_EQ(1, o.r.cut);
	ASSERT_EQ(len, o.r.received);		/* drained to the end */
	ASSERT_LT(0, o.r.stored);
	ASSERT_GE(8u << 20, o.r.stored);
	ASSERT_EQ(0, fstat(fd, &sb));
	ASSERT_EQ((off_t)o.r.stored, sb.st_size);
	ASSERT_GE(8u << 20, (uint64_t)sb.st_blocks * 512);
	ASSERT_EQ((ssize_t)o.r.stored, pread(fd, back, len, 0));
	ASSERT_EQ(0, memcmp(core, back, o.r.stored));
	ASSERT_EQ(1, o.cuts);
	ASSERT_EQ(o.r.stored, o.cut_core);

	ASSERT_EQ(0, ftruncate(fd, 0));
	memset(&o, 0, sizeof(o));
	o.cut_after = 6u << 20;
	ASSERT_EQ(0, run_persist(core, len, fd, STORE_RAW, 0, &o));
	ASSERT_EQ(1, o.r.cut);
	ASSERT_EQ(PERSIST_FIRST_STEP, o.r.stored);
	ASSERT_EQ(0, fstat(fd, &sb));
	ASSERT_EQ((off_t)PERSIST_FIRST_STEP, sb.st_size);
	ASSERT_EQ((ssize_t)PERSIST_FIRST_STEP, pread(fd, back, len, 0));
	ASSERT_EQ(0, memcmp(core, back, PERSIST_FIRST_STEP));

	/* zstd: the prefix is the first frame, a whole zstd stream */
	ASSERT_EQ(0, ftruncate(fd, 0));
	memset(&o, 0, sizeof(o));
	o.cut_after = 6u << 20;
	ASSERT_EQ(0, run_persist(core, len, fd, STORE_ZSTD, 0, &o));
	ASSERT_EQ(1, o.r.cut);
	ASSERT_LT(0, o.r.stored);
	ASSERT_GE(2u << 20, o.r.stored);
	{
		uint8_t *z = malloc(o.cut_file);
		size_t r;

		ASSERT_EQ(0, fstat(fd, &sb));
		ASSERT_EQ((off_t)o.cut_file, sb.st_size);
		ASSERT_EQ((ssize_t)o.cut_file, pread(fd, z, o.cut_file, 0));
		r = ZSTD_decompress(back, len, z, o.cut_file);
		ASSERT_EQ(0, ZSTD_isError(r));
		ASSERT_EQ(o.r.stored, r);
		ASSERT_EQ(0, memcmp(core, back, r));
		free(z);
	}
	close(fd);
	unlink(path);
	free(core);
	free(back);
}

/*
 * written() comes once the stream is read to its end and every byte is in
 * the file (raw: at its full length), before the fsync and done(): the
 * caller closes the stream there (the crashed process goes), and persist
 * never reads it again.  Also with no file, and after storing stopped.
 */
TEST(persist_written_before_fsync)
{
	uint8_t *core = make_stream(CORE_LEN), *back = malloc(CORE_LEN), *z;
	struct outcome o = { 0 };
	char path[64];
	int fd = tmpfile_fd(path);
	struct stat sb;
	size_t r;

	o.close_in = 1;
	o.expect = core;
	ASSERT_EQ(0, run_persist(core, CORE_LEN, fd, STORE_RAW, 0, &o));
	ASSERT_EQ(1, o.file_whole);
	ASSERT_EQ(CORE_LEN, o.w_received);
	ASSERT_EQ(CORE_LEN, o.w_core);
	ASSERT_EQ(CORE_LEN, o.w_file);
	ASSERT_EQ(0, o.r.read_error);
	ASSERT_EQ(0, o.r.write_error);
	ASSERT_EQ(CORE_LEN, o.r.stored);

	/* zstd: every frame ended and written; file_bytes is the file */
	ASSERT_EQ(0, ftruncate(fd, 0));
	memset(&o, 0, sizeof(o));
	o.close_in = 1;
	ASSERT_EQ(0, run_persist(core, CORE_LEN, fd, STORE_ZSTD, 0, &o));
	ASSERT_EQ(CORE_LEN, o.w_received);
	ASSERT_EQ(CORE_LEN, o.w_core);
	ASSERT_EQ(0, fstat(fd, &sb));
	ASSERT_EQ((uint64_t)sb.st_size, o.w_file);
	z = malloc(o.w_file);
	ASSERT_EQ((ssize_t)o.w_file, pread(fd, z, o.w_file, 0));
	r = ZSTD_decompress(back, CORE_LEN, z, o.w_file);
	ASSERT_EQ(0, ZSTD_isError(r));
	ASSERT_EQ(CORE_LEN, r);
	ASSERT_EQ(0, memcmp(core, back, CORE_LEN));
	free(z);

	/* no file (Storage=none): at EOF, nothing in a file */
	memset(&o, 0, sizeof(o));
	o.close_in = 1;
	ASSERT_EQ(0, run_persist(core, CORE_LEN, -1, STORE_NONE, 0, &o));
	ASSERT_EQ(CORE_LEN, o.w_received);
	ASSERT_EQ(0, o.w_core);
	ASSERT_EQ(0, o.w_file);

	/* storing stopped (ProcessSizeMax): drained to the end, then told
	 * what the file holds */
	ASSERT_EQ(0, ftruncate(fd, 0));
	memset(&o, 0, sizeof(o));
	o.close_in = 1;
	ASSERT_EQ(0, run_persist(core, CORE_LEN, fd, STORE_RAW, 1u << 20, &o));
	ASSERT_EQ(1, o.r.over_size_max);
	ASSERT_EQ(CORE_LEN, o.w_received);
	ASSERT_GE(2u << 20, o.w_core);
	ASSERT_EQ(o.w_core, o.w_file);

	/* cut for space: what the cut kept */
	free(core);
	core = dense_stream(CORE_LEN);
	ASSERT_EQ(0, ftruncate(fd, 0));
	memset(&o, 0, sizeof(o));
	o.close_in = 1;
	o.budget = 4u << 20;
	ASSERT_EQ(0, run_persist(core, CORE_LEN, fd, STORE_RAW, 0, &o));
	ASSERT_EQ(1, o.r.cut);
	ASSERT_EQ(CORE_LEN, o.w_received);
	ASSERT_EQ(o.cut_core, o.w_core);
	ASSERT_EQ(o.cut_file, o.w_file);
	ASSERT_EQ(o.r.stored, o.w_core);
	close(fd);
	unlink(path);
	free(core);
	free(back);
}

TEST_HARNESS_MAIN
