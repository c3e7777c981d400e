// SPDX-License-Identifier: GPL-2.0
/*
 * lab.c - helpers of the kernel tests that run in the lab's guest (lab.h).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/klog.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "gocoredump/goelf.h"
#include "lab.h"

char *lab_read_file(const char *path, size_t *len)
{
	size_t cap = 4096, n = 0;
	char *buf = malloc(cap + 1);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t r;

	if (fd < 0 || !buf) {
		free(buf);
		if (fd >= 0)
			close(fd);
		return NULL;
	}
	while ((r = read(fd, buf + n, cap - n)) > 0) {
		n += (size_t)r;
		if (n == cap) {
			char *nb = realloc(buf, cap * 2 + 1);

			if (!nb)
				break;
			buf = nb;
			cap *= 2;
		}
	}
	close(fd);
	buf[n] = '\0';
	if (len)
		*len = n;
	return buf;
}

int lab_write_file(const char *path, const char *s)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	ssize_t n;
	int err;

	if (fd < 0)
		return -errno;
	n = write(fd, s, strlen(s));
	err = n < 0 ? -errno : 0;
	close(fd);
	return err;
}

int lab_set_core_pattern(const char *pattern)
{
	return lab_write_file("/proc/sys/kernel/core_pattern", pattern);
}

void lab_clean_cores(void)
{
	struct dirent *e;
	char p[512];
	DIR *d;

	mkdir(LAB_CORES, 0755);
	d = opendir(LAB_CORES);
	if (!d)
		return;
	while ((e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.')
			continue;
		snprintf(p, sizeof(p), "%s/%s", LAB_CORES, e->d_name);
		unlink(p);
	}
	closedir(d);
}

static void child_setup(const struct lab_run_opts *o, int out_fd)
{
	struct rlimit rl;
	char f[32];
	int i;

	rl.rlim_cur = rl.rlim_max = RLIM_INFINITY;
	if (o && o->core_limit_set && o->core_limit >= 0)
		rl.rlim_cur = rl.rlim_max = (rlim_t)o->core_limit;
	setrlimit(RLIMIT_CORE, &rl);
	snprintf(f, sizeof(f), "0x%x\n",
		 o && o->filter_set ? o->filter : 0x33);
	lab_write_file("/proc/self/coredump_filter", f);
	if (chdir("/tmp"))
		_exit(126);
	if (o && o->no_gotraceback)
		unsetenv("GOTRACEBACK");
	else
		setenv("GOTRACEBACK",
		       o && o->gotraceback ? o->gotraceback : "crash", 1);
	for (i = 0; o && i < 8 && o->env[i]; i++)
		putenv((char *)o->env[i]);
	dup2(out_fd, 1);
	if (o && o->err_path)
		i = open(o->err_path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	else
		i = open("/dev/null", O_WRONLY);
	dup2(i, 2);
	if (i > 2)
		close(i);
	if (o && o->uid) {
		if (setgid(o->uid) || setuid(o->uid))
			_exit(126);
		/* A setuid()'d process is not dumpable by default. */
		syscall(SYS_prctl, 4 /* PR_SET_DUMPABLE */, 1, 0, 0, 0);
	}
}

int lab_start(struct lab_proc *p, char *const argv[],
	      const struct lab_run_opts *o, int *out_fd)
{
	int fds[2];

	memset(p, 0, sizeof(*p));
	if (pipe2(fds, O_CLOEXEC))
		return -1;
	p->pid = fork();
	if (p->pid < 0)
		return -1;
	if (p->pid == 0) {
		close(fds[0]);
		child_setup(o, fds[1]);
		execv(argv[0], argv);
		_exit(127);
	}
	close(fds[1]);
	*out_fd = fds[0];
	return 0;
}

static void read_some(struct lab_proc *p, int fd)
{
	ssize_t r;

	if (p->out_len + 1 >= sizeof(p->out)) {
		char sink[4096];

		r = read(fd, sink, sizeof(sink));
		return;
	}
	r = read(fd, p->out + p->out_len, sizeof(p->out) - 1 - p->out_len);
	if (r > 0) {
		p->out_len += (size_t)r;
		p->out[p->out_len] = '\0';
	}
}

int lab_wait_ready(struct lab_proc *p, int fd, int timeout_ms)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };

	while (!strstr(p->out, "ready ")) {
		if (poll(&pfd, 1, timeout_ms) <= 0)
			return -1;
		if (pfd.revents & (POLLHUP | POLLERR) &&
		    !(pfd.revents & POLLIN))
			return -1;
		read_some(p, fd);
	}
	return 0;
}

int lab_wait(struct lab_proc *p, int fd)
{
	struct stat st;

	/* Read to EOF: the write end closes when the whole group is gone. */
	for (;;) {
		size_t room = sizeof(p->out) - 1 - p->out_len;
		char sink[4096];
		ssize_t r = room ? read(fd, p->out + p->out_len, room) :
				   read(fd, sink, sizeof(sink));

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		if (room) {
			p->out_len += (size_t)r;
			p->out[p->out_len] = '\0';
		}
	}
	close(fd);
	if (waitpid(p->pid, &p->status, 0) != p->pid)
		return -1;
	snprintf(p->core, sizeof(p->core), "%s/core.%d", LAB_CORES, p->pid);
	if (stat(p->core, &st) != 0)
		p->core[0] = '\0';
	return WIFSIGNALED(p->status) ? 0 : -1;
}

int lab_run(struct lab_proc *p, char *const argv[],
	    const struct lab_run_opts *o)
{
	int fd;

	if (lab_start(p, argv, o, &fd))
		return -1;
	if (o && o->signal_after_ready) {
		if (lab_wait_ready(p, fd, 60000) == 0)
			kill(p->pid, o->signal_after_ready);
	}
	return lab_wait(p, fd);
}

int lab_crash(struct lab_proc *p, char *const argv[],
	      const struct lab_run_opts *o, struct elfcore *c, char *why,
	      size_t why_len)
{
	if (lab_run(p, argv, o)) {
		snprintf(why, why_len, "%s %s did not die of a signal (status %#x)",
			 argv[0], argv[1] ? argv[1] : "", p->status);
		return -1;
	}
	if (!p->core[0]) {
		snprintf(why, why_len, "%s %s left no core in %s", argv[0],
			 argv[1] ? argv[1] : "", LAB_CORES);
		return -1;
	}
	if (elfcore_open(c, p->core)) {
		snprintf(why, why_len, "%s: %s", p->core, c->problem);
		return -1;
	}
	return 0;
}

int lab_piped_core(pid_t pid, struct elfcore *c, char *path, size_t len)
{
	int i;

	snprintf(path, len, LAB_CORES "/pipe.%d.done", pid);
	for (i = 0; i < 1200 && access(path, F_OK); i++)
		usleep(50000);
	snprintf(path, len, LAB_CORES "/pipe.%d", pid);
	return elfcore_open(c, path);
}

const char *lab_out_value(const struct lab_proc *p, const char *key,
			  char *buf, size_t len)
{
	const char *s = p->out;
	size_t kl = strlen(key);

	while ((s = strstr(s, key)) != NULL) {
		if ((s == p->out || s[-1] == ' ' || s[-1] == '\n') &&
		    s[kl] == '=') {
			size_t n = strcspn(s + kl + 1, " \n");

			if (n >= len)
				n = len - 1;
			memcpy(buf, s + kl + 1, n);
			buf[n] = '\0';
			return buf;
		}
		s += kl;
	}
	return NULL;
}

int lab_module_load_params(const char *params)
{
	int fd = open(LAB_MODULE, O_RDONLY | O_CLOEXEC);
	int r;

	if (fd < 0)
		return -errno;
	r = (int)syscall(SYS_finit_module, fd, params, 0);
	r = r ? -errno : 0;
	close(fd);
	return r;
}

int lab_module_load_only(void)
{
	return lab_module_load_params("");
}

int lab_compat_hooked(void)
{
	char *argv[] = { "/gcd/go/1.22-386/crasher", NULL };
	struct lab_proc p;
	char state[32];
	int i;

	lab_run(&p, argv, NULL);	/* exits 2 (usage) */
	for (i = 0; i < 100; i++) {
		if (!lab_knob_read("compat_hook", state, sizeof(state)) &&
		    !strcmp(state, "hooked"))
			return 0;
		usleep(100000);
	}
	return -1;
}

int lab_module_load(void)
{
	int r = lab_module_load_only();

	if (r)
		return r;
	return lab_compat_hooked() ? -ETIMEDOUT : 0;
}

int lab_module_unload(void)
{
	return syscall(SYS_delete_module, "gocoredump", O_NONBLOCK) ? -errno :
									0;
}

int lab_module_loaded(void)
{
	return access(LAB_SYSFS "/enabled", F_OK) == 0;
}

int lab_knob_read(const char *name, char *buf, size_t len)
{
	char path[256];
	char *s;
	size_t n;

	snprintf(path, sizeof(path), "%s/%s", LAB_SYSFS, name);
	s = lab_read_file(path, &n);
	if (!s)
		return -1;
	while (n && (s[n - 1] == '\n'))
		s[--n] = '\0';
	snprintf(buf, len, "%s", s);
	free(s);
	return 0;
}

long long lab_counter(const char *name)
{
	char buf[64];

	if (lab_knob_read(name, buf, sizeof(buf)))
		return -1;
	return strtoll(buf, NULL, 10);
}

int lab_knob_write(const char *name, const char *value)
{
	char path[256];

	snprintf(path, sizeof(path), "%s/%s", LAB_SYSFS, name);
	return lab_write_file(path, value);
}

void lab_knobs_default(void)
{
	lab_knob_write("enabled", "1");
	lab_knob_write("note", "1");
	lab_knob_write("force", "text,rodata");
	lab_knob_write("scope", "go");
	lab_knob_write("max_forced_mb", "256");
	lab_knob_write("gotraceback", "off");
}

struct map_ctx {
	const struct elfcore *c;
	const char *path;
	struct lab_mapping *out;
	int n, max;
};

static int map_cb(void *arg, uint64_t start, uint64_t end, uint64_t off,
		  const char *path)
{
	struct map_ctx *m = arg;

	if (strcmp(path, m->path) || m->n >= m->max)
		return 0;
	m->out[m->n].start = start;
	m->out[m->n].end = end;
	m->out[m->n].file_off = off;
	m->out[m->n].seg = NULL;
	for (size_t i = 0; i < m->c->nsegs; i++)
		if (m->c->segs[i].vaddr == start)
			m->out[m->n].seg = &m->c->segs[i];
	m->n++;
	return 0;
}

int lab_file_mappings(const struct elfcore *c, const char *path,
		      struct lab_mapping *out, int max)
{
	struct map_ctx m = { c, path, out, 0, max };

	if (elfcore_files(c, map_cb, &m) < 0)
		return -1;
	return m.n;
}

/* The PT_GNU_RELRO file range of an ELF file, if any. */
static void relro_range(const uint8_t *f, size_t size, uint64_t *lo,
			uint64_t *hi)
{
	struct goelf_reader r;
	struct goelf_mem m;
	struct goelf_ehdr eh;
	struct goelf_phdr ph;
	uint32_t i;

	*lo = *hi = 0;
	goelf_mem_reader(&r, &m, f, size);
	if (goelf_read_ehdr(&r, &eh, NULL))
		return;
	for (i = 0; i < eh.phnum; i++) {
		if (goelf_read_phdr(&r, &eh, i, &ph))
			return;
		if (ph.type != PT_GNU_RELRO)
			continue;
		*lo = ph.offset;
		*hi = ph.offset + ph.memsz;
	}
}

int lab_check_forced_bp(const struct elfcore *c, const char *path,
			int max_bp, char *why, size_t why_len)
{
	struct lab_mapping maps[64];
	int n, i, text = 0, rodata = 0, bad = 0, bp = 0;
	uint64_t rlo, rhi;
	size_t size;
	uint8_t *f;

	n = lab_file_mappings(c, path, maps, 64);
	if (n <= 0) {
		snprintf(why, why_len, "no NT_FILE mapping of %s", path);
		return -1;
	}
	/*
	 * read(2), not mmap(): uprobes put their breakpoints into every
	 * private mapping of a probed file that may execute, ours too.
	 */
	f = (uint8_t *)lab_read_file(path, &size);
	if (!f) {
		snprintf(why, why_len, "cannot read %s", path);
		return -1;
	}
	relro_range(f, size, &rlo, &rhi);
	for (i = 0; i < n && !bad; i++) {
		const struct elfcore_seg *s = maps[i].seg;
		int is_text, is_ro;
		uint64_t k;

		if (!s) {
			snprintf(why, why_len, "mapping %#llx of %s has no PT_LOAD",
				 (unsigned long long)maps[i].start, path);
			bad = 1;
			break;
		}
		is_text = (s->flags & PF_X) != 0;
		is_ro = !(s->flags & (PF_X | PF_W));
		if (!is_text && !is_ro)
			continue;
		text += is_text;
		rodata += is_ro;
		if (s->filesz != s->memsz || s->avail != s->filesz) {
			snprintf(why, why_len,
				 "%s mapping at %#llx: p_filesz %#llx != p_memsz %#llx",
				 is_text ? "text" : "rodata",
				 (unsigned long long)s->vaddr,
				 (unsigned long long)s->filesz,
				 (unsigned long long)s->memsz);
			bad = 1;
			break;
		}
		for (k = 0; k < s->filesz; k++) {
			uint64_t fo = maps[i].file_off + k;
			uint8_t want = fo < (uint64_t)size ? f[fo] : 0;
			uint8_t got = c->data[s->offset + k];

			if (fo >= rlo && fo < rhi)
				continue;	/* relocated by the loader */
			if (got == want)
				continue;
			if (is_text && got == 0xcc && bp < max_bp) {
				bp++;		/* a uprobe's int3 */
				continue;
			}
			snprintf(why, why_len,
				 "%s mapping at %#llx: core byte %#llx (file offset %#llx) is %#x, file has %#x",
				 is_text ? "text" : "rodata",
				 (unsigned long long)s->vaddr,
				 (unsigned long long)k,
				 (unsigned long long)fo, got, want);
			bad = 1;
			break;
		}
	}
	free(f);
	if (!bad && (!text || !rodata)) {
		snprintf(why, why_len, "%s: found %d text and %d rodata mappings",
			 path, text, rodata);
		bad = 1;
	}
	return bad ? -1 : bp;
}

int lab_check_forced(const struct elfcore *c, const char *path, char *why,
		     size_t why_len)
{
	return lab_check_forced_bp(c, path, 0, why, why_len) < 0 ? -1 : 0;
}

int lab_in_ranges(const struct lab_ranges *r, uint64_t addr)
{
	int i;

	for (i = 0; r && i < r->n; i++)
		if (addr >= r->lo[i] && addr < r->hi[i])
			return 1;
	return 0;
}

int lab_segments_equal(const struct elfcore *a, const struct elfcore *b,
		       const struct lab_ranges *skip, char *why,
		       size_t why_len)
{
	size_t i;

	if (a->nsegs != b->nsegs) {
		snprintf(why, why_len, "%zu PT_LOADs vs %zu", a->nsegs,
			 b->nsegs);
		return -1;
	}
	for (i = 0; i < a->nsegs; i++) {
		const struct elfcore_seg *x = &a->segs[i], *y = &b->segs[i];

		if (x->vaddr != y->vaddr || x->memsz != y->memsz ||
		    x->filesz != y->filesz || x->flags != y->flags) {
			snprintf(why, why_len, "PT_LOAD %zu differs: %#llx/%#llx/%#llx vs %#llx/%#llx/%#llx",
				 i, (unsigned long long)x->vaddr,
				 (unsigned long long)x->filesz,
				 (unsigned long long)x->memsz,
				 (unsigned long long)y->vaddr,
				 (unsigned long long)y->filesz,
				 (unsigned long long)y->memsz);
			return -1;
		}
		if (x->avail != x->filesz || y->avail != y->filesz) {
			snprintf(why, why_len, "PT_LOAD %zu is truncated", i);
			return -1;
		}
		if (!lab_in_ranges(skip, x->vaddr) &&
		    memcmp(a->data + x->offset, b->data + y->offset,
			   x->filesz)) {
			snprintf(why, why_len, "PT_LOAD %zu at %#llx: bytes differ",
				 i, (unsigned long long)x->vaddr);
			return -1;
		}
	}
	return 0;
}

int lab_sparse_copy(const char *from, const char *to)
{
	int in = open(from, O_RDONLY), out;
	struct stat st;
	off_t data = 0, hole;
	static char buf[1 << 16];
	int err = 0;

	if (in < 0 || fstat(in, &st))
		return -1;
	out = open(to, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (out < 0) {
		close(in);
		return -1;
	}
	while ((data = lseek(in, data, SEEK_DATA)) >= 0) {
		hole = lseek(in, data, SEEK_HOLE);
		if (hole < 0)
			hole = st.st_size;
		while (data < hole) {
			size_t n = (size_t)(hole - data) < sizeof(buf) ?
				   (size_t)(hole - data) : sizeof(buf);
			ssize_t r = pread(in, buf, n, data);

			if (r <= 0 || pwrite(out, buf, r, data) != r) {
				err = -1;
				goto out;
			}
			data += r;
		}
	}
	if (ftruncate(out, st.st_size))
		err = -1;
out:
	close(in);
	close(out);
	return err;
}

int lab_dmesg_clean(char *why, size_t why_len)
{
	static const char *const bad[] = {
		"Oops", "WARNING:", "BUG:", "general protection fault",
		"Call Trace:", "UBSAN:", "KASAN:", "kernel panic", "RIP: 0010",
	};
	int size = klogctl(10, NULL, 0);	/* SYSLOG_ACTION_SIZE_BUFFER */
	char *buf;
	int n, i;

	if (size <= 0)
		size = 1 << 20;
	buf = malloc(size + 1);
	if (!buf)
		return -1;
	n = klogctl(3, buf, size);	/* SYSLOG_ACTION_READ_ALL */
	if (n < 0) {
		free(buf);
		snprintf(why, why_len, "cannot read the kernel log");
		return -1;
	}
	buf[n] = '\0';
	for (i = 0; i < (int)(sizeof(bad) / sizeof(bad[0])); i++) {
		char *hit = strstr(buf, bad[i]);

		if (hit) {
			char *eol = strchr(hit, '\n');

			snprintf(why, why_len, "kernel log: %.*s",
				 eol ? (int)(eol - hit) : 120, hit);
			free(buf);
			return -1;
		}
	}
	free(buf);
	return 0;
}
