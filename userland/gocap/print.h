/* SPDX-License-Identifier: GPL-2.0 */
/*
 * print.h - gocap's printers.
 *
 *   print_goroutines.c  the goroutines of a core: in the runtime's own
 *                       GOTRACEBACK=crash format (the crash header, then
 *                       every goroutine with its frames, "created by"
 *                       lines, fp/sp/pc, the frame elision rules of the
 *                       core's Go version), or as JSON; streamed goroutine
 *                       by goroutine, so memory does not grow with their
 *                       number
 *   print_note.c        the gocoredump note as a table
 *   print_group.c       the triage views: buckets of goroutines alike
 *                       (goroutines --group) and summary; the model
 *                       (filters, buckets) is group.c
 *
 * JSON is written with jansson (core/json.h).
 */
#ifndef GOCAP_PRINT_H
#define GOCAP_PRINT_H

#include <stdio.h>

#include "core/json.h"
#include "go/gonow.h"
#include "go/goproc.h"

struct gfilters;

struct print_opts {
	int json;
	int all_frames;		/* do not elide frames as the runtime does */
	/* The crash's nanotime for ", N minutes" (gonow.h); NULL or
	 * GONOW_NONE: left out. */
	const struct gonow *now;
	/* Print only the goroutines these let through (group.h); NULL:
	 * all. */
	const struct gfilters *filters;
};

struct print_stats {
	unsigned long goroutines;	/* printed */
	unsigned long dead;		/* skipped */
	unsigned long unreadable;	/* allgs entries not in the core */
	unsigned long partial;		/* stacks cut short */
};

/* Print to f.  Returns 0, or -1 when the walk could not start (out of
 * memory) or the JSON could not be written. */
int print_goroutines(struct goproc *p, FILE *f, const struct print_opts *o,
		     struct print_stats *st);

/* A frame as JSON, the keys every view shares: "function", "file",
 * "line", "inlined" (goroutines --json adds its addresses and arguments);
 * NULL when out of memory. */
json_t *print_frame_json(const char *func, const char *file, int32_t line,
			 int inlined);

/* The crash as JSON ("kind", "text", "value_known", ...), as goroutines
 * --json prints it. */
struct gocrash;
json_t *print_crash_json(const struct goproc *p, const struct gocrash *c);

/*
 * Triage (print_group.c): the buckets of goroutines --group, and the one
 * screen of summary, as text or JSON.
 */
struct triage_print {
	int json;
	int all_frames;
	const struct gfilters *filters;
	const struct gonow *now;	/* times the waits; may be NULL */
	struct print_stats *st;		/* may be NULL */
};

/* What the store knows of the dump, for summary. */
struct summary_facts {
	int have_store;
	int64_t store_id, time_us;
	int32_t pid, uid, signal;
	char hostname[256], exe[4096], container_id[72];
};

int print_group(struct goproc *p, FILE *f, const struct triage_print *o);
/* A duration as "1h2m", "3m4s", "4.5s" or "120ms", into buf. */
void fmt_dur(int64_t ns, char *buf, size_t len);
/* goroutines --waits (print_waits.c) */
int print_waits(struct goproc *p, FILE *f, const struct triage_print *o);
/*
 * summary's part of it: the top known objects, one line each on f, or
 * (json not NULL) *json an array of --waits --json's objects without
 * their goids.  0, or -1 when out of memory.
 */
int print_waits_top(struct goproc *p, const struct triage_print *o,
		    size_t top, FILE *f, json_t **json);
int print_summary(struct goproc *p, FILE *f, const struct triage_print *o,
		  const struct summary_facts *sf);

/* The core's scheduler roots, {"runtime.allgs": {"addr", "from"} or
 * null, ...}, as goroutines --json and roots --json print them. */
json_t *print_roots_json(const struct goproc *p);
/* goproc's warnings, one string per line. */
json_t *print_warnings_json(const struct goproc *p);

/* gocap note: the decoded note as a table (its JSON is gcdnote_to_json). */
void print_note_table(FILE *f, const struct gcd_note *n);

#endif /* GOCAP_PRINT_H */
