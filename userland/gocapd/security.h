/* SPDX-License-Identifier: GPL-2.0 */
/*
 * security.h - what gocapd gives up once it no longer needs it: the
 * ability to be dumped or ptraced (PR_SET_DUMPABLE 0: it holds other
 * processes' memory), every capability it does not use (libcap), and new
 * privileges (PR_SET_NO_NEW_PRIVS).
 */
#ifndef GOCAPD_SECURITY_H
#define GOCAPD_SECURITY_H

/* Not dumpable, not ptrace-able by non-root. */
int sec_nondumpable(void);

/*
 * Keep only the capabilities needed to read other processes' /proc files
 * (CAP_SYS_PTRACE, CAP_DAC_READ_SEARCH) when keep_proc is set, none
 * otherwise; drop the rest from the bounding set too.  Returns 0 or -errno.
 */
int sec_drop_caps(int keep_proc);

#endif /* GOCAPD_SECURITY_H */
