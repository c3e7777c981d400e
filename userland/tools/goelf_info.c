// SPDX-License-Identifier: GPL-2.0
/*
 * goelf-info - what lib/goelf.c's goelf_probe() says about a file, as
 * key=value lines, for the host suites (tests/fatal/host.sh):
 *
 *   goelf-info FILE
 *
 * The probe asks for the build info, the roots and the fatal-path facts
 * (GOELF_WANT_FATAL).  Addresses and offsets are printed in hex (0x...),
 * flags as a hex number and as names; a string the probe did not fill is
 * printed empty.  Exit status 0 when the file was probed (ELF or not: see
 * the err line), 1 when it could not be read, 2 on a usage error.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "gocoredump/goelf.h"

static int fd_read(void *ctx, uint64_t off, void *buf, size_t len)
{
	int fd = *(int *)ctx;
	size_t done = 0;

	while (done < len) {
		ssize_t n = pread(fd, (char *)buf + done, len - done,
				  (off_t)(off + done));

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		done += (size_t)n;
	}
	return 0;
}

static const struct {
	uint32_t bit;
	const char *name;
} flag_names[] = {
	{ GOELF_F_ELF, "ELF" },
	{ GOELF_F_BUILDINFO, "BUILDINFO" },
	{ GOELF_F_GOBUILDID, "GOBUILDID" },
	{ GOELF_F_SYMTAB, "SYMTAB" },
	{ GOELF_F_VERSION, "VERSION" },
	{ GOELF_F_VCSREV, "VCSREV" },
	{ GOELF_F_ROOTS, "ROOTS" },
	{ GOELF_F_GNUBUILDID, "GNUBUILDID" },
	{ GOELF_F_FATAL_SCANNED, "FATAL_SCANNED" },
	{ GOELF_F_FATAL, "FATAL" },
};

int main(int argc, char **argv)
{
	static uint8_t scratch[GOELF_SCRATCH_SIZE];
	struct goelf_info info;
	struct goelf_reader r;
	struct stat st;
	const char *sep = "";
	size_t i;
	int fd, err;

	if (argc != 2 || argv[1][0] == '-') {
		fprintf(stderr, "usage: goelf-info FILE\n");
		return 2;
	}
	fd = open(argv[1], O_RDONLY | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st) < 0) {
		fprintf(stderr, "goelf-info: %s: %s\n", argv[1],
			strerror(errno));
		return 1;
	}
	r.read = fd_read;
	r.ctx = &fd;
	r.size = (uint64_t)st.st_size;
	err = goelf_probe(&r, GOELF_WANT_BUILDINFO | GOELF_WANT_ROOTS |
			  GOELF_WANT_FATAL, &info, scratch);
	close(fd);
	if (err == -GOELF_EIO) {
		fprintf(stderr, "goelf-info: %s: %s\n", argv[1],
			goelf_strerror(err));
		return 1;
	}
	printf("err=%d\n", err);
	printf("flags=0x%" PRIx32 "\n", info.flags);
	printf("flag_names=");
	for (i = 0; i < sizeof(flag_names) / sizeof(flag_names[0]); i++) {
		if (info.flags & flag_names[i].bit) {
			printf("%s%s", sep, flag_names[i].name);
			sep = ",";
		}
	}
	printf("\n");
	printf("go_version=%s\n", info.go_version);
	printf("fatal_entry=0x%" PRIx64 "\n", info.fatal_entry);
	printf("fatal_off=0x%" PRIx64 "\n", info.fatal_off);
	printf("settb_entry=0x%" PRIx64 "\n", info.settb_entry);
	printf("tbcache_code=0x%" PRIx64 "\n", info.tbcache_code);
	printf("tbcache_sym=0x%" PRIx64 "\n", info.tbcache_sym);
	printf("tbcache=0x%" PRIx64 "\n", info.tbcache);
	printf("fatal_why=%s\n", info.fatal_why ? info.fatal_why : "");
	return 0;
}
