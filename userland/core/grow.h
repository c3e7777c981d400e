/* SPDX-License-Identifier: GPL-2.0 */
/*
 * grow.h - a growing array's capacity doubled until it holds what is
 * needed, shared instead of one copy per file.
 */
#ifndef GOCD_GROW_H
#define GOCD_GROW_H

#include <stdint.h>
#include <stdlib.h>

/*
 * *v (of *cap elements of size bytes) grown to hold need: its capacity
 * doubled from 64 until it does.  0, or -1 (*v and *cap unchanged) when
 * out of memory or the bytes would not fit a size_t.
 */
static inline int grow_array(void **v, size_t *cap, size_t need,
			     size_t size)
{
	size_t n = *cap ? *cap : 64;
	void *x;

	if (need <= *cap)
		return 0;
	while (n < need) {
		if (n > SIZE_MAX / 2)
			return -1;
		n *= 2;
	}
	if (!size || n > SIZE_MAX / size)
		return -1;
	x = realloc(*v, n * size);
	if (!x)
		return -1;
	*v = x;
	*cap = n;
	return 0;
}

#endif /* GOCD_GROW_H */
