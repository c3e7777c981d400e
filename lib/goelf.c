// SPDX-License-Identifier: GPL-2.0
/*
 * goelf.c - the ELF layer: decode ELF records (headers, program and
 * section headers, notes) for every reader in the project, recognise a Go
 * ELF file, read its .go.buildinfo and find the Go runtime's scheduler
 * roots in its symbol table.
 *
 * This file is shared by gocoredump.ko, the userland tools and a fuzz
 * target: it does no I/O and allocates nothing.  All bytes come through
 * struct goelf_reader in bounded pieces (at most GOELF_MAX_READ), and every
 * offset and size taken from the file is checked against the file size
 * before it is used.  Large reads go into a scratch buffer that the caller
 * owns; the stack holds only small fixed-size arrays.
 *
 * What it is not: a general ELF library.  It knows little-endian ELF32 and
 * ELF64 headers, section headers, program headers, notes and symbols, and
 * nothing else.
 */
#ifdef __KERNEL__
#include <linux/string.h>
#else
#include <string.h>
#endif

#include "../include/gocoredump/goelf.h"
#include "../include/gocoredump/le.h"

#define BUILDINFO_MAGIC		"\xff Go buildinf:"
#define BUILDINFO_MAGIC_LEN	14
#define BUILDINFO_HDR_LEN	32
#define BUILDINFO_FLAG_BE	0x1
#define BUILDINFO_FLAG_INLINE	0x2

/* Little-endian field of a record in b, by class, record and field name. */
#define FIELD(b, bits, rec, field)					\
	(GOELF_SIZE(bits, rec, field) == 8 ?				\
	 gcd_le64((b) + GOELF_OFF(bits, rec, field)) :			\
	 GOELF_SIZE(bits, rec, field) == 4 ?				\
	 gcd_le32((b) + GOELF_OFF(bits, rec, field)) :			\
	 GOELF_SIZE(bits, rec, field) == 2 ?				\
	 gcd_le16((b) + GOELF_OFF(bits, rec, field)) :			\
	 (b)[GOELF_OFF(bits, rec, field)])
/* The same field in whichever class the file is. */
#define CFIELD(is64, b, rec, field)					\
	((is64) ? (uint64_t)FIELD(b, 64, rec, field) :			\
		  (uint64_t)FIELD(b, 32, rec, field))

struct elf {
	const struct goelf_reader *r;
	uint8_t *buf;			/* GOELF_SCRATCH_SIZE bytes */
	struct goelf_ehdr eh;
	uint64_t shstr_off, shstr_size;
	unsigned int note_areas;	/* scanned so far, GOELF_MAX_NOTE_AREAS */
};

/*
 * goelf_probe() reads through this wrapper of the caller's reader.  The
 * first failed read poisons the probe: every later read fails at once
 * without asking the reader, and the probe ends with -GOELF_EIO however
 * the part that read was handled (an unreadable optional part must not
 * turn into "not Go" or "no roots", which a caller would keep).
 */
struct probe_io {
	const struct goelf_reader *r;
	int failed;
};

static uint64_t min64(uint64_t a, uint64_t b)
{
	return a < b ? a : b;
}

static uint64_t align_note(uint64_t n)
{
	return (n + GOELF_NOTE_ALIGN - 1) & ~(uint64_t)(GOELF_NOTE_ALIGN - 1);
}

/* True when [off, off + len) lies inside the file, without overflow. */
static int in_file(const struct goelf_reader *r, uint64_t off, uint64_t len)
{
	return off <= r->size && len <= r->size - off;
}

static int rd(const struct goelf_reader *r, uint64_t off, void *buf,
	      uint64_t len)
{
	if (len > GOELF_MAX_READ || !in_file(r, off, len))
		return -GOELF_EBADF;
	if (len == 0)
		return 0;
	return r->read(r->ctx, off, buf, (size_t)len) ? -GOELF_EIO : 0;
}

static int mem_read(void *ctx, uint64_t off, void *buf, size_t len)
{
	const struct goelf_mem *m = ctx;

	if (off > m->size || len > m->size - off)
		return -1;
	memcpy(buf, m->p + off, len);
	return 0;
}

void goelf_mem_reader(struct goelf_reader *r, struct goelf_mem *m,
		      const void *p, uint64_t size)
{
	m->p = p;
	m->size = size;
	r->read = mem_read;
	r->ctx = m;
	r->size = size;
}

/* Copy n bytes into a fixed NUL-terminated field, keeping it printable. */
static void copy_str(char *dst, size_t dst_len, const uint8_t *src,
		     uint64_t n)
{
	size_t i, k = 0;

	for (i = 0; i < n && k + 1 < dst_len; i++) {
		uint8_t c = src[i];

		dst[k++] = (c >= 0x20 && c < 0x7f) ? (char)c : '?';
	}
	dst[k] = '\0';
}

/* ---- records ------------------------------------------------------- */

/* Entry idx of a table of num entries of entsize bytes at off. */
static int read_entry(const struct goelf_reader *r, uint64_t off,
		      uint32_t num, uint32_t entsize, uint32_t idx, void *buf,
		      uint64_t len)
{
	if (idx >= num)
		return -GOELF_EBADF;
	return rd(r, off + (uint64_t)idx * entsize, buf, len);
}

int goelf_read_shdr(const struct goelf_reader *r, const struct goelf_ehdr *eh,
		    uint32_t idx, struct goelf_shdr *sh)
{
	int is64 = eh->elf_class == ELFCLASS64;
	uint8_t b[GOELF_SHDR64_SIZE];
	int err = read_entry(r, eh->shoff, eh->shnum, eh->shentsize, idx, b,
			     is64 ? GOELF_SHDR64_SIZE : GOELF_SHDR32_SIZE);

	if (err)
		return err;
	sh->name = (uint32_t)CFIELD(is64, b, Shdr, sh_name);
	sh->type = (uint32_t)CFIELD(is64, b, Shdr, sh_type);
	sh->offset = CFIELD(is64, b, Shdr, sh_offset);
	sh->size = CFIELD(is64, b, Shdr, sh_size);
	sh->link = (uint32_t)CFIELD(is64, b, Shdr, sh_link);
	sh->info = (uint32_t)CFIELD(is64, b, Shdr, sh_info);
	return 0;
}

/* (Like goelf_read_shdr() in shape only: its own record's fields.) */
int goelf_read_phdr(const struct goelf_reader *r, const struct goelf_ehdr *eh,
		    uint32_t idx, struct goelf_phdr *ph)
{
	int is64 = eh->elf_class == ELFCLASS64;
	uint8_t b[GOELF_PHDR64_SIZE];
	int err = read_entry(r, eh->phoff, eh->phnum, eh->phentsize, idx, b,
			     is64 ? GOELF_PHDR64_SIZE : GOELF_PHDR32_SIZE);

	if (err)
		return err;
	ph->type = (uint32_t)CFIELD(is64, b, Phdr, p_type);
	ph->flags = (uint32_t)CFIELD(is64, b, Phdr, p_flags);
	ph->offset = CFIELD(is64, b, Phdr, p_offset);
	ph->vaddr = CFIELD(is64, b, Phdr, p_vaddr);
	ph->filesz = CFIELD(is64, b, Phdr, p_filesz);
	ph->memsz = CFIELD(is64, b, Phdr, p_memsz);
	return 0;
}

static int ehdr_fail(const char **why, const char *text, int err)
{
	if (why)
		*why = text;
	return err;
}

int goelf_read_ehdr(const struct goelf_reader *r, struct goelf_ehdr *eh,
		    const char **why)
{
	uint8_t b[GOELF_EHDR64_SIZE];
	uint32_t phsize, shsize;
	int is64, err;

	memset(eh, 0, sizeof(*eh));
	if (r->size < GOELF_EHDR32_SIZE)
		return ehdr_fail(why, "not an ELF file", -GOELF_ENOTELF);
	err = rd(r, 0, b, EI_NIDENT);
	if (err)
		return ehdr_fail(why, "cannot read the ELF header", err);
	if (memcmp(b, ELFMAG, SELFMAG) != 0)
		return ehdr_fail(why, "not an ELF file", -GOELF_ENOTELF);
	if (b[EI_DATA] != ELFDATA2LSB)
		return ehdr_fail(why, "not a little-endian ELF file",
				 -GOELF_ENOTELF);
	if (b[EI_CLASS] != ELFCLASS32 && b[EI_CLASS] != ELFCLASS64)
		return ehdr_fail(why, "unknown ELF class", -GOELF_ENOTELF);
	is64 = b[EI_CLASS] == ELFCLASS64;
	if (r->size < (is64 ? GOELF_EHDR64_SIZE : GOELF_EHDR32_SIZE))
		return ehdr_fail(why, "ELF header is cut short",
				 -GOELF_ENOTELF);
	err = rd(r, 0, b, is64 ? GOELF_EHDR64_SIZE : GOELF_EHDR32_SIZE);
	if (err)
		return ehdr_fail(why, "cannot read the ELF header", err);
	phsize = is64 ? GOELF_PHDR64_SIZE : GOELF_PHDR32_SIZE;
	shsize = is64 ? GOELF_SHDR64_SIZE : GOELF_SHDR32_SIZE;
	eh->elf_class = b[EI_CLASS];
	eh->type = (uint16_t)CFIELD(is64, b, Ehdr, e_type);
	eh->machine = (uint16_t)CFIELD(is64, b, Ehdr, e_machine);
	eh->entry = CFIELD(is64, b, Ehdr, e_entry);
	eh->phoff = CFIELD(is64, b, Ehdr, e_phoff);
	eh->shoff = CFIELD(is64, b, Ehdr, e_shoff);
	eh->phentsize = (uint32_t)CFIELD(is64, b, Ehdr, e_phentsize);
	eh->phnum = (uint32_t)CFIELD(is64, b, Ehdr, e_phnum);
	eh->shentsize = (uint32_t)CFIELD(is64, b, Ehdr, e_shentsize);
	eh->shnum = (uint32_t)CFIELD(is64, b, Ehdr, e_shnum);
	eh->shstrndx = (uint32_t)CFIELD(is64, b, Ehdr, e_shstrndx);

	if (!eh->shoff) {
		eh->shnum = 0;
		eh->shstrndx = 0;
	} else if (eh->shentsize < shsize) {
		return ehdr_fail(why, "section header size is wrong",
				 -GOELF_EBADF);
	} else if (eh->shnum == 0 || eh->shstrndx == SHN_XINDEX ||
		   eh->phnum == PN_XNUM) {
		/* Extended numbering: the real counts live in section 0. */
		struct goelf_shdr sh0;
		uint32_t shnum = eh->shnum;

		eh->shnum = 1;
		err = goelf_read_shdr(r, eh, 0, &sh0);
		if (err == -GOELF_EIO)
			return ehdr_fail(why, "cannot read section header 0",
					 err);
		if (err)
			return ehdr_fail(why, eh->phnum == PN_XNUM ?
					 "e_phnum is PN_XNUM but section header 0 is missing" :
					 "section header 0 is missing",
					 -GOELF_EBADF);
		eh->shnum = shnum ? shnum : (uint32_t)min64(sh0.size,
							    0xffffffffu);
		if (eh->shstrndx == SHN_XINDEX)
			eh->shstrndx = sh0.link;
		if (eh->phnum == PN_XNUM)
			eh->phnum = sh0.info;
	}
	if (eh->phnum == PN_XNUM)
		return ehdr_fail(why,
				 "e_phnum is PN_XNUM but section header 0 is missing",
				 -GOELF_EBADF);
	if (eh->shnum && !in_file(r, eh->shoff,
				  (uint64_t)eh->shnum * eh->shentsize))
		return ehdr_fail(why,
				 "section headers run past the end of the file",
				 -GOELF_EBADF);
	if (eh->phnum && eh->phentsize < phsize)
		return ehdr_fail(why, "program header size is wrong",
				 -GOELF_EBADF);
	if (!in_file(r, eh->phoff, (uint64_t)eh->phnum * eh->phentsize))
		return ehdr_fail(why,
				 "program headers run past the end of the file",
				 -GOELF_EBADF);
	return 0;
}

/* ---- notes --------------------------------------------------------- */

void goelf_notes_init(struct goelf_notes *it, uint64_t off, uint64_t size)
{
	it->pos = off;
	it->end = off + size < off ? ~0ull : off + size;
}

int goelf_note_next(const struct goelf_reader *r, struct goelf_notes *it,
		    struct goelf_note *n)
{
	uint8_t h[GOELF_NHDR_SIZE];
	uint64_t left, name_len, desc_len;
	int err;

	if (it->pos >= it->end || it->end - it->pos < GOELF_NHDR_SIZE)
		return 0;
	err = rd(r, it->pos, h, GOELF_NHDR_SIZE);
	if (err)
		return err;
	n->namesz = gcd_le32(h + GOELF_OFF(64, Nhdr, n_namesz));
	n->descsz = gcd_le32(h + GOELF_OFF(64, Nhdr, n_descsz));
	n->type = gcd_le32(h + GOELF_OFF(64, Nhdr, n_type));
	left = it->end - it->pos - GOELF_NHDR_SIZE;
	name_len = align_note(n->namesz);
	desc_len = align_note(n->descsz);
	if (name_len > left || n->descsz > left - name_len)
		return -GOELF_EBADF;
	n->offset = it->pos;
	n->name_off = it->pos + GOELF_NHDR_SIZE;
	n->desc_off = n->name_off + name_len;
	if (desc_len > left - name_len)
		it->pos = it->end;	/* the last note, its padding cut */
	else
		it->pos = n->desc_off + desc_len;
	return 1;
}

int goelf_note_owner_is(const struct goelf_reader *r,
			const struct goelf_note *n, const char *owner)
{
	uint8_t b[16];
	size_t len = strlen(owner) + 1;

	if (n->namesz != len || len > sizeof(b) ||
	    rd(r, n->name_off, b, len))
		return 0;
	return memcmp(b, owner, len) == 0;
}

/* Go writes its owner as "Go\0" padded, with n_namesz 3 or 4. */
static int is_go_buildid(const struct goelf_reader *r,
			 const struct goelf_note *n)
{
	uint8_t nm[4];

	return n->type == GOELF_NT_GO_BUILDID &&
	       (n->namesz == 3 || n->namesz == 4) &&
	       !rd(r, n->name_off, nm, n->namesz) && nm[0] == 'G' &&
	       nm[1] == 'o' && nm[2] == 0;
}

static int copy_go_buildid(const struct goelf_reader *r,
			   const struct goelf_note *n, char *out,
			   size_t outlen)
{
	uint8_t id[GOELF_BUILDID_LEN];
	uint64_t len = min64(n->descsz, sizeof(id) - 1);

	if (rd(r, n->desc_off, id, len))
		return 0;
	copy_str(out, outlen, id, len);
	return 1;
}

static int copy_gnu_buildid(const struct goelf_reader *r,
			    const struct goelf_note *n, char *out,
			    size_t outlen)
{
	static const char hex[] = "0123456789abcdef";
	uint8_t id[32];
	uint32_t i;

	if (n->descsz < 1 || n->descsz > sizeof(id) ||
	    2 * (size_t)n->descsz + 1 > outlen ||
	    rd(r, n->desc_off, id, n->descsz))
		return 0;
	for (i = 0; i < n->descsz; i++) {
		out[2 * i] = hex[id[i] >> 4];
		out[2 * i + 1] = hex[id[i] & 15];
	}
	out[2 * n->descsz] = '\0';
	return 1;
}

static int is_gnu_buildid(const struct goelf_reader *r,
			  const struct goelf_note *n)
{
	return n->type == NT_GNU_BUILD_ID &&
	       goelf_note_owner_is(r, n, GOELF_NOTE_GNU_OWNER);
}

int goelf_go_buildid(const struct goelf_reader *r, uint64_t off,
		     uint64_t size, char *out, size_t outlen)
{
	struct goelf_notes it;
	struct goelf_note n;
	int guard = 0;

	goelf_notes_init(&it, off, size);
	while (guard++ < GOELF_MAX_NOTES && goelf_note_next(r, &it, &n) > 0)
		if (is_go_buildid(r, &n))
			return copy_go_buildid(r, &n, out, outlen);
	return 0;
}

int goelf_gnu_buildid(const struct goelf_reader *r, uint64_t off,
		      uint64_t size, char *out, size_t outlen)
{
	struct goelf_notes it;
	struct goelf_note n;
	int guard = 0;

	goelf_notes_init(&it, off, size);
	while (guard++ < GOELF_MAX_NOTES && goelf_note_next(r, &it, &n) > 0)
		if (is_gnu_buildid(r, &n))
			return copy_gnu_buildid(r, &n, out, outlen);
	return 0;
}

/* ---- a Go file ----------------------------------------------------- */

/* Parse the ELF header and find the section name table. */
static int parse_ehdr(struct elf *e)
{
	struct goelf_shdr ss;
	int err = goelf_read_ehdr(e->r, &e->eh, NULL);

	if (err)
		return err;
	if (e->eh.phnum > GOELF_MAX_PHNUM || e->eh.shnum > GOELF_MAX_SHNUM)
		return -GOELF_ERANGE;
	if (e->eh.shstrndx && e->eh.shstrndx < e->eh.shnum) {
		err = goelf_read_shdr(e->r, &e->eh, e->eh.shstrndx, &ss);
		if (err)
			return err;
		if (ss.type == SHT_STRTAB && in_file(e->r, ss.offset, ss.size)) {
			e->shstr_off = ss.offset;
			e->shstr_size = ss.size;
		}
	}
	return 0;
}

/* Is the section name at sh_name exactly want? */
static int name_is(const struct elf *e, uint32_t sh_name, const char *want)
{
	uint8_t b[32];
	size_t n = strlen(want) + 1;

	if (n > sizeof(b) || sh_name >= e->shstr_size ||
	    n > e->shstr_size - sh_name)
		return 0;
	if (rd(e->r, e->shstr_off + sh_name, b, n))
		return 0;
	return memcmp(b, want, n) == 0;
}

/*
 * Look through a note area for the build IDs not found yet.  At most
 * GOELF_MAX_NOTE_AREAS areas per file: a crafted file can declare 65535
 * note sections over the same bytes.
 */
static void scan_notes(struct elf *e, uint64_t off, uint64_t size,
		       struct goelf_info *info)
{
	const struct goelf_reader *r = e->r;
	struct goelf_notes it;
	struct goelf_note n;
	int guard = 0;

	if (!in_file(r, off, size) || e->note_areas >= GOELF_MAX_NOTE_AREAS)
		return;
	e->note_areas++;
	goelf_notes_init(&it, off, size);
	while (guard++ < GOELF_MAX_NOTES && goelf_note_next(r, &it, &n) > 0) {
		if (!(info->flags & GOELF_F_GOBUILDID) && is_go_buildid(r, &n) &&
		    copy_go_buildid(r, &n, info->go_buildid,
				    sizeof(info->go_buildid)))
			info->flags |= GOELF_F_GOBUILDID;
		if (!(info->flags & GOELF_F_GNUBUILDID) &&
		    is_gnu_buildid(r, &n) &&
		    copy_gnu_buildid(r, &n, info->gnu_buildid,
				     sizeof(info->gnu_buildid)))
			info->flags |= GOELF_F_GNUBUILDID;
	}
}

static int scan_program_headers(struct elf *e, struct goelf_info *info)
{
	int found_off0 = 0;
	uint32_t i;

	for (i = 0; i < e->eh.phnum; i++) {
		struct goelf_phdr ph;

		if (goelf_read_phdr(e->r, &e->eh, i, &ph))
			return -GOELF_EIO;
		if (ph.type == PT_LOAD && !found_off0 && ph.offset < 4096 &&
		    ph.vaddr >= ph.offset) {
			info->vaddr_at_off0 = (ph.vaddr - ph.offset) & ~4095ull;
			found_off0 = 1;
		}
		/* Notes the sections did not show: through PT_NOTE. */
		if (ph.type == PT_NOTE &&
		    (info->flags & (GOELF_F_GOBUILDID | GOELF_F_GNUBUILDID)) !=
		    (GOELF_F_GOBUILDID | GOELF_F_GNUBUILDID))
			scan_notes(e, ph.offset, ph.filesz, info);
	}
	return 0;
}

/* Decode an unsigned LEB128 varint from b[*pos..len). */
static int uvarint(const uint8_t *b, size_t len, size_t *pos, uint64_t *v)
{
	uint64_t x = 0;
	unsigned int shift = 0;

	while (*pos < len && shift < 64) {
		uint8_t c = b[(*pos)++];

		x |= (uint64_t)(c & 0x7f) << shift;
		if (!(c & 0x80)) {
			*v = x;
			return 0;
		}
		shift += 7;
	}
	return -1;
}

/*
 * Locate the version and modinfo strings of an inline (Go 1.18 and later)
 * .go.buildinfo at [base, base + size): after a 32-byte header, each is a
 * uvarint length followed by its bytes.  Older (pointer) layouts are
 * refused.
 */
static int buildinfo_strings(const struct goelf_reader *r, uint64_t base,
			     uint64_t size, uint64_t *ver_off,
			     uint64_t *ver_len, uint64_t *mod_off,
			     uint64_t *mod_len)
{
	uint8_t b[BUILDINFO_HDR_LEN], vb[10];
	uint64_t v, pos;
	size_t p, n;

	if (size < BUILDINFO_HDR_LEN + 2 || !in_file(r, base, size))
		return -GOELF_EBADF;
	if (rd(r, base, b, BUILDINFO_HDR_LEN))
		return -GOELF_EIO;
	if (memcmp(b, BUILDINFO_MAGIC, BUILDINFO_MAGIC_LEN) != 0 ||
	    (b[15] & BUILDINFO_FLAG_BE) || !(b[15] & BUILDINFO_FLAG_INLINE))
		return -GOELF_EBADF;

	pos = BUILDINFO_HDR_LEN;
	n = (size_t)min64(size - pos, sizeof(vb));
	if (rd(r, base + pos, vb, n))
		return -GOELF_EIO;
	p = 0;
	if (uvarint(vb, n, &p, &v) || v > size - pos - p)
		return -GOELF_EBADF;
	*ver_off = base + pos + p;
	*ver_len = v;
	pos += p + v;

	if (pos >= size)
		return -GOELF_EBADF;
	n = (size_t)min64(size - pos, sizeof(vb));
	if (rd(r, base + pos, vb, n))
		return -GOELF_EIO;
	p = 0;
	if (uvarint(vb, n, &p, &v) || v > size - pos - p)
		return -GOELF_EBADF;
	*mod_off = base + pos + p;
	*mod_len = v;
	/* Go wraps modinfo in two 16-byte sentinels; strip them. */
	if (v >= 33) {
		uint8_t c;

		if (rd(r, *mod_off + v - 17, &c, 1))
			return -GOELF_EIO;
		if (c == '\n') {
			*mod_off += 16;
			*mod_len -= 32;
		}
	}
	return 0;
}

/*
 * Walk the modinfo text line by line in scratch-sized chunks and pick out
 * the main module path ("mod\t<path>\t...", or failing that "path\t<path>")
 * and the vcs.revision build setting.  Over-long lines are skipped.
 */
static void parse_modinfo(const struct elf *e, uint64_t off, uint64_t len,
			  struct goelf_info *info)
{
	uint8_t *line = e->buf;
	uint64_t pos = 0;
	int have_mod = 0;

	len = min64(len, GOELF_MAX_BUILDINFO);
	while (pos < len) {
		size_t n = (size_t)min64(len - pos, GOELF_SCRATCH_SIZE);
		size_t i, eol;

		if (rd(e->r, off + pos, line, n))
			return;
		for (eol = 0; eol < n && line[eol] != '\n'; eol++)
			;
		if (eol == n && pos + n < len) {
			/* A line longer than the scratch buffer: skip it. */
			pos += n;
			continue;
		}
		if (eol >= 5 && !memcmp(line, "mod\t", 4)) {
			for (i = 4; i < eol && line[i] != '\t'; i++)
				;
			copy_str(info->go_module, sizeof(info->go_module),
				 line + 4, i - 4);
			have_mod = 1;
		} else if (eol >= 6 && !memcmp(line, "path\t", 5) &&
			   !have_mod) {
			copy_str(info->go_module, sizeof(info->go_module),
				 line + 5, eol - 5);
		} else if (eol > 19 &&
			   !memcmp(line, "build\tvcs.revision=", 19)) {
			copy_str(info->vcs_revision, sizeof(info->vcs_revision),
				 line + 19, eol - 19);
			info->flags |= GOELF_F_VCSREV;
		}
		pos += eol + 1;
	}
}

static void read_buildinfo(const struct elf *e, struct goelf_info *info)
{
	uint64_t voff, vlen, moff, mlen;
	uint8_t v[GCD_GOVERSION_LEN];

	if (buildinfo_strings(e->r, info->buildinfo_off, info->buildinfo_size,
			      &voff, &vlen, &moff, &mlen))
		return;
	if (vlen >= sizeof(v) || rd(e->r, voff, v, vlen))
		return;
	copy_str(info->go_version, sizeof(info->go_version), v, vlen);
	info->flags |= GOELF_F_VERSION;
	parse_modinfo(e, moff, mlen, info);
}

static const char *const root_names[GCD_ROOT_COUNT] = {
	[GCD_ROOT_ALLGS] = "runtime.allgs",
	[GCD_ROOT_ALLGLEN] = "runtime.allglen",
	[GCD_ROOT_ALLM] = "runtime.allm",
	[GCD_ROOT_ALLP] = "runtime.allp",
	[GCD_ROOT_SCHED] = "runtime.sched",
	[GCD_ROOT_FIRSTMODULEDATA] = "runtime.firstmoduledata",
	[GCD_ROOT_BUILDVERSION] = "runtime.buildVersion",
};

const char *goelf_root_name(unsigned int root)
{
	return root < GCD_ROOT_COUNT ? root_names[root] : "?";
}

#define ROOT_NAME_MAX	24	/* strlen("runtime.firstmoduledata") + 1 */
#define MAX_NAME_HITS	4	/* .strtab offsets remembered per root */

struct root_scan {
	uint32_t hits[GCD_ROOT_COUNT][MAX_NAME_HITS];
	uint8_t nhits[GCD_ROOT_COUNT];
};

static void add_hit(struct root_scan *rs, unsigned int k, uint32_t at)
{
	unsigned int h;

	for (h = 0; h < rs->nhits[k]; h++)
		if (rs->hits[k][h] == at)
			return;
	if (rs->nhits[k] < MAX_NAME_HITS)
		rs->hits[k][rs->nhits[k]++] = at;
}

/*
 * Pass 1: record where each root's name, NUL included, starts in .strtab.
 * This finds the name wherever a symbol could point at it, shared string
 * tails included.  Chunks overlap by ROOT_NAME_MAX - 1 bytes so a name that
 * straddles a boundary is seen whole in the next chunk.
 */
static int scan_strtab(const struct elf *e, uint64_t off, uint64_t size,
		       struct root_scan *rs)
{
	uint8_t *buf = e->buf;
	uint64_t pos = 0;

	size = min64(size, GOELF_MAX_STRTAB);
	while (pos < size) {
		size_t n = (size_t)min64(size - pos, GOELF_SCRATCH_SIZE);
		size_t i;
		unsigned int k;

		if (rd(e->r, off + pos, buf, n))
			return -GOELF_EIO;
		for (i = 0; i < n; i++) {
			if (buf[i] != 'r')
				continue;
			for (k = 0; k < GCD_ROOT_COUNT; k++) {
				size_t len = strlen(root_names[k]) + 1;

				if (len <= n - i &&
				    !memcmp(buf + i, root_names[k], len))
					add_hit(rs, k, (uint32_t)(pos + i));
			}
		}
		if (pos + n >= size)
			break;
		pos += n - (ROOT_NAME_MAX - 1);
	}
	return 0;
}

/*
 * Pass 2: walk .symtab and take the value of each defined object symbol
 * whose name offset is one found in pass 1.
 */
static int scan_symtab(const struct elf *e, const struct goelf_shdr *sym,
		       const struct root_scan *rs, struct goelf_info *info)
{
	int is64 = e->eh.elf_class == ELFCLASS64;
	uint32_t entsize = is64 ? GOELF_SYM64_SIZE : GOELF_SYM32_SIZE;
	uint64_t nsyms = sym->size / entsize, i = 0;
	uint64_t per_chunk = GOELF_SCRATCH_SIZE / entsize;

	if (nsyms > GOELF_MAX_SYMS)
		return -GOELF_ERANGE;
	while (i < nsyms) {
		uint64_t n = min64(nsyms - i, per_chunk), j;

		if (rd(e->r, sym->offset + i * entsize, e->buf, n * entsize))
			return -GOELF_EIO;
		for (j = 0; j < n; j++) {
			const uint8_t *s = e->buf + j * entsize;
			uint32_t name = (uint32_t)CFIELD(is64, s, Sym, st_name);
			uint64_t value = CFIELD(is64, s, Sym, st_value);
			uint8_t type = ELF64_ST_TYPE(CFIELD(is64, s, Sym,
							    st_info));
			uint16_t shndx = (uint16_t)CFIELD(is64, s, Sym,
							  st_shndx);
			unsigned int k, h;

			if (shndx == SHN_UNDEF ||
			    (shndx >= SHN_LORESERVE && shndx != SHN_XINDEX) ||
			    (type != STT_OBJECT && type != STT_NOTYPE))
				continue;
			for (k = 0; k < GCD_ROOT_COUNT; k++) {
				if (info->roots_present & (1u << k))
					continue;
				for (h = 0; h < rs->nhits[k]; h++) {
					if (rs->hits[k][h] != name)
						continue;
					info->roots[k] = value;
					info->roots_present |= 1u << k;
				}
			}
		}
		i += n;
	}
	return 0;
}

static void read_roots(const struct elf *e, struct goelf_info *info)
{
	struct goelf_shdr sym, str;
	struct root_scan rs;
	uint32_t i;

	for (i = 1; i < e->eh.shnum; i++) {
		if (goelf_read_shdr(e->r, &e->eh, i, &sym))
			return;
		if (sym.type == SHT_SYMTAB)
			break;
	}
	if (i >= e->eh.shnum || !in_file(e->r, sym.offset, sym.size) ||
	    goelf_read_shdr(e->r, &e->eh, sym.link, &str) ||
	    str.type != SHT_STRTAB || !in_file(e->r, str.offset, str.size))
		return;
	info->flags |= GOELF_F_SYMTAB;
	memset(&rs, 0, sizeof(rs));
	if (scan_strtab(e, str.offset, str.size, &rs) ||
	    scan_symtab(e, &sym, &rs, info))
		return;
	info->flags |= GOELF_F_ROOTS;
}

static int probe_read(void *ctx, uint64_t off, void *buf, size_t len)
{
	struct probe_io *io = ctx;

	if (io->failed)
		return -1;
	if (io->r->read(io->r->ctx, off, buf, len))
		io->failed = 1;
	return io->failed ? -1 : 0;
}

static int probe_file(struct elf *e, unsigned int want,
		      struct goelf_info *info)
{
	const struct goelf_reader *r = e->r;
	struct goelf_shdr sh;
	uint32_t i;
	int err;

	err = parse_ehdr(e);
	if (err)
		return err;
	info->flags |= GOELF_F_ELF;
	info->elf_class = e->eh.elf_class;
	info->e_type = e->eh.type;
	info->e_machine = e->eh.machine;

	for (i = 1; i < e->eh.shnum; i++) {
		if (goelf_read_shdr(r, &e->eh, i, &sh))
			break;
		if (!(info->flags & GOELF_F_BUILDINFO) &&
		    in_file(r, sh.offset, sh.size) &&
		    name_is(e, sh.name, ".go.buildinfo")) {
			info->flags |= GOELF_F_BUILDINFO;
			info->buildinfo_off = sh.offset;
			info->buildinfo_size = sh.size;
		}
		if (sh.type == SHT_NOTE)
			scan_notes(e, sh.offset, sh.size, info);
	}
	err = scan_program_headers(e, info);
	if (err)
		return err;

	if ((want & GOELF_WANT_BUILDINFO) && (info->flags & GOELF_F_BUILDINFO))
		read_buildinfo(e, info);
	if ((want & GOELF_WANT_ROOTS) && (info->flags & GOELF_F_GO))
		read_roots(e, info);
	return 0;
}

int goelf_probe(const struct goelf_reader *r, unsigned int want,
		struct goelf_info *info, void *scratch)
{
	struct probe_io io = { .r = r };
	struct goelf_reader pr = {
		.read = probe_read, .ctx = &io, .size = r->size,
	};
	struct elf e;
	int err;

	memset(info, 0, sizeof(*info));
	memset(&e, 0, sizeof(e));
	e.r = &pr;
	e.buf = scratch;
	err = probe_file(&e, want, info);
	return io.failed ? -GOELF_EIO : err;
}

static int copy_modinfo(const struct goelf_reader *r, uint64_t base,
			uint64_t size, char *version, size_t version_len,
			char *buf, size_t buf_len)
{
	uint64_t voff, vlen, moff, mlen, done = 0;
	uint8_t v[GCD_GOVERSION_LEN];
	int err;

	if (!version_len || !buf_len)
		return -GOELF_ERANGE;
	err = buildinfo_strings(r, base, size, &voff, &vlen, &moff, &mlen);
	if (err)
		return err;
	if (vlen >= sizeof(v))
		return -GOELF_ERANGE;
	if (rd(r, voff, v, vlen))
		return -GOELF_EIO;
	copy_str(version, version_len, v, vlen);
	mlen = min64(mlen, buf_len - 1);
	while (done < mlen) {
		uint64_t n = min64(mlen - done, GOELF_MAX_READ);

		if (rd(r, moff + done, buf + done, n))
			return -GOELF_EIO;
		done += n;
	}
	buf[done] = '\0';
	return (int)done;
}

int goelf_modinfo(const struct goelf_reader *r, const struct goelf_info *info,
		  char *version, size_t version_len, char *buf, size_t buf_len)
{
	if (!(info->flags & GOELF_F_BUILDINFO))
		return -GOELF_EBADF;
	return copy_modinfo(r, info->buildinfo_off, info->buildinfo_size,
			    version, version_len, buf, buf_len);
}

int goelf_buildinfo_mem(const void *sec, size_t sec_len, char *version,
			size_t version_len, char *buf, size_t buf_len)
{
	struct goelf_mem m;
	struct goelf_reader r;

	goelf_mem_reader(&r, &m, sec, sec_len);
	return copy_modinfo(&r, 0, sec_len, version, version_len, buf,
			    buf_len);
}

const char *goelf_strerror(int err)
{
	switch (err < 0 ? -err : err) {
	case 0:
		return "no error";
	case GOELF_ENOTELF:
		return "not a little-endian ELF file";
	case GOELF_EIO:
		return "read error";
	case GOELF_EBADF:
		return "malformed ELF (an offset or size is out of range)";
	case GOELF_ERANGE:
		return "ELF structure over the parser's bounds";
	default:
		return "unknown error";
	}
}

int goelf_read_dyn(const struct goelf_reader *r, uint64_t off, uint64_t idx,
		   struct goelf_dyn *d)
{
	uint8_t b[GOELF_DYN64_SIZE];
	int err;

	if (off > r->size || idx > r->size / GOELF_DYN64_SIZE)
		return -GOELF_EBADF;
	err = rd(r, off + idx * GOELF_DYN64_SIZE, b, sizeof(b));
	if (err)
		return err;
	d->tag = FIELD(b, 64, Dyn, d_tag);
	d->val = FIELD(b, 64, Dyn, d_un);
	return 0;
}

int goelf_read_rela(const struct goelf_reader *r, uint64_t off, uint64_t idx,
		    struct goelf_rela *rel)
{
	uint8_t b[GOELF_RELA64_SIZE];
	int err;

	if (off > r->size || idx > r->size / GOELF_RELA64_SIZE)
		return -GOELF_EBADF;
	err = rd(r, off + idx * GOELF_RELA64_SIZE, b, sizeof(b));
	if (err)
		return err;
	rel->offset = FIELD(b, 64, Rela, r_offset);
	rel->info = FIELD(b, 64, Rela, r_info);
	rel->addend = FIELD(b, 64, Rela, r_addend);
	return 0;
}
