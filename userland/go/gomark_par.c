// SPDX-License-Identifier: GPL-2.0
/*
 * gomark_par.c - the mark's work list drained by several threads
 * (gomark_finish, when nothing follows the order of the scans).
 *
 * What the mark finds does not depend on the order it scans objects in:
 * the set of marked objects, the counts and sums over them, and a
 * span's note of its objects' pointer bits (all the same, or not) are
 * the same in any order.  Only the first reacher of each object (heap
 * why's paths, gomark_track) and the pointers searched for
 * (gomark_pointers_to) do, and those drain alone as before.
 *
 * Each thread works on a shallow copy of the mark (its own work list,
 * type mask, arena cache and stats) and of the goproc (its own lookup
 * cache), as the dominators' thread does.  The threads share the mark
 * bits, set by an atomic or (the thread whose or sets the bit scans the
 * object: once), the span index's note of pointer bits (note_bits: a lock
 * per span, striped, past a lock-free look at what is already there) and
 * a pool of work: a thread with nothing to scan waits there, and the
 * others, seeing one hungry, give it the older half of their lists.  The
 * drain ends when every thread waits and the pool is empty.  Green Tea's
 * inline marks, filled lazily, are filled for every span first
 * (gomark_settle).
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "go/gomark.h"
#include "go/gomark_int.h"

#define NOTE_LOCKS	64
#define MAX_THREADS	8
/* below, one thread: the threads' start costs more than they save */
#define PAR_OBJECTS	(1u << 16)

int gomark_threads;

struct mark_pool {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	uint64_t *w;		/* objects to scan, given */
	size_t n, cap;
	unsigned int threads, idle;
	int done;
	int hungry;		/* a thread waits and w is empty (atomic) */
	pthread_mutex_t note[NOTE_LOCKS];
};

struct mark_helper {
	pthread_t t;
	int started;
	struct gomark_copy c;
};

void gomark_par_note(const struct gomark *m, struct mspan_ix *s, int r,
		     uint64_t g)
{
	signed char ob = __atomic_load_n(&s->one_bits, __ATOMIC_ACQUIRE);
	pthread_mutex_t *mu;

	/* ubits does not change once one_bits is 1 */
	if (ob == 2 ||
	    (ob == 1 && !r && __atomic_load_n(&s->ubits, __ATOMIC_RELAXED) == g))
		return;
	mu = &m->pool->note[(size_t)(s - m->s) % NOTE_LOCKS];
	pthread_mutex_lock(mu);
	ob = s->one_bits;
	if (r) {
		ob = 2;
	} else if (!ob) {
		__atomic_store_n(&s->ubits, g, __ATOMIC_RELAXED);
		ob = 1;
	} else if (__atomic_load_n(&s->ubits, __ATOMIC_RELAXED) != g) {
		ob = 2;
	}
	__atomic_store_n(&s->one_bits, ob, __ATOMIC_RELEASE);
	pthread_mutex_unlock(mu);
}

/* A thread waits: the older half of m's list to the pool. */
static void give(struct gomark *m, struct mark_pool *P)
{
	size_t k = m->nwork / 2;

	pthread_mutex_lock(&P->mu);
	if (!P->n && P->idle) {
		if (P->cap < k) {
			uint64_t *t = realloc(P->w, k * sizeof(*t));

			if (!t)		/* then this thread scans them */
				goto out;
			P->w = t;
			P->cap = k;
		}
		memcpy(P->w, m->work, k * sizeof(*m->work));
		memmove(m->work, m->work + k,
			(m->nwork - k) * sizeof(*m->work));
		m->nwork -= k;
		P->n = k;
		pthread_cond_broadcast(&P->cv);
	}
out:
	__atomic_store_n(&P->hungry, 0, __ATOMIC_RELAXED);
	pthread_mutex_unlock(&P->mu);
}

/* m's list is empty: work from the pool, waiting for some; 0 when the
 * drain is over (every thread waits, nothing in the pool). */
static int take(struct gomark *m, struct mark_pool *P)
{
	int ret = 0;

	pthread_mutex_lock(&P->mu);
	for (;;) {
		if (P->n) {
			size_t k = P->idle ? (P->n + 1) / 2 : P->n;

			/* out of memory: dropped, as gomark_word drops */
			if (!gomark_work_room(m, k)) {
				memcpy(m->work, P->w + P->n - k,
				       k * sizeof(*m->work));
				m->nwork = k;
			}
			P->n -= k;
			if (P->n)
				pthread_cond_signal(&P->cv);
			else if (P->idle)
				__atomic_store_n(&P->hungry, 1,
						 __ATOMIC_RELAXED);
			ret = 1;
			break;
		}
		if (P->done)
			break;
		if (P->idle + 1 == P->threads) {
			P->done = 1;
			pthread_cond_broadcast(&P->cv);
			break;
		}
		P->idle++;
		__atomic_store_n(&P->hungry, 1, __ATOMIC_RELAXED);
		pthread_cond_wait(&P->cv, &P->mu);
		P->idle--;
	}
	pthread_mutex_unlock(&P->mu);
	return ret;
}

static void run(struct gomark *m)
{
	struct mark_pool *P = m->pool;

	do {
		while (m->nwork) {
			uint64_t base = m->work[--m->nwork];
			struct mspan_ix *s = span_of(m, base);

			if (s)
				scan_object(m, s, base);
			if (m->nwork >= 2 &&
			    __atomic_load_n(&P->hungry, __ATOMIC_RELAXED))
				give(m, P);
		}
	} while (take(m, P));
}

static void *helper_run(void *arg)
{
	struct mark_helper *h = arg;

	run(&h->c.m);
	return NULL;
}

static void add_stats(struct gomark_stats *d, const struct gomark_stats *s)
{
	d->objects += s->objects;
	d->bytes += s->bytes;
	d->reached += s->reached;
	d->reached_bytes += s->reached_bytes;
	d->globals += s->globals;
	d->globals_precise += s->globals_precise;
	d->root_words += s->root_words;
	d->specials += s->specials;
	d->finalizers += s->finalizers;
	d->tiny += s->tiny;
	d->scanned += s->scanned;
	d->precise += s->precise;
	d->whole += s->whole;
	d->unread += s->unread;
}

static unsigned int threads_for(const struct gomark *m)
{
	long c;

	if (gomark_threads > 0)
		return gomark_threads < MAX_THREADS ? gomark_threads :
		       MAX_THREADS;
	if (gomark_threads < 0 || m->st.objects < PAR_OBJECTS)
		return 1;
	c = sysconf(_SC_NPROCESSORS_ONLN);
	return c < 2 ? 1 : c < MAX_THREADS ? (unsigned int)c : MAX_THREADS;
}

int gomark_drain_par(struct gomark *m)
{
	unsigned int n = threads_for(m), i, started = 0;
	struct mark_helper *h;
	struct mark_pool *P;

	if (n < 2 || !m->nwork)
		return 0;
	h = calloc(n - 1, sizeof(*h));
	P = calloc(1, sizeof(*P));
	if (!h || !P) {
		free(h);
		free(P);
		return 0;
	}
	pthread_mutex_init(&P->mu, NULL);
	pthread_cond_init(&P->cv, NULL);
	for (i = 0; i < NOTE_LOCKS; i++)
		pthread_mutex_init(&P->note[i], NULL);
	gomark_settle(m);
	m->pool = P;
	for (i = 0; i < n - 1; i++) {
		gomark_copy_init(&h[i].c, m);
		/* counts of its own, added to m's at the end */
		memset(&h[i].c.m.st, 0, sizeof(h[i].c.m.st));
	}
	/* the threads wait for P->threads, the count of those started */
	pthread_mutex_lock(&P->mu);
	for (i = 0; i < n - 1; i++)
		h[i].started = !pthread_create(&h[i].t, NULL, helper_run,
					       &h[i]);
	for (i = 0; i < n - 1; i++)
		started += h[i].started;
	P->threads = started + 1;
	pthread_mutex_unlock(&P->mu);
	run(m);
	for (i = 0; i < n - 1; i++) {
		if (!h[i].started)
			continue;
		pthread_join(h[i].t, NULL);
		add_stats(&m->st, &h[i].c.m.st);
		m->nomem |= h[i].c.m.nomem;
		gomark_copy_done(&h[i].c);
	}
	m->pool = NULL;
	m->nwork = 0;
	for (i = 0; i < NOTE_LOCKS; i++)
		pthread_mutex_destroy(&P->note[i]);
	pthread_cond_destroy(&P->cv);
	pthread_mutex_destroy(&P->mu);
	free(P->w);
	free(P);
	free(h);
	return 1;
}
