/* SPDX-License-Identifier: GPL-2.0 */
/*
 * store.h - the dump store: one directory (default /var/lib/gocap) holding
 * every captured core, its JSON annotation, the executables saved once per
 * build ID, and a SQLite index with one row per dump.
 *
 * Writers: gocapd (the daemon, and `gocapd --pipe` when it persists a core
 * itself because the daemon is down).  Readers: gocap (list/info/dump/...).
 * Several processes may have the index open at once: it is in WAL mode with
 * a busy timeout, and every call is one short transaction.
 *
 * Layout of the directory (names are relative to it; nothing else is ever
 * created there):
 *   index.db                     the SQLite index (schema: store.c)
 *   core.<comm>.<uid>.<boot>.<pid>.<time_us>[.zst]   a core
 *   core.<...same...>.json       its annotation
 *   exe/<build-id>               executables, content-addressed by build ID
 *   .tmp/                        files being written (renamed into place)
 * Every name in a row is relative to the directory, made only of
 * [A-Za-z0-9._-] plus the one "exe/" prefix, and is checked again on use:
 * store_openat() refuses any other name, so a corrupt index cannot point
 * outside the store.
 *
 * This header is the API gocap and gocapd share; it is not the capture
 * code (userland/gocapd/) and knows nothing about ELF or Go.
 *
 * Error convention: functions return 0 (or a count) on success and a
 * negative errno on failure; store_error() then says what failed, on which
 * file, in words fit for a user.
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

/* Sizes of the text fields of struct store_dump (NUL included). */
#define STORE_PATH_LEN		4096	/* exe, cgroup */
#define STORE_NAME_LEN		256	/* file names in the store */
#define STORE_BUILDID_LEN	128	/* hex GNU build ID or Go build ID */
#define STORE_COMM_LEN		64	/* comm (16) after sanitising */
#define STORE_HOST_LEN		256
#define STORE_ID_LEN		72	/* boot id, container id (hex) */
#define STORE_WHY_LEN		512

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
	int64_t id;			/* row id, assigned by store_insert() */
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
	char saved_exe[STORE_NAME_LEN];	/* "exe/<build-id>" or "" */
	uint64_t suppressed_before;	/* dumps of this exe dropped by the rate
					 * limit since the previous stored one */
};

struct store;

/* store_open() flags */
#define STORE_O_CREATE		(1u << 0) /* create dir/index, migrate schema */
#define STORE_O_READONLY	(1u << 1) /* never write (gocap) */

/*
 * Open the store in dir (NULL: STORE_DEFAULT_DIR).  With STORE_O_CREATE the
 * directory (0700), exe/, .tmp/ and the index are created when missing and
 * an older schema is migrated.  On failure returns a negative errno and,
 * when errbuf is given, a sentence saying what is wrong with which path.
 */
int store_open(struct store **out, const char *dir, unsigned int flags,
	       char *errbuf, size_t errlen);
void store_close(struct store *s);

/* The directory fd (O_PATH|O_DIRECTORY) and path of an open store. */
int store_dirfd(const struct store *s);
const char *store_path(const struct store *s);

/* What the last failing call on s was about, "" if none. */
const char *store_error(const struct store *s);

/* Insert d (d->id is ignored and then set).  Returns 0 or -errno. */
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

/*
 * Delete dump id: its core file, annotation and row.  A saved executable
 * is kept while another row refers to it and deleted with its last user.
 * Returns the bytes freed on disk (>= 0) or -errno (-ENOENT: no such dump).
 */
int64_t store_delete(struct store *s, int64_t id);

/*
 * Bytes the store uses on disk, what MaxUse limits: size_on_disk of every
 * row, plus the blocks of every annotation and of every saved executable
 * (each counted once).
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
 * saved_exe) with openat(O_NOFOLLOW|O_CLOEXEC|flags).  Names that are not
 * plain store names (see above) fail with -EINVAL.  Returns an fd or -errno.
 */
int store_openat(struct store *s, const char *name, int flags);

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

#endif /* GOCD_STORE_H */
