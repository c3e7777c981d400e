/* SPDX-License-Identifier: GPL-2.0 */
/*
 * gcdnote.h - decode gocoredump's scheduler-metadata notes (GCD_NT_PROCESS,
 * GCD_NT_THREADS; format in include/uapi/gocoredump.h and
 * Documentation/note-format.rst) into host structures, and give them as
 * JSON.  The table gocap note prints is gocap's (gocap/print_note.c).
 *
 * The note bytes come from a core file and are untrusted: sizes are checked,
 * strings are bounded and made printable, unknown trailing fields are
 * skipped, missing ones read as absent.
 */
#ifndef GOCD_GCDNOTE_H
#define GOCD_GCDNOTE_H

#include <stddef.h>
#include <stdint.h>

#include "uapi/gocoredump.h"

struct elfcore;

struct gcd_process {
	unsigned int version, record_size;
	uint32_t flags;
	uint64_t seq, realtime_ns, boottime_ns;
	int32_t signo, si_code;
	uint32_t pid, tgid, ns_pid, ns_tgid;
	uint32_t coredump_filter, effective_filter;
	uint32_t nr_threads, forced_vmas;
	uint64_t forced_bytes, load_bias;
	uint32_t roots_present;
	uint64_t roots[GCD_ROOT_COUNT];
	char release[GCD_RELEASE_LEN];
	char go_version[GCD_GOVERSION_LEN];
	char go_module[GCD_GOMODULE_LEN];
	char vcs_revision[GCD_VCSREV_LEN];
};

struct gcd_thread {
	uint32_t tid, ns_tid, flags, policy;
	uint32_t prio, static_prio, normal_prio, rt_priority;
	int32_t nice;
	uint32_t last_cpu, nr_cpus_allowed;
	char comm[GCD_COMM_LEN + 1];
	uint32_t cpus_allowed[GCD_CPUMASK_WORDS];	/* CPUs 32i.. in [i] */
	uint64_t utime_ns, stime_ns, sum_exec_runtime_ns;
	uint64_t nvcsw, nivcsw, nr_migrations;
	uint64_t run_delay_ns, pcount;
	uint64_t wait_sum_ns, sleep_sum_ns, block_sum_ns, iowait_sum_ns;
	uint64_t iowait_count;
	uint64_t start_time_ns, start_boottime_ns, min_flt, maj_flt;
};

struct gcd_note {
	int have_process;		/* a GCD_NT_PROCESS was decoded */
	int have_threads;		/* a GCD_NT_THREADS was decoded */
	struct gcd_process proc;
	struct gcd_thread *threads;	/* malloc'd, nthreads of them */
	size_t nthreads;
	char problem[256];		/* first thing found wrong, or "" */
};

/*
 * Decode one note descriptor of type GCD_NT_PROCESS or GCD_NT_THREADS into
 * *out (which accumulates; zero it before the first call).  Returns 0, or -1
 * with out->problem set when the descriptor is malformed.
 */
int gcdnote_decode_desc(struct gcd_note *out, uint32_t type,
			const void *desc, size_t len);

/*
 * Find and decode gocoredump's notes in a core.  Returns 1 when found and
 * decoded, 0 when the core has none, -1 when they are malformed (what could
 * be decoded is kept; out->problem says what was wrong).
 */
int gcdnote_from_core(const struct elfcore *c, struct gcd_note *out);

void gcdnote_free(struct gcd_note *n);

/* The CPUs in mask as a list ("0-3,6", as /proc's Cpus_allowed_list). */
void gcdnote_cpu_list(const uint32_t *mask, char *buf, size_t len);
/* "SCHED_OTHER", ... for a scheduling policy number. */
const char *gcdnote_policy_name(uint32_t policy);

/*
 * The note as JSON (gcdnote_json.c, jansson): one object with "process"
 * and "threads" (and "problem" when something was wrong), the form gocap
 * note --json prints and gocapd's annotation embeds (note-format.rst).
 * NULL when out of memory.
 */
typedef struct json_t json_t;
json_t *gcdnote_to_json(const struct gcd_note *n);

#endif /* GOCD_GCDNOTE_H */
