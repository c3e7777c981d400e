/* SPDX-License-Identifier: GPL-2.0 */
/*
 * annotate.h - the facts gocapd reads from the core's first bytes and from
 * the executable, their wire form (the sandboxed parser hands them back
 * as JSON: sandbox.h), and the JSON annotation written next to every dump
 * (layout in gocapd.rst).
 */
#ifndef GOCAPD_ANNOTATE_H
#define GOCAPD_ANNOTATE_H

#include <stdint.h>
#include <stdio.h>

#include "gocapd/context.h"
#include "gocapd/exeinfo.h"
#include "store/store.h"

typedef struct json_t json_t;

struct core_facts {
	int is_core;			/* the head parsed as an ELF core */
	int have_siginfo;
	int32_t si_signo, si_errno, si_code;
	uint64_t expected_size;		/* end of the last segment/note */
	int note_found;			/* gocoredump's note: 1, -1 bad */
	json_t *note;			/* ... decoded, as JSON, or NULL */
	/* Who the core says crashed, in the process's own pid namespace:
	 * the first NT_PRSTATUS is the crashing thread's, NT_PRPSINFO the
	 * process's (x86-64 layout; other cores leave them unknown). */
	int have_prstatus;
	int32_t prstatus_pid;
	int have_prpsinfo;
	int32_t psinfo_pid, psinfo_ppid;
	uint32_t psinfo_uid, psinfo_gid;
	char psinfo_fname[17];
	char problem[256];		/* what elfcore said, "" */
};

/* What the parser did with the executable's bytes. */
struct exe_copy {
	int done;			/* copied (sparsely) and hashed */
	uint8_t sha256[32];		/* of its content (exeinfo.h) */
	uint64_t size;			/* its length */
	char error[128];		/* why not, "" */
};

/* Everything the sandboxed parser learns (sandbox.c). */
struct parse_facts {
	struct core_facts cf;
	struct exe_info x;
	struct exe_copy copy;
	char parser[160];		/* "" (ok), or what went wrong with the
					 * parser itself (crashed, timed out) */
};

/* Parse the core's head (untrusted): never fails, fills what it can. */
void core_facts_read(struct core_facts *cf, const uint8_t *head,
		     size_t head_len);
void core_facts_free(struct core_facts *cf);
void parse_facts_free(struct parse_facts *pf);

/* The facts as JSON text (malloc'd, *len bytes): what the parser child
 * writes to its parent.  NULL when out of memory. */
char *facts_encode(const struct parse_facts *pf, size_t *len);

/*
 * The parent's side: the child's JSON back into facts.  The child may
 * have been subverted by the bytes it parsed, so this is a parser of
 * outside bytes: bounded (FACTS_MAX), every field type- and size-checked
 * (fuzz_gocapd_facts).  0, or -EBADMSG with pf zeroed and pf->parser
 * saying what was wrong.
 */
#define FACTS_MAX	(64u << 20)
int facts_decode(const char *text, size_t len, struct parse_facts *pf);

/*
 * Does the core describe the process whose /proc gocapd read?  The PID
 * reuse check: the first NT_PRSTATUS pid is %i (the crashing thread, in
 * its namespace), NT_PRPSINFO's pid is the innermost NStgid of
 * /proc/PID/status, its name the status Name; with the kernel's pidfd
 * the answer is the kernel's.
 */
enum pid_check { PID_UNKNOWN, PID_MATCH, PID_MISMATCH };
enum pid_check pid_check(const struct crash_ctx *ctx,
			 const struct core_facts *cf, char *why, size_t len);

/*
 * The annotation of row: the JSON object written next to the dump, schema
 * in gocapd.rst ("format": ANNOTATION_FORMAT, "version":
 * ANNOTATION_VERSION; fields are only ever added).  extra holds the
 * fields of this version's additions (pid_check, user_access, parser,
 * ...), made by dump.c, taken over (may be NULL).  NULL when out of
 * memory.
 */
#define ANNOTATION_FORMAT	"gocapd-annotation"
#define ANNOTATION_VERSION	1

json_t *annotate_json(const struct store_dump *row,
		      const struct crash_ctx *ctx, const struct exe_info *x,
		      const struct core_facts *cf, uint64_t file_size,
		      json_t *extra);

#endif /* GOCAPD_ANNOTATE_H */
