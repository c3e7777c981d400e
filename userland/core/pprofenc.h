/* SPDX-License-Identifier: GPL-2.0 */
/*
 * pprofenc.h - write a profile in the format `go tool pprof` reads
 * (profile.proto of github.com/google/pprof: perftools.profiles.Profile),
 * uncompressed (pprof takes gzip or not).
 *
 * A few hundred lines of protobuf encoding for nine message types, rather
 * than protobuf-c and a generated profile.pb-c.c: the encoding is the
 * wire format's varints and length prefixes only, and the tests check the
 * output with `go tool pprof` itself (Documentation/design.rst).
 *
 * Strings, functions and locations are numbered as they are added and
 * deduplicated (a string by its bytes, a location by address, a function
 * by its name alone, as runtime/pprof does: the file of a function's
 * first line added is the file of all its lines, so a package's init,
 * made of the initialisers of several files, shows them under one, as
 * the program's own /debug/pprof/heap does).  Every function returns 0 (or an id) and sets
 * the builder's error on running out of memory; pprof_write() reports it.
 */
#ifndef GOCD_PPROFENC_H
#define GOCD_PPROFENC_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

struct pbuf {
	uint8_t *b;
	size_t n, cap;
};

struct pprof_map {
	uint64_t *key, *val;	/* open addressing, key 0 is empty */
	size_t n, cap;
};

struct pprof {
	struct pbuf out;	/* the Profile's fields but string_table */
	struct pbuf tmp, tmp2;	/* one nested message being encoded */
	char **strs;
	size_t nstr, strcap;
	struct pprof_map strmap;	/* hash -> chain of string indices */
	struct pprof_map funcs, locs;
	uint64_t nfunc, nloc;
	int oom;
};

/* A line of a location: the function and the line in it. */
struct pprof_line {
	const char *func, *file;
	int64_t line;
	int64_t start_line;	/* the function's, 0: unknown */
};

int pprof_init(struct pprof *pp);
void pprof_free(struct pprof *pp);

/* Index of s in the string table (0 is ""). */
int64_t pprof_string(struct pprof *pp, const char *s);

void pprof_sample_type(struct pprof *pp, const char *type, const char *unit);
void pprof_period(struct pprof *pp, const char *type, const char *unit,
		  int64_t period);
void pprof_default_sample_type(struct pprof *pp, const char *type);
void pprof_mapping(struct pprof *pp, uint64_t id, uint64_t start,
		   uint64_t limit, uint64_t offset, const char *file,
		   const char *build_id);

/* The id of the location at addr (mapping 0: none), added with its lines
 * (innermost first) the first time; 0 on error. */
uint64_t pprof_location(struct pprof *pp, uint64_t mapping, uint64_t addr,
			const struct pprof_line *lines, size_t nlines);

/* A sample: its locations (leaf first), its values (one per sample type)
 * and, when label is not NULL, a numeric label. */
void pprof_sample(struct pprof *pp, const uint64_t *locs, size_t nlocs,
		  const int64_t *vals, size_t nvals, const char *label,
		  int64_t num);

/* Append the string table and write the profile to f: 0, or -1 (out of
 * memory earlier, or a write error: errno). */
int pprof_write(struct pprof *pp, FILE *f);

#endif /* GOCD_PPROFENC_H */
