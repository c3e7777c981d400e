// SPDX-License-Identifier: GPL-2.0
/*
 * corecat - a core_pattern pipe helper for the kernel tests:
 *
 *   |/gcd/bin/corecat OUT [GATE]
 *
 * Creates OUT.started, waits (if GATE is given) until the file GATE
 * exists, then copies the core from stdin to OUT and creates OUT.done.
 * Waiting holds the dump in flight in the kernel, which is what the
 * unload test needs.
 */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	static char buf[1 << 16];
	char path[512];
	ssize_t n;
	int out, fd;

	if (argc < 2)
		return 2;
	snprintf(path, sizeof(path), "%s.started", argv[1]);
	fd = open(path, O_WRONLY | O_CREAT, 0644);
	if (fd >= 0)
		close(fd);
	if (argc > 2)
		while (access(argv[2], F_OK) != 0)
			usleep(20000);
	out = open(argv[1], O_WRONLY | O_CREAT | O_TRUNC, 0600);
	if (out < 0)
		return 1;
	while ((n = read(0, buf, sizeof(buf))) > 0)
		if (write(out, buf, n) != n)
			return 1;
	close(out);
	snprintf(path, sizeof(path), "%s.done", argv[1]);
	fd = open(path, O_WRONLY | O_CREAT, 0644);
	if (fd >= 0)
		close(fd);
	return 0;
}
