// SPDX-License-Identifier: GPL-2.0
/*
 * mincore.c - write a minimal copy of a Go core for the fuzz corpus: only
 * the pages gocap actually reads when it walks the core's goroutines, so a
 * real core of tens of MiB becomes a seed of a few hundred KiB.
 *
 *   mincore [--note] CORE OUT
 *
 * The core is loaded into memory that is then made inaccessible; a SIGSEGV
 * handler records each page gocap touches and opens it, and the walk goes
 * on.  OUT has the original notes (plus, with --note, a gocoredump process
 * note giving the scheduler roots, so the fuzzer also starts from that path
 * and the walk needs no code scan) and one PT_LOAD per run of touched
 * pages.  A test tool, built by tests/gocap/host.sh; not installed.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "goproc.h"
#include "gotrace.h"
#include "gocoredump/le.h"

#define PAGE 4096ul

static uint8_t *base;
static size_t mapsize;
static uint8_t *touched;	/* one byte per page */

static void on_segv(int sig, siginfo_t *si, void *uc)
{
	uintptr_t a = (uintptr_t)si->si_addr & ~(PAGE - 1);

	(void)uc;
	if (a < (uintptr_t)base || a >= (uintptr_t)base + mapsize) {
		signal(sig, SIG_DFL);
		return;
	}
	touched[(a - (uintptr_t)base) / PAGE] = 1;
	mprotect((void *)a, PAGE, PROT_READ);
}

static uint8_t *load(const char *path, size_t *size)
{
	struct stat st;
	uint8_t *m;
	size_t done = 0;
	int fd = open(path, O_RDONLY);

	if (fd < 0 || fstat(fd, &st)) {
		perror(path);
		exit(1);
	}
	*size = (size_t)st.st_size;
	m = mmap(NULL, (*size + PAGE - 1) & ~(PAGE - 1), PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (m == MAP_FAILED) {
		perror("mmap");
		exit(1);
	}
	while (done < *size) {
		ssize_t n = read(fd, m + done, *size - done);

		if (n <= 0) {
			perror(path);
			exit(1);
		}
		done += (size_t)n;
	}
	close(fd);
	return m;
}

/* The GOCOREDUMP process note, with the roots and version found. */
static size_t make_note(const struct goproc *p, uint8_t *out)
{
	struct gcd_note_process np;
	unsigned int k;
	size_t n = 0;

	memset(&np, 0, sizeof(np));
	np.version = GCD_NOTE_VERSION;
	np.record_size = sizeof(np);
	np.flags = GCD_PROC_F_GO | GCD_PROC_F_BUILDINFO;
	for (k = 0; k < GCD_ROOT_COUNT; k++) {
		if (!p->root_src[k])
			continue;
		np.roots[k] = p->roots[k];
		np.roots_present |= 1u << k;
	}
	snprintf(np.go_version, sizeof(np.go_version), "%s", p->go_version);
	memcpy(out, "\x0b\0\0\0", 4);
	memcpy(out + 4, &(uint32_t){ sizeof(np) }, 4);
	memcpy(out + 8, &(uint32_t){ GCD_NT_PROCESS }, 4);
	memcpy(out + 12, "GOCOREDUMP\0\0", 12);
	n = 24;
	memcpy(out + n, &np, sizeof(np));
	n += (sizeof(np) + 3) & ~3ul;
	return n;
}

static void walk(uint8_t *core, size_t size, struct goproc *p, int protect)
{
	static FILE *null;
	struct gotrace_opts text = { 0 }, json = { .json = 1 };

	if (!null)
		null = fopen("/dev/null", "w");
	if (protect) {
		base = core;
		mapsize = (size + PAGE - 1) & ~(PAGE - 1);
		touched = calloc(mapsize / PAGE, 1);
		mprotect(core, mapsize, PROT_NONE);
	}
	if (goproc_open_mem(p, core, size, 0)) {
		fprintf(stderr, "mincore: %s\n", p->error);
		exit(1);
	}
	gotrace_print(p, null, &text, NULL);
	gotrace_print(p, null, &json, NULL);
	if (protect) {
		/* The pclntab must be whole: goproc refuses a partial one. */
		const struct gomem_seg *s = gomem_seg_at(&p->mem, p->md.pcheader);
		uint64_t a;

		for (a = p->md.pcheader & ~(PAGE - 1);
		     s && a < p->md.pclntab_end; a += PAGE) {
			const uint8_t *q = gomem_ptr(&p->mem, a < s->start ? s->start : a, 1);

			if (q >= base && q < base + mapsize)
				touched[(size_t)(q - base) / PAGE] = 1;
			if (a + PAGE >= s->end)
				s = gomem_seg_at(&p->mem, s->end);
		}
		mprotect(core, mapsize, PROT_READ | PROT_WRITE);
	}
}

int main(int argc, char **argv)
{
	struct sigaction sa;
	struct goproc p;
	uint8_t *core, *out, note[1024];
	size_t size, notelen = 0, o, i, nph = 0;
	uint64_t phoff;
	uint16_t phnum;
	int with_note = 0, fd;
	FILE *f;

	if (argc > 1 && !strcmp(argv[1], "--note")) {
		with_note = 1;
		argv++;
		argc--;
	}
	if (argc != 3) {
		fprintf(stderr, "usage: mincore [--note] CORE OUT\n");
		return 2;
	}
	core = load(argv[1], &size);
	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = on_segv;
	sa.sa_flags = SA_SIGINFO | SA_NODEFER;
	sigaction(SIGSEGV, &sa, NULL);

	if (with_note) {
		/* Find the roots once, then rebuild the core with the note
		 * and record what a walk from the note reads. */
		uint8_t *c2;
		size_t n2;

		walk(core, size, &p, 0);
		notelen = make_note(&p, note);
		goproc_close(&p);
		phoff = gcd_le64(core + 32);
		phnum = (uint16_t)(core[56] | core[57] << 8);
		c2 = NULL;
		n2 = size;
		/* Copy the core, append the old notes and the new one at
		 * the end, and point the PT_NOTE there. */
		for (i = 0; i < phnum; i++) {
			uint8_t *ph = core + phoff + i * 56;
			uint64_t off, fs;

			if (gcd_le32(ph) != 4)
				continue;
			off = gcd_le64(ph + 8);
			fs = gcd_le64(ph + 32);
			if (off > size || fs > size - off)
				break;
			n2 = size + fs + notelen;
			c2 = mmap(NULL, (n2 + PAGE - 1) & ~(PAGE - 1),
				  PROT_READ | PROT_WRITE,
				  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
			if (c2 == MAP_FAILED) {
				perror("mmap");
				return 1;
			}
			memcpy(c2, core, size);
			memcpy(c2 + size, core + off, fs);
			memcpy(c2 + size + fs, note, notelen);
			ph = c2 + phoff + i * 56;
			memcpy(ph + 8, &(uint64_t){ size }, 8);
			memcpy(ph + 32, &(uint64_t){ fs + notelen }, 8);
			break;
		}
		if (!c2) {
			fprintf(stderr, "mincore: %s has no PT_NOTE\n", argv[1]);
			return 1;
		}
		munmap(core, (size + PAGE - 1) & ~(PAGE - 1));
		core = c2;
		size = n2;
	}
	walk(core, size, &p, 1);
	goproc_close(&p);

	/* Write OUT: header, program headers, notes, touched page runs. */
	phoff = gcd_le64(core + 32);
	phnum = (uint16_t)(core[56] | core[57] << 8);
	out = calloc(1, size + PAGE);
	o = 64 + (size_t)(phnum + 4096) * 56;	/* room for split PT_LOADs */
	out = realloc(out, o + size);
	memset(out, 0, o);
	memcpy(out, core, 64);
	for (i = 0; i < phnum; i++) {
		const uint8_t *ph = core + phoff + i * 56;
		uint64_t off = gcd_le64(ph + 8), va = gcd_le64(ph + 16);
		uint64_t fs = gcd_le64(ph + 32), pg;

		if (gcd_le32(ph) == 4) {
			uint8_t *q = out + 64 + nph * 56;

			memcpy(q, ph, 56);
			memcpy(q + 8, &(uint64_t){ o }, 8);
			memcpy(out + o, core + off, fs);
			o += (fs + 7) & ~7ul;
			nph++;
			continue;
		}
		if (gcd_le32(ph) != 1 || !fs || off + fs > size)
			continue;
		for (pg = 0; pg < fs; pg += PAGE) {
			uint64_t start = pg, len;
			uint8_t *q;

			if (!touched[(off + pg) / PAGE])
				continue;
			while (pg < fs && touched[(off + pg) / PAGE])
				pg += PAGE;
			len = (pg < fs ? pg : fs) - start;
			if (nph >= (size_t)phnum + 4096)
				break;
			q = out + 64 + nph * 56;
			memcpy(q, ph, 56);
			memcpy(q + 8, &(uint64_t){ o }, 8);
			memcpy(q + 16, &(uint64_t){ va + start }, 8);
			memcpy(q + 32, &len, 8);
			memcpy(q + 40, &len, 8);
			memcpy(out + o, core + off + start, len);
			o += len;
			nph++;
		}
	}
	memcpy(out + 32, &(uint64_t){ 64 }, 8);		/* e_phoff */
	memcpy(out + 40, &(uint64_t){ 0 }, 8);		/* e_shoff */
	out[56] = (uint8_t)nph;
	out[57] = (uint8_t)(nph >> 8);
	out[60] = out[61] = out[62] = out[63] = 0;	/* shnum, shstrndx */
	/* Close the gap between the headers used and the data. */
	{
		size_t used = 64 + nph * 56, gap = 64 + (size_t)(phnum + 4096) * 56 -
						  used;

		memmove(out + used, out + used + gap, o - used - gap);
		for (i = 0; i < nph; i++) {
			uint8_t *q = out + 64 + i * 56;

			memcpy(q + 8, &(uint64_t){ gcd_le64(q + 8) - gap }, 8);
		}
		o -= gap;
	}
	fd = open(argv[2], O_WRONLY | O_CREAT | O_TRUNC, 0644);
	f = fd >= 0 ? fdopen(fd, "w") : NULL;
	if (!f || fwrite(out, 1, o, f) != o || fclose(f)) {
		fprintf(stderr, "mincore: %s: %s\n", argv[2], strerror(errno));
		return 1;
	}
	fprintf(stderr, "mincore: %s: %zu bytes, %zu segments\n", argv[2], o,
		nph);
	return 0;
}
