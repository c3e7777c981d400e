// SPDX-License-Identifier: GPL-2.0
/*
 * dump.c - one core dump through gocoredump: which mappings to force, and
 * the replacements that hook.c redirects the ELF core writer to.
 *
 * By the time elf_core_dump() runs, fs/coredump.c has taken a snapshot of
 * the mappings in cprm->vma_meta[] (start, end, flags, file, pgoff and the
 * dump_size that coredump_filter gave each) and summed the sizes into
 * cprm->vma_data_size; nothing has been written yet.  elf_core_dump() lays
 * out the core from those two alone, and reads each dump_size again when it
 * writes the segment data.  So raising a mapping's dump_size here, and
 * vma_data_size by as much, is all it takes to have the mapping written
 * whole, with every offset of the core consistent; and note.c can still
 * give a mapping its old size back while the program headers are held.
 *
 * Fail-safe rule: the snapshot is checked first, and the decision is made
 * in full before anything is changed.  When something is off (an entry we do
 * not understand, a size over max_forced_mb, no memory) nothing is changed,
 * the dump is written as the kernel planned it, and the error is counted.
 * gocoredump never makes a dump fail.
 *
 * Never blocking on a file: only files that have an executable mapping in
 * the snapshot can qualify, they are classified only when the policy needs
 * it (scope=go with something to force), from the page cache only and
 * within the dump's budget (filecache.c); a mapping is forced only when the
 * pages it adds are in the page cache, so that dump_user_range() does not
 * read the file either (a prefetch is asked for, and waited for at most
 * GCD_RESIDENT_WAIT_MS).
 *
 * Context: the dumping task, process context, may sleep.  Its other threads
 * are stopped in coredump_wait(), so the snapshot and the thread list are
 * stable.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/bitmap.h>
#include <linux/bsearch.h>
#include <linux/fs.h>
#include <linux/jiffies.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/rculist.h>
#include <linux/resource.h>
#include <linux/sched.h>
#include <linux/sched/mm.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/sort.h>
#include <linux/spinlock.h>
#include <linux/timekeeping.h>

#include "gocoredump.h"

/*
 * Dumps in flight, for the ftrace handler and the dump_emit()/dump_skip_to()
 * replacements: read under RCU, changed under the lock.
 */
static LIST_HEAD(gcd_dumps);
static DEFINE_SPINLOCK(gcd_dumps_lock);

/* Context: any; the handler calls it with preemption disabled. */
static notrace struct gcd_dump *
gcd_dump_lookup(const struct coredump_params *cprm)
{
	struct gcd_dump *d;

	list_for_each_entry_rcu(d, &gcd_dumps, node)
		if (d->cprm == cprm)
			return d;
	return NULL;
}

bool notrace gcd_dump_owns(const struct coredump_params *cprm)
{
	bool owned;

	rcu_read_lock();
	owned = gcd_dump_lookup(cprm);
	rcu_read_unlock();
	return owned;
}

/*
 * The dump whose coredump_params are cprm.  Only its own task calls
 * dump_emit() with them, and that task frees it only after the writer
 * returned: the pointer stays good after the RCU section.
 */
struct gcd_dump *gcd_dump_find(struct coredump_params *cprm)
{
	struct gcd_dump *d;

	rcu_read_lock();
	d = gcd_dump_lookup(cprm);
	rcu_read_unlock();
	return d;
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
 * The files that have an executable mapping in the snapshot, one entry per
 * inode, sorted by inode: built in one pass, looked up by bisection.  Only
 * these can qualify under either scope, and their verdicts are asked for
 * once per dump.
 */
enum gcd_verdict { GCD_V_UNKNOWN, GCD_V_GO, GCD_V_NOT_GO, GCD_V_NOT_READY };

struct gcd_exec_file {
	const struct inode *inode;
	struct file *file;		/* of one of its executable mappings */
	enum gcd_verdict verdict;
};

struct gcd_exec_set {
	struct gcd_exec_file *f;
	int n;
};

static int gcd_exec_cmp(const void *a, const void *b)
{
	const struct gcd_exec_file *x = a, *y = b;

	if (x->inode == y->inode)
		return 0;
	return x->inode < y->inode ? -1 : 1;
}

static int gcd_exec_set_build(const struct coredump_params *cprm,
			      struct gcd_exec_set *s)
{
	int i, n = 0;

	s->f = NULL;
	s->n = 0;
	for (i = 0; i < cprm->vma_count; i++)
		if (cprm->vma_meta[i].file &&
		    (cprm->vma_meta[i].flags & VM_EXEC))
			n++;
	if (!n)
		return 0;
	s->f = kvmalloc_array(n, sizeof(*s->f), GFP_KERNEL);
	if (!s->f)
		return -ENOMEM;
	n = 0;
	for (i = 0; i < cprm->vma_count; i++) {
		const struct core_vma_metadata *m = &cprm->vma_meta[i];

		if (!m->file || !(m->flags & VM_EXEC))
			continue;
		s->f[n].inode = file_inode(m->file);
		s->f[n].file = m->file;
		s->f[n].verdict = GCD_V_UNKNOWN;
		n++;
	}
	sort(s->f, n, sizeof(*s->f), gcd_exec_cmp, NULL);
	s->n = n ? 1 : 0;
	for (i = 1; i < n; i++)
		if (s->f[i].inode != s->f[s->n - 1].inode)
			s->f[s->n++] = s->f[i];
	return 0;
}

static struct gcd_exec_file *gcd_exec_set_find(struct gcd_exec_set *s,
					       const struct inode *inode)
{
	struct gcd_exec_file key = { .inode = inode };

	return bsearch(&key, s->f, s->n, sizeof(*s->f), gcd_exec_cmp);
}

/* Is f Go?  Asked once per dump and file; "not ready" is "no". */
static bool gcd_exec_file_is_go(struct gcd_dump *d, struct gcd_exec_file *f)
{
	struct gcd_file_facts *facts;
	int err;

	if (f->verdict == GCD_V_UNKNOWN) {
		facts = kmalloc(sizeof(*facts), GFP_KERNEL);
		err = facts ? gcd_file_facts(f->file, &d->budget, facts) :
			      -ENOMEM;
		if (err)
			f->verdict = GCD_V_NOT_READY;
		else if (!facts->err && (facts->info.flags & GOELF_F_GO))
			f->verdict = GCD_V_GO;
		else
			f->verdict = GCD_V_NOT_GO;
		kfree(facts);
	}
	if (f->verdict == GCD_V_GO)
		d->go = true;
	return f->verdict == GCD_V_GO;
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
 * and notes (registers and xstate per thread, NT_FILE up to 16 MiB).  Only
 * used for cores with extended numbering, whose headers note.c does not
 * hold back (see gcd_force()).
 */
static u64 gcd_overhead_bound(const struct coredump_params *cprm)
{
	u64 threads = atomic_read(&current->signal->live) + 1;

	return (u64)(cprm->vma_count + 2) * 64 + threads * 16384 + (17u << 20);
}

/* The file pages that forcing m adds to the core: [*first, *end). */
static void gcd_forced_pages(const struct core_vma_metadata *m,
			     pgoff_t *first, pgoff_t *end)
{
	loff_t isize = i_size_read(file_inode(m->file));
	pgoff_t eof = DIV_ROUND_UP(isize, PAGE_SIZE);

	*first = m->pgoff + (m->dump_size >> PAGE_SHIFT);
	*end = min_t(pgoff_t, m->pgoff + ((m->end - m->start) >> PAGE_SHIFT),
		     eof);
	if (*first > *end)
		*first = *end;
}

static bool gcd_vma_resident(const struct core_vma_metadata *m)
{
	pgoff_t first, end;

	gcd_forced_pages(m, &first, &end);
	return gcd_file_resident(m->file, first, end);
}

/*
 * Keep in pick only the mappings whose added pages are in the page cache,
 * asking for the others to be read ahead and waiting for them a bounded
 * time.  Returns the bytes dropped; *dropped counts the mappings.
 */
static u64 gcd_keep_resident(struct gcd_dump *d, unsigned long *pick,
			     unsigned long *wait, int *dropped)
{
	struct coredump_params *cprm = d->cprm;
	unsigned long deadline;
	bool waiting = false;
	u64 bytes = 0;
	int i;

	for_each_set_bit(i, pick, cprm->vma_count) {
		const struct core_vma_metadata *m = &cprm->vma_meta[i];
		pgoff_t first, end;

		if (gcd_vma_resident(m))
			continue;
		gcd_forced_pages(m, &first, &end);
		gcd_prefetch(m->file, first, end);
		__set_bit(i, wait);
		waiting = true;
	}
	deadline = jiffies + msecs_to_jiffies(GCD_RESIDENT_WAIT_MS);
	while (waiting && time_before(jiffies, deadline) &&
	       !fatal_signal_pending(current)) {
		schedule_timeout_killable(msecs_to_jiffies(20));
		waiting = false;
		for_each_set_bit(i, wait, cprm->vma_count) {
			if (gcd_vma_resident(&cprm->vma_meta[i]))
				__clear_bit(i, wait);
			else
				waiting = true;
		}
	}
	*dropped = 0;
	for_each_set_bit(i, wait, cprm->vma_count) {
		const struct core_vma_metadata *m = &cprm->vma_meta[i];

		__clear_bit(i, pick);
		bytes += m->end - m->start - m->dump_size;
		(*dropped)++;
	}
	return bytes;
}

static void gcd_force(struct gcd_dump *d)
{
	struct coredump_params *cprm = d->cprm;
	unsigned int force = READ_ONCE(gcd_knobs.force);
	enum gcd_scope scope = READ_ONCE(gcd_knobs.scope);
	u64 cap = (u64)READ_ONCE(gcd_knobs.max_forced_mb) << 20;
	unsigned long *pick = NULL, *wait = NULL;
	struct gcd_exec_set set = { };
	u64 extra = 0;
	int i, picked = 0, dropped;

	if (!force)
		return;		/* nothing to decide, nothing to read */
	if (!gcd_snapshot_sane(cprm)) {
		gcd_error(d->seq, "mapping snapshot not as expected" GCD_KEPT);
		d->force_skipped = true;
		return;
	}
	if (!cprm->vma_count)
		return;
	pick = bitmap_zalloc(cprm->vma_count, GFP_KERNEL);
	wait = bitmap_zalloc(cprm->vma_count, GFP_KERNEL);
	if (!pick || !wait || gcd_exec_set_build(cprm, &set)) {
		gcd_error(d->seq, "out of memory" GCD_KEPT);
		d->force_skipped = true;
		goto out;
	}

	for (i = 0; i < cprm->vma_count; i++) {
		struct core_vma_metadata *m = &cprm->vma_meta[i];
		unsigned int cls = gcd_vma_class(m);
		struct gcd_exec_file *f;

		if (!(force & cls) || m->dump_size == m->end - m->start)
			continue;
		/* A file qualifies only through an executable mapping. */
		f = gcd_exec_set_find(&set, file_inode(m->file));
		if (!f || (scope == GCD_SCOPE_GO && !gcd_exec_file_is_go(d, f)))
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
	/*
	 * With extended numbering (PN_XNUM) note.c does not hold the headers
	 * back, so RLIMIT_CORE is checked here, against an upper bound.
	 * Other cores get the exact check when their headers are complete.
	 */
	if (cprm->limit != RLIM_INFINITY && cprm->vma_count + 1 >= PN_XNUM &&
	    cprm->vma_data_size + extra + gcd_overhead_bound(cprm) >
	    cprm->limit) {
		gcd_error(d->seq, "forcing %llu MiB could exceed RLIMIT_CORE (%lu bytes)"
			  GCD_KEPT, extra >> 20, cprm->limit);
		atomic64_inc(&gcd_stats.rlimit_drops);
		d->force_skipped = true;
		goto out;
	}

	extra -= gcd_keep_resident(d, pick, wait, &dropped);
	picked -= dropped;
	if (dropped) {
		atomic64_add(dropped, &gcd_stats.vmas_not_resident);
		d->force_skipped = true;
	}
	if (!picked)
		goto out;
	d->forced = kvmalloc_array(picked, sizeof(*d->forced), GFP_KERNEL);
	if (!d->forced) {
		gcd_error(d->seq, "out of memory" GCD_KEPT);
		d->force_skipped = true;
		goto out;
	}
	for_each_set_bit(i, pick, cprm->vma_count) {
		struct core_vma_metadata *m = &cprm->vma_meta[i];

		d->forced[d->forced_vmas].idx = i;
		d->forced[d->forced_vmas].orig_dump_size = m->dump_size;
		d->forced_vmas++;
		cprm->vma_data_size += m->end - m->start - m->dump_size;
		m->dump_size = m->end - m->start;
	}
	d->forced_bytes = extra;
out:
	kvfree(set.f);
	bitmap_free(pick);
	bitmap_free(wait);
}

void gcd_unforce(struct gcd_dump *d)
{
	struct coredump_params *cprm = d->cprm;
	unsigned int k;

	for (k = 0; k < d->forced_vmas; k++) {
		struct core_vma_metadata *m = &cprm->vma_meta[d->forced[k].idx];

		m->dump_size = d->forced[k].orig_dump_size;
	}
	cprm->vma_data_size -= d->forced_bytes;
	d->forced_vmas = 0;
	d->forced_bytes = 0;
	d->force_skipped = true;
}

int gcd_core_dump(struct coredump_params *cprm, bool compat)
{
	struct gcd_dump *d;
	u64 seq;
	int ret;

	/* The handler checked too; this closes the race with a write. */
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
	gcd_budget_init(&d->budget, GCD_DUMP_BUDGET_BYTES, GCD_DUMP_BUDGET_MS);

	gcd_force(d);
	if (READ_ONCE(gcd_knobs.note))
		gcd_note_prepare(d);
	gcd_edit_prepare(d);
	if (d->go)
		atomic64_inc(&gcd_stats.dumps_go);
	if (d->budget.spent)
		atomic64_inc(&gcd_stats.budget_exhausted);

	spin_lock(&gcd_dumps_lock);
	list_add_rcu(&d->node, &gcd_dumps);
	spin_unlock(&gcd_dumps_lock);

	ret = gcd_call_orig_core_dump(cprm, compat);

	spin_lock(&gcd_dumps_lock);
	list_del_rcu(&d->node);
	spin_unlock(&gcd_dumps_lock);

	gcd_note_finish(d);
	/* What stayed forced after the RLIMIT_CORE fit (note.c). */
	atomic64_add(d->forced_vmas, &gcd_stats.vmas_forced);
	atomic64_add(d->forced_bytes, &gcd_stats.bytes_forced);
	kvfree(d->forced);
	kfree(d->exe);
	/* The ftrace handler may still be looking at it. */
	kfree_rcu(d, rcu);
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
