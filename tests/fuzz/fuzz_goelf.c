// SPDX-License-Identifier: GPL-2.0
/*
 * fuzz_goelf.c - libFuzzer target for lib/goelf.c, the Go ELF parser that
 * gocoredump.ko runs on files from disk (every part of goelf_probe(): the
 * build info, the roots, the fatal path's pclntab walk and code decoding),
 * and for gocap's overlay of an executable on a core (core/procmem.c: its
 * segments, its relocations applied), and the symbol lookup gocap heap
 * uses (goelf_symbols).  The input is the file.  Seeds:
 * tests/fuzz/make-seeds.sh.
 */
#include <stdint.h>
#include <string.h>

#include "core/procmem.h"
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

	if (goelf_probe(&r, GOELF_WANT_BUILDINFO | GOELF_WANT_ROOTS |
			GOELF_WANT_FATAL, &info, scratch) == 0)
		goelf_modinfo(&r, &info, version, sizeof(version), modinfo,
			      sizeof(modinfo));
	goelf_buildinfo_mem(data, size, version, sizeof(version), modinfo,
			    sizeof(modinfo));
	{
		static const char *const names[] = {
			"runtime.memstats", "runtime.mheap_",
			"runtime.gcController", "runtime.allgs",
		};
		uint64_t vals[4];

		goelf_symbols(&r, names, 4, vals, scratch);
	}
	{
		struct procmem_relocs rel;
		struct procmem m;
		uint64_t w;
		size_t i;
		int ok = !procmem_exe_relocs(data, size, 0x1000, 8, &rel);

		procmem_init(&m);
		procmem_add_exe(&m, data, size, 0x1000, ok ? &rel : NULL);
		for (i = 0; i < rel.n && i < 64; i++)
			procmem_u64(&m, rel.v[i].where, &w);
		for (i = 0; i < m.n; i++)
			procmem_u64(&m, m.segs[i].start, &w);
		procmem_free(&m);
		procmem_relocs_free(&rel);
	}
	return 0;
}
