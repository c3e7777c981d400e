/* SPDX-License-Identifier: GPL-2.0 */
/*
 * gonow.h - the moment of the crash on the Go runtime's clock
 * (runtime.nanotime: CLOCK_MONOTONIC), which the ", N minutes" of a
 * goroutine header needs: the runtime prints (nanotime() - g.waitsince) /
 * 60e9 whole minutes, and a core does not record nanotime().
 *
 * Sources, best first (gonow_decide()):
 *  - the gocoredump note: the kernel's CLOCK_BOOTTIME when the dump
 *    started (equal to CLOCK_MONOTONIC unless the machine was suspended);
 *  - gocapd's annotation: CLOCK_MONOTONIC when gocapd received the dump;
 *  - an estimate from the core itself: the latest time the runtime wrote
 *    down (sched.lastpoll, a P's sysmontick) or left on a thread's system
 *    stack (a clock read).  gonow.c says how, what that was measured to be
 *    worth, and when it is not taken.
 *
 * No source may be earlier than a time found in the core: one that is is
 * not used, and why says so.  With no source left the durations are left
 * out rather than guessed.
 *
 * Plain C over procmem: every read of the core is bounded and may fail.
 */
#ifndef GOCD_GONOW_H
#define GOCD_GONOW_H

#include <stdint.h>

#include "go/goproc.h"
#include "go/goroutines.h"

enum gonow_source {
	GONOW_NONE = 0,
	GONOW_NOTE,		/* gocoredump note, boottime_ns */
	GONOW_ANNOTATION,	/* gocapd's annotation, monotonic_ns */
	GONOW_ESTIMATE,		/* the latest time in the core (from) */
};

/* Where a time in the core was found. */
enum gonow_where {
	GONOW_AT_NONE = 0,
	GONOW_AT_LASTPOLL,	/* runtime.sched.lastpoll */
	GONOW_AT_SYSMONTICK,	/* a P's sysmontick.schedwhen/syscallwhen */
	GONOW_AT_CLOCK_READ,	/* a clock read on a thread's stack */
};

struct gonow {
	enum gonow_source src;
	int64_t ns;		/* the crash's nanotime, when src != NONE */
	char source[40];	/* "note", "annotation", "estimate:WHERE",
				 * "none" */
	/* What the core says about the time, whatever the source: */
	int64_t latest_waitsince;	/* 0: no g.waitsince set */
	int64_t latest;		/* the latest time found, 0: none */
	enum gonow_where latest_at;
	uint64_t latest_addr;	/* where in the core that time is */
	uint64_t read_at;	/* a clock read: where the timespec lies */
	int64_t read_m;		/* and on the stack of which M (its id) */
	uint32_t reads;		/* clock reads found */
	char why[384];		/* why a source was not used, "" if none */
};

/* "sched.lastpoll", "p.sysmontick", "clock-read". */
const char *gonow_where_name(enum gonow_where w);

/*
 * Decide the time of the crash c (gowalk_crash()): the note, then
 * annotation_ns (> 0: what gocapd recorded), then the estimate.  Always
 * fills *out; src is GONOW_NONE when no source is usable, and why says
 * what was rejected.
 */
void gonow_decide(const struct goproc *p, const struct gocrash *c,
		  int64_t annotation_ns, struct gonow *out);

#endif /* GOCD_GONOW_H */
