// SPDX-License-Identifier: GPL-2.0
/*
 * touch FILE: map FILE read-only, as gocap maps a core, and read one
 * byte of each 4 KiB page, in order.  The time is what a reader through
 * mmap pays for the pages alone (page faults, page tables, TLB fills),
 * before it does anything with them: bench/analyse/heap.sh's floor.
 */
#include <fcntl.h>
#include <stdio.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	const volatile unsigned char *m;
	unsigned long sum = 0;
	struct stat st;
	size_t i;
	int fd;

	if (argc != 2) {
		fprintf(stderr, "usage: touch FILE\n");
		return 2;
	}
	fd = open(argv[1], O_RDONLY | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st) < 0 || st.st_size <= 0) {
		perror(argv[1]);
		return 1;
	}
	m = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	if (m == MAP_FAILED) {
		perror("mmap");
		return 1;
	}
	for (i = 0; i < (size_t)st.st_size; i += 4096)
		sum += m[i];
	printf("%zu pages, sum %lu\n", ((size_t)st.st_size + 4095) / 4096, sum);
	return 0;
}
