/* SPDX-License-Identifier: GPL-2.0 */
/*
 * security.h - what gocapd gives up once it no longer needs it: the
 * ability to be dumped or ptraced (PR_SET_DUMPABLE 0: it holds other
 * processes' memory), every capability it does not use (libcap), new
 * privileges (PR_SET_NO_NEW_PRIVS), and every system call it does not
 * make (a seccomp allow-list).
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

/*
 * The seccomp allow-lists (no_new_privs is set first).  A call not on the
 * list fails with EPERM (the daemon, the helper: a call gocapd never
 * issues is refused, not fatal) or kills the process (the parser child:
 * it reads, writes its answer and exits, nothing else).
 *   SEC_DAEMON  the daemon: files under its store, its sockets, io_uring,
 *               threads, and the fork of its parser child; no exec, no
 *               ptrace, no mount, no new sockets, no ioctl
 *   SEC_HELPER  the pipe helper, once /proc/PID is read: the daemon's
 *               list plus connect and memfd_create
 *   SEC_PARSER  the parser child
 * Returns 0, or -errno (-ENOSYS: no filter for this architecture).
 */
enum sec_profile { SEC_DAEMON, SEC_HELPER, SEC_PARSER };
int sec_seccomp(enum sec_profile p);

#endif /* GOCAPD_SECURITY_H */
