// SPDX-License-Identifier: GPL-2.0
/*
 * exec.c - what gocoredump learns when a program starts, from the
 * sched_process_exec tracepoint:
 *
 *  - the compat (32-bit) ELF core writer.  It is a static function that
 *    nothing exports; the one safe way to its address is the binfmt of a
 *    process it loaded (hook.c says why).  So the first exec whose mm's
 *    binfmt is not the native one hands that binfmt to a work item, which
 *    checks it and hooks its writer.  Until then (and for good on a kernel
 *    without compat ELF support) 32-bit cores are the kernel's own; sysfs
 *    compat_hook and the kernel log say which.  At load, the processes
 *    already running are looked at once for the same purpose.
 *  - files to classify: the files the new program maps executable (the
 *    program and its ELF interpreter) go to filecache.c's worker, so that
 *    the verdict is ready when the program crashes and the dump need not
 *    read them.  With the gotraceback knob on, the worker also places the
 *    fatal-path probe of a Go program (fatal.c); a program is queued until
 *    that is decided for its file.  When the knob is turned on (or set at
 *    load), the processes already running are queued the same way, so
 *    that a service started before gets its probe too.
 *
 * The tracepoint is reached through for_each_kernel_tracepoint() and
 * tracepoint_probe_register(), both exported: no symbol lookup.  Without
 * it the module still works: compat cores stay stock, and files are
 * classified by the dumps that need them.
 *
 * Context of the probe: the task that exec'd, right after its new program
 * was loaded; preemption disabled, may not sleep.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/binfmts.h>
#include <linux/delay.h>
#include <linux/fs.h>
#include <linux/hash.h>
#include <linux/mm.h>
#include <linux/mmap_lock.h>
#include <linux/rcupdate.h>
#include <linux/sched.h>
#include <linux/sched/signal.h>
#include <linux/sched/task.h>
#include <linux/string.h>
#include <linux/tracepoint.h>
#include <linux/workqueue.h>

#include "gocoredump.h"

static struct tracepoint *gcd_exec_tp;

/*
 * The binfmt handed to the work item; one at a time.  Only built-in ones
 * are handed on: the compat ELF binfmt is built in, and a binfmt of a
 * module could be unloaded once the process that used it is gone, before
 * the work item (or gcd_exec_scan()) looks at it.
 */
static const struct linux_binfmt *gcd_compat_candidate;
static const struct linux_binfmt *gcd_compat_rejected;
static pid_t gcd_compat_pid;

static void gcd_compat_fn(struct work_struct *work)
{
	const struct linux_binfmt *fmt = READ_ONCE(gcd_compat_candidate);

	if (fmt && gcd_hook_compat(fmt, READ_ONCE(gcd_compat_pid)) &&
	    gcd_compat_state() == GCD_COMPAT_WAITING)
		WRITE_ONCE(gcd_compat_rejected, fmt);
	WRITE_ONCE(gcd_compat_candidate, NULL);
}

static DECLARE_WORK(gcd_compat_work, gcd_compat_fn);

/*
 * Executables queued lately, by inode and size, so that a program exec'd
 * in a loop costs one hash lookup and not one trip to the worker each
 * time.  A collision or a rewrite of the file only means one more trip.
 */
#define GCD_SEEN_BITS	8

static struct {
	const struct inode *inode;
	loff_t size;
} gcd_seen[1 << GCD_SEEN_BITS];

static bool gcd_seen_before(const struct inode *inode)
{
	unsigned int i = hash_ptr((void *)inode, GCD_SEEN_BITS);
	loff_t size = i_size_read(inode);

	if (READ_ONCE(gcd_seen[i].inode) == inode &&
	    READ_ONCE(gcd_seen[i].size) == size)
		return true;
	WRITE_ONCE(gcd_seen[i].inode, inode);
	WRITE_ONCE(gcd_seen[i].size, size);
	return false;
}

/*
 * Does a policy need verdicts?  (force under scope=go, the note, or the
 * fatal-path probes of gotraceback.)
 */
static bool gcd_verdicts_wanted(void)
{
	return READ_ONCE(gcd_knobs.gotraceback) != GCD_TB_OFF ||
	       (READ_ONCE(gcd_knobs.enabled) &&
		((READ_ONCE(gcd_knobs.force) &&
		  READ_ONCE(gcd_knobs.scope) == GCD_SCOPE_GO) ||
		 READ_ONCE(gcd_knobs.note)));
}

/* Queue the files mm maps executable; right after exec that is few. */
static void gcd_exec_queue_files(struct mm_struct *mm)
{
	bool fatal = READ_ONCE(gcd_knobs.gotraceback) != GCD_TB_OFF;
	struct vm_area_struct *vma;
	int queued = 0;

	VMA_ITERATOR(vmi, mm, 0);
	if (!mmap_read_trylock(mm))
		return;
	for_each_vma(vmi, vma) {
		struct inode *inode;

		if (!vma->vm_file || !(vma->vm_flags & VM_EXEC))
			continue;
		inode = file_inode(vma->vm_file);
		/* A program not yet decided on for its probe goes again. */
		if (gcd_seen_before(inode) &&
		    (!fatal || gcd_fatal_known(inode)))
			continue;
		gcd_classify_later(vma->vm_file);
		if (++queued == 4)
			break;
	}
	mmap_read_unlock(mm);
}

/*
 * The gotraceback knob turned on: queue the executable files of every
 * process already running, as their exec would have, a batch of processes
 * at a time (taken under RCU, looked at with references held).  The
 * worker's queue holds GCD_PENDING_MAX files, so the walk waits while it
 * is more than half full (a second at most; after one such wait it waits
 * no more: a worker stuck on a dead file system must not hold it).  It
 * runs on system_long_wq, as it may take seconds.  Processes that come and go
 * meanwhile may be seen twice or not at all: the first costs a hash
 * lookup, the second had an exec of its own.
 */
#define GCD_RUNNING_BATCH	32

static DEFINE_SPINLOCK(gcd_running_lock);
static bool gcd_running_ready, gcd_running_stop;

static void gcd_running_fn(struct work_struct *work)
{
	struct task_struct *batch[GCD_RUNNING_BATCH], *p;
	unsigned int skip = 0, seen, n, i;
	bool stuck = false;
	int waited;

	do {
		n = 0;
		seen = 0;
		rcu_read_lock();
		for_each_process(p) {
			if (seen++ < skip || (p->flags & PF_KTHREAD))
				continue;
			get_task_struct(p);
			batch[n] = p;
			if (++n == GCD_RUNNING_BATCH)
				break;
		}
		rcu_read_unlock();
		skip = seen;
		for (i = 0; i < n; i++) {
			struct mm_struct *mm;

			for (waited = 0; !stuck && gcd_classify_busy() &&
			     !READ_ONCE(gcd_running_stop); waited++) {
				if (waited == 50)
					stuck = true;
				else
					msleep(20);
			}
			mm = get_task_mm(batch[i]);
			if (mm) {
				if (!READ_ONCE(gcd_running_stop) &&
				    READ_ONCE(gcd_knobs.gotraceback) != GCD_TB_OFF)
					gcd_exec_queue_files(mm);
				mmput(mm);
			}
			put_task_struct(batch[i]);
		}
		cond_resched();
	} while (n == GCD_RUNNING_BATCH && !READ_ONCE(gcd_running_stop));
}

static DECLARE_WORK(gcd_running_work, gcd_running_fn);

void gcd_exec_queue_running(void)
{
	spin_lock(&gcd_running_lock);
	if (gcd_running_ready && !gcd_running_stop)
		queue_work(system_long_wq, &gcd_running_work);
	spin_unlock(&gcd_running_lock);
}

static void gcd_exec_probe(void *data, struct task_struct *p, pid_t old_pid,
			   struct linux_binprm *bprm)
{
	struct mm_struct *mm = current->mm;
	const struct linux_binfmt *fmt;

	if (p != current || !mm)
		return;
	fmt = READ_ONCE(mm->binfmt);
	if (fmt && !fmt->module && fmt != gcd_native_binfmt() &&
	    fmt != READ_ONCE(gcd_compat_rejected) &&
	    gcd_compat_state() == GCD_COMPAT_WAITING &&
	    !cmpxchg(&gcd_compat_candidate, NULL, fmt)) {
		WRITE_ONCE(gcd_compat_pid, task_tgid_nr(p));
		schedule_work(&gcd_compat_work);
	}
	/*
	 * The probe runs with preemption off; on PREEMPT_RT the allocation
	 * and the locks of queueing sleep, so there the verdicts wait for a
	 * dump's miss (design.rst).
	 */
	if (!IS_ENABLED(CONFIG_PREEMPT_RT) && gcd_verdicts_wanted())
		gcd_exec_queue_files(mm);
}

static void gcd_find_tp(struct tracepoint *tp, void *priv)
{
	if (!strcmp(tp->name, "sched_process_exec"))
		*(struct tracepoint **)priv = tp;
}

/*
 * A 32-bit program already running when the module loads: its binfmt is
 * the compat one.  The first few binfmts other than the native one are
 * tried.  Context: the load, may sleep.
 */
static void gcd_exec_scan(void)
{
	const struct linux_binfmt *native = gcd_native_binfmt();
	const struct linux_binfmt *fmts[4];
	pid_t pids[4];
	struct task_struct *p;
	int n = 0, i;

	rcu_read_lock();
	for_each_process(p) {
		const struct linux_binfmt *fmt = NULL;

		task_lock(p);
		/* Under task_lock the mm, and its binfmt's module, stay. */
		if (p->mm)
			fmt = READ_ONCE(p->mm->binfmt);
		if (fmt && fmt->module)
			fmt = NULL;
		task_unlock(p);
		if (!fmt || fmt == native)
			continue;
		for (i = 0; i < n && fmts[i] != fmt; i++)
			;
		if (i < n)
			continue;
		fmts[n] = fmt;
		pids[n] = task_tgid_nr(p);
		if (++n == ARRAY_SIZE(fmts))
			break;
	}
	rcu_read_unlock();
	for (i = 0; i < n; i++)
		if (!gcd_hook_compat(fmts[i], pids[i]) ||
		    gcd_compat_state() != GCD_COMPAT_WAITING)
			break;
}

int gcd_exec_init(void)
{
	int err;

	if (gcd_compat_state() == GCD_COMPAT_WAITING)
		gcd_exec_scan();
	for_each_kernel_tracepoint(gcd_find_tp, &gcd_exec_tp);
	if (!gcd_exec_tp) {
		pr_warn("no sched_process_exec tracepoint: 32-bit cores stay as the kernel writes them\n");
		gcd_compat_unavailable();
		return 0;
	}
	err = tracepoint_probe_register(gcd_exec_tp, gcd_exec_probe, NULL);
	if (err) {
		pr_warn("cannot probe sched_process_exec (%d): 32-bit cores stay as the kernel writes them\n",
			err);
		gcd_exec_tp = NULL;
		gcd_compat_unavailable();
	}
	spin_lock(&gcd_running_lock);
	gcd_running_ready = true;
	spin_unlock(&gcd_running_lock);
	/* gotraceback= at load: the programs already running. */
	if (READ_ONCE(gcd_knobs.gotraceback) != GCD_TB_OFF)
		gcd_exec_queue_running();
	return 0;
}

void gcd_exec_exit(void)
{
	if (gcd_exec_tp) {
		tracepoint_probe_unregister(gcd_exec_tp, gcd_exec_probe, NULL);
		/* No probe runs, or will run, our code after this. */
		tracepoint_synchronize_unregister();
		gcd_exec_tp = NULL;
	}
	cancel_work_sync(&gcd_compat_work);
	spin_lock(&gcd_running_lock);
	gcd_running_stop = true;
	spin_unlock(&gcd_running_lock);
	cancel_work_sync(&gcd_running_work);
}
