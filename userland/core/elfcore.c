// SPDX-License-Identifier: GPL-2.0
/*
 * elfcore.c - validated reader of ELF core files (see elfcore.h).
 *
 * Every offset and size comes from the file and is checked against the
 * mapping before use.  Truncation is expected (a core cut short by a full
 * disk or RLIMIT_CORE) and reported, never fatal on its own.
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

#include "core/elfcore.h"
#include "gocoredump/goelf.h"
#include "gocoredump/le.h"

static void problem(struct elfcore *c, const char *fmt, ...)
{
	va_list ap;

	if (c->problem[0])
		return;		/* keep the first one: it explains the rest */
	va_start(ap, fmt);
	vsnprintf(c->problem, sizeof(c->problem), fmt, ap);
	va_end(ap);
}

static int in_file(const struct elfcore *c, uint64_t off, uint64_t len)
{
	return off <= c->size && len <= c->size - off;
}

static void parse_notes(struct elfcore *c, const struct goelf_reader *r,
			uint64_t off, uint64_t size)
{
	struct goelf_notes it;
	struct goelf_note gn;
	int ret;

	if (!in_file(c, off, size)) {
		c->truncated = 1;
		problem(c, "PT_NOTE at offset %#llx runs past the end of the file",
			(unsigned long long)off);
		size = off < c->size ? c->size - off : 0;
	}
	goelf_notes_init(&it, off, size);
	while ((ret = goelf_note_next(r, &it, &gn)) > 0) {
		struct elfcore_note *n;

		if (gn.namesz && c->data[gn.name_off + gn.namesz - 1] != '\0') {
			problem(c, "note at offset %#llx: owner name not NUL-terminated",
				(unsigned long long)gn.offset);
			return;
		}
		if (c->nnotes >= ELFCORE_MAX_NOTES) {
			problem(c, "more than %u notes", ELFCORE_MAX_NOTES);
			return;
		}
		n = realloc(c->notes, (c->nnotes + 1) * sizeof(*n));
		if (!n) {
			problem(c, "out of memory reading notes");
			return;
		}
		c->notes = n;
		n += c->nnotes++;
		n->name = gn.namesz ? (const char *)c->data + gn.name_off : "";
		n->namesz = gn.namesz;
		n->type = gn.type;
		n->desc = c->data + gn.desc_off;
		n->descsz = gn.descsz;
		n->offset = gn.offset;
	}
	if (ret < 0)
		problem(c, "note at offset %#llx is larger than its PT_NOTE",
			(unsigned long long)it.pos);
}

static int parse(struct elfcore *c)
{
	struct goelf_mem m;
	struct goelf_reader r;
	struct goelf_ehdr eh;
	const char *why = NULL;
	uint64_t cut_off = UINT64_MAX;
	uint32_t i;

	goelf_mem_reader(&r, &m, c->data, c->size);
	if (goelf_read_ehdr(&r, &eh, &why)) {
		problem(c, "%s", why);
		return -1;
	}
	c->elf_class = eh.elf_class;
	c->e_type = eh.type;
	c->e_machine = eh.machine;
	c->phnum = eh.phnum;
	if (c->e_type != ET_CORE) {
		problem(c, "ELF type %u is not a core (ET_CORE)", c->e_type);
		return -1;
	}
	if (eh.phnum && eh.phentsize != (eh.elf_class == ELFCLASS64 ?
					 GOELF_PHDR64_SIZE :
					 GOELF_PHDR32_SIZE)) {
		problem(c, "program header size %u is wrong", eh.phentsize);
		return -1;
	}
	if (c->phnum > ELFCORE_MAX_SEGS) {
		problem(c, "%u program headers is over the limit", c->phnum);
		return -1;
	}
	c->segs = calloc(c->phnum ? c->phnum : 1, sizeof(*c->segs));
	if (!c->segs) {
		problem(c, "out of memory");
		return -1;
	}
	for (i = 0; i < c->phnum; i++) {
		struct goelf_phdr ph;
		struct elfcore_seg s;

		if (goelf_read_phdr(&r, &eh, i, &ph)) {
			problem(c, "program header %u cannot be read", i);
			return -1;
		}
		s.flags = ph.flags;
		s.offset = ph.offset;
		s.vaddr = ph.vaddr;
		s.filesz = ph.filesz;
		s.memsz = ph.memsz;
		if (ph.type == PT_NOTE) {
			if (s.offset + s.filesz > c->want_size &&
			    s.offset + s.filesz >= s.offset)
				c->want_size = s.offset + s.filesz;
			if (!c->note_size && !c->note_off) {
				c->note_off = s.offset;
				c->note_size = s.filesz;
			}
			parse_notes(c, &r, s.offset, s.filesz);
			continue;
		}
		if (ph.type != PT_LOAD)
			continue;
		if (s.filesz > s.memsz) {
			problem(c, "segment at %#llx: p_filesz > p_memsz",
				(unsigned long long)s.vaddr);
			s.filesz = s.memsz;
		}
		if (s.offset >= c->size)
			s.avail = 0;
		else
			s.avail = s.filesz < c->size - s.offset ?
				  s.filesz : c->size - s.offset;
		if (s.offset + s.filesz > c->want_size &&
		    s.offset + s.filesz >= s.offset)
			c->want_size = s.offset + s.filesz;
		if (s.avail < s.filesz) {
			if (s.offset < cut_off) {
				cut_off = s.offset;
				c->cut_vaddr = s.vaddr + s.avail;
			}
			c->truncated = 1;
			problem(c, "truncated: segment at %#llx has %llu of its %llu bytes",
				(unsigned long long)s.vaddr,
				(unsigned long long)s.avail,
				(unsigned long long)s.filesz);
		}
		c->segs[c->nsegs++] = s;
	}
	return 0;
}

int elfcore_from_mem(struct elfcore *c, const void *data, size_t size)
{
	memset(c, 0, sizeof(*c));
	c->fd = -1;
	c->data = data;
	c->size = size;
	return parse(c);
}

int elfcore_open(struct elfcore *c, const char *path)
{
	struct stat st;
	void *map;
	int fd;

	memset(c, 0, sizeof(*c));
	c->fd = -1;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		problem(c, "cannot open: %s", strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		problem(c, "not a regular file");
		close(fd);
		return -1;
	}
	if (st.st_size == 0) {
		problem(c, "empty file");
		close(fd);
		return -1;
	}
	map = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	if (map == MAP_FAILED) {
		problem(c, "cannot map: %s", strerror(errno));
		close(fd);
		return -1;
	}
	c->fd = fd;
	c->data = map;
	c->size = (size_t)st.st_size;
	return parse(c);
}

void elfcore_close(struct elfcore *c)
{
	if (c->fd >= 0) {
		munmap((void *)c->data, c->size);
		close(c->fd);
	}
	free(c->segs);
	free(c->notes);
	memset(c, 0, sizeof(*c));
	c->fd = -1;
}

void elfcore_will_read_most(const struct elfcore *c)
{
	if (c->fd >= 0 && c->data)
		madvise((void *)c->data, c->size, MADV_HUGEPAGE);
}

const struct elfcore_seg *elfcore_seg_at(const struct elfcore *c,
					 uint64_t vaddr)
{
	size_t i;

	for (i = 0; i < c->nsegs; i++) {
		const struct elfcore_seg *s = &c->segs[i];

		if (vaddr >= s->vaddr && vaddr - s->vaddr < s->memsz)
			return s;
	}
	return NULL;
}

int elfcore_read(const struct elfcore *c, uint64_t vaddr, void *buf,
		 size_t len)
{
	uint8_t *out = buf;

	while (len) {
		const struct elfcore_seg *s = elfcore_seg_at(c, vaddr);
		uint64_t rel, n;

		if (!s)
			return -1;
		rel = vaddr - s->vaddr;
		n = s->memsz - rel < len ? s->memsz - rel : len;
		if (rel < s->filesz) {
			uint64_t inf = s->filesz - rel < n ? s->filesz - rel : n;

			if (rel + inf > s->avail)
				return -1;	/* cut off by truncation */
			memcpy(out, c->data + s->offset + rel, inf);
			if (inf < n)
				memset(out + inf, 0, n - inf);
		} else {
			/*
			 * Not written (p_filesz < p_memsz): the kernel left it
			 * out by filter, so the content is unknown, not zero.
			 */
			return -1;
		}
		out += n;
		vaddr += n;
		len -= n;
	}
	return 0;
}

const void *elfcore_ptr(const struct elfcore *c, uint64_t vaddr, size_t len)
{
	const struct elfcore_seg *s = elfcore_seg_at(c, vaddr);
	uint64_t rel;

	if (!s)
		return NULL;
	rel = vaddr - s->vaddr;
	if (rel > s->avail || len > s->avail - rel)
		return NULL;
	return c->data + s->offset + rel;
}

const struct elfcore_note *elfcore_note(const struct elfcore *c,
					const char *name, uint32_t type,
					size_t idx)
{
	size_t i;

	for (i = 0; i < c->nnotes; i++) {
		const struct elfcore_note *n = &c->notes[i];

		if (n->type != type || strcmp(n->name, name) != 0)
			continue;
		if (idx-- == 0)
			return n;
	}
	return NULL;
}

int elfcore_prstatus(const struct elfcore *c, const struct elfcore_note *n,
		     struct core_regs *out)
{
	const struct arch *a = arch_for(c->e_machine, (uint8_t)c->elf_class);

	memset(out, 0, sizeof(*out));
	if (n->type != NT_PRSTATUS || !a)
		return -1;
	return a->prstatus(n->desc, n->descsz, out);
}

/* Word i of w bytes at d: the kernel's notes are in words of the core's
 * class. */
static uint64_t nt_word(const uint8_t *d, unsigned int w, uint64_t i)
{
	return w == 8 ? gcd_le64(d + i * 8) : gcd_le32(d + i * 4);
}

uint64_t elfcore_auxv(const struct elfcore *c, uint64_t key)
{
	const struct elfcore_note *n = elfcore_note(c, ELFCORE_OWNER, NT_AUXV,
						    0);
	unsigned int w = c->elf_class == ELFCLASS64 ? 8 : 4;
	uint32_t i;

	/* NT_AUXV: {a_type, a_val} pairs of words (Elf64_auxv_t). */
	if (!n)
		return 0;
	for (i = 0; (i + 2) * w <= n->descsz; i += 2)
		if (nt_word(n->desc, w, i) == key)
			return nt_word(n->desc, w, i + 1);
	return 0;
}

int elfcore_files(const struct elfcore *c,
		  int (*fn)(void *arg, uint64_t start, uint64_t end,
			    uint64_t file_off, const char *path),
		  void *arg)
{
	const struct elfcore_note *n = elfcore_note(c, ELFCORE_OWNER, NT_FILE,
						    0);
	unsigned int w = c->elf_class == ELFCLASS64 ? 8 : 4;
	uint64_t count, page, i;
	const uint8_t *d, *names, *end;

	/*
	 * NT_FILE (fs/binfmt_elf.c, fill_files_note): words of the core's
	 * class: count, page size, then count triples {start, end, file
	 * offset in pages}, then count NUL-terminated paths.
	 */
	if (!n)
		return -1;
	d = n->desc;
	end = d + n->descsz;
	if (n->descsz < 2 * w)
		return -1;
	count = nt_word(d, w, 0);
	page = nt_word(d, w, 1);
	if (count > (n->descsz - 2 * w) / (3 * w))
		return -1;
	names = d + (2 + count * 3) * w;
	for (i = 0; i < count; i++) {
		const uint8_t *e = d + (2 + i * 3) * w;
		const uint8_t *nul = memchr(names, 0, (size_t)(end - names));
		int r;

		if (!nul)
			return -1;
		r = fn(arg, nt_word(e, w, 0), nt_word(e, w, 1),
		       nt_word(e, w, 2) * page, (const char *)names);
		if (r)
			return r;
		names = nul + 1;
	}
	return 0;
}
