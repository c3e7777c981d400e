// SPDX-License-Identifier: GPL-2.0
/*
 * daemon.c - the gocapd daemon: takes dumps handed over by `gocapd --pipe`
 * on its unix socket, and (socket mode) takes cores straight from the
 * kernel on a core_pattern "@" / "@@" socket.  All dumps in flight share one
 * io_uring (persist.c); at most MaxConcurrent are in flight, the others
 * wait in arrival order (their crashed processes wait with them).
 *
 * A connection's life:
 *   HELLO     a helper connected; its HELLO is awaited without blocking
 *             (HELLO_MS at most)
 *   QUEUED    waiting for a slot; the helper hears QUEUED every
 *             PROTO_HEARTBEAT_MS; its socket is watched: WITHDRAW (it
 *             stores the core itself) drops it, a close without WITHDRAW
 *             (the helper was killed) makes the core the daemon's alone
 *   ACCEPTED  ACCEPT sent, waiting for GO; after GO_SLOT_MS without it the
 *             dump stops holding a slot (a stopped helper cannot stall the
 *             queue) and starts whenever GO comes
 *   RUNNING   persist moves the bytes; once all are read and written
 *             (before the fsync) the stream is closed and a helper that
 *             knows it is told WRITTEN: the crashed process goes
 *   PARSING   the core's head and the executable are parsed in a sandboxed
 *             child (sandbox.h); then the dump is committed (dump.h)
 *   PENDING   committed, its row waits for a locked index (retried)
 *   REPLYING  DONE waits for room in the helper's socket
 *
 * Invariant kept for the helper: the daemon reads nothing from a handed
 * core stream before it has the helper's GO (which answers ACCEPT), or
 * before the helper is gone without a word (then nobody else reads it);
 * after REFUSE it has closed its copy having read nothing.
 *
 * The loop never blocks on anything but io_uring: replies are
 * non-blocking (proto.h), the index is used without waiting (a locked
 * index delays rows, not dumps: store.h), the parser is a child, the
 * rebuild of a lost index a thread.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "gocapd/daemon.h"
#include "gocapd/failpoint.h"
#include "gocapd/kcore.h"
#include "gocapd/proto.h"
#include "gocapd/security.h"
#include "store/paths.h"

#ifndef SO_PEERPIDFD
#define SO_PEERPIDFD 77
#endif

#define GO_SLOT_MS		2000	/* ACCEPT without GO: slot released */
#define TICK_MS			250
#define RECOVER_EVERY_MS	10000	/* store_recover(), store_check() */
#define VACUUM_EVERY_MS		60000	/* MaxAge */
#define HELPER_SNDBUF		16384	/* a few dozen replies, then drop */
#define HELLO_MS		5000

enum conn_state { C_HELLO, C_QUEUED, C_ACCEPTED, C_RUNNING, C_PARSING,
		  C_PENDING, C_REPLYING };

struct conn {
	struct daemon *dm;
	enum conn_state state;
	struct dump d;
	int core_fd;		/* the stream */
	int client;		/* helper's socket, -1 in socket mode (or
				 * once the helper is gone) */
	int kernel;		/* socket mode: the core comes from the kernel */
	int slot;		/* holds one of MaxConcurrent */
	struct persist_watch *watch;
	int64_t accept_ms;
	uint64_t prog_core, prog_file;	/* a PROGRESS not sent yet */
	int prog_pending;
	int knows_written;	/* the helper's HELLO: PROTO_KNOWS_WRITTEN */
	uint64_t written_read, written_core;	/* a WRITTEN not sent yet */
	int written_pending;
	struct proto_msg done;	/* DONE, while it waits to be sent */
	struct conn *next, *prev;	/* all conns */
	struct conn *qnext;	/* waiting for a slot */
};

struct daemon {
	struct dump_env *env;
	struct persist_ring *ring;
	int listen_fd, kcore_fd, kcore_request;
	struct conn *all;
	struct conn *wait_head, *wait_tail;
	unsigned int slots;	/* taken */
	int64_t last_beat, last_tick, last_recover, last_vacuum;
	volatile sig_atomic_t stop;
	unsigned long dumps;
	pthread_t reindexer;
	int reindexing;
	volatile int reindex_done;
	int reindex_ret;
	struct store_reindex_stats reindex_stats;
};

static struct daemon *the_daemon;

static void on_signal(int sig)
{
	(void)sig;
	if (the_daemon)
		the_daemon->stop = 1;
}

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void start_waiting(struct daemon *dm);

static void release_slot(struct conn *c)
{
	if (c->slot) {
		c->slot = 0;
		c->dm->slots--;
	}
}

static void close_core(struct conn *c)
{
	/* Closing the stream lets the kernel finish the crashed process. */
	if (c->core_fd >= 0)
		close(c->core_fd);
	c->core_fd = -1;
}

static void unwatch(struct conn *c)
{
	persist_unwatch(c->dm->ring, c->watch);
	c->watch = NULL;
}

static void conn_free(struct conn *c)
{
	struct daemon *dm = c->dm;

	unwatch(c);
	release_slot(c);
	close_core(c);
	if (c->client >= 0)
		close(c->client);
	if (c->prev)
		c->prev->next = c->next;
	else
		dm->all = c->next;
	if (c->next)
		c->next->prev = c->prev;
	dump_free(&c->d);
	free(c);
}

static struct conn *conn_new(struct daemon *dm)
{
	struct conn *c = calloc(1, sizeof(*c));

	if (!c)
		return NULL;
	c->dm = dm;
	c->core_fd = c->client = -1;
	dump_init(&c->d);
	c->next = dm->all;
	if (dm->all)
		dm->all->prev = c;
	dm->all = c;
	return c;
}

/* A reply that must not block: -EAGAIN when the helper does not read. */
static int reply(struct conn *c, enum proto_type t, uint64_t a, uint64_t b,
		 const char *text, int fd)
{
	struct proto_msg m;

	if (c->client < 0)
		return -EPIPE;
	proto_init(&m, t);
	m.a = a;
	m.b = b;
	if (fd >= 0) {
		m.flags = PROTO_F_FILE;
		m.nfds = 1;
	}
	if (text)
		snprintf(m.text, sizeof(m.text), "%.230s", text);
	return proto_try_send(c->client, &m, fd >= 0 ? &fd : NULL,
			      fd >= 0 ? 1 : 0);
}

static void send_progress(struct conn *c)
{
	int ret;

	if (!c->prog_pending)
		return;
	ret = reply(c, PROTO_PROGRESS, c->prog_core, c->prog_file, NULL, -1);
	/* Full: the last point is sent later (only it matters). */
	if (ret != -EAGAIN)
		c->prog_pending = 0;
}

static void on_progress(void *arg, uint64_t core, uint64_t file_bytes)
{
	struct conn *c = arg;

	c->prog_core = core;
	c->prog_file = file_bytes;
	c->prog_pending = 1;
	send_progress(c);
}

/* WRITTEN, after the PROGRESS that holds its bytes (in that order: a
 * full socket sends both later). */
static void send_written(struct conn *c)
{
	int ret;

	send_progress(c);
	if (!c->written_pending || c->prog_pending)
		return;
	ret = reply(c, PROTO_WRITTEN, c->written_read, c->written_core, NULL,
		    -1);
	if (ret != -EAGAIN)
		c->written_pending = 0;
}

/*
 * Every core byte is read and in the file; its fsync comes next.  The
 * stream is done with: closing our copy, and the helper closing its own
 * on WRITTEN, lets the kernel finish the crashed process now, not after
 * the fsync, the parse and the commit.  What the helper needs should we
 * die before DONE is the file, which it holds, and where it ends (the
 * PROGRESS sent first).  In socket mode the stream is the kernel's
 * connection: the kernel has shut its side down, /proc/PID was read when
 * it connected, and it waits (COREDUMP_WAIT) only for our close.
 */
static void on_written(void *arg, uint64_t received, uint64_t core,
		       uint64_t file_bytes)
{
	struct conn *c = arg;

	close_core(c);
	if (c->client >= 0 && c->knows_written) {
		c->prog_core = core;
		c->prog_file = file_bytes;
		c->prog_pending = 1;
		c->written_read = received;
		c->written_core = core;
		c->written_pending = 1;
		send_written(c);
	}
}

static void watch_parser(struct conn *c);
static void finish(struct conn *c);

static void on_done(void *arg, const struct persist_result *r)
{
	struct conn *c = arg;

	/* The slot is free for the next dump while this one is parsed. */
	release_slot(c);
	c->state = C_PARSING;
	dump_written(c->dm->env, &c->d, r);
	close_core(c);		/* (closed already: on_written()) */
	watch_parser(c);
	start_waiting(c->dm);
}

static void on_parser(void *arg, int revents)
{
	struct conn *c = arg;

	(void)revents;
	c->watch = NULL;
	watch_parser(c);
}

/* Read the parser's answer as it comes; finish once it is all there. */
static void watch_parser(struct conn *c)
{
	if (dump_parse_poll(&c->d)) {
		finish(c);
		return;
	}
	c->watch = persist_watch(c->dm->ring, dump_parse_fd(&c->d), POLLIN,
				 on_parser, c);
}

static void on_replied(void *arg, int revents);

/* DONE to the helper, now or once it reads. */
static void send_done(struct conn *c)
{
	int ret;

	send_written(c);
	ret = c->client >= 0 ? proto_try_send(c->client, &c->done, NULL, 0) :
			       -EPIPE;
	if (ret == -EAGAIN) {
		c->state = C_REPLYING;
		c->watch = persist_watch(c->dm->ring, c->client, POLLOUT,
					 on_replied, c);
		if (c->watch)
			return;
	}
	conn_free(c);
}

static void on_replied(void *arg, int revents)
{
	struct conn *c = arg;

	c->watch = NULL;
	if (revents & (POLLHUP | POLLERR)) {
		conn_free(c);	/* the helper is gone: nobody to tell */
		return;
	}
	send_done(c);
}

static void finish(struct conn *c)
{
	struct daemon *dm = c->dm;
	int ret = dump_complete(dm->env, &c->d);

	dm->dumps++;
	proto_init(&c->done, PROTO_DONE);
	c->done.a = (uint64_t)c->d.id;
	c->done.b = c->d.status;
	if (ret == 1) {
		/* Committed: the dump exists; only its row waits. */
		c->state = C_PENDING;
		if (c->client >= 0 && proto_try_send(c->client, &c->done, NULL,
						      0) == 0) {
			close(c->client);
			c->client = -1;
		}
		return;
	}
	if (ret < 0) {
		/* Not even the metadata: the helper cannot do better now
		 * (the stream is read), it is told by the close. */
		conn_free(c);
		return;
	}
	send_done(c);
}

/* The dump file begun for c, when c will not be written after all. */
static void drop_partial(struct conn *c)
{
	if (c->d.out_fd < 0 || !c->d.tmp_name[0] || c->d.tmpfd < 0)
		return;
	unlinkat(c->d.tmpfd, c->d.tmp_name, 0);
	close(c->d.out_fd);
	c->d.out_fd = -1;
}

/* Start reading c's core stream (GO received, the helper gone, or socket
 * mode).  On failure c is gone. */
static void conn_run(struct conn *c)
{
	struct daemon *dm = c->dm;
	int ret;

	unwatch(c);
	c->state = C_RUNNING;
	c->d.on_progress = c->client >= 0 ? on_progress : NULL;
	c->d.on_written = on_written;
	c->d.on_done = on_done;
	c->d.cb_arg = c;
	ret = dump_start(dm->env, &c->d, dm->ring, c->core_fd);
	if (ret < 0) {
		logmsg("cannot start the dump of pid %d: %s", c->d.ctx.pid,
		       strerror(-ret));
		/* Nothing was read: the helper can store the core itself. */
		reply(c, PROTO_REFUSE, 0, 0, "the daemon cannot start the dump",
		      -1);
		drop_partial(c);
		if (c->client < 0 && !c->kernel)
			logmsg("pid %d: its helper is gone: the core is lost",
			       c->d.ctx.pid);
		conn_free(c);
	}
}

static void on_client(void *arg, int revents);

static void on_hello(void *arg, int revents);

static void watch_client(struct conn *c)
{
	if (c->client >= 0)
		c->watch = persist_watch(c->dm->ring, c->client, POLLIN,
					 c->state == C_HELLO ? on_hello :
					 on_client, c);
}

/*
 * The helper spoke, or its socket closed, while its dump waited for a
 * slot or for its GO.  GO: start.  WITHDRAW: it stores the core itself,
 * nothing was read, drop it.  A close without a word: the helper died
 * (killed); its core is ours alone now.
 */
static int client_event(struct conn *c)
{
	struct daemon *dm = c->dm;
	struct proto_msg m;
	unsigned int nfds = 0;
	int fds[PROTO_MAX_FDS];
	char err[256];
	int ret;

	c->watch = NULL;
	ret = proto_recv(c->client, &m, fds, &nfds, err, sizeof(err));
	for (unsigned int i = 0; ret > 0 && i < nfds; i++)
		close(fds[i]);
	if (ret > 0 && m.type == PROTO_GO && c->state == C_ACCEPTED) {
		if (!c->slot) {
			/* a late GO: it takes a slot of its own */
			c->slot = 1;
			dm->slots++;
		}
		conn_run(c);
		return 0;
	}
	if (ret > 0 && m.type == PROTO_WITHDRAW) {
		logmsg("pid %d: the helper withdrew before GO (its HandoffTimeout ran out?): it stores the core itself; nothing read",
		       c->d.ctx.pid);
		drop_partial(c);
		goto gone;
	}
	if (ret > 0) {
		watch_client(c);	/* something else: ignored */
		return 0;
	}
	if (ret < 0 && ret != -ECONNRESET && ret != -EPIPE) {
		logmsg("pid %d: bad message from the helper: %s", c->d.ctx.pid,
		       ret == -EBADMSG ? err : strerror(-ret));
		drop_partial(c);
		goto gone;
	}
	/* EOF without WITHDRAW: the helper is dead, the core is ours. */
	close(c->client);
	c->client = -1;
	logmsg("pid %d: its helper died while the dump waited (killed?): the daemon takes the core itself",
	       c->d.ctx.pid);
	if (c->state == C_ACCEPTED)
		conn_run(c);
	return 0;
gone:
	if (c->state == C_QUEUED) {
		/* out of the wait queue */
		struct conn **pp = &dm->wait_head, *prev = NULL;

		while (*pp && *pp != c) {
			prev = *pp;
			pp = &(*pp)->qnext;
		}
		if (*pp) {
			*pp = c->qnext;
			if (dm->wait_tail == c)
				dm->wait_tail = prev;
		}
	}
	conn_free(c);
	start_waiting(dm);
	return 1;
}

static void on_client(void *arg, int revents)
{
	(void)revents;
	client_event(arg);
}

/* Begin c's dump now: a slot is free. */
static void conn_start(struct conn *c)
{
	struct daemon *dm = c->dm;
	struct pollfd pfd = { .fd = c->client, .events = POLLIN };
	char err[256];
	int ret;

	unwatch(c);
	/* A word from the helper still unread (WITHDRAW, or its death)
	 * first: a daemon that slept must not take a withdrawn core. */
	if (c->client >= 0 && poll(&pfd, 1, 0) > 0 && client_event(c))
		return;
	unwatch(c);
	dump_store_check(dm->env);
	ret = dump_begin(dm->env, &c->d);
	if (c->kernel && dm->kcore_request) {
		/* Rate-limited: tell the kernel not to write the core. */
		int hs = kcore_handshake(c->core_fd, ret == 1, err, sizeof(err));

		if (hs && hs != -ECANCELED)
			logmsg("coredump socket, pid %d: %s", c->d.ctx.pid, err);
		if (hs) {
			if (ret == 0)
				drop_partial(c);
			conn_free(c);
			return;
		}
	}
	if (ret == 1) {
		reply(c, PROTO_DONE, 0, STORE_METADATA_ONLY, NULL, -1);
		conn_free(c);
		return;
	}
	if (ret < 0) {
		logmsg("cannot begin the dump of pid %d: %s", c->d.ctx.pid,
		       strerror(-ret));
		if (reply(c, PROTO_REFUSE, 0, 0, "the daemon cannot use its store",
			  -1) && c->client < 0 && !c->kernel)
			logmsg("pid %d: its helper is gone: the core is lost",
			       c->d.ctx.pid);
		conn_free(c);
		return;
	}
	c->slot = 1;
	dm->slots++;
	if (c->client < 0) {
		conn_run(c);	/* socket mode, or the helper is gone */
		return;
	}
	/* storage in b, rate-limit count in a, the partial file and its
	 * name: all the helper needs to take over if we die.  Then its GO. */
	c->state = C_ACCEPTED;
	c->accept_ms = now_ms();
	ret = reply(c, PROTO_ACCEPT, c->d.suppressed_before, c->d.storage,
		    c->d.tmp_name, c->d.out_fd);
	if (ret) {
		logmsg("pid %d: cannot send ACCEPT (%s): closing; the helper stores the core itself",
		       c->d.ctx.pid, strerror(-ret));
		drop_partial(c);
		conn_free(c);
		return;
	}
	watch_client(c);
}

static void start_waiting(struct daemon *dm)
{
	while (dm->wait_head && !dm->stop &&
	       dm->slots < dm->env->cfg->max_concurrent) {
		struct conn *c = dm->wait_head;

		dm->wait_head = c->qnext;
		if (!dm->wait_head)
			dm->wait_tail = NULL;
		c->qnext = NULL;
		conn_start(c);
	}
}

/* QUEUED to every helper still waiting for a slot: we are alive. */
static void heartbeat(struct daemon *dm)
{
	uint64_t ahead = 0;

	for (struct conn *c = dm->wait_head; c; c = c->qnext)
		reply(c, PROTO_QUEUED, ahead++, 0, NULL, -1);	/* or dropped */
	dm->last_beat = now_ms();
}

static void enqueue(struct daemon *dm, struct conn *c)
{
	c->state = C_QUEUED;
	c->qnext = NULL;
	if (dm->wait_tail)
		dm->wait_tail->qnext = c;
	else
		dm->wait_head = c;
	dm->wait_tail = c;
	watch_client(c);
	start_waiting(dm);
}

static int peer_is_root(int fd, struct ucred *uc)
{
	socklen_t len = sizeof(*uc);

	return getsockopt(fd, SOL_SOCKET, SO_PEERCRED, uc, &len) == 0 &&
	       uc->uid == 0;
}

/* A helper's HELLO, fds and context arrived (or its socket closed). */
static void on_hello(void *arg, int revents)
{
	struct conn *c = arg;
	struct daemon *dm = c->dm;
	struct proto_msg m;
	unsigned int nfds = 0;
	int fds[PROTO_MAX_FDS];
	uint8_t *rec = NULL;
	struct stat sb;
	char err[256];
	int ret;

	(void)revents;
	c->watch = NULL;
	ret = proto_recv(c->client, &m, fds, &nfds, err, sizeof(err));
	if (ret == -EAGAIN) {
		watch_client(c);
		return;
	}
	if (ret <= 0 || m.type != PROTO_HELLO) {
		if (ret < 0)
			logmsg("bad message from a helper: %s",
			       ret == -EBADMSG ? err : strerror(-ret));
		for (unsigned int i = 0; ret > 0 && i < nfds; i++)
			close(fds[i]);
		conn_free(c);
		return;
	}
	c->core_fd = fds[0];
	c->d.exe_fd = nfds > 2 ? fds[2] : -1;
	c->knows_written = (m.b & PROTO_KNOWS_WRITTEN) != 0;
	/* The context record: a memfd of exactly m.a bytes. */
	if (fstat(fds[1], &sb) < 0 || (uint64_t)sb.st_size != m.a) {
		snprintf(err, sizeof(err), "context memfd is not %llu bytes",
			 (unsigned long long)m.a);
		goto bad;
	}
	rec = malloc(m.a);
	if (!rec || pread(fds[1], rec, m.a, 0) != (ssize_t)m.a) {
		snprintf(err, sizeof(err), "cannot read the context record");
		goto bad;
	}
	if (ctx_decode(&c->d.ctx, rec, m.a, err, sizeof(err)))
		goto bad;
	free(rec);
	close(fds[1]);
	enqueue(dm, c);
	return;
bad:
	logmsg("bad handover: %s", err);
	free(rec);
	close(fds[1]);
	reply(c, PROTO_REFUSE, 0, 0, err, -1);
	conn_free(c);
}

/* A helper connected: its HELLO comes next (on_hello). */
static void take_helper(struct daemon *dm, int fd)
{
	int sndbuf = HELPER_SNDBUF;
	struct ucred uc;
	struct conn *c;

	if (!peer_is_root(fd, &uc)) {
		logmsg("refusing a connection from uid %u: only root may hand over cores",
		       uc.uid);
		close(fd);
		return;
	}
	/* Non-blocking, a small send buffer: no reply ever blocks the
	 * loop, and a helper that does not read costs a few KiB. */
	setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &sndbuf, sizeof(sndbuf));
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
	c = conn_new(dm);
	if (!c) {
		close(fd);
		return;
	}
	c->client = fd;
	c->state = C_HELLO;
	c->accept_ms = now_ms();
	c->watch = persist_watch(dm->ring, fd, POLLIN, on_hello, c);
}

static void on_listen(void *arg, int revents)
{
	struct daemon *dm = arg;
	int fd;

	(void)revents;
	while ((fd = accept4(dm->listen_fd, NULL, NULL, SOCK_CLOEXEC)) >= 0)
		take_helper(dm, fd);
	if (!dm->stop)
		persist_watch(dm->ring, dm->listen_fd, POLLIN, on_listen, dm);
}

/* "Name:\t<comm>" of /proc/PID/status, for socket mode (no %e). */
static void comm_from_status(struct crash_ctx *ctx)
{
	const struct ctx_blob *st = &ctx->blob[CTX_STATUS];
	const char *p = st->data;

	if (p && st->len > 6 && !strncmp(p, "Name:\t", 6)) {
		const char *nl = memchr(p + 6, '\n', st->len - 6);

		if (nl)
			ctx_set(ctx, CTX_COMM, p + 6, (size_t)(nl - p - 6));
	}
}

/* The kernel connected to the coredump socket: the crash is in progress. */
static void take_kernel(struct daemon *dm, int fd)
{
	struct ucred uc;
	socklen_t len = sizeof(uc);
	struct conn *c;
	char path[32], host[256];
	struct timeval tv = { 10, 0 };
	struct timespec ts;
	int procfd, pidfd = -1;

	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &uc, &len) < 0) {
		close(fd);
		return;
	}
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	c = conn_new(dm);
	if (!c) {
		close(fd);
		return;
	}
	c->core_fd = fd;
	c->kernel = 1;
	c->d.ctx.pid = (int32_t)uc.pid;
	c->d.ctx.tid = (int32_t)uc.pid;
	c->d.ctx.uid = (int32_t)uc.uid;
	c->d.ctx.gid = (int32_t)uc.gid;
	clock_gettime(CLOCK_REALTIME, &ts);
	c->d.ctx.time_us = (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
	c->d.ctx.core_time = ts.tv_sec;
	ctx_stamp_monotonic(&c->d.ctx);
	if (gethostname(host, sizeof(host)) == 0)
		ctx_set(&c->d.ctx, CTX_HOSTNAME, host, strnlen(host, sizeof(host)));
	/* The kernel's pidfd of the crashed process (6.5+), to check that
	 * /proc/PID is still it. */
	len = sizeof(pidfd);
	if (getsockopt(fd, SOL_SOCKET, SO_PEERPIDFD, &pidfd, &len) < 0)
		pidfd = -1;
	/* The kernel keeps the process (COREDUMP_WAIT) until we close: its
	 * /proc entry is the crashed process, not a recycled pid. */
	snprintf(path, sizeof(path), "/proc/%d", uc.pid);
	procfd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (procfd >= 0) {
		ctx_collect_proc(&c->d.ctx, procfd);
		c->d.exe_fd = openat(procfd, "exe", O_RDONLY | O_CLOEXEC);
		close(procfd);
	}
	if (pidfd >= 0) {
		ctx_check_pidfd(&c->d.ctx, pidfd);
		close(pidfd);
	}
	comm_from_status(&c->d.ctx);
	enqueue(dm, c);
}

static void on_kcore(void *arg, int revents)
{
	struct daemon *dm = arg;
	int fd;

	(void)revents;
	while ((fd = accept4(dm->kcore_fd, NULL, NULL, SOCK_CLOEXEC)) >= 0)
		take_kernel(dm, fd);
	if (!dm->stop)
		persist_watch(dm->ring, dm->kcore_fd, POLLIN, on_kcore, dm);
}

/*
 * A listening unix socket at path, mode 0600, in a directory that is
 * root's alone (made 0700, or found so: paths.h).  A directory someone
 * else could have made or can write is refused: they could put their own
 * socket there, or read what helpers send.
 */
static int listen_at(const char *path, int type)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	char dir[sizeof(sa.sun_path)], err[512];
	char *slash;
	int fd, dfd;

	if (strlen(path) >= sizeof(sa.sun_path)) {
		logmsg("%s: socket path too long", path);
		return -ENAMETOOLONG;
	}
	strcpy(sa.sun_path, path);
	strcpy(dir, path);
	slash = strrchr(dir, '/');
	if (!slash || slash == dir) {
		logmsg("%s: the socket needs a directory of its own (like /run/gocapd/)",
		       path);
		return -EINVAL;
	}
	*slash = 0;
	dfd = paths_open_dir(dir, PATHS_CREATE | PATHS_CHECK, 0700, err,
			     sizeof(err));
	if (dfd < 0) {
		logmsg("socket directory: %s", err);
		return dfd;
	}
	unlinkat(dfd, slash + 1, 0);
	close(dfd);
	fd = socket(AF_UNIX, type | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    chmod(path, 0600) < 0 || listen(fd, 4096) < 0) {
		int e = errno;

		logmsg("%s: cannot listen: %s", path, strerror(e));
		if (fd >= 0)
			close(fd);
		return -e;
	}
	return fd;
}

/* --- the index: rebuilt in the background, rows that waited ------------ */

static void *reindex_thread(void *arg)
{
	struct daemon *dm = arg;
	struct store *s;
	char err[512];

	/* Its own connection: the loop goes on with its own. */
	dm->reindex_ret = store_open(&s, dm->env->store_dir, STORE_O_CREATE,
				     err, sizeof(err));
	if (dm->reindex_ret == 0) {
		dm->reindex_ret = store_reindex(s, &dm->reindex_stats);
		if (dm->reindex_ret)
			logmsg("rebuilding the index: %s", store_error(s));
		store_close(s);
	} else {
		logmsg("rebuilding the index: %s", err);
	}
	__atomic_store_n(&dm->reindex_done, 1, __ATOMIC_RELEASE);
	return NULL;
}

static void start_reindex(struct daemon *dm)
{
	if (dm->reindexing)
		return;
	logmsg("the index of %s must be rebuilt from the annotations: doing it in the background, capture goes on",
	       store_path(dm->env->store));
	dm->reindex_done = 0;
	if (pthread_create(&dm->reindexer, NULL, reindex_thread, dm) == 0)
		dm->reindexing = 1;
	else
		logmsg("cannot start the rebuild: run gocapd --reindex");
}

static void check_index(struct daemon *dm)
{
	struct store *s = dm->env->store;

	if (dm->reindexing &&
	    __atomic_load_n(&dm->reindex_done, __ATOMIC_ACQUIRE)) {
		pthread_join(dm->reindexer, NULL);
		dm->reindexing = 0;
		if (dm->reindex_ret == 0) {
			logmsg("index rebuilt: %lu annotations, %lu rows added, %lu removed, %lu unreadable",
			       dm->reindex_stats.annotations,
			       dm->reindex_stats.added,
			       dm->reindex_stats.removed,
			       dm->reindex_stats.unreadable);
			/* the thread cleared the index's flag on its own
			 * handle: without this, s would ask again, and the
			 * daemon rebuild for ever, holding the index's lock
			 * (rows of new dumps then wait) */
			store_recheck_reindex(s);
		}
	}
	if (store_index_corrupt(s) && !dm->reindexing) {
		logmsg("the index %s/%s is damaged: moving it aside", store_path(s),
		       STORE_INDEX_NAME);
		if (store_reset_index(s))
			logmsg("%s", store_error(s));
	}
	if (store_needs_reindex(s) && !dm->reindexing)
		start_reindex(dm);
}

/* Every tick: what waits on time rather than on a file descriptor. */
static void tick(struct daemon *dm)
{
	int64_t now = now_ms();
	struct conn *c, *next;

	if (dm->wait_head && now - dm->last_beat >= PROTO_HEARTBEAT_MS)
		heartbeat(dm);
	dm->last_tick = now;
	for (c = dm->all; c; c = next) {
		next = c->next;
		if (c->state == C_HELLO && now - c->accept_ms >= HELLO_MS) {
			logmsg("a helper connected and sent no HELLO in %d ms: closing",
			       HELLO_MS);
			conn_free(c);
			continue;
		}
		/* A helper that does not answer ACCEPT (stopped) does not
		 * hold a slot for ever; its GO starts it whenever it comes. */
		if (c->state == C_ACCEPTED && c->slot &&
		    now - c->accept_ms >= GO_SLOT_MS) {
			release_slot(c);
			logmsg("pid %d: no GO after %d ms: its slot goes to the next dump",
			       c->d.ctx.pid, GO_SLOT_MS);
		}
		if (c->state == C_RUNNING || c->written_pending)
			send_written(c);
		if (c->state == C_PARSING && dump_parse_poll(&c->d)) {
			unwatch(c);
			finish(c);
		} else if (c->state == C_PENDING &&
			   dump_pending_retry(dm->env, &c->d) == 0) {
			if (c->client >= 0)
				send_done(c);
			else
				conn_free(c);
		}
	}
	if (now - dm->last_recover >= RECOVER_EVERY_MS) {
		dm->last_recover = now;
		dump_store_check(dm->env);
		if (store_recover(dm->env->store) > 0)
			logmsg("finished what a gocapd that died left in %s/%s",
			       store_path(dm->env->store), STORE_TMP_DIR);
	}
	if (now - dm->last_vacuum >= VACUUM_EVERY_MS) {
		dm->last_vacuum = now;
		space_vacuum(dm->env->space, 0);
	}
	check_index(dm);
	start_waiting(dm);
}

static int busy(const struct daemon *dm)
{
	for (const struct conn *c = dm->all; c; c = c->next)
		if (c->state != C_QUEUED && c->state != C_HELLO &&
		    c->state != C_ACCEPTED)
			return 1;
	return 0;
}

/*
 * SIGTERM: dumps under way finish; dumps that wait get EOF or REFUSE
 * before the daemon read anything, and their helpers store the cores
 * themselves.
 */
static void stop_waiting(struct daemon *dm)
{
	struct conn *c, *next;

	for (c = dm->all; c; c = next) {
		next = c->next;
		if (c->state == C_ACCEPTED)
			reply(c, PROTO_REFUSE, 0, 0, "the daemon is stopping", -1);
		if (c->state == C_HELLO || c->state == C_ACCEPTED ||
		    c->state == C_QUEUED) {
			if (c->client < 0 && !c->kernel)
				logmsg("pid %d: the daemon stops and its helper is gone: the core is lost",
				       c->d.ctx.pid);
			if (c->state == C_ACCEPTED)
				drop_partial(c);
			conn_free(c);
		}
	}
	dm->wait_head = dm->wait_tail = NULL;
}

int daemon_run(const struct daemon_opts *o, struct dump_env *env)
{
	struct daemon dm = { .env = env, .listen_fd = -1, .kcore_fd = -1 };
	struct sigaction sa = { .sa_handler = on_signal };
	int ret, n;

	n = store_recover(env->store);
	if (n > 0)
		logmsg("finished %d things a gocapd that died left in %s/%s", n,
		       store_path(env->store), STORE_TMP_DIR);
	/* Slots are the daemon's to count (MaxConcurrent); the ring takes
	 * the late starters too. */
	ret = persist_ring_new(&dm.ring, env->cfg->max_concurrent * 2 + 64);
	if (ret < 0) {
		logmsg("cannot set up io_uring: %s (is io_uring disabled? see /proc/sys/kernel/io_uring_disabled)",
		       strerror(-ret));
		return 1;
	}
	dm.listen_fd = listen_at(o->socket_path, SOCK_SEQPACKET);
	if (dm.listen_fd < 0)
		return 1;
	if (o->kcore_path) {
		dm.kcore_fd = listen_at(o->kcore_path, SOCK_STREAM);
		if (dm.kcore_fd < 0)
			return 1;
		dm.kcore_request = o->kcore_request;
	}
	ret = sec_drop_caps(o->kcore_path != NULL);
	if (ret)
		logmsg("dropping capabilities: %s (going on)", strerror(-ret));
	ret = sec_seccomp(SEC_DAEMON);
	if (ret)
		logmsg("seccomp: %s (going on without a system call filter)",
		       strerror(-ret));
	the_daemon = &dm;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	persist_watch(dm.ring, dm.listen_fd, POLLIN, on_listen, &dm);
	if (dm.kcore_fd >= 0)
		persist_watch(dm.ring, dm.kcore_fd, POLLIN, on_kcore, &dm);
	logmsg("listening on %s%s%s, store %s, storage %s, MaxConcurrent %u",
	       o->socket_path, o->kcore_path ? " and coredump socket " : "",
	       o->kcore_path ? o->kcore_path : "", store_path(env->store),
	       store_storage_name(env->cfg->storage), env->cfg->max_concurrent);
	dm.last_recover = dm.last_vacuum = now_ms();
	check_index(&dm);
	if (o->ready_fd >= 0) {
		if (write(o->ready_fd, "R", 1) < 0) {
			/* the parent gave up waiting: nothing to do */
		}
		close(o->ready_fd);
	}
	while (!dm.stop || busy(&dm)) {
		ret = persist_run(dm.ring, TICK_MS);
		if (ret < 0 && ret != -ETIME && ret != -EINTR) {
			logmsg("io_uring: %s", strerror(-ret));
			return 1;
		}
		if (now_ms() - dm.last_tick >= TICK_MS)
			tick(&dm);
		if (dm.stop)
			stop_waiting(&dm);
	}
	if (dm.reindexing)
		pthread_join(dm.reindexer, NULL);
	logmsg("stopping after %lu dumps", dm.dumps);
	unlink(o->socket_path);
	if (o->kcore_path)
		unlink(o->kcore_path);
	persist_ring_free(dm.ring);
	return 0;
}
