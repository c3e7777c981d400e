/* SPDX-License-Identifier: GPL-2.0 */
/*
 * store.h - the dump store: one directory (default /var/lib/gocap) holding
 * every captured core, its JSON annotation, the executables saved for the
 * dumps, and a SQLite index with one row per dump.
 *
 * The annotations are the record; the index is a cache of them.  A dump
 * exists once its annotation is in place (store_commit()); its row follows,
 * at once or, when the index is locked, later (store_recover()).  A lost,
 * corrupt or emptied index is moved aside and rebuilt from the annotations
 * (store_reindex()), and nothing else is lost with it.
 *
 * Writers: gocapd (the daemon, and `gocapd --pipe` when it persists a core
 * itself because the daemon is down).  Readers: gocap (list/info/dump/...),
 * as root through the index, or as the user who crashed through the
 * annotations that user may read (no index access needed).
 *
 * Layout of the directory (names are relative to it; nothing else is ever
 * created there):
 *   index.db                     the SQLite index (schema: store.c)
 *   next-id                      the last dump id handed out (text)
 *   core.<comm>.<uid>.<boot>.<pid>.<time_us>[.zst]   a core
 *   core.<...same...>.json       its annotation
 *   exe/<build-id>.<sha256>      executables, content-addressed
 *   .tmp/                        files being written, and the markers of
 *                                commits and deletions under way (record.c)
 * Every name in a row is relative to the directory, made only of
 * [A-Za-z0-9._-] plus the one "exe/" prefix, and is checked again on use:
 * store_openat() refuses any other name, so a corrupt index cannot point
 * outside the store, and opens it without following any symlink.
 *
 * Who may write the directory matters (cores hold other users' memory):
 * with STORE_O_CREATE the store and every directory above it must be safe
 * (paths.c); otherwise store_open() refuses, saying why.
 *
 * This header is the API gocap and gocapd share; it is not the capture
 * code (userland/gocapd/) and knows nothing about ELF or Go.
 *
 * Error convention: functions return 0 (or a count) on success and a
 * negative errno on failure; store_error() then says what failed, on which
 * file, in words fit for a user.  -EBUSY: the index is locked by another
 * process (with STORE_O_NOWAIT at once, else after a few seconds).
 */
#ifndef GOCD_STORE_H
#define GOCD_STORE_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define STORE_DEFAULT_DIR	"/var/lib/gocap"
#define STORE_INDEX_NAME	"index.db"
#define STORE_EXE_DIR		"exe"
#define STORE_TMP_DIR		".tmp"
#define STORE_ID_FILE		"next-id"

/* Sizes of the text fields of struct store_dump (NUL included). */
#define STORE_PATH_LEN		4096	/* exe, cgroup */
#define STORE_NAME_LEN		256	/* file names in the store */
#define STORE_BUILDID_LEN	128	/* hex GNU build ID or Go build ID */
#define STORE_COMM_LEN		64	/* comm (16) after sanitising */
#define STORE_HOST_LEN		256
#define STORE_ID_LEN		72	/* boot id, container id (hex) */
#define STORE_WHY_LEN		512

/* An annotation bigger than this is not read back (reindex, users). */
#define STORE_ANNOTATION_MAX	(64u << 20)

enum store_storage {
	STORE_RAW,		/* the core as a sparse file */
	STORE_ZSTD,		/* one zstd frame of the whole core */
	STORE_NONE,		/* no core file: metadata only */
};

enum store_status {
	STORE_COMPLETE,		/* every byte the kernel wrote is stored */
	STORE_TRUNCATED,	/* a prefix is stored; status_why says why */
	STORE_METADATA_ONLY,	/* no core stored; status_why says why */
};

/*
 * One dump.  Strings are NUL-terminated, "" when unknown.  pid/uid/gid are
 * as seen from the initial namespaces (%P, %u, %g: uid/gid are those of the
 * crashed process mapped into the initial user namespace).
 */
struct store_dump {
	int64_t id;			/* row id (store_alloc_id()) */
	int64_t time_us;		/* crash time, µs since the epoch */
	int32_t pid, uid, gid;
	int32_t signal, si_code;
	char exe[STORE_PATH_LEN];	/* /proc/PID/exe target as read */
	char exe_build_id[STORE_BUILDID_LEN];	/* GNU build ID (hex), else
						 * the Go build ID, else "" */
	char comm[STORE_COMM_LEN];	/* sanitised */
	char hostname[STORE_HOST_LEN];
	char boot_id[STORE_ID_LEN];	/* 32 hex digits, no dashes */
	char cgroup[STORE_PATH_LEN];	/* cgroup v2 path */
	char container_id[STORE_ID_LEN];	/* from the cgroup path, or "" */
	char core_file[STORE_NAME_LEN];	/* "" when storage is STORE_NONE */
	enum store_storage storage;
	enum store_status status;
	char status_why[STORE_WHY_LEN];	/* "" when complete */
	uint64_t size_on_disk;		/* bytes of blocks the core file uses */
	uint64_t apparent_size;		/* bytes of the core the kernel wrote
					 * (what was received, when truncated) */
	char annotation_file[STORE_NAME_LEN];	/* "core....json" */
	char saved_exe[STORE_NAME_LEN];	/* "exe/<build-id>.<hash>" or "" */
	uint64_t suppressed_before;	/* dumps of this exe dropped by the rate
					 * limit since the previous stored one */
	uint64_t meta_size;		/* bytes of blocks of the annotation */
	uint64_t exe_size;		/* bytes of blocks of saved_exe (counted
					 * once however many dumps share it) */
};

struct store;

/* store_open() flags */
#define STORE_O_CREATE		(1u << 0) /* create dir/index, migrate schema;
					   * the directories must be safe */
#define STORE_O_READONLY	(1u << 1) /* never write (gocap) */
#define STORE_O_NOWAIT		(1u << 2) /* a locked index: -EBUSY at once */
#define STORE_O_REPAIR		(1u << 3) /* a corrupt index is moved aside
					   * and a new one started (then
					   * store_needs_reindex() says so) */
#define STORE_O_CHECK		(1u << 4) /* check every page of the index
					   * first (PRAGMA quick_check: O(rows),
					   * for the daemon's start) */

/*
 * Open the store in dir (NULL: STORE_DEFAULT_DIR).  With STORE_O_CREATE the
 * directory (0755), exe/ (0711), .tmp/ (0700) and the index (0600) are
 * created when missing and an older schema is migrated.
 *
 * Read-only, when the index cannot be read (a user who is not root), the
 * store is opened over the annotations that the caller can read: list and
 * get work on them (store_by_annotations() says so), nothing else needs
 * the index.
 *
 * On failure returns a negative errno and, when errbuf is given, a
 * sentence saying what is wrong with which path.
 */
int store_open(struct store **out, const char *dir, unsigned int flags,
	       char *errbuf, size_t errlen);
void store_close(struct store *s);

/* The directory fd (O_DIRECTORY) and path of an open store; the fds of
 * .tmp/ and exe/ (-1 when read-only and absent). */
int store_dirfd(const struct store *s);
int store_tmpfd(const struct store *s);
int store_exefd(const struct store *s);
const char *store_path(const struct store *s);

/* Opened over the annotations, without the index (see store_open()). */
int store_by_annotations(const struct store *s);

/* The index was new or moved aside although the store holds annotations:
 * store_reindex() must run (gocapd does it in the background). */
int store_needs_reindex(const struct store *s);

/*
 * After store_reindex() ran on another handle of the same store (gocapd's
 * rebuild thread): read the index's own flag again, so that s no longer
 * asks for a rebuild that is done.  Unchanged when it cannot be read.
 */
void store_recheck_reindex(struct store *s);

/* Did the index say it is corrupt (SQLITE_CORRUPT, NOTADB) since open? */
int store_index_corrupt(const struct store *s);

/*
 * Move the index aside and start a new, empty one (to be rebuilt by
 * store_reindex(), which store_needs_reindex() then asks for).  0 or
 * -errno.
 */
int store_reset_index(struct store *s);

/* Is the directory still the one opened (not deleted, not replaced)? */
int store_still_there(const struct store *s);

/* What the last failing call on s was about, "" if none. */
const char *store_error(const struct store *s);

/* Wait at most ms for a locked index (0: fail at once with -EBUSY). */
void store_set_busy_ms(struct store *s, int ms);

/*
 * A new dump id, from next-id (locked with flock, so every writer of the
 * store gets its own), never below the index's highest.  0 or -errno.
 */
int store_alloc_id(struct store *s, int64_t *id);

/* The last dump id handed out (next-id, or the index's highest), 0 when
 * none: a dump committed from now on has a higher one.  Takes no lock. */
int64_t store_last_id(struct store *s);

/*
 * Index d.  d->id > 0 (store_alloc_id()) is kept when free; a row with
 * that id and the same annotation_file means d is indexed already (0);
 * another one gets d a new id (1, d->id changed: the annotation keeps the
 * old one, the row is the truth for gocap).  d->id == 0 takes a new id.
 * A saved_exe is counted once (exe_size), with the first row naming it.
 * Returns 0, 1 or -errno.
 */
int store_insert(struct store *s, struct store_dump *d);

/* Get row id into *out: 0, -ENOENT when there is no such dump, -errno. */
int store_get(struct store *s, int64_t id, struct store_dump *out);

/*
 * Filters of store_list(): a zero/NULL member matches everything.
 * exe matches the full exe path, or its last component when it has no '/'.
 * since/until bound time_us inclusively.
 */
struct store_filter {
	const char *exe;
	int64_t since_us, until_us;
	int32_t signal;
	unsigned int limit;		/* at most this many rows (0: all) */
	int newest_first;		/* default: oldest first */
};

/*
 * Call fn for every matching dump, in time order; stop early and return
 * fn's value when it is nonzero.  Returns the number of rows visited, or
 * -errno.  fn must not call back into s.
 */
int store_list(struct store *s, const struct store_filter *f,
	       int (*fn)(void *arg, const struct store_dump *d), void *arg);

/* The oldest dump (not keep_id): its id and time into *id, *time_us (may
 * be NULL).  0, -ENOENT when none.  One index probe. */
int store_oldest(struct store *s, int64_t keep_id, int64_t *id,
		 int64_t *time_us);

/*
 * The dump to evict when the store is full, systemd-coredump's order: the
 * oldest dump of the user who has the most (ties: whose oldest is
 * oldest), never keep_id, only one older than before_us, and only one
 * with an id below below_id (0: any, for both).  0 with *id (and
 * *time_us), -ENOENT when none.  O(users x log dumps).
 */
int store_evict_candidate(struct store *s, int64_t keep_id, int64_t before_us,
			  int64_t below_id, int64_t *id, int64_t *time_us);

/*
 * Delete dump id: its annotation (first, through a marker in .tmp/, so a
 * crash half-way is finished by store_recover()), core file and row.  A
 * saved executable is kept while another row refers to it and deleted
 * with its last user.  Returns the bytes freed on disk (>= 0) or -errno
 * (-ENOENT: no such dump; -EBUSY: the index is locked, nothing changed).
 */
int64_t store_delete(struct store *s, int64_t id);

/*
 * Bytes the store uses on disk, what MaxUse limits: size_on_disk and
 * meta_size of every row, plus every saved executable once.  A running
 * total kept by the index itself (triggers): O(1), no scan.
 */
int store_total_size(struct store *s, uint64_t *bytes);

/*
 * Rate limit, shared by every process that writes the store: at most
 * burst dumps of one exe per interval_us window.  Returns 1 when this dump
 * may be stored (and *suppressed gets how many were dropped since the last
 * stored one, for store_dump.suppressed_before), 0 when it is suppressed
 * (counted), -errno on error.  burst 0 means no limit.
 */
int store_ratelimit(struct store *s, const char *exe, int64_t now_us,
		    int64_t interval_us, unsigned int burst,
		    uint64_t *suppressed);

/*
 * Open a file of the store by its row name (core_file, annotation_file,
 * saved_exe) with flags | O_NOFOLLOW | O_CLOEXEC, resolving no symlink
 * anywhere (openat2 RESOLVE_NO_SYMLINKS, or one O_NOFOLLOW step per
 * component).  Names that are not plain store names (see above) fail with
 * -EINVAL.  Returns an fd or -errno.
 */
int store_openat(struct store *s, const char *name, int flags);

/* Bytes of disk blocks the store file name uses (0: none, or gone). */
uint64_t store_file_blocks(struct store *s, const char *name);

/* Is name a plain store name ([A-Za-z0-9._-], optional "exe/" prefix,
 * not "." or "..", not starting with '.')? */
int store_name_ok(const char *name);

/*
 * Write dump d's core, as the kernel produced it, to out_fd: decompressed
 * when it is zstd; holes are kept (lseek) when out_fd is a regular file.
 * Returns the bytes of core written or -errno (-ENODATA: metadata only;
 * -EBADMSG: the stored file is corrupt or shorter than the row says).
 */
int64_t store_extract_core(struct store *s, const struct store_dump *d,
			   int out_fd);

const char *store_storage_name(enum store_storage st);	/* "raw" ... */
const char *store_status_name(enum store_status st);	/* "complete" ... */
/* Parse the names above: 0 or -EINVAL. */
int store_storage_parse(const char *name, enum store_storage *out);
int store_status_parse(const char *name, enum store_status *out);

/* --- a dump's record (record.c) -------------------------------------- */

/*
 * Commit a dump: its core (already complete in .tmp/ as core_tmp, fsync'd;
 * NULL for none) and its annotation (text, len bytes) become the dump,
 * then its row is added.  In this order, each step durable before the
 * next:
 *   1. the annotation is written to .tmp/<annotation>.<pid>.partial and
 *      flock'd (the marker: "a commit is under way")
 *   2. the core is renamed into place
 *   3. the annotation is linked into place: the dump exists
 *   4. the row is inserted (d->id is kept; see store_insert())
 *   5. the marker is removed
 * A writer that dies at any point leaves an unlocked marker, which
 * store_recover() rolls forward (2..5).  When the index is locked (4
 * returns -EBUSY) the commit is done but not indexed: returns 1 and the
 * marker stays, still locked, in *pending (store_pending_retry() finishes
 * it; store_pending_drop() leaves it to store_recover()).  d->meta_size is
 * set.  reader_uid >= 0: that user may read the annotation too
 * (store_grant_read()).  When the store will not take the dump now (step
 * 2 or 3 fails: a read-only or immutable directory, a full disk), the
 * marker and the core stay in .tmp/ for store_recover() to commit later:
 * -EAGAIN.  Returns 0, 1, -EAGAIN, or -errno when nothing could be kept
 * (the caller may try again, e.g. as metadata only).
 */
struct store_pending;
int store_commit(struct store *s, struct store_dump *d, const char *core_tmp,
		 const void *text, size_t len, int reader_uid,
		 struct store_pending **pending);
int store_pending_retry(struct store *s, struct store_pending *p);
void store_pending_drop(struct store_pending *p);

/*
 * Finish what writers that died left in .tmp/: commits (rolled forward),
 * deletions (finished), and partial files nobody holds any more (deleted:
 * their writer is gone; a takeover holds its file).  Returns the number of
 * things done, or -errno.  Cheap: .tmp/ holds only what is in flight.
 */
int store_recover(struct store *s);

/*
 * Rebuild the index from the annotations: a row for every annotation in
 * place, none for an annotation that is gone, the totals recomputed.
 * O(dumps).  stats (may be NULL) get what was done.
 */
struct store_reindex_stats {
	unsigned long annotations, added, removed, unreadable, renumbered;
};
int store_reindex(struct store *s, struct store_reindex_stats *stats);

/*
 * The row an annotation describes (text of len bytes, the annotation
 * named name).  Annotations are read back as outside bytes: every field
 * is type- and size-checked (fuzz_store_annotation).  0 or -EBADMSG with
 * err set.
 */
int store_row_from_annotation(const char *text, size_t len, const char *name,
			      struct store_dump *d, char *err, size_t errlen);

/*
 * Let uid read the file behind fd, as systemd-coredump does for a user's
 * own cores: a POSIX ACL (user:uid:r--, mask r--), nothing for group or
 * others.  0, or -errno (-EOPNOTSUPP: the file system has no ACLs).
 */
int store_grant_read(int fd, uid_t uid);

/* --- content addressing of saved executables ------------------------ */

/*
 * The store name of an executable: "exe/<key>.<sha256 hex>", where key is
 * the build ID with '/' written as '.' (GNU: hex; Go: base64url with '/').
 * -EINVAL when the build ID has other characters or is too long.
 */
int store_exe_name(const char *build_id, const uint8_t sha256[32],
		   char *out, size_t outlen);

#endif /* GOCD_STORE_H */
