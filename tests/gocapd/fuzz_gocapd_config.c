// SPDX-License-Identifier: GPL-2.0
/*
 * fuzz_gocapd_config.c - libFuzzer target for gocapd's config parser
 * (userland/gocapd/config.c).  The input is the file.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "gocapd/config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void report(void *arg, const char *msg)
{
	char *err = arg;

	if (strlen(msg) >= 512)
		abort();
	strcpy(err, msg);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct gocapd_config c;
	char err[512];
	uint64_t b;
	unsigned int pct;
	char *s;

	config_defaults(&c);
	/* Whatever the lines, the values that apply are in range (a wrong
	 * line is skipped, never half-applied). */
	config_parse(&c, (const char *)data, size, "fuzz", report, err);
	if (c.compress_level < 1 || c.compress_level > 19 ||
	    c.max_concurrent < 1 || c.max_concurrent > 1024 ||
	    c.max_use.percent > 100 || c.keep_free.percent > 100 ||
	    c.handoff_timeout_ms < 2000 || c.handoff_timeout_ms > 3600000 ||
	    c.storage > STORE_NONE)
		abort();	/* accepted an out-of-range value */
	s = malloc(size + 1);
	if (s) {
		memcpy(s, data, size);
		s[size] = 0;
		config_parse_size(s, &b, &pct);
		free(s);
	}
	return 0;
}
