// SPDX-License-Identifier: GPL-2.0
/*
 * goelf.c - recognise a Go ELF file, read its .go.buildinfo and find the Go
 * runtime's scheduler roots in its symbol table.
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

#define ELFCLASS32	1
#define ELFCLASS64	2
#define ELFDATA2LSB	1
#define SHT_SYMTAB	2
#define SHT_STRTAB	3
#define SHT_NOTE	7
#define SHN_UNDEF	0
#define SHN_LORESERVE	0xff00
#define SHN_XINDEX	0xffff
#define PT_LOAD		1
#define PT_NOTE		4
#define STT_NOTYPE	0
#define STT_OBJECT	1

#define GO_BUILDID_NOTE_TYPE	4	/* ELF_NOTE_GOBUILDID_TAG */
#define MAX_NOTES		256	/* notes looked at per note area */
#define BUILDINFO_MAGIC		"\xff Go buildinf:"
#define BUILDINFO_MAGIC_LEN	14
#define BUILDINFO_HDR_LEN	32
#define BUILDINFO_FLAG_BE	0x1
#define BUILDINFO_FLAG_INLINE	0x2

struct elf {
	const struct goelf_reader *r;
	uint8_t *buf;			/* GOELF_SCRATCH_SIZE bytes */
	int is64;
	uint64_t shoff, phoff;
	uint32_t shnum, phnum, shentsize, phentsize, shstrndx;
	uint64_t shstr_off, shstr_size;
};

struct shdr {
	uint32_t name, type, link;
	uint64_t offset, size;
};

static uint64_t min64(uint64_t a, uint64_t b)
{
	return a < b ? a : b;
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

static int read_shdr(const struct elf *e, uint32_t idx, struct shdr *sh)
{
	uint8_t b[64];
	int err;

	if (idx >= e->shnum)
		return -GOELF_EBADF;
	err = rd(e->r, e->shoff + (uint64_t)idx * e->shentsize, b,
		 e->is64 ? 64 : 40);
	if (err)
		return err;
	sh->name = gcd_le32(b);
	sh->type = gcd_le32(b + 4);
	if (e->is64) {
		sh->offset = gcd_le64(b + 24);
		sh->size = gcd_le64(b + 32);
		sh->link = gcd_le32(b + 40);
	} else {
		sh->offset = gcd_le32(b + 16);
		sh->size = gcd_le32(b + 20);
		sh->link = gcd_le32(b + 24);
	}
	return 0;
}

static int parse_ehdr(struct elf *e, struct goelf_info *info)
{
	const struct goelf_reader *r = e->r;
	uint8_t b[64];
	int err;

	if (r->size < 52)
		return -GOELF_ENOTELF;
	err = rd(r, 0, b, r->size < 64 ? 52 : 64);
	if (err)
		return err;
	if (b[0] != 0x7f || b[1] != 'E' || b[2] != 'L' || b[3] != 'F' ||
	    b[5] != ELFDATA2LSB)
		return -GOELF_ENOTELF;
	if (b[4] == ELFCLASS64 && r->size >= 64) {
		e->is64 = 1;
		e->phoff = gcd_le64(b + 32);
		e->shoff = gcd_le64(b + 40);
		e->phentsize = gcd_le16(b + 54);
		e->phnum = gcd_le16(b + 56);
		e->shentsize = gcd_le16(b + 58);
		e->shnum = gcd_le16(b + 60);
		e->shstrndx = gcd_le16(b + 62);
	} else if (b[4] == ELFCLASS32) {
		e->phoff = gcd_le32(b + 28);
		e->shoff = gcd_le32(b + 32);
		e->phentsize = gcd_le16(b + 42);
		e->phnum = gcd_le16(b + 44);
		e->shentsize = gcd_le16(b + 46);
		e->shnum = gcd_le16(b + 48);
		e->shstrndx = gcd_le16(b + 50);
	} else {
		return -GOELF_ENOTELF;
	}
	info->elf_class = b[4];
	info->e_type = gcd_le16(b + 16);
	info->e_machine = gcd_le16(b + 18);

	if (e->phnum && e->phentsize < (e->is64 ? 56u : 32u))
		return -GOELF_EBADF;
	if (e->phnum > GOELF_MAX_PHNUM)
		return -GOELF_ERANGE;
	if (!in_file(r, e->phoff, (uint64_t)e->phnum * e->phentsize))
		return -GOELF_EBADF;

	if (!e->shoff) {
		e->shnum = 0;
		return 0;
	}
	if (e->shentsize < (e->is64 ? 64u : 40u))
		return -GOELF_EBADF;
	/* Extended numbering: the real counts live in section header 0. */
	if (e->shnum == 0 || e->shstrndx == SHN_XINDEX) {
		struct shdr sh0;
		uint32_t shnum = e->shnum;

		e->shnum = 1;
		err = read_shdr(e, 0, &sh0);
		if (err)
			return err;
		if (shnum == 0)
			shnum = (uint32_t)min64(sh0.size, GOELF_MAX_SHNUM + 1);
		if (e->shstrndx == SHN_XINDEX)
			e->shstrndx = sh0.link;
		e->shnum = shnum;
	}
	if (e->shnum > GOELF_MAX_SHNUM)
		return -GOELF_ERANGE;
	if (!in_file(r, e->shoff, (uint64_t)e->shnum * e->shentsize))
		return -GOELF_EBADF;
	if (e->shstrndx && e->shstrndx < e->shnum) {
		struct shdr ss;

		err = read_shdr(e, e->shstrndx, &ss);
		if (err)
			return err;
		if (ss.type == SHT_STRTAB && in_file(r, ss.offset, ss.size)) {
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
 * Look through a note area [off, off + size) for the Go build-ID note
 * (owner "Go", type 4).  Returns 1 when found (the ID is copied), 0 if not.
 */
static int scan_go_notes(const struct goelf_reader *r, uint64_t off,
			 uint64_t size, struct goelf_info *info)
{
	uint64_t end, pos = off;
	int guard = 0;

	if (!in_file(r, off, size))
		return 0;
	end = off + size;
	while (end - pos >= 12 && guard++ < MAX_NOTES) {
		uint8_t h[12], nm[4], id[GOELF_BUILDID_LEN];
		uint32_t namesz, descsz;
		uint64_t name_len, desc_len;

		if (rd(r, pos, h, 12))
			return 0;
		namesz = gcd_le32(h);
		descsz = gcd_le32(h + 4);
		name_len = ((uint64_t)namesz + 3) & ~3ull;
		desc_len = ((uint64_t)descsz + 3) & ~3ull;
		if (name_len > end - pos - 12 ||
		    desc_len > end - pos - 12 - name_len)
			return 0;
		if ((namesz == 3 || namesz == 4) && gcd_le32(h + 8) ==
		    GO_BUILDID_NOTE_TYPE && !rd(r, pos + 12, nm, namesz) &&
		    nm[0] == 'G' && nm[1] == 'o' && nm[2] == 0) {
			uint64_t n = min64(descsz, sizeof(id) - 1);

			if (rd(r, pos + 12 + name_len, id, n))
				return 0;
			copy_str(info->go_buildid, sizeof(info->go_buildid),
				 id, n);
			return 1;
		}
		pos += 12 + name_len + desc_len;
	}
	return 0;
}

static int scan_program_headers(const struct elf *e, struct goelf_info *info)
{
	int found_off0 = 0;
	uint32_t i;

	for (i = 0; i < e->phnum; i++) {
		uint8_t b[56];
		uint64_t offset, vaddr, filesz;
		uint32_t type;

		if (rd(e->r, e->phoff + (uint64_t)i * e->phentsize, b,
		       e->is64 ? 56 : 32))
			return -GOELF_EIO;
		type = gcd_le32(b);
		if (e->is64) {
			offset = gcd_le64(b + 8);
			vaddr = gcd_le64(b + 16);
			filesz = gcd_le64(b + 32);
		} else {
			offset = gcd_le32(b + 4);
			vaddr = gcd_le32(b + 8);
			filesz = gcd_le32(b + 16);
		}
		if (type == PT_LOAD && !found_off0 && offset < 4096 &&
		    vaddr >= offset) {
			info->vaddr_at_off0 = (vaddr - offset) & ~4095ull;
			found_off0 = 1;
		}
		/* Without section headers, notes are found through PT_NOTE. */
		if (type == PT_NOTE && !(info->flags & GOELF_F_GOBUILDID) &&
		    scan_go_notes(e->r, offset, filesz, info))
			info->flags |= GOELF_F_GOBUILDID;
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

	size = min64(size, 0xffffffffull);	/* st_name is 32 bits */
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
static int scan_symtab(const struct elf *e, const struct shdr *sym,
		       const struct root_scan *rs, struct goelf_info *info)
{
	uint32_t entsize = e->is64 ? 24 : 16;
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
			uint32_t name = gcd_le32(s);
			uint64_t value;
			uint8_t type;
			uint16_t shndx;
			unsigned int k, h;

			if (e->is64) {
				type = s[4] & 0xf;
				shndx = gcd_le16(s + 6);
				value = gcd_le64(s + 8);
			} else {
				value = gcd_le32(s + 4);
				type = s[12] & 0xf;
				shndx = gcd_le16(s + 14);
			}
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
	struct shdr sym, str;
	struct root_scan rs;
	uint32_t i;

	for (i = 1; i < e->shnum; i++) {
		if (read_shdr(e, i, &sym))
			return;
		if (sym.type == SHT_SYMTAB)
			break;
	}
	if (i >= e->shnum || !in_file(e->r, sym.offset, sym.size) ||
	    read_shdr(e, sym.link, &str) || str.type != SHT_STRTAB ||
	    !in_file(e->r, str.offset, str.size))
		return;
	info->flags |= GOELF_F_SYMTAB;
	memset(&rs, 0, sizeof(rs));
	if (scan_strtab(e, str.offset, str.size, &rs) ||
	    scan_symtab(e, &sym, &rs, info))
		return;
	info->flags |= GOELF_F_ROOTS;
}

int goelf_probe(const struct goelf_reader *r, unsigned int want,
		struct goelf_info *info, void *scratch)
{
	struct elf e;
	struct shdr sh;
	uint32_t i;
	int err;

	memset(info, 0, sizeof(*info));
	memset(&e, 0, sizeof(e));
	e.r = r;
	e.buf = scratch;
	err = parse_ehdr(&e, info);
	if (err)
		return err;
	info->flags |= GOELF_F_ELF;

	for (i = 1; i < e.shnum; i++) {
		if (read_shdr(&e, i, &sh))
			break;
		if (!(info->flags & GOELF_F_BUILDINFO) &&
		    in_file(r, sh.offset, sh.size) &&
		    name_is(&e, sh.name, ".go.buildinfo")) {
			info->flags |= GOELF_F_BUILDINFO;
			info->buildinfo_off = sh.offset;
			info->buildinfo_size = sh.size;
		}
		if (sh.type == SHT_NOTE && !(info->flags & GOELF_F_GOBUILDID) &&
		    scan_go_notes(r, sh.offset, sh.size, info))
			info->flags |= GOELF_F_GOBUILDID;
	}
	err = scan_program_headers(&e, info);
	if (err)
		return err;

	if ((want & GOELF_WANT_BUILDINFO) && (info->flags & GOELF_F_BUILDINFO))
		read_buildinfo(&e, info);
	if ((want & GOELF_WANT_ROOTS) && (info->flags & GOELF_F_GO))
		read_roots(&e, info);
	return 0;
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

struct mem_ctx {
	const uint8_t *p;
};

static int mem_read(void *ctx, uint64_t off, void *buf, size_t len)
{
	memcpy(buf, ((struct mem_ctx *)ctx)->p + off, len);
	return 0;
}

int goelf_buildinfo_mem(const void *sec, size_t sec_len, char *version,
			size_t version_len, char *buf, size_t buf_len)
{
	struct mem_ctx m = { .p = sec };
	struct goelf_reader r = {
		.read = mem_read, .ctx = &m, .size = sec_len,
	};

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
