// SPDX-License-Identifier: GPL-2.0
/*
 * daemon.c - the gocapd daemon: takes dumps handed over by `gocapd --pipe`
 * on its unix socket, and (socket mode) takes cores straight from the
 * kernel on a core_pattern "@" / "@@" socket.  All dumps in flight share one
 * io_uring (persist.c); at most MaxConcurrent are in flight, the others
 * wait in arrival order (their crashed processes wait with them).
 *
 * Invariant kept for the helper: the daemon reads nothing from a handed
 * core stream before it has the helper's GO (which answers ACCEPT), and
 * after REFUSE it has closed its copy having read nothing: so a helper
 * that sent no GO, or got REFUSE, may store the core itself.  A helper
 * waiting for a slot hears QUEUED every PROTO_HEARTBEAT_MS: that is how it
 * tells a busy daemon from a hung one (proto.h).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
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
#include "gocapd/kcore.h"
#include "gocapd/proto.h"
#include "gocapd/security.h"

#define STALE_PARTIAL_S	3600

#ifndef SO_PEERPIDFD
#define SO_PEERPIDFD 77
#endif

struct conn {
	struct daemon *dm;
	struct dump d;
	int core_fd;		/* the stream */
	int client;		/* helper's socket, -1 in socket mode */
	int kernel;		/* socket mode: the core comes from the kernel */
	struct persist_params p;	/* ACCEPT sent, waiting for GO */
	struct conn *next;	/* waiting for a slot */
};

struct daemon {
	struct dump_env env;
	struct persist_ring *ring;
	int listen_fd, kcore_fd, kcore_request;
	struct conn *wait_head, *wait_tail;
	unsigned int starting;	/* ACCEPT sent, GO not yet received */
	struct timespec last_beat;
	volatile sig_atomic_t stop;
	unsigned long dumps;
};

static struct daemon *the_daemon;

static void on_signal(int sig)
{
	(void)sig;
	if (the_daemon)
		the_daemon->stop = 1;
}

static void conn_free(struct conn *c)
{
	if (c->core_fd >= 0)
		close(c->core_fd);
	if (c->client >= 0)
		close(c->client);
	dump_free(&c->d);
	free(c);
}

static void reply(struct conn *c, enum proto_type t, uint64_t a, uint64_t b,
		  const char *text)
{
	struct proto_msg m;

	if (c->client < 0)
		return;
	proto_init(&m, t);
	m.a = a;
	m.b = b;
	if (text)
		snprintf(m.text, sizeof(m.text), "%.200s", text);
	/* The helper may be gone (then it cannot be helped): ignore. */
	proto_send(c->client, &m, NULL, 0);
}

static void on_progress(void *arg, uint64_t core, uint64_t file_bytes)
{
	reply(arg, PROTO_PROGRESS, core, file_bytes, NULL);
}

static void start_waiting(struct daemon *dm);

static void on_done(void *arg, const struct persist_result *r)
{
	struct conn *c = arg;
	struct daemon *dm = c->dm;
	int ret = dump_finish(&dm->env, &c->d, r);

	dm->dumps++;
	if (ret == 0)
		reply(c, PROTO_DONE, (uint64_t)c->d.id, c->d.status, NULL);
	/* Closing the stream lets the kernel finish the crashed process. */
	conn_free(c);
	start_waiting(dm);
}

/* The dump file begun for c, when c will not be written after all. */
static void drop_partial(struct conn *c)
{
	int tfd;

	if (c->d.out_fd < 0 || !c->d.tmp_name[0])
		return;
	tfd = openat(store_dirfd(c->dm->env.store), STORE_TMP_DIR,
		     O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (tfd >= 0) {
		unlinkat(tfd, c->d.tmp_name, 0);
		close(tfd);
	}
}

/*
 * Start reading c's core stream (helper's GO received, or socket mode).
 * On failure c is gone, and its slot free.
 */
static int conn_persist(struct conn *c, struct persist_params *p)
{
	int ret = persist_start(c->dm->ring, p);

	if (ret < 0) {
		logmsg("cannot start the dump of pid %d: %s", c->d.ctx.pid,
		       strerror(-ret));
		/* Nothing was read: the helper can store the core itself. */
		reply(c, PROTO_REFUSE, 0, 0, "the daemon is out of memory");
		drop_partial(c);
		conn_free(c);
	}
	return ret;
}

/*
 * The helper withdrew (closed its end) while its dump waited: it timed out
 * and stores the core itself.  Checked without blocking: pending data (a
 * GO) means it is still there.
 */
static int helper_gone(const struct conn *c)
{
	struct pollfd pfd = { .fd = c->client, .events = POLLIN };
	char b;

	if (poll(&pfd, 1, 0) <= 0)
		return 0;
	if (pfd.revents & (POLLHUP | POLLERR))
		return 1;
	return recv(c->client, &b, 1, MSG_PEEK | MSG_DONTWAIT) == 0;
}

/* The helper answered our ACCEPT: GO, or it withdrew (EOF). */
static void on_go(void *arg, int revents)
{
	struct conn *c = arg;
	struct daemon *dm = c->dm;
	struct proto_msg m;
	unsigned int nfds = 0;
	int fds[PROTO_MAX_FDS];
	char err[256];
	int ret;

	(void)revents;
	dm->starting--;
	ret = proto_recv(c->client, &m, fds, &nfds, err, sizeof(err));
	for (unsigned int i = 0; ret > 0 && i < nfds; i++)
		close(fds[i]);
	if (ret > 0 && m.type == PROTO_GO) {
		if (conn_persist(c, &c->p) < 0)
			start_waiting(dm);
		return;
	}
	if (ret < 0)
		logmsg("pid %d: bad answer to ACCEPT: %s", c->d.ctx.pid,
		       ret == -EBADMSG ? err : strerror(-ret));
	else
		logmsg("pid %d: the helper withdrew before GO (its HandoffTimeout ran out?): it stores the core itself; nothing read",
		       c->d.ctx.pid);
	drop_partial(c);
	conn_free(c);
	start_waiting(dm);
}

/* Begin c's dump now: a slot is free. */
static void conn_start(struct conn *c)
{
	struct daemon *dm = c->dm;
	struct persist_params p;
	char err[256];
	int ret;

	if (c->client >= 0 && helper_gone(c)) {
		logmsg("pid %d: the helper withdrew while its dump waited (its HandoffTimeout ran out?): it stores the core itself",
		       c->d.ctx.pid);
		conn_free(c);
		return;
	}
	ret = dump_begin(&dm->env, &c->d);
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
		reply(c, PROTO_DONE, 0, STORE_METADATA_ONLY, NULL);
		conn_free(c);
		return;
	}
	if (ret < 0) {
		logmsg("cannot begin the dump of pid %d: %s", c->d.ctx.pid,
		       strerror(-ret));
		reply(c, PROTO_REFUSE, 0, 0, "the daemon cannot use its store");
		conn_free(c);
		return;
	}
	dump_persist_params(&dm->env, &c->d, &p);
	p.in_fd = c->core_fd;
	/* Progress is for a helper that may have to take over; the kernel
	 * (socket mode) cannot. */
	p.progress = c->client >= 0 ? on_progress : NULL;
	p.done = on_done;
	p.arg = c;
	if (c->client < 0) {
		conn_persist(c, &p);	/* on failure the loop goes on */
		return;
	}
	/* storage in b, rate-limit count in a, names in text: all the
	 * helper needs to take over if we die.  Then wait for its GO. */
	c->p = p;
	dm->starting++;
	reply(c, PROTO_ACCEPT, c->d.suppressed_before, p.storage, c->d.base);
	persist_watch(dm->ring, c->client, on_go, c);
}

static void start_waiting(struct daemon *dm)
{
	while (dm->wait_head &&
	       persist_active(dm->ring) + dm->starting <
	       dm->env.cfg->max_concurrent) {
		struct conn *c = dm->wait_head;

		dm->wait_head = c->next;
		if (!dm->wait_head)
			dm->wait_tail = NULL;
		conn_start(c);
	}
}

/* QUEUED to every helper still waiting for a slot: we are alive. */
static void heartbeat(struct daemon *dm)
{
	uint64_t ahead = 0;

	for (struct conn *c = dm->wait_head; c; c = c->next)
		reply(c, PROTO_QUEUED, ahead++, 0, NULL);
	clock_gettime(CLOCK_MONOTONIC, &dm->last_beat);
}

static int64_t ms_since(const struct timespec *t)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (int64_t)(now.tv_sec - t->tv_sec) * 1000 +
	       (now.tv_nsec - t->tv_nsec) / 1000000;
}

static void enqueue(struct daemon *dm, struct conn *c)
{
	c->next = NULL;
	if (dm->wait_tail)
		dm->wait_tail->next = c;
	else
		dm->wait_head = c;
	dm->wait_tail = c;
	start_waiting(dm);
}

static int peer_is_root(int fd, struct ucred *uc)
{
	socklen_t len = sizeof(*uc);

	return getsockopt(fd, SOL_SOCKET, SO_PEERCRED, uc, &len) == 0 &&
	       uc->uid == 0;
}

/* A helper connected: take its HELLO, fds and context. */
static void take_helper(struct daemon *dm, int fd)
{
	struct timeval tv = { 5, 0 };
	struct proto_msg m;
	struct ucred uc;
	struct conn *c;
	unsigned int nfds = 0;
	int fds[PROTO_MAX_FDS];
	uint8_t *rec = NULL;
	struct stat sb;
	char err[256];
	int ret;

	if (!peer_is_root(fd, &uc)) {
		logmsg("refusing a connection from uid %u: only root may hand over cores",
		       uc.uid);
		close(fd);
		return;
	}
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	ret = proto_recv(fd, &m, fds, &nfds, err, sizeof(err));
	if (ret <= 0 || m.type != PROTO_HELLO) {
		if (ret < 0)
			logmsg("bad message from pid %d: %s", uc.pid,
			       ret == -EBADMSG ? err : strerror(-ret));
		for (unsigned int i = 0; ret > 0 && i < nfds; i++)
			close(fds[i]);
		close(fd);
		return;
	}
	c = calloc(1, sizeof(*c));
	if (!c)
		goto refuse;
	c->dm = dm;
	c->client = fd;
	c->core_fd = fds[0];
	dump_init(&c->d);
	c->d.exe_fd = nfds > 2 ? fds[2] : -1;
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
	logmsg("bad handover from pid %d: %s", uc.pid, err);
	free(rec);
	close(fds[1]);
	reply(c, PROTO_REFUSE, 0, 0, err);
	conn_free(c);
	return;
refuse:
	for (unsigned int i = 0; i < nfds; i++)
		close(fds[i]);
	close(fd);
}

static void on_listen(void *arg, int revents)
{
	struct daemon *dm = arg;
	int fd;

	(void)revents;
	while ((fd = accept4(dm->listen_fd, NULL, NULL, SOCK_CLOEXEC)) >= 0)
		take_helper(dm, fd);
	if (!dm->stop)
		persist_watch(dm->ring, dm->listen_fd, on_listen, dm);
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
	int procfd;

	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &uc, &len) < 0) {
		close(fd);
		return;
	}
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	c = calloc(1, sizeof(*c));
	if (!c) {
		close(fd);
		return;
	}
	c->dm = dm;
	c->client = -1;
	c->core_fd = fd;
	c->kernel = 1;
	dump_init(&c->d);
	c->d.ctx.pid = (int32_t)uc.pid;
	c->d.ctx.tid = (int32_t)uc.pid;
	c->d.ctx.uid = (int32_t)uc.uid;
	c->d.ctx.gid = (int32_t)uc.gid;
	clock_gettime(CLOCK_REALTIME, &ts);
	c->d.ctx.time_us = (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
	c->d.ctx.core_time = ts.tv_sec;
	if (gethostname(host, sizeof(host)) == 0)
		ctx_set(&c->d.ctx, CTX_HOSTNAME, host, strnlen(host, sizeof(host)));
	/* The kernel keeps the process (COREDUMP_WAIT) until we close: its
	 * /proc entry is the crashed process, not a recycled pid. */
	snprintf(path, sizeof(path), "/proc/%d", uc.pid);
	procfd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (procfd >= 0) {
		ctx_collect_proc(&c->d.ctx, procfd);
		c->d.exe_fd = openat(procfd, "exe", O_RDONLY | O_CLOEXEC);
		close(procfd);
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
		persist_watch(dm->ring, dm->kcore_fd, on_kcore, dm);
}

/* A listening unix socket at path, mode 0600, in a 0700 directory. */
static int listen_at(const char *path, int type)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	char dir[sizeof(sa.sun_path)];
	char *slash;
	int fd;

	if (strlen(path) >= sizeof(sa.sun_path)) {
		logmsg("%s: socket path too long", path);
		return -ENAMETOOLONG;
	}
	strcpy(sa.sun_path, path);
	strcpy(dir, path);
	slash = strrchr(dir, '/');
	if (slash && slash != dir) {
		*slash = 0;
		if (mkdir(dir, 0700) < 0 && errno != EEXIST) {
			logmsg("%s: cannot create: %s", dir, strerror(errno));
			return -errno;
		}
	}
	unlink(path);
	fd = socket(AF_UNIX, type | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    chmod(path, 0600) < 0 || listen(fd, 4096) < 0) {
		int err = errno;

		logmsg("%s: cannot listen: %s", path, strerror(err));
		if (fd >= 0)
			close(fd);
		return -err;
	}
	return fd;
}

/*
 * Partial files left in .tmp/ by a daemon that died while the kernel wrote
 * to it directly (socket mode: no helper takes over).  Only old ones go: a
 * fresh one may be a helper's, finishing a dump right now (gocapd.rst).
 */
static void remove_stale_partials(struct dump_env *env)
{
	int tfd = openat(store_dirfd(env->store), STORE_TMP_DIR,
			 O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	time_t now = time(NULL);
	struct dirent *de;
	DIR *dir;

	dir = tfd >= 0 ? fdopendir(tfd) : NULL;
	if (!dir) {
		if (tfd >= 0)
			close(tfd);
		return;
	}
	while ((de = readdir(dir))) {
		struct stat sb;

		if (de->d_name[0] == '.' ||
		    fstatat(tfd, de->d_name, &sb, AT_SYMLINK_NOFOLLOW) < 0 ||
		    !S_ISREG(sb.st_mode) || now - sb.st_mtime < STALE_PARTIAL_S)
			continue;
		if (unlinkat(tfd, de->d_name, 0) == 0)
			logmsg("removed %s/%s/%s: a partial file unchanged for %lld s (a dump interrupted by a crash of gocapd)",
			       store_path(env->store), STORE_TMP_DIR, de->d_name,
			       (long long)(now - sb.st_mtime));
	}
	closedir(dir);
}

int daemon_run(const struct daemon_opts *o, struct dump_env *env)
{
	struct daemon dm = { .env = *env, .listen_fd = -1, .kcore_fd = -1 };
	struct sigaction sa = { .sa_handler = on_signal };
	int ret;

	remove_stale_partials(env);
	ret = persist_ring_new(&dm.ring, env->cfg->max_concurrent);
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
	the_daemon = &dm;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	persist_watch(dm.ring, dm.listen_fd, on_listen, &dm);
	if (dm.kcore_fd >= 0)
		persist_watch(dm.ring, dm.kcore_fd, on_kcore, &dm);
	logmsg("listening on %s%s%s, store %s, storage %s, MaxConcurrent %u",
	       o->socket_path, o->kcore_path ? " and coredump socket " : "",
	       o->kcore_path ? o->kcore_path : "", store_path(env->store),
	       store_storage_name(env->cfg->storage), env->cfg->max_concurrent);
	if (o->ready_fd >= 0) {
		if (write(o->ready_fd, "R", 1) < 0) {
			/* the parent gave up waiting: nothing to do */
		}
		close(o->ready_fd);
	}
	while (!dm.stop || persist_active(dm.ring) || dm.starting) {
		int wait = dm.stop ? 100 : -1;

		if (dm.wait_head) {
			int64_t left = PROTO_HEARTBEAT_MS - ms_since(&dm.last_beat);

			if (left <= 0) {
				heartbeat(&dm);
				left = PROTO_HEARTBEAT_MS;
			}
			wait = wait < 0 || left < wait ? (int)left : wait;
		}
		ret = persist_run(dm.ring, wait);
		if (ret < 0 && ret != -ETIME && ret != -EINTR) {
			logmsg("io_uring: %s", strerror(-ret));
			return 1;
		}
	}
	/* Helpers still waiting get EOF before ACCEPT: they store their
	 * cores themselves (nothing was read from them). */
	while (dm.wait_head) {
		struct conn *c = dm.wait_head;

		dm.wait_head = c->next;
		conn_free(c);
	}
	logmsg("stopping after %lu dumps", dm.dumps);
	unlink(o->socket_path);
	if (o->kcore_path)
		unlink(o->kcore_path);
	persist_ring_free(dm.ring);
	return 0;
}
