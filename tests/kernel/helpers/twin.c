// SPDX-License-Identifier: GPL-2.0
/*
 * twin - identical crashing processes, for comparing cores byte for byte:
 *
 *   twin    print "ready pid=N", then for each byte read from stdin fork
 *           a child that dereferences NULL at once, wait for it (its dump
 *           included) and print "crashed"; exit at end of input
 *
 * Run it with GLIBC_TUNABLES=glibc.pthread.rseq=0: the kernel writes the
 * CPU number into a registered rseq area whenever a thread returns to user
 * space, which would make the twins differ.
 *
 * Every child is a copy of the parent at the same instruction, with the
 * same registers and memory: the parent's loop makes no call and writes
 * no memory between forks (raw fork, wait4, read and write system calls
 * from inline assembly; no CLONE_CHILD_SETTID, so not even the thread
 * pointer's tid is written; wait4 without a status pointer), and the stdin
 * byte lands in the same place each time.  Their
 * cores then differ only in what the kernel says about them: pids and
 * times in the notes.
 */
#include <stdio.h>
#include <unistd.h>

static long sys3(long nr, long a, long b, long c)
{
	long ret;

	asm volatile ("syscall"
		      : "=a" (ret)
		      : "a" (nr), "D" (a), "S" (b), "d" (c)
		      : "rcx", "r11", "memory");
	return ret;
}

int main(void)
{
	static const char done[] = "crashed\n";
	static char byte;

	setvbuf(stdout, NULL, _IONBF, 0);
	printf("ready pid=%d\n", getpid());
	for (;;) {
		long r;

		asm volatile ("syscall"
			      : "=a" (r)
			      : "a" (0L), "D" (0L), "S" (&byte), "d" (1L)
			      : "rcx", "r11", "memory");
		if (r != 1)
			break;
		asm volatile ("syscall"
			      : "=a" (r)
			      : "a" (57L)	/* fork */
			      : "rcx", "r11", "memory");
		if (r == 0)
			*(volatile int *)0 = 0;
		asm volatile ("mov $0, %%r10\n\tsyscall"
			      : "=a" (r)
			      : "a" (61L), "D" (-1L), "S" (0L), "d" (0L)
			      : "rcx", "r10", "r11", "memory");	/* wait4 */
		asm volatile ("syscall"
			      : "=a" (r)
			      : "a" (1L), "D" (1L), "S" (done), "d" (8L)
			      : "rcx", "r11", "memory");	/* write */
	}
	return (int)sys3(231, 0, 0, 0);	/* exit_group */
}
