// SPDX-License-Identifier: GPL-2.0
/*
 * sandbox.c - the parser child (see sandbox.h): fork, confine, parse the
 * core's head and the executable, write the facts as JSON to a pipe, exit.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "gocapd/exeinfo.h"
#include "gocapd/failpoint.h"
#include "gocapd/sandbox.h"
#include "gocapd/security.h"

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Close every fd but those in keep[] (sorted, -1 ignored). */
static void close_all_but(int *keep, int n)
{
	unsigned int lo = 0;

	for (int i = 0; i < n; i++)
		for (int k = i + 1; k < n; k++)
			if (keep[k] < keep[i]) {
				int t = keep[i];

				keep[i] = keep[k];
				keep[k] = t;
			}
	for (int i = 0; i < n; i++) {
		if (keep[i] < 0)
			continue;
		if ((unsigned int)keep[i] > lo)
			close_range(lo, (unsigned int)keep[i] - 1, 0);
		lo = (unsigned int)keep[i] + 1;
	}
	close_range(lo, ~0u, 0);
}

static void child(const struct sandbox_input *in, int wfd)
{
	struct parse_facts pf;
	struct rlimit cpu = { SANDBOX_CPU_S, SANDBOX_CPU_S };
	struct rlimit as = { SANDBOX_AS_BYTES, SANDBOX_AS_BYTES };
	struct rlimit nofile = { 0, 0 };
	struct stat sb;
	int keep[3] = { in->exe_fd, in->exe_out_fd, wfd };
	char *text;
	size_t len, off = 0;
	int err;

	prctl(PR_SET_PDEATHSIG, SIGKILL);
	close_all_but(keep, 3);
	setrlimit(RLIMIT_CPU, &cpu);
	setrlimit(RLIMIT_AS, &as);
	if (in->exe_fd >= 0 && fstat(in->exe_fd, &sb) == 0) {
		struct rlimit fsize = { (rlim_t)sb.st_size + 1,
					(rlim_t)sb.st_size + 1 };

		setrlimit(RLIMIT_FSIZE, &fsize);
	}
	setrlimit(RLIMIT_NOFILE, &nofile);
	sec_drop_caps(0);
	err = sec_seccomp(SEC_PARSER);
	if (err && err != -ENOSYS)
		_exit(3);
	/* Test points: a parser that crashes, and one that hangs. */
	if (failpoint_armed("parser-crash")) {
		int *volatile nowhere = NULL;

		/* a crash on purpose (SIGSEGV: the filter allows no kill) */
		*nowhere = 1;	// cppcheck-suppress nullPointer
	}
	while (failpoint_armed("parser-hang"))
		;
	memset(&pf, 0, sizeof(pf));
	core_facts_read(&pf.cf, in->head, in->head_len);
	if (in->exe_fd >= 0 && fstat(in->exe_fd, &sb) == 0) {
		struct goelf_reader rd;
		int fd = in->exe_fd;

		exeinfo_fd_reader(&rd, &fd, (uint64_t)sb.st_size);
		exeinfo_read(&rd, &pf.x);
		if (in->exe_out_fd >= 0) {
			pf.copy.size = (uint64_t)sb.st_size;
			err = exeinfo_copy(in->exe_fd, in->exe_out_fd,
					   (uint64_t)sb.st_size, pf.copy.sha256);
			if (err)
				snprintf(pf.copy.error, sizeof(pf.copy.error),
					 "copying the executable: %s",
					 strerror(-err));
			else
				pf.copy.done = 1;
		}
	}
	text = facts_encode(&pf, &len);
	if (!text)
		_exit(2);
	while (off < len) {
		ssize_t n = write(wfd, text + off, len - off);

		if (n <= 0)
			_exit(2);
		off += (size_t)n;
	}
	_exit(0);
}

int sandbox_start(struct sandbox_job *j, const struct sandbox_input *in)
{
	int p[2];

	memset(j, 0, sizeof(*j));
	j->fd = -1;
	/* jansson seeds its hashes from /dev/urandom on first use: here,
	 * where it may, not in the child, where it may not. */
	json_object_seed(0);
	if (pipe2(p, O_CLOEXEC) < 0)
		return -errno;
	j->pid = fork();
	if (j->pid < 0) {
		int err = -errno;

		close(p[0]);
		close(p[1]);
		j->pid = 0;
		return err;
	}
	if (j->pid == 0)
		child(in, p[1]);
	close(p[1]);
	fcntl(p[0], F_SETFL, O_NONBLOCK);
	j->fd = p[0];
	j->deadline_ms = now_ms() + SANDBOX_TIMEOUT_MS;
	return 0;
}

int sandbox_poll(struct sandbox_job *j)
{
	for (;;) {
		ssize_t n;

		if (j->len == j->cap) {
			size_t cap = j->cap ? j->cap * 2 : 65536;
			char *b;

			if (j->cap > FACTS_MAX) {
				j->overflow = 1;
				return 1;
			}
			b = realloc(j->buf, cap + 1);
			if (!b) {
				j->overflow = 1;
				return 1;
			}
			j->buf = b;
			j->cap = cap;
		}
		n = read(j->fd, j->buf + j->len, j->cap - j->len);
		if (n > 0) {
			j->len += (size_t)n;
			continue;
		}
		if (n == 0 || (errno != EAGAIN && errno != EINTR)) {
			j->eof = 1;
			return 1;
		}
		if (errno == EINTR)
			continue;
		return now_ms() >= j->deadline_ms;
	}
}

void sandbox_finish(struct sandbox_job *j, struct parse_facts *pf)
{
	int st = 0, timed_out = !j->eof && !j->overflow;

	memset(pf, 0, sizeof(*pf));
	if (j->pid > 0) {
		if (!j->eof)
			kill(j->pid, SIGKILL);
		while (waitpid(j->pid, &st, 0) < 0 && errno == EINTR)
			;
	}
	if (j->fd >= 0)
		close(j->fd);
	if (timed_out)
		snprintf(pf->parser, sizeof(pf->parser),
			 "the parser of the core's head and executable took longer than %d s and was killed: their facts are missing",
			 SANDBOX_TIMEOUT_MS / 1000);
	else if (j->overflow)
		snprintf(pf->parser, sizeof(pf->parser),
			 "the parser's answer is over %u bytes: its facts are not used",
			 FACTS_MAX);
	else if (WIFSIGNALED(st) &&
		 (WTERMSIG(st) == SIGXCPU || WTERMSIG(st) == SIGKILL))
		snprintf(pf->parser, sizeof(pf->parser),
			 "the parser of the core's head and executable took longer than its %d s of CPU time, or its memory, and was killed: their facts are missing",
			 SANDBOX_CPU_S);
	else if (WIFSIGNALED(st))
		snprintf(pf->parser, sizeof(pf->parser),
			 "the parser of the core's head and executable crashed (signal %d): their facts are missing",
			 WTERMSIG(st));
	else if (!WIFEXITED(st) || WEXITSTATUS(st))
		snprintf(pf->parser, sizeof(pf->parser),
			 "the parser of the core's head and executable failed (exit %d): their facts are missing",
			 WIFEXITED(st) ? WEXITSTATUS(st) : -1);
	else
		facts_decode(j->buf ? j->buf : "", j->len, pf);
	free(j->buf);
	memset(j, 0, sizeof(*j));
	j->fd = -1;
}

void sandbox_run(const struct sandbox_input *in, struct parse_facts *pf)
{
	struct sandbox_job j;

	if (sandbox_start(&j, in)) {
		memset(pf, 0, sizeof(*pf));
		snprintf(pf->parser, sizeof(pf->parser),
			 "the parser could not be started: %s", strerror(errno));
		return;
	}
	while (!sandbox_poll(&j)) {
		struct pollfd p = { .fd = j.fd, .events = POLLIN };
		int64_t left = j.deadline_ms - now_ms();

		if (left <= 0)
			break;
		poll(&p, 1, left > 1000 ? 1000 : (int)left);
	}
	sandbox_finish(&j, pf);
}
