// SPDX-License-Identifier: GPL-2.0
/*
 * test_unload.c - unloading gocoredump.ko is safe.
 *
 *  - 50 load/unload cycles with a Go crash in each, every core forced;
 *    and with the gotraceback knob at crash and, in every cycle, a Go
 *    program (no GOTRACEBACK of its own) sent SIGABRT just before the
 *    rmmod: its probe being placed, or its crash upgraded or being dumped,
 *    while the module goes.  It ends by exit 2 (not upgraded) or SIGABRT
 *    with a whole core; the kernel log stays clean, the module loads.
 *    On one CPU, like the test of loads beside another IPMODIFY user
 *    below, and for the same reason (on 6.1 a vCPU once stayed stuck at
 *    the patched site for minutes, a soft lockup);
 *  - rmmod while a dump is in flight (held by a pipe helper that does not
 *    read yet) is refused, the dump then completes whole, and rmmod works;
 *  - a build that cannot find a hook target is refused, with one line
 *    naming it, and leaves nothing behind;
 *  - module parameters (what /etc/modprobe.d/gocoredump.conf gives) set
 *    the knobs' values at load time, /sys/module/gocoredump/parameters
 *    shows the live knobs read-only, and a value the knob would refuse
 *    refuses the load;
 *  - the compat (32-bit) writer is hooked once a 32-bit program has run,
 *    or at once when one is running at load; sysfs compat_hook says so;
 *  - the load places its hooks on dump_emit, dump_skip_to, then the
 *    writer: the one that sends dumps into the module goes in last
 *    (seen through a kprobe event on ftrace_set_filter_ip);
 *  - with another IPMODIFY ftrace user on dump_emit, dump_skip_to or
 *    elf_core_dump (tests/kernel/kmod/gcd_blocker.c) the load fails with
 *    EBUSY, cleanly, while crashes go on in a loop: no dump entered the
 *    half-loaded module.  (Under QEMU/TCG, ftrace registering and
 *    unregistering ops on dump_emit while another vCPU runs it can hit an
 *    "Oops: int3" at dump_emit's fentry site, about once in 250 cycles,
 *    with or without this module: see design.rst.  So the test, its
 *    loads and its crash loops share one CPU: dumps can still run inside
 *    a load, whenever the loader sleeps, but no vCPU runs dump_emit while
 *    another patches it.  Twice per target.)
 *    Last but the log check, since such an oops ends the guest;
 *  - the kernel log shows no oops, WARN or BUG.
 *
 * Runs last in the suite: it leaves the module loaded as it found it.
 */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "core/gcdnote.h"
#include "lab.h"

static const char *const go_programs[] = {
	"/gcd/go/1.19-static/crasher", "/gcd/go/1.22-pie/crasher",
	"/gcd/go/1.23-cgo/crasher", "/gcd/go/1.24-386/crasher",
	"/gcd/go/1.27-static/crasher",
};

#ifndef GCD_PROC_F_TB_UPGRADED
#define GCD_PROC_F_TB_UPGRADED	(1u << 8)
#endif

/*
 * Pin the caller (and what it forks) to the first CPU it may run on; *all
 * gets the set to return to.  See load_fails_cleanly_beside_another_
 * ipmodify_user and design.rst: under TCG, ftrace patching dump_emit while
 * another vCPU runs it can end in an oops or a CPU stuck on the site.
 */
static int pin_one_cpu(cpu_set_t *all)
{
	cpu_set_t one;
	int cpu;

	if (sched_getaffinity(0, sizeof(*all), all))
		return -errno;
	for (cpu = 0; cpu < CPU_SETSIZE && !CPU_ISSET(cpu, all); cpu++)
		;
	if (cpu == CPU_SETSIZE)
		return -ENOENT;
	CPU_ZERO(&one);
	CPU_SET(cpu, &one);
	return sched_setaffinity(0, sizeof(one), &one) ? -errno : 0;
}

/* rmmod, again while a dump holds the module (up to a minute). */
static int unload_when_idle(void)
{
	int err, i;

	for (i = 0; i < 3000; i++) {
		err = lab_module_unload();
		if (err != -EBUSY && err != -EAGAIN)
			return err;
		usleep(20000);
	}
	return err;
}

TEST(fifty_load_unload_cycles_with_crashes)
{
	int i, upgraded = 0, exited = 0, stock = 0;
	cpu_set_t all;

	if (lab_module_loaded())
		ASSERT_EQ(0, lab_module_unload());
	ASSERT_EQ(0, lab_set_core_pattern(LAB_CORES "/core.%p"));
	/* The loads, unloads and crashes on one CPU (see the top). */
	ASSERT_EQ(0, pin_one_cpu(&all));
	for (i = 0; i < 50; i++) {
		const char *exe = go_programs[i % 5];
		const char *fly = go_programs[(i + 2) % 5];
		char *argv[] = { (char *)exe, "panic", NULL };
		char *fly_argv[] = { (char *)fly, "abort", NULL };
		struct lab_run_opts fo = { .no_gotraceback = 1 };
		char why[512] = "";
		struct lab_proc p, f;
		struct elfcore c;
		int err, fd;

		err = lab_module_load();
		ASSERT_EQ(0, err) {
			TH_LOG("cycle %d: insmod: %s", i, strerror(-err));
		}
		ASSERT_EQ(0, lab_knob_write("gotraceback", "crash"));
		lab_clean_cores();
		/* Its probe goes in while the other program crashes. */
		ASSERT_EQ(0, lab_start(&f, fly_argv, &fo, &fd));
		ASSERT_EQ(0, lab_run(&p, argv, NULL));
		ASSERT_NE(0, p.core[0]);
		ASSERT_EQ(0, elfcore_open(&c, p.core));
		/* Its probe may have gone in while it ran: an int3. */
		EXPECT_LE(0, lab_check_forced_bp(&c, exe, 1, why, sizeof(why))) {
			TH_LOG("cycle %d, %s: %s", i, exe, why);
		}
		elfcore_close(&c);
		EXPECT_EQ(0, lab_wait_ready(&f, fd, 60000));
		/* The crash in flight: rmmod at once (odd cycles a little
		 * later, into the runtime's traceback or the dump). */
		kill(f.pid, SIGABRT);
		if (i % 2)
			usleep(100000 * (i % 7));
		err = unload_when_idle();
		ASSERT_EQ(0, err) {
			TH_LOG("cycle %d: rmmod: %s", i, strerror(-err));
		}
		lab_wait(&f, fd);
		if (WIFEXITED(f.status) && WEXITSTATUS(f.status) == 2) {
			exited++;	/* the probe was not there yet */
			continue;
		}
		EXPECT_TRUE(WIFSIGNALED(f.status) &&
			    WTERMSIG(f.status) == SIGABRT) {
			TH_LOG("cycle %d, %s abort: status %#x", i, fly,
			       f.status);
		}
		EXPECT_NE(0, f.core[0]) {
			TH_LOG("cycle %d, %s: died of SIGABRT without a core",
			       i, fly);
		}
		if (!f.core[0])
			continue;
		ASSERT_EQ(0, elfcore_open(&c, f.core)) {
			TH_LOG("cycle %d, %s: %s", i, f.core, c.problem);
		}
		EXPECT_EQ(0, c.truncated) {
			TH_LOG("cycle %d, %s: %s", i, f.core, c.problem);
		}
		{
			struct gcd_note n;

			/*
			 * The module may be gone before the dump began: no
			 * note.  If it was there, the process is marked.
			 */
			memset(&n, 0, sizeof(n));
			if (gcdnote_from_core(&c, &n) != 1) {
				stock++;
			} else {
				upgraded++;
				EXPECT_TRUE(n.proc.flags & GCD_PROC_F_TB_UPGRADED) {
					TH_LOG("cycle %d, %s: note flags %#x, not upgraded",
					       i, fly, n.proc.flags);
				}
				EXPECT_LE(0, lab_check_forced_bp(&c, fly, 1, why,
								 sizeof(why))) {
					TH_LOG("cycle %d, %s: %s", i, fly, why);
				}
			}
			gcdnote_free(&n);
		}
		elfcore_close(&c);
	}
	sched_setaffinity(0, sizeof(all), &all);
	TH_LOG("SIGABRT, then rmmod: %d exited 2 (no probe yet), %d dumped by the module, %d after it was gone",
	       exited, upgraded, stock);
	{
		char why[512] = "";

		EXPECT_EQ(0, lab_dmesg_clean(why, sizeof(why))) {
			TH_LOG("%s", why);
		}
	}
	ASSERT_EQ(0, lab_module_load());
}

static int wait_file(const char *path, int ms)
{
	while (access(path, F_OK) != 0 && ms > 0) {
		usleep(20000);
		ms -= 20;
	}
	return access(path, F_OK);
}

TEST(rmmod_refused_while_a_dump_is_in_flight)
{
	const char *exe = "/gcd/go/1.22-static/crasher";
	char *argv[] = { (char *)exe, "panic", NULL };
	char out[128], gate[] = "/tmp/gate", why[512] = "";
	struct lab_proc p;
	struct elfcore c;
	int err;

	if (!lab_module_loaded())
		ASSERT_EQ(0, lab_module_load());
	lab_knobs_default();
	lab_clean_cores();
	unlink(gate);
	ASSERT_EQ(0, lab_set_core_pattern("|/gcd/bin/corecat "
					  LAB_CORES "/pipe.%p /tmp/gate"));
	{
		int fd;

		ASSERT_EQ(0, lab_start(&p, argv, NULL, &fd));
		snprintf(out, sizeof(out), LAB_CORES "/pipe.%d.started",
			 p.pid);
		ASSERT_EQ(0, wait_file(out, 120000));
		/* The dump is now writing into a pipe nobody reads. */
		sleep(2);
		err = lab_module_unload();
		EXPECT_TRUE(err == -EBUSY || err == -EAGAIN) {
			TH_LOG("rmmod during a dump: %s", strerror(-err));
		}
		EXPECT_TRUE(lab_module_loaded());
		ASSERT_EQ(0, lab_write_file("/proc/sys/kernel/core_pattern",
					    LAB_CORES "/core.%p"));
		close(open(gate, O_WRONLY | O_CREAT, 0644));
		lab_wait(&p, fd);
	}
	ASSERT_EQ(0, lab_piped_core(p.pid, &c, out, sizeof(out))) {
		TH_LOG("%s: %s", out, c.problem);
	}
	EXPECT_EQ(0, c.truncated);
	EXPECT_EQ(0, lab_check_forced(&c, exe, why, sizeof(why))) {
		TH_LOG("%s", why);
	}
	elfcore_close(&c);
	/* Nothing in flight now: rmmod works, and loading again too. */
	EXPECT_EQ(0, lab_module_unload());
	EXPECT_EQ(0, lab_module_load());
	unlink(gate);
}

/*
 * The lab's twin of the module expects its native hook target under a name
 * no kernel has (GCD_NATIVE_WRITER, scripts/lab.sh): loading it must
 * fail with ENOENT and one line in the kernel log naming the target, and
 * leave nothing behind: no sysfs directory, no hook (a C program's core
 * is then the stock one, without the note).
 */
TEST(missing_hook_target_refuses_load)
{
	static const char want[] =
		"gocoredump: cannot load: hook target gcd_no_such_writer (native, the ELF binfmt of insmod) not found in this kernel";
	char *argv[] = { "/gcd/bin/ccrash", "segv", NULL };
	char rec[1024], last[1024] = "";
	struct lab_proc p;
	struct elfcore c;
	int kmsg, fd, lines = 0, found = 0, r, e;
	ssize_t n;

	if (lab_module_loaded())
		ASSERT_EQ(0, lab_module_unload());
	kmsg = open("/dev/kmsg", O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	ASSERT_LE(0, kmsg);
	ASSERT_LE(0, lseek(kmsg, 0, SEEK_END));
	fd = open("/gcd/gocoredump-missing-target.ko", O_RDONLY | O_CLOEXEC);
	ASSERT_LE(0, fd);
	r = (int)syscall(SYS_finit_module, fd, "", 0);
	e = r ? errno : 0;
	EXPECT_EQ(-1, r);
	EXPECT_EQ(ENOENT, e);
	close(fd);
	if (r == 0)
		lab_module_unload();
	while ((n = read(kmsg, rec, sizeof(rec) - 1)) > 0) {
		char *msg;

		rec[n] = 0;
		msg = strchr(rec, ';');
		if (!msg || strncmp(msg + 1, "gocoredump: ", 12))
			continue;
		msg++;
		msg[strcspn(msg, "\n")] = 0;
		lines++;
		found += !strcmp(msg, want);
		snprintf(last, sizeof(last), "%s", msg);
	}
	close(kmsg);
	EXPECT_EQ(1, lines) {
		TH_LOG("%d lines from the module, the last: %s", lines, last);
	}
	EXPECT_EQ(1, found) {
		TH_LOG("want \"%s\", got \"%s\"", want, last);
	}
	EXPECT_NE(0, access(LAB_SYSFS, F_OK));
	/* No hook left: a core is the stock kernel's. */
	ASSERT_EQ(0, lab_set_core_pattern(LAB_CORES "/core.%p"));
	lab_clean_cores();
	ASSERT_EQ(0, lab_run(&p, argv, NULL));
	ASSERT_NE(0, p.core[0]);
	ASSERT_EQ(0, elfcore_open(&c, p.core)) {
		TH_LOG("%s: %s", p.core, c.problem);
	}
	EXPECT_EQ(NULL, elfcore_note(&c, GCD_NOTE_NAME, GCD_NT_PROCESS, 0));
	elfcore_close(&c);
	ASSERT_EQ(0, lab_module_load());
}

/* load_with PARAMS: finit_module with a parameter string; 0 or errno */
static int load_with(const char *params)
{
	int fd = open(LAB_MODULE, O_RDONLY | O_CLOEXEC), r;

	if (fd < 0)
		return errno;
	r = (int)syscall(SYS_finit_module, fd, params, 0);
	r = r ? errno : 0;
	close(fd);
	return r;
}

static void param_read(const char *name, char *buf, size_t len)
{
	char path[256];
	size_t n = 0;
	char *s;

	snprintf(path, sizeof(path), "/sys/module/gocoredump/parameters/%s",
		 name);
	s = lab_read_file(path, &n);
	while (s && n && s[n - 1] == '\n')
		s[--n] = '\0';
	snprintf(buf, len, "%s", s ? s : "(unreadable)");
	free(s);
}

TEST(module_parameters_set_the_knobs)
{
	static const char *const knobs[][2] = {
		{ "enabled", "0" }, { "force", "text,rodata,data" },
		{ "scope", "exec" }, { "max_forced_mb", "7" }, { "note", "0" },
	};
	static const char *const bad[] = {
		"force=text,bogus", "scope=all", "max_forced_mb=0",
		"max_forced_mb=99999999", "enabled=maybe",
	};
	char got[128], par[128];
	struct stat st;

	if (lab_module_loaded())
		ASSERT_EQ(0, lab_module_unload());
	ASSERT_EQ(0, load_with("enabled=0 force=text,rodata,data scope=exec max_forced_mb=7 note=0"));
	for (size_t i = 0; i < sizeof(knobs) / sizeof(knobs[0]); i++) {
		char path[256];

		ASSERT_EQ(0, lab_knob_read(knobs[i][0], got, sizeof(got)));
		EXPECT_STREQ(knobs[i][1], got);
		param_read(knobs[i][0], par, sizeof(par));
		/* bool parameters read back as N/Y */
		if (!strcmp(knobs[i][0], "enabled") || !strcmp(knobs[i][0], "note")) {
			EXPECT_STREQ("N", par);
		} else {
			EXPECT_STREQ(knobs[i][1], par);
		}
		snprintf(path, sizeof(path),
			 "/sys/module/gocoredump/parameters/%s", knobs[i][0]);
		ASSERT_EQ(0, stat(path, &st));
		EXPECT_EQ(0444, st.st_mode & 0777) {
			TH_LOG("%s is %o", path, st.st_mode & 0777);
		}
	}
	/* After the load, the sysfs knob is the one place to change it, and
	 * the parameter shows the live value. */
	ASSERT_EQ(0, lab_knob_write("force", "text"));
	param_read("force", par, sizeof(par));
	EXPECT_STREQ("text", par);
	ASSERT_EQ(0, lab_module_unload());
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		EXPECT_EQ(EINVAL, load_with(bad[i])) {
			TH_LOG("%s was accepted", bad[i]);
		}
		EXPECT_NE(0, access(LAB_SYSFS, F_OK));
		if (lab_module_loaded())
			lab_module_unload();
	}
	/* Without parameters: the defaults. */
	ASSERT_EQ(0, lab_module_load());
	ASSERT_EQ(0, lab_knob_read("force", got, sizeof(got)));
	EXPECT_STREQ("text,rodata", got);
	ASSERT_EQ(0, lab_knob_read("max_forced_mb", got, sizeof(got)));
	EXPECT_STREQ("256", got);
}


static int kmsg_has(const char *needle)
{
	char rec[1024];
	int fd = open("/dev/kmsg", O_RDONLY | O_NONBLOCK | O_CLOEXEC), found = 0;
	ssize_t n;

	if (fd < 0)
		return 0;
	while ((n = read(fd, rec, sizeof(rec) - 1)) > 0 || errno == EPIPE) {
		if (n <= 0)
			continue;
		rec[n] = 0;
		found |= strstr(rec, needle) != NULL;
	}
	close(fd);
	return found;
}

TEST(compat_writer_is_found_from_a_32bit_program)
{
	char *argv[] = { "/gcd/go/1.22-386/crasher", "panic", NULL };
	char *wait_argv[] = { "/gcd/go/1.22-386/crasher", "abort", NULL };
	char state[32], why[512] = "";
	struct lab_proc p, w;
	struct elfcore c;
	int fd;

	if (lab_module_loaded())
		ASSERT_EQ(0, lab_module_unload());
	ASSERT_EQ(0, lab_set_core_pattern(LAB_CORES "/core.%p"));
	ASSERT_EQ(0, lab_module_load_only());
	ASSERT_EQ(0, lab_knob_read("compat_hook", state, sizeof(state)));
	EXPECT_STREQ("waiting", state);
	/* Until then a 32-bit core is the kernel's own. */
	lab_clean_cores();
	ASSERT_EQ(0, lab_run(&p, argv, NULL));
	ASSERT_EQ(0, lab_compat_hooked());
	EXPECT_TRUE(kmsg_has("32-bit (compat) cores go through gocoredump from now on"));
	lab_clean_cores();
	ASSERT_EQ(0, lab_run(&p, argv, NULL));
	ASSERT_EQ(0, elfcore_open(&c, p.core));
	EXPECT_EQ(0, lab_check_forced(&c, argv[0], why, sizeof(why))) {
		TH_LOG("%s", why);
	}
	elfcore_close(&c);

	/* A 32-bit program running at load: found at once. */
	ASSERT_EQ(0, lab_module_unload());
	ASSERT_EQ(0, lab_start(&w, wait_argv, NULL, &fd));
	ASSERT_EQ(0, lab_wait_ready(&w, fd, 60000));
	ASSERT_EQ(0, lab_module_load_only());
	ASSERT_EQ(0, lab_knob_read("compat_hook", state, sizeof(state)));
	EXPECT_STREQ("hooked", state);
	kill(w.pid, SIGKILL);
	lab_wait(&w, fd);
}

/* Crash C programs in a loop until the file stop appears. */
/* The address /proc/kallsyms gives name (the n-th of that name), or 0. */
static unsigned long long ksym(const char *name, int nth)
{
	char line[256], sym[128];
	unsigned long long a, found = 0;
	FILE *f = fopen("/proc/kallsyms", "r");
	char t;

	if (!f)
		return 0;
	while (!found && fgets(line, sizeof(line), f))
		if (sscanf(line, "%llx %c %127s", &a, &t, sym) == 3 &&
		    !strcmp(sym, name) && nth-- == 0)
			found = a;
	fclose(f);
	return found;
}

/*
 * The order of the load's hooks: dump_emit, dump_skip_to, then the writer.
 * The writer redirects every dump into the module, so it goes in last,
 * when the hooks a dump needs are all there and nothing can fail any more
 * (design.rst, "Arming, and failing to load").  Seen by a kprobe event on
 * the module's gcd_hook_register(h), placed before the module is loaded
 * (the kernel arms it when the module comes): h is &gcd_hooks[i], and the
 * array is indexed emit, skip_to, native writer, compat writer.  (ftrace's
 * own ftrace_set_filter_ip() is notrace, and Debian's kernels refuse
 * kprobe events there.)
 */
TEST(the_writer_is_hooked_last)
{
	const char *T = "/sys/kernel/tracing/";
	unsigned long long h[8], hooks;
	char path[128], pid[32], *trace, *l;
	int fd, n = 0;

	snprintf(path, sizeof(path), "%skprobe_events", T);
	fd = open(path, O_WRONLY | O_APPEND);
	if (fd < 0)
		SKIP(return, "no %s: %s", path, strerror(errno));
	if (lab_module_loaded())
		ASSERT_EQ(0, lab_module_unload());
	ASSERT_LT(0, dprintf(fd, "p:gcd_order gocoredump:gcd_hook_register h=%%di:x64\n")) {
		TH_LOG("cannot place a kprobe on gocoredump:gcd_hook_register: %s",
		       strerror(errno));
	}
	close(fd);
	snprintf(path, sizeof(path), "%strace", T);
	close(open(path, O_WRONLY | O_TRUNC));
	snprintf(path, sizeof(path), "%sevents/kprobes/gcd_order/enable", T);
	ASSERT_EQ(0, lab_write_file(path, "1"));
	EXPECT_EQ(0, lab_module_load_only());
	lab_write_file(path, "0");
	snprintf(path, sizeof(path), "%strace", T);
	trace = lab_read_file(path, NULL);
	snprintf(path, sizeof(path), "%skprobe_events", T);
	fd = open(path, O_WRONLY | O_APPEND);
	if (fd >= 0) {
		dprintf(fd, "-:gcd_order\n");
		close(fd);
	}
	ASSERT_NE(NULL, trace);
	/* This task's calls, in order. */
	snprintf(pid, sizeof(pid), "-%d ", getpid());
	for (l = trace; l && *l && n < 8; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL) {
		char *eol = strchr(l, '\n'), *a = strstr(l, " h=0x");

		if (*l == '#' || !strstr(l, pid) || !a || (eol && a > eol))
			continue;
		h[n++] = strtoull(a + 3, NULL, 16);
	}
	free(trace);
	hooks = ksym("gcd_hooks", 0);
	ASSERT_NE(0, hooks);
	/* A fourth, the compat writer, only if a 32-bit program runs. */
	ASSERT_LE(3, n) {
		TH_LOG("%d hooks placed at load, not 3", n);
	}
	EXPECT_EQ(hooks, h[0]);
	EXPECT_TRUE(h[1] > h[0] && h[2] - h[1] == h[1] - h[0]) {
		TH_LOG("hooks placed from %#llx, %#llx, %#llx; gcd_hooks is %#llx",
		       h[0], h[1], h[2], hooks);
	}
}

static pid_t crash_loop(const char *stop)
{
	pid_t pid = fork();

	if (pid)
		return pid;
	while (access(stop, F_OK)) {
		char *argv[] = { "/gcd/bin/ccrash", "segv", NULL };
		struct lab_proc p;

		lab_run(&p, argv, NULL);
		if (p.core[0])
			unlink(p.core);
	}
	_exit(0);
}

static int load_blocker(const char *target)
{
	char params[64];
	int fd = open("/gcd/gcd_blocker.ko", O_RDONLY | O_CLOEXEC), r;

	if (fd < 0)
		return -errno;
	snprintf(params, sizeof(params), "target=%s", target);
	r = (int)syscall(SYS_finit_module, fd, params, 0);
	r = r ? -errno : 0;
	close(fd);
	return r;
}

TEST(load_fails_cleanly_beside_another_ipmodify_user)
{
	static const char *const targets[] = {
		"dump_emit", "dump_skip_to", "elf_core_dump",
	};
	const char *stop = "/tmp/crash-loop.stop";
	char *argv[] = { "/gcd/go/1.22-static/crasher", "panic", NULL };
	pid_t loops[3];
	char why[512] = "";
	struct lab_proc p;
	struct elfcore c;
	unsigned int t, k;
	cpu_set_t all;
	int i, err;

	if (lab_module_loaded())
		ASSERT_EQ(0, lab_module_unload());
	ASSERT_EQ(0, lab_set_core_pattern(LAB_CORES "/core.%p"));
	unlink(stop);
	/* One CPU for the loads and the crash loops (see the top). */
	ASSERT_EQ(0, pin_one_cpu(&all));
	for (k = 0; k < ARRAY_SIZE(loops); k++)
		loops[k] = crash_loop(stop);
	for (t = 0; t < ARRAY_SIZE(targets); t++) {
		err = load_blocker(targets[t]);
		ASSERT_EQ(0, err) {
			TH_LOG("gcd_blocker target=%s: %s", targets[t],
			       strerror(-err));
		}
		for (i = 0; i < 2; i++) {
			err = lab_module_load_only();
			EXPECT_EQ(-EBUSY, err) {
				TH_LOG("%s taken: insmod gave %s", targets[t],
				       strerror(-err));
			}
			if (!err)
				lab_module_unload();
			EXPECT_NE(0, access(LAB_SYSFS, F_OK));
		}
		EXPECT_EQ(0, syscall(SYS_delete_module, "gcd_blocker",
				     O_NONBLOCK)) {
			TH_LOG("rmmod gcd_blocker: %s", strerror(errno));
		}
	}
	close(open(stop, O_WRONLY | O_CREAT, 0644));
	for (k = 0; k < ARRAY_SIZE(loops); k++)
		waitpid(loops[k], NULL, 0);
	unlink(stop);
	sched_setaffinity(0, sizeof(all), &all);
	EXPECT_EQ(0, lab_dmesg_clean(why, sizeof(why))) {
		TH_LOG("%s", why);
	}
	/* And with the blocker gone the module loads and forces. */
	ASSERT_EQ(0, lab_module_load());
	lab_clean_cores();
	ASSERT_EQ(0, lab_run(&p, argv, NULL));
	ASSERT_EQ(0, elfcore_open(&c, p.core));
	EXPECT_EQ(0, lab_check_forced(&c, argv[0], why, sizeof(why))) {
		TH_LOG("%s", why);
	}
	elfcore_close(&c);
}

TEST(kernel_log_is_clean)
{
	char why[512] = "";

	EXPECT_EQ(0, lab_dmesg_clean(why, sizeof(why))) {
		TH_LOG("%s", why);
	}
}

TEST_HARNESS_MAIN
