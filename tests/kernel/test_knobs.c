// SPDX-License-Identifier: GPL-2.0
/*
 * test_knobs.c - the module's knobs do what Documentation/knobs.rst says,
 * bad writes are refused, counters match what the tests did, non-Go
 * programs are left alone, the per-inode cache notices a rewritten file,
 * RLIMIT_CORE is respected, and 20 concurrent Go crashes all come out
 * complete.
 *
 * With identical twins (tests/kernel/helpers/twin.c: children forked at
 * the same instruction with the same memory): enabled=0 gives a core
 * byte-identical to one written with no module loaded (pids and times in
 * the kernel's notes aside, and the vDSO's data pages, the kernel's clock,
 * which 7.x dumps), runs no module code in the dumping task and
 * moves no counter; RLIMIT_CORE set to exactly the stock core's size
 * gives the stock core, every segment byte-identical, and the drop of the
 * forcing counted.
 *
 * Needs the module loaded and core_pattern LAB_CORES/core.%p.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "lab.h"

#define GO_STATIC	"/gcd/go/1.22-static/crasher"
#define CCRASH		"/gcd/bin/ccrash"

static const char *const go_static[] = {
	"/gcd/go/1.19-static/crasher", "/gcd/go/1.22-static/crasher",
	"/gcd/go/1.23-static/crasher", "/gcd/go/1.24-static/crasher",
	"/gcd/go/1.27-static/crasher",
};

FIXTURE(knobs) {
	int unused;
};

FIXTURE_SETUP(knobs)
{
	ASSERT_TRUE(lab_module_loaded());
	lab_knobs_default();
	lab_clean_cores();
}

FIXTURE_TEARDOWN(knobs)
{
	lab_knobs_default();
	lab_clean_cores();
}

/* Sum of p_filesz over the mappings of path whose flags match. */
struct seg_sum {
	uint64_t text, rodata, data;	/* p_filesz by class */
	uint64_t text_mem, rodata_mem, data_mem;
};

static void seg_sum(const struct elfcore *c, const char *path,
		    struct seg_sum *s)
{
	struct lab_mapping m[64];
	int n = lab_file_mappings(c, path, m, 64), i;

	memset(s, 0, sizeof(*s));
	for (i = 0; i < n; i++) {
		const struct elfcore_seg *g = m[i].seg;

		if (!g)
			continue;
		if (g->flags & PF_X) {
			s->text += g->filesz;
			s->text_mem += g->memsz;
		} else if (g->flags & PF_W) {
			s->data += g->filesz;
			s->data_mem += g->memsz;
		} else {
			s->rodata += g->filesz;
			s->rodata_mem += g->memsz;
		}
	}
}

static void expect_write(struct __test_metadata *_metadata, const char *knob,
			 const char *value, int want_err, const char *want)
{
	char before[256], after[256];

	int err;

	ASSERT_EQ(0, lab_knob_read(knob, before, sizeof(before)));
	err = lab_knob_write(knob, value);
	EXPECT_EQ(want_err, err) {
		TH_LOG("write '%s' to %s", value, knob);
	}
	ASSERT_EQ(0, lab_knob_read(knob, after, sizeof(after)));
	if (want_err) {
		EXPECT_STREQ(before, after);	/* left unchanged */
	} else if (want) {
		EXPECT_STREQ(want, after);
	}
}

TEST_F(knobs, writes_are_validated)
{
	expect_write(_metadata, "enabled", "0", 0, "0");
	expect_write(_metadata, "enabled", "1", 0, "1");
	expect_write(_metadata, "enabled", "2", -EINVAL, NULL);
	expect_write(_metadata, "enabled", "maybe", -EINVAL, NULL);
	expect_write(_metadata, "note", "0", 0, "0");
	expect_write(_metadata, "note", "yes", 0, "1");
	expect_write(_metadata, "note", "\n", -EINVAL, NULL);
	expect_write(_metadata, "force", "text", 0, "text");
	expect_write(_metadata, "force", "rodata text", 0, "text,rodata");
	expect_write(_metadata, "force", "data,rodata,text", 0,
		     "text,rodata,data");
	expect_write(_metadata, "force", "none", 0, "none");
	expect_write(_metadata, "force", "bogus", -EINVAL, NULL);
	expect_write(_metadata, "force", "text,bogus", -EINVAL, NULL);
	expect_write(_metadata, "force", "none,text", -EINVAL, NULL);
	expect_write(_metadata, "force", "\n", -EINVAL, NULL);
	expect_write(_metadata, "scope", "exec", 0, "exec");
	expect_write(_metadata, "scope", "go", 0, "go");
	expect_write(_metadata, "scope", "all", -EINVAL, NULL);
	expect_write(_metadata, "max_forced_mb", "1", 0, "1");
	expect_write(_metadata, "max_forced_mb", "1048576", 0, "1048576");
	expect_write(_metadata, "max_forced_mb", "0", -EINVAL, NULL);
	expect_write(_metadata, "max_forced_mb", "-1", -EINVAL, NULL);
	expect_write(_metadata, "max_forced_mb", "1048577", -EINVAL, NULL);
	expect_write(_metadata, "max_forced_mb", "12abc", -EINVAL, NULL);
}

TEST_F(knobs, counters_are_read_only)
{
	static const char *const ro[] = {
		"dumps_seen", "dumps_go", "vmas_forced", "bytes_forced",
		"errors", "last_error", "notes_written", "notes_skipped",
		"verdicts_missed", "files_classified", "budget_exhausted",
		"vmas_not_resident", "rlimit_drops", "compat_hook", NULL,
	};
	const char *const *k;

	for (k = ro; *k; k++) {
		int err = lab_knob_write(*k, "0");

		EXPECT_EQ(-EACCES, err) {
			TH_LOG("%s accepted a write", *k);
		}
	}
}

TEST_F(knobs, writes_are_for_root_only)
{
	int st;
	pid_t pid = fork();

	ASSERT_LE(0, pid);
	if (pid == 0) {
		if (setgid(65534) || setuid(65534))
			_exit(3);
		_exit(lab_knob_write("enabled", "0") == -EACCES ? 0 : 4);
	}
	ASSERT_EQ(pid, waitpid(pid, &st, 0));
	EXPECT_EQ(0, WEXITSTATUS(st));
	EXPECT_EQ(1, lab_counter("enabled"));
}

/* enabled=0: the module stays out of the way entirely. */
TEST_F(knobs, disabled_is_inert)
{
	char *argv[] = { GO_STATIC, "panic", NULL };
	long long seen = lab_counter("dumps_seen");
	long long forced = lab_counter("vmas_forced");
	struct lab_proc p;
	struct elfcore c;
	struct seg_sum s;

	ASSERT_EQ(0, lab_knob_write("enabled", "0"));
	if (LAB_CRASH(&p, argv, NULL, &c))
		return;
	seg_sum(&c, GO_STATIC, &s);
	EXPECT_EQ(0, s.rodata);
	EXPECT_EQ(4096, s.text);
	EXPECT_EQ(NULL, elfcore_note(&c, "GOCOREDUMP", 0x47430001, 0));
	EXPECT_EQ(seen, lab_counter("dumps_seen"));
	EXPECT_EQ(forced, lab_counter("vmas_forced"));
	elfcore_close(&c);
}

/*
 * The counters move by what the cores show: the bytes and mappings that a
 * forced core has beyond the stock core of the same program.
 */
TEST_F(knobs, counters_match_the_cores)
{
	char *argv[] = { GO_STATIC, "panic", NULL };
	long long seen, go, vmas, bytes;
	struct lab_proc p;
	struct elfcore stock, forced;
	struct seg_sum a, b;

	ASSERT_EQ(0, lab_knob_write("enabled", "0"));
	if (LAB_CRASH(&p, argv, NULL, &stock))
		return;
	ASSERT_EQ(0, lab_knob_write("enabled", "1"));
	seen = lab_counter("dumps_seen");
	go = lab_counter("dumps_go");
	vmas = lab_counter("vmas_forced");
	bytes = lab_counter("bytes_forced");
	if (LAB_CRASH(&p, argv, NULL, &forced))
		return;
	seg_sum(&stock, GO_STATIC, &a);
	seg_sum(&forced, GO_STATIC, &b);
	EXPECT_EQ(seen + 1, lab_counter("dumps_seen"));
	EXPECT_EQ(go + 1, lab_counter("dumps_go"));
	EXPECT_EQ(vmas + 2, lab_counter("vmas_forced"));	/* text, rodata */
	EXPECT_EQ(bytes + (long long)(b.text - a.text + b.rodata - a.rodata),
		  lab_counter("bytes_forced"));
	EXPECT_EQ(b.text_mem, b.text);
	EXPECT_EQ(b.rodata_mem, b.rodata);
	elfcore_close(&stock);
	elfcore_close(&forced);
}

/* force selects mapping classes: data under filter 0 is only there when
 * asked for; none forces nothing.
 */
TEST_F(knobs, force_selects_classes)
{
	char *argv[] = { GO_STATIC, "panic", NULL };
	struct lab_run_opts o = { .filter = 0, .filter_set = 1 };
	struct lab_proc p;
	struct elfcore c;
	struct seg_sum s;
	long long vmas;

	ASSERT_EQ(0, lab_knob_write("force", "data"));
	if (LAB_CRASH(&p, argv, &o, &c))
		return;
	seg_sum(&c, GO_STATIC, &s);
	EXPECT_LT(0, s.data_mem);
	EXPECT_EQ(s.data_mem, s.data);
	EXPECT_GT(s.text_mem, s.text);
	EXPECT_EQ(0, s.rodata);
	elfcore_close(&c);

	ASSERT_EQ(0, lab_knob_write("force", "text,rodata"));
	if (LAB_CRASH(&p, argv, &o, &c))
		return;
	seg_sum(&c, GO_STATIC, &s);
	EXPECT_EQ(0, s.data);
	EXPECT_EQ(s.text_mem, s.text);
	EXPECT_EQ(s.rodata_mem, s.rodata);
	elfcore_close(&c);

	ASSERT_EQ(0, lab_knob_write("force", "none"));
	vmas = lab_counter("vmas_forced");
	if (LAB_CRASH(&p, argv, &o, &c))
		return;
	seg_sum(&c, GO_STATIC, &s);
	EXPECT_EQ(0, s.text + s.rodata + s.data);
	EXPECT_EQ(vmas, lab_counter("vmas_forced"));
	elfcore_close(&c);
}

/* A cap below the program's text and rodata: the core is left stock. */
TEST_F(knobs, max_forced_mb_leaves_stock_core)
{
	char *argv[] = { "/gcd/go/1.27-static/crasher", "panic", NULL };
	long long errors = lab_counter("errors");
	struct lab_proc p;
	struct elfcore c;
	struct seg_sum s;
	char last[256];

	ASSERT_EQ(0, lab_knob_write("max_forced_mb", "1"));
	if (LAB_CRASH(&p, argv, NULL, &c))
		return;
	seg_sum(&c, argv[0], &s);
	EXPECT_LT(1 << 20, s.text_mem + s.rodata_mem);	/* the cap bites */
	EXPECT_EQ(4096, s.text);
	EXPECT_EQ(0, s.rodata);
	EXPECT_EQ(errors + 1, lab_counter("errors"));
	ASSERT_EQ(0, lab_knob_read("last_error", last, sizeof(last)));
	EXPECT_NE(NULL, strstr(last, "max_forced_mb")) {
		TH_LOG("last_error: %s", last);
	}
	EXPECT_EQ(0, c.truncated);
	elfcore_close(&c);
}

/* Non-Go programs: untouched under scope=go, text forced under exec. */
TEST_F(knobs, c_program_untouched_under_scope_go)
{
	char *argv[] = { CCRASH, "segv", NULL };
	struct lab_proc p;
	struct elfcore a, b;
	size_t i;

	/* The note changes offsets; compare the program headers without it. */
	ASSERT_EQ(0, lab_knob_write("note", "0"));
	ASSERT_EQ(0, lab_knob_write("enabled", "0"));
	if (LAB_CRASH(&p, argv, NULL, &a))
		return;
	ASSERT_EQ(0, lab_knob_write("enabled", "1"));
	if (LAB_CRASH(&p, argv, NULL, &b))
		return;
	ASSERT_EQ(a.phnum, b.phnum);
	ASSERT_EQ(a.nsegs, b.nsegs);
	EXPECT_EQ(a.note_off, b.note_off);
	for (i = 0; i < a.nsegs; i++) {
		EXPECT_EQ(a.segs[i].offset, b.segs[i].offset);
		EXPECT_EQ(a.segs[i].filesz, b.segs[i].filesz);
		EXPECT_EQ(a.segs[i].memsz, b.segs[i].memsz);
		EXPECT_EQ(a.segs[i].flags, b.segs[i].flags);
	}
	elfcore_close(&a);
	elfcore_close(&b);
}

TEST_F(knobs, scope_exec_forces_c_text)
{
	char *argv[] = { CCRASH, "segv", NULL };
	char why[512] = "";
	struct lab_proc p;
	struct elfcore c;

	ASSERT_EQ(0, lab_knob_write("scope", "exec"));
	if (LAB_CRASH(&p, argv, NULL, &c))
		return;
	EXPECT_EQ(0, lab_check_forced(&c, CCRASH, why, sizeof(why))) {
		TH_LOG("%s", why);
	}
	elfcore_close(&c);
	/* And under scope=go the same check fails. */
	ASSERT_EQ(0, lab_knob_write("scope", "go"));
	if (LAB_CRASH(&p, argv, NULL, &c))
		return;
	EXPECT_EQ(-1, lab_check_forced(&c, CCRASH, why, sizeof(why)));
	elfcore_close(&c);
}

static int copy_over(const char *from, const char *to)
{
	size_t len;
	char *b = lab_read_file(from, &len);
	int fd, ok;

	if (!b)
		return -1;
	/* Rewrite in place: same inode, new content. */
	fd = open(to, O_WRONLY | O_CREAT | O_TRUNC, 0755);
	ok = fd >= 0 && write(fd, b, len) == (ssize_t)len;
	if (fd >= 0)
		close(fd);
	free(b);
	return ok ? 0 : -1;
}

/* The Go verdict is cached per inode, and a rewrite of the file is seen. */
TEST_F(knobs, cache_notices_rewritten_file)
{
	const char *x = "/tmp/rewritten";
	char *argv[] = { (char *)x, "panic", NULL };
	struct lab_proc p;
	struct elfcore c;
	struct seg_sum s;
	struct stat st1, st2;

	ASSERT_EQ(0, copy_over(GO_STATIC, x));
	ASSERT_EQ(0, stat(x, &st1));
	if (LAB_CRASH(&p, argv, NULL, &c))
		return;
	seg_sum(&c, x, &s);
	EXPECT_EQ(s.text_mem, s.text);
	elfcore_close(&c);

	ASSERT_EQ(0, copy_over(CCRASH, x));
	ASSERT_EQ(0, stat(x, &st2));
	ASSERT_EQ(st1.st_ino, st2.st_ino);	/* the same inode */
	argv[1] = "segv";
	if (LAB_CRASH(&p, argv, NULL, &c))
		return;
	seg_sum(&c, x, &s);
	EXPECT_GT(s.text_mem, s.text) {
		TH_LOG("the rewritten (now C) file was still forced as Go");
	}
	elfcore_close(&c);

	ASSERT_EQ(0, copy_over(GO_STATIC, x));
	argv[1] = "panic";
	if (LAB_CRASH(&p, argv, NULL, &c))
		return;
	seg_sum(&c, x, &s);
	EXPECT_EQ(s.text_mem, s.text);
	elfcore_close(&c);
	unlink(x);
}

/*
 * RLIMIT_CORE between the stock size and the forced size: forcing is
 * abandoned (counted), and the core is the complete stock core.
 */
TEST_F(knobs, rlimit_core_is_respected)
{
	char *argv[] = { GO_STATIC, "panic", NULL };
	struct lab_run_opts o = { 0 };
	long long errors;
	struct lab_proc p;
	struct elfcore c;
	struct seg_sum s;
	struct stat st;
	char last[256];

	ASSERT_EQ(0, lab_knob_write("enabled", "0"));
	if (LAB_CRASH(&p, argv, NULL, &c))
		return;
	ASSERT_EQ(0, stat(p.core, &st));
	elfcore_close(&c);
	ASSERT_EQ(0, lab_knob_write("enabled", "1"));

	/* Room for the stock core (bytes written, not holes), little more. */
	o.core_limit_set = 1;
	o.core_limit = (long)st.st_blocks * 512 + (1 << 20);
	errors = lab_counter("errors");
	if (LAB_CRASH(&p, argv, &o, &c))
		return;
	EXPECT_EQ(0, c.truncated) {
		TH_LOG("%s", c.problem);
	}
	seg_sum(&c, GO_STATIC, &s);
	EXPECT_EQ(4096, s.text);
	EXPECT_EQ(0, s.rodata);
	EXPECT_EQ(errors + 1, lab_counter("errors"));
	ASSERT_EQ(0, lab_knob_read("last_error", last, sizeof(last)));
	EXPECT_NE(NULL, strstr(last, "RLIMIT_CORE")) {
		TH_LOG("last_error: %s", last);
	}
	elfcore_close(&c);
}

/*
 * Another ftrace user on the module's own functions (function_graph here;
 * a BPF fexit program is the same) replaces their return addresses.  The
 * module must still tell its own calls of the originals from the kernel's:
 * one dump_skip_to() replacement per dump, not a recursion, and a good
 * core.
 */
TEST_F(knobs, function_graph_on_the_module)
{
	const char *T = "/sys/kernel/tracing/";
	char *argv[] = { GO_STATIC, "panic", NULL };
	char path[128], why[512] = "", *trace, *s;
	struct lab_proc p;
	struct elfcore c;
	int calls = 0;

	snprintf(path, sizeof(path), "%scurrent_tracer", T);
	if (access(path, W_OK))
		SKIP(return, "no tracefs at %s", T);
#define W(f, v) do { snprintf(path, sizeof(path), "%s%s", T, f); \
		     ASSERT_EQ(0, lab_write_file(path, v)); } while (0)
	W("current_tracer", "nop");
	W("set_ftrace_filter", "gcd_*");
	W("set_graph_function", "gcd_*");
	W("current_tracer", "function_graph");
	snprintf(path, sizeof(path), "%strace", T);
	close(open(path, O_WRONLY | O_TRUNC));
	if (LAB_CRASH(&p, argv, NULL, &c) == 0) {
		EXPECT_EQ(0, lab_check_forced(&c, GO_STATIC, why, sizeof(why))) {
			TH_LOG("%s", why);
		}
		EXPECT_NE(NULL, elfcore_note(&c, "GOCOREDUMP", 0x47430001, 0));
		elfcore_close(&c);
	}
	trace = lab_read_file(path, NULL);
	W("current_tracer", "nop");
	W("set_ftrace_filter", "");
	W("set_graph_function", "");
#undef W
	ASSERT_NE(NULL, trace);
	for (s = trace; (s = strstr(s, "gcd_note_dump_skip_to")) != NULL; s++)
		if (strstr(s, "()") && strstr(s, "()") < strchr(s, '\n'))
			calls++;
	EXPECT_EQ(1, calls) {
		TH_LOG("gcd_note_dump_skip_to entered %d times for one dump",
		       calls);
	}
	free(trace);
}

/* 20 Go processes crash at once: every core complete, counters add up. */
TEST_F(knobs, twenty_concurrent_crashes)
{
	enum { N = 20 };
	struct lab_proc p[N];
	int fd[N], i, started = 0;
	long long seen = lab_counter("dumps_seen");
	long long go = lab_counter("dumps_go");
	long long vmas = lab_counter("vmas_forced");
	long long bytes = lab_counter("bytes_forced");
	unsigned long long want_bytes = 0;
	struct lab_run_opts o = { 0 };

	for (i = 0; i < N; i++) {
		char *argv[] = { (char *)go_static[i % 5], "abort", NULL };

		ASSERT_EQ(0, lab_start(&p[i], argv, &o, &fd[i]));
	}
	for (i = 0; i < N; i++)
		started += lab_wait_ready(&p[i], fd[i], 60000) == 0;
	ASSERT_EQ(N, started);
	for (i = 0; i < N; i++)
		kill(p[i].pid, SIGABRT);
	for (i = 0; i < N; i++) {
		const char *exe = go_static[i % 5];
		char why[512] = "";
		struct elfcore c;
		struct seg_sum s;

		EXPECT_EQ(0, lab_wait(&p[i], fd[i]));
		EXPECT_NE(0, p[i].core[0]);
		if (!p[i].core[0])
			continue;
		ASSERT_EQ(0, elfcore_open(&c, p[i].core));
		EXPECT_EQ(0, c.truncated) {
			TH_LOG("core %d: %s", i, c.problem);
		}
		EXPECT_EQ(0, lab_check_forced(&c, exe, why, sizeof(why))) {
			TH_LOG("core %d: %s", i, why);
		}
		/* Stock: text keeps its first page, rodata nothing. */
		seg_sum(&c, exe, &s);
		want_bytes += s.text - 4096 + s.rodata;
		elfcore_close(&c);
	}
	EXPECT_EQ(seen + N, lab_counter("dumps_seen"));
	EXPECT_EQ(go + N, lab_counter("dumps_go"));
	EXPECT_EQ(vmas + 2 * N, lab_counter("vmas_forced"));
	EXPECT_EQ(bytes + (long long)want_bytes, lab_counter("bytes_forced"));
}

/* ---- twins ---- */

#define TWIN	"/gcd/bin/twin"

struct twin {
	pid_t pid;
	int in, out;
};

static int twin_start(struct twin *t)
{
	int in[2], out[2];
	char buf[64];
	ssize_t n;

	if (pipe2(in, O_CLOEXEC) || pipe2(out, O_CLOEXEC))
		return -1;
	t->pid = fork();
	if (t->pid < 0)
		return -1;
	if (t->pid == 0) {
		struct rlimit rl = { RLIM_INFINITY, RLIM_INFINITY };

		setrlimit(RLIMIT_CORE, &rl);
		lab_write_file("/proc/self/coredump_filter", "0x33");
		/*
		 * No rseq: the kernel writes the CPU number into the rseq
		 * area (in the TLS) whenever the parent or a child goes back
		 * to user space, and the twins would differ by it.
		 */
		setenv("GLIBC_TUNABLES", "glibc.pthread.rseq=0", 1);
		if (chdir("/tmp"))
			_exit(126);
		dup2(in[0], 0);
		dup2(out[1], 1);
		execl(TWIN, TWIN, (char *)NULL);
		_exit(127);
	}
	close(in[0]);
	close(out[1]);
	t->in = in[1];
	t->out = out[0];
	n = read(t->out, buf, sizeof(buf) - 1);
	return n > 0 && !strncmp(buf, "ready", 5) ? 0 : -1;
}

static void twin_stop(struct twin *t)
{
	close(t->in);
	close(t->out);
	waitpid(t->pid, NULL, 0);
}

/* One more twin crashes; path gets its core (the new file in LAB_CORES). */
static int twin_crash(struct twin *t, char *path, size_t len)
{
	char buf[16];
	struct dirent *de;
	DIR *d;

	lab_clean_cores();
	if (write(t->in, "x", 1) != 1 || read(t->out, buf, 8) != 8 ||
	    strncmp(buf, "crashed\n", 8))
		return -1;
	d = opendir(LAB_CORES);
	if (!d)
		return -1;
	path[0] = 0;
	while ((de = readdir(d)) != NULL)
		if (!strncmp(de->d_name, "core.", 5))
			snprintf(path, len, LAB_CORES "/%s", de->d_name);
	closedir(d);
	return path[0] ? 0 : -1;
}

/*
 * The vDSO's data pages ([vvar], and [vvar_vclock] from 6.15 on): the
 * kernel's time data, which 7.x dumps and which changes all the time.
 * The twins share their addresses with the parent.
 */
static void twin_vvar(pid_t pid, struct lab_ranges *v)
{
	char path[64], line[256];
	FILE *f;

	v->n = 0;
	snprintf(path, sizeof(path), "/proc/%d/maps", pid);
	f = fopen(path, "r");
	if (!f)
		return;
	while (fgets(line, sizeof(line), f) && v->n < 4) {
		unsigned long long lo, hi;

		if (strstr(line, "[vvar") &&
		    sscanf(line, "%llx-%llx", &lo, &hi) == 2) {
			v->lo[v->n] = lo;
			v->hi[v->n++] = hi;
		}
	}
	fclose(f);
}

/*
 * The core's bytes, with the kernel's per-process fields zeroed, and the
 * vDSO's data pages.
 */
static unsigned char *masked_core(const char *path,
				  const struct lab_ranges *v, size_t *len)
{
	struct elfcore c;
	unsigned char *b;
	size_t i;

	if (elfcore_open(&c, path))
		return NULL;
	b = malloc(c.size);
	if (!b) {
		elfcore_close(&c);
		return NULL;
	}
	memcpy(b, c.data, c.size);
	for (i = 0; i < c.nnotes; i++) {
		const struct elfcore_note *n = &c.notes[i];
		size_t off = n->desc - c.data;

		if (strcmp(n->name, ELFCORE_OWNER))
			continue;
		/* x86-64 elf_prstatus: pr_pid..pr_sid, the four timevals. */
		if (n->type == NT_PRSTATUS && n->descsz >= 112)
			memset(b + off + 32, 0, 112 - 32);
		/* elf_prpsinfo: pr_pid..pr_sid. */
		if (n->type == NT_PRPSINFO && n->descsz >= 40)
			memset(b + off + 24, 0, 16);
	}
	for (i = 0; i < c.nsegs; i++)
		if (lab_in_ranges(v, c.segs[i].vaddr) && c.segs[i].avail)
			memset(b + c.segs[i].offset, 0, c.segs[i].avail);
	*len = c.size;
	elfcore_close(&c);
	return b;
}

static const char *const all_counters[] = {
	"dumps_seen", "dumps_go", "vmas_forced", "bytes_forced", "errors",
	"notes_written", "notes_skipped", "verdicts_missed",
	"files_classified", "budget_exhausted", "vmas_not_resident",
	"rlimit_drops",
};

/* Calls of gcd_* functions by the twins in the function trace. */
static int twin_calls_traced(const char *trace)
{
	const char *s = trace;
	int n = 0;

	while ((s = strstr(s, "twin-")) != NULL) {
		const char *eol = strchr(s, '\n');
		const char *g = strstr(s, " gcd_");

		if (g && (!eol || g < eol))
			n++;
		s++;
	}
	return n;
}

TEST_F(knobs, disabled_core_is_byte_identical_to_no_module)
{
	const char *T = "/sys/kernel/tracing/";
	long long before[ARRAY_SIZE(all_counters)];
	char a[300], b[300], path[128], *trace;
	unsigned char *ma, *mb;
	size_t la = 0, lb = 0, i;
	struct twin t;
	struct lab_ranges v;
	int traced = 0;

	ASSERT_EQ(0, twin_start(&t));
	twin_vvar(t.pid, &v);
	ASSERT_EQ(0, lab_module_unload());
	ASSERT_EQ(0, twin_crash(&t, a, sizeof(a)));
	rename(a, "/tmp/core.nomodule");
	/*
	 * Loaded disabled, as "modprobe gocoredump enabled=0" does: loaded
	 * enabled, the exec of lab_compat_hooked()'s 32-bit program would
	 * queue its files for the worker, whose files_classified could move
	 * after the counters are read below (it did once, on a busy host).
	 */
	ASSERT_EQ(0, lab_module_load_params("enabled=0"));
	ASSERT_EQ(0, lab_compat_hooked());
	ASSERT_EQ(0, lab_knob_write("enabled", "0"));
	for (i = 0; i < ARRAY_SIZE(all_counters); i++)
		before[i] = lab_counter(all_counters[i]);
	snprintf(path, sizeof(path), "%scurrent_tracer", T);
	if (!access(path, W_OK)) {
		traced = 1;
		lab_write_file(path, "nop");
		snprintf(path, sizeof(path), "%sset_ftrace_filter", T);
		lab_write_file(path, "gcd_*");
		snprintf(path, sizeof(path), "%scurrent_tracer", T);
		lab_write_file(path, "function");
		snprintf(path, sizeof(path), "%strace", T);
		close(open(path, O_WRONLY | O_TRUNC));
	}
	ASSERT_EQ(0, twin_crash(&t, b, sizeof(b)));
	if (traced) {
		snprintf(path, sizeof(path), "%strace", T);
		trace = lab_read_file(path, NULL);
		snprintf(path, sizeof(path), "%scurrent_tracer", T);
		lab_write_file(path, "nop");
		snprintf(path, sizeof(path), "%sset_ftrace_filter", T);
		lab_write_file(path, "");
		ASSERT_NE(NULL, trace);
		EXPECT_EQ(0, twin_calls_traced(trace)) {
			TH_LOG("module code ran in the dumping task with enabled=0");
		}
		free(trace);
	}
	for (i = 0; i < ARRAY_SIZE(all_counters); i++)
		EXPECT_EQ(before[i], lab_counter(all_counters[i])) {
			TH_LOG("%s moved with enabled=0", all_counters[i]);
		}
	twin_stop(&t);
	ma = masked_core("/tmp/core.nomodule", &v, &la);
	mb = masked_core(b, &v, &lb);
	ASSERT_NE(NULL, ma);
	ASSERT_NE(NULL, mb);
	EXPECT_EQ(la, lb);
	for (i = 0; i < la && i < lb && ma[i] == mb[i]; i++)
		;
	EXPECT_EQ(la, i) {
		TH_LOG("the cores differ first at byte %#zx", i);
	}
	free(ma);
	free(mb);
	unlink("/tmp/core.nomodule");
}

TEST_F(knobs, rlimit_core_at_the_stock_size_keeps_the_stock_core)
{
	struct rlimit rl = { RLIM_INFINITY, RLIM_INFINITY };
	char a[300], b[300], why[512] = "", last[256];
	struct elfcore stock, mod;
	long long drops, errors;
	struct stat st;
	struct twin t;
	struct lab_ranges v;

	ASSERT_EQ(0, twin_start(&t));
	twin_vvar(t.pid, &v);
	ASSERT_EQ(0, lab_knob_write("enabled", "0"));
	ASSERT_EQ(0, twin_crash(&t, a, sizeof(a)));
	rename(a, "/tmp/core.stock");
	ASSERT_EQ(0, stat("/tmp/core.stock", &st));
	ASSERT_EQ(0, lab_knob_write("enabled", "1"));
	ASSERT_EQ(0, lab_knob_write("scope", "exec"));	/* force its text */

	/* Room for the stock core exactly. */
	rl.rlim_cur = rl.rlim_max = st.st_size;
	ASSERT_EQ(0, prlimit(t.pid, RLIMIT_CORE, &rl, NULL));
	drops = lab_counter("rlimit_drops");
	errors = lab_counter("errors");
	ASSERT_EQ(0, twin_crash(&t, b, sizeof(b)));
	ASSERT_EQ(0, elfcore_open(&stock, "/tmp/core.stock"));
	ASSERT_EQ(0, elfcore_open(&mod, b)) {
		TH_LOG("%s", mod.problem);
	}
	EXPECT_EQ(0, mod.truncated);
	EXPECT_GE((size_t)st.st_size, mod.size);
	EXPECT_EQ(0, lab_segments_equal(&stock, &mod, &v, why, sizeof(why))) {
		TH_LOG("%s (both cores in /out/rlimit-cores)", why);
		mkdir("/out/rlimit-cores", 0755);
		lab_sparse_copy("/tmp/core.stock", "/out/rlimit-cores/stock");
		lab_sparse_copy(b, "/out/rlimit-cores/module");
	}
	EXPECT_EQ(drops + 1, lab_counter("rlimit_drops"));
	EXPECT_EQ(errors + 1, lab_counter("errors"));
	ASSERT_EQ(0, lab_knob_read("last_error", last, sizeof(last)));
	EXPECT_NE(NULL, strstr(last, "RLIMIT_CORE")) {
		TH_LOG("last_error: %s", last);
	}
	elfcore_close(&mod);

	/* Without the limit the same twin's text is forced. */
	rl.rlim_cur = rl.rlim_max = RLIM_INFINITY;
	ASSERT_EQ(0, prlimit(t.pid, RLIMIT_CORE, &rl, NULL));
	ASSERT_EQ(0, twin_crash(&t, b, sizeof(b)));
	ASSERT_EQ(0, elfcore_open(&mod, b));
	EXPECT_EQ(0, lab_check_forced(&mod, TWIN, why, sizeof(why))) {
		TH_LOG("%s", why);
	}
	elfcore_close(&mod);
	elfcore_close(&stock);
	twin_stop(&t);
	unlink("/tmp/core.stock");
}

TEST_HARNESS_MAIN
