// SPDX-License-Identifier: GPL-2.0
/*
 * gomark_types.c - types carried along the pointers of typed objects and
 * typed roots (gomark.h, gomark_types).
 *
 * Each type met is read once into a plan: its size, its pointer prefix,
 * the pointer mask of a small one, and where, within a value of it, a
 * word carries a type to another object (internal/abi's descriptors,
 * the same on 64-bit from Go 1.19 to 1.27: a 48-byte header, then a
 * pointer's or slice's element at 48, an array's element and length at
 * 48 and 64, a struct's fields {name, typ, offset} at 56, an interface's
 * methods at 56, a map's bucket or group type at 64).  Structs and short
 * arrays are unrolled into their pointer fields; long arrays stay one
 * entry walked element by element.
 *
 * A target is typed at most once: the heap's own record first (the
 * objects' headers and large spans' types, seeded before anything is
 * carried), then the first fitting claim; a later claim of another type
 * is counted as a conflict, not taken.
 *
 * Each object's type is kept in 32 bits, a number for the type (the
 * types met, in the order met) and a bit for "several of it": a heap
 * holds a few thousand types and tens of millions of objects, and eight
 * bytes an object was half of gocap heap types' own memory.
 */
#include <stdlib.h>
#include <string.h>

#include "go/goheap.h"
#include "go/gomark.h"
#include "go/gomark_int.h"
#include "go/goroutines.h"
#include "gocoredump/le.h"

#define TYPE_HDR	48		/* abi.Type */
#define MAX_FIELDS	4096		/* a struct's fields read */
#define MAX_ENTS	4096		/* a plan's entries */
#define FLAT_ARRAY	64		/* entries an array is unrolled to */
#define MAX_DEPTH	16		/* types within types */
#define MAX_DIR		(1u << 24)	/* a swiss map's directory */
#define MAX_BUCKETS_LOG	40
#define MAX_SIZE	(1ull << 40)	/* a type's: more is no type */
#define MAX_FINDS	64		/* types searched for by name */

enum {
	K_ARRAY = 17, K_CHAN, K_FUNC, K_INTERFACE, K_MAP, K_POINTER,
	K_SLICE, K_STRING, K_STRUCT, K_UNSAFEPTR,
};

enum ent_how { E_PTR, E_SLICE, E_EFACE, E_IFACE, E_MAP, E_ARRAY, E_NODE };

/* E_NODE: a sync.Map trie's child, a typ when the byte it points at is
 * 0, an alt when it is 1 */
struct ent {
	uint64_t off, typ, count, alt;
	enum ent_how how;
};

struct plan {
	uint64_t typ, size, ptrdata;
	uint64_t mask;		/* pointer bits, a type of at most 64 words */
	int mask_ok;
	int bad;		/* the descriptor could not be read */
	int direct;		/* kept in an interface's data word itself */
	struct ent *e;
	size_t n, cap;
};

struct twork {
	uint64_t addr, typ, n;
};

struct troot {
	uint64_t addr, typ, count;
	enum gomark_how how;
};

struct gotypes {
	uint32_t *t;		/* per object: its type's id << 1 | several */
	uint64_t *ids;		/* by id (0: none): the type */
	uint32_t *idslot;	/* open addressing, by type: its id */
	size_t nids, capids;
	uint64_t last_typ;	/* type_id's last answer */
	uint32_t last_id;
	struct plan **plans;	/* open addressing, by type */
	size_t nplans, capplans;
	struct plan *last_plan;	/* plan_find's last answer */
	struct twork *w;
	size_t nw, capw;
	struct troot *roots;
	size_t nroots, caproots;
	int headers, swiss, nomem;
	unsigned int finds;	/* gotype_find's searches of the section */
	int map_found;		/* map_types has looked */
	uint64_t map_hdr, map_dir;	/* a map's own objects' types */
	struct gomark_type_stats st;
};

static uint64_t slot_hash(uint64_t k)
{
	k *= 0x9e3779b97f4a7c15ull;
	return k ^ (k >> 31);
}

static struct plan *plan_find(struct gotypes *T, uint64_t typ)
{
	size_t j;

	if (T->last_plan && T->last_plan->typ == typ)
		return T->last_plan;
	if (!T->capplans)
		return NULL;
	j = slot_hash(typ) & (T->capplans - 1);
	while (T->plans[j]) {
		if (T->plans[j]->typ == typ) {
			T->last_plan = T->plans[j];
			return T->plans[j];
		}
		j = (j + 1) & (T->capplans - 1);
	}
	return NULL;
}

static int plan_insert(struct gotypes *T, struct plan *pl)
{
	size_t j, i;

	if (2 * (T->nplans + 1) > T->capplans) {
		size_t c = T->capplans ? T->capplans * 2 : 256;
		struct plan **t = calloc(c, sizeof(*t));

		if (!t)
			return -1;
		for (i = 0; i < T->capplans; i++) {
			if (!T->plans[i])
				continue;
			j = slot_hash(T->plans[i]->typ) & (c - 1);
			while (t[j])
				j = (j + 1) & (c - 1);
			t[j] = T->plans[i];
		}
		free(T->plans);
		T->plans = t;
		T->capplans = c;
	}
	j = slot_hash(pl->typ) & (T->capplans - 1);
	while (T->plans[j])
		j = (j + 1) & (T->capplans - 1);
	T->plans[j] = pl;
	T->nplans++;
	return 0;
}

#define MAX_IDS		(1u << 30)	/* types numbered */

/* typ's id, numbered on first sight; 0 when out of memory. */
static uint32_t type_id(struct gotypes *T, uint64_t typ)
{
	size_t j, i;

	if (T->last_id && T->last_typ == typ)
		return T->last_id;
	if (T->capids) {
		j = slot_hash(typ) & (T->capids - 1);
		while (T->idslot[j]) {
			if (T->ids[T->idslot[j]] == typ) {
				T->last_typ = typ;
				T->last_id = T->idslot[j];
				return T->last_id;
			}
			j = (j + 1) & (T->capids - 1);
		}
	}
	if (T->nids + 1 >= MAX_IDS) {
		T->nomem = 1;
		return 0;
	}
	if (2 * (T->nids + 2) > T->capids) {
		size_t c = T->capids ? T->capids * 2 : 256;
		uint32_t *slot = calloc(c, sizeof(*slot));
		uint64_t *ids = realloc(T->ids, c * sizeof(*ids));

		if (!slot || !ids) {
			free(slot);
			if (ids)
				T->ids = ids;
			T->nomem = 1;
			return 0;
		}
		T->ids = ids;
		ids[0] = 0;
		for (i = 1; i <= T->nids; i++) {
			j = slot_hash(ids[i]) & (c - 1);
			while (slot[j])
				j = (j + 1) & (c - 1);
			slot[j] = (uint32_t)i;
		}
		free(T->idslot);
		T->idslot = slot;
		T->capids = c;
	}
	T->ids[++T->nids] = typ;
	j = slot_hash(typ) & (T->capids - 1);
	while (T->idslot[j])
		j = (j + 1) & (T->capids - 1);
	T->idslot[j] = (uint32_t)T->nids;
	return (uint32_t)T->nids;
}

/* Entries past MAX_ENTS are dropped: fewer types carried, none wrong. */
static int add_ent(struct plan *pl, enum ent_how how, uint64_t off,
		   uint64_t typ, uint64_t count)
{
	if (pl->n == MAX_ENTS)
		return 0;
	if (pl->n == pl->cap) {
		size_t c = pl->cap ? pl->cap * 2 : 4;
		struct ent *e = realloc(pl->e, c * sizeof(*e));

		if (!e)
			return -1;
		pl->e = e;
		pl->cap = c;
	}
	pl->e[pl->n].how = how;
	pl->e[pl->n].off = off;
	pl->e[pl->n].typ = typ;
	pl->e[pl->n].count = count;
	pl->e[pl->n].alt = 0;
	pl->n++;
	return 0;
}

static struct plan *plan_of(struct gomark *m, uint64_t typ, int depth);

/* Append sub's entries at off, times copies of stride. */
static int add_plan(struct plan *pl, const struct plan *sub, uint64_t off,
		    uint64_t copies, uint64_t stride)
{
	uint64_t c;
	size_t i;

	for (c = 0; c < copies && pl->n < MAX_ENTS; c++)
		for (i = 0; i < sub->n && pl->n < MAX_ENTS; i++) {
			if (add_ent(pl, sub->e[i].how, off + c * stride + sub->e[i].off,
				    sub->e[i].typ, sub->e[i].count))
				return -1;
			pl->e[pl->n - 1].alt = sub->e[i].alt;
		}
	return 0;
}

static int struct_plan(struct gomark *m, struct plan *pl, const uint8_t *t,
		       int depth)
{
	uint64_t fields, nf, i;
	uint8_t *f;
	int r = 0;

	memcpy(&fields, t + 56, 8);
	memcpy(&nf, t + 64, 8);
	if (nf > MAX_FIELDS)
		return -1;
	f = malloc((size_t)nf * 24 + 1);
	if (!f) {
		m->ty->nomem = 1;
		return -1;
	}
	if (nf && procmem_read(&m->p->mem, fields, f, (size_t)nf * 24))
		r = -1;
	for (i = 0; !r && i < nf; i++) {
		uint64_t ft, off;
		struct plan *sub;

		memcpy(&ft, f + 24 * i + 8, 8);
		memcpy(&off, f + 24 * i + 16, 8);
		sub = plan_of(m, ft, depth + 1);
		if (!sub || sub->bad || off > pl->size ||
		    sub->size > pl->size - off)
			r = -1;
		else if (add_plan(pl, sub, off, 1, 0))
			r = -1;
	}
	free(f);
	return r;
}

static int array_plan(struct gomark *m, struct plan *pl, const uint8_t *t,
		      int depth)
{
	uint64_t et, len;
	struct plan *sub;

	memcpy(&et, t + 48, 8);
	memcpy(&len, t + 64, 8);
	sub = plan_of(m, et, depth + 1);
	if (!sub || sub->bad || (sub->size && len > pl->size / sub->size))
		return -1;
	if (!sub->n)
		return 0;
	if (len * sub->n <= FLAT_ARRAY)
		return add_plan(pl, sub, 0, len, sub->size);
	return add_ent(pl, E_ARRAY, 0, et, len);
}

/*
 * sync/atomic.Pointer[T] ({_ [0]*T; _ noCopy; v unsafe.Pointer}): v
 * points at a T, which only the first field's type says.  An entry for
 * v, when the struct is that shape: three fields, the first an array of
 * none of a pointer, the last an unsafe.Pointer within the struct.
 */
static int atomic_pointer(struct gomark *m, struct plan *pl,
			  const uint8_t *t)
{
	uint8_t f[3 * 24], a[TYPE_HDR + 24], p[TYPE_HDR + 8], u[TYPE_HDR];
	uint64_t fields, nf, at, pt, vt, voff, len, elem;

	memcpy(&fields, t + 56, 8);
	memcpy(&nf, t + 64, 8);
	if (nf != 3 || procmem_read(&m->p->mem, fields, f, sizeof(f)))
		return 0;
	memcpy(&at, f + 8, 8);
	memcpy(&vt, f + 48 + 8, 8);
	memcpy(&voff, f + 48 + 16, 8);
	if (voff % 8 || voff > pl->size - 8 ||
	    procmem_read(&m->p->mem, at, a, sizeof(a)) ||
	    procmem_read(&m->p->mem, vt, u, sizeof(u)) ||
	    (a[23] & 0x1f) != K_ARRAY || (u[23] & 0x1f) != K_UNSAFEPTR)
		return 0;
	memcpy(&pt, a + 48, 8);
	memcpy(&len, a + 64, 8);
	if (len || procmem_read(&m->p->mem, pt, p, sizeof(p)) ||
	    (p[23] & 0x1f) != K_POINTER)
		return 0;
	memcpy(&elem, p + 48, 8);
	return add_ent(pl, E_PTR, voff, elem, 1);
}

/*
 * A struct descriptor t's field count, and its first field's type when
 * that field is at offset 0 (else 0).  0, or -1 when the fields cannot
 * be read.
 */
static int first_field(struct gomark *m, const uint8_t *t, uint64_t *nf,
		       uint64_t *typ)
{
	uint8_t f[24];
	uint64_t fields, off;

	memcpy(&fields, t + 56, 8);
	memcpy(nf, t + 64, 8);
	if (!*nf || procmem_read(&m->p->mem, fields, f, sizeof(f)))
		return -1;
	memcpy(typ, f + 8, 8);
	memcpy(&off, f + 16, 8);
	if (off)
		*typ = 0;
	return 0;
}

/*
 * A sync.Map from Go 1.24 is internal/sync.HashTrieMap[K,V], a trie of
 * indirect[K,V] {node[K,V]; dead; mu; parent; children
 * [16]atomic.Pointer[node[K,V]]}.  node[K,V] is {isEntry bool}, the first
 * field of both an indirect and an entry[K,V] {node[K,V]; overflow; key;
 * value}: the byte a child points at says which it is.  No descriptor
 * points at entry's: it is found by its name, "sync.entry" with the
 * indirect's type arguments, and must start with the same node.  Each
 * entry of pl (an indirect's plan) typed node becomes an E_NODE, typed
 * indirect or entry by that byte.  Nothing changes when the entry is not
 * found.  Each search reads the types section: MAX_FINDS of them at most
 * (a program has a few trie types; a crafted core could name thousands).
 */
static void trie_children(struct gomark *m, struct plan *pl, const uint8_t *t)
{
	uint8_t e[TYPE_HDR + 24];
	uint64_t nf, node, entry, enode;
	char name[256], want[256];
	size_t i;

	if (first_field(m, t, &nf, &node) || nf < 5 || !node ||
	    m->ty->finds >= MAX_FINDS ||
	    gotype_name(m->p, pl->typ, name, sizeof(name)) ||
	    snprintf(want, sizeof(want), "sync.entry[%s", name + 14) >=
	    (int)sizeof(want))
		return;
	m->ty->finds++;
	entry = gotype_find(m->p, want, K_STRUCT, NULL);
	if (!entry || procmem_read(&m->p->mem, entry, e, sizeof(e)) ||
	    first_field(m, e, &nf, &enode) || nf != 4 || enode != node)
		return;
	for (i = 0; i < pl->n; i++)
		if (pl->e[i].how == E_PTR && pl->e[i].typ == node) {
			pl->e[i].how = E_NODE;
			pl->e[i].typ = pl->typ;
			pl->e[i].alt = entry;
		}
}

/* The descriptor at typ, read into a plan once (kept, bad or not). */
static struct plan *plan_of(struct gomark *m, uint64_t typ, int depth)
{
	struct gotypes *T = m->ty;
	struct plan *pl = plan_find(T, typ);
	uint8_t t[TYPE_HDR + 24];
	unsigned int kind;
	uint64_t gcdata, elem, nm;
	char name[24];

	if (pl)
		return pl;
	pl = calloc(1, sizeof(*pl));
	if (pl)
		pl->typ = typ;
	if (!pl || plan_insert(T, pl)) {
		free(pl);
		T->nomem = 1;
		return NULL;
	}
	pl->bad = 1;
	if (!typ || depth > MAX_DEPTH ||
	    procmem_read(&m->p->mem, typ, t, sizeof(t)))
		return pl;
	memcpy(&pl->size, t, 8);
	memcpy(&pl->ptrdata, t + 8, 8);
	memcpy(&gcdata, t + 32, 8);
	kind = t[23] & 0x1f;
	pl->direct = m->minor >= 26 ? !!(t[20] & 0x20) : !!(t[23] & 0x20);
	if (pl->ptrdata > pl->size || pl->ptrdata % 8 || pl->size > MAX_SIZE)
		return pl;
	if (!pl->ptrdata) {
		pl->mask_ok = 1;
	} else if (pl->ptrdata <= 512 && !(m->minor <= 23 && (t[23] & 0x40)) &&
		   !(m->minor >= 24 && (t[20] & 0x10)) && gcdata) {
		uint8_t b[8] = { 0 };

		pl->mask_ok = !procmem_read(&m->p->mem, gcdata, b,
					    (size_t)((pl->ptrdata / 8 + 7) / 8));
		memcpy(&pl->mask, b, 8);
		if (pl->ptrdata < 512)
			pl->mask &= (1ull << (pl->ptrdata / 8)) - 1;
	}
	pl->bad = 0;
	if (!pl->ptrdata)
		return pl;
	memcpy(&elem, t + 48, 8);
	switch (kind) {
	case K_POINTER:
		pl->bad = add_ent(pl, E_PTR, 0, elem, 1) != 0;
		break;
	case K_SLICE:
		pl->bad = add_ent(pl, E_SLICE, 0, elem, 1) != 0;
		break;
	case K_INTERFACE:
		memcpy(&nm, t + 64, 8);
		pl->bad = add_ent(pl, nm ? E_IFACE : E_EFACE, 0, 0, 1) != 0;
		break;
	case K_MAP:
		pl->bad = add_ent(pl, E_MAP, 0, typ, 1) != 0;
		break;
	case K_ARRAY:
		pl->bad = array_plan(m, pl, t, depth) != 0;
		break;
	case K_STRUCT:
		pl->bad = struct_plan(m, pl, t, depth) != 0;
		if (pl->bad || gotype_name(m->p, typ, name, sizeof(name)))
			break;
		/* an old map's bucket: its last word, overflow, points at
		 * the next bucket (an unsafe.Pointer, said nowhere else) */
		if (!T->swiss && pl->size >= 16 &&
		    !strncmp(name, "map.bucket[", 11))
			pl->bad = add_ent(pl, E_PTR, pl->size - 8, typ, 1) != 0;
		/* an atomic.Pointer[T]'s word points at a T */
		else if (pl->size >= 8 && !pl->n &&
			 !strncmp(name, "atomic.Pointer[", 15))
			pl->bad = atomic_pointer(m, pl, t) != 0;
		/* a sync.Map's trie node: its children are typed by a byte */
		else if (!strncmp(name, "sync.indirect[", 14))
			trie_children(m, pl, t);
		break;
	default:	/* chan, func, string, unsafe.Pointer: nothing said */
		break;
	}
	return pl;
}

/* An object allocated with a header (Go 1.22 on, more than 512 bytes of
 * a type with pointers) holds its data 8 bytes in. */
static uint64_t header_of(const struct gomark *m, const struct mspan_ix *s)
{
	return m->ty->headers && span_headed(s) ? 8 : 0;
}

/* The pointer bits of k values of pl's type, over 64 words */
static uint64_t values_mask(const struct plan *pl, uint64_t k)
{
	uint64_t want = 0, e, wpe = pl->size / 8;

	for (e = 0; e < k && e * wpe < 64; e++)
		want |= pl->mask << (e * wpe);
	return want;
}

/* Would the runtime have put need bytes (and hdr) in an object of s? */
static int class_fits(const struct mspan_ix *s, uint64_t need, uint64_t hdr)
{
	if (s->cls)
		return need + hdr > s->below && need + hdr <= s->size;
	return need + 8192 > s->limit - s->start;
}

/*
 * Would the runtime have allocated this object for *n values of pl's
 * type (fill: as many as it holds, at least *n)?  The same class (or
 * pages), pointers exactly when the type has some, and where the heap
 * says which words of the object are pointers (its heap bits for objects
 * of at most 512 bytes from Go 1.22, the arenas' bitmaps for the first
 * 64 words of any before), the same words: the runtime wrote them for
 * the values it allocated, zeros after.  With fill, the values allocated
 * may be fewer than the object holds (make([]T, 5) in a class of 6):
 * *n becomes the count the bits say, if one from *n up does.
 */
static int fits(struct gomark *m, struct mspan_ix *s, uint64_t base,
		const struct plan *pl, uint64_t *n, int fill)
{
	uint64_t hdr = header_of(m, s), avail = s->size - hdr;
	uint64_t lo = *n, g, k, top;

	if (!pl->size || (pl->ptrdata != 0) == (s->noscan != 0))
		return 0;
	if (fill) {
		if (avail / pl->size < *n)
			return 0;
		*n = avail / pl->size;
	}
	/* (n is 1 but for slices: no division then) */
	if (!*n || (*n == 1 ? pl->size > avail : *n > avail / pl->size))
		return 0;
	if (!class_fits(s, *n * pl->size, hdr))
		return 0;
	if (s->noscan)
		return 1;
	if (m->ty->headers && span_small(s)) {
		if (!pl->mask_ok || pl->size % 8)
			return 0;
		/* (a claim's object is marked) */
		if (!known_bits(m, s, &g) && small_bits64(m, s, base, &g))
			return 0;
	} else if (m->arena_bits && pl->mask_ok && !(pl->size % 8)) {
		if (!known_bits(m, s, &g) &&
		    arena_bits64(m, base, s->size, &g))
			return 0;
	} else {
		return 1;	/* nothing says (large objects from 1.22) */
	}
	/* the values' bits, from the most the object holds down to the
	 * fewest it was claimed for; past the values that begin in the
	 * first 64 words, the bits cannot tell how many: the most */
	top = (64 + pl->size / 8 - 1) / (pl->size / 8);
	top = *n < top ? *n : top;
	for (k = top; k; k--) {
		if (g == values_mask(pl, k) &&
		    (k == top || class_fits(s, k * pl->size, hdr))) {
			if (k < top)
				*n = k;
			return 1;
		}
		if (k <= lo)
			return 0;
	}
	return 0;
}

static void push(struct gomark *m, uint64_t addr, uint64_t typ, uint64_t n)
{
	struct gotypes *T = m->ty;

	if (T->nw == T->capw) {
		size_t c = T->capw ? T->capw * 2 : 4096;
		struct twork *w = realloc(T->w, c * sizeof(*w));

		if (!w) {
			T->nomem = 1;
			return;
		}
		T->w = w;
		T->capw = c;
	}
	T->w[T->nw].addr = addr;
	T->w[T->nw].typ = typ;
	T->w[T->nw].n = n;
	T->nw++;
}

/* The object addr points at the data of takes typ (n of them; fill: as
 * many as it holds, at least n), if it fits. */
static void claim(struct gomark *m, uint64_t addr, uint64_t typ, uint64_t n,
		  int fill)
{
	struct gotypes *T = m->ty;
	struct mspan_ix *s = span_of(m, addr);
	uint64_t k, base, b;
	struct plan *pl;
	uint32_t id;

	if (!s)
		return;
	k = span_index(s, addr);
	base = s->start + k * s->size;
	if (k >= s->nelems || addr != base + header_of(m, s)) {
		T->st.interior++;
		return;
	}
	b = s->bit + k;
	if (!test_bit(m->mark, b))
		return;
	if (T->t[b]) {
		if (T->ids[T->t[b] >> 1] != typ)
			T->st.conflicts++;
		return;
	}
	pl = plan_of(m, typ, 0);
	if (!pl || pl->bad) {
		T->st.bad_types++;
		return;
	}
	if (!fits(m, s, base, pl, &n, fill)) {
		T->st.rejected++;
		return;
	}
	id = type_id(T, typ);
	if (!id)
		return;
	T->t[b] = id << 1 | (n > 1);
	T->st.carried++;
	if (pl->n)
		push(m, addr, typ, n);
}

static int in_types(const struct gomark *m, uint64_t t)
{
	return t >= m->p->md.types && t < m->p->md.etypes;
}

static void walk(struct gomark *m, uint64_t addr, const struct plan *pl,
		 uint64_t n, int depth);

/* The interface value at at, of dynamic type t, its data word w1: a
 * pointer-shaped type's value is the word itself, any other's is what
 * it points at. */
static void iface_value(struct gomark *m, uint64_t at, uint64_t t,
			uint64_t w1, int depth)
{
	struct plan *tp = plan_of(m, t, 0);

	if (!tp || tp->bad)
		return;
	if (tp->direct)
		walk(m, at + 8, tp, 1, depth + 1);
	else
		claim(m, w1, t, 1, 0);
}

/* An interface's value: the type word (or the itab's) tells its type. */
static void walk_iface(struct gomark *m, uint64_t at, int itab, int depth)
{
	uint64_t w[2], t;

	if (procmem_read(&m->p->mem, at, w, sizeof(w)) || !w[0] || !w[1])
		return;
	t = w[0];
	if (itab && procmem_u64(&m->p->mem, w[0] + 8, &t))
		return;
	if (!in_types(m, t))
		return;
	iface_value(m, at, t, w[1], depth);
}

/*
 * The descriptors of a map's own objects, which no descriptor points at
 * (a map type's says only its key, value and buckets or groups): found
 * by name once, as sync.entry's is.  To Go 1.23 (and 1.24/1.25 built
 * noswissmap) the header is runtime.hmap (makemap's new(hmap)); from
 * 1.24 it is internal/runtime/maps's Map and its directory an array of
 * *table (make([]*table, n)), whose plan types the tables.  Both are
 * searched for in the runtime's package (a program's own package maps
 * may have a Map too); a header must be the 48 bytes walk_map reads, the
 * directory's element the table's pointer type; else that descriptor is
 * not used.
 */
static void map_types(struct gomark *m)
{
	struct gotypes *T = m->ty;
	const char *pkg = T->swiss ? "internal/runtime/maps" : "runtime";
	uint64_t elem, table;
	struct plan *pl;
	uint32_t ptr;

	if (T->map_found)
		return;
	T->map_found = 1;
	T->map_hdr = gotype_find(m->p, T->swiss ? "maps.Map" : "runtime.hmap",
				 K_STRUCT, pkg);
	pl = T->map_hdr ? plan_of(m, T->map_hdr, 0) : NULL;
	if (!pl || pl->bad || pl->size != 48)
		T->map_hdr = 0;
	if (!T->swiss)
		return;
	/* the directory's element: the table's PtrToThis (a types
	 * section offset at 44) */
	table = gotype_find(m->p, "maps.table", K_STRUCT, pkg);
	if (!table ||
	    procmem_read(&m->p->mem, table + 44, &ptr, sizeof(ptr)) || !ptr)
		return;
	T->map_dir = m->p->md.types + ptr;
	if (!in_types(m, T->map_dir) ||
	    procmem_u64(&m->p->mem, T->map_dir + 48, &elem) || elem != table)
		T->map_dir = 0;
}

/* A map's header, and its buckets (to Go 1.23, and 1.24/1.25 built
 * noswissmap) or its directory and groups: the buckets and groups
 * arrays of the type at the map type's offset 64. */
static void walk_map(struct gomark *m, uint64_t h, uint64_t mt)
{
	struct gotypes *T = m->ty;
	uint64_t bt, w[6], i;
	struct plan *bp;

	if (procmem_u64(&m->p->mem, mt + 64, &bt))
		return;
	bp = plan_of(m, bt, 0);
	if (!bp || bp->bad || bp->size < 8 ||
	    procmem_read(&m->p->mem, h, w, sizeof(w)))
		return;
	map_types(m);
	if (T->map_hdr)
		claim(m, h, T->map_hdr, 1, 0);
	if (T->swiss) {	/* Map {used, seed, dirPtr, dirLen} */
		uint64_t prev = 0, tb, g[2];

		if (!w[3]) {
			if (w[2])
				claim(m, w[2], bt, 1, 0);
			return;
		}
		if (T->map_dir && w[2] && w[3] <= MAX_DIR)
			claim(m, w[2], T->map_dir, w[3], 0);
		for (i = 0; i < w[3] && i < MAX_DIR; i++) {
			if (procmem_u64(&m->p->mem, w[2] + 8 * i, &tb))
				return;
			if (!tb || tb == prev)
				continue;
			prev = tb;
			/* table {used, capacity, growthLeft, localDepth,
			 * index, groups {data, lengthMask}} */
			if (!procmem_read(&m->p->mem, tb + 16, g, sizeof(g)) &&
			    g[0] && g[1] < (1ull << 32))
				claim(m, g[0], bt, g[1] + 1, 0);
		}
		return;
	}
	/* hmap {count, flags, B, ..., buckets, oldbuckets, ...} */
	{
		unsigned int B = (unsigned int)(w[1] >> 8) & 0xff;
		unsigned int same = (unsigned int)w[1] & 8;	/* sameSizeGrow */
		uint64_t arr[2], cnt[2];
		int a;

		if (B > MAX_BUCKETS_LOG)
			return;
		arr[0] = w[2];
		cnt[0] = 1ull << B;
		arr[1] = w[3];
		cnt[1] = same || !B ? 1ull << B : 1ull << (B - 1);
		for (a = 0; a < 2; a++) {
			if (!arr[a])
				continue;
			/* the array may hold preallocated overflow
			 * buckets; the others are reached from the
			 * buckets' overflow words (plan_of) */
			claim(m, arr[a], bt, cnt[a], 1);
		}
	}
}

/*
 * len bytes of a field off bytes into a value whose bytes p holds (avail
 * of them; p NULL: none), or from the core when they are not all there.
 */
static int field(const struct gomark *m, const uint8_t *p, size_t avail,
		 uint64_t at, uint64_t off, void *v, size_t len)
{
	if (p && off <= avail && len <= avail - off) {
		memcpy(v, p + off, len);
		return 0;
	}
	return procmem_read(&m->p->mem, at, v, len);
}

static int field_u64(const struct gomark *m, const uint8_t *p, size_t avail,
		     uint64_t at, uint64_t off, uint64_t *v)
{
	uint8_t b[8];

	if (field(m, p, avail, at, off, b, sizeof(b)))
		return -1;
	*v = gcd_le64(b);
	return 0;
}

/* n values of pl's type at addr: what their fields say of their targets. */
static void walk(struct gomark *m, uint64_t addr, const struct plan *pl,
		 uint64_t n, int depth)
{
	uint64_t e, v[3];
	const uint8_t *p = NULL;
	size_t i, avail = 0;

	if (depth > MAX_DEPTH)
		return;
	for (e = 0; e < n; e++) {
		uint64_t base = addr + e * pl->size;
		uint8_t probe, isentry;

		/* the value's bytes in place, read once: the next value's
		 * follow the last's while the segment holds them */
		if (p && avail > pl->size) {
			p += pl->size;
			avail -= pl->size;
		} else {
			p = procmem_span(&m->p->mem, base, &avail);
		}
		/* the rest of an array the core does not hold: stop */
		if (!p && procmem_read(&m->p->mem, base, &probe, 1))
			break;
		/* its first byte read all the same, as the probe above: the
		 * fuzz seeds keep the pages read (tests/gocap/mincore.c) */
		if (p)
			(void)*(const volatile uint8_t *)p;

		for (i = 0; i < pl->n; i++) {
			const struct ent *x = &pl->e[i];
			uint64_t at = base + x->off;
			struct plan *sub;

			switch (x->how) {
			case E_PTR:
				if (!field_u64(m, p, avail, at, x->off, v) &&
				    v[0])
					claim(m, v[0], x->typ, 1, 0);
				break;
			case E_NODE:
				if (!field_u64(m, p, avail, at, x->off, v) &&
				    v[0] &&
				    !procmem_u8(&m->p->mem, v[0], &isentry) &&
				    isentry <= 1)
					claim(m, v[0], isentry ? x->alt : x->typ,
					      1, 0);
				break;
			case E_SLICE:
				if (!field(m, p, avail, at, x->off, v,
					   sizeof(v)) && v[0] && v[2])
					claim(m, v[0], x->typ, v[2], 1);
				break;
			case E_EFACE:
			case E_IFACE:
				walk_iface(m, at, x->how == E_IFACE, depth);
				break;
			case E_MAP:
				if (!field_u64(m, p, avail, at, x->off, v) &&
				    v[0])
					walk_map(m, v[0], x->typ);
				break;
			case E_ARRAY:
				sub = plan_of(m, x->typ, 0);
				if (sub && !sub->bad && sub->n)
					walk(m, at, sub, x->count, depth + 1);
				break;
			}
		}
	}
}

static struct gotypes *types_state(struct gomark *m)
{
	if (!m->ty) {
		m->ty = calloc(1, sizeof(*m->ty));
		if (m->ty) {
			m->ty->headers = m->minor >= 22 &&
				!strstr(m->p->go_version, "noallocheaders");
			m->ty->swiss = m->minor >= 26 ||
				(m->minor >= 24 &&
				 !strstr(m->p->go_version, "noswissmap"));
		}
	}
	return m->ty;
}

int gomark_type_root(struct gomark *m, uint64_t addr, enum gomark_how how,
		     uint64_t typ, uint64_t count)
{
	struct gotypes *T = types_state(m);

	if (!T)
		return -1;
	if (T->nroots == T->caproots) {
		size_t c = T->caproots ? T->caproots * 2 : 256;
		struct troot *r = realloc(T->roots, c * sizeof(*r));

		if (!r)
			return -1;
		T->roots = r;
		T->caproots = c;
	}
	T->roots[T->nroots].addr = addr;
	T->roots[T->nroots].how = how;
	T->roots[T->nroots].typ = typ;
	T->roots[T->nroots].count = count;
	T->nroots++;
	return 0;
}

static void drain(struct gomark *m)
{
	struct gotypes *T = m->ty;

	while (T->nw && !T->nomem) {
		struct twork w = T->w[--T->nw];
		struct plan *pl = plan_of(m, w.typ, 0);

		if (pl && !pl->bad)
			walk(m, w.addr, pl, w.n, 0);
	}
}

#define KIND_MASK	31
#define KIND_IFACE	20

/* Does t look like a type descriptor (internal/abi.Type, the same from
 * Go 1.19 to 1.27): an alignment of 1 to 8, a kind, no more pointer
 * bytes than bytes?  Its Hash in *hash, its kind in *kind. */
static int type_sane(const struct gomark *m, uint64_t t, uint32_t *hash,
		     unsigned int *kind)
{
	const uint8_t *p;
	size_t avail;

	if ((t & 7) || !in_types(m, t) ||
	    !(p = procmem_span(&m->p->mem, t, &avail)) || avail < 24)
		return 0;
	*kind = p[23] & KIND_MASK;
	*hash = gcd_le32(p + 16);
	return *kind && *kind <= 26 && gcd_le64(p + 8) <= gcd_le64(p) &&
	       p[21] && p[21] <= 8 && !(p[21] & (p[21] - 1)) &&
	       p[22] && p[22] <= 8 && !(p[22] & (p[22] - 1));
}

/*
 * The dynamic type of an interface value whose first word is w0, in
 * memory no type describes, or 0 when w0 is not one: a type descriptor
 * not of an interface (an any), or an itab (an interface with methods)
 * whose interface is an interface type, whose type is a descriptor with
 * the same Hash as the itab's copy of it, and whose first method is in
 * the program's text.  The itab's layout ({Inter, Type, Hash, _, Fun})
 * is also the same from Go 1.19 to 1.27.
 */
static uint64_t iface_type(const struct gomark *m, uint64_t w0)
{
	const uint8_t *p;
	size_t avail;
	uint64_t t, fn;
	uint32_t h, hi;
	unsigned int kind, ki;

	/* (itabs may lie in the types section too; an itab's bytes 21-23
	 * are padding, 0, which no descriptor's alignment is) */
	if (type_sane(m, w0, &h, &kind))
		return kind != KIND_IFACE ? w0 : 0;
	/* (no itab is in the heap: most words are ruled out here) */
	if ((w0 & 7) || span_of(m, w0) ||
	    !(p = procmem_span(&m->p->mem, w0, &avail)) || avail < 32)
		return 0;
	t = gcd_le64(p + 8);
	fn = gcd_le64(p + 24);
	if (fn < m->p->md.text || fn >= m->p->md.etext ||
	    !type_sane(m, gcd_le64(p), &hi, &ki) || ki != KIND_IFACE ||
	    !type_sane(m, t, &h, &kind) || kind == KIND_IFACE ||
	    h != gcd_le32(p + 16))
		return 0;
	return t;
}

/*
 * Interface values in n bytes at a (p: their bytes) that no type
 * describes: each pair of words whose second is a pointer word, where
 * bits says (bit bit0 + i for word i; the compiler marks an interface's
 * data word alone, its type word never points into the heap), whose
 * first is an itab or a type descriptor and whose second is not 0 is
 * taken as one, and its value typed; until self (an object's type slot,
 * or NULL) is set.
 */
static void iface_words(struct gomark *m, uint64_t a, const uint8_t *p,
			uint64_t n, const uint8_t *bits, uint64_t bit0,
			const uint32_t *self)
{
	struct gotypes *T = m->ty;
	uint64_t i, w0, w1, t;

	/* (self: the object's type slot, which a value it holds may fill
	 * through a cycle; its type then says what it holds) */
	for (i = 0; i + 16 <= n && !T->nomem && !(self && *self); i += 8) {
		uint64_t w = bit0 + i / 8;

		if (bits && !((bits[(w + 1) / 8] >> ((w + 1) % 8)) & 1))
			continue;
		w0 = gcd_le64(p + i);
		w1 = gcd_le64(p + i + 8);
		if (!w0 || !w1 || !(t = iface_type(m, w0)))
			continue;
		T->st.ifaces++;
		iface_value(m, a + i, t, w1, 0);
		drain(m);
		i += 8;
	}
}

/*
 * The last source, after every other has spoken: interface values in
 * the module's globals (by their pointer masks) and in the reachable
 * objects left untyped (by their heap bits where an object has them), in
 * address order.  Without DWARF, before Go 1.22, they are the only one.
 */
static void iface_untyped(struct gomark *m)
{
	struct gotypes *T = m->ty;
	uint64_t v[4], k;
	size_t i, avail;
	int j;

	if (!gomark_globals_bounds(m, v))
		for (j = 0; j < 4; j += 2) {
			uint64_t a = v[j], n;
			const uint8_t *p;
			uint8_t *mask;

			if (!gomark_globals_ok(v[j], v[j + 1]) ||
			    !(mask = gomark_globals_mask(m, j, v[j + 1] - v[j])))
				continue;
			/* segment by segment (data is in the file, bss
			 * anonymous): a pair across two is not looked at */
			while (a < v[j + 1]) {
				p = procmem_span(&m->p->mem, a, &avail);
				if (!p) {
					n = procmem_known_from(&m->p->mem, a);
					if (n <= a)
						break;
					a = n;
					continue;
				}
				n = avail < v[j + 1] - a ? avail : v[j + 1] - a;
				iface_words(m, a, p, n & ~7ull, mask,
					    (a - v[j]) / 8, NULL);
				a += n;
			}
			free(mask);
		}
	for (i = 0; i < m->n && !T->nomem; i++) {
		struct mspan_ix *s = &m->s[i];

		if (s->noscan)
			continue;
		for (k = 0; k < s->nelems && !T->nomem; k++) {
			uint64_t base = s->start + k * s->size, g;
			const uint8_t *p, *bits = NULL;
			uint8_t b8[8];
			int u;

			if (!test_bit(m->mark, s->bit + k) || T->t[s->bit + k])
				continue;
			p = procmem_span(&m->p->mem, base, &avail);
			if (!p || avail < s->size)
				continue;
			if (T->headers && span_small(s)) {
				if (!known_bits(m, s, &g) &&
				    small_bits64(m, s, base, &g))
					continue;
				for (u = 0; u < 8; u++)
					b8[u] = (uint8_t)(g >> (8 * u));
				bits = b8;
			}
			iface_words(m, base, p, s->size, bits, 0,
				    &T->t[s->bit + k]);
		}
	}
}

int gomark_types(struct gomark *m, struct gomark_type_stats *st)
{
	struct gotypes *T = types_state(m);
	size_t i;
	uint64_t k;

	memset(st, 0, sizeof(*st));
	if (!T)
		return -1;
	T->t = calloc((size_t)m->nbits + 1, sizeof(*T->t));
	if (!T->t)
		return -1;
	/* the heap's own record first: it is not overruled */
	for (i = 0; i < m->n && !T->nomem; i++) {
		struct mspan_ix *s = &m->s[i];

		if (!span_records_types(m, s))
			continue;
		for (k = 0; k < s->nelems; k++) {
			uint64_t base = s->start + k * s->size, typ, elems;
			struct plan *pl;
			uint32_t id;

			if (!test_bit(m->mark, s->bit + k))
				continue;
			typ = object_type(m, s, base, &elems);
			if (!typ)
				continue;
			id = type_id(T, typ);
			if (!id)
				break;
			T->t[s->bit + k] = id << 1 | (elems > 1);
			T->st.header++;
			pl = plan_of(m, typ, 0);
			if (pl && !pl->bad && pl->n)
				push(m, base + header_of(m, s), typ, elems);
		}
	}
	drain(m);
	for (i = 0; i < T->nroots && !T->nomem; i++) {
		const struct troot *r = &T->roots[i];
		struct plan *pl = plan_of(m, r->typ, 0);
		uint64_t v[3];

		T->st.roots++;
		if (!pl || pl->bad) {
			T->st.bad_types++;
			continue;
		}
		switch (r->how) {
		case GOMARK_VALUE:
			walk(m, r->addr, pl, r->count, 0);
			break;
		case GOMARK_SLICE:
			if (!procmem_read(&m->p->mem, r->addr, v, sizeof(v)) &&
			    v[0] && v[2])
				claim(m, v[0], r->typ, v[2], 1);
			break;
		case GOMARK_POINTER:
			if (!procmem_u64(&m->p->mem, r->addr, &v[0]) && v[0])
				claim(m, v[0], r->typ, 1, 0);
			break;
		}
		drain(m);
	}
	if (!T->nomem)
		iface_untyped(m);
	*st = T->st;
	return T->nomem ? -1 : 0;
}

uint64_t types_of(struct gomark *m, const struct mspan_ix *s, uint64_t k,
		  uint64_t *elems)
{
	struct gotypes *T = m->ty;
	uint64_t typ, avail;
	struct plan *pl;
	uint32_t v;

	if (!T->t)
		return object_type(m, s, s->start + k * s->size, elems);
	v = T->t[s->bit + k];
	typ = v ? T->ids[v >> 1] : 0;
	*elems = typ ? 1 : 0;
	if (!(v & 1))
		return typ;
	pl = plan_find(T, typ);
	avail = s->size - header_of(m, s);
	*elems = pl && pl->size && avail / pl->size > 1 ? avail / pl->size : 2;
	return typ;
}

void gomark_types_free(struct gotypes *T)
{
	size_t i;

	if (!T)
		return;
	for (i = 0; i < T->capplans; i++)
		if (T->plans[i]) {
			free(T->plans[i]->e);
			free(T->plans[i]);
		}
	free(T->plans);
	free(T->t);
	free(T->ids);
	free(T->idslot);
	free(T->w);
	free(T->roots);
	free(T);
}
