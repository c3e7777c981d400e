// SPDX-License-Identifier: GPL-2.0
/*
 * snapshot.c - an ELF core of a running process (contract in snapshot.h).
 *
 * Everything read from /proc is bounded: lines are cut at a fixed length,
 * counts are capped (SNAP_MAX_*), and a field that cannot be parsed reads
 * as absent.  The process may change under us until it is stopped; what
 * matters (maps, registers, memory) is read again once it is.
 */
#include <ctype.h>
#include <dirent.h>
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/procfs.h>
#include <sys/mman.h>
#include <sys/ptrace.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/uio.h>
#include <sys/user.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "core/procparse.h"
#include "core/snapshot.h"
#include "core/zero.h"
#include "uapi/gocoredump.h"

#define SNAP_MAX_THREADS	(1u << 16)
#define SNAP_MAX_MAPS		(1u << 20)
#define SNAP_PAGE		4096u
#define SNAP_CHUNK		(2u << 20)	/* bytes per process_vm_readv */
#define SNAP_PRECOPY_MAX	(1ull << 30)	/* read-only bytes read early */
#define SNAP_ROUNDS		64		/* task listings to catch clones */

#ifndef PF_R
#define PF_R 4
#define PF_W 2
#define PF_X 1
#endif

struct snap_thread {
	pid_t tid;
	int attached, stopped;
	int sig;		/* a signal it stopped with, to give back */
	int have_regs, have_fp;
	struct user_regs_struct regs;
	struct user_fpregs_struct fp;
};

struct snap_map {
	uint64_t start, end, pgoff;
	uint32_t flags;		/* PF_* */
	int shared;
	unsigned long inode;
	unsigned int dev_major, dev_minor;
	char *path;		/* "" for anonymous */
	int content;		/* its bytes go into the core */
	int file_all;		/* every page (file-backed, read-only) */
	uint8_t *pre;		/* read before the stop (read-only maps) */
	int pre_ok;
	uint64_t file_off;	/* where its bytes go in the core */
};

/* Writable memory read during the stop, written after it. */
struct snap_run {
	uint64_t off;		/* file offset */
	size_t len;
	uint8_t *data;
	int owned;		/* malloc'd (else a slice of the arena) */
};

/* Writable memory read before the stop (soft-dirty pre-copy). */
struct snap_pre {
	uint64_t vaddr;
	size_t len;
	uint8_t *data;		/* in the arena, or NULL: in the spill */
	uint64_t spill;		/* its offset in out_fd, when in the spill */
	uint8_t *keep;		/* bit per page: clean at the stop, kept */
};

struct snap {
	pid_t pid;
	char *err;
	size_t errlen;
	struct snap_thread *th;
	size_t nth, capth;
	struct snap_map *maps;
	size_t nmaps;
	struct snap_run *runs;
	size_t nruns, capruns;
	uint64_t held, hold_max;
	uint8_t *arena;		/* pre-faulted before the stop, for its copy */
	size_t arena_len, arena_used;
	int sd;			/* soft-dirty bits cleared: pre-copy in use */
	struct snap_pre *pre;
	size_t npre, cappre, pre_cur;
	uint64_t spill_base;	/* out_fd offset of the spill: past the core */
	uint64_t spill_used;
	int spill_ok;		/* the spill's pages may be used */
	int out_fd;
	struct stat exe_st;
	int have_exe;
	struct snapshot_stats *st;
	struct timespec stop_rt, stop_bt;
};

/* A test point (GOCAP_FAILPOINT=name, gocap.rst): is name the one set? */
static int failpoint(const char *name)
{
	const char *fp = getenv("GOCAP_FAILPOINT");

	return fp && !strcmp(fp, name);
}

static uint64_t now_ns(clockid_t clk)
{
	struct timespec ts;

	clock_gettime(clk, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static void seterr(struct snap *s, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void seterr(struct snap *s, const char *fmt, ...)
{
	va_list ap;

	if (s->err[0])
		return;		/* the first problem is the one to tell */
	va_start(ap, fmt);
	vsnprintf(s->err, s->errlen, fmt, ap);
	va_end(ap);
}

/* Read a whole small /proc file (at most cap - 1 bytes, NUL terminated). */
static ssize_t read_small(const char *path, char *buf, size_t cap)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	size_t got = 0;
	ssize_t n;

	if (fd < 0)
		return -1;
	while (got + 1 < cap) {
		n = read(fd, buf + got, cap - 1 - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	close(fd);
	buf[got] = '\0';
	return (ssize_t)got;
}

/* ----- threads ----- */

static struct snap_thread *find_thread(struct snap *s, pid_t tid)
{
	for (size_t i = 0; i < s->nth; i++)
		if (s->th[i].tid == tid)
			return &s->th[i];
	return NULL;
}

static struct snap_thread *add_thread(struct snap *s, pid_t tid)
{
	if (s->nth == s->capth) {
		size_t cap = s->capth ? s->capth * 2 : 64;
		struct snap_thread *t;

		if (cap > SNAP_MAX_THREADS)
			return NULL;
		t = realloc(s->th, cap * sizeof(*t));
		if (!t)
			return NULL;
		s->th = t;
		s->capth = cap;
	}
	memset(&s->th[s->nth], 0, sizeof(s->th[0]));
	s->th[s->nth].tid = tid;
	return &s->th[s->nth++];
}

static const char *ptrace_hint(void)
{
	char buf[16];

	if (read_small("/proc/sys/kernel/yama/ptrace_scope", buf,
		       sizeof(buf)) > 0) {
		int scope = atoi(buf);

		if (scope == 3)
			return " (Yama ptrace_scope is 3: no process may be traced until reboot)";
		if (scope == 2)
			return " (Yama ptrace_scope is 2: only CAP_SYS_PTRACE may trace; run as root)";
		if (scope == 1 && geteuid())
			return " (Yama ptrace_scope is 1: only a parent may trace, or CAP_SYS_PTRACE; run as root)";
	}
	return geteuid() ? " (it is another user's, or set-id: run as root)" : "";
}

/* The TracerPid of a thread, 0 when it is not traced (or unknown). */
static int tracer_of(pid_t pid, pid_t tid)
{
	char path[64], buf[4096];

	snprintf(path, sizeof(path), "/proc/%d/task/%d/status", (int)pid,
		 (int)tid);
	if (read_small(path, buf, sizeof(buf)) <= 0)
		return 0;
	return (int)procparse_value(buf, "TracerPid", NULL);
}

/*
 * Wait for an interrupted thread's stop.  A thread may first report a
 * signal-delivery stop (Go's SIGURG preemption is frequent): that is a
 * stop too; the signal is kept to give back at detach.  Returns 0 when
 * stopped, -1 when the thread is gone.
 */
static int wait_stop(struct snap *s, struct snap_thread *t)
{
	int status;
	pid_t r;

	for (;;) {
		r = waitpid(t->tid, &status, __WALL);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -1;
		if (WIFEXITED(status) || WIFSIGNALED(status))
			return -1;
		if (!WIFSTOPPED(status))
			continue;
		if ((status >> 16) == PTRACE_EVENT_STOP) {
			t->stopped = 1;
			return 0;
		}
		if ((status >> 16) == 0 && WSTOPSIG(status) != SIGTRAP) {
			/* signal-delivery stop: stopped, signal suppressed
			 * until we give it back */
			if (!t->sig) {
				t->sig = WSTOPSIG(status);
				t->stopped = 1;
				if (s->st)
					s->st->signals_requeued++;
				return 0;
			}
		}
		/* anything else: let it go on to the interrupt stop */
		if (ptrace(PTRACE_CONT, t->tid, 0, 0) < 0)
			return -1;
	}
}

/*
 * Seize and stop every thread of the process, listing /proc/PID/task
 * until a listing finds no thread it had not stopped yet: a thread can
 * only be created by a running one, so once all listed are stopped and a
 * new listing adds none, the set is complete.
 */
static int stop_all(struct snap *s)
{
	char path[64];
	int round;

	snprintf(path, sizeof(path), "/proc/%d/task", (int)s->pid);
	for (round = 0; round < SNAP_ROUNDS; round++) {
		DIR *d = opendir(path);
		struct dirent *de;
		int added = 0;

		if (!d) {
			seterr(s, "process %d: %s", (int)s->pid,
			       errno == ENOENT ? "no such process" : strerror(errno));
			return -1;
		}
		while ((de = readdir(d))) {
			struct snap_thread *t;
			char *end;
			long tid = strtol(de->d_name, &end, 10);

			if (*end || tid <= 0 || find_thread(s, (pid_t)tid))
				continue;
			t = add_thread(s, (pid_t)tid);
			if (!t) {
				closedir(d);
				seterr(s, "process %d: more than %u threads, or out of memory",
				       (int)s->pid, SNAP_MAX_THREADS);
				return -1;
			}
			added++;
			if (ptrace(PTRACE_SEIZE, t->tid, 0, 0) < 0) {
				int e = errno;

				if (e == ESRCH) {	/* exited meanwhile */
					s->nth--;
					continue;
				}
				closedir(d);
				s->nth--;
				if (e == EPERM && tracer_of(s->pid, t->tid))
					seterr(s, "process %d is traced already, by process %d (a debugger?): detach it first",
					       (int)s->pid, tracer_of(s->pid, t->tid));
				else if (e == EPERM && geteuid())
					seterr(s, "no permission to trace process %d%s",
					       (int)s->pid, ptrace_hint());
				else
					seterr(s, "cannot trace thread %d of process %d: %s%s",
					       (int)t->tid, (int)s->pid, strerror(e),
					       ptrace_hint());
				return -1;
			}
			t->attached = 1;
			if (!s->st->pause_ns)
				s->st->pause_ns = now_ns(CLOCK_MONOTONIC);
			/* interrupt all first, then wait: they stop together */
			if (ptrace(PTRACE_INTERRUPT, t->tid, 0, 0) < 0)
				t->attached = 0;
		}
		closedir(d);
		for (size_t i = 0; i < s->nth; i++) {
			struct snap_thread *t = &s->th[i];

			if (t->stopped)
				continue;
			if (!t->attached || wait_stop(s, t) < 0) {
				/* gone: forget it */
				ptrace(PTRACE_DETACH, t->tid, 0, 0);
				*t = s->th[--s->nth];
				i--;
			}
		}
		if (!added)
			break;
	}
	if (round == SNAP_ROUNDS) {
		seterr(s, "process %d keeps creating threads", (int)s->pid);
		return -1;
	}
	if (!s->nth) {
		seterr(s, "process %d: no thread could be stopped (is it exiting?)",
		       (int)s->pid);
		return -1;
	}
	/* the thread group leader first, as in a kernel core */
	for (size_t i = 1; i < s->nth; i++)
		if (s->th[i].tid == s->pid) {
			struct snap_thread t = s->th[0];

			s->th[0] = s->th[i];
			s->th[i] = t;
		}
	return 0;
}

static void resume_all(struct snap *s)
{
	for (size_t i = 0; i < s->nth; i++)
		if (s->th[i].attached)
			ptrace(PTRACE_DETACH, s->th[i].tid, 0,
			       (void *)(long)s->th[i].sig);
	s->st->pause_ns = s->st->pause_ns ?
			  now_ns(CLOCK_MONOTONIC) - s->st->pause_ns : 0;
	for (size_t i = 0; i < s->nth; i++)
		s->th[i].attached = 0;
}

static void read_regs(struct snap *s)
{
	for (size_t i = 0; i < s->nth; i++) {
		struct snap_thread *t = &s->th[i];

		t->have_regs = ptrace(PTRACE_GETREGS, t->tid, 0, &t->regs) == 0;
		t->have_fp = ptrace(PTRACE_GETFPREGS, t->tid, 0, &t->fp) == 0;
	}
}

/* ----- mappings ----- */

static void free_maps(struct snap *s)
{
	for (size_t i = 0; i < s->nmaps; i++) {
		free(s->maps[i].path);
		free(s->maps[i].pre);
	}
	free(s->maps);
	s->maps = NULL;
	s->nmaps = 0;
}

static int is_exe_map(const struct snap *s, const struct snap_map *m)
{
	return s->have_exe && m->inode && m->inode == s->exe_st.st_ino &&
	       makedev(m->dev_major, m->dev_minor) == s->exe_st.st_dev;
}

/*
 * Decide what of m goes into the core (see snapshot.h): what the kernel
 * dumps under the default coredump_filter (0x33), plus the executable's
 * read-only segments.  Pages of anonymous memory that are neither present
 * nor swapped are zero and become holes; file-backed mappings go in whole,
 * since a page not mapped yet still holds the file's bytes.
 */
static void classify(const struct snap *s, struct snap_map *m)
{
	const char *p = m->path;
	int shm = !strncmp(p, "/dev/zero", 9) || !strncmp(p, "/SYSV", 5) ||
		  !strncmp(p, "/memfd:", 7);

	m->content = 0;
	m->file_all = 0;
	if (!(m->flags & PF_R))
		return;
	if (!strcmp(p, "[vvar]") || !strcmp(p, "[vvar_vclock]") ||
	    !strcmp(p, "[vsyscall]"))
		return;
	if (!strncmp(p, "/dev/", 5) && strncmp(p, "/dev/shm/", 9) &&
	    strncmp(p, "/dev/zero", 9))
		return;		/* a device: reading may have effects */
	if (shm || !strcmp(p, "[vdso]")) {
		m->content = 1;	/* shared anonymous memory, the vDSO */
		m->file_all = 1;
		return;
	}
	if (m->inode && p[0] == '/') {
		if (!m->shared && (m->flags & PF_W)) {
			m->content = 1;	/* a data segment */
			m->file_all = 1;
		} else if (!m->shared && is_exe_map(s, m)) {
			m->content = 1;	/* text, rodata */
			m->file_all = 1;
		}
		return;		/* other files: their bytes are in them */
	}
	m->content = 1;		/* anonymous: present and swapped pages */
}

/* Parse /proc/PID/maps into s->maps (replacing what was there). */
static int read_maps(struct snap *s)
{
	char path[64], line[4096 + 256];
	size_t cap = 0;
	FILE *f;

	free_maps(s);
	snprintf(path, sizeof(path), "/proc/%d/maps", (int)s->pid);
	f = fopen(path, "re");
	if (!f) {
		if (errno == EACCES || errno == EPERM)
			seterr(s, "no permission to read process %d's memory%s",
			       (int)s->pid, ptrace_hint());
		else if (errno == ENOENT)
			seterr(s, "no such process: %d", (int)s->pid);
		else
			seterr(s, "%s: %s", path, strerror(errno));
		return -1;
	}
	while (fgets(line, sizeof(line), f)) {
		struct procparse_map pm;
		struct snap_map *m;
		char *nl;

		if (!strchr(line, '\n') && !feof(f)) {
			int c;	/* a path longer than the line: drop the rest */

			while ((c = fgetc(f)) != EOF && c != '\n')
				;
		}
		nl = strchr(line, '\n');
		if (nl)
			*nl = '\0';
		if (procparse_maps_line(line, &pm))
			continue;
		if (s->nmaps == cap) {
			struct snap_map *n;

			cap = cap ? cap * 2 : 256;
			if (cap > SNAP_MAX_MAPS) {
				fclose(f);
				seterr(s, "process %d: more than %u mappings",
				       (int)s->pid, SNAP_MAX_MAPS);
				return -1;
			}
			n = realloc(s->maps, cap * sizeof(*n));
			if (!n) {
				fclose(f);
				seterr(s, "out of memory");
				return -1;
			}
			s->maps = n;
		}
		m = &s->maps[s->nmaps];
		memset(m, 0, sizeof(*m));
		m->start = pm.start;
		m->end = pm.end;
		m->pgoff = pm.pgoff;
		m->flags = (pm.readable ? PF_R : 0) | (pm.writable ? PF_W : 0) |
			   (pm.executable ? PF_X : 0);
		m->shared = pm.shared;
		m->dev_major = pm.dev_major;
		m->dev_minor = pm.dev_minor;
		m->inode = pm.inode;
		m->path = strdup(pm.path);
		if (!m->path) {
			fclose(f);
			seterr(s, "out of memory");
			return -1;
		}
		s->nmaps++;
		classify(s, m);
	}
	fclose(f);
	return 0;
}

/* process_vm_readv found no process: it exited under us. */
static int gone;

/* Copy [addr, addr + len) of the process into buf: bytes read. */
static size_t vm_read(pid_t pid, uint64_t addr, void *buf, size_t len)
{
	size_t got = 0;

	while (got < len) {
		struct iovec l = { (char *)buf + got, len - got };
		struct iovec r = { (void *)(uintptr_t)(addr + got), len - got };
		ssize_t n = process_vm_readv(pid, &l, 1, &r, 1, 0);

		if (n <= 0) {
			if (n < 0 && errno == ESRCH)
				gone = 1;
			break;
		}
		got += (size_t)n;
	}
	return got;
}

/*
 * Has the process exited (or begun to) since it was stopped?  A thread of
 * it killed by a signal, or exit_group() from a thread that was between
 * our listing and its stop, ends it under us: its memory is then gone,
 * and a core of what could be read would pass for a whole one.
 */
static int exited(const struct snap *s)
{
	char path[64], buf[1024];
	const char *e;

	if (gone)
		return 1;
	snprintf(path, sizeof(path), "/proc/%d/stat", (int)s->pid);
	if (read_small(path, buf, sizeof(buf)) <= 0)
		return 1;
	e = strrchr(buf, ')');
	/* Z zombie, X dead; the exit_group in progress shows "PF_EXITING"
	 * only in flags (field 9, bit 0x4) */
	if (!e || e[1] != ' ' || e[2] == 'Z' || e[2] == 'X')
		return 1;
	{
		unsigned long long f[8];
		char comm[2];

		if (procparse_stat(buf, comm, sizeof(comm), f, 8) >= 7 &&
		    (f[9 - 3] & 0x4))
			return 1;
	}
	return 0;
}

/*
 * Before the stop: read the read-only file mappings whole (they cannot
 * change while the process runs), up to SNAP_PRECOPY_MAX bytes.
 */
static void precopy(struct snap *s)
{
	uint64_t total = 0;

	for (size_t i = 0; i < s->nmaps; i++) {
		struct snap_map *m = &s->maps[i];
		uint64_t len = m->end - m->start;

		if (!m->content || !m->file_all || (m->flags & PF_W) ||
		    !is_exe_map(s, m) ||
		    total + len > SNAP_PRECOPY_MAX)
			continue;
		m->pre = malloc(len);
		if (!m->pre)
			continue;
		if (vm_read(s->pid, m->start, m->pre, len) != len) {
			free(m->pre);
			m->pre = NULL;
			continue;
		}
		m->pre_ok = 1;
		total += len;
	}
}

/* Keep the pre-copied bytes of the maps that are the same after the stop. */
static void adopt_precopy(struct snap *s, struct snap_map *old, size_t nold)
{
	size_t j = 0;

	for (size_t i = 0; i < s->nmaps; i++) {
		struct snap_map *m = &s->maps[i];

		while (j < nold && old[j].start < m->start)
			j++;
		if (j == nold)
			break;
		if (old[j].pre_ok && old[j].start == m->start &&
		    old[j].end == m->end && old[j].flags == m->flags &&
		    old[j].inode == m->inode && old[j].pgoff == m->pgoff &&
		    m->content && m->file_all && is_exe_map(s, m)) {
			m->pre = old[j].pre;
			m->pre_ok = 1;
			old[j].pre = NULL;
			s->st->bytes_precopied += m->end - m->start;
		}
	}
}

/* ----- notes ----- */

struct nbuf {
	uint8_t *p;
	size_t len, cap;
	int oom;
};

static void nb_put(struct nbuf *b, const void *data, size_t len)
{
	if (b->oom)
		return;
	if (b->len + len + 8 > b->cap) {
		size_t cap = b->cap ? b->cap : 65536;
		uint8_t *n;

		while (cap < b->len + len + 8)
			cap *= 2;
		n = realloc(b->p, cap);
		if (!n) {
			b->oom = 1;
			return;
		}
		b->p = n;
		b->cap = cap;
	}
	memcpy(b->p + b->len, data, len);
	b->len += len;
	while (b->len & 3)
		b->p[b->len++] = 0;
}

static void note(struct nbuf *b, const char *name, uint32_t type,
		 const void *desc, size_t len)
{
	Elf64_Nhdr h = { (Elf64_Word)strlen(name) + 1, (Elf64_Word)len, type };

	nb_put(b, &h, sizeof(h));
	nb_put(b, name, h.n_namesz);
	nb_put(b, desc, len);
}

static void thread_record(struct snap *s, const struct snap_thread *t,
			  struct gcd_note_thread *r, long tck)
{
	uint64_t ns_per_tick = 1000000000ull / (uint64_t)tck;
	char path[96], buf[8192];
	unsigned long long f[64];
	uint64_t cpus[GCD_CPUMASK_WORDS];
	int found;

	memset(r, 0, sizeof(*r));
	r->tid = (uint32_t)t->tid;
	r->ns_tid = (uint32_t)t->tid;
	snprintf(path, sizeof(path), "/proc/%d/task/%d/stat", (int)s->pid,
		 (int)t->tid);
	/* proc(5) field k is f[k - 3] */
	if (read_small(path, buf, sizeof(buf)) > 0 &&
	    procparse_stat(buf, r->comm, sizeof(r->comm), f, 64) > 41 - 3) {
		r->min_flt = f[10 - 3];
		r->maj_flt = f[12 - 3];
		r->utime_ns = f[14 - 3] * ns_per_tick;
		r->stime_ns = f[15 - 3] * ns_per_tick;
		r->prio = (uint32_t)((long long)f[18 - 3] + 100);
		r->nice = (uint32_t)(int32_t)(long long)f[19 - 3];
		r->start_boottime_ns = f[22 - 3] * ns_per_tick;
		r->last_cpu = (uint32_t)f[39 - 3];
		r->rt_priority = (uint32_t)f[40 - 3];
		r->policy = (uint32_t)f[41 - 3];
	}
	snprintf(path, sizeof(path), "/proc/%d/task/%d/status", (int)s->pid,
		 (int)t->tid);
	if (read_small(path, buf, sizeof(buf)) > 0) {
		r->nvcsw = procparse_value(buf, "voluntary_ctxt_switches", NULL);
		r->nivcsw = procparse_value(buf, "nonvoluntary_ctxt_switches",
					    NULL);
		if (procparse_cpus(buf, cpus, GCD_CPUMASK_WORDS))
			r->flags |= GCD_THR_F_CPUMASK_TRUNC;
		for (unsigned int w = 0; w < GCD_CPUMASK_WORDS; w++) {
			r->cpus_allowed[w] = cpus[w];
			r->nr_cpus_allowed +=
				(uint32_t)__builtin_popcountll(cpus[w]);
		}
	}
	snprintf(path, sizeof(path), "/proc/%d/task/%d/schedstat",
		 (int)s->pid, (int)t->tid);
	if (read_small(path, buf, sizeof(buf)) > 0) {
		unsigned long long run, delay, cnt;

		if (sscanf(buf, "%llu %llu %llu", &run, &delay, &cnt) == 3) {
			r->sum_exec_runtime_ns = run;
			r->run_delay_ns = delay;
			r->pcount = cnt;
			r->flags |= GCD_THR_F_SCHED_INFO;
		}
	}
	snprintf(path, sizeof(path), "/proc/%d/task/%d/sched", (int)s->pid,
		 (int)t->tid);
	if (read_small(path, buf, sizeof(buf)) > 0) {
		r->nr_migrations = procparse_value(buf, "se.nr_migrations",
						   NULL);
		/* schedstats: only when the kernel keeps them */
		r->wait_sum_ns = procparse_value(buf, "wait_sum", &found);
		if (found) {
			r->flags |= GCD_THR_F_SCHEDSTATS;
			r->sleep_sum_ns = procparse_value(buf, "sum_sleep_runtime",
							  NULL);
			r->block_sum_ns = procparse_value(buf, "sum_block_runtime",
							  NULL);
			r->iowait_sum_ns = procparse_value(buf, "iowait_sum", NULL);
			r->iowait_count = procparse_value(buf, "iowait_count",
							  NULL);
		}
	}
	if (r->prio < 100) {
		r->static_prio = 120 + r->nice;
		r->normal_prio = r->prio;
	} else {
		r->static_prio = r->prio;
		r->normal_prio = r->prio;
	}
}

static void gcd_notes(struct snap *s, struct nbuf *b)
{
	struct gcd_note_process pr;
	struct gcd_note_threads_hdr th;
	struct utsname u;
	char path[64], buf[256];
	long tck = sysconf(_SC_CLK_TCK);

	if (tck <= 0)
		tck = 100;
	memset(&pr, 0, sizeof(pr));
	pr.version = GCD_NOTE_VERSION;
	pr.record_size = sizeof(pr);
	pr.flags = GCD_PROC_F_SNAPSHOT;
	pr.realtime_ns = (uint64_t)s->stop_rt.tv_sec * 1000000000ull +
			 (uint64_t)s->stop_rt.tv_nsec;
	pr.boottime_ns = (uint64_t)s->stop_bt.tv_sec * 1000000000ull +
			 (uint64_t)s->stop_bt.tv_nsec;
	pr.pid = pr.tgid = pr.ns_pid = pr.ns_tgid = (uint32_t)s->pid;
	snprintf(path, sizeof(path), "/proc/%d/coredump_filter", (int)s->pid);
	if (read_small(path, buf, sizeof(buf)) > 0)
		pr.coredump_filter = (uint32_t)strtoul(buf, NULL, 16);
	pr.effective_filter = pr.coredump_filter;
	pr.nr_threads = (uint32_t)s->nth;
	if (!uname(&u))
		snprintf(pr.release, sizeof(pr.release), "%s", u.release);
	note(b, GCD_NOTE_NAME, GCD_NT_PROCESS, &pr, sizeof(pr));

	memset(&th, 0, sizeof(th));
	th.version = GCD_NOTE_VERSION;
	th.header_size = sizeof(th);
	th.record_size = sizeof(struct gcd_note_thread);
	th.count = (uint32_t)s->nth;
	{
		size_t len = sizeof(th) + s->nth * sizeof(struct gcd_note_thread);
		uint8_t *d = calloc(1, len);

		if (!d) {
			b->oom = 1;
			return;
		}
		memcpy(d, &th, sizeof(th));
		for (size_t i = 0; i < s->nth; i++) {
			struct gcd_note_thread *r = (void *)(d + sizeof(th) +
						i * sizeof(*r));

			thread_record(s, &s->th[i], r, tck);
		}
		note(b, GCD_NOTE_NAME, GCD_NT_THREADS, d, len);
		free(d);
	}
}

static void build_notes(struct snap *s, struct nbuf *b)
{
	char path[64], buf[8192];
	struct elf_prpsinfo ps;
	ssize_t n;

	for (size_t i = 0; i < s->nth; i++) {
		const struct snap_thread *t = &s->th[i];
		struct elf_prstatus pr;

		memset(&pr, 0, sizeof(pr));
		pr.pr_pid = t->tid;
		if (t->have_regs)
			memcpy(&pr.pr_reg, &t->regs, sizeof(pr.pr_reg));
		note(b, "CORE", NT_PRSTATUS, &pr, sizeof(pr));
		if (t->have_fp)
			note(b, "CORE", NT_PRFPREG, &t->fp, sizeof(t->fp));
	}
	memset(&ps, 0, sizeof(ps));
	ps.pr_pid = s->pid;
	snprintf(path, sizeof(path), "/proc/%d/stat", (int)s->pid);
	if (read_small(path, buf, sizeof(buf)) > 0) {
		unsigned long long f[4];
		const char *e = strrchr(buf, ')');

		if (procparse_stat(buf, ps.pr_fname, sizeof(ps.pr_fname), f,
				   4) == 4) {
			ps.pr_sname = e[2];	/* the state letter */
			ps.pr_ppid = (int)f[1];
			ps.pr_pgrp = (int)f[2];
			ps.pr_sid = (int)f[3];
		}
	}
	snprintf(path, sizeof(path), "/proc/%d/cmdline", (int)s->pid);
	n = read_small(path, buf, sizeof(ps.pr_psargs) + 1);
	if (n > 0) {
		for (ssize_t i = 0; i < n; i++)
			if (!buf[i])
				buf[i] = ' ';
		memcpy(ps.pr_psargs, buf,
		       (size_t)n < sizeof(ps.pr_psargs) - 1 ? (size_t)n :
		       sizeof(ps.pr_psargs) - 1);
	}
	note(b, "CORE", NT_PRPSINFO, &ps, sizeof(ps));

	snprintf(path, sizeof(path), "/proc/%d/auxv", (int)s->pid);
	n = read_small(path, buf, sizeof(buf));
	if (n > 0)
		note(b, "CORE", NT_AUXV, buf, (size_t)n);

	/* NT_FILE: count, page size, (start, end, pgoff) each, names */
	{
		struct nbuf f = { 0 };
		uint64_t hdr[2] = { 0, SNAP_PAGE };

		for (size_t i = 0; i < s->nmaps; i++)
			if (s->maps[i].inode && s->maps[i].path[0] == '/')
				hdr[0]++;
		nb_put(&f, hdr, sizeof(hdr));
		for (size_t i = 0; i < s->nmaps; i++) {
			const struct snap_map *m = &s->maps[i];
			uint64_t e[3] = { m->start, m->end, m->pgoff / SNAP_PAGE };

			if (m->inode && m->path[0] == '/')
				nb_put(&f, e, sizeof(e));
		}
		/* names are packed, not 4-byte aligned: build them apart */
		if (!f.oom) {
			size_t names = 0;
			uint8_t *d;

			for (size_t i = 0; i < s->nmaps; i++)
				if (s->maps[i].inode && s->maps[i].path[0] == '/')
					names += strlen(s->maps[i].path) + 1;
			d = malloc(f.len + names);
			if (d) {
				size_t o = f.len;

				memcpy(d, f.p, f.len);
				for (size_t i = 0; i < s->nmaps; i++) {
					const char *p = s->maps[i].path;

					if (!s->maps[i].inode || p[0] != '/')
						continue;
					memcpy(d + o, p, strlen(p) + 1);
					o += strlen(p) + 1;
				}
				note(b, "CORE", NT_FILE, d, o);
				free(d);
			}
		}
		free(f.p);
	}
	gcd_notes(s, b);
}

/* ----- memory ----- */

/*
 * How much writable memory may be held until the process runs again: half
 * of what the machine has available (1 GiB when that cannot be read), so
 * that a snapshot does not push the machine, and its target, into swap.
 * Past it the copy is written during the stop, which lengthens the stop.
 */
static uint64_t hold_budget(void)
{
	char buf[4096];
	const char *p;

	if (read_small("/proc/meminfo", buf, sizeof(buf)) <= 0 ||
	    !(p = strstr(buf, "MemAvailable:")))
		return 1ull << 30;
	return strtoull(p + strlen("MemAvailable:"), NULL, 10) * 1024 / 2;
}

static int hold(struct snap *s, uint64_t off, const uint8_t *src, size_t len)
{
	struct snap_run *r;

	if (s->nruns == s->capruns) {
		size_t cap = s->capruns ? s->capruns * 2 : 1024;
		struct snap_run *n = realloc(s->runs, cap * sizeof(*n));

		if (!n)
			return -1;
		s->runs = n;
		s->capruns = cap;
	}
	r = &s->runs[s->nruns];
	r->data = malloc(len);
	if (!r->data)
		return -1;
	memcpy(r->data, src, len);
	r->off = off;
	r->len = len;
	r->owned = 1;
	s->nruns++;
	s->held += len;
	return 0;
}

/*
 * Write the non-zero pages of data (len bytes) to fd at offset off: 0, or
 * an errno (-1 standing for a short write).  Zero pages are left as holes.
 */
static int pwrite_sparse(int fd, uint64_t off, const uint8_t *data,
			 size_t len)
{
	size_t i = 0;

	while (i < len) {
		size_t st, n;

		if (len - i >= SNAP_PAGE && block_is_zero(data + i, SNAP_PAGE)) {
			i += SNAP_PAGE;
			continue;
		}
		st = i;
		while (i < len && !(len - i >= SNAP_PAGE && block_is_zero(data + i, SNAP_PAGE)))
			i += len - i < SNAP_PAGE ? len - i : SNAP_PAGE;
		for (n = 0; n < i - st;) {
			ssize_t w = pwrite(fd, data + st + n, i - st - n,
					   (off_t)(off + st + n));

			if (w < 0 && errno == EINTR)
				continue;
			if (w <= 0)
				return w < 0 ? errno : -1;
			n += (size_t)w;
		}
	}
	return 0;
}

/* Write the non-zero pages of data (len bytes, file offset off). */
static int write_sparse(struct snap *s, uint64_t off, const uint8_t *data,
			size_t len)
{
	int e = pwrite_sparse(s->out_fd, off, data, len);

	if (e) {
		seterr(s, "cannot write the core: %s",
		       e > 0 ? strerror(e) : "short write");
		return -1;
	}
	return 0;
}

/*
 * Before the stop: memory for the copy.  The bytes the copy will take are
 * estimated from pagemap (present and swapped pages of the maps read by
 * page, the whole of those read whole), with room for growth, within the
 * hold budget; the arena is faulted in now (MAP_POPULATE), and so are the
 * run records, so that the stop pays for the copy and nothing else.
 */
static void prepare_arena(struct snap *s, int pm_fd)
{
	uint64_t pm[SNAP_CHUNK / SNAP_PAGE], need = 0, runs = 0;
	size_t len;
	void *a;

	for (size_t i = 0; i < s->nmaps; i++) {
		const struct snap_map *m = &s->maps[i];

		if (!m->content || m->pre_ok)
			continue;
		if (m->file_all || pm_fd < 0) {
			need += m->end - m->start;
			runs += (m->end - m->start) / SNAP_CHUNK + 1;
			continue;
		}
		for (uint64_t a0 = m->start; a0 < m->end; a0 += SNAP_CHUNK) {
			size_t np = (m->end - a0 < SNAP_CHUNK ? m->end - a0 :
				     SNAP_CHUNK) / SNAP_PAGE;
			int in = 0;

			if (pread(pm_fd, pm, np * sizeof(pm[0]),
				  (off_t)(a0 / SNAP_PAGE * sizeof(pm[0]))) !=
			    (ssize_t)(np * sizeof(pm[0])))
				continue;
			for (size_t k = 0; k < np; k++) {
				int present = (pm[k] & (3ull << 62)) != 0;

				need += present ? SNAP_PAGE : 0;
				runs += present && !in;
				in = present;
			}
		}
	}
	if (!need)
		return;
	need += need / 8 + (32u << 20);
	if (need > s->hold_max)
		need = s->hold_max;
	len = (size_t)need;
	a = mmap(NULL, len, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
	if (a == MAP_FAILED)
		return;
	runs += runs / 4 + 1024;
	s->runs = calloc((size_t)runs, sizeof(*s->runs));
	if (!s->runs) {
		munmap(a, len);
		return;
	}
	s->capruns = (size_t)runs;
	s->arena = a;
	s->arena_len = len;
}

#define PM_PRESENT_OR_SWAPPED	(3ull << 62)
#define PM_SOFT_DIRTY		(1ull << 55)

/*
 * Soft-dirty pre-copy, before the stop: clear the process's soft-dirty
 * bits (clear_refs 4), then copy its writable memory while it runs.  A
 * page it writes afterwards is soft-dirty at the stop and copied again
 * then; one it did not write is kept from here.  The copy lands in the
 * arena while seven eighths of it last (the rest is for the stop's copy),
 * then in the spill: out_fd from spill_base on, twice the size of every
 * mapping the core will hold now, plus 1 GiB, so that the core can grow
 * that much before the stop and still end before it.  Whatever cannot be
 * written there (a full file system) is left for the stop.
 */
/*
 * Does this kernel keep soft-dirty bits (CONFIG_MEM_SOFT_DIRTY)?  Without
 * them clear_refs 4 still succeeds, and pagemap never shows a page dirty:
 * a pre-copy would keep every page as it was before the stop.  A page
 * gocap writes itself must show the bit.
 */
static int soft_dirty_works(void)
{
	volatile uint8_t *p = mmap(NULL, SNAP_PAGE, PROT_READ | PROT_WRITE,
				   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	uint64_t e = 0;
	int fd;

	if (p == MAP_FAILED)
		return 0;
	p[0] = 1;
	fd = open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		if (pread(fd, &e, sizeof(e), (off_t)((uintptr_t)p / SNAP_PAGE *
						     sizeof(e))) != sizeof(e))
			e = 0;
		close(fd);
	}
	munmap((void *)p, SNAP_PAGE);
	return (e & (1ull << 63)) && (e & PM_SOFT_DIRTY);
}

static void precopy_writable(struct snap *s, int pm_fd, uint8_t *buf)
{
	uint64_t pm[SNAP_CHUNK / SNAP_PAGE], total = 0;
	size_t arena_cap = s->arena ? s->arena_len - s->arena_len / 8 : 0;
	char path[64];
	int fd;

	if (pm_fd < 0 || !soft_dirty_works())
		return;
	snprintf(path, sizeof(path), "/proc/%d/clear_refs", (int)s->pid);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return;
	s->sd = write(fd, "4", 1) == 1;	/* no CONFIG_MEM_SOFT_DIRTY: EINVAL */
	close(fd);
	if (!s->sd)
		return;
	for (size_t i = 0; i < s->nmaps; i++)
		if (s->maps[i].content)
			total += s->maps[i].end - s->maps[i].start;
	s->spill_base = (2 * total + (1ull << 30) + (1u << 20) - 1) &
			~(uint64_t)((1u << 20) - 1);
	s->spill_ok = 1;
	for (size_t i = 0; i < s->nmaps; i++) {
		const struct snap_map *m = &s->maps[i];

		if (!m->content || m->pre_ok)
			continue;
		for (uint64_t a = m->start; a < m->end; a += SNAP_CHUNK) {
			size_t np = (m->end - a < SNAP_CHUNK ? m->end - a :
				     SNAP_CHUNK) / SNAP_PAGE, k = 0;

			if (pread(pm_fd, pm, np * sizeof(pm[0]),
				  (off_t)(a / SNAP_PAGE * sizeof(pm[0]))) !=
			    (ssize_t)(np * sizeof(pm[0])))
				continue;
			while (k < np) {
				size_t j = k, want, got;
				struct snap_pre *r;

				if (!m->file_all &&
				    !(pm[k] & PM_PRESENT_OR_SWAPPED)) {
					k++;
					continue;
				}
				while (j < np && (m->file_all ||
				       (pm[j] & PM_PRESENT_OR_SWAPPED)))
					j++;
				want = (j - k) * SNAP_PAGE;
				if (s->npre == s->cappre) {
					size_t cap = s->cappre ? s->cappre * 2 : 1024;
					struct snap_pre *n = realloc(s->pre,
							cap * sizeof(*n));

					if (!n)
						return;
					s->pre = n;
					s->cappre = cap;
				}
				r = &s->pre[s->npre];
				/* into the arena, else the spill through
				 * buf (holes for zero pages) */
				r->data = s->arena_used <= arena_cap &&
					  arena_cap - s->arena_used >= want ?
					  s->arena + s->arena_used : NULL;
				r->spill = r->data ? 0 :
					   s->spill_base + s->spill_used;
				got = vm_read(s->pid, a + k * SNAP_PAGE,
					      r->data ? r->data : buf, want) &
				      ~(size_t)(SNAP_PAGE - 1);
				if (!r->data && got &&
				    pwrite_sparse(s->out_fd, r->spill, buf, got))
					return;	/* the rest at the stop */
				r->keep = got ? calloc(got / SNAP_PAGE / 8 + 1, 1) :
						NULL;
				if (got && r->keep) {
					r->vaddr = a + k * SNAP_PAGE;
					r->len = got;
					s->npre++;
					if (r->data) {
						s->arena_used += got;
					} else {
						s->spill_used += got;
						s->st->bytes_spilled += got;
					}
					s->st->bytes_precopied += got;
				}
				k = j > k + got / SNAP_PAGE ?
				    k + got / SNAP_PAGE + 1 : j;
			}
		}
	}
}

/* The pre-copied run holding the page at a, moving the cursor on. */
static struct snap_pre *pre_at(struct snap *s, uint64_t a)
{
	while (s->pre_cur < s->npre &&
	       s->pre[s->pre_cur].vaddr + s->pre[s->pre_cur].len <= a)
		s->pre_cur++;
	if (s->pre_cur < s->npre && s->pre[s->pre_cur].vaddr <= a &&
	    (s->pre[s->pre_cur].data || s->spill_ok))
		return &s->pre[s->pre_cur];
	return NULL;
}

/*
 * Copy the present pages of map m (during the stop): into the arena while
 * it lasts, then into malloc'd runs within the hold budget, then straight
 * into the file.
 */
static int copy_map(struct snap *s, struct snap_map *m, int pm_fd,
		    uint8_t *buf)
{
	uint64_t addr = m->start;
	uint64_t pm[SNAP_CHUNK / SNAP_PAGE];
	uint8_t need[SNAP_CHUNK / SNAP_PAGE];

	while (addr < m->end) {
		size_t len = m->end - addr < SNAP_CHUNK ? m->end - addr :
			     SNAP_CHUNK;
		size_t np = len / SNAP_PAGE, i = 0;
		int pm_ok = pm_fd >= 0 &&
			    pread(pm_fd, pm, np * sizeof(pm[0]),
				  (off_t)(addr / SNAP_PAGE * sizeof(pm[0]))) ==
			    (ssize_t)(np * sizeof(pm[0]));

		/* the pages to read now: present or swapped (every page of a
		 * map read whole, or with no pagemap), but those pre-copied
		 * and not written since */
		for (size_t k = 0; k < np; k++) {
			uint64_t a = addr + k * SNAP_PAGE;
			struct snap_pre *r;

			need[k] = m->file_all || !pm_ok ||
				  (pm[k] & PM_PRESENT_OR_SWAPPED);
			if (need[k] && s->sd && pm_ok &&
			    !(pm[k] & PM_SOFT_DIRTY) && (r = pre_at(s, a))) {
				size_t b = (a - r->vaddr) / SNAP_PAGE;

				r->keep[b / 8] |= (uint8_t)(1u << (b % 8));
				need[k] = 0;
			}
		}
		while (i < np) {
			size_t j, got, want;

			if (!need[i]) {
				i++;
				continue;
			}
			for (j = i + 1; j < np && need[j]; j++)
				;
			want = (j - i) * SNAP_PAGE;
			if (s->arena && s->arena_len - s->arena_used >= want &&
			    s->nruns < s->capruns) {
				/* straight into memory faulted in before the
				 * stop: one copy, no page fault */
				uint8_t *dst = s->arena + s->arena_used;
				struct snap_run *r = &s->runs[s->nruns];

				got = vm_read(s->pid, addr + i * SNAP_PAGE, dst,
					      want);
				got &= ~(size_t)(SNAP_PAGE - 1);
				s->st->bytes_copied += got;
				if (got) {
					r->off = m->file_off + (addr - m->start) +
						 i * SNAP_PAGE;
					r->len = got;
					r->data = dst;
					r->owned = 0;
					s->nruns++;
					s->arena_used += got;
				}
				i = j > i + got / SNAP_PAGE ?
				    i + got / SNAP_PAGE + 1 : j;
				continue;
			}
			got = vm_read(s->pid, addr + i * SNAP_PAGE, buf, want);
			got &= ~(size_t)(SNAP_PAGE - 1);
			s->st->bytes_copied += got;
			if (got) {
				uint64_t off = m->file_off + (addr - m->start) +
					       i * SNAP_PAGE;

				if (s->held + got <= s->hold_max) {
					if (hold(s, off, buf, got) &&
					    write_sparse(s, off, buf, got))
						return -1;
				} else if (write_sparse(s, off, buf, got)) {
					return -1;
				}
			}
			/* a page that cannot be read stays a hole */
			i = j > i + got / SNAP_PAGE ? i + got / SNAP_PAGE + 1 : j;
		}
		addr += len;
	}
	return 0;
}

/* The final map holding a, or NULL (binary search; maps are sorted). */
static const struct snap_map *map_at(const struct snap *s, uint64_t a)
{
	size_t lo = 0, hi = s->nmaps;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (s->maps[mid].end <= a)
			lo = mid + 1;
		else if (s->maps[mid].start > a)
			hi = mid;
		else
			return &s->maps[mid];
	}
	return NULL;
}

/*
 * Read n bytes of the spill at off into buf: what lies past the file's end
 * (zero pages left as holes at its end) reads as zeros.
 */
static int spill_read(struct snap *s, uint64_t off, uint8_t *buf, size_t n)
{
	size_t got = 0;

	while (got < n) {
		ssize_t r = pread(s->out_fd, buf + got, n - got,
				  (off_t)(off + got));

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			seterr(s, "cannot read the core back: %s",
			       strerror(errno));
			return -1;
		}
		if (!r)
			break;
		got += (size_t)r;
	}
	memset(buf + got, 0, n - got);
	return 0;
}

/*
 * Write the pre-copied pages that were kept, where their maps now are.
 * Those in the spill go through buf (SNAP_CHUNK bytes; a pre-copied run is
 * never longer), and the spill's blocks are given back as it goes.
 */
static int write_pre(struct snap *s, uint8_t *buf)
{
	for (size_t i = 0; i < s->npre; i++) {
		const struct snap_pre *r = &s->pre[i];
		size_t np = r->len / SNAP_PAGE, k = 0;
		const uint8_t *src = r->data;

		if (!src) {
			if (!s->spill_ok)
				continue;
			if (spill_read(s, r->spill, buf, r->len))
				return -1;
			src = buf;
		}
		while (k < np) {
			const struct snap_map *m;
			size_t j = k;
			uint64_t a = r->vaddr + k * SNAP_PAGE;

			if (!(r->keep[k / 8] & (1u << (k % 8)))) {
				k++;
				continue;
			}
			m = map_at(s, a);
			if (!m) {	/* cannot be: kept pages are in a map */
				k++;
				continue;
			}
			while (j < np && (r->keep[j / 8] & (1u << (j % 8))) &&
			       r->vaddr + j * SNAP_PAGE < m->end)
				j++;
			if (write_sparse(s, m->file_off + (a - m->start),
					 src + k * SNAP_PAGE,
					 (j - k) * SNAP_PAGE))
				return -1;
			k = j;
		}
		if (!r->data)	/* best effort: the file is cut at the end */
			fallocate(s->out_fd, FALLOC_FL_PUNCH_HOLE |
				  FALLOC_FL_KEEP_SIZE, (off_t)r->spill,
				  (off_t)r->len);
	}
	return 0;
}

static int write_all(struct snap *s, const void *p, size_t len, uint64_t off)
{
	return write_sparse(s, off, p, len);
}

int snapshot_write(pid_t pid, int out_fd, unsigned int flags,
		   struct snapshot_stats *st, char *err, size_t errlen)
{
	struct snap s;
	struct snap_map *pre = NULL;
	size_t npre = 0;
	struct nbuf notes = { 0 };
	uint8_t *buf = NULL;
	uint64_t t0 = now_ns(CLOCK_MONOTONIC), off;
	char path[64];
	int pm_fd = -1, ret = -1;
	size_t nload;
	unsigned int phnum;
	Elf64_Ehdr eh;
	Elf64_Phdr *ph = NULL;

	memset(&s, 0, sizeof(s));
	memset(st, 0, sizeof(*st));
	s.pid = pid;
	s.err = err;
	s.errlen = errlen;
	s.out_fd = out_fd;
	s.st = st;
	err[0] = '\0';
	if (pid <= 0) {
		seterr(&s, "no such process: %d", (int)pid);
		return -1;
	}
	if (pid == getpid()) {
		seterr(&s, "gocap cannot snapshot itself");
		return -1;
	}
	snprintf(path, sizeof(path), "/proc/%d/exe", (int)pid);
	if (stat(path, &s.exe_st) == 0)
		s.have_exe = 1;
	else if (errno == ENOENT && access(path, F_OK) &&
		 kill(pid, 0) && errno == ESRCH) {
		seterr(&s, "no such process: %d", (int)pid);
		return -1;
	}
	buf = malloc(SNAP_CHUNK);
	if (!buf) {
		seterr(&s, "out of memory");
		return -1;
	}
	s.hold_max = hold_budget();
	/* a test's way to be a machine short of memory (gocap.rst) */
	if (failpoint("snapshot-low-memory"))
		s.hold_max = 4u << 20;
	/* the file is written from empty: a page not written is a hole,
	 * which reads as the zero page it stands for */
	if (ftruncate(out_fd, 0)) {
		seterr(&s, "cannot size the core: %s", strerror(errno));
		free(buf);
		return -1;
	}
	/* 1. before the stop */
	if (read_maps(&s))
		goto out;
	precopy(&s);
	snprintf(path, sizeof(path), "/proc/%d/pagemap", (int)pid);
	pm_fd = open(path, O_RDONLY | O_CLOEXEC);
	prepare_arena(&s, pm_fd);
	if (!(flags & SNAPSHOT_NO_PRECOPY))
		precopy_writable(&s, pm_fd, buf);
	pre = s.maps;
	npre = s.nmaps;
	s.maps = NULL;
	s.nmaps = 0;

	/* 2. stop */
	gone = 0;
	if (stop_all(&s))
		goto resume;
	/* a test's way to have the process die in the middle (gocap.rst) */
	if (failpoint("snapshot-target-exits")) {
		kill(pid, SIGKILL);
		for (size_t i = s.nth; i-- > 0; )	/* the leader last */
			while (waitpid(s.th[i].tid, NULL, __WALL) < 0 &&
			       errno == EINTR)
				;
	}
	clock_gettime(CLOCK_REALTIME, &s.stop_rt);
	clock_gettime(CLOCK_BOOTTIME, &s.stop_bt);
	/* 3. registers, maps, memory */
	read_regs(&s);
	if (read_maps(&s))
		goto resume;
	adopt_precopy(&s, pre, npre);
	build_notes(&s, &notes);
	if (notes.oom) {
		seterr(&s, "out of memory");
		goto resume;
	}
	nload = s.nmaps;
	phnum = (unsigned int)nload + 1;
	off = sizeof(Elf64_Ehdr) + (uint64_t)phnum * sizeof(Elf64_Phdr);
	off += notes.len;
	off = (off + SNAP_PAGE - 1) & ~(uint64_t)(SNAP_PAGE - 1);
	for (size_t i = 0; i < s.nmaps; i++) {
		struct snap_map *m = &s.maps[i];

		m->file_off = off;
		if (m->content)
			off += m->end - m->start;
	}
	st->file_size = off;
	if (s.spill_used && off + SNAP_PAGE > s.spill_base) {
		/* the core grew into the spill: its pages are copied now */
		s.spill_ok = 0;
		st->bytes_precopied -= st->bytes_spilled;
		st->bytes_spilled = 0;
		if (ftruncate(out_fd, 0)) {
			seterr(&s, "cannot size the core: %s", strerror(errno));
			goto resume;
		}
	}
	for (size_t i = 0; i < s.nmaps; i++) {
		struct snap_map *m = &s.maps[i];

		if (!m->content || m->pre_ok)
			continue;
		if (copy_map(&s, m, pm_fd, buf))
			goto resume;
	}
	if (exited(&s)) {
		seterr(&s, "process %d exited during the snapshot: no core written",
		       (int)pid);
		goto resume;
	}
	ret = 0;
resume:
	/* 4. let it go */
	resume_all(&s);
	if (ret)
		goto out;
	ret = -1;

	/* 5. the file: header, phdrs, notes, then the segments; what was
	 * written during the stop (past the hold budget) is in place */
	memset(&eh, 0, sizeof(eh));
	memcpy(eh.e_ident, ELFMAG, SELFMAG);
	eh.e_ident[EI_CLASS] = ELFCLASS64;
	eh.e_ident[EI_DATA] = ELFDATA2LSB;
	eh.e_ident[EI_VERSION] = EV_CURRENT;
	eh.e_ident[EI_OSABI] = ELFOSABI_NONE;
	eh.e_type = ET_CORE;
	eh.e_machine = EM_X86_64;
	eh.e_version = EV_CURRENT;
	eh.e_phoff = sizeof(eh);
	eh.e_ehsize = sizeof(eh);
	eh.e_phentsize = sizeof(Elf64_Phdr);
	eh.e_shentsize = sizeof(Elf64_Shdr);
	ph = calloc(phnum, sizeof(*ph));
	if (!ph) {
		seterr(&s, "out of memory");
		goto out;
	}
	ph[0].p_type = PT_NOTE;
	ph[0].p_offset = sizeof(eh) + (uint64_t)phnum * sizeof(Elf64_Phdr);
	ph[0].p_filesz = notes.len;
	ph[0].p_align = 4;
	for (size_t i = 0; i < s.nmaps; i++) {
		const struct snap_map *m = &s.maps[i];
		Elf64_Phdr *p = &ph[i + 1];

		p->p_type = PT_LOAD;
		p->p_offset = m->file_off;
		p->p_vaddr = m->start;
		p->p_memsz = m->end - m->start;
		p->p_filesz = m->content ? p->p_memsz : 0;
		p->p_flags = m->flags;
		p->p_align = SNAP_PAGE;
	}
	if (phnum >= PN_XNUM) {
		/* extended numbering: the count in section 0's sh_info */
		Elf64_Shdr sh;

		memset(&sh, 0, sizeof(sh));
		sh.sh_info = phnum;
		eh.e_phnum = PN_XNUM;
		eh.e_shnum = 1;
		eh.e_shoff = st->file_size;
		if (write_all(&s, &sh, sizeof(sh), st->file_size))
			goto out;
		st->file_size += sizeof(sh);
	} else {
		eh.e_phnum = (uint16_t)phnum;
	}
	if (write_all(&s, &eh, sizeof(eh), 0) ||
	    write_all(&s, ph, (size_t)phnum * sizeof(*ph), sizeof(eh)) ||
	    write_all(&s, notes.p, notes.len, ph[0].p_offset))
		goto out;
	for (size_t i = 0; i < s.nmaps; i++) {
		const struct snap_map *m = &s.maps[i];

		if (m->pre_ok &&
		    write_sparse(&s, m->file_off, m->pre, m->end - m->start))
			goto out;
	}
	if (write_pre(&s, buf))
		goto out;
	for (size_t i = 0; i < s.nruns; i++)
		if (write_sparse(&s, s.runs[i].off, s.runs[i].data,
				 s.runs[i].len))
			goto out;
	/* the core's size: its last pages may be holes, the spill goes */
	if (ftruncate(out_fd, (off_t)st->file_size)) {
		seterr(&s, "cannot size the core: %s", strerror(errno));
		goto out;
	}
	st->threads = (unsigned int)s.nth;
	st->segments = (unsigned int)s.nmaps;
	st->bytes_copied += st->bytes_precopied;
	ret = 0;
out:
	if (pm_fd >= 0)
		close(pm_fd);
	if (s.nth && s.th[0].attached)
		resume_all(&s);
	for (size_t i = 0; i < npre; i++) {
		free(pre[i].path);
		free(pre[i].pre);
	}
	free(pre);
	free_maps(&s);
	for (size_t i = 0; i < s.nruns; i++)
		if (s.runs[i].owned)
			free(s.runs[i].data);
	free(s.runs);
	for (size_t i = 0; i < s.npre; i++)
		free(s.pre[i].keep);
	free(s.pre);
	if (s.arena)
		munmap(s.arena, s.arena_len);
	free(s.th);
	free(notes.p);
	free(ph);
	free(buf);
	st->total_ns = now_ns(CLOCK_MONOTONIC) - t0;
	return ret;
}
