// SPDX-License-Identifier: GPL-2.0
/*
 * note.c - the scheduler-metadata note: what the kernel knew about the
 * process and each of its threads when the dump started, written into the
 * core's PT_NOTE segment after the kernel's own notes.
 *
 * Format: include/uapi/gocoredump.h, Documentation/note-format.rst.
 *
 * Insertion.  elf_core_dump() writes, in this order and through dump_emit()
 * and dump_skip_to() only: the ELF header, the PT_NOTE program header, one
 * PT_LOAD header per mapping, the notes, then dump_skip_to(dataoff), then
 * the segment data (see fs/binfmt_elf.c; the same in 6.1 and 6.12).  So:
 *
 *  1. The note is built in full before elf_core_dump() starts
 *     (gcd_note_prepare), so its size is known.
 *  2. dump_emit() calls that carry the ELF header and program headers are
 *     held back in a buffer.  Once all of them are there they are checked
 *     against the layout above; if they match, PT_NOTE's p_filesz grows by
 *     the note's size and every PT_LOAD's p_offset moves by the growth of
 *     the page-aligned data offset.  Then the buffer is written.  If they
 *     do not match, the buffer is written unchanged and the note is
 *     dropped: the decision is made before a single byte reaches the core.
 *  3. At dump_skip_to(dataoff) the kernel's notes are complete: the note is
 *     written there, and the skip goes to the new data offset.
 *
 * RLIMIT_CORE.  When the headers are complete the core's final size is
 * known exactly: the data offset plus the PT_LOADs' sizes (file mode; a
 * pipe has no limit).  If the note, or the forced bytes, would take it
 * over RLIMIT_CORE, what does not fit is dropped there: the forced
 * mappings get their planned dump sizes back (elf_core_dump() reads them
 * again when it writes the data) and their headers are edited to match,
 * so the core is the stock one, complete; rlimit_drops counts it.  The
 * headers are held for that even with the note off, when something was
 * forced and the limit is finite.
 *
 * The segment data itself never passes through here (dump_user_range()
 * writes pages directly), and it is the same bytes at shifted offsets.
 *
 * No field holds a kernel address: the note carries user addresses (the Go
 * runtime's roots, with the load bias), ids, counters and times.  Outside
 * the initial pid namespace it carries only the namespace's pids: a core
 * may land in the container's own directory.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/cpumask.h>
#include <linux/elf.h>
#include <linux/fs.h>
#include <linux/mm.h>
#include <linux/pid_namespace.h>
#include <linux/rcupdate.h>
#include <linux/sched.h>
#include <linux/sched/coredump.h>
#include <linux/sched/cputime.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/utsname.h>

#include "gocoredump.h"

/* The note may not grow beyond this (about 50,000 threads). */
#define GCD_NOTE_MAX		(16u << 20)
/* Program headers held back at most (PN_XNUM - 1 of them, 64-bit). */
#define GCD_HDR_MAX		(sizeof(struct elf64_hdr) + \
				 (PN_XNUM - 1) * sizeof(struct elf64_phdr))

enum gcd_edit_state {
	GCD_EDIT_OFF,		/* headers not held: no note, no limit to fit */
	GCD_EDIT_HEADERS,	/* holding back the ELF and program headers */
	GCD_EDIT_NOTES,		/* headers out, waiting for the notes' end */
	GCD_EDIT_DONE,		/* note written */
	GCD_EDIT_PASSED,	/* headers out, edited or not; no note */
	GCD_EDIT_DROPPED,	/* headers went out unchanged; no note */
};

/* Bytes of a note record before its descriptor: header and owner name. */
#define GCD_NOTE_DESC_OFF	(GOELF_NHDR_SIZE + \
				 ALIGN(sizeof(GCD_NOTE_NAME), GOELF_NOTE_ALIGN))

/* ELF note record: header, owner name padded to 4, descriptor padded. */
static size_t gcd_note_record_len(size_t desc_len)
{
	return GCD_NOTE_DESC_OFF + ALIGN(desc_len, GOELF_NOTE_ALIGN);
}

/* Write a record's header and owner name at p; returns its descriptor. */
static void *gcd_note_record(u8 *p, u32 type, size_t desc_len)
{
	struct elf64_note h = {
		.n_namesz = sizeof(GCD_NOTE_NAME),
		.n_descsz = desc_len,
		.n_type = type,
	};

	/* The core's byte order is the CPU's, as for the kernel's notes. */
	memcpy(p, &h, sizeof(h));
	memcpy(p + sizeof(h), GCD_NOTE_NAME, sizeof(GCD_NOTE_NAME));
	return p + GCD_NOTE_DESC_OFF;
}

/* The threads in the order fill_note_info() gives their NT_PRSTATUS: the
 * dumping thread, then the others in reverse order of core_state.
 */
static int gcd_threads(struct task_struct ***out)
{
	struct core_state *cs = current->signal->core_state;
	struct core_thread *ct;
	struct task_struct **t;
	int n = 1, i;

	if (!cs)
		return -EINVAL;
	for (ct = cs->dumper.next; ct; ct = ct->next)
		n++;
	t = kvmalloc_array(n, sizeof(*t), GFP_KERNEL);
	if (!t)
		return -ENOMEM;
	t[0] = current;
	i = n;
	for (ct = cs->dumper.next; ct; ct = ct->next)
		t[--i] = ct->task;
	*out = t;
	return n;
}

/*
 * Outside the initial pid namespace the note carries no global pid: the
 * core is the container's, and may land in its working directory.
 */
static bool gcd_hide_global_pids(void)
{
	return task_active_pid_ns(current) != &init_pid_ns;
}

static void gcd_fill_thread(struct gcd_note_thread *r, struct task_struct *t,
			    bool hide)
{
	u32 mask[GCD_CPUMASK_WORDS] = { 0 };
	unsigned int cpu, i;
	u32 flags = 0;
	u64 ut, st;

	r->tid = cpu_to_le32(hide ? 0 : task_pid_nr(t));
	r->ns_tid = cpu_to_le32(task_pid_vnr(t));
	if (t == current)
		flags |= GCD_THR_F_SIGNALLED;
	r->policy = cpu_to_le32(t->policy);
	r->prio = cpu_to_le32(t->prio);
	r->static_prio = cpu_to_le32(t->static_prio);
	r->normal_prio = cpu_to_le32(t->normal_prio);
	r->rt_priority = cpu_to_le32(t->rt_priority);
	r->nice = cpu_to_le32((u32)task_nice(t));
	r->last_cpu = cpu_to_le32(task_cpu(t));
	r->nr_cpus_allowed = cpu_to_le32(t->nr_cpus_allowed);
	strscpy_pad(r->comm, t->comm, sizeof(r->comm));
	/* comm is the process's to choose: keep it printable ASCII. */
	for (i = 0; i < sizeof(r->comm) && r->comm[i]; i++)
		if (r->comm[i] < 0x20 || r->comm[i] > 0x7e)
			r->comm[i] = '?';
	for_each_cpu(cpu, t->cpus_ptr) {
		if (cpu >= GCD_CPUMASK_WORDS * 32) {
			flags |= GCD_THR_F_CPUMASK_TRUNC;
			break;
		}
		mask[cpu / 32] |= 1u << (cpu % 32);
	}
	for (i = 0; i < GCD_CPUMASK_WORDS; i++)
		r->cpus_allowed[i] = cpu_to_le64(mask[i]);
	task_cputime_adjusted(t, &ut, &st);
	r->utime_ns = cpu_to_le64(ut);
	r->stime_ns = cpu_to_le64(st);
	r->sum_exec_runtime_ns = cpu_to_le64(t->se.sum_exec_runtime);
	r->nvcsw = cpu_to_le64(t->nvcsw);
	r->nivcsw = cpu_to_le64(t->nivcsw);
	r->nr_migrations = cpu_to_le64(t->se.nr_migrations);
#ifdef CONFIG_SCHED_INFO
	flags |= GCD_THR_F_SCHED_INFO;
	r->run_delay_ns = cpu_to_le64(t->sched_info.run_delay);
	r->pcount = cpu_to_le64(t->sched_info.pcount);
#endif
#ifdef CONFIG_SCHEDSTATS
	/*
	 * Whether kernel.sched_schedstats is on is a static key the kernel
	 * does not export.  The counters only move while it is on, so they
	 * are reported when any is nonzero: what was counted while it was.
	 */
	if (t->stats.wait_sum || t->stats.sum_sleep_runtime ||
	    t->stats.sum_block_runtime || t->stats.iowait_sum ||
	    t->stats.iowait_count) {
		flags |= GCD_THR_F_SCHEDSTATS;
		r->wait_sum_ns = cpu_to_le64(t->stats.wait_sum);
		r->sleep_sum_ns = cpu_to_le64(t->stats.sum_sleep_runtime);
		r->block_sum_ns = cpu_to_le64(t->stats.sum_block_runtime);
		r->iowait_sum_ns = cpu_to_le64(t->stats.iowait_sum);
		r->iowait_count = cpu_to_le64(t->stats.iowait_count);
	}
#endif
	r->start_time_ns = cpu_to_le64(t->start_time);
	r->start_boottime_ns = cpu_to_le64(t->start_boottime);
	r->min_flt = cpu_to_le64(t->min_flt);
	r->maj_flt = cpu_to_le64(t->maj_flt);
	r->flags = cpu_to_le32(flags);
}

/*
 * Facts about the executable, read through the mapping of it that the
 * snapshot holds a reference to; and its load bias from the mapping of file
 * offset 0.  On overlayfs the mappings are of the real file, the exe_file
 * is the overlay's: both inodes are looked for.
 */
static void gcd_exe_facts(struct gcd_dump *d)
{
	struct coredump_params *cprm = d->cprm;
	struct core_vma_metadata *exe_vma = NULL, *off0 = NULL;
	struct inode *inode = NULL, *real = NULL;
	struct file *exe;
	int i;

	/*
	 * Only a task of this mm can replace exe_file (prctl), and they are
	 * all stopped for the dump: the file stays put.
	 */
	rcu_read_lock();
	exe = rcu_dereference(current->mm->exe_file);
	rcu_read_unlock();
	if (!exe)
		return;
	inode = file_inode(exe);
	real = d_real_inode(exe->f_path.dentry);
	for (i = 0; i < cprm->vma_count; i++) {
		struct core_vma_metadata *m = &cprm->vma_meta[i];

		if (!m->file || (file_inode(m->file) != inode &&
				 file_inode(m->file) != real))
			continue;
		if (!exe_vma)
			exe_vma = m;
		if (m->pgoff == 0 && !off0)
			off0 = m;
	}
	if (!exe_vma)
		return;
	d->exe = kzalloc(sizeof(*d->exe), GFP_KERNEL);
	if (!d->exe)
		return;
	/* Not ready (a miss, the budget): the note says nothing of Go. */
	if (gcd_file_facts(exe_vma->file, &d->budget, d->exe) ||
	    d->exe->err) {
		kfree(d->exe);
		d->exe = NULL;
		return;
	}
	if (d->exe->info.flags & GOELF_F_GO)
		d->go = true;
	if (d->exe->info.e_type == ET_DYN) {
		if (!off0) {
			/* Where it is loaded is unknown: no roots. */
			d->exe->info.roots_present = 0;
			return;
		}
		d->load_bias = off0->start - d->exe->info.vaddr_at_off0;
	}
}

static void gcd_fill_process(struct gcd_dump *d, struct gcd_note_process *p,
			     u32 nr_threads)
{
	struct coredump_params *cprm = d->cprm;
	u32 filter = (cprm->mm_flags & MMF_DUMP_FILTER_MASK) >>
		     MMF_DUMP_FILTER_SHIFT;
	bool hide = gcd_hide_global_pids();
	u32 flags = 0;
	int i;

	p->version = cpu_to_le16(GCD_NOTE_VERSION);
	p->record_size = cpu_to_le16(sizeof(*p));
	p->seq = cpu_to_le64(d->seq);
	p->realtime_ns = cpu_to_le64(d->realtime_ns);
	p->boottime_ns = cpu_to_le64(d->boottime_ns);
	p->signo = cpu_to_le32(cprm->siginfo->si_signo);
	p->si_code = cpu_to_le32((u32)cprm->siginfo->si_code);
	if (hide) {
		flags |= GCD_PROC_F_PIDNS;
	} else {
		p->pid = cpu_to_le32(task_pid_nr(current));
		p->tgid = cpu_to_le32(task_tgid_nr(current));
	}
	p->ns_pid = cpu_to_le32(task_pid_vnr(current));
	p->ns_tgid = cpu_to_le32(task_tgid_vnr(current));
	p->coredump_filter = cpu_to_le32(filter);
	if (d->forced_vmas)
		filter |= 1u << (MMF_DUMP_MAPPED_PRIVATE - MMF_DUMP_FILTER_SHIFT);
	p->effective_filter = cpu_to_le32(filter);
	p->nr_threads = cpu_to_le32(nr_threads);
	p->forced_vmas = cpu_to_le32(d->forced_vmas);
	p->forced_bytes = cpu_to_le64(d->forced_bytes);
	strscpy_pad(p->release, init_utsname()->release, sizeof(p->release));
	if (d->compat)
		flags |= GCD_PROC_F_COMPAT;
	if (d->force_skipped)
		flags |= GCD_PROC_F_FORCE_SKIPPED;
	if (gcd_fatal_take_mark(current->mm))
		flags |= GCD_PROC_F_TB_UPGRADED;
	if (d->exe) {
		const struct goelf_info *in = &d->exe->info;

		if (in->flags & GOELF_F_GO)
			flags |= GCD_PROC_F_GO;
		if (in->flags & GOELF_F_VERSION) {
			flags |= GCD_PROC_F_BUILDINFO;
			memcpy(p->go_version, in->go_version,
			       sizeof(p->go_version));
			memcpy(p->go_module, in->go_module,
			       sizeof(p->go_module));
		}
		if (in->flags & GOELF_F_VCSREV) {
			flags |= GCD_PROC_F_VCSREV;
			memcpy(p->vcs_revision, in->vcs_revision,
			       sizeof(p->vcs_revision));
		}
		if (in->flags & GOELF_F_SYMTAB)
			flags |= GCD_PROC_F_SYMTAB;
		if (in->e_type == ET_DYN) {
			flags |= GCD_PROC_F_PIE;
			p->load_bias = cpu_to_le64(d->load_bias);
		}
		p->roots_present = cpu_to_le32(in->roots_present);
		for (i = 0; i < GCD_ROOT_COUNT; i++)
			if (in->roots_present & (1u << i))
				p->roots[i] = cpu_to_le64(in->roots[i] +
							  d->load_bias);
	}
	p->flags = cpu_to_le32(flags);
}

int gcd_note_prepare(struct gcd_dump *d)
{
	struct gcd_note_threads_hdr *th;
	struct task_struct **tasks;
	size_t proc_len, thr_len, len;
	bool hide = gcd_hide_global_pids();
	int n, i;
	u8 *p;

	n = gcd_threads(&tasks);
	if (n < 0) {
		gcd_error(d->seq, "no thread list (%d)" GCD_NO_NOTE, n);
		atomic64_inc(&gcd_stats.notes_skipped);
		return n;
	}
	proc_len = gcd_note_record_len(sizeof(struct gcd_note_process));
	thr_len = gcd_note_record_len(sizeof(*th) +
				      (size_t)n * sizeof(struct gcd_note_thread));
	len = proc_len + thr_len;
	if (len > GCD_NOTE_MAX) {
		kvfree(tasks);
		gcd_error(d->seq, "%d threads make the note too big" GCD_NO_NOTE,
			  n);
		atomic64_inc(&gcd_stats.notes_skipped);
		return -E2BIG;
	}
	d->note = kvzalloc(len, GFP_KERNEL);
	if (!d->note) {
		kvfree(tasks);
		gcd_error(d->seq, "out of memory for the note" GCD_NO_NOTE);
		atomic64_inc(&gcd_stats.notes_skipped);
		return -ENOMEM;
	}
	d->note_len = len;

	gcd_exe_facts(d);
	p = gcd_note_record(d->note, GCD_NT_PROCESS,
			    sizeof(struct gcd_note_process));
	gcd_fill_process(d, (struct gcd_note_process *)p, n);

	p = gcd_note_record(d->note + proc_len, GCD_NT_THREADS,
			    thr_len - GCD_NOTE_DESC_OFF);
	th = (struct gcd_note_threads_hdr *)p;
	th->version = cpu_to_le16(GCD_NOTE_VERSION);
	th->header_size = cpu_to_le16(sizeof(*th));
	th->record_size = cpu_to_le16(sizeof(struct gcd_note_thread));
	th->count = cpu_to_le32(n);
	for (i = 0; i < n; i++)
		gcd_fill_thread((struct gcd_note_thread *)(p + sizeof(*th)) + i,
				tasks[i], hide);
	kvfree(tasks);
	return 0;
}

/* The process record's fields that say what was forced, as it is now. */
static void gcd_note_forcing_dropped(struct gcd_dump *d)
{
	struct gcd_note_process *p;
	u32 filter;

	if (!d->note)
		return;
	p = (struct gcd_note_process *)(d->note + GCD_NOTE_DESC_OFF);
	p->forced_vmas = 0;
	p->forced_bytes = 0;
	p->flags |= cpu_to_le32(GCD_PROC_F_FORCE_SKIPPED);
	filter = le32_to_cpu(p->coredump_filter);
	p->effective_filter = cpu_to_le32(filter);
}

void gcd_edit_prepare(struct gcd_dump *d)
{
	struct coredump_params *cprm = d->cprm;

	/*
	 * The headers are held for the note, or to fit forced bytes into a
	 * finite RLIMIT_CORE; not with extended numbering, which has its
	 * own check in dump.c and is refused here anyway.
	 */
	if (d->note_len ||
	    (d->forced_vmas && cprm->limit != RLIM_INFINITY &&
	     cprm->vma_count + 1 < PN_XNUM))
		d->edit = GCD_EDIT_HEADERS;
}

/* Give up on the note: write what was held back, as it was. */
static int gcd_note_drop(struct gcd_dump *d, const char *why)
{
	struct coredump_params *cprm = d->cprm;
	int ok = 1;

	if (d->note_len)
		gcd_error(d->seq, "%s" GCD_NO_NOTE, why);
	else
		gcd_error(d->seq, "%s; forcing kept without the RLIMIT_CORE check",
			  why);
	if (d->note_len)
		atomic64_inc(&gcd_stats.notes_skipped);
	d->edit = GCD_EDIT_DROPPED;
	if (d->hdr_len)
		ok = gcd_call_orig_dump_emit(cprm, d->hdr, d->hdr_len);
	d->hdr_len = 0;
	return ok;
}

/* Read a little-endian field of width w at off in the held-back headers. */
static u64 gcd_hdr_get(const struct gcd_dump *d, size_t off, int w)
{
	u64 v = 0;
	int i;

	for (i = 0; i < w; i++)
		v |= (u64)d->hdr[off + i] << (8 * i);
	return v;
}

static void gcd_hdr_put(struct gcd_dump *d, size_t off, int w, u64 v)
{
	int i;

	for (i = 0; i < w; i++)
		d->hdr[off + i] = (u8)(v >> (8 * i));
}

/* Field offsets of ELF32 and ELF64 headers, by class. */
struct gcd_elf_layout {
	size_t ehsize, phentsize;
	size_t e_phoff, e_shoff, e_phentsize, e_phnum, e_shnum;
	size_t p_offset, p_vaddr, p_filesz;
	int w;			/* width of an offset */
};

static const struct gcd_elf_layout gcd_elf64 = {
	.ehsize = sizeof(struct elf64_hdr),
	.phentsize = sizeof(struct elf64_phdr),
	.e_phoff = offsetof(struct elf64_hdr, e_phoff),
	.e_shoff = offsetof(struct elf64_hdr, e_shoff),
	.e_phentsize = offsetof(struct elf64_hdr, e_phentsize),
	.e_phnum = offsetof(struct elf64_hdr, e_phnum),
	.e_shnum = offsetof(struct elf64_hdr, e_shnum),
	.p_offset = offsetof(struct elf64_phdr, p_offset),
	.p_vaddr = offsetof(struct elf64_phdr, p_vaddr),
	.p_filesz = offsetof(struct elf64_phdr, p_filesz),
	.w = 8,
};

static const struct gcd_elf_layout gcd_elf32 = {
	.ehsize = sizeof(struct elf32_hdr),
	.phentsize = sizeof(struct elf32_phdr),
	.e_phoff = offsetof(struct elf32_hdr, e_phoff),
	.e_shoff = offsetof(struct elf32_hdr, e_shoff),
	.e_phentsize = offsetof(struct elf32_hdr, e_phentsize),
	.e_phnum = offsetof(struct elf32_hdr, e_phnum),
	.e_shnum = offsetof(struct elf32_hdr, e_shnum),
	.p_offset = offsetof(struct elf32_phdr, p_offset),
	.p_vaddr = offsetof(struct elf32_phdr, p_vaddr),
	.p_filesz = offsetof(struct elf32_phdr, p_filesz),
	.w = 4,
};

static const struct gcd_elf_layout *gcd_layout(const struct gcd_dump *d)
{
	return d->compat ? &gcd_elf32 : &gcd_elf64;
}

/*
 * The ELF header is complete in the buffer: check it and work out how many
 * bytes of program headers follow.  Returns NULL when fine, else why not.
 */
static const char *gcd_hdr_plan(struct gcd_dump *d)
{
	const struct gcd_elf_layout *l = gcd_layout(d);
	u64 phnum, phoff;

	if (memcmp(d->hdr, ELFMAG, SELFMAG) != 0 ||
	    d->hdr[EI_CLASS] != (d->compat ? ELFCLASS32 : ELFCLASS64))
		return "the core does not start with the expected ELF header";
	phnum = gcd_hdr_get(d, l->e_phnum, 2);
	phoff = gcd_hdr_get(d, l->e_phoff, l->w);
	if (phnum == PN_XNUM)
		return "e_phnum is PN_XNUM (extended numbering)";
	if (phnum < 1 || phoff != l->ehsize ||
	    gcd_hdr_get(d, l->e_phentsize, 2) != l->phentsize ||
	    gcd_hdr_get(d, l->e_shoff, l->w) != 0 ||
	    gcd_hdr_get(d, l->e_shnum, 2) != 0)
		return "the ELF header is not laid out as expected";
	d->hdr_want = l->ehsize + phnum * l->phentsize;
	return NULL;
}

/*
 * What fits under RLIMIT_CORE, given the bytes of segment data the headers
 * promise (forced ones included): the note and the forcing, else the
 * forcing alone, else the note alone, else neither (the stock core, which
 * the kernel itself then fits or cuts).  A pipe's limit is infinite.
 */
static void gcd_fit_limit(const struct gcd_dump *d, u64 data,
			  bool *keep_note, bool *keep_force)
{
	static const bool order[][2] = {
		{ true, true }, { false, true }, { true, false },
		{ false, false },
	};
	unsigned long limit = d->cprm->limit;
	u64 stock = data - d->forced_bytes;
	unsigned int i;

	*keep_note = d->note_len;
	*keep_force = d->forced_vmas;
	if (limit == RLIM_INFINITY)
		return;
	for (i = 0; i < ARRAY_SIZE(order); i++) {
		*keep_note = order[i][0] && d->note_len;
		*keep_force = order[i][1] && d->forced_vmas;
		if ((*keep_note ? d->dataoff_new : d->dataoff_old) + stock +
		    (*keep_force ? d->forced_bytes : 0) <= limit)
			return;
	}
}

/*
 * The forced mappings' headers are where the snapshot puts them, with the
 * full sizes dump.c gave them: the forcing can be undone.
 */
static bool gcd_hdr_forced_match(struct gcd_dump *d, u64 phnum)
{
	const struct gcd_elf_layout *l = gcd_layout(d);
	struct coredump_params *cprm = d->cprm;
	unsigned int k;

	if (phnum != (u64)cprm->vma_count + 1)
		return false;
	for (k = 0; k < d->forced_vmas; k++) {
		const struct core_vma_metadata *m =
			&cprm->vma_meta[d->forced[k].idx];
		size_t o = l->ehsize + (d->forced[k].idx + 1) * l->phentsize;

		if (gcd_hdr_get(d, o + l->p_vaddr, l->w) != m->start ||
		    gcd_hdr_get(d, o + l->p_filesz, l->w) != m->dump_size)
			return false;
	}
	return true;
}

/*
 * All headers are in the buffer: check the layout elf_core_dump() makes
 * and, if it is that, fit the core under RLIMIT_CORE and make room for the
 * note.  NULL when edited; else why not (nothing changed).
 */
static const char *gcd_hdr_edit(struct gcd_dump *d)
{
	const struct gcd_elf_layout *l = gcd_layout(d);
	u64 phnum = gcd_hdr_get(d, l->e_phnum, 2);
	u64 data = 0, off, i, range = d->compat ? U32_MAX : U64_MAX;
	size_t ph = l->ehsize;
	bool keep_note, keep_force;
	u64 note_len;

	if (gcd_hdr_get(d, ph, 4) != PT_NOTE ||
	    gcd_hdr_get(d, ph + l->p_offset, l->w) != d->hdr_want)
		return "the first program header is not the expected PT_NOTE";
	d->notes_end = d->hdr_want + gcd_hdr_get(d, ph + l->p_filesz, l->w);
	d->dataoff_old = roundup(d->notes_end, ELF_EXEC_PAGESIZE);
	d->dataoff_new = roundup(d->notes_end + d->note_len,
				 ELF_EXEC_PAGESIZE);

	for (i = 1; i < phnum; i++) {
		size_t o = ph + i * l->phentsize;

		if (gcd_hdr_get(d, o, 4) != PT_LOAD ||
		    gcd_hdr_get(d, o + l->p_offset, l->w) !=
		    d->dataoff_old + data)
			return "a PT_LOAD header is not where the layout puts it";
		data += gcd_hdr_get(d, o + l->p_filesz, l->w);
	}
	if (d->forced_vmas && !gcd_hdr_forced_match(d, phnum))
		return "the program headers do not match the mapping snapshot";

	gcd_fit_limit(d, data, &keep_note, &keep_force);
	note_len = keep_note ? d->note_len : 0;
	off = keep_note ? d->dataoff_new : d->dataoff_old;
	if (!keep_force)
		data -= d->forced_bytes;
	if (off + data < off || off + data > range)
		return "the core would grow past its offset range";

	/* Decided: from here on nothing fails. */
	if (keep_note != !!d->note_len || keep_force != !!d->forced_vmas) {
		bool note_out = !keep_note && d->note_len;
		bool force_out = !keep_force && d->forced_vmas;

		gcd_error(d->seq,
			  "%s%s%s dropped: the core would exceed RLIMIT_CORE (%lu bytes) with %s",
			  note_out ? "the note" : "",
			  note_out && force_out ? " and " : "",
			  force_out ? "the forcing" : "", d->cprm->limit,
			  note_out && force_out ? "them" : "it");
		atomic64_inc(&gcd_stats.rlimit_drops);
	}
	if (!keep_force && d->forced_vmas) {
		unsigned int k;

		for (k = 0; k < d->forced_vmas; k++)
			gcd_hdr_put(d, ph + (d->forced[k].idx + 1) *
				    l->phentsize + l->p_filesz, l->w,
				    d->forced[k].orig_dump_size);
		gcd_unforce(d);
		gcd_note_forcing_dropped(d);
	}
	if (!keep_note && d->note_len) {
		atomic64_inc(&gcd_stats.notes_skipped);
		d->note_len = 0;
		d->dataoff_new = d->dataoff_old;
	}

	gcd_hdr_put(d, ph + l->p_filesz, l->w,
		    gcd_hdr_get(d, ph + l->p_filesz, l->w) + note_len);
	for (i = 1; i < phnum; i++) {
		size_t o = ph + i * l->phentsize;

		gcd_hdr_put(d, o + l->p_offset, l->w, off);
		off += gcd_hdr_get(d, o + l->p_filesz, l->w);
	}
	return NULL;
}

static int gcd_hdr_grow(struct gcd_dump *d, size_t need)
{
	u8 *n;

	if (need <= d->hdr_cap)
		return 0;
	if (need > GCD_HDR_MAX)
		return -E2BIG;
	n = kvmalloc(need, GFP_KERNEL);
	if (!n)
		return -ENOMEM;
	if (d->hdr_len)
		memcpy(n, d->hdr, d->hdr_len);
	kvfree(d->hdr);
	d->hdr = n;
	d->hdr_cap = need;
	return 0;
}

int gcd_note_dump_emit(struct gcd_dump *d, const void *addr, int nr)
{
	struct coredump_params *cprm = d->cprm;
	const struct gcd_elf_layout *l = gcd_layout(d);
	const char *why;
	int ok;

	if (d->edit != GCD_EDIT_HEADERS)
		return gcd_call_orig_dump_emit(cprm, addr, nr);

	if (nr <= 0 || (!d->hdr_len && (cprm->pos || cprm->to_skip)) ||
	    (d->hdr_want && d->hdr_len + nr > d->hdr_want) ||
	    gcd_hdr_grow(d, max_t(size_t, d->hdr_len + nr, l->ehsize))) {
		ok = gcd_note_drop(d, "the core's headers were not written as expected");
		return ok ? gcd_call_orig_dump_emit(cprm, addr, nr) : 0;
	}
	memcpy(d->hdr + d->hdr_len, addr, nr);
	d->hdr_len += nr;

	if (!d->hdr_want && d->hdr_len >= l->ehsize) {
		why = gcd_hdr_plan(d);
		if (!why && gcd_hdr_grow(d, d->hdr_want))
			why = "no memory to hold the program headers";
		if (why || d->hdr_len > d->hdr_want)
			return gcd_note_drop(d, why ? why :
					     "the core's headers were not written as expected");
	}
	if (!d->hdr_want || d->hdr_len < d->hdr_want)
		return 1;	/* held back; more headers to come */

	why = gcd_hdr_edit(d);
	if (why)
		return gcd_note_drop(d, why);
	d->edit = d->note_len ? GCD_EDIT_NOTES : GCD_EDIT_PASSED;
	ok = gcd_call_orig_dump_emit(cprm, d->hdr, d->hdr_len);
	d->hdr_len = 0;
	return ok;
}

void gcd_note_dump_skip_to(struct gcd_dump *d, unsigned long to)
{
	struct coredump_params *cprm = d->cprm;

	switch (d->edit) {
	case GCD_EDIT_NOTES:
		if (to != d->dataoff_old)
			break;
		if (cprm->pos + cprm->to_skip != d->notes_end) {
			/*
			 * The headers are out and promise the note; keep at
			 * least the segment offsets true.
			 */
			gcd_error(d->seq,
				  "the kernel's notes did not end where PT_NOTE said; note area left as zeros");
		} else if (!gcd_call_orig_dump_emit(cprm, d->note,
						    d->note_len)) {
			/* The write failed: so will the rest of the dump. */
			d->edit = GCD_EDIT_DROPPED;
			gcd_call_orig_dump_skip_to(cprm, to);
			return;
		}
		d->edit = GCD_EDIT_DONE;
		gcd_call_orig_dump_skip_to(cprm, d->dataoff_new);
		return;
	case GCD_EDIT_DONE:
		/* Anything later moved with the segment data. */
		if (to >= d->dataoff_old)
			to += d->dataoff_new - d->dataoff_old;
		break;
	default:
		break;
	}
	gcd_call_orig_dump_skip_to(cprm, to);
}

void gcd_note_finish(struct gcd_dump *d)
{
	if (d->edit == GCD_EDIT_DONE)
		atomic64_inc(&gcd_stats.notes_written);
	else if (d->note_len && (d->edit == GCD_EDIT_HEADERS ||
				 d->edit == GCD_EDIT_NOTES))
		atomic64_inc(&gcd_stats.notes_skipped);	/* dump cut short */
	kvfree(d->hdr);
	kvfree(d->note);
	d->hdr = NULL;
	d->note = NULL;
}
