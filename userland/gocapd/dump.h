/* SPDX-License-Identifier: GPL-2.0 */
/*
 * dump.h - one dump's life in the store, the same for the daemon, the
 * `--pipe` fallback and socket mode:
 *
 *   dump_begin()      rate limit, a claim on the store's space (space.h),
 *                     names, the partial file in .tmp/ (flock'd)
 *   dump_start()      persist.c moves the bytes, asking the claim for room
 *                     as the file grows; the space policy may cut it
 *   dump_written()    persist is done: the result is kept, and the parser
 *                     child (sandbox.h) is started on the core's head and
 *                     the executable (dump_parsing() while it runs)
 *   dump_complete()   the parser's facts: status, the PID-reuse check, the
 *                     executable saved by content, who may read the dump,
 *                     the annotation, then store_commit() (store.h); the
 *                     row may wait for a locked index (dump_pending())
 *
 * dump_finish() is all of the last two, waiting (the helper).
 * dump_takeover() finishes a dump whose writer (the daemon) went away.
 */
#ifndef GOCAPD_DUMP_H
#define GOCAPD_DUMP_H

#include <stdint.h>

#include "gocapd/annotate.h"
#include "gocapd/config.h"
#include "gocapd/context.h"
#include "gocapd/log.h"
#include "gocapd/persist.h"
#include "gocapd/sandbox.h"
#include "gocapd/space.h"
#include "store/store.h"

struct dump_env {
	struct store *store;
	const struct gocapd_config *cfg;
	int zstd_workers;
	struct space *space;
	const char *store_dir;		/* NULL: the default */
	unsigned int store_flags;	/* STORE_O_NOWAIT for the daemon */
};

struct dump {
	struct crash_ctx ctx;
	int exe_fd;			/* /proc/PID/exe, -1 if unknown */
	int out_fd;			/* the partial file in .tmp/, -1 */
	enum store_storage storage;	/* what this dump is stored as */
	/* Sized so that each name built on the one before always fits. */
	char base[200];			/* core.<comm>.<uid>.<boot>.<pid>.<us> */
	char core_name[208];		/* base[.zst] */
	char tmp_name[240];		/* core_name.<pid>.partial, in .tmp/ */
	char why[STORE_WHY_LEN];	/* set: metadata only, for this reason */
	char trunc_why[STORE_WHY_LEN];	/* set: stored but truncated */
	uint64_t suppressed_before;
	int64_t id;			/* row id once committed */
	enum store_status status;

	/* Told as the bytes move (dump_start()); arg is theirs. */
	void (*on_progress)(void *arg, uint64_t core, uint64_t file_bytes);
	/* the stream is read and written, the file not synced yet: the
	 * stream may be closed (persist.h, written()) */
	void (*on_written)(void *arg, uint64_t received, uint64_t core,
			   uint64_t file_bytes);
	void (*on_done)(void *arg, const struct persist_result *r);
	void *cb_arg;

	/* State of the life above. */
	int tmpfd;			/* the store's .tmp/ (dup) */
	struct space_claim *claim;
	struct persist_job *job;
	int cut;			/* the space policy cut it */
	uint64_t cut_core, cut_file;
	struct persist_result res;	/* once written (head not kept) */
	struct sandbox_job sb;
	int parsing;
	char parse_why[160];		/* the parser could not start: why */
	int exe_tmp_fd;			/* the executable's copy, -1 */
	char exe_tmp[STORE_NAME_LEN + 32];
	char exe_why[STORE_WHY_LEN];	/* why it is not saved, "" */
	char exe_saved[STORE_NAME_LEN];	/* saved already (same file) */
	char exe_build_id[STORE_BUILDID_LEN];
	struct store_pending *pending;
};

/*
 * Open (creating) the store in dir (NULL: the default) for env, and its
 * space policy: 0, or -errno with what is wrong logged.  A corrupt index
 * is moved aside and a new one started (store_needs_reindex()).
 */
int dump_store_open(struct dump_env *env, const char *dir,
		    unsigned int flags);
void dump_store_close(struct dump_env *env);

/* The store's directory was deleted or replaced under us: open it again
 * (made anew, safe).  0 when nothing was needed or it worked. */
int dump_store_check(struct dump_env *env);

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

/* Move the core from in_fd into d's file on ring (d->on_* are called).
 * 0 or -errno (nothing read). */
int dump_start(struct dump_env *env, struct dump *d,
	       struct persist_ring *ring, int in_fd);

/*
 * Persist is done (call from on_done, while r->head is valid): keep the
 * result, start the parser child.  Then wait on dump_parse_fd() until
 * dump_parse_poll() says 1, and call dump_complete().
 */
void dump_written(struct dump_env *env, struct dump *d,
		  const struct persist_result *r);
int dump_parse_fd(const struct dump *d);
int dump_parse_poll(struct dump *d);

/*
 * Record d: 0 with d->id and d->status set; 1 when it is committed but
 * its row waits for a locked index (dump_pending_retry()); -errno when
 * not even the metadata could be recorded (logged).
 */
int dump_complete(struct dump_env *env, struct dump *d);
int dump_pending_retry(struct dump_env *env, struct dump *d);

/* dump_written() and dump_complete(), waiting for the parser. */
int dump_finish(struct dump_env *env, struct dump *d,
		const struct persist_result *r);

/*
 * The daemon went away after confirming core bytes [0, core) in its
 * partial file (part_fd, passed with ACCEPT; .tmp/<tmp_name>) cut at
 * file_bytes: keep that prefix as a truncated dump.  in_fd is the rest of
 * the stream (drained to learn the size); -1 when the daemon had read all
 * of it (WRITTEN), received bytes: then the dump is complete when core is
 * all of them and the core's headers agree.  When the daemon had
 * committed the dump already, nothing is done (its commit is finished if
 * need be).
 */
int dump_takeover(struct dump_env *env, struct dump *d, int in_fd,
		  uint64_t received, int part_fd, uint64_t core,
		  uint64_t file_bytes);

#endif /* GOCAPD_DUMP_H */
