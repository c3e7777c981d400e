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
#define PERSIST_PROGRESS_STEP	(16ull << 20)	/* raw progress granularity */
#define PERSIST_ZSTD_FRAME	(64ull << 20)	/* core bytes per zstd frame */

struct persist_result {
	uint64_t received;	/* core bytes read from the stream */
	uint64_t stored;	/* core bytes the file holds */
	uint64_t file_size;	/* bytes of the file (st_size) */
	uint64_t file_blocks;	/* bytes of disk blocks the file uses */
	int read_error;		/* errno of a failed read, 0 */
	int write_error;	/* errno of the first failed write/fsync, 0 */
	int over_size_max;	/* stopped storing at size_max */
	const uint8_t *head;	/* first bytes of the core (valid in done()) */
	size_t head_len;
};

struct persist_params {
	int in_fd;		/* core stream (not closed by persist) */
	int out_fd;		/* file to fill, -1 for STORE_NONE */
	enum store_storage storage;
	int level;		/* zstd level */
	int zstd_workers;	/* zstd worker threads (0: compress inline) */
	uint64_t size_max;	/* stop storing beyond this (0: no limit) */
	/* Called when core bytes [0, core) are in the file and the file cut
	 * at file_bytes holds exactly them (zstd: a whole frame; the zstd
	 * stream is cut into frames only when progress is set). */
	void (*progress)(void *arg, uint64_t core, uint64_t file_bytes);
	/* Called once, at the end (the stream hit EOF or failed). */
	void (*done)(void *arg, const struct persist_result *r);
	void *arg;
};

struct persist_ring;

/* A ring for up to max_jobs dumps in flight (and any number of fd
 * watches, persist_watch()). */
int persist_ring_new(struct persist_ring **out, unsigned int max_jobs);
void persist_ring_free(struct persist_ring *r);

/* Start one dump.  -EBUSY when max_jobs are in flight, -ENOMEM. */
int persist_start(struct persist_ring *r, const struct persist_params *p);
unsigned int persist_active(const struct persist_ring *r);

/* Call fn once fd is readable (or hung up): a one-shot poll on the ring. */
int persist_watch(struct persist_ring *r, int fd,
		  void (*fn)(void *arg, int revents), void *arg);

/*
 * Wait up to timeout_ms (-1: forever) for completions and handle all that
 * are ready.  Returns 0, -ETIME on timeout, -EINTR on a signal.
 */
int persist_run(struct persist_ring *r, int timeout_ms);

/* Is the 4 KiB (or shorter) block at p all zero? */
int persist_block_is_zero(const uint8_t *p, size_t len);

#endif /* GOCAPD_PERSIST_H */
