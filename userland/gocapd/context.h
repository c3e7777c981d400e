/* SPDX-License-Identifier: GPL-2.0 */
/*
 * context.h - what gocapd learns about a crashed process before and while
 * its core arrives: the core_pattern arguments, the /proc/PID files read
 * while the process still exists, and the serialised form in which
 * `gocapd --pipe` hands all of it to the daemon.
 *
 * The serialised form ("context record") is a sequence of TLV items:
 *   u16 tag, u16 flags (0), u32 length, then length bytes (no padding).
 * Little-endian.  The whole record is at most CTX_MAX_RECORD bytes, each
 * item at most CTX_MAX_ITEM; unknown tags are skipped; a duplicated tag
 * or an item running past the end makes the record invalid.
 * ctx_decode() is a parser of outside bytes (fuzzed by fuzz_gocapd_proto).
 */
#ifndef GOCAPD_CONTEXT_H
#define GOCAPD_CONTEXT_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define CTX_MAX_ITEM	(4u << 20)
#define CTX_MAX_RECORD	(16u << 20)

/* Environment variables that are kept: never anything else (secrets). */
#define CTX_ENV_KEEP { "GOTRACEBACK", "GOMAXPROCS", "GODEBUG", "GOGC", \
		       "GOMEMLIMIT" }

struct ctx_blob {
	char *data;		/* malloc'd, NUL-terminated beyond len */
	size_t len;
};

enum ctx_blob_id {
	CTX_COMM,		/* %e as the kernel gave it (not sanitised) */
	CTX_HOSTNAME,		/* %h */
	CTX_EXE,		/* readlink /proc/PID/exe */
	CTX_CMDLINE,		/* NUL-separated */
	CTX_ENVIRON,		/* kept variables only, NUL-separated */
	CTX_CWD,
	CTX_STATUS,
	CTX_LIMITS,
	CTX_MAPS,
	CTX_CGROUP,
	CTX_MOUNTINFO,
	CTX_BOOT_ID,
	CTX_NBLOBS
};

struct crash_ctx {
	int64_t time_us;	/* when capture started (CLOCK_REALTIME) */
	int64_t monotonic_ns;	/* the same moment, CLOCK_MONOTONIC (the Go
				 * runtime's nanotime clock); 0 unknown */
	int64_t core_time;	/* %t: the kernel's time of the dump */
	int32_t pid;		/* %P: tgid in the initial pid namespace */
	int32_t tid;		/* %I: crashing thread, initial namespace */
	int32_t ns_tid;		/* %i */
	int32_t signal;		/* %s */
	int32_t uid, gid;	/* %u, %g */
	int64_t rlimit_core;	/* %c (-1: unlimited) */
	int32_t fd_count;	/* entries of /proc/PID/fd, -1 unknown */
	uint32_t proc_missing;	/* bit per blob id: /proc file unreadable */
	int32_t dumpable;	/* %d: the process's dump mode, -1 unknown */
	int32_t pidfd_check;	/* /proc/PID was the crashed process: 1 the
				 * kernel's pidfd (%F, SO_PEERPIDFD) said
				 * so, -1 it said not, 0 no pidfd */
	struct ctx_blob blob[CTX_NBLOBS];
};

/* Names of the blobs (JSON keys): "comm", "hostname", ... */
extern const char *const ctx_blob_names[CTX_NBLOBS];

void ctx_init(struct crash_ctx *c);
void ctx_free(struct crash_ctx *c);
/* c->monotonic_ns = CLOCK_MONOTONIC now (ctx_from_args() does it). */
void ctx_stamp_monotonic(struct crash_ctx *c);
int ctx_set(struct crash_ctx *c, enum ctx_blob_id id, const void *p,
	    size_t len);

/*
 * Parse the --pipe arguments "%P %i %I %s %t %u %g %c %h %e [%d [%F]]"
 * (argv[0] is the first of them).  %d and %F are optional, and empty on a
 * kernel that lacks them; *pidfd gets %F's fd (the kernel's pidfd of the
 * crashed process, Linux 6.16+), or -1.  Returns 0 or -EINVAL with err
 * saying which one is wrong.
 */
int ctx_from_args(struct crash_ctx *c, int argc, char *const argv[],
		  int *pidfd, char *err, size_t errlen);

/*
 * Was /proc/PID, just read, the crashed process?  With the kernel's pidfd
 * of it: the pidfd names PID and the process is still alive (so PID was
 * not reused).  Sets c->pidfd_check.
 */
void ctx_check_pidfd(struct crash_ctx *c, int pidfd);

/* Forget what /proc/PID said (it was another process): marks it missing. */
void ctx_drop_proc(struct crash_ctx *c);

/*
 * Read /proc/PID/{exe,cmdline,environ,cwd,status,limits,maps,cgroup,
 * mountinfo,fd} through procfd (an O_DIRECTORY fd of /proc/PID) into c.
 * What cannot be read is marked in c->proc_missing; never fails.
 */
void ctx_collect_proc(struct crash_ctx *c, int procfd);

/* Serialise c into a malloc'd record (*out, *len): 0 or -ENOMEM. */
int ctx_encode(const struct crash_ctx *c, uint8_t **out, size_t *len);

/* Parse a record into c (ctx_init'd).  0, or -EBADMSG with err set. */
int ctx_decode(struct crash_ctx *c, const uint8_t *p, size_t len,
	       char *err, size_t errlen);

/*
 * Make s (len bytes, any content) a safe file-name component: bytes other
 * than [A-Za-z0-9_-] become '_', at most max-1 bytes, never empty ("_")
 * and never starting with '.'.  Writes a NUL-terminated string to out.
 */
void ctx_sanitise(const char *s, size_t len, char *out, size_t max);

/*
 * The rest of the line of /proc/PID/status (st: blob CTX_STATUS) that
 * starts with key ("Uid:"), up to its end: a pointer into st and *len, or
 * NULL when no line starts with key and goes on past it.
 */
const char *ctx_status_value(const struct ctx_blob *st, const char *key,
			     size_t *len);

/* The container id named by a cgroup path (64 hex digits, e.g. docker-
 * <id>.scope or /docker/<id>), "" when none.  out holds 65 bytes. */
void ctx_container_id(const char *cgroup, size_t len, char *out,
		      size_t outlen);

/* The cgroup v2 path from /proc/PID/cgroup ("0::/path"), "" if none. */
void ctx_cgroup_path(const struct crash_ctx *c, char *out, size_t outlen);

#endif /* GOCAPD_CONTEXT_H */
