/* SPDX-License-Identifier: GPL-2.0 */
/*
 * govers.h - the Go releases gocap reads (the one list, govers.c) and
 * what differs between them for a reader of cores: the wait-reason
 * strings, the runtime's data formats and the details of its traceback
 * and crash text, as traits of struct govers.  Every version-dependent
 * choice in gocap goes through a trait; nothing else compares version
 * numbers.
 *
 * Only releases the tests crash real programs of are known (Debian's
 * toolchains build them; for Go 1.20, which Debian never packaged, two
 * projects' release executables stand in); anything else is refused,
 * since a wrong guess about the runtime would print plausible but wrong
 * stacks.
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
	/* Data formats. */
	unsigned int pclntab_120:1;	/* pcHeader magic 0xfffffff1 (1.20) */
	unsigned int labels_slice:1;	/* g.labels: a sorted slice of
					 * {key, value}, not a map (1.24) */
	/* Traceback format. */
	unsigned int created_in_goroutine:1;	/* "created by F in goroutine N" (1.21) */
	unsigned int header_gp_m:1;	/* "goroutine N gp=0x.. m=.. [..]" (1.22) */
	unsigned int unwinder:1;	/* 1.21 unwinder: 50+50 logical frames,
					 * traps after injected calls */
	unsigned int print_funcname:1;	/* "[...]" for generic shapes (1.21) */
	unsigned int printindented:1;	/* panic strings indent newlines (1.23) */
	unsigned int repanicked:1;	/* "[recovered, repanicked]" (1.25) */
	unsigned int status_leaked:1;	/* _Gleaked, _Gdeadextra exist (1.26) */
	/* GODEBUG=tracebacklabels (1.26; on by default from 1.27): 1.26
	 * prints ' labels:{"k": "v"}' inside the status brackets, later
	 * releases ' {k: v}' after them, quoting only what needs it and an
	 * invalid byte as \xNN rather than \ufffd. */
	unsigned int labels_in_brackets:1;
	unsigned int labels_quote_bytes:1;
	/* Crash text. */
	unsigned int array_conversion_msg:1;	/* "... to array or pointer to
						 * array" (1.20) */
	unsigned int signal_addr:1;	/* "PC=... addr=0x.." for SIGSEGV and
					 * SIGBUS (1.22) */
	unsigned int float_shortest:1;	/* floats print like strconv 'g',
					 * shortest (1.26) */
	unsigned int fatal_has_panic:1;	/* runtime.fatal's closure captures
					 * g._panic first (1.26) */
};

/* The releases known, oldest first: i < govers_count(), 19 for Go 1.19. */
size_t govers_count(void);
int govers_release(size_t i);
/* Is Go 1.minor known? */
int govers_known(int minor);
/* "1.19, 1.22, ..." for messages. */
const char *govers_list(void);

/* "go1.22.12" -> 22; -1 when not a go1.N release string. */
int govers_minor(const char *go_version);

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
