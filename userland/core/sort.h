/* SPDX-License-Identifier: GPL-2.0 */
/*
 * sort.h - the comparison of 64-bit values (addresses, ids) for qsort and
 * bsearch, shared instead of one copy per file.
 */
#ifndef GOCD_SORT_H
#define GOCD_SORT_H

#include <stdint.h>

/* qsort/bsearch order of two uint64_t (or of structs led by one). */
static inline int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

#endif /* GOCD_SORT_H */
