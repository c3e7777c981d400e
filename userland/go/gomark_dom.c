// SPDX-License-Identifier: GPL-2.0
/*
 * gomark_dom.c - the dominator tree of the reached objects and their
 * retained sizes (gomark.h, gomark_dominators).
 *
 * The graph: node 0 the roots, one node per object the mark reached,
 * numbered in the order of the spans' addresses; node 0 points at every
 * object a root word pointed at (kept while the mark ran: dom_word), and
 * each object at the objects its pointer words point into, read by the
 * mark's own scan_object (so an object scanned whole gives every word
 * that lands in an object).  Edges are 32-bit node numbers in one array
 * (compressed rows); the predecessors, but for the depth-first tree's
 * own edges, are built from them on the preorder, and the successors
 * freed before the dominators are computed (Semi-NCA, its semidominators
 * kept in the predecessors' row offsets, its EVAL without a stack).
 *
 * The leaves, objects that point at no other (strings' bytes, byte
 * slices, most of a heap of small structs), are left out of the tree's
 * computation: a leaf is no one's predecessor, so its dominator is the
 * nearest common dominator of its predecessors, found once the others'
 * are known (its first predecessor is kept in its slot of the preorder,
 * any other in a list).  What stays for the walk: per node of the tree
 * proper, its address (4 bytes, struct addrs), its immediate dominator
 * (4) and its retained size (8), and its leaves' addresses (4 bytes a
 * leaf), then the children's rows for the walk.  The nodes' numbers are
 * the objects' ranks among the marked (node_of); the edges' offsets go
 * once the depth-first search is done (ROWF).
 */
#include <endian.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "go/goheap.h"
#include "go/gomark.h"
#include "go/gomark_int.h"
#include "go/goproc.h"

#define NONE	UINT32_MAX
/* A row's first edge, once the offsets are freed (gomark_dominators). */
#define ROWF	(1u << 31)

/*
 * Object addresses, 4 bytes each (their offset from the lowest span, in
 * words) when the heap's spans lie within 32 GiB of each other, as they
 * do but in the largest heaps; 8 otherwise.
 */
struct addrs {
	uint32_t *off;
	uint64_t *full;
};

struct gomark_dom {
	uint8_t *rootbits;	/* per object: a root word points at it */
	int building;		/* scan_object's words are edges */
	uint64_t *rank;		/* building: marked bits before each 64 */
	uint64_t nodes;		/* building: the graph's nodes */
	uint32_t *succ;		/* building: the edges' targets */
	size_t ne, cape;
	int nomem, overflow;
	/* the result, per node in depth-first preorder (0: the roots),
	 * the leaves apart */
	uint64_t n;
	uint64_t base;		/* the lowest span's start (struct addrs) */
	int wide;		/* struct addrs: 8 bytes each */
	struct addrs addr;
	uint32_t *idom;		/* then, in its place, kids */
	uint32_t *kids;		/* the children's rows: coff (n + 1) */
	uint32_t *coff;
	uint64_t *ret;
	uint32_t *lofs;		/* n + 1: each node's leaves in leaf */
	struct addrs leaf;	/* their addresses, by dominator */
	uint64_t nleaves;
};

static int addrs_alloc(const struct gomark_dom *d, struct addrs *a,
		       uint64_t cnt)
{
	if (d->wide)
		a->full = malloc((size_t)(cnt ? cnt : 1) * sizeof(*a->full));
	else
		a->off = malloc((size_t)(cnt ? cnt : 1) * sizeof(*a->off));
	return a->full || a->off ? 0 : -1;
}

static void addrs_free(struct addrs *a)
{
	free(a->off);
	free(a->full);
	a->off = NULL;
	a->full = NULL;
}

static void addrs_set(const struct gomark_dom *d, struct addrs *a,
		      uint64_t i, uint64_t addr)
{
	if (a->full)
		a->full[i] = addr;
	else
		a->off[i] = (uint32_t)((addr - d->base) / 8);
}

static uint64_t addrs_get(const struct gomark_dom *d, const struct addrs *a,
			  uint64_t i)
{
	return a->full ? a->full[i] : d->base + 8 * (uint64_t)a->off[i];
}

/* d->base and d->wide from the spans, sorted by address and apart
 * (gomark_new): an object's start is a multiple of 8 from its span's. */
static void addrs_range(const struct gomark *m, struct gomark_dom *d)
{
	size_t i;

	d->base = m->n ? m->s[0].start : 0;
	d->wide = gomark_dom_wide ||
		  (m->n && (m->s[m->n - 1].limit - d->base) / 8 > UINT32_MAX);
	for (i = 0; i < m->n && !d->wide; i++)
		if (m->s[i].start % 8 || m->s[i].size % 8)
			d->wide = 1;
}

int gomark_dom_wide;

/* A leaf's predecessor after its first (by preorder). */
struct lpair {
	uint32_t leaf, from;
};

int gomark_retain(struct gomark *m)
{
	if (!m->dom) {
		m->dom = calloc(1, sizeof(*m->dom));
		if (!m->dom)
			return -1;
		m->dom->rootbits = calloc(1, (size_t)(m->nbits + 7) / 8 + 1);
		if (!m->dom->rootbits) {
			free(m->dom);
			m->dom = NULL;
			return -1;
		}
	}
	return 0;
}

/* The bits set in w: in a few instructions, where __builtin_popcountll
 * is a call into libgcc on the x86-64 baseline (no POPCNT). */
static inline uint64_t popcount64(uint64_t w)
{
	w -= (w >> 1) & 0x5555555555555555ull;
	w = (w & 0x3333333333333333ull) + ((w >> 2) & 0x3333333333333333ull);
	w = (w + (w >> 4)) & 0x0f0f0f0f0f0f0f0full;
	return (w * 0x0101010101010101ull) >> 56;
}

/* The bits set in b's 64-bit word of bits (whole words), below b: what
 * a count per 64 bits leaves to add for b's rank. */
static uint64_t bits_below(const uint8_t *bits, uint64_t b)
{
	uint64_t w;

	memcpy(&w, bits + b / 64 * 8, sizeof(w));
	w = le64toh(w) & ((1ull << (b % 64)) - 1);
	return popcount64(w);
}

/*
 * The node of the marked object at bit b: 1 + the marked bits before it,
 * for the objects' bits follow the spans' order, which is the nodes'
 * (gomark.c's bits_in_order); 0 past the graph's last node.
 */
static uint32_t node_of(const struct gomark *m, uint64_t b)
{
	const struct gomark_dom *d = m->dom;
	uint64_t r = d->rank[b / 64] + bits_below(m->mark, b) + 1;

	return r < d->nodes ? (uint32_t)r : 0;
}

int dom_word(struct gomark *m, uint64_t b)
{
	struct gomark_dom *d = m->dom;

	if (d->building) {
		if (!test_bit(m->mark, b))
			return 1;
		if (d->ne == d->cape) {
			/* past 2 MiB an eighth more each time: realloc
			 * moves the pages of an array that size rather than
			 * copy them, and the slack is what the peak pays */
			size_t c = !d->cape ? 1u << 16 :
				   d->cape < 1u << 19 ? d->cape * 2 :
				   d->cape + d->cape / 8;
			uint32_t *t;

			if (c > UINT32_MAX)	/* the offsets are 32-bit */
				c = UINT32_MAX;
			if (c <= d->cape) {
				d->overflow = 1;
				return 1;
			}
			t = realloc(d->succ, c * sizeof(*t));
			if (!t) {
				d->nomem = 1;
				return 1;
			}
			d->succ = t;
			d->cape = c;
		}
		d->succ[d->ne++] = node_of(m, b);
		return 1;
	}
	if (!m->draining)
		d->rootbits[b / 8] |= (uint8_t)(1u << (b % 8));
	return 0;
}

void gomark_dom_free(struct gomark_dom *d)
{
	if (!d)
		return;
	free(d->rootbits);
	free(d->rank);
	free(d->succ);
	addrs_free(&d->addr);
	free(d->idom);
	free(d->ret);
	free(d->kids);
	free(d->coff);
	free(d->lofs);
	addrs_free(&d->leaf);
	free(d);
}

/* The edges: node 0's, then each object's in node order, into d->succ
 * and soff (n + 1 entries); addr_d (unless NULL): each node's object.
 * 0 or -1. */
static int edges(struct gomark *m, uint64_t n, uint32_t *soff,
		 uint64_t *addr_d, struct gomark_dom_stats *st)
{
	struct gomark_dom *d = m->dom;
	struct gomark_stats keep = m->st;
	uint64_t j = 1, k;
	size_t i;

	/* the marked bits before each 64: the nodes are numbered by
	 * rank, as the loop below numbers them */
	d->rank = malloc(((size_t)m->nbits / 64 + 1) * sizeof(*d->rank));
	if (!d->rank)
		return -1;
	for (k = 0, j = 0; k <= m->nbits / 64; k++) {
		uint64_t w;

		d->rank[k] = j;
		memcpy(&w, m->mark + k * 8, sizeof(w));
		j += popcount64(w);
	}
	d->nodes = n;
	j = 1;
	d->building = 1;
	if (addr_d)
		addr_d[0] = 0;
	for (i = 0; i < m->n; i++) {
		const struct mspan_ix *s = &m->s[i];

		for (k = 0; k < s->nelems; k++) {
			uint64_t b = s->bit + k;

			if (!test_bit(m->mark, b) || j >= n)
				continue;
			if (addr_d)
				addr_d[j] = s->start + k * s->size;
			if (test_bit(d->rootbits, b)) {
				/* node 0's edge */
				dom_word(m, b);
				st->rooted++;
			}
			j++;
		}
	}
	soff[0] = 0;
	soff[1] = (uint32_t)d->ne;
	/* the objects in the same order, each scanned as the mark does */
	j = 1;
	for (i = 0; i < m->n && !d->nomem && !d->overflow; i++) {
		struct mspan_ix *s = &m->s[i];

		for (k = 0; k < s->nelems && j < n; k++) {
			if (!test_bit(m->mark, s->bit + k))
				continue;
			if (!s->noscan)
				scan_object(m, s, s->start + k * s->size);
			soff[j + 1] = (uint32_t)d->ne;
			j++;
		}
	}
	for (; j < n; j++)
		soff[j + 1] = (uint32_t)d->ne;
	d->building = 0;
	m->st = keep;
	free(d->rank);
	d->rank = NULL;
	if (d->ne && d->ne < d->cape) {	/* give back the growth's slack */
		uint32_t *t = realloc(d->succ, d->ne * sizeof(*t));

		if (t) {
			d->succ = t;
			d->cape = d->ne;
		}
	}
	st->edges = d->ne;
	return d->nomem || d->overflow ? -1 : 0;
}

/*
 * The rows of the nodes that are not leaves (a leaf's row is empty):
 * node u's is rows[tree(u)] to rows[tree(u) + 1], tree(u) being u less
 * the leaves before it (lrank: their count before each 64 nodes).
 */
static uint64_t tree(const uint8_t *leaves, const uint32_t *lrank, uint64_t u)
{
	return u - lrank[u / 64] - bits_below(leaves, u);
}

/* Depth first from node 0 (then from any node left, as if node 0
 * pointed at it), the leaves left out: pre (node -> preorder, NONE for a
 * leaf), parent (by preorder).  stk: scratch, one per node not a leaf.
 * While a node is on the stack its parent slot holds its cursor in succ
 * (the node under it on the stack is its parent, written at the pop),
 * so that the search holds no array of cursors of its own. */
static void dfs(const struct gomark_dom *d, uint64_t n, const uint32_t *rows,
		const uint8_t *leaves, const uint32_t *lrank, uint32_t *pre,
		uint32_t *parent, uint32_t *stk)
{
	uint64_t start, cnt = 0;

	for (start = 0; start < n; start++)
		pre[start] = NONE;
	for (start = 0; start < n; start++) {
		uint64_t sp = 1;

		if (pre[start] != NONE || test_bit(leaves, start))
			continue;
		pre[start] = (uint32_t)cnt;
		parent[cnt++] = rows[tree(leaves, lrank, start)];
		stk[0] = (uint32_t)start;
		while (sp) {
			uint32_t u = stk[sp - 1], v, *cur = &parent[pre[u]];

			if (*cur == rows[tree(leaves, lrank, u) + 1]) {
				*cur = sp > 1 ? pre[stk[sp - 2]] : 0;
				sp--;
				continue;
			}
			v = d->succ[(*cur)++];
			if (pre[v] != NONE || test_bit(leaves, v))
				continue;
			pre[v] = (uint32_t)cnt;
			parent[cnt++] = rows[tree(leaves, lrank, v)];
			stk[sp++] = v;
		}
	}
}

/*
 * Lengauer-Tarjan's EVAL with path compression, without recursion and
 * without a stack: the least semidominator on v's path up its forest
 * tree.  best[x]: the least semidominator on x's compressed path (x's
 * own until x is linked; Semi-NCA needs the value, never the vertex).
 * The path is walked up once with its links turned to point down, then
 * down again, each node taking its parent's best and its parent's
 * ancestor, as the recursion would on its way back.
 */
static uint32_t eval(uint32_t v, uint32_t *anc, uint32_t *best)
{
	uint32_t x = v, below = v, a, y, up;
	uint64_t k = 0;

	if (anc[v] == NONE)
		return best[v];
	while (anc[anc[x]] != NONE) {
		up = anc[x];
		anc[x] = below;
		below = x;
		x = up;
		k++;
	}
	for (a = x, y = below; k; k--) {
		up = anc[y];	/* the node under y on the path */
		if (best[a] < best[y])
			best[y] = best[a];
		anc[y] = anc[a];
		a = y;
		y = up;
	}
	return best[v];
}

/*
 * Semi-NCA over preds (by preorder; the tree edges left out, for the
 * parent is where each node's semidominator starts): parent becomes
 * idom.  Each node's semidominator is kept in poff[w + 1], which its
 * row's end no longer needs once the row is read.
 */
static void semi_nca(uint64_t n, uint32_t *poff, const uint32_t *pred,
		     uint32_t *parent, uint32_t *best, uint32_t *anc)
{
	uint64_t i;
	uint32_t w;

	for (i = 0; i < n; i++) {
		best[i] = (uint32_t)i;
		anc[i] = NONE;
	}
	for (w = (uint32_t)(n - 1); w >= 1; w--) {
		/* the tree edge is a predecessor: node 0's for a node
		 * found from no root */
		uint32_t s = parent[w], e;

		for (e = poff[w]; e < poff[w + 1]; e++) {
			uint32_t b = eval(pred[e], anc, best);

			if (b < s)
				s = b;
		}
		poff[w + 1] = s;	/* w's semidominator */
		best[w] = s;
		anc[w] = parent[w];
	}
	for (i = 1; i < n; i++) {
		uint32_t x = parent[i];

		while (x > poff[i + 1])
			x = parent[x];
		parent[i] = x;
	}
	parent[0] = 0;
}

/*
 * Whether the edge from node i to t (not a leaf) is t's own in the
 * depth-first tree (i is its parent): the predecessors leave it out, for
 * Semi-NCA starts each node's semidominator at its parent.  The count
 * and the fill of the predecessors must agree on it.
 */
static int tree_edge(const uint32_t *pre, const uint32_t *parent,
		     uint64_t i, uint32_t t)
{
	return parent[pre[t]] == pre[i];
}

/*
 * Compressed rows (off[0..c], a row's entries at off[r] to off[r + 1]),
 * built without a cursor array: each row's count goes into off[r + 1],
 * rows_sum turns the counts into each row's start, the fill uses off[r]
 * as row r's cursor (off[r]++), which leaves off[r] at row r + 1's
 * start, and rows_unshift moves them back by one.
 */
static void rows_sum(uint32_t *off, uint64_t c)
{
	uint64_t i;

	for (i = 0; i < c; i++)
		off[i + 1] += off[i];
}

static void rows_unshift(uint32_t *off, uint64_t c)
{
	uint64_t i;

	for (i = c; i >= 1; i--)
		off[i] = off[i - 1];
	off[0] = 0;
}

/*
 * The edges, row by row, as the predecessors read them: with the
 * offsets (rows, the nodes' but the leaves', see tree()), their rows;
 * without (freed once the depth-first search is done, to make room for
 * the predecessors), a row's first edge carries ROWF, and the rows are
 * those of the nodes but the leaves (node 0's when it has one: row0).
 */
struct edge_iter {
	const uint32_t *succ, *rows;
	const uint8_t *leaves;
	size_t j, ne;
	uint64_t n, i, r;
	int row0;
};

static void edge_iter_init(struct edge_iter *e, const struct gomark_dom *d,
			   const uint32_t *rows, const uint8_t *leaves,
			   uint64_t n, int row0)
{
	memset(e, 0, sizeof(*e));
	e->succ = d->succ;
	e->rows = rows;
	e->leaves = leaves;
	e->ne = d->ne;
	e->n = n;
	e->row0 = row0;
	e->i = rows ? 0 : UINT64_MAX;
}

/* The next edge: its source (*i) and target; 0 after the last. */
static int edge_next(struct edge_iter *e, uint64_t *i, uint32_t *t)
{
	uint32_t v;

	if (e->j >= e->ne)
		return 0;
	v = e->succ[e->j];
	if (e->rows) {
		while (e->j >= e->rows[e->r + 1]) {
			e->r++;
			e->i++;
			while (e->i < e->n && test_bit(e->leaves, e->i))
				e->i++;
		}
	} else if (v & ROWF) {
		e->i = e->i == UINT64_MAX ? 0 : e->i + 1;
		if (!e->i && !e->row0)
			e->i = 1;
		while (e->i && e->i < e->n && test_bit(e->leaves, e->i))
			e->i++;
		v &= ~ROWF;
	}
	e->j++;
	*i = e->i;
	*t = v;
	return 1;
}

/*
 * The children's rows for the walk, written over the dominators: the
 * permutation that puts each node i (1 to c - 1) at its dominator's
 * cursor is followed cycle by cycle (a node's dominator is read from
 * its slot before the slot is written; a bit per slot says which hold
 * a child), so that the tree is not held twice.  0 or -1.
 */
static int kids_in_place(struct gomark_dom *d, uint64_t c)
{
	uint32_t *coff = calloc((size_t)c + 1, sizeof(*coff));
	uint8_t *done = calloc((size_t)c / 8 + 1, 1);
	uint64_t i;

	if (!coff || !done) {
		free(coff);
		free(done);
		return -1;
	}
	for (i = 1; i < c; i++)
		coff[d->idom[i] + 1]++;
	rows_sum(coff, c);
	for (i = 1; i < c; i++) {
		uint32_t v = (uint32_t)i, t = d->idom[i], slot, next;

		if (test_bit(done, i))
			continue;
		for (;;) {
			/* child row positions 0.. are slots 1.. */
			slot = coff[t]++ + 1;
			done[slot / 8] |= (uint8_t)(1u << (slot % 8));
			if (slot == i) {
				d->idom[slot] = v;
				break;
			}
			next = d->idom[slot];
			d->idom[slot] = v;
			v = slot;
			t = next;
		}
	}
	rows_unshift(coff, c);
	if (c > 1)
		memmove(d->idom, d->idom + 1, (size_t)(c - 1) * sizeof(*d->idom));
	d->kids = d->idom;
	d->idom = NULL;
	d->coff = coff;
	free(done);
	return 0;
}

int gomark_dominators(struct gomark *m, struct gomark_dom_stats *st,
		      char *err, size_t errlen)
{
	struct gomark_dom *d = m->dom;
	uint32_t *soff = NULL, *pre = NULL, *parent = NULL, *rows = NULL;
	uint32_t *stk = NULL, *poff = NULL, *pred = NULL, *lrank = NULL;
	uint32_t *best = NULL, *anc = NULL, *depth;
	uint8_t *leaves = NULL;
	struct lpair *pairs = NULL;
	size_t npairs = 0, cappairs = 0;
	struct edge_iter ei;
	uint64_t n, c, nl = 0, ec = 0, i, j, k;
	uint32_t t;
	int r = -1, row0;

	memset(st, 0, sizeof(*st));
	if (!d) {
		snprintf(err, errlen, "the roots were not kept (gomark_retain)");
		return -1;
	}
	n = m->st.reached + 1;
	if (n >= NONE) {
		snprintf(err, errlen, "%llu objects: more than the dominators take (2^32)",
			 (unsigned long long)m->st.reached);
		return -1;
	}
	st->nodes = n - 1;
	soff = malloc((size_t)(n + 1) * sizeof(*soff));
	if (!soff || edges(m, n, soff, NULL, st)) {
		snprintf(err, errlen, d->overflow ?
			 "more than 2^32 pointers between the objects" :
			 "out of memory for the objects' pointers");
		goto out;
	}
	/* whole 64-bit words (tree()) */
	leaves = calloc((size_t)n / 64 + 1, 8);
	lrank = malloc(((size_t)n / 64 + 1) * sizeof(*lrank));
	if (!leaves || !lrank)
		goto nomem;
	for (i = 1; i < n; i++)
		if (soff[i + 1] == soff[i]) {
			leaves[i / 8] |= (uint8_t)(1u << (i % 8));
			nl++;
		}
	c = n - nl;
	/* the rows of the tree's nodes alone, for most objects of a heap
	 * are leaves: the offsets of every node go */
	rows = malloc((size_t)(c + 1) * sizeof(*rows));
	if (!rows)
		goto nomem;
	for (i = 0, k = 0; i < n; i++) {
		if (i % 64 == 0)
			lrank[i / 64] = (uint32_t)(i - k);
		if (!test_bit(leaves, i))
			rows[k++] = soff[i];
	}
	rows[c] = soff[n];
	free(soff);
	soff = NULL;
	pre = malloc((size_t)n * sizeof(*pre));
	parent = malloc((size_t)c * sizeof(*parent));
	stk = malloc((size_t)c * sizeof(*stk));
	if (!pre || !parent || !stk)
		goto nomem;
	dfs(d, n, rows, leaves, lrank, pre, parent, stk);
	free(stk);
	stk = NULL;
	free(lrank);
	lrank = NULL;
	/* the offsets make way for the predecessors: each row's first
	 * edge is flagged instead (node numbers stay below ROWF) */
	row0 = rows[1] > rows[0];
	if (n <= ROWF && !gomark_dom_wide) {
		for (i = 0; i < c; i++)
			if (rows[i + 1] > rows[i])
				d->succ[rows[i]] |= ROWF;
		free(rows);
		rows = NULL;
	}
	/* the predecessors, by preorder, in compressed rows (rows_sum:
	 * no cursor array, for the edges are held twice here), but for
	 * the tree edges: semi_nca starts each node at its parent, which
	 * is all such an edge would tell.  A leaf's first predecessor
	 * goes in its slot of pre, the others in pairs. */
	poff = calloc((size_t)c + 1, sizeof(*poff));
	if (!poff)
		goto nomem;
	edge_iter_init(&ei, d, rows, leaves, n, row0);
	while (edge_next(&ei, &i, &t))
		if (!test_bit(leaves, t) && !tree_edge(pre, parent, i, t)) {
			poff[pre[t] + 1]++;
			ec++;
		}
	pred = malloc((size_t)(ec + 1) * sizeof(*pred));
	if (!pred)
		goto nomem;
	rows_sum(poff, c);
	edge_iter_init(&ei, d, rows, leaves, n, row0);
	while (edge_next(&ei, &i, &t)) {
		if (!test_bit(leaves, t)) {
			if (!tree_edge(pre, parent, i, t))
				pred[poff[pre[t]]++] = pre[i];
			continue;
		}
		if (pre[t] == NONE) {
			pre[t] = pre[i];
			continue;
		}
		if (pre[t] == pre[i])
			continue;
		if (npairs == cappairs) {
			size_t cp = cappairs ? cappairs * 2 : 1024;
			struct lpair *t2 = realloc(pairs, cp * sizeof(*t2));

			if (!t2)
				goto nomem;
			pairs = t2;
			cappairs = cp;
		}
		pairs[npairs].leaf = t;
		pairs[npairs++].from = pre[i];
	}
	rows_unshift(poff, c);
	free(d->succ);
	d->succ = NULL;
	free(rows);
	rows = NULL;
	best = malloc((size_t)c * sizeof(*best));
	anc = malloc((size_t)c * sizeof(*anc));
	if (!best || !anc)
		goto nomem;
	semi_nca(c, poff, pred, parent, best, anc);
	free(best);
	free(anc);
	free(pred);
	free(poff);
	best = anc = pred = poff = NULL;
	d->idom = parent;
	parent = NULL;
	/* each leaf under the nearest common dominator of its
	 * predecessors (node 0 when it has none) */
	for (i = 0; i < npairs; i++) {
		uint32_t a = pre[pairs[i].leaf], b = pairs[i].from;

		while (a != b)
			if (a > b)
				a = d->idom[a];
			else
				b = d->idom[b];
		pre[pairs[i].leaf] = a;
	}
	free(pairs);
	pairs = NULL;
	addrs_range(m, d);
	d->ret = calloc((size_t)c, sizeof(*d->ret));
	d->lofs = calloc((size_t)c + 1, sizeof(*d->lofs));
	if (addrs_alloc(d, &d->addr, c) || addrs_alloc(d, &d->leaf, nl) ||
	    !d->ret || !d->lofs) {
		snprintf(err, errlen, "out of memory for the retained sizes");
		goto out;
	}
	for (i = 1; i < n; i++)
		if (test_bit(leaves, i)) {
			if (pre[i] == NONE)
				pre[i] = 0;
			d->lofs[pre[i] + 1]++;
		}
	rows_sum(d->lofs, c);
	/* each node's object (nodes are numbered in the order of the
	 * spans, as edges did), a leaf's into its dominator's row (as
	 * rows_sum says) and its bytes to its dominator's */
	addrs_set(d, &d->addr, 0, d->base);	/* node 0: no object */
	for (i = 0, j = 1; i < m->n; i++) {
		const struct mspan_ix *s = &m->s[i];

		for (k = 0; k < s->nelems && j < n; k++)
			if (test_bit(m->mark, s->bit + k)) {
				uint64_t a = s->start + k * s->size;

				if (test_bit(leaves, j))
					addrs_set(d, &d->leaf,
						  d->lofs[pre[j]]++, a);
				else
					addrs_set(d, &d->addr, pre[j], a);
				d->ret[pre[j]] += s->size;
				j++;
			}
	}
	rows_unshift(d->lofs, c);
	depth = pre;	/* free from here: each node's depth */
	d->n = c;
	d->nleaves = nl;
	depth[0] = 0;
	for (i = 0; i < c; i++) {
		if (i)
			depth[i] = depth[d->idom[i]] + 1;
		if (i && depth[i] > st->depth)
			st->depth = depth[i];
		if (d->lofs[i + 1] > d->lofs[i] && depth[i] + 1 > st->depth)
			st->depth = depth[i] + 1;
	}
	for (i = c - 1; i >= 1; i--)
		d->ret[d->idom[i]] += d->ret[i];
	free(pre);
	pre = NULL;
	r = kids_in_place(d, c);
	if (r)
		goto nomem;
	goto out;
nomem:
	snprintf(err, errlen, "out of memory for the dominators");
out:
	free(soff);
	free(rows);
	free(lrank);
	free(pre);
	free(parent);
	free(stk);
	free(poff);
	free(pred);
	free(best);
	free(anc);
	free(leaves);
	free(pairs);
	free(d->succ);
	d->succ = NULL;
	if (r) {
		free(d->idom);
		free(d->kids);
		free(d->coff);
		d->kids = d->coff = NULL;
		addrs_free(&d->addr);
		free(d->ret);
		free(d->lofs);
		addrs_free(&d->leaf);
		d->idom = NULL;
		d->ret = NULL;
		d->lofs = NULL;
		d->n = d->nleaves = 0;
	}
	return r;
}

/*
 * The dominators on a thread beside the types.  What each side writes:
 * the types, m->ty and the arenas' last bitmap in m, and the original
 * process's lookup cache (procmem's last segment); the dominators, m->dom
 * (the types never touch it) and, in their copies, the scan's state (the
 * statistics, the arenas' last bitmap, the last type's mask, the work
 * list, the source word) and the lookup cache.  Both read the span
 * index, the mark and allocation bits, which nothing writes any more:
 * the mark's notes on the spans stand once it is done (note_bits), and
 * the one field filled when first read is filled before (gomark_settle).
 * The tests check it: ThreadSanitizer, and the span index read-only
 * meanwhile (gomark_dom_freeze).
 */
int gomark_dom_freeze;

/* The whole pages of the span index made read-only (gomark_dom_freeze),
 * or writable again. */
static void freeze(const struct gomark *m, int prot)
{
	long pg = sysconf(_SC_PAGESIZE);
	uintptr_t lo = (uintptr_t)m->s, hi = (uintptr_t)(m->s + m->n);

	if (pg <= 0)
		return;
	lo = (lo + (uintptr_t)pg - 1) & ~((uintptr_t)pg - 1);
	hi &= ~((uintptr_t)pg - 1);
	if (hi > lo)
		mprotect((void *)lo, hi - lo, prot);
}

struct gomark_dom_run {
	pthread_t t;
	int thread;		/* t runs */
	int r;
	struct gomark_copy c;	/* the dominators' copy */
	struct gomark_dom_stats *st;
	char *err;
	size_t errlen;
};

static void *dom_run(void *arg)
{
	struct gomark_dom_run *r = arg;

	r->r = gomark_dominators(&r->c.m, r->st, r->err, r->errlen);
	return NULL;
}

struct gomark_dom_run *gomark_dominators_begin(struct gomark *m,
					       struct gomark_dom_stats *st,
					       char *err, size_t errlen)
{
	struct gomark_dom_run *r;

	if (!m->bits_done || !m->dom)
		return NULL;
	r = calloc(1, sizeof(*r));
	if (!r)
		return NULL;
	gomark_settle(m);
	/* buffers of its own (the types' are m->ty, made after this) */
	gomark_copy_init(&r->c, m);
	r->st = st;
	r->err = err;
	r->errlen = errlen;
	if (gomark_dom_freeze)
		freeze(m, PROT_READ);
	r->thread = !pthread_create(&r->t, NULL, dom_run, r);
	if (!r->thread)
		dom_run(r);
	return r;
}

int gomark_dominators_end(struct gomark_dom_run *r)
{
	int ret;

	if (r->thread)
		pthread_join(r->t, NULL);
	if (gomark_dom_freeze)
		freeze(&r->c.m, PROT_READ | PROT_WRITE);
	gomark_copy_done(&r->c);
	ret = r->r;
	free(r);
	return ret;
}

/* The object at a (its start) as gomark_each gives it. */
static void object_of(struct gomark *m, uint64_t a, struct gomark_object *o)
{
	struct mspan_ix *s = span_of(m, a);
	uint64_t k;

	memset(o, 0, sizeof(*o));
	o->addr = a;
	if (!s)
		return;
	k = span_index(s, a);
	o->size = s->size;
	o->cls = s->cls;
	o->noscan = s->noscan;
	o->typ = m->ty ? types_of(m, s, k, &o->elems) :
		object_type(m, s, a, &o->elems);
}

int gomark_dom_walk(struct gomark *m,
		    int (*enter)(void *arg, const struct gomark_object *o,
				 uint64_t retained, uint64_t depth),
		    void (*leave)(void *arg, uint64_t depth),
		    void *arg)
{
	struct gomark_dom *d = m->dom;
	const uint32_t *coff, *kids;
	uint32_t *stk, *cur, *lcur;
	uint64_t sp = 1;
	int r = 0;

	if (!d || !d->n || !d->kids)
		return 0;
	coff = d->coff;
	kids = d->kids;
	stk = malloc((size_t)d->n * sizeof(*stk));
	cur = malloc((size_t)d->n * sizeof(*cur));
	lcur = malloc((size_t)d->n * sizeof(*lcur));
	if (!stk || !cur || !lcur) {
		r = -1;
		goto out;
	}
	stk[0] = 0;
	cur[0] = coff[0];
	lcur[0] = d->lofs[0];
	while (sp) {
		uint32_t u = stk[sp - 1], v;
		struct gomark_object o;

		if (lcur[sp - 1] < d->lofs[u + 1]) {
			/* a leaf: retains itself */
			object_of(m, addrs_get(d, &d->leaf, lcur[sp - 1]++), &o);
			r = enter(arg, &o, o.size, sp);
			if (r)
				break;
			if (leave)
				leave(arg, sp);
			continue;
		}
		if (cur[sp - 1] == coff[u + 1]) {
			if (u && leave)	/* entered at sp - 1 */
				leave(arg, sp - 1);
			sp--;
			continue;
		}
		v = kids[cur[sp - 1]++];
		object_of(m, addrs_get(d, &d->addr, v), &o);
		r = enter(arg, &o, d->ret[v], sp);
		if (r)
			break;
		stk[sp] = v;
		lcur[sp] = d->lofs[v];
		cur[sp++] = coff[v];
	}
out:
	free(stk);
	free(cur);
	free(lcur);
	return r;
}

/* From node 0 and the nodes in seeds (not blocked), over soff/succ:
 * seen[] set for each node reached (blocked: 2, never crossed). */
static void reach(const struct gomark_dom *d, uint64_t n, const uint32_t *soff,
		  uint8_t *seen, uint32_t *queue, const uint8_t *seeds,
		  uint64_t blocked)
{
	uint64_t head = 0, tail = 0, i;

	memset(seen, 0, (size_t)n);
	if (blocked < n)
		seen[blocked] = 2;
	for (i = 0; i < n; i++)
		if ((!i || (seeds && seeds[i])) && !seen[i]) {
			seen[i] = 1;
			queue[tail++] = (uint32_t)i;
		}
	while (head < tail) {
		uint32_t u = queue[head++], e;

		for (e = soff[u]; e < soff[u + 1]; e++)
			if (!seen[d->succ[e]]) {
				seen[d->succ[e]] = 1;
				queue[tail++] = d->succ[e];
			}
	}
}

int gomark_dom_check(struct gomark *m, uint64_t max, char *err, size_t errlen)
{
	struct gomark_dom *d = m->dom;
	struct gomark_dom_stats st = { 0 };
	uint32_t *soff = NULL, *queue = NULL;
	uint64_t *addr_d = NULL, *ret_d = NULL, *size = NULL, n, i, x;
	uint8_t *seen = NULL, *orphan = NULL;
	int r = -1;

	if (!d || !d->n || d->n + d->nleaves > max)
		return 0;
	n = d->n + d->nleaves;
	soff = malloc((size_t)(n + 1) * sizeof(*soff));
	addr_d = malloc((size_t)n * sizeof(*addr_d));
	ret_d = calloc((size_t)n, sizeof(*ret_d));
	size = calloc((size_t)n, sizeof(*size));
	queue = malloc((size_t)n * sizeof(*queue));
	seen = malloc((size_t)n);
	orphan = calloc((size_t)n, 1);
	d->ne = d->cape = 0;
	if (!soff || !addr_d || !ret_d || !size || !queue || !seen ||
	    !orphan || edges(m, n, soff, addr_d, &st)) {
		snprintf(err, errlen, "dominator check: out of memory");
		goto out;
	}
	for (i = 1; i < n; i++) {
		const struct mspan_ix *s = span_of(m, addr_d[i]);

		size[i] = s ? s->size : 0;
	}
	/* the tree's result by node (nodes are numbered by address), a
	 * leaf retaining itself; every node once */
	for (i = 1; i < n; i++) {
		uint64_t a = i < d->n ? addrs_get(d, &d->addr, i) :
			addrs_get(d, &d->leaf, i - d->n);
		uint64_t lo = 1, hi = n;

		while (lo < hi) {
			uint64_t mid = lo + (hi - lo) / 2;

			if (addr_d[mid] < a)
				lo = mid + 1;
			else
				hi = mid;
		}
		if (lo == n || addr_d[lo] != a || orphan[lo]) {
			snprintf(err, errlen, "dominator check: 0x%llx is in the tree %s",
				 (unsigned long long)a, lo == n ||
				 addr_d[lo] != a ? "not in the graph" : "twice");
			goto out;
		}
		orphan[lo] = 1;	/* (as seen: cleared below) */
		ret_d[lo] = i < d->n ? d->ret[i] : size[lo];
	}
	memset(orphan, 0, (size_t)n);
	/* nodes node 0 does not reach hang from it in the tree */
	reach(d, n, soff, seen, queue, NULL, n);
	for (i = 1; i < n; i++)
		orphan[i] = !seen[i];
	for (x = 1; x < n; x++) {
		uint64_t sum = size[x];

		reach(d, n, soff, seen, queue, orphan, x);
		for (i = 1; i < n; i++)
			if (!seen[i])
				sum += size[i];
		if (sum != ret_d[x]) {
			snprintf(err, errlen, "dominator check: 0x%llx retains %llu bytes in the tree, %llu without it",
				 (unsigned long long)addr_d[x],
				 (unsigned long long)ret_d[x],
				 (unsigned long long)sum);
			goto out;
		}
	}
	r = 1;
out:
	free(d->succ);
	d->succ = NULL;
	d->ne = d->cape = 0;
	free(soff);
	free(addr_d);
	free(ret_d);
	free(size);
	free(queue);
	free(seen);
	free(orphan);
	return r;
}
