// SPDX-License-Identifier: GPL-2.0
/*
 * procmem.c - process memory from a core and its executable (see procmem.h).
 */
#include <stdlib.h>
#include <string.h>

#include "core/elfcore.h"
#include "gocoredump/goelf.h"
#include "gocoredump/le.h"
#include "core/procmem.h"

void procmem_init(struct procmem *m)
{
	memset(m, 0, sizeof(*m));
}

void procmem_free(struct procmem *m)
{
	size_t i;

	for (i = 0; i < m->nowned; i++)
		free(m->owned[i]);
	free(m->owned);
	free(m->segs);
	memset(m, 0, sizeof(*m));
}

static int cmp_seg(const void *a, const void *b)
{
	const struct procmem_seg *x = a, *y = b;

	return x->start < y->start ? -1 : x->start > y->start;
}

static int push(struct procmem *m, uint64_t start, uint64_t end,
		const uint8_t *data, uint32_t flags)
{
	struct procmem_seg *s;

	if (end <= start)
		return 0;
	s = realloc(m->segs, (m->n + 1) * sizeof(*s));
	if (!s)
		return -1;
	m->segs = s;
	s[m->n].start = start;
	s[m->n].end = end;
	s[m->n].data = data;
	s[m->n].flags = flags;
	m->n++;
	return 0;
}

/*
 * Add [start, end) where no segment holds bytes yet (segments are sorted
 * and disjoint on entry and on return).
 */
static int add_gaps(struct procmem *m, uint64_t start, uint64_t end,
		    const uint8_t *data, uint32_t flags)
{
	size_t i, n = m->n;
	uint64_t cur = start;

	for (i = 0; i < n && cur < end; i++) {
		/* Copies: push() may move m->segs. */
		uint64_t s_start = m->segs[i].start, s_end = m->segs[i].end;

		if (s_end <= cur)
			continue;
		if (s_start >= end)
			break;
		if (s_start > cur &&
		    push(m, cur, s_start, data + (cur - start), flags))
			return -1;
		if (s_end > cur)
			cur = s_end;
	}
	if (cur < end && push(m, cur, end, data + (cur - start), flags))
		return -1;
	if (m->n)
		qsort(m->segs, m->n, sizeof(*m->segs), cmp_seg);
	m->cache = 0;
	return 0;
}

int procmem_add(struct procmem *m, uint64_t start, const void *data, size_t len,
	      uint32_t flags)
{
	if (start + len < start)
		return -1;
	return add_gaps(m, start, start + len, data, flags);
}

int procmem_add_core(struct procmem *m, const struct elfcore *c)
{
	size_t i;

	for (i = 0; i < c->nsegs; i++) {
		const struct elfcore_seg *s = &c->segs[i];
		uint64_t n = s->avail < s->filesz ? s->avail : s->filesz;

		if (!n || s->vaddr + n < s->vaddr)
			continue;
		if (add_gaps(m, s->vaddr, s->vaddr + n,
			     c->data + s->offset, s->flags & PROCMEM_PF_MASK))
			return -1;
	}
	return 0;
}

/* File offset of link-time address va in exe's PT_LOADs, for n bytes. */
static int exe_off(const struct goelf_reader *r, const struct goelf_ehdr *eh,
		   uint64_t va, uint64_t n, uint64_t *off)
{
	uint32_t i;

	for (i = 0; i < eh->phnum; i++) {
		struct goelf_phdr ph;

		if (goelf_read_phdr(r, eh, i, &ph))
			return -1;
		if (ph.type == PT_LOAD && va >= ph.vaddr &&
		    va - ph.vaddr <= ph.filesz && n <= ph.filesz - (va - ph.vaddr)) {
			*off = ph.offset + (va - ph.vaddr);
			return 0;
		}
	}
	return -1;
}

static int cmp_reloc(const void *a, const void *b)
{
	const struct procmem_reloc *x = a, *y = b;

	return x->where < y->where ? -1 : x->where > y->where;
}

#define MAX_RELOCS	(1u << 24)

/* Append the RELA table at link-time address va, len bytes. */
static int read_rela(const struct goelf_reader *r, const struct goelf_ehdr *eh,
		     uint64_t va, uint64_t len, uint64_t bias,
		     uint32_t rel_relative, struct procmem_relocs *out)
{
	struct procmem_reloc *v;
	uint64_t off, k, n = len / GOELF_RELA64_SIZE;

	if (!len)
		return 0;
	if (len % GOELF_RELA64_SIZE || n > MAX_RELOCS - out->n ||
	    exe_off(r, eh, va, len, &off))
		return -1;
	v = realloc(out->v, (size_t)(out->n + n) * sizeof(*v));
	if (!v)
		return -1;
	out->v = v;
	for (k = 0; k < n; k++) {
		struct procmem_reloc *x = &out->v[out->n];
		struct goelf_rela rel;

		if (goelf_read_rela(r, off, k, &rel))
			return -1;
		x->where = rel.offset + bias;
		x->known = rel_relative &&
			   ELF64_R_TYPE(rel.info) == rel_relative;
		x->value = bias + rel.addend;
		out->n++;
	}
	return 0;
}

int procmem_exe_relocs(const void *exe, size_t size, uint64_t bias,
		       uint32_t rel_relative, struct procmem_relocs *out)
{
	uint64_t dyn_off = 0, dyn_len = 0, rela = 0, relasz = 0, relaent = 0;
	uint64_t jmprel = 0, pltrelsz = 0, pltrel = DT_RELA, k;
	struct goelf_mem gm;
	struct goelf_reader r;
	struct goelf_ehdr eh;
	uint32_t i;

	memset(out, 0, sizeof(*out));
	goelf_mem_reader(&r, &gm, exe, size);
	if (goelf_read_ehdr(&r, &eh, NULL) || eh.phnum > GOELF_MAX_PHNUM ||
	    eh.elf_class != ELFCLASS64)
		return -1;
	for (i = 0; i < eh.phnum; i++) {
		struct goelf_phdr ph;

		if (goelf_read_phdr(&r, &eh, i, &ph))
			return -1;
		if (ph.type == PT_DYNAMIC) {
			dyn_off = ph.offset;
			dyn_len = ph.filesz;
		}
	}
	for (k = 0; k < dyn_len / GOELF_DYN64_SIZE; k++) {
		struct goelf_dyn d;

		if (goelf_read_dyn(&r, dyn_off, k, &d))
			return -1;
		if (d.tag == DT_NULL)
			break;
		switch (d.tag) {
		case DT_RELA: rela = d.val; break;
		case DT_RELASZ: relasz = d.val; break;
		case DT_RELAENT: relaent = d.val; break;
		case DT_JMPREL: jmprel = d.val; break;
		case DT_PLTRELSZ: pltrelsz = d.val; break;
		case DT_PLTREL: pltrel = d.val; break;
		/* Formats not read: the relocations would be incomplete. */
		case DT_REL: case DT_RELR: return -1;
		}
	}
	if ((relasz && relaent != GOELF_RELA64_SIZE) || pltrel != DT_RELA ||
	    read_rela(&r, &eh, rela, relasz, bias, rel_relative, out) ||
	    read_rela(&r, &eh, jmprel, pltrelsz, bias, rel_relative, out)) {
		procmem_relocs_free(out);
		return -1;
	}
	if (out->n)
		qsort(out->v, out->n, sizeof(*out->v), cmp_reloc);
	return 0;
}

void procmem_relocs_free(struct procmem_relocs *r)
{
	free(r->v);
	memset(r, 0, sizeof(*r));
}

const struct procmem_reloc *procmem_reloc_at(const struct procmem_relocs *r,
					     uint64_t where)
{
	struct procmem_reloc key = { where, 0, 0 };

	if (!r || !r->n)
		return NULL;
	return bsearch(&key, r->v, r->n, sizeof(*r->v), cmp_reloc);
}

/*
 * The RELRO bytes [lo, hi) (process addresses) of file bytes at src, as
 * the loader left them: a copy with the relative relocations applied,
 * added without the words whose value is unknown.
 */
static int add_relro(struct procmem *m, uint64_t lo, uint64_t hi,
		     const uint8_t *src, const struct procmem_relocs *rel,
		     uint32_t flags)
{
	struct procmem_reloc key = { lo, 0, 0 };
	uint8_t *copy, **owned;
	uint64_t from = lo;
	size_t k;

	copy = malloc((size_t)(hi - lo));
	if (!copy)
		return -1;
	owned = realloc(m->owned, (m->nowned + 1) * sizeof(*owned));
	if (!owned) {
		free(copy);
		return -1;
	}
	m->owned = owned;
	m->owned[m->nowned++] = copy;
	memcpy(copy, src, (size_t)(hi - lo));
	/* the first relocation at or after lo */
	for (k = 0; k < rel->n && cmp_reloc(&rel->v[k], &key) < 0; k++)
		;
	for (; k < rel->n && rel->v[k].where < hi; k++) {
		const struct procmem_reloc *x = &rel->v[k];
		uint64_t at = x->where - lo;

		if (x->where + 8 > hi)
			break;
		if (x->known) {
			uint64_t v = x->value;
			int b;

			for (b = 0; b < 8; b++)
				copy[at + b] = (uint8_t)(v >> (8 * b));
			continue;
		}
		if (add_gaps(m, from, x->where, copy + (from - lo), flags))
			return -1;
		from = x->where + 8;
	}
	if (from < hi && add_gaps(m, from, hi, copy + (from - lo), flags))
		return -1;
	return 0;
}

int procmem_add_exe(struct procmem *m, const void *exe, size_t size,
		  uint64_t bias, const struct procmem_relocs *rel)
{
	const uint8_t *d = exe;
	uint64_t relro_lo = 0, relro_hi = 0;
	struct goelf_mem gm;
	struct goelf_reader r;
	struct goelf_ehdr eh;
	struct goelf_phdr ph;
	uint32_t i;

	goelf_mem_reader(&r, &gm, exe, size);
	if (goelf_read_ehdr(&r, &eh, NULL) || eh.phnum > GOELF_MAX_PHNUM)
		return -1;
	for (i = 0; i < eh.phnum; i++) {
		if (goelf_read_phdr(&r, &eh, i, &ph))
			return -1;
		if (ph.type == PT_GNU_RELRO) {
			relro_lo = ph.vaddr + bias;
			relro_hi = relro_lo + ph.memsz;
		}
	}
	for (i = 0; i < eh.phnum; i++) {
		uint32_t flags;
		uint64_t va, lo, hi, a, b;

		if (goelf_read_phdr(&r, &eh, i, &ph))
			return -1;
		flags = (ph.flags & PROCMEM_PF_MASK) | PROCMEM_FROM_EXE;
		if (ph.type != PT_LOAD || !ph.filesz)
			continue;
		va = ph.vaddr + bias;
		if (ph.offset > size || ph.filesz > size - ph.offset ||
		    va + ph.filesz < va)
			return -1;
		lo = va;
		hi = va + ph.filesz;
		/* What the loader relocated: only with its relocations. */
		a = relro_lo > lo ? relro_lo : lo;
		b = relro_hi < hi ? relro_hi : hi;
		if (a < b && rel &&
		    add_relro(m, a, b, d + ph.offset + (a - lo), rel,
			      flags & ~(uint32_t)PF_W))
			return -1;
		if (ph.flags & PF_W)
			continue;
		if (a < b) {
			if (lo < a && add_gaps(m, lo, a, d + ph.offset, flags))
				return -1;
			if (b < hi &&
			    add_gaps(m, b, hi, d + ph.offset + (b - lo), flags))
				return -1;
			continue;
		}
		if (add_gaps(m, lo, hi, d + ph.offset, flags))
			return -1;
	}
	return 0;
}

/* The first segment ending above addr (m->n when none does). */
static size_t seg_above(const struct procmem *m, uint64_t addr)
{
	size_t lo = 0, hi = m->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (m->segs[mid].end <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

const struct procmem_seg *procmem_seg_at(const struct procmem *m, uint64_t addr)
{
	struct procmem *mm = (struct procmem *)m;	/* the cache only */
	size_t lo;

	if (m->cache < m->n && addr >= m->segs[m->cache].start &&
	    addr < m->segs[m->cache].end)
		return &m->segs[m->cache];
	lo = seg_above(m, addr);
	if (lo < m->n && addr >= m->segs[lo].start) {
		mm->cache = lo;
		return &m->segs[lo];
	}
	return NULL;
}

int procmem_read(const struct procmem *m, uint64_t addr, void *buf, size_t len)
{
	uint8_t *out = buf;

	while (len) {
		const struct procmem_seg *s = procmem_seg_at(m, addr);
		uint64_t n;

		if (!s) {
			((struct procmem *)m)->reads_failed++;
			return -1;
		}
		n = s->end - addr < len ? s->end - addr : len;
		memcpy(out, s->data + (addr - s->start), n);
		out += n;
		addr += n;
		len -= n;
	}
	return 0;
}

uint64_t procmem_known_from(const struct procmem *m, uint64_t addr)
{
	size_t lo = seg_above(m, addr);

	if (lo == m->n)
		return UINT64_MAX;
	return addr >= m->segs[lo].start ? addr : m->segs[lo].start;
}

int procmem_known(const struct procmem *m, uint64_t addr, uint64_t len)
{
	while (len) {
		const struct procmem_seg *s = procmem_seg_at(m, addr);
		uint64_t n;

		if (!s)
			return 0;
		n = s->end - addr < len ? s->end - addr : len;
		addr += n;
		len -= n;
	}
	return 1;
}

const void *procmem_ptr(const struct procmem *m, uint64_t addr, size_t len)
{
	const struct procmem_seg *s = procmem_seg_at(m, addr);

	if (!s || len > s->end - addr)
		return NULL;
	return s->data + (addr - s->start);
}

const void *procmem_span(const struct procmem *m, uint64_t addr, size_t *len)
{
	const struct procmem_seg *s = procmem_seg_at(m, addr);

	if (!s) {
		*len = 0;
		return NULL;
	}
	*len = s->end - addr;
	return s->data + (addr - s->start);
}

static int view_read(void *ctx, uint64_t off, void *buf, size_t len)
{
	const struct procmem_view *v = ctx;

	return procmem_read(v->m, v->base + off, buf, len);
}

void procmem_reader(struct goelf_reader *r, struct procmem_view *v,
		  const struct procmem *m, uint64_t base)
{
	v->m = m;
	v->base = base;
	r->read = view_read;
	r->ctx = v;
	r->size = ~0ull - base;
}

/* The n bytes at addr: in place when one segment holds them, else
 * copied into b; NULL when any is unknown. */
static const uint8_t *word(const struct procmem *m, uint64_t addr,
			   uint8_t *b, size_t n)
{
	const uint8_t *p = procmem_ptr(m, addr, n);

	if (p)
		return p;
	return procmem_read(m, addr, b, n) ? NULL : b;
}

int procmem_u64(const struct procmem *m, uint64_t addr, uint64_t *v)
{
	uint8_t b[8];
	const uint8_t *p = word(m, addr, b, sizeof(b));

	if (!p)
		return -1;
	*v = gcd_le64(p);
	return 0;
}

/* (One reader per width, alike in shape.) */
int procmem_u32(const struct procmem *m, uint64_t addr, uint32_t *v)
{
	uint8_t b[4];
	const uint8_t *p = word(m, addr, b, sizeof(b));

	if (!p)
		return -1;
	*v = gcd_le32(p);
	return 0;
}

int procmem_u8(const struct procmem *m, uint64_t addr, uint8_t *v)
{
	const uint8_t *p = procmem_ptr(m, addr, 1);

	if (!p) {
		((struct procmem *)m)->reads_failed++;
		return -1;
	}
	*v = *p;
	return 0;
}
