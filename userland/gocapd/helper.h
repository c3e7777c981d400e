/* SPDX-License-Identifier: GPL-2.0 */
/*
 * helper.h - the core_pattern pipe helper (helper.c), the client side of
 * the handoff to the daemon.
 */
#ifndef GOCAPD_HELPER_H
#define GOCAPD_HELPER_H

#include "gocapd/config.h"

struct helper_opts {
	const char *store_dir;		/* NULL: the default */
	const char *config_path;
	const char *socket_path;	/* the daemon's */
	int no_daemon;			/* store the core without the daemon */
	int log_stderr;			/* log to stderr, not /dev/kmsg */
	int zstd_workers;
};

/*
 * Take the core on stdin of the crash that argv (the core_pattern
 * arguments "%P %i %I %s %t %u %g %c %h %e") describes: hand it to the
 * daemon, or store it.  cfg holds the defaults; the configuration file is
 * read over them.  Returns the exit status.
 */
int helper_run(const struct helper_opts *o, struct gocapd_config *cfg,
	       int argc, char **argv);

#endif /* GOCAPD_HELPER_H */
