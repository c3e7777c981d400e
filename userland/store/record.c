// SPDX-License-Identifier: GPL-2.0
/*
 * record.c - a dump's record: the annotation is the truth, the index a
 * cache of it (store.h).  Here are the steps that make a dump exist and
 * go away, each one durable before the next and each one finished by
 * store_recover() when its writer died in the middle; the rebuild of the
 * index from the annotations; and the reading of an annotation back into
 * a row (for the rebuild, and for users who may read their own dumps but
 * not the index).
 *
 * The markers in .tmp/ (every writer holds a flock on its own while it
 * lives, so a marker nobody holds is a dead writer's):
 *   <annotation>.<pid>.writing   an annotation being written: if its
 *                                writer is gone, garbage
 *   <annotation>.<pid>.partial   the annotation, complete: a commit is
 *                                under way (store_commit() steps 2..5)
 *   <annotation>.deleting        the annotation of a dump being deleted
 *   <anything else>.partial      a core or executable being written
 * Partial files and .writing ones are removed only once unchanged for
 * STORE_STALE_S, so that a writer that made its file a moment ago and is
 * about to lock it is never robbed of it.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "store/internal.h"
#include "store/paths.h"
#include "store/store.h"

/*
 * A test can make the writer die between any two steps (GOCAPD_FAILPOINT,
 * gocapd/failpoint.h): the steps below are named for it.
 */
static void step(const char *name)
{
	const char *armed = getenv("GOCAPD_FAILPOINT");

	if (armed && !strcmp(armed, name))
		kill(getpid(), SIGKILL);
}

struct store_pending {
	int fd;				/* the marker, flock'd */
	char marker[STORE_NAME_LEN + 32];
	struct store_dump d;
};

int store_read_file(int dirfd, const char *name, size_t max, char **out,
		    size_t *len)
{
	struct stat sb;
	char *buf;
	size_t got = 0;
	int fd = paths_openat(dirfd, name, O_RDONLY, 0);

	if (fd < 0)
		return fd;
	if (fstat(fd, &sb) < 0 || !S_ISREG(sb.st_mode) ||
	    (uint64_t)sb.st_size > max) {
		close(fd);
		return -EFBIG;
	}
	buf = malloc((size_t)sb.st_size + 1);
	if (!buf) {
		close(fd);
		return -ENOMEM;
	}
	while (got < (size_t)sb.st_size) {
		ssize_t n = read(fd, buf + got, (size_t)sb.st_size - got);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	close(fd);
	buf[got] = 0;
	*out = buf;
	*len = got;
	return 0;
}

/* --- reading an annotation back --------------------------------------- */

static int get_str(const json_t *o, const char *key, char *out, size_t len,
		   int need)
{
	const json_t *v = json_object_get(o, key);

	out[0] = 0;
	if (!v || json_is_null(v))
		return need ? -1 : 0;
	if (!json_is_string(v))
		return -1;
	/* Text up to the first NUL (a row holds C strings), cut to fit. */
	snprintf(out, len, "%s", json_string_value(v));
	return 0;
}

static int get_int(const json_t *o, const char *key, int64_t lo, int64_t hi,
		   int64_t *out, int need)
{
	const json_t *v = json_object_get(o, key);

	*out = 0;
	if (!v || json_is_null(v))
		return need ? -1 : 0;
	if (!json_is_integer(v))
		return -1;
	*out = json_integer_value(v);
	return *out < lo || *out > hi ? -1 : 0;
}

int store_row_from_annotation(const char *text, size_t len, const char *name,
			      struct store_dump *d, char *err, size_t errlen)
{
	char base[STORE_NAME_LEN], tmp[32];
	const json_t *core;
	json_error_t je;
	json_t *a;
	int64_t v;
	size_t bl;
	const char *bad = NULL;

	memset(d, 0, sizeof(*d));
	bl = strlen(name);
	if (!store_name_ok(name) || bl <= 5 || strncmp(name, "core.", 5) ||
	    strcmp(name + bl - 5, ".json")) {
		snprintf(err, errlen, "\"%.64s\" is not an annotation's name",
			 name);
		return -EBADMSG;
	}
	memcpy(base, name, bl - 5);
	base[bl - 5] = 0;
	a = json_loadb(text, len, JSON_REJECT_DUPLICATES, &je);
	if (!a || !json_is_object(a)) {
		snprintf(err, errlen, "%s: not a JSON object (%s, line %d)",
			 name, a ? "not an object" : je.text, je.line);
		json_decref(a);
		return -EBADMSG;
	}
	if (get_str(a, "format", tmp, sizeof(tmp), 1) ||
	    strcmp(tmp, "gocapd-annotation"))
		bad = "format";
	else if (get_int(a, "version", 1, 1, &v, 1))
		bad = "version";
	else if (get_int(a, "id", 0, INT64_MAX, &d->id, 1))
		bad = "id";	/* 0: given by the index (no id could be had) */
	else if (get_int(a, "time_us", INT64_MIN, INT64_MAX, &d->time_us, 1))
		bad = "time_us";
	if (bad)
		goto bad;
#define INT32_FIELD(key, field)						\
	do {								\
		if (get_int(a, key, INT32_MIN, UINT32_MAX, &v, 1)) {	\
			bad = key;					\
			goto bad;					\
		}							\
		d->field = (int32_t)v;					\
	} while (0)
	INT32_FIELD("pid", pid);
	INT32_FIELD("uid", uid);
	INT32_FIELD("gid", gid);
	INT32_FIELD("signal", signal);
#undef INT32_FIELD
	if (get_int(a, "si_code", INT32_MIN, INT32_MAX, &v, 0)) {
		bad = "si_code";
		goto bad;
	}
	d->si_code = (int32_t)v;
	if (get_str(a, "exe", d->exe, sizeof(d->exe), 0))
		bad = "exe";
	else if (get_str(a, "exe_build_id", d->exe_build_id,
			 sizeof(d->exe_build_id), 0))
		bad = "exe_build_id";
	else if (get_str(a, "comm", d->comm, sizeof(d->comm), 0))
		bad = "comm";
	else if (get_str(a, "hostname", d->hostname, sizeof(d->hostname), 0))
		bad = "hostname";
	else if (get_str(a, "boot_id", d->boot_id, sizeof(d->boot_id), 0))
		bad = "boot_id";
	else if (get_str(a, "cgroup", d->cgroup, sizeof(d->cgroup), 0))
		bad = "cgroup";
	else if (get_str(a, "container_id", d->container_id,
			 sizeof(d->container_id), 0))
		bad = "container_id";
	else if (get_str(a, "saved_exe", d->saved_exe, sizeof(d->saved_exe), 0) ||
		 (d->saved_exe[0] && (strncmp(d->saved_exe, STORE_EXE_DIR "/",
					      sizeof(STORE_EXE_DIR)) ||
				      !store_name_ok(d->saved_exe))))
		bad = "saved_exe";
	else if (get_int(a, "suppressed_before", 0, INT64_MAX, &v, 0))
		bad = "suppressed_before";
	if (bad)
		goto bad;
	d->suppressed_before = (uint64_t)v;
	core = json_object_get(a, "core");
	if (!json_is_object(core)) {
		bad = "core";
		goto bad;
	}
	if (get_str(core, "file", d->core_file, sizeof(d->core_file), 0)) {
		bad = "core.file";
		goto bad;
	}
	/* A dump's core is named after its annotation, nothing else: an
	 * annotation never points at another dump's file. */
	if (d->core_file[0] &&
	    (strncmp(d->core_file, base, bl - 5) ||
	     (d->core_file[bl - 5] && strcmp(d->core_file + bl - 5, ".zst")))) {
		bad = "core.file";
		goto bad;
	}
	if (get_str(core, "storage", tmp, sizeof(tmp), 1) ||
	    store_storage_parse(tmp, &d->storage))
		bad = "core.storage";
	else if (get_str(core, "status", tmp, sizeof(tmp), 1) ||
		 store_status_parse(tmp, &d->status))
		bad = "core.status";
	else if (get_str(core, "why", d->status_why, sizeof(d->status_why), 0))
		bad = "core.why";
	else if (get_int(core, "apparent_size", 0, INT64_MAX, &v, 0))
		bad = "core.apparent_size";
	if (bad)
		goto bad;
	d->apparent_size = (uint64_t)v;
	if (get_int(core, "size_on_disk", 0, INT64_MAX, &v, 0)) {
		bad = "core.size_on_disk";
		goto bad;
	}
	d->size_on_disk = (uint64_t)v;
	if ((d->storage == STORE_NONE) != !d->core_file[0]) {
		bad = "core.file and core.storage";
		goto bad;
	}
	snprintf(d->annotation_file, sizeof(d->annotation_file), "%s", name);
	json_decref(a);
	return 0;
bad:
	snprintf(err, errlen, "%s: \"%s\" is missing or wrong", name, bad);
	json_decref(a);
	memset(d, 0, sizeof(*d));
	return -EBADMSG;
}

/* --- committing a dump ------------------------------------------------ */

static int write_all(int fd, const void *p, size_t n)
{
	const char *c = p;

	while (n) {
		ssize_t w = write(fd, c, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -(w < 0 ? errno : EIO);
		c += w;
		n -= (size_t)w;
	}
	return 0;
}

/* Steps 2..5 of a commit whose marker (locked by the caller) holds the
 * annotation of d.  core_tmp: the core's name in .tmp/, or NULL when it is
 * in place already or there is none.  1 when indexing had to wait. */
static int roll_forward(struct store *s, struct store_dump *d,
			const char *core_tmp, const char *marker)
{
	int err;

	if (core_tmp && d->core_file[0] &&
	    renameat2(s->tmpfd, core_tmp, s->dirfd, d->core_file,
		      RENAME_NOREPLACE) < 0) {
		store_fail(s, -errno, "%s: cannot move the core %s/%s into place: %s",
			   s->path, STORE_TMP_DIR, core_tmp, strerror(errno));
		return -EAGAIN;
	}
	step("commit-core");
	if (linkat(s->tmpfd, marker, s->dirfd, d->annotation_file, 0) < 0 &&
	    errno != EEXIST) {
		store_fail(s, -errno, "%s/%s: cannot put the annotation in place: %s",
			   s->path, d->annotation_file, strerror(errno));
		return -EAGAIN;
	}
	if (fsync(s->dirfd) < 0)
		return store_fail(s, -errno, "%s: fsync: %s", s->path,
				  strerror(errno));
	step("commit-annotation");
	/* The dump exists.  The row may have to wait for a locked index. */
	if (!s->db)
		return 1;
	err = store_insert(s, d);
	if (err < 0)
		return 1;
	step("commit-row");
	unlinkat(s->tmpfd, marker, 0);
	return 0;
}

/* a little-endian u16/u32 at p */
static void le16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

static void le32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

int store_grant_read(int fd, uid_t uid)
{
	/* The kernel's xattr form of an ACL (linux/posix_acl_xattr.h):
	 * little-endian, version 2, then entries {u16 tag, u16 perm, u32 id}
	 * sorted by tag. */
	static const struct { uint16_t tag, perm; } e[5] = {
		{ 0x01, 6 },		/* ACL_USER_OBJ  rw- */
		{ 0x02, 4 },		/* ACL_USER uid  r-- */
		{ 0x04, 0 },		/* ACL_GROUP_OBJ --- */
		{ 0x10, 4 },		/* ACL_MASK      r-- */
		{ 0x20, 0 },		/* ACL_OTHER     --- */
	};
	uint8_t buf[4 + 5 * 8];

	le32(buf, 2);
	for (int i = 0; i < 5; i++) {
		le16(buf + 4 + 8 * i, e[i].tag);
		le16(buf + 6 + 8 * i, e[i].perm);
		le32(buf + 8 + 8 * i, e[i].tag == 0x02 ? (uint32_t)uid : ~0u);
	}
	if (fsetxattr(fd, "system.posix_acl_access", buf, sizeof(buf), 0) < 0)
		return -errno;
	return 0;
}

int store_commit(struct store *s, struct store_dump *d, const char *core_tmp,
		 const void *text, size_t len, int reader_uid,
		 struct store_pending **pending)
{
	char writing[STORE_NAME_LEN + 32];
	struct store_pending *p;
	struct stat sb;
	int err, ret;

	*pending = NULL;
	if (!store_name_ok(d->annotation_file) ||
	    (d->core_file[0] && !store_name_ok(d->core_file)))
		return store_fail(s, -EINVAL, "refusing to commit a dump named \"%s\"",
				  d->annotation_file);
	p = calloc(1, sizeof(*p));
	if (!p)
		return store_fail(s, -ENOMEM, "out of memory");
	snprintf(writing, sizeof(writing), "%s.%d.writing", d->annotation_file,
		 getpid());
	snprintf(p->marker, sizeof(p->marker), "%s.%d.partial",
		 d->annotation_file, getpid());
	/* 1: the annotation, written under a name recovery ignores while
	 * fresh, then renamed (locked, complete) into the marker. */
	p->fd = paths_openat(s->tmpfd, writing, O_RDWR | O_CREAT | O_EXCL,
			     0600);
	if (p->fd < 0) {
		err = store_fail(s, p->fd, "%s/%s/%s: %s", s->path,
				 STORE_TMP_DIR, writing, strerror(-p->fd));
		free(p);
		return err;
	}
	err = flock(p->fd, LOCK_EX) < 0 ? -errno : 0;
	if (!err)
		err = write_all(p->fd, text, len);
	if (!err && reader_uid >= 0)
		store_grant_read(p->fd, (uid_t)reader_uid);	/* best effort */
	if (!err && (fsync(p->fd) < 0 || fstat(p->fd, &sb) < 0))
		err = -errno;
	if (!err && renameat(s->tmpfd, writing, s->tmpfd, p->marker) < 0)
		err = -errno;
	if (err) {
		unlinkat(s->tmpfd, writing, 0);
		close(p->fd);
		free(p);
		return store_fail(s, err, "%s/%s: cannot write the annotation: %s",
				  s->path, d->annotation_file, strerror(-err));
	}
	d->meta_size = (uint64_t)sb.st_blocks * 512;
	p->d = *d;
	step("commit-marker");
	ret = roll_forward(s, &p->d, core_tmp, p->marker);
	if (ret == -EAGAIN) {
		/* Kept in .tmp/: store_recover() commits it once the store
		 * takes it (the marker says how). */
		close(p->fd);
		free(p);
		return ret;
	}
	if (ret < 0) {
		/* Nothing is in place: no dump, the caller may try again. */
		if (core_tmp) {
			struct stat c;

			/* (the core may have moved before the failure) */
			if (fstatat(s->dirfd, d->core_file, &c,
				    AT_SYMLINK_NOFOLLOW) == 0)
				renameat(s->dirfd, d->core_file, s->tmpfd,
					 core_tmp);
		}
		unlinkat(s->tmpfd, p->marker, 0);
		close(p->fd);
		free(p);
		return ret;
	}
	d->id = p->d.id;
	if (ret == 0) {
		close(p->fd);
		free(p);
		return 0;
	}
	*pending = p;
	return 1;
}

int store_pending_retry(struct store *s, struct store_pending *p)
{
	int err;

	if (!s->db)
		return -EAGAIN;
	err = store_insert(s, &p->d);
	if (err < 0)
		return err;
	unlinkat(s->tmpfd, p->marker, 0);
	close(p->fd);
	free(p);
	return 0;
}

void store_pending_drop(struct store_pending *p)
{
	if (!p)
		return;
	close(p->fd);
	free(p);
}

/* --- finishing what dead writers left ---------------------------------- */

/* Open .tmp/name and take its flock without waiting: an fd when nobody
 * holds it, -1 when a live writer does (or it is gone). */
static int take_abandoned(struct store *s, const char *name, int flags)
{
	int fd = paths_openat(s->tmpfd, name, flags, 0);

	if (fd < 0)
		return -1;
	if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

/* The core of an unfinished commit, still in .tmp/ as <core_file>.*.partial
 * (whoever wrote it: the daemon, or a helper that took over). */
static int find_core_tmp(struct store *s, const char *core_file, char *out,
			 size_t len)
{
	size_t cl = strlen(core_file);
	struct dirent *de;
	int fd = dup(s->tmpfd), found = 0;
	DIR *dir = fd >= 0 ? fdopendir(fd) : NULL;

	if (!dir) {
		if (fd >= 0)
			close(fd);
		return 0;
	}
	rewinddir(dir);
	while (!found && (de = readdir(dir))) {
		size_t n = strlen(de->d_name);

		if (n > cl + 9 && !strncmp(de->d_name, core_file, cl) &&
		    de->d_name[cl] == '.' &&
		    !strcmp(de->d_name + n - 8, ".partial") &&
		    !strstr(de->d_name + cl, ".json.")) {
			snprintf(out, len, "%s", de->d_name);
			found = 1;
		}
	}
	closedir(dir);
	return found;
}

/* A marker <annotation>.<pid>.partial nobody holds: commit it. */
static int recover_commit(struct store *s, const char *marker)
{
	char name[STORE_NAME_LEN], core_tmp[STORE_NAME_LEN + 32], err[256];
	const char *dot;
	struct store_dump d;
	struct stat sb;
	char *text;
	size_t len;
	int fd, ret;

	dot = strstr(marker, ".json.");
	if (!dot || (size_t)(dot - marker) + 5 >= sizeof(name))
		return 0;
	memcpy(name, marker, (size_t)(dot - marker) + 5);
	name[dot - marker + 5] = 0;
	fd = take_abandoned(s, marker, O_RDONLY);
	if (fd < 0)
		return 0;
	ret = store_read_file(s->tmpfd, marker, STORE_ANNOTATION_MAX, &text,
			      &len);
	if (ret == 0) {
		ret = store_row_from_annotation(text, len, name, &d, err,
						sizeof(err)) ? -EBADMSG : 0;
		free(text);
	}
	if (ret) {
		/* Not an annotation we can read: no dump can come of it. */
		unlinkat(s->tmpfd, marker, 0);
		close(fd);
		return 1;
	}
	if (fstat(fd, &sb) == 0)
		d.meta_size = (uint64_t)sb.st_blocks * 512;
	if (d.saved_exe[0])
		d.exe_size = store_name_blocks(s, d.saved_exe);
	ret = d.core_file[0] &&
	      fstatat(s->dirfd, d.core_file, &sb, AT_SYMLINK_NOFOLLOW) < 0 &&
	      find_core_tmp(s, d.core_file, core_tmp, sizeof(core_tmp));
	roll_forward(s, &d, ret ? core_tmp : NULL, marker);
	close(fd);
	return 1;
}

/* A marker <annotation>.deleting nobody holds: finish the deletion. */
static int recover_delete(struct store *s, const char *marker)
{
	char name[STORE_NAME_LEN], exe[STORE_NAME_LEN], err[256];
	struct store_dump d;
	size_t n = strlen(marker) - 9;
	char *text;
	size_t len;
	int fd;

	if (n >= sizeof(name))
		return 0;
	memcpy(name, marker, n);
	name[n] = 0;
	fd = take_abandoned(s, marker, O_RDONLY);
	if (fd < 0)
		return 0;
	if (store_read_file(s->tmpfd, marker, STORE_ANNOTATION_MAX, &text,
			    &len) == 0) {
		if (store_row_from_annotation(text, len, name, &d, err,
					      sizeof(err)) == 0 &&
		    d.core_file[0])
			unlinkat(s->dirfd, d.core_file, 0);
		free(text);
	}
	if (s->db && store_unindex(s, name, exe, sizeof(exe)) < 0) {
		close(fd);
		return 0;	/* the index is busy: next time */
	}
	if (s->db && exe[0])
		unlinkat(s->dirfd, exe, 0);
	unlinkat(s->tmpfd, marker, 0);
	close(fd);
	return 1;
}

static int ends_with(const char *s, const char *sfx)
{
	size_t n = strlen(s), k = strlen(sfx);

	return n > k && !strcmp(s + n - k, sfx);
}

/* Is the core partial name (<core>.<pid>.partial) part of a commit still
 * waiting in .tmp/ (a marker <base>.json.*.partial)? */
static int wanted_by_commit(struct store *s, const char *name)
{
	char base[STORE_NAME_LEN + 32], *dot;
	struct dirent *de;
	size_t bl;
	int fd, found = 0;
	DIR *dir;

	snprintf(base, sizeof(base), "%s", name);
	if (!ends_with(base, ".partial"))
		return 0;
	base[strlen(base) - 8] = 0;
	dot = strrchr(base, '.');
	if (!dot)
		return 0;
	*dot = 0;			/* the writer's pid */
	if (ends_with(base, ".zst"))
		base[strlen(base) - 4] = 0;
	strcat(base, ".json.");
	bl = strlen(base);
	fd = dup(s->tmpfd);
	dir = fd >= 0 ? fdopendir(fd) : NULL;
	if (!dir) {
		if (fd >= 0)
			close(fd);
		return 1;		/* in doubt, keep it */
	}
	rewinddir(dir);
	while (!found && (de = readdir(dir)))
		found = !strncmp(de->d_name, base, bl) &&
			ends_with(de->d_name, ".partial");
	closedir(dir);
	return found;
}

int store_recover(struct store *s)
{
	struct dirent *de;
	int fd, done = 0, pass;
	DIR *dir;

	if (s->tmpfd < 0)
		return 0;
	/* Commits first (they may need a core partial), then deletions,
	 * then what is left over. */
	for (pass = 0; pass < 3; pass++) {
		fd = dup(s->tmpfd);
		dir = fd >= 0 ? fdopendir(fd) : NULL;
		if (!dir) {
			if (fd >= 0)
				close(fd);
			return store_fail(s, -errno, "%s/%s: %s", s->path,
					  STORE_TMP_DIR, strerror(errno));
		}
		rewinddir(dir);
		while ((de = readdir(dir))) {
			const char *n = de->d_name;
			struct stat sb;
			int lfd;

			if (n[0] == '.')
				continue;
			if (pass == 0 && strstr(n, ".json.") &&
			    ends_with(n, ".partial")) {
				done += recover_commit(s, n);
			} else if (pass == 1 && ends_with(n, ".json.deleting")) {
				done += recover_delete(s, n);
			} else if (pass == 2 && ends_with(n, ".partial.cut")) {
				/* a cut's note, once its partial is gone */
				char part[STORE_NAME_LEN + 32];

				snprintf(part, sizeof(part), "%.*s",
					 (int)(strlen(n) - 4), n);
				if (fstatat(s->tmpfd, part, &sb,
					    AT_SYMLINK_NOFOLLOW) < 0 &&
				    errno == ENOENT &&
				    unlinkat(s->tmpfd, n, 0) == 0)
					done++;
			} else if (pass == 2 && (ends_with(n, ".partial") ||
						 ends_with(n, ".writing")) &&
				   fstatat(s->tmpfd, n, &sb,
					   AT_SYMLINK_NOFOLLOW) == 0 &&
				   S_ISREG(sb.st_mode) &&
				   time(NULL) - sb.st_mtime >= STORE_STALE_S &&
				   (!strstr(n, ".json.") ||
				    ends_with(n, ".writing")) &&
				   !wanted_by_commit(s, n) &&
				   (lfd = take_abandoned(s, n, O_RDONLY)) >= 0) {
				/* A writer died with it half-done. */
				unlinkat(s->tmpfd, n, 0);
				close(lfd);
				done++;
			}
		}
		closedir(dir);
	}
	return done;
}

/* --- deleting a dump --------------------------------------------------- */

int64_t store_delete(struct store *s, int64_t id)
{
	char marker[STORE_NAME_LEN + 16], exe[STORE_NAME_LEN];
	struct store_dump *d;
	uint64_t freed = 0, core_b, ann_b, exe_b = 0;
	int afd = -1, err;

	if (!s->db)
		return store_fail(s, -EPERM, "%s: the index is root's", s->path);
	d = malloc(sizeof(*d));
	if (!d)
		return store_fail(s, -ENOMEM, "out of memory");
	err = store_get(s, id, d);
	if (err)
		goto out;
	core_b = store_name_blocks(s, d->core_file);
	ann_b = store_name_blocks(s, d->annotation_file);
	if (d->saved_exe[0])
		exe_b = store_name_blocks(s, d->saved_exe);
	/* 1: the annotation goes first, to a marker we hold: the dump no
	 * longer exists, and a crash from here on is finished by
	 * store_recover(). */
	snprintf(marker, sizeof(marker), "%s.deleting", d->annotation_file);
	afd = paths_openat(s->dirfd, d->annotation_file, O_RDONLY, 0);
	if (afd >= 0 && (flock(afd, LOCK_EX) < 0 ||
			 renameat(s->dirfd, d->annotation_file, s->tmpfd,
				  marker) < 0)) {
		err = store_fail(s, -errno, "%s/%s: cannot delete: %s", s->path,
				 d->annotation_file, strerror(errno));
		goto out;
	}
	step("delete-marker");
	/* 2: the row (and the executable's, with its last user). */
	err = store_unindex(s, d->annotation_file, exe, sizeof(exe));
	if (err) {
		if (afd >= 0)	/* nothing changed after all */
			renameat(s->tmpfd, marker, s->dirfd,
				 d->annotation_file);
		goto out;
	}
	step("delete-row");
	/* 3: the files. */
	if (d->core_file[0] && unlinkat(s->dirfd, d->core_file, 0) == 0)
		freed += core_b;
	if (exe[0] && unlinkat(s->dirfd, exe, 0) == 0)
		freed += exe_b;
	if (afd >= 0 && unlinkat(s->tmpfd, marker, 0) == 0)
		freed += ann_b;
out:
	if (afd >= 0)
		close(afd);
	free(d);
	return err ? err : (int64_t)freed;
}

/* --- rebuilding the index --------------------------------------------- */

static int is_annotation(const char *n)
{
	return !strncmp(n, "core.", 5) && ends_with(n, ".json") &&
	       store_name_ok(n);
}

/* Read and parse one annotation in place: 0, or -errno / -EBADMSG. */
static int read_annotation(struct store *s, const char *name,
			   struct store_dump *d)
{
	char err[256];
	char *text;
	size_t len;
	int ret = store_read_file(s->dirfd, name, STORE_ANNOTATION_MAX, &text,
				  &len);

	if (ret)
		return ret;
	ret = store_row_from_annotation(text, len, name, d, err, sizeof(err));
	free(text);
	if (ret)
		return ret;
	d->meta_size = store_name_blocks(s, name);
	if (d->core_file[0])
		d->size_on_disk = store_name_blocks(s, d->core_file);
	if (d->saved_exe[0])
		d->exe_size = store_name_blocks(s, d->saved_exe);
	return 0;
}

int store_reindex(struct store *s, struct store_reindex_stats *stats)
{
	struct store_reindex_stats st = { 0 };
	struct store_dump *d = malloc(sizeof(*d));
	struct dirent *de;
	sqlite3_stmt *q;
	int fd, err = 0, batch = 0;
	DIR *dir;

	if (!d)
		return store_fail(s, -ENOMEM, "out of memory");
	if (!s->db) {
		free(d);
		return store_fail(s, -EPERM, "%s: the index is root's", s->path);
	}
	fd = dup(s->dirfd);
	dir = fd >= 0 ? fdopendir(fd) : NULL;
	if (!dir) {
		if (fd >= 0)
			close(fd);
		free(d);
		return store_fail(s, -errno, "%s: %s", s->path, strerror(errno));
	}
	rewinddir(dir);
	/* Every annotation gets its row (batches of short transactions:
	 * the daemon goes on indexing its own dumps in between). */
	while ((de = readdir(dir))) {
		int ret;

		if (!is_annotation(de->d_name))
			continue;
		st.annotations++;
		if (read_annotation(s, de->d_name, d)) {
			st.unreadable++;
			continue;
		}
		if (!batch && (err = store_exec(s, "BEGIN IMMEDIATE",
						 "starting a reindex batch")))
			break;
		if (store_has_annotation(s, de->d_name, NULL) == 1)
			ret = 0;
		else if ((ret = store_insert_row(s, d)) >= 0)
			st.added++;
		if (ret == 1)
			st.renumbered++;
		if (ret < 0) {
			err = ret;
			break;
		}
		if (++batch == 500) {
			batch = 0;
			if ((err = store_exec(s, "COMMIT",
					      "committing a reindex batch")))
				break;
		}
	}
	closedir(dir);
	if (batch && !err)
		err = store_exec(s, "COMMIT", "committing a reindex batch");
	if (err) {
		sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
		free(d);
		return err;
	}
	/* Rows whose annotation is gone are gone too. */
	if (sqlite3_prepare_v2(s->db, "SELECT annotation_file FROM dumps",
			       -1, &q, NULL) == SQLITE_OK) {
		char (*gone)[STORE_NAME_LEN] = NULL;
		size_t ngone = 0, cap = 0;

		while (sqlite3_step(q) == SQLITE_ROW) {
			const char *t = (const char *)sqlite3_column_text(q, 0);
			struct stat sb;

			if (t && store_name_ok(t) &&
			    fstatat(s->dirfd, t, &sb, AT_SYMLINK_NOFOLLOW) == 0)
				continue;
			if (ngone == cap) {
				void *n = realloc(gone, (cap = cap * 2 + 64) *
						  sizeof(*gone));

				if (!n)
					break;
				gone = n;
			}
			snprintf(gone[ngone++], STORE_NAME_LEN, "%s",
				 t ? t : "");
		}
		sqlite3_finalize(q);
		for (size_t i = 0; i < ngone; i++)
			if (store_unindex(s, gone[i], NULL, 0) == 0)
				st.removed++;
		free(gone);
	}
	err = store_exec(s, "BEGIN IMMEDIATE", "recounting");
	if (!err) {
		err = store_exec(s,
				 "DELETE FROM exes WHERE name NOT IN "
				 "(SELECT saved_exe FROM dumps)",
				 "dropping unused executables");
		if (!err)
			err = store_recount(s);
		if (!err)
			err = store_exec(s, "COMMIT", "committing the recount");
		else
			sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
	}
	if (!err) {
		int64_t id;

		/* next-id must not hand out an id an annotation has. */
		err = store_alloc_id(s, &id);
		if (!err)
			err = store_exec(s, "DELETE FROM flags WHERE k = 'reindex'",
					 "noting the index is rebuilt");
		if (!err)
			s->needs_reindex = 0;
	}
	free(d);
	if (stats)
		*stats = st;
	return err;
}

/* --- the store as a user sees it: their own annotations --------------- */

/* The uid field of core.<comm>.<uid>.<boot>.<pid>.<us>.json, or -1. */
static long long name_uid(const char *n)
{
	const char *p = strchr(n + 5, '.');
	char *end;
	long long v;

	if (!p)
		return -1;
	v = strtoll(p + 1, &end, 10);
	return *end == '.' ? v : -1;
}

struct found {
	struct store_dump *rows;
	size_t n, cap;
};

static int by_time(const void *a, const void *b)
{
	const struct store_dump *x = a, *y = b;

	if (x->time_us != y->time_us)
		return x->time_us < y->time_us ? -1 : 1;
	return x->id < y->id ? -1 : x->id > y->id;
}

static int exe_matches(const char *want, const char *exe)
{
	const char *slash = strrchr(exe, '/');

	if (!strcmp(want, exe))
		return 1;
	return !strchr(want, '/') && slash && !strcmp(slash + 1, want);
}

static int collect(struct store *s, const struct store_filter *f,
		   int64_t id, struct found *out)
{
	long long me = (long long)getuid();
	struct dirent *de;
	int fd = dup(s->dirfd);
	DIR *dir = fd >= 0 ? fdopendir(fd) : NULL;

	if (!dir) {
		if (fd >= 0)
			close(fd);
		return store_fail(s, -errno, "%s: %s", s->path, strerror(errno));
	}
	rewinddir(dir);
	while ((de = readdir(dir))) {
		struct store_dump d;

		if (!is_annotation(de->d_name) || name_uid(de->d_name) != me ||
		    read_annotation(s, de->d_name, &d))
			continue;
		if (id ? d.id != id :
		    ((f->exe && f->exe[0] && !exe_matches(f->exe, d.exe)) ||
		     (f->since_us && d.time_us < f->since_us) ||
		     (f->until_us && d.time_us > f->until_us) ||
		     (f->signal && d.signal != f->signal)))
			continue;
		if (out->n == out->cap) {
			void *n = realloc(out->rows, (out->cap = out->cap * 2 + 16) *
					  sizeof(*out->rows));

			if (!n) {
				closedir(dir);
				return store_fail(s, -ENOMEM, "out of memory");
			}
			out->rows = n;
		}
		out->rows[out->n++] = d;
	}
	closedir(dir);
	if (out->n)
		qsort(out->rows, out->n, sizeof(*out->rows), by_time);
	return 0;
}

int store_list_annotations(struct store *s, const struct store_filter *f,
			   int (*fn)(void *arg, const struct store_dump *d),
			   void *arg)
{
	struct found all = { 0 };
	size_t n;
	int ret = collect(s, f, 0, &all), visited = 0;

	if (ret) {
		free(all.rows);
		return ret;
	}
	n = f->limit && f->limit < all.n ? f->limit : all.n;
	for (size_t i = 0; i < n && !ret; i++) {
		size_t k = f->newest_first ? all.n - 1 - i : i;

		visited++;
		ret = fn(arg, &all.rows[k]);
	}
	free(all.rows);
	return ret ? ret : visited;
}

int store_get_by_annotation(struct store *s, int64_t id,
			    struct store_dump *out)
{
	static const struct store_filter none;
	struct found all = { 0 };
	int ret = collect(s, &none, id, &all);

	if (!ret && !all.n)
		ret = store_fail(s, -ENOENT, "no dump with id %lld of this user in %s",
				 (long long)id, s->path);
	if (!ret)
		*out = all.rows[0];
	free(all.rows);
	return ret;
}

/* --- executables -------------------------------------------------------- */

int store_exe_name(const char *build_id, const uint8_t sha256[32],
		   char *out, size_t outlen)
{
	static const char hex[] = "0123456789abcdef";
	size_t n = strlen(build_id), o;

	if (n == 0 || n > STORE_BUILDID_LEN - 1 ||
	    sizeof(STORE_EXE_DIR) + n + 1 + 64 + 1 > outlen ||
	    sizeof(STORE_EXE_DIR) + n + 1 + 64 >= STORE_NAME_LEN)
		return -EINVAL;
	o = (size_t)snprintf(out, outlen, STORE_EXE_DIR "/");
	for (size_t i = 0; i < n; i++) {
		char c = build_id[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      (c >= '0' && c <= '9') || c == '_' || c == '-' ||
		      c == '/'))
			return -EINVAL;
		out[o++] = c == '/' ? '.' : c;
	}
	out[o++] = '.';
	for (int i = 0; i < 32; i++) {
		out[o++] = hex[sha256[i] >> 4];
		out[o++] = hex[sha256[i] & 15];
	}
	out[o] = 0;
	return store_name_ok(out) ? 0 : -EINVAL;
}
