/* SPDX-License-Identifier: GPL-2.0 */
/*
 * print.h - print the goroutines of a core: in the runtime's own
 * GOTRACEBACK=crash format (the crash header, then every goroutine with
 * its frames, "created by" lines, fp/sp/pc, the frame elision rules of the
 * core's Go version), or as JSON.
 *
 * Output is streamed goroutine by goroutine, so memory does not grow with
 * their number.
 */
#ifndef GOCAP_PRINT_H
#define GOCAP_PRINT_H

#include <stdio.h>

#include "go/goproc.h"

struct print_opts {
	int json;
	int all_frames;		/* do not elide frames as the runtime does */
	int include_dead;	/* JSON only: list dead goroutines too */
};

struct print_stats {
	unsigned long goroutines;	/* printed */
	unsigned long dead;		/* skipped */
	unsigned long unreadable;	/* allgs entries not in the core */
	unsigned long partial;		/* stacks cut short */
};

/* Print to f.  Returns 0, or -1 when the walk itself could not start. */
int print_goroutines(struct goproc *p, FILE *f, const struct print_opts *o,
		  struct print_stats *st);

/* JSON string (with quotes), escaped. */
void json_str_out(FILE *f, const char *s);

#endif /* GOCAP_PRINT_H */
