// SPDX-License-Identifier: GPL-2.0
/*
 * hook.c - redirect the kernel's ELF core writer into gocoredump, with
 * ftrace.
 *
 * Up to four functions are redirected: dump_emit() and dump_skip_to()
 * (exported), the native elf_core_dump() of fs/binfmt_elf.c, and, when it
 * has been found, the compat one that fs/compat_binfmt_elf.c builds from
 * the same source for 32-bit processes.
 *
 * Finding the writers.  The two elf_core_dump() copies are static
 * functions with the same name.  Nothing here asks kallsyms for an address
 * or calls through a pointer the kernel did not hand out (a kallsyms or
 * kprobe address may land past the function's ENDBR, or on a function
 * whose ENDBR was sealed: on a CPU with IBT such a call is a
 * control-protection fault).  Instead the writer is read from a live
 * binfmt: current->mm->binfmt->core_dump at load time (insmod is a native
 * ELF process), and the compat one from the first 32-bit ELF process
 * seen (exec.c).  That pointer is the one fs/coredump.c itself calls, so
 * it has its ENDBR.  sprint_symbol() must name it the start of a built-in
 * function called elf_core_dump; the address then serves as the ftrace
 * target, and calling it is calling what the kernel calls.
 *
 * The mechanism is the one livepatch uses: an ftrace_ops with IPMODIFY on
 * the function's fentry site; the handler sets the saved instruction
 * pointer to our replacement.  No kernel text is patched by us and no
 * read-only data is written.  A replacement calls the original function
 * directly; the handler sees that call come from this module and lets it
 * through.
 *
 * Arming.  The handler redirects nothing until gcd_armed is set, which
 * gcd_hooks_init() does only once every registration has succeeded; a
 * failed load therefore never had a dump inside the module.  It also
 * redirects an elf_core_dump() only while the `enabled` knob is on, and a
 * dump_emit()/dump_skip_to() only when its coredump_params belong to a
 * dump the module has in hand: other dumps never enter the module.
 *
 * What this file is not: the policy.  The replacements live in dump.c.
 *
 * Unloading: every redirection takes a module reference in the handler
 * (atomic context, so try_module_get()), dropped when the replacement
 * returns.  While a dump is in flight rmmod is therefore refused with
 * EBUSY/EWOULDBLOCK.  The few instructions a replacement runs after its
 * module_put() are covered by synchronize_rcu_tasks() in gcd_hooks_exit():
 * a task preempted there has not yet switched voluntarily.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/binfmts.h>
#include <linux/compat.h>
#include <linux/ftrace.h>
#include <linux/kallsyms.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/rcupdate.h>
#include <linux/sched.h>
#include <linux/sched/mm.h>
#include <linux/string.h>

#include "gocoredump.h"

/*
 * What the module needs from the kernel's configuration, refused at build
 * time with the option's name rather than at load time with an error:
 *  - DYNAMIC_FTRACE_WITH_REGS: IPMODIFY hooks that set the saved
 *    instruction pointer (FTRACE_OPS_FL_SAVE_REGS);
 *  - KALLSYMS: sprint_symbol() names each hook target before it is used;
 *  - ELF_CORE: the ELF core writer it redirects;
 *  - TASKS_RCU on a preemptible kernel: waiting for tasks preempted in a
 *    replacement's last instructions.
 * COMPAT is optional: without it there is no compat writer to hook.
 */
#ifndef CONFIG_DYNAMIC_FTRACE_WITH_REGS
#error "gocoredump needs CONFIG_DYNAMIC_FTRACE_WITH_REGS"
#endif
#ifndef CONFIG_KALLSYMS
#error "gocoredump needs CONFIG_KALLSYMS"
#endif
#ifndef CONFIG_ELF_CORE
#error "gocoredump needs CONFIG_ELF_CORE"
#endif
#if defined(CONFIG_PREEMPTION) && !defined(CONFIG_TASKS_RCU)
#error "gocoredump needs CONFIG_TASKS_RCU on a preemptible kernel"
#endif

struct gcd_hook {
	const char *name;	/* for messages */
	unsigned long target;	/* address of the function redirected */
	unsigned long replacement;
	bool writer;		/* an elf_core_dump() */
	bool registered;
	struct ftrace_ops ops;
};

static int gcd_native_core_dump(struct coredump_params *cprm)
{
	return gcd_core_dump(cprm, false);
}

static int gcd_compat_core_dump(struct coredump_params *cprm)
{
	return gcd_core_dump(cprm, true);
}

/* In the order gcd_hooks_init() registers them: the writer last. */
enum { HOOK_EMIT, HOOK_SKIP_TO, HOOK_NATIVE, HOOK_COMPAT, HOOK_COUNT };

/*
 * The name the native writer must have.  The lab also builds a twin
 * expecting a name no kernel has, to see the load refused.
 */
#ifndef GCD_NATIVE_WRITER
#define GCD_NATIVE_WRITER "elf_core_dump"
#endif
#define GCD_COMPAT_WRITER "elf_core_dump"

static struct gcd_hook gcd_hooks[HOOK_COUNT] = {
	[HOOK_EMIT] = {
		.name = "dump_emit",
		.replacement = (unsigned long)gcd_dump_emit,
	},
	[HOOK_SKIP_TO] = {
		.name = "dump_skip_to",
		.replacement = (unsigned long)gcd_dump_skip_to,
	},
	[HOOK_NATIVE] = {
		.name = GCD_NATIVE_WRITER " (native, the ELF binfmt of insmod)",
		.replacement = (unsigned long)gcd_native_core_dump,
		.writer = true,
	},
	[HOOK_COMPAT] = {
		.name = GCD_COMPAT_WRITER " (compat, the ELF binfmt of a 32-bit process)",
		.replacement = (unsigned long)gcd_compat_core_dump,
		.writer = true,
	},
};

/* The writers as their binfmts hold them: what do_coredump() calls. */
typedef int (*gcd_writer_fn)(struct coredump_params *cprm);
static gcd_writer_fn gcd_writers[2];		/* [compat] */
static const struct linux_binfmt *gcd_native_fmt;

/* Redirection on: set once every registration of the load succeeded. */
static bool gcd_armed;
/* Serialises registrations after load (the compat hook) with unload. */
static DEFINE_MUTEX(gcd_hooks_lock);
static bool gcd_hooks_going;
static enum gcd_compat_state gcd_compat;

/*
 * Dumps between the redirection of their elf_core_dump() and its return.
 * dump_emit() and dump_skip_to() are only redirected while it is nonzero,
 * so outside a dump they cost one atomic read.
 */
static atomic_t gcd_dumps_in_flight = ATOMIC_INIT(0);

/*
 * ftrace handler.  Context: any task calling a hooked function, preemption
 * disabled, may not sleep.
 */
static void notrace gcd_ftrace_handler(unsigned long ip,
				       unsigned long parent_ip,
				       struct ftrace_ops *op,
				       struct ftrace_regs *fregs)
{
	struct gcd_hook *h = container_of(op, struct gcd_hook, ops);
	struct pt_regs *regs;

	/* Our replacement calling the original: let it run. */
	if (within_module(parent_ip, THIS_MODULE))
		return;
	if (!READ_ONCE(gcd_armed))
		return;
	regs = ftrace_get_regs(fregs);
	if (!regs)
		return;
	if (h->writer) {
		/* enabled=0: the kernel's writer runs as if we were not here. */
		if (!READ_ONCE(gcd_knobs.enabled))
			return;
	} else if (!atomic_read(&gcd_dumps_in_flight) ||
		   !gcd_dump_owns((struct coredump_params *)
				  regs_get_kernel_argument(regs, 0))) {
		return;
	}
	/* Fails only while the module is going away: stay out of the way. */
	if (!try_module_get(THIS_MODULE))
		return;
	regs->ip = h->replacement;
}

int gcd_call_orig_core_dump(struct coredump_params *cprm, bool compat)
{
	int ret;

	atomic_inc(&gcd_dumps_in_flight);
	/*
	 * The pointer the binfmt holds, as do_coredump() calls it; not a
	 * tail call: see below.
	 */
	ret = gcd_writers[compat](cprm);
	atomic_dec(&gcd_dumps_in_flight);
	return ret;
}

/*
 * The calls to the originals must not be tail calls: the handler knows a
 * call comes from us by its return address (parent_ip) being in this
 * module.  After a tail call that address is our caller's return address,
 * which another ftrace user (function_graph tracing our functions, a BPF
 * fexit program) may have replaced with its trampoline: the handler would
 * then redirect our own call back to us.  The empty asm after each call
 * keeps the call from being the function's last act.
 */
int gcd_call_orig_dump_emit(struct coredump_params *cprm, const void *addr,
			    int nr)
{
	int ret = dump_emit(cprm, addr, nr);

	barrier();
	return ret;
}

void gcd_call_orig_dump_skip_to(struct coredump_params *cprm,
				unsigned long to)
{
	dump_skip_to(cprm, to);
	barrier();
}

/*
 * The core writer of the binfmt fmt, if it is the very start of a built-in
 * kernel function called name; else 0.  fmt is a binfmt an mm points at:
 * registered, and built in for the ELF ones.
 */
static unsigned long gcd_binfmt_writer(const struct linux_binfmt *fmt,
				       const char *name)
{
	char sym[KSYM_SYMBOL_LEN];
	unsigned long fn;
	size_t len = strlen(name);

	if (!fmt || fmt->module)
		return 0;
	fn = (unsigned long)READ_ONCE(fmt->core_dump);
	if (!fn)
		return 0;
	sprint_symbol(sym, fn);
	/* "elf_core_dump+0x0/0x5a0"; a module's symbol ends in " [mod]". */
	if (strncmp(sym, name, len) || strncmp(sym + len, "+0x0/", 5) ||
	    strchr(sym, '['))
		return 0;
	return fn;
}

/*
 * Register one hook; on failure *why says which step failed.  Caller holds
 * gcd_hooks_lock or is the load.
 */
static int gcd_hook_register(struct gcd_hook *h, const char **why)
{
	int err;

	h->ops.func = gcd_ftrace_handler;
	h->ops.flags = FTRACE_OPS_FL_SAVE_REGS | FTRACE_OPS_FL_RECURSION |
		       FTRACE_OPS_FL_IPMODIFY;
	err = ftrace_set_filter_ip(&h->ops, h->target, 0, 0);
	if (err) {
		*why = "not traceable (ftrace_set_filter_ip)";
		return err;
	}
	err = register_ftrace_function(&h->ops);
	if (err) {
		ftrace_set_filter_ip(&h->ops, h->target, 1, 0);
		*why = "register_ftrace_function failed (another IPMODIFY user?)";
		return err;
	}
	h->registered = true;
	return 0;
}

static void gcd_unregister_all(void)
{
	int i;

	for (i = HOOK_COUNT - 1; i >= 0; i--) {
		struct gcd_hook *h = &gcd_hooks[i];

		if (!h->registered)
			continue;
		unregister_ftrace_function(&h->ops);
		ftrace_set_filter_ip(&h->ops, h->target, 1, 0);
		h->registered = false;
	}
}

enum gcd_compat_state gcd_compat_state(void)
{
	return READ_ONCE(gcd_compat);
}

/* exec.c found no way to see 32-bit programs start. */
void gcd_compat_unavailable(void)
{
	mutex_lock(&gcd_hooks_lock);
	if (gcd_compat == GCD_COMPAT_WAITING)
		WRITE_ONCE(gcd_compat, GCD_COMPAT_UNAVAILABLE);
	mutex_unlock(&gcd_hooks_lock);
}

const struct linux_binfmt *gcd_native_binfmt(void)
{
	return gcd_native_fmt;
}

/*
 * fmt is the binfmt of a process that is not native: if its writer is the
 * compat elf_core_dump(), hook it.  Context: process, may sleep (exec.c's
 * work item, or the load).
 */
int gcd_hook_compat(const struct linux_binfmt *fmt, pid_t seen_in)
{
	struct gcd_hook *h = &gcd_hooks[HOOK_COMPAT];
	const char *why = "";
	unsigned long fn;
	int err = 0;

	if (fmt == gcd_native_fmt)
		return -EINVAL;
	fn = gcd_binfmt_writer(fmt, GCD_COMPAT_WRITER);
	if (!fn || fn == gcd_hooks[HOOK_NATIVE].target)
		return -EINVAL;
	mutex_lock(&gcd_hooks_lock);
	if (gcd_hooks_going || h->registered ||
	    gcd_compat == GCD_COMPAT_FAILED) {
		err = h->registered ? 0 : -EBUSY;
		goto out;
	}
	gcd_writers[1] = (gcd_writer_fn)fn;
	h->target = fn;
	err = gcd_hook_register(h, &why);
	if (err) {
		WRITE_ONCE(gcd_compat, GCD_COMPAT_FAILED);
		pr_warn("cannot hook %s: %s (%d); 32-bit cores are left as the kernel writes them\n",
			h->name, why, err);
		goto out;
	}
	WRITE_ONCE(gcd_compat, GCD_COMPAT_HOOKED);
	pr_info("32-bit (compat) cores go through gocoredump from now on (writer found through pid %d)\n",
		seen_in);
out:
	mutex_unlock(&gcd_hooks_lock);
	return err;
}

int gcd_hooks_init(void)
{
	struct mm_struct *mm = current->mm;
	unsigned long native = 0;
	const char *why = "";
	int i, err;

	/* insmod's binfmt is the compat one when it is a 32-bit process. */
	if (in_compat_syscall()) {
		pr_err("cannot load: insmod is a 32-bit process; load the module from a 64-bit one\n");
		return -ENOEXEC;
	}
	if (mm)
		native = gcd_binfmt_writer(READ_ONCE(mm->binfmt),
					   GCD_NATIVE_WRITER);
	if (!native) {
		pr_err("cannot load: hook target %s not found in this kernel\n",
		       gcd_hooks[HOOK_NATIVE].name);
		return -ENOENT;
	}
	gcd_native_fmt = READ_ONCE(mm->binfmt);
	gcd_writers[0] = (gcd_writer_fn)native;
	gcd_hooks[HOOK_NATIVE].target = native;
	gcd_hooks[HOOK_EMIT].target = (unsigned long)dump_emit;
	gcd_hooks[HOOK_SKIP_TO].target = (unsigned long)dump_skip_to;
	gcd_compat = IS_ENABLED(CONFIG_COMPAT_BINFMT_ELF) ?
		     GCD_COMPAT_WAITING : GCD_COMPAT_UNAVAILABLE;

	for (i = HOOK_EMIT; i <= HOOK_NATIVE; i++) {
		err = gcd_hook_register(&gcd_hooks[i], &why);
		if (err)
			goto fail;
	}
	/* Every registration is in: from here on dumps come through us. */
	WRITE_ONCE(gcd_armed, true);
	return 0;

fail:
	pr_err("cannot load: hook target %s cannot be redirected: %s (%d)\n",
	       gcd_hooks[i].name, why, err);
	gcd_unregister_all();
	/*
	 * Nothing was armed, so no dump entered a replacement; still, let
	 * every task that was in a handler or trampoline of ours leave it
	 * before the module's memory goes.
	 */
	synchronize_rcu_tasks();
	return err;
}

void gcd_hooks_exit(void)
{
	mutex_lock(&gcd_hooks_lock);
	gcd_hooks_going = true;
	mutex_unlock(&gcd_hooks_lock);
	gcd_unregister_all();
	/*
	 * No replacement can be entered any more.  Wait until every task that
	 * returned from one has also left its last instructions.
	 */
	synchronize_rcu_tasks();
}
