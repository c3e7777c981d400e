// SPDX-License-Identifier: GPL-2.0
/*
 * test_unload.c - unloading gocoredump.ko is safe.
 *
 *  - 50 load/unload cycles with a Go crash in each, every core forced;
 *  - rmmod while a dump is in flight (held by a pipe helper that does not
 *    read yet) is refused, the dump then completes whole, and rmmod works;
 *  - a build that cannot find a hook target is refused, with one line
 *    naming it, and leaves nothing behind;
 *  - the kernel log shows no oops, WARN or BUG.
 *
 * Runs last in the suite: it leaves the module loaded as it found it.
 */
#include <errno.h>
#include <fcntl.h>
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

TEST(fifty_load_unload_cycles_with_crashes)
{
	int i;

	if (lab_module_loaded())
		ASSERT_EQ(0, lab_module_unload());
	ASSERT_EQ(0, lab_set_core_pattern(LAB_CORES "/core.%p"));
	for (i = 0; i < 50; i++) {
		const char *exe = go_programs[i % 5];
		char *argv[] = { (char *)exe, "panic", NULL };
		char why[512] = "";
		struct lab_proc p;
		struct elfcore c;
		int err;

		err = lab_module_load();
		ASSERT_EQ(0, err) {
			TH_LOG("cycle %d: insmod: %s", i, strerror(-err));
		}
		lab_clean_cores();
		ASSERT_EQ(0, lab_run(&p, argv, NULL));
		ASSERT_NE(0, p.core[0]);
		ASSERT_EQ(0, elfcore_open(&c, p.core));
		EXPECT_EQ(0, lab_check_forced(&c, exe, why, sizeof(why))) {
			TH_LOG("cycle %d, %s: %s", i, exe, why);
		}
		elfcore_close(&c);
		err = lab_module_unload();
		ASSERT_EQ(0, err) {
			TH_LOG("cycle %d: rmmod: %s", i, strerror(-err));
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
 * The lab's twin of the module looks for its native hook target in a
 * binfmt no kernel has (GCD_NATIVE_BINFMT, scripts/lab.sh): loading it must
 * fail with ENOENT and one line in the kernel log naming the target, and
 * leave nothing behind: no sysfs directory, no hook (a C program's core
 * is then the stock one, without the note).
 */
TEST(missing_hook_target_refuses_load)
{
	static const char want[] =
		"gocoredump: cannot load: hook target elf_core_dump (native, via gcd_no_such_binfmt) not found in this kernel";
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

TEST(kernel_log_is_clean)
{
	char why[512] = "";

	EXPECT_EQ(0, lab_dmesg_clean(why, sizeof(why))) {
		TH_LOG("%s", why);
	}
}

TEST_HARNESS_MAIN
