// SPDX-License-Identifier: GPL-2.0
/*
 * paths.c - opening store paths without following symlinks, and checking
 * who could have made or changed a directory (see paths.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <linux/openat2.h>

#include "store/paths.h"

int paths_dir_safe(int fd, const char *path, int final, char *err,
		   size_t errlen)
{
	uid_t me = geteuid();
	struct stat sb;
	int wgrp, woth;

	if (fstat(fd, &sb) < 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -errno;
	}
	if (sb.st_uid != 0 && sb.st_uid != me) {
		snprintf(err, errlen, "%s is owned by uid %u, not root: refusing it (whoever owns it could read or replace every core); give a directory owned by root",
			 path, (unsigned int)sb.st_uid);
		return -EPERM;
	}
	wgrp = (sb.st_mode & S_IWGRP) && sb.st_gid != 0;
	woth = !!(sb.st_mode & S_IWOTH);
	if (final && (wgrp || woth)) {
		snprintf(err, errlen, "%s is writable by %s (mode %04o): refusing it (others could plant files in it); make it 0755 or 0700",
			 path, woth ? "everyone" : "its group",
			 (unsigned int)(sb.st_mode & 07777));
		return -EPERM;
	}
	if (!final && (wgrp || woth) && !(sb.st_mode & S_ISVTX)) {
		snprintf(err, errlen, "%s, above the directory, is writable by %s and not sticky (mode %04o): refusing it (others could move what is below)",
			 path, woth ? "everyone" : "its group",
			 (unsigned int)(sb.st_mode & 07777));
		return -EPERM;
	}
	return 0;
}

int paths_open_dir(const char *path, unsigned int flags, mode_t mode,
		   char *err, size_t errlen)
{
	char buf[PATH_MAX], sofar[PATH_MAX];
	char *p, *comp, *save = NULL;
	int cur, ret;

	if (path[0] == '/') {
		if (snprintf(buf, sizeof(buf), "%s", path) >= (int)sizeof(buf))
			goto toolong;
	} else {
		char cwd[PATH_MAX];

		if (!getcwd(cwd, sizeof(cwd)) ||
		    snprintf(buf, sizeof(buf), "%s/%s", cwd, path) >=
		    (int)sizeof(buf))
			goto toolong;
	}
	cur = open("/", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (cur < 0) {
		snprintf(err, errlen, "/: %s", strerror(errno));
		return -errno;
	}
	strcpy(sofar, "");
	if ((flags & PATHS_CHECK) &&
	    (ret = paths_dir_safe(cur, "/", 0, err, errlen)) < 0)
		goto out;
	comp = strtok_r(buf, "/", &save);
	if (!comp) {
		snprintf(err, errlen, "%s: the store cannot be the root directory",
			 path);
		ret = -EINVAL;
		goto out;
	}
	for (p = comp; p; p = comp) {
		struct stat sb;
		int last, next, made = 0;

		comp = strtok_r(NULL, "/", &save);
		if (!strcmp(p, "."))
			continue;
		if (!strcmp(p, "..")) {
			snprintf(err, errlen, "%s: \"..\" in the path: give it without", path);
			ret = -EINVAL;
			goto out;
		}
		last = !comp;
		snprintf(sofar + strlen(sofar), sizeof(sofar) - strlen(sofar),
			 "/%s", p);
		if (fstatat(cur, p, &sb, AT_SYMLINK_NOFOLLOW) < 0) {
			if (errno != ENOENT || !(flags & PATHS_CREATE)) {
				ret = -errno;
				snprintf(err, errlen, "%s: %s", sofar,
					 strerror(errno));
				goto out;
			}
			if (mkdirat(cur, p, last ? mode : 0755) < 0) {
				if (errno != EEXIST) {
					ret = -errno;
					snprintf(err, errlen, "%s: cannot create: %s",
						 sofar, strerror(errno));
					goto out;
				}
			} else {
				made = 1;	/* its mode, whatever the umask */
			}
			if (fstatat(cur, p, &sb, AT_SYMLINK_NOFOLLOW) < 0) {
				ret = -errno;
				snprintf(err, errlen, "%s: %s", sofar,
					 strerror(errno));
				goto out;
			}
		}
		if (S_ISLNK(sb.st_mode)) {
			snprintf(err, errlen, "%s is a symlink: refusing to follow it (give the path it points to, checked)",
				 sofar);
			ret = -ELOOP;
			goto out;
		}
		if (!S_ISDIR(sb.st_mode)) {
			snprintf(err, errlen, "%s is not a directory", sofar);
			ret = -ENOTDIR;
			goto out;
		}
		next = openat(cur, p, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
			      O_CLOEXEC);
		if (next < 0) {
			ret = -errno;
			snprintf(err, errlen, "%s: %s", sofar, strerror(errno));
			goto out;
		}
		close(cur);
		cur = next;
		if (made)
			fchmod(cur, last ? mode : 0755);
		if ((flags & PATHS_CHECK) &&
		    (ret = paths_dir_safe(cur, sofar, last, err, errlen)) < 0)
			goto out;
	}
	return cur;
out:
	close(cur);
	return ret;
toolong:
	snprintf(err, errlen, "%.64s...: path too long", path);
	return -ENAMETOOLONG;
}

/* The fallback of paths_openat(): one O_NOFOLLOW step per component
 * (dots allowed only when dots is set: paths_open_nofollow()). */
static int steps(int dirfd, const char *name, int flags, mode_t mode,
		 int dots)
{
	const char *slash = strchr(name, '/');
	char comp[NAME_MAX + 1];
	int d, fd, err;

	while (slash == name) {		/* "//", or a leading "/" */
		name++;
		slash = strchr(name, '/');
	}
	if (!slash)
		return openat(dirfd, name, flags | O_NOFOLLOW | O_CLOEXEC,
			      mode);
	if ((size_t)(slash - name) > NAME_MAX) {
		errno = ENAMETOOLONG;
		return -1;
	}
	memcpy(comp, name, (size_t)(slash - name));
	comp[slash - name] = 0;
	if (!dots && (!strcmp(comp, "..") || !strcmp(comp, "."))) {
		errno = EXDEV;
		return -1;
	}
	d = openat(dirfd, comp, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (d < 0)
		return -1;
	fd = steps(d, slash + 1, flags, mode, dots);
	err = errno;
	close(d);
	errno = err;
	return fd;
}

static int openat_steps(int dirfd, const char *name, int flags, mode_t mode)
{
	return steps(dirfd, name, flags, mode, 0);
}

int paths_openat(int dirfd, const char *name, int flags, mode_t mode)
{
	int fd;
#ifdef SYS_openat2
	struct open_how how;

	memset(&how, 0, sizeof(how));
	how.flags = (uint64_t)(flags | O_NOFOLLOW | O_CLOEXEC);
	how.mode = (flags & (O_CREAT | O_TMPFILE)) ? mode : 0;
	how.resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS |
		      RESOLVE_NO_MAGICLINKS;
	fd = (int)syscall(SYS_openat2, dirfd, name, &how, sizeof(how));
	if (fd >= 0)
		return fd;
	/* ENOSYS: before Linux 5.6; EPERM: a seccomp filter without it. */
	if (errno != ENOSYS && errno != EPERM)
		return -errno;
#endif
	fd = openat_steps(dirfd, name, flags, mode);
	return fd < 0 ? -errno : fd;
}

int paths_open_nofollow(const char *path, int flags, mode_t mode)
{
	int fd, base;
#ifdef SYS_openat2
	struct open_how how;

	memset(&how, 0, sizeof(how));
	how.flags = (uint64_t)(flags | O_NOFOLLOW | O_CLOEXEC);
	how.mode = (flags & (O_CREAT | O_TMPFILE)) ? mode : 0;
	how.resolve = RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS;
	fd = (int)syscall(SYS_openat2, AT_FDCWD, path, &how, sizeof(how));
	if (fd >= 0)
		return fd;
	if (errno != ENOSYS && errno != EPERM)
		return -errno;
#endif
	base = open(path[0] == '/' ? "/" : ".", O_PATH | O_DIRECTORY |
		    O_CLOEXEC);
	if (base < 0)
		return -errno;
	fd = steps(base, path, flags, mode, 1);
	if (fd < 0)
		fd = -errno;
	close(base);
	return fd;
}
