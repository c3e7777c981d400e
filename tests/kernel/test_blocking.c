// SPDX-License-Identifier: GPL-2.0
/*
 * test_blocking.c - a dump never waits for a file, a read error is never
 * kept as a verdict, and the work a dump spends on a file is bounded.
 *
 *  - A hanging file system: the Go crasher maps a file of a FUSE file
 *    system (tests/kernel/helpers/gcdfuse.c: a copy of a Go binary, read
 *    and exec, and read-only), the FUSE daemon is stopped (SIGSTOP), the
 *    crasher gets SIGABRT.  Its core is written, whole, in about the time
 *    the same dump takes with the module disabled: first with the file's
 *    verdict not ready (verdicts_missed), then, the worker having judged
 *    it Go meanwhile and its pages dropped from the page cache, with its
 *    mappings not forced because their pages are not resident
 *    (vmas_not_resident).  The crasher's own text is forced each time.
 *  - Errors are not verdicts: the crasher runs from the FUSE file system,
 *    which fails the first read of its symbol table (EIO, once).  Once
 *    the worker has classified the file, the next crash of the same
 *    binary is forced and its note has the scheduler roots.
 *  - Bad input: a copy of the crasher with 65,000 note sections over one
 *    1 MiB area of empty notes is classified in a few seconds (the parser
 *    looks at 16 note areas) and forced; a copy whose string table is
 *    60 MiB crashes at once: the dump gives up on it at its budget
 *    (budget_exhausted), in about the stock dump's time, and the core is
 *    whole.
 *
 * Needs the module loaded and core_pattern LAB_CORES/core.%p.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "core/gcdnote.h"
#include "lab.h"

#define GO_STATIC	"/gcd/go/1.22-static/crasher"
#define FUSE_BIN	"/gcd/bin/gcdfuse"
#define MNT		"/tmp/gcdfuse"
/* GCD_DUMP_BUDGET_MS, module/gocoredump.h */
#define DUMP_BUDGET_MS	1000
/* Scheduling noise of a TCG guest on a shared host. */
#define SLACK_MS	5000

FIXTURE(blocking) {
	struct lab_proc fuse;
	int fuse_fd;
};

FIXTURE_SETUP(blocking)
{
	ASSERT_TRUE(lab_module_loaded());
	lab_knobs_default();
	lab_clean_cores();
	ASSERT_EQ(0, lab_set_core_pattern(LAB_CORES "/core.%p"));
	self->fuse.pid = 0;
	self->fuse_fd = -1;
	mkdir(MNT, 0755);
}

FIXTURE_TEARDOWN(blocking)
{
	if (self->fuse.pid > 0) {
		kill(self->fuse.pid, SIGCONT);
		umount2(MNT, MNT_DETACH);
		kill(self->fuse.pid, SIGKILL);
		waitpid(self->fuse.pid, NULL, 0);
	}
	if (self->fuse_fd >= 0)
		close(self->fuse_fd);
	lab_knobs_default();
	lab_clean_cores();
}

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

/* Mount gcdfuse on MNT with args (after the options); 0 when ready. */
static int fuse_start(FIXTURE_DATA(blocking) *self, char *const args[])
{
	char *argv[16] = { FUSE_BIN };
	int i;

	for (i = 0; args[i] && i < 14; i++)
		argv[i + 1] = args[i];
	argv[i + 1] = NULL;
	if (lab_start(&self->fuse, argv, NULL, &self->fuse_fd))
		return -1;
	return lab_wait_ready(&self->fuse, self->fuse_fd, 30000);
}

/*
 * Send sig to p (started, ready) and wait until it is gone, at most
 * limit_ms; then cont (if > 0) gets SIGCONT, and the wait goes on.
 * Returns the milliseconds from the signal to the end, -1 past the limit.
 * Fills p->status and p->core like lab_wait().
 */
static long long kill_and_time(struct lab_proc *p, int fd, int sig,
			       long long limit_ms, pid_t cont)
{
	long long t0 = now_ms(), ms = -1;
	struct stat st;

	kill(p->pid, sig);
	for (;;) {
		pid_t r = waitpid(p->pid, &p->status, WNOHANG);

		if (r == p->pid) {
			if (ms < 0 && now_ms() - t0 <= limit_ms)
				ms = now_ms() - t0;
			break;
		}
		if (now_ms() - t0 > limit_ms && cont > 0) {
			kill(cont, SIGCONT);	/* let a hung dump finish */
			cont = 0;
		}
		usleep(5000);
	}
	close(fd);
	snprintf(p->core, sizeof(p->core), "%s/core.%d", LAB_CORES, p->pid);
	if (stat(p->core, &st) != 0)
		p->core[0] = '\0';
	return ms;
}

/* Wait (up to 30 s) for files_classified to pass was. */
static int classified_after(long long was)
{
	int i;

	for (i = 0; i < 300 && lab_counter("files_classified") <= was; i++)
		usleep(100000);
	return lab_counter("files_classified") > was ? 0 : -1;
}

TEST_F(blocking, dump_does_not_wait_for_a_stopped_fuse_daemon)
{
	static const char *const what[] = {
		"no module", "verdict not ready", "pages not resident",
	};
	char *fargs[] = { MNT, "data=" GO_STATIC, NULL };
	char *argv[] = { GO_STATIC, "mapfile", MNT "/data", NULL };
	long long ms[3] = { 0, 0, 0 }, missed, unres, classified = 0;
	int pass;

	ASSERT_EQ(0, fuse_start(self, fargs));
	for (pass = 0; pass < 3; pass++) {
		char why[512] = "";
		struct lab_proc p;
		struct elfcore c;
		int fd;

		ASSERT_EQ(0, lab_knob_write("enabled", pass ? "1" : "0"));
		if (pass == 2) {
			/* Judged Go by now; out of the page cache. */
			ASSERT_EQ(0, classified_after(classified)) {
				TH_LOG("the worker never classified %s/data",
				       MNT);
			}
			sync();
			ASSERT_EQ(0, lab_write_file("/proc/sys/vm/drop_caches",
						    "1"));
		}
		ASSERT_EQ(0, lab_start(&p, argv, NULL, &fd));
		ASSERT_EQ(0, lab_wait_ready(&p, fd, 60000)) {
			TH_LOG("the crasher did not map %s/data", MNT);
		}
		missed = lab_counter("verdicts_missed");
		unres = lab_counter("vmas_not_resident");
		classified = lab_counter("files_classified");
		ASSERT_EQ(0, kill(self->fuse.pid, SIGSTOP));
		ms[pass] = kill_and_time(&p, fd, SIGABRT, 60000,
					 self->fuse.pid);
		kill(self->fuse.pid, SIGCONT);
		ASSERT_LE(0, ms[pass]) {
			TH_LOG("%s: the dump hung on the stopped FUSE daemon",
			       what[pass]);
		}
		ASSERT_NE(0, p.core[0]);
		ASSERT_EQ(0, elfcore_open(&c, p.core)) {
			TH_LOG("%s", c.problem);
		}
		EXPECT_EQ(0, c.truncated);
		if (pass) {
			EXPECT_EQ(0, lab_check_forced(&c, GO_STATIC, why,
						      sizeof(why))) {
				TH_LOG("%s: %s", what[pass], why);
			}
		}
		if (pass == 1)
			EXPECT_LT(missed, lab_counter("verdicts_missed"));
		if (pass == 2)
			EXPECT_LT(unres, lab_counter("vmas_not_resident"));
		elfcore_close(&c);
		TH_LOG("dump with the daemon stopped, %s: %lld ms", what[pass],
		       ms[pass]);
	}
	EXPECT_LT(ms[1], ms[0] + SLACK_MS);
	/* At most GCD_RESIDENT_WAIT_MS spent waiting for the pages. */
	EXPECT_LT(ms[2], ms[0] + 1000 + SLACK_MS);
}

/* The line count of what gcdfuse logged that starts with prefix. */
static int log_lines(const char *path, const char *prefix)
{
	char *s = lab_read_file(path, NULL), *l;
	int n = 0;

	if (!s)
		return -1;
	for (l = s; l && *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL)
		n += !strncmp(l, prefix, strlen(prefix));
	free(s);
	return n;
}

TEST_F(blocking, a_read_error_is_not_a_verdict)
{
	char *fargs[] = { "-e", "crasher", "-l", "/tmp/gcdfuse.log", MNT,
			  "crasher=" GO_STATIC, NULL };
	char *argv[] = { MNT "/crasher", "panic", NULL };
	char why[512] = "";
	long long classified = lab_counter("files_classified");
	struct lab_proc p;
	struct elfcore c;
	struct gcd_note n;
	char *log;

	unlink("/tmp/gcdfuse.log");
	ASSERT_EQ(0, fuse_start(self, fargs));
	/* The first crash: the file's symbol table fails to read once. */
	if (LAB_CRASH(&p, argv, NULL, &c))
		return;
	elfcore_close(&c);
	/* The worker tries again and gets a verdict. */
	EXPECT_EQ(0, classified_after(classified)) {
		TH_LOG("the file was never classified after its read error");
	}
	EXPECT_EQ(1, log_lines("/tmp/gcdfuse.log", "eio ")) {
		TH_LOG("the injected read error did not happen once");
	}
	/* The next crash of the same binary is forced, the note complete. */
	if (LAB_CRASH(&p, argv, NULL, &c))
		return;
	EXPECT_EQ(0, lab_check_forced(&c, MNT "/crasher", why, sizeof(why))) {
		char last[256] = "";

		lab_knob_read("last_error", last, sizeof(last));
		TH_LOG("the crash after the read error: %s", why);
		TH_LOG("missed %lld, classified %lld, not resident %lld, last error: %s",
		       lab_counter("verdicts_missed"),
		       lab_counter("files_classified"),
		       lab_counter("vmas_not_resident"), last);
		log = lab_read_file("/tmp/gcdfuse.log", NULL);
		TH_LOG("gcdfuse's log:\n%s", log ? log : "(none)");
		free(log);
	}
	memset(&n, 0, sizeof(n));
	ASSERT_EQ(1, gcdnote_from_core(&c, &n));
	EXPECT_TRUE(n.proc.flags & GCD_PROC_F_BUILDINFO);
	EXPECT_EQ((1u << GCD_ROOT_COUNT) - 1, n.proc.roots_present);
	gcdnote_free(&n);
	elfcore_close(&c);
}

/* ---- crafted files ---- */

struct elf_copy {
	unsigned char *b;
	size_t len, cap;
};

static int copy_load(struct elf_copy *e, const char *path, size_t extra)
{
	size_t len;
	char *s = lab_read_file(path, &len);

	if (!s)
		return -1;
	e->cap = len + extra + 4096;
	e->b = malloc(e->cap);
	if (!e->b) {
		free(s);
		return -1;
	}
	memcpy(e->b, s, len);
	free(s);
	e->len = len;
	return 0;
}

static size_t copy_append(struct elf_copy *e, const void *p, size_t n,
			  size_t align)
{
	size_t at = (e->len + align - 1) & ~(align - 1);

	memset(e->b + e->len, 0, at - e->len);
	if (p)
		memcpy(e->b + at, p, n);
	e->len = at + n;
	return at;
}

static int copy_save(struct elf_copy *e, const char *path)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0755), ok;

	if (fd < 0)
		return -1;
	ok = write(fd, e->b, e->len) == (ssize_t)e->len;
	close(fd);
	free(e->b);
	return ok ? 0 : -1;
}

#define U16(p)	(*(uint16_t *)(p))
#define U32(p)	(*(uint32_t *)(p))
#define U64(p)	(*(uint64_t *)(p))

/*
 * A copy of the crasher whose section headers, moved to the end, are the
 * original ones plus note sections up to 65,000 in all, each over the same
 * 1 MiB of 12-byte empty notes (87,381 of them).
 */
static int make_note_bomb(const char *path)
{
	enum { TOTAL = 65000, AREA = 1 << 20 };
	struct elf_copy e;
	size_t area, shoff, i, shnum;
	unsigned char *sh;

	if (copy_load(&e, GO_STATIC, AREA + (size_t)TOTAL * 64 + 8192))
		return -1;
	shoff = U64(e.b + 40);
	shnum = U16(e.b + 60);
	area = copy_append(&e, NULL, AREA, 4096);	/* zeros: empty notes */
	memset(e.b + area, 0, AREA);
	sh = malloc((size_t)TOTAL * 64);
	if (!sh)
		return -1;
	memcpy(sh, e.b + shoff, shnum * 64);
	memset(sh + shnum * 64, 0, (TOTAL - shnum) * 64);
	for (i = shnum; i < TOTAL; i++) {
		unsigned char *s = sh + i * 64;

		U32(s + 4) = SHT_NOTE;
		U64(s + 24) = area;		/* sh_offset */
		U64(s + 32) = AREA;		/* sh_size */
		U64(s + 48) = 4;		/* sh_addralign */
	}
	U64(e.b + 40) = copy_append(&e, sh, (size_t)TOTAL * 64, 8);
	U16(e.b + 60) = TOTAL;
	free(sh);
	return copy_save(&e, path);
}

/* A copy of the crasher whose .symtab's string table is 60 MiB of 'r'. */
static int make_strtab_bomb(const char *path)
{
	enum { SIZE = 60 << 20 };
	struct elf_copy e;
	size_t shoff, shnum, i, at;

	if (copy_load(&e, GO_STATIC, SIZE + 8192))
		return -1;
	shoff = U64(e.b + 40);
	shnum = U16(e.b + 60);
	at = copy_append(&e, NULL, SIZE, 4096);
	memset(e.b + at, 'r', SIZE);
	for (i = 1; i < shnum; i++) {
		unsigned char *s = e.b + shoff + i * 64;

		if (U32(s + 4) == SHT_SYMTAB) {
			unsigned char *str = e.b + shoff + U32(s + 40) * 64;

			U64(str + 24) = at;
			U64(str + 32) = SIZE;
			return copy_save(&e, path);
		}
	}
	free(e.b);
	return -1;
}

TEST_F(blocking, many_note_sections_are_bounded)
{
	const char *x = "/tmp/note-bomb";
	char *argv[] = { (char *)x, "abort", NULL };
	long long classified = lab_counter("files_classified");
	char why[512] = "";
	struct lab_proc p;
	struct elfcore c;
	int fd;

	ASSERT_EQ(0, make_note_bomb(x));
	ASSERT_EQ(0, lab_start(&p, argv, NULL, &fd));
	ASSERT_EQ(0, lab_wait_ready(&p, fd, 60000));
	/* The worker classifies it: quickly, with the note-area cap. */
	EXPECT_EQ(0, classified_after(classified)) {
		TH_LOG("not classified within 30 s");
	}
	kill(p.pid, SIGABRT);
	lab_wait(&p, fd);
	ASSERT_NE(0, p.core[0]);
	ASSERT_EQ(0, elfcore_open(&c, p.core));
	EXPECT_EQ(0, c.truncated);
	EXPECT_EQ(0, lab_check_forced(&c, x, why, sizeof(why))) {
		TH_LOG("%s", why);
	}
	elfcore_close(&c);
	unlink(x);
}

TEST_F(blocking, huge_string_table_stops_at_the_budget)
{
	const char *x = "/tmp/strtab-bomb";
	char *argv[] = { (char *)x, "abort", NULL };
	long long ms[2] = { 0, 0 }, spent;
	int pass;

	ASSERT_EQ(0, make_strtab_bomb(x));
	for (pass = 0; pass < 2; pass++) {
		struct lab_proc p;
		struct elfcore c;
		int fd;

		ASSERT_EQ(0, lab_knob_write("enabled", pass ? "1" : "0"));
		spent = lab_counter("budget_exhausted");
		ASSERT_EQ(0, lab_start(&p, argv, NULL, &fd));
		ASSERT_EQ(0, lab_wait_ready(&p, fd, 60000));
		ms[pass] = kill_and_time(&p, fd, SIGABRT, 120000, 0);
		ASSERT_LE(0, ms[pass]);
		ASSERT_NE(0, p.core[0]);
		ASSERT_EQ(0, elfcore_open(&c, p.core)) {
			TH_LOG("%s", c.problem);
		}
		EXPECT_EQ(0, c.truncated);
		elfcore_close(&c);
		if (pass)
			EXPECT_EQ(spent + 1, lab_counter("budget_exhausted"));
	}
	TH_LOG("dump of the 60 MiB string table: %lld ms without the module, %lld ms with it",
	       ms[0], ms[1]);
	EXPECT_LT(ms[1], ms[0] + DUMP_BUDGET_MS + SLACK_MS);
	unlink(x);
}

TEST_HARNESS_MAIN
