// SPDX-License-Identifier: GPL-2.0
/*
 * pprofenc.c - profile.proto writer (pprofenc.h).
 *
 * Field numbers (perftools.profiles):
 *   Profile   1 sample_type  2 sample  3 mapping  4 location  5 function
 *             6 string_table  11 period_type  12 period
 *             14 default_sample_type
 *   ValueType 1 type  2 unit
 *   Sample    1 location_id (packed)  2 value (packed)  3 label
 *   Label     1 key  3 num
 *   Mapping   1 id  2 memory_start  3 memory_limit  4 file_offset
 *             5 filename  6 build_id  7..10 has_functions, _filenames,
 *             _line_numbers, _inline_frames
 *   Location  1 id  2 mapping_id  3 address  4 line
 *   Line      1 function_id  2 line
 *   Function  1 id  2 name  3 system_name  4 filename  5 start_line
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "core/pprofenc.h"

#define WT_VARINT	0
#define WT_LEN		2

static void put(struct pprof *pp, struct pbuf *b, const void *p, size_t n)
{
	if (pp->oom)
		return;
	if (b->n + n > b->cap) {
		size_t cap = b->cap ? b->cap : 256;
		uint8_t *x;

		while (cap < b->n + n)
			cap *= 2;
		x = realloc(b->b, cap);
		if (!x) {
			pp->oom = 1;
			return;
		}
		b->b = x;
		b->cap = cap;
	}
	memcpy(b->b + b->n, p, n);
	b->n += n;
}

static void varint(struct pprof *pp, struct pbuf *b, uint64_t v)
{
	uint8_t x[10];
	size_t n = 0;

	do {
		x[n] = (uint8_t)(v & 0x7f);
		v >>= 7;
		if (v)
			x[n] |= 0x80;
		n++;
	} while (v);
	put(pp, b, x, n);
}

static void key(struct pprof *pp, struct pbuf *b, unsigned int field,
		unsigned int wt)
{
	varint(pp, b, (uint64_t)field << 3 | wt);
}

/* A varint field, left out when 0 (proto3's default). */
static void vfield(struct pprof *pp, struct pbuf *b, unsigned int field,
		   uint64_t v)
{
	if (!v)
		return;
	key(pp, b, field, WT_VARINT);
	varint(pp, b, v);
}

static void bytes_field(struct pprof *pp, struct pbuf *b, unsigned int field,
			const void *p, size_t n)
{
	key(pp, b, field, WT_LEN);
	varint(pp, b, n);
	put(pp, b, p, n);
}

/* Append the nested message in src as field of dst, and empty src. */
static void nested(struct pprof *pp, struct pbuf *dst, unsigned int field,
		   struct pbuf *src)
{
	bytes_field(pp, dst, field, src->b, src->n);
	src->n = 0;
}

/* ---- maps ----------------------------------------------------------- */

static uint64_t mix(uint64_t x)
{
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdull;
	x ^= x >> 33;
	return x;
}

static int map_grow(struct pprof_map *m)
{
	size_t cap = m->cap ? m->cap * 2 : 1024, i;
	uint64_t *k = calloc(cap, sizeof(*k)), *v = calloc(cap, sizeof(*v));

	if (!k || !v) {
		free(k);
		free(v);
		return -1;
	}
	for (i = 0; i < m->cap; i++) {
		size_t h;

		if (!m->key[i])
			continue;
		for (h = mix(m->key[i]) & (cap - 1); k[h]; h = (h + 1) & (cap - 1))
			;
		k[h] = m->key[i];
		v[h] = m->val[i];
	}
	free(m->key);
	free(m->val);
	m->key = k;
	m->val = v;
	m->cap = cap;
	return 0;
}

/* The slot of key (nonzero): found (*found 1) or where it would go. */
static size_t map_slot(struct pprof_map *m, uint64_t key, int *found)
{
	size_t h;

	for (h = mix(key) & (m->cap - 1); m->key[h]; h = (h + 1) & (m->cap - 1))
		if (m->key[h] == key) {
			*found = 1;
			return h;
		}
	*found = 0;
	return h;
}

static int map_ready(struct pprof *pp, struct pprof_map *m)
{
	if (pp->oom)
		return -1;
	if ((m->n + 1) * 2 > m->cap && map_grow(m)) {
		pp->oom = 1;
		return -1;
	}
	return 0;
}

/* ---- the builder ---------------------------------------------------- */

int pprof_init(struct pprof *pp)
{
	memset(pp, 0, sizeof(*pp));
	pprof_string(pp, "");
	return pp->oom ? -1 : 0;
}

void pprof_free(struct pprof *pp)
{
	size_t i;

	for (i = 0; i < pp->nstr; i++)
		free(pp->strs[i]);
	free(pp->strs);
	free(pp->out.b);
	free(pp->tmp.b);
	free(pp->tmp2.b);
	free(pp->strmap.key);
	free(pp->strmap.val);
	free(pp->funcs.key);
	free(pp->funcs.val);
	free(pp->locs.key);
	free(pp->locs.val);
	memset(pp, 0, sizeof(*pp));
}

static uint64_t str_hash(const char *s)
{
	uint64_t h = 0xcbf29ce484222325ull;

	for (; *s; s++)
		h = (h ^ (uint8_t)*s) * 0x100000001b3ull;
	return h | 1;	/* never 0, the empty key */
}

int64_t pprof_string(struct pprof *pp, const char *s)
{
	uint64_t h;
	size_t slot;
	int found;

	if (!s)
		s = "";
	if (map_ready(pp, &pp->strmap))
		return 0;
	/* Linear probing over the hash; a collision of two hashes probes on
	 * as a different key would (keys are hash + probe count). */
	for (h = str_hash(s);; h += 2) {
		slot = map_slot(&pp->strmap, h, &found);
		if (!found)
			break;
		if (!strcmp(pp->strs[pp->strmap.val[slot]], s))
			return (int64_t)pp->strmap.val[slot];
	}
	if (pp->nstr == pp->strcap) {
		size_t cap = pp->strcap ? pp->strcap * 2 : 256;
		char **x = realloc(pp->strs, cap * sizeof(*x));

		if (!x) {
			pp->oom = 1;
			return 0;
		}
		pp->strs = x;
		pp->strcap = cap;
	}
	pp->strs[pp->nstr] = strdup(s);
	if (!pp->strs[pp->nstr]) {
		pp->oom = 1;
		return 0;
	}
	pp->strmap.key[slot] = h;
	pp->strmap.val[slot] = pp->nstr;
	pp->strmap.n++;
	return (int64_t)pp->nstr++;
}

static void value_type(struct pprof *pp, unsigned int field,
		       const char *type, const char *unit)
{
	int64_t t = pprof_string(pp, type), u = pprof_string(pp, unit);

	vfield(pp, &pp->tmp, 1, (uint64_t)t);
	vfield(pp, &pp->tmp, 2, (uint64_t)u);
	nested(pp, &pp->out, field, &pp->tmp);
}

void pprof_sample_type(struct pprof *pp, const char *type, const char *unit)
{
	value_type(pp, 1, type, unit);
}

void pprof_period(struct pprof *pp, const char *type, const char *unit,
		  int64_t period)
{
	value_type(pp, 11, type, unit);
	vfield(pp, &pp->out, 12, (uint64_t)period);
}

void pprof_default_sample_type(struct pprof *pp, const char *type)
{
	vfield(pp, &pp->out, 14, (uint64_t)pprof_string(pp, type));
}

void pprof_mapping(struct pprof *pp, uint64_t id, uint64_t start,
		   uint64_t limit, uint64_t offset, const char *file,
		   const char *build_id)
{
	int64_t f = pprof_string(pp, file), b = pprof_string(pp, build_id);

	vfield(pp, &pp->tmp, 1, id);
	vfield(pp, &pp->tmp, 2, start);
	vfield(pp, &pp->tmp, 3, limit);
	vfield(pp, &pp->tmp, 4, offset);
	vfield(pp, &pp->tmp, 5, (uint64_t)f);
	vfield(pp, &pp->tmp, 6, (uint64_t)b);
	vfield(pp, &pp->tmp, 7, 1);
	vfield(pp, &pp->tmp, 8, 1);
	vfield(pp, &pp->tmp, 9, 1);
	vfield(pp, &pp->tmp, 10, 1);
	nested(pp, &pp->out, 3, &pp->tmp);
}

static uint64_t function(struct pprof *pp, const char *name, const char *file,
			 int64_t start_line)
{
	int64_t n = pprof_string(pp, name), f = pprof_string(pp, file);
	/* by name alone, as runtime/pprof's profileBuilder keys them */
	uint64_t k = (uint64_t)n << 32 | 0xffffffffu;
	size_t slot;
	int found;

	if (map_ready(pp, &pp->funcs))
		return 0;
	slot = map_slot(&pp->funcs, k, &found);
	if (found)
		return pp->funcs.val[slot];
	pp->funcs.key[slot] = k;
	pp->funcs.val[slot] = ++pp->nfunc;
	pp->funcs.n++;
	vfield(pp, &pp->tmp, 1, pp->nfunc);
	vfield(pp, &pp->tmp, 2, (uint64_t)n);
	vfield(pp, &pp->tmp, 3, (uint64_t)n);
	vfield(pp, &pp->tmp, 4, (uint64_t)f);
	vfield(pp, &pp->tmp, 5, (uint64_t)start_line);
	nested(pp, &pp->out, 5, &pp->tmp);
	return pp->nfunc;
}

uint64_t pprof_location(struct pprof *pp, uint64_t mapping, uint64_t addr,
			const struct pprof_line *lines, size_t nlines)
{
	uint64_t id, fid[64];
	size_t slot, i;
	int found;

	if (nlines > 64)
		nlines = 64;
	if (map_ready(pp, &pp->locs))
		return 0;
	slot = map_slot(&pp->locs, addr ? addr : ~0ull, &found);
	if (found && addr)
		return pp->locs.val[slot];
	/* Functions first: each is a field of the Profile of its own. */
	for (i = 0; i < nlines; i++)
		fid[i] = function(pp, lines[i].func, lines[i].file,
				  lines[i].start_line);
	id = ++pp->nloc;
	if (addr) {
		pp->locs.key[slot] = addr;
		pp->locs.val[slot] = id;
		pp->locs.n++;
	}
	vfield(pp, &pp->tmp2, 1, id);
	vfield(pp, &pp->tmp2, 2, mapping);
	vfield(pp, &pp->tmp2, 3, addr);
	for (i = 0; i < nlines; i++) {
		vfield(pp, &pp->tmp, 1, fid[i]);
		vfield(pp, &pp->tmp, 2, (uint64_t)lines[i].line);
		nested(pp, &pp->tmp2, 4, &pp->tmp);
	}
	nested(pp, &pp->out, 4, &pp->tmp2);
	return pp->oom ? 0 : id;
}

void pprof_sample(struct pprof *pp, const uint64_t *locs, size_t nlocs,
		  const int64_t *vals, size_t nvals, const char *label,
		  int64_t num)
{
	struct pbuf packed = { 0 };
	size_t i;

	for (i = 0; i < nlocs; i++)
		varint(pp, &packed, locs[i]);
	if (nlocs)
		bytes_field(pp, &pp->tmp2, 1, packed.b, packed.n);
	packed.n = 0;
	for (i = 0; i < nvals; i++)
		varint(pp, &packed, (uint64_t)vals[i]);
	if (nvals)
		bytes_field(pp, &pp->tmp2, 2, packed.b, packed.n);
	free(packed.b);
	if (label) {
		vfield(pp, &pp->tmp, 1, (uint64_t)pprof_string(pp, label));
		vfield(pp, &pp->tmp, 3, (uint64_t)num);
		nested(pp, &pp->tmp2, 3, &pp->tmp);
	}
	nested(pp, &pp->out, 2, &pp->tmp2);
}

int pprof_write(struct pprof *pp, FILE *f)
{
	size_t i;

	for (i = 0; i < pp->nstr; i++)
		bytes_field(pp, &pp->out, 6, pp->strs[i], strlen(pp->strs[i]));
	if (pp->oom) {
		errno = ENOMEM;
		return -1;
	}
	if (fwrite(pp->out.b, 1, pp->out.n, f) != pp->out.n || fflush(f))
		return -1;
	return 0;
}
