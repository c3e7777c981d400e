/* SPDX-License-Identifier: GPL-2.0 */
/*
 * space.h - MaxUse and KeepFree, held while dumps are written, not only
 * checked when they start (Documentation/gocapd.rst, "Space").
 *
 * Every dump in flight holds a claim: room for its metadata, then its
 * core's blocks, granted before they are written (persist.h: reserve())
 * in steps that grow with the core.  What the store uses is the index's
 * running total (store_total_size(), O(1)) plus what is in .tmp/ (other
 * writers' dumps in flight) plus this process's claims; what is free is
 * the file system's free space less what claims were granted and have
 * not written yet.  A grant must leave both limits holding.
 *
 * When it would not, in this order: stored dumps are evicted, in
 * systemd-coredump's order (the oldest dump of the user who has the most),
 * never one in flight, and only dumps older than the one that asks (a
 * burst of crashes does not evict its own first dumps); then, for a core
 * already under way, the dump in flight that is least far along (the
 * newest on a tie) is cut to its useful prefix, freeing the rest; a dump
 * that is itself the least far along is cut to its prefix as well, or,
 * when it is the only one being written, where it stands, keeping all it
 * has.  Metadata is never refused: every dump keeps its annotation and
 * row, and a cut is recorded as a truncation with the reason.
 *
 * Single-threaded (the daemon's loop, or the helper).
 */
#ifndef GOCAPD_SPACE_H
#define GOCAPD_SPACE_H

#include <stddef.h>
#include <stdint.h>

#include "gocapd/config.h"
#include "gocapd/persist.h"
#include "store/store.h"

#define SPACE_META	(256ull << 10)	/* an annotation and a row, at most */
#define SPACE_PREFIX	PERSIST_FIRST_STEP	/* a core's useful prefix */
#define SPACE_STEP	(4ull << 20)	/* a grant, at least */

struct space;
struct space_claim;

int space_new(struct space **out, struct store **store,
	      const struct gocapd_config *cfg);
void space_free(struct space *sp);

/*
 * A claim for a new dump (of a crash at time_us): its metadata, then its
 * core's useful prefix.  When the prefix does not fit even after eviction,
 * why says so (the dump keeps its metadata only); "" when the core may be
 * stored.  NULL: out of memory.
 */
struct space_claim *space_claim(struct space *sp, int64_t time_us, char *why,
				size_t len);

/* The core is being written by job (NULL once it is done). */
void space_claim_job(struct space_claim *c, struct persist_job *job);

/* persist's reserve(): room for need more bytes of c's core?  The bytes
 * granted, or 0 (c is cut: see above). */
uint64_t space_reserve(struct space_claim *c, uint64_t need);

/* Room for an executable of bytes (an extra: granted without evicting or
 * cutting anything)?  1 (held by c), or 0. */
int space_claim_exe(struct space_claim *c, uint64_t bytes);

/* c's core is written: it holds file_blocks (and its metadata room). */
void space_claim_written(struct space_claim *c, uint64_t file_blocks);

/* c's dump is in the index (or gone): its bytes are in the index's total
 * from now on; c is freed. */
void space_release(struct space_claim *c);

/*
 * Evict the oldest dumps (never keep_id) while the store is over MaxUse or
 * the file system under KeepFree, and those older than MaxAge.  Returns
 * how many were evicted.
 */
int space_vacuum(struct space *sp, int64_t keep_id);

/* What the policy sees, for logs and tests: the limits and the use. */
struct space_view {
	uint64_t max_use, keep_free, used, avail, outstanding;
};
void space_view(struct space *sp, struct space_view *v);

#endif /* GOCAPD_SPACE_H */
