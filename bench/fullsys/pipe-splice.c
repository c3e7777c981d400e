// SPDX-License-Identifier: GPL-2.0
/*
 * pipe-splice FILE [WAIT_US]: the barest zero-copy pipe handler, for
 * bench/fullsys (handler "pipe-splice"): splice(2) the core from stdin,
 * the kernel's pipe, into FILE until EOF, with a 1 MiB pipe.  No user
 * copy, no zero detection (every byte becomes data); what a pipe costs
 * when the handler never touches the bytes.  Not a handler to use.
 *
 * With WAIT_US (handler "pipe-splice-wait"), it sleeps that long after
 * every splice that moved less than 256 KiB, so that the pipe fills
 * between splices: does waking the reader less often shorten the dump?
 * (It did not: bench/README.md.)  Each run appends its bytes and splices
 * to /run/gocd-pipe-splice.stats.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	off64_t off = 0;
	ssize_t n;
	long wait_us = argc > 2 ? atol(argv[2]) : 0;
	unsigned long splices = 0;
	FILE *st;
	int fd;

	if (argc != 2 && argc != 3) {
		fprintf(stderr, "usage: pipe-splice FILE [WAIT_US]\n");
		return 2;
	}
	fd = open(argv[1], O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0) {
		perror(argv[1]);
		return 1;
	}
	fcntl(0, F_SETPIPE_SZ, 1 << 20);
	while ((n = splice(0, NULL, fd, &off, 1 << 20, SPLICE_F_MOVE)) > 0) {
		splices++;
		if (wait_us > 0 && n < 256 << 10)
			usleep((useconds_t)wait_us);
	}
	if (n < 0) {
		perror("splice");
		return 1;
	}
	/* for guest.sh: a handler of the kernel's has no stderr */
	st = fopen("/run/gocd-pipe-splice.stats", "a");
	if (st) {
		fprintf(st, "%lld bytes in %lu splices\n", (long long)off,
			splices);
		fclose(st);
	}
	return close(fd) ? 1 : 0;
}
