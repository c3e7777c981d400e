// SPDX-License-Identifier: GPL-2.0
/*
 * govers.c - the Go releases gocap reads, and what differs between them
 * (see govers.h).  The thresholds were read from each release's
 * runtime/traceback.go, runtime/panic.go, runtime/error.go, runtime/
 * print.go, runtime/proflabel.go and cmd/link's pclntab writer.
 *
 * Go 1.20 has no Debian toolchain, hence no sources to read: its traits
 * were checked on two real Go 1.20 executables (scripts/fetch-go120.sh)
 * and their GOTRACEBACK=crash output, as said at each threshold below.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "go/govers.h"

/*
 * The one list: every Go 1.N gocap reads, oldest first.  Each needs its
 * runtime layout (golayout_table.c) and wait reasons (gowaitreasons.c),
 * both generated from that release's toolchain (tests/gocap/gen-*), and
 * the traits below.  Go 1.20 is the exception Debian left: both come from
 * real Go 1.20 executables (tests/gocap120/host.sh checks them there).
 * Error messages are built from it; test_gocap checks that every release
 * here has its tables and no table is for another;
 * tests/lint/check-docs.py holds the documents and the lab's toolchains
 * (scripts/lib.sh) to it.
 */
static const int releases[] = { 19, 20, 21, 22, 23, 24, 25, 26, 27 };

#define NRELEASES (sizeof(releases) / sizeof(releases[0]))

size_t govers_count(void)
{
	return NRELEASES;
}

int govers_release(size_t i)
{
	return i < NRELEASES ? releases[i] : -1;
}

int govers_known(int minor)
{
	size_t i;

	for (i = 0; i < NRELEASES; i++)
		if (releases[i] == minor)
			return 1;
	return 0;
}

const char *govers_list(void)
{
	static char list[128];
	size_t i, k = 0;

	if (list[0])
		return list;
	for (i = 0; i < NRELEASES; i++)
		k += (size_t)snprintf(list + k, sizeof(list) - k, "%s1.%d",
				      i ? ", " : "", releases[i]);
	return list;
}

int govers_minor(const char *v)
{
	char *end;
	long minor;

	if (strncmp(v, "go1.", 4) != 0)
		return -1;
	minor = strtol(v + 4, &end, 10);
	if (end == v + 4 || (*end && *end != '.' && *end != ' ') ||
	    minor < 0 || minor > 1000)
		return -1;
	return (int)minor;
}

int govers_lookup(const char *go_version, struct govers *v, char *err,
		  size_t errlen)
{
	int minor = govers_minor(go_version);
	size_t i;

	memset(v, 0, sizeof(*v));
	if (!govers_known(minor)) {
		snprintf(err, errlen,
			 "Go version \"%s\" is not one gocap knows (%s): its "
			 "runtime's states and wait reasons are not in this gocap; "
			 "a gocap that lists it in `gocap releases` reads it",
			 go_version, govers_list());
		return -1;
	}
	for (i = 0; i < gowaitreasons_len; i++)
		if (gowaitreasons[i].minor == minor)
			break;
	if (i == gowaitreasons_len) {
		snprintf(err, errlen, "gocap has no wait reasons for Go 1.%d "
			 "(a build without userland/go/gowaitreasons.c's entry)",
			 minor);
		return -1;
	}
	v->minor = minor;
	v->waitreasons = gowaitreasons[i].s;
	v->nwaitreasons = gowaitreasons[i].n;
	/* Go 1.20's executables: pcHeader magic 0xfffffff1, and the
	 * "... to array or pointer to array ..." text in their rodata. */
	v->pclntab_120 = minor >= 20;
	v->array_conversion_msg = minor >= 20;
	/* Go 1.20's own crash output says "created by F" alone; its
	 * function table has runtime.gentraceback and neither
	 * runtime.traceback2 (1.21's 50+50 frames) nor printFuncName. */
	v->created_in_goroutine = minor >= 21;
	v->unwinder = minor >= 21;
	v->print_funcname = minor >= 21;
	v->header_gp_m = minor >= 22;
	v->signal_addr = minor >= 22;
	v->printindented = minor >= 23;
	v->labels_slice = minor >= 24;
	v->repanicked = minor >= 25;
	v->float_shortest = minor >= 26;
	v->fatal_has_panic = minor >= 26;
	v->status_leaked = minor >= 26;
	v->labels_in_brackets = minor == 26;
	v->labels_quote_bytes = minor >= 27;
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
