/* SPDX-License-Identifier: GPL-2.0 */
/*
 * internal.h - what store.c (the directory and the index) and record.c
 * (the commit protocol, recovery, reindex, reading annotations) share.
 * Not an API: store.h is.
 */
#ifndef GOCD_STORE_INTERNAL_H
#define GOCD_STORE_INTERNAL_H

#include <sqlite3.h>

#include "store/store.h"

#define STORE_BUSY_MS		10000
/* A partial file nobody holds, unchanged this long, is a dead writer's. */
#define STORE_STALE_S		60

struct store {
	sqlite3 *db;		/* NULL when opened over the annotations */
	int dirfd, tmpfd, exefd;
	dev_t dev;		/* of the directory, to notice a new one */
	ino_t ino;
	unsigned int flags;
	int needs_reindex;
	int corrupt;		/* the index said so */
	char path[STORE_PATH_LEN];
	char err[512];
};

int store_fail(struct store *s, int err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
int store_db_fail(struct store *s, const char *what);
int store_exec(struct store *s, const char *sql, const char *what);

/* Bytes of blocks name uses in the store (dirfd-relative), 0 if gone. */
uint64_t store_name_blocks(struct store *s, const char *name);

/* The dumps of the caller's uid, from the annotations it can read, for a
 * store opened without its index: list and get (record.c). */
int store_list_annotations(struct store *s, const struct store_filter *f,
			   int (*fn)(void *arg, const struct store_dump *d),
			   void *arg);
int store_get_by_annotation(struct store *s, int64_t id,
			    struct store_dump *out);

/* Read a whole store file (annotation) of at most max bytes into a
 * malloc'd buffer: 0 or -errno. */
int store_read_file(int dirfd, const char *name, size_t max, char **out,
		    size_t *len);

/* store_insert() inside the caller's transaction (reindex batches). */
int store_insert_row(struct store *s, struct store_dump *d);

/* Set usage to what the rows and exes say (after a migration, reindex). */
int store_recount(struct store *s);

/* Does the index have a row for annotation name?  1, 0, -errno. */
int store_has_annotation(struct store *s, const char *name, int64_t *id);

/* Delete the row of annotation name, and its exe row when it was the
 * last user (*exe_freed then names the file to unlink). */
int store_unindex(struct store *s, const char *name, char *exe_freed,
		  size_t len);

#endif /* GOCD_STORE_INTERNAL_H */
