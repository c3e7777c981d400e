/* SPDX-License-Identifier: GPL-2.0 */
/*
 * exeinfo.h - what gocapd records about the crashed executable: its GNU
 * build ID (hex) and Go build ID, and the Go build info of .go.buildinfo
 * (version, main module, vcs revision/time, every build setting), read
 * through lib/goelf.c.  The executable's bytes are untrusted: every read is
 * bounded and checked (fuzz_gocapd_exe).
 */
#ifndef GOCAPD_EXEINFO_H
#define GOCAPD_EXEINFO_H

#include <stddef.h>
#include <stdint.h>

#include "gocoredump/goelf.h"

#define EXEINFO_MODINFO_MAX	(64u << 10)

struct exe_info {
	int is_elf, is_go, have_buildinfo;
	char gnu_build_id[GOELF_GNU_BUILDID_LEN];	/* hex, "" if none */
	char go_build_id[GOELF_BUILDID_LEN];
	char go_version[GCD_GOVERSION_LEN];
	char *modinfo;			/* malloc'd text, NULL if none */
	size_t modinfo_len;
};

/* Fill *x from the executable behind r; returns 0, or a negative GOELF_E*
 * when it is not an ELF file (x still zeroed and usable). */
int exeinfo_read(const struct goelf_reader *r, struct exe_info *x);
void exeinfo_free(struct exe_info *x);

/* A reader over a file descriptor (pread), for exeinfo_read(). */
void exeinfo_fd_reader(struct goelf_reader *r, int *fd, uint64_t size);

/*
 * The value of build setting key ("vcs.revision", "-ldflags", ...) in the
 * modinfo text, copied NUL-terminated into out; 0 when found, -1 if not.
 */
int exeinfo_setting(const struct exe_info *x, const char *key, char *out,
		    size_t outlen);

/* The main module path ("mod\t<path>\t..."), or -1. */
int exeinfo_module(const struct exe_info *x, char *out, size_t outlen);

/*
 * Copy the executable in to out (a new, empty file) sparsely: only its
 * 4 KiB blocks that are not all zero are written (holes stay holes, and
 * zeros become holes), then out gets its length.  Meanwhile its content
 * hash is taken: SHA-256 over each such block's offset (8 bytes,
 * little-endian) and bytes, then the length; so a file and its sparse
 * copy, or two files with the same bytes, hash the same.  out may be -1:
 * hash only.  0, or -errno.
 */
int exeinfo_copy(int in, int out, uint64_t size, uint8_t sha256[32]);

#endif /* GOCAPD_EXEINFO_H */
