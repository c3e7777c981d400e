/* SPDX-License-Identifier: GPL-2.0 */
/*
 * failpoint.h - named points where a test can have gocapd die (or its
 * parser crash or hang), to show that every step of a dump's life is
 * finished or undone by the next gocapd that comes along.  A point is
 * armed by GOCAPD_FAILPOINT=name in the environment of the daemon or of
 * `gocapd --pipe` (which the kernel starts with an environment of its own,
 * so a production crash never has one).  Points are listed in gocapd.rst.
 */
#ifndef GOCAPD_FAILPOINT_H
#define GOCAPD_FAILPOINT_H

/* Is the point armed? */
int failpoint_armed(const char *name);

/* Die here, at once and without cleaning up (SIGKILL), when armed;
 * GOCAPD_FAILPOINT=name:stop stops here instead (SIGSTOP), for a test to
 * look at what the process holds at that point, then resume it. */
void failpoint(const char *name);

#endif /* GOCAPD_FAILPOINT_H */
