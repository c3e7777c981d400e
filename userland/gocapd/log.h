/* SPDX-License-Identifier: GPL-2.0 */
/*
 * log.h - gocapd's one way to say something: a line to stderr (the journal,
 * under systemd) or, for the pipe helper, which runs as the kernel's
 * usermode helper with nowhere else to write, to /dev/kmsg.
 */
#ifndef GOCAPD_LOG_H
#define GOCAPD_LOG_H

/* Set by the pipe helper: lines go to /dev/kmsg. */
extern int log_to_kmsg;

/* One line, "gocapd[PID]: " and the message. */
void logmsg(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif /* GOCAPD_LOG_H */
