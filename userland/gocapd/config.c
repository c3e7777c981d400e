// SPDX-License-Identifier: GPL-2.0
/*
 * config.c - parser of /etc/gocapd.conf.
 *
 * The file is small and written by an administrator, but it is still
 * outside bytes: the parser is bounded (file size, line length), rejects
 * NUL bytes and unknown keys, and every error names the file, the line,
 * the key, what is wrong and what would be accepted.  A wrong line is
 * skipped and the others apply (config.h).  No I/O except config_load().
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "gocapd/config.h"

void config_defaults(struct gocapd_config *c)
{
	memset(c, 0, sizeof(*c));
	c->storage = STORE_ZSTD;
	c->compress_level = 3;
	c->max_use.percent = 10;		/* as systemd-coredump, but
						 * not capped: Go heaps */
	c->keep_free.percent = 15;
	c->keep_free.cap = CONFIG_KEEP_FREE_CAP;
	c->process_size_max = 32ull << 30;
	c->rate_burst = 10;
	c->rate_interval_us = 60ull * 1000000;
	c->max_concurrent = 16;
	c->save_executable = 1;
	c->handoff_timeout_ms = 10000;
	c->max_age_us = 0;
	c->user_access = 1;
	c->core_limit_honor = 0;
}

uint64_t config_size_bytes(const struct config_size *s, uint64_t fs_bytes)
{
	uint64_t v = s->percent ? fs_bytes / 100 * s->percent : s->bytes;

	return s->cap && v > s->cap ? s->cap : v;
}

/* Digits only, no sign, no overflow. */
static int parse_u64(const char *p, const char **end, uint64_t *out)
{
	uint64_t v = 0;

	if (*p < '0' || *p > '9')
		return -EINVAL;
	while (*p >= '0' && *p <= '9') {
		unsigned int d = (unsigned int)(*p - '0');

		if (v > (UINT64_MAX - d) / 10)
			return -ERANGE;
		v = v * 10 + d;
		p++;
	}
	*end = p;
	*out = v;
	return 0;
}

int config_parse_size(const char *v, uint64_t *bytes, unsigned int *pct)
{
	const char *p;
	uint64_t n, mul = 1;
	int err = parse_u64(v, &p, &n);

	if (err)
		return err;
	if (*p == '%') {
		if (!pct || p[1] || n < 1 || n > 100)
			return -EINVAL;
		*pct = (unsigned int)n;
		*bytes = 0;
		return 0;
	}
	switch (*p) {
	case 'K': case 'k': mul = 1ull << 10; p++; break;
	case 'M': case 'm': mul = 1ull << 20; p++; break;
	case 'G': case 'g': mul = 1ull << 30; p++; break;
	case 'T': case 't': mul = 1ull << 40; p++; break;
	}
	if (*p)
		return -EINVAL;
	if (n > UINT64_MAX / mul)
		return -ERANGE;
	*bytes = n * mul;
	if (pct)
		*pct = 0;
	return 0;
}

static int parse_duration_us(const char *v, uint64_t *us)
{
	const char *p;
	uint64_t n, mul;
	int err = parse_u64(v, &p, &n);

	if (err)
		return err;
	if (!*p || !strcmp(p, "s") || !strcmp(p, "sec"))
		mul = 1;
	else if (!strcmp(p, "min") || !strcmp(p, "m"))
		mul = 60;
	else if (!strcmp(p, "h"))
		mul = 3600;
	else if (!strcmp(p, "d"))
		mul = 86400;
	else
		return -EINVAL;
	if (n == 0 || n > UINT64_MAX / 1000000 / mul)
		return -ERANGE;
	*us = n * mul * 1000000;
	return 0;
}

static int parse_bool(const char *v, int *out)
{
	static const char *const yes[] = { "yes", "true", "on", "1" };
	static const char *const no[] = { "no", "false", "off", "0" };

	for (unsigned int i = 0; i < 4; i++) {
		if (!strcmp(v, yes[i])) {
			*out = 1;
			return 0;
		}
		if (!strcmp(v, no[i])) {
			*out = 0;
			return 0;
		}
	}
	return -EINVAL;
}

struct parse_pos {
	const char *fname;
	unsigned int line;
	config_report_fn report;
	void *arg;
};

static int bad(const struct parse_pos *pp, const char *fmt, ...)
{
	char msg[384], line[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (pp->line)
		snprintf(line, sizeof(line), "%s:%u: %s (line ignored)",
			 pp->fname, pp->line, msg);
	else
		snprintf(line, sizeof(line), "%s: %s", pp->fname, msg);
	if (pp->report)
		pp->report(pp->arg, line);
	return -EINVAL;
}

/* Apply one key=value (both trimmed, NUL-terminated) to c. */
static int set_key(struct gocapd_config *c, const char *k, const char *v,
		   const struct parse_pos *pp)
{
	uint64_t n;
	int b;

	if (!strcmp(k, "Storage")) {
		if (store_storage_parse(v, &c->storage))
			return bad(pp, "Storage=%s: must be raw, zstd or none", v);
	} else if (!strcmp(k, "CompressLevel")) {
		const char *end;

		if (parse_u64(v, &end, &n) || *end || n < 1 || n > 19)
			return bad(pp, "CompressLevel=%s: must be a zstd level from 1 to 19", v);
		c->compress_level = (int)n;
	} else if (!strcmp(k, "MaxUse") || !strcmp(k, "KeepFree")) {
		struct config_size *s = k[0] == 'M' ? &c->max_use :
						      &c->keep_free;

		if (config_parse_size(v, &s->bytes, &s->percent))
			return bad(pp, "%s=%s: must be a size (bytes, or with K, M, G, T) or a percentage of the file system (1%%..100%%)",
				   k, v);
		s->cap = 0;	/* what is set is what holds */
	} else if (!strcmp(k, "ProcessSizeMax")) {
		if (config_parse_size(v, &c->process_size_max, NULL))
			return bad(pp, "ProcessSizeMax=%s: must be a size (bytes, or with K, M, G, T); 0 means no limit",
				   v);
	} else if (!strcmp(k, "RateLimit")) {
		const char *slash = strchr(v, '/'), *end;
		char num[32];
		size_t nl = slash ? (size_t)(slash - v) : 0;

		if (!strcmp(v, "off") || !strcmp(v, "0")) {
			c->rate_burst = 0;
			return 0;
		}
		if (!slash || nl == 0 || nl >= sizeof(num))
			goto bad_rate;
		memcpy(num, v, nl);
		num[nl] = 0;
		if (parse_u64(num, &end, &n) || *end || n < 1 || n > 1000000 ||
		    parse_duration_us(slash + 1, &c->rate_interval_us))
			goto bad_rate;
		c->rate_burst = (unsigned int)n;
		return 0;
bad_rate:
		return bad(pp, "RateLimit=%s: must be N/INTERVAL (N dumps per executable per interval, e.g. 5/10min; units s, min, h, d) or off",
			   v);
	} else if (!strcmp(k, "MaxConcurrent")) {
		const char *end;

		if (parse_u64(v, &end, &n) || *end || n < 1 || n > 1024)
			return bad(pp, "MaxConcurrent=%s: must be from 1 to 1024", v);
		c->max_concurrent = (unsigned int)n;
	} else if (!strcmp(k, "SaveExecutable")) {
		if (parse_bool(v, &b))
			return bad(pp, "SaveExecutable=%s: must be yes or no", v);
		c->save_executable = b;
	} else if (!strcmp(k, "HandoffTimeout")) {
		uint64_t us;

		/* At least 4 of the daemon's QUEUED heartbeats (proto.h). */
		if (parse_duration_us(v, &us) || us < 2000000 ||
		    us > 3600ull * 1000000)
			return bad(pp, "HandoffTimeout=%s: must be a time from 2s to 1h (units s, min, h)",
				   v);
		c->handoff_timeout_ms = us / 1000;
	} else if (!strcmp(k, "CoreLimit")) {
		if (strcmp(v, "honor") && strcmp(v, "ignore"))
			return bad(pp, "CoreLimit=%s: must be honor or ignore", v);
		c->core_limit_honor = v[0] == 'h';
	} else if (!strcmp(k, "MaxAge")) {
		if (!strcmp(v, "off") || !strcmp(v, "0"))
			c->max_age_us = 0;
		else if (parse_duration_us(v, &c->max_age_us))
			return bad(pp, "MaxAge=%s: must be a time (units s, min, h, d) or off",
				   v);
	} else if (!strcmp(k, "UserAccess")) {
		if (parse_bool(v, &b))
			return bad(pp, "UserAccess=%s: must be yes or no", v);
		c->user_access = b;
	} else {
		return bad(pp, "unknown key \"%s\" (known: Storage, CompressLevel, MaxUse, KeepFree, ProcessSizeMax, RateLimit, MaxConcurrent, SaveExecutable, HandoffTimeout, MaxAge, UserAccess, CoreLimit)",
			   k);
	}
	return 0;
}

static char *trim(char *s)
{
	char *e;

	while (*s == ' ' || *s == '\t')
		s++;
	e = s + strlen(s);
	while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r'))
		*--e = 0;
	return s;
}

int config_parse(struct gocapd_config *c, const char *text, size_t len,
		 const char *fname, config_report_fn report, void *arg)
{
	struct parse_pos pp = { fname ? fname : "(config)", 0, report, arg };
	char line[CONFIG_MAX_LINE + 1];
	size_t pos = 0;
	int nbad = 0;

	if (len > CONFIG_MAX_BYTES) {
		nbad += bad(&pp, "file is %zu bytes, over the %u-byte limit: what follows byte %u is ignored",
			    len, CONFIG_MAX_BYTES, CONFIG_MAX_BYTES) != 0;
		len = CONFIG_MAX_BYTES;
	}
	while (pos < len) {
		const char *nl = memchr(text + pos, '\n', len - pos);
		size_t ll = nl ? (size_t)(nl - (text + pos)) : len - pos;
		char *s, *eq, *k, *v;
		struct gocapd_config one;

		pp.line++;
		if (ll > CONFIG_MAX_LINE) {
			nbad += bad(&pp, "line longer than %u bytes",
				    CONFIG_MAX_LINE) != 0;
			pos += ll + (nl ? 1 : 0);
			continue;
		}
		memcpy(line, text + pos, ll);
		line[ll] = 0;
		pos += ll + (nl ? 1 : 0);
		if (memchr(line, 0, ll)) {
			nbad += bad(&pp, "NUL byte in the line (binary file?)") != 0;
			continue;
		}
		s = trim(line);
		if (!*s || *s == '#' || *s == ';')
			continue;
		eq = strchr(s, '=');
		if (!eq) {
			nbad += bad(&pp, "\"%.64s\" is not key=value", s) != 0;
			continue;
		}
		*eq = 0;
		k = trim(s);
		v = trim(eq + 1);
		if (!*k) {
			nbad += bad(&pp, "missing key before '='") != 0;
			continue;
		}
		if (!*v) {
			nbad += bad(&pp, "%s has no value (remove the line for the default)",
				    k) != 0;
			continue;
		}
		/* A key applies whole or not at all. */
		one = *c;
		if (set_key(&one, k, v, &pp))
			nbad++;
		else
			*c = one;
	}
	return nbad;
}

int config_load(struct gocapd_config *c, const char *path,
		config_report_fn report, void *arg)
{
	struct parse_pos pp = { path, 0, report, arg };
	char *buf;
	ssize_t n;
	size_t len = 0;
	int fd, ret;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		if (errno == ENOENT)
			return 0;
		bad(&pp, "cannot open: %s: the defaults apply",
		    strerror(errno));
		return 1;
	}
	buf = malloc(CONFIG_MAX_BYTES + 1);
	if (!buf) {
		close(fd);
		bad(&pp, "out of memory: the defaults apply");
		return 1;
	}
	while ((n = read(fd, buf + len, CONFIG_MAX_BYTES + 1 - len)) > 0) {
		len += (size_t)n;
		if (len > CONFIG_MAX_BYTES)
			break;
	}
	ret = n < 0 ? -errno : 0;
	close(fd);
	if (ret) {
		bad(&pp, "read: %s: the defaults apply", strerror(-ret));
		ret = 1;
	} else {
		ret = config_parse(c, buf, len, path, report, arg);
	}
	free(buf);
	return ret;
}
