// SPDX-License-Identifier: GPL-2.0
/*
 * fuzz_goelf.c - libFuzzer target for lib/goelf.c, the Go ELF parser that
 * gocoredump.ko runs on files from disk.  The input is the file.
 */
#include <stdint.h>
#include <string.h>

#include "gocoredump/goelf.h"

static int mem_read(void *ctx, uint64_t off, void *buf, size_t len)
{
	memcpy(buf, (const uint8_t *)ctx + off, len);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t scratch[GOELF_SCRATCH_SIZE];
	static char version[GCD_GOVERSION_LEN], modinfo[8192];
	struct goelf_reader r = {
		.read = mem_read, .ctx = (void *)data, .size = size,
	};
	struct goelf_info info;

	if (goelf_probe(&r, GOELF_WANT_BUILDINFO | GOELF_WANT_ROOTS, &info,
			scratch) == 0)
		goelf_modinfo(&r, &info, version, sizeof(version), modinfo,
			      sizeof(modinfo));
	goelf_buildinfo_mem(data, size, version, sizeof(version), modinfo,
			    sizeof(modinfo));
	return 0;
}
