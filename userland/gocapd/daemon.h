/* SPDX-License-Identifier: GPL-2.0 */
/*
 * daemon.h - the long-running gocapd (see daemon.c).
 */
#ifndef GOCAPD_DAEMON_H
#define GOCAPD_DAEMON_H

#include "gocapd/dump.h"

struct daemon_opts {
	const char *socket_path;	/* helper handoff socket */
	const char *kcore_path;		/* coredump socket, or NULL */
	int kcore_request;		/* "@@" protocol on kcore_path */
	int ready_fd;			/* write "R" here once listening */
};

/* Run until SIGTERM/SIGINT; returns the exit status. */
int daemon_run(const struct daemon_opts *o, struct dump_env *env);

#endif /* GOCAPD_DAEMON_H */
