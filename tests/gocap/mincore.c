// SPDX-License-Identifier: GPL-2.0
/*
 * mincore.c - write a minimal copy of a Go core for the fuzz corpus: only
 * the pages gocap actually reads when it walks the core's goroutines (and
 * reads its heap statistics and heap profile), so a
 * real core of tens of MiB becomes a seed of a few hundred KiB.
 *
 *   mincore [--note] [--heap] CORE OUT
 *
 * The core is loaded into memory that is then made inaccessible; a SIGSEGV
 * handler records each page gocap touches and opens it, and the walk goes
 * on.  OUT has the original notes (plus, with --note, a gocoredump process
 * note giving the scheduler roots, so the fuzzer also starts from that path
 * and the walk needs no code scan) and one PT_LOAD per run of touched
 * pages.  --heap keeps what gocap heap types reads too (the spans, every
 * reachable object, the type descriptors): a seed whose mark completes.  A test tool, built by tests/gocap/host.sh; not installed.
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

#include "gocoredump/goelf.h"
#include "go/goheap.h"
#include "go/goproc.h"
#include "go/goprof.h"
#include "gocap/group.h"
#include "gocap/print.h"

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

static size_t align4(size_t n)
{
	return (n + GOELF_NOTE_ALIGN - 1) & ~(size_t)(GOELF_NOTE_ALIGN - 1);
}

/* The core's program header i (the core is a valid ELF64 core: goproc
 * opened it). */
static Elf64_Phdr phdr(const uint8_t *core, size_t i)
{
	Elf64_Ehdr eh;
	Elf64_Phdr ph;

	memcpy(&eh, core, sizeof(eh));
	memcpy(&ph, core + eh.e_phoff + i * sizeof(ph), sizeof(ph));
	return ph;
}

/* The GOCOREDUMP process note, with the roots and version found. */
static size_t make_note(const struct goproc *p, uint8_t *out)
{
	struct gcd_note_process np;
	Elf64_Nhdr nh;
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
	nh.n_namesz = sizeof(GCD_NOTE_NAME);
	nh.n_descsz = sizeof(np);
	nh.n_type = GCD_NT_PROCESS;
	memcpy(out, &nh, sizeof(nh));
	n = sizeof(nh);
	memset(out + n, 0, align4(sizeof(GCD_NOTE_NAME)));
	memcpy(out + n, GCD_NOTE_NAME, sizeof(GCD_NOTE_NAME));
	n += align4(sizeof(GCD_NOTE_NAME));
	memcpy(out + n, &np, sizeof(np));
	n += align4(sizeof(np));
	return n;
}

static int heap_seed;	/* --heap */

static int count_object(void *arg, const struct gomark_object *o)
{
	char name[256];

	if (o->typ)
		gotype_name(arg, o->typ, name, sizeof(name));
	return 0;
}

static void walk(uint8_t *core, size_t size, struct goproc *p, int protect)
{
	static FILE *null;
	struct print_opts text = { 0 }, json = { .json = 1 };

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
	print_goroutines(p, null, &text, NULL);
	print_goroutines(p, null, &json, NULL);
	/*
	 * The triage views read the same bytes: keep them too.  Not what
	 * --waits reads (the sudogs, channels, semaphore table and whole
	 * stacks): that takes the seeds over 1 MiB (the fuzzer takes 1.5
	 * at most), and fuzz_goroutines runs --waits on them anyway.
	 */
	print_group(p, null, &(struct triage_print){ .json = 1 });
	/* gocap heap and heap allocs: the runtime's statistics, the code
	 * that names their globals and the profile's buckets (a few pages) */
	{
		static struct goheap_stats st;
		struct goprof_mem m;
		char err[256];

		if (!goheap_memstats(p, &st, err, sizeof(err)) && heap_seed) {
			static struct heap_mark hm;

			/* the spans, the mark and the types (gocap heap
			 * types): a seed whose mark completes */
			goheap_spans(p, &st);
			heap_mark_each(p, &st, &hm, count_object, p);
		}
		if (!goprof_mem_read(p, &m, err, sizeof(err)))
			goprof_write_heap(p, &m, null, err, sizeof(err));
		goprof_mem_free(&m);
	}
	if (protect) {
		/* The pclntab must be whole: goproc refuses a partial one. */
		const struct procmem_seg *s = procmem_seg_at(&p->mem, p->md.pcheader);
		uint64_t a;

		for (a = p->md.pcheader & ~(PAGE - 1);
		     s && a < p->md.pclntab_end; a += PAGE) {
			const uint8_t *q = procmem_ptr(&p->mem, a < s->start ? s->start : a, 1);

			if (q >= base && q < base + mapsize)
				touched[(size_t)(q - base) / PAGE] = 1;
			if (a + PAGE >= s->end)
				s = procmem_seg_at(&p->mem, s->end);
		}
		mprotect(core, mapsize, PROT_READ | PROT_WRITE);
	}
}

int main(int argc, char **argv)
{
	struct sigaction sa;
	struct goproc p;
	uint8_t *core, *out, note[1024];
	size_t size, notelen = 0, o, i, nph = 0, room;
	Elf64_Ehdr eh;
	int with_note = 0, fd;
	FILE *f;

	for (; argc > 1 && argv[1][0] == '-'; argv++, argc--)
		if (!strcmp(argv[1], "--note"))
			with_note = 1;
		else if (!strcmp(argv[1], "--heap"))
			heap_seed = 1;
		else
			break;
	if (argc != 3) {
		fprintf(stderr, "usage: mincore [--note] [--heap] CORE OUT\n");
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
		memcpy(&eh, core, sizeof(eh));
		c2 = NULL;
		n2 = size;
		/* Copy the core, append the old notes and the new one at
		 * the end, and point the PT_NOTE there. */
		for (i = 0; i < eh.e_phnum; i++) {
			Elf64_Phdr ph = phdr(core, i);

			if (ph.p_type != PT_NOTE)
				continue;
			if (ph.p_offset > size || ph.p_filesz > size - ph.p_offset)
				break;
			n2 = size + ph.p_filesz + notelen;
			c2 = mmap(NULL, (n2 + PAGE - 1) & ~(PAGE - 1),
				  PROT_READ | PROT_WRITE,
				  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
			if (c2 == MAP_FAILED) {
				perror("mmap");
				return 1;
			}
			memcpy(c2, core, size);
			memcpy(c2 + size, core + ph.p_offset, ph.p_filesz);
			memcpy(c2 + size + ph.p_filesz, note, notelen);
			ph.p_offset = size;
			ph.p_filesz += notelen;
			memcpy(c2 + eh.e_phoff + i * sizeof(ph), &ph, sizeof(ph));
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
	memcpy(&eh, core, sizeof(eh));
	room = sizeof(eh) + (size_t)(eh.e_phnum + 4096) * sizeof(Elf64_Phdr);
	out = calloc(1, room + size);
	o = room;			/* room for split PT_LOADs */
	for (i = 0; i < eh.e_phnum; i++) {
		Elf64_Phdr ph = phdr(core, i), q = ph;
		uint64_t pg;

		if (ph.p_type == PT_NOTE) {
			q.p_offset = o;
			memcpy(out + sizeof(eh) + nph * sizeof(q), &q, sizeof(q));
			memcpy(out + o, core + ph.p_offset, ph.p_filesz);
			o += (ph.p_filesz + 7) & ~7ul;
			nph++;
			continue;
		}
		if (ph.p_type != PT_LOAD || !ph.p_filesz ||
		    ph.p_offset + ph.p_filesz > size)
			continue;
		for (pg = 0; pg < ph.p_filesz; pg += PAGE) {
			uint64_t start = pg;

			if (!touched[(ph.p_offset + pg) / PAGE])
				continue;
			while (pg < ph.p_filesz &&
			       touched[(ph.p_offset + pg) / PAGE])
				pg += PAGE;
			if (nph >= (size_t)eh.e_phnum + 4096)
				break;
			q.p_offset = o;
			q.p_vaddr = ph.p_vaddr + start;
			q.p_filesz = q.p_memsz =
				(pg < ph.p_filesz ? pg : ph.p_filesz) - start;
			memcpy(out + sizeof(eh) + nph * sizeof(q), &q, sizeof(q));
			memcpy(out + o, core + ph.p_offset + start, q.p_filesz);
			o += q.p_filesz;
			nph++;
		}
	}
	/* Close the gap between the headers used and the data. */
	{
		size_t used = sizeof(eh) + nph * sizeof(Elf64_Phdr);
		size_t gap = room - used;

		memmove(out + used, out + used + gap, o - used - gap);
		for (i = 0; i < nph; i++) {
			Elf64_Phdr q;

			memcpy(&q, out + sizeof(eh) + i * sizeof(q), sizeof(q));
			q.p_offset -= gap;
			memcpy(out + sizeof(eh) + i * sizeof(q), &q, sizeof(q));
		}
		o -= gap;
	}
	eh.e_phoff = sizeof(eh);
	eh.e_shoff = 0;
	eh.e_phnum = (uint16_t)nph;
	eh.e_shnum = 0;
	eh.e_shstrndx = 0;
	memcpy(out, &eh, sizeof(eh));
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
