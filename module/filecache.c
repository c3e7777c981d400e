// SPDX-License-Identifier: GPL-2.0
/*
 * filecache.c - "is this mapped file a Go ELF file?", answered once per
 * inode, and never by making a dump wait for a file.
 *
 * The answer (a verdict) comes from lib/goelf.c reading the file in
 * bounded pieces.  Files are untrusted: the parser validates every offset
 * and size against the file size, and nothing here trusts it further.
 * There are two ways to read, for two contexts:
 *
 *  - in a dump, from the page cache only: filemap_get_folio(), and a folio
 *    that is not there or not up to date is a miss.  No I/O is started or
 *    waited for, no folio lock taken, no permission hook (fanotify) or
 *    fsnotify event fired, no atime touched: a hung NFS server or a
 *    stopped FUSE daemon cannot hold the dump.  A miss, like a spent
 *    budget or a fatal signal, makes the verdict "not ready": the file is
 *    not forced in this dump, verdicts_missed counts it, and the file is
 *    queued for the worker.
 *  - outside any dump, on an unbound workqueue, one file at a time:
 *    read_cache_folio() (the filesystem's ->read_folio, still no
 *    permission hook or atime; kernel_read(), which does pass the
 *    permission hooks, for filesystems without ->read_folio, tmpfs's
 *    swapped pages).  Files come from dumps that
 *    missed, and from exec.c, which queues each new program's executable
 *    mappings so that the verdict is usually ready before any crash.  A
 *    worker stuck on a dead file system delays later verdicts, not dumps.
 *
 * Errors are not verdicts: a failed read, a spent budget or a pending
 * signal leave the cache as it was (goelf_probe() reports -GOELF_EIO for
 * any failed read, whatever part of the file it was for).  The worker tries
 * a file whose read failed twice more, a second apart.
 *
 * Results are cached by the inode (its address, device and number: on
 * btrfs inode numbers repeat across subvolumes), read from the inode
 * itself in a dump (no file system code, no round trip to a server), and
 * remembered with the inode's generation, size and change time; any change
 * to those (a rewrite in place, a truncate, a chmod, a new file on a
 * recycled inode number) makes the entry stale.  The cache holds at most
 * GCD_CACHE_MAX entries; the least recently used one makes room.
 *
 * It also answers, for dump.c, whether a forced mapping's pages are all in
 * the page cache (forcing one that is not would make the dump read the
 * file), and asks the prefetch worker to bring them in.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/fadvise.h>
#include <linux/file.h>
#include <linux/freezer.h>
#include <linux/fs.h>
#include <linux/hashtable.h>
#include <linux/highmem.h>
#include <linux/jiffies.h>
#include <linux/ktime.h>
#include <linux/pagemap.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/stat.h>
#include <linux/string.h>
#include <linux/workqueue.h>

#include "gocoredump.h"

#define GCD_CACHE_MAX	256
#define GCD_CACHE_BITS	6
/* Files waiting for the worker; more are dropped (a later dump re-asks). */
#define GCD_PENDING_MAX	64
/* Prefetches in flight at once; more are not asked for. */
#define GCD_PREFETCH_MAX	8
/* The worker's own bound: the parser's caps bound the bytes. */
#define GCD_WORKER_BUDGET_MS	30000
/* A read error is retried this many times, a second apart, then dropped. */
#define GCD_WORKER_TRIES	3

struct gcd_cache_entry {
	struct hlist_node node;
	unsigned long inode;		/* compared, never shown */
	dev_t dev;
	u64 ino;
	u32 generation;
	loff_t size;
	struct timespec64 ctime;
	unsigned long last_used;	/* jiffies */
	struct gcd_file_facts facts;
};

static DEFINE_HASHTABLE(gcd_cache, GCD_CACHE_BITS);
static DEFINE_MUTEX(gcd_cache_lock);
static unsigned int gcd_cache_count;

/* Files for the worker. */
struct gcd_pending {
	struct list_head node;
	struct file *file;
	unsigned int tries;
	unsigned long not_before;	/* jiffies: a retry waits */
};

static LIST_HEAD(gcd_pending_list);
static DEFINE_SPINLOCK(gcd_pending_lock);
static unsigned int gcd_pending_count;
static struct workqueue_struct *gcd_wq;
static atomic_t gcd_prefetches = ATOMIC_INIT(0);
/* Set at unload: readers fail at once, nothing more is queued. */
static bool gcd_stopping;

struct gcd_inode_id {
	unsigned long inode;	/* the inode's address: compared, never shown */
	dev_t dev;
	u64 ino;
	u32 generation;
	loff_t size;
	struct timespec64 ctime;
};

void gcd_budget_init(struct gcd_budget *b, u64 bytes, unsigned int ms)
{
	b->bytes = bytes;
	b->deadline_ns = ktime_get_ns() + (u64)ms * NSEC_PER_MSEC;
	b->spent = false;
}

/* Take len bytes from the budget, or find it spent (for good). */
static bool gcd_budget_take(struct gcd_budget *b, size_t len)
{
	if (b->spent)
		return false;
	if (len > b->bytes || ktime_get_ns() > b->deadline_ns ||
	    fatal_signal_pending(current) || freezing(current) ||
	    READ_ONCE(gcd_stopping)) {
		b->spent = true;
		return false;
	}
	b->bytes -= len;
	return true;
}

/*
 * The identity and version of the file's inode, read from the inode
 * itself: in a dump no file system code runs at all (getattr, even with
 * AT_STATX_DONT_SYNC, is a round trip to the server on 9p, and CIFS waits
 * for writeback in it).  Outside a dump (sync), the worker first asks the
 * file system to refresh what the inode holds (NFS revalidates), then
 * reads the same fields.  On btrfs inode numbers repeat across subvolumes
 * that share one super block: the inode's address tells such files apart
 * (it is compared, never written anywhere), and an inode evicted and read
 * back is a new entry, which costs one classification.  The change time
 * is the version (every write, truncate or chmod moves it, utimes too):
 * the modification time's accessors differ from 6.1 to 6.7, ctime's
 * (inode_get_ctime(), in Debian's 6.1 too) do not.
 */
static int gcd_inode_id(struct file *file, bool sync, struct gcd_inode_id *id)
{
	struct inode *inode = file_inode(file);

	if (sync) {
		struct kstat st;
		int err;

		err = vfs_getattr_nosec(&file->f_path, &st, STATX_BASIC_STATS,
					AT_STATX_SYNC_AS_STAT);
		if (err)
			return err;
	}
	id->inode = (unsigned long)inode;
	id->dev = inode->i_sb->s_dev;
	id->ino = inode->i_ino;
	id->generation = inode->i_generation;
	id->size = i_size_read(inode);
	id->ctime = inode_get_ctime(inode);
	return 0;
}

static bool gcd_entry_current(const struct gcd_cache_entry *e,
			      const struct gcd_inode_id *id)
{
	return e->generation == id->generation && e->size == id->size &&
	       timespec64_equal(&e->ctime, &id->ctime);
}

static u32 gcd_key(dev_t dev, u64 ino)
{
	return (u32)ino ^ (u32)(ino >> 32) ^ (u32)dev;
}

/* Caller holds gcd_cache_lock. */
static struct gcd_cache_entry *gcd_cache_lookup(const struct gcd_inode_id *id)
{
	struct gcd_cache_entry *e;

	hash_for_each_possible(gcd_cache, e, node, gcd_key(id->dev, id->ino))
		if (e->inode == id->inode && e->dev == id->dev &&
		    e->ino == id->ino)
			return e;
	return NULL;
}

/* Caller holds gcd_cache_lock. */
static void gcd_cache_evict_one(void)
{
	struct gcd_cache_entry *e, *oldest = NULL;
	int bkt;

	hash_for_each(gcd_cache, bkt, e, node)
		if (!oldest || time_before(e->last_used, oldest->last_used))
			oldest = e;
	if (oldest) {
		hash_del(&oldest->node);
		kfree(oldest);
		gcd_cache_count--;
	}
}

/* The verdict for id, if the cache has a current one.  May sleep. */
static bool gcd_cache_get(const struct gcd_inode_id *id,
			  struct gcd_file_facts *out)
{
	struct gcd_cache_entry *e;
	bool hit = false;

	mutex_lock(&gcd_cache_lock);
	e = gcd_cache_lookup(id);
	if (e && gcd_entry_current(e, id)) {
		e->last_used = jiffies;
		*out = e->facts;
		hit = true;
	}
	mutex_unlock(&gcd_cache_lock);
	return hit;
}

static void gcd_cache_put(const struct gcd_inode_id *id,
			  const struct gcd_file_facts *facts)
{
	struct gcd_cache_entry *e;

	mutex_lock(&gcd_cache_lock);
	e = gcd_cache_lookup(id);
	if (!e) {
		if (gcd_cache_count >= GCD_CACHE_MAX)
			gcd_cache_evict_one();
		e = kzalloc(sizeof(*e), GFP_KERNEL);
		if (e) {
			e->inode = id->inode;
			e->dev = id->dev;
			e->ino = id->ino;
			hash_add(gcd_cache, &e->node, gcd_key(id->dev, id->ino));
			gcd_cache_count++;
		}
	}
	if (e) {
		e->generation = id->generation;
		e->size = id->size;
		e->ctime = id->ctime;
		e->last_used = jiffies;
		e->facts = *facts;
	}
	mutex_unlock(&gcd_cache_lock);
}

/* ---- reading ------------------------------------------------------ */

struct gcd_reader_ctx {
	struct file *file;
	struct gcd_budget *budget;
	bool may_block;		/* the worker: the file system may do I/O */
};

/* Copy len bytes at file position pos, all inside folio. */
static void gcd_copy_folio(void *dst, struct folio *folio, loff_t pos,
			   size_t len)
{
	size_t off = pos - folio_pos(folio);

	while (len) {
		size_t n = min_t(size_t, len, PAGE_SIZE - offset_in_page(off));
		void *src = kmap_local_folio(folio, off);

		memcpy(dst, src, n);
		kunmap_local(src);
		dst += n;
		off += n;
		len -= n;
	}
}

/*
 * The up-to-date folio holding file position pos, with a reference, or
 * NULL.  Without may_block only a lookup: NULL on a miss.  With it, the
 * file system reads what is missing (the worker only).
 */
static struct folio *gcd_get_folio(struct file *file, loff_t pos,
				   bool may_block)
{
	struct address_space *mapping = file->f_mapping;
	pgoff_t index = pos >> PAGE_SHIFT;
	struct folio *folio;

	if (may_block) {
		folio = read_cache_folio(mapping, index, NULL, file);
		return IS_ERR(folio) ? NULL : folio;
	}
	/* NULL on 6.1, ERR_PTR(-ENOENT) from 6.3 on: a miss either way. */
	folio = filemap_get_folio(mapping, index);
	if (IS_ERR_OR_NULL(folio))
		return NULL;
	if (!folio_test_uptodate(folio)) {
		folio_put(folio);
		return NULL;
	}
	return folio;
}

/* goelf_reader.read: 0, or -1 for a miss, an I/O error, a spent budget. */
static int gcd_read(void *ctx, u64 off, void *buf, size_t len)
{
	struct gcd_reader_ctx *c = ctx;
	loff_t pos = off;

	if (!gcd_budget_take(c->budget, len))
		return -1;
	if (c->may_block && !c->file->f_mapping->a_ops->read_folio) {
		/* tmpfs and the like: their own read path. */
		return kernel_read(c->file, buf, len, &pos) == (ssize_t)len ?
		       0 : -1;
	}
	while (len) {
		struct folio *folio = gcd_get_folio(c->file, pos, c->may_block);
		size_t n;

		if (!folio)
			return -1;
		n = min_t(size_t, len, folio_pos(folio) + folio_size(folio) -
			  pos);
		gcd_copy_folio(buf, folio, pos, n);
		folio_put(folio);
		buf += n;
		pos += n;
		len -= n;
	}
	return 0;
}

/*
 * Probe file; 0 with out filled (a verdict), or -EAGAIN when a read
 * failed (not a verdict), -ENOMEM.
 */
static int gcd_probe(struct file *file, loff_t size, struct gcd_budget *b,
		     bool may_block, unsigned int want,
		     struct gcd_file_facts *out)
{
	struct gcd_reader_ctx c = {
		.file = file, .budget = b, .may_block = may_block,
	};
	struct goelf_reader r = { .read = gcd_read, .ctx = &c, .size = size };
	void *scratch;

	scratch = kmalloc(GOELF_SCRATCH_SIZE, GFP_KERNEL);
	if (!scratch)
		return -ENOMEM;
	out->err = goelf_probe(&r, want, &out->info, scratch);
	kfree(scratch);
	return out->err == -GOELF_EIO ? -EAGAIN : 0;
}

static bool gcd_fatal_wanted(void)
{
	return READ_ONCE(gcd_knobs.gotraceback) != GCD_TB_OFF;
}

static bool gcd_classifiable(struct file *file)
{
	return S_ISREG(file_inode(file)->i_mode) &&
	       (file->f_mode & FMODE_READ);
}

int gcd_file_facts(struct file *file, struct gcd_budget *b,
		   struct gcd_file_facts *out)
{
	struct gcd_inode_id id;
	int err;

	if (!gcd_classifiable(file))
		return -EINVAL;
	if (b->spent || gcd_inode_id(file, false, &id))
		goto miss;
	if (gcd_cache_get(&id, out))
		return 0;
	err = gcd_probe(file, id.size, b, false, GCD_WANT_ALL, out);
	if (err == -ENOMEM)
		return err;
	if (err)
		goto miss;
	gcd_cache_put(&id, out);
	return 0;
miss:
	atomic64_inc(&gcd_stats.verdicts_missed);
	gcd_classify_later(file);
	return -EAGAIN;
}

/* ---- the worker ---------------------------------------------------- */

/*
 * Classify file outside any dump: 0 when the cache has a verdict now,
 * -EAGAIN when a read failed (worth a retry).  Context: the worker, may
 * sleep.
 */
static int gcd_classify_now(struct file *file)
{
	struct gcd_file_facts *facts;
	struct gcd_inode_id id;
	struct gcd_budget b;
	bool hit;
	int err = 0;

	if (gcd_inode_id(file, true, &id))
		return -EAGAIN;
	facts = kmalloc(sizeof(*facts), GFP_KERNEL);
	if (!facts)
		return -ENOMEM;
	hit = gcd_cache_get(&id, facts);
	/*
	 * A dump's verdict lacks the fatal-path facts (they cost a walk of
	 * the pclntab, which a dump does not pay): the worker adds them.
	 */
	if (!hit || (gcd_fatal_wanted() && !facts->err &&
		     (facts->info.flags & GOELF_F_GO) &&
		     !(facts->info.flags & GOELF_F_FATAL_SCANNED))) {
		gcd_budget_init(&b, U64_MAX, GCD_WORKER_BUDGET_MS);
		err = gcd_probe(file, id.size, &b, true,
				GCD_WANT_ALL | GOELF_WANT_FATAL, facts);
		if (!err) {
			gcd_cache_put(&id, facts);
			if (!hit)
				atomic64_inc(&gcd_stats.files_classified);
		}
	}
	if (!err && gcd_fatal_wanted())
		gcd_fatal_consider(file, facts, id.generation, id.size,
				   &id.ctime);
	kfree(facts);
	return err;
}

static void gcd_classify_fn(struct work_struct *work);
static DECLARE_DELAYED_WORK(gcd_classify_work, gcd_classify_fn);

/*
 * The first file due, off the list; else NULL, with *wait the jiffies until
 * the next retry is (0 when the list is empty).
 */
static struct gcd_pending *gcd_pending_next(unsigned long *wait)
{
	struct gcd_pending *p, *found = NULL;
	unsigned long now = jiffies;

	*wait = 0;
	spin_lock(&gcd_pending_lock);
	list_for_each_entry(p, &gcd_pending_list, node) {
		if (time_after_eq(now, p->not_before)) {
			found = p;
			break;
		}
		if (!*wait || p->not_before - now < *wait)
			*wait = p->not_before - now;
	}
	if (found) {
		list_del(&found->node);
		gcd_pending_count--;
	}
	spin_unlock(&gcd_pending_lock);
	return found;
}

static void gcd_classify_fn(struct work_struct *work)
{
	unsigned long wait;
	struct gcd_pending *p;

	while ((p = gcd_pending_next(&wait)) != NULL) {
		if (!READ_ONCE(gcd_stopping) &&
		    gcd_classify_now(p->file) == -EAGAIN &&
		    ++p->tries < GCD_WORKER_TRIES) {
			/* A read error is no verdict; it may pass. */
			p->not_before = jiffies + HZ;
			spin_lock(&gcd_pending_lock);
			list_add_tail(&p->node, &gcd_pending_list);
			gcd_pending_count++;
			spin_unlock(&gcd_pending_lock);
			continue;
		}
		fput(p->file);
		kfree(p);
		cond_resched();
	}
	if (wait && !READ_ONCE(gcd_stopping))
		queue_delayed_work(gcd_wq, &gcd_classify_work, wait);
}

/* Is the worker's queue more than half full? */
bool gcd_classify_busy(void)
{
	return READ_ONCE(gcd_pending_count) > GCD_PENDING_MAX / 2;
}

void gcd_classify_later(struct file *file)
{
	struct inode *inode = file_inode(file);
	struct gcd_pending *p, *q;

	if (READ_ONCE(gcd_stopping) || !gcd_classifiable(file))
		return;
	p = kmalloc(sizeof(*p), GFP_ATOMIC | __GFP_NOWARN);
	if (!p)
		return;
	spin_lock(&gcd_pending_lock);
	if (gcd_pending_count >= GCD_PENDING_MAX)
		goto drop;
	list_for_each_entry(q, &gcd_pending_list, node)
		if (file_inode(q->file) == inode)
			goto drop;
	p->file = get_file(file);
	p->tries = 0;
	p->not_before = jiffies;
	list_add_tail(&p->node, &gcd_pending_list);
	gcd_pending_count++;
	spin_unlock(&gcd_pending_lock);
	mod_delayed_work(gcd_wq, &gcd_classify_work, 0);
	return;
drop:
	spin_unlock(&gcd_pending_lock);
	kfree(p);
}

/* ---- residency of forced mappings --------------------------------- */

bool gcd_file_resident(struct file *file, pgoff_t first, pgoff_t end)
{
	pgoff_t index = first;

	while (index < end) {
		struct folio *folio = gcd_get_folio(file,
						    (loff_t)index << PAGE_SHIFT,
						    false);

		if (!folio)
			return false;
		index = folio->index + folio_nr_pages(folio);
		folio_put(folio);
	}
	return true;
}

struct gcd_prefetch {
	struct work_struct work;
	struct file *file;
	pgoff_t first, end;
};

/*
 * POSIX_FADV_WILLNEED reads ahead at most the file's readahead window per
 * call (force_page_cache_ra() caps it), so the range goes in such chunks.
 */
static void gcd_prefetch_fn(struct work_struct *work)
{
	struct gcd_prefetch *p = container_of(work, struct gcd_prefetch,
					      work);
	pgoff_t chunk = max_t(pgoff_t, p->file->f_ra.ra_pages, 32);
	pgoff_t index;

	for (index = p->first; index < p->end && !READ_ONCE(gcd_stopping);
	     index += chunk) {
		vfs_fadvise(p->file, (loff_t)index << PAGE_SHIFT,
			    (loff_t)min(chunk, p->end - index) << PAGE_SHIFT,
			    POSIX_FADV_WILLNEED);
		cond_resched();
	}
	fput(p->file);
	kfree(p);
	atomic_dec(&gcd_prefetches);
}

void gcd_prefetch(struct file *file, pgoff_t first, pgoff_t end)
{
	struct gcd_prefetch *p;

	if (READ_ONCE(gcd_stopping) ||
	    atomic_inc_return(&gcd_prefetches) > GCD_PREFETCH_MAX)
		goto out;
	p = kmalloc(sizeof(*p), GFP_KERNEL);
	if (!p)
		goto out;
	INIT_WORK(&p->work, gcd_prefetch_fn);
	p->file = get_file(file);
	p->first = first;
	p->end = end;
	queue_work(gcd_wq, &p->work);
	return;
out:
	atomic_dec(&gcd_prefetches);
}

int gcd_filecache_init(void)
{
	/*
	 * Unbound: a worker stuck on a dead file system holds one kworker,
	 * not a CPU's queue.  The classification is one work item (files
	 * one at a time); prefetches run beside it.
	 */
	gcd_wq = alloc_workqueue("gocoredump", WQ_UNBOUND,
				 GCD_PREFETCH_MAX + 1);
	return gcd_wq ? 0 : -ENOMEM;
}

void gcd_filecache_exit(void)
{
	struct gcd_cache_entry *e;
	struct gcd_pending *p, *q;
	struct hlist_node *tmp;
	LIST_HEAD(drop);
	int bkt;

	WRITE_ONCE(gcd_stopping, true);
	cancel_delayed_work_sync(&gcd_classify_work);
	spin_lock(&gcd_pending_lock);
	list_splice_init(&gcd_pending_list, &drop);
	gcd_pending_count = 0;
	spin_unlock(&gcd_pending_lock);
	list_for_each_entry_safe(p, q, &drop, node) {
		fput(p->file);
		kfree(p);
	}
	/*
	 * Waits for a worker in the middle of a read: a file system that
	 * never answers holds the unload here (see design.rst).
	 */
	destroy_workqueue(gcd_wq);

	mutex_lock(&gcd_cache_lock);
	hash_for_each_safe(gcd_cache, bkt, tmp, e, node) {
		hash_del(&e->node);
		kfree(e);
	}
	gcd_cache_count = 0;
	mutex_unlock(&gcd_cache_lock);
}
