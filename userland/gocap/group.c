// SPDX-License-Identifier: GPL-2.0
/*
 * group.c - goroutine triage: filters and buckets (see group.h).
 *
 * A bucket is keyed by what the runtime would print of a goroutine minus
 * its arguments and numbers: its state (status or wait reason, without
 * ", N minutes" and ", locked to thread", which the bucket counts), its
 * frames as printed (function and file:line, the elision line of the
 * core's release in its place), and its "created by" function and
 * file:line (not the parent's id).  That is panicparse's -aggressive
 * rule, which also merges locked and unlocked goroutines.  The test suite
 * groups the runtime's own GOTRACEBACK=crash text by the same rule with a
 * parser of its own (tests/triage/group.py), and runs panicparse.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gocap/group.h"
#include "gocap/print.h"

/* ---- filters ----------------------------------------------------------- */

static int parse_duration(const char *s, int64_t *ns)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (errno || end == s || v < 0)
		return -1;
	if (!strcmp(end, "ns"))
		*ns = (int64_t)v;
	else if (!strcmp(end, "ms"))
		*ns = (int64_t)(v * 1e6);
	else if (!strcmp(end, "s") || !*end)
		*ns = (int64_t)(v * 1e9);
	else if (!strcmp(end, "m"))
		*ns = (int64_t)(v * 60e9);
	else if (!strcmp(end, "h"))
		*ns = (int64_t)(v * 3600e9);
	else
		return -1;
	return 0;
}

int gfilter_add(struct gfilters *fs, const char *arg, char *err,
		size_t errlen)
{
	static const struct {
		const char *key;
		enum gfilter_kind kind;
	} keys[] = {
		{ "state", GF_STATE }, { "wait", GF_WAIT }, { "func", GF_FUNC },
		{ "file", GF_FILE }, { "label", GF_LABEL },
		{ "created", GF_CREATED },
	};
	const char *eq = strchr(arg, '=');
	struct gfilter *f;
	size_t i, klen;

	if (fs->n >= GFILTER_MAX) {
		snprintf(err, errlen, "more than %d --filter options",
			 GFILTER_MAX);
		return -1;
	}
	f = &fs->f[fs->n];
	memset(f, 0, sizeof(*f));
	f->text = arg;
	klen = eq ? (size_t)(eq - arg) : 0;
	for (i = 0; eq && i < sizeof(keys) / sizeof(keys[0]); i++)
		if (strlen(keys[i].key) == klen &&
		    !strncmp(arg, keys[i].key, klen))
			break;
	if (!eq || i == sizeof(keys) / sizeof(keys[0])) {
		snprintf(err, errlen,
			 "--filter \"%s\": expected KEY=VALUE with KEY one of "
			 "state, wait, func, file, label, created", arg);
		return -1;
	}
	f->kind = keys[i].kind;
	eq++;
	switch (f->kind) {
	case GF_WAIT:
		if (parse_duration(eq, &f->min_wait_ns)) {
			snprintf(err, errlen,
				 "--filter \"%s\": a duration like 90s, 5m, 1.5h",
				 arg);
			return -1;
		}
		break;
	case GF_LABEL: {
		const char *v = strchr(eq, '=');

		if (!v || (size_t)(v - eq) >= sizeof(f->key) ||
		    strlen(v + 1) >= sizeof(f->value)) {
			snprintf(err, errlen,
				 "--filter \"%s\": expected label=KEY=VALUE",
				 arg);
			return -1;
		}
		memcpy(f->key, eq, (size_t)(v - eq));
		snprintf(f->value, sizeof(f->value), "%s", v + 1);
		break;
	}
	default: {
		int r = regcomp(&f->re, eq, REG_EXTENDED | REG_NOSUB);

		if (r) {
			char msg[128];

			regerror(r, &f->re, msg, sizeof(msg));
			snprintf(err, errlen, "--filter \"%s\": %s", arg, msg);
			return -1;
		}
		break;
	}
	}
	fs->n++;
	return 0;
}

void gfilters_free(struct gfilters *fs)
{
	size_t i;

	for (i = 0; i < fs->n; i++)
		if (fs->f[i].kind != GF_WAIT && fs->f[i].kind != GF_LABEL)
			regfree(&fs->f[i].re);
	fs->n = 0;
}

int64_t triage_waited(const struct gonow *now, const struct goroutine *g)
{
	uint32_t st = g->status & ~(uint32_t)G_SCAN;

	if ((st != G_WAITING && st != G_SYSCALL) || !g->waitsince || !now ||
	    now->src == GONOW_NONE || now->ns < g->waitsince)
		return -1;
	return now->ns - g->waitsince;
}

static int filter_re(const regex_t *re, const char *s)
{
	return s && !regexec(re, s, 0, NULL, 0);
}

static int match_one(const struct gfilter *f, const struct goproc *p,
		     const struct gonow *now, const struct goroutine *g)
{
	size_t i;

	switch (f->kind) {
	case GF_STATE:
		return filter_re(&f->re, goroutine_status(p, g));
	case GF_WAIT:
		return triage_waited(now, g) >= f->min_wait_ns;
	case GF_FUNC:
	case GF_FILE:
		for (i = 0; i < g->nframes; i++)
			if (filter_re(&f->re, f->kind == GF_FUNC ?
				     g->frames[i].func : g->frames[i].file))
				return 1;
		return 0;
	case GF_LABEL:
		for (i = 0; i < g->nlabels; i++)
			if (!strcmp(g->labels[i].key, f->key) &&
			    !strcmp(g->labels[i].value, f->value))
				return 1;
		return 0;
	case GF_CREATED:
		return filter_re(&f->re, g->creator);
	}
	return 0;
}

int gfilters_match(const struct gfilters *fs, const struct goproc *p,
		   const struct gonow *now, const struct goroutine *g)
{
	size_t i;

	for (i = 0; fs && i < fs->n; i++)
		if (!match_one(&fs->f[i], p, now, g))
			return 0;
	return 1;
}

/* ---- what is printed of a stack ----------------------------------------- */

void triage_window(const struct goproc *p, const struct goroutine *g,
		   int all_frames, size_t *n, size_t *cut, size_t *ncut,
		   char *marker, size_t mlen)
{
	size_t i, nf = g->nframes;

	*n = nf;
	*cut = nf;
	*ncut = 0;
	if (mlen)
		marker[0] = '\0';
	if (all_frames)
		return;
	if (p->vers.unwinder) {
		/* 50 innermost and 50 outermost logical frames. */
		if (nf > 100) {
			*cut = 50;
			*ncut = nf - 100;
			snprintf(marker, mlen, "...%zu frames elided...",
				 nf - 100);
		}
		return;
	}
	/* Go 1.19: the first 100 physical frames. */
	for (i = 0; i < nf && g->frames[i].phys < 100; i++)
		;
	*n = i;
	*cut = i;
	if (g->nphys >= 100)
		snprintf(marker, mlen, "...additional frames elided...");
}

/* ---- buckets ------------------------------------------------------------ */

static uint64_t mix(uint64_t h, const void *s, size_t n)
{
	const unsigned char *c = s;
	size_t i;

	for (i = 0; i < n; i++) {
		h ^= c[i];
		h *= 0x100000001b3ull;
	}
	return h;
}

static uint64_t mixs(uint64_t h, const char *s)
{
	return mix(h, s ? s : "", s ? strlen(s) + 1 : 1);
}

/* The signature of g, in a scratch bucket (frames in sig->frames). */
struct sig {
	struct gobucket b;
	size_t cap;
};

static int make_sig(struct sig *s, const struct goproc *p,
		    const struct goroutine *g, int all_frames)
{
	struct gobucket *b = &s->b;
	size_t n, cut, ncut, i, k = 0;
	uint64_t h = 0xcbf29ce484222325ull;

	triage_window(p, g, all_frames, &n, &cut, &ncut, b->marker,
		      sizeof(b->marker));
	if (n - ncut > s->cap) {
		struct gbframe *f = realloc(b->frames,
					    (n - ncut) * sizeof(*f));

		if (!f)
			return -1;
		b->frames = f;
		s->cap = n - ncut;
	}
	b->state = goroutine_status(p, g);
	b->status = g->status & ~(uint32_t)G_SCAN;
	b->waitreason = g->waitreason;
	h = mixs(h, b->state);
	for (i = 0; i < n; i++) {
		const struct goframe *fr = &g->frames[i];

		if (i >= cut && i < cut + ncut)
			continue;
		b->frames[k].func = fr->func;
		b->frames[k].file = fr->file;
		b->frames[k].line = fr->line;
		b->frames[k].inlined = fr->inlined;
		h = mixs(h, fr->func);
		h = mixs(h, fr->file);
		h = mix(h, &fr->line, sizeof(fr->line));
		k++;
	}
	b->nframes = k;
	b->cut = cut;
	h = mixs(h, b->marker);
	b->creator = g->creator;
	b->creator_file = g->creator ? g->creator_file : NULL;
	b->creator_line = g->creator ? g->creator_line : 0;
	h = mixs(h, b->creator);
	h = mixs(h, b->creator_file);
	h = mix(h, &b->creator_line, sizeof(b->creator_line));
	b->hash = h;
	return 0;
}

static int streq(const char *a, const char *b)
{
	return a == b || (a && b && !strcmp(a, b));
}

static int sig_equal(const struct gobucket *a, const struct gobucket *b)
{
	size_t i;

	if (a->hash != b->hash || a->nframes != b->nframes ||
	    a->cut != b->cut ||
	    a->creator_line != b->creator_line || !streq(a->state, b->state) ||
	    strcmp(a->marker, b->marker) || !streq(a->creator, b->creator) ||
	    !streq(a->creator_file, b->creator_file))
		return 0;
	for (i = 0; i < a->nframes; i++)
		if (a->frames[i].line != b->frames[i].line ||
		    !streq(a->frames[i].func, b->frames[i].func) ||
		    !streq(a->frames[i].file, b->frames[i].file))
			return 0;
	return 1;
}

static int index_grow(struct triage *t)
{
	size_t cap = t->indexcap ? t->indexcap * 2 : 1024, i;
	size_t *ix = malloc(cap * sizeof(*ix));

	if (!ix)
		return -1;
	for (i = 0; i < cap; i++)
		ix[i] = (size_t)-1;
	for (i = 0; i < t->nb; i++) {
		size_t h = (size_t)t->b[i].hash & (cap - 1);

		while (ix[h] != (size_t)-1)
			h = (h + 1) & (cap - 1);
		ix[h] = i;
	}
	free(t->index);
	t->index = ix;
	t->indexcap = cap;
	return 0;
}

/* The bucket of sig, made when new; NULL when out of memory. */
static struct gobucket *bucket_for(struct triage *t, const struct sig *s)
{
	struct gobucket *b;
	size_t h;

	if ((t->nb + 1) * 2 > t->indexcap && index_grow(t))
		return NULL;
	h = (size_t)s->b.hash & (t->indexcap - 1);
	while (t->index[h] != (size_t)-1) {
		if (sig_equal(&t->b[t->index[h]], &s->b))
			return &t->b[t->index[h]];
		h = (h + 1) & (t->indexcap - 1);
	}
	if (t->nb == t->cap) {
		size_t cap = t->cap ? t->cap * 2 : 64;

		b = realloc(t->b, cap * sizeof(*b));
		if (!b)
			return NULL;
		t->b = b;
		t->cap = cap;
	}
	b = &t->b[t->nb];
	*b = s->b;
	b->frames = NULL;
	if (s->b.nframes) {
		b->frames = malloc(s->b.nframes * sizeof(*b->frames));
		if (!b->frames)
			return NULL;
		memcpy(b->frames, s->b.frames,
		       s->b.nframes * sizeof(*b->frames));
	}
	b->goids = NULL;
	b->n = b->cap = 0;
	b->nlocked = 0;
	b->nwait_known = 0;
	b->first_seen = t->kept;
	t->index[h] = t->nb++;
	return b;
}

static int add_state(struct triage *t, const char *state)
{
	size_t i;
	struct gstat *s;

	for (i = 0; i < t->nstates; i++)
		if (streq(t->states[i].state, state)) {
			t->states[i].n++;
			return 0;
		}
	s = realloc(t->states, (t->nstates + 1) * sizeof(*s));
	if (!s)
		return -1;
	t->states = s;
	s[t->nstates].state = state;
	s[t->nstates].n = 1;
	t->nstates++;
	return 0;
}

/* Keep the GLONG_MAX longest waits, longest first. */
static void add_long(struct triage *t, const struct goroutine *g,
		     int64_t waited)
{
	size_t k;

	if (waited < 0)
		return;
	if (t->nlongest == GLONG_MAX &&
	    t->longest[GLONG_MAX - 1].waited >= waited)
		return;
	k = t->nlongest < GLONG_MAX ? t->nlongest++ : GLONG_MAX - 1;
	while (k > 0 && t->longest[k - 1].waited < waited) {
		t->longest[k] = t->longest[k - 1];
		k--;
	}
	t->longest[k].goid = g->goid;
	t->longest[k].waited = waited;
	t->longest[k].state = goroutine_status(t->p, g);
	t->longest[k].func = NULL;
	for (size_t i = 0; i < g->nframes; i++) {
		/* The first frame outside the runtime says what waits. */
		if (strncmp(g->frames[i].func, "runtime.", 8)) {
			t->longest[k].func = g->frames[i].func;
			break;
		}
	}
	if (!t->longest[k].func && g->nframes)
		t->longest[k].func = g->frames[0].func;
}

static int take(struct triage *t, struct sig *s, const struct goroutine *g,
		const struct gfilters *fs, int all_frames)
{
	struct gobucket *b;
	int64_t waited;

	t->walked++;
	if (!gfilters_match(fs, t->p, t->now, g))
		return 0;
	if (g->problem[0])
		t->partial++;
	if (make_sig(s, t->p, g, all_frames))
		return -1;
	b = bucket_for(t, s);
	if (!b)
		return -1;
	if (b->n == b->cap) {
		size_t cap = b->cap ? b->cap * 2 : 4;
		uint64_t *ids = realloc(b->goids, cap * sizeof(*ids));

		if (!ids)
			return -1;
		b->goids = ids;
		b->cap = cap;
	}
	b->goids[b->n++] = g->goid;
	if (g->lockedm)
		b->nlocked++;
	if (g->crashed)
		b->crashed = 1;
	waited = triage_waited(t->now, g);
	if (waited >= 0) {
		if (!b->nwait_known++ || waited < b->wait_min)
			b->wait_min = waited;
		if (b->nwait_known == 1 || waited > b->wait_max)
			b->wait_max = waited;
	}
	add_long(t, g, waited);
	t->kept++;
	return add_state(t, b->state);
}

/* Crashed first; then by count, most first; then as first walked. */
static int bucket_order(const void *a, const void *b)
{
	const struct gobucket *x = a, *y = b;

	if (x->crashed != y->crashed)
		return x->crashed ? -1 : 1;
	if (x->n != y->n)
		return x->n > y->n ? -1 : 1;
	return x->first_seen < y->first_seen ? -1 :
	       x->first_seen > y->first_seen;
}

static int state_order(const void *a, const void *b)
{
	const struct gstat *x = a, *y = b;

	if (x->n != y->n)
		return x->n > y->n ? -1 : 1;
	return strcmp(x->state, y->state);
}

int triage_walk(struct goproc *p, struct gocrash *crash,
		struct triage_counts *c,
		int (*fn)(void *arg, const struct goroutine *g), void *arg)
{
	struct gowalk *w;
	struct goroutine g;
	uint64_t i, n, cut;
	int r, ret = -1;

	w = gowalk_new(p);
	if (!w)
		return -1;
	gowalk_crash(w, crash);
	if (crash->g && gowalk_g_at(w, crash->g, &g) == 0 && fn(arg, &g))
		goto out;
	n = gowalk_count(w);
	for (i = 0; i < n; i++) {
		if (i && !(i % 4096))
			goproc_release_pages(p);
		/* (A cut allgs can claim millions of entries: skip them
		 * without building a goroutine for each.) */
		cut = goproc_allgs_cut(p, i);
		if (cut) {
			c->unreadable += cut;
			i += cut - 1;
			continue;
		}
		r = gowalk_g(w, i, &g);
		if (r < 0) {
			c->unreadable++;
			continue;
		}
		if (r == 1) {
			c->dead++;
			continue;
		}
		if (g.addr == crash->g && crash->g)
			continue;
		if (fn(arg, &g))
			goto out;
	}
	ret = 0;
out:
	gowalk_free(w);
	return ret;
}

struct take_args {
	struct triage *t;
	struct sig s;
	const struct gfilters *fs;
	int all_frames;
};

static int take_one(void *arg, const struct goroutine *g)
{
	struct take_args *a = arg;

	return take(a->t, &a->s, g, a->fs, a->all_frames);
}

int triage_build(struct triage *t, struct goproc *p,
		 const struct gfilters *fs, const struct gonow *now,
		 int all_frames)
{
	struct take_args a = { .t = t, .fs = fs, .all_frames = all_frames };
	struct triage_counts c = { 0 };
	int ret = -1;

	memset(t, 0, sizeof(*t));
	t->p = p;
	t->now = now;
	if (triage_walk(p, &t->crash, &c, take_one, &a))
		goto out;
	t->dead = c.dead;
	t->unreadable = c.unreadable;
	if (t->nb)
		qsort(t->b, t->nb, sizeof(*t->b), bucket_order);
	free(t->index);
	t->index = NULL;
	t->indexcap = 0;
	if (t->nstates)
		qsort(t->states, t->nstates, sizeof(*t->states), state_order);
	ret = 0;
out:
	free(a.s.b.frames);
	return ret;
}

void triage_free(struct triage *t)
{
	size_t i;

	for (i = 0; i < t->nb; i++) {
		free(t->b[i].frames);
		free(t->b[i].goids);
	}
	free(t->b);
	free(t->index);
	free(t->states);
	memset(t, 0, sizeof(*t));
}

static int id_order(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

void triage_ranges(const uint64_t *ids, size_t n, char *buf, size_t len)
{
	uint64_t *s;
	size_t i, j, k = 0;

	if (!len)
		return;
	buf[0] = '\0';
	s = malloc(n ? n * sizeof(*s) : 1);
	if (!s)
		return;
	memcpy(s, ids, n * sizeof(*s));
	qsort(s, n, sizeof(*s), id_order);
	for (i = 0; i < n && k + 1 < len; i = j) {
		int w;

		for (j = i + 1; j < n && s[j] == s[j - 1] + 1; j++)
			;
		if (j - i == 1)
			w = snprintf(buf + k, len - k, "%s%llu", i ? ", " : "",
				     (unsigned long long)s[i]);
		else
			w = snprintf(buf + k, len - k, "%s%llu-%llu",
				     i ? ", " : "", (unsigned long long)s[i],
				     (unsigned long long)s[j - 1]);
		if (w < 0 || (size_t)w >= len - k) {
			/* Cut: say so rather than end mid-number. */
			if (len > 5)
				snprintf(buf + len - 5, 5, " ...");
			break;
		}
		k += (size_t)w;
	}
	free(s);
}
