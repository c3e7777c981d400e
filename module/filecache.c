// SPDX-License-Identifier: GPL-2.0
/*
 * filecache.c - "is this mapped file a Go ELF file?", answered once per
 * inode.
 *
 * The answer comes from lib/goelf.c reading the file through kernel_read()
 * in bounded pieces.  Files are untrusted: the parser validates every
 * offset and size against i_size, and nothing here trusts it further.
 *
 * Results are cached by (device, inode number) and remembered with the
 * inode's generation, size, mtime and ctime; any change to those (a rewrite
 * in place, a truncate, a chmod, a new file on a recycled inode number)
 * makes the entry stale and the file is read again.  The cache holds at
 * most GCD_CACHE_MAX entries; the least recently used one makes room.
 *
 * Context: process context, may sleep (reads files, takes a mutex).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/fs.h>
#include <linux/hashtable.h>
#include <linux/jiffies.h>
#include <linux/slab.h>
#include <linux/stat.h>
#include <linux/string.h>

#include "gocoredump.h"

#define GCD_CACHE_MAX	256
#define GCD_CACHE_BITS	6

struct gcd_cache_entry {
	struct hlist_node node;
	dev_t dev;
	unsigned long ino;
	u32 generation;
	loff_t size;
	struct timespec64 mtime, ctime;
	unsigned long last_used;	/* jiffies */
	struct gcd_file_facts facts;
};

static DEFINE_HASHTABLE(gcd_cache, GCD_CACHE_BITS);
static DEFINE_MUTEX(gcd_cache_lock);
static unsigned int gcd_cache_count;

struct gcd_inode_id {
	dev_t dev;
	unsigned long ino;
	u32 generation;
	loff_t size;
	struct timespec64 mtime, ctime;
};

/*
 * The identity and version of the file's inode.  vfs_getattr_nosec() reads
 * the times the same way on every kernel (the inode fields that hold them
 * changed in 6.6 and 6.7).
 */
static int gcd_inode_id(struct file *file, struct gcd_inode_id *id)
{
	struct inode *inode = file_inode(file);
	struct kstat st;
	int err;

	err = vfs_getattr_nosec(&file->f_path, &st, STATX_BASIC_STATS,
				AT_STATX_SYNC_AS_STAT);
	if (err)
		return err;
	id->dev = inode->i_sb->s_dev;
	id->ino = inode->i_ino;
	id->generation = inode->i_generation;
	id->size = st.size;
	id->mtime = st.mtime;
	id->ctime = st.ctime;
	return 0;
}

static bool gcd_entry_current(const struct gcd_cache_entry *e,
			      const struct gcd_inode_id *id)
{
	return e->generation == id->generation && e->size == id->size &&
	       timespec64_equal(&e->mtime, &id->mtime) &&
	       timespec64_equal(&e->ctime, &id->ctime);
}

static u32 gcd_key(dev_t dev, unsigned long ino)
{
	return (u32)ino ^ (u32)(ino >> 32) ^ (u32)dev;
}

/* Caller holds gcd_cache_lock. */
static struct gcd_cache_entry *gcd_cache_lookup(const struct gcd_inode_id *id)
{
	struct gcd_cache_entry *e;

	hash_for_each_possible(gcd_cache, e, node, gcd_key(id->dev, id->ino))
		if (e->dev == id->dev && e->ino == id->ino)
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

static int gcd_kernel_read(void *ctx, u64 off, void *buf, size_t len)
{
	loff_t pos = off;
	ssize_t n = kernel_read(ctx, buf, len, &pos);

	return n == (ssize_t)len ? 0 : -EIO;
}

int gcd_file_facts(struct file *file, unsigned int want,
		   struct gcd_file_facts *out)
{
	struct inode *inode = file_inode(file);
	struct gcd_cache_entry *e;
	struct gcd_inode_id id;
	struct goelf_reader r;
	void *scratch;

	if (!S_ISREG(inode->i_mode) || !(file->f_mode & FMODE_READ))
		return -EINVAL;
	if (gcd_inode_id(file, &id))
		return -EIO;

	mutex_lock(&gcd_cache_lock);
	e = gcd_cache_lookup(&id);
	if (e && gcd_entry_current(e, &id) && (e->facts.want & want) == want) {
		e->last_used = jiffies;
		*out = e->facts;
		mutex_unlock(&gcd_cache_lock);
		return 0;
	}
	mutex_unlock(&gcd_cache_lock);

	/* Read the file without the lock: other dumps need not wait. */
	scratch = kmalloc(GOELF_SCRATCH_SIZE, GFP_KERNEL);
	if (!scratch)
		return -ENOMEM;
	r.read = gcd_kernel_read;
	r.ctx = file;
	r.size = id.size;
	out->want = want;
	out->err = goelf_probe(&r, want, &out->info, scratch);
	kfree(scratch);

	/* A failed read (EINTR from a fatal signal, EIO) is not a verdict. */
	if (out->err == -GOELF_EIO)
		return 0;

	mutex_lock(&gcd_cache_lock);
	e = gcd_cache_lookup(&id);
	if (!e) {
		if (gcd_cache_count >= GCD_CACHE_MAX)
			gcd_cache_evict_one();
		e = kzalloc(sizeof(*e), GFP_KERNEL);
		if (e) {
			e->dev = id.dev;
			e->ino = id.ino;
			hash_add(gcd_cache, &e->node, gcd_key(id.dev, id.ino));
			gcd_cache_count++;
		}
	}
	if (e) {
		e->generation = id.generation;
		e->size = id.size;
		e->mtime = id.mtime;
		e->ctime = id.ctime;
		e->last_used = jiffies;
		e->facts = *out;
	}
	mutex_unlock(&gcd_cache_lock);
	return 0;
}

void gcd_filecache_exit(void)
{
	struct gcd_cache_entry *e;
	struct hlist_node *tmp;
	int bkt;

	mutex_lock(&gcd_cache_lock);
	hash_for_each_safe(gcd_cache, bkt, tmp, e, node) {
		hash_del(&e->node);
		kfree(e);
	}
	gcd_cache_count = 0;
	mutex_unlock(&gcd_cache_lock);
}
