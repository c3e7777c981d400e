// SPDX-License-Identifier: GPL-2.0
/*
 * main.c - gocapd's command line: the daemon (daemon.c), the core_pattern
 * pipe helper (`gocapd --pipe %P %i %I %s %t %u %g %c %h %e [%d %F]`,
 * helper.c), `--check-config` and `--reindex`.  It parses options and
 * dispatches; reading the store is gocap's job (gocap list, info, dump).
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "gocapd/config.h"
#include "gocapd/daemon.h"
#include "gocapd/dump.h"
#include "gocapd/helper.h"
#include "gocapd/proto.h"
#include "gocapd/security.h"

struct opts {
	const char *store_dir;
	const char *config_path;
	const char *socket_path;
	const char *kcore_path;
	int kcore_request;
	int pipe_mode, no_daemon, log_stderr, check_config, reindex;
	int ready_fd, zstd_workers;
};

static void usage(FILE *f)
{
	fprintf(f,
		"usage: gocapd [OPTIONS]                 run the daemon (foreground)\n"
		"       gocapd [OPTIONS] --pipe %%P %%i %%I %%s %%t %%u %%g %%c %%h %%e\n"
		"                                        core_pattern helper\n"
		"       gocapd --check-config [--config FILE]\n"
		"       gocapd --reindex [--store DIR]   rebuild the index from the annotations\n"
		"(to read the store: gocap list, gocap info ID, gocap dump ID)\n"
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
		{ "reindex", no_argument, NULL, 'R' },
		{ "ready-fd", required_argument, NULL, 'r' },
		{ "zstd-workers", required_argument, NULL, 'z' },
		{ "foreground", no_argument, NULL, 'f' },
		{ "pipe", no_argument, NULL, 'p' },
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
		case 'R': o->reindex = 1; break;
		case 'r': o->ready_fd = atoi(optarg); break;
		case 'z': o->zstd_workers = atoi(optarg); break;
		case 'f': break;
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
	if (s->percent && s->cap)
		printf("%s=%u%% (at most %llu)\n", k, s->percent,
		       (unsigned long long)s->cap);
	else if (s->percent)
		printf("%s=%u%%\n", k, s->percent);
	else
		printf("%s=%llu\n", k, (unsigned long long)s->bytes);
}

static void print_config_error(void *arg, const char *msg)
{
	(void)arg;
	fprintf(stderr, "gocapd: %s\n", msg);
}

static void log_config_error(void *arg, const char *msg)
{
	(void)arg;
	logmsg("%s", msg);
}

/* The effective values (every valid line applied); exit status 1 when a
 * line was wrong (each is said on stderr). */
static int check_config(const struct opts *o)
{
	struct gocapd_config cfg;
	int nbad;

	config_defaults(&cfg);
	nbad = config_load(&cfg, o->config_path, print_config_error, NULL);
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
	if (cfg.max_age_us)
		printf("MaxAge=%llus\n",
		       (unsigned long long)(cfg.max_age_us / 1000000));
	else
		printf("MaxAge=off\n");
	printf("UserAccess=%s\n", cfg.user_access ? "yes" : "no");
	printf("CoreLimit=%s\n", cfg.core_limit_honor ? "honor" : "ignore");
	if (nbad)
		fprintf(stderr, "gocapd: %d line%s of %s ignored\n", nbad,
			nbad == 1 ? "" : "s", o->config_path);
	return nbad ? 1 : 0;
}

/* Rebuild the index from the annotations (a corrupt one is moved aside
 * first), and finish what writers that died left. */
static int reindex(const struct opts *o)
{
	struct store_reindex_stats st;
	struct store *s;
	char err[512];
	int ret, n;

	ret = store_open(&s, o->store_dir, STORE_O_CREATE | STORE_O_REPAIR |
			 STORE_O_CHECK, err, sizeof(err));
	if (ret) {
		fprintf(stderr, "gocapd: %s\n", err);
		return 1;
	}
	n = store_recover(s);
	ret = store_reindex(s, &st);
	if (ret) {
		fprintf(stderr, "gocapd: rebuilding the index: %s\n",
			store_error(s));
		store_close(s);
		return 1;
	}
	printf("%s: %lu annotations, %lu rows added, %lu removed (annotation gone), %lu unreadable, %lu renumbered; %d unfinished writes finished\n",
	       store_path(s), st.annotations, st.added, st.removed,
	       st.unreadable, st.renumbered, n > 0 ? n : 0);
	store_close(s);
	return 0;
}

int main(int argc, char **argv)
{
	struct gocapd_config cfg;
	struct opts o;
	int idx = parse_opts(&o, argc, argv);

	/* Everything gocapd creates is root's alone (0600/0700), the index
	 * and its journal included: cores hold other users' memory (the
	 * store directory is made 0755, exe/ 0711, on purpose: store.h; a
	 * user reads a dump of their own through its ACL). */
	umask(077);

	config_defaults(&cfg);
	if (o.check_config)
		return check_config(&o);
	if (o.reindex)
		return reindex(&o);
	if (o.pipe_mode) {
		struct helper_opts ho = {
			.store_dir = o.store_dir,
			.config_path = o.config_path,
			.socket_path = o.socket_path,
			.no_daemon = o.no_daemon,
			.log_stderr = o.log_stderr,
			.zstd_workers = o.zstd_workers,
		};

		return helper_run(&ho, &cfg, argc - idx, argv + idx);
	}

	/* The daemon. */
	if (sec_nondumpable())
		logmsg("PR_SET_DUMPABLE: %s", strerror(errno));
	/* A wrong line is logged and skipped; every other line holds. */
	config_load(&cfg, o.config_path, log_config_error, NULL);
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

		if (dump_store_open(&env, o.store_dir,
				    STORE_O_NOWAIT | STORE_O_CHECK))
			return 1;
		ret = daemon_run(&dopts, &env);
		dump_store_close(&env);
		return ret;
	}
}
