// SPDX-License-Identifier: GPL-2.0
/*
 * dump.c - one core dump through gocoredump: which mappings to force, and
 * the replacements that hook.c redirects the ELF core writer to.
 *
 * By the time elf_core_dump() runs, fs/coredump.c has taken a snapshot of
 * the mappings in cprm->vma_meta[] (start, end, flags, file, pgoff and the
 * dump_size that coredump_filter gave each) and summed the sizes into
 * cprm->vma_data_size; nothing has been written yet.  elf_core_dump() lays
 * out the core from those two alone.  So raising a mapping's dump_size here,
 * and vma_data_size by as much, is all it takes to have the mapping written
 * whole, with every offset of the core consistent.
 *
 * Fail-safe rule: the snapshot is checked first, and the decision is made
 * in full before anything is changed.  When something is off (an entry we do
 * not understand, a size over max_forced_mb or over RLIMIT_CORE, no memory)
 * nothing is changed, the dump is written as the kernel planned it, and the
 * error is counted.  gocoredump never makes a dump fail.
 *
 * Context: the dumping task, process context, may sleep.  Its other threads
 * are stopped in coredump_wait(), so the snapshot and the thread list are
 * stable.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/bitmap.h>
#include <linux/fs.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/resource.h>
#include <linux/sched.h>
#include <linux/sched/mm.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/timekeeping.h>

#include "gocoredump.h"

/* Dumps in flight, for the dump_emit()/dump_skip_to() replacements. */
static LIST_HEAD(gcd_dumps);
static DEFINE_SPINLOCK(gcd_dumps_lock);

struct gcd_dump *gcd_dump_find(struct coredump_params *cprm)
{
	struct gcd_dump *d, *found = NULL;

	spin_lock(&gcd_dumps_lock);
	list_for_each_entry(d, &gcd_dumps, node) {
		if (d->cprm == cprm) {
			found = d;
			break;
		}
	}
	spin_unlock(&gcd_dumps_lock);
	return found;
}

/* Which class of `force` a mapping belongs to, or 0 if none may be forced. */
static unsigned int gcd_vma_class(const struct core_vma_metadata *m)
{
	if (!m->file || !(m->flags & VM_READ))
		return 0;
	/* MADV_DONTDUMP, device and shared mappings are never forced. */
	if (m->flags & (VM_DONTDUMP | VM_IO | VM_PFNMAP | VM_SHARED |
			VM_MAYSHARE | VM_HUGETLB))
		return 0;
	if (IS_DAX(file_inode(m->file)))
		return 0;
	if (m->flags & VM_EXEC)
		return GCD_FORCE_TEXT;
	if (m->flags & VM_WRITE)
		return GCD_FORCE_DATA;
	return GCD_FORCE_RODATA;
}

/*
 * Per-dump memo of file verdicts, so that a file mapped five times is
 * looked up once.  Files beyond GCD_MEMO go to the (global) cache each time.
 */
#define GCD_MEMO	32

struct gcd_memo {
	struct inode *inode[GCD_MEMO];
	bool go[GCD_MEMO];
	bool exec[GCD_MEMO];	/* the file has an executable mapping */
	unsigned int n;
};

static bool gcd_file_is_go(struct gcd_dump *d, struct file *file)
{
	struct gcd_file_facts *f;
	bool go;

	f = kmalloc(sizeof(*f), GFP_KERNEL);
	if (!f)
		return false;
	go = !gcd_file_facts(file, 0, f) && !f->err &&
	     (f->info.flags & GOELF_F_GO);
	kfree(f);
	return go;
}

static bool gcd_file_has_exec(const struct coredump_params *cprm,
			      const struct inode *inode)
{
	int i;

	for (i = 0; i < cprm->vma_count; i++) {
		const struct core_vma_metadata *m = &cprm->vma_meta[i];

		if (m->file && (m->flags & VM_EXEC) &&
		    file_inode(m->file) == inode)
			return true;
	}
	return false;
}

/* Does this mapping's file qualify under the current scope? */
static bool gcd_file_qualifies(struct gcd_dump *d, struct gcd_memo *memo,
			       struct file *file, enum gcd_scope scope)
{
	struct inode *inode = file_inode(file);
	unsigned int i;
	bool go, exec;

	for (i = 0; i < memo->n; i++)
		if (memo->inode[i] == inode)
			break;
	if (i < memo->n) {
		go = memo->go[i];
		exec = memo->exec[i];
	} else {
		go = gcd_file_is_go(d, file);
		exec = gcd_file_has_exec(d->cprm, inode);
		if (memo->n < GCD_MEMO) {
			memo->inode[memo->n] = inode;
			memo->go[memo->n] = go;
			memo->exec[memo->n] = exec;
			memo->n++;
		}
	}
	if (go)
		d->go = true;
	return scope == GCD_SCOPE_GO ? go : exec;
}

/*
 * The snapshot must be what fs/coredump.c makes: ordered, page-aligned
 * mappings with dump sizes within them that add up to vma_data_size.
 */
static bool gcd_snapshot_sane(const struct coredump_params *cprm)
{
	u64 sum = 0;
	int i;

	if (cprm->vma_count < 0 || (cprm->vma_count && !cprm->vma_meta))
		return false;
	for (i = 0; i < cprm->vma_count; i++) {
		const struct core_vma_metadata *m = &cprm->vma_meta[i];

		if (m->end <= m->start || !PAGE_ALIGNED(m->start) ||
		    !PAGE_ALIGNED(m->end) || m->dump_size > m->end - m->start)
			return false;
		sum += m->dump_size;
	}
	return sum == cprm->vma_data_size;
}

/*
 * A generous bound on what the core holds besides segment data: headers,
 * and notes (registers and xstate per thread, NT_FILE up to 16 MiB).
 */
static u64 gcd_overhead_bound(const struct coredump_params *cprm)
{
	u64 threads = atomic_read(&current->signal->live) + 1;

	return (u64)(cprm->vma_count + 2) * 64 + threads * 16384 + (17u << 20);
}

static void gcd_force(struct gcd_dump *d)
{
	struct coredump_params *cprm = d->cprm;
	unsigned int force = READ_ONCE(gcd_knobs.force);
	enum gcd_scope scope = READ_ONCE(gcd_knobs.scope);
	u64 cap = (u64)READ_ONCE(gcd_knobs.max_forced_mb) << 20;
	unsigned long *pick = NULL;
	struct gcd_memo *memo;
	u64 extra = 0;
	int i, picked = 0;

	if (!gcd_snapshot_sane(cprm)) {
		gcd_error(d->seq, "mapping snapshot not as expected" GCD_KEPT);
		d->force_skipped = true;
		return;
	}
	memo = kzalloc(sizeof(*memo), GFP_KERNEL);
	if (cprm->vma_count)
		pick = bitmap_zalloc(cprm->vma_count, GFP_KERNEL);
	if (!memo || (cprm->vma_count && !pick)) {
		gcd_error(d->seq, "out of memory" GCD_KEPT);
		d->force_skipped = true;
		goto out;
	}

	for (i = 0; i < cprm->vma_count; i++) {
		struct core_vma_metadata *m = &cprm->vma_meta[i];
		unsigned int cls = gcd_vma_class(m);

		if (!cls)
			continue;
		/* Classify every file mapping: dumps_go counts Go dumps. */
		if (!gcd_file_qualifies(d, memo, m->file, scope))
			continue;
		if (!(force & cls) || m->dump_size == m->end - m->start)
			continue;
		__set_bit(i, pick);
		extra += m->end - m->start - m->dump_size;
		picked++;
	}
	if (!picked)
		goto out;

	if (extra > cap) {
		gcd_error(d->seq, "forcing %llu MiB is over max_forced_mb=%llu"
			  GCD_KEPT, extra >> 20, cap >> 20);
		d->force_skipped = true;
		goto out;
	}
	if (cprm->limit != RLIM_INFINITY &&
	    cprm->vma_data_size + extra + gcd_overhead_bound(cprm) >
	    cprm->limit) {
		gcd_error(d->seq, "forcing %llu MiB could exceed RLIMIT_CORE (%lu bytes)"
			  GCD_KEPT, extra >> 20, cprm->limit);
		d->force_skipped = true;
		goto out;
	}

	for_each_set_bit(i, pick, cprm->vma_count) {
		struct core_vma_metadata *m = &cprm->vma_meta[i];

		cprm->vma_data_size += m->end - m->start - m->dump_size;
		m->dump_size = m->end - m->start;
	}
	d->forced_vmas = picked;
	d->forced_bytes = extra;
	atomic64_add(picked, &gcd_stats.vmas_forced);
	atomic64_add(extra, &gcd_stats.bytes_forced);
out:
	bitmap_free(pick);
	kfree(memo);
}

int gcd_core_dump(struct coredump_params *cprm, bool compat)
{
	struct gcd_dump *d;
	u64 seq;
	int ret;

	if (!READ_ONCE(gcd_knobs.enabled)) {
		ret = gcd_call_orig_core_dump(cprm, compat);
		goto out;
	}
	seq = atomic64_inc_return(&gcd_stats.dumps_seen);
	d = kzalloc(sizeof(*d), GFP_KERNEL);
	if (!d) {
		gcd_error(seq, "out of memory" GCD_KEPT);
		ret = gcd_call_orig_core_dump(cprm, compat);
		goto out;
	}
	d->cprm = cprm;
	d->seq = seq;
	d->compat = compat;
	d->realtime_ns = ktime_get_real_ns();
	d->boottime_ns = ktime_get_boottime_ns();

	gcd_force(d);
	if (d->go)
		atomic64_inc(&gcd_stats.dumps_go);
	if (READ_ONCE(gcd_knobs.note))
		gcd_note_prepare(d);

	spin_lock(&gcd_dumps_lock);
	list_add(&d->node, &gcd_dumps);
	spin_unlock(&gcd_dumps_lock);

	ret = gcd_call_orig_core_dump(cprm, compat);

	spin_lock(&gcd_dumps_lock);
	list_del(&d->node);
	spin_unlock(&gcd_dumps_lock);

	gcd_note_finish(d);
	kfree(d->exe);
	kfree(d);
out:
	module_put(THIS_MODULE);
	return ret;
}

int gcd_dump_emit(struct coredump_params *cprm, const void *addr, int nr)
{
	struct gcd_dump *d = gcd_dump_find(cprm);
	int ret;

	if (d)
		ret = gcd_note_dump_emit(d, addr, nr);
	else
		ret = gcd_call_orig_dump_emit(cprm, addr, nr);
	module_put(THIS_MODULE);
	return ret;
}

void gcd_dump_skip_to(struct coredump_params *cprm, unsigned long to)
{
	struct gcd_dump *d = gcd_dump_find(cprm);

	if (d)
		gcd_note_dump_skip_to(d, to);
	else
		gcd_call_orig_dump_skip_to(cprm, to);
	module_put(THIS_MODULE);
}
