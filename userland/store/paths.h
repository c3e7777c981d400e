/* SPDX-License-Identifier: GPL-2.0 */
/*
 * paths.h - finding directories and files without being led elsewhere:
 * no symlink is ever followed, and a directory that keeps cores (the
 * store) or hands them over (gocapd's socket directory) must be one that
 * nobody but root could have made or changed.
 *
 * Safe, for a directory on the way (an ancestor): owned by root (or by
 * the caller), and writable by nobody else unless it is sticky (/tmp: then
 * others cannot move root's entries).  For the directory itself: owned by
 * the caller (root), writable by nobody else, sticky or not.  A group
 * write bit counts only for a group other than root's.
 *
 * Used by store.c for the store and by gocapd's daemon for its socket
 * directory.  No SQLite, no Go, no ELF.
 */
#ifndef GOCD_STORE_PATHS_H
#define GOCD_STORE_PATHS_H

#include <stddef.h>
#include <sys/types.h>

#define PATHS_CREATE	(1u << 0)	/* mkdir what is missing */
#define PATHS_CHECK	(1u << 1)	/* refuse an unsafe directory */

/*
 * Open the directory path (O_RDONLY | O_DIRECTORY), one component at a
 * time with O_NOFOLLOW (a symlink anywhere is refused), creating missing
 * components with mode (PATHS_CREATE: the last one; those above it 0755)
 * and checking each (PATHS_CHECK).  Returns the fd, or -errno with err
 * saying which component is wrong and why, and what to do.
 */
int paths_open_dir(const char *path, unsigned int flags, mode_t mode,
		   char *err, size_t errlen);

/*
 * openat(dirfd, name) resolving no symlink at all and staying beneath
 * dirfd: openat2(RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS), or, on kernels
 * without it, one O_NOFOLLOW openat per component.  flags get O_NOFOLLOW
 * and O_CLOEXEC.  Returns an fd or -errno.
 */
int paths_openat(int dirfd, const char *name, int flags, mode_t mode);

/*
 * open(path) resolving no symlink anywhere in it (openat2
 * RESOLVE_NO_SYMLINKS from the cwd, or one O_NOFOLLOW step per
 * component): for files root writes where a user may have been before.
 * Returns an fd or -errno (-ELOOP: a symlink on the way).
 */
int paths_open_nofollow(const char *path, int flags, mode_t mode);

/* Is the directory behind fd safe to keep cores in (see above)?  0, or
 * -EPERM with err saying why (what names it: path). */
int paths_dir_safe(int fd, const char *path, int final, char *err,
		   size_t errlen);

#endif /* GOCD_STORE_PATHS_H */
