// SPDX-License-Identifier: GPL-2.0
/*
 * pclntab.c - reader of the Go pc/line table (see pclntab.h).
 *
 * The layout follows runtime/symtab.go and cmd/link/internal/ld/pcln.go:
 *
 *   pcHeader   magic, pad, minLC, ptrSize, nfunc, nfiles, (textStart),
 *              funcnameOffset, cuOffset, filetabOffset, pctabOffset,
 *              pclnOffset (offsets from the header)
 *   funcnametab  NUL-terminated names
 *   cutab        uint32 file offsets, per compilation unit
 *   filetab      NUL-terminated file names
 *   pctab        pc-value tables (zig-zag varint value, varint pc deltas)
 *   pclntable    functab [nfunc+1]{entryoff, funcoff uint32}, then _func
 *                records with npcdata uint32 pcdata offsets and nfuncdata
 *                uint32 funcdata offsets after each
 *
 * Every read goes through in_tab(), which checks offset and length against
 * the buffer, so a corrupt or truncated table yields -1, never a stray read.
 */
#include <stdio.h>
#include <string.h>

#include "go/pclntab.h"
#include "gocoredump/le.h"

static int in_tab(const struct pclntab *t, uint64_t off, uint64_t len)
{
	return off <= t->size && len <= t->size - off;
}

enum pcln_version pclntab_magic_version(const void *hdr4)
{
	uint32_t m = gcd_le32(hdr4);

	if (m == PCLN_MAGIC_118)
		return PCLN_VER_118;
	if (m == PCLN_MAGIC_120)
		return PCLN_VER_120;
	return PCLN_VER_UNKNOWN;
}

/*
 * runtime.pcHeader: magic (4), two zero bytes, minLC, ptrSize, then
 * 8-byte words: nfunc, nfiles, textStart (1.18, 1.19; unused after: never
 * trusted), and the offsets of funcnametab, cutab, filetab, pctab and
 * pclntable from the header.
 */
#define PCH_PAD		4
#define PCH_MINLC	6
#define PCH_PTRSIZE	7
#define PCH_NFUNC	8
#define PCH_NFILES	16
#define PCH_FUNCNAME	32
#define PCH_CU		40
#define PCH_FILETAB	48
#define PCH_PCTAB	56
#define PCH_PCLN	64

int pclntab_header(const void *hdr, size_t len, struct pcheader *h,
		   char *err, size_t errlen)
{
	const uint8_t *d = hdr;

	memset(h, 0, sizeof(*h));
	if (len < PCLN_HEADER_SIZE) {
		snprintf(err, errlen, "pclntab header cut short (%zu bytes)",
			 len);
		return -1;
	}
	h->ver = pclntab_magic_version(d);
	if (h->ver == PCLN_VER_UNKNOWN) {
		snprintf(err, errlen,
			 "pclntab magic %#x is not Go 1.18 or later's",
			 gcd_le32(d));
		return -1;
	}
	if (d[PCH_PAD] || d[PCH_PAD + 1]) {
		snprintf(err, errlen, "pclntab header padding is not zero");
		return -1;
	}
	h->minlc = d[PCH_MINLC];
	h->ptrsize = d[PCH_PTRSIZE];
	if (h->ptrsize != 8 || (h->minlc != 1 && h->minlc != 2 &&
				h->minlc != 4)) {
		snprintf(err, errlen,
			 "pclntab is for ptrSize %u, minLC %u: only 64-bit tables are read",
			 h->ptrsize, h->minlc);
		return -1;
	}
	h->nfunc = gcd_le64(d + PCH_NFUNC);
	if (h->nfunc == 0 || h->nfunc > PCLN_MAX_NFUNC) {
		snprintf(err, errlen, "pclntab has %llu functions",
			 (unsigned long long)h->nfunc);
		return -1;
	}
	h->nfiles = gcd_le64(d + PCH_NFILES);
	h->funcname_off = gcd_le64(d + PCH_FUNCNAME);
	h->cu_off = gcd_le64(d + PCH_CU);
	h->filetab_off = gcd_le64(d + PCH_FILETAB);
	h->pctab_off = gcd_le64(d + PCH_PCTAB);
	h->pcln_off = gcd_le64(d + PCH_PCLN);
	if (h->funcname_off < PCLN_HEADER_SIZE ||
	    h->funcname_off > h->cu_off || h->cu_off > h->filetab_off ||
	    h->filetab_off > h->pctab_off || h->pctab_off > h->pcln_off) {
		snprintf(err, errlen,
			 "pclntab sub-table offsets are out of order");
		return -1;
	}
	return 0;
}

int pclntab_init(struct pclntab *t, const void *data, size_t size,
		 uint64_t text, char *err, size_t errlen)
{
	struct pcheader h;

	memset(t, 0, sizeof(*t));
	t->data = data;
	t->size = size;
	t->text = text;
	if (pclntab_header(data, size, &h, err, errlen))
		return -1;
	t->ver = h.ver;
	if (t->ver == PCLN_VER_118) {
		t->func_hdr = 40;
		t->inl_size = 20;
	} else {
		t->func_hdr = 44;
		t->inl_size = 16;
	}
	t->minlc = h.minlc;
	t->ptrsize = h.ptrsize;
	t->nfunc = (uint32_t)h.nfunc;
	t->nfiles = (uint32_t)h.nfiles;
	t->funcname_off = h.funcname_off;
	t->cu_off = h.cu_off;
	t->filetab_off = h.filetab_off;
	t->pctab_off = h.pctab_off;
	t->pcln_off = h.pcln_off;
	if (t->pcln_off > size) {
		snprintf(err, errlen,
			 "pclntab sub-tables run past its end (%zu bytes)",
			 size);
		return -1;
	}
	if (!in_tab(t, t->pcln_off, ((uint64_t)t->nfunc + 1) * 8)) {
		snprintf(err, errlen,
			 "pclntab function table (%u entries) runs past the end",
			 t->nfunc);
		return -1;
	}
	return 0;
}

/* Decode the _func at funcoff (relative to pclntable). */
static int read_func(const struct pclntab *t, uint32_t funcoff,
		     struct pcfunc *f)
{
	uint64_t o = t->pcln_off + funcoff;
	const uint8_t *p;

	if (!in_tab(t, o, t->func_hdr))
		return -1;
	p = t->data + o;
	f->off = funcoff;
	f->entry = t->text + gcd_le32(p);
	f->nameoff = (int32_t)gcd_le32(p + 4);
	f->args = (int32_t)gcd_le32(p + 8);
	f->deferreturn = gcd_le32(p + 12);
	f->pcsp = gcd_le32(p + 16);
	f->pcfile = gcd_le32(p + 20);
	f->pcln = gcd_le32(p + 24);
	f->npcdata = gcd_le32(p + 28);
	f->cu_offset = gcd_le32(p + 32);
	if (t->ver == PCLN_VER_120) {
		f->start_line = (int32_t)gcd_le32(p + 36);
		p += 40;
	} else {
		f->start_line = 0;
		p += 36;
	}
	f->funcid = p[0];
	f->flag = p[1];
	f->nfuncdata = p[3];
	/* The pcdata and funcdata offsets must follow in the buffer. */
	if (f->npcdata > 1024 ||
	    !in_tab(t, o + t->func_hdr,
		    ((uint64_t)f->npcdata + f->nfuncdata) * 4))
		return -1;
	return 0;
}

static void ftab_entry(const struct pclntab *t, uint32_t i, uint32_t *entryoff,
		       uint32_t *funcoff)
{
	const uint8_t *p = t->data + t->pcln_off + (uint64_t)i * 8;

	*entryoff = gcd_le32(p);
	*funcoff = gcd_le32(p + 4);
}

int pclntab_func_by_index(const struct pclntab *t, uint32_t i,
			  struct pcfunc *f)
{
	uint32_t e0, fo, e1, fo1;

	if (i >= t->nfunc)
		return -1;
	ftab_entry(t, i, &e0, &fo);
	ftab_entry(t, i + 1, &e1, &fo1);
	if (read_func(t, fo, f))
		return -1;
	/* The _func must agree with the table that points at it. */
	if (f->entry != t->text + e0)
		return -1;
	f->index = i;
	f->end = e1 >= e0 ? t->text + e1 : f->entry;
	return 0;
}

int pclntab_func_at(const struct pclntab *t, uint64_t pc, struct pcfunc *f)
{
	uint32_t lo = 0, hi = t->nfunc, e, fo, last;
	uint64_t off;

	if (pc < t->text)
		return -1;
	off = pc - t->text;
	if (off > 0xffffffffull)
		return -1;
	/* The sentinel entry nfunc holds the end of text. */
	ftab_entry(t, t->nfunc, &last, &fo);
	if (off >= last)
		return -1;
	ftab_entry(t, 0, &e, &fo);
	if (off < e)
		return -1;
	/* Largest i with entryoff(i) <= off. */
	while (hi - lo > 1) {
		uint32_t mid = lo + (hi - lo) / 2;

		ftab_entry(t, mid, &e, &fo);
		if (e <= off)
			lo = mid;
		else
			hi = mid;
	}
	return pclntab_func_by_index(t, lo, f);
}

/* The NUL-terminated string at o, which must end before end and within
 * PCLN_MAX_NAME bytes (function names before cutab, files before pctab). */
static const char *cstr_at(const struct pclntab *t, uint64_t o, uint64_t end)
{
	uint64_t max;
	const uint8_t *p;

	if (o >= end || end > t->size)
		return NULL;
	max = end - o < PCLN_MAX_NAME ? end - o : PCLN_MAX_NAME;
	p = t->data + o;
	return memchr(p, 0, (size_t)max) ? (const char *)p : NULL;
}

const char *pclntab_name(const struct pclntab *t, int32_t nameoff)
{
	if (nameoff < 0)
		return NULL;
	return cstr_at(t, t->funcname_off + (uint32_t)nameoff, t->cu_off);
}

int pclntab_func_by_name(const struct pclntab *t, const char *name,
			 struct pcfunc *f)
{
	uint32_t i;

	for (i = 0; i < t->nfunc; i++) {
		uint32_t e, fo;
		uint64_t o;
		const char *n;

		ftab_entry(t, i, &e, &fo);
		o = t->pcln_off + fo;
		if (!in_tab(t, o, 8))
			continue;
		n = pclntab_name(t, (int32_t)gcd_le32(t->data + o + 4));
		if (n && !strcmp(n, name))
			return pclntab_func_by_index(t, i, f);
	}
	return -1;
}

/* Unsigned LEB128 from [*p, end), at most 5 bytes (a uint32). */
static int readvarint(const uint8_t **p, const uint8_t *end, uint32_t *v)
{
	uint32_t x = 0;
	unsigned int i;

	for (i = 0; i < 5 && *p < end; i++) {
		uint8_t c = *(*p)++;

		/* Bits beyond 32 (a fifth byte's top three) fall off. */
		x |= (uint32_t)(c & 0x7f) << (7 * i);
		if (!(c & 0x80)) {
			*v = x;
			return 0;
		}
	}
	return -1;
}

int pclntab_pcvalue(const struct pclntab *t, const struct pcfunc *f,
		    uint32_t tab, uint64_t targetpc, int32_t *val)
{
	const uint8_t *p, *end;
	uint64_t pc = f->entry;
	int32_t v = -1;
	int first = 1;

	if (tab == 0)
		return -1;
	if (!in_tab(t, t->pctab_off + tab, 1) || t->pctab_off + tab >=
	    t->pcln_off)
		return -1;
	p = t->data + t->pctab_off + tab;
	end = t->data + t->pcln_off;
	for (;;) {
		uint32_t uv, pcd;

		if (p >= end)
			return -1;
		if (*p == 0 && !first)
			return -1;	/* end of table before targetpc */
		if (readvarint(&p, end, &uv) || readvarint(&p, end, &pcd))
			return -1;
		/* int32 arithmetic wraps in Go; do it unsigned here. */
		v = (int32_t)((uint32_t)v + (-(uv & 1) ^ (uv >> 1)));
		pc += (uint64_t)pcd * t->minlc;
		first = 0;
		if (targetpc < pc) {
			*val = v;
			return 0;
		}
	}
}

int32_t pclntab_pcdata(const struct pclntab *t, const struct pcfunc *f,
		       uint32_t idx, uint64_t pc)
{
	uint64_t o = t->pcln_off + f->off + t->func_hdr + (uint64_t)idx * 4;
	int32_t v;

	if (idx >= f->npcdata || !in_tab(t, o, 4))
		return -1;
	if (pclntab_pcvalue(t, f, gcd_le32(t->data + o), pc, &v))
		return -1;
	return v;
}

int pclntab_funcdata(const struct pclntab *t, const struct pcfunc *f,
		     uint32_t idx, uint32_t *off)
{
	uint64_t o = t->pcln_off + f->off + t->func_hdr +
		     ((uint64_t)f->npcdata + idx) * 4;

	if (idx >= f->nfuncdata || !in_tab(t, o, 4))
		return -1;
	*off = gcd_le32(t->data + o);
	return *off == 0xffffffffu ? -1 : 0;
}

int pclntab_spdelta(const struct pclntab *t, const struct pcfunc *f,
		    uint64_t pc, int32_t *delta)
{
	return pclntab_pcvalue(t, f, f->pcsp, pc, delta);
}

static const char *file_name(const struct pclntab *t, const struct pcfunc *f,
			     int32_t fileno)
{
	uint64_t o, fo;

	if (fileno < 0)
		return NULL;
	o = t->cu_off + ((uint64_t)f->cu_offset + (uint32_t)fileno) * 4;
	if (o + 4 > t->filetab_off)
		return NULL;
	fo = gcd_le32(t->data + o);
	if (fo == 0xffffffffu)
		return NULL;
	return cstr_at(t, t->filetab_off + fo, t->pctab_off);
}

int pclntab_fileline(const struct pclntab *t, const struct pcfunc *f,
		     uint64_t pc, const char **file, int32_t *line)
{
	int32_t fileno, ln;
	const char *fn;

	*file = "?";
	*line = 0;
	if (pclntab_pcvalue(t, f, f->pcfile, pc, &fileno) ||
	    pclntab_pcvalue(t, f, f->pcln, pc, &ln) || fileno == -1 ||
	    ln == -1)
		return -1;
	fn = file_name(t, f, fileno);
	if (!fn)
		return -1;
	*file = fn;
	*line = ln;
	return 0;
}

int pclntab_inl(const struct pclntab *t, const void *tree, size_t tree_len,
		int32_t idx, struct pcinl *out)
{
	const uint8_t *p;

	if (idx < 0 || (uint64_t)(uint32_t)idx * t->inl_size + t->inl_size >
	    tree_len)
		return -1;
	p = (const uint8_t *)tree + (size_t)idx * t->inl_size;
	memset(out, 0, sizeof(*out));
	if (t->ver == PCLN_VER_120) {
		out->funcid = p[0];
		out->nameoff = (int32_t)gcd_le32(p + 4);
		out->parent_pc = (int32_t)gcd_le32(p + 8);
		out->start_line = (int32_t)gcd_le32(p + 12);
	} else {
		/* parent int16, funcID, pad, file, line, func_, parentPc */
		out->funcid = p[2];
		out->nameoff = (int32_t)gcd_le32(p + 12);
		out->parent_pc = (int32_t)gcd_le32(p + 16);
	}
	return 0;
}
