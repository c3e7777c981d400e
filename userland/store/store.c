// SPDX-License-Identifier: GPL-2.0
/*
 * store.c - the dump store's directory and its SQLite index: opening it
 * safely, the schema and its running totals, rows, the rate limit state,
 * and reading a stored core back (see store.h for the contract; the
 * commit protocol and the rebuild from annotations are record.c's).
 *
 * The index is shared by the daemon, the pipe-mode fallback and the
 * readers, so everything is one short transaction under SQLite's own
 * locking (WAL, busy timeout, or none with STORE_O_NOWAIT: the daemon
 * never waits for a lock, it retries).  The space the store uses is a
 * total the index keeps itself (triggers on dumps and exes): no call
 * scans the rows.  Nothing read back from the index is trusted to be a
 * safe path: store_openat() re-validates names.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>
#include <zstd.h>

#include "store/internal.h"
#include "store/paths.h"
#include "store/store.h"

#define STORE_SCHEMA_VERSION	2

/* Version 1, as gocapd wrote it before the running totals. */
static const char schema_v1[] =
	"CREATE TABLE IF NOT EXISTS dumps ("
	" id INTEGER PRIMARY KEY AUTOINCREMENT,"
	" time_us INTEGER NOT NULL,"
	" pid INTEGER NOT NULL, uid INTEGER NOT NULL, gid INTEGER NOT NULL,"
	" signal INTEGER NOT NULL, si_code INTEGER NOT NULL,"
	" exe TEXT NOT NULL, exe_build_id TEXT NOT NULL, comm TEXT NOT NULL,"
	" hostname TEXT NOT NULL, boot_id TEXT NOT NULL,"
	" cgroup TEXT NOT NULL, container_id TEXT NOT NULL,"
	" core_file TEXT NOT NULL,"
	" storage TEXT NOT NULL CHECK (storage IN ('raw','zstd','none')),"
	" status TEXT NOT NULL"
	"  CHECK (status IN ('complete','truncated','metadata-only')),"
	" status_why TEXT NOT NULL,"
	" size_on_disk INTEGER NOT NULL, apparent_size INTEGER NOT NULL,"
	" annotation_file TEXT NOT NULL, saved_exe TEXT NOT NULL,"
	" suppressed_before INTEGER NOT NULL DEFAULT 0);"
	"CREATE INDEX IF NOT EXISTS dumps_by_time ON dumps(time_us);"
	"CREATE INDEX IF NOT EXISTS dumps_by_exe ON dumps(exe, time_us);"
	"CREATE TABLE IF NOT EXISTS ratelimit ("
	" exe TEXT PRIMARY KEY,"
	" window_start_us INTEGER NOT NULL,"
	" count INTEGER NOT NULL,"
	" suppressed INTEGER NOT NULL);";

/*
 * Version 2: the annotation's blocks per row, the saved executables once
 * each, and the total of both kept by triggers, so that the space check
 * of every dump is one row read (MaxUse with 400,000 dumps).
 */
static const char schema_v2[] =
	"ALTER TABLE dumps ADD COLUMN meta_size INTEGER NOT NULL DEFAULT 0;"
	"CREATE INDEX IF NOT EXISTS dumps_by_saved_exe ON dumps(saved_exe)"
	" WHERE saved_exe != '';"
	"CREATE INDEX IF NOT EXISTS dumps_by_annotation ON dumps(annotation_file);"
	"CREATE TABLE IF NOT EXISTS exes ("
	" name TEXT PRIMARY KEY, size INTEGER NOT NULL);"
	"CREATE TABLE IF NOT EXISTS usage ("
	" k INTEGER PRIMARY KEY CHECK (k = 1), bytes INTEGER NOT NULL);"
	"INSERT OR IGNORE INTO usage VALUES (1, 0);"
	"CREATE TRIGGER IF NOT EXISTS dumps_add AFTER INSERT ON dumps BEGIN"
	" UPDATE usage SET bytes = bytes + NEW.size_on_disk + NEW.meta_size;"
	" END;"
	"CREATE TRIGGER IF NOT EXISTS dumps_del AFTER DELETE ON dumps BEGIN"
	" UPDATE usage SET bytes = bytes - OLD.size_on_disk - OLD.meta_size;"
	" END;"
	"CREATE TRIGGER IF NOT EXISTS dumps_upd"
	" AFTER UPDATE OF size_on_disk, meta_size ON dumps BEGIN"
	" UPDATE usage SET bytes = bytes - OLD.size_on_disk - OLD.meta_size"
	"  + NEW.size_on_disk + NEW.meta_size;"
	" END;"
	"CREATE TRIGGER IF NOT EXISTS exes_add AFTER INSERT ON exes BEGIN"
	" UPDATE usage SET bytes = bytes + NEW.size; END;"
	"CREATE TRIGGER IF NOT EXISTS exes_del AFTER DELETE ON exes BEGIN"
	" UPDATE usage SET bytes = bytes - OLD.size; END;"
	"CREATE TABLE IF NOT EXISTS flags (k TEXT PRIMARY KEY, v INTEGER);"
	/* dumps per uid: eviction takes from the user with the most */
	"CREATE TABLE IF NOT EXISTS uids ("
	" uid INTEGER PRIMARY KEY, n INTEGER NOT NULL);"
	"CREATE INDEX IF NOT EXISTS uids_by_n ON uids(n);"
	"CREATE INDEX IF NOT EXISTS dumps_by_uid ON dumps(uid, time_us);"
	"CREATE TRIGGER IF NOT EXISTS uids_add AFTER INSERT ON dumps BEGIN"
	" INSERT OR IGNORE INTO uids VALUES (NEW.uid, 0);"
	" UPDATE uids SET n = n + 1 WHERE uid = NEW.uid; END;"
	"CREATE TRIGGER IF NOT EXISTS uids_del AFTER DELETE ON dumps BEGIN"
	" UPDATE uids SET n = n - 1 WHERE uid = OLD.uid;"
	" DELETE FROM uids WHERE uid = OLD.uid AND n <= 0; END;";

/* Columns in the order row_read() expects them. */
#define DUMP_COLUMNS \
	"id, time_us, pid, uid, gid, signal, si_code, exe, exe_build_id, " \
	"comm, hostname, boot_id, cgroup, container_id, core_file, storage, " \
	"status, status_why, size_on_disk, apparent_size, annotation_file, " \
	"saved_exe, suppressed_before, meta_size"

int store_fail(struct store *s, int err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(s->err, sizeof(s->err), fmt, ap);
	va_end(ap);
	return err < 0 ? err : -EIO;
}

int store_db_fail(struct store *s, const char *what)
{
	int rc = sqlite3_extended_errcode(s->db);
	int err;

	if ((rc & 0xff) == SQLITE_CORRUPT || (rc & 0xff) == SQLITE_NOTADB)
		s->corrupt = 1;
	err = (rc & 0xff) == SQLITE_BUSY ? -EBUSY :
		  (rc & 0xff) == SQLITE_LOCKED ? -EBUSY :
		  (rc & 0xff) == SQLITE_FULL ? -ENOSPC :
		  (rc & 0xff) == SQLITE_READONLY ? -EROFS :
		  (rc & 0xff) == SQLITE_CORRUPT ? -EUCLEAN :
		  (rc & 0xff) == SQLITE_NOTADB ? -EUCLEAN : -EIO;

	return store_fail(s, err, "%s/%s: %s: %s", s->path, STORE_INDEX_NAME,
			  what, sqlite3_errmsg(s->db));
}

const char *store_error(const struct store *s)
{
	return s->err;
}

int store_dirfd(const struct store *s)
{
	return s->dirfd;
}

int store_tmpfd(const struct store *s)
{
	return s->tmpfd;
}

int store_exefd(const struct store *s)
{
	return s->exefd;
}

const char *store_path(const struct store *s)
{
	return s->path;
}

int store_by_annotations(const struct store *s)
{
	return s->db == NULL;
}

int store_needs_reindex(const struct store *s)
{
	return s->needs_reindex;
}

int store_index_corrupt(const struct store *s)
{
	return s->corrupt;
}

void store_set_busy_ms(struct store *s, int ms)
{
	if (s->db)
		sqlite3_busy_timeout(s->db, ms);
}

int store_still_there(const struct store *s)
{
	struct stat now, then;

	if (fstat(s->dirfd, &then) < 0 || then.st_nlink == 0)
		return 0;
	return stat(s->path, &now) == 0 && now.st_dev == s->dev &&
	       now.st_ino == s->ino;
}

static const char *const storage_names[] = {
	[STORE_RAW] = "raw", [STORE_ZSTD] = "zstd", [STORE_NONE] = "none",
};
static const char *const status_names[] = {
	[STORE_COMPLETE] = "complete", [STORE_TRUNCATED] = "truncated",
	[STORE_METADATA_ONLY] = "metadata-only",
};

const char *store_storage_name(enum store_storage st)
{
	return (unsigned int)st < 3 ? storage_names[st] : "?";
}

const char *store_status_name(enum store_status st)
{
	return (unsigned int)st < 3 ? status_names[st] : "?";
}

int store_storage_parse(const char *name, enum store_storage *out)
{
	for (unsigned int i = 0; i < 3; i++)
		if (!strcmp(name, storage_names[i])) {
			*out = i;
			return 0;
		}
	return -EINVAL;
}

int store_status_parse(const char *name, enum store_status *out)
{
	for (unsigned int i = 0; i < 3; i++)
		if (!strcmp(name, status_names[i])) {
			*out = i;
			return 0;
		}
	return -EINVAL;
}

int store_name_ok(const char *name)
{
	size_t n;

	if (!strncmp(name, STORE_EXE_DIR "/", sizeof(STORE_EXE_DIR)))
		name += sizeof(STORE_EXE_DIR);
	n = strlen(name);
	if (n == 0 || n >= STORE_NAME_LEN || name[0] == '.')
		return 0;
	for (size_t i = 0; i < n; i++) {
		char c = name[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      (c >= '0' && c <= '9') || c == '.' || c == '_' ||
		      c == '-'))
			return 0;
	}
	return 1;
}

int store_exec(struct store *s, const char *sql, const char *what)
{
	if (sqlite3_exec(s->db, sql, NULL, NULL, NULL) != SQLITE_OK)
		return store_db_fail(s, what);
	return 0;
}

uint64_t store_name_blocks(struct store *s, const char *name)
{
	struct stat sb;
	int fd;

	if (!name[0] || !store_name_ok(name))
		return 0;
	fd = paths_openat(s->dirfd, name, O_PATH, 0);
	if (fd < 0)
		return 0;
	if (fstat(fd, &sb) < 0 || !S_ISREG(sb.st_mode)) {
		close(fd);
		return 0;
	}
	close(fd);
	return (uint64_t)sb.st_blocks * 512;
}

uint64_t store_file_blocks(struct store *s, const char *name)
{
	return store_name_blocks(s, name);
}

int store_recount(struct store *s)
{
	return store_exec(s,
			  "UPDATE usage SET bytes ="
			  " (SELECT coalesce(sum(size_on_disk + meta_size), 0)"
			  "  FROM dumps) +"
			  " (SELECT coalesce(sum(size), 0) FROM exes);"
			  "DELETE FROM uids;"
			  "INSERT INTO uids SELECT uid, count(*) FROM dumps GROUP BY uid",
			  "recounting the store's size");
}

/* v1 -> v2: the sizes v1 did not keep, measured once. */
static int migrate_v1(struct store *s)
{
	sqlite3_stmt *st, *up;
	int err;

	err = store_exec(s, schema_v2, "adding the running totals");
	if (err)
		return err;
	if (sqlite3_prepare_v2(s->db, "SELECT id, annotation_file FROM dumps",
			       -1, &st, NULL))
		return store_db_fail(s, "reading the rows to migrate");
	if (sqlite3_prepare_v2(s->db,
			       "UPDATE dumps SET meta_size = ? WHERE id = ?",
			       -1, &up, NULL)) {
		sqlite3_finalize(st);
		return store_db_fail(s, "migrating the rows");
	}
	while (sqlite3_step(st) == SQLITE_ROW) {
		const unsigned char *t = sqlite3_column_text(st, 1);

		sqlite3_bind_int64(up, 1, (int64_t)store_name_blocks(s,
				   t ? (const char *)t : ""));
		sqlite3_bind_int64(up, 2, sqlite3_column_int64(st, 0));
		sqlite3_step(up);
		sqlite3_reset(up);
	}
	sqlite3_finalize(st);
	sqlite3_finalize(up);
	if (sqlite3_prepare_v2(s->db,
			       "SELECT DISTINCT saved_exe FROM dumps WHERE saved_exe != ''",
			       -1, &st, NULL))
		return store_db_fail(s, "reading the saved executables");
	if (sqlite3_prepare_v2(s->db,
			       "INSERT OR IGNORE INTO exes (name, size) VALUES (?, ?)",
			       -1, &up, NULL)) {
		sqlite3_finalize(st);
		return store_db_fail(s, "migrating the saved executables");
	}
	while (sqlite3_step(st) == SQLITE_ROW) {
		const char *t = (const char *)sqlite3_column_text(st, 0);

		if (!t)
			continue;
		sqlite3_bind_text(up, 1, t, -1, SQLITE_TRANSIENT);
		sqlite3_bind_int64(up, 2, (int64_t)store_name_blocks(s, t));
		sqlite3_step(up);
		sqlite3_reset(up);
	}
	sqlite3_finalize(st);
	sqlite3_finalize(up);
	return store_recount(s);
}

/* Is there any annotation in the directory?  (A new index in a store
 * that has dumps: they must be indexed again.) */
static int has_annotations(struct store *s)
{
	int fd = dup(s->dirfd), found = 0;
	struct dirent *de;
	DIR *d;

	if (fd < 0)
		return 0;
	d = fdopendir(fd);
	if (!d) {
		close(fd);
		return 0;
	}
	while (!found && (de = readdir(d))) {
		size_t n = strlen(de->d_name);

		found = !strncmp(de->d_name, "core.", 5) && n > 5 &&
			!strcmp(de->d_name + n - 5, ".json");
	}
	closedir(d);
	return found;
}

/*
 * Bring the schema to STORE_SCHEMA_VERSION.  user_version 0 is a new
 * database (in a store that has annotations already: a lost or emptied
 * index, to be rebuilt); a newer version than ours is refused rather than
 * misread.
 */
static int migrate(struct store *s)
{
	sqlite3_stmt *st;
	int ver, err;

	if (sqlite3_prepare_v2(s->db, "PRAGMA user_version", -1, &st, NULL))
		return store_db_fail(s, "reading the schema version");
	ver = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int(st, 0) : -1;
	sqlite3_finalize(st);
	if (ver < 0)
		return store_db_fail(s, "reading the schema version");
	if (ver > STORE_SCHEMA_VERSION)
		return store_fail(s, -EPROTO,
				  "%s/%s: schema version %d is newer than this program's (%d): upgrade gocapd/gocap",
				  s->path, STORE_INDEX_NAME, ver,
				  STORE_SCHEMA_VERSION);
	if (ver == STORE_SCHEMA_VERSION)
		return 0;
	if (s->flags & STORE_O_READONLY)
		return store_fail(s, -EPROTO,
				  "%s/%s: index has schema version %d, needs %d: run gocapd once to migrate it",
				  s->path, STORE_INDEX_NAME, ver,
				  STORE_SCHEMA_VERSION);
	err = store_exec(s, "BEGIN IMMEDIATE", "starting the schema migration");
	if (err)
		return err;
	if (ver == 0) {
		err = store_exec(s, schema_v1, "creating the schema");
		if (!err)
			err = store_exec(s, schema_v2, "creating the schema");
		/* A new index in a store with dumps: it was lost, emptied or
		 * moved aside, and must be rebuilt (whoever opens it next). */
		if (!err && has_annotations(s))
			err = store_exec(s, "INSERT OR REPLACE INTO flags VALUES ('reindex', 1)",
					 "noting that the index must be rebuilt");
	} else {
		err = migrate_v1(s);
	}
	if (!err)
		err = store_exec(s, "PRAGMA user_version = 2",
				 "setting the schema version");
	if (err) {
		sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
		return err;
	}
	return store_exec(s, "COMMIT", "committing the schema");
}

/* The index opens and reads as a database at all (a cheap check: the
 * schema and the totals row). */
static int index_sane(struct store *s)
{
	sqlite3_stmt *st;
	int rc;

	if (sqlite3_prepare_v2(s->db, "SELECT count(*) FROM sqlite_master",
			       -1, &st, NULL))
		return store_db_fail(s, "reading the schema");
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc != SQLITE_ROW)
		return store_db_fail(s, "reading the schema");
	return 0;
}

/* Every page of the index reads (a truncated or scribbled file does
 * not): the daemon's start, before it trusts the totals. */
static int quick_check(struct store *s)
{
	sqlite3_stmt *st;
	const unsigned char *t;
	int rc, ok;

	if (sqlite3_prepare_v2(s->db, "PRAGMA quick_check(1)", -1, &st, NULL))
		return store_db_fail(s, "checking the index");
	rc = sqlite3_step(st);
	t = rc == SQLITE_ROW ? sqlite3_column_text(st, 0) : NULL;
	ok = t && !strcmp((const char *)t, "ok");
	if (!ok && rc == SQLITE_ROW) {
		s->corrupt = 1;
		store_fail(s, -EUCLEAN, "%s/%s: the index is damaged: %s",
			   s->path, STORE_INDEX_NAME, t ? (const char *)t : "?");
	}
	sqlite3_finalize(st);
	if (ok)
		return 0;
	return rc == SQLITE_ROW ? -EUCLEAN : store_db_fail(s, "checking the index");
}

/* A flag of the index (flags table): its value, 0 when unset, -1 when it
 * cannot be read. */
static int read_flag(struct store *s, const char *k)
{
	sqlite3_stmt *st;
	int v = -1, rc;

	if (!s->db || sqlite3_prepare_v2(s->db, "SELECT v FROM flags WHERE k = ?",
					 -1, &st, NULL))
		return -1;
	sqlite3_bind_text(st, 1, k, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		v = sqlite3_column_int(st, 0);
	else if (rc == SQLITE_DONE)
		v = 0;
	sqlite3_finalize(st);
	return v;
}

void store_recheck_reindex(struct store *s)
{
	int v = read_flag(s, "reindex");

	if (v >= 0)
		s->needs_reindex = v;
}

static int move_index_aside(struct store *s);

static int open_index(struct store *s)
{
	char dbpath[STORE_PATH_LEN + 32];
	struct stat sb;
	int oflags, err;

	oflags = SQLITE_OPEN_NOMUTEX;
	if (s->flags & STORE_O_CREATE) {
		int fd;

		/* Root's alone whatever the umask: SQLite gives its journals
		 * the mode of the database. */
		fd = openat(s->dirfd, STORE_INDEX_NAME, O_RDWR | O_CREAT |
			    O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
		if (fd >= 0) {
			fchmod(fd, 0600);
			close(fd);
		}
		/* A writer's path has no symlink (paths_open_dir() made
		 * sure), so SQLite may refuse any: index.db included. */
		snprintf(dbpath, sizeof(dbpath), "%s/%s", s->path,
			 STORE_INDEX_NAME);
		oflags |= SQLITE_OPEN_NOFOLLOW;
	} else {
		/* A reader's path may have symlinks above the store: the
		 * index is found through the directory fd instead, and must
		 * be a plain file. */
		if (fstatat(s->dirfd, STORE_INDEX_NAME, &sb,
			    AT_SYMLINK_NOFOLLOW) == 0 && !S_ISREG(sb.st_mode))
			return store_fail(s, -EINVAL, "%s/%s is not a plain file",
					  s->path, STORE_INDEX_NAME);
		snprintf(dbpath, sizeof(dbpath), "/proc/self/fd/%d/%s",
			 s->dirfd, STORE_INDEX_NAME);
	}
	if (s->flags & STORE_O_READONLY)
		oflags |= SQLITE_OPEN_READONLY;
	else
		oflags |= SQLITE_OPEN_READWRITE |
			  ((s->flags & STORE_O_CREATE) ? SQLITE_OPEN_CREATE : 0);
	if (sqlite3_open_v2(dbpath, &s->db, oflags, NULL) != SQLITE_OK) {
		err = store_fail(s, s->db && (sqlite3_errcode(s->db) ==
					     SQLITE_CANTOPEN) ? -EACCES : -EIO,
				 "%s/%s: cannot open the index: %s", s->path,
				 STORE_INDEX_NAME,
				 s->db ? sqlite3_errmsg(s->db) : "out of memory");
		sqlite3_close(s->db);
		s->db = NULL;
		return err;
	}
	sqlite3_extended_result_codes(s->db, 1);
	sqlite3_busy_timeout(s->db, (s->flags & STORE_O_NOWAIT) ? 0 :
			     STORE_BUSY_MS);
	err = index_sane(s);
	if (!err && !(s->flags & STORE_O_READONLY))
		/* WAL: readers (gocap) never block the daemon's inserts. */
		err = store_exec(s, "PRAGMA journal_mode=WAL;"
				 "PRAGMA synchronous=NORMAL",
				 "setting the journal mode");
	if (!err && (s->flags & STORE_O_CHECK))
		err = quick_check(s);
	if (!err)
		err = migrate(s);
	if (!err)
		s->needs_reindex = read_flag(s, "reindex") > 0;
	if (err) {
		sqlite3_close(s->db);
		s->db = NULL;
	}
	return err;
}

int store_reset_index(struct store *s)
{
	int err;

	sqlite3_close(s->db);
	s->db = NULL;
	s->corrupt = 0;
	err = move_index_aside(s);
	if (!err)
		err = open_index(s);
	return err;
}

/*
 * The index is not a database (garbage, cut short, another program's
 * file): keep it for a post-mortem under a new name and start afresh; the
 * annotations have everything it had.
 */
static int move_index_aside(struct store *s)
{
	static const char *const sfx[] = { "", "-wal", "-shm" };
	char from[64], to[96];
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	for (unsigned int i = 0; i < 3; i++) {
		snprintf(from, sizeof(from), "%s%s", STORE_INDEX_NAME, sfx[i]);
		snprintf(to, sizeof(to), "%s.corrupt-%lld%s", STORE_INDEX_NAME,
			 (long long)ts.tv_sec, sfx[i]);
		if (renameat(s->dirfd, from, s->dirfd, to) < 0 &&
		    errno != ENOENT)
			return store_fail(s, -errno, "%s/%s: cannot move the broken index aside: %s",
					  s->path, from, strerror(errno));
	}
	s->needs_reindex = 1;
	s->corrupt = 0;		/* (the next one is new) */
	return 0;
}

static int open_subdir(struct store *s, const char *name, mode_t mode,
		       int *out)
{
	struct stat sb;
	int fd;

	if ((s->flags & STORE_O_CREATE) &&
	    mkdirat(s->dirfd, name, mode) < 0 && errno != EEXIST)
		return store_fail(s, -errno, "%s/%s: cannot create: %s",
				  s->path, name, strerror(errno));
	fd = openat(s->dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
		    O_CLOEXEC);
	if (fd < 0) {
		if (!(s->flags & STORE_O_CREATE) &&
		    (errno == ENOENT || errno == EACCES)) {
			*out = -1;
			return 0;
		}
		return store_fail(s, -errno, "%s/%s: %s%s", s->path, name,
				  strerror(errno),
				  errno == ELOOP || errno == ENOTDIR ?
				  " (a symlink or a file where the store keeps a directory)" : "");
	}
	if ((s->flags & STORE_O_CREATE) &&
	    (fstat(fd, &sb) < 0 || sb.st_uid != geteuid() ||
	     (sb.st_mode & 022))) {
		close(fd);
		return store_fail(s, -EPERM, "%s/%s is not owned by root or is writable by others: refusing the store",
				  s->path, name);
	}
	if ((s->flags & STORE_O_CREATE) && (sb.st_mode & 07777) != mode)
		fchmod(fd, mode);
	*out = fd;
	return 0;
}

int store_open(struct store **out, const char *dir, unsigned int flags,
	       char *errbuf, size_t errlen)
{
	int writer = (flags & STORE_O_CREATE) && !(flags & STORE_O_READONLY);
	struct store *s;
	struct stat sb;
	int err;

	*out = NULL;
	if (!dir)
		dir = STORE_DEFAULT_DIR;
	s = calloc(1, sizeof(*s));
	if (!s) {
		if (errbuf)
			snprintf(errbuf, errlen, "out of memory");
		return -ENOMEM;
	}
	s->flags = writer ? flags : (flags & ~STORE_O_CREATE);
	s->dirfd = s->tmpfd = s->exefd = -1;
	if (strlen(dir) >= sizeof(s->path)) {
		err = store_fail(s, -ENAMETOOLONG, "%.64s...: store path too long",
				 dir);
		goto out_free;
	}
	strcpy(s->path, dir);

	if (writer) {
		/* A writer keeps cores here: every directory on the way must
		 * be root's, and none of them a symlink (paths.h). */
		err = paths_open_dir(dir, PATHS_CREATE | PATHS_CHECK, 0755,
				     s->err, sizeof(s->err));
		if (err < 0)
			goto out_free;
		s->dirfd = err;
	} else {
		s->dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
				O_CLOEXEC);
		if (s->dirfd < 0) {
			err = store_fail(s, -errno, "%s: cannot open the store directory: %s%s",
					 dir, strerror(errno),
					 errno == ENOENT ? " (no dump was captured yet?)" :
					 errno == EACCES ? " (it is root-only: ask root, or see gocapd.rst on giving users their cores)" : "");
			goto out_free;
		}
	}
	if (fstat(s->dirfd, &sb) == 0) {
		s->dev = sb.st_dev;
		s->ino = sb.st_ino;
	}
	err = open_subdir(s, STORE_TMP_DIR, 0700, &s->tmpfd);
	if (!err)
		err = open_subdir(s, STORE_EXE_DIR, 0711, &s->exefd);
	if (err)
		goto out_close;

	if (!writer &&
	    faccessat(s->dirfd, STORE_INDEX_NAME, F_OK, AT_SYMLINK_NOFOLLOW) < 0) {
		err = store_fail(s, -errno, "%s/%s: no index: %s (no dump was captured yet, or not a gocapd store)",
				 s->path, STORE_INDEX_NAME, strerror(errno));
		goto out_close;
	}
	err = open_index(s);
	if (err == -EUCLEAN && writer && (flags & STORE_O_REPAIR)) {
		err = move_index_aside(s);
		if (!err)
			err = open_index(s);
	}
	if (err == -EACCES && (flags & STORE_O_READONLY) && geteuid() != 0) {
		/* A user: the dumps of their own uid, through the
		 * annotations root let them read (gocapd's ACLs). */
		s->err[0] = 0;
		err = 0;
	}
	if (err)
		goto out_close;
	*out = s;
	return 0;

out_close:
	if (s->tmpfd >= 0)
		close(s->tmpfd);
	if (s->exefd >= 0)
		close(s->exefd);
	close(s->dirfd);
out_free:
	if (errbuf)
		snprintf(errbuf, errlen, "%s", s->err);
	free(s);
	return err;
}

void store_close(struct store *s)
{
	if (!s)
		return;
	sqlite3_close(s->db);
	if (s->dirfd >= 0)
		close(s->dirfd);
	if (s->tmpfd >= 0)
		close(s->tmpfd);
	if (s->exefd >= 0)
		close(s->exefd);
	free(s);
}

static void copy_text(char *dst, size_t len, sqlite3_stmt *st, int col)
{
	const unsigned char *t = sqlite3_column_text(st, col);

	snprintf(dst, len, "%s", t ? (const char *)t : "");
}

static void row_read(sqlite3_stmt *st, struct store_dump *d)
{
	char tmp[32];

	memset(d, 0, sizeof(*d));
	d->id = sqlite3_column_int64(st, 0);
	d->time_us = sqlite3_column_int64(st, 1);
	d->pid = sqlite3_column_int(st, 2);
	d->uid = sqlite3_column_int(st, 3);
	d->gid = sqlite3_column_int(st, 4);
	d->signal = sqlite3_column_int(st, 5);
	d->si_code = sqlite3_column_int(st, 6);
	copy_text(d->exe, sizeof(d->exe), st, 7);
	copy_text(d->exe_build_id, sizeof(d->exe_build_id), st, 8);
	copy_text(d->comm, sizeof(d->comm), st, 9);
	copy_text(d->hostname, sizeof(d->hostname), st, 10);
	copy_text(d->boot_id, sizeof(d->boot_id), st, 11);
	copy_text(d->cgroup, sizeof(d->cgroup), st, 12);
	copy_text(d->container_id, sizeof(d->container_id), st, 13);
	copy_text(d->core_file, sizeof(d->core_file), st, 14);
	copy_text(tmp, sizeof(tmp), st, 15);
	if (store_storage_parse(tmp, &d->storage))
		d->storage = STORE_NONE;
	copy_text(tmp, sizeof(tmp), st, 16);
	if (store_status_parse(tmp, &d->status))
		d->status = STORE_METADATA_ONLY;
	copy_text(d->status_why, sizeof(d->status_why), st, 17);
	d->size_on_disk = (uint64_t)sqlite3_column_int64(st, 18);
	d->apparent_size = (uint64_t)sqlite3_column_int64(st, 19);
	copy_text(d->annotation_file, sizeof(d->annotation_file), st, 20);
	copy_text(d->saved_exe, sizeof(d->saved_exe), st, 21);
	d->suppressed_before = (uint64_t)sqlite3_column_int64(st, 22);
	d->meta_size = (uint64_t)sqlite3_column_int64(st, 23);
}

static int no_index(struct store *s)
{
	return store_fail(s, -EPERM, "%s: the index is root's: only the dumps of this user are readable, and only for reading",
			  s->path);
}

int store_has_annotation(struct store *s, const char *name, int64_t *id)
{
	sqlite3_stmt *st;
	int rc;

	if (sqlite3_prepare_v2(s->db,
			       "SELECT id FROM dumps WHERE annotation_file = ?",
			       -1, &st, NULL))
		return store_db_fail(s, "looking up an annotation");
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW && id)
		*id = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	if (rc == SQLITE_ROW)
		return 1;
	if (rc == SQLITE_DONE)
		return 0;
	return store_db_fail(s, "looking up an annotation");
}

/* The insert itself, inside the caller's transaction. */
int store_insert_row(struct store *s, struct store_dump *d)
{
	static const char sql[] =
		"INSERT INTO dumps (id, time_us, pid, uid, gid, signal, "
		"si_code, exe, exe_build_id, comm, hostname, boot_id, cgroup, "
		"container_id, core_file, storage, status, status_why, "
		"size_on_disk, apparent_size, annotation_file, saved_exe, "
		"suppressed_before, meta_size) VALUES "
		"(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)";
	sqlite3_stmt *st;
	int i = 1, rc, ret = 0;
	int64_t other;

	rc = store_has_annotation(s, d->annotation_file, &other);
	if (rc < 0)
		return rc;
	if (rc == 1) {
		d->id = other;		/* indexed already */
		return 0;
	}
	if (d->id > 0) {
		if (sqlite3_prepare_v2(s->db, "SELECT 1 FROM dumps WHERE id = ?",
				       -1, &st, NULL))
			return store_db_fail(s, "looking up an id");
		sqlite3_bind_int64(st, 1, d->id);
		rc = sqlite3_step(st);
		sqlite3_finalize(st);
		if (rc == SQLITE_ROW) {
			d->id = 0;	/* taken by another dump */
			ret = 1;
		} else if (rc != SQLITE_DONE) {
			return store_db_fail(s, "looking up an id");
		}
	}
	if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL))
		return store_db_fail(s, "preparing an insert");
	if (d->id > 0)
		sqlite3_bind_int64(st, i++, d->id);
	else
		sqlite3_bind_null(st, i++);
	sqlite3_bind_int64(st, i++, d->time_us);
	sqlite3_bind_int(st, i++, d->pid);
	sqlite3_bind_int(st, i++, d->uid);
	sqlite3_bind_int(st, i++, d->gid);
	sqlite3_bind_int(st, i++, d->signal);
	sqlite3_bind_int(st, i++, d->si_code);
	sqlite3_bind_text(st, i++, d->exe, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, i++, d->exe_build_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, i++, d->comm, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, i++, d->hostname, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, i++, d->boot_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, i++, d->cgroup, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, i++, d->container_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, i++, d->core_file, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, i++, store_storage_name(d->storage), -1,
			  SQLITE_STATIC);
	sqlite3_bind_text(st, i++, store_status_name(d->status), -1,
			  SQLITE_STATIC);
	sqlite3_bind_text(st, i++, d->status_why, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, i++, (int64_t)d->size_on_disk);
	sqlite3_bind_int64(st, i++, (int64_t)d->apparent_size);
	sqlite3_bind_text(st, i++, d->annotation_file, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, i++, d->saved_exe, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, i++, (int64_t)d->suppressed_before);
	sqlite3_bind_int64(st, i++, (int64_t)d->meta_size);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return store_db_fail(s, "inserting a dump");
	d->id = sqlite3_last_insert_rowid(s->db);
	if (d->saved_exe[0]) {
		if (sqlite3_prepare_v2(s->db,
				       "INSERT OR IGNORE INTO exes (name, size) VALUES (?, ?)",
				       -1, &st, NULL))
			return store_db_fail(s, "counting the saved executable");
		sqlite3_bind_text(st, 1, d->saved_exe, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 2, (int64_t)d->exe_size);
		rc = sqlite3_step(st);
		sqlite3_finalize(st);
		if (rc != SQLITE_DONE)
			return store_db_fail(s, "counting the saved executable");
	}
	return ret;
}

int store_insert(struct store *s, struct store_dump *d)
{
	const char *names[] = { d->core_file, d->annotation_file,
				d->saved_exe };
	int err, ret;

	if (!s->db)
		return no_index(s);
	if (s->flags & STORE_O_READONLY)
		return store_fail(s, -EROFS, "%s: opened read-only", s->path);
	for (unsigned int k = 0; k < 3; k++)
		if (names[k][0] && !store_name_ok(names[k]))
			return store_fail(s, -EINVAL, "refusing to index \"%s\": not a plain store file name",
					  names[k]);
	if (!d->annotation_file[0])
		return store_fail(s, -EINVAL, "refusing to index a dump without an annotation");
	err = store_exec(s, "BEGIN IMMEDIATE", "starting an insert");
	if (err)
		return err;
	ret = store_insert_row(s, d);
	if (ret >= 0) {
		err = store_exec(s, "COMMIT", "committing an insert");
		if (err)
			ret = err;
	}
	if (ret < 0)
		sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
	return ret;
}

int store_get(struct store *s, int64_t id, struct store_dump *out)
{
	sqlite3_stmt *st;
	int rc;

	if (!s->db)
		return store_get_by_annotation(s, id, out);
	if (sqlite3_prepare_v2(s->db, "SELECT " DUMP_COLUMNS
			       " FROM dumps WHERE id = ?", -1, &st, NULL))
		return store_db_fail(s, "preparing a lookup");
	sqlite3_bind_int64(st, 1, id);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		row_read(st, out);
	sqlite3_finalize(st);
	if (rc == SQLITE_ROW)
		return 0;
	if (rc == SQLITE_DONE)
		return store_fail(s, -ENOENT, "no dump with id %lld in %s",
				  (long long)id, s->path);
	return store_db_fail(s, "looking up a dump");
}

int store_list(struct store *s, const struct store_filter *f,
	       int (*fn)(void *arg, const struct store_dump *d), void *arg)
{
	static const struct store_filter all;
	char sql[512];
	sqlite3_stmt *st;
	struct store_dump *d;
	int rc, n = 0, ret = 0;

	if (!f)
		f = &all;
	if (!s->db)
		return store_list_annotations(s, f, fn, arg);
	snprintf(sql, sizeof(sql),
		 "SELECT " DUMP_COLUMNS " FROM dumps WHERE "
		 "(?1 IS NULL OR exe = ?1 OR "
		 " (instr(?1, '/') = 0 AND substr(exe, -length(?1) - 1) = '/' || ?1)) "
		 "AND (?2 = 0 OR time_us >= ?2) AND (?3 = 0 OR time_us <= ?3) "
		 "AND (?4 = 0 OR signal = ?4) "
		 "ORDER BY time_us %s, id %s LIMIT ?5",
		 f->newest_first ? "DESC" : "ASC",
		 f->newest_first ? "DESC" : "ASC");
	if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL))
		return store_db_fail(s, "preparing a listing");
	if (f->exe && f->exe[0])
		sqlite3_bind_text(st, 1, f->exe, -1, SQLITE_STATIC);
	else
		sqlite3_bind_null(st, 1);
	sqlite3_bind_int64(st, 2, f->since_us);
	sqlite3_bind_int64(st, 3, f->until_us);
	sqlite3_bind_int(st, 4, f->signal);
	sqlite3_bind_int64(st, 5, f->limit ? (int64_t)f->limit : -1);
	d = malloc(sizeof(*d));
	if (!d) {
		sqlite3_finalize(st);
		return store_fail(s, -ENOMEM, "out of memory");
	}
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		row_read(st, d);
		n++;
		ret = fn(arg, d);
		if (ret)
			break;
	}
	free(d);
	sqlite3_finalize(st);
	if (ret)
		return ret;
	if (rc != SQLITE_DONE && rc != SQLITE_ROW)
		return store_db_fail(s, "listing dumps");
	return n;
}

int store_oldest(struct store *s, int64_t keep_id, int64_t *id,
		 int64_t *time_us)
{
	sqlite3_stmt *st;
	int rc;

	if (!s->db)
		return no_index(s);
	/* dumps_by_time: the first entry of an index, not a scan. */
	if (sqlite3_prepare_v2(s->db,
			       "SELECT id, time_us FROM dumps WHERE id != ? "
			       "ORDER BY time_us, id LIMIT 1", -1, &st, NULL))
		return store_db_fail(s, "finding the oldest dump");
	sqlite3_bind_int64(st, 1, keep_id);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		*id = sqlite3_column_int64(st, 0);
		if (time_us)
			*time_us = sqlite3_column_int64(st, 1);
	}
	sqlite3_finalize(st);
	if (rc == SQLITE_ROW)
		return 0;
	if (rc == SQLITE_DONE)
		return -ENOENT;
	return store_db_fail(s, "finding the oldest dump");
}

int store_evict_candidate(struct store *s, int64_t keep_id, int64_t before_us,
			  int64_t below_id, int64_t *id, int64_t *time_us)
{
	sqlite3_stmt *st;
	int rc;

	if (!s->db)
		return no_index(s);
	/*
	 * As systemd-coredump: the oldest dump of the user with the most
	 * dumps (ties: the user whose oldest is oldest).  One probe of
	 * dumps_by_uid per user, not a scan of the dumps.
	 */
	if (sqlite3_prepare_v2(s->db,
			       "SELECT d.id, d.time_us FROM uids u JOIN dumps d"
			       " ON d.id = (SELECT id FROM dumps"
			       "  WHERE uid = u.uid AND id != ?1"
			       "  AND (?2 = 0 OR time_us < ?2)"
			       "  AND (?3 = 0 OR id < ?3)"
			       "  ORDER BY time_us, id LIMIT 1)"
			       " ORDER BY u.n DESC, d.time_us, d.id LIMIT 1",
			       -1, &st, NULL))
		return store_db_fail(s, "choosing a dump to evict");
	sqlite3_bind_int64(st, 1, keep_id);
	sqlite3_bind_int64(st, 2, before_us);
	sqlite3_bind_int64(st, 3, below_id);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		*id = sqlite3_column_int64(st, 0);
		if (time_us)
			*time_us = sqlite3_column_int64(st, 1);
	}
	sqlite3_finalize(st);
	if (rc == SQLITE_ROW)
		return 0;
	if (rc == SQLITE_DONE)
		return -ENOENT;
	return store_db_fail(s, "choosing a dump to evict");
}

int store_unindex(struct store *s, const char *name, char *exe_freed,
		  size_t len)
{
	char exe[STORE_NAME_LEN] = "";
	sqlite3_stmt *st;
	int rc, err, others = 1;

	if (exe_freed && len)
		exe_freed[0] = 0;
	err = store_exec(s, "BEGIN IMMEDIATE", "starting a delete");
	if (err)
		return err;
	if (sqlite3_prepare_v2(s->db,
			       "SELECT saved_exe FROM dumps WHERE annotation_file = ?",
			       -1, &st, NULL)) {
		err = store_db_fail(s, "preparing a delete");
		goto rollback;
	}
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW)
		copy_text(exe, sizeof(exe), st, 0);
	sqlite3_finalize(st);
	if (sqlite3_prepare_v2(s->db,
			       "DELETE FROM dumps WHERE annotation_file = ?",
			       -1, &st, NULL)) {
		err = store_db_fail(s, "preparing a delete");
		goto rollback;
	}
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		err = store_db_fail(s, "deleting a dump");
		goto rollback;
	}
	if (exe[0]) {
		/* dumps_by_saved_exe: one index probe, not a scan. */
		if (sqlite3_prepare_v2(s->db,
				       "SELECT count(*) FROM dumps WHERE saved_exe = ?",
				       -1, &st, NULL) == SQLITE_OK) {
			sqlite3_bind_text(st, 1, exe, -1, SQLITE_STATIC);
			if (sqlite3_step(st) == SQLITE_ROW)
				others = sqlite3_column_int(st, 0);
			sqlite3_finalize(st);
		}
		if (others == 0 &&
		    sqlite3_prepare_v2(s->db, "DELETE FROM exes WHERE name = ?",
				       -1, &st, NULL) == SQLITE_OK) {
			sqlite3_bind_text(st, 1, exe, -1, SQLITE_STATIC);
			sqlite3_step(st);
			sqlite3_finalize(st);
			if (exe_freed)
				snprintf(exe_freed, len, "%s", exe);
		}
	}
	err = store_exec(s, "COMMIT", "committing a delete");
	if (!err)
		return 0;
rollback:
	sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
	if (exe_freed && len)
		exe_freed[0] = 0;
	return err;
}

int store_total_size(struct store *s, uint64_t *bytes)
{
	sqlite3_stmt *st;
	int rc;

	*bytes = 0;
	if (!s->db)
		return no_index(s);
	if (sqlite3_prepare_v2(s->db, "SELECT bytes FROM usage WHERE k = 1",
			       -1, &st, NULL))
		return store_db_fail(s, "reading the store's size");
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		int64_t v = sqlite3_column_int64(st, 0);

		*bytes = v > 0 ? (uint64_t)v : 0;
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return store_db_fail(s, "reading the store's size");
	return 0;
}

/* The highest id in the index, 0 when none (or no index to ask). */
static int64_t max_id(struct store *s)
{
	sqlite3_stmt *st;
	int64_t v = 0;

	if (!s->db || sqlite3_prepare_v2(s->db, "SELECT max(id) FROM dumps",
					 -1, &st, NULL))
		return 0;
	if (sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return v;
}

int store_alloc_id(struct store *s, int64_t *id)
{
	char buf[32];
	int64_t last = 0, top;
	ssize_t n;
	int fd, err = 0;

	fd = paths_openat(s->dirfd, STORE_ID_FILE, O_RDWR | O_CREAT, 0600);
	if (fd < 0)
		return store_fail(s, fd, "%s/%s: %s", s->path, STORE_ID_FILE,
				  strerror(-fd));
	/* Every writer holds it a few µs: waiting is fine. */
	while (flock(fd, LOCK_EX) < 0)
		if (errno != EINTR) {
			err = store_fail(s, -errno, "%s/%s: flock: %s", s->path,
					 STORE_ID_FILE, strerror(errno));
			goto out;
		}
	n = pread(fd, buf, sizeof(buf) - 1, 0);
	if (n > 0) {
		char *end;

		buf[n] = 0;
		last = strtoll(buf, &end, 10);
		if (last < 0 || (*end && *end != '\n'))
			last = 0;	/* garbage: the index says */
	}
	top = max_id(s);
	if (top > last)
		last = top;
	*id = last + 1;
	n = snprintf(buf, sizeof(buf), "%lld\n", (long long)*id);
	if (pwrite(fd, buf, (size_t)n, 0) != n || ftruncate(fd, n) < 0 ||
	    fdatasync(fd) < 0)
		err = store_fail(s, -errno, "%s/%s: %s", s->path, STORE_ID_FILE,
				 strerror(errno));
out:
	close(fd);
	return err;
}

int64_t store_last_id(struct store *s)
{
	char buf[32];
	int64_t last = 0, top = max_id(s);
	ssize_t n;
	int fd;

	fd = paths_openat(s->dirfd, STORE_ID_FILE, O_RDONLY, 0);
	if (fd >= 0) {
		n = pread(fd, buf, sizeof(buf) - 1, 0);
		if (n > 0) {
			buf[n] = 0;
			last = strtoll(buf, NULL, 10);
		}
		close(fd);
	}
	return top > last ? top : last;
}

int store_ratelimit(struct store *s, const char *exe, int64_t now_us,
		    int64_t interval_us, unsigned int burst,
		    uint64_t *suppressed)
{
	sqlite3_stmt *st;
	int64_t start = now_us, count = 0, supp = 0;
	int err, allowed;

	*suppressed = 0;
	if (burst == 0)
		return 1;
	if (!s->db)
		return no_index(s);
	err = store_exec(s, "BEGIN IMMEDIATE", "starting a rate-limit update");
	if (err)
		return err;
	if (sqlite3_prepare_v2(s->db,
			       "SELECT window_start_us, count, suppressed "
			       "FROM ratelimit WHERE exe = ?", -1, &st, NULL)) {
		err = store_db_fail(s, "reading the rate limit");
		goto rollback;
	}
	sqlite3_bind_text(st, 1, exe, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW) {
		start = sqlite3_column_int64(st, 0);
		count = sqlite3_column_int64(st, 1);
		supp = sqlite3_column_int64(st, 2);
	}
	sqlite3_finalize(st);
	/* A clock step backwards starts a new window too. */
	if (now_us < start || now_us - start >= interval_us) {
		start = now_us;
		count = 0;
	}
	allowed = count < (int64_t)burst;
	if (allowed) {
		count++;
		*suppressed = (uint64_t)supp;
		supp = 0;
	} else {
		supp++;
	}
	if (sqlite3_prepare_v2(s->db,
			       "INSERT OR REPLACE INTO ratelimit "
			       "(exe, window_start_us, count, suppressed) "
			       "VALUES (?, ?, ?, ?)", -1, &st, NULL)) {
		err = store_db_fail(s, "updating the rate limit");
		goto rollback;
	}
	sqlite3_bind_text(st, 1, exe, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, start);
	sqlite3_bind_int64(st, 3, count);
	sqlite3_bind_int64(st, 4, supp);
	err = sqlite3_step(st) == SQLITE_DONE ? 0 : -1;
	sqlite3_finalize(st);
	if (err) {
		err = store_db_fail(s, "updating the rate limit");
		goto rollback;
	}
	err = store_exec(s, "COMMIT", "committing the rate limit");
	if (err)
		goto rollback;
	return allowed;

rollback:
	sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
	return err;
}

int store_openat(struct store *s, const char *name, int flags)
{
	int fd;

	if (!store_name_ok(name))
		return store_fail(s, -EINVAL, "%s: \"%s\" is not a store file name (corrupt index?)",
				  s->path, name);
	fd = paths_openat(s->dirfd, name, flags, 0600);
	if (fd < 0)
		return store_fail(s, fd, "%s/%s: %s", s->path, name,
				  strerror(-fd));
	return fd;
}

/* Write all of buf, or skip it as a hole when it is all zero and sparse. */
static int out_write(int fd, const uint8_t *buf, size_t len, int sparse)
{
	if (sparse) {
		size_t i = 0;

		while (i < len && buf[i] == 0)
			i++;
		if (i == len)
			return lseek(fd, (off_t)len, SEEK_CUR) < 0 ? -errno : 0;
	}
	while (len) {
		ssize_t w = write(fd, buf, len);

		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		buf += w;
		len -= (size_t)w;
	}
	return 0;
}

#define EXTRACT_BLOCK	4096
#define EXTRACT_BUF	(1u << 20)

/* Feed out[0..len) to out_fd in 4 KiB blocks (holes for zero blocks). */
static int out_blocks(int fd, const uint8_t *p, size_t len, int sparse)
{
	while (len) {
		size_t n = len < EXTRACT_BLOCK ? len : EXTRACT_BLOCK;
		int err = out_write(fd, p, n, sparse);

		if (err)
			return err;
		p += n;
		len -= n;
	}
	return 0;
}

int64_t store_extract_core(struct store *s, const struct store_dump *d,
			   int out_fd)
{
	ZSTD_DStream *zd = NULL;
	uint8_t *in = NULL, *out = NULL;
	uint64_t total = 0;
	struct stat sb;
	int fd, sparse, err = 0;
	size_t zret = 1;

	if (d->storage == STORE_NONE || !d->core_file[0])
		return store_fail(s, -ENODATA, "dump %lld has no stored core (%s%s%s)",
			    (long long)d->id, store_status_name(d->status),
			    d->status_why[0] ? ": " : "", d->status_why);
	fd = store_openat(s, d->core_file, O_RDONLY);
	if (fd < 0)
		return fd;
	sparse = fstat(out_fd, &sb) == 0 && S_ISREG(sb.st_mode);
	in = malloc(EXTRACT_BUF);
	out = malloc(EXTRACT_BUF);
	if (!in || !out) {
		err = store_fail(s, -ENOMEM, "out of memory");
		goto out;
	}
	if (d->storage == STORE_ZSTD) {
		zd = ZSTD_createDStream();
		if (!zd || ZSTD_isError(ZSTD_initDStream(zd))) {
			err = store_fail(s, -ENOMEM, "cannot set up zstd");
			goto out;
		}
	}
	for (;;) {
		ssize_t r = read(fd, in, EXTRACT_BUF);

		if (r < 0) {
			if (errno == EINTR)
				continue;
			err = store_fail(s, -errno, "%s/%s: read: %s", s->path,
				   d->core_file, strerror(errno));
			goto out;
		}
		if (r == 0)
			break;
		if (!zd) {
			err = out_blocks(out_fd, in, (size_t)r, sparse);
			total += (uint64_t)r;
		} else {
			ZSTD_inBuffer ib = { in, (size_t)r, 0 };

			while (ib.pos < ib.size && !err) {
				ZSTD_outBuffer ob = { out, EXTRACT_BUF, 0 };

				zret = ZSTD_decompressStream(zd, &ob, &ib);
				if (ZSTD_isError(zret)) {
					err = store_fail(s, -EBADMSG, "%s/%s: corrupt zstd data: %s",
						   s->path, d->core_file,
						   ZSTD_getErrorName(zret));
					goto out;
				}
				err = out_blocks(out_fd, out, ob.pos, sparse);
				total += ob.pos;
			}
		}
		if (err) {
			err = store_fail(s, err, "writing the core: %s",
				   strerror(-err));
			goto out;
		}
	}
	if (zd) {
		/* Flush what the decoder still holds while the frame is open. */
		while (zret != 0) {
			ZSTD_inBuffer ib = { in, 0, 0 };
			ZSTD_outBuffer ob = { out, EXTRACT_BUF, 0 };

			zret = ZSTD_decompressStream(zd, &ob, &ib);
			if (ZSTD_isError(zret) || ob.pos == 0)
				break;
			err = out_blocks(out_fd, out, ob.pos, sparse);
			if (err) {
				err = store_fail(s, err, "writing the core: %s",
					   strerror(-err));
				goto out;
			}
			total += ob.pos;
		}
		if (zret != 0) {
			err = store_fail(s, -EBADMSG, "%s/%s: the zstd stream ends before its frame does (file cut short)",
				   s->path, d->core_file);
			goto out;
		}
	}
	/* Trailing holes: the file must reach its full length. */
	if (sparse) {
		off_t pos = lseek(out_fd, 0, SEEK_CUR);

		if (pos < 0 || ftruncate(out_fd, pos) < 0) {
			err = store_fail(s, -errno, "extending the output to its full size: %s",
				   strerror(errno));
			goto out;
		}
	}
	if (total != d->apparent_size)
		err = store_fail(s, -EBADMSG, "%s/%s: holds %llu bytes of core, the index says %llu",
			   s->path, d->core_file, (unsigned long long)total,
			   (unsigned long long)d->apparent_size);
out:
	ZSTD_freeDStream(zd);
	free(in);
	free(out);
	close(fd);
	return err ? err : (int64_t)total;
}
