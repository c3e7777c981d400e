// SPDX-License-Identifier: GPL-2.0
/*
 * dump.c - a dump's life in the store (see dump.h): the policy around the
 * bytes that persist.c moves.  Every file is created with openat(O_EXCL |
 * O_NOFOLLOW, 0600) under the store's directory fd, with a name made only
 * of sanitised parts, and renamed into place once complete and fsync'd.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <time.h>
#include <unistd.h>

#include <zstd.h>

#include "core/json.h"
#include "gocapd/annotate.h"
#include "gocapd/dump.h"
#include "gocapd/exeinfo.h"

int dump_store_open(struct dump_env *env, const char *dir)
{
	char err[512];
	int ret = store_open(&env->store, dir, STORE_O_CREATE, err,
			     sizeof(err));

	if (ret)
		logmsg("%s", err);
	return ret;
}

void dump_init(struct dump *d)
{
	memset(d, 0, sizeof(*d));
	ctx_init(&d->ctx);
	d->exe_fd = -1;
	d->out_fd = -1;
}

void dump_free(struct dump *d)
{
	ctx_free(&d->ctx);
	if (d->exe_fd >= 0)
		close(d->exe_fd);
	if (d->out_fd >= 0)
		close(d->out_fd);
	d->exe_fd = d->out_fd = -1;
}

static int tmp_dirfd(struct dump_env *env)
{
	return openat(store_dirfd(env->store), STORE_TMP_DIR,
		      O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
}

static void fs_space(struct dump_env *env, uint64_t *size, uint64_t *avail)
{
	struct statvfs sv;

	*size = *avail = 0;
	if (fstatvfs(store_dirfd(env->store), &sv) == 0) {
		*size = (uint64_t)sv.f_blocks * sv.f_frsize;
		*avail = (uint64_t)sv.f_bavail * sv.f_frsize;
	}
}

struct oldest {
	int64_t keep_id, id;
};

static int pick_oldest(void *arg, const struct store_dump *d)
{
	struct oldest *o = arg;

	if (d->id == o->keep_id)
		return 0;
	o->id = d->id;
	return 1;
}

int dump_vacuum(struct dump_env *env, int64_t keep_id)
{
	const struct gocapd_config *cfg = env->cfg;
	struct store_filter f = { .limit = 2 };
	uint64_t fs, avail, total, max_use, keep_free;
	int evicted = 0;

	for (;;) {
		struct oldest o = { keep_id, 0 };
		int64_t freed;

		fs_space(env, &fs, &avail);
		max_use = config_size_bytes(&cfg->max_use, fs);
		keep_free = config_size_bytes(&cfg->keep_free, fs);
		if (store_total_size(env->store, &total) < 0)
			return -EIO;
		if (!((max_use && total > max_use) ||
		      (keep_free && avail < keep_free)))
			break;
		if (store_list(env->store, &f, pick_oldest, &o) < 0 || !o.id)
			break;		/* nothing left that may go */
		freed = store_delete(env->store, o.id);
		if (freed < 0) {
			logmsg("evicting dump %lld: %s", (long long)o.id,
			       store_error(env->store));
			return (int)freed;
		}
		logmsg("evicted dump %lld (%lld bytes): store uses %llu of MaxUse %llu, %llu bytes free, KeepFree %llu",
		       (long long)o.id, (long long)freed,
		       (unsigned long long)total, (unsigned long long)max_use,
		       (unsigned long long)avail,
		       (unsigned long long)keep_free);
		evicted++;
	}
	return evicted;
}

static const char *rate_key(const struct dump *d)
{
	const struct ctx_blob *e = &d->ctx.blob[CTX_EXE];

	if (e->data && e->len)
		return e->data;
	return d->ctx.blob[CTX_COMM].data ? d->ctx.blob[CTX_COMM].data : "?";
}

int dump_begin(struct dump_env *env, struct dump *d)
{
	const struct gocapd_config *cfg = env->cfg;
	char comm[33], boot[33];
	uint64_t fs, avail, keep_free;
	int tfd, ret;

	ret = store_ratelimit(env->store, rate_key(d), d->ctx.time_us,
			      (int64_t)cfg->rate_interval_us, cfg->rate_burst,
			      &d->suppressed_before);
	if (ret < 0) {
		logmsg("rate limit: %s (storing anyway)",
		       store_error(env->store));
	} else if (ret == 0) {
		logmsg("dump of %s (pid %d, signal %d) suppressed: more than %u dumps of it in %llu s (RateLimit)",
		       rate_key(d), d->ctx.pid, d->ctx.signal, cfg->rate_burst,
		       (unsigned long long)(cfg->rate_interval_us / 1000000));
		return 1;
	}

	ctx_sanitise(d->ctx.blob[CTX_COMM].data ? d->ctx.blob[CTX_COMM].data : "",
		     d->ctx.blob[CTX_COMM].len, comm, sizeof(comm));
	ctx_sanitise(d->ctx.blob[CTX_BOOT_ID].data ?
		     d->ctx.blob[CTX_BOOT_ID].data : "unknown",
		     d->ctx.blob[CTX_BOOT_ID].data ?
		     d->ctx.blob[CTX_BOOT_ID].len : 7, boot, sizeof(boot));
	snprintf(d->base, sizeof(d->base), "core.%s.%d.%s.%d.%lld", comm,
		 d->ctx.uid, boot, d->ctx.pid, (long long)d->ctx.time_us);
	d->storage = cfg->storage;
	snprintf(d->core_name, sizeof(d->core_name), "%s%s", d->base,
		 d->storage == STORE_ZSTD ? ".zst" : "");

	if (d->storage == STORE_NONE) {
		snprintf(d->why, sizeof(d->why), "Storage=none");
		return 0;
	}
	dump_vacuum(env, 0);
	fs_space(env, &fs, &avail);
	keep_free = config_size_bytes(&cfg->keep_free, fs);
	if (keep_free && avail < keep_free) {
		snprintf(d->why, sizeof(d->why),
			 "only %llu bytes free on the store's file system, KeepFree is %llu",
			 (unsigned long long)avail,
			 (unsigned long long)keep_free);
		d->storage = STORE_NONE;
		return 0;
	}
	snprintf(d->tmp_name, sizeof(d->tmp_name), "%s.partial", d->core_name);
	tfd = tmp_dirfd(env);
	if (tfd < 0)
		return -errno;
	d->out_fd = openat(tfd, d->tmp_name,
			   O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
			   0600);
	ret = d->out_fd < 0 ? -errno : 0;
	close(tfd);
	if (ret) {
		snprintf(d->why, sizeof(d->why), "cannot create %s/%s/%s: %s",
			 store_path(env->store), STORE_TMP_DIR, d->tmp_name,
			 strerror(-ret));
		d->storage = STORE_NONE;
		logmsg("%s", d->why);
	}
	return 0;
}

void dump_persist_params(struct dump_env *env, struct dump *d,
			 struct persist_params *p)
{
	memset(p, 0, sizeof(*p));
	p->out_fd = d->out_fd;
	p->storage = d->out_fd >= 0 ? d->storage : STORE_NONE;
	p->level = env->cfg->compress_level;
	p->zstd_workers = env->zstd_workers;
	p->size_max = env->cfg->process_size_max;
}

/*
 * Save the executable under exe/<build id> unless it is there already:
 * copied from the fd opened on /proc/PID/exe, so it is the very file that
 * crashed even when it has been replaced or deleted since.
 */
static void save_exe(struct dump_env *env, int exe_fd, const char *id,
		     char *name, size_t namelen)
{
	char key[STORE_NAME_LEN - 8], tmp[STORE_NAME_LEN];
	struct stat sb;
	int dfd = store_dirfd(env->store), tfd, out;
	off_t off = 0;

	/* Build IDs are hex (GNU) or base64url with '/' (Go): map '/' to
	 * '.', refuse anything else, so that distinct IDs stay distinct. */
	for (size_t i = 0; ; i++) {
		char ch = id[i];

		if (i + 1 >= sizeof(key)) {
			name[0] = 0;
			return;
		}
		key[i] = ch == '/' ? '.' : ch;
		if (!ch)
			break;
		if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
		      (ch >= '0' && ch <= '9') || ch == '_' || ch == '-' ||
		      ch == '/')) {
			logmsg("build ID \"%.64s\" has unexpected characters: executable not saved",
			       id);
			name[0] = 0;
			return;
		}
	}
	snprintf(name, namelen, STORE_EXE_DIR "/%s", key);
	if (!store_name_ok(name)) {
		name[0] = 0;
		return;
	}
	if (fstatat(dfd, name, &sb, AT_SYMLINK_NOFOLLOW) == 0)
		return;			/* saved by an earlier dump */
	if (fstat(exe_fd, &sb) < 0 || !S_ISREG(sb.st_mode))
		goto fail;
	tfd = tmp_dirfd(env);
	if (tfd < 0)
		goto fail;
	snprintf(tmp, sizeof(tmp), "exe.%s.%d", key, getpid());
	out = openat(tfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW |
		     O_CLOEXEC, 0600);
	if (out < 0) {
		close(tfd);
		goto fail;
	}
	while (off < sb.st_size) {
		ssize_t n = copy_file_range(exe_fd, &off, out, NULL,
					    (size_t)(sb.st_size - off), 0);

		if (n <= 0) {
			char buf[65536];

			/* copy_file_range may be refused across file
			 * systems on old kernels: plain copy. */
			n = pread(exe_fd, buf, sizeof(buf), off);
			if (n <= 0 || write(out, buf, (size_t)n) != n)
				break;
			off += n;
		}
	}
	if (off != sb.st_size || fsync(out) < 0 ||
	    renameat2(tfd, tmp, dfd, name, RENAME_NOREPLACE) < 0) {
		if (errno != EEXIST)
			logmsg("saving the executable as %s: %s", name,
			       strerror(errno));
		unlinkat(tfd, tmp, 0);
		close(out);
		close(tfd);
		if (fstatat(dfd, name, &sb, AT_SYMLINK_NOFOLLOW) == 0)
			return;		/* another dump won the race */
		name[0] = 0;
		return;
	}
	close(out);
	close(tfd);
	return;
fail:
	logmsg("cannot save the executable %s: %s", name, strerror(errno));
	name[0] = 0;
}

static void fill_row(struct dump *d, struct store_dump *row)
{
	const struct crash_ctx *c = &d->ctx;

	memset(row, 0, sizeof(*row));
	row->time_us = c->time_us;
	row->pid = c->pid;
	row->uid = c->uid;
	row->gid = c->gid;
	row->signal = c->signal;
	if (c->blob[CTX_EXE].data)
		snprintf(row->exe, sizeof(row->exe), "%s", c->blob[CTX_EXE].data);
	ctx_sanitise(c->blob[CTX_COMM].data ? c->blob[CTX_COMM].data : "",
		     c->blob[CTX_COMM].len, row->comm, 33);
	if (c->blob[CTX_HOSTNAME].data)
		ctx_sanitise(c->blob[CTX_HOSTNAME].data,
			     c->blob[CTX_HOSTNAME].len, row->hostname,
			     sizeof(row->hostname));
	if (c->blob[CTX_BOOT_ID].data)
		snprintf(row->boot_id, sizeof(row->boot_id), "%s",
			 c->blob[CTX_BOOT_ID].data);
	ctx_cgroup_path(c, row->cgroup, sizeof(row->cgroup));
	ctx_container_id(row->cgroup, strlen(row->cgroup), row->container_id,
			 sizeof(row->container_id));
	snprintf(row->annotation_file, sizeof(row->annotation_file), "%s.json",
		 d->base);
	row->suppressed_before = d->suppressed_before;
}

static void write_annotation(struct dump_env *env, const struct store_dump *row,
			     const struct crash_ctx *ctx,
			     const struct exe_info *x,
			     const struct core_facts *cf, uint64_t file_size)
{
	char tmp[STORE_NAME_LEN + 16];
	int tfd = tmp_dirfd(env), fd;
	json_t *ann;
	FILE *f;
	int bad;

	snprintf(tmp, sizeof(tmp), "%s.partial", row->annotation_file);
	fd = tfd < 0 ? -1 : openat(tfd, tmp, O_WRONLY | O_CREAT | O_TRUNC |
				   O_NOFOLLOW | O_CLOEXEC, 0600);
	f = fd < 0 ? NULL : fdopen(fd, "w");
	if (!f) {
		logmsg("cannot write the annotation %s: %s",
		       row->annotation_file, strerror(errno));
		if (fd >= 0)
			close(fd);
		if (tfd >= 0)
			close(tfd);
		return;
	}
	ann = annotate_json(row, ctx, x, cf, file_size);
	bad = !ann || js_write(f, ann, 1);
	json_decref(ann);
	if (!ann)
		errno = ENOMEM;
	bad = bad || fflush(f) != 0 || fsync(fd) < 0;
	bad |= fclose(f) != 0;
	if (bad || renameat(tfd, tmp, store_dirfd(env->store),
			    row->annotation_file) < 0) {
		logmsg("cannot write the annotation %s: %s",
		       row->annotation_file, strerror(errno));
		unlinkat(tfd, tmp, 0);
	}
	close(tfd);
}

/*
 * Why nothing can be kept of the core, from the most to the least severe
 * reason, into why (empty when the file may be kept).
 */
static void finish_why_not_kept(struct dump_env *env, const struct dump *d,
				const struct persist_result *r, char *why,
				size_t len)
{
	if (r->write_error)
		snprintf(why, len,
			 "writing the core failed after %llu of %llu bytes: %s; partial file deleted",
			 (unsigned long long)r->stored,
			 (unsigned long long)r->received,
			 strerror(r->write_error));
	else if (r->over_size_max)
		snprintf(why, len,
			 "the core is %llu bytes, over ProcessSizeMax=%llu",
			 (unsigned long long)r->received,
			 (unsigned long long)env->cfg->process_size_max);
	else if (r->received == 0 && !d->why[0])
		snprintf(why, len, "the kernel sent no core bytes");
	else
		snprintf(why, len, "%s", d->why);
}

/* A kept core is complete, or truncated for the first of these reasons. */
static void finish_status(const struct dump *d, const struct persist_result *r,
			  const struct core_facts *cf, struct store_dump *row)
{
	row->status = STORE_TRUNCATED;
	if (d->trunc_why[0])
		snprintf(row->status_why, sizeof(row->status_why), "%s",
			 d->trunc_why);
	else if (r->read_error)
		snprintf(row->status_why, sizeof(row->status_why),
			 "reading the core stream failed after %llu bytes: %s",
			 (unsigned long long)r->received,
			 strerror(r->read_error));
	else if (cf->expected_size > r->received)
		snprintf(row->status_why, sizeof(row->status_why),
			 "the core's headers describe %llu bytes, only %llu arrived",
			 (unsigned long long)cf->expected_size,
			 (unsigned long long)r->received);
	else
		row->status = STORE_COMPLETE;
}

/*
 * Move the core from .tmp/ into place, or delete it (first: the row must
 * still fit on the disk).  Returns 1 when kept; why says otherwise why
 * not.  d->out_fd is closed either way.
 */
static int finish_place_core(struct dump_env *env, struct dump *d,
			     const struct persist_result *r,
			     struct store_dump *row, char *why, size_t len)
{
	int dfd = store_dirfd(env->store), tfd = tmp_dirfd(env), kept = 0;

	if (d->out_fd >= 0 && !why[0]) {
		if (tfd >= 0 &&
		    renameat(tfd, d->tmp_name, dfd, d->core_name) == 0) {
			snprintf(row->core_file, sizeof(row->core_file), "%s",
				 d->core_name);
			row->storage = d->storage;
			row->size_on_disk = r->file_blocks;
			fsync(dfd);
			kept = 1;
		} else {
			snprintf(why, len,
				 "cannot move the core into the store: %s",
				 strerror(errno));
		}
	}
	if (!kept) {
		row->status = STORE_METADATA_ONLY;
		row->storage = STORE_NONE;
		snprintf(row->status_why, sizeof(row->status_why), "%s",
			 why[0] ? why : "not stored");
		if (d->out_fd >= 0 && tfd >= 0)
			unlinkat(tfd, d->tmp_name, 0);
	}
	if (tfd >= 0)
		close(tfd);
	if (d->out_fd >= 0) {
		close(d->out_fd);
		d->out_fd = -1;
	}
	return kept;
}

/* The executable's build IDs and Go build info; save it once per ID. */
static void finish_exe(struct dump_env *env, struct dump *d,
		       struct store_dump *row, struct exe_info *x)
{
	struct goelf_reader rd;
	struct stat sb;

	if (d->exe_fd < 0)
		return;
	if (fstat(d->exe_fd, &sb) == 0) {
		exeinfo_fd_reader(&rd, &d->exe_fd, (uint64_t)sb.st_size);
		exeinfo_read(&rd, x);
	}
	snprintf(row->exe_build_id, sizeof(row->exe_build_id), "%s",
		 x->gnu_build_id[0] ? x->gnu_build_id : x->go_build_id);
	if (env->cfg->save_executable && row->exe_build_id[0])
		save_exe(env, d->exe_fd, row->exe_build_id, row->saved_exe,
			 sizeof(row->saved_exe));
}

int dump_finish(struct dump_env *env, struct dump *d,
		const struct persist_result *r)
{
	struct store_dump *row = malloc(sizeof(*row));
	char why[STORE_WHY_LEN];
	struct exe_info x;
	struct core_facts cf;
	int ret, kept;

	if (!row)
		return -ENOMEM;
	memset(&x, 0, sizeof(x));
	core_facts_read(&cf, r->head, r->head_len);
	fill_row(d, row);
	if (!row->signal && cf.have_siginfo)
		row->signal = cf.si_signo;	/* socket mode has no %s */
	row->si_code = cf.have_siginfo ? cf.si_code : 0;
	row->apparent_size = r->received;

	finish_why_not_kept(env, d, r, why, sizeof(why));
	finish_status(d, r, &cf, row);
	kept = finish_place_core(env, d, r, row, why, sizeof(why));
	finish_exe(env, d, row, &x);

	ret = store_insert(env->store, row);
	if (ret < 0) {
		logmsg("cannot index the dump of pid %d (%s): %s", row->pid,
		       row->exe, store_error(env->store));
	} else {
		d->id = row->id;
		d->status = row->status;
		write_annotation(env, row, &d->ctx, &x, &cf,
				 kept ? r->file_size : 0);
		logmsg("dump %lld of %s (pid %d, signal %d): %s%s%s, %llu bytes, %llu on disk",
		       (long long)row->id, row->exe, row->pid, row->signal,
		       store_status_name(row->status),
		       row->status_why[0] ? ": " : "", row->status_why,
		       (unsigned long long)row->apparent_size,
		       (unsigned long long)row->size_on_disk);
		dump_vacuum(env, row->id);
	}
	exeinfo_free(&x);
	core_facts_free(&cf);
	free(row);
	return ret;
}

/* Decompress up to len bytes from the start of a zstd file (the head). */
static size_t zstd_head(int fd, uint64_t file_bytes, uint8_t *out, size_t len)
{
	ZSTD_DStream *zd = ZSTD_createDStream();
	ZSTD_outBuffer ob = { out, len, 0 };
	uint8_t in[65536];
	uint64_t off = 0;

	if (!zd)
		return 0;
	while (off < file_bytes && ob.pos < ob.size) {
		size_t want = file_bytes - off < sizeof(in) ?
			      (size_t)(file_bytes - off) : sizeof(in);
		ssize_t n = pread(fd, in, want, (off_t)off);
		ZSTD_inBuffer ib = { in, 0, 0 };

		if (n <= 0)
			break;
		ib.size = (size_t)n;
		while (ib.pos < ib.size && ob.pos < ob.size)
			if (ZSTD_isError(ZSTD_decompressStream(zd, &ob, &ib)))
				goto out;
		off += (uint64_t)n;
	}
out:
	ZSTD_freeDStream(zd);
	return ob.pos;
}

int dump_takeover(struct dump_env *env, struct dump *d, int in_fd,
		  uint64_t core, uint64_t file_bytes)
{
	struct persist_result r;
	uint8_t *head = NULL, buf[65536];
	uint64_t rest = 0;
	size_t hl;
	ssize_t n;
	int tfd, ret;
	struct stat sb;

	memset(&r, 0, sizeof(r));
	tfd = tmp_dirfd(env);
	if (core == 0) {
		/* Nothing confirmed (a zstd core under 64 MiB, or an early
		 * death): no prefix to keep, only the metadata. */
		if (tfd >= 0)
			unlinkat(tfd, d->tmp_name, 0);
		d->out_fd = -1;
		snprintf(d->why, sizeof(d->why),
			 "the gocapd daemon went away during the dump before confirming any core bytes");
	} else {
		d->out_fd = tfd < 0 ? -1 : openat(tfd, d->tmp_name,
						  O_RDWR | O_NOFOLLOW | O_CLOEXEC);
	}
	if (tfd >= 0)
		close(tfd);
	/* Drain what the kernel still has, to learn how much was lost. */
	while ((n = read(in_fd, buf, sizeof(buf))) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			break;
		rest += (uint64_t)n;
	}
	if (core == 0)
		return dump_finish(env, d, &r);
	if (d->out_fd < 0 || ftruncate(d->out_fd, (off_t)file_bytes) < 0 ||
	    fsync(d->out_fd) < 0 || fstat(d->out_fd, &sb) < 0) {
		snprintf(d->why, sizeof(d->why),
			 "the gocapd daemon went away during the dump, and its partial file could not be kept: %s",
			 strerror(errno));
		if (d->out_fd >= 0)
			close(d->out_fd);
		d->out_fd = -1;
		return dump_finish(env, d, &r);
	}
	/* The head (notes) is at the start of what the daemon wrote. */
	hl = core < PERSIST_HEAD_MAX ? core : PERSIST_HEAD_MAX;
	head = malloc(hl);
	if (head && d->storage == STORE_RAW &&
	    pread(d->out_fd, head, hl, 0) == (ssize_t)hl) {
		r.head = head;
		r.head_len = hl;
	} else if (head && d->storage == STORE_ZSTD) {
		r.head = head;
		r.head_len = zstd_head(d->out_fd, file_bytes, head, hl);
	}
	snprintf(d->trunc_why, sizeof(d->trunc_why),
		 "the gocapd daemon went away during the dump: the %llu core bytes it had confirmed are stored, the rest (%llu bytes still in the pipe, and what the daemon had read) is lost",
		 (unsigned long long)core, (unsigned long long)rest);
	r.received = core;
	r.stored = core;
	r.file_size = (uint64_t)sb.st_size;
	r.file_blocks = (uint64_t)sb.st_blocks * 512;
	ret = dump_finish(env, d, &r);
	free(head);
	if (ret == 0) {
		struct store_dump row;

		if (store_get(env->store, d->id, &row) == 0)
			logmsg("dump %lld: the daemon went away; kept the first %llu confirmed bytes, %llu more bytes were drained and lost",
			       (long long)d->id, (unsigned long long)core,
			       (unsigned long long)rest);
	}
	return ret;
}
