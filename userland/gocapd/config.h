/* SPDX-License-Identifier: GPL-2.0 */
/*
 * config.h - /etc/gocapd.conf: key=value lines, every key validated.
 * Documentation/gocapd.rst lists the keys; keep the two in step.
 */
#ifndef GOCAPD_CONFIG_H
#define GOCAPD_CONFIG_H

#include <stddef.h>
#include <stdint.h>

#include "store/store.h"

#define GOCAPD_CONFIG_PATH	"/etc/gocapd.conf"
#define CONFIG_MAX_BYTES	(64u << 10)	/* a bigger file is refused */
#define CONFIG_MAX_LINE		1024

/* A space limit: an absolute byte count, or a percentage of the file
 * system the store lives on (exactly one of them is nonzero, or both 0
 * for "no limit"). */
struct config_size {
	uint64_t bytes;
	unsigned int percent;
};

struct gocapd_config {
	enum store_storage storage;	/* Storage */
	int compress_level;		/* CompressLevel, 1..19 */
	struct config_size max_use;	/* MaxUse */
	struct config_size keep_free;	/* KeepFree */
	uint64_t process_size_max;	/* ProcessSizeMax, bytes; 0: none */
	unsigned int rate_burst;	/* RateLimit N/...; 0: no limit */
	uint64_t rate_interval_us;	/* RateLimit .../INTERVAL */
	unsigned int max_concurrent;	/* MaxConcurrent, 1..1024 */
	int save_executable;		/* SaveExecutable */
	uint64_t handoff_timeout_ms;	/* HandoffTimeout, 1 s..1 h */
};

void config_defaults(struct gocapd_config *c);

/*
 * Parse text (len bytes, need not be NUL-terminated) over *c, which holds
 * the defaults or earlier values.  Returns 0, or -EINVAL with err saying
 * "FILE:LINE: what is wrong; what is allowed".  *c is unchanged on error.
 */
int config_parse(struct gocapd_config *c, const char *text, size_t len,
		 const char *fname, char *err, size_t errlen);

/* config_parse() of path; a missing file leaves the defaults (0). */
int config_load(struct gocapd_config *c, const char *path, char *err,
		size_t errlen);

/* Resolve a limit against a file system of fs_bytes: bytes, 0 = none. */
uint64_t config_size_bytes(const struct config_size *s, uint64_t fs_bytes);

/* Parse "123", "4K", "1.5G", "10%" (percent allowed when pct is given). */
int config_parse_size(const char *v, uint64_t *bytes, unsigned int *pct);

#endif /* GOCAPD_CONFIG_H */
