/* SPDX-License-Identifier: GPL-2.0 */
/*
 * gostackmap.h - the words of a goroutine's stack that the garbage
 * collector would take for live pointers, from the runtime's own stack maps
 * (runtime/stkframe.go getStackMap, stack.go scanframeworker).
 *
 * For each physical frame of a stopped goroutine (parked, runnable or in
 * a system call, as the collector's scanstack wants it, its walk started
 * at g.sched or at g.syscallpc and g.syscallsp: every frame stopped at a
 * call, the innermost maybe at a function's entry, where the runtime
 * takes the first map too):
 *  - the stack map index is the PCDATA_StackMapIndex value at the return
 *    address less one (0 where there is none, as the runtime does);
 *  - locals: FUNCDATA_LocalsPointerMaps, a bitmap of nbit words ending at
 *    varp (fp less the return address and the saved frame pointer);
 *  - arguments: FUNCDATA_ArgsPointerMaps, a bitmap of words from argp (fp
 *    on amd64), for the register arguments' spill slots too;
 *  - stack objects (FUNCDATA_StackObjects: locals whose address is taken):
 *    as the collector (scanstack), only those a word found (or g.sched.ctxt)
 *    points into, through their type's pointer mask, and then those they
 *    reach; a dead one holds stale words.  A goroutine with a defer record
 *    or a panic (whose words into the stack the runtime reads too) has
 *    every object taken whole, which can only find more (and so has
 *    every goroutine with GOSTACKMAP_ALL_OBJECTS).
 * A frame without maps where the runtime would have them, with an index
 * out of range or maps not in the core, is taken whole (every word): the
 * answer is then as before stack maps, wrong only the safe way.  So is a
 * goroutine that is not stopped (running on a thread, or in a vDSO call:
 * its innermost frame can be anywhere), runtime.asyncPreempt's frame and
 * the one it stopped (as the runtime scans them), and the stack above
 * the last frame when the unwind stopped early.  A goroutine in a
 * system call is read from g.syscallsp up, as the runtime reads it: a
 * word the runtime takes for no pointer (a dead slot, a uintptr) keeps
 * nothing alive there either.
 *
 * amd64 only, like the walker.  Every read goes through procmem and is
 * bounded.
 */
#ifndef GOCD_GOSTACKMAP_H
#define GOCD_GOSTACKMAP_H

#include <stdint.h>

#include "go/goproc.h"

struct goroutine;

struct gostackmap_stats {
	uint64_t precise;	/* frames read through their maps */
	uint64_t whole;		/* frames (or stacks) taken whole */
	/* While fn runs: 1 + the index in g->frames of the frame whose
	 * words it is given, 0 when none (a stack taken whole, or the
	 * part above the last frame). */
	size_t frame;
	/* While fn runs: the stack address of the word it is given when
	 * a frame's stack map says the word is a live pointer (a local's
	 * or an argument's slot), else 0. */
	uint64_t at;
};

/*
 * GOSTACKMAP_ALL_OBJECTS: every stack object whole, the dead ones too
 * (the triage views' search for who else holds a channel: a dead case
 * array's stale words still name the goroutine whose select used it).
 */
#define GOSTACKMAP_ALL_OBJECTS	1u

/*
 * Is g stopped at a call, as the collector's scanstack wants it (parked,
 * runnable, or in a system call), its walk started where the runtime's
 * unwinder starts (g.sched, or g.syscallpc and g.syscallsp)?  Then its
 * frames are read through their maps; otherwise (running: on a thread,
 * interrupted anywhere; in a vDSO call) the stack is taken whole.
 */
int gostackmap_stopped(const struct goroutine *g);

/*
 * Call fn(arg, value) for each word of g's stack (from its innermost
 * frame up) that may hold a live pointer, as said above; a word can come
 * twice.  fn returning a positive value stops the scan with it.  Returns
 * 0, fn's value, or -1 when the stack is not readable (not in the core, or
 * no frame to start from).
 */
int gostackmap_scan(const struct goproc *p, const struct goroutine *g,
		    unsigned int flags,
		    int (*fn)(void *arg, uint64_t value), void *arg,
		    struct gostackmap_stats *st);

/*
 * Call fn(arg, value) for each non-zero 8-byte word of [lo, hi) (lo
 * rounded up to 8), lowest first, as one stack is read (a kilobyte at a
 * time); fn returning a positive value stops with it.  Returns 0, fn's
 * value, or -1 when a word is not in the core or the range is over 1 GB.
 */
int gostack_words(const struct goproc *p, uint64_t lo, uint64_t hi,
		  int (*fn)(void *arg, uint64_t value), void *arg);

#endif /* GOCD_GOSTACKMAP_H */
