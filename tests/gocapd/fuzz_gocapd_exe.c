// SPDX-License-Identifier: GPL-2.0
/*
 * fuzz_gocapd_exe.c - libFuzzer target for what gocapd reads from the
 * crashed executable (exeinfo.c: GNU build ID note, Go build info) and
 * from the core's first bytes (annotate.c: NT_SIGINFO, the size the
 * headers promise, gocoredump's note), and for the annotation writer on
 * the result, with the facts carried as the parser child carries them
 * (facts_encode(), facts_decode()).  The input is the file.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/json.h"
#include "gocapd/annotate.h"
#include "gocapd/exeinfo.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct goelf_reader r;
	struct goelf_mem m;
	struct parse_facts pf, back;
	struct store_dump row;
	struct crash_ctx ctx;
	char v[256], *text;
	size_t len;
	FILE *f = fopen("/dev/null", "w");
	json_t *a;

	memset(&pf, 0, sizeof(pf));
	goelf_mem_reader(&r, &m, data, size);
	exeinfo_read(&r, &pf.x);
	exeinfo_setting(&pf.x, "vcs.revision", v, sizeof(v));
	exeinfo_module(&pf.x, v, sizeof(v));
	core_facts_read(&pf.cf, data, size);
	/* what the child writes, the parent reads back whole */
	text = facts_encode(&pf, &len);
	if (text && facts_decode(text, len, &back))
		abort();
	free(text);
	if (text)
		parse_facts_free(&back);
	memset(&row, 0, sizeof(row));
	ctx_init(&ctx);
	a = annotate_json(&row, &ctx, &pf.x, &pf.cf, size, NULL);
	if (f && a)
		js_write(f, a, 1);
	json_decref(a);
	if (f)
		fclose(f);
	parse_facts_free(&pf);
	return 0;
}
