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

int failpoint_armed(const char *name)
{
	static const char *armed;
	static int read;

	if (!read) {
		armed = getenv("GOCAPD_FAILPOINT");
		read = 1;
	}
	return armed && !strcmp(armed, name);
}

void failpoint(const char *name)
{
	if (!failpoint_armed(name))
		return;
	logmsg("failpoint %s: dying here", name);
	kill(getpid(), SIGKILL);
}
