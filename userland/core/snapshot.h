/* SPDX-License-Identifier: GPL-2.0 */
/*
 * snapshot.h - an ELF core of a running process, which keeps running
 * (gocap snapshot, gocap goroutines --pid).
 *
 * The process is stopped only while its writable memory is copied:
 *  1. before the stop, the mappings that cannot change while it runs (the
 *     executable's read-only segments: text, rodata, pclntab) are read
 *     into memory, so a slow or hung file system cannot lengthen the stop;
 *     Then, unless SNAPSHOT_NO_PRECOPY, its soft-dirty bits are cleared
 *     (clear_refs 4) and its writable memory is copied while it runs
 *     (soft-dirty pre-copy): into memory within the hold budget (below),
 *     the rest into out_fd itself, past the end the core will have (the
 *     spill), so that the pre-copy is not bounded by memory;
 *  2. every thread is seized and interrupted (PTRACE_SEIZE,
 *     PTRACE_INTERRUPT); threads created meanwhile are caught by listing
 *     /proc/PID/task again until no new one appears;
 *  3. registers are read, /proc/PID/maps is read again (it is now stable),
 *     and the writable and anonymous mappings are copied with
 *     process_vm_readv, only their pages that are present or swapped
 *     (/proc/PID/pagemap), as the kernel's own core writer does, and of
 *     those only the ones soft-dirty since the pre-copy;
 *  4. every thread is let go (PTRACE_DETACH), with the signal it was
 *     about to take, if any, given back;
 *  5. the core is written: notes (NT_PRSTATUS and NT_PRFPREG per thread,
 *     NT_PRPSINFO, NT_AUXV, NT_FILE, and gocoredump's GCD_NT_PROCESS and
 *     GCD_NT_THREADS built from /proc and flagged GCD_PROC_F_SNAPSHOT),
 *     then the segments, sparse: pages that were not present are holes.
 *
 * What the kernel would not dump is not read either: mappings that are not
 * readable, [vvar], [vsyscall], and device files (reading them can have
 * side effects) get a PT_LOAD with no file bytes.  Read-only file mappings
 * other than the executable's are left out the same way (as with the
 * default coredump_filter): their content is in their files.
 *
 * The copy of writable memory happens while the process is stopped; it is
 * kept in memory (faulted in before the stop), up to half of MemAvailable
 * (the hold budget), so that the stop is one copy long, and written out
 * after the process runs again.  The spill's pages that were kept are
 * moved to their places in the core at the end, and the file is cut to
 * the core's size: while a snapshot is taken its file can take up to
 * about twice the core's size on disk.
 */
#ifndef GOCD_SNAPSHOT_H
#define GOCD_SNAPSHOT_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct snapshot_stats {
	unsigned int threads;		/* threads stopped and dumped */
	unsigned int segments;		/* PT_LOADs */
	uint64_t bytes_copied;		/* memory bytes read */
	uint64_t bytes_precopied;	/* of those, read before the stop */
	uint64_t bytes_spilled;		/* of those, held in out_fd (spill) */
	uint64_t pause_ns;		/* first interrupt to last detach */
	uint64_t total_ns;		/* the whole snapshot */
	uint64_t file_size;		/* the core's apparent size */
	unsigned int signals_requeued;	/* pending signals given back */
};

/*
 * Write a core of process pid to out_fd (a regular file, written from
 * offset 0 with pwrite; it is truncated to the core's size).  Returns 0,
 * or -1 with err (errlen bytes) saying what is wrong, in words for the
 * user: no such process, no permission (and Yama's ptrace_scope when it
 * is the reason), a process already traced, ...  On every path the
 * process is left running as it was.
 */
/* flags: */
#define SNAPSHOT_NO_PRECOPY	1u	/* copy writable memory only stopped */

int snapshot_write(pid_t pid, int out_fd, unsigned int flags,
		   struct snapshot_stats *st, char *err, size_t errlen);

#endif /* GOCD_SNAPSHOT_H */
