// SPDX-License-Identifier: GPL-2.0
/*
 * helper.c - the core_pattern pipe helper, `gocapd --pipe %P %i %I %s %t
 * %u %g %c %h %e`: the client half of the handoff protocol (proto.h; the
 * daemon's half is daemon.c).
 *
 * It runs as the kernel's usermode helper: root, stdin is the core, no
 * stdout/stderr worth writing to (it logs to /dev/kmsg).  It reads
 * /proc/PID while core_pipe_limit keeps the crashed process, then hands
 * everything to the daemon and waits until the daemon says the dump is
 * stored, so that it can finish the dump itself if the daemon dies; when
 * there is no daemon, or it hangs, it stores the core itself, through the
 * same dump.c code the daemon uses.
 *
 * It trusts no one on the way: the daemon must be root (SO_PEERCRED)
 * before anything is sent, and /proc/PID must be the crashed process (the
 * kernel's pidfd, %F, where there is one; the core's own notes in any
 * case, dump.c).
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "gocapd/dump.h"
#include "gocapd/failpoint.h"
#include "gocapd/helper.h"
#include "gocapd/proto.h"
#include "gocapd/security.h"

/* How long a helper waits for a locked index (then the row follows
 * later: store.h). */
#define HELPER_BUSY_MS	2000

struct local_done {
	struct dump_env *env;
	struct dump *d;
	int finished, ret;
};

static void local_on_done(void *arg, const struct persist_result *r)
{
	struct local_done *ld = arg;

	ld->ret = dump_finish(ld->env, ld->d, r);
	ld->finished = 1;
}

/* Every byte of stdin is read and in the file (its fsync comes next):
 * the crashed process may go. */
static void local_on_written(void *arg, uint64_t received, uint64_t core,
			     uint64_t file_bytes)
{
	(void)arg;
	(void)received;
	(void)core;
	(void)file_bytes;
	close(0);
}

static int open_store(const struct helper_opts *o, struct dump_env *env)
{
	if (env->store)
		return 0;
	if (dump_store_open(env, o->store_dir, 0))
		return -1;
	store_set_busy_ms(env->store, HELPER_BUSY_MS);
	return 0;
}

/* Store the core on stdin ourselves: the daemon is not there. */
static int store_locally(const struct helper_opts *o, struct dump_env *env,
			 struct dump *d)
{
	struct persist_ring *ring;
	struct local_done ld = { env, d, 0, 0 };
	int ret;

	if (open_store(o, env))
		return 1;
	/* What a gocapd that died left: finished, before our own dump
	 * counts the space. */
	store_recover(env->store);
	ret = dump_begin(env, d);
	if (ret == 1)
		return 0;		/* rate-limited: closing stdin drops it */
	if (ret < 0) {
		logmsg("cannot store the core of pid %d: %s", d->ctx.pid,
		       strerror(-ret));
		return 1;
	}
	ret = persist_ring_new(&ring, 1);
	if (ret < 0) {
		logmsg("cannot set up io_uring: %s", strerror(-ret));
		return 1;
	}
	d->on_written = local_on_written;
	d->on_done = local_on_done;
	/* ld outlives the dump's use of it: the ring is run dry here */
	d->cb_arg = &ld;	// cppcheck-suppress autoVariables
	ret = dump_start(env, d, ring, 0);
	while (ret == 0 && !ld.finished) {
		ret = persist_run(ring, -1);
		if (ret == -EINTR || ret == -ETIME)
			ret = 0;
	}
	persist_ring_free(ring);
	d->cb_arg = NULL;
	if (ret < 0) {
		logmsg("storing the core of pid %d: %s", d->ctx.pid,
		       strerror(-ret));
		return 1;
	}
	return ld.ret < 0;
}

enum handoff_result { HANDED_OVER, NOT_HANDED, TAKEN_OVER };

/*
 * Wait up to timeout_ms (-1: for ever) for a message on s.  Returns 1 with
 * *m (and *fd: the one fd it carried, or -1), 0 on EOF, -ETIMEDOUT, or
 * another -errno.
 */
static int recv_within(int s, struct proto_msg *m, int *fd, int timeout_ms,
		       char *err, size_t errlen)
{
	struct pollfd pfd = { .fd = s, .events = POLLIN };
	unsigned int nfds = 0;
	int fds[PROTO_MAX_FDS];
	int ret;

	*fd = -1;
	do
		ret = poll(&pfd, 1, timeout_ms);
	while (ret < 0 && errno == EINTR);
	if (ret < 0)
		return -errno;
	if (ret == 0)
		return -ETIMEDOUT;
	ret = proto_recv(s, m, fds, &nfds, err, errlen);
	for (unsigned int i = 0; ret > 0 && i < nfds; i++) {
		if (i == 0 && nfds == 1)
			*fd = fds[0];
		else
			close(fds[i]);
	}
	return ret;
}

/* The daemon is who it should be: root (only root can listen where the
 * daemon does, if the socket directory is root's; this makes sure). */
static int daemon_is_root(int s, const char *path, int pid)
{
	struct ucred uc;
	socklen_t len = sizeof(uc);

	if (getsockopt(s, SOL_SOCKET, SO_PEERCRED, &uc, &len) < 0) {
		logmsg("%s: SO_PEERCRED: %s: storing the core of pid %d myself",
		       path, strerror(errno), pid);
		return 0;
	}
	if (uc.uid != 0) {
		logmsg("%s is served by pid %d, uid %u, not root: not handing it the core of pid %d (storing it myself)",
		       path, uc.pid, uc.uid, pid);
		return 0;
	}
	return 1;
}

/*
 * Hand stdin, the exe fd and the context to the daemon, then wait for its
 * verdict.  Returns NOT_HANDED when the daemon read nothing (we may store
 * the core ourselves), HANDED_OVER when it is stored, TAKEN_OVER when the
 * daemon died mid-dump and we finished from its last progress point.
 *
 * Until we send GO the daemon reads nothing; so when it says nothing for
 * HandoffTimeout before its ACCEPT (hung: it sends QUEUED every
 * PROTO_HEARTBEAT_MS while alive), we close the connection without GO and
 * store the core ourselves.
 *
 * WRITTEN: the daemon read the whole stream and wrote it (its fsync is
 * under way).  We close stdin then, so that the kernel lets the crashed
 * process go; from there on nothing here reads fd 0 (it may even be
 * another file's number): a takeover keeps the file as the daemon left
 * it, every byte in it.
 */
static enum handoff_result handoff(const struct helper_opts *o,
				   struct dump_env *env,
				   struct dump *d)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct proto_msg m;
	uint8_t *rec;
	size_t reclen;
	uint64_t core = 0, file_bytes = 0, received = 0;
	int s, mfd, fds[3], nfds = 2, accepted = 0, part_fd = -1, written = 0;
	int timeout_ms = (int)env->cfg->handoff_timeout_ms;
	char err[256];

	if (strlen(o->socket_path) >= sizeof(sa.sun_path))
		return NOT_HANDED;
	strcpy(sa.sun_path, o->socket_path);
	s = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (s < 0)
		return NOT_HANDED;
	if (connect(s, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		logmsg("daemon not reachable at %s (%s): storing the core of pid %d myself",
		       o->socket_path, strerror(errno), d->ctx.pid);
		close(s);
		return NOT_HANDED;
	}
	if (!daemon_is_root(s, o->socket_path, d->ctx.pid)) {
		close(s);
		return NOT_HANDED;
	}
	if (ctx_encode(&d->ctx, &rec, &reclen)) {
		close(s);
		return NOT_HANDED;
	}
	mfd = memfd_create("gocapd-context", MFD_CLOEXEC);
	if (mfd < 0 || write(mfd, rec, reclen) != (ssize_t)reclen) {
		free(rec);
		if (mfd >= 0)
			close(mfd);
		close(s);
		return NOT_HANDED;
	}
	free(rec);
	fds[0] = 0;
	fds[1] = mfd;
	if (d->exe_fd >= 0)
		fds[nfds++] = d->exe_fd;
	proto_init(&m, PROTO_HELLO);
	m.flags = d->exe_fd >= 0 ? PROTO_F_EXE : 0;
	m.nfds = (uint32_t)nfds;
	m.a = reclen;
	m.b = PROTO_KNOWS_WRITTEN;
	if (proto_send(s, &m, fds, (unsigned int)nfds)) {
		close(mfd);
		close(s);
		return NOT_HANDED;
	}
	close(mfd);
	for (;;) {
		int fd, ret = recv_within(s, &m, &fd, accepted ? -1 : timeout_ms,
					  err, sizeof(err));

		if (ret == -ETIMEDOUT) {
			logmsg("daemon at %s said nothing for %d ms (HandoffTimeout): storing the core of pid %d myself",
			       o->socket_path, timeout_ms, d->ctx.pid);
			/* Said, so that it reads nothing should it wake up
			 * (a close alone would mean that we died). */
			proto_init(&m, PROTO_WITHDRAW);
			proto_try_send(s, &m, NULL, 0);
			break;
		}
		if (ret <= 0) {
			if (ret < 0)
				logmsg("daemon: %s", ret == -EBADMSG ? err :
				       strerror(-ret));
			break;
		}
		if (m.type == PROTO_ACCEPT && !accepted) {
			if (snprintf(d->tmp_name, sizeof(d->tmp_name), "%s",
				     m.text) >= (int)sizeof(d->tmp_name))
				d->tmp_name[0] = 0;	/* refused below */
			d->storage = m.b <= STORE_NONE ? (enum store_storage)m.b :
							 STORE_NONE;
			d->suppressed_before = m.a;
			part_fd = fd;
			failpoint("helper-before-go");
			proto_init(&m, PROTO_GO);
			if (proto_send(s, &m, NULL, 0))
				break;	/* gone before GO: it read nothing */
			accepted = 1;
			failpoint("helper-after-go");
		} else if (fd >= 0) {
			close(fd);
		} else if (m.type == PROTO_PROGRESS && accepted && !written) {
			core = m.a;
			file_bytes = m.b;
		} else if (m.type == PROTO_WRITTEN && accepted && !written) {
			/* Every byte read: the crashed process may go.  The
			 * PROGRESS just before said where the file ends; if it
			 * did not come, ours is older and the takeover says
			 * what is missing. */
			written = 1;
			received = m.a;
			close(0);
		} else if (m.type == PROTO_DONE) {
			close(s);
			if (part_fd >= 0)
				close(part_fd);
			return HANDED_OVER;
		} else if (m.type == PROTO_REFUSE && !core && !file_bytes &&
			   !written) {
			/* It closed its copy having read nothing. */
			logmsg("daemon refused the core of pid %d (%s): storing it myself",
			       d->ctx.pid, m.text);
			accepted = 0;
			break;
		}
	}
	close(s);
	if (!accepted) {
		if (part_fd >= 0)
			close(part_fd);
		return NOT_HANDED;
	}

	/* The daemon died with our core half-written: keep its prefix.  The
	 * partial file's name is <core>.<daemon pid>.partial. */
	{
		char name[sizeof(d->tmp_name)], *dot;
		size_t n;

		snprintf(name, sizeof(name), "%s", d->tmp_name);
		n = strlen(name);
		if (n > 8 && !strcmp(name + n - 8, ".partial")) {
			name[n - 8] = 0;
			dot = strrchr(name, '.');
			if (dot)
				*dot = 0;	/* the daemon's pid */
		} else {
			name[0] = 0;		/* refused below */
		}
		snprintf(d->core_name, sizeof(d->core_name), "%s", name);
		snprintf(d->base, sizeof(d->base), "%s", name);
		n = strlen(d->base);
		if (n > 4 && !strcmp(d->base + n - 4, ".zst"))
			d->base[n - 4] = 0;
	}
	if (written)
		logmsg("daemon went away after writing the core of pid %d (%llu bytes, %llu in its file), before its DONE: finishing it",
		       d->ctx.pid, (unsigned long long)received,
		       (unsigned long long)core);
	else
		logmsg("daemon went away during the dump of pid %d after confirming %llu bytes: finishing it",
		       d->ctx.pid, (unsigned long long)core);
	if (!store_name_ok(d->base) || !store_name_ok(d->tmp_name) ||
	    open_store(o, env)) {
		logmsg("cannot take over: bad name \"%s\" or no store", d->tmp_name);
		if (part_fd >= 0)
			close(part_fd);
		return TAKEN_OVER;
	}
	if (d->storage == STORE_NONE)
		snprintf(d->why, sizeof(d->why),
			 "the gocapd daemon went away during the dump");
	/* stdin is closed after WRITTEN: the daemon read it all */
	dump_takeover(env, d, written ? -1 : 0, received, part_fd, core,
		      file_bytes);
	if (part_fd >= 0)
		close(part_fd);
	return TAKEN_OVER;
}

static void log_config(void *arg, const char *msg)
{
	(void)arg;
	logmsg("%s", msg);
}

int helper_run(const struct helper_opts *o, struct gocapd_config *cfg,
	       int argc, char **argv)
{
	struct dump_env env = { .cfg = cfg, .zstd_workers = o->zstd_workers };
	struct dump d;
	char err[512], path[32];
	int procfd, ret, pidfd;

	log_to_kmsg = !o->log_stderr;
	sec_nondumpable();
	signal(SIGPIPE, SIG_IGN);
	dump_init(&d);
	if (ctx_from_args(&d.ctx, argc, argv, &pidfd, err, sizeof(err))) {
		logmsg("%s", err);
		return 1;
	}
	/* A wrong line is logged and skipped; the rest of the policy holds
	 * (Storage=none stays none whatever else the file says). */
	config_load(cfg, o->config_path, log_config, NULL);
	snprintf(path, sizeof(path), "/proc/%d", d.ctx.pid);
	procfd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (procfd >= 0) {
		ctx_collect_proc(&d.ctx, procfd);
		d.exe_fd = openat(procfd, "exe", O_RDONLY | O_CLOEXEC);
		close(procfd);
		/* Still the crashed process, with the kernel's word for it. */
		ctx_check_pidfd(&d.ctx, pidfd);
		if (d.ctx.pidfd_check < 0)
			logmsg("/proc/%d is not the crashed process (its pidfd says so): not using it",
			       d.ctx.pid);
	} else {
		d.ctx.proc_missing = ~0u;
		logmsg("%s: %s (core_pipe_limit is 0? the process is gone)",
		       path, strerror(errno));
	}
	/* A 1 MiB pipe (the default pipe-max-size) halves the wakeups. */
	fcntl(0, F_SETPIPE_SZ, 1 << 20);
	if (pidfd >= 0)
		close(pidfd);
	if (d.ctx.pidfd_check < 0)
		ctx_drop_proc(&d.ctx);
	if (d.ctx.pidfd_check < 0 && d.exe_fd >= 0) {
		close(d.exe_fd);
		d.exe_fd = -1;
	}
	ret = sec_drop_caps(0);
	if (ret)
		logmsg("dropping capabilities: %s (going on)", strerror(-ret));
	ret = sec_seccomp(SEC_HELPER);
	if (ret)
		logmsg("seccomp: %s (going on)", strerror(-ret));

	ret = 0;
	if (o->no_daemon || handoff(o, &env, &d) == NOT_HANDED)
		ret = store_locally(o, &env, &d);
	dump_free(&d);
	dump_store_close(&env);
	return ret;
}
