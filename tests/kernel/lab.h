/* SPDX-License-Identifier: GPL-2.0 */
/*
 * lab.h - what the kernel tests share inside the lab's guest: running and
 * crashing programs, finding their cores, the module's sysfs files, and
 * comparing a core's segments with the files mapped into the process.
 *
 * The guest is a throwaway VM: tests are root there and change global state
 * (core_pattern, the module, sysctls) freely, restoring what later tests
 * rely on.
 */
#ifndef GCD_LAB_H
#define GCD_LAB_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "core/elfcore.h"

/*
 * The harness's 30 s per test is too short for a TCG guest on a busy
 * host: a test may crash a dozen Go programs.
 */
#ifdef TEST_TIMEOUT_DEFAULT
#undef TEST_TIMEOUT_DEFAULT
#define TEST_TIMEOUT_DEFAULT 600
#endif

#define LAB_CORES	"/tmp/cores"
#define LAB_SYSFS	"/sys/kernel/gocoredump"
#define LAB_MODULE	"/gcd/gocoredump.ko"

/* A process run by lab_run(). */
struct lab_proc {
	pid_t pid;
	int status;		/* as from waitpid() */
	char out[16384];	/* its stdout */
	size_t out_len;
	char core[256];		/* path of its core, "" if none appeared */
};

struct lab_run_opts {
	unsigned int filter;	/* coredump_filter to set (default 0x33) */
	int filter_set;		/* use .filter (else 0x33) */
	long core_limit;	/* RLIMIT_CORE, -1 for unlimited (default) */
	int core_limit_set;
	int signal_after_ready;	/* send this signal once "ready" printed */
	const char *env[8];	/* extra environment, NULL-terminated */
	uid_t uid;		/* run as this uid when nonzero */
	/*
	 * GOTRACEBACK: "crash" unless gotraceback gives another value, or
	 * no_gotraceback leaves it out of the environment altogether (the
	 * runtime's default, what gocoredump's gotraceback knob is for).
	 */
	const char *gotraceback;
	int no_gotraceback;
	/* stderr to this file (created or truncated), else /dev/null */
	const char *err_path;
};

/*
 * Run argv[0] with argv, GOTRACEBACK=crash (unless the options say
 * otherwise), the options applied, stdout captured; wait for it to end and
 * for its core to appear in LAB_CORES (core_pattern LAB_CORES/core.%p).
 * Returns 0 when the process died of a signal, -1 otherwise.
 */
int lab_run(struct lab_proc *p, char *const argv[],
	    const struct lab_run_opts *o);

/* Start without waiting (stdout to a pipe); lab_wait() collects it. */
int lab_start(struct lab_proc *p, char *const argv[],
	      const struct lab_run_opts *o, int *out_fd);
int lab_wait_ready(struct lab_proc *p, int fd, int timeout_ms);
int lab_wait(struct lab_proc *p, int fd);

/*
 * lab_run() and open the core the process left.  Returns 0, or -1 with
 * why saying what went wrong (it did not die of a signal, left no core,
 * the core is not a readable ELF core).
 */
int lab_crash(struct lab_proc *p, char *const argv[],
	      const struct lab_run_opts *o, struct elfcore *c, char *why,
	      size_t why_len);

/*
 * In a kselftest test: lab_crash(), logging why on failure; the value is
 * lab_crash()'s.
 */
#define LAB_CRASH(p, argv, o, c) ({					\
	char why_[512];							\
	int r_ = lab_crash(p, argv, o, c, why_, sizeof(why_));		\
	EXPECT_EQ(0, r_) {						\
		TH_LOG("%s", why_);					\
	}								\
	r_;								\
})

/*
 * The core that the corecat pipe helper wrote for pid: wait (up to a
 * minute) for it to finish, open it.  path receives its name.  Returns 0,
 * or -1 (c->problem says why, or path names a core that never finished).
 */
int lab_piped_core(pid_t pid, struct elfcore *c, char *path, size_t len);

/* The lab's Go test programs (scripts/lab.sh), for FIXTURE_VARIANT lists. */
#define LAB_GO_PROGRAMS(X)						\
	X(go1_19_static, "1.19-static") X(go1_19_pie, "1.19-pie")	\
	X(go1_19_cgo, "1.19-cgo") X(go1_19_386, "1.19-386")		\
	X(go1_22_static, "1.22-static") X(go1_22_pie, "1.22-pie")	\
	X(go1_22_cgo, "1.22-cgo") X(go1_22_386, "1.22-386")		\
	X(go1_23_static, "1.23-static") X(go1_23_pie, "1.23-pie")	\
	X(go1_23_cgo, "1.23-cgo") X(go1_23_386, "1.23-386")		\
	X(go1_24_static, "1.24-static") X(go1_24_pie, "1.24-pie")	\
	X(go1_24_cgo, "1.24-cgo") X(go1_24_386, "1.24-386")		\
	X(go1_27_static, "1.27-static") X(go1_27_pie, "1.27-pie")	\
	X(go1_27_cgo, "1.27-cgo") X(go1_27_386, "1.27-386")

/* Value of "key=" in a program's output, or NULL. */
const char *lab_out_value(const struct lab_proc *p, const char *key,
			  char *buf, size_t len);

/* core_pattern, and the core directory, fresh. */
int lab_set_core_pattern(const char *pattern);
void lab_clean_cores(void);

/*
 * Module.  lab_module_load() also has a 32-bit program run once and waits
 * (up to 10 s) for sysfs compat_hook to say "hooked": the module finds the
 * compat writer that way (exec.c).  lab_module_load_only() just loads;
 * lab_module_load_params() just loads with module parameters ("a=1 b=2").
 */
int lab_module_load(void);	/* 0, or -errno */
int lab_module_load_only(void);	/* 0, or -errno */
int lab_module_load_params(const char *params);	/* 0, or -errno */
int lab_compat_hooked(void);	/* run a 32-bit program; 0 once hooked */
int lab_module_unload(void);	/* 0, or -errno */
int lab_module_loaded(void);

/* sysfs: read a knob/counter; write one (returns 0 or -errno). */
int lab_knob_read(const char *name, char *buf, size_t len);
long long lab_counter(const char *name);
int lab_knob_write(const char *name, const char *value);
/* Put every knob back to its documented default. */
void lab_knobs_default(void);

/* Core checks */

/* The NT_FILE mappings of path in the core. */
struct lab_mapping {
	uint64_t start, end, file_off;
	const struct elfcore_seg *seg;	/* the PT_LOAD for start, or NULL */
};
int lab_file_mappings(const struct elfcore *c, const char *path,
		      struct lab_mapping *out, int max);

/*
 * Check that every text and rodata mapping of path in the core is dumped in
 * full and holds the file's bytes (RELRO ranges excepted).  Returns 0, or
 * -1 with why[] saying what differs.
 */
int lab_check_forced(const struct elfcore *c, const char *path,
		     char *why, size_t why_len);
/*
 * The same, but up to max_bp text bytes may be int3 (0xcc) where the file
 * has something else: the breakpoints of uprobes on the file (the
 * gotraceback knob's probe on runtime.startpanic_m), which a process's
 * memory, and so its core, holds.  Returns how many were found, or -1.
 */
int lab_check_forced_bp(const struct elfcore *c, const char *path,
			int max_bp, char *why, size_t why_len);

/* Address ranges [lo, hi) of a process (its vDSO data pages, say). */
struct lab_ranges {
	uint64_t lo[4], hi[4];
	int n;
};
int lab_in_ranges(const struct lab_ranges *r, uint64_t addr);

/*
 * Bytes of the core's segment data, by segment, equal between two cores;
 * the data of a segment that starts in skip (NULL: none) is not compared,
 * its header is.
 */
int lab_segments_equal(const struct elfcore *a, const struct elfcore *b,
		       const struct lab_ranges *skip, char *why,
		       size_t why_len);

/* Copy a file keeping holes (SEEK_DATA/SEEK_HOLE), for exporting cores. */
int lab_sparse_copy(const char *from, const char *to);

/* Read a whole file (NUL-terminated) into a malloc'd buffer. */
char *lab_read_file(const char *path, size_t *len);
int lab_write_file(const char *path, const char *s);

/* Kernel log since boot contains no oops, WARN or BUG. */
int lab_dmesg_clean(char *why, size_t why_len);

#endif /* GCD_LAB_H */
