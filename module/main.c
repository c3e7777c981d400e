// SPDX-License-Identifier: GPL-2.0
/*
 * main.c - gocoredump.ko: load and unload, and the sysfs interface under
 * /sys/kernel/gocoredump/ (knobs and counters, Documentation/knobs.rst).
 *
 * gocoredump makes Go crash cores debuggable without the executable: it has
 * the kernel's ELF core writer include the Go binary's text and read-only
 * data whatever coredump_filter says, and adds a note of scheduler metadata.
 * See Documentation/design.rst.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/capability.h>
#include <linux/kobject.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/sched.h>
#include <linux/spinlock.h>
#include <linux/string.h>
#include <linux/sysfs.h>

#include "gocoredump.h"

struct gcd_knobs gcd_knobs = {
	.enabled = true,
	.note = true,
	.force = GCD_FORCE_TEXT | GCD_FORCE_RODATA,
	.scope = GCD_SCOPE_GO,
	.max_forced_mb = 256,
};

struct gcd_stats gcd_stats;

#define GCD_MAX_FORCED_MB_MAX	BIT(20)	/* 1 TiB */

static DEFINE_SPINLOCK(gcd_last_error_lock);
#define GCD_LAST_ERROR_LEN	256
static char gcd_last_error[GCD_LAST_ERROR_LEN];

static __printf(3, 0) void gcd_verror(char *buf, int n, const char *fmt,
				       va_list ap)
{
	vscnprintf(buf + n, GCD_LAST_ERROR_LEN - n, fmt, ap);
	atomic64_inc(&gcd_stats.errors);
	spin_lock(&gcd_last_error_lock);
	strscpy(gcd_last_error, buf, sizeof(gcd_last_error));
	spin_unlock(&gcd_last_error_lock);
	pr_info_ratelimited("%s\n", buf);
}

void gcd_error(u64 seq, const char *fmt, ...)
{
	char buf[GCD_LAST_ERROR_LEN];
	va_list ap;
	int n;

	n = scnprintf(buf, sizeof(buf), "dump %llu (pid %d): ", seq,
		      task_tgid_nr(current));
	va_start(ap, fmt);
	gcd_verror(buf, n, fmt, ap);
	va_end(ap);
}

void gcd_upgrade_error(const char *fmt, ...)
{
	char buf[GCD_LAST_ERROR_LEN];
	va_list ap;
	int n;

	atomic64_inc(&gcd_stats.upgrade_errors);
	n = scnprintf(buf, sizeof(buf), "gotraceback: ");
	va_start(ap, fmt);
	gcd_verror(buf, n, fmt, ap);
	va_end(ap);
}

static const char *const gcd_force_names[] = { "text", "rodata", "data" };

static ssize_t force_show(struct kobject *kobj, struct kobj_attribute *attr,
			  char *buf)
{
	unsigned int force = READ_ONCE(gcd_knobs.force), i;
	int len = 0;

	for (i = 0; i < ARRAY_SIZE(gcd_force_names); i++)
		if (force & BIT(i))
			len += sysfs_emit_at(buf, len, "%s%s", len ? "," : "",
					     gcd_force_names[i]);
	if (!len)
		len = sysfs_emit(buf, "none");
	return len + sysfs_emit_at(buf, len, "\n");
}

/* "text,rodata", "text rodata data", "none": any order, no repeats needed. */
static int gcd_parse_force(const char *buf, unsigned int *out)
{
	char tmp[64], *s = tmp, *tok;
	unsigned int force = 0, i;
	bool none = false, any = false;

	if (strscpy(tmp, buf, sizeof(tmp)) < 0)
		return -EINVAL;
	while ((tok = strsep(&s, ", \t\n")) != NULL) {
		if (!*tok)
			continue;
		any = true;
		if (!strcmp(tok, "none")) {
			none = true;
			continue;
		}
		for (i = 0; i < ARRAY_SIZE(gcd_force_names); i++)
			if (!strcmp(tok, gcd_force_names[i]))
				break;
		if (i == ARRAY_SIZE(gcd_force_names))
			return -EINVAL;
		force |= BIT(i);
	}
	if (!any || (none && force))
		return -EINVAL;
	*out = force;
	return 0;
}

static ssize_t force_store(struct kobject *kobj, struct kobj_attribute *attr,
			   const char *buf, size_t count)
{
	unsigned int force;

	if (!capable(CAP_SYS_ADMIN))
		return -EPERM;
	if (gcd_parse_force(buf, &force))
		return -EINVAL;
	WRITE_ONCE(gcd_knobs.force, force);
	return count;
}

static ssize_t scope_show(struct kobject *kobj, struct kobj_attribute *attr,
			  char *buf)
{
	return sysfs_emit(buf, "%s\n", READ_ONCE(gcd_knobs.scope) ==
			  GCD_SCOPE_EXEC ? "exec" : "go");
}

static ssize_t scope_store(struct kobject *kobj, struct kobj_attribute *attr,
			   const char *buf, size_t count)
{
	enum gcd_scope scope;

	if (!capable(CAP_SYS_ADMIN))
		return -EPERM;
	if (sysfs_streq(buf, "go"))
		scope = GCD_SCOPE_GO;
	else if (sysfs_streq(buf, "exec"))
		scope = GCD_SCOPE_EXEC;
	else
		return -EINVAL;
	WRITE_ONCE(gcd_knobs.scope, scope);
	return count;
}

static const char *const gcd_tb_names[] = {
	[GCD_TB_OFF] = "off",
	[GCD_TB_CRASH] = "crash",
	[GCD_TB_CRASH_IF_UNSET] = "crash-if-unset",
};

static int gcd_parse_gotraceback(const char *buf, enum gcd_gotraceback *out)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(gcd_tb_names); i++) {
		if (sysfs_streq(buf, gcd_tb_names[i])) {
			/* Without uprobes only "off" can be honoured. */
			if (i != GCD_TB_OFF && !IS_ENABLED(CONFIG_UPROBES))
				return -EOPNOTSUPP;
			*out = i;
			return 0;
		}
	}
	return -EINVAL;
}

static ssize_t gotraceback_show(struct kobject *kobj,
				struct kobj_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%s\n",
			  gcd_tb_names[READ_ONCE(gcd_knobs.gotraceback)]);
}

static ssize_t gotraceback_store(struct kobject *kobj,
				 struct kobj_attribute *attr,
				 const char *buf, size_t count)
{
	enum gcd_gotraceback v;
	int err;

	if (!capable(CAP_SYS_ADMIN))
		return -EPERM;
	err = gcd_parse_gotraceback(buf, &v);
	if (err)
		return err;
	WRITE_ONCE(gcd_knobs.gotraceback, v);
	/* The programs already running get their probes too. */
	if (v != GCD_TB_OFF)
		gcd_exec_queue_running();
	return count;
}

static ssize_t bool_store(bool *knob, const char *buf, size_t count)
{
	bool v;

	if (!capable(CAP_SYS_ADMIN))
		return -EPERM;
	if (kstrtobool(buf, &v))
		return -EINVAL;
	WRITE_ONCE(*knob, v);
	return count;
}

static ssize_t enabled_show(struct kobject *kobj, struct kobj_attribute *attr,
			    char *buf)
{
	return sysfs_emit(buf, "%d\n", READ_ONCE(gcd_knobs.enabled));
}

static ssize_t enabled_store(struct kobject *kobj, struct kobj_attribute *attr,
			     const char *buf, size_t count)
{
	return bool_store(&gcd_knobs.enabled, buf, count);
}

static ssize_t note_show(struct kobject *kobj, struct kobj_attribute *attr,
			 char *buf)
{
	return sysfs_emit(buf, "%d\n", READ_ONCE(gcd_knobs.note));
}

static ssize_t note_store(struct kobject *kobj, struct kobj_attribute *attr,
			  const char *buf, size_t count)
{
	return bool_store(&gcd_knobs.note, buf, count);
}

static ssize_t max_forced_mb_show(struct kobject *kobj,
				  struct kobj_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%u\n", READ_ONCE(gcd_knobs.max_forced_mb));
}

static ssize_t max_forced_mb_store(struct kobject *kobj,
				   struct kobj_attribute *attr,
				   const char *buf, size_t count)
{
	unsigned int v;

	if (!capable(CAP_SYS_ADMIN))
		return -EPERM;
	if (kstrtouint(buf, 0, &v) || v < 1 || v > GCD_MAX_FORCED_MB_MAX)
		return -EINVAL;
	WRITE_ONCE(gcd_knobs.max_forced_mb, v);
	return count;
}

static ssize_t last_error_show(struct kobject *kobj,
			       struct kobj_attribute *attr, char *buf)
{
	ssize_t n;

	spin_lock(&gcd_last_error_lock);
	n = sysfs_emit(buf, "%s\n", gcd_last_error);
	spin_unlock(&gcd_last_error_lock);
	return n;
}

/* Read-only counters: one show function, the counter found by name. */
static const struct {
	const char *name;
	atomic64_t *value;
} gcd_counters[] = {
	{ "dumps_seen", &gcd_stats.dumps_seen },
	{ "dumps_go", &gcd_stats.dumps_go },
	{ "vmas_forced", &gcd_stats.vmas_forced },
	{ "bytes_forced", &gcd_stats.bytes_forced },
	{ "errors", &gcd_stats.errors },
	{ "notes_written", &gcd_stats.notes_written },
	{ "notes_skipped", &gcd_stats.notes_skipped },
	{ "verdicts_missed", &gcd_stats.verdicts_missed },
	{ "files_classified", &gcd_stats.files_classified },
	{ "budget_exhausted", &gcd_stats.budget_exhausted },
	{ "vmas_not_resident", &gcd_stats.vmas_not_resident },
	{ "rlimit_drops", &gcd_stats.rlimit_drops },
	{ "probes_placed", &gcd_stats.probes_placed },
	{ "probes_active", &gcd_stats.probes_active },
	{ "crashes_upgraded", &gcd_stats.crashes_upgraded },
	{ "upgrade_errors", &gcd_stats.upgrade_errors },
};

static ssize_t counter_show(struct kobject *kobj, struct kobj_attribute *attr,
			    char *buf)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(gcd_counters); i++)
		if (!strcmp(attr->attr.name, gcd_counters[i].name))
			return sysfs_emit(buf, "%lld\n",
					  atomic64_read(gcd_counters[i].value));
	return -EINVAL;
}

static struct kobj_attribute gcd_attr_dumps_seen =
	__ATTR(dumps_seen, 0444, counter_show, NULL);
static struct kobj_attribute gcd_attr_dumps_go =
	__ATTR(dumps_go, 0444, counter_show, NULL);
static struct kobj_attribute gcd_attr_vmas_forced =
	__ATTR(vmas_forced, 0444, counter_show, NULL);
static struct kobj_attribute gcd_attr_bytes_forced =
	__ATTR(bytes_forced, 0444, counter_show, NULL);
static struct kobj_attribute gcd_attr_errors =
	__ATTR(errors, 0444, counter_show, NULL);
static struct kobj_attribute gcd_attr_notes_written =
	__ATTR(notes_written, 0444, counter_show, NULL);
static struct kobj_attribute gcd_attr_notes_skipped =
	__ATTR(notes_skipped, 0444, counter_show, NULL);
static struct kobj_attribute gcd_attr_verdicts_missed =
	__ATTR(verdicts_missed, 0444, counter_show, NULL);
static struct kobj_attribute gcd_attr_files_classified =
	__ATTR(files_classified, 0444, counter_show, NULL);
static struct kobj_attribute gcd_attr_budget_exhausted =
	__ATTR(budget_exhausted, 0444, counter_show, NULL);
static struct kobj_attribute gcd_attr_vmas_not_resident =
	__ATTR(vmas_not_resident, 0444, counter_show, NULL);
static struct kobj_attribute gcd_attr_rlimit_drops =
	__ATTR(rlimit_drops, 0444, counter_show, NULL);
static struct kobj_attribute gcd_attr_probes_placed =
	__ATTR(probes_placed, 0444, counter_show, NULL);
static struct kobj_attribute gcd_attr_probes_active =
	__ATTR(probes_active, 0444, counter_show, NULL);
static struct kobj_attribute gcd_attr_crashes_upgraded =
	__ATTR(crashes_upgraded, 0444, counter_show, NULL);
static struct kobj_attribute gcd_attr_upgrade_errors =
	__ATTR(upgrade_errors, 0444, counter_show, NULL);

static ssize_t compat_hook_show(struct kobject *kobj,
				struct kobj_attribute *attr, char *buf)
{
	static const char *const names[] = {
		[GCD_COMPAT_WAITING] = "waiting",
		[GCD_COMPAT_HOOKED] = "hooked",
		[GCD_COMPAT_FAILED] = "failed",
		[GCD_COMPAT_UNAVAILABLE] = "unavailable",
	};

	return sysfs_emit(buf, "%s\n", names[gcd_compat_state()]);
}

static struct kobj_attribute gcd_attr_compat_hook = __ATTR_RO(compat_hook);

static struct kobj_attribute gcd_attr_enabled = __ATTR_RW(enabled);
static struct kobj_attribute gcd_attr_note = __ATTR_RW(note);
static struct kobj_attribute gcd_attr_force = __ATTR_RW(force);
static struct kobj_attribute gcd_attr_scope = __ATTR_RW(scope);
static struct kobj_attribute gcd_attr_max_forced_mb = __ATTR_RW(max_forced_mb);
static struct kobj_attribute gcd_attr_last_error = __ATTR_RO(last_error);
static struct kobj_attribute gcd_attr_gotraceback = __ATTR_RW(gotraceback);

static struct attribute *gcd_attrs[] = {
	&gcd_attr_enabled.attr,
	&gcd_attr_note.attr,
	&gcd_attr_force.attr,
	&gcd_attr_scope.attr,
	&gcd_attr_max_forced_mb.attr,
	&gcd_attr_dumps_seen.attr,
	&gcd_attr_dumps_go.attr,
	&gcd_attr_vmas_forced.attr,
	&gcd_attr_bytes_forced.attr,
	&gcd_attr_errors.attr,
	&gcd_attr_last_error.attr,
	&gcd_attr_notes_written.attr,
	&gcd_attr_notes_skipped.attr,
	&gcd_attr_verdicts_missed.attr,
	&gcd_attr_files_classified.attr,
	&gcd_attr_budget_exhausted.attr,
	&gcd_attr_vmas_not_resident.attr,
	&gcd_attr_rlimit_drops.attr,
	&gcd_attr_compat_hook.attr,
	&gcd_attr_gotraceback.attr,
	&gcd_attr_probes_placed.attr,
	&gcd_attr_probes_active.attr,
	&gcd_attr_crashes_upgraded.attr,
	&gcd_attr_upgrade_errors.attr,
	NULL,
};

static const struct attribute_group gcd_group = {
	.attrs = gcd_attrs,
};

/*
 * Module parameters: the knobs' values at load time, so that
 * /etc/modprobe.d/gocoredump.conf ("options gocoredump force=text,rodata,data")
 * sets them before the first dump.  Each takes what its sysfs knob takes and
 * fails the load on a value that does not parse.  They are 0444 in
 * /sys/module/gocoredump/parameters/ and read the live knob; after the load
 * only the knobs in /sys/kernel/gocoredump/ change it (knobs.rst).
 */
static int gcd_param_set_force(const char *val, const struct kernel_param *kp)
{
	unsigned int force;

	if (gcd_parse_force(val, &force))
		return -EINVAL;
	WRITE_ONCE(gcd_knobs.force, force);
	return 0;
}

static int gcd_param_get_force(char *buf, const struct kernel_param *kp)
{
	return force_show(NULL, NULL, buf);
}

static const struct kernel_param_ops gcd_param_force_ops = {
	.set = gcd_param_set_force,
	.get = gcd_param_get_force,
};
module_param_cb(force, &gcd_param_force_ops, NULL, 0444);
MODULE_PARM_DESC(force, "mappings forced into cores: text,rodata[,data] or none (default text,rodata)");

static int gcd_param_set_scope(const char *val, const struct kernel_param *kp)
{
	if (sysfs_streq(val, "go"))
		WRITE_ONCE(gcd_knobs.scope, GCD_SCOPE_GO);
	else if (sysfs_streq(val, "exec"))
		WRITE_ONCE(gcd_knobs.scope, GCD_SCOPE_EXEC);
	else
		return -EINVAL;
	return 0;
}

static int gcd_param_get_scope(char *buf, const struct kernel_param *kp)
{
	return scope_show(NULL, NULL, buf);
}

static const struct kernel_param_ops gcd_param_scope_ops = {
	.set = gcd_param_set_scope,
	.get = gcd_param_get_scope,
};
module_param_cb(scope, &gcd_param_scope_ops, NULL, 0444);
MODULE_PARM_DESC(scope, "which files qualify: go or exec (default go)");

static int gcd_param_set_max_forced_mb(const char *val,
				       const struct kernel_param *kp)
{
	unsigned int v;

	if (kstrtouint(val, 0, &v) || v < 1 || v > GCD_MAX_FORCED_MB_MAX)
		return -EINVAL;
	WRITE_ONCE(gcd_knobs.max_forced_mb, v);
	return 0;
}

static const struct kernel_param_ops gcd_param_max_forced_mb_ops = {
	.set = gcd_param_set_max_forced_mb,
	.get = param_get_uint,
};
module_param_cb(max_forced_mb, &gcd_param_max_forced_mb_ops,
		&gcd_knobs.max_forced_mb, 0444);
MODULE_PARM_DESC(max_forced_mb, "cap on the bytes forcing may add per dump, MiB, 1..1048576 (default 256)");

static int gcd_param_set_gotraceback(const char *val,
				     const struct kernel_param *kp)
{
	enum gcd_gotraceback v;
	int err = gcd_parse_gotraceback(val, &v);

	if (!err)
		WRITE_ONCE(gcd_knobs.gotraceback, v);
	return err;
}

static int gcd_param_get_gotraceback(char *buf, const struct kernel_param *kp)
{
	return gotraceback_show(NULL, NULL, buf);
}

static const struct kernel_param_ops gcd_param_gotraceback_ops = {
	.set = gcd_param_set_gotraceback,
	.get = gcd_param_get_gotraceback,
};
module_param_cb(gotraceback, &gcd_param_gotraceback_ops, NULL, 0444);
MODULE_PARM_DESC(gotraceback, "make Go crashes behave as under GOTRACEBACK=crash: off, crash or crash-if-unset (default off)");

module_param_named(enabled, gcd_knobs.enabled, bool, 0444);
MODULE_PARM_DESC(enabled, "0: inert, dumps as the kernel makes them (default 1)");
module_param_named(note, gcd_knobs.note, bool, 0444);
MODULE_PARM_DESC(note, "add the scheduler-metadata note to every core (default 1)");

static struct kobject *gcd_kobj;

static int __init gcd_init(void)
{
	int err;

	gcd_kobj = kobject_create_and_add("gocoredump", kernel_kobj);
	if (!gcd_kobj)
		return -ENOMEM;
	err = sysfs_create_group(gcd_kobj, &gcd_group);
	if (err)
		goto out_kobj;
	err = gcd_filecache_init();
	if (err)
		goto out_kobj;
	/* From here on dumps come through us... */
	err = gcd_hooks_init();
	if (err)
		goto out_filecache;
	/* ...and new programs are looked at (never fails). */
	gcd_exec_init();
	pr_info("loaded: Go text and rodata go into every core; knobs in /sys/kernel/gocoredump\n");
	return 0;

out_filecache:
	gcd_filecache_exit();
	gcd_fatal_exit();
out_kobj:
	kobject_put(gcd_kobj);
	return err;
}

static void __exit gcd_exit(void)
{
	gcd_exec_exit();
	gcd_hooks_exit();
	gcd_filecache_exit();
	/* After the worker, which places probes. */
	gcd_fatal_exit();
	kobject_put(gcd_kobj);
	pr_info("unloaded\n");
}

module_init(gcd_init);
module_exit(gcd_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Go text, rodata and scheduler metadata in every core dump");
MODULE_AUTHOR("gocoredump developers");
