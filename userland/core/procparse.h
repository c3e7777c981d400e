/* SPDX-License-Identifier: GPL-2.0 */
/*
 * procparse.h - the /proc text gocap snapshot reads (maps, stat, status,
 * sched), parsed.  Parts of that text are the target process's to choose
 * (its comm, its file names, its command line): every function here takes
 * any bytes, reads only within the NUL-terminated string it is given, and
 * says when a line is not what it expects.  Fuzzed by fuzz_procparse.
 */
#ifndef GOCD_PROCPARSE_H
#define GOCD_PROCPARSE_H

#include <stddef.h>
#include <stdint.h>

/* One line of /proc/PID/maps. */
struct procparse_map {
	uint64_t start, end, pgoff;
	unsigned int readable:1, writable:1, executable:1, shared:1;
	unsigned int dev_major, dev_minor;
	unsigned long inode;
	const char *path;	/* into the line, up to its end ("" if none) */
};

/*
 * Parse line (its newline, if any, already removed): 0, or -1 when it is
 * not a maps line (too short, end not above start, bad permissions).
 */
int procparse_maps_line(const char *line, struct procparse_map *out);

/*
 * /proc/PID[/task/TID]/stat: the command name (between the first "(" and
 * the last ")", as the kernel wrote it; cut to commlen - 1 bytes, bytes
 * that are not printable made "?") and the numeric fields after it, from
 * field 3 (state, read as 0) on: fields[k] is proc(5)'s field k + 3.
 * Returns how many fields were read (0 when the line has no ")").
 */
int procparse_stat(const char *buf, char *comm, size_t commlen,
		   unsigned long long *fields, int max);

/*
 * The number after "KEY" at the start of a line of buf, past spaces, tabs
 * and a colon ("voluntary_ctxt_switches:\t12", "se.nr_migrations  :  3"),
 * or 0 when no line starts with KEY.  *found (when not NULL) says which.
 */
uint64_t procparse_value(const char *buf, const char *key, int *found);

/*
 * The "Cpus_allowed:" mask of /proc/.../status ("ff,ffffffff") into
 * nwords 32-bit words (CPUs 0-31 in words[0]); returns 1 when CPUs beyond
 * them were set, 0 otherwise.
 */
int procparse_cpus(const char *status, uint64_t *words, unsigned int nwords);

#endif /* GOCD_PROCPARSE_H */
