/* SPDX-License-Identifier: GPL-2.0 */
/*
 * sandbox.h - where gocapd reads what a crashed process left behind: the
 * core's first bytes and the executable, both written by whoever crashed
 * (a user, maybe an attacker).  Their parsers are bounded and fuzzed, and
 * still they run in a forked child that can do nothing else: no
 * capability, a seccomp list of read/write/mmap/exit (SEC_PARSER), limits
 * on CPU, memory and file size, a wall-clock timeout, and only its inputs
 * and its answer pipe open.  A parser that crashes or hangs costs that
 * dump its facts (the annotation says so), never the dump, never the
 * daemon.
 *
 * The child also copies the executable (sparsely, hashing it) into a file
 * the parent opened, when asked to: the bytes of the executable are read
 * by nobody else.
 */
#ifndef GOCAPD_SANDBOX_H
#define GOCAPD_SANDBOX_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "gocapd/annotate.h"

#define SANDBOX_TIMEOUT_MS	10000	/* wall clock, then SIGKILL */
/* RLIMIT_CPU, a backstop past the wall clock: a parser spinning on a
 * core never reaches it before the daemon's timeout (CPU time grows no
 * faster than wall time), so the two never race. */
#define SANDBOX_CPU_S		15
#define SANDBOX_AS_BYTES	(2ull << 30)

struct sandbox_input {
	const uint8_t *head;	/* the core's first bytes */
	size_t head_len;
	int exe_fd;		/* the executable, -1 */
	int exe_out_fd;		/* copy it here (a new file), -1: don't */
};

struct sandbox_job {
	pid_t pid;		/* the child, 0 when reaped */
	int fd;			/* its answer, non-blocking */
	int64_t deadline_ms;	/* CLOCK_MONOTONIC */
	char *buf;		/* the answer so far */
	size_t len, cap;
	int eof, overflow;
};

/* Fork the parser.  0, or -errno (then no child runs). */
int sandbox_start(struct sandbox_job *j, const struct sandbox_input *in);

/* Take what the child wrote (never blocks).  1 when it is all there (EOF,
 * or the deadline passed: the child is killed), 0 when more may come. */
int sandbox_poll(struct sandbox_job *j);

/* Reap the child (killed if still running) and decode its answer into pf;
 * what went wrong with the parser itself is in pf->parser. */
void sandbox_finish(struct sandbox_job *j, struct parse_facts *pf);

/* All of it, waiting (the helper, which has one dump). */
void sandbox_run(const struct sandbox_input *in, struct parse_facts *pf);

#endif /* GOCAPD_SANDBOX_H */
