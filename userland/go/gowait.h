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
 *  - sync.Cond.Wait: the waiter's sudog is on the list of the Cond's
 *    notifyList (head, linked by next, ending at tail), which no runtime
 *    table reaches.  The goroutine's own stack does: Cond.Wait keeps c,
 *    and notifyListWait l = &c.notify, across the calls that park it.
 *    So its stack is searched, innermost frame first, for a word that is
 *    the address of a Cond or of its notifyList whose list holds a sudog
 *    of this goroutine and ends at its tail, and whose copyChecker holds
 *    its own address (Cond.Wait's first act): a word that passes all
 *    three is that Cond, not a guess.
 *  - time.Sleep: when it wakes, on the runtime's clock (nanotime):
 *    g.sleepWhen (Go 1.23 on), else the nextwhen of the goroutine's
 *    sleep timer g.timer.  All sleeps are one object.
 *  - the network poller ("IO wait"): netpollblock stores the goroutine in
 *    its pollDesc's rg (read) or wg (write) while it is parked, and keeps
 *    pd on the stack across gopark; the stack is searched for a pollDesc
 *    whose rg or wg is this goroutine, and its fd read.
 * Every other wait reason is GOWAIT_UNKNOWN, with the reason saying that
 * its object is not read, and so is a search that finds nothing: nothing
 * is guessed.
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
	GOWAIT_COND,		/* addr: the sync.Cond */
	GOWAIT_SLEEP,		/* when: the wake-up time (all one object) */
	GOWAIT_NET_READ,	/* addr: the pollDesc, fd its descriptor */
	GOWAIT_NET_WRITE,	/* addr: the pollDesc, fd its descriptor */
};

#define GOWAIT_MAX_CASES	16

struct gowait {
	enum gowait_kind kind;
	uint64_t chans[GOWAIT_MAX_CASES];
	uint32_t nchans;
	uint32_t more;		/* select: cases beyond GOWAIT_MAX_CASES */
	uint64_t addr;		/* the sync object */
	uint64_t sema;		/* its semaphore (the sudog's elem) */
	uint64_t fd;		/* GOWAIT_NET_*: pollDesc.fd */
	uint64_t locker;	/* GOWAIT_COND: the data word of Cond.L */
	uint64_t nlist;		/* GOWAIT_COND: sudogs on its notifyList */
	int64_t when;		/* GOWAIT_SLEEP: nanotime it wakes at; not
				 * part of the object (gowait_same) */
	char why[192];		/* GOWAIT_UNKNOWN: why */
};

/* A channel as its hchan says. */
struct gochan {
	uint64_t addr;
	uint64_t len, cap;	/* qcount, dataqsiz */
	uint32_t closed;
	uint64_t nrecv, nsend;	/* sudogs queued, select cases included */
	/*
	 * Go 1.23 on: the timer feeding it (time.After, NewTimer, NewTicker),
	 * 0 for none; its when (0: stopped).  len and cap are then 0, as
	 * len() and cap() say for a timer channel (its buffer is the
	 * runtime's).  timer_known is 0 where the release has no hchan.timer.
	 */
	int timer_known;
	uint64_t timer;
	int64_t timer_when;
};

/* The semaphore waiters of runtime.semtable, read once per core. */
struct gosemwait {
	uint64_t g, elem;
};

/*
 * The per-core state of gowait_of(): the semaphore table, read once, and
 * the Cond waiters met so far (each Cond's list is walked once, its
 * waiters remembered by g, so that N waiters cost N, not N squared).
 */
struct gocondwait {
	uint64_t g, cond, nlist;
};

struct gosemas {
	uint64_t table;		/* runtime.semtable, 0 when not found */
	struct gosemwait *w;	/* sorted by g */
	size_t n;
	char problem[160];	/* why the table is not read, or "" */
	struct gocondwait *cw;	/* open addressing by g */
	size_t ncw, capcw;
};

/* 0, or -1 when out of memory; s->problem says what could not be read. */
int gosemas_read(const struct goproc *p, struct gosemas *s);
void gosemas_free(struct gosemas *s);

/*
 * What g (as gowalk_g() filled it) waits on; out is always filled.  sems
 * from gosemas_read(), or NULL: semaphore waits are then unknown, and
 * Cond lists are walked for every waiter.
 */
void gowait_of(const struct goproc *p, struct gosemas *sems,
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
