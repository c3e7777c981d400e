/* SPDX-License-Identifier: GPL-2.0 */
/*
 * annotate.h - the facts gocapd reads from the core's first bytes, and the
 * JSON annotation written next to every dump (layout in gocapd.rst).
 */
#ifndef GOCAPD_ANNOTATE_H
#define GOCAPD_ANNOTATE_H

#include <stdint.h>
#include <stdio.h>

#include "gocapd/context.h"
#include "gocapd/exeinfo.h"
#include "core/gcdnote.h"
#include "store/store.h"

struct core_facts {
	int is_core;			/* the head parsed as an ELF core */
	int have_siginfo;
	int32_t si_signo, si_errno, si_code;
	uint64_t expected_size;		/* end of the last segment/note */
	int note_found;			/* gocoredump's note: 1, -1 bad */
	struct gcd_note note;
	char problem[256];		/* what elfcore said, "" */
};

/* Parse the core's head (untrusted): never fails, fills what it can. */
void core_facts_read(struct core_facts *cf, const uint8_t *head,
		     size_t head_len);
void core_facts_free(struct core_facts *cf);

/*
 * The annotation of row (already indexed): the JSON object written next
 * to the dump, schema in gocapd.rst ("format": ANNOTATION_FORMAT,
 * "version": ANNOTATION_VERSION; fields are only ever added).  NULL when
 * out of memory.
 */
#define ANNOTATION_FORMAT	"gocapd-annotation"
#define ANNOTATION_VERSION	1

typedef struct json_t json_t;
json_t *annotate_json(const struct store_dump *row,
		      const struct crash_ctx *ctx, const struct exe_info *x,
		      const struct core_facts *cf, uint64_t file_size);

#endif /* GOCAPD_ANNOTATE_H */
