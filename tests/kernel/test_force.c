// SPDX-License-Identifier: GPL-2.0
/*
 * test_force.c - Go text and rodata are in every core, byte for byte.
 *
 * For each Go program of the lab (Go 1.19, 1.22, 1.23, 1.24, 1.27; static,
 * PIE, cgo and GOARCH=386 for the compat writer), crash it under
 * coredump_filter 0x33 and 0x00 and check that every text and rodata
 * mapping of the executable is in the core in full, holding the bytes of
 * the file at the mapping's offset (RELRO, which the loader relocated,
 * excepted).  Then show that the check can fail: with the module disabled
 * those segments are not there.  And MADV_DONTDUMP wins over forcing.
 *
 * Needs: the module loaded, core_pattern LAB_CORES/core.%p (the suite sets
 * both).  Cores of the 0x33 crash are exported to /out/cores/ for the
 * host's gdb, readelf, eu-readelf and dlv checks (tests/kernel/after-vm.sh).
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>

#include "kselftest_harness.h"
#include "lab.h"

FIXTURE(go) {
	char path[256];
	char name[64];
};

FIXTURE_VARIANT(go) {
	const char *name;
};

#define GO_VARIANT(id, str) \
	FIXTURE_VARIANT_ADD(go, id) { .name = str };
LAB_GO_PROGRAMS(GO_VARIANT)

FIXTURE_SETUP(go)
{
	snprintf(self->name, sizeof(self->name), "%s", variant->name);
	snprintf(self->path, sizeof(self->path), "/gcd/go/%s/crasher",
		 variant->name);
	ASSERT_EQ(0, access(self->path, X_OK)) {
		TH_LOG("the lab did not build %s", self->path);
	}
	ASSERT_TRUE(lab_module_loaded());
	lab_knobs_default();
	lab_clean_cores();
}

FIXTURE_TEARDOWN(go)
{
	lab_knobs_default();
	lab_clean_cores();
}

/* Crash the program in `mode` under `filter`; open its core. */
static int crash(struct __test_metadata *_metadata, const char *path,
		 const char *mode, unsigned int filter, struct lab_proc *p,
		 struct elfcore *c)
{
	char *argv[] = { (char *)path, (char *)mode, NULL };
	struct lab_run_opts o = { .filter = filter, .filter_set = 1 };

	if (LAB_CRASH(p, argv, &o, c))
		return -1;
	EXPECT_EQ(0, c->truncated) {
		TH_LOG("%s: %s", p->core, c->problem);
	}
	return 0;
}

static void export_core(const char *core, const char *name)
{
	struct utsname u;
	char dir[256], dst[512];

	uname(&u);
	snprintf(dir, sizeof(dir), "/out/cores");
	mkdir(dir, 0755);
	snprintf(dir, sizeof(dir), "/out/cores/%s", u.release);
	mkdir(dir, 0755);
	snprintf(dst, sizeof(dst), "%s/%s.core", dir, name);
	lab_sparse_copy(core, dst);
}

static void check_forced(struct __test_metadata *_metadata,
			 FIXTURE_DATA(go) *self, unsigned int filter)
{
	struct lab_proc p;
	struct elfcore c;
	char why[512] = "";

	if (crash(_metadata, self->path, "panic", filter, &p, &c))
		return;
	EXPECT_EQ(0, lab_check_forced(&c, self->path, why, sizeof(why))) {
		TH_LOG("%s, filter %#x: %s", self->name, filter, why);
	}
	elfcore_close(&c);
	if (filter == 0x33)
		export_core(p.core, self->name);
}

TEST_F(go, forced_filter_0x33)
{
	long long seen = lab_counter("dumps_seen");
	long long go = lab_counter("dumps_go");

	check_forced(_metadata, self, 0x33);
	EXPECT_EQ(seen + 1, lab_counter("dumps_seen"));
	EXPECT_EQ(go + 1, lab_counter("dumps_go"));
}

TEST_F(go, forced_filter_0x00)
{
	check_forced(_metadata, self, 0x00);
}

/*
 * The same check on a core the module did not touch must fail: this is
 * what proves check_forced() can see a missing segment.
 */
TEST_F(go, stock_core_lacks_text_and_rodata)
{
	struct lab_proc p;
	struct elfcore c;
	char why[512] = "";
	struct lab_mapping m[64];
	int n, i, text = 0, ro = 0;

	ASSERT_EQ(0, lab_knob_write("enabled", "0"));
	if (crash(_metadata, self->path, "panic", 0x33, &p, &c))
		return;
	EXPECT_EQ(-1, lab_check_forced(&c, self->path, why, sizeof(why)));
	TH_LOG("without the module: %s", why);
	/*
	 * Text and rodata are cut short (the kernel keeps at most the first
	 * page, for the ELF header); only rodata the loader wrote to (RELRO)
	 * is whole.
	 */
	n = lab_file_mappings(&c, self->path, m, 64);
	for (i = 0; i < n; i++) {
		const struct elfcore_seg *s = m[i].seg;

		if (!s || (s->flags & PF_W))
			continue;
		if (s->filesz < s->memsz && s->filesz <= 4096) {
			if (s->flags & PF_X)
				text++;
			else
				ro++;
		}
	}
	EXPECT_LT(0, text) {
		TH_LOG("no text mapping of %s is cut short", self->path);
	}
	EXPECT_LT(0, ro) {
		TH_LOG("no rodata mapping of %s is cut short", self->path);
	}
	elfcore_close(&c);
}

/* MADV_DONTDUMP wins: an anonymous region and a page of rodata stay out. */
TEST_F(go, madv_dontdump_wins)
{
	struct lab_proc p;
	struct elfcore c;
	const struct elfcore_seg *s;
	char buf[64];
	unsigned long long anon = 0, ro = 0;
	char *argv[] = { self->path, "dontdump", NULL };
	struct lab_run_opts o = { 0 };
	size_t i;
	int forced_ro = 0;

	ASSERT_EQ(0, lab_run(&p, argv, &o));
	ASSERT_NE(0, p.core[0]);
	ASSERT_NE(NULL, lab_out_value(&p, "dontdump_anon", buf, sizeof(buf)));
	anon = strtoull(buf, NULL, 0);
	ASSERT_NE(NULL, lab_out_value(&p, "dontdump_rodata", buf,
				      sizeof(buf)));
	ro = strtoull(buf, NULL, 0);
	ASSERT_EQ(0, elfcore_open(&c, p.core));

	s = elfcore_seg_at(&c, anon);
	ASSERT_NE(NULL, s);
	EXPECT_EQ(0, s->filesz) {
		TH_LOG("MADV_DONTDUMP anonymous region %#llx is in the core",
		       anon);
	}
	s = elfcore_seg_at(&c, ro);
	ASSERT_NE(NULL, s);
	EXPECT_EQ(0, s->filesz) {
		TH_LOG("MADV_DONTDUMP rodata page %#llx was forced into the core",
		       ro);
	}
	/* ... while the rest of rodata was forced. */
	for (i = 0; i < c.nsegs; i++) {
		const struct elfcore_seg *x = &c.segs[i];

		if (!(x->flags & (PF_X | PF_W)) && (x->flags & PF_R) && x->vaddr != s->vaddr &&
		    x->filesz && x->filesz == x->memsz)
			forced_ro++;
	}
	EXPECT_LT(0, forced_ro);
	elfcore_close(&c);
}

/* A signal from outside (SIGABRT sent by the test), not a panic. */
TEST_F(go, forced_on_sigabrt)
{
	struct lab_proc p;
	struct elfcore c;
	char why[512] = "";
	char *argv[] = { self->path, "abort", NULL };
	struct lab_run_opts o = { .signal_after_ready = SIGABRT };

	ASSERT_EQ(0, lab_run(&p, argv, &o));
	ASSERT_NE(0, p.core[0]);
	ASSERT_EQ(0, elfcore_open(&c, p.core)) {
		TH_LOG("%s", c.problem);
	}
	EXPECT_EQ(0, lab_check_forced(&c, self->path, why, sizeof(why))) {
		TH_LOG("%s: %s", self->name, why);
	}
	elfcore_close(&c);
}

TEST_HARNESS_MAIN
