// SPDX-License-Identifier: GPL-2.0
/*
 * dump.c - a dump's life in the store (see dump.h): the policy around the
 * bytes that persist.c moves.  Every file is created with openat(O_EXCL |
 * O_NOFOLLOW, 0600) under the store's directory fds (store.h), with a name
 * made only of sanitised parts, flock'd while it is written (a file nobody
 * holds is a dead writer's), and becomes part of the store only through
 * store_commit().
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <zstd.h>

#include "core/json.h"
#include "gocapd/annotate.h"
#include "gocapd/dump.h"
#include "gocapd/exeinfo.h"
#include "gocapd/failpoint.h"
#include "store/paths.h"
#include "store/sha256.h"

int dump_store_open(struct dump_env *env, const char *dir,
		    unsigned int flags)
{
	char err[512];
	int ret;

	env->store_dir = dir;
	env->store_flags = flags;
	ret = store_open(&env->store, dir, STORE_O_CREATE | STORE_O_REPAIR |
			 flags, err, sizeof(err));
	if (ret) {
		logmsg("%s", err);
		return ret;
	}
	if (!env->space && (ret = space_new(&env->space, &env->store,
					    env->cfg))) {
		store_close(env->store);
		env->store = NULL;
		logmsg("out of memory");
		return ret;
	}
	return 0;
}

void dump_store_close(struct dump_env *env)
{
	space_free(env->space);
	env->space = NULL;
	store_close(env->store);
	env->store = NULL;
}

int dump_store_check(struct dump_env *env)
{
	struct store *old = env->store, *s;
	char err[512];
	int ret;

	if (!old || store_still_there(old))
		return 0;
	ret = store_open(&s, env->store_dir, STORE_O_CREATE | STORE_O_REPAIR |
			 env->store_flags, err, sizeof(err));
	if (ret) {
		logmsg("the store %s is gone and cannot be made again: %s",
		       store_path(old), err);
		return ret;
	}
	logmsg("the store %s was deleted or replaced: opened it anew",
	       store_path(old));
	/* (dumps in flight keep their own fds of the old .tmp/) */
	env->store = s;
	store_close(old);
	return 1;
}

void dump_init(struct dump *d)
{
	memset(d, 0, sizeof(*d));
	ctx_init(&d->ctx);
	d->exe_fd = -1;
	d->out_fd = -1;
	d->exe_tmp_fd = -1;
	d->tmpfd = -1;
	d->sb.fd = -1;
}

void dump_free(struct dump *d)
{
	ctx_free(&d->ctx);
	if (d->exe_fd >= 0)
		close(d->exe_fd);
	if (d->out_fd >= 0) {
		/* never committed: a partial file nobody will finish */
		if (d->tmp_name[0] && d->tmpfd >= 0)
			unlinkat(d->tmpfd, d->tmp_name, 0);
		close(d->out_fd);
	}
	if (d->exe_tmp_fd >= 0) {
		unlinkat(d->tmpfd, d->exe_tmp, 0);
		close(d->exe_tmp_fd);
	}
	if (d->parsing) {
		struct parse_facts pf;

		sandbox_finish(&d->sb, &pf);
		parse_facts_free(&pf);
	}
	space_release(d->claim);
	store_pending_drop(d->pending);
	d->claim = NULL;
	d->pending = NULL;
	d->parsing = 0;
	if (d->tmpfd >= 0)
		close(d->tmpfd);
	d->exe_fd = d->out_fd = d->exe_tmp_fd = d->tmpfd = -1;
}

static const char *rate_key(const struct dump *d)
{
	const struct ctx_blob *e = &d->ctx.blob[CTX_EXE];

	if (e->data && e->len)
		return e->data;
	return d->ctx.blob[CTX_COMM].data ? d->ctx.blob[CTX_COMM].data : "?";
}

/* A new file in .tmp/ for this process to write, flock'd: -1 on error. */
static int tmp_create(struct dump *d, const char *name)
{
	int fd = paths_openat(d->tmpfd, name, O_RDWR | O_CREAT | O_EXCL,
			      0600);

	if (fd < 0) {
		errno = -fd;
		return -1;
	}
	if (flock(fd, LOCK_EX) < 0) {
		int err = errno;

		unlinkat(d->tmpfd, name, 0);
		close(fd);
		errno = err;
		return -1;
	}
	return fd;
}

int dump_begin(struct dump_env *env, struct dump *d)
{
	const struct gocapd_config *cfg = env->cfg;
	char comm[33], boot[33];
	int ret;

	ret = store_ratelimit(env->store, rate_key(d), d->ctx.time_us,
			      (int64_t)cfg->rate_interval_us, cfg->rate_burst,
			      &d->suppressed_before);
	if (ret < 0) {
		/* A locked or broken index does not stop capture. */
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

	if (d->tmpfd < 0)
		d->tmpfd = fcntl(store_tmpfd(env->store), F_DUPFD_CLOEXEC, 3);
	if (d->tmpfd < 0)
		return -errno;
	/* Room for the metadata, and the core's prefix (space.h). */
	d->claim = space_claim(env->space, d->ctx.time_us, d->why,
			       sizeof(d->why));
	if (d->storage == STORE_NONE) {
		snprintf(d->why, sizeof(d->why), "Storage=none");
		return 0;
	}
	if (cfg->core_limit_honor && d->ctx.rlimit_core == 0) {
		snprintf(d->why, sizeof(d->why),
			 "the process's RLIMIT_CORE is 0 (CoreLimit=honor)");
		d->storage = STORE_NONE;
		return 0;
	}
	if (d->why[0]) {
		d->storage = STORE_NONE;
		return 0;
	}
	/* The writer's pid in the name: two writers of one crash (the
	 * daemon, a helper that withdrew) never share a file. */
	snprintf(d->tmp_name, sizeof(d->tmp_name), "%s.%d.partial",
		 d->core_name, getpid());
	d->out_fd = tmp_create(d, d->tmp_name);
	if (d->out_fd < 0) {
		snprintf(d->why, sizeof(d->why), "cannot create %s/%s/%s: %s",
			 store_path(env->store), STORE_TMP_DIR, d->tmp_name,
			 strerror(errno));
		d->storage = STORE_NONE;
		logmsg("%s", d->why);
	}
	return 0;
}

static uint64_t on_reserve(void *arg, uint64_t need)
{
	struct dump *d = arg;

	return d->claim ? space_reserve(d->claim, need) : need;
}


/*
 * The space policy cut d.  A helper that takes over if the daemon dies
 * must cut the file where the daemon did, not at an older progress point
 * past it: a note next to the partial file says where (dump_takeover()
 * reads it), and the helper is told too.
 */
static void on_cut(void *arg, uint64_t core, uint64_t file_bytes)
{
	struct dump *d = arg;
	char name[sizeof(d->tmp_name) + 8], text[64];
	int fd, n;

	d->cut = 1;
	d->cut_core = core;
	d->cut_file = file_bytes;
	snprintf(name, sizeof(name), "%s.cut", d->tmp_name);
	n = snprintf(text, sizeof(text), "%llu %llu\n",
		     (unsigned long long)core, (unsigned long long)file_bytes);
	fd = paths_openat(d->tmpfd, name, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	if (fd >= 0) {
		if (write(fd, text, (size_t)n) != n)
			logmsg("%s/%s: cannot write", STORE_TMP_DIR, name);
		close(fd);
	}
	if (d->on_progress)
		d->on_progress(d->cb_arg, core, file_bytes);
}

static void on_progress(void *arg, uint64_t core, uint64_t file_bytes)
{
	struct dump *d = arg;

	if (d->on_progress)
		d->on_progress(d->cb_arg, core, file_bytes);
}

static void on_written(void *arg, uint64_t received, uint64_t core,
		       uint64_t file_bytes)
{
	struct dump *d = arg;

	if (d->on_written)
		d->on_written(d->cb_arg, received, core, file_bytes);
}

static void on_done(void *arg, const struct persist_result *r)
{
	struct dump *d = arg;

	space_claim_job(d->claim, NULL);
	d->job = NULL;
	if (d->on_done)
		d->on_done(d->cb_arg, r);
}

int dump_start(struct dump_env *env, struct dump *d,
	       struct persist_ring *ring, int in_fd)
{
	struct persist_params p;
	int ret;

	memset(&p, 0, sizeof(p));
	p.in_fd = in_fd;
	p.out_fd = d->out_fd;
	p.storage = d->out_fd >= 0 ? d->storage : STORE_NONE;
	p.level = env->cfg->compress_level;
	p.zstd_workers = env->zstd_workers;
	p.size_max = env->cfg->process_size_max;
	/* CoreLimit=honor: the process's own RLIMIT_CORE (%c) is a limit too. */
	if (env->cfg->core_limit_honor && d->ctx.rlimit_core > 0 &&
	    (!p.size_max || (uint64_t)d->ctx.rlimit_core < p.size_max))
		p.size_max = (uint64_t)d->ctx.rlimit_core;
	p.reserve = on_reserve;
	p.cut = on_cut;
	p.progress = d->on_progress ? on_progress : NULL;
	p.written = d->on_written ? on_written : NULL;
	p.done = on_done;
	p.arg = d;
	ret = persist_start(ring, &p, &d->job);
	if (ret == 0)
		space_claim_job(d->claim, d->job);
	return ret;
}

/* --- the executable, saved by content ---------------------------------- */

/*
 * Executables saved lately, by the file that crashed (device, inode, size
 * and change time: a file written to is another file): a crash loop
 * copies and hashes its executable once.
 */
struct exe_seen {
	dev_t dev;
	ino_t ino;
	off_t size;
	struct timespec mtime, ctime;
	char name[STORE_NAME_LEN];
	char build_id[STORE_BUILDID_LEN];
};
#define EXE_SEEN_MAX	64
static struct exe_seen exe_seen[EXE_SEEN_MAX];
static unsigned int exe_seen_next;

static int same_file(const struct exe_seen *e, const struct stat *sb)
{
	return e->name[0] && e->dev == sb->st_dev && e->ino == sb->st_ino &&
	       e->size == sb->st_size &&
	       e->mtime.tv_sec == sb->st_mtim.tv_sec &&
	       e->mtime.tv_nsec == sb->st_mtim.tv_nsec &&
	       e->ctime.tv_sec == sb->st_ctim.tv_sec &&
	       e->ctime.tv_nsec == sb->st_ctim.tv_nsec;
}

static const struct exe_seen *exe_seen_find(struct dump_env *env,
					    const struct stat *sb)
{
	struct stat ssb;

	for (unsigned int i = 0; i < EXE_SEEN_MAX; i++)
		if (same_file(&exe_seen[i], sb) &&
		    fstatat(store_dirfd(env->store), exe_seen[i].name, &ssb,
			    AT_SYMLINK_NOFOLLOW) == 0)
			return &exe_seen[i];
	return NULL;
}

static void exe_seen_add(const struct stat *sb, const char *name,
			 const char *build_id)
{
	struct exe_seen *e = &exe_seen[exe_seen_next++ % EXE_SEEN_MAX];

	e->dev = sb->st_dev;
	e->ino = sb->st_ino;
	e->size = sb->st_size;
	e->mtime = sb->st_mtim;
	e->ctime = sb->st_ctim;
	snprintf(e->name, sizeof(e->name), "%s", name);
	snprintf(e->build_id, sizeof(e->build_id), "%s", build_id);
}

/* Before the parser runs: is the executable to be copied (by it)? */
static void exe_prepare(struct dump_env *env, struct dump *d,
			struct sandbox_input *in)
{
	const struct gocapd_config *cfg = env->cfg;
	const struct exe_seen *seen;
	struct stat sb;

	if (d->exe_fd < 0 || !cfg->save_executable ||
	    fstat(d->exe_fd, &sb) < 0 || !S_ISREG(sb.st_mode))
		return;
	seen = exe_seen_find(env, &sb);
	if (seen) {
		snprintf(d->exe_saved, sizeof(d->exe_saved), "%s", seen->name);
		snprintf(d->exe_build_id, sizeof(d->exe_build_id), "%s",
			 seen->build_id);
		return;
	}
	if (cfg->process_size_max &&
	    (uint64_t)sb.st_size > cfg->process_size_max) {
		snprintf(d->exe_why, sizeof(d->exe_why),
			 "the executable is %llu bytes, over ProcessSizeMax=%llu",
			 (unsigned long long)sb.st_size,
			 (unsigned long long)cfg->process_size_max);
		return;
	}
	/* A sparse file costs its blocks, not its length; and an
	 * executable is an extra: it never evicts or cuts a dump. */
	if (d->claim && !space_claim_exe(d->claim,
					 (uint64_t)sb.st_blocks * 512)) {
		snprintf(d->exe_why, sizeof(d->exe_why),
			 "no room for the executable (%llu bytes of blocks) within MaxUse and KeepFree",
			 (unsigned long long)sb.st_blocks * 512);
		return;
	}
	snprintf(d->exe_tmp, sizeof(d->exe_tmp), "exe-%s.%d.partial", d->base,
		 getpid());
	d->exe_tmp_fd = tmp_create(d, d->exe_tmp);
	if (d->exe_tmp_fd < 0)
		snprintf(d->exe_why, sizeof(d->exe_why),
			 "cannot create %s/%s: %s", STORE_TMP_DIR, d->exe_tmp,
			 strerror(errno));
	in->exe_out_fd = d->exe_tmp_fd;
}

/* After it: put the copy in place as exe/<build id>.<sha256>. */
static void exe_place(struct dump_env *env, struct dump *d,
		      const struct parse_facts *pf, struct store_dump *row)
{
	char name[STORE_NAME_LEN];
	struct stat sb;

	if (d->exe_saved[0]) {
		snprintf(row->saved_exe, sizeof(row->saved_exe), "%s",
			 d->exe_saved);
		row->exe_size = store_file_blocks(env->store, d->exe_saved);
		return;
	}
	if (d->exe_tmp_fd < 0)
		return;
	if (!pf->copy.done) {
		if (!d->exe_why[0])
			snprintf(d->exe_why, sizeof(d->exe_why), "%s",
				 pf->copy.error[0] ? pf->copy.error :
				 pf->parser[0] ? pf->parser :
				 "the executable was not copied");
	} else if (!row->exe_build_id[0]) {
		snprintf(d->exe_why, sizeof(d->exe_why),
			 "the executable has no build ID");
	} else if (store_exe_name(row->exe_build_id, pf->copy.sha256, name,
				  sizeof(name))) {
		snprintf(d->exe_why, sizeof(d->exe_why),
			 "the build ID \"%.64s\" has unexpected characters",
			 row->exe_build_id);
	} else if (renameat2(d->tmpfd, d->exe_tmp, store_exefd(env->store),
			     name + sizeof(STORE_EXE_DIR), RENAME_NOREPLACE) == 0 ||
		   errno == EEXIST) {
		/* EEXIST: the same bytes are saved already. */
		snprintf(row->saved_exe, sizeof(row->saved_exe), "%s", name);
		row->exe_size = store_file_blocks(env->store, name);
		if (d->exe_fd >= 0 && fstat(d->exe_fd, &sb) == 0)
			exe_seen_add(&sb, name, row->exe_build_id);
	} else {
		snprintf(d->exe_why, sizeof(d->exe_why),
			 "cannot put the executable in place as %s: %s", name,
			 strerror(errno));
	}
	unlinkat(d->tmpfd, d->exe_tmp, 0);
	close(d->exe_tmp_fd);
	d->exe_tmp_fd = -1;
}

void dump_written(struct dump_env *env, struct dump *d,
		  const struct persist_result *r)
{
	struct sandbox_input in = {
		.head = r->head, .head_len = r->head_len,
		.exe_fd = d->exe_fd, .exe_out_fd = -1,
	};
	int ret;

	d->res = *r;
	d->res.head = NULL;
	d->res.head_len = 0;
	space_claim_written(d->claim, r->file_blocks);
	exe_prepare(env, d, &in);
	ret = sandbox_start(&d->sb, &in);
	if (ret) {
		snprintf(d->parse_why, sizeof(d->parse_why),
			 "the parser could not be started: %s", strerror(-ret));
		return;
	}
	d->parsing = 1;
}

int dump_parse_fd(const struct dump *d)
{
	return d->parsing ? d->sb.fd : -1;
}

int dump_parse_poll(struct dump *d)
{
	return !d->parsing || sandbox_poll(&d->sb);
}

/* --- recording it ------------------------------------------------------- */

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

/*
 * Why nothing can be kept of the core, from the most to the least severe
 * reason, into why (empty when the file may be kept).
 */
static void finish_why_not_kept(struct dump_env *env, const struct dump *d,
				char *why, size_t len)
{
	const struct persist_result *r = &d->res;

	if (r->write_error)
		snprintf(why, len,
			 "writing the core failed after %llu of %llu bytes: %s; partial file deleted",
			 (unsigned long long)r->stored,
			 (unsigned long long)r->received,
			 strerror(r->write_error));
	else if (r->over_size_max && env->cfg->core_limit_honor &&
		 d->ctx.rlimit_core > 0 &&
		 (!env->cfg->process_size_max ||
		  (uint64_t)d->ctx.rlimit_core < env->cfg->process_size_max))
		snprintf(why, len,
			 "the core is %llu bytes, over the process's RLIMIT_CORE of %lld (CoreLimit=honor)",
			 (unsigned long long)r->received,
			 (long long)d->ctx.rlimit_core);
	else if (r->over_size_max)
		snprintf(why, len,
			 "the core is %llu bytes, over ProcessSizeMax=%llu",
			 (unsigned long long)r->received,
			 (unsigned long long)env->cfg->process_size_max);
	else if (r->cut && r->stored == 0)
		snprintf(why, len,
			 "the store was full (MaxUse/KeepFree) before any of the core's %llu bytes could be kept",
			 (unsigned long long)r->received);
	else if (r->received == 0 && !d->why[0])
		snprintf(why, len, "the kernel sent no core bytes");
	else
		snprintf(why, len, "%s", d->why);
}

/* A kept core is complete, or truncated for the first of these reasons. */
static void finish_status(const struct dump *d, const struct core_facts *cf,
			  struct store_dump *row)
{
	const struct persist_result *r = &d->res;

	row->status = STORE_TRUNCATED;
	if (d->trunc_why[0])
		snprintf(row->status_why, sizeof(row->status_why), "%s",
			 d->trunc_why);
	else if (r->cut)
		snprintf(row->status_why, sizeof(row->status_why),
			 "cut for want of space (MaxUse/KeepFree, see gocapd.rst): the first %llu of %llu core bytes are kept",
			 (unsigned long long)r->stored,
			 (unsigned long long)r->received);
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
	/* a cut or takeover keeps fewer bytes than arrived */
	if (row->status != STORE_COMPLETE && r->stored < r->received &&
	    (r->cut || d->trunc_why[0]))
		row->apparent_size = r->stored;
}

/* The value of "Key:" in /proc/PID/status as numbers: how many. */
static int status_nums(const struct crash_ctx *c, const char *key,
		       unsigned long long *v, int max, int base)
{
	char line[256], *q, *e;
	size_t n;
	const char *p = ctx_status_value(&c->blob[CTX_STATUS], key, &n);
	int k = 0;

	if (!p || n >= sizeof(line))
		return 0;
	memcpy(line, p, n);
	line[n] = 0;
	for (q = line; k < max; q = e) {
		v[k] = strtoull(q, &e, base);
		if (e == q)
			break;
		k++;
	}
	return k;
}

/*
 * May the crashed user read this dump, as systemd-coredump lets them?
 * Not root's, not when the PID was another process, and not a set-id or
 * capability-holding process (its memory may hold what its user may not
 * read): every uid and gid the same, no capability, dump mode 1.
 */
static int may_read(struct dump_env *env, const struct dump *d,
		    enum pid_check pc, char *why, size_t len)
{
	const struct crash_ctx *c = &d->ctx;
	unsigned long long id[4], cap[1];

	if (!env->cfg->user_access)
		snprintf(why, len, "UserAccess=no");
	else if (c->uid == 0)
		snprintf(why, len, "the process ran as root");
	else if (pc == PID_MISMATCH)
		snprintf(why, len, "/proc/PID was not the crashed process");
	else if (c->dumpable >= 0 && c->dumpable != 1)
		snprintf(why, len, "dump mode %d (a set-id or capability process)",
			 c->dumpable);
	else if (!c->blob[CTX_STATUS].data)
		snprintf(why, len, "its credentials are unknown (/proc/PID/status not read)");
	else if (status_nums(c, "Uid:", id, 4, 10) != 4 ||
		 id[0] != (unsigned long long)(uint32_t)c->uid ||
		 id[1] != id[0] || id[2] != id[0] || id[3] != id[0])
		snprintf(why, len, "its user ids differ (set-uid)");
	else if (status_nums(c, "Gid:", id, 4, 10) != 4 ||
		 id[0] != (unsigned long long)(uint32_t)c->gid ||
		 id[1] != id[0] || id[2] != id[0] || id[3] != id[0])
		snprintf(why, len, "its group ids differ (set-gid)");
	else if (status_nums(c, "CapPrm:", cap, 1, 16) != 1 || cap[0] ||
		 status_nums(c, "CapEff:", cap, 1, 16) != 1 || cap[0])
		snprintf(why, len, "it held capabilities");
	else {
		snprintf(why, len, "uid %d may read its own dump", c->uid);
		return 1;
	}
	return 0;
}

static json_t *extra_json(const struct dump *d, enum pid_check pc,
			  const char *pc_why, int granted,
			  const char *access_why, const struct parse_facts *pf,
			  const struct store_dump *row)
{
	static const char *const pcs[] = { "unknown", "match", "mismatch" };
	json_t *o = json_object(), *p = json_object(), *u = json_object();
	json_t *x = json_object();
	char hex[65];
	int bad = !o || !p || !u || !x;

	js_put(p, "status", js_text(pcs[pc]), &bad);
	js_put(p, "why", js_text(pc_why), &bad);
	js_put(p, "core_tid", pf->cf.have_prstatus ?
	       json_integer(pf->cf.prstatus_pid) : json_null(), &bad);
	js_put(p, "core_tgid", pf->cf.have_prpsinfo ?
	       json_integer(pf->cf.psinfo_pid) : json_null(), &bad);
	js_put(p, "pidfd", js_text(d->ctx.pidfd_check > 0 ? "verified" :
				   d->ctx.pidfd_check < 0 ? "failed" : "none"),
	       &bad);
	js_put(o, "pid_check", p, &bad);
	js_put(u, "uid", json_integer(d->ctx.uid), &bad);
	js_put(u, "granted", json_boolean(granted), &bad);
	js_put(u, "why", js_text(access_why), &bad);
	js_put(o, "user_access", u, &bad);
	js_put(o, "parser", pf->parser[0] ? js_text(pf->parser) : json_null(),
	       &bad);
	hex[0] = 0;
	if (row->saved_exe[0]) {
		const char *dot = strrchr(row->saved_exe, '.');

		if (dot && strlen(dot + 1) == 64)
			snprintf(hex, sizeof(hex), "%s", dot + 1);
	}
	js_put(x, "sha256", js_text(hex), &bad);
	js_put(x, "why_not_saved", js_text(row->saved_exe[0] ? "" : d->exe_why),
	       &bad);
	js_put(o, "saved_exe_info", x, &bad);
	if (bad) {
		json_decref(o);
		return NULL;
	}
	return o;
}

static char *annotation_text(const struct dump *d, const struct store_dump *row,
			     const struct parse_facts *pf, enum pid_check pc,
			     const char *pc_why, int granted,
			     const char *access_why, uint64_t file_size,
			     size_t *len)
{
	json_t *ann = annotate_json(row, &d->ctx, &pf->x, &pf->cf, file_size,
				    extra_json(d, pc, pc_why, granted,
					       access_why, pf, row));
	char *text, *t2;

	if (!ann)
		return NULL;
	text = json_dumps(ann, JSON_ENSURE_ASCII | JSON_PRESERVE_ORDER |
			  JSON_INDENT(2));
	json_decref(ann);
	if (!text)
		return NULL;
	*len = strlen(text);
	t2 = realloc(text, *len + 2);
	if (!t2) {
		free(text);
		return NULL;
	}
	t2[(*len)++] = '\n';
	t2[*len] = 0;
	return t2;
}

int dump_complete(struct dump_env *env, struct dump *d)
{
	struct store_dump *row = malloc(sizeof(*row));
	char why[STORE_WHY_LEN], pc_why[256], access_why[128];
	struct parse_facts pf;
	enum pid_check pc;
	const char *core_tmp = NULL;
	int ret, kept, granted;
	char *text;
	size_t len;

	if (d->parsing) {
		sandbox_finish(&d->sb, &pf);
		d->parsing = 0;
	} else {
		memset(&pf, 0, sizeof(pf));
		snprintf(pf.parser, sizeof(pf.parser), "%s",
			 d->parse_why[0] ? d->parse_why : "the parser did not run");
	}
	if (pf.parser[0])
		logmsg("pid %d: %s", d->ctx.pid, pf.parser);
	if (!row) {
		parse_facts_free(&pf);
		return -ENOMEM;
	}
	fill_row(d, row);
	/* PID reuse: /proc/PID may have been another process. */
	pc = pid_check(&d->ctx, &pf.cf, pc_why, sizeof(pc_why));
	if (pc == PID_MISMATCH) {
		logmsg("pid %d: %s: the dump is recorded without what /proc said",
		       d->ctx.pid, pc_why);
		ctx_drop_proc(&d->ctx);
		row->exe[0] = 0;
		row->cgroup[0] = row->container_id[0] = 0;
		exeinfo_free(&pf.x);
		memset(&pf.x, 0, sizeof(pf.x));
		pf.copy.done = 0;
		d->exe_saved[0] = 0;
		snprintf(d->exe_why, sizeof(d->exe_why),
			 "/proc/PID was not the crashed process");
	}
	if (!row->signal && pf.cf.have_siginfo)
		row->signal = pf.cf.si_signo;	/* socket mode has no %s */
	row->si_code = pf.cf.have_siginfo ? pf.cf.si_code : 0;
	row->apparent_size = d->res.received;
	snprintf(row->exe_build_id, sizeof(row->exe_build_id), "%s",
		 pf.x.gnu_build_id[0] ? pf.x.gnu_build_id :
		 pf.x.go_build_id[0] ? pf.x.go_build_id : d->exe_build_id);
	if (pc == PID_MISMATCH)
		row->exe_build_id[0] = 0;

	finish_why_not_kept(env, d, why, sizeof(why));
	finish_status(d, &pf.cf, row);
	exe_place(env, d, &pf, row);
	granted = may_read(env, d, pc, access_why, sizeof(access_why));
	kept = d->out_fd >= 0 && !why[0];
	if (kept) {
		snprintf(row->core_file, sizeof(row->core_file), "%s",
			 d->core_name);
		row->storage = d->storage;
		row->size_on_disk = d->res.file_blocks;
		core_tmp = d->tmp_name;
		if (granted && store_grant_read(d->out_fd, (uid_t)d->ctx.uid))
			snprintf(access_why, sizeof(access_why),
				 "the file system has no ACLs: only root may read it");
	} else {
		row->status = STORE_METADATA_ONLY;
		row->storage = STORE_NONE;
		snprintf(row->status_why, sizeof(row->status_why), "%s",
			 why[0] ? why : "not stored");
		row->apparent_size = d->res.received;
		/* its blocks go now: the metadata may need them (a full
		 * disk); emptied first, as a helper holds it open too */
		if (d->out_fd >= 0) {
			if (ftruncate(d->out_fd, 0) < 0)
				logmsg("%s/%s: %s", STORE_TMP_DIR, d->tmp_name,
				       strerror(errno));
			unlinkat(d->tmpfd, d->tmp_name, 0);
			close(d->out_fd);
			d->out_fd = -1;
		}
		space_claim_written(d->claim, 0);
	}
	if (granted && row->saved_exe[0]) {
		int fd = store_openat(env->store, row->saved_exe, O_RDONLY);

		if (fd >= 0) {
			store_grant_read(fd, (uid_t)d->ctx.uid);
			close(fd);
		}
	}
	if (store_alloc_id(env->store, &row->id)) {
		logmsg("%s (the index gives the id)", store_error(env->store));
		row->id = 0;
	}
	failpoint("before-commit");
	text = annotation_text(d, row, &pf, pc, pc_why, granted, access_why,
			       kept ? d->res.file_size : 0, &len);
	ret = text ? store_commit(env->store, row, core_tmp, text, len,
				  granted ? d->ctx.uid : -1, &d->pending) :
		     -ENOMEM;
	free(text);
	if (ret == -EAGAIN) {
		/* Recorded in .tmp/, to be put in place when the store
		 * takes it: nothing is lost, nothing is deleted. */
		logmsg("dump %lld of pid %d is kept in %s/%s until the store takes it: %s",
		       (long long)row->id, d->ctx.pid, store_path(env->store),
		       STORE_TMP_DIR, store_error(env->store));
		d->id = row->id;
		d->status = row->status;
		ret = 0;
		kept = -1;	/* (nothing more to log) */
	}
	if (ret < 0 && kept) {
		/* The core cannot go in place: keep the metadata. */
		logmsg("%s", store_error(env->store));
		unlinkat(d->tmpfd, d->tmp_name, 0);
		row->core_file[0] = 0;
		row->storage = STORE_NONE;
		row->status = STORE_METADATA_ONLY;
		row->size_on_disk = 0;
		row->apparent_size = d->res.received;
		snprintf(row->status_why, sizeof(row->status_why),
			 "the core could not be moved into the store: %s",
			 store_error(env->store));
		text = annotation_text(d, row, &pf, pc, pc_why, granted,
				       access_why, 0, &len);
		ret = text ? store_commit(env->store, row, NULL, text, len,
					  granted ? d->ctx.uid : -1,
					  &d->pending) : -ENOMEM;
		free(text);
	}
	if (ret < 0) {
		logmsg("cannot record the dump of pid %d (%s): %s", row->pid,
		       row->exe, store_error(env->store));
	} else if (kept >= 0) {
		d->id = row->id;
		d->status = row->status;
		logmsg("dump %lld of %s (pid %d, signal %d): %s%s%s, %llu bytes, %llu on disk%s",
		       (long long)row->id, row->exe, row->pid, row->signal,
		       store_status_name(row->status),
		       row->status_why[0] ? ": " : "", row->status_why,
		       (unsigned long long)row->apparent_size,
		       (unsigned long long)row->size_on_disk,
		       ret == 1 ? " (the index is locked: its row follows)" : "");
	}
	if (d->cut) {
		char name[sizeof(d->tmp_name) + 8];

		snprintf(name, sizeof(name), "%s.cut", d->tmp_name);
		unlinkat(d->tmpfd, name, 0);
	}
	if (d->out_fd >= 0) {
		close(d->out_fd);	/* (the flock goes with it) */
		d->out_fd = -1;
	}
	if (ret == 0) {
		space_release(d->claim);
		d->claim = NULL;
		space_vacuum(env->space, row->id);
	}
	parse_facts_free(&pf);
	free(row);
	return ret;
}

int dump_pending_retry(struct dump_env *env, struct dump *d)
{
	int ret;

	if (!d->pending)
		return 0;
	ret = store_pending_retry(env->store, d->pending);
	if (ret < 0)
		return 1;
	d->pending = NULL;
	logmsg("dump %lld is in the index now", (long long)d->id);
	space_release(d->claim);
	d->claim = NULL;
	return 0;
}

int dump_finish(struct dump_env *env, struct dump *d,
		const struct persist_result *r)
{
	int ret;

	dump_written(env, d, r);
	while (!dump_parse_poll(d)) {
		struct pollfd p = { .fd = dump_parse_fd(d), .events = POLLIN };

		poll(&p, 1, 1000);
	}
	ret = dump_complete(env, d);
	/* A locked index: a few tries, then the row is left to the next
	 * gocapd (store_recover()); the dump itself is in place. */
	for (int i = 0; ret == 1 && i < 20; i++) {
		struct timespec ts = { 0, 100 * 1000000 };

		nanosleep(&ts, NULL);
		ret = dump_pending_retry(env, d);
	}
	if (ret == 1) {
		store_pending_drop(d->pending);
		d->pending = NULL;
		ret = 0;
	}
	return ret;
}

/* --- taking over a dump the daemon left half-written ------------------- */

/* Decompress up to len bytes from the start of a zstd file (the head), and
 * count all of what the file holds in *total (when given). */
static size_t zstd_head(int fd, uint64_t file_bytes, uint8_t *out, size_t len,
			uint64_t *total)
{
	ZSTD_DStream *zd = ZSTD_createDStream();
	uint8_t in[65536], *sink = NULL;
	uint64_t off = 0, count = 0;
	size_t got = 0;

	if (!zd)
		return 0;
	if (total)
		sink = malloc(1 << 20);
	while (off < file_bytes) {
		size_t want = file_bytes - off < sizeof(in) ?
			      (size_t)(file_bytes - off) : sizeof(in);
		ssize_t n = pread(fd, in, want, (off_t)off);
		ZSTD_inBuffer ib = { in, 0, 0 };

		if (n <= 0)
			break;
		ib.size = (size_t)n;
		while (ib.pos < ib.size) {
			ZSTD_outBuffer ob = { out + got, len - got, 0 };
			size_t r;

			if (got == len) {
				if (!sink)
					goto out;
				ob.dst = sink;
				ob.size = 1 << 20;
			}
			r = ZSTD_decompressStream(zd, &ob, &ib);
			if (ZSTD_isError(r))
				goto out;
			if (ob.dst != sink)
				got += ob.pos;
			count += ob.pos;
		}
		off += (uint64_t)n;
	}
out:
	if (total)
		*total = count;
	free(sink);
	ZSTD_freeDStream(zd);
	return got;
}

/* The daemon's note of where it cut the file, if it did: 1 with the two. */
static int read_cut(int tmpfd, const char *tmp_name, uint64_t *core,
		    uint64_t *file)
{
	char name[STORE_NAME_LEN + 48], buf[64];
	unsigned long long c, f;
	ssize_t n;
	int fd;

	snprintf(name, sizeof(name), "%s.cut", tmp_name);
	fd = paths_openat(tmpfd, name, O_RDONLY, 0);
	if (fd < 0)
		return 0;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return 0;
	buf[n] = 0;
	if (sscanf(buf, "%llu %llu", &c, &f) != 2)
		return 0;
	*core = c;
	*file = f;
	return 1;
}

int dump_takeover(struct dump_env *env, struct dump *d, int in_fd,
		  uint64_t received, int part_fd, uint64_t core,
		  uint64_t file_bytes)
{
	struct persist_result r;
	char ann[STORE_NAME_LEN];
	uint8_t *head = NULL, buf[65536];
	uint64_t rest = 0, ccore = 0, cfile = 0;
	struct stat sb, tsb;
	size_t hl;
	ssize_t n;
	int ret, same, count = 0, whole = in_fd < 0;

	memset(&r, 0, sizeof(r));
	if (d->tmpfd < 0)
		d->tmpfd = fcntl(store_tmpfd(env->store), F_DUPFD_CLOEXEC, 3);
	/* Drain what the kernel still has, to learn how much was lost (none
	 * when the daemon read it all: WRITTEN). */
	while (!whole && (n = read(in_fd, buf, sizeof(buf))) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			break;
		rest += (uint64_t)n;
	}
	/* Did the daemon get as far as committing it?  Then it is (or its
	 * commit, rolled forward, is) the dump: nothing to take over. */
	snprintf(ann, sizeof(ann), "%s.json", d->base);
	store_recover(env->store);
	if (fstatat(store_dirfd(env->store), ann, &sb, AT_SYMLINK_NOFOLLOW) == 0) {
		logmsg("the daemon went away after storing the dump of pid %d: nothing to take over",
		       d->ctx.pid);
		return 0;
	}
	/* The partial must still be the file the daemon gave us. */
	same = part_fd >= 0 && fstat(part_fd, &sb) == 0 &&
	       fstatat(d->tmpfd, d->tmp_name, &tsb, AT_SYMLINK_NOFOLLOW) == 0 &&
	       sb.st_dev == tsb.st_dev && sb.st_ino == tsb.st_ino;
	if (same && read_cut(d->tmpfd, d->tmp_name, &ccore, &cfile) &&
	    cfile <= file_bytes) {
		core = ccore;		/* the daemon cut it here */
		file_bytes = cfile;
	}
	if (same && (uint64_t)sb.st_size < file_bytes) {
		/* cut by the daemon, its note lost: what the file holds */
		file_bytes = (uint64_t)sb.st_size;
		if (d->storage == STORE_RAW)
			core = file_bytes & ~(uint64_t)(PERSIST_BLOCK - 1);
		else
			count = 1;
	}
	if (!same || core == 0) {
		/* Nothing confirmed, or no file: only the metadata. */
		if (same)
			unlinkat(d->tmpfd, d->tmp_name, 0);
		d->out_fd = -1;
		if (whole) {
			r.received = received;
			/* (none: "the kernel sent no core bytes"; set:
			 * Storage=none, the helper said why) */
			if (received && !d->why[0])
				snprintf(d->why, sizeof(d->why),
					 "the gocapd daemon went away after reading the core, with none of it in its file");
		} else {
			snprintf(d->why, sizeof(d->why),
				 "the gocapd daemon went away during the dump before confirming any core bytes");
		}
		return dump_finish(env, d, &r);
	}
	d->out_fd = fcntl(part_fd, F_DUPFD_CLOEXEC, 3);
	if (d->out_fd < 0 || ftruncate(d->out_fd, (off_t)file_bytes) < 0 ||
	    fsync(d->out_fd) < 0 || fstat(d->out_fd, &sb) < 0) {
		snprintf(d->why, sizeof(d->why),
			 "the gocapd daemon went away during the dump, and its partial file could not be kept: %s",
			 strerror(errno));
		if (d->out_fd >= 0)
			close(d->out_fd);
		d->out_fd = -1;
		unlinkat(d->tmpfd, d->tmp_name, 0);
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
		uint64_t total = core;

		r.head = head;
		r.head_len = zstd_head(d->out_fd, file_bytes, head, hl,
				       count ? &total : NULL);
		core = total;
	}
	/* WRITTEN, and the file holds every byte: complete, if the core's
	 * headers agree (finish_status()) */
	if (whole && core != received)
		snprintf(d->trunc_why, sizeof(d->trunc_why),
			 "the gocapd daemon went away after reading the whole core: the %llu core bytes its file held are stored, the rest of the %llu it read is lost",
			 (unsigned long long)core, (unsigned long long)received);
	else if (!whole)
		snprintf(d->trunc_why, sizeof(d->trunc_why),
			 "the gocapd daemon went away during the dump: the %llu core bytes it had confirmed are stored, the rest (%llu bytes still in the pipe, and what the daemon had read) is lost",
			 (unsigned long long)core, (unsigned long long)rest);
	r.received = whole ? received : core;
	r.stored = core;
	r.file_size = (uint64_t)sb.st_size;
	r.file_blocks = (uint64_t)sb.st_blocks * 512;
	ret = dump_finish(env, d, &r);
	free(head);
	if (ret == 0 && whole)
		logmsg("dump %lld: the daemon went away after reading the whole core; kept the %llu of %llu bytes its file held",
		       (long long)d->id, (unsigned long long)core,
		       (unsigned long long)received);
	else if (ret == 0)
		logmsg("dump %lld: the daemon went away; kept the first %llu confirmed bytes, %llu more bytes were drained and lost",
		       (long long)d->id, (unsigned long long)core,
		       (unsigned long long)rest);
	return ret;
}
