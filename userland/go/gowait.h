/* SPDX-License-Identifier: GPL-2.0 */
/*
 * gowait.h - what a blocked goroutine waits on, from the runtime's own
 * structures.
 *
 * Read today:
 *  - channel operations and selects.  A goroutine parked in chanrecv,
 *    chansend or selectgo has g.waiting pointing at its sudogs (one, or
 *    one per case linked by waitlink), each naming its hchan in sudog.c;
 *    the hchan gives len (qcount), cap (dataqsiz), closed and its queues
 *    of waiting sudogs (recvq, sendq).
 *  - semaphores: sync.Mutex, RWMutex and WaitGroup, and the runtime's
 *    other semacquire waits.  Such a goroutine's sudog is not on g but in
 *    runtime.semtable: 251 semaRoots (one per 64-byte line), each a treap
 *    of sudogs keyed by the semaphore's address (sudog.elem; prev and next
 *    the children, waitlink the other waiters on the same address).
 *    semtable is found from the code of runtime.semacquire1 and
 *    semrelease1 (the addresses they use, as goroots.c does), the one
 *    whose every treap is consistent (each sudog's address hashes to its
 *    root, its g is a goroutine).  The sync type follows from the wait
 *    reason, and its address from where its semaphore sits in it.
 * Every other wait reason (sync.Cond, sleeps, the network poller) is
 * GOWAIT_UNKNOWN, with the reason saying that its object is not read:
 * nothing is guessed.
 *
 * Every read goes through procmem and is bounded: a sudog list or queue
 * longer than the goroutines there are is a loop, and the answer
 * "unknown".
 */
#ifndef GOCD_GOWAIT_H
#define GOCD_GOWAIT_H

#include <stddef.h>
#include <stdint.h>

#include "go/goproc.h"

struct goroutine;

enum gowait_kind {
	GOWAIT_NONE = 0,	/* not blocked (running, runnable, syscall) */
	GOWAIT_UNKNOWN,		/* blocked; on what is not known (why) */
	GOWAIT_CHAN_RECV,	/* chans[0]: the hchan */
	GOWAIT_CHAN_SEND,	/* chans[0]: the hchan */
	GOWAIT_SELECT,		/* chans[]: its cases' hchans, sorted */
	GOWAIT_MUTEX,		/* addr: the sync.Mutex */
	GOWAIT_RWMUTEX_R,	/* addr: the sync.RWMutex (RLock) */
	GOWAIT_RWMUTEX_W,	/* addr: the sync.RWMutex (Lock) */
	GOWAIT_WAITGROUP,	/* addr: the sync.WaitGroup */
	GOWAIT_SEMA,		/* addr: a semaphore of another use */
};

#define GOWAIT_MAX_CASES	16

struct gowait {
	enum gowait_kind kind;
	uint64_t chans[GOWAIT_MAX_CASES];
	uint32_t nchans;
	uint32_t more;		/* select: cases beyond GOWAIT_MAX_CASES */
	uint64_t addr;		/* the sync object */
	uint64_t sema;		/* its semaphore (the sudog's elem) */
	char why[192];		/* GOWAIT_UNKNOWN: why */
};

/* A channel as its hchan says. */
struct gochan {
	uint64_t addr;
	uint64_t len, cap;	/* qcount, dataqsiz */
	uint32_t closed;
	uint64_t nrecv, nsend;	/* sudogs queued, select cases included */
};

/* The semaphore waiters of runtime.semtable, read once per core. */
struct gosemwait {
	uint64_t g, elem;
};

struct gosemas {
	uint64_t table;		/* runtime.semtable, 0 when not found */
	struct gosemwait *w;	/* sorted by g */
	size_t n;
	char problem[160];	/* why the table is not read, or "" */
};

/* 0, or -1 when out of memory; s->problem says what could not be read. */
int gosemas_read(const struct goproc *p, struct gosemas *s);
void gosemas_free(struct gosemas *s);

/*
 * What g (as gowalk_g() filled it) waits on; out is always filled.  sems
 * from gosemas_read(), or NULL: semaphore waits are then unknown.
 */
void gowait_of(const struct goproc *p, const struct gosemas *sems,
	       const struct goroutine *g, struct gowait *out);

/* The same object?  (kind and channels; unknowns by their reason) */
int gowait_same(const struct gowait *a, const struct gowait *b);

/* "chan receive", "chan send", "select", "sync.Mutex", ..., "unknown" */
const char *gowait_kind_name(enum gowait_kind k);

/* Read the hchan at addr: 0, or -1 when it is not (whole) in the core. */
int gochan_read(const struct goproc *p, uint64_t addr, struct gochan *c);

/*
 * The state word of the sync.Mutex at addr: locked (bit 0) and the count
 * of waiters (from bit 3), as sync/mutex.go keeps them.  0, or -1 when it
 * is not in the core.
 */
int gomutex_read(const struct goproc *p, uint64_t addr, int *locked,
		 uint32_t *waiters);

#endif /* GOCD_GOWAIT_H */
