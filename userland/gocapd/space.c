// SPDX-License-Identifier: GPL-2.0
/*
 * space.c - the space policy: claims of the dumps in flight against
 * MaxUse and KeepFree, eviction, and which dump is cut when the next
 * write would cross a limit (see space.h for the policy itself).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <time.h>
#include <unistd.h>

#include "gocapd/log.h"
#include "gocapd/space.h"

struct space_claim {
	struct space *sp;
	struct persist_job *job;	/* writing the core, or NULL */
	uint64_t meta;			/* room kept for metadata */
	uint64_t core;			/* bytes granted to the core */
	uint64_t given;			/* ... of those, passed to the job
					 * (its allowance): core less the
					 * prefix, until the job asks */
	uint64_t written;		/* once done: the core's blocks */
	uint64_t exe;			/* room held for an executable */
	unsigned long seq;		/* order of arrival */
	int64_t time_us;		/* its crash: only older dumps are
					 * evicted for it */
	int64_t below_id;		/* and only dumps committed before
					 * it came (ids below this) */
	struct space_claim *prev, *next;
};

struct space {
	struct store **store;
	const struct gocapd_config *cfg;
	struct space_claim *claims;
	uint64_t last_total;		/* the index's, when it last answered */
	unsigned long seq;
	char mine[24];			/* ".<pid>.": this process's files */
};

int space_new(struct space **out, struct store **store,
	      const struct gocapd_config *cfg)
{
	struct space *sp = calloc(1, sizeof(*sp));

	if (!sp)
		return -ENOMEM;
	sp->store = store;
	sp->cfg = cfg;
	snprintf(sp->mine, sizeof(sp->mine), ".%d.", getpid());
	*out = sp;
	return 0;
}

void space_free(struct space *sp)
{
	while (sp && sp->claims)
		space_release(sp->claims);
	free(sp);
}

/* Bytes of disk c may use, and of those, what is not written yet. */
static uint64_t claim_used(const struct space_claim *c)
{
	return c->job ? persist_job_used(c->job) : c->written;
}

static uint64_t claim_hold(const struct space_claim *c)
{
	uint64_t used = claim_used(c);

	return c->meta + (c->core > used ? c->core : used) + c->exe;
}

/* What c holds that the file system does not count as used yet: grants
 * not written, and writes not completed. */
static uint64_t claim_outstanding(const struct space_claim *c)
{
	uint64_t used = claim_used(c);
	uint64_t pending = c->job ? persist_job_in_flight(c->job) : 0;

	if (pending > used)
		pending = used;
	return c->meta + (c->core > used ? c->core - used : 0) + pending +
	       c->exe;
}

/* Blocks of the files in .tmp/ that other writers have in flight (their
 * dumps, and partial files of writers that died, until removed). */
static uint64_t foreign_tmp(struct space *sp)
{
	int fd = dup(store_tmpfd(*sp->store));
	uint64_t sum = 0;
	struct dirent *de;
	DIR *dir;

	if (fd < 0)
		return 0;
	dir = fdopendir(fd);
	if (!dir) {
		close(fd);
		return 0;
	}
	rewinddir(dir);
	while ((de = readdir(dir))) {
		struct stat sb;

		if (de->d_name[0] == '.' || strstr(de->d_name, sp->mine) ||
		    fstatat(dirfd(dir), de->d_name, &sb,
			    AT_SYMLINK_NOFOLLOW) < 0)
			continue;
		sum += (uint64_t)sb.st_blocks * 512;
	}
	closedir(dir);
	return sum;
}

void space_view(struct space *sp, struct space_view *v)
{
	const struct gocapd_config *cfg = sp->cfg;
	struct statvfs sv;
	uint64_t fs = 0, total, own = 0;

	memset(v, 0, sizeof(*v));
	if (fstatvfs(store_dirfd(*sp->store), &sv) == 0) {
		fs = (uint64_t)sv.f_blocks * sv.f_frsize;
		v->avail = (uint64_t)sv.f_bavail * sv.f_frsize;
	}
	v->max_use = config_size_bytes(&cfg->max_use, fs);
	v->keep_free = config_size_bytes(&cfg->keep_free, fs);
	/* The index's total: O(1).  A busy index: its last answer. */
	if (store_total_size(*sp->store, &total) == 0)
		sp->last_total = total;
	for (struct space_claim *c = sp->claims; c; c = c->next) {
		own += claim_hold(c);
		v->outstanding += claim_outstanding(c);
	}
	v->used = sp->last_total + own;
	if (v->max_use || v->keep_free)
		v->used += foreign_tmp(sp);
}

/* Bytes that can still be granted with both limits holding. */
static uint64_t headroom(struct space *sp)
{
	struct space_view v;
	uint64_t h = UINT64_MAX;

	space_view(sp, &v);
	if (v.max_use)
		h = v.used < v.max_use ? v.max_use - v.used : 0;
	if (v.keep_free) {
		uint64_t free_after = v.avail > v.outstanding ?
				      v.avail - v.outstanding : 0;
		uint64_t k = free_after > v.keep_free ?
			     free_after - v.keep_free : 0;

		if (k < h)
			h = k;
	}
	return h;
}

/* Evict a stored dump (not keep_id; older than before_us and with an id
 * below below_id, 0: any), in
 * systemd's order (store_evict_candidate()): 1 done, 0 nothing to do.
 * oldest: the oldest of all instead (MaxAge). */
static int evict_one(struct space *sp, int64_t keep_id, int64_t before_us,
		     int64_t below_id, int oldest, const char *why)
{
	struct store *s = *sp->store;
	int64_t id, t, freed;

	if (oldest ? store_oldest(s, keep_id, &id, &t) :
	    store_evict_candidate(s, keep_id, before_us, below_id, &id, &t))
		return 0;
	freed = store_delete(s, id);
	if (freed < 0) {
		if (freed != -EBUSY)
			logmsg("evicting dump %lld: %s", (long long)id,
			       store_error(s));
		return 0;
	}
	logmsg("evicted dump %lld (%lld bytes): %s", (long long)id,
	       (long long)freed, why);
	return 1;
}

/* The dump in flight least far along (not c), if it is behind c (any:
 * whatever c is, for c's metadata). */
static struct space_claim *victim(struct space *sp, struct space_claim *c,
				  int any)
{
	uint64_t mine = c->job ? persist_job_stored(c->job) : 0;
	struct space_claim *best = NULL;
	uint64_t best_stored = 0;

	for (struct space_claim *o = sp->claims; o; o = o->next) {
		uint64_t st;

		if (o == c || !o->job || !persist_job_storing(o->job))
			continue;
		st = persist_job_stored(o->job);
		if (!any && st >= mine && !(st == mine && o->seq > c->seq))
			continue;	/* as far along as c, or further */
		if (!best || st < best_stored ||
		    (st == best_stored && o->seq > best->seq)) {
			best = o;
			best_stored = st;
		}
	}
	return best;
}

/*
 * Take back what the other dumps in flight were granted and have not
 * written (each keeps its prefix): grants are steps taken ahead, and near
 * the limits the steps that several dumps hold can add up to a whole core
 * that would have fit.  They ask again, need by need.  1 when any was.
 */
static int reclaim(struct space *sp, struct space_claim *c)
{
	int any = 0;

	for (struct space_claim *o = sp->claims; o; o = o->next) {
		uint64_t keep = claim_used(o);

		if (o == c || !o->job || !persist_job_storing(o->job))
			continue;
		if (keep < SPACE_PREFIX)
			keep = SPACE_PREFIX;
		if (o->core <= keep)
			continue;
		o->core = keep;
		if (o->given > keep)
			o->given = persist_job_limit(o->job, keep);
		any = 1;
	}
	return any;
}

/*
 * Make room for need bytes: evicting stored dumps, and when may_cut,
 * taking back the grants of others not written yet, then cutting dumps in
 * flight that are behind c (2: any of them).  1 when it fits.
 */
static int make_room(struct space *sp, struct space_claim *c, uint64_t need,
		     int may_cut)
{
	int reclaimed = 0;

	for (int tries = 0; tries < 100000; tries++) {
		struct space_claim *v;

		if (headroom(sp) >= need)
			return 1;
		/* Older dumps make room; dumps of the same burst, stored
		 * while this one was written, are not evicted for it. */
		if (evict_one(sp, 0, c->time_us, c->below_id, 0,
			      "the store needs room for the dumps being written (MaxUse/KeepFree)"))
			continue;
		if (may_cut && !reclaimed) {
			reclaimed = 1;
			if (reclaim(sp, c))
				continue;
		}
		if (!may_cut || !(v = victim(sp, c, may_cut == 2)))
			return 0;
		logmsg("cutting a dump in flight at its first %llu bytes: it is the least far along, and the store is full (MaxUse/KeepFree)",
		       (unsigned long long)persist_job_stored(v->job));
		v->core = persist_cut(v->job, 1);
	}
	return 0;
}

struct space_claim *space_claim(struct space *sp, int64_t time_us, char *why,
			       size_t len)
{
	struct space_claim *c = calloc(1, sizeof(*c));
	struct space_view v;

	why[0] = 0;
	if (!c)
		return NULL;
	c->sp = sp;
	c->seq = ++sp->seq;
	c->time_us = time_us;
	/* A dump committed from now on is of this one's burst. */
	c->below_id = store_last_id(*sp->store) + 1;
	c->next = sp->claims;
	if (sp->claims)
		sp->claims->prev = c;
	sp->claims = c;
	/* Metadata first, and it is never refused: dumps in flight that are
	 * least far along give way to it, if they must. */
	make_room(sp, c, SPACE_META, 2);
	c->meta = SPACE_META;
	/* The core's useful prefix: room made by eviction only. */
	if (make_room(sp, c, SPACE_PREFIX, 0)) {
		c->core = SPACE_PREFIX;
		return c;
	}
	space_view(sp, &v);
	snprintf(why, len,
		 "no room for the core: the store uses %llu bytes of MaxUse %llu, %llu bytes are free of which %llu are promised to dumps in flight, KeepFree is %llu",
		 (unsigned long long)v.used, (unsigned long long)v.max_use,
		 (unsigned long long)v.avail,
		 (unsigned long long)v.outstanding,
		 (unsigned long long)v.keep_free);
	return c;
}

void space_claim_job(struct space_claim *c, struct persist_job *job)
{
	if (!c)
		return;
	if (!job && c->job)
		c->written = persist_job_used(c->job);
	c->job = job;
}

/* c is granted g more bytes; the job gets them with what c held for it
 * and had not passed on (its prefix, at first). */
static uint64_t grant(struct space_claim *c, uint64_t g)
{
	uint64_t spare = c->core > c->given ? c->core - c->given : 0;

	c->core += g;
	c->given = c->core;
	return spare + g;
}

uint64_t space_reserve(struct space_claim *c, uint64_t need)
{
	struct space *sp = c->sp;
	/* Steps grow with the core (an eighth of it, at least SPACE_STEP):
	 * few checks for a big core, little held back for a small one. */
	uint64_t used = claim_used(c), step = used / 8;
	uint64_t spare = c->core > c->given ? c->core - c->given : 0;

	/* The prefix was held when the claim was made: it is the first
	 * grant (held twice, it would be room no dump may use). */
	if (spare >= need)
		return grant(c, 0);
	need -= spare;
	if (step < SPACE_STEP)
		step = SPACE_STEP;
	if (step < need)
		step = need;
	if (make_room(sp, c, step, 0))
		return grant(c, step);
	if (step > need && make_room(sp, c, need, 0))
		return grant(c, need);
	/* Dumps behind this one give way; if none is, this one stops: at
	 * its useful prefix when others are still being written (they are
	 * further along: its bytes are theirs to finish with), with all it
	 * has when it is alone. */
	if (make_room(sp, c, need, 1))
		return grant(c, need);
	for (struct space_claim *o = sp->claims; o; o = o->next)
		if (o != c && o->job && persist_job_storing(o->job)) {
			logmsg("cutting a dump in flight at its first bytes: it is the least far along, and the store is full (MaxUse/KeepFree)");
			c->core = persist_cut(c->job, 1);
			break;
		}
	return 0;
}

int space_claim_exe(struct space_claim *c, uint64_t bytes)
{
	if (headroom(c->sp) < bytes)
		return 0;
	c->exe += bytes;
	return 1;
}

void space_claim_written(struct space_claim *c, uint64_t file_blocks)
{
	if (!c)
		return;
	c->job = NULL;
	c->written = file_blocks;
	c->core = file_blocks;
}

void space_release(struct space_claim *c)
{
	struct space *sp;

	if (!c)
		return;
	sp = c->sp;
	if (c->prev)
		c->prev->next = c->next;
	else
		sp->claims = c->next;
	if (c->next)
		c->next->prev = c->prev;
	free(c);
}

int space_vacuum(struct space *sp, int64_t keep_id)
{
	const struct gocapd_config *cfg = sp->cfg;
	struct store *s = *sp->store;
	int evicted = 0;

	if (cfg->max_age_us) {
		struct timespec ts;
		int64_t now, id, t;

		clock_gettime(CLOCK_REALTIME, &ts);
		now = (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
		while (store_oldest(s, keep_id, &id, &t) == 0 &&
		       now - t > (int64_t)cfg->max_age_us &&
		       evict_one(sp, keep_id, 0, 0, 1, "older than MaxAge"))
			evicted++;
	}
	for (;;) {
		struct space_view v;

		space_view(sp, &v);
		if (!((v.max_use && v.used > v.max_use) ||
		      (v.keep_free && v.avail < v.keep_free)))
			break;
		if (!evict_one(sp, keep_id, 0, 0, 0,
			       "the store is over MaxUse or under KeepFree"))
			break;
		evicted++;
	}
	return evicted;
}
