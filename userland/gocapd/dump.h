/* SPDX-License-Identifier: GPL-2.0 */
/*
 * dump.h - one dump's life in the store, the same for the daemon, the
 * `--pipe` fallback and socket mode:
 *
 *   dump_begin()    rate limit, space check (vacuum for KeepFree), names,
 *                   the temporary file in .tmp/
 *   (persist.c moves the bytes)
 *   dump_finish()   status from what arrived and what the core's headers
 *                   promise, rename into place (or delete on failure),
 *                   save the executable once per build ID, index row,
 *                   JSON annotation, vacuum for MaxUse/KeepFree
 *
 * dump_takeover() finishes a dump whose writer (the daemon) went away.
 */
#ifndef GOCAPD_DUMP_H
#define GOCAPD_DUMP_H

#include <stdint.h>

#include "gocapd/config.h"
#include "gocapd/log.h"
#include "gocapd/context.h"
#include "gocapd/persist.h"
#include "store/store.h"

struct dump_env {
	struct store *store;
	const struct gocapd_config *cfg;
	int zstd_workers;
};

struct dump {
	struct crash_ctx ctx;
	int exe_fd;			/* /proc/PID/exe, -1 if unknown */
	int out_fd;			/* the file in .tmp/, -1 for none */
	enum store_storage storage;	/* what this dump is stored as */
	/* Sized so that each name built on the one before always fits. */
	char base[200];			/* core.<comm>.<uid>.<boot>.<pid>.<us> */
	char core_name[208];		/* base[.zst] */
	char tmp_name[224];		/* core_name.partial, in .tmp/ */
	char why[STORE_WHY_LEN];	/* set: metadata only, for this reason */
	char trunc_why[STORE_WHY_LEN];	/* set: stored but truncated */
	uint64_t suppressed_before;
	int64_t id;			/* row id once indexed */
	enum store_status status;
};

/* Open (creating) the store in dir (NULL: the default) for env: 0, or
 * -errno with what is wrong logged. */
int dump_store_open(struct dump_env *env, const char *dir);

/* Initialise d (ctx_init'd, fds -1). */
void dump_init(struct dump *d);
void dump_free(struct dump *d);

/*
 * Decide how d is stored and open its temporary file.  Returns 0 (go on;
 * d->out_fd is -1 when only metadata will be kept, d->why says why), 1
 * when the rate limit suppresses this dump (counted, nothing stored), or
 * -errno when the store is unusable.
 */
int dump_begin(struct dump_env *env, struct dump *d);

/* Fill the persist parameters for d (callbacks left to the caller). */
void dump_persist_params(struct dump_env *env, struct dump *d,
			 struct persist_params *p);

/*
 * Finish d after its bytes are moved (r from persist).  Returns 0 with
 * d->id and d->status set, or -errno when not even the metadata could be
 * recorded (logged).
 */
int dump_finish(struct dump_env *env, struct dump *d,
		const struct persist_result *r);

/*
 * The daemon went away after confirming core bytes [0, core) in
 * .tmp/<tmp_name> cut at file_bytes: keep that prefix as a truncated
 * dump.  in_fd is the rest of the stream (drained to learn the size).
 */
int dump_takeover(struct dump_env *env, struct dump *d, int in_fd,
		  uint64_t core, uint64_t file_bytes);

/* Evict oldest dumps (never keep_id) until MaxUse and KeepFree hold. */
int dump_vacuum(struct dump_env *env, int64_t keep_id);

#endif /* GOCAPD_DUMP_H */
