// SPDX-License-Identifier: GPL-2.0
/*
 * fuzz_procparse.c - libFuzzer target for the /proc text parsers of gocap
 * snapshot (userland/core/procparse.c): the input, NUL-terminated, is
 * given to each of them whole, and to the maps parser line by line, as
 * snapshot.c does; what they return is checked against what they promise.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/procparse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const keys[] = {
		"voluntary_ctxt_switches", "nonvoluntary_ctxt_switches",
		"se.nr_migrations", "wait_sum", "Cpus_allowed", "",
	};
	char *buf = malloc(size + 1), *line, comm[16];
	unsigned long long f[64];
	uint64_t words[16];
	int n, found;

	if (!buf)
		return 0;
	memcpy(buf, data, size);
	buf[size] = '\0';
	n = procparse_stat(buf, comm, sizeof(comm), f, 64);
	if (n < 0 || n > 64 || strlen(comm) >= sizeof(comm))
		abort();
	for (size_t k = 0; k < sizeof(keys) / sizeof(keys[0]); k++)
		(void)procparse_value(buf, keys[k], &found);
	(void)procparse_cpus(buf, words, 16);
	for (line = buf; line; ) {
		char *nl = strchr(line, '\n');
		struct procparse_map m;

		if (nl)
			*nl = '\0';
		if (!procparse_maps_line(line, &m) &&
		    (m.end <= m.start || m.path < line ||
		     m.path > line + strlen(line)))
			abort();
		line = nl ? nl + 1 : NULL;
	}
	free(buf);
	return 0;
}
