// SPDX-License-Identifier: GPL-2.0
/*
 * memsnap - an oracle for gocapd's guest tests that needs no tap on the
 * core's path (socket mode has none: the kernel writes straight into the
 * daemon's socket).
 *
 *   memsnap crash SNAP [MIB]
 *	Start a child (this program again) that fills MIB MiB (default 16)
 *	with pseudo-random pages, one in four left zero, and waits.  Stop it,
 *	copy every readable mapping from /proc/PID/mem into the file SNAP,
 *	send SIGABRT and SIGCONT: the child dumps without running one more
 *	user instruction, so each segment of its core must hold exactly the
 *	snapshot.  Prints "pid N"; exits 0 when the child died of SIGABRT.
 *
 *   memsnap check SNAP CORE
 *	Compare every PT_LOAD of CORE that has file bytes with the snapshot
 *	of the mapping at the same address.  Exits 0 when all are equal, at
 *	least four were compared and one of them is the MIB region.
 *
 * SNAP: records of { u64 start, u64 end, u64 len } + len bytes (len 0 for
 * a mapping /proc/PID/mem cannot read: vvar, vsyscall).
 */
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define MAX_REGIONS 512

struct region {
	uint64_t start, end, len;
	uint8_t *bytes;
};

static int die(const char *what)
{
	fprintf(stderr, "memsnap: %s: %s\n", what, strerror(errno));
	return 2;
}

static int child(long mib)
{
	size_t len = (size_t)mib << 20, i;
	uint64_t x = 0x9e3779b97f4a7c15ull;
	uint8_t *p = mmap(NULL, len, PROT_READ | PROT_WRITE,
			  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		return die("mmap");
	for (i = 0; i < len; i += 8) {
		if ((i >> 12) % 4 == 3)
			continue;	/* a zero page: a hole in raw mode */
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		memcpy(p + i, &x, 8);
	}
	printf("ready %p %zu\n", (void *)p, len);
	fflush(stdout);
	for (;;)
		pause();
}

static int write_all(int fd, const void *buf, size_t len)
{
	const uint8_t *b = buf;

	while (len) {
		ssize_t n = write(fd, b, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		b += n;
		len -= (size_t)n;
	}
	return 0;
}

static int snapshot(pid_t pid, const char *out)
{
	char path[64], line[512];
	FILE *maps;
	int mem, fd, n = 0;

	snprintf(path, sizeof(path), "/proc/%d/maps", pid);
	maps = fopen(path, "r");
	snprintf(path, sizeof(path), "/proc/%d/mem", pid);
	mem = open(path, O_RDONLY);
	fd = open(out, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	if (!maps || mem < 0 || fd < 0)
		return -1;
	while (fgets(line, sizeof(line), maps)) {
		unsigned long long s, e;
		uint64_t h[3];
		uint8_t *b;

		if (sscanf(line, "%llx-%llx", &s, &e) != 2 || e <= s)
			continue;
		h[0] = s;
		h[1] = e;
		h[2] = e - s;
		b = malloc(e - s);
		if (!b || pread(mem, b, e - s, (off_t)s) != (ssize_t)(e - s))
			h[2] = 0;
		if (write_all(fd, h, sizeof(h)) || write_all(fd, b, h[2]))
			return -1;
		free(b);
		n++;
	}
	fclose(maps);
	close(mem);
	if (fsync(fd) || close(fd))
		return -1;
	return n;
}

static int crash(const char *self, const char *out, const char *mib)
{
	char *argv[] = { (char *)self, "child", (char *)mib, NULL };
	char *envp[] = { "GLIBC_TUNABLES=glibc.pthread.rseq=0", NULL };
	char line[128];
	int pfd[2], st, n;
	pid_t pid;
	FILE *f;

	if (pipe(pfd))
		return die("pipe");
	pid = fork();
	if (pid < 0)
		return die("fork");
	if (!pid) {
		dup2(pfd[1], 1);
		close(pfd[0]);
		close(pfd[1]);
		/* By its path, not /proc/self/exe: its comm stays "memsnap". */
		execve(self, argv, envp);
		execve("/proc/self/exe", argv, envp);
		_exit(127);
	}
	close(pfd[1]);
	f = fdopen(pfd[0], "r");
	if (!f || !fgets(line, sizeof(line), f) || strncmp(line, "ready ", 6)) {
		fprintf(stderr, "memsnap: the child did not start\n");
		kill(pid, SIGKILL);
		return 2;
	}
	if (kill(pid, SIGSTOP) || waitpid(pid, &st, WUNTRACED) != pid ||
	    !WIFSTOPPED(st))
		return die("stopping the child");
	n = snapshot(pid, out);
	if (n <= 0) {
		kill(pid, SIGKILL);
		return die("snapshot");
	}
	if (kill(pid, SIGABRT) || kill(pid, SIGCONT))
		return die("kill");
	printf("pid %d\n", pid);
	fflush(stdout);
	if (waitpid(pid, &st, 0) != pid)
		return die("waitpid");
	fprintf(stderr, "memsnap: pid %d: %d mappings; %s%s\n", pid, n,
		WIFSIGNALED(st) ? strsignal(WTERMSIG(st)) : "exited",
		WIFSIGNALED(st) && WCOREDUMP(st) ? " (core dumped)" : "");
	return WIFSIGNALED(st) && WTERMSIG(st) == SIGABRT ? 0 : 1;
}

static uint8_t *slurp(const char *path, size_t *len)
{
	struct stat sb;
	uint8_t *b;
	int fd = open(path, O_RDONLY);

	if (fd < 0 || fstat(fd, &sb))
		return NULL;
	b = mmap(NULL, (size_t)sb.st_size ? (size_t)sb.st_size : 1, PROT_READ,
		 MAP_PRIVATE, fd, 0);
	close(fd);
	*len = (size_t)sb.st_size;
	return b == MAP_FAILED ? NULL : b;
}

static int check(const char *snap, const char *core)
{
	struct region r[MAX_REGIONS];
	size_t slen, clen, off = 0, i;
	uint8_t *s = slurp(snap, &slen), *c = slurp(core, &clen);
	const Elf64_Ehdr *eh = (const void *)c;
	int n = 0, compared = 0, bad = 0, big = 0, k;

	if (!s || !c)
		return die(!s ? snap : core);
	while (off + 24 <= slen && n < MAX_REGIONS) {
		memcpy(&r[n].start, s + off, 8);
		memcpy(&r[n].end, s + off + 8, 8);
		memcpy(&r[n].len, s + off + 16, 8);
		off += 24;
		if (r[n].len > slen - off) {
			fprintf(stderr, "%s: truncated at region %d\n", snap, n);
			return 2;
		}
		r[n].bytes = s + off;
		off += r[n].len;
		n++;
	}
	if (clen < sizeof(*eh) || memcmp(eh->e_ident, ELFMAG, SELFMAG) ||
	    eh->e_ident[EI_CLASS] != ELFCLASS64 || eh->e_type != ET_CORE ||
	    eh->e_phentsize != sizeof(Elf64_Phdr) ||
	    eh->e_phoff > clen ||
	    (clen - eh->e_phoff) / sizeof(Elf64_Phdr) < eh->e_phnum) {
		fprintf(stderr, "%s: not a well-formed ELF64 core\n", core);
		return 2;
	}
	for (i = 0; i < eh->e_phnum; i++) {
		Elf64_Phdr ph;

		memcpy(&ph, c + eh->e_phoff + i * sizeof(ph), sizeof(ph));
		if (ph.p_type != PT_LOAD || !ph.p_filesz)
			continue;
		if (ph.p_offset > clen || ph.p_filesz > clen - ph.p_offset) {
			fprintf(stderr, "%s: segment %#" PRIx64 " runs past the end\n",
				core, (uint64_t)ph.p_vaddr);
			return 1;
		}
		for (k = 0; k < n; k++)
			if (r[k].start == ph.p_vaddr)
				break;
		if (k == n) {
			fprintf(stderr, "segment %#" PRIx64 " is no mapping of the process\n",
				(uint64_t)ph.p_vaddr);
			bad++;
			continue;
		}
		if (!r[k].len)
			continue;	/* unreadable through /proc/PID/mem */
		if (ph.p_filesz > r[k].len ||
		    memcmp(c + ph.p_offset, r[k].bytes, ph.p_filesz)) {
			fprintf(stderr, "segment %#" PRIx64 " (%" PRIu64 " bytes) differs from the process's memory\n",
				(uint64_t)ph.p_vaddr, (uint64_t)ph.p_filesz);
			bad++;
			continue;
		}
		compared++;
		if (ph.p_filesz >= 1 << 20)
			big++;
	}
	printf("%d segments equal to the process's memory, %d differ; %d of 1 MiB or more\n",
	       compared, bad, big);
	return bad || compared < 4 || !big;
}

int main(int argc, char **argv)
{
	if (argc >= 3 && !strcmp(argv[1], "child"))
		return child(atol(argv[2]) > 0 ? atol(argv[2]) : 16);
	if (argc >= 3 && !strcmp(argv[1], "crash"))
		return crash(argv[0], argv[2], argc > 3 ? argv[3] : "16");
	if (argc == 4 && !strcmp(argv[1], "check"))
		return check(argv[2], argv[3]);
	fprintf(stderr, "usage: memsnap crash SNAP [MIB] | memsnap check SNAP CORE\n");
	return 2;
}
