/* SPDX-License-Identifier: GPL-2.0 */
/*
 * persist.h - move core streams to files on one io_uring: read the pipe or
 * socket, write the file (raw with holes, or one zstd stream made while
 * reading), ftruncate, fsync.  Several dumps are in flight at once on the
 * same ring; the caller bounds how many (MaxConcurrent).
 *
 * It does not name, rename, index or annotate anything (dump.c does), and
 * it never interprets the core's bytes beyond "is this 4 KiB block zero":
 * the first bytes are kept (result.head) for the caller to parse.
 *
 * Single-threaded: every callback runs inside persist_run().
 */
#ifndef GOCAPD_PERSIST_H
#define GOCAPD_PERSIST_H

#include <stddef.h>
#include <stdint.h>

#include "store/store.h"

#define PERSIST_BLOCK		4096u		/* hole granularity */
#define PERSIST_HEAD_MAX	(16u << 20)	/* bytes of core kept in head */
/*
 * Progress points: the first once 1 MiB of core is safely in the file (or
 * after a second, for a slow stream), then every 2, 4, 8 ... MiB up to
 * PERSIST_PROGRESS_STEP (raw) or PERSIST_ZSTD_FRAME (zstd, where a point
 * is a frame end), so that a daemon's death keeps most of every core.
 * The first point is the dump's useful prefix: its headers and notes.
 */
#define PERSIST_FIRST_STEP	(1ull << 20)
#define PERSIST_PROGRESS_STEP	(16ull << 20)	/* raw progress granularity */
#define PERSIST_ZSTD_FRAME	(64ull << 20)	/* most core bytes per frame */
#define PERSIST_PROGRESS_MS	1000		/* or this long, whichever first */

struct persist_result {
	uint64_t received;	/* core bytes read from the stream */
	uint64_t stored;	/* core bytes the file holds */
	uint64_t file_size;	/* bytes of the file (st_size) */
	uint64_t file_blocks;	/* bytes of disk blocks the file uses */
	int read_error;		/* errno of a failed read, 0 */
	int write_error;	/* errno of the first failed write/fsync, 0 */
	int over_size_max;	/* stopped storing at size_max */
	int cut;		/* stopped storing for want of space (reserve()
				 * said no, or persist_cut()): the file holds
				 * the first `stored` core bytes */
	const uint8_t *head;	/* first bytes of the core (valid in done()) */
	size_t head_len;
};

struct persist_params {
	int in_fd;		/* core stream (not closed by persist; not
				 * used after written()) */
	int out_fd;		/* file to fill, -1 for STORE_NONE */
	enum store_storage storage;
	int level;		/* zstd level */
	int zstd_workers;	/* zstd worker threads (0: compress inline) */
	uint64_t size_max;	/* stop storing beyond this (0: no limit) */
	/* Before writing past what it was granted: may the job use `need`
	 * more bytes of disk?  Returns the bytes granted (>= need), or 0: no
	 * room, the job is cut (it keeps what it has confirmed).  NULL: no
	 * limit. */
	uint64_t (*reserve)(void *arg, uint64_t need);
	/* The job stops storing for want of space: the file is being cut to
	 * file_bytes, which hold the first core bytes (0, 0: nothing kept).
	 * Called before the file shrinks. */
	void (*cut)(void *arg, uint64_t core, uint64_t file_bytes);
	/* Called when core bytes [0, core) are in the file and the file cut
	 * at file_bytes holds exactly them (zstd: a whole frame; the zstd
	 * stream is cut into frames only when progress is set). */
	void (*progress)(void *arg, uint64_t core, uint64_t file_bytes);
	/*
	 * Called once (may be NULL) when the stream has ended (EOF, or a
	 * failed read) and every write has completed, before the fsync is
	 * submitted: received core bytes were read; the file cut at
	 * file_bytes holds the first core of them (all of them unless
	 * storing stopped: cut, size_max, a write error; raw: the file is
	 * at its full length already).  in_fd is never used after it: the
	 * caller may close the stream here, releasing the crashed process
	 * while the file is synced.  Without a file (STORE_NONE) or after
	 * storing stopped, it comes at EOF, just before done().
	 */
	void (*written)(void *arg, uint64_t received, uint64_t core,
			uint64_t file_bytes);
	/* Called once, at the end (the stream hit EOF or failed): after
	 * written(), and the fsync. */
	void (*done)(void *arg, const struct persist_result *r);
	void *arg;
};

struct persist_ring;
struct persist_job;
struct persist_watch;

/* A ring for up to max_jobs dumps in flight (and any number of fd
 * watches, persist_watch()). */
int persist_ring_new(struct persist_ring **out, unsigned int max_jobs);
void persist_ring_free(struct persist_ring *r);

/* Start one dump (*job, may be NULL, is valid until done() returns).
 * -EBUSY when max_jobs are in flight, -ENOMEM. */
int persist_start(struct persist_ring *r, const struct persist_params *p,
		  struct persist_job **job);
unsigned int persist_active(const struct persist_ring *r);

/*
 * Stop j storing for want of space, keeping its useful prefix (the first
 * progress point: to_prefix) or all it has confirmed; the rest of its
 * stream is drained.  Calls its cut() first.  Returns the bytes of disk j
 * may still hold (what it keeps, and writes still in flight).
 */
uint64_t persist_cut(struct persist_job *j, int to_prefix);
/* Core bytes j has confirmed in its file; is it still storing? */
uint64_t persist_job_stored(const struct persist_job *j);
int persist_job_storing(const struct persist_job *j);
/* Bytes of disk j's writes so far may use (4 KiB blocks). */
uint64_t persist_job_used(const struct persist_job *j);
/* ... of those, in writes not completed yet (not in the file system's
 * count of free space yet). */
uint64_t persist_job_in_flight(const struct persist_job *j);
/* Take back what j was granted beyond allowed bytes of disk (never below
 * what its writes use): it asks reserve() again when it needs them.
 * Returns what j is allowed now. */
uint64_t persist_job_limit(struct persist_job *j, uint64_t allowed);

/*
 * Call fn once fd is ready for events (POLLIN, POLLOUT; a hang-up always
 * counts): a one-shot poll on the ring.  The handle is valid until fn is
 * called or persist_unwatch(); NULL on failure.
 */
struct persist_watch *persist_watch(struct persist_ring *r, int fd,
				    short events,
				    void (*fn)(void *arg, int revents),
				    void *arg);
/* fn will not be called (the poll is cancelled). */
void persist_unwatch(struct persist_ring *r, struct persist_watch *w);

/*
 * Wait up to timeout_ms (-1: forever) for completions and handle all that
 * are ready.  Returns 0, -ETIME on timeout, -EINTR on a signal.
 */
int persist_run(struct persist_ring *r, int timeout_ms);

#endif /* GOCAPD_PERSIST_H */
