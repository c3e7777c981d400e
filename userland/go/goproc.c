// SPDX-License-Identifier: GPL-2.0
/*
 * goproc.c - discover the Go process in a core (see goproc.h): the
 * executable's mapping, its build ID, the Go version, the runtime layout,
 * the pclntab and moduledata, the scheduler roots, the Ms and threads.
 *
 * Failures that leave nothing to walk (no Go version, no pclntab, no allgs)
 * fail goproc_open() with a message that says what is missing and how to
 * supply it; lesser problems become warnings and the walk goes on.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "gocoredump/goelf.h"
#include "gocoredump/le.h"
#include "go/goproc.h"
#include "go/goroutines.h"

const char *goroot_source_name(enum goroot_source s)
{
	static const char *const names[] = {
		[GOROOT_NONE] = "none", [GOROOT_NOTE] = "note",
		[GOROOT_SYMTAB] = "symtab", [GOROOT_CODE] = "code",
		[GOROOT_SCAN] = "scan",
	};

	return (unsigned int)s < sizeof(names) / sizeof(names[0]) ?
	       names[s] : "none";
}

void goproc_warn(struct goproc *p, const char *fmt, ...)
{
	size_t n = strlen(p->warnings);
	va_list ap;

	if (n + 2 >= sizeof(p->warnings))
		return;
	va_start(ap, fmt);
	vsnprintf(p->warnings + n, sizeof(p->warnings) - n - 1, fmt, ap);
	va_end(ap);
	n = strlen(p->warnings);
	if (n + 1 < sizeof(p->warnings)) {
		p->warnings[n] = '\n';
		p->warnings[n + 1] = '\0';
	}
}

static int fail(struct goproc *p, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static int fail(struct goproc *p, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(p->error, sizeof(p->error), fmt, ap);
	va_end(ap);
	return -1;
}

long goproc_read_str(const struct goproc *p, uint64_t ptr, uint64_t len,
		     char *buf, size_t buflen)
{
	size_t n;

	if (!buflen)
		return -1;
	buf[0] = '\0';
	if (len > (1u << 30))
		return -1;
	n = len < buflen - 1 ? (size_t)len : buflen - 1;
	if (n && procmem_read(&p->mem, ptr, buf, n))
		return -1;
	buf[n] = '\0';
	return (long)len;
}

long goproc_read_gostring(const struct goproc *p, uint64_t addr, char *buf,
			  size_t buflen)
{
	uint64_t ptr, len;

	if (procmem_u64(&p->mem, addr, &ptr) || procmem_u64(&p->mem, addr + 8, &len))
		return -1;
	return goproc_read_str(p, ptr, len, buf, buflen);
}

int goproc_err(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return -1;
}

int goproc_symbols(const struct goproc *p, const char *const *names,
		   unsigned int n, uint64_t *addr, char *err, size_t errlen)
{
	uint8_t scratch[GOELF_SCRATCH_SIZE];
	struct goelf_reader r;
	struct goelf_mem em;
	unsigned int k;
	int found;

	memset(addr, 0, n * sizeof(*addr));
	if (!p->exe_map)
		return 0;
	goelf_mem_reader(&r, &em, p->exe_map, p->exe_size);
	found = goelf_symbols(&r, names, n, addr, scratch);
	if (found < 0)
		return goproc_err(err, errlen, "%s: %s", p->exe_path,
				  goelf_strerror(found));
	for (k = 0; k < n; k++)
		if (found & (1 << k))
			addr[k] += p->load_bias;
	return found;
}

int goproc_m_index(const struct goproc *p, uint64_t m)
{
	size_t i;

	for (i = 0; i < p->nms; i++)
		if (p->ms[i].addr == m)
			return (int)i;
	return -1;
}

/* Threads, in the order of the core's NT_PRSTATUS notes. */
static int read_threads(struct goproc *p)
{
	size_t i;

	for (i = 0; i < p->core.nnotes; i++) {
		const struct elfcore_note *n = &p->core.notes[i];
		struct gothread *t;

		if (n->type != NT_PRSTATUS || strcmp(n->name, ELFCORE_OWNER))
			continue;
		if (p->nthreads >= GOPROC_MAX_THREADS)
			break;
		t = realloc(p->threads, (p->nthreads + 1) * sizeof(*t));
		if (!t)
			return fail(p, "out of memory");
		p->threads = t;
		t += p->nthreads;
		memset(t, 0, sizeof(*t));
		if (elfcore_prstatus(&p->core, n, &t->regs)) {
			goproc_warn(p, "%s: NT_PRSTATUS note at offset 0x%llx is too short",
				    p->core_path,
				    (unsigned long long)n->offset);
			continue;
		}
		t->tid = t->regs.pid;
		t->cursig = t->regs.cursig;
		t->m = -1;
		p->nthreads++;
	}
	/* The kernel writes the dumping thread first. */
	p->crash_thread = p->nthreads ? 0 : -1;
	return 0;
}

struct file_scan {
	uint64_t entry;
	char path[256];
	uint64_t base;
	int found;
};

static int find_entry_file(void *arg, uint64_t start, uint64_t end,
			   uint64_t off, const char *path)
{
	struct file_scan *s = arg;

	(void)off;
	if (s->entry >= start && s->entry < end) {
		snprintf(s->path, sizeof(s->path), "%s", path);
		s->found = 1;
		return 1;
	}
	return 0;
}

static int find_file_base(void *arg, uint64_t start, uint64_t end,
			  uint64_t off, const char *path)
{
	struct file_scan *s = arg;

	(void)end;
	if (off == 0 && !strcmp(path, s->path) && (!s->base || start < s->base))
		s->base = start;
	return 0;
}

/* Bytes of [lo, hi) mapped from files other than the executable. */
struct file_bytes {
	const char *exe;
	uint64_t lo, hi, n;
};

static int count_file_bytes(void *arg, uint64_t start, uint64_t end,
			    uint64_t off, const char *path)
{
	struct file_bytes *f = arg;
	uint64_t lo = start > f->lo ? start : f->lo;
	uint64_t hi = end < f->hi ? end : f->hi;

	(void)off;
	if (lo < hi && strcmp(path, f->exe))
		f->n += hi - lo;
	return 0;
}

static uint64_t exe_bytes(const struct goproc *p, uint64_t lo, uint64_t hi)
{
	uint64_t n = 0;
	int i;

	for (i = 0; i < p->nexe_ranges; i++) {
		uint64_t a = lo > p->exe_ranges[i].lo ? lo : p->exe_ranges[i].lo;
		uint64_t b = hi < p->exe_ranges[i].hi ? hi : p->exe_ranges[i].hi;

		if (a < b)
			n += b - a;
	}
	return n;
}

static void put_size(char *buf, size_t len, uint64_t n)
{
	if (n >= (1ull << 20))
		snprintf(buf, len, "%.1f MiB", (double)n / (1 << 20));
	else
		snprintf(buf, len, "%llu KiB",
			 (unsigned long long)((n + 1023) >> 10));
}

/*
 * Say what a truncated core lacks, for every message to begin with: where
 * the file ends, where it should, and what the missing memory was (the
 * executable's segments, other files, anonymous memory: the Go heap and
 * the stacks).
 */
static void describe_truncation(struct goproc *p)
{
	const struct elfcore *c = &p->core;
	uint64_t exe = 0, anon = 0, files = 0;
	struct file_bytes fb = { p->exe_file, 0, 0, 0 };
	char what[3][96], sz[32];
	size_t i;
	int n = 0, k;

	if (!c->truncated)
		return;
	for (i = 0; i < c->nsegs; i++) {
		const struct elfcore_seg *sg = &c->segs[i];
		uint64_t lo = sg->vaddr + sg->avail, hi = sg->vaddr + sg->filesz;
		uint64_t e, f;

		if (sg->avail >= sg->filesz || hi < lo)
			continue;
		e = exe_bytes(p, lo, hi);
		fb.lo = lo;
		fb.hi = hi;
		fb.n = 0;
		elfcore_files(c, count_file_bytes, &fb);
		f = fb.n < hi - lo - e ? fb.n : hi - lo - e;
		exe += e;
		anon += hi - lo - e - f;
		files += f;
	}
	if (exe) {
		put_size(sz, sizeof(sz), exe);
		snprintf(what[n++], sizeof(what[0]),
			 "%s of the executable's segments", sz);
	}
	if (files) {
		put_size(sz, sizeof(sz), files);
		snprintf(what[n++], sizeof(what[0]), "%s of other mapped files",
			 sz);
	}
	if (anon) {
		put_size(sz, sizeof(sz), anon);
		snprintf(what[n++], sizeof(what[0]),
			 "%s of anonymous memory (the Go heap, stacks)", sz);
	}
	if (!c->cut_vaddr) {
		snprintf(p->truncation, sizeof(p->truncation),
			 "core truncated at byte %zu of %llu: its notes are cut (thread registers may be missing)",
			 c->size, (unsigned long long)c->want_size);
		return;
	}
	k = snprintf(p->truncation, sizeof(p->truncation),
		     "core truncated at byte %zu of %llu: the memory from 0x%llx on is missing",
		     c->size, (unsigned long long)c->want_size,
		     (unsigned long long)c->cut_vaddr);
	for (i = 0; i < (size_t)n && k > 0 && (size_t)k < sizeof(p->truncation);
	     i++)
		k += snprintf(p->truncation + k, sizeof(p->truncation) - k,
			      "%s%s", i ? ", " : " (", what[i]);
	if (n && k > 0 && (size_t)k < sizeof(p->truncation))
		snprintf(p->truncation + k, sizeof(p->truncation) - k, ")");
}

/*
 * Read the executable's ELF and program headers: from the core's memory
 * at exe_base when present (filter bit 4 keeps that first page), else
 * from the executable file.  Fills exe_ranges, load_bias, core_buildid
 * and core_gnu_buildid.
 */
static void read_exe_headers(struct goproc *p, uint64_t at_entry)
{
	struct goelf_reader r, mr;
	struct procmem_view view, mview;
	struct goelf_mem em;
	struct goelf_ehdr eh;
	uint64_t off0 = 0, note_va[4], note_len[4];
	int nnotes = 0, k, have_off0 = 0;
	uint32_t i;

	procmem_reader(&r, &view, &p->mem, p->exe_base);
	if (!p->exe_base || goelf_read_ehdr(&r, &eh, NULL)) {
		if (!p->exe_map)
			return;
		goelf_mem_reader(&r, &em, p->exe_map, p->exe_size);
		if (goelf_read_ehdr(&r, &eh, NULL))
			return;
	}
	if (eh.elf_class != ELFCLASS64 || eh.phnum > 64)
		return;
	for (i = 0; i < eh.phnum; i++) {
		struct goelf_phdr ph;

		if (goelf_read_phdr(&r, &eh, i, &ph))
			return;
		if (ph.type == PT_LOAD) {
			if (!have_off0 && ph.offset < 4096 &&
			    ph.vaddr >= ph.offset) {
				off0 = (ph.vaddr - ph.offset) & ~4095ull;
				have_off0 = 1;
			}
			if (p->nexe_ranges < 16 && ph.memsz &&
			    ph.vaddr + ph.memsz > ph.vaddr) {
				p->exe_ranges[p->nexe_ranges].lo = ph.vaddr;
				p->exe_ranges[p->nexe_ranges].hi =
					ph.vaddr + ph.memsz;
				p->exe_ranges[p->nexe_ranges].flags = ph.flags;
				p->nexe_ranges++;
			}
		}
		if (ph.type == PT_NOTE && nnotes < 4 && ph.filesz &&
		    ph.filesz < 65536) {
			note_va[nnotes] = ph.vaddr;
			note_len[nnotes++] = ph.filesz;
		}
	}
	/* Bias: entry point (auxv) against e_entry, or the mapping base. */
	if (at_entry && eh.entry && at_entry >= eh.entry)
		p->load_bias = at_entry - eh.entry;
	else if (have_off0 && p->exe_base >= off0)
		p->load_bias = p->exe_base - off0;
	for (i = 0; i < (uint32_t)p->nexe_ranges; i++) {
		p->exe_ranges[i].lo += p->load_bias;
		p->exe_ranges[i].hi += p->load_bias;
	}
	if (!p->exe_base && have_off0)
		p->exe_base = off0 + p->load_bias;
	/* The Go build ID, from the core's memory only. */
	procmem_reader(&mr, &mview, &p->mem, 0);
	for (k = 0; k < nnotes && !p->core_buildid[0]; k++)
		goelf_go_buildid(&mr, note_va[k] + p->load_bias, note_len[k],
				 p->core_buildid, sizeof(p->core_buildid));
	/*
	 * And the GNU one, the name of its debug file without the
	 * executable: Go's linker puts its note after the Go one, outside
	 * the PT_NOTE segment (which spans only .note.go.buildid), up to the
	 * end of that page.
	 */
	for (k = 0; k < nnotes && !p->core_gnu_buildid[0]; k++) {
		uint64_t end = ((note_va[k] + note_len[k] + 4095) & ~4095ull);

		goelf_gnu_buildid(&mr, note_va[k] + p->load_bias,
				  end > note_va[k] + note_len[k] ?
				  end - note_va[k] : note_len[k],
				  p->core_gnu_buildid,
				  sizeof(p->core_gnu_buildid));
	}
}

/* Map the executable, check its build ID against the core's. */
static int open_exe(struct goproc *p, struct goelf_info *info,
		    unsigned int flags)
{
	struct goelf_mem em;
	struct goelf_reader r;
	struct stat st;
	void *scratch, *map;
	int fd, err;

	fd = open(p->exe_path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return fail(p, "%s: cannot open: %s", p->exe_path,
			    strerror(errno));
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_size < 64) {
		close(fd);
		return fail(p, "%s: not a regular file of an ELF executable",
			    p->exe_path);
	}
	map = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	if (map == MAP_FAILED) {
		close(fd);
		return fail(p, "%s: cannot map: %s", p->exe_path,
			    strerror(errno));
	}
	p->exe_fd = fd;
	p->exe_map = map;
	p->exe_size = (size_t)st.st_size;
	goelf_mem_reader(&r, &em, map, p->exe_size);
	scratch = malloc(GOELF_SCRATCH_SIZE);
	if (!scratch)
		return fail(p, "out of memory");
	err = goelf_probe(&r, GOELF_WANT_BUILDINFO |
			  ((flags & GOPROC_NO_SYMTAB) ? 0 : GOELF_WANT_ROOTS),
			  info, scratch);
	free(scratch);
	if (err)
		return fail(p, "%s: %s", p->exe_path, goelf_strerror(err));
	if (!(info->flags & GOELF_F_GO))
		return fail(p, "%s: not a Go executable (no .go.buildinfo, no Go build ID)",
			    p->exe_path);
	if (arch_for(info->e_machine, info->elf_class) != p->arch)
		return fail(p, "%s: not a %s executable, as the core is",
			    p->exe_path, p->arch->name);
	snprintf(p->exe_buildid, sizeof(p->exe_buildid), "%s",
		 info->go_buildid);
	return 0;
}

struct map_match {
	const char *path;
	uint64_t start, off;
	int found;
};

static int find_mapping(void *arg, uint64_t start, uint64_t end,
			uint64_t off, const char *path)
{
	struct map_match *m = arg;

	/* (Neighbouring segments can share one mapping.) */
	if (m->start >= start && m->start < end &&
	    off + (m->start - start) == m->off && !strcmp(path, m->path)) {
		m->found = 1;
		return 1;
	}
	return 0;
}

/*
 * Does the given executable fit the process's mappings of the file that
 * crashed (NT_FILE): every PT_LOAD with file bytes inside a mapping of
 * that file, at its address (load bias applied) and its file offset?  The check for when the
 * build ID is cut off the core.
 */
static int exe_fits_mappings(struct goproc *p)
{
	struct goelf_mem em;
	struct goelf_reader r;
	struct goelf_ehdr eh;
	uint32_t i;
	int n = 0;

	if (!p->exe_file[0])
		return 0;
	goelf_mem_reader(&r, &em, p->exe_map, p->exe_size);
	if (goelf_read_ehdr(&r, &eh, NULL) || eh.phnum > GOELF_MAX_PHNUM)
		return 0;
	/* An ET_EXEC is loaded where it was linked. */
	if (eh.type == ET_EXEC && p->load_bias)
		return 0;
	for (i = 0; i < eh.phnum; i++) {
		struct goelf_phdr ph;
		struct map_match m = { p->exe_file, 0, 0, 0 };

		if (goelf_read_phdr(&r, &eh, i, &ph))
			return 0;
		if (ph.type != PT_LOAD || !ph.filesz)
			continue;
		m.start = (ph.vaddr + p->load_bias) & ~4095ull;
		m.off = ph.offset & ~4095ull;
		if (elfcore_files(&p->core, find_mapping, &m) <= 0 || !m.found)
			return 0;
		n++;
	}
	return n > 0;
}

static int check_buildid(struct goproc *p)
{
	if (!p->exe_map)
		return 0;
	if (!p->core_buildid[0] && p->core.truncated && exe_fits_mappings(p)) {
		p->exe_unproven = 1;
		goproc_warn(p, "the core is cut before the executable's Go build ID: "
			    "%s is checked against the mappings of %s in the core "
			    "and the goroutines' start functions instead",
			    p->exe_path, p->exe_file);
		return 0;
	}
	if (!p->core_buildid[0] && p->core.truncated)
		return fail(p, "%s: the core is cut before the executable's Go build ID, "
			    "and %s does not fit the mappings of %s the core lists: "
			    "give the executable that crashed",
			    p->core_path, p->exe_path,
			    p->exe_file[0] ? p->exe_file : "the executable");
	if (!p->core_buildid[0])
		return fail(p, "%s: the core does not hold the executable's Go build ID "
			    "(its first page is missing), so %s cannot be checked "
			    "to be the executable that crashed",
			    p->core_path, p->exe_path);
	if (!p->exe_buildid[0])
		return fail(p, "%s: has no Go build ID to compare with the core's",
			    p->exe_path);
	if (strcmp(p->core_buildid, p->exe_buildid))
		return fail(p, "%s: Go build ID %s does not match the core's %s: "
			    "this is not the executable that crashed",
			    p->exe_path, p->exe_buildid, p->core_buildid);
	return 0;
}

/*
 * Call at(p, sg, a) for every address a, a multiple of align, such that
 * [a, a + need) lies in the core's memory segment sg and in one of the
 * executable's PT_LOAD ranges whose p_flags masked by mask equal want: only
 * the bytes the core holds, segment by segment.  Returns 0 as soon as at()
 * does, -1 when none did.
 */
static int scan_exe(struct goproc *p, uint32_t mask, uint32_t want,
		    uint64_t align, uint64_t need,
		    int (*at)(struct goproc *p, const struct procmem_seg *sg,
			      uint64_t a))
{
	size_t k;
	int i;

	for (i = 0; i < p->nexe_ranges; i++) {
		if ((p->exe_ranges[i].flags & mask) != want)
			continue;
		for (k = 0; k < p->mem.n; k++) {
			const struct procmem_seg *sg = &p->mem.segs[k];
			uint64_t lo = sg->start > p->exe_ranges[i].lo ?
				      sg->start : p->exe_ranges[i].lo;
			uint64_t hi = sg->end < p->exe_ranges[i].hi ?
				      sg->end : p->exe_ranges[i].hi;
			uint64_t a;

			for (a = (lo + align - 1) & ~(align - 1);
			     a + need <= hi; a += align)
				if (!at(p, sg, a))
					return 0;
		}
	}
	return -1;
}

/* Is "\xff Go buildinf:" at a, with a version after it?  Keep the version. */
static int buildinfo_at(struct goproc *p, const struct procmem_seg *sg,
			uint64_t a)
{
	char modinfo[64];
	const uint8_t *s = sg->data + (a - sg->start);
	size_t len = sg->end - a;

	if (memcmp(s, "\xff Go buildinf:", 14))
		return -1;
	if (goelf_buildinfo_mem(s, len < 65536 ? len : 65536, p->go_version,
				sizeof(p->go_version), modinfo,
				sizeof(modinfo)) >= 0 && p->go_version[0])
		return 0;
	return -1;
}

/* Find "\xff Go buildinf:" in the executable's data and read the version. */
static int version_from_memory(struct goproc *p)
{
	/* not text (no PF_X), 16-aligned, the 32-byte header */
	return scan_exe(p, PF_X, 0, 16, 32, buildinfo_at);
}

static int in_exe(const struct goproc *p, uint64_t a)
{
	int i;

	for (i = 0; i < p->nexe_ranges; i++)
		if (a >= p->exe_ranges[i].lo && a < p->exe_ranges[i].hi)
			return 1;
	return 0;
}

/*
 * A word of the executable's image at process address a: its data as the
 * loader left it (file bytes, relocations applied), before the process
 * ran.  For runtime.firstmoduledata when the core's copy is cut: the
 * linker fills it, and the runtime never writes the fields gocap reads.
 * 0, or -1 when a is not file bytes or its relocation is not known.
 */
static int image_u64(const struct goproc *p, uint64_t a, uint64_t *v)
{
	const struct procmem_reloc *x = procmem_reloc_at(&p->relocs, a);

	struct goelf_mem em;
	struct goelf_reader r;
	struct goelf_ehdr eh;
	uint64_t va = a - p->load_bias;
	uint32_t i;

	if (!p->exe_map || !p->have_relocs)
		return -1;
	goelf_mem_reader(&r, &em, p->exe_map, p->exe_size);
	if (goelf_read_ehdr(&r, &eh, NULL) || eh.phnum > GOELF_MAX_PHNUM)
		return -1;
	for (i = 0; i < eh.phnum; i++) {
		struct goelf_phdr ph;

		if (goelf_read_phdr(&r, &eh, i, &ph))
			return -1;
		if (ph.type != PT_LOAD || va < ph.vaddr || ph.filesz < 8 ||
		    va - ph.vaddr > ph.filesz - 8 || ph.offset > p->exe_size ||
		    va - ph.vaddr + 8 > p->exe_size - ph.offset)
			continue;
		*v = gcd_le64(p->exe_map + ph.offset + (va - ph.vaddr));
		if (x && !x->known)
			return -1;
		if (x)
			*v = x->value;
		return 0;
	}
	return -1;
}

/* A word of firstmoduledata: from the core, or from the image. */
static int md_u64(const struct goproc *p, uint64_t a, uint64_t *v)
{
	if (p->md_from_image)
		return image_u64(p, a, v);
	return procmem_u64(&p->mem, a, v);
}

/*
 * Find runtime.firstmoduledata without symbols: in the executable's
 * writable mappings, a word P followed by a word P + funcnameOffset (the
 * pcHeader pointer and moduledata.funcnametab's data pointer), where P
 * holds a plausible pcHeader.  Only candidates that pass the cheap test
 * are looked at, so the scan reads the data segment and little else.
 */
static int moduledata_at(struct goproc *p, const struct procmem_seg *sg,
			 uint64_t a)
{
	uint64_t v, w;
	size_t len;
	const uint8_t *s;
	struct pcheader h;

	(void)sg;
	if (md_u64(p, a, &v) || (v & 7) || md_u64(p, a + 8, &w) ||
	    w < v + PCLN_HEADER_SIZE || w - v > 4096 || !in_exe(p, v))
		return -1;
	s = procmem_span(&p->mem, v, &len);
	/* minLC 1: amd64's instruction alignment */
	if (!s || pclntab_header(s, len, &h, NULL, 0) || h.minlc != 1 ||
	    h.funcname_off != w - v)
		return -1;
	p->roots[GCD_ROOT_FIRSTMODULEDATA] = a;
	p->root_src[GCD_ROOT_FIRSTMODULEDATA] = GOROOT_SCAN;
	return 0;
}

static int scan_moduledata(struct goproc *p)
{
	/* writable (PF_W) ranges, 8-aligned, two words */
	return scan_exe(p, PF_W, PF_W, 8, 16, moduledata_at);
}

/* The same over the executable's file image, when the core's is cut. */
static int scan_moduledata_image(struct goproc *p)
{
	struct goelf_mem em;
	struct goelf_reader r;
	struct goelf_ehdr eh;
	uint32_t i;

	goelf_mem_reader(&r, &em, p->exe_map, p->exe_size);
	if (goelf_read_ehdr(&r, &eh, NULL) || eh.phnum > GOELF_MAX_PHNUM)
		return -1;
	p->md_from_image = 1;
	for (i = 0; i < eh.phnum; i++) {
		struct goelf_phdr ph;
		uint64_t a, lo, hi;

		if (goelf_read_phdr(&r, &eh, i, &ph))
			break;
		if (ph.type != PT_LOAD || !(ph.flags & PF_W) || ph.filesz < 16)
			continue;
		lo = (ph.vaddr + p->load_bias + 7) & ~7ull;
		hi = ph.vaddr + p->load_bias + ph.filesz;
		for (a = lo; a + 16 <= hi && a >= lo; a += 8)
			if (!moduledata_at(p, NULL, a))
				return 0;
	}
	p->md_from_image = 0;
	return -1;
}

static int read_moduledata(struct goproc *p)
{
	const struct golayout *l = &p->layout;
	struct gomoduledata *md = &p->md;
	uint64_t a = p->roots[GCD_ROOT_FIRSTMODULEDATA], tabptr, tablen;
	char err[256];
	size_t size;
	const void *data;

	if (procmem_known(&p->mem, a + l->md_pcheader, 8) == 0 &&
	    !image_u64(p, a + l->md_pcheader, &tabptr)) {
		p->md_from_image = 1;
		goproc_warn(p, "runtime.firstmoduledata at 0x%llx is not in the core: "
			    "read from %s's file image",
			    (unsigned long long)a, p->exe_path);
	}
#define MDREAD(field, off)						\
	do {								\
		if ((off) == GOLAYOUT_NONE ||				\
		    md_u64(p, a + (off), &md->field))			\
			return fail(p, "%s: cannot read runtime.firstmoduledata.%s at 0x%llx%s", \
				    p->core_path, #field,		\
				    (unsigned long long)(a + (off)),	\
				    p->exe_map ? "" : "; give the executable with --exe FILE"); \
	} while (0)

	md->addr = a;
	MDREAD(pcheader, l->md_pcheader);
	MDREAD(text, l->md_text);
	MDREAD(etext, l->md_etext);
	MDREAD(minpc, l->md_minpc);
	MDREAD(maxpc, l->md_maxpc);
	MDREAD(noptrdata, l->md_noptrdata);
	MDREAD(enoptrbss, l->md_enoptrbss);
	MDREAD(types, l->md_types);
	MDREAD(etypes, l->md_etypes);
	MDREAD(rodata, l->md_rodata);
	MDREAD(gofunc, l->md_gofunc);
#undef MDREAD
	if (md_u64(p, a + l->md_pclntable, &tabptr) ||
	    md_u64(p, a + l->md_pclntable + 8, &tablen))
		return fail(p, "%s: cannot read runtime.firstmoduledata.pclntable",
			    p->core_path);
	if (tabptr < md->pcheader || tablen > (1ull << 32) ||
	    tabptr - md->pcheader > (1ull << 32))
		return fail(p, "%s: runtime.firstmoduledata at 0x%llx is not consistent (pclntable)",
			    p->core_path, (unsigned long long)a);
	md->pclntab_end = tabptr + tablen;
	size = (size_t)(md->pclntab_end - md->pcheader);
	data = procmem_ptr(&p->mem, md->pcheader, size);
	if (!data) {
		/* Not contiguous in one segment (or partly missing). */
		if (!procmem_known(&p->mem, md->pcheader, size))
			return fail(p, "%s: the pclntab at 0x%llx (%zu bytes) is not all in the core%s",
				    p->core_path,
				    (unsigned long long)md->pcheader, size,
				    p->exe_map ? "" :
				    "; give the executable with --exe FILE");
		p->tab_copy = malloc(size ? size : 1);
		if (!p->tab_copy)
			return fail(p, "out of memory");
		procmem_read(&p->mem, md->pcheader, p->tab_copy, size);
		data = p->tab_copy;
	}
	if (pclntab_init(&p->tab, data, size, md->text, err, sizeof(err)))
		return fail(p, "%s: pclntab at 0x%llx: %s", p->core_path,
			    (unsigned long long)md->pcheader, err);
	if (p->vers.pclntab_120 != (p->tab.ver == PCLN_VER_120))
		goproc_warn(p, "pclntab format does not match Go 1.%d",
			    p->vers.minor);
	return 0;
}

static void take_roots(struct goproc *p, const struct goelf_info *info,
		       unsigned int flags)
{
	unsigned int k;

	if (p->have_note && p->note.have_process && !(flags & GOPROC_NO_NOTE)) {
		for (k = 0; k < GCD_ROOT_COUNT; k++) {
			if (!(p->note.proc.roots_present & (1u << k)))
				continue;
			p->roots[k] = p->note.proc.roots[k];
			p->root_src[k] = GOROOT_NOTE;
		}
	}
	if (info && (info->flags & GOELF_F_ROOTS)) {
		for (k = 0; k < GCD_ROOT_COUNT; k++) {
			if (!(info->roots_present & (1u << k)))
				continue;
			p->symtab_roots[k] = info->roots[k] + p->load_bias;
			p->symtab_roots_present |= 1u << k;
			if (p->root_src[k] == GOROOT_NONE) {
				p->roots[k] = p->symtab_roots[k];
				p->root_src[k] = GOROOT_SYMTAB;
			} else if (p->roots[k] != p->symtab_roots[k]) {
				goproc_warn(p, "%s: the note says 0x%llx, the symbol table 0x%llx",
					    goelf_root_name(k),
					    (unsigned long long)p->roots[k],
					    (unsigned long long)p->symtab_roots[k]);
			}
		}
	}
}

/* Walk runtime.allm and match each M to its thread by m.procid. */
static int read_ms(struct goproc *p)
{
	const struct golayout *l = &p->layout;
	uint64_t m;
	size_t i;

	if (procmem_u64(&p->mem, p->roots[GCD_ROOT_ALLM], &m)) {
		goproc_warn(p, "cannot read runtime.allm at 0x%llx: running goroutines "
			    "will not be matched to threads",
			    (unsigned long long)p->roots[GCD_ROOT_ALLM]);
		return 0;
	}
	while (m && p->nms < GOPROC_MAX_MS) {
		struct gom *ms, *x;
		uint64_t v;

		if (goproc_m_index(p, m) >= 0) {
			goproc_warn(p, "runtime.allm list loops at 0x%llx",
				    (unsigned long long)m);
			break;
		}
		ms = realloc(p->ms, (p->nms + 1) * sizeof(*ms));
		if (!ms)
			return fail(p, "out of memory");
		p->ms = ms;
		x = &ms[p->nms];
		memset(x, 0, sizeof(*x));
		x->addr = m;
		x->thread = -1;
/* (As MDREAD for moduledata, one line per field; an M's fields are
 * optional, so MREAD does not fail.) */
#define MREAD(field, off)						\
		do {							\
			if ((off) != GOLAYOUT_NONE)			\
				procmem_u64(&p->mem, m + (off), &x->field); \
		} while (0)
		if (procmem_u64(&p->mem, m + l->m_id, &v)) {
			goproc_warn(p, "cannot read the M at 0x%llx%s",
				    (unsigned long long)m, p->core.truncated ?
				    " (cut off the core): the Ms after it are unknown" : "");
			break;
		}
		x->id = (int64_t)v;
		MREAD(procid, l->m_procid);
		MREAD(g0, l->m_g0);
		MREAD(gsignal, l->m_gsignal);
		MREAD(curg, l->m_curg);
		MREAD(caughtsig, l->m_caughtsig);
		MREAD(libcallsp, l->m_libcallsp);
		MREAD(libcallpc, l->m_libcallpc);
		MREAD(libcallg, l->m_libcallg);
		MREAD(vdsosp, l->m_vdsosp);
		MREAD(vdsopc, l->m_vdsopc);
#undef MREAD
		if (l->m_throwing != GOLAYOUT_NONE) {
			uint8_t b;

			if (!procmem_u8(&p->mem, m + l->m_throwing, &b))
				x->throwing = b;
		}
		if (l->m_dying != GOLAYOUT_NONE)
			procmem_u32(&p->mem, m + l->m_dying, &x->dying);
		if (l->m_incgo != GOLAYOUT_NONE)
			procmem_u8(&p->mem, m + l->m_incgo, &x->incgo);
		for (i = 0; i < p->nthreads; i++) {
			if (x->procid && p->threads[i].tid == x->procid) {
				x->thread = (int)i;
				p->threads[i].m = (int)p->nms;
			}
		}
		p->nms++;
		if (procmem_u64(&p->mem, m + l->m_alllink, &m))
			break;
	}
	return 0;
}

/* Why the executable's text is not in the core, for messages. */
static const char *filter_why(struct goproc *p)
{
	if (p->have_note && p->note.have_process)
		snprintf(p->filter_why, sizeof(p->filter_why),
			 "the process's coredump_filter was 0x%x, without bit 2 "
			 "(file-backed private mappings)",
			 p->note.proc.coredump_filter);
	else
		snprintf(p->filter_why, sizeof(p->filter_why),
			 "the process's coredump_filter lacked bit 2 (file-backed "
			 "private mappings), as the default 0x33 does, and "
			 "gocoredump.ko did not add them");
	return p->filter_why;
}

/*
 * allgs and allglen.  Fails only when nothing can be done without them;
 * when they are cut (a truncated core), says why in allgs_problem and
 * leaves the rest to gofind.c.
 */
static int read_allgs(struct goproc *p)
{
	uint64_t ga = p->roots[GCD_ROOT_ALLGS], la = p->roots[GCD_ROOT_ALLGLEN];
	uint64_t i;

	if (!ga || !la) {
		if (!p->core.truncated &&
		    !procmem_known(&p->mem, p->md.text, 1))
			return fail(p, "%s: cannot locate runtime.allgs: the executable's "
				    "text (from 0x%llx) is not in the core (%s), and "
				    "there is no gocoredump note and no symbol table to "
				    "say where it is; give the executable with --exe FILE",
				    p->core_path, (unsigned long long)p->md.text,
				    filter_why(p));
		if (!p->core.truncated)
			return fail(p, "%s: cannot locate runtime.allgs/allglen: no gocoredump "
				    "note, no symbol table, and the runtime code did not "
				    "show them; give the executable with its symbol table "
				    "(not built with -ldflags=-s) with --exe FILE",
				    p->core_path);
		snprintf(p->allgs_problem, sizeof(p->allgs_problem),
			 "runtime.allgs was not located (no note, no symbol table, "
			 "and the runtime code did not show it)");
		return 0;
	}
	if (procmem_u64(&p->mem, ga, &p->allgs) ||
	    procmem_u64(&p->mem, la, &p->allglen)) {
		p->allgs = p->allglen = 0;
		snprintf(p->allgs_problem, sizeof(p->allgs_problem),
			 "runtime.allgs/allglen at 0x%llx/0x%llx are not in the core",
			 (unsigned long long)ga, (unsigned long long)la);
		return 0;
	}
	if (p->allglen > GOPROC_MAX_GS)
		return fail(p, "%s: runtime.allglen is %llu, over the limit of %u",
			    p->core_path, (unsigned long long)p->allglen,
			    GOPROC_MAX_GS);
	for (i = 0; i < p->allglen; i++)
		if (!procmem_known(&p->mem, p->allgs + i * 8, 8))
			break;
	if (i < p->allglen)
		snprintf(p->allgs_problem, sizeof(p->allgs_problem),
			 "runtime.allgs is cut: %llu of its %llu entries are in the core",
			 (unsigned long long)i, (unsigned long long)p->allglen);
	return 0;
}

/*
 * An executable taken by its mappings only (exe_unproven): do the
 * goroutines in the core fit it?  Every goroutine's g.startpc is the entry
 * of the function it was started with; another build's pclntab puts its
 * functions elsewhere.  0 when up to 1024 of them (spread over all) fit,
 * -1 (with the message) when one does not.
 */
static int check_exe_fits_goroutines(struct goproc *p)
{
	uint64_t n = p->allglen + p->nfound, i, k, g, pc;
	unsigned int checked = 0, bad = 0;
	struct pcfunc f;

	for (k = 0; k < 1024 && k < n; k++) {
		i = n <= 1024 ? k : k * n / 1024;
		if (i < p->allglen) {
			if (procmem_u64(&p->mem, p->allgs + i * 8, &g))
				continue;
		} else {
			g = p->found[i - p->allglen].g;
		}
		if (procmem_u64(&p->mem, g + p->layout.g_startpc, &pc) || !pc)
			continue;
		checked++;
		if (pclntab_func_at(&p->tab, pc, &f) || f.entry != pc)
			bad++;
	}
	if (bad)
		return fail(p, "%s: %u of %u goroutines in the core start at no function "
			    "entry of %s: it is not the executable that crashed",
			    p->core_path, bad, checked, p->exe_path);
	if (!checked)
		goproc_warn(p, "no goroutine in the core to check %s against",
			    p->exe_path);
	return 0;
}

/* golayout_dwarf_file's warning: a debug file not the executable's */
static void debug_warn(void *arg, const char *msg)
{
	goproc_warn(arg, "%s", msg);
}

static int discover(struct goproc *p, unsigned int flags)
{
	struct goelf_info info;
	struct file_scan fs;
	uint64_t at_entry;
	const char *missing;
	char err[512];
	int r, found;

	memset(&info, 0, sizeof(info));
	p->arch = arch_for(p->core.e_machine, (uint8_t)p->core.elf_class);
	if (!p->arch || !p->arch->sigframe || !p->arch->code_refs ||
	    p->arch->ptrsize != 8)
		return fail(p, "%s: a %s core (e_machine %u, ELF class %u): gocap walks x86-64 Go cores only",
			    p->core_path, p->arch ? p->arch->name : "unknown",
			    p->core.e_machine, p->core.elf_class);
	/* (A cut segment is said by p->truncation.) */
	if (p->core.problem[0] && strncmp(p->core.problem, "truncated:", 10))
		goproc_warn(p, "%s: %s", p->core_path, p->core.problem);
	if (read_threads(p))
		return -1;
	if (procmem_add_core(&p->mem, &p->core))
		return fail(p, "out of memory");

	/* The executable's mapping: the NT_FILE entry holding AT_ENTRY. */
	at_entry = elfcore_auxv(&p->core, AT_ENTRY);
	memset(&fs, 0, sizeof(fs));
	fs.entry = at_entry;
	if (at_entry && elfcore_files(&p->core, find_entry_file, &fs) > 0 &&
	    fs.found) {
		elfcore_files(&p->core, find_file_base, &fs);
		p->exe_base = fs.base;
		snprintf(p->exe_file, sizeof(p->exe_file), "%s", fs.path);
	}

	if (p->exe_path && open_exe(p, &info, flags))
		return -1;
	read_exe_headers(p, at_entry);
	describe_truncation(p);
	if (check_buildid(p))
		return -1;
	if (p->exe_map) {
		int rel_ok = !procmem_exe_relocs(p->exe_map, p->exe_size,
						 p->load_bias,
						 p->arch->rel_relative,
						 &p->relocs);

		if (!rel_ok)
			goproc_warn(p, "%s: its relocations cannot be read: its RELRO "
				    "data is taken from the core only", p->exe_path);
		p->have_relocs = rel_ok;
		if (procmem_add_exe(&p->mem, p->exe_map, p->exe_size,
				    p->load_bias, rel_ok ? &p->relocs : NULL))
			return fail(p, "%s: malformed program headers",
				    p->exe_path);
	}

	r = gcdnote_from_core(&p->core, &p->note);
	if (r > 0)
		p->have_note = 1;
	else if (r < 0)
		goproc_warn(p, "%s: gocoredump note: %s", p->core_path,
			    p->note.problem);

	/* Go version. */
	if (info.flags & GOELF_F_VERSION) {
		snprintf(p->go_version, sizeof(p->go_version), "%s",
			 info.go_version);
		p->go_version_source = "executable's .go.buildinfo";
	} else if (p->have_note && (p->note.proc.flags & GCD_PROC_F_BUILDINFO) &&
		   p->note.proc.go_version[0]) {
		snprintf(p->go_version, sizeof(p->go_version), "%s",
			 p->note.proc.go_version);
		p->go_version_source = "gocoredump note";
	} else if (!version_from_memory(p)) {
		p->go_version_source = "core's .go.buildinfo";
	} else {
		if (!p->nexe_ranges && p->exe_base)
			return fail(p, "%s: the executable's ELF headers (at 0x%llx) are not "
				    "in the core; give the executable (%s) with --exe FILE",
				    p->core_path, (unsigned long long)p->exe_base,
				    p->exe_file);
		if (!p->nexe_ranges)
			return fail(p, "%s: cannot find the executable's mapping in the core "
				    "(no NT_FILE/auxv); give the executable with --exe FILE",
				    p->core_path);
		if (p->core.truncated)
			return fail(p, "%s: no Go build information in what is left of the "
				    "core; give the executable with --exe FILE",
				    p->core_path);
		return fail(p, "%s: no Go build information in the core (.go.buildinfo not "
			    "found in its memory): not a Go program, or its data was not "
			    "dumped; give the executable with --exe FILE",
			    p->core_path);
	}
	if (govers_lookup(p->go_version, &p->vers, err, sizeof(err)))
		return fail(p, "%s: %s", p->core_path, err);

	/* Runtime layout: the executable's DWARF, or its debug file's
	 * (without the executable, the one the core's build ID names). */
	r = 0;
	if (flags & GOPROC_NO_DWARF)
		found = 0;
	else if (p->exe_map)
		found = golayout_dwarf_file(p->exe_path, p->exe_file,
					    p->debug_dir,
					    p->dwarf_path,
					    sizeof(p->dwarf_path),
					    p->dwarf_missing,
					    sizeof(p->dwarf_missing),
					    debug_warn, p);
	else
		found = golayout_dwarf_by_id(p->core_buildid,
					     p->core_gnu_buildid,
					     p->debug_dir, p->dwarf_path,
					     sizeof(p->dwarf_path),
					     p->dwarf_missing,
					     sizeof(p->dwarf_missing),
					     debug_warn, p);
	if (found > 0) {
		r = golayout_from_dwarf(p->dwarf_path, &p->layout, err,
					sizeof(err));
		if (r < 0)
			goproc_warn(p, "%s; using the layout table", err);
	}
	if (r <= 0 && golayout_from_table(p->go_version, &p->layout, err,
					  sizeof(err)))
		return fail(p, "%s: %s", p->core_path, err);
	missing = golayout_missing(&p->layout);
	if (missing)
		return fail(p, "%s: runtime layout (%s) lacks %s",
			    p->core_path, p->layout.source, missing);

	/* firstmoduledata and the pclntab. */
	take_roots(p, &info, flags);
	if (!p->roots[GCD_ROOT_FIRSTMODULEDATA] && scan_moduledata(p) &&
	    (!p->exe_map || scan_moduledata_image(p))) {
		if (p->core.truncated && !p->exe_map)
			return fail(p, "%s: no Go pclntab found in what is left of the core; "
				    "give the executable with --exe FILE", p->core_path);
		if (p->core.truncated)
			return fail(p, "%s: no runtime.firstmoduledata found in the core or in %s",
				    p->core_path, p->exe_path);
		return fail(p, "%s: no Go pclntab found in the core: its text and rodata "
			    "were not dumped (%s); give the executable with --exe FILE",
			    p->core_path, filter_why(p));
	}
	if (read_moduledata(p))
		return -1;

	/* Scheduler roots still missing: from the code. */
	goroots_from_code(p);
	if (read_allgs(p))
		return -1;
	if (p->roots[GCD_ROOT_ALLM]) {
		if (read_ms(p))
			return -1;
	} else {
		goproc_warn(p, "runtime.allm not found: running goroutines will not be "
			    "matched to threads");
	}
	if (!p->allgs_problem[0])
		return p->exe_unproven ? check_exe_fits_goroutines(p) : 0;
	/* allgs is cut: the goroutines it cannot give, found elsewhere. */
	if (gofind_goroutines(p))
		return fail(p, "out of memory");
	if (!p->nfound && !p->allglen)
		return fail(p, "%s: %s, and no goroutine was found elsewhere "
			    "(the Ms, the threads, a scan of the heap)",
			    p->core_path, p->allgs_problem);
	return p->exe_unproven ? check_exe_fits_goroutines(p) : 0;
}

int goproc_open(struct goproc *p, const char *core_path, const char *exe_path,
		const char *debug_dir, unsigned int flags)
{
	memset(p, 0, sizeof(*p));
	p->exe_fd = -1;
	p->crash_thread = -1;
	p->core_path = core_path;
	p->exe_path = exe_path;
	p->debug_dir = debug_dir;
	procmem_init(&p->mem);
	if (elfcore_open(&p->core, core_path))
		return fail(p, "%s: %s", core_path, p->core.problem);
	p->have_core = 1;
	if (discover(p, flags))
		return -1;
	return p->exe_unproven ? goproc_check_exe(p) : 0;
}

int goproc_open_mem(struct goproc *p, const void *core, size_t size,
		    unsigned int flags)
{
	memset(p, 0, sizeof(*p));
	p->exe_fd = -1;
	p->crash_thread = -1;
	p->core_path = "core";
	procmem_init(&p->mem);
	if (elfcore_from_mem(&p->core, core, size))
		return fail(p, "core: %s", p->core.problem);
	p->have_core = 1;
	return discover(p, flags);
}

uint64_t goproc_allgs_cut(const struct goproc *p, uint64_t i)
{
	uint64_t at = p->allgs + i * 8, next, end;

	if (i >= p->allglen)
		return 0;
	/* past the top of the address space (a corrupt allgs): every
	 * entry from i on, at once, not one at a time */
	if (i > (UINT64_MAX - p->allgs) / 8 || UINT64_MAX - at < 7)
		return p->allglen - i;
	if (procmem_known(&p->mem, at, 8))
		return 0;
	/* every entry from i holding a byte of [at + 7, next) is cut */
	next = procmem_known_from(&p->mem, at + 7);
	if (next == at + 7)
		return 1;
	end = next == UINT64_MAX || next - p->allgs > p->allglen * 8 ?
		p->allglen : (next - p->allgs + 7) / 8;
	return end > i ? end - i : 1;
}

void goproc_release_pages(const struct goproc *p)
{
	/* Only mappings of files: a core given from memory (fuzz) is not
	 * ours to drop. */
	if (p->have_core && p->core.fd >= 0 && p->core.size)
		madvise((void *)p->core.data, p->core.size, MADV_DONTNEED);
	if (p->exe_map)
		madvise((void *)p->exe_map, p->exe_size, MADV_DONTNEED);
}

void goproc_close(struct goproc *p)
{
	if (p->have_core)
		elfcore_close(&p->core);
	if (p->exe_map)
		munmap((void *)p->exe_map, p->exe_size);
	if (p->exe_fd >= 0)
		close(p->exe_fd);
	gcdnote_free(&p->note);
	procmem_free(&p->mem);
	procmem_relocs_free(&p->relocs);
	free(p->tab_copy);
	free(p->threads);
	free(p->ms);
	free(p->found);
	memset(p, 0, sizeof(*p));
	p->exe_fd = -1;
}
