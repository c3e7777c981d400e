// SPDX-License-Identifier: GPL-2.0
/*
 * log.c - gocapd's log lines (log.h).
 */
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "gocapd/log.h"

int log_to_kmsg;

void logmsg(const char *fmt, ...)
{
	char buf[1024];
	int n, fd;
	va_list ap;

	n = snprintf(buf, sizeof(buf), "gocapd[%d]: ", getpid());
	va_start(ap, fmt);
	vsnprintf(buf + n, sizeof(buf) - (size_t)n - 1, fmt, ap);
	va_end(ap);
	strcat(buf, "\n");
	if (log_to_kmsg) {
		fd = open("/dev/kmsg", O_WRONLY | O_CLOEXEC);
		if (fd >= 0) {
			if (write(fd, buf, strlen(buf)) < 0) {
				/* nowhere else to say it */
			}
			close(fd);
			return;
		}
	}
	fputs(buf, stderr);
}
