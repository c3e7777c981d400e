// SPDX-License-Identifier: GPL-2.0
/*
 * pipe-splice FILE: the barest zero-copy pipe handler, for
 * bench/fullsys (handler "pipe-splice"): splice(2) the core from stdin,
 * the kernel's pipe, into FILE until EOF, with a 1 MiB pipe.  No user
 * copy, no zero detection (every byte becomes data); what a pipe costs
 * when the handler never touches the bytes.  Not a handler to use.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	off64_t off = 0;
	ssize_t n;
	int fd;

	if (argc != 2) {
		fprintf(stderr, "usage: pipe-splice FILE\n");
		return 2;
	}
	fd = open(argv[1], O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0) {
		perror(argv[1]);
		return 1;
	}
	fcntl(0, F_SETPIPE_SZ, 1 << 20);
	while ((n = splice(0, NULL, fd, &off, 1 << 20, SPLICE_F_MOVE)) > 0)
		;
	if (n < 0) {
		perror("splice");
		return 1;
	}
	return close(fd) ? 1 : 0;
}
