// SPDX-License-Identifier: GPL-2.0
/*
 * gcd_blocker.c - a test module for the lab: another IPMODIFY ftrace user
 * (the kind livepatch is) on one of gocoredump's hook targets, so that
 * gocoredump's load must fail there and clean up.
 *
 *   insmod gcd_blocker.ko target=dump_emit|dump_skip_to|elf_core_dump
 *
 * Its handler does nothing: the function runs as before.  elf_core_dump
 * is found the way gocoredump finds it, from insmod's own binfmt.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/binfmts.h>
#include <linux/coredump.h>
#include <linux/ftrace.h>
#include <linux/module.h>
#include <linux/sched.h>
#include <linux/sched/mm.h>
#include <linux/string.h>

static char *target = "dump_emit";
module_param(target, charp, 0444);
MODULE_PARM_DESC(target, "dump_emit, dump_skip_to or elf_core_dump");

static unsigned long blocker_ip;

static void notrace blocker_handler(unsigned long ip, unsigned long parent_ip,
				    struct ftrace_ops *op,
				    struct ftrace_regs *fregs)
{
}

static struct ftrace_ops blocker_ops = {
	.func = blocker_handler,
	.flags = FTRACE_OPS_FL_SAVE_REGS | FTRACE_OPS_FL_RECURSION |
		 FTRACE_OPS_FL_IPMODIFY,
};

static int __init blocker_init(void)
{
	int err;

	if (!strcmp(target, "dump_emit"))
		blocker_ip = (unsigned long)dump_emit;
	else if (!strcmp(target, "dump_skip_to"))
		blocker_ip = (unsigned long)dump_skip_to;
	else if (!strcmp(target, "elf_core_dump") && current->mm &&
		 current->mm->binfmt)
		blocker_ip = (unsigned long)current->mm->binfmt->core_dump;
	if (!blocker_ip)
		return -EINVAL;
	err = ftrace_set_filter_ip(&blocker_ops, blocker_ip, 0, 0);
	if (err)
		return err;
	err = register_ftrace_function(&blocker_ops);
	if (err) {
		ftrace_set_filter_ip(&blocker_ops, blocker_ip, 1, 0);
		return err;
	}
	pr_info("IPMODIFY ftrace user on %s\n", target);
	return 0;
}

static void __exit blocker_exit(void)
{
	unregister_ftrace_function(&blocker_ops);
	ftrace_set_filter_ip(&blocker_ops, blocker_ip, 1, 0);
}

module_init(blocker_init);
module_exit(blocker_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("gocoredump lab: an IPMODIFY ftrace user on a hook target");
