// SPDX-License-Identifier: GPL-2.0
/*
 * fuzz_store_annotation.c - libFuzzer target for the reader of annotations
 * (userland/store/record.c: store_row_from_annotation()), which rebuilds
 * the index from them and shows users their own dumps.  Whatever the
 * bytes, a row it accepts names only plain store files, and only this
 * dump's core.  The input is the annotation.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "store/store.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char name[] = "core.c.0.b.1.2.json";
	struct store_dump d;
	char err[256];

	if (store_row_from_annotation((const char *)data, size, name, &d, err,
				      sizeof(err)) == 0) {
		if ((d.core_file[0] && !store_name_ok(d.core_file)) ||
		    (d.saved_exe[0] && (!store_name_ok(d.saved_exe) ||
					strncmp(d.saved_exe, "exe/", 4))) ||
		    (d.core_file[0] && strncmp(d.core_file, name, 14)) ||
		    strcmp(d.annotation_file, name) || d.id < 0 ||
		    d.storage > STORE_NONE || d.status > STORE_METADATA_ONLY)
			abort();
	} else if (!err[0]) {
		abort();
	}
	return 0;
}
