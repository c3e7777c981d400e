/* SPDX-License-Identifier: GPL-2.0 */
/*
 * gobacklog.h - what the runtime printed just before it began to crash, as
 * it kept it for core files: runtime.printBacklog, a circular buffer of the
 * last 512 bytes written by print/println while no panic or throw was
 * under way (runtime/print.go recordForPanic; "for use in postmortem
 * analysis of core dumps").  A throw's "fatal error: TEXT" line is the
 * last thing recorded, and the context lines the runtime prints before
 * some throws ("runtime: out of memory: cannot allocate ...") come right
 * before it.
 *
 * Context lines are recovered only for the throws whose lines gocap knows
 * (the table in gobacklog.c, checked against each release's runtime), and
 * only when every line matches its format: a line printed by someone else,
 * earlier, is never taken for one.
 */
#ifndef GOCD_GOBACKLOG_H
#define GOCD_GOBACKLOG_H

#include <stddef.h>

#include "go/goproc.h"

#define GOBACKLOG_SIZE	512	/* len(runtime.printBacklog), every release */

/*
 * The backlog of the process, oldest byte first, into buf (at least
 * GOBACKLOG_SIZE + 1 bytes, NUL-terminated); returns its length, or -1
 * when runtime.printBacklog cannot be located (from the code of
 * runtime.recordForPanic) or read.
 */
long gobacklog_read(const struct goproc *p, char *buf, size_t buflen);

/*
 * The context lines before the throw whose line is fatal ("fatal error:
 * TEXT", no newline), if backlog (len bytes, oldest first) ends with that
 * line and the lines the runtime prints before that throw: they go to out
 * (each ending in '\n', NUL-terminated) and 1 is returned.  0 when the
 * throw has no known context lines or the backlog does not hold them.
 * Pure; no I/O.
 */
int gobacklog_throw_context(const char *backlog, size_t len,
			    const char *fatal, char *out, size_t outlen);

#endif /* GOCD_GOBACKLOG_H */
