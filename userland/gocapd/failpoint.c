// SPDX-License-Identifier: GPL-2.0
/*
 * failpoint.c - test points where gocapd dies (failpoint.h).
 */
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "gocapd/failpoint.h"
#include "gocapd/log.h"

static const char *armed_point(void)
{
	static const char *armed;
	static int read;

	if (!read) {
		armed = getenv("GOCAPD_FAILPOINT");
		read = 1;
	}
	return armed;
}

int failpoint_armed(const char *name)
{
	const char *armed = armed_point();

	return armed && !strcmp(armed, name);
}

void failpoint(const char *name)
{
	const char *armed = armed_point();
	size_t n = strlen(name);

	if (failpoint_armed(name)) {
		logmsg("failpoint %s: dying here", name);
		kill(getpid(), SIGKILL);
	} else if (armed && !strncmp(armed, name, n) &&
		   !strcmp(armed + n, ":stop")) {
		logmsg("failpoint %s: stopping here (SIGCONT goes on)", name);
		kill(getpid(), SIGSTOP);
	}
}
