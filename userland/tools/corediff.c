// SPDX-License-Identifier: GPL-2.0
/*
 * gcd-corediff - print the program headers of two cores of the same
 * program side by side, and mark the segments the second one has in full
 * where the first does not.  `make demo` uses it to show what gocoredump.ko
 * restored: with the executable named, its text and rodata are labelled.
 *
 *   gcd-corediff [--exe PATH] STOCK.core MODULE.core
 *
 * Segments are matched by position (the same program crashed twice maps
 * the same way); addresses may differ under ASLR.
 */
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/elfcore.h"
#include "gocoredump/elf.h"

struct label_ctx {
	const char *exe;
	uint64_t start[64];
	int n;
};

static int label_cb(void *arg, uint64_t start, uint64_t end, uint64_t off,
		    const char *path)
{
	struct label_ctx *l = arg;

	(void)end;
	(void)off;
	if (l->exe && !strcmp(path, l->exe) && l->n < 64)
		l->start[l->n++] = start;
	return 0;
}

static int is_exe(const struct label_ctx *l, uint64_t vaddr)
{
	int i;

	for (i = 0; i < l->n; i++)
		if (l->start[i] == vaddr)
			return 1;
	return 0;
}

static const char *flags(uint32_t f)
{
	static char b[4];

	b[0] = (f & PF_R) ? 'R' : '-';
	b[1] = (f & PF_W) ? 'W' : '-';
	b[2] = (f & PF_X) ? 'X' : '-';
	b[3] = 0;
	return b;
}

static void human(char *buf, size_t len, uint64_t v)
{
	if (v >= 10u << 20)
		snprintf(buf, len, "%" PRIu64 "M", v >> 20);
	else if (v >= 10u << 10)
		snprintf(buf, len, "%" PRIu64 "K", v >> 10);
	else
		snprintf(buf, len, "%" PRIu64, v);
}

int main(int argc, char **argv)
{
	struct label_ctx la = { 0 }, lb = { 0 };
	struct elfcore a, b;
	uint64_t extra = 0;
	size_t i, n;
	int opt, restored = 0;

	while ((opt = getopt_long(argc, argv, "e:h",
				  (const struct option[]){
					  { "exe", required_argument, 0, 'e' },
					  { "help", no_argument, 0, 'h' },
					  { 0, 0, 0, 0 } }, NULL)) != -1) {
		if (opt == 'e') {
			la.exe = lb.exe = optarg;
		} else {
			fprintf(stderr, "usage: gcd-corediff [--exe PATH] STOCK.core MODULE.core\n");
			return opt == 'h' ? 0 : 2;
		}
	}
	if (argc - optind != 2) {
		fprintf(stderr, "usage: gcd-corediff [--exe PATH] STOCK.core MODULE.core\n");
		return 2;
	}
	if (elfcore_open(&a, argv[optind])) {
		fprintf(stderr, "gcd-corediff: %s: %s\n", argv[optind], a.problem);
		return 1;
	}
	if (elfcore_open(&b, argv[optind + 1])) {
		fprintf(stderr, "gcd-corediff: %s: %s\n", argv[optind + 1],
			b.problem);
		return 1;
	}
	elfcore_files(&a, label_cb, &la);
	elfcore_files(&b, label_cb, &lb);
	printf("%-3s %-18s %-3s | %9s %9s | %9s %9s | %s\n", "#", "vaddr (2nd core)",
	       "flg", "stock", "of", "module", "of", "");
	n = a.nsegs > b.nsegs ? a.nsegs : b.nsegs;
	for (i = 0; i < n; i++) {
		const struct elfcore_seg *x = i < a.nsegs ? &a.segs[i] : NULL;
		const struct elfcore_seg *y = i < b.nsegs ? &b.segs[i] : NULL;
		char xf[16] = "-", xm[16] = "-", yf[16] = "-", ym[16] = "-";
		const char *what = "", *mark;

		if (x) {
			human(xf, sizeof(xf), x->filesz);
			human(xm, sizeof(xm), x->memsz);
		}
		if (y) {
			human(yf, sizeof(yf), y->filesz);
			human(ym, sizeof(ym), y->memsz);
		}
		if (y && is_exe(&lb, y->vaddr)) {
			what = (y->flags & PF_X) ? "exe text" :
			       (y->flags & PF_W) ? "exe data" : "exe rodata";
		}
		/*
		 * Restored: a mapping of the executable that the second core
		 * has whole and the first does not.  Other differences (heap
		 * grown a little more in one run) are the two runs', not the
		 * module's.
		 */
		mark = "";
		if (x && y && *what && !(y->flags & PF_W) &&
		    y->filesz == y->memsz && x->filesz < y->filesz) {
			mark = "  <== restored by gocoredump";
			restored++;
			extra += y->filesz - x->filesz;
		}
		printf("%-3zu %#-18" PRIx64 " %-3s | %9s %9s | %9s %9s | %s%s\n",
		       i, y ? y->vaddr : x->vaddr, flags(y ? y->flags : x->flags),
		       xf, xm, yf, ym, what, mark);
	}
	printf("\n%d segment(s) of the executable restored: %" PRIu64
	       " bytes of text and rodata.\n", restored, extra);
	elfcore_close(&a);
	elfcore_close(&b);
	return 0;
}
