// SPDX-License-Identifier: GPL-2.0
/*
 * fuzz_gocapd_facts.c - libFuzzer target for the daemon's reader of what
 * its sandboxed parser child answers (annotate.c: facts_decode()).  The
 * child may have been subverted by the core or executable it parsed, so
 * its answer is outside bytes like any other.  The input is the answer.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "gocapd/annotate.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct parse_facts pf;

	if (facts_decode((const char *)data, size, &pf) == 0) {
		if (strnlen(pf.cf.problem, sizeof(pf.cf.problem)) ==
		    sizeof(pf.cf.problem) ||
		    strnlen(pf.x.gnu_build_id, sizeof(pf.x.gnu_build_id)) ==
		    sizeof(pf.x.gnu_build_id) ||
		    strnlen(pf.cf.psinfo_fname, sizeof(pf.cf.psinfo_fname)) ==
		    sizeof(pf.cf.psinfo_fname) ||
		    (pf.x.modinfo && pf.x.modinfo_len > EXEINFO_MODINFO_MAX))
			abort();	/* a field not bounded */
		parse_facts_free(&pf);
	} else if (!pf.parser[0]) {
		abort();		/* refused without saying why */
	}
	return 0;
}
