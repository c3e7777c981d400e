/* SPDX-License-Identifier: GPL-2.0 */
/*
 * govers.h - what differs, for a reader of cores, between the Go releases
 * gocap knows: the wait-reason strings and the details of the runtime's
 * traceback format.  Every version check in gocap goes through struct
 * govers; nothing else compares version numbers.
 *
 * Only releases whose toolchain the tests run are known (Debian's 1.19,
 * 1.22, 1.23, 1.24, 1.27); anything else is refused, since a wrong guess
 * about the runtime would print plausible but wrong stacks.
 */
#ifndef GOCD_GOVERS_H
#define GOCD_GOVERS_H

#include <stddef.h>

struct gowaitreasons {
	int minor;
	const char *const *s;
	size_t n;
};

extern const struct gowaitreasons gowaitreasons[];
extern const size_t gowaitreasons_len;

struct govers {
	int minor;			/* Go 1.minor */
	const char *const *waitreasons;	/* waitReasonStrings */
	size_t nwaitreasons;
	/* Traceback format. */
	unsigned int created_in_goroutine:1;	/* "created by F in goroutine N" (1.21) */
	unsigned int header_gp_m:1;	/* "goroutine N gp=0x.. m=.. [..]" (1.22) */
	unsigned int unwinder:1;	/* 1.21 unwinder: 50+50 logical frames,
					 * traps after injected calls */
	unsigned int print_funcname:1;	/* "[...]" for generic shapes (1.21) */
	unsigned int printindented:1;	/* panic strings indent newlines (1.23) */
	unsigned int repanicked:1;	/* "[recovered, repanicked]" (1.25) */
	unsigned int status_leaked:1;	/* _Gleaked, _Gdeadextra exist (1.26) */
	unsigned int labels_in_header:1;/* GODEBUG=tracebacklabels (1.26) */
};

/*
 * Look up go_version ("go1.22.12").  0, or -1 with a message in err saying
 * which version was found and which are known.
 */
int govers_lookup(const char *go_version, struct govers *v, char *err,
		  size_t errlen);

/* The runtime's goroutine status string (gStatusStrings), "???" beyond. */
const char *govers_status(const struct govers *v, unsigned int status);
/* waitReason.String(). */
const char *govers_waitreason(const struct govers *v, unsigned int reason);

/* Runtime goroutine status values (runtime2.go). */
#define G_IDLE		0
#define G_RUNNABLE	1
#define G_RUNNING	2
#define G_SYSCALL	3
#define G_WAITING	4
#define G_DEAD		6
#define G_COPYSTACK	8
#define G_PREEMPTED	9
#define G_LEAKED	10
#define G_DEADEXTRA	11
#define G_SCAN		0x1000

#endif /* GOCD_GOVERS_H */
