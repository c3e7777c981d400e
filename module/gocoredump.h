/* SPDX-License-Identifier: GPL-2.0 */
/*
 * gocoredump.h - what the parts of gocoredump.ko share.
 *
 *   main.c       load/unload, the sysfs knobs and counters
 *   hook.c       the ftrace redirections of the kernel's ELF core writer,
 *                how the writers are found, the build-time configuration
 *                checks
 *   exec.c       the sched_process_exec probe: finds the compat (32-bit)
 *                writer, queues new programs for classification
 *   dump.c       one dump from start to end: the policy that picks which
 *                mappings to force, and the per-dump state
 *   filecache.c  "is this file Go?", answered once per inode from the page
 *                cache in a dump, or by a worker outside any dump; the
 *                page-cache residency of forced mappings
 *   note.c       the scheduler-metadata note, its insertion into the core's
 *                PT_NOTE segment, and the RLIMIT_CORE fit
 *   fatal.c      the gotraceback knob: uprobes on Go's fatal path that make
 *                every Go crash behave as under GOTRACEBACK=crash
 *
 * Locking: knobs are single words, read with READ_ONCE() on the dump path
 * and written with WRITE_ONCE().  Counters are atomics.  The per-dump state
 * belongs to the dumping task alone; the list of dumps in flight is read
 * under RCU (by the ftrace handler) and changed under a spinlock.  The file
 * cache has its own mutex, the classification queue a spinlock (it is fed
 * from the exec tracepoint).  The hooks' registrations after load (the
 * compat writer) and unload are serialised by a mutex in hook.c.
 */
#ifndef GOCOREDUMP_H
#define GOCOREDUMP_H

#include <linux/atomic.h>
#include <linux/bits.h>
#include <linux/coredump.h>
#include <linux/list.h>
#include <linux/rcupdate.h>
#include <linux/types.h>

#include "../include/gocoredump/goelf.h"

/* Mapping classes the `force` knob selects. */
#define GCD_FORCE_TEXT		BIT(0)	/* executable file mapping */
#define GCD_FORCE_RODATA	BIT(1)	/* read-only file mapping */
#define GCD_FORCE_DATA		BIT(2)	/* writable private file mapping */
#define GCD_FORCE_ALL		(GCD_FORCE_TEXT | GCD_FORCE_RODATA | \
				 GCD_FORCE_DATA)

enum gcd_scope {
	GCD_SCOPE_GO,		/* only Go ELF files */
	GCD_SCOPE_EXEC,		/* every file the process maps executable */
};

/* The gotraceback knob. */
enum gcd_gotraceback {
	GCD_TB_OFF,		/* the module never writes process memory */
	GCD_TB_CRASH,		/* every Go process crashes as under =crash */
	GCD_TB_CRASH_IF_UNSET,	/* ...unless its environment sets GOTRACEBACK */
};

struct gcd_knobs {
	bool enabled;
	bool note;
	unsigned int force;		/* GCD_FORCE_* */
	enum gcd_scope scope;
	unsigned int max_forced_mb;
	enum gcd_gotraceback gotraceback;
};

struct gcd_stats {
	atomic64_t dumps_seen;
	atomic64_t dumps_go;
	atomic64_t vmas_forced;
	atomic64_t bytes_forced;
	atomic64_t errors;
	atomic64_t notes_written;
	atomic64_t notes_skipped;
	atomic64_t verdicts_missed;	/* a file's verdict not ready in a dump */
	atomic64_t files_classified;	/* verdicts made outside any dump */
	atomic64_t budget_exhausted;	/* dumps that used up their budget */
	atomic64_t vmas_not_resident;	/* forcing dropped: not in page cache */
	atomic64_t rlimit_drops;	/* note or forcing dropped: RLIMIT_CORE */
	atomic64_t probes_placed;	/* fatal-path uprobes registered */
	atomic64_t probes_active;	/* ...and in place now */
	atomic64_t crashes_upgraded;	/* tracebacks raised to "crash" */
	atomic64_t upgrade_errors;	/* no probe, or no upgrade, by error */
};

extern struct gcd_knobs gcd_knobs;
extern struct gcd_stats gcd_stats;

/*
 * Record an error of dump seq: counts it, keeps its text for sysfs
 * last_error ("dump SEQ (pid PID): TEXT") and logs it (rate limited).
 */
__printf(2, 3) void gcd_error(u64 seq, const char *fmt, ...);
/* The same for the gotraceback feature (fatal.c): also upgrade_errors. */
__printf(1, 2) void gcd_upgrade_error(const char *fmt, ...);

/* How an error message ends, by what the module did about it. */
#define GCD_KEPT	"; core left as the kernel made it"
#define GCD_NO_NOTE	"; core written without the note"

/* hook.c */
enum gcd_compat_state {
	GCD_COMPAT_WAITING,	/* no 32-bit ELF program seen since load */
	GCD_COMPAT_HOOKED,	/* compat cores go through the module */
	GCD_COMPAT_FAILED,	/* found, but the hook could not be placed */
	GCD_COMPAT_UNAVAILABLE,	/* no compat ELF, or no exec tracepoint */
};

int gcd_hooks_init(void);
void gcd_hooks_exit(void);
enum gcd_compat_state gcd_compat_state(void);
void gcd_compat_unavailable(void);
const struct linux_binfmt *gcd_native_binfmt(void);
int gcd_hook_compat(const struct linux_binfmt *fmt, pid_t seen_in);
int gcd_call_orig_core_dump(struct coredump_params *cprm, bool compat);
int gcd_call_orig_dump_emit(struct coredump_params *cprm, const void *addr,
			    int nr);
void gcd_call_orig_dump_skip_to(struct coredump_params *cprm,
				unsigned long to);

/* exec.c */
int gcd_exec_init(void);
void gcd_exec_exit(void);
void gcd_exec_queue_running(void);

/* dump.c: entry points of the redirected functions. */
int gcd_core_dump(struct coredump_params *cprm, bool compat);
int gcd_dump_emit(struct coredump_params *cprm, const void *addr, int nr);
void gcd_dump_skip_to(struct coredump_params *cprm, unsigned long to);
/* Is cprm a dump the module has in hand?  Any context (RCU inside). */
bool gcd_dump_owns(const struct coredump_params *cprm);

/* filecache.c */

/*
 * The work one dump may spend on reading files: bytes parsed and time.
 * Once spent (or on a fatal signal, or when the module is going), every
 * further read fails at once, and what was being classified is "not
 * ready".
 */
#define GCD_DUMP_BUDGET_BYTES	(128u << 20)
#define GCD_DUMP_BUDGET_MS	1000
/* How long a dump waits for forced mappings to come into the page cache. */
#define GCD_RESIDENT_WAIT_MS	1000

struct gcd_budget {
	u64 bytes;		/* left */
	u64 deadline_ns;	/* ktime_get_ns() */
	bool spent;
};

void gcd_budget_init(struct gcd_budget *b, u64 bytes, unsigned int ms);

/* Every file is probed for everything the note may want. */
#define GCD_WANT_ALL	(GOELF_WANT_BUILDINFO | GOELF_WANT_ROOTS)

struct gcd_file_facts {
	struct goelf_info info;		/* as goelf_probe() filled it */
	int err;			/* goelf_probe()'s result, not -EIO */
};

/* fatal.c */
/*
 * A file the worker has facts about (made with GOELF_WANT_FATAL), with its
 * version: place its fatal-path probe if it is a Go executable that has
 * none.  Context: the worker, may sleep.
 */
void gcd_fatal_consider(struct file *file, const struct gcd_file_facts *f,
			u32 generation, loff_t size,
			const struct timespec64 *ctime);
/* Has the worker decided about this version of inode?  Any context. */
bool gcd_fatal_known(const struct inode *inode);
/* Was current's traceback upgraded (then forget it)?  Any context. */
bool gcd_fatal_take_mark(const struct mm_struct *mm);
void gcd_fatal_exit(void);

int gcd_filecache_init(void);
void gcd_filecache_exit(void);
/*
 * Facts about file, for a dump: from the cache when its inode has not
 * changed since they were made, else from the page cache now.  Never does
 * I/O, never waits for a page: a page not in the page cache, a spent
 * budget or a fatal signal make the verdict "not ready" (-EAGAIN), which
 * is counted in verdicts_missed and queues the file for classification
 * outside the dump.  Other errors: -EINVAL (not a regular readable file),
 * -ENOMEM.  Context: process, may sleep (mutex, allocations).
 */
int gcd_file_facts(struct file *file, struct gcd_budget *b,
		   struct gcd_file_facts *out);
/*
 * Queue file to be classified outside any dump, on an unbound workqueue
 * (takes its own reference).  Any context; drops the request when the
 * queue is full or the file is already queued.
 */
void gcd_classify_later(struct file *file);
bool gcd_classify_busy(void);
/*
 * Are file pages [first, end) all in the page cache and up to date?  A
 * dump that forces them then reads them without I/O.  No I/O, no sleep.
 */
bool gcd_file_resident(struct file *file, pgoff_t first, pgoff_t end);
/* Ask a worker to read file pages [first, end) ahead.  May sleep. */
void gcd_prefetch(struct file *file, pgoff_t first, pgoff_t end);

/* A mapping whose dump size the policy raised, and what it was. */
struct gcd_forced {
	int idx;			/* in cprm->vma_meta[] */
	unsigned long orig_dump_size;
};

/*
 * One dump, from the redirection of elf_core_dump() to its return.  Owned
 * by the dumping task; found by the dump_emit()/dump_skip_to() replacements
 * through gcd_dump_find(cprm).
 */
struct gcd_dump {
	struct list_head node;		/* on the list of dumps in flight */
	struct rcu_head rcu;
	struct coredump_params *cprm;
	u64 seq;			/* value of dumps_seen for this dump */
	bool compat;			/* the compat (32-bit) writer */
	u64 realtime_ns, boottime_ns;	/* at dump start */
	struct gcd_budget budget;	/* for reading files */

	/* What the policy did (dump.c). */
	struct gcd_forced *forced;	/* forced_vmas of them */
	unsigned int forced_vmas;
	u64 forced_bytes;
	bool force_skipped;		/* forcing abandoned, see last_error */
	bool go;			/* a Go file is mapped */
	struct gcd_file_facts *exe;	/* facts about mm->exe_file, or NULL */
	/* Where the exe is mapped minus its link address (PIE), else 0. */
	u64 load_bias;

	/* The note and the edit of the core's headers (note.c). */
	u8 *note;			/* the ELF note records to insert */
	size_t note_len;		/* a multiple of 4; 0: no note */
	int edit;			/* enum gcd_edit_state, note.c */
	u8 *hdr;			/* ELF header + program headers held back */
	size_t hdr_len, hdr_want, hdr_cap;
	u64 notes_end;			/* end of the kernel's notes (offset) */
	u64 dataoff_old, dataoff_new;	/* where segment data starts */
};

struct gcd_dump *gcd_dump_find(struct coredump_params *cprm);
/*
 * Give the forced mappings back the dump sizes the kernel planned (dump.c),
 * before elf_core_dump() writes their data.
 */
void gcd_unforce(struct gcd_dump *d);

/* note.c */
int gcd_note_prepare(struct gcd_dump *d);
/* Hold back the headers when the note or RLIMIT_CORE asks for it. */
void gcd_edit_prepare(struct gcd_dump *d);
int gcd_note_dump_emit(struct gcd_dump *d, const void *addr, int nr);
void gcd_note_dump_skip_to(struct gcd_dump *d, unsigned long to);
void gcd_note_finish(struct gcd_dump *d);

#endif /* GOCOREDUMP_H */
