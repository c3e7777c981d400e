// SPDX-License-Identifier: GPL-2.0
/*
 * main.c - gocapd's command line: the core_pattern pipe helper
 * (`gocapd --pipe %P %i %I %s %t %u %g %c %h %e`), the daemon, and
 * `--check-config`.
 *
 * The pipe helper runs as the kernel's usermode helper: root, stdin is the
 * core, no stdout/stderr worth writing to (it logs to /dev/kmsg).  It reads
 * /proc/PID while core_pipe_limit keeps the crashed process, then hands
 * everything to the daemon and waits until the daemon says the dump is
 * stored, so that it can finish the dump itself if the daemon dies; when
 * there is no daemon it stores the core itself, through the same code.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "gocapd/config.h"
#include "gocapd/daemon.h"
#include "gocapd/dump.h"
#include "gocapd/proto.h"
#include "gocapd/security.h"

struct opts {
	const char *store_dir;
	const char *config_path;
	const char *socket_path;
	const char *kcore_path;
	int kcore_request;
	int pipe_mode, no_daemon, log_stderr, check_config, list;
	const char *extract_id, *extract_to;
	int ready_fd, zstd_workers;
};

static void usage(FILE *f)
{
	fprintf(f,
		"usage: gocapd [OPTIONS]                 run the daemon (foreground)\n"
		"       gocapd [OPTIONS] --pipe %%P %%i %%I %%s %%t %%u %%g %%c %%h %%e\n"
		"                                        core_pattern helper\n"
		"       gocapd --check-config [--config FILE]\n"
		"       gocapd [--store DIR] --list | --extract ID FILE\n"
		"options:\n"
		"  --store DIR            dump store (default %s)\n"
		"  --config FILE          configuration (default %s)\n"
		"  --socket PATH          daemon socket (default %s)\n"
		"  --coredump-socket PATH also listen for the kernel (core_pattern @PATH)\n"
		"  --coredump-request     ... using the @@ request/ack protocol\n"
		"  --no-daemon            with --pipe: store the core without the daemon\n"
		"  --log-stderr           with --pipe: log to stderr, not /dev/kmsg\n"
		"  --zstd-workers N       zstd worker threads per dump (default 0)\n"
		"  --ready-fd N           daemon: write 'R' to fd N once listening\n"
		"See Documentation/gocapd.rst.\n",
		STORE_DEFAULT_DIR, GOCAPD_CONFIG_PATH, GOCAPD_SOCKET_PATH);
}

static int parse_opts(struct opts *o, int argc, char **argv)
{
	static const struct option lo[] = {
		{ "store", required_argument, NULL, 's' },
		{ "config", required_argument, NULL, 'c' },
		{ "socket", required_argument, NULL, 'S' },
		{ "coredump-socket", required_argument, NULL, 'k' },
		{ "coredump-request", no_argument, NULL, 'K' },
		{ "no-daemon", no_argument, NULL, 'n' },
		{ "log-stderr", no_argument, NULL, 'l' },
		{ "check-config", no_argument, NULL, 'C' },
		{ "ready-fd", required_argument, NULL, 'r' },
		{ "zstd-workers", required_argument, NULL, 'z' },
		{ "foreground", no_argument, NULL, 'f' },
		{ "pipe", no_argument, NULL, 'p' },
		{ "list", no_argument, NULL, 'L' },
		{ "extract", required_argument, NULL, 'x' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 }
	};
	int c;

	memset(o, 0, sizeof(*o));
	o->config_path = GOCAPD_CONFIG_PATH;
	o->socket_path = GOCAPD_SOCKET_PATH;
	o->ready_fd = -1;
	/* '+': stop at --pipe's arguments, which may look like options. */
	while ((c = getopt_long(argc, argv, "+h", lo, NULL)) != -1) {
		switch (c) {
		case 's': o->store_dir = optarg; break;
		case 'c': o->config_path = optarg; break;
		case 'S': o->socket_path = optarg; break;
		case 'k': o->kcore_path = optarg; break;
		case 'K': o->kcore_request = 1; break;
		case 'n': o->no_daemon = 1; break;
		case 'l': o->log_stderr = 1; break;
		case 'C': o->check_config = 1; break;
		case 'r': o->ready_fd = atoi(optarg); break;
		case 'z': o->zstd_workers = atoi(optarg); break;
		case 'f': break;
		case 'L': o->list = 1; break;
		case 'x': o->extract_id = optarg; break;
		case 'p':
			o->pipe_mode = 1;
			return optind;
		case 'h':
			usage(stdout);
			exit(0);
		default:
			usage(stderr);
			exit(2);
		}
	}
	if (o->extract_id && optind + 1 == argc)
		o->extract_to = argv[optind++];
	if (optind != argc) {
		fprintf(stderr, "gocapd: unexpected argument \"%s\"\n",
			argv[optind]);
		usage(stderr);
		exit(2);
	}
	return optind;
}

static void print_size(const char *k, const struct config_size *s)
{
	if (s->percent)
		printf("%s=%u%%\n", k, s->percent);
	else
		printf("%s=%llu\n", k, (unsigned long long)s->bytes);
}

static int check_config(const struct opts *o)
{
	struct gocapd_config cfg;
	char err[512];

	config_defaults(&cfg);
	if (config_load(&cfg, o->config_path, err, sizeof(err))) {
		fprintf(stderr, "gocapd: %s\n", err);
		return 1;
	}
	printf("Storage=%s\n", store_storage_name(cfg.storage));
	printf("CompressLevel=%d\n", cfg.compress_level);
	print_size("MaxUse", &cfg.max_use);
	print_size("KeepFree", &cfg.keep_free);
	printf("ProcessSizeMax=%llu\n",
	       (unsigned long long)cfg.process_size_max);
	if (cfg.rate_burst)
		printf("RateLimit=%u/%llus\n", cfg.rate_burst,
		       (unsigned long long)(cfg.rate_interval_us / 1000000));
	else
		printf("RateLimit=off\n");
	printf("MaxConcurrent=%u\n", cfg.max_concurrent);
	printf("HandoffTimeout=%llus\n",
	       (unsigned long long)(cfg.handoff_timeout_ms / 1000));
	printf("SaveExecutable=%s\n", cfg.save_executable ? "yes" : "no");
	return 0;
}

static int open_store(const struct opts *o, struct store **s)
{
	char err[512];
	int ret = store_open(s, o->store_dir, STORE_O_CREATE, err, sizeof(err));

	if (ret)
		logmsg("%s", err);
	return ret;
}

static int print_row(void *arg, const struct store_dump *d)
{
	(void)arg;
	printf("%lld\t%lld\t%d\t%d\t%s\t%s\t%llu\t%llu\t%llu\t%s\t%s\t%s\n",
	       (long long)d->id, (long long)d->time_us, d->pid, d->signal,
	       store_status_name(d->status), store_storage_name(d->storage),
	       (unsigned long long)d->apparent_size,
	       (unsigned long long)d->size_on_disk,
	       (unsigned long long)d->suppressed_before, d->exe, d->core_file,
	       d->status_why);
	return 0;
}

/*
 * --list: one line per dump, tab-separated: id, time_us, pid, signal,
 * status, storage, apparent size, size on disk, suppressed before, exe,
 * core file, why.  --extract ID FILE: the core as the kernel wrote it.
 * (For tests and scripts; gocap is the tool for people.)
 */
static int read_store(const struct opts *o)
{
	struct store *s;
	struct store_dump *d;
	char err[512];
	int ret = store_open(&s, o->store_dir, STORE_O_READONLY, err, sizeof(err));

	if (ret) {
		fprintf(stderr, "gocapd: %s\n", err);
		return 1;
	}
	if (o->list) {
		ret = store_list(s, NULL, print_row, NULL) < 0;
		if (ret)
			fprintf(stderr, "gocapd: %s\n", store_error(s));
		store_close(s);
		return ret;
	}
	d = malloc(sizeof(*d));
	ret = 1;
	if (d && store_get(s, strtoll(o->extract_id, NULL, 10), d) == 0) {
		int fd = open(o->extract_to, O_WRONLY | O_CREAT | O_TRUNC |
			      O_CLOEXEC, 0600);

		if (fd < 0)
			fprintf(stderr, "gocapd: %s: %s\n", o->extract_to,
				strerror(errno));
		else if (store_extract_core(s, d, fd) < 0 || close(fd) < 0)
			fprintf(stderr, "gocapd: %s\n", store_error(s));
		else
			ret = 0;
	} else {
		fprintf(stderr, "gocapd: %s\n", store_error(s));
	}
	free(d);
	store_close(s);
	return ret;
}

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

/* Store the core on stdin ourselves: the daemon is not there. */
static int store_locally(const struct opts *o, struct dump_env *env,
			 struct dump *d)
{
	struct persist_ring *ring;
	struct persist_params p;
	struct local_done ld = { env, d, 0, 0 };
	int ret;

	if (!env->store && open_store(o, &env->store))
		return 1;
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
	dump_persist_params(env, d, &p);
	p.in_fd = 0;
	p.done = local_on_done;
	p.arg = &ld;
	ret = persist_start(ring, &p);
	while (ret == 0 && !ld.finished) {
		ret = persist_run(ring, -1);
		if (ret == -EINTR || ret == -ETIME)
			ret = 0;
	}
	persist_ring_free(ring);
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
 * *m, 0 on EOF, -ETIMEDOUT, or another -errno.
 */
static int recv_within(int s, struct proto_msg *m, int timeout_ms, char *err,
		       size_t errlen)
{
	struct pollfd pfd = { .fd = s, .events = POLLIN };
	unsigned int nfds = 0;
	int fds[PROTO_MAX_FDS];
	int ret;

	do
		ret = poll(&pfd, 1, timeout_ms);
	while (ret < 0 && errno == EINTR);
	if (ret < 0)
		return -errno;
	if (ret == 0)
		return -ETIMEDOUT;
	ret = proto_recv(s, m, fds, &nfds, err, errlen);
	for (unsigned int i = 0; ret > 0 && i < nfds; i++)
		close(fds[i]);
	return ret;
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
 */
static enum handoff_result handoff(const struct opts *o, struct dump_env *env,
				   struct dump *d)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct proto_msg m;
	uint8_t *rec;
	size_t reclen;
	uint64_t core = 0, file_bytes = 0;
	int s, mfd, fds[3], nfds = 2, accepted = 0;
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
	if (proto_send(s, &m, fds, (unsigned int)nfds)) {
		close(mfd);
		close(s);
		return NOT_HANDED;
	}
	close(mfd);
	for (;;) {
		int ret = recv_within(s, &m, accepted ? -1 : timeout_ms, err,
				      sizeof(err));

		if (ret == -ETIMEDOUT) {
			logmsg("daemon at %s said nothing for %d ms (HandoffTimeout): storing the core of pid %d myself",
			       o->socket_path, timeout_ms, d->ctx.pid);
			break;
		}
		if (ret <= 0) {
			if (ret < 0)
				logmsg("daemon: %s", ret == -EBADMSG ? err :
				       strerror(-ret));
			break;
		}
		if (m.type == PROTO_ACCEPT && !accepted) {
			if (snprintf(d->base, sizeof(d->base), "%s", m.text) >=
			    (int)sizeof(d->base))
				d->base[0] = 0;	/* refused below */
			d->storage = m.b <= STORE_NONE ? (enum store_storage)m.b :
							 STORE_NONE;
			d->suppressed_before = m.a;
			proto_init(&m, PROTO_GO);
			if (proto_send(s, &m, NULL, 0))
				break;	/* gone before GO: it read nothing */
			accepted = 1;
		} else if (m.type == PROTO_PROGRESS && accepted) {
			core = m.a;
			file_bytes = m.b;
		} else if (m.type == PROTO_DONE) {
			close(s);
			return HANDED_OVER;
		} else if (m.type == PROTO_REFUSE && !core && !file_bytes) {
			/* It closed its copy having read nothing. */
			logmsg("daemon refused the core of pid %d (%s): storing it myself",
			       d->ctx.pid, m.text);
			accepted = 0;
			break;
		}
	}
	close(s);
	if (!accepted)
		return NOT_HANDED;

	/* The daemon died with our core half-written: keep its prefix. */
	if (snprintf(d->core_name, sizeof(d->core_name), "%s%s", d->base,
		     d->storage == STORE_ZSTD ? ".zst" : "") >=
	    (int)sizeof(d->core_name) ||
	    snprintf(d->tmp_name, sizeof(d->tmp_name), "%s.partial",
		     d->core_name) >= (int)sizeof(d->tmp_name))
		d->base[0] = 0;		/* refused below */
	logmsg("daemon went away during the dump of pid %d after confirming %llu bytes: finishing it",
	       d->ctx.pid, (unsigned long long)core);
	if (!store_name_ok(d->base) || !store_name_ok(d->tmp_name) ||
	    (!env->store && open_store(o, &env->store))) {
		logmsg("cannot take over: bad name \"%s\" or no store", d->base);
		return TAKEN_OVER;
	}
	if (d->storage == STORE_NONE)
		snprintf(d->why, sizeof(d->why),
			 "the gocapd daemon went away during the dump");
	dump_takeover(env, d, 0, core, file_bytes);
	return TAKEN_OVER;
}

static int run_pipe(const struct opts *o, struct gocapd_config *cfg,
		    int argc, char **argv)
{
	struct dump_env env = { .cfg = cfg, .zstd_workers = o->zstd_workers };
	struct dump d;
	char err[512], path[32];
	int procfd, ret;

	log_to_kmsg = !o->log_stderr;
	sec_nondumpable();
	signal(SIGPIPE, SIG_IGN);
	dump_init(&d);
	if (ctx_from_args(&d.ctx, argc, argv, err, sizeof(err))) {
		logmsg("%s", err);
		return 1;
	}
	if (config_load(cfg, o->config_path, err, sizeof(err))) {
		logmsg("%s: using the defaults for this dump", err);
		config_defaults(cfg);
	}
	snprintf(path, sizeof(path), "/proc/%d", d.ctx.pid);
	procfd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (procfd >= 0) {
		ctx_collect_proc(&d.ctx, procfd);
		d.exe_fd = openat(procfd, "exe", O_RDONLY | O_CLOEXEC);
		close(procfd);
	} else {
		d.ctx.proc_missing = ~0u;
		logmsg("%s: %s (core_pipe_limit is 0? the process is gone)",
		       path, strerror(errno));
	}
	/* A 1 MiB pipe (the default pipe-max-size) halves the wakeups. */
	fcntl(0, F_SETPIPE_SZ, 1 << 20);
	ret = sec_drop_caps(0);
	if (ret)
		logmsg("dropping capabilities: %s (going on)", strerror(-ret));

	ret = 0;
	if (o->no_daemon || handoff(o, &env, &d) == NOT_HANDED)
		ret = store_locally(o, &env, &d);
	dump_free(&d);
	store_close(env.store);
	return ret;
}

int main(int argc, char **argv)
{
	struct gocapd_config cfg;
	struct opts o;
	char err[512];
	int idx = parse_opts(&o, argc, argv);

	/* Everything gocapd creates is root's alone (0600/0700), the index
	 * and its journal included: cores hold other users' memory. */
	umask(077);

	config_defaults(&cfg);
	if (o.check_config)
		return check_config(&o);
	if (o.list || o.extract_id) {
		if (o.extract_id && !o.extract_to) {
			usage(stderr);
			return 2;
		}
		return read_store(&o);
	}
	if (o.pipe_mode)
		return run_pipe(&o, &cfg, argc - idx, argv + idx);

	/* The daemon. */
	if (sec_nondumpable())
		logmsg("PR_SET_DUMPABLE: %s", strerror(errno));
	if (config_load(&cfg, o.config_path, err, sizeof(err))) {
		logmsg("%s", err);
		return 1;
	}
	{
		struct dump_env env = { .cfg = &cfg,
					.zstd_workers = o.zstd_workers };
		struct daemon_opts dopts = {
			.socket_path = o.socket_path,
			.kcore_path = o.kcore_path,
			.kcore_request = o.kcore_request,
			.ready_fd = o.ready_fd,
		};
		int ret;

		if (open_store(&o, &env.store))
			return 1;
		ret = daemon_run(&dopts, &env);
		store_close(env.store);
		return ret;
	}
}
