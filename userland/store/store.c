// SPDX-License-Identifier: GPL-2.0
/*
 * store.c - the dump store: directory layout, SQLite index, rate limit
 * state, and reading a stored core back (see store.h for the contract).
 *
 * The index is the only shared state between the daemon, the pipe-mode
 * fallback and the readers, so everything is one short transaction under
 * SQLite's own locking (WAL, busy timeout).  Nothing read back from the
 * index is trusted to be a safe path: store_openat() re-validates names.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sqlite3.h>
#include <zstd.h>

#include "store/store.h"

#define STORE_SCHEMA_VERSION	1
#define STORE_BUSY_MS		10000

struct store {
	sqlite3 *db;
	int dirfd;
	unsigned int flags;
	char path[STORE_PATH_LEN];
	char err[512];
};

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

/* Columns in the order row_read() expects them. */
#define DUMP_COLUMNS \
	"id, time_us, pid, uid, gid, signal, si_code, exe, exe_build_id, " \
	"comm, hostname, boot_id, cgroup, container_id, core_file, storage, " \
	"status, status_why, size_on_disk, apparent_size, annotation_file, " \
	"saved_exe, suppressed_before"

static int fail(struct store *s, int err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(s->err, sizeof(s->err), fmt, ap);
	va_end(ap);
	return err < 0 ? err : -EIO;
}

static int db_fail(struct store *s, const char *what)
{
	int rc = sqlite3_extended_errcode(s->db);
	int err = (rc & 0xff) == SQLITE_BUSY ? -EBUSY :
		  (rc & 0xff) == SQLITE_FULL ? -ENOSPC :
		  (rc & 0xff) == SQLITE_READONLY ? -EROFS : -EIO;

	return fail(s, err, "%s/%s: %s: %s", s->path, STORE_INDEX_NAME, what,
		    sqlite3_errmsg(s->db));
}

const char *store_error(const struct store *s)
{
	return s->err;
}

int store_dirfd(const struct store *s)
{
	return s->dirfd;
}

const char *store_path(const struct store *s)
{
	return s->path;
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

static int exec_sql(struct store *s, const char *sql, const char *what)
{
	if (sqlite3_exec(s->db, sql, NULL, NULL, NULL) != SQLITE_OK)
		return db_fail(s, what);
	return 0;
}

/*
 * Bring the schema to STORE_SCHEMA_VERSION.  user_version 0 is a new
 * database; a newer version than ours is refused rather than misread.
 */
static int migrate(struct store *s)
{
	sqlite3_stmt *st;
	int ver, err;

	if (sqlite3_prepare_v2(s->db, "PRAGMA user_version", -1, &st, NULL))
		return db_fail(s, "reading the schema version");
	ver = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int(st, 0) : -1;
	sqlite3_finalize(st);
	if (ver < 0)
		return db_fail(s, "reading the schema version");
	if (ver > STORE_SCHEMA_VERSION)
		return fail(s, -EPROTO,
			    "%s/%s: schema version %d is newer than this program's (%d): upgrade gocapd/gocap",
			    s->path, STORE_INDEX_NAME, ver,
			    STORE_SCHEMA_VERSION);
	if (ver == STORE_SCHEMA_VERSION)
		return 0;
	if (s->flags & STORE_O_READONLY)
		return fail(s, -EPROTO,
			    "%s/%s: index has schema version %d, needs %d: run gocapd once to migrate it",
			    s->path, STORE_INDEX_NAME, ver,
			    STORE_SCHEMA_VERSION);
	err = exec_sql(s, "BEGIN IMMEDIATE", "starting the schema migration");
	if (err)
		return err;
	err = exec_sql(s, schema_v1, "creating the schema");
	if (!err)
		err = exec_sql(s, "PRAGMA user_version = 1",
			       "setting the schema version");
	if (err) {
		sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
		return err;
	}
	return exec_sql(s, "COMMIT", "committing the schema");
}

int store_open(struct store **out, const char *dir, unsigned int flags,
	       char *errbuf, size_t errlen)
{
	struct store *s;
	char dbpath[STORE_PATH_LEN + 16];
	int oflags, err;

	*out = NULL;
	if (!dir)
		dir = STORE_DEFAULT_DIR;
	s = calloc(1, sizeof(*s));
	if (!s) {
		if (errbuf)
			snprintf(errbuf, errlen, "out of memory");
		return -ENOMEM;
	}
	s->flags = flags;
	s->dirfd = -1;
	if (strlen(dir) >= sizeof(s->path)) {
		err = fail(s, -ENAMETOOLONG, "%.64s...: store path too long",
			   dir);
		goto out_free;
	}
	strcpy(s->path, dir);

	if ((flags & STORE_O_CREATE) && !(flags & STORE_O_READONLY) &&
	    mkdir(dir, 0700) < 0 && errno != EEXIST) {
		err = fail(s, -errno, "%s: cannot create the store directory: %s",
			   dir, strerror(errno));
		goto out_free;
	}
	/* The store itself must not be a symlink someone planted. */
	s->dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (s->dirfd < 0) {
		err = fail(s, -errno, "%s: cannot open the store directory: %s%s",
			   dir, strerror(errno),
			   errno == ENOENT ? " (no dump was captured yet?)" :
			   errno == EACCES ? " (the store is root-only)" : "");
		goto out_free;
	}
	if ((flags & STORE_O_CREATE) && !(flags & STORE_O_READONLY)) {
		if ((mkdirat(s->dirfd, STORE_EXE_DIR, 0700) < 0 &&
		     errno != EEXIST) ||
		    (mkdirat(s->dirfd, STORE_TMP_DIR, 0700) < 0 &&
		     errno != EEXIST)) {
			err = fail(s, -errno, "%s: cannot create %s/ and %s/ in the store: %s",
				   dir, STORE_EXE_DIR, STORE_TMP_DIR,
				   strerror(errno));
			goto out_close;
		}
	}

	snprintf(dbpath, sizeof(dbpath), "%s/%s", dir, STORE_INDEX_NAME);
	if (!(flags & STORE_O_CREATE) &&
	    faccessat(s->dirfd, STORE_INDEX_NAME, F_OK, AT_SYMLINK_NOFOLLOW) < 0) {
		err = fail(s, -errno, "%s: no index: %s (no dump was captured yet, or not a gocapd store)",
			   dbpath, strerror(errno));
		goto out_close;
	}
	oflags = SQLITE_OPEN_NOMUTEX;
	if (flags & STORE_O_READONLY)
		oflags |= SQLITE_OPEN_READONLY;
	else
		oflags |= SQLITE_OPEN_READWRITE |
			  ((flags & STORE_O_CREATE) ? SQLITE_OPEN_CREATE : 0);
	if (sqlite3_open_v2(dbpath, &s->db, oflags, NULL) != SQLITE_OK) {
		err = fail(s, -EIO, "%s: cannot open the index: %s", dbpath,
			   s->db ? sqlite3_errmsg(s->db) : "out of memory");
		goto out_db;
	}
	sqlite3_busy_timeout(s->db, STORE_BUSY_MS);
	if (!(flags & STORE_O_READONLY)) {
		/* WAL: readers (gocap) never block the daemon's inserts. */
		err = exec_sql(s, "PRAGMA journal_mode=WAL;"
			       "PRAGMA synchronous=NORMAL",
			       "setting the journal mode");
		if (err)
			goto out_db;
	}
	err = migrate(s);
	if (err)
		goto out_db;
	*out = s;
	return 0;

out_db:
	sqlite3_close(s->db);
out_close:
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
}

int store_insert(struct store *s, struct store_dump *d)
{
	static const char sql[] =
		"INSERT INTO dumps (time_us, pid, uid, gid, signal, si_code, "
		"exe, exe_build_id, comm, hostname, boot_id, cgroup, "
		"container_id, core_file, storage, status, status_why, "
		"size_on_disk, apparent_size, annotation_file, saved_exe, "
		"suppressed_before) VALUES "
		"(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)";
	const char *names[] = { d->core_file, d->annotation_file,
				d->saved_exe };
	sqlite3_stmt *st;
	int i = 1, rc;

	for (unsigned int k = 0; k < 3; k++)
		if (names[k][0] && !store_name_ok(names[k]))
			return fail(s, -EINVAL, "refusing to index \"%s\": not a plain store file name",
				    names[k]);
	if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL))
		return db_fail(s, "preparing an insert");
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
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return db_fail(s, "inserting a dump");
	d->id = sqlite3_last_insert_rowid(s->db);
	return 0;
}

int store_get(struct store *s, int64_t id, struct store_dump *out)
{
	sqlite3_stmt *st;
	int rc;

	if (sqlite3_prepare_v2(s->db, "SELECT " DUMP_COLUMNS
			       " FROM dumps WHERE id = ?", -1, &st, NULL))
		return db_fail(s, "preparing a lookup");
	sqlite3_bind_int64(st, 1, id);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		row_read(st, out);
	sqlite3_finalize(st);
	if (rc == SQLITE_ROW)
		return 0;
	if (rc == SQLITE_DONE)
		return fail(s, -ENOENT, "no dump with id %lld in %s",
			    (long long)id, s->path);
	return db_fail(s, "looking up a dump");
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
		return db_fail(s, "preparing a listing");
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
		return fail(s, -ENOMEM, "out of memory");
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
		return db_fail(s, "listing dumps");
	return n;
}

int store_openat(struct store *s, const char *name, int flags)
{
	int fd;

	if (!store_name_ok(name))
		return fail(s, -EINVAL, "%s: \"%s\" is not a store file name (corrupt index?)",
			    s->path, name);
	fd = openat(s->dirfd, name, flags | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0)
		return fail(s, -errno, "%s/%s: %s", s->path, name,
			    strerror(errno));
	return fd;
}

/* Blocks used by name in the store, 0 when it is gone. */
static uint64_t name_blocks(struct store *s, const char *name)
{
	struct stat sb;

	if (!name[0] || !store_name_ok(name) ||
	    fstatat(s->dirfd, name, &sb, AT_SYMLINK_NOFOLLOW) < 0)
		return 0;
	return (uint64_t)sb.st_blocks * 512;
}

static int unlink_name(struct store *s, const char *name)
{
	if (!name[0] || !store_name_ok(name))
		return 0;
	if (unlinkat(s->dirfd, name, 0) < 0 && errno != ENOENT)
		return fail(s, -errno, "%s/%s: cannot delete: %s", s->path,
			    name, strerror(errno));
	return 0;
}

/*
 * The row goes first: a crash between the two steps leaves an unindexed
 * file (harmless, found by size accounting) rather than a row pointing
 * at nothing.
 */
int64_t store_delete(struct store *s, int64_t id)
{
	struct store_dump *d = malloc(sizeof(*d));
	sqlite3_stmt *st;
	uint64_t freed = 0;
	int err, others = 1;

	if (!d)
		return fail(s, -ENOMEM, "out of memory");
	err = store_get(s, id, d);
	if (err)
		goto out;
	if (sqlite3_prepare_v2(s->db, "DELETE FROM dumps WHERE id = ?", -1,
			       &st, NULL)) {
		err = db_fail(s, "preparing a delete");
		goto out;
	}
	sqlite3_bind_int64(st, 1, id);
	err = sqlite3_step(st) == SQLITE_DONE ? 0 : -1;
	sqlite3_finalize(st);
	if (err) {
		err = db_fail(s, "deleting a dump");
		goto out;
	}
	if (d->saved_exe[0]) {
		if (sqlite3_prepare_v2(s->db,
				       "SELECT count(*) FROM dumps WHERE saved_exe = ?",
				       -1, &st, NULL) == SQLITE_OK) {
			sqlite3_bind_text(st, 1, d->saved_exe, -1,
					  SQLITE_STATIC);
			if (sqlite3_step(st) == SQLITE_ROW)
				others = sqlite3_column_int(st, 0);
			sqlite3_finalize(st);
		}
	}
	freed += name_blocks(s, d->core_file);
	freed += name_blocks(s, d->annotation_file);
	err = unlink_name(s, d->core_file);
	if (!err)
		err = unlink_name(s, d->annotation_file);
	if (!err && d->saved_exe[0] && others == 0) {
		freed += name_blocks(s, d->saved_exe);
		err = unlink_name(s, d->saved_exe);
	}
out:
	free(d);
	return err ? err : (int64_t)freed;
}

static int add_blocks(void *arg, const struct store_dump *d)
{
	uint64_t *sum = arg;

	*sum += d->size_on_disk;
	return 0;
}

int store_total_size(struct store *s, uint64_t *bytes)
{
	sqlite3_stmt *st;
	int n;

	*bytes = 0;
	n = store_list(s, NULL, add_blocks, bytes);
	if (n < 0)
		return n;
	/* Annotations are small; executables are shared: count each once. */
	if (sqlite3_prepare_v2(s->db,
			       "SELECT annotation_file FROM dumps UNION ALL "
			       "SELECT DISTINCT saved_exe FROM dumps "
			       "WHERE saved_exe != ''", -1, &st, NULL))
		return db_fail(s, "summing the store size");
	while (sqlite3_step(st) == SQLITE_ROW) {
		const unsigned char *t = sqlite3_column_text(st, 0);

		if (t)
			*bytes += name_blocks(s, (const char *)t);
	}
	sqlite3_finalize(st);
	return 0;
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
	err = exec_sql(s, "BEGIN IMMEDIATE", "starting a rate-limit update");
	if (err)
		return err;
	if (sqlite3_prepare_v2(s->db,
			       "SELECT window_start_us, count, suppressed "
			       "FROM ratelimit WHERE exe = ?", -1, &st, NULL)) {
		err = db_fail(s, "reading the rate limit");
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
		err = db_fail(s, "updating the rate limit");
		goto rollback;
	}
	sqlite3_bind_text(st, 1, exe, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, start);
	sqlite3_bind_int64(st, 3, count);
	sqlite3_bind_int64(st, 4, supp);
	err = sqlite3_step(st) == SQLITE_DONE ? 0 : -1;
	sqlite3_finalize(st);
	if (err) {
		err = db_fail(s, "updating the rate limit");
		goto rollback;
	}
	err = exec_sql(s, "COMMIT", "committing the rate limit");
	if (err)
		goto rollback;
	return allowed;

rollback:
	sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
	return err;
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
		return fail(s, -ENODATA, "dump %lld has no stored core (%s%s%s)",
			    (long long)d->id, store_status_name(d->status),
			    d->status_why[0] ? ": " : "", d->status_why);
	fd = store_openat(s, d->core_file, O_RDONLY);
	if (fd < 0)
		return fd;
	sparse = fstat(out_fd, &sb) == 0 && S_ISREG(sb.st_mode);
	in = malloc(EXTRACT_BUF);
	out = malloc(EXTRACT_BUF);
	if (!in || !out) {
		err = fail(s, -ENOMEM, "out of memory");
		goto out;
	}
	if (d->storage == STORE_ZSTD) {
		zd = ZSTD_createDStream();
		if (!zd || ZSTD_isError(ZSTD_initDStream(zd))) {
			err = fail(s, -ENOMEM, "cannot set up zstd");
			goto out;
		}
	}
	for (;;) {
		ssize_t r = read(fd, in, EXTRACT_BUF);

		if (r < 0) {
			if (errno == EINTR)
				continue;
			err = fail(s, -errno, "%s/%s: read: %s", s->path,
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
					err = fail(s, -EBADMSG, "%s/%s: corrupt zstd data: %s",
						   s->path, d->core_file,
						   ZSTD_getErrorName(zret));
					goto out;
				}
				err = out_blocks(out_fd, out, ob.pos, sparse);
				total += ob.pos;
			}
		}
		if (err) {
			err = fail(s, err, "writing the core: %s",
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
				err = fail(s, err, "writing the core: %s",
					   strerror(-err));
				goto out;
			}
			total += ob.pos;
		}
		if (zret != 0) {
			err = fail(s, -EBADMSG, "%s/%s: the zstd stream ends before its frame does (file cut short)",
				   s->path, d->core_file);
			goto out;
		}
	}
	/* Trailing holes: the file must reach its full length. */
	if (sparse) {
		off_t pos = lseek(out_fd, 0, SEEK_CUR);

		if (pos < 0 || ftruncate(out_fd, pos) < 0) {
			err = fail(s, -errno, "extending the output to its full size: %s",
				   strerror(errno));
			goto out;
		}
	}
	if (total != d->apparent_size)
		err = fail(s, -EBADMSG, "%s/%s: holds %llu bytes of core, the index says %llu",
			   s->path, d->core_file, (unsigned long long)total,
			   (unsigned long long)d->apparent_size);
out:
	ZSTD_freeDStream(zd);
	free(in);
	free(out);
	close(fd);
	return err ? err : (int64_t)total;
}
