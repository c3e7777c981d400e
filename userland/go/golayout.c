// SPDX-License-Identifier: GPL-2.0
/*
 * golayout.c - the field list's helpers and the per-release table lookup
 * (see golayout.h).  The table itself is golayout_table.c.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "go/golayout.h"
#include "go/golayout_table.h"
#include "go/govers.h"

struct field_spec {
	const char *name, *structs, *members;
	size_t off;
};

/* A field's spec, for the tables below */
#define GOLAYOUT_SPEC(n, st, mem) \
	{ #n, st, mem, offsetof(struct golayout, n) },

static const struct field_spec fields[] = {
	GOLAYOUT_FIELDS(GOLAYOUT_SPEC)
};

size_t golayout_nfields(void)
{
	return sizeof(fields) / sizeof(fields[0]);
}

const char *golayout_field_name(size_t i)
{
	return i < golayout_nfields() ? fields[i].name : "?";
}

uint32_t *golayout_field(struct golayout *l, size_t i)
{
	return (uint32_t *)((char *)l + fields[i].off);
}

const uint32_t *golayout_field_c(const struct golayout *l, size_t i)
{
	return (const uint32_t *)((const char *)l + fields[i].off);
}

void golayout_field_spec(size_t i, const char **structs, const char **members)
{
	*structs = fields[i].structs;
	*members = fields[i].members;
}

int golayout_from_table(const char *go_version, struct golayout *l,
			char *err, size_t errlen)
{
	int minor = govers_minor(go_version);
	size_t i;

	for (i = 0; govers_known(minor) && i < golayout_table_len; i++) {
		if (golayout_table[i].minor == minor) {
			*l = golayout_table[i].layout;
			snprintf(l->source, sizeof(l->source), "table go1.%d",
				 minor);
			return 0;
		}
	}
	snprintf(err, errlen,
		 "Go version \"%s\" has no runtime layout table (known: %s); "
		 "give the executable with DWARF (--exe) instead",
		 go_version, govers_list());
	return -1;
}

const char *golayout_missing(const struct golayout *l)
{
	static const size_t required[] = {
		offsetof(struct golayout, g_stack),
		offsetof(struct golayout, g_sched),
		offsetof(struct golayout, g_syscallsp),
		offsetof(struct golayout, g_syscallpc),
		offsetof(struct golayout, g_m),
		offsetof(struct golayout, g_atomicstatus),
		offsetof(struct golayout, g_goid),
		offsetof(struct golayout, g_waitreason),
		offsetof(struct golayout, g_gopc),
		offsetof(struct golayout, g_startpc),
		offsetof(struct golayout, gobuf_sp),
		offsetof(struct golayout, gobuf_pc),
		offsetof(struct golayout, m_g0),
		offsetof(struct golayout, m_curg),
		offsetof(struct golayout, m_id),
		offsetof(struct golayout, m_procid),
		offsetof(struct golayout, m_alllink),
		offsetof(struct golayout, md_pcheader),
		offsetof(struct golayout, md_text),
		offsetof(struct golayout, md_gofunc),
		offsetof(struct golayout, md_types),
	};
	size_t i, j;

	for (i = 0; i < sizeof(required) / sizeof(required[0]); i++) {
		if (*(const uint32_t *)((const char *)l + required[i]) !=
		    GOLAYOUT_NONE)
			continue;
		for (j = 0; j < golayout_nfields(); j++)
			if (fields[j].off == required[i])
				return fields[j].name;
		return "?";
	}
	return NULL;
}

/* The first of the n fields f that l lacks (but skip), or NULL. */
static const char *first_missing(const struct golayout *l,
				 const struct field_spec *f, size_t n,
				 size_t skip)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (f[i].off != skip &&
		    *(const uint32_t *)((const char *)l + f[i].off) ==
		    GOLAYOUT_NONE)
			return f[i].name;
	return NULL;
}

const char *golayout_heap_missing(const struct golayout *l)
{
	static const struct field_spec heap[] = {
		GOLAYOUT_HEAP_FIELDS(GOLAYOUT_SPEC)
	};

	/* hsd_inptrscalarbits: gone in Go 1.25 with the GC programs'
	 * unrolled bits */
	return first_missing(l, heap, sizeof(heap) / sizeof(heap[0]),
			     offsetof(struct golayout, hsd_inptrscalarbits));
}

const char *golayout_span_missing(const struct golayout *l)
{
	static const struct field_spec span[] = {
		GOLAYOUT_SPAN_FIELDS(GOLAYOUT_SPEC)
	};

	return first_missing(l, span, sizeof(span) / sizeof(span[0]),
			     (size_t)-1);
}

#undef GOLAYOUT_SPEC

/* One line per field: fmt with its name and offset, or absent with its
 * name when the field does not exist. */
static void print_fields(FILE *f, const struct golayout *l, const char *fmt,
			 const char *absent)
{
	size_t i;

	for (i = 0; i < golayout_nfields(); i++) {
		uint32_t v = *golayout_field_c(l, i);

		if (v == GOLAYOUT_NONE)
			fprintf(f, absent, fields[i].name);
		else
			fprintf(f, fmt, fields[i].name, v);
	}
}

void golayout_print_c(FILE *f, const struct golayout *l, int minor)
{
	fprintf(f, "\t{ %d, {\n", minor);
	print_fields(f, l, "\t\t.%s = %u,\n", "\t\t.%s = NONE,\n");
	fprintf(f, "\t} },\n");
}

void golayout_print(FILE *f, const struct golayout *l)
{
	fprintf(f, "# source: %s\n", l->source);
	print_fields(f, l, "%s %u\n", "%s -\n");
}
