// SPDX-License-Identifier: GPL-2.0
/*
 * test_gocap.c - unit tests of gocap's readers on inputs built by hand,
 * where every expected value is known: a synthetic Go 1.20 pclntab (lookup,
 * file:line, pcsp, bounds), x86-64 instructions with and without RIP-
 * relative operands, the memory overlay of core and executable, the
 * per-release tables, the note's compatibility rule (records longer
 * and shorter than the decoder knows), and the context lines of throws
 * recovered from the runtime's print backlog.  Real cores are the
 * business of host.sh.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kselftest_harness.h"
#include "core/gcdnote.h"
#include "core/json.h"
#include "core/procmem.h"
#include "core/x86dec.h"
#include "go/gobacklog.h"
#include "go/goheap.h"
#include "go/golayout.h"
#include "go/golayout_table.h"
#include "go/gomark_int.h"
#include "go/goproc.h"
#include "go/goroutines.h"
#include "go/govers.h"
#include "go/pclntab.h"

#define TEXT 0x401000ull

static void put32(uint8_t *p, uint32_t v)
{
	memcpy(p, &v, 4);
}

static void put64(uint8_t *p, uint64_t v)
{
	memcpy(p, &v, 8);
}

/*
 * Two functions: main.a at TEXT (32 bytes, frame 8 after its first 4
 * bytes, a.go lines 10, then 11 from +16, then 9 from +24: a negative
 * delta) and main.b at TEXT+32 (32 bytes, b.go line 20).  Go 1.20 layout.
 */
static size_t build_pclntab(uint8_t *t)
{
	static const char names[] = "\0main.a\0main.b";
	static const char files[] = "a.go\0b.go";
	static const uint8_t pctab[] = {
		0,
		2, 4, 16, 28, 0,	/* 1: pcsp a: 0 until +4, 8 until +32 */
		2, 32, 0,		/* 6: pcfile 0 */
		22, 16, 2, 8, 3, 8, 0,	/* 9: pcln 10, 11 from +16, 9 from +24 */
		4, 32, 0,		/* 16: pcfile 1 */
		42, 32, 0,		/* 19: pcln 20 */
		2, 32, 0,		/* 22: pcsp b: 0 */
	};
	size_t fn = 72, cu, ft, pc, ln, o;
	uint8_t *f;

	memset(t, 0, 1024);
	put32(t, PCLN_MAGIC_120);
	t[6] = 1;
	t[7] = 8;
	put64(t + 8, 2);	/* nfunc */
	put64(t + 16, 2);	/* nfiles */
	memcpy(t + fn, names, sizeof(names));
	cu = fn + sizeof(names);
	put32(t + cu, 0);
	put32(t + cu + 4, 5);
	ft = cu + 8;
	memcpy(t + ft, files, sizeof(files));
	pc = ft + sizeof(files);
	memcpy(t + pc, pctab, sizeof(pctab));
	ln = (pc + sizeof(pctab) + 7) & ~7ul;
	put64(t + 32, fn);
	put64(t + 40, cu);
	put64(t + 48, ft);
	put64(t + 56, pc);
	put64(t + 64, ln);
	/* functab: {0, fa}, {32, fb}, {64, end} */
	o = 24;
	put32(t + ln, 0);
	put32(t + ln + 4, (uint32_t)o);
	put32(t + ln + 8, 32);
	put32(t + ln + 12, (uint32_t)(o + 44));
	put32(t + ln + 16, 64);
	f = t + ln + o;		/* main.a */
	put32(f, 0);
	put32(f + 4, 1);
	put32(f + 16, 1);	/* pcsp */
	put32(f + 20, 6);	/* pcfile */
	put32(f + 24, 9);	/* pcln */
	f += 44;		/* main.b */
	put32(f, 32);
	put32(f + 4, 8);
	put32(f + 16, 22);
	put32(f + 20, 16);
	put32(f + 24, 19);
	return ln + o + 88;
}

TEST(pclntab_lookups)
{
	uint8_t buf[1024];
	size_t n = build_pclntab(buf);
	struct pclntab t;
	struct pcfunc f;
	const char *file;
	int32_t line, sp;
	char err[256];

	ASSERT_EQ(0, pclntab_init(&t, buf, n, TEXT, err, sizeof(err)))
		TH_LOG("%s", err);
	ASSERT_EQ(PCLN_VER_120, t.ver);
	ASSERT_EQ(0, pclntab_func_at(&t, TEXT + 5, &f));
	EXPECT_STREQ("main.a", pclntab_funcname(&t, &f));
	EXPECT_EQ(TEXT, f.entry);
	EXPECT_EQ(TEXT + 32, f.end);
	ASSERT_EQ(0, pclntab_spdelta(&t, &f, TEXT + 2, &sp));
	EXPECT_EQ(0, sp);
	ASSERT_EQ(0, pclntab_spdelta(&t, &f, TEXT + 10, &sp));
	EXPECT_EQ(8, sp);
	ASSERT_EQ(0, pclntab_fileline(&t, &f, TEXT + 15, &file, &line));
	EXPECT_STREQ("a.go", file);
	EXPECT_EQ(10, line);
	ASSERT_EQ(0, pclntab_fileline(&t, &f, TEXT + 16, &file, &line));
	EXPECT_EQ(11, line);
	ASSERT_EQ(0, pclntab_fileline(&t, &f, TEXT + 31, &file, &line));
	EXPECT_EQ(9, line);
	ASSERT_EQ(0, pclntab_func_at(&t, TEXT + 63, &f));
	EXPECT_STREQ("main.b", pclntab_funcname(&t, &f));
	ASSERT_EQ(0, pclntab_fileline(&t, &f, TEXT + 40, &file, &line));
	EXPECT_STREQ("b.go", file);
	EXPECT_EQ(20, line);
	/* Outside the table. */
	EXPECT_EQ(-1, pclntab_func_at(&t, TEXT + 64, &f));
	EXPECT_EQ(-1, pclntab_func_at(&t, TEXT - 1, &f));
	/* By name. */
	ASSERT_EQ(0, pclntab_func_by_name(&t, "main.b", &f));
	EXPECT_EQ(TEXT + 32, f.entry);
	EXPECT_EQ(-1, pclntab_func_by_name(&t, "main.c", &f));
	/* No pcdata/funcdata in these functions. */
	EXPECT_EQ(-1, pclntab_pcdata(&t, &f, PCDATA_InlTreeIndex, TEXT + 40));
}

TEST(pclntab_refuses_bad_tables)
{
	uint8_t buf[1024];
	size_t n = build_pclntab(buf);
	struct pclntab t;
	struct pcfunc f;
	char err[256];

	/* Cut short: the function table no longer fits. */
	EXPECT_EQ(-1, pclntab_init(&t, buf, 100, TEXT, err, sizeof(err)));
	/* Go 1.16's magic is refused with a message naming it. */
	put32(buf, 0xfffffffa);
	EXPECT_EQ(-1, pclntab_init(&t, buf, n, TEXT, err, sizeof(err)));
	EXPECT_NE(NULL, strstr(err, "0xfffffffa"));
	put32(buf, PCLN_MAGIC_120);
	/* Sub-tables out of order. */
	put64(buf + 40, 2000);
	EXPECT_EQ(-1, pclntab_init(&t, buf, n, TEXT, err, sizeof(err)));
	n = build_pclntab(buf);
	/* A _func whose entry disagrees with the function table. */
	ASSERT_EQ(0, pclntab_init(&t, buf, n, TEXT, err, sizeof(err)));
	put32((uint8_t *)t.data + t.pcln_off + 24, 7);
	EXPECT_EQ(-1, pclntab_func_at(&t, TEXT + 5, &f));
	/* A pcln offset past the table yields no line, not a stray read. */
	n = build_pclntab(buf);
	ASSERT_EQ(0, pclntab_init(&t, buf, n, TEXT, err, sizeof(err)));
	ASSERT_EQ(0, pclntab_func_at(&t, TEXT + 5, &f));
	f.pcln = 100000;
	{
		const char *file;
		int32_t line;

		EXPECT_EQ(-1, pclntab_fileline(&t, &f, TEXT + 5, &file, &line));
		EXPECT_STREQ("?", file);
	}
}

struct insn_case {
	const char *name;
	uint8_t b[16];
	size_t n;
	int len, disp_off;
	int32_t disp;
};

TEST(x86_lengths_and_rip_operands)
{
	static const struct insn_case c[] = {
		{ "mov rax,[rip+0x10]", { 0x48, 0x8b, 0x05, 0x10, 0, 0, 0 }, 7, 7, 3, 0x10 },
		{ "lea rcx,[rip-0x10]", { 0x48, 0x8d, 0x0d, 0xf0, 0xff, 0xff, 0xff }, 7, 7, 3, -16 },
		{ "mov qword [rip+8],0x1", { 0x48, 0xc7, 0x05, 8, 0, 0, 0, 1, 0, 0, 0 }, 11, 11, 3, 8 },
		{ "cmp byte [rip+4],0x0", { 0x80, 0x3d, 4, 0, 0, 0, 0 }, 7, 7, 2, 4 },
		{ "ret", { 0xc3 }, 1, 1, -1, 0 },
		{ "call rel32", { 0xe8, 0, 0, 0, 0 }, 5, 5, -1, 0 },
		{ "mov [rsp+8],rax", { 0x48, 0x89, 0x44, 0x24, 0x08 }, 5, 5, -1, 0 },
		{ "nopw 0x0(rax,rax,1)", { 0x66, 0x0f, 0x1f, 0x44, 0, 0 }, 6, 6, -1, 0 },
		{ "ud2", { 0x0f, 0x0b }, 2, 2, -1, 0 },
		{ "movabs rax,imm64", { 0x48, 0xb8, 1, 2, 3, 4, 5, 6, 7, 8 }, 10, 10, -1, 0 },
		{ "vmovdqu ymm0,[rsi]", { 0xc5, 0xfe, 0x6f, 0x06 }, 4, 4, -1, 0 },
		{ "vmovups zmm0,[rsi]", { 0x62, 0xf1, 0x7c, 0x48, 0x10, 0x06 }, 6, 6, -1, 0 },
		{ "xchg [rcx],rbx", { 0x48, 0x87, 0x19 }, 3, 3, -1, 0 },
		{ "lock cmpxchg [rip+0],ecx", { 0xf0, 0x0f, 0xb1, 0x0d, 0, 0, 0, 0 }, 8, 8, 4, 0 },
		{ "cut short", { 0x48, 0x8b, 0x05, 0x10 }, 4, 0, -1, 0 },
		{ "push es (invalid in 64-bit)", { 0x06 }, 1, 0, -1, 0 },
	};
	size_t i;

	for (i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		struct x86_insn in;
		int n = x86_decode(c[i].b, c[i].n, &in);

		EXPECT_EQ(c[i].len, n) TH_LOG("%s", c[i].name);
		if (n <= 0)
			continue;
		EXPECT_EQ(c[i].disp_off, in.disp_off) TH_LOG("%s", c[i].name);
		if (c[i].disp_off >= 0) {
			EXPECT_EQ(c[i].disp, in.disp) TH_LOG("%s", c[i].name);
			EXPECT_EQ(0x1000 + c[i].len + (int64_t)c[i].disp,
				  (int64_t)x86_rip_target(&in, 0x1000));
		}
	}
}

TEST(memory_overlay)
{
	static uint8_t core[0x1000], exe[0x1800];
	struct procmem m;
	uint8_t b[16];
	uint64_t v;

	memset(core, 0xc0, sizeof(core));
	memset(exe, 0xe0, sizeof(exe));
	procmem_init(&m);
	ASSERT_EQ(0, procmem_add(&m, 0x1000, core, sizeof(core), PF_R));
	/* The executable fills only what the core lacks. */
	ASSERT_EQ(0, procmem_add(&m, 0x1800, exe, sizeof(exe),
			       PF_R | PROCMEM_FROM_EXE));
	ASSERT_EQ(0, procmem_read(&m, 0x1ff8, b, 16));
	EXPECT_EQ(0xc0, b[0]);
	EXPECT_EQ(0xc0, b[7]);
	EXPECT_EQ(0xe0, b[8]);
	EXPECT_EQ(0xe0, b[15]);
	EXPECT_EQ(1, procmem_known(&m, 0x1000, 0x2000));
	EXPECT_EQ(0, procmem_known(&m, 0x1000, 0x2001));
	EXPECT_EQ(-1, procmem_u64(&m, 0x2ffc, &v));	/* runs off the end */
	EXPECT_EQ(-1, procmem_u64(&m, 0x800, &v));
	EXPECT_EQ(NULL, procmem_ptr(&m, 0x1ff8, 16));	/* not contiguous */
	procmem_free(&m);
}

/* goproc_allgs_cut: the runs of a cut allgs are skipped whole, and
 * an entry half in the core counts as cut. */
TEST(allgs_cut_runs)
{
	static uint8_t a[0x40], b[4], c[0x14];
	static struct goproc p;

	procmem_init(&p.mem);
	ASSERT_EQ(0, procmem_add(&p.mem, 0x10000, a, sizeof(a), PF_R));
	ASSERT_EQ(0, procmem_add(&p.mem, 0x10100, b, sizeof(b), PF_R));
	ASSERT_EQ(0, procmem_add(&p.mem, 0x10204, c, sizeof(c), PF_R));
	EXPECT_EQ(0x10100, procmem_known_from(&p.mem, 0x10040));
	EXPECT_EQ(0x10102, procmem_known_from(&p.mem, 0x10102));
	EXPECT_EQ(UINT64_MAX, procmem_known_from(&p.mem, 0x10218));
	p.allgs = 0x10000;
	p.allglen = 80;
	EXPECT_EQ(0, goproc_allgs_cut(&p, 0));
	EXPECT_EQ(0, goproc_allgs_cut(&p, 7));
	EXPECT_EQ(24, goproc_allgs_cut(&p, 8));	/* 8..31 */
	EXPECT_EQ(1, goproc_allgs_cut(&p, 31));
	EXPECT_EQ(33, goproc_allgs_cut(&p, 32));	/* 32 is half there */
	EXPECT_EQ(1, goproc_allgs_cut(&p, 64));	/* its end is there */
	EXPECT_EQ(0, goproc_allgs_cut(&p, 65));
	EXPECT_EQ(0, goproc_allgs_cut(&p, 66));
	EXPECT_EQ(13, goproc_allgs_cut(&p, 67));	/* to the end */
	EXPECT_EQ(0, goproc_allgs_cut(&p, 80));	/* past allglen */
	p.allglen = 40;
	EXPECT_EQ(8, goproc_allgs_cut(&p, 32));	/* never past allglen */
	p.allgs = UINT64_MAX - 15;
	p.allglen = 4;
	EXPECT_EQ(4, goproc_allgs_cut(&p, 0));
	EXPECT_EQ(2, goproc_allgs_cut(&p, 2));	/* wraps: it and the rest */
	/* a corrupt allgs at the top with 14 million entries (a fuzzer's
	 * find: one entry at a time, the walks took a minute) */
	p.allgs = UINT64_MAX;
	p.allglen = 14246144;
	EXPECT_EQ(14246144, goproc_allgs_cut(&p, 0));	/* crosses the top */
	EXPECT_EQ(14246143, goproc_allgs_cut(&p, 1));
	procmem_free(&p.mem);
}

/* gotype_find: a descriptor found by its name in the types section, of
 * the kind asked for, whose string is the name itself (after the star
 * ExtraStar strips), and with a package path asked for, a struct of that
 * package (two packages of one name share the string); the same bytes
 * inside another name, a descriptor of another kind or package or
 * without ExtraStar, or a section not in the core: 0. */
TEST(type_found_by_name)
{
	static const char star[] = "*sync.entry[int,int]";
	static uint8_t sec[4096];
	static struct goproc p;
	uint64_t types = 0x100000;
	size_t n = strlen(star);

	memset(sec, 0, sizeof(sec));
	/* "x*sync.entry[int,int]" at 100: the same bytes, another name */
	sec[100] = 1;
	sec[101] = (uint8_t)(n + 1);
	sec[102] = 'x';
	memcpy(sec + 103, star, n);
	/* the name at 300 */
	sec[300] = 1;
	sec[301] = (uint8_t)n;
	memcpy(sec + 302, star, n);
	/* a descriptor of that name at 1024, of kind pointer (22) */
	sec[1024 + 20] = 0x2;
	sec[1024 + 23] = 22;
	put32(sec + 1024 + 40, 300);
	/* at 1536, a struct (25) whose tflag lacks ExtraStar */
	sec[1536 + 23] = 25;
	put32(sec + 1536 + 40, 300);
	/* at 2048, one naming the other name */
	sec[2048 + 20] = 0x2;
	sec[2048 + 23] = 25;
	put32(sec + 2048 + 40, 100);
	/* at 3072, the struct */
	sec[3072 + 20] = 0x2;
	sec[3072 + 23] = 25;
	put32(sec + 3072 + 40, 300);

	procmem_init(&p.mem);
	ASSERT_EQ(0, procmem_add(&p.mem, types, sec, sizeof(sec), PF_R));
	p.layout.type_kind = 23;
	p.layout.type_tflag = 20;
	p.layout.type_str = 40;
	p.md.types = types;
	p.md.etypes = types + sizeof(sec);
	EXPECT_EQ(types + 3072, gotype_find(&p, "sync.entry[int,int]", 25, NULL));
	EXPECT_EQ(types + 1024, gotype_find(&p, "sync.entry[int,int]", 22, NULL));
	EXPECT_EQ(0, gotype_find(&p, "sync.entry[int,int", 25, NULL));
	EXPECT_EQ(0, gotype_find(&p, "sync.entry[int,int]", 17, NULL));
	/* two packages of one name: the struct at 3072 of package path
	 * "my/sync", at 3584 one of "sync" (PkgPath at 48, its bytes after
	 * a flags byte and the length) */
	memcpy(sec + 400, "\0\7my/sync", 9);
	memcpy(sec + 420, "\0\4sync", 6);
	put64(sec + 3072 + 48, types + 400);
	sec[3584 + 20] = 0x2;
	sec[3584 + 23] = 25;
	put32(sec + 3584 + 40, 300);
	put64(sec + 3584 + 48, types + 420);
	EXPECT_EQ(types + 3072, gotype_find(&p, "sync.entry[int,int]", 25, NULL));
	EXPECT_EQ(types + 3584, gotype_find(&p, "sync.entry[int,int]", 25, "sync"));
	EXPECT_EQ(types + 3072, gotype_find(&p, "sync.entry[int,int]", 25, "my/sync"));
	EXPECT_EQ(0, gotype_find(&p, "sync.entry[int,int]", 25, "syn"));
	EXPECT_EQ(0, gotype_find(&p, "sync.entry[int,int]", 22, "sync"));
	memset(sec + 3584, 0, 64);
	/* ExtraStar cleared: the name is "*sync.entry[int,int]" */
	sec[3072 + 20] = 0;
	EXPECT_EQ(types + 1536, gotype_find(&p, "*sync.entry[int,int]", 25, NULL));
	EXPECT_EQ(0, gotype_find(&p, "sync.entry[int,int]", 25, NULL));
	/* a types section the core does not hold whole */
	sec[3072 + 20] = 0x2;
	p.md.etypes = types + sizeof(sec) + 8;
	EXPECT_EQ(0, gotype_find(&p, "sync.entry[int,int]", 25, NULL));
	procmem_free(&p.mem);
}

/* small_bits64: each word's pointer bit of each object of a one-page
 * span (heap bits at its end, Go 1.22 on), read in place from the span's
 * bytes and copied from the core, the same as one bit at a time. */
TEST(small_bits_every_object)
{
	/* (488 and 504 are no class's: bits across 9 bytes) */
	static const uint64_t sizes[] = { 8, 16, 24, 48, 80, 112, 208, 488,
					  504, 512 };
	static uint8_t span[8192];
	static struct goproc p;
	struct gomark m = { 0 };
	uint64_t seed = 88172645463325252ull, hb = 8192 - 8192 / 64;
	size_t i, k, w, copy;

	for (i = 0; i < sizeof(span); i++) {
		seed ^= seed << 13;
		seed ^= seed >> 7;
		seed ^= seed << 17;
		span[i] = (uint8_t)seed;
	}
	procmem_init(&p.mem);
	ASSERT_EQ(0, procmem_add(&p.mem, 0x40000, span, sizeof(span), PF_R));
	m.p = &p;
	m.minor = 22;
	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++)
		for (copy = 0; copy < 2; copy++) {
			struct mspan_ix s = {
				.start = 0x40000, .limit = 0x42000,
				.size = sizes[i], .cls = 1,
				.nelems = hb / sizes[i], .inline_marks = -1,
				.data = copy ? NULL : span,
			};

			for (k = 0; k < s.nelems; k++) {
				uint64_t w0 = k * sizes[i] / 8, want = 0, got;

				for (w = 0; w < sizes[i] / 8; w++)
					if ((span[hb + (w0 + w) / 8] >>
					     ((w0 + w) % 8)) & 1)
						want |= 1ull << w;
				got = ~want;
				ASSERT_EQ(0, small_bits64(&m, &s, s.start +
							  k * sizes[i], &got));
				ASSERT_EQ(want, got) {
					TH_LOG("size %llu object %zu %s",
					       (unsigned long long)sizes[i], k,
					       copy ? "copied" : "in place");
				}
			}
		}
	procmem_free(&p.mem);
}

/*
 * An object's index in its span by a multiply (span_divmul): for every size
 * class on spans of 1 to 10 pages (the runtime's have at most 10), taken,
 * and equal to the division at every offset; for random sizes and spans
 * (some over 4 GiB, where it divides), equal to the division.
 */
TEST(span_index_divides)
{
	uint64_t seed = 2463534242ull, off, n, r;
	unsigned int cls, pages, i, j;

	for (cls = 1; cls < 68; cls++)
		for (pages = 1; pages <= 10; pages++) {
			struct mspan_ix s = {
				.start = 0xc000000000ull,
				.size = goheap_class_size(cls),
			};

			n = pages * 8192ull;
			s.limit = s.start + n;
			if (!s.size || s.size > n)
				continue;
			s.divmul = span_divmul(&s);
			ASSERT_NE(0, s.divmul) {
				TH_LOG("size %llu on %u pages: divides",
				       (unsigned long long)s.size, pages);
			}
			for (off = 0; off < n; off++)
				if (span_index(&s, s.start + off) != off / s.size)
					break;
			ASSERT_EQ(n, off) {
				TH_LOG("size %llu on %u pages: offset %llu",
				       (unsigned long long)s.size, pages,
				       (unsigned long long)off);
			}
		}
	for (i = 0; i < 20000; i++) {
		struct mspan_ix s = { .start = 0x7f0000000000ull };

		seed ^= seed << 13;
		seed ^= seed >> 7;
		seed ^= seed << 17;
		n = 1 + seed % (1ull << (i % 2 ? 22 : 33));
		s.size = 2 + (seed >> 33) % n;
		s.limit = s.start + n;
		s.divmul = span_divmul(&s);
		for (j = 0; j < 64; j++) {
			r = seed * 0x9e3779b97f4a7c15ull + j;
			off = j < 4 ? (uint64_t[]){ 0, s.size - 1, s.size,
						    n - 1 }[j] : r % n;
			if (off >= n)
				continue;
			ASSERT_EQ(off / s.size, span_index(&s, s.start + off)) {
				TH_LOG("size %llu, span %llu, offset %llu, "
				       "multiplier %llu",
				       (unsigned long long)s.size,
				       (unsigned long long)n,
				       (unsigned long long)off,
				       (unsigned long long)s.divmul);
			}
		}
	}
}

/* One array element written whole, and streamed (its last member's
 * array value by value): the same bytes, for an object with members and
 * for an empty one. */
static char *streamed(int whole, int members, size_t nframes)
{
	struct js_stream js = { 0 };
	char *buf = NULL;
	size_t len = 0, i;
	FILE *f = open_memstream(&buf, &len);
	json_t *o = json_object(), *a = json_array();

	if (members) {
		json_object_set_new(o, "goid", json_integer(7));
		json_object_set_new(o, "state", json_string("chan \"receive\""));
	}
	js_begin_array(&js, f, "goroutines");
	for (i = 0; i < nframes; i++) {
		json_t *fr = json_object();

		json_object_set_new(fr, "pc", json_integer((json_int_t)i));
		json_object_set_new(fr, "args", json_string("0x1, ..."));
		if (whole)
			json_array_append_new(a, fr);
		else
			json_decref(fr);
	}
	if (whole) {
		json_object_set_new(o, "frames", a);
		js_element(&js, o);
	} else {
		json_decref(a);
		js_element_begin(&js, o, "frames");
		for (i = 0; i < nframes; i++) {
			json_t *fr = json_object();

			json_object_set_new(fr, "pc", json_integer((json_int_t)i));
			json_object_set_new(fr, "args", json_string("0x1, ..."));
			js_inner(&js, fr);
		}
		js_element_end(&js);
	}
	js_end_array(&js);
	fclose(f);
	return buf;
}

TEST(json_element_streamed)
{
	int members;
	size_t n;

	for (members = 0; members <= 1; members++)
		for (n = 0; n <= 3; n += 3) {
			char *a = streamed(1, members, n);
			char *b = streamed(0, members, n);

			ASSERT_NE(NULL, a);
			ASSERT_NE(NULL, b);
			EXPECT_STREQ(a, b);
			free(a);
			free(b);
		}
}

TEST(release_tables)
{
	struct golayout l;
	struct govers v;
	char err[256];

	ASSERT_EQ(0, govers_lookup("go1.19.8", &v, err, sizeof(err)));
	EXPECT_STREQ("semacquire", govers_waitreason(&v, 18));
	EXPECT_STREQ("unknown wait reason", govers_waitreason(&v, 200));
	EXPECT_EQ(0, (int)v.created_in_goroutine);
	ASSERT_EQ(0, govers_lookup("go1.27.4", &v, err, sizeof(err)));
	EXPECT_EQ(1, (int)v.created_in_goroutine);
	EXPECT_STREQ("leaked", govers_status(&v, G_LEAKED));
	EXPECT_STREQ("???", govers_status(&v, 40));
	/* Go 1.20: from real executables, not a toolchain (govers.c). */
	ASSERT_EQ(0, govers_lookup("go1.20.14", &v, err, sizeof(err)));
	EXPECT_EQ(1, (int)v.pclntab_120);
	EXPECT_EQ(0, (int)v.created_in_goroutine);
	EXPECT_EQ(0, (int)v.unwinder);
	EXPECT_STREQ("sync.Mutex.Lock", govers_waitreason(&v, 21));
	EXPECT_EQ(-1, govers_lookup("go1.18.10", &v, err, sizeof(err)));
	EXPECT_NE(NULL, strstr(err, "go1.18.10"));
	EXPECT_EQ(-1, govers_lookup("devel go1.28-abcdef", &v, err,
				    sizeof(err)));

	ASSERT_EQ(0, golayout_from_table("go1.22.12", &l, err, sizeof(err)));
	EXPECT_EQ(NULL, golayout_missing(&l));
	EXPECT_NE(GOLAYOUT_NONE, l.g_parentgoid);
	ASSERT_EQ(0, golayout_from_table("go1.19.8", &l, err, sizeof(err)));
	EXPECT_EQ(GOLAYOUT_NONE, l.g_parentgoid);	/* added in 1.21 */
	ASSERT_EQ(0, golayout_from_table("go1.20.7", &l, err, sizeof(err)));
	EXPECT_EQ(GOLAYOUT_NONE, l.g_parentgoid);
	EXPECT_EQ(560u, l.md_next);	/* neither 1.19's nor 1.21's */
	EXPECT_EQ(-1, golayout_from_table("go1.18.10", &l, err, sizeof(err)));
	EXPECT_NE(NULL, strstr(err, govers_list()));
	EXPECT_EQ(-1, govers_lookup("go1.28.1", &v, err, sizeof(err)));
	EXPECT_NE(NULL, strstr(err, govers_list()));
}

/*
 * The release list of govers.c is the one list: every release on it has
 * its generated layout and wait reasons, and no table is for a release
 * that is not on it.
 */
TEST(one_release_list)
{
	char want[128], err[256];
	struct golayout l;
	struct govers v;
	size_t i, k = 0;

	ASSERT_LT(0, govers_count());
	for (i = 0; i < govers_count(); i++) {
		int minor = govers_release(i);
		char ver[16];

		snprintf(ver, sizeof(ver), "go1.%d.1", minor);
		EXPECT_EQ(0, govers_lookup(ver, &v, err, sizeof(err)));
		EXPECT_EQ(0, golayout_from_table(ver, &l, err, sizeof(err)));
		EXPECT_LT(0, v.nwaitreasons);
		k += (size_t)snprintf(want + k, sizeof(want) - k, "%s1.%d",
				      i ? ", " : "", minor);
	}
	EXPECT_STREQ(want, govers_list());
	for (i = 0; i < golayout_table_len; i++)
		EXPECT_TRUE(govers_known(golayout_table[i].minor));
	for (i = 0; i < gowaitreasons_len; i++)
		EXPECT_TRUE(govers_known(gowaitreasons[i].minor));
	EXPECT_EQ(govers_count(), golayout_table_len);
	EXPECT_EQ(govers_count(), gowaitreasons_len);
}

/*
 * note-format.rst: a reader uses min(record size, what it knows) of each
 * record and skips the rest.  A newer writer's longer records (unknown
 * fields after the known ones, a longer threads header) decode as if the
 * extra were not there; an older writer's shorter ones give the fields
 * they hold and zero for the rest.
 */
TEST(note_records_longer_and_shorter_than_known)
{
	static uint8_t p[sizeof(struct gcd_note_process) + 40];
	static uint8_t t[24 + 2 * (sizeof(struct gcd_note_thread) + 16)];
	struct gcd_note_process *np = (struct gcd_note_process *)p;
	const size_t hdr = 24, rec = sizeof(struct gcd_note_thread) + 16;
	struct gcd_note n;
	unsigned int i;

	/* Longer: the process record with 40 unknown bytes after it. */
	memset(p, 0xee, sizeof(p));
	memset(np, 0, sizeof(*np));
	np->version = 2;
	np->record_size = sizeof(p);
	np->pid = 4242;
	np->roots_present = 1;
	np->roots[0] = 0xc000010000ull;
	strcpy(np->go_version, "go1.22.12");
	strcpy(np->vcs_revision, "c0ffee");
	memset(&n, 0, sizeof(n));
	ASSERT_EQ(0, gcdnote_decode_desc(&n, GCD_NT_PROCESS, p, sizeof(p)));
	EXPECT_EQ(2, n.proc.version);
	EXPECT_EQ(4242, n.proc.pid);
	EXPECT_EQ(0xc000010000ull, n.proc.roots[0]);
	EXPECT_STREQ("go1.22.12", n.proc.go_version);
	EXPECT_STREQ("c0ffee", n.proc.vcs_revision);

	/* Shorter: a writer that knew only up to the roots (what follows
	 * in the descriptor is not part of the record). */
	np->record_size = __builtin_offsetof(struct gcd_note_process, release);
	memset(&n, 0, sizeof(n));
	ASSERT_EQ(0, gcdnote_decode_desc(&n, GCD_NT_PROCESS, p, sizeof(p)));
	EXPECT_EQ(4242, n.proc.pid);
	EXPECT_EQ(0xc000010000ull, n.proc.roots[0]);
	EXPECT_STREQ("", n.proc.go_version);
	EXPECT_STREQ("", n.proc.release);

	/* Longer threads: an 8-byte longer header, records 16 longer. */
	memset(t, 0xee, sizeof(t));
	memset(t, 0, 12);
	t[0] = 2;			/* version */
	t[2] = hdr;			/* header_size */
	t[4] = rec & 0xff;		/* record_size */
	t[5] = rec >> 8;
	t[8] = 2;			/* count */
	for (i = 0; i < 2; i++) {
		struct gcd_note_thread *r =
			(struct gcd_note_thread *)(t + hdr + i * rec);

		memset(r, 0, sizeof(*r));
		r->tid = 100 + i;
		r->maj_flt = 7 + i;
		strcpy(r->comm, i ? "worker" : "main");
	}
	memset(&n, 0, sizeof(n));
	ASSERT_EQ(0, gcdnote_decode_desc(&n, GCD_NT_THREADS, t, sizeof(t)));
	ASSERT_EQ(2, n.nthreads);
	EXPECT_EQ(101, n.threads[1].tid);
	EXPECT_EQ(8, n.threads[1].maj_flt);
	EXPECT_STREQ("worker", n.threads[1].comm);
	gcdnote_free(&n);

	/* Shorter threads: records that end after utime_ns. */
	t[4] = 200;
	t[5] = 0;
	memset(&n, 0, sizeof(n));
	ASSERT_EQ(0, gcdnote_decode_desc(&n, GCD_NT_THREADS, t, hdr + 2 * 200));
	ASSERT_EQ(2, n.nthreads);
	EXPECT_EQ(100, n.threads[0].tid);
	EXPECT_STREQ("main", n.threads[0].comm);
	EXPECT_EQ(0, n.threads[0].maj_flt);	/* not in the record */
	gcdnote_free(&n);
}

/* A backlog as the runtime leaves it: text, oldest first, after NULs when
 * the 512 bytes never filled up. */
static size_t backlog(char *b, const char *text, int wrapped)
{
	size_t n = strlen(text);

	memset(b, 0, GOBACKLOG_SIZE);
	if (wrapped)
		memcpy(b, text + n - GOBACKLOG_SIZE, GOBACKLOG_SIZE);
	else
		memcpy(b + GOBACKLOG_SIZE - n, text, n);
	return GOBACKLOG_SIZE;
}

TEST(throw_context_from_backlog)
{
	static const char oom[] =
		"runtime: out of memory: cannot allocate 68719476736-byte block (5603328 in use)\n";
	static const char so[] =
		"runtime: goroutine stack exceeds 1000000000-byte limit\n"
		"runtime: sp=0xc020160398 stack=[0xc020160000, 0xc040160000]\n";
	static const char thr[] =
		"runtime: failed to create new OS thread (have 2 already; errno=11)\n";
	static const char ulim[] =
		"runtime: may need to increase max user processes (ulimit -u)\n";
	char b[GOBACKLOG_SIZE], text[2048], out[GOBACKLOG_SIZE + 1];
	size_t n;

	/* Never wrapped: the context line is the first thing printed. */
	snprintf(text, sizeof(text), "%sfatal error: out of memory\n", oom);
	n = backlog(b, text, 0);
	ASSERT_EQ(1, gobacklog_throw_context(b, n, "fatal error: out of memory",
					     out, sizeof(out)));
	EXPECT_STREQ(oom, out);
	/* Wrapped, after older output: only the known line is taken. */
	memset(text, 'x', 600);
	text[599] = '\n';
	snprintf(text + 600, sizeof(text) - 600,
		 "runtime: note: unrelated\n%sfatal error: out of memory\n", oom);
	n = backlog(b, text, 1);
	ASSERT_EQ(1, gobacklog_throw_context(b, n, "fatal error: out of memory",
					     out, sizeof(out)));
	EXPECT_STREQ(oom, out);
	/* Two lines, in order. */
	snprintf(text, sizeof(text), "%sfatal error: stack overflow\n", so);
	n = backlog(b, text, 0);
	ASSERT_EQ(1, gobacklog_throw_context(b, n, "fatal error: stack overflow",
					     out, sizeof(out)));
	EXPECT_STREQ(so, out);
	/* An optional line, present and absent. */
	snprintf(text, sizeof(text), "%s%sfatal error: newosproc\n", thr, ulim);
	n = backlog(b, text, 0);
	ASSERT_EQ(1, gobacklog_throw_context(b, n, "fatal error: newosproc",
					     out, sizeof(out)));
	EXPECT_EQ(0, strncmp(out, thr, strlen(thr)));
	EXPECT_STREQ(ulim, out + strlen(thr));
	snprintf(text, sizeof(text), "%sfatal error: newosproc\n", thr);
	n = backlog(b, text, 0);
	ASSERT_EQ(1, gobacklog_throw_context(b, n, "fatal error: newosproc",
					     out, sizeof(out)));
	EXPECT_STREQ(thr, out);

	/* Refused: a line not in the format, */
	n = backlog(b, "runtime: out of memory: cannot allocate 12x-byte block (5 in use)\n"
		    "fatal error: out of memory\n", 0);
	EXPECT_EQ(0, gobacklog_throw_context(b, n, "fatal error: out of memory",
					     out, sizeof(out)));
	EXPECT_STREQ("", out);
	/* a first line that may be the tail of a longer one (a full buffer:
	 * nothing says a line starts at its first byte), */
	snprintf(text, sizeof(text), "%sfatal error: out of memory\n", oom);
	EXPECT_EQ(0, gobacklog_throw_context(text, strlen(text),
					     "fatal error: out of memory",
					     out, sizeof(out)));
	/* output after the fatal error line, another throw's text, or a
	 * throw without context lines. */
	snprintf(text, sizeof(text), "%sfatal error: out of memory\nmore\n", oom);
	n = backlog(b, text, 0);
	EXPECT_EQ(0, gobacklog_throw_context(b, n, "fatal error: out of memory",
					     out, sizeof(out)));
	snprintf(text, sizeof(text), "%sfatal error: out of memory\n", oom);
	n = backlog(b, text, 0);
	EXPECT_EQ(0, gobacklog_throw_context(b, n, "fatal error: stack overflow",
					     out, sizeof(out)));
	snprintf(text, sizeof(text), "%sfatal error: concurrent map writes\n", oom);
	n = backlog(b, text, 0);
	EXPECT_EQ(0, gobacklog_throw_context(b, n,
					     "fatal error: concurrent map writes",
					     out, sizeof(out)));
}

TEST_HARNESS_MAIN
