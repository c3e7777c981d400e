// SPDX-License-Identifier: GPL-2.0
/*
 * fatal.c - every Go crash as under GOTRACEBACK=crash (sysfs gotraceback).
 *
 * Go's runtime prints one goroutine and exits with status 2 on a fatal
 * error unless GOTRACEBACK=crash is set; then it prints every goroutine and
 * aborts with a core.  Every fatal path (an unrecovered panic, a throw, a
 * fatal signal in the runtime's handler) calls runtime.startpanic_m before
 * it reads the setting, from the word runtime.traceback_cache.  So:
 *
 *  - when a Go executable is exec'd and the knob is not off, exec.c queues
 *    it for filecache.c's worker, which has lib/goelf.c find (from the
 *    pclntab, which survives -s -w, and from runtime.setTraceback's code)
 *    the file offset of startpanic_m and the link address of
 *    traceback_cache, and calls gcd_fatal_consider();
 *  - that places an entry uprobe (uprobe_register(), never a uretprobe:
 *    those rewrite return addresses, which Go's unwinder cannot follow) on
 *    the function, once per inode;
 *  - on a hit, in the crashing task, the handler writes GOTRACEBACK=crash's
 *    value into that process's traceback_cache, after checking that the
 *    address lies in a writable mapping of that same file and that the
 *    word holds a traceback value; the runtime then does the rest, and the
 *    core is written by the usual path.  The process is remembered for a
 *    while, so that its note says the traceback was upgraded.
 *
 * Nothing else of the process is touched.  A process that crashes before
 * its probe is placed gets the runtime's default; so does one whose file
 * changed since the probe was placed: the consumer's filter refuses to put
 * the breakpoint into a file whose version (generation, size, change time)
 * is not the one parsed, and the worker replaces such probes, and drops
 * those of deleted files that no process maps any more, the next time it
 * places one.  A deleted file still run keeps its probe: unlinking, or a
 * package upgrade's rename over it, leaves its bytes and its processes.
 *
 * The uprobe API differs across the kernels we build for; Kbuild reads
 * <linux/uprobes.h> and says which (GCD_UPROBE_* below).
 *
 * Locking: the list of probes is changed under gcd_fatal_lock (a mutex:
 * registering sleeps), by the worker and at unload.  The handler reads only
 * its own probe, which lives until it is unregistered and the kernel's
 * unregistration has waited for every running handler.  The marks of
 * upgraded processes are a small array under a spinlock.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/fs.h>
#include <linux/hash.h>
#include <linux/jiffies.h>
#include <linux/mm.h>
#include <linux/mmap_lock.h>
#include <linux/mutex.h>
#include <linux/ptrace.h>
#include <linux/sched.h>
#include <linux/sched/mm.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/uaccess.h>
#include <linux/uprobes.h>

#include "gocoredump.h"

/* Probes in place at once; more Go executables get none. */
#define GCD_FATAL_MAX		1024
/* How much of a process's environment crash-if-unset reads. */
#define GCD_ENV_MAX		(256u << 10)
/* How long a process's upgrade is remembered for its dump. */
#define GCD_MARK_TTL		(600 * HZ)
#define GCD_MARKS		32

struct gcd_fatal_probe {
	struct list_head node;
	struct uprobe_consumer uc;
#ifdef GCD_UPROBE_NOSYNC
	struct uprobe *uprobe;
#endif
	struct inode *inode;		/* held: ihold() */
	loff_t offset;			/* of startpanic_m in the file */
	/* The file's version when it was parsed. */
	u32 generation;
	loff_t size;
	struct timespec64 ctime;
	struct timespec64 mtime;
	/* Link addresses. */
	u64 entry;			/* runtime.startpanic_m */
	u64 tbcache;			/* runtime.traceback_cache */
	bool pie;			/* ET_DYN: the load bias applies */
	bool elf32;
};

static LIST_HEAD(gcd_fatal_list);
static DEFINE_MUTEX(gcd_fatal_lock);
static unsigned int gcd_fatal_count;
static bool gcd_fatal_stopping;

/*
 * Files already decided (a probe placed, or no probe to place), by inode
 * and version, so that exec.c does not queue a program each time it
 * starts.  A collision or a changed file only means one more trip to the
 * worker.
 */
#define GCD_KNOWN_BITS	8

static struct {
	const struct inode *inode;
	loff_t size;
	s64 ctime_sec;
	long ctime_nsec;
} gcd_known[1 << GCD_KNOWN_BITS];

static void gcd_known_set(const struct inode *inode, loff_t size,
			  const struct timespec64 *ct)
{
	unsigned int i = hash_ptr((void *)inode, GCD_KNOWN_BITS);

	WRITE_ONCE(gcd_known[i].inode, inode);
	WRITE_ONCE(gcd_known[i].size, size);
	WRITE_ONCE(gcd_known[i].ctime_sec, ct->tv_sec);
	WRITE_ONCE(gcd_known[i].ctime_nsec, ct->tv_nsec);
}

bool gcd_fatal_known(const struct inode *inode)
{
	unsigned int i = hash_ptr((void *)inode, GCD_KNOWN_BITS);
	struct timespec64 ct = inode_get_ctime(inode);

	return READ_ONCE(gcd_known[i].inode) == inode &&
	       READ_ONCE(gcd_known[i].size) == i_size_read(inode) &&
	       READ_ONCE(gcd_known[i].ctime_sec) == ct.tv_sec &&
	       READ_ONCE(gcd_known[i].ctime_nsec) == ct.tv_nsec;
}

/* ---- marks: processes whose traceback was upgraded ------------------- */

static DEFINE_SPINLOCK(gcd_marks_lock);
static struct {
	const struct mm_struct *mm;	/* compared, never dereferenced */
	pid_t tgid;
	unsigned long when;
} gcd_marks[GCD_MARKS];

static void gcd_mark(const struct mm_struct *mm)
{
	unsigned int i, pick = 0;

	spin_lock(&gcd_marks_lock);
	for (i = 0; i < GCD_MARKS; i++) {
		if (!gcd_marks[i].mm ||
		    (gcd_marks[i].mm == mm &&
		     gcd_marks[i].tgid == current->tgid)) {
			pick = i;
			break;
		}
		if (time_before(gcd_marks[i].when, gcd_marks[pick].when))
			pick = i;
	}
	gcd_marks[pick].mm = mm;
	gcd_marks[pick].tgid = current->tgid;
	gcd_marks[pick].when = jiffies;
	spin_unlock(&gcd_marks_lock);
}

bool gcd_fatal_take_mark(const struct mm_struct *mm)
{
	bool found = false;
	unsigned int i;

	spin_lock(&gcd_marks_lock);
	for (i = 0; i < GCD_MARKS; i++) {
		if (gcd_marks[i].mm != mm ||
		    gcd_marks[i].tgid != current->tgid)
			continue;
		found = time_before(jiffies, gcd_marks[i].when + GCD_MARK_TTL);
		gcd_marks[i].mm = NULL;
	}
	spin_unlock(&gcd_marks_lock);
	return found;
}

/* ---- the handler ----------------------------------------------------- */

#define gcd_tb_error(why)						\
	gcd_upgrade_error("pid %d not upgraded: " why, task_tgid_nr(current))

static struct timespec64 gcd_inode_mtime(const struct inode *inode)
{
#ifdef GCD_INODE_GET_MTIME
	return inode_get_mtime(inode);
#else
	return inode->i_mtime;
#endif
}

/*
 * Is the file still the one parsed?  Its generation, size and change time
 * say so.  Unlinking it, or renaming another file over it (how dpkg
 * upgrades a program), changes its change time but not its bytes, and the
 * processes that run it go on: a deleted file whose modification time is
 * the one parsed is still their program.
 */
static bool gcd_probe_current(const struct gcd_fatal_probe *fp)
{
	const struct inode *inode = fp->inode;
	struct timespec64 ct = inode_get_ctime(inode), mt;

	if (inode->i_generation != fp->generation ||
	    i_size_read(inode) != fp->size)
		return false;
	if (timespec64_equal(&ct, &fp->ctime))
		return true;
	mt = gcd_inode_mtime(inode);
	return !READ_ONCE(inode->i_nlink) && timespec64_equal(&mt, &fp->mtime);
}

/*
 * Does the environment of current (its mm) set GOTRACEBACK?  1 yes, 0 no,
 * -1 when it cannot be read whole (within GCD_ENV_MAX).  Context: the
 * task, may fault.
 */
static int gcd_env_sets_gotraceback(struct mm_struct *mm)
{
	static const char key[] = "GOTRACEBACK=";
	unsigned long start, end, pos;
	unsigned int matched = 0;
	bool at_start = true;
	char buf[128];

	spin_lock(&mm->arg_lock);
	start = mm->env_start;
	end = mm->env_end;
	spin_unlock(&mm->arg_lock);
	if (end < start || end - start > GCD_ENV_MAX)
		return -1;
	for (pos = start; pos < end; ) {
		size_t n = min_t(unsigned long, sizeof(buf), end - pos), i;

		if (copy_from_user(buf, (const void __user *)pos, n))
			return -1;
		for (i = 0; i < n; i++) {
			char c = buf[i];

			if (at_start || matched) {
				if (c == key[matched]) {
					if (++matched == sizeof(key) - 1)
						return 1;
					at_start = false;
					continue;
				}
				matched = 0;
			}
			at_start = !c;
		}
		pos += n;
	}
	return 0;
}

/* Is [addr, addr + len) in a mapping of inode with all of flags?  */
static bool gcd_in_mapping(struct mm_struct *mm, unsigned long addr,
			   unsigned long len, const struct inode *inode,
			   vm_flags_t flags)
{
	struct vm_area_struct *vma = vma_lookup(mm, addr);

	return vma && vma->vm_file && file_inode(vma->vm_file) == inode &&
	       (vma->vm_flags & flags) == flags && addr + len > addr &&
	       addr + len <= vma->vm_end;
}

/*
 * PID 1 of a pid namespace is SIGNAL_UNKILLABLE: the kernel drops the
 * SIGABRT that the runtime raises with the default action
 * (golang/go#34177), so a crash that ends as under GOTRACEBACK=crash
 * would exit with status 2 and no core.  The process is dying: let its
 * abort through, as force_sig() does for a default-action signal.  Not
 * the global init, whose death panics the kernel either way.
 */
static void gcd_let_init_abort(void)
{
	struct task_struct *t = current;
	struct sighand_struct *sh;

	if (!(READ_ONCE(t->signal->flags) & SIGNAL_UNKILLABLE) ||
	    is_global_init(t))
		return;
	/* Our own: only an exec of ours could replace it. */
	sh = rcu_dereference_protected(t->sighand, t == current);
	spin_lock_irq(&sh->siglock);
	t->signal->flags &= ~SIGNAL_UNKILLABLE;
	spin_unlock_irq(&sh->siglock);
}

static void gcd_fatal_hit(struct gcd_fatal_probe *fp, struct pt_regs *regs)
{
	unsigned int mode = READ_ONCE(gcd_knobs.gotraceback);
	struct mm_struct *mm = current->mm;
	unsigned long ip = instruction_pointer(regs), addr;
	u32 __user *word;
	u64 bias;
	bool ok;
	u32 v;

	if (mode == GCD_TB_OFF || !mm || READ_ONCE(gcd_fatal_stopping))
		return;
	if (!gcd_probe_current(fp))
		return;		/* the filter keeps such breakpoints out */
	if (mode == GCD_TB_CRASH_IF_UNSET) {
		int set = gcd_env_sets_gotraceback(mm);

		if (set < 0)
			gcd_tb_error("the environment cannot be read");
		if (set)
			return;
	}
	bias = (u64)ip - fp->entry;
	if (!fp->pie && bias) {
		gcd_tb_error("the probe hit at an unexpected address");
		return;
	}
	addr = (unsigned long)(fp->tbcache + bias);
	if ((u64)addr != fp->tbcache + bias ||
	    (fp->elf32 && addr > U32_MAX - sizeof(u32)) ||
	    !IS_ALIGNED(addr, sizeof(u32))) {
		gcd_tb_error("traceback_cache's address is out of range");
		return;
	}
	if (mmap_read_lock_killable(mm))
		return;
	ok = gcd_in_mapping(mm, ip, 1, fp->inode, VM_EXEC) &&
	     gcd_in_mapping(mm, addr, sizeof(u32), fp->inode, VM_WRITE);
	mmap_read_unlock(mm);
	if (!ok) {
		gcd_tb_error("traceback_cache is not in a writable mapping of the executable");
		return;
	}
	word = (u32 __user *)addr;
	if (get_user(v, word)) {
		gcd_tb_error("traceback_cache cannot be read");
		return;
	}
	if (v & GOELF_TB_CRASH) {
		gcd_let_init_abort();
		return;		/* GOTRACEBACK=crash already */
	}
	if (v & ~(GOELF_TB_ALL | (7u << GOELF_TB_SHIFT))) {
		gcd_tb_error("traceback_cache holds no traceback setting");
		return;
	}
	if (put_user(GOELF_TB_UPGRADED, word)) {
		gcd_tb_error("traceback_cache cannot be written");
		return;
	}
	gcd_mark(mm);
	atomic64_inc(&gcd_stats.crashes_upgraded);
	gcd_let_init_abort();
}

#ifdef GCD_UPROBE_HANDLER_DATA
static int gcd_fatal_handler(struct uprobe_consumer *uc, struct pt_regs *regs,
			     __u64 *data)
#else
static int gcd_fatal_handler(struct uprobe_consumer *uc, struct pt_regs *regs)
#endif
{
	gcd_fatal_hit(container_of(uc, struct gcd_fatal_probe, uc), regs);
	return 0;
}

#ifdef GCD_UPROBE_FILTER_CTX
static bool gcd_fatal_filter(struct uprobe_consumer *uc,
			     enum uprobe_filter_ctx ctx, struct mm_struct *mm)
#else
static bool gcd_fatal_filter(struct uprobe_consumer *uc, struct mm_struct *mm)
#endif
{
	return gcd_probe_current(container_of(uc, struct gcd_fatal_probe, uc));
}

/* ---- placing and removing probes -------------------------------------- */

static int gcd_uprobe_register(struct gcd_fatal_probe *fp)
{
#ifdef GCD_UPROBE_NOSYNC
	struct uprobe *u = uprobe_register(fp->inode, fp->offset, 0, &fp->uc);

	if (IS_ERR(u))
		return PTR_ERR(u);
	fp->uprobe = u;
	return 0;
#else
	return uprobe_register(fp->inode, fp->offset, &fp->uc);
#endif
}

/* Unregister; when sync, also wait for the handlers still running. */
static void gcd_uprobe_unregister(struct gcd_fatal_probe *fp)
{
#ifdef GCD_UPROBE_NOSYNC
	uprobe_unregister_nosync(fp->uprobe, &fp->uc);
#else
	/* Waits for running handlers itself (register_rwsem). */
	uprobe_unregister(fp->inode, fp->offset, &fp->uc);
#endif
}

static void gcd_uprobe_sync(void)
{
#ifdef GCD_UPROBE_NOSYNC
	uprobe_unregister_sync();
#endif
}

/* Remove the probes in list (taken off gcd_fatal_list), then free them. */
static void gcd_fatal_remove(struct list_head *list)
{
	struct gcd_fatal_probe *fp, *tmp;

	if (list_empty(list))
		return;
	list_for_each_entry(fp, list, node)
		gcd_uprobe_unregister(fp);
	gcd_uprobe_sync();
	list_for_each_entry_safe(fp, tmp, list, node) {
		list_del(&fp->node);
		iput(fp->inode);
		kfree(fp);
		atomic64_dec(&gcd_stats.probes_active);
	}
}

/*
 * Caller holds gcd_fatal_lock: move stale probes to list: those of changed
 * files, and of deleted files that no process maps any more.
 */
static void gcd_fatal_sweep(struct list_head *list)
{
	struct gcd_fatal_probe *fp, *tmp;

	list_for_each_entry_safe(fp, tmp, &gcd_fatal_list, node) {
		if (gcd_probe_current(fp) &&
		    (READ_ONCE(fp->inode->i_nlink) ||
		     mapping_mapped(fp->inode->i_mapping)))
			continue;
		list_move(&fp->node, list);
		gcd_fatal_count--;
	}
}

void gcd_fatal_consider(struct file *file, const struct gcd_file_facts *f,
			u32 generation, loff_t size,
			const struct timespec64 *ctime)
{
	struct inode *inode = file_inode(file);
	const struct goelf_info *in = &f->info;
	struct timespec64 ct = inode_get_ctime(inode);
	struct gcd_fatal_probe *fp;
	LIST_HEAD(stale);
	int err;

	if (!IS_ENABLED(CONFIG_UPROBES) ||
	    READ_ONCE(gcd_knobs.gotraceback) == GCD_TB_OFF)
		return;
	mutex_lock(&gcd_fatal_lock);
	if (READ_ONCE(gcd_fatal_stopping))
		goto out;
	gcd_fatal_sweep(&stale);
	list_for_each_entry(fp, &gcd_fatal_list, node)
		if (fp->inode == inode)
			goto known;		/* current: the sweep kept it */
	if (f->err || !(in->flags & GOELF_F_GO) ||
	    (in->e_type != ET_EXEC && in->e_type != ET_DYN))
		goto known;
	if (!(in->flags & GOELF_F_FATAL)) {
		gcd_upgrade_error("no fatal-error probe for %pD: %s", file,
				  in->fatal_why ? in->fatal_why :
				  "the file was not parsed for it");
		goto known;
	}
	/* Changed since it was parsed: the next exec queues it again. */
	if (!timespec64_equal(&ct, ctime) || i_size_read(inode) != size)
		goto out;
	if (gcd_fatal_count >= GCD_FATAL_MAX) {
		gcd_upgrade_error("no fatal-error probe for %pD: %u probes in place already",
				  file, gcd_fatal_count);
		goto out;
	}
	fp = kzalloc(sizeof(*fp), GFP_KERNEL);
	if (!fp)
		goto out;
	fp->uc.handler = gcd_fatal_handler;
	fp->uc.filter = gcd_fatal_filter;
	fp->inode = inode;
	fp->offset = in->fatal_off;
	fp->generation = generation;
	fp->size = size;
	fp->ctime = *ctime;
	fp->mtime = gcd_inode_mtime(inode);
	fp->entry = in->fatal_entry;
	fp->tbcache = in->tbcache;
	fp->pie = in->e_type == ET_DYN;
	fp->elf32 = in->elf_class == ELFCLASS32;
	ihold(inode);
	err = gcd_uprobe_register(fp);
	if (err) {
		iput(inode);
		kfree(fp);
		gcd_upgrade_error("no fatal-error probe for %pD: uprobe_register: %d",
				  file, err);
		goto known;
	}
	list_add(&fp->node, &gcd_fatal_list);
	gcd_fatal_count++;
	atomic64_inc(&gcd_stats.probes_placed);
	atomic64_inc(&gcd_stats.probes_active);
known:
	gcd_known_set(inode, size, ctime);
out:
	mutex_unlock(&gcd_fatal_lock);
	gcd_fatal_remove(&stale);
}

void gcd_fatal_exit(void)
{
	LIST_HEAD(all);

	mutex_lock(&gcd_fatal_lock);
	WRITE_ONCE(gcd_fatal_stopping, true);
	list_splice_init(&gcd_fatal_list, &all);
	gcd_fatal_count = 0;
	mutex_unlock(&gcd_fatal_lock);
	/* After this no handler runs, or will run, our code. */
	gcd_fatal_remove(&all);
}
