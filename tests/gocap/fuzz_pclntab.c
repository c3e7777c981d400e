// SPDX-License-Identifier: GPL-2.0
/*
 * fuzz_pclntab.c - libFuzzer target for the pclntab reader: the input is a
 * pc/line table from its pcHeader on (a real one is in the seeds).  Every
 * reader is run over functions and pcs taken from the table itself, and the
 * input doubles as an inline tree.
 */
#include <stdint.h>
#include <string.h>

#include "go/pclntab.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define TEXT	0x401000ull

static void one(const struct pclntab *t, const struct pcfunc *f, uint64_t pc,
		const uint8_t *data, size_t size)
{
	struct pcinl inl;
	const char *file;
	int32_t v, line;
	uint32_t off;
	int k;

	pclntab_funcname(t, f);
	pclntab_spdelta(t, f, pc, &v);
	pclntab_fileline(t, f, pc, &file, &line);
	for (k = 0; k < 4; k++) {
		int32_t ix = pclntab_pcdata(t, f, (uint32_t)k, pc);

		if (k == PCDATA_InlTreeIndex && ix >= 0 &&
		    !pclntab_inl(t, data, size, ix, &inl))
			pclntab_name(t, inl.nameoff);
	}
	for (k = 0; k < 8; k++)
		pclntab_funcdata(t, f, (uint32_t)k, &off);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pclntab t;
	struct pcfunc f, g;
	char err[256];
	uint32_t i;

	if (pclntab_init(&t, data, size, TEXT, err, sizeof(err)))
		return 0;
	for (i = 0; i < t.nfunc && i < 256; i++) {
		if (pclntab_func_by_index(&t, i, &f))
			continue;
		one(&t, &f, f.entry, data, size);
		one(&t, &f, f.entry + 1, data, size);
		if (f.end > f.entry)
			one(&t, &f, f.end - 1, data, size);
		if (!pclntab_func_at(&t, f.entry + (f.end - f.entry) / 2, &g))
			one(&t, &g, f.entry + (f.end - f.entry) / 2, data, size);
	}
	pclntab_func_at(&t, TEXT - 1, &f);
	pclntab_func_at(&t, ~0ull, &f);
	pclntab_func_by_name(&t, "runtime.allgadd", &f);
	return 0;
}
