// SPDX-License-Identifier: GPL-2.0
/*
 * test_fatal.c - the gotraceback knob: a Go program's fatal error, with no
 * GOTRACEBACK in its environment, ends as under GOTRACEBACK=crash.
 *
 * gocoredump places a uprobe on runtime.startpanic_m of a Go executable
 * shortly after its first exec (a worker does it: the counter probes_placed
 * grows), so each test first runs its own copy of a lab program once
 * (without arguments: it exits 2 with its usage) and waits for that; a copy
 * is a file the module has never seen, whatever ran before.  Then, none of
 * the programs having GOTRACEBACK in its environment unless said:
 *
 *  - knob crash, every Go program of the lab (Go 1.19, 1.22, 1.23, 1.24,
 *    1.27; static, PIE, cgo, 386): a plain panic dies of SIGABRT with a
 *    core holding the forced text and rodata and a process note with
 *    GCD_PROC_F_TB_UPGRADED; stderr holds every goroutine (the runtime's
 *    parked ones too: the default prints only the one that panicked);
 *    crashes_upgraded grows by one, upgrade_errors does not move.  Then two
 *    more fatal errors per program, in rotation so that each kind meets
 *    every Go release and build: nil pointer dereference, the deadlock
 *    throw (not on the cgo programs, where the runtime cannot see a
 *    deadlock), a panic with an error value in another goroutine than main
 *    with others parked, SIGABRT sent from outside, panic(errors.New(...))
 *    in main, and on the cgo programs a write through NULL in C (a fatal
 *    SIGSEGV in cgo): each upgraded alike;
 *  - knob off, with the probe in place: exit status 2, no core, no counter
 *    moves, and stderr is the one the program prints with the module
 *    unloaded (hex values and wait times aside);
 *  - 10,000 recovered panics under knob crash: exit 0, the same stdout,
 *    no counter moves;
 *  - knob crash-if-unset: GOTRACEBACK=none in the environment is left
 *    alone (exit 2, no core) and so is GOTRACEBACK=crash (it crashes on
 *    its own: no flag in the note, not counted); without GOTRACEBACK it is
 *    upgraded; knob crash upgrades even GOTRACEBACK=none;
 *  - a program started while the knob is off gets its probe when the knob
 *    is turned on, and its crash is upgraded;
 *  - a program rewritten in place (same inode, another Go release) gets a
 *    new probe at its next exec, the old one is gone, and its core's text
 *    holds exactly one breakpoint;
 *  - a program deleted while it runs keeps its probe (its crash is
 *    upgraded) until no process maps it, then loses it;
 *  - Debian's age of bookworm (Go 1.19) and trixie (Go 1.24), as Debian
 *    ships them (cgo, PIE linked by ld, stripped), blocked on a FIFO and
 *    sent SIGABRT from outside: upgraded;
 *  - Go as PID 1 of a pid namespace, upgraded: dies of SIGABRT with a
 *    core (the kernel would drop the runtime's abort);
 *  - a Go executable whose pclntab magic is corrupted (64- and 32-bit):
 *    no probe placed, upgrade_errors grows;
 *  - the knob takes exactly off, crash and crash-if-unset (EINVAL for
 *    anything else), reads back what was written; the new counters are
 *    read-only; the module parameter gotraceback= sets the knob at load
 *    and a bad value refuses the load.
 *
 * Needs the module loaded and core_pattern LAB_CORES/core.%p (the suite
 * does both).
 */
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <sched.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "core/gcdnote.h"
#include "lab.h"

#ifndef GCD_PROC_F_TB_UPGRADED
#define GCD_PROC_F_TB_UPGRADED	(1u << 8)
#endif

#define FATAL_DIR	"/tmp/fatal"
#define ERR_PATH	FATAL_DIR "/stderr"
#define PROBE_WAIT_S	60	/* 0.1-0.4 s in the lab; a busy host is slower */

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/*
 * Write from's bytes to to: a fresh file (a new inode, one the module has
 * never seen) when fresh, else into the existing one in place (the same
 * inode, other contents).
 */
static int write_exe(const char *from, const char *to, int fresh)
{
	size_t len;
	char *b = lab_read_file(from, &len);
	int fd, ok;

	if (!b)
		return -1;
	if (fresh) {
		mkdir(FATAL_DIR, 0755);
		unlink(to);
	}
	fd = open(to, O_WRONLY | O_TRUNC | O_CLOEXEC | (fresh ? O_CREAT : 0),
		  0755);
	ok = fd >= 0 && write(fd, b, len) == (ssize_t)len;
	if (fd >= 0)
		close(fd);
	free(b);
	return ok ? 0 : -1;
}

/* A fresh copy of a lab program: a file the module has never seen. */
static int copy_exe(const char *from, const char *to)
{
	return write_exe(from, to, 1);
}

/* Wait up to s seconds for counter name to exceed floor; its value. */
static long long wait_counter_above(const char *name, long long floor, int s)
{
	double end = now_s() + s;
	long long v;

	while ((v = lab_counter(name)) <= floor && now_s() < end)
		usleep(100000);
	return v;
}

/*
 * The value of counter name once it is want, or after s seconds.  The
 * worker counts a new probe before it removes the stale ones that its
 * sweep found (fatal.c: the removal waits for the uprobes to be
 * unregistered, outside the lock), so probes_active reaches its value a
 * little after probes_placed.
 */
static long long wait_counter_is(const char *name, long long want, int s)
{
	double end = now_s() + s;
	long long v;

	while ((v = lab_counter(name)) != want && now_s() < end)
		usleep(100000);
	return v;
}

/*
 * The value of counter name once it has not moved for a second (at most
 * s seconds): a baseline of probes_active that no removal still pending
 * from a sweep (of an earlier test's deleted program) will lower.
 */
static long long settled_counter(const char *name, int s)
{
	double end = now_s() + s;
	long long v = lab_counter(name), w;
	int still = 0;

	while (still < 10 && now_s() < end) {
		usleep(100000);
		w = lab_counter(name);
		still = w == v ? still + 1 : 0;
		v = w;
	}
	return v;
}

/*
 * Exec path once (no arguments: usage, exit 2) and wait for the module to
 * place its probe.  Returns 0, or -1 (logged) when probes_placed did not
 * grow.
 */
static int place_probe_status(struct __test_metadata *_metadata,
			      const char *path, int want)
{
	char *argv[] = { (char *)path, NULL };
	struct lab_run_opts o = { .no_gotraceback = 1 };
	long long before = lab_counter("probes_placed"), after;
	struct lab_proc p;
	double t0 = now_s();

	lab_run(&p, argv, &o);
	EXPECT_TRUE(WIFEXITED(p.status) && WEXITSTATUS(p.status) == want) {
		TH_LOG("%s without arguments: status %#x, want exit %d", path,
		       p.status, want);
	}
	after = wait_counter_above("probes_placed", before, PROBE_WAIT_S);
	EXPECT_EQ(before + 1, after) {
		TH_LOG("%s: probes_placed %lld before its first exec, %lld %d s later",
		       path, before, after, PROBE_WAIT_S);
	}
	TH_LOG("%s: probe placed %.1f s after the exec", path, now_s() - t0);
	return before + 1 == after ? 0 : -1;
}

static int place_probe(struct __test_metadata *_metadata, const char *path)
{
	return place_probe_status(_metadata, path, 2);
}

/*
 * Wait until pid caught SIGABRT (its runtime set up its handlers) and
 * sleeps; 0, or -1 when it did not within s seconds or died.
 */
static int wait_handles_sigabrt(pid_t pid, int s)
{
	double end = now_s() + s;
	char path[64];

	snprintf(path, sizeof(path), "/proc/%d/status", pid);
	while (now_s() < end) {
		char *st = lab_read_file(path, NULL), *cgt, *state;
		unsigned long long mask;
		int ok;

		if (!st)
			return -1;
		cgt = strstr(st, "SigCgt:\t");
		state = strstr(st, "State:\t");
		ok = cgt && state && state[7] == 'S' &&
		     sscanf(cgt + 8, "%llx", &mask) == 1 &&
		     (mask & (1ull << (SIGABRT - 1)));
		free(st);
		if (ok)
			return 0;
		usleep(100000);
	}
	return -1;
}

/* "goroutine N [...]:" headers in text. */
static int count_headers(const char *text)
{
	const char *s = text;
	int n = 0;

	while (s && *s) {
		if (!strncmp(s, "goroutine ", 10) && s[10] >= '0' &&
		    s[10] <= '9') {
			const char *eol = strchr(s, '\n');
			const char *br = strstr(s, " [");

			n += br && (!eol || br < eol);
		}
		s = strchr(s, '\n');
		if (s)
			s++;
	}
	return n;
}

/*
 * The runtime's forcegc goroutine, printed only when the traceback shows
 * runtime goroutines (GOTRACEBACK=crash, the upgrade): its "created by"
 * line, which it has in every state.  Its wait reason, "[force gc
 * (idle)]", it has only once it first parked, which a crasher that
 * panics at once can beat on a loaded machine ([runnable]).
 */
#define FORCEGC "created by runtime.init."

/* What a fatal error prints, by crasher mode. */
struct fatal_mode {
	const char *mode;
	int signal_after_ready;		/* sent once it printed "ready" */
	const char *text[3];		/* on stderr, every one */
	int min_headers;		/* goroutines printed, at least */
};

static const struct fatal_mode modes[] = {
	{ "panic", 0, { "panic: gocoredump test: panic",
			FORCEGC }, 2 },
	{ "nilptr", 0, { "panic: runtime error: invalid memory address or nil pointer dereference",
			 FORCEGC }, 2 },
	{ "deadlock", 0, { "fatal error: all goroutines are asleep - deadlock!",
			   "[chan receive" }, 7 },
	{ "gopanic", 0, { "panic: gocoredump test: an error value",
			  "[chan receive]:", "[select]:" }, 8 },
	{ "abort", SIGABRT, { "SIGABRT: abort", FORCEGC }, 2 },
	{ "panicerr", 0, { "panic: gocoredump test: an error value",
			   FORCEGC }, 2 },
	/* Go 1.19 says "fatal error: unexpected signal ...", later ones
	 * "signal arrived during cgo execution". */
	{ "cgosegv", 0, { "SIGSEGV: segmentation violation",
			  "runtime.cgocall(" }, 2 },
};

static const struct fatal_mode *find_mode(const char *name)
{
	for (size_t i = 0; i < ARRAY_SIZE(modes); i++)
		if (!strcmp(modes[i].mode, name))
			return &modes[i];
	return NULL;
}

/* The note's process flags, or -1 (logged) when it has none. */
static long long note_flags(struct __test_metadata *_metadata,
			    const struct elfcore *c)
{
	struct gcd_note n;
	long long flags = -1;
	int r;

	memset(&n, 0, sizeof(n));
	r = gcdnote_from_core(c, &n);
	EXPECT_EQ(1, r) {
		TH_LOG("gocoredump note: %s", r ? n.problem : "absent");
	}
	if (r == 1 && n.have_process)
		flags = n.proc.flags;
	gcdnote_free(&n);
	return flags;
}

/*
 * How a process p of path that died of fatal error m must look once
 * upgraded: SIGABRT, stderr (ERR_PATH) with every goroutine, a core with
 * the forced text and the note's flag, crashes_upgraded one more than
 * upgraded, upgrade_errors still errors.  Returns the int3 found in the
 * core's text, or -1.
 */
static int check_upgraded(struct __test_metadata *_metadata,
			  const char *path, const struct fatal_mode *m,
			  const struct lab_proc *p, long long upgraded,
			  long long errors)
{
	const char *mode_name = m->mode;
	long long flags;
	char why[512] = "", *err;
	struct elfcore c;
	int i, bp;

	err = lab_read_file(ERR_PATH, NULL);
	ASSERT_NE(NULL, err);
	EXPECT_TRUE(WIFSIGNALED(p->status) && WTERMSIG(p->status) == SIGABRT) {
		TH_LOG("%s %s: status %#x, not SIGABRT; stderr begins: %.300s",
		       path, mode_name, p->status, err);
	}
	EXPECT_EQ(upgraded + 1, lab_counter("crashes_upgraded")) {
		TH_LOG("%s %s: crashes_upgraded did not grow by one", path,
		       mode_name);
	}
	EXPECT_EQ(errors, lab_counter("upgrade_errors"));
	for (i = 0; i < 3 && m->text[i]; i++) {
		EXPECT_NE(NULL, strstr(err, m->text[i])) {
			TH_LOG("%s %s: no \"%s\" on stderr: %.600s", path,
			       mode_name, m->text[i], err);
		}
	}
	EXPECT_LE(m->min_headers, count_headers(err)) {
		TH_LOG("%s %s: %d goroutines on stderr, want %d or more: %.600s",
		       path, mode_name, count_headers(err), m->min_headers,
		       err);
	}
	free(err);
	EXPECT_NE(0, p->core[0]) {
		TH_LOG("%s %s: no core", path, mode_name);
	}
	if (!p->core[0])
		return -1;
	ASSERT_EQ(0, elfcore_open(&c, p->core)) {
		TH_LOG("%s: %s", p->core, c.problem);
	}
	EXPECT_EQ(0, c.truncated);
	/*
	 * The probe's int3 is in the process's text, so in its core; a
	 * program deleted meanwhile has no file to compare that text with.
	 */
	bp = 0;
	if (access(path, F_OK) == 0) {
		bp = lab_check_forced_bp(&c, path, 1, why, sizeof(why));
		EXPECT_LE(0, bp) {
			TH_LOG("%s %s: %s", path, mode_name, why);
		}
	}
	flags = note_flags(_metadata, &c);
	EXPECT_TRUE(flags >= 0 && (flags & GCD_PROC_F_TB_UPGRADED)) {
		TH_LOG("%s %s: note flags %#llx, no GCD_PROC_F_TB_UPGRADED",
		       path, mode_name, flags);
	}
	elfcore_close(&c);
	unlink(p->core);
	return bp;
}

/*
 * Run path in mode (env: extra environment, GOTRACEBACK left out unless it
 * is there) and check that the fatal error was upgraded: SIGABRT, a core
 * with the forced text and rodata and the flag in its note, the mode's
 * text and every goroutine on stderr, crashes_upgraded one more,
 * upgrade_errors the same.
 */
static int expect_upgraded(struct __test_metadata *_metadata,
			   const char *path, const char *mode_name,
			   const char *env)
{
	const struct fatal_mode *m = find_mode(mode_name);
	char *argv[] = { (char *)path, (char *)mode_name, NULL };
	struct lab_run_opts o = { .no_gotraceback = 1, .err_path = ERR_PATH };
	long long upgraded = lab_counter("crashes_upgraded");
	long long errors = lab_counter("upgrade_errors");
	struct lab_proc p;

	ASSERT_NE(NULL, m);
	o.signal_after_ready = m->signal_after_ready;
	o.env[0] = env;
	lab_clean_cores();
	lab_run(&p, argv, &o);
	return check_upgraded(_metadata, path, m, &p, upgraded, errors);
}

/*
 * Run path in mode with GOTRACEBACK as env says (NULL: none) and check it
 * was left alone: exit status 2, no core, no counter moved.  Returns its
 * stderr (malloc'd) or NULL.
 */
static char *expect_left_alone(struct __test_metadata *_metadata,
			       const char *path, const char *mode,
			       const char *env)
{
	char *argv[] = { (char *)path, (char *)mode, NULL };
	struct lab_run_opts o = { .no_gotraceback = 1, .err_path = ERR_PATH };
	long long upgraded = lab_counter("crashes_upgraded");
	long long errors = lab_counter("upgrade_errors");
	struct lab_proc p;
	char *err;

	o.env[0] = env;
	lab_clean_cores();
	lab_run(&p, argv, &o);
	err = lab_read_file(ERR_PATH, NULL);
	EXPECT_TRUE(WIFEXITED(p.status) && WEXITSTATUS(p.status) == 2) {
		TH_LOG("%s %s (%s): status %#x, want exit 2; stderr: %.300s",
		       path, mode, env ? env : "no GOTRACEBACK", p.status,
		       err ? err : "");
	}
	EXPECT_EQ(0, p.core[0]) {
		TH_LOG("%s %s (%s): left core %s", path, mode,
		       env ? env : "no GOTRACEBACK", p.core);
	}
	EXPECT_EQ(upgraded, lab_counter("crashes_upgraded"));
	EXPECT_EQ(errors, lab_counter("upgrade_errors"));
	return err;
}

/* Release and build (as in LAB_GO_PROGRAMS) of a program name. */
static int release_index(const char *name)
{
	static const char *const r[] = { "1.19-", "1.22-", "1.23-", "1.24-",
					 "1.27-" };

	for (int i = 0; i < 5; i++)
		if (!strncmp(name, r[i], 5))
			return i;
	return 0;
}

static int build_index(const char *name)
{
	static const char *const b[] = { "static", "pie", "cgo", "386" };
	const char *dash = strchr(name, '-');

	for (int i = 0; i < 4; i++)
		if (dash && !strcmp(dash + 1, b[i]))
			return i;
	return 0;
}

/*
 * First, a fresh module: the worker that places the probes also judges
 * every file earlier tests exec'd, and test_blocking leaves it files that
 * take it minutes (each try of a huge string table spends its 30 s budget,
 * three tries each); behind those a probe waits as long.
 */
FIXTURE(fresh) {
	int unused;
};

FIXTURE_SETUP(fresh)
{
}

FIXTURE_TEARDOWN(fresh)
{
}

TEST_F(fresh, a_fresh_module)
{
	char got[64];
	double t0 = now_s();

	if (lab_module_loaded())
		ASSERT_EQ(0, lab_module_unload());
	TH_LOG("rmmod took %.1f s", now_s() - t0);
	ASSERT_EQ(0, lab_module_load());
	ASSERT_EQ(0, lab_set_core_pattern(LAB_CORES "/core.%p"));
	ASSERT_EQ(0, lab_knob_read("gotraceback", got, sizeof(got)));
	EXPECT_STREQ("off", got);
	EXPECT_EQ(0, lab_counter("probes_placed"));
	EXPECT_EQ(0, lab_counter("probes_active"));
	EXPECT_EQ(0, lab_counter("crashes_upgraded"));
	EXPECT_EQ(0, lab_counter("upgrade_errors"));
}

FIXTURE(fatal) {
	char src[256], path[256];
};

FIXTURE_VARIANT(fatal) {
	const char *name;
};

#define FATAL_VARIANT(id, str) \
	FIXTURE_VARIANT_ADD(fatal, id) { .name = str };
LAB_GO_PROGRAMS(FATAL_VARIANT)

FIXTURE_SETUP(fatal)
{
	snprintf(self->src, sizeof(self->src), "/gcd/go/%s/crasher",
		 variant->name);
	snprintf(self->path, sizeof(self->path), FATAL_DIR "/%s",
		 variant->name);
	ASSERT_EQ(0, access(self->src, X_OK)) {
		TH_LOG("the lab did not build %s", self->src);
	}
	ASSERT_TRUE(lab_module_loaded());
	lab_knobs_default();
	lab_clean_cores();
	ASSERT_EQ(0, lab_set_core_pattern(LAB_CORES "/core.%p"));
	ASSERT_EQ(0, copy_exe(self->src, self->path));
}

FIXTURE_TEARDOWN(fatal)
{
	lab_knobs_default();
	lab_clean_cores();
}

/*
 * A plain panic, then two more kinds of fatal error: the kinds rotate over
 * releases and builds (Latin squares), so that each meets every release,
 * and every build twice (deadlock: but cgo).  The cgo programs also get a
 * fatal signal in C; they never deadlock: the runtime does not see a
 * deadlock in a cgo program (its extra M).
 */
TEST_F(fatal, fatal_errors_are_upgraded)
{
	static const char *const extra[] = {
		"nilptr", "deadlock", "gopanic", "abort", "panicerr",
	};
	int b = build_index(variant->name), k = release_index(variant->name);
	const char *more[2] = { extra[(k + b) % 5], extra[(k + b + 1) % 5] };

	int bp;

	ASSERT_EQ(0, lab_knob_write("gotraceback", "crash"));
	ASSERT_EQ(0, place_probe(_metadata, self->path));
	bp = expect_upgraded(_metadata, self->path, "panic", NULL);
	TH_LOG("%s panic: the core's text holds %d int3 where the file does not",
	       variant->name, bp);
	for (int i = 0; i < 2; i++)
		if (b != 2 || strcmp(more[i], "deadlock"))
			expect_upgraded(_metadata, self->path, more[i], NULL);
	if (b == 2)
		expect_upgraded(_metadata, self->path, "cgosegv", NULL);
}

/* The tests of one program: each copies the one it needs. */
FIXTURE(one) {
	char path[256];
};

FIXTURE_SETUP(one)
{
	snprintf(self->path, sizeof(self->path), FATAL_DIR "/one-%d",
		 getpid());
	ASSERT_TRUE(lab_module_loaded());
	lab_knobs_default();
	lab_clean_cores();
	ASSERT_EQ(0, lab_set_core_pattern(LAB_CORES "/core.%p"));
}

FIXTURE_TEARDOWN(one)
{
	if (!lab_module_loaded())
		lab_module_load();
	lab_knobs_default();
	lab_clean_cores();
}

/*
 * stderr with hex values ("0x..." to "0x?") and the goroutines' wait
 * times (", N minutes") made alike.
 */
static char *normalized(const char *s)
{
	char *out = malloc(strlen(s) + 1), *o = out;

	if (!out)
		return NULL;
	while (*s) {
		if (s[0] == '0' && s[1] == 'x' &&
		    strchr("0123456789abcdef", s[2]) && s[2]) {
			s += 2;
			while (*s && strchr("0123456789abcdef", *s))
				s++;
			memcpy(o, "0x?", 3);
			o += 3;
			continue;
		}
		if (!strncmp(s, ", ", 2) && s[2] >= '0' && s[2] <= '9') {
			const char *t = s + 2;

			while (*t >= '0' && *t <= '9')
				t++;
			if (!strncmp(t, " minutes", 8)) {
				s = t + 8;
				continue;
			}
		}
		*o++ = *s++;
	}
	*o = 0;
	return out;
}

/* The first line where a and b differ, for the log. */
static void log_first_difference(struct __test_metadata *_metadata,
				 const char *a, const char *b)
{
	int line = 1;

	while (*a && *a == *b) {
		line += *a == '\n';
		a++;
		b++;
	}
	while (line > 1 && a[-1] != '\n') {
		a--;
		b--;
	}
	TH_LOG("line %d: module loaded, knob off: \"%.*s\"; no module: \"%.*s\"",
	       line, (int)strcspn(a, "\n"), a, (int)strcspn(b, "\n"), b);
}

TEST_F(one, knob_off_changes_nothing)
{
	long long placed;
	char *with, *without, *a, *b;

	ASSERT_EQ(0, copy_exe("/gcd/go/1.22-static/crasher", self->path));
	/* With the probe in place: the knob alone must make it inert. */
	ASSERT_EQ(0, lab_knob_write("gotraceback", "crash"));
	ASSERT_EQ(0, place_probe(_metadata, self->path));
	ASSERT_EQ(0, lab_knob_write("gotraceback", "off"));
	placed = lab_counter("probes_placed");
	with = expect_left_alone(_metadata, self->path, "panic", NULL);
	ASSERT_NE(NULL, with);
	EXPECT_EQ(placed, lab_counter("probes_placed"));

	ASSERT_EQ(0, lab_module_unload());
	without = expect_left_alone(_metadata, self->path, "panic", NULL);
	ASSERT_EQ(0, lab_module_load());
	ASSERT_NE(NULL, without);
	a = normalized(with);
	b = normalized(without);
	ASSERT_NE(NULL, a);
	ASSERT_NE(NULL, b);
	EXPECT_STREQ(b, a) {
		log_first_difference(_metadata, a, b);
	}
	EXPECT_EQ(1, count_headers(a)) {
		TH_LOG("%d goroutines printed: %.400s", count_headers(a), a);
	}
	free(a);
	free(b);
	free(with);
	free(without);
}

TEST_F(one, recovered_panics_never_reach_the_probe)
{
	char *argv[] = { self->path, "recover", "10000", NULL };
	struct lab_run_opts o = { .no_gotraceback = 1, .err_path = ERR_PATH };
	long long upgraded, errors;
	struct lab_proc p;
	char *err;

	ASSERT_EQ(0, copy_exe("/gcd/go/1.24-pie/crasher", self->path));
	ASSERT_EQ(0, lab_knob_write("gotraceback", "crash"));
	ASSERT_EQ(0, place_probe(_metadata, self->path));
	upgraded = lab_counter("crashes_upgraded");
	errors = lab_counter("upgrade_errors");
	lab_run(&p, argv, &o);
	EXPECT_TRUE(WIFEXITED(p.status) && WEXITSTATUS(p.status) == 0) {
		TH_LOG("recover 10000: status %#x", p.status);
	}
	EXPECT_STREQ("recovered=10000\n", p.out);
	err = lab_read_file(ERR_PATH, NULL);
	EXPECT_STREQ("", err ? err : "(unreadable)");
	free(err);
	EXPECT_EQ(0, p.core[0]);
	EXPECT_EQ(upgraded, lab_counter("crashes_upgraded"));
	EXPECT_EQ(errors, lab_counter("upgrade_errors"));
}

TEST_F(one, crash_if_unset_respects_the_environment)
{
	char *argv[] = { self->path, "panic", NULL };
	struct lab_run_opts o = { .gotraceback = "crash" };
	long long upgraded, flags;
	struct lab_proc p;
	struct elfcore c;
	char *err;

	ASSERT_EQ(0, copy_exe("/gcd/go/1.27-cgo/crasher", self->path));
	ASSERT_EQ(0, lab_knob_write("gotraceback", "crash-if-unset"));
	ASSERT_EQ(0, place_probe(_metadata, self->path));

	/* GOTRACEBACK=none: left alone, the runtime prints no goroutine. */
	err = expect_left_alone(_metadata, self->path, "panic",
				"GOTRACEBACK=none");
	ASSERT_NE(NULL, err);
	EXPECT_NE(NULL, strstr(err, "panic: gocoredump test: panic"));
	EXPECT_EQ(0, count_headers(err)) {
		TH_LOG("GOTRACEBACK=none, yet: %.400s", err);
	}
	free(err);

	/* GOTRACEBACK=crash: it crashes on its own; not the module's doing. */
	upgraded = lab_counter("crashes_upgraded");
	lab_clean_cores();
	if (LAB_CRASH(&p, argv, &o, &c) == 0) {
		flags = note_flags(_metadata, &c);
		EXPECT_TRUE(flags >= 0 && !(flags & GCD_PROC_F_TB_UPGRADED)) {
			TH_LOG("GOTRACEBACK=crash set by the program's environment, note flags %#llx",
			       flags);
		}
		elfcore_close(&c);
	}
	EXPECT_EQ(upgraded, lab_counter("crashes_upgraded"));

	/* No GOTRACEBACK: upgraded. */
	expect_upgraded(_metadata, self->path, "panic", NULL);

	/* Knob crash overrides the environment. */
	ASSERT_EQ(0, lab_knob_write("gotraceback", "crash"));
	expect_upgraded(_metadata, self->path, "panic", "GOTRACEBACK=none");
}

/* The file offset of the section named name (or ending in it), or 0. */
static uint64_t section_offset(const unsigned char *f, size_t len,
			       const char *name)
{
	uint64_t shoff, off, noff;
	unsigned int shnum, shstrndx, shentsize, i;
	int is64;

	if (len < 52 || memcmp(f, ELFMAG, SELFMAG))
		return 0;
	is64 = f[EI_CLASS] == ELFCLASS64;
	if (is64) {
		const Elf64_Ehdr *e = (const void *)f;

		shoff = e->e_shoff;
		shnum = e->e_shnum;
		shstrndx = e->e_shstrndx;
		shentsize = e->e_shentsize;
	} else {
		const Elf32_Ehdr *e = (const void *)f;

		shoff = e->e_shoff;
		shnum = e->e_shnum;
		shstrndx = e->e_shstrndx;
		shentsize = e->e_shentsize;
	}
	if (!shoff || shstrndx >= shnum ||
	    shoff + (uint64_t)shnum * shentsize > len)
		return 0;
#define SH(i, field) (is64 ? \
	((const Elf64_Shdr *)(f + shoff + (uint64_t)(i) * shentsize))->field : \
	((const Elf32_Shdr *)(f + shoff + (uint64_t)(i) * shentsize))->field)
	noff = SH(shstrndx, sh_offset);
	for (i = 0; i < shnum; i++) {
		uint64_t n = noff + SH(i, sh_name);
		size_t nl = strlen(name), sl;

		if (n >= len)
			continue;
		sl = strnlen((const char *)f + n, len - n);
		off = SH(i, sh_offset);
		if (sl >= nl && !strcmp((const char *)f + n + sl - nl, name) &&
		    off + 4 <= len)
			return off;
	}
#undef SH
	return 0;
}

static void corrupt_pclntab(struct __test_metadata *_metadata,
			    const char *src, const char *path)
{
	char *argv[] = { (char *)path, NULL };
	struct lab_run_opts o = { .no_gotraceback = 1, .err_path = ERR_PATH };
	long long placed, active, errors, after;
	unsigned char *f;
	uint64_t off;
	size_t len;
	struct lab_proc p;
	char *err;
	int fd;

	f = (unsigned char *)lab_read_file(src, &len);
	ASSERT_NE(NULL, f);
	off = section_offset(f, len, ".gopclntab");
	ASSERT_NE(0, off) {
		TH_LOG("%s: no .gopclntab section", src);
	}
	memcpy(f + off, "\xde\xad\xbe\xef", 4);	/* the magic */
	mkdir(FATAL_DIR, 0755);
	unlink(path);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0755);
	ASSERT_LE(0, fd);
	ASSERT_EQ((ssize_t)len, write(fd, f, len));
	close(fd);
	free(f);

	placed = lab_counter("probes_placed");
	active = lab_counter("probes_active");
	errors = lab_counter("upgrade_errors");
	lab_run(&p, argv, &o);
	err = lab_read_file(ERR_PATH, NULL);
	/* The runtime checks the magic itself, first thing. */
	EXPECT_TRUE(WIFEXITED(p.status) && WEXITSTATUS(p.status) == 2) {
		TH_LOG("%s: status %#x", path, p.status);
	}
	EXPECT_TRUE(err && strstr(err, "invalid function symbol table")) {
		TH_LOG("%s: stderr %.300s", path, err ? err : "");
	}
	free(err);
	after = wait_counter_above("upgrade_errors", errors, PROBE_WAIT_S);
	EXPECT_EQ(errors + 1, after) {
		TH_LOG("%s: upgrade_errors %lld before the exec, %lld after",
		       path, errors, after);
	}
	EXPECT_EQ(placed, lab_counter("probes_placed"));
	/* Fewer if the worker's sweep dropped probes of deleted files. */
	EXPECT_GE(active, lab_counter("probes_active"));
}

/*
 * Started while the knob is off (no probe: the worker places them only
 * for the knob), then the knob turned on: the program already running
 * gets its probe, and its crash is upgraded.
 */
TEST_F(one, a_program_running_when_the_knob_turns_on_gets_its_probe)
{
	char *argv[] = { self->path, "abort", NULL };
	struct lab_run_opts o = { .no_gotraceback = 1, .err_path = ERR_PATH };
	long long placed, upgraded, errors;
	struct lab_proc p;
	int fd;

	ASSERT_EQ(0, copy_exe("/gcd/go/1.24-pie/crasher", self->path));
	ASSERT_EQ(0, lab_knob_write("gotraceback", "off"));
	placed = lab_counter("probes_placed");
	ASSERT_EQ(0, lab_start(&p, argv, &o, &fd));
	ASSERT_EQ(0, lab_wait_ready(&p, fd, 60000));
	usleep(500000);
	EXPECT_EQ(placed, lab_counter("probes_placed"));
	ASSERT_EQ(0, lab_knob_write("gotraceback", "crash"));
	EXPECT_EQ(placed + 1, wait_counter_above("probes_placed", placed,
						 PROBE_WAIT_S)) {
		TH_LOG("no probe for the program that ran before the knob was set");
	}
	upgraded = lab_counter("crashes_upgraded");
	errors = lab_counter("upgrade_errors");
	kill(p.pid, SIGABRT);
	lab_wait(&p, fd);
	check_upgraded(_metadata, self->path, find_mode("abort"), &p,
		       upgraded, errors);
}

/*
 * Rewritten in place (the same inode, another Go release's bytes, whose
 * runtime.startpanic_m is elsewhere): its next exec gets a new probe, the
 * old one is gone (probes_active the same), and the crash is upgraded
 * with exactly one breakpoint in the text: the old probe's filter kept
 * its int3 out of the new bytes.
 */
TEST_F(one, a_changed_executable_gets_a_new_probe)
{
	struct stat a, b;
	long long active;

	ASSERT_EQ(0, copy_exe("/gcd/go/1.19-static/crasher", self->path));
	ASSERT_EQ(0, lab_knob_write("gotraceback", "crash"));
	ASSERT_EQ(0, place_probe(_metadata, self->path));
	active = settled_counter("probes_active", PROBE_WAIT_S);
	ASSERT_EQ(0, stat(self->path, &a));
	ASSERT_EQ(0, write_exe("/gcd/go/1.27-static/crasher", self->path, 0));
	ASSERT_EQ(0, stat(self->path, &b));
	ASSERT_EQ(a.st_ino, b.st_ino);
	ASSERT_EQ(0, place_probe(_metadata, self->path));
	EXPECT_EQ(active, wait_counter_is("probes_active", active,
					  PROBE_WAIT_S)) {
		TH_LOG("probes_active %lld before the rewrite, %lld after: the old probe stayed",
		       active, lab_counter("probes_active"));
	}
	EXPECT_EQ(1, expect_upgraded(_metadata, self->path, "panic", NULL));
}

/*
 * Deleted while a process runs it (as when dpkg renames a new version
 * over a running service's program): the process keeps its probe and its
 * crash is upgraded, however many other programs the worker probes
 * meanwhile; once no process maps the file, the next probe placed drops
 * its probe (probes_active).
 */
TEST_F(one, a_deleted_executable_keeps_its_probe_while_it_runs)
{
	char *argv[] = { self->path, "abort", NULL };
	struct lab_run_opts o = { .no_gotraceback = 1, .err_path = ERR_PATH };
	char other[300], third[300];
	long long active, upgraded, errors;
	struct lab_proc p;
	int fd;

	snprintf(other, sizeof(other), "%s-other", self->path);
	snprintf(third, sizeof(third), "%s-third", self->path);
	ASSERT_EQ(0, copy_exe("/gcd/go/1.23-pie/crasher", self->path));
	ASSERT_EQ(0, copy_exe("/gcd/go/1.22-static/crasher", other));
	ASSERT_EQ(0, copy_exe("/gcd/go/1.24-static/crasher", third));
	ASSERT_EQ(0, lab_knob_write("gotraceback", "crash"));
	ASSERT_EQ(0, place_probe(_metadata, self->path));
	active = settled_counter("probes_active", PROBE_WAIT_S);

	ASSERT_EQ(0, lab_start(&p, argv, &o, &fd));
	ASSERT_EQ(0, lab_wait_ready(&p, fd, 60000));
	ASSERT_EQ(0, unlink(self->path));
	/* The worker sweeps its probes each time it places one. */
	EXPECT_EQ(0, place_probe(_metadata, other));
	EXPECT_EQ(active + 1, lab_counter("probes_active")) {
		TH_LOG("the running deleted program lost its probe");
	}
	upgraded = lab_counter("crashes_upgraded");
	errors = lab_counter("upgrade_errors");
	kill(p.pid, SIGABRT);
	lab_wait(&p, fd);
	check_upgraded(_metadata, self->path, find_mode("abort"), &p,
		       upgraded, errors);

	EXPECT_EQ(0, place_probe(_metadata, third));
	EXPECT_EQ(active + 1, wait_counter_is("probes_active", active + 1,
					      PROBE_WAIT_S)) {
		TH_LOG("no process maps the deleted program: its probe should be gone");
	}
	unlink(other);
	unlink(third);
}

/*
 * Programs Debian packages (scripts/lab.sh build copies them to
 * /gcd/debian): cgo, PIE linked by ld (the pclntab has no section of its
 * own), stripped.  Each is run blocked on a FIFO nobody writes and sent SIGABRT from
 * outside once its runtime handles it: upgraded like our own programs.
 */
TEST_F(one, debian_packaged_stripped_pie_killed_by_sigabrt)
{
	static const char *const names[] = { "age-bookworm", "age-trixie" };
	/* A recipient: age wants one before it reads its input. */
	char key[] = "age1ql3z7hjy54pw3hyww5ayyfg7zqgvc7w3j2elw8zmrj2kg5sfn9aqmcac8p";
	char fifo[] = FATAL_DIR "/fifo";
	struct lab_run_opts o = { .no_gotraceback = 1, .err_path = ERR_PATH };

	ASSERT_EQ(0, lab_knob_write("gotraceback", "crash"));
	for (size_t i = 0; i < ARRAY_SIZE(names); i++) {
		char src[128], path[300], dflag[] = "-r";
		char *argv[] = { path, dflag, key, fifo, NULL };
		long long upgraded, errors;
		struct lab_proc p;
		int fd;

		snprintf(src, sizeof(src), "/gcd/debian/%s", names[i]);
		snprintf(path, sizeof(path), "%s-%s", self->path, names[i]);
		EXPECT_EQ(0, copy_exe(src, path)) {
			TH_LOG("the lab did not put %s in the guest", src);
			continue;
		}
		/* Without arguments age says how to use it, exit 1. */
		if (place_probe_status(_metadata, path, 1))
			continue;
		unlink(fifo);
		ASSERT_EQ(0, mkfifo(fifo, 0600));
		ASSERT_EQ(0, lab_start(&p, argv, &o, &fd));
		EXPECT_EQ(0, wait_handles_sigabrt(p.pid, 60)) {
			TH_LOG("%s did not block with its SIGABRT handler set", path);
		}
		upgraded = lab_counter("crashes_upgraded");
		errors = lab_counter("upgrade_errors");
		kill(p.pid, SIGABRT);
		lab_wait(&p, fd);
		check_upgraded(_metadata, path, find_mode("abort"), &p,
			       upgraded, errors);
		unlink(path);
	}
	unlink(fifo);
}

/*
 * Go as PID 1 of a pid namespace: the kernel drops the SIGABRT its runtime
 * raises (the namespace's init is unkillable by signals of default
 * action), so even GOTRACEBACK=crash leaves no core.  Upgraded, it dies of
 * SIGABRT with a core, the note flagged.
 */
TEST_F(one, pid_1_of_a_pid_namespace_dies_with_a_core)
{
	char *argv[] = { self->path, "panic", NULL };
	long long upgraded;
	char core[300] = "";
	struct dirent *de;
	struct elfcore c;
	long long flags;
	pid_t outer;
	int st;
	DIR *dir;

	ASSERT_EQ(0, copy_exe("/gcd/go/1.22-static/crasher", self->path));
	ASSERT_EQ(0, lab_knob_write("gotraceback", "crash"));
	ASSERT_EQ(0, place_probe(_metadata, self->path));
	ASSERT_EQ(0, lab_set_core_pattern(LAB_CORES "/ns.%P"));
	upgraded = lab_counter("crashes_upgraded");
	outer = fork();
	ASSERT_LE(0, outer);
	if (outer == 0) {
		struct rlimit rl = { RLIM_INFINITY, RLIM_INFINITY };
		pid_t init;

		setrlimit(RLIMIT_CORE, &rl);
		if (unshare(CLONE_NEWPID))
			_exit(100);
		init = fork();
		if (init < 0)
			_exit(101);
		if (init == 0) {
			int fd = open("/dev/null", O_WRONLY);

			dup2(fd, 1);
			dup2(fd, 2);
			unsetenv("GOTRACEBACK");
			execv(argv[0], argv);
			_exit(127);
		}
		if (waitpid(init, &st, 0) != init)
			_exit(102);
		/* 0: SIGABRT; else the status, as exit code or signal. */
		if (WIFSIGNALED(st))
			_exit(WTERMSIG(st) == SIGABRT ? 0 : 200 + WTERMSIG(st));
		_exit(WEXITSTATUS(st) ? WEXITSTATUS(st) : 103);
	}
	ASSERT_EQ(outer, waitpid(outer, &st, 0));
	EXPECT_EQ(0, WEXITSTATUS(st)) {
		TH_LOG("PID 1 of the namespace did not die of SIGABRT: %d (exit status 2 is the runtime's own exit)",
		       WEXITSTATUS(st));
	}
	EXPECT_EQ(upgraded + 1, lab_counter("crashes_upgraded"));
	dir = opendir(LAB_CORES);
	ASSERT_NE(NULL, dir);
	while ((de = readdir(dir)) != NULL)
		if (!strncmp(de->d_name, "ns.", 3))
			snprintf(core, sizeof(core), LAB_CORES "/%s",
				 de->d_name);
	closedir(dir);
	ASSERT_NE(0, core[0]) {
		TH_LOG("no core from PID 1 of the namespace");
	}
	ASSERT_EQ(0, elfcore_open(&c, core)) {
		TH_LOG("%s: %s", core, c.problem);
	}
	flags = note_flags(_metadata, &c);
	EXPECT_TRUE(flags >= 0 && (flags & GCD_PROC_F_TB_UPGRADED)) {
		TH_LOG("note flags %#llx, no GCD_PROC_F_TB_UPGRADED", flags);
	}
	elfcore_close(&c);
	unlink(core);
}

TEST_F(one, corrupt_pclntab_gets_no_probe)
{
	char path32[300];

	ASSERT_EQ(0, lab_knob_write("gotraceback", "crash"));
	corrupt_pclntab(_metadata, "/gcd/go/1.22-static/crasher", self->path);
	snprintf(path32, sizeof(path32), "%s-386", self->path);
	corrupt_pclntab(_metadata, "/gcd/go/1.19-386/crasher", path32);
}

static void expect_write(struct __test_metadata *_metadata, const char *value,
			 int want_err, const char *want)
{
	char before[64], after[64];
	int err;

	ASSERT_EQ(0, lab_knob_read("gotraceback", before, sizeof(before)));
	err = lab_knob_write("gotraceback", value);
	EXPECT_EQ(want_err, err) {
		TH_LOG("write '%s' to gotraceback", value);
	}
	ASSERT_EQ(0, lab_knob_read("gotraceback", after, sizeof(after)));
	if (want_err) {
		EXPECT_STREQ(before, after);
	} else {
		EXPECT_STREQ(want, after);
	}
}

TEST_F(one, knob_takes_off_crash_crash_if_unset)
{
	static const char *const bad[] = {
		"\n", "on", "none", "all", "system", "single", "1", "2",
		"Crash", "CRASH", "crash-if", "crash-if-unsetx", "crashx",
		"crash,off", "crash-if-set", "off crash",
	};
	static const char *const ro[] = {
		"probes_placed", "probes_active", "crashes_upgraded",
		"upgrade_errors",
	};
	char got[64];
	size_t i;

	ASSERT_EQ(0, lab_knob_read("gotraceback", got, sizeof(got)));
	EXPECT_STREQ("off", got);	/* the default */
	expect_write(_metadata, "crash", 0, "crash");
	expect_write(_metadata, "off", 0, "off");
	expect_write(_metadata, "crash-if-unset", 0, "crash-if-unset");
	expect_write(_metadata, "off\n", 0, "off");	/* as echo writes */
	expect_write(_metadata, "crash\n", 0, "crash");
	expect_write(_metadata, "crash-if-unset\n", 0, "crash-if-unset");
	for (i = 0; i < ARRAY_SIZE(bad); i++)
		expect_write(_metadata, bad[i], -EINVAL, NULL);
	for (i = 0; i < ARRAY_SIZE(ro); i++) {
		EXPECT_LE(0, lab_counter(ro[i])) {
			TH_LOG("no counter %s", ro[i]);
		}
		EXPECT_EQ(-EACCES, lab_knob_write(ro[i], "0")) {
			TH_LOG("%s accepted a write", ro[i]);
		}
	}
}

TEST_F(one, module_parameter_sets_the_knob)
{
	char got[64];

	ASSERT_EQ(0, copy_exe("/gcd/go/1.23-pie/crasher", self->path));
	ASSERT_EQ(0, lab_module_unload());
	ASSERT_EQ(0, lab_module_load_params("gotraceback=crash-if-unset"));
	ASSERT_EQ(0, lab_knob_read("gotraceback", got, sizeof(got)));
	EXPECT_STREQ("crash-if-unset", got);
	/* A fresh module has no probe yet; the first exec places one. */
	EXPECT_EQ(0, lab_counter("probes_active"));
	EXPECT_EQ(0, lab_counter("crashes_upgraded"));
	ASSERT_EQ(0, place_probe(_metadata, self->path));
	EXPECT_EQ(lab_counter("probes_placed"), lab_counter("probes_active"));
	expect_upgraded(_metadata, self->path, "panic", NULL);
	ASSERT_EQ(0, lab_module_unload());
	ASSERT_EQ(0, lab_module_load_params("gotraceback=crash"));
	ASSERT_EQ(0, lab_knob_read("gotraceback", got, sizeof(got)));
	EXPECT_STREQ("crash", got);
	ASSERT_EQ(0, lab_module_unload());
	EXPECT_EQ(-EINVAL, lab_module_load_params("gotraceback=bogus"));
	EXPECT_FALSE(lab_module_loaded());
	if (lab_module_loaded())
		lab_module_unload();
	ASSERT_EQ(0, lab_module_load());
	ASSERT_EQ(0, lab_knob_read("gotraceback", got, sizeof(got)));
	EXPECT_STREQ("off", got);
}

TEST_HARNESS_MAIN
