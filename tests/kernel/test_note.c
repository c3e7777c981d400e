// SPDX-License-Identifier: GPL-2.0
/*
 * test_note.c - the scheduler-metadata note (Documentation/note-format.rst)
 * says what the kernel knew, and adding it leaves the core well formed.
 *
 * For each Go program of the lab (Go 1.19 to 1.27; static, PIE, cgo, 386):
 *  - known values: the crasher pins a thread to CPU 1, sets SCHED_BATCH and
 *    nice 7 on another and names a third; the note shows exactly that, its
 *    tids are the core's NT_PRSTATUS tids in the same order, and the thread
 *    flagged as signalled is the one that crashed (first NT_PRSTATUS);
 *  - /proc cross-check: just before crashing the crasher wrote what
 *    /proc/self/task/TID/{sched,schedstat,stat} said; every count in the
 *    note is at least that, every time at least that and (but for
 *    run_delay, see below) at most that plus the time until the dump;
 *    and in pipe mode, where the helper can read /proc while the threads
 *    are parked for the dump, every value equals /proc's exactly;
 *  - the scheduler roots equal `nm`'s addresses (load bias added for PIE),
 *    and runtime.buildVersion there reads back as the Go version;
 *  - no 8-byte word of the note looks like a kernel address.
 * And, with a C program stopped and its memory snapshotted before the fatal
 * signal: every segment of the core, with and without the note, in file and
 * pipe mode, holds exactly the process's memory (so no offset moved wrong);
 * the knob turns the note off; a core with e_phnum at PN_XNUM is written
 * without the note and counted.  A Go program crashing in a new pid
 * namespace gets a note without a single global pid (GCD_PROC_F_PIDNS).
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <sched.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "core/gcdnote.h"
#include "lab.h"

#define TICK_NS		4000000ull	/* CONFIG_HZ=250 on Debian */
#define USER_HZ_NS	10000000ull	/* /proc stat's clock ticks */

FIXTURE(note) {
	char path[256], name[64], dir[128];
	int is386;
};

FIXTURE_VARIANT(note) {
	const char *name;
};

#define NOTE_VARIANT(id, str) \
	FIXTURE_VARIANT_ADD(note, id) { .name = str };
LAB_GO_PROGRAMS(NOTE_VARIANT)

FIXTURE_SETUP(note)
{
	snprintf(self->name, sizeof(self->name), "%s", variant->name);
	snprintf(self->dir, sizeof(self->dir), "/gcd/go/%s", variant->name);
	snprintf(self->path, sizeof(self->path), "%s/crasher", self->dir);
	self->is386 = strstr(variant->name, "386") != NULL;
	ASSERT_EQ(0, access(self->path, X_OK));
	ASSERT_TRUE(lab_module_loaded());
	lab_knobs_default();
	lab_clean_cores();
	ASSERT_EQ(0, lab_set_core_pattern(LAB_CORES "/core.%p"));
}

FIXTURE_TEARDOWN(note)
{
	lab_knobs_default();
	lab_clean_cores();
	lab_set_core_pattern(LAB_CORES "/core.%p");
}

/* One line of the crasher's /proc record. */
struct rec {
	uint32_t tid;
	char role[16];
	uint64_t sum_exec, nvcsw, nivcsw, migr, run_delay, pcount;
	uint64_t minflt, majflt, uticks, sticks;
};

/* The value of " key=" (or "key=" at the start) in a record line. */
static int field(const char *line, const char *key, uint64_t *v)
{
	size_t len = strlen(key);
	const char *p = line;

	while ((p = strstr(p, key)) != NULL) {
		if ((p == line || p[-1] == ' ') && p[len] == '=') {
			*v = strtoull(p + len + 1, NULL, 10);
			return 0;
		}
		p += len;
	}
	return -1;
}

/*
 * Read a record written by the crasher (lines "boottime_ns=N" and
 * "tid=N role=R key=N ...") or by corecat -p (the same without role).
 */
static int read_record(const char *path, uint64_t *t0, struct rec *r, int max)
{
	FILE *f = fopen(path, "r");
	char line[512];
	int n = 0;

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		uint64_t tid;
		const char *role;
		struct rec *x = &r[n];

		if (!strncmp(line, "boottime_ns=", 12)) {
			*t0 = strtoull(line + 12, NULL, 10);
			continue;
		}
		if (n >= max || field(line, "tid", &tid))
			continue;
		memset(x, 0, sizeof(*x));
		x->tid = (uint32_t)tid;
		role = strstr(line, " role=");
		if (role)
			sscanf(role + 6, "%15[a-z]", x->role);
		if (field(line, "sum_exec_runtime_ns", &x->sum_exec) ||
		    field(line, "nvcsw", &x->nvcsw) ||
		    field(line, "nivcsw", &x->nivcsw) ||
		    field(line, "nr_migrations", &x->migr) ||
		    field(line, "run_delay_ns", &x->run_delay) ||
		    field(line, "pcount", &x->pcount) ||
		    field(line, "minflt", &x->minflt) ||
		    field(line, "majflt", &x->majflt) ||
		    field(line, "utime_ticks", &x->uticks) ||
		    field(line, "stime_ticks", &x->sticks))
			continue;
		n++;
	}
	fclose(f);
	return n;
}

static const struct gcd_thread *note_thread(const struct gcd_note *n,
					    uint32_t tid)
{
	size_t i;

	for (i = 0; i < n->nthreads; i++)
		if (n->threads[i].tid == tid)
			return &n->threads[i];
	return NULL;
}

/* Every 8-byte word of every gocoredump note is below the kernel's half. */
static int no_kernel_words(const struct elfcore *c, char *why, size_t len)
{
	size_t i, k;

	for (i = 0; i < c->nnotes; i++) {
		const struct elfcore_note *n = &c->notes[i];

		if (strcmp(n->name, GCD_NOTE_NAME))
			continue;
		for (k = 0; k + 8 <= n->descsz; k += 8) {
			uint64_t w;

			memcpy(&w, n->desc + k, 8);
			if (w >= 0xffff800000000000ull) {
				snprintf(why, len, "note type %#x word at %zu is %#" PRIx64,
					 n->type, k, w);
				return -1;
			}
		}
	}
	return 0;
}

static uint64_t first_pt_load_vaddr(const char *path)
{
	size_t len;
	uint8_t *f = (uint8_t *)lab_read_file(path, &len);
	uint64_t v = 0, phoff;
	unsigned int phnum, phent, i;
	int is64;

	if (!f || len < 64)
		goto out;
	is64 = f[4] == 2;
	phoff = is64 ? *(uint64_t *)(f + 32) : *(uint32_t *)(f + 28);
	phent = *(uint16_t *)(f + (is64 ? 54 : 42));
	phnum = *(uint16_t *)(f + (is64 ? 56 : 44));
	for (i = 0; i < phnum && phoff + (i + 1) * phent <= len; i++) {
		uint8_t *p = f + phoff + i * phent;

		if (*(uint32_t *)p != 1)
			continue;
		if (is64)
			v = *(uint64_t *)(p + 16) - *(uint64_t *)(p + 8);
		else
			v = *(uint32_t *)(p + 8) - *(uint32_t *)(p + 4);
		v &= ~4095ull;
		break;
	}
out:
	free(f);
	return v;
}

/* Crash the program in threads mode; decode its note. */
static int crash_threads(struct __test_metadata *_metadata,
			 FIXTURE_DATA(note) *self, struct lab_proc *p,
			 struct elfcore *c, struct gcd_note *n, char *rec)
{
	char *argv[] = { self->path, "threads", rec, NULL };
	int r;

	if (LAB_CRASH(p, argv, NULL, c))
		return -1;
	memset(n, 0, sizeof(*n));
	r = gcdnote_from_core(c, n);
	EXPECT_EQ(1, r) {
		TH_LOG("gocoredump note: %s", r ? n->problem : "absent");
		return -1;
	}
	return 0;
}

TEST_F(note, known_values)
{
	char rec[128], buf[64], why[256] = "";
	long long seq_before = lab_counter("dumps_seen");
	long long bytes_before = lab_counter("bytes_forced");
	long long vmas_before = lab_counter("vmas_forced");
	struct lab_proc p;
	struct elfcore c;
	struct gcd_note n;
	struct utsname u;
	size_t i, k, nprs = 0;
	uint32_t crash_tid, tid;
	int signalled = 0, pinned = 0, batch = 0, named = 0;

	snprintf(rec, sizeof(rec), "/tmp/rec.%s", self->name);
	if (crash_threads(_metadata, self, &p, &c, &n, rec))
		return;
	ASSERT_NE(NULL, lab_out_value(&p, "crash_tid", buf, sizeof(buf)));
	crash_tid = (uint32_t)atoi(buf);

	/* Process record. */
	uname(&u);
	EXPECT_EQ(GCD_NOTE_VERSION, n.proc.version);
	EXPECT_STREQ(u.release, n.proc.release);
	EXPECT_EQ((uint64_t)seq_before + 1, n.proc.seq);
	EXPECT_EQ(seq_before + 1, lab_counter("dumps_seen"));
	EXPECT_EQ(SIGABRT, n.proc.signo);
	EXPECT_EQ((uint32_t)p.pid, n.proc.tgid);
	EXPECT_EQ((uint32_t)p.pid, n.proc.ns_tgid);
	EXPECT_EQ(crash_tid, n.proc.pid);
	EXPECT_EQ(0x33, n.proc.coredump_filter);
	EXPECT_EQ(0x37, n.proc.effective_filter);
	EXPECT_LE(2, n.proc.forced_vmas);	/* text, rodata (+ headers) */
	EXPECT_EQ(lab_counter("vmas_forced") - vmas_before,
		  (long long)n.proc.forced_vmas);
	EXPECT_EQ(lab_counter("bytes_forced") - bytes_before,
		  (long long)n.proc.forced_bytes);
	EXPECT_TRUE(n.proc.flags & GCD_PROC_F_GO);
	EXPECT_TRUE(n.proc.flags & GCD_PROC_F_BUILDINFO);
	EXPECT_EQ(!!self->is386, !!(n.proc.flags & GCD_PROC_F_COMPAT));
	snprintf(buf, sizeof(buf), "go%.*s", (int)strcspn(self->name, "-"),
		 self->name);
	EXPECT_EQ(0, strncmp(n.proc.go_version, buf, strlen(buf))) {
		TH_LOG("go_version %s, want %s.x", n.proc.go_version, buf);
	}
	EXPECT_STREQ("example.com/gocoredump/crasher", n.proc.go_module);

	/* Threads: the NT_PRSTATUS tids, in order. */
	for (i = 0; i < c.nnotes; i++) {
		struct core_regs pr;

		if (c.notes[i].type != NT_PRSTATUS ||
		    strcmp(c.notes[i].name, ELFCORE_OWNER))
			continue;
		ASSERT_EQ(0, elfcore_prstatus(&c, &c.notes[i], &pr));
		ASSERT_LT(nprs, n.nthreads);
		EXPECT_EQ(pr.pid, n.threads[nprs].ns_tid) {
			TH_LOG("NT_PRSTATUS %zu is tid %u, the note's record %zu is %u",
			       nprs, pr.pid, nprs, n.threads[nprs].ns_tid);
		}
		if (nprs == 0)
			EXPECT_EQ(SIGABRT, pr.cursig);
		nprs++;
	}
	EXPECT_EQ(nprs, n.nthreads);
	EXPECT_EQ(n.proc.nr_threads, n.nthreads);

	for (k = 0; k < n.nthreads; k++) {
		const struct gcd_thread *t = &n.threads[k];

		EXPECT_EQ(t->tid, t->ns_tid);	/* one pid namespace */
		if (t->flags & GCD_THR_F_SIGNALLED) {
			signalled++;
			EXPECT_EQ(0, k);	/* the first NT_PRSTATUS */
			EXPECT_EQ(crash_tid, t->tid);
		}
	}
	EXPECT_EQ(1, signalled);

	/* The roles the crasher printed. */
	for (k = 0; k < 3; k++) {
		static const char *const roles[] = { "pinned", "batch", "named" };
		const struct gcd_thread *t;
		char key[32];
		const char *s = p.out;

		snprintf(key, sizeof(key), "role=%s tid=", roles[k]);
		s = strstr(s, key);
		ASSERT_NE(NULL, s);
		tid = (uint32_t)atoi(s + strlen(key));
		t = note_thread(&n, tid);
		ASSERT_NE(NULL, t) {
			TH_LOG("no record for %s thread %u", roles[k], tid);
		}
		if (k == 0) {
			pinned = 1;
			EXPECT_EQ(1, t->nr_cpus_allowed);
			EXPECT_EQ(0x02, t->cpus_allowed[0]);
			for (i = 1; i < GCD_CPUMASK_WORDS; i++)
				EXPECT_EQ(0, t->cpus_allowed[i]);
			EXPECT_EQ(1, t->last_cpu);
		} else if (k == 1) {
			batch = 1;
			EXPECT_EQ(3, t->policy);	/* SCHED_BATCH */
			EXPECT_EQ(7, t->nice);
			EXPECT_EQ(127, t->static_prio);
			EXPECT_EQ(0, t->rt_priority);
		} else {
			named = 1;
			EXPECT_STREQ("gcd-named", t->comm);
			EXPECT_EQ(0, t->policy);
			EXPECT_EQ(0, t->nice);
		}
		EXPECT_TRUE(t->flags & GCD_THR_F_SCHED_INFO);
		EXPECT_NE(0, t->start_time_ns);
	}
	EXPECT_TRUE(pinned && batch && named);
	EXPECT_EQ(0, no_kernel_words(&c, why, sizeof(why))) {
		TH_LOG("%s", why);
	}
	gcdnote_free(&n);
	elfcore_close(&c);
}

TEST_F(note, proc_cross_check)
{
	char rec[128];
	struct rec r[64];
	struct lab_proc p;
	struct elfcore c;
	struct gcd_note n;
	uint64_t t0 = 0, wall;
	int nr, i;

	snprintf(rec, sizeof(rec), "/tmp/rec.%s", self->name);
	if (crash_threads(_metadata, self, &p, &c, &n, rec))
		return;
	nr = read_record(rec, &t0, r, 64);
	ASSERT_LT(3, nr);
	ASSERT_LT(t0, n.proc.boottime_ns);
	wall = n.proc.boottime_ns - t0;
	TH_LOG("%d threads recorded, %.3f ms before the dump", nr, wall / 1e6);
	for (i = 0; i < nr; i++) {
		const struct gcd_thread *t = note_thread(&n, r[i].tid);
		uint64_t ulo = r[i].uticks * USER_HZ_NS;
		uint64_t slo = r[i].sticks * USER_HZ_NS;

		ASSERT_NE(NULL, t) {
			TH_LOG("thread %u of /proc is not in the note", r[i].tid);
		}
		/* Counts never go back. */
		EXPECT_LE(r[i].nvcsw, t->nvcsw);
		EXPECT_LE(r[i].nivcsw, t->nivcsw);
		EXPECT_LE(r[i].migr, t->nr_migrations);
		EXPECT_LE(r[i].pcount, t->pcount);
		EXPECT_LE(r[i].minflt, t->min_flt);
		EXPECT_LE(r[i].majflt, t->maj_flt);
		/*
		 * Times grow by at most the wall time.  /proc's stat times
		 * are whole clock ticks (rounded down); a running thread's
		 * runtime in /proc may lag by up to one scheduler tick.
		 */
		EXPECT_LE(r[i].sum_exec, t->sum_exec_runtime_ns);
		EXPECT_GE(r[i].sum_exec + wall + TICK_NS, t->sum_exec_runtime_ns) {
			TH_LOG("tid %u: runtime %" PRIu64 " -> %" PRIu64 " in %" PRIu64 " ns",
			       r[i].tid, r[i].sum_exec, t->sum_exec_runtime_ns, wall);
		}
		/*
		 * run_delay grows when a wait ends, by the whole wait, and a
		 * wait that began before the record shows in full: seen here
		 * to exceed the record plus the wall time by up to 25 ms, even
		 * for threads /proc called sleeping.  So only its lower bound
		 * is checked against the record; at_dump_equals_proc checks it
		 * for equality with /proc at the moment of the dump.
		 */
		EXPECT_LE(r[i].run_delay, t->run_delay_ns);
		EXPECT_LE(ulo, t->utime_ns);
		EXPECT_GE(ulo + USER_HZ_NS + wall + TICK_NS, t->utime_ns);
		EXPECT_LE(slo, t->stime_ns);
		EXPECT_GE(slo + USER_HZ_NS + wall + TICK_NS, t->stime_ns);
	}
	gcdnote_free(&n);
	elfcore_close(&c);
}

TEST_F(note, roots_match_nm)
{
	static const char *const names[GCD_ROOT_COUNT] = {
		"runtime.allgs", "runtime.allglen", "runtime.allm",
		"runtime.allp", "runtime.sched", "runtime.firstmoduledata",
		"runtime.buildVersion",
	};
	char nmpath[256], line[256], *argv[] = { self->path, "panic", NULL };
	uint64_t want[GCD_ROOT_COUNT] = { 0 }, bias = 0;
	struct lab_mapping m[64];
	struct lab_proc p;
	struct elfcore c;
	struct gcd_note n;
	unsigned int k, found = 0;
	FILE *f;
	int nm, i;

	snprintf(nmpath, sizeof(nmpath), "%s/nm.txt", self->dir);
	f = fopen(nmpath, "r");
	ASSERT_NE(NULL, f);
	while (fgets(line, sizeof(line), f)) {
		char sym[64];
		unsigned long long v;

		if (sscanf(line, "%63s %llx", sym, &v) != 2)
			continue;
		for (k = 0; k < GCD_ROOT_COUNT; k++)
			if (!strcmp(sym, names[k])) {
				want[k] = v;
				found |= 1u << k;
			}
	}
	fclose(f);
	ASSERT_EQ((1u << GCD_ROOT_COUNT) - 1, found);

	ASSERT_EQ(0, lab_run(&p, argv, NULL));
	ASSERT_EQ(0, elfcore_open(&c, p.core));
	memset(&n, 0, sizeof(n));
	ASSERT_EQ(1, gcdnote_from_core(&c, &n));

	/* The load bias, from the core's NT_FILE and the file's headers. */
	nm = lab_file_mappings(&c, self->path, m, 64);
	for (i = 0; i < nm; i++)
		if (m[i].file_off == 0)
			bias = m[i].start - first_pt_load_vaddr(self->path);
	EXPECT_EQ(!!(n.proc.flags & GCD_PROC_F_PIE), bias != 0);
	EXPECT_EQ(bias, n.proc.load_bias);
	for (k = 0; k < GCD_ROOT_COUNT; k++) {
		EXPECT_TRUE(n.proc.roots_present & (1u << k));
		EXPECT_EQ(want[k] + bias, n.proc.roots[k]) {
			TH_LOG("%s: note %#" PRIx64 ", nm %#" PRIx64 " + bias %#" PRIx64,
			       names[k], n.proc.roots[k], want[k], bias);
		}
	}
	/* And runtime.buildVersion, read through the core, is the version. */
	{
		unsigned int w = self->is386 ? 4 : 8;
		uint64_t ptr = 0, len = 0;
		char v[64] = "";

		ASSERT_EQ(0, elfcore_read(&c, n.proc.roots[GCD_ROOT_BUILDVERSION],
					  &ptr, w));
		ASSERT_EQ(0, elfcore_read(&c, n.proc.roots[GCD_ROOT_BUILDVERSION] + w,
					  &len, w));
		ASSERT_GT(sizeof(v), len);
		ASSERT_EQ(0, elfcore_read(&c, ptr, v, len));
		EXPECT_STREQ(n.proc.go_version, v);
	}
	gcdnote_free(&n);
	elfcore_close(&c);
}

/*
 * In pipe mode the kernel starts the helper after the other threads are
 * parked for the dump; the helper (corecat -p) reads /proc for them while
 * the core streams.  Those threads are frozen, so each of their values in
 * the note must be exactly what /proc said.
 */
TEST_F(note, at_dump_equals_proc)
{
	char *argv[] = { self->path, "panic", NULL };
	char path[160];
	struct rec r[64];
	struct lab_proc p;
	struct elfcore c;
	struct gcd_note n;
	uint64_t t0 = 0;
	int nr, i, fd, checked = 0;

	ASSERT_EQ(0, lab_set_core_pattern("|/gcd/bin/corecat -p %P " LAB_CORES
					  "/pipe.%p"));
	ASSERT_EQ(0, lab_start(&p, argv, NULL, &fd));
	lab_wait(&p, fd);
	ASSERT_EQ(0, lab_piped_core(p.pid, &c, path, sizeof(path))) {
		TH_LOG("%s: %s", path, c.problem);
	}
	memset(&n, 0, sizeof(n));
	ASSERT_EQ(1, gcdnote_from_core(&c, &n));
	snprintf(path, sizeof(path), LAB_CORES "/pipe.%d.proc", p.pid);
	nr = read_record(path, &t0, r, 64);
	ASSERT_EQ((int)n.nthreads, nr) {
		TH_LOG("/proc had %d threads at the dump, the note %zu", nr,
		       n.nthreads);
	}
	for (i = 0; i < nr; i++) {
		const struct gcd_thread *t = note_thread(&n, r[i].tid);

		ASSERT_NE(NULL, t);
		if (t->flags & GCD_THR_F_SIGNALLED)
			continue;	/* the dumping thread is still running */
		EXPECT_EQ(r[i].sum_exec, t->sum_exec_runtime_ns);
		EXPECT_EQ(r[i].run_delay, t->run_delay_ns);
		EXPECT_EQ(r[i].pcount, t->pcount);
		EXPECT_EQ(r[i].nvcsw, t->nvcsw);
		EXPECT_EQ(r[i].nivcsw, t->nivcsw);
		EXPECT_EQ(r[i].migr, t->nr_migrations);
		EXPECT_EQ(r[i].minflt, t->min_flt);
		EXPECT_EQ(r[i].majflt, t->maj_flt);
		EXPECT_EQ(r[i].uticks, t->utime_ns / USER_HZ_NS);
		EXPECT_EQ(r[i].sticks, t->stime_ns / USER_HZ_NS);
		checked++;
	}
	EXPECT_LT(0, checked);
	gcdnote_free(&n);
	elfcore_close(&c);
}

/* The note is there in pipe mode too, with the same thread set. */
TEST_F(note, pipe_mode_carries_the_note)
{
	char *argv[] = { self->path, "panic", NULL };
	char path[128];
	struct lab_proc p;
	struct elfcore c;
	struct gcd_note n;
	size_t i, nprs = 0;
	int fd;

	ASSERT_EQ(0, lab_set_core_pattern("|/gcd/bin/corecat " LAB_CORES
					  "/pipe.%p"));
	ASSERT_EQ(0, lab_start(&p, argv, NULL, &fd));
	lab_wait(&p, fd);
	ASSERT_EQ(0, lab_piped_core(p.pid, &c, path, sizeof(path))) {
		TH_LOG("%s: %s", path, c.problem);
	}
	EXPECT_EQ(0, c.truncated);
	memset(&n, 0, sizeof(n));
	ASSERT_EQ(1, gcdnote_from_core(&c, &n)) {
		TH_LOG("%s", n.problem);
	}
	for (i = 0; i < c.nnotes; i++) {
		struct core_regs pr;

		if (c.notes[i].type != NT_PRSTATUS ||
		    strcmp(c.notes[i].name, ELFCORE_OWNER))
			continue;
		ASSERT_EQ(0, elfcore_prstatus(&c, &c.notes[i], &pr));
		ASSERT_LT(nprs, n.nthreads);
		EXPECT_EQ(pr.pid, n.threads[nprs].ns_tid);
		nprs++;
	}
	EXPECT_EQ(nprs, n.nthreads);
	gcdnote_free(&n);
	elfcore_close(&c);
}

/* --- the C program, stopped and snapshotted --- */

struct region {
	uint64_t start, end;
	uint8_t *bytes;		/* NULL when unreadable (vvar, guard) */
};

static int snapshot(pid_t pid, struct region *r, int max)
{
	char path[64], line[512];
	FILE *maps;
	int mem, n = 0;

	snprintf(path, sizeof(path), "/proc/%d/maps", pid);
	maps = fopen(path, "r");
	snprintf(path, sizeof(path), "/proc/%d/mem", pid);
	mem = open(path, O_RDONLY);
	if (!maps || mem < 0)
		return -1;
	while (fgets(line, sizeof(line), maps) && n < max) {
		unsigned long long s, e;

		if (sscanf(line, "%llx-%llx", &s, &e) != 2)
			continue;
		r[n].start = s;
		r[n].end = e;
		r[n].bytes = malloc(e - s);
		if (r[n].bytes &&
		    pread(mem, r[n].bytes, e - s, (off_t)s) != (ssize_t)(e - s)) {
			free(r[n].bytes);
			r[n].bytes = NULL;
		}
		n++;
	}
	fclose(maps);
	close(mem);
	return n;
}

/*
 * Stop the C program, snapshot its memory, send it SIGABRT and let it go:
 * it dumps without running a single user instruction, so the core's
 * segments must hold exactly the snapshot.  16 threads make the note
 * larger than a page, so the segment data must move.
 */
static void snapshot_crash(struct __test_metadata *_metadata, int pipe_mode,
			   int want_note)
{
	char *argv[] = { "/gcd/bin/ccrash", "abort", "16", NULL };
	/*
	 * No rseq: the kernel writes a thread's rseq area (its CPU number)
	 * when the thread goes back to user space, which the 16 threads do
	 * on SIGCONT before the dump stops them: memory would change with
	 * no user instruction run.
	 */
	struct lab_run_opts o = { .env = { "GLIBC_TUNABLES=glibc.pthread.rseq=0" } };
	struct region r[256];
	struct lab_proc p;
	struct elfcore c;
	char path[300];
	int fd, n, i, st, compared = 0;
	size_t s;

	ASSERT_EQ(0, lab_knob_write("note", want_note ? "1" : "0"));
	ASSERT_EQ(0, lab_knob_write("scope", "exec"));	/* force its text too */
	if (pipe_mode)
		ASSERT_EQ(0, lab_set_core_pattern("|/gcd/bin/corecat " LAB_CORES
						  "/pipe.%p"));
	ASSERT_EQ(0, lab_start(&p, argv, &o, &fd));
	ASSERT_EQ(0, lab_wait_ready(&p, fd, 60000));
	ASSERT_EQ(0, kill(p.pid, SIGSTOP));
	ASSERT_EQ(p.pid, waitpid(p.pid, &st, WUNTRACED));
	ASSERT_TRUE(WIFSTOPPED(st));
	n = snapshot(p.pid, r, 256);
	ASSERT_LT(0, n);
	ASSERT_EQ(0, kill(p.pid, SIGABRT));
	ASSERT_EQ(0, kill(p.pid, SIGCONT));
	lab_wait(&p, fd);
	ASSERT_TRUE(WIFSIGNALED(p.status));
	if (pipe_mode) {
		ASSERT_EQ(0, lab_piped_core(p.pid, &c, path, sizeof(path))) {
			TH_LOG("%s: %s", path, c.problem);
		}
	} else {
		snprintf(path, sizeof(path), "%s", p.core);
		ASSERT_EQ(0, elfcore_open(&c, path)) {
			TH_LOG("%s: %s", path, c.problem);
		}
	}
	EXPECT_EQ(0, c.truncated);
	EXPECT_EQ(!!want_note,
		  elfcore_note(&c, GCD_NOTE_NAME, GCD_NT_PROCESS, 0) != NULL);
	for (s = 0; s < c.nsegs; s++) {
		const struct elfcore_seg *g = &c.segs[s];

		if (!g->filesz)
			continue;
		for (i = 0; i < n; i++)
			if (r[i].start == g->vaddr)
				break;
		ASSERT_LT(i, n) {
			TH_LOG("segment %#" PRIx64 " is not a mapping of the process",
			       g->vaddr);
		}
		if (!r[i].bytes)
			continue;
		ASSERT_EQ(r[i].end - r[i].start, g->memsz);
		EXPECT_EQ(0, memcmp(c.data + g->offset, r[i].bytes, g->filesz)) {
			TH_LOG("%s mode, note %s: segment %#" PRIx64 " differs from the process's memory",
			       pipe_mode ? "pipe" : "file", want_note ? "on" : "off",
			       g->vaddr);
		}
		compared++;
	}
	EXPECT_LT(4, compared);
	for (i = 0; i < n; i++)
		free(r[i].bytes);
	elfcore_close(&c);
	lab_set_core_pattern(LAB_CORES "/core.%p");
}

FIXTURE(cprog) {
	int unused;
};

FIXTURE_SETUP(cprog)
{
	ASSERT_TRUE(lab_module_loaded());
	lab_knobs_default();
	lab_clean_cores();
	ASSERT_EQ(0, lab_set_core_pattern(LAB_CORES "/core.%p"));
}

FIXTURE_TEARDOWN(cprog)
{
	lab_knobs_default();
	lab_clean_cores();
	lab_set_core_pattern(LAB_CORES "/core.%p");
}

TEST_F(cprog, segments_are_memory_file_mode_with_note)
{
	snapshot_crash(_metadata, 0, 1);
}

TEST_F(cprog, segments_are_memory_file_mode_without_note)
{
	snapshot_crash(_metadata, 0, 0);
}

TEST_F(cprog, segments_are_memory_pipe_mode_with_note)
{
	snapshot_crash(_metadata, 1, 1);
}

TEST_F(cprog, segments_are_memory_pipe_mode_without_note)
{
	snapshot_crash(_metadata, 1, 0);
}

TEST_F(cprog, note_knob_off)
{
	char *argv[] = { "/gcd/bin/ccrash", "segv", NULL };
	long long written = lab_counter("notes_written");
	struct lab_proc p;
	struct elfcore c;

	ASSERT_EQ(0, lab_knob_write("note", "0"));
	ASSERT_EQ(0, lab_run(&p, argv, NULL));
	ASSERT_EQ(0, elfcore_open(&c, p.core));
	EXPECT_EQ(NULL, elfcore_note(&c, GCD_NOTE_NAME, GCD_NT_PROCESS, 0));
	EXPECT_EQ(NULL, elfcore_note(&c, GCD_NOTE_NAME, GCD_NT_THREADS, 0));
	EXPECT_EQ(written, lab_counter("notes_written"));
	elfcore_close(&c);
	ASSERT_EQ(0, lab_knob_write("note", "1"));
	ASSERT_EQ(0, lab_run(&p, argv, NULL));
	ASSERT_EQ(0, elfcore_open(&c, p.core));
	EXPECT_NE(NULL, elfcore_note(&c, GCD_NOTE_NAME, GCD_NT_PROCESS, 0));
	EXPECT_EQ(written + 1, lab_counter("notes_written"));
	elfcore_close(&c);
}

/*
 * More than 65535 mappings: e_phnum is PN_XNUM and the note stays out.
 * The program's text is forced (scope=exec), so the section header that
 * carries the real count sits after more data than the stock core has:
 * vma_data_size must have grown with the forcing for it to be found.
 */
TEST_F(cprog, pn_xnum_core_is_written_without_the_note)
{
	char *argv[] = { "/gcd/bin/ccrash", "vmas", "34000", NULL };
	long long skipped = lab_counter("notes_skipped");
	long long written = lab_counter("notes_written");
	long long forced = lab_counter("vmas_forced");
	struct lab_proc p;
	struct elfcore c;
	char last[256];
	size_t i;
	int big_text = 0;

	ASSERT_EQ(0, lab_knob_write("scope", "exec"));
	ASSERT_EQ(0, lab_run(&p, argv, NULL));
	ASSERT_NE(0, p.core[0]);
	ASSERT_EQ(0, elfcore_open(&c, p.core)) {
		TH_LOG("%s", c.problem);
	}
	EXPECT_EQ(0, c.truncated);
	EXPECT_LT(65535, c.phnum);
	EXPECT_EQ(NULL, elfcore_note(&c, GCD_NOTE_NAME, GCD_NT_PROCESS, 0));
	EXPECT_NE(NULL, elfcore_note(&c, ELFCORE_OWNER, NT_PRSTATUS, 0));
	EXPECT_EQ(skipped + 1, lab_counter("notes_skipped"));
	EXPECT_EQ(written, lab_counter("notes_written"));
	/*
	 * With this many mappings the kernel leaves NT_FILE out (over its
	 * 4 MiB cap), so look for the C library's text by its shape: an
	 * executable segment of over a MiB, whole.
	 */
	EXPECT_LT(forced, lab_counter("vmas_forced"));
	for (i = 0; i < c.nsegs; i++)
		if ((c.segs[i].flags & PF_X) && c.segs[i].memsz > (1 << 20) &&
		    c.segs[i].filesz == c.segs[i].memsz)
			big_text++;
	EXPECT_LT(0, big_text);
	ASSERT_EQ(0, lab_knob_read("last_error", last, sizeof(last)));
	EXPECT_NE(NULL, strstr(last, "PN_XNUM")) {
		TH_LOG("last_error: %s", last);
	}
	elfcore_close(&c);
}

/*
 * The Go crasher as pid 2 of a new pid namespace (pid 1, its parent, is a
 * plain fork that waits: a namespace's init ignores the default-action
 * signal the Go runtime raises).  The note must carry the namespace's
 * pids only.
 */
TEST_F(cprog, pid_namespace_hides_global_pids)
{
	char *argv[] = { "/gcd/go/1.22-static/crasher", "panic", NULL };
	char core[300] = "";
	struct dirent *de;
	struct elfcore c;
	struct gcd_note n;
	pid_t outer, global = 0;
	size_t i;
	int st;
	DIR *dir;

	ASSERT_EQ(0, lab_set_core_pattern(LAB_CORES "/ns.%P"));
	outer = fork();
	ASSERT_LE(0, outer);
	if (outer == 0) {
		struct rlimit rl = { RLIM_INFINITY, RLIM_INFINITY };
		pid_t init, child;

		setrlimit(RLIMIT_CORE, &rl);
		if (unshare(CLONE_NEWPID))
			_exit(10);
		init = fork();
		if (init < 0)
			_exit(11);
		if (init == 0) {
			child = fork();
			if (child == 0) {
				int fd = open("/dev/null", O_WRONLY);

				dup2(fd, 1);
				dup2(fd, 2);
				setenv("GOTRACEBACK", "crash", 1);
				execv(argv[0], argv);
				_exit(127);
			}
			waitpid(child, &st, 0);
			_exit(WIFSIGNALED(st) ? 0 : 12);
		}
		waitpid(init, &st, 0);
		_exit(WIFEXITED(st) ? WEXITSTATUS(st) : 13);
	}
	ASSERT_EQ(outer, waitpid(outer, &st, 0));
	ASSERT_EQ(0, WEXITSTATUS(st)) {
		TH_LOG("the crasher in the new pid namespace did not die of a signal (%d)",
		       WEXITSTATUS(st));
	}
	dir = opendir(LAB_CORES);
	ASSERT_NE(NULL, dir);
	while ((de = readdir(dir)) != NULL)
		if (!strncmp(de->d_name, "ns.", 3)) {
			snprintf(core, sizeof(core), LAB_CORES "/%s", de->d_name);
			global = atoi(de->d_name + 3);
		}
	closedir(dir);
	ASSERT_NE(0, core[0]);
	ASSERT_EQ(0, elfcore_open(&c, core)) {
		TH_LOG("%s: %s", core, c.problem);
	}
	memset(&n, 0, sizeof(n));
	ASSERT_EQ(1, gcdnote_from_core(&c, &n)) {
		TH_LOG("%s", n.problem);
	}
	TH_LOG("global pid %d, in its namespace %u", global, n.proc.ns_tgid);
	EXPECT_TRUE(n.proc.flags & GCD_PROC_F_PIDNS);
	EXPECT_EQ(0, n.proc.pid);
	EXPECT_EQ(0, n.proc.tgid);
	EXPECT_EQ(2, n.proc.ns_tgid);
	EXPECT_NE((uint32_t)global, n.proc.ns_tgid);
	EXPECT_LT(0, n.nthreads);
	for (i = 0; i < n.nthreads; i++) {
		EXPECT_EQ(0, n.threads[i].tid);
		EXPECT_NE(0, n.threads[i].ns_tid);
		EXPECT_GT(1000, n.threads[i].ns_tid);	/* a fresh namespace */
	}
	/* And a crash in the initial namespace still has the global pids. */
	gcdnote_free(&n);
	elfcore_close(&c);
	ASSERT_EQ(0, lab_set_core_pattern(LAB_CORES "/core.%p"));
	{
		struct lab_proc p;

		ASSERT_EQ(0, lab_run(&p, argv, NULL));
		ASSERT_EQ(0, elfcore_open(&c, p.core));
		memset(&n, 0, sizeof(n));
		ASSERT_EQ(1, gcdnote_from_core(&c, &n));
		EXPECT_FALSE(n.proc.flags & GCD_PROC_F_PIDNS);
		EXPECT_EQ((uint32_t)p.pid, n.proc.tgid);
		gcdnote_free(&n);
		elfcore_close(&c);
	}
}

TEST_HARNESS_MAIN
