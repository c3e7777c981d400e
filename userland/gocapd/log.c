// SPDX-License-Identifier: GPL-2.0
/*
 * log.c - gocapd's log lines (log.h).  Lines carry names that come from
 * the crashed process (its executable's path, its comm): control bytes
 * are written as \xNN, so that no name can forge a line of its own or
 * send escape sequences to whoever reads the log.
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
	char raw[1024], buf[1536];
	size_t n, o;
	int fd;
	va_list ap;

	o = (size_t)snprintf(buf, sizeof(buf), "gocapd[%d]: ", getpid());
	va_start(ap, fmt);
	vsnprintf(raw, sizeof(raw), fmt, ap);
	va_end(ap);
	n = strlen(raw);
	for (size_t i = 0; i < n && o + 6 < sizeof(buf); i++) {
		unsigned char c = (unsigned char)raw[i];

		if (c < 0x20 || c == 0x7f)
			o += (size_t)snprintf(buf + o, sizeof(buf) - o,
					      "\\x%02x", c);
		else
			buf[o++] = (char)c;
	}
	buf[o++] = '\n';
	buf[o] = 0;
	if (log_to_kmsg) {
		fd = open("/dev/kmsg", O_WRONLY | O_CLOEXEC);
		if (fd >= 0) {
			if (write(fd, buf, o) < 0) {
				/* nowhere else to say it */
			}
			close(fd);
			return;
		}
	}
	fputs(buf, stderr);
}
