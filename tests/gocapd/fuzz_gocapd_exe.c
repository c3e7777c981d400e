// SPDX-License-Identifier: GPL-2.0
/*
 * fuzz_gocapd_exe.c - libFuzzer target for what gocapd reads from the
 * crashed executable (exeinfo.c: GNU build ID note, Go build info) and
 * from the core's first bytes (annotate.c: NT_SIGINFO, the size the
 * headers promise, gocoredump's note), and for the annotation writer on
 * the result.  The input is the file.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "core/json.h"
#include "gocapd/annotate.h"
#include "gocapd/exeinfo.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct goelf_reader r;
	struct goelf_mem m;
	struct exe_info x;
	struct core_facts cf;
	struct store_dump row;
	struct crash_ctx ctx;
	char v[256];
	FILE *f = fopen("/dev/null", "w");
	json_t *a;

	goelf_mem_reader(&r, &m, data, size);
	exeinfo_read(&r, &x);
	exeinfo_setting(&x, "vcs.revision", v, sizeof(v));
	exeinfo_module(&x, v, sizeof(v));
	core_facts_read(&cf, data, size);
	memset(&row, 0, sizeof(row));
	ctx_init(&ctx);
	a = annotate_json(&row, &ctx, &x, &cf, size);
	if (f && a)
		js_write(f, a, 1);
	json_decref(a);
	if (f)
		fclose(f);
	core_facts_free(&cf);
	exeinfo_free(&x);
	return 0;
}
