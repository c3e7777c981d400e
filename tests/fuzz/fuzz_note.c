// SPDX-License-Identifier: GPL-2.0
/*
 * fuzz_note.c - libFuzzer target for the core reader and the gocoredump
 * note decoder together: the input is a core file.  Also decodes the input
 * directly as each note type, and prints the result (to /dev/null) so the
 * printers see every decoded value.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "core/elfcore.h"
#include "core/gcdnote.h"
#include "core/json.h"
#include "gocap/print.h"

/* The note as JSON, written out (to /dev/null): every value encoded. */
static void to_json(FILE *f, const struct gcd_note *n)
{
	json_t *j = gcdnote_to_json(n);

	if (j)
		js_write(f, j, 1);
	json_decref(j);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static FILE *null;
	struct elfcore c;
	struct gcd_note n;
	size_t i;

	if (!null)
		null = fopen("/dev/null", "w");
	if (elfcore_from_mem(&c, data, size) == 0) {
		memset(&n, 0, sizeof(n));
		gcdnote_from_core(&c, &n);
		print_note_table(null, &n);
		to_json(null, &n);
		gcdnote_free(&n);
		for (i = 0; i < c.nsegs && i < 64; i++) {
			uint8_t b[64];

			elfcore_read(&c, c.segs[i].vaddr, b, sizeof(b));
		}
		for (i = 0; i < c.nnotes && i < 256; i++) {
			struct core_regs pr;

			elfcore_prstatus(&c, &c.notes[i], &pr);
		}
	}
	elfcore_close(&c);

	memset(&n, 0, sizeof(n));
	gcdnote_decode_desc(&n, GCD_NT_PROCESS, data, size);
	gcdnote_decode_desc(&n, GCD_NT_THREADS, data, size);
	to_json(null, &n);
	gcdnote_free(&n);
	return 0;
}
