// SPDX-License-Identifier: GPL-2.0
/*
 * context.c - the crashed process's context: core_pattern arguments, the
 * /proc/PID files, and their serialised form for the handoff to the daemon
 * (format in context.h).  Reading /proc must happen while the process still
 * exists, which core_pipe_limit > 0 guarantees until the core's pipe is
 * closed (Documentation/gocapd.rst).
 */
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <sys/syscall.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "gocapd/context.h"

const char *const ctx_blob_names[CTX_NBLOBS] = {
	[CTX_COMM] = "comm", [CTX_HOSTNAME] = "hostname", [CTX_EXE] = "exe",
	[CTX_CMDLINE] = "cmdline", [CTX_ENVIRON] = "environ",
	[CTX_CWD] = "cwd", [CTX_STATUS] = "status", [CTX_LIMITS] = "limits",
	[CTX_MAPS] = "maps", [CTX_CGROUP] = "cgroup",
	[CTX_MOUNTINFO] = "mountinfo", [CTX_BOOT_ID] = "boot_id",
};

/* TLV tags.  Integers are 8 bytes, signed, little-endian. */
enum {
	TAG_TIME_US = 1, TAG_CORE_TIME, TAG_PID, TAG_TID, TAG_NS_TID,
	TAG_SIGNAL, TAG_UID, TAG_GID, TAG_RLIMIT_CORE, TAG_FD_COUNT,
	TAG_PROC_MISSING, TAG_DUMPABLE, TAG_PIDFD_CHECK, TAG_MONOTONIC_NS,
	TAG_NINTS,
	TAG_BLOB = 0x100,	/* + enum ctx_blob_id */
};

void ctx_init(struct crash_ctx *c)
{
	memset(c, 0, sizeof(*c));
	c->fd_count = -1;
	c->rlimit_core = -1;
	c->dumpable = -1;
}

void ctx_stamp_monotonic(struct crash_ctx *c)
{
	struct timespec ts;

	if (clock_gettime(CLOCK_MONOTONIC, &ts) == 0)
		c->monotonic_ns = (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

void ctx_free(struct crash_ctx *c)
{
	for (unsigned int i = 0; i < CTX_NBLOBS; i++)
		free(c->blob[i].data);
	ctx_init(c);
}

int ctx_set(struct crash_ctx *c, enum ctx_blob_id id, const void *p,
	    size_t len)
{
	char *d;

	if (len > CTX_MAX_ITEM)
		len = CTX_MAX_ITEM;
	d = malloc(len + 1);
	if (!d)
		return -ENOMEM;
	if (len)
		memcpy(d, p, len);
	d[len] = 0;
	free(c->blob[id].data);
	c->blob[id].data = d;
	c->blob[id].len = len;
	return 0;
}

static int parse_i64(const char *s, int64_t *out)
{
	char *end;
	long long v;

	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno || end == s || *end)
		return -EINVAL;
	*out = v;
	return 0;
}

int ctx_from_args(struct crash_ctx *c, int argc, char *const argv[],
		  int *pidfd, char *err, size_t errlen)
{
	static const char *const names[] = {
		"%P (pid)", "%i (tid)", "%I (global tid)", "%s (signal)",
		"%t (time)", "%u (uid)", "%g (gid)", "%c (core limit)",
	};
	int64_t v[8];
	struct timespec ts;

	*pidfd = -1;
	if (argc < 10 || argc > 12) {
		snprintf(err, errlen, "--pipe needs 10 to 12 arguments (%%P %%i %%I %%s %%t %%u %%g %%c %%h %%e [%%d [%%F]]), got %d: fix core_pattern",
			 argc);
		return -EINVAL;
	}
	for (int i = 0; i < 8; i++) {
		/* %c is RLIM_INFINITY as an unsigned number when unlimited */
		if (i == 7 && parse_i64(argv[i], &v[i]) &&
		    strspn(argv[i], "0123456789") == strlen(argv[i]) &&
		    argv[i][0]) {
			v[i] = -1;
			continue;
		}
		if (parse_i64(argv[i], &v[i]) ||
		    (i != 7 && (v[i] < 0 || (v[i] > INT32_MAX && i != 4)))) {
			snprintf(err, errlen, "--pipe argument %d, %s: \"%.32s\" is not a valid number: fix core_pattern",
				 i + 1, names[i], argv[i]);
			return -EINVAL;
		}
	}
	c->pid = (int32_t)v[0];
	c->ns_tid = (int32_t)v[1];
	c->tid = (int32_t)v[2];
	c->signal = (int32_t)v[3];
	c->core_time = v[4];
	c->uid = (int32_t)v[5];
	c->gid = (int32_t)v[6];
	c->rlimit_core = v[7];
	if (ctx_set(c, CTX_HOSTNAME, argv[8], strlen(argv[8])) ||
	    ctx_set(c, CTX_COMM, argv[9], strlen(argv[9])))
		return -ENOMEM;
	/* %d and %F: optional, and "" where the kernel does not know them. */
	if (argc > 10 && argv[10][0]) {
		int64_t d;

		if (parse_i64(argv[10], &d) || d < 0 || d > 2) {
			snprintf(err, errlen, "--pipe argument 11, %%d (dump mode): \"%.32s\" is not 0, 1 or 2: fix core_pattern",
				 argv[10]);
			return -EINVAL;
		}
		c->dumpable = (int32_t)d;
	}
	if (argc > 11 && argv[11][0]) {
		int64_t fd;

		if (parse_i64(argv[11], &fd) || fd < 3 || fd > 1023) {
			snprintf(err, errlen, "--pipe argument 12, %%F (pidfd): \"%.32s\" is not an fd number: fix core_pattern",
				 argv[11]);
			return -EINVAL;
		}
		*pidfd = (int)fd;
	}
	clock_gettime(CLOCK_REALTIME, &ts);
	c->time_us = (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
	ctx_stamp_monotonic(c);
	return 0;
}

/* Read a whole (proc) file at dirfd/name, up to max bytes. */
static int read_at(int dirfd, const char *name, size_t max, char **out,
		   size_t *outlen)
{
	size_t cap = 16384, len = 0;
	char *buf = malloc(cap + 1);
	int fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);

	if (fd < 0 || !buf) {
		free(buf);
		if (fd >= 0)
			close(fd);
		return -1;
	}
	for (;;) {
		ssize_t n;

		if (len == cap) {
			char *nb;

			if (cap >= max)
				break;
			cap = cap * 2 > max ? max : cap * 2;
			nb = realloc(buf, cap + 1);
			if (!nb)
				break;
			buf = nb;
		}
		n = read(fd, buf + len, cap - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		len += (size_t)n;
	}
	close(fd);
	buf[len] = 0;
	*out = buf;
	*outlen = len;
	return 0;
}

static void take_file(struct crash_ctx *c, int procfd, const char *name,
		      enum ctx_blob_id id)
{
	char *buf;
	size_t len;

	if (read_at(procfd, name, CTX_MAX_ITEM, &buf, &len) < 0) {
		c->proc_missing |= 1u << id;
		return;
	}
	free(c->blob[id].data);
	c->blob[id].data = buf;
	c->blob[id].len = len;
}

static void take_link(struct crash_ctx *c, int procfd, const char *name,
		      enum ctx_blob_id id)
{
	char buf[PATH_MAX];
	ssize_t n = readlinkat(procfd, name, buf, sizeof(buf));

	if (n < 0 || (size_t)n >= sizeof(buf)) {
		c->proc_missing |= 1u << id;
		return;
	}
	ctx_set(c, id, buf, (size_t)n);
}

/* Keep only the CTX_ENV_KEEP variables of a NUL-separated environment. */
static void take_environ(struct crash_ctx *c, int procfd)
{
	static const char *const keep[] = CTX_ENV_KEEP;
	char *env, *out, *p;
	size_t len, olen = 0;

	if (read_at(procfd, "environ", CTX_MAX_ITEM, &env, &len) < 0) {
		c->proc_missing |= 1u << CTX_ENVIRON;
		return;
	}
	out = malloc(len + 1);
	if (!out) {
		free(env);
		return;
	}
	for (p = env; p < env + len; p += strlen(p) + 1) {
		for (unsigned int k = 0; k < sizeof(keep) / sizeof(keep[0]); k++) {
			size_t kl = strlen(keep[k]);

			if (!strncmp(p, keep[k], kl) && p[kl] == '=') {
				size_t l = strlen(p) + 1;

				memcpy(out + olen, p, l);
				olen += l;
				break;
			}
		}
	}
	ctx_set(c, CTX_ENVIRON, out, olen);
	free(out);
	free(env);
}

void ctx_collect_proc(struct crash_ctx *c, int procfd)
{
	int fdd;
	DIR *d;

	take_link(c, procfd, "exe", CTX_EXE);
	take_link(c, procfd, "cwd", CTX_CWD);
	take_file(c, procfd, "cmdline", CTX_CMDLINE);
	take_environ(c, procfd);
	take_file(c, procfd, "status", CTX_STATUS);
	take_file(c, procfd, "limits", CTX_LIMITS);
	take_file(c, procfd, "maps", CTX_MAPS);
	take_file(c, procfd, "cgroup", CTX_CGROUP);
	take_file(c, procfd, "mountinfo", CTX_MOUNTINFO);
	if (!c->blob[CTX_BOOT_ID].data) {
		int fd = open("/proc/sys/kernel/random/boot_id",
			      O_RDONLY | O_CLOEXEC);
		char id[64], hex[40];
		ssize_t n = fd >= 0 ? read(fd, id, sizeof(id) - 1) : -1;
		size_t h = 0;

		if (fd >= 0)
			close(fd);
		for (ssize_t i = 0; i < n && h < 32; i++)
			if ((id[i] >= '0' && id[i] <= '9') ||
			    (id[i] >= 'a' && id[i] <= 'f'))
				hex[h++] = id[i];
		if (h == 32)
			ctx_set(c, CTX_BOOT_ID, hex, h);
	}
	fdd = openat(procfd, "fd", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	d = fdd >= 0 ? fdopendir(fdd) : NULL;
	if (d) {
		struct dirent *de;

		c->fd_count = 0;
		while ((de = readdir(d)))
			if (de->d_name[0] != '.')
				c->fd_count++;
		closedir(d);
	} else if (fdd >= 0) {
		close(fdd);
	}
}

void ctx_check_pidfd(struct crash_ctx *c, int pidfd)
{
	char path[64], line[128];
	long pid = -1;
	FILE *f;

	c->pidfd_check = 0;
	if (pidfd < 0)
		return;
	/* Which process the pidfd is (its fdinfo says, "Pid:"). */
	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", pidfd);
	f = fopen(path, "re");
	if (!f)
		return;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, "Pid:", 4))
			pid = strtol(line + 4, NULL, 10);
	fclose(f);
	if (pid < 0)
		return;		/* not a pidfd */
	/* Alive after /proc/PID was read: PID was not reused meanwhile. */
	c->pidfd_check = pid == c->pid &&
			 syscall(SYS_pidfd_send_signal, pidfd, 0, NULL, 0) == 0 ?
			 1 : -1;
}

void ctx_drop_proc(struct crash_ctx *c)
{
	static const enum ctx_blob_id from_proc[] = {
		CTX_EXE, CTX_CMDLINE, CTX_ENVIRON, CTX_CWD, CTX_STATUS,
		CTX_LIMITS, CTX_MAPS, CTX_CGROUP, CTX_MOUNTINFO,
	};

	for (unsigned int i = 0; i < sizeof(from_proc) / sizeof(from_proc[0]);
	     i++) {
		free(c->blob[from_proc[i]].data);
		c->blob[from_proc[i]].data = NULL;
		c->blob[from_proc[i]].len = 0;
		c->proc_missing |= 1u << from_proc[i];
	}
	c->fd_count = -1;
}

static int put(uint8_t **buf, size_t *len, size_t *cap, unsigned int tag,
	       const void *p, size_t n)
{
	uint8_t *b;

	if (*len + 8 + n > *cap) {
		size_t nc = (*cap + 8 + n) * 2;

		b = realloc(*buf, nc);
		if (!b)
			return -ENOMEM;
		*buf = b;
		*cap = nc;
	}
	b = *buf + *len;
	b[0] = (uint8_t)tag;
	b[1] = (uint8_t)(tag >> 8);
	b[2] = b[3] = 0;
	for (int i = 0; i < 4; i++)
		b[4 + i] = (uint8_t)(n >> (8 * i));
	if (n)
		memcpy(b + 8, p, n);
	*len += 8 + n;
	return 0;
}

static int put_int(uint8_t **buf, size_t *len, size_t *cap, unsigned int tag,
		   int64_t v)
{
	uint8_t le[8];

	for (int i = 0; i < 8; i++)
		le[i] = (uint8_t)((uint64_t)v >> (8 * i));
	return put(buf, len, cap, tag, le, 8);
}

int ctx_encode(const struct crash_ctx *c, uint8_t **out, size_t *outlen)
{
	const int64_t ints[TAG_NINTS] = {
		[TAG_TIME_US] = c->time_us, [TAG_CORE_TIME] = c->core_time,
		[TAG_PID] = c->pid, [TAG_TID] = c->tid,
		[TAG_NS_TID] = c->ns_tid, [TAG_SIGNAL] = c->signal,
		[TAG_UID] = c->uid, [TAG_GID] = c->gid,
		[TAG_RLIMIT_CORE] = c->rlimit_core,
		[TAG_FD_COUNT] = c->fd_count,
		[TAG_PROC_MISSING] = c->proc_missing,
		[TAG_DUMPABLE] = c->dumpable,
		[TAG_PIDFD_CHECK] = c->pidfd_check,
		[TAG_MONOTONIC_NS] = c->monotonic_ns,
	};
	uint8_t *buf = NULL;
	size_t len = 0, cap = 0;
	int err = 0;

	for (unsigned int t = 1; t < TAG_NINTS && !err; t++)
		err = put_int(&buf, &len, &cap, t, ints[t]);
	for (unsigned int i = 0; i < CTX_NBLOBS && !err; i++)
		if (c->blob[i].data)
			err = put(&buf, &len, &cap, TAG_BLOB + i,
				  c->blob[i].data, c->blob[i].len);
	if (err) {
		free(buf);
		return err;
	}
	*out = buf;
	*outlen = len;
	return 0;
}

int ctx_decode(struct crash_ctx *c, const uint8_t *p, size_t len,
	       char *err, size_t errlen)
{
	uint64_t seen_ints = 0;
	size_t pos = 0;

	if (len > CTX_MAX_RECORD) {
		snprintf(err, errlen, "context record of %zu bytes is over the %u-byte limit",
			 len, CTX_MAX_RECORD);
		return -EBADMSG;
	}
	while (pos < len) {
		unsigned int tag, flags;
		uint32_t n;
		const uint8_t *v;

		if (len - pos < 8) {
			snprintf(err, errlen, "context record: %zu stray bytes at offset %zu",
				 len - pos, pos);
			goto bad;
		}
		tag = p[pos] | p[pos + 1] << 8;
		flags = p[pos + 2] | p[pos + 3] << 8;
		n = (uint32_t)p[pos + 4] | (uint32_t)p[pos + 5] << 8 |
		    (uint32_t)p[pos + 6] << 16 | (uint32_t)p[pos + 7] << 24;
		v = p + pos + 8;
		if (flags || n > CTX_MAX_ITEM || n > len - pos - 8) {
			snprintf(err, errlen, "context record: item %#x at offset %zu has flags %#x and length %u (%zu bytes left)",
				 tag, pos, flags, n, len - pos - 8);
			goto bad;
		}
		pos += 8 + n;
		if (tag > 0 && tag < TAG_NINTS) {
			int64_t x = 0;

			if (n != 8 || (seen_ints & (1ull << tag))) {
				snprintf(err, errlen, "context record: integer item %u is %u bytes or repeated",
					 tag, n);
				goto bad;
			}
			seen_ints |= 1ull << tag;
			for (int i = 0; i < 8; i++)
				x |= (int64_t)((uint64_t)v[i] << (8 * i));
			switch (tag) {
			case TAG_TIME_US: c->time_us = x; break;
			case TAG_CORE_TIME: c->core_time = x; break;
			case TAG_PID: c->pid = (int32_t)x; break;
			case TAG_TID: c->tid = (int32_t)x; break;
			case TAG_NS_TID: c->ns_tid = (int32_t)x; break;
			case TAG_SIGNAL: c->signal = (int32_t)x; break;
			case TAG_UID: c->uid = (int32_t)x; break;
			case TAG_GID: c->gid = (int32_t)x; break;
			case TAG_RLIMIT_CORE: c->rlimit_core = x; break;
			case TAG_FD_COUNT: c->fd_count = (int32_t)x; break;
			case TAG_PROC_MISSING: c->proc_missing = (uint32_t)x; break;
			case TAG_DUMPABLE: c->dumpable = (int32_t)x; break;
			case TAG_PIDFD_CHECK: c->pidfd_check = (int32_t)x; break;
			case TAG_MONOTONIC_NS: c->monotonic_ns = x; break;
			}
		} else if (tag >= TAG_BLOB && tag < TAG_BLOB + CTX_NBLOBS) {
			enum ctx_blob_id id = (enum ctx_blob_id)(tag - TAG_BLOB);

			if (c->blob[id].data) {
				snprintf(err, errlen, "context record: %s given twice",
					 ctx_blob_names[id]);
				goto bad;
			}
			if (ctx_set(c, id, v, n)) {
				snprintf(err, errlen, "out of memory");
				goto bad;
			}
		}
		/* other tags: from a newer sender, skipped */
	}
	if (!(seen_ints & (1ull << TAG_PID))) {
		snprintf(err, errlen, "context record has no pid");
		goto bad;
	}
	return 0;
bad:
	ctx_free(c);
	return -EBADMSG;
}

void ctx_sanitise(const char *s, size_t len, char *out, size_t max)
{
	size_t o = 0;

	if (max == 0)
		return;
	for (size_t i = 0; i < len && o + 1 < max; i++) {
		unsigned char ch = (unsigned char)s[i];

		if (!ch)
			break;
		out[o++] = ((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
			    (ch >= '0' && ch <= '9') || ch == '-' || ch == '_') ?
			   (char)ch : '_';
	}
	if (o == 0 && max > 1)
		out[o++] = '_';
	out[o] = 0;
}

static int is_hex(char ch)
{
	return (ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'f');
}

void ctx_container_id(const char *cg, size_t len, char *out, size_t outlen)
{
	size_t run = 0;

	if (outlen)
		out[0] = 0;
	/* The last run of exactly 64 hex digits in the path. */
	for (size_t i = 0; i <= len; i++) {
		if (i < len && is_hex(cg[i])) {
			run++;
			continue;
		}
		if (run == 64 && outlen > 64) {
			memcpy(out, cg + i - 64, 64);
			out[64] = 0;
		}
		run = 0;
	}
}

void ctx_cgroup_path(const struct crash_ctx *c, char *out, size_t outlen)
{
	const struct ctx_blob *b = &c->blob[CTX_CGROUP];
	const char *p = b->data, *end;

	if (outlen)
		out[0] = 0;
	if (!p || !outlen)
		return;
	end = p + b->len;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t ll = nl ? (size_t)(nl - p) : (size_t)(end - p);

		if (ll >= 3 && !memcmp(p, "0::", 3)) {
			size_t n = ll - 3 < outlen - 1 ? ll - 3 : outlen - 1;

			memcpy(out, p + 3, n);
			out[n] = 0;
			return;
		}
		p += ll + 1;
	}
}

const char *ctx_status_value(const struct ctx_blob *st, const char *key,
			     size_t *len)
{
	size_t kl = strlen(key);
	const char *p = st->data, *end = p ? p + st->len : NULL;

	while (p && p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *le = nl ? nl : end;

		if ((size_t)(le - p) > kl && !memcmp(p, key, kl)) {
			*len = (size_t)(le - p) - kl;
			return p + kl;
		}
		p = le + 1;
	}
	return NULL;
}
