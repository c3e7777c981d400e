// SPDX-License-Identifier: GPL-2.0
/*
 * hook.c - redirect the kernel's ELF core writer into gocoredump, with
 * ftrace.
 *
 * Four functions are redirected: both copies of elf_core_dump() (the native
 * writer of fs/binfmt_elf.c and the compat one that fs/compat_binfmt_elf.c
 * builds from the same source), dump_emit() and dump_skip_to().  The two
 * elf_core_dump() copies are static functions with the same name, so they
 * are told apart through the binfmt each one belongs to: elf_format and
 * compat_elf_format, whose .core_dump points at its own copy.
 *
 * The mechanism is the one livepatch uses: an ftrace_ops with IPMODIFY on
 * the function's fentry site; the handler sets the saved instruction
 * pointer to our replacement.  No kernel text is patched by us and no
 * read-only data is written.  A replacement calls the original function
 * directly; the handler sees that call come from this module and lets it
 * through.
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
#include <linux/ftrace.h>
#include <linux/kallsyms.h>
#include <linux/kprobes.h>
#include <linux/module.h>
#include <linux/rcupdate.h>

#include "gocoredump.h"

struct gcd_hook {
	const char *name;	/* for messages */
	unsigned long target;	/* address of the function redirected */
	unsigned long replacement;
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

enum { HOOK_NATIVE, HOOK_COMPAT, HOOK_EMIT, HOOK_SKIP_TO, HOOK_COUNT };

/*
 * The binfmt whose .core_dump is the native ELF writer.  The lab also
 * builds a twin with a name no kernel has, to see the load refused.
 */
#ifndef GCD_NATIVE_BINFMT
#define GCD_NATIVE_BINFMT "elf_format"
#endif

static struct gcd_hook gcd_hooks[HOOK_COUNT] = {
	[HOOK_NATIVE] = {
		.name = "elf_core_dump (native, via " GCD_NATIVE_BINFMT ")",
		.replacement = (unsigned long)gcd_native_core_dump,
	},
	[HOOK_COMPAT] = {
		.name = "elf_core_dump (compat, via compat_elf_format)",
		.replacement = (unsigned long)gcd_compat_core_dump,
	},
	[HOOK_EMIT] = {
		.name = "dump_emit",
		.replacement = (unsigned long)gcd_dump_emit,
	},
	[HOOK_SKIP_TO] = {
		.name = "dump_skip_to",
		.replacement = (unsigned long)gcd_dump_skip_to,
	},
};

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
	if (h != &gcd_hooks[HOOK_NATIVE] && h != &gcd_hooks[HOOK_COMPAT] &&
	    !atomic_read(&gcd_dumps_in_flight))
		return;
	regs = ftrace_get_regs(fregs);
	if (!regs)
		return;
	/* Fails only while the module is going away: stay out of the way. */
	if (!try_module_get(THIS_MODULE))
		return;
	regs->ip = h->replacement;
}

typedef int (*core_dump_fn)(struct coredump_params *cprm);

int gcd_call_orig_core_dump(struct coredump_params *cprm, bool compat)
{
	core_dump_fn fn = (core_dump_fn)gcd_hooks[compat ? HOOK_COMPAT :
						  HOOK_NATIVE].target;
	int ret;

	atomic_inc(&gcd_dumps_in_flight);
	ret = fn(cprm);		/* not a tail call: see below */
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
 * kallsyms_lookup_name() is not exported; its address is what a kprobe on
 * it resolves to.
 */
unsigned long gcd_lookup_name(const char *name)
{
	typedef unsigned long (*lookup_fn)(const char *name);
	static lookup_fn lookup;

	if (!lookup) {
		struct kprobe kp = { .symbol_name = "kallsyms_lookup_name" };

		if (register_kprobe(&kp) < 0)
			return 0;
		lookup = (lookup_fn)kp.addr;
		unregister_kprobe(&kp);
	}
	return lookup ? lookup(name) : 0;
}

/*
 * The .core_dump of the binfmt called binfmt_name, checked to be the very
 * start of a kernel function named elf_core_dump.
 */
static unsigned long gcd_resolve_core_dump(const char *binfmt_name)
{
	struct linux_binfmt *fmt;
	char sym[KSYM_SYMBOL_LEN];
	unsigned long fn;

	fmt = (struct linux_binfmt *)gcd_lookup_name(binfmt_name);
	if (!fmt)
		return 0;
	fn = (unsigned long)READ_ONCE(fmt->core_dump);
	if (!fn)
		return 0;
	sprint_symbol(sym, fn);
	if (strncmp(sym, "elf_core_dump+0x0/", 18) != 0)
		return 0;
	return fn;
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

int gcd_hooks_init(void)
{
	int i, err;

	gcd_hooks[HOOK_NATIVE].target = gcd_resolve_core_dump(GCD_NATIVE_BINFMT);
	gcd_hooks[HOOK_COMPAT].target =
		gcd_resolve_core_dump("compat_elf_format");
	gcd_hooks[HOOK_EMIT].target = (unsigned long)dump_emit;
	gcd_hooks[HOOK_SKIP_TO].target = (unsigned long)dump_skip_to;

	for (i = 0; i < HOOK_COUNT; i++) {
		struct gcd_hook *h = &gcd_hooks[i];

		if (!h->target) {
			pr_err("cannot load: hook target %s not found in this kernel\n",
			       h->name);
			return -ENOENT;
		}
	}
	if (gcd_hooks[HOOK_NATIVE].target == gcd_hooks[HOOK_COMPAT].target) {
		pr_err("cannot load: native and compat elf_core_dump resolve to the same address\n");
		return -ENOENT;
	}

	for (i = 0; i < HOOK_COUNT; i++) {
		struct gcd_hook *h = &gcd_hooks[i];

		h->ops.func = gcd_ftrace_handler;
		h->ops.flags = FTRACE_OPS_FL_SAVE_REGS |
			       FTRACE_OPS_FL_RECURSION |
			       FTRACE_OPS_FL_IPMODIFY;
		err = ftrace_set_filter_ip(&h->ops, h->target, 0, 0);
		if (err) {
			pr_err("cannot load: hook target %s is not traceable (ftrace_set_filter_ip: %d)\n",
			       h->name, err);
			goto fail;
		}
		err = register_ftrace_function(&h->ops);
		if (err) {
			ftrace_set_filter_ip(&h->ops, h->target, 1, 0);
			pr_err("cannot load: hook target %s cannot be redirected (register_ftrace_function: %d; is another IPMODIFY user on it?)\n",
			       h->name, err);
			goto fail;
		}
		h->registered = true;
	}
	return 0;

fail:
	gcd_unregister_all();
	return err;
}

void gcd_hooks_exit(void)
{
	gcd_unregister_all();
	/*
	 * No replacement can be entered any more.  Wait until every task that
	 * returned from one has also left its last instructions.
	 */
	synchronize_rcu_tasks();
}
