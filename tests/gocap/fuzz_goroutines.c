// SPDX-License-Identifier: GPL-2.0
/*
 * fuzz_goroutines.c - libFuzzer target for everything gocap does with a
 * core: the input is an ELF core (the seeds are real Go cores, minimised
 * by tests/gocap/mincore), opened as goproc_open_mem() does and walked and
 * printed as text and JSON, with the discovery run both with and without
 * the gocoredump note's roots, and with the crash's time decided from the
 * core (gonow.c: the note, or the clock reads on the threads' stacks);
 * then grouped (goroutines --group), summarised, and its waits read
 * (goroutines --waits); and its memory statistics read (gocap heap): the
 * globals found from the runtime's code as gocap heap does, and again with
 * the scheduler's roots standing for memstats, mheap_ and gcController;
 * and its heap marked from its roots (gocap heap's mark, gomark.c, on two
 * threads), its
 * types carried (gomark_types.c) and a path found (gocap heap why), its
 * dominator tree built and checked by brute force (heap top --retained);
 * and its heap profile recovered and written (gocap heap allocs), from
 * the globals found and from the roots standing for mbuckets,
 * MemProfileRate and mProfCycle: whatever the words there say, every
 * read stays bounded.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "go/goheap.h"
#include "go/gomark.h"
#include "go/goprof.h"
#include "go/gonow.h"
#include "go/goproc.h"
#include "gocap/group.h"
#include "gocap/print.h"

/* gocap heap types' walk over the objects marked: read each one's type
 * name, as its histogram does. */
static int count_object(void *arg, const struct gomark_object *o)
{
	char name[256];

	if (o->typ)
		gotype_name(arg, o->typ, name, sizeof(name));
	return 0;
}

static int count_retained(void *arg, const struct gomark_object *o,
			  uint64_t retained, uint64_t depth)
{
	(void)depth;
	if (retained < o->size)
		abort();	/* an object retains at least itself */
	return count_object(arg, o);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static FILE *null;
	struct print_opts text = { 0 }, json = { .json = 1 };
	struct triage_print group = { 0 };
	struct goproc p;
	unsigned int flags;

	if (!null)
		null = fopen("/dev/null", "w");
	for (flags = 0; flags <= GOPROC_NO_NOTE; flags += GOPROC_NO_NOTE) {
		text.now = json.now = NULL;
		if (goproc_open_mem(&p, data, size, flags) == 0) {
			struct gowalk *w = gowalk_new(&p);
			struct gocrash c;
			struct gonow now;

			if (w) {
				gowalk_crash(w, &c);
				gowalk_free(w);
				gonow_decide(&p, &c, (int64_t)size << 20, &now);
				text.now = json.now = &now;
			}
			print_goroutines(&p, null, &text, NULL);
			print_goroutines(&p, null, &json, NULL);
			group.now = text.now;
			group.json = 0;
			print_group(&p, null, &group);
			print_summary(&p, null, &group, NULL);
			print_waits(&p, null, &group);
			group.json = 1;
			print_group(&p, null, &group);
			print_summary(&p, null, &group, NULL);
			print_waits(&p, null, &group);
			{
				static struct goheap_stats st;
				uint64_t ms, mh, gc[32];
				size_t ngc = 32;
				char err[256];

				goroots_heap_globals(&p, &ms, &mh, gc, &ngc);
				if (!goheap_memstats(&p, &st, err, sizeof(err))) {
					static struct heap_mark hm;

					static struct gomark_hop hops[64];
					uint64_t root, at = 0;

					goheap_spans(&p, &st);
					/* the mark's drain on two threads
					 * (gomark_par.c), whatever the size */
					gomark_threads = 2;
					heap_mark_each(&p, &st, &hm, count_object,
						       &p);
					gomark_threads = 0;
					/* gocap heap why: the path to the
					 * object at the input's last word,
					 * and (--all) the other paths to
					 * main.Rec's nearest */
					if (hm.done && size >= 8) {
						memcpy(&at, data + size - 8, 8);
						struct heap_why_q q = { at, NULL, 0 };
						struct heap_why_q qt = { 0, "main.Rec", 0 };

						qt.all = 4;
						heap_why(&p, &st, &hm, &q, hops, 64,
							 &root);
						heap_why(&p, &st, &hm, &qt, hops, 64,
							 &root);
						heap_why_free(&q);
						heap_why_free(&qt);
					}
					/* gocap heap top --retained, the tree
					 * checked by brute force: a wrong
					 * retained size is a crash */
					if (hm.done) {
						struct gomark_dom_stats ds;

						heap_dom_check = 2048;
						heap_retained(&p, &st, &hm, &ds,
							      count_retained,
							      NULL, &p);
						if (strstr(hm.why, "dominator check:") &&
						    !strstr(hm.why, "out of memory")) {
							fprintf(stderr, "%s\n", hm.why);
							abort();
						}
					}
				}
				goheap_memstats_at(&p, p.roots[GCD_ROOT_SCHED],
						   p.roots[GCD_ROOT_ALLM],
						   p.roots[GCD_ROOT_ALLGS], &st,
						   err, sizeof(err));
				/* any word as mheap_ */
				st.mheap = p.roots[GCD_ROOT_ALLP];
				goheap_spans(&p, &st);
			}
			{
				struct goprof_mem m;
				char err[256];

				if (!goprof_mem_read(&p, &m, err, sizeof(err)))
					goprof_write_heap(&p, &m, null, err,
							  sizeof(err));
				goprof_mem_free(&m);
				/* any word as the list's head */
				if (!goprof_mem_read_at(&p, p.roots[GCD_ROOT_ALLM],
							p.roots[GCD_ROOT_SCHED],
							p.roots[GCD_ROOT_ALLP],
							&m, err, sizeof(err)))
					goprof_write_heap(&p, &m, null, err,
							  sizeof(err));
				goprof_mem_free(&m);
			}
		}
		goproc_close(&p);
	}
	return 0;
}
