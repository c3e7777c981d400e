// SPDX-License-Identifier: GPL-2.0
/*
 * heap_mark.c - gocap heap's mark (go/gomark.h) from every root: the
 * goroutines' stacks through their stack maps (walked as the triage views
 * walk them), the threads' registers, and the roots gomark finds itself.
 */
#include <stdio.h>
#include <string.h>

#include "go/gostackmap.h"
#include "gocap/group.h"

struct mark_walk {
	const struct goproc *p;
	struct gomark *m;
	struct heap_mark *hm;
};

static int mark_stack(void *arg, const struct goroutine *g)
{
	struct mark_walk *a = arg;

	if (g->status == G_DEAD)
		return 0;
	if (gostackmap_scan(a->p, g, gomark_word_cb, a->m, &a->hm->maps) < 0)
		a->hm->stacks_unread++;
	return 0;
}

void heap_mark(struct goproc *p, const struct goheap_stats *s,
	       struct heap_mark *hm)
{
	heap_mark_each(p, s, hm, NULL, NULL);
}

void heap_mark_each(struct goproc *p, const struct goheap_stats *s,
		    struct heap_mark *hm,
		    int (*fn)(void *arg, const struct gomark_object *o),
		    void *arg)
{
	struct triage_counts c = { 0 };
	struct gocrash crash;
	struct gomark *m;
	struct mark_walk a;
	size_t i;
	unsigned int k;

	memset(hm, 0, sizeof(*hm));
	if (!s->spans.done || s->spans.partial[0]) {
		snprintf(hm->why, sizeof(hm->why),
			 "the heap's spans were not all read");
		return;
	}
	m = gomark_new(p, s->mheap, hm->why, sizeof(hm->why));
	if (!m)
		return;
	for (i = 0; i < p->nthreads; i++)
		for (k = 0; k < p->threads[i].regs.nregs && k < 32; k++)
			gomark_word_cb(m, p->threads[i].regs.regs[k]);
	a.p = p;
	a.m = m;
	a.hm = hm;
	if (triage_walk(p, &crash, &c, mark_stack, &a))
		snprintf(hm->why, sizeof(hm->why),
			 "out of memory while walking the goroutines");
	gomark_finish(m, &hm->st);
	if (fn && !hm->why[0] && gomark_each(m, fn, arg))
		snprintf(hm->why, sizeof(hm->why),
			 "out of memory while counting the objects");
	gomark_free(m);
	hm->done = !hm->why[0];
	if (!hm->st.partial[0] && hm->stacks_unread)
		snprintf(hm->st.partial, sizeof(hm->st.partial),
			 "%llu goroutines' stacks were not read",
			 (unsigned long long)hm->stacks_unread);
}

