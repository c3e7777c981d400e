/* SPDX-License-Identifier: GPL-2.0 */
/*
 * gocoredump.h - what the parts of gocoredump.ko share.
 *
 *   main.c       load/unload, the sysfs knobs and counters
 *   hook.c       the ftrace redirections of the kernel's ELF core writer
 *   dump.c       one dump from start to end: the policy that picks which
 *                mappings to force, and the per-dump state
 *   filecache.c  "is this file Go?", answered from disk once per inode
 *   note.c       the scheduler-metadata note and its insertion into the
 *                core's PT_NOTE segment
 *
 * Locking: knobs are single words, read with READ_ONCE() on the dump path
 * and written with WRITE_ONCE().  Counters are atomics.  The per-dump state
 * belongs to the dumping task alone.
 */
#ifndef GOCOREDUMP_H
#define GOCOREDUMP_H

#include <linux/atomic.h>
#include <linux/bits.h>
#include <linux/coredump.h>
#include <linux/list.h>
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

struct gcd_knobs {
	bool enabled;
	bool note;
	unsigned int force;		/* GCD_FORCE_* */
	enum gcd_scope scope;
	unsigned int max_forced_mb;
};

struct gcd_stats {
	atomic64_t dumps_seen;
	atomic64_t dumps_go;
	atomic64_t vmas_forced;
	atomic64_t bytes_forced;
	atomic64_t errors;
	atomic64_t notes_written;
	atomic64_t notes_skipped;
};

extern struct gcd_knobs gcd_knobs;
extern struct gcd_stats gcd_stats;

/*
 * Record an error of dump seq: counts it, keeps its text for sysfs
 * last_error ("dump SEQ (pid PID): TEXT") and logs it (rate limited).
 */
__printf(2, 3) void gcd_error(u64 seq, const char *fmt, ...);

/* How an error message ends, by what the module did about it. */
#define GCD_KEPT	"; core left as the kernel made it"
#define GCD_NO_NOTE	"; core written without the note"

/* hook.c */
unsigned long gcd_lookup_name(const char *name);
int gcd_hooks_init(void);
void gcd_hooks_exit(void);
int gcd_call_orig_core_dump(struct coredump_params *cprm, bool compat);
int gcd_call_orig_dump_emit(struct coredump_params *cprm, const void *addr,
			    int nr);
void gcd_call_orig_dump_skip_to(struct coredump_params *cprm,
				unsigned long to);

/* dump.c: entry points of the redirected functions. */
int gcd_core_dump(struct coredump_params *cprm, bool compat);
int gcd_dump_emit(struct coredump_params *cprm, const void *addr, int nr);
void gcd_dump_skip_to(struct coredump_params *cprm, unsigned long to);

/* filecache.c */
struct gcd_file_facts {
	struct goelf_info info;		/* as goelf_probe() filled it */
	unsigned int want;		/* GOELF_WANT_* that were asked */
	int err;			/* goelf_probe()'s result */
};

void gcd_filecache_exit(void);
/*
 * Facts about file, from the cache when its inode has not changed since
 * they were read, else from the file itself.  Sleeps (reads the file).
 */
int gcd_file_facts(struct file *file, unsigned int want,
		   struct gcd_file_facts *out);

/*
 * One dump, from the redirection of elf_core_dump() to its return.  Owned
 * by the dumping task; found by the dump_emit()/dump_skip_to() replacements
 * through gcd_dump_find(cprm).
 */
struct gcd_dump {
	struct list_head node;		/* on the list of dumps in flight */
	struct coredump_params *cprm;
	u64 seq;			/* value of dumps_seen for this dump */
	bool compat;			/* the compat (32-bit) writer */
	u64 realtime_ns, boottime_ns;	/* at dump start */

	/* What the policy did (dump.c). */
	unsigned int forced_vmas;
	u64 forced_bytes;
	bool force_skipped;		/* forcing abandoned, see last_error */
	bool go;			/* a Go file is mapped */
	struct gcd_file_facts *exe;	/* facts about mm->exe_file, or NULL */
	/* Where the exe is mapped minus its link address (PIE), else 0. */
	u64 load_bias;

	/* The note and the edit of the core's headers (note.c). */
	u8 *note;			/* the ELF note records to insert */
	size_t note_len;		/* a multiple of 4 */
	int edit;			/* enum gcd_edit_state, note.c */
	u8 *hdr;			/* ELF header + program headers held back */
	size_t hdr_len, hdr_want, hdr_cap;
	u64 notes_end;			/* end of the kernel's notes (offset) */
	u64 dataoff_old, dataoff_new;	/* where segment data starts */
};

struct gcd_dump *gcd_dump_find(struct coredump_params *cprm);

/* note.c */
void gcd_note_init(void);
int gcd_note_prepare(struct gcd_dump *d);
int gcd_note_dump_emit(struct gcd_dump *d, const void *addr, int nr);
void gcd_note_dump_skip_to(struct gcd_dump *d, unsigned long to);
void gcd_note_finish(struct gcd_dump *d);

#endif /* GOCOREDUMP_H */
