/* SPDX-License-Identifier: GPL-2.0 */
/*
 * gocap.h - the gocap command line: shared options and the commands.
 *
 * main.c parses the command line and dispatches; cmd_core.c holds the
 * commands that read a core (goroutines, note, roots, layout);
 * cmd_triage.c the triage views (goroutines --group, summary);
 * cmd_store.c those over gocapd's store (list, info, dump, debug), which
 * also lets the core commands take a store ID instead of --core;
 * cmd_doctor.c the host check (module, core_pattern, store, Go processes).
 */
#ifndef GOCD_GOCAP_H
#define GOCD_GOCAP_H

#include <stdint.h>

struct gfilters;

struct gocap_opts {
	const char *store_dir;		/* --store, default /var/lib/gocap */
	const char *core;		/* --core */
	const char *exe;		/* --exe */
	const char *debug_dir;		/* --debug-dir, default /usr/lib/debug */
	const char *id;			/* a dump ID from the store (or a PID) */
	const char *pid;		/* --pid: a running process */
	const char *sub;		/* heap's subcommand: allocs, diff */
	const char *id2;		/* heap diff's second core */
	const char *addr;		/* heap why's ADDR */
	int no_precopy;			/* snapshot --no-precopy */
	int retained;			/* heap top --retained */
	int all;			/* heap why --all */
	size_t count;			/* -n: heap top's rows (0: 20) */
	const char *output;		/* -o */
	const char *exe_filter;		/* list --exe */
	const char *since, *until;	/* list */
	const char *signal;		/* list --signal */
	const char *debugger;		/* debug --debugger gdb|dlv */
	const char *go_version;		/* layout --version */
	const char *config;		/* doctor/snapshot --config (gocapd.conf) */
	const char *socket;		/* snapshot --socket (gocapd's) */
	int json;
	int all_frames;
	int group;			/* goroutines --group */
	int waits;			/* goroutines --waits */
	struct gfilters *filters;	/* --filter, NULL when none */
	int reverse;			/* list -r: newest first */
	int no_dwarf, no_symtab, no_note;
	int c_table;			/* layout --c-table */
	int c_table_minor;
	/* CLOCK_MONOTONIC when gocapd received the dump, from its
	 * annotation (store_resolve()); 0 when unknown. */
	int64_t annotation_monotonic_ns;
	char **rest;			/* arguments after "--" */
	int nrest;
};

/* Exit codes: 0 ok, 1 failure, 2 usage. */
int cmd_goroutines(struct gocap_opts *o);
int cmd_summary(struct gocap_opts *o);
int cmd_note(struct gocap_opts *o);
int cmd_roots(struct gocap_opts *o);
/* heap: runtime.ReadMemStats from the core (cmd_heap.c). */
int cmd_heap(struct gocap_opts *o);
int cmd_layout(struct gocap_opts *o);
int cmd_releases(struct gocap_opts *o);
int cmd_list(struct gocap_opts *o);
int cmd_info(struct gocap_opts *o);
int cmd_dump(struct gocap_opts *o);
int cmd_debug(struct gocap_opts *o);
/* snapshot PID -o FILE: a core of a running process (cmd_snapshot.c). */
int cmd_snapshot(struct gocap_opts *o);
/*
 * --pid: take a snapshot of o->pid into an unlinked temporary file and
 * point o->core at it.  0, or 1 with a message printed.
 */
int snapshot_resolve(struct gocap_opts *o);
/* Will the next crash be captured?  0 yes, 1 something would be lost. */
int cmd_doctor(struct gocap_opts *o);

/*
 * Resolve o->id to a core file (and exe, when the store saved one) for the
 * core commands: sets o->core/o->exe, possibly to a temporary file that
 * gocap_cleanup() removes.  0, or 1 with a message printed.
 */
int store_resolve(struct gocap_opts *o);
void gocap_cleanup(void);

/*
 * Open the Go process of o's core for cmd (cmd_core.c): 0, or the exit
 * status with what is wrong said.
 */
struct goproc;
int gocap_open_proc(const struct gocap_opts *o, const char *cmd,
		    struct goproc *p);
/*
 * The crash's nanotime for ", N minutes" and wait times (gonow.h), said
 * once on stderr when there is none: 0, or -1 when out of memory.
 */
struct gonow;
int gocap_decide_now(const struct gocap_opts *o, struct goproc *p,
		     struct gonow *now);
/* Print goproc's warnings to stderr. */
void gocap_print_warnings(const struct goproc *p);

/* "gocap: " + message to stderr. */
void gocap_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif /* GOCD_GOCAP_H */
