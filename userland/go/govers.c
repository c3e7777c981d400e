// SPDX-License-Identifier: GPL-2.0
/*
 * govers.c - per-release traits (see govers.h).  The thresholds were read
 * from each release's runtime/traceback.go and runtime/panic.go.
 */
#include <stdio.h>
#include <string.h>

#include "go/golayout.h"
#include "go/govers.h"

int govers_lookup(const char *go_version, struct govers *v, char *err,
		  size_t errlen)
{
	int minor = golayout_go_minor(go_version);
	size_t i;

	memset(v, 0, sizeof(*v));
	for (i = 0; i < gowaitreasons_len; i++)
		if (gowaitreasons[i].minor == minor)
			break;
	if (minor < 0 || i == gowaitreasons_len) {
		snprintf(err, errlen,
			 "Go version \"%s\" is not one gocap knows (1.19, 1.22, 1.23, 1.24, 1.27)",
			 go_version);
		return -1;
	}
	v->minor = minor;
	v->waitreasons = gowaitreasons[i].s;
	v->nwaitreasons = gowaitreasons[i].n;
	v->created_in_goroutine = minor >= 21;
	v->header_gp_m = minor >= 22;
	v->unwinder = minor >= 21;
	v->print_funcname = minor >= 21;
	v->printindented = minor >= 23;
	v->repanicked = minor >= 25;
	v->status_leaked = minor >= 26;
	v->labels_in_header = minor >= 26;
	return 0;
}

const char *govers_status(const struct govers *v, unsigned int status)
{
	static const char *const s[] = {
		[G_IDLE] = "idle",
		[G_RUNNABLE] = "runnable",
		[G_RUNNING] = "running",
		[G_SYSCALL] = "syscall",
		[G_WAITING] = "waiting",
		[5] = "",
		[G_DEAD] = "dead",
		[7] = "",
		[G_COPYSTACK] = "copystack",
		[G_PREEMPTED] = "preempted",
		[G_LEAKED] = "leaked",
		[G_DEADEXTRA] = "waiting for cgo callback",
	};
	unsigned int n = v->status_leaked ? 12 : 10;

	return status < n ? s[status] : "???";
}

const char *govers_waitreason(const struct govers *v, unsigned int reason)
{
	if (reason >= v->nwaitreasons)
		return "unknown wait reason";
	return v->waitreasons[reason];
}
