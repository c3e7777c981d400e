/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * gocoredump.h - the ELF note that gocoredump.ko writes into a core file.
 *
 * This header is the single definition of the format, shared by the kernel
 * module (which writes it) and the userland decoder (which reads it).  The
 * prose specification is Documentation/note-format.rst; keep the two in step.
 *
 * Rules of the format:
 *  - Every field is little-endian and of fixed width, whatever the
 *    architecture or the ELF class of the core.
 *  - No field holds a kernel address.
 *  - Each descriptor starts with a header that states its version and the
 *    size of its records.  A reader uses min(record size, what it knows)
 *    and skips the rest, so fields may be appended in later versions
 *    without breaking old readers.  Fields are never moved or removed.
 *  - Optional fields come with a presence bit; absent fields are zero.
 *  - No 8-byte-aligned word of a descriptor can fall in the kernel's half of
 *    the address space (a test scans for that): signed 32-bit fields sit in
 *    the low half of their word, next to a small unsigned one; strings are
 *    printable ASCII; the CPU mask uses only the low 32 bits of each word.
 *
 * The notes live in the core's PT_NOTE segment, after the kernel's own
 * notes, under the owner name GCD_NOTE_NAME.
 */
#ifndef _UAPI_GOCOREDUMP_H
#define _UAPI_GOCOREDUMP_H

#include <linux/types.h>

/* Owner name of every gocoredump note (n_namesz = 11, NUL included). */
#define GCD_NOTE_NAME		"GOCOREDUMP"

/* Note types ("GC" in the top half, so they stand out in a hex dump). */
#define GCD_NT_PROCESS		0x47430001	/* struct gcd_note_process */
#define GCD_NT_THREADS		0x47430002	/* gcd_note_threads_hdr + records */

#define GCD_NOTE_VERSION	1

/* Sizes of the fixed string fields (NUL padded, NUL terminated). */
#define GCD_RELEASE_LEN		65	/* __NEW_UTS_LEN + 1 */
#define GCD_GOVERSION_LEN	48
#define GCD_GOMODULE_LEN	256
#define GCD_VCSREV_LEN		72	/* sha256 in hex is 64 */
#define GCD_COMM_LEN		16	/* TASK_COMM_LEN */
#define GCD_CPUMASK_WORDS	16	/* 32 CPUs per 64-bit word: 512 CPUs */

/* struct gcd_note_process.flags */
#define GCD_PROC_F_GO		(1u << 0) /* executable is a Go binary */
#define GCD_PROC_F_BUILDINFO	(1u << 1) /* go_version/go_module valid */
#define GCD_PROC_F_VCSREV	(1u << 2) /* vcs_revision valid */
#define GCD_PROC_F_SYMTAB	(1u << 3) /* executable has a symbol table */
#define GCD_PROC_F_PIE		(1u << 4) /* load_bias applied (ET_DYN) */
#define GCD_PROC_F_COMPAT	(1u << 5) /* 32-bit process (compat writer) */
#define GCD_PROC_F_FORCE_SKIPPED (1u << 6) /* forcing abandoned (see sysfs last_error) */
/*
 * The dump was in a pid namespace other than the initial one: pid, tgid
 * and every thread's tid (the initial namespace's numbers) are 0; the ns_
 * fields hold the process's own.
 */
#define GCD_PROC_F_PIDNS	(1u << 7)
/*
 * The process ran without GOTRACEBACK=crash; at its fatal error the module
 * (sysfs gotraceback) raised its traceback setting to "crash", which made
 * the runtime print every goroutine and abort with this core.
 */
#define GCD_PROC_F_TB_UPGRADED	(1u << 8)
/*
 * Not a crash: gocap snapshot wrote this core of a running process and
 * built these notes from /proc (signo 0; seq, roots and the forced_*
 * fields are 0; the thread records hold what /proc/PID/task shows).
 */
#define GCD_PROC_F_SNAPSHOT	(1u << 9)

/* Indices into struct gcd_note_process.roots[]. */
enum gcd_root {
	GCD_ROOT_ALLGS,			/* runtime.allgs */
	GCD_ROOT_ALLGLEN,		/* runtime.allglen */
	GCD_ROOT_ALLM,			/* runtime.allm */
	GCD_ROOT_ALLP,			/* runtime.allp */
	GCD_ROOT_SCHED,			/* runtime.sched */
	GCD_ROOT_FIRSTMODULEDATA,	/* runtime.firstmoduledata */
	GCD_ROOT_BUILDVERSION,		/* runtime.buildVersion */
	GCD_ROOT_COUNT
};

/*
 * GCD_NT_PROCESS: one per core.  Process-wide facts at the moment the dump
 * started.
 */
struct gcd_note_process {
	__le16 version;		/* GCD_NOTE_VERSION */
	__le16 record_size;	/* bytes of this record as written */
	__le32 flags;		/* GCD_PROC_F_* */
	__le64 seq;		/* dump sequence number (sysfs dumps_seen) */
	__le64 realtime_ns;	/* CLOCK_REALTIME at dump start */
	__le64 boottime_ns;	/* CLOCK_BOOTTIME at dump start */
	__le32 si_code;		/* si_code of that signal (a signed value) */
	__le32 signo;		/* signal that caused the dump */
	__le32 pid;		/* dumping thread, init pid namespace (or 0) */
	__le32 tgid;
	__le32 ns_pid;		/* the same, in the process's pid namespace */
	__le32 ns_tgid;
	__le32 coredump_filter;	/* the process's /proc/PID/coredump_filter */
	/*
	 * What was dumped: coredump_filter, plus bit 2 (file-backed private)
	 * when the module forced such a mapping.
	 */
	__le32 effective_filter;
	__le32 nr_threads;	/* records in GCD_NT_THREADS */
	__le32 forced_vmas;	/* mappings whose dump size the module raised */
	__le64 forced_bytes;	/* bytes added to the core by that */
	__le64 load_bias;	/* executable's load bias (PIE), else 0 */
	__le32 roots_present;	/* bit i set: roots[i] is valid */
	__le32 reserved0;
	__le64 roots[GCD_ROOT_COUNT];	/* user addresses, bias applied */
	char release[GCD_RELEASE_LEN];	/* utsname()->release */
	char go_version[GCD_GOVERSION_LEN];	/* "go1.22.12" */
	char go_module[GCD_GOMODULE_LEN];	/* main module path */
	char vcs_revision[GCD_VCSREV_LEN];	/* vcs.revision build setting */
	char reserved1[7];	/* pads the record to a multiple of 8 */
};

/* struct gcd_note_thread.flags */
#define GCD_THR_F_SIGNALLED	(1u << 0) /* took the signal that dumps */
#define GCD_THR_F_SCHEDSTATS	(1u << 1) /* wait/sleep/block/iowait valid */
#define GCD_THR_F_CPUMASK_TRUNC	(1u << 2) /* more CPUs than cpus_allowed */
#define GCD_THR_F_SCHED_INFO	(1u << 3) /* run_delay/pcount valid */

/*
 * GCD_NT_THREADS: a header, then `count` records of `record_size` bytes,
 * in the order of the core's NT_PRSTATUS notes.
 */
struct gcd_note_threads_hdr {
	__le16 version;		/* GCD_NOTE_VERSION */
	__le16 header_size;	/* bytes of this header as written */
	__le16 record_size;	/* bytes of each record as written */
	__le16 reserved;
	__le32 count;		/* number of records */
	__le32 reserved2;
};

struct gcd_note_thread {
	__le32 tid;		/* init pid namespace (0: GCD_PROC_F_PIDNS) */
	__le32 ns_tid;		/* the process's pid namespace */
	__le32 flags;		/* GCD_THR_F_* */
	__le32 policy;		/* SCHED_NORMAL, SCHED_BATCH, ... */
	__le32 prio;		/* kernel prio: 0..139 */
	__le32 static_prio;
	__le32 normal_prio;
	__le32 rt_priority;
	__le32 nice;		/* a signed value, -20..19 */
	__le32 last_cpu;	/* CPU it last ran on */
	__le32 nr_cpus_allowed;
	char comm[GCD_COMM_LEN];	/* printable ASCII, NUL padded */
	__le32 reserved0;
	/* CPUs 32i..32i+31 in the low half of word i; the high half is 0. */
	__le64 cpus_allowed[GCD_CPUMASK_WORDS];
	__le64 utime_ns;	/* as /proc/PID/task/TID/stat (adjusted) */
	__le64 stime_ns;
	__le64 sum_exec_runtime_ns;
	__le64 nvcsw;		/* voluntary context switches */
	__le64 nivcsw;		/* involuntary context switches */
	__le64 nr_migrations;
	__le64 run_delay_ns;	/* sched_info: time waiting on a runqueue */
	__le64 pcount;		/* sched_info: times run on a CPU */
	__le64 wait_sum_ns;	/* schedstats (GCD_THR_F_SCHEDSTATS) */
	__le64 sleep_sum_ns;
	__le64 block_sum_ns;
	__le64 iowait_sum_ns;
	__le64 iowait_count;
	__le64 start_time_ns;	/* CLOCK_MONOTONIC at thread creation */
	__le64 start_boottime_ns; /* CLOCK_BOOTTIME at thread creation */
	__le64 min_flt;
	__le64 maj_flt;
};

/*
 * The layout Documentation/note-format.rst promises, checked by every
 * compiler that reads this header (the module's and userland's): a field
 * that moves or a record that changes size is a build error, not a
 * silently incompatible note.  tests/lint/check-docs.sh checks the
 * document's tables against the same offsets.
 */
#define GCD_NOTE_LAYOUT(type, field, off)				\
	_Static_assert(__builtin_offsetof(struct type, field) == (off),	\
		       #type "." #field " must be at offset " #off)

_Static_assert(sizeof(struct gcd_note_process) == 600,
	       "struct gcd_note_process is 600 bytes in version 1");
GCD_NOTE_LAYOUT(gcd_note_process, version, 0);
GCD_NOTE_LAYOUT(gcd_note_process, record_size, 2);
GCD_NOTE_LAYOUT(gcd_note_process, flags, 4);
GCD_NOTE_LAYOUT(gcd_note_process, seq, 8);
GCD_NOTE_LAYOUT(gcd_note_process, realtime_ns, 16);
GCD_NOTE_LAYOUT(gcd_note_process, boottime_ns, 24);
GCD_NOTE_LAYOUT(gcd_note_process, si_code, 32);
GCD_NOTE_LAYOUT(gcd_note_process, signo, 36);
GCD_NOTE_LAYOUT(gcd_note_process, pid, 40);
GCD_NOTE_LAYOUT(gcd_note_process, tgid, 44);
GCD_NOTE_LAYOUT(gcd_note_process, ns_pid, 48);
GCD_NOTE_LAYOUT(gcd_note_process, ns_tgid, 52);
GCD_NOTE_LAYOUT(gcd_note_process, coredump_filter, 56);
GCD_NOTE_LAYOUT(gcd_note_process, effective_filter, 60);
GCD_NOTE_LAYOUT(gcd_note_process, nr_threads, 64);
GCD_NOTE_LAYOUT(gcd_note_process, forced_vmas, 68);
GCD_NOTE_LAYOUT(gcd_note_process, forced_bytes, 72);
GCD_NOTE_LAYOUT(gcd_note_process, load_bias, 80);
GCD_NOTE_LAYOUT(gcd_note_process, roots_present, 88);
GCD_NOTE_LAYOUT(gcd_note_process, roots, 96);
GCD_NOTE_LAYOUT(gcd_note_process, release, 152);
GCD_NOTE_LAYOUT(gcd_note_process, go_version, 217);
GCD_NOTE_LAYOUT(gcd_note_process, go_module, 265);
GCD_NOTE_LAYOUT(gcd_note_process, vcs_revision, 521);

_Static_assert(sizeof(struct gcd_note_threads_hdr) == 16,
	       "struct gcd_note_threads_hdr is 16 bytes in version 1");
GCD_NOTE_LAYOUT(gcd_note_threads_hdr, version, 0);
GCD_NOTE_LAYOUT(gcd_note_threads_hdr, header_size, 2);
GCD_NOTE_LAYOUT(gcd_note_threads_hdr, record_size, 4);
GCD_NOTE_LAYOUT(gcd_note_threads_hdr, count, 8);

_Static_assert(sizeof(struct gcd_note_thread) == 328,
	       "struct gcd_note_thread is 328 bytes in version 1");
GCD_NOTE_LAYOUT(gcd_note_thread, tid, 0);
GCD_NOTE_LAYOUT(gcd_note_thread, ns_tid, 4);
GCD_NOTE_LAYOUT(gcd_note_thread, flags, 8);
GCD_NOTE_LAYOUT(gcd_note_thread, policy, 12);
GCD_NOTE_LAYOUT(gcd_note_thread, prio, 16);
GCD_NOTE_LAYOUT(gcd_note_thread, static_prio, 20);
GCD_NOTE_LAYOUT(gcd_note_thread, normal_prio, 24);
GCD_NOTE_LAYOUT(gcd_note_thread, rt_priority, 28);
GCD_NOTE_LAYOUT(gcd_note_thread, nice, 32);
GCD_NOTE_LAYOUT(gcd_note_thread, last_cpu, 36);
GCD_NOTE_LAYOUT(gcd_note_thread, nr_cpus_allowed, 40);
GCD_NOTE_LAYOUT(gcd_note_thread, comm, 44);
GCD_NOTE_LAYOUT(gcd_note_thread, cpus_allowed, 64);
GCD_NOTE_LAYOUT(gcd_note_thread, utime_ns, 192);
GCD_NOTE_LAYOUT(gcd_note_thread, stime_ns, 200);
GCD_NOTE_LAYOUT(gcd_note_thread, sum_exec_runtime_ns, 208);
GCD_NOTE_LAYOUT(gcd_note_thread, nvcsw, 216);
GCD_NOTE_LAYOUT(gcd_note_thread, nivcsw, 224);
GCD_NOTE_LAYOUT(gcd_note_thread, nr_migrations, 232);
GCD_NOTE_LAYOUT(gcd_note_thread, run_delay_ns, 240);
GCD_NOTE_LAYOUT(gcd_note_thread, pcount, 248);
GCD_NOTE_LAYOUT(gcd_note_thread, wait_sum_ns, 256);
GCD_NOTE_LAYOUT(gcd_note_thread, sleep_sum_ns, 264);
GCD_NOTE_LAYOUT(gcd_note_thread, block_sum_ns, 272);
GCD_NOTE_LAYOUT(gcd_note_thread, iowait_sum_ns, 280);
GCD_NOTE_LAYOUT(gcd_note_thread, iowait_count, 288);
GCD_NOTE_LAYOUT(gcd_note_thread, start_time_ns, 296);
GCD_NOTE_LAYOUT(gcd_note_thread, start_boottime_ns, 304);
GCD_NOTE_LAYOUT(gcd_note_thread, min_flt, 312);
GCD_NOTE_LAYOUT(gcd_note_thread, maj_flt, 320);

#endif /* _UAPI_GOCOREDUMP_H */
