// SPDX-License-Identifier: GPL-2.0
/*
 * ccrash - a C program (not Go) for the kernel tests: dynamically linked,
 * so its core also maps the C library.
 *
 *   ccrash segv       print "ready", dereference NULL
 *   ccrash abort [N]  start N threads (default 0) that block, print "ready",
 *                     wait for a signal
 *   ccrash vmas N     create N separate mappings, then fault
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

static volatile int *nowhere;

static void *block(void *arg)
{
	for (;;)
		pause();
	return arg;
}

static void fault(void)
{
	*nowhere = 1;
}

int main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "segv";

	setvbuf(stdout, NULL, _IONBF, 0);
	if (!strcmp(mode, "segv")) {
		printf("ready pid=%d\n", getpid());
		fault();
	} else if (!strcmp(mode, "abort")) {
		int i, n = argc > 2 ? atoi(argv[2]) : 0;
		pthread_t t;

		for (i = 0; i < n; i++)
			if (pthread_create(&t, NULL, block, NULL))
				return 4;
		printf("ready pid=%d threads=%d\n", getpid(), n);
		for (;;)
			pause();
	} else if (!strcmp(mode, "vmas")) {
		long n = argc > 2 ? atol(argv[2]) : 70000, i;
		long pg = sysconf(_SC_PAGESIZE);
		char *base = mmap(NULL, (size_t)(2 * n) * pg, PROT_READ,
				  MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE,
				  -1, 0);

		if (base == MAP_FAILED)
			return 1;
		/* Alternate protections so that no two neighbours merge. */
		for (i = 0; i < n; i++)
			if (mprotect(base + 2 * i * pg, pg,
				     PROT_READ | PROT_WRITE))
				return 2;
		printf("ready pid=%d vmas=%ld\n", getpid(), n);
		fault();
	}
	return 3;
}
