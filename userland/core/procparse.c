// SPDX-License-Identifier: GPL-2.0
/*
 * procparse.c - /proc text for gocap snapshot (contract in procparse.h).
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/procparse.h"

static int hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = tolower(c);
	return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* A hexadecimal number at *p (at least one digit), moving *p past it. */
static int hex(const char **p, uint64_t *v)
{
	int n = 0, d;

	*v = 0;
	while ((d = hexval((unsigned char)**p)) >= 0) {
		if (n == 16)
			return -1;	/* more than 64 bits */
		*v = *v << 4 | (uint64_t)d;
		(*p)++;
		n++;
	}
	return n ? 0 : -1;
}

static int expect(const char **p, char c)
{
	if (**p != c)
		return -1;
	(*p)++;
	return 0;
}

int procparse_maps_line(const char *line, struct procparse_map *out)
{
	const char *p = line;
	uint64_t maj, min, inode = 0;
	int n = 0;

	memset(out, 0, sizeof(*out));
	if (hex(&p, &out->start) || expect(&p, '-') || hex(&p, &out->end) ||
	    expect(&p, ' ') || out->end <= out->start)
		return -1;
	if (strlen(p) < 5 || !strchr("r-", p[0]) || !strchr("w-", p[1]) ||
	    !strchr("x-", p[2]) || !strchr("sp", p[3]) || p[4] != ' ')
		return -1;
	out->readable = p[0] == 'r';
	out->writable = p[1] == 'w';
	out->executable = p[2] == 'x';
	out->shared = p[3] == 's';
	p += 5;
	if (hex(&p, &out->pgoff) || expect(&p, ' ') || hex(&p, &maj) ||
	    expect(&p, ':') || hex(&p, &min) || expect(&p, ' ') ||
	    maj > 0xfff || min > 0xfffff)
		return -1;
	out->dev_major = (unsigned int)maj;
	out->dev_minor = (unsigned int)min;
	while (*p >= '0' && *p <= '9' && n < 20) {
		inode = inode * 10 + (uint64_t)(*p - '0');
		p++;
		n++;
	}
	if (!n || (*p && *p != ' '))
		return -1;
	out->inode = (unsigned long)inode;
	while (*p == ' ')
		p++;
	out->path = p;
	return 0;
}

int procparse_stat(const char *buf, char *comm, size_t commlen,
		   unsigned long long *fields, int max)
{
	const char *a = strchr(buf, '('), *b = strrchr(buf, ')'), *p;
	int n = 0;

	if (commlen)
		comm[0] = '\0';
	if (!a || !b || b < a)
		return 0;
	if (commlen) {
		size_t len = (size_t)(b - a - 1), i;

		if (len > commlen - 1)
			len = commlen - 1;
		for (i = 0; i < len; i++)
			comm[i] = isprint((unsigned char)a[1 + i]) ? a[1 + i] :
								   '?';
		comm[len] = '\0';
	}
	p = b + 1;
	while (*p && n < max) {
		while (*p == ' ')
			p++;
		if (!*p || *p == '\n')
			break;
		/* field 3, the state, is a letter: strtoull gives 0 */
		fields[n++] = strtoull(p, NULL, 10);
		while (*p && *p != ' ' && *p != '\n')
			p++;
	}
	return n;
}

uint64_t procparse_value(const char *buf, const char *key, int *found)
{
	size_t klen = strlen(key);
	const char *p = buf;

	if (found)
		*found = 0;
	while (p && *p) {
		if (!strncmp(p, key, klen)) {
			const char *v = p + klen;

			while (*v == ' ' || *v == '\t' || *v == ':')
				v++;
			if (found)
				*found = 1;
			return strtoull(v, NULL, 10);
		}
		p = strchr(p, '\n');
		if (p)
			p++;
	}
	return 0;
}

int procparse_cpus(const char *status, uint64_t *words, unsigned int nwords)
{
	const char *p = status, *e, *g;
	unsigned int w = 0;
	int trunc = 0;

	memset(words, 0, nwords * sizeof(*words));
	while (p && strncmp(p, "Cpus_allowed:", 13)) {
		p = strchr(p, '\n');
		if (p)
			p++;
	}
	if (!p)
		return 0;
	p += 13;
	while (*p == ' ' || *p == '\t')
		p++;
	e = p;
	while (*e && *e != '\n')
		e++;
	/* groups of 8 hex digits, comma separated; the last is CPUs 0-31 */
	while (e > p) {
		uint64_t v = 0;
		int digits = 0;

		g = e;
		while (g > p && g[-1] != ',')
			g--;
		for (const char *q = g; q < e; q++) {
			int d = hexval((unsigned char)*q);

			if (d < 0 || digits == 8)
				break;
			v = v << 4 | (uint64_t)d;
			digits++;
		}
		if (w < nwords)
			words[w] = v;
		else if (v)
			trunc = 1;
		w++;
		e = g > p ? g - 1 : p;
	}
	return trunc;
}
