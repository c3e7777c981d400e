// SPDX-License-Identifier: GPL-2.0
/*
 * goelf.c - the ELF layer: decode ELF records (headers, program and
 * section headers, notes) for every reader in the project, recognise a Go
 * ELF file, read its .go.buildinfo, find the Go runtime's scheduler roots
 * in its symbol table and, for the module's fatal-error upgrade, the fatal
 * path (GOELF_WANT_FATAL).
 *
 * This file is shared by gocoredump.ko, the userland tools and a fuzz
 * target: it does no I/O and allocates nothing.  All bytes come through
 * struct goelf_reader in bounded pieces (at most GOELF_MAX_READ), and every
 * offset and size taken from the file is checked against the file size
 * before it is used.  Large reads go into a scratch buffer that the caller
 * owns; the stack holds only small fixed-size arrays.
 *
 * The fatal path (amd64 and 386 files, Go 1.18's pclntab or later's):
 *  - the pclntab (.gopclntab; .data.rel.ro.gopclntab in a PIE before Go
 *    1.26, or, when the system linker merged that into .data.rel.ro, its
 *    header found there by a scan: find_merged_pcln()) gives the entries of runtime.startpanic_m and of
 *    runtime.setTraceback, which the linker names by its linkname,
 *    runtime/debug.SetTraceback.  The function names are found by a
 *    sequential scan of the name table, then the function table and each
 *    _func's nameOff are walked, through two read windows in the scratch
 *    buffer: a table of 100,000 functions costs a few thousand reads.
 *    Entries are offsets from runtime.text: pcHeader.textStart up to Go
 *    1.25, runtime.moduledata.text (section .go.module, checked against
 *    the pclntab) from Go 1.26 on, where textStart is 0.  Not the .text
 *    section's address: with cgo, C code comes first;
 *  - setTraceback's code gives runtime.traceback_cache: every byte offset
 *    is matched against the one 32-bit atomic store Go 1.19 to 1.27 emit
 *    (store_at()), and exactly one match is taken;
 *  - .symtab, when there is one, gives the same variable by name; code and
 *    symbol must agree, and the file must hold the variable's initial
 *    value (GOELF_TB_INITIAL) in a writable segment.
 * Whatever fails leaves GOELF_F_FATAL clear with fatal_why saying why;
 * only a failed read fails the probe.
 *
 * What it is not: a general ELF library.  It knows little-endian ELF32 and
 * ELF64 headers, section headers, program headers, notes and symbols, the
 * few Go structures named above, and nothing else.
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
	/* GOELF_WANT_FATAL: the sections it reads (size 0: none) */
	uint64_t pcln_off, pcln_size;			/* the pclntab */
	uint64_t relro_off, relro_size;			/* .data.rel.ro */
	uint64_t gomod_off, gomod_size;			/* .go.module */
	int tbcache_sym_differs;	/* .symtab has two different ones */
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

/*
 * The section name at sh_name, its first bytes: into b (len bytes, not
 * NUL-terminated); returns how many (0 when none).  Names compared with
 * name_eq() are shorter than SEC_NAME_MAX.
 */
#define SEC_NAME_MAX	32

static size_t sec_name(const struct elf *e, uint32_t sh_name, uint8_t *b)
{
	size_t n;

	if (sh_name >= e->shstr_size)
		return 0;
	n = (size_t)min64(e->shstr_size - sh_name, SEC_NAME_MAX);
	return rd(e->r, e->shstr_off + sh_name, b, n) ? 0 : n;
}

/* Is the name sec_name() gave (n bytes of b) exactly want? */
static int name_eq(const uint8_t *b, size_t n, const char *want)
{
	size_t len = strlen(want) + 1;

	return len <= n && memcmp(b, want, len) == 0;
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

/*
 * The names looked for in .strtab: the roots, then the variable that holds
 * the traceback setting (GOELF_WANT_FATAL).
 */
#define SYM_TBCACHE	GCD_ROOT_COUNT
#define SYM_COUNT	(GCD_ROOT_COUNT + 1)
/*
 * Names per pass: these (SYM_COUNT, 8) or goelf_symbols()'s, both at most
 * GOELF_MAX_SYMBOL_NAMES (read_symbols() checks).
 */
#define SCAN_NAMES_MAX	GOELF_MAX_SYMBOL_NAMES

static const char *const sym_names[SYM_COUNT] = {
	[GCD_ROOT_ALLGS] = "runtime.allgs",
	[GCD_ROOT_ALLGLEN] = "runtime.allglen",
	[GCD_ROOT_ALLM] = "runtime.allm",
	[GCD_ROOT_ALLP] = "runtime.allp",
	[GCD_ROOT_SCHED] = "runtime.sched",
	[GCD_ROOT_FIRSTMODULEDATA] = "runtime.firstmoduledata",
	[GCD_ROOT_BUILDVERSION] = "runtime.buildVersion",
	[SYM_TBCACHE] = "runtime.traceback_cache",
};

const char *goelf_root_name(unsigned int root)
{
	return root < GCD_ROOT_COUNT ? sym_names[root] : "?";
}

/*
 * Longest name scan_names() looks for, NUL included:
 * strlen("runtime/debug.SetTraceback") + 1 (fn_names[]).
 */
#define SCAN_NAME_MAX	27
#define MAX_NAME_HITS	4	/* offsets remembered per name */

/*
 * Names looked for in a string table (.strtab, the pclntab's function
 * names), where each was found, and (scan_symtab()) which have a symbol,
 * and which have symbols of different values.
 */
struct name_scan {
	const char *const *names;
	unsigned int n;			/* at most SCAN_NAMES_MAX */
	int at_start;			/* only after a NUL (or first) */
	uint32_t hits[SCAN_NAMES_MAX][MAX_NAME_HITS];
	uint8_t nhits[SCAN_NAMES_MAX];
	uint32_t found, differ;		/* bit k: names[k] */
};

static void add_hit(struct name_scan *ns, unsigned int k, uint32_t at)
{
	unsigned int h;

	for (h = 0; h < ns->nhits[k]; h++)
		if (ns->hits[k][h] == at)
			return;
	if (ns->nhits[k] < MAX_NAME_HITS)
		ns->hits[k][ns->nhits[k]++] = at;
}

/*
 * Record where each name, NUL included, starts in the string table at
 * [off, off + size).  In .strtab this finds a name wherever a symbol could
 * point at it, shared string tails included; the pclntab's function names
 * (at_start) are whole strings.  Chunks overlap by SCAN_NAME_MAX bytes, so
 * a name that straddles a boundary is seen whole in the next chunk, and
 * one that starts a chunk was seen, with the byte before it, in the last.
 */
static int scan_names(const struct elf *e, uint64_t off, uint64_t size,
		      struct name_scan *ns)
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
			if (ns->at_start && (i ? buf[i - 1] != 0 : pos != 0))
				continue;
			for (k = 0; k < ns->n; k++) {
				size_t len;

				if (buf[i] != (uint8_t)ns->names[k][0])
					continue;
				len = strlen(ns->names[k]) + 1;
				if (len <= n - i &&
				    !memcmp(buf + i, ns->names[k], len))
					add_hit(ns, k, (uint32_t)(pos + i));
			}
		}
		if (pos + n >= size)
			break;
		pos += n - SCAN_NAME_MAX;
	}
	return 0;
}

/* Is name (a string table offset) one scan_names() found for names[k]? */
static int is_hit(const struct name_scan *ns, unsigned int k, uint32_t name)
{
	unsigned int h;

	for (h = 0; h < ns->nhits[k]; h++)
		if (ns->hits[k][h] == name)
			return 1;
	return 0;
}

/*
 * Walk .symtab and take the value of the first defined object symbol of
 * each name scan_names() found (ns->names[k]) into vals[k].
 */
static int scan_symtab(const struct elf *e, const struct goelf_shdr *sym,
		       struct name_scan *ns, uint64_t *vals)
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
			unsigned int k;

			if (shndx == SHN_UNDEF ||
			    (shndx >= SHN_LORESERVE && shndx != SHN_XINDEX) ||
			    (type != STT_OBJECT && type != STT_NOTYPE))
				continue;
			for (k = 0; k < ns->n; k++) {
				if (!is_hit(ns, k, name))
					continue;
				if (!(ns->found & (1u << k)))
					vals[k] = value;
				else if (vals[k] != value)
					ns->differ |= 1u << k;
				ns->found |= 1u << k;
			}
		}
		i += n;
	}
	return 0;
}

/* .symtab and its string table: 0, or -1 when there is none whole. */
static int find_symtab(const struct elf *e, struct goelf_shdr *sym,
		       struct goelf_shdr *str)
{
	uint32_t i;

	for (i = 1; i < e->eh.shnum; i++) {
		if (goelf_read_shdr(e->r, &e->eh, i, sym))
			return -1;
		if (sym->type == SHT_SYMTAB)
			break;
	}
	if (i >= e->eh.shnum || !in_file(e->r, sym->offset, sym->size) ||
	    goelf_read_shdr(e->r, &e->eh, sym->link, str) ||
	    str->type != SHT_STRTAB || !in_file(e->r, str->offset, str->size))
		return -1;
	return 0;
}

/*
 * The roots (GOELF_WANT_ROOTS) and runtime.traceback_cache
 * (GOELF_WANT_FATAL) from .symtab, in one pass over it.
 */
static void read_symbols(struct elf *e, unsigned int want,
			 struct goelf_info *info)
{
	struct goelf_shdr sym, str;
	struct name_scan ns;
	uint64_t vals[SYM_COUNT] = { 0 };

	if (find_symtab(e, &sym, &str))
		return;
	info->flags |= GOELF_F_SYMTAB;
	memset(&ns, 0, sizeof(ns));
	ns.names = sym_names;
	ns.n = (want & GOELF_WANT_FATAL) ? SYM_COUNT : GCD_ROOT_COUNT;
	if (ns.n > SCAN_NAMES_MAX)
		return;
	if (scan_names(e, str.offset, str.size, &ns) ||
	    scan_symtab(e, &sym, &ns, vals))
		return;
	memcpy(info->roots, vals, sizeof(info->roots));
	info->tbcache_sym = vals[SYM_TBCACHE];
	if (want & GOELF_WANT_ROOTS) {
		info->roots_present = ns.found & ((1u << GCD_ROOT_COUNT) - 1);
		info->flags |= GOELF_F_ROOTS;
	} else {
		memset(info->roots, 0, sizeof(info->roots));
	}
	e->tbcache_sym_differs = !!(ns.differ & (1u << SYM_TBCACHE));
}

/* ---- the fatal path (GOELF_WANT_FATAL) ----------------------------- */

/*
 * runtime.pcHeader (runtime/symtab.go): magic, two zero bytes, minLC,
 * ptrSize, then pointer-sized words: nfunc, nfiles, textStart, and the
 * offsets from the header of funcnametab, cutab, filetab, pctab and
 * pclntable.  pclntable starts with the functab, nfunc + 1 pairs
 * {entryoff, funcoff} (uint32; the last entryoff is the end of the text),
 * and goes on with the _func records at pclntable + funcoff, whose second
 * field is nameOff (int32, into funcnametab).  Entries are offsets from
 * the text start, runtime.text.
 */
#define PCLN_MAGIC_118		0xfffffff0u	/* Go 1.18, 1.19 */
#define PCLN_MAGIC_120		0xfffffff1u	/* Go 1.20 and later */
#define PCH_WORDS_AT		8		/* the words' offset */
#define PCH_NFUNC		0		/* word indices */
#define PCH_TEXTSTART		2
#define PCH_FUNCNAME		3
#define PCH_CU			4
#define PCH_FILETAB		5
#define PCH_PCTAB		6
#define PCH_PCLN		7
#define PCH_WORDS		8
#define FUNCTAB_ENTRY		8		/* {entryoff, funcoff} */
#define FUNC_NAMEOFF		4		/* _func.nameOff */

/*
 * runtime.moduledata, words from the start: pcHeader, then the slices
 * funcnametab, cutab, filetab, pctab, pclntable and ftab (pointer, len,
 * cap each), findfunctab, minpc, maxpc, text, etext.  From Go 1.26 on it
 * has a section of its own, .go.module, and pcHeader.textStart is 0.
 */
#define MD_PCHEADER		0
#define MD_FUNCNAME		1
#define MD_PCLNTABLE		13
#define MD_FTAB			16
#define MD_FTAB_LEN		17
#define MD_MINPC		20
#define MD_MAXPC		21
#define MD_TEXT			22
#define MD_ETEXT		23
#define MD_WORDS		24

/* The functions looked for in the pclntab, by their names there. */
#define FN_STARTPANIC		0
#define FN_SETTB		1
#define FN_COUNT		2
/*
 * runtime.setTraceback is linknamed to runtime/debug.SetTraceback, the
 * name the linker gives it (Go 1.19 to 1.27).
 */
static const char *const fn_names[FN_COUNT] = {
	[FN_STARTPANIC] = "runtime.startpanic_m",
	[FN_SETTB] = "runtime/debug.SetTraceback",
};

#define SETTB_MAX	8192	/* bytes of setTraceback's code decoded */
#define STORE_MAX	16	/* longest instruction pair matched */

/* The pclntab's header, checked, with file offsets. */
struct pcln {
	int is64;
	uint32_t ptrsize;
	uint64_t nfunc;
	uint64_t text;			/* runtime.text */
	uint64_t funcname_off;		/* from the header: funcnametab */
	uint64_t funcname_size;
	uint64_t tab_off;		/* from the header: pclntable */
	uint64_t tab;			/* file offset of pclntable */
	uint64_t tab_size;		/* to the section's end */
};

/*
 * A read cache over part of the scratch buffer, for sequential walks: the
 * kernel's reader costs a page-cache lookup per call, and a walk of
 * 100,000 functions must cost a few thousand calls, not 200,000.
 */
struct win {
	uint8_t *buf;
	uint32_t cap;			/* bytes of buf */
	uint32_t len;			/* bytes held, from off */
	uint64_t off, end;		/* nothing at or past end is read */
};

static void win_init(struct win *w, uint8_t *buf, uint32_t cap, uint64_t end)
{
	w->buf = buf;
	w->cap = cap;
	w->len = 0;
	w->off = 0;
	w->end = end;
}

/* n bytes at file offset off (before w->end) into dst: 0 or -GOELF_E*. */
static int win_read(const struct elf *e, struct win *w, uint64_t off,
		    void *dst, uint32_t n)
{
	uint64_t len;
	int err;

	if (off < w->off || off - w->off > w->len ||
	    n > w->len - (off - w->off)) {
		if (n > w->cap || off > w->end || n > w->end - off)
			return -GOELF_EBADF;
		len = min64(w->cap, w->end - off);
		err = rd(e->r, off, w->buf, len);
		if (err) {
			w->len = 0;
			return err;
		}
		w->off = off;
		w->len = (uint32_t)len;
	}
	memcpy(dst, w->buf + (off - w->off), n);
	return 0;
}

static uint64_t word(const uint8_t *p, int is64)
{
	return is64 ? gcd_le64(p) : gcd_le32(p);
}

/*
 * The file offset of [vaddr, vaddr + len) in the file part of a PT_LOAD
 * with all of the flags pf: 0, or -1 when no segment holds it whole.
 */
static int vaddr_to_off(const struct elf *e, uint64_t vaddr, uint64_t len,
			uint32_t pf, uint64_t *off)
{
	uint32_t i;

	for (i = 0; i < e->eh.phnum; i++) {
		struct goelf_phdr ph;
		uint64_t d;

		if (goelf_read_phdr(e->r, &e->eh, i, &ph))
			return -1;
		if (ph.type != PT_LOAD || (ph.flags & pf) != pf ||
		    vaddr < ph.vaddr)
			continue;
		d = vaddr - ph.vaddr;
		if (d > ph.filesz || len > ph.filesz - d ||
		    ph.offset + d < ph.offset ||
		    !in_file(e->r, ph.offset + d, len))
			continue;
		*off = ph.offset + d;
		return 0;
	}
	return -1;
}

static int fatal_arch(const struct goelf_ehdr *eh)
{
	return (eh->machine == EM_X86_64 && eh->elf_class == ELFCLASS64) ||
	       (eh->machine == EM_386 && eh->elf_class == ELFCLASS32);
}

/*
 * runtime.text from runtime.moduledata in .go.module, which must point at
 * this pclntab (Go 1.26 and later, whose pcHeader has no text start).
 */
static const char *moduledata_text(const struct elf *e, struct pcln *p,
				   const uint64_t *hw)
{
	uint32_t ps = p->ptrsize;
	uint64_t off;

#define MD(i)	word(e->buf + (i) * ps, p->is64)
	if (e->gomod_size < MD_WORDS * ps)
		return "the pclntab has no text start, and there is no .go.module";
	if (rd(e->r, e->gomod_off, e->buf, MD_WORDS * ps))
		return "cannot read .go.module";
	if (vaddr_to_off(e, MD(MD_PCHEADER), PCH_WORDS_AT + PCH_WORDS * ps, 0,
			 &off) || off != e->pcln_off ||
	    MD(MD_FUNCNAME) != MD(MD_PCHEADER) + hw[PCH_FUNCNAME] ||
	    MD(MD_PCLNTABLE) != MD(MD_PCHEADER) + hw[PCH_PCLN] ||
	    MD(MD_FTAB) != MD(MD_PCLNTABLE) ||
	    MD(MD_FTAB_LEN) != p->nfunc + 1 ||
	    !MD(MD_TEXT) || MD(MD_TEXT) > MD(MD_MINPC) ||
	    MD(MD_MINPC) > MD(MD_MAXPC) || MD(MD_MAXPC) > MD(MD_ETEXT))
		return "the module data in .go.module does not match the pclntab";
	p->text = MD(MD_TEXT);
#undef MD
	return NULL;
}

/*
 * Check the pclntab's header (as userland/go/pclntab.c does) and fill *p.
 * NULL, or why not.
 */
static const char *pcln_header(const struct elf *e, struct pcln *p)
{
	const uint8_t *h = e->buf;
	uint64_t hw[PCH_WORDS], hsize;
	uint32_t magic;
	unsigned int i;

	memset(p, 0, sizeof(*p));
	p->is64 = e->eh.elf_class == ELFCLASS64;
	p->ptrsize = p->is64 ? 8 : 4;
	hsize = PCH_WORDS_AT + PCH_WORDS * p->ptrsize;
	if (!e->pcln_size)
		return "no .gopclntab section";
	if (e->pcln_size < hsize)
		return "the pclntab header is cut short";
	if (rd(e->r, e->pcln_off, e->buf, hsize))
		return "cannot read the pclntab header";
	magic = gcd_le32(h);
	if (magic != PCLN_MAGIC_118 && magic != PCLN_MAGIC_120)
		return "the pclntab is not Go 1.18's format or later's";
	if (h[4] || h[5] || h[6] != 1 || h[7] != p->ptrsize)
		return "the pclntab header is not for this file's architecture";
	for (i = 0; i < PCH_WORDS; i++)
		hw[i] = word(h + PCH_WORDS_AT + i * p->ptrsize, p->is64);
	p->nfunc = hw[PCH_NFUNC];
	if (!p->nfunc || p->nfunc > GOELF_MAX_FUNCS)
		return "the pclntab has no functions, or too many";
	if (hw[PCH_FUNCNAME] < hsize || hw[PCH_FUNCNAME] > hw[PCH_CU] ||
	    hw[PCH_CU] > hw[PCH_FILETAB] || hw[PCH_FILETAB] > hw[PCH_PCTAB] ||
	    hw[PCH_PCTAB] > hw[PCH_PCLN] || hw[PCH_PCLN] > e->pcln_size)
		return "the pclntab sub-table offsets are out of order";
	p->funcname_off = hw[PCH_FUNCNAME];
	p->funcname_size = hw[PCH_CU] - hw[PCH_FUNCNAME];
	p->tab_off = hw[PCH_PCLN];
	p->tab = e->pcln_off + p->tab_off;
	p->tab_size = e->pcln_size - p->tab_off;
	if ((p->nfunc + 1) * FUNCTAB_ENTRY > p->tab_size)
		return "the pclntab function table runs past its end";
	/* Zero from Go 1.26 on (and in a PIE the linker relocated). */
	p->text = hw[PCH_TEXTSTART];
	if (!p->text)
		return moduledata_text(e, p, hw);
	return NULL;
}

/* Where the pclntab's function names hold fn_names[]: from the header. */
struct fn_hits {
	uint32_t at[FN_COUNT][MAX_NAME_HITS];
	uint8_t n[FN_COUNT];
};

static int find_fn_names(const struct elf *e, const struct pcln *p,
			 struct fn_hits *fh)
{
	struct name_scan ns;
	int err;

	memset(&ns, 0, sizeof(ns));
	ns.names = fn_names;
	ns.n = FN_COUNT;
	ns.at_start = 1;
	err = scan_names(e, e->pcln_off + p->funcname_off, p->funcname_size,
			 &ns);
	memcpy(fh->at, ns.hits, sizeof(fh->at));
	memcpy(fh->n, ns.nhits, sizeof(fh->n));
	return err;
}

/* The functions found: their entryoff, and where setTraceback ends. */
struct fn_found {
	uint32_t entryoff[FN_COUNT];
	uint32_t settb_end;
	uint8_t n[FN_COUNT];
};

/*
 * Walk the functab and each function's _func for the nameOffs of
 * fn_names[]: two windows, half the scratch buffer each, one per stream.
 */
static const char *walk_functab(const struct elf *e, const struct pcln *p,
				const struct fn_hits *fh, struct fn_found *ff)
{
	uint64_t end = p->tab + p->tab_size, i, settb = 0;
	struct win ft, fn;
	uint8_t b[FUNCTAB_ENTRY];
	unsigned int k, h;

	win_init(&ft, e->buf, GOELF_SCRATCH_SIZE / 2, end);
	win_init(&fn, e->buf + GOELF_SCRATCH_SIZE / 2,
		 GOELF_SCRATCH_SIZE / 2, end);
	memset(ff, 0, sizeof(*ff));
	for (i = 0; i < p->nfunc; i++) {
		uint32_t entryoff, funcoff, nameoff;

		if (win_read(e, &ft, p->tab + i * FUNCTAB_ENTRY, b,
			     FUNCTAB_ENTRY))
			return "cannot read the pclntab function table";
		entryoff = gcd_le32(b);
		funcoff = gcd_le32(b + 4);
		if (funcoff > p->tab_size - FUNC_NAMEOFF - 4)
			continue;
		if (win_read(e, &fn, p->tab + funcoff, b, FUNC_NAMEOFF + 4))
			return "cannot read the pclntab's functions";
		nameoff = gcd_le32(b + FUNC_NAMEOFF);
		for (k = 0; k < FN_COUNT; k++) {
			for (h = 0; h < fh->n[k]; h++)
				if (fh->at[k][h] == nameoff)
					break;
			if (h == fh->n[k])
				continue;
			/* The _func must agree with the table. */
			if (gcd_le32(b) != entryoff)
				return "a _func does not agree with the pclntab function table";
			if (ff->n[k]++)
				return "two functions of the pclntab have the same name";
			ff->entryoff[k] = entryoff;
			if (k == FN_SETTB)
				settb = i;
		}
	}
	if (!ff->n[FN_STARTPANIC])
		return "runtime.startpanic_m is not in the pclntab";
	if (!ff->n[FN_SETTB])
		return "runtime.setTraceback is not in the pclntab";
	/* Its end: the next entry (the last one ends the text). */
	if (win_read(e, &ft, p->tab + (settb + 1) * FUNCTAB_ENTRY, b, 4))
		return "cannot read the pclntab function table";
	ff->settb_end = gcd_le32(b);
	return NULL;
}

/*
 * The address of the 32-bit atomic store that starts at b[0] (n bytes of
 * code at pc; prev is the byte before, or -1), or 0.
 *
 * amd64: Go 1.19 to 1.27 emit atomic.Store(&traceback_cache, t) as
 *	LEAQ runtime.traceback_cache(SB), CX	48 8d 0d disp32
 *	XCHGL AX, (CX)				87 01
 * that is LEA r64 (REX.W, mod 00 rm 101: RIP-relative), then XCHG r32
 * (REX W clear, if any) with that register as the base (mod 00); also
 * taken: XCHG r32 with a RIP-relative operand, 87 /r mod 00 rm 101.
 * 386: atomic.Store is a call there:
 *	LEAL runtime.traceback_cache(SB), AX	8d 05 abs32
 *	MOVL AX, (SP)				89 04 24
 * that is LEA r32 with an absolute operand (mod 00 rm 101), then that
 * register stored as the first argument; also taken: XCHG r32 with an
 * absolute operand, 87 /r mod 00 rm 101.
 */
static uint64_t store_at(const uint8_t *b, uint32_t n, uint64_t pc, int prev,
			 int is64)
{
	uint64_t disp;

	if (n < 6 || (b[0] != 0x87 && b[0] != 0x8d && b[1] != 0x8d))
		return 0;
	if (b[0] == 0x87 && (b[1] & 0xc7) == 0x05 && prev != 0x66 &&
	    !(is64 && prev >= 0x48 && prev <= 0x4f)) {
		disp = gcd_le32(b + 2);
		return is64 ? pc + 6 + (uint64_t)(int64_t)(int32_t)disp : disp;
	}
	if (!is64 && n >= 9 && b[0] == 0x8d && (b[1] & 0xc7) == 0x05 &&
	    b[6] == 0x89 && b[7] == (0x04 | (b[1] & 0x38)) && b[8] == 0x24)
		return gcd_le32(b + 2);
	if (is64 && n >= 9 && (b[0] & 0xf8) == 0x48 && b[1] == 0x8d &&
	    (b[2] & 0xc7) == 0x05) {
		unsigned int reg = (b[0] & 0x04) << 1 | (b[2] >> 3 & 7);
		const uint8_t *x = b + 7;
		unsigned int base = 0;

		if ((x[0] & 0xf0) == 0x40) {
			if (x[0] & 0x08)
				return 0;	/* REX.W: a 64-bit XCHG */
			base = (x[0] & 0x01) << 3;
			x++;
		}
		if (x + 2 > b + n || x[0] != 0x87 || (x[1] & 0xc0) ||
		    (base | (x[1] & 7)) != reg || (reg & 7) == 4 ||
		    (reg & 7) == 5)
			return 0;
		disp = gcd_le32(b + 3);
		return pc + 7 + (uint64_t)(int64_t)(int32_t)disp;
	}
	return 0;
}

/*
 * The address the one 32-bit atomic store in the code at file offset off
 * (size bytes, linked at vaddr) writes, into *target: 0, or -1 when there
 * is none or more than one (every byte offset is tried).
 */
static int find_store(const struct elf *e, uint64_t off, uint64_t vaddr,
		      uint64_t size, uint64_t *target)
{
	int is64 = e->eh.elf_class == ELFCLASS64, prev = -1;
	unsigned int found = 0;
	uint8_t b[STORE_MAX];
	struct win w;
	uint64_t k, toff;

	win_init(&w, e->buf, GOELF_SCRATCH_SIZE, off + size);
	for (k = 0; k < size; k++) {
		uint32_t n = (uint32_t)min64(size - k, sizeof(b));
		uint64_t t;

		if (win_read(e, &w, off + k, b, n))
			return -1;
		t = store_at(b, n, vaddr + k, prev, is64);
		prev = b[0];
		if (!is64)
			t = (uint32_t)t;
		/*
		 * Every byte offset is tried, so the tail of another
		 * instruction can look like a store ("0b 05 87 1d ..." holds
		 * "87 1d", an XCHG): only a target in the file part of a
		 * writable segment, where the variable's value is, counts.
		 */
		if (!t || vaddr_to_off(e, t, 4, PF_W, &toff))
			continue;
		if (found++)
			return -1;
		*target = t;
	}
	return found == 1 ? 0 : -1;
}

/*
 * A PIE linked by the system linker before Go 1.26 and then stripped (what
 * Debian ships): ld merged .data.rel.ro.gopclntab into .data.rel.ro and no
 * section names the pclntab any more.  Look for its header there: the
 * magic, two zero bytes, minLC 1 and the pointer size, at pointer-aligned
 * offsets; the first that pcln_header() accepts is taken, bounded by the
 * end of the section and by MERGED_TRIES candidates (each rejected one
 * costs reads again: a file full of magic numbers must not).  Nothing
 * found leaves pcln_size 0 ("no .gopclntab").  Returns -1 only when a
 * read fails.
 */
#define MERGED_TRIES	16

static int find_merged_pcln(struct elf *e)
{
	uint32_t step = e->eh.elf_class == ELFCLASS64 ? 8 : 4;
	uint64_t pos = 0, size = e->relro_size;
	unsigned int tries = 0;
	struct pcln p;

	if (!size || !in_file(e->r, e->relro_off, size) ||
	    size > GOELF_MAX_MERGED_SCAN)
		return 0;
	while (pos + PCH_WORDS_AT <= size) {
		size_t n = (size_t)min64(size - pos, GOELF_SCRATCH_SIZE), k;
		uint64_t hit = 0;

		if (rd(e->r, e->relro_off + pos, e->buf, n))
			return -1;
		for (k = 0; k + PCH_WORDS_AT <= n; k += step) {
			const uint8_t *h = e->buf + k;
			uint32_t magic = gcd_le32(h);

			if ((magic == PCLN_MAGIC_118 ||
			     magic == PCLN_MAGIC_120) && !h[4] && !h[5] &&
			    h[6] == 1 && h[7] == step) {
				hit = pos + k;
				break;
			}
		}
		if (k + PCH_WORDS_AT <= n) {
			e->pcln_off = e->relro_off + hit;
			e->pcln_size = size - hit;
			if (!pcln_header(e, &p))
				return 0;
			e->pcln_size = 0;
			if (++tries == MERGED_TRIES)
				return 0;
			pos = hit + step;
			continue;
		}
		/*
		 * n is a multiple of step; a header's first 8 bytes may
		 * straddle the chunk's end: read them again.
		 */
		pos += n > PCH_WORDS_AT ? n - PCH_WORDS_AT + step : n;
	}
	return 0;
}

/* GOELF_WANT_FATAL: fill the fatal_* fields, GOELF_F_FATAL when whole. */
static void read_fatal(const struct elf *e, struct goelf_info *info)
{
	struct fn_found ff;
	struct fn_hits fh;
	struct pcln p;
	uint64_t size, off, tb = 0;
	uint8_t v[4];

	info->fatal_why = pcln_header(e, &p);
	if (info->fatal_why)
		return;
	memset(&fh, 0, sizeof(fh));
	if (find_fn_names(e, &p, &fh)) {
		info->fatal_why = "cannot read the pclntab's function names";
		return;
	}
	info->fatal_why = walk_functab(e, &p, &fh, &ff);
	if (info->fatal_why)
		return;

	info->fatal_entry = p.text + ff.entryoff[FN_STARTPANIC];
	info->settb_entry = p.text + ff.entryoff[FN_SETTB];
	if (vaddr_to_off(e, info->fatal_entry, 1, PF_X, &info->fatal_off)) {
		info->fatal_why = "runtime.startpanic_m is not in the file part of an executable segment";
		return;
	}
	size = (uint64_t)ff.settb_end - ff.entryoff[FN_SETTB];
	if (ff.settb_end <= ff.entryoff[FN_SETTB] || size > SETTB_MAX) {
		info->fatal_why = "runtime.setTraceback's size is implausible";
		return;
	}
	if (vaddr_to_off(e, info->settb_entry, size, PF_X, &off)) {
		info->fatal_why = "runtime.setTraceback is not in the file part of an executable segment";
		return;
	}
	if (find_store(e, off, info->settb_entry, size, &tb) == 0)
		info->tbcache_code = tb;

	if (e->tbcache_sym_differs) {
		info->fatal_why = ".symtab has two different runtime.traceback_cache";
		return;
	}
	if (info->tbcache_code && info->tbcache_sym &&
	    info->tbcache_code != info->tbcache_sym) {
		info->fatal_why = "traceback_cache from code and from .symtab differ";
		return;
	}
	info->tbcache = info->tbcache_code ? info->tbcache_code :
					     info->tbcache_sym;
	if (!info->tbcache) {
		info->fatal_why = "no single 32-bit store in runtime.setTraceback, and no .symtab";
		return;
	}
	if (info->tbcache & 3) {
		info->fatal_why = "runtime.traceback_cache is not 4-byte aligned";
		return;
	}
	if (vaddr_to_off(e, info->tbcache, 4, PF_W, &off)) {
		info->fatal_why = "runtime.traceback_cache is not in the file part of a writable segment";
		return;
	}
	if (rd(e->r, off, v, 4)) {
		info->fatal_why = "cannot read runtime.traceback_cache";
		return;
	}
	if (gcd_le32(v) != GOELF_TB_INITIAL) {
		info->fatal_why = "runtime.traceback_cache does not hold its initial value";
		return;
	}
	info->flags |= GOELF_F_FATAL;
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
	int err, fatal;

	err = parse_ehdr(e);
	if (err)
		return err;
	info->flags |= GOELF_F_ELF;
	info->elf_class = e->eh.elf_class;
	info->e_type = e->eh.type;
	info->e_machine = e->eh.machine;

	for (i = 1; i < e->eh.shnum; i++) {
		uint8_t nm[SEC_NAME_MAX];
		size_t n;

		if (goelf_read_shdr(r, &e->eh, i, &sh))
			break;
		if (sh.type == SHT_NOTE)
			scan_notes(e, sh.offset, sh.size, info);
		if (!in_file(r, sh.offset, sh.size) ||
		    ((info->flags & GOELF_F_BUILDINFO) &&
		     !(want & GOELF_WANT_FATAL)))
			continue;
		n = sec_name(e, sh.name, nm);
		if (!(info->flags & GOELF_F_BUILDINFO) &&
		    name_eq(nm, n, ".go.buildinfo")) {
			info->flags |= GOELF_F_BUILDINFO;
			info->buildinfo_off = sh.offset;
			info->buildinfo_size = sh.size;
		}
		if (sh.type != SHT_PROGBITS)
			continue;
		/* PIE before Go 1.26: the pclntab is relocated, so writable. */
		if (!e->pcln_size &&
		    (name_eq(nm, n, ".gopclntab") ||
		     name_eq(nm, n, ".data.rel.ro.gopclntab"))) {
			e->pcln_off = sh.offset;
			e->pcln_size = sh.size;
		}
		if (!e->relro_size && name_eq(nm, n, ".data.rel.ro")) {
			e->relro_off = sh.offset;
			e->relro_size = sh.size;
		}
		if (!e->gomod_size && name_eq(nm, n, ".go.module")) {
			e->gomod_off = sh.offset;
			e->gomod_size = sh.size;
		}
	}
	err = scan_program_headers(e, info);
	if (err)
		return err;

	if ((want & GOELF_WANT_BUILDINFO) && (info->flags & GOELF_F_BUILDINFO))
		read_buildinfo(e, info);
	if (!(info->flags & GOELF_F_GO))
		return 0;
	fatal = (want & GOELF_WANT_FATAL) && fatal_arch(&e->eh);
	if ((want & GOELF_WANT_ROOTS) || fatal)
		read_symbols(e, want & (GOELF_WANT_ROOTS |
					(fatal ? GOELF_WANT_FATAL : 0)), info);
	if (fatal) {
		info->flags |= GOELF_F_FATAL_SCANNED;
		if (!e->pcln_size && find_merged_pcln(e))
			return -GOELF_EIO;
		read_fatal(e, info);
	} else if (want & GOELF_WANT_FATAL) {
		info->fatal_why = "only amd64 and 386 executables are read";
	}
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

#ifndef __KERNEL__
int goelf_symbols(const struct goelf_reader *r, const char *const *names,
		  unsigned int n, uint64_t *values, void *scratch)
{
	struct goelf_shdr sym, str;
	struct name_scan ns;
	struct elf e;
	unsigned int k;
	int err;

	if (n > GOELF_MAX_SYMBOL_NAMES)
		return -GOELF_ERANGE;
	for (k = 0; k < n; k++) {
		values[k] = 0;
		if (!names[k][0] || strlen(names[k]) + 1 > SCAN_NAME_MAX)
			return -GOELF_ERANGE;
	}
	memset(&e, 0, sizeof(e));
	e.r = r;
	e.buf = scratch;
	err = goelf_read_ehdr(r, &e.eh, NULL);
	if (err)
		return err;
	if (e.eh.shnum > GOELF_MAX_SHNUM)
		return -GOELF_ERANGE;
	if (find_symtab(&e, &sym, &str))
		return 0;
	memset(&ns, 0, sizeof(ns));
	ns.names = names;
	ns.n = n;
	err = scan_names(&e, str.offset, str.size, &ns);
	if (!err)
		err = scan_symtab(&e, &sym, &ns, values);
	if (err)
		return err;
	for (k = 0; k < n; k++)
		if (ns.differ & (1u << k))
			values[k] = 0;
	return (int)(ns.found & ~ns.differ);
}
#endif

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
