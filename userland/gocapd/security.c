// SPDX-License-Identifier: GPL-2.0
/*
 * security.c - privilege reduction for the daemon, the pipe helper and
 * the parser child.
 *
 * The store is owned by root, so writing it needs uid 0 and no
 * capability at all; reading /proc/PID of another user (socket mode,
 * where the daemon reads it itself) needs CAP_SYS_PTRACE and
 * CAP_DAC_READ_SEARCH.  Everything else goes, and the system calls left
 * are an allow-list (seccomp-bpf, written out here: no library).
 */
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <sys/capability.h>
#include <sys/prctl.h>
#include <sys/syscall.h>

#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>

#include "gocapd/security.h"

int sec_nondumpable(void)
{
	return prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0 ? -errno : 0;
}

int sec_drop_caps(int keep_proc)
{
	static const cap_value_t keep[] = { CAP_SYS_PTRACE,
					    CAP_DAC_READ_SEARCH };
	int n = keep_proc ? 2 : 0, err = 0;
	cap_t caps;

	/* Bounding set first: dropping from it needs CAP_SETPCAP. */
	for (cap_value_t c = 0; c <= CAP_LAST_CAP; c++) {
		if (n && (c == keep[0] || c == keep[1]))
			continue;
		if (prctl(PR_CAPBSET_DROP, c, 0, 0, 0) < 0 && errno != EINVAL &&
		    errno != EPERM)
			err = -errno;
	}
	caps = cap_init();
	if (!caps)
		return -ENOMEM;
	if (n && (cap_set_flag(caps, CAP_PERMITTED, n, keep, CAP_SET) ||
		  cap_set_flag(caps, CAP_EFFECTIVE, n, keep, CAP_SET)))
		err = -EINVAL;
	if (!err && cap_set_proc(caps) < 0)
		err = -errno;
	cap_free(caps);
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 && !err)
		err = -errno;
	return err;
}

#if defined(__x86_64__)
#define SEC_ARCH	AUDIT_ARCH_X86_64
#elif defined(__aarch64__)
#define SEC_ARCH	AUDIT_ARCH_AARCH64
#endif

/* What every gocapd process calls: files, memory, time, threads. */
static const int common_calls[] = {
	SYS_read, SYS_write, SYS_pread64, SYS_pwrite64, SYS_readv, SYS_writev,
	SYS_preadv, SYS_pwritev, SYS_close, SYS_fstat, SYS_newfstatat,
	SYS_statx, SYS_lseek, SYS_mmap, SYS_munmap, SYS_mprotect,
	SYS_madvise, SYS_mremap, SYS_brk, SYS_openat, SYS_openat2,
	SYS_fcntl, SYS_flock, SYS_fsync, SYS_fdatasync, SYS_ftruncate,
	SYS_fallocate, SYS_renameat, SYS_renameat2, SYS_linkat, SYS_unlinkat,
	SYS_mkdirat, SYS_fchmod, SYS_fsetxattr, SYS_fgetxattr,
	SYS_getdents64, SYS_getpid, SYS_gettid, SYS_getuid, SYS_geteuid,
	SYS_getgid, SYS_getegid, SYS_getppid, SYS_getrandom,
	SYS_clock_gettime, SYS_clock_getres, SYS_gettimeofday,
	SYS_nanosleep, SYS_clock_nanosleep, SYS_futex, SYS_set_robust_list,
	SYS_rseq, SYS_sched_yield, SYS_sched_getaffinity, SYS_clone,
	SYS_clone3, SYS_wait4, SYS_waitid, SYS_kill, SYS_tgkill, SYS_exit,
	SYS_exit_group, SYS_rt_sigaction, SYS_rt_sigprocmask,
	SYS_rt_sigreturn, SYS_sigaltstack, SYS_restart_syscall,
	SYS_io_uring_enter, SYS_io_uring_register, SYS_accept4,
	SYS_recvmsg, SYS_sendmsg, SYS_recvfrom, SYS_sendto, SYS_getsockopt,
	SYS_setsockopt, SYS_shutdown, SYS_ppoll, SYS_pselect6, SYS_prctl,
	SYS_seccomp, SYS_prlimit64, SYS_uname, SYS_sysinfo, SYS_fstatfs,
	SYS_statfs, SYS_pipe2, SYS_dup, SYS_dup3, SYS_readlinkat,
	SYS_faccessat, SYS_faccessat2, SYS_umask, SYS_getcwd, SYS_capget,
	SYS_capset, SYS_pidfd_send_signal, SYS_close_range, SYS_getresuid,
	SYS_getresgid, SYS_madvise, SYS_membarrier,
#ifdef SYS_poll
	SYS_poll, SYS_open, SYS_stat, SYS_lstat, SYS_access, SYS_rename,
	SYS_unlink, SYS_link, SYS_mkdir, SYS_readlink, SYS_pipe, SYS_dup2,
	SYS_select, SYS_fork, SYS_vfork, SYS_time, SYS_getrlimit,
	SYS_arch_prctl,
#endif
};

/* The helper also connects to the daemon and hands its context over. */
static const int helper_calls[] = {
	SYS_socket, SYS_connect, SYS_memfd_create, SYS_socketpair,
	SYS_io_uring_setup,
};

/* The parser child: its inputs are open, its answer goes to a pipe. */
static const int parser_calls[] = {
	SYS_read, SYS_write, SYS_pread64, SYS_pwrite64, SYS_lseek,
	SYS_mmap, SYS_munmap, SYS_mremap, SYS_mprotect, SYS_brk,
	SYS_madvise, SYS_fstat, SYS_newfstatat, SYS_close, SYS_fsync,
	SYS_ftruncate, SYS_futex, SYS_getrandom, SYS_clock_gettime,
	SYS_rt_sigreturn, SYS_exit, SYS_exit_group, SYS_getpid,
};

#define LIST(a)	(a), sizeof(a) / sizeof((a)[0])

static int add_list(struct sock_filter *f, size_t *n, const int *calls,
		    size_t ncalls)
{
	for (size_t i = 0; i < ncalls; i++) {
		f[(*n)++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ |
							 BPF_K,
							 (unsigned int)calls[i],
							 0, 1);
		f[(*n)++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K,
							 SECCOMP_RET_ALLOW);
	}
	return 0;
}

int sec_seccomp(enum sec_profile p)
{
#ifdef SEC_ARCH
	size_t max = 2 * (sizeof(common_calls) + sizeof(helper_calls) +
			  sizeof(parser_calls)) / sizeof(int) + 16, n = 0;
	struct sock_filter *f = calloc(max, sizeof(*f));
	struct sock_fprog prog;
	int err = 0;

	if (!f)
		return -ENOMEM;
	/* Another architecture's calls (x32 too) have other numbers. */
	f[n++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
		offsetof(struct seccomp_data, arch));
	f[n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K,
					      SEC_ARCH, 1, 0);
	f[n++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K,
					      SECCOMP_RET_KILL_PROCESS);
	f[n++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
		offsetof(struct seccomp_data, nr));
#ifdef __X32_SYSCALL_BIT
	f[n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JGE | BPF_K,
					      __X32_SYSCALL_BIT, 0, 1);
	f[n++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K,
					      SECCOMP_RET_KILL_PROCESS);
#endif
	if (p == SEC_PARSER) {
		add_list(f, &n, LIST(parser_calls));
		f[n++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K,
						      SECCOMP_RET_KILL_PROCESS);
	} else {
		add_list(f, &n, LIST(common_calls));
		if (p == SEC_HELPER)
			add_list(f, &n, LIST(helper_calls));
		f[n++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K,
						      SECCOMP_RET_ERRNO | EPERM);
	}
	prog.len = (unsigned short)n;
	prog.filter = f;
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 ||
	    prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog) < 0)
		err = -errno;
	free(f);
	return err;
#else
	(void)p;
	return -ENOSYS;
#endif
}
