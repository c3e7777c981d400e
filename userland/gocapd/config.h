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
 * for "no limit"), at most cap bytes when cap is set (a default's cap,
 * as systemd's: KeepFree's 15% is at most 4 GiB). */
struct config_size {
	uint64_t bytes;
	unsigned int percent;
	uint64_t cap;
};

#define CONFIG_KEEP_FREE_CAP	(4ull << 30)

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
	uint64_t handoff_timeout_ms;	/* HandoffTimeout, 2 s..1 h */
	uint64_t max_age_us;		/* MaxAge; 0: dumps never age out */
	int user_access;		/* UserAccess: ACL for the crashed uid */
	int core_limit_honor;		/* CoreLimit: 1 honor, 0 ignore %c */
};

void config_defaults(struct gocapd_config *c);

/*
 * Told of each line that is wrong: "FILE:LINE: Key=value: what is wrong;
 * what is allowed" (or "FILE: ..." for the file as a whole).
 */
typedef void (*config_report_fn)(void *arg, const char *msg);

/*
 * Parse text (len bytes, need not be NUL-terminated) over *c, which holds
 * the defaults or earlier values.  As systemd does, a line that is wrong
 * (unknown key, bad value, no '=', a NUL byte, over CONFIG_MAX_LINE) is
 * reported and ignored, and every other line still applies: a typo never
 * drops the rest of the policy (Storage=none must hold whatever else the
 * file says).  Text past CONFIG_MAX_BYTES is reported and ignored.
 * Returns the number of lines ignored (0: all good).
 */
int config_parse(struct gocapd_config *c, const char *text, size_t len,
		 const char *fname, config_report_fn report, void *arg);

/*
 * config_parse() of path; a missing file leaves the defaults (0).  A file
 * that cannot be read is reported and counts as one error.
 */
int config_load(struct gocapd_config *c, const char *path,
		config_report_fn report, void *arg);

/* Resolve a limit against a file system of fs_bytes: bytes, 0 = none. */
uint64_t config_size_bytes(const struct config_size *s, uint64_t fs_bytes);

/* Parse "123", "4K", "1.5G", "10%" (percent allowed when pct is given). */
int config_parse_size(const char *v, uint64_t *bytes, unsigned int *pct);

#endif /* GOCAPD_CONFIG_H */
